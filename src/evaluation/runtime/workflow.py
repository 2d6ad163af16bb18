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


def uses_worker_pool(workflow) -> bool:
    """Whether this Snakemake run hands its steps to the worker pool (``workers``).

    Only the main process of a local run whose jobs are threads of it
    (``profiles/default``) with two cores or more does, where the platform
    can start workers (``pool.available``: no ``forkserver`` on Windows); a
    run with a process per job (``profiles/plain``), a cluster run, a job on
    a node and a one-core run compute each step where its job runs.
    """
    settings = getattr(workflow, "execution_settings", None)
    return bool(
        workflow.is_main_process
        and settings is not None
        and settings.use_threads
        and getattr(workflow, "local_exec", True)
        and (_cores(workflow) or 1) >= 2
        and workers.available()
    )


def _cores(workflow) -> int | None:
    """``--cores`` as Snakemake resolved it (None where it has none, e.g. on a cluster)."""
    return getattr(getattr(workflow, "resource_settings", None), "cores", None)


def pool_job_threads(workflow) -> int:
    """Threads a job declares whose step can go to the worker pool: 0 when it does, else 1.

    With the pool on, a job's thread only waits while one of the ``--cores``
    workers computes its step: the pool, not Snakemake's core count, bounds
    the CPU. Declared with zero threads (which Snakemake supports: such jobs
    take no core), the next jobs start while the workers are busy, so each
    worker finds its next step queued instead of idling while Snakemake
    finishes the last job and schedules the next (10-60 ms a job). Steps that
    run in the Snakemake process (HTML, Word, manifest) keep one thread.
    """
    return 0 if uses_worker_pool(workflow) else 1


#: The Snakemake resource that bounds how many pool steps are handed out at once.
POOL_SLOTS = "pool_slots"


def pool_job_slots(workflow) -> int:
    """The ``pool_slots`` a job whose step can go to the worker pool takes: 1 when it does, else 0."""
    return 1 if uses_worker_pool(workflow) else 0


def reserve_pool_slots(workflow) -> int | None:
    """Let Snakemake hand out at most two pool steps per core at once; the limit set, if any.

    Zero-thread jobs (``pool_job_threads``) take no core, so without a limit
    Snakemake starts every ready job at once, and the pool runs them first
    in, first out: when the 22 figures became ready together, the mothers'
    tables and everything after them (publishing, key facts, the report's
    Markdown) waited behind them. With two slots per core, each worker has a
    step running and one queued, while Snakemake chooses which ready jobs go
    next (by ``priority:``, then the larger inputs first), so the steps that
    others wait for are not stuck behind the figures. (One slot more than
    the cores was slower: a worker sometimes waited for Snakemake to hand
    out its next step.) Called when the Snakefile is parsed; a value given
    with ``--resources pool_slots=N`` is kept. Without two cores, or without
    a pool, jobs take no slots.
    """
    cores = _cores(workflow)
    if not isinstance(cores, int) or cores < 2 or POOL_SLOTS in workflow.global_resources:
        return None
    workflow.register_resource(POOL_SLOTS, 2 * cores)
    return 2 * cores


def start_of_run(cores: int) -> None:
    """What the Snakefile's onstart does when jobs run as threads of this process: start the workers."""
    workers.start(cores)


def end_of_run() -> None:
    """What the Snakefile's onsuccess and onerror handlers do: stop the workers."""
    workers.stop()
