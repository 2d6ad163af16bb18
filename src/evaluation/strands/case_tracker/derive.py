"""Derived variables of the case-tracker strand, as defined in the codebook.

Input: the case-tracker frames at the cut-off (one row per case, child,
need, review). Output: one row per mother with her bands and the mother-level
variables the key facts use, and one row per child with the children's age
band. Every derivation here is described in ``codebook/derived.yaml``.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from evaluation.core import codebook
from evaluation.core.findings import ERROR, DataValidationError, Finding

#: Review fields whose latest value (on or before the cut-off) describes a case.
LATEST_REVIEW_FIELDS = {
    "contact_outcome": "latest_contact_outcome",
    "case_status": "latest_case_status",
}


def isin(values: pd.Series, known: pd.Series) -> pd.Series:
    """``values.isin(known)`` by an index lookup (Arrow-backed ``isin`` goes value by value)."""
    lookup = pd.Index(known.dropna().unique())
    return pd.Series(lookup.get_indexer(values) >= 0, index=values.index)


def quarter_index(dates: pd.Series, project_start: dt.date) -> pd.Series:
    """0 for dates before the project start, else 1 + whole quarters since it."""
    start = pd.Timestamp(project_start)
    d = pd.to_datetime(dates)
    months = (d.dt.year - start.year) * 12 + (d.dt.month - start.month)
    months = months - (d.dt.day < start.day).astype(int)
    index = months // 3 + 1
    return index.where(d >= start, 0).astype("Int64")


def quarter_labels(project_start: dt.date, cutoff: dt.date) -> list[str]:
    """Q0 .. the quarter holding the cut-off, in order."""
    last = int(quarter_index(pd.Series([pd.Timestamp(cutoff)]), project_start).iloc[0])
    return [f"Q{i}" for i in range(0, last + 1)]


def quarter_periods(project_start: dt.date, cutoff: dt.date) -> dict[str, str]:
    """Human-readable period of each quarter label, e.g. 'Q1' -> 'Apr-Jun 2021'."""
    start = pd.Timestamp(project_start)
    periods = {"Q0": f"before {start:%b %Y}"}
    for label in quarter_labels(project_start, cutoff)[1:]:
        k = int(label[1:]) - 1
        first = start + pd.DateOffset(months=3 * k)
        last = first + pd.DateOffset(months=2)
        periods[label] = (
            f"{first:%b}-{last:%b %Y}" if first.year == last.year else f"{first:%b %Y}-{last:%b %Y}"
        )
    return periods


def _band(values: pd.Series, name: str, overrides: dict | None) -> pd.Series:
    return _assign_bands([(values, name)], overrides)[name]


def _assign_bands(
    columns: list[tuple[pd.Series, str]], overrides: dict | None
) -> dict[str, pd.Series]:
    """Each banding's labels; values that fall in no band stop the run, every banding at once.

    A banding comes from the codebook's ``bands:`` (derived.yaml) or, when
    overridden, from config key ``bands: <name>``: the finding names the one
    that needs fixing, with how many values it leaves out and their range.
    """
    labels: dict[str, pd.Series] = {}
    errors: list[Finding] = []
    for values, name in columns:
        overridden = bool(overrides and name in overrides)
        try:
            banding = codebook.banding(name, overrides)
        except ValueError as exc:  # an override's interval unreadable, or bands that overlap
            if not overridden:
                raise
            errors.append(_unusable(name, exc))
            continue
        try:
            labels[name] = banding.assign(values)
        except codebook.BandCoverageError as exc:
            errors.append(_uncovered(exc, overridden=overridden))
    if errors:
        raise DataValidationError(errors)
    return labels


def _unusable(name: str, exc: ValueError) -> Finding:
    return Finding(
        severity=ERROR,
        source="case_tracker",
        file="config.yaml",
        message=f"config key 'bands: {name}' cannot be used: {exc}",
        expected="[label, interval] pairs such as ['18-24', '[18, 24]'], no two overlapping",
    )


def _uncovered(exc: codebook.BandCoverageError, *, overridden: bool) -> Finding:
    banding = exc.banding
    if overridden:
        where, file = f"config key 'bands: {banding.name}'", "config.yaml"
        fix = f"or remove 'bands: {banding.name}' to use the codebook's bands"
    else:
        file = str(codebook.codebook_dir() / "derived.yaml")
        where, fix = f"the codebook's bands: {banding.name}", "or check the data"
    return Finding(
        severity=ERROR,
        source="case_tracker",
        file=file,
        message=(
            f"{where} leaves {exc.count} value(s) of column '{banding.source}' in no band "
            f"(values {exc.span()}); the bands are: {banding.describe()}"
        ),
        expected=(
            f"bands that together cover every value of '{banding.source}', {exc.span()} "
            f"included, {fix}"
        ),
    )


def _children_summary(children: pd.DataFrame) -> pd.DataFrame:
    """Per case: rows recorded, distinct known placements, placement flags, babies."""
    spec = codebook.derived()["derived"]
    not_known = "Not known"
    placement = children["placement"].astype("string")
    known = placement.notna() & (placement != not_known)
    flags = pd.DataFrame(
        {
            "case_id": children["case_id"],
            "known_placement": placement.where(known),
            "away": placement.isin(spec["any_child_away_from_birth_family"]["placements"]).fillna(
                False
            ),
            "with_father": placement.isin(spec["all_children_with_father"]["placements"]).fillna(
                False
            ),
            "adopted": placement.isin(spec["any_child_adopted"]["placements"]).fillna(False),
            "aged_0_2": children["child_age"].astype("Float64").le(2).fillna(False).astype(bool),
        }
    )
    grouped = flags.groupby("case_id", sort=False)
    return pd.DataFrame(
        {
            "n_children_recorded": grouped.size(),
            "distinct_known_placements": grouped["known_placement"].nunique(),
            "any_child_away_from_birth_family": grouped["away"].any(),
            "all_children_with_father": grouped["with_father"].all(),
            "any_child_adopted": grouped["adopted"].any(),
            "any_child_aged_0_2": grouped["aged_0_2"].any(),
        }
    )


def _review_summary(reviews: pd.DataFrame) -> pd.DataFrame:
    """Per case: latest review values, any legal support, any MBU review."""
    ordered = reviews.sort_values(["case_id", "review_date", "excel_row"], kind="stable")
    latest = ordered.groupby("case_id", sort=False).tail(1).set_index("case_id")
    summary = pd.DataFrame(index=latest.index)
    for field, name in LATEST_REVIEW_FIELDS.items():
        summary[name] = latest[field].astype("string")
    summary["any_legal_support"] = (
        (reviews["legal_support"] == "Yes").fillna(False).groupby(reviews["case_id"]).any()
    )
    summary["mbu_review"] = (
        (reviews["mbu"] == "Yes").fillna(False).groupby(reviews["case_id"]).any()
    )
    return summary


def derive_mothers(
    cases: pd.DataFrame,
    children: pd.DataFrame,
    reviews: pd.DataFrame,
    *,
    project_start: dt.date,
    band_overrides: dict | None = None,
) -> pd.DataFrame:
    """One row per mother at the cut-off with every derived variable of the codebook."""
    mothers = cases.copy()
    banded = _assign_bands(
        [
            (mothers["age"], "age_group"),
            (mothers["sentence_months"], "sentence_band"),
            (mothers["incarceration_count"], "incarceration_history"),
            (mothers["n_children_under_18"], "family_size"),
            (mothers["social_workers_involved"], "social_workers_band"),
        ],
        band_overrides,
    )
    for name, labels in banded.items():
        mothers[name] = labels
    indeterminate = mothers["sentence_indeterminate"].fillna(False).astype(bool)
    mothers.loc[indeterminate, "sentence_band"] = codebook.banding(
        "sentence_band", band_overrides
    ).indeterminate_label
    mothers["start_quarter"] = "Q" + quarter_index(
        mothers["first_contact_date"], project_start
    ).astype("string")

    by_case = mothers[["case_id"]].copy()
    kids = _children_summary(children)
    revs = _review_summary(reviews)
    by_case = by_case.join(kids, on="case_id").join(revs, on="case_id")
    by_case["n_children_recorded"] = by_case["n_children_recorded"].fillna(0).astype("Int64")
    by_case["distinct_known_placements"] = (
        by_case["distinct_known_placements"].fillna(0).astype("Int64")
    )
    for flag in [
        "any_child_away_from_birth_family",
        "all_children_with_father",
        "any_child_adopted",
        "any_child_aged_0_2",
        "any_legal_support",
        "mbu_review",
    ]:
        by_case[flag] = by_case[flag].astype("boolean").fillna(False).astype(bool)
    # A mother with no Children rows cannot have "all children with father".
    by_case.loc[by_case["n_children_recorded"] == 0, "all_children_with_father"] = False
    for name in LATEST_REVIEW_FIELDS.values():
        by_case[name] = by_case[name].astype("string")

    mbu_arrangements = [
        label for label in codebook.value_set("care_arrangement").labels if "including MBU" in label
    ]
    baseline_mbu = mothers["care_arrangement"].isin(mbu_arrangements).fillna(False).astype(bool)
    mothers = pd.concat([mothers, by_case.drop(columns="case_id").set_axis(mothers.index)], axis=1)
    mothers["mbu_ever"] = baseline_mbu | mothers["mbu_review"]
    outcome = mothers["latest_contact_outcome"]
    mothers["has_contact_aim"] = (
        (outcome.notna() & (outcome != "Not an aim")).fillna(False).astype(bool)
    )
    return mothers.drop(columns="mbu_review")


def derive_children(children: pd.DataFrame, band_overrides: dict | None = None) -> pd.DataFrame:
    """One row per child with the children's age band."""
    out = children.copy()
    out["children_age"] = _band(out["child_age"], "children_age", band_overrides)
    return out
