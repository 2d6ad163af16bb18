"""One validation path: each strand's validation entry runs its own read and cut-off stages.

``evaluation.strands.<strand>.validation`` runs the strand's read stage on
its files and then its cut-off stage, the functions and settings the steps
use; ``evaluation validate`` only passes results along and summarises them.
These tests run the rules' steps (no Snakemake) and the validation entries on
the example data and compare their findings and ledgers, and check what
`evaluation validate` now reports: the cut-off stages' findings and ledgers,
and a study without the optional strands.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pyreadstat
import pytest
import yaml
from conftest import REPO

from evaluation.core.config import study_groups
from evaluation.core.findings import FindingLog, Ledger, ledger_balance
from evaluation.core.tidy import write_csv
from evaluation.strands.activity import steps as activity_steps
from evaluation.strands.activity.validation import validate_activity
from evaluation.strands.case_tracker import steps as tracker_steps
from evaluation.strands.case_tracker.validation import validate_case_tracker
from evaluation.strands.qualitative import steps as qualitative_steps
from evaluation.strands.qualitative.validation import validate_qualitative
from evaluation.strands.surveys import steps as survey_steps
from evaluation.strands.surveys.validation import validate_surveys
from evaluation.validate import load_config, validate_all

CONFIG = REPO / "config.yaml"
FRAMES = ["cases", "children", "needs", "reviews"]
TRACKER_OUT = ["mothers", "children", "needs", "reviews", "all_case_ids"]


def _abs(path: str) -> str:
    return str(REPO / path)


def _csv(path: str | Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _findings(folder: Path, *logs: FindingLog) -> pd.DataFrame:
    """Findings as a step writes and the audit reads them (CSV, all text)."""
    merged = FindingLog("")
    for log in logs:
        merged.extend(log)
    path = folder / f"findings_{len(list(folder.glob('findings_*')))}.csv"
    write_csv(merged.to_frame(), path)
    return _csv(path)


def _ledger(folder: Path, *ledgers: Ledger) -> pd.DataFrame:
    merged = Ledger()
    for ledger in ledgers:
        merged.rows.extend(ledger.rows)
    path = folder / f"ledger_{len(list(folder.glob('ledger_*')))}.csv"
    write_csv(merged.to_frame(), path)
    return _csv(path)


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """The example study's settings and every rule's step run on its raw files."""
    if not (REPO / "data/raw/case_tracker/eastwood_park.xlsx").exists():
        pytest.skip("example data not generated")
    cfg, _, _ = load_config(CONFIG)
    work = tmp_path_factory.mktemp("steps")
    trackers = {prison: _abs(path) for prison, path in cfg["case_trackers"].items()}
    dirs = {}
    for i, (prison, path) in enumerate(trackers.items()):
        folder = work / "case_tracker" / f"w{i}"
        folder.mkdir(parents=True)
        dirs[prison] = str(folder)
        tracker_steps.read_case_tracker(
            SimpleNamespace(workbook=path),
            SimpleNamespace(
                frames=[str(folder / f"{f}.parquet") for f in FRAMES],
                findings=str(folder / "findings.csv"),
                ledger=str(folder / "ledger.csv"),
            ),
            SimpleNamespace(
                workbook=prison,
                valid_date_range=cfg["valid_date_range"],
                grouping=cfg["grouping"],
            ),
        )
    tracker_out = {name: str(work / f"{name}.parquet") for name in TRACKER_OUT}
    tracker_out |= {"ledger": str(work / "ledger_tracker.csv")}
    tracker_out |= {"findings": str(work / "findings_tracker.csv")}
    tracker_steps.case_tracker_at_cutoff(
        SimpleNamespace(),
        SimpleNamespace(**tracker_out),
        SimpleNamespace(
            workbook_dirs=dirs,
            cutoff=cfg["cutoff_date"],
            project_start=cfg["project_start"],
            bands=cfg["bands"],
        ),
    )
    return SimpleNamespace(cfg=cfg, work=work, trackers=trackers, tracker_out=tracker_out)


def _cutoff(cfg) -> dt.date:
    return dt.date.fromisoformat(cfg["cutoff_date"])


def _tracker_validation(study):
    cfg = study.cfg
    return validate_case_tracker(
        study.trackers,
        _cutoff(cfg),
        valid_date_range=cfg["valid_date_range"],
        project_start=dt.date.fromisoformat(cfg["project_start"]),
        band_overrides=cfg["bands"],
        grouping=cfg["grouping"],
    )


def test_case_tracker_validation_is_the_steps(study):
    reads, cutoffs = _tracker_validation(study)
    assert list(reads) == list(study.trackers.values())
    at_cut = cutoffs["tracker_at_cutoff"]
    folder = study.work / "compare_tracker"
    folder.mkdir()
    out = study.tracker_out
    logs = [r.findings for r in reads.values()]
    pd.testing.assert_frame_equal(_findings(folder, *logs), _csv(out["findings"]))
    ledgers = [*(r.ledger for r in reads.values()), at_cut.ledger]
    pd.testing.assert_frame_equal(_ledger(folder, *ledgers), _csv(out["ledger"]))
    for name in TRACKER_OUT:
        pd.testing.assert_frame_equal(
            at_cut[name].reset_index(drop=True), pd.read_parquet(out[name]), check_dtype=False
        )


def test_survey_validation_is_the_steps(study):
    cfg, work = study.cfg, study.work
    mothers = {label: _abs(p) for label, p in cfg["_mother_waves"].items()}
    practitioners = {label: _abs(p) for label, p in cfg["_practitioner_waves"].items()}
    folder = work / "surveys"
    folder.mkdir()
    step_findings, step_ledgers, answers = [], [], {}
    for position, (label, path) in enumerate(mothers.items(), start=1):
        out = {k: str(folder / f"m{position}_{k}") for k in ("answers", "findings", "ledger")}
        survey_steps.survey_read_mothers(
            SimpleNamespace(raw=path),
            SimpleNamespace(**out),
            SimpleNamespace(
                wave=label, position=position, valid_date_range=cfg["valid_date_range"]
            ),
        )
        answers[label] = out["answers"]
        step_findings.append(out["findings"])
        step_ledgers.append(out["ledger"])
    rule, max_missing = cfg["_wai"]
    cut = {k: str(folder / f"mcut_{k}") for k in ("responses", "answers", "findings", "ledger")}
    survey_steps.survey_mothers_at_cutoff(
        SimpleNamespace(case_ids=study.tracker_out["all_case_ids"]),
        SimpleNamespace(**cut),
        SimpleNamespace(
            wave_answers=answers,
            cutoff=cfg["cutoff_date"],
            wai_rule=rule,
            wai_max_missing=max_missing,
        ),
    )
    practitioner_answers = {}
    for i, (label, path) in enumerate(practitioners.items()):
        out = {k: str(folder / f"p{i}_{k}") for k in ("answers", "findings", "ledger")}
        survey_steps.survey_read_practitioners(
            SimpleNamespace(raw=path),
            SimpleNamespace(**out),
            SimpleNamespace(wave=label, valid_date_range=cfg["valid_date_range"]),
        )
        practitioner_answers[label] = out["answers"]
        step_findings.append(out["findings"])
        step_ledgers.append(out["ledger"])
    pcut = {k: str(folder / f"pcut_{k}") for k in ("answers", "findings", "ledger")}
    survey_steps.survey_practitioners_at_cutoff(
        SimpleNamespace(),
        SimpleNamespace(**pcut),
        SimpleNamespace(wave_answers=practitioner_answers, cutoff=cfg["cutoff_date"]),
    )

    tracker_reads, tracker_cut = _tracker_validation(study)
    reads, cutoffs = validate_surveys(
        mothers,
        practitioners,
        _cutoff(cfg),
        tracker_cut["tracker_at_cutoff"]["all_case_ids"],
        valid_date_range=cfg["valid_date_range"],
        wai_rule=rule,
        wai_max_missing=max_missing,
    )
    assert list(reads) == [*mothers.values(), *practitioners.values()]
    assert set(cutoffs) == {"mothers_at_cutoff", "practitioners_at_cutoff"}
    for result, findings, ledger in zip(reads.values(), step_findings, step_ledgers, strict=True):
        pd.testing.assert_frame_equal(_findings(folder, result.findings), _csv(findings))
        pd.testing.assert_frame_equal(_ledger(folder, result.ledger), _csv(ledger))
    for name, out in (("mothers_at_cutoff", cut), ("practitioners_at_cutoff", pcut)):
        at_cut = cutoffs[name]
        pd.testing.assert_frame_equal(_findings(folder, at_cut.findings), _csv(out["findings"]))
        pd.testing.assert_frame_equal(_ledger(folder, at_cut.ledger), _csv(out["ledger"]))
    assert len(cutoffs["mothers_at_cutoff"].findings.findings) > 0  # e.g. an unknown case id


def test_qualitative_validation_is_the_steps(study):
    cfg, work = study.cfg, study.work
    qualitative = cfg["qualitative"]
    assert str(qualitative.get("format", "tidy")) == "tidy"
    files = {
        kind: _abs(qualitative[kind])
        for kind in ("themes", "participants", "coded_segments", "integration")
    }
    names = [
        _abs(p)
        for p in [qualitative.get("disallowed_names")]
        if p and Path(_abs(p)).exists()  # as the rule: only when it exists
    ]
    folder = work / "qualitative"
    folder.mkdir()
    read_out = {n: str(folder / f"{n}.parquet") for n in ("themes", "participants", "segments")}
    audit = {
        "findings": str(folder / "read_findings.csv"),
        "ledger": str(folder / "read_ledger.csv"),
    }
    qualitative_steps.qualitative_read(
        SimpleNamespace(
            themes=files["themes"],
            participants=files["participants"],
            segments=[files["coded_segments"]],
            participant_map=[],
            disallowed_names=names,
        ),
        SimpleNamespace(**read_out, **audit),
        SimpleNamespace(
            fmt="tidy",
            coders=[],
            prisons=study_groups(cfg),
            valid_date_range=cfg["valid_date_range"],
        ),
    )
    keys = ["theme_matrix", "intercoder_agreement", "quote_bank", "joint_display", "ledger"]
    outputs = {k: str(folder / f"t_{k}.csv") for k in [*keys, "findings"]}
    outputs |= {k: str(folder / f"{k}.json") for k in ("context", "integration_context")}
    qualitative_steps.qualitative_tables(
        SimpleNamespace(
            **read_out, **audit, integration=files["integration"], disallowed_names=names
        ),
        SimpleNamespace(**outputs),
        SimpleNamespace(
            cutoff=cfg["cutoff_date"],
            primary_coder=qualitative.get("primary_coder"),
            quote_max_words=qualitative.get("quote_max_words", 60),
            participants_file=files["participants"],
        ),
    )

    reads, cutoffs = validate_qualitative(
        _cutoff(cfg),
        themes=files["themes"],
        participants=files["participants"],
        coded_segments=files["coded_segments"],
        disallowed_names=names[0] if names else None,
        integration=files["integration"],
        prisons=study_groups(cfg),
        valid_date_range=cfg["valid_date_range"],
    )
    read, integration = reads["qualitative_read"], reads[files["integration"]]
    at_cut = cutoffs["at_cutoff"]
    compare = work / "compare_qualitative"
    compare.mkdir()
    pd.testing.assert_frame_equal(_findings(compare, read.findings), _csv(audit["findings"]))
    pd.testing.assert_frame_equal(_ledger(compare, read.ledger), _csv(audit["ledger"]))
    # the tables step's audit: the read's, then its own (the cut-off's ledger, the joint display's)
    pd.testing.assert_frame_equal(
        _findings(compare, read.findings, at_cut.findings, integration.findings),
        _csv(outputs["findings"]),
    )
    pd.testing.assert_frame_equal(
        _ledger(compare, read.ledger, at_cut.ledger), _csv(outputs["ledger"])
    )


def test_activity_validation_is_the_steps(study):
    cfg, work = study.cfg, study.work
    diary = _abs(cfg["activity"]["log"])
    folder = work / "activity"
    folder.mkdir()
    read_out = {
        "entries": str(folder / "entries.parquet"),
        "findings": str(folder / "read_findings.csv"),
        "ledger": str(folder / "read_ledger.csv"),
    }
    prisons = study_groups(cfg)
    activity_steps.activity_read(
        SimpleNamespace(log=diary, all_case_ids=study.tracker_out["all_case_ids"]),
        SimpleNamespace(**read_out),
        SimpleNamespace(prisons=prisons, valid_date_range=cfg["valid_date_range"]),
    )
    keys = ["activity_minutes", "activity_hours_by_month", "caseload_by_month", "ledger"]
    outputs = {k: str(folder / f"t_{k}.csv") for k in [*keys, "findings"]}
    outputs["context"] = str(folder / "context.json")
    activity_steps.activity_tables(
        SimpleNamespace(
            entries=read_out["entries"],
            mothers=study.tracker_out["mothers"],
            findings=read_out["findings"],
            ledger=read_out["ledger"],
        ),
        SimpleNamespace(**outputs),
        SimpleNamespace(
            log_file=diary,
            prisons=prisons,
            project_start=cfg["project_start"],
            cutoff=cfg["cutoff_date"],
        ),
    )

    _, tracker_cut = _tracker_validation(study)
    case_ids = set(tracker_cut["tracker_at_cutoff"]["all_case_ids"]["case_id"].astype(str))
    reads, cutoffs = validate_activity(
        diary,
        _cutoff(cfg),
        case_ids,
        prisons=prisons,
        valid_date_range=cfg["valid_date_range"],
    )
    read, at_cut = reads[diary], cutoffs["entries_at_cutoff"]
    compare = work / "compare_activity"
    compare.mkdir()
    pd.testing.assert_frame_equal(_findings(compare, read.findings), _csv(read_out["findings"]))
    pd.testing.assert_frame_equal(_ledger(compare, read.ledger), _csv(read_out["ledger"]))
    pd.testing.assert_frame_equal(
        _findings(compare, read.findings, at_cut.findings), _csv(outputs["findings"])
    )
    pd.testing.assert_frame_equal(
        _ledger(compare, read.ledger, at_cut.ledger), _csv(outputs["ledger"])
    )


def test_without_a_cutoff_a_strand_only_reads(study):
    reads, cutoffs = validate_case_tracker(
        study.trackers,
        None,
        valid_date_range=study.cfg["valid_date_range"],
        project_start=dt.date(2021, 4, 1),
    )
    assert len(reads) == 2 and all(r.frames for r in reads.values())
    assert cutoffs == {}


def test_a_read_that_stops_has_no_frames_and_the_cutoff_does_not_run(study, tmp_path):
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    trackers = {**study.trackers, "Broken": str(broken)}
    reads, cutoffs = validate_case_tracker(
        trackers,
        _cutoff(study.cfg),
        valid_date_range=study.cfg["valid_date_range"],
        project_start=dt.date(2021, 4, 1),
    )
    assert not reads[str(broken)].frames and reads[str(broken)].findings.errors
    assert cutoffs == {}  # the cut-off's rule needs every workbook's read


# --------------------------------------------------------------------------- evaluation validate


def _config() -> dict:
    """The example config with absolute paths (runs from any folder)."""
    config = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    config["case_trackers"] = {k: _abs(v) for k, v in config["case_trackers"].items()}
    for instrument in ("mothers", "practitioners"):
        waves = config["surveys"][instrument]["waves"]
        config["surveys"][instrument]["waves"] = {k: _abs(v) for k, v in waves.items()}
    for kind, value in list(config["qualitative"].items()):
        if kind in ("themes", "participants", "coded_segments", "integration", "disallowed_names"):
            config["qualitative"][kind] = _abs(value)
    config["activity"]["log"] = _abs(config["activity"]["log"])
    return config


def test_validate_gives_the_cutoff_stages_ledgers(study, monkeypatch):
    monkeypatch.chdir(REPO)
    summary = validate_all(CONFIG)
    assert summary.ok
    ledger = summary.ledger.to_frame()
    cut = ledger[ledger["step"] == "cut-off"]
    # every strand's cut-off ran, the practitioners' and the diary's too
    assert set(cut["source"]) == {
        "case_tracker",
        "mothers_survey",
        "practitioner_survey",
        "qualitative",
        "activity",
    }
    late = cut.query("source == 'activity' and outcome == 'excluded'")["rows"].sum()
    assert late > 0  # the example diary runs past the cut-off
    assert ledger_balance(ledger)["balanced"].all()


def test_validate_reports_a_wave_order_problem_from_the_cutoff(study, tmp_path):
    config = _config()
    waves = config["surveys"]["mothers"]["waves"]
    first, second = list(waves)[:2]
    t1, _ = pyreadstat.read_sav(waves[first], user_missing=True)
    t2, meta = pyreadstat.read_sav(waves[second], user_missing=True)
    both = t2.index[t2["case_id"].isin(t1["case_id"])]
    row = both[0]
    case_id = t2.loc[row, "case_id"]
    earlier = pd.Timestamp(t1.loc[t1["case_id"] == case_id, "completion_date"].iloc[0])
    t2.loc[row, "completion_date"] = (earlier - pd.Timedelta(days=10)).date()
    path = tmp_path / f"mothers_{second}.sav"
    pyreadstat.write_sav(
        t2,
        str(path),
        variable_value_labels=meta.variable_value_labels,
        missing_ranges=meta.missing_ranges,
    )
    waves[second] = str(path)
    summary = validate_all(config)
    order = [f for f in summary.warnings if f.check == "wave order"]
    assert len(order) == 1 and order[0].row == row + 1  # a .sav's records count from 1
    assert order[0].value == f"{earlier - pd.Timedelta(days=10):%Y-%m-%d}"
    check = next(c for c in summary.checks if c.file == str(path))
    assert order[0] in check.findings  # with the file it is about
    assert "is dated before the same mother's" in summary.render()
    # a file given alone is read alone: the cut-off needs the other waves and the trackers
    alone = validate_all(config, [str(path)])
    assert not [f for f in alone.warnings if f.check == "wave order"]
    assert "only when every file they need is checked" in alone.render()


def test_a_study_without_surveys_or_activity_validates_without_them(study, monkeypatch):
    monkeypatch.chdir(REPO)
    config = _config()
    del config["surveys"]
    del config["activity"]
    summary = validate_all(config)
    assert summary.ok, summary.render()
    kinds = {c.kind for c in summary.checks}
    assert kinds == {"case_tracker", "themes", "participants", "coded_segments", "integration"}
    sources = set(summary.ledger.to_frame()["source"])
    assert sources == {"case_tracker", "qualitative"}
    assert "not compared with the trackers" not in summary.render()


def test_a_crash_in_one_workbook_is_reported_on_that_file_alone(study, monkeypatch):
    from evaluation.strands.case_tracker import validation

    crashing = next(iter(study.trackers.values()))
    real = validation.read_case_tracker

    def read(path, *args, **kwargs):
        if Path(path).resolve() == Path(crashing):
            raise RuntimeError("boom")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(validation, "read_case_tracker", read)
    config = _config()
    del config["surveys"], config["activity"]
    config["qualitative"] = {}
    summary = validate_all(config)
    by_file = {str(Path(c.file).resolve()): c for c in summary.checks}
    assert [f.check for f in by_file[crashing].errors] == ["checker_failed"]
    assert "RuntimeError: boom" in by_file[crashing].errors[0].message
    others = [c for file, c in by_file.items() if file != crashing]
    assert others and all(c.rows_read and not c.errors for c in others)
