"""The worker pool: persistent processes that compute the steps of one Snakemake run.

``profiles/default`` runs jobs as threads of the Snakemake process, because a
new Python process per job (Snakemake's default for ``run:``, and
``profiles/plain``) costs about a second of start-up each. Threads share one
interpreter lock, though, so on their own they compute one job at a time.
This pool gives them real parallelism. It uses public interfaces only: each
worker is ``python -m evaluation.runtime.worker`` started with ``subprocess``,
and steps and results cross its standard input and output as pickles.

Contract
--------
What runs where
    While the pool is on, a job thread's ``call(step, *args)`` runs the step in
    one of ``--cores`` worker processes and waits for it. The workers start
    with the first step (a run that only re-renders the report starts none).
    Each worker imports
    pandas and pyarrow and parses the codebook once when it starts
    (``evaluation.runtime.preload``); matplotlib and scipy are imported once
    per worker by the first step that needs them. Nothing else of the
    Snakemake process is re-run in a worker. While the pool is off, ``call``
    runs the step in the calling process, one step at a time per process (a
    lock: matplotlib and the package's caches are not thread-safe). Steps that
    wait on pandoc or hashing never come here
    (``evaluation.runtime.IN_PROCESS_STEPS``).

In what order
    Steps wait in one queue and a free worker takes the most urgent: steps
    others depend on first, then background steps (figures: only the final
    HTML and Word documents wait for them), each kind in the order it came.
    Snakemake hands a job to the pool as soon as it is ready (the jobs take
    no core, ``evaluation.runtime.workflow.job_threads``), so this queue, not
    Snakemake, decides what the workers compute next.

When it is on
    From the Snakefile's ``onstart`` to its ``onsuccess``/``onerror``, in the
    main process of a local run whose jobs are threads (``force-use-threads``)
    with two cores or more (``evaluation.runtime.workflow.uses_worker_pool``),
    where ``available()`` (a Python interpreter to start: ``sys.executable``).
    Everywhere else (one core, ``profiles/plain``, a cluster job, a unit
    test) steps run in process, with identical outputs.

How failures come back
    A step's exception is re-raised in the job thread, so Snakemake reports
    the job as failed with it: the same type and message when it survives
    pickling (``DataValidationError`` keeps its findings), else a
    ``StepError`` reading ``"<type>: <message>"``. A worker that dies
    (killed, out of memory) fails the step running in it with
    ``WorkerDied``; a new worker takes its place for later steps.

What a step may assume
    It is a module-level function importable by name (of this package, or of
    a module on the Snakemake process's ``sys.path``, which each worker is
    given), called with picklable arguments (``StepFiles``, strings), in the
    run's working directory, with the Snakemake process's environment
    (``EVALUATION_CODEBOOK`` among it); it communicates only through the files
    it reads and writes. What it prints goes to the Snakemake process's
    standard error. It may not rely on the Snakemake process's state (the
    workflow object, the Snakefile's globals), on running in any particular
    worker, or on what earlier steps left behind there beyond imports and
    caches. After every step the worker collects garbage and hands freed
    memory back (``release_free_memory``).
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import heapq
import itertools
import pickle
import struct
import subprocess
import sys
import threading

#: What a worker imports before its first step.
PRELOAD = "evaluation.runtime.preload"
#: The module a worker process runs.
WORKER_MODULE = "evaluation.runtime.worker"

#: Queue order: lower first.
URGENT, BACKGROUND = 0, 1

_lock = threading.Lock()
_in_process = threading.Lock()  # steps computed in this process: one at a time
_pool: _Pool | None = None


class StepError(RuntimeError):
    """A step failed with an exception that cannot cross a process boundary."""


class WorkerDied(RuntimeError):
    """The worker process computing a step ended before it answered (killed, out of memory)."""


def available() -> bool:
    """Whether worker processes can be started here (else steps run in process).

    A worker is a new Python interpreter, so this needs one to start:
    ``sys.executable`` is empty in an interpreter embedded in another program.
    """
    return bool(sys.executable)


def start(workers: int) -> None:
    """Run steps in ``workers`` processes from now on (fewer than 2, or not ``available()``: in process)."""
    global _pool
    with _lock:
        if workers >= 2 and available() and _pool is None:
            _pool = _Pool(workers)


def stop() -> None:
    """Shut the workers down; later steps run in the calling process."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.close()


def active() -> bool:
    """Whether steps currently go to worker processes."""
    return _pool is not None


def call(function, *args, background: bool = False):
    """Run ``function(*args)`` in a worker when the pool is on, else here; its result.

    ``background`` steps wait behind every other queued step (see the
    contract's "In what order").
    """
    pool = _pool
    if pool is None:
        with _in_process:
            return function(*args)
    return pool.run(function, args, BACKGROUND if background else URGENT)


# -- the wire: length-prefixed pickles ------------------------------------------------

_LENGTH = struct.Struct("!Q")


def send(stream, value) -> None:
    """Write one pickled value to a binary stream."""
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_LENGTH.pack(len(data)) + data)
    stream.flush()


def receive(stream):
    """Read one value ``send`` wrote; ``EOFError`` when the other end has closed."""
    header = stream.read(_LENGTH.size)
    if len(header) < _LENGTH.size:
        raise EOFError("the other end closed the stream")
    (size,) = _LENGTH.unpack(header)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError("the stream ended inside a message")
    return pickle.loads(data)


def portable_failure(exc: BaseException) -> BaseException:
    """``exc`` if it survives pickling, else a ``StepError`` with its type and message."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return StepError(f"{type(exc).__name__}: {exc}")
    return exc


# -- the parent's side ----------------------------------------------------------------


class _Request:
    """One step waiting for, or computed by, a worker."""

    def __init__(self, function, args):
        self.function, self.args = function, args
        self.done = threading.Event()
        self.ok = False
        self.value = None

    def finish(self, ok: bool, value) -> None:
        self.ok, self.value = ok, value
        self.done.set()


class _Worker:
    """One worker process and the two pipes to it."""

    def __init__(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", WORKER_MODULE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        # a step's module may live wherever the Snakemake process finds it
        send(self.process.stdin, {"sys_path": list(sys.path)})

    def compute(self, request: _Request) -> tuple[bool, object]:
        try:
            send(self.process.stdin, (request.function, request.args))
            return receive(self.process.stdout)
        except (EOFError, OSError):
            code = self.process.wait()
            return False, WorkerDied(
                f"the worker process computing {getattr(request.function, '__name__', '?')} "
                f"ended with exit code {code} before it answered"
            )

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.process.stdin.close()
        self.process.wait()
        self.process.stdout.close()


class _Pool:
    """A priority queue of steps and one dispatching thread per worker process."""

    def __init__(self, size: int):
        self._size = size
        self._queue: list = []
        self._order = itertools.count()
        self._ready = threading.Condition()
        self._closing = False
        self._threads: list[threading.Thread] = []

    def _start_workers(self) -> None:
        """Start the workers with the first step, so a run with none starts no process."""
        self._threads = [
            threading.Thread(target=self._serve, args=(_Worker(),), daemon=True)
            for _ in range(self._size)
        ]
        for thread in self._threads:
            thread.start()

    def run(self, function, args, priority: int):
        request = _Request(function, args)
        with self._ready:
            if self._closing:
                raise StepError("the worker pool has been stopped")
            if not self._threads:
                self._start_workers()
            heapq.heappush(self._queue, (priority, next(self._order), request))
            self._ready.notify()
        request.done.wait()
        if request.ok:
            return request.value
        raise request.value

    def _serve(self, worker: _Worker) -> None:
        while True:
            with self._ready:
                while not self._queue and not self._closing:
                    self._ready.wait()
                if not self._queue:
                    break
                _, _, request = heapq.heappop(self._queue)
            try:
                ok, value = worker.compute(request)
            except Exception as exc:  # the step or its reply could not be pickled
                ok, value = False, portable_failure(exc)
            if isinstance(value, WorkerDied):
                worker = _Worker()  # a fresh process for the steps still to come
            request.finish(ok, value)
        worker.close()

    def close(self) -> None:
        """Fail the steps still queued, let running steps finish, end the workers."""
        with self._ready:
            self._closing = True
            queued, self._queue = self._queue, []
            self._ready.notify_all()
        for _, _, request in queued:
            request.finish(False, StepError("the worker pool was stopped before this step ran"))
        for thread in self._threads:
            thread.join()


# -- the worker's side ----------------------------------------------------------------


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
