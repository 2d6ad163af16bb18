"""Figures of the qualitative strand and the activity diary, drawn from table CSVs only."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evaluation.codebook import load_codebook, value_set
from evaluation.figures import PALETTE, new_figure, save_figure, wrap_label
from evaluation.report.formatting import SUPPRESSED
from evaluation.tidy import TOTAL, read_csv


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


def draw_activity_time(table_path: str, png_path: str, svg_path: str, *, synthetic: bool) -> None:
    """Horizontal bars of hours per activity, one bar per prison (activity_minutes.csv)."""
    spec = _figure_spec("activity", "fig_activity_time_by_prison")
    table = read_csv(table_path)
    rows = list(dict.fromkeys(table["row"]))
    prisons = [c for c in dict.fromkeys(table["column"]) if c != TOTAL]
    short = value_set("diary_activity").short_labels()
    fig, ax = new_figure(7.0, max(3.0, 0.3 * len(rows) * max(1, len(prisons) * 0.7) + 1.2))
    positions = np.arange(len(rows))
    height = 0.8 / max(1, len(prisons))
    for i, prison in enumerate(prisons):
        part = table[table["column"] == prison].set_index("row").reindex(rows)
        hours = part["hours"].astype(float).fillna(0).to_numpy()
        bars = ax.barh(
            positions - 0.4 + height * (i + 0.5),
            hours,
            height=height * 0.92,
            color=PALETTE[i % len(PALETTE)],
            label=prison,
        )
        ax.bar_label(bars, labels=[f"{h:.0f}" for h in hours], padding=2, fontsize=7)
    ax.set_yticks(positions, labels=[wrap_label(short.get(r, r), 30) for r in rows])
    ax.invert_yaxis()
    ax.set_xlabel("Hours recorded")
    ax.set_title(spec["title"], loc="left")
    ax.margins(x=0.12)
    if len(prisons) > 1:
        ax.legend(frameon=False, fontsize=8, loc="lower right")
    save_figure(fig, png_path, svg_path, synthetic=synthetic)


def _draw_monthly(
    table_path, png_path, svg_path, *, value: str, ylabel: str, spec: dict, synthetic: bool
):
    table = read_csv(table_path)
    months = list(dict.fromkeys(table["row"]))
    prisons = [c for c in dict.fromkeys(table["column"]) if c != TOTAL]
    fig, ax = new_figure(7.0, 3.6)
    x = np.arange(len(months))
    for i, prison in enumerate(prisons):
        part = table[table["column"] == prison].set_index("row").reindex(months)
        ax.plot(
            x,
            part[value].astype(float).fillna(0).to_numpy(),
            color=PALETTE[i % len(PALETTE)],
            linewidth=1.6,
            label=prison,
            drawstyle="steps-mid" if value == "n" else "default",
        )
    step = max(1, len(months) // 12)
    ticks = x[::step]
    ax.set_xticks(ticks, labels=[months[t] for t in ticks], rotation=45, ha="right", fontsize=7)
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=0)
    ax.set_title(spec["title"], loc="left")
    if prisons:
        ax.legend(frameon=False, fontsize=8)
    save_figure(fig, png_path, svg_path, synthetic=synthetic)


def draw_hours_by_month(table_path: str, png_path: str, svg_path: str, *, synthetic: bool) -> None:
    """Lines of hours recorded per month per prison (activity_hours_by_month.csv)."""
    _draw_monthly(
        table_path,
        png_path,
        svg_path,
        value="hours",
        ylabel="Hours recorded",
        spec=_figure_spec("activity", "fig_activity_hours_by_month"),
        synthetic=synthetic,
    )


def draw_caseload(table_path: str, png_path: str, svg_path: str, *, synthetic: bool) -> None:
    """Lines of open cases per month per prison (caseload_by_month.csv)."""
    _draw_monthly(
        table_path,
        png_path,
        svg_path,
        value="n",
        ylabel="Open cases",
        spec=_figure_spec("activity", "fig_caseload_by_month"),
        synthetic=synthetic,
    )


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


def draw_activity_figures(table_dir: str, figure_dir: str, *, synthetic: bool) -> None:
    """Every figure of the activity codebook from ``table_dir``."""
    drawers = {
        "fig_activity_time_by_prison": draw_activity_time,
        "fig_activity_hours_by_month": draw_hours_by_month,
        "fig_caseload_by_month": draw_caseload,
    }
    for figure_id, spec in load_codebook()["activity"]["figures"].items():
        drawers[figure_id](
            f"{table_dir}/{spec['table']}.csv",
            f"{figure_dir}/{figure_id}.png",
            f"{figure_dir}/{figure_id}.svg",
            synthetic=synthetic,
        )
