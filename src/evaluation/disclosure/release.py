"""Build the release from the computed outputs, protect it as a whole, write it back.

Every number that leaves the pipeline is registered here as a cell of a
:class:`~evaluation.disclosure.model.Release`:

- count tables (``row, column, n, denominator, pct[, item]``): each ``n`` and
  each denominator;
- tables of statistics: every count column (``n``, ``pairs``, ``n_*``,
  ``opened``, ``closed`` and those the codebook lists);
- key facts: ``n`` and ``denominator`` of every fact and group;
- numbers in the report's prose: every number of the strands' context files
  that the codebook's ``report_numbers`` declares (others are withheld);
- the joint display's theme totals.

Relations an intruder can use are derived from the outputs' shape (a Total
column is the sum of the groups; a single-response column adds up to its
base; a multi-response count is at most its base; denominators with the same
group and value are one population, so a group's size is one unknown however
many tables show it) and declared in the codebook where they cross outputs
(``relations`` of a table; ``same_as`` of a key fact; ``report_numbers``
links). Every relation is checked on the data when added.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import pandas as pd

from evaluation.core.tidy import TOTAL, percent
from evaluation.disclosure.model import CellKey, Release, cell_key

COUNT_TABLE_COLUMNS = {"row", "column", "n", "denominator", "pct"}
#: Count columns of statistics tables, besides ``n_*``.
STATS_COUNT_COLUMNS = {"n", "pairs", "opened", "closed"}
#: Columns that name a cell rather than hold a value.
KEY_COLUMNS = ("item", "row", "column", "comparison")


def is_count_table(frame: pd.DataFrame) -> bool:
    return set(frame.columns) >= COUNT_TABLE_COLUMNS


def population_key(column: str, value, scope: str = "") -> CellKey:
    """One group's population: every denominator of that group and size is one unknown.

    Merging by size is what an intruder may assume at worst: the same people
    counted as the base of several tables must have the same size, and two
    bases of equal size are treated as one (a safe over-statement).
    """
    return cell_key("population", f"size={int(value)}", column, "n", scope)


def _count(value) -> int | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
        return None
    return int(round(float(value)))


def _scope(spec: dict, item: str) -> str:
    """Populations are per item (valid answers differ by item) unless the spec says per wave."""
    return "" if spec.get("population_per_item") is False else item


# -- count tables ------------------------------------------------------------


def register_count_table(release: Release, output: str, frame: pd.DataFrame, spec: dict) -> None:
    """Cells, denominators and within-table relations of one tidy count table."""
    has_item = "item" in frame.columns
    relations = spec.get("relations", {}) or {}
    multi = relations.get("response") == "multi"
    for item, part in frame.groupby("item", sort=False) if has_item else [("", frame)]:
        item = str(item)
        scope = _scope(relations, item)
        columns = list(dict.fromkeys(part["column"].astype(str)))
        rows = list(dict.fromkeys(part["row"].astype(str)))
        cells: dict[tuple[str, str], CellKey] = {}
        bases: dict[tuple[str, str], CellKey] = {}
        for row, column, n, base in part[["row", "column", "n", "denominator"]].itertuples(
            index=False
        ):
            row, column = str(row), str(column)
            cells[(row, column)] = release.add(cell_key(output, row, column, "n", item), n)
            base = _count(base)
            if base is not None:
                key = release.add(cell_key(output, row, column, "denominator", item), base)
                pop = release.hidden(f"size={base}", column, base, scope)
                release.equal(key, pop, f"{output}: denominator of {column}")
                bases[(row, column)] = pop
        groups = [c for c in columns if c != TOTAL]
        if TOTAL in columns and groups:
            for row in rows:
                parts = [cells[(row, c)] for c in groups if (row, c) in cells]
                if (row, TOTAL) in cells:
                    release.sum_to(parts, cells[(row, TOTAL)], f"{output}: Total of {row!r}")
                if (row, TOTAL) in bases and all((row, c) in bases for c in groups):
                    pops = [bases[(row, c)] for c in groups]
                    if bases[(row, TOTAL)] not in pops or len(groups) == 1:
                        release.sum_to(
                            pops, bases[(row, TOTAL)], f"{output}: Total base of {row!r}"
                        )
        outside = set(relations.get("rows_outside_base", []))
        for column in columns:
            in_base = [r for r in rows if (r, column) in bases and r not in outside]
            nested_rows = {
                r for rel in relations.get("nested", []) for r in [rel["total"], *rel["parts"]]
            }
            if nested_rows:
                in_base = [r for r in in_base if r not in nested_rows]
            column_bases = {bases[(r, column)] for r in in_base}
            total = sum(release.values[cells[(r, column)]] for r in in_base)
            partition = (
                not multi
                and len(column_bases) == 1
                and in_base
                and total == release.values[next(iter(column_bases))]
            )
            if partition:
                release.sum_to(
                    [cells[(r, column)] for r in in_base],
                    next(iter(column_bases)),
                    f"{output}: rows of {column!r} add up to the base",
                )
            else:
                for r in in_base:
                    release.add_at_most(
                        cells[(r, column)], bases[(r, column)], f"{output}: count within base"
                    )
            for rel in relations.get("nested", []):
                if (rel["total"], column) in cells:
                    release.sum_to(
                        [cells[(p, column)] for p in rel["parts"] if (p, column) in cells],
                        cells[(rel["total"], column)],
                        f"{output}: {rel['total']!r} is the sum of its parts",
                    )
            respondents = relations.get("all_rows_within")
            if respondents and outside:
                # rows outside the base + the base (+ blanks) = the column's respondents
                base_key = next(iter(column_bases), None)
                named = release.values.get(named_key(respondents, column))
                if base_key is not None and named is not None:
                    used = release.values[base_key] + sum(
                        release.values[cells[(r, column)]] for r in rows if r in outside
                    )
                    slack = release.hidden(f"{output}:{item}:blank", column, named - used, "slack")
                    release.add_equality(
                        {
                            base_key: 1,
                            slack: 1,
                            named_key(respondents, column): -1,
                            **{cells[(r, column)]: 1 for r in rows if r in outside},
                        },
                        0,
                        f"{output}: answers, not-applicable and blanks make up the respondents",
                    )
        for name in relations.get("population_rows", []):  # a row that is a group's population
            for column in columns:
                if (name, column) in cells:
                    value = release.values[cells[(name, column)]]
                    release.equal(
                        cells[(name, column)],
                        release.hidden(f"size={value}", column, value, ""),
                        f"{output}: {name!r} is the population",
                    )


def named_key(name: str, column: str) -> CellKey:
    """A population named in the codebook (e.g. a survey's respondents per wave)."""
    return cell_key("population", f"named={name}", column, "n", "")


def link_tables(release: Release, tables: dict[str, pd.DataFrame], specs: dict, project_start=None):
    """Relations across tables the codebook declares (``relations`` of a table spec)."""
    for output in sorted(tables):
        relations = (specs.get(output) or {}).get("relations") or {}
        frame = tables[output]
        if "base_equals" in relations:  # this table's base is a sum of another table's rows
            rule = relations["base_equals"]
            other = tables[rule["table"]]
            for column in dict.fromkeys(frame["column"].astype(str)):
                bases = [
                    cell_key(output, r, column, "denominator")
                    for r in dict.fromkeys(frame["row"].astype(str))
                    if cell_key(output, r, column, "denominator") in release.values
                ]
                rows = [
                    r
                    for r in dict.fromkeys(other["row"].astype(str))
                    if r not in set(rule.get("all_rows_except", []))
                    and (not rule.get("rows") or r in rule["rows"])
                ]
                parts = [cell_key(rule["table"], r, column) for r in rows]
                if bases and all(p in release.values for p in parts):
                    release.sum_to(parts, bases[0], f"{output}: base = {rule['table']} rows")
        for source in relations.get("copy_of", []):  # the same cells shown again
            for key in [k for k in release.values if k[0] == output]:
                other = (source, *key[1:])
                if other in release.values:
                    release.equal(key, other, f"{output} repeats {source}")
        for rule in relations.get("equal_to", []):  # a cell that is another table's cell
            for key in [k for k in release.values if k[0] == output]:
                _, item, row, column, field = key
                if row == rule["row"] and field == rule.get("field", "n"):
                    other = cell_key(rule["table"], rule["table_row"], column, "n", item)
                    if other in release.values:
                        release.equal(key, other, f"{output} = {rule['table']}")
        if relations.get("completes_item_bases"):  # valid answers + missing rows = returned
            for (item, column), part in frame.groupby(["item", "column"], sort=False):
                base = _count(part["denominator"].iloc[0])
                if base is None:
                    continue
                missing = [
                    cell_key(output, r, str(column), "n", str(item))
                    for r in part["row"].astype(str)
                ]
                valid = base - sum(release.values[k] for k in missing)
                valid_key = release.hidden(f"size={valid}", str(column), valid, str(item))
                returned = release.hidden(f"size={base}", str(column), base, "")
                release.sum_to([valid_key, *missing], returned, f"{output}: {item} answers")
        if "quarter_sums" in relations and project_start is not None:
            rule = relations["quarter_sums"]
            field = rule["field"]
            target = rule["table"]
            sums: dict[tuple[str, str], list[CellKey]] = {}
            for key in [k for k in release.values if k[0] == output and k[4] == field]:
                quarter = quarter_label(key[2], project_start)
                sums.setdefault((quarter, key[3]), []).append(key)
            for (quarter, column), parts in sorted(sums.items()):
                other = cell_key(target, quarter, column)
                if other in release.values:
                    release.sum_to(parts, other, f"{output}: {field} by quarter = {target}")


def quarter_label(month: str, project_start) -> str:
    """``Q0`` before the project start, then Q1, Q2, ... for three-month periods from it."""
    start = pd.Timestamp(project_start)
    when = pd.Timestamp(f"{month}-01")
    if when < start.replace(day=1):
        return "Q0"
    months = (when.year - start.year) * 12 + when.month - start.month
    return f"Q{months // 3 + 1}"


# -- statistics tables -------------------------------------------------------


def _stats_key_columns(frame: pd.DataFrame) -> tuple[str | None, list[str], str | None]:
    item = "item" if "item" in frame.columns else None
    rows = [c for c in ("row", "comparison") if c in frame.columns]
    column = "column" if "column" in frame.columns else None
    return item, rows, column


def stats_count_columns(frame: pd.DataFrame, spec: dict) -> list[str]:
    declared = set((spec.get("relations") or {}).get("count_columns", []))
    return [
        c
        for c in frame.columns
        if (c in STATS_COUNT_COLUMNS or c.startswith("n_") or c in declared)
        and pd.api.types.is_numeric_dtype(frame[c])
    ]


def _stats_cell(frame_row, item_col, row_cols, column_col, output, field) -> CellKey:
    item = str(frame_row[item_col]) if item_col else ""
    row = " / ".join(str(frame_row[c]) for c in row_cols)
    column = str(frame_row[column_col]) if column_col else ""
    return cell_key(output, row, column, field, item)


def register_stats_table(release: Release, output: str, frame: pd.DataFrame, spec: dict) -> None:
    """Count columns of a statistics table, with their Total and declared relations."""
    counts = stats_count_columns(frame, spec)
    relations = spec.get("relations", {}) or {}
    item_col, row_cols, column_col = _stats_key_columns(frame)
    keys: dict[tuple, CellKey] = {}
    for _, frame_row in frame.iterrows():
        for field in counts:
            value = _count(frame_row[field])
            if value is None:
                continue
            key = _stats_cell(frame_row, item_col, row_cols, column_col, output, field)
            release.add(key, value)
            keys[key[1:]] = key
    if column_col:
        columns = list(dict.fromkeys(frame[column_col].astype(str)))
        groups = [c for c in columns if c != TOTAL]
        if TOTAL in columns and groups:
            for (item, row, column, field), key in list(keys.items()):
                if column != TOTAL:
                    continue
                parts = [keys.get((item, row, g, field)) for g in groups]
                if all(parts):
                    release.sum_to(parts, key, f"{output}: Total of {row!r} ({field})")
    for rel in relations.get("sum_of_fields", []):  # e.g. pairs = n_lower + n_same + n_higher
        for (item, row, column, field), key in list(keys.items()):
            if field == rel["total"]:
                parts = [keys.get((item, row, column, p)) for p in rel["parts"]]
                if all(parts):
                    release.sum_to(parts, key, f"{output}: {field} is the sum of its parts")
    flow = relations.get("stock_and_flow")
    if flow and column_col:  # open(m) = open(m-1) + opened(m) - closed(m-1)
        for column in dict.fromkeys(frame[column_col].astype(str)):
            rows = [r for (i, r, c, f) in keys if c == column and f == flow["stock"]]
            for previous, current in zip(rows, rows[1:], strict=False):
                terms = {
                    ("", current, column, flow["stock"]): 1,
                    ("", previous, column, flow["stock"]): -1,
                    ("", current, column, flow["inflow"]): -1,
                    ("", previous, column, flow["outflow"]): 1,
                }
                if all(part in keys for part in terms):  # a month with a blank count: no link
                    release.add_equality(
                        {keys[part]: coef for part, coef in terms.items()},
                        0,
                        f"{output}: open cases carry over from month to month",
                    )
    if "population" in relations:  # each count is the size of a population (valid answers)
        field = relations["population"]
        for (item, _row, column, f), key in keys.items():
            if f == field:
                value = release.values[key]
                scope = "" if relations.get("population_per_item") is False else item
                release.equal(key, release.hidden(f"size={value}", column, value, scope), output)


# -- key facts ---------------------------------------------------------------


def register_key_facts(release: Release, frame: pd.DataFrame, specs: dict) -> None:
    """Each fact's counts and bases; Total = sum of groups where the fact has bases."""
    for fact, part in frame.groupby("fact", sort=False):
        fact = str(fact)
        cells, bases = {}, {}
        for column, n, base in part[["column", "n", "denominator"]].itertuples(index=False):
            column = str(column)
            cells[column] = release.add(cell_key("key_facts", fact, column, "n"), n)
            base = _count(base)
            if base is not None:
                key = release.add(cell_key("key_facts", fact, column, "denominator"), base)
                pop = release.hidden(f"size={base}", column, base, "")
                release.equal(key, pop, f"key fact {fact}: base")
                release.add_at_most(cells[column], pop, f"key fact {fact}: within its base")
                bases[column] = pop
        groups = [c for c in cells if c != TOTAL]
        if TOTAL in cells and groups and bases:  # distinct counts (no base) overlap
            release.sum_to([cells[g] for g in groups], cells[TOTAL], f"key fact {fact}: Total")
            if TOTAL in bases and all(g in bases for g in groups):
                release.sum_to(
                    [bases[g] for g in groups], bases[TOTAL], f"key fact {fact}: Total base"
                )


def link_key_facts(release: Release, frame: pd.DataFrame, specs: dict) -> None:
    """A fact that counts the same people as table cells equals their sum (``same_as``)."""
    for fact, part in frame.groupby("fact", sort=False):
        same_as = (specs.get(str(fact)) or {}).get("same_as")
        if not same_as:
            continue
        table, item = same_as["table"], same_as.get("item", "")
        for column in part["column"].astype(str):
            if same_as.get("rows_are_columns"):  # e.g. legal_support_by_prison: prisons as rows
                if column == TOTAL:
                    continue
                pairs = [(column, same_as.get("column", TOTAL))]
            else:
                col = same_as.get("column", column)
                if col == "last":  # the last wave of the table
                    col = _last_column(release, table, item)
                pairs = [(row, col) for row in same_as.get("rows", [])]
            targets = [cell_key(table, r, c, "n", item) for r, c in pairs]
            fact_key = cell_key("key_facts", str(fact), column, "n")
            if targets and all(t in release.values for t in targets):
                release.sum_to(targets, fact_key, f"key fact {fact} = {table}")
                base = cell_key("key_facts", str(fact), column, "denominator")
                other = cell_key(table, pairs[0][0], pairs[0][1], "denominator", item)
                if same_as.get("base_too") and base in release.values and other in release.values:
                    release.equal(base, other, f"key fact {fact}: base = {table}")


def _last_column(release: Release, table: str, item: str) -> str:
    columns = [k[3] for k in release.values if k[0] == table and k[1] == item]
    return columns[-1] if columns else ""


# -- numbers in the report's prose -----------------------------------------


def flatten(data, prefix: str = "") -> list[tuple[str, object]]:
    """``(path, value)`` for every number in a context file; list items as ``name.3``."""
    out = []
    if isinstance(data, dict):
        for key, value in data.items():
            out += flatten(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            out += flatten(value, f"{prefix}.{i}")
    elif isinstance(data, bool):
        return out
    elif isinstance(data, int | float):
        out.append((prefix, data))
    return out


@dataclass
class NumberRule:
    pattern: str
    spec: dict

    def match(self, path: str) -> list[str] | None:
        regex = "^" + re.escape(self.pattern).replace(r"\*", "([^.]+)") + "$"
        found = re.match(regex, path)
        return list(found.groups()) if found else None


def number_rules(declarations: dict) -> dict[str, list[NumberRule]]:
    """The codebook's ``report_numbers``: per context file, path patterns and what they are."""
    return {
        context: [NumberRule(pattern, spec or {}) for pattern, spec in rules.items()]
        for context, rules in declarations.items()
    }


def _resolve(template: str, groups: list[str], data: dict, path: str) -> str:
    """``$1`` -> the first wildcard; ``@name`` -> the sibling value ``name`` of the number."""
    text = str(template)
    for i, value in enumerate(groups, start=1):
        text = text.replace(f"${i}", value)
    if text.startswith("@"):  # a sibling's value; "" when the context has none
        node = data
        for part in path.split(".")[:-1]:
            node = node[int(part)] if isinstance(node, list) else node[part]
        value = node.get(text[1:]) if isinstance(node, dict) else None
        text = "" if value is None else str(value)
    return text


def register_report_numbers(
    release: Release, context: str, data: dict, rules: list[NumberRule]
) -> tuple[dict[str, CellKey | str], list[tuple[CellKey, CellKey, str]]]:
    """Register the counts of one context file and their links among themselves.

    Returns path -> cell key (or why the path is not one: a path no rule
    declares maps to ``"undeclared"``, which the report may not print), and
    the ``cell`` links to table cells, ``(key, table cell, path)``, which
    :func:`link_report_numbers` adds once the tables are registered.
    """
    found: dict[str, CellKey | str] = {}
    pending_totals = []
    cell_links = []
    for path, value in flatten(data):
        rule = next((r for r in rules if r.match(path) is not None), None)
        if rule is None:
            found[path] = "undeclared"
            continue
        groups = rule.match(path) or []
        spec = rule.spec
        if "not_count" in spec:
            found[path] = "not_count"
            continue
        if "follows" in spec:  # a statistic of a count: hidden when that count is
            found[path] = (
                "follows",
                _resolve(spec["follows"], groups, data, path),
                _resolve(spec.get("also_follows", spec["follows"]), groups, data, path),
            )
            continue
        column = _resolve(spec.get("column", TOTAL), groups, data, path)
        key = release.add(cell_key(f"report:{context}", path, column, "n"), value)
        found[path] = key
        if spec.get("population"):
            release.equal(key, release.hidden(f"size={int(value)}", column, value, ""), path)
        if spec.get("named_population"):
            name = spec["named_population"]
            named = named_key(name, column)
            if named not in release.values:
                release.add(named, value, published=False)
            release.equal(key, named, path)
        if "cell" in spec:
            target = spec["cell"]
            target_key = cell_key(
                target["table"],
                _resolve(target.get("row", ""), groups, data, path),
                _resolve(target.get("column", column), groups, data, path),
                target.get("field", "n"),
                _resolve(target.get("item", ""), groups, data, path),
            )
            cell_links.append((key, target_key, path))
        if "total_of" in spec:
            pending_totals.append((key, spec["total_of"]))
        if "at_least" in spec:
            other = _resolve(spec["at_least"], groups, data, path)
            pending_totals.append((key, ("at_least", other)))
    for path, value in list(found.items()):  # statistics follow their counts' keys
        if isinstance(value, tuple) and value and value[0] == "follows":
            found[path] = ("follows", found.get(value[1]), found.get(value[2]))
    for key, target in pending_totals:
        if isinstance(target, tuple):
            other = found.get(target[1])
            if isinstance(other, tuple):
                release.add_at_most(other, key, f"{context}: {target[1]} within {key[2]}")
            continue
        parts = [
            k
            for path, k in found.items()
            if isinstance(k, tuple) and NumberRule(target, {}).match(path) is not None
        ]
        if parts:
            release.sum_to(parts, key, f"{context}: {key[2]} is the total of {target}")
    return found, cell_links


def link_report_numbers(release: Release, cell_links: list[tuple[CellKey, CellKey, str]]) -> None:
    """A prose number that is a table cell equals it (where the table has that cell)."""
    for key, target, path in cell_links:
        if target in release.values:
            release.equal(key, target, path)


# -- applying the suppression ----------------------------------------------


def protect_count_frame(frame: pd.DataFrame, output: str, suppressed: set[CellKey]) -> pd.DataFrame:
    """Blank suppressed counts and denominators; a percentage needs both its counts visible."""
    out = frame.copy()
    items = out["item"].astype(str) if "item" in out.columns else pd.Series([""] * len(out))
    n_hidden, base_hidden = [], []
    for item, row, column in zip(
        items, out["row"].astype(str), out["column"].astype(str), strict=True
    ):
        n_hidden.append(cell_key(output, row, column, "n", item) in suppressed)
        base_hidden.append(cell_key(output, row, column, "denominator", item) in suppressed)
    n_hidden = pd.Series(n_hidden, index=out.index)
    base_hidden = pd.Series(base_hidden, index=out.index)
    hidden_pct = n_hidden | base_hidden
    out["pct"] = [
        None if hide else percent(n, d)
        for hide, n, d in zip(hidden_pct, frame["n"], frame["denominator"], strict=True)
    ]
    extra = [
        c
        for c in frame.columns
        if c not in {"item", "row", "column", "n", "denominator", "pct"}
        and pd.api.types.is_numeric_dtype(frame[c])
    ]
    for column in extra:  # e.g. confidence limits: as revealing as the percentage
        out[column] = out[column].astype("object").where(~hidden_pct, None)
    out["n"] = out["n"].astype("object").where(~n_hidden, None)
    out["denominator"] = out["denominator"].astype("object").where(~base_hidden, None)
    return out


def protect_stats_frame(
    frame: pd.DataFrame, output: str, spec: dict, suppressed: set[CellKey]
) -> pd.DataFrame:
    """Blank suppressed counts; a row with any suppressed count loses all its statistics."""
    counts = stats_count_columns(frame, spec)
    item_col, row_cols, column_col = _stats_key_columns(frame)
    out = frame.copy().astype("object")
    keep = set(KEY_COLUMNS)
    for index, frame_row in frame.iterrows():
        hidden = [
            field
            for field in counts
            if _stats_cell(frame_row, item_col, row_cols, column_col, output, field) in suppressed
        ]
        if not hidden:
            continue
        for column in frame.columns:
            if column in hidden:
                out.at[index, column] = None
            elif column not in keep and column not in counts:
                out.at[index, column] = None  # means, tests and method texts of too few people
    return out
