"""The SLURM profile (profiles/slurm): valid, and accepted by Snakemake in a dry run.

The SLURM profile is dry-run with ``--executor local`` when the plugin
(snakemake-executor-plugin-slurm) is not installed, and as it is when it is.
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
    args = ["--profile", "profiles/slurm"]
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
    output = dry_run(project, "--profile", "profiles/slurm")
    assert "This was a dry-run" in output
