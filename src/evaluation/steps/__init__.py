"""Entry points of the Snakemake rules.

Each rule's ``run:`` block is one line, ``run_step("<module>.<function>",
input, output, params, log)``: the step function reads the rule's input
files, calls the pure functions of the package and writes the outputs. The
module is imported only when the rule runs, so Snakemake's own start-up (and
a no-op run) does not pay for pandas or matplotlib.
"""

from __future__ import annotations

import importlib


def run_step(name: str, input, output, params, log) -> None:
    """Run ``evaluation.steps.<module>.<function>(input, output, params)`` logging to ``log[0]``."""
    from evaluation.logs import log_to

    module_name, function = name.rsplit(".", 1)
    step = getattr(importlib.import_module(f"evaluation.steps.{module_name}"), function)
    with log_to(log[0]) as logger:
        logger.info("step %s", name)
        step(input, output, params)
