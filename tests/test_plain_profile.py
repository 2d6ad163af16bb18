"""profiles/plain: one process per job and no worker pool give the default run's outputs, byte for byte.

The default run (``final_run``: jobs as threads, steps in the pool's worker
processes) and a run with Snakemake's own execution (a new process per job,
every step computed in its job's process) must not differ in any output: the
pool changes where a step runs, never what it writes.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from workflow import copy_project, snakemake

#: What the two runs are compared on: every file under these folders.
COMPARED = ("data/processed/tables", "report/tables", "figures", "report/build")


def output_digests(workdir: Path) -> dict[str, str]:
    """Relative path -> SHA-256 of every file under the compared folders."""
    digests = {}
    for folder in COMPARED:
        for path in sorted((workdir / folder).rglob("*")):
            if path.is_file():
                digests[path.relative_to(workdir).as_posix()] = hashlib.sha256(
                    path.read_bytes()
                ).hexdigest()
    return digests


@pytest.fixture(scope="module")
def plain_run(tmp_path_factory) -> Path:
    """The example project run with ``--workflow-profile profiles/plain`` in a scratch copy."""
    workdir = copy_project(tmp_path_factory.mktemp("plain"))
    snakemake(workdir, "--workflow-profile", "profiles/plain")
    return workdir


@pytest.mark.pipeline
def test_the_plain_profile_writes_the_default_runs_bytes(final_run, plain_run):
    default, plain = output_digests(final_run), output_digests(plain_run)
    assert set(plain) == set(default)
    assert not sorted(path for path in default if plain[path] != default[path])
    for built in ("report.html", "report.docx", "report.md"):
        assert f"report/build/{built}" in default
    assert any(path.startswith("data/processed/tables/") for path in default)
    assert any(path.startswith("report/tables/") for path in default)
    assert any(path.endswith(".png") for path in default)
    assert any(path.endswith(".svg") for path in default)


@pytest.mark.pipeline
def test_under_the_plain_profile_every_job_takes_a_core(plain_run):
    # a job hands its step to the pool only as a thread of the Snakemake process
    dry = snakemake(
        plain_run,
        "--dry-run",
        "--forcerun",
        "publish_activity",
        "--workflow-profile",
        "profiles/plain",
    ).stdout
    assert "rule publish_activity:" in dry
    assert "threads: 0" not in dry
