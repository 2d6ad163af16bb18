"""The report files are closed to the outside (issue 21, items 2 and 3).

The HTML page loads nothing from outside itself and says so in a
content-security policy; the Word file has no external link and no field code
but the table of contents pandoc writes. The checkers are tried on hostile
inline HTML and on a minimal Word file built here, the converters on Markdown
with remote addresses, and the example report on the session's full run.
"""

from __future__ import annotations

import base64
import zipfile

import pytest
from workflow import REPO

from evaluation.report.closed import (
    CSP_META,
    OpenReportError,
    check_docx,
    check_html,
    external_references,
    toc_field,
    word_external_content,
)
from evaluation.report.convert import TOC_DEPTH, embed_images, to_docx, to_html

PNG_BYTES = base64.b64decode(  # a 1 x 1 PNG
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
DATA_PNG = "data:image/png;base64," + base64.b64encode(PNG_BYTES).decode()


# --- HTML checker -------------------------------------------------------------


def test_data_uris_and_in_page_anchors_are_inside():
    page = (
        f"<html><head>{CSP_META}<style>body {{ color: #111; }}</style></head><body>"
        f'<a href="#results">Results</a><a href=" #x ">x</a>'
        f'<img src="{DATA_PNG}" alt="a" /><img SRC="  DATA:image/png;base64,AAAA">'
        f'<img srcset="{DATA_PNG} 1x, data:image/png;base64,AAAA 2x">'
        '<col style="width: 50%" /><div style="background: url(data:image/png;base64,AA)">'
        '<p title="url(https://example.org) is only text here">https://example.org</p>'
        "</div></body></html>"
    )
    assert external_references(page) == []
    check_html(page)


@pytest.mark.parametrize(
    ("html", "reference"),
    [
        ('<img src="https://example.org/x.png">', "https://example.org/x.png"),
        ('<IMG SRC="HTTPS://EXAMPLE.ORG/X.PNG">', "HTTPS://EXAMPLE.ORG/X.PNG"),
        ("<img src='  https://example.org/x.png\n'>", "https://example.org/x.png"),
        ("<img src=https://example.org/x.png>", "https://example.org/x.png"),
        ('<img src="//example.org/x.png">', "//example.org/x.png"),
        ('<img/src="//example.org/x.png">', "//example.org/x.png"),
        ('<a href="&#106;avascript:alert(1)">x</a>', "javascript:alert(1)"),
        ('<a href="&#x6A;ava&Tab;script&colon;alert(1)">x</a>', "script:alert(1)"),
        ('<a href="mailto:someone@example.org">x</a>', "mailto:someone@example.org"),
        ('<a href="other.html#x">x</a>', "other.html#x"),
        ('<a href="figures/x.png">x</a>', "figures/x.png"),
        (
            '<img srcset="data:image/png;base64,AA 1x, https://e.org/2.png 2x">',
            "https://e.org/2.png",
        ),
        ('<img srcset="https://e.org/a.png,data:image/png;base64,AA 2x">', "https://e.org/a.png"),
        ('<source srcset="x.png 480w, y.png 800w">', "y.png"),
        ('<link rel="stylesheet" href="https://e.org/s.css">', "https://e.org/s.css"),
        ('<link rel="icon" href="favicon.ico">', "favicon.ico"),
        ('<script src="https://e.org/s.js"></script>', "<script> element"),
        ("<script>alert(1)</script>", "<script> element"),
        ('<iframe src="data:text/html,hi"></iframe>', "<iframe> element"),
        ('<object data="https://e.org/x.swf"></object>', "https://e.org/x.swf"),
        ('<embed src="x.swf">', "<embed> element"),
        ('<base href="https://e.org/">', "https://e.org/"),
        ('<form action="https://e.org/f"><button formaction="/go">', "https://e.org/f"),
        ('<button formaction="https://e.org/go">', "https://e.org/go"),
        ('<video poster="https://e.org/p.png"></video>', "https://e.org/p.png"),
        ('<table background="https://e.org/b.png">', "https://e.org/b.png"),
        ('<svg><image xlink:href="https://e.org/x.png"/></svg>', "https://e.org/x.png"),
        ('<svg><use href="https://e.org/s.svg#a"/></svg>', "https://e.org/s.svg#a"),
        ('<svg><rect fill="url(https://e.org/p.svg#g)"/></svg>', "https://e.org/p.svg#g"),
        ('<div style="background:url(https://e.org/b.png)">', "https://e.org/b.png"),
        ("<div style=\"background: URL( 'https://e.org/b.png' )\">", "https://e.org/b.png"),
        ('<div style="background: u\\72l(https://e.org/b.png)">', "https://e.org/b.png"),
        ('<div style="background: url(&quot;//e.org/b.png&quot;)">', "//e.org/b.png"),
        ("<style>@font-face { src: url(https://e.org/f.woff) }</style>", "https://e.org/f.woff"),
        ('<style>@import "https://e.org/s.css";</style>', "@import"),
        ('<style>p { background: image-set("https://e.org/b.png" 1x) }</style>', "image-set"),
        ('<meta http-equiv="Refresh" content="0; url=https://e.org/">', "refresh"),
        ('<img src="x.png" onerror="alert(1)">', "onerror"),
        ('<!--[if lt IE 9]><script src="//e.org/h.js"></script><![endif]-->', "conditional"),
    ],
)
def test_each_reference_to_the_outside_is_named(html, reference):
    found = external_references(f"<html><head>{CSP_META}</head><body>{html}</body></html>")
    assert found, html
    assert any(reference in item for item in found), found
    with pytest.raises(OpenReportError, match="not closed to the outside"):
        check_html(f"<html><head>{CSP_META}</head><body>{html}</body></html>")


def test_a_page_without_its_security_policy_stops(tmp_path):
    with pytest.raises(OpenReportError, match="no content-security policy"):
        check_html("<html><head></head><body><p>Text</p></body></html>")
    # a policy in the body does not count: it must come before the content
    with pytest.raises(OpenReportError, match="no content-security policy"):
        check_html(f"<html><head></head><body>{CSP_META}</body></html>")


# --- HTML conversion ----------------------------------------------------------


@pytest.fixture
def with_figure(tmp_path, monkeypatch):
    """A working directory holding figures/fig.png."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "fig.png").write_bytes(PNG_BYTES)
    return tmp_path


def test_the_page_carries_its_policy_in_the_head_and_nothing_external(with_figure):
    markdown = (
        "# Results\n\nSee [the figure](#fig-ages).\n\n"
        '![Figure 1: Ages](figures/fig.png){#fig-ages fig-alt="Bars of ages." width=95%}\n'
    )
    to_html(markdown, "page.html", title="Report", cutoff="2024-03-31")
    page = (with_figure / "page.html").read_text(encoding="utf-8")
    head = page.split("</head>")[0]
    assert CSP_META in head
    assert "default-src 'none'" in CSP_META and "script-src" not in CSP_META
    assert external_references(page) == []
    check_html(page)


@pytest.mark.parametrize(
    "source", ["https://example.org/x.png", "//example.org/x.png", "HTTP://example.org/x.png"]
)
def test_a_remote_image_in_the_markdown_stops_both_writers(with_figure, source):
    markdown = f"# Results\n\n![An image](<{source}>)\n"
    with pytest.raises(RuntimeError, match="image from outside the study"):
        to_html(markdown, "page.html", title="Report", cutoff="2024-03-31")
    reference = str(REPO / "report" / "reference.docx")
    with pytest.raises(RuntimeError, match="image from outside the study"):
        to_docx(markdown, "report.docx", reference_doc=reference, cutoff="2024-03-31")


@pytest.mark.parametrize(
    "tag",
    [
        '<img src="https://example.org/x.png">',
        '<img src="//example.org/x.png">',
        '<script src="https://example.org/s.js"></script>',
        '<a href="https://example.org/">a link</a>',
    ],
)
def test_raw_html_that_slipped_into_the_markdown_fails_the_check(with_figure, tag):
    """Raw HTML is not an image to pandoc's filter: the page check catches it (the CSP blocks it)."""
    to_html(f"# Results\n\nText {tag} text.\n", "page.html", title="Report", cutoff="2024-03-31")
    page = (with_figure / "page.html").read_text(encoding="utf-8")
    with pytest.raises(OpenReportError, match="example.org|<script> element"):
        check_html(page, "page.html")


def test_embedding_leaves_addresses_for_the_check(tmp_path):
    page = '<img src="//example.org/x.png" /><img src="mailto:x@example.org" />'
    assert embed_images(page, tmp_path) == page


# --- Word checker -------------------------------------------------------------

WORDPROCESSING = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
HYPERLINK_TYPE = f"{RELATIONSHIPS}/hyperlink"
TOC_BLOCK = (
    '<w:sdt><w:sdtPr><w:docPartObj><w:docPartGallery w:val="Table of Contents" />'
    "</w:docPartObj></w:sdtPr><w:sdtContent><w:p><w:r>"
    '<w:fldChar w:fldCharType="begin" /><w:instrText xml:space="preserve">{field}</w:instrText>'
    '<w:fldChar w:fldCharType="separate" /><w:fldChar w:fldCharType="end" />'
    "</w:r></w:p></w:sdtContent></w:sdt>"
)


def minimal_docx(path, body: str, relationships: str = "", parts: dict | None = None):
    """A Word package reduced to what the checker reads: the body, its relationships, more parts."""
    document = (
        f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{WORDPROCESSING}" '
        f'xmlns:r="{RELATIONSHIPS}"><w:body>{body}</w:body></w:document>'
    )
    rels = (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PACKAGE_RELATIONSHIPS}">'
        f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/styles" Target="styles.xml" />'
        f"{relationships}</Relationships>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", document)
        archive.writestr("word/_rels/document.xml.rels", rels)
        for name, text in (parts or {}).items():
            archive.writestr(name, text)
    return path


def paragraph(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


def test_a_plain_document_and_pandocs_table_of_contents_pass(tmp_path):
    field = toc_field(TOC_DEPTH).replace('"', "&quot;")
    path = minimal_docx(
        tmp_path / "ok.docx",
        TOC_BLOCK.format(field=field)
        + paragraph("HYPERLINK https://example.org &lt;a href=x&gt; {=openxml}")
        + '<w:p><w:hyperlink w:anchor="results"><w:r><w:t>Results</w:t></w:r></w:hyperlink></w:p>',
    )
    assert word_external_content(path, toc_depth=TOC_DEPTH) == []
    check_docx(path, toc_depth=TOC_DEPTH)
    # without being told of the table of contents, its field is reported too
    found = word_external_content(path)
    assert len(found) == 1 and "a field code" in found[0], found


@pytest.mark.parametrize(
    ("body", "relationships", "parts", "reported"),
    [
        (
            '<w:p><w:hyperlink r:id="rId9"><w:r><w:t>x</w:t></w:r></w:hyperlink></w:p>',
            f'<Relationship Id="rId9" Type="{HYPERLINK_TYPE}" Target="https://e.org/" '
            'TargetMode="External" />',
            None,
            "https://e.org/",
        ),
        (
            paragraph("x"),
            f'<Relationship Id="rId9" Type="{RELATIONSHIPS}/image" Target="https://e.org/x.png" '
            'TargetMode="external" />',
            None,
            "https://e.org/x.png",
        ),
        (
            '<w:p><w:fldSimple w:instr=" HYPERLINK &quot;https://e.org&quot; ">'
            "<w:r><w:t>x</w:t></w:r></w:fldSimple></w:p>",
            "",
            None,
            "HYPERLINK",
        ),
        (
            '<w:p><w:r><w:fldChar w:fldCharType="begin" /></w:r><w:r>'
            "<w:instrText>INCLUDEPICTURE &quot;https://e.org/x.png&quot;</w:instrText></w:r>"
            '<w:r><w:fldChar w:fldCharType="end" /></w:r></w:p>',
            "",
            None,
            "INCLUDEPICTURE",
        ),
        (
            '<w:p><w:r><w:instrText>DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe "/c calc"'
            "</w:instrText></w:r></w:p>",
            "",
            None,
            "DDEAUTO",
        ),
        # a table-of-contents field outside the table-of-contents block
        (
            paragraph("x")
            + f"<w:p><w:r><w:instrText>{toc_field(TOC_DEPTH)}</w:instrText></w:r></w:p>",
            "",
            None,
            "TOC",
        ),
        # a second field inside the block, beside pandoc's own
        (
            TOC_BLOCK.format(field=toc_field(TOC_DEPTH)).replace(
                "</w:sdtContent>",
                "<w:p><w:r><w:instrText>HYPERLINK https://e.org</w:instrText></w:r></w:p>"
                "</w:sdtContent>",
            ),
            "",
            None,
            "HYPERLINK https://e.org",
        ),
        # a field in another part of the document: the header
        (
            paragraph("x"),
            "",
            {
                "word/header1.xml": f'<w:hdr xmlns:w="{WORDPROCESSING}"><w:p><w:fldSimple '
                'w:instr="PAGE" /></w:p></w:hdr>'
            },
            "word/header1.xml",
        ),
        # an attached template from the outside
        (
            paragraph("x"),
            "",
            {
                "word/_rels/settings.xml.rels": f'<Relationships xmlns="{PACKAGE_RELATIONSHIPS}">'
                f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/attachedTemplate" '
                'Target="https://e.org/t.dotm" TargetMode="External" /></Relationships>'
            },
            "https://e.org/t.dotm",
        ),
        (paragraph("x") + '<w:altChunk r:id="rId1" />', "", None, "altChunk"),
    ],
)
def test_each_external_link_and_field_code_is_named(tmp_path, body, relationships, parts, reported):
    path = minimal_docx(tmp_path / "open.docx", body, relationships, parts)
    found = word_external_content(path, toc_depth=TOC_DEPTH)
    assert any(reported in item for item in found), found
    with pytest.raises(OpenReportError, match="not closed to the outside"):
        check_docx(path, toc_depth=TOC_DEPTH)


def test_pandocs_word_file_has_only_its_table_of_contents(with_figure):
    reference = str(REPO / "report" / "reference.docx")
    markdown = (
        "# Results\n\nSee [the figure](#fig-ages).\n\n"
        '![Figure 1: Ages](figures/fig.png){#fig-ages fig-alt="Bars of ages." width=95%}\n'
    )
    to_docx(markdown, "plain.docx", reference_doc=reference, cutoff="2024-03-31")
    check_docx("plain.docx", toc_depth=TOC_DEPTH)
    # a link to the outside in the Markdown becomes an external relationship: reported
    to_docx(
        "# Results\n\nSee [the site](https://example.org/).\n",
        "linked.docx",
        reference_doc=reference,
        cutoff="2024-03-31",
    )
    assert any("https://example.org/" in p for p in word_external_content("linked.docx", 2))


# --- The example report -------------------------------------------------------


def test_the_example_report_is_closed_to_the_outside(final_run):
    page = (final_run / "report/build/report.html").read_text(encoding="utf-8")
    assert external_references(page) == []
    assert CSP_META in page.split("</head>")[0]
    assert 'src="data:image/' in page  # the figures are there, embedded
    docx = final_run / "report/build/report.docx"
    assert word_external_content(docx, toc_depth=TOC_DEPTH) == []
    # its one field is the table of contents the writer makes (--toc), nothing from data
    assert [p.split(": ", 1)[1] for p in word_external_content(docx)] == [
        f"a field code {toc_field(TOC_DEPTH)!r}"
    ]
