"""Intercoder agreement: Cohen's kappa per theme and Krippendorff's alpha (nominal).

A segment coded by two coders is "double-coded". For each theme, each coder
either applied it to the segment or not; kappa measures agreement on that
decision beyond chance. Alpha pools every segment x theme decision of every
coder (missing values allowed) into one coefficient.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evaluation.codebook import load_codebook
from evaluation.tidy import percent, round_half_away

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
    missing = np.vectorize(
        lambda v: v is None or (isinstance(v, float) and np.isnan(v)), otypes=[bool]
    )(table)
    values = sorted(
        {v for v, m in zip(table.ravel(), missing.ravel(), strict=True) if not m}, key=str
    )
    index = {v: i for i, v in enumerate(values)}
    k = len(values)
    coincidence = np.zeros((k, k), dtype=float)
    for unit in range(table.shape[1]):
        present = [index[v] for v, m in zip(table[:, unit], missing[:, unit], strict=True) if not m]
        m_u = len(present)
        if m_u < 2:
            continue
        counts = np.bincount(present, minlength=k).astype(float)
        # pairs of different coders' values within the unit, weighted 1 / (m_u - 1)
        coincidence += (np.outer(counts, counts) - np.diag(counts)) / (m_u - 1)
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
    coders_per_segment = segments.groupby("segment_id")["coder"].agg(lambda c: sorted(set(c)))
    with_primary = coders_per_segment[coders_per_segment.map(lambda c: primary in c and len(c) > 1)]
    shared: dict[str, int] = {}
    for coders in with_primary:
        for coder in coders:
            if coder != primary:
                shared[coder] = shared.get(coder, 0) + 1
    if not shared:
        return None, []
    second = sorted(shared, key=lambda c: (-shared[c], c))[0]
    ids = sorted(s for s, coders in with_primary.items() if second in coders)
    return second, ids


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
    applied = {
        coder: {(s, t) for s, t in zip(g["segment_id"], g["theme"], strict=True)}
        for coder, g in subset.groupby("coder")
    }
    agree_total = 0
    for theme in theme_ids:
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
        a = np.array([(s, theme) in applied.get(primary, set()) for s in ids])
        b = np.array([(s, theme) in applied.get(second, set()) for s in ids])
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
    # alpha over every coder who coded these segments: units = segment x theme
    coders = sorted(subset["coder"].unique().tolist())
    coded_by = {c: set(subset.loc[subset["coder"] == c, "segment_id"]) for c in coders}
    units = [(s, t) for s in ids for t in theme_ids]
    data = [
        [
            (1 if (s, t) in applied.get(c, set()) else 0) if s in coded_by[c] else None
            for s, t in units
        ]
        for c in coders
    ]
    alpha = krippendorff_alpha_nominal(data) if units else None
    decisions = n * len(theme_ids)
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
