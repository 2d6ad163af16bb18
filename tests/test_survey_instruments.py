"""The survey strand with one instrument, and the mothers' questionnaire without a scored scale.

Two studies other than the example, each a scratch copy run end to end
(``survey_variant_run`` in conftest.py): the practitioner survey alone, and the
mothers' questionnaire alone with a codebook that declares no WAI-SR. Each
builds exactly its instruments' rules, tables, figures, key fact, context and
report paragraphs, and passes disclosure control with ``min_cell: 10``.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from workflow import REPO, planned_jobs, snakemake

from evaluation.core.findings import ledger_balance
from evaluation.core.tidy import read_csv

pytestmark = pytest.mark.skipif(
    not (REPO / "data/raw/case_tracker/eastwood_park.xlsx").exists(),
    reason="example case trackers not generated",
)

MOTHERS_RULES = {"survey_read_mothers", "survey_mothers_at_cutoff", "survey_mothers_tables"}
PRACTITIONER_RULES = {
    "survey_read_practitioners",
    "survey_practitioners_at_cutoff",
    "survey_practitioner_tables",
}
WAI_TABLES = {"wai_scores", "wai_completion"}


def _stems(folder, pattern="*.csv") -> set[str]:
    return {path.stem for path in folder.glob(pattern)}


def _planned(workdir) -> dict[str, int]:
    return planned_jobs(snakemake(workdir, "-n", "--forceall").stdout)


def _disclosure_passes(workdir) -> set[str]:
    """The published outputs, after checking that every one passed disclosure control."""
    log = json.loads((workdir / "report/build/disclosure_log.json").read_text())
    assert log["min_cell"] == 10
    assert {entry["status"] for entry in log["outputs"]} <= {"pass", "exempt"}
    return {entry["output"] for entry in log["outputs"]}


# --------------------------------------------------------------------------- practitioners only


def test_practitioners_alone_build_only_their_outputs(survey_variant_run):
    workdir = survey_variant_run("practitioners_only")
    jobs = _planned(workdir)
    assert set(jobs) >= PRACTITIONER_RULES and not MOTHERS_RULES & set(jobs)
    assert {"survey_audit", "survey_context", "publish_survey_practitioners"} <= set(jobs)
    assert "publish_survey_mothers" not in jobs

    tables = _stems(workdir / "report/tables")
    assert {"practitioner_agreement", "practitioner_roles", "practitioner_statements"} <= tables
    assert not any(t.startswith(("mothers_", "wai_")) for t in tables)
    figures = _stems(workdir / "figures", "*.png")
    assert "fig_practitioner_agreement" in figures
    assert not any(f.startswith("fig_mothers") for f in figures)
    assert not list((workdir / "data/processed/surveys").rglob("mothers_*"))
    # no key fact from the mothers' tables
    assert not (workdir / "report/build/parts/key_facts_surveys.csv").exists()
    facts = read_csv(workdir / "report/tables/key_facts.csv")
    assert "supported_inside_latest_wave" not in set(facts["fact"])
    # the context is published with the practitioners' tables
    assert (workdir / "report/build/disclosure/survey_practitioners.json").exists()
    assert not (workdir / "report/build/disclosure/survey_mothers.json").exists()
    context = json.loads((workdir / "report/build/context/surveys.json").read_text())
    assert set(context) == {"practitioners", "excluded", "warnings"}
    assert context["practitioners"]["waves"] == ["Y1"]
    # the audit trail holds the practitioner survey alone, balanced
    ledger = read_csv(workdir / "data/processed/audit/ledger_surveys.csv")
    assert set(ledger["source"]) == {"practitioner_survey"}
    assert ledger_balance(ledger)["balanced"].all()


def test_practitioners_alone_report_section(survey_variant_run):
    workdir = survey_variant_run("practitioners_only")
    report = (workdir / "report/build/report.md").read_text(encoding="utf-8")
    section = report.split("# Surveys: community practitioners", 1)[1].split("\n# ", 1)[0]
    assert "## The community practitioner survey" in section
    assert "completed it by the cut-off" in section
    assert "{#tbl-practitioner_agreement}" in section
    assert "fig_practitioner_agreement" in section
    assert "The mothers' questionnaire" not in report and "WAI" not in report
    assert "# Surveys: mothers" not in report
    assert (workdir / "report/build/report.html").stat().st_size > 0


def test_practitioners_alone_pass_disclosure_control(survey_variant_run):
    workdir = survey_variant_run("practitioners_only", 10)
    outputs = _disclosure_passes(workdir)
    assert "practitioner_agreement" in outputs
    assert not any(o.startswith(("mothers_", "wai_")) for o in outputs)
    report = (workdir / "report/build/report.md").read_text(encoding="utf-8")
    assert "## The community practitioner survey" in report


# --------------------------------------------------------------------------- no scored scale


def test_mothers_without_a_scored_scale_build_no_scale_outputs(survey_variant_run):
    workdir = survey_variant_run("mothers_without_scale", 10)
    jobs = _planned(workdir)
    assert set(jobs) >= MOTHERS_RULES and not PRACTITIONER_RULES & set(jobs)
    computed = _stems(workdir / "data/processed/tables")
    published = _stems(workdir / "report/tables")
    for tables in (computed, published):
        assert {"mothers_support", "mothers_paired_change", "mothers_missing"} <= tables
        assert not WAI_TABLES & tables
        assert not any(t.startswith("practitioner") for t in tables)
    figures = _stems(workdir / "figures", "*.png")
    assert {"fig_mothers_support", "fig_mothers_paired_change"} <= figures
    assert "fig_practitioner_agreement" not in figures
    responses = pd.read_parquet(workdir / "data/processed/surveys/mothers_responses.parquet")
    assert not [column for column in responses.columns if column.startswith("wai")]
    paired = read_csv(workdir / "data/processed/tables/mothers_paired_change.csv")
    assert "wai_total" not in set(paired["item"])
    missing = read_csv(workdir / "data/processed/tables/mothers_missing.csv")
    assert not any(str(item).startswith("wai_") for item in missing["item"])
    facts = read_csv(workdir / "data/processed/tables/key_facts.csv")
    assert "supported_inside_latest_wave" in set(facts["fact"])
    context = json.loads((workdir / "report/build/context/surveys.json").read_text())
    assert "wai" not in context and "practitioners" not in context
    assert context["waves"] == ["T1", "T2"]


def test_mothers_without_a_scored_scale_report_section(survey_variant_run):
    workdir = survey_variant_run("mothers_without_scale", 10)
    report = (workdir / "report/build/report.md").read_text(encoding="utf-8")
    section = report.split("# Surveys: mothers\n", 1)[1].split("\n# ", 1)[0]
    assert "## The mothers' questionnaire" in section
    assert "### Feeling supported as a mother" in section
    assert "### Change between waves" in section
    assert "Working alliance" not in report and "WAI" not in report
    assert "community practitioner survey" not in section


def test_mothers_without_a_scored_scale_pass_disclosure_control(survey_variant_run):
    workdir = survey_variant_run("mothers_without_scale", 10)
    outputs = _disclosure_passes(workdir)
    assert {"mothers_support", "mothers_paired_change", "key_facts"} <= outputs
    assert not WAI_TABLES & outputs


def test_a_study_without_the_mothers_codebook_reports_no_mothers_checks(survey_variant_run):
    """The practitioners-only study has no codebook/mothers_survey.yaml: nothing asks for it."""
    workdir = survey_variant_run("practitioners_only")
    assert not (workdir / "codebook/mothers_survey.yaml").exists()
    validation = (workdir / "data/processed/validation/validation_report.md").read_text()
    assert "Practitioner survey" in validation and "Mothers' questionnaire" not in validation
    report = (workdir / "report/build/report.md").read_text()
    assert "Surveys: community practitioners" in report
