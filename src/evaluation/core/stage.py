"""The strand contract: what every strand's read and cut-off stages return.

Every source strand (``evaluation.strands.<strand>``) is a package with the
same stage modules:

``read``
    raw files -> validated frames. ``read_*`` functions return a
    :class:`StageResult`; they never apply the cut-off, so their output is
    reused when only the cut-off changes.
``cutoff``
    read results -> the records in the run at one census date. Every cut-off
    function takes the read results first and the cut-off as a
    :class:`datetime.date` second (settings follow as keywords) and returns a
    :class:`StageResult`.
``tables``
    results at the cut-off -> tidy tables (``data/processed/tables/<id>.csv``).
``figures``
    published tables -> figures (never from records).
``context``
    the counts and facts the report's prose needs (``data/processed/context``).
``steps``
    one function per Snakemake rule, named as the rule: it reads the rule's
    input files, calls the stages and writes the outputs.

Beside the six stages, each strand has one validation entry,
``evaluation.strands.<strand>.validation`` (``validate_<strand>``): it runs
the strand's ``read`` stage on the files it is given and then its ``cutoff``
stage, the functions and settings the steps use, writes nothing, and returns
``(reads, cutoffs)``: the read stage's :class:`StageResult` per file (keyed by
the path as given; files read together give one result whose findings each
name their file) and the cut-off stages' results by name. A stage that stops
at its errors (:class:`~evaluation.core.findings.DataValidationError`) is a
:class:`StageResult` without frames whose findings are those errors. What it
needs from another strand (the case tracker's case ids) comes as an argument.
``evaluation validate`` runs these entries for the study's strands, in order,
so what it reports (findings and ledgers) is what a run's stages would find.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from evaluation.core.findings import FindingLog, Ledger

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class StageResult:
    """A stage's records (named frames) with the findings and ledger it made."""

    frames: dict[str, pd.DataFrame]
    findings: FindingLog
    ledger: Ledger = field(default_factory=Ledger)

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.frames[name]

    def rows(self, name: str) -> int:
        """How many records frame ``name`` holds."""
        return len(self.frames[name])


def as_date(value: dt.date | str) -> dt.date:
    """A cut-off as a date: a :class:`datetime.date` as it is, an ISO ``YYYY-MM-DD`` text parsed.

    Steps receive the cut-off from the config as text; stages work with the
    date. Anything else stops with the value and what was expected.
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"cut-off {value!r} is not a date (expected YYYY-MM-DD)") from None
