"""Activity diaries of the prison social workers, and caseload over time from the tracker.

The diary (sheet ``Log``) is read and validated once, independent of the
cut-off; entries dated after the cut-off are then out (counted). Tables:
time by activity and prison, hours per month, and open cases per month per
prison from first contact to closure (or the cut-off) using the mothers at
the cut-off (``data/processed/mothers.parquet``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from evaluation.codebook import load_codebook, normalise_text, value_set
from evaluation.findings import FindingLog, Ledger, findings_frame, write_json
from evaluation.parsing import cell_text, parse_date, parse_integer
from evaluation.readers.excel import WorkbookError, match_sheet_name, open_workbook, read_sheet
from evaluation.tidy import TOTAL, percent, round_half_away, write_csv

SOURCE = "activity"
UNIT = "diary entry"
CUT_STEP = "cut-off"
AFTER_CUTOFF = "dated after the cut-off"
LOG_COLUMNS = ["worker", "prison", "date", "case_id", "activity", "minutes", "excel_row"]
MINUTES_COLUMNS = ["row", "column", "n", "denominator", "pct", "entries", "minutes", "hours"]
MONTH_COLUMNS = ["row", "column", "entries", "minutes", "hours"]
CASELOAD_COLUMNS = ["row", "column", "n", "opened", "closed"]


def codebook() -> dict:
    return load_codebook()["activity"]


def _empty_log() -> pd.DataFrame:
    frame = pd.DataFrame(columns=LOG_COLUMNS)
    frame["date"] = pd.to_datetime(frame["date"])
    return frame.astype({"minutes": "int64", "excel_row": "int64"})


def _once_per_value(function):
    """``function`` of one cell value, computed once per distinct value and type (1, 1.0, True differ)."""
    results: dict = {}

    def cached(value):
        key = (type(value), value)
        if key not in results:
            results[key] = function(value)
        return results[key]

    return cached


def read_activity_log(
    path: str | Path,
    log: FindingLog,
    ledger: Ledger,
    *,
    prisons: list[str],
    case_ids: set[str] | None = None,
    valid_range: tuple[str, str] = ("2015-01-01", "2030-12-31"),
) -> pd.DataFrame:
    """The diary's rows, validated: one row per entry with typed columns and its Excel row."""
    spec = codebook()
    columns = list(spec["columns"])
    sheet = spec["sheet"]
    file = str(path)
    try:
        workbook = open_workbook(path)
    except WorkbookError as exc:
        log.error(file, str(exc), check="workbook")
        return _empty_log()
    name = match_sheet_name(workbook.sheet_names, sheet)
    if name is None:
        log.error(
            file,
            f"sheet '{sheet}' not found",
            sheet=sheet,
            expected=f"a sheet named {sheet}; found {', '.join(workbook.sheet_names)}",
            check="sheet",
        )
        return _empty_log()
    extra = [s for s in workbook.sheet_names if s != name]
    if extra:
        log.warning(file, f"extra sheets are ignored: {', '.join(extra)}", check="extra_sheet")
    raw = read_sheet(workbook, name, file=file, columns=columns, log=log, contract_sheet=sheet)
    if raw is None:
        return _empty_log()
    ledger.read(SOURCE, file, sheet, UNIT, raw.rows_read)
    ledger.excluded(SOURCE, file, sheet, UNIT, "blank row", raw.blank_rows)

    activities = value_set("diary_activity")
    prison_lookup = {normalise_text(p): p for p in prisons}
    case_lookup = {normalise_text(c): c for c in case_ids} if case_ids is not None else None
    low, high = (dt.date.fromisoformat(d) for d in valid_range)
    minutes_spec = spec["columns"]["minutes"]
    # a diary repeats the same few prisons, activities, dates and case ids: parse each once
    fold = _once_per_value(normalise_text)
    match_activity = _once_per_value(activities.match)
    to_date = _once_per_value(parse_date)
    to_minutes = _once_per_value(
        lambda v: parse_integer(v, minutes_spec["min"], minutes_spec["max"])
    )
    records = []
    for row in raw.frame.itertuples(index=False):
        where = {"sheet": sheet, "row": int(row.excel_row)}
        errors_before = len(log.errors)
        worker = "" if row.worker is None else str(row.worker).strip().upper()
        if not worker:
            log.error(file, "worker is blank", column="worker", check="required", **where)
        prison = prison_lookup.get(fold(row.prison)) if row.prison is not None else None
        if prison is None:
            log.error(
                file,
                "prison is not a configured prison",
                column="prison",
                value=None if row.prison is None else str(row.prison),
                expected=", ".join(prisons),
                check="category",
                **where,
            )
        date, problem = to_date(row.date)
        if problem:
            log.error(
                file,
                "date is not a date",
                column="date",
                value=cell_text(row.date),
                expected=problem,
                check="date",
                **where,
            )
        elif date is None:
            log.error(file, "date is blank", column="date", check="required", **where)
        elif not low <= date <= high:
            log.error(
                file,
                "date is outside the valid date range",
                column="date",
                value=str(date),
                expected=f"{low} to {high}",
                check="date_range",
                **where,
            )
        case_id = None
        if row.case_id is not None and str(row.case_id).strip():
            raw_case = str(row.case_id).strip()
            case_id = case_lookup.get(fold(raw_case)) if case_lookup is not None else raw_case
            if case_id is None:
                log.error(
                    file,
                    "case_id is not a case of any tracker's Baseline sheet",
                    column="case_id",
                    value=raw_case,
                    expected="a case id such as EP-014, or blank",
                    check="unknown_case",
                    **where,
                )
        activity = match_activity(row.activity) if row.activity is not None else None
        if activity is None:
            log.error(
                file,
                "activity is not one of the codebook's activities",
                column="activity",
                value=None if row.activity is None else str(row.activity),
                expected=", ".join(activities.labels),
                check="category",
                **where,
            )
        minutes, problem = to_minutes(row.minutes)
        if problem or minutes is None:
            log.error(
                file,
                "minutes is not a whole number of minutes in range"
                if problem
                else "minutes is blank",
                column="minutes",
                value=None if row.minutes is None else cell_text(row.minutes),
                expected=problem or "a whole number from 1 to 600",
                check="integer",
                **where,
            )
        if len(log.errors) > errors_before:
            continue
        records.append(
            {
                "worker": worker,
                "prison": prison,
                "date": pd.Timestamp(date),
                "case_id": case_id,
                "activity": activity,
                "minutes": minutes,
                "excel_row": int(row.excel_row),
            }
        )
    ledger.used(SOURCE, file, sheet, UNIT, len(records))
    ledger.excluded(
        SOURCE,
        file,
        sheet,
        UNIT,
        "invalid row (see data-quality log)",
        len(raw.frame) - len(records),
    )
    frame = pd.DataFrame(records, columns=LOG_COLUMNS)
    frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[ns]")
    frame = frame.sort_values(["prison", "date", "worker", "excel_row"], kind="stable").reset_index(
        drop=True
    )
    return frame.astype({"minutes": "int64", "excel_row": "int64"})


def apply_activity_cutoff(
    entries: pd.DataFrame, cutoff: str, ledger: Ledger, *, file: str
) -> pd.DataFrame:
    """Entries dated on or before the cut-off; later entries counted out in the ledger."""
    keep = entries["date"] <= pd.Timestamp(cutoff)
    sheet = codebook()["sheet"]
    ledger.read(SOURCE, file, sheet, UNIT, len(entries), step=CUT_STEP)
    ledger.used(SOURCE, file, sheet, UNIT, int(keep.sum()), step=CUT_STEP)
    ledger.excluded(SOURCE, file, sheet, UNIT, AFTER_CUTOFF, int((~keep).sum()), step=CUT_STEP)
    return entries.loc[keep].reset_index(drop=True)


def _columns(prisons: list[str]) -> list[str]:
    return [*prisons, TOTAL]


def _hours(minutes: int) -> float:
    return round_half_away(minutes / 60.0, 1)


def activity_minutes(entries: pd.DataFrame, prisons: list[str]) -> pd.DataFrame:
    """Minutes and hours per activity (codebook order) and prison, with each activity's share of time."""
    rows = []
    for column in _columns(prisons):
        part = entries if column == TOTAL else entries[entries["prison"] == column]
        total = int(part["minutes"].sum())
        by_activity = part.groupby("activity")["minutes"].agg(["sum", "size"])
        for activity in value_set("diary_activity").labels:
            minutes = int(by_activity["sum"].get(activity, 0))
            rows.append(
                {
                    "row": activity,
                    "column": column,
                    "entries": int(by_activity["size"].get(activity, 0)),
                    "n": minutes,
                    "minutes": minutes,
                    "hours": _hours(minutes),
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


def _first_month(dates: pd.Series, project_start: str) -> pd.Timestamp:
    start = pd.Timestamp(project_start)
    dates = dates.dropna()
    return min(start, dates.min()) if len(dates) else start


def hours_by_month(
    entries: pd.DataFrame, prisons: list[str], *, project_start: str, cutoff: str
) -> pd.DataFrame:
    """Entries, minutes and hours per calendar month and prison, zeros for months without entries."""
    months = month_range(_first_month(entries["date"], project_start), pd.Timestamp(cutoff))
    period = entries["date"].dt.to_period("M")
    rows = []
    for month in months:
        in_month = period == month
        for column in _columns(prisons):
            part = entries[in_month & ((entries["prison"] == column) if column != TOTAL else True)]
            minutes = int(part["minutes"].sum())
            rows.append(
                {
                    "row": str(month),
                    "column": column,
                    "entries": int(len(part)),
                    "minutes": minutes,
                    "hours": _hours(minutes),
                }
            )
    return pd.DataFrame(rows, columns=MONTH_COLUMNS)


def caseload_by_month(
    mothers: pd.DataFrame, prisons: list[str], *, project_start: str, cutoff: str
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
        for column in _columns(prisons):
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


# --------------------------------------------------------------------------- rule entry points


def read_activity(
    *,
    log_path: str,
    all_case_ids: str | None,
    prisons: list[str],
    valid_date_range: tuple[str, str],
    out_entries: str,
    out_findings: str,
    out_ledger: str,
) -> None:
    """rule activity_read: validate the diary into Parquet, findings and ledger (stops on errors)."""
    log, ledger = FindingLog(SOURCE), Ledger()
    case_ids = set(pd.read_parquet(all_case_ids)["case_id"].astype(str)) if all_case_ids else None
    entries = read_activity_log(
        log_path,
        log,
        ledger,
        prisons=prisons,
        case_ids=case_ids,
        valid_range=tuple(valid_date_range),
    )
    log.raise_if_errors()
    Path(out_entries).parent.mkdir(parents=True, exist_ok=True)
    entries.to_parquet(out_entries, index=False)
    write_csv(log.to_frame(), out_findings)
    write_csv(ledger.to_frame(), out_ledger)


def build_activity_tables(
    *,
    entries: str,
    mothers: str,
    read_findings: str,
    read_ledger: str,
    log_file: str,
    prisons: list[str],
    project_start: str,
    cutoff: str,
    outputs: Mapping[str, str],
) -> None:
    """rule activity_tables: tables at the cut-off, context JSON and the audit parts.

    ``outputs`` keys: activity_minutes, activity_hours_by_month,
    caseload_by_month, context, ledger, findings.
    """
    ledger = Ledger()
    diary = apply_activity_cutoff(pd.read_parquet(entries), cutoff, ledger, file=log_file)
    mother_frame = pd.read_parquet(
        mothers, columns=["prison", "case_id", "first_contact_date", "closure_date"]
    )
    minutes = activity_minutes(diary, prisons)
    monthly = hours_by_month(diary, prisons, project_start=project_start, cutoff=cutoff)
    caseload = caseload_by_month(mother_frame, prisons, project_start=project_start, cutoff=cutoff)
    write_csv(minutes, outputs["activity_minutes"])
    write_csv(monthly, outputs["activity_hours_by_month"])
    write_csv(caseload, outputs["caseload_by_month"])
    write_json(
        activity_context(diary, minutes, monthly, caseload, prisons, cutoff), outputs["context"]
    )
    read_rows = pd.read_csv(read_ledger, dtype={"sheet": str}, keep_default_na=False)
    write_csv(pd.concat([read_rows, ledger.to_frame()], ignore_index=True), outputs["ledger"])
    read_log = pd.read_csv(read_findings, dtype=str, keep_default_na=False)
    write_csv(read_log.reindex(columns=findings_frame([]).columns), outputs["findings"])


def _month_label(month: str) -> str:
    """'2023-05' -> 'May 2023'."""
    return pd.Period(month, freq="M").strftime("%B %Y")


def activity_context(diary, minutes, monthly, caseload, prisons, cutoff) -> dict:
    """Numbers the report's prose uses (results.activity.*)."""
    prose = {
        e["label"]: e.get("prose", e["label"]) for e in codebook()["value_sets"]["diary_activity"]
    }
    per_prison = []
    for prison in _columns(prisons):
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
                "hours": _hours(total),
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
            }
        )
    dated = diary["date"]
    return {
        "cutoff_date": str(cutoff),
        "entries": int(len(diary)),
        "workers": sorted(diary["worker"].unique().tolist()),
        "hours_total": _hours(int(diary["minutes"].sum())),
        "first_entry": None if dated.empty else dated.min().date().isoformat(),
        "last_entry": None if dated.empty else dated.max().date().isoformat(),
        "prisons": per_prison[:-1],
        "total": per_prison[-1],
        "by_prison": {p["prison"]: p for p in per_prison},
    }
