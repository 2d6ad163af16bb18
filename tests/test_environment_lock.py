"""The lock file of exact versions, the manifest's comparison with it, and the release's version.

``requirements.lock`` pins every package the README's first command installs;
``evaluation.core.provenance.environment_lock`` says whether the running
environment has those versions (the manifest records it); the version is the
same in ``pyproject.toml``, ``evaluation.__version__``, ``CITATION.cff`` and the
CHANGELOG's latest release.
"""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
import yaml

import evaluation
from evaluation.core import provenance
from evaluation.core.provenance import environment_lock, normalise_name, read_lock

REPO = Path(__file__).resolve().parents[1]
LOCK = REPO / "requirements.lock"
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def requirement_names(requirements: list[str]) -> set[str]:
    """The normalised distribution names of PEP 508 requirement strings."""
    return {normalise_name(REQUIREMENT_NAME.match(r).group(1)) for r in requirements}


def locked_names() -> set[str]:
    return {normalise_name(name) for name in read_lock(LOCK)}


# -- the lock file ---------------------------------------------------------


def test_every_line_of_the_lock_is_a_pin_or_a_comment():
    lines = LOCK.read_text(encoding="utf-8").splitlines()
    pins = [line for line in lines if line.strip() and not line.startswith("#")]
    assert len(pins) > 20
    bad = [line for line in pins if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*==[^\s=]+", line)]
    assert bad == []
    assert len(read_lock(LOCK)) == len(pins)  # parses, one pin per package


def test_the_lock_says_how_it_was_made_and_refreshed():
    header = LOCK.read_text(encoding="utf-8").split("\n\n")[0]
    assert "pip freeze --exclude-editable" in header
    assert "refresh" in header.lower()
    assert 'pip install -c requirements.lock -e ".[test]"' in header


def test_the_lock_pins_every_runtime_dependency():
    missing = requirement_names(PYPROJECT["project"]["dependencies"]) - locked_names()
    assert missing == set()


def test_the_lock_pins_every_test_tool():
    missing = requirement_names(PYPROJECT["project"]["optional-dependencies"]["test"])
    assert missing - locked_names() == set()


def test_the_lock_pins_no_installer_nor_the_package_itself():
    assert locked_names() & {"pip", "setuptools", "wheel", "evaluation"} == set()


def test_a_line_that_is_not_a_pin_is_refused(tmp_path):
    lock = tmp_path / "requirements.lock"
    lock.write_text("# header\npandas==2.2.3\nnumpy>=1.26\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"line 3: not 'name==version': 'numpy>=1.26'"):
        read_lock(lock)


# -- the environment against a lock ----------------------------------------


def installed(*names: str) -> dict[str, str]:
    return {name: metadata.version(name) for name in names}


def test_a_lock_of_the_installed_versions_matches(tmp_path):
    versions = installed("pandas", "PyYAML", "ruamel.yaml", "python_calamine")
    lock = tmp_path / "requirements.lock"
    lines = [f"{name}=={version}" for name, version in versions.items()]
    lock.write_text("# made from this environment\n\n" + "\n".join(lines) + "\n", encoding="utf-8")
    result = environment_lock(lock)
    assert result["lock_file"] == lock.name  # by name: two engine copies write one manifest
    assert result["status"] == "matches"
    assert result["matches"] is True
    assert result["differences"] == []
    assert len(result["lock_sha256"]) == 64


def test_a_lock_line_the_environment_disagrees_with_is_a_difference(tmp_path):
    pandas = metadata.version("pandas")
    lock = tmp_path / "requirements.lock"
    lock.write_text(
        f"pandas=={pandas}\nnumpy==0.0.1\nno-such-package-anywhere==1.0\n", encoding="utf-8"
    )
    result = environment_lock(lock)
    assert result["status"] == "differs"
    assert result["matches"] is False
    assert result["differences"] == [
        {"package": "numpy", "locked": "0.0.1", "installed": metadata.version("numpy")},
        {"package": "no-such-package-anywhere", "locked": "1.0", "installed": "not installed"},
    ]


def test_no_lock_file_is_said(tmp_path, monkeypatch):
    result = environment_lock(tmp_path / "requirements.lock")
    assert result["status"] == "no lock file"
    assert result["matches"] is None
    assert result["differences"] == []
    # a non-editable install has no engine folder to find the lock in
    monkeypatch.setattr(provenance, "engine_root", lambda: None)
    assert environment_lock() == {
        "lock_file": None,
        "lock_sha256": None,
        "status": "no lock file",
        "matches": None,
        "differences": [],
    }


def test_the_default_lock_is_the_engines():
    assert provenance.engine_root() == REPO
    result = environment_lock()
    assert result["lock_file"] == LOCK.name
    assert result["status"] in {"matches", "differs"}
    assert result["matches"] is (result["differences"] == [])


def test_the_manifest_records_the_comparison():
    record = provenance.build_manifest([], [], {"cutoff_date": "2023-12-31"}, "2023-12-31")
    assert record["environment_lock"]["lock_file"] == LOCK.name
    assert set(record["environment_lock"]) == {
        "lock_file",
        "lock_sha256",
        "status",
        "matches",
        "differences",
    }


# -- the release -------------------------------------------------------------


def test_the_citation_file_cites_this_version():
    citation = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["cff-version"] == "1.2.0"
    assert str(citation["version"]) == PYPROJECT["project"]["version"] == evaluation.__version__
    assert citation["authors"] == [{"name": "Evaluation team"}]
    assert citation["license"] == PYPROJECT["project"]["license"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(citation["date-released"]))


def test_the_changelogs_latest_release_is_this_version():
    changelog = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## \[([^\]]+)\](?: - (\S+))?$", changelog, re.M)
    assert headings[0] == ("Unreleased", "")
    citation = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    assert headings[1] == (evaluation.__version__, str(citation["date-released"]))


def test_the_readmes_first_command_installs_from_the_lock():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^```bash\n(.*?)^```", quick_start, re.M | re.S)
    assert len(commands) >= 2
    first = commands[0].strip()
    assert "-c requirements.lock" in first
    assert first.startswith("pip install") and "snakemake --cores 2" in first
    assert commands[1].strip() == "pytest"
