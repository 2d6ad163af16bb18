"""The benchmark harness's bookkeeping (benchmarks/run.py): job counts, rule times, targets.

The harness itself runs outside the test suite (it takes many minutes); these
tests check the parts that turn its measurements into results.json.
"""

from __future__ import annotations

import importlib.util
import json
import sys

import pytest
from workflow import REPO

spec = importlib.util.spec_from_file_location("bench_run", REPO / "benchmarks" / "run.py")
bench = importlib.util.module_from_spec(spec)
sys.modules["bench_run"] = bench
spec.loader.exec_module(bench)

SNAKEMAKE_LOG = """\
Building DAG of jobs...
[Thu Nov 26 18:20:03 2026]
localrule read_case_tracker:
    input: data/raw/case_tracker/send.xlsx
    jobid: 4
    reason: Missing output files
[Thu Nov 26 18:20:03 2026]
rule survey_read_mothers:
    input: data/raw/surveys/mothers_T1.sav
    jobid: 14
[Thu Nov 26 18:20:10 2026]
Finished jobid: 4 (Rule: read_case_tracker)
1 of 3 steps (33%) done
[Thu Nov 26 18:20:13 2026]
Finished jobid: 14 (Rule: survey_read_mothers)
2 of 3 steps (67%) done
[Thu Nov 26 18:20:13 2026]
localrule read_case_tracker:
    jobid: 5
[Thu Nov 26 18:20:15 2026]
Finished jobid: 5 (Rule: read_case_tracker)
3 of 3 steps (100%) done
"""


def test_jobs_run_counts_steps_and_no_op():
    assert bench.jobs_run(SNAKEMAKE_LOG) == 3
    assert bench.jobs_run("Nothing to be done (all requested files are present)") == 0
    assert bench.jobs_run('{"files": 9}') is None


def test_rule_seconds_sums_each_rules_jobs_from_start_to_finish():
    rules = bench.rule_seconds(SNAKEMAKE_LOG)
    assert rules == {
        "read_case_tracker": {"jobs": 2, "seconds": 9.0},
        "survey_read_mothers": {"jobs": 1, "seconds": 10.0},
    }
    assert list(rules) == ["survey_read_mothers", "read_case_tracker"]  # longest first


def test_job_memory_keeps_each_rules_largest_job():
    samples = {
        "read_case_tracker:prison=send": {"peak_mb": 600.0, "seen_s": 20.0},
        "read_case_tracker:prison=eastwood_park": {"peak_mb": 650.5, "seen_s": 18.0},
        "render_report:": {"peak_mb": 500.0, "seen_s": 2.0},
    }
    assert bench.job_memory(samples) == {
        "read_case_tracker": {"jobs": 2, "peak_mb": 650.5, "max_s": 20.0},
        "render_report": {"jobs": 1, "peak_mb": 500.0, "max_s": 2.0},
    }


def test_summary_is_median_min_max_and_largest_memory():
    samples = [
        {"seconds": 3.0, "peak_mb": 100.0, "peak_tree_mb": 150.0, "jobs": 5},
        {"seconds": 1.0, "peak_mb": 300.0, "peak_tree_mb": 310.0, "jobs": 5},
        {"seconds": 2.0, "peak_mb": 200.0, "peak_tree_mb": None, "jobs": 5},
    ]
    summary = bench.summarise("cold", samples)
    assert (summary["median_s"], summary["min_s"], summary["max_s"]) == (2.0, 1.0, 3.0)
    assert (summary["peak_mb"], summary["peak_tree_mb"], summary["runs"]) == (300.0, 310.0, 3)


def result(median, tree_mb=None):
    return {"median_s": median, "peak_mb": 100.0, "peak_tree_mb": tree_mb}


def test_targets_pass_and_fail_on_the_issue_limits():
    results = {
        "floor": result(1.0),
        "cold": result(4.5),
        "trivial_noop": result(1.0),
        "noop": result(1.4),
        "template": result(3.2),
        "x10": result(10.0),
        "x100": result(20.0),
        "x1000": result(59.0, tree_mb=2100.0),
    }
    checks = {c["target"]: c for c in bench.check_targets(results, [10, 100, 1000])}
    assert checks["cold full run <= 4 x floor"]["value"] == 4.5
    assert checks["cold full run <= 4 x floor"]["pass"] is False
    assert checks["no-op <= 1.5 s"]["pass"] is True
    assert checks["template edit <= 3 s"]["pass"] is False
    assert checks["x1000 end to end <= 60 s"]["pass"] is True
    assert checks["x1000 peak memory <= 2 GB"]["pass"] is False  # the whole process tree counts
    growth = checks["growth x10 -> x1000 no faster than linear"]
    assert growth["value"] == pytest.approx(0.385, abs=1e-3) and growth["pass"] is True


def test_growth_faster_than_linear_fails():
    results = {"x10": result(1.0), "x1000": result(1000.0)}
    (check,) = bench.check_targets(results, [10, 1000])[-1:]
    assert check["value"] == pytest.approx(1.5) and check["pass"] is False


def test_unmeasured_targets_are_not_applicable():
    checks = bench.check_targets({}, [])
    assert [c["pass"] for c in checks] == [None, None, None]


def test_committed_results_file_has_every_target_and_measurement():
    results = json.loads((REPO / "benchmarks" / "results.json").read_text(encoding="utf-8"))
    assert {"date", "git", "machine", "load_average", "measurements", "targets"} <= set(results)
    for name in ("floor", "trivial_noop", "cold", "noop", "template", "add_wave"):
        measurement = results["measurements"][name]
        assert measurement["runs"] >= 3
        assert measurement["min_s"] <= measurement["median_s"] <= measurement["max_s"]
    targets = {c["target"] for c in results["targets"]}
    assert "x1000 end to end <= 60 s" in targets and "no-op <= 1.5 s" in targets


def test_scratch_copies_leave_outputs_out_and_carry_compiled_bytecode(tmp_path):
    copy = bench.copy_project(tmp_path / "copy")
    assert (copy / "Snakefile").is_file() and not (copy / ".git").exists()
    compiled = list((copy / "src" / "evaluation").rglob("__pycache__/*.pyc"))
    sources = list((copy / "src" / "evaluation").rglob("*.py"))
    assert len(compiled) == len(sources)  # every module, so no run compiles one again


def test_scratch_copies_leave_virtual_environments_out(tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    (repo / ".venv" / "lib").mkdir(parents=True)
    (repo / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (repo / ".venv" / "lib" / "big.so").write_bytes(b"x" * 1000)
    (repo / "src" / "evaluation").mkdir(parents=True)
    (repo / "src" / "evaluation" / "__init__.py").write_text("")
    (repo / "Snakefile").write_text("")
    monkeypatch.setattr(bench, "ROOT", repo)
    copy = bench.copy_project(tmp_path / "copy")
    assert (copy / "Snakefile").is_file() and (copy / "src" / "evaluation").is_dir()
    assert not (copy / ".venv").exists()


def test_modified_paths_keep_every_letter_of_the_first_path():
    porcelain = " M benchmarks/README.md\n M src/evaluation/tables.py\nM  rules/report.smk"
    assert bench.modified_paths(porcelain) == [
        "benchmarks/README.md",
        "rules/report.smk",
        "src/evaluation/tables.py",
    ]
    assert bench.modified_paths("") == []
