"""Dates as researchers type them: Excel dates, Excel serial numbers, UK day-first text.

``03/11/2021`` is 3 November 2021; ``3.11.21`` and ``2021-11-03`` are the
same day. Used by the qualitative and activity-diary readers.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

EXCEL_EPOCH = dt.date(1899, 12, 30)
_DAY_FIRST = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{2}|\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$")
_SERIAL = re.compile(r"^\d{5}(?:\.0+)?$")
_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for m in names
}
_WORDY = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]+)\.?,?\s+(\d{4})$")


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        year += 2000 if year <= 69 else 1900
    return year


def parse_date(value) -> dt.date | None:
    """The day a raw value stands for; None when blank; ValueError when unreadable."""
    if value is None:
        return None
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise ValueError("not a date")
    if isinstance(value, int | float):
        if isinstance(value, float) and pd.isna(value):
            return None
        if not 1 <= value < 2958466:
            raise ValueError("not a date")
        return EXCEL_EPOCH + dt.timedelta(days=int(value))
    text = str(value).strip()
    if not text:
        return None
    if _SERIAL.match(text):
        return EXCEL_EPOCH + dt.timedelta(days=int(float(text)))
    if m := _DAY_FIRST.match(text):
        day, month, year = int(m.group(1)), int(m.group(2)), _year(m.group(3))
    elif m := _ISO.match(text):
        year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    elif (m := _WORDY.match(text)) and m.group(2).lower() in _MONTHS:
        day, month, year = int(m.group(1)), _MONTHS[m.group(2).lower()], int(m.group(3))
    else:
        raise ValueError("not a date")
    return dt.date(year, month, day)
