"""Read stage of the survey strand: one wave file -> its validated answers, one row per item.

:func:`read_mothers_wave` reads a mothers' questionnaire wave (.sav or .csv)
into ``wave, source_file, source_row, case_id, completion_date, item, code``
(the numeric code as entered: user-missing codes kept, blanks missing).
:func:`read_practitioner_wave` reads one practitioner survey export, of any
platform :mod:`~evaluation.strands.surveys.platforms` reads, into
``wave, source_file, source_row, response_id, end_date, item, statement,
answer`` (answer = canonical label, missing when blank); what the platform
leaves out (``Survey Preview`` rows, unfinished or unsubmitted responses,
incomplete REDCap records) is excluded and counted. An id that looks like a
prison number stops either read, its value never shown.

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
from evaluation.core.identifiers import kind_descriptions, looks_like_prison_number
from evaluation.core.parsing import blank_cells, distinct_cells, is_blank, parse_date
from evaluation.core.stage import StageResult
from evaluation.strands.surveys import spec
from evaluation.strands.surveys.mothers_file import (
    check_value_labels,
    check_wave_columns,
    item_codes,
    map_columns,
    read_raw_wave,
)
from evaluation.strands.surveys.platforms import (  # reasons the ledger and context name
    BLANK_ROW,
    END_DATE,
    RESPONSE_ID,
    category_items,
    item_value_set,
    read_platform_export,
)
from evaluation.strands.surveys.platforms import (
    PREVIEW as PREVIEW,
)
from evaluation.strands.surveys.platforms import (
    UNFINISHED as UNFINISHED,
)
from evaluation.strands.surveys.practitioner_export import (
    agreement_statements,
    answer_label,
    end_date,
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
    prison_numbers = wide["case_id"].map(looks_like_prison_number)
    for row in wide.loc[prison_numbers, "source_row"]:
        message, context = _prison_number_problem(case_column, "a case id such as EP-014")
        problems.append((row, 0, message, context))
    wide.loc[prison_numbers, "case_id"] = None  # never echoed by a later message

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
    path: str | Path,
    wave: str,
    valid_date_range=VALID_DATE_RANGE,
    format: str | None = None,
    dictionary: str | Path | None = None,
) -> StageResult:
    """Read and validate one practitioner survey export.

    ``format`` names the platform (:data:`~evaluation.strands.surveys.platforms.FORMATS`;
    None: recognised from the file); ``dictionary`` is a REDCap export's data dictionary.
    """
    path = Path(path)
    log = FindingLog(PRACTITIONERS_SOURCE)
    ledger = Ledger()
    export = read_platform_export(path, log, format, dictionary)
    low, high = (dt.date.fromisoformat(d) for d in valid_date_range)
    value_sets = {item: item_value_set(item) for item in export.statements}
    # a grid written 'Stem - Statement' loses the stem its statements share, on every platform
    statements = {
        **export.statements,
        **agreement_statements({i: export.statements[i] for i in export.agreement_items}),
    }
    items = [*category_items(), *export.agreement_items]
    id_column, end_column = export.columns[RESPONSE_ID], export.columns[END_DATE]
    sheet = export.sheet or None
    checked_from = len(log.findings)
    identifying = {row for row, value in export.ids if looks_like_prison_number(value)}
    for row in sorted(identifying):  # any row, kept or left out: the file holds it
        _prison_number_error(log, path, row, id_column, "a response id", sheet)
    long_rows = []
    seen_ids: dict[str, int] = {}
    for response in export.responses:
        row_number = response.row
        response_id = response.response_id
        if not response_id:
            log.error(
                path,
                f"{id_column} is blank",
                sheet=sheet,
                row=row_number,
                column=id_column,
                expected="a response id",
            )
        elif row_number in identifying:
            response_id = ""  # reported above; never echoed by a later message
        elif response_id in seen_ids:
            log.error(
                path,
                f"{id_column} also on row {seen_ids[response_id]}",
                sheet=sheet,
                row=row_number,
                column=id_column,
                value=response_id,
                expected="one row per response",
                check="duplicate",
            )
        else:
            seen_ids[response_id] = row_number
        ended = end_date(response.end, low, high, path, row_number, log, end_column, sheet)
        answers = {
            item: answer_label(
                response.answers.get(item),
                value_sets[item],
                export.columns[item],
                path,
                row_number,
                log,
            )
            for item in items
        }
        for item in items:
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
    # the platform's row checks and these in row order (a file's own problems first)
    checked = log.findings[checked_from:]
    log.findings[checked_from:] = sorted(checked, key=lambda f: f.row or 0)
    log.raise_if_errors()
    n_used = len({r["source_row"] for r in long_rows})
    ledger.read(
        PRACTITIONERS_SOURCE, path, export.sheet, RESPONSE, export.rows_read, step=READ_STEP
    )
    for reason, count in export.excluded.items():
        ledger.excluded(
            PRACTITIONERS_SOURCE, path, export.sheet, RESPONSE, reason, count, step=READ_STEP
        )
    ledger.used(PRACTITIONERS_SOURCE, path, export.sheet, RESPONSE, n_used, step=READ_STEP)
    answers = pd.DataFrame(long_rows, columns=PRACTITIONER_ANSWER_COLUMNS)
    answers["end_date"] = pd.to_datetime(answers["end_date"])
    answers["answer"] = answers["answer"].astype("string")
    return StageResult(frames={"answers": answers}, findings=log, ledger=ledger)


def _prison_number_problem(column: str, expected: str) -> tuple[str, dict]:
    """(message, finding context) for an id that looks like a prison number: never its value."""
    message = (
        f"{column} looks like {kind_descriptions()['prison_number']}, which identifies a "
        "person; replace it with the study's pseudonymous id in the source file "
        "(the value is not shown here)"
    )
    return message, {"column": column, "value": None, "expected": expected}


def _prison_number_error(
    log: FindingLog, path: Path, row: int, column: str, expected: str, sheet: str | None = None
) -> None:
    """An id that looks like a prison number: an error naming where it is, never the value."""
    message, context = _prison_number_problem(column, expected)
    log.error(path, message, sheet=sheet, row=int(row), **context)
