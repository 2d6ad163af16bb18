"""What the report's prose says of the activity diary (``data/processed/context/activity.json``)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from evaluation.core.tidy import round_half_away
from evaluation.strands.activity.read import codebook
from evaluation.strands.activity.tables import minutes_to_hours, prison_columns


def _month_label(month: str) -> str:
    """'2023-05' -> 'May 2023'."""
    return pd.Period(month, freq="M").strftime("%B %Y")


def activity_context(
    entries: pd.DataFrame, tables: dict[str, pd.DataFrame], *, prisons: list[str], cutoff: dt.date
) -> dict:
    """Numbers the report's prose uses (results.activity.*), from the run's entries and tables."""
    minutes, monthly = tables["activity_minutes"], tables["activity_hours_by_month"]
    caseload = tables["caseload_by_month"]
    prose = {
        e["label"]: e.get("prose", e["label"]) for e in codebook()["value_sets"]["diary_activity"]
    }
    per_prison = []
    for prison in prison_columns(prisons):
        part = minutes[minutes["column"] == prison]
        total = int(part["minutes"].sum())
        top = (
            part.sort_values(["minutes", "row"], ascending=[False, True]).iloc[0] if total else None
        )
        months = monthly[(monthly["column"] == prison) & (monthly["entries"] > 0)]
        load = caseload[caseload["column"] == prison]
        peak = (
            load.sort_values(["n", "row"], ascending=[False, True]).iloc[0] if len(load) else None
        )
        per_prison.append(
            {
                "prison": prison,
                "entries": int(part["entries"].sum()),
                "hours": minutes_to_hours(total),
                "months_with_entries": int(len(months)),
                "mean_hours_per_month": round_half_away(months["minutes"].mean() / 60.0, 1)
                if len(months)
                else None,
                "top_activity": None if top is None else top["row"],
                "top_activity_prose": None if top is None else prose.get(top["row"], top["row"]),
                "top_activity_pct": None if top is None else top["pct"],
                "peak_caseload": None if peak is None else int(peak["n"]),
                "peak_caseload_month": None if peak is None else peak["row"],
                "peak_caseload_month_label": None if peak is None else _month_label(peak["row"]),
                "caseload_at_cutoff": int(load["n"].iloc[-1]) if len(load) else None,
                "caseload_month": str(load["row"].iloc[-1]) if len(load) else None,
            }
        )
    dated = entries["date"]
    return {
        "cutoff_date": str(cutoff),
        "entries": int(len(entries)),
        "workers": sorted(entries["worker"].unique().tolist()),
        "hours_total": minutes_to_hours(int(entries["minutes"].sum())),
        "first_entry": None if dated.empty else dated.min().date().isoformat(),
        "last_entry": None if dated.empty else dated.max().date().isoformat(),
        "prisons": per_prison[:-1],
        "total": per_prison[-1],
        "by_prison": {p["prison"]: p for p in per_prison},
    }
