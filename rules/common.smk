# Shared helpers: prison names and file names, config validation, and the
# package files behind each step, which Snakemake does not track itself. Every
# step lists them with their digests among its params (code_versions).

import os
import re
from pathlib import Path

import evaluation.core.codebook as evaluation_codebook
import evaluation.core.config as evaluation_config
from evaluation.core.logs import log_to  # noqa: F401  (used by run: blocks)
from evaluation.runtime import run_step
import evaluation.strands.registry as evaluation_strands
import evaluation.runtime.workflow as evaluation_workflow

# config.yaml as written: a key written twice stops the run (YAML keeps the second).
if Path("config.yaml").is_file():
    evaluation_config.load_config_file("config.yaml")
CONFIG = evaluation_config.validate_config(config)
# A file the config names must exist: a missing optional file is never skipped.
evaluation_config.stop_on_missing_files(CONFIG)
STUDY_STRANDS = evaluation_config.study_strands(CONFIG)
# The study's codebook (config key codebook:, a folder beside config.yaml): named
# in the environment, so that this process, the workers and every job read it.
os.environ[evaluation_codebook.CODEBOOK_ENV] = str(
    Path(CONFIG.get("codebook", "codebook")).resolve()
)
# The groups that are the columns of every table, in order (config grouping:
# one workbook per group, the keys of case_trackers; or a column of the register).
GROUPS = evaluation_config.study_groups(CONFIG)
# The register's workbooks by file-name-safe key (one read job each).
WORKBOOK_SLUGS = {
    evaluation_config.slug(name): name for name in CONFIG.get("case_trackers", {})
}
CUTOFF = CONFIG["cutoff_date"]

# The strands' registry: each strand file (rules/case_tracker.smk,
# surveys.smk, qualitative.smk) ends with one register_strand(...) call
# declaring what the shared stages collect from it. The report, audit and
# provenance stages and `rule all` read it through strand_files(),
# publish_groups() and publish_context(), which concatenate the strands in
# registration order, i.e. the order of the Snakefile's include: lines. Rule
# inputs read it through input functions, evaluated once every file is
# included; only what must be known at parse time (rule outputs, the
# publish_<group> rules made in a loop) reads it there, in rules/report.smk,
# included after the strands.
STRANDS = {}


def register_strand(
    name,
    *,
    publish_groups,
    tables,
    figures,
    context,
    key_facts,
    ledger,
    findings,
    targets,
    publish_context,
):
    """Register strand ``name`` once (see evaluation.strands.registry.Strand for each field).

    publish_groups: {group: computed table ids} (one publish_<group> job each
    with min_cell: null); tables, figures, context: the report's inputs;
    key_facts, ledger, findings: parts merged by key_facts and audit_logs;
    targets: further files the default target builds; publish_context:
    {group: the strand's context files its publish job protects}.
    """
    evaluation_strands.register(
        STRANDS,
        evaluation_strands.Strand(
            name=name,
            publish_groups={group: list(ids) for group, ids in publish_groups.items()},
            tables=list(tables),
            figures=list(figures),
            context=list(context),
            key_facts=list(key_facts),
            ledger=list(ledger),
            findings=list(findings),
            targets=list(targets),
            publish_context={
                group: list(paths) for group, paths in publish_context.items()
            },
        ),
    )


def strand_files(kind):
    """Every strand's files of ``kind`` (tables, figures, context, key_facts, ledger, findings, targets)."""
    return evaluation_strands.files(STRANDS, kind)


def publish_groups():
    """Every strand's publish groups, {group: computed table ids}."""
    return evaluation_strands.publish_groups(STRANDS)


def publish_context(group):
    """The context files published with ``group`` ([] if none)."""
    return evaluation_strands.publish_context(STRANDS, group)


# Input functions of the rules that collect every strand's files and the
# shared stages' (AUDIT_TARGETS, REPORT_TARGETS, PROVENANCE_TARGETS and
# RELEASE_TARGETS, set by rules/audit.smk, report.smk and provenance.smk):
# called once every file is included.
def manifest_outputs(wildcards):
    """Every output the manifest hashes: the strands' files and the shared stages'."""
    return sorted(
        set(
            strand_files("tables")
            + strand_files("figures")
            + strand_files("context")
            + strand_files("targets")
            + AUDIT_TARGETS
            + REPORT_TARGETS
        )
    )


def final_targets(wildcards):
    """Everything a run builds: the strands' report files and targets, then the shared stages'."""
    return (
        strand_files("tables")
        + strand_files("figures")
        + strand_files("targets")
        + AUDIT_TARGETS
        + REPORT_TARGETS
        + PROVENANCE_TARGETS
        + list(RELEASE_TARGETS)
    )


# Names that must never appear in an output (optional file; never committed for real data).
# A configured file exists: stop_on_missing_files stopped the run otherwise.
DISALLOWED_NAMES_FILE = [
    path for path in [CONFIG.get("qualitative", {}).get("disallowed_names")] if path
]
CODEBOOK_FILES = [
    str(path)
    for path in evaluation_codebook.codebook_files(CONFIG.get("codebook", "codebook"))
]


def code_versions(paths):
    """Params entries "<path> sha256:<digest>": editing one of ``paths`` re-runs the rule."""
    return evaluation_workflow.code_versions(paths)


# Digest of each package part, taken once per parse: every rule of a strand,
# and every shared stage, names the same parts.
PART_VERSIONS = {}


def part_versions(parts):
    """Params entries of the codebook's files and of each package part in ``parts``."""
    for part in parts:
        if part not in PART_VERSIONS:
            PART_VERSIONS[part] = evaluation_workflow.package_version(part)
    return code_versions(CODEBOOK_FILES) + [PART_VERSIONS[part] for part in parts]


def strand_code(strand):
    """A strand's rules' code params: the codebook's files and the engine and strand packages.

    A strand's steps import only the engine (core, runtime) and their own
    package, so an edit anywhere in what they can run re-runs them.
    """
    return part_versions(evaluation_workflow.strand_parts(strand))


def shared_code():
    """The shared stages' code params: the codebook and every package part but the strands."""
    return part_versions(evaluation_workflow.shared_parts())


def within_study(path):
    """``path`` relative to the study's folder when it lies inside it, else absolute.

    Inputs inside the folder are named relatively, so a study folder that is
    moved or copied keeps its outputs up to date.
    """
    path = Path(path).resolve()
    try:
        return str(path.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


# The engine's style sheet and Pandoc filter come with the package; a study may
# bring its own Word reference documents in report/, else the engine's are used.
REPORT_ASSETS = Path(
    within_study(evaluation_workflow.PACKAGE_DIR / "report" / "assets")
)


def study_or_engine(path):
    """``path`` in the study's folder when it is there, else beside the engine's Snakefile."""
    return path if Path(path).exists() else within_study(Path(workflow.basedir) / path)


def raw_inputs():
    """Every configured raw file (its hash is the report's data version); each exists."""
    return sorted({path for _, path in evaluation_config.configured_files(CONFIG)})


def job_threads(wildcards):
    """threads: of every rule with a step (0 when jobs are threads of this process, else 1)."""
    return evaluation_workflow.job_threads(workflow)


evaluation_workflow.no_held_back_jobs(workflow)


onstart:
    # jobs as threads of this process (profiles/default): steps go to worker processes
    if evaluation_workflow.uses_worker_pool(workflow):
        evaluation_workflow.start_of_run(workflow.cores)


onsuccess:
    evaluation_workflow.end_of_run()


onerror:
    evaluation_workflow.end_of_run()
