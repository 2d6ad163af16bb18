"""Figure helpers shared by every strand: palette, layout, synthetic marking, saving.

Figures are drawn with matplotlib's object API (no pyplot state), so rules
can run side by side, and saved with fixed metadata so the same table gives
byte-identical PNG and SVG files. Text always fits: titles are wrapped to the
figure's width, labels to their room, and a figure grows taller rather than
clip or overlap its texts (``tests/test_figure_fit.py`` checks every figure).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.font_manager import FontProperties  # noqa: E402

#: Okabe-Ito colour-blind-safe palette (black dropped as a fill colour).
PALETTE = [
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#999999",  # grey
]
#: Diverging scale for agree / neutral / disagree style items.
DIVERGING = {
    "negative": "#D55E00",
    "neutral": "#BBBBBB",
    "positive": "#0072B2",
    "not_applicable": "#EEEEEE",
}

SYNTHETIC_MARK = "SYNTHETIC EXAMPLE DATA"

matplotlib.rcParams.update(
    {
        "svg.hashsalt": "evaluation",
        "svg.fonttype": "path",
        "font.family": "DejaVu Sans",
        "font.size": 9,
        "axes.titlesize": 10,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "path.simplify": False,
        # Unhinted glyphs: text measures the same at every resolution, so the
        # layout computed once fits the 150-dpi PNG and the SVG alike, and a
        # figure draws about 10% faster (hinting targets small screen sizes).
        "text.hinting": "none",
    }
)

#: Resolution of the PNG files. Figures are created at it, so the renderer that
#: lays the figure out is the one that draws the PNG, and keeps its measured text.
PNG_DPI = 150
PNG_METADATA = {"Software": None}
#: zlib level for PNG files: level 1 writes a chart about 40% faster than the
#: default 6, for files about 10% larger (the figures are flat colours).
PNG_SAVE_OPTIONS = {"compress_level": 1}
SVG_METADATA = {"Date": None, "Creator": None}


#: Font sizes (points) of the figure's title and of the synthetic-data mark.
TITLE_SIZE = 10
MARK_SIZE = 8
#: Space (inches) kept between a figure's edge and its texts, and between texts side by side.
EDGE_PAD = 0.06
#: Line height of a text, as a multiple of its font size (matplotlib's default spacing).
LINE_SPACING = 1.2
#: Inches per point.
POINT = 1 / 72
#: Attribute of a figure holding the height (inches) its first axes must keep, see new_figure.
_PLOT_HEIGHT = "evaluation_plot_height"


def new_figure(width: float = 7.0, plot_height: float = 2.5):
    """A figure and one axes for an A4 report page: ``width`` inches wide, the axes ``plot_height`` tall.

    The figure is laid out by matplotlib's constrained layout: titles, tick
    labels, axis labels and legends get the room they need. At saving, the
    figure grows taller (:func:`fit_layout`) until the axes keep
    ``plot_height`` inches, so more or longer labels make a taller figure,
    never clipped or overlapping text.
    """
    # room to spare for the texts until fit_layout measures them (squeezed axes measure wrong)
    fig = Figure(figsize=(width, plot_height + 3.0), dpi=PNG_DPI, layout="constrained")
    FigureCanvasAgg(fig)
    setattr(fig, _PLOT_HEIGHT, plot_height)
    ax = fig.add_subplot(1, 1, 1)
    return fig, ax


def line_height(fontsize: float) -> float:
    """Inches one line of text at ``fontsize`` points takes."""
    return fontsize * LINE_SPACING * POINT


def rows_height(labels: list[str], fontsize: float, per_row: float) -> float:
    """Inches an axes needs for one row per label: ``per_row`` each, more for labels of many lines.

    Rows are evenly spaced, so each gets room for the tallest label and a gap.
    """
    lines = max([label.count("\n") + 1 for label in labels] + [1])
    return max(1, len(labels)) * max(per_row, lines * line_height(fontsize) + 0.08)


def text_width(fig, text: str, fontsize: float, weight: str = "normal") -> float:
    """Inches the widest line of ``text`` takes at ``fontsize`` points, measured by the figure's renderer."""
    renderer = fig.canvas.get_renderer()
    font = FontProperties(family=matplotlib.rcParams["font.family"], size=fontsize, weight=weight)
    widths = [
        renderer.get_text_width_height_descent(line, font, ismath=False)[0]
        for line in str(text).split("\n")
    ]
    return max(widths + [0.0]) / fig.dpi


def wrap_to_width(fig, text: str, width: float, fontsize: float, weight: str = "normal") -> str:
    """``text`` broken between words into lines no wider than ``width`` inches.

    Lines are measured with the figure's renderer; a word wider than the
    line is broken inside (like :func:`textwrap.wrap`). Existing line breaks
    are kept.
    """
    lines: list[str] = []
    for paragraph in str(text).split("\n"):
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}" if line else word
            if text_width(fig, candidate, fontsize, weight) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            line = word
            while text_width(fig, line, fontsize, weight) > width and len(line) > 1:
                cut = len(line) - 1
                while cut > 1 and text_width(fig, line[:cut], fontsize, weight) > width:
                    cut -= 1
                lines.append(line[:cut])
                line = line[cut:]
        lines.append(line)
    return "\n".join(lines)


def set_title(fig, title: str) -> None:
    """The figure's title: top left, above everything; :func:`save_figure` wraps it to the width."""
    fig.suptitle(title, x=EDGE_PAD / fig.get_figwidth(), ha="left", fontsize=TITLE_SIZE)


def legend_below(fig, ax, *, fontsize: float = 7.5, ncol: int | None = None, entries=None):
    """A legend centred under the figure, in as many columns as fit its width (up to ``ncol``).

    Its entries are the axes' labelled artists, or ``entries`` (handles,
    labels); labels are wrapped to the figure's width, and constrained layout
    keeps room for the legend.
    """
    handles, labels = entries if entries is not None else ax.get_legend_handles_labels()
    if not handles:
        return None
    usable = fig.get_figwidth() - 2 * EDGE_PAD
    labels = [wrap_to_width(fig, label, usable * 0.6, fontsize) for label in labels]
    columns = min(ncol or len(labels), len(labels))
    while True:
        legend = fig.legend(
            handles,
            labels,
            loc="outside lower center",
            ncol=columns,
            frameon=False,
            fontsize=fontsize,
        )
        width = legend.get_window_extent(fig.canvas.get_renderer()).width / fig.dpi
        if width <= usable or columns == 1:
            return legend
        legend.remove()
        columns -= 1


def fit_layout(fig, *, beside_mark: bool) -> None:
    """Size the figure for its texts: the title wrapped, the height grown until the axes keep theirs.

    The title is wrapped to the figure's width (less the synthetic-data
    mark's, ``beside_mark``). One constrained-layout pass measures what the
    texts around the first axes take (titles, tick and axis labels, legends:
    sizes in points, the same at any height); the figure's height becomes
    that plus the height :func:`new_figure` asked for the axes. The layout
    at that height is made when the PNG is drawn (:func:`save_figure`).
    """
    title = fig.get_suptitle()
    if title:
        usable = fig.get_figwidth() - 2 * EDGE_PAD
        if beside_mark:
            usable -= text_width(fig, SYNTHETIC_MARK, MARK_SIZE, "bold") + 2 * EDGE_PAD
        set_title(fig, wrap_to_width(fig, title, usable, TITLE_SIZE))
    target = getattr(fig, _PLOT_HEIGHT, None)
    if target is None or not fig.axes:
        return
    fig.draw_without_rendering()
    kept = fig.axes[0].get_position().height * fig.get_figheight()
    fig.set_figheight(fig.get_figheight() + target - kept)


def mark_synthetic(fig) -> None:
    """Stamp the synthetic-data marking on a figure: top right, and a faint diagonal across it.

    The top-right mark sits level with the title's first line (the title is
    wrapped short of it); the diagonal is sized to fit inside the figure.
    """
    top_pad = matplotlib.rcParams["figure.constrained_layout.h_pad"]
    fig.text(
        1 - EDGE_PAD / fig.get_figwidth(),
        1 - top_pad / fig.get_figheight(),
        SYNTHETIC_MARK,
        ha="right",
        va="top",
        fontsize=MARK_SIZE,
        color="#B00020",
        weight="bold",
    )
    diagonal = fig.text(
        0.5,
        0.5,
        SYNTHETIC_MARK,
        ha="center",
        va="center",
        fontsize=28,
        color="#B00020",
        alpha=0.08,
        rotation=25,
        weight="bold",
    )
    box = diagonal.get_window_extent(fig.canvas.get_renderer())
    width, height = fig.canvas.get_width_height()
    diagonal.set_fontsize(28 * min(1.0, 0.9 * width / box.width, 0.9 * height / box.height))


def save_figure(fig, png_path: str | Path, svg_path: str | Path, *, synthetic: bool) -> Figure:
    """Lay out and save PNG and SVG deterministically, with the synthetic marking when asked.

    Returns the figure as saved (tests measure its texts).
    """
    fit_layout(fig, beside_mark=synthetic)
    if synthetic:
        mark_synthetic(fig)
    for path in (png_path, svg_path):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(
        png_path, format="png", dpi=PNG_DPI, metadata=PNG_METADATA, pil_kwargs=PNG_SAVE_OPTIONS
    )
    # the layout made for the PNG is kept: the SVG is drawn from the same positions
    fig.set_layout_engine("none")
    fig.savefig(svg_path, format="svg", metadata=SVG_METADATA)
    return fig


def wrap_label(text: str, width: int = 28) -> str:
    """Wrap a long category label onto several lines for an axis."""
    import textwrap

    return "\n".join(textwrap.wrap(str(text), width)) or str(text)
