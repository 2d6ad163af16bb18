"""Validation of the run configuration (config.yaml plus --config overrides).

Snakemake merges ``config.yaml``, ``--configfile`` and ``--config``; this
module checks the result once, at workflow start, and says exactly which key
is wrong and what it should be.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Mapping
from pathlib import Path


class ConfigError(ValueError):
    """A config key is missing or has a value the pipeline cannot use."""


def slug(name: str) -> str:
    """File-name-safe form of a display name: 'Eastwood Park' -> 'eastwood_park'."""
    text = re.sub(r"[^0-9a-zA-Z]+", "_", str(name)).strip("_").lower()
    if not text:
        raise ConfigError(f"name {name!r} has no letters or digits to build a file name from")
    return text


def parse_iso_date(value, key: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ConfigError(
            f"config key {key!r}: {value!r} is not a date; write YYYY-MM-DD"
        ) from None


def _mapping(config: Mapping, key: str, *, required: bool = True) -> dict:
    node = config
    for part in key.split(":"):
        if not isinstance(node, Mapping) or part not in node:
            if required:
                raise ConfigError(f"config key {key!r} is missing")
            return {}
        node = node[part]
    if not isinstance(node, Mapping) or (required and not node):
        raise ConfigError(
            f"config key {key!r} must map names to file paths, e.g. 'T1: data/raw/...'"
        )
    return dict(node)


#: The source strands a study can have, in the order their rules are included.
#: The case tracker is every study's register; the others are in the study when
#: the config names their files (see :func:`study_strands`).
OPTIONAL_STRANDS = ("case_tracker", "register", "surveys", "qualitative", "activity")


def study_strands(config: Mapping) -> list[str]:
    """The strands this study runs, in the order their rules are included.

    ``case_tracker`` when ``case_trackers:`` names workbooks, ``register``
    when ``register: files:`` names the register's files (a register of units
    that are not people, declared in the study's ``codebook/register.yaml``),
    ``surveys`` when ``surveys:`` lists waves of either questionnaire,
    ``qualitative`` when ``qualitative:`` names its files, ``activity`` when
    ``activity: log:`` names a diary. A strand left out has no rules, tables,
    figures or report section.
    """
    strands = []
    if config.get("case_trackers"):
        strands.append("case_tracker")
    if (config.get("register") or {}).get("files"):
        strands.append("register")
    surveys = config.get("surveys") or {}
    if any(((surveys.get(kind) or {}).get("waves")) for kind in ("mothers", "practitioners")):
        strands.append("surveys")
    qualitative = config.get("qualitative") or {}
    if qualitative.get("coded_segments") or qualitative.get("themes"):
        strands.append("qualitative")
    if (config.get("activity") or {}).get("log"):
        strands.append("activity")
    return strands


def configured_files(config: Mapping) -> list[tuple[str, str]]:
    """Every raw file the config names: ``(config key, path)``, in config order."""
    found: list[tuple[str, str]] = []
    for name, path in (config.get("case_trackers") or {}).items():
        found.append((f"case_trackers: {name}", str(path)))
    for name, path in ((config.get("register") or {}).get("files") or {}).items():
        found.append((f"register: files: {name}", str(path)))
    for instrument in ("mothers", "practitioners"):
        waves = ((config.get("surveys") or {}).get(instrument) or {}).get("waves") or {}
        for label, path in waves.items():
            if isinstance(path, Mapping):  # the long form: {file: ..., dictionary: ...}
                found += [
                    (f"surveys: {instrument}: waves: {label}: {key}", str(path[key]))
                    for key in ("file", "dictionary")
                    if path.get(key)
                ]
                continue
            found.append((f"surveys: {instrument}: waves: {label}", str(path)))
    qualitative = config.get("qualitative") or {}
    for key in QUALITATIVE_FILE_KEYS:
        value = qualitative.get(key)
        if isinstance(value, Mapping):  # Taguette: one export per coder
            found += [(f"qualitative: {key}: {coder}", str(p)) for coder, p in value.items()]
        elif value:
            found.append((f"qualitative: {key}", str(value)))
    log = (config.get("activity") or {}).get("log")
    if log:
        found.append(("activity: log", str(log)))
    return found


#: The qualitative strand's file keys, in the order they are read.
QUALITATIVE_FILE_KEYS = (
    "themes",
    "participants",
    "coded_segments",
    "integration",
    "disallowed_names",
    "participant_map",
)


def stop_on_missing_files(config: Mapping, base: str | Path = ".") -> None:
    """Stop a run whose config names a file that does not exist, listing every such key.

    An optional file (the names that must never appear in a quote, a
    participant map) that is named but absent must not be skipped: the
    quotes would go unchecked against the names, or a run would reuse the
    outputs of the last good one.
    """
    missing = [
        f"config key '{key}' names {path}, which does not exist"
        for key, path in configured_files(config)
        if not (Path(base) / path).exists()
    ]
    if missing:
        raise ConfigError(
            "; ".join(missing) + ". Correct the path in config.yaml (paths are relative to the "
            "study's folder) or remove the key."
        )


#: How a study's register is split into the groups that are the columns of its tables.
GROUPING_KINDS = ("workbook", "column")


def study_groups(config: Mapping) -> list[str]:
    """The groups that are the columns of every table (before Total), in order.

    ``grouping: {by: workbook}`` (the default): one case-tracker workbook per
    group, named by the keys of ``case_trackers``, in their order.
    ``grouping: {by: column, column: <name>}``: the groups are the values of
    that category column of the register's Baseline sheet: the labels of its
    value set in the study's codebook, in the codebook's order; the keys of
    ``case_trackers`` then only name the workbooks.
    """
    if not config.get("case_trackers"):
        return []  # no case tracker: the register's tables declare their own rows
    grouping = config.get("grouping") or {}
    if grouping.get("by", "workbook") == "column":
        return list(grouping_value_set(grouping["column"]).labels)
    return [str(name) for name in config["case_trackers"]]


def grouping_value_set(column: str):
    """The codebook's value set of the grouping column (a category of the Baseline sheet)."""
    from evaluation.core import codebook

    spec = codebook.case_tracker_sheets()["Baseline"]["columns"].get(column)
    if not spec or spec.get("type") != "category" or "categories" not in spec:
        raise ConfigError(
            f"config key 'grouping: column' is {column!r}, which is not a category column of "
            "the Baseline sheet in the study's codebook (codebook/case_tracker.yaml); the "
            "groups are the labels of its value set"
        )
    return codebook.value_set(spec["categories"])


def _validate_grouping(cfg: dict) -> dict:
    grouping = dict(cfg.get("grouping") or {"by": "workbook"})
    by = grouping.get("by", "workbook")
    if by not in GROUPING_KINDS:
        raise ConfigError(
            f"config key 'grouping: by' is {by!r}; use 'workbook' (one workbook per group) "
            "or 'column' (the groups are the values of a column of the register)"
        )
    unknown = sorted(set(grouping) - ({"by"} if by == "workbook" else {"by", "column"}))
    if unknown:
        raise ConfigError(
            f"config key 'grouping': {', '.join(unknown)} not understood with 'by: {by}'"
        )
    if by == "workbook":
        return {"by": "workbook"}
    column = grouping.get("column")
    if not isinstance(column, str) or not column.strip():
        raise ConfigError(
            "config key 'grouping: column' is missing; name the register's category column "
            "that holds each record's group, as the codebook names it (e.g. region)"
        )
    return {"by": "column", "column": column.strip()}


#: Config ``qualitative: refi_qda``: how a REFI-QDA project's selection positions
#: are counted. Setting -> accepted values, the first the default.
REFI_QDA_SETTINGS: dict[str, tuple[str, ...]] = {
    "positions": ("code_points", "utf16"),
    "end": ("exclusive", "inclusive"),
    "crlf": ("two", "one"),
}
REFI_QDA_MEANINGS = {
    "positions": "positions count code points, or UTF-16 code units (emoji count twice)",
    "end": "endPosition is just after the selection's last character, or on it",
    "crlf": "a stored \\r\\n line end counts as two characters, or as one",
}


def refi_qda_settings(settings: Mapping | None) -> dict[str, str]:
    """Config ``qualitative: refi_qda`` checked, every setting filled in (defaults first)."""
    if settings is not None and not isinstance(settings, Mapping):
        raise ConfigError(
            "config key 'qualitative: refi_qda' must map settings to values, e.g. "
            "'positions: utf16'"
        )
    settings = dict(settings or {})
    unknown = sorted(set(settings) - set(REFI_QDA_SETTINGS))
    if unknown:
        raise ConfigError(
            f"config key 'qualitative: refi_qda' has {', '.join(map(repr, unknown))}; "
            f"its keys are {', '.join(REFI_QDA_SETTINGS)}"
        )
    for key, value in settings.items():
        if value not in REFI_QDA_SETTINGS[key]:
            raise ConfigError(
                f"config key 'qualitative: refi_qda: {key}' is {value!r}; use "
                f"{' or '.join(REFI_QDA_SETTINGS[key])} ({REFI_QDA_MEANINGS[key]})"
            )
    return {key: settings.get(key, values[0]) for key, values in REFI_QDA_SETTINGS.items()}


def _validate_qualitative(cfg: Mapping) -> None:
    """A REFI-QDA project is one file, and its position settings are known ones."""
    qualitative = cfg.get("qualitative") or {}
    refi_qda = qualitative.get("format") == "refi-qda"
    if refi_qda and isinstance(qualitative.get("coded_segments"), Mapping):
        raise ConfigError(
            "config key 'qualitative: coded_segments' must name one .qdpx file with "
            "'format: refi-qda' (the project holds every coder's coding)"
        )
    settings = qualitative.get("refi_qda")
    if settings is None:
        return
    if not refi_qda:
        raise ConfigError(
            "config key 'qualitative: refi_qda' is only read with 'qualitative: format: refi-qda'"
        )
    refi_qda_settings(settings)


#: Every top-level key a study's config may have (README, "Configuration").
CONFIG_KEYS = (
    "activity",
    "bands",
    "case_trackers",
    "codebook",
    "cutoff_date",
    "disclosure",
    "grouping",
    "project_start",
    "qualitative",
    "register",
    "report",
    "surveys",
    "valid_date_range",
)
#: The keys of ``disclosure:``: a misspelt one would publish without protection.
DISCLOSURE_KEYS = ("min_cell", "review_threshold")


def check_known_keys(mapping: Mapping, known: tuple[str, ...], where: str) -> None:
    """Stop on a key the pipeline does not know, suggesting the key meant.

    A misspelt key (``cut_off_date``, ``min_cells``) was ignored, and the run
    went on with the default: another census date, or no suppression at all.
    """
    unknown = sorted(str(key) for key in mapping if key not in known)
    if not unknown:
        return
    named = []
    for key in unknown:
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        named.append(f"'{key}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
    raise ConfigError(
        f"config {where} has key(s) the pipeline does not know: {', '.join(named)}. "
        f"The keys it reads there: {', '.join(known)}"
    )


def load_config_file(path: str | Path) -> dict:
    """A config file's keys as written, refusing a key written twice in one mapping.

    YAML lets the last of two equal keys win without a word, so a second
    ``cutoff_date`` line silently replaced the first.
    """
    import yaml

    class StrictLoader(yaml.SafeLoader):
        """PyYAML's safe loader that stops on a key written twice."""

    def mapping(loader, node, deep=False):
        seen: dict = {}
        for key_node, _ in node.value:
            key = loader.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise ConfigError(
                    f"config file '{path}' writes the key '{key}' twice (lines {seen[key]} and "
                    f"{line}); YAML would keep the second without a word: delete one"
                )
            seen[key] = line
        return loader.construct_mapping(node, deep=deep)

    StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    try:
        raw = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=StrictLoader) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" near line {mark.line + 1}" if mark else ""
        raise ConfigError(f"config file '{path}' is not valid YAML{line}") from None
    if not isinstance(raw, Mapping):
        raise ConfigError(f"config file '{path}' must hold keys such as cutoff_date")
    return dict(raw)


def _one_workbook_per_group(trackers: Mapping) -> None:
    """Two groups naming one workbook would count its mothers twice, under two names."""
    by_file: dict[str, str] = {}
    for group, path in trackers.items():
        key = Path(str(path)).as_posix().casefold()
        if key in by_file:
            raise ConfigError(
                f"config keys 'case_trackers: {by_file[key]}' and 'case_trackers: {group}' "
                f"both name {path}: each group needs its own workbook"
            )
        by_file[key] = str(group)


def validate_config(config: Mapping) -> dict:
    """Check the merged config and return a normalised copy (dates as ISO text)."""
    check_known_keys(config, CONFIG_KEYS, "file")
    check_known_keys(config.get("disclosure") or {}, DISCLOSURE_KEYS, "key 'disclosure'")
    cfg = dict(config)
    cfg["cutoff_date"] = parse_iso_date(
        cfg.get("cutoff_date", "2023-12-31"), "cutoff_date"
    ).isoformat()
    cfg["project_start"] = parse_iso_date(
        cfg.get("project_start", "2021-04-01"), "project_start"
    ).isoformat()
    low, high = cfg.get("valid_date_range", ["2015-01-01", "2030-12-31"])
    low = parse_iso_date(low, "valid_date_range")
    high = parse_iso_date(high, "valid_date_range")
    if low >= high:
        raise ConfigError("config key 'valid_date_range': the first date must be before the second")
    cfg["valid_date_range"] = [low.isoformat(), high.isoformat()]

    trackers = _mapping(cfg, "case_trackers", required=False)
    register_files = _mapping(cfg, "register:files", required=False)
    if not trackers and not register_files:
        raise ConfigError(
            "config names no register: give 'case_trackers' (one workbook per group) or "
            "'register: files' (the files of a register declared in codebook/register.yaml)"
        )
    mothers_waves = ((cfg.get("surveys") or {}).get("mothers") or {}).get("waves")
    if mothers_waves and not trackers:
        raise ConfigError(
            "config key 'surveys: mothers: waves' needs 'case_trackers': the questionnaires "
            "name the tracker's cases"
        )
    if (cfg.get("activity") or {}).get("log") and not trackers:
        raise ConfigError(
            "config key 'activity: log' needs 'case_trackers': diary entries name the "
            "tracker's cases"
        )
    if register_files:
        cfg["register"] = {
            **dict(cfg["register"]),
            "files": {str(k): str(v) for k, v in register_files.items()},
        }
    _one_workbook_per_group(trackers)
    slugs = [slug(name) for name in trackers]
    if len(set(slugs)) != len(slugs):
        raise ConfigError("config key 'case_trackers': two prison names give the same file name")
    if "Total" in trackers:
        raise ConfigError(
            "config key 'case_trackers': 'Total' is reserved for the all-prisons column"
        )
    cfg["case_trackers"] = {str(k): str(v) for k, v in trackers.items()}
    cfg["grouping"] = _validate_grouping(cfg)
    _validate_qualitative(cfg)

    disclosure = dict(cfg.get("disclosure") or {})
    min_cell = disclosure.get("min_cell")
    if isinstance(min_cell, str):  # --config passes nested values as text
        text = min_cell.strip().lower()
        min_cell = (
            None if text in {"", "null", "none", "~"} else int(text) if text.isdigit() else min_cell
        )
    disclosure["min_cell"] = min_cell
    disclosure["review_threshold"] = int(disclosure.get("review_threshold", 5))
    if min_cell is not None and (
        isinstance(min_cell, bool) or not isinstance(min_cell, int) or min_cell < 2
    ):
        raise ConfigError(
            f"config key 'disclosure: min_cell' is {min_cell!r}; use null (flag only) or a whole number of at least 2"
        )
    disclosure.setdefault("min_cell", None)
    disclosure.setdefault("review_threshold", 5)
    cfg["disclosure"] = disclosure
    cfg.setdefault("bands", {})
    cfg["bands"] = cfg["bands"] or {}
    if "codebook" in cfg:  # without the key: codebook/ of the working directory
        codebook = cfg["codebook"]
        if not isinstance(codebook, str) or not codebook.strip():
            raise ConfigError(
                f"config key 'codebook' is {codebook!r}; give the study's codebook folder, "
                "e.g. 'codebook'"
            )
        cfg["codebook"] = codebook.strip()
    report = cfg.get("report")
    if isinstance(report, Mapping) and report.get("contact") is not None:
        contact = report["contact"]
        if not isinstance(contact, str) or not contact.strip():
            raise ConfigError(
                f"config key 'report: contact' is {contact!r}; give who readers contact about "
                "the tables as text (a team and its e-mail address), or leave the key out"
            )
        cfg["report"] = {**dict(report), "contact": " ".join(contact.split())}
    return cfg
