# Provenance: the manifest of every raw input and output of the run (SHA-256),
# the resolved config, package versions and the git state.


rule manifest:
    input:
        raw=raw_inputs(),
        outputs=lambda wildcards: manifest_outputs(wildcards) + WORKBOOK_TARGETS,
    output:
        "report/build/manifest.json",
    log:
        "logs/manifest.log",
    threads: job_threads
    params:
        *shared_code(),
        config=CONFIG,
    run:
        run_step("stages.documents.manifest", input, output, params, log)


PROVENANCE_TARGETS = list(rules.manifest.output)
