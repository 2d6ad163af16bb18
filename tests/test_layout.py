"""The package's layout holds: strands import only the engine and themselves.

Each strand's rules are re-run when the engine (``core``, ``runtime``) or the
strand's own package changes (``runtime.workflow.strand_parts``); the shared
stages when anything but the strands changes. These tests read every module's
imports (top-level and inside functions) so that a strand reaching into
another strand, or a shared stage into a strand, fails here instead of
leaving a rule that does not re-run when its code changes.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from evaluation.runtime import workflow

PACKAGE = Path(workflow.PACKAGE_DIR)
STRANDS = sorted(p.name for p in (PACKAGE / "strands").iterdir() if (p / "__init__.py").exists())
#: The modules every strand has, one per stage of the strand contract.
STRAND_STAGES = ("read", "cutoff", "tables", "figures", "context", "steps")


def imported_modules(path: Path) -> set[str]:
    """Every ``evaluation`` module ``path`` imports, at any depth of the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in names if name == "evaluation" or name.startswith("evaluation.")}


def module_part(name: str) -> str:
    """The package part a module belongs to: ``core``, ``strands/surveys``, ``cli.py`` ..."""
    parts = name.split(".")[1:]
    if not parts:
        return "__init__.py"
    if parts[0] == "strands" and len(parts) > 1 and (PACKAGE / "strands" / parts[1]).is_dir():
        return f"strands/{parts[1]}"
    if (PACKAGE / parts[0]).is_dir():
        return parts[0]
    return f"{parts[0]}.py"


def test_imported_modules_sees_imports_inside_functions(tmp_path):
    source = tmp_path / "m.py"
    source.write_text(
        "import os\nfrom evaluation.core import tidy\n"
        "def f():\n    from evaluation.strands.surveys.wai import score_wai\n"
    )
    found = imported_modules(source)
    assert "evaluation.strands.surveys.wai" in found and "evaluation.core.tidy" in found
    assert module_part("evaluation.strands.surveys.wai.score_wai") == "strands/surveys"
    assert module_part("evaluation.core.tidy") == "core"


@pytest.mark.parametrize("strand", STRANDS)
def test_a_strand_imports_only_the_engine_and_itself(strand):
    allowed = set(workflow.strand_parts(strand)) | {"__init__.py", "strands"}
    for path in sorted((PACKAGE / "strands" / strand).rglob("*.py")):
        reached = {module_part(name) for name in imported_modules(path)}
        assert reached <= allowed, (path.relative_to(PACKAGE), sorted(reached - allowed))


@pytest.mark.parametrize("strand", STRANDS)
def test_every_strand_has_the_stages_of_the_contract(strand):
    missing = [s for s in STRAND_STAGES if not (PACKAGE / "strands" / strand / f"{s}.py").exists()]
    assert not missing, (strand, missing)


def test_the_engine_and_the_shared_stages_import_no_strand():
    """What the shared stages' rules run (all but the strands) must not reach into a strand.

    ``validate.py``, ``add_wave.py``, ``explain.py`` and ``cli.py`` are the
    command line's, run by no rule: they read the raw files (or, ``explain``,
    the processed data) through each strand's own stages.
    """
    command_line = {"validate.py", "add_wave.py", "explain.py", "cli.py"}
    for part in workflow.shared_parts():
        if part in command_line:
            continue
        for path in sorted(workflow.package_part_files(part)):
            if path.suffix != ".py":
                continue
            reached = {module_part(name) for name in imported_modules(path)}
            strands = sorted(r for r in reached if r.startswith("strands/"))
            assert not strands, (path.relative_to(PACKAGE), strands)


def test_package_versions_change_with_any_file_of_the_part(tmp_path, monkeypatch):
    (tmp_path / "strands" / "demo").mkdir(parents=True)
    module = tmp_path / "strands" / "demo" / "read.py"
    module.write_text("x = 1\n")
    monkeypatch.setattr(workflow, "PACKAGE_DIR", tmp_path)
    before = workflow.package_version("strands/demo")
    assert before.startswith("evaluation/strands/demo sha256:")
    module.write_text("x = 2\n")
    edited = workflow.package_version("strands/demo")
    (tmp_path / "strands" / "demo" / "tables.py").write_text("")
    added = workflow.package_version("strands/demo")
    assert len({before, edited, added}) == 3


def test_stage_results_and_cutoff_dates():
    import datetime as dt

    import pandas as pd

    from evaluation.core.findings import FindingLog
    from evaluation.core.stage import StageResult, as_date

    result = StageResult({"answers": pd.DataFrame({"x": [1, 2]})}, FindingLog("demo"))
    assert result.rows("answers") == 2 and list(result["answers"]["x"]) == [1, 2]
    assert as_date("2023-12-31") == dt.date(2023, 12, 31)
    assert as_date(dt.datetime(2023, 12, 31, 15, 0)) == dt.date(2023, 12, 31)
    with pytest.raises(ValueError, match="31/12/2023.*YYYY-MM-DD"):
        as_date("31/12/2023")


def resolves(name: str) -> bool:
    """Whether ``name`` is a module, or a name its parent module defines or imports."""
    import importlib

    try:
        importlib.import_module(name)
        return True
    except ModuleNotFoundError:
        parent, _, attribute = name.rpartition(".")
        try:
            return hasattr(importlib.import_module(parent), attribute)
        except ModuleNotFoundError:
            return False


def test_resolves_tells_a_stale_import_from_a_live_one():
    assert resolves("evaluation.core.tidy") and resolves("evaluation.core.tidy.read_csv")
    assert not resolves("evaluation.tidy") and not resolves("evaluation.core.tidy.no_such_name")


def test_every_import_of_the_package_resolves_even_inside_functions():
    """A moved module leaves no stale import behind, even one only a rare step runs."""
    broken = [
        f"{path.relative_to(PACKAGE)}: {name}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for name in sorted(imported_modules(path))
        if not resolves(name)
    ]
    assert not broken, broken


def test_report_numbers_of_one_context_merge_across_codebook_files(tmp_path):
    from evaluation.core import codebook

    (tmp_path / "a.yaml").write_text(
        'report_numbers:\n  surveys:\n    "warnings": {not_count: "x"}\n    "m.*": {}\n'
    )
    (tmp_path / "b.yaml").write_text(
        'report_numbers:\n  surveys:\n    "warnings": {not_count: "x"}\n    "p.*": {}\n'
    )
    codebook.use_codebook(tmp_path)
    try:
        rules = codebook.report_number_rules()
        assert list(rules["surveys"]) == ["warnings", "m.*", "p.*"]
        conflicting = tmp_path / "conflicting"
        conflicting.mkdir()
        (conflicting / "a.yaml").write_text((tmp_path / "a.yaml").read_text())
        (conflicting / "b.yaml").write_text('report_numbers:\n  surveys:\n    "warnings": {}\n')
        codebook.use_codebook(conflicting)
        with pytest.raises(ValueError, match="'warnings' is declared twice, differently"):
            codebook.report_number_rules()
    finally:
        codebook.use_codebook(None)
