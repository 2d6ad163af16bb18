"""Rule entry points that run in the Snakemake process: the HTML and Word reports, the manifest.

They spend their time in pandoc and in hashing, which release the
interpreter lock, so they need no worker (``IN_PROCESS_STEPS``). Nothing here
imports pandas: the Snakemake process then never pays for importing it.
"""

from __future__ import annotations

import logging
from pathlib import Path

from evaluation.core.findings import write_json


def report_html(input, output, params) -> None:
    """rule report_html: the report as one self-contained HTML page (pandoc).

    A page that refers to anything outside itself (a remote image, a link, a
    script...) or lacks its content-security policy stops the run, naming
    each reference (``closed.check_html``).
    """
    from evaluation.report.closed import check_html
    from evaluation.report.convert import to_html

    ast = Path(input.ast).read_text(encoding="utf-8")
    to_html(ast, output.html, title=params.title, cutoff=params.cutoff, source_format="json")
    check_html(Path(output.html).read_text(encoding="utf-8"), output.html)


def report_docx(input, output, params) -> None:
    """rule report_docx: the report as a Word document on the reference document's styles.

    Pandoc's file is then finished as a report is published (``word.finish_docx``:
    rows kept whole, the contents filled, wide tables on landscape pages). A
    document with an external link or a field code other than the table of
    contents and the footer's page numbers stops the run, naming each
    (``closed.check_docx``).
    """
    from evaluation.report.closed import check_docx
    from evaluation.report.convert import TOC_DEPTH, to_docx
    from evaluation.report.word import finish_docx

    ast = Path(input.ast).read_text(encoding="utf-8")
    reference = input.reference_synthetic if params.synthetic else input.reference_plain
    to_docx(ast, output.docx, reference_doc=reference, cutoff=params.cutoff, source_format="json")
    finished = finish_docx(output.docx, toc_depth=TOC_DEPTH)
    logging.getLogger("evaluation").info(
        "Word document finished: %s", ", ".join(f"{k} {v}" for k, v in finished.items())
    )
    check_docx(output.docx, toc_depth=TOC_DEPTH)


def manifest(input, output, params) -> None:
    """rule manifest: SHA-256 of every raw input and output, config, versions, git state."""
    from evaluation.core.provenance import build_manifest

    record = build_manifest(
        list(input.raw), list(input.outputs), params.config, params.config["cutoff_date"]
    )
    write_json(record, output[0])
