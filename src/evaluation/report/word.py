"""Finish pandoc's Word document as a UK evaluation report is published.

Pandoc writes real tables with their header rows marked to repeat
(``w:tblHeader``), captions above tables and below figures, each figure's
alternative text, and an empty table-of-contents field. The reference
document (``convert.make_reference_docs``) brings the page: A4, the footer's
page numbers, the table style with a shaded header row, captions kept with
what they caption. What remains is per document, and done here on the
package's XML:

- no table row splits across a page (``w:cantSplit``);
- the contents is filled: one entry per heading it lists, each a link to its
  heading, so the contents is never blank, in LibreOffice or before Word has
  updated its fields (it still updates them on opening: ``w:updateFields``);
- a table too wide for a portrait page sits on a landscape page of its own.

The zip entries keep pandoc's order and times (from ``SOURCE_DATE_EPOCH``),
so the same report gives the same bytes.
"""

from __future__ import annotations

import copy
import io
import zipfile
from pathlib import Path

from lxml import etree

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = f"{{{W_NS}}}"
#: Characters a column may ask for before it wraps, when judging a table's width.
COLUMN_CHARACTERS = 28
#: Tables with this many columns or more go on a landscape page.
LANDSCAPE_COLUMNS = 8
#: Width of a character of table text (10.5 pt Arial, about 6 pt), in twentieths of a point.
CHARACTER_TWIPS = 120


def _w(tag: str) -> str:
    return f"{W}{tag}"


def _element(tag: str, **attributes: str) -> etree._Element:
    element = etree.Element(_w(tag))
    for name, value in attributes.items():
        element.set(_w(name), value)
    return element


def keep_rows_whole(body: etree._Element) -> int:
    """Mark every table row not to split across pages; the number of rows marked."""
    rows = 0
    for row in body.iter(_w("tr")):
        properties = row.find(_w("trPr"))
        if properties is None:
            properties = _element("trPr")
            row.insert(0, properties)
        if properties.find(_w("cantSplit")) is None:
            properties.insert(0, _element("cantSplit"))
        rows += 1
    return rows


def _text(element: etree._Element) -> str:
    return "".join(t.text or "" for t in element.iter(_w("t")))


def _style(paragraph: etree._Element) -> str | None:
    style = paragraph.find(f"{_w('pPr')}/{_w('pStyle')}")
    return None if style is None else style.get(_w("val"))


def headings(body: etree._Element, depth: int) -> list[tuple[int, str, str]]:
    """(level, text, bookmark) of each heading down to ``depth``, in order.

    Pandoc puts each heading's bookmark just before its paragraph; a heading
    without one cannot be linked and is listed without a link.
    """
    found = []
    previous = None
    for child in body:
        if child.tag == _w("p"):
            style = _style(child) or ""
            if style.startswith("Heading") and style[7:].isdigit() and int(style[7:]) <= depth:
                bookmark = ""
                if previous is not None and previous.tag == _w("bookmarkStart"):
                    bookmark = previous.get(_w("name")) or ""
                found.append((int(style[7:]), _text(child), bookmark))
        previous = child
    return found


def _entry(level: int, text: str, bookmark: str) -> etree._Element:
    paragraph = _element("p")
    properties = etree.SubElement(paragraph, _w("pPr"))
    properties.append(_element("pStyle", val=f"TOC{level}"))
    container = paragraph
    if bookmark:
        container = etree.SubElement(paragraph, _w("hyperlink"))
        container.set(_w("anchor"), bookmark)
        container.set(_w("history"), "1")
    run = etree.SubElement(container, _w("r"))
    label = etree.SubElement(run, _w("t"))
    label.text = text
    label.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return paragraph


def fill_contents(body: etree._Element, depth: int) -> int:
    """Write the contents field's result: one linked entry per heading; the number of entries.

    As Word itself writes a contents, the field opens in the first entry's
    paragraph and closes at the end of the last (LibreOffice reads only
    entries laid out so as the contents' body). The instruction stays as
    pandoc wrote it, marked dirty, so Word replaces the entries with its own,
    page numbers included, when it opens the file.
    """
    contents = None
    for sdt in body.iter(_w("sdt")):
        gallery = sdt.find(f"{_w('sdtPr')}/{_w('docPartObj')}/{_w('docPartGallery')}")
        if gallery is not None and gallery.get(_w("val")) == "Table of Contents":
            contents = sdt.find(_w("sdtContent"))
            break
    if contents is None:
        return 0
    field = next(
        (p for p in contents.iter(_w("p")) if p.find(f".//{_w('instrText')}") is not None), None
    )
    entries = [_entry(*heading) for heading in headings(body, depth)]
    if field is None or not entries:
        return 0
    opening = [copy.deepcopy(run) for run in field.findall(_w("r"))]
    for run in opening:  # the field's begin, instruction and separator; its end comes last
        for mark in run.findall(_w("fldChar")):
            if mark.get(_w("fldCharType")) == "end":
                run.remove(mark)
    first_properties = entries[0].find(_w("pPr"))
    for offset, run in enumerate(opening):
        first_properties.addnext(run) if offset == 0 else opening[offset - 1].addnext(run)
    closing = etree.SubElement(entries[-1], _w("r"))
    closing.append(_element("fldChar", fldCharType="end"))
    position = list(contents).index(field)
    contents.remove(field)
    for offset, paragraph in enumerate(entries):
        contents.insert(position + offset, paragraph)
    return len(entries)


def column_characters(table: etree._Element) -> list[int]:
    """Characters each column asks for: its longest cell, capped, but never below its longest word."""
    widths: list[int] = []
    for row in table.iter(_w("tr")):
        for index, cell in enumerate(row.findall(_w("tc"))):
            text = _text(cell)
            longest_word = max((len(word) for word in text.split()), default=0)
            length = max(min(len(text), COLUMN_CHARACTERS), longest_word)
            if index == len(widths):
                widths.append(length)
            else:
                widths[index] = max(widths[index], length)
    return widths


def narrowest_width(table: etree._Element) -> int:
    """The width a table needs with every cell wrapped at its spaces (no word broken)."""
    words: list[int] = []
    for row in table.iter(_w("tr")):
        for index, cell in enumerate(row.findall(_w("tc"))):
            longest = max((len(word) for word in _text(cell).split()), default=0)
            if index == len(words):
                words.append(longest)
            else:
                words[index] = max(words[index], longest)
    return sum(length + 3 for length in words) * CHARACTER_TWIPS


def needs_landscape(table: etree._Element, portrait: int) -> bool:
    """Too wide for a portrait page: its words cannot fit, or it has ``LANDSCAPE_COLUMNS`` columns."""
    grid = table.find(_w("tblGrid"))
    columns = 0 if grid is None else len(grid)
    return columns >= LANDSCAPE_COLUMNS or narrowest_width(table) > portrait


def text_width(section: etree._Element) -> int:
    """The width between a section's margins, in twentieths of a point."""
    size, margins = section.find(_w("pgSz")), section.find(_w("pgMar"))
    width = int(size.get(_w("w")))
    if margins is None:
        return width
    return width - int(margins.get(_w("left"), "0")) - int(margins.get(_w("right"), "0"))


def fit_columns(table: etree._Element, available: int) -> None:
    """Give each column a width after its content, the table no wider than ``available``.

    Pandoc gives every column of a table the same width; a column of long
    labels then wraps word by word while a column of counts stays half empty.
    """
    natural = [(characters + 3) * CHARACTER_TWIPS for characters in column_characters(table)]
    if not natural:
        return
    scale = min(1.0, available / sum(natural))
    widths = [int(width * scale) for width in natural]
    grid = table.find(_w("tblGrid"))
    if grid is None or len(grid) != len(widths):
        return
    for column, width in zip(grid, widths, strict=True):
        column.set(_w("w"), str(width))
    table_width = table.find(f"{_w('tblPr')}/{_w('tblW')}")
    if table_width is not None:
        table_width.set(_w("type"), "dxa")
        table_width.set(_w("w"), str(sum(widths)))


def _section_break(template: etree._Element, landscape: bool) -> etree._Element:
    """A paragraph ending a section laid out as ``template``, turned if ``landscape``."""
    properties = copy.deepcopy(template)
    size = properties.find(_w("pgSz"))
    if size is not None:
        width, height = size.get(_w("w")), size.get(_w("h"))
        if landscape and int(width) < int(height):
            size.set(_w("w"), height)
            size.set(_w("h"), width)
            size.set(_w("orient"), "landscape")
    paragraph = _element("p")
    paragraph_properties = etree.SubElement(paragraph, _w("pPr"))
    paragraph_properties.append(properties)
    return paragraph


def _block_start(table: etree._Element) -> etree._Element:
    """The first element of a table's block: its caption and bookmark come before it."""
    start = table
    while True:
        previous = start.getprevious()
        if previous is None:
            return start
        if previous.tag == _w("bookmarkStart") or (
            previous.tag == _w("p") and _style(previous) == "TableCaption"
        ):
            start = previous
            continue
        return start


def turn_wide_tables(body: etree._Element) -> int:
    """Put each table wider than a portrait page on a landscape page, fit every table's columns.

    A section ends at the paragraph holding its ``w:sectPr``: one break before
    the table's caption ends the portrait part, one after the table ends the
    landscape part. Headers and footers carry over from the document's
    section. Returns the number of tables turned.
    """
    final = body.find(_w("sectPr"))
    if final is None or final.find(_w("pgSz")) is None:
        return 0
    portrait = text_width(final)
    turned = 0
    for table in body.findall(_w("tbl")):
        if not needs_landscape(table, portrait):
            fit_columns(table, portrait)
            continue
        start = _block_start(table)
        start.addprevious(_section_break(final, landscape=False))
        landscape = _section_break(final, landscape=True)
        table.addnext(landscape)
        fit_columns(table, text_width(landscape.find(f"{_w('pPr')}/{_w('sectPr')}")))
        turned += 1
    return turned


def finish_document_xml(xml: bytes, toc_depth: int) -> tuple[bytes, dict]:
    """The document part finished (rows whole, contents filled, wide tables turned)."""
    root = etree.fromstring(xml)
    body = root.find(_w("body"))
    summary = {
        "rows_kept_whole": keep_rows_whole(body),
        "contents_entries": fill_contents(body, toc_depth),
        "landscape_tables": turn_wide_tables(body),
    }
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True), summary


def update_fields_on_open(xml: bytes) -> bytes:
    """Settings that make Word refresh the contents (and page numbers) when it opens the file."""
    root = etree.fromstring(xml)
    if root.find(_w("updateFields")) is None:
        root.insert(0, _element("updateFields", val="true"))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def finish_docx(path: str | Path, toc_depth: int) -> dict:
    """Finish a pandoc Word file in place; what was done, counted."""
    path = Path(path)
    out = io.BytesIO()
    summary: dict = {}
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "word/document.xml":
                content, summary = finish_document_xml(content, toc_depth)
            elif info.filename == "word/settings.xml":
                content = update_fields_on_open(content)
            target.writestr(info, content)
    path.write_bytes(out.getvalue())
    return summary
