"""Qualitative strand, general capabilities a second study needs.

Participants files without the optional ``prison`` and ``rounds`` columns, and
the theme lists a study's codebook declares (``theme_lists:``: the sub-themes
of one theme as a published table). Inline fixtures, a codebook folder of the
test's own (the example study's codebook with the changes each test needs).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
import yaml

from evaluation.core import codebook
from evaluation.core.findings import FindingLog, Ledger
from evaluation.strands.qualitative import analysis, steps
from evaluation.strands.qualitative import read as readers
from evaluation.strands.qualitative.theme_lists import ThemeListError, declared_theme_lists

REPO = Path(__file__).resolve().parents[1]
VALID_RANGE = ["2015-01-01", "2030-12-31"]
TABLE_KEYS = ["theme_matrix", "intercoder_agreement", "quote_bank", "joint_display"]

# the second study's shape: interviews as participants, the group = how they were recruited
GROUPS = [
    {"label": "Survey respondent", "variants": ["survey respondent"], "attribution": "survey"},
    {"label": "Contacted directly", "variants": ["contacted directly"], "attribution": "direct"},
]
PARTICIPANTS = """participant_id,group,interview_date
Interview 1,Survey respondent,09/10/2020
Interview 2,Contacted directly,10/10/2020
Interview 3,SURVEY RESPONDENT,2020-10-18
Interview 4,Contacted directly,2020-11-02
Interview 5,Contacted directly,2021-05-01
"""
# core: children in file order trauma, outreach, loss; 'loss' comes after another parent
THEMES = """theme,label,parent,description
referrals,Referral routes,,
core,Core components,,
trauma,Trauma-informed,core,
outreach,Assertive outreach,CORE,
court,Working with the court,,
loss,Loss and grief,core,
"""
# KM codes most segments (the primary coder); HT's codes are not counted
SEGMENTS = """segment_id,participant_id,theme,coder,excerpt,exemplar
S1,Interview 1,trauma,KM,We start from what happened to them.,Yes
S1,Interview 1,trauma,HT,We start from what happened to them.,No
S2,Interview 1,trauma,KM,Trauma comes first in supervision.,No
S3,Interview 2,trauma,KM,Every worker is trained in it.,No
S3,Interview 2,outreach,HT,Every worker is trained in it.,No
S4,Interview 3,loss,KM,The loss of a child is grieved.,No
S5,Interview 3,referrals,KM,Social care refers most parents.,No
S6,Interview 4,court,KM,We meet the judge once a year.,No
S7,Interview 5,outreach,KM,We keep knocking.,No
"""
INTEGRATION = """research_questions:
  - id: RQ1
    quantitative: [core_table]
    themes: [core]
    meta_inference: confirms
    sentence: Both strands agree.
"""
CUTOFF = "2021-03-31"  # Interview 5 is after it


def make_codebook(
    folder: Path,
    *,
    theme_lists: dict | None = None,
    participant_columns: list[str] | None = None,
    groups: list[dict] | None = None,
) -> Path:
    """The example codebook, with theme lists, fewer participant columns or other groups."""
    shutil.copytree(REPO / "codebook", folder)
    path = folder / "qualitative.yaml"
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    if theme_lists is not None:
        spec["theme_lists"] = theme_lists
    if participant_columns is not None:
        columns = spec["files"]["participants"]["columns"]
        spec["files"]["participants"]["columns"] = {c: columns[c] for c in participant_columns}
    if groups is not None:
        spec["value_sets"]["qual_participant_group"] = groups
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return folder


@pytest.fixture
def study_codebook(tmp_path):
    """Use a codebook of the test's own: call it with make_codebook's keywords."""

    def use(**changes) -> Path:
        folder = tmp_path / f"codebook{len(list(tmp_path.glob('codebook*')))}"
        codebook.use_codebook(make_codebook(folder, **changes))
        return folder

    yield use
    codebook.use_codebook(None)


CORE_LIST = {
    "core_table": {
        "parent": "core",
        "title": "Core components of the services",
        "column": "Interviews",
    }
}


@pytest.fixture
def source(tmp_path) -> Path:
    folder = tmp_path / "source"
    folder.mkdir()
    for name, text in {
        "themes.csv": THEMES,
        "participants.csv": PARTICIPANTS,
        "coded_segments.csv": SEGMENTS,
        "integration.yaml": INTEGRATION,
        "disallowed_names.txt": "Jane Doe\n",
    }.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def run_steps(tmp_path: Path, source: Path, theme_lists: list[str]) -> dict[str, Path]:
    """The read and tables rules' steps, as the rules call them (prisons: none configured)."""
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    names = [str(source / "disallowed_names.txt")]
    read = {name: str(work / f"{name}.parquet") for name in ("themes", "participants", "segments")}
    audit = {"findings": str(work / "read_findings.csv"), "ledger": str(work / "read_ledger.csv")}
    steps.qualitative_read(
        SimpleNamespace(
            themes=str(source / "themes.csv"),
            participants=str(source / "participants.csv"),
            segments=[str(source / "coded_segments.csv")],
            participant_map=[],
            disallowed_names=names,
        ),
        SimpleNamespace(**read, **audit),
        SimpleNamespace(fmt="tidy", coders=[], prisons=[], valid_date_range=VALID_RANGE),
    )
    tables = {k: work / f"{k}.csv" for k in TABLE_KEYS}
    lists = [work / f"{table_id}.csv" for table_id in theme_lists]
    other = {
        "context": work / "context.json",
        "integration_context": work / "integration.json",
        "ledger": work / "ledger.csv",
        "findings": work / "findings.csv",
    }
    steps.qualitative_tables(
        SimpleNamespace(
            **read, **audit, integration=str(source / "integration.yaml"), disallowed_names=names
        ),
        SimpleNamespace(
            **{k: str(v) for k, v in {**tables, **other}.items()},
            theme_lists=[str(p) for p in lists],
        ),
        SimpleNamespace(
            cutoff=CUTOFF,
            primary_coder=None,
            quote_max_words=60,
            participants_file=str(source / "participants.csv"),
        ),
    )
    return {**tables, **other, **{p.stem: p for p in lists}}


# --------------------------------------------------------------------------- optional columns


def read_participants(path: Path, **kwargs) -> tuple[pd.DataFrame, FindingLog]:
    log = FindingLog("qualitative")
    frame = readers.read_participants(path, log, Ledger(), valid_range=tuple(VALID_RANGE), **kwargs)
    return frame, log


def test_participants_without_prison_or_rounds_read_cleanly(tmp_path, study_codebook, source):
    """The example codebook declares both optional: absent, they are blank, with no finding."""
    study_codebook(groups=GROUPS)
    frame, log = read_participants(source / "participants.csv", prisons=[])
    assert log.findings == []
    assert frame["participant_id"].tolist() == [f"Interview {i}" for i in range(1, 6)]
    assert frame["group"].tolist()[:3] == ["Survey respondent", "Contacted directly"] + [
        "Survey respondent"
    ]
    assert frame["prison"].isna().all()
    assert frame["rounds"].tolist() == ["1"] * 5  # one interview each, as a blank round reads
    assert frame["interviews"].tolist() == [1] * 5
    assert list(frame.columns) == readers.PARTICIPANT_COLUMNS


def test_a_blank_rounds_value_in_a_present_column_still_warns(tmp_path, study_codebook):
    study_codebook(groups=GROUPS)
    path = tmp_path / "participants.csv"
    path.write_text(
        "participant_id,group,interview_date,rounds\nA,Survey respondent,2020-10-09,\n",
        encoding="utf-8",
    )
    frame, log = read_participants(path, prisons=[])
    assert [(f.severity, f.column, f.check) for f in log.findings] == [
        ("warning", "rounds", "blank")
    ]
    assert frame["interviews"].tolist() == [1]


def test_a_codebook_without_the_optional_columns_ignores_them(tmp_path, study_codebook):
    """Columns the study's codebook does not declare are ignored, as their warning says."""
    study_codebook(groups=GROUPS, participant_columns=["participant_id", "group", "interview_date"])
    path = tmp_path / "participants.csv"
    path.write_text(
        "participant_id,group,interview_date,prison,rounds\n"
        "A,Survey respondent,2020-10-09,Nowhere,x\n",
        encoding="utf-8",
    )
    frame, log = read_participants(path, prisons=[])
    assert [(f.severity, f.check) for f in log.findings] == [("warning", "ignored_columns")]
    assert "prison, rounds" in log.findings[0].message
    assert frame["prison"].isna().all() and frame["interviews"].tolist() == [1]


def test_a_prison_value_with_no_prisons_configured_is_an_error(tmp_path, study_codebook):
    study_codebook(groups=GROUPS)
    path = tmp_path / "participants.csv"
    path.write_text(
        "participant_id,group,prison,interview_date\nA,Survey respondent,Send,2020-10-09\n",
        encoding="utf-8",
    )
    frame, log = read_participants(path, prisons=[])
    assert [(f.column, f.value, f.expected) for f in log.errors] == [
        ("prison", "Send", "blank (no prisons are configured)")
    ]
    assert frame.empty


def test_the_read_stage_with_no_prisons_has_no_findings(study_codebook, source):
    study_codebook(groups=GROUPS)
    read = readers.read_qualitative(
        themes=str(source / "themes.csv"),
        participants=str(source / "participants.csv"),
        coded_segments=str(source / "coded_segments.csv"),
        disallowed_names=str(source / "disallowed_names.txt"),
        prisons=[],
        valid_date_range=tuple(VALID_RANGE),
    )
    assert read.findings.findings == []
    assert len(read["participants"]) == 5


# --------------------------------------------------------------------------- theme lists


def test_a_theme_list_counts_participants_of_each_child_theme(tmp_path, study_codebook, source):
    study_codebook(groups=GROUPS, theme_lists=CORE_LIST)
    out = run_steps(tmp_path, source, ["core_table"])
    table = pd.read_csv(out["core_table"])
    assert list(table.columns) == ["row", "column", "n", "denominator", "pct"]
    # the children of 'core' in file order ('loss' after another parent's row, 'CORE' folded)
    assert table["row"].tolist() == ["Trauma-informed", "Assertive outreach", "Loss and grief"]
    assert set(table["column"]) == {"Interviews"}
    # trauma: Interviews 1 (two segments, counted once) and 2; outreach: only the second
    # coder (Interview 2) and a participant after the cut-off (Interview 5): none; loss: 3
    assert table["n"].tolist() == [2, 0, 1]
    assert table["denominator"].tolist() == [4, 4, 4]  # participants at the cut-off
    assert table["pct"].tolist() == [50.0, 0.0, 25.0]
    # as the theme matrix counts them: its groups add up to the list's counts
    matrix = pd.read_csv(out["theme_matrix"])
    by_theme = matrix.groupby("row")["n"].sum()
    assert [int(by_theme[r]) for r in table["row"]] == table["n"].tolist()


def test_a_theme_list_is_a_known_result_of_the_joint_display(tmp_path, study_codebook, source):
    study_codebook(groups=GROUPS, theme_lists=CORE_LIST)
    out = run_steps(tmp_path, source, ["core_table"])
    joint = pd.read_csv(out["joint_display"])
    assert joint["statistics"].tolist() == ["Core components of the services"]
    findings = pd.read_csv(out["findings"])
    assert "coverage" in set(findings["check"])  # the integration file's warnings are there
    assert "unknown_result" not in set(findings["check"])


def test_without_theme_lists_the_tables_are_the_strands_four(tmp_path, study_codebook, source):
    study_codebook(groups=GROUPS)
    assert declared_theme_lists() == {}
    out = run_steps(tmp_path, source, [])
    assert all(out[k].exists() for k in TABLE_KEYS)
    assert sorted(p.name for p in out["theme_matrix"].parent.glob("*.csv")) == sorted(
        ["findings.csv", "ledger.csv", "read_findings.csv", "read_ledger.csv"]
        + [f"{k}.csv" for k in TABLE_KEYS]
    )


@pytest.mark.parametrize(
    ("parent", "expected"),
    [
        ("not_a_theme", "parent 'not_a_theme' is not a theme id of themes.csv"),
        ("court", "theme 'court' has no sub-themes in themes.csv"),
        ("trauma", "theme 'trauma' has no sub-themes in themes.csv"),  # itself a sub-theme
    ],
)
def test_a_bad_parent_stops_naming_the_codebook(tmp_path, study_codebook, source, parent, expected):
    study_codebook(
        groups=GROUPS,
        theme_lists={"core_table": {"parent": parent, "title": "T", "column": "Interviews"}},
    )
    with pytest.raises(ThemeListError) as stopped:
        run_steps(tmp_path, source, ["core_table"])
    message = str(stopped.value)
    assert "codebook/qualitative.yaml: theme list 'core_table'" in message
    assert expected in message


@pytest.mark.parametrize(
    ("lists", "expected"),
    [
        ({"core_table": {"parent": "core", "title": "T"}}, "needs column"),
        ({"core_table": {"parent": "core", "title": "T", "column": "N", "rows": 1}}, "unknown key"),
        ({"theme_matrix": {"parent": "core", "title": "T", "column": "N"}}, "already a table id"),
        ({"mother_needs": {"parent": "core", "title": "T", "column": "N"}}, "already a table id"),
        ({"Core Table": {"parent": "core", "title": "T", "column": "N"}}, "lower-case letters"),
        ({"core_table": "core"}, "needs parent, title, column"),
    ],
)
def test_a_malformed_declaration_stops_naming_the_codebook(study_codebook, lists, expected):
    study_codebook(theme_lists=lists)
    with pytest.raises(ThemeListError) as stopped:
        declared_theme_lists()
    assert str(stopped.value).startswith("codebook/qualitative.yaml: ")
    assert expected in str(stopped.value)


def test_theme_list_counts_only_the_primary_coder():
    themes = pd.DataFrame(
        {
            "theme": ["p", "a", "b"],
            "label": ["P", "A", "B"],
            "parent": [None, "p", "p"],
            "description": "",
            "order": [0, 1, 2],
        }
    )
    participants = pd.DataFrame({"participant_id": ["x", "y", "z"], "group": "G"})
    segments = pd.DataFrame(
        {
            "segment_id": ["1", "1", "2", "3"],
            "participant_id": ["x", "x", "y", "z"],
            "theme": ["a", "b", "a", "b"],
            "coder": ["one", "two", "one", "two"],
        }
    )
    spec = declared_theme_lists(
        {"qualitative": {"theme_lists": {"t": {"parent": "P", "title": "T", "column": "C"}}}}
    )["t"]
    table = analysis.theme_list(spec, themes, participants, segments, "one")
    assert table.to_dict(orient="list") == {
        "row": ["A", "B"],
        "column": ["C", "C"],
        "n": [2, 0],
        "denominator": [3, 3],
        "pct": [66.7, 0.0],
    }
    assert analysis.theme_list(spec, themes, participants, segments, None)["n"].tolist() == [0, 0]
