"""Entry points of the Snakemake rules.

Each rule's ``run:`` block is one line, ``run_step("<module>.<rule name>",
input, output, params, log)``: the step function, named as the rule is (the
rules made in a loop, ``publish_<group>``, share ``report.publish_group``), reads
the rule's input files, calls the pure functions of the package and writes
the outputs. The
module is imported only when the rule runs, so Snakemake's own start-up (and
a no-op run) does not pay for pandas or matplotlib. When the worker pool is
on (``pool``, whose module docstring states its contract), the step runs in a
worker process.
"""

from __future__ import annotations

import importlib

from evaluation.runtime import pool as workers


class StepFiles(list):
    """A plain, picklable copy of a rule's input, output or params: items and names."""

    def __init__(self, items=(), names=None):
        super().__init__(items)
        self.__dict__.update(names or {})

    def items(self):
        """``(name, value)`` pairs, as Snakemake's named lists give them."""
        return list(self.__dict__.items())

    def keys(self):
        return list(self.__dict__)

    def get(self, name, default=None):
        return self.__dict__.get(name, default)


def _plain(value):
    if isinstance(value, str):  # Snakemake's file objects are str subclasses
        return str(value)
    if isinstance(value, list):  # named sub-lists
        return [_plain(item) for item in value]
    return value


def step_files(named) -> StepFiles:
    """Copy a Snakemake named list (or a plain list) into :class:`StepFiles`."""
    names = dict(named.items()) if hasattr(named, "items") else {}
    return StepFiles(
        [_plain(item) for item in named], {key: _plain(value) for key, value in names.items()}
    )


def run_logged(name: str, input, output, params, log_path: str) -> None:
    """Run ``evaluation.runtime.<module>.<function>(input, output, params)`` logging to ``log_path``."""
    from evaluation.core.logs import log_to

    module_name, function = name.rsplit(".", 1)
    step = getattr(importlib.import_module(f"evaluation.{module_name}"), function)
    with log_to(log_path) as logger:
        logger.info("step %s", name)
        step(input, output, params)


#: Steps that stay in the Snakemake process even when the worker pool is on:
#: they spend their time in pandoc or hashing, which release the interpreter
#: lock, and none imports matplotlib. Rendering the report's Markdown is one:
#: an edited template then re-runs no pool step at all, so no worker is
#: started (the template edit took 0.82 x as long in paired runs, a cold run
#: 1.02 x, within the noise).
IN_PROCESS_STEPS = frozenset(
    {
        "stages.report.render_report",
        "stages.documents.report_html",
        "stages.documents.report_docx",
        "stages.documents.manifest",
    }
)


def is_figure_step(name: str) -> bool:
    """Whether a step draws figures (``<...>_figure`` or ``<...>_figures``).

    Only the report's HTML and Word documents wait for figures, so the pool
    computes them behind every other queued step (``pool``, "In what order").
    """
    return name.rsplit(".", 1)[-1].endswith(("_figure", "_figures"))


def run_step(name: str, input, output, params, log) -> None:
    """Run one rule's step, in a worker process when the pool is on (see IN_PROCESS_STEPS)."""
    args = (name, step_files(input), step_files(output), step_files(params), str(log[0]))
    if name in IN_PROCESS_STEPS:
        run_logged(*args)
    else:
        workers.call(run_logged, *args, background=is_figure_step(name))
