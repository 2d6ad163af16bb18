"""The register's figures (``register: figures:``), drawn from the published table files only.

Each figure is a bar chart of one table: one bar per row (the Total row left
out) and column, the counts labelled on the bars. A suppressed count is drawn
as no bar and labelled ``[c]``, never as a number.
"""

from __future__ import annotations

import pandas as pd

from evaluation.core.figure_style import new_figure, save_figure, wrap_label
from evaluation.core.formatting import SUPPRESSED
from evaluation.core.tidy import read_csv


def draw_register_figure(
    table_path: str, png_path: str, svg_path: str, *, spec: dict, synthetic: bool
) -> None:
    """Horizontal bars of a register table's counts (rows down, one colour per column)."""
    table = read_csv(table_path)
    table = table[table["row"] != spec.get("leave_out_row", "Total")]
    columns = spec.get("columns") or list(dict.fromkeys(table["column"]))
    rows = list(dict.fromkeys(table["row"]))
    cells = table.set_index(["row", "column"])["n"]
    fig, ax = new_figure(7.0, max(2.5, 0.45 * len(rows) * len(columns) ** 0.5 + 1.4))
    height = 0.8 / len(columns)
    for j, column in enumerate(columns):
        for i, row in enumerate(rows):
            value = cells.get((row, column))
            y = i + (j - (len(columns) - 1) / 2) * height
            if pd.isna(value):
                ax.text(0, y, f" {SUPPRESSED}", va="center", fontsize=7)
                continue
            ax.barh(y, int(value), height=height, label=column if i == 0 else None)
            ax.text(int(value), y, f" {int(value)}", va="center", fontsize=7)
    ax.set_yticks(range(len(rows)), labels=[wrap_label(row, 36) for row in rows], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(spec.get("xlabel", "Count"), fontsize=8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if len(columns) > 1:
        ax.legend(fontsize=7, frameon=False, loc="lower right")
    ax.set_title(wrap_label(spec["title"], 70), loc="left", fontsize=10)
    save_figure(fig, png_path, svg_path, synthetic=synthetic)
