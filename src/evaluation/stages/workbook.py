"""Rule entry point of the tables workbook: every published table in one spreadsheet."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from evaluation.core import codebook
from evaluation.core.formatting import SUPPRESSED, and_list
from evaluation.report.workbook import (
    NOT_APPLICABLE,
    Cover,
    Note,
    SheetTable,
    sheet_names,
    typed_cells,
    with_label_column,
)

#: The table that publishes the practitioner survey's statements (item, column = wave, statement).
STATEMENTS_TABLE = "practitioner_statements"
#: Where a configured strand's evidence is named in the codebook (validation.yaml ``sources:``).
STRAND_SOURCES = {
    "case_tracker": ["case_tracker"],
    "register": ["register"],
    "surveys": ["mothers_survey", "practitioner_survey"],
    "qualitative": ["qualitative"],
    "activity": ["activity"],
}
SURVEY_OF_SOURCE = {"mothers_survey": "mothers", "practitioner_survey": "practitioners"}


def read_text_table(path: str | Path) -> tuple[list[str], list[list[str]]]:
    """A published CSV as text: its header and rows, every cell exactly as written."""
    with open(path, encoding="utf-8", newline="") as file:
        lines = list(csv.reader(file))
    if not lines:
        raise ValueError(f"{path}: the table has no header row")
    return lines[0], lines[1:]


def evidence_sources(strands, case_trackers, surveys) -> list[str]:
    """One line per source of the study's evidence, labelled as its codebook names it."""
    labels = {
        name: (entry or {}).get("label", name.replace("_", " ").capitalize())
        for name, entry in (
            (codebook.load_codebook().get("validation") or {}).get("sources") or {}
        ).items()
    }
    lines = []
    for strand in strands:
        for source in STRAND_SOURCES.get(strand, [strand]):
            label = labels.get(source, source.replace("_", " ").capitalize())
            if source == "case_tracker":
                lines.append(f"{label}: {and_list(case_trackers)}")
            elif source in SURVEY_OF_SOURCE:
                waves = list(
                    ((surveys or {}).get(SURVEY_OF_SOURCE[source]) or {}).get("waves") or {}
                )
                if waves:
                    word = "wave" if len(waves) == 1 else "waves"
                    lines.append(f"{label}: {word} {and_list(waves)}")
            else:
                lines.append(label)
    return lines


def disclosure_entries(input, disclosure: dict) -> dict:
    """The run's disclosure log: the one file with ``min_cell`` set, else the publish jobs' parts."""
    from evaluation.stages.report import merge_disclosure_log

    if input.get("disclosure_parts"):
        return merge_disclosure_log(input.disclosure_parts, disclosure)
    return json.loads(Path(input.disclosure_log).read_text(encoding="utf-8"))


def disclosure_sentence(log: dict) -> str:
    """What disclosure control did to this release, in one sentence (cover and notes)."""
    if log.get("min_cell") is None:
        return (
            "No cell is suppressed in this release (no minimum cell size is set); counts from 1 "
            f"to {log['review_threshold'] - 1} are flagged in the disclosure log for review "
            "before any release."
        )
    return (
        f"No count from 1 to {log['min_cell'] - 1} can be learned from any table: such counts, "
        "and further cells chosen so that they cannot be worked out from totals, are "
        f"suppressed and shown as {SUPPRESSED}."
    )


def workbook_notes(log: dict, tables: list[SheetTable], names: list[str]) -> list[Note]:
    """The notes sheet: the shorthand, disclosure control, percentages, then each table's own notes."""
    notes = [
        Note(
            "All tables",
            f"{SUPPRESSED}: suppressed to protect confidentiality (a small count, or a cell "
            "from which one could be worked out).",
        ),
        Note(
            "All tables",
            f"{NOT_APPLICABLE}: not applicable; the cell has no value in the table as computed, "
            "for example a percentage in a row without a denominator, or a statistic that "
            "cannot be computed.",
        ),
        Note("All tables", disclosure_sentence(log)),
        Note(
            "All tables",
            "pct = 100 × n / denominator, rounded to one decimal place (halves away from "
            "zero); the denominator column gives each cell's base. Where one person can count "
            "in several rows, percentages add up to more than 100.",
        ),
    ]
    exempt = {
        entry["output"]: entry.get("reason", "")
        for entry in log.get("outputs", [])
        if entry.get("status") == "exempt"
    }
    specs = codebook.all_table_specs()
    for name, table in zip(names, tables, strict=True):
        spec = specs.get(table.table_id, {})
        if table.table_id in exempt:
            reason = exempt[table.table_id]
            notes.append(
                Note(name, "Not under disclosure control" + (f": {reason}." if reason else "."))
            )
        if spec.get("base_description"):
            notes.append(Note(name, f"Denominator: {_one_line(spec['base_description'])}."))
        if spec.get("description"):
            notes.append(Note(name, _one_line(spec["description"])))
    return notes


def _one_line(text) -> str:
    return " ".join(str(text).split())


def item_labels() -> dict[str, str]:
    """Each survey item's statement (else its short label) as the codebook's ``variables:`` give it."""
    labels = {}
    for part in codebook.load_codebook().values():
        variables = part.get("variables") if isinstance(part, dict) else None
        for name, entry in (variables or {}).items():
            if isinstance(entry, dict):
                label = entry.get("statement") or entry.get("short")
                if label:
                    labels[str(name)] = str(label)
    return labels


def labelled(table: SheetTable, statements: dict, items: dict, facts: dict) -> SheetTable:
    """``table`` with ``item_label`` after ``item`` and ``fact_label`` after ``fact`` where known."""
    if "statement" not in table.header:  # the statements table already says it
        table = with_label_column(
            table,
            "item",
            "item_label",
            lambda row: statements.get((row["item"], row.get("column"))) or items.get(row["item"]),
        )
    return with_label_column(
        table, "fact", "fact_label", lambda row: (facts.get(row["fact"]) or {}).get("label")
    )


def load_tables(published: list[str], computed: list[str]) -> list[SheetTable]:
    """The published tables, in the rule's order, typed and with their labels."""
    computed_by_id = {Path(path).stem: path for path in computed}
    specs = codebook.all_table_specs()
    tables = []
    for path in published:
        table_id = Path(path).stem
        header, rows = read_text_table(path)
        before = None
        if table_id in computed_by_id:
            computed_header, before = read_text_table(computed_by_id[table_id])
            if computed_header != header:
                raise ValueError(
                    f"{path}: columns {header} differ from the computed table's {computed_header}"
                )
        title = specs.get(table_id, {}).get("title", table_id.replace("_", " ").capitalize())
        tables.append(
            SheetTable(
                table_id, str(title), tuple(header), typed_cells(table_id, header, rows, before)
            )
        )
    statements = {}
    for table in tables:
        if table.table_id == STATEMENTS_TABLE and {"item", "column", "statement"} <= set(
            table.header
        ):
            for row in table.rows:
                values = dict(zip(table.header, row, strict=True))
                statements[values["item"], values["column"]] = values["statement"]
    items, facts = item_labels(), codebook.all_key_fact_specs()
    return [labelled(table, statements, items, facts) for table in tables]


def tables_workbook(input, output, params) -> None:
    """rule tables_workbook: every published table in one spreadsheet (GAF's layout).

    A cover (title, cut-off, sources, data version, disclosure control,
    synthetic marking, contact), a contents sheet linking each table, a
    notes sheet and one sheet per table, values as published. Every text
    cell passes the identifier guard; the contact, the team's own address
    from the config, only the disallowed names.
    """
    from evaluation.core.identifiers import check_texts, scan_text
    from evaluation.core.output_guard import names_from
    from evaluation.core.provenance import data_fingerprint
    from evaluation.report.workbook import build_workbook, text_cells, workbook_file

    tables = load_tables(list(input.tables), list(input.computed))
    log = disclosure_entries(input, params.disclosure)
    names = sheet_names([table.table_id for table in tables])
    contact = params.contact
    cover = Cover(
        title=params.title,
        cutoff_date=params.cutoff,
        sources=tuple(evidence_sources(params.strands, params.case_trackers, params.surveys)),
        data_version=data_fingerprint(input.raw),
        disclosure=disclosure_sentence(log),
        synthetic=bool(params.synthetic),
        contact=contact,
        authors=tuple(params.authors or ()),
    )
    workbook = build_workbook(cover, tables, workbook_notes(log, tables, names))
    disallowed = names_from(input.disallowed_names)
    target = str(output[0])
    items = [
        ({"file": target, **where}, text)
        for where, text in text_cells(workbook)
        if not (contact and text == contact)
    ]
    check_texts(items, disallowed, source="output guard")
    if contact and any(kind == "disallowed_name" for kind, _, _ in scan_text(contact, disallowed)):
        check_texts(
            [({"file": target, "field": "the contact (config report: contact)"}, contact)],
            disallowed,
            source="output guard",
        )
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    Path(target).write_bytes(workbook_file(workbook, params.cutoff))
