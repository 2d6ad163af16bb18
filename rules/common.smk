# Shared helpers: prison names and file names, config validation, and the
# package files behind each step, which Snakemake does not track itself. Every
# step lists them with their digests among its params (code_versions).

import re
from pathlib import Path

import evaluation.config as evaluation_config
from evaluation.logs import log_to  # noqa: F401  (used by run: blocks)
from evaluation.steps import run_step
import evaluation.workflow as evaluation_workflow

evaluation_workflow.skip_final_garbage_collection()
evaluation_workflow.serialize_params_without_pandas()

CONFIG = evaluation_config.validate_config(config)
PRISONS = list(CONFIG["case_trackers"])
PRISON_SLUGS = {evaluation_config.slug(name): name for name in PRISONS}
CUTOFF = CONFIG["cutoff_date"]

# Files the final report and `rule all` collect; each stage appends to them.
FINAL_TARGETS = []
# Tables as computed (data/processed/tables/<id>.csv), by the job that writes
# them; one publish_<group> job per group passes them through disclosure
# control to report/tables/<id>.csv.
PUBLISH_GROUPS = {}
REPORT_TABLES = []
REPORT_FIGURES = []
REPORT_CONTEXT = []
# Context files by the publish group that publishes them (min_cell: null).
PUBLISH_CONTEXT = {}
KEY_FACT_PARTS = []
LEDGER_PARTS = []
FINDING_PARTS = []


def package_code(*names):
    """Source files of the package a rule uses (files, or every .py under a folder)."""
    base = Path("src/evaluation")
    files = []
    for name in names:
        path = base / name
        files.extend(
            sorted(str(p) for p in path.rglob("*.py")) if path.is_dir() else [str(path)]
        )
    return files


def code_versions(paths):
    """Params entries "<path> sha256:<digest>": editing one of ``paths`` re-runs the rule."""
    return evaluation_workflow.code_versions(paths)


# Names that must never appear in an output (optional file; never committed for real data).
DISALLOWED_NAMES_FILE = [
    path
    for path in [config.get("qualitative", {}).get("disallowed_names")]
    if path and Path(path).exists()
]
CODEBOOK_FILES = sorted(str(p) for p in Path("src/evaluation/codebook").glob("*.yaml"))
COMMON_CODE = (
    package_code("findings.py", "codebook/__init__.py", "config.py") + CODEBOOK_FILES
)


def raw_inputs():
    """Every configured raw file that exists (its hash is the report's data version)."""
    paths = list(CONFIG["case_trackers"].values())
    for instrument in ("mothers", "practitioners"):
        paths += list(
            CONFIG.get("surveys", {}).get(instrument, {}).get("waves", {}).values()
        )
    qualitative = CONFIG.get("qualitative", {})
    for key in (
        "themes",
        "participants",
        "coded_segments",
        "integration",
        "disallowed_names",
        "participant_map",
    ):
        value = qualitative.get(key)
        if isinstance(value, dict):  # Taguette: one export per coder
            paths += [str(v) for v in value.values()]
        elif value:
            paths.append(str(value))
    if CONFIG.get("activity", {}).get("log"):
        paths.append(CONFIG["activity"]["log"])
    return sorted(p for p in set(paths) if Path(p).exists())


def pool_step_threads(wildcards):
    """threads: of rules whose step goes to the worker pool (0 when the pool is on)."""
    return evaluation_workflow.pool_job_threads(workflow)


def pool_step_slots(wildcards):
    """resources: pool_slots of those rules (1 when the pool is on, else 0)."""
    return evaluation_workflow.pool_job_slots(workflow)


evaluation_workflow.reserve_pool_slots(workflow)


onstart:
    # jobs as threads of this process (profiles/default): steps go to worker processes
    if evaluation_workflow.uses_worker_pool(workflow):
        evaluation_workflow.start_of_run(workflow.cores)


onsuccess:
    evaluation_workflow.end_of_run()


onerror:
    evaluation_workflow.end_of_run()
