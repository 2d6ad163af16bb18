# Qualitative strand: themes, participants and coded segments (tidy CSVs, a
# QualCoder / Taguette export with a participant map, or a REFI-QDA project
# that may also hold the themes and participants) -> validated Parquet
# (cut-off independent, every text through the identifier guard) -> theme
# matrix, intercoder agreement, quote bank, joint display and the theme lists
# the study's codebook declares at the cut-off -> figures.

import evaluation.strands.qualitative.theme_lists as qualitative_theme_lists

QUALITATIVE = CONFIG.get("qualitative", {})
# codebook/qualitative.yaml theme_lists: one table per list, published with the rest
QUALITATIVE_THEME_LISTS = list(qualitative_theme_lists.declared_theme_lists())
QUALITATIVE_TABLES = [
    "theme_matrix",
    "intercoder_agreement",
    "quote_bank",
    "joint_display",
    *QUALITATIVE_THEME_LISTS,
]
QUALITATIVE_FIGURES = ["fig_theme_coverage"]


_SEGMENTS = QUALITATIVE.get("coded_segments", "data/raw/qualitative/coded_segments.csv")
# one path, or coder -> export file for Taguette
QUALITATIVE_SEGMENT_FILES = (
    list(_SEGMENTS.values()) if isinstance(_SEGMENTS, dict) else [_SEGMENTS]
)
QUALITATIVE_CODERS = list(_SEGMENTS) if isinstance(_SEGMENTS, dict) else []
# optional inputs: [] when not configured (a configured file exists: rules/common.smk)
PARTICIPANT_MAP = [p for p in [QUALITATIVE.get("participant_map")] if p]

# a REFI-QDA project may hold the themes and participants: no default CSVs then
_QUALITATIVE_CSVS = (
    {}
    if QUALITATIVE.get("format", "tidy") == "refi-qda"
    else {
        "themes": "data/raw/qualitative/themes.csv",
        "participants": "data/raw/qualitative/participants.csv",
    }
)
QUALITATIVE_THEMES = [
    p for p in [QUALITATIVE.get("themes", _QUALITATIVE_CSVS.get("themes"))] if p
]
QUALITATIVE_PARTICIPANTS = [
    p
    for p in [QUALITATIVE.get("participants", _QUALITATIVE_CSVS.get("participants"))]
    if p
]
QUALITATIVE_RAW_FILES = [
    *QUALITATIVE_THEMES,
    *QUALITATIVE_PARTICIPANTS,
    *QUALITATIVE_SEGMENT_FILES,
]
DISALLOWED_NAMES = DISALLOWED_NAMES_FILE


rule qualitative_read:
    input:
        themes=QUALITATIVE_THEMES,
        participants=QUALITATIVE_PARTICIPANTS,
        segments=QUALITATIVE_SEGMENT_FILES,
        participant_map=PARTICIPANT_MAP,
        disallowed_names=DISALLOWED_NAMES,
    output:
        themes="data/processed/qualitative/themes.parquet",
        participants="data/processed/qualitative/participants.parquet",
        segments="data/processed/qualitative/segments.parquet",
        findings="data/processed/qualitative/read_findings.csv",
        ledger="data/processed/qualitative/read_ledger.csv",
    log:
        "logs/qualitative_read.log",
    threads: job_threads
    params:
        *strand_code("qualitative"),
        fmt=QUALITATIVE.get("format", "tidy"),
        refi_qda=QUALITATIVE.get("refi_qda") or {},
        coders=QUALITATIVE_CODERS,
        prisons=GROUPS,
        valid_date_range=CONFIG["valid_date_range"],
    run:
        run_step(
            "strands.qualitative.steps.qualitative_read", input, output, params, log
        )


rule qualitative_tables:
    input:
        # raw files too: after a failed read, Snakemake keeps this job's old outputs
        # unless the raw file is also an input here
        raw=QUALITATIVE_RAW_FILES,
        themes="data/processed/qualitative/themes.parquet",
        participants="data/processed/qualitative/participants.parquet",
        segments="data/processed/qualitative/segments.parquet",
        findings="data/processed/qualitative/read_findings.csv",
        ledger="data/processed/qualitative/read_ledger.csv",
        integration=QUALITATIVE.get(
            "integration", "data/raw/qualitative/integration.yaml"
        ),
        disallowed_names=DISALLOWED_NAMES,
    output:
        theme_matrix="data/processed/tables/theme_matrix.csv",
        intercoder_agreement="data/processed/tables/intercoder_agreement.csv",
        quote_bank="data/processed/tables/quote_bank.csv",
        joint_display="data/processed/tables/joint_display.csv",
        theme_lists=expand(
            "data/processed/tables/{table_id}.csv", table_id=QUALITATIVE_THEME_LISTS
        ),
        context="data/processed/context/qualitative.json",
        integration_context="data/processed/context/integration.json",
        ledger="data/processed/audit/ledger_qualitative.csv",
        findings="data/processed/audit/findings_qualitative.csv",
    log:
        "logs/qualitative_tables.log",
    threads: job_threads
    params:
        *strand_code("qualitative"),
        cutoff=CUTOFF,
        primary_coder=QUALITATIVE.get("primary_coder"),
        quote_max_words=QUALITATIVE.get("quote_max_words", 60),
        # the participants' file as the read ledger names it (else the REFI-QDA project)
        participants_file=lambda wildcards, input: input.raw[len(QUALITATIVE_THEMES)],
    run:
        run_step(
            "strands.qualitative.steps.qualitative_tables",
            input,
            output,
            params,
            log,
        )


rule qualitative_figures:
    input:
        tables=["report/tables/theme_matrix.csv"],
    output:
        png=expand("figures/{figure_id}.png", figure_id=QUALITATIVE_FIGURES),
        svg=expand("figures/{figure_id}.svg", figure_id=QUALITATIVE_FIGURES),
    log:
        "logs/qualitative_figures.log",
    threads: job_threads
    params:
        *strand_code("qualitative"),
        synthetic=CONFIG["report"]["synthetic"],
    run:
        run_step(
            "strands.qualitative.steps.qualitative_figures",
            input,
            output,
            params,
            log,
        )


register_strand(
    "qualitative",
    publish_groups={"qualitative": QUALITATIVE_TABLES},
    tables=expand("report/tables/{table_id}.csv", table_id=QUALITATIVE_TABLES),
    figures=expand("figures/{figure_id}.png", figure_id=QUALITATIVE_FIGURES),
    context=[
        "data/processed/context/qualitative.json",
        "data/processed/context/integration.json",
    ],
    key_facts=[],
    ledger=["data/processed/audit/ledger_qualitative.csv"],
    findings=["data/processed/audit/findings_qualitative.csv"],
    targets=expand("figures/{figure_id}.svg", figure_id=QUALITATIVE_FIGURES),
    publish_context={
        "qualitative": [
            "data/processed/context/qualitative.json",
            "data/processed/context/integration.json",
        ]
    },
)
