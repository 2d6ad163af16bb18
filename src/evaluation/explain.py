"""``evaluation explain``: the records behind one cell of a published table or one key fact.

For reviewers with access to the raw data. It reads the run's processed data
(``data/processed/``), never the raw files again, and publishes nothing: its
output names case ids, files and rows, so it is printed (or written with
``--csv`` where the reviewer chooses), never into ``report/`` or ``figures/``.

Each explanation lists the records the cell counts (the numerator), each with
its id and where it came from (file, sheet, Excel row or CSV line), the
derivation applied (the variable or band, the base, the cut-off), and the
numerator and denominator. Covered: every published table of both example
studies: the case tracker's tables (bases, children, multi-response needs,
open cases by month) and key facts, the surveys' item, missing-answer,
rating, WAI and paired-change tables, the practitioners' tables, the diary's
staff time, the register's declared tables, and the qualitative tables
(theme matrix, theme lists, agreement, quotes, joint display; segment ids,
never excerpts). A table without a row column names its cells by its own
keys (``STATISTICS_TABLES``). A table it does not know is refused, saying so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from evaluation.core import codebook

TOTAL = "Total"
NOTICE = (
    "For people with access to the raw data: the records below identify cases. "
    "Do not publish this output."
)


class CannotExplain(ValueError):
    """The cell or fact is not one the run published, or not one explain covers."""


@dataclass
class Explanation:
    """The records one cell counts, with how the cell was derived."""

    what: str
    derivation: list[str]
    records: pd.DataFrame  # id, file, sheet, row, value
    numerator: int
    denominator: int | None = None
    notes: list[str] = field(default_factory=list)

    def text(self) -> str:
        lines = [NOTICE, "", self.what, ""]
        lines += [f"  {step}" for step in self.derivation]
        base = f" of {self.denominator}" if self.denominator is not None else ""
        lines += ["", f"Numerator: {self.numerator}{base} (records listed: {len(self.records)})"]
        lines += [f"  {note}" for note in self.notes]
        lines.append("")
        for record in self.records.itertuples(index=False):
            sheet = f", sheet {record.sheet}" if record.sheet else ""
            lines.append(f"  {record.id}: {record.file}{sheet}, row {record.row}: {record.value}")
        return "\n".join(lines) + "\n"


def _processed(study: Path, name: str) -> pd.DataFrame:
    path = study / "data" / "processed" / name
    if not path.exists():
        raise CannotExplain(f"{path} does not exist: run snakemake in {study} first")
    return pd.read_parquet(path)


def _published(study: Path, table_id: str) -> pd.DataFrame:
    path = study / "report" / "tables" / f"{table_id}.csv"
    if not path.exists():
        raise CannotExplain(f"no published table {table_id!r} in {study / 'report' / 'tables'}")
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _published_cell(study: Path, table_id: str, row: str, column: str, item: str = "") -> dict:
    table = _published(study, table_id)
    if not {"row", "column", "n"} <= set(table.columns):
        raise CannotExplain(
            f"{table_id} is a table of statistics or texts, not of counts: explain lists the "
            "records behind count cells (row, column, n)"
        )
    match = (table["row"] == row) & (table["column"] == column)
    if item and "item" in table.columns:
        match &= table["item"] == item
    found = table[match]
    if found.empty:
        rows = ", ".join(dict.fromkeys(table["row"]))
        columns = ", ".join(dict.fromkeys(table["column"]))
        raise CannotExplain(
            f"{table_id} has no cell row {row!r}, column {column!r}; rows: {rows}; "
            f"columns: {columns}"
        )
    return found.iloc[0].to_dict()


def explain_cell(
    study: str | Path, table_id: str, row: str, column: str, item: str = ""
) -> Explanation:
    """The records behind one published cell of ``table_id``."""
    study = Path(study)
    if table_id in STATISTICS_TABLES:
        return STATISTICS_TABLES[table_id](study, row, column)
    published = _published_cell(study, table_id, row, column, item)
    specs = codebook.all_table_specs()
    spec = specs.get(table_id, {})
    parts = codebook.load_codebook()
    if "register" in parts and table_id in (parts["register"].get("tables") or {}):
        explanation = _register_cell(study, table_id, row, column)
    elif table_id == "theme_matrix":
        explanation = _theme_cell(study, row, column)
    elif spec.get("theme_list"):
        explanation = _theme_cell(study, row, None)
    elif table_id == "mothers_missing":
        explanation = _mothers_missing_cell(study, spec, item, row, column)
    elif table_id == "caseload_by_month":
        explanation = _caseload_cell(study, spec, row, column)
    elif table_id == "wai_completion":
        explanation = _wai_completion_cell(study, spec, row, column)
    elif item and _is_mothers_item(study, item):
        explanation = _mothers_item_cell(study, spec, item, row, column)
    elif item:
        explanation = _practitioner_item_cell(study, spec, item, row, column)
    elif table_id in _practitioner_category_tables():
        item = _practitioner_category_tables()[table_id]
        explanation = _practitioner_item_cell(study, spec, item, row, column)
    elif spec.get("unit") == "need":
        explanation = _needs_cell(study, spec, row, column)
    elif spec.get("variable"):
        explanation = _case_tracker_cell(study, spec, row, column)
    else:
        raise CannotExplain(
            f"explain does not cover {table_id!r} yet; it covers the case tracker's tables, "
            "its key facts, the register's tables, theme_matrix and theme lists"
        )
    shown = published.get("n", "")
    if shown == "":
        explanation.notes.append("the published cell is suppressed; the records are listed here")
    elif int(float(shown)) != explanation.numerator:
        raise CannotExplain(
            f"{table_id} row {row!r} column {column!r}: the published n is {shown} but the "
            f"processed data give {explanation.numerator}; the outputs are older than the data "
            "(run snakemake again)"
        )
    return explanation


def _records(
    frame: pd.DataFrame,
    *,
    id_column: str,
    value,
    sheet: str = "",
    file_column: str = "source_file",
    row_column: str = "source_row",
) -> pd.DataFrame:
    """The listed records: id, file, sheet, row and the value counted (a column or a Series)."""
    values = frame[value] if isinstance(value, str) else value
    return pd.DataFrame(
        {
            "id": frame[id_column].astype(str).to_list(),
            "file": frame[file_column].astype(str).to_list(),
            "sheet": sheet,
            "row": frame[row_column].astype(int).to_list(),
            "value": values.astype(str).to_list(),
        }
    )


def _is_mothers_item(study: Path, item: str) -> bool:
    path = study / "data" / "processed" / "surveys" / "mothers_answers.parquet"
    return path.exists() and item in set(pd.read_parquet(path, columns=["item"])["item"])


def _mothers_item_cell(study: Path, spec: dict, item: str, row: str, column: str) -> Explanation:
    answers = _processed(study, "surveys/mothers_answers.parquet")
    answers = answers[(answers["item"] == item) & (answers["wave"] == column)]
    valid = answers[answers["status"] == "valid"]
    chosen = answers[answers["collapsed"] == row]
    if chosen.empty:  # tables of the answers themselves (missing codes, satisfaction labels)
        chosen = answers[answers["label"] == row]
    records = _records(
        chosen,
        id_column="case_id",
        value=(chosen["label"].astype(str) + " (code " + chosen["code"].astype(str) + ")"),
    )
    counted = "" if row in set(valid["collapsed"]) else " (shown, outside the denominator)"
    return Explanation(
        what=f"{spec.get('title', item)}: item {item!r}, row {row!r}, wave {column!r}",
        derivation=[
            f"the wave {column} questionnaires returned by the cut-off, answer to {item}",
            f"row: the answer's category collapsed to {row!r}{counted}",
            "denominator: the item's valid answers in the wave (missing codes excluded)",
        ],
        records=records,
        numerator=len(chosen),
        denominator=len(valid),
    )


def _practitioner_category_tables() -> dict[str, str]:
    """Table id -> the practitioners' column it counts (``category_tables`` of their codebook)."""
    return dict(
        (codebook.load_codebook().get("practitioner_survey") or {}).get("category_tables") or {}
    )


def _collapsed_labels(value_set: str) -> dict[str, str]:
    """Answer label -> its collapsed row, from the value set's ``collapsed`` entries."""
    try:
        entries = codebook.load_codebook_value_set_entries(value_set)
    except KeyError:
        return {}
    return {e["label"]: e["collapsed"] for e in entries if "collapsed" in e}


def _mothers_missing_cell(study: Path, spec: dict, item: str, row: str, column: str):
    answers = _processed(study, "surveys/mothers_answers.parquet")
    responses = _processed(study, "surveys/mothers_responses.parquet")
    answers = answers[(answers["item"] == item) & (answers["wave"] == column)]
    chosen = answers[answers["status"] == row]  # the reason an answer is not valid
    returned = int((responses["wave"] == column).sum())
    records = _records(
        chosen,
        id_column="case_id",
        value=(chosen["status"].astype(str) + " (code " + chosen["code"].astype(str) + ")"),
    )
    return Explanation(
        what=f"{spec.get('title', 'mothers_missing')}: item {item!r}, row {row!r}, wave {column!r}",
        derivation=[
            f"the wave {column} questionnaires returned by the cut-off",
            f"answer to {item} not valid: {row}",
            "denominator: the wave's returned questionnaires",
        ],
        records=records,
        numerator=len(chosen),
        denominator=returned,
    )


def _caseload_cell(study: Path, spec: dict, row: str, column: str) -> Explanation:
    """Mothers whose case was open in the month: first contact by its last day, not closed
    before its first day (a closure after the cut-off does not count), as the table counts."""
    mothers = _processed(study, "mothers.parquet").rename(columns={"excel_row": "source_row"})
    cut = pd.Timestamp(_cutoff(study))
    try:
        month = pd.Period(row, freq="M")
    except ValueError:
        raise CannotExplain(f"caseload_by_month rows are months (YYYY-MM), not {row!r}") from None
    first = pd.to_datetime(mothers["first_contact_date"])
    closed = pd.to_datetime(mothers["closure_date"])
    closed = closed.where(closed <= cut)
    is_open = (first <= month.end_time) & (closed.isna() | (closed >= month.start_time))
    if column != TOTAL:
        is_open &= mothers["prison"] == column
    chosen = mothers[is_open]
    shown = chosen["closure_date"].map(lambda d: "open" if pd.isna(d) else f"closed {d}")
    records = _records(
        chosen.assign(shown=shown),
        id_column="case_id",
        sheet="Baseline",
        value="shown",
    )
    return Explanation(
        what=f"{spec.get('title', 'Open cases by month')}: month {row}, column {column!r}",
        derivation=[
            f"cases with first contact on or before {month.end_time.date()}",
            f"and no closure before {month.start_time.date()} (closures after the cut-off "
            f"{cut.date()} do not count)",
        ],
        records=records,
        numerator=len(chosen),
    )


def _wai_completion_cell(study: Path, spec: dict, row: str, column: str) -> Explanation:
    responses = _processed(study, "surveys/mothers_responses.parquet")
    wave = responses[responses["wave"] == column]
    status = wave["wai_status"].astype(str)
    computed = wave["wai_total_computed"].fillna(False).astype(bool)
    answered = status == "answered"
    rows = {  # the table's rows (mothers' survey codebook, wai_completion)
        "Questionnaires returned": pd.Series(True, index=wave.index),
        "Had not met the social worker": status == "not_met",
        "Answered at least one WAI item": answered,
        "No WAI item answered": ~answered & (status != "not_met"),
        "Total score computed": answered & computed,
        "Total not computed (items skipped)": answered & ~computed,
    }
    if row not in rows:
        raise CannotExplain(f"wai_completion has no row {row!r}; rows: {', '.join(rows)}")
    matched = rows[row]
    chosen = wave[matched]
    records = _records(chosen, id_column="case_id", value="wai_status")
    return Explanation(
        what=f"{spec.get('title', 'wai_completion')}: row {row!r}, wave {column!r}",
        derivation=[f"the wave {column} questionnaires returned by the cut-off", f"row: {row}"],
        records=records,
        numerator=len(chosen),
        denominator=len(wave),
    )


def _practitioner_item_cell(
    study: Path, spec: dict, item: str, row: str, column: str
) -> Explanation:
    answers = _processed(study, "surveys/practitioner_answers.parquet")
    answers = answers[(answers["item"] == item) & (answers["wave"] == column)]
    collapsed = (
        answers["answer"].map(_collapsed_labels("practitioner_agreement")).fillna(answers["answer"])
    )
    chosen = answers[(answers["answer"] == row) | (collapsed == row)]
    records = _records(chosen, id_column="response_id", value="answer")
    return Explanation(
        what=f"{spec.get('title', item)}: item {item!r}, row {row!r}, wave {column!r}",
        derivation=[f"the wave {column} responses at the cut-off, answer to {item} is {row!r}"],
        records=records,
        numerator=len(chosen),
        denominator=len(answers),
    )


def _case_tracker_cell(study: Path, spec: dict, row: str, column: str) -> Explanation:
    unit = spec.get("unit", "mother")
    mothers = _processed(study, "mothers.parquet").rename(columns={"excel_row": "source_row"})
    if unit == "child":
        children = _processed(study, "children.parquet").rename(columns={"excel_row": "source_row"})
        files = mothers.set_index("case_id")["source_file"]
        frame = children.assign(source_file=children["case_id"].map(files))
        frame["id"] = frame["case_id"].astype(str) + "/" + frame["child_ref"].astype(str)
        sheet = "Children"
    else:
        frame = mothers.assign(id=mothers["case_id"])
        sheet = "Baseline"
    variable = spec["variable"]
    derivation = [f"variable: {variable} of each {unit} included at the cut-off"]
    if spec.get("base"):
        frame = frame.query(spec["base"], engine="python")
        derivation.append(f"base: {spec.get('base_description', spec['base'])}")
    if column != TOTAL:
        frame = frame[frame["prison"] == column]
        derivation.append(f"column: {unit}s of {column}")
    base = len(frame)
    label = codebook.missing_label()
    values = frame[variable].astype(object).where(frame[variable].notna(), label).astype(str)
    chosen = frame[values == row].assign(shown=values[values == row])
    derivation.append(f"row: {variable} is {row!r}")
    records = _records(chosen, id_column="id", sheet=sheet, value="shown")
    return Explanation(
        what=f"{spec.get('title', variable)}: row {row!r}, column {column!r}",
        derivation=derivation,
        records=records.sort_values(["file", "row"], kind="stable").reset_index(drop=True),
        numerator=len(chosen),
        denominator=base,
    )


def _needs_cell(study: Path, spec: dict, row: str, column: str) -> Explanation:
    mothers = _processed(study, "mothers.parquet")
    needs = _processed(study, "needs.parquet").rename(columns={"excel_row": "source_row"})
    files = mothers.set_index("case_id")["source_file"]
    needs = needs[needs["case_id"].isin(set(mothers["case_id"]))]
    needs = needs[needs["source"] == spec["need_source"]]
    base_mothers = mothers if column == TOTAL else mothers[mothers["prison"] == column]
    if column != TOTAL:
        needs = needs[needs["prison"] == column]
    chosen = needs[needs["need"] == row].drop_duplicates("case_id")
    chosen = chosen.assign(source_file=chosen["case_id"].map(files))
    records = _records(
        chosen,
        id_column="case_id",
        sheet="Triage coding",
        value="need",
    )
    return Explanation(
        what=f"{spec.get('title')}: row {row!r}, column {column!r}",
        derivation=[
            f"needs identified by: {spec['need_source']} (multi-response: one row per need)",
            f"base: every mother of the column at the cut-off ({len(base_mothers)})",
            f"row: the need {row!r}",
        ],
        records=records.sort_values(["file", "row"], kind="stable").reset_index(drop=True),
        numerator=len(chosen),
        denominator=len(base_mothers),
    )


def _register_cell(study: Path, table_id: str, row: str, column: str) -> Explanation:
    import datetime as dt

    from evaluation.core.findings import FindingLog, Ledger
    from evaluation.core.stage import StageResult
    from evaluation.strands.register.cutoff import register_at_cutoff
    from evaluation.strands.register.spec import register_spec
    from evaluation.strands.register.tables import _records as records_of
    from evaluation.strands.register.tables import selected

    spec = register_spec()
    table = spec.tables[table_id]
    frames = {name: _processed(study, f"register/{name}.parquet") for name in spec.record_sets}
    cutoff = dt.date.fromisoformat(_cutoff(study))
    at_cut = register_at_cutoff(
        StageResult(frames=frames, findings=FindingLog("register"), ledger=Ledger()), cutoff, spec
    ).frames
    derivation = [f"the register at the cut-off {cutoff.isoformat()}"]
    if table["kind"] == "count_list":
        entry = next((e for e in table["rows"] if e["label"] == row), None)
        if entry is None:
            raise CannotExplain(f"{table_id} has no row {row!r}")
        name = entry["record_set"]
        chosen = selected(records_of(at_cut, entry), entry.get("where"))
        derivation.append(f"records of {name} where {entry.get('where') or 'any'}")
    else:
        name = table["record_set"]
        chosen = selected(at_cut[name], table.get("where"))
        row_column = table["rows"]
        if row != table.get("total_row"):
            chosen = chosen[chosen[row_column].map(lambda v: row in _as_list(v))]
            derivation.append(f"{row_column} is {row!r}")
        if table["kind"] == "crosstab" and column != table.get("margin"):
            chosen = chosen[chosen[table["columns"]] == column]
            derivation.append(f"{table['columns']} is {column!r}")
    record_set = spec.record_sets[name]
    key = record_set.key or "source_row"
    rows_column = table.get("rows") if isinstance(table.get("rows"), str) else None
    shown = chosen[rows_column] if rows_column in chosen.columns else chosen[key]
    records = _records(
        chosen,
        id_column=key,
        sheet=record_set.sheet or "",
        value=shown.map(lambda v: "; ".join(map(str, _as_list(v)))),
    )
    return Explanation(
        what=f"{table.get('title', table_id)}: row {row!r}, column {column!r}",
        derivation=derivation,
        records=records,
        numerator=len(chosen),
    )


def _cutoff(study: Path) -> str:
    """The run's cut-off date, as its manifest records it."""
    import json

    manifest = study / "report" / "build" / "manifest.json"
    if not manifest.exists():
        raise CannotExplain(f"{manifest} does not exist: run snakemake in {study} first")
    return str(json.loads(manifest.read_text(encoding="utf-8"))["cutoff_date"])


def _as_list(value) -> list:
    import numpy as np

    if isinstance(value, list | tuple | np.ndarray):
        return list(value)
    return [value]


def _theme_cell(study: Path, row: str, column: str | None) -> Explanation:
    """A theme's participants in one group (``column``), or in every group (a theme list)."""
    import datetime as dt
    import json

    segments = _processed(study, "qualitative/segments.parquet")
    participants = _processed(study, "qualitative/participants.parquet")
    themes = _processed(study, "qualitative/themes.parquet")
    theme = themes.loc[themes["label"] == row, "theme"]
    if theme.empty:
        raise CannotExplain(f"theme_matrix has no theme {row!r}")
    context = study / "report" / "build" / "context" / "qualitative.json"
    primary = json.loads(context.read_text(encoding="utf-8"))["primary_coder"]
    cutoff = dt.date.fromisoformat(_cutoff(study))
    dates = pd.to_datetime(participants["interview_date"]).dt.date
    at_cut = participants[dates <= cutoff]
    groups = at_cut.set_index("participant_id")["group"]
    chosen = segments[(segments["theme"] == theme.iloc[0]) & (segments["coder"] == primary)]
    in_run = chosen["participant_id"].map(groups)
    chosen = chosen[in_run.notna() if column is None else in_run == column]
    first = chosen.drop_duplicates("participant_id")
    records = _records(
        first,
        id_column="participant_id",
        file_column="file",
        row_column="line",
        value="segment " + first["segment_id"].astype(str),
    )
    who = "every group" if column is None else f"group {column!r}"
    return Explanation(
        what=f"Participants raising theme {row!r}, {who}",
        derivation=[
            f"participants of {who} interviewed by the cut-off {cutoff.isoformat()}",
            f"with a segment the primary coder ({primary}) gave theme {theme.iloc[0]!r}",
            "one record per participant (the first such segment shown; no excerpt is printed)",
        ],
        records=records,
        numerator=len(first),
        denominator=int(len(groups) if column is None else (groups == column).sum()),
    )


def explain_fact(study: str | Path, fact: str, column: str = TOTAL) -> Explanation:
    """The records behind one key fact (the case tracker's ``key_facts``)."""
    study = Path(study)
    specs = codebook.all_key_fact_specs()
    if fact not in specs or "numerator" not in specs[fact]:
        known = ", ".join(sorted(f for f, s in specs.items() if "numerator" in s))
        raise CannotExplain(f"no key fact {fact!r} explain covers; key facts: {known}")
    spec = specs[fact]
    mothers = _processed(study, "mothers.parquet").rename(columns={"excel_row": "source_row"})
    derivation = ["mothers included at the cut-off"]
    if column != TOTAL:
        mothers = mothers[mothers["prison"] == column]
        derivation.append(f"column: mothers of {column}")
    if spec.get("base"):
        mothers = mothers.query(spec["base"], engine="python")
        derivation.append(f"base: {spec['base']}")
    chosen = mothers.query(spec["numerator"], engine="python")
    derivation.append(f"numerator: {spec['numerator']}")
    records = _records(
        chosen.assign(shown=spec["numerator"]),
        id_column="case_id",
        sheet="Baseline",
        value="shown",
    )
    return Explanation(
        what=f"{spec.get('label', fact)} ({column})",
        derivation=derivation,
        records=records,
        numerator=len(chosen),
        denominator=len(mothers),
    )


# ----------------------------------------------------------------------------
# Tables of statistics and texts: the records each row is computed from. Their
# cells are named by the table's own keys (an item or theme in place of ROW).


def _published_row(study: Path, table_id: str, **keys: str) -> dict:
    table = _published(study, table_id)
    match = pd.Series(True, index=table.index)
    for name, value in keys.items():
        match &= table[name] == value
    found = table[match]
    if found.empty:
        wanted = ", ".join(f"{k} {v!r}" for k, v in keys.items())
        raise CannotExplain(f"{table_id} has no row with {wanted}")
    return found.iloc[0].to_dict()


def _check(table_id: str, field_name: str, published: dict, counted: int) -> None:
    shown = published.get(field_name, "")
    if shown != "" and int(float(shown)) != counted:
        raise CannotExplain(
            f"{table_id}: the published {field_name} is {shown} but the processed data give "
            f"{counted}; the outputs are older than the data (run snakemake again)"
        )


def _activity_entries(study: Path, column: str) -> pd.DataFrame:
    import json

    entries = _processed(study, "activity/activity_log.parquet")
    entries = entries[pd.to_datetime(entries["date"]) <= pd.Timestamp(_cutoff(study))]
    if column != TOTAL:
        entries = entries[entries["prison"] == column]
    manifest = json.loads((study / "report" / "build" / "manifest.json").read_text())
    return entries.assign(source_file=manifest["config"]["activity"]["log"])


def _entry_records(entries: pd.DataFrame) -> pd.DataFrame:
    sheet = (codebook.load_codebook().get("activity") or {}).get("sheet", "")
    day = entries["date"].astype(str).str[:10]
    return _records(
        entries.assign(entry=entries["case_id"].fillna("-").astype(str) + " " + day),
        id_column="entry",
        sheet=sheet,
        row_column="excel_row",
        value=entries["activity"].astype(str) + ", " + entries["minutes"].astype(str) + " min",
    )


def _activity_minutes(study: Path, row: str, column: str) -> Explanation:
    published = _published_row(study, "activity_minutes", row=row, column=column)
    entries = _activity_entries(study, column)
    chosen = entries[entries["activity"] == row]
    minutes = int(chosen["minutes"].sum())
    _check("activity_minutes", "entries", published, len(chosen))
    _check("activity_minutes", "minutes", published, minutes)
    return Explanation(
        what=f"Staff time by activity: {row!r}, {column!r}",
        derivation=["diary entries dated on or before the cut-off", f"activity {row!r}"],
        records=_entry_records(chosen),
        numerator=minutes,
        denominator=int(entries["minutes"].sum()),
        notes=[f"{len(chosen)} diary entries; numerator and denominator are minutes (staff time)"],
    )


def _activity_hours(study: Path, row: str, column: str) -> Explanation:
    published = _published_row(study, "activity_hours_by_month", row=row, column=column)
    entries = _activity_entries(study, column)
    month = pd.to_datetime(entries["date"]).dt.to_period("M").astype(str)
    chosen = entries[month == row]
    _check("activity_hours_by_month", "entries", published, len(chosen))
    return Explanation(
        what=f"Staff time by month: {row}, {column!r}",
        derivation=["diary entries dated on or before the cut-off", f"dated in {row}"],
        records=_entry_records(chosen),
        numerator=len(chosen),
        notes=[f"{int(chosen['minutes'].sum())} minutes in all"],
    )


def _valid_answers(study: Path, item: str, wave: str) -> pd.DataFrame:
    answers = _processed(study, "surveys/mothers_answers.parquet")
    return answers[
        (answers["item"] == item) & (answers["wave"] == wave) & (answers["status"] == "valid")
    ]


def _answer_records(answers: pd.DataFrame) -> pd.DataFrame:
    return _records(answers, id_column="case_id", value="code " + answers["code"].astype(str))


def _mothers_ratings(study: Path, item: str, wave: str) -> Explanation:
    """ROW is the rated item (the table has no row column), COLUMN the wave."""
    published = _published_row(study, "mothers_ratings", item=item, column=wave)
    valid = _valid_answers(study, item, wave)
    _check("mothers_ratings", "n", published, len(valid))
    return Explanation(
        what=f"Ratings: item {item!r}, wave {wave!r}",
        derivation=[f"the wave {wave} questionnaires' valid answers to {item}"],
        records=_answer_records(valid),
        numerator=len(valid),
        notes=[
            f"published mean {published['mean']}, sd {published['sd']}, median {published['median']}"
        ],
    )


def _wai_scores(study: Path, row: str, wave: str) -> Explanation:
    published = _published_row(study, "wai_scores", row=row, column=wave)
    responses = _processed(study, "surveys/mothers_responses.parquet")
    column = {"Total": "wai_total", "Goal": "wai_goal", "Task": "wai_task", "Bond": "wai_bond"}
    if row not in column:
        raise CannotExplain(f"wai_scores has no row {row!r}; rows: {', '.join(column)}")
    score = column[row]
    scored = responses[(responses["wave"] == wave) & responses[score].notna()]
    _check("wai_scores", "n", published, len(scored))
    values = scored[score].astype(str)
    records = _records(scored, id_column="case_id", value=values)
    return Explanation(
        what=f"WAI-SR {row} scores, wave {wave!r}",
        derivation=[f"the wave {wave} questionnaires with a computed {row} score (WAI-SR rule)"],
        records=records,
        numerator=len(scored),
        notes=[
            f"published mean {published['mean']}, sd {published['sd']}, median {published['median']}"
        ],
    )


def _paired_change(study: Path, item: str, comparison: str) -> Explanation:
    """ROW is the item, COLUMN the comparison (e.g. T1-T2): mothers answering in both waves."""
    published = _published_row(study, "mothers_paired_change", item=item, comparison=comparison)
    first, later = comparison.split("-", 1)
    if item.startswith("wai_"):  # a scale score: the questionnaires with the score computed
        responses = _processed(study, "surveys/mothers_responses.parquet")
        scored = responses[responses[item].notna()].rename(columns={item: "code"})
        a = scored[scored["wave"] == first].set_index("case_id")
        b = scored[scored["wave"] == later].set_index("case_id")
    else:
        a = _valid_answers(study, item, first).set_index("case_id")
        b = _valid_answers(study, item, later).set_index("case_id")
    both = sorted(set(a.index) & set(b.index))
    records = pd.DataFrame(
        {
            "id": both,
            "file": [f"{a.at[c, 'source_file']} and {b.at[c, 'source_file']}" for c in both],
            "sheet": "",
            "row": [int(b.at[c, "source_row"]) for c in both],
            "value": [f"{a.at[c, 'code']} -> {b.at[c, 'code']}" for c in both],
        }
    )
    _check("mothers_paired_change", "pairs", published, len(both))
    return Explanation(
        what=f"Paired change: item {item!r}, {comparison}",
        derivation=[f"mothers with a valid answer to {item} in both {first} and {later}"],
        records=records,
        numerator=len(both),
        notes=[
            "row is the later wave's case; codes shown first -> later",
            f"published: {published.get('method', '')}, p = {published.get('p_value', '')}",
        ],
    )


def _segment_records(segments: pd.DataFrame) -> pd.DataFrame:
    return _records(
        segments,
        id_column="segment_id",
        file_column="file",
        row_column="line",
        value=segments["participant_id"].astype(str) + ", coder " + segments["coder"].astype(str),
    )


def _intercoder(study: Path, theme_label: str, _column: str) -> Explanation:
    """ROW is the theme's label (or the overall row's label); COLUMN is not used."""
    published = _published_row(study, "intercoder_agreement", theme=theme_label)
    segments = _processed(study, "qualitative/segments.parquet")
    coders = segments.groupby("segment_id")["coder"].nunique()
    double = segments[segments["segment_id"].isin(coders[coders >= 2].index)]
    themes = _processed(study, "qualitative/themes.parquet")
    theme = themes.loc[themes["label"] == theme_label, "theme"]
    shown = double.drop_duplicates("segment_id")
    if not theme.empty:
        either = double[double["theme"] == theme.iloc[0]]["segment_id"]
        shown = shown[shown["segment_id"].isin(set(either))]
    _check(
        "intercoder_agreement", "double_coded_segments", published, double["segment_id"].nunique()
    )
    return Explanation(
        what=f"Intercoder agreement: {theme_label!r}",
        derivation=[
            "segments coded by both coders (every theme's agreement is over all of them)",
            "listed: the double-coded segments either coder gave this theme",
        ],
        records=_segment_records(shown),
        numerator=int(double["segment_id"].nunique()),
        notes=[
            f"published agreement {published.get('agreement')}%, kappa {published.get('kappa')}"
        ],
    )


def _quote_bank(study: Path, theme_label: str, _column: str) -> Explanation:
    """ROW is the theme's label: the quotes published for it, traced to their coded segments."""
    quotes = _published(study, "quote_bank")
    quotes = quotes[quotes["theme"] == theme_label]
    if quotes.empty:
        raise CannotExplain(f"quote_bank has no quotes for theme {theme_label!r}")
    segments = _processed(study, "qualitative/segments.parquet").drop_duplicates("segment_id")
    chosen = segments[segments["segment_id"].isin(set(quotes["segment_id"]))]
    return Explanation(
        what=f"Quotes for theme {theme_label!r}",
        derivation=["exemplar segments of the primary coder, pseudonymised and checked"],
        records=_segment_records(chosen),
        numerator=len(chosen),
    )


def _joint_display(study: Path, question: str, _column: str) -> Explanation:
    """ROW is the research question: each linked theme's participants (as theme lists count)."""
    row = _published_row(study, "joint_display", research_question=question)
    themes = _processed(study, "qualitative/themes.parquet")
    labels = {label for label in themes["label"] if label and label in str(row.get("themes", ""))}
    parts = [_theme_cell(study, label, None) for label in sorted(labels)]
    records = (
        pd.concat([p.records for p in parts], ignore_index=True)
        if parts
        else pd.DataFrame(columns=["id", "file", "sheet", "row", "value"])
    )
    return Explanation(
        what=f"Joint display: {question}",
        derivation=[
            f"linked tables: {row.get('quantitative', '')}",
            "each linked theme's participants",
        ],
        records=records,
        numerator=len(records),
        notes=[f"{p.what}: {p.numerator} of {p.denominator}" for p in parts],
    )


def _statements(study: Path, item: str, wave: str) -> Explanation:
    """ROW is the statement's item: the responses that answered it."""
    _published_row(study, "practitioner_statements", item=item, column=wave)
    answers = _processed(study, "surveys/practitioner_answers.parquet")
    chosen = answers[(answers["item"] == item) & (answers["wave"] == wave)]
    records = _records(chosen, id_column="response_id", value="answer")
    return Explanation(
        what=f"Statement {item!r}, wave {wave!r}",
        derivation=["the complete responses at the cut-off that answered the statement"],
        records=records,
        numerator=len(chosen),
    )


#: Tables without count cells, explained by their own keys: table -> function(study, ROW, COLUMN).
STATISTICS_TABLES = {
    "activity_minutes": _activity_minutes,
    "activity_hours_by_month": _activity_hours,
    "mothers_ratings": _mothers_ratings,
    "wai_scores": _wai_scores,
    "mothers_paired_change": _paired_change,
    "intercoder_agreement": _intercoder,
    "quote_bank": _quote_bank,
    "joint_display": _joint_display,
    "practitioner_statements": _statements,
}


def write_csv(explanation: Explanation, path: str | Path) -> None:
    """The records as CSV, for a reviewer's own folder (never under report/ or figures/)."""
    path = Path(path).resolve()
    for forbidden in ("report", "figures"):
        if forbidden in path.parts[-3:-1]:
            raise CannotExplain(f"{path}: explain never writes into {forbidden}/")
    explanation.records.to_csv(path, index=False)
