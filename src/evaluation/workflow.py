"""Small workarounds for Snakemake itself, called from the Snakefile's handlers."""

from __future__ import annotations

import threading

from evaluation.steps import workers


def end_of_run() -> None:
    """What the Snakefile's onsuccess and onerror handlers do: stop the workers, free the exit."""
    workers.stop()
    release_scheduler_timers()


def release_scheduler_timers() -> int:
    """Cancel Snakemake's pending re-scheduling timers at the end of a run; returns how many.

    Snakemake's job rate limiter (``--max-jobs-per-timespan``, default 100/1s)
    starts a ``threading.Timer`` after scheduling rounds to wake the scheduler
    one timespan later. The timer is not a daemon thread, so the interpreter
    waits for the last one before it exits: every run that executed a job
    ended about a second after its work was done. Once the run has finished
    there is nothing left to wake, so the timers can be cancelled. (A shorter
    timespan is not possible: Snakemake 9.27 reads ``100/100ms`` as 100
    minutes.)
    """
    timers = [t for t in threading.enumerate() if isinstance(t, threading.Timer)]
    for timer in timers:
        timer.cancel()
    return len(timers)
