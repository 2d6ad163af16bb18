"""A release bundle for a trusted research environment's output checker, in ACRO's format.

``write_release_bundle`` writes one flat folder that SACRO-Viewer opens as it opens the
folder ACRO's ``finalise()`` writes::

    out_dir/
        results.json         {"version": ..., "results": {<output id>: {...}, ...}}
        config.json          the disclosure settings (the viewer shows it as the "risk profile")
        summary.md           a one-page summary for the checker (not an output: not released)
        <output files>       copied flat; results.json's ``files[].name`` are these names
        checksums/<name>.txt hex SHA-256 of each file above, with no newline

The format follows ACRO's ``acro/record.py`` (``Records.finalise_json``,
``Records.write_checksums``) and what SACRO-Viewer's ``sacro/models.py`` reads
(``ACROOutputs``): the viewer needs ``version`` (``major.minor``, at least its supported
``0.4``) and ``results``, each result with a non-empty ``files`` list of ``{"name"}``; it
compares the text of ``checksums/<name>.txt`` *exactly* with the file's SHA-256 hex digest,
so the checksum files have no trailing newline. It shows ``properties.method`` and ``type``,
``status``, ``summary`` (split on ``"; "``, first part the status), ``timestamp``,
``comments`` and, for anything but a pass, ``exception``; it highlights cells listed in
``files[].sdc.cells`` as ``[row, column]`` pairs.

Status mapping (ours -> ACRO):

- ``pass`` -> ``pass``
- ``fail`` -> ``fail``
- ``review`` -> ``review``
- ``exempt`` -> ``review``, with the reason in ``exception`` ("Exempt from cell suppression:
  ..."): an exempt output was not suppressed, so an output checker must look at it. Our own
  status stays in ``properties.status``.

Where our disclosure log goes:

- ``files[].sdc`` (tables and key facts that went through disclosure control):
  ``summary.suppressed`` is whether any cell was suppressed; ``summary.threshold`` is the
  number of cells below ``min_cell`` (primary suppressions plus any small counts the audit
  found unsuppressed), or, when ``min_cell`` is not set, the cells flagged below
  ``review_threshold``. ACRO's other checks (``negative``, ``missing``, ``p-ratio``,
  ``nk-rule``, ``all-values-are-same``) are not rules of this pipeline and are 0, as ACRO
  writes them when a check is off. ``sdc.cells`` keeps ACRO's keys with empty lists: the log
  does not give cell positions in the published file. Exempt and other outputs get ``{}``,
  as ACRO's custom outputs do.
- ``properties``: our status, the settings, the cell counts and the whole audit dict.
- ``outcome`` is ACRO's per-cell table of check results, which we do not have: ``{}``.

The same inputs give byte-identical files: the timestamp comes from ``settings``, never
the clock; dictionaries are built in a fixed order (outputs in the order given) and the
audit dict's keys are sorted; JSON has a fixed indent and ends with a newline; text is
written as UTF-8 bytes with ``\\n`` line ends on every platform.

SACRO-Viewer writes a reviewer's summary back into ``results.json`` when a review is
saved, so ``results.json``'s own checksum (which ACRO also writes) holds only until then;
the checksums of the outputs, which the viewer checks, are not affected.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
import shutil
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

#: The ``version`` written to results.json: the ACRO results format SACRO-Viewer supports
#: (its ``ACRO_SUPPORTED_VERSION`` is ``0.4.x``; it also writes ``0.4.0`` itself when it
#: scaffolds metadata for a folder of non-ACRO files).
ACRO_FORMAT_VERSION = "0.4.0"

STATUS_TO_ACRO = {"pass": "pass", "fail": "fail", "review": "review", "exempt": "review"}
OUTPUT_TYPES = ("table", "figure", "report", "key_facts", "text", "workbook")
#: Output types that go through cell-level disclosure control and so get an ACRO ``sdc``.
CHECKED_TYPES = {"table", "key_facts"}
#: ACRO's SDC checks, in ACRO's order (``acro_tables.get_table_sdc``).
ACRO_CHECKS = ("negative", "missing", "threshold", "p-ratio", "nk-rule", "all-values-are-same")

RESULTS = "results.json"
CONFIG = "config.json"
SUMMARY = "summary.md"
CHECKSUMS = "checksums"
#: Names a copied output must not take: ours, and ``outputs.json``, which SACRO-Viewer
#: would open instead of results.json.
RESERVED = {RESULTS, CONFIG, SUMMARY, CHECKSUMS, "outputs.json"}

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_VERSION = re.compile(r"\d+\.\d+(\..*)?")


def _dumps(data: Any) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")


def _jsonable(value: Any) -> Any:
    """Plain JSON values: numpy scalars unwrapped, NaN as null, dict keys sorted."""
    if hasattr(value, "item") and not isinstance(value, list | dict | str):
        value = value.item()  # numpy scalar
    if isinstance(value, dict):
        return {str(k): _jsonable(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _one_line(text: Any) -> str:
    return " ".join(str(text or "").split())


def _source_label(source: str) -> str:
    """The source path as written, or only its name when absolute (no TRE paths released)."""
    if PurePosixPath(source).is_absolute() or PureWindowsPath(source).is_absolute():
        return PureWindowsPath(source).name
    return Path(source).as_posix()


def _count(entry: dict, key: str) -> int:
    return int(entry.get(key) or 0)


def _check_settings(settings: dict) -> dict:
    for key in ("timestamp", "synthetic", "min_cell", "review_threshold"):
        if key not in settings:
            raise ValueError(f"release bundle settings need {key!r}")
    timestamp = settings["timestamp"]
    if not isinstance(timestamp, str):
        raise ValueError("settings['timestamp'] must be an ISO 8601 string")
    dt.datetime.fromisoformat(timestamp)  # ValueError when it is not ISO 8601
    if not isinstance(settings["synthetic"], bool):
        raise ValueError("settings['synthetic'] must be True or False")
    if settings["min_cell"] is not None and int(settings["min_cell"]) < 1:
        raise ValueError("settings['min_cell'] must be a positive integer or None")
    if "package_version" in settings:
        package_version = str(settings["package_version"])
    else:
        from evaluation import __version__ as package_version
    return {
        "title": str(settings.get("title") or "Research outputs"),
        "synthetic": settings["synthetic"],
        "min_cell": None if settings["min_cell"] is None else int(settings["min_cell"]),
        "review_threshold": int(settings["review_threshold"]),
        "timestamp": timestamp,
        "package_version": package_version,
    }


def _check_outputs(outputs: list[dict]) -> None:
    seen: set[str] = set()
    for output in outputs:
        output_id = output.get("id")
        if not isinstance(output_id, str) or not _ID.fullmatch(output_id):
            raise ValueError(f"output id {output_id!r}: letters, digits, '.', '_', '-' only")
        if output_id in seen:
            raise ValueError(f"output id {output_id!r} appears twice")
        seen.add(output_id)
        if output.get("type") not in OUTPUT_TYPES:
            raise ValueError(f"{output_id}: type {output.get('type')!r} not in {OUTPUT_TYPES}")
        if output.get("status") not in STATUS_TO_ACRO:
            raise ValueError(
                f"{output_id}: status {output.get('status')!r} not in {list(STATUS_TO_ACRO)}"
            )
        if output["status"] == "exempt" and not _one_line(output.get("reason")):
            raise ValueError(f"{output_id}: an exempt output needs a reason")
        files = output.get("files") or []
        if not files:
            raise ValueError(f"{output_id}: no files (SACRO-Viewer needs at least one)")
        for source in files:
            if not Path(source).is_file():
                raise FileNotFoundError(f"{output_id}: {source} does not exist")


def _bundle_names(outputs: list[dict]) -> list[list[str]]:
    """The flat name of each output file: its basename, or ``<id>_<basename>`` if shared.

    Names are compared case-insensitively, since a TRE's file system may not tell
    ``Age.csv`` from ``age.csv``.
    """
    counts: dict[str, int] = {}
    for output in outputs:
        for source in output["files"]:
            key = Path(source).name.casefold()
            counts[key] = counts.get(key, 0) + 1
    names = []
    taken: set[str] = set()
    for output in outputs:
        these = []
        for source in output["files"]:
            base = Path(source).name
            key = base.casefold()
            name = f"{output['id']}_{base}" if counts[key] > 1 or key in RESERVED else base
            if name.casefold() in taken or name.casefold() in RESERVED:
                raise ValueError(f"{output['id']}: two output files would both be named {name}")
            taken.add(name.casefold())
            these.append(name)
        names.append(these)
    return names


def _sdc(output: dict, config: dict) -> dict:
    """ACRO's per-file ``sdc`` for an output that went through cell-level disclosure control."""
    if output["type"] not in CHECKED_TYPES or output["status"] == "exempt":
        return {}
    audit = output.get("audit") or {}
    primary = _count(output, "suppressed_primary")
    suppressed = audit.get("suppressed_cells")
    if suppressed is None:
        suppressed = primary + _count(output, "suppressed_secondary")
    if config["min_cell"] is None:
        threshold = _count(output, "flagged")
    else:
        threshold = primary + len(audit.get("small_unsuppressed") or [])
    summary: dict[str, Any] = {"suppressed": int(suppressed) > 0}
    summary.update(dict.fromkeys(ACRO_CHECKS, 0))
    summary["threshold"] = threshold
    return {"summary": summary, "cells": {check: [] for check in ACRO_CHECKS}}


def _record(output: dict, names: list[str], config: dict) -> dict:
    """One output's entry in results.json, with ACRO's fields in ACRO's order."""
    status = output["status"]
    acro_status = STATUS_TO_ACRO[status]
    audit = _jsonable(output.get("audit") or {})
    sdc = _sdc(output, config)
    details = []
    if status == "exempt":
        details.append("exempt from cell suppression")
    elif sdc and sdc["summary"]["threshold"]:
        done = "suppressed" if sdc["summary"]["suppressed"] else "may need suppressing"
        details.append(f"threshold: {sdc['summary']['threshold']} cells {done}")
    if _one_line(output.get("summary")):
        details.append(_one_line(output.get("summary")))
    reason = _one_line(output.get("reason"))
    if status == "exempt":
        exception = f"Exempt from cell suppression: {reason}"
    else:
        exception = reason if status != "pass" else ""
    comments = []
    if config["synthetic"]:
        comments.append("SYNTHETIC DATA: made-up records, not real people.")
    narrow = len(audit.get("narrow_cells") or [])
    small = len(audit.get("small_unsuppressed") or [])
    if narrow:
        comments.append(f"Audit: {narrow} suppressed cell(s) can be bounded too narrowly.")
    if small:
        comments.append(f"Audit: {small} count(s) below min_cell left unsuppressed.")
    properties = {
        "method": "evaluation pipeline",
        "status": status,
        "min_cell": config["min_cell"],
        "review_threshold": config["review_threshold"],
        "cells": _jsonable(output.get("cells")),
        "flagged": _jsonable(output.get("flagged")),
        "suppressed_primary": _jsonable(output.get("suppressed_primary")),
        "suppressed_secondary": _jsonable(output.get("suppressed_secondary")),
        "audit": audit,
        "sources": [_source_label(str(source)) for source in output["files"]],
    }
    return {
        "uid": output["id"],
        "status": acro_status,
        "type": output["type"],
        "properties": properties,
        "files": [{"name": name, "sdc": sdc} for name in names],
        "outcome": {},
        "command": f"evaluation {config['package_version']}: {output['type']} {output['id']}",
        "summary": "; ".join([acro_status, *details]),
        "timestamp": config["timestamp"],
        "comments": comments,
        "exception": exception,
        "fair": {},
    }


def _cell(value: Any) -> str:
    if value is None or value == "":
        return "–"
    return str(value).replace("|", "\\|")


def _summary_md(outputs: list[dict], records: dict, config: dict) -> str:
    min_cell = config["min_cell"]
    threshold = config["review_threshold"]
    lines = [f"# {config['title']}: release bundle for output checking", ""]
    if config["synthetic"]:
        lines += [
            "> **SYNTHETIC DATA.** Every output in this bundle was made from synthetic",
            "> (made-up) records, not real people. It is a test of the pipeline, not a",
            "> request to release findings.",
            "",
        ]
    lines += [
        f"Written by evaluation {config['package_version']}; timestamp {config['timestamp']}.",
        f"Open this folder in SACRO-Viewer: `{RESULTS}` lists {len(outputs)} output(s) in "
        f"ACRO's format (version {ACRO_FORMAT_VERSION}); `{CHECKSUMS}/` holds the SHA-256 "
        "of every file.",
        "",
        "## Disclosure settings",
        "",
    ]
    if min_cell is None:
        lines.append(
            "- Minimum cell size (`min_cell`): not set. No cell is suppressed; small "
            "counts are only flagged."
        )
    else:
        lines.append(
            f"- Minimum cell size (`min_cell`): {min_cell}. Counts from 1 to {min_cell - 1} "
            "are suppressed (primary), then further cells (secondary) so that none can be "
            "recovered from totals."
        )
    lines += [
        f"- Review threshold: {threshold}. Counts from 1 to {threshold - 1} are flagged "
        "for a person to review.",
        "",
        "## Outputs",
        "",
        "| Output | Type | Status | ACRO status | Cells | Suppressed | Narrowest interval |",
        "| --- | --- | --- | --- | ---: | ---: | ---: |",
    ]
    for output in outputs:
        audit = output.get("audit") or {}
        suppressed = audit.get("suppressed_cells")
        if suppressed is None and "suppressed_primary" in output:
            suppressed = _count(output, "suppressed_primary") + _count(
                output, "suppressed_secondary"
            )
        row = [
            f"`{output['id']}`",
            output["type"],
            output["status"],
            records[output["id"]]["status"],
            _cell(_jsonable(output.get("cells"))),
            _cell(_jsonable(suppressed)),
            _cell(_jsonable(audit.get("narrowest_interval"))),
        ]
        lines.append("| " + " | ".join(str(v) for v in row) + " |")
    lines += ["", "## Exempt outputs", ""]
    exempt = [o for o in outputs if o["status"] == "exempt"]
    lines += [f"- `{o['id']}`: {_one_line(o.get('reason'))}" for o in exempt] or ["None."]
    findings = []
    for output in outputs:
        audit = output.get("audit") or {}
        narrow = len(audit.get("narrow_cells") or [])
        small = len(audit.get("small_unsuppressed") or [])
        if narrow or small:
            findings.append(
                f"- `{output['id']}`: {narrow} narrow cell(s), {small} small count(s) unsuppressed"
            )
    lines += ["", "## Audit findings", "", *(findings or ["None."])]
    if min_cell is None:
        small_check = (
            f"- the counts from 1 to {threshold - 1}, flagged for review (none is suppressed);"
        )
    else:
        small_check = (
            f"- that no count from 1 to {min_cell - 1} was left unsuppressed "
            "(small counts unsuppressed);"
        )
    lines += [
        "",
        "## What the audit checked",
        "",
        "The disclosure log records, for each table and for the key facts:",
        "",
        small_check,
        "- how many cells were suppressed, primary and secondary;",
        "- for the suppressed cells, the narrowest interval to which a value can be bounded "
        "from the published totals (larger is safer), listing cells bounded too narrowly "
        "as narrow cells.",
        "",
        "Figures, the report and text outputs are not checked cell by cell: an output "
        "checker reviews them. Exempt outputs were not suppressed; they are marked `review` "
        "in results.json, with the reason as the exception request. This summary repeats "
        "only counts from the pipeline's disclosure log.",
        "",
    ]
    return "\n".join(lines)


def write_release_bundle(out_dir: str | Path, outputs: list[dict], *, settings: dict) -> Path:
    """Write results.json, the output files, checksums and summary.md into out_dir; return results.json's path.

    ``out_dir`` must not exist or be empty (as ACRO's ``finalise`` refuses an existing
    folder): a stale file left in a release folder could be released by mistake. Every
    input is checked before anything is written.
    """
    out = Path(out_dir)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise FileExistsError(f"{out} exists and is not an empty folder")
    config = _check_settings(settings)
    _check_outputs(outputs)
    names = _bundle_names(outputs)

    out.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    for output, these in zip(outputs, names, strict=True):
        for source, name in zip(output["files"], these, strict=True):
            shutil.copyfile(source, out / name)
            written.append(name)
    records = {
        output["id"]: _record(output, these, config)
        for output, these in zip(outputs, names, strict=True)
    }
    results = {"version": ACRO_FORMAT_VERSION, "results": records}
    (out / RESULTS).write_bytes(_dumps(results))
    (out / CONFIG).write_bytes(_dumps(config))
    (out / SUMMARY).write_bytes(_summary_md(outputs, records, config).encode("utf-8"))
    checksums = out / CHECKSUMS
    checksums.mkdir()
    for name in [*written, RESULTS, CONFIG, SUMMARY]:
        (checksums / f"{name}.txt").write_bytes(_sha256(out / name).encode("ascii"))
    return out / RESULTS


def verify_release_bundle(out_dir: str | Path) -> list[str]:
    """The problems with a release bundle as SACRO-Viewer would find them; [] when sound.

    Checks that results.json has a ``version`` the viewer accepts and ``results``; that
    every output lists files, each a plain name that exists in the folder with a checksum
    in ``checksums/`` that matches; and that every other checksum in ``checksums/``
    matches its file.
    """
    out = Path(out_dir)
    results_path = out / RESULTS
    if not results_path.is_file():
        return [f"{RESULTS}: missing"]
    try:
        data = json.loads(results_path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        return [f"{RESULTS}: not valid JSON ({error})"]
    if not isinstance(data, dict):
        return [f"{RESULTS}: not a JSON object"]
    problems = []
    version = data.get("version")
    if not version:
        problems.append(f"{RESULTS}: no version")
    elif not isinstance(version, str) or not _VERSION.fullmatch(version):
        problems.append(f"{RESULTS}: version {version!r} is not major.minor[.patch]")
    results = data.get("results")
    if not isinstance(results, dict):
        return [*problems, f"{RESULTS}: no results"]

    checked: set[str] = set()

    def check(name: str, label: str) -> None:
        path = out / name
        checksum = out / CHECKSUMS / f"{name}.txt"
        if not path.is_file():
            problems.append(f"{name}: missing ({label})")
        elif not checksum.is_file():
            problems.append(f"{name}: no checksum file {CHECKSUMS}/{name}.txt")
        elif checksum.read_bytes() != _sha256(path).encode("ascii"):
            problems.append(f"{name}: checksum does not match {CHECKSUMS}/{name}.txt")
        checked.add(name)

    for key, record in results.items():
        files = record.get("files") if isinstance(record, dict) else None
        if not files:
            problems.append(f"{key}: lists no files")
            continue
        for filedata in files:
            name = filedata.get("name") if isinstance(filedata, dict) else None
            if not isinstance(name, str) or not name:
                problems.append(f"{key}: a file without a name")
            elif Path(name).name != name or name in {".", ".."}:
                problems.append(f"{name}: not a plain file name in the bundle ({key})")
            elif name not in checked:
                check(name, f"listed by {key}")
    checksum_dir = out / CHECKSUMS
    if checksum_dir.is_dir():
        for checksum in sorted(checksum_dir.glob("*.txt")):
            name = checksum.name.removesuffix(".txt")
            if name not in checked:
                check(name, "has a checksum")
    return problems
