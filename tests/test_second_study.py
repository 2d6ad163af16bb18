"""The second example study, run from its own folder: every published number, and what it shows.

examples/recurrent-care-mapping is a different study from the first (a register of local
authorities, not mothers; tables grouped by region rows; one survey deduplicated by
organisation; interviews with coded profiles). Its published figures are in its
targets.yaml; the workflow, run with ``--directory``, must reproduce each one exactly.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from evaluation.core.tidy import read_csv

REPO = Path(__file__).resolve().parents[1]
STUDY = REPO / "examples" / "recurrent-care-mapping"
TARGETS = yaml.safe_load((STUDY / "targets.yaml").read_text(encoding="utf-8"))
COUNT_TABLES = [
    "survey_interview_responses",
    "services_by_region",
    "fdac_by_region",
    "who_services_work_with",
    "timing_of_intervention",
]
#: The published table's column names -> the pipeline's (Table 1 prints one column of counts).
COLUMN_NAMES = {"survey_interview_responses": {"n": "n"}}


def published_cells(table_id: str):
    """(row, column, n) of every cell of a published table in targets.yaml."""
    target = TARGETS["tables"][table_id]
    for row, counts in target["rows"].items():
        for column, n in zip(target["columns"], counts, strict=True):
            yield row, COLUMN_NAMES.get(table_id, {}).get(column, column), n


@pytest.mark.parametrize("table_id", COUNT_TABLES)
def test_every_cell_of_tables_1_to_5_is_reproduced(second_study_run, table_id):
    table = read_csv(second_study_run / "report" / "tables" / f"{table_id}.csv")
    cells = {(r, c): n for r, c, n in zip(table["row"], table["column"], table["n"], strict=True)}
    expected = list(published_cells(table_id))
    for row, column, n in expected:
        assert cells.get((row, column)) == n, (table_id, row, column)
    assert len(cells) == len(expected)  # no cell beyond the published ones
    assert table["pct"].isna().all()  # the study prints counts only


def test_table_6_lists_the_core_components_in_the_published_order(second_study_run):
    table = read_csv(second_study_run / "report" / "tables" / "core_components.csv")
    assert list(table["row"]) == TARGETS["tables"]["core_components"]["items"]
    assert (table["n"] >= 1).all() and (table["denominator"] == 21).all()


FACTS = {  # targets.yaml fact -> the register's fact (codebook/register.yaml facts)
    "survey_organisations": "survey_organisations",
    "pause_practices_operating": "pause_practices_operating",
    "pause_authorities": "pause_authorities",
    "local_service_areas_operating": "local_service_areas_operating",
    "local_service_providers_operating": "local_service_providers_operating",
    "local_service_areas_in_development": "local_service_areas_in_development",
    "local_service_areas_by_local_authority": "local_service_areas_by_local_authority",
    "local_service_areas_by_third_sector": "local_service_areas_by_third_sector",
    "third_sector_providers_in_several_authorities": (
        "third_sector_providers_in_several_authorities"
    ),
    "no_service_authorities": "no_service_authorities",
    "unknown_authorities": "unknown_authorities",
    "fdac_teams": "fdac_teams",
    "fdac_courts": "fdac_courts",
    "fdac_authorities": "fdac_authorities",
    "interviewed_services": "interviewed_services",
    "external_evaluation": "external_evaluation",
    "internal_evaluation": "internal_evaluation",
    "own_name": "own_name",
    "contraception_condition": "contraception_condition",
    "fathers_in_own_right": "fathers_in_own_right",
}


def test_every_published_fact_is_computed(second_study_run):
    facts = json.loads(
        (second_study_run / "report" / "build" / "context" / "register.json").read_text()
    )
    published = TARGETS["facts"]
    for target, fact in FACTS.items():
        assert facts[fact] == published[target], target
    assert (
        facts["local_service_areas_operating"] + facts["local_service_areas_in_development"]
        == (published["local_service_areas"])
    )
    assert [facts["caseload_low"], facts["caseload_high"]] == published["caseload_per_worker"]
    assert [facts["team_size_smallest"], facts["team_size_largest"]] == published["team_size"]
    assert facts["cross_region_services"] == published["cross_region_services"]["services"]
    assert facts["cross_region_service_regions"] == published["cross_region_services"]["regions"]
    assert facts["survey_responses"] == published["survey_answered_twice"]["responses"] + (
        published["survey_organisations"] - published["survey_answered_twice"]["organisations"]
    )


def test_the_report_is_built_in_html_and_word_and_marked_synthetic(second_study_run):
    build = second_study_run / "report" / "build"
    markdown = (build / "report.md").read_text(encoding="utf-8")
    html = (build / "report.html").read_text(encoding="utf-8")
    assert (build / "report.docx").stat().st_size > 10_000
    assert "SYNTHETIC EXAMPLE DATA" in markdown and "SYNTHETIC EXAMPLE DATA" in html
    for table_id in [*COUNT_TABLES, "core_components", "joint_display"]:
        assert f"{{#tbl-{table_id}}}" in markdown, table_id
    assert re.search(r"Interview \d+", markdown)  # quotes attributed to the interview
    # the published text's claim is not forced: the computed share is printed
    n, base, pct = TARGETS["known_inconsistencies"]["no_service_share"]
    assert f"{n} of the {base}" in markdown and f"{pct}%" in markdown


def test_the_register_tables_are_exempt_with_their_reasons(second_study_run):
    log = json.loads((second_study_run / "report" / "build" / "disclosure_log.json").read_text())
    exempt = {o["output"]: o["reason"] for o in log["outputs"] if o["status"] == "exempt"}
    for table_id in COUNT_TABLES:
        assert exempt.get(table_id), table_id  # exempt, with a reason shown
    markdown = (second_study_run / "report" / "build" / "report.md").read_text(encoding="utf-8")
    assert exempt["services_by_region"] in markdown


def test_the_duplicate_response_and_the_excluded_responses_are_in_the_ledger(second_study_run):
    ledger = read_csv(second_study_run / "data" / "processed" / "audit" / "ledger.csv")
    survey = ledger[ledger["file"].str.endswith("provider_survey.csv")]
    reasons = dict(zip(survey["reason"].fillna(""), survey["rows"], strict=True))
    assert reasons["another response for the same organisation (the latest kept)"] == 1
    assert reasons["Status is Survey Preview"] == 1
    assert reasons["Finished is False"] == 1
    from evaluation.core.findings import ledger_balance

    assert ledger_balance(ledger)["balanced"].all()  # every step: read = used + excluded
    markdown = (second_study_run / "report" / "build" / "report.md").read_text(encoding="utf-8")
    assert "All sources balance." in markdown


def test_no_free_text_of_the_register_reaches_an_output(second_study_run):
    import openpyxl

    notes = set()
    book = openpyxl.load_workbook(STUDY / "data/raw/mapping/mapping_workbook.xlsx")
    for sheet in book:
        rows = list(sheet.iter_rows(values_only=True))
        if "Notes" in rows[0]:
            column = rows[0].index("Notes")
            notes |= {str(r[column]).strip() for r in rows[1:] if r[column]}
    assert notes
    outputs = [
        *second_study_run.joinpath("report").rglob("*.csv"),
        *second_study_run.joinpath("report").rglob("*.md"),
        *second_study_run.joinpath("report").rglob("*.json"),
        second_study_run / "report" / "build" / "report.html",
    ]
    for path in outputs:
        text = path.read_text(encoding="utf-8")
        leaked = [note for note in notes if len(note) > 12 and note in text]
        assert not leaked, (path.name, leaked[:1])


def test_the_package_names_no_region_authority_pause_or_fdac():
    pattern = re.compile(
        r"\bPause\b|FDAC|[Ll]ocal [Aa]uthorit|North East|North West|Yorkshire|East Midlands|"
        r"West Midlands|East of England|London|South East|South West"
    )
    found = [
        f"{path.relative_to(REPO)}:{number}"
        for path in sorted((REPO / "src" / "evaluation").rglob("*"))
        if path.is_file() and path.suffix in {".py", ".yaml", ".j2", ".md", ".lua", ".css"}
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if pattern.search(line)
    ]
    assert found == []


def test_validate_agrees_with_the_run_on_the_second_study(second_study_run, monkeypatch):
    from evaluation.core import codebook
    from evaluation.validate import validate_all

    monkeypatch.chdir(second_study_run)
    try:
        summary = validate_all("config.yaml")
    finally:
        codebook.use_codebook(None)
    assert not summary.errors  # the run completed, so the files have no errors
    rows = {check.name: check.rows_read for check in summary.checks if check.kind == "register"}
    assert rows == {"mapping": 231, "survey": 16, "interviews": 21, "profiles": 21}


def test_a_study_written_by_new_study_runs_to_a_report(new_study_run):
    build = new_study_run / "report" / "build"
    assert (build / "report.html").exists() and (build / "report.docx").exists()
    table = read_csv(new_study_run / "report" / "tables" / "answers_by_group.csv")
    total = table[(table["row"] == "Total") & (table["column"] == "Records")]
    assert list(total["n"]) == [6]
    assert "6 records" in (build / "report.md").read_text(encoding="utf-8")


def test_with_min_cell_an_intruder_recovers_no_small_count(second_study_protected_run):
    # the interviews are people: the theme matrix and Table 6 are protected; Table 6's
    # counts are theme-matrix rows summed over the groups, a relation the pipeline and
    # the intruder both use (without it, 16 matrix cells were recoverable)
    from intruder import audit_project

    assert audit_project(second_study_protected_run, 5) == {"small_visible": [], "recovered": []}
    log = json.loads(
        (second_study_protected_run / "report" / "build" / "disclosure_log.json").read_text()
    )
    status = {o["output"]: o["status"] for o in log["outputs"]}
    assert status["core_components"] == "pass" and status["services_by_region"] == "exempt"
