"""Markdown -> self-contained HTML and Word through pandoc (pypandoc-binary bundles it).

The report's Markdown is read once into pandoc's document tree
(``markdown_to_ast``, JSON), and both writers start from that: reading the
Markdown is half of what a conversion costs. Both outputs are deterministic:
pandoc takes document dates and zip times from SOURCE_DATE_EPOCH, which is
set from the cut-off date.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import os
import re
from pathlib import Path

STYLE_DIR = Path(__file__).parent / "assets"
#: How deep the table of contents goes (the Word check allows its one field).
TOC_DEPTH = 2
#: What the HTML page and the Word document share: a table of contents two levels
#: deep, each figure's ``fig-alt`` as its alternative text (not its caption), and
#: no image from outside the study (``closed.lua``: pandoc's Word writer would
#: fetch it, the page would load it).
SHARED_WRITER_ARGS = [
    "--toc",
    f"--toc-depth={TOC_DEPTH}",
    f"--lua-filter={STYLE_DIR / 'figure-alt.lua'}",
    f"--lua-filter={STYLE_DIR / 'closed.lua'}",
]


def _epoch(cutoff: str) -> str:
    day = dt.datetime.fromisoformat(cutoff).replace(tzinfo=dt.UTC)
    return str(int(day.timestamp()))


def _pandoc(
    source: str,
    to: str,
    output: str | None,
    extra_args: list[str],
    cutoff: str,
    source_format: str = "markdown",
) -> str:
    """Convert ``source`` with pandoc into ``output``, or return the text when ``output`` is None."""
    import pypandoc

    os.environ["SOURCE_DATE_EPOCH"] = _epoch(cutoff)
    return pypandoc.convert_text(
        source, to, format=source_format, outputfile=output, extra_args=extra_args, sandbox=False
    )


def markdown_to_ast(markdown: str, cutoff: str) -> str:
    """Pandoc's document tree of the Markdown, as JSON (what ``to_html`` and ``to_docx`` read)."""
    return _pandoc(markdown, "json", None, [], cutoff)


def to_html(
    source: str,
    output: str,
    *,
    title: str,
    cutoff: str,
    resource_path: str = ".",
    source_format: str = "markdown",
) -> None:
    """One HTML file with figures and styles embedded, readable offline.

    Pandoc writes the page with the style sheet inline; the figures are then
    embedded here (``embed_images``). Pandoc's own ``--embed-resources`` took
    0.48 s against 0.25 s without it, on the report's critical path. The same
    filter as for Word makes each figure's ``fig-alt`` its alternative text.
    The page's head starts its includes with a content-security policy that
    lets it load nothing but its own ``data:`` images and inline styles
    (``closed.CSP_META``); no pandoc option here makes it fetch anything.
    """
    from evaluation.report.closed import CSP_META

    style = (STYLE_DIR / "report.css").read_text(encoding="utf-8")
    args = [
        "--standalone",
        "--metadata=document-css:false",  # pandoc's own page styles, as with --css
        f"--variable=header-includes:{CSP_META}",
        f"--variable=header-includes:<style>\n{style}</style>",
        f"--metadata=pagetitle:{title}",
        *SHARED_WRITER_ARGS,
        f"--lua-filter={STYLE_DIR / 'html-tables.lua'}",
    ]
    page = _pandoc(source, "html5", None, args, cutoff, source_format)
    Path(output).write_text(embed_images(page, Path(resource_path)), encoding="utf-8")


#: ``<img ... src="...">`` as pandoc writes it (attribute values HTML-escaped).
IMAGE_SOURCE = re.compile(r'(<img\b[^>]*?\bsrc=")([^"]*)(")')
#: A source that is not a path: a URL scheme (two letters or more: ``C:`` is a
#: drive) or protocol-relative. Left as it is, for ``closed.check_html`` to report.
NOT_A_PATH = re.compile(r"^\s*(?:[A-Za-z][A-Za-z0-9+.-]+:|[/\\]{2})")
IMAGE_TYPES = {".png": "image/png", ".svg": "image/svg+xml", ".jpg": "image/jpeg"}


def embed_images(page: str, base: Path) -> str:
    """Replace each local image path in an HTML page by a base64 ``data:`` URI.

    Paths are relative to ``base``. A missing or unknown image stops the run:
    a report that looks complete but shows broken images must not go out.
    """

    def data_uri(match: re.Match) -> str:
        source = html.unescape(match.group(2))
        if NOT_A_PATH.match(source):
            return match.group(0)
        path = base / source
        kind = IMAGE_TYPES.get(path.suffix.lower())
        if kind is None or not path.is_file():
            raise FileNotFoundError(
                f"the report shows {source!r}, which is "
                + ("not an image type it can embed" if path.is_file() else "missing")
                + f" (looked for {path})"
            )
        encoded = base64.b64encode(path.read_bytes()).decode("ascii")
        return f"{match.group(1)}data:{kind};base64,{encoded}{match.group(3)}"

    return IMAGE_SOURCE.sub(data_uri, page)


def to_docx(
    source: str,
    output: str,
    *,
    reference_doc: str,
    cutoff: str,
    resource_path: str = ".",
    source_format: str = "markdown",
) -> None:
    """A Word document with real tables, captions and the reference document's styles and header."""
    args = [
        f"--reference-doc={reference_doc}",
        f"--resource-path={resource_path}",
        *SHARED_WRITER_ARGS,
    ]
    _pandoc(source, "docx", output, args, cutoff, source_format)


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
    from evaluation.core.figure_style import SYNTHETIC_MARK

    make_reference_docs(Path("report"), SYNTHETIC_MARK)
