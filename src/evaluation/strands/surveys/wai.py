"""WAI-SR scoring: total (12-60) and Goal, Task, Bond subscales under the configured missing rule."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evaluation.strands.surveys import spec

#: Columns :func:`score_wai` adds, one per score, named after the codebook's score keys.
SCORE_COLUMNS = {"total": "wai_total", "Goal": "wai_goal", "Task": "wai_task", "Bond": "wai_bond"}


def _valid_matrix(items: pd.DataFrame) -> pd.DataFrame:
    """Item codes with everything but a valid 1-5 answer set to NaN."""
    scale = spec.item_scale(spec.wai_spec()["items"][0])
    values = items.apply(pd.to_numeric, errors="coerce").astype("float64")
    valid = values.isin(list(scale.codes))
    return values.where(valid)


def wai_status(items: pd.DataFrame) -> pd.Series:
    """Per response: 'not_met', 'none_answered' or 'answered' (keys of the completion rows)."""
    values = items.apply(pd.to_numeric, errors="coerce").astype("float64")
    valid = _valid_matrix(items).notna()
    not_met_code = spec.wai_spec()["not_met_code"]
    any_valid = valid.any(axis=1)
    non_blank = values.notna()
    only_not_met = ((values == not_met_code) | ~non_blank).all(axis=1) & (
        values == not_met_code
    ).any(axis=1)
    status = np.where(any_valid, "answered", np.where(only_not_met, "not_met", "none_answered"))
    return pd.Series(status, index=items.index, dtype="string")


def score_wai(items: pd.DataFrame, rule: str = "complete", max_missing: int = 1) -> pd.DataFrame:
    """WAI-SR scores of each row of ``items`` (columns wai_01..wai_12, codes incl. user-missing).

    ``complete``: a subscale needs its 4 items, the total all 12. ``prorate``: a
    subscale is 4 x the mean of its valid items when at most ``max_missing`` are
    missing; the total is the sum of the three subscales when all are scored.
    """
    if rule not in spec.WAI_RULES:
        raise ValueError(f"unknown WAI missing rule {rule!r}; use one of {spec.WAI_RULES}")
    wai = spec.wai_spec()
    valid = _valid_matrix(items[wai["items"]])
    out = pd.DataFrame(index=items.index)
    out["wai_status"] = wai_status(items[wai["items"]])
    out["wai_valid_items"] = valid.notna().sum(axis=1).astype("int64")
    subscale_scores = {}
    for name, members in wai["subscales"].items():
        part = valid[members]
        n_valid = part.notna().sum(axis=1)
        if rule == "complete":
            score = part.sum(axis=1).where(n_valid == len(members))
        else:
            allowed = n_valid >= len(members) - max_missing
            score = (part.mean(axis=1) * len(members)).where(allowed & (n_valid > 0))
        subscale_scores[name] = score
        out[SCORE_COLUMNS[name]] = score.astype("float64")
    if rule == "complete":
        total = valid.sum(axis=1).where(valid.notna().all(axis=1))
    else:
        frame = pd.DataFrame(subscale_scores)
        total = frame.sum(axis=1).where(frame.notna().all(axis=1))
    out[SCORE_COLUMNS["total"]] = total.astype("float64")
    out["wai_total_computed"] = out[SCORE_COLUMNS["total"]].notna()
    return out[["wai_status", "wai_valid_items", *SCORE_COLUMNS.values(), "wai_total_computed"]]
