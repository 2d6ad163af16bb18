"""Small-sample statistics: Wilson intervals, Wilcoxon signed-rank, Stuart-Maxwell test.

Each test returns its method statement with the result, so the report can
say exactly what was computed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from evaluation.strands.surveys import spec

CONFIDENCE_LEVEL = 95
Z_95 = 1.959963984540054
#: Up to this many changed pairs the p-value comes from the exact null distribution of
#: the signed-rank statistic (counted over all 2**n sign assignments); above it, from the
#: tie-corrected normal approximation, which is then accurate to well under 0.001.
PERMUTATION_MAX_N = 200
#: Sign-assignment counts up to this many pairs are printed in full (2**20 = 1,048,576).
PRINTED_ASSIGNMENTS_MAX_N = 20


def wilson_interval(n: int, denominator: int, z: float = Z_95) -> tuple[float, float] | None:
    """Wilson score interval for n successes of ``denominator`` (as proportions); None if empty."""
    if not denominator:
        return None
    p = n / denominator
    z2 = z * z
    centre = (p + z2 / (2 * denominator)) / (1 + z2 / denominator)
    half = (
        z
        * math.sqrt(p * (1 - p) / denominator + z2 / (4 * denominator**2))
        / (1 + z2 / denominator)
    )
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class TestResult:
    """A test's statistic, p-value, method (short name) and method statement (full text)."""

    statistic: float | None
    p_value: float | None
    method: str
    method_text: str
    df: int | None = None


def _result(statistic, p_value, method: str, df=None, **values) -> TestResult:
    return TestResult(
        statistic,
        p_value,
        spec.method_short(method, **values),
        spec.method_text(method, **values),
        df,
    )


def wilcoxon_paired(first, later) -> TestResult:
    """Two-sided Wilcoxon signed-rank test of later - first (zero differences dropped).

    Up to ``PERMUTATION_MAX_N`` changed pairs the p-value is exact: the null
    distribution of the positive rank sum over every sign assignment of the
    (mid)ranks, counted by ``_sign_flip_p_value``. Without ties or zeros that
    is the exact Wilcoxon distribution. Above it, the normal approximation
    with the variance corrected for ties. The statistic is the smaller of the
    positive and negative rank sums. ``tests/test_surveys.py`` checks every
    branch against ``scipy.stats.wilcoxon`` and ``permutation_test``; SciPy's
    statistics module is not imported here because importing it takes about
    half a second, more than the whole step without it.
    """
    diff = np.asarray(later, dtype=float) - np.asarray(first, dtype=float)
    nonzero = diff[diff != 0]
    if nonzero.size == 0:
        return _result(None, None, "wilcoxon_none")
    ranks = average_ranks(np.abs(nonzero))
    r_plus = float(ranks[nonzero > 0].sum())
    statistic = min(r_plus, float(ranks.sum()) - r_plus)
    n = nonzero.size
    if n > PERMUTATION_MAX_N:
        return _result(
            statistic,
            _normal_p_value(ranks, statistic),
            "wilcoxon_normal",
            max_permutation=PERMUTATION_MAX_N,
        )
    has_zeros = n < diff.size
    has_ties = np.unique(ranks).size < n
    p_value = _sign_flip_p_value(ranks, r_plus)
    if not has_zeros and not has_ties:
        return _result(statistic, p_value, "wilcoxon_exact")
    assignments = f"{2**n:,}" if n <= PRINTED_ASSIGNMENTS_MAX_N else f"2^{n}"
    return _result(statistic, p_value, "wilcoxon_permutation_exhaustive", resamples=assignments)


def average_ranks(values) -> np.ndarray:
    """Ranks 1..n of ``values``, tied values sharing the mean of their ranks (SciPy's ``rankdata``)."""
    values = np.asarray(values, dtype=float)
    order = np.argsort(values, kind="mergesort")
    ordered = values[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    ends = np.r_[starts[1:], ordered.size]  # one past each run of equal values
    midranks = (starts + 1 + ends) / 2
    ranks = np.empty(values.size)
    ranks[order] = np.repeat(midranks, ends - starts)
    return ranks


def _normal_p_value(ranks, statistic: float) -> float:
    """Two-sided p-value of the signed-rank statistic from the normal approximation.

    Mean n(n+1)/4; variance n(n+1)(2n+1)/24 less (t^3 - t)/48 for each run of
    t tied ranks; no continuity correction.
    """
    n = ranks.size
    _, tied = np.unique(ranks, return_counts=True)
    variance = (n * (n + 1) * (2 * n + 1) - 0.5 * float((tied * (tied * tied - 1)).sum())) / 24
    z = (statistic - n * (n + 1) / 4) / math.sqrt(variance)
    return math.erfc(abs(z) / math.sqrt(2))


def _sign_flip_p_value(ranks, r_plus: float) -> float:
    """Two-sided p-value of the positive rank sum over all ``2**n`` sign assignments.

    Counts the assignments giving each sum instead of listing them: midranks
    are multiples of one half, so doubled they are integers, and adding one
    rank either leaves a sum or raises it by that rank. Counts are kept as
    fractions of the assignments so far (halved at every rank), which float64
    holds exactly up to 53 ranks and to 16 significant digits beyond. The
    p-value is the one ``scipy.stats.permutation_test`` gives when it
    enumerates every assignment (twice the smaller tail, the observed sum
    counted in both, at most 1), in milliseconds rather than seconds.
    """
    doubled = np.rint(2 * np.asarray(ranks, dtype=float)).astype(np.int64)
    share = np.zeros(int(doubled.sum()) + 1)
    share[0] = 1.0
    for rank in doubled:
        share[rank:] = (share[rank:] + share[:-rank]) / 2  # the sum is a new array
        share[:rank] /= 2
    observed = int(round(2 * r_plus))
    lower = share[: observed + 1].sum()
    upper = share[observed:].sum()
    return min(1.0, 2 * min(lower, upper))


def stuart_maxwell(table) -> TestResult:
    """Stuart-Maxwell test of marginal homogeneity of a square k x k table (rows = first wave).

    Statistic d' S^- d on the first k-1 marginal differences d, with S their
    covariance (S_ii = n_i. + n_.i - 2 n_ii, S_ij = -(n_ij + n_ji)); chi-square with
    df = rank(S). A generalised inverse handles categories nobody moved in or out of.
    """
    from scipy.special import chdtrc  # chi-square survival; scipy.stats costs half a second

    counts = np.asarray(table, dtype=float)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1]:
        raise ValueError("the Stuart-Maxwell test needs a square table")
    rows, cols = counts.sum(axis=1), counts.sum(axis=0)
    covariance = -(counts + counts.T)
    np.fill_diagonal(covariance, rows + cols - 2 * np.diag(counts))
    d = (rows - cols)[:-1]
    reduced = covariance[:-1, :-1]
    rank = int(np.linalg.matrix_rank(reduced)) if reduced.size else 0
    if rank == 0:
        return _result(None, None, "stuart_maxwell_none")
    statistic = float(d @ np.linalg.pinv(reduced) @ d)
    p_value = float(chdtrc(rank, statistic))
    return _result(statistic, p_value, "stuart_maxwell", df=rank)
