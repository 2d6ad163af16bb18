"""Render the report's Markdown from the Jinja2 templates and the computed results.

Templates never hold numbers: they call the helpers registered here
(``table``, ``figure``, ``ref``, ``fact``, ``count``, ``fmt``) and read
``results`` (each strand's context JSON). Tables and figures are numbered in
the order they first appear; ``ref('id')`` gives "Table 3" / "Figure 2"
wherever it is used, because the template is rendered twice (the first pass
only records the order).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import pandas as pd

from evaluation.core import codebook
from evaluation.core import formatting as fmt
from evaluation.core.tidy import read_csv
from evaluation.report import inert

COUNT_COLUMNS = {"row", "column", "n", "denominator", "pct"}


class ReportError(Exception):
    """A template asks for something that the results do not have."""


class Withheld:
    """A number of a context file that the codebook does not declare (``report_numbers``).

    The disclosure control cannot protect it, so the report may not print it,
    test it or compute with it: any use stops the rendering with its path.
    """

    def __init__(self, path: str):
        self.path = path

    def _refuse(self, *args):
        raise ReportError(
            f"the template uses the number {self.path!r}, which is not a published cell: "
            "declare it under report_numbers in the codebook so the disclosure control "
            "protects it"
        )

    __str__ = __format__ = __bool__ = __int__ = __float__ = __index__ = _refuse
    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = __add__ = __sub__ = _refuse
    __radd__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __hash__ = _refuse
    __html__ = _refuse


def _withheld(data):
    """Context data with the publish step's ``{"__withheld__": path}`` marks as :class:`Withheld`."""
    if isinstance(data, dict):
        if set(data) == {"__withheld__"}:
            return Withheld(data["__withheld__"])
        return {k: _withheld(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_withheld(v) for v in data]
    return data


@dataclass
class Numbering:
    tables: list[str] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)

    def number(self, kind: str, item_id: str) -> int:
        seen = self.tables if kind == "table" else self.figures
        if item_id not in seen:
            seen.append(item_id)
        return seen.index(item_id) + 1


def _md_cell(text: object) -> str:
    """A table cell: labels and statements from the data escaped; formatted numbers as they are."""
    return text if isinstance(text, inert.Markdown) else inert.escape(text)


def _pipe_table(header: list[str], rows: list[list[str]], align: list[str]) -> str:
    marks = {"l": ":---", "r": "---:"}
    lines = [
        "| " + " | ".join(_md_cell(h) for h in header) + " |",
        "|" + "|".join(marks[a] for a in align) + "|",
    ]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def count_table_markdown(frame: pd.DataFrame) -> str:
    """A tidy count table as a wide Markdown table: one column per group, cells 'n (p%)'."""
    stacked = "item" in frame.columns
    keys = ["item", "row"] if stacked else ["row"]
    columns: dict = {}  # column -> its distinct non-missing bases, in order of appearance
    cells: dict = {}  # row key -> {column: (n, base)}, rows in order of appearance
    for *key, column, n, base in frame[[*keys, "column", "n", "denominator"]].itertuples(
        index=False
    ):
        bases = columns.setdefault(column, [])
        if not pd.isna(base) and base not in bases:
            bases.append(base)
        if any(pd.isna(k) for k in key):  # a missing row label is not a row (as groupby)
            continue
        cells.setdefault(tuple(key), {}).setdefault(column, (n, base))
    header = (["Item"] if stacked else []) + ["Category"]
    header += [
        f"{column} (n={fmt.count(bases[0])})" if len(bases) == 1 and not stacked else column
        for column, bases in columns.items()
    ]
    rows = []
    previous_item = None
    for key, row_cells in cells.items():
        row = [str(k) for k in key]
        if stacked:  # an item's label heads its group of rows, once
            row[0], previous_item = ("" if key[0] == previous_item else row[0]), key[0]
        for column in columns:
            if column not in row_cells:
                row.append("")
                continue
            n, base = row_cells[column]
            row.append(
                inert.Markdown(
                    fmt.count(n)
                    if pd.isna(base) and not pd.isna(n)
                    else fmt.count_pct(None if pd.isna(n) else n, base)
                )
            )
        rows.append(row)
    return _pipe_table(header, rows, ["l"] * len(keys) + ["r"] * len(columns))


def stats_table_markdown(frame: pd.DataFrame, column_labels: dict | None = None) -> str:
    """A table of statistics: numbers formatted (2 decimals for non-integers).

    Headers are the codebook's ``column_labels`` for the table where it gives
    them, else the tidy column names in words.
    """
    column_labels = column_labels or {}

    def cell(value):
        if isinstance(value, float):
            if pd.isna(value):
                return inert.Markdown(fmt.DASH)
            return inert.Markdown(fmt.count(value) if value.is_integer() else fmt.number(value, 2))
        if isinstance(value, int):
            return inert.Markdown(fmt.count(value))
        return str(value)

    align = ["r" if pd.api.types.is_numeric_dtype(frame[c]) else "l" for c in frame.columns]
    header = [column_labels.get(c) or c.replace("_", " ").capitalize() for c in frame.columns]
    rows = [[cell(v) for v in row] for row in frame.itertuples(index=False)]
    if frame.columns[0] == "item":  # an item's label heads its group of rows, once
        for row, previous in zip(rows[:0:-1], rows[-2::-1], strict=True):
            if row[0] == previous[0]:
                row[0] = ""
    return _pipe_table(header, rows, align)


@dataclass
class ReportInputs:
    """Everything the templates can show, loaded from the pipeline's outputs."""

    table_dir: Path
    figures: dict[str, str]  # figure id -> the PNG path the workflow draws it to
    key_facts: pd.DataFrame
    results: dict
    settings: dict
    audit: dict


def load_inputs(
    table_dir, figure_paths, key_facts_csv, context_files, settings, audit=None
) -> ReportInputs:
    """The results the templates read; ``figure_paths`` are the PNGs the workflow draws."""
    results = {
        Path(p).stem: _withheld(json.loads(Path(p).read_text(encoding="utf-8")))
        for p in sorted(context_files)
    }
    return ReportInputs(
        Path(table_dir),
        {Path(p).stem: Path(p).as_posix() for p in figure_paths},
        read_csv(key_facts_csv),
        results,
        settings,
        audit or {},
    )


class TemplateFormatting:
    """``fmt`` as the templates see it: numbers and dates are the engine's text, lists escape their items.

    The formatting functions write digits, signs and the suppression mark;
    their output is printed as it is. ``and_list`` joins values that may come
    from the data, so each item is escaped first; ``plural`` takes the
    template's own words.
    """

    ENGINE_TEXT = frozenset({"number", "count", "pct_of", "pct", "count_pct", "date", "plural"})

    def __getattr__(self, name: str):
        value = getattr(fmt, name)
        if name in self.ENGINE_TEXT:
            return lambda *args, **kwargs: inert.Markdown(value(*args, **kwargs))
        if name == "and_list":
            return lambda items: inert.Markdown(fmt.and_list([inert.escape(i) for i in items]))
        if isinstance(value, str):  # SUPPRESSED, DASH
            return inert.Markdown(value)
        return value


class Helpers:
    """The functions templates call; one instance per rendering pass."""

    def __init__(self, inputs: ReportInputs, numbering: Numbering, bodies: dict | None = None):
        self.inputs, self.numbering = inputs, numbering
        self.bodies = {} if bodies is None else bodies  # table id -> Markdown, for both passes
        self.table_specs = codebook.all_table_specs()
        self.figure_specs = codebook.all_figure_specs()
        self.facts = {(r.fact, r.column): r for r in inputs.key_facts.itertuples(index=False)}

    def table(
        self,
        table_id: str,
        note: str = "",
        row_labels: dict | None = None,
        hide: tuple | list = (),
    ) -> str:
        """A numbered table as readers see it: items by their statements, ids left to the CSV.

        ``row_labels`` adds a period or gloss to row labels (``{"Q1": "Apr-Jun
        2021"}`` shows "Q1 (Apr-Jun 2021)"); ``hide`` names columns of the
        tidy file that the report leaves out (ids a reader has no use for).
        """
        path = self.inputs.table_dir / f"{table_id}.csv"
        if not path.exists():
            raise ReportError(f"template asks for table {table_id!r} but {path} does not exist")
        spec = self.table_specs.get(table_id, {})
        title = spec.get("title", table_id.replace("_", " ").capitalize())
        number = self.numbering.number("table", table_id)
        if table_id not in self.bodies:
            frame = self._for_readers(table_id, spec, read_csv(path), row_labels or {}, hide)
            self.bodies[table_id] = (
                count_table_markdown(frame)
                if set(frame.columns) >= COUNT_COLUMNS
                else stats_table_markdown(frame, spec.get("column_labels"))
            )
        body = self.bodies[table_id]
        caption = (
            f"Table: Table {number}: {title}"  # the codebook's title: the study's own text
            + (f" {inert.escape(note)}" if note else "")
            + f" {{#tbl-{table_id}}}"
        )
        return inert.Markdown(f"\n{body}\n\n{caption}\n")

    def _item_labels(self, table_id: str, spec: dict) -> dict[str, str]:
        """The labels of a stacked table's items: the codebook's, or a published table's column.

        The table's codebook entry says which: ``item_labels: statement``
        (the default), ``short``, or ``{table: <id>, column: <name>}`` for
        items whose text comes with the data (a survey export's questions).
        """
        source = spec.get("item_labels", "statement")
        if isinstance(source, dict):
            labels_path = self.inputs.table_dir / f"{source['table']}.csv"
            if not labels_path.exists():
                raise ReportError(
                    f"table {table_id!r} takes its item labels from {source['table']!r}, "
                    f"but {labels_path} does not exist"
                )
            published = read_csv(labels_path).dropna(subset=["item", source["column"]])
            return dict(
                published.drop_duplicates("item")[["item", source["column"]]].itertuples(
                    index=False
                )
            )
        return codebook.item_labels(source)

    def _for_readers(
        self, table_id: str, spec: dict, frame: pd.DataFrame, row_labels: dict, hide
    ) -> pd.DataFrame:
        unknown = [column for column in hide if column not in frame.columns]
        if unknown:
            raise ReportError(f"template hides column(s) {unknown} that table {table_id!r} lacks")
        frame = frame.drop(columns=list(hide))
        if "item" in frame.columns:
            labels = self._item_labels(table_id, spec)
            unlabelled = sorted(set(frame["item"].dropna().astype(str)) - set(labels))
            if unlabelled:
                raise ReportError(
                    f"table {table_id!r} stacks item(s) {unlabelled} that have no statement "
                    "in the codebook: give each a statement (and a short label) so the report "
                    "shows readers the question, not the variable name"
                )
            frame = frame.assign(item=frame["item"].map(labels, na_action="ignore"))
        if row_labels and "row" in frame.columns:
            frame = frame.assign(
                row=[
                    f"{row} ({row_labels[row]})" if row in row_labels else row
                    for row in frame["row"]
                ]
            )
        return frame

    def figure(self, figure_id: str) -> str:
        spec = self.figure_specs.get(figure_id)
        if spec is None:
            raise ReportError(
                f"template asks for figure {figure_id!r}, which the codebook does not define"
            )
        path = self.inputs.figures.get(figure_id)
        if path is None:
            raise ReportError(
                f"template asks for figure {figure_id!r}, which no rule of the workflow draws"
            )
        number = self.numbering.number("figure", figure_id)
        alt = spec.get("alt", spec["title"]).replace('"', "'")  # the codebook's text
        title = spec["title"]  # the codebook's title and alt text: the study's own text
        return inert.Markdown(
            f'\n![Figure {number}: {title}]({path}){{#fig-{figure_id} fig-alt="{alt}" width=95%}}\n'
        )

    def ref(self, item_id: str) -> str:
        if item_id in self.figure_specs:
            return f"Figure {self.numbering.number('figure', item_id)}"
        return f"Table {self.numbering.number('table', item_id)}"

    def _fact(self, fact_id: str, column: str):
        try:
            return self.facts[(fact_id, column)]
        except KeyError:
            raise ReportError(
                f"template asks for key fact {fact_id!r} ({column}), which was not computed"
            ) from None

    def fact(self, fact_id: str, column: str = "Total") -> str:
        row = self._fact(fact_id, column)
        if pd.isna(row.n):
            return inert.Markdown(fmt.SUPPRESSED)
        if pd.isna(row.denominator):
            return inert.Markdown(fmt.count(row.n))
        return inert.Markdown(fmt.count_pct(None if pd.isna(row.n) else row.n, row.denominator))

    def count(self, fact_id: str, column: str = "Total") -> str:
        n = self._fact(fact_id, column).n
        return inert.Markdown(fmt.SUPPRESSED if pd.isna(n) else fmt.count(n))

    def fact_pct(self, fact_id: str, column: str = "Total") -> str:
        row = self._fact(fact_id, column)
        if pd.isna(row.n) or pd.isna(row.denominator):
            return inert.Markdown(fmt.SUPPRESSED)
        return inert.Markdown(fmt.pct_of(row.n, row.denominator))

    def base(self, fact_id: str, column: str = "Total") -> str:
        base = self._fact(fact_id, column).denominator
        return inert.Markdown(fmt.SUPPRESSED if pd.isna(base) else fmt.count(base))


def make_environment(template_dir: str | Path) -> jinja2.Environment:
    """The templates' environment: every printed value is escaped unless it is the engine's Markdown.

    ``finalize`` escapes data (``evaluation.report.inert``); the filters
    ``code`` (an inline code span) and ``markdown`` (a macro's output, whose
    values were escaped inside it) are for the templates' own markup.
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_dir)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
        finalize=inert.finalize,
    )
    env.filters["code"] = inert.code
    env.filters["markdown"] = inert.markdown
    return env


def render_markdown(
    template_dir: str | Path, inputs: ReportInputs, template: str = "report.md.j2"
) -> str:
    """Render the report twice: the first pass numbers tables and figures, the second writes."""
    env = make_environment(template_dir)
    numbering, bodies = Numbering(), {}
    text = ""
    for _ in range(2):
        helpers = Helpers(inputs, numbering, bodies)
        context = {
            "table": helpers.table,
            "figure": helpers.figure,
            "ref": helpers.ref,
            "fact": helpers.fact,
            "count": helpers.count,
            "fact_pct": helpers.fact_pct,
            "base": helpers.base,
            "fmt": TemplateFormatting(),
            "results": inputs.results,
            "settings": inputs.settings,
            "audit": inputs.audit,
            "has_section": lambda name: (
                (Path(template_dir) / "sections" / f"{name}.md.j2").exists()
                and name in inputs.results
            ),
        }
        text = env.get_template(template).render(**context)
    return text
