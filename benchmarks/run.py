"""Benchmark harness: what a run of the pipeline costs, measured on this machine.

    python benchmarks/run.py [--repeats 3] [--scales 10 100 1000] [--quick]

Every measurement runs in a scratch copy of the repository (made with ``tar``,
without outputs, so the working copy is never touched; its package byte-compiled
once, as an installed package is) with that copy's own ``src/`` first on
PYTHONPATH:

  floor         one Python process importing the pipeline's libraries and reading
                every configured raw file (benchmarks/floor.py)
  trivial_noop  the no-op of a one-rule workflow: Snakemake's own start-up
  cold          ``snakemake --cores 2`` from nothing (jobs as threads: profiles/default)
  cold_spawn    the same with ``--workflow-profile none``: a Python process per job
  noop          the same again with everything up to date
  template      after appending a sentence to one report template
  add_wave      after adding a third mothers' survey wave (a copy of T2)
  x<N>          generator scale N (94 * N mothers), cold run end to end; the
                floor at that scale is measured too (``floor_x<N>``); at the largest
                scale one more run with a process per job (``x<N>_spawn``) gives
                each rule's peak memory, for its ``resources:``

Each is repeated (median, min, max of wall-clock seconds; ``floor`` and ``cold``
in turns, because their ratio is a target and the machine's speed drifts, with
each pair's ratio in ``cold.floor_ratio_pairs``); peak memory is the
largest single process (``getrusage(RUSAGE_CHILDREN).ru_maxrss``) and the largest
sampled sum over the whole process tree (psutil, a Snakemake dependency; each
process's proportional set size on Linux, so pages that forked worker processes
share are counted once). The
table is printed and written with the machine, date, git commit, load and the
pass/fail of each target to ``benchmarks/results.json``, with the seconds per
rule (from Snakemake's log) of every Snakemake measurement. ``--cache DIR`` keeps
the generated scaled files for the next run (generation is not timed).
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import hashlib
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results.json"
# Outputs and caches never copied into a scratch project.
EXCLUDES = [
    "./.git",
    "./data/processed",
    "./report/tables",
    "./report/build",
    "./figures",
    "./logs",
    "./.snakemake",
    "./benchmarks/runs",
    "./.benchmarks",
    "./.coverage",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
]
OUTPUT_DIRS = ["data/processed", "report/tables", "report/build", "figures", "logs", ".snakemake"]
TEMPLATE = "report/templates/sections/limitations.md.j2"
TEMPLATE_SENTENCE = (
    "\nThe benchmark added this sentence to check how fast a template edit is rebuilt.\n"
)
GENERATORS = ["case_tracker", "surveys", "activity", "qualitative"]
TRIVIAL_SNAKEFILE = """\
rule all:
    input:
        "done.txt",


rule touch:
    output:
        "done.txt",
    log:
        "touch.log",
    shell:
        "echo done > {output} 2> {log}"
"""
# Targets of issue 7 on the 2-core machine.
TARGETS = {
    "cold_vs_floor": 4.0,
    "noop_s": 1.5,
    "template_s": 3.0,
    "x1000_s": 60.0,
    "x1000_mb": 2048.0,
    "growth_exponent": 1.0,
}

MEASURE = Path(__file__).with_name("measure.py")


class BenchmarkError(RuntimeError):
    """A benchmarked command failed; the message names its log."""


def environment(project: Path) -> dict:
    """Environment for commands in ``project``: its own sources first on PYTHONPATH."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(project / "src"), *filter(None, [env.get("PYTHONPATH")])]
    )
    env.setdefault("MPLBACKEND", "Agg")
    return env


def measure(command: list[str], cwd: Path, log: Path) -> dict:
    """Run ``command`` in ``cwd`` (output to ``log``); seconds, peak MB, jobs run."""
    log.parent.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [sys.executable, str(MEASURE), json.dumps(command), str(cwd), str(log)],
        env=environment(cwd),
        capture_output=True,
        text=True,
        check=True,
    )
    sample = json.loads(result.stdout)
    if sample["returncode"] != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-25:])
        raise BenchmarkError(f"{' '.join(command)} failed in {cwd} (log {log}):\n{tail}")
    output = log.read_text(errors="replace")
    sample["jobs"] = jobs_run(output)
    sample["rules"] = rule_seconds(output)
    return sample


def jobs_run(snakemake_output: str) -> int | None:
    """Number of jobs Snakemake ran (0 for a no-op, None for other commands)."""
    if "Nothing to be done" in snakemake_output:
        return 0
    steps = re.findall(r"(\d+) of (\d+) steps", snakemake_output)
    return int(steps[-1][1]) if steps else None


def rule_seconds(snakemake_output: str) -> dict[str, dict]:
    """Rule -> jobs and summed wall seconds (start to finish, 1 s resolution) from Snakemake's log."""
    stamp, started, totals = None, {}, {}
    lines = snakemake_output.splitlines()
    for number, line in enumerate(lines):
        if found := re.fullmatch(r"\[(\w{3} \w{3} +\d+ [\d:]{8} \d{4})\]", line.strip()):
            stamp = dt.datetime.strptime(found.group(1), "%a %b %d %H:%M:%S %Y")
        elif found := re.match(r"(?:local)?rule (\w+):", line):
            for following in lines[number + 1 : number + 15]:
                if job := re.search(r"jobid: (\d+)", following):
                    started[job.group(1)] = (found.group(1), stamp)
                    break
        elif (found := re.match(r"Finished jobid: (\d+)", line)) and found.group(1) in started:
            rule, start = started.pop(found.group(1))
            entry = totals.setdefault(rule, {"jobs": 0, "seconds": 0.0})
            entry["jobs"] += 1
            entry["seconds"] += (stamp - start).total_seconds() if stamp and start else 0.0
    return dict(sorted(totals.items(), key=lambda item: (-item[1]["seconds"], item[0])))


def job_memory(job_samples: dict[str, dict]) -> dict[str, dict]:
    """Rule -> largest peak MB and longest time of its job processes (spawned jobs only)."""
    rules: dict[str, dict] = {}
    for name, sample in job_samples.items():
        entry = rules.setdefault(name.split(":")[0], {"jobs": 0, "peak_mb": 0.0, "max_s": 0.0})
        entry["jobs"] += 1
        entry["peak_mb"] = max(entry["peak_mb"], sample["peak_mb"])
        entry["max_s"] = max(entry["max_s"], sample["seen_s"])
    return dict(sorted(rules.items(), key=lambda item: (-item[1]["peak_mb"], item[0])))


def snakemake_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "snakemake", "--cores", "2", *args]


# Without the project's workflow profile (profiles/default: jobs as threads).
SPAWN = snakemake_command("--workflow-profile", "none")


def floor_command(project: Path) -> list[str]:
    return [sys.executable, str(project / "benchmarks" / "floor.py")]


def copy_project(destination: Path) -> Path:
    """Copy the repository without outputs or caches into ``destination`` (tar, as in CI).

    The copy's package is then byte-compiled once, as an installed package is:
    Python writes no bytecode where ``PYTHONDONTWRITEBYTECODE`` is set (it is on
    the benchmark machine), and every process of every measured run would
    otherwise compile the package's modules from source again.
    """
    destination.mkdir(parents=True, exist_ok=True)
    excludes = [f"--exclude={pattern}" for pattern in EXCLUDES]
    # virtual environments made in the repository (e.g. .venv): about 1 GB each
    excludes += [f"--exclude=./{marker.parent.name}" for marker in ROOT.glob("*/pyvenv.cfg")]
    pack = subprocess.Popen(["tar", *excludes, "-cf", "-", "."], cwd=ROOT, stdout=subprocess.PIPE)
    subprocess.run(["tar", "-xf", "-", "-C", str(destination)], stdin=pack.stdout, check=True)
    pack.stdout.close()
    if pack.wait() != 0:
        raise BenchmarkError(f"tar could not copy {ROOT}")
    if not compileall.compile_dir(str(destination / "src"), quiet=1):
        raise BenchmarkError(f"could not byte-compile {destination / 'src'}")
    return destination


def snapshot(project: Path, archive: Path) -> None:
    """Archive a project with its outputs and Snakemake metadata (mtimes kept exactly)."""
    subprocess.run(
        ["tar", "--format=pax", "-cf", str(archive), "-C", str(project), "."], check=True
    )


def restore(archive: Path, destination: Path) -> Path:
    shutil.rmtree(destination, ignore_errors=True)
    destination.mkdir(parents=True)
    subprocess.run(["tar", "-xf", str(archive), "-C", str(destination)], check=True)
    return destination


def clean_outputs(project: Path) -> None:
    for name in OUTPUT_DIRS:
        shutil.rmtree(project / name, ignore_errors=True)


def generator_digest(project: Path, scale: int) -> str:
    """Fingerprint of the generators' code, their targets and the scale (reuse of cached files)."""
    digest = hashlib.sha256(str(scale).encode())
    folder = project / "tools" / "synthetic"
    for path in sorted([*folder.glob("*.py"), *folder.glob("*.yaml")]):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def scaled_raw_files(project: Path, scale: int, cache: Path | None) -> float:
    """Put the generators' ``--scale`` files into the project's data/raw; seconds spent generating.

    With ``cache``, files generated earlier by the same generator code are reused.
    """
    if cache is None:
        return generate_scaled(project / "data" / "raw", project, scale)
    folder = cache / f"x{scale}"
    stamp = folder / "generator.sha256"
    digest = generator_digest(project, scale)
    seconds = 0.0
    if not (stamp.exists() and stamp.read_text() == digest):
        shutil.rmtree(folder, ignore_errors=True)
        seconds = generate_scaled(folder / "raw", project, scale)
        stamp.write_text(digest)
    shutil.copytree(folder / "raw", project / "data" / "raw", dirs_exist_ok=True)
    return seconds


def generate_scaled(raw: Path, project: Path, scale: int) -> float:
    """Write the generators' ``--scale`` files into ``raw/<source>/``; seconds taken."""
    # The generators (tools/synthetic/) are not part of the package: the project's
    # root goes on the path as well as its sources.
    env = environment(project)
    env["PYTHONPATH"] = os.pathsep.join([str(project), env["PYTHONPATH"]])
    start = time.perf_counter()
    for module in GENERATORS:
        command = [sys.executable, "-m", f"tools.synthetic.{module}"]
        command += ["--out", str(raw / module), "--scale", str(scale)]
        if module == "surveys":
            command += ["--trackers", str(raw / "case_tracker")]
        done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise BenchmarkError(
                f"generator {module} --scale {scale} failed:\n{done.stderr[-3000:]}"
            )
    return time.perf_counter() - start


def summarise(name: str, samples: list[dict], **extra) -> dict:
    seconds = [s["seconds"] for s in samples]
    trees = [s["peak_tree_mb"] for s in samples if s.get("peak_tree_mb")]
    middle = sorted(samples, key=lambda s: s["seconds"])[(len(samples) - 1) // 2]
    details = {}
    if middle.get("rules"):  # the median run's time per rule
        details["rules"] = middle["rules"]
    if middle.get("job_samples"):
        details["job_memory"] = job_memory(middle["job_samples"])
    return {
        "name": name,
        "runs": len(samples),
        "median_s": round(statistics.median(seconds), 3),
        "min_s": round(min(seconds), 3),
        "max_s": round(max(seconds), 3),
        "seconds": [round(s, 3) for s in seconds],
        "peak_mb": round(max(s["peak_mb"] for s in samples), 1),
        "peak_tree_mb": round(max(trees), 1) if trees else None,
        "tree_memory": samples[-1].get("tree_memory"),
        "jobs": samples[-1].get("jobs"),
        **extra,
        **details,
    }


class Harness:
    """Runs the measurements in a scratch folder and collects their summaries."""

    def __init__(
        self,
        scratch: Path,
        repeats: int,
        *,
        spawn: bool = True,
        cache: Path | None = None,
        verbose: bool = True,
    ):
        self.scratch = scratch
        self.repeats = repeats
        self.spawn = spawn
        self.cache = cache
        self.verbose = verbose
        self.logs = scratch / "logs"
        self.results: dict[str, dict] = {}
        self.failures: dict[str, str] = {}

    def say(self, message: str) -> None:
        if self.verbose:
            print(message, file=sys.stderr, flush=True)

    def record(self, name: str, samples: list[dict], **extra) -> dict:
        summary = summarise(name, samples, **extra)
        self.results[name] = summary
        self.say(
            f"  {name:<14} median {summary['median_s']:8.2f} s  peak {summary['peak_mb']:7.1f} MB"
            f"  jobs {summary['jobs']}"
        )
        return summary

    def repeat(
        self, name: str, prepare, command: list[str], cwd: Path, runs: int | None = None, **extra
    ) -> dict | None:
        """``prepare(i)`` (not timed) then the timed ``command``, ``runs`` (default: repeats) times."""
        samples = []
        try:
            for i in range(runs or self.repeats):
                prepare(i)
                samples.append(measure(command, cwd, self.logs / f"{name}_{i}.log"))
        except BenchmarkError as error:
            self.failures[name] = str(error)
            self.say(f"  {name}: FAILED\n{error}")
            return None
        return self.record(name, samples, **extra)

    # -- the measurements ------------------------------------------------------

    def floor(self, project: Path, name: str = "floor") -> None:
        summary = self.repeat(name, lambda i: None, floor_command(project), project)
        if summary:
            summary.update(self.floor_readings(name))

    def floor_readings(self, name: str) -> dict:
        """What the floor read (files, rows, libraries): the one JSON line of its first run."""
        lines = (self.logs / f"{name}_0.log").read_text().strip().splitlines()
        return json.loads(lines[-1])

    def trivial_noop(self) -> None:
        workflow = self.scratch / "trivial"
        workflow.mkdir(parents=True, exist_ok=True)
        (workflow / "Snakefile").write_text(TRIVIAL_SNAKEFILE)
        measure(snakemake_command(), workflow, self.logs / "trivial_first.log")
        self.repeat("trivial_noop", lambda i: None, snakemake_command(), workflow)

    def floor_and_cold(self, project: Path) -> None:
        """The floor and the cold run taken in turns, as pairs.

        Their ratio is a target, and the machine's speed drifts over minutes
        (on the benchmark machine the same floor measured 1.06 s and 1.49 s in
        two runs of the harness): taken in turns, both see the same machine.
        """
        floors, colds = [], []
        try:
            for i in range(self.repeats):
                floors.append(
                    measure(floor_command(project), project, self.logs / f"floor_{i}.log")
                )
                clean_outputs(project)
                colds.append(measure(snakemake_command(), project, self.logs / f"cold_{i}.log"))
        except BenchmarkError as error:
            self.failures["cold"] = str(error)
            self.say(f"  floor and cold: FAILED\n{error}")
            return
        pairs = [
            cold["seconds"] / floor["seconds"] for floor, cold in zip(floors, colds, strict=True)
        ]
        self.record("floor", floors).update(self.floor_readings("floor"))
        self.record("cold", colds, floor_ratio_pairs=[round(r, 2) for r in pairs])

    def example(self) -> None:
        """Floor and cold in turns, then no-op, template edit and added wave (scale 1)."""
        project = copy_project(self.scratch / "x1")
        self.floor_and_cold(project)
        if "cold" in self.failures:
            return
        if self.spawn:  # Snakemake's default: a new Python process per job (no workflow profile)
            self.repeat("cold_spawn", lambda i: clean_outputs(project), SPAWN, project)
        self.repeat("noop", lambda i: None, snakemake_command(), project)
        baseline = self.scratch / "x1_complete.tar"
        snapshot(project, baseline)
        work = self.scratch / "x1_work"

        def edit_template(i: int) -> None:
            restore(baseline, work)
            check = measure(snakemake_command(), work, self.logs / f"restore_check_{i}.log")
            if check["jobs"] != 0:
                raise BenchmarkError(f"a restored complete project is not up to date ({check})")
            with open(work / TEMPLATE, "a", encoding="utf-8") as template:
                template.write(TEMPLATE_SENTENCE)

        self.repeat("template", edit_template, snakemake_command(), work)

        waves = self.scratch / "three_waves.yaml"
        waves.write_text(
            "surveys:\n  mothers:\n    waves:\n"
            "      T1: data/raw/surveys/mothers_T1.sav\n"
            "      T2: data/raw/surveys/mothers_T2.sav\n"
            "      T3: data/raw/surveys/mothers_T3.sav\n"
        )

        def add_wave(i: int) -> None:
            restore(baseline, work)
            surveys = work / "data" / "raw" / "surveys"
            shutil.copy2(surveys / "mothers_T2.sav", surveys / "mothers_T3.sav")

        command = snakemake_command("--configfile", str(waves))
        self.repeat("add_wave", add_wave, command, work)
        shutil.rmtree(work, ignore_errors=True)

    def scaled(self, scale: int, spawn: bool = False) -> None:
        project = copy_project(self.scratch / f"x{scale}")
        self.say(f"generating x{scale} ...")
        try:
            generation = scaled_raw_files(project, scale, self.cache)
        except BenchmarkError as error:
            self.failures[f"x{scale}"] = str(error)
            self.say(str(error))
            return
        self.floor(project, f"floor_x{scale}")
        self.repeat(
            f"x{scale}",
            lambda i: clean_outputs(project),
            snakemake_command(),
            project,
            scale=scale,
            mothers=94 * scale,
            generation_s=round(generation, 1),
        )
        if spawn and f"x{scale}" not in self.failures:  # one run: memory and time per job
            self.repeat(f"x{scale}_spawn", lambda i: clean_outputs(project), SPAWN, project, runs=1)
        shutil.rmtree(project, ignore_errors=True)


def growth_exponent(results: dict, low: int, high: int) -> float | None:
    """Exponent k of time ~ scale^k between two scales (1 = linear)."""
    a, b = results.get(f"x{low}"), results.get(f"x{high}")
    if not a or not b or low == high:
        return None
    return round(math.log(b["median_s"] / a["median_s"]) / math.log(high / low), 3)


def check_targets(results: dict, scales: list[int]) -> list[dict]:
    """Each target of issue 7 with its measured value and pass/fail (None when not measured)."""

    def value(name: str, key: str = "median_s"):
        return results.get(name, {}).get(key)

    checks = []

    def add(target: str, limit: float, measured, unit: str, note: str = "") -> None:
        passed = None if measured is None else bool(measured <= limit)
        checks.append(
            {"target": target, "limit": limit, "unit": unit, "value": measured, "pass": passed}
            | ({"note": note} if note else {})
        )

    cold, floor = value("cold"), value("floor")
    ratio = round(cold / floor, 2) if cold and floor else None
    add("cold full run <= 4 x floor", TARGETS["cold_vs_floor"], ratio, "x floor")
    noop, trivial = value("noop"), value("trivial_noop")
    add(
        "no-op <= 1.5 s",
        TARGETS["noop_s"],
        noop,
        "s",
        f"trivial one-rule workflow no-op: {trivial} s" if trivial else "",
    )
    add("template edit <= 3 s", TARGETS["template_s"], value("template"), "s")
    big = f"x{max(scales)}" if scales else None
    if big == "x1000":
        add("x1000 end to end <= 60 s", TARGETS["x1000_s"], value(big), "s")
        # the larger of the tree's summed memory and the largest single process
        sizes = [v for v in (value(big, "peak_tree_mb"), value(big, "peak_mb")) if v is not None]
        memory = max(sizes) if sizes else None
        add(
            "x1000 peak memory <= 2 GB",
            TARGETS["x1000_mb"],
            memory,
            "MB",
            "max of process tree (PSS sum) and largest process (RSS)",
        )
    if len(scales) >= 2:
        low, high = min(scales), max(scales)
        add(
            f"growth x{low} -> x{high} no faster than linear",
            TARGETS["growth_exponent"],
            growth_exponent(results, low, high),
            "exponent",
            "time ~ scale^k",
        )
    return checks


def machine_info() -> dict:
    cpu = platform.processor()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = re.findall(r"model name\s*:\s*(.+)", cpuinfo.read_text())
        cpu = names[0].strip() if names else cpu
    memory = None
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        found = re.search(r"MemTotal:\s*(\d+) kB", meminfo.read_text())
        memory = round(int(found.group(1)) / 2**20, 1) if found else None
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "memory_gb": memory,
        "snakemake": _version("snakemake"),
        "pandas": _version("pandas"),
    }


def _version(package: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def git_state() -> dict:
    def git(*args: str) -> str | None:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return done.stdout.rstrip() if done.returncode == 0 else None  # keep " M" columns

    status = git("status", "--porcelain", "--untracked-files=no")
    return {
        "commit": git("rev-parse", "HEAD"),
        "dirty": bool(status) if status is not None else None,
        "modified": modified_paths(status or ""),
    }


def modified_paths(porcelain: str) -> list[str]:
    """Paths from ``git status --porcelain``: each line is two status letters, a space, the path."""
    return sorted(line[3:] for line in porcelain.splitlines() if line.strip())


def print_table(results: dict, checks: list[dict], failures: dict) -> None:
    header = f"{'measurement':<14} {'runs':>4} {'median s':>9} {'min s':>8} {'max s':>8} "
    header += f"{'peak MB':>8} {'tree MB':>8} {'jobs':>5}"
    print(header)
    print("-" * len(header))
    for row in results.values():
        tree = f"{row['peak_tree_mb']:8.1f}" if row["peak_tree_mb"] else f"{'-':>8}"
        print(
            f"{row['name']:<14} {row['runs']:>4} {row['median_s']:9.2f} {row['min_s']:8.2f} "
            f"{row['max_s']:8.2f} {row['peak_mb']:8.1f} {tree} {str(row['jobs']):>5}"
        )
    for name in failures:
        print(f"{name:<14} FAILED (see results.json)")
    print()
    for check in checks:
        verdict = {True: "pass", False: "FAIL", None: "n/a"}[check["pass"]]
        print(f"[{verdict}] {check['target']}: {check['value']} {check['unit']}")


def markdown(report: dict) -> str:
    """The measurements and targets of a results file as Markdown tables (benchmarks/README.md)."""
    lines = [
        "| measurement | runs | median s | min s | max s | peak MB (largest process) "
        "| peak MB (all processes) | jobs |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in report["measurements"].values():
        tree = f"{row['peak_tree_mb']:.0f}" if row.get("peak_tree_mb") else "-"
        jobs = "-" if row.get("jobs") is None else str(row["jobs"])
        lines.append(
            f"| {row['name']} | {row['runs']} | {row['median_s']:.2f} | {row['min_s']:.2f} "
            f"| {row['max_s']:.2f} | {row['peak_mb']:.0f} | {tree} | {jobs} |"
        )
    lines += ["", "| target | measured | result |", "| --- | ---: | --- |"]
    for check in report["targets"]:
        verdict = {True: "pass", False: "**fail**", None: "not measured"}[check["pass"]]
        lines.append(f"| {check['target']} | {check['value']} {check['unit']} | {verdict} |")
    machine, load = report["machine"], report["load_average"]
    lines += [
        "",
        f"{report['date'][:10]}, commit {str(report['git']['commit'])[:7]}"
        f"{' (with local changes)' if report['git'].get('dirty') else ''}; {machine['cpu']}, "
        f"{machine['cpus']} CPUs, {machine['memory_gb']} GB; Python {machine['python']}, "
        f"Snakemake {machine['snakemake']}, pandas {machine['pandas']}; load average "
        f"{load['before'][0] if load.get('before') else '?'} before, "
        f"{load['after'][0] if load.get('after') else '?'} after.",
    ]
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--scales", type=int, nargs="*", default=[10, 100, 1000])
    parser.add_argument(
        "--quick", action="store_true", help="one run each, scale x10 only (a smoke test)"
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="results JSON")
    parser.add_argument("--scratch", type=Path, help="scratch folder (default: a temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    parser.add_argument(
        "--markdown",
        type=Path,
        metavar="RESULTS",
        help="print the tables of an existing results file as Markdown and stop",
    )
    parser.add_argument(
        "--cache", type=Path, help="folder to keep the scaled raw files in and reuse them from"
    )
    parser.add_argument(
        "--no-spawn",
        action="store_true",
        help="skip the runs with a process per job (cold_spawn, x<largest>_spawn)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.repeats, args.scales = 1, [10]
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.markdown:
        print(markdown(json.loads(args.markdown.read_text(encoding="utf-8"))))
        return 0
    scratch = args.scratch or Path(tempfile.mkdtemp(prefix="evaluation-bench-"))
    scratch.mkdir(parents=True, exist_ok=True)
    load_before = load_average()
    started = dt.datetime.now(dt.UTC)
    harness = Harness(scratch, args.repeats, spawn=not args.no_spawn, cache=args.cache)
    harness.say(f"scratch folder {scratch}; load average {load_before}")
    try:
        harness.trivial_noop()
        harness.example()
        for scale in sorted(args.scales):
            harness.scaled(scale, spawn=harness.spawn and scale == max(args.scales))
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    checks = check_targets(harness.results, sorted(args.scales))
    report = {
        "date": started.isoformat(timespec="seconds"),
        "duration_s": round((dt.datetime.now(dt.UTC) - started).total_seconds(), 1),
        "command": "python benchmarks/run.py "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "repeats": args.repeats,
        "scales": sorted(args.scales),
        "git": git_state(),
        "machine": machine_info(),
        "load_average": {"before": load_before, "after": load_average()},
        "measurements": harness.results,
        "failures": harness.failures,
        "targets": checks,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print_table(harness.results, checks, harness.failures)
    print(f"\nwritten {args.out}")
    return 1 if harness.failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
