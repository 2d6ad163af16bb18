"""Cut-off stage of the activity diary: entries dated on or before the census date."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from evaluation.core.findings import FindingLog, Ledger
from evaluation.core.stage import StageResult
from evaluation.strands.activity.read import SOURCE, UNIT, codebook

CUT_STEP = "cut-off"
AFTER_CUTOFF = "dated after the cut-off"


def entries_at_cutoff(read: StageResult, cutoff: dt.date, *, file: str) -> StageResult:
    """Entries dated on or before ``cutoff`` (frame ``entries``); later entries counted out.

    ``file`` is the diary the entries were read from, as the ledger names it.
    """
    entries = read["entries"]
    keep = entries["date"] <= pd.Timestamp(cutoff)
    sheet = codebook()["sheet"]
    ledger = Ledger()
    ledger.read(SOURCE, file, sheet, UNIT, len(entries), step=CUT_STEP)
    ledger.used(SOURCE, file, sheet, UNIT, int(keep.sum()), step=CUT_STEP)
    ledger.excluded(SOURCE, file, sheet, UNIT, AFTER_CUTOFF, int((~keep).sum()), step=CUT_STEP)
    # the cut-off adds no findings of its own
    return StageResult(
        {"entries": entries.loc[keep].reset_index(drop=True)}, FindingLog(SOURCE), ledger
    )
