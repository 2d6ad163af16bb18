"""The published figures the generators build towards, read from ``targets.yaml``.

The figures are written down once, in ``targets.yaml`` next to this file; the
tests read the same file (``tests/reference_figures.py``).
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

import yaml

TARGETS_FILE = Path(__file__).with_name("targets.yaml")


def _check_keys(node, where: str = "targets") -> None:
    """Every mapping key must be text: an unquoted Yes, No or 0 would silently become a bool or int."""
    if isinstance(node, dict):
        for key, value in node.items():
            if not isinstance(key, str):
                raise ValueError(f"{TARGETS_FILE.name}: {where}: key {key!r} is not text; quote it")
            _check_keys(value, f"{where}.{key}")
    elif isinstance(node, list):
        for item in node:
            _check_keys(item, where)


@cache
def load() -> dict:
    """The whole targets file (do not modify the result)."""
    with TARGETS_FILE.open(encoding="utf-8") as handle:
        targets = yaml.safe_load(handle)
    _check_keys(targets)
    return targets


def cut(name: str) -> dt.date:
    """A cut-off date of the published reports: ``interim`` or ``final``."""
    return dt.date.fromisoformat(load()["cuts"][name])


def interim_table(table_id: str, *, implied: bool = False) -> dict[str, dict[str, int]]:
    """A published interim case-tracker table: row -> {column: n} (published columns only).

    With ``implied``, the rows the published ones imply are zero follow, with 0s.
    """
    table = load()["case_tracker_interim"]["tables"][table_id]
    rows = {
        row: dict(zip(table["columns"], counts, strict=True))
        for row, counts in table["rows"].items()
    }
    if implied:
        rows |= {row: dict.fromkeys(table["columns"], 0) for row in table.get("implied_zero", [])}
    return rows


def interim_counts(table_id: str, column: str) -> dict[str, int]:
    """One published column of an interim table: label -> n, rows with no mothers left out."""
    return {
        row: counts[column] for row, counts in interim_table(table_id).items() if counts[column]
    }


def mothers(cut_name: str) -> dict[str, int]:
    """Mothers counted at a cut: prison (and Total) -> n."""
    return dict(load()[f"case_tracker_{cut_name}"]["mothers"])


def final_fact(name: str) -> int:
    """The n of a key fact of the final cut (published or implied by the published ones)."""
    final = load()["case_tracker_final"]
    facts = {**final["facts"], **final["implied_facts"]}
    return facts[name][0]
