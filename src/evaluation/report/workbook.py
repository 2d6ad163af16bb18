"""Every published table in one spreadsheet, laid out as the Government Analysis Function asks.

"Releasing statistics in spreadsheets" (GAF): a cover sheet, a contents sheet
with a link to each table, a notes sheet, then one table per sheet with its
title in A1, a short note line or two, a header row and the data, with no
merged cells and no blank rows inside the table, numbers stored as numbers
and shorthand for cells without a number: ``[c]`` for a suppressed cell and
``[z]`` for one that does not apply.

The values are the published CSVs' (``report/tables/<id>.csv``) cell for
cell. A blank cell of a published table is ``[c]`` when the table as
computed (``data/processed/tables/<id>.csv``) has a value there (disclosure
control blanked it) and ``[z]`` when it is blank there too (no denominator,
no parent theme, a statistic that cannot be computed). Every text cell is
written as text, never as a formula, whatever it starts with.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.table import Table

from evaluation.core.formatting import SUPPRESSED
from evaluation.core.formatting import date as long_date
from evaluation.core.tidy import FORMULA_PREFIXES
from evaluation.core.xlsx import workbook_bytes

#: GAF's shorthand for a cell that does not apply (no denominator, nothing to compute).
NOT_APPLICABLE = "[z]"
#: The marking every sheet of a workbook made from synthetic data carries.
SYNTHETIC_MARK = "SYNTHETIC EXAMPLE DATA"
SYNTHETIC_SENTENCE = (
    f"{SYNTHETIC_MARK}. Every person, number and quotation in this workbook is invented."
)
COVER, CONTENTS, NOTES = "Cover", "Contents", "Notes"
#: Sheet names Excel reserves or this workbook uses itself (compared case-insensitively).
RESERVED_SHEET_NAMES = frozenset(
    {COVER.casefold(), CONTENTS.casefold(), NOTES.casefold(), "history"}
)
MAX_SHEET_NAME = 31
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
#: Columns that hold labels (categories, groups, items, fact ids): text even when they look numeric.
LABEL_COLUMNS = frozenset({"item", "row", "column", "fact"})
#: Columns that hold percentages: decimals even when every value is whole.
DECIMAL_COLUMNS = frozenset({"pct"})
#: Whole numbers a spreadsheet holds exactly (15 digits); a longer one is a code, kept as text.
_INTEGER = re.compile(r"-?(?:0|[1-9]\d{0,14})")
_DECIMAL = re.compile(r"-?(?:0|[1-9]\d{0,14})(?:\.\d+)?(?:e[+-]?\d+)?", re.IGNORECASE)
#: Characters an .xlsx file cannot hold (XML 1.0): shown as their control pictures, as in the report.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
#: The longest text an Excel cell holds.
MAX_CELL_TEXT = 32767
_TITLE_FONT = Font(bold=True, size=14)
_BOLD = Font(bold=True)


class WorkbookError(ValueError):
    """A published table cannot be written as the workbook promises (names the table and cell)."""


@dataclass(frozen=True)
class SheetTable:
    """One published table as its sheet shows it: cells are int, float or text (``[c]``, ``[z]``)."""

    table_id: str
    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]

    @property
    def marks(self) -> set[str]:
        """The shorthand marks the table's cells use."""
        return {cell for row in self.rows for cell in row if cell in (SUPPRESSED, NOT_APPLICABLE)}


@dataclass(frozen=True)
class Note:
    """One row of the notes sheet: what it applies to and what it says."""

    applies_to: str
    text: str


@dataclass(frozen=True)
class Cover:
    """What the cover sheet says about the release."""

    title: str
    cutoff_date: str
    sources: tuple[str, ...]
    data_version: str
    disclosure: str
    synthetic: bool
    contact: str | None = None
    authors: tuple[str, ...] = field(default_factory=tuple)


def typed_cells(
    table_id: str,
    header: Sequence[str],
    published: Sequence[Sequence[str]],
    computed: Sequence[Sequence[str]] | None = None,
) -> tuple[tuple[object, ...], ...]:
    """A published table's text cells as the sheet holds them.

    A column whose every filled cell is a number (label columns excepted)
    holds numbers: whole numbers as int, a percentage column or one with
    any decimal as float. A blank cell is ``[c]`` when ``computed`` (the
    table before disclosure control, same header and rows) has a value
    there, else ``[z]``; without ``computed`` every blank is ``[z]``.
    """
    header = list(header)
    if computed is not None and [len(row) for row in computed] != [len(row) for row in published]:
        raise WorkbookError(
            f"table {table_id}: the published table has {len(published)} rows and the "
            f"computed one {len(computed)} (or their columns differ); they must line up "
            "to tell suppressed cells from cells that do not apply"
        )
    for r, row in enumerate(published):
        if len(row) != len(header):
            raise WorkbookError(
                f"table {table_id}, line {r + 2}: {len(row)} cells under a header of {len(header)}"
            )
    kinds = [_column_kind(name, [row[i] for row in published]) for i, name in enumerate(header)]
    rows = []
    for r, row in enumerate(published):
        cells: list[object] = []
        for i, text in enumerate(row):
            if text == "":
                hidden = computed is not None and computed[r][i] != ""
                cells.append(SUPPRESSED if hidden else NOT_APPLICABLE)
            elif kinds[i] is int:
                cells.append(int(text))
            elif kinds[i] is float:
                cells.append(float(text))
            else:
                cells.append(text)
        rows.append(tuple(cells))
    return tuple(rows)


def _column_kind(name: str, values: Iterable[str]) -> type:
    filled = [v for v in values if v != ""]
    if name in LABEL_COLUMNS or not filled:
        return str
    if all(_INTEGER.fullmatch(v) for v in filled) and name not in DECIMAL_COLUMNS:
        return int
    if all(_DECIMAL.fullmatch(v) for v in filled):
        return float
    return str


def with_label_column(
    table: SheetTable, key: str, name: str, label: Callable[[dict], str | None]
) -> SheetTable:
    """``table`` with a column ``name`` right after ``key``: each row's ``label(row)``.

    The column is added only when every row has a label (and ``key`` is a
    column), so a reader never meets a half-labelled column.
    """
    if key not in table.header or name in table.header:
        return table
    position = table.header.index(key) + 1
    labels = [label(dict(zip(table.header, row, strict=True))) for row in table.rows]
    if not labels or any(not value for value in labels):
        return table
    return SheetTable(
        table.table_id,
        table.title,
        (*table.header[:position], name, *table.header[position:]),
        tuple(
            (*row[:position], value, *row[position:])
            for row, value in zip(table.rows, labels, strict=True)
        ),
    )


def sheet_names(table_ids: Sequence[str]) -> list[str]:
    """A valid, unique sheet name per table id, in order, the same every time.

    Excel's rules: at most 31 characters, none of ``[]:*?/\\``, no apostrophe
    at either end, unique regardless of case; Cover, Contents, Notes and
    History are taken. A name that collides gets ``_2``, ``_3``, ...
    """
    taken = set(RESERVED_SHEET_NAMES)
    names = []
    for table_id in table_ids:
        base = _SHEET_NAME_FORBIDDEN.sub("_", str(table_id)).strip("'").strip() or "table"
        base = base[:MAX_SHEET_NAME].rstrip("'") or "table"
        name, number = base, 2
        while name.casefold() in taken:
            suffix = f"_{number}"
            name, number = base[: MAX_SHEET_NAME - len(suffix)] + suffix, number + 1
        taken.add(name.casefold())
        names.append(name)
    return names


def visible_text(text: str) -> str:
    """``text`` with the control characters XML cannot hold shown as control pictures (U+2400 + code)."""
    return _CONTROL.sub(lambda found: chr(0x2400 + ord(found.group(0))), text)


def _put(sheet, row: int, column: int, value: object, font: Font | None = None) -> Cell:
    """Write one cell; text is always text (never a formula), numbers are numbers."""
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        text = visible_text(value)
        if len(text) > MAX_CELL_TEXT:
            raise WorkbookError(
                f"sheet {sheet.title}, cell {cell.coordinate}: {len(text)} characters, more "
                f"than a spreadsheet cell holds ({MAX_CELL_TEXT})"
            )
        cell.value = text
        cell.data_type = "s"  # openpyxl would store text starting with "=" as a formula
        if text.startswith(FORMULA_PREFIXES):
            cell.quotePrefix = True  # stays text when edited in Excel or LibreOffice
    else:
        cell.value = value
    if font is not None:
        cell.font = font
    return cell


def _lines(sheet, start: int, lines: Iterable[tuple[str, Font | None]]) -> int:
    """Write ``lines`` down column A from row ``start``; the next free row."""
    row = start
    for text, font in lines:
        _put(sheet, row, 1, text, font)
        row += 1
    return row


def _grid(sheet, name: str, top: int, header: Sequence[str], rows: Sequence[Sequence]) -> None:
    """A header row and data rows from row ``top``, marked up as an Excel table when it has rows."""
    for column, text in enumerate(header, start=1):
        _put(sheet, top, column, text, _BOLD)
    for offset, row in enumerate(rows, start=1):
        for column, value in enumerate(row, start=1):
            _put(sheet, top + offset, column, value)
    if rows:  # an Excel table needs a data row
        ref = f"A{top}:{get_column_letter(len(header))}{top + len(rows)}"
        sheet.add_table(Table(displayName=name, ref=ref))
    for column in range(1, len(header) + 1):
        texts = [str(header[column - 1])] + [str(row[column - 1]) for row in rows]
        width = min(max(len(t) for t in texts) + 2, 60)
        sheet.column_dimensions[get_column_letter(column)].width = max(width, 10)


def _table_name(index: int, sheet_name: str) -> str:
    """An Excel table name: letters, digits and underscores, unique by its number."""
    return f"table_{index}_" + re.sub(r"[^0-9A-Za-z_]", "_", sheet_name)


def _mark_page(sheet, synthetic: bool) -> None:
    if synthetic:  # on every printed page too
        sheet.oddHeader.center.text = SYNTHETIC_MARK


def _shorthand_line(marks: set[str]) -> str:
    parts = []
    if SUPPRESSED in marks:
        parts.append(f"{SUPPRESSED} marks a cell suppressed to protect confidentiality")
    if NOT_APPLICABLE in marks:
        parts.append(f"{NOT_APPLICABLE} marks a cell that does not apply")
    sentence = "This worksheet contains one table."
    if parts:
        sentence += " " + "; ".join(parts).capitalize() + " (see the Notes worksheet)."
    return sentence


def _cover_sheet(sheet, cover: Cover) -> None:
    lines: list[tuple[str, Font | None]] = [
        (cover.title, _TITLE_FONT),
        (
            "This spreadsheet holds every table of the report, as published after "
            "disclosure control, one table per worksheet.",
            None,
        ),
    ]
    if cover.synthetic:
        lines.append((SYNTHETIC_SENTENCE, _BOLD))
    sections: list[tuple[str, Sequence[str]]] = [
        ("Cut-off date", [long_date(cover.cutoff_date)]),
        ("Source", list(cover.sources)),
        ("Data version", [f"{cover.data_version} (fingerprint of the raw input files)"]),
        ("Disclosure control", [cover.disclosure]),
    ]
    if cover.authors:
        sections.append(("Produced by", [", ".join(cover.authors)]))
    sections += [
        ("Contact", [cover.contact or "No contact is given for this release."]),
        (
            "Contents",
            ["The Contents worksheet lists every table with a link to its worksheet."],
        ),
    ]
    for heading, texts in sections:
        lines.append((heading, _BOLD))
        lines += [(text, None) for text in texts]
    _lines(sheet, 1, lines)
    sheet.column_dimensions["A"].width = 100


def _table_sheet(
    workbook: Workbook,
    name: str,
    heading: tuple[str, str],
    synthetic: bool,
    table_name: str,
    header: Sequence[str],
    rows: Sequence[Sequence],
    more_lines: Sequence[str] = (),
):
    """A sheet of one table: title in A1, a note line, the synthetic marking, then the table.

    Returns the sheet and the row of the table's header.
    """
    sheet = workbook.create_sheet(name)
    title, note = heading
    lines = [(title, _TITLE_FONT), (note, None)]
    if synthetic:
        lines.append((SYNTHETIC_SENTENCE, _BOLD))
    top = _lines(sheet, 1, lines + [(text, None) for text in more_lines])
    _grid(sheet, table_name, top, header, rows)
    return sheet, top


def build_workbook(cover: Cover, tables: Sequence[SheetTable], notes: Sequence[Note]) -> Workbook:
    """The workbook: cover, contents, notes, then one sheet per table in the given order."""
    workbook = Workbook()
    workbook.properties.title = cover.title
    workbook.properties.creator = ", ".join(cover.authors) or None
    if cover.synthetic:
        workbook.properties.keywords = SYNTHETIC_MARK
    names = sheet_names([t.table_id for t in tables])

    cover_sheet = workbook.active
    cover_sheet.title = COVER
    _cover_sheet(cover_sheet, cover)

    contents, top = _table_sheet(
        workbook,
        CONTENTS,
        ("Table of contents", "This worksheet contains one table."),
        cover.synthetic,
        "contents",
        ("Sheet name", "Table title"),
        [(name, table.title) for name, table in zip(names, tables, strict=True)],
    )
    for offset, name in enumerate(names, start=1):
        cell = contents.cell(row=top + offset, column=1)
        quoted = name.replace("'", "''")
        cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"'{quoted}'!A1", display=name)
        cell.style = "Hyperlink"
    _table_sheet(
        workbook,
        NOTES,
        ("Notes", "This worksheet contains one table."),
        cover.synthetic,
        "notes",
        ("Note number", "Applies to", "Note text"),
        [(f"note {i}", note.applies_to, note.text) for i, note in enumerate(notes, start=1)],
    )
    for index, (name, table) in enumerate(zip(names, tables, strict=True), start=1):
        _table_sheet(
            workbook,
            name,
            (table.title, _shorthand_line(table.marks)),
            cover.synthetic,
            _table_name(index, name),
            table.header,
            table.rows,
            () if table.rows else ("This table has no rows.",),
        )
    for sheet in workbook.worksheets:
        _mark_page(sheet, cover.synthetic)
    return workbook


def workbook_file(workbook: Workbook, cutoff_date: str) -> bytes:
    """The workbook's .xlsx bytes, dated at the cut-off: the same tables give the same bytes."""
    when = dt.datetime.combine(dt.date.fromisoformat(cutoff_date), dt.time())
    return workbook_bytes(workbook, when, document_dates=("created", "modified"), permissions=0o644)


def text_cells(workbook: Workbook) -> list[tuple[dict, str]]:
    """Every text cell of the workbook as ``(where, text)`` for the identifier guard."""
    items = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    where = {
                        "sheet": sheet.title,
                        "row": cell.row,
                        "column": cell.column_letter,
                        "field": f"cell {cell.coordinate} of sheet {sheet.title}",
                    }
                    items.append((where, cell.value))
    return items
