"""Statistical disclosure control: every published table and key fact passes through here.

Two settings (config ``disclosure:``):

- ``min_cell: null`` (default): nothing is changed; counts from 1 to
  ``review_threshold - 1`` are flagged for a person to review before any
  release.
- ``min_cell: k``: counts from 1 to k-1 are suppressed (primary suppression),
  then further cells are suppressed (secondary, complementary suppression)
  until no suppressed count can be recovered by subtraction from a row or
  column total; percentages of suppressed cells, and everything based on a
  suppressed base, are suppressed too.

Recovery routes that are checked, per table (and per item of stacked tables):

- across a row: the prisons' counts add up to the ``Total`` column;
- down a column: when the column's counts add up to its denominator (a
  single-response table), the denominator is a known total.

Each output gets a log entry in the style of ACRO's results file: cells,
cells flagged, cells suppressed (primary / secondary), and a status
``pass`` / ``review`` / ``fail``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from evaluation.tidy import TOTAL, percent

PASS, REVIEW, FAIL = "pass", "review", "fail"
#: Columns of statistics tables that count people (a row on fewer than k people is suppressed).
COUNT_COLUMNS = {"n", "pairs"}


@dataclass(frozen=True)
class DisclosureSettings:
    min_cell: int | None = None
    review_threshold: int = 5

    @classmethod
    def from_config(cls, disclosure: dict | None) -> DisclosureSettings:
        disclosure = disclosure or {}
        return cls(disclosure.get("min_cell"), int(disclosure.get("review_threshold", 5)))


def _small(values: pd.Series, limit: int) -> pd.Series:
    numeric = pd.to_numeric(values, errors="coerce")
    return (numeric > 0) & (numeric < limit)


def _groups(frame: pd.DataFrame) -> list[pd.Index]:
    """Index sets that are suppressed together: one per item of a stacked table, else the whole table."""
    if "item" in frame.columns:
        return [idx for _, idx in frame.groupby("item", sort=False).groups.items()]
    return [frame.index]


def _lines(part: pd.DataFrame) -> list[pd.Index]:
    """Sets of cells whose counts add up to a published total (rows across prisons; closed columns)."""
    lines = []
    columns = set(part["column"])
    if TOTAL in columns and len(columns) > 2:
        for _, row in part.groupby("row", sort=False):
            lines.append(row.index)  # prisons + Total: any one is the others' difference
    for _, column in part.groupby("column", sort=False):
        n = pd.to_numeric(column["n"], errors="coerce")
        base = pd.to_numeric(column["denominator"], errors="coerce")
        if (
            len(column) > 1
            and base.notna().all()
            and base.nunique() == 1
            and n.sum() == base.iloc[0]
        ):
            lines.append(column.index)  # rows add up to the (published) denominator
    return lines


def _secondary(part: pd.DataFrame, suppressed: pd.Series) -> pd.Series:
    """Suppress more cells until no line holds exactly one suppressed cell."""
    suppressed = suppressed.copy()
    n = pd.to_numeric(part["n"], errors="coerce").fillna(0)
    lines = _lines(part)
    changed = True
    while changed:
        changed = False
        for line in lines:
            hidden = suppressed.loc[line]
            if hidden.sum() == 1:
                candidates = n.loc[line][~hidden]
                if candidates.empty:
                    continue
                # the smallest other cell, preferring non-zero counts (deterministic: first in order)
                nonzero = candidates[candidates > 0]
                pick = (nonzero if len(nonzero) else candidates).idxmin()
                suppressed.loc[pick] = True
                changed = True
    return suppressed


def recoverable(frame: pd.DataFrame, suppressed: pd.Series) -> list[int]:
    """Suppressed cells that a single subtraction would reveal (should be empty)."""
    found = []
    for group in _groups(frame):
        part = frame.loc[group]
        for line in _lines(part):
            hidden = suppressed.loc[line]
            if hidden.sum() == 1:
                found.extend(hidden[hidden].index.tolist())
    return found


def protect_count_table(
    frame: pd.DataFrame, settings: DisclosureSettings, output: str
) -> tuple[pd.DataFrame, dict]:
    """Flag or suppress a tidy count table (row, column, n, denominator, pct[, item])."""
    flagged = _small(frame["n"], settings.review_threshold)
    entry = {
        "output": output,
        "cells": int(len(frame)),
        "flagged": int(flagged.sum()),
        "suppressed_primary": 0,
        "suppressed_secondary": 0,
    }
    if settings.min_cell is None:
        entry["status"] = REVIEW if flagged.any() else PASS
        return frame, entry
    k = settings.min_cell
    primary = _small(frame["n"], k) | _small(frame["denominator"], k)
    suppressed = primary.copy()
    for group in _groups(frame):
        suppressed.loc[group] = _secondary(frame.loc[group], primary.loc[group])
    out = frame.copy()
    out["n"] = out["n"].astype("object").where(~suppressed, None)
    small_base = _small(frame["denominator"], k)
    out["denominator"] = out["denominator"].astype("object").where(~small_base, None)
    out["pct"] = [
        None if s else percent(n, d)
        for s, n, d in zip(suppressed, frame["n"], frame["denominator"], strict=True)
    ]
    extra = [
        c
        for c in frame.columns
        if c not in {"item", "row", "column", "n", "denominator", "pct"}
        and pd.api.types.is_numeric_dtype(frame[c])
    ]
    for column in extra:  # e.g. confidence limits of a suppressed proportion
        out[column] = out[column].astype("object").where(~suppressed, None)
    entry["suppressed_primary"] = int(primary.sum())
    entry["suppressed_secondary"] = int((suppressed & ~primary).sum())
    entry["status"] = FAIL if recoverable(frame, suppressed) else PASS
    return out, entry


def protect_stats_table(
    frame: pd.DataFrame, settings: DisclosureSettings, output: str
) -> tuple[pd.DataFrame, dict]:
    """Tables of statistics with a count column ``n``: rows on fewer than k people lose their statistics."""
    entry = {
        "output": output,
        "cells": int(frame.size),
        "flagged": 0,
        "suppressed_primary": 0,
        "suppressed_secondary": 0,
    }
    count_columns = [c for c in frame.columns if c in COUNT_COLUMNS or c.startswith("n_")]
    if not count_columns:
        entry["status"] = PASS
        return frame, entry
    small_flag = pd.concat(
        [_small(frame[c], settings.review_threshold) for c in count_columns], axis=1
    ).any(axis=1)
    entry["flagged"] = int(small_flag.sum())
    if settings.min_cell is None:
        entry["status"] = REVIEW if small_flag.any() else PASS
        return frame, entry
    small = pd.concat([_small(frame[c], settings.min_cell) for c in count_columns], axis=1).any(
        axis=1
    )
    out = frame.copy()
    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    for column in numeric:
        out[column] = out[column].astype("object").where(~small, None)
    entry["suppressed_primary"] = int(small.sum())
    entry["status"] = PASS
    return out, entry


def protect_key_facts(
    frame: pd.DataFrame, settings: DisclosureSettings
) -> tuple[pd.DataFrame, dict]:
    """Key facts: each fact's Total and prison rows are a line (prisons add up to Total)."""
    pieces, entries = [], []
    for fact, part in frame.groupby("fact", sort=False):
        as_table = part.rename(columns={"fact": "row"})
        if part["denominator"].isna().all():  # distinct counts: prisons overlap, no line to protect
            as_table = as_table.assign(denominator=None)
        protected, entry = protect_count_table(as_table, settings, f"key_facts:{fact}")
        pieces.append(protected.rename(columns={"row": "fact"}))
        entries.append(entry)
    out = pd.concat(pieces, ignore_index=True) if pieces else frame
    summary = {
        "output": "key_facts",
        "cells": sum(e["cells"] for e in entries),
        "flagged": sum(e["flagged"] for e in entries),
        "suppressed_primary": sum(e["suppressed_primary"] for e in entries),
        "suppressed_secondary": sum(e["suppressed_secondary"] for e in entries),
        "status": FAIL
        if any(e["status"] == FAIL for e in entries)
        else REVIEW
        if any(e["status"] == REVIEW for e in entries)
        else PASS,
    }
    return out, summary


def protect(
    frame: pd.DataFrame, settings: DisclosureSettings, output: str
) -> tuple[pd.DataFrame, dict]:
    """The one entry point: choose the rule by the table's columns."""
    if output == "key_facts":
        return protect_key_facts(frame, settings)
    if {"row", "column", "n", "denominator", "pct"} <= set(frame.columns):
        return protect_count_table(frame, settings, output)
    return protect_stats_table(frame, settings, output)
