"""Reading worksheets into raw frames, with header matching from the codebook.

A worksheet becomes a frame of raw cell values (object dtype) whose columns
are the codebook's column names and whose ``excel_row`` column holds the row
number a researcher sees in Excel. Header problems (missing, duplicated or
unknown columns) are findings; blank rows are counted, never silently lost.
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
from evaluation.core.parsing import DistinctCells, blank_cells, distinct_cells, is_blank

#: The checks this module names in its findings (``check=``), as the validation
#: report describes them; a test keeps this in step with the code.
CHECKS: dict[str, str] = {
    "ignored_column": "columns outside the codebook are ignored",
    "merged_header": "no merged cells in the header row",
}

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
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        damaged = (
            " The file looks incomplete or damaged (an .xlsx file is a zip package): copy it "
            "again from where it was saved."
            if head.startswith(b"PK")
            else ""
        )
        raise WorkbookError(
            f"{path}: cannot be read as an Excel workbook ({reason}).{damaged} Save it as .xlsx "
            "(not password-protected) and try again"
        ) from None


@dataclass
class RawSheet:
    """A worksheet's rows as raw values, columns renamed to the codebook's names."""

    frame: pd.DataFrame
    rows_read: int
    blank_rows: int
    #: each column's distinct values and per-row codes (rows of ``frame``)
    cells: dict[str, DistinctCells] = field(default_factory=dict)


def match_sheet_name(available: list[str], wanted: str) -> str | None:
    """The workbook's name for a sheet, matched ignoring case, spacing and underscores."""
    key = normalise_header(wanted)
    for name in available:
        if normalise_header(name) == key:
            return name
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
    """Read one sheet; map headers to ``columns``; None when the headers are unusable."""
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
    if empty:
        log.error(
            file,
            "the sheet is empty: the first row must hold the column names",
            sheet=contract_sheet,
            expected=", ".join(columns),
        )
        return None
    errors_before = len(log.errors)
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
                value=None if is_blank(header[left]) else str(header[left]).strip(),
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
            ignored.append(str(raw_name).strip())
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
                value=str(raw_name),
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
        found = ", ".join(str(h).strip() for h in header if not is_blank(h))
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
    frame = pd.DataFrame(data, columns=columns, dtype=object)
    frame["excel_row"] = range(2, n_rows + 2)
    cells = {name: distinct_cells(data[name]) for name in columns}
    blank = np.logical_and.reduce([cells[name].blank for name in columns])
    return RawSheet(
        frame=frame.loc[~blank].reset_index(drop=True),
        rows_read=n_rows,
        blank_rows=int(blank.sum()),
        cells={name: column.without(blank) for name, column in cells.items()},
    )


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


_FORMULA_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*>(?:(?!</c>).)*?<f[ >/]', re.S)


def formula_cells(path: str | Path) -> dict[str, list[tuple[int, str]]]:
    """Sheet name -> (Excel row, column letter) of every formula cell in an .xlsx file.

    Calamine reads a formula cell's cached value; this finds such cells so the
    reader can warn that a value was computed by Excel rather than typed.
    Files that are not .xlsx zip packages give an empty result.
    """
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
                for t, rid in re.findall(
                    r'<Relationship[^>]*Target="([^"]+)"[^>]*Id="([^"]+)"', rels
                )
            }
        )
        found: dict[str, list[tuple[int, str]]] = {}
        for name, rid in re.findall(r'<sheet[^>]*name="([^"]+)"[^>]*r:id="([^"]+)"', workbook):
            target = targets.get(rid, "").lstrip("/")
            member = target if target.startswith("xl/") else f"xl/{target}"
            if member not in names:
                continue
            if not _mentions_formula(archive, member):
                continue
            xml = archive.read(member)
            cells = [(int(row), col.decode()) for col, row in _FORMULA_CELL.findall(xml)]
            if cells:
                found[_unescape(name)] = cells
    return found


def _mentions_formula(archive, member: str, chunk_size: int = 1 << 22) -> bool:
    """Whether a sheet's XML holds ``<f`` anywhere, read in chunks rather than whole."""
    previous_end = b""
    with archive.open(member) as stream:
        while chunk := stream.read(chunk_size):
            if b"<f" in previous_end + chunk[:1] or b"<f" in chunk:
                return True
            previous_end = chunk[-1:]
    return False


def _unescape(text: str) -> str:
    return (
        text.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
    )
