"""The survey codebook and survey config, as objects the readers and tables use.

Everything here is read from ``codebook/mothers_survey.yaml``,
``codebook/practitioner_survey.yaml`` and the ``surveys:`` key of the run
config; no category label is written in Python.

A study has either instrument or both (:attr:`SurveySettings.instruments`);
the codebook file of an instrument the study lacks may be absent. The
mothers' questionnaire has a scored scale (the WAI-SR) only when its
codebook declares one under ``wai:`` (:func:`has_scored_scale`): its items,
subscales, scoring rules and the tables it adds (``wai: tables:``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from evaluation.core import codebook
from evaluation.core.config import ConfigError, slug

WAI_RULES = ("complete", "prorate")
#: The survey instruments, in the order the strand reports them.
INSTRUMENTS = ("mothers", "practitioners")
#: Instrument -> the codebook file (stem) that defines it.
CODEBOOK_PARTS = {"mothers": "mothers_survey", "practitioners": "practitioner_survey"}
#: The mothers' tables every study with the questionnaire has, besides its item tables
#: (``item_tables:``) and the scored scale's (``wai: tables:``).
MOTHERS_FIXED_TABLES = (
    "mothers_item_ci",
    "mothers_ratings",
    "mothers_missing",
    "mothers_paired_change",
)
#: The platforms a practitioner wave may come from (config ``format:``), with the
#: file suffixes each writes (see :mod:`evaluation.strands.surveys.platforms`).
SUFFIXES = {
    "qualtrics": (".csv",),
    "spss": (".sav",),
    "forms": (".xlsx",),
    "jisc": (".csv",),
    "redcap": (".csv",),
}
FORMATS = tuple(SUFFIXES)
#: The keys of a practitioner wave written in the long form.
WAVE_KEYS = ("file", "format", "dictionary")
#: The scored scale's total score, as a paired item (``paired_items:``).
WAI_TOTAL = "wai_total"


def _codebook_part(instrument: str) -> dict:
    part = codebook.load_codebook().get(CODEBOOK_PARTS[instrument])
    if part is None:
        raise codebook.CodebookError(
            f"the study's codebook ({codebook.codebook_dir()}) has no "
            f"{CODEBOOK_PARTS[instrument]}.yaml, which defines the {instrument}' survey "
            f"named under 'surveys: {instrument}:' in the config"
        )
    return part


def codebook_instruments() -> list[str]:
    """The instruments the study's codebook defines (a file each), in :data:`INSTRUMENTS` order."""
    parts = codebook.load_codebook()
    return [name for name in INSTRUMENTS if CODEBOOK_PARTS[name] in parts]


def mothers_codebook() -> dict:
    """The mothers' questionnaire part of the codebook."""
    return _codebook_part("mothers")


def practitioner_codebook() -> dict:
    """The practitioner survey part of the codebook."""
    return _codebook_part("practitioners")


def value_set_entries(name: str) -> list[dict]:
    """The raw entries (label, code, variants, ...) of a codebook value set."""
    return codebook.load_codebook_value_set_entries(name)


def labels(name: str) -> list[str]:
    """Canonical labels of a value set, in codebook order."""
    return list(codebook.value_set(name).labels)


@dataclass(frozen=True)
class Scale:
    """A response scale: valid codes with labels (or a numeric range) and user-missing codes."""

    name: str
    value_set: str | None
    codes: dict[int, str]
    missing: dict[int, str]
    low: int
    high: int
    collapsed: str | None
    collapse_map: dict[int, str]

    @property
    def labelled(self) -> bool:
        return self.value_set is not None

    def is_valid(self, code: int) -> bool:
        return code in self.codes if self.labelled else self.low <= code <= self.high

    def label(self, code: int) -> str | None:
        return self.codes.get(code)

    def describe(self) -> str:
        """Allowed codes for an error message: valid codes, then user-missing codes."""
        if self.labelled:
            valid = ", ".join(f"{c} {lab}" for c, lab in sorted(self.codes.items()))
        else:
            valid = f"a whole number from {self.low} to {self.high}"
        missing = ", ".join(f"{c} {lab}" for c, lab in sorted(self.missing.items()))
        return f"{valid}; or user-missing {missing}"

    def code_for_label(self, text: object) -> int | None:
        """Code of a text label (valid or user-missing), matched through the codebook variants."""
        sets = ([self.value_set] if self.value_set else []) + self._missing_sets()
        for name in sets:
            label = codebook.value_set(name).match(text)
            if label is not None:
                return _code_of(name, label)
        return None

    def _missing_sets(self) -> list[str]:
        return list(mothers_codebook()["scales"][self.name].get("missing", []))


def _code_of(value_set_name: str, label: str) -> int:
    for entry in value_set_entries(value_set_name):
        if entry["label"] == label:
            return int(entry["code"])
    raise KeyError(label)


@cache
def scale(name: str) -> Scale:
    """The named response scale of the mothers' questionnaire."""
    spec = mothers_codebook()["scales"][name]
    codes: dict[int, str] = {}
    if spec.get("value_set"):
        codes = {int(e["code"]): e["label"] for e in value_set_entries(spec["value_set"])}
        low, high = min(codes), max(codes)
    else:
        low, high = (int(v) for v in spec["range"])
    missing: dict[int, str] = {}
    for set_name in spec.get("missing", []):
        missing.update({int(e["code"]): e["label"] for e in value_set_entries(set_name)})
    collapse_map: dict[int, str] = {}
    if spec.get("collapsed"):
        for entry in value_set_entries(spec["collapsed"]):
            collapse_map.update({int(c): entry["label"] for c in entry["codes"]})
    return Scale(
        name, spec.get("value_set"), codes, missing, low, high, spec.get("collapsed"), collapse_map
    )


def variables() -> dict[str, dict]:
    """Variable name -> definition, in codebook order."""
    return mothers_codebook()["variables"]


def scale_items() -> list[str]:
    """Every scale variable (questionnaire item), in codebook order."""
    return [name for name, spec in variables().items() if spec["type"] == "scale"]


def free_text_variables() -> list[str]:
    return [name for name, spec in variables().items() if spec["type"] == "free_text"]


def items_for_wave(position: int) -> list[str]:
    """Scale items asked at the wave in this position (1 = first configured wave)."""
    return [
        name for name in scale_items() if int(variables()[name].get("from_wave", 1)) <= position
    ]


def item_scale(item: str) -> Scale:
    return scale(variables()[item]["scale"])


def item_statement(item: str) -> str:
    spec = variables().get(item) or mothers_codebook()["paired_extra_labels"][item]
    return spec["statement"]


def item_short(item: str) -> str:
    spec = variables().get(item) or mothers_codebook()["paired_extra_labels"][item]
    return spec.get("short", spec["statement"])


def has_scored_scale() -> bool:
    """Whether the mothers' codebook declares a scored scale (``wai:``): scoring, tables, prose."""
    return bool(mothers_codebook().get("wai"))


def wai_spec() -> dict:
    """The scored scale's declaration (``wai:``); only when :func:`has_scored_scale`."""
    if not has_scored_scale():
        raise KeyError("the mothers' codebook declares no scored scale (no 'wai:' key)")
    return mothers_codebook()["wai"]


def wai_tables() -> dict[str, str]:
    """Role (``scores``, ``completion``) -> table id of the scored scale's tables ({} without one)."""
    return dict(wai_spec()["tables"]) if has_scored_scale() else {}


def paired_items() -> list[str]:
    """Items compared between waves: questionnaire items, and the scale's total when it is scored."""
    items = list(mothers_codebook()["paired_items"])
    known = set(scale_items()) | ({WAI_TOTAL} if has_scored_scale() else set())
    unknown = [item for item in items if item not in known]
    if unknown:
        raise codebook.CodebookError(
            f"mothers_survey.yaml: paired_items {unknown} are not scale variables"
            + ("" if has_scored_scale() else " (no scored scale is declared under 'wai:')")
        )
    return items


def item_tables() -> dict[str, list[tuple[str, str]]]:
    """Stacked item table id -> [(item, 'collapsed' | 'labels'), ...]."""
    tables = {}
    for table_id, spec in mothers_codebook()["item_tables"].items():
        default = spec.get("rows", "collapsed")
        entries = []
        for entry in spec["items"]:
            if isinstance(entry, dict):
                entries.append((entry["item"], entry.get("rows", default)))
            else:
                entries.append((entry, default))
        tables[table_id] = entries
    return tables


def row_labels(item: str, rows: str) -> list[str]:
    """Table rows of an item: its collapsed categories or every label of its scale."""
    item_scale_ = item_scale(item)
    if rows == "collapsed":
        return labels(item_scale_.collapsed)
    return labels(item_scale_.value_set)


def _instruments(instruments) -> list[str]:
    return codebook_instruments() if instruments is None else list(instruments)


def table_titles(instruments=None) -> dict[str, dict]:
    """Table id -> title spec, for the given instruments (default: those the codebook defines)."""
    return {
        table_id: title
        for name in _instruments(instruments)
        for table_id, title in _codebook_part(name)["tables"].items()
    }


def figure_specs(instruments=None) -> dict[str, dict]:
    """Figure id -> spec (table, kind, title, alt), for the given instruments (default: all defined).

    A figure is drawn from published tables, so a figure of a table the
    study does not compute (e.g. the scored scale's, without one) is left out.
    """
    out = {}
    for name in _instruments(instruments):
        tables = set(mothers_table_ids() if name == "mothers" else practitioner_table_ids())
        for figure_id, figure in (_codebook_part(name).get("figures") or {}).items():
            if {figure["table"], *figure.get("extra_tables", [])} <= tables:
                out[figure_id] = figure
    return out


def _figure_part(figure_id: str) -> dict:
    """The codebook part (instrument) that defines ``figure_id``."""
    for name in codebook_instruments():
        part = _codebook_part(name)
        if figure_id in (part.get("figures") or {}):
            return part
    raise KeyError(f"no survey figure {figure_id!r} in the codebook")


def figure_spec(figure_id: str) -> dict:
    """The codebook's spec of one figure (table, kind, title, alt)."""
    return _figure_part(figure_id)["figures"][figure_id]


def empty_figure_text(figure_id: str) -> str:
    """The text shown in place of a figure whose table is empty (its instrument's codebook)."""
    return str(_figure_part(figure_id)["empty_figure_text"])


def figure_tables(figure_id: str) -> list[str]:
    """Table ids a figure is drawn from: its table, then any extra tables (e.g. statements)."""
    figure = figure_spec(figure_id)
    return [figure["table"], *figure.get("extra_tables", [])]


def mothers_table_ids() -> list[str]:
    """The mothers' table ids, in codebook order (``tables:``).

    Each is a table the strand computes: an item table, one of
    :data:`MOTHERS_FIXED_TABLES`, or, when a scored scale is declared, one
    of its tables; a title without its table is a codebook error.
    """
    declared = list(mothers_codebook()["tables"])
    computed = {*item_tables(), *MOTHERS_FIXED_TABLES, *wai_tables().values()}
    stray = [table_id for table_id in declared if table_id not in computed]
    if stray:
        raise codebook.CodebookError(
            f"mothers_survey.yaml: tables {stray} are titled but not computed"
            + ("" if has_scored_scale() else " (no scored scale is declared under 'wai:')")
        )
    missing = [table_id for table_id in sorted(computed) if table_id not in declared]
    if missing:
        raise codebook.CodebookError(f"mothers_survey.yaml: tables {missing} have no title")
    return declared


def practitioner_table_ids() -> list[str]:
    return list(practitioner_codebook()["tables"])


def method_text(name: str, **values) -> str:
    """A method statement from the codebook, with its placeholders filled."""
    return " ".join(str(mothers_codebook()["methods"][name]["text"]).split()).format(**values)


def method_short(name: str, **values) -> str:
    """The short name of a method (for table cells), with its placeholders filled."""
    return str(mothers_codebook()["methods"][name]["short"]).format(**values)


# --------------------------------------------------------------------------- config


@dataclass(frozen=True)
class SurveySettings:
    """The validated ``surveys:`` config: each instrument's waves in order, and the WAI rule.

    An instrument the config does not name has no waves; a study names either
    or both (neither: no survey strand, :attr:`instruments` empty).
    """

    mother_waves: dict[str, str]
    practitioner_waves: dict[str, str]
    wai_rule: str
    wai_max_missing: int
    #: practitioner wave label -> its ``format`` and ``dictionary`` (long form; None: not given)
    practitioner_options: dict[str, dict] = field(default_factory=dict)

    def practitioner_format(self, wave: str) -> str | None:
        """The platform the config names for a practitioner wave (None: recognised from the file)."""
        return self.practitioner_options.get(wave, {}).get("format")

    def practitioner_dictionary(self, wave: str) -> str | None:
        """A REDCap wave's data dictionary (None for other platforms)."""
        return self.practitioner_options.get(wave, {}).get("dictionary")

    @property
    def mothers(self) -> bool:
        """Whether the study has the mothers' questionnaire."""
        return bool(self.mother_waves)

    @property
    def practitioners(self) -> bool:
        """Whether the study has the practitioner survey."""
        return bool(self.practitioner_waves)

    @property
    def instruments(self) -> tuple[str, ...]:
        """The instruments the study has, in :data:`INSTRUMENTS` order."""
        present = {"mothers": self.mothers, "practitioners": self.practitioners}
        return tuple(name for name in INSTRUMENTS if present[name])

    def wave_position(self, wave: str) -> int:
        return list(self.mother_waves).index(wave) + 1

    def describe_wai_rule(self) -> str:
        text = " ".join(str(wai_spec()["rules"][self.wai_rule]).split())
        return text.format(max_missing=self.wai_max_missing)


def _waves(node, key: str, required: bool, long_form: bool = False) -> dict[str, object]:
    """Wave label -> file (or, with ``long_form``, the wave's mapping), checked."""
    waves = (node or {}).get("waves") if isinstance(node, dict) else None
    if not waves:
        if required:
            raise ConfigError(
                f"config key '{key}' must list at least one wave, e.g. 'T1: data/raw/...'"
            )
        return {}
    if not isinstance(waves, dict):
        raise ConfigError(
            f"config key '{key}' must map wave labels to file paths, e.g. 'T1: data/raw/...'"
        )
    out = {
        str(label).strip(): value if long_form and isinstance(value, dict) else str(value)
        for label, value in waves.items()
    }
    slugs = [slug(label) for label in out]
    if len(set(slugs)) != len(slugs):
        raise ConfigError(f"config key '{key}': two wave labels give the same file name")
    if long_form:
        return out
    for label, path in out.items():
        if not re.search(r"\.(sav|csv)$", path, re.IGNORECASE):
            raise ConfigError(f"config key '{key}: {label}': {path!r} is not a .sav or .csv file")
    return out


def _practitioner_wave(label: str, value, key: str) -> tuple[str, dict]:
    """(file, {format, dictionary}) of one practitioner wave: ``path`` or ``{file: path, ...}``."""
    where = f"config key '{key}: {label}'"
    options: dict = {"format": None, "dictionary": None}
    if isinstance(value, dict):
        unknown = sorted(str(k) for k in value if k not in WAVE_KEYS)
        if unknown:
            raise ConfigError(
                f"{where}: {', '.join(unknown)} not understood; a wave takes "
                f"{', '.join(WAVE_KEYS)} (e.g. {{file: data/raw/surveys/y2.csv, format: jisc}})"
            )
        if not isinstance(value.get("file"), str) or not value["file"].strip():
            raise ConfigError(f"{where}: 'file' is missing; give the export's path")
        path = value["file"].strip()
        fmt = value.get("format")
        if fmt is not None:
            fmt = str(fmt).strip().lower()
            if fmt not in FORMATS:
                raise ConfigError(
                    f"{where}: format {value['format']!r} is not one of {', '.join(FORMATS)}"
                )
        options["format"] = fmt
        dictionary = value.get("dictionary")
        if dictionary is not None:
            if fmt not in (None, "redcap"):
                raise ConfigError(f"{where}: 'dictionary' goes with format redcap only")
            options.update(format="redcap", dictionary=str(dictionary).strip())
        elif fmt == "redcap":
            raise ConfigError(
                f"{where}: a REDCap export needs its data dictionary; add 'dictionary: <path>'"
            )
    else:
        path = str(value)
    fmt = options["format"]
    allowed = SUFFIXES[fmt] if fmt else tuple(sorted({s for v in SUFFIXES.values() for s in v}))
    if not path.lower().endswith(allowed):
        platform = f"a {fmt} export" if fmt else "a practitioner survey export"
        raise ConfigError(f"{where}: {path!r} is not {platform} ({' or '.join(allowed)})")
    return path, options


def survey_settings(surveys: dict | None) -> SurveySettings:
    """Check the ``surveys:`` config and return it as settings; errors name the key.

    ``surveys: mothers:`` and ``surveys: practitioners:`` are each optional;
    an instrument that is named must list at least one wave. A practitioner
    wave is ``label: path`` or ``label: {file: path, format: <platform>}``
    (a REDCap export adds ``dictionary: <path>``).
    """
    surveys = surveys or {}
    if not isinstance(surveys, dict):
        raise ConfigError("config key 'surveys' must map 'mothers' and/or 'practitioners' to waves")
    mothers = surveys.get("mothers") or {}
    rule = str(mothers.get("wai_missing_rule", "complete")).strip().lower()
    if rule not in WAI_RULES:
        raise ConfigError(
            f"config key 'surveys: mothers: wai_missing_rule' is {rule!r}; use 'complete' or 'prorate'"
        )
    max_missing = mothers.get("wai_max_missing_per_subscale", 1)
    if (
        isinstance(max_missing, bool)
        or not isinstance(max_missing, int)
        or not 0 <= max_missing <= 3
    ):
        raise ConfigError(
            "config key 'surveys: mothers: wai_max_missing_per_subscale' must be a whole number "
            f"from 0 to 3 (items of 4 that may be missing); got {max_missing!r}"
        )
    key = "surveys: practitioners: waves"
    practitioners = {
        label: _practitioner_wave(label, value, key)
        for label, value in _waves(
            surveys.get("practitioners"), key, surveys.get("practitioners") is not None, True
        ).items()
    }
    return SurveySettings(
        mother_waves=_waves(mothers, "surveys: mothers: waves", surveys.get("mothers") is not None),
        practitioner_waves={label: path for label, (path, _) in practitioners.items()},
        wai_rule=rule,
        wai_max_missing=max_missing,
        practitioner_options={label: options for label, (_, options) in practitioners.items()},
    )


def wave_slugs(waves: dict[str, str]) -> dict[str, str]:
    """File-name slug -> wave label."""
    return {slug(label): label for label in waves}


def keyed_labels(value_set_name: str) -> dict[str, str]:
    """key -> label for value sets whose entries carry a ``key`` (e.g. WAI completion rows)."""
    return {e["key"]: e["label"] for e in value_set_entries(value_set_name) if "key" in e}


def blank_reason() -> str:
    """The missing-reason label for a blank answer (system-missing)."""
    return next(e["label"] for e in value_set_entries("mothers_missing_reason") if e.get("blank"))
