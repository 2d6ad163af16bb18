"""The example-data generators live outside the installed package, which never imports them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml
from setuptools import find_packages

from tools.synthetic import targets

REPO = Path(__file__).resolve().parents[1]


def test_the_package_never_imports_the_generators():
    offenders = []
    for path in sorted((REPO / "src" / "evaluation").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            offenders += [
                f"{path.relative_to(REPO)}: {n}" for n in names if n.split(".")[0] == "tools"
            ]
    assert offenders == []


def test_the_generators_are_not_packaged():
    packages = find_packages(where=str(REPO / "src"))
    assert "evaluation" in packages
    assert not [p for p in packages if "synthetic" in p or p.startswith("tools")]


def test_targets_keys_are_text():
    targets.load()  # raises on a key YAML read as a bool or a number
    with pytest.raises(ValueError, match="quote it"):
        targets._check_keys(yaml.safe_load("rows:\n  Yes: [1]\n"))
