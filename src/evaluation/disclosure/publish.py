"""Protect every output of a run together: tables, key facts and the numbers of the prose.

:func:`protect_outputs` is the one place where computed results become
publishable: it registers them all in one release, chooses the suppression
over the whole release (or only flags small counts when ``min_cell`` is
null), audits the result as an intruder would and returns the protected
frames and context files with one log entry per output.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import pandas as pd

from evaluation.core.formatting import SUPPRESSED
from evaluation.core.tidy import TOTAL
from evaluation.disclosure import EXEMPT, FAIL, PASS, REVIEW, DisclosureSettings
from evaluation.disclosure.model import CellKey, Release, cell_key, describe
from evaluation.disclosure.release import (
    is_count_table,
    link_key_facts,
    link_report_numbers,
    link_tables,
    number_rules,
    protect_count_frame,
    protect_stats_frame,
    register_count_table,
    register_key_facts,
    register_report_numbers,
    register_stats_table,
)

#: Theme totals in the joint display: "<theme label> (<n> of <total> participants)".
JOINT_THEME = re.compile(r"(?P<label>[^;]+?) \((?P<n>\d+) of (?P<total>\d+) participants\)")
#: Marks a context number that no ``report_numbers`` rule declares: the report may not print it.
WITHHELD = "__withheld__"


@dataclass
class Protected:
    tables: dict[str, pd.DataFrame]
    key_facts: pd.DataFrame | None
    contexts: dict[str, dict]
    log: list[dict]
    suppression: object | None = None  # evaluation.disclosure.suppress.Suppression
    release: Release = field(default_factory=Release)

    @property
    def failures(self) -> list[dict]:
        return [entry for entry in self.log if entry["status"] == FAIL]


def build_release(
    tables: dict[str, pd.DataFrame],
    key_facts: pd.DataFrame | None,
    contexts: dict[str, dict],
    *,
    table_specs: dict,
    fact_specs: dict,
    report_numbers: dict,
    project_start=None,
    with_relations: bool = True,
) -> tuple[Release, dict[str, dict[str, CellKey | str]]]:
    """Every published number and (unless ``with_relations`` is False) the relations between them."""
    release = Release(with_relations=with_relations)
    rules = number_rules(report_numbers)
    context_keys, cell_links = {}, []
    for name in sorted(contexts):  # named populations first: tables refer to them
        context_keys[name], links = register_report_numbers(
            release, name, contexts[name], rules.get(name, [])
        )
        cell_links += links
    for output in sorted(tables):
        frame, spec = tables[output], table_specs.get(output, {})
        if spec.get("disclosure") == "exempt":
            release.exempt[output] = spec.get("disclosure_reason", "")
        elif is_count_table(frame):
            register_count_table(release, output, frame, spec)
        else:
            register_stats_table(release, output, frame, spec)
    if key_facts is not None:
        register_key_facts(release, key_facts, fact_specs)
        link_key_facts(release, key_facts, fact_specs)
    link_tables(release, tables, table_specs, project_start)
    link_report_numbers(release, cell_links)  # the tables' cells are registered now
    _register_qualitative(release, tables, table_specs)
    return release, context_keys


def _register_qualitative(
    release: Release, tables: dict[str, pd.DataFrame], table_specs: dict | None = None
) -> None:
    """Joint display theme totals and theme-list counts = theme matrix row sums;
    quotes bound the matrix from below."""
    matrix = tables.get("theme_matrix")
    if matrix is None:
        return
    by_theme: dict[str, list[CellKey]] = {}
    for row, column in matrix[["row", "column"]].astype(str).itertuples(index=False):
        by_theme.setdefault(row, []).append(cell_key("theme_matrix", row, column))
    for output, spec in (table_specs or {}).items():
        listed = tables.get(output)
        if not spec.get("theme_list") or listed is None or output in release.exempt:
            continue
        for row, column in listed[["row", "column"]].astype(str).itertuples(index=False):
            key = cell_key(output, row, column)
            if row in by_theme and key in release.values:
                release.sum_to(by_theme[row], key, f"theme list {output}: {row}")
    joint = tables.get("joint_display")
    if joint is not None and "themes" in joint.columns:
        for text in joint["themes"].dropna().astype(str):
            for found in JOINT_THEME.finditer(text):
                label = found["label"].strip()
                if label not in by_theme:
                    continue
                key = release.add(cell_key("joint_display", label, TOTAL), found["n"])
                release.sum_to(by_theme[label], key, f"joint display: {label}")
                base = release.add(
                    cell_key("joint_display", label, TOTAL, "denominator"), found["total"]
                )
                size = int(found["total"])
                release.equal(base, release.hidden(f"size={size}", TOTAL, size), "participants")
    quotes = tables.get("quote_bank")
    if quotes is not None and {"theme", "group", "participant"} <= set(quotes.columns):
        distinct = quotes.drop_duplicates(["theme", "group", "participant"])
        for (theme, group), part in distinct.groupby(["theme", "group"], sort=True):
            key = cell_key("theme_matrix", str(theme), str(group))
            if key in release.values:
                release.add_lower_bound(key, len(part), f"quote bank: {theme} / {group}")


def _entry(output: str, cells: list[CellKey], release: Release, result, settings) -> dict:
    flagged = [k for k in cells if 0 < release.values[k] < settings.review_threshold]
    entry = {
        "output": output,
        "cells": len(cells),
        "flagged": len(flagged),
        "suppressed_primary": 0,
        "suppressed_secondary": 0,
        "min_cell": settings.min_cell,
        "review_threshold": settings.review_threshold,
    }
    if result is None:
        entry["status"] = REVIEW if flagged else PASS
        entry["audit"] = {"checked": False, "reason": "min_cell is null: small counts flagged only"}
        return entry
    mine = set(cells)
    suppressed = sorted(mine & result.suppressed)
    intervals = {k: result.intervals[k] for k in suppressed}
    narrow = [k for k in result.narrow if k in mine]
    small = [k for k in result.small_visible if k in mine]
    widths = [i.width for i in intervals.values()]
    entry.update(
        suppressed_primary=len(mine & result.primary),
        suppressed_secondary=len(mine & result.secondary),
        audit={
            "checked": True,
            "suppressed_cells": len(suppressed),
            "narrowest_interval": (
                None if not widths else (None if math.isinf(min(widths)) else min(widths))
            ),
            "narrow_cells": [describe(k) for k in narrow],
            "small_unsuppressed": [describe(k) for k in small],
        },
        status=FAIL if narrow or small else PASS,
    )
    return entry


def protect_outputs(
    tables: dict[str, pd.DataFrame],
    key_facts: pd.DataFrame | None,
    contexts: dict[str, dict],
    settings: DisclosureSettings,
    *,
    table_specs: dict,
    fact_specs: dict,
    report_numbers: dict,
    suppressed: set[CellKey] | None = None,
    project_start=None,
) -> Protected:
    """Protect the whole release; ``suppressed`` audits a given choice instead of searching."""
    release, context_keys = build_release(
        tables,
        key_facts,
        contexts,
        table_specs=table_specs,
        fact_specs=fact_specs,
        report_numbers=report_numbers,
        project_start=project_start,
        with_relations=settings.min_cell is not None,  # flags need the cells only
    )
    from evaluation.disclosure.suppress import audit_suppression, choose_suppression

    if settings.min_cell is None:
        result = None
        hidden: set[CellKey] = set()
    elif suppressed is not None:
        result = audit_suppression(release, suppressed, settings.min_cell)
        hidden = set(suppressed)
    else:
        result = choose_suppression(release, settings.min_cell)
        hidden = result.suppressed
    by_output: dict[str, list[CellKey]] = {}
    for key in sorted(release.published):
        by_output.setdefault(key[0], []).append(key)
    out_tables, log = {}, []
    for output in sorted(tables):
        frame, spec = tables[output], table_specs.get(output, {})
        if output in release.exempt:
            out_tables[output] = frame
            log.append(
                {
                    "output": output,
                    "cells": int(frame.size),
                    "flagged": 0,
                    "suppressed_primary": 0,
                    "suppressed_secondary": 0,
                    "min_cell": settings.min_cell,
                    "review_threshold": settings.review_threshold,
                    "status": EXEMPT,
                    "reason": release.exempt[output],
                    "audit": {"checked": False, "reason": "exempt"},
                }
            )
            continue
        if result is None:
            out_tables[output] = frame
        elif is_count_table(frame):
            out_tables[output] = protect_count_frame(frame, output, hidden)
        else:
            out_tables[output] = protect_stats_frame(frame, output, spec, hidden)
        log.append(_entry(output, by_output.get(output, []), release, result, settings))
    if "joint_display" in out_tables and result is not None:
        out_tables["joint_display"] = _protect_joint_display(out_tables["joint_display"], hidden)
    facts = key_facts
    if key_facts is not None:
        if result is not None:
            facts = protect_count_frame(
                key_facts.rename(columns={"fact": "row"}), "key_facts", hidden
            ).rename(columns={"row": "fact"})
        log.append(_entry("key_facts", by_output.get("key_facts", []), release, result, settings))
    out_contexts = {}
    for name, data in contexts.items():
        out_contexts[name] = _protect_context(data, context_keys[name], hidden)
        output = f"report:{name}"
        log.append(_entry(output, by_output.get(output, []), release, result, settings))
    return Protected(
        out_tables, facts, out_contexts, sorted(log, key=lambda e: e["output"]), result, release
    )


def protect_theme_counts(text: str, hidden: set[CellKey]) -> str:
    """Theme totals written into text ("Label (9 of 26 participants)") with suppressed ones marked."""

    def replace(found: re.Match) -> str:
        label = found["label"]
        key = cell_key("joint_display", label.strip(), TOTAL)
        base = cell_key("joint_display", label.strip(), TOTAL, "denominator")
        n = SUPPRESSED if key in hidden else found["n"]
        total = SUPPRESSED if base in hidden else found["total"]
        return f"{label} ({n} of {total} participants)"

    return JOINT_THEME.sub(replace, text)


def _protect_joint_display(frame: pd.DataFrame, hidden: set[CellKey]) -> pd.DataFrame:
    out = frame.copy()
    out["themes"] = [
        t if not isinstance(t, str) else protect_theme_counts(t, hidden) for t in out["themes"]
    ]
    return out


def _protect_context(data, keys: dict[str, CellKey | str], hidden: set[CellKey], prefix=""):
    """The context with suppressed counts as ``[c]`` and undeclared numbers withheld."""
    if isinstance(data, dict):
        return {
            k: _protect_context(v, keys, hidden, f"{prefix}.{k}" if prefix else str(k))
            for k, v in data.items()
        }
    if isinstance(data, list):
        return [_protect_context(v, keys, hidden, f"{prefix}.{i}") for i, v in enumerate(data)]
    if isinstance(data, str):
        return protect_theme_counts(data, hidden) if "participants)" in data else data
    if isinstance(data, bool) or not isinstance(data, int | float):
        return data
    key = keys.get(prefix, "undeclared")
    if key == "undeclared":
        return {WITHHELD: prefix}
    if isinstance(key, tuple) and key and key[0] == "follows":
        sources = [k for k in key[1:] if isinstance(k, tuple)]
        if len(sources) < 2 and not all(isinstance(k, tuple) for k in key[1:]):
            return {WITHHELD: prefix}  # follows a number that is not itself a count
        return SUPPRESSED if any(k in hidden for k in sources) else data
    if isinstance(key, tuple) and key in hidden:
        return SUPPRESSED
    return data
