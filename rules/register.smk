# Register strand: a register of units that are not people (local authorities,
# services, teams, interviews), declared in the study's codebook/register.yaml
# -> every record set validated to Parquet (cut-off independent) -> the
# register at the cut-off (later records out, one response per organisation)
# -> the declared tables and facts -> a bar chart per declared figure.

import evaluation.strands.register.spec as evaluation_register

REGISTER = evaluation_register.register_spec()
REGISTER_FILES = CONFIG["register"]["files"]
REGISTER_SETS = list(REGISTER.record_sets)
REGISTER_TABLES = list(REGISTER.tables)
REGISTER_FIGURES = list(REGISTER.figures)
REGISTER_PARQUET = {
    name: f"data/processed/register/{name}.parquet" for name in REGISTER_SETS
}


rule register_read:
    input:
        raw=list(REGISTER_FILES.values()),
    output:
        **REGISTER_PARQUET,
        findings="data/processed/register/read_findings.csv",
        ledger="data/processed/register/read_ledger.csv",
    log:
        "logs/register_read.log",
    threads: job_threads
    params:
        *strand_code("register"),
        files=REGISTER_FILES,
    run:
        run_step("strands.register.steps.register_read", input, output, params, log)


rule register_tables:
    input:
        **REGISTER_PARQUET,
        # raw files too: after a failed read, Snakemake keeps this job's old outputs
        # unless the raw file is also an input here
        raw=list(REGISTER_FILES.values()),
        findings="data/processed/register/read_findings.csv",
        ledger="data/processed/register/read_ledger.csv",
    output:
        **{
            table_id: f"data/processed/tables/{table_id}.csv"
            for table_id in REGISTER_TABLES
        },
        context="data/processed/context/register.json",
        findings="data/processed/audit/findings_register.csv",
        ledger="data/processed/audit/ledger_register.csv",
    log:
        "logs/register_tables.log",
    threads: job_threads
    params:
        *strand_code("register"),
        cutoff=CUTOFF,
    run:
        run_step("strands.register.steps.register_tables", input, output, params, log)


rule register_figure:
    input:
        table=lambda wildcards: "report/tables/{}.csv".format(
            REGISTER.figures[wildcards.figure_id]["table"]
        ),
    output:
        png="figures/{figure_id}.png",
        svg="figures/{figure_id}.svg",
    log:
        "logs/register_figures/{figure_id}.log",
    wildcard_constraints:
        figure_id="|".join(REGISTER_FIGURES) or "no-register-figures",
    threads: job_threads
    params:
        *strand_code("register"),
        spec=lambda wildcards: REGISTER.figures[wildcards.figure_id],
        synthetic=CONFIG["report"]["synthetic"],
    run:
        run_step("strands.register.steps.register_figure", input, output, params, log)


register_strand(
    "register",
    publish_groups={"register": REGISTER_TABLES},
    tables=expand("report/tables/{table_id}.csv", table_id=REGISTER_TABLES),
    figures=expand("figures/{figure_id}.png", figure_id=REGISTER_FIGURES),
    context=["data/processed/context/register.json"],
    key_facts=[],
    ledger=["data/processed/audit/ledger_register.csv"],
    findings=["data/processed/audit/findings_register.csv"],
    targets=expand("figures/{figure_id}.svg", figure_id=REGISTER_FIGURES),
    publish_context={"register": ["data/processed/context/register.json"]},
)
