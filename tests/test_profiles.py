"""The profiles: default (jobs as threads, the pool), plain (a process per job), SLURM.

The SLURM profile is dry-run with ``--executor local`` when the plugin
(snakemake-executor-plugin-slurm) is not installed, and as it is when it is.
Resources are uniform: the SLURM profile's ``default-resources`` give every
rule its memory and run time, and a rule declares its own only where it needs
more, with a comment saying why.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from workflow import REPO, copy_project

SLURM = REPO / "profiles" / "slurm" / "config.yaml"
DEFAULT = REPO / "profiles" / "default" / "config.yaml"
PLAIN = REPO / "profiles" / "plain" / "config.yaml"
HAS_SLURM_PLUGIN = importlib.util.find_spec("snakemake_executor_plugin_slurm") is not None


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def dry_run(project: Path, *args: str) -> str:
    """``snakemake --dry-run --forceall`` in ``project``: every job with its resources."""
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "--dry-run", "--forceall", *args],
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout + result.stderr


def job_resources(output: str) -> dict[str, list[str]]:
    """Rule name -> the ``resources:`` lines of its jobs in a dry run's output."""
    jobs: dict[str, list[str]] = {}
    rule = None
    for line in output.splitlines():
        found = re.match(r"^(?:local)?rule (\w+):", line)
        if found:
            rule = found.group(1)
        elif rule and line.strip().startswith("resources:"):
            jobs.setdefault(rule, []).append(line.strip())
    return jobs


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return copy_project(tmp_path_factory.mktemp("profiles"))


def test_slurm_profile_declares_executor_and_default_resources():
    profile = load(SLURM)
    assert profile["executor"] == "slurm"
    assert isinstance(profile["jobs"], int) and profile["jobs"] > 0
    assert profile["latency-wait"] >= 5
    defaults = profile["default-resources"]
    assert {"slurm_partition", "mem_mb", "runtime"} <= set(defaults)
    assert isinstance(defaults["mem_mb"], int) and isinstance(defaults["runtime"], int)


def test_slurm_profile_has_no_plugin_options_so_it_dry_runs_without_the_plugin():
    plugin_keys = [key for key in load(SLURM) if key.startswith("slurm-")]
    assert plugin_keys == []


def test_slurm_profile_dry_run_gives_every_job_the_partition_and_memory(project):
    args = ["--workflow-profile", "profiles/slurm"]
    if not HAS_SLURM_PLUGIN:
        args += ["--executor", "local"]
    output = dry_run(project, *args)
    jobs = job_resources(output)
    assert "render_report" in jobs and "all" in jobs
    defaults = load(SLURM)["default-resources"]
    for rule, lines in jobs.items():
        for line in lines:
            assert f"slurm_partition={defaults['slurm_partition']}" in line, rule
            assert re.search(r"\bmem_mb=\d+", line), rule
            assert re.search(r"\bruntime=\d+", line), rule


@pytest.mark.skipif(not HAS_SLURM_PLUGIN, reason="snakemake-executor-plugin-slurm not installed")
def test_slurm_profile_dry_runs_with_the_plugin(project):
    output = dry_run(project, "--workflow-profile", "profiles/slurm")
    assert "This was a dry-run" in output


def test_the_default_profile_runs_jobs_as_threads_and_the_plain_one_as_processes():
    assert load(DEFAULT)["force-use-threads"] is True
    assert "force-use-threads" not in load(PLAIN)  # Snakemake's own: a process per run: job


@pytest.mark.parametrize("profile", [DEFAULT, PLAIN])
def test_workflow_profiles_leave_default_resources_to_the_cluster_profile(profile):
    # locally, memory and run time limit nothing; the SLURM profile, used in
    # their place, sets them for every rule
    assert "default-resources" not in load(profile)


def resource_blocks(text: str):
    """(rule, [entry lines]) for every ``resources:`` block of a rules file."""
    rule, lines = None, text.splitlines()
    for i, line in enumerate(lines):
        named = re.match(r"\s*rule\s+(\w+)\s*:", line) or re.match(r"\s*rule\s*:()", line)
        if named:
            rule = named.group(1) or "(made in a loop)"
        if line.strip() == "resources:":
            indent = len(line) - len(line.lstrip())
            block = []
            for entry in lines[i + 1 :]:
                if not entry.strip() or len(entry) - len(entry.lstrip()) <= indent:
                    break
                block.append(entry.strip())
            yield rule, block


def test_rules_declare_memory_or_run_time_only_where_they_differ_and_say_why():
    checked = 0
    for path in sorted((REPO / "rules").glob("*.smk")):
        for rule, block in resource_blocks(path.read_text(encoding="utf-8")):
            for i, entry in enumerate(block):
                key = entry.split("=", 1)[0]
                if key in {"mem_mb", "runtime"}:
                    checked += 1
                    assert entry not in {"mem_mb=1000,", "runtime=10,"}, (path.name, rule)
                    reasons = [e for e in block[:i] if e.startswith("#")]
                    assert reasons, f"{path.name} {rule}: {entry} without a comment saying why"
    assert checked >= 1


def test_slurm_profile_defaults_are_what_rules_without_their_own_get(project):
    args = ["--workflow-profile", "profiles/slurm"]
    if not HAS_SLURM_PLUGIN:
        args += ["--executor", "local"]
    jobs = job_resources(dry_run(project, *args))
    defaults = load(SLURM)["default-resources"]
    for rule in ("manifest", "read_case_tracker", "render_report"):
        for line in jobs[rule]:
            assert f"mem_mb={defaults['mem_mb']}," in line, rule
            assert f"runtime={defaults['runtime']}" in line, rule
    assert all("mem_mb=1500," in line for line in jobs["activity_read"])
