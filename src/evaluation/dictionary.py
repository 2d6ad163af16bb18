"""The data dictionary: every codebook file as one Markdown and one HTML document.

Generated from ``codebook/*.yaml`` only (plus, when given,
the band overrides of the run config), so it cannot drift from what the
readers accept: case-tracker sheets and columns, every value set with its
accepted variants, bands and derivations, key facts, survey variables and
scales, the WAI-SR scoring, practitioner survey columns, qualitative files,
the activity diary, and the titles of every table and figure. The output is
deterministic (same codebook, same bytes).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from evaluation.core import codebook

#: Sections in this order; codebook files not listed follow in name order.
FILE_ORDER = [
    "case_tracker",
    "derived",
    "mothers_survey",
    "practitioner_survey",
    "qualitative",
    "activity",
]
FILE_TITLES = {
    "case_tracker": "Case tracker",
    "derived": "Derived variables, bands and key facts",
    "mothers_survey": "Mothers' questionnaire",
    "practitioner_survey": "Community practitioner survey",
    "qualitative": "Qualitative coding",
    "activity": "Activity diary",
}
TYPE_TEXT = {
    "id": "identifier (text, never blank)",
    "date": "date: an Excel date, a serial number or day-first text such as 03/11/2021",
    "datetime": "date with an optional time of day",
    "free_text": "free text: checked for presence only, never copied into any output",
    "text": "text",
    "text_list": "text; several values separated by '{separator}'",
    "sentence": "sentence text such as '2 years 6 months', '16 weeks' or 'Life', parsed to months",
    "prison": "a prison configured under case_trackers (or blank)",
    "worker": "worker code such as SW1",
    "case_id": "a case id of a tracker's Baseline sheet (or blank)",
    "rounds": "interview rounds such as 1 or 1;2",
}
MATCHING_NOTE = (
    "Text values match a label or one of its accepted variants after trimming, ignoring case "
    "and repeated spaces, and treating en and em dashes as hyphens."
)


def _cell(value: object) -> str:
    text = " ".join(str(value).split()) if value is not None else ""
    return text.replace("|", "\\|")


def _table(header: list[str], rows: Iterable[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(":---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return [*lines, ""]


def _code(text: object) -> str:
    return f"`{text}`"


def _allowed(spec: Mapping) -> str:
    """Allowed values of a column, in words, from its codebook entry."""
    kind = spec.get("type", "")
    if "categories" in spec:
        labels = codebook.value_set(spec["categories"]).labels
        return f"{_code(spec['categories'])}: " + "; ".join(labels)
    if "categories_by_source" in spec:
        parts = [
            f"{source}: value set {_code(name)}"
            for source, name in spec["categories_by_source"].items()
        ]
        return "depends on the source column (" + "; ".join(parts) + ")"
    if kind == "integer":
        return f"whole number from {spec.get('min')} to {spec.get('max')}"
    if kind == "scale":
        return f"scale {_code(spec.get('scale'))}"
    return TYPE_TEXT.get(kind, kind).format(separator=spec.get("separator", ";"))


def _required(spec: Mapping) -> str:
    if "required" not in spec:
        return ""
    return "yes" if spec["required"] else "no"


def _columns_table(columns: Mapping) -> list[str]:
    rows = [
        [
            _code(name),
            spec.get("label", ""),
            spec.get("type", ""),
            _required(spec),
            _allowed(spec),
            spec.get("description", ""),
        ]
        for name, spec in columns.items()
    ]
    return _table(["Column", "Label", "Type", "Required", "Allowed values", "Description"], rows)


# --------------------------------------------------------------------------- sections


def _case_tracker(part: Mapping) -> list[str]:
    lines = [
        "One workbook per prison. The header row is the first row of each sheet; column names "
        "match ignoring case and treating spaces, hyphens and underscores alike. Columns not "
        "listed here are ignored and reported as warnings.",
        "",
    ]
    for sheet, spec in (part.get("sheets") or {}).items():
        lines += [f'### Sheet "{sheet}"', ""]
        lines += [f"{spec.get('description', '')} Unit: {spec.get('unit', '')}.", ""]
        lines += _columns_table(spec.get("columns") or {})
    sentence = part.get("sentence_length")
    if sentence:
        lines += ["### Sentence length", ""]
        lines.append(
            "Indeterminate sentences: "
            + "; ".join(_code(w) for w in sentence["indeterminate"])
            + "."
        )
        lines.append("")
        per_year = sentence.get("units_per_year", {})
        rows = [
            [unit, "; ".join(_code(w) for w in words), per_year.get(unit, "")]
            for unit, words in sentence.get("units", {}).items()
        ]
        lines += _table(["Unit", "Written as", "Per year"], rows)
    return lines


def _derived(part: Mapping, band_overrides: Mapping | None) -> list[str]:
    lines = [
        f"A blank category cell is shown as {_code(part.get('missing_label', ''))} in tables.",
        "",
        "### Bands",
        "",
        "Intervals: `[a, b]` includes both ends, `(a, b)` excludes them; config key `bands:` "
        "can override any band.",
        "",
    ]
    rows = []
    for name in part.get("bands") or {}:
        banding = codebook.banding(name, dict(band_overrides or {}))
        bands = "; ".join(f"{b.label} `{b.describe()}`" for b in banding.bands)
        if banding.indeterminate_label:
            bands += f"; {banding.indeterminate_label} = indeterminate"
        note = " (overridden in config)" if band_overrides and name in band_overrides else ""
        rows.append([_code(name) + note, _code(banding.source), banding.description, bands])
    lines += _table(["Band", "From", "Derivation", "Bands"], rows)
    quarter = part.get("start_quarter")
    rows = []
    if quarter:
        rows.append([_code("start_quarter"), quarter.get("description", ""), ""])
    for name, entry in (part.get("derived") or {}).items():
        placements = "; ".join(entry.get("placements", []))
        rows.append([_code(name), entry.get("description", ""), placements])
    if rows:
        lines += ["### Derived variables", ""]
        lines += _table(["Variable", "Derivation", "Placements counted"], rows)
    facts = part.get("key_facts") or {}
    if facts:
        lines += ["### Key facts", ""]
        rows = [
            [
                _code(fact),
                spec.get("label", ""),
                spec.get("numerator", spec.get("kind", "")),
                spec.get("base_description", "all mothers at the cut-off"),
            ]
            for fact, spec in facts.items()
        ]
        lines += _table(["Fact", "Label", "Counts", "Base"], rows)
    return lines


def _scale_codes(name: str) -> str:
    entries = codebook.load_codebook_value_set_entries(name)
    return "; ".join(f"{e['code']} = {e['label']}" for e in entries if "code" in e)


def _mothers_survey(part: Mapping) -> list[str]:
    lines = [
        "One SPSS `.sav` (or `.csv` with the same names and codes) per wave. Value labels in a "
        "`.sav` are compared with the codebook's. User-missing codes are never valid answers and "
        "never in a denominator.",
        "",
        "### Variables",
        "",
    ]
    rows = []
    for name, spec in (part.get("variables") or {}).items():
        if "from_wave" in spec:
            asked = f"from wave {spec['from_wave']}"
        else:
            asked = "every wave" if spec.get("type") == "scale" else ""
        scale = _code(spec["scale"]) if spec.get("scale") else TYPE_TEXT.get(spec.get("type"), "")
        text = spec.get("statement") or spec.get("label", "")
        rows.append([_code(name), spec.get("type", ""), scale, asked, text])
    lines += _table(["Variable", "Type", "Scale", "Asked", "Statement or label"], rows)
    lines += ["### Scales", ""]
    rows = []
    for name, spec in (part.get("scales") or {}).items():
        if spec.get("value_set"):
            codes = _scale_codes(spec["value_set"])
        else:
            low, high = spec.get("range", ["", ""])
            codes = f"{low} to {high}"
        missing = "; ".join(_scale_codes(m) for m in spec.get("missing", []))
        collapsed = _code(spec["collapsed"]) if spec.get("collapsed") else ""
        rows.append([_code(name), codes, missing, collapsed])
    lines += _table(["Scale", "Valid codes", "User-missing codes", "Collapsed into"], rows)
    wai = part.get("wai")
    if wai:
        lines += ["### WAI-SR scoring", "", f"Source: {wai.get('source', '')}.", ""]
        rows = [
            [name, ", ".join(_code(i) for i in items)]
            for name, items in (wai.get("subscales") or {}).items()
        ]
        lines += _table(["Subscale", "Items"], rows)
        rules = wai.get("rules") or {}
        rows = [[_code(rule), text] for rule, text in rules.items()]
        lines += [
            "Missing-item rule (config `surveys: mothers: wai_missing_rule`; `{max_missing}` is "
            "`wai_max_missing_per_subscale`):",
            "",
        ]
        lines += _table(["Rule", "Meaning"], rows)
    item_tables = part.get("item_tables") or {}
    if item_tables:
        lines += ["### Items of each table", ""]
        rows = []
        for table_id, spec in item_tables.items():
            items = []
            for item in spec.get("items", []):
                if isinstance(item, Mapping):
                    items.append(f"{_code(item['item'])} ({item.get('rows', '')})")
                else:
                    items.append(_code(item))
            rows.append([_code(table_id), ", ".join(items), spec.get("rows", "per item")])
        lines += _table(["Table", "Items", "Rows"], rows)
    return lines


def _practitioner_survey(part: Mapping) -> list[str]:
    lines = [
        "Online-survey CSV export: row 1 variable names, row 2 question text, row 3 import ids, "
        "responses from row 4.",
        "",
        "### Columns",
        "",
    ]
    lines += _columns_table(part.get("columns") or {})
    items = part.get("agreement_items")
    if items:
        lines += [
            "### Agreement items",
            "",
            f"Every column whose name matches {_code(items.get('pattern', ''))}; answers from "
            f"value set {_code(items.get('categories', ''))}, collapsed into "
            f"{_code(items.get('collapsed', ''))}. The statement is the column's row-2 text.",
            "",
        ]
    exclusions = part.get("exclusions")
    if exclusions:
        rows = [[_code(k), v] for k, v in exclusions.items()]
        lines += ["### Excluded responses", ""] + _table(["Rule", "Value"], rows)
    return lines


def _qualitative(part: Mapping) -> list[str]:
    lines = []
    for name, spec in (part.get("files") or {}).items():
        lines += [f"### File `{name}`", "", spec.get("description", ""), ""]
        lines += _columns_table(spec.get("columns") or {})
    exports = part.get("exports") or {}
    tools = {k: v for k, v in exports.items() if isinstance(v, Mapping)}
    if tools:
        lines += ["### Tool exports", ""]
        rows = [[_code(tool), spec.get("description", "")] for tool, spec in tools.items()]
        lines += _table(["Format", "How it is read"], rows)
    kinds = part.get("identifier_kinds") or {}
    if kinds:
        lines += ["### Identifier guard", "", "Texts that can reach an output are checked for:", ""]
        lines += _table(["Kind", "Looks for"], [[_code(k), v] for k, v in kinds.items()])
    return lines


def _activity(part: Mapping) -> list[str]:
    lines = [f"Sheet {_code(part.get('sheet', ''))}.", ""]
    return lines + _columns_table(part.get("columns") or {})


def _value_sets(merged: Mapping) -> list[str]:
    lines = [MATCHING_NOTE, ""]
    for stem in _file_order(merged):
        part = merged[stem]
        if not isinstance(part, Mapping):
            continue
        for name, entries in (part.get("value_sets") or {}).items():
            lines += [f"### `{name}`", "", f"Defined in `{stem}.yaml`.", ""]
            extra: list[str] = []
            for entry in entries:
                extra += [k for k in entry if k not in ("label", "variants") and k not in extra]
            header = ["Label", "Accepted variants", *extra]
            rows = []
            for entry in entries:
                variants = "; ".join(_code(v) for v in entry.get("variants", []))
                rows.append(
                    [entry["label"], variants, *(_extra_value(entry.get(k)) for k in extra)]
                )
            lines += _table(header, rows)
    return lines


def _extra_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _tables_and_figures() -> list[str]:
    tables = codebook.all_table_specs()
    rows = [
        [_code(t), spec.get("title", ""), spec.get("unit", ""), spec.get("description", "")]
        for t, spec in tables.items()
    ]
    lines = ["### Tables", "", "Each is written to `report/tables/<id>.csv`.", ""]
    lines += _table(["Table", "Title", "Unit", "Columns and notes"], rows)
    figures = codebook.all_figure_specs()
    rows = [
        [_code(f), spec.get("title", ""), _code(spec.get("table", "")), spec.get("alt", "")]
        for f, spec in figures.items()
    ]
    lines += ["### Figures", "", "Each is written to `figures/<id>.png` and `.svg`.", ""]
    lines += _table(["Figure", "Title", "Drawn from table", "Alt text"], rows)
    return lines


def _file_order(merged: Mapping) -> list[str]:
    known = [stem for stem in FILE_ORDER if stem in merged]
    return known + sorted(stem for stem in merged if stem not in FILE_ORDER)


SECTION_BUILDERS = {
    "case_tracker": _case_tracker,
    "mothers_survey": _mothers_survey,
    "practitioner_survey": _practitioner_survey,
    "qualitative": _qualitative,
    "activity": _activity,
}


def dictionary_markdown(band_overrides: Mapping | None = None) -> str:
    """The whole data dictionary as Markdown (GitHub-flavoured pipe tables)."""
    from evaluation import __version__

    merged = codebook.load_codebook()
    lines = [
        "# Data dictionary",
        "",
        f"Generated by `evaluation dictionary` (evaluation {__version__}) from the codebook "
        "files in `codebook/`. Do not edit by hand: change the codebook and "
        "generate it again.",
        "",
    ]
    number = 0
    for stem in _file_order(merged):
        part = merged[stem]
        if not isinstance(part, Mapping):
            continue
        number += 1
        title = FILE_TITLES.get(stem, stem.replace("_", " ").capitalize())
        lines += [f"## {number}. {title} (`{stem}.yaml`)", ""]
        if stem == "derived":
            lines += _derived(part, band_overrides)
        elif stem in SECTION_BUILDERS:
            lines += SECTION_BUILDERS[stem](part)
        else:
            keys = ", ".join(_code(k) for k in part)
            lines += [f"Top-level keys: {keys}.", ""]
    number += 1
    lines += [f"## {number}. Value sets", ""] + _value_sets(merged)
    number += 1
    lines += [f"## {number}. Tables and figures", ""] + _tables_and_figures()
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"


def markdown_to_html(markdown: str, title: str = "Data dictionary") -> str:
    """A standalone HTML page of the Markdown, through pandoc."""
    import pypandoc

    return pypandoc.convert_text(
        markdown,
        "html5",
        format="gfm",
        extra_args=["--standalone", "--metadata", f"pagetitle={title}"],
    )


def write_dictionary(
    markdown_path: str | Path, html_path: str | Path, band_overrides: Mapping | None = None
) -> tuple[Path, Path]:
    """Write the data dictionary as Markdown and HTML; returns both paths."""
    markdown = dictionary_markdown(band_overrides)
    paths = (Path(markdown_path), Path(html_path))
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)
    paths[0].write_text(markdown, encoding="utf-8")
    paths[1].write_text(markdown_to_html(markdown), encoding="utf-8")
    return paths
