"""Disclosure control in the real workflow: k = 5 and k = 10, a third small prison, planted leaks.

Workflow layer: each protected project is built once per session (see
``protected_run`` in conftest) and reused by every test here and by the
independent intruder's tests.
"""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
from workflow import snakemake

from evaluation.core import codebook
from evaluation.core.tidy import read_csv
from evaluation.disclosure import DisclosureError
from evaluation.release_bundle import verify_release_bundle
from evaluation.report.inert import unescape
from evaluation.stages.report import stop_on_failed_audit

pytestmark = pytest.mark.pipeline

EXEMPT = {k for k, v in codebook.all_table_specs().items() if v.get("disclosure") == "exempt"}
COUNT_FIELDS = {"n", "denominator", "pairs", "opened", "closed"}


def visible_small_counts(workdir, k) -> list[str]:
    """Counts from 1 to k-1 left visible in any protected table or the key facts."""
    found = []
    for path in sorted((workdir / "report/tables").glob("*.csv")):
        if path.stem in EXEMPT:
            continue
        table = read_csv(path)
        for column in table.columns:
            if column in COUNT_FIELDS or column.startswith("n_"):
                values = pd.to_numeric(table[column], errors="coerce")
                for index in values[values.between(1, k - 1)].index:
                    found.append(f"{path.name} line {index + 2} {column}={values[index]}")
    return found


@pytest.mark.parametrize("k", [5, 10])
def test_every_output_passes_the_audit_and_no_small_count_is_visible(protected_run, k):
    workdir = protected_run(k)
    log = json.loads((workdir / "report/build/disclosure_log.json").read_text())
    assert log["min_cell"] == k
    statuses = {entry["output"]: entry["status"] for entry in log["outputs"]}
    assert set(statuses.values()) <= {"pass", "exempt"}, statuses
    assert any(name.startswith("report:") for name in statuses)  # the prose is audited too
    for entry in log["outputs"]:
        if entry["status"] == "pass" and entry["audit"]["suppressed_cells"]:
            assert entry["audit"]["narrowest_interval"] is None or (
                entry["audit"]["narrowest_interval"] >= k
            ), entry["output"]
    assert visible_small_counts(workdir, k) == []


@pytest.mark.parametrize("k", [5, 10])
def test_release_bundle_opens_as_sacro_viewer_expects(protected_run, k):
    workdir = protected_run(k)
    bundle = workdir / "report/build/release"
    assert verify_release_bundle(bundle) == []
    results = json.loads((bundle / "results.json").read_text())
    assert results["version"].startswith("0.4")
    tables = {p.stem for p in (workdir / "report/tables").glob("*.csv")}
    assert tables <= set(results["results"])  # one entry per published table
    assert "report" in results["results"]
    workbook = results["results"]["tables_workbook"]  # the tables as one spreadsheet
    assert [item["name"] for item in workbook["files"]] == ["tables.xlsx"]
    assert workbook["status"] == "pass"
    for output in results["results"].values():
        for item in output["files"]:
            assert (bundle / item["name"]).exists()
            digest = (bundle / "checksums" / f"{item['name']}.txt").read_text()
            assert len(digest) == 64


def test_prose_prints_only_protected_numbers(protected_run):
    workdir = protected_run(5)
    report = (workdir / "report/build/report.md").read_text()
    facts = read_csv(workdir / "report/tables/key_facts.csv")
    hidden_facts = facts[facts["n"].isna() & (facts["column"] == "Total")]["fact"].tolist()
    assert hidden_facts, "the example data have suppressed key facts at k = 5"
    assert "[c]" in report
    context = json.loads((workdir / "report/build/context/case_tracker.json").read_text())
    assert context["excluded_mothers"] == {
        "referred but not started (no first_contact_date)": "[c]"
    }
    assert "[c] referred but not started" in report
    assert "Non-zero counts below 5 are suppressed" in report
    # the ledger's counts give group sizes: withheld from the appendix under min_cell
    appendix = unescape(report.split("# Appendix A")[1].split("# Appendix B")[0])  # as read
    assert "| case_tracker | eastwood_park.xlsx | Baseline | read | [c] | [c] | [c] |" in appendix


def test_a_small_third_prison_is_protected_everywhere(third_prison_run):
    workdir = third_prison_run
    legal = read_csv(workdir / "report/tables/legal_status.csv")
    assert "Low Newton" in set(legal["column"])
    for path in (workdir / "report/tables").glob("*.csv"):
        table = read_csv(path)
        if path.stem in EXEMPT or "column" not in table.columns or "denominator" not in table:
            continue
        bases = table.loc[table["column"] == "Low Newton", "denominator"]
        assert bases.isna().all(), path.name  # 7 mothers: below k = 10 in every table
    log = json.loads((workdir / "report/build/disclosure_log.json").read_text())
    assert {e["status"] for e in log["outputs"]} <= {"pass", "exempt"}
    assert visible_small_counts(workdir, 10) == []
    report = (workdir / "report/build/report.md").read_text()
    assert "Low Newton [c]" in report


def test_a_template_that_prints_an_undeclared_number_stops_the_run(protected_run, tmp_path):
    source = protected_run(5)
    workdir = tmp_path / "leak"
    shutil.copytree(source, workdir, ignore=shutil.ignore_patterns(".snakemake"))
    section = workdir / "report/templates/sections/surveys.md.j2"
    section.write_text(
        section.read_text()
        + '\nLeft blank at T1: {{ results.surveys.missing_by_reason.T1["Left blank"] }}\n'
    )
    result = snakemake(
        workdir, "--config", "disclosure={min_cell: 5}", "--", "render_report", check=False
    )
    assert result.returncode != 0
    log = (workdir / "logs/report/render.log").read_text()
    assert "missing_by_reason.T1.Left blank" in log and "report_numbers" in log
    assert not (workdir / "report/build/report.md").exists()


def test_a_failed_audit_stops_the_run_naming_the_output_and_cell():
    log = [
        {
            "output": "age_group",
            "status": "fail",
            "audit": {
                "narrow_cells": ["age_group, row '18-24', column 'Send' (n)"],
                "small_unsuppressed": [],
            },
        },
        {"output": "ethnicity", "status": "pass", "audit": {}},
    ]
    with pytest.raises(DisclosureError, match=r"age_group: age_group, row '18-24', column 'Send'"):
        stop_on_failed_audit(log, 5, "report/build/disclosure_log.json")
    stop_on_failed_audit(log, None, "report/build/disclosure_log.json")  # flags only: no stop


def test_without_min_cell_the_tables_are_published_as_computed(final_run):
    for path in sorted((final_run / "report/tables").glob("*.csv")):
        computed = final_run / "data/processed/tables" / path.name
        assert path.read_bytes() == computed.read_bytes(), path.name
    log = json.loads((final_run / "report/build/disclosure_log.json").read_text())
    assert log["min_cell"] is None
    assert {e["status"] for e in log["outputs"]} <= {"pass", "review", "exempt"}
    assert not (final_run / "report/build/release").exists()
