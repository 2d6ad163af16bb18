"""Reading worksheets into raw frames, with header matching from the codebook.

A worksheet becomes a frame of raw cell values (object dtype) whose columns
are the codebook's column names and whose ``excel_row`` column holds the row
number a researcher sees in Excel. Header problems (missing, duplicated or
unknown columns) are findings; blank rows are counted, never silently lost.

What the cell values alone do not show is read from the .xlsx package's XML
(:func:`special_cells`): Excel error values (``#REF!``, ``#N/A`` ...) and
formulas saved without their result (calamine reads both as empty cells),
and aggregate formulas. A sheet stops at such cells, at a summary row typed
below the data (totals, averages, counts) and at a damaged part of the file,
each an error naming the cell. :func:`report_sheet_copies` finds other sheets,
hidden or not, that carry a data sheet's columns (an old or newer copy).
"""

from __future__ import annotations

import gc
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from evaluation.core.codebook import normalise_header
from evaluation.core.findings import FindingLog
from evaluation.core.identifiers import looks_like_prison_number
from evaluation.core.parsing import (
    DistinctCells,
    blank_cells,
    cell_text,
    distinct_cells,
    is_blank,
)

#: The checks this module names in its findings (``check=``), as the validation
#: report describes them; a test keeps this in step with the code.
CHECKS: dict[str, str] = {
    "damaged_file": "every part of the workbook can be read (the file is not damaged)",
    "excel_error": "no Excel error values (#REF!, #N/A, #DIV/0!, #VALUE! ...) in the data",
    "ignored_column": "columns outside the codebook are ignored",
    "merged_header": "no merged cells in the header row",
    "sheet_copy": "no other sheet, hidden or not, copies a data sheet with rows it lacks",
    "summary_row": "no summary rows (totals, averages, counts) below the data",
    "uncalculated_formula": "every formula cell holds the result Excel saved with it",
}

#: What to do with a damaged file (a truncated zip package, unreadable XML inside).
DAMAGED = (
    "this file is damaged: open it in Excel and save it again (Excel offers to repair it), "
    "or copy it again from where it was saved"
)
#: Excel's error values, as a cell shows them.
EXCEL_ERRORS = (
    "#NULL!",
    "#DIV/0!",
    "#VALUE!",
    "#REF!",
    "#NAME?",
    "#NUM!",
    "#N/A",
    "#GETTING_DATA",
    "#SPILL!",
    "#CALC!",
    "#FIELD!",
    "#BLOCKED!",
    "#CONNECT!",
    "#BUSY!",
    "#UNKNOWN!",
)
#: A summary row's label, the whole cell: Total, Totals:, Grand total, Sub-total, Average,
#: Mean, Median, Sum, Count (a colon or a bracket may follow: "Total: 12", "Mean (age)").
#: Whole cells only, so that a record named "Total Care" or "Countywide" is never taken.
SUMMARY_LABEL = re.compile(
    r"^\s*(grand\s*|sub[\s-]?)?(totals?|averages?|mean|median|sum|count)\s*(:.*|\(.*\))?\s*$",
    re.IGNORECASE | re.DOTALL,
)
#: An aggregate over a range of several rows (=SUM(F2:F40), =AVERAGE(F:F), =COUNTA(A2:A9)).
AGGREGATE_FORMULA = re.compile(
    r"\b(SUM|SUMIFS?|AVERAGE|AVERAGEA|AVERAGEIFS?|COUNT|COUNTA|COUNTBLANK|COUNTIFS?|MEDIAN|"
    r"SUBTOTAL|AGGREGATE|MIN|MAX)\s*\(\s*\$?([A-Z]{1,3})\$?(\d*)\s*:\s*\$?([A-Z]{1,3})\$?(\d*)",
    re.IGNORECASE,
)
#: An aggregate over a table column (an Excel table's total row: =SUBTOTAL(109,Log[minutes]));
#: ``[@minutes]`` is this row's own cell, not a column.
TABLE_AGGREGATE_FORMULA = re.compile(
    r"\b(SUM|AVERAGE|COUNT|COUNTA|MEDIAN|SUBTOTAL|AGGREGATE|MIN|MAX)\s*\([^)]*?\w\[(?!@)[^\]]+\]",
    re.IGNORECASE,
)

#: First bytes of an OLE2 compound file: an encrypted .xlsx or an old .xls.
OLE2_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")


class WorkbookError(Exception):
    """The file cannot be opened as a workbook at all."""


def open_workbook(path: str | Path):
    """Open an .xlsx/.xls/.ods workbook with calamine (fast, reads cached formula values)."""
    from python_calamine import CalamineWorkbook

    path = Path(path)
    if not path.exists():
        raise WorkbookError(f"{path}: file not found; check the path in config.yaml")
    head = path.read_bytes()[:8]
    if head == OLE2_SIGNATURE and path.suffix.lower() != ".xls":
        raise WorkbookError(
            f"{path}: cannot be read as an Excel workbook: it is password-protected (encrypted) "
            "or an old-format .xls renamed. Remove the password, save it as .xlsx and try again"
        )
    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for every bad file
        reason = _reason(exc)
        if head.startswith(b"PK"):  # a zip package, so an .xlsx: incomplete or corrupt inside
            raise WorkbookError(f"{path}: {DAMAGED} (what failed: {reason})") from None
        raise WorkbookError(
            f"{path}: cannot be read as an Excel workbook ({reason}). Save it as .xlsx "
            "(not password-protected) and try again"
        ) from None


def _reason(exc: Exception) -> str:
    """The first line of an exception's message, with its type when the line says little."""
    first = str(exc).splitlines()[0].strip() if str(exc).strip() else ""
    return first if len(first) >= 12 else f"{type(exc).__name__}: {first}".rstrip(": ")


@dataclass
class RawSheet:
    """A worksheet's rows as raw values, columns renamed to the codebook's names."""

    frame: pd.DataFrame
    rows_read: int
    blank_rows: int
    #: each column's distinct values and per-row codes (rows of ``frame``)
    cells: dict[str, DistinctCells] = field(default_factory=dict)
    #: codebook column -> (Excel row, cell reference) of each formula read by its saved result
    formula_cells: dict[str, list[tuple[int, str]]] = field(default_factory=dict)


def match_sheet_name(available: list[str], wanted: str) -> str | None:
    """The workbook's name for a sheet, matched ignoring case, spacing and underscores."""
    key = normalise_header(wanted)
    for name in available:
        if normalise_header(name) == key:
            return name
    return None


#: Shown in a message in place of a header cell that holds a prison number.
PRISON_NUMBER_SHOWN = "<a prison number, not shown>"


def _shown(cell) -> str:
    """A header cell as a message shows it: its text as typed, never a prison number."""
    text = str(cell)
    return PRISON_NUMBER_SHOWN if looks_like_prison_number(text) else text


#: How far below row 1 :func:`read_sheet` looks for column names typed under a title.
HEADER_SEARCH_ROWS = 10


def _header_row_below(header: list, by_position: list, columns: list[str]) -> int | None:
    """The Excel row (2..) holding the expected column names when row 1 does not, else None.

    A row counts when it names more of the columns than row 1 and at least
    half of them: a title row above the header, not a renamed column or two.
    """
    wanted = {normalise_header(c) for c in columns}

    def named(cells) -> int:
        return len({normalise_header(c) for c in cells if isinstance(c, str)} & wanted)

    in_row_1 = named(header)
    if in_row_1 == len(wanted):
        return None
    n_rows = len(by_position[0]) if by_position else 0
    for offset in range(min(HEADER_SEARCH_ROWS, n_rows)):
        count = named(column[offset] for column in by_position)
        if count > in_row_1 and 2 * count >= len(wanted):
            return offset + 2
    return None


def read_sheet(
    workbook,
    sheet_name: str,
    *,
    file: str,
    columns: list[str],
    log: FindingLog,
    contract_sheet: str,
) -> RawSheet | None:
    """Read one sheet; map headers to ``columns``; None when the sheet cannot be used.

    The sheet cannot be used when its headers are unusable, a part of the file
    is damaged, or a cell of the codebook's columns holds an Excel error value
    or a formula without its saved result, or a summary row is typed below the
    data: each is an error in ``log``.
    """
    try:
        specials = special_cells(file, sheet_name)
        sheet = workbook.get_sheet_by_name(sheet_name)
        merged = _merged_ranges(sheet)
        with garbage_collector_paused():
            rows = sheet.to_python(skip_empty_area=False)
            del sheet  # calamine's copy of the cells
            empty = not rows
            header = [] if empty else rows[0]
            n_rows = max(len(rows) - 1, 0)
            by_position = _transpose(rows[1:], len(header))
            del rows  # the row lists: only the columns are needed from here on
    except Exception as exc:  # noqa: BLE001 - calamine's and zipfile's errors for damaged parts
        log.error(
            file,
            f"{DAMAGED} (sheet '{sheet_name}' cannot be read: {_reason(exc)})",
            sheet=contract_sheet,
            expected="a workbook Excel opens without offering to repair it",
            check="damaged_file",
        )
        return None
    if empty:
        log.error(
            file,
            "the sheet is empty: the first row must hold the column names",
            sheet=contract_sheet,
            expected=", ".join(columns),
        )
        return None
    errors_before = len(log.errors)
    header_row = _header_row_below(header, by_position, columns)
    if header_row is not None:
        log.error(
            file,
            f"the column names are on row {header_row}, not row 1: delete the rows above them "
            "(a title or notes above the column names)",
            sheet=contract_sheet,
            row=1,
            expected="the column names in row 1, the data from row 2",
        )
        return None
    for (top, left), (bottom, right) in merged:
        if top == 0 and right > left:
            span = f"{_column_letter(left)}1:{_column_letter(right)}{bottom + 1}"
            log.error(
                file,
                f"header cells {span} are merged; unmerge them so that each column has its "
                "own name in row 1",
                sheet=contract_sheet,
                row=1,
                column=_column_letter(left),
                value=None if is_blank(header[left]) else _shown(header[left]).strip(),
                expected="one column name per cell in row 1",
                check="merged_header",
            )
    wanted = {normalise_header(c): c for c in columns}
    position: dict[str, int] = {}
    ignored: list[str] = []
    for index, raw_name in enumerate(header):
        if is_blank(raw_name):
            has_data = not blank_cells(by_position[index]).all()
            if has_data:
                log.warning(
                    file,
                    "a column without a header holds values; it is ignored",
                    sheet=contract_sheet,
                    row=1,
                    column=_column_letter(index),
                )
            continue
        key = normalise_header(raw_name)
        if key not in wanted:
            ignored.append(_shown(raw_name).strip())
            continue
        name = wanted[key]
        if name in position:
            log.error(
                file,
                f"column '{name}' appears twice (columns {_column_letter(position[name])} "
                f"and {_column_letter(index)}); keep one",
                sheet=contract_sheet,
                row=1,
                column=name,
                value=_shown(raw_name),
            )
            continue
        position[name] = index
    for name in ignored:
        log.warning(
            file,
            "column not in the codebook is ignored",
            sheet=contract_sheet,
            row=1,
            column=name,
            check="ignored_column",
        )
    missing = [c for c in columns if c not in position]
    if missing:
        found = ", ".join(_shown(h).strip() for h in header if not is_blank(h))
        for name in missing:
            log.error(
                file,
                f"required column '{name}' not found in the header row (found: {found})",
                sheet=contract_sheet,
                row=1,
                column=name,
                expected=", ".join(columns),
            )
    if missing or len(log.errors) > errors_before:
        return None
    data = {name: by_position[i] for name, i in position.items()}
    cells = {name: distinct_cells(data[name]) for name in columns}
    by_index = {position[name]: column for name, column in cells.items()}
    context = _SheetContext(file, contract_sheet, header, position, log)
    summary = _summary_rows(context, by_position, by_index, columns, specials)
    _cell_errors(context, by_position, by_index, specials, skip=summary)
    if len(log.errors) > errors_before:
        return None

    frame = pd.DataFrame(data, columns=columns, dtype=object)
    frame["excel_row"] = range(2, n_rows + 2)
    blank = np.logical_and.reduce([cells[name].blank for name in columns])
    name_at = {index: name for name, index in position.items()}
    formulas: dict[str, list[tuple[int, str]]] = {}
    for cell in specials:
        name = name_at.get(column_index(cell.column))
        if cell.row >= 2 and cell.formula and name is not None:
            formulas.setdefault(name, []).append((cell.row, f"{cell.column}{cell.row}"))
    return RawSheet(
        frame=frame.loc[~blank].reset_index(drop=True),
        rows_read=n_rows,
        blank_rows=int(blank.sum()),
        cells={name: column.without(blank) for name, column in cells.items()},
        formula_cells={name: sorted(found) for name, found in formulas.items()},
    )


def hidden_sheets(workbook) -> set[str]:
    """The names of the workbook's hidden (and very hidden) sheets."""
    return {
        m.name for m in workbook.sheets_metadata if str(m.visible).rsplit(".", 1)[-1] != "Visible"
    }


def report_sheet_copies(
    workbook,
    sheet_name: str,
    *,
    others: list[str],
    hidden: set[str],
    file: str,
    columns: list[str],
    log: FindingLog,
    contract_sheet: str,
) -> list[str]:
    """Other sheets (hidden or not) that carry every one of ``columns``: copies of a data sheet.

    Only ``sheet_name`` is read, so a copy holding a row that ``sheet_name``
    does not have (a newer or edited copy) is an error naming its first such
    row: the pipeline cannot tell which sheet is current, and reading the
    wrong one would change every number without a word. A copy whose every
    row is also in ``sheet_name`` (an old backup) is ignored with a warning.
    A sheet named like the data sheet ("Baseline (2)") without all its columns
    (an older layout) is ignored with a warning. Returns the names of the
    sheets reported (the caller does not warn about them again).
    """
    wanted = {normalise_header(c) for c in columns}
    copies = []
    named_alike = []
    for name in others:
        try:
            rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except Exception:  # noqa: BLE001 - an unreadable extra sheet is not a data sheet
            continue
        header = [normalise_header(str(h)) for h in rows[0]] if rows else []
        if rows and wanted <= set(header):
            copies.append((name, header, rows[1:]))
        elif normalise_header(contract_sheet) in normalise_header(name) and len(rows) > 1:
            named_alike.append(name)
    for name in named_alike:  # "Baseline (2)" in an older layout: said, not read
        kind = "hidden sheet" if name in hidden else "sheet"
        log.warning(
            file,
            f"{kind} '{name}' is named like '{contract_sheet}' but lacks some of its columns; "
            f"it is ignored (only '{sheet_name}' is read): if it holds current rows, move them "
            f"to '{sheet_name}'",
            sheet=name,
            expected=", ".join(columns),
            check="sheet_copy",
        )
    if not copies:
        return named_alike
    used = workbook.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
    known = (
        _row_keys(used[1:], [normalise_header(str(h)) for h in used[0]], columns) if used else []
    )
    known_set = set(known)
    for name, header, body in copies:
        keys = _row_keys(body, header, columns)
        rows = [row for row, key in enumerate(keys, start=2) if key is not None]
        new = [
            row for row, key in enumerate(keys, start=2) if key is not None and key not in known_set
        ]
        kind = "hidden sheet" if name in hidden else "sheet"
        if new:
            log.error(
                file,
                f"{kind} '{name}' is a copy of '{contract_sheet}' (same columns) with "
                f"{len(new)} row(s) that '{sheet_name}' does not have (the first is row "
                f"{new[0]}); only '{sheet_name}' is read, so the pipeline cannot tell which "
                f"is current. Put the current rows in '{sheet_name}' and delete '{name}'"
                + (" (unhide it first: right-click a sheet tab, Unhide)" if name in hidden else ""),
                sheet=name,
                row=new[0],
                expected=f"one sheet with the columns of '{contract_sheet}'",
                check="sheet_copy",
            )
        else:
            log.warning(
                file,
                f"{kind} '{name}' is an older copy of '{contract_sheet}' (each of its "
                f"{len(rows)} row(s) is also in '{sheet_name}'); it is ignored",
                sheet=name,
                check="sheet_copy",
            )
    return [name for name, _, _ in copies] + named_alike


def _row_keys(body: list[list], header: list[str], columns: list[str]) -> list[tuple | None]:
    """Each row's values in ``columns`` as text (None for a blank row), to compare sheets."""
    at = {}
    for index, name in enumerate(header):
        at.setdefault(name, index)
    positions = [at.get(normalise_header(c)) for c in columns]
    keys: list[tuple | None] = []
    for row in body:
        values = tuple(
            "" if i is None or i >= len(row) or is_blank(row[i]) else cell_text(row[i])
            for i in positions
        )
        keys.append(values if any(values) else None)
    return keys


@dataclass(frozen=True)
class _SheetContext:
    """Where a sheet's findings go: the file, the contract's sheet name, its header and log."""

    file: str
    sheet: str
    header: list
    position: dict[str, int]
    log: FindingLog

    def column_name(self, index: int) -> str:
        """The codebook's name of column ``index``, else its header, else its letter."""
        for name, at in self.position.items():
            if at == index:
                return name
        heading = self.header[index] if index < len(self.header) else None
        return _column_letter(index) if is_blank(heading) else str(heading).strip()


def _summary_rows(
    context: _SheetContext,
    by_position: list[np.ndarray],
    by_index: dict[int, DistinctCells],
    columns: list[str],
    specials,
) -> set[int]:
    """Summary rows typed below the data (errors): a Total/Average label, or an aggregate formula.

    The label is looked for in column A and in the sheet's first codebook
    column (its identifier); the formula in any cell. Returns their Excel rows.
    """
    found: dict[int, tuple[int, str, str]] = {}  # Excel row -> (column index, value, what)
    label_columns = sorted({0, context.position.get(columns[0], 0)})
    for index in label_columns:
        if index >= len(by_position):
            continue
        cells = by_index[index] if index in by_index else distinct_cells(by_position[index])
        is_label = [
            isinstance(v, str) and len(v.strip()) <= 40 and bool(SUMMARY_LABEL.match(v))
            for v in cells.values
        ]
        for offset in np.flatnonzero(cells.rows_where(is_label)):
            value = str(by_position[index][offset]).strip()
            found.setdefault(int(offset) + 2, (index, value, f"'{value}'"))
    for cell in specials:
        if cell.row < 2 or not cell.formula:
            continue
        aggregate = AGGREGATE_FORMULA.search(cell.formula)
        # over several rows (F2:F40), whole columns (F:F) or a table's column; F5:H5 sums
        # within its own row
        over_rows = aggregate and (
            not aggregate.group(3) or aggregate.group(3) != aggregate.group(5)
        )
        if over_rows or TABLE_AGGREGATE_FORMULA.search(cell.formula):
            index = column_index(cell.column)
            found.setdefault(cell.row, (index, f"={cell.formula}", f"the formula ={cell.formula}"))
    for row in sorted(found):
        index, value, what = found[row]
        context.log.error(
            context.file,
            f"row {row} looks like a summary row typed below the data (cell "
            f"{_column_letter(index)}{row} holds {what}), not a record: delete the row; the "
            "pipeline computes its own totals and averages",
            sheet=context.sheet,
            row=row,
            column=context.column_name(index),
            value=value,
            expected="one record per row: no totals, averages or counts in the data sheet",
            check="summary_row",
        )
    return set(found)


def _cell_errors(
    context: _SheetContext,
    by_position: list[np.ndarray],
    by_index: dict[int, DistinctCells],
    specials,
    *,
    skip: set[int],
) -> None:
    """Excel error values and formulas without their saved result in the codebook's columns."""
    used = set(context.position.values())
    problems: dict[tuple[int, int], tuple[str, str, str, str]] = {}
    for cell in specials:
        index = column_index(cell.column)
        if cell.row < 2 or cell.row in skip or index not in used:
            continue
        where = f"cell {cell.column}{cell.row}"
        formula = f" (formula ={cell.formula})" if cell.formula else ""
        if cell.error:
            problems[(cell.row, index)] = (
                f"{where} holds the Excel error {cell.error}{formula}: the value is missing; "
                "correct the formula or type the value",
                cell.error,
                "a value, not an Excel error",
                "excel_error",
            )
        elif cell.uncalculated:
            problems[(cell.row, index)] = (
                f"{where} holds the formula ={cell.formula} without its result: the workbook "
                "was saved by a program that does not calculate formulas; open it in Excel, "
                "let it calculate and save it again (or type the value)",
                f"={cell.formula}",
                "a value, or a formula saved with its result",
                "uncalculated_formula",
            )
    for index in sorted(used):
        cells = by_index[index]
        typed = [isinstance(v, str) and v.strip().upper() in EXCEL_ERRORS for v in cells.values]
        for offset in np.flatnonzero(cells.rows_where(typed)):
            row = int(offset) + 2
            value = str(by_position[index][offset]).strip()
            if row not in skip:
                problems.setdefault(
                    (row, index),
                    (
                        f"cell {_column_letter(index)}{row} holds the Excel error {value}: the "
                        "value is missing; correct the formula or type the value",
                        value,
                        "a value, not an Excel error",
                        "excel_error",
                    ),
                )
    for (row, index), (message, value, expected, kind) in sorted(problems.items()):
        where = {"sheet": context.sheet, "row": row, "column": context.column_name(index)}
        if kind == "excel_error":
            context.log.error(
                context.file, message, value=value, expected=expected, check="excel_error", **where
            )
        else:
            context.log.error(
                context.file,
                message,
                value=value,
                expected=expected,
                check="uncalculated_formula",
                **where,
            )


def column_index(letters: str) -> int:
    """0-based index of a column letter (A -> 0, AA -> 26)."""
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - 64
    return index - 1


@contextmanager
def garbage_collector_paused():
    """Suspend Python's cyclic garbage collector while a sheet becomes millions of cell objects.

    The collector would otherwise scan the growing row lists again and again
    (at x1000, turning the diary sheet into rows takes 4.5 s with it, 0.8 s
    without). Cells hold no reference cycles; the collector is resumed (if it
    was on) as soon as the sheet is in columns.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _transpose(body: list[list], width: int) -> list[np.ndarray]:
    """The body rows as ``width`` object columns; cells missing from a short row are None."""
    if body and set(map(len, body)) == {width}:
        table = np.empty((len(body), width), dtype=object)
        table[:] = body
        return list(table.T)
    return [
        np.fromiter((r[i] if i < len(r) else None for r in body), dtype=object, count=len(body))
        for i in range(width)
    ]


def _merged_ranges(sheet) -> list:
    """Merged cell ranges ((top, left), (bottom, right)), 0-based; empty when not known."""
    try:
        return list(sheet.merged_cell_ranges or [])
    except Exception:  # noqa: BLE001 - formats without merge information
        return []


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass(frozen=True)
class SpecialCell:
    """A cell whose XML says more than its value: a formula, or an Excel error value."""

    row: int
    column: str  # letters
    formula: str | None  # without the leading '='; '(shared formula)' for a shared one's copies
    error: str | None  # the error value Excel saved (#REF!, #N/A ...)
    uncalculated: bool  # a formula saved without its result


_CELL_ATTRS = re.compile(rb'\br="([A-Z]+)(\d+)"')
_CELL_TYPE = re.compile(rb'\bt="([a-zA-Z]+)"')
_FORMULA = re.compile(rb"<f\b[^>]*?(?:/>|>(.*?)</f>)", re.S)
_CACHED = re.compile(rb"<v>(.*?)</v>|<v/>", re.S)


def special_cells(path: str | Path, sheet_name: str) -> list[SpecialCell]:
    """Formula and error cells of one sheet of an .xlsx file, in sheet order.

    Calamine reads an error value and a formula saved without its result as
    empty cells; this reads them from the sheet's XML. Files that are not .xlsx
    zip packages (or that have no such sheet) give an empty list; a damaged
    package raises (zipfile's, zlib's or the XML's own error).
    """
    member = _sheet_members(path).get(sheet_name)
    if member is None:
        return []
    import zipfile

    with zipfile.ZipFile(path) as archive:
        if not _mentions(archive, member, (b"<f", b't="e"')):
            return []
        xml = archive.read(member)
    return _special_cells(xml)


def _special_cells(xml: bytes) -> list[SpecialCell]:
    """Each cell holding a formula (``<f``) or an error (``t="e"``), found by its markers."""
    starts: set[int] = set()
    for marker in (b"<f>", b"<f ", b"<f/", b't="e"'):
        at = xml.find(marker)
        while at != -1:
            begin = xml.rfind(b"<c ", 0, at)
            if begin != -1:
                starts.add(begin)
            at = xml.find(marker, at + 1)
    cells = []
    for begin in sorted(starts):
        tag_end = xml.find(b">", begin)
        end = xml.find(b"</c>", begin)
        if tag_end == -1 or xml[tag_end - 1 : tag_end] == b"/" or end == -1:
            continue
        attrs, body = xml[begin:tag_end], xml[tag_end + 1 : end]
        where = _CELL_ATTRS.search(attrs)
        if where is None:
            continue
        kind = _CELL_TYPE.search(attrs)
        kind = kind.group(1) if kind else b"n"
        formula = _FORMULA.search(body)
        cached = _CACHED.search(body)
        value = cached.group(1) if cached and cached.group(1) is not None else b""
        text = None
        if formula is not None:
            text = (
                _unescape(formula.group(1).decode("utf-8", "replace")) if formula.group(1) else None
            )
            text = text or "(shared formula)"
        error = _unescape(value.decode("utf-8", "replace")) if kind == b"e" else None
        uncalculated = (
            formula is not None and not value and kind not in (b"str", b"inlineStr", b"e")
        )
        if text is None and error is None:
            continue
        cells.append(
            SpecialCell(
                int(where.group(2)), where.group(1).decode(), text, error or None, uncalculated
            )
        )
    return cells


def _sheet_members(path: str | Path) -> dict[str, str]:
    """Sheet name -> its XML member in an .xlsx package; empty for other files."""
    import zipfile

    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        return {}
    with archive:
        names = set(archive.namelist())
        if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
            return {}
        workbook = archive.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    targets = dict(re.findall(r'<Relationship[^>]*Id="([^"]+)"[^>]*Target="([^"]+)"', rels))
    targets.update(
        {
            rid: t
            for t, rid in re.findall(r'<Relationship[^>]*Target="([^"]+)"[^>]*Id="([^"]+)"', rels)
        }
    )
    members = {}
    for name, rid in re.findall(r'<sheet[^>]*name="([^"]+)"[^>]*r:id="([^"]+)"', workbook):
        target = targets.get(rid, "").lstrip("/")
        member = target if target.startswith("xl/") else f"xl/{target}"
        if member in names:
            members[_unescape(name)] = member
    return members


def formula_cells(path: str | Path) -> dict[str, list[tuple[int, str]]]:
    """Sheet name -> (Excel row, column letter) of every formula cell in an .xlsx file.

    Calamine reads a formula cell's cached value; this finds such cells so the
    reader can warn that a value was computed by Excel rather than typed.
    Files that are not .xlsx zip packages, or damaged ones, give an empty result
    (the sheet's reading then names the damage).
    """
    import zipfile
    import zlib

    found: dict[str, list[tuple[int, str]]] = {}
    for name in _sheet_members(path):
        try:
            cells = special_cells(path, name)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError):
            continue
        formulas = [(cell.row, cell.column) for cell in cells if cell.formula]
        if formulas:
            found[name] = formulas
    return found


def _mentions(archive, member: str, markers: tuple[bytes, ...], chunk_size: int = 1 << 22) -> bool:
    """Whether a sheet's XML holds any of ``markers``, read in chunks rather than whole."""
    overlap = max(map(len, markers)) - 1
    previous_end = b""
    with archive.open(member) as stream:
        while chunk := stream.read(chunk_size):
            window = previous_end + chunk
            if any(marker in window for marker in markers):
                return True
            previous_end = window[-overlap:]
    return False


def _unescape(text: str) -> str:
    return (
        text.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
    )
