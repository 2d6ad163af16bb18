"""The release: every count the pipeline publishes, and what an intruder knows links them.

A :class:`Release` holds

- **cells**: every count that leaves the pipeline (a table cell, a
  denominator, a key fact, a number in the report's prose, a ledger count),
  keyed by ``(output, item, row, column, field)``, with its true value;
- **hidden counts**: counts an intruder can reason about but that are not
  published themselves (a group's size when no output shows it);
- **relations** an intruder can use, as linear equalities (a Total column is
  the sum of the groups; a single-response column adds up to its base; a
  base is another table's base minus one of its cells; a month's open cases
  are last month's plus openings minus closures) and inequalities (a
  multi-response count is at most its base; a theme was raised by at least
  the participants quoted on it).

Every relation is checked against the true values when it is added. A
relation the data do not satisfy is no relation an intruder could use
either, so it is left out and recorded in ``skipped`` (the disclosure log
lists them: a declaration that no longer fits the data is visible to
reviewers without stopping a release); with ``strict=True`` it raises
:class:`RelationError` instead. Either way the model never rests on a wrong
equation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

#: ``(output, item, row, column, field)``; ``item`` is "" outside stacked tables.
CellKey = tuple[str, str, str, str, str]


class RelationError(ValueError):
    """A declared relation does not hold on the true values."""


def cell_key(output: str, row: str, column: str, field: str = "n", item: str = "") -> CellKey:
    """The key of one published count."""
    return (str(output), str(item or ""), str(row), str(column), str(field))


def describe(key: CellKey) -> str:
    """A cell as a person reads it: ``age_group, row '18-24', column 'Send' (n)``."""
    output, item, row, column, what = key
    where = f"item {item!r}, " if item else ""
    return f"{output}, {where}row {row!r}, column {column!r} ({what})"


@dataclass
class Equality:
    """``sum(coef * x) == constant`` over cells and hidden counts."""

    terms: dict[CellKey, int]
    constant: int = 0
    source: str = ""


@dataclass
class AtMost:
    """``x[small] <= x[large] (+ slack)`` (e.g. a multi-response count and its base)."""

    small: CellKey
    large: CellKey
    source: str = ""


@dataclass
class Release:
    """The published counts, the hidden counts behind them, and the relations between them."""

    values: dict[CellKey, int] = field(default_factory=dict)
    published: set[CellKey] = field(default_factory=set)
    equalities: list[Equality] = field(default_factory=list)
    at_most: list[AtMost] = field(default_factory=list)
    lower_bounds: dict[CellKey, int] = field(default_factory=dict)
    #: outputs whose cells are not protected, with the reason (staff time, agreement statistics)
    exempt: dict[str, str] = field(default_factory=dict)
    #: raise on a relation the data do not satisfy, instead of leaving it out
    strict: bool = False
    #: relations left out because the data do not satisfy them: "<source>: <why>"
    skipped: list[str] = field(default_factory=list)
    #: record relations (False when only the cells matter: nothing is to be suppressed)
    with_relations: bool = True

    def _broken(self, source: str, message: str) -> None:
        if self.strict:
            raise RelationError(message)
        self.skipped.append(f"{source}: {message}")

    # -- cells -------------------------------------------------------------
    def add(self, key: CellKey, value, *, published: bool = True) -> CellKey:
        """Register a count; the same key twice must carry the same value."""
        value = _as_count(value, key)
        if key in self.values and self.values[key] != value:
            raise RelationError(
                f"{describe(key)} registered twice with different values "
                f"({self.values[key]} and {value})"
            )
        self.values[key] = value
        if published:
            self.published.add(key)
        return key

    def hidden(self, name: str, column: str, value, item: str = "") -> CellKey:
        """A count an intruder can reason about but no output shows (a population's size)."""
        key = cell_key("population", name, column, "n", item)
        if key not in self.values:
            self.add(key, value, published=False)
        else:
            self.add(key, value, published=key in self.published)
        return key

    # -- relations ---------------------------------------------------------
    def equal(self, a: CellKey, b: CellKey, source: str = "") -> None:
        """``a == b`` (the same people counted in two places)."""
        if a != b:
            self.add_equality({a: 1, b: -1}, 0, source)

    def sum_to(self, parts: Iterable[CellKey], total: CellKey, source: str = "") -> None:
        """``sum(parts) == total``."""
        terms: dict[CellKey, int] = {}
        for part in parts:
            terms[part] = terms.get(part, 0) + 1
        terms[total] = terms.get(total, 0) - 1
        self.add_equality(terms, 0, source)

    def add_equality(self, terms: Mapping[CellKey, int], constant: int, source: str) -> None:
        if not self.with_relations:
            return
        terms = {k: c for k, c in terms.items() if c}
        missing = [k for k in terms if k not in self.values]
        if missing:
            return self._broken(source, f"relation {source!r} names unknown cells: {missing[:3]}")
        if not terms:
            return
        lhs = sum(c * self.values[k] for k, c in terms.items())
        if lhs != constant:
            shown = " + ".join(f"{c} x {describe(k)} [{self.values[k]}]" for k, c in terms.items())
            return self._broken(
                source,
                f"relation {source!r} does not hold on the data: {shown} = {lhs}, "
                f"expected {constant}",
            )
        self.equalities.append(Equality(dict(terms), constant, source))

    def add_at_most(self, small: CellKey, large: CellKey, source: str = "") -> None:
        if not self.with_relations:
            return
        for key in (small, large):
            if key not in self.values:
                return self._broken(source, f"relation {source!r} names an unknown cell: {key}")
        if self.values[small] > self.values[large]:
            return self._broken(
                source,
                f"relation {source!r} does not hold: {describe(small)} "
                f"[{self.values[small]}] > {describe(large)} [{self.values[large]}]",
            )
        self.at_most.append(AtMost(small, large, source))

    def add_lower_bound(self, key: CellKey, bound: int, source: str = "") -> None:
        """Something published elsewhere shows ``key`` is at least ``bound``."""
        if not self.with_relations:
            return
        if self.values[key] < bound:
            return self._broken(
                source,
                f"relation {source!r} does not hold: {describe(key)} [{self.values[key]}] < {bound}",
            )
        self.lower_bounds[key] = max(bound, self.lower_bounds.get(key, 0))

    # -- views -------------------------------------------------------------
    def copy_classes(self) -> dict[CellKey, CellKey]:
        """Each count's class of copies (counts linked by ``a == b``), as a representative."""
        size = len(self.equalities)
        cached = self.__dict__.get("_classes")
        if cached is None or cached[0] != size or len(cached[1]) != len(self.values):
            parent = {k: k for k in self.values}

            def find(k):
                while parent[k] != k:
                    parent[k] = parent[parent[k]]
                    k = parent[k]
                return k

            for eq in self.equalities:
                if len(eq.terms) == 2 and eq.constant == 0 and sorted(eq.terms.values()) == [-1, 1]:
                    a, b = (find(k) for k in eq.terms)
                    if a != b:
                        parent[max(a, b)] = min(a, b)
            self.__dict__["_classes"] = cached = (size, {k: find(k) for k in self.values})
        return cached[1]

    def relation_index(self) -> tuple[dict[CellKey, list[int]], dict[CellKey, list[int]]]:
        """For each count, the equalities and inequalities that name it (built once, cached)."""
        size = (len(self.equalities), len(self.at_most))
        cached = self.__dict__.get("_index")
        if cached is None or cached[0] != size:
            equalities: dict[CellKey, list[int]] = {}
            for i, eq in enumerate(self.equalities):
                for key in eq.terms:
                    equalities.setdefault(key, []).append(i)
            bounds: dict[CellKey, list[int]] = {}
            for i, rel in enumerate(self.at_most):
                bounds.setdefault(rel.small, []).append(i)
                bounds.setdefault(rel.large, []).append(i)
            self.__dict__["_index"] = cached = (size, equalities, bounds)
        return cached[1], cached[2]

    def outputs(self) -> list[str]:
        """Output ids with at least one published cell, sorted."""
        return sorted({key[0] for key in self.published})


def _as_count(value, key: CellKey) -> int:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise RelationError(f"{describe(key)} is not a count: {value!r}") from None
    if number != number or number < 0 or number != int(number):
        raise RelationError(f"{describe(key)} is not a count: {value!r}")
    return int(number)
