"""Rule entry points that run in the Snakemake process: the HTML and Word reports, the manifest.

They spend their time in pandoc and in hashing, which release the
interpreter lock, so they need no worker (``IN_PROCESS_STEPS``). Nothing here
imports pandas: the Snakemake process then never pays for importing it.
"""

from __future__ import annotations

from pathlib import Path

from evaluation.core.findings import write_json


def report_html(input, output, params) -> None:
    """rule report_html: the report as one self-contained HTML page (pandoc)."""
    from evaluation.report.convert import to_html

    ast = Path(input.ast).read_text(encoding="utf-8")
    to_html(ast, output.html, title=params.title, cutoff=params.cutoff, source_format="json")


def report_docx(input, output, params) -> None:
    """rule report_docx: the report as a Word document on the reference document's styles."""
    from evaluation.report.convert import to_docx

    ast = Path(input.ast).read_text(encoding="utf-8")
    reference = input.reference_synthetic if params.synthetic else input.reference_plain
    to_docx(ast, output.docx, reference_doc=reference, cutoff=params.cutoff, source_format="json")


def manifest(input, output, params) -> None:
    """rule manifest: SHA-256 of every raw input and output, config, versions, git state."""
    from evaluation.core.provenance import build_manifest

    record = build_manifest(
        list(input.raw), list(input.outputs), params.config, params.config["cutoff_date"]
    )
    write_json(record, output[0])
