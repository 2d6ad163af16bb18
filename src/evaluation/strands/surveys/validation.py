"""The survey strand's read and cut-off stages, run as the steps run them, for ``evaluation validate``.

:func:`validate_surveys` reads each mothers' wave as rule
``survey_read_mothers`` does and each practitioner export as rule
``survey_read_practitioners`` does, then puts the waves through the cut-off
as rules ``survey_mothers_at_cutoff`` and ``survey_practitioners_at_cutoff``
do (same functions, same settings), and returns every
:class:`~evaluation.core.stage.StageResult`: the findings (unknown case ids,
wave order ...) and the ledger are the stages' own. Nothing is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from evaluation.core.findings import DataValidationError, FindingLog
from evaluation.core.stage import StageResult
from evaluation.strands.surveys.cutoff import mothers_at_cutoff, practitioners_at_cutoff
from evaluation.strands.surveys.read import (
    MOTHERS_SOURCE,
    PRACTITIONERS_SOURCE,
    read_mothers_wave,
    read_practitioner_wave,
)

if TYPE_CHECKING:
    import pandas as pd

#: The names of the cut-offs' results in what :func:`validate_surveys` returns.
MOTHERS_CUTOFF = "mothers_at_cutoff"
PRACTITIONERS_CUTOFF = "practitioners_at_cutoff"


def _stopped(source: str, exc: DataValidationError) -> StageResult:
    """A stage that stopped at its errors: no frames, the errors as its findings."""
    log = FindingLog(source)
    log.findings.extend(exc.findings)
    return StageResult({}, log)


def _read(read, source: str, *args) -> StageResult:
    try:
        return read(*args)
    except DataValidationError as exc:
        return _stopped(source, exc)


def validate_surveys(
    mother_waves: Mapping[str, str | Path],
    practitioner_waves: Mapping[str, str | Path],
    cutoff: dt.date | None,
    known_case_ids: pd.DataFrame | None = None,
    *,
    valid_date_range: Sequence[str],
    wave_positions: Mapping[str, int] | None = None,
    wai_rule: str = "complete",
    wai_max_missing: int = 1,
    practitioner_options: Mapping[str, Mapping] | None = None,
) -> tuple[dict[str, StageResult], dict[str, StageResult]]:
    """Each wave through the read stage, then each questionnaire's waves through its cut-off.

    ``mother_waves`` and ``practitioner_waves`` map wave labels to files, in
    config order; a mothers' wave is read at its place among the configured
    waves (``wave_positions``, by label; else its place in ``mother_waves``); a
    practitioner wave is read as the platform ``practitioner_options`` names for
    its label (``format``, a REDCap ``dictionary``), else as recognised from the file.
    ``known_case_ids`` are the case tracker's ``prison`` and ``case_id`` (its
    cut-off's ``all_case_ids``). Returns ``(reads, cutoffs)``: the read
    stage's result per file (keyed by the path as given; a read that stops is a
    result without frames whose findings are its errors) and the cut-offs'
    results by name (``mothers_at_cutoff``, ``practitioners_at_cutoff``).

    A questionnaire's cut-off runs when ``cutoff`` is given and each of its
    waves read, as its rule needs every wave's read; the mothers' also needs
    ``known_case_ids`` (without the trackers every case id would be unknown).
    ``cutoff=None`` reads only.
    """
    positions = dict(wave_positions or {})
    reads: dict[str, StageResult] = {}
    mothers: dict[str, StageResult] = {}
    for place, (wave, path) in enumerate(mother_waves.items(), start=1):
        position = positions.get(wave, place)
        read = _read(read_mothers_wave, MOTHERS_SOURCE, path, wave, position, valid_date_range)
        reads[str(path)] = mothers[wave] = read
    practitioners: dict[str, StageResult] = {}
    for wave, path in practitioner_waves.items():
        options = (practitioner_options or {}).get(wave) or {}
        read = _read(
            read_practitioner_wave,
            PRACTITIONERS_SOURCE,
            path,
            wave,
            valid_date_range,
            options.get("format"),
            options.get("dictionary"),
        )
        reads[str(path)] = practitioners[wave] = read

    cutoffs: dict[str, StageResult] = {}
    if cutoff is None:
        return reads, cutoffs
    if mothers and known_case_ids is not None and all(r.frames for r in mothers.values()):
        cutoffs[MOTHERS_CUTOFF] = mothers_at_cutoff(
            mothers,
            cutoff,
            known_case_ids,
            wai_rule=wai_rule,
            wai_max_missing=wai_max_missing,
        )
    if practitioners and all(r.frames for r in practitioners.values()):
        cutoffs[PRACTITIONERS_CUTOFF] = practitioners_at_cutoff(practitioners, cutoff)
    return reads, cutoffs
