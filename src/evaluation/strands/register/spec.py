"""The register strand's codebook: record sets, their columns, tables and facts.

A study whose main evidence is a register of units that are not people (areas,
services, teams, interviews) declares it in
``codebook/register.yaml``, beside its ``value_sets``, ``tables`` (each with
its ``title`` and, for counts of organisations, ``disclosure: exempt`` and a
``disclosure_reason``, as every strand's tables), ``figures``, ``facts`` and
``report_numbers``::

      record_sets:
        sites:                           # a name the tables and facts use
          unit: site                     # what one row is (ledger, messages)
          source: mapping                # config register: files: <source>
          sheet: Sites                   # for a workbook; none for a CSV
          format: table                  # table (default) or online_survey
          key: site_code                 # unique, never blank
          columns:
            site_code: {header: Site code, type: id}
            area: {header: Area, type: category, categories: area}
            covers: {header: Sites covered, type: list, references: sites}
            notes: {header: Notes, type: free_text, required: false}
          deduplicate: {by: organisation, keep_last_by: recorded}   # optional
          exclude_when: {status: [Survey Preview], finished: [False]} # optional
      recodes:
        any_service:                     # a derived category column
          record_set: sites
          from: status
          map: {Covered: [Service operating, ...], ...}

Column types: ``id`` (text, never blank), ``free_text`` (read, never output),
``category`` (one label of the value set ``categories``), ``list`` (values
separated by ``;`` or ``,``; each a key of the record set ``references``, or a
label of ``categories``), ``integer`` (whole number within ``min``/``max``),
``date`` (day-first text, ISO or an Excel date), ``datetime`` (the same with a
time of day, kept to order records: an export's recorded time), ``yes_no``
(category of the value set ``yes_no``).

A record set may be cut with another (``cut_with: interviews``): its records
whose key is not a key of that record set at the cut-off are left out. The
``consistency`` rules check records across record sets (``consistency.py``). Tables and facts are declared in ``tables.py`` and
``context.py``'s terms (``TableSpec``, ``FactSpec``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from evaluation.core.codebook import load_codebook

COLUMN_TYPES = ("id", "free_text", "category", "list", "integer", "date", "datetime", "yes_no")
FORMATS = ("table", "online_survey")


class RegisterSpecError(ValueError):
    """The study's register codebook is not well formed."""


@dataclass(frozen=True)
class Column:
    """One declared column of a record set."""

    name: str
    header: str
    type: str
    categories: str | None = None
    references: str | None = None
    required: bool = True
    minimum: int | None = None
    maximum: int | None = None


@dataclass(frozen=True)
class RecordSet:
    """One kind of record (a sheet of a workbook, or a CSV file) and its columns."""

    name: str
    unit: str
    source: str
    columns: dict[str, Column]
    key: str | None = None
    sheet: str | None = None
    format: str = "table"
    deduplicate: dict | None = None
    exclude_when: dict = field(default_factory=dict)
    dated_by: str | None = None
    cut_with: str | None = None


@dataclass(frozen=True)
class Recode:
    """A derived category column: each label of ``from`` mapped to a new label."""

    name: str
    record_set: str
    source_column: str
    labels: tuple[str, ...]
    mapping: dict[str, str]


@dataclass(frozen=True)
class RegisterSpec:
    """The whole register section of a study's codebook."""

    record_sets: dict[str, RecordSet]
    recodes: dict[str, Recode]
    tables: dict[str, dict]
    facts: dict[str, dict]
    figures: dict[str, dict] = field(default_factory=dict)
    consistency: list[dict] = field(default_factory=list)

    @property
    def dated_by(self) -> dict[str, str]:
        """Record set -> the date column that places its records in time (``dated_by:``)."""
        return {name: rs.dated_by for name, rs in self.record_sets.items() if rs.dated_by}


def register_spec(codebook: dict | None = None) -> RegisterSpec:
    """The study's register declaration, checked (``RegisterSpecError`` names what is wrong)."""
    codebook = load_codebook() if codebook is None else codebook
    section = codebook.get("register")
    if not isinstance(section, dict):
        raise RegisterSpecError("the study's codebook has no register.yaml")
    record_sets = {
        name: _record_set(name, body) for name, body in (section.get("record_sets") or {}).items()
    }
    if not record_sets:
        raise RegisterSpecError("codebook/register.yaml declares no record_sets")
    for record_set in record_sets.values():
        for column in record_set.columns.values():
            if column.references and column.references not in record_sets:
                raise RegisterSpecError(
                    f"record set {record_set.name!r}, column {column.name!r}: references "
                    f"{column.references!r}, which is not a record set"
                )
    known_sets = {
        name
        for part in codebook.values()
        if isinstance(part, dict)
        for name in (part.get("value_sets") or {})
    }
    for record_set in record_sets.values():
        for column in record_set.columns.values():
            if column.categories and column.categories not in known_sets:
                what = "a yes_no column" if column.type == "yes_no" else "its categories"
                raise RegisterSpecError(
                    f"codebook/register.yaml: record set {record_set.name!r}, column "
                    f"{column.name!r}: {what} needs the value set {column.categories!r}, which "
                    "the codebook does not define; add it under value_sets"
                )
    recodes = {
        name: _recode(name, body, record_sets)
        for name, body in (section.get("recodes") or {}).items()
    }
    tables = dict(section.get("tables") or {})
    figures = dict(section.get("figures") or {})
    for figure_id, figure in figures.items():
        if figure.get("table") not in tables:
            raise RegisterSpecError(
                f"figure {figure_id!r}: table {figure.get('table')!r} is not a register table"
            )
    for record_set in record_sets.values():
        if record_set.cut_with and record_set.cut_with not in record_sets:
            raise RegisterSpecError(
                f"record set {record_set.name!r}: cut_with {record_set.cut_with!r} is not a "
                "record set"
            )
    consistency = list(section.get("consistency") or [])
    for number, rule in enumerate(consistency, start=1):
        _check_rule(number, rule, record_sets)
    return RegisterSpec(
        record_sets=record_sets,
        recodes=recodes,
        tables=tables,
        facts=dict(section.get("facts") or {}),
        figures=figures,
        consistency=consistency,
    )


def _check_rule(number: int, rule: dict, record_sets: dict[str, RecordSet]) -> None:
    """A consistency rule names record sets and list columns that exist."""
    where = f"codebook/register.yaml: consistency rule {number}"
    every = str(rule.get("every"))
    if every in record_sets:  # its records, each listed in another set's list column
        name, _, column = str(rule.get("listed_in")).partition(".")
        if name not in record_sets or column not in record_sets[name].columns:
            raise RegisterSpecError(
                f"{where}: listed_in {rule.get('listed_in')!r} should be "
                "'<record set>.<list column>'"
            )
        return
    name, _, column = every.partition(".")  # the keys a list column holds, each matching `is`
    found = record_sets.get(name)
    if found is None or column not in found.columns or not found.columns[column].references:
        raise RegisterSpecError(
            f"{where}: every {rule.get('every')!r} should be a record set, or "
            "'<record set>.<list column>' whose column references another record set"
        )


def _record_set(name: str, body: dict) -> RecordSet:
    where = f"record set {name!r}"
    if not isinstance(body, dict) or "source" not in body or "columns" not in body:
        raise RegisterSpecError(f"{where}: needs 'source' and 'columns'")
    columns = {}
    for column_name, definition in body["columns"].items():
        kind = definition.get("type")
        if kind not in COLUMN_TYPES:
            raise RegisterSpecError(
                f"{where}, column {column_name!r}: type {kind!r} is not one of {COLUMN_TYPES}"
            )
        if kind == "category" and not definition.get("categories"):
            raise RegisterSpecError(
                f"{where}, column {column_name!r}: a category needs 'categories'"
            )
        if kind == "list" and not (definition.get("references") or definition.get("categories")):
            raise RegisterSpecError(
                f"{where}, column {column_name!r}: a list needs 'references' or 'categories'"
            )
        columns[column_name] = Column(
            name=column_name,
            header=str(definition.get("header", column_name)),
            type=kind,
            categories="yes_no" if kind == "yes_no" else definition.get("categories"),
            references=definition.get("references"),
            required=bool(definition.get("required", True)),
            minimum=definition.get("min"),
            maximum=definition.get("max"),
        )
    key = body.get("key")
    if key is not None and key not in columns:
        raise RegisterSpecError(f"{where}: key {key!r} is not one of its columns")
    record_format = body.get("format", "table")
    if record_format not in FORMATS:
        raise RegisterSpecError(f"{where}: format {record_format!r} is not one of {FORMATS}")
    deduplicate = body.get("deduplicate")
    if deduplicate is not None:
        for part in ("by", "keep_last_by"):
            if deduplicate.get(part) not in columns:
                raise RegisterSpecError(
                    f"{where}: deduplicate {part} {deduplicate.get(part)!r} is not a column"
                )
    dated_by = body.get("dated_by")
    if dated_by is not None and columns.get(dated_by, Column("", "", "id")).type not in {
        "date",
        "datetime",
    }:
        raise RegisterSpecError(f"{where}: dated_by {dated_by!r} is not a date column")
    return RecordSet(
        dated_by=dated_by,
        cut_with=body.get("cut_with"),
        name=name,
        unit=str(body.get("unit", name)),
        source=str(body["source"]),
        sheet=body.get("sheet"),
        format=record_format,
        key=key,
        columns=columns,
        deduplicate=deduplicate,
        exclude_when=dict(body.get("exclude_when") or {}),
    )


def _recode(name: str, body: dict, record_sets: dict[str, RecordSet]) -> Recode:
    where = f"recode {name!r}"
    record_set = record_sets.get(body.get("record_set"))
    if record_set is None:
        raise RegisterSpecError(f"{where}: record_set {body.get('record_set')!r} is not declared")
    source = body.get("from")
    if source not in record_set.columns:
        raise RegisterSpecError(f"{where}: from {source!r} is not a column of {record_set.name!r}")
    mapping: dict[str, str] = {}
    for label, sources in (body.get("map") or {}).items():
        for value in sources:
            if value in mapping:
                raise RegisterSpecError(f"{where}: {value!r} is mapped twice")
            mapping[value] = str(label)
    return Recode(
        name=name,
        record_set=record_set.name,
        source_column=source,
        labels=tuple(str(label) for label in body.get("map") or {}),
        mapping=mapping,
    )
