"""Context stage of the survey strand: the counts and facts the report's prose reads as ``results.surveys``.

:func:`mothers_context` and :func:`practitioner_context` are each
instrument's part (computed with its tables); :func:`build_survey_context`
joins the parts of the instruments the study has with the exclusion and
warning counts of the survey audit trail into
``data/processed/context/surveys.json``. The mothers' part is at the top
level (``waves``, ``respondents``, ...; ``wai`` only when the codebook
declares the scored scale), the practitioners' under ``practitioners``; an
instrument the study lacks has no keys.
"""

from __future__ import annotations

import pandas as pd

from evaluation.core.tidy import percent, round_half_away
from evaluation.strands.surveys import spec
from evaluation.strands.surveys.cutoff import (
    MOTHERS_AFTER_CUTOFF,
    PRACTITIONERS_AFTER_CUTOFF,
    VALID,
)
from evaluation.strands.surveys.platforms import unfinished_reasons
from evaluation.strands.surveys.read import (
    MOTHERS_SOURCE,
    PRACTITIONERS_SOURCE,
    PREVIEW,
)
from evaluation.strands.surveys.stats import CONFIDENCE_LEVEL, wilson_interval
from evaluation.strands.surveys.tables import (
    WAI_TOTAL,
    ValidAnswers,
    percent_limit,
    supported_inside_fact,
    wai_completion_counts,
)

# --------------------------------------------------------------------------- mothers


def mothers_context(
    responses: pd.DataFrame,
    answers: pd.DataFrame,
    tables: dict[str, pd.DataFrame],
    settings: spec.SurveySettings,
    cutoff: str,
    valid: ValidAnswers | None = None,
) -> dict:
    """Values the report's survey section reads as ``results.surveys`` (mothers' part)."""
    valid = valid or ValidAnswers(answers)
    waves = list(settings.mother_waves)
    returned = {w: int((responses["wave"] == w).sum()) for w in waves}
    ratings = {}
    for record in tables["mothers_ratings"].to_dict("records"):
        codes = valid.get(record["item"], record["column"])["code"].astype("float64")
        whole = round_half_away(float(codes.mean()), 0) if len(codes) else None
        clean = {
            k: (None if not isinstance(v, str) and pd.isna(v) else v) for k, v in record.items()
        }
        ratings.setdefault(record["item"], {})[record["column"]] = {
            **clean,
            "mean_whole": None if whole is None else int(whole),
        }
    fact = supported_inside_fact(answers, waves, valid).iloc[0]
    limits = wilson_interval(int(fact["n"]), int(fact["denominator"]))
    paired = tables["mothers_paired_change"]
    comparisons = {
        c: int(_mothers_in_both(responses, waves[0], c.split("-", 1)[1]))
        for c in paired["comparison"].unique()
    }
    paired_methods = list(paired.attrs.get("method_texts", []))
    service = tables["mothers_service"]
    scale_items = spec.wai_spec()["items"] if spec.has_scored_scale() else []
    context = {
        "cutoff": cutoff,
        "waves": waves,
        "first_wave": waves[0],
        "last_wave": waves[-1],
        "respondents": returned,
        "respondents_total": int(sum(returned.values())),
        "distinct_mothers": int(responses["case_id"].str.casefold().nunique()),
        "comparisons": comparisons,
        "ratings": ratings,
        "service": _service_summary(service),
        "supported_inside_latest": {
            "wave": waves[-1],
            "n": int(fact["n"]),
            "denominator": int(fact["denominator"]),
            "pct": None if pd.isna(fact["pct"]) else float(fact["pct"]),
            "ci_level": CONFIDENCE_LEVEL,
            "ci_low": percent_limit(limits[0]) if limits else None,
            "ci_high": percent_limit(limits[1]) if limits else None,
        },
        "missing_by_reason": _missing_by_reason(answers, waves),
        "methods": {
            "wilson": spec.method_text("wilson"),
            "paired": paired_methods,
            "caveat": spec.method_text("caveat"),
        },
        "items": {
            item: {"statement": spec.item_statement(item), "short": spec.item_short(item)}
            for item in [*spec.scale_items(), *([WAI_TOTAL] if scale_items else [])]
            if item not in scale_items
        },
        "unknown_case_ids": int(responses["prison"].isna().sum()),
        "item_tables": {
            table_id: [item for item, _rows in entries]
            for table_id, entries in spec.item_tables().items()
        },
        "ratings_items": list(spec.mothers_codebook()["ratings"]),
    }
    if spec.has_scored_scale():
        context["wai"] = _wai_context(responses, settings)
    return context


def _wai_context(responses: pd.DataFrame, settings: spec.SurveySettings) -> dict:
    """The scored scale's part: its rule, source, subscales and completion counts per wave."""
    completion = {w: wai_completion_counts(responses, w) for w in settings.mother_waves}
    for counts in completion.values():
        counts["computed_pct"] = _pct(counts["computed"], counts["answered"])
    return {
        "rule": settings.wai_rule,
        "rule_text": settings.describe_wai_rule(),
        "max_missing_per_subscale": settings.wai_max_missing,
        "source": spec.wai_spec()["source"],
        "citation": spec.wai_spec()["citation"],
        "subscales": {
            k: [int(i.split("_")[1]) for i in v] for k, v in spec.wai_spec()["subscales"].items()
        },
        "per_wave": completion,
    }


def _pct(n: int, d: int) -> float | None:
    return percent(n, d)


def _mothers_in_both(responses: pd.DataFrame, first: str, later: str) -> int:
    a = set(responses.loc[responses["wave"] == first, "case_id"].str.casefold())
    b = set(responses.loc[responses["wave"] == later, "case_id"].str.casefold())
    return len(a & b)


def _service_summary(service: pd.DataFrame) -> list[dict]:
    """Per service item and wave: its first category in codebook order (the most positive)."""
    out = []
    for (item, wave), group in service.groupby(["item", "column"], sort=False):
        top = group.iloc[0]
        out.append(
            {
                "item": item,
                "wave": wave,
                "statement": spec.item_statement(item),
                "short": spec.item_short(item),
                "category": top["row"],
                "n": int(top["n"]),
                "denominator": int(top["denominator"]),
                "pct": None if pd.isna(top["pct"]) else float(top["pct"]),
            }
        )
    return out


def _missing_by_reason(answers: pd.DataFrame, waves: list[str]) -> dict:
    invalid = answers.loc[answers["status"] != VALID]
    out = {}
    for wave in waves:
        part = invalid.loc[invalid["wave"] == wave, "status"].value_counts()
        out[wave] = {
            reason: int(part.get(reason, 0)) for reason in spec.labels("mothers_missing_reason")
        }
    return out


# --------------------------------------------------------------------------- practitioners


def practitioner_context(
    answers: pd.DataFrame, tables: dict[str, pd.DataFrame], waves: list[str]
) -> dict:
    """Values the report reads as ``results.surveys.practitioners``."""
    responses = answers[["wave", "response_id"]].drop_duplicates()
    complete = {w: int((responses["wave"] == w).sum()) for w in waves}
    statements = {}
    for record in tables["practitioner_statements"].to_dict("records"):
        statements.setdefault(record["column"], {})[record["item"]] = record["statement"]
    agree_label = spec.value_set_entries(
        spec.practitioner_codebook()["agreement_items"]["collapsed"]
    )[0]["label"]
    agreement = tables["practitioner_agreement"]
    agreed = agreement.loc[agreement["row"] == agree_label]
    agreed_counts = {}
    for record in agreed.to_dict("records"):
        agreed_counts.setdefault(record["column"], {})[record["item"]] = {
            "n": int(record["n"]),
            "denominator": None if pd.isna(record["denominator"]) else int(record["denominator"]),
            "pct": None if pd.isna(record["pct"]) else float(record["pct"]),
        }
    return {
        "waves": waves,
        "last_wave": waves[-1] if waves else None,
        "complete_responses": complete,
        "statements": statements,
        "agreed": agreed_counts,
        "n_statements": {w: len(s) for w, s in statements.items()},
    }


# --------------------------------------------------------------------------- both


def exclusion_counts(ledger: pd.DataFrame) -> dict:
    """source -> reason -> rows excluded, from the survey ledger."""
    excluded = ledger.loc[ledger["outcome"] == "excluded"]
    out: dict = {}
    for (source, reason), rows in excluded.groupby(["source", "reason"])["rows"].sum().items():
        out.setdefault(source, {})[reason] = int(rows)
    return out


def build_survey_context(
    mothers: dict | None,
    practitioners: dict | None,
    ledger: pd.DataFrame,
    findings: pd.DataFrame,
) -> dict:
    """The template's ``results.surveys``: the instruments' parts with exclusion and warning counts.

    ``mothers`` or ``practitioners`` is ``None`` when the study lacks that
    instrument (its keys are then absent). ``ledger`` and ``findings`` are
    the survey strand's merged audit trail.
    """
    merged = dict(mothers or {})
    if practitioners is not None:
        merged["practitioners"] = dict(practitioners)
    excluded = exclusion_counts(ledger)
    merged["excluded"] = excluded
    mothers_excluded = excluded.get(MOTHERS_SOURCE, {})
    practitioner_excluded = excluded.get(PRACTITIONERS_SOURCE, {})
    if mothers is not None:
        merged["after_cutoff_excluded"] = mothers_excluded.get(MOTHERS_AFTER_CUTOFF, 0)
    if practitioners is not None:
        merged["practitioners"].update(
            previews_excluded=practitioner_excluded.get(PREVIEW, 0),
            # a platform's own kind of unfinished response (unsubmitted, incomplete record) too
            unfinished_excluded=sum(
                practitioner_excluded.get(reason, 0) for reason in unfinished_reasons()
            ),
            after_cutoff_excluded=practitioner_excluded.get(PRACTITIONERS_AFTER_CUTOFF, 0),
        )
    merged["warnings"] = int((findings["severity"] == "warning").sum()) if len(findings) else 0
    return merged
