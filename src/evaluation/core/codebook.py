"""The study's codebook: one place that defines every column and category.

The codebook is a folder of YAML files that belongs to the study, not to the
package (``codebook/`` beside the study's ``config.yaml``): one file per
strand (``case_tracker.yaml``, ``derived.yaml``, and one per survey,
qualitative or activity source). :func:`load_codebook` merges them into one
dictionary; the helpers here turn its entries into the objects the readers,
tables and report use.

Which folder: the one :func:`use_codebook` named in this process, else the
environment variable ``EVALUATION_CODEBOOK`` (the Snakefile sets it from the
config's ``codebook:`` key, so every job and worker reads the study's
codebook), else ``codebook/`` in the working directory.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

if TYPE_CHECKING:
    import pandas as pd

#: The environment variable that names the study's codebook folder.
CODEBOOK_ENV = "EVALUATION_CODEBOOK"
_chosen: Path | None = None

_DASHES = str.maketrans({"\u2013": "-", "\u2014": "-", "\u2012": "-", "\u2212": "-", "\u2019": "'"})
_SPACES = re.compile(r"\s+")
_SPACED_PUNCT = re.compile(r"\s*([/:\-])\s*")


#: libyaml's safe loader parses the codebook in a twentieth of the time of the
#: pure-Python one (0.008 s against 0.14 s, same result); PyYAML built without
#: libyaml falls back to the pure-Python loader.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class CodebookError(FileNotFoundError):
    """The study's codebook folder is missing or holds no codebook files."""


def use_codebook(directory: str | Path | None) -> None:
    """Read the codebook from ``directory`` from now on in this process (None: back to the default)."""
    global _chosen
    _chosen = Path(directory).resolve() if directory is not None else None


def codebook_dir() -> Path:
    """The folder the codebook is read from (see the module docstring for the order)."""
    if _chosen is not None:
        return _chosen
    return _resolved(os.environ.get(CODEBOOK_ENV) or None, os.getcwd())


@cache
def _resolved(configured: str | None, cwd: str) -> Path:
    return (Path(cwd) / (configured or "codebook")).resolve()


def codebook_files(directory: str | Path | None = None) -> list[Path]:
    """The YAML files that make up the codebook, in a stable order."""
    folder = Path(directory) if directory is not None else codebook_dir()
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise CodebookError(
            f"no codebook found: {folder} has no .yaml files. A study keeps its codebook in a "
            f"folder beside its config.yaml (config key 'codebook', default 'codebook'); set "
            f"{CODEBOOK_ENV} or run from the study's folder."
        )
    return files


def load_codebook() -> dict:
    """All codebook files of the study merged into one mapping (top-level keys per file)."""
    return _load(str(codebook_dir()))


@cache
def _load(directory: str) -> dict:
    merged: dict = {}
    for path in codebook_files(directory):
        merged[path.stem] = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
    return merged


def normalise_text(value: object) -> str:
    """Fold a text value for matching: trim, casefold, unify dashes/quotes and spacing.

    ``' Not  Known '``, ``'not known'`` and ``'NOT KNOWN'`` fold alike, and so do
    ``'Direct contact not possible – mother supported'`` (en dash) and the
    hyphen form.
    """
    text = str(value).translate(_DASHES).strip().casefold()
    text = _SPACES.sub(" ", text)
    return _SPACED_PUNCT.sub(r"\1", text)


def normalise_header(name: object) -> str:
    """Fold a column header: trim, lower case, spaces/hyphens/underscores alike."""
    text = str(name).translate(_DASHES).strip().casefold()
    return re.sub(r"[\s_\-]+", "_", text)


@dataclass(frozen=True)
class ValueSet:
    """A category's canonical labels in codebook order and the variants they accept."""

    name: str
    labels: tuple[str, ...]
    lookup: dict

    def match(self, value: object) -> str | None:
        """Canonical label for a raw value, or None when it matches no variant."""
        return self.lookup.get(normalise_text(value))

    def short_labels(self) -> dict[str, str]:
        entries = load_codebook_value_set_entries(self.name)
        return {e["label"]: e.get("short", e["label"]) for e in entries}


def _all_value_sets() -> dict[str, list[dict]]:
    sets: dict[str, list[dict]] = {}
    for part in load_codebook().values():
        if isinstance(part, dict):
            for name, entries in (part.get("value_sets") or {}).items():
                if name in sets:
                    raise ValueError(f"value set {name!r} is defined twice in the codebook")
                sets[name] = entries
    return sets


def load_codebook_value_set_entries(name: str) -> list[dict]:
    sets = _all_value_sets()
    if name not in sets:
        raise KeyError(f"no value set {name!r} in the codebook")
    return sets[name]


def value_set(name: str) -> ValueSet:
    """The named value set, with each label also accepting itself as a variant."""
    return _value_set(str(codebook_dir()), name)


@cache
def _value_set(directory: str, name: str) -> ValueSet:
    entries = load_codebook_value_set_entries(name)
    lookup: dict[str, str] = {}
    for entry in entries:
        label = entry["label"]
        for variant in [label, *entry.get("variants", [])]:
            key = normalise_text(variant)
            if lookup.get(key, label) != label:
                raise ValueError(f"value set {name!r}: variant {variant!r} maps to two labels")
            lookup[key] = label
    return ValueSet(name=name, labels=tuple(e["label"] for e in entries), lookup=lookup)


def case_tracker_sheets() -> dict:
    """Sheet name -> sheet definition (unit, description, columns) of the case tracker."""
    return load_codebook()["case_tracker"]["sheets"]


def derived() -> dict:
    return load_codebook()["derived"]


def missing_label() -> str:
    return derived()["missing_label"]


# --------------------------------------------------------------------------- bands

_INTERVAL = re.compile(r"^\s*([\[(])\s*([-\d.]+)\s*,\s*([-\d.]+|inf)\s*([\])])\s*$")


@dataclass(frozen=True)
class Band:
    """A labelled numeric interval, e.g. ``Band('1-2 years', 12, 36, False, False)``."""

    label: str
    low: float
    high: float
    low_closed: bool
    high_closed: bool

    @classmethod
    def parse(cls, label: str, interval: str) -> Band:
        match = _INTERVAL.match(interval)
        if not match:
            raise ValueError(
                f"band {label!r}: cannot read interval {interval!r}; write e.g. '[18, 24]'"
            )
        open_low, low, high, close_high = match.groups()
        return cls(
            label=label,
            low=float(low),
            high=math.inf if high == "inf" else float(high),
            low_closed=open_low == "[",
            high_closed=close_high == "]",
        )

    def contains(self, values: pd.Series) -> pd.Series:
        import pandas as pd

        v = pd.to_numeric(values, errors="coerce").astype("float64")
        above = v >= self.low if self.low_closed else v > self.low
        below = v <= self.high if self.high_closed else v < self.high
        return (above & below).fillna(False).astype(bool)

    def describe(self) -> str:
        left = "[" if self.low_closed else "("
        right = "]" if self.high_closed else ")"
        high = "inf" if math.isinf(self.high) else f"{self.high:g}"
        return f"{left}{self.low:g}, {high}{right}"


@dataclass(frozen=True)
class Banding:
    name: str
    source: str
    bands: tuple[Band, ...]
    description: str = ""
    indeterminate_label: str | None = None

    @property
    def labels(self) -> tuple[str, ...]:
        extra = (self.indeterminate_label,) if self.indeterminate_label else ()
        return tuple(b.label for b in self.bands) + extra

    def assign(self, values: pd.Series) -> pd.Series:
        """Band label per value; missing stays missing; a value in no band is an error."""
        import pandas as pd

        result = pd.Series(pd.NA, index=values.index, dtype="string")
        numeric = pd.to_numeric(values, errors="coerce")
        for band in self.bands:
            hit = band.contains(numeric) & result.isna()
            result[hit] = band.label
        unbanded = numeric.notna() & result.isna()
        if unbanded.any():
            raise BandCoverageError(self, numeric[unbanded])
        return result

    def describe(self) -> str:
        """The bands as written: '18-24 [18, 24]; 25-29 [25, 29]; ...'."""
        return "; ".join(f"{b.label} {b.describe()}" for b in self.bands)


class BandCoverageError(ValueError):
    """Values that fall in no band of a banding: how many, and their range (never a list)."""

    def __init__(self, banding: Banding, values: pd.Series):
        self.banding = banding
        self.count = int(len(values))
        self.low, self.high = float(values.min()), float(values.max())
        super().__init__(
            f"band {banding.name!r}: {self.count} value(s) of {banding.source!r} "
            f"({self.span()}) fall in no band; check the band definitions"
        )

    def span(self) -> str:
        """'30 to 70', or '31' for one distinct value."""
        if self.low == self.high:
            return f"{self.low:g}"
        return f"from {self.low:g} to {self.high:g}"


def banding(name: str, overrides: dict | None = None) -> Banding:
    """The named banding from the codebook, or from config `bands:` when overridden there."""
    spec = dict(derived()["bands"][name])
    if overrides and name in overrides:
        spec.update(overrides[name])
    bands = tuple(Band.parse(label, interval) for label, interval in spec["bands"])
    _check_no_overlap(name, bands)
    return Banding(
        name=name,
        source=spec["source"],
        bands=bands,
        description=spec.get("description", ""),
        indeterminate_label=spec.get("indeterminate_label"),
    )


def _check_no_overlap(name: str, bands: tuple[Band, ...]) -> None:
    probes = sorted({b.low for b in bands} | {b.high for b in bands if not math.isinf(b.high)})
    probes += [p + 0.5 for p in probes]
    import pandas as pd

    series = pd.Series(probes, dtype="float64")
    hits = sum(b.contains(series).astype(int) for b in bands)
    if (hits > 1).any():
        raise ValueError(f"bands of {name!r} overlap; each value must fall in one band")


def _collect(key: str) -> dict[str, dict]:
    """A mapping merged across codebook files (e.g. every file's ``tables:``), no id twice."""
    merged: dict[str, dict] = {}
    for part in load_codebook().values():
        if not isinstance(part, dict):
            continue
        for item_id, spec in (part.get(key) or {}).items():
            if item_id in merged:
                raise ValueError(f"{key[:-1]} id {item_id!r} is defined twice in the codebook")
            merged[item_id] = spec
    return merged


def all_table_specs() -> dict[str, dict]:
    """Every table id the codebook defines (all strands), with its title.

    The qualitative strand's declared theme lists (``theme_lists:``) are
    tables too: their title, counted in participants.
    """
    specs = _collect("tables")
    theme_lists = (load_codebook().get("qualitative") or {}).get("theme_lists") or {}
    for table_id, declared in theme_lists.items():
        if isinstance(declared, dict) and table_id not in specs:
            specs[table_id] = {
                "title": declared.get("title", table_id),
                "unit": "participant",
                "theme_list": True,  # each row = a theme matrix row summed over groups
            }
    return specs


def item_labels(kind: str = "statement") -> dict[str, str]:
    """Item id -> the text a reader sees for it: its ``short`` label or its ``statement``.

    Every codebook entry that has a ``statement`` is an item a table may
    stack (a questionnaire's variables, extra labelled items such as a total
    score); ``kind="short"`` prefers the short label where there is one.
    """
    labels: dict[str, str] = {}
    for part in load_codebook().values():
        if not isinstance(part, dict):
            continue
        for section in part.values():
            if not isinstance(section, dict):
                continue
            for item_id, entry in section.items():
                if isinstance(entry, dict) and entry.get("statement"):
                    text = entry.get(kind) if kind == "short" else None
                    labels.setdefault(str(item_id), str(text or entry["statement"]))
    return labels


def all_figure_specs() -> dict[str, dict]:
    """Every figure id the codebook defines (all strands), with title and alt text."""
    return _collect("figures")


def all_key_fact_specs() -> dict[str, dict]:
    """Every key fact the codebook defines (all strands), with its disclosure links."""
    return _collect("key_facts")


def report_number_rules() -> dict[str, dict]:
    """Per context file, what each number of the report's prose is (``report_numbers:``).

    Several codebook files may declare numbers of one context file (the
    survey strand's context holds both questionnaires'): their rules are
    merged pattern by pattern, in file order. A pattern two files declare
    alike is one rule; declared differently, it stops with both.
    """
    merged: dict[str, dict] = {}
    for file, part in load_codebook().items():
        if not isinstance(part, dict):
            continue
        for context, rules in (part.get("report_numbers") or {}).items():
            into = merged.setdefault(context, {})
            for pattern, spec in (rules or {}).items():
                if pattern in into and into[pattern] != spec:
                    raise ValueError(
                        f"report number {context}: {pattern!r} is declared twice, differently "
                        f"(codebook/{file}.yaml: {spec!r}; earlier: {into[pattern]!r})"
                    )
                into[pattern] = spec
    return merged
