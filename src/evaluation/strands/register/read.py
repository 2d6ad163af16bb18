"""Read the register's record sets: validated frames, findings and the ledger.

Each record set is a sheet of a workbook or a CSV file (a plain table with one
header row, or an online-survey export with three). Values are checked
against the column's declared type; each problem is a finding naming the
file, sheet, row, column and value with what was expected, and any error
stops the read. Rows left out (blank rows, excluded responses)
are counted in the ledger with their reason. Every record keeps where it came
from (``source_file``, ``source_sheet``, ``source_row``: the Excel row or the
CSV line).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd

from evaluation.core.codebook import normalise_header, normalise_text, value_set
from evaluation.core.excel import WorkbookError, match_sheet_name, open_workbook, read_sheet
from evaluation.core.findings import FindingLog, Ledger
from evaluation.core.parsing import cell_text, is_blank, parse_integer
from evaluation.core.stage import StageResult
from evaluation.core.textio import (
    EncodingProblem,
    csv_records,
    decode_csv,
    parse_date_time,
    warn_if_fallback,
)
from evaluation.strands.register.consistency import check_consistency
from evaluation.strands.register.spec import Column, RecordSet, RegisterSpec

#: The checks this module names in its findings (``check=``).
CHECKS: dict[str, str] = {
    "ignored_column": "columns outside the codebook are ignored",
    "register_type": "every value has its column's declared type (category, integer, date, id)",
    "register_key": "a record set's key is never blank and never repeated",
    "register_reference": "a list of keys names only records of the referenced record set",
}

SOURCE_COLUMNS = ["source_file", "source_sheet", "source_row"]
ONLINE_SURVEY_HEADER_ROWS = 3
_LIST_SEPARATOR = re.compile(r"\s*[;,]\s*")


def read_register(files: dict[str, str], spec: RegisterSpec) -> StageResult:
    """Every record set of ``spec`` from the study's files (config ``register: files``).

    With errors, the result has no frames (the step stops on them:
    ``result.findings.raise_if_errors()``), and ``evaluation validate``
    reports them with the ledger.
    """
    log, ledger = FindingLog("register"), Ledger()
    frames: dict[str, pd.DataFrame] = {}
    workbooks: dict[str, object] = {}
    for record_set in spec.record_sets.values():
        path = files.get(record_set.source)
        if path is None:
            log.error(
                "config.yaml",
                f"no file for the register source {record_set.source!r}",
                expected=f"register: files: {record_set.source}: <path>",
            )
            continue
        rows = _raw_rows(path, record_set, log, ledger, workbooks)
        if rows is not None:
            frames[record_set.name] = _typed(rows, path, record_set, log, ledger)
    _check_references(frames, spec, files, log)  # with the type errors: every problem at once
    if not log.errors:
        check_consistency(frames, spec, files, log)
    if not log.errors:
        for recode in spec.recodes.values():
            frame = frames[recode.record_set]
            frame[recode.name] = frame[recode.source_column].map(recode.mapping)
    if log.errors:
        frames = {}
    return StageResult(frames=frames, findings=log, ledger=ledger)


def _raw_rows(path, record_set: RecordSet, log, ledger, workbooks) -> pd.DataFrame | None:
    """The record set's rows as text cells, columns named as the codebook names them."""
    headers = {column.header: name for name, column in record_set.columns.items()}
    if Path(path).suffix.lower() in {".xlsx", ".xlsm"}:
        return _sheet_rows(path, record_set, headers, log, ledger, workbooks)
    return _csv_rows(path, record_set, headers, log, ledger)


def _sheet_rows(path, record_set, headers, log, ledger, workbooks) -> pd.DataFrame | None:
    if path not in workbooks:
        try:
            workbooks[path] = open_workbook(path)
        except (WorkbookError, FileNotFoundError) as exc:
            log.error(path, str(exc))
            workbooks[path] = None
    workbook = workbooks[path]
    if workbook is None:
        return None
    name = match_sheet_name(list(workbook.sheet_names), record_set.sheet or "")
    if name is None:
        log.error(
            path,
            f"no sheet {record_set.sheet!r}",
            expected=", ".join(workbook.sheet_names),
        )
        return None
    raw = read_sheet(
        workbook,
        name,
        file=str(path),
        columns=list(headers),
        log=log,
        contract_sheet=record_set.sheet,
    )
    if raw is None:
        return None
    ledger.read("register", path, record_set.sheet, record_set.unit, raw.rows_read)
    if raw.blank_rows:
        ledger.excluded(
            "register", path, record_set.sheet, record_set.unit, "blank row", raw.blank_rows
        )
    frame = raw.frame.rename(columns=headers)
    frame["source_file"] = str(path)
    frame["source_sheet"] = record_set.sheet
    frame["source_row"] = frame.pop("excel_row")
    return frame


def _csv_rows(path, record_set, headers, log, ledger) -> pd.DataFrame | None:
    if not Path(path).exists():
        log.error(path, "the configured file does not exist", expected="a CSV file")
        return None
    try:
        text, encoding = decode_csv(path)
    except EncodingProblem as exc:
        log.error(path, f"cannot read the file as text: {exc}", expected="a UTF-8 CSV")
        return None
    warn_if_fallback(path, encoding, log)
    records = csv_records(text)
    skip = ONLINE_SURVEY_HEADER_ROWS if record_set.format == "online_survey" else 1
    if len(records) < skip:
        log.error(path, f"the file needs {skip} header row(s)", expected=", ".join(headers))
        return None
    wanted = {normalise_header(header): header for header in headers}
    position = {}
    for index, raw_name in enumerate(records[0]):
        header = wanted.get(normalise_header(raw_name))
        if header is not None:
            position[header] = index
        elif raw_name.strip() and record_set.format != "online_survey":  # platform columns
            log.warning(
                path,
                "column not in the codebook is ignored",
                row=1,
                column=raw_name.strip(),
                check="ignored_column",
            )
    missing = [header for header in headers if header not in position]
    if missing:
        for header in missing:
            log.error(
                path,
                f"required column '{header}' not found in the header row",
                row=1,
                column=header,
                expected=", ".join(headers),
            )
        return None
    body = records[skip:]
    lines = list(range(skip + 1, skip + 1 + len(body)))
    data = {
        headers[header]: [record[index] if index < len(record) else "" for record in body]
        for header, index in position.items()
    }
    frame = pd.DataFrame(data, dtype=object)
    frame["source_row"] = lines
    blank = frame[list(headers.values())].map(is_blank).all(axis=1)
    ledger.read("register", path, None, record_set.unit, len(frame))
    if blank.any():
        ledger.excluded("register", path, None, record_set.unit, "blank row", int(blank.sum()))
    frame = frame.loc[~blank].reset_index(drop=True)
    frame.insert(len(frame.columns) - 1, "source_file", str(path))
    frame.insert(len(frame.columns) - 1, "source_sheet", None)
    return frame


def _typed(rows: pd.DataFrame, path, record_set: RecordSet, log, ledger) -> pd.DataFrame:
    """Values parsed to their declared types; excluded responses counted out."""
    for column_name, values in record_set.exclude_when.items():
        column = record_set.columns[column_name]
        excluded = {normalise_text(value) for value in values}
        drop = rows[column_name].map(
            lambda value, out=excluded: normalise_text(cell_text(value)) in out
        )
        if drop.any():
            ledger.excluded(
                "register",
                path,
                record_set.sheet,
                record_set.unit,
                f"{column.header} is {', '.join(str(v) for v in values)}",
                int(drop.sum()),
            )
            rows = rows.loc[~drop].reset_index(drop=True)
    frame = rows[SOURCE_COLUMNS].copy()
    for name, column in record_set.columns.items():
        parsed = [_parse(value, column) for value in rows[name]]
        for value, raw, row in zip(parsed, rows[name], rows["source_row"], strict=True):
            _report(value, raw, column, path, record_set, row, log)
        frame[name] = parsed
    if record_set.key:
        _check_key(frame, path, record_set, log)
    if not log.errors:
        ledger.used("register", path, record_set.sheet, record_set.unit, len(frame))
    return frame


def _report(value, raw, column: Column, path, record_set: RecordSet, row, log) -> None:
    """An error for a blank required value or for each value of the wrong type."""
    where = {"sheet": record_set.sheet, "row": row, "column": column.header}
    if value is None and column.required and column.type != "free_text":
        log.error(path, f"{column.header} is blank", **where, check="register_type")
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, _Invalid):
            log.error(
                path,
                f"'{item.value}' is not a valid {column.header}",
                **where,
                value=item.value,
                expected=item.expected,
                check="register_type",
            )


class _Invalid:
    """A value that failed its type check (reported, then the read stops)."""

    def __init__(self, value, expected):
        self.value, self.expected = value, expected


def _parse(value, column: Column):
    if is_blank(value):
        return [] if column.type == "list" else None
    text = cell_text(value)
    if column.type in {"id", "free_text"}:
        return text
    if column.type in {"category", "yes_no"}:
        return _category(text, column.categories)
    if column.type == "list":
        items = [item for item in _LIST_SEPARATOR.split(text) if item]
        if column.categories:
            return [_category(item, column.categories) for item in items]
        return items
    if column.type == "integer":
        number, problem = parse_integer(value, column.minimum, column.maximum)
        return _Invalid(text, problem) if problem else number
    if column.type == "date":
        date, problem = parse_date_time(value)
        return _Invalid(text, problem) if problem else date
    if column.type == "datetime":
        return _date_and_time(value, text)
    raise AssertionError(column.type)


def _date_and_time(value, text: str):
    """A date with its time of day (midnight when the cell has none)."""
    if isinstance(value, dt.datetime):
        return value
    for pattern in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M"):
        try:
            return dt.datetime.strptime(text, pattern)
        except ValueError:
            continue
    date, problem = parse_date_time(value)
    if problem:
        return _Invalid(text, "a date, with or without a time of day")
    return dt.datetime.combine(date, dt.time())


def _category(text: str, categories: str):
    values = value_set(categories)
    label = values.match(text)
    return label if label is not None else _Invalid(text, "one of: " + "; ".join(values.labels))


def _check_key(frame, path, record_set: RecordSet, log) -> None:
    key = record_set.key
    seen: dict[str, int] = {}
    for value, row in zip(frame[key], frame["source_row"], strict=True):
        if value is None:
            log.error(
                path,
                f"the {record_set.unit}'s {key} is blank",
                sheet=record_set.sheet,
                row=row,
                column=record_set.columns[key].header,
                check="register_key",
            )
        elif value in seen:
            log.error(
                path,
                f"{key} '{value}' is repeated (also row {seen[value]})",
                sheet=record_set.sheet,
                row=row,
                column=record_set.columns[key].header,
                value=value,
                expected="each key once",
                check="register_key",
            )
        else:
            seen[value] = row


def _check_references(frames, spec: RegisterSpec, files, log) -> None:
    for record_set in spec.record_sets.values():
        frame = frames.get(record_set.name)
        for column in record_set.columns.values():
            if not column.references or frame is None:
                continue
            target = spec.record_sets[column.references]
            keys = set(frames[target.name][target.key]) if target.name in frames else set()
            for values, row in zip(frame[column.name], frame["source_row"], strict=True):
                items = values if isinstance(values, list) else [values]
                for item in items:
                    if item is not None and item not in keys:
                        log.error(
                            files[record_set.source],
                            f"'{item}' is not a {target.unit} of the register",
                            sheet=record_set.sheet,
                            row=row,
                            column=column.header,
                            value=item,
                            expected=(
                                f"a {target.columns[target.key].header} of "
                                f"{target.sheet or target.name}"
                            ),
                            check="register_reference",
                        )
