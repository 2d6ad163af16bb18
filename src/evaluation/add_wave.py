"""Add a survey wave to config.yaml after checking the file.

:func:`add_wave` reads the new file with the survey strand's reader (the
same checks the pipeline runs), and only when it has no errors inserts
``LABEL: PATH`` at the end of ``surveys: <instrument>: waves`` with a
round-trip YAML edit, so the file's comments, order and quoting stay as they
were. A label or file already configured is refused.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from evaluation.core.config import ConfigError, slug
from evaluation.core.findings import Finding

INSTRUMENTS = {
    "mothers": (".sav", ".csv"),
    "practitioners": (".csv", ".xlsx", ".sav"),
}


@dataclass
class AddWaveResult:
    """What was (or, on a dry run, would be) added."""

    config_file: str
    instrument: str
    label: str
    path: str
    rows_read: int
    warnings: list[Finding] = field(default_factory=list)
    written: bool = False

    @property
    def line(self) -> str:
        return f"{self.label}: {self.path}"


def _round_trip_yaml():
    from ruamel.yaml import YAML

    handler = YAML()
    handler.preserve_quotes = True
    handler.width = 4096
    handler.indent(mapping=2, sequence=4, offset=2)
    handler.representer.add_representer(
        type(None), lambda rep, _: rep.represent_scalar("tag:yaml.org,2002:null", "null")
    )
    return handler


def _append_keeping_comments(mapping, key: str, value: str) -> None:
    """Append ``key: value`` to a ruamel mapping; comment lines after the old last entry stay below.

    ruamel attaches the comment lines that follow a mapping's last entry to
    that entry, so a plain append would put the new line after them. The
    end-of-line comment stays with the old entry; the lines below move to
    the new one.
    """
    from ruamel.yaml.error import CommentMark
    from ruamel.yaml.tokens import CommentToken

    last = list(mapping)[-1] if len(mapping) else None
    token = mapping.ca.items.get(last) if last is not None else None
    mapping[key] = value
    if not token or token[2] is None:
        return
    text = token[2].value
    cut = text.find("\n")
    if cut < 0:
        return
    head, tail = text[: cut + 1], text[cut + 1 :]
    if head.strip():
        token[2].value = head
    else:
        token[2] = None
        if not any(token):
            del mapping.ca.items[last]
    if tail:
        mapping.ca.items[key] = [None, None, CommentToken("\n" + tail, CommentMark(0), None), None]


def config_path_for(file: str | Path, config_file: str | Path) -> str:
    """How the wave file is written in config: relative to the config's folder when inside it."""
    full = Path(file).resolve()
    base = Path(config_file).resolve().parent
    try:
        return full.relative_to(base).as_posix()
    except ValueError:
        return os.path.relpath(full, base) if full.drive == base.drive else full.as_posix()


def insert_wave(text: str, instrument: str, label: str, path: str) -> str:
    """config.yaml text with ``label: path`` appended to ``surveys: <instrument>: waves``."""
    from ruamel.yaml.comments import CommentedMap

    handler = _round_trip_yaml()
    data = handler.load(text)
    if data is None:
        data = CommentedMap()
    surveys = data.setdefault("surveys", CommentedMap()) or CommentedMap()
    data["surveys"] = surveys
    node = surveys.get(instrument)
    if node is None:
        node = surveys[instrument] = CommentedMap()
    waves = node.get("waves")
    if waves is None:
        waves = node["waves"] = CommentedMap()
    _append_keeping_comments(waves, label, path)
    out = io.StringIO()
    handler.dump(data, out)
    new_text = out.getvalue()

    before = yaml.safe_load(text) or {}
    after = yaml.safe_load(new_text) or {}
    expected_waves = dict(((before.get("surveys") or {}).get(instrument) or {}).get("waves") or {})
    expected_waves[label] = path
    got_waves = ((after.get("surveys") or {}).get(instrument) or {}).get("waves") or {}
    other_before = {k: v for k, v in before.items() if k != "surveys"}
    other_after = {k: v for k, v in after.items() if k != "surveys"}
    if got_waves != expected_waves or other_before != other_after:
        raise ConfigError(
            "config.yaml could not be edited safely; add the line "
            f"'{label}: {path}' under 'surveys: {instrument}: waves' by hand"
        )
    return new_text


def add_wave(
    instrument: str,
    label: str,
    path: str | Path,
    config_file: str | Path = "config.yaml",
    *,
    dry_run: bool = False,
) -> AddWaveResult:
    """Check the wave file, then add ``LABEL: PATH`` to the config (not on a dry run).

    Raises ConfigError for usage problems (unknown instrument, label or file
    already configured, wrong file type, missing file) and
    DataValidationError, listing every error, when the file fails the
    survey reader's checks; the config is then left untouched.
    """
    from evaluation.validate import load_config

    if instrument not in INSTRUMENTS:
        raise ConfigError(f"instrument {instrument!r} is not one of: {', '.join(INSTRUMENTS)}")
    label = str(label).strip()
    if not label:
        raise ConfigError("the wave label is empty; give one such as T3")
    cfg, _, _ = load_config(config_file)
    existing = cfg["_mother_waves"] if instrument == "mothers" else cfg["_practitioner_waves"]
    key = f"surveys: {instrument}: waves"
    if slug(label) in {slug(x) for x in existing}:
        raise ConfigError(
            f"wave label '{label}' is already in {config_file} under '{key}' "
            f"(labels there: {', '.join(existing)}); choose a new label"
        )
    file = Path(path)
    if not file.is_file():
        raise ConfigError(f"file '{path}' not found")
    if file.suffix.lower() not in INSTRUMENTS[instrument]:
        raise ConfigError(
            f"'{path}' is not a {' or '.join(INSTRUMENTS[instrument])} file, which '{key}' needs"
        )
    written_path = config_path_for(file, config_file)
    base = Path(config_file).resolve().parent
    for other_label, other in existing.items():
        other_full = Path(other) if Path(other).is_absolute() else base / other
        if other_full.resolve() == file.resolve():
            raise ConfigError(f"'{path}' is already wave '{other_label}' under '{key}'")

    date_range = tuple(cfg["valid_date_range"])
    if instrument == "mothers":
        from evaluation.strands.surveys.read import read_mothers_wave

        read = read_mothers_wave(file, label, len(existing) + 1, date_range)
    else:
        from evaluation.strands.surveys.read import read_practitioner_wave

        read = read_practitioner_wave(file, label, date_range)
    ledger = read.ledger.to_frame()
    rows = int(ledger.loc[(ledger["outcome"] == "read") & (ledger["step"] == "read"), "rows"].sum())
    result = AddWaveResult(
        config_file=str(config_file),
        instrument=instrument,
        label=label,
        path=written_path,
        rows_read=rows,
        warnings=list(read.findings.warnings),
    )
    if dry_run:
        return result
    config = Path(config_file)
    new_text = insert_wave(config.read_text(encoding="utf-8"), instrument, label, written_path)
    temporary = config.with_name(config.name + ".tmp")
    temporary.write_text(new_text, encoding="utf-8")
    temporary.replace(config)
    result.written = True
    return result
