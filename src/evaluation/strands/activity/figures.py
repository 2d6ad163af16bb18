"""Activity charts, drawn only from the activity table files."""

from __future__ import annotations

import numpy as np

from evaluation.core.codebook import load_codebook, value_set
from evaluation.core.figure_style import PALETTE, new_figure, save_figure, wrap_label
from evaluation.core.tidy import TOTAL, read_csv


def figure_spec(figure_id: str) -> dict:
    """The codebook's entry for activity figure ``figure_id``."""
    return load_codebook()["activity"]["figures"][figure_id]


def draw_activity_time(table_path: str, png_path: str, svg_path: str, *, synthetic: bool) -> None:
    """Horizontal bars of hours per activity, one bar per prison (activity_minutes.csv)."""
    spec = figure_spec("fig_activity_time_by_prison")
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
        spec=figure_spec("fig_activity_hours_by_month"),
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
        spec=figure_spec("fig_caseload_by_month"),
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
