"""Entry points of the qualitative rules: read and validate, then analyse at the cut-off.

Each function is what one Snakemake rule calls, with paths and config values
as arguments; nothing here reads config.yaml itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from evaluation.core.codebook import load_codebook, value_set
from evaluation.core.findings import FindingLog, Ledger, write_json, write_step_audit
from evaluation.core.identifiers import check_texts, read_disallowed_names, scan_text
from evaluation.core.tidy import percent, write_csv
from evaluation.strands.qualitative import agreement as agreement_module
from evaluation.strands.qualitative import analysis
from evaluation.strands.qualitative import read as readers

SOURCE = "qualitative"
FORMATS = ("tidy", "qualcoder", "taguette")


def load_segments(
    fmt: str, coded_segments, participant_map, participants, themes, log, ledger
) -> pd.DataFrame:
    """Coded segments in the tidy form, from the configured format."""
    if fmt not in FORMATS:
        raise ValueError(
            f"config key 'qualitative: format' is {fmt!r}; use one of {', '.join(FORMATS)}"
        )
    if fmt == "tidy":
        return readers.read_segments_tidy(coded_segments, participants, themes, log, ledger)
    if not participant_map:
        raise ValueError(
            f"format {fmt!r} needs a participant map: set config key 'qualitative: participant_map' to a CSV "
            "with columns source, participant_id"
        )
    mapping = readers.read_participant_map(participant_map, participants, log)
    if fmt == "qualcoder":
        return readers.read_qualcoder(coded_segments, mapping, participants, themes, log, ledger)
    return readers.read_taguette(
        readers.taguette_paths(coded_segments), mapping, participants, themes, log, ledger
    )


def guard_items(
    themes: pd.DataFrame,
    participants: pd.DataFrame,
    segments: pd.DataFrame,
    themes_file: str,
    participants_file: str,
) -> Iterable[tuple[dict, str]]:
    """(where, text) for every text of the inputs that can reach an output."""
    for seg in segments.itertuples(index=False):
        yield (
            {
                "file": seg.file,
                "row": int(seg.line),
                "column": "excerpt",
                "segment": seg.segment_id,
            },
            seg.excerpt,
        )
    for theme, label in zip(themes["theme"], themes["label"], strict=True):
        yield (
            {"file": themes_file, "column": "label", "field": f"the label of theme {theme}"},
            label,
        )
    for pid, line in zip(participants["participant_id"], participants["line"], strict=True):
        yield (
            {
                "file": participants_file,
                "row": int(line),
                "column": "participant_id",
                "field": "a participant id",
            },
            pid,
        )


def flagged_texts(columns: Iterable[pd.Series], names: list[str]) -> set:
    """The distinct texts of the columns in which the identifier guard finds something."""
    distinct = pd.unique(pd.concat([c.astype(object) for c in columns], ignore_index=True))
    return {text for text in distinct if scan_text(text, names)}


def read_qualitative(
    *,
    themes: str,
    participants: str,
    coded_segments,
    fmt: str = "tidy",
    participant_map: str | None = None,
    disallowed_names: str | None = None,
    prisons: list[str] | None = None,
    valid_date_range: tuple[str, str] = ("2015-01-01", "2030-12-31"),
    out_themes: str,
    out_participants: str,
    out_segments: str,
    out_findings: str,
    out_ledger: str,
) -> None:
    """Read and validate the qualitative files; write tidy Parquet, findings and ledger.

    Stops with every error at once (unknown participant or theme, bad dates,
    identifiers in any excerpt ...).
    """
    log, ledger = FindingLog(SOURCE), Ledger()
    theme_frame = readers.read_themes(themes, log, ledger)
    participant_frame = readers.read_participants(
        participants, log, ledger, prisons=prisons, valid_range=tuple(valid_date_range)
    )
    segments = load_segments(
        fmt, coded_segments, participant_map, participant_frame, theme_frame, log, ledger
    )
    names = read_disallowed_names(disallowed_names)
    # each distinct text is scanned once; only the rows holding a flagged text are reported
    flagged = flagged_texts(
        [segments["excerpt"], theme_frame["label"], participant_frame["participant_id"]], names
    )
    log.extend(
        check_texts(
            guard_items(
                theme_frame.loc[theme_frame["label"].isin(flagged)],
                participant_frame.loc[participant_frame["participant_id"].isin(flagged)],
                segments.loc[segments["excerpt"].isin(flagged)],
                str(themes),
                str(participants),
            ),
            names,
            source=SOURCE,
            raise_on_hit=False,
        )
    )
    log.raise_if_errors()
    for frame, path in (
        (theme_frame, out_themes),
        (participant_frame, out_participants),
        (segments, out_segments),
    ):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        frame.to_parquet(path, index=False)
    write_csv(log.to_frame(), out_findings)
    write_csv(ledger.to_frame(), out_ledger)


def build_qualitative_tables(
    *,
    themes: str,
    participants: str,
    segments: str,
    read_findings: str,
    read_ledger: str,
    integration: str,
    disallowed_names: str | None,
    cutoff: str,
    primary_coder: str | None,
    quote_max_words: int | None,
    participants_file: str,
    outputs: Mapping[str, str],
) -> None:
    """At the cut-off: theme matrix, agreement, quote bank, joint display, contexts, audit parts.

    ``outputs`` keys: theme_matrix, intercoder_agreement, quote_bank,
    joint_display, context (qualitative.json), integration_context
    (integration.json), ledger, findings.
    """
    theme_frame = pd.read_parquet(themes)
    participant_frame = pd.read_parquet(participants)
    segment_frame = pd.read_parquet(segments)
    log = FindingLog(SOURCE)
    ledger = Ledger()
    kept, in_run = analysis.apply_cutoff(
        participant_frame, segment_frame, cutoff, ledger, participants_file=participants_file
    )
    coder = analysis.choose_primary_coder(in_run, primary_coder)
    matrix = analysis.theme_matrix(theme_frame, kept, in_run, coder)
    agreement, summary = (
        agreement_module.agreement_table(theme_frame, in_run, coder)
        if coder
        else (
            pd.DataFrame(columns=agreement_module.AGREEMENT_COLUMNS),
            {"double_coded_segments": 0},
        )
    )
    quotes = analysis.quote_bank(theme_frame, kept, in_run, coder, quote_max_words)
    integration_rows = analysis.read_integration(integration, theme_frame, log)
    joint = analysis.joint_display(integration_rows, theme_frame, kept, in_run, coder)
    log.raise_if_errors()

    # every text written below passes the guard again, as it is written (each distinct
    # text is scanned once; only the rows holding a flagged text are reported)
    names = read_disallowed_names(disallowed_names)
    flagged = flagged_texts([quotes["excerpt"], quotes["participant"], joint["explanation"]], names)
    hit = quotes["excerpt"].isin(flagged) | quotes["participant"].isin(flagged)
    items = [
        ({"file": outputs["quote_bank"], "column": column, "segment": seg}, text)
        for seg, excerpt, who in zip(
            quotes.loc[hit, "segment_id"],
            quotes.loc[hit, "excerpt"],
            quotes.loc[hit, "participant"],
            strict=True,
        )
        for column, text in (("excerpt", excerpt), ("participant", who))
    ]
    explained = joint.loc[joint["explanation"].isin(flagged)]
    items += [
        ({"file": str(integration), "column": "sentence", "field": f"the sentence of {rq}"}, text)
        for rq, text in zip(explained["research_question"], explained["explanation"], strict=True)
    ]
    check_texts(items, names, source=SOURCE)

    write_csv(matrix, outputs["theme_matrix"])
    write_csv(agreement, outputs["intercoder_agreement"])
    write_csv(quotes, outputs["quote_bank"])
    write_csv(joint, outputs["joint_display"])
    write_json(
        _context(
            theme_frame,
            participant_frame,
            kept,
            in_run,
            coder,
            summary,
            quotes,
            joint,
            cutoff,
            quote_max_words,
        ),
        outputs["context"],
    )
    write_json(_integration_context(joint), outputs["integration_context"])

    write_step_audit(
        read_findings, read_ledger, log, ledger, outputs["findings"], outputs["ledger"]
    )


def _integration_context(joint: pd.DataFrame) -> dict:
    """What the integration section's prose uses (results.integration.*)."""
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


def _context(
    themes,
    all_participants,
    participants,
    segments,
    coder,
    summary,
    quotes,
    joint,
    cutoff,
    quote_max_words,
) -> dict:
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
        "participants_after_cutoff": int(len(all_participants) - len(participants)),
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


# --------------------------------------------------------------------------- rule adapters
