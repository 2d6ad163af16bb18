"""Bar charts drawn from a tidy table file (never from raw data)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evaluation.core import codebook
from evaluation.core.figure_style import PALETTE, new_figure, save_figure, wrap_label
from evaluation.core.formatting import SUPPRESSED
from evaluation.core.tidy import TOTAL, read_csv


def draw_table_figure(
    table_path: str, png_path: str, svg_path: str, *, spec: dict, synthetic: bool
) -> None:
    """Horizontal bars per table row: the Total column, or one bar per prison."""
    table = read_csv(table_path)
    rows = list(dict.fromkeys(table["row"]))
    value = spec.get("value", "n")
    if spec.get("kind") == "total":
        columns = [TOTAL]
    else:
        columns = [c for c in dict.fromkeys(table["column"]) if c != TOTAL]
    short = (
        codebook.value_set(spec["short_labels"]).short_labels() if spec.get("short_labels") else {}
    )
    labels = [wrap_label(short.get(r, r), 34) for r in rows]
    height = max(2.5, 0.32 * len(rows) * max(1, len(columns) * 0.8) + 1.2)
    fig, ax = new_figure(7.0, min(height, 9.5))
    positions = np.arange(len(rows))
    bar = 0.8 / len(columns)
    for i, column in enumerate(columns):
        part = table.loc[table["column"] == column].set_index("row").reindex(rows)
        raw = part[value].astype(float)
        values = raw.fillna(0).to_numpy()  # a suppressed cell draws no bar ...
        offset = positions - 0.4 + bar * (i + 0.5)
        bars = ax.barh(
            offset, values, height=bar * 0.92, color=PALETTE[i % len(PALETTE)], label=column
        )
        texts = [  # ... and is labelled as suppressed, never as zero
            SUPPRESSED if pd.isna(v) else (f"{v:.0f}" if value == "n" else f"{v:.0f}%") for v in raw
        ]
        ax.bar_label(bars, labels=texts, padding=2, fontsize=7)
    ax.set_yticks(positions, labels=labels)
    ax.invert_yaxis()
    ax.set_xlabel("Number" if value == "n" else "Percentage of mothers")
    ax.set_title(spec["title"], loc="left")
    ax.margins(x=0.12)
    if len(columns) > 1:
        ax.legend(frameon=False, fontsize=8, loc="lower right")
    save_figure(fig, png_path, svg_path, synthetic=synthetic)
