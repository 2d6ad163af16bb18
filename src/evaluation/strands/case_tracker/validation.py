"""The case tracker's read and cut-off stages, run as the steps run them, for ``evaluation validate``.

:func:`validate_case_tracker` reads each workbook as rule ``read_case_tracker``
does, then, when every workbook read, puts them through the cut-off as rule
``case_tracker_at_cutoff`` does (same functions, same settings), and returns
every :class:`~evaluation.core.stage.StageResult`: the findings and the ledger
are the stages' own. Nothing is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path

from evaluation.core.findings import DataValidationError, FindingLog
from evaluation.core.stage import StageResult
from evaluation.strands.case_tracker.cutoff import tracker_at_cutoff
from evaluation.strands.case_tracker.read import SOURCE, read_case_tracker

#: The name of the cut-off's result in what :func:`validate_case_tracker` returns.
CUTOFF = "tracker_at_cutoff"


def _stopped(source: str, exc: DataValidationError) -> StageResult:
    """A stage that stopped at its errors: no frames, the errors as its findings."""
    log = FindingLog(source)
    log.findings.extend(exc.findings)
    return StageResult({}, log)


def validate_case_tracker(
    workbooks: Mapping[str, str | Path],
    cutoff: dt.date | None,
    *,
    valid_date_range: Sequence[str],
    project_start: dt.date,
    band_overrides: dict | None = None,
    grouping: dict | None = None,
) -> tuple[dict[str, StageResult], dict[str, StageResult]]:
    """Each workbook through the read stage, then all of them through the cut-off.

    ``workbooks`` maps each workbook's name (its group, with ``grouping: {by:
    workbook}``) to its file, in config order; the keywords are the rules'
    settings (``grouping`` as config key ``grouping:``). Returns
    ``(reads, cutoffs)``: the read stage's result per workbook (keyed by the
    path as given) and ``{"tracker_at_cutoff": result}`` when the cut-off ran.
    A read that stops (:class:`~evaluation.core.findings.DataValidationError`)
    is a result without frames whose findings are its errors, and so is the
    cut-off when an id is used in two workbooks. The cut-off runs when
    ``cutoff`` is given and every workbook read, as its rule needs every
    workbook's read; ``None`` reads only.
    """
    reads: dict[str, StageResult] = {}
    for name, path in workbooks.items():
        try:
            reads[str(path)] = read_case_tracker(path, name, valid_date_range, grouping=grouping)
        except DataValidationError as exc:
            reads[str(path)] = _stopped(SOURCE, exc)
    cutoffs: dict[str, StageResult] = {}
    if cutoff is not None and reads and all(read.frames for read in reads.values()):
        by_workbook = {name: reads[str(path)] for name, path in workbooks.items()}
        try:
            cutoffs[CUTOFF] = tracker_at_cutoff(
                by_workbook, cutoff, project_start=project_start, band_overrides=band_overrides
            )
        except DataValidationError as exc:
            cutoffs[CUTOFF] = _stopped(SOURCE, exc)
    return reads, cutoffs
