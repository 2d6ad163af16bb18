"""A worker process of the pool: ``python -m evaluation.runtime.worker`` (see ``pool``).

It reads the Snakemake process's ``sys.path`` and then one step after another
from standard input, and answers each on standard output with ``(True,
result)`` or ``(False, exception)``. A step's own output to standard output
goes to standard error, so it cannot corrupt the answers. It ends when its
standard input closes.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys

from evaluation.runtime.pool import (
    PRELOAD,
    StepError,
    portable_failure,
    receive,
    release_free_memory,
    send,
)


def main() -> int:
    """Serve steps until the pool closes this worker's standard input."""
    requests = sys.stdin.buffer
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.path[:] = receive(requests)["sys_path"]
    with contextlib.suppress(Exception):  # a warm-up: a step needing what failed fails itself
        importlib.import_module(PRELOAD)
    while True:
        try:
            function, args = receive(requests)
        except EOFError:
            return 0
        except Exception as exc:  # the step's function could not be imported here
            send(answers, (False, portable_failure(exc)))
            continue
        try:
            answer = (True, function(*args))
        except Exception as exc:
            answer = (False, portable_failure(exc))
        finally:
            sys.stdout.flush()  # what the step printed shows now, not when the worker ends
            sys.stderr.flush()
            release_free_memory()
        try:
            send(answers, answer)
        except Exception as exc:  # a result that cannot be pickled
            name = getattr(function, "__name__", "the step")
            failure = StepError(
                f"{name} returned what cannot be sent back: {type(exc).__name__}: {exc}"
            )
            send(answers, (False, failure))


if __name__ == "__main__":
    sys.exit(main())
