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


#: The folders a run writes its outputs to (logs/ stays: it says why a run failed).
OUTPUT_FOLDERS = ("data/processed", "figures", "report/tables", "report/build")


def withdraw_outputs(folders: Iterable[str | Path] = OUTPUT_FOLDERS) -> int:
    """Delete every file under ``folders`` (the folders stay); the number of files deleted.

    Called when a run fails. Snakemake deletes the failed job's own outputs,
    but the tables, figures and report an earlier run made from them stay,
    and a second run then finds them up to date and "succeeds" on the old
    results. With the outputs withdrawn, the next run rebuilds everything and
    stops again at the same problem until it is corrected.
    """
    import shutil

    deleted = 0
    for folder in folders:
        root = Path(folder)
        if not root.is_dir():
            continue
        for path in sorted(root.iterdir()):
            if path.is_dir() and not path.is_symlink():
                deleted += sum(1 for p in path.rglob("*") if p.is_file())
                shutil.rmtree(path)
            else:
                path.unlink()
                deleted += 1
    return deleted


#: How many of a failed run's errors the closing summary repeats.
SUMMARY_LINES = 20


def run_errors(started: float, logs: str | Path = "logs") -> list[str]:
    """The ``ERROR:`` lines of the rule logs written since ``started`` (a time), in order, once each."""
    root = Path(logs)
    if not root.is_dir():
        return []
    written = sorted(
        (path.stat().st_mtime, str(path), path)
        for path in root.rglob("*.log")
        if path.is_file() and path.stat().st_mtime >= started
    )
    lines: list[str] = []
    for _, _, path in written:
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("ERROR:") and line not in lines:
                lines.append(line)
    return lines


def report_failure(deleted: int, started: float, logs: str | Path = "logs") -> None:
    """After Snakemake's own account of a failed run: what stopped it, and what was withdrawn.

    Snakemake frames a step's error with its traceback; the researcher's
    messages (file, sheet, row, column, value, what was expected) are
    repeated here last, where they are read.
    """
    import sys

    errors = run_errors(started, logs)
    out = []
    if errors:
        out.append("What stopped the run:")
        out += [f"  {line}" for line in errors[:SUMMARY_LINES]]
        if len(errors) > SUMMARY_LINES:
            out.append(f"  ... and {len(errors) - SUMMARY_LINES} more in {logs}/")
    out.append(
        f"The run failed, so the {deleted} output files of earlier runs (data/processed/, "
        "figures/, report/tables/, report/build/) were withdrawn: none of them can be taken "
        "for current results. Correct the problem named above and run again. (logs/ is kept; "
        "`evaluation baseline NAME` keeps a good run's published tables.)"
    )
    print("\n".join(out), file=sys.stderr)
