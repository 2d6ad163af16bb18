"""Helpers to run the real Snakemake workflow in a scratch copy of the repository."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SKIP = {".git", ".snakemake", ".pytest_cache", ".ruff_cache", "__pycache__"}
SKIP_PATHS = {
    "data/processed",
    "report/tables",
    "report/build",
    "figures",
    "logs",
    "benchmarks/runs",
}


def skipped_names(root: Path, directory, names) -> set[str]:
    """What ``copy_project`` leaves out of ``directory``: outputs, caches and virtual environments.

    A virtual environment (a folder holding ``pyvenv.cfg``, e.g. ``.venv`` made
    in the repository) would otherwise be copied into every scratch project:
    about 1 GB each, thirty times per test run.
    """
    rel = Path(directory).resolve().relative_to(root)
    skipped = set()
    for name in names:
        path = (rel / name).as_posix()
        in_example = re.fullmatch(r"examples/[^/]+/(.+)", path)  # a study folder's outputs
        if (
            name in SKIP
            or path in SKIP_PATHS
            or (in_example and in_example.group(1) in SKIP_PATHS)
            or (Path(directory) / name / "pyvenv.cfg").exists()
        ):
            skipped.add(name)
    return skipped


def copy_project(destination: Path) -> Path:
    """Copy the workflow, config, package sources and raw data (no outputs) to ``destination``."""
    shutil.copytree(
        REPO,
        destination,
        ignore=lambda directory, names: skipped_names(REPO, directory, names),
        dirs_exist_ok=True,
    )
    for folder in ("figures", "data/processed", "report/tables"):
        (destination / folder).mkdir(parents=True, exist_ok=True)
    return destination


def snakemake(workdir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run snakemake in ``workdir`` with two cores; raise with its output when it fails and ``check``.

    A scratch copy with its own ``src/`` runs that package (first on
    ``PYTHONPATH``), so a test that edits the copy's code runs the edited code.
    """
    command = [sys.executable, "-m", "snakemake", "--cores", "2", *args]
    env = dict(os.environ)
    if (Path(workdir) / "src" / "evaluation").is_dir():
        env["PYTHONPATH"] = os.pathsep.join(
            [str(Path(workdir) / "src"), *filter(None, [env.get("PYTHONPATH")])]
        )
    result = subprocess.run(command, cwd=workdir, capture_output=True, text=True, env=env)
    if check and result.returncode != 0:
        raise AssertionError(
            f"snakemake {' '.join(args)} failed:\n{result.stdout[-4000:]}\n{result.stderr[-6000:]}"
        )
    return result


def planned_jobs(dry_run_output: str) -> dict[str, int]:
    """Rule -> job count from the 'Job stats' table of ``snakemake --dry-run``."""
    jobs: dict[str, int] = {}
    in_table = False
    for line in dry_run_output.splitlines():
        parts = line.split()
        if parts[:2] == ["job", "count"]:
            in_table = True
            continue
        if in_table and parts and parts[0] == "total":
            break
        if in_table and len(parts) == 2 and parts[1].isdigit():
            jobs[parts[0]] = int(parts[1])
    return jobs


def libreoffice_convert(
    document: Path, target: str, outdir: Path, profile: Path
) -> subprocess.CompletedProcess:
    """``document`` converted by headless LibreOffice to ``target`` (a format or filter) in ``outdir``.

    Skips the calling test, with the reason, where LibreOffice is not installed
    (CI installs Debian's libreoffice-writer and libreoffice-calc). ``profile``
    is a folder of the test's own, so that runs never share LibreOffice's settings.
    """
    import pytest

    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        pytest.skip("LibreOffice is not installed (CI installs Debian's libreoffice packages)")
    command = [office, "--headless", f"-env:UserInstallation=file://{profile}"]
    command += ["--convert-to", target, "--outdir", str(outdir), str(document)]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)
