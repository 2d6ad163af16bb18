"""Figures of the qualitative strand and the activity diary, drawn from table CSVs only."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evaluation.core.codebook import load_codebook
from evaluation.core.figure_style import (
    new_figure,
    rows_height,
    save_figure,
    set_title,
    text_width,
    wrap_label,
    wrap_to_width,
)
from evaluation.core.formatting import SUPPRESSED
from evaluation.core.tidy import read_csv


def _figure_spec(strand: str, figure_id: str) -> dict:
    return load_codebook()[strand]["figures"][figure_id]


#: Font sizes (points) of the theme labels and of the participant groups.
THEME_SIZE = 8
GROUP_SIZE = 7
MIN_GROUP_SIZE = 5


def draw_theme_coverage(table_path: str, png_path: str, svg_path: str, *, synthetic: bool):
    """Heat map of theme_matrix.csv: coverage per theme (rows) and participant group (columns).

    Group names are wrapped to their column's width, so neighbours never
    overlap. Returns the figure.
    """
    spec = _figure_spec("qualitative", "fig_theme_coverage")
    table = read_csv(table_path)
    rows = list(dict.fromkeys(table["row"]))
    columns = list(dict.fromkeys(table["column"]))
    parent_of = dict(zip(table["row"], table["parent"], strict=True))
    cells = table.set_index(["row", "column"])
    pct = np.array(
        [
            [
                float(cells.loc[(r, c), "pct"] or 0) if (r, c) in cells.index else 0.0
                for c in columns
            ]
            for r in rows
        ]
    )
    labels = [
        ("\u2013 " if isinstance(parent_of[r], str) and parent_of[r] else "") + r for r in rows
    ]
    labels = [wrap_label(label, 40) for label in labels]
    fig, ax = new_figure(7.0, rows_height(labels, THEME_SIZE, 0.36))
    image = ax.imshow(np.nan_to_num(pct), cmap="Blues", vmin=0, vmax=100, aspect="auto")
    for i, r in enumerate(rows):
        for j, c in enumerate(columns):
            if (r, c) not in cells.index:
                continue
            n, d = cells.loc[(r, c), "n"], cells.loc[(r, c), "denominator"]
            colour = "white" if pct[i, j] > 60 else "#222222"
            base = SUPPRESSED if pd.isna(d) else int(d)
            shown = SUPPRESSED if pd.isna(n) else f"{int(n)}/{base}"  # suppressed: never a number
            ax.text(j, i, shown, ha="center", va="center", fontsize=7, color=colour)
    ax.set_yticks(range(len(rows)), labels=labels, fontsize=THEME_SIZE)
    ax.set_xticks(range(len(columns)), labels=columns, fontsize=GROUP_SIZE)
    ax.xaxis.tick_top()
    ax.tick_params(length=0)
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    bar = fig.colorbar(image, ax=ax, fraction=0.03, pad=0.02)
    bar.set_label("Participants of the group (%)", fontsize=8)
    set_title(fig, spec["title"])
    fig.draw_without_rendering()  # the layout gives the columns' width
    room = 0.92 * ax.get_position().width * fig.get_figwidth() / max(1, len(columns))
    # a smaller font before a word is broken: the longest word fits its column
    longest = max([text_width(fig, w, GROUP_SIZE) for c in columns for w in c.split()] + [room])
    size = max(MIN_GROUP_SIZE, GROUP_SIZE * room / longest)
    ax.set_xticks(
        range(len(columns)),
        labels=[wrap_to_width(fig, c, room, size) for c in columns],
        fontsize=size,
    )
    return save_figure(fig, png_path, svg_path, synthetic=synthetic)


def draw_qualitative_figures(table_dir: str, figure_dir: str, *, synthetic: bool) -> dict:
    """Every figure of the qualitative codebook from ``table_dir``: figure id -> figure."""
    drawers = {"fig_theme_coverage": draw_theme_coverage}
    return {
        figure_id: drawers[figure_id](
            f"{table_dir}/{spec['table']}.csv",
            f"{figure_dir}/{figure_id}.png",
            f"{figure_dir}/{figure_id}.svg",
            synthetic=synthetic,
        )
        for figure_id, spec in load_codebook()["qualitative"]["figures"].items()
    }
