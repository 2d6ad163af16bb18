"""The register at the census date: records dated after it are left out and counted.

A record set declares the date column that places it in time (``dated_by:``,
for example a survey response's recorded date or an interview's date);
records without one (authorities, services) are all in. A record set
deduplicated by a column (``deduplicate:``, two people answering for one
organisation) keeps, of the records left at the cut-off, the latest of each;
the others are counted out. Deduplicating after the cut-off keeps an earlier
answer at an interim census when the later one came after it.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from evaluation.core.findings import FindingLog, Ledger
from evaluation.core.stage import StageResult
from evaluation.strands.register.spec import RecordSet, RegisterSpec

#: A deduplicated record set's records before deduplication are kept as
#: ``<name>:all`` (a table may count responses as well as organisations).
BEFORE_DEDUPLICATION = ":all"


def register_at_cutoff(read: StageResult, cutoff: dt.date, spec: RegisterSpec) -> StageResult:
    """The records of ``read`` on or before ``cutoff``, deduplicated; the rest counted out.

    The result has the cut-off's own findings and ledger (step ``cutoff``);
    the read's stay with the read.
    """
    result = StageResult(frames={}, findings=FindingLog("register"), ledger=Ledger())
    for name, frame in read.frames.items():
        record_set = spec.record_sets[name]
        if record_set.dated_by or record_set.deduplicate:
            _account(result.ledger, frame, record_set, "read", len(frame))
        if record_set.dated_by:
            frame = _on_or_before(frame, record_set, cutoff, result.ledger)
        if record_set.deduplicate:
            result.frames[name + BEFORE_DEDUPLICATION] = frame
            frame = _deduplicate(frame, record_set, result.ledger)
        if record_set.dated_by or record_set.deduplicate:
            _account(result.ledger, frame, record_set, "used", len(frame))
        result.frames[name] = frame
    for record_set in spec.record_sets.values():  # after the sets they follow are cut
        if record_set.cut_with and record_set.name in result.frames:
            result.frames[record_set.name] = _cut_with(result, record_set, spec)
    return result


def _cut_with(result: StageResult, record_set: RecordSet, spec: RegisterSpec) -> pd.DataFrame:
    """The records whose key is a key of ``cut_with`` at the cut-off; the others counted out."""
    frame = result.frames[record_set.name]
    other = spec.record_sets[record_set.cut_with]
    kept = set(result.frames[other.name][other.key])
    inside = frame[record_set.key].isin(kept)
    _account(result.ledger, frame, record_set, "read", len(frame))
    reason = f"its {other.unit} is not in the run at the cut-off"
    _exclude(result.ledger, frame, record_set, reason, int((~inside).sum()))
    _account(result.ledger, frame, record_set, "used", int(inside.sum()))
    return frame.loc[inside].reset_index(drop=True)


def _account(ledger: Ledger, frame, record_set: RecordSet, outcome: str, count: int) -> None:
    """The cut-off step's rows in (read) and kept (used), so that read = used + excluded."""
    file = frame["source_file"].iloc[0] if len(frame) else ""
    record = ledger.read if outcome == "read" else ledger.used
    record("register", file, record_set.sheet, record_set.unit, count, step="cutoff")


def _exclude(ledger: Ledger, frame, record_set: RecordSet, reason: str, count: int) -> None:
    if count:
        file = frame["source_file"].iloc[0]
        ledger.excluded(
            "register", file, record_set.sheet, record_set.unit, reason, count, step="cutoff"
        )


def _day(value) -> dt.date | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    return value.date() if isinstance(value, dt.datetime) else value


def _on_or_before(frame, record_set: RecordSet, cutoff: dt.date, ledger) -> pd.DataFrame:
    column = record_set.dated_by
    later = frame[column].map(lambda value: (_day(value) or cutoff) > cutoff).astype(bool)
    header = record_set.columns[column].header
    reason = f"{header} after the cut-off {cutoff.isoformat()}"
    _exclude(ledger, frame, record_set, reason, int(later.sum()))
    return frame.loc[~later].reset_index(drop=True)


def _deduplicate(frame, record_set: RecordSet, ledger) -> pd.DataFrame:
    """One record per ``by`` value: the latest by ``keep_last_by``; the others counted out."""
    by, order = record_set.deduplicate["by"], record_set.deduplicate["keep_last_by"]
    ordered = frame.sort_values([by, order, "source_row"], kind="mergesort")
    kept = ordered.drop_duplicates(by, keep="last").sort_values("source_row", kind="mergesort")
    header = record_set.columns[by].header
    reason = f"another response for the same {header} (the latest kept)"
    _exclude(ledger, frame, record_set, reason, len(frame) - len(kept))
    return kept.reset_index(drop=True)
