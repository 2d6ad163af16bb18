"""Choosing the cells to suppress over the whole release, checked by the intruder's audit.

1. Primary: every published count from 1 to k-1.
2. Complementary: while the audit pins any suppressed cell to an interval
   narrower than k, suppress, for each such cell, one more published count
   that shares a relation with it (or with the unknown counts linked to it).
   The choice prefers counts of at least k (they need no protection of their
   own), the smallest of those (least information lost), and never a zero (an
   intruder knows suppressed cells are not zero). Each round suppresses at
   least one more cell, so the search ends; if nothing is left to suppress,
   the remaining narrow cells are reported and the release fails.
3. The final answer is audited with integer bounds.

The result is deterministic: candidates are ordered by value, then key.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from evaluation.disclosure.audit import (
    Interval,
    feasible_intervals,
    interval_of,
    narrow_cells,
    small_unsuppressed,
)
from evaluation.disclosure.model import CellKey, Release


@dataclass
class Suppression:
    """The outcome for a release at one ``min_cell``."""

    k: int
    primary: set[CellKey]
    secondary: set[CellKey]
    intervals: dict[CellKey, Interval]
    narrow: list[CellKey] = field(default_factory=list)
    small_visible: list[CellKey] = field(default_factory=list)

    @property
    def suppressed(self) -> set[CellKey]:
        return self.primary | self.secondary

    @property
    def ok(self) -> bool:
        return not self.narrow and not self.small_visible


def _neighbours(release: Release) -> dict[CellKey, set[CellKey]]:
    """For each count, the counts it shares a relation with."""
    links: dict[CellKey, set[CellKey]] = defaultdict(set)
    for eq in release.equalities:
        keys = list(eq.terms)
        for key in keys:
            links[key].update(keys)
    for rel in release.at_most:
        links[rel.small].add(rel.large)
        links[rel.large].add(rel.small)
    return links


def _candidates(
    release: Release,
    start: CellKey,
    suppressed: set[CellKey],
    links: dict[CellKey, set[CellKey]],
    depth: int = 8,
) -> dict[CellKey, int]:
    """Visible, non-zero counts linked to ``start`` through unknown counts, with their distance."""
    seen, frontier, found = {start}, [start], {}
    for distance in range(1, depth + 1):
        nxt = []
        for key in frontier:
            for other in sorted(links.get(key, ())):
                if other in seen:
                    continue
                seen.add(other)
                if other in suppressed or other not in release.published:
                    nxt.append(other)
                elif release.values[other] > 0:
                    found[other] = distance
        if not nxt:
            break
        frontier = nxt
    return found


def copies(release: Release) -> dict[CellKey, list[CellKey]]:
    """Published cells that are one count shown in several places (linked by equalities).

    Suppressing one copy while another stays visible hides nothing, so cells
    are suppressed a whole class at a time.
    """
    classes = release.copy_classes()
    members: dict[CellKey, list[CellKey]] = defaultdict(list)
    for key in sorted(release.published):
        members[classes[key]].append(key)
    return {key: members[classes[key]] for key in release.published}


def _pick(
    release: Release, candidates: list[CellKey], k: int, same: dict[CellKey, list[CellKey]]
) -> CellKey:
    """Prefer a count of at least k shown in fewest places (then smallest), else the largest."""

    def cost(c):  # a count shown once before a group's size shown in every table
        return (len(same.get(c, [c])), c[4] != "n", release.values[c], c)

    large = [c for c in candidates if release.values[c] >= k]
    if large:
        return min(large, key=cost)
    return max(candidates, key=lambda c: (release.values[c], c))


def _best_complement(
    release: Release,
    key: CellKey,
    suppressed: set[CellKey],
    candidates: dict[CellKey, int],
    k: int,
    same: dict[CellKey, list[CellKey]],
    links: dict[CellKey, set[CellKey]],
    tries: int = 8,
) -> CellKey:
    """The cheapest candidate that protects ``key`` on its own, else the one that widens it most.

    Candidates are tried in order of cost (see :func:`_pick`), each by
    solving ``key``'s component with the candidate suppressed too.
    """
    large = {c: d for c, d in candidates.items() if release.values[c] >= k}
    pool = large or candidates
    ordered = []
    while pool and len(ordered) < tries:
        choice = _pick(release, pool, k, same)
        ordered.append(choice)
        pool = {c: d for c, d in pool.items() if c not in same.get(choice, [choice])}
    best, best_width = ordered[0], -1.0
    for candidate in ordered:
        trial = suppressed | set(same.get(candidate, [candidate]))
        width = interval_of(release, key, trial, links).width
        if width >= k:
            return candidate
        if width > best_width:
            best, best_width = candidate, width
    return best


def choose_suppression(release: Release, k: int, *, max_rounds: int = 10_000) -> Suppression:
    """Primary and complementary suppression so every suppressed cell keeps an interval >= k."""
    primary = {key for key in release.published if 0 < release.values[key] < k}
    suppressed = set(primary)
    links = _neighbours(release)
    same = copies(release)
    integer = False  # the relaxation while searching; integers to confirm
    intervals = feasible_intervals(release, suppressed, integer=integer)
    for _ in range(max_rounds):
        narrow = narrow_cells(intervals, k)
        if not narrow:
            if integer:
                break
            integer = True
            intervals = feasible_intervals(release, suppressed, integer=True)
            continue
        added = set()
        for key in narrow:  # one at a time: a complement often protects its neighbours too
            if added and interval_of(release, key, suppressed, links).width >= k:
                continue
            candidates = _candidates(release, key, suppressed, links)
            if candidates:
                pick = _best_complement(release, key, suppressed, candidates, k, same, links)
                added.update(same.get(pick, [pick]))
                suppressed |= set(same.get(pick, [pick]))
        if not added:
            break
        intervals = feasible_intervals(release, suppressed, integer=integer)
    final = intervals if integer else feasible_intervals(release, suppressed, integer=True)
    return Suppression(
        k=k,
        primary=primary,
        secondary=suppressed - primary,
        intervals=final,
        narrow=narrow_cells(final, k),
        small_visible=small_unsuppressed(release, suppressed, k),
    )


def audit_suppression(release: Release, suppressed: set[CellKey], k: int) -> Suppression:
    """The audit of a given set of suppressed cells (no search): for published outputs."""
    intervals = feasible_intervals(release, suppressed, integer=True)
    primary = {key for key in suppressed if 0 < release.values[key] < k}
    return Suppression(
        k=k,
        primary=primary,
        secondary=set(suppressed) - primary,
        intervals=intervals,
        narrow=narrow_cells(intervals, k),
        small_visible=small_unsuppressed(release, set(suppressed), k),
    )
