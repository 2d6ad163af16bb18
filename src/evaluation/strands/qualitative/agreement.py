"""Intercoder agreement: Cohen's kappa per theme and Krippendorff's alpha (nominal).

A segment coded by two coders is "double-coded". For each theme, each coder
either applied it to the segment or not; kappa measures agreement on that
decision beyond chance. Alpha pools every segment x theme decision of every
coder (missing values allowed) into one coefficient.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evaluation.core.codebook import load_codebook
from evaluation.core.tidy import percent, round_half_away

AGREEMENT_COLUMNS = [
    "theme",
    "double_coded_segments",
    "coded_by_either",
    "agreement",
    "kappa",
    "alpha",
]


def cohen_kappa(first, second) -> float | None:
    """Cohen's kappa of two coders' labels for the same units; None when chance agreement is 1."""
    a = np.asarray(first, dtype=object)
    b = np.asarray(second, dtype=object)
    if a.shape != b.shape or a.size == 0:
        raise ValueError("kappa needs two equally long, non-empty sequences of labels")
    observed = float(np.mean(a == b))
    categories = sorted(set(a.tolist()) | set(b.tolist()), key=str)
    expected = sum(float(np.mean(a == c)) * float(np.mean(b == c)) for c in categories)
    if np.isclose(expected, 1.0):
        return None
    return (observed - expected) / (1.0 - expected)


def krippendorff_alpha_nominal(data) -> float | None:
    """Krippendorff's alpha for nominal data.

    ``data`` has one row per coder and one column per unit; missing values are
    None or NaN. Units with fewer than two values are not pairable and ignored.
    None when there is no variation at all (expected disagreement 0).
    """
    table = np.asarray(data, dtype=object)
    if table.ndim != 2:
        raise ValueError("alpha needs a coders x units table")
    # value number of every cell, unit by unit (-1 = missing)
    values, _distinct = pd.factorize(pd.Series(table.T.ravel()), use_na_sentinel=True)
    k = int(values.max()) + 1 if values.size else 0
    units = np.repeat(np.arange(table.shape[1]), table.shape[0])
    present = values >= 0
    counts = np.zeros((table.shape[1], k), dtype=float)
    np.add.at(counts, (units[present], values[present]), 1.0)
    m_u = counts.sum(axis=1)
    pairable = m_u >= 2
    counts, m_u = counts[pairable], m_u[pairable]
    # pairs of different coders' values within each unit, weighted 1 / (m_u - 1)
    weighted = counts / (m_u - 1)[:, None]
    coincidence = weighted.T @ counts - np.diag(weighted.sum(axis=0))
    n_c = coincidence.sum(axis=1)
    n = n_c.sum()
    if n <= 1:
        return None
    observed = coincidence.sum() - np.trace(coincidence)
    expected = (n_c.sum() ** 2 - (n_c**2).sum()) / (n - 1)
    if np.isclose(expected, 0.0):
        return None
    return float(1.0 - observed / expected)


def double_coded(segments: pd.DataFrame, primary: str) -> tuple[str | None, list[str]]:
    """The second coder (most segments shared with the primary; ties: sort order) and those segments."""
    pairs = segments[["segment_id", "coder"]].dropna(subset=["segment_id"]).drop_duplicates()
    segment, distinct_segments = pd.factorize(pairs["segment_id"])
    by_primary = (pairs["coder"] == primary).to_numpy(bool)
    with_primary = np.zeros(len(distinct_segments), dtype=bool)
    with_primary[segment[by_primary]] = True  # segments the primary coder coded
    shared = pairs.loc[with_primary[segment] & ~by_primary]
    counts = shared["coder"].value_counts()
    if counts.empty:
        return None, []
    second = sorted(counts.index, key=lambda c: (-int(counts[c]), c))[0]
    ids = sorted(set(shared.loc[shared["coder"] == second, "segment_id"]))
    return second, ids


def _applied(subset: pd.DataFrame, coder: str, ids: pd.Index, theme_ids: pd.Index) -> np.ndarray:
    """Segments x themes: whether ``coder`` gave the segment the theme."""
    part = subset.loc[subset["coder"] == coder]
    rows, columns = ids.get_indexer(part["segment_id"]), theme_ids.get_indexer(part["theme"])
    known = (rows >= 0) & (columns >= 0)
    matrix = np.zeros((len(ids), len(theme_ids)), dtype=bool)
    matrix[rows[known], columns[known]] = True
    return matrix


def agreement_table(
    themes: pd.DataFrame, segments: pd.DataFrame, primary: str
) -> tuple[pd.DataFrame, dict]:
    """Per-theme agreement and kappa between primary and second coder; overall alpha.

    Returns the table (themes in codebook order, then the overall row) and a
    summary dict (second coder, number of double-coded segments, alpha, ...).
    """
    second, ids = double_coded(segments, primary)
    theme_ids = themes.sort_values("order")["theme"].tolist()
    labels = dict(zip(themes["theme"], themes["label"], strict=True))
    overall_label = load_codebook()["qualitative"]["agreement"]["overall_label"]
    rows = []
    n = len(ids)
    subset = segments[segments["segment_id"].isin(ids)]
    coders = sorted(subset["coder"].unique().tolist())
    segment_index, theme_index = pd.Index(ids), pd.Index(theme_ids)
    applied = {c: _applied(subset, c, segment_index, theme_index) for c in {*coders, primary}}
    agree_total = 0
    for column, theme in enumerate(theme_ids):
        if n == 0:
            rows.append(
                {
                    "theme": labels[theme],
                    "double_coded_segments": 0,
                    "coded_by_either": 0,
                    "agreement": None,
                    "kappa": None,
                    "alpha": None,
                }
            )
            continue
        a, b = applied[primary][:, column], applied[second][:, column]
        agree = int((a == b).sum())
        agree_total += agree
        kappa = cohen_kappa(a, b)
        rows.append(
            {
                "theme": labels[theme],
                "double_coded_segments": n,
                "coded_by_either": int((a | b).sum()),
                "agreement": percent(agree, n),
                "kappa": round_half_away(kappa, 3) if kappa is not None else None,
                "alpha": None,
            }
        )
    # alpha over every coder who coded these segments: units = segment x theme (segment-major)
    data = []
    for coder in coders:
        coded = np.zeros(n, dtype=bool)
        coded[segment_index.get_indexer(subset.loc[subset["coder"] == coder, "segment_id"])] = True
        data.append(np.where(coded[:, None], applied[coder].astype(int), None).ravel())
    decisions = n * len(theme_ids)
    alpha = krippendorff_alpha_nominal(data) if decisions else None
    rows.append(
        {
            "theme": overall_label,
            "double_coded_segments": n,
            "coded_by_either": int(subset["segment_id"].nunique()) if n else 0,
            "agreement": percent(agree_total, decisions) if decisions else None,
            "kappa": None,
            "alpha": round_half_away(alpha, 3) if alpha is not None else None,
        }
    )
    summary = {
        "second_coder": second,
        "double_coded_segments": n,
        "alpha": round_half_away(alpha, 3) if alpha is not None else None,
        "agreement_pct": percent(agree_total, decisions) if decisions else None,
        "coders_in_agreement": coders,
    }
    return pd.DataFrame(rows, columns=AGREEMENT_COLUMNS), summary
