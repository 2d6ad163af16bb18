"""REFI-QDA projects (.qdpx) in the qualitative strand: the same tables as the tidy CSVs, bad projects stop.

The example study's coding is written as a project in three vendors' flavours
(``tools/synthetic/refi_qda.py``: NVivo-like UTF-16 positions, CRLF line ends
and inclusive ends; QualCoder-like code points, LF and exclusive ends, the
selection's text as its name; ATLAS.ti-like CRLF counted as one character).
Each must give every table of the strand, cell for cell, as the tidy CSVs do.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import yaml

from evaluation.core.codebook import normalise_text
from evaluation.core.config import ConfigError, validate_config
from evaluation.core.findings import ledger_balance
from evaluation.strands.qualitative.context import qualitative_context
from evaluation.strands.qualitative.cutoff import at_cutoff
from evaluation.strands.qualitative.read import read_qualitative
from evaluation.strands.qualitative.refi_qda import SETTINGS
from evaluation.strands.qualitative.tables import build_qualitative_tables
from evaluation.strands.qualitative.validation import validate_qualitative
from tools.synthetic import refi_qda as generator

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "data" / "raw" / "qualitative"
PRISONS = ["Eastwood Park", "Send"]
CUTOFF = dt.date(2023, 12, 31)
FLAVOURS = sorted(generator.FLAVOURS)
TIDY = pd.read_csv(EXAMPLE / "coded_segments.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def projects(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("qdpx")
    return {flavour: generator.generate(EXAMPLE, out, flavour) for flavour in FLAVOURS}


def _read(project: Path | None, flavour: str | None, **files):
    files.setdefault("themes", EXAMPLE / "themes.csv")
    files.setdefault("participants", EXAMPLE / "participants.csv")
    settings = generator.FLAVOURS[flavour].settings() if flavour else None
    return read_qualitative(
        themes=str(files["themes"]) if files["themes"] else None,
        participants=str(files["participants"]) if files["participants"] else None,
        coded_segments=str(project) if project else str(EXAMPLE / "coded_segments.csv"),
        fmt="refi-qda" if project else "tidy",
        disallowed_names=str(EXAMPLE / "disallowed_names.txt"),
        prisons=PRISONS,
        refi_qda=settings,
    )


def _strand(read, integration=EXAMPLE / "integration.yaml", participants_file="p"):
    """The strand's stages after the read: cut-off, tables, report context."""
    assert not read.findings.errors, [f.render() for f in read.findings.errors]
    at_cut = at_cutoff(read, CUTOFF, participants_file=participants_file)
    built = build_qualitative_tables(
        at_cut, integration=str(integration), primary_coder=None, quote_max_words=60
    )
    assert not built.findings.errors
    context = qualitative_context(read, at_cut, built, cutoff=CUTOFF, quote_max_words=60)
    return built.tables, context


@pytest.fixture(scope="module")
def tidy_strand():
    return _strand(_read(None, None))


def _project_segment_ids() -> dict[str, str]:
    """Tidy segment id -> the project's (participant and place in her interviews' text)."""
    participants = pd.read_csv(EXAMPLE / "participants.csv", dtype=str, keep_default_na=False)
    known = {normalise_text(p): p.strip() for p in participants["participant_id"]}
    owner = TIDY.assign(pid=TIDY["participant_id"].map(lambda p: known[normalise_text(p)]))
    ids = {}
    for pid, rows in owner.groupby("pid"):
        for n, seg in enumerate(sorted(rows["segment_id"].unique()), start=1):
            ids[seg] = f"{pid}-{n:03d}"
    return ids


def _with_project_ids(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    quotes = tables["quote_bank"].copy()
    quotes["segment_id"] = quotes["segment_id"].map(_project_segment_ids())
    return {**tables, "quote_bank": quotes}


def _assert_same_tables(got: dict, expected: dict) -> None:
    assert sorted(got) == sorted(expected)
    for table_id, frame in expected.items():
        pd.testing.assert_frame_equal(got[table_id], frame, obj=table_id)


# --------------------------------------------------------------------------- same tables


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("participants_from", ["participants.csv", "cases"])
def test_each_flavour_gives_the_tidy_strand_cell_for_cell(
    projects, tidy_strand, flavour, participants_from
):
    tidy_tables, tidy_context = tidy_strand
    files = {"participants": None} if participants_from == "cases" else {}
    read = _read(projects[flavour], flavour, **files)
    assert not read.findings.findings, [f.render() for f in read.findings.findings]
    tables, context = _strand(read)
    _assert_same_tables(tables, _with_project_ids(tidy_tables))
    assert context == tidy_context
    assert tables["quote_bank"]["excerpt"].str.len().gt(0).all()
    assert ledger_balance(read.ledger.to_frame())["balanced"].all()


def test_segments_are_the_tidy_segments_with_the_projects_ids(projects):
    tidy = _read(None, None)["segments"]
    got = _read(projects["nvivo"], "nvivo")["segments"]
    renamed = tidy.assign(segment_id=tidy["segment_id"].map(_project_segment_ids()))
    columns = ["segment_id", "participant_id", "theme", "coder", "excerpt", "exemplar"]

    def rows(frame):
        return sorted(map(tuple, frame[columns].astype(str).to_numpy().tolist()))

    assert rows(got) == rows(renamed)
    assert set(got["file"]) == {str(projects["nvivo"])}


def test_themes_from_the_projects_codes(projects, tidy_strand, tmp_path):
    """Without themes.csv the codes are the themes: code name = id and label, sub-code = sub-theme."""
    themes_csv = pd.read_csv(EXAMPLE / "themes.csv", dtype=str, keep_default_na=False)
    label = dict(zip(themes_csv["theme"], themes_csv["label"], strict=True))
    # the joint display names themes by id: here the ids are the code names
    integration = yaml.safe_load((EXAMPLE / "integration.yaml").read_text(encoding="utf-8"))
    for question in integration["research_questions"]:
        question["themes"] = [label[t] for t in question["themes"]]
    by_label = tmp_path / "integration.yaml"
    by_label.write_text(yaml.safe_dump(integration), encoding="utf-8")

    read = _read(projects["qualcoder"], "qualcoder", themes=None, participants=None)
    themes = read["themes"]
    assert themes["label"].tolist() == themes_csv["label"].tolist()
    assert themes["theme"].tolist() == themes["label"].tolist()
    assert themes["parent"].fillna("").tolist() == [label.get(p, "") for p in themes_csv["parent"]]
    assert "exemplar" not in set(themes["theme"])
    tables, _ = _strand(read, integration=by_label)
    expected = _with_project_ids(tidy_strand[0])
    for table_id, frame in expected.items():
        if "theme_id" in frame:  # the theme's id is its label
            frame = frame.assign(theme_id=frame["theme_id"].map(label))
        pd.testing.assert_frame_equal(tables[table_id], frame, obj=table_id)


def test_the_generated_project_is_byte_identical_on_every_run(projects, tmp_path):
    again = generator.generate(EXAMPLE, tmp_path, "nvivo")
    assert again.read_bytes() == projects["nvivo"].read_bytes()


def test_the_flavours_really_count_differently(projects):
    """The NVivo-like project's positions are not the QualCoder-like one's (emoji, CRLF, end)."""

    def positions(path):
        qde = zipfile.ZipFile(path).read("project.qde").decode("utf-8")
        return re.findall(r'startPosition="(\d+)" endPosition="(\d+)"', qde)

    nvivo, qualcoder = positions(projects["nvivo"]), positions(projects["qualcoder"])
    assert set(nvivo) != set(qualcoder)
    source = next(
        n for n in zipfile.ZipFile(projects["nvivo"]).namelist() if n.startswith("sources/")
    )
    text = zipfile.ZipFile(projects["nvivo"]).read(source).decode("utf-8-sig")
    assert "\r\n" in text and "synthetic" in text


# --------------------------------------------------------------------------- the convention


def test_a_project_read_with_the_wrong_convention_stops(projects):
    """The NVivo-like project read as code points: words cut, so the run stops naming the setting.

    Read on, it would publish quotes cut from the wrong places of the transcripts.
    """
    read = _read(projects["nvivo"], None)
    errors = [f for f in read.findings.errors if f.check == "refi_position"]
    assert len(errors) == 1
    assert "positions: utf16" in errors[0].render()
    assert str(projects["nvivo"]) in errors[0].render()
    assert "cut from the wrong places" in errors[0].render()


def test_an_inclusive_project_read_as_exclusive_is_flagged(projects, tmp_path):
    """Ends counted inclusively but read exclusively: each quote loses its final full stop."""
    qde = _qde(projects["qualcoder"])
    shortened = re.sub(
        r'endPosition="(\d+)"', lambda m: f'endPosition="{int(m.group(1)) - 1}"', qde
    )
    inclusive = _rewrite(
        projects["qualcoder"], tmp_path / "inclusive.qdpx", qde=lambda _: shortened
    )
    read = _read(inclusive, "qualcoder")
    warnings = [f for f in read.findings.warnings if f.check == "refi_position"]
    ends = [e for e in TIDY["excerpt"] if e.rstrip()[-1:] in ".!?"]
    assert len(ends) == len(TIDY)  # the example's quotes end their sentences
    assert len(warnings) == 1 and "end: inclusive" in warnings[0].render()
    assert not [
        f
        for f in _read(projects["qualcoder"], "qualcoder").findings.warnings
        if f.check == "refi_position"
    ]  # read as exported: no warning


def test_crlf_counted_as_one_is_detected(projects):
    read = _read(projects["atlas"], "qualcoder")  # CRLF counted as two: positions drift
    rendered = [f.render() for f in read.findings.findings if f.check == "refi_position"]
    assert any("crlf: one" in r for r in rendered), rendered


@pytest.mark.parametrize(
    ("settings", "words"),
    [
        ({"positions": "bytes"}, ["'qualitative: refi_qda: positions'", "code_points or utf16"]),
        ({"ends": "inclusive"}, ["'ends'", ", ".join(SETTINGS)]),
    ],
)
def test_config_rejects_unknown_position_settings(settings, words):
    config = yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))
    config["qualitative"] = {**config["qualitative"], "format": "refi-qda", "refi_qda": settings}
    with pytest.raises(ConfigError) as caught:
        validate_config(config)
    assert all(w in str(caught.value) for w in words), str(caught.value)


def test_config_position_settings_need_the_format():
    config = yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))
    config["qualitative"] = {**config["qualitative"], "refi_qda": {"positions": "utf16"}}
    with pytest.raises(ConfigError, match="format: refi-qda"):
        validate_config(config)


def test_validation_entry_reads_a_project_without_csvs(projects):
    reads, cutoffs = validate_qualitative(
        CUTOFF,
        themes=None,
        participants=None,
        coded_segments=projects["atlas"],
        fmt="refi-qda",
        prisons=PRISONS,
        refi_qda=generator.FLAVOURS["atlas"].settings(),
    )
    assert not reads["qualitative_read"].findings.errors
    assert len(cutoffs["at_cutoff"]["participants"]) > 0


# --------------------------------------------------------------------------- bad projects


def _rewrite(project: Path, out: Path, *, qde=None, drop=(), members=None) -> Path:
    """A copy of ``project`` with project.qde edited by ``qde(text)`` and members dropped."""
    with zipfile.ZipFile(project) as archive:
        files = {n: archive.read(n) for n in archive.namelist() if n not in drop}
    if qde is not None:
        files["project.qde"] = qde(files["project.qde"].decode("utf-8")).encode("utf-8")
    files = members(files) if members else files
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    out.write_bytes(buffer.getvalue())
    return out


def _first(pattern: str, text: str) -> str:
    return re.search(pattern, text).group(1)


def _replace_first(pattern: str, new: str):
    return lambda text: re.sub(pattern, new, text, count=1)


def _errors(path: Path, **files) -> list[str]:
    read = _read(path, "qualcoder", **files)
    return [f.render() for f in read.findings.errors]


def _assert_no_excerpt_words(messages: list[str]) -> None:
    """No run of four words of any excerpt appears in a message (free text is never printed)."""
    text = "\n".join(messages).casefold()
    for excerpt in TIDY["excerpt"]:
        words = re.findall(r"[\w']+", excerpt.casefold())
        for i in range(len(words) - 3):
            assert " ".join(words[i : i + 4]) not in text, "an excerpt's words are printed"


def _selection_guid(qde: str) -> str:
    return _first(r'<PlainTextSelection guid="([^"]+)"', qde)


def _qde(project: Path) -> str:
    return zipfile.ZipFile(project).read("project.qde").decode("utf-8")


def test_not_a_zip(tmp_path):
    path = tmp_path / "study.qdpx"
    path.write_text("participant said something private", encoding="utf-8")
    (message,) = _errors(path)
    assert (
        str(path) in message and "not a zip archive" in message and "Expected: a .qdpx" in message
    )


def test_a_damaged_member(projects, tmp_path):
    raw = bytearray(projects["qualcoder"].read_bytes())
    info = zipfile.ZipFile(projects["qualcoder"]).getinfo("project.qde")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for i in range(start + 10, start + 60):  # inside the compressed XML
        raw[i] ^= 0x5A
    path = tmp_path / "damaged.qdpx"
    path.write_bytes(bytes(raw))
    messages = _errors(path)
    assert any("project.qde cannot be unpacked" in m and "damaged" in m for m in messages), messages
    assert all(str(path) in m for m in messages)


def test_no_project_qde(projects, tmp_path):
    path = _rewrite(projects["qualcoder"], tmp_path / "p.qdpx", drop=("project.qde",))
    (message,) = _errors(path)
    assert (
        str(path) in message and "no project.qde" in message and "at the top of the zip" in message
    )


def test_xml_that_does_not_parse(projects, tmp_path):
    path = _rewrite(projects["qualcoder"], tmp_path / "p.qdpx", qde=lambda t: t[: len(t) // 2])
    (message,) = _errors(path)
    assert str(path) in message and "not well-formed XML (line" in message
    _assert_no_excerpt_words([message])


def test_coding_of_an_unknown_code(projects, tmp_path):
    qde = _qde(projects["qualcoder"])
    selection = _selection_guid(qde)
    edit = _replace_first(r'<CodeRef targetGUID="[^"]+"', '<CodeRef targetGUID="no-such-code"')
    messages = _errors(_rewrite(projects["qualcoder"], tmp_path / "p.qdpx", qde=edit))
    (message,) = [m for m in messages if "not in the CodeBook" in m]
    assert selection in message and "'no-such-code'" in message
    assert "Expected: the guid of a Code under CodeBook" in message
    _assert_no_excerpt_words(messages)


def test_code_that_is_not_a_theme_of_themes_csv(projects, tmp_path):
    edit = _replace_first(r'name="Preparing for release"', 'name="Housing worries"')
    messages = _errors(_rewrite(projects["qualcoder"], tmp_path / "p.qdpx", qde=edit))
    (message,) = messages
    assert "Code 'Housing worries'" in message and "not a theme of themes.csv" in message
    assert "PlainTextSelection guid" in message
    _assert_no_excerpt_words(messages)


def test_coding_by_an_unknown_user(projects, tmp_path):
    qde = _qde(projects["qualcoder"])
    selection = _selection_guid(qde)
    edit = _replace_first(
        r'<Coding (guid="[^"]+") creatingUser="[^"]+"', r'<Coding \1 creatingUser="ghost"'
    )
    messages = _errors(_rewrite(projects["qualcoder"], tmp_path / "p.qdpx", qde=edit))
    (message,) = messages
    assert selection in message and "creatingUser is not a User" in message
    assert "'ghost'" in message and "Expected: the guid of a User under Users" in message
    _assert_no_excerpt_words(messages)


def test_selection_beyond_its_sources_end(projects, tmp_path):
    qde = _qde(projects["qualcoder"])
    selection = _selection_guid(qde)
    edit = _replace_first(r'endPosition="\d+"', 'endPosition="987654"')
    messages = _errors(_rewrite(projects["qualcoder"], tmp_path / "p.qdpx", qde=edit))
    (message,) = messages
    assert selection in message and "TextSource '" in message
    assert "beyond the end of its source" in message and "987654" in message
    assert "counted as positions: code_points, end: exclusive, crlf: two" in message
    _assert_no_excerpt_words(messages)


def test_source_file_missing_from_the_zip(projects, tmp_path):
    qde = _qde(projects["qualcoder"])
    guid, name, member = re.search(
        r'<TextSource guid="([^"]+)" name="([^"]+)" plainTextPath="internal://([^"]+)"', qde
    ).groups()
    path = _rewrite(projects["qualcoder"], tmp_path / "p.qdpx", drop=(f"sources/{member}",))
    (message,) = _errors(path)
    assert f"TextSource '{name}' (guid {guid})" in message
    assert f"sources/{member} is missing" in message and str(path) in message


def test_case_with_no_participant_id(projects, tmp_path):
    qde = _qde(projects["qualcoder"])
    case = _first(r"(?s)<Case guid=\"([^\"]+)\" name=\"[^\"]+\">(?:(?!</Case>).)*<SourceRef", qde)
    edit = _replace_first(rf'<Case guid="{case}" name="[^"]+">', f'<Case guid="{case}">')
    path = _rewrite(projects["qualcoder"], tmp_path / "p.qdpx", qde=edit)
    (message,) = _errors(path)  # participants from participants.csv: the source has no owner
    assert f"Case (guid {case})" in message and "no name, so no participant id" in message
    assert "Expected: the participant id as the case's name" in message
    messages = _errors(path, participants=None)  # participants from the cases
    assert any(
        str(path) in m and f"Case (guid {case}): participant_id is blank" in m for m in messages
    ), messages


def test_source_in_no_case_needs_the_participant_map(projects, tmp_path):
    qde = _qde(projects["qualcoder"])
    source = _first(r'<TextSource guid="([^"]+)" name="Bethan interview"', qde)
    edit = _replace_first(rf'<SourceRef targetGUID="{source}"/>', "")
    path = _rewrite(projects["qualcoder"], tmp_path / "p.qdpx", qde=edit)
    (message,) = _errors(path)
    assert "TextSource 'Bethan interview'" in message and "belongs to no case" in message
    mapping = tmp_path / "map.csv"
    mapping.write_text("source,participant_id\nBethan interview,Bethan\n", encoding="utf-8")
    read = read_qualitative(
        themes=str(EXAMPLE / "themes.csv"),
        participants=str(EXAMPLE / "participants.csv"),
        coded_segments=str(path),
        fmt="refi-qda",
        participant_map=str(mapping),
        prisons=PRISONS,
    )
    assert not read.findings.errors
    assert "Bethan" in set(read["segments"]["participant_id"])


def test_a_selection_name_holding_its_text_is_never_printed(projects, tmp_path):
    """QualCoder names each selection by its text: an error about it shows the guid only."""
    qde = _qde(projects["qualcoder"])
    name = _first(r'<PlainTextSelection guid="[^"]+" name="([^"]+)"', qde)
    edit = _replace_first(r'startPosition="\d+"', 'startPosition="x"')
    messages = _errors(_rewrite(projects["qualcoder"], tmp_path / "p.qdpx", qde=edit))
    assert messages and "not a whole number" in messages[0]
    assert all(name not in m for m in messages)
    _assert_no_excerpt_words(messages)


def test_bad_project_stops_the_read_step(projects, tmp_path):
    """The read rule's step raises with every error; the excerpt's words stay out of it."""
    from types import SimpleNamespace

    from evaluation.core.findings import DataValidationError
    from evaluation.strands.qualitative import steps

    path = _rewrite(
        projects["qualcoder"],
        tmp_path / "p.qdpx",
        qde=_replace_first(r'endPosition="\d+"', 'endPosition="987654"'),
    )
    work = tmp_path / "work"
    with pytest.raises(DataValidationError) as caught:
        steps.qualitative_read(
            SimpleNamespace(
                themes=[],
                participants=[],
                segments=[str(path)],
                participant_map=[],
                disallowed_names=[],
            ),
            SimpleNamespace(
                **{n: str(work / f"{n}.parquet") for n in ("themes", "participants", "segments")},
                findings=str(work / "f.csv"),
                ledger=str(work / "l.csv"),
            ),
            SimpleNamespace(
                fmt="refi-qda",
                refi_qda=generator.FLAVOURS["qualcoder"].settings(),
                coders=[],
                prisons=PRISONS,
                valid_date_range=["2015-01-01", "2030-12-31"],
            ),
        )
    assert "beyond the end of its source" in str(caught.value)
    _assert_no_excerpt_words([str(caught.value)])


# --------------------------------------------------------------------------- the workflow


@pytest.mark.pipeline
def test_workflow_on_a_project_publishes_the_final_runs_tables(final_run, tmp_path):
    """The example project with its coding as an NVivo-like .qdpx (participants from the cases)."""
    from workflow import copy_project, snakemake

    workdir = copy_project(tmp_path / "refi")
    project = generator.generate(
        workdir / "data/raw/qualitative", workdir / "data/raw/qualitative", "nvivo"
    )
    overrides = {
        "qualitative": {
            "format": "refi-qda",
            "coded_segments": str(project.relative_to(workdir)),
            "participants": None,
            "refi_qda": generator.FLAVOURS["nvivo"].settings(),
        }
    }
    (workdir / "refi.yaml").write_text(yaml.safe_dump(overrides), encoding="utf-8")
    snakemake(workdir, "--configfile", "config.yaml", "refi.yaml")
    for table_id in ("theme_matrix", "intercoder_agreement", "joint_display"):
        got = (workdir / "report/tables" / f"{table_id}.csv").read_bytes()
        assert got == (final_run / "report/tables" / f"{table_id}.csv").read_bytes(), table_id
    quotes = pd.read_csv(workdir / "report/tables/quote_bank.csv", dtype=str, keep_default_na=False)
    expected = pd.read_csv(
        final_run / "report/tables/quote_bank.csv", dtype=str, keep_default_na=False
    )
    expected["segment_id"] = expected["segment_id"].map(_project_segment_ids())
    pd.testing.assert_frame_equal(quotes, expected)


# --------------------------------------------------------------------------- guard and ledger


def test_an_identifier_in_a_source_is_caught_and_not_printed(projects, tmp_path):
    """The identifier guard scans the excerpts cut from the project; the message names the segment."""
    address = "write to ab@cd.co.uk "
    qde = _qde(projects["qualcoder"])
    member = _first(r'name="Bethan interview" plainTextPath="internal://([^"]+)"', qde)

    def members(files):
        text = files[f"sources/{member}"].decode("utf-8-sig")
        start = text.index("Bethan: ") + len("Bethan: ")
        text = text[:start] + address + text[start + len(address) :]  # same length
        return {**files, f"sources/{member}": ("\ufeff" + text).encode("utf-8")}

    path = _rewrite(projects["qualcoder"], tmp_path / "p.qdpx", members=members)
    messages = _errors(path)
    assert any("segment Bethan-001" in m and "e-mail address" in m for m in messages), messages
    assert all("ab@cd" not in m for m in messages)
    _assert_no_excerpt_words(messages)


def test_codings_of_pictures_are_counted_in_the_ledger_not_read(projects, tmp_path):
    qde = _qde(projects["nvivo"])
    user = _first(r'<User guid="([^"]+)"', qde)
    code = _first(r'<Code guid="([^"]+)"', qde)
    picture = (
        '<PictureSource guid="pic-1" name="Drawing" path="internal://pic-1.png">'
        '<PictureSelection guid="area-1" firstX="0" firstY="0" secondX="5" secondY="5">'
        f'<Coding guid="c-1" creatingUser="{user}"><CodeRef targetGUID="{code}"/></Coding>'
        "</PictureSelection></PictureSource></Sources>"
    )
    path = _rewrite(
        projects["nvivo"], tmp_path / "p.qdpx", qde=lambda t: t.replace("</Sources>", picture)
    )
    read = _read(path, "nvivo")
    assert not read.findings.errors
    (warning,) = [f.render() for f in read.findings.warnings]
    assert "1 coding(s) of pictures" in warning and str(path) in warning
    ledger = read.ledger.to_frame()
    excluded = ledger[ledger["reason"].str.startswith("coding of a picture")]
    assert excluded["rows"].tolist() == [1]
    assert ledger_balance(ledger)["balanced"].all()
    assert len(read["segments"]) == len(_read(projects["nvivo"], "nvivo")["segments"])


def test_the_same_coding_twice_is_counted_once_with_a_warning(projects, tmp_path):
    def twice(text):
        coding = re.search(r"<Coding [^>]+>.*?</Coding>", text, flags=re.S).group(0)
        return text.replace(coding, coding + coding, 1)

    path = _rewrite(projects["nvivo"], tmp_path / "p.qdpx", qde=twice)
    read = _read(path, "nvivo")
    (warning,) = [f for f in read.findings.warnings if f.check == "duplicate"]
    assert warning.file == str(path) and warning.value.endswith("-001")
    assert len(read["segments"]) == len(_read(projects["nvivo"], "nvivo")["segments"])
    assert ledger_balance(read.ledger.to_frame())["balanced"].all()


def test_evaluation_validate_checks_a_project(projects, monkeypatch):
    """`evaluation validate` with format refi-qda: no participants CSV, the settings passed on."""
    from evaluation.validate import validate_all

    monkeypatch.chdir(REPO)
    config = yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))
    for key in ("surveys", "activity"):
        config.pop(key, None)
    config["case_trackers"] = {k: str(REPO / v) for k, v in config["case_trackers"].items()}
    qualitative = {
        k: str(REPO / v) for k, v in config["qualitative"].items() if k in ("themes", "integration")
    }
    config["qualitative"] = {
        **qualitative,
        "format": "refi-qda",
        "coded_segments": str(projects["nvivo"]),
        "refi_qda": generator.FLAVOURS["nvivo"].settings(),
    }
    summary = validate_all(config)
    assert summary.ok, summary.render()
    assert any(c.file == str(projects["nvivo"]) for c in summary.checks)
    config["qualitative"]["refi_qda"] = {}  # read as code points: words cut, a stop
    summary = validate_all(config)
    assert not summary.ok
    assert [f.check for f in summary.errors if f.file == str(projects["nvivo"])] == [
        "refi_position"
    ]


def _add_case(name: str, source_name: str):
    """An edit adding a case named ``name`` that also holds the source named ``source_name``."""

    def edit(text: str) -> str:
        source = _first(rf'<TextSource guid="([^"]+)" name="{source_name}"', text)
        case = f'<Case guid="extra-case" name="{name}"><SourceRef targetGUID="{source}"/></Case>'
        return text.replace("</Cases>", case + "</Cases>")

    return edit


def test_a_source_also_in_a_case_that_is_no_participant(projects, tmp_path):
    """A site's case holding an interview as well: the participant's case decides."""
    path = _rewrite(
        projects["nvivo"],
        tmp_path / "p.qdpx",
        qde=_add_case("Eastwood Park site", "Bethan interview"),
    )
    read = _read(path, "nvivo")
    assert not read.findings.errors, [f.render() for f in read.findings.errors]
    assert len(read["segments"]) == len(_read(projects["nvivo"], "nvivo")["segments"])


def test_a_source_in_two_participants_cases(projects, tmp_path):
    path = _rewrite(
        projects["nvivo"], tmp_path / "p.qdpx", qde=_add_case("Carla", "Bethan interview")
    )
    (message,) = [f.render() for f in _read(path, "nvivo").findings.errors]
    assert "TextSource 'Bethan interview'" in message and "more than one participant" in message
    assert "'Bethan; Carla'" in message and "Expected: one participant per source" in message
