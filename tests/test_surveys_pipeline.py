"""The survey rules end to end in a scratch copy of the repository: outputs, the audit trail,
the interim cut through the rules, and a third mothers' wave added with one config line (only
the jobs that depend on the mothers' survey re-run)."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pyreadstat
import pytest
import reference_figures as ref
from workflow import REPO, copy_project, snakemake

from evaluation.core.findings import ledger_balance
from evaluation.core.tidy import read_csv
from evaluation.strands.surveys import spec
from tools.synthetic.surveys import write_mothers_sav

pytestmark = [
    pytest.mark.pipeline,
    pytest.mark.skipif(
        not (REPO / "data/raw/case_tracker/eastwood_park.xlsx").exists(),
        reason="example case trackers not generated",
    ),
]

SURVEY_TARGETS = [
    "report/build/context/surveys.json",
    "report/build/parts/key_facts_surveys.csv",
    "data/processed/audit/ledger_surveys.csv",
    "data/processed/audit/findings_surveys.csv",
    *[f"figures/{figure_id}.svg" for figure_id in spec.figure_specs()],
]


def _jobs(dry_run_output: str) -> dict[str, int]:
    """Rule name -> job count from the 'Job stats' table of a dry run."""
    table = dry_run_output.split("Job stats:", 1)[1]
    jobs = {}
    for line in table.splitlines():
        match = re.match(r"^(\w+)\s+(\d+)\s*$", line.strip())
        if match and match.group(1) != "total":
            jobs[match.group(1)] = int(match.group(2))
    return jobs


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    folder = copy_project(tmp_path_factory.mktemp("surveys"))
    snakemake(folder, *SURVEY_TARGETS)
    return folder


def test_survey_outputs_and_audit_trail(workdir):
    facts = read_csv(workdir / "report/build/parts/key_facts_surveys.csv")
    n, denominator, _pct = ref.SUPPORTED_INSIDE_LATEST_WAVE
    assert facts[["fact", "column", "n", "denominator"]].values.tolist() == [
        ["supported_inside_latest_wave", "Total", n, denominator]
    ]
    ledger = read_csv(workdir / "data/processed/audit/ledger_surveys.csv")
    assert ledger_balance(ledger)["balanced"].all()
    reasons = set(ledger.loc[ledger["outcome"] == "excluded", "reason"])
    assert {"survey preview", "unfinished response", "completed after the cut-off"} <= reasons
    findings = read_csv(workdir / "data/processed/audit/findings_surveys.csv")
    assert (findings["severity"] == "warning").all()
    for figure_id in spec.figure_specs():
        assert (workdir / "figures" / f"{figure_id}.png").stat().st_size > 1000
    for table_id in [*spec.mothers_table_ids(), *spec.practitioner_table_ids()]:
        assert (workdir / "data/processed/tables" / f"{table_id}.csv").exists(), table_id


def test_a_third_wave_reruns_only_the_mothers_survey_jobs(workdir):
    t2, _meta = pyreadstat.read_sav(
        str(workdir / "data/raw/surveys/mothers_T2.sav"), user_missing=True
    )
    records = []
    for record in t2.head(8).to_dict("records"):
        record["completion_date"] = record["completion_date"] + dt.timedelta(days=150)
        records.append(
            {k: (None if isinstance(v, float) and pd.isna(v) else v) for k, v in record.items()}
        )
    write_mothers_sav(records, workdir / "data/raw/surveys/mothers_T3.sav", 3)
    config = workdir / "config.yaml"
    text = config.read_text(encoding="utf-8")
    line = "      T2: data/raw/surveys/mothers_T2.sav\n"
    assert line in text
    config.write_text(
        text.replace(line, line + "      T3: data/raw/surveys/mothers_T3.sav\n"), encoding="utf-8"
    )

    dry = snakemake(workdir, "-n", *SURVEY_TARGETS)
    jobs = _jobs(dry.stdout)
    assert jobs["survey_read_mothers"] == 1
    assert {
        "survey_mothers_at_cutoff",
        "survey_mothers_tables",
        "survey_figure",
        "survey_context",
    } <= set(jobs)
    untouched = {
        "read_case_tracker",
        "case_tracker_at_cutoff",
        "case_tracker_tables",
        "survey_read_practitioners",
        "survey_practitioners_at_cutoff",
        "survey_practitioner_tables",
    }
    assert not untouched & set(jobs)

    snakemake(workdir, *SURVEY_TARGETS)
    support = read_csv(workdir / "data/processed/tables/mothers_support.csv")
    assert list(dict.fromkeys(support["column"])) == ["T1", "T2", "T3"]
    paired = read_csv(workdir / "data/processed/tables/mothers_paired_change.csv")
    assert list(dict.fromkeys(paired["comparison"])) == ["T1-T2", "T1-T3"]
    facts = read_csv(workdir / "report/build/parts/key_facts_surveys.csv")
    answers = pd.read_parquet(workdir / "data/processed/surveys/mothers_answers.parquet")
    t3 = answers.loc[
        (answers["wave"] == "T3")
        & (answers["item"] == "support_inside")
        & (answers["status"] == "valid")
    ]
    assert int(facts["denominator"].iloc[0]) == len(t3) > 0


def test_interim_cut_through_the_rules(tmp_path):
    folder = copy_project(tmp_path / "interim")
    snakemake(
        folder,
        "--config",
        f"cutoff_date={ref.INTERIM_CUT}",
        "--",
        "data/processed/tables/mothers_support.csv",
        "data/processed/tables/practitioner_agreement.csv",
    )
    support = read_csv(folder / "data/processed/tables/mothers_support.csv").set_index(
        ["item", "row", "column"]
    )
    published = ref.SURVEY_TABLES["mothers_support"]
    positive, _neutral, _negative, base = published["support_inside"]["T1"]
    assert support.loc[
        ("support_inside", "Moderately or extremely", "T1"), ["n", "denominator"]
    ].tolist() == [positive, base]
    _positive, _neutral, negative, base = published["support_outside"]["T2"]
    assert support.loc[
        ("support_outside", "Not at all or slightly", "T2"), ["n", "denominator"]
    ].tolist() == [negative, base]
    agreement = read_csv(folder / "data/processed/tables/practitioner_agreement.csv")
    agreed = agreement.loc[agreement["row"] == "Strongly agree or agree", "n"].tolist()
    assert agreed == ref.PRACTITIONERS["agree"]
