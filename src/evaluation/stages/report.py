"""Rule entry points of the report: merged key facts, audit summaries, rendering."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from evaluation.core import codebook
from evaluation.core.findings import ledger_balance, write_json
from evaluation.core.tidy import read_csv, write_csv

#: The columns of the key facts file (outputs.md), written even when no strand has key facts.
KEY_FACT_COLUMNS = ["fact", "column", "n", "denominator", "pct"]


def merge_csv_parts(
    parts: list[str],
    output: str,
    sort_by: list[str] | None = None,
    columns: list[str] | None = None,
) -> None:
    """Concatenate CSV parts of the strands (key facts, ledgers, data-quality logs) into one file.

    With no parts the file has only the header ``columns``.
    """
    frames = [read_csv(p) for p in parts]
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    if sort_by:
        frame = frame.sort_values(sort_by, kind="stable")
    write_csv(frame, output)


def data_dictionary() -> list[dict]:
    """Sheets and columns of the study's registers with labels, types and allowed values (appendix).

    The case tracker's sheets, then the register's record sets, for the
    strands whose codebook files the study has.
    """
    parts = codebook.load_codebook()
    sheets = _case_tracker_dictionary() if "case_tracker" in parts else []
    if "register" in parts:
        sheets += _register_dictionary()
    return sheets


def _register_dictionary() -> list[dict]:
    """The register's record sets as the study's codebook/register.yaml declares them."""
    sheets = []
    for name, record_set in codebook.load_codebook()["register"]["record_sets"].items():
        columns = []
        for column_name, column in record_set["columns"].items():
            kind = column["type"]
            categories = "yes_no" if kind == "yes_no" else column.get("categories")
            if categories:
                allowed = "; ".join(codebook.value_set(categories).labels)
            elif column.get("references"):
                allowed = f"codes of {column['references']}"
            elif kind == "integer" and "min" in column:
                allowed = f"{column['min']} to {column['max']}"
            else:
                allowed = kind.replace("_", " ")
            header = str(column.get("header", column_name))
            columns.append(
                {
                    "name": column_name,
                    "label": header,
                    "type": kind,
                    "description": header,
                    "allowed": allowed,
                }
            )
        unit = record_set.get("unit", name)
        sheets.append(
            {
                "sheet": record_set.get("sheet") or record_set["source"],
                "description": f"One row per {unit}.",
                "columns": columns,
            }
        )
    return sheets


def _case_tracker_dictionary() -> list[dict]:
    sheets = []
    for sheet, spec in codebook.case_tracker_sheets().items():
        columns = []
        for name, column in spec["columns"].items():
            if "categories" in column:
                allowed = "; ".join(codebook.value_set(column["categories"]).labels)
            elif "categories_by_source" in column:
                allowed = "by source: " + "; ".join(
                    f"{src} list ({len(codebook.value_set(vs).labels)} needs)"
                    for src, vs in column["categories_by_source"].items()
                )
            elif column["type"] == "integer":
                allowed = f"{column['min']} to {column['max']}"
            else:
                allowed = column["type"].replace("_", " ")
            columns.append(
                {
                    "name": name,
                    "label": column["label"],
                    "type": column["type"],
                    "description": column["description"],
                    "allowed": allowed,
                }
            )
        sheets.append({"sheet": sheet, "description": spec["description"], "columns": columns})
    return sheets


def derivations(band_overrides: dict | None) -> list[dict]:
    """Each derived variable and band, as the codebook defines it (for the appendix)."""
    parts = codebook.load_codebook()
    items = _derived_items(band_overrides) if "derived" in parts else []
    for name, recode in ((parts.get("register") or {}).get("recodes") or {}).items():
        bands = "; ".join(
            f"{label} = {', '.join(values)}" for label, values in recode["map"].items()
        )
        description = f"{recode['from']} of each {recode['record_set']} record, grouped"
        items.append({"name": name, "description": description, "bands": bands})
    return items


def _derived_items(band_overrides: dict | None) -> list[dict]:
    spec = codebook.derived()
    items = []
    for name in spec["bands"]:
        banding = codebook.banding(name, band_overrides)
        bands = "; ".join(f"{b.label} {b.describe()}" for b in banding.bands)
        if banding.indeterminate_label:
            bands += f"; {banding.indeterminate_label} = indeterminate"
        items.append(
            {"name": name, "description": " ".join(banding.description.split()), "bands": bands}
        )
    items.append(
        {
            "name": "start_quarter",
            "description": " ".join(spec["start_quarter"]["description"].split()),
            "bands": "",
        }
    )
    for name, entry in spec["derived"].items():
        items.append(
            {"name": name, "description": " ".join(entry["description"].split()), "bands": ""}
        )
    return items


def audit_summary(ledger: str, findings: str) -> dict:
    """Ledger balance per source and sheet, and data-quality findings counted by check."""
    ledger_frame = read_csv(ledger)
    ledger_frame["sheet"] = ledger_frame["sheet"].fillna("")  # CSV sources have no sheet
    balance = ledger_balance(ledger_frame) if len(ledger_frame) else pd.DataFrame()
    if len(balance):  # file order as read, then the read step before the cut-off
        balance["file_name"] = balance["file"].map(lambda f: Path(str(f)).name)
        steps = {step: i for i, step in enumerate(dict.fromkeys(ledger_frame["step"]))}
        balance["step_order"] = balance["step"].map(steps)
        balance = balance.sort_values(["source", "file_name", "sheet", "step_order"], kind="stable")
    exclusions = (
        (
            ledger_frame.loc[ledger_frame["outcome"] == "excluded"]
            .groupby(["source", "sheet", "step", "reason"], sort=True)["rows"]
            .sum()
            .reset_index()
        )
        if len(ledger_frame)
        else pd.DataFrame(columns=["source", "sheet", "step", "reason", "rows"])
    )
    findings_frame = read_csv(findings)
    if len(findings_frame):
        findings_frame["check"] = findings_frame["check"].fillna("").replace("", "other")
        counts = (
            findings_frame.groupby(["source", "severity", "check"], sort=True)
            .size()
            .reset_index(name="n")
        )
        ignored = sorted(
            set(findings_frame.loc[findings_frame["check"] == "ignored_column", "column"].dropna())
        )
    else:
        counts, ignored = pd.DataFrame(columns=["source", "severity", "check", "n"]), []
    return {
        "balance": balance.to_dict("records"),
        "all_balanced": bool(balance["balanced"].all()) if len(balance) else True,
        "exclusions": exclusions.to_dict("records"),
        "finding_counts": counts.to_dict("records"),
        "n_warnings": int((findings_frame["severity"] == "warning").sum())
        if len(findings_frame)
        else 0,
        "ignored_columns": ignored,
        "counts_withheld": False,
    }


def key_facts(input, output, params) -> None:
    """rule key_facts: the strands' key facts in one file."""
    merge_csv_parts(input.parts, output[0], columns=KEY_FACT_COLUMNS)


def audit_logs(input, output, params) -> None:
    """rule audit_logs: one ledger and one data-quality log for all sources (identifier-checked)."""
    from evaluation.core.identifiers import scan_text
    from evaluation.core.output_guard import guard_frame, names_from

    names = names_from(input.disallowed_names)
    for parts, target in ((input.ledgers, output.ledger), (input.findings, output.findings)):
        frame = pd.concat([read_csv(p) for p in parts], ignore_index=True)
        # each distinct text is scanned once; only when one holds an identifier is the
        # whole frame guarded again, to name the lines (the logs repeat texts a lot)
        texts = [
            frame[c].astype(object) for c in frame.columns if frame[c].dtype.kind not in "biuf"
        ]
        distinct = pd.unique(pd.concat(texts, ignore_index=True)) if texts else []
        if any(isinstance(text, str) and scan_text(text, names) for text in distinct):
            guard_frame(target, frame, names)
        write_csv(frame, target)


def protect_inputs(input, params):
    """A publish rule's tables, key facts and context files, protected: (settings, protected)."""
    from evaluation.disclosure import DisclosureSettings
    from evaluation.disclosure.publish import protect_outputs

    settings = DisclosureSettings.from_config(params.disclosure)
    tables = {Path(p).stem: read_csv(p) for p in input.get("tables", [])}
    contexts = {
        Path(p).stem: json.loads(Path(p).read_text(encoding="utf-8"))
        for p in input.get("context", [])
    }
    protected = protect_outputs(
        tables,
        tables.pop("key_facts", None),
        contexts,
        settings,
        table_specs=codebook.all_table_specs(),
        fact_specs=codebook.all_key_fact_specs(),
        report_numbers=codebook.report_number_rules(),
        project_start=params.project_start,
    )
    return settings, protected


def write_protected(input, output, protected) -> None:
    """The protected tables and context files, each through the identifier guard."""
    from evaluation.core.output_guard import guard_frame, names_from

    names = names_from(input.disallowed_names)
    for path in output.get("tables", []):
        table_id = Path(path).stem
        frame = protected.key_facts if table_id == "key_facts" else protected.tables[table_id]
        guard_frame(path, frame, names)
        write_csv(frame, path)
    for path in output.get("context", []):
        write_json(protected.contexts[Path(path).stem], path)


def publish_release(input, output, params) -> None:
    """rule publish_release: every table, key fact and prose number protected together.

    Writes the published tables, the protected context files the templates
    read and the disclosure log (one entry per output, with the intruder's
    audit). With ``min_cell`` set, an output that fails the audit stops the
    run with the output and cells named.
    """
    settings, protected = protect_inputs(input, params)
    log = {
        "min_cell": settings.min_cell,
        "review_threshold": settings.review_threshold,
        "outputs": protected.log,
        # declared or derived relations the data do not satisfy (so no intruder can use them)
        "relations_skipped": protected.release.skipped,
    }
    write_json(log, output.disclosure_log)
    stop_on_failed_audit(protected.log, settings.min_cell, output.disclosure_log)
    write_protected(input, output, protected)


def publish_group(input, output, params) -> None:
    """rule publish_<group> (``min_cell: null`` only): one group of tables and its context files.

    Nothing is suppressed without ``min_cell``, so each group is flagged and
    guarded on its own; render_report merges the groups' log entries
    (``merge_disclosure_log``).
    """
    settings, protected = protect_inputs(input, params)
    if settings.min_cell is not None:
        raise ValueError("with min_cell set, the release is published whole (publish_release)")
    write_json(protected.log, output.disclosure)
    write_protected(input, output, protected)


def merge_disclosure_log(parts: list[str], disclosure: dict) -> dict:
    """The publish jobs' entries in one log, by output (``min_cell: null``)."""
    from evaluation.disclosure import DisclosureSettings

    settings = DisclosureSettings.from_config(disclosure)
    entries = sorted(
        (e for p in parts for e in json.loads(Path(p).read_text(encoding="utf-8"))),
        key=lambda e: e["output"],
    )
    return {
        "min_cell": settings.min_cell,
        "review_threshold": settings.review_threshold,
        "outputs": entries,
        "relations_skipped": [],
    }


def stop_on_failed_audit(log: list[dict], min_cell: int | None, log_path: str) -> None:
    """With ``min_cell`` set, stop the run when any output failed the audit, naming it and its cells."""
    from evaluation.disclosure import FAIL, DisclosureError

    failures = [entry for entry in log if entry["status"] == FAIL]
    if min_cell is None or not failures:
        return
    lines = []
    for entry in failures:
        audit = entry["audit"]
        cells = audit["narrow_cells"][:5] + [
            f"visible small count {cell}" for cell in audit["small_unsuppressed"][:5]
        ]
        lines.append(f"- {entry['output']}: " + "; ".join(cells))
    raise DisclosureError(
        f"disclosure audit failed: an intruder could learn a count below {min_cell} from "
        f"these outputs; nothing was published ({log_path} is removed with the failed job, "
        "run with --keep-incomplete to keep it):\n" + "\n".join(lines)
    )


def disclosure_log(path: str) -> dict:
    """The disclosure log of the run (ACRO-style results, with the audit per output)."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def withhold_counts(audit: dict) -> dict:
    """The appendix's ledger and finding counts replaced by the suppression mark.

    They count rows of the raw files by source, step and reason, and so give
    group sizes and small counts that the published tables protect; under
    disclosure control they stay in the audit files for the output checker.
    """
    from evaluation.core.formatting import SUPPRESSED

    def blank(rows, fields):
        return [{**row, **{f: SUPPRESSED for f in fields}} for row in rows]

    return {
        **audit,
        "balance": blank(audit["balance"], ("read", "used", "excluded")),
        "exclusions": blank(audit["exclusions"], ("rows",)),
        "finding_counts": blank(audit["finding_counts"], ("n",)),
        "n_warnings": SUPPRESSED,
        "counts_withheld": True,
    }


def disclosure_summary(data: dict) -> dict:
    """The disclosure log for the appendix: settings, and the outputs that are not a plain pass."""
    outputs = data["outputs"]
    return {
        "min_cell": data["min_cell"],
        "review_threshold": data["review_threshold"],
        "n_outputs": len(outputs),
        "n_review": sum(o["status"] == "review" for o in outputs),
        "n_fail": sum(o["status"] == "fail" for o in outputs),
        "flagged_cells": sum(o["flagged"] for o in outputs),
        "suppressed_cells": sum(
            o["suppressed_primary"] + o["suppressed_secondary"] for o in outputs
        ),
        "suppressed_primary": sum(o["suppressed_primary"] for o in outputs),
        "suppressed_secondary": sum(o["suppressed_secondary"] for o in outputs),
        "narrowest_interval": min(
            (
                o["audit"]["narrowest_interval"]
                for o in outputs
                if (o.get("audit") or {}).get("narrowest_interval") is not None
            ),
            default=None,
        ),
        "exempt": [o for o in outputs if o["status"] == "exempt"],
        "not_pass": [o for o in outputs if o["status"] not in {"pass", "exempt"}],
    }


def render_report(input, output, params) -> None:
    """rule render_report: the report's Markdown from the templates (and pandoc's reading of it).

    Needs the published tables but not the figures (only the paths the
    workflow will draw them to, ``params.figures``), so it runs while the
    figures are still being drawn; ``report_html`` and ``report_docx`` wait
    for both.
    """
    from evaluation import __version__
    from evaluation.core.output_guard import guard_text, names_from
    from evaluation.core.provenance import data_fingerprint, git_state
    from evaluation.report.convert import markdown_to_ast
    from evaluation.report.inert import unescape
    from evaluation.report.render import load_inputs, render_markdown

    settings = params.settings
    git = git_state()
    full_settings = {
        **settings,
        "package_version": __version__,
        "git_commit": git["short"],
        "git_dirty": git["dirty"],
        "data_version": data_fingerprint(input.raw),
    }
    audit = audit_summary(input.ledger, input.findings)
    if input.get("disclosure_parts"):  # min_cell: null: the publish jobs' parts
        merged = merge_disclosure_log(input.disclosure_parts, settings["disclosure"])
        write_json(merged, output.disclosure_log)
    else:
        merged = disclosure_log(input.disclosure_log)
    audit["disclosure"] = disclosure_summary(merged)
    if settings["disclosure"].get("min_cell") is not None:
        audit = withhold_counts(audit)
    audit["dictionary"] = data_dictionary()
    audit["derivations"] = derivations(settings.get("bands"))
    inputs = load_inputs(
        Path(input.key_facts).parent,
        params.figures,
        input.key_facts,
        input.context,
        full_settings,
        audit,
    )
    markdown = render_markdown(Path(input.main_template).parent, inputs)
    names = names_from(input.disallowed_names)
    guard_text(output.md, markdown, names)
    guard_text(output.md, unescape(markdown), names)  # as a reader sees it: no escapes
    Path(output.md).parent.mkdir(parents=True, exist_ok=True)
    Path(output.md).write_text(markdown, encoding="utf-8")
    ast = markdown_to_ast(markdown, settings["cutoff_date"])
    Path(output.ast).write_text(ast, encoding="utf-8")
