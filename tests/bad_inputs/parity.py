"""Run a corpus case as the pipeline does and as ``evaluation validate`` does, and compare.

Each case's file(s) go into a study config (the example's settings and, for
the strands that need them, the example's trackers). The pipeline side runs
the strand's steps as ``rules/*.smk`` call them, stage by stage, in a scratch
folder: a stage's jobs all run (as Snakemake runs independent jobs), and the
first stage with a failed job stops the run. Its data-quality log is the
findings files the strand registers (``findings=`` of ``register_strand``).
The validate side is :func:`evaluation.validate.validate_all` on the same
config. Each side gives a :class:`Verdict`: ``stop`` (data errors),
``crash`` (any other exception), ``warn`` or ``accept``, with its findings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import yaml

from evaluation.core.findings import ERROR, WARNING, DataValidationError, Finding

REPO = Path(__file__).resolve().parents[2]
#: Config keys every study config of the parity test keeps from the example's.
SETTINGS = ("cutoff_date", "project_start", "valid_date_range", "bands", "report", "disclosure")
TRACKER_FRAMES = ["cases", "children", "needs", "reviews"]
TRACKER_OUT = ["mothers", "children", "needs", "reviews", "all_case_ids"]


def _example_config() -> dict:
    return yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))


def _example_trackers() -> dict[str, str]:
    return {prison: str(REPO / path) for prison, path in _example_config()["case_trackers"].items()}


def study_config(runner: str, inputs: dict) -> dict:
    """The config of a study whose raw files are the case's (plus what its strand needs)."""
    example = _example_config()
    cfg = {key: example[key] for key in SETTINGS if key in example}
    cfg["codebook"] = str(REPO / "codebook")
    cfg["case_trackers"] = _example_trackers()
    if runner == "read_case_tracker":
        cfg["case_trackers"] = {"Test Prison": str(inputs["path"])}
    elif runner == "check_unique_ids":
        cfg["case_trackers"] = {name: str(path) for name, path in inputs["paths"].items()}
    elif runner == "read_mothers_wave":
        cfg["surveys"] = {"mothers": {"waves": {"T1": str(inputs["path"])}}}
    elif runner == "read_practitioner_wave":
        cfg["surveys"] = {"practitioners": {"waves": {"Y1": str(inputs["path"])}}}
    elif runner == "read_qualitative":
        segments = inputs["coded_segments"]
        cfg["qualitative"] = {
            "format": inputs.get("fmt", "tidy"),
            "themes": str(inputs["themes"]),
            "participants": str(inputs["participants"]),
            "coded_segments": (
                {coder: str(p) for coder, p in segments.items()}
                if isinstance(segments, dict)
                else str(segments)
            ),
            "participant_map": inputs.get("participant_map"),
            "disallowed_names": str(REPO / "data/raw/qualitative/disallowed_names.txt"),
            "integration": str(REPO / "data/raw/qualitative/integration.yaml"),
        }
    elif runner == "read_activity":
        cfg["activity"] = {"log": str(inputs["path"])}
    else:
        raise ValueError(f"no study config for runner {runner!r}")
    return cfg


# --------------------------------------------------------------------------- verdicts


def missing_file_key(path: str | Path) -> tuple:
    """A configured file that does not exist, however the side words it."""
    return (ERROR, Path(path).name, "", "", "", "", "file not found", "")


def finding_key(finding: Finding | dict) -> tuple:
    """What the comparison looks at: severity, file name, where, value, message, expected.

    The identifier guard of the audit logs (the run's ``audit_logs``) is
    compared by what it found: the run names the log's line, `evaluation
    validate` the raw file.
    """
    get = finding.get if isinstance(finding, dict) else lambda k: getattr(finding, k)
    if get("check") == "identifier_guard" and get("source") in ("validate", "output guard"):
        found = re.search(r"contains (.+?);", str(get("message")))
        return (ERROR, "audit logs", "", "", "", "", found.group(1) if found else "", "")
    if get("check") == "missing_file":
        return missing_file_key(str(get("file")))

    def text(value) -> str:
        return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)

    return (
        text(get("severity")),
        Path(text(get("file"))).name,
        text(get("sheet")),
        text(get("row")),
        text(get("column")),
        text(get("value")),
        text(get("message")),
        text(get("expected")),
    )


@dataclass
class Verdict:
    """What a run said about the files: stop / crash / warn / accept, with its findings."""

    verdict: str
    errors: list[tuple] = field(default_factory=list)
    warnings: list[tuple] = field(default_factory=list)
    detail: str = ""

    def describe(self) -> str:
        lines = [f"{self.verdict} ({len(self.errors)} errors, {len(self.warnings)} warnings)"]
        lines += [f"  E {key}" for key in self.errors[:8]]
        lines += [f"  W {key}" for key in self.warnings[:8]]
        if self.detail:
            lines.append(f"  {self.detail}")
        return "\n".join(lines)


def _verdict(errors: list[tuple], warnings: list[tuple], crashed: str = "") -> Verdict:
    if crashed:
        return Verdict("crash", sorted(errors), sorted(warnings), crashed)
    kind = "stop" if errors else "warn" if warnings else "accept"
    return Verdict(kind, sorted(errors), sorted(warnings))


# --------------------------------------------------------------------------- validate side


def validate_verdict(cfg: dict) -> Verdict:
    """``evaluation validate`` on the study config."""
    from evaluation.validate import validate_all

    summary = validate_all(cfg)
    crashed = [f for f in summary.errors if f.check == "checker_failed"]
    return _verdict(
        [finding_key(f) for f in summary.errors],
        [finding_key(f) for f in summary.warnings],
        "; ".join(f.message for f in crashed),
    )


# --------------------------------------------------------------------------- pipeline side


class _Stopped(Exception):
    def __init__(self, errors: list[Finding], crashed: str = ""):
        super().__init__(crashed or f"{len(errors)} data error(s)")
        self.errors, self.crashed = errors, crashed


def _stage(*jobs) -> None:
    """Run a stage's jobs (each to its end, as Snakemake runs independent jobs); stop on failure."""
    errors: list[Finding] = []
    crashed = []
    for job in jobs:
        try:
            job()
        except DataValidationError as exc:
            errors.extend(exc.findings)
        except Exception as exc:  # noqa: BLE001 - a crash is a verdict of its own
            crashed.append(f"{type(exc).__name__}: {exc}")
    if errors or crashed:
        raise _Stopped(errors, "; ".join(crashed))


def _ns(**values) -> SimpleNamespace:
    return SimpleNamespace(**values)


class PipelineSteps:
    """The study's strands' steps, called as their rules call them, in a scratch folder."""

    def __init__(self, cfg: dict, work: Path):
        from evaluation.core.config import study_groups, study_strands, validate_config

        self.cfg = validate_config(dict(cfg))
        self.work = work
        self.groups = study_groups(self.cfg)
        self.strands = study_strands(self.cfg)
        self.findings_files: list[str] = []
        self.ledger_files: list[str] = []

    def audited(self, outputs: dict) -> dict:
        """A step's outputs, whose findings and ledger go to the run's audit logs."""
        self.findings_files.append(outputs["findings"])
        self.ledger_files.append(outputs["ledger"])
        return outputs

    def path(self, *parts: str) -> str:
        target = self.work.joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        return str(target)

    # ----------------------------------------------------------------- case tracker
    def case_tracker(self) -> dict[str, str]:
        from evaluation.strands.case_tracker import steps

        cfg = self.cfg
        dirs = {
            name: self.path("case_tracker", f"w{i}", "x")[:-2]
            for i, name in enumerate(cfg["case_trackers"])
        }

        def read(name: str, workbook: str):
            folder = Path(dirs[name])
            return lambda: steps.read_case_tracker(
                _ns(workbook=workbook),
                _ns(
                    frames=[str(folder / f"{f}.parquet") for f in TRACKER_FRAMES],
                    findings=str(folder / "findings.csv"),
                    ledger=str(folder / "ledger.csv"),
                ),
                _ns(
                    workbook=name,
                    valid_date_range=cfg["valid_date_range"],
                    grouping=cfg.get("grouping"),
                ),
            )

        _stage(*(read(name, path) for name, path in cfg["case_trackers"].items()))
        out = {name: self.path("tracker", f"{name}.parquet") for name in TRACKER_OUT}
        out |= {"ledger": self.path("tracker", "ledger.csv")}
        out |= {"findings": self.path("tracker", "findings.csv")}
        _stage(
            lambda: steps.case_tracker_at_cutoff(
                _ns(),
                _ns(**out),
                _ns(
                    workbook_dirs=dirs,
                    cutoff=cfg["cutoff_date"],
                    project_start=cfg["project_start"],
                    bands=cfg.get("bands"),
                ),
            )
        )
        self.audited(out)
        return out

    # ----------------------------------------------------------------- surveys
    def surveys(self, tracker: dict[str, str]) -> None:
        from evaluation.strands.surveys import steps
        from evaluation.strands.surveys.spec import survey_settings

        cfg = self.cfg
        settings = survey_settings(cfg.get("surveys"))

        def read(kind: str, label: str, path: str, answers: dict):
            out = {
                k: self.path("surveys", f"{kind}_{label}_{k}")
                for k in ("answers", "findings", "ledger")
            }
            answers[label] = out["answers"]
            self.audited(out)
            if kind == "mothers":
                params = _ns(
                    wave=label,
                    position=settings.wave_position(label),
                    valid_date_range=cfg["valid_date_range"],
                )
                return lambda: steps.survey_read_mothers(_ns(raw=path), _ns(**out), params)
            params = _ns(
                wave=label,
                valid_date_range=cfg["valid_date_range"],
                format=settings.practitioner_format(label),
                dictionary=settings.practitioner_dictionary(label),
            )
            return lambda: steps.survey_read_practitioners(_ns(raw=path), _ns(**out), params)

        mothers: dict[str, str] = {}
        practitioners: dict[str, str] = {}
        _stage(
            *(read("mothers", w, p, mothers) for w, p in settings.mother_waves.items()),
            *(
                read("practitioners", w, p, practitioners)
                for w, p in settings.practitioner_waves.items()
            ),
        )
        jobs = []
        if mothers:
            cut = {
                k: self.path("surveys", f"mcut_{k}")
                for k in ("responses", "answers", "findings", "ledger")
            }
            self.audited(cut)
            jobs.append(
                lambda: steps.survey_mothers_at_cutoff(
                    _ns(case_ids=tracker["all_case_ids"]),
                    _ns(**cut),
                    _ns(
                        wave_answers=mothers,
                        cutoff=cfg["cutoff_date"],
                        wai_rule=settings.wai_rule,
                        wai_max_missing=settings.wai_max_missing,
                    ),
                )
            )
        if practitioners:
            pcut = {k: self.path("surveys", f"pcut_{k}") for k in ("answers", "findings", "ledger")}
            self.audited(pcut)
            jobs.append(
                lambda: steps.survey_practitioners_at_cutoff(
                    _ns(),
                    _ns(**pcut),
                    _ns(wave_answers=practitioners, cutoff=cfg["cutoff_date"]),
                )
            )
        _stage(*jobs)

    # ----------------------------------------------------------------- qualitative
    def qualitative(self) -> None:
        from evaluation.strands.qualitative import steps

        cfg = self.cfg
        qualitative = cfg["qualitative"]
        segments = qualitative["coded_segments"]
        coders = list(segments) if isinstance(segments, dict) else []
        names = [qualitative["disallowed_names"]] if qualitative.get("disallowed_names") else []
        mapping = [qualitative["participant_map"]] if qualitative.get("participant_map") else []
        read_out = {
            n: self.path("qualitative", f"{n}.parquet")
            for n in ("themes", "participants", "segments")
        }
        audit = {
            "findings": self.path("qualitative", "read_findings.csv"),
            "ledger": self.path("qualitative", "read_ledger.csv"),
        }
        _stage(
            lambda: steps.qualitative_read(
                _ns(
                    themes=qualitative["themes"],
                    participants=qualitative["participants"],
                    segments=list(segments.values()) if coders else [segments],
                    participant_map=mapping,
                    disallowed_names=names,
                ),
                _ns(**read_out, **audit),
                _ns(
                    fmt=qualitative.get("format", "tidy"),
                    coders=coders,
                    prisons=self.groups,
                    valid_date_range=cfg["valid_date_range"],
                ),
            )
        )
        tables = ["theme_matrix", "intercoder_agreement", "quote_bank", "joint_display"]
        outputs = {
            k: self.path("qualitative", f"t_{k}.csv") for k in [*tables, "findings", "ledger"]
        }
        outputs |= {
            k: self.path("qualitative", f"{k}.json") for k in ("context", "integration_context")
        }
        outputs["theme_lists"] = []
        self.audited(outputs)
        _stage(
            lambda: steps.qualitative_tables(
                _ns(
                    **read_out,
                    **audit,
                    integration=qualitative["integration"],
                    disallowed_names=names,
                ),
                _ns(**outputs),
                _ns(
                    cutoff=cfg["cutoff_date"],
                    primary_coder=qualitative.get("primary_coder"),
                    quote_max_words=qualitative.get("quote_max_words", 60),
                    participants_file=qualitative["participants"],
                ),
            )
        )

    # ----------------------------------------------------------------- activity
    def activity(self, tracker: dict[str, str]) -> None:
        from evaluation.strands.activity import steps

        cfg = self.cfg
        diary = cfg["activity"]["log"]
        read_out = {
            "entries": self.path("activity", "entries.parquet"),
            "findings": self.path("activity", "read_findings.csv"),
            "ledger": self.path("activity", "read_ledger.csv"),
        }
        _stage(
            lambda: steps.activity_read(
                _ns(log=diary, all_case_ids=tracker["all_case_ids"]),
                _ns(**read_out),
                _ns(prisons=self.groups, valid_date_range=cfg["valid_date_range"]),
            )
        )
        keys = [
            "activity_minutes",
            "activity_hours_by_month",
            "caseload_by_month",
            "ledger",
            "findings",
        ]
        outputs = {k: self.path("activity", f"t_{k}.csv") for k in keys}
        outputs["context"] = self.path("activity", "context.json")
        self.audited(outputs)
        _stage(
            lambda: steps.activity_tables(
                _ns(
                    entries=read_out["entries"],
                    mothers=tracker["mothers"],
                    findings=read_out["findings"],
                    ledger=read_out["ledger"],
                ),
                _ns(**outputs),
                _ns(
                    log_file=diary,
                    prisons=self.groups,
                    project_start=cfg["project_start"],
                    cutoff=cfg["cutoff_date"],
                ),
            )
        )

    def audit_logs(self) -> dict[str, str]:
        """rule audit_logs: the merged ledger and data-quality log (identifier-checked)."""
        from evaluation.stages.report import audit_logs

        names = (self.cfg.get("qualitative") or {}).get("disallowed_names")
        out = {"ledger": self.path("audit", "ledger.csv")}
        out["findings"] = self.path("audit", "data_quality_log.csv")
        _stage(
            lambda: audit_logs(
                _ns(
                    ledgers=self.ledger_files,
                    findings=self.findings_files,
                    disallowed_names=[names] if names else [],
                ),
                _ns(**out),
                _ns(),
            )
        )
        return out

    def run(self) -> Verdict:
        from evaluation.core.config import ConfigError, configured_files, stop_on_missing_files

        try:
            stop_on_missing_files(self.cfg, self.work)
        except ConfigError as exc:  # the Snakefile stops before any job
            missing = [p for _, p in configured_files(self.cfg) if not Path(p).exists()]
            return Verdict("stop", sorted(missing_file_key(p) for p in missing), [], str(exc))
        try:
            tracker = self.case_tracker()
            if "surveys" in self.strands:
                self.surveys(tracker)
            if "qualitative" in self.strands:
                self.qualitative()
            if "activity" in self.strands:
                self.activity(tracker)
            audit = self.audit_logs()
        except _Stopped as stopped:
            return _verdict([finding_key(f) for f in stopped.errors], [], stopped.crashed)
        logged = [
            finding_key(record)
            for record in pd.read_csv(audit["findings"], dtype=str, keep_default_na=False).to_dict(
                "records"
            )
        ]
        return _verdict(
            [k for k in logged if k[0] == ERROR], [k for k in logged if k[0] == WARNING]
        )


def pipeline_verdict(cfg: dict, work: Path) -> Verdict:
    """The strands' steps on the study config, as the rules run them."""
    return PipelineSteps(cfg, work).run()
