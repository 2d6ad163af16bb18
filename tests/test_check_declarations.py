"""Checks are declared where they are made; the validation report reads those declarations.

A module that gives its findings ``check="name"`` declares every such name
in its module-level ``CHECKS`` (name -> what it tests, for a reviewer), and
declares nothing it never uses. ``codebook/validation.yaml`` lists per source
the modules whose checks it goes through and, under ``checks``, the union of
their declarations: the data the validation report (a shared stage, which
imports no strand) reads. These tests fail as soon as either drifts.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from evaluation.core.codebook import load_codebook

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "evaluation"
#: Modules that make findings but are not a raw source's reader (checked in validate only).
#: Modules that make checks but belong to no source of the first study's codebook:
#: the register strand serves studies with a register (their validation.yaml lists it).
NOT_SOURCES = {
    "evaluation.validate",
    "evaluation.strands.register.read",
    "evaluation.strands.register.consistency",
}


def _used_names(path: Path) -> set[str]:
    """The literal ``check=`` names a module gives (keyword arguments, any call)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.keyword)
            and node.arg == "check"
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            names.add(node.value.value)
    return names


def _module_name(path: Path) -> str:
    return ".".join(("evaluation", *path.relative_to(PACKAGE).with_suffix("").parts))


MODULES = {
    _module_name(path): path
    for path in sorted(PACKAGE.rglob("*.py"))
    if _used_names(path) or "CHECKS" in path.read_text(encoding="utf-8")
}
SOURCES = load_codebook()["validation"]["sources"]


def test_every_module_declares_exactly_the_checks_it_uses():
    for name, path in MODULES.items():
        if name == "evaluation.validation_report":
            continue
        declared = getattr(importlib.import_module(name), "CHECKS", {})
        used = _used_names(path)
        assert set(declared) == used, (
            f"{name}: uses undeclared {sorted(used - set(declared))}, "
            f"declares unused {sorted(set(declared) - used)}"
        )
        assert all(isinstance(d, str) and d.strip() for d in declared.values()), name


def test_every_module_that_makes_checks_belongs_to_a_source():
    listed = {m for entry in SOURCES.values() for m in entry["modules"]} | NOT_SOURCES
    making = {n for n, p in MODULES.items() if _used_names(p)}
    assert making <= listed, sorted(making - listed)


@pytest.mark.parametrize("source", list(SOURCES))
def test_codebook_checks_are_the_union_of_the_declarations(source):
    expected: dict[str, str] = {}
    for module in SOURCES[source]["modules"]:
        for check, description in importlib.import_module(module).CHECKS.items():
            assert expected.setdefault(check, description) == description, (
                f"{source}: modules describe {check!r} differently"
            )
    assert SOURCES[source]["checks"] == expected, (
        f"codebook/validation.yaml sources: {source}: checks must be the declarations of "
        f"{SOURCES[source]['modules']}"
    )
