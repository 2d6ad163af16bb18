"""The identifier guard applied to every text file the pipeline publishes.

Published tables, the merged logs, context files and the report's Markdown
are scanned line by line before they are written; a hit stops the run naming
the output and the line, never the identifier.
"""

from __future__ import annotations

from collections.abc import Iterable

from evaluation.core.identifiers import check_texts, read_disallowed_names


def guard_text(output: str, text: str, disallowed_names: Iterable[str]) -> None:
    """Raise DataValidationError when ``text`` (about to be written to ``output``) holds an identifier."""
    items = (
        ({"file": output, "row": number, "field": f"line {number} of {output}"}, line)
        for number, line in enumerate(text.splitlines(), start=1)
    )
    check_texts(items, disallowed_names, source="output guard")


def guard_frame(output: str, frame, disallowed_names: Iterable[str]) -> None:
    """Guard every text cell of a table about to be written (CSV line numbers, header = line 1)."""
    items = []
    for column in frame.columns:
        if frame[column].dtype.kind in "biuf":
            continue
        for position, value in enumerate(frame[column].tolist(), start=2):
            if isinstance(value, str):
                where = {
                    "file": output,
                    "row": position,
                    "column": str(column),
                    "field": f"column '{column}' on line {position}",
                }
                items.append((where, value))
    check_texts(items, disallowed_names, source="output guard")


def names_from(paths: Iterable[str]) -> list[str]:
    """Disallowed names from the optional names file(s) given as rule inputs."""
    names: list[str] = []
    for path in paths:
        names += read_disallowed_names(path)
    return names
