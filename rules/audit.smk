# Audit trail: the strands' ledgers and data-quality findings merged into
# one ledger and one data-quality log for reviewers.


rule audit_logs:
    input:
        ledgers=lambda wildcards: strand_files("ledger"),
        findings=lambda wildcards: strand_files("findings"),
        disallowed_names=DISALLOWED_NAMES_FILE,
    output:
        ledger="data/processed/audit/ledger.csv",
        findings="data/processed/audit/data_quality_log.csv",
    log:
        "logs/audit_logs.log",
    threads: job_threads
    params:
        *shared_code(),
    run:
        run_step("stages.report.audit_logs", input, output, params, log)


# Every check each raw source went through (derived from the codebook columns
# and the readers' check names), its result and counts, and the ledger per
# source: Markdown for reviewers, JSON for machines.
rule validation_report:
    input:
        findings="data/processed/audit/data_quality_log.csv",
        ledger="data/processed/audit/ledger.csv",
    output:
        markdown="data/processed/validation/validation_report.md",
        json="data/processed/validation/validation_report.json",
    log:
        "logs/validation_report.log",
    threads: job_threads
    params:
        *shared_code(),
    run:
        run_step("stages.audit.validation_report", input, output, params, log)


# The audit files `rule all` and the manifest collect.
AUDIT_TARGETS = [*rules.audit_logs.output, *rules.validation_report.output]
