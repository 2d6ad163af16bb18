# Activity-diary strand: diary -> validated Parquet (cut-off independent) ->
# minutes by activity, hours per month and caseload per month (from the
# tracker's mothers at the cut-off) -> figures drawn from the tables.

ACTIVITY_TABLES = ["activity_minutes", "activity_hours_by_month", "caseload_by_month"]
ACTIVITY_FIGURES = [
    "fig_activity_time_by_prison",
    "fig_activity_hours_by_month",
    "fig_caseload_by_month",
]


rule activity_read:
    input:
        log=CONFIG.get("activity", {}).get("log", "data/raw/activity/activity_log.xlsx"),
        all_case_ids="data/processed/case_tracker/all_case_ids.parquet",
    output:
        entries="data/processed/activity/activity_log.parquet",
        findings="data/processed/activity/read_findings.csv",
        ledger="data/processed/activity/read_ledger.csv",
    log:
        "logs/activity_read.log",
    # the longest job after the tracker reads: start it as soon as they are done
    priority: 10
    threads: job_threads
    resources:
        # peak 0.88 GB at 1000x the example data (the diary read): more than the default
        mem_mb=1500,
    params:
        *strand_code("activity"),
        prisons=GROUPS,
        valid_date_range=CONFIG["valid_date_range"],
    run:
        run_step("strands.activity.steps.activity_read", input, output, params, log)


rule activity_tables:
    input:
        # raw files too: after a failed read, Snakemake keeps this job's old outputs
        # unless the raw file is also an input here
        raw=CONFIG.get("activity", {}).get("log", "data/raw/activity/activity_log.xlsx"),
        entries="data/processed/activity/activity_log.parquet",
        mothers="data/processed/mothers.parquet",
        findings="data/processed/activity/read_findings.csv",
        ledger="data/processed/activity/read_ledger.csv",
    output:
        activity_minutes="data/processed/tables/activity_minutes.csv",
        activity_hours_by_month="data/processed/tables/activity_hours_by_month.csv",
        caseload_by_month="data/processed/tables/caseload_by_month.csv",
        context="data/processed/context/activity.json",
        ledger="data/processed/audit/ledger_activity.csv",
        findings="data/processed/audit/findings_activity.csv",
    log:
        "logs/activity_tables.log",
    threads: job_threads
    params:
        *strand_code("activity"),
        log_file=lambda wildcards, input: input.raw,
        prisons=GROUPS,
        project_start=CONFIG["project_start"],
        cutoff=CUTOFF,
    run:
        run_step("strands.activity.steps.activity_tables", input, output, params, log)


rule activity_figures:
    input:
        tables=expand("report/tables/{table_id}.csv", table_id=ACTIVITY_TABLES),
    output:
        png=expand("figures/{figure_id}.png", figure_id=ACTIVITY_FIGURES),
        svg=expand("figures/{figure_id}.svg", figure_id=ACTIVITY_FIGURES),
    log:
        "logs/activity_figures.log",
    threads: job_threads
    params:
        *strand_code("activity"),
        synthetic=CONFIG["report"]["synthetic"],
    run:
        run_step("strands.activity.steps.activity_figures", input, output, params, log)


register_strand(
    "activity",
    publish_groups={"activity": ACTIVITY_TABLES},
    tables=expand("report/tables/{table_id}.csv", table_id=ACTIVITY_TABLES),
    figures=expand("figures/{figure_id}.png", figure_id=ACTIVITY_FIGURES),
    context=["data/processed/context/activity.json"],
    key_facts=[],
    ledger=["data/processed/audit/ledger_activity.csv"],
    findings=["data/processed/audit/findings_activity.csv"],
    targets=expand("figures/{figure_id}.svg", figure_id=ACTIVITY_FIGURES),
    publish_context={"activity": ["data/processed/context/activity.json"]},
)
