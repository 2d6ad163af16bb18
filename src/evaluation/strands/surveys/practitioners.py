"""Community practitioner survey: read one online-survey export (three header rows), apply the cut-off.

Row 1 holds the variable names, row 2 the question text (the statement the
report shows for each agreement item), row 3 an import id per column; responses
start on row 4. ``Survey Preview`` rows and unfinished responses are excluded
and counted. A wave is read into a long frame, one row per response and item:
``wave, source_file, source_row, response_id, end_date, item, statement, answer``
(answer = canonical label, missing when blank).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from evaluation.core import codebook
from evaluation.core.findings import DataValidationError, FindingLog, Ledger
from evaluation.core.parsing import is_blank, parse_integer
from evaluation.strands.surveys import spec
from evaluation.strands.surveys.textio import (
    EncodingProblem,
    csv_records,
    decode_csv,
    parse_date_time,
    warn_if_fallback,
)

SOURCE = "practitioner_survey"
UNIT = "response"
READ_STEP = "read"
CUT_STEP = "cut-off"
BLANK_ROW = "blank row"
PREVIEW = "survey preview"
UNFINISHED = "unfinished response"
AFTER_CUTOFF = "ended after the cut-off"
HEADER_ROWS = 3
STEM_SEPARATOR = " - "

LONG_COLUMNS = [
    "wave",
    "source_file",
    "source_row",
    "response_id",
    "end_date",
    "item",
    "statement",
    "answer",
]


@dataclass
class PractitionerRead:
    answers: pd.DataFrame
    findings: FindingLog
    ledger: Ledger = field(default_factory=Ledger)


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


def _item_sort_key(item: str) -> tuple:
    digits = re.findall(r"\d+", item)
    return (int(digits[-1]) if digits else 0, item)


def read_practitioner_wave(
    path: str | Path, wave: str, valid_date_range=("2015-01-01", "2030-12-31")
) -> PractitionerRead:
    """Read and validate one export; raises DataValidationError listing every error."""
    path = Path(path)
    log = FindingLog(SOURCE)
    ledger = Ledger()
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
    header, questions, import_ids = records[0], records[1], records[2]
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
    if "ResponseId" in index_of and _cell(import_ids, index_of["ResponseId"]).startswith("R_"):
        log.error(
            path,
            "row 3 holds a response, not import ids: the export needs three header rows "
            "(variable names, question text, import ids)",
            row=3,
        )
    log.raise_if_errors()

    statements = {
        name: _cell(questions, index_of[name])
        for name in spec.practitioner_codebook()["category_tables"].values()
    }
    statements.update(
        agreement_statements({item: _cell(questions, pos) for item, pos in agreement.items()})
    )
    agreement_items = sorted(agreement, key=_item_sort_key)
    low, high = (dt.date.fromisoformat(d) for d in valid_date_range)
    rows = records[HEADER_ROWS:]
    counts = {BLANK_ROW: 0, PREVIEW: 0, UNFINISHED: 0}
    long_rows = []
    seen_ids: dict[str, int] = {}
    exclusions = spec.practitioner_codebook()["exclusions"]
    for offset, record in enumerate(rows):
        row_number = HEADER_ROWS + offset + 1
        if all(is_blank(v) for v in record):
            counts[BLANK_ROW] += 1
            continue

        def cell(name, record=record):
            return _cell(record, index_of[name])

        status = _category(cell("Status"), "Status", path, row_number, log)
        finished = _category(cell("Finished"), "Finished", path, row_number, log)
        progress, problem = parse_integer(cell("Progress"), 0, 100)
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
        end_date = _end_date(cell("EndDate"), low, high, path, row_number, log)
        answers = {}
        for name in statements:
            if name in agreement:
                raw = _cell(record, agreement[name])
                answers[name] = _answer(
                    raw,
                    spec.practitioner_codebook()["agreement_items"]["categories"],
                    header[agreement[name]],
                    path,
                    row_number,
                    log,
                )
            else:
                value_set = column_spec[name]["categories"]
                answers[name] = _answer(cell(name), value_set, name, path, row_number, log)
        for item in [*spec.practitioner_codebook()["category_tables"].values(), *agreement_items]:
            long_rows.append(
                {
                    "wave": wave,
                    "source_file": str(path),
                    "source_row": row_number,
                    "response_id": response_id,
                    "end_date": end_date,
                    "item": item,
                    "statement": statements[item],
                    "answer": answers[item],
                }
            )
    log.raise_if_errors()
    n_used = len({r["source_row"] for r in long_rows})
    ledger.read(SOURCE, path, "", UNIT, len(rows), step=READ_STEP)
    for reason, count in counts.items():
        ledger.excluded(SOURCE, path, "", UNIT, reason, count, step=READ_STEP)
    ledger.used(SOURCE, path, "", UNIT, n_used, step=READ_STEP)
    answers = pd.DataFrame(long_rows, columns=LONG_COLUMNS)
    answers["end_date"] = pd.to_datetime(answers["end_date"])
    answers["answer"] = answers["answer"].astype("string")
    return PractitionerRead(answers=answers, findings=log, ledger=ledger)


def _cell(record: list[str], position: int) -> str:
    return record[position] if position < len(record) else ""


def _category(value: str, column: str, path, row, log) -> str | None:
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


def _answer(value: str, value_set: str, column: str, path, row, log) -> str | None:
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


def _end_date(value: str, low, high, path, row, log) -> dt.date | None:
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


@dataclass
class PractitionersAtCut:
    answers: pd.DataFrame
    findings: FindingLog
    ledger: Ledger


def practitioners_at_cut(waves: dict[str, pd.DataFrame], cutoff: dt.date) -> PractitionersAtCut:
    """Responses that ended on or before the cut-off, every wave; the rest counted in the ledger."""
    log = FindingLog(SOURCE)
    ledger = Ledger()
    kept = []
    for wave, answers in waves.items():
        responses = answers[["source_file", "source_row", "end_date"]].drop_duplicates()
        after = responses["end_date"] > pd.Timestamp(cutoff)
        source = str(responses["source_file"].iloc[0]) if len(responses) else wave
        ledger.read(SOURCE, source, "", UNIT, len(responses), step=CUT_STEP)
        ledger.excluded(SOURCE, source, "", UNIT, AFTER_CUTOFF, int(after.sum()), step=CUT_STEP)
        ledger.used(SOURCE, source, "", UNIT, int((~after).sum()), step=CUT_STEP)
        kept.append(answers.loc[answers["end_date"] <= pd.Timestamp(cutoff)])
    frame = pd.concat(kept, ignore_index=True) if kept else pd.DataFrame(columns=LONG_COLUMNS)
    return PractitionersAtCut(answers=frame.reset_index(drop=True), findings=log, ledger=ledger)
