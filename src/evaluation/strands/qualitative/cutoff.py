"""Cut-off stage of the qualitative strand: participants interviewed by the census date.

A participant is in the run when interviewed on or before the cut-off; their
coded segments come with them. Everything left out is counted in the ledger.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from evaluation.core.findings import FindingLog, Ledger
from evaluation.core.stage import StageResult
from evaluation.strands.qualitative.read import SOURCE

CUT_STEP = "cut-off"
AFTER_CUTOFF = "participant interviewed after the cut-off"


def at_cutoff(read: StageResult, cutoff: dt.date, *, participants_file: str = "") -> StageResult:
    """Participants interviewed on or before ``cutoff`` and their segments; the rest counted out.

    Frames: ``themes`` (as read), ``participants`` and ``segments`` in the run.
    ``participants_file`` is the participants CSV as the ledger names it.
    """
    participants, segments = read["participants"], read["segments"]
    ledger = Ledger()
    keep = participants["interview_date"] <= pd.Timestamp(cutoff)
    kept = participants.loc[keep].reset_index(drop=True)
    ledger.read(SOURCE, participants_file, "", "participant", len(participants), step=CUT_STEP)
    ledger.used(SOURCE, participants_file, "", "participant", int(keep.sum()), step=CUT_STEP)
    ledger.excluded(
        SOURCE,
        participants_file,
        "",
        "participant",
        AFTER_CUTOFF,
        int((~keep).sum()),
        step=CUT_STEP,
    )
    in_run = segments["participant_id"].isin(set(kept["participant_id"]))
    for file in sorted(segments["file"].unique().tolist()):
        in_file = segments["file"] == file
        ledger.read(SOURCE, file, "", "segment code", int(in_file.sum()), step=CUT_STEP)
        ledger.used(SOURCE, file, "", "segment code", int((in_file & in_run).sum()), step=CUT_STEP)
        ledger.excluded(
            SOURCE,
            file,
            "",
            "segment code",
            AFTER_CUTOFF,
            int((in_file & ~in_run).sum()),
            step=CUT_STEP,
        )
    frames = {
        "themes": read["themes"],
        "participants": kept,
        "segments": segments.loc[in_run].reset_index(drop=True),
    }
    # the cut-off adds no findings of its own
    return StageResult(frames, FindingLog(SOURCE), ledger)
