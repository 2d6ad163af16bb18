# The tables workbook: every published table (report/tables/<id>.csv, the key
# facts included) in one spreadsheet laid out as the Government Analysis
# Function's "Releasing statistics in spreadsheets" asks (cover, contents,
# notes, one table per sheet). The tables as computed tell a suppressed cell
# ([c]) from one that does not apply ([z]). Included after rules/report.smk,
# whose published ids and disclosure log inputs it reads.


rule tables_workbook:
    input:
        **DISCLOSURE_INPUT,
        tables=expand("report/tables/{table_id}.csv", table_id=PUBLISHED_IDS),
        computed=expand("data/processed/tables/{table_id}.csv", table_id=PUBLISHED_IDS),
        disallowed_names=DISALLOWED_NAMES_FILE,
        raw=raw_inputs(),
    output:
        "report/build/tables.xlsx",
    log:
        "logs/tables_workbook.log",
    threads: job_threads
    params:
        *shared_code(),
        title=CONFIG["report"]["title"],
        authors=CONFIG["report"].get("authors") or [],
        synthetic=CONFIG["report"]["synthetic"],
        contact=CONFIG["report"].get("contact"),
        cutoff=CUTOFF,
        disclosure=CONFIG["disclosure"],
        strands=STUDY_STRANDS,
        case_trackers=list(CONFIG["case_trackers"]),
        surveys=CONFIG.get("surveys") or {},
    run:
        run_step("stages.workbook.tables_workbook", input, output, params, log)


# What `rule all` and the manifest collect from this file.
WORKBOOK_TARGETS = list(rules.tables_workbook.output)
