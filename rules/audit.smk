# Audit trail: the strands' ledgers and data-quality findings merged into
# one ledger and one data-quality log for reviewers.


rule audit_logs:
    input:
        ledgers=LEDGER_PARTS,
        findings=FINDING_PARTS,
        disallowed_names=DISALLOWED_NAMES_FILE,
        code=COMMON_CODE
        + package_code(
            "steps/report.py", "tidy.py", "output_guard.py", "identifiers.py"
        ),
    output:
        ledger="data/processed/audit/ledger.csv",
        findings="data/processed/audit/data_quality_log.csv",
    log:
        "logs/audit_logs.log",
    resources:
        mem_mb=1000,
        runtime=10,
    run:
        run_step("report.audit_logs", input, output, params, log)


FINAL_TARGETS.extend(rules.audit_logs.output)
