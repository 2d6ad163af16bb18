"""Provenance: file hashes, the git state of the code, package versions and the lock file."""

from __future__ import annotations

import hashlib
import re
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


#: The lock file of exact versions, in the engine's folder (the repository), beside pyproject.toml.
LOCK_FILE = "requirements.lock"
#: One pin of the lock file: ``name==version``.
PIN = re.compile(r"^(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)==(?P<version>\S+)$")


def normalise_name(name: str) -> str:
    """A distribution name as packaging compares names (PEP 503): ``ruamel.yaml`` -> ``ruamel-yaml``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def engine_root() -> Path | None:
    """The engine's folder (the repository holding ``pyproject.toml``), or None for a non-editable install."""
    root = Path(__file__).resolve().parents[3]
    return root if (root / "pyproject.toml").is_file() else None


def read_lock(path: str | Path) -> dict[str, str]:
    """The pins of a lock file, {name as written: version}; comments and blank lines are skipped.

    A line that is not ``name==version`` raises ValueError naming the file and line.
    """
    pins = {}
    for number, raw in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        match = PIN.match(line)
        if match is None:
            raise ValueError(f"{path}, line {number}: not 'name==version': {raw.strip()!r}")
        pins[match["name"]] = match["version"]
    return pins


def environment_lock(lock_path: str | Path | None = None) -> dict:
    """Whether the running environment has the lock file's exact versions.

    ``lock_path`` defaults to ``requirements.lock`` in the engine's folder. Returns
    ``{"lock_file", "lock_sha256", "status", "matches", "differences"}``: the lock
    file by name (not its folder, so two copies of the engine write the same
    manifest; the digest identifies it), and a status
    ``"matches"``, ``"differs"`` or ``"no lock file"`` (then ``matches`` is None);
    each difference is ``{"package", "locked", "installed"}``, ``installed`` being
    ``"not installed"`` for a locked package that is absent.
    """
    if lock_path is None:
        root = engine_root()
        lock_path = root / LOCK_FILE if root is not None else None
    if lock_path is None or not Path(lock_path).is_file():
        return {
            "lock_file": None if lock_path is None else Path(lock_path).name,
            "lock_sha256": None,
            "status": "no lock file",
            "matches": None,
            "differences": [],
        }
    differences = []
    for name, locked in read_lock(lock_path).items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = "not installed"
        if installed != locked:
            differences.append({"package": name, "locked": locked, "installed": installed})
    return {
        "lock_file": Path(lock_path).name,
        "lock_sha256": file_sha256(lock_path),
        "status": "differs" if differences else "matches",
        "matches": not differences,
        "differences": differences,
    }


def build_manifest(inputs: list[str], outputs: list[str], config: dict, cutoff: str) -> dict:
    """Everything a reviewer needs to tie a report to its data, code and environment."""
    import platform

    git = git_state()
    return {
        "cutoff_date": cutoff,
        "git": git,
        "python": platform.python_version(),
        "packages": package_versions(),
        "environment_lock": environment_lock(),
        "config": config,
        "inputs": {path: file_sha256(path) for path in sorted(set(inputs))},
        "outputs": {path: file_sha256(path) for path in sorted(set(outputs))},
    }
