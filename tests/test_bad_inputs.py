"""The bad-input corpus (tests/bad_inputs/cases.py): every case stops or warns as the contract says.

Each case builds one broken file and runs the reader the pipeline runs on it.
An error case must stop with a message naming the file, sheet, row, column
and value; a warning case must not stop, and its ledger must still balance;
an accepted case gives no error. Free text is never printed. A pipeline-level
test runs three cases through Snakemake and checks that nothing is left that
Snakemake would take as up to date.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from bad_inputs.cases import CASES, SOURCES, Case, run
from workflow import REPO, copy_project, planned_jobs, snakemake

from evaluation.core.findings import ERROR, ledger_balance

BY_NAME = {case.name: case for case in CASES}


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_bad_input(case: Case, tmp_path):
    outcome = run(case, tmp_path)
    errors = [f for f in outcome.findings if f.severity == ERROR]
    if case.severity == ERROR:
        assert outcome.stopped, "the run must stop on this file"
    else:
        assert not outcome.stopped and not errors, outcome.message
    for expect in case.expect:
        matching = [f for f in outcome.findings if expect.matches(f)]
        assert matching, f"no finding like {expect} in:\n{outcome.message}"
        for finding in matching:
            # the message a researcher reads names file, sheet, row, column and value
            assert finding.render() in outcome.message
            assert expect.file in outcome.message
    if case.severity == ERROR:
        unexpected = [f for f in errors if not any(e.matches(f) for e in case.expect)]
        assert not unexpected, "errors the catalogue does not list:\n" + "\n".join(
            f.render() for f in unexpected
        )
    for text in case.hidden:
        assert text not in outcome.message
        for finding in outcome.findings:
            assert text not in " ".join(str(v) for v in vars(finding).values())
    if case.severity != ERROR and outcome.ledger is not None:
        balance = ledger_balance(outcome.ledger)
        assert len(balance) and balance["balanced"].all(), balance
    if case.verify:
        case.verify(outcome)


def test_catalogue_has_forty_distinct_cases_covering_every_source():
    names = [case.name for case in CASES]
    assert len(names) == len(set(names)) >= 40
    assert {case.source for case in CASES} == set(SOURCES)
    for source in SOURCES:
        kinds = {case.severity for case in CASES if case.source == source}
        assert ERROR in kinds, f"no error case for {source}"
    builds = {(case.runner, case.build) for case in CASES}
    assert len(builds) == len(CASES)  # no two cases build the same file


def test_catalogue_covers_the_contract_warnings_and_accepted_files():
    severities = {case.name: case.severity for case in CASES}
    for name in (
        "tracker_formula_cell",
        "tracker_review_after_closure",
        "mothers_csv_saved_by_excel_in_cp1252",
        "segments_duplicate_segment_coder_theme",
    ):
        assert severities[name] == "warning", name
    for name in (
        "mothers_csv_utf8_bom",
        "practitioners_utf8_bom",
        "tracker_trailing_empty_rows_and_columns",
        "mothers_csv_trailing_empty_columns_and_rows",
        "tracker_day_first_dates_accepted",
    ):
        assert severities[name] == "accepted", name


# --------------------------------------------------------------------------- pipeline level

PIPELINE_CASES = {
    # case -> (where the configured file lives in the project, outputs that must be rebuilt)
    "tracker_unknown_category": (
        "data/raw/case_tracker/eastwood_park.xlsx",
        ["read_case_tracker", "case_tracker_at_cutoff", "audit_logs"],
    ),
    "mothers_sav_reversed_value_labels": (
        "data/raw/surveys/mothers_T1.sav",
        ["survey_read_mothers", "survey_mothers_at_cutoff", "audit_logs"],
    ),
    "segments_email_in_excerpt": (
        "data/raw/qualitative/coded_segments.csv",
        ["qualitative_read", "qualitative_tables", "audit_logs"],
    ),
}


@pytest.fixture(scope="module")
def built_project(tmp_path_factory):
    """A scratch project with every output built once from the example data."""
    if not (REPO / "data/raw/case_tracker/eastwood_park.xlsx").exists():
        pytest.skip("example data not generated")
    workdir = copy_project(tmp_path_factory.mktemp("corpus_pipeline"))
    snakemake(workdir)
    return workdir


PIPELINE_CASE_NAMES = sorted(PIPELINE_CASES)


@pytest.fixture(scope="module")
def failed_runs(built_project, tmp_path_factory):
    """Case name -> (scratch project after the failed run, snakemake output), built on demand."""
    runs: dict[str, tuple[Path, str]] = {}

    def get(name: str) -> tuple[Path, str]:
        if name not in runs:
            folder = tmp_path_factory.mktemp(name)
            workdir = folder / "project"
            shutil.copytree(built_project, workdir, symlinks=True)
            target, _ = PIPELINE_CASES[name]
            shutil.copyfile(run_builder_only(BY_NAME[name], folder / "case"), workdir / target)
            result = snakemake(workdir, check=False)
            assert result.returncode != 0, "the run must stop"
            runs[name] = (workdir, result.stdout + result.stderr)
        return runs[name]

    return get


@pytest.mark.pipeline
@pytest.mark.parametrize("name", PIPELINE_CASE_NAMES)
def test_bad_input_stops_the_pipeline_naming_the_file(name, failed_runs):
    workdir, output = failed_runs(name)
    target, _ = PIPELINE_CASES[name]
    assert "data error(s) stop the run" in output
    assert target in output  # the message names the configured file
    assert "Traceback" not in output.split("data error(s) stop the run")[0][-200:]


@pytest.mark.pipeline
@pytest.mark.parametrize("name", PIPELINE_CASE_NAMES)
def test_after_a_bad_input_snakemake_plans_to_rebuild_the_affected_outputs(name, failed_runs):
    workdir, _ = failed_runs(name)
    _, rules = PIPELINE_CASES[name]
    dry = snakemake(workdir, "--dry-run", check=False)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    jobs = planned_jobs(dry.stdout)
    for rule in rules:
        assert jobs.get(rule), f"{rule} would not be rebuilt"


def run_builder_only(case: Case, folder: Path) -> Path:
    """The broken file a case builds (for qualitative cases, its coded segments)."""
    folder.mkdir(parents=True, exist_ok=True)
    inputs = case.build(folder)
    return Path(inputs.get("path") or inputs["coded_segments"])
