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
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from evaluation.core.codebook import load_codebook, normalise_text, value_set
from evaluation.core.excel import WorkbookError, match_sheet_name, open_workbook, read_sheet
from evaluation.core.findings import FindingLog, Ledger, write_json, write_step_audit
from evaluation.core.parsing import DistinctCells, cell_text, parse_date, parse_integer
from evaluation.core.tidy import TOTAL, percent, round_half_away, write_csv

SOURCE = "activity"
UNIT = "diary entry"
CUT_STEP = "cut-off"
AFTER_CUTOFF = "dated after the cut-off"
SORT_KEYS = ["prison", "date", "worker"]
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


_TYPE_OF = np.frompyfunc(type, 1, 1)


def _distinct_cells(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each cell's code among the distinct (type, value) pairs, and one cell per code.

    Used for the blank cells, which the sheet reader does not tell apart: the
    type is part of the key because None and NaN are both blank but show
    differently in a finding; cells of text only need no type.
    """
    codes, _ = pd.factorize(cells, use_na_sentinel=False)
    if pd.api.types.infer_dtype(cells, skipna=False) != "string":
        type_codes, types = pd.factorize(_TYPE_OF(cells), use_na_sentinel=False)
        codes, _ = pd.factorize(codes.astype(np.int64) * len(types) + type_codes)
    # codes count up in order of first appearance: a code is new where the running maximum grows
    highest = np.maximum.accumulate(codes)
    first = np.flatnonzero(np.diff(highest, prepend=-1) > 0)
    return codes, cells[first]


@dataclass
class _CheckedColumn:
    """A column checked once per distinct cell: each cell's code, and per code the
    parsed value and the problem (None when the cell is fine)."""

    codes: np.ndarray
    parsed: np.ndarray
    problems: list

    @classmethod
    def of(cls, cells: np.ndarray, distinct: DistinctCells, check) -> _CheckedColumn:
        """Check raw ``cells`` given their distinct non-blank values from the sheet reader.

        Blank cells (None, empty or spaces) are told apart here too: a finding
        shows the value as typed.
        """
        blank = distinct.blank
        blank_codes, blank_values = _distinct_cells(cells[blank])
        codes = distinct.codes.copy()
        codes[blank] = len(distinct.values) + blank_codes
        results = [check(value) for value in [*distinct.values, *blank_values]]
        parsed = np.empty(len(results), dtype=object)
        parsed[:] = [result[0] for result in results]
        return cls(codes, parsed, [result[1] for result in results])

    def failing(self) -> np.ndarray:
        """True for each cell with a problem."""
        return np.array([p is not None for p in self.problems], dtype=bool)[self.codes]

    def problems_at(self, positions: np.ndarray) -> list[dict]:
        return [self.problems[code] for code in self.codes[positions]]

    def kept(self, keep: np.ndarray, dtype=None) -> tuple[pd.Series, np.ndarray]:
        """The distinct parsed values of the kept cells (typed as pandas infers them unless
        ``dtype`` is given) and each kept cell's position among them."""
        codes = self.codes[keep]
        used = np.zeros(len(self.parsed), dtype=bool)
        used[codes] = True
        renumbered = np.cumsum(used) - 1
        return pd.Series(self.parsed[used], dtype=dtype), renumbered[codes]


def _problem(message: str, check: str, value: str | None = None, expected: str | None = None):
    """A finding's fields other than where it is."""
    return {"message": message, "value": value, "expected": expected, "check": check}


def _diary_checks(
    prisons: list[str], case_ids: set[str] | None, valid_range: tuple[str, str]
) -> dict:
    """Column -> check of one raw cell, returning (parsed value, problem or None)."""
    activities = value_set("diary_activity")
    prison_lookup = {normalise_text(p): p for p in prisons}
    case_lookup = {normalise_text(c): c for c in case_ids} if case_ids is not None else None
    # case ids typed exactly as the tracker has them need no folding
    as_in_tracker = set(case_lookup.values()) if case_lookup is not None else set()
    low, high = (dt.date.fromisoformat(d) for d in valid_range)
    minutes_spec = codebook()["columns"]["minutes"]

    def worker(value):
        text = "" if value is None else str(value).strip().upper()
        return text, None if text else _problem("worker is blank", "required")

    def prison(value):
        name = prison_lookup.get(normalise_text(value)) if value is not None else None
        if name is None:
            return None, _problem(
                "prison is not a configured prison",
                "category",
                None if value is None else str(value),
                ", ".join(prisons),
            )
        return name, None

    def date(value):
        day, problem = parse_date(value)
        if problem:
            return None, _problem("date is not a date", "date", cell_text(value), problem)
        if day is None:
            return None, _problem("date is blank", "required")
        if not low <= day <= high:
            return None, _problem(
                "date is outside the valid date range", "date_range", str(day), f"{low} to {high}"
            )
        return day, None

    def case_id(value):
        if value is None or not str(value).strip():
            return None, None
        typed = str(value).strip()
        if typed in as_in_tracker or case_lookup is None:
            case = typed
        else:
            case = case_lookup.get(normalise_text(typed))
        if case is None:
            return None, _problem(
                "case_id is not a case of any tracker's Baseline sheet",
                "unknown_case",
                typed,
                "a case id such as EP-014, or blank",
            )
        return case, None

    def activity(value):
        label = activities.match(value) if value is not None else None
        if label is None:
            return None, _problem(
                "activity is not one of the codebook's activities",
                "category",
                None if value is None else str(value),
                ", ".join(activities.labels),
            )
        return label, None

    def minutes(value):
        number, problem = parse_integer(value, minutes_spec["min"], minutes_spec["max"])
        if problem or number is None:
            return None, _problem(
                "minutes is not a whole number of minutes in range"
                if problem
                else "minutes is blank",
                "integer",
                None if value is None else cell_text(value),
                problem or "a whole number from 1 to 600",
            )
        return number, None

    return {
        "worker": worker,
        "prison": prison,
        "date": date,
        "case_id": case_id,
        "activity": activity,
        "minutes": minutes,
    }


def _log_problems(
    log: FindingLog, file: str, sheet: str, excel_rows: np.ndarray, checked: dict
) -> None:
    """Findings for the failing cells only, in row order and then column order."""
    cells = []
    for order, (column, result) in enumerate(checked.items()):
        positions = np.flatnonzero(result.failing())
        rows = excel_rows[positions].tolist()
        problems = result.problems_at(positions)
        cells += [
            (row, order, column, problem) for row, problem in zip(rows, problems, strict=True)
        ]
    for row, _, column, problem in sorted(cells, key=lambda cell: cell[:2]):
        log.error(
            file,
            problem["message"],
            sheet=sheet,
            row=row,
            column=column,
            value=problem["value"],
            expected=problem["expected"],
            check=problem["check"],
        )


def read_activity_log(
    path: str | Path,
    log: FindingLog,
    ledger: Ledger,
    *,
    prisons: list[str],
    case_ids: set[str] | None = None,
    valid_range: tuple[str, str] = ("2015-01-01", "2030-12-31"),
) -> pd.DataFrame:
    """The diary's rows, validated: one row per entry with typed columns and its Excel row.

    Each column is checked once per distinct raw value (a diary repeats the
    same few prisons, activities, dates and case ids); findings are built only
    for the cells that fail, and a row with any finding is left out.
    """
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

    excel_rows = raw.frame["excel_row"].to_numpy(dtype=np.int64)
    checked = {
        column: _CheckedColumn.of(
            raw.frame[column].to_numpy(dtype=object), raw.cells[column], check
        )
        for column, check in _diary_checks(prisons, case_ids, valid_range).items()
    }
    del raw
    _log_problems(log, file, sheet, excel_rows, checked)
    valid = ~np.logical_or.reduce([result.failing() for result in checked.values()])
    ledger.used(SOURCE, file, sheet, UNIT, int(valid.sum()))
    ledger.excluded(
        SOURCE, file, sheet, UNIT, "invalid row (see data-quality log)", int((~valid).sum())
    )
    dtypes = {"date": "datetime64[ns]", "minutes": "int64"}
    kept = {column: result.kept(valid, dtypes.get(column)) for column, result in checked.items()}
    # rows in sheet order, stably sorted by prison, date and worker (so ties keep the Excel order)
    ranks = [distinct.rank().to_numpy()[codes] for distinct, codes in map(kept.get, SORT_KEYS)]
    order = np.lexsort(ranks[::-1])
    frame = pd.DataFrame(
        {column: distinct.take(codes[order]).array for column, (distinct, codes) in kept.items()}
    )
    frame["excel_row"] = excel_rows[valid][order]
    return frame


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
    for column in _columns(prisons):
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
    sums, counts = _per_column(entries, entries["date"].dt.to_period("M"))
    rows = []
    for month in months:
        for column in _columns(prisons):
            minutes = int(sums.get((column, month), 0))
            rows.append(
                {
                    "row": str(month),
                    "column": column,
                    "entries": int(counts.get((column, month), 0)),
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
    # the tables need neither case ids nor Excel rows
    diary = pd.read_parquet(entries, columns=["worker", "prison", "date", "activity", "minutes"])
    diary = apply_activity_cutoff(diary, cutoff, ledger, file=log_file)
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
    # the tables step adds no findings of its own
    write_step_audit(
        read_findings,
        read_ledger,
        FindingLog(SOURCE),
        ledger,
        outputs["findings"],
        outputs["ledger"],
    )


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
                "caseload_month": str(load["row"].iloc[-1]) if len(load) else None,
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
