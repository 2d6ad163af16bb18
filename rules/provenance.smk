# Provenance: the manifest of every raw input and output of the run (SHA-256),
# the resolved config, package versions and the git state. Included last, so
# it sees every strand's outputs.


rule manifest:
    input:
        raw=raw_inputs(),
        outputs=sorted(
            set(REPORT_TABLES + REPORT_FIGURES + REPORT_CONTEXT + FINAL_TARGETS)
        ),
    output:
        "report/build/manifest.json",
    log:
        "logs/manifest.log",
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        *code_versions(
            COMMON_CODE + package_code("provenance.py", "steps/documents.py")
        ),
        config=CONFIG,
    run:
        run_step("documents.manifest", input, output, params, log)


FINAL_TARGETS.append("report/build/manifest.json")
