"""Tidy output tables: percentages, rounding and deterministic, safe CSV writing.

Every published table is a tidy frame with the columns of ``TIDY_COLUMNS``
(``item`` only where a table stacks several items). Percentages are computed
from counts here and nowhere else, rounding half away from zero.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd

TIDY_COLUMNS = ["row", "column", "n", "denominator", "pct"]
STACKED_COLUMNS = ["item", *TIDY_COLUMNS]
TOTAL = "Total"

#: Leading characters that make a spreadsheet treat text as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def round_half_away(value: float | None, digits: int = 1) -> float | None:
    """Round half away from zero (2.25 -> 2.3, 0.5 -> 1), not Python's half-even."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    quantum = Decimal(1).scaleb(-digits)
    return float(Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP))


def percent(n, denominator, digits: int = 1) -> float | None:
    """100 * n / denominator rounded half away from zero; None for an empty base."""
    if n is None or denominator is None or pd.isna(n) or pd.isna(denominator) or denominator == 0:
        return None
    return round_half_away(100.0 * float(n) / float(denominator), digits)


def add_percentages(frame: pd.DataFrame) -> pd.DataFrame:
    """Fill ``pct`` from ``n`` and ``denominator`` (one decimal)."""
    out = frame.copy()
    out["pct"] = [percent(n, d) for n, d in zip(out["n"], out["denominator"], strict=True)]
    return out


def escape_formula(value):
    """Prefix text that a spreadsheet would run as a formula with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def format_cell(value) -> str:
    """One CSV cell: integers without '.0', floats with up to 6 significant decimals."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.6g}" if abs(value) < 1e6 else repr(value)
    return str(escape_formula(str(value)))


def write_csv(frame: pd.DataFrame, path: str | Path) -> None:
    """Write a table as UTF-8 CSV with stable formatting and formula escaping."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    formatted = frame.astype(object).apply(lambda col: col.map(format_cell))
    formatted.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def read_csv(path: str | Path) -> pd.DataFrame:
    """Read a table written by :func:`write_csv` (text columns stay text)."""
    frame = pd.read_csv(
        path,
        dtype={"row": "string", "column": "string", "item": "string"},
        keep_default_na=False,
        na_values=[""],
        low_memory=False,  # one dtype per column, however long the file
    )
    return frame
