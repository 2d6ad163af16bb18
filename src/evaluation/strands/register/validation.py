"""The register's read and cut-off stages, run as the steps run them, for ``evaluation validate``.

:func:`validate_register` reads every record set as rule ``register_read``
does, then puts them through the cut-off as rule ``register_tables`` does,
and returns the :class:`~evaluation.core.stage.StageResult` of each: the
findings and the ledger are the stages' own. Nothing is written.
"""

from __future__ import annotations

import datetime as dt

from evaluation.core.stage import StageResult
from evaluation.strands.register.cutoff import register_at_cutoff
from evaluation.strands.register.read import read_register
from evaluation.strands.register.spec import register_spec

#: The names of the results in what :func:`validate_register` returns.
READ, CUTOFF = "register", "register_at_cutoff"


def validate_register(
    files: dict[str, str], cutoff: dt.date | None
) -> tuple[dict[str, StageResult], dict[str, StageResult]]:
    """``(reads, cutoffs)``: the register's read, and its cut-off when ``cutoff`` is given and
    the read has no errors (rule ``register_read`` stops there)."""
    spec = register_spec()
    read = read_register(files, spec)
    cutoffs: dict[str, StageResult] = {}
    if cutoff is not None and not read.findings.errors:
        cutoffs[CUTOFF] = register_at_cutoff(read, cutoff, spec)
    return {READ: read}, cutoffs
