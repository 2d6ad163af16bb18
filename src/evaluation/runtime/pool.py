"""Persistent worker processes for the steps of one Snakemake run.

``profiles/default`` runs jobs as threads of the Snakemake process, because a
new Python process per job (Snakemake's default for ``run:``) costs about a
second of start-up each. Threads share one interpreter lock, though, so on
their own they compute one job at a time. The pool here gives the threads
real parallelism: each job thread hands its step to one of a few worker
processes and waits. The workers are forked from a server process that has
already imported pandas and pyarrow and parsed the codebook (``preload``), so
a worker starts in milliseconds; matplotlib and scipy are imported once per
worker by the first step that needs them.

The Snakefile turns the pool on at ``onstart`` when jobs run as threads in
the main Snakemake process, and shuts it down at ``onsuccess``/``onerror``.
Without it (one core, a cluster job, a unit test) steps run in the calling
process.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing
import multiprocessing.spawn
import pickle
import sys
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

#: Imported once by the fork server, inherited by every worker.
PRELOAD = ["evaluation.runtime.preload"]

_lock = threading.Lock()
_launch_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_size = 0


class StepError(RuntimeError):
    """A step failed with an exception that cannot cross a process boundary."""


def start(workers: int) -> None:
    """Run steps in ``workers`` processes from now on (fewer than 2: in process)."""
    global _size, _pool
    with _lock:
        _size = workers if workers >= 2 else 0
        if _size and _pool is None:
            _pool = _new_pool(_size)


def stop() -> None:
    """Shut the workers down; later steps run in the calling process."""
    global _size, _pool
    with _lock:
        pool, _pool, _size = _pool, None, 0
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


def active() -> bool:
    """Whether steps currently go to worker processes."""
    return _pool is not None


def _new_pool(size: int) -> ProcessPoolExecutor:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return ProcessPoolExecutor(max_workers=size, mp_context=context)


def call(function, *args):
    """Run ``function(*args)`` in a worker when the pool is on, else here; its result."""
    global _pool
    pool = _pool
    if pool is None:
        return function(*args)
    try:
        with _launch_lock, _main_script_left_out():  # submit may start a worker
            future = pool.submit(_portable, function, *args)
        return future.result()
    except BrokenProcessPool:
        # a worker died (killed, out of memory): later jobs get a fresh pool
        with _lock:
            if _pool is pool:
                _pool = _new_pool(_size)
        raise


@contextlib.contextmanager
def _main_script_left_out():
    """Start workers without re-running the parent's main script in them.

    A process started through the fork server first runs the parent's
    ``__main__`` again (multiprocessing's "spawn preparation"). For the
    ``snakemake`` console script that imports all of Snakemake: 0.3 s before
    each worker's first step, and more memory in every worker. When the main
    script has no file (``python - < script``) the worker cannot start at all.
    Steps never need it: every function a worker runs lives in this package.
    Callers hold ``_launch_lock``, so threads never patch over each other.
    """
    prepare = multiprocessing.spawn.get_preparation_data

    def without_main(name):
        data = prepare(name)
        data.pop("init_main_from_path", None)
        data.pop("init_main_from_name", None)
        return data

    multiprocessing.spawn.get_preparation_data = without_main
    try:
        yield
    finally:
        multiprocessing.spawn.get_preparation_data = prepare


def _portable(function, *args):
    """Run in the worker; re-raise failures in a form that survives pickling."""
    try:
        return function(*args)
    except Exception as exc:
        try:
            pickle.loads(pickle.dumps(exc))
        except Exception:
            raise StepError(f"{type(exc).__name__}: {exc}") from None
        raise
    finally:
        release_free_memory()


def release_free_memory() -> None:
    """Give memory a finished step freed back to the system, so the worker does not keep it.

    A worker runs many steps. Without this it kept the high-water mark of the
    largest step it had run (at x1000, about 450 MB from a tracker read before
    the diary read began): freed blocks stay in the C heap and in Arrow's
    memory pool. ``malloc_trim`` (glibc) and Arrow's ``release_unused`` hand
    them back; both are cheap next to a step.

    The objects that survive the collection (imported modules, caches) are
    then frozen out of the cyclic garbage collector's view: a full collection
    over pandas, matplotlib and scipy takes about 50 ms, which every step paid
    before its result went back; with the survivors frozen the next
    collection only visits what the next step created.
    """
    gc.collect()
    gc.freeze()
    with contextlib.suppress(ImportError, AttributeError):
        import pyarrow

        pyarrow.default_memory_pool().release_unused()
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6").malloc_trim(0)
