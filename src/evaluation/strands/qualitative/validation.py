"""The qualitative strand's read and cut-off stages, run as the steps run them, for ``evaluation validate``.

:func:`validate_qualitative` reads the themes, participants and coded segments
together as rule ``qualitative_read`` does, then puts them through the
cut-off as rule ``qualitative_tables`` does (same functions, same settings)
and checks the joint display's file against the themes as that rule's tables
stage does. It returns every :class:`~evaluation.core.stage.StageResult`: the
findings and the ledger are the stages' own. Nothing is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path

from evaluation.core.findings import FindingLog, Ledger
from evaluation.core.stage import StageResult
from evaluation.strands.qualitative import analysis
from evaluation.strands.qualitative.cutoff import at_cutoff
from evaluation.strands.qualitative.read import (
    SOURCE,
    read_participants,
    read_qualitative,
    read_themes,
)

#: The names of the results in what :func:`validate_qualitative` returns.
READ = "qualitative_read"
CUTOFF = "at_cutoff"


def validate_qualitative(
    cutoff: dt.date | None,
    *,
    themes: str | Path | None,
    participants: str | Path | None,
    coded_segments: str | Path | Mapping[str, str | Path] | None = None,
    fmt: str = "tidy",
    participant_map: str | Path | None = None,
    disallowed_names: str | Path | None = None,
    integration: str | Path | None = None,
    prisons: list[str] | None = None,
    valid_date_range: Sequence[str] = ("2015-01-01", "2030-12-31"),
    refi_qda: Mapping | None = None,
) -> tuple[dict[str, StageResult], dict[str, StageResult]]:
    """The qualitative files through the read stage, the cut-off and the joint display's check.

    The keywords are rule ``qualitative_read``'s settings (``coded_segments``
    one file, or coder -> export for Taguette). Returns ``(reads, cutoffs)``:
    ``reads`` holds ``qualitative_read`` (one result for the files read
    together; each finding names its file) and, with ``integration``, that
    file's check keyed by its path as given; ``cutoffs`` holds ``at_cutoff``
    when it ran. Without coded segments, themes and participants go through their read
    functions alone and the cut-off does not run (it needs the segments); it
    also does not run when the read has errors (rule ``qualitative_read``
    stops there) or ``cutoff`` is ``None``. A format the files do not have
    raises ValueError, as the read stage does. With ``fmt="refi-qda"``,
    ``coded_segments`` is the ``.qdpx``, ``themes`` and ``participants`` may be
    None (the project's codes and cases give them) and ``refi_qda`` is config
    ``qualitative: refi_qda``.
    """
    reads: dict[str, StageResult] = {}
    cutoffs: dict[str, StageResult] = {}
    if coded_segments:
        read = read_qualitative(
            themes=str(themes) if themes else None,
            participants=str(participants) if participants else None,
            coded_segments=coded_segments,
            fmt=fmt,
            participant_map=str(participant_map) if participant_map else None,
            disallowed_names=str(disallowed_names) if disallowed_names else None,
            prisons=prisons,
            valid_date_range=tuple(valid_date_range),
            refi_qda=refi_qda,
        )
    else:  # themes and participants without segments: their read functions alone
        log, ledger = FindingLog(SOURCE), Ledger()
        frames = {
            "themes": read_themes(themes, log, ledger),
            "participants": read_participants(
                participants, log, ledger, prisons=prisons, valid_range=tuple(valid_date_range)
            ),
        }
        read = StageResult(frames, log, ledger)
    reads[READ] = read
    if integration:
        log = FindingLog(SOURCE)
        rows = analysis.read_integration(integration, read["themes"], log)
        reads[str(integration)] = StageResult({"integration": _frame(rows)}, log)
    if coded_segments and cutoff is not None and not read.findings.errors:
        cutoffs[CUTOFF] = at_cutoff(
            read, cutoff, participants_file=str(participants or coded_segments)
        )
    return reads, cutoffs


def _frame(rows: list[dict]):
    import pandas as pd

    return pd.DataFrame(rows)
