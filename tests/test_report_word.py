"""The Word document as it is published: page numbers, whole rows, a filled contents, landscape tables.

Unit layer: a small report written by pandoc from inline Markdown on the
project's reference document, then finished by ``evaluation.report.word``.
The workflow layer's checks (LibreOffice reading the real report) are in
``test_report_outputs.py``.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from evaluation.report import word
from evaluation.report.closed import OpenReportError, check_docx, word_external_content
from evaluation.report.convert import TOC_DEPTH, to_docx

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO / "report" / "reference-synthetic.docx"
W = word.W


def wide_table(columns: int) -> str:
    header = "| " + " | ".join(f"Column {i}" for i in range(columns)) + " |"
    rule = "|" + "|".join(["---:"] * columns) + "|"
    row = "| " + " | ".join(str(i * 7) for i in range(columns)) + " |"
    return "\n".join([header, rule, row, row])


MARKDOWN = f"""# First part

Some text.

## A section of it

| Category | A | B |
|:---|---:|---:|
| Yes | 1 | 2 |
| No | 3 | 4 |

Table: Table 1: A narrow table {{#tbl-narrow}}

# Second part

{wide_table(10)}

Table: Table 2: A table of ten columns {{#tbl-wide}}

### Too deep for the contents
"""


@pytest.fixture(scope="module")
def pandoc_docx(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("word") / "pandoc.docx"
    to_docx(MARKDOWN, str(path), reference_doc=str(REFERENCE), cutoff="2023-12-31")
    return path


@pytest.fixture
def finished(pandoc_docx, tmp_path) -> tuple[Path, dict]:
    path = tmp_path / "report.docx"
    path.write_bytes(pandoc_docx.read_bytes())
    return path, word.finish_docx(path, toc_depth=TOC_DEPTH)


def part(path: Path, name: str) -> etree._Element:
    with zipfile.ZipFile(path) as archive:
        return etree.fromstring(archive.read(name))


def test_the_reference_page_is_a4_with_page_numbers_in_the_footer(finished):
    path, _ = finished
    body = part(path, "word/document.xml").find(f"{W}body")
    section = body.find(f"{W}sectPr")
    size = section.find(f"{W}pgSz")
    assert (size.get(f"{W}w"), size.get(f"{W}h")) == ("11906", "16838")  # A4 portrait
    assert section.find(f"{W}footerReference") is not None
    with zipfile.ZipFile(path) as archive:
        footers = [n for n in archive.namelist() if n.startswith("word/footer")]
    fields = [
        f.get(f"{W}instr").strip()
        for name in footers
        for f in part(path, name).iter(f"{W}fldSimple")
    ]
    assert fields == ["PAGE", "NUMPAGES"]


def test_every_row_is_kept_whole_and_header_rows_repeat(finished):
    path, summary = finished
    rows = list(part(path, "word/document.xml").iter(f"{W}tr"))
    assert summary["rows_kept_whole"] == len(rows) == 3 + 3
    assert all(row.find(f"{W}trPr/{W}cantSplit") is not None for row in rows)
    headers = [row for row in rows if row.find(f"{W}trPr/{W}tblHeader") is not None]
    assert len(headers) == 2  # pandoc marks each table's header row to repeat


def test_the_contents_lists_each_heading_to_depth_two_as_a_link(finished):
    path, summary = finished
    body = part(path, "word/document.xml").find(f"{W}body")
    contents = next(body.iter(f"{W}sdtContent"))
    entries = [p for p in contents.findall(f"{W}p") if word._style(p) in ("TOC1", "TOC2")]
    texts = [word._text(p) for p in entries]
    assert texts == ["First part", "A section of it", "Second part"]  # not the level-3 heading
    assert summary["contents_entries"] == 3
    anchors = [p.find(f"{W}hyperlink").get(f"{W}anchor") for p in entries]
    bookmarks = {b.get(f"{W}name") for b in body.iter(f"{W}bookmarkStart")}
    assert set(anchors) <= bookmarks
    marks = [c.get(f"{W}fldCharType") for c in contents.iter(f"{W}fldChar")]
    assert marks == ["begin", "separate", "end"]  # one field around the entries
    assert entries[0].find(f".//{W}instrText") is not None  # it opens in the first entry
    assert entries[-1][-1].find(f"{W}fldChar").get(f"{W}fldCharType") == "end"
    settings = part(path, "word/settings.xml")
    assert settings.find(f"{W}updateFields").get(f"{W}val") == "true"


def test_a_table_too_wide_for_portrait_gets_a_landscape_page_of_its_own(finished):
    path, summary = finished
    body = part(path, "word/document.xml").find(f"{W}body")
    assert summary["landscape_tables"] == 1
    breaks = [p.find(f"{W}pPr/{W}sectPr") for p in body.findall(f"{W}p")]
    breaks = [b for b in breaks if b is not None]
    orientations = [b.find(f"{W}pgSz").get(f"{W}orient") for b in breaks]
    assert orientations == [None, "landscape"]  # portrait part ends, then the landscape part
    landscape = breaks[1].find(f"{W}pgSz")
    assert int(landscape.get(f"{W}w")) > int(landscape.get(f"{W}h"))
    tables = body.findall(f"{W}tbl")
    wide = tables[1]
    previous = wide.getprevious()
    while previous.tag == f"{W}bookmarkStart" or word._style(previous) == "TableCaption":
        previous = previous.getprevious()
    assert previous.find(f"{W}pPr/{W}sectPr") is not None  # the caption moves with its table
    assert wide.getnext().find(f"{W}pPr/{W}sectPr/{W}pgSz").get(f"{W}orient") == "landscape"
    grid = [int(c.get(f"{W}w")) for c in wide.find(f"{W}tblGrid")]
    assert sum(grid) <= word.text_width(breaks[1])  # fits between the landscape margins


def test_columns_are_sized_after_their_content():
    rows = "".join(
        f"<w:tr><w:tc><w:p><w:r><w:t>{label}</w:t></w:r></w:p></w:tc>"
        f"<w:tc><w:p><w:r><w:t>{count}</w:t></w:r></w:p></w:tc></w:tr>"
        for label, count in [("Mixed White/Black Caribbean", "2 (4%)"), ("Other", "10 (11%)")]
    )
    table = etree.fromstring(
        f'<w:tbl xmlns:w="{W[1:-1]}"><w:tblPr><w:tblW w:type="auto" w:w="0"/></w:tblPr>'
        f'<w:tblGrid><w:gridCol w:w="4819"/><w:gridCol w:w="4819"/></w:tblGrid>{rows}</w:tbl>'
    )
    word.fit_columns(table, available=9638)
    label, count = (int(c.get(f"{W}w")) for c in table.find(f"{W}tblGrid"))
    assert label > count  # the label column is wider than the counts'
    assert count >= len("10 (11%)") * word.CHARACTER_TWIPS  # a count never wraps
    word.fit_columns(table, available=1000)
    assert sum(int(c.get(f"{W}w")) for c in table.find(f"{W}tblGrid")) <= 1000


def test_finishing_is_deterministic_and_keeps_the_file_closed(pandoc_docx, tmp_path):
    outputs = []
    for name in ("one.docx", "two.docx"):
        path = tmp_path / name
        path.write_bytes(pandoc_docx.read_bytes())
        word.finish_docx(path, toc_depth=TOC_DEPTH)
        outputs.append(path.read_bytes())
    assert outputs[0] == outputs[1]
    with zipfile.ZipFile(io.BytesIO(outputs[0])) as finished, zipfile.ZipFile(pandoc_docx) as raw:
        assert finished.namelist() == raw.namelist()
        assert [i.date_time for i in finished.infolist()] == [i.date_time for i in raw.infolist()]
    check_docx(tmp_path / "one.docx", toc_depth=TOC_DEPTH)  # footer fields and contents allowed


def _with_part(source: Path, target: Path, name: str, edit) -> Path:
    with zipfile.ZipFile(source) as archive, zipfile.ZipFile(target, "w") as out:
        for info in archive.infolist():
            content = archive.read(info.filename)
            out.writestr(info, edit(content) if info.filename == name else content)
    return target


@pytest.mark.parametrize(
    ("part_name", "old", "new"),
    [
        # a footer may number pages, nothing more
        ("word/footer1.xml", b'w:instr=" NUMPAGES "', b'w:instr=" INCLUDETEXT secret.docx "'),
        # a page-number field in the body is not the footer's
        (
            "word/document.xml",
            b'<w:t xml:space="preserve">Some text.</w:t>',
            b'<w:fldSimple w:instr=" PAGE "><w:r><w:t>1</w:t></w:r></w:fldSimple>',
        ),
    ],
)
def test_fields_beyond_the_footer_page_numbers_are_refused(finished, tmp_path, part_name, old, new):
    path, _ = finished

    def edit(content: bytes) -> bytes:
        assert old in content
        return content.replace(old, new)

    tampered = _with_part(path, tmp_path / "tampered.docx", part_name, edit)
    assert word_external_content(tampered, TOC_DEPTH)
    with pytest.raises(OpenReportError):
        check_docx(tampered, toc_depth=TOC_DEPTH)
