"""Number formatting for prose and tables, stated once.

Rules: counts as whole numbers with thousands separators; percentages
computed from counts, rounded half away from zero to whole numbers in prose
and tables (the CSV files keep one decimal); "n (p%)" for a count with its
percentage; dates as "31 May 2022". Percentages of an empty base are shown
as an en dash.
"""

from __future__ import annotations

import datetime as dt
import math

from evaluation.core.tidy import round_half_away

DASH = "\u2013"


def _numeric(value):
    """A number from a number or from text already formatted here ('1,234')."""
    return float(value.replace(",", "")) if isinstance(value, str) else value


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value == ""


def _suppressed(*values) -> bool:
    """A number the disclosure control suppressed (published as the mark)."""
    return any(isinstance(v, str) and v == SUPPRESSED for v in values)


def number(value, digits: int = 0) -> str:
    """A number rounded half away from zero: 1234 -> '1,234', number(4.25, 1) -> '4.3'."""
    if _suppressed(value):
        return SUPPRESSED
    if _missing(value):
        return DASH
    rounded = round_half_away(float(_numeric(value)), digits)
    return f"{rounded:,.{digits}f}"


def count(value) -> str:
    return number(value, 0)


def pct_of(n, denominator, digits: int = 0) -> str:
    """Percentage of a count, computed from the counts: pct_of(14, 35) -> '40%'."""
    if _suppressed(n, denominator):
        return SUPPRESSED
    if _missing(n) or _missing(denominator) or float(denominator) == 0:
        return DASH
    return number(100.0 * float(n) / float(denominator), digits) + "%"


def pct(value, digits: int = 0) -> str:
    """A percentage already computed: pct(40.0) -> '40%'."""
    if _suppressed(value):
        return SUPPRESSED
    return DASH if _missing(value) else number(value, digits) + "%"


def count_pct(n, denominator) -> str:
    """'14 (40%)'; a suppressed count shows as the suppression mark."""
    if _missing(n) or _suppressed(n):
        return SUPPRESSED
    if _suppressed(denominator):
        return count(n)
    return f"{count(n)} ({pct_of(n, denominator)})"


def plural(n, singular: str, plural_form: str | None = None) -> str:
    """'1 mother', '3 mothers', '0 mothers'."""
    word = (
        singular
        if not _missing(n) and not _suppressed(n) and float(_numeric(n)) == 1
        else (plural_form or singular + "s")
    )
    return f"{count(n)} {word}"


def date(value) -> str:
    """ISO date text or a date -> '31 May 2022'."""
    if _missing(value):
        return DASH
    day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
    return f"{day.day} {day:%B %Y}"


#: Shown in place of a suppressed count.
SUPPRESSED = "[c]"


def and_list(items) -> str:
    """'A', 'A and B', 'A, B and C'."""
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
