# Report: key facts merged from the strands, then the Jinja2 templates
# rendered to Markdown and read once by pandoc (render_report: needs the
# tables, not the figures, so it runs while figures are drawn), then written
# by pandoc as HTML and Word side by side (report_html, report_docx). A
# template edit re-runs these three.


import evaluation.core.stale as evaluation_stale


rule key_facts:
    input:
        parts=lambda wildcards: strand_files("key_facts"),
    output:
        "data/processed/tables/key_facts.csv",
    log:
        "logs/key_facts.log",
    threads: job_threads
    params:
        *shared_code(),
    run:
        run_step("stages.report.key_facts", input, output, params, log)


# Publishing: every table, the key facts and the numbers the prose may print
# (the strands' context files) pass through disclosure control and the
# identifier guard to report/tables/ and report/build/context/.
#
# With `min_cell` set, one job protects them all together, so that
# complementary suppression and the intruder's audit see every relation
# between them; a failed audit stops the run naming the output and the cell.
# With `min_cell: null` nothing is suppressed and no output depends on
# another, so each group of tables (those one job computes) is published by
# a job of its own with its strand's context files, and a new survey wave
# re-runs only what depends on the surveys.
#
# The publish rules' outputs, and the publish_<group> rules made in a loop,
# are fixed at parse time: they read the strands' registry here, so this file
# is included after every strand (rules/common.smk explains the registry).
# The strands' publish groups, then the report's own (the key facts).
PUBLISH_GROUPS = {**publish_groups(), "key_facts": ["key_facts"]}
PUBLISHED_IDS = [table_id for ids in PUBLISH_GROUPS.values() for table_id in ids]
# The strands' context files, as protected for the templates.
PUBLISHED_CONTEXT = [
    f"report/build/context/{Path(path).name}" for path in strand_files("context")
]
# A table or figure dropped from the codebook leaves its last file behind,
# looking current: the run stops naming it (evaluation.core.stale).
evaluation_stale.stop_on_stale_outputs(
    {
        "report/tables": (
            ("*.csv",),
            [f"report/tables/{table_id}.csv" for table_id in PUBLISHED_IDS],
        ),
        "figures": (
            ("*.png", "*.svg"),
            [
                str(Path(path).with_suffix(suffix))
                for path in strand_files("figures")
                for suffix in (".png", ".svg")
            ],
        ),
    }
)

if CONFIG["disclosure"].get("min_cell") is not None:

    rule publish_release:
        input:
            tables=expand(
                "data/processed/tables/{table_id}.csv", table_id=PUBLISHED_IDS
            ),
            context=strand_files("context"),
            disallowed_names=DISALLOWED_NAMES_FILE,
        output:
            tables=expand("report/tables/{table_id}.csv", table_id=PUBLISHED_IDS),
            context=PUBLISHED_CONTEXT,
            disclosure_log="report/build/disclosure_log.json",
        log:
            "logs/publish_release.log",
        threads: job_threads
        resources:
            # one suppression model over every table at once (not measured at 1000x)
            mem_mb=2000,
            runtime=20,
        params:
            *shared_code(),
            disclosure=CONFIG["disclosure"],
            project_start=CONFIG["project_start"],
        run:
            run_step("stages.report.publish_release", input, output, params, log)

else:

    for publish_group, publish_ids in PUBLISH_GROUPS.items():

        rule:
            name:
                f"publish_{publish_group}"
            input:
                tables=expand(
                    "data/processed/tables/{table_id}.csv", table_id=publish_ids
                ),
                context=publish_context(publish_group),
                disallowed_names=DISALLOWED_NAMES_FILE,
            output:
                tables=expand("report/tables/{table_id}.csv", table_id=publish_ids),
                context=[
                    f"report/build/context/{Path(path).name}"
                    for path in publish_context(publish_group)
                ],
                disclosure=f"report/build/disclosure/{publish_group}.json",
            log:
                f"logs/publish/{publish_group}.log",
            threads: job_threads
            params:
                *shared_code(),
                disclosure=CONFIG["disclosure"],
                project_start=CONFIG["project_start"],
            run:
                run_step("stages.report.publish_group", input, output, params, log)


# The disclosure log: written by publish_release with min_cell set; without,
# render_report merges the publish jobs' parts into it (no job of its own).
MIN_CELL_SET = CONFIG["disclosure"].get("min_cell") is not None
DISCLOSURE_INPUT = (
    {"disclosure_log": "report/build/disclosure_log.json"}
    if MIN_CELL_SET
    else {
        "disclosure_parts": expand(
            "report/build/disclosure/{group}.json", group=PUBLISH_GROUPS
        )
    }
)
DISCLOSURE_OUTPUT = (
    {} if MIN_CELL_SET else {"disclosure_log": "report/build/disclosure_log.json"}
)


rule render_report:
    input:
        **DISCLOSURE_INPUT,
        tables=lambda wildcards: strand_files("tables"),
        context=lambda wildcards: PUBLISHED_CONTEXT,
        key_facts="report/tables/key_facts.csv",
        ledger="data/processed/audit/ledger.csv",
        findings="data/processed/audit/data_quality_log.csv",
        disallowed_names=DISALLOWED_NAMES_FILE,
        main_template="report/templates/report.md.j2",
        templates=sorted(str(p) for p in Path("report/templates").rglob("*.j2")),
        raw=raw_inputs(),
    output:
        **DISCLOSURE_OUTPUT,
        md="report/build/report.md",
        ast="report/build/report.ast.json",
    log:
        "logs/report/render.log",
    threads: job_threads
    params:
        *shared_code(),
        settings={
            **CONFIG["report"],
            "cutoff_date": CUTOFF,
            "project_start": CONFIG["project_start"],
            "prisons": GROUPS,
            "disclosure": CONFIG["disclosure"],
            "bands": CONFIG["bands"],
        },
        figures=lambda wildcards: strand_files("figures"),
    run:
        run_step("stages.report.render_report", input, output, params, log)


rule report_html:
    input:
        ast="report/build/report.ast.json",
        figures=lambda wildcards: strand_files("figures"),
        style=REPORT_ASSETS / "report.css",
        alt_text_filter=REPORT_ASSETS / "figure-alt.lua",
        table_filter=REPORT_ASSETS / "html-tables.lua",
    output:
        html=report(
            "report/build/report.html",
            caption="../report/caption.rst",
            category="Report",
        ),
    log:
        "logs/report/html.log",
    threads: job_threads
    params:
        *shared_code(),
        title=CONFIG["report"]["title"],
        cutoff=CUTOFF,
    run:
        run_step("stages.documents.report_html", input, output, params, log)


rule report_docx:
    input:
        ast="report/build/report.ast.json",
        figures=lambda wildcards: strand_files("figures"),
        reference_plain=study_or_engine("report/reference.docx"),
        reference_synthetic=study_or_engine("report/reference-synthetic.docx"),
        alt_text_filter=REPORT_ASSETS / "figure-alt.lua",
    output:
        docx="report/build/report.docx",
    log:
        "logs/report/docx.log",
    threads: job_threads
    params:
        *shared_code(),
        synthetic=CONFIG["report"]["synthetic"],
        cutoff=CUTOFF,
    run:
        run_step("stages.documents.report_docx", input, output, params, log)


# The report's files `rule all` and the manifest collect.
REPORT_TARGETS = [
    "report/tables/key_facts.csv",
    "report/build/disclosure_log.json",
    *rules.render_report.output,
    *rules.report_html.output,
    *rules.report_docx.output,
]


# With `min_cell` set: a folder an output checker reviews in SACRO-Viewer
# (ACRO's results.json, one entry per published output with its files,
# status, suppression counts and audit; checksums; a one-page summary).
rule release_bundle:
    input:
        tables=expand("report/tables/{table_id}.csv", table_id=PUBLISHED_IDS),
        disclosure_log="report/build/disclosure_log.json",
        figures=lambda wildcards: [
            *strand_files("figures"),
            *(str(Path(path).with_suffix(".svg")) for path in strand_files("figures")),
        ],
        markdown="report/build/report.md",
        html="report/build/report.html",
        docx="report/build/report.docx",
        workbook="report/build/tables.xlsx",
    output:
        bundle=directory("report/build/release"),
    log:
        "logs/release_bundle.log",
    threads: job_threads
    params:
        *shared_code(),
        cutoff=CUTOFF,
        title=CONFIG["report"]["title"],
        synthetic=CONFIG["report"]["synthetic"],
    run:
        run_step("stages.audit.release_bundle", input, output, params, log)


RELEASE_TARGETS = (
    rules.release_bundle.output
    if CONFIG["disclosure"].get("min_cell") is not None
    else []
)
