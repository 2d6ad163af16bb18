"""The intruder's audit: how narrowly can each suppressed count be pinned down?

Given a :class:`~evaluation.disclosure.model.Release` and the set of
suppressed cells, the intruder knows every published, unsuppressed count and
every relation of the release. Each suppressed count is then bounded by two
optimisation problems (minimise it, maximise it) over all counts the intruder
does not see, subject to the relations; the HiGHS solver (``highspy``)
answers both, with the problem built once per component and only the
objective changed between bounds.
The problems split into independent components (counts linked by relations
through unknown counts), solved one at a time.

By default the bounds are those of the integer problem; the linear
relaxation, rounded inwards, is faster and can be chosen for
the search for complementary cells, whose final answer is always audited
with integers.

A suppressed cell's feasible interval is ``[low, high]``; it is protected
when ``high - low >= k``. Suppressed published cells are known to be at least
1 (zeros are never suppressed), which the intruder is assumed to know.
"""

from __future__ import annotations

import functools
import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from evaluation.disclosure.model import CellKey, Release


@dataclass(frozen=True)
class Interval:
    low: float
    high: float  # math.inf when unbounded

    @property
    def width(self) -> float:
        return self.high - self.low


def unknowns(release: Release, suppressed: set[CellKey]) -> set[CellKey]:
    """The counts an intruder does not see: suppressed cells and hidden counts.

    A count with a visible copy (a group's size shown as any table's base) is
    known, whatever other copies are hidden.
    """
    classes = release.copy_classes()
    visible = {classes[k] for k in release.published if k not in suppressed}
    return {
        k
        for k in release.values
        if (k in suppressed or k not in release.published) and classes[k] not in visible
    }


def components(release: Release, unknown: set[CellKey]) -> list[list[CellKey]]:
    """Unknown counts grouped by the relations that link them (deterministic order)."""
    parent = {k: k for k in unknown}

    def find(k):
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    def join(keys):
        keys = [k for k in keys if k in parent]
        for other in keys[1:]:
            a, b = find(keys[0]), find(other)
            if a != b:
                parent[max(a, b)] = min(a, b)

    for eq in release.equalities:
        join(list(eq.terms))
    for rel in release.at_most:
        join([rel.small, rel.large])
    groups: dict[CellKey, list[CellKey]] = defaultdict(list)
    for key in sorted(unknown):
        groups[find(key)].append(key)
    return [groups[root] for root in sorted(groups)]


def _problem(release: Release, members: list[CellKey], suppressed: set[CellKey]):
    """Constraint matrices of one component, the intruder's knowns substituted."""
    from scipy.sparse import csr_array  # imported when a problem is solved, not to publish

    index = {k: i for i, k in enumerate(members)}
    member_set = set(members)
    rows, cols, data, rhs = [], [], [], []
    eq_index, bound_index = release.relation_index()
    touched = sorted({i for k in members for i in eq_index.get(k, ())})
    for eq in (release.equalities[i] for i in touched):
        r = len(rhs)
        constant = eq.constant
        for k, c in eq.terms.items():
            if k in member_set:
                rows.append(r)
                cols.append(index[k])
                data.append(c)
            else:
                constant -= c * release.values[k]
        rhs.append(constant)
    a_eq = csr_array((data, (rows, cols)), shape=(len(rhs), len(members)))
    u_rows, u_cols, u_data, u_rhs = [], [], [], []
    touched = sorted({i for k in members for i in bound_index.get(k, ())})
    for rel in (release.at_most[i] for i in touched):
        r = len(u_rhs)
        bound = 0
        if rel.small in member_set:
            u_rows.append(r)
            u_cols.append(index[rel.small])
            u_data.append(1)
        else:
            bound -= release.values[rel.small]
        if rel.large in member_set:
            u_rows.append(r)
            u_cols.append(index[rel.large])
            u_data.append(-1)
        else:
            bound += release.values[rel.large]
        u_rhs.append(bound)
    a_ub = csr_array((u_data, (u_rows, u_cols)), shape=(len(u_rhs), len(members)))
    lower = np.array(
        [max(release.lower_bounds.get(k, 0), 1 if k in suppressed else 0) for k in members],
        dtype=float,
    )
    return a_eq, np.array(rhs, dtype=float), a_ub, np.array(u_rhs, dtype=float), lower


@functools.cache
def _solver():
    """One HiGHS instance per process (it prints its banner once, when created)."""
    import highspy

    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("random_seed", 0)
    return highs


class _Component:
    """One component's problem in HiGHS, built once; each bound changes only the objective."""

    def __init__(self, a_eq, b_eq, a_ub, b_ub, lower, integer: bool):
        import highspy

        n = len(lower)
        self.n = n
        self.highs = _solver()
        self.highs.clearModel()
        lp = highspy.HighsLp()
        lp.num_col_ = n
        lp.col_cost_ = np.zeros(n)
        lp.col_lower_ = lower
        lp.col_upper_ = np.full(n, highspy.kHighsInf)
        matrix = vstack_rows(a_eq, a_ub).tocsc()
        lp.num_row_ = matrix.shape[0]
        lp.row_lower_ = np.concatenate([b_eq, np.full(len(b_ub), -highspy.kHighsInf)])
        lp.row_upper_ = np.concatenate([b_eq, b_ub])
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.num_col_ = n
        lp.a_matrix_.num_row_ = matrix.shape[0]
        lp.a_matrix_.start_ = matrix.indptr
        lp.a_matrix_.index_ = matrix.indices
        lp.a_matrix_.value_ = matrix.data.astype(float)
        if integer:
            lp.integrality_ = [highspy.HighsVarType.kInteger] * n
        self.highs.passModel(lp)
        self.status = highspy.HighsModelStatus
        self.previous: int | None = None

    def bound(self, target: int, direction: int) -> float:
        """min (direction 1) or max (direction -1) of variable ``target``."""
        if self.previous is not None and self.previous != target:
            self.highs.changeColCost(self.previous, 0.0)
        self.highs.changeColCost(target, float(direction))
        self.previous = target
        self.highs.run()
        status = self.highs.getModelStatus()
        if status not in (self.status.kOptimal, self.status.kUnbounded):
            # a warm start can end undecided (e.g. on an unbounded ray): solve afresh
            self.highs.clearSolver()
            self.highs.run()
            status = self.highs.getModelStatus()
        if status in (self.status.kUnbounded, self.status.kUnboundedOrInfeasible):
            return math.inf
        if status != self.status.kOptimal:
            raise RuntimeError(
                f"disclosure audit: the solver failed ({self.highs.modelStatusToString(status)})"
            )
        return float(self.highs.getSolution().col_value[target])


def vstack_rows(a, b):
    from scipy.sparse import vstack

    return vstack([a, b]).tocsr()


def feasible_intervals(
    release: Release,
    suppressed: set[CellKey],
    *,
    integer: bool = True,
    only: set[CellKey] | None = None,
) -> dict[CellKey, Interval]:
    """The interval an intruder can narrow each suppressed published cell to.

    ``only`` limits the work to the components holding those cells.
    """
    unknown = unknowns(release, suppressed)
    result: dict[CellKey, Interval] = {}
    for key in sorted(suppressed & release.published - unknown):  # a visible copy shows it
        if only is None or key in only:
            value = float(release.values[key])
            result[key] = Interval(value, value)
    for members in components(release, unknown):
        targets = [k for k in members if k in suppressed and k in release.published]
        if only is not None:
            targets = [k for k in targets if k in only]
        if not targets:
            continue
        problem = _Component(*_problem(release, members, suppressed), integer=integer)
        index = {k: i for i, k in enumerate(members)}
        for key in targets:
            i = index[key]
            low = problem.bound(i, 1)
            high = problem.bound(i, -1)
            low = math.ceil(low - 1e-6)
            high = high if math.isinf(high) else math.floor(high + 1e-6)
            result[key] = Interval(float(low), float(high))
    return result


def interval_of(
    release: Release,
    key: CellKey,
    suppressed: set[CellKey],
    links: dict[CellKey, set[CellKey]],
    *,
    integer: bool = False,
) -> Interval:
    """One suppressed cell's interval, solving only the component that holds it."""
    classes = release.copy_classes()
    visible = {classes[k] for k in release.published if k not in suppressed}
    members, frontier = {key}, [key]
    while frontier:
        nxt = []
        for k in frontier:
            for other in links.get(k, ()):
                if (
                    other not in members
                    and (other in suppressed or other not in release.published)
                    and classes[other] not in visible
                ):
                    members.add(other)
                    nxt.append(other)
        frontier = nxt
    ordered = sorted(members)
    problem = _Component(*_problem(release, ordered, suppressed), integer=integer)
    i = ordered.index(key)
    low, high = problem.bound(i, 1), problem.bound(i, -1)
    low = math.ceil(low - 1e-6)
    high = high if math.isinf(high) else math.floor(high + 1e-6)
    return Interval(float(low), float(high))


def small_unsuppressed(release: Release, suppressed: set[CellKey], k: int) -> list[CellKey]:
    """Published counts from 1 to k-1 left visible (must be empty when protecting)."""
    return sorted(
        key for key in release.published if key not in suppressed and 0 < release.values[key] < k
    )


def narrow_cells(intervals: dict[CellKey, Interval], k: int) -> list[CellKey]:
    """Suppressed cells an intruder can pin to an interval narrower than ``k``."""
    return sorted(key for key, interval in intervals.items() if interval.width < k)
