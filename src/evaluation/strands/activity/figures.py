"""Activity charts, drawn only from the activity table files."""

from __future__ import annotations

import numpy as np

from evaluation.core.codebook import load_codebook, value_set
from evaluation.core.figure_style import (
    PALETTE,
    legend_below,
    new_figure,
    rows_height,
    save_figure,
    set_title,
    text_width,
    wrap_label,
)
from evaluation.core.tidy import TOTAL, read_csv


def figure_spec(figure_id: str) -> dict:
    """The codebook's entry for activity figure ``figure_id``."""
    return load_codebook()["activity"]["figures"][figure_id]


#: Font size (points) of the activity labels and of the months.
ACTIVITY_SIZE = 9
MONTH_SIZE = 7
#: Months between labelled ticks, the fewest that leave the month labels room.
MONTH_STEPS = (1, 2, 3, 4, 6, 12)


def draw_activity_time(table_path: str, png_path: str, svg_path: str, *, synthetic: bool):
    """Horizontal bars of hours per activity, one bar per prison (activity_minutes.csv); the figure."""
    spec = figure_spec("fig_activity_time_by_prison")
    table = read_csv(table_path)
    rows = list(dict.fromkeys(table["row"]))
    prisons = [c for c in dict.fromkeys(table["column"]) if c != TOTAL]
    short = value_set("diary_activity").short_labels()
    labels = [wrap_label(short.get(r, r), 30) for r in rows]
    per_row = 0.3 * max(1, len(prisons) * 0.7)
    fig, ax = new_figure(7.0, max(1.8, rows_height(labels, ACTIVITY_SIZE, per_row)))
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
    ax.set_yticks(positions, labels=labels, fontsize=ACTIVITY_SIZE)
    ax.set_ylim(len(rows) - 0.5, -0.5)  # first activity on top
    ax.set_xlabel("Hours recorded")
    set_title(fig, spec["title"])
    ax.margins(x=0.12)
    if len(prisons) > 1:
        legend_below(fig, ax, fontsize=8)
    return save_figure(fig, png_path, svg_path, synthetic=synthetic)


def _draw_monthly(
    table_path, png_path, svg_path, *, value: str, ylabel: str, spec: dict, synthetic: bool
):
    table = read_csv(table_path)
    months = list(dict.fromkeys(table["row"]))
    prisons = [c for c in dict.fromkeys(table["column"]) if c != TOTAL]
    fig, ax = new_figure(7.0, 2.1)
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
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=0)
    set_title(fig, spec["title"])
    if prisons:
        legend_below(fig, ax, fontsize=8)
    fig.draw_without_rendering()  # the layout gives the axes' width
    room = ax.get_position().width * fig.get_figwidth() / max(1, len(months))
    needed = max([text_width(fig, m, MONTH_SIZE) for m in months] + [0.0]) + 0.08
    step = next((s for s in MONTH_STEPS if s * room >= needed), len(months) or 1)
    ticks = x[::step]
    ax.set_xticks(ticks, labels=[months[t] for t in ticks], fontsize=MONTH_SIZE)
    return save_figure(fig, png_path, svg_path, synthetic=synthetic)


def draw_hours_by_month(table_path: str, png_path: str, svg_path: str, *, synthetic: bool):
    """Lines of hours recorded per month per prison (activity_hours_by_month.csv)."""
    return _draw_monthly(
        table_path,
        png_path,
        svg_path,
        value="hours",
        ylabel="Hours recorded",
        spec=figure_spec("fig_activity_hours_by_month"),
        synthetic=synthetic,
    )


def draw_caseload(table_path: str, png_path: str, svg_path: str, *, synthetic: bool):
    """Lines of open cases per month per prison (caseload_by_month.csv)."""
    return _draw_monthly(
        table_path,
        png_path,
        svg_path,
        value="n",
        ylabel="Open cases",
        spec=figure_spec("fig_caseload_by_month"),
        synthetic=synthetic,
    )


def draw_activity_figures(table_dir: str, figure_dir: str, *, synthetic: bool) -> dict:
    """Every figure of the activity codebook from ``table_dir``: figure id -> figure."""
    drawers = {
        "fig_activity_time_by_prison": draw_activity_time,
        "fig_activity_hours_by_month": draw_hours_by_month,
        "fig_caseload_by_month": draw_caseload,
    }
    return {
        figure_id: drawers[figure_id](
            f"{table_dir}/{spec['table']}.csv",
            f"{figure_dir}/{figure_id}.png",
            f"{figure_dir}/{figure_id}.svg",
            synthetic=synthetic,
        )
        for figure_id, spec in load_codebook()["activity"]["figures"].items()
    }
