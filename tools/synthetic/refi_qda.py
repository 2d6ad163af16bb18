"""Synthetic REFI-QDA projects (.qdpx) holding the example study's qualitative coding.

Reads the tidy files of ``data/raw/qualitative/`` (themes.csv,
participants.csv, coded_segments.csv) and writes them as a REFI-QDA project,
the exchange format of NVivo, ATLAS.ti, MAXQDA and QualCoder, in a vendor's
flavour: how positions are counted (code points or UTF-16 units), how line
ends are stored and counted, whether the end position is inclusive. Each
interview's source text is built from its segments' excerpts with invented
filler between them (interviewer prompts, asides, an emoji now and then, so
that the flavours' positions differ); every word of it is synthetic.

Themes become nested codes (code name = theme label), coders users,
participants cases with their variables, and each coder's codes of a segment
codings of a text selection. A segment marked as an exemplar gets a coding
with the exemplar code (NVivo-like), or the exemplar marker in the
selection's description (QualCoder-like, whose selections also carry their
text as their name, as QualCoder's export does).

Run: ``python -m tools.synthetic.refi_qda --source data/raw/qualitative --out DIR
[--flavour nvivo|qualcoder|atlas]`` from the repository root; writes
``DIR/<flavour>.qdpx``. Not committed to ``data/raw/``: tests write it into
temporary folders.
"""

from __future__ import annotations

import argparse
import csv
import io
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import quoteattr

from evaluation.core.codebook import normalise_text, value_set
from evaluation.core.parsing import parse_date

NAMESPACE = "urn:QDA-XML:project:1.0"
EXEMPLAR_CODE = "exemplar"
GUID_ROOT = uuid.UUID("5f0b7c1e-2d4a-4c1b-9a53-0f6e2b8d7c11")
STAMP = (2024, 1, 15, 12, 0, 0)  # zip entries' time: the same bytes on every run


@dataclass(frozen=True)
class Flavour:
    """How one vendor writes positions and text (the reader's config ``qualitative: refi_qda``)."""

    origin: str
    positions: str  # code_points | utf16
    end: str  # exclusive | inclusive
    crlf: str  # two | one: how a stored \r\n is counted
    line_end: str  # as stored in the source's text file
    exemplar_by_code: bool  # else by the selection's description
    selection_per_code: bool  # one selection per coding (QualCoder), else one per coder
    dates_typed: bool  # interview_date as DateValue, else TextValue as typed

    def settings(self) -> dict[str, str]:
        return {"positions": self.positions, "end": self.end, "crlf": self.crlf}


FLAVOURS = {
    "nvivo": Flavour("NVivo (synthetic)", "utf16", "inclusive", "two", "\r\n", True, False, True),
    "qualcoder": Flavour(
        "QualCoder (synthetic)", "code_points", "exclusive", "two", "\n", False, True, False
    ),
    "atlas": Flavour(
        "ATLAS.ti (synthetic)", "code_points", "exclusive", "one", "\r\n", True, False, False
    ),
}

PROMPTS = [
    "Can you tell me a bit more about that?",
    "What happened next?",
    "How did that feel at the time?",
    "Was there anything else that helped?",
    "Who else was involved?",
]
ASIDES = [
    "Sorry, I lost my thread there.",
    "[pause] Yeah.",
    "[laughs] \U0001f60a I know.",
    "That was a café conversation, really.",
    "Anyway \U0001f44d that is how it went.",
    "Mm.",
]


def _guid(*parts: object) -> str:
    return str(uuid.uuid5(GUID_ROOT, "/".join(map(str, parts))))


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [
            {k.strip(): (v or "").strip() for k, v in row.items()}
            for row in csv.DictReader(handle)
            if "".join(v or "" for v in row.values()).strip()
        ]


def _units(text: str, flavour: Flavour) -> int:
    """The length of ``text`` (as the reader counts it: after \\r\\n folding) in the flavour's units."""
    if flavour.positions == "utf16":
        return sum(2 if ord(c) > 0xFFFF else 1 for c in text)
    return len(text)


@dataclass
class Source:
    guid: str
    name: str
    participant: str
    text: str = ""  # with \n line ends
    spans: dict | None = None  # segment id -> (start, end) code point offsets in text


def _sources(segments: dict[str, dict], order: list[str], people: dict[str, dict]) -> list[Source]:
    """One interview per participant (a second one per extra round), text built around the excerpts."""
    by_person: dict[str, list[str]] = {}
    for seg in order:
        by_person.setdefault(segments[seg]["participant"], []).append(seg)
    sources = []
    for pid, segs in by_person.items():
        rounds = max(1, len(people[pid]["rounds"].replace(",", ";").split(";")))
        size = -(-len(segs) // rounds)
        for index in range(0, len(segs), size):
            part = segs[index : index + size]
            label = f"{pid} interview" + (f", round {index // size + 1}" if rounds > 1 else "")
            source = Source(_guid("source", label), label, pid, spans={})
            text = f"Interview transcript (synthetic): {label}\n\n"
            for n, seg in enumerate(part):
                text += f"Interviewer: {PROMPTS[(n + len(pid)) % len(PROMPTS)]}\n{pid}: "
                start = len(text)
                text += segments[seg]["excerpt"]
                source.spans[seg] = (start, len(text))
                text += f" {ASIDES[(n * 3 + len(pid)) % len(ASIDES)]}\n\n"
            source.text = text
            sources.append(source)
    return sources


def _positions(source: Source, seg: str, flavour: Flavour) -> tuple[int, int]:
    """A segment's (startPosition, endPosition) as the flavour writes them."""

    def offset(i: int) -> int:  # every \n before the offset may be stored, and counted, as \r\n
        before = source.text[:i]
        return _units(
            before.replace("\n", flavour.line_end) if flavour.crlf == "two" else before, flavour
        )

    start, end = (offset(i) for i in source.spans[seg])
    return start, end - 1 if flavour.end == "inclusive" else end


def build_project(source_dir: str | Path, flavour: Flavour) -> tuple[str, dict[str, str]]:
    """(project.qde text, {zip member: source text as stored}) for the tidy files in ``source_dir``."""
    source_dir = Path(source_dir)
    themes = _read_csv(source_dir / "themes.csv")
    people_rows = _read_csv(source_dir / "participants.csv")
    codes_rows = _read_csv(source_dir / "coded_segments.csv")
    people = {normalise_text(p["participant_id"]): p for p in people_rows}
    by_id = {normalise_text(t["theme"]): t for t in themes}
    flags = value_set("qual_exemplar_flag")  # Yes first
    segments: dict[str, dict] = {}
    coders: list[str] = []
    for row in codes_rows:
        pid = people[normalise_text(row["participant_id"])]["participant_id"]
        seg = segments.setdefault(
            row["segment_id"], {"participant": pid, "excerpt": row["excerpt"], "codes": {}}
        )
        coder = row["coder"]
        coders += [coder] if coder not in coders else []
        theme = by_id[normalise_text(row["theme"])]["theme"]
        codes = seg["codes"].setdefault(coder, {"themes": [], "exemplar": False})
        codes["themes"] += [theme] if theme not in codes["themes"] else []
        codes["exemplar"] |= flags.match(row["exemplar"]) == flags.labels[0]
    order = sorted(segments)
    by_pid = {p["participant_id"]: p for p in people_rows}
    sources = _sources(segments, order, by_pid)
    code_guid = {t["theme"]: _guid("code", t["theme"]) for t in themes}
    code_guid[EXEMPLAR_CODE] = _guid("code", EXEMPLAR_CODE)
    user_guid = {c: _guid("user", c) for c in coders}

    xml = ['<?xml version="1.0" encoding="utf-8"?>']
    xml.append(
        f'<Project xmlns="{NAMESPACE}" name="Synthetic example study" '
        f'origin={quoteattr(flavour.origin)} creationDateTime="2024-01-15T12:00:00Z">'
    )
    xml.append("<Users>")
    xml += [f"<User guid={quoteattr(g)} name={quoteattr(c)}/>" for c, g in user_guid.items()]
    xml.append("</Users>")
    xml.append("<CodeBook><Codes>")
    for theme in themes:
        if theme["parent"]:
            continue
        xml.append(_code_open(theme, code_guid))
        for child in themes:
            if normalise_text(child["parent"]) == normalise_text(theme["theme"]):
                xml.append(_code_open(child, code_guid) + "</Code>")
        xml.append("</Code>")
    xml.append(
        f'<Code guid={quoteattr(code_guid[EXEMPLAR_CODE])} name="{EXEMPLAR_CODE}" isCodable="true"/>'
    )
    xml.append("</Codes></CodeBook>")
    variables = ["group", "prison", "interview_date", "rounds"]
    xml.append("<Variables>")
    for name in variables:
        kind = "Date" if name == "interview_date" and flavour.dates_typed else "Text"
        xml.append(
            f'<Variable guid={quoteattr(_guid("variable", name))} name="{name}" typeOfVariable="{kind}"/>'
        )
    xml.append("</Variables>")
    xml.append("<Cases>")
    for person in people_rows:
        pid = person["participant_id"]
        xml.append(f"<Case guid={quoteattr(_guid('case', pid))} name={quoteattr(pid)}>")
        for name in variables:
            value, tag = person.get(name, ""), "TextValue"
            if name == "interview_date" and flavour.dates_typed:
                value, tag = parse_date(value)[0].isoformat(), "DateValue"
            xml.append(
                f"<VariableValue><VariableRef targetGUID={quoteattr(_guid('variable', name))}/>"
                f"<{tag}>{_escape(value)}</{tag}></VariableValue>"
            )
        xml += [
            f"<SourceRef targetGUID={quoteattr(s.guid)}/>" for s in sources if s.participant == pid
        ]
        xml.append("</Case>")
    xml.append("</Cases>")
    xml.append("<Sources>")
    files = {}
    for source in sources:
        member = f"{source.guid}.txt"
        files[f"sources/{member}"] = source.text.replace("\n", flavour.line_end)
        xml.append(
            f"<TextSource guid={quoteattr(source.guid)} name={quoteattr(source.name)} "
            f'plainTextPath="internal://{member}">'
        )
        for seg in (s for s in order if s in source.spans):
            start, end = _positions(source, seg, flavour)
            for coder, coded in segments[seg]["codes"].items():
                xml += _selections(
                    seg,
                    coder,
                    coded,
                    start,
                    end,
                    segments[seg]["excerpt"],
                    flavour,
                    code_guid,
                    user_guid[coder],
                )
        xml.append("</TextSource>")
    xml.append("</Sources>")
    xml.append("</Project>")
    return "\n".join(xml) + "\n", files


def _escape(text: str) -> str:
    return quoteattr(text)[1:-1]


def _code_open(theme: dict, code_guid: dict) -> str:
    description = (
        f"<Description>{_escape(theme['description'])}</Description>"
        if theme.get("description")
        else ""
    )
    return (
        f"<Code guid={quoteattr(code_guid[theme['theme']])} name={quoteattr(theme['label'])} "
        f'isCodable="true">{description}'
    )


def _selections(seg, coder, coded, start, end, excerpt, flavour, code_guid, user) -> list[str]:
    """The PlainTextSelection(s) of one coder's codes of one segment."""
    targets = list(coded["themes"])
    if coded["exemplar"] and flavour.exemplar_by_code:
        targets.append(EXEMPLAR_CODE)
    memo = (
        "<Description>exemplar quote</Description>"
        if coded["exemplar"] and not flavour.exemplar_by_code
        else ""
    )
    groups = [[t] for t in targets] if flavour.selection_per_code else [targets]
    out = []
    for group in groups:
        name = f" name={quoteattr(excerpt)}" if flavour.selection_per_code else ""
        out.append(
            f"<PlainTextSelection guid={quoteattr(_guid('selection', seg, coder, *group))}{name} "
            f'startPosition="{start}" endPosition="{end}" creatingUser={quoteattr(user)}>{memo}'
        )
        out += [
            f"<Coding guid={quoteattr(_guid('coding', seg, coder, t))} creatingUser={quoteattr(user)}>"
            f"<CodeRef targetGUID={quoteattr(code_guid[t])}/></Coding>"
            for t in group
        ]
        out.append("</PlainTextSelection>")
    return out


def write_qdpx(project_xml: str, files: dict[str, str], path: str | Path) -> Path:
    """The .qdpx zip: project.qde and the sources, byte-identical on every run."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in [("project.qde", project_xml), *sorted(files.items())]:
            info = zipfile.ZipInfo(name, date_time=STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(
                info, ("\ufeff" + text if name != "project.qde" else text).encode("utf-8")
            )
    path.write_bytes(buffer.getvalue())
    return path


def generate(source_dir: str | Path, out: str | Path, flavour: str = "nvivo") -> Path:
    """Write ``out/<flavour>.qdpx`` from the tidy files in ``source_dir``."""
    project_xml, files = build_project(source_dir, FLAVOURS[flavour])
    return write_qdpx(project_xml, files, Path(out) / f"{flavour}.qdpx")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default="data/raw/qualitative")
    parser.add_argument("--out", required=True)
    parser.add_argument("--flavour", choices=sorted(FLAVOURS), default="nvivo")
    args = parser.parse_args(argv)
    print(generate(args.source, args.out, args.flavour))


if __name__ == "__main__":
    main()
