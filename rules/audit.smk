# Audit trail: the strands' ledgers and data-quality findings merged into
# one ledger and one data-quality log for reviewers.


rule audit_logs:
    input:
        ledgers=LEDGER_PARTS,
        findings=FINDING_PARTS,
        code=COMMON_CODE + package_code("steps/report.py", "tidy.py"),
    output:
        ledger="data/processed/audit/ledger.csv",
        findings="data/processed/audit/data_quality_log.csv",
    log:
        "logs/audit_logs.log",
    run:
        from evaluation.steps.report import merge_csv_parts

        with log_to(log[0]):
            merge_csv_parts(input.ledgers, output.ledger)
            merge_csv_parts(input.findings, output.findings)


FINAL_TARGETS.extend(rules.audit_logs.output)
