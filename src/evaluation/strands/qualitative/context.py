"""What the report's prose says of the qualitative strand and the integration.

``qualitative.json`` (results.qualitative.*) and ``integration.json``
(results.integration.*) in ``data/processed/context``.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from evaluation.core.codebook import load_codebook, value_set
from evaluation.core.stage import StageResult
from evaluation.core.tidy import percent
from evaluation.strands.qualitative import analysis
from evaluation.strands.qualitative.tables import QualitativeTables


def integration_context(joint: pd.DataFrame) -> dict:
    """What the integration section's prose uses (results.integration.*), from the joint display."""
    inferences = value_set("qual_meta_inference").labels
    entries = load_codebook()["qualitative"]["value_sets"]["qual_meta_inference"]
    return {
        "meta_inferences": [
            {
                "label": e["label"],
                "phrase": e.get("phrase", e["label"].lower()),
                "n": int((joint["meta_inference"] == e["label"]).sum()),
            }
            for e in entries
        ],
        "rows": joint.to_dict(orient="records"),
        "research_questions": int(len(joint)),
        "meta_inference_counts": {m: int((joint["meta_inference"] == m).sum()) for m in inferences},
        "without_statistics": sorted(joint.loc[joint["quantitative"] == "", "research_question"]),
        "discordant": sorted(
            joint.loc[joint["meta_inference"] == inferences[-1], "research_question"]
        ),
    }


def qualitative_context(
    read: StageResult,
    at_cut: StageResult,
    tables: QualitativeTables,
    *,
    cutoff: dt.date,
    quote_max_words: int | None,
) -> dict:
    """What the qualitative section's prose uses (results.qualitative.*).

    ``read`` gives every participant read, ``at_cut`` those in the run and
    their segments, ``tables`` the tables built from them.
    """
    themes, participants, segments = at_cut["themes"], at_cut["participants"], at_cut["segments"]
    coder, summary = tables.primary_coder, tables.agreement_summary
    quotes, joint = tables.tables["quote_bank"], tables.tables["joint_display"]
    groups = analysis.participant_summary(participants)
    coded = segments[segments["coder"] == coder] if coder else segments.iloc[0:0]
    n_segments = int(coded["segment_id"].nunique())
    double = int(summary.get("double_coded_segments", 0))
    per_theme = load_codebook()["qualitative"]["quote_bank"].get("report_per_theme")
    return {
        "cutoff_date": str(cutoff),
        "groups": groups,
        "participants_by_group": {g["group"]: g["participants"] for g in groups},
        "interviews_by_group": {g["group"]: g["interviews"] for g in groups},
        "participants_total": int(len(participants)),
        "interviews_total": int(participants["interviews"].sum()),
        "participants_after_cutoff": int(len(read["participants"]) - len(participants)),
        "themes_total": int(len(themes)),
        "themes_top_level": int(themes["parent"].isna().sum()),
        "subthemes": int(themes["parent"].notna().sum()),
        "coders": sorted(segments["coder"].unique().tolist()),
        "primary_coder": coder,
        "second_coder": summary.get("second_coder"),
        "segments_primary": n_segments,
        "codes_primary": int(len(coded)),
        "double_coded_segments": double,
        "double_coded_pct": percent(double, n_segments),
        "alpha": summary.get("alpha"),
        "agreement_pct": summary.get("agreement_pct"),
        "quotes": int(len(quotes)),
        "quotes_shortened": int(quotes["shortened"].sum()) if len(quotes) else 0,
        "quote_max_words": quote_max_words,
        "joint_display_rows": int(len(joint)),
        "report_quotes": analysis.report_quotes(quotes, per_theme),
    }
