"""Tables of the activity strand: time by activity and prison, hours and caseload per month.

Caseload counts open cases per month per prison from first contact to closure
(or the cut-off), using the tracker's mothers at the cut-off
(``data/processed/mothers.parquet``).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from evaluation.core.codebook import value_set
from evaluation.core.tidy import TOTAL, percent, round_half_away

MINUTES_COLUMNS = ["row", "column", "n", "denominator", "pct", "entries", "minutes", "hours"]
MONTH_COLUMNS = ["row", "column", "entries", "minutes", "hours"]
CASELOAD_COLUMNS = ["row", "column", "n", "opened", "closed"]
#: The tracker columns the caseload needs.
MOTHER_COLUMNS = ["prison", "case_id", "first_contact_date", "closure_date"]


def prison_columns(prisons: list[str]) -> list[str]:
    """The table columns: each prison, then the total."""
    return [*prisons, TOTAL]


def minutes_to_hours(minutes: int) -> float:
    """Minutes as hours to one decimal (halves away from zero)."""
    return round_half_away(minutes / 60.0, 1)


def _per_column(entries: pd.DataFrame, key: pd.Series) -> tuple[dict, dict]:
    """Minutes and entries per (prison or Total, value of ``key``), as two dicts of ints."""
    minutes = entries["minutes"]
    per_prison = minutes.groupby([entries["prison"], key])
    overall = minutes.groupby(key)
    sums = {**per_prison.sum().to_dict(), **{(TOTAL, k): n for k, n in overall.sum().items()}}
    counts = {**per_prison.size().to_dict(), **{(TOTAL, k): n for k, n in overall.size().items()}}
    return sums, counts


def activity_minutes(entries: pd.DataFrame, prisons: list[str]) -> pd.DataFrame:
    """Minutes and hours per activity (codebook order) and prison, with each activity's share of time."""
    sums, counts = _per_column(entries, entries["activity"])
    column_totals = entries["minutes"].groupby(entries["prison"]).sum().to_dict()
    column_totals[TOTAL] = entries["minutes"].sum()
    rows = []
    for column in prison_columns(prisons):
        total = int(column_totals.get(column, 0))
        for activity in value_set("diary_activity").labels:
            minutes = int(sums.get((column, activity), 0))
            rows.append(
                {
                    "row": activity,
                    "column": column,
                    "entries": int(counts.get((column, activity), 0)),
                    "n": minutes,
                    "minutes": minutes,
                    "hours": minutes_to_hours(minutes),
                    "denominator": total,
                    "pct": percent(minutes, total),
                }
            )
    return pd.DataFrame(rows, columns=MINUTES_COLUMNS)


def month_range(first: pd.Timestamp | dt.date, last: pd.Timestamp | dt.date) -> list[pd.Period]:
    """Calendar months from the month of ``first`` to the month of ``last``, inclusive."""
    return list(
        pd.period_range(
            pd.Timestamp(first).to_period("M"), pd.Timestamp(last).to_period("M"), freq="M"
        )
    )


def _first_month(dates: pd.Series, project_start: dt.date) -> pd.Timestamp:
    start = pd.Timestamp(project_start)
    dates = dates.dropna()
    return min(start, dates.min()) if len(dates) else start


def hours_by_month(
    entries: pd.DataFrame, prisons: list[str], *, project_start: dt.date, cutoff: dt.date
) -> pd.DataFrame:
    """Entries, minutes and hours per calendar month and prison, zeros for months without entries."""
    months = month_range(_first_month(entries["date"], project_start), pd.Timestamp(cutoff))
    sums, counts = _per_column(entries, entries["date"].dt.to_period("M"))
    rows = []
    for month in months:
        for column in prison_columns(prisons):
            minutes = int(sums.get((column, month), 0))
            rows.append(
                {
                    "row": str(month),
                    "column": column,
                    "entries": int(counts.get((column, month), 0)),
                    "minutes": minutes,
                    "hours": minutes_to_hours(minutes),
                }
            )
    return pd.DataFrame(rows, columns=MONTH_COLUMNS)


def caseload_by_month(
    mothers: pd.DataFrame, prisons: list[str], *, project_start: dt.date, cutoff: dt.date
) -> pd.DataFrame:
    """Open cases per month and prison: open from first contact to closure, or to the cut-off.

    A case counts in a month when first contact is on or before the month's
    last day and closure (if any, on or before the cut-off) is on or after its
    first day.
    """
    cut = pd.Timestamp(cutoff)
    first = pd.to_datetime(mothers["first_contact_date"])
    closed = pd.to_datetime(mothers["closure_date"])
    closed = closed.where(closed <= cut)
    months = month_range(_first_month(first, project_start), cut)
    rows = []
    for month in months:
        start, end = month.start_time, month.end_time
        is_open = (first <= end) & (closed.isna() | (closed >= start))
        opened = (first >= start) & (first <= end)
        closing = closed.notna() & (closed >= start) & (closed <= end)
        for column in prison_columns(prisons):
            in_column = (
                (mothers["prison"] == column)
                if column != TOTAL
                else pd.Series(True, index=mothers.index)
            )
            rows.append(
                {
                    "row": str(month),
                    "column": column,
                    "n": int((is_open & in_column).sum()),
                    "opened": int((opened & in_column).sum()),
                    "closed": int((closing & in_column).sum()),
                }
            )
    return pd.DataFrame(rows, columns=CASELOAD_COLUMNS)


def build_activity_tables(
    entries: pd.DataFrame,
    mothers: pd.DataFrame,
    *,
    prisons: list[str],
    project_start: dt.date,
    cutoff: dt.date,
) -> dict[str, pd.DataFrame]:
    """Every activity table by its id, from the entries and the tracker's mothers at the cut-off."""
    months = {"project_start": project_start, "cutoff": cutoff}
    return {
        "activity_minutes": activity_minutes(entries, prisons),
        "activity_hours_by_month": hours_by_month(entries, prisons, **months),
        "caseload_by_month": caseload_by_month(mothers, prisons, **months),
    }
