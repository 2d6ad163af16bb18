"""Check raw files against the data contract without building anything.

:func:`validate_all` runs the same readers and checks the pipeline runs on
the files ``config.yaml`` lists (case trackers, questionnaire waves,
practitioner survey, qualitative files, activity diary), or on files named
on the command line, and returns a :class:`ValidationSummary`: per file the
rows read, errors and warnings. Nothing is written. Cross-file checks (case
ids unique across prisons, questionnaire and diary case ids against the
trackers, wave order) run when every configured file is checked.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from evaluation.core.codebook import normalise_header, use_codebook
from evaluation.core.config import ConfigError, validate_config
from evaluation.core.findings import (
    ERROR,
    BySeverity,
    DataValidationError,
    Finding,
    FindingLog,
    Ledger,
)

#: The checks this module names in its findings (``check=``).
CHECKS: dict[str, str] = {
    "checker_failed": "the reader ran to the end",
    "missing_file": "every configured file exists",
}

#: What each kind of raw file is, in the order the summary lists them.
KINDS = {
    "case_tracker": "Case tracker",
    "mothers": "Mothers' questionnaire",
    "practitioners": "Practitioner survey",
    "themes": "Qualitative themes",
    "participants": "Qualitative participants",
    "coded_segments": "Qualitative coded segments",
    "participant_map": "Qualitative participant map",
    "integration": "Joint display (integration)",
    "activity": "Activity diary",
}
QUALITATIVE_KINDS = ("themes", "participants", "coded_segments", "participant_map", "integration")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")


@dataclass
class Target:
    """One raw file to check: its kind, path, and name (prison or wave label)."""

    kind: str
    path: str
    name: str = ""
    position: int | None = None


@dataclass
class SourceCheck(BySeverity):
    """The outcome of checking one raw file."""

    kind: str
    file: str
    name: str = ""
    rows_read: int | None = None
    findings: list[Finding] = field(default_factory=list)
    stopped: bool = False

    def describe(self) -> str:
        what = KINDS.get(self.kind, self.kind)
        return f"{what}: {self.name}" if self.name else what


@dataclass
class ValidationSummary(BySeverity):
    """Every file checked, with its findings, plus findings across files."""

    config_file: str | None
    checks: list[SourceCheck]
    cross_file: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    files_given: bool = False

    @property
    def findings(self) -> list[Finding]:
        return [f for c in self.checks for f in c.findings] + list(self.cross_file)

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_frame(self) -> pd.DataFrame:
        """All findings in the data-quality log's columns."""
        log = FindingLog(source="validate")
        log.findings.extend(self.findings)
        return log.to_frame()

    def table(self) -> pd.DataFrame:
        """One row per file: file, what, rows_read, errors, warnings, stopped."""
        return pd.DataFrame(
            [
                {
                    "file": c.file,
                    "what": c.describe(),
                    "rows_read": c.rows_read,
                    "errors": len(c.errors),
                    "warnings": len(c.warnings),
                    "stopped": c.stopped,
                }
                for c in self.checks
            ],
            columns=["file", "what", "rows_read", "errors", "warnings", "stopped"],
        )

    def render(self, max_warnings: int | None = 10) -> str:
        """A plain-language report: the per-file table, warnings, errors and the verdict."""
        lines = []
        settings = f" with the settings of {self.config_file}" if self.config_file else ""
        where = "given" if self.files_given else f"listed in {self.config_file or 'the config'}"
        if self.files_given:
            where += settings
        lines.append(
            f"Checked {_plural(len(self.checks), 'raw file')} {where}. Nothing was written."
        )
        lines.append("")
        lines.extend(_text_table(self.table()))
        if any(c.stopped for c in self.checks):
            lines.append(
                "  * the check of this file stopped at its errors; rows and warnings are "
                "counted once the errors are fixed"
            )
        lines.extend(f"Note: {note}" for note in self.notes)
        warnings = self.warnings
        if warnings:
            lines += [
                "",
                f"{_plural(len(warnings), 'warning')} (the pipeline still runs; "
                "they are listed in its data-quality log):",
            ]
            shown = warnings if max_warnings is None else warnings[:max_warnings]
            lines.extend("  " + f.render() for f in shown)
            if len(shown) < len(warnings):
                lines.append(
                    f"  ... and {len(warnings) - len(shown)} more (add --all-warnings to list them all)"
                )
        errors = self.errors
        if errors:
            lines += [
                "",
                f"{_plural(len(errors), 'error')} (fix these in the files, then run "
                "`evaluation validate` again):",
            ]
            lines.extend("  " + f.render() for f in errors)
        lines.append("")
        if errors:
            files = {f.file for f in errors}
            lines.append(
                f"Result: {_plural(len(errors), 'error')} in {_plural(len(files), 'file')}. "
                "The pipeline would stop on these files."
            )
        else:
            lines.append("Result: no errors. The pipeline can run on these files.")
        return "\n".join(lines)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _text_table(table: pd.DataFrame) -> list[str]:
    rows = [["File", "What", "Rows read", "Errors", "Warnings"]]
    for r in table.itertuples(index=False):
        rows.append(
            [
                r.file,
                r.what,
                "-*" if r.stopped else ("-" if pd.isna(r.rows_read) else str(int(r.rows_read))),
                str(r.errors),
                str(r.warnings),
            ]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    out = []
    for row in rows:
        cells = [row[i].ljust(widths[i]) if i < 2 else row[i].rjust(widths[i]) for i in range(5)]
        out.append("  " + "  ".join(cells).rstrip())
    return out


# --------------------------------------------------------------------------- config


def load_config(config: str | Path | Mapping) -> tuple[dict, Path, str | None]:
    """(validated config, folder its relative paths start from, config file name or None).

    Raises ConfigError (a usage problem, not a data problem) when the file is
    missing, is not YAML, or has a key the pipeline cannot use.
    """
    if isinstance(config, Mapping):
        raw, base, name = dict(config), Path.cwd(), None
    else:
        path = Path(config)
        if not path.is_file():
            raise ConfigError(
                f"config file '{path}' not found; run the command in the project folder "
                "(where config.yaml is) or give --config PATH"
            )
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f" near line {mark.line + 1}" if mark else ""
            raise ConfigError(f"config file '{path}' is not valid YAML{line}") from None
        if not isinstance(raw, Mapping):
            raise ConfigError(f"config file '{path}' must hold keys such as cutoff_date")
        base, name = path.resolve().parent, str(config)
    cfg = validate_config(raw)
    # the study's codebook: the folder the config names, else codebook/ beside the config
    if "codebook" in cfg:
        use_codebook(base / cfg["codebook"])
    elif (base / "codebook").is_dir():
        use_codebook(base / "codebook")
    from evaluation.strands.surveys.spec import survey_settings

    settings = survey_settings(cfg.get("surveys"))
    cfg["_mother_waves"] = settings.mother_waves
    cfg["_practitioner_waves"] = settings.practitioner_waves
    cfg["_wai"] = (settings.wai_rule, settings.wai_max_missing)
    qualitative = cfg.get("qualitative") or {}
    fmt = str(qualitative.get("format", "tidy"))
    from evaluation.strands.qualitative.read import FORMATS

    if qualitative and fmt not in FORMATS:
        raise ConfigError(
            f"config key 'qualitative: format' is {fmt!r}; use one of {', '.join(FORMATS)}"
        )
    return cfg, base, name


def _shown(path: str | Path, base: Path) -> str:
    """A configured path as the user can open it from the current folder."""
    full = Path(path) if Path(path).is_absolute() else base / path
    try:
        relative = Path(os.path.relpath(full, Path.cwd())).as_posix()
    except ValueError:  # another drive on Windows
        return str(full)
    return str(full) if relative.startswith("../") else relative


def configured_targets(cfg: dict, base: Path) -> list[Target]:
    """Every raw file the config lists, in checking order."""
    targets = [
        Target("case_tracker", _shown(p, base), prison)
        for prison, p in cfg["case_trackers"].items()
    ]
    for i, (label, p) in enumerate(cfg["_mother_waves"].items(), start=1):
        targets.append(Target("mothers", _shown(p, base), label, i))
    for label, p in cfg["_practitioner_waves"].items():
        targets.append(Target("practitioners", _shown(p, base), label))
    qualitative = cfg.get("qualitative") or {}
    for kind in QUALITATIVE_KINDS:
        value = qualitative.get(kind)
        if not value:
            continue
        if isinstance(value, Mapping):  # taguette: coder -> export
            targets.extend(Target(kind, _shown(p, base), str(c)) for c, p in value.items())
        else:
            targets.append(Target(kind, _shown(value, base)))
    log = (cfg.get("activity") or {}).get("log")
    if log:
        targets.append(Target("activity", _shown(log, base)))
    return targets


def detect_kind(path: str | Path) -> str | None:
    """What a raw file is, from its type and its sheets or header; None when unclear."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".sav":
        return "mothers"
    if suffix in (".yaml", ".yml"):
        return "integration"
    if suffix in WORKBOOK_SUFFIXES:
        from evaluation.core.excel import WorkbookError, open_workbook

        try:
            sheets = {normalise_header(s) for s in open_workbook(path).sheet_names}
        except WorkbookError:
            return None
        if normalise_header("Baseline") in sheets:
            return "case_tracker"
        from evaluation.strands.activity.read import codebook as activity_codebook

        if normalise_header(activity_codebook()["sheet"]) in sheets:
            return "activity"
        return None
    if suffix == ".csv":
        header = _csv_header(path)
        if "responseid" in header:
            return "practitioners"
        if {"case_id", "completion_date"} <= header:
            return "mothers"
        if "segment_id" in header or "codename" in header or "tag" in header:
            return "coded_segments"
        if {"participant_id", "group"} <= header:
            return "participants"
        if {"theme", "label"} <= header:
            return "themes"
        if {"source", "participant_id"} <= header:
            return "participant_map"
    return None


def _csv_header(path: Path) -> set[str]:
    import csv

    raw = path.read_bytes()[:65536]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    first = next(csv.reader(text.splitlines()[:1]), [])
    return {normalise_header(h) for h in first}


def resolve_targets(
    files: list[str],
    cfg: dict,
    base: Path,
    *,
    kind: str | None = None,
    prison: str | None = None,
    wave_position: int | None = None,
) -> list[Target]:
    """Targets for files named on the command line (configured role, else detected kind).

    Raises ConfigError for a file that does not exist or whose kind cannot be told.
    """
    configured = {Path(t.path).resolve(): t for t in configured_targets(cfg, base)}
    targets = []
    for given in files:
        path = Path(given)
        if not path.exists():
            raise ConfigError(f"file '{given}' not found")
        if kind is None and path.resolve() in configured:
            known = configured[path.resolve()]
            targets.append(Target(known.kind, str(given), known.name, known.position))
            continue
        what = kind or detect_kind(path)
        if what is None:
            raise ConfigError(
                f"cannot tell what '{given}' is; say it with --kind ({', '.join(KINDS)})"
            )
        if what not in KINDS:
            raise ConfigError(f"--kind {what!r} is not one of {', '.join(KINDS)}")
        name = ""
        position = None
        if what == "case_tracker":
            name = prison or path.stem
        elif what == "mothers":
            name = path.stem
            position = wave_position or len(cfg["_mother_waves"]) + 1
        elif what == "practitioners":
            name = path.stem
        targets.append(Target(what, str(given), name, position))
    return targets


# --------------------------------------------------------------------------- checks


def _rows_read(ledger: Ledger, file: str | None = None) -> int:
    frame = ledger.to_frame()
    if not len(frame):
        return 0
    keep = (frame["outcome"] == "read") & (frame["step"] == "read")
    if file is not None:
        keep &= frame["file"] == str(file)
    return int(frame.loc[keep, "rows"].sum())


def _stopped(target: Target, exc: DataValidationError) -> SourceCheck:
    return SourceCheck(target.kind, target.path, target.name, None, list(exc.findings), True)


def _checker_failed(target: Target, exc: Exception) -> SourceCheck:
    """A reader crashed: say so as an error (the run would stop too) without a traceback."""
    finding = Finding(
        severity=ERROR,
        source="validate",
        file=target.path,
        message=(
            f"the check of this file failed unexpectedly ({type(exc).__name__}: {exc}); this is "
            "a problem in the pipeline's code, so please report it with the file's layout"
        ),
        check="checker_failed",
    )
    return SourceCheck(target.kind, target.path, target.name, None, [finding], True)


def _guarded(check, target: Target, *args):
    """Run one file's check; an unexpected crash becomes a 'checker failed' error."""
    try:
        return check(target, *args)
    except ConfigError:
        raise
    except Exception as exc:  # noqa: BLE001 - reported as a finding, never swallowed
        failed = _checker_failed(target, exc)
        return (failed, None) if check in (_check_tracker, _check_mothers) else failed


def _check_tracker(target: Target, date_range) -> tuple[SourceCheck, object | None]:
    from evaluation.strands.case_tracker.read import read_case_tracker

    try:
        read = read_case_tracker(target.path, target.name, date_range)
    except DataValidationError as exc:
        return _stopped(target, exc), None
    check = SourceCheck(
        target.kind, target.path, target.name, _rows_read(read.ledger), list(read.findings.findings)
    )
    return check, read


def _check_mothers(target: Target, date_range) -> tuple[SourceCheck, pd.DataFrame | None]:
    from evaluation.strands.surveys.read import read_mothers_wave

    try:
        read = read_mothers_wave(target.path, target.name, target.position or 1, date_range)
    except DataValidationError as exc:
        return _stopped(target, exc), None
    check = SourceCheck(
        target.kind, target.path, target.name, _rows_read(read.ledger), list(read.findings.findings)
    )
    return check, read["answers"]


def _check_practitioners(target: Target, date_range) -> SourceCheck:
    from evaluation.strands.surveys.read import read_practitioner_wave

    try:
        read = read_practitioner_wave(target.path, target.name, date_range)
    except DataValidationError as exc:
        return _stopped(target, exc)
    return SourceCheck(
        target.kind, target.path, target.name, _rows_read(read.ledger), list(read.findings.findings)
    )


def _missing_file(target: Target, key: str) -> SourceCheck:
    finding = Finding(
        severity=ERROR,
        source="validate",
        file=target.path,
        message=f"file not found; check config key '{key}'",
        check="missing_file",
    )
    return SourceCheck(target.kind, target.path, target.name, None, [finding], True)


def _check_qualitative(targets: list[Target], cfg: dict) -> list[SourceCheck]:
    """The qualitative files together: segments refer to themes and participants."""
    from evaluation.strands.qualitative import analysis
    from evaluation.strands.qualitative import read as readers

    qualitative = cfg.get("qualitative") or {}
    by_kind: dict[str, list[Target]] = {}
    for t in targets:
        by_kind.setdefault(t.kind, []).append(t)
    checks: list[SourceCheck] = []
    missing = [t for t in targets if t.kind != "disallowed_names" and not Path(t.path).exists()]
    if missing:
        return [_missing_file(t, f"qualitative: {t.kind}") for t in missing]
    for need in ("themes", "participants"):
        if need not in by_kind:
            raise ConfigError(
                f"the qualitative files are checked together; set config key 'qualitative: {need}'"
            )

    logs = {t.path: FindingLog(source="qualitative") for t in targets}
    themes_t, participants_t = by_kind["themes"][0], by_kind["participants"][0]
    prisons, valid_range = list(cfg["case_trackers"]), tuple(cfg["valid_date_range"])
    if "coded_segments" in by_kind:  # the pipeline's own read stage (rule qualitative_read)
        segment_targets = by_kind["coded_segments"]
        fmt = str(qualitative.get("format", "tidy"))
        if fmt == "taguette":
            coded = {t.name or Path(t.path).stem: t.path for t in segment_targets}
        else:
            coded = segment_targets[0].path
        mapping = by_kind.get("participant_map", [None])[0]
        try:
            read = readers.read_qualitative(
                themes=themes_t.path,
                participants=participants_t.path,
                coded_segments=coded,
                fmt=fmt,
                participant_map=mapping.path if mapping else None,
                disallowed_names=qualitative.get("disallowed_names"),
                prisons=prisons,
                valid_date_range=valid_range,
            )
        except ValueError as exc:  # a format the files do not have: a usage problem
            raise ConfigError(str(exc)) from None
        ledger, themes = read.ledger, read["themes"]
        for finding in read.findings.findings:  # each finding with the file it is about
            target_log = logs.get(str(finding.file)) or logs[themes_t.path]
            target_log.findings.append(finding)
    else:  # themes and participants without segments: their read functions alone
        ledger = Ledger()
        themes = readers.read_themes(themes_t.path, logs[themes_t.path], ledger)
        readers.read_participants(
            participants_t.path,
            logs[participants_t.path],
            ledger,
            prisons=prisons,
            valid_range=valid_range,
        )
    if "integration" in by_kind:
        target = by_kind["integration"][0]
        analysis.read_integration(target.path, themes, logs[target.path])
    for t in targets:
        log = logs[t.path]
        rows = (
            _rows_read(ledger, t.path) if t.kind not in ("integration", "participant_map") else None
        )
        checks.append(SourceCheck(t.kind, t.path, t.name, rows, list(log.findings)))
    return checks


def _check_activity(target: Target, cfg: dict, case_ids: set[str] | None) -> SourceCheck:
    from evaluation.strands.activity.read import read_activity

    read = read_activity(
        target.path,
        prisons=list(cfg["case_trackers"]),
        case_ids=case_ids,
        valid_range=tuple(cfg["valid_date_range"]),
    )
    return SourceCheck(
        target.kind, target.path, target.name, _rows_read(read.ledger), list(read.findings.findings)
    )


def _attach(findings: list[Finding], checks: list[SourceCheck], cross: list[Finding]) -> None:
    """Put each finding with the check of its file, or with the cross-file findings."""
    by_file = {c.file: c for c in checks}
    for finding in findings:
        check = by_file.get(str(finding.file))
        (check.findings if check else cross).append(finding)


def validate_all(
    config: str | Path | Mapping = "config.yaml",
    only: list[str] | None = None,
    *,
    kind: str | None = None,
    prison: str | None = None,
    wave_position: int | None = None,
) -> ValidationSummary:
    """Check the configured raw files (or only the files given); write nothing.

    ``config`` is a path to config.yaml or an already-loaded mapping (relative
    paths then start from the current folder). ``only`` lists files to check
    instead; each takes its role from the config when it is listed there,
    otherwise ``kind`` or its detected kind. Raises ConfigError for usage
    problems (missing config, unknown kind); data problems are in the summary.
    """
    cfg, base, name = load_config(config)
    if only:
        targets = resolve_targets(
            list(only), cfg, base, kind=kind, prison=prison, wave_position=wave_position
        )
    else:
        targets = configured_targets(cfg, base)
    full_run = not only
    date_range = tuple(cfg["valid_date_range"])
    checks: list[SourceCheck] = []
    cross: list[Finding] = []
    notes: list[str] = []

    reads = {}
    for t in (t for t in targets if t.kind == "case_tracker"):
        check, read = _guarded(_check_tracker, t, date_range)
        checks.append(check)
        if read is not None:
            reads[t.name] = read
    trackers_ok = full_run and len(reads) == len(cfg["case_trackers"])
    if len(reads) > 1:
        from evaluation.strands.case_tracker.cutoff import check_unique_ids

        try:
            check_unique_ids(reads)
        except DataValidationError as exc:
            cross.extend(exc.findings)
            trackers_ok = False
    known = (
        pd.concat([r["cases"][["prison", "case_id"]] for r in reads.values()], ignore_index=True)
        if trackers_ok
        else None
    )

    waves = {}
    mother_checks = []
    for t in (t for t in targets if t.kind == "mothers"):
        check, answers = _guarded(_check_mothers, t, date_range)
        mother_checks.append(check)
        if answers is not None:
            waves[t.name] = answers
    checks.extend(mother_checks)
    if full_run and waves and len(waves) == len(cfg["_mother_waves"]) and known is not None:
        from evaluation.strands.surveys.cutoff import mothers_at_cutoff

        rule, max_missing = cfg["_wai"]
        at_cut = mothers_at_cutoff(
            waves,
            dt.date.fromisoformat(cfg["cutoff_date"]),
            known,
            wai_rule=rule,
            wai_max_missing=max_missing,
        )
        _attach(at_cut.findings.findings, mother_checks, cross)

    checks.extend(
        _guarded(_check_practitioners, t, date_range) for t in targets if t.kind == "practitioners"
    )
    qualitative = [t for t in targets if t.kind in QUALITATIVE_KINDS]
    if qualitative:
        if only:  # a given qualitative file is checked with the configured others
            given = {t.kind for t in qualitative}
            rest = [
                t
                for t in configured_targets(cfg, base)
                if t.kind in QUALITATIVE_KINDS and t.kind not in given
            ]
            qualitative = sorted(qualitative + rest, key=lambda t: QUALITATIVE_KINDS.index(t.kind))
        try:
            checks.extend(_check_qualitative(qualitative, cfg))
        except ConfigError:
            raise
        except Exception as exc:  # noqa: BLE001 - reported as a finding, never swallowed
            checks.append(_checker_failed(qualitative[0], exc))
    for t in (t for t in targets if t.kind == "activity"):
        case_ids = set(known["case_id"].astype(str)) if known is not None else None
        checks.append(_guarded(_check_activity, t, cfg, case_ids))

    if not full_run:
        notes.append(
            "cross-file checks (case ids across prisons, questionnaire and diary case ids "
            "against the trackers, wave order) run only when every configured file is checked"
        )
    elif not trackers_ok:
        notes.append(
            "questionnaire and diary case ids were not compared with the trackers "
            "because a tracker has errors"
        )
    return ValidationSummary(
        config_file=name, checks=checks, cross_file=cross, notes=notes, files_given=bool(only)
    )
