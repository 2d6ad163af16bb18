# Report: key facts merged from the strands, then the Jinja2 templates
# rendered to Markdown and read once by pandoc (render_report: needs the
# tables, not the figures, so it runs while figures are drawn), then written
# by pandoc as HTML and Word side by side (report_html, report_docx). A
# template edit re-runs these three.


PUBLISH_GROUPS["key_facts"] = ["key_facts"]


rule key_facts:
    input:
        parts=KEY_FACT_PARTS,
    output:
        "data/processed/tables/key_facts.csv",
    log:
        "logs/key_facts.log",
    threads: pool_step_threads
    resources:
        pool_slots=pool_step_slots,
        mem_mb=1000,
        runtime=10,
    params:
        *code_versions(COMMON_CODE + package_code("steps/report.py", "tidy.py")),
    run:
        run_step("report.key_facts", input, output, params, log)


# One job per group of tables (the tables one job computes): disclosure
# control and the identifier guard on each. A job per table would only add
# scheduling: the tables of a group are always rewritten together.
for publish_group, publish_ids in PUBLISH_GROUPS.items():

    rule:
        name:
            f"publish_{publish_group}"
        input:
            tables=expand("data/processed/tables/{table_id}.csv", table_id=publish_ids),
            disallowed_names=DISALLOWED_NAMES_FILE,
        output:
            tables=expand("report/tables/{table_id}.csv", table_id=publish_ids),
            disclosure=f"report/build/disclosure/{publish_group}.json",
        log:
            f"logs/publish/{publish_group}.log",
        threads: pool_step_threads
        resources:
            pool_slots=pool_step_slots,
            mem_mb=1000,
            runtime=10,
        params:
            *code_versions(
                COMMON_CODE
                + package_code(
                    "disclosure.py",
                    "steps/report.py",
                    "tidy.py",
                    "output_guard.py",
                    "identifiers.py",
                )
            ),
            disclosure=CONFIG["disclosure"],
        run:
            run_step("report.publish_tables", input, output, params, log)


rule render_report:
    input:
        tables=REPORT_TABLES,
        context=REPORT_CONTEXT,
        key_facts="report/tables/key_facts.csv",
        ledger="data/processed/audit/ledger.csv",
        findings="data/processed/audit/data_quality_log.csv",
        disclosure=expand("report/build/disclosure/{group}.json", group=PUBLISH_GROUPS),
        disallowed_names=DISALLOWED_NAMES_FILE,
        main_template="report/templates/report.md.j2",
        templates=sorted(str(p) for p in Path("report/templates").rglob("*.j2")),
        raw=raw_inputs(),
    output:
        md="report/build/report.md",
        ast="report/build/report.ast.json",
        disclosure_log="report/build/disclosure_log.json",
    log:
        "logs/report/render.log",
    threads: pool_step_threads
    resources:
        pool_slots=pool_step_slots,
        mem_mb=1000,
        runtime=10,
    params:
        *code_versions(
            COMMON_CODE
            + package_code(
                "report/__init__.py",
                "report/render.py",
                "report/formatting.py",
                "report/convert.py",
                "steps/report.py",
                "provenance.py",
                "tidy.py",
                "disclosure.py",
                "output_guard.py",
                "identifiers.py",
            )
        ),
        settings={
            **CONFIG["report"],
            "cutoff_date": CUTOFF,
            "project_start": CONFIG["project_start"],
            "prisons": PRISONS,
            "disclosure": CONFIG["disclosure"],
            "bands": CONFIG["bands"],
        },
        figures=REPORT_FIGURES,
    run:
        run_step("report.render_report", input, output, params, log)


REPORT_CONVERT_CODE = COMMON_CODE + package_code(
    "report/convert.py", "steps/documents.py"
)


rule report_html:
    input:
        ast="report/build/report.ast.json",
        figures=REPORT_FIGURES,
        style="src/evaluation/report/assets/report.css",
        alt_text_filter="src/evaluation/report/assets/figure-alt.lua",
    output:
        html=report(
            "report/build/report.html",
            caption="../report/caption.rst",
            category="Report",
        ),
    log:
        "logs/report/html.log",
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        *code_versions(REPORT_CONVERT_CODE),
        title=CONFIG["report"]["title"],
        cutoff=CUTOFF,
    run:
        run_step("documents.write_html", input, output, params, log)


rule report_docx:
    input:
        ast="report/build/report.ast.json",
        figures=REPORT_FIGURES,
        reference_plain="report/reference.docx",
        reference_synthetic="report/reference-synthetic.docx",
        alt_text_filter="src/evaluation/report/assets/figure-alt.lua",
    output:
        docx="report/build/report.docx",
    log:
        "logs/report/docx.log",
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        *code_versions(REPORT_CONVERT_CODE),
        synthetic=CONFIG["report"]["synthetic"],
        cutoff=CUTOFF,
    run:
        run_step("documents.write_docx", input, output, params, log)


FINAL_TARGETS.extend(
    rules.render_report.output + rules.report_html.output + rules.report_docx.output
)
