"""Bar charts drawn from a tidy table file (never from raw data)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from evaluation.core import codebook
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
from evaluation.core.stage import as_date
from evaluation.core.tidy import TOTAL, read_csv
from evaluation.strands.case_tracker.derive import quarter_periods

#: Font size (points) of the category labels.
LABEL_SIZE = 9
_QUARTER = re.compile(r"Q(\d+)")


def dated_quarters(rows: list[str], project_start: str | None) -> dict[str, str]:
    """Quarter label -> the label with its months, e.g. 'Q3' -> 'Q3 (Oct-Dec 2021)'.

    Only when every row is a quarter label (``Q0``, ``Q1``, ...) and the
    project's start is known; otherwise no row is relabelled.
    """
    matches = [_QUARTER.fullmatch(str(r)) for r in rows]
    if not project_start or not rows or not all(matches):
        return {}
    start = pd.Timestamp(as_date(project_start))
    last = max(int(m.group(1)) for m in matches)
    # the last day of the last quarter shown: quarter_periods lists Q0 .. its quarter
    end = (start + pd.DateOffset(months=3 * last) - pd.Timedelta(days=1)).date()
    periods = quarter_periods(start.date(), end)
    return {r: f"{r} ({periods[r]})" for r in rows if r in periods}


def draw_table_figure(
    table_path: str,
    png_path: str,
    svg_path: str,
    *,
    spec: dict,
    synthetic: bool,
    project_start: str | None = None,
):
    """Horizontal bars per table row: the Total column, or one bar per prison.

    Rows that are quarters of the project (``Q3``) are labelled with their
    months when ``project_start`` is given. Returns the figure.
    """
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
    short = {**dated_quarters(rows, project_start), **short}
    labels = [wrap_label(short.get(r, r), 34) for r in rows]
    per_row = 0.32 * max(1, len(columns) * 0.8)
    fig, ax = new_figure(7.0, max(1.3, rows_height(labels, LABEL_SIZE, per_row)))
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
    ax.set_yticks(positions, labels=labels, fontsize=LABEL_SIZE)
    ax.set_ylim(len(rows) - 0.5, -0.5)  # first row on top
    ax.set_xlabel("Number" if value == "n" else "Percentage of mothers")
    set_title(fig, spec["title"])
    ax.margins(x=0.12)
    if len(columns) > 1:
        legend_below(fig, ax, fontsize=8)
    return save_figure(fig, png_path, svg_path, synthetic=synthetic)
