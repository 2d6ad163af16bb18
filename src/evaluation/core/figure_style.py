"""Figure helpers shared by every strand: palette, synthetic marking, saving.

Figures are drawn with matplotlib's object API (no pyplot state), so rules
can run side by side, and saved with fixed metadata so the same table gives
byte-identical PNG and SVG files.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

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


def new_figure(width: float = 7.0, height: float = 4.0):
    """A figure and one axes, sized in inches for an A4 report page."""
    fig = Figure(figsize=(width, height), dpi=PNG_DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    return fig, ax


def mark_synthetic(fig) -> None:
    """Stamp the synthetic-data marking on a figure (top-right, and a faint diagonal)."""
    fig.text(
        0.99, 0.99, SYNTHETIC_MARK, ha="right", va="top", fontsize=8, color="#B00020", weight="bold"
    )
    fig.text(
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


def save_figure(fig, png_path: str | Path, svg_path: str | Path, *, synthetic: bool) -> None:
    """Save PNG and SVG deterministically, with the synthetic marking when asked."""
    if synthetic:
        mark_synthetic(fig)
    fig.tight_layout(rect=(0, 0, 1, 0.96) if synthetic else None)
    for path in (png_path, svg_path):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(
        png_path, format="png", dpi=PNG_DPI, metadata=PNG_METADATA, pil_kwargs=PNG_SAVE_OPTIONS
    )
    fig.savefig(svg_path, format="svg", metadata=SVG_METADATA)


def wrap_label(text: str, width: int = 28) -> str:
    """Wrap a long category label onto several lines for an axis."""
    import textwrap

    return "\n".join(textwrap.wrap(str(text), width)) or str(text)
