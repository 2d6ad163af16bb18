"""Check raw files against the data contract without building anything.

:func:`validate_all` runs each of the study's strands through its own
validation entry (``evaluation.strands.<strand>.validation``): the strand's
read stage on each file, then its cut-off stage, the functions and settings
the pipeline's steps use, on the files ``config.yaml`` lists (case trackers,
questionnaire waves, practitioner survey, qualitative files, activity diary)
or on files named on the command line. This module only picks the files,
runs the strands in order (the case tracker's case ids go on to the surveys
and the activity diary) and turns their results into a
:class:`ValidationSummary`: per file the rows read, errors and warnings, plus
the findings across files (case ids unique across prisons, questionnaire and
diary case ids against the trackers, wave order). Nothing is written. A
strand's cut-off runs when every file of that strand the config lists is
checked, so a file given alone is read alone.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from evaluation.core.codebook import normalise_header, use_codebook
from evaluation.core.config import (
    ConfigError,
    configured_files,
    load_config_file,
    study_groups,
    study_strands,
    validate_config,
)
from evaluation.core.findings import ERROR, BySeverity, Finding, FindingLog, Ledger
from evaluation.core.stage import as_date

#: The checks this module names in its findings (``check=``).
CHECKS: dict[str, str] = {
    "checker_failed": "the reader ran to the end",
    "identifier_guard": "no identifying details in the data-quality log or the ledger",
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
    "register": "Register file",
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
    #: The stages' ledgers, reads then cut-offs, strand by strand.
    ledger: Ledger = field(default_factory=Ledger)

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
        raw = load_config_file(path)
        base, name = path.resolve().parent, str(config)
    cfg = validate_config(raw)
    # the study's codebook: the folder the config names, else codebook/ beside the config
    if "codebook" in cfg:
        use_codebook(base / cfg["codebook"])
    elif (base / "codebook").is_dir():
        use_codebook(base / "codebook")
    cfg["_mother_waves"], cfg["_practitioner_waves"] = {}, {}
    cfg["_wai"] = ("complete", 1)
    if "surveys" in study_strands(cfg):  # a study without surveys has no survey settings
        from evaluation.strands.surveys.spec import survey_settings

        settings = survey_settings(cfg.get("surveys"))
        cfg["_mother_waves"] = settings.mother_waves
        cfg["_practitioner_waves"] = settings.practitioner_waves
        cfg["_practitioner_options"] = {  # each wave's platform and REDCap dictionary
            label: {
                **options,
                "dictionary": options["dictionary"] and _shown(options["dictionary"], base),
            }
            for label, options in settings.practitioner_options.items()
        }
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
        for prison, p in (cfg.get("case_trackers") or {}).items()
    ]
    for source, p in ((cfg.get("register") or {}).get("files") or {}).items():
        targets.append(Target("register", _shown(p, base), str(source)))
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


# --------------------------------------------------------------------------- strands

#: The kinds of raw file each strand reads, strands in the order they run.
STRAND_KINDS: dict[str, tuple[str, ...]] = {
    "case_tracker": ("case_tracker",),
    "surveys": ("mothers", "practitioners"),
    "qualitative": QUALITATIVE_KINDS,
    "activity": ("activity",),
    "register": ("register",),
}
#: Kinds whose rows are not counted (a mapping, a YAML file).
UNCOUNTED_KINDS = ("integration", "participant_map")

#: One strand's results: the read stage's per file (or per read), the cut-offs' by name.
StrandResults = tuple[dict, dict]


def _same_file(a: str | Path, b: str | Path) -> bool:
    return os.path.normpath(str(a)) == os.path.normpath(str(b))


def _rows_read(ledger: Ledger, file: str | None = None) -> int:
    """Rows the read stage read (of ``file`` only, when given) by its ledger."""
    frame = ledger.to_frame()
    if not len(frame):
        return 0
    keep = (frame["outcome"] == "read") & (frame["step"] == "read")
    if file is not None:
        keep &= frame["file"].map(lambda f: _same_file(f, file))
    return int(frame.loc[keep, "rows"].sum())


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


def _missing_file(target: Target, key: str) -> SourceCheck:
    finding = Finding(
        severity=ERROR,
        source="validate",
        file=target.path,
        message=f"file not found; check config key '{key}'",
        check="missing_file",
    )
    return SourceCheck(target.kind, target.path, target.name, None, [finding], True)


def _configured_path(value, base: Path) -> str | None:
    """An optional configured file as the steps get it: None when not set or absent."""
    if not value:
        return None
    shown = _shown(value, base)
    return shown if Path(shown).exists() else None


def _run_strand(
    strand: str,
    targets: list[Target],
    cfg: dict,
    base: Path,
    cutoff: dt.date | None,
    case_ids: pd.DataFrame | None,
) -> StrandResults:
    """The strand's own validation entry (its read and cut-off stages) on ``targets``.

    The settings are the ones the strand's rules take from the config.
    """
    date_range = cfg["valid_date_range"]
    prisons = study_groups(cfg)  # the rules' GROUPS
    if strand == "case_tracker":
        from evaluation.strands.case_tracker.validation import validate_case_tracker

        return validate_case_tracker(
            {t.name: t.path for t in targets},
            cutoff,
            valid_date_range=date_range,
            project_start=dt.date.fromisoformat(cfg["project_start"]),
            band_overrides=cfg.get("bands"),
            grouping=cfg.get("grouping"),
        )
    if strand == "register":
        from evaluation.strands.register.spec import RegisterSpecError
        from evaluation.strands.register.validation import validate_register

        try:
            return validate_register({t.name: t.path for t in targets}, cutoff)
        except RegisterSpecError as exc:  # the study's codebook, not a file, needs fixing
            raise ConfigError(str(exc)) from None
    if strand == "surveys":
        from evaluation.strands.surveys.validation import validate_surveys

        rule, max_missing = cfg["_wai"]
        mothers = [t for t in targets if t.kind == "mothers"]
        return validate_surveys(
            {t.name: t.path for t in mothers},
            {t.name: t.path for t in targets if t.kind == "practitioners"},
            cutoff,
            case_ids,
            valid_date_range=date_range,
            wave_positions={t.name: t.position for t in mothers if t.position},
            wai_rule=rule,
            wai_max_missing=max_missing,
            practitioner_options=cfg.get("_practitioner_options"),
        )
    if strand == "qualitative":
        from evaluation.strands.qualitative.validation import validate_qualitative

        qualitative = cfg.get("qualitative") or {}
        by_kind: dict[str, list[Target]] = {}
        for t in targets:
            by_kind.setdefault(t.kind, []).append(t)
        fmt = str(qualitative.get("format", "tidy"))
        segments = by_kind.get("coded_segments", [])
        if fmt == "taguette" and segments:
            coded = {t.name or Path(t.path).stem: t.path for t in segments}
        else:
            coded = segments[0].path if segments else None
        mapping = by_kind.get("participant_map", [None])[0]
        integration = by_kind.get("integration", [None])[0]
        # a REFI-QDA project may hold the themes and participants
        themes, participants = (by_kind.get(k, [None])[0] for k in ("themes", "participants"))
        try:
            return validate_qualitative(
                cutoff,
                themes=themes.path if themes else None,
                participants=participants.path if participants else None,
                coded_segments=coded,
                fmt=fmt,
                participant_map=mapping.path if mapping else None,
                disallowed_names=_configured_path(qualitative.get("disallowed_names"), base),
                integration=integration.path if integration else None,
                prisons=prisons,
                valid_date_range=date_range,
                refi_qda=qualitative.get("refi_qda"),
            )
        except ValueError as exc:  # a format the files do not have: a usage problem
            raise ConfigError(str(exc)) from None
    if strand == "activity":
        from evaluation.strands.activity.validation import validate_activity

        known = set(case_ids["case_id"].astype(str)) if case_ids is not None else None
        return validate_activity(
            targets[0].path, cutoff, known, prisons=prisons, valid_date_range=date_range
        )
    raise ValueError(f"no validation entry for strand {strand!r}")


def _summarise(
    targets: list[Target], results: StrandResults, cross: list[Finding]
) -> list[SourceCheck]:
    """One SourceCheck per target from a strand's StageResults.

    A read keyed by a target's file gives that file its findings and rows (no
    frames: it stopped at its errors). A read of several files together gives
    each finding to the file it names (else to the strand's first file) and
    each file the rows its ledger read from it. The cut-offs' warnings go with
    the file they name; their errors (what stops a cut-off, across files) and
    findings naming no checked file are cross-file findings.
    """
    reads, cutoffs = results
    checks = [SourceCheck(t.kind, t.path, t.name) for t in targets]

    def check_of(file) -> SourceCheck | None:
        return next((c for c in checks if _same_file(c.file, file)), None)

    counted: dict[int, int] = {}
    for key, read in reads.items():
        own = check_of(key)
        if own is not None:
            own.findings.extend(read.findings.findings)
            own.stopped = own.stopped or not read.frames
            if read.frames:
                counted[id(own)] = counted.get(id(own), 0) + _rows_read(read.ledger)
            continue
        for finding in read.findings.findings:
            (check_of(finding.file) or checks[0]).findings.append(finding)
        for check in checks:
            counted[id(check)] = counted.get(id(check), 0) + _rows_read(read.ledger, check.file)
    for result in cutoffs.values():
        for finding in result.findings.findings:
            check = check_of(finding.file)
            (check.findings if check and finding.severity != ERROR else cross).append(finding)
    for check in checks:
        if not check.stopped and check.kind not in UNCOUNTED_KINDS:
            check.rows_read = counted.get(id(check), 0)
    return checks


def _strand_targets(
    strand: str, targets: list[Target], configured: list[Target], given: bool
) -> list[Target]:
    """The files of ``strand`` to check; a given qualitative file with the configured others."""
    mine = [t for t in targets if t.kind in STRAND_KINDS[strand]]
    if strand != "qualitative" or not mine or not given:
        return mine
    kinds = {t.kind for t in mine}
    rest = [t for t in configured if t.kind in QUALITATIVE_KINDS and t.kind not in kinds]
    return sorted(mine + rest, key=lambda t: QUALITATIVE_KINDS.index(t.kind))


def _qualitative_ready(targets: list[Target], fmt: str = "tidy") -> list[SourceCheck]:
    """The qualitative files are read together: each must exist, themes and participants set.

    A REFI-QDA project (``fmt`` ``refi-qda``) may hold the themes and participants itself.
    """
    missing = [t for t in targets if not Path(t.path).exists()]
    if missing:
        return [_missing_file(t, f"qualitative: {t.kind}") for t in missing]
    kinds = {t.kind for t in targets}
    for need in ("themes", "participants"):
        if need not in kinds and fmt != "refi-qda":
            raise ConfigError(
                f"the qualitative files are checked together; set config key 'qualitative: {need}'"
            )
    return []


def _crashed(
    strand: str,
    targets: list[Target],
    exc: Exception,
    cfg: dict,
    base: Path,
    case_ids: pd.DataFrame | None,
) -> list[SourceCheck]:
    """A strand's check crashed: find the file, reading each alone when the strand reads per file."""
    if strand not in ("case_tracker", "surveys") or len(targets) == 1:
        return [_checker_failed(targets[0], exc)]
    checks = []
    for target in targets:
        try:
            alone = _run_strand(strand, [target], cfg, base, None, case_ids)
        except ConfigError:
            raise
        except Exception as failed:  # noqa: BLE001 - reported as a finding, never swallowed
            checks.append(_checker_failed(target, failed))
        else:
            checks.extend(_summarise([target], alone, []))
    return checks


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

    The study's strands (:func:`~evaluation.core.config.study_strands`, plus
    the strand of any file given) run in order through their own validation
    entry, ``evaluation.strands.<strand>.validation``: the read stage on each
    file, then the cut-off stage when every file the strand's config lists is
    checked. The case tracker's cut-off passes its case ids on to the surveys
    and the activity diary.
    """
    cfg, base, name = load_config(config)
    configured = configured_targets(cfg, base)
    checks: list[SourceCheck] = []
    if only:
        targets = resolve_targets(
            list(only), cfg, base, kind=kind, prison=prison, wave_position=wave_position
        )
    else:
        # a configured file that does not exist stops the run before any job: say so, read the rest
        missing = _missing_configured(cfg, base, configured)
        checks.extend(missing.values())
        targets = [t for t in configured if _resolved(t.path) not in missing]
    cutoff = as_date(cfg["cutoff_date"])

    def checked(target: Target, among: list[Target]) -> bool:
        return any(Path(t.path).resolve() == Path(target.path).resolve() for t in among)

    full = all(checked(t, targets) for t in configured)
    in_study = study_strands(cfg)
    strands = [
        s for s in STRAND_KINDS if s in in_study or any(t.kind in STRAND_KINDS[s] for t in targets)
    ]
    cross: list[Finding] = []
    notes: list[str] = []
    ledger = Ledger()
    case_ids: pd.DataFrame | None = None
    for strand in strands:
        mine = _strand_targets(strand, targets, configured, bool(only))
        if not mine:
            continue
        if strand == "qualitative":
            fmt = str((cfg.get("qualitative") or {}).get("format", "tidy"))
            missing = _qualitative_ready(mine, fmt)
            if missing:
                checks.extend(missing)
                continue
        # the cut-off needs every file of the strand the config lists
        complete = all(checked(t, mine) for t in configured if t.kind in STRAND_KINDS[strand])

        try:
            at = cutoff if complete else None
            results = _run_strand(strand, mine, cfg, base, at, case_ids)
        except ConfigError:
            raise
        except Exception as exc:  # noqa: BLE001 - reported as a finding, never swallowed
            checks.extend(_crashed(strand, mine, exc, cfg, base, case_ids))
            continue
        if strand == "qualitative":
            _check_primary_coder(results, cfg)
        checks.extend(_summarise(mine, results, cross))
        reads, cutoffs = results
        for result in (*reads.values(), *cutoffs.values()):
            ledger.rows.extend(result.ledger.rows)
        if strand == "case_tracker":
            from evaluation.strands.case_tracker.validation import CUTOFF

            at_cut = cutoffs.get(CUTOFF)
            if at_cut is not None and at_cut.frames:
                case_ids = at_cut["all_case_ids"]

    if not full:
        notes.append(
            "cross-file checks (case ids across prisons, questionnaire and diary case ids "
            "against the trackers, wave order) run only when every file they need is checked"
        )
    elif case_ids is None and any(t.kind in ("mothers", "activity") for t in targets):
        notes.append(
            "questionnaire and diary case ids were not compared with the trackers "
            "because a tracker has errors"
        )
    summary = ValidationSummary(
        config_file=name,
        checks=checks,
        cross_file=cross,
        notes=notes,
        files_given=bool(only),
        ledger=ledger,
    )
    if summary.ok:  # the run gets as far as its audit logs, whose identifier guard stops it
        names = _configured_path((cfg.get("qualitative") or {}).get("disallowed_names"), base)
        cross.extend(audit_log_guard(summary, [names] if names else []))
    return summary


def _check_primary_coder(results: StrandResults, cfg: dict) -> None:
    """Config ``qualitative: primary_coder`` against the coders at the cut-off, as the
    run's ``qualitative_tables`` checks it (the same finding, in the cut-off's findings)."""
    from evaluation.strands.qualitative.analysis import primary_coder_problem
    from evaluation.strands.qualitative.validation import CUTOFF

    at_cut = results[1].get(CUTOFF)
    configured = (cfg.get("qualitative") or {}).get("primary_coder")
    if at_cut is None or not at_cut.frames or configured is None:
        return
    problem = primary_coder_problem(at_cut["segments"], configured)
    if problem is not None:
        at_cut.findings.findings.append(problem)


def _resolved(path: str | Path) -> Path:
    return Path(path).resolve()


def _missing_configured(cfg: dict, base: Path, configured: list[Target]) -> dict[Path, SourceCheck]:
    """Every file the config names that does not exist (the run's stop_on_missing_files).

    Keyed by the resolved path; an optional file (the disallowed names, a
    participant map) counts as much as a data file: the run stops on it.
    """
    kinds = {_resolved(t.path): t for t in configured}
    missing: dict[Path, SourceCheck] = {}
    for key, path in configured_files(cfg):
        shown = _shown(path, base)
        if Path(shown).exists():
            continue
        known = kinds.get(_resolved(shown))
        target = known or Target(key.split(": ")[-1], shown)
        missing[_resolved(shown)] = _missing_file(target, key)
    return missing


def audit_log_guard(summary: ValidationSummary, names_files: list[str]) -> list[Finding]:
    """The identifier guard the run applies to its merged ledger and data-quality log.

    The run's ``audit_logs`` stops when a text of the data-quality log or the
    ledger (a sheet or column name, a value, a file name) holds an identifying
    detail. Each such text is an error here, located by its finding or ledger
    row (the raw file), not by a line of a log that does not exist yet.
    """
    from evaluation.core import identifiers

    names = [n for path in names_files for n in identifiers.read_disallowed_names(path)]
    descriptions = identifiers.kind_descriptions()
    errors: list[Finding] = []

    def check(record: dict, log_name: str, where: dict) -> None:
        for field_name, text in record.items():
            kinds = sorted(
                {kind for kind, _, _ in identifiers.scan_text(text, names)},
                key=identifiers.KINDS.index,
            )
            if not isinstance(text, str) or not kinds:
                continue
            found = ", ".join(descriptions.get(k, k) for k in kinds)
            errors.append(
                Finding(
                    severity=ERROR,
                    source="validate",
                    message=(
                        f"the {field_name} of this {log_name} row contains {found}; the run "
                        f"stops when it writes {log_name} (rule audit_logs): remove or "
                        "pseudonymise it in the source file (the text is not shown here)"
                    ),
                    value=None,
                    expected="no identifying details in text that can reach an output",
                    check="identifier_guard",
                    **where,
                )
            )

    for row in summary.ledger.rows:
        check(row, "ledger.csv", {"file": str(row["file"]), "sheet": row["sheet"] or None})
    for finding in summary.findings:
        record = {k: v for k, v in vars(finding).items() if k != "row"}
        where = {"file": finding.file, "sheet": finding.sheet, "row": finding.row}
        check(record, "data_quality_log.csv", {**where, "column": finding.column})
    return errors
