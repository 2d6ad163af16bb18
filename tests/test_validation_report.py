"""The validation report: every check per source with its result and counts, and the ledger."""

from __future__ import annotations

import json

import pandas as pd
from bad_inputs.cases import CASES, run

from evaluation.core.codebook import load_codebook
from evaluation.core.findings import FindingLog, Ledger
from evaluation.validation_report import (
    build_report,
    check_results,
    column_catalogue,
    reader_check_names,
    write_validation_report,
)

CASE = {case.name: case for case in CASES}


def _findings_of(name: str, tmp_path) -> pd.DataFrame:
    outcome = run(CASE[name], tmp_path)
    log = FindingLog(source="")
    log.findings.extend(outcome.findings)
    return log.to_frame()


def _row(checks: pd.DataFrame, source: str, check: str, scope: str | None = None) -> pd.Series:
    keep = (checks["source"] == source) & (checks["check"] == check)
    if scope is not None:
        keep &= checks["scope"] == scope
    rows = checks[keep]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_catalogue_has_every_codebook_column_and_the_readers_rule_checks():
    catalogue = column_catalogue()
    codebook = load_codebook()
    baseline = [c for s, c, _ in catalogue["case_tracker"] if s == "Baseline"]
    assert baseline == list(codebook["case_tracker"]["sheets"]["Baseline"]["columns"])
    assert [c for s, c, _ in catalogue["activity"]] == list(codebook["activity"]["columns"])
    assert "review_after_closure" in reader_check_names("case_tracker")
    assert "formula_cell" in reader_check_names("case_tracker")
    assert "identifier_guard" in reader_check_names("qualitative")
    assert "encoding" in reader_check_names("practitioner_survey")


def test_clean_log_passes_every_check():
    checks = check_results(FindingLog(source="").to_frame())
    assert len(checks) > 100
    assert set(checks["result"]) == {"pass"}
    assert (checks[["errors", "warnings"]] == 0).all().all()


def test_corpus_findings_land_on_their_checks(tmp_path):
    findings = pd.concat(
        [
            _findings_of("tracker_unknown_category", tmp_path / "a"),
            _findings_of("tracker_formula_cell", tmp_path / "b"),
            _findings_of("segments_email_in_excerpt", tmp_path / "c"),
            _findings_of("activity_minutes_601", tmp_path / "d"),
        ],
        ignore_index=True,
    )
    checks = check_results(findings)
    ethnicity = _row(checks, "case_tracker", "ethnicity", "Baseline")
    assert (ethnicity["errors"], ethnicity["result"]) == (1, "errors")
    assert ethnicity["kind"] == "column"
    formula = _row(checks, "case_tracker", "formula_cell")
    assert (formula["warnings"], formula["result"]) == (1, "warnings")
    guard = _row(checks, "qualitative", "identifier_guard")
    assert (guard["errors"], guard["result"]) == (1, "errors")
    minutes = _row(checks, "activity", "minutes")
    assert (minutes["errors"], minutes["result"]) == (1, "errors")
    # every finding is counted exactly once
    assert checks["errors"].sum() + checks["warnings"].sum() == len(findings)
    assert _row(checks, "case_tracker", "age", "Baseline")["result"] == "pass"


def test_report_files_ledger_and_determinism(tmp_path):
    ledger = Ledger()
    ledger.read("case_tracker", "a.xlsx", "Baseline", "mother", 10)
    ledger.used("case_tracker", "a.xlsx", "Baseline", "mother", 8)
    ledger.excluded("case_tracker", "a.xlsx", "Baseline", "mother", "fully blank row", 2)
    ledger.read("activity", "log.xlsx", "Log", "diary entry", 5)
    ledger.used("activity", "log.xlsx", "Log", "diary entry", 4)  # one row lost
    findings = _findings_of("tracker_formula_cell", tmp_path / "case")
    findings_csv, ledger_csv = tmp_path / "log.csv", tmp_path / "ledger.csv"
    findings.to_csv(findings_csv, index=False)
    ledger.to_frame().to_csv(ledger_csv, index=False)
    outputs = [tmp_path / "out" / "report.md", tmp_path / "out" / "report.json"]
    write_validation_report(findings_csv, ledger_csv, *outputs)
    first = [p.read_bytes() for p in outputs]
    write_validation_report(findings_csv, ledger_csv, *outputs)
    assert [p.read_bytes() for p in outputs] == first
    data = json.loads(outputs[1].read_text())
    assert data["all_balanced"] is False
    tracker = data["sources"]["case_tracker"]
    assert (tracker["rows_read"], tracker["rows_used"], tracker["rows_excluded"]) == (10, 8, 2)
    assert tracker["warnings"] == 2 and tracker["with_warnings"] == 2  # formula; child count
    activity = [r for r in data["ledger"] if r["source"] == "activity"][0]
    assert (activity["read"], activity["used"], activity["balanced"]) == (5, 4, False)
    markdown = outputs[0].read_text()
    assert "Ledger balanced (rows read = used + excluded): NO" in markdown
    assert "| Baseline | fully blank row |" not in markdown  # exclusions table has the step
    assert "| read | fully blank row | 2 |" in markdown
    assert "formula_cell" in markdown and "warnings" in markdown


def test_report_of_an_empty_run_is_valid():
    report = build_report(FindingLog(source="").to_frame(), Ledger().to_frame())
    assert report["all_balanced"] and report["errors"] == report["warnings"] == 0
    assert set(report["sources"]) == set(column_catalogue())
