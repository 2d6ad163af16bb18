"""Pytest loads this file first, and it puts the repository root on ``sys.path``.

With it the tests import the example-data generators (``tools.synthetic``),
which live outside the installed ``evaluation`` package. The fixtures are in
``tests/conftest.py``.
"""
