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
        "--metadata=toc-title:Contents",
        *SHARED_WRITER_ARGS,
    ]
    _pandoc(source, "docx", output, args, cutoff, source_format)


#: The table style's look: thin grey rules, a shaded header row in bold.
TABLE_STYLE_XML = """<w:tblPr xmlns:w="{w}"><w:tblInd w:w="0" w:type="dxa"/>
<w:tblBorders><w:top w:val="single" w:sz="4" w:space="0" w:color="8C8C8C"/>
<w:bottom w:val="single" w:sz="4" w:space="0" w:color="8C8C8C"/>
<w:insideH w:val="single" w:sz="4" w:space="0" w:color="BFBFBF"/></w:tblBorders>
<w:tblCellMar><w:top w:w="40" w:type="dxa"/><w:left w:w="100" w:type="dxa"/>
<w:bottom w:w="40" w:type="dxa"/><w:right w:w="100" w:type="dxa"/></w:tblCellMar></w:tblPr>"""
HEADER_ROW_XML = """<w:tblStylePr xmlns:w="{w}" w:type="firstRow"><w:pPr><w:keepNext/></w:pPr>
<w:rPr><w:b/><w:bCs/></w:rPr><w:trPr><w:tblHeader/></w:trPr>
<w:tcPr><w:tcBorders><w:bottom w:val="single" w:sz="8" w:space="0" w:color="003B5C"/></w:tcBorders>
<w:shd w:val="clear" w:color="auto" w:fill="DCE6EE"/><w:vAlign w:val="bottom"/></w:tcPr></w:tblStylePr>"""
#: Contents entries (the Word names "toc 1", "toc 2"), as ``word.fill_contents`` writes them.
TOC_STYLE_XML = """<w:style xmlns:w="{w}" w:type="paragraph" w:styleId="TOC{level}">
<w:name w:val="toc {level}"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/>
<w:uiPriority w:val="39"/><w:unhideWhenUsed/><w:pPr><w:spacing w:before="{before}" w:after="40"/>
<w:ind w:left="{indent}"/></w:pPr></w:style>"""


def _reference_styles(document) -> None:
    """A4 pages, page numbers in the footer, the table style, captions kept with their tables."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement, parse_xml
    from docx.oxml.ns import nsdecls, qn
    from docx.shared import Cm, Pt

    w_ns = nsdecls("w").split('"')[1]
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2.0))
    section.header_distance = section.footer_distance = Cm(1.0)
    section.gutter = Cm(0)
    footer = section.footer
    footer.is_linked_to_previous = False
    paragraph = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for text, field in (("Page ", "PAGE"), (" of ", "NUMPAGES")):
        paragraph.add_run(text).font.size = Pt(9)
        simple = OxmlElement("w:fldSimple")
        simple.set(qn("w:instr"), f" {field} ")
        number = OxmlElement("w:r")
        shown = OxmlElement("w:t")
        shown.text = "1"
        number.append(shown)
        simple.append(number)
        paragraph._p.append(simple)
    styles = document.styles.element
    table = styles.find(f"{qn('w:style')}[@{qn('w:styleId')}='Table']")
    for old in table.findall(qn("w:tblPr")) + table.findall(qn("w:tblStylePr")):
        table.remove(old)
    table.append(parse_xml(TABLE_STYLE_XML.format(w=w_ns)))
    table.append(parse_xml(HEADER_ROW_XML.format(w=w_ns)))
    for level, indent, before in ((1, 0, 120), (2, 360, 0)):
        styles.append(
            parse_xml(TOC_STYLE_XML.format(w=w_ns, level=level, indent=indent, before=before))
        )
    for caption in ("Table Caption", "Image Caption"):
        style = document.styles[caption]
        style.font.italic = False
        style.font.bold = True
    document.styles["Table Caption"].paragraph_format.keep_with_next = True
    document.styles["Captioned Figure"].paragraph_format.keep_with_next = True


def make_reference_docs(out_dir: str | Path, synthetic_mark: str) -> None:
    """Create the two Word reference documents (plain, and with the synthetic header).

    Run once by a maintainer (``python -m evaluation.report.convert``); the
    results are kept in the repository so the report's look is versioned.
    Both have A4 pages with "Page N of M" in the footer, the table style
    (thin rules, a shaded header row that repeats on every page) and captions
    kept with their tables and figures.
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
    _reference_styles(document)
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
