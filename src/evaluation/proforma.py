"""A blank case-tracker workbook (proforma) built from the codebook.

The workbook has the data contract's four sheets with the codebook's column
names as headers, and Excel data validation on every data cell: a dropdown
of the codebook's labels for each category column (short lists inline, long
ones on a hidden ``Lists`` sheet referenced by a defined name, because Excel
limits inline lists to 255 characters), date validation within the valid
date range, whole-number validation with the codebook's minimum and maximum,
and an input message from the codebook's description of each column. The
header row is frozen and each header carries a comment with the column's
label. A filled-in proforma is a valid case tracker.

The file is deterministic: same codebook and arguments, same bytes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from evaluation.core import codebook
from evaluation.core.xlsx import workbook_bytes

LISTS_SHEET = "Lists"
DEFAULT_ROWS = 500
INLINE_LIST_LIMIT = 255
PROMPT_LIMIT = 255
PROMPT_TITLE_LIMIT = 32
DATE_FORMAT = "DD/MM/YYYY"
#: Fixed time stamp written into the file so that two runs give the same bytes.
FIXED_TIME = dt.datetime(2021, 4, 1)


@dataclass(frozen=True)
class ColumnRule:
    """The validation one proforma column gets."""

    sheet: str
    column: str
    letter: str
    kind: str
    labels: tuple[str, ...] = ()
    list_name: str | None = None
    minimum: int | None = None
    maximum: int | None = None


def column_letter(index: int) -> str:
    """Excel column letters of a 0-based column index (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_labels(spec: dict) -> tuple[str, ...]:
    """Canonical labels a category column accepts, in codebook order (both need lists for needs)."""
    if "categories" in spec:
        return codebook.value_set(spec["categories"]).labels
    if "categories_by_source" in spec:
        labels: list[str] = []
        for set_name in spec["categories_by_source"].values():
            labels.extend(x for x in codebook.value_set(set_name).labels if x not in labels)
        return tuple(labels)
    return ()


def _list_name(spec: dict, column: str) -> str:
    if "categories" in spec:
        return spec["categories"]
    return "_".join(spec["categories_by_source"].values()) if spec else column


def _fits_inline(labels: tuple[str, ...]) -> bool:
    text = ",".join(labels)
    return len(text) <= INLINE_LIST_LIMIT and not any(("," in x or '"' in x) for x in labels)


def column_rules(valid_date_range=("2015-01-01", "2030-12-31")) -> list[ColumnRule]:
    """The validation of every column of every contract sheet, from the codebook."""
    rules = []
    for sheet, sheet_spec in codebook.case_tracker_sheets().items():
        for index, (name, spec) in enumerate(sheet_spec["columns"].items()):
            letter = column_letter(index)
            kind = spec["type"]
            if kind == "category":
                labels = column_labels(spec)
                list_name = None if _fits_inline(labels) else _list_name(spec, name)
                rules.append(ColumnRule(sheet, name, letter, "list", labels, list_name))
            elif kind == "integer":
                rules.append(
                    ColumnRule(
                        sheet, name, letter, "whole", minimum=spec["min"], maximum=spec["max"]
                    )
                )
            elif kind == "date":
                rules.append(ColumnRule(sheet, name, letter, "date"))
            else:
                rules.append(ColumnRule(sheet, name, letter, "any"))
    return rules


def _prompt(spec: dict, rule: ColumnRule, date_range: tuple[dt.date, dt.date]) -> str:
    parts = [" ".join(str(spec.get("description", "")).split())]
    if rule.kind == "list":
        parts.append("Choose from the list.")
    elif rule.kind == "whole":
        parts.append(f"A whole number from {rule.minimum} to {rule.maximum}.")
    elif rule.kind == "date":
        parts.append(
            f"A date from {date_range[0]:%d/%m/%Y} to {date_range[1]:%d/%m/%Y} (day first)."
        )
    if spec.get("required"):
        parts.append("Required.")
    text = " ".join(p for p in parts if p)
    return text if len(text) <= PROMPT_LIMIT else text[: PROMPT_LIMIT - 3].rstrip() + "..."


def _error(rule: ColumnRule, date_range: tuple[dt.date, dt.date]) -> tuple[str, str]:
    if rule.kind == "list":
        return "Not in the list", "Choose a value from the dropdown list."
    if rule.kind == "whole":
        return "Not a valid number", f"Enter a whole number from {rule.minimum} to {rule.maximum}."
    return (
        "Not a valid date",
        f"Enter a date from {date_range[0]:%d/%m/%Y} to {date_range[1]:%d/%m/%Y}.",
    )


def _excel_serial(day: dt.date) -> int:
    return (day - dt.date(1899, 12, 30)).days


def _width(name: str, spec: dict, labels: tuple[str, ...]) -> float:
    if spec.get("type") == "free_text":
        return 60
    longest = max([len(name), len(str(spec.get("label", ""))), *(len(x) for x in labels)])
    return float(min(max(longest + 2, 12), 50))


def build_proforma(
    prison: str | None = None,
    *,
    rows: int = DEFAULT_ROWS,
    valid_date_range=("2015-01-01", "2030-12-31"),
):
    """The blank workbook (an openpyxl Workbook) with validation on ``rows`` data rows."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.workbook.defined_name import DefinedName
    from openpyxl.worksheet.datavalidation import DataValidation

    if rows < 1:
        raise ValueError("rows must be at least 1")
    date_range = tuple(dt.date.fromisoformat(str(d)) for d in valid_date_range)
    rules = column_rules(valid_date_range)
    sheets = codebook.case_tracker_sheets()

    workbook = Workbook()
    workbook.remove(workbook.active)
    title = f"Case tracker: {prison}" if prison else "Case tracker"
    workbook.properties.title = title
    workbook.properties.creator = "evaluation proforma"
    workbook.properties.created = FIXED_TIME
    workbook.properties.modified = FIXED_TIME

    header_font = Font(bold=True)
    header_fill = PatternFill("solid", start_color="DDDDDD", end_color="DDDDDD")
    lists = {}
    for rule in rules:
        if rule.list_name and rule.list_name not in lists:
            lists[rule.list_name] = rule.labels

    last_row = rows + 1
    for sheet_name, sheet_spec in sheets.items():
        ws = workbook.create_sheet(sheet_name)
        columns = sheet_spec["columns"]
        ws.append(list(columns))
        for rule in (r for r in rules if r.sheet == sheet_name):
            spec = columns[rule.column]
            cell = ws[f"{rule.letter}1"]
            cell.font, cell.fill = header_font, header_fill
            cell.alignment = Alignment(vertical="top")
            note = f"{spec.get('label', rule.column)}: {' '.join(str(spec.get('description', '')).split())}"
            cell.comment = Comment(note, "codebook", width=300, height=120)
            ws.column_dimensions[rule.letter].width = _width(rule.column, spec, rule.labels)
            if rule.kind == "date":
                ws.column_dimensions[rule.letter].number_format = DATE_FORMAT
            kwargs = {
                "sqref": f"{rule.letter}2:{rule.letter}{last_row}",
                "allow_blank": True,
                "showInputMessage": True,
                "promptTitle": str(spec.get("label", rule.column))[:PROMPT_TITLE_LIMIT],
                "prompt": _prompt(spec, rule, date_range),
            }
            if rule.kind == "any":
                validation = DataValidation(**kwargs)
            else:
                error_title, error = _error(rule, date_range)
                kwargs.update(
                    showErrorMessage=True, errorStyle="stop", errorTitle=error_title, error=error
                )
                if rule.kind == "list":
                    formula = (
                        f"list_{rule.list_name}"
                        if rule.list_name
                        else '"' + ",".join(rule.labels) + '"'
                    )
                    validation = DataValidation(type="list", formula1=formula, **kwargs)
                elif rule.kind == "whole":
                    validation = DataValidation(
                        type="whole",
                        operator="between",
                        formula1=str(rule.minimum),
                        formula2=str(rule.maximum),
                        **kwargs,
                    )
                else:
                    validation = DataValidation(
                        type="date",
                        operator="between",
                        formula1=str(_excel_serial(date_range[0])),
                        formula2=str(_excel_serial(date_range[1])),
                        **kwargs,
                    )
            ws.add_data_validation(validation)
        ws.freeze_panes = "A2"

    if lists:
        ws = workbook.create_sheet(LISTS_SHEET)
        for index, (name, labels) in enumerate(lists.items()):
            letter = column_letter(index)
            ws[f"{letter}1"] = name
            ws[f"{letter}1"].font = header_font
            for offset, label in enumerate(labels, start=2):
                ws[f"{letter}{offset}"] = label
            ws.column_dimensions[letter].width = _width(name, {}, labels)
            reference = f"'{LISTS_SHEET}'!${letter}$2:${letter}${len(labels) + 1}"
            workbook.defined_names[f"list_{name}"] = DefinedName(
                f"list_{name}", attr_text=reference
            )
        ws.sheet_state = "hidden"
    workbook.active = 0
    return workbook


def proforma_bytes(workbook) -> bytes:
    """The workbook as .xlsx bytes with fixed time stamps (byte-identical across runs)."""
    return workbook_bytes(
        workbook, FIXED_TIME, document_dates=("created", "modified"), permissions=0o644
    )


def write_proforma(
    path: str | Path,
    prison: str | None = None,
    *,
    rows: int = DEFAULT_ROWS,
    valid_date_range=("2015-01-01", "2030-12-31"),
) -> Path:
    """Write the blank case-tracker workbook to ``path`` (.xlsx) and return the path."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise ValueError(f"'{path}' must end in .xlsx")
    workbook = build_proforma(prison, rows=rows, valid_date_range=valid_date_range)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(proforma_bytes(workbook))
    return path
