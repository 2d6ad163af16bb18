"""The activity diary's read and cut-off stages, run as the steps run them, for ``evaluation validate``.

:func:`validate_activity` reads the diary as rule ``activity_read`` does, then
puts its entries through the cut-off as rule ``activity_tables`` does (same
functions, same settings), and returns every
:class:`~evaluation.core.stage.StageResult`: the findings and the ledger are
the stages' own. Nothing is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from evaluation.core.stage import StageResult
from evaluation.strands.activity.cutoff import entries_at_cutoff
from evaluation.strands.activity.read import read_activity

#: The name of the cut-off's result in what :func:`validate_activity` returns.
CUTOFF = "entries_at_cutoff"


def validate_activity(
    diary: str | Path,
    cutoff: dt.date | None,
    case_ids: set[str] | None = None,
    *,
    prisons: list[str],
    valid_date_range: Sequence[str],
) -> tuple[dict[str, StageResult], dict[str, StageResult]]:
    """The diary through the read stage, then its entries through the cut-off.

    ``case_ids`` are the case tracker's (its cut-off's ``all_case_ids``);
    ``None`` leaves case ids unchecked. Returns ``(reads, cutoffs)``: the read
    stage's result keyed by the path as given, and ``{"entries_at_cutoff":
    result}`` when the cut-off ran: when ``cutoff`` is given and the read has
    no errors (rule ``activity_read`` stops there).
    """
    read = read_activity(
        diary, prisons=list(prisons), case_ids=case_ids, valid_range=tuple(valid_date_range)
    )
    cutoffs: dict[str, StageResult] = {}
    if cutoff is not None and not read.findings.errors:
        cutoffs[CUTOFF] = entries_at_cutoff(read, cutoff, file=str(diary))
    return {str(diary): read}, cutoffs
