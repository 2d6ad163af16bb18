"""Modules the worker pool's fork server imports once, before any step runs (see ``pool``).

Only what nearly every step needs: a job that draws or tests imports
matplotlib or scipy itself, once per worker, so a run that only re-renders
the report does not wait for them.
"""

import numpy  # noqa: F401
import pandas  # noqa: F401
import pyarrow.parquet  # noqa: F401

import evaluation.core.logs  # noqa: F401
from evaluation.core.codebook import load_codebook
from evaluation.runtime.pool import release_free_memory

load_codebook()  # parsed once, inherited by every worker

# Collect, then freeze what is left, as after every step: the workers'
# collections skip everything imported here, and forked workers do not touch
# (and so copy) these pages just to collect them.
release_free_memory()
