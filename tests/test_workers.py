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

if __name__ != "__main__":  # multiprocessing re-running this script in a worker
    open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "ran-in-a-worker"), "w").close()
else:
    from evaluation.runtime import pool as workers

    workers.start(2)
    print(workers.active(), workers.call(os.getpid) != os.getpid())
    workers.stop()
"""


def test_a_worker_re_runs_the_main_script_before_its_first_step(tmp_path):
    # the contract says so: multiprocessing's own preparation of a forkserver worker
    # (the snakemake console script: an import of snakemake.cli), nothing of ours
    script = tmp_path / "main_script.py"
    script.write_text(MAIN_SCRIPT)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["True", "True"]
    assert (tmp_path / "ran-in-a-worker").exists()


def test_a_main_script_without_a_file_runs_the_steps_in_process(tmp_path):
    # python - < script: a worker could not re-run "<stdin>", so there is no pool
    done = subprocess.run(
        [sys.executable, "-"],
        input=MAIN_SCRIPT,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.split() == ["False", "False"]


def test_without_forkserver_there_is_no_pool_and_steps_run_here(monkeypatch):
    from evaluation.runtime.workflow import pool_job_threads, uses_worker_pool

    monkeypatch.setattr(workers, "forkserver_available", lambda: False)  # as on Windows
    assert not workers.available()
    workers.start(2)
    try:
        assert not workers.active()
        assert workers.call(os.getpid) == os.getpid()
    finally:
        workers.stop()
    assert not uses_worker_pool(fake_workflow())  # jobs then take a core each
    assert pool_job_threads(fake_workflow()) == 1


def test_the_platform_guard_asks_multiprocessing_for_forkserver():
    import multiprocessing

    has_it = "forkserver" in multiprocessing.get_all_start_methods()
    assert workers.forkserver_available() is has_it
    if sys.platform.startswith("linux"):
        assert workers.available()


def test_steps_in_process_run_one_at_a_time():
    # without the pool, job threads of one process compute their steps in turn
    # (matplotlib and the package's caches are not thread-safe)
    running, overlaps = [], []

    def step():
        running.append(1)
        overlaps.append(len(running))
        time.sleep(0.05)
        running.pop()

    threads = [threading.Thread(target=workers.call, args=(step,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert overlaps == [1, 1, 1, 1]


def test_every_step_in_a_worker_is_followed_by_the_release(monkeypatch):
    released = []
    monkeypatch.setattr(workers, "release_free_memory", lambda: released.append(True))
    assert workers._portable(len, "abc") == 3
    with pytest.raises(DataValidationError):
        workers._portable(fail_with_findings)
    assert released == [True, True]


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


def test_rules_declare_pool_threads_and_slots_exactly_when_their_step_goes_to_the_pool():
    import re
    from pathlib import Path

    from evaluation.runtime import IN_PROCESS_STEPS

    root = Path(__file__).resolve().parents[1]
    checked = 0
    for path in sorted((root / "rules").glob("*.smk")):
        for block in re.split(r"\n(?=\s*rule\b)", path.read_text()):
            step = re.search(r'run_step\(\s*"([^"]+)"', block)
            if not step:
                continue
            pooled = "threads: pool_step_threads" in block
            assert pooled == (step.group(1) not in IN_PROCESS_STEPS), (path.name, step.group(1))
            assert pooled == ("pool_slots=pool_step_slots" in block), (path.name, step.group(1))
            checked += 1
    assert checked >= 25


def test_in_process_steps_skip_the_pool(pool, monkeypatch, tmp_path):
    import evaluation.runtime as steps

    called = []
    monkeypatch.setattr(steps, "IN_PROCESS_STEPS", frozenset({"report.key_facts"}))
    monkeypatch.setattr(steps, "run_logged", lambda *args: called.append(os.getpid()))
    monkeypatch.setattr(workers, "call", lambda *args: called.append("pool"))
    steps.run_step("report.key_facts", [], [], [], [str(tmp_path / "log")])
    steps.run_step("report.audit_logs", [], [], [], [str(tmp_path / "log")])
    assert called == [os.getpid(), "pool"]


def test_end_of_run_stops_the_workers():
    from evaluation.runtime.workflow import end_of_run

    workers.start(2)
    end_of_run()
    assert not workers.active()


class FakeWorkflow:
    """What ``reserve_pool_slots`` reads of Snakemake's workflow object."""

    def __init__(self, cores, resources=None):
        self.resource_settings = types.SimpleNamespace(cores=cores)
        self.global_resources = dict(resources or {})

    def register_resource(self, name, value):
        self.global_resources[name] = value


@pytest.mark.parametrize(
    ("cores", "given", "expected"),
    [(2, {}, 4), (8, {}, 16), (2, {"pool_slots": 5}, 5), (1, {}, None), (None, {}, None)],
)
def test_pool_slots_are_two_per_core_unless_given(cores, given, expected):
    from evaluation.runtime.workflow import reserve_pool_slots

    workflow = FakeWorkflow(cores, given)
    reserve_pool_slots(workflow)
    assert workflow.global_resources.get("pool_slots") == expected


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
    ("changes", "pooled"),
    [
        ({}, True),
        ({"cores": 1}, False),  # one core: steps run where the job runs
        ({"cores": None}, False),  # no --cores (a dry run, a lint)
        ({"local": False}, False),  # a cluster executor submits the jobs
        ({"main": False}, False),  # a job on a cluster node
        ({"threads": False}, False),  # a process per job (no workflow profile)
        ({"settings": False}, False),  # while the Snakefile is parsed
    ],
)
def test_pool_jobs_declare_no_threads_only_when_the_pool_bounds_the_cpu(changes, pooled):
    from evaluation.runtime.workflow import pool_job_threads, uses_worker_pool

    workflow = fake_workflow(**changes)
    assert uses_worker_pool(workflow) is pooled
    assert pool_job_threads(workflow) == (0 if pooled else 1)


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
