"""docs/architecture.md names only paths that exist: the doc cannot drift from the code silently.

Every path under ``src/evaluation/``, ``rules/``, ``profiles/`` and ``codebook/``
the document writes (in backticks, prose or code blocks), every entry of its
layout trees and every ``evaluation.<module>[.<name>]`` it names in backticks
must exist in the repository. A placeholder such as ``<strand>`` stands for
any one path segment (at least one match is required).
"""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "architecture.md"

#: A path under one of the checked folders (at least one ``/``), starting at a word boundary.
PATH = re.compile(r"(?<![\w/.<>-])((?:src/evaluation|rules|profiles|codebook)(?:/[\w.*<>-]*)+)")
#: A dotted name of the package, in backticks: ``evaluation.core.stage.as_date``.
DOTTED = re.compile(r"`(evaluation(?:\.\w+)+)")
FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.M | re.S)
CONNECTOR = re.compile(r"[├└]── ")


def text_paths(text: str) -> set[str]:
    """Every checked path the text writes (prose, backticks and code blocks alike)."""
    return {match.group(1).rstrip(".") for match in PATH.finditer(text)}


def tree_paths(text: str) -> set[str]:
    """Every entry of the text's layout trees (fenced blocks drawn with ├── / └──).

    A line without a connector is a tree's root (``<engine>/``, ``<study>/``,
    ``my_study/``): it stands for the repository, which is both the engine and
    the example study. An entry's depth is its connector's column over 4
    (each level is drawn as ``│   `` or four spaces); its name ends at the
    first two spaces (the comment).
    """
    found = set()
    for block in FENCE.findall(text):
        if not CONNECTOR.search(block):
            continue
        stack: list[str] = []
        for line in block.splitlines():
            connector = CONNECTOR.search(line)
            if connector is None:
                stack = []
                continue
            depth = connector.start() // 4
            name = line[connector.end() :].split("  ")[0].strip().rstrip("/")
            stack = [*stack[:depth], name]
            found.add("/".join(stack))
    return found


def dotted_names(text: str) -> set[str]:
    """Every ``evaluation.<...>`` the text names in backticks."""
    return {match.group(1) for match in DOTTED.finditer(text)}


def _placeholders_to_glob(path: str) -> str:
    return re.sub(r"<[^>/]*>", "*", path)


def missing_paths(paths: set[str], root: Path = REPO) -> list[str]:
    """The paths (placeholders and ``*`` as globs) with no match under ``root``."""
    missing = []
    for path in sorted(paths):
        pattern = _placeholders_to_glob(path).rstrip("/")
        if "*" in pattern or "?" in pattern:
            if not any(root.glob(pattern)):
                missing.append(path)
        elif not (root / pattern).exists():
            missing.append(path)
    return missing


def _defines(module: Path, name: str) -> bool:
    text = module.read_text(encoding="utf-8")
    return bool(
        re.search(rf"^\s*(?:def|class)\s+{name}\b|^{name}\s*[:=]", text, re.M)
        or re.search(rf"^from\s+\S+\s+import\s+[^\n]*\b{name}\b", text, re.M)
        or re.search(rf"^import\s+[^\n]*\bas\s+{name}\b", text, re.M)
    )


def missing_names(names: set[str], root: Path = REPO) -> list[str]:
    """Dotted names whose module does not exist, or whose module does not define the name."""
    missing = []
    for dotted in sorted(names):
        parts = dotted.split(".")
        folder = root / "src"
        module = None
        rest: list[str] = []
        for i, part in enumerate(parts):
            if (folder / part).is_dir():
                folder = folder / part
                module = folder / "__init__.py"
            elif (folder / f"{part}.py").is_file():
                module = folder / f"{part}.py"
                rest = parts[i + 1 :]
                break
            else:
                rest = parts[i:]
                break
        found = module is not None and module.exists() and (not rest or _defines(module, rest[0]))
        if not found:
            missing.append(dotted)
    return missing


def test_every_path_the_architecture_doc_names_exists():
    text = DOC.read_text(encoding="utf-8")
    paths = text_paths(text)
    assert len(paths) > 20  # the extractor found the doc's paths
    assert missing_paths(paths) == []


def test_every_tree_entry_of_the_architecture_doc_exists():
    text = DOC.read_text(encoding="utf-8")
    entries = tree_paths(text)
    assert "src/evaluation/core/stage.py" in entries
    assert "rules/common.smk" in entries
    assert "data/raw/qualitative/integration.yaml" in entries
    assert missing_paths(entries) == []


def test_every_module_and_name_the_architecture_doc_names_exists():
    names = dotted_names(DOC.read_text(encoding="utf-8"))
    assert "evaluation.core.stage.StageResult" in names
    assert missing_names(names) == []


def test_the_checks_fail_on_paths_and_names_that_do_not_exist():
    doc = (
        "The reader is `src/evaluation/readers/case_tracker.py`, rules in\n"
        "rules/<strand>.smk and `profiles/nowhere/config.yaml`; the codebook\n"
        "`codebook/case_tracker.yaml`; `evaluation.core.stage.NoSuchThing`,\n"
        "`evaluation.steps.report.key_facts`.\n\n"
        "```text\n"
        "<engine>/\n"
        "├── rules/\n"
        "│   ├── common.smk     exists\n"
        "│   └── gone.smk       does not\n"
        "└── src/evaluation/\n"
        "    └── core/\n"
        "        └── stage.py\n"
        "```\n"
    )
    paths = text_paths(doc)
    assert {
        "src/evaluation/readers/case_tracker.py",
        "rules/<strand>.smk",
        "profiles/nowhere/config.yaml",
        "codebook/case_tracker.yaml",
    } <= paths
    assert missing_paths(paths) == [
        "profiles/nowhere/config.yaml",
        "src/evaluation/readers/case_tracker.py",
    ]
    entries = tree_paths(doc)
    assert entries == {
        "rules",
        "rules/common.smk",
        "rules/gone.smk",
        "src/evaluation",
        "src/evaluation/core",
        "src/evaluation/core/stage.py",
    }
    assert missing_paths(entries) == ["rules/gone.smk"]
    assert missing_names(dotted_names(doc)) == [
        "evaluation.core.stage.NoSuchThing",
        "evaluation.steps.report.key_facts",
    ]
