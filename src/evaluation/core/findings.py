"""Data-quality findings, the run-stopping error, and the per-source ledger.

Every problem found in a raw file is a :class:`Finding` with its context
(file, sheet, row, column, value, what was expected). Findings are collected
in a :class:`FindingLog`; errors stop the run through
:class:`DataValidationError`, whose message lists every error so a researcher
can fix a file in one pass. Warnings go to the data-quality log.

The :class:`Ledger` accounts for every raw row: rows read = rows used + rows
excluded, each exclusion with its reason.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

ERROR = "error"
WARNING = "warning"

#: Shown instead of the value for free-text columns: the text never leaves.
REDACTED = "<free text not shown>"


@dataclass(frozen=True)
class Finding:
    """One data-quality problem, located as precisely as the source allows."""

    severity: str
    source: str
    file: str
    message: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None
    expected: str | None = None
    check: str = ""

    def location(self) -> str:
        parts = [self.file]
        if self.sheet:
            parts.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column '{self.column}'")
        return ", ".join(parts)

    def render(self) -> str:
        text = f"{self.severity.upper()}: {self.location()}: {self.message}"
        if self.value is not None:
            text += f" (value: {self.value!r})"
        if self.expected:
            text += f". Expected: {self.expected}"
        return text


class DataValidationError(Exception):
    """Raised when raw data contain errors; the message lists every one."""

    def __init__(self, findings: Iterable[Finding]):
        self.findings = [f for f in findings if f.severity == ERROR]
        lines = [f.render() for f in self.findings]
        header = f"{len(lines)} data error(s) stop the run:"
        super().__init__("\n".join([header, *lines]))

    def __reduce__(self):
        """Pickle by findings (the message alone cannot rebuild them): steps run in workers."""
        return (type(self), (self.findings,))


class BySeverity:
    """``errors`` and ``warnings`` of anything with a ``findings`` list."""

    findings: list[Finding]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]


@dataclass
class FindingLog(BySeverity):
    """Collects findings for one step; raise once at the end with all errors."""

    source: str
    findings: list[Finding] = field(default_factory=list)

    def add(self, severity: str, file: str | Path, message: str, **context) -> None:
        self.findings.append(
            Finding(
                severity=severity, source=self.source, file=str(file), message=message, **context
            )
        )

    def error(self, file: str | Path, message: str, **context) -> None:
        self.add(ERROR, file, message, **context)

    def warning(self, file: str | Path, message: str, **context) -> None:
        self.add(WARNING, file, message, **context)

    def extend(self, other: FindingLog) -> None:
        self.findings.extend(other.findings)

    def raise_if_errors(self) -> None:
        if self.errors:
            raise DataValidationError(self.errors)

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        columns = [f.name for f in Finding.__dataclass_fields__.values()]
        return pd.DataFrame([asdict(f) for f in self.findings], columns=columns)


def findings_frame(findings: Iterable[Finding]) -> pd.DataFrame:
    """Findings as a table with a stable column order (for CSV/Parquet logs)."""
    log = FindingLog(source="")
    log.findings.extend(findings)
    return log.to_frame()


def write_step_audit(
    read_findings: str | Path,
    read_ledger: str | Path,
    log: FindingLog,
    ledger: Ledger,
    out_findings: str | Path,
    out_ledger: str | Path,
) -> None:
    """A strand's audit parts: its read step's findings and ledger, then this step's."""
    import pandas as pd

    from evaluation.core.tidy import write_csv

    read_log = pd.read_csv(read_findings, dtype=str, keep_default_na=False)
    findings = pd.concat(
        [read_log.astype(object), log.to_frame().astype(object)], ignore_index=True
    )
    write_csv(findings.reindex(columns=findings_frame([]).columns), out_findings)
    read_rows = pd.read_csv(read_ledger, dtype={"sheet": str}, keep_default_na=False)
    write_csv(pd.concat([read_rows, ledger.to_frame()], ignore_index=True), out_ledger)


READ = "read"
USED = "used"
EXCLUDED = "excluded"


@dataclass
class Ledger:
    """Row accounting per source file and sheet: read = used + excluded."""

    rows: list[dict] = field(default_factory=list)

    def _add(self, source, file, sheet, unit, outcome, reason, count, step):
        self.rows.append(
            {
                "source": source,
                "file": str(file),
                "sheet": sheet or "",
                "unit": unit,
                "step": step,
                "outcome": outcome,
                "reason": reason,
                "rows": int(count),
            }
        )

    def read(self, source, file, sheet, unit, count, step="read"):
        self._add(source, file, sheet, unit, READ, "", count, step)

    def used(self, source, file, sheet, unit, count, step="read"):
        self._add(source, file, sheet, unit, USED, "", count, step)

    def excluded(self, source, file, sheet, unit, reason, count, step="read"):
        if count:
            self._add(source, file, sheet, unit, EXCLUDED, reason, count, step)

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        columns = ["source", "file", "sheet", "unit", "step", "outcome", "reason", "rows"]
        return pd.DataFrame(self.rows, columns=columns)


def ledger_balance(ledger: pd.DataFrame) -> pd.DataFrame:
    """Per source/file/sheet/step: read, used, excluded and whether they balance."""
    keys = ["source", "file", "sheet", "unit", "step"]
    # CSV sources have no sheet (a column of only blanks reads as float)
    ledger = ledger.assign(**{k: ledger[k].astype(object).fillna("") for k in keys})
    wide = (
        ledger.pivot_table(
            index=keys, columns="outcome", values="rows", aggfunc="sum", fill_value=0
        )
        .reindex(columns=[READ, USED, EXCLUDED], fill_value=0)
        .reset_index()
    )
    wide["balanced"] = wide[READ] == wide[USED] + wide[EXCLUDED]
    return wide


def write_json(data, path: str | Path) -> None:
    """Write JSON deterministically (sorted keys, fixed indentation, newline)."""
    Path(path).write_text(
        json.dumps(data, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8"
    )
