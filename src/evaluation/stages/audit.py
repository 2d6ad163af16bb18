"""Rule entry points of the audit stage (validation report)."""

from __future__ import annotations


def validation_report(input, output, params) -> None:
    """rule validation_report: every check per source, its result and counts; the ledger."""
    from evaluation.validation_report import write_validation_report

    write_validation_report(input.findings, input.ledger, output.markdown, output.json)


def release_bundle(input, output, params) -> None:
    """rule release_bundle: every published file with its disclosure audit, for an output checker.

    One entry per published output in ACRO's ``results.json`` format
    (SACRO-Viewer opens the folder): each table with its CSV, each figure
    with its PNG and SVG (status of the table it is drawn from), the key
    facts, the report (Markdown, HTML, Word) whose status is that of the
    numbers its prose prints, and the tables workbook, whose status is that
    of the tables it holds.
    """
    import json
    import shutil
    from pathlib import Path

    from evaluation import __version__
    from evaluation.core import codebook
    from evaluation.release_bundle import write_release_bundle

    log = json.loads(Path(input.disclosure_log).read_text(encoding="utf-8"))
    entries = {entry["output"]: entry for entry in log["outputs"]}

    def summary(entry):
        audit = entry.get("audit") or {}
        if entry["status"] == "exempt":
            return f"exempt: {entry.get('reason', '')}"
        return (
            f"{entry['status']}; {entry['suppressed_primary']} below min_cell and "
            f"{entry['suppressed_secondary']} further cells suppressed; "
            f"narrowest interval {audit.get('narrowest_interval')}"
        )

    def output_entry(output_id, kind, files, entry):
        return {
            "id": output_id,
            "type": kind,
            "files": files,
            "status": entry["status"],
            "cells": entry.get("cells", 0),
            "flagged": entry.get("flagged", 0),
            "suppressed_primary": entry.get("suppressed_primary", 0),
            "suppressed_secondary": entry.get("suppressed_secondary", 0),
            "audit": entry.get("audit") or {},
            "reason": entry.get("reason", ""),
            "summary": summary(entry),
        }

    outputs = []
    for path in sorted(input.tables):
        table_id = Path(path).stem
        kind = "key_facts" if table_id == "key_facts" else "table"
        outputs.append(output_entry(table_id, kind, [path], entries[table_id]))
    figure_specs = codebook.all_figure_specs()
    for png in sorted(p for p in input.figures if p.endswith(".png")):
        figure_id = Path(png).stem
        source = figure_specs.get(figure_id, {}).get("table", "")
        entry = entries.get(source, {"status": "review", "reason": "no source table"})
        svg = str(Path(png).with_suffix(".svg"))
        outputs.append(output_entry(figure_id, "figure", [png, svg], {**entry}))

    def combined(parts):
        """One entry for an output made of several audited parts: failed if any part failed."""
        worst = next((e for e in parts if e["status"] == "fail"), parts[0] if parts else {})
        return {
            "status": "fail" if any(e["status"] == "fail" for e in parts) else "pass",
            **{
                count: sum(e.get(count, 0) for e in parts)
                for count in ("cells", "flagged", "suppressed_primary", "suppressed_secondary")
            },
            "audit": worst.get("audit", {}),
        }

    prose = [e for name, e in entries.items() if name.startswith("report:")]
    outputs.append(
        output_entry("report", "report", [input.markdown, input.html, input.docx], combined(prose))
    )
    # the workbook holds every published table: its status is theirs together
    tables = [entries[Path(path).stem] for path in input.tables]
    outputs.append(output_entry("tables_workbook", "workbook", [input.workbook], combined(tables)))
    target = Path(output.bundle)
    if target.exists():
        shutil.rmtree(target)
    write_release_bundle(
        target,
        outputs,
        settings={
            "min_cell": log["min_cell"],
            "review_threshold": log["review_threshold"],
            "timestamp": f"{params.cutoff}T00:00:00",
            "title": params.title,
            "synthetic": bool(params.synthetic),
            "package_version": __version__,
        },
    )
