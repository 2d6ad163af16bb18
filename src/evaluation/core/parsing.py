"""Parsers for raw cell values: dates, whole numbers and sentence lengths.

Each parser takes one raw cell (as a spreadsheet or CSV reader returns it)
and returns ``(value, problem)``: the parsed value, or ``None`` and a short
description of what was expected. Callers turn problems into findings with
the file, sheet, row and column. Blank cells are ``(None, None)``: missing,
never zero.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from evaluation.core import codebook

#: Day 0 of Excel's 1900 date system (serial 1 = 1900-01-01, with the 1900 leap-year bug).
EXCEL_EPOCH = dt.date(1899, 12, 30)
#: Serial numbers accepted as dates: 1954-10-03 .. 2119-01-23; anything else is not a date.
SERIAL_RANGE = (20000, 80000)

DATE_EXPECTED = "a date: an Excel date, or day-first text such as 03/11/2021, 3.11.21 or 2021-11-03"
_DAY_FIRST = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_TIME_SUFFIX = re.compile(r"[ T]00:00(:00(\.0+)?)?$")


def is_blank(value: object) -> bool:
    """True for an empty cell: None, NaN, or text of whitespace only."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def blank_cells(values) -> np.ndarray:
    """:func:`is_blank` for a whole column of raw cells, testing each distinct value once."""
    return _factorize(np.asarray(values, dtype=object))[3]


def _factorize(values: np.ndarray):
    """(value codes, distinct values, blank per distinct value, blank per cell).

    Nulls get code -1; ``1``, ``1.0`` and ``True`` share a code (they are equal).
    """
    value_codes, uniques = pd.factorize(values)
    blank_unique = np.fromiter(map(is_blank, uniques), dtype=bool, count=len(uniques))
    blank = np.append(blank_unique, False)[value_codes]
    nulls = value_codes == -1
    if nulls.any():
        blank[nulls] = _nulls_blank(values[nulls])
    return value_codes, uniques, blank_unique, blank


def _nulls_blank(nulls: np.ndarray) -> np.ndarray | bool:
    """is_blank of cells pandas counts as null: True for None and NaN (the usual case)."""
    if all(t is type(None) or issubclass(t, float) for t in set(map(type, nulls))):
        return True
    return np.fromiter(map(is_blank, nulls), dtype=bool, count=len(nulls))


@dataclass(frozen=True)
class DistinctCells:
    """A column of raw cells as codes into its distinct non-blank values.

    ``codes[i]`` indexes ``values`` for cell ``i`` and is -1 for a blank cell.
    Values are distinct by type as well as by value (``1``, ``1.0`` and
    ``True`` are three values), in order of first appearance, so each
    distinct raw value is parsed once and its result spread with :meth:`take`.
    """

    codes: np.ndarray
    values: list

    @property
    def blank(self) -> np.ndarray:
        return self.codes == -1

    def take(self, per_value, fill=None) -> np.ndarray:
        """Per-cell object array from one item per distinct value (``fill`` for blanks)."""
        items = np.empty(len(self.values) + 1, dtype=object)
        for index, item in enumerate(per_value):
            items[index] = item
        items[-1] = fill
        return items[self.codes]

    def without(self, rows: np.ndarray) -> DistinctCells:
        """The same column with the flagged rows removed."""
        return DistinctCells(codes=self.codes[~rows], values=self.values)

    def rows_where(self, per_value_flags) -> np.ndarray:
        """Boolean per cell: its distinct value is flagged (never for blanks)."""
        flags = np.append(np.asarray(per_value_flags, dtype=bool), False)
        return flags[self.codes]


def distinct_cells(values) -> DistinctCells:
    """Group a column of raw cells by distinct (type, value); blanks get code -1."""
    values = np.asarray(values, dtype=object)
    value_codes, uniques, blank_unique, blank = _factorize(values)
    filled = values[~blank]
    codes = np.full(len(values), -1, dtype=np.int64)
    if len(set(map(type, filled))) <= 1 and (value_codes[~blank] >= 0).all():
        # one type and no null-like values: the factorized values are the distinct values
        codes[~blank] = (np.cumsum(~blank_unique) - 1)[value_codes[~blank]]
        return DistinctCells(codes=codes, values=list(uniques[~blank_unique]))
    type_codes, types = pd.factorize(np.fromiter(map(type, filled), dtype=object))
    distinct_codes, _ = pd.factorize(value_codes[~blank] * len(types) + type_codes)
    _, first_positions = np.unique(distinct_codes, return_index=True)
    codes[~blank] = distinct_codes
    return DistinctCells(codes=codes, values=list(filled[first_positions]))


def cell_text(value: object) -> str:
    """A cell's value as the user sees it: whole numbers without '.0', dates as dd/mm/yyyy."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return f"{value:%d/%m/%Y}"
    return str(value).strip()


def _from_serial(number: float) -> tuple[dt.date | None, str | None]:
    if not float(number).is_integer() and number % 1 > 1e-6:
        number = math.floor(number)  # a time of day on the date
    if not SERIAL_RANGE[0] <= number <= SERIAL_RANGE[1]:
        return None, f"{DATE_EXPECTED} (the number {number:g} is not an Excel date serial)"
    return EXCEL_EPOCH + dt.timedelta(days=int(number)), None


def parse_date(value: object) -> tuple[dt.date | None, str | None]:
    """A date from an Excel date, an Excel serial number or UK day-first text."""
    if is_blank(value):
        return None, None
    if isinstance(value, dt.datetime):
        return value.date(), None
    if isinstance(value, dt.date):
        return value, None
    if isinstance(value, bool):
        return None, DATE_EXPECTED
    if isinstance(value, int | float):
        return _from_serial(float(value))
    text = _TIME_SUFFIX.sub("", str(value).strip())
    try:
        if match := _ISO.match(text):
            year, month, day = (int(g) for g in match.groups())
            return dt.date(year, month, day), None
        if match := _DAY_FIRST.match(text):
            day, month, year = (int(g) for g in match.groups())
            if year < 100:
                year += 2000
            if month > 12:
                return (
                    None,
                    f"{DATE_EXPECTED} (dates are read day first: there is no month {month})",
                )
            return dt.date(year, month, day), None
    except ValueError:
        return None, f"{DATE_EXPECTED} (no such day)"
    if text.isdigit():
        return _from_serial(float(text))
    return None, DATE_EXPECTED


def parse_integer(
    value: object, low: int | None = None, high: int | None = None
) -> tuple[int | None, str | None]:
    """A whole number, optionally within [low, high]; '3', 3.0 and ' 3 ' are all 3."""
    expected = "a whole number" + (
        f" from {low} to {high}" if low is not None and high is not None else ""
    )
    if is_blank(value):
        return None, None
    if isinstance(value, bool):
        return None, expected
    if isinstance(value, int | float):
        number = float(value)
    else:
        try:
            number = float(str(value).strip())
        except ValueError:
            return None, expected
    if not number.is_integer():
        return None, expected
    result = int(number)
    if (low is not None and result < low) or (high is not None and result > high):
        return None, expected
    return result, None


_SENTENCE_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]+)")


def _sentence_rules() -> tuple[set[str], dict[str, str], dict[str, float]]:
    spec = codebook.load_codebook()["case_tracker"]["sentence_length"]
    indeterminate = {codebook.normalise_text(w) for w in spec["indeterminate"]}
    unit_of = {word: unit for unit, words in spec["units"].items() for word in words}
    return indeterminate, unit_of, spec["units_per_year"]


SENTENCE_EXPECTED = (
    "a sentence length such as '18 months', '2 years 6 months', '2y 6m', '16 weeks', "
    "or 'Life' / 'IPP' / 'Indeterminate'"
)


def parse_sentence(value: object) -> tuple[tuple[float | None, bool] | None, str | None]:
    """Sentence text to ``(months, indeterminate)``; months is None when indeterminate."""
    if is_blank(value):
        return None, None
    indeterminate, unit_of, per_year = _sentence_rules()
    text = codebook.normalise_text(value)
    if text in indeterminate:
        return (None, True), None
    compact = text.replace(",", " ").replace(" and ", " ")
    parts = _SENTENCE_PART.findall(compact)
    leftover = _SENTENCE_PART.sub("", compact).strip()
    if not parts or leftover:
        return None, SENTENCE_EXPECTED
    months = 0.0
    for number, word in parts:
        unit = unit_of.get(word)
        if unit is None:
            return None, SENTENCE_EXPECTED
        months += float(number) * 12.0 / per_year[unit]
    return (round(months, 4), False), None
