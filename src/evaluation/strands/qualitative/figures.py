"""Figures of the qualitative strand and the activity diary, drawn from table CSVs only."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evaluation.core.codebook import load_codebook
from evaluation.core.figure_style import new_figure, save_figure, wrap_label
from evaluation.core.formatting import SUPPRESSED
from evaluation.core.tidy import read_csv


def _figure_spec(strand: str, figure_id: str) -> dict:
    return load_codebook()[strand]["figures"][figure_id]


def draw_theme_coverage(table_path: str, png_path: str, svg_path: str, *, synthetic: bool) -> None:
    """Heat map of theme_matrix.csv: coverage per theme (rows) and participant group (columns)."""
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
    fig, ax = new_figure(7.0, max(3.0, 0.36 * len(rows) + 1.8))
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
    labels = [
        ("\u2013 " if isinstance(parent_of[r], str) and parent_of[r] else "") + r for r in rows
    ]
    ax.set_yticks(range(len(rows)), labels=[wrap_label(lbl, 40) for lbl in labels], fontsize=8)
    ax.set_xticks(range(len(columns)), labels=[wrap_label(c, 12) for c in columns], fontsize=7)
    ax.xaxis.tick_top()
    ax.tick_params(length=0)
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    bar = fig.colorbar(image, ax=ax, fraction=0.03, pad=0.02)
    bar.set_label("Participants of the group (%)", fontsize=8)
    ax.set_title(spec["title"], loc="left", pad=28)
    save_figure(fig, png_path, svg_path, synthetic=synthetic)


def draw_qualitative_figures(table_dir: str, figure_dir: str, *, synthetic: bool) -> None:
    """Every figure of the qualitative codebook from ``table_dir``."""
    for figure_id, spec in load_codebook()["qualitative"]["figures"].items():
        draw = {"fig_theme_coverage": draw_theme_coverage}[figure_id]
        draw(
            f"{table_dir}/{spec['table']}.csv",
            f"{figure_dir}/{figure_id}.png",
            f"{figure_dir}/{figure_id}.svg",
            synthetic=synthetic,
        )
