# Case-tracker strand: the register's workbooks (one per group, or one or more
# whose group is a column: config grouping:) -> validated Parquet per workbook
# (cut-off independent) -> all workbooks at the cut-off with derived variables
# -> tidy tables and key facts -> figures drawn from the tables.

import evaluation.core.codebook as evaluation_codebook

CASE_TRACKER_TABLES = list(evaluation_codebook.derived()["tables"])
CASE_TRACKER_FIGURE_SPECS = evaluation_codebook.derived()["figures"]
CASE_TRACKER_FIGURES = list(CASE_TRACKER_FIGURE_SPECS)
PROCESSED_FRAMES = ["cases", "children", "needs", "reviews"]


rule read_case_tracker:
    input:
        workbook=lambda wildcards: CONFIG["case_trackers"][
            WORKBOOK_SLUGS[wildcards.workbook]
        ],
    output:
        frames=expand(
            "data/processed/case_tracker/{{workbook}}/{frame}.parquet",
            frame=PROCESSED_FRAMES,
        ),
        findings="data/processed/case_tracker/{workbook}/findings.csv",
        ledger="data/processed/case_tracker/{workbook}/ledger.csv",
    log:
        "logs/read_case_tracker/{workbook}.log",
    wildcard_constraints:
        workbook="|".join(WORKBOOK_SLUGS),
    threads: job_threads
    params:
        *strand_code("case_tracker"),
        workbook=lambda wildcards: WORKBOOK_SLUGS[wildcards.workbook],
        valid_date_range=CONFIG["valid_date_range"],
        grouping=CONFIG["grouping"],
    run:
        run_step(
            "strands.case_tracker.steps.read_case_tracker",
            input,
            output,
            params,
            log,
        )


rule case_tracker_at_cutoff:
    input:
        # raw files too: after a failed read, Snakemake keeps this job's old outputs
        # unless the raw file is also an input here
        raw=list(CONFIG["case_trackers"].values()),
        frames=expand(
            "data/processed/case_tracker/{workbook}/{frame}.parquet",
            workbook=WORKBOOK_SLUGS,
            frame=PROCESSED_FRAMES,
        ),
        ledgers=expand(
            "data/processed/case_tracker/{workbook}/ledger.csv",
            workbook=WORKBOOK_SLUGS,
        ),
        findings=expand(
            "data/processed/case_tracker/{workbook}/findings.csv",
            workbook=WORKBOOK_SLUGS,
        ),
    output:
        mothers="data/processed/mothers.parquet",
        children="data/processed/children.parquet",
        needs="data/processed/needs.parquet",
        reviews="data/processed/reviews.parquet",
        all_case_ids="data/processed/case_tracker/all_case_ids.parquet",
        ledger="data/processed/audit/ledger_case_tracker.csv",
        findings="data/processed/audit/findings_case_tracker.csv",
    log:
        "logs/case_tracker_at_cutoff.log",
    threads: job_threads
    params:
        *strand_code("case_tracker"),
        workbook_dirs={
            name: f"data/processed/case_tracker/{workbook_slug}"
            for workbook_slug, name in WORKBOOK_SLUGS.items()
        },
        cutoff=CUTOFF,
        project_start=CONFIG["project_start"],
        bands=CONFIG["bands"],
    run:
        run_step(
            "strands.case_tracker.steps.case_tracker_at_cutoff",
            input,
            output,
            params,
            log,
        )


rule case_tracker_tables:
    input:
        mothers="data/processed/mothers.parquet",
        children="data/processed/children.parquet",
        needs="data/processed/needs.parquet",
    output:
        tables=expand(
            "data/processed/tables/{table_id}.csv", table_id=CASE_TRACKER_TABLES
        ),
        key_facts="report/build/parts/key_facts_case_tracker.csv",
    log:
        "logs/case_tracker_tables.log",
    threads: job_threads
    params:
        *strand_code("case_tracker"),
        prisons=GROUPS,
        cutoff=CUTOFF,
        project_start=CONFIG["project_start"],
        bands=CONFIG["bands"],
    run:
        run_step(
            "strands.case_tracker.steps.case_tracker_tables",
            input,
            output,
            params,
            log,
        )


rule case_tracker_figure:
    input:
        table=lambda wildcards: "report/tables/{}.csv".format(
            CASE_TRACKER_FIGURE_SPECS[wildcards.figure_id]["table"]
        ),
    output:
        png="figures/{figure_id}.png",
        svg="figures/{figure_id}.svg",
    log:
        "logs/case_tracker_figures/{figure_id}.log",
    wildcard_constraints:
        figure_id="|".join(CASE_TRACKER_FIGURES),
    threads: job_threads
    params:
        *strand_code("case_tracker"),
        spec=lambda wildcards: CASE_TRACKER_FIGURE_SPECS[wildcards.figure_id],
        synthetic=CONFIG["report"]["synthetic"],
        project_start=CONFIG["project_start"],
    run:
        run_step(
            "strands.case_tracker.steps.case_tracker_figure",
            input,
            output,
            params,
            log,
        )


rule case_tracker_context:
    input:
        mothers="data/processed/mothers.parquet",
        children="data/processed/children.parquet",
        ledger="data/processed/audit/ledger_case_tracker.csv",
    output:
        "data/processed/context/case_tracker.json",
    log:
        "logs/case_tracker_context.log",
    threads: job_threads
    params:
        *strand_code("case_tracker"),
        prisons=GROUPS,
        cutoff=CUTOFF,
        project_start=CONFIG["project_start"],
    run:
        run_step(
            "strands.case_tracker.steps.case_tracker_context",
            input,
            output,
            params,
            log,
        )


register_strand(
    "case_tracker",
    publish_groups={"case_tracker": CASE_TRACKER_TABLES},
    tables=expand("report/tables/{table_id}.csv", table_id=CASE_TRACKER_TABLES),
    figures=expand("figures/{figure_id}.png", figure_id=CASE_TRACKER_FIGURES),
    context=["data/processed/context/case_tracker.json"],
    key_facts=["report/build/parts/key_facts_case_tracker.csv"],
    ledger=["data/processed/audit/ledger_case_tracker.csv"],
    findings=["data/processed/audit/findings_case_tracker.csv"],
    targets=expand("figures/{figure_id}.svg", figure_id=CASE_TRACKER_FIGURES),
    publish_context={"case_tracker": ["data/processed/context/case_tracker.json"]},
)
