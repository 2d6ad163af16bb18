"""Snakefile helpers: code versions as params, and when the worker pool runs (``pool``)."""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

import evaluation
from evaluation.runtime import pool as workers

#: The package's folder: code versions are taken of the files under it.
PACKAGE_DIR = Path(evaluation.__file__).resolve().parent

#: What every step runs besides its own strand or stage: the strand-free core
#: and the runtime that calls the step.
ENGINE_PARTS = ("core", "runtime")


def code_versions(paths) -> list[str]:
    """A rule's ``params`` entries for files it depends on: ``"<path> sha256:<digest>"``.

    Snakemake does not track code a rule imports, nor the codebook it reads.
    Recorded with the rule's params, an edit to any of these files re-runs
    the rule, and the rerun reason names the file with its digest before and
    now. Digests are of the file's bytes, so touching a file without
    changing it re-runs nothing.
    """
    return [f"{path} sha256:{_file_digest(str(path), _file_state(path))}" for path in paths]


def _file_state(path) -> tuple[int, int, int]:
    state = os.stat(path)
    return state.st_ino, state.st_size, state.st_mtime_ns


@functools.cache
def _file_digest(path: str, state: tuple[int, int, int]) -> str:
    """SHA-256 of a file, hashed once per path, size and modification time (rules share files)."""
    with open(path, "rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def package_part_files(part: str) -> list[Path]:
    """Every file of one part of the package (a folder or a module), in a stable order."""
    path = PACKAGE_DIR / part
    if path.is_file():
        return [path]
    return sorted(
        file for file in path.rglob("*") if file.is_file() and "__pycache__" not in file.parts
    )


def package_version(part: str) -> str:
    """``"evaluation/<part> sha256:<digest>"``: one digest over every file of ``part``.

    The digest covers each file's path within the part and its bytes, so an
    edit, a new module or a removed one changes it.
    """
    digest = hashlib.sha256()
    base = PACKAGE_DIR / part
    for file in package_part_files(part):
        relative = file.relative_to(base).as_posix() if base.is_dir() else file.name
        digest.update(relative.encode() + b"\0")
        digest.update(_file_digest(str(file), _file_state(file)).encode() + b"\n")
    return f"evaluation/{part} sha256:{digest.hexdigest()}"


def strand_parts(strand: str) -> list[str]:
    """The package parts a strand's steps run: the engine and the strand's own package.

    A strand imports nothing else (``tests/test_layout.py`` checks it), so
    these parts hold every line of code its rules can run.
    """
    return [*ENGINE_PARTS, f"strands/{strand}"]


def shared_parts() -> list[str]:
    """The package parts the shared stages (report, audit, provenance) run: all but the strands."""
    parts = []
    for entry in sorted(PACKAGE_DIR.iterdir()):
        if entry.name in {"strands", "__pycache__"} or entry.name.startswith("."):
            continue
        if entry.is_dir() or entry.suffix == ".py":
            parts.append(entry.name)
    return parts


def jobs_are_threads(workflow) -> bool:
    """Whether this Snakemake process runs its jobs as threads of itself (``profiles/default``).

    Only the main process of a local run with ``force-use-threads`` does; a
    run with a process per job (``profiles/plain``), a cluster run and a job
    on a node do not.
    """
    settings = getattr(workflow, "execution_settings", None)
    return bool(
        workflow.is_main_process
        and settings is not None
        and settings.use_threads
        and getattr(workflow, "local_exec", True)
    )


def uses_worker_pool(workflow) -> bool:
    """Whether this Snakemake run hands its steps to the worker pool (``workers``).

    Jobs that are threads of this process (``jobs_are_threads``) with two
    cores or more do, where the platform can start workers
    (``pool.available``); a run with a process per job, a cluster run, a job
    on a node and a one-core run compute each step where its job runs.
    """
    return jobs_are_threads(workflow) and (_cores(workflow) or 1) >= 2 and workers.available()


def _cores(workflow) -> int | None:
    """``--cores`` as Snakemake resolved it (None where it has none, e.g. on a cluster)."""
    return getattr(getattr(workflow, "resource_settings", None), "cores", None)


def job_threads(workflow) -> int:
    """The ``threads:`` of every rule with a step: 0 when jobs are threads of this process, else 1.

    A job that is a thread of the Snakemake process only waits: for a worker
    of the pool, which bounds the CPU by ``--cores`` and orders the steps
    (``pool``, "In what order"), or, without the pool, for its turn at the
    lock that computes one step at a time. Declared with zero threads (which
    Snakemake supports: such jobs take no core), every job starts as soon as
    it is ready, so Snakemake never holds a ready job back. That matters for
    the rate limit ``profiles/default`` sets (``no_held_back_jobs``). A job
    that is a process of its own takes one core.
    """
    return 0 if jobs_are_threads(workflow) else 1


#: Resources Snakemake itself gives every run; any other comes from ``--resources``.
SNAKEMAKE_RESOURCES = frozenset({"_cores", "_nodes"})


def no_held_back_jobs(workflow) -> None:
    """Stop a threaded run in which Snakemake could hold ready jobs back while it re-checks them.

    ``profiles/default`` sets ``max-jobs-per-timespan: 1000/0s``: Snakemake
    then re-checks its ready jobs at once after each hand-out instead of
    leaving a one-second timer that the process waits for when it exits
    (about a second of every run with jobs). While a ready job is held back,
    that re-check repeats without pause. Zero-thread jobs (``job_threads``)
    are never held back for cores; a limit given with ``--resources`` could
    hold them, so such a run is stopped here with what to do instead.
    """
    limit = getattr(getattr(workflow, "scheduling_settings", None), "max_jobs_per_timespan", None)
    known = getattr(workflow, "execution_settings", None) is not None
    if not known or not workflow.is_main_process or limit is None or limit.timespan > 0:
        return
    if not jobs_are_threads(workflow):
        raise ValueError(
            "Snakemake's rate limit is off (max-jobs-per-timespan 1000/0s, from "
            "profiles/default), but this run's jobs are processes, which Snakemake holds back "
            "when --jobs or --cores are taken, and would then re-check without pause. Run a "
            "cluster with its profile in place of the default one (--workflow-profile "
            "profiles/slurm), or add --max-jobs-per-timespan 100/1s (Snakemake's default)."
        )
    limited = sorted(
        name
        for name, value in workflow.global_resources.items()
        if name not in SNAKEMAKE_RESOURCES and getattr(value, "value", value) is not None
    )
    if limited:
        raise ValueError(
            f"--resources {', '.join(limited)} would hold ready jobs back, and with "
            "profiles/default's max-jobs-per-timespan of 1000/0s Snakemake would re-check them "
            "without pause. The worker pool already bounds the CPU by --cores; to limit "
            "resources as well, add --max-jobs-per-timespan 100/1s (Snakemake's default)."
        )


def start_of_run(cores: int) -> None:
    """What the Snakefile's onstart does when jobs run as threads of this process: start the workers."""
    workers.start(cores)


def end_of_run() -> None:
    """What the Snakefile's onsuccess and onerror handlers do: stop the workers."""
    workers.stop()
