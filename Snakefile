# Evaluation pipeline: raw data -> clean -> derive -> tables -> figures -> report.
#
# Each stage lives in rules/<stage>.smk; every rule calls one function of the
# `evaluation` package with its inputs, outputs and params. Read the stages in
# the order they are included to follow the data.

import time

from snakemake.utils import min_version

min_version("9.27")

# When this run began: a failed run repeats the errors its rules logged since.
RUN_STARTED = time.time()


configfile: "config.yaml"


include: "rules/common.smk"


# The study's strands (evaluation.core.config.study_strands): each strand whose
# files the config names.
if "case_tracker" in STUDY_STRANDS:

    include: "rules/case_tracker.smk"


if "register" in STUDY_STRANDS:

    include: "rules/register.smk"


if "surveys" in STUDY_STRANDS:

    include: "rules/surveys.smk"


if "qualitative" in STUDY_STRANDS:

    include: "rules/qualitative.smk"


if "activity" in STUDY_STRANDS:

    include: "rules/activity.smk"


include: "rules/audit.smk"
include: "rules/report.smk"
include: "rules/workbook.smk"
include: "rules/provenance.smk"


# A failed run withdraws every output of earlier runs (evaluation.core.stale):
# tables, figures and a report made before the failure must not look current,
# and the next run must meet the same problem again, not reuse them.
onerror:
    evaluation_stale.report_failure(evaluation_stale.withdraw_outputs(), RUN_STARTED)


rule all:
    default_target: True
    input:
        final_targets,
        WORKBOOK_TARGETS,
