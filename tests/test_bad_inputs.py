"""The bad-input corpus (tests/bad_inputs/cases.py): every case stops or warns as the contract says.

Each case builds one broken file and runs the reader the pipeline runs on it.
An error case must stop with a message naming the file, sheet, row, column
and value; a warning case must not stop, and its ledger must still balance;
an accepted case gives no error. Free text is never printed. A pipeline-level
test runs three cases through Snakemake and checks that nothing is left that
Snakemake would take as up to date.

`evaluation validate` and the pipeline give the same verdict on every case
(tests/bad_inputs/parity.py): stop with the same errors, or warn with the same
data-quality log, or accept; the strands' steps as the rules call them for
every case, a real Snakemake run for a few.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from bad_inputs.cases import (
    CASES,
    SOURCES,
    Case,
    append_rows,
    extra_sheet,
    formula_cell,
    qualitative,
    run,
    sheet_copy,
)
from bad_inputs.parity import (
    finding_key,
    missing_file_key,
    pipeline_verdict,
    study_config,
    validate_verdict,
)
from workflow import REPO, copy_project, planned_jobs, snakemake

from evaluation.core.codebook import use_codebook
from evaluation.core.findings import ERROR, ledger_balance
from evaluation.validate import validate_all

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
        "tracker_hidden_older_baseline_copy",  # an old backup: counted in the log, not read
        "tracker_hidden_baseline_copy_in_an_older_layout",
        "activity_formula_cell_read_by_its_saved_result",
    ):
        assert severities[name] == "warning", name
    for name in (  # issue 19: these were read without a word
        "tracker_hidden_newer_baseline_copy",  # which sheet is current cannot be told
        "tracker_total_row_below_data",  # never excluded on a guess: the row is named
        "tracker_excel_error_value",
        "tracker_formula_without_saved_result",
        "tracker_damaged_sheet_xml",
        "activity_hidden_newer_log_copy",
        "activity_total_row_below_data",
    ):
        assert severities[name] == ERROR, name
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


@pytest.mark.parametrize(
    ("cell", "summary"),
    [
        ("Total", True),
        ("TOTALS:", True),
        ("Grand total", True),
        ("Sub-total", True),
        ("Average", True),
        ("Mean (age)", True),
        ("Count: 48", True),
        ("Total Care Ltd", False),  # a register's record, not a total
        ("Countywide Family Service", False),
        ("Meanwood", False),
        ("N", False),  # a yes/no answer in column A
        ("EP-014", False),
    ],
)
def test_a_summary_label_is_a_whole_cell(cell, summary):
    from evaluation.core.excel import SUMMARY_LABEL

    assert bool(SUMMARY_LABEL.match(cell)) is summary


# --------------------------------------------------------------------------- validate = pipeline


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_validate_and_the_pipeline_give_the_same_verdict(case: Case, tmp_path):
    """`evaluation validate` stops, warns (with the same findings) or accepts as the steps do."""
    (tmp_path / "case").mkdir()
    inputs = case.build(tmp_path / "case")
    cfg = study_config(case.runner, inputs)
    steps = pipeline_verdict(cfg, tmp_path / "steps")
    checked = validate_verdict(cfg)
    assert steps.verdict != "crash", steps.describe()
    assert (checked.verdict, checked.errors) == (steps.verdict, steps.errors), (
        f"pipeline: {steps.describe()}\nvalidate: {checked.describe()}"
    )
    if steps.verdict != "stop":
        assert checked.warnings == steps.warnings


def test_a_missing_optional_file_stops_validate_as_it_stops_the_run(tmp_path):
    """A configured names file that is not there: the run stops before any job, and so does validate.

    `evaluation validate` used to skip the file and accept (quotes unchecked against the names).
    """
    (tmp_path / "case").mkdir()
    cfg = study_config("read_qualitative", qualitative()(tmp_path / "case"))
    cfg["qualitative"]["disallowed_names"] = str(tmp_path / "names_typo.txt")
    steps = pipeline_verdict(cfg, tmp_path / "steps")
    checked = validate_verdict(cfg)
    assert steps.verdict == checked.verdict == "stop", checked.describe()
    assert steps.errors == checked.errors == [missing_file_key("names_typo.txt")]
    (finding,) = validate_all(cfg).errors
    assert "check config key 'qualitative: disallowed_names'" in finding.message


# --------------------------------------------------------------------------- validate = Snakemake

SNAKEMAKE_PARITY = {
    # name -> (configured file in the project, change to it, verdict of both)
    "hidden_older_baseline_copy": (
        "data/raw/case_tracker/eastwood_park.xlsx",
        sheet_copy("Baseline", "Baseline old"),
        "warn",
    ),
    "formula_without_saved_result": (
        "data/raw/case_tracker/eastwood_park.xlsx",
        formula_cell("Children", "C3", "=YEAR(TODAY())-2014"),
        "stop",
    ),
    "extra_sheet_named_with_a_prison_number": (
        "data/raw/case_tracker/send.xlsx",
        lambda path: extra_sheet(path, "A1234BC notes"),
        "stop",
    ),
    "diary_total_row_below_data": (
        "data/raw/activity/activity_log.xlsx",
        append_rows("Log", ["Total", None, None, None, None, "=SUM(F2:F9)"]),
        "stop",
    ),
}


@pytest.mark.pipeline
@pytest.mark.parametrize("name", sorted(SNAKEMAKE_PARITY))
def test_validate_and_a_snakemake_run_give_the_same_verdict(
    name, built_project, tmp_path, monkeypatch
):
    """The example study with one file changed: Snakemake's run and `evaluation validate` agree."""
    target, change, verdict = SNAKEMAKE_PARITY[name]
    workdir = tmp_path / "project"
    shutil.copytree(built_project, workdir, symlinks=True)
    change(workdir / target)
    result = snakemake(workdir, check=False)
    output = result.stdout + result.stderr
    monkeypatch.chdir(workdir)  # files named as the run names them
    try:
        summary = validate_all("config.yaml")
    finally:
        use_codebook(None)  # validate chose the copy's codebook for this process
    assert ("stop" if result.returncode else "warn") == verdict, output[-3000:]
    assert ("stop" if summary.errors else "warn") == verdict, summary.render()
    if verdict == "stop":
        assert "data error(s) stop the run" in output
        for finding in summary.errors:
            if finding.check == "identifier_guard":  # the run names its log's line instead
                found = finding.message.split(" contains ")[1].split(";")[0]
                assert f"contains {found}; remove or pseudonymise it" in output
            else:
                assert finding.render() in output, finding.render()
    else:
        log = pd.read_csv(
            workdir / "data/processed/audit/data_quality_log.csv", dtype=str, keep_default_na=False
        )
        assert not summary.errors and (log["severity"] != ERROR).all()
        logged = sorted(finding_key(r) for r in log.to_dict("records"))
        assert logged == sorted(finding_key(f) for f in summary.warnings)
        assert any(f.check == "sheet_copy" for f in summary.warnings)


def test_validate_on_the_diary_alone_stops_on_a_prison_number_without_printing_it(tmp_path):
    """Held-out act_prison_number_canonical: `evaluation validate activity_log.xlsx` said
    "The pipeline can run on these files" (no tracker ids to compare with)."""
    (tmp_path / "case").mkdir()
    inputs = BY_NAME["activity_prison_number_as_case_id"].build(tmp_path / "case")
    cfg = study_config("read_activity", inputs)
    summary = validate_all(cfg, [str(inputs["path"])])
    assert [(f.row, f.column, f.value) for f in summary.errors] == [(4, "case_id", None)]
    assert "looks like a prison number" in summary.errors[0].message
    assert "K4821QT" not in summary.render(max_warnings=None)
