"""A study runs the strands its config names: the others leave no rule, output or section."""

from __future__ import annotations

import json

import pytest

from evaluation.core.config import study_strands

EXAMPLE = {
    "case_trackers": {"A": "a.xlsx"},
    "surveys": {"mothers": {"waves": {"T1": "t1.sav"}}, "practitioners": {"waves": {}}},
    "qualitative": {"themes": "themes.csv", "coded_segments": "segments.csv"},
    "activity": {"log": "diary.xlsx"},
}


def test_every_strand_whose_files_are_named_is_in_the_study():
    assert study_strands(EXAMPLE) == ["case_tracker", "surveys", "qualitative", "activity"]


@pytest.mark.parametrize(
    ("change", "left_out"),
    [
        ({"surveys": None}, "surveys"),
        ({"surveys": {"mothers": {"waves": {}}, "practitioners": {}}}, "surveys"),
        ({"qualitative": {}}, "qualitative"),
        ({"activity": {"log": None}}, "activity"),
        ({"activity": None}, "activity"),
    ],
)
def test_a_strand_without_files_is_left_out(change, left_out):
    config = {**EXAMPLE, **change}
    strands = study_strands(config)
    assert left_out not in strands and strands[0] == "case_tracker"


def test_practitioners_alone_keep_the_survey_strand():
    config = {**EXAMPLE, "surveys": {"practitioners": {"waves": {"Y1": "y1.csv"}}}}
    assert "surveys" in study_strands(config)


def test_a_study_without_surveys_or_diaries_runs_without_them(reduced_study_run):
    workdir = reduced_study_run
    tables = {p.stem for p in (workdir / "report/tables").glob("*.csv")}
    assert "theme_matrix" in tables and "legal_status" in tables
    assert not any(
        t.startswith(("mothers_", "practitioner", "activity_", "caseload")) for t in tables
    )
    figures = {p.stem for p in (workdir / "figures").glob("*.png")}
    assert not any("activity" in f or "caseload" in f or "survey" in f for f in figures)
    report = (workdir / "report/build/report.md").read_text()
    assert "# Interviews" in report and "# The mothers and their children" in report
    assert "# Surveys" not in report and "spent their time" not in report
    assert not (workdir / "data/processed/activity").exists()
    assert not (workdir / "data/processed/surveys").exists()
    # disclosure control covered what the study has, and nothing it lacks

    log = json.loads((workdir / "report/build/disclosure_log.json").read_text())
    outputs = {entry["output"] for entry in log["outputs"]}
    assert {"theme_matrix", "legal_status"} <= outputs
    assert not any(o.startswith(("mothers_", "activity_", "practitioner")) for o in outputs)
    assert {entry["status"] for entry in log["outputs"]} <= {"pass", "exempt"}
