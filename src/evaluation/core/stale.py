"""Stale outputs: published files that no rule of the study writes any more.

A table or figure removed from the codebook (or renamed) leaves its last
file in ``report/tables/`` or ``figures/``, looking as current as the rest.
Snakemake never touches a file no rule names, so the run checks it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


class StaleOutputError(Exception):
    """A published folder holds a file the study no longer writes."""


def stale_outputs(
    folder: str | Path, patterns: Iterable[str], expected: Iterable[str]
) -> list[str]:
    """Files of ``folder`` matching ``patterns`` that are not among ``expected``, sorted."""
    wanted = {Path(path).as_posix() for path in expected}
    found = {
        path.as_posix()
        for pattern in patterns
        for path in Path(folder).glob(pattern)
        if path.is_file()
    }
    return sorted(found - wanted)


def stop_on_stale_outputs(published: dict[str, tuple[tuple[str, ...], list[str]]]) -> None:
    """Stop when a published folder holds a file no rule of the study writes, naming each.

    ``published`` maps each folder to the file patterns it publishes and the
    files the study's rules write there.
    """
    stale = [
        path
        for folder, (patterns, expected) in published.items()
        for path in stale_outputs(folder, patterns, expected)
    ]
    if stale:
        raise StaleOutputError(
            "these published files are not outputs of this study any more (their table or "
            "figure was removed from the codebook or renamed), yet a reader would take them "
            "for current results: "
            + ", ".join(stale)
            + ". Delete them, or restore the codebook entries that wrote them."
        )
