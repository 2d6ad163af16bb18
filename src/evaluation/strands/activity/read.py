"""Read stage of the activity diary: sheet ``Log`` -> validated entries.

Each column is checked once per distinct raw value; a row with any finding is
left out and counted in the ledger. The cut-off is not applied here, so the
result is reused when only the cut-off changes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from evaluation.core.codebook import load_codebook, normalise_text, value_set
from evaluation.core.excel import (
    WorkbookError,
    hidden_sheets,
    match_sheet_name,
    open_workbook,
    read_sheet,
    report_sheet_copies,
)
from evaluation.core.findings import FindingLog, Ledger
from evaluation.core.identifiers import looks_like_prison_number, prison_number_message
from evaluation.core.parsing import DistinctCells, cell_text, parse_date, parse_integer
from evaluation.core.stage import StageResult
from evaluation.core.tidy import write_csv

#: The checks this module names in its findings (``check=``), as the validation
#: report describes them; a test keeps this in step with the code.
CHECKS: dict[str, str] = {
    "extra_sheet": "extra sheet",
    "formula_cell": "formula cells are read by their cached value",
    "sheet": "sheet",
    "workbook": "workbook",
}

SOURCE = "activity"
UNIT = "diary entry"
SORT_KEYS = ["prison", "date", "worker"]
LOG_COLUMNS = ["worker", "prison", "date", "case_id", "activity", "minutes", "excel_row"]
#: The entry columns the tables need (neither case ids nor Excel rows).
TABLE_COLUMNS = ["worker", "prison", "date", "activity", "minutes"]


def codebook() -> dict:
    """The codebook's entry for the activity diary."""
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
        if looks_like_prison_number(typed):  # named by its cell, never printed
            return None, _problem(
                prison_number_message("case_id"),
                "prison_number",
                None,
                "a pseudonymous case id such as EP-014, or blank",
            )
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
        message, value = problem["message"], problem["value"]
        if looks_like_prison_number(value):  # in any column: named by its cell, never printed
            message, value = f"{message} (the value looks like a prison number: not shown)", None
        log.error(
            file,
            message,
            sheet=sheet,
            row=row,
            column=column,
            value=value,
            expected=problem["expected"],
            check=problem["check"],
        )


def read_activity(
    path: str | Path,
    *,
    prisons: list[str],
    case_ids: set[str] | None = None,
    valid_range: tuple[str, str] = ("2015-01-01", "2030-12-31"),
) -> StageResult:
    """The diary's rows, validated: frame ``entries``, one row per entry with its Excel row.

    ``case_ids`` are the trackers' case ids (None: case ids are not checked).
    Errors are findings of the result; the caller decides whether they stop.
    """
    log, ledger = FindingLog(SOURCE), Ledger()
    entries = _read_entries(
        path, log, ledger, prisons=prisons, case_ids=case_ids, valid_range=valid_range
    )
    return StageResult({"entries": entries}, log, ledger)


def _read_entries(
    path: str | Path,
    log: FindingLog,
    ledger: Ledger,
    *,
    prisons: list[str],
    case_ids: set[str] | None,
    valid_range: tuple[str, str],
) -> pd.DataFrame:
    """The diary's valid rows with typed columns, sorted by prison, date and worker.

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
    others = [s for s in workbook.sheet_names if s != name]
    copies = report_sheet_copies(
        workbook,
        name,
        others=others,
        hidden=hidden_sheets(workbook),
        file=file,
        columns=columns,
        log=log,
        contract_sheet=sheet,
    )
    extra = [s for s in others if s not in copies]
    if extra:
        log.warning(file, f"extra sheets are ignored: {', '.join(extra)}", check="extra_sheet")
    raw = read_sheet(workbook, name, file=file, columns=columns, log=log, contract_sheet=sheet)
    if raw is None:
        return _empty_log()
    ledger.read(SOURCE, file, sheet, UNIT, raw.rows_read)
    ledger.excluded(SOURCE, file, sheet, UNIT, "blank row", raw.blank_rows)
    for column, cells in raw.formula_cells.items():  # one warning per column: a diary is long
        shown = ", ".join(ref for _, ref in cells[:3]) + (" ..." if len(cells) > 3 else "")
        log.warning(
            file,
            f"{len(cells)} cell(s) of column '{column}' hold a formula ({shown}); the result "
            "Excel saved with each is used",
            sheet=sheet,
            row=cells[0][0],
            column=column,
            check="formula_cell",
        )

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


def write_activity_read(read: StageResult, *, entries: str, findings: str, ledger: str) -> None:
    """The read rule's outputs: the entries as Parquet, its findings and ledger as CSV."""
    Path(entries).parent.mkdir(parents=True, exist_ok=True)
    read["entries"].to_parquet(entries, index=False)
    write_csv(read.findings.to_frame(), findings)
    write_csv(read.ledger.to_frame(), ledger)


def load_activity_read(entries: str | Path, columns: list[str] | None = None) -> StageResult:
    """The read rule's entries (Parquet) as a read result; its findings stay in their CSV."""
    return StageResult({"entries": pd.read_parquet(entries, columns=columns)}, FindingLog(SOURCE))
