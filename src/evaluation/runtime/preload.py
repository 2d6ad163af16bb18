"""Modules every worker of the pool imports when it starts, before its first step (see ``pool``).

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

load_codebook()  # parsed once per worker, before the steps that read it

# Collect, then freeze what is left, as after every step: the worker's
# collections then skip everything imported here.
release_free_memory()
