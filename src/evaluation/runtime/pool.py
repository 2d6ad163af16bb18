"""The worker pool: persistent processes that compute the steps of one Snakemake run.

``profiles/default`` runs jobs as threads of the Snakemake process, because a
new Python process per job (Snakemake's default for ``run:``, and
``profiles/plain``) costs about a second of start-up each. Threads share one
interpreter lock, though, so on their own they compute one job at a time.
This pool gives them real parallelism. It uses public interfaces only:
``concurrent.futures.ProcessPoolExecutor`` over a ``multiprocessing``
``forkserver`` context, and ``set_forkserver_preload``.

Contract
--------
What runs where
    While the pool is on, a job thread's ``call(step, *args)`` runs the step in
    one of ``--cores`` worker processes and waits for it. The workers are
    forked from a server process that has imported pandas and pyarrow and
    parsed the codebook (``PRELOAD``), so a worker starts in milliseconds;
    matplotlib and scipy are imported once per worker by the first step that
    needs them. While it is off, ``call`` runs the step in the calling
    process, one step at a time per process (a lock: matplotlib and the
    package's caches are not thread-safe). Steps that wait on pandoc or
    hashing never come here (``evaluation.runtime.IN_PROCESS_STEPS``).

When it is on
    From the Snakefile's ``onstart`` to its ``onsuccess``/``onerror``, in the
    main process of a local run whose jobs are threads (``force-use-threads``)
    with two cores or more (``evaluation.runtime.workflow.uses_worker_pool``),
    and only where ``available()``: the platform has the ``forkserver`` start
    method (not Windows) and the main module can be re-imported in a worker
    (not ``python -`` reading a script from standard input). Everywhere else
    (one core, ``profiles/plain``, a cluster job, a unit test) steps run in
    process, with identical outputs.

How failures come back
    A step's exception is re-raised in the job thread, so Snakemake reports
    the job as failed with it: the same type and message when it survives
    pickling (``DataValidationError`` keeps its findings), else a
    ``StepError`` reading ``"<type>: <message>"``. A worker that dies
    (killed, out of memory) fails the step running in it with
    ``BrokenProcessPool``; later steps get a fresh pool.

What a step may assume
    It is a module-level function of this package, called with picklable
    arguments (``StepFiles``, strings), in the run's working directory; it
    communicates only through the files it reads and writes. It may not rely
    on the Snakemake process's state (the workflow object, the Snakefile's
    globals), on running in any particular worker, or on what earlier steps
    left behind there beyond imports and caches. Before its first step a
    worker re-runs the parent's main script as ``__mp_main__``
    (multiprocessing's spawn preparation; for the ``snakemake`` console script
    that is an import of ``snakemake.cli``, about 0.45 s; none under
    ``python -m snakemake``). The fork server's ``"__main__"`` preload, meant
    to do it once, does not work before CPython 3.14 (gh-126631), and
    preloading ``snakemake.cli`` instead measured no faster. After every step
    the worker collects garbage and hands freed memory back
    (``release_free_memory``).
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing
import os
import pickle
import sys
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

#: Imported once by the fork server, inherited by every worker.
PRELOAD = ["evaluation.runtime.preload"]

_lock = threading.Lock()
_in_process = threading.Lock()  # steps computed in this process: one at a time
_pool: ProcessPoolExecutor | None = None
_size = 0


class StepError(RuntimeError):
    """A step failed with an exception that cannot cross a process boundary."""


def available() -> bool:
    """Whether worker processes can be started here (else steps run in process).

    They need the ``forkserver`` start method (Linux and macOS; Windows has
    none) and a main module a worker can import again: multiprocessing
    prepares every worker by re-running the parent's ``__main__``, which it
    cannot do for a script read from standard input.
    """
    return forkserver_available() and _main_module_importable()


def forkserver_available() -> bool:
    """Whether this platform has multiprocessing's ``forkserver`` start method."""
    return "forkserver" in multiprocessing.get_all_start_methods()


def _main_module_importable() -> bool:
    main = sys.modules.get("__main__")
    if getattr(main, "__spec__", None) is not None:  # python -m ...
        return True
    path = getattr(main, "__file__", None)
    return path is None or os.path.isfile(path)


def start(workers: int) -> None:
    """Run steps in ``workers`` processes from now on (fewer than 2, or not ``available()``: in process)."""
    global _size, _pool
    with _lock:
        _size = workers if workers >= 2 and available() else 0
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
        with _in_process:
            return function(*args)
    try:
        return pool.submit(_portable, function, *args).result()
    except BrokenProcessPool:
        # a worker died (killed, out of memory): later jobs get a fresh pool
        with _lock:
            if _pool is pool:
                _pool = _new_pool(_size)
        raise


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
