# Evaluation pipeline: raw data -> clean -> derive -> tables -> figures -> report.
#
# Each stage lives in rules/<stage>.smk; every rule calls one function of the
# `evaluation` package with its inputs, outputs and params. Read the stages in
# the order they are included to follow the data.

from snakemake.utils import min_version

min_version("9.27")


configfile: "config.yaml"


include: "rules/common.smk"
include: "rules/case_tracker.smk"
include: "rules/surveys.smk"
include: "rules/qualitative.smk"
include: "rules/activity.smk"
include: "rules/audit.smk"
include: "rules/report.smk"
include: "rules/provenance.smk"


rule all:
    default_target: True
    input:
        final_targets,
