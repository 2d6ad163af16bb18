"""Shared fixtures: a small valid case-tracker workbook built inline, and the example data."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import openpyxl
import pytest

REPO = Path(__file__).resolve().parents[1]
# The example study's codebook, for tests that call the package directly (a
# Snakemake run and `evaluation validate` name their study's codebook themselves).
os.environ["EVALUATION_CODEBOOK"] = str(REPO / "codebook")

BASELINE_HEADER = [
    "case_id",
    "referral_date",
    "first_contact_date",
    "case_origin",
    "referral_source",
    "age",
    "ethnicity",
    "relationship_status",
    "known_to_social_services_as_child",
    "domestic_abuse_history",
    "socially_isolated",
    "acct",
    "legal_status",
    "sentence_length",
    "incarceration_count",
    "offence_category",
    "offence_against_own_child",
    "n_children_under_18",
    "care_arrangement",
    "social_workers_involved",
    "family_court_status",
    "contact_at_start",
    "local_authority",
]
CHILDREN_HEADER = ["case_id", "child_ref", "age", "placement", "has_social_worker"]
TRIAGE_HEADER = ["case_id", "source", "need"]
REVIEWS_HEADER = [
    "case_id",
    "review_date",
    "case_status",
    "closure_date",
    "closure_reason",
    "contact_with_children",
    "contact_outcome",
    "mbu",
    "legal_support",
    "work_summary",
]


def baseline_row(case_id="T-001", **changes):
    row = {
        "case_id": case_id,
        "referral_date": dt.datetime(2021, 5, 1),
        "first_contact_date": dt.datetime(2021, 5, 10),
        "case_origin": "New referral",
        "referral_source": "Self",
        "age": 31,
        "ethnicity": "White British",
        "relationship_status": "Single",
        "known_to_social_services_as_child": "No",
        "domestic_abuse_history": "Yes",
        "socially_isolated": "No",
        "acct": "No",
        "legal_status": "Sentenced",
        "sentence_length": "2 years 6 months",
        "incarceration_count": 1,
        "offence_category": "Fraud",
        "offence_against_own_child": "No",
        "n_children_under_18": 2,
        "care_arrangement": "Foster care placement/s",
        "social_workers_involved": 1,
        "family_court_status": "Family Court proceedings ongoing",
        "contact_at_start": "None",
        "local_authority": "Northshire",
    }
    row.update(changes)
    return row


def small_tracker_sheets():
    """Two mothers (one not started), their children, needs and reviews: a valid workbook."""
    return {
        "Baseline": [
            baseline_row("T-001"),
            baseline_row(
                "T-002",
                first_contact_date="03/11/2021",
                age="40",
                legal_status="remand",
                sentence_length=None,
                n_children_under_18=1,
                local_authority="Westvale; northshire ",
            ),
            baseline_row("T-003", first_contact_date=None),
        ],
        "Children": [
            {
                "case_id": "T-001",
                "child_ref": 1,
                "age": 2,
                "placement": "Foster care",
                "has_social_worker": "Y",
            },
            {
                "case_id": "T-001",
                "child_ref": 2,
                "age": 7,
                "placement": "kinship",
                "has_social_worker": "yes",
            },
            {
                "case_id": "T-002",
                "child_ref": 1,
                "age": 12,
                "placement": "Father",
                "has_social_worker": "N/K",
            },
            {
                "case_id": "T-003",
                "child_ref": 1,
                "age": 4,
                "placement": "Foster care",
                "has_social_worker": "No",
            },
        ],
        "Triage coding": [
            {"case_id": "T-001", "source": "Mother", "need": "Support with adoption transition"},
            {"case_id": "T-001", "source": "Social worker", "need": "Contact agreement"},
            {"case_id": "T-002", "source": "Mother", "need": "Support with adoption transition"},
        ],
        "Reviews": [
            {
                "case_id": "T-001",
                "review_date": dt.datetime(2021, 11, 10),
                "case_status": "Open",
                "contact_with_children": "Indirect only",
                "contact_outcome": "Unresolved",
                "mbu": "No",
                "legal_support": "Yes",
                "work_summary": "synthetic note: met the mother",
            },
            {
                "case_id": "T-001",
                "review_date": 44700,
                "case_status": "Closed",
                "closure_date": "20/05/2022",
                "closure_reason": "Released",
                "contact_with_children": "Direct",
                "contact_outcome": "Contact plan in place",
                "mbu": "No",
                "legal_support": "No",
                "work_summary": "synthetic note: closed",
            },
        ],
    }


def write_tracker(path: Path, sheets: dict | None = None, headers: dict | None = None) -> Path:
    """Write a case-tracker workbook from row dicts (missing keys = blank cells)."""
    sheets = small_tracker_sheets() if sheets is None else sheets
    default_headers = {
        "Baseline": BASELINE_HEADER,
        "Children": CHILDREN_HEADER,
        "Triage coding": TRIAGE_HEADER,
        "Reviews": REVIEWS_HEADER,
    }
    headers = {**default_headers, **(headers or {})}
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        header = headers.get(name) or sorted({k for r in rows for k in r})
        sheet.append(header)
        for row in rows:
            sheet.append([row.get(_key(h)) for h in header])
    workbook.save(path)
    return path


def _key(header: str) -> str:
    return header.strip().lower().replace(" ", "_").replace("-", "_")


@pytest.fixture
def tracker_path(tmp_path):
    return write_tracker(tmp_path / "tracker.xlsx")


@pytest.fixture(scope="session")
def final_run(tmp_path_factory):
    """A full default run of the real workflow (cut 2023-12-31) in a scratch copy: every output."""
    from workflow import copy_project, snakemake

    if not (REPO / "data/raw/case_tracker/eastwood_park.xlsx").exists():
        pytest.skip("example data not generated")
    workdir = copy_project(tmp_path_factory.mktemp("final"))
    snakemake(workdir)
    return workdir


@pytest.fixture(scope="session")
def protected_run(tmp_path_factory):
    """The example project run with ``disclosure: min_cell: k``, built once per k and session."""
    from workflow import copy_project, snakemake

    built: dict[int, Path] = {}

    def run(k: int) -> Path:
        if k not in built:
            workdir = copy_project(tmp_path_factory.mktemp(f"min_cell_{k}"))
            snakemake(workdir, "--config", f"disclosure={{min_cell: {k}, review_threshold: 5}}")
            built[k] = workdir
        return built[k]

    return run


@pytest.fixture(scope="session")
def interim_protected_run(tmp_path_factory):
    """The example project at the interim cut (2022-05-31) with ``min_cell: 10``: fewer cases."""
    from workflow import copy_project, snakemake

    workdir = copy_project(tmp_path_factory.mktemp("interim_min_cell_10"))
    snakemake(
        workdir,
        "--config",
        "cutoff_date=2022-05-31",
        "disclosure={min_cell: 10, review_threshold: 5}",
    )
    return workdir


def third_prison_sheets(n_mothers: int = 7) -> dict:
    """A small third prison: ``n_mothers`` started cases with a child, a need and a review each."""
    statuses = ["Sentenced", "Remand", "Sentenced", "Recall", "Sentenced", "Sentenced", "Remand"]
    baseline, children, needs, reviews = [], [], [], []
    for i in range(n_mothers):
        case_id = f"LN-{i + 1:03d}"
        legal = statuses[i % len(statuses)]
        baseline.append(
            baseline_row(
                case_id,
                first_contact_date=dt.datetime(2022, 1 + i, 10),
                age=24 + 3 * i,
                legal_status=legal,
                sentence_length=None if legal == "Remand" else "2 years",
                n_children_under_18=1 + i % 3,
            )
        )
        children.append(
            {
                "case_id": case_id,
                "child_ref": 1,
                "age": 3 + i,
                "placement": "Foster care",
                "has_social_worker": "Yes",
            }
        )
        needs.append(
            {"case_id": case_id, "source": "Mother", "need": "Support with adoption transition"}
        )
        reviews.append(
            {
                "case_id": case_id,
                "review_date": dt.datetime(2023, 6, 1 + i),
                "case_status": "Open",
                "contact_with_children": "Indirect only",
                "contact_outcome": "Unresolved",
                "mbu": "No",
                "legal_support": "No",
                "work_summary": "synthetic note",
            }
        )
    return {"Baseline": baseline, "Children": children, "Triage coding": needs, "Reviews": reviews}


@pytest.fixture(scope="session")
def third_prison_run(tmp_path_factory):
    """The example project with a third prison of 7 mothers, run with ``min_cell: 10``."""
    import yaml
    from workflow import copy_project, snakemake

    workdir = copy_project(tmp_path_factory.mktemp("third_prison"))
    write_tracker(workdir / "data/raw/case_tracker/low_newton.xlsx", third_prison_sheets())
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    config["case_trackers"]["Low Newton"] = "data/raw/case_tracker/low_newton.xlsx"
    config["disclosure"] = {"min_cell": 10, "review_threshold": 5}
    (workdir / "three.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    snakemake(workdir, "--configfile", "three.yaml")
    return workdir


@pytest.fixture(scope="session")
def reduced_study_run(tmp_path_factory):
    """A study with only the case tracker and interviews (no surveys, no diaries), ``min_cell: 10``.

    The config is rewritten, not merged: a strand is left out by leaving its
    key out, as another team's config.yaml would.
    """
    import yaml
    from workflow import copy_project, snakemake

    workdir = copy_project(tmp_path_factory.mktemp("reduced_study"))
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    del config["surveys"], config["activity"]
    config["disclosure"] = {"min_cell": 10, "review_threshold": 5}
    (workdir / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    snakemake(workdir)
    return workdir


@pytest.fixture(scope="session")
def survey_variant_run(tmp_path_factory):
    """A study whose survey strand differs from the example's, run once per (study, min_cell).

    ``"practitioners_only"``: no ``surveys: mothers:`` key and no
    ``codebook/mothers_survey.yaml`` (the practitioner survey alone). ``"mothers_without_scale"``: no ``surveys: practitioners:``
    key, and a codebook (``codebook_no_scale/``, named by the config key
    ``codebook:``) whose mothers' questionnaire declares no scored scale. The
    config is rewritten, not merged, as another team's config.yaml would be.
    """
    import yaml
    from survey_variants import codebook_without_scored_scale
    from workflow import copy_project, snakemake

    built: dict[tuple[str, int | None], Path] = {}

    def run(study: str, min_cell: int | None = None) -> Path:
        if (study, min_cell) not in built:
            workdir = copy_project(tmp_path_factory.mktemp(f"{study}_{min_cell}"))
            config = yaml.safe_load((REPO / "config.yaml").read_text())
            if study == "practitioners_only":
                # no mothers' questionnaire: not in the config, nor in the study's codebook
                del config["surveys"]["mothers"]
                (workdir / "codebook/mothers_survey.yaml").unlink()
            elif study == "mothers_without_scale":
                del config["surveys"]["practitioners"]
                codebook_without_scored_scale(REPO / "codebook", workdir / "codebook_no_scale")
                config["codebook"] = "codebook_no_scale"
            else:
                raise ValueError(study)
            config["disclosure"] = {"min_cell": min_cell, "review_threshold": 5}
            (workdir / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
            snakemake(workdir)
            built[study, min_cell] = workdir
        return built[study, min_cell]

    return run


@pytest.fixture(scope="session")
def hostile_run(tmp_path_factory):
    """The example project with hostile strings in every raw text field that reaches the report.

    Returns ``(hostile, benign, slots)``: the hostile project, its twin with
    plain words in exactly the same places (same structure, so the two
    reports differ only where a hostile string made or removed markup), and
    what was planted where (``hostile.plant``; issue 21).
    """
    from hostile import plant
    from workflow import copy_project, snakemake

    runs = {}
    for name in ("hostile", "benign"):
        workdir = copy_project(tmp_path_factory.mktemp(f"{name}_text"))
        runs[name] = (workdir, plant(workdir, benign=name == "benign"))
        snakemake(workdir)
    return runs["hostile"][0], runs["benign"][0], runs["hostile"][1]


@pytest.fixture(scope="session")
def interim_full_run(tmp_path_factory):
    """Every output of the example at the interim cut-off (2022-05-31), for comparing runs."""
    from workflow import copy_project, snakemake

    workdir = copy_project(tmp_path_factory.mktemp("interim_full"))
    snakemake(workdir, "--config", "cutoff_date=2022-05-31")
    return workdir


@pytest.fixture(scope="session")
def second_study_run(tmp_path_factory):
    """The second example study (examples/recurrent-care-mapping) run once from its folder.

    A scratch copy of the engine and its examples; Snakemake runs from the
    engine's folder with ``--directory`` the study's, as the README says.
    """
    from workflow import copy_project, snakemake

    engine = copy_project(tmp_path_factory.mktemp("second_study"))
    snakemake(engine, "--directory", "examples/recurrent-care-mapping")
    return engine / "examples" / "recurrent-care-mapping"


@pytest.fixture(scope="session")
def second_study_protected_run(tmp_path_factory):
    """The second example study with ``min_cell: 5`` (its config rewritten, not merged)."""
    import yaml
    from workflow import copy_project, snakemake

    engine = copy_project(tmp_path_factory.mktemp("second_study_protected"))
    study = engine / "examples" / "recurrent-care-mapping"
    config = yaml.safe_load((study / "config.yaml").read_text())
    config["disclosure"] = {"min_cell": 5, "review_threshold": 5}
    (study / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    snakemake(engine, "--directory", "examples/recurrent-care-mapping")
    return study


@pytest.fixture(scope="session")
def new_study_run(tmp_path_factory):
    """A folder written by ``evaluation new-study``, run as the README says."""
    from workflow import copy_project, snakemake

    from evaluation.new_study import write_new_study

    engine = copy_project(tmp_path_factory.mktemp("new_study_engine"))
    study = tmp_path_factory.mktemp("new_study") / "my-study"
    write_new_study(study)
    snakemake(engine, "--directory", str(study))
    return study


#: Fixtures that build a project with Snakemake (once per session or module).
WORKFLOW_FIXTURES = {
    "interim_full_run",
    "second_study_run",
    "second_study_protected_run",
    "new_study_run",
    "reduced_study_run",
    "survey_variant_run",
    "final_run",
    "protected_run",
    "third_prison_run",
    "interim_run",
    "interim_protected_run",
    "workdir",
    "hostile_run",
}


def pytest_collection_modifyitems(config, items):
    """Tests that run the workflow belong to the ``pipeline`` layer; the rest are the fast layer.

    A test is in the workflow layer when it uses a fixture that runs Snakemake,
    calls Snakemake itself, or is marked ``pipeline``; ``pytest -m "not
    pipeline"`` runs the fast layer alone.
    """
    import inspect

    for item in items:
        function = getattr(item, "function", None)
        try:
            source = inspect.getsource(function) if function else ""
        except (OSError, TypeError):
            source = ""
        if WORKFLOW_FIXTURES & set(getattr(item, "fixturenames", ())) or (
            "snakemake(" in source or '"snakemake"' in source
        ):
            item.add_marker(pytest.mark.pipeline)
