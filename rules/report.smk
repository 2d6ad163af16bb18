# Report: key facts merged from the strands, then the Jinja2 templates
# rendered to Markdown and converted by pandoc to HTML and Word in one job
# (a template edit re-runs only this job).


rule key_facts:
    input:
        parts=KEY_FACT_PARTS,
        code=COMMON_CODE + package_code("steps/report.py", "tidy.py"),
    output:
        "data/processed/tables/key_facts.csv",
    log:
        "logs/key_facts.log",
    run:
        run_step("report.key_facts", input, output, params, log)


rule publish_tables:
    input:
        tables=COMPUTED_TABLES + ["data/processed/tables/key_facts.csv"],
        disallowed_names=DISALLOWED_NAMES_FILE,
        code=COMMON_CODE
        + package_code(
            "disclosure.py",
            "steps/report.py",
            "tidy.py",
            "output_guard.py",
            "identifiers.py",
        ),
    output:
        tables=[
            path.replace("data/processed/tables/", "report/tables/")
            for path in COMPUTED_TABLES + ["data/processed/tables/key_facts.csv"]
        ],
        log_json="report/build/disclosure_log.json",
    log:
        "logs/publish_tables.log",
    params:
        disclosure=CONFIG["disclosure"],
    run:
        run_step("report.publish_tables", input, output, params, log)


rule render_report:
    input:
        tables=REPORT_TABLES,
        figures=REPORT_FIGURES,
        context=REPORT_CONTEXT,
        key_facts="report/tables/key_facts.csv",
        ledger="data/processed/audit/ledger.csv",
        findings="data/processed/audit/data_quality_log.csv",
        disclosure_log="report/build/disclosure_log.json",
        disallowed_names=DISALLOWED_NAMES_FILE,
        main_template="report/templates/report.md.j2",
        templates=sorted(str(p) for p in Path("report/templates").rglob("*.j2")),
        reference_plain="report/reference.docx",
        reference_synthetic="report/reference-synthetic.docx",
        raw=raw_inputs(),
        code=COMMON_CODE
        + package_code(
            "report", "steps/report.py", "provenance.py", "tidy.py", "disclosure.py"
        ),
    output:
        md="report/build/report.md",
        html=report(
            "report/build/report.html",
            caption="../report/caption.rst",
            category="Report",
        ),
        docx="report/build/report.docx",
    log:
        "logs/report.log",
    params:
        settings={
            **CONFIG["report"],
            "cutoff_date": CUTOFF,
            "project_start": CONFIG["project_start"],
            "prisons": PRISONS,
            "disclosure": CONFIG["disclosure"],
            "bands": CONFIG["bands"],
        },
    run:
        run_step("report.build_report", input, output, params, log)


FINAL_TARGETS.extend(rules.render_report.output)
