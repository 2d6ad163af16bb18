"""A Qualtrics practitioner survey export: its header rows and its cells.

Helpers of :func:`evaluation.strands.surveys.read.read_practitioner_wave`.
Row 1 of an export holds the variable names, row 2 the question text (the
statement the report shows for each agreement item), row 3 an import id per
column; responses start on row 4. The legacy exporter wrote two header rows
(its metadata columns named V1..V10 in row 1, their names in row 2; no
Progress column); a Qualtrics SPSS export holds the same variables, the
question text as variable labels. Answers are choice labels or numeric
values (codes in ``codebook/survey_platforms.yaml``). :func:`read_qualtrics`
and :func:`read_qualtrics_sav` return a
:class:`~evaluation.strands.surveys.platforms.PlatformExport`.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

from evaluation.core import codebook
from evaluation.core.findings import DataValidationError, FindingLog
from evaluation.core.parsing import cell_text, is_blank, parse_integer
from evaluation.core.textio import parse_date_time
from evaluation.strands.surveys import spec
from evaluation.strands.surveys.platforms import (
    BLANK_ROW,
    END_DATE,
    PREVIEW,
    RESPONSE_ID,
    UNFINISHED,
    PlatformExport,
    Response,
    item_sort_key,
    item_value_set,
    platform_settings,
    translate_code,
)

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


def end_date(
    value: str, low, high, path, row, log, column: str = "EndDate", sheet: str | None = None
) -> dt.date | None:
    """The response's end date; an error when blank, not a date or outside ``low``..``high``."""
    date, problem = parse_date_time(value)
    if date is None:
        log.error(
            path,
            f"{column} is " + ("not a date" if problem else "blank"),
            sheet=sheet,
            row=row,
            column=column,
            value=value or None,
            expected="a date and time such as 2022-03-14 10:22:05 or 14/03/2022 10:22",
        )
        return None
    if not low <= date <= high:
        log.error(
            path,
            f"{column} is outside the valid date range",
            sheet=sheet,
            row=row,
            column=column,
            value=date.isoformat(),
            expected=f"a date from {low} to {high}",
        )
        return None
    return date


def locate_columns(
    header: list[str],
    import_ids: list[str],
    path: Path,
    log: FindingLog,
    not_exported: tuple[str, ...] = (),
) -> tuple[dict[str, int], dict[str, int]]:
    """(codebook column -> position, agreement item -> position) from the header rows.

    Unknown columns are warned about; duplicated or missing columns, no agreement
    items and a response on row 3 are errors (the caller stops on them).
    ``not_exported`` names columns the export's kind lacks (legacy: Progress).
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
        required = definition.get("required", True) and name not in not_exported
        if required and name not in index_of:
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


# --------------------------------------------------------------------------- the export's rows

LEGACY_NAME = re.compile(r"^V\d+$")


def is_legacy(records: list[list[str]]) -> bool:
    """Whether the export is the legacy exporter's (metadata columns V1, V2, ... in row 1)."""
    return bool(records) and any(LEGACY_NAME.match(name.strip()) for name in records[0])


def _legacy_header(records: list[list[str]]) -> list[str]:
    """Row 1 with each V-column named by its row-2 name; identifying columns left unnamed."""
    renames = platform_settings("qualtrics")["legacy_columns"]
    names = records[1] if len(records) > 1 else []
    header = []
    for position, name in enumerate(records[0]):
        if LEGACY_NAME.match(name.strip()):
            legacy = cell_at(names, position).strip()
            header.append(renames.get(legacy, ""))  # unnamed: never read, never warned about
        else:
            header.append(name)
    return header


def _numeric_values(rows: list[list[str]], positions: list[int]) -> bool:
    """Whether the answers are numeric values (every non-blank answer cell a whole number)."""
    cells = [cell_at(r, p).strip() for r in rows for p in positions]
    cells = [c for c in cells if c]
    return bool(cells) and all(re.fullmatch(r"-?\d+", c) for c in cells)


def read_qualtrics(records: list[list[str]], path: Path, log: FindingLog) -> PlatformExport:
    """A Qualtrics CSV export (three header rows or the legacy two; labels or numeric values)."""
    legacy = is_legacy(records)
    if len(records) < HEADER_ROWS and not legacy:
        log.error(
            path, "the export needs three header rows (variable names, question text, import ids)"
        )
        raise DataValidationError(log.errors)
    header = _legacy_header(records) if legacy else records[0]
    header_rows = HEADER_ROWS - 1 if legacy else HEADER_ROWS
    import_ids = [] if legacy else records[2]
    return qualtrics_export(
        header, records[1], import_ids, records[header_rows:], header_rows, path, log, legacy
    )


def read_qualtrics_sav(path: Path, log: FindingLog) -> PlatformExport:
    """A Qualtrics SPSS export: the CSV's variables, question text as labels, codes labelled."""
    import pyreadstat

    try:
        frame, meta = pyreadstat.read_sav(str(path), apply_value_formats=False)
    except Exception as exc:  # pyreadstat raises its own error types for every bad file
        log.error(path, f"cannot read the file as SPSS data ({exc})", expected="an SPSS .sav file")
        raise DataValidationError(log.errors) from None
    header = list(frame.columns)
    questions = [meta.column_names_to_labels.get(name) or "" for name in header]
    labels = meta.variable_value_labels
    rows = []
    for record in frame.itertuples(index=False):
        cells = []
        for name, value in zip(header, record, strict=True):
            if is_blank(value) or (isinstance(value, float) and value != value):
                cells.append("")
            elif name in labels and value in labels[name]:
                cells.append(str(labels[name][value]))
            elif isinstance(value, dt.datetime):
                cells.append(value.isoformat(sep=" "))
            else:
                cells.append(cell_text(value))
        rows.append(cells)
    export = qualtrics_export(header, questions, [], rows, 0, path, log, legacy=False)
    export.platform = "spss"
    return export


def qualtrics_export(
    header: list[str],
    questions: list[str],
    import_ids: list[str],
    rows: list[list[str]],
    header_rows: int,
    path: Path,
    log: FindingLog,
    legacy: bool,
) -> PlatformExport:
    """The responses of a Qualtrics export whose header is known; previews and unfinished left out."""
    not_exported = ("Progress",) if legacy else ()
    index_of, agreement = locate_columns(header, import_ids, path, log, not_exported)
    log.raise_if_errors()
    survey_codebook = spec.practitioner_codebook()
    category_items = list(survey_codebook["category_tables"].values())
    agreement_items = sorted(agreement, key=item_sort_key)
    position = {**{name: index_of[name] for name in category_items}, **agreement}
    column = {
        **{name: name for name in category_items},
        **{i: header[p] for i, p in agreement.items()},
    }
    statements = {name: cell_at(questions, index_of[name]) for name in category_items}
    # as written: read_practitioner_wave takes the grid's stem off every platform's statements
    statements.update({i: cell_at(questions, p) for i, p in agreement.items()})
    codes = None
    if _numeric_values(rows, list(position.values())):
        codes = platform_settings("qualtrics")["codes"]
    export = PlatformExport(
        "qualtrics",
        rows_read=len(rows),
        columns={RESPONSE_ID: RESPONSE_ID, END_DATE: END_DATE, **column},
        statements=statements,
        agreement_items=agreement_items,
        excluded={BLANK_ROW: 0, PREVIEW: 0, UNFINISHED: 0},
    )
    exclusions = survey_codebook["exclusions"]
    for offset, record in enumerate(rows):
        row_number = header_rows + offset + 1
        if all(is_blank(v) for v in record):
            export.excluded[BLANK_ROW] += 1
            continue

        def cell(name, record=record):
            return cell_at(record, index_of[name])

        export.ids.append((row_number, cell(RESPONSE_ID).strip()))
        status = category_label(cell("Status"), "Status", path, row_number, log)
        finished = category_label(cell("Finished"), "Finished", path, row_number, log)
        if "Progress" in index_of:
            _progress, problem = parse_integer(cell("Progress"), 0, 100)
            if problem:
                log.error(
                    path,
                    "Progress is not a percentage",
                    row=row_number,
                    column="Progress",
                    value=cell("Progress"),
                    expected=problem,
                )
        if status == exclusions["preview_status"]:
            export.excluded[PREVIEW] += 1
            continue
        if finished == exclusions["unfinished"]:
            export.excluded[UNFINISHED] += 1
            continue
        answers = {}
        for item in [*category_items, *agreement_items]:
            value = cell_at(record, position[item])
            if codes is not None:
                value = translate_code(
                    value, codes[item_value_set(item)], column[item], path, row_number, log
                )
            answers[item] = value
        export.responses.append(
            Response(row_number, cell(RESPONSE_ID).strip(), cell(END_DATE), answers)
        )
    return export
