"""The real Snakemake workflow on the bundled example data, in scratch copies of the repository.

Checks the published figures at both cuts (reference_figures.py), the
outputs a run must produce, a no-op rerun, reruns after code and config
changes, and a third prison added with one config line.
"""

from __future__ import annotations

import shutil

import pytest
import reference_figures as ref
import yaml
from conftest import write_tracker
from workflow import REPO, copy_project, planned_jobs, snakemake

from evaluation.core.findings import ledger_balance
from evaluation.core.tidy import read_csv, round_half_away

pytestmark = pytest.mark.skipif(
    not (REPO / "data/raw/case_tracker/eastwood_park.xlsx").exists(),
    reason="example data not generated",
)


@pytest.fixture(scope="module")
def interim_run(tmp_path_factory):
    """The case-tracker tables at the interim cut (2022-05-31)."""
    workdir = copy_project(tmp_path_factory.mktemp("interim"))
    snakemake(workdir, "--config", f"cutoff_date={ref.INTERIM_CUT}", "--", "case_tracker_tables")
    return workdir


def table(workdir, table_id, folder="report/tables"):
    return read_csv(workdir / folder / f"{table_id}.csv").set_index(["row", "column"])


def computed(workdir, table_id):
    """A case-tracker table as computed (before publishing; the interim run stops there)."""
    return table(workdir, table_id, "data/processed/tables")


def interim_facts(workdir):
    return read_csv(workdir / "report/build/parts/key_facts_case_tracker.csv").set_index(
        ["fact", "column"]
    )


@pytest.mark.parametrize("table_id", sorted(ref.INTERIM_TABLES))
def test_interim_tables_reproduce_the_published_counts(interim_run, table_id):
    frame = computed(interim_run, table_id)
    for row, columns in ref.INTERIM_TABLES[table_id].items():
        for column, expected in columns.items():
            assert frame.loc[(row, column), "n"] == expected, (table_id, row, column)


def test_interim_denominators(interim_run):
    legal = computed(interim_run, "legal_status")
    sentence = computed(interim_run, "sentence_length")
    for column, mothers in ref.INTERIM_MOTHERS.items():
        assert legal.loc[("Sentenced", column), "denominator"] == mothers
        assert sentence.loc[("Life", column), "denominator"] == ref.INTERIM_SENTENCE_BASE[column]


def test_interim_relationship_groups(interim_run):
    frame = computed(interim_run, "relationship_status")
    for rows, expected in ref.INTERIM_RELATIONSHIP_GROUPS.items():
        assert sum(frame.loc[(row, "Total"), "n"] for row in rows) == expected


def test_interim_key_facts(interim_run):
    facts = interim_facts(interim_run)
    for (fact, column), expected in ref.INTERIM_FACTS.items():
        assert facts.loc[(fact, column), "n"] == expected, (fact, column)


def test_final_key_facts_reproduce_the_summary(final_run):
    facts = read_csv(final_run / "report/tables/key_facts.csv").set_index(["fact", "column"])
    for fact, (n, denominator, published_pct) in ref.FINAL_FACTS.items():
        row = facts.loc[(fact, "Total")]
        assert (row["n"], row["denominator"]) == (n, denominator), fact
        if published_pct is not None:
            assert round_half_away(100 * n / denominator, 0) == published_pct, fact
            assert row["pct"] == round_half_away(100 * n / denominator, 1), fact
    assert facts.loc[("local_authorities", "Total"), "n"] == ref.FINAL_LOCAL_AUTHORITIES
    by_prison = table(final_run, "legal_support_by_prison")
    for prison, (n, pct) in ref.FINAL_LEGAL_SUPPORT_BY_PRISON.items():
        assert by_prison.loc[(prison, "Total"), "n"] == n
        assert round_half_away(100 * n / 44, 0) == pct


def test_final_run_mothers_per_prison(final_run):
    legal = table(final_run, "legal_status")
    for column, mothers in ref.FINAL_MOTHERS.items():
        assert legal.loc[("Sentenced", column), "denominator"] == mothers


def test_final_run_writes_every_output(final_run):
    for path in [
        "report/build/report.html",
        "report/build/report.docx",
        "report/build/report.md",
        "data/processed/mothers.parquet",
        "data/processed/audit/ledger.csv",
        "data/processed/audit/data_quality_log.csv",
        "figures/fig_age_group.png",
        "figures/fig_age_group.svg",
    ]:
        assert (final_run / path).stat().st_size > 0, path


def test_ledger_balances_for_every_source(final_run):
    ledger = read_csv(final_run / "data/processed/audit/ledger.csv")
    balance = ledger_balance(ledger)
    assert len(balance) and balance["balanced"].all(), balance[~balance["balanced"]]
    tracker = ledger[(ledger["source"] == "case_tracker") & (ledger["step"] == "read")]
    not_started = tracker[
        tracker["reason"].str.contains("not started", na=False) & (tracker["sheet"] == "Baseline")
    ]
    assert not_started["rows"].sum() == 3


def test_work_summaries_never_reach_an_output(final_run):
    marker = "synthetic note"
    for folder in ["report", "figures", "data/processed"]:
        for path in (final_run / folder).rglob("*"):
            if path.is_file() and path.suffix in {
                ".csv",
                ".md",
                ".html",
                ".json",
                ".svg",
                ".parquet",
            }:
                assert marker not in path.read_bytes().decode("utf-8", "ignore").lower(), path


def test_report_is_marked_synthetic_and_has_no_unresolved_references(final_run):
    html = (final_run / "report/build/report.html").read_text()
    assert "SYNTHETIC EXAMPLE DATA" in html
    assert "{{" not in html and "{%" not in html and "Table ?" not in html
    assert 'src="figures/' not in html  # images embedded


def test_project_copies_leave_outputs_and_virtual_environments_out(tmp_path):
    from workflow import skipped_names

    (tmp_path / "env").mkdir()
    (tmp_path / "env" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (tmp_path / "src").mkdir()
    names = ["env", "src", "figures", ".snakemake", "Snakefile"]
    assert skipped_names(tmp_path, tmp_path, names) == {"env", "figures", ".snakemake"}


def copy_of_run(run, tmp_path):
    """A copy of a finished run (outputs and Snakemake's records) to edit."""
    workdir = tmp_path / "copy"
    shutil.copytree(run, workdir, symlinks=True)
    return workdir


def test_no_op_rerun(final_run):
    result = snakemake(final_run, "--dry-run")
    assert "Nothing to be done" in result.stdout + result.stderr


def test_editing_package_code_reruns_the_rules_that_use_it(final_run, tmp_path):
    workdir = copy_of_run(final_run, tmp_path)
    tables_py = workdir / "src/evaluation/strands/case_tracker/tables.py"
    tables_py.write_text(tables_py.read_text() + "\n# edited\n")
    result = snakemake(workdir, "--dry-run")
    jobs = planned_jobs(result.stdout)
    # every rule of the strand re-runs; another strand's rules only where they use its outputs
    assert "case_tracker_tables" in jobs and "read_case_tracker" in jobs
    assert not any(job.startswith(("survey_read_", "qualitative_read")) for job in jobs), jobs
    # the reason names the part with its digest
    assert "now: 'evaluation/strands/case_tracker sha256:" in result.stdout


def test_every_step_reruns_when_the_shared_code_changes(final_run, tmp_path):
    workdir = copy_of_run(final_run, tmp_path)
    codebook = workdir / "src/evaluation/core/codebook.py"
    codebook.write_text(codebook.read_text() + "\n# edited\n")
    jobs = planned_jobs(snakemake(workdir, "--dry-run").stdout)
    every_job = planned_jobs(snakemake(workdir, "--dry-run", "--forceall").stdout)
    assert jobs == every_job


def test_editing_the_studys_codebook_reruns_every_step(final_run, tmp_path):
    workdir = copy_of_run(final_run, tmp_path)
    derived = workdir / "codebook/derived.yaml"
    derived.write_text(derived.read_text() + "\n# edited\n")
    jobs = planned_jobs(snakemake(workdir, "--dry-run").stdout)
    every_job = planned_jobs(snakemake(workdir, "--dry-run", "--forceall").stdout)
    assert jobs == every_job


def rules_by_step_module() -> dict[str, set[str]]:
    """Step module (``strands.<strand>.steps``, ``stages.<stage>``) -> the rules that call it.

    Rules made in a loop (``name: f"publish_{...}"``) are given by their name's fixed start.
    """
    import re

    modules: dict[str, set[str]] = {}
    for path in sorted((REPO / "rules").glob("*.smk")):
        for block in re.split(r"\n(?=\s*rule\b)", path.read_text()):
            step = re.search(r'run_step\(\s*"([\w.]+)\.\w+"', block)
            name = re.search(r"rule (\w+):", block) or re.search(r'f"(\w+?)\{', block)
            if step and name:
                modules.setdefault(step.group(1), set()).add(name.group(1))
    return modules


def test_every_rule_runs_the_step_function_with_its_own_name():
    """One hop from rule to code: rule ``x`` calls ``run_step("<module>.x", ...)``.

    ``<module>`` is the strand's ``strands.<strand>.steps`` for the rules of
    ``rules/<strand>.smk`` and ``stages.<stage>`` for the shared stages.

    Rules made in a loop (``name: f"publish_{publish_group}"``) share one function,
    named by the name's fixed start and ``group``: ``publish_group``. No Snakemake run.
    """
    import importlib
    import re

    checked = []
    for path in sorted((REPO / "rules").glob("*.smk")):
        for block in re.split(r"\n(?=\s*rule\b)", path.read_text()):
            step = re.search(r'run_step\(\s*"([\w.]+)\.(\w+)"', block)
            if not step:
                continue
            named = re.search(r"rule (\w+):", block)
            looped = re.search(r'name:\s*f"(\w+?)\{\w+\}"', block)
            assert named or looped, (path.name, step.group(0))
            rule = named.group(1) if named else f"{looped.group(1)}group"
            module, function = step.groups()
            assert function == rule, (path.name, rule, f"{module}.{function}")
            step_module = importlib.import_module(f"evaluation.{module}")
            assert callable(getattr(step_module, function, None)), (path.name, module, function)
            # a strand's rules run its own steps module; the shared stages run evaluation.stages
            strand = path.stem
            if (REPO / "src/evaluation/strands" / strand).is_dir():
                assert module == f"strands.{strand}.steps", (path.name, rule, module)
            else:
                assert module.startswith("stages."), (path.name, rule, module)
            checked.append(rule)
    assert len(checked) >= 25, checked
    assert "publish_group" in checked and len(checked) == len(set(checked)), checked


def test_editing_a_step_module_reruns_every_rule_that_calls_it(final_run, tmp_path):
    workdir = copy_of_run(final_run, tmp_path)
    modules = rules_by_step_module()
    assert {
        "stages.documents",
        "stages.report",
        "strands.surveys.steps",
        "strands.case_tracker.steps",
    } <= set(modules)
    in_default_run = planned_jobs(snakemake(workdir, "--dry-run", "--forceall").stdout)
    for module, rules in sorted(modules.items()):
        # rules outside the default run (release_bundle needs min_cell) are not planned
        rules = {r for r in rules if any(job.startswith(r) for job in in_default_run)}
        source = workdir / "src/evaluation" / (module.replace(".", "/") + ".py")
        original = source.read_text()
        source.write_text(original + "\n# edited\n")
        jobs = planned_jobs(snakemake(workdir, "--dry-run").stdout)
        source.write_text(original)
        for rule in rules:
            assert any(job.startswith(rule) for job in jobs), (module, rule, sorted(jobs))


def test_touching_package_code_without_changing_it_reruns_nothing(final_run, tmp_path):
    workdir = copy_of_run(final_run, tmp_path)
    for path in (workdir / "src/evaluation").rglob("*"):
        if path.is_file():
            path.touch()
    result = snakemake(workdir, "--dry-run")
    assert "Nothing to be done" in result.stdout + result.stderr


def test_editing_a_template_reruns_only_the_report(final_run, tmp_path):
    workdir = copy_of_run(final_run, tmp_path)
    template = workdir / "report/templates/sections/limitations.md.j2"
    template.write_text(template.read_text() + "\nAn added sentence.\n")
    jobs = planned_jobs(snakemake(workdir, "--dry-run").stdout)
    assert set(jobs) == {"render_report", "report_html", "report_docx", "manifest", "all"}, jobs


def test_editing_the_word_reference_document_reruns_only_the_word_report(final_run, tmp_path):
    workdir = copy_of_run(final_run, tmp_path)
    reference = workdir / "report/reference-synthetic.docx"
    reference.write_bytes(reference.read_bytes() + b"\n")  # changed, as after an edit in Word
    jobs = planned_jobs(snakemake(workdir, "--dry-run").stdout)
    assert set(jobs) == {"report_docx", "manifest", "all"}, jobs


def test_a_third_prison_is_one_config_line(tmp_path):
    workdir = copy_project(tmp_path / "third")
    write_tracker(workdir / "data/raw/case_tracker/low_newton.xlsx")
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    config["case_trackers"]["Low Newton"] = "data/raw/case_tracker/low_newton.xlsx"
    (workdir / "three.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    snakemake(workdir, "--configfile", "three.yaml", "--", "case_tracker_tables")
    legal = read_csv(workdir / "data/processed/tables/legal_status.csv")
    assert list(dict.fromkeys(legal["column"])) == ["Eastwood Park", "Send", "Low Newton", "Total"]
    total = legal[(legal["column"] == "Total")]["denominator"].iloc[0]
    assert total == ref.FINAL_MOTHERS["Total"] + 2


def test_bad_workbook_stops_the_run_with_an_actionable_message(tmp_path):
    workdir = copy_project(tmp_path / "bad")
    (workdir / "data/raw/case_tracker/send.xlsx").write_bytes(b"not a workbook")
    result = snakemake(workdir, "--", "case_tracker_tables", check=False)
    assert result.returncode != 0
    assert "send.xlsx" in result.stdout + result.stderr
    assert (
        "cannot be read as an Excel workbook"
        in (workdir / "logs/read_case_tracker/send.log").read_text()
    )
    assert not (workdir / "data/processed/case_tracker/send/cases.parquet").exists()


def test_snakemake_lint_is_clean():
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "--lint"], cwd=REPO, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def output_hashes(workdir) -> dict[str, str]:
    import hashlib

    hashes = {}
    for folder in ("data/processed", "report/tables", "report/build", "figures"):
        for path in sorted((workdir / folder).rglob("*")):
            if path.is_file():
                hashes[str(path.relative_to(workdir))] = hashlib.sha256(
                    path.read_bytes()
                ).hexdigest()
    return hashes


def test_two_clean_runs_give_identical_bytes(final_run, tmp_path):
    second = copy_project(tmp_path / "second")
    snakemake(second)
    first_hashes, second_hashes = output_hashes(final_run), output_hashes(second)
    assert set(first_hashes) == set(second_hashes)
    differ = sorted(path for path in first_hashes if first_hashes[path] != second_hashes[path])
    assert not differ, differ
    assert any(p.endswith("report.docx") for p in first_hashes) and any(
        p.endswith(".png") for p in first_hashes
    )


def test_manifest_lists_inputs_and_outputs_with_hashes(final_run):
    import json

    manifest = json.loads((final_run / "report/build/manifest.json").read_text())
    assert "data/raw/case_tracker/send.xlsx" in manifest["inputs"]
    assert "report/build/report.html" in manifest["outputs"]
    assert manifest["config"]["cutoff_date"] == ref.FINAL_CUT
    assert all(len(h) == 64 for h in manifest["outputs"].values())
    assert manifest["packages"]["pandas"] != "not installed"


def test_raw_files_are_never_written(final_run):
    """After a full run data/raw holds exactly the files it started with, byte for byte."""
    import hashlib

    def snapshot(root):
        return {
            str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((root / "data/raw").rglob("*"))
            if p.is_file()
        }

    assert snapshot(final_run) == snapshot(REPO)


def job_threads(dry_run_output: str) -> dict[str, str]:
    """Rule -> its 'threads:' line in a dry run ('1' where Snakemake prints none)."""
    return job_lines(dry_run_output, "threads", "1")


def job_lines(dry_run_output: str, key: str, default: str) -> dict[str, str]:
    """Rule -> the value of its ``key:`` line in a dry run (``default`` where Snakemake prints none)."""
    values, rule = {}, None
    for line in dry_run_output.splitlines():
        if line.startswith(("rule ", "localrule ")):
            rule = line.split()[1].rstrip(":")
            values[rule] = default
        elif line.strip().startswith(f"{key}:") and rule:
            values[rule] = line.split(":", 1)[1].strip()
    return values


def test_jobs_take_no_core_in_the_default_profile_and_one_each_as_processes(final_run):
    # zero threads: Snakemake starts every ready job, the pool bounds the CPU;
    # a process per job (profiles/plain) takes a core each
    forced = ("--forcerun", "publish_activity", "report_html")
    for cores in ("2", "1"):
        threaded = snakemake(final_run, "--dry-run", "--cores", cores, *forced).stdout
        assert job_threads(threaded)["publish_activity"] == "0"
        assert job_threads(threaded)["report_html"] == "0"
    plain = snakemake(
        final_run, "--dry-run", "--workflow-profile", "profiles/plain", *forced
    ).stdout
    assert job_threads(plain)["publish_activity"] == "1"
    assert job_threads(plain)["report_html"] == "1"
