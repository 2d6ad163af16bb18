"""Run one command; print its wall-clock seconds and peak memory as one JSON line.

    python benchmarks/measure.py '<command as JSON list>' <working dir> <log file>

A process of its own, so that ``getrusage(RUSAGE_CHILDREN).ru_maxrss`` (the
largest single process) covers this command's process tree only. With psutil
(a Snakemake dependency) the tree is also sampled (every 0.5 s with PSS, 0.1 s with RSS): the largest sum
of memory over all its processes, and for every Snakemake job process
(``--target-jobs <rule:wildcards>``) its own peak memory and how long it was seen.

The tree's sum counts each process's proportional set size (PSS) where Linux
gives it: worker processes forked from one server share the pages of the
libraries they imported, and summing their resident sizes would count those
pages once per process. Elsewhere it falls back to resident size (RSS).
"""

from __future__ import annotations

import contextlib
import json
import resource
import subprocess
import sys
import threading
import time

try:
    import psutil
except ImportError:  # the harness still reports time and the largest process
    psutil = None

#: Resident sizes are cheap to read; PSS makes the kernel walk each process's
#: page tables, and read every 0.1 s it added about 0.4 s to a 7 s run on two
#: cores. Memory peaks worth measuring (x1000) last for seconds.
INTERVAL_S = 0.1
PSS_INTERVAL_S = 0.5
MB = 2**20


def job_name(command_line: list[str]) -> str | None:
    """``rule:wildcards`` of a Snakemake job process (its Python, not the shell around it)."""
    if not command_line or not command_line[0].rsplit("/", 1)[-1].startswith("python"):
        return None
    if "--target-jobs" not in command_line[:-1]:
        return None
    return command_line[command_line.index("--target-jobs") + 1]


def tree_memory(process) -> int:
    """Bytes a process adds to its tree: PSS on Linux, else RSS."""
    global MEMORY_METRIC
    if MEMORY_METRIC == "pss":
        try:
            return process.memory_full_info().pss
        except (AttributeError, psutil.AccessDenied):
            MEMORY_METRIC = "rss"
    return process.memory_info().rss


MEMORY_METRIC = "pss" if sys.platform.startswith("linux") else "rss"


class TreeSampler(threading.Thread):
    """Samples the resident memory of a process tree until stopped."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.root = psutil.Process(pid)
        self.stop = threading.Event()
        self.peak_tree = 0
        self.jobs: dict[str, dict] = {}
        self.start_time = time.perf_counter()

    @property
    def interval(self) -> float:
        return PSS_INTERVAL_S if MEMORY_METRIC == "pss" else INTERVAL_S

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                processes = [self.root, *self.root.children(recursive=True)]
            except psutil.Error:
                return
            total = 0
            for process in processes:
                try:
                    total += tree_memory(process)
                    name = job_name(process.cmdline())
                    if name:
                        self.sample_job(name, process)
                except psutil.Error:
                    continue
            self.peak_tree = max(self.peak_tree, total)
            self.stop.wait(self.interval)

    def sample_job(self, name: str, process) -> None:
        rss = process.memory_info().rss
        for child in process.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                rss += child.memory_info().rss
        now = time.perf_counter() - self.start_time
        job = self.jobs.setdefault(name, {"peak_mb": 0.0, "first_s": now, "last_s": now})
        job["peak_mb"] = max(job["peak_mb"], round(rss / MB, 1))
        job["last_s"] = now


def main(argv: list[str]) -> int:
    command, cwd, log_path = json.loads(argv[0]), argv[1], argv[2]
    sampler = None
    with open(log_path, "w") as log:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
        if psutil is not None:
            sampler = TreeSampler(process.pid)
            sampler.start()
        returncode = process.wait()
        seconds = time.perf_counter() - start
    if sampler:
        sampler.stop.set()
        sampler.join()
    maxrss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    unit = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
    result = {
        "seconds": seconds,
        "returncode": returncode,
        "peak_mb": maxrss * unit / MB,
        "peak_tree_mb": sampler.peak_tree / MB if sampler and sampler.peak_tree else None,
        "tree_memory": MEMORY_METRIC if sampler else None,
        "job_samples": {
            name: {
                "peak_mb": job["peak_mb"],
                "seen_s": round(job["last_s"] - job["first_s"] + sampler.interval, 1),
            }
            for name, job in sorted(sampler.jobs.items())
        }
        if sampler
        else {},
    }
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
