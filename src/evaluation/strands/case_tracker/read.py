"""Reader and validator of one prison's case-tracker workbook.

Follows ``data-contract.md`` section 1 through the codebook: sheets
``Baseline``, ``Children``, ``Triage coding`` and ``Reviews``; headers matched
ignoring case and separators; categories normalised to canonical labels;
dates from Excel dates, serial numbers or UK day-first text; sentence text to
months. Every problem is a finding with file, sheet, Excel row, column and
value; errors are raised together at the end. The result does not depend on
the cut-off (one read serves every cut), and the work summaries are dropped
here: only whether one was written is kept. The result is a
:class:`~evaluation.core.stage.StageResult` with the frames ``cases``,
``children``, ``needs`` and ``reviews``.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from evaluation.core import codebook
from evaluation.core.config import grouping_value_set
from evaluation.core.excel import (
    WorkbookError,
    formula_cells,
    hidden_sheets,
    match_sheet_name,
    open_workbook,
    read_sheet,
    report_sheet_copies,
)
from evaluation.core.findings import REDACTED, DataValidationError, FindingLog, Ledger
from evaluation.core.identifiers import looks_like_prison_number, prison_number_message
from evaluation.core.parsing import (
    DistinctCells,
    cell_text,
    distinct_cells,
    parse_date,
    parse_integer,
    parse_sentence,
)
from evaluation.core.stage import StageResult
from evaluation.strands.case_tracker.derive import isin

#: The checks this module names in its findings (``check=``), as the validation
#: report describes them; a test keeps this in step with the code.
CHECKS: dict[str, str] = {
    "blank_cell": "a value the codebook requires is not blank",
    "children_count_mismatch": "children count mismatch",
    "contact_before_referral": "contact before referral",
    "duplicate_need": "duplicate need",
    "formula_cell": "formula cells are read by their cached value",
    "group": "a record's group is one of the configured groups (grouping: by column)",
    "ignored_sheet": "sheets outside the data contract are ignored",
    "review_after_closure": "review after closure",
    "sentence_on_remand": "sentence on remand",
}

SOURCE = "case_tracker"
SHEET_FRAMES = {
    "Baseline": "cases",
    "Children": "children",
    "Triage coding": "needs",
    "Reviews": "reviews",
}
NOT_STARTED = "referred but not started (no first_contact_date)"
CASE_NOT_STARTED = "belongs to a case that was referred but not started"
BLANK_ROW = "fully blank row"
DUPLICATE_NEED = "need listed twice for the same case and source (counted once)"
#: Baseline columns that may be blank without a warning (not used in a table).
QUIET_BLANKS = {"referral_date", "local_authority", "sentence_length"}


def _allowed(labels) -> str:
    return "one of: " + "; ".join(labels)


class _SheetParser:
    """Converts the raw columns of one sheet to typed columns, logging each bad cell.

    Each column is grouped by distinct raw value first (:func:`distinct_cells`):
    values are parsed once each and spread back to the rows; findings are built
    only for the rows that fail.
    """

    def __init__(
        self,
        file: str,
        sheet: str,
        raw: pd.DataFrame,
        log: FindingLog,
        date_range,
        cells: dict[str, DistinctCells] | None = None,
    ):
        self.file, self.sheet, self.raw, self.log = file, sheet, raw, log
        self.date_range = date_range
        self._distinct = dict(cells or {})

    def cells(self, column: str) -> DistinctCells:
        """The column's distinct raw values and per-row codes (computed once)."""
        if column not in self._distinct:
            self._distinct[column] = distinct_cells(self.raw[column].to_numpy(dtype=object))
        return self._distinct[column]

    def _report(
        self, column, rows, values, message, expected, *, free_text=False, severity="error"
    ):
        for row, value in zip(rows, values, strict=True):
            shown = None if free_text else (REDACTED if value is None else cell_text(value))
            said = message
            if looks_like_prison_number(shown):  # an identifier is named, never printed
                shown, said = None, f"{message} (the value looks like a prison number: not shown)"
            getattr(self.log, severity)(
                self.file,
                said,
                sheet=self.sheet,
                row=int(row),
                column=column,
                value=shown,
                expected=expected,
                check=f"{column}_{severity}",
            )

    def _report_rows(self, column, bad: np.ndarray, message, expected) -> None:
        """Report the rows flagged in ``bad`` with their raw values."""
        self._report(
            column,
            self.raw["excel_row"].to_numpy()[bad],
            self.raw[column].to_numpy(dtype=object)[bad],
            message,
            expected,
        )

    def _by_unique(self, column: str, parse) -> tuple[DistinctCells, list, np.ndarray]:
        """Parse each distinct raw value once: (cells, parsed per value, problem per row)."""
        cells = self.cells(column)
        results = [parse(value) for value in cells.values]
        problem = cells.take([problem for _, problem in results])
        return cells, [parsed for parsed, _ in results], problem

    def _series(self, values, dtype) -> pd.Series:
        return pd.Series(values, index=self.raw.index, dtype=dtype)

    def blank_warnings(self, column: str, label_if_table: str | None) -> None:
        blank = self.cells(column).blank
        if blank.any() and label_if_table:
            for row in self.raw["excel_row"].to_numpy()[blank]:
                self.log.warning(
                    self.file,
                    f"blank cell: counted as '{label_if_table}' in tables",
                    sheet=self.sheet,
                    row=int(row),
                    column=column,
                    check="blank_cell",
                )

    def category(self, column: str, value_set_name: str) -> pd.Series:
        values = codebook.value_set(value_set_name)
        cells = self.cells(column)
        labels = [values.match(value) for value in cells.values]
        bad = cells.rows_where([label is None for label in labels])
        if bad.any():
            self._report_rows(column, bad, "value not in the codebook", _allowed(values.labels))
        return self._series(cells.take(labels), object).astype("string")

    def date(self, column: str) -> pd.Series:
        low, high = (dt.date.fromisoformat(d) for d in self.date_range)

        def parse(value):
            date, problem = parse_date(value)
            if date is not None and not low <= date <= high:
                return (
                    None,
                    f"a date from {low:%d/%m/%Y} to {high:%d/%m/%Y} (config valid_date_range)",
                )
            return date, problem

        cells, dates, problem = self._by_unique(column, parse)
        bad = pd.notna(problem)
        for message in pd.unique(problem[bad]):
            self._report_rows(
                column,
                bad & (problem == message),
                "date out of range" if "valid_date_range" in message else "not a valid date",
                message,
            )
        days = np.array([*dates, None], dtype=object).astype("datetime64[us]")
        return self._series(days[cells.codes], "datetime64[us]")

    def integer(self, column: str, low: int, high: int) -> pd.Series:
        cells, numbers, problem = self._by_unique(column, lambda v: parse_integer(v, low, high))
        bad = pd.notna(problem)
        if bad.any():
            self._report_rows(column, bad, "not a valid number", problem[bad][0])
        return pd.array(cells.take(numbers), dtype="Int64")

    def sentence(self, column: str) -> tuple[pd.Series, pd.Series]:
        cells, parsed, problem = self._by_unique(column, parse_sentence)
        bad = pd.notna(problem)
        if bad.any():
            self._report_rows(column, bad, "sentence length not understood", problem[bad][0])
        months = cells.take([p[0] if p else None for p in parsed])
        indeterminate = cells.take([p[1] if p else None for p in parsed])
        return pd.array(months, dtype="Float64"), pd.array(indeterminate, dtype="boolean")

    def identifier(self, column: str) -> pd.Series:
        cells = self.cells(column)
        blank = cells.blank
        if blank.any():
            self._report(
                column,
                self.raw["excel_row"].to_numpy()[blank],
                [None] * int(blank.sum()),
                "identifier is blank",
                "a pseudonymous case id such as EP-014",
            )
        prison_numbers = cells.rows_where([looks_like_prison_number(str(v)) for v in cells.values])
        for row in self.raw["excel_row"].to_numpy()[prison_numbers]:
            self.log.error(
                self.file,
                prison_number_message(column),
                sheet=self.sheet,
                row=int(row),
                column=column,
                value=None,
                expected="a pseudonymous case id such as EP-014",
            )
        ids = [None if looks_like_prison_number(str(v)) else str(v).strip() for v in cells.values]
        return self._series(cells.take(ids), "string")  # never echoed by a later message

    def text_list(self, column: str, separator: str) -> pd.Series:
        def join(value):
            parts = [" ".join(p.split()) for p in str(value).split(separator)]
            return "; ".join(p for p in parts if p) or None

        cells = self.cells(column)
        return self._series(cells.take([join(v) for v in cells.values]), object).astype("string")


def _convert(parser: _SheetParser, columns: dict, *, warn_blanks: bool) -> pd.DataFrame:
    """Typed frame of one sheet following the codebook's column specs."""
    out = pd.DataFrame({"excel_row": parser.raw["excel_row"].astype("int64")})
    missing = codebook.missing_label()
    for name, spec in columns.items():
        kind = spec["type"]
        if kind == "id":
            out[name] = parser.identifier(name)
        elif kind == "date":
            out[name] = parser.date(name)
        elif kind == "integer":
            out[name] = parser.integer(name, spec["min"], spec["max"])
        elif kind == "category" and "categories" in spec:
            out[name] = parser.category(name, spec["categories"])
        elif kind == "sentence":
            out["sentence_months"], out["sentence_indeterminate"] = parser.sentence(name)
        elif kind == "text_list":
            out[name] = parser.text_list(name, spec["separator"])
        elif kind == "free_text":
            out[f"has_{name}"] = ~parser.cells(name).blank
        if (
            warn_blanks
            and kind in {"category", "integer"}
            and name not in QUIET_BLANKS
            and not spec.get("required")
        ):
            parser.blank_warnings(name, missing)
    return out


def _needs(parser: _SheetParser, columns: dict) -> pd.DataFrame:
    """Triage coding: source first, then the need against the source's own list."""
    out = pd.DataFrame({"excel_row": parser.raw["excel_row"].astype("int64")})
    out["case_id"] = parser.identifier("case_id")
    out["source"] = parser.category("source", columns["source"]["categories"])
    by_source = columns["need"]["categories_by_source"]
    cells = parser.cells("need")
    need = np.full(len(out), None, dtype=object)
    for source, set_name in by_source.items():
        values = codebook.value_set(set_name)
        rows = (out["source"] == source).fillna(False).to_numpy(dtype=bool)
        labels = cells.take([values.match(v) for v in cells.values])
        need[rows] = labels[rows]
        bad = rows & pd.isna(labels)
        if bad.any():
            parser._report_rows(
                "need",
                bad,
                f"need not in the codebook's list for source '{source}'",
                _allowed(values.labels),
            )
    out["need"] = parser._series(need, object).astype("string")
    return out


def _day(value) -> str:
    return f"{value:%d/%m/%Y}"


def _flag(
    log: FindingLog,
    file: str,
    severity: str,
    sheet: str,
    rows: pd.DataFrame,
    column: str,
    message,
    *,
    value=None,
    expected=None,
    check: str = "",
) -> None:
    """One finding per row of ``rows``; ``message``, ``value`` and ``expected`` may be per-row callables."""
    add = log.error if severity == "error" else log.warning

    def resolve(item, row):
        return item(row) if callable(item) else item

    for row in rows.itertuples(index=False):
        add(
            file,
            resolve(message, row),
            sheet=sheet,
            row=int(row.excel_row),
            column=column,
            value=resolve(value, row),
            expected=resolve(expected, row),
            check=check,
        )


def _duplicate_rows_message(rows: pd.DataFrame):
    """Per-row message for a case_id on several Baseline rows: the other rows, and how they differ.

    Rows that differ are two different mothers sharing one id; identical rows
    are one mother entered twice. Only column names are shown, never values.
    """
    compared = [c for c in rows.columns if c != "excel_row"]
    by_id = {case_id: group for case_id, group in rows.groupby("case_id", sort=False)}

    def message(row) -> str:
        group = by_id[row.case_id]
        listed = " and ".join(str(r) for r in group["excel_row"])
        differ = [c for c in compared if group[c].astype(object).nunique(dropna=False) > 1]
        if differ:
            shown = ", ".join(differ[:5]) + (" ..." if len(differ) > 5 else "")
            what = (
                f"the rows differ ({shown}), so two different mothers share this id: give each "
                "her own case_id"
            )
        else:
            what = "the rows are identical, so one mother is entered twice: delete the copy"
        return f"case_id appears more than once in Baseline (rows {listed}); {what}"

    return message


def _check_cross_sheet(read: StageResult, file: str) -> None:
    """Checks across the sheets of one workbook (ids, children, reviews)."""
    cases, children, needs, reviews = (
        read[name] for name in ("cases", "children", "needs", "reviews")
    )
    flag = partial(_flag, read.findings, file)

    dup = cases["case_id"].duplicated(keep=False) & cases["case_id"].notna()
    flag(
        "error",
        "Baseline",
        cases[dup],
        "case_id",
        _duplicate_rows_message(cases[dup]),
        value=lambda r: r.case_id,
        expected="one row per mother, each mother with her own case_id",
    )

    for sheet, frame in (("Children", children), ("Triage coding", needs), ("Reviews", reviews)):
        orphan = frame["case_id"].notna() & ~isin(frame["case_id"], cases["case_id"])
        flag(
            "error",
            sheet,
            frame[orphan],
            "case_id",
            "case_id not found in Baseline",
            value=lambda r: r.case_id,
            expected="a case_id listed in the Baseline sheet",
        )

    dup_child = (
        children.duplicated(["case_id", "child_ref"], keep=False) & children["child_ref"].notna()
    )
    flag(
        "error",
        "Children",
        children[dup_child],
        "child_ref",
        "the same child_ref twice for this case",
        value=lambda r: str(r.child_ref),
        expected="child_ref 1..n, once each within a case",
    )

    rows_here = cases["case_id"].map(children.groupby("case_id").size()).fillna(0).astype(int)
    declared = cases["n_children_under_18"]
    mismatch = (declared.notna() & (declared != rows_here)).fillna(False)
    flag(
        "warning",
        "Baseline",
        cases[mismatch].assign(rows_here=rows_here[mismatch]),
        "n_children_under_18",
        lambda r: (
            f"n_children_under_18 is {r.n_children_under_18} but the Children sheet has "
            f"{r.rows_here} row(s) for this case; family size uses n_children_under_18"
        ),
        value=lambda r: str(r.n_children_under_18),
        check="children_count_mismatch",
    )

    early = (cases["first_contact_date"] < cases["referral_date"]).fillna(False)
    flag(
        "warning",
        "Baseline",
        cases[early],
        "first_contact_date",
        "first_contact_date is before referral_date",
        value=lambda r: _day(r.first_contact_date),
        check="contact_before_referral",
    )

    remand = cases["legal_status"] == "Remand"
    has_sentence = cases["sentence_months"].notna() | cases["sentence_indeterminate"].fillna(False)
    flag(
        "warning",
        "Baseline",
        cases[(remand & has_sentence).fillna(False)],
        "sentence_length",
        "sentence_length given for a mother on remand; it is not used",
        check="sentence_on_remand",
    )
    not_remand_blank = (~remand.fillna(False)) & ~has_sentence & cases["legal_status"].notna()
    flag(
        "warning",
        "Baseline",
        cases[not_remand_blank],
        "sentence_length",
        "sentence_length is blank for a mother who is not on remand: counted as "
        f"'{codebook.missing_label()}'",
        check="blank_cell",
    )

    first_contact = cases.drop_duplicates("case_id").set_index("case_id")["first_contact_date"]
    starts = pd.Series(
        reviews["case_id"].map(first_contact.to_dict()), index=reviews.index, dtype="datetime64[us]"
    )
    before = (reviews["review_date"] < starts).fillna(False)
    flag(
        "error",
        "Reviews",
        reviews[before],
        "review_date",
        "review_date is before the case's first_contact_date",
        value=lambda r: _day(r.review_date),
        expected=lambda r: f"on or after {_day(first_contact[r.case_id])}",
    )
    same_day = (
        reviews.duplicated(["case_id", "review_date"], keep=False) & reviews["review_date"].notna()
    )
    flag(
        "error",
        "Reviews",
        reviews[same_day],
        "review_date",
        "two reviews of this case on the same date",
        value=lambda r: _day(r.review_date),
        expected="one review per case per date",
    )

    closed = reviews["case_status"] == "Closed"
    for column in ("closure_date", "closure_reason"):
        flag(
            "error",
            "Reviews",
            reviews[(closed & reviews[column].isna()).fillna(False)],
            column,
            f"{column} is required when case_status is Closed",
            expected="a value for a closed case",
        )
    ordered = reviews.sort_values(["case_id", "review_date", "excel_row"], kind="stable")
    is_closed = (ordered["case_status"] == "Closed").fillna(False).astype(int)
    # closures in the case's earlier reviews: running count within the case minus this row
    closed_before = is_closed.groupby(ordered["case_id"]).cumsum() - is_closed
    flag(
        "warning",
        "Reviews",
        ordered[closed_before > 0],
        "review_date",
        "review recorded after the case was closed",
        value=lambda r: _day(r.review_date),
        check="review_after_closure",
    )


def read_case_tracker(
    path: str | Path,
    prison: str,
    valid_date_range=("2015-01-01", "2030-12-31"),
    *,
    grouping: dict | None = None,
) -> StageResult:
    """Read and validate one workbook; raise DataValidationError on any error.

    Frames ``cases``, ``children``, ``needs`` and ``reviews``, with the findings
    and the ledger of the read. Every row's group (its column ``prison``) is
    ``prison``, the workbook's group, or with ``grouping: {by: column}`` the
    value of the grouping column of its case's Baseline row.
    """
    file = str(path)
    log = FindingLog(source=SOURCE)
    try:
        workbook = open_workbook(path)
    except WorkbookError as exc:
        log.error(file, str(exc).split(": ", 1)[-1])
        raise DataValidationError(log.errors) from None
    available = [m.name for m in workbook.sheets_metadata]
    # hidden sheets (e.g. the proforma's dropdown lists) are the workbook's machinery, not data
    hidden = hidden_sheets(workbook)
    sheets = codebook.case_tracker_sheets()
    matched = {name: match_sheet_name(available, name) for name in sheets}
    for name, found in matched.items():
        if found is None:
            log.error(
                file,
                f"sheet '{name}' not found (sheets in the file: {', '.join(available) or 'none'})",
                sheet=name,
                expected=", ".join(sheets),
            )
    log.raise_if_errors()
    # another sheet, hidden or not, with a data sheet's columns: an old or a newer copy
    others = [name for name in available if name not in matched.values()]
    copies = set()
    for name, spec in sheets.items():
        copies |= set(
            report_sheet_copies(
                workbook,
                matched[name],
                others=others,
                hidden=hidden,
                file=file,
                columns=list(spec["columns"]),
                log=log,
                contract_sheet=name,
            )
        )
    for extra in sorted(set(others) - copies - hidden):
        log.warning(
            file, "sheet not in the data contract is ignored", sheet=extra, check="ignored_sheet"
        )
    _warn_formulas(file, matched, log)

    ledger = Ledger()
    frames: dict[str, pd.DataFrame] = {}
    for name, spec in sheets.items():
        frame = _read_typed_sheet(
            workbook, matched[name], name, spec, file, log, ledger, valid_date_range
        )
        if frame is not None:
            frames[name] = frame
    log.raise_if_errors()

    cases = frames["Baseline"]
    cases.insert(0, "prison", _groups(cases, prison, grouping, file, log))
    cases.insert(1, "source_file", file)
    log.raise_if_errors()
    children = frames["Children"].rename(columns={"age": "child_age"})
    reviews = frames["Reviews"]
    needs = frames["Triage coding"]
    read = StageResult(
        frames={"cases": cases, "children": children, "needs": needs, "reviews": reviews},
        findings=log,
        ledger=ledger,
    )
    _check_cross_sheet(read, file)
    log.raise_if_errors()
    _drop_not_started(read, file)
    _dedupe_needs(read, file)
    group_of_case = read["cases"].set_index("case_id")["prison"]
    for name in ("children", "needs", "reviews"):
        read[name].insert(0, "prison", read[name]["case_id"].map(group_of_case).astype(object))
    return rows_used(read, file)


def _groups(cases: pd.DataFrame, workbook_group: str, grouping, file: str, log) -> pd.Series:
    """Each case's group: the workbook's, or its label in the grouping column (checked).

    The grouping column is a category of the Baseline sheet, parsed like any
    other against its value set; a case whose value is blank or not one of the
    labels (the codebook's missing label) has no group and stops the read.
    """
    if not grouping or grouping.get("by", "workbook") == "workbook":
        return pd.Series(workbook_group, index=cases.index, dtype=object)
    column = grouping["column"]
    if column not in cases.columns:
        log.error(
            file,
            f"grouping column '{column}' is not a category column of the Baseline sheet",
            sheet="Baseline",
            column=column,
            expected="a category column of codebook/case_tracker.yaml",
            check="group",
        )
        return pd.Series(None, index=cases.index, dtype=object)
    labels = grouping_value_set(column).labels
    values = cases[column].astype(object)
    grouped = values.where(values.isin(labels))
    for row, value in zip(
        cases.loc[grouped.isna(), "excel_row"], values[grouped.isna()], strict=True
    ):
        log.error(
            file,
            "the record has no group",
            sheet="Baseline",
            row=int(row),
            column=column,
            value="" if pd.isna(value) else str(value),
            expected=", ".join(labels),
            check="group",
        )
    return grouped


def _read_typed_sheet(
    workbook, workbook_sheet, name, spec, file, log, ledger, valid_date_range
) -> pd.DataFrame | None:
    """One sheet read, counted in the ledger and typed (its raw cells are freed on return)."""
    columns = spec["columns"]
    raw = read_sheet(
        workbook, workbook_sheet, file=file, columns=list(columns), log=log, contract_sheet=name
    )
    if raw is None:
        return None
    ledger.read(SOURCE, file, name, spec["unit"], raw.rows_read)
    ledger.excluded(SOURCE, file, name, spec["unit"], BLANK_ROW, raw.blank_rows)
    parser = _SheetParser(file, name, raw.frame, log, valid_date_range, raw.cells)
    if name == "Triage coding":
        return _needs(parser, columns)
    return _convert(parser, columns, warn_blanks=name in {"Baseline", "Children"})


def _warn_formulas(file: str, matched: dict[str, str | None], log: FindingLog) -> None:
    """Formula cells are read by their cached value: a warning per cell."""
    formulas = formula_cells(file)
    for contract_sheet, workbook_sheet in matched.items():
        for row, column in formulas.get(workbook_sheet, []):
            log.warning(
                file,
                f"cell {column}{row} holds a formula; its cached value is used",
                sheet=contract_sheet,
                row=row,
                column=column,
                check="formula_cell",
            )


def _drop_not_started(read: StageResult, file: str) -> None:
    """Referred but not started (blank first contact): excluded everywhere, counted."""
    cases = read["cases"]
    not_started = cases["first_contact_date"].isna()
    ids = cases.loc[not_started, "case_id"]
    units = {
        "Baseline": "mother",
        "Children": "child",
        "Triage coding": "need",
        "Reviews": "review",
    }
    read.ledger.excluded(
        SOURCE, file, "Baseline", units["Baseline"], NOT_STARTED, int(not_started.sum())
    )
    read.frames["cases"] = cases.loc[~not_started].reset_index(drop=True)
    for sheet, name in (
        ("Children", "children"),
        ("Triage coding", "needs"),
        ("Reviews", "reviews"),
    ):
        frame = read[name]
        drop = isin(frame["case_id"], ids)
        read.ledger.excluded(SOURCE, file, sheet, units[sheet], CASE_NOT_STARTED, int(drop.sum()))
        read.frames[name] = frame.loc[~drop].reset_index(drop=True)


def _dedupe_needs(read: StageResult, file: str) -> None:
    """A need listed twice for the same case and source is counted once (warned, counted)."""
    needs = read["needs"]
    dup = needs.duplicated(["case_id", "source", "need"], keep="first")
    for _, row in needs[dup].iterrows():
        read.findings.warning(
            file,
            "need listed twice for the same case and source; counted once",
            sheet="Triage coding",
            row=int(row.excel_row),
            column="need",
            value=row.need,
            check="duplicate_need",
        )
    read.ledger.excluded(SOURCE, file, "Triage coding", "need", DUPLICATE_NEED, int(dup.sum()))
    read.frames["needs"] = needs.loc[~dup].reset_index(drop=True)


def rows_used(read: StageResult, file: str) -> StageResult:
    """Record in the ledger the rows each sheet of ``file`` passes on (after every exclusion)."""
    units = {
        "cases": ("Baseline", "mother"),
        "children": ("Children", "child"),
        "needs": ("Triage coding", "need"),
        "reviews": ("Reviews", "review"),
    }
    for name, (sheet, unit) in units.items():
        read.ledger.used(SOURCE, file, sheet, unit, read.rows(name))
    return read


def write_tracker_read(read: StageResult, out_dir: str | Path) -> None:
    """Processed Parquet per frame, plus the workbook's findings and ledger as CSV."""
    from evaluation.core.tidy import write_csv

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in read.frames.items():
        frame.to_parquet(out / f"{name}.parquet", index=False)
    write_csv(read.findings.to_frame(), out / "findings.csv")
    write_csv(read.ledger.to_frame(), out / "ledger.csv")


def load_tracker_read(directory: str | Path) -> dict[str, pd.DataFrame]:
    """The frames written by :func:`write_tracker_read` (not its findings or ledger)."""
    directory = Path(directory)
    return {name: pd.read_parquet(directory / f"{name}.parquet") for name in SHEET_FRAMES.values()}
