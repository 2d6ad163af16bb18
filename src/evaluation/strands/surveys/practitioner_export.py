"""A community practitioner survey export: its three header rows and its cells.

Helpers of :func:`evaluation.strands.surveys.read.read_practitioner_wave`.
Row 1 of an export holds the variable names, row 2 the question text (the
statement the report shows for each agreement item), row 3 an import id per
column; responses start on row 4.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

from evaluation.core import codebook
from evaluation.core.findings import DataValidationError, FindingLog
from evaluation.core.parsing import is_blank
from evaluation.core.textio import (
    EncodingProblem,
    csv_records,
    decode_csv,
    parse_date_time,
    warn_if_fallback,
)
from evaluation.strands.surveys import spec

#: The checks this module names in its findings (``check=``), as the validation
#: report describes them; a test keeps this in step with the code.
CHECKS: dict[str, str] = {
    "unknown column": "columns outside the codebook are ignored",
}

HEADER_ROWS = 3
STEM_SEPARATOR = " - "


def _allowed(value_set: str) -> str:
    return ", ".join(f"'{label}'" for label in spec.labels(value_set))


def agreement_statements(texts: dict[str, str]) -> dict[str, str]:
    """Statement per agreement item: row-2 text without a question stem shared by every item.

    Survey tools write matrix questions as 'Stem - Statement'; when all items
    share the stem it is removed, otherwise the text is kept whole.
    """
    values = [t.strip() for t in texts.values()]
    if len(values) < 2:
        return {k: v.strip() for k, v in texts.items()}
    common = os.path.commonprefix(values)
    cut = common.rfind(STEM_SEPARATOR)
    if cut < 0:
        return {k: v.strip() for k, v in texts.items()}
    stem_length = cut + len(STEM_SEPARATOR)
    return {k: v.strip()[stem_length:].strip() or v.strip() for k, v in texts.items()}


def item_sort_key(item: str) -> tuple:
    """Agreement items in numeric order (agree_2 before agree_10)."""
    digits = re.findall(r"\d+", item)
    return (int(digits[-1]) if digits else 0, item)


def cell_at(record: list[str], position: int) -> str:
    """The record's cell at ``position``; a short row's missing cells are empty."""
    return record[position] if position < len(record) else ""


def category_label(value: str, column: str, path, row, log) -> str | None:
    """The canonical label of a required category cell (Status, Finished); an error if none."""
    value_set = spec.practitioner_codebook()["columns"][column]["categories"]
    label = codebook.value_set(value_set).match(value)
    if label is None:
        log.error(
            path,
            f"{column} is not one of the allowed values",
            row=row,
            column=column,
            value=value,
            expected=_allowed(value_set),
        )
    return label


def answer_label(value: str, value_set: str, column: str, path, row, log) -> str | None:
    """The canonical label of an answer (None when blank); an error if not an allowed value."""
    if is_blank(value):
        return None
    label = codebook.value_set(value_set).match(value)
    if label is None:
        log.error(
            path,
            "answer is not one of the allowed values",
            row=row,
            column=column,
            value=value,
            expected=_allowed(value_set),
        )
    return label


def end_date(value: str, low, high, path, row, log) -> dt.date | None:
    """The response's EndDate; an error when blank, not a date or outside ``low``..``high``."""
    date, problem = parse_date_time(value)
    if date is None:
        log.error(
            path,
            "EndDate is " + ("not a date" if problem else "blank"),
            row=row,
            column="EndDate",
            value=value or None,
            expected="a date and time such as 2022-03-14 10:22:05 or 14/03/2022 10:22",
        )
        return None
    if not low <= date <= high:
        log.error(
            path,
            "EndDate is outside the valid date range",
            row=row,
            column="EndDate",
            value=date.isoformat(),
            expected=f"a date from {low} to {high}",
        )
        return None
    return date


def read_export_records(path: Path, log: FindingLog) -> list[list[str]]:
    """The export's rows as text cells; stops when it is missing, unreadable or has no header rows."""
    if not path.exists():
        log.error(
            path,
            "the configured survey export does not exist; check config 'surveys: practitioners: waves'",
        )
        raise DataValidationError(log.errors)
    try:
        text, encoding = decode_csv(path)
    except EncodingProblem as exc:
        log.error(
            path, f"cannot read the file as text: {exc}", expected="a UTF-8 or Windows-1252 CSV"
        )
        raise DataValidationError(log.errors) from None
    warn_if_fallback(path, encoding, log)
    records = csv_records(text)
    if len(records) < HEADER_ROWS:
        log.error(
            path, "the export needs three header rows (variable names, question text, import ids)"
        )
        raise DataValidationError(log.errors)
    return records


def locate_columns(
    header: list[str], import_ids: list[str], path: Path, log: FindingLog
) -> tuple[dict[str, int], dict[str, int]]:
    """(codebook column -> position, agreement item -> position) from the header rows.

    Unknown columns are warned about; duplicated or missing columns, no agreement
    items and a response on row 3 are errors (the caller stops on them).
    """
    column_spec = spec.practitioner_codebook()["columns"]
    pattern = re.compile(spec.practitioner_codebook()["agreement_items"]["pattern"])
    known = {codebook.normalise_header(name): name for name in column_spec}
    index_of: dict[str, int] = {}
    agreement: dict[str, int] = {}
    for position, raw_name in enumerate(header):
        folded = codebook.normalise_header(raw_name)
        name = known.get(folded)
        target = index_of if name else agreement if pattern.match(folded) else None
        key = name or folded
        if target is None:
            if raw_name.strip():
                log.warning(
                    path,
                    "column not in the codebook; ignored",
                    column=raw_name,
                    check="unknown column",
                )
            continue
        if key in index_of or key in agreement:
            log.error(
                path,
                f"two columns are both '{key}'",
                column=raw_name,
                expected="one column per variable",
            )
            continue
        target[key] = position
    for name, definition in column_spec.items():
        if definition.get("required", True) and name not in index_of:
            log.error(
                path,
                f"no '{name}' column",
                column=name,
                expected="the columns of the survey export",
            )
    if not agreement:
        log.error(
            path,
            "no agreement items (columns agree_01, agree_02, ...)",
            expected="agreement columns agree_NN",
        )
    if "ResponseId" in index_of and cell_at(import_ids, index_of["ResponseId"]).startswith("R_"):
        log.error(
            path,
            "row 3 holds a response, not import ids: the export needs three header rows "
            "(variable names, question text, import ids)",
            row=3,
        )
    return index_of, agreement
