"""Read stage of the survey strand: one wave file -> its validated answers, one row per item.

:func:`read_mothers_wave` reads a mothers' questionnaire wave (.sav or .csv)
into ``wave, source_file, source_row, case_id, completion_date, item, code``
(the numeric code as entered: user-missing codes kept, blanks missing).
:func:`read_practitioner_wave` reads one practitioner survey export into
``wave, source_file, source_row, response_id, end_date, item, statement,
answer`` (answer = canonical label, missing when blank); ``Survey Preview``
rows and unfinished responses are excluded and counted.

Both return a :class:`~evaluation.core.stage.StageResult` with the frame
``answers`` and raise :class:`DataValidationError` listing every error.
Neither applies the cut-off (see :mod:`evaluation.strands.surveys.cutoff`).
What each file must look like is in :mod:`~evaluation.strands.surveys.mothers_file`
and :mod:`~evaluation.strands.surveys.practitioner_export`. The validation
report counts this module's ``check=`` names for both instruments
(``codebook/validation.yaml``): a check of one instrument only belongs in its
own module.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from evaluation.core.findings import DataValidationError, FindingLog, Ledger
from evaluation.core.parsing import blank_cells, distinct_cells, is_blank, parse_date, parse_integer
from evaluation.core.stage import StageResult
from evaluation.strands.surveys import spec
from evaluation.strands.surveys.mothers_file import (
    check_value_labels,
    check_wave_columns,
    item_codes,
    map_columns,
    read_raw_wave,
)
from evaluation.strands.surveys.practitioner_export import (
    HEADER_ROWS,
    agreement_statements,
    answer_label,
    category_label,
    cell_at,
    end_date,
    item_sort_key,
    locate_columns,
    read_export_records,
)

#: The checks this module names in its findings (``check=``), as the validation
#: report describes them; a test keeps this in step with the code.
CHECKS: dict[str, str] = {
    "duplicate": "identifiers are unique",
}

MOTHERS_SOURCE = "mothers_survey"
PRACTITIONERS_SOURCE = "practitioner_survey"
#: What one row of a wave file is, in the ledger.
QUESTIONNAIRE = "questionnaire"
RESPONSE = "response"
READ_STEP = "read"
BLANK_ROW = "blank row"
PREVIEW = "survey preview"
UNFINISHED = "unfinished response"
VALID_DATE_RANGE = ("2015-01-01", "2030-12-31")

MOTHERS_ANSWER_COLUMNS = [
    "wave",
    "source_file",
    "source_row",
    "case_id",
    "completion_date",
    "item",
    "code",
]
PRACTITIONER_ANSWER_COLUMNS = [
    "wave",
    "source_file",
    "source_row",
    "response_id",
    "end_date",
    "item",
    "statement",
    "answer",
]


# --------------------------------------------------------------------------- mothers


def read_mothers_wave(
    path: str | Path, wave: str, position: int, valid_date_range=VALID_DATE_RANGE
) -> StageResult:
    """Read and validate one mothers' wave (``position`` = its place in the configured waves)."""
    path = Path(path)
    log = FindingLog(MOTHERS_SOURCE)
    ledger = Ledger()
    raw = read_raw_wave(path, log)
    frame = raw.values
    column_of = map_columns(list(frame.columns), path, log)
    items = spec.items_for_wave(position)
    check_wave_columns(column_of, items, wave, position, path, log)
    if "case_id" not in column_of or "completion_date" not in column_of:
        raise DataValidationError(log.errors)
    check_value_labels(raw, column_of, [i for i in items if i in column_of], path, log)

    low, high = (dt.date.fromisoformat(d) for d in valid_date_range)
    used_columns = [column_of[n] for n in ["case_id", "completion_date", *items] if n in column_of]
    blank = np.column_stack([blank_cells(frame[c]) for c in used_columns]).all(axis=1)
    kept = frame.loc[~blank]
    source_rows = np.flatnonzero(~blank) + raw.first_data_row
    problems: list[tuple[int, int, str, dict]] = []  # (row, position in row, message, context)

    case_column = column_of["case_id"]
    case_ids = distinct_cells(kept[case_column])
    for row in source_rows[case_ids.blank]:
        problems.append(
            (
                row,
                0,
                "case_id is blank",
                {"column": case_column, "expected": "a case id such as EP-014"},
            )
        )
    wide = pd.DataFrame({"source_row": source_rows})
    wide["case_id"] = case_ids.take([str(value).strip() for value in case_ids.values])

    date_column = column_of["completion_date"]
    date_cells = distinct_cells(kept[date_column])
    dates = date_cells.take(
        [_completion_date(value, low, high) for value in date_cells.values],
        fill=_completion_date(None, low, high),
    )
    wide["completion_date"] = [date for date, _problem in dates]
    for row, (_date, problem) in zip(source_rows, dates, strict=True):
        if problem is not None:
            message, context = problem
            problems.append((row, 1, message, {"column": date_column, **context}))

    for position_in_row, item in enumerate(items, start=2):
        if item not in column_of:
            wide[item] = None
            continue
        codes, bad_codes = item_codes(kept[column_of[item]], item, column_of[item], source_rows)
        wide[item] = codes
        for row, message, context in bad_codes:
            problems.append((row, position_in_row, message, context))
    for row, _position, message, context in sorted(problems, key=lambda p: p[:2]):
        log.error(path, message, row=int(row), **context)
    blank_rows = int(blank.sum())
    _check_one_row_per_mother(wide, path, case_column, log)
    log.raise_if_errors()
    ledger.read(MOTHERS_SOURCE, path, "", QUESTIONNAIRE, len(frame), step=READ_STEP)
    ledger.excluded(MOTHERS_SOURCE, path, "", QUESTIONNAIRE, BLANK_ROW, blank_rows, step=READ_STEP)
    ledger.used(MOTHERS_SOURCE, path, "", QUESTIONNAIRE, len(wide), step=READ_STEP)
    answers = _mothers_answers(wide, wave, str(path), items)
    return StageResult(frames={"answers": answers}, findings=log, ledger=ledger)


def _completion_date(value, low, high) -> tuple[dt.date | None, tuple[str, dict] | None]:
    """(date, None), or (None, (message, finding context)) for a blank, bad or out-of-range date."""
    date, problem = parse_date(value)
    if problem or date is None:
        message = "completion_date is " + (
            "blank" if date is None and not problem else "not a date"
        )
        context = {
            "value": None if is_blank(value) else str(value),
            "expected": "a date such as 03/11/2021 (day first) or 2021-11-03",
        }
        return None, (message, context)
    if not low <= date <= high:
        context = {"value": date.isoformat(), "expected": f"a date from {low} to {high}"}
        return None, ("completion_date is outside the valid date range", context)
    return date, None


def _check_one_row_per_mother(wide: pd.DataFrame, path: Path, column: str, log: FindingLog) -> None:
    """An error for each mother (case id, ignoring case) on more than one row of the wave."""
    keys = wide["case_id"].dropna().astype(str).str.casefold()
    keys = keys.loc[keys.duplicated(keep=False)]  # only mothers with more than one row
    for _key, rows in wide.loc[keys.index].groupby(keys)["source_row"]:
        if len(rows) > 1:
            listed = ", ".join(str(r) for r in sorted(rows))
            log.error(
                path,
                f"the same mother appears in rows {listed} of one wave",
                row=int(min(rows)),
                column=column,
                value=str(wide.loc[rows.index[0], "case_id"]),
                expected="one questionnaire per mother per wave",
                check="duplicate",
            )


def _mothers_answers(
    wide: pd.DataFrame, wave: str, source_file: str, items: list[str]
) -> pd.DataFrame:
    """One questionnaire per row -> one answer per row, questionnaire by questionnaire."""
    present = [i for i in items if i in wide.columns]
    long = wide.melt(
        id_vars=["source_row", "case_id", "completion_date"],
        value_vars=present,
        var_name="item",
        value_name="code",
    )
    long["wave"] = wave
    long["source_file"] = source_file
    long["completion_date"] = pd.to_datetime(long["completion_date"])
    long["code"] = pd.array(long["code"], dtype="Int64")
    # melt stacks item after item; questionnaire by questionnaire (rows in source_row order)
    # then item by item is the transpose of that block layout
    row_major = np.arange(len(long)).reshape(len(present), len(wide)).T.ravel()
    return long[MOTHERS_ANSWER_COLUMNS].take(row_major).reset_index(drop=True)


# --------------------------------------------------------------------------- practitioners


def read_practitioner_wave(
    path: str | Path, wave: str, valid_date_range=VALID_DATE_RANGE
) -> StageResult:
    """Read and validate one practitioner survey export."""
    path = Path(path)
    log = FindingLog(PRACTITIONERS_SOURCE)
    ledger = Ledger()
    records = read_export_records(path, log)
    header, questions, import_ids = records[0], records[1], records[2]
    index_of, agreement = locate_columns(header, import_ids, path, log)
    log.raise_if_errors()

    survey_codebook = spec.practitioner_codebook()
    column_spec = survey_codebook["columns"]
    category_items = list(survey_codebook["category_tables"].values())
    statements = {name: cell_at(questions, index_of[name]) for name in category_items}
    statements.update(
        agreement_statements({item: cell_at(questions, pos) for item, pos in agreement.items()})
    )
    agreement_items = sorted(agreement, key=item_sort_key)
    low, high = (dt.date.fromisoformat(d) for d in valid_date_range)
    rows = records[HEADER_ROWS:]
    counts = {BLANK_ROW: 0, PREVIEW: 0, UNFINISHED: 0}
    long_rows = []
    seen_ids: dict[str, int] = {}
    exclusions = survey_codebook["exclusions"]
    for offset, record in enumerate(rows):
        row_number = HEADER_ROWS + offset + 1
        if all(is_blank(v) for v in record):
            counts[BLANK_ROW] += 1
            continue

        def cell(name, record=record):
            return cell_at(record, index_of[name])

        status = category_label(cell("Status"), "Status", path, row_number, log)
        finished = category_label(cell("Finished"), "Finished", path, row_number, log)
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
            counts[PREVIEW] += 1
            continue
        if finished == exclusions["unfinished"]:
            counts[UNFINISHED] += 1
            continue
        response_id = cell("ResponseId").strip()
        if not response_id:
            log.error(
                path,
                "ResponseId is blank",
                row=row_number,
                column="ResponseId",
                expected="a response id",
            )
        elif response_id in seen_ids:
            log.error(
                path,
                f"ResponseId also on row {seen_ids[response_id]}",
                row=row_number,
                column="ResponseId",
                value=response_id,
                expected="one row per response",
                check="duplicate",
            )
        else:
            seen_ids[response_id] = row_number
        ended = end_date(cell("EndDate"), low, high, path, row_number, log)
        answers = {}
        for name in statements:
            if name in agreement:
                answers[name] = answer_label(
                    cell_at(record, agreement[name]),
                    survey_codebook["agreement_items"]["categories"],
                    header[agreement[name]],
                    path,
                    row_number,
                    log,
                )
            else:
                value_set = column_spec[name]["categories"]
                answers[name] = answer_label(cell(name), value_set, name, path, row_number, log)
        for item in [*category_items, *agreement_items]:
            long_rows.append(
                {
                    "wave": wave,
                    "source_file": str(path),
                    "source_row": row_number,
                    "response_id": response_id,
                    "end_date": ended,
                    "item": item,
                    "statement": statements[item],
                    "answer": answers[item],
                }
            )
    log.raise_if_errors()
    n_used = len({r["source_row"] for r in long_rows})
    ledger.read(PRACTITIONERS_SOURCE, path, "", RESPONSE, len(rows), step=READ_STEP)
    for reason, count in counts.items():
        ledger.excluded(PRACTITIONERS_SOURCE, path, "", RESPONSE, reason, count, step=READ_STEP)
    ledger.used(PRACTITIONERS_SOURCE, path, "", RESPONSE, n_used, step=READ_STEP)
    answers = pd.DataFrame(long_rows, columns=PRACTITIONER_ANSWER_COLUMNS)
    answers["end_date"] = pd.to_datetime(answers["end_date"])
    answers["answer"] = answers["answer"].astype("string")
    return StageResult(frames={"answers": answers}, findings=log, ledger=ledger)
