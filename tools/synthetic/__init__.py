"""Seeded generators of the synthetic example data shipped under data/raw/.

The example data are invented. They reproduce the aggregate figures published
from the evaluation (``targets.yaml``, checked by the tests) and nothing else.
Run a generator from the repository root: ``python -m tools.synthetic.<source>
--out <dir>``. The generators use the ``evaluation`` package; it never uses them.
"""
