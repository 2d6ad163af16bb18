"""An independent intruder for the disclosure-control promise of ``disclosure: {min_cell: k}``.

The promise: no count from 1 to k-1 can be learned from anything a run publishes.
This module attacks a finished project folder from the outside, reading only what
is published (``report/tables/*.csv``, ``report/build/report.{md,html,docx}``,
``report/build/tables.xlsx`` and ``figures/*.svg``). It deliberately does NOT import :mod:`evaluation.disclosure`
(the code under test): it builds its own linear programme from the published CSVs
and solves it with :func:`scipy.optimize.linprog` (HiGHS).

- :func:`small_visible_counts` lists every visible count from 1 to k-1.
- :func:`recover_suppressed` lists every suppressed cell whose feasible interval
  (smallest to largest value consistent with everything published) is narrower
  than k.
- :func:`audit_project` returns both lists.

The relations the intruder uses are built from the shape of the tables (a
``Total`` column, denominators, single-response columns, identical cells of two
stacked tables, visible percentages) plus a few relations of named outputs
(key facts, the monthly caseload, WAI completion, paired change, sentence length).
Every relation must really hold in the unprotected tables: an unsound relation
would make the intruder "recover" cells that are in fact protected.
"""

from __future__ import annotations

import html
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import linprog

# Outputs the pipeline declares exempt from disclosure control (activity time and
# qualitative material). ``joint_display`` is exempt as a table, but the theme
# counts in its ``themes`` text are still checked.
EXEMPT_TABLES = frozenset(
    {
        "activity_minutes",
        "activity_hours_by_month",
        "intercoder_agreement",
        "quote_bank",
        "joint_display",
        "practitioner_statements",
    }
)
TOTAL = "Total"
COUNT_FIELDS = frozenset({"n", "denominator", "pairs", "opened", "closed"})
# How the intruder identifies a cell: (table, item, row, column, field). The
# suppressed denominator of a whole (table, item, column) uses row ``ALL_ROWS``.
ALL_ROWS = "*"
Key = tuple[str, str, str, str, str]

NOT_COUNT = object()  # a cell that holds text or a non-integer: not a count


def is_count_field(name: str) -> bool:
    """Whether a column of a published table holds counts of people or records."""
    return name in COUNT_FIELDS or name.startswith("n_")


def parse_count(text):
    """``None`` for an empty (suppressed) cell, the integer for a count, else ``NOT_COUNT``."""
    text = str(text).strip()
    if text == "":
        return None
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        return NOT_COUNT
    if not math.isfinite(value) or value != int(value) or value < 0:
        return NOT_COUNT
    return int(value)


def parse_float(text) -> float | None:
    try:
        value = float(str(text).strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def declared_exempt(workdir: Path) -> set[str]:
    """Outputs the study declares exempt (counts of organisations, say), from the published
    disclosure log: an intruder reads the same log, with each exemption's stated reason."""
    import json

    path = Path(workdir) / "report" / "build" / "disclosure_log.json"
    if not path.exists():
        return set()
    outputs = json.loads(path.read_text(encoding="utf-8")).get("outputs", [])
    return {o["output"] for o in outputs if o.get("status") == "exempt" and o.get("reason")}


#: How the tables workbook marks a cell that has no value at all (not a suppressed count).
NOT_APPLICABLE = "[z]"


def _workbook_text(value) -> str:
    """A workbook cell as the CSVs write it: '' for empty or ``[c]``, integers without '.0'."""
    if value is None or value == "[c]":
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _workbook_rows(workdir: Path) -> dict[str, list[list]]:
    """Each sheet of ``report/build/tables.xlsx`` as its rows of cell values."""
    path = Path(workdir) / "report" / "build" / "tables.xlsx"
    if not path.exists():
        return {}
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    sheets = {s.title: [list(row) for row in s.iter_rows(values_only=True)] for s in book}
    book.close()
    return sheets


def workbook_text(workdir: Path) -> list[tuple[str, str]]:
    """(sheet, text) of every text cell of the tables workbook: cover, notes, labels."""
    return [
        (name, value)
        for name, rows in _workbook_rows(workdir).items()
        for row in rows
        for value in row
        if isinstance(value, str)
    ]


def read_workbook(workdir: Path) -> dict[str, pd.DataFrame]:
    """Every sheet of ``report/build/tables.xlsx`` as a table of text, keyed by sheet name.

    A sheet's header is its first row of two cells or more (the title and notes above
    it are single cells). ``[c]`` reads as an empty (suppressed) cell and ``[z]`` as
    :data:`NOT_APPLICABLE`: the workbook tells the intruder which empty cells are
    not counts at all, which the CSVs do not.
    """
    sheets = {}
    for name, rows in _workbook_rows(workdir).items():
        start = next(
            (i for i, row in enumerate(rows) if sum(v is not None for v in row) >= 2), None
        )
        if start is None:
            continue
        header = [_workbook_text(v) for v in rows[start]]
        body = [[_workbook_text(v) for v in row] for row in rows[start + 1 :]]
        sheets[name] = pd.DataFrame(body, columns=header)
    return sheets


def read_tables(workdir: Path) -> dict[str, pd.DataFrame]:
    """Every published, non-exempt table of ``workdir``, as text (empty string = empty cell).

    Tables the study declares exempt with a reason are left out, except ``joint_display``,
    whose theme counts are still checked. Where the tables workbook marks an empty
    cell ``[z]`` (no value, not a suppressed count), the table says so too.
    """
    folder = Path(workdir) / "report" / "tables"
    exempt = declared_exempt(Path(workdir)) - EXEMPT_TABLES
    tables = {
        path.stem: pd.read_csv(path, dtype=str, keep_default_na=False)
        for path in sorted(folder.glob("*.csv"))
        if path.stem not in exempt
    }
    for name, sheet in read_workbook(Path(workdir)).items():
        frame = tables.get(name)
        if frame is None or len(sheet) != len(frame):
            continue
        for column in frame.columns:
            if column in sheet.columns:
                marked = (sheet[column] == NOT_APPLICABLE).to_numpy() & (frame[column] == "")
                frame.loc[marked, column] = NOT_APPLICABLE
    return tables


# --------------------------------------------------------------------------
# 1. Small counts that are visible
# --------------------------------------------------------------------------

IDENTIFYING_COLUMNS = ("research_question", "item", "fact", "row", "comparison", "theme", "column")
PEOPLE_NOUNS = (
    r"(?:test\s+previews?|unfinished\s+responses?|mothers?|child(?:ren)?|participants?"
    r"|practitioners?|questionnaires?|answers?|responses?|interviews?|cases?|referrals?"
    r"|wom[ae]n)"
)
# A whole number standing on its own: not part of a word, a decimal, a
# thousands-separated number, a range ("1-10"), a fraction or a percentage.
NUMBER = r"(?<![\w.,/\-–])(\d+)(?![\w%/]|\s*%|[.,\-–]\d)"
ADJECTIVE = r"(?:[A-Za-z][A-Za-z'’\-]*\s+)?"
PROSE_PATTERNS = (
    re.compile(NUMBER + r"\s+of\s+" + NUMBER + r"\s+" + ADJECTIVE + PEOPLE_NOUNS + r"\b"),
    re.compile(NUMBER + r"\s+" + ADJECTIVE + PEOPLE_NOUNS + r"\b"),
    re.compile(NUMBER + r"\s*\(\s*\d+(?:\.\d+)?\s*%\s*\)"),
    re.compile(NUMBER + r"\s+of\s+the\b"),
    re.compile(NUMBER + r"\s+referred\b"),
    re.compile(r"\bn\s*=\s*" + NUMBER),
)
SVG_PATTERNS = (
    re.compile(NUMBER + r"\s*\(\s*\d+(?:\.\d+)?\s*%\s*\)"),
    re.compile(r"\bn\s*=\s*" + NUMBER),
    re.compile(r"(?<![\w./\-])(\d+|\[c\])\s*/\s*(\d+|\[c\])(?![\w/]|\.\d)"),
    re.compile(NUMBER + r"\s+pairs\b"),
)
# A number right after one of these words is a label, not a count ("Table 3").
LABEL_WORDS = re.compile(
    r"(?:\b(?:Tables?|Figures?|Sections?|Appendix|Items?|Waves?|Pages?|Versions?|RQ|Q|T|Y)"
    r"\s*)$",
    re.IGNORECASE,
)
THEME_COUNT = re.compile(r"\((\[c\]|\d+) of (\[c\]|\d+) participants?\)")


def prose_counts(text: str, labels: frozenset[str] = frozenset()) -> list[tuple[int, str]]:
    """Counts of people a sentence states: (value, the words that make it a count).

    ``labels`` are table categories named by a number ("1 child"): where one stands
    alone (a table cell, a band definition) it is a label, not a count.
    """
    found: dict[int, tuple[int, str]] = {}
    for pattern in PROSE_PATTERNS:
        _collect(pattern, text, found, labels)
    return [found[start] for start in sorted(found)]


def svg_counts(text: str) -> list[tuple[int, str]]:
    """Counts a chart label states: "N (p%)", "n = N", "N/M" (both) or "N pairs"."""
    found: dict[int, tuple[int, str]] = {}
    for pattern in SVG_PATTERNS:
        _collect(pattern, text, found, frozenset())
    return [found[start] for start in sorted(found)]


def _collect(pattern: re.Pattern, text: str, found: dict, labels: frozenset[str]) -> None:
    for match in pattern.finditer(text):
        for group in range(1, (pattern.groups or 0) + 1):
            start = match.start(group)
            if (
                start < 0
                or not match.group(group).isdigit()
                or LABEL_WORDS.search(text[max(0, start - 12) : start])
            ):
                continue
            if _is_category_label(match, text, labels):
                continue
            found.setdefault(start, (int(match.group(group)), match.group(0)))


# A category of a published table named by a number ("1 child", "2 children") is a
# label, not a count, where it stands alone: a table cell, or a band definition
# such as "1 child [1, 1]; 2 children [2, 2]".
CATEGORY_LABEL = re.compile(r"\d+\s+\S+")
LABEL_END = re.compile(r"\s*(?:$|[\[;|:])")


def _is_category_label(match: re.Match, text: str, labels: frozenset[str]) -> bool:
    words = " ".join(match.group(0).split()).lower()
    return words in labels and bool(LABEL_END.match(text, match.end()))


def category_labels(tables: dict[str, pd.DataFrame]) -> frozenset[str]:
    """Row labels of the published tables that start with a number ("1 child")."""
    labels = set()
    for frame in tables.values():
        for column in ("row", "item"):
            if column in frame.columns:
                for label in frame[column]:
                    label = " ".join(str(label).split()).lower()
                    if CATEGORY_LABEL.fullmatch(label):
                        labels.add(label)
    return frozenset(labels)


def _describe_row(frame: pd.DataFrame, index) -> str:
    parts = []
    for column in IDENTIFYING_COLUMNS:
        if column in frame.columns:
            parts.append(f"{column} {frame.at[index, column]!r}")
    return " ".join(parts)


def _small(value, k: int) -> bool:
    return isinstance(value, int) and 1 <= value < k


def small_in_tables(tables: dict[str, pd.DataFrame], k: int) -> list[str]:
    found = []
    for name, frame in tables.items():
        if name in EXEMPT_TABLES:
            continue
        for column in frame.columns:
            if not is_count_field(column):
                continue
            for index, text in frame[column].items():
                value = parse_count(text)
                if _small(value, k):
                    found.append(f"{name}.csv {_describe_row(frame, index)} {column}={value}")
    joint = tables.get("joint_display")
    if joint is not None and "themes" in joint.columns:
        for index, text in joint["themes"].items():
            for match in THEME_COUNT.finditer(str(text)):
                for label, group in (("N", 1), ("M", 2)):
                    value = parse_count(match.group(group).strip("[]c") or "")
                    if _small(value, k):
                        where = _describe_row(joint, index) or f"row {index}"
                        found.append(
                            f"joint_display.csv {where} themes {match.group(0)!r}: {label}={value}"
                        )
    return found


LIST_OR_HEADING = re.compile(r"\s*(?:[-*+]\s|#|\d+[.)]\s|>)")


def markdown_prose(text: str) -> list[tuple[int, str]]:
    """(first line number, text) of each paragraph or list item of report.md prose: no
    YAML front matter, no table lines; a paragraph wrapped over lines is joined."""
    lines = text.splitlines()
    start = 0
    if lines and lines[0].strip() == "---":
        for number in range(1, len(lines)):
            if lines[number].strip() in ("---", "..."):
                start = number + 1
                break
    chunks: list[tuple[int, str]] = []
    current: list[str] = []
    first = 0
    for number in range(start, len(lines)):
        line = lines[number]
        if not line.strip() or line.lstrip().startswith("|") or LIST_OR_HEADING.match(line):
            if current:
                chunks.append((first + 1, " ".join(current)))
            current = []
            if not line.strip() or line.lstrip().startswith("|"):
                continue
        if not current:
            first = number
        current.append(line.strip())
    if current:
        chunks.append((first + 1, " ".join(current)))
    return chunks


def html_text(text: str) -> str:
    """The visible text of an HTML page, one line per paragraph, cell or heading."""
    text = re.sub(r"(?is)<(script|style|svg)\b.*?</\1\s*>", " ", text)
    text = re.sub(r"(?s)<!--.*?-->", " ", text)
    text = re.sub(r"\s+", " ", text)  # a paragraph wrapped over lines is one line
    text = re.sub(r"(?i)<br\s*/?>|</(p|div|li|td|th|tr|h\d|caption|figcaption)>", "\n", text)
    text = re.sub(r"(?s)<[^>]+>", " ", text)
    return html.unescape(text)


def docx_text(path: Path) -> list[str]:
    import docx

    document = docx.Document(str(path))
    chunks = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                chunks.append(cell.text)
    return chunks


def svg_text(text: str) -> list[str]:
    """The strings of a chart: ``<text>`` elements and matplotlib's text-as-path comments."""
    chunks = [
        html.unescape(re.sub(r"(?s)<[^>]+>", "", inner))
        for inner in re.findall(r"(?s)<text\b[^>]*>(.*?)</text>", text)
    ]
    chunks += [html.unescape(inner.strip()) for inner in re.findall(r"(?s)<!--(.*?)-->", text)]
    return chunks


def _context(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 160 else text[:157] + "..."


def small_in_documents(workdir: Path, k: int, labels: frozenset[str] = frozenset()) -> list[str]:
    """Small counts in the report's prose (Markdown, HTML, Word) and in the charts."""
    found = []
    build = Path(workdir) / "report" / "build"
    markdown = build / "report.md"
    if markdown.exists():
        for number, line in markdown_prose(markdown.read_text(encoding="utf-8")):
            for value, words in prose_counts(line, labels):
                if _small(value, k):
                    found.append(
                        f"report.md line {number}: {value} ({words!r}) in {_context(line)!r}"
                    )
    page = build / "report.html"
    if page.exists():
        for line in html_text(page.read_text(encoding="utf-8")).splitlines():
            for value, words in prose_counts(line, labels):
                if _small(value, k):
                    found.append(f"report.html: {value} ({words!r}) in {_context(line)!r}")
    document = build / "report.docx"
    if document.exists():
        for chunk in docx_text(document):
            for value, words in prose_counts(chunk, labels):
                if _small(value, k):
                    found.append(f"report.docx: {value} ({words!r}) in {_context(chunk)!r}")
    exempt = declared_exempt(Path(workdir)) | EXEMPT_TABLES
    sheets = {n: f for n, f in read_workbook(Path(workdir)).items() if n not in exempt}
    for finding in small_in_tables(sheets, k):
        found.append(f"tables.xlsx sheet {finding.replace('.csv ', ' ', 1)}")
    for name, text in workbook_text(Path(workdir)):  # the cover and notes say things in words
        if name in exempt:
            continue
        for value, words in prose_counts(text, labels):
            if _small(value, k):
                found.append(f"tables.xlsx sheet {name}: {value} ({words!r}) in {_context(text)!r}")
    for chart in sorted((Path(workdir) / "figures").glob("*.svg")):
        for chunk in svg_text(chart.read_text(encoding="utf-8")):
            for value, words in svg_counts(chunk):
                if _small(value, k):
                    found.append(
                        f"figures/{chart.name}: {value} ({words!r}) in {_context(chunk)!r}"
                    )
    return found


def small_visible_counts(workdir, k: int) -> list[str]:
    """Every published count from 1 to k-1 that can be read: tables, report text, charts."""
    workdir = Path(workdir)
    tables = read_tables(workdir)
    return small_in_tables(tables, k) + small_in_documents(workdir, k, category_labels(tables))


# --------------------------------------------------------------------------
# 2. The intruder's linear programme
# --------------------------------------------------------------------------


@dataclass
class Model:
    """Published values, unknown (suppressed) cells and linear relations between them."""

    known: dict[Key, int] = field(default_factory=dict)
    lower: dict[Key, int] = field(default_factory=dict)  # unknown cell -> lower bound
    relations: dict[tuple, tuple[dict[Key, float], str, float]] = field(default_factory=dict)
    sources: dict[tuple, str] = field(default_factory=dict)

    def cell(self, key: Key, text) -> Key | None:
        """Register a published cell: known value, suppressed unknown (>= 1), or not a count."""
        value = parse_count(text)
        if value is NOT_COUNT:
            return None
        if value is None:
            self.lower.setdefault(key, 1)  # zeros are never suppressed
        else:
            self.known[key] = value
        return key

    def unknown(self, key: Key, lower: int = 1) -> Key:
        self.lower.setdefault(key, lower)
        return key

    def has(self, key: Key | None) -> bool:
        return key is not None and (key in self.known or key in self.lower)

    def relation(self, terms: dict[Key | None, float], sense: str, rhs: float, source: str):
        """Add sum(coef * cell) (= or <=) rhs; dropped when a cell is not published."""
        if any(not self.has(key) for key in terms):
            return
        unknown: dict[Key, float] = {}
        for key, coef in terms.items():
            if key in self.known:
                rhs -= coef * self.known[key]
            elif coef:
                unknown[key] = unknown.get(key, 0.0) + coef
        unknown = {key: coef for key, coef in unknown.items() if coef}
        if not unknown:
            return
        signature = (tuple(sorted(unknown.items())), sense, round(rhs, 9))
        if signature not in self.relations:
            self.relations[signature] = (unknown, sense, rhs)
            self.sources[signature] = source

    def equal_sum(self, parts, total, source: str):
        terms: dict = defaultdict(float)
        for part in parts:
            terms[part] += 1.0
        terms[total] -= 1.0
        self.relation(dict(terms), "eq", 0.0, source)

    def at_most(self, small, large, source: str):
        if small == large:
            return
        self.relation({small: 1.0, large: -1.0}, "le", 0.0, source)

    def percentage(self, n, denominator, pct_text, source: str):
        """A visible percentage rounded to one decimal: n / d within pct +- 0.05."""
        pct = parse_float(pct_text)
        if pct is None or not (self.has(n) and self.has(denominator)):
            return
        if n in self.known and denominator in self.known:
            return
        low, high = (max(pct - 0.05, 0.0) - 1e-9) / 100, (pct + 0.05 + 1e-9) / 100
        self.relation({n: -1.0, denominator: low}, "le", 0.0, source)
        self.relation({n: 1.0, denominator: -high}, "le", 0.0, source)


def is_count_table(frame: pd.DataFrame) -> bool:
    return {"row", "column", "n", "denominator"} <= set(frame.columns)


@dataclass
class CountTable:
    """Keys of one tidy count table: n and denominator per (item, row, column)."""

    name: str
    n: dict[tuple[str, str, str], Key] = field(default_factory=dict)
    denominator: dict[tuple[str, str, str], Key | None] = field(default_factory=dict)
    pct: dict[tuple[str, str, str], str] = field(default_factory=dict)
    columns: list[str] = field(default_factory=list)
    # Sets of row labels seen adding up to their base in a fully visible column (and
    # never seen not to); ``single_response`` True/False overrides that evidence.
    summing: set[frozenset[str]] = field(default_factory=set)
    single_response: bool | None = None

    def adds_up(self, rows: frozenset[str]) -> bool:
        if self.single_response is not None:
            return self.single_response
        return rows in self.summing


def _shown(frame: pd.DataFrame, index) -> bool:
    return isinstance(parse_count(frame.at[index, "denominator"]), int)


def add_count_table(model: Model, name: str, frame: pd.DataFrame) -> CountTable:
    table = CountTable(name)
    items = frame["item"] if "item" in frame.columns else pd.Series("", index=frame.index)
    for column in frame["column"]:
        if column not in table.columns:
            table.columns.append(column)
    # Denominators: empty in every row of an (item, column) = the base is suppressed
    # (one unknown for the group). Empty next to a visible one = that row has no
    # denominator or a base of its own: such rows are never tied to the group's base.
    groups: dict[tuple[str, str], list] = defaultdict(list)
    for index in frame.index:
        groups[(items[index], frame.at[index, "column"])].append(index)
    visible_rows = {frame.at[i, "row"] for i in frame.index if _shown(frame, i)}
    own_base_rows = {
        frame.at[i, "row"]
        for members in groups.values()
        if any(_shown(frame, j) for j in members)
        for i in members
        if not _shown(frame, i)
    }
    for (item, column), members in groups.items():
        shown = any(_shown(frame, i) for i in members)
        for index in members:
            row = frame.at[index, "row"]
            cell = (item, row, column)
            table.n[cell] = model.cell((name, item, row, column, "n"), frame.at[index, "n"])
            table.pct[cell] = frame.at[index, "pct"] if "pct" in frame.columns else ""
            text = frame.at[index, "denominator"]
            value = parse_count(text)
            tied = (row in visible_rows or not visible_rows) and row not in own_base_rows
            if isinstance(value, int):
                table.denominator[cell] = model.cell((name, item, row, column, "denominator"), text)
            elif value is None and not shown and tied:
                table.denominator[cell] = model.unknown(
                    (name, item, ALL_ROWS, column, "denominator")
                )
            else:
                table.denominator[cell] = None
    table.summing = _summing_row_sets(model, table)
    return table


def _partitions(model: Model, table: CountTable) -> dict[tuple, tuple[Key, list[Key], list[str]]]:
    """Rows of each (item, column) that share one denominator (the same visible value, or
    the same suppressed base): (item, column, base) -> (a denominator cell, n cells, rows)."""
    parts: dict[tuple, tuple[Key, list[Key], list[str]]] = {}
    for (item, row, column), n in table.n.items():
        denominator = table.denominator[(item, row, column)]
        if n is None or denominator is None:
            continue
        base = ("=", model.known[denominator]) if denominator in model.known else denominator
        part = parts.setdefault((item, column, base), (denominator, [], []))
        part[1].append(n)
        part[2].append(row)
    return parts


def _summing_row_sets(model: Model, table: CountTable) -> set[frozenset[str]]:
    """Row sets that add up to their base in a fully visible column, and never fail to."""
    agree, disagree = set(), set()
    for denominator, ns, rows in _partitions(model, table).values():
        if denominator in model.known and all(n in model.known for n in ns):
            total = sum(model.known[n] for n in ns)
            (agree if total == model.known[denominator] else disagree).add(frozenset(rows))
    return agree - disagree


def relate_count_table(model: Model, table: CountTable) -> None:
    name = table.name
    for (item, column, _base), (denominator, ns, rows) in _partitions(model, table).items():
        if table.adds_up(frozenset(rows)):
            model.equal_sum(ns, denominator, f"{name}: rows of {item} {column} add up to the base")
        else:
            for n in ns:
                model.at_most(n, denominator, f"{name}: n <= denominator")
    for cell, n in table.n.items():
        text = table.pct.get(cell, "")
        if text and n is not None and table.denominator.get(cell) is not None:
            model.percentage(n, table.denominator[cell], text, f"{name}: visible pct")
    groups = [column for column in table.columns if column != TOTAL]
    if TOTAL in table.columns and len(groups) >= 2:
        rows = {(item, row) for item, row, _column in table.n}
        for item, row in rows:
            for keys in (table.n, table.denominator):
                parts = [keys.get((item, row, column)) for column in groups]
                total = keys.get((item, row, TOTAL))
                if total is not None and all(part is not None for part in parts):
                    model.equal_sum(parts, total, f"{name}: groups add up to Total")


def link_stacked_tables(model: Model, tables: dict[str, CountTable]) -> None:
    """Two stacked tables showing the same (item, row, column) agree wherever both are visible:
    the intruder takes them as the same counts."""
    stacked = [t for t in tables.values() if any(item for item, _r, _c in t.n)]
    for position, first in enumerate(stacked):
        for second in stacked[position + 1 :]:
            common = sorted(set(first.n) & set(second.n))
            if not common:
                continue
            agree, conflict = 0, 0
            for cell in common:
                for keys_a, keys_b in (
                    (first.n, second.n),
                    (first.denominator, second.denominator),
                ):
                    a, b = keys_a.get(cell), keys_b.get(cell)
                    if a in model.known and b in model.known:
                        if model.known[a] == model.known[b]:
                            agree += 1
                        else:
                            conflict += 1
            if not agree or conflict:
                continue
            source = f"{first.name} = {second.name} (same item/row/column)"
            for cell in common:
                for keys_a, keys_b in (
                    (first.n, second.n),
                    (first.denominator, second.denominator),
                ):
                    a, b = keys_a.get(cell), keys_b.get(cell)
                    if a is not None and b is not None and a != b:
                        model.equal_sum([a], b, source)


def add_key_facts(model: Model, frame: pd.DataFrame) -> None:
    """Key facts: n <= denominator; prisons add up to Total for facts with denominators."""
    name = "key_facts"
    for fact, rows in frame.groupby("fact", sort=False):
        with_base = any(
            isinstance(parse_count(rows.at[i, "denominator"]), int)
            or parse_float(rows.at[i, "pct"]) is not None
            for i in rows.index
        )
        n, denominator = {}, {}
        for index in rows.index:
            column = rows.at[index, "column"]
            n[column] = model.cell((name, fact, "", column, "n"), rows.at[index, "n"])
            if with_base:
                denominator[column] = model.cell(
                    (name, fact, "", column, "denominator"), rows.at[index, "denominator"]
                )
                if n[column] is not None and denominator[column] is not None:
                    model.at_most(n[column], denominator[column], f"{name}: n <= denominator")
                    model.percentage(
                        n[column], denominator[column], rows.at[index, "pct"], f"{name}: pct"
                    )
        prisons = [column for column in n if column != TOTAL]
        if with_base and TOTAL in n and prisons:
            for keys in (n, denominator):
                parts = [keys.get(column) for column in prisons]
                if keys.get(TOTAL) is not None and all(part is not None for part in parts):
                    model.equal_sum(parts, keys[TOTAL], f"{name}: {fact} prisons add up to Total")


def add_caseload(model: Model, frame: pd.DataFrame) -> None:
    """Open cases per month: Total = prisons; n(m) = n(m-1) + opened(m) - closed(m-1)."""
    name = "caseload_by_month"
    fields = [f for f in ("n", "opened", "closed") if f in frame.columns]
    keys: dict[tuple[str, str, str], Key] = {}
    for index in frame.index:
        row, column = frame.at[index, "row"], frame.at[index, "column"]
        for field_name in fields:
            keys[(row, column, field_name)] = model.cell(
                (name, "", row, column, field_name), frame.at[index, field_name]
            )
    months = sorted(set(frame["row"]))
    columns = list(dict.fromkeys(frame["column"]))
    prisons = [column for column in columns if column != TOTAL]
    for month in months:
        for field_name in fields:
            if TOTAL in columns and prisons:
                parts = [keys.get((month, column, field_name)) for column in prisons]
                total = keys.get((month, TOTAL, field_name))
                if total is not None and all(part is not None for part in parts):
                    model.equal_sum(parts, total, f"{name}: prisons add up to Total")
        for column in columns:
            n = keys.get((month, column, "n"))
            for field_name in ("opened", "closed"):
                other = keys.get((month, column, field_name))
                if n is not None and other is not None:
                    model.at_most(other, n, f"{name}: {field_name} <= open cases")
    for previous, month in zip(months, months[1:], strict=False):
        for column in columns:
            terms = {
                keys.get((month, column, "n")): 1.0,
                keys.get((previous, column, "n")): -1.0,
                keys.get((month, column, "opened")): -1.0,
                keys.get((previous, column, "closed")): 1.0,
            }
            if None not in terms and len(terms) == 4:
                model.relation(terms, "eq", 0.0, f"{name}: month-to-month flow")


WAI_RETURNED = "Questionnaires returned"
WAI_PARTS = ("Had not met the social worker", "No WAI item answered")
WAI_ANSWERED = "Answered at least one WAI item"
WAI_SCORED = ("Total score computed", "Total not computed (items skipped)")


def relate_wai_completion(model: Model, table: CountTable) -> None:
    for column in table.columns:

        def n(row, column=column):
            return table.n.get(("", row, column))

        parts = [n(row) for row in (*WAI_PARTS, WAI_ANSWERED)]
        if n(WAI_RETURNED) is not None and all(part is not None for part in parts):
            model.equal_sum(parts, n(WAI_RETURNED), "wai_completion: returned = reasons + answered")
        parts = [n(row) for row in WAI_SCORED]
        if n(WAI_ANSWERED) is not None and all(part is not None for part in parts):
            model.equal_sum(parts, n(WAI_ANSWERED), "wai_completion: answered = scored + not")


SIGN_ASSIGNMENTS = re.compile(r"all ([\d,]+) sign assignments")


def add_paired_change(model: Model, frame: pd.DataFrame) -> None:
    """pairs = n_lower + n_same + n_higher (and an exact Wilcoxon test over 2^m sign
    assignments names m = n_lower + n_higher)."""
    name = "mothers_paired_change"
    row_column = "comparison" if "comparison" in frame.columns else "row"
    for index in frame.index:
        item = frame.at[index, "item"] if "item" in frame.columns else ""
        row = frame.at[index, row_column]
        keys = {
            f: model.cell((name, item, row, "", f), frame.at[index, f])
            for f in ("pairs", "n_lower", "n_same", "n_higher")
            if f in frame.columns
        }
        if len(keys) == 4 and None not in keys.values():
            model.equal_sum(
                [keys["n_lower"], keys["n_same"], keys["n_higher"]],
                keys["pairs"],
                f"{name}: pairs = lower + same + higher",
            )
        found = (
            SIGN_ASSIGNMENTS.search(str(frame.at[index, "method"])) if "method" in frame else None
        )
        if found and keys.get("n_lower") is not None and keys.get("n_higher") is not None:
            assignments = int(found.group(1).replace(",", ""))
            nonzero = round(math.log2(assignments)) if assignments > 0 else None
            if nonzero is not None and 2**nonzero == assignments:
                model.relation(
                    {keys["n_lower"]: 1.0, keys["n_higher"]: 1.0},
                    "eq",
                    float(nonzero),
                    f"{name}: exact test over 2^(lower + higher) sign assignments",
                )


def relate_sentence_length(model: Model, sentence: CountTable, legal: CountTable) -> None:
    """Sentence length counts mothers not on remand: its base = legal status base - Remand."""
    for item, row, column in sentence.denominator:
        base = sentence.denominator[(item, row, column)]
        remand_base = legal.denominator.get(("", "Remand", column))
        remand = legal.n.get(("", "Remand", column))
        if base is not None and remand_base is not None and remand is not None:
            model.relation(
                {base: 1.0, remand_base: -1.0, remand: 1.0},
                "eq",
                0.0,
                "sentence_length base = legal_status base - Remand",
            )


def relate_joint_display(model: Model, joint: pd.DataFrame, themes: CountTable) -> None:
    """Extension (not used by default): "Theme (N of M participants)" in the joint display
    counts every participant once, so N = the theme's row of the theme matrix summed over
    the participant groups, and M = the groups' sizes summed."""
    if "themes" not in joint.columns:
        return
    groups = [column for column in themes.columns if column != TOTAL]
    for text in joint["themes"]:
        for match in re.finditer(r"([^;()]+?) \((\[c\]|\d+) of (\[c\]|\d+) participants?\)", text):
            label = match.group(1).strip()
            n_key = model.cell(("joint_display", "", label, "", "n"), match.group(2).strip("[c]"))
            m_key = model.cell(
                ("joint_display", "", "", "", "participants"), match.group(3).strip("[c]")
            )
            parts = [themes.n.get(("", label, column)) for column in groups]
            if n_key is not None and parts and all(part is not None for part in parts):
                model.equal_sum(parts, n_key, "joint_display: theme count = theme matrix row")
            sizes = [themes.denominator.get(("", label, column)) for column in groups]
            if m_key is not None and sizes and all(size is not None for size in sizes):
                model.equal_sum(sizes, m_key, "joint_display: participants = group sizes")


def relate_theme_lists(model: Model, count_tables: dict[str, CountTable]) -> None:
    """A one-column table whose rows are all rows of the theme matrix (a list of sub-themes
    with the participants raising each) counts each participant once: its n = the theme's
    matrix row summed over the participant groups."""
    themes = count_tables["theme_matrix"]
    groups = [column for column in themes.columns if column != TOTAL]
    matrix_rows = {row for (_item, row, _column) in themes.n}
    for name, table in count_tables.items():
        columns = [column for column in table.columns if column != TOTAL]
        rows = {row for (_item, row, _column) in table.n}
        if name == "theme_matrix" or len(columns) != 1 or not rows or not rows <= matrix_rows:
            continue
        for row in sorted(rows):
            total = table.n.get(("", row, columns[0]))
            parts = [themes.n.get(("", row, group)) for group in groups]
            if total is not None and parts and all(part is not None for part in parts):
                model.equal_sum(parts, total, f"{name}: a theme's row of the theme matrix")


def build_model(
    workdir, *, extended: bool = False, single_response: dict[str, bool] | None = None
) -> Model:
    """The intruder's model of one project folder, from its published tables only.

    ``extended`` adds relations beyond the agreed set (the joint display's theme counts).
    ``single_response`` overrides, per table, whether its rows add up to their base (what
    an intruder may know from the report's wording when no column is fully visible).
    """
    frames = read_tables(Path(workdir))
    model = Model()
    count_tables: dict[str, CountTable] = {}
    for name, frame in frames.items():
        if name in EXEMPT_TABLES:
            continue
        if is_count_table(frame):
            count_tables[name] = add_count_table(model, name, frame)
            if single_response and name in single_response:
                count_tables[name].single_response = single_response[name]
            relate_count_table(model, count_tables[name])
        elif name == "key_facts":
            add_key_facts(model, frame)
        elif name == "caseload_by_month":
            add_caseload(model, frame)
        elif name == "mothers_paired_change":
            add_paired_change(model, frame)
        else:  # other statistics tables: their counts are unknowns without relations
            for index in frame.index:
                item, row, column = (
                    frame.at[index, c] if c in frame.columns else ""
                    for c in ("item", "row", "column")
                )
                for field_name in frame.columns:
                    if is_count_field(field_name):
                        key = (name, item, row, column, field_name)
                        model.cell(key, frame.at[index, field_name])
    link_stacked_tables(model, count_tables)
    if "wai_completion" in count_tables:
        relate_wai_completion(model, count_tables["wai_completion"])
    if "sentence_length" in count_tables and "legal_status" in count_tables:
        relate_sentence_length(model, count_tables["sentence_length"], count_tables["legal_status"])
    if "theme_matrix" in count_tables:
        relate_theme_lists(model, count_tables)
    if extended and "joint_display" in frames and "theme_matrix" in count_tables:
        relate_joint_display(model, frames["joint_display"], count_tables["theme_matrix"])
    return model


def describe(key: Key) -> str:
    table, item, row, column, field_name = key
    parts = [table]
    if item:
        parts.append(f"item {item!r}" if table != "key_facts" else f"fact {item!r}")
    if row == ALL_ROWS:
        parts.append("(every row)")
    elif row:
        parts.append(f"row {row!r}")
    if column:
        parts.append(f"column {column!r}")
    parts.append(field_name)
    return " ".join(parts)


def components(model: Model) -> list[list[Key]]:
    parent = {key: key for key in model.lower}

    def find(key):
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for terms, _sense, _rhs in model.relations.values():
        keys = list(terms)
        root = find(keys[0])
        for key in keys[1:]:
            other = find(key)
            if other != root:
                parent[other] = root
    groups: dict[Key, list[Key]] = defaultdict(list)
    for key in model.lower:
        groups[find(key)].append(key)
    return list(groups.values())


@dataclass
class Interval:
    low: float
    high: float

    @property
    def width(self) -> float:
        return self.high - self.low


class ComponentLP:
    """The intruder's programme over one connected set of suppressed cells."""

    def __init__(self, model: Model, keys: list[Key], relations: list, integer: bool):
        self.keys = keys
        index = {key: i for i, key in enumerate(keys)}
        size = len(keys)
        eq = [r for r in relations if r[1] == "eq"]
        ub = [r for r in relations if r[1] == "le"]
        self.a_eq, self.b_eq = self._matrix(eq, index, size)
        self.a_ub, self.b_ub = self._matrix(ub, index, size)
        self.bounds = [(model.lower[key], None) for key in keys]
        self.integrality = np.ones(size) if integer else None

    @staticmethod
    def _matrix(relations, index, size):
        if not relations:
            return None, None
        matrix = np.zeros((len(relations), size))
        rhs = np.zeros(len(relations))
        for row, (terms, _sense, value) in enumerate(relations):
            for key, coef in terms.items():
                matrix[row, index[key]] += coef
            rhs[row] = value
        return matrix, rhs

    def solve(self, objective: np.ndarray):
        return linprog(
            objective,
            A_ub=self.a_ub,
            b_ub=self.b_ub,
            A_eq=self.a_eq,
            b_eq=self.b_eq,
            bounds=self.bounds,
            method="highs",
            integrality=self.integrality,
        )


def intervals(
    model: Model, k: int | None = None, *, integer: bool = True
) -> tuple[dict[Key, Interval], list[str]]:
    """Feasible interval of suppressed cells, solved per connected component.

    With ``k``, a cell already seen at two feasible values at least k apart is not
    solved further (its interval is at least that wide): only the intervals of cells
    that might be narrower than k are exact. Without ``k`` every interval is exact.
    Returns the intervals and notes on components whose relations cannot all hold.
    """
    by_key: dict[Key, list] = defaultdict(list)
    for relation in model.relations.values():
        by_key[next(iter(relation[0]))].append(relation)
    result: dict[Key, Interval] = {}
    notes: list[str] = []
    for keys in components(model):
        members = set(keys)
        relations = [r for key in keys for r in by_key.get(key, [])]
        if not relations:
            for key in keys:
                result[key] = Interval(model.lower[key], math.inf)
            continue
        assert all(set(r[0]) <= members for r in relations)
        lp = ComponentLP(model, keys, relations, integer)
        seen_low = np.full(len(keys), math.inf)
        seen_high = np.full(len(keys), -math.inf)

        def witness(x, seen_low=seen_low, seen_high=seen_high):
            np.minimum(seen_low, x, out=seen_low)
            np.maximum(seen_high, x, out=seen_high)

        first = lp.solve(np.zeros(len(keys)))
        if first.status != 0:
            notes.append(
                f"inconsistent: no values satisfy the relations of {len(keys)} suppressed cells "
                f"around {describe(keys[0])} (status {first.status}: {first.message})"
            )
            continue
        witness(first.x)
        for i, key in enumerate(keys):
            if k is not None and _rounded_width(seen_low[i], seen_high[i]) >= k:
                result[key] = Interval(seen_low[i], seen_high[i])
                continue
            objective = np.zeros(len(keys))
            objective[i] = 1.0
            low = lp.solve(objective)
            low_value = low.fun if low.status == 0 else model.lower[key]
            if low.status == 0:
                witness(low.x)
            if k is not None and _rounded_width(seen_low[i], seen_high[i]) >= k:
                result[key] = Interval(seen_low[i], seen_high[i])
                continue
            high = lp.solve(-objective)
            if high.status == 0:
                witness(high.x)
                high_value = -high.fun
            else:  # unbounded above
                high_value = math.inf
            result[key] = Interval(math.ceil(low_value - 1e-6), _floor(high_value))
    return result, notes


def _floor(value: float) -> float:
    return value if math.isinf(value) else math.floor(value + 1e-6)


def _rounded_width(low: float, high: float) -> float:
    if math.isinf(high):
        return math.inf
    return math.floor(high + 1e-6) - math.ceil(low - 1e-6)


def _format(value: float) -> str:
    return "inf" if math.isinf(value) else str(int(value))


def recover_suppressed(
    workdir,
    k: int,
    *,
    integer: bool = True,
    extended: bool = False,
    single_response: dict[str, bool] | None = None,
) -> list[str]:
    """Suppressed cells an intruder can pin to an interval narrower than k.

    Each finding reads "table item row column field: [lo, hi]"; a component whose
    published numbers contradict the intruder's relations is reported as
    "inconsistent: ..." (the intruder cannot reason about it, and either the
    release or the intruder's model is wrong).
    """
    model = build_model(workdir, extended=extended, single_response=single_response)
    found, notes = intervals(model, k, integer=integer)
    narrow = [
        f"{describe(key)}: [{_format(interval.low)}, {_format(interval.high)}]"
        for key, interval in found.items()
        if interval.width < k
    ]
    return sorted(narrow) + notes


def audit_project(workdir, k: int) -> dict[str, list[str]]:
    """Both checks of the promise for one finished project folder."""
    return {
        "small_visible": small_visible_counts(workdir, k),
        "recovered": recover_suppressed(workdir, k),
    }
