"""The cut-off: which cases, children, needs and reviews are in a run.

A case is in the run when its first_contact_date is on or before the
cut-off; its children and needs come with it. Reviews count when dated on or
before the cut-off, so a case's state is its latest such review. Everything
left out is counted in the ledger with its reason. This is also where the
prisons' workbooks meet, so ids duplicated across workbooks are caught here.

The read results come per prison either as the read stage's
:class:`~evaluation.core.stage.StageResult` or as its frames alone (as loaded
from the processed Parquet files).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pandas as pd

from evaluation.core.findings import DataValidationError, FindingLog, Ledger
from evaluation.core.stage import StageResult
from evaluation.strands.case_tracker.derive import derive_children, derive_mothers, isin

SOURCE = "case_tracker"
STEP = "cut-off"
AFTER_CUTOFF_CASE = "first contact after the cut-off"
CASE_AFTER_CUTOFF = "belongs to a case with first contact after the cut-off"
REVIEW_AFTER_CUTOFF = "review dated after the cut-off"

_SHEETS = {
    "cases": ("Baseline", "mother"),
    "children": ("Children", "child"),
    "needs": ("Triage coding", "need"),
    "reviews": ("Reviews", "review"),
}


#: One prison's read: the read stage's result or its frames alone.
PrisonRead = StageResult | Mapping[str, pd.DataFrame]


def _frames(read: PrisonRead) -> Mapping[str, pd.DataFrame]:
    return read.frames if isinstance(read, StageResult) else read


def check_unique_ids(reads: Mapping[str, PrisonRead]) -> None:
    """A case_id used in two prisons' workbooks is an error naming both places."""
    log = FindingLog(source=SOURCE)
    cases = pd.concat(
        [
            _frames(read)["cases"][["prison", "source_file", "excel_row", "case_id"]]
            for read in reads.values()
        ],
        ignore_index=True,
    )
    dup = cases[cases["case_id"].duplicated(keep=False)].sort_values(
        ["case_id", "prison"], kind="stable"
    )
    for case_id, rows in dup.groupby("case_id", sort=True):
        places = "; ".join(
            f"{r.source_file} ({r.prison}), sheet 'Baseline' row {r.excel_row}"
            for r in rows.itertuples()
        )
        first = rows.iloc[0]
        log.error(
            first.source_file,
            f"case_id is used in more than one workbook: {places}. Each mother needs her own "
            "case_id across all prisons: give one of them a new id (if she is one mother who "
            "moved prison, keep one row)",
            sheet="Baseline",
            row=int(first.excel_row),
            column="case_id",
            value=case_id,
            expected="case ids unique across all prisons",
        )
    if log.errors:
        raise DataValidationError(log.errors)


def tracker_at_cutoff(
    reads: Mapping[str, PrisonRead],
    cutoff: dt.date,
    *,
    project_start: dt.date,
    band_overrides: dict | None = None,
) -> StageResult:
    """Every prison's read (by prison, in config order) at the cut-off, with derived variables.

    Frames ``mothers``, ``children``, ``needs``, ``reviews`` and ``all_case_ids``;
    the ledger holds this step's rows only (the reads' ledgers are not repeated).
    No findings are made here: an id in two workbooks raises DataValidationError.
    """
    check_unique_ids(reads)
    cut = pd.Timestamp(cutoff)
    ledger = Ledger()
    kept: dict[str, list[pd.DataFrame]] = {name: [] for name in _SHEETS}
    all_ids = []
    for prison, read in reads.items():
        prison_frames = _frames(read)
        cases = prison_frames["cases"]
        file = cases["source_file"].iloc[0] if len(cases) else prison
        all_ids.append(cases[["prison", "case_id"]])
        late = cases["first_contact_date"] > cut
        late_ids = cases.loc[late, "case_id"]
        for name, (sheet, unit) in _SHEETS.items():
            frame = prison_frames[name]
            if name == "cases":
                drop, reason = late, AFTER_CUTOFF_CASE
            else:
                drop, reason = isin(frame["case_id"], late_ids), CASE_AFTER_CUTOFF
            ledger.read(SOURCE, file, sheet, unit, len(frame), step=STEP)
            ledger.excluded(SOURCE, file, sheet, unit, reason, int(drop.sum()), step=STEP)
            frame = frame.loc[~drop]
            if name == "reviews":
                after = frame["review_date"] > cut
                ledger.excluded(
                    SOURCE, file, sheet, unit, REVIEW_AFTER_CUTOFF, int(after.sum()), step=STEP
                )
                frame = frame.loc[~after]
            ledger.used(SOURCE, file, sheet, unit, len(frame), step=STEP)
            kept[name].append(frame)
    joined = {name: pd.concat(parts, ignore_index=True) for name, parts in kept.items()}
    mothers = derive_mothers(
        joined["cases"],
        joined["children"],
        joined["reviews"],
        project_start=project_start,
        band_overrides=band_overrides,
    )
    closed = joined["reviews"].loc[joined["reviews"]["case_status"] == "Closed"]
    closure = closed.groupby("case_id")["closure_date"].max()
    closure = closure.astype("datetime64[us]").rename("closure_date")
    mothers = mothers.merge(closure, left_on="case_id", right_index=True, how="left")
    mothers.loc[mothers["closure_date"] > cut, "closure_date"] = pd.NaT
    children = derive_children(joined["children"], band_overrides)
    return StageResult(
        frames={
            "mothers": mothers.reset_index(drop=True),
            "children": children.reset_index(drop=True),
            "needs": joined["needs"].reset_index(drop=True),
            "reviews": joined["reviews"].reset_index(drop=True),
            "all_case_ids": pd.concat(all_ids, ignore_index=True),
        },
        findings=FindingLog(source=SOURCE),
        ledger=ledger,
    )
