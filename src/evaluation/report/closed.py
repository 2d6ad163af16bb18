"""The report files are closed to the outside: nothing in them loads, links or runs.

The HTML page carries a content-security policy (``CONTENT_SECURITY_POLICY``)
that lets it load nothing but its own ``data:`` images and inline styles, and
``external_references`` lists whatever in a page could still reach outside it:
an attribute that holds a URL other than a ``data:`` URI or an in-page
``#anchor``, a CSS ``url()`` or ``@import``, a refresh, a script, frame or
plug-in element, an event handler. ``word_external_content`` does the same
for a Word file: an external relationship (hyperlink, linked image, attached
template) or a field code. The report steps stop the run on any of them
(``check_html``, ``check_docx``), naming each, so an address or field that
slipped in from a raw file's text never reaches a reviewer's screen.

Standard library only: ``html.parser`` for the page, ``zipfile`` and
``xml.etree`` for the Word file.
"""

from __future__ import annotations

import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

#: What the page may load: its embedded figures (``data:`` images) and its own
#: inline styles (pandoc writes ``<style>`` blocks and ``style`` attributes on
#: table columns). No scripts, fonts, frames, forms or connections of any kind;
#: ``base-uri`` and ``form-action`` do not fall back to ``default-src``.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'"
)
CSP_META = f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}" />'


class OpenReportError(Exception):
    """A report file refers to something outside itself, or carries a field code."""


# --- HTML -------------------------------------------------------------------

#: Attributes whose value is one URL (lower case, as html.parser gives them).
URL_ATTRIBUTES = frozenset(
    {
        "src",
        "href",
        "xlink:href",
        "action",
        "formaction",
        "poster",
        "data",
        "background",
        "cite",
        "longdesc",
        "lowsrc",
        "dynsrc",
        "manifest",
        "codebase",
        "classid",
        "profile",
        "icon",
        "ping",
        "xml:base",
        "archive",
    }
)
#: Attributes holding a list of image candidates (``url [descriptor], ...``).
SRCSET_ATTRIBUTES = frozenset({"srcset", "imagesrcset"})
#: Attributes read as CSS (``style``) or as SVG paint that may be ``url(...)``.
CSS_ATTRIBUTES = frozenset(
    {"style", "fill", "stroke", "filter", "clip-path", "mask", "marker-start", "marker-mid"}
    | {"marker-end", "cursor"}
)
#: Elements that run or embed other content: the report has none, whatever their attributes.
LIVE_ELEMENTS = frozenset(
    {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "portal", "base"}
)

_CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})[ \t\r\n\f]?|\\(.)", re.DOTALL)
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_CSS_URL = re.compile(r"url\(\s*(?:\"([^\"]*)\"|'([^']*)'|([^)]*?))\s*\)", re.IGNORECASE)
_CSS_IMPORT = re.compile(r"@import\b", re.IGNORECASE)
_CSS_IMAGE_SET = re.compile(r"image-set\(([^)]*)\)", re.IGNORECASE)
_CSS_STRING = re.compile(r"\"([^\"]*)\"|'([^']*)'")
# Browsers drop leading and trailing C0 controls and spaces from a URL, and tabs and newlines within.
_URL_TRIM = "".join(chr(c) for c in range(0x21))
_URL_INNER = re.compile(r"[\t\n\r]")


def _inside(url: str) -> bool:
    """Whether a URL stays in the page: a ``data:`` URI, an ``#anchor``, or empty (the page)."""
    url = _URL_INNER.sub("", url.strip(_URL_TRIM)).lower()
    return url == "" or url.startswith(("#", "data:"))


def _srcset_urls(value: str) -> list[str]:
    """The URLs of a ``srcset`` (HTML's parsing: a URL is a run without spaces, commas split)."""
    urls, position = [], 0
    while position < len(value):
        while position < len(value) and (value[position].isspace() or value[position] == ","):
            position += 1
        start = position
        while position < len(value) and not value[position].isspace():
            position += 1
        url = value[start:position]
        if not url:
            break
        if url.endswith(","):
            urls.append(url.rstrip(","))
            continue
        urls.append(url)
        depth = 0  # skip the descriptors, up to a comma outside parentheses
        while position < len(value) and (value[position] != "," or depth):
            depth += {"(": 1, ")": -1}.get(value[position], 0)
            position += 1
    return urls


def _css_references(css: str) -> list[str]:
    """What a piece of CSS would load from outside: ``url()`` targets, imports, image sets."""

    def unescape(match: re.Match) -> str:
        if match.group(1):
            code = int(match.group(1), 16)
            return chr(code) if 0 < code <= 0x10FFFF else "\ufffd"
        return match.group(2)

    css = _CSS_ESCAPE.sub(unescape, _CSS_COMMENT.sub("", css))
    found = []
    for match in _CSS_URL.finditer(css):
        target = next(group for group in match.groups() if group is not None)
        if not _inside(target):
            found.append(f"url({target})")
    for match in _CSS_IMAGE_SET.finditer(css):
        for string in _CSS_STRING.finditer(match.group(1)):
            target = string.group(1) if string.group(1) is not None else string.group(2)
            if not _inside(target):
                found.append(f"image-set({target})")
    found.extend("@import" for _ in _CSS_IMPORT.finditer(css))
    return found


class _ReferenceFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self._in_style = tag == "style"
        if tag in LIVE_ELEMENTS:
            self.found.append(f"<{tag}> element")
        for name, value in attrs:
            value = value or ""
            if name in URL_ATTRIBUTES and not _inside(value):
                self.found.append(f'<{tag} {name}="{value}">')
            elif name in SRCSET_ATTRIBUTES:
                self.found.extend(
                    f'<{tag} {name}="{url}">' for url in _srcset_urls(value) if not _inside(url)
                )
            elif name in CSS_ATTRIBUTES:
                self.found.extend(
                    f'<{tag} {name}="{reference}">' for reference in _css_references(value)
                )
            elif name.startswith("on"):
                self.found.append(f"<{tag} {name}> (an event handler)")
        if tag == "meta":
            values = {name: (value or "") for name, value in attrs}
            if values.get("http-equiv", "").strip().lower() == "refresh":
                self.found.append(f'<meta http-equiv="refresh" content="{values.get("content")}">')

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        self._in_style = False

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.found.extend(f"<style> {reference}" for reference in _css_references(data))

    def handle_comment(self, data):
        if data.lstrip().lower().startswith("[if"):
            self.found.append("a conditional comment (<!--[if ...]>)")


def external_references(html_text: str) -> list[str]:
    """Everything in an HTML page that refers outside it, in page order (empty: closed).

    A URL-bearing attribute (``src``, ``href``, ``srcset``, ``action``,
    ``poster``, ``data``, ``xlink:href``...) counts unless its value, as a
    browser reads it (entities decoded, spaces and controls trimmed, any
    case), is a ``data:`` URI or an in-page ``#anchor``; so do CSS ``url()``,
    ``image-set()`` and ``@import`` in ``style`` attributes and ``<style>``
    blocks, a ``<meta http-equiv="refresh">``, script, frame, plug-in and
    ``<base>`` elements, event-handler attributes and conditional comments.
    """
    finder = _ReferenceFinder()
    finder.feed(html_text)
    finder.close()
    return finder.found


def check_html(page: str, path: str = "the HTML report") -> None:
    """Stop with every external reference named, or when the page lacks its security policy."""
    problems = external_references(page)
    head = page.split("</head>", 1)[0]
    if CSP_META not in head:
        problems.append("no content-security policy in the page's head")
    if problems:
        raise OpenReportError(
            f"{path} is not closed to the outside; it refers to:\n"
            + "\n".join(f"  - {problem}" for problem in problems)
            + "\nfind where this text entered the report (a raw file's text should reach it"
            " escaped) and correct it there"
        )


# --- Word --------------------------------------------------------------------

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
RELATIONSHIP = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
#: Word elements that embed or pull in other documents or programs.
LIVE_WORD_ELEMENTS = {
    f"{W}altChunk": "an imported document (w:altChunk)",
    f"{W}subDoc": "a subdocument (w:subDoc)",
    f"{W}object": "an embedded object (w:object)",
    f"{W}control": "an ActiveX control (w:control)",
}


def toc_field(depth: int) -> str:
    """The table-of-contents field pandoc's ``--toc --toc-depth=<depth>`` writes (its only one)."""
    return f'TOC \\o "1-{depth}" \\h \\z \\u'


def _table_of_contents_fields(root: ElementTree.Element, field: str) -> set[int]:
    """The instruction of the one table of contents the writer itself makes, if there."""
    for sdt in root.iter(f"{W}sdt"):
        gallery = sdt.find(f"{W}sdtPr/{W}docPartObj/{W}docPartGallery")
        if gallery is None or gallery.get(f"{W}val") != "Table of Contents":
            continue
        for instruction in sdt.iter(f"{W}instrText"):
            if (instruction.text or "").strip() == field:
                return {id(instruction)}
    return set()


#: The fields the reference document's footer holds: the page number and the page count.
FOOTER_FIELDS = frozenset({"PAGE", "NUMPAGES"})


def _footer_field(part: str, instruction: str | None) -> bool:
    """A page-number field of a footer (the reference document's own), nothing else."""
    return part.startswith("word/footer") and (instruction or "").strip() in FOOTER_FIELDS


def word_external_content(docx: str | Path, toc_depth: int | None = None) -> list[str]:
    """Every external relationship, field code and embedded program of a Word file (empty: closed).

    External: a relationship with ``TargetMode="External"`` in any part
    (hyperlinks, linked pictures, attached templates). Fields: ``w:fldSimple``,
    ``w:instrText`` and ``w:delInstrText`` in any part of the document. The
    table of contents pandoc writes for ``--toc`` is a field too; with
    ``toc_depth`` its one instruction, inside the document's table-of-contents
    block, is allowed; so are the page number and page count of a footer
    (``FOOTER_FIELDS``), and nothing else.
    """
    found = []
    with zipfile.ZipFile(docx) as archive:
        names = archive.namelist()
        for name in names:
            if not name.endswith(".rels"):
                continue
            root = ElementTree.fromstring(archive.read(name))
            for relationship in root.iter(RELATIONSHIP):
                if (relationship.get("TargetMode") or "").strip().lower() == "external":
                    found.append(f"{name}: an external link to {relationship.get('Target')}")
        for name in names:
            if not (name.startswith("word/") and name.endswith(".xml")):
                continue
            root = ElementTree.fromstring(archive.read(name))
            allowed = set()
            if toc_depth is not None and name == "word/document.xml":
                allowed = _table_of_contents_fields(root, toc_field(toc_depth))
            for element in root.iter():
                if element.tag in (f"{W}instrText", f"{W}delInstrText"):
                    if id(element) not in allowed and not _footer_field(name, element.text):
                        found.append(f"{name}: a field code {(element.text or '').strip()!r}")
                elif element.tag == f"{W}fldSimple":
                    if not _footer_field(name, element.get(f"{W}instr")):
                        found.append(f"{name}: a field code {element.get(f'{W}instr')!r}")
                elif element.tag == f"{W}hyperlink" and element.get(f"{R}id"):
                    found.append(f"{name}: a hyperlink to relationship {element.get(f'{R}id')}")
                elif element.tag in LIVE_WORD_ELEMENTS:
                    found.append(f"{name}: {LIVE_WORD_ELEMENTS[element.tag]}")
    return found


def check_docx(docx: str | Path, toc_depth: int | None = None) -> None:
    """Stop with every external link and field code of a Word file named."""
    problems = word_external_content(docx, toc_depth)
    if problems:
        raise OpenReportError(
            f"{docx} is not closed to the outside; it holds:\n"
            + "\n".join(f"  - {problem}" for problem in problems)
            + "\nfind where this text entered the report (a raw file's text should reach it"
            " escaped) and correct it there"
        )
