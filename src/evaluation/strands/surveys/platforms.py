"""Practitioner survey exports of each platform, read into the contract's terms.

Helpers of :func:`evaluation.strands.surveys.read.read_practitioner_wave`.
A wave is a Qualtrics CSV (three header rows, or the legacy exporter's two;
choice labels or numeric values), a Qualtrics SPSS ``.sav``, a Microsoft
Forms workbook, a JISC Online Surveys CSV or a REDCap raw export with its
data dictionary. :func:`detect_format` recognises the platform from the
file; :func:`read_platform_export` reads it into a :class:`PlatformExport`:
the responses the platform counts as complete (each with its source row,
response id, end date and one answer label per item), the statements, the
file's own header of each variable (for messages) and the rows the
platform's rules leave out, by reason. The checks every platform shares
(ids, dates, answer labels) are the caller's.

Headers, codes and exclusion reasons come from ``codebook/survey_platforms.yaml``
(the Qualtrics CSV with labels needs only ``practitioner_survey.yaml``).
Identifying columns (Forms' Email and Name, REDCap's survey identifier,
legacy Qualtrics' name, e-mail and IP address) are never read.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from evaluation.core import codebook
from evaluation.core.findings import DataValidationError, FindingLog
from evaluation.core.parsing import cell_text, is_blank
from evaluation.core.textio import EncodingProblem, csv_records, decode_csv, warn_if_fallback
from evaluation.strands.surveys import spec
from evaluation.strands.surveys.spec import FORMATS

PLATFORMS_PART = "survey_platforms"
BLANK_ROW = "blank row"
PREVIEW = "survey preview"
UNFINISHED = "unfinished response"
RESPONSE_ID = "ResponseId"
END_DATE = "EndDate"
_JISC_HEADER = re.compile(r"^\s*(\d+)\.(?:(\d+)\.)?(?:([a-z])\.)?\s*(.*)$", re.DOTALL)
_INTEGER = re.compile(r"^\s*-?\d+(?:\.0+)?\s*$")


@dataclass
class Response:
    """One response the platform counts as complete: answers are labels (codes translated)."""

    row: int
    response_id: str
    end: object
    answers: dict[str, str | None]


@dataclass
class PlatformExport:
    """One export in the contract's terms, before the checks every platform shares."""

    platform: str
    rows_read: int
    #: contract name (ResponseId, EndDate, an item) -> the file's header for it
    columns: dict[str, str]
    statements: dict[str, str]
    agreement_items: list[str]
    responses: list[Response] = field(default_factory=list)
    #: reason -> rows left out by the platform's rules (blank rows, previews, ...)
    excluded: dict[str, int] = field(default_factory=dict)
    #: (row, response id) of every row that is not blank, left out or not: ids are checked
    #: for identifiers in every row of a file the pipeline reads
    ids: list[tuple[int, str]] = field(default_factory=list)
    sheet: str = ""


def platform_codebook() -> dict:
    """``codebook/survey_platforms.yaml``; stops naming the file when the study lacks it."""
    part = codebook.load_codebook().get(PLATFORMS_PART)
    if part is None:
        raise codebook.CodebookError(
            f"the study's codebook ({codebook.codebook_dir()}) has no {PLATFORMS_PART}.yaml, "
            "which maps other survey platforms' exports to the practitioner survey"
        )
    return part


def unfinished_reasons() -> list[str]:
    """The ledger reasons of responses not finished: Qualtrics' and JISC's, Forms' unsubmitted
    and REDCap's incomplete records (only the first without survey_platforms.yaml)."""
    part = codebook.load_codebook().get(PLATFORMS_PART) or {}
    reasons = [UNFINISHED]
    for settings in (part.get("platforms") or {}).values():
        reasons += [r for r in (settings.get("excluded") or {}).values() if r not in reasons]
    return reasons


def platform_settings(platform: str) -> dict:
    return platform_codebook()["platforms"][platform]


def agreement_pattern() -> re.Pattern:
    return re.compile(spec.practitioner_codebook()["agreement_items"]["pattern"])


def category_items() -> list[str]:
    """The single-choice items (role, heard_via, ...) in codebook order."""
    return list(spec.practitioner_codebook()["category_tables"].values())


def item_value_set(item: str) -> str:
    if agreement_pattern().match(item):
        return spec.practitioner_codebook()["agreement_items"]["categories"]
    return spec.practitioner_codebook()["columns"][item]["categories"]


def _stop(log: FindingLog, path: Path, message: str, **context) -> None:
    log.error(path, message, **context)
    raise DataValidationError(log.errors)


# --------------------------------------------------------------------------- detection


def read_csv_records(path: Path, log: FindingLog) -> list[list[str]]:
    """A CSV export's rows as text cells; stops when it is missing or not text."""
    if not path.exists():
        _stop(
            log,
            path,
            "the configured survey export does not exist; check config 'surveys: practitioners: waves'",
        )
    try:
        text, encoding = decode_csv(path)
    except EncodingProblem as exc:
        _stop(
            log,
            path,
            f"cannot read the file as text: {exc}",
            expected="a UTF-8 or Windows-1252 CSV",
        )
    warn_if_fallback(path, encoding, log)
    records = csv_records(text)
    if records and len(records[0]) == 1 and records[0][0].count(";") >= 2:
        _stop(
            log,
            path,
            "the columns are separated by semicolons, not commas (a spreadsheet set to a "
            "European locale saved it so): export the responses from the survey tool again, "
            "or save the file as 'CSV UTF-8 (Comma delimited)'",
            row=1,
            expected="comma-separated values, as the survey tools export them",
        )
    return records


def data_rows(records: list[list[str]], export: PlatformExport):
    """(row number as the file shows it, record) of each row under the header.

    A blank row is counted in the export's ledger (``BLANK_ROW``), not read.
    """
    for offset, record in enumerate(records[1:]):
        if all(is_blank(v) for v in record):
            export.excluded[BLANK_ROW] += 1
            continue
        yield offset + 2, record


def _is_redcap(header: list[str]) -> bool:
    settings = platform_codebook()["platforms"]["redcap"]
    names = [h.strip() for h in header]
    return bool(names) and (
        names[0] == settings["response_id"]
        or any(n in settings["identifiers"] for n in names)
        or any(n.endswith(settings["status_suffix"]) for n in names)
    )


def _is_jisc(header: list[str]) -> bool:
    numbered = [h for h in header if _JISC_HEADER.match(h) and h.strip()[:1].isdigit()]
    return len(numbered) >= max(1, len([h for h in header if h.strip()]) // 2)


def detect_format(path: str | Path, log: FindingLog | None = None) -> str:
    """The platform an export comes from, recognised from its suffix and header row."""
    path = Path(path)
    log = log or FindingLog("practitioner_survey")
    suffix = path.suffix.lower()
    if suffix == ".sav":
        return "spss"
    if suffix in (".xlsx", ".xlsm"):
        return "forms"
    if suffix != ".csv":
        _stop(
            log,
            path,
            "cannot tell which survey platform wrote this file",
            expected="a .csv (Qualtrics, JISC, REDCap), .xlsx (Microsoft Forms) or .sav export",
        )
    records = read_csv_records(path, FindingLog(log.source))
    header = records[0] if records else []
    if header and PLATFORMS_PART in codebook.load_codebook():
        if _is_redcap(header):
            return "redcap"
        if _is_jisc(header):
            return "jisc"
    return "qualtrics"


def read_platform_export(
    path: str | Path, log: FindingLog, platform: str | None = None, dictionary=None
) -> PlatformExport:
    """Read one practitioner export of ``platform`` (None: recognised from the file)."""
    path = Path(path)
    platform = platform or detect_format(path, log)
    if platform not in FORMATS:
        raise ValueError(f"unknown survey platform {platform!r}; use one of {FORMATS}")
    if not path.exists():
        _stop(
            log,
            path,
            "the configured survey export does not exist; check config 'surveys: practitioners: waves'",
        )
    if platform == "qualtrics":
        from evaluation.strands.surveys.practitioner_export import read_qualtrics

        return read_qualtrics(read_csv_records(path, log), path, log)
    if platform == "spss":
        from evaluation.strands.surveys.practitioner_export import read_qualtrics_sav

        return read_qualtrics_sav(path, log)
    if platform == "forms":
        return read_forms(path, log)
    if platform == "jisc":
        return read_jisc(read_csv_records(path, log), path, log)
    if dictionary is None:
        _stop(
            log,
            path,
            "a REDCap export needs its data dictionary",
            expected="the wave written as {file: <export>, format: redcap, dictionary: "
            "<data dictionary CSV>} in config 'surveys: practitioners: waves'",
        )
    return read_redcap(read_csv_records(path, log), path, Path(dictionary), log)


# --------------------------------------------------------------------------- shared helpers


def question_lookup() -> dict[str, str]:
    """Folded question or statement text -> item, for platforms naming columns by question."""
    part = platform_codebook()
    stem = str(part["agreement_stem"]).strip()
    lookup = {codebook.normalise_text(t): item for item, t in part["questions"].items()}
    for item, statement in part["agreement_statements"].items():
        for text in (statement, f"{stem} - {statement}", f"{stem}.{statement}"):
            lookup[codebook.normalise_text(text)] = item
    return lookup


def statement_of(item: str) -> str:
    """The codebook's text of an item (question, or the statement of an agreement item)."""
    part = platform_codebook()
    return str(part["questions"].get(item) or part["agreement_statements"][item])


def check_items_present(
    columns: dict[str, str], path: Path, log: FindingLog, where: str, sheet: str | None = None
) -> list[str]:
    """The agreement items found; an error for each category item or no agreement item missing."""
    for item in category_items():
        if item not in columns:
            log.error(
                path,
                f"no column for '{item}' ({statement_of(item)!r})",
                sheet=sheet,
                row=1,
                column=statement_of(item),
                expected=where,
            )
    agreement = sorted((c for c in columns if agreement_pattern().match(c)), key=item_sort_key)
    if not agreement:
        log.error(
            path,
            "no agreement items (the statements of the agreement grid)",
            sheet=sheet,
            row=1,
            expected=where,
        )
    return agreement


def item_sort_key(item: str) -> tuple:
    """Agreement items in numeric order (agree_2 before agree_10)."""
    digits = re.findall(r"\d+", item)
    return (int(digits[-1]) if digits else 0, item)


def translate_code(
    value: object,
    codes: dict,
    column: str,
    path: Path,
    row: int,
    log: FindingLog,
    sheet: str | None = None,
    where: str = "",
) -> str | None:
    """The label of a numeric answer code (None when blank); an error for a code not listed."""
    if is_blank(value):
        return None
    text = cell_text(value)
    key = int(float(text)) if _INTEGER.match(text) else text
    label = codes.get(key)
    if label is None:
        allowed = ", ".join(f"{c} {lab}" for c, lab in codes.items())
        log.error(
            path,
            "answer code is not one of the codes" + (f" of {where}" if where else ""),
            sheet=sheet,
            row=row,
            column=column,
            value=text,
            expected=allowed,
        )
    return label


def single_choice(
    value: object, separator: str, column: str, path: Path, row: int, log: FindingLog, sheet=None
) -> str | None:
    """One answer of a single-choice item; several joined choices are an error."""
    if is_blank(value):
        return None
    choices = [c.strip() for c in str(value).split(separator) if c.strip()]
    if len(choices) > 1:
        log.error(
            path,
            "several choices where the question takes one answer",
            sheet=sheet,
            row=row,
            column=column,
            value=str(value),
            expected="one choice",
        )
        return None
    return choices[0] if choices else None


def _date_text(value: object) -> object:
    """Excel and SPSS date-times as ISO text (the end-date check reads text and dates alike)."""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return value


# --------------------------------------------------------------------------- Microsoft Forms


def read_forms(path: Path, log: FindingLog) -> PlatformExport:
    """A Microsoft Forms workbook: one row per submitted response, questions as headers."""
    from evaluation.core.excel import (
        DAMAGED,
        WorkbookError,
        column_index,
        open_workbook,
        special_cells,
    )

    settings = platform_settings("forms")
    try:
        workbook = open_workbook(path)
    except WorkbookError as exc:
        _stop(log, path, str(exc).split(": ", 1)[-1], expected="a Microsoft Forms .xlsx export")
    sheet_name = workbook.sheet_names[0]
    try:
        specials = special_cells(path, sheet_name)
        rows = workbook.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
    except Exception:  # noqa: BLE001 - calamine's and zipfile's errors for damaged parts
        _stop(
            log,
            path,
            f"{DAMAGED} (sheet '{sheet_name}' cannot be read)",
            sheet=sheet_name,
            expected="a workbook Excel opens without offering to repair it",
        )
    if not rows:
        _stop(log, path, "the workbook is empty", sheet=sheet_name, expected="a header row")
    header = [cell_text(h) if not is_blank(h) else "" for h in rows[0]]
    for cell in specials:  # Forms writes values only: an edited workbook may hold more
        if not (cell.error or cell.uncalculated) or cell.row < 2:
            continue
        index = column_index(cell.column)
        log.error(
            path,
            f"cell {cell.column}{cell.row} holds "
            + (f"the Excel error {cell.error}" if cell.error else "a formula without its result")
            + ": the answer is missing; export the responses from Forms again",
            sheet=sheet_name,
            row=cell.row,
            column=header[index] if index < len(header) else cell.column,
            value=cell.error or f"={cell.formula}",
            expected="an answer as Microsoft Forms exports it",
        )
    log.raise_if_errors()
    lookup = question_lookup()
    folded = {codebook.normalise_text(h): i for i, h in enumerate(header) if h}
    position: dict[str, int] = {}
    columns: dict[str, str] = {}
    for name, key in ((RESPONSE_ID, "response_id"), (END_DATE, "end_date")):
        index = folded.get(codebook.normalise_text(settings[key]))
        if index is None:
            log.error(
                path,
                f"no '{settings[key]}' column",
                sheet=sheet_name,
                row=1,
                column=settings[key],
                expected="the columns of a Microsoft Forms export: Id, Start time, Completion time",
            )
        else:
            position[name], columns[name] = index, header[index]
    skipped = {
        codebook.normalise_text(h) for h in [*settings["identifiers"], *settings["metadata"]]
    }
    skipped |= {codebook.normalise_text(settings[k]) for k in ("response_id", "end_date")}
    for index, text in enumerate(header):
        key = codebook.normalise_text(text)
        if not text or key in skipped:
            continue
        item = lookup.get(key)
        if item is None:
            log.warning(path, "column not in the codebook; ignored", sheet=sheet_name, column=text)
        elif item in position:
            log.error(
                path,
                f"two columns are both '{item}'",
                sheet=sheet_name,
                row=1,
                column=text,
                expected="one column per question",
            )
        elif item in spec.practitioner_codebook()["columns"] and (
            spec.practitioner_codebook()["columns"][item]["type"] == "free_text"
        ):
            continue  # free text: never read
        else:
            position[item], columns[item] = index, text
    agreement = check_items_present(
        columns,
        path,
        log,
        "a column per question of the survey (codebook/survey_platforms.yaml)",
        sheet=sheet_name,
    )
    log.raise_if_errors()
    export = PlatformExport(
        "forms",
        rows_read=len(rows) - 1,
        columns=columns,
        statements={item: columns[item] for item in [*category_items(), *agreement]},
        agreement_items=agreement,
        sheet=sheet_name,
    )
    unsubmitted = settings["excluded"]["unsubmitted"]
    export.excluded = {BLANK_ROW: 0, unsubmitted: 0}
    separator = settings["choice_separator"]
    for offset, record in enumerate(rows[1:]):
        row = offset + 2
        answer_cells = [record[position[c]] for c in position if position[c] < len(record)]
        if all(is_blank(v) for v in answer_cells):
            export.excluded[BLANK_ROW] += 1
            continue
        export.ids.append((row, cell_text(record[position[RESPONSE_ID]])))
        end = record[position[END_DATE]]
        if is_blank(end):
            export.excluded[unsubmitted] += 1
            continue
        answers = {
            item: single_choice(
                record[position[item]], separator, columns[item], path, row, log, sheet_name
            )
            for item in [*category_items(), *agreement]
        }
        export.responses.append(
            Response(row, cell_text(record[position[RESPONSE_ID]]), _date_text(end), answers)
        )
    return export


# --------------------------------------------------------------------------- JISC Online Surveys


def read_jisc(records: list[list[str]], path: Path, log: FindingLog) -> PlatformExport:
    """A JISC Online Surveys CSV: numbered question headers, grid rows as ``N.i.a.`` columns."""
    settings = platform_settings("jisc")
    part = platform_codebook()
    if not records:
        _stop(log, path, "the export is empty", expected="a header row of numbered questions")
    header = records[0]
    lookup = question_lookup()
    stem_key = codebook.normalise_text(part["agreement_stem"])
    statements = {
        codebook.normalise_text(s): item for item, s in part["agreement_statements"].items()
    }
    metadata = {
        name: {codebook.normalise_text(h) for h in settings[key]}
        for name, key in ((RESPONSE_ID, "response_id"), (END_DATE, "end_date"))
    }
    ignored_metadata = {
        codebook.normalise_text(h) for h in [*settings["metadata"], *settings["identifiers"]]
    }
    position: dict[str, int] = {}
    columns: dict[str, str] = {}
    grid_number = None
    question_of: dict[str, str] = {}  # question number -> item (or the grid)
    for index, text in enumerate(header):
        key = codebook.normalise_text(text)
        named = next((name for name, keys in metadata.items() if key in keys), None)
        if named:
            position[named], columns[named] = index, text
            continue
        match = _JISC_HEADER.match(text)
        if not match or key in ignored_metadata:
            if text.strip() and key not in ignored_metadata:
                log.warning(path, "column not in the codebook; ignored", column=text)
            continue
        number, sub, letter, question = match.groups()
        question_key = codebook.normalise_text(question)
        if sub is None and letter is not None:
            continue  # a part of a question (e.g. 'Other, please specify'): never read
        if sub is None:  # a question of its own, or the empty parent column of a grid
            if question_key == stem_key:
                grid_number = number
                question_of[number] = "grid"
                continue
            item = lookup.get(question_key)
            if item is None:
                log.warning(path, "question not in the codebook; ignored", column=text)
                continue
            question_of[number] = item
            if spec.practitioner_codebook()["columns"].get(item, {}).get("type") == "free_text":
                continue  # free text: never read
            position[item], columns[item] = index, text
            continue
        if number != grid_number:
            continue  # a part of another question (e.g. 'Other, please specify'): never read
        item = statements.get(question_key)
        if item is None:
            log.error(
                path,
                "a statement of the agreement grid is not in the codebook",
                row=1,
                column=text,
                value=question.strip(),
                expected="one of the statements under 'agreement_statements' in "
                "codebook/survey_platforms.yaml",
            )
            continue
        if item in position:
            log.error(
                path,
                f"two columns are both '{item}'",
                row=1,
                column=text,
                expected="one column per statement",
            )
            continue
        position[item], columns[item] = index, text
    for name in (RESPONSE_ID, END_DATE):
        if name not in position:
            log.error(
                path,
                f"no {' or '.join(repr(h) for h in settings[_setting_key(name)])} column",
                row=1,
                column=settings[_setting_key(name)][0],
                expected="the response id and completion date columns of a JISC export",
            )
    agreement = check_items_present(
        columns,
        path,
        log,
        "a numbered question per item, as codebook/survey_platforms.yaml words it; the "
        "agreement grid either as its question 'N. <stem>' followed by one 'N.i.a. <statement>' "
        "column per statement, or each statement as a question 'N. <statement>' (or "
        "'N. <stem> - <statement>')",
    )
    log.raise_if_errors()
    export = PlatformExport(
        "jisc",
        rows_read=len(records) - 1,
        columns=columns,
        statements={
            item: _JISC_HEADER.match(columns[item]).group(4).strip()
            for item in [*category_items(), *agreement]
        },
        agreement_items=agreement,
    )
    unfinished = settings["excluded"]["unfinished"]
    export.excluded = {BLANK_ROW: 0, unfinished: 0}
    for row, record in data_rows(records, export):

        def cell(name, record=record):
            index = position[name]
            return record[index] if index < len(record) else ""

        export.ids.append((row, cell(RESPONSE_ID).strip()))
        if is_blank(cell(END_DATE)):
            export.excluded[unfinished] += 1
            continue
        answers = {item: (cell(item).strip() or None) for item in [*category_items(), *agreement]}
        export.responses.append(Response(row, cell(RESPONSE_ID).strip(), cell(END_DATE), answers))
    return export


def _setting_key(name: str) -> str:
    return "response_id" if name == RESPONSE_ID else "end_date"


# --------------------------------------------------------------------------- REDCap


def parse_choices(text: str) -> dict[str, str]:
    """REDCap choices '1, Strongly agree | 2, Agree' -> {1: 'Strongly agree', ...}."""
    choices: dict = {}
    for part in str(text or "").split("|"):
        code, _, label = part.partition(",")
        code = code.strip()
        if code:
            choices[int(code) if _INTEGER.match(code) else code] = label.strip()
    return choices


@dataclass(frozen=True)
class DictionaryField:
    name: str
    form: str
    type: str
    label: str
    choices: dict
    row: int


def read_dictionary(path: Path, log: FindingLog) -> dict[str, DictionaryField]:
    """A REDCap data dictionary CSV: field name -> its form, type, label and choices."""
    settings = platform_settings("redcap")["dictionary_columns"]
    if not path.exists():
        _stop(
            log,
            path,
            "the configured REDCap data dictionary does not exist; check config "
            "'surveys: practitioners: waves: <wave>: dictionary'",
        )
    records = read_csv_records(path, log)
    header = [codebook.normalise_text(h) for h in (records[0] if records else [])]
    index = {}
    for key, name in settings.items():
        folded = codebook.normalise_text(name)
        if folded not in header:
            _stop(
                log,
                path,
                f"the data dictionary has no '{name}' column",
                row=1,
                column=name,
                expected="a REDCap data dictionary CSV (Variable / Field Name, Form Name, "
                "Field Type, Field Label, Choices, ...)",
            )
        index[key] = header.index(folded)
    fields = {}
    for offset, record in enumerate(records[1:]):
        if all(is_blank(v) for v in record):
            continue

        def cell(key, record=record):
            return record[index[key]].strip() if index[key] < len(record) else ""

        fields[cell("field")] = DictionaryField(
            cell("field"),
            cell("form"),
            cell("type").lower(),
            cell("label"),
            parse_choices(cell("choices")),
            offset + 2,
        )
    return fields


def read_redcap(
    records: list[list[str]], path: Path, dictionary_path: Path, log: FindingLog
) -> PlatformExport:
    """A REDCap raw export (codes) with its data dictionary (labels and field types)."""
    settings = platform_settings("redcap")
    dictionary = read_dictionary(dictionary_path, log)
    if not records:
        _stop(log, path, "the export is empty", expected="a header row of REDCap field names")
    header = [h.strip() for h in records[0]]
    mapped = {field_name: item for field_name, item in settings["fields"].items()}
    skipped = {*settings["identifiers"], *settings["metadata"]}
    position: dict[str, int] = {}
    columns: dict[str, str] = {}
    status_column = timestamp_column = None
    for index, name in enumerate(header):
        if name == settings["response_id"]:
            position[RESPONSE_ID], columns[RESPONSE_ID] = index, name
            continue
        if name in skipped or not name:
            continue
        if name.endswith(settings["status_suffix"]):
            status_column = index
            continue
        if name.endswith(settings["timestamp_suffix"]):
            position[END_DATE], columns[END_DATE] = index, name
            timestamp_column = index
            continue
        base = name.split(settings["checkbox_separator"])[0]
        definition = dictionary.get(base)
        if definition is None:
            log.error(
                path,
                "the export has a field its data dictionary does not define",
                row=1,
                column=name,
                value=base,
                expected=f"a row for field '{base}' in the data dictionary {dictionary_path}",
            )
            continue
        item = mapped.get(base) or (base if agreement_pattern().match(base) else None)
        if item is None:
            if definition.type not in settings["free_text_types"]:
                log.warning(path, "field not in the codebook; ignored", column=name)
            continue
        if definition.type == "checkbox" or name != base:
            log.error(
                path,
                f"'{base}' is a checkbox field, but the item takes one answer",
                row=1,
                column=name,
                value=definition.type,
                expected="a radio or dropdown field",
            )
            continue
        position[item], columns[item] = index, name
    for name, what in ((status_column, "<form>_complete"), (timestamp_column, "<form>_timestamp")):
        if name is None:
            log.error(
                path,
                f"no {what} column: export the survey with its completion status and timestamp",
                row=1,
                expected=f"a column such as practitioner_survey{what[6:]}",
            )
    if RESPONSE_ID not in position:
        log.error(
            path,
            f"no '{settings['response_id']}' column",
            row=1,
            column=settings["response_id"],
            expected="the record id as the first column of a REDCap export",
        )
    agreement = check_items_present(
        columns, path, log, "a REDCap field per item (codebook/survey_platforms.yaml: redcap)"
    )
    log.raise_if_errors()
    export = PlatformExport(
        "redcap",
        rows_read=len(records) - 1,
        columns=columns,
        statements={
            item: dictionary[columns[item]].label for item in [*category_items(), *agreement]
        },
        agreement_items=agreement,
    )
    incomplete = settings["excluded"]["incomplete"]
    statuses = {str(k): v for k, v in settings["statuses"].items()}
    complete = str(settings["complete_status"])
    export.excluded = {BLANK_ROW: 0, incomplete: 0}
    status_name = header[status_column]
    for row, record in data_rows(records, export):

        def cell(index, record=record):
            return record[index].strip() if index < len(record) else ""

        export.ids.append((row, cell(position[RESPONSE_ID])))
        status = cell(status_column)
        if status not in statuses:
            log.error(
                path,
                "the record's completion status is not a REDCap status",
                row=row,
                column=status_name,
                value=status or None,
                expected=", ".join(f"{c} {label}" for c, label in statuses.items()),
            )
            continue
        if status != complete:
            export.excluded[incomplete] += 1
            continue
        answers = {}
        for item in [*category_items(), *agreement]:
            field_name = columns[item]
            answers[item] = translate_code(
                cell(position[item]),
                dictionary[field_name].choices,
                field_name,
                path,
                row,
                log,
                where=f"field '{field_name}' in the data dictionary",
            )
        export.responses.append(
            Response(row, cell(position[RESPONSE_ID]), cell(position[END_DATE]), answers)
        )
    return export
