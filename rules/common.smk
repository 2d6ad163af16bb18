# Shared helpers: prison names and file names, config validation, and the
# package files each rule depends on (Snakemake does not track imported code).

import re
from pathlib import Path

import evaluation.config as evaluation_config

CONFIG = evaluation_config.validate_config(config)
PRISONS = list(CONFIG["case_trackers"])
PRISON_SLUGS = {evaluation_config.slug(name): name for name in PRISONS}
CUTOFF = CONFIG["cutoff_date"]

# Files the final report and `rule all` collect; each stage appends to them.
FINAL_TARGETS = []
REPORT_TABLES = []
REPORT_FIGURES = []
REPORT_CONTEXT = []
KEY_FACT_PARTS = []
LEDGER_PARTS = []
FINDING_PARTS = []


def package_code(*names):
    """Source files of the package a rule uses, so editing them re-runs the rule."""
    base = Path("src/evaluation")
    files = []
    for name in names:
        path = base / name
        files.extend(sorted(str(p) for p in path.rglob("*.py")) if path.is_dir() else [str(path)])
    return files


CODEBOOK_FILES = sorted(str(p) for p in Path("src/evaluation/codebook").glob("*.yaml"))
COMMON_CODE = package_code("findings.py", "codebook/__init__.py", "config.py") + CODEBOOK_FILES


from evaluation.logs import log_to
