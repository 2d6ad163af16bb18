"""The register's figures (``register: figures:``), drawn from the published table files only.

Each figure is a bar chart of one table: one bar per row (the Total row left
out) and column, the counts labelled on the bars. A suppressed count is drawn
as no bar and labelled ``[c]``, never as a number.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.patches import Patch

from evaluation.core.figure_style import (
    PALETTE,
    legend_below,
    new_figure,
    rows_height,
    save_figure,
    set_title,
    wrap_label,
)
from evaluation.core.formatting import SUPPRESSED
from evaluation.core.tidy import read_csv


def draw_register_figure(
    table_path: str, png_path: str, svg_path: str, *, spec: dict, synthetic: bool
):
    """Horizontal bars of a register table's counts (rows down, one colour per column); the figure."""
    table = read_csv(table_path)
    table = table[table["row"] != spec.get("leave_out_row", "Total")]
    columns = spec.get("columns") or list(dict.fromkeys(table["column"]))
    rows = list(dict.fromkeys(table["row"]))
    cells = table.set_index(["row", "column"])["n"]
    labels = [wrap_label(row, 36) for row in rows]
    fig, ax = new_figure(7.0, max(1.1, rows_height(labels, 8, 0.45 * len(columns) ** 0.5)))
    height = 0.8 / len(columns)
    for j, column in enumerate(columns):
        colour = PALETTE[j % len(PALETTE)]
        for i, row in enumerate(rows):
            value = cells.get((row, column))
            y = i + (j - (len(columns) - 1) / 2) * height
            if pd.isna(value):
                ax.text(0, y, f" {SUPPRESSED}", va="center", fontsize=7)
                continue
            ax.barh(y, int(value), height=height, color=colour)
            ax.text(int(value), y, f" {int(value)}", va="center", fontsize=7)
    ax.set_yticks(range(len(rows)), labels=labels, fontsize=8)
    ax.set_ylim(len(rows) - 0.5, -0.5)  # first row on top
    ax.margins(x=0.08)
    ax.set_xlabel(spec.get("xlabel", "Count"), fontsize=8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if len(columns) > 1:  # one entry per column, even when its every cell is suppressed
        patches = [Patch(color=PALETTE[j % len(PALETTE)]) for j in range(len(columns))]
        legend_below(fig, ax, fontsize=7, entries=(patches, columns))
    set_title(fig, spec["title"])
    return save_figure(fig, png_path, svg_path, synthetic=synthetic)
