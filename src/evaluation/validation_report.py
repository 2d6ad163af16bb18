"""The validation report: every check each raw source went through, its result and counts.

Built from the merged data-quality log and ledger of a run
(``data/processed/audit/``). The catalogue of checks is derived, not typed:
one value check per codebook column of each source (described by the
column's type in ``codebook/validation.yaml``) plus the rule checks the
modules that make them declare (their module-level ``CHECKS``, gathered per
source under ``checks`` in ``codebook/validation.yaml``; a unit test keeps the
two equal, so this shared stage reads data and imports no strand). Each
check gets its errors and warnings from the log and a result (pass /
warnings / errors). The ledger part shows rows read, used and excluded per
source file and step, with exclusion reasons. Output: Markdown for people,
JSON for machines.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from evaluation.core.codebook import load_codebook
from evaluation.core.findings import ERROR, WARNING, ledger_balance

CHECK_COLUMNS = [
    "source",
    "scope",
    "kind",
    "check",
    "description",
    "errors",
    "warnings",
    "result",
]
#: What classifies a finding into a check (and its count as error or warning).
FINDING_KEYS = ["source", "file", "sheet", "column", "check", "severity"]


def spec() -> dict:
    """The validation report's codebook part, with the sources the study's codebook has.

    A source is in the study when the codebook has its file (a study without
    a mothers' questionnaire has no ``mothers_survey.yaml``): the report lists
    no checks of a source the study does not have.
    """
    codebook = load_codebook()
    validation = dict(codebook["validation"])
    validation["sources"] = {
        source: entry for source, entry in validation["sources"].items() if source in codebook
    }
    return validation


def column_catalogue() -> dict[str, list[tuple[str, str, str]]]:
    """Source -> (scope, column, codebook type) for every column the codebook defines."""
    codebook = load_codebook()
    out: dict[str, list[tuple[str, str, str]]] = {s: [] for s in spec()["sources"]}
    if "case_tracker" in out:
        for sheet, sheet_spec in codebook["case_tracker"]["sheets"].items():
            for column, entry in sheet_spec["columns"].items():
                out["case_tracker"].append((sheet, column, entry.get("type", "")))
    if "mothers_survey" in out:
        for column, entry in codebook["mothers_survey"]["variables"].items():
            kind = entry.get("type") or ("scale" if entry.get("scale") else "")
            out["mothers_survey"].append(("", column, kind))
    if "practitioner_survey" in out:
        for column, entry in codebook["practitioner_survey"]["columns"].items():
            out["practitioner_survey"].append(("", column, entry.get("type", "")))
        out["practitioner_survey"].append(("", "agree_NN", "category"))
    if "qualitative" in out:
        for file_key, file_spec in codebook["qualitative"]["files"].items():
            for column, entry in file_spec["columns"].items():
                out["qualitative"].append((file_key, column, entry.get("type", "")))
    if "register" in out:
        for record_set in codebook["register"]["record_sets"].values():
            scope = record_set.get("sheet") or record_set["source"]
            for column, entry in record_set["columns"].items():
                out["register"].append((scope, str(entry.get("header", column)), entry["type"]))
    if "activity" in out:
        activity = codebook["activity"]
        for column, entry in activity["columns"].items():
            out["activity"].append((activity["sheet"], column, entry.get("type", "")))
    return out


def declared_checks(source: str) -> dict[str, str]:
    """The checks the source's modules declare (name -> description), by name."""
    checks = spec()["sources"][source].get("checks") or {}
    return {str(name): str(checks[name]) for name in sorted(checks, key=str)}


def reader_check_names(source: str) -> list[str]:
    """The names of the checks the source's modules declare, sorted."""
    return list(declared_checks(source))


def _description(name: str) -> str:
    """A check's declared description (any source), else its name."""
    for source in spec()["sources"]:
        described = declared_checks(source).get(name)
        if described:
            return described
    return name


def _column_description(kind: str) -> str:
    checks = spec()["column_checks"]
    return checks.get(kind) or checks["default"]


def _scope_of(source: str, finding, columns: list[tuple[str, str, str]]) -> str:
    if source == "qualitative":
        stem = Path(str(finding["file"])).stem
        scopes = {scope for scope, _, _ in columns}
        return stem if stem in scopes else ""
    return "" if pd.isna(finding["sheet"]) else str(finding["sheet"])


def _classify(source: str, finding, columns, rules: set[str]) -> tuple[str, str, str]:
    """(scope, kind, check) of one finding: a rule check, a column's value check, or other."""
    check = "" if pd.isna(finding["check"]) else str(finding["check"])
    column = "" if pd.isna(finding["column"]) else str(finding["column"])
    scope = _scope_of(source, finding, columns)
    known = {(s, c) for s, c, _ in columns}
    by_column = {c for _, c, _ in columns}
    stem = re.sub(r"_(error|warning)$", "", check)
    if check in rules and check not in spec()["column_check_names"]:
        return "", "rule", check
    for name in (column, stem):
        if (scope, name) in known:
            return scope, "column", name
        if name in by_column and source != "case_tracker":
            scope_of_name = next(s for s, c, _ in columns if c == name)
            return scope_of_name, "column", name
    if source == "practitioner_survey" and re.match(r"agree_\d+$", column):
        return "", "column", "agree_NN"
    return "", "rule", check or "other"


def check_results(findings: pd.DataFrame) -> pd.DataFrame:
    """Every check of every source with its errors, warnings and result (codebook order)."""
    results = spec()["results"]
    catalogue = column_catalogue()
    rows: dict[tuple[str, str, str, str], dict] = {}
    for source in spec()["sources"]:
        for scope, column, kind in catalogue[source]:
            rows[(source, scope, "column", column)] = {"description": _column_description(kind)}
        for name, description in declared_checks(source).items():
            if name in spec()["column_check_names"]:
                continue
            rows[(source, "", "rule", name)] = {"description": description}
    counts: dict[tuple[str, str, str, str], dict[str, int]] = {}
    rules_of = {source: set(reader_check_names(source)) for source in catalogue}
    # findings alike in what classifies them are classified once (in order of first finding)
    keys = [k for k in FINDING_KEYS if k in findings.columns]
    alike = findings.groupby(keys, dropna=False, sort=False).size()
    for values, number in alike.items():
        finding = dict(zip(keys, values if isinstance(values, tuple) else (values,), strict=True))
        source = str(finding["source"])
        columns = catalogue.get(source, [])
        key = (source, *_classify(source, finding, columns, rules_of.get(source, set())))
        if key not in rows:  # a finding of a check the catalogue could not name
            rows[key] = {"description": _description(key[3])}
        tally = counts.setdefault(key, {ERROR: 0, WARNING: 0})
        tally[str(finding["severity"])] = tally.get(str(finding["severity"]), 0) + int(number)
    records = []
    for (source, scope, kind, check), entry in rows.items():
        tally = counts.get((source, scope, kind, check), {})
        errors, warnings = int(tally.get(ERROR, 0)), int(tally.get(WARNING, 0))
        result = (
            results["errors"] if errors else results["warnings"] if warnings else results["pass"]
        )
        records.append(
            {
                "source": source,
                "scope": scope,
                "kind": kind,
                "check": check,
                "description": entry["description"],
                "errors": errors,
                "warnings": warnings,
                "result": result,
            }
        )
    return pd.DataFrame(records, columns=CHECK_COLUMNS)


def ledger_summary(ledger: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(rows read/used/excluded per source, file, sheet and step; exclusions by reason)."""
    ledger = ledger.copy()
    for column in ("sheet", "reason"):
        ledger[column] = ledger[column].fillna("")
    if not len(ledger):
        empty = pd.DataFrame(
            columns=["source", "file", "sheet", "unit", "step", "read", "used", "excluded"]
        )
        return empty.assign(balanced=pd.Series(dtype=bool)), pd.DataFrame(
            columns=["source", "file", "sheet", "step", "reason", "rows"]
        )
    balance = ledger_balance(ledger).sort_values(["source", "file", "sheet", "step"], kind="stable")
    excluded = (
        ledger.loc[ledger["outcome"] == "excluded"]
        .groupby(["source", "file", "sheet", "step", "reason"], sort=True)["rows"]
        .sum()
        .reset_index()
    )
    return balance.reset_index(drop=True), excluded


def build_report(findings: pd.DataFrame, ledger: pd.DataFrame) -> dict:
    """The report's content as plain data (what the JSON holds)."""
    checks = check_results(findings)
    balance, excluded = ledger_summary(ledger)
    sources = {}
    for source, label in ((s, e["label"]) for s, e in spec()["sources"].items()):
        part = checks[checks["source"] == source]
        rows = balance[(balance["source"] == source) & (balance["step"] == "read")]
        sources[source] = {
            "label": label,
            "checks": int(len(part)),
            "passed": int((part["result"] == spec()["results"]["pass"]).sum()),
            "with_warnings": int((part["result"] == spec()["results"]["warnings"]).sum()),
            "with_errors": int((part["errors"] > 0).sum()),
            "errors": int(part["errors"].sum()),
            "warnings": int(part["warnings"].sum()),
            "rows_read": int(rows["read"].sum()),
            "rows_used": int(rows["used"].sum()),
            "rows_excluded": int(rows["excluded"].sum()),
        }
    return {
        "sources": sources,
        "checks": checks.to_dict("records"),
        "ledger": [
            {k: (bool(v) if k == "balanced" else v) for k, v in r.items()}
            for r in balance.to_dict("records")
        ],
        "exclusions": excluded.to_dict("records"),
        "all_balanced": bool(balance["balanced"].all()) if len(balance) else True,
        "errors": int(checks["errors"].sum()),
        "warnings": int(checks["warnings"].sum()),
    }


def _table(frame: pd.DataFrame, columns: list[str]) -> list[str]:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for record in frame[columns].itertuples(index=False):
        cells = [str(v).replace("|", "\\|") for v in record]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def render_markdown(report: dict) -> str:
    """The human-readable report."""
    lines = [
        "# Validation report",
        "",
        f"Checks run on every raw source: {report['errors']} error(s), "
        f"{report['warnings']} warning(s). Ledger balanced (rows read = used + excluded): "
        f"{'yes' if report['all_balanced'] else 'NO'}.",
        "",
        "## Summary by source",
        "",
    ]
    summary = pd.DataFrame(
        [{"source": v["label"], **v} for v in report["sources"].values()]
    ).rename(columns={"source": "Source"})
    lines += _table(
        summary,
        [
            "Source",
            "checks",
            "passed",
            "with_warnings",
            "with_errors",
            "rows_read",
            "rows_used",
            "rows_excluded",
        ],
    )
    checks = pd.DataFrame(report["checks"], columns=CHECK_COLUMNS)
    for source, entry in report["sources"].items():
        lines += ["", f"## {entry['label']}: checks", ""]
        lines += _table(
            checks[checks["source"] == source],
            ["scope", "kind", "check", "description", "result", "errors", "warnings"],
        )
    lines += ["", "## Ledger: rows read, used and excluded", ""]
    ledger = pd.DataFrame(report["ledger"])
    if len(ledger):
        lines += _table(
            ledger, ["source", "file", "sheet", "step", "read", "used", "excluded", "balanced"]
        )
    exclusions = pd.DataFrame(report["exclusions"])
    if len(exclusions):
        lines += ["", "## Exclusions by reason", ""]
        lines += _table(exclusions, ["source", "file", "sheet", "step", "reason", "rows"])
    return "\n".join(lines) + "\n"


def write_validation_report(findings_csv, ledger_csv, out_markdown, out_json) -> dict:
    """Read the merged data-quality log and ledger; write the Markdown and JSON reports."""
    from evaluation.core.findings import write_json

    findings = pd.read_csv(findings_csv, dtype=str, keep_default_na=False).replace("", None)
    ledger = pd.read_csv(ledger_csv, keep_default_na=False)
    ledger["rows"] = ledger["rows"].astype(int)
    report = build_report(findings, ledger)
    Path(out_markdown).parent.mkdir(parents=True, exist_ok=True)
    Path(out_markdown).write_text(render_markdown(report), encoding="utf-8")
    write_json(report, out_json)
    return report
