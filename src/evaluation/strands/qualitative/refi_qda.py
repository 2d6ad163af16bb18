"""Reader of REFI-QDA projects (``.qdpx``): the exchange format of NVivo, ATLAS.ti, MAXQDA, QualCoder.

A ``.qdpx`` is a zip holding ``project.qde`` (XML, namespace
``urn:QDA-XML:project:1.0``) and the sources (``sources/<name>``). What this
module takes from it, into the qualitative strand's tidy form:

- ``Users/User`` (guid, name): the coders;
- ``CodeBook/Codes/Code`` (guid, name, nested): the themes, a sub-code being a
  sub-theme (used when the config names no ``themes.csv``);
- ``Cases/Case`` (name, ``VariableValue``\\ s, ``SourceRef``\\ s): the
  participants (case name = participant id, variables named as the columns of
  ``participants.csv``; used when the config names no ``participants.csv``)
  and which participant each source belongs to;
- ``Sources/TextSource`` (and a ``PDFSource``'s text ``Representation``) with
  their ``PlainTextSelection``\\ s: each ``Coding`` (its ``creatingUser``, its
  ``CodeRef``) of a selection is one code of a segment by a coder; the excerpt
  is the source's plain text between the selection's positions.

Vendors count positions differently: in code points or in UTF-16 units (text
beyond the Basic Multilingual Plane, such as emoji, counts twice), a stored
``\\r\\n`` as two characters or one, and the end as exclusive or inclusive.
:class:`Reading` holds the convention (config ``qualitative: refi_qda:``); a
selection beyond its source's end is an error, and positions that cut words
where another convention cuts none give a warning naming the setting to
change. Messages name the file, the element (by guid and name) and what was
expected; they never show a selection's text, its name or its description.
"""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

import pandas as pd

from evaluation.core.codebook import normalise_header, normalise_text
from evaluation.core.config import REFI_QDA_SETTINGS as SETTINGS
from evaluation.core.config import refi_qda_settings
from evaluation.core.findings import FindingLog, Ledger

NAMESPACE = "urn:QDA-XML:project:1.0"
FORMAT = "refi-qda"
SOURCE = "qualitative"

#: The checks this module names in its findings (``check=``), as the validation
#: report describes them; a test keeps this in step with the code.
CHECKS: dict[str, str] = {
    "refi_archive": "a REFI-QDA project is an intact zip archive",
    "refi_position": "a selection's positions lie within its source's text",
    "refi_source": "a coded source's plain text is inside the project and readable",
    "refi_structure": "a REFI-QDA project holds project.qde",
    "refi_user": "a coding's user is a User of the project",
    "refi_xml": "project.qde is REFI-QDA project XML",
    "segment_participant": "segment participant",
    "unknown_participant": "unknown participant",
    "unknown_theme": "unknown theme",
}

VALUE_TYPES = ("TextValue", "BooleanValue", "IntegerValue", "FloatValue", "DateValue")
VALUE_TYPES += ("DateTimeValue",)
NON_TEXT_SELECTIONS = ("PictureSelection", "AudioSelection", "VideoSelection", "PDFSelection")
NON_TEXT_SELECTIONS += ("TranscriptSelection",)


def _tag(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


@dataclass(frozen=True)
class Reading:
    """How a project's selection positions are counted (config ``qualitative: refi_qda``)."""

    positions: str = "code_points"
    end: str = "exclusive"
    crlf: str = "two"

    def describe(self) -> str:
        return f"positions: {self.positions}, end: {self.end}, crlf: {self.crlf}"

    def differences(self, other: Reading) -> int:
        return sum(getattr(self, k) != getattr(other, k) for k in SETTINGS)


def reading_from_config(settings: Mapping | None) -> Reading:
    """Config ``qualitative: refi_qda`` -> :class:`Reading` (ConfigError naming a bad key or value)."""
    return Reading(**refi_qda_settings(settings))


ALL_READINGS = [Reading(*values) for values in itertools.product(*(SETTINGS[k] for k in SETTINGS))]


# --------------------------------------------------------------------------- the project


@dataclass
class Code:
    guid: str
    name: str
    parent: str | None  # guid of the parent code
    description: str


@dataclass
class Coding:
    user: str | None  # guid
    code: str | None  # guid
    order: int  # 1-based, over every text coding of the project


@dataclass
class Selection:
    guid: str
    start: str | None
    end: str | None
    user: str | None
    codings: list[Coding]
    memo: str  # the selection's Description: free text, only searched for the exemplar marker


@dataclass
class TextSource:
    guid: str
    name: str
    path: str | None  # plainTextPath
    element: str  # TextSource, or PDFSource (its text Representation)
    order: int
    selections: list[Selection] = field(default_factory=list)
    text: str | None = None


@dataclass
class Case:
    guid: str
    name: str
    values: dict[str, str]  # variable name -> value as text
    sources: list[str]  # guids


@dataclass
class Project:
    path: Path
    origin: str
    users: dict[str, str]
    codes: dict[str, Code]
    cases: list[Case]
    sources: list[TextSource]
    non_text_codings: int

    def where(self, kind: str, guid: str, name: str | None = None) -> str:
        """An element as messages name it: kind, name (never free text) and guid."""
        return f"{kind} {name!r} (guid {guid})" if name else f"{kind} (guid {guid})"


def _text(element: ET.Element | None) -> str:
    return "".join(element.itertext()).strip() if element is not None else ""


def _find_member(archive: zipfile.ZipFile, wanted: str) -> str | None:
    """The zip member named ``wanted``, ignoring case and a leading folder separator."""
    names = archive.namelist()
    if wanted in names:
        return wanted
    folded = {name.lstrip("/").casefold(): name for name in names}
    return folded.get(wanted.lstrip("/").casefold())


def _read_member(
    archive: zipfile.ZipFile, member: str, path: Path, log: FindingLog
) -> bytes | None:
    try:
        return archive.read(member)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
        log.error(
            path,
            f"the project's file {member} cannot be unpacked ({type(exc).__name__}); the "
            ".qdpx is damaged",
            expected="an intact .qdpx: export the project again",
            check="refi_archive",
        )
        return None


def _decode(raw: bytes) -> str | None:
    """Plain text as exported: UTF-8 (with or without BOM), or UTF-16 with its BOM."""
    try:
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            return raw.decode("utf-16")
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def open_project(path: str | Path, log: FindingLog) -> Project | None:
    """Open a ``.qdpx``: its project.qde parsed and every text source's plain text read.

    Returns None (with an error) when the file is not a zip, is damaged, has
    no ``project.qde`` or the XML does not parse.
    """
    path = Path(path)
    if not zipfile.is_zipfile(path):
        log.error(
            path,
            "the file is not a REFI-QDA project: it is not a zip archive",
            expected="a .qdpx file as exported by NVivo, ATLAS.ti, MAXQDA or QualCoder",
            check="refi_archive",
        )
        return None
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        log.error(
            path,
            f"the .qdpx cannot be opened ({type(exc).__name__}); it is damaged",
            expected="an intact .qdpx: export the project again",
            check="refi_archive",
        )
        return None
    with archive:
        qde = _find_member(archive, "project.qde") or next(
            (n for n in archive.namelist() if "/" not in n.strip("/") and n.endswith(".qde")),
            None,
        )
        if qde is None:
            log.error(
                path,
                "the .qdpx holds no project.qde",
                expected="project.qde (the project's XML) at the top of the zip",
                check="refi_structure",
            )
            return None
        raw = _read_member(archive, qde, path, log)
        if raw is None:
            return None
        try:
            root = ET.fromstring(raw)
        except ET.ParseError as exc:
            line, column = exc.position
            log.error(
                path,
                f"{qde} is not well-formed XML (line {line}, column {column})",
                expected="the project's XML as the tool exported it",
                check="refi_xml",
            )
            return None
        if root.tag != _tag("Project"):
            log.error(
                path,
                f"{qde} does not hold a REFI-QDA project",
                value=root.tag,
                expected=f"a Project element in namespace {NAMESPACE}",
                check="refi_xml",
            )
            return None
        project = _parse(root, path)
        for source in project.sources:
            _load_text(archive, source, project, log)
    return project


def _parse(root: ET.Element, path: Path) -> Project:
    users = {
        u.get("guid", ""): (u.get("name") or u.get("id") or u.get("guid", ""))
        for u in root.iterfind(f"{_tag('Users')}/{_tag('User')}")
    }
    sources, non_text = _sources(root)
    return Project(
        path, root.get("origin") or "", users, _codes(root), _cases(root), sources, non_text
    )


def _codes(root: ET.Element) -> dict[str, Code]:
    """Every code of the CodeBook, parents before their sub-codes."""
    codes: dict[str, Code] = {}

    def walk(parent: ET.Element, parent_guid: str | None) -> None:
        for element in parent.findall(_tag("Code")):
            guid = element.get("guid", "")
            name = (element.get("name") or "").strip()
            description = _text(element.find(_tag("Description")))
            codes[guid] = Code(guid, name, parent_guid, description)
            walk(element, guid)

    top = root.find(f"{_tag('CodeBook')}/{_tag('Codes')}")
    if top is not None:
        walk(top, None)
    return codes


def _value(element: ET.Element) -> str:
    """A VariableValue's value as text, whatever its type."""
    held = (element.find(_tag(t)) for t in VALUE_TYPES)
    return next((_text(v) for v in held if v is not None), "")


def _cases(root: ET.Element) -> list[Case]:
    variables = {
        v.get("guid", ""): (v.get("name") or "").strip()
        for v in root.iterfind(f"{_tag('Variables')}/{_tag('Variable')}")
    }
    cases = []
    for element in root.iterfind(f"{_tag('Cases')}/{_tag('Case')}"):
        values = {}
        for value in element.iterfind(_tag("VariableValue")):
            ref = value.find(_tag("VariableRef"))
            name = variables.get(ref.get("targetGUID", "") if ref is not None else "", "")
            if name:
                values[name] = _value(value)
        sources = [s.get("targetGUID", "") for s in element.iterfind(_tag("SourceRef"))]
        cases.append(
            Case(element.get("guid", ""), (element.get("name") or "").strip(), values, sources)
        )
    return cases


def _selection(element: ET.Element, order: Iterator[int]) -> Selection:
    codings = []
    for coding in element.iterfind(_tag("Coding")):
        ref = coding.find(_tag("CodeRef"))
        code = ref.get("targetGUID") if ref is not None else None
        codings.append(Coding(coding.get("creatingUser"), code, next(order)))
    return Selection(
        element.get("guid", ""),
        element.get("startPosition"),
        element.get("endPosition"),
        element.get("creatingUser"),
        codings,
        _text(element.find(_tag("Description"))),
    )


def _sources(root: ET.Element) -> tuple[list[TextSource], int]:
    """The text sources (a PDF's text Representation standing for its PDF) and the codings of others."""
    sources: list[TextSource] = []
    order = itertools.count(1)
    non_text = 0
    top = root.find(_tag("Sources"))
    for element in top if top is not None else []:
        kind = element.tag.removeprefix(f"{{{NAMESPACE}}}")
        holders = [element] if kind == "TextSource" else element.findall(_tag("Representation"))
        for holder in holders:
            source = TextSource(
                element.get("guid", ""),
                (element.get("name") or holder.get("name") or "").strip(),
                holder.get("plainTextPath"),
                kind,
                len(sources) + 1,
            )
            source.selections = [
                _selection(s, order) for s in holder.iterfind(_tag("PlainTextSelection"))
            ]
            sources.append(source)
        for tag in NON_TEXT_SELECTIONS:
            for selection in element.iter(_tag(tag)):
                non_text += len(selection.findall(_tag("Coding")))
    return sources, non_text


def _load_text(
    archive: zipfile.ZipFile, source: TextSource, project: Project, log: FindingLog
) -> None:
    where = project.where(source.element, source.guid, source.name)
    if not source.selections:
        return  # nothing coded: its text is not needed
    if not source.path:
        log.error(
            project.path,
            f"{where} has no plainTextPath: its coded text cannot be read",
            expected="a text source exported with its plain text (plainTextPath)",
            check="refi_source",
        )
        return
    if not source.path.startswith("internal://"):
        log.error(
            project.path,
            f"{where}: its plain text is outside the .qdpx",
            value=source.path.split("://")[0] + "://",
            expected="internal:// (export the project with its sources embedded)",
            check="refi_source",
        )
        return
    wanted = str(PurePosixPath("sources") / source.path.removeprefix("internal://"))
    member = _find_member(archive, wanted)
    if member is None:
        log.error(
            project.path,
            f"{where}: its plain text file {wanted} is missing from the .qdpx",
            expected=f"{wanted} inside the zip (export the project again)",
            check="refi_source",
        )
        return
    raw = _read_member(archive, member, project.path, log)
    if raw is None:
        return
    source.text = _decode(raw)
    if source.text is None:
        log.error(
            project.path,
            f"{where}: its plain text file {member} is not UTF-8 text",
            expected="UTF-8 (or UTF-16 with a byte-order mark)",
            check="refi_source",
        )


# --------------------------------------------------------------------------- positions


class CountedText:
    """A source's text as one :class:`Reading` counts it: slicing by its positions."""

    def __init__(self, stored: str, reading: Reading):
        self.reading = reading
        self.text = stored.replace("\r\n", "\n") if reading.crlf == "one" else stored
        if reading.positions == "utf16":
            widths = (2 if ord(c) > 0xFFFF else 1 for c in self.text)
            offsets = [0, *itertools.accumulate(widths)]
            self.index = {offset: i for i, offset in enumerate(offsets)}
            self.length = offsets[-1]
        else:
            self.index = None
            self.length = len(self.text)

    def span(self, start: int, end: int) -> tuple[int, int] | str:
        """(start, end) as code-point indexes of :attr:`text`, or why the positions do not fit."""
        stop = end + 1 if self.reading.end == "inclusive" else end
        if start < 0 or stop < start:
            return "its endPosition is before its startPosition, or a position is negative"
        if stop > self.length:
            return f"it ends beyond the end of its source, which has {self.length} positions"
        if self.index is None:
            return start, stop
        if start not in self.index or stop not in self.index:
            return "a position falls between the two UTF-16 units of one character"
        return self.index[start], self.index[stop]

    def cuts_words(self, start: int, stop: int) -> int:
        """How many of the span's two ends fall between two letters or digits."""
        text = self.text
        return sum(
            0 < i < len(text) and text[i - 1].isalnum() and text[i].isalnum() for i in (start, stop)
        )


def _positions(selection: Selection) -> tuple[int, int] | None:
    try:
        return int(selection.start), int(selection.end)
    except (TypeError, ValueError):
        return None


def _spans(project: Project, reading: Reading) -> Iterator[tuple[CountedText, tuple | str]]:
    """Each coded selection's span under ``reading`` (or why it does not fit), with its text."""
    for source in project.sources:
        if source.text is None:
            continue
        counted = CountedText(source.text, reading)
        for selection in source.selections:
            positions = _positions(selection)
            if positions is not None:
                yield counted, counted.span(*positions)


def _fits(project: Project, reading: Reading) -> tuple[int, int]:
    """(selections that do not fit, word cuts) of every coded selection under ``reading``."""
    misfits = cuts = 0
    for counted, span in _spans(project, reading):
        if isinstance(span, str):
            misfits += 1
        else:
            cuts += counted.cuts_words(*span)
    return misfits, cuts


def better_reading(project: Project, reading: Reading) -> tuple[Reading, tuple[int, int]] | None:
    """When ``reading`` misfits or cuts words: the closest convention that does neither, and
    ``reading``'s (misfits, cuts); None when ``reading`` is clean or no other convention is."""
    fit = _fits(project, reading)
    if fit == (0, 0):
        return None
    clean = [r for r in ALL_READINGS if r != reading and _fits(project, r) == (0, 0)]
    if not clean:
        return None
    return min(clean, key=lambda r: (reading.differences(r), ALL_READINGS.index(r))), fit


def _setting_hint(reading: Reading, other: Reading) -> str:
    changed = ", ".join(
        f"{k}: {getattr(other, k)}" for k in SETTINGS if getattr(reading, k) != getattr(other, k)
    )
    return f"set config 'qualitative: refi_qda: {{{changed}}}'"


# --------------------------------------------------------------------------- themes and participants


def _relabel(log: FindingLog, since: int, path: Path, labels: dict[int, str], header: str) -> None:
    """Findings about a table built from the project: rows become the elements they came from."""

    def element(match: re.Match) -> str:
        return labels.get(int(match.group(1)), match.group(0))

    for i in range(since, len(log.findings)):
        finding = log.findings[i]
        if finding.file != str(path) or finding.row is None:
            continue
        label = labels.get(finding.row, header)
        message = re.sub(r"\bline (\d+)", element, finding.message)
        log.findings[i] = replace(finding, row=None, message=f"{label}: {message}")


def project_themes(project: Project, marker: str, log: FindingLog, ledger: Ledger) -> pd.DataFrame:
    """The project's codes as themes (name = theme id and label; a sub-code is a sub-theme)."""
    from evaluation.strands.qualitative.read import CsvTable, themes_from_table

    codes = [c for c in project.codes.values() if normalise_text(c.name) != normalise_text(marker)]
    rows, labels = [], {}
    for line, code in enumerate(codes, start=2):
        parent = project.codes.get(code.parent) if code.parent else None
        rows.append((line, [code.name, code.name, parent.name if parent else "", code.description]))
        labels[line] = project.where("Code", code.guid, code.name)
    table = CsvTable(
        path=project.path,
        header=["theme", "label", "parent", "description"],
        rows=rows,
        raw_header=["theme", "label", "parent", "description"],
    )
    since = len(log.findings)
    themes = themes_from_table(table, log, ledger)
    _relabel(log, since, project.path, labels, "CodeBook")
    return themes


def project_participants(
    project: Project, log: FindingLog, ledger: Ledger, **checks
) -> pd.DataFrame:
    """The project's cases as participants: case name = participant id, variables = columns."""
    from evaluation.strands.qualitative.read import CsvTable, participants_from_table

    variables: dict[str, str] = {}
    for case in project.cases:
        for name in case.values:
            variables.setdefault(normalise_header(name), name)
    header = ["participant_id", *variables]
    rows, labels = [], {}
    for line, case in enumerate(project.cases, start=2):
        folded = {normalise_header(k): v for k, v in case.values.items()}
        rows.append((line, [case.name, *(folded.get(v, "") for v in variables)]))
        labels[line] = project.where("Case", case.guid, case.name)
    table = CsvTable(
        path=project.path,
        header=header,
        rows=rows,
        raw_header=["participant_id", *variables.values()],
    )
    since = len(log.findings)
    participants = participants_from_table(table, log, ledger, **checks)
    _relabel(log, since, project.path, labels, "Variables of the Cases")
    return participants


# --------------------------------------------------------------------------- segments


def _source_participants(project, participants, mapping, log) -> dict[str, str]:
    """Text source guid -> participant id, from the cases that refer to it (or the participant map)."""
    known = {normalise_text(p): p for p in participants["participant_id"]}
    cases_of: dict[str, list[Case]] = {}
    for case in project.cases:
        for guid in case.sources:
            cases_of.setdefault(guid, []).append(case)
    found = {}
    for source in project.sources:
        if not source.selections:
            continue
        where = project.where(source.element, source.guid, source.name)
        cases = cases_of.get(source.guid, [])
        names = [c.name for c in cases if c.name]
        # the participant map first (by case or source name), else the case's name; of
        # several cases (a participant's and, say, a site's) the one naming a participant
        mapped = {(mapping or {}).get(normalise_text(n)) for n in [*names, source.name] if n}
        participant_cases = {known[normalise_text(n)] for n in names if normalise_text(n) in known}
        pids = (mapped - {None}) or participant_cases or set(names)
        if cases and not names and not pids:
            case = cases[0]
            log.error(
                project.path,
                f"{project.where('Case', case.guid)} holds {where} but has no name, so no "
                "participant id",
                column="name",
                expected="the participant id as the case's name, or the source in the "
                "participant map (qualitative: participant_map)",
                check="unknown_participant",
            )
            continue
        if not pids:
            log.error(
                project.path,
                f"{where} belongs to no case"
                + (" and is not in the participant map" if mapping else ""),
                expected="a Case named by the participant id whose SourceRef names the source"
                + (", or a row of the participant map" if mapping else ""),
                check="unknown_participant",
            )
            continue
        if len(pids) > 1:
            named = bool((mapped - {None}) or participant_cases)
            log.error(
                project.path,
                f"{where} belongs to more than one participant"
                if named
                else f"{where}: none of its cases is named by a participant id",
                value="; ".join(sorted(pids)),
                expected="one participant per source"
                if named
                else "a participant_id as one case's name",
                check="segment_participant",
            )
            continue
        pid = pids.pop()
        if normalise_text(pid) not in known:
            log.error(
                project.path,
                f"{where}: its case names a participant who is not among the participants",
                value=pid,
                expected="a participant_id of participants.csv (or a Case of the project)",
                check="unknown_participant",
            )
            continue
        found[source.guid] = known[normalise_text(pid)]
    return found


@dataclass
class _Codings:
    """The codings read so far: tidy rows, exemplar marks, and codes that are no theme."""

    rows: list[dict] = field(default_factory=list)
    marks: set = field(default_factory=set)
    markers: int = 0
    unknown_codes: dict[str, list[str]] = field(default_factory=dict)  # code -> selection guids


def _read_selection(project, source, selection, counted, pid, resolver, marker, read, log):
    """One selection's codings into ``read``; errors name the selection, never its text."""
    where = f"PlainTextSelection (guid {selection.guid}) of " + project.where(
        source.element, source.guid, source.name
    )
    positions = _positions(selection)
    span = counted.span(*positions) if positions else "a position is not a whole number"
    if isinstance(span, str):
        log.error(
            project.path,
            f"{where}: {span}",
            value=f"{selection.start}-{selection.end}",
            expected=f"positions within the source's text, counted as {counted.reading.describe()}",
            check="refi_position",
        )
        return
    excerpt = counted.text[span[0] : span[1]].replace("\r\n", "\n").strip()
    key = (source.order, *span)
    memo_mark = normalise_text(marker) in normalise_text(selection.memo)
    for coding in selection.codings:
        user = coding.user or selection.user
        code = project.codes.get(coding.code or "")
        if user not in project.users:
            log.error(
                project.path,
                f"{where}: a Coding's creatingUser is not a User of the project"
                if user
                else f"{where}: a Coding has no creatingUser",
                value=user,
                expected="the guid of a User under Users",
                check="refi_user",
            )
        if code is None:
            log.error(
                project.path,
                f"{where}: a Coding refers to a code that is not in the CodeBook",
                value=coding.code,
                expected="the guid of a Code under CodeBook",
                check="unknown_theme",
            )
        if user not in project.users or code is None:
            continue
        coder = project.users[user]
        if normalise_text(code.name) == normalise_text(marker):
            read.marks.add((key, coder))
            read.markers += 1
            continue
        theme = resolver.theme(code.name)
        if theme is None:
            read.unknown_codes.setdefault(code.guid, []).append(selection.guid)
            continue
        if memo_mark:
            read.marks.add((key, coder))
        read.rows.append(
            {
                "key": key,
                "participant_id": pid,
                "theme": theme,
                "coder": coder,
                "excerpt": excerpt,
                "line": coding.order,
            }
        )


def _segment_ids(rows: list[dict]) -> dict[tuple, str]:
    """A segment is one stretch of one participant's text: <participant>-001 ... in text order."""
    numbers: dict[tuple, str] = {}
    per_participant: dict[str, int] = {}
    for row in sorted(rows, key=lambda r: r["key"]):
        if row["key"] not in numbers:
            pid = row["participant_id"]
            per_participant[pid] = per_participant.get(pid, 0) + 1
            numbers[row["key"]] = f"{pid}-{per_participant[pid]:03d}"
    return numbers


def project_segments(
    project: Project,
    participants: pd.DataFrame,
    themes: pd.DataFrame,
    reading: Reading,
    log: FindingLog,
    ledger: Ledger,
    *,
    mapping: Mapping[str, str] | None = None,
    marker: str = "exemplar",
    themes_file: str = "themes.csv",
) -> pd.DataFrame:
    """Every coding of a text selection as a tidy segment code (see the module docstring)."""
    from evaluation.strands.qualitative.read import _finish_segments, _Resolver

    path = project.path
    codings = sum(len(s.codings) for src in project.sources for s in src.selections)
    ledger.read(SOURCE, path, "", "segment code", codings + project.non_text_codings)
    ledger.excluded(
        SOURCE,
        path,
        "",
        "segment code",
        "coding of a picture, audio, video or PDF area (not text)",
        project.non_text_codings,
    )
    if project.non_text_codings:
        log.warning(
            path,
            f"{project.non_text_codings} coding(s) of pictures, audio, video or PDF areas are "
            "not read: only coded text becomes segments",
            check="refi_source",
        )
    owner = _source_participants(project, participants, mapping, log)
    resolver = _Resolver(participants, themes)
    _check_reading(project, reading, log)
    _check_end(project, reading, log)
    read = _Codings()
    for source in project.sources:
        if source.text is None or source.guid not in owner:
            continue
        counted = CountedText(source.text, reading)
        for selection in source.selections:
            _read_selection(
                project, source, selection, counted, owner[source.guid], resolver, marker, read, log
            )
    for guid, selections in read.unknown_codes.items():
        code = project.codes[guid]
        log.error(
            path,
            f"{len(selections)} coding(s) refer to {project.where('Code', guid, code.name)}, "
            f"which is not a theme of {themes_file} (first in PlainTextSelection guid "
            f"{selections[0]})",
            value=code.name,
            expected=f"a theme id or label of {themes_file}",
            check="unknown_theme",
        )
    numbers = _segment_ids(read.rows)
    records = [
        {
            "segment_id": numbers[r["key"]],
            "participant_id": r["participant_id"],
            "theme": r["theme"],
            "coder": r["coder"],
            "excerpt": r["excerpt"],
            "exemplar": (r["key"], r["coder"]) in read.marks,
            "file": str(path),
            "line": r["line"],
        }
        for r in sorted(read.rows, key=lambda r: r["line"])
    ]
    markers = {str(path): read.markers}
    return _finish_segments(records, {str(path): codings}, log, ledger, markers=markers)


def _check_reading(project: Project, reading: Reading, log: FindingLog) -> None:
    """Selections that do not fit, or cut words, where another convention fits cleanly: say which."""
    found = better_reading(project, reading)
    if found is None:
        return
    other, (misfits, cuts) = found
    exported = f" (the project was exported by {project.origin!r})" if project.origin else ""
    if misfits:
        log.error(
            project.path,
            f"{misfits} selection(s) do not fit their source when positions are counted as "
            f"{reading.describe()}, but all fit, cutting no word, as {other.describe()}{exported}",
            expected=_setting_hint(reading, other),
            check="refi_position",
        )
    elif cuts:  # the quotes would start or end inside words: never publish them so
        log.error(
            project.path,
            f"{cuts} selection end(s) fall inside a word when positions are counted as "
            f"{reading.describe()}, none as {other.describe()}{exported}: the quotes would be "
            "cut from the wrong places",
            expected=_setting_hint(reading, other),
            check="refi_position",
        )


#: Marks that end a sentence: a selection read one character short stops just before one.
SENTENCE_ENDS = ".!?"


def _short_by_one(project: Project, reading: Reading) -> tuple[int, int]:
    """(selections ending right before a sentence's last mark, selections) under ``reading``."""
    short = total = 0
    for counted, span in _spans(project, reading):
        if isinstance(span, str):
            continue
        total += 1
        stop, text = span[1], counted.text
        short += 0 < stop < len(text) and text[stop] in SENTENCE_ENDS and text[stop - 1].isalnum()
    return short, total


def _check_end(project: Project, reading: Reading, log: FindingLog) -> None:
    """Most selections stop just before a full stop: the tool may count ends inclusively."""
    if reading.end != "exclusive":
        return
    short, total = _short_by_one(project, reading)
    if total >= 4 and short * 10 >= total * 9:
        log.warning(
            project.path,
            f"{short} of {total} selections stop just before a sentence's final mark when end "
            f"positions are exclusive: if the tool counts the last character in, every quote "
            "loses its last character",
            expected="config 'qualitative: refi_qda: {end: inclusive}' for such a tool",
            check="refi_position",
        )
