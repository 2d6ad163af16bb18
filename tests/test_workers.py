"""The worker pool (its contract in evaluation.runtime.pool), the picklable step arguments, and
that the execution layer patches no private internal of Snakemake or the standard library."""

from __future__ import annotations

import ast
import os
import pickle
import re
import subprocess
import sys
import threading
import time
import types
from pathlib import Path

import pytest
from snakemake.iocontainers import Namedlist

from evaluation.core.findings import ERROR, DataValidationError, Finding
from evaluation.runtime import StepFiles, step_files, workers

REPO = Path(__file__).resolve().parents[1]


class NeedsTwoArguments(Exception):
    """An exception whose constructor pickle cannot call again."""

    def __init__(self, what, where):
        super().__init__(f"{what} at {where}")


def fail_with_findings():
    raise DataValidationError(
        [
            Finding(
                severity=ERROR,
                source="case_tracker",
                file="a.xlsx",
                message="not a date",
                sheet="Mothers",
                row=7,
                column="first_contact_date",
                value="31/02/2022",
            )
        ]
    )


def fail_unpicklably():
    raise NeedsTwoArguments("bad thing", "row 3")


@pytest.fixture
def pool():
    workers.start(2)
    yield
    workers.stop()


def test_steps_run_in_another_process_when_the_pool_is_on(pool):
    assert workers.active()
    assert workers.call(os.getpid) != os.getpid()


def test_without_the_pool_steps_run_here():
    assert not workers.active()
    assert workers.call(os.getpid) == os.getpid()


def test_one_core_means_no_pool():
    workers.start(1)
    try:
        assert not workers.active()
    finally:
        workers.stop()


def test_a_data_error_crosses_the_process_boundary_with_its_findings(pool):
    with pytest.raises(DataValidationError) as raised:
        workers.call(fail_with_findings)
    assert str(raised.value) == str(DataValidationError(raised.value.findings))
    assert "first_contact_date" in str(raised.value)
    assert raised.value.findings[0].value == "31/02/2022"


def test_an_exception_that_cannot_be_pickled_still_reports_its_message(pool):
    with pytest.raises(workers.StepError, match="NeedsTwoArguments: bad thing at row 3"):
        workers.call(fail_unpicklably)


def test_data_validation_error_pickles():
    error = DataValidationError(
        [Finding(severity=ERROR, source="s", file="f.csv", message="bad", row=2, column="c")]
    )
    copy = pickle.loads(pickle.dumps(error))
    assert str(copy) == str(error)
    assert copy.findings == error.findings


def test_step_files_keep_items_names_and_survive_pickling():
    named = Namedlist(["a.csv", ["b.csv", "c.csv"]])
    named._set_name("first", 0)
    named._set_name("rest", 1)
    files = pickle.loads(pickle.dumps(step_files(named)))
    assert isinstance(files, StepFiles)
    assert files.first == "a.csv" and files.rest == ["b.csv", "c.csv"]
    assert files[0] == "a.csv"
    assert dict(files.items()) == {"first": "a.csv", "rest": ["b.csv", "c.csv"]}
    assert files.get("missing", 5) == 5
    assert type(files.first) is str


def test_code_versions_name_each_file_with_the_digest_of_its_bytes(tmp_path):
    import hashlib

    from evaluation.runtime.workflow import code_versions

    first, second = tmp_path / "first.py", tmp_path / "second.py"
    first.write_text("x = 1\n")
    second.write_text("x = 1\n")
    digest = hashlib.sha256(b"x = 1\n").hexdigest()
    assert code_versions([first, second]) == [
        f"{first} sha256:{digest}",
        f"{second} sha256:{digest}",
    ]
    edited = tmp_path / "edited.py"
    edited.write_text("x = 2\n")
    assert code_versions([edited]) != code_versions([first])
    assert code_versions([]) == []


FREE_HEAP_SCRIPT = """
import os
from evaluation.runtime.pool import release_free_memory

def resident_mb():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

release_free_memory()  # first call imports pyarrow: not part of what is measured
before = resident_mb()
large = bytearray(4 * 2**20)
del large  # a freed large block raises glibc's mmap threshold: 1 MB blocks go on the heap
blocks, pinned = [], []
for _ in range(300):
    block = bytearray(2**20)
    block[::4096] = b"x" * len(block[::4096])  # touch every page
    blocks.append(block)
    pinned.append(bytearray(4096))  # a live block after each: freeing cannot shrink the heap
del blocks, block
kept = resident_mb()
release_free_memory()
print(before, kept, resident_mb())
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc malloc_trim")
def test_freed_heap_memory_goes_back_to_the_system():
    # a fresh interpreter: the test process's own heap already has room to reuse
    done = subprocess.run(
        [sys.executable, "-c", FREE_HEAP_SCRIPT], capture_output=True, text=True, check=True
    )
    before, kept, after = map(float, done.stdout.split())
    assert kept > before + 250  # without the release the process keeps what it freed
    assert after < kept - 250


FREEZE_SCRIPT = """
import gc
import weakref
from evaluation.runtime.pool import release_free_memory

class Node:
    pass

survivor = Node()
garbage = Node()
garbage.itself = garbage  # a reference cycle: only the cyclic collector frees it
garbage_alive = weakref.ref(garbage)
del garbage
release_free_memory()
print(garbage_alive() is None, any(obj is survivor for obj in gc.get_objects()))
"""


def test_the_release_collects_cycles_then_freezes_the_survivors():
    # a fresh interpreter: freezing the test process would hide its garbage from gc
    done = subprocess.run(
        [sys.executable, "-c", FREEZE_SCRIPT], capture_output=True, text=True, check=True
    )
    cycle_collected, survivor_still_scanned = done.stdout.split()
    assert cycle_collected == "True"  # collected before the freeze, not frozen with it
    assert survivor_still_scanned == "False"  # later collections skip it


MAIN_SCRIPT = """
import os

if __name__ != "__main__":  # something re-running this script in a worker
    open(os.path.join(os.getcwd(), "ran-in-a-worker"), "w").close()
else:
    from evaluation.runtime import pool as workers

    workers.start(2)
    print(workers.active(), workers.call(os.getpid) != os.getpid())
    workers.stop()
"""


@pytest.mark.parametrize("how", ["file", "stdin"])
def test_a_worker_never_re_runs_the_main_script(tmp_path, how):
    # the snakemake console script is the Snakemake process's main script:
    # a worker starts from evaluation.runtime.worker alone, whatever that is
    script = tmp_path / "main_script.py"
    script.write_text(MAIN_SCRIPT)
    command = [sys.executable, str(script)] if how == "file" else [sys.executable, "-"]
    done = subprocess.run(
        command,
        input=None if how == "file" else MAIN_SCRIPT,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.split() == ["True", "True"]
    assert not (tmp_path / "ran-in-a-worker").exists()


def test_without_an_interpreter_to_start_there_is_no_pool_and_steps_run_here(monkeypatch):
    from evaluation.runtime.workflow import job_threads, uses_worker_pool

    monkeypatch.setattr(sys, "executable", "")  # as in an interpreter embedded in a program
    assert not workers.available()
    workers.start(2)
    try:
        assert not workers.active()
        assert workers.call(os.getpid) == os.getpid()
    finally:
        workers.stop()
    assert not uses_worker_pool(fake_workflow())
    assert job_threads(fake_workflow()) == 0  # still threads: they wait for the step lock


def test_workers_start_with_the_first_step_not_with_the_pool():
    # a run that only re-renders the report hands no step to the pool
    workers.start(2)
    try:
        assert workers.active() and not workers._pool._threads
        workers.call(len, "x")
        assert len(workers._pool._threads) == 2
    finally:
        workers.stop()


def print_then_answer(value):
    print("a step's own output, on standard output")
    return value


def test_what_a_step_prints_does_not_corrupt_its_answer(capfd):
    workers.start(2)  # here, so the workers inherit the captured standard error
    try:
        assert workers.call(print_then_answer, {"rows": 3}) == {"rows": 3}
        assert workers.call(print_then_answer, [1, 2]) == [1, 2]
    finally:
        workers.stop()
    assert "a step's own output" in capfd.readouterr().err


def die_hard():
    os._exit(3)


def test_a_worker_that_dies_fails_its_step_and_is_replaced(pool):
    with pytest.raises(workers.WorkerDied, match="exit code 3"):
        workers.call(die_hard)
    pids = {workers.call(os.getpid) for _ in range(6)}
    assert pids and os.getpid() not in pids


def test_a_worker_whose_warm_up_fails_still_computes_steps(tmp_path, monkeypatch):
    # outside a study folder the codebook cannot be parsed ahead: the steps that
    # need it fail themselves, with the codebook's own message
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("EVALUATION_CODEBOOK", raising=False)
    workers.start(2)
    try:
        assert workers.call(len, "ab") == 2
    finally:
        workers.stop()


def unpicklable_result():
    return threading.Lock()


def test_a_result_that_cannot_cross_back_fails_with_its_type(pool):
    with pytest.raises(workers.StepError, match="cannot be sent back: TypeError"):
        workers.call(unpicklable_result)
    assert workers.call(len, "four") == 4  # the worker goes on


KEPT = []


def keep_objects_and_count_frozen():
    import gc

    KEPT.append([object() for _ in range(500)])
    return gc.get_freeze_count()


def test_every_step_in_a_worker_is_followed_by_the_release():
    # one worker's steps in turn: what a step kept alive is frozen before the next
    workers.start(2)
    try:
        counts = [workers.call(keep_objects_and_count_frozen) for _ in range(6)]
    finally:
        workers.stop()
    assert counts == sorted(counts) and counts[-1] - counts[0] >= 500


def started_then_slept(seconds):
    started = time.time()
    time.sleep(seconds)
    return started


def test_queued_steps_run_urgent_first_then_background_in_arrival_order(pool):
    # one worker is held for 2 s, the other for 0.4 s: the three queued steps
    # then run one after another on the second, in the queue's order
    started = {}

    def run(name, seconds, background=False):
        started[name] = workers.call(started_then_slept, seconds, background=background)

    queued = [
        threading.Thread(target=run, args=("short blocker", 0.4)),
        threading.Thread(target=run, args=("long blocker", 2.0)),
        threading.Thread(target=run, args=("figure 1", 0.05, True)),
        threading.Thread(target=run, args=("figure 2", 0.05, True)),
        threading.Thread(target=run, args=("tables", 0.05)),
    ]
    for thread in queued:
        thread.start()
        time.sleep(0.05)  # arrive in this order
    for thread in queued:
        thread.join()
    assert (
        started["tables"] < started["figure 1"] < started["figure 2"] < started["long blocker"] + 2
    )


def test_in_process_steps_name_real_steps_that_rules_call():
    import importlib
    from pathlib import Path

    from evaluation.runtime import IN_PROCESS_STEPS

    root = Path(__file__).resolve().parents[1]
    rules = "\n".join(p.read_text() for p in (root / "rules").glob("*.smk"))
    for name in IN_PROCESS_STEPS:
        module, function = name.rsplit(".", 1)
        assert callable(getattr(importlib.import_module(f"evaluation.{module}"), function))
        assert f'run_step("{name}"' in rules


def test_every_rule_with_a_step_declares_job_threads_and_no_pool_slots():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    checked = 0
    for path in sorted((root / "rules").glob("*.smk")):
        for block in re.split(r"\n(?=\s*rule\b)", path.read_text()):
            step = re.search(r'run_step\(\s*"([^"]+)"', block)
            if not step:
                continue
            assert "threads: job_threads" in block, (path.name, step.group(1))
            assert "pool_slots" not in block, (path.name, step.group(1))
            checked += 1
    assert checked >= 25


def test_figure_steps_are_background_steps_and_others_are_not():
    from evaluation.runtime import is_figure_step

    assert is_figure_step("strands.case_tracker.steps.case_tracker_figure")
    assert is_figure_step("strands.activity.steps.activity_figures")
    assert not is_figure_step("strands.surveys.steps.survey_mothers_tables")
    assert not is_figure_step("stages.report.key_facts")


def test_in_process_steps_skip_the_pool(pool, monkeypatch, tmp_path):
    import evaluation.runtime as steps

    called = []
    monkeypatch.setattr(steps, "IN_PROCESS_STEPS", frozenset({"report.key_facts"}))
    monkeypatch.setattr(steps, "run_logged", lambda *args: called.append(os.getpid()))
    monkeypatch.setattr(workers, "call", lambda *args, **kwargs: called.append("pool"))
    steps.run_step("report.key_facts", [], [], [], [str(tmp_path / "log")])
    steps.run_step("report.audit_logs", [], [], [], [str(tmp_path / "log")])
    assert called == [os.getpid(), "pool"]


def test_end_of_run_stops_the_workers():
    from evaluation.runtime.workflow import end_of_run

    workers.start(2)
    end_of_run()
    assert not workers.active()


def guarded_workflow(timespan, resources=None, **changes):
    """A fake workflow with a rate limit of ``timespan`` seconds and ``--resources``."""
    workflow = fake_workflow(**changes)
    workflow.scheduling_settings = types.SimpleNamespace(
        max_jobs_per_timespan=types.SimpleNamespace(max_jobs=1000, timespan=timespan)
    )
    workflow.global_resources = {
        "_cores": types.SimpleNamespace(value=2),
        "_nodes": types.SimpleNamespace(value=None),
        **{name: types.SimpleNamespace(value=value) for name, value in (resources or {}).items()},
    }
    return workflow


@pytest.mark.parametrize(
    ("timespan", "resources", "changes", "stops"),
    [
        (0, {}, {}, None),  # profiles/default: zero-thread jobs, nothing holds them back
        (0, {}, {"cores": 1}, None),  # no pool: still threads, waiting for the step lock
        (0, {"mem_mb": 4000}, {}, "--resources mem_mb"),
        (1, {"mem_mb": 4000}, {}, None),  # Snakemake's default rate limit: no busy re-check
        (0, {}, {"local": False}, "--workflow-profile profiles/slurm"),
        (0, {}, {"threads": False}, "--max-jobs-per-timespan 100/1s"),
        (0, {}, {"main": False}, None),  # a job's own process schedules nothing
        (0, {}, {"settings": False}, None),  # not known yet: nothing to say
    ],
)
def test_a_run_that_could_hold_ready_jobs_back_without_a_rate_limit_stops(
    timespan, resources, changes, stops
):
    from evaluation.runtime.workflow import no_held_back_jobs

    workflow = guarded_workflow(timespan, resources, **changes)
    if stops is None:
        no_held_back_jobs(workflow)
    else:
        with pytest.raises(ValueError, match=re.escape(stops)):
            no_held_back_jobs(workflow)


def test_start_of_run_starts_the_workers():
    from evaluation.runtime.workflow import start_of_run

    start_of_run(2)
    try:
        assert workers.active()
    finally:
        workers.stop()


def fake_workflow(*, main=True, threads=True, local=True, cores=2, settings=True):
    from types import SimpleNamespace

    return SimpleNamespace(
        is_main_process=main,
        execution_settings=SimpleNamespace(use_threads=threads) if settings else None,
        local_exec=local,
        resource_settings=SimpleNamespace(cores=cores),
    )


@pytest.mark.parametrize(
    ("changes", "pooled", "threads"),
    [
        ({}, True, 0),
        ({"cores": 1}, False, 0),  # one core: steps run in the job threads, one at a time
        ({"cores": None}, False, 0),  # no --cores (a dry run, a lint)
        ({"local": False}, False, 1),  # a cluster executor submits the jobs
        ({"main": False}, False, 1),  # a job on a cluster node
        ({"threads": False}, False, 1),  # a process per job (profiles/plain)
        ({"settings": False}, False, 1),  # while the Snakefile is parsed
    ],
)
def test_jobs_take_no_core_exactly_when_they_are_threads_of_the_snakemake_process(
    changes, pooled, threads
):
    from evaluation.runtime.workflow import job_threads, uses_worker_pool

    workflow = fake_workflow(**changes)
    assert uses_worker_pool(workflow) is pooled
    assert job_threads(workflow) == threads


def external_names(tree: ast.Module) -> set[str]:
    """Names a module binds by importing something from outside the package."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {
                alias.asname or alias.name.split(".")[0]
                for alias in node.names
                if not alias.name.startswith("evaluation")
            }
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            if (node.module or "").startswith("evaluation"):
                continue
            names |= {alias.asname or alias.name for alias in node.names}
    return names


def patches(tree: ast.Module, external: set[str]) -> list[str]:
    """Assignments to (or deletions of) attributes of imported modules and classes, and setattr on them."""

    def root(expr):
        while isinstance(expr, ast.Attribute | ast.Subscript):
            expr = expr.value
        return expr.id if isinstance(expr, ast.Name) else None

    found = []
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign | ast.Delete):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        found += [
            ast.unparse(t) for t in targets if isinstance(t, ast.Attribute) and root(t) in external
        ]
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in {"setattr", "delattr"}
            and node.args
            and root(node.args[0]) in external
        ):
            found.append(ast.unparse(node))
    return found


def test_the_patch_finder_finds_the_patches_this_package_used_to_make():
    old = """
import multiprocessing.spawn
from snakemake.persistence import PersistenceBase

multiprocessing.spawn.get_preparation_data = lambda name: {}
PersistenceBase._serialize_param = property(lambda self: repr)
setattr(PersistenceBase, "_params", None)
local = {}
local["x"] = 1
"""
    tree = ast.parse(old)
    assert len(patches(tree, external_names(tree))) == 3


def test_nothing_outside_the_package_is_patched_by_the_package_or_the_workflow():
    # no name of Snakemake's or the standard library's is reassigned: the
    # execution layer uses public interfaces only
    found = []
    for path in sorted((REPO / "src" / "evaluation").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found += [f"{path.relative_to(REPO)}: {p}" for p in patches(tree, external_names(tree))]
    # the Snakefile and rules are Snakemake's language, not Python: their
    # imports and attribute assignments are found line by line
    for path in [REPO / "Snakefile", *sorted((REPO / "rules").glob("*.smk"))]:
        text = path.read_text(encoding="utf-8")
        imported = set(re.findall(r"^import ([\w.]+)(?: as (\w+))?", text, re.M))
        external = {"workflow", "snakemake"} | {
            alias or name.split(".")[0]
            for name, alias in imported
            if not name.startswith("evaluation")
        }
        external |= {
            (alias or name)
            for module, names in re.findall(r"^from ([\w.]+) import (.+)$", text, re.M)
            if not module.startswith("evaluation")
            for name, alias in re.findall(r"(\w+)(?: as (\w+))?", names)
        }
        for line in text.splitlines():
            assigned = re.match(r"\s*(\w+)\.[\w.]+\s*(?:=(?!=)|\+=)", line)
            if (assigned and assigned.group(1) in external) or re.search(r"\bsetattr\(", line):
                found.append(f"{path.relative_to(REPO)}: {line.strip()}")
    assert found == []
