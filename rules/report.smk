# Report: key facts merged from the strands, then the Jinja2 templates
# rendered to Markdown and converted by pandoc to HTML and Word in one job
# (a template edit re-runs only this job).


def raw_inputs():
    """Every configured raw file that exists (its hash is the report's data version)."""
    paths = list(CONFIG["case_trackers"].values())
    for instrument in ("mothers", "practitioners"):
        paths += list(CONFIG.get("surveys", {}).get(instrument, {}).get("waves", {}).values())
    qualitative = CONFIG.get("qualitative", {})
    for key in ("themes", "participants", "coded_segments", "integration", "disallowed_names"):
        if qualitative.get(key):
            paths.append(qualitative[key])
    if CONFIG.get("activity", {}).get("log"):
        paths.append(CONFIG["activity"]["log"])
    return sorted(p for p in set(paths) if Path(p).exists())


rule key_facts:
    input:
        parts=KEY_FACT_PARTS,
        code=COMMON_CODE + package_code("steps/report.py", "tidy.py"),
    output:
        "report/tables/key_facts.csv",
    log:
        "logs/key_facts.log",
    run:
        from evaluation.steps.report import merge_csv_parts

        with log_to(log[0]):
            merge_csv_parts(input.parts, output[0])


rule render_report:
    input:
        tables=REPORT_TABLES,
        figures=REPORT_FIGURES,
        context=REPORT_CONTEXT,
        key_facts="report/tables/key_facts.csv",
        ledger="data/processed/audit/ledger.csv",
        findings="data/processed/audit/data_quality_log.csv",
        templates=sorted(str(p) for p in Path("report/templates").rglob("*.j2")),
        reference_docs=["report/reference.docx", "report/reference-synthetic.docx"],
        raw=raw_inputs(),
        code=COMMON_CODE
        + package_code("report", "steps/report.py", "provenance.py", "tidy.py"),
    output:
        md="report/build/report.md",
        html=report(
            "report/build/report.html",
            caption="report/caption.rst",
            category="Report",
        ),
        docx="report/build/report.docx",
    params:
        settings={
            **CONFIG["report"],
            "cutoff_date": CUTOFF,
            "project_start": CONFIG["project_start"],
            "prisons": PRISONS,
            "disclosure": CONFIG["disclosure"],
            "bands": CONFIG["bands"],
        },
    log:
        "logs/report.log",
    run:
        from evaluation.steps.report import build_report

        with log_to(log[0]):
            build_report(
                template_dir="report/templates",
                table_dir="report/tables",
                figure_dir="figures",
                key_facts=input.key_facts,
                context_files=input.context,
                ledger=input.ledger,
                findings=input.findings,
                raw_inputs=input.raw,
                settings=params.settings,
                reference_docs={
                    "plain": "report/reference.docx",
                    "synthetic": "report/reference-synthetic.docx",
                },
                output=output,
            )


FINAL_TARGETS.extend(rules.render_report.output)
