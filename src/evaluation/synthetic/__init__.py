"""Seeded generators of the synthetic example data shipped under data/raw/.

The example data are invented. They reproduce the aggregate figures published
from the evaluation (see tests/test_reproduction.py) and nothing else.
"""
