"""Rule entry points of the audit stage (validation report)."""

from __future__ import annotations


def validation_report(input, output, params) -> None:
    """rule validation_report: every check per source, its result and counts; the ledger."""
    from evaluation.validation_report import write_validation_report

    write_validation_report(input.findings, input.ledger, output.markdown, output.json)
