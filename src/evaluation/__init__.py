"""Reproducible mixed-methods evaluation pipeline for a prison social-work pilot."""

__version__ = "0.2.0"
