"""Cut-off stage of the survey strand: the questionnaires and responses in a run at one census date.

:func:`mothers_at_cutoff` keeps every wave's questionnaires completed on or
before the cut-off (the rest counted in the ledger), matches their case ids
to the case trackers (an unknown id is a warning; the answers are still
analysed), warns when a later wave is dated before an earlier one, classifies
every answer (valid, or its missing reason) and scores the WAI-SR when the
codebook declares it (:func:`~evaluation.strands.surveys.spec.has_scored_scale`).
:func:`practitioners_at_cutoff` keeps the responses that ended on or before
the cut-off.

Each wave's read comes as the read stage's
:class:`~evaluation.core.stage.StageResult` or as its ``answers`` frame alone
(as loaded from the processed Parquet files), keyed by wave label in config
order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import numpy as np
import pandas as pd

from evaluation.core.findings import FindingLog, Ledger
from evaluation.core.stage import StageResult
from evaluation.strands.surveys import spec
from evaluation.strands.surveys.read import (
    MOTHERS_ANSWER_COLUMNS,
    MOTHERS_SOURCE,
    PRACTITIONER_ANSWER_COLUMNS,
    PRACTITIONERS_SOURCE,
    QUESTIONNAIRE,
    RESPONSE,
)
from evaluation.strands.surveys.wai import score_wai

#: The checks this module names in its findings (``check=``), as the validation
#: report describes them; a test keeps this in step with the code.
CHECKS: dict[str, str] = {
    "case id": "case id",
    "wave order": "wave order",
}

CUT_STEP = "cut-off"
MOTHERS_AFTER_CUTOFF = "completed after the cut-off"
PRACTITIONERS_AFTER_CUTOFF = "ended after the cut-off"
#: An answer's status when it is a code of its scale (else the missing reason).
VALID = "valid"
RESPONSE_COLUMNS = ["wave", "source_file", "source_row", "case_id", "completion_date"]

#: One wave's read: the read stage's result or its ``answers`` frame alone.
WaveAnswers = StageResult | pd.DataFrame


def _answers(read: WaveAnswers) -> pd.DataFrame:
    return read["answers"] if isinstance(read, StageResult) else read


# --------------------------------------------------------------------------- mothers


def _classify_code(item: str, code) -> tuple[str, str | None, str | None]:
    """(status, label, collapsed) of one item's code: 'valid' or the missing reason."""
    scale = spec.item_scale(item)
    if pd.isna(code):
        return spec.blank_reason(), None, None
    if int(code) in scale.missing:
        return scale.missing[int(code)], None, None
    return VALID, scale.label(int(code)), scale.collapse_map.get(int(code))


def classify_answers(answers: pd.DataFrame) -> pd.DataFrame:
    """Add ``status`` ('valid' or the missing reason), ``label`` and ``collapsed`` per answer."""
    out = answers.copy(deep=False)  # copy-on-write: the input frame is never changed
    pairs, pair_of_answer = _distinct_pairs(out["item"], out["code"])
    classes = [_classify_code(item, code) for item, code in pairs]
    for position, name in enumerate(["status", "label", "collapsed"]):
        per_pair = np.array([c[position] for c in classes] or [None], dtype=object)
        out[name] = pd.array(per_pair[pair_of_answer], dtype="string")
    return out


def _distinct_pairs(items: pd.Series, codes: pd.Series) -> tuple[list[tuple], np.ndarray]:
    """The distinct (item, code) pairs (a missing code included), and each row's pair number."""
    grouped = pd.DataFrame({"item": items, "code": codes}).groupby(
        ["item", "code"], dropna=False, sort=False
    )
    return list(grouped.size().index), grouped.ngroup().to_numpy()


def _folded_ids(ids: pd.Series) -> pd.Series:
    """Case ids as compared: text, stripped, case-folded."""
    return ids.astype(object).map(str, na_action=None).str.strip().str.casefold()


def match_case_ids(
    responses: pd.DataFrame, known: pd.DataFrame | None, log: FindingLog
) -> pd.DataFrame:
    """Canonical case id and prison of each response; an unknown id is a warning (still analysed)."""
    out = responses.copy()
    if known is not None and len(known):
        # the last tracker row of an id wins, as in a dict built row by row
        lookup = pd.DataFrame(
            {
                "canonical": known["case_id"].astype(object).map(str),
                "prison": known["prison"].astype(object).map(str),
            }
        ).set_index(_folded_ids(known["case_id"]).to_numpy())
        lookup = lookup.loc[~lookup.index.duplicated(keep="last")]
    else:
        lookup = pd.DataFrame(columns=["canonical", "prison"], dtype=object)
    hits = lookup.reindex(_folded_ids(out["case_id"]).to_numpy())
    unknown = hits["canonical"].isna().to_numpy()
    for file, row, case_id in zip(
        out["source_file"].to_numpy()[unknown],
        out["source_row"].to_numpy()[unknown],
        out["case_id"].to_numpy()[unknown],
        strict=True,
    ):
        log.warning(
            file,
            "case_id not found in any case tracker; the response is still analysed",
            row=int(row),
            column="case_id",
            value=str(case_id),
            expected="a case id of a configured case tracker",
            check="case id",
        )
    ids = np.where(unknown, out["case_id"].to_numpy(dtype=object), hits["canonical"].to_numpy())
    out["case_id"] = pd.Series(ids, index=out.index, dtype="string")
    out["prison"] = pd.Series(hits["prison"].to_numpy(), index=out.index, dtype="string")
    return out


def check_wave_order(responses: pd.DataFrame, waves: list[str], log: FindingLog) -> None:
    """Warn when a mother's later-wave questionnaire is dated before an earlier wave's."""
    position = {w: i for i, w in enumerate(waves)}
    frame = responses.assign(
        _key=responses["case_id"].str.casefold(), _pos=responses["wave"].map(position)
    )
    # each questionnaire against the one before it of the same mother (in wave order)
    frame = frame.loc[frame["_key"].notna()].sort_values(["_key", "_pos"], kind="stable")
    by_mother = frame.groupby("_key", sort=False)
    frame = frame.assign(
        _earlier_wave=by_mother["wave"].shift(), _earlier_date=by_mother["completion_date"].shift()
    )
    for _, row in frame.loc[frame["completion_date"] < frame["_earlier_date"]].iterrows():
        log.warning(
            row["source_file"],
            f"wave {row['wave']} questionnaire is dated before the same mother's wave "
            f"{row['_earlier_wave']} questionnaire ({row['_earlier_date']:%Y-%m-%d})",
            row=int(row["source_row"]),
            column="completion_date",
            value=f"{row['completion_date']:%Y-%m-%d}",
            expected="a date after the earlier wave's",
            check="wave order",
        )


def mothers_at_cutoff(
    waves: Mapping[str, WaveAnswers],
    cutoff: dt.date,
    known_case_ids: pd.DataFrame | None = None,
    *,
    wai_rule: str = "complete",
    wai_max_missing: int = 1,
) -> StageResult:
    """Every wave (in config order) at the cut-off, case ids and wave order checked, WAI-SR scored.

    ``known_case_ids`` holds the case trackers' ``prison`` and ``case_id``
    (``None``: every id is unknown). Frames ``responses`` (one row per
    questionnaire, with its prison, and its WAI-SR scores when the codebook
    declares the scale; else no score columns) and ``answers`` (with
    ``status``, ``label`` and ``collapsed``); the ledger holds this step's rows.
    """
    log = FindingLog(MOTHERS_SOURCE)
    ledger = Ledger()
    cut = pd.Timestamp(cutoff)
    kept, kept_responses, response_of_answer, offset = [], [], [], 0
    for wave, read in waves.items():
        answers = _answers(read)
        # one wave: its source rows identify the questionnaires
        responses = answers.loc[~answers["source_row"].duplicated(), RESPONSE_COLUMNS]
        after = responses["completion_date"] > cut
        source = str(responses["source_file"].iloc[0]) if len(responses) else wave
        ledger.read(MOTHERS_SOURCE, source, "", QUESTIONNAIRE, len(responses), step=CUT_STEP)
        ledger.excluded(
            MOTHERS_SOURCE,
            source,
            "",
            QUESTIONNAIRE,
            MOTHERS_AFTER_CUTOFF,
            int(after.sum()),
            step=CUT_STEP,
        )
        ledger.used(MOTHERS_SOURCE, source, "", QUESTIONNAIRE, int((~after).sum()), step=CUT_STEP)
        in_time = answers["completion_date"] <= cut
        answers = answers if in_time.all() else answers.loc[in_time]  # no copy when all kept
        responses = responses.loc[responses["completion_date"] <= cut]
        rows = pd.Index(responses["source_row"]).get_indexer(answers["source_row"])
        kept.append(answers)
        kept_responses.append(responses)
        response_of_answer.append(rows + offset)
        offset += len(responses)
    if kept:
        answers = pd.concat(kept, ignore_index=True)
        responses = pd.concat(kept_responses, ignore_index=True)
    else:
        answers = pd.DataFrame(columns=MOTHERS_ANSWER_COLUMNS)
        responses = pd.DataFrame(columns=RESPONSE_COLUMNS)
    responses = match_case_ids(responses, known_case_ids, log)
    check_wave_order(responses, list(waves), log)
    positions = np.concatenate(response_of_answer) if kept else np.array([], dtype=int)
    canonical = responses["case_id"].to_numpy()[positions]  # each answer's questionnaire's id
    answers["case_id"] = pd.Series(canonical, index=answers.index, dtype="string")
    wave_position = {w: i + 1 for i, w in enumerate(waves)}
    responses.insert(1, "wave_position", responses["wave"].map(wave_position).astype("int64"))
    if spec.has_scored_scale():
        responses = _with_wai_scores(responses, answers, wai_rule, wai_max_missing)
    answers = classify_answers(answers)
    order = (
        responses.assign(_p=responses["wave_position"])
        .sort_values(["_p", "source_row"])
        .drop(columns="_p")
    )
    return StageResult(
        frames={"responses": order.reset_index(drop=True), "answers": answers},
        findings=log,
        ledger=ledger,
    )


def _with_wai_scores(
    responses: pd.DataFrame, answers: pd.DataFrame, rule: str, max_missing: int
) -> pd.DataFrame:
    """The responses with their WAI-SR status and scores (columns of :func:`score_wai`)."""
    wai_items = spec.wai_spec()["items"]
    wide = (
        answers.loc[answers["item"].isin(wai_items), ["wave", "source_row", "item", "code"]]
        .pivot(index=["wave", "source_row"], columns="item", values="code")
        .reindex(columns=wai_items)
    )
    wide = wide.reindex(pd.MultiIndex.from_frame(responses[["wave", "source_row"]]))
    scores = score_wai(wide, rule, max_missing).reset_index(drop=True)
    return pd.concat([responses.reset_index(drop=True), scores], axis=1)


# --------------------------------------------------------------------------- practitioners


def practitioners_at_cutoff(waves: Mapping[str, WaveAnswers], cutoff: dt.date) -> StageResult:
    """Every wave's responses that ended on or before the cut-off (frame ``answers``).

    The responses left out are counted in the ledger, per wave.
    """
    log = FindingLog(PRACTITIONERS_SOURCE)
    ledger = Ledger()
    kept = []
    for wave, read in waves.items():
        answers = _answers(read)
        responses = answers[["source_file", "source_row", "end_date"]].drop_duplicates()
        after = responses["end_date"] > pd.Timestamp(cutoff)
        source = str(responses["source_file"].iloc[0]) if len(responses) else wave
        ledger.read(PRACTITIONERS_SOURCE, source, "", RESPONSE, len(responses), step=CUT_STEP)
        ledger.excluded(
            PRACTITIONERS_SOURCE,
            source,
            "",
            RESPONSE,
            PRACTITIONERS_AFTER_CUTOFF,
            int(after.sum()),
            step=CUT_STEP,
        )
        ledger.used(PRACTITIONERS_SOURCE, source, "", RESPONSE, int((~after).sum()), step=CUT_STEP)
        kept.append(answers.loc[answers["end_date"] <= pd.Timestamp(cutoff)])
    frame = (
        pd.concat(kept, ignore_index=True)
        if kept
        else pd.DataFrame(columns=PRACTITIONER_ANSWER_COLUMNS)
    )
    return StageResult(
        frames={"answers": frame.reset_index(drop=True)}, findings=log, ledger=ledger
    )
