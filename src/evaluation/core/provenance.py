"""Provenance: file hashes, the git state of the code, and package versions."""

from __future__ import annotations

import hashlib
import subprocess
from importlib import metadata
from pathlib import Path

PACKAGES = [
    "evaluation",
    "pandas",
    "numpy",
    "scipy",
    "matplotlib",
    "snakemake",
    "pyreadstat",
    "jinja2",
    "pyarrow",
    "python-calamine",
    "openpyxl",
    "pypandoc-binary",
    "python-docx",
    "pyyaml",
]


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def data_fingerprint(paths) -> str:
    """One short hash over the names and contents of the raw inputs (the data version)."""
    digest = hashlib.sha256()
    for path in sorted(str(p) for p in paths):
        digest.update(path.encode())
        digest.update(file_sha256(path).encode())
    return digest.hexdigest()[:12]


def git_state(root: str | Path = ".") -> dict:
    """Commit and whether the working tree differs from it ('unknown' outside a git checkout)."""

    def run(*args):
        return subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()

    try:
        commit = run("rev-parse", "HEAD")
        dirty = bool(run("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.CalledProcessError):
        return {"commit": "unknown", "short": "unknown", "dirty": None}
    return {"commit": commit, "short": commit[:10], "dirty": dirty}


def package_versions() -> dict[str, str]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def build_manifest(inputs: list[str], outputs: list[str], config: dict, cutoff: str) -> dict:
    """Everything a reviewer needs to tie a report to its data, code and environment."""
    import platform

    git = git_state()
    return {
        "cutoff_date": cutoff,
        "git": git,
        "python": platform.python_version(),
        "packages": package_versions(),
        "config": config,
        "inputs": {path: file_sha256(path) for path in sorted(set(inputs))},
        "outputs": {path: file_sha256(path) for path in sorted(set(outputs))},
    }
