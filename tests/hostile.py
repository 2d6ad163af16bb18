"""Hostile strings planted in every raw-file text field that reaches the report (issue 21).

:data:`CORPUS` holds the strings: HTML tags and entities, Markdown emphasis,
link and image syntax, raw TeX and raw-attribute blocks, pandoc fenced divs
and attributes, citations, footnotes, control characters, a right-to-left
override and a very long line, each carrying a marker ``HXnn`` so it can be
found (after the text where the string must lead its field). :func:`plant`
writes them into a scratch copy of the example project, one field at a
time, keeping every file valid; with ``benign=True`` it writes plain words
into exactly the same places instead, so the two reports have the same
structure unless a hostile string created or removed markup.

What the report promises for a planted value is stated once, in
:func:`shown` (the escaping's treatment of control characters and line
breaks) and :data:`FIELDS` (what the pipeline does to each field before
that: excerpts are capped at ``quote_max_words`` words, diary worker codes
are upper-cased).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import yaml

MARKER = re.compile(r"HX\d\d")
HOSTILE_DOMAIN = "example.invalid"

_LONG_WORDS = "a very long transcript line that goes on without a single break "
LONG_LINE = "HX24 " + (_LONG_WORDS * 60)[:3000].rstrip()


@dataclass(frozen=True)
class Hostile:
    key: str  # the marker, HXnn
    text: str
    what: str


#: Strings that must lead their field come first: spread over a field's slots
#: one per slot before any slot gets a second, they start the value they are in.
CORPUS: tuple[Hostile, ...] = (
    Hostile("HX01", "# heading HX01", "leading # (ATX heading)"),
    Hostile("HX02", "> quote HX02", "leading > (block quote)"),
    Hostile("HX03", "1. list HX03", "leading ordered-list marker"),
    Hostile("HX04", 'HX04 <img src="https://example.invalid/x.png">', "HTML image tag"),
    Hostile("HX05", "HX05 <script>alert(1)</script>", "HTML script element"),
    Hostile("HX06", "HX06 &amp; &lt;b&gt; &#60;i&#62; &copy;", "HTML entities"),
    Hostile("HX07", "HX07 *then*", "Markdown emphasis (asterisks)"),
    Hostile("HX08", "HX08 _under_", "Markdown emphasis (underscores)"),
    Hostile("HX09", "HX09 **bold**", "Markdown strong emphasis"),
    Hostile("HX10", "HX10 [link](https://example.invalid)", "Markdown link"),
    Hostile("HX11", "HX11 ![img](https://example.invalid/i.png)", "Markdown image"),
    Hostile("HX12", "HX12 <laughs>", "transcription markup in angle brackets"),
    Hostile("HX13", "HX13 `code`", "inline code"),
    Hostile("HX14", "HX14 $x^2$", "TeX math"),
    Hostile("HX15", "HX15 \\textbf{x}", "raw TeX command"),
    Hostile("HX16", "HX16 `<b>`{=html}", "raw inline attribute"),
    Hostile("HX17", "HX17 before\n::: {.warning}\ninside\n:::", "pandoc fenced div"),
    Hostile("HX18", "HX18 text {#id .class}", "pandoc attribute block"),
    Hostile("HX19", "HX19 | pipe | cell |", "table pipes"),
    Hostile("HX20", "HX20 [^note]", "footnote reference"),
    Hostile("HX21", "HX21 @citation", "citation"),
    Hostile("HX22", "HX22 bell\x07 start\x01 ansi\x1b[31m", "control characters"),
    Hostile("HX23", "HX23 abc\u202edef", "right-to-left override"),
    Hostile("HX24", LONG_LINE, "a 3,000-character line"),
    Hostile("HX25", "HX25 C:\\path\\to\\file \\* \\\\ double", "backslashes"),
    Hostile("HX26", "HX26 [sic] [redacted]{.mark} [x]", "square brackets, bracketed span"),
    Hostile("HX27", "HX27 first line\n# injected heading", "line break then #"),
    Hostile("HX28", "HX28 first line\n> injected quote", "line break then >"),
    Hostile("HX29", "HX29 first line\n- injected item", "line break then list marker"),
    Hostile("HX30", "HX30 paragraph one\n\nparagraph two", "blank line"),
    Hostile("HX31", "HX31 <!-- hidden --> shown", "HTML comment"),
    Hostile("HX32", "HX32 \\begin{verbatim}x\\end{verbatim}", "raw TeX environment"),
    Hostile("HX33", "HX33\n```{=html}\n<b>raw</b>\n```", "raw-attribute block"),
    Hostile("HX34", "HX34 wait -- what... 'single' \"double\"", "smart punctuation"),
    Hostile("HX35", "HX35 H~2~O 2^10^ ~~struck~~", "sub/superscript, strikeout"),
    Hostile("HX36", "HX36 <https://example.invalid/auto>", "autolink"),
    Hostile("HX37", 'HX37 <div class="x">unclosed', "unclosed HTML block"),
    Hostile("HX38", "HX38 café 😀 naïve", "non-ASCII and non-BMP characters"),
    Hostile("HX39", "HX39 {{ settings.title }} {% raw %}", "template syntax"),
    Hostile("HX40", "HX40 ends with a backslash\\", "trailing backslash"),
)

C0_KEPT = {"\t", "\n"}


def shown(text: str) -> str:
    """How a raw value is promised to read in the HTML and Word report (issue 21's escaping).

    C0 control characters other than tab and line feed cannot exist in XML and
    are invisible in HTML: they show as their Unicode control pictures
    (U+2400 + code). A line break inside a value shows as a space. Every other
    character is kept. Adjust here if the escaping promises otherwise.
    """
    out = []
    for char in text:
        if char == "\n":
            out.append(" ")
        elif ord(char) < 0x20 and char not in C0_KEPT:
            out.append(chr(0x2400 + ord(char)))
        else:
            out.append(char)
    return "".join(out)


_WHITESPACE = re.compile(r"[ \t\n\r]+")


def squash(text: str) -> str:
    """Runs of ASCII white space as one space: HTML and pandoc do not keep them."""
    return _WHITESPACE.sub(" ", text).strip()


QUOTE_MAX_WORDS = 60  # config.yaml qualitative: quote_max_words
SHORTENED_MARKER = "[...]"  # codebook/qualitative.yaml quote_bank: shortened_marker


def capped(excerpt: str, max_words: int = QUOTE_MAX_WORDS) -> str:
    """The quote bank's excerpt: words joined by one space, the first ``max_words`` and a marker."""
    words = excerpt.split()
    if len(words) <= max_words:
        return " ".join(words)
    return " ".join(words[:max_words]) + " " + SHORTENED_MARKER


@dataclass(frozen=True)
class Field:
    name: str
    where: str
    expected: Callable[[str], str]  # the text the report shows for a planted value
    xml_only: bool = False  # the source is an .xlsx: no control characters possible


FIELDS: dict[str, Field] = {
    f.name: f
    for f in (
        Field(
            "excerpt",
            "coded_segments.csv excerpt of the exemplar segments (the report's quotes)",
            lambda v: shown(capped(v)),
        ),
        Field(
            "participant",
            "participants.csv participant_id (and coded_segments.csv) of the quoted participants",
            lambda v: shown(v.strip()),
        ),
        Field("theme_label", "themes.csv label of every theme", lambda v: shown(v.strip())),
        Field("coder", "coded_segments.csv coder (both coders)", lambda v: shown(v.strip())),
        Field(
            "statement",
            "practitioners_Y1.csv row-2 question text of every agreement item",
            lambda v: shown(v.strip()),
        ),
        Field(
            "sentence",
            "integration.yaml sentence of every research question",
            lambda v: shown(v.strip()),
        ),
        Field(
            "result_id",
            "integration.yaml an unknown quantitative result id added to every research question",
            lambda v: shown(v.strip()),
        ),
        Field(
            "worker",
            "activity_log.xlsx worker code of both workers (read upper-cased)",
            lambda v: shown(v.strip().upper()),
            xml_only=True,
        ),
    )
}


@dataclass(frozen=True)
class Slot:
    """One planted value and the corpus strings it is made of."""

    value: str
    keys: tuple[str, ...]


def has_control(text: str) -> bool:
    return any(ord(c) < 0x20 and c not in C0_KEPT for c in text)


def spread(n_slots: int, corpus: tuple[Hostile, ...], benign: bool, field: str) -> list[Slot]:
    """The corpus over ``n_slots`` values, round robin, joined by a space (or plain words)."""
    groups: list[list[Hostile]] = [[] for _ in range(n_slots)]
    for i, item in enumerate(corpus):
        groups[i % n_slots].append(item)
    if benign:
        return [Slot(f"Plain {field} value {i}", ()) for i in range(n_slots)]
    return [Slot(" ".join(h.text for h in g), tuple(h.key for h in g)) for g in groups]


# --------------------------------------------------------------------------- planting


def _read_csv(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))


def _write_csv(path: Path, rows: list[list[str]]) -> None:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8-sig", newline="")


def _fold(value: str) -> str:
    from evaluation.core.codebook import normalise_text

    return normalise_text(value)


def plant(workdir: Path, *, benign: bool = False, cutoff: str = "2023-12-31") -> dict:
    """Write the corpus (or plain words) into the project at ``workdir``: field -> slots.

    Qualitative: every exemplar flag is cleared, then up to two segments per
    theme of the primary coder (participants interviewed by the cut-off) are
    marked exemplars, so each is one of the report's quotes (two per theme);
    their excerpts and their participants' ids are planted. The first
    excerpt holds the long line alone (the quote bank caps it). Theme labels,
    coder names, the practitioner statements, the integration sentences (plus
    an unknown result id each) and the diary's worker codes are planted too.
    """
    import datetime as dt

    from evaluation.core.parsing import parse_date

    raw = workdir / "data/raw"
    slots: dict[str, list[Slot]] = {}

    # --- qualitative: which segments become the report's quotes
    seg_path = raw / "qualitative/coded_segments.csv"
    seg_rows = _read_csv(seg_path)
    header, body = seg_rows[0], seg_rows[1:]
    col = {name: header.index(name) for name in header}
    part_path = raw / "qualitative/participants.csv"
    part_rows = _read_csv(part_path)
    p_col = {name: part_rows[0].index(name) for name in part_rows[0]}
    limit = dt.date.fromisoformat(cutoff)
    in_cut = {
        _fold(r[p_col["participant_id"]])
        for r in part_rows[1:]
        if (day := parse_date(r[p_col["interview_date"]])[0]) is not None and day <= limit
    }
    segments_of: dict[str, set[str]] = {}
    for r in body:
        segments_of.setdefault(r[col["coder"]].strip(), set()).add(r[col["segment_id"]].strip())
    primary = sorted(segments_of, key=lambda c: (-len(segments_of[c]), c))[0]
    chosen: list[tuple[str, str]] = []  # (segment_id, folded theme)
    per_theme: Counter = Counter()
    used: set[str] = set()
    for r in body:
        seg, theme = r[col["segment_id"]].strip(), _fold(r[col["theme"]])
        if (
            r[col["coder"]].strip() == primary
            and _fold(r[col["participant_id"]]) in in_cut
            and seg not in used
            and per_theme[theme] < 2
        ):
            chosen.append((seg, theme))
            used.add(seg)
            per_theme[theme] += 1
    chosen_pairs = set(chosen)
    long_item = next(h for h in CORPUS if h.key == "HX24")
    rest = tuple(h for h in CORPUS if h.key != "HX24")
    excerpt_slots = [
        Slot(("Plain long excerpt " + "word " * 80).strip(), ())
        if benign
        else Slot(long_item.text, (long_item.key,)),
        *spread(len(chosen) - 1, rest, benign, "excerpt"),
    ]
    excerpt_of = {seg: excerpt_slots[i].value for i, (seg, _) in enumerate(chosen)}
    quoted = list(
        dict.fromkeys(
            _fold(r[col["participant_id"]]) for r in body if r[col["segment_id"]].strip() in used
        )
    )
    participant_slots = spread(len(quoted), CORPUS, benign, "participant")
    new_id = {p: participant_slots[i].value for i, p in enumerate(quoted)}
    coders = sorted(segments_of, key=lambda c: (c != primary, c))
    coder_slots = spread(len(coders), CORPUS, benign, "coder")
    new_coder = {c: coder_slots[i].value for i, c in enumerate(coders)}
    for r in body:
        seg = r[col["segment_id"]].strip()
        key = (seg, _fold(r[col["theme"]]))
        is_exemplar = r[col["coder"]].strip() == primary and key in chosen_pairs
        r[col["exemplar"]] = "Yes" if is_exemplar else "No"
        if seg in excerpt_of:
            r[col["excerpt"]] = excerpt_of[seg]
        r[col["participant_id"]] = new_id.get(
            _fold(r[col["participant_id"]]), r[col["participant_id"]]
        )
        r[col["coder"]] = new_coder[r[col["coder"]].strip()]
    _write_csv(seg_path, [header, *body])
    for r in part_rows[1:]:
        pid = r[p_col["participant_id"]]
        r[p_col["participant_id"]] = new_id.get(_fold(pid), pid)
    _write_csv(part_path, part_rows)
    slots.update(excerpt=excerpt_slots, participant=participant_slots, coder=coder_slots)

    # --- theme labels
    theme_path = raw / "qualitative/themes.csv"
    theme_rows = _read_csv(theme_path)
    label = theme_rows[0].index("label")
    slots["theme_label"] = spread(len(theme_rows) - 1, CORPUS, benign, "theme_label")
    for r, slot in zip(theme_rows[1:], slots["theme_label"], strict=True):
        r[label] = slot.value
    _write_csv(theme_path, theme_rows)

    # --- practitioner statements (row 2 of the export: 'stem - statement')
    survey_path = raw / "surveys/practitioners_Y1.csv"
    survey_rows = _read_csv(survey_path)
    items = [i for i, name in enumerate(survey_rows[0]) if re.fullmatch(r"agree_\d+", name)]
    slots["statement"] = spread(len(items), CORPUS, benign, "statement")
    for i, slot in zip(items, slots["statement"], strict=True):
        stem = survey_rows[1][i].rsplit(" - ", 1)[0]
        survey_rows[1][i] = f"{stem} - {slot.value}"
    _write_csv(survey_path, survey_rows)

    # --- integration: sentences and an unknown result id per research question
    integration_path = raw / "qualitative/integration.yaml"
    data = yaml.safe_load(integration_path.read_text(encoding="utf-8"))
    entries = data["research_questions"]
    slots["sentence"] = spread(len(entries), CORPUS, benign, "sentence")
    slots["result_id"] = spread(len(entries), CORPUS, benign, "result_id")
    for entry, sentence, result in zip(entries, slots["sentence"], slots["result_id"], strict=True):
        entry["sentence"] = sentence.value
        entry["quantitative"] = [*entry["quantitative"], result.value]
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=10**6)
    assert yaml.safe_load(text) == data, "integration.yaml does not round-trip"
    integration_path.write_text(text, encoding="utf-8")

    # --- diary worker codes (an .xlsx cannot hold control characters)
    import openpyxl

    log_path = raw / "activity/activity_log.xlsx"
    workbook = openpyxl.load_workbook(log_path)
    sheet = workbook["Log"]
    cells = [row[0] for row in sheet.iter_rows(min_row=2) if row[0].value is not None]
    workers = sorted({str(c.value).strip().upper() for c in cells})
    xml_safe = tuple(h for h in CORPUS if not has_control(h.text))
    slots["worker"] = spread(len(workers), xml_safe, benign, "worker")
    new_worker = {w: slots["worker"][i].value for i, w in enumerate(workers)}
    for c in cells:
        c.value = new_worker[str(c.value).strip().upper()]
    workbook.save(log_path)
    return slots


# --------------------------------------------------------------------------- reading the report


class _Page(HTMLParser):
    """Visible text, element structure, attributes and block quotes of an HTML page."""

    INVISIBLE = {"head", "script", "style", "template", "title"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
    SKIPPED = {"col", "colgroup"}  # pandoc adds column widths when a cell's text is long

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.structure: list[tuple[str, str]] = []
        self.attributes: list[tuple[str, str, str]] = []
        self.quotes: list[list[str]] = []  # per block quote, the text of each paragraph
        self._invisible = 0
        self._quote_depth: list[list[str]] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            self.attributes.append((tag, name, value or ""))
        if tag in self.INVISIBLE and tag not in self.VOID:
            self._invisible += 1
        if tag not in self.SKIPPED:
            classes = " ".join(sorted((dict(attrs).get("class") or "").split()))
            self.structure.append((tag, classes))
        if tag == "blockquote":
            paragraphs: list[str] = []
            self.quotes.append(paragraphs)
            self._quote_depth.append(paragraphs)
        elif tag == "p" and self._quote_depth:
            self._quote_depth[-1].append("")
        if tag in ("p", "div", "td", "th", "li", "h1", "h2", "h3", "h4", "br", "tr"):
            self.text.append("\n")

    def handle_startendtag(self, tag, attrs):
        for name, value in attrs:
            self.attributes.append((tag, name, value or ""))
        if tag not in self.SKIPPED:
            classes = " ".join(sorted((dict(attrs).get("class") or "").split()))
            self.structure.append((tag, classes))

    def handle_endtag(self, tag):
        if tag in self.INVISIBLE and self._invisible:
            self._invisible -= 1
        if tag == "blockquote" and self._quote_depth:
            self._quote_depth.pop()
        if tag in ("p", "div", "td", "th", "li", "h1", "h2", "h3", "h4", "tr"):
            self.text.append("\n")

    def handle_data(self, data):
        if self._invisible:
            return
        self.text.append(data)
        if self._quote_depth and self._quote_depth[-1]:
            self._quote_depth[-1][-1] += data


@dataclass
class HtmlReport:
    text: str  # visible text, white space squashed
    structure: list[tuple[str, str]]  # (tag, classes) of every element in document order
    attributes: list[tuple[str, str, str]]  # (tag, attribute, value)
    quotes: list[list[str]]


def read_html(path: Path) -> HtmlReport:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return HtmlReport(squash("".join(page.text)), page.structure, page.attributes, page.quotes)


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@dataclass
class WordReport:
    paragraphs: list[str]
    styles: list[str]  # each paragraph's style
    formatting: Counter  # run properties (italic, bold, code style ...) and fields, links, images
    external_targets: list[str]  # relationship targets outside the package

    @property
    def text(self) -> str:
        return squash("\n".join(self.paragraphs))


def read_docx(path: Path) -> WordReport:
    """word/document.xml's paragraphs (text runs joined), styles and formatting counts."""
    with zipfile.ZipFile(path) as package:
        root = ElementTree.fromstring(package.read("word/document.xml"))
        rels = ElementTree.fromstring(package.read("word/_rels/document.xml.rels"))
    paragraphs, styles = [], []
    for p in root.iter(f"{W}p"):
        if p.find(f"{W}pPr/{W}sectPr") is not None and p.find(f".//{W}t") is None:
            # a page-layout break the engine adds around a table too wide for a portrait
            # page (evaluation.report.word): longer cell texts may need one, so it is layout,
            # not formatting made from data
            continue
        parts = []
        for node in p.iter():
            if node.tag == f"{W}t" and node.text:
                parts.append(node.text)
            elif node.tag == f"{W}tab":
                parts.append("\t")
            elif node.tag in (f"{W}br", f"{W}cr"):
                parts.append("\n")
        paragraphs.append("".join(parts))
        style = p.find(f"{W}pPr/{W}pStyle")
        styles.append(style.get(f"{W}val") if style is not None else "")
    formatting: Counter = Counter()
    for rpr in root.iter(f"{W}rPr"):
        for child in rpr:
            name = child.tag.replace(W, "")
            if name in ("rFonts", "lang", "sz", "szCs", "color"):
                continue
            formatting[(name, child.get(f"{W}val", ""))] += 1
    for tag in (
        "hyperlink",
        "fldSimple",
        "fldChar",
        "instrText",
        "drawing",
        "tbl",
        "bookmarkStart",
    ):
        formatting[(tag, "")] = sum(1 for _ in root.iter(f"{W}{tag}"))
    external = [
        rel.get("Target", "")
        for rel in rels
        if rel.get("TargetMode") == "External" or "://" in rel.get("Target", "")
    ]
    return WordReport(paragraphs, styles, formatting, external)


def report_quotes(page: HtmlReport) -> list[str]:
    """The quotations of the HTML report: block quotes whose first paragraph is in quote marks."""
    out = []
    for paragraphs in page.quotes:
        if len(paragraphs) < 2:
            continue
        first = squash(paragraphs[0])
        if first[:1] in '\u201c"' and first[-1:] in '\u201d"' and len(first) >= 2:
            out.append(first[1:-1])
    return out
