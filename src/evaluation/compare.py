"""Compare two runs of a study (`evaluation diff`) and keep a run for later (`evaluation baseline`).

A *run* is either a study folder after ``snakemake`` (its published tables
``report/tables/*.csv``, key facts ``report/tables/key_facts.csv`` and the
manifest ``report/build/manifest.json``) or a saved baseline
``report/baselines/<name>/`` (copies of those published tables under
``tables/`` and the manifest, written by :func:`save_baseline`).

:func:`compare_runs` compares every published table and key fact cell by
cell, keyed by (table, item if present, row, column); tables of another shape
are keyed by their first text column whose values are unique (or the shortest
unique run of text columns). Numeric cells report their difference; a
suppressed cell (a row whose ``n`` is empty) is shown as suppressed, never as
a number. The manifests' cut-off dates and data versions are compared too.
When both runs are study folders with processed data
(``data/processed/*.parquet`` with a ``case_id`` column, and the ledger), it
also lists the records that moved into or out of the run, by case id: that
part is for people with access to the raw data only, and says so.

Nothing here writes into either run: :func:`render_text` returns text and
:func:`render_html` a self-contained page (every value escaped) that the
command writes where it is told, outside the runs' ``report/`` and
``figures/`` (:func:`check_output_path`).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import html
import json
import re
import shutil
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

TABLES = Path("report/tables")
MANIFEST = Path("report/build/manifest.json")
BASELINES = Path("report/baselines")
PROCESSED = Path("data/processed")
LEDGER = PROCESSED / "audit" / "ledger.csv"
KEY_FACTS = "key_facts"
#: Key columns of the tidy format, in key order (outputs.md).
TIDY_KEYS = ("item", "row", "column")
#: Columns of a processed record that say where it was read, not what it holds.
POSITION_COLUMNS = {"source_file", "excel_row"}
BASELINE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
RESTRICTED = (
    "RESTRICTED: record-level comparison for people with access to the raw data. "
    "It names case ids: do not publish it, share it or copy it into a report."
)


class RunError(ValueError):
    """A folder that is not a run, or a baseline that cannot be saved (a usage problem)."""


# --------------------------------------------------------------------------- runs


@dataclass
class Run:
    """One side of a comparison: a study folder after a run, or a saved baseline."""

    label: str  # "A" or "B"
    path: Path
    kind: str  # "study" or "baseline"
    tables_dir: Path
    manifest: dict | None
    study: Path | None  # the study folder (a baseline's own study when it sits in one)

    @property
    def cutoff(self) -> str | None:
        if not self.manifest:
            return None
        value = self.manifest.get("cutoff_date") or (self.manifest.get("config") or {}).get(
            "cutoff_date"
        )
        return str(value) if value else None

    @property
    def data_version(self) -> str | None:
        """The manifest's data version, or the same fingerprint computed from its inputs."""
        if not self.manifest:
            return None
        if self.manifest.get("data_version"):
            return str(self.manifest["data_version"])
        inputs = self.manifest.get("inputs")
        if not isinstance(inputs, dict):
            return None
        # evaluation.core.provenance.data_fingerprint over the manifest's hashes
        digest = hashlib.sha256()
        for path in sorted(str(p) for p in inputs):
            digest.update(path.encode())
            digest.update(str(inputs[path]).encode())
        return digest.hexdigest()[:12]

    @property
    def pipeline(self) -> str | None:
        if not self.manifest:
            return None
        version = (self.manifest.get("packages") or {}).get("evaluation")
        commit = (self.manifest.get("git") or {}).get("short")
        parts = [f"evaluation {version}" if version else "", f"commit {commit}" if commit else ""]
        return ", ".join(p for p in parts if p) or None

    @property
    def processed(self) -> Path | None:
        """``data/processed`` of a study folder, when the run left one."""
        if self.kind != "study":
            return None
        folder = self.path / PROCESSED
        return folder if folder.is_dir() else None

    def table_files(self) -> dict[str, Path]:
        return {p.stem: p for p in sorted(self.tables_dir.glob("*.csv")) if p.is_file()}

    def describe(self) -> str:
        what = "study folder" if self.kind == "study" else "saved baseline"
        facts = [f"cut-off {self.cutoff or 'unknown'}", f"data version {self.data_version or '?'}"]
        if not self.manifest:
            facts = ["no manifest: cut-off and data version unknown"]
        return f"{self.path} ({what}; {', '.join(facts)})"


def open_run(text: str | Path, label: str = "A") -> Run:
    """The run in a folder: a study after snakemake, or a baseline (also by name, from here)."""
    path = Path(text)
    if not path.is_dir():
        named = BASELINES / str(text)
        if BASELINE_NAME.match(str(text)) and named.is_dir():
            path = named
        else:
            raise RunError(
                f"'{text}' is not a folder. Give a study folder after snakemake, a saved "
                "baseline folder (report/baselines/<name>) or the name of a baseline of the "
                "study in the current folder"
            )
    path = path.resolve()
    if (path / TABLES).is_dir():
        run = Run(label, path, "study", path / TABLES, _read_manifest(path / MANIFEST), path)
    elif (path / "manifest.json").is_file():
        tables = path / "tables" if (path / "tables").is_dir() else path
        study = (
            path.parents[2]
            if path.parent.name == "baselines" and path.parent.parent.name == "report"
            else None
        )
        run = Run(label, path, "baseline", tables, _read_manifest(path / "manifest.json"), study)
    else:
        raise RunError(
            f"'{text}' is neither a study folder with published tables ({TABLES.as_posix()}/) "
            "nor a saved baseline (manifest.json and tables/)"
        )
    if not run.table_files():
        raise RunError(
            f"'{text}' has no published tables ({run.tables_dir}/*.csv): run snakemake first"
        )
    return run


def _read_manifest(path: Path) -> dict | None:
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


# --------------------------------------------------------------------------- tables


@dataclass
class Table:
    header: list[str]
    rows: list[dict[str, str]]


def read_table(path: Path) -> Table:
    """A published CSV as text, exactly as written (no type guessing)."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        rows = [
            dict(zip(header, line + [""] * (len(header) - len(line)), strict=False))
            for line in reader
            if line
        ]
    return Table(header, rows)


def number(text: str) -> Decimal | None:
    """The number a cell holds, or None for text and empty cells."""
    text = text.strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def signed(value: Decimal) -> str:
    if value == value.to_integral_value() and "." not in str(value):
        return f"{int(value):+d}"
    return f"{value:+f}"


@dataclass(frozen=True)
class Cell:
    text: str
    suppressed: bool = False

    def shown(self) -> str:
        if self.suppressed:
            return "suppressed"
        return self.text if self.text.strip() else "(empty)"


@dataclass
class CellChange:
    column: str
    old: Cell
    new: Cell
    difference: str | None  # signed difference when both are numbers


@dataclass
class RowChange:
    key: tuple[str, ...]
    changes: list[CellChange]


@dataclass
class TableDiff:
    """The differences of one published table (or of the key facts) between A and B."""

    table: str
    status: str  # "added", "removed" or "compared"
    key_columns: list[str] = field(default_factory=list)
    rows_a: int = 0
    rows_b: int = 0
    columns_added: list[str] = field(default_factory=list)
    columns_removed: list[str] = field(default_factory=list)
    rows_added: list[tuple[tuple[str, ...], dict[str, Cell]]] = field(default_factory=list)
    rows_removed: list[tuple[tuple[str, ...], dict[str, Cell]]] = field(default_factory=list)
    changed: list[RowChange] = field(default_factory=list)
    cells_compared: int = 0

    @property
    def differs(self) -> bool:
        return self.status != "compared" or bool(
            self.columns_added
            or self.columns_removed
            or self.rows_added
            or self.rows_removed
            or self.changed
        )

    @property
    def cells_changed(self) -> int:
        return sum(len(r.changes) for r in self.changed)

    @property
    def cells_added(self) -> int:
        return sum(len(cells) for _, cells in self.rows_added)

    @property
    def cells_removed(self) -> int:
        return sum(len(cells) for _, cells in self.rows_removed)


def row_cells(row: dict[str, str], columns: list[str]) -> dict[str, Cell]:
    """A row's cells; in a table with counts, a row whose n is empty is suppressed."""
    suppressed = "n" in row and not row["n"].strip()
    return {c: Cell(row.get(c, ""), suppressed and not row.get(c, "").strip()) for c in columns}


def key_columns(header: list[str], tables: list[Table]) -> list[str]:
    """Columns that identify a row: the tidy key, else the first unique text column(s)."""
    if "fact" in header:
        base = [c for c in ("fact", "column") if c in header]
    else:
        base = [c for c in TIDY_KEYS if c in header]
    if "row" not in base and "column" not in base and "fact" not in base:
        base = []
    values = {c: [r.get(c, "") for t in tables for r in t.rows] for c in header if c not in base}
    text = [  # columns of text (not numbers, not all empty), in header order
        c for c, cells in values.items() if any(cells) and all(number(v) is None for v in cells)
    ]

    def unique(columns: list[str]) -> bool:
        return all(
            len({tuple(r.get(c, "") for c in columns) for r in t.rows}) == len(t.rows)
            for t in tables
        )

    if base and unique(base):
        return base
    if not base:
        for column in text:
            if unique([column]):
                return [column]
    for extra in range(1, len(text) + 1):
        if unique(base + text[:extra]):
            return base + text[:extra]
    return base or text[:1] or header[:1]


def keyed_rows(table: Table, keys: list[str]) -> dict[tuple[str, ...], dict[str, str]]:
    """Rows by key; a key that repeats gets its occurrence number (#2, #3...)."""
    out: dict[tuple[str, ...], dict[str, str]] = {}
    seen: dict[tuple[str, ...], int] = {}
    for row in table.rows:
        key = tuple(row.get(c, "") for c in keys)
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            key = (*key[:-1], f"{key[-1]} (#{seen[key]})") if key else (f"#{seen[key]}",)
        out[key] = row
    return out


def compare_cells(old: Cell, new: Cell, tolerance: Decimal) -> tuple[bool, str | None]:
    """(differs, signed difference) of two cells; suppressed cells are never numbers."""
    if old.suppressed or new.suppressed:
        return old.suppressed != new.suppressed, None
    a, b = number(old.text), number(new.text)
    if a is not None and b is not None:
        difference = b - a
        return abs(difference) > tolerance, signed(difference)
    return old.text != new.text, None


def compare_table(name: str, a: Table | None, b: Table | None, tolerance: Decimal) -> TableDiff:
    if a is None or b is None:
        present = a or b
        return TableDiff(
            name,
            "added" if a is None else "removed",
            rows_a=len(a.rows) if a else 0,
            rows_b=len(b.rows) if b else 0,
            cells_compared=len(present.rows) * len(present.header),
        )
    shared = [c for c in b.header if c in a.header]
    keys = key_columns(shared, [a, b])
    values = [c for c in shared if c not in keys]
    diff = TableDiff(
        name,
        "compared",
        key_columns=keys,
        rows_a=len(a.rows),
        rows_b=len(b.rows),
        columns_added=[c for c in b.header if c not in a.header],
        columns_removed=[c for c in a.header if c not in b.header],
    )
    rows_a, rows_b = keyed_rows(a, keys), keyed_rows(b, keys)
    for key, row in rows_b.items():
        if key not in rows_a:
            diff.rows_added.append((key, row_cells(row, [c for c in b.header if c not in keys])))
    for key, row in rows_a.items():
        if key not in rows_b:
            diff.rows_removed.append((key, row_cells(row, [c for c in a.header if c not in keys])))
            continue
        old_cells = row_cells(row, values)
        new_cells = row_cells(rows_b[key], values)
        changes = []
        for column in values:
            diff.cells_compared += 1
            differs, difference = compare_cells(old_cells[column], new_cells[column], tolerance)
            if differs:
                changes.append(CellChange(column, old_cells[column], new_cells[column], difference))
        if changes:
            diff.changed.append(RowChange(key, changes))
    return diff


# --------------------------------------------------------------------------- bases


@dataclass
class BaseChange:
    """A set of column bases (denominators) that changed the same way in several outputs."""

    columns: list[tuple[str, str, str]]  # (column, old base, new base)
    outputs: list[str]  # table ids, and "key fact <id>"
    units: list[str]  # the codebook's units of those tables (what their n counts)
    records: str | None = None  # "mothers (data/processed/mothers.parquet)" when it is that count


def table_bases(table: Table) -> dict[str, dict[str, str]]:
    """Per item (or fact; "" when none), the denominator of each column when it is one value."""
    if "denominator" not in table.header or "column" not in table.header:
        return {}
    group = "fact" if "fact" in table.header else ("item" if "item" in table.header else None)
    found: dict[str, dict[str, set[str]]] = {}
    for row in table.rows:
        base = row.get("denominator", "").strip()
        if number(base) is None:
            continue
        found.setdefault(row.get(group, "") if group else "", {}).setdefault(
            row["column"], set()
        ).add(base)
    return {
        item: {column: next(iter(v)) for column, v in columns.items()}
        for item, columns in found.items()
        if all(len(v) == 1 for v in columns.values())
    }


def base_changes(
    tables_a: dict[str, Table], tables_b: dict[str, Table], units: dict[str, str]
) -> list[BaseChange]:
    """Column bases that changed, grouped: one line per distinct change (e.g. mothers 35 -> 94)."""
    groups: dict[tuple, BaseChange] = {}
    for name in sorted(set(tables_a) & set(tables_b)):
        old, new = table_bases(tables_a[name]), table_bases(tables_b[name])
        if name != KEY_FACTS and (len(old) > 1 or len(new) > 1):
            continue  # a base per survey item: the cells show it
        for item in sorted(set(old) & set(new)):
            columns = [c for c in new[item] if c in old[item]]
            if all(old[item][c] == new[item][c] for c in columns):
                continue
            signature = tuple(sorted((c, old[item][c], new[item][c]) for c in columns))
            change = groups.setdefault(
                signature, BaseChange([(c, old[item][c], new[item][c]) for c in columns], [], [])
            )
            change.outputs.append(f"key fact {item}" if name == KEY_FACTS else name)
            if name != KEY_FACTS and units.get(name) and units[name] not in change.units:
                change.units.append(units[name])
    ordered = sorted(groups.values(), key=lambda g: (-len(g.outputs), g.outputs))
    for change in ordered:  # "Total" first: the line a reader looks for
        change.columns.sort(key=lambda c: c[0] != "Total")
    return ordered


def codebook_units(study: Path | None) -> dict[str, str]:
    """Table id -> the unit its codebook declares (what the table counts), when readable."""
    if study is None:
        return {}
    try:
        import yaml

        folder = study / "codebook"
        config = study / "config.yaml"
        if config.is_file():
            raw = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
            if isinstance(raw, dict) and raw.get("codebook"):
                folder = study / str(raw["codebook"])
        units = {}
        for path in sorted(folder.glob("*.yaml")):
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            tables = data.get("tables") if isinstance(data, dict) else None
            for name, spec in (tables or {}).items() if isinstance(tables, dict) else []:
                if isinstance(spec, dict) and spec.get("unit"):
                    units[str(name)] = str(spec["unit"])
        return units
    except Exception:  # the units only label the summary; a codebook that fails is skipped
        return {}


# --------------------------------------------------------------------------- records


@dataclass
class MovedRecord:
    case_id: str
    details: str  # prison, first contact
    reason: str
    listed_above: bool = False  # a case already listed under the main file (mothers)


@dataclass
class RecordDiff:
    """Case ids of one processed file (data/processed/<name>.parquet) in A and in B."""

    name: str
    rows_a: int
    rows_b: int
    cases_a: int
    cases_b: int
    moved_in: list[MovedRecord] = field(default_factory=list)
    moved_out: list[MovedRecord] = field(default_factory=list)
    count_changes: list[tuple[str, int, int]] = field(default_factory=list)  # case, old, new
    value_changes: list[tuple[str, list[str]]] = field(default_factory=list)  # case, columns
    one_per_case: bool = False
    dated: bool = False  # has first_contact_date: the file of cases itself (mothers)
    related: dict[str, list[str]] = field(default_factory=dict)  # case -> other files' changes

    @property
    def differs(self) -> bool:
        return bool(self.moved_in or self.moved_out or self.count_changes or self.value_changes)


@dataclass
class LedgerChange:
    entry: str
    old: str | None
    new: str | None


@dataclass
class RecordComparison:
    compared: bool
    note: str = ""
    files: list[RecordDiff] = field(default_factory=list)
    only_in: list[str] = field(default_factory=list)  # files in one run only
    ledger: list[LedgerChange] = field(default_factory=list)
    ledger_note: str = ""

    @property
    def differs(self) -> bool:
        return bool(
            self.compared and (any(f.differs for f in self.files) or self.ledger or self.only_in)
        )


def _case_files(folder: Path) -> dict[str, object]:
    import pandas as pd

    frames = {}
    for path in sorted(folder.glob("*.parquet")):
        frame = pd.read_parquet(path)
        if "case_id" in frame.columns:
            frame = frame.copy()
            frame["case_id"] = frame["case_id"].astype("string").fillna("")
            frames[path.stem] = frame
    return frames


def _date_text(value) -> str:
    if value is None:
        return ""
    try:
        import pandas as pd

        if pd.isna(value):
            return ""
        return pd.Timestamp(value).date().isoformat()
    except (TypeError, ValueError):
        return str(value)


def _record_details(row) -> tuple[str, str]:
    parts = []
    if "prison" in row and str(row["prison"]) not in {"", "<NA>", "nan"}:
        parts.append(str(row["prison"]))
    first = _date_text(row["first_contact_date"]) if "first_contact_date" in row else ""
    if first:
        parts.append(f"first contact {first}")
    return ", ".join(parts), first


def _as_text(frame):
    return frame.astype("string").fillna("")


def compare_records(a: Run, b: Run) -> RecordComparison:
    """Which case ids moved into or out of the run, per processed file, and the ledgers."""
    if a.processed is None or b.processed is None:
        which = [r.label for r in (a, b) if r.processed is None]
        why = " and ".join(which) + (" is" if len(which) == 1 else " are")
        return RecordComparison(
            False,
            f"records not compared: {why} not a study folder with processed data "
            f"({PROCESSED.as_posix()}/); a saved baseline keeps published files only",
        )
    files_a, files_b = _case_files(a.processed), _case_files(b.processed)
    if not files_a or not files_b:
        return RecordComparison(
            False,
            f"records not compared: no {PROCESSED.as_posix()}/*.parquet with a case_id column "
            "in " + " and ".join(r.label for r, f in ((a, files_a), (b, files_b)) if not f),
        )
    result = RecordComparison(True)
    result.only_in = [f"{n} only in A" for n in files_a if n not in files_b] + [
        f"{n} only in B" for n in files_b if n not in files_a
    ]
    for name in [n for n in files_b if n in files_a]:
        result.files.append(_compare_case_file(name, files_a[name], files_b[name], a, b))
    result.files.sort(key=lambda f: (not f.dated, not f.one_per_case))
    _relate_to_cases(result.files)
    result.ledger, result.ledger_note = compare_ledgers(a, b)
    return result


def _relate_to_cases(files: list[RecordDiff]) -> None:
    """Other files' case ids told against the file of cases (mothers), listed once."""
    if not files or not files[0].one_per_case:
        return
    main, others = files[0], files[1:]
    new = {m.case_id for m in main.moved_in}
    gone = {m.case_id for m in main.moved_out}
    for diff in others:
        for moved in diff.moved_in:
            if moved.case_id in new:
                moved.reason = f"new cases (listed under {main.name} above)"
                moved.listed_above = True
            else:
                moved.reason = f"first records in {diff.name} of cases already in A's run"
                main.related.setdefault(moved.case_id, []).append(f"first records in {diff.name}")
        for moved in diff.moved_out:
            if moved.case_id in gone:
                moved.reason = f"cases no longer included (listed under {main.name} above)"
                moved.listed_above = True
            else:
                moved.reason = f"no {diff.name} records left in B for a case still in the run"
        for case, old, count in diff.count_changes:
            main.related.setdefault(case, []).append(f"{diff.name} {old} -> {count}")
        for moved in diff.moved_out:
            if not moved.listed_above:
                main.related.setdefault(moved.case_id, []).append(f"no {diff.name} records left")


def _compare_case_file(name: str, fa, fb, a: Run, b: Run) -> RecordDiff:
    ids_a, ids_b = set(fa["case_id"]), set(fb["case_id"])
    one_per_case = bool(fa["case_id"].is_unique and fb["case_id"].is_unique)
    dated = one_per_case and "first_contact_date" in fb.columns
    diff = RecordDiff(name, len(fa), len(fb), len(ids_a), len(ids_b), one_per_case=one_per_case)
    diff.dated = dated
    first_a = fa.drop_duplicates("case_id").set_index("case_id", drop=False)
    first_b = fb.drop_duplicates("case_id").set_index("case_id", drop=False)
    for case in sorted(ids_b - ids_a):
        details, first = _record_details(first_b.loc[case])
        if first and a.cutoff and first > a.cutoff:
            reason = f"new case: first contact after A's cut-off ({a.cutoff})"
        elif first and a.cutoff:
            reason = (
                f"new case: first contact on or before A's cut-off ({a.cutoff}) but not in A's "
                "run (added to the raw files, or its exclusion corrected, since)"
            )
        else:
            reason = "new case: not in A's run"
        diff.moved_in.append(MovedRecord(case, details, reason))
    for case in sorted(ids_a - ids_b):
        details, first = _record_details(first_a.loc[case])
        if first and b.cutoff and first > b.cutoff:
            reason = f"no longer included: first contact after B's cut-off ({b.cutoff})"
        else:
            reason = (
                "no longer included: not in B's run (removed from the raw files, or excluded: "
                "see B's ledger)"
            )
        diff.moved_out.append(MovedRecord(case, details, reason))
    both = sorted(ids_a & ids_b)
    if one_per_case:
        columns = [c for c in fb.columns if c in fa.columns and c not in POSITION_COLUMNS]
        old = _as_text(first_a.loc[both, columns])
        new = _as_text(first_b.loc[both, columns])
        unequal = old.ne(new)
        for case in both:
            changed = [c for c in columns if unequal.at[case, c]]
            if changed:
                diff.value_changes.append((case, changed))
    else:
        count_a, count_b = fa["case_id"].value_counts(), fb["case_id"].value_counts()
        for case in both:
            if int(count_a[case]) != int(count_b[case]):
                diff.count_changes.append((case, int(count_a[case]), int(count_b[case])))
    return diff


def compare_ledgers(a: Run, b: Run) -> tuple[list[LedgerChange], str]:
    """Rows read, used and excluded, with reasons: the entries whose row counts differ."""
    paths = [r.path / LEDGER for r in (a, b)]
    missing = [r.label for r, p in zip((a, b), paths, strict=True) if not p.is_file()]
    if missing:
        return [], f"ledger not compared: no {LEDGER.as_posix()} in {' and '.join(missing)}"
    entries = []
    for path in paths:
        table = read_table(path)
        fields = [c for c in table.header if c != "rows"]
        counts: dict[str, str] = {}
        for row in table.rows:
            entry = " / ".join(row.get(c, "") for c in fields if row.get(c, ""))
            counts[entry] = str(
                int(number(counts.get(entry, "0")) or 0) + int(number(row.get("rows", "")) or 0)
            )
        entries.append(counts)
    old, new = entries
    changes = [
        LedgerChange(entry, old.get(entry), new.get(entry))
        for entry in list(old) + [e for e in new if e not in old]
        if old.get(entry) != new.get(entry)
    ]
    return changes, ""


# --------------------------------------------------------------------------- comparison


@dataclass
class Comparison:
    a: Run
    b: Run
    tolerance: Decimal
    tables: list[TableDiff]  # key facts first, then the tables by id
    bases: list[BaseChange]
    records: RecordComparison
    notes: list[str]

    @property
    def cutoff_changed(self) -> bool:
        return self.a.cutoff != self.b.cutoff

    @property
    def data_version_changed(self) -> bool:
        return self.a.data_version != self.b.data_version

    @property
    def differs(self) -> bool:
        return (
            self.cutoff_changed
            or self.data_version_changed
            or any(t.differs for t in self.tables)
            or self.records.differs
        )


def compare_runs(
    a: str | Path | Run, b: str | Path | Run, tolerance: float | str = 0, records: bool = True
) -> Comparison:
    """Compare run A (the earlier) with run B (the later): tables, key facts, manifests, records."""
    run_a = a if isinstance(a, Run) else open_run(a, "A")
    run_b = b if isinstance(b, Run) else open_run(b, "B")
    tol = Decimal(str(tolerance))
    files_a, files_b = run_a.table_files(), run_b.table_files()
    loaded_a = {name: read_table(path) for name, path in files_a.items()}
    loaded_b = {name: read_table(path) for name, path in files_b.items()}
    names = sorted(set(loaded_a) | set(loaded_b), key=lambda n: (n != KEY_FACTS, n))
    tables = [compare_table(n, loaded_a.get(n), loaded_b.get(n), tol) for n in names]
    units = codebook_units(run_b.study) or codebook_units(run_a.study)
    bases = base_changes(loaded_a, loaded_b, units)
    record_result = (
        compare_records(run_a, run_b)
        if records
        else RecordComparison(False, "records not compared (--no-records)")
    )
    _name_record_bases(bases, record_result)
    notes = _manifest_notes(run_a) + _manifest_notes(run_b)
    return Comparison(run_a, run_b, tol, tables, bases, record_result, notes)


def _name_record_bases(bases: list[BaseChange], records: RecordComparison) -> None:
    """A base whose Total is a processed file's number of cases is that file's count."""
    for change in bases:
        total = dict((c, (o, n)) for c, o, n in change.columns).get("Total")
        if total is None:
            continue
        for diff in records.files:
            one_per_case = diff.rows_a == diff.cases_a and diff.rows_b == diff.cases_b
            if one_per_case and (str(diff.cases_a), str(diff.cases_b)) == total:
                change.records = f"{diff.name} ({PROCESSED.as_posix()}/{diff.name}.parquet)"
                break


def _manifest_notes(run: Run) -> list[str]:
    """Published tables that do not match the hash the run's manifest recorded."""
    if not run.manifest:
        return [f"{run.label} has no manifest: its cut-off and data version are unknown"]
    outputs = run.manifest.get("outputs") or {}
    notes = []
    for name, path in run.table_files().items():
        recorded = outputs.get(f"{TABLES.as_posix()}/{name}.csv")
        if recorded and recorded != _sha256(path):
            notes.append(
                f"{run.label}: {name}.csv differs from the hash in its manifest "
                "(changed after the run?)"
            )
    return notes


def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# --------------------------------------------------------------------------- text


def _key_text(key: tuple[str, ...]) -> str:
    return " / ".join(k if k else "(blank)" for k in key)


def _change_text(change: CellChange) -> str:
    text = f"{change.column} {change.old.shown()} -> {change.new.shown()}"
    return text + (f" ({change.difference})" if change.difference else "")


def _cells_text(cells: dict[str, Cell]) -> str:
    return ", ".join(f"{c} {cell.shown()}" for c, cell in cells.items())


def _base_text(change: BaseChange) -> str:
    parts = []
    for column, old, new in change.columns:
        a, b = number(old), number(new)
        delta = f" ({signed(b - a)})" if a is not None and b is not None and a != b else ""
        parts.append(f"{column} {old} -> {new}{delta}")
    return "; ".join(parts)


def _listed(names: list[str], limit: int = 8) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def summary_lines(comparison: Comparison) -> list[str]:
    a, b = comparison.a, comparison.b
    lines = []
    if comparison.cutoff_changed:
        lines.append(f"Cut-off date: {a.cutoff or 'unknown'} -> {b.cutoff or 'unknown'} (changed)")
    else:
        lines.append(f"Cut-off date: {a.cutoff or 'unknown'} in both")
    if comparison.data_version_changed:
        lines.append(
            f"Data version: {a.data_version or 'unknown'} -> {b.data_version or 'unknown'} "
            "(the raw files differ)"
        )
    else:
        lines.append(f"Data version: {a.data_version or 'unknown'} in both (the same raw files)")
    if a.pipeline != b.pipeline:
        lines.append(f"Pipeline: {a.pipeline or 'unknown'} -> {b.pipeline or 'unknown'}")
    for change in sorted(comparison.bases, key=lambda c: c.records is None):
        what = f"Number of {change.records}" if change.records else "Base (denominator)"
        lines.append(f"{what}: {_base_text(change)}")
        counted = f" (they count: {', '.join(change.units)})" if change.units else ""
        outputs = f"{len(change.outputs)} output{'s' if len(change.outputs) > 1 else ''}"
        lines.append(f"  the base of {outputs}{counted}: {_listed(change.outputs)}")
    tables = [t for t in comparison.tables if t.table != KEY_FACTS]
    facts = [t for t in comparison.tables if t.table == KEY_FACTS]
    for fact in facts:
        lines.append(
            f"Key facts: {fact.cells_changed} cells changed, {len(fact.rows_added)} rows added, "
            f"{len(fact.rows_removed)} removed"
            if fact.status == "compared"
            else f"Key facts: {fact.status} in B"
        )
    compared = [t for t in tables if t.status == "compared"]
    lines.append(
        f"Tables: {len(compared)} compared, {sum(t.differs for t in compared)} with differences; "
        f"{sum(t.status == 'added' for t in tables)} added, "
        f"{sum(t.status == 'removed' for t in tables)} removed; cells changed "
        f"{sum(t.cells_changed for t in compared):,}, added {sum(t.cells_added for t in compared):,}, "
        f"removed {sum(t.cells_removed for t in compared):,}"
    )
    records = comparison.records
    if records.compared:
        counts = "; ".join(
            f"{f.name} {f.rows_a:,} -> {f.rows_b:,}"
            + (f" ({signed(Decimal(f.rows_b - f.rows_a))})" if f.rows_a != f.rows_b else "")
            for f in records.files
        )
        lines.append(f"Records in the run ({PROCESSED.as_posix()}): {counts}")
    return lines


def table_lines(diff: TableDiff) -> list[str]:
    title = "Key facts" if diff.table == KEY_FACTS else f"Table {diff.table}"
    if diff.status == "added":
        return [f"{title}: added in B ({diff.rows_b} rows)"]
    if diff.status == "removed":
        return [f"{title}: removed in B ({diff.rows_a} rows in A)"]
    lines = [f"{title} (rows keyed by {' / '.join(diff.key_columns)})"]
    if diff.columns_added:
        lines.append(f"  columns added: {', '.join(diff.columns_added)}")
    if diff.columns_removed:
        lines.append(f"  columns removed: {', '.join(diff.columns_removed)}")
    for row in diff.changed:
        lines.append(
            f"  changed  {_key_text(row.key)}: " + "; ".join(map(_change_text, row.changes))
        )
    for key, cells in diff.rows_added:
        lines.append(f"  added    {_key_text(key)}: {_cells_text(cells)}")
    for key, cells in diff.rows_removed:
        lines.append(f"  removed  {_key_text(key)}: {_cells_text(cells)}")
    return lines


def record_lines(records: RecordComparison) -> list[str]:
    if not records.compared:
        return [records.note] if records.note else []
    lines = ["Records that moved into or out of the run", RESTRICTED]
    lines += [f"  {text}" for text in records.only_in]
    for diff in records.files:
        lines.append(
            f"  {diff.name} ({PROCESSED.as_posix()}/{diff.name}.parquet): {diff.rows_a:,} -> "
            f"{diff.rows_b:,} records, {diff.cases_a:,} -> {diff.cases_b:,} case ids"
        )
        for heading, moved in (
            ("moved into the run", diff.moved_in),
            ("moved out of the run", diff.moved_out),
        ):
            if not moved:
                continue
            lines.append(f"    {heading} ({len(moved)}):")
            for reason in dict.fromkeys(m.reason for m in moved):
                group = [m for m in moved if m.reason == reason]
                if group[0].listed_above:
                    lines.append(f"      {reason}: {len(group)}")
                    continue
                lines.append(f"      {reason} ({len(group)}):")
                lines += [
                    f"        {m.case_id}" + (f"  ({m.details})" if m.details else "")
                    for m in group
                ]
        if diff.count_changes:
            lines.append(
                f"    cases in both runs with a different number of {diff.name} records "
                f"({len(diff.count_changes)}):"
            )
            lines += [
                f"      {case}: {old} -> {new} ({signed(Decimal(new - old))})"
                for case, old, new in diff.count_changes
            ]
        if diff.value_changes:
            lines.append(
                f"    cases in both runs whose values differ ({len(diff.value_changes)}; in "
                "brackets, the case's other records that changed, e.g. new reviews; without, "
                "a corrected value or one derived at the cut-off):"
            )
            for case, columns in diff.value_changes:
                related = diff.related.get(case)
                lines.append(
                    f"      {case}: {', '.join(columns)}"
                    + (f" ({'; '.join(related)})" if related else "")
                )
    if records.ledger:
        lines.append(f"  ledger ({LEDGER.as_posix()}), rows that differ:")
        lines += [f"    {c.entry}: {c.old or '0'} -> {c.new or '0'}" for c in records.ledger]
    elif records.ledger_note:
        lines.append(f"  {records.ledger_note}")
    return lines


def render_text(comparison: Comparison) -> str:
    """The comparison as text for the terminal."""
    a, b = comparison.a, comparison.b
    lines = ["evaluation diff", f"A: {a.describe()}", f"B: {b.describe()}"]
    if comparison.tolerance:
        lines.append(f"Numeric differences up to {comparison.tolerance} are ignored.")
    lines += [f"Note: {n}" for n in comparison.notes]
    if not comparison.differs:
        compared = sum(t.status == "compared" for t in comparison.tables)
        lines.append("")
        lines.append(
            f"no differences ({compared} published tables incl. key facts, cut-off "
            f"{a.cutoff or 'unknown'}, data version {a.data_version or 'unknown'}"
            + ("; records and ledger" if comparison.records.compared else "")
            + ")"
        )
        if not comparison.records.compared and comparison.records.note:
            lines.append(comparison.records.note)
        return "\n".join(lines) + "\n"
    lines += ["", "Summary", *[f"  {line}" for line in summary_lines(comparison)]]
    for diff in comparison.tables:
        if diff.differs:
            lines += ["", *table_lines(diff)]
    lines += ["", *record_lines(comparison.records)]
    return "\n".join(lines).rstrip() + "\n"


# --------------------------------------------------------------------------- HTML

STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;max-width:70em;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em}
table{border-collapse:collapse;margin:.5em 0}
td,th{border:1px solid #bbb;padding:.2em .5em;text-align:left;vertical-align:top}
th{background:#eee}.num{text-align:right;font-variant-numeric:tabular-nums}
.suppressed{font-style:italic;color:#666}.restricted{border:3px solid #b00;padding:0 1em 1em}
.restricted>p:first-child{color:#b00;font-weight:bold}.same{color:#060}
"""


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _cell_html(cell: Cell | None) -> str:
    if cell is None:
        return "<td></td>"
    css = ' class="suppressed"' if cell.suppressed else ""
    return f"<td{css}>{_e(cell.shown())}</td>"


def render_html(comparison: Comparison) -> str:
    """A small self-contained page: no scripts, no external references, every value escaped."""
    a, b = comparison.a, comparison.b
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>evaluation diff</title>",
        f"<style>{STYLE}</style></head><body>",
        "<h1>evaluation diff</h1>",
        "<table>",
        f"<tr><th>A</th><td>{_e(a.describe())}</td></tr>",
        f"<tr><th>B</th><td>{_e(b.describe())}</td></tr>",
        "</table>",
    ]
    out += [f"<p>Note: {_e(n)}</p>" for n in comparison.notes]
    if not comparison.differs:
        out.append('<p class="same"><strong>no differences</strong></p>')
    else:
        items: list[str] = []
        for line in summary_lines(comparison):
            if line.startswith(" ") and items:  # a detail of the line above
                items[-1] += f"<br>{_e(line.strip())}"
            else:
                items.append(_e(line))
        out += ["<h2>Summary</h2><ul>", *[f"<li>{item}</li>" for item in items], "</ul>"]
        for diff in comparison.tables:
            if diff.differs:
                out += _table_html(diff)
        out += _records_html(comparison.records)
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def _table_html(diff: TableDiff) -> list[str]:
    title = "Key facts" if diff.table == KEY_FACTS else f"Table {diff.table}"
    if diff.status != "compared":
        rows = diff.rows_b if diff.status == "added" else diff.rows_a
        return [f"<h2>{_e(title)}</h2>", f"<p>{_e(diff.status)} in B ({rows} rows)</p>"]
    out = [f"<h2>{_e(title)}</h2>"]
    for label, columns in (
        ("Columns added", diff.columns_added),
        ("Columns removed", diff.columns_removed),
    ):
        if columns:
            out.append(f"<p>{label}: {_e(', '.join(columns))}</p>")
    head = "".join(f"<th>{_e(c)}</th>" for c in diff.key_columns)
    out.append(
        f"<table><tr><th>change</th>{head}<th>field</th><th>A</th><th>B</th>"
        "<th>difference</th></tr>"
    )
    width = len(diff.key_columns)

    def key_cells(key):
        return "".join(f"<td>{_e(k)}</td>" for k in (list(key) + [""] * width)[:width])

    for row in diff.changed:
        for change in row.changes:
            out.append(
                f"<tr><td>changed</td>{key_cells(row.key)}<td>{_e(change.column)}</td>"
                f"{_cell_html(change.old)}{_cell_html(change.new)}"
                f'<td class="num">{_e(change.difference or "")}</td></tr>'
            )
    for status, rows in (("added", diff.rows_added), ("removed", diff.rows_removed)):
        for key, cells in rows:
            for column, cell in cells.items():
                old, new = (None, cell) if status == "added" else (cell, None)
                out.append(
                    f"<tr><td>{status}</td>{key_cells(key)}<td>{_e(column)}</td>"
                    f"{_cell_html(old)}{_cell_html(new)}<td></td></tr>"
                )
    out.append("</table>")
    return out


def _records_html(records: RecordComparison) -> list[str]:
    if not records.compared:
        return [f"<p>{_e(records.note)}</p>"] if records.note else []
    lines = record_lines(records)
    return [
        '<div class="restricted">',
        f"<p>{_e(RESTRICTED)}</p>",
        f"<h2>{_e(lines[0])}</h2>",
        f"<pre>{_e(chr(10).join(line for line in lines[2:]))}</pre>",
        "</div>",
    ]


# --------------------------------------------------------------------------- output guard


def protected_folders(*runs: Run) -> list[Path]:
    """Where diff must never write: each run's report/ and figures/, and baseline folders."""
    folders = []
    studies = {r.study for r in runs if r.study is not None}
    cwd = Path.cwd().resolve()
    if (cwd / "config.yaml").is_file() or (cwd / "Snakefile").is_file():
        studies.add(cwd)
    for study in studies:
        folders += [study / "report", study / "figures"]
    folders += [r.path for r in runs if r.kind == "baseline"]
    return folders


def check_output_path(path: str | Path, *runs: Run) -> Path:
    """The resolved path of the HTML page, refused inside a run's published folders."""
    target = Path(path).resolve()
    for folder in protected_folders(*runs):
        if target == folder or folder in target.parents:
            raise RunError(
                f"will not write '{path}' into {folder}: the comparison must stay out of the "
                "runs' published folders (report/ and figures/). Write it elsewhere"
            )
    if target.is_dir():
        raise RunError(f"'{path}' is a folder; give a file name such as diff.html")
    return target


# --------------------------------------------------------------------------- baselines


@dataclass
class SavedBaseline:
    folder: Path
    tables: list[str]
    cutoff: str | None
    data_version: str | None
    notes: list[str]


def save_baseline(study: str | Path, name: str, force: bool = False) -> SavedBaseline:
    """Copy a study's published tables and manifest into report/baselines/<name>/."""
    if not BASELINE_NAME.match(name) or name in {".", ".."}:
        raise RunError(
            f"'{name}' is not a usable baseline name: use letters, digits, '.', '_' and '-' "
            "(for example interim-2022-05)"
        )
    study = Path(study)
    if not study.is_dir():
        raise RunError(f"study folder '{study}' does not exist")
    tables = sorted(p for p in (study / TABLES).glob("*.csv") if p.is_file())
    if not tables:
        raise RunError(
            f"'{study / TABLES}' holds no published tables: run snakemake in the study first"
        )
    manifest = study / MANIFEST
    if not manifest.is_file():
        raise RunError(f"'{manifest}' is missing: run snakemake in the study first")
    folder = study / BASELINES / name
    if folder.exists() and not force:
        raise RunError(
            f"baseline '{name}' already exists ({folder}); choose another name, or add --force "
            "to replace it"
        )
    run = Run("study", study.resolve(), "study", study / TABLES, _read_manifest(manifest), study)
    notes = _manifest_notes(run)
    scratch = folder.parent / f".{name}.saving"
    if scratch.exists():
        shutil.rmtree(scratch)
    (scratch / "tables").mkdir(parents=True)
    files = {}
    for path in tables:
        shutil.copy2(path, scratch / "tables" / path.name)
        files[f"tables/{path.name}"] = _sha256(path)
    shutil.copy2(manifest, scratch / "manifest.json")
    files["manifest.json"] = _sha256(manifest)
    record = {
        "name": name,
        "saved": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "from": str(study.resolve()),
        "cutoff_date": run.cutoff,
        "data_version": run.data_version,
        "files": files,
    }
    (scratch / "baseline.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    if folder.exists():
        shutil.rmtree(folder)
    scratch.rename(folder)
    return SavedBaseline(folder, [p.stem for p in tables], run.cutoff, run.data_version, notes)
