"""Markdown -> self-contained HTML and Word through pandoc (pypandoc-binary bundles it).

Both outputs are deterministic: pandoc takes document dates and zip times
from SOURCE_DATE_EPOCH, which is set from the cut-off date.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

STYLE_DIR = Path(__file__).parent / "assets"


def _epoch(cutoff: str) -> str:
    day = dt.datetime.fromisoformat(cutoff).replace(tzinfo=dt.UTC)
    return str(int(day.timestamp()))


def _pandoc(source: str, to: str, output: str, extra_args: list[str], cutoff: str) -> None:
    import pypandoc

    os.environ["SOURCE_DATE_EPOCH"] = _epoch(cutoff)
    pypandoc.convert_text(
        source, to, format="markdown", outputfile=output, extra_args=extra_args, sandbox=False
    )


def to_html(
    markdown: str, output: str, *, title: str, cutoff: str, resource_path: str = "."
) -> None:
    """One HTML file with figures and styles embedded, readable offline."""
    args = [
        "--standalone",
        "--embed-resources",
        f"--resource-path={resource_path}",
        f"--css={STYLE_DIR / 'report.css'}",
        f"--metadata=pagetitle:{title}",
        "--toc",
        "--toc-depth=2",
    ]
    _pandoc(markdown, "html5", output, args, cutoff)


def to_docx(
    markdown: str, output: str, *, reference_doc: str, cutoff: str, resource_path: str = "."
) -> None:
    """A Word document with real tables, captions and the reference document's styles and header."""
    args = [
        f"--reference-doc={reference_doc}",
        f"--resource-path={resource_path}",
        "--toc",
        "--toc-depth=2",
        f"--lua-filter={STYLE_DIR / 'figure-alt.lua'}",  # figure alt text, not the caption
    ]
    _pandoc(markdown, "docx", output, args, cutoff)


def make_reference_docs(out_dir: str | Path, synthetic_mark: str) -> None:
    """Create the two Word reference documents (plain, and with the synthetic header).

    Run once by a maintainer (``python -m evaluation.report.convert``); the
    results are kept in the repository so the report's look is versioned.
    """
    import subprocess

    import docx
    import pypandoc
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt, RGBColor

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    plain = out / "reference.docx"
    with open(plain, "wb") as handle:
        subprocess.run(
            [pypandoc.get_pandoc_path(), "--print-default-data-file", "reference.docx"],
            stdout=handle,
            check=True,
        )
    document = docx.Document(str(plain))
    styles = document.styles
    for name in ("Normal", "Body Text", "First Paragraph"):
        if name in [s.name for s in styles]:
            styles[name].font.name = "Arial"
            styles[name].font.size = Pt(10.5)
    document.save(str(plain))
    marked = docx.Document(str(plain))
    header = marked.sections[0].header
    paragraph = header.paragraphs[0] if header.paragraphs else header.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(synthetic_mark)
    run.bold = True
    run.font.color.rgb = RGBColor(0xB0, 0x00, 0x20)
    marked.save(str(out / "reference-synthetic.docx"))


if __name__ == "__main__":
    from evaluation.figures import SYNTHETIC_MARK

    make_reference_docs(Path("report"), SYNTHETIC_MARK)
