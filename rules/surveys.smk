# Survey strand: the mothers' questionnaire (one .sav/.csv per wave) and the
# community practitioner survey (one export per wave: Qualtrics CSV or .sav,
# Microsoft Forms, JISC Online Surveys, or REDCap with its data dictionary).
#   read each wave (cut-off independent) -> all waves at the cut-off (case ids
#   checked, WAI-SR scored when the codebook declares it) -> tidy tables
#   (data/processed/tables, published to report/tables by the publish rules),
#   key fact, context -> figures drawn from the published tables.
# A study has either instrument or both (`surveys: mothers:`,
# `surveys: practitioners:`): the rules, tables, figures, key fact and
# context parts of an instrument it lacks are left out.
# A new wave is one file and one config line under `surveys:`; only the jobs
# that depend on that survey re-run.

import evaluation.strands.surveys.spec as survey_spec

SURVEYS = survey_spec.survey_settings(CONFIG.get("surveys"))
MOTHER_WAVES = survey_spec.wave_slugs(SURVEYS.mother_waves)
PRACTITIONER_WAVES = survey_spec.wave_slugs(SURVEYS.practitioner_waves)
SURVEY_READ = "data/processed/surveys/read"
SURVEY_MOTHER_TABLES = survey_spec.mothers_table_ids() if SURVEYS.mothers else []
SURVEY_PRACTITIONER_TABLES = (
    survey_spec.practitioner_table_ids() if SURVEYS.practitioners else []
)
SURVEY_FIGURES = survey_spec.figure_specs(SURVEYS.instruments)
if not SURVEYS.instruments:
    raise ValueError(
        "rules/surveys.smk is included only for a study with 'surveys: mothers: waves' "
        "or 'surveys: practitioners: waves' (evaluation.core.config.study_strands)"
    )
# Per instrument the study has: its audit trail (read per wave, then the
# cut-off), its context part and its publish group. The key fact comes from
# the mothers' tables; the context file is published with the first group.
SURVEY_LEDGERS, SURVEY_FINDINGS, SURVEY_KEY_FACTS = [], [], []
SURVEY_CONTEXT_PARTS, SURVEY_PUBLISH_GROUPS = {}, {}
if SURVEYS.mothers:
    SURVEY_LEDGERS += expand(
        f"{SURVEY_READ}/mothers_{{wave}}_ledger.csv", wave=MOTHER_WAVES
    ) + ["data/processed/surveys/audit/mothers_cutoff_ledger.csv"]
    SURVEY_FINDINGS += expand(
        f"{SURVEY_READ}/mothers_{{wave}}_findings.csv", wave=MOTHER_WAVES
    ) + ["data/processed/surveys/audit/mothers_cutoff_findings.csv"]
    SURVEY_KEY_FACTS.append("report/build/parts/key_facts_surveys.csv")
    SURVEY_CONTEXT_PARTS["mothers"] = "data/processed/surveys/context_mothers.json"
    SURVEY_PUBLISH_GROUPS["survey_mothers"] = SURVEY_MOTHER_TABLES
if SURVEYS.practitioners:
    SURVEY_LEDGERS += expand(
        f"{SURVEY_READ}/practitioners_{{wave}}_ledger.csv", wave=PRACTITIONER_WAVES
    ) + ["data/processed/surveys/audit/practitioners_cutoff_ledger.csv"]
    SURVEY_FINDINGS += expand(
        f"{SURVEY_READ}/practitioners_{{wave}}_findings.csv", wave=PRACTITIONER_WAVES
    ) + ["data/processed/surveys/audit/practitioners_cutoff_findings.csv"]
    SURVEY_CONTEXT_PARTS["practitioners"] = (
        "data/processed/surveys/context_practitioners.json"
    )
    SURVEY_PUBLISH_GROUPS["survey_practitioners"] = SURVEY_PRACTITIONER_TABLES

if SURVEYS.mothers:

    rule survey_read_mothers:
        input:
            raw=lambda wildcards: SURVEYS.mother_waves[MOTHER_WAVES[wildcards.wave]],
        output:
            answers=f"{SURVEY_READ}/mothers_{{wave}}.parquet",
            findings=f"{SURVEY_READ}/mothers_{{wave}}_findings.csv",
            ledger=f"{SURVEY_READ}/mothers_{{wave}}_ledger.csv",
        log:
            "logs/surveys/read_mothers_{wave}.log",
        wildcard_constraints:
            wave="|".join(MOTHER_WAVES) or "no-wave",
        threads: job_threads
        params:
            *strand_code("surveys"),
            wave=lambda wildcards: MOTHER_WAVES[wildcards.wave],
            position=lambda wildcards: SURVEYS.wave_position(
                MOTHER_WAVES[wildcards.wave]
            ),
            valid_date_range=CONFIG["valid_date_range"],
        run:
            run_step(
                "strands.surveys.steps.survey_read_mothers",
                input,
                output,
                params,
                log,
            )

    rule survey_mothers_at_cutoff:
        input:
            # raw files too: after a failed read, Snakemake keeps this job's old outputs
            # unless the raw file is also an input here
            raw=list(SURVEYS.mother_waves.values()),
            waves=expand(f"{SURVEY_READ}/mothers_{{wave}}.parquet", wave=MOTHER_WAVES),
            case_ids="data/processed/case_tracker/all_case_ids.parquet",
        output:
            responses="data/processed/surveys/mothers_responses.parquet",
            answers="data/processed/surveys/mothers_answers.parquet",
            findings="data/processed/surveys/audit/mothers_cutoff_findings.csv",
            ledger="data/processed/surveys/audit/mothers_cutoff_ledger.csv",
        log:
            "logs/surveys/mothers_at_cutoff.log",
        threads: job_threads
        resources:
            # peak 0.87 GB at 1000x the example data: more than the default
            mem_mb=1500,
        params:
            *strand_code("surveys"),
            wave_answers={
                label: f"{SURVEY_READ}/mothers_{wave}.parquet"
                for wave, label in MOTHER_WAVES.items()
            },
            cutoff=CUTOFF,
            wai_rule=SURVEYS.wai_rule,
            wai_max_missing=SURVEYS.wai_max_missing,
        run:
            run_step(
                "strands.surveys.steps.survey_mothers_at_cutoff",
                input,
                output,
                params,
                log,
            )

    rule survey_mothers_tables:
        input:
            responses="data/processed/surveys/mothers_responses.parquet",
            answers="data/processed/surveys/mothers_answers.parquet",
        output:
            tables=expand(
                "data/processed/tables/{table_id}.csv", table_id=SURVEY_MOTHER_TABLES
            ),
            key_facts="report/build/parts/key_facts_surveys.csv",
            context="data/processed/surveys/context_mothers.json",
        log:
            "logs/surveys/mothers_tables.log",
        threads: job_threads
        resources:
            # peak 0.69 GB at 1000x the example data, the most of any table step
            mem_mb=1500,
        params:
            *strand_code("surveys"),
            surveys={
                "mothers": {
                    "waves": SURVEYS.mother_waves,
                    "wai_missing_rule": SURVEYS.wai_rule,
                    "wai_max_missing_per_subscale": SURVEYS.wai_max_missing,
                }
            },
            cutoff=CUTOFF,
        run:
            run_step(
                "strands.surveys.steps.survey_mothers_tables",
                input,
                output,
                params,
                log,
            )


if SURVEYS.practitioners:

    rule survey_read_practitioners:
        input:
            raw=lambda wildcards: SURVEYS.practitioner_waves[
                PRACTITIONER_WAVES[wildcards.wave]
            ],
            # a REDCap export's data dictionary (none for other platforms)
            dictionary=lambda wildcards: SURVEYS.practitioner_dictionary(
                PRACTITIONER_WAVES[wildcards.wave]
            )
            or [],
        output:
            answers=f"{SURVEY_READ}/practitioners_{{wave}}.parquet",
            findings=f"{SURVEY_READ}/practitioners_{{wave}}_findings.csv",
            ledger=f"{SURVEY_READ}/practitioners_{{wave}}_ledger.csv",
        log:
            "logs/surveys/read_practitioners_{wave}.log",
        wildcard_constraints:
            wave="|".join(PRACTITIONER_WAVES) or "no-wave",
        threads: job_threads
        params:
            *strand_code("surveys"),
            wave=lambda wildcards: PRACTITIONER_WAVES[wildcards.wave],
            valid_date_range=CONFIG["valid_date_range"],
            # the platform named by the wave's 'format:' (None: recognised from the file)
            format=lambda wildcards: SURVEYS.practitioner_format(
                PRACTITIONER_WAVES[wildcards.wave]
            ),
            dictionary=lambda wildcards: SURVEYS.practitioner_dictionary(
                PRACTITIONER_WAVES[wildcards.wave]
            ),
        run:
            run_step(
                "strands.surveys.steps.survey_read_practitioners",
                input,
                output,
                params,
                log,
            )

    rule survey_practitioners_at_cutoff:
        input:
            # raw files too: after a failed read, Snakemake keeps this job's old outputs
            # unless the raw file is also an input here
            raw=list(SURVEYS.practitioner_waves.values()),
            waves=expand(
                f"{SURVEY_READ}/practitioners_{{wave}}.parquet",
                wave=PRACTITIONER_WAVES,
            ),
        output:
            answers="data/processed/surveys/practitioner_answers.parquet",
            findings="data/processed/surveys/audit/practitioners_cutoff_findings.csv",
            ledger="data/processed/surveys/audit/practitioners_cutoff_ledger.csv",
        log:
            "logs/surveys/practitioners_at_cutoff.log",
        threads: job_threads
        params:
            *strand_code("surveys"),
            wave_answers={
                label: f"{SURVEY_READ}/practitioners_{wave}.parquet"
                for wave, label in PRACTITIONER_WAVES.items()
            },
            cutoff=CUTOFF,
        run:
            run_step(
                "strands.surveys.steps.survey_practitioners_at_cutoff",
                input,
                output,
                params,
                log,
            )

    rule survey_practitioner_tables:
        input:
            answers="data/processed/surveys/practitioner_answers.parquet",
        output:
            tables=expand(
                "data/processed/tables/{table_id}.csv",
                table_id=SURVEY_PRACTITIONER_TABLES,
            ),
            context="data/processed/surveys/context_practitioners.json",
        log:
            "logs/surveys/practitioner_tables.log",
        threads: job_threads
        params:
            *strand_code("surveys"),
            waves=list(SURVEYS.practitioner_waves),
        run:
            run_step(
                "strands.surveys.steps.survey_practitioner_tables",
                input,
                output,
                params,
                log,
            )


rule survey_audit:
    input:
        ledgers=SURVEY_LEDGERS,
        findings=SURVEY_FINDINGS,
    output:
        ledger="data/processed/audit/ledger_surveys.csv",
        findings="data/processed/audit/findings_surveys.csv",
    log:
        "logs/surveys/audit.log",
    threads: job_threads
    params:
        *strand_code("surveys"),
    run:
        run_step("strands.surveys.steps.survey_audit", input, output, params, log)


rule survey_context:
    input:
        # the context part of each instrument the study has (mothers, practitioners)
        **SURVEY_CONTEXT_PARTS,
        ledger="data/processed/audit/ledger_surveys.csv",
        findings="data/processed/audit/findings_surveys.csv",
    output:
        "data/processed/context/surveys.json",
    log:
        "logs/surveys/context.log",
    threads: job_threads
    params:
        *strand_code("surveys"),
    run:
        run_step("strands.surveys.steps.survey_context", input, output, params, log)


rule survey_figure:
    input:
        tables=lambda wildcards: [
            f"report/tables/{table_id}.csv"
            for table_id in survey_spec.figure_tables(wildcards.figure_id)
        ],
    output:
        png="figures/{figure_id}.png",
        svg="figures/{figure_id}.svg",
    log:
        "logs/surveys/figure_{figure_id}.log",
    wildcard_constraints:
        figure_id="|".join(SURVEY_FIGURES) or "no-figure",
    threads: job_threads
    params:
        *strand_code("surveys"),
        figure_id=lambda wildcards: wildcards.figure_id,
        synthetic=CONFIG["report"]["synthetic"],
    run:
        run_step("strands.surveys.steps.survey_figure", input, output, params, log)


register_strand(
    "surveys",
    publish_groups=SURVEY_PUBLISH_GROUPS,
    tables=expand(
        "report/tables/{table_id}.csv",
        table_id=SURVEY_MOTHER_TABLES + SURVEY_PRACTITIONER_TABLES,
    ),
    figures=expand("figures/{figure_id}.png", figure_id=SURVEY_FIGURES),
    context=["data/processed/context/surveys.json"],
    key_facts=SURVEY_KEY_FACTS,
    ledger=["data/processed/audit/ledger_surveys.csv"],
    findings=["data/processed/audit/findings_surveys.csv"],
    targets=expand(
        "figures/{figure_id}.{ext}", figure_id=SURVEY_FIGURES, ext=["png", "svg"]
    )
    + ["data/processed/context/surveys.json"]
    + SURVEY_KEY_FACTS
    + [
        "data/processed/audit/ledger_surveys.csv",
        "data/processed/audit/findings_surveys.csv",
    ],
    publish_context={
        next(iter(SURVEY_PUBLISH_GROUPS)): ["data/processed/context/surveys.json"]
    },
)
