"""``evaluation new-study DIR``: a starting folder for another team's study.

The folder (``evaluation/starter`` in the package) runs as it is, on six
invented records: a config naming one register file, a codebook declaring it
with one table and one fact, a validation declaration and a one-page report
template. The team then replaces the data, the codebook and the template
(the README's "Your own study").
"""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

STARTER = "starter"


class FolderNotEmpty(ValueError):
    """The target folder already holds files."""


def starter_files() -> list[str]:
    """The starter folder's files, relative paths in a stable order."""
    root = resources.files("evaluation").joinpath(STARTER)
    found: list[str] = []

    def walk(node, prefix: str) -> None:
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            path = f"{prefix}{child.name}"
            if child.is_dir():
                if child.name != "__pycache__":
                    walk(child, path + "/")
            else:
                found.append(path)

    walk(root, "")
    return found


def write_new_study(folder: str | Path) -> list[Path]:
    """Copy the starter into ``folder`` (new or empty); the files written."""
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise FolderNotEmpty(
            f"{folder} is not empty; give a new folder for the study, or remove its files"
        )
    root = resources.files("evaluation").joinpath(STARTER)
    written = []
    for relative in starter_files():
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        with resources.as_file(root.joinpath(relative)) as source:
            shutil.copyfile(source, target)
        written.append(target)
    for output in ("data/processed", "report/tables", "figures"):
        (folder / output).mkdir(parents=True, exist_ok=True)
    return written
