"""Readers of the qualitative files: themes, participants, coded segments, tool exports.

Every reader returns tidy frames and records problems in a FindingLog (file,
CSV line as the user sees it, column, value) and row counts in a Ledger.
Excerpts are free text: a message names their file, line and column only.
Coded segments arrive as the tidy ``coded_segments.csv``, as a QualCoder or
Taguette export plus a participant map, or as a REFI-QDA project (``.qdpx``,
:mod:`evaluation.strands.qualitative.refi_qda`), which can also give the
themes and participants; all give the same tidy form.
:func:`read_qualitative` is the read stage: every file read, every text that
can reach an output through the identifier guard, the cut-off not applied.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from evaluation.core.codebook import load_codebook, normalise_header, normalise_text, value_set
from evaluation.core.findings import FindingLog, Ledger
from evaluation.core.identifiers import check_texts, read_disallowed_names, scan_text
from evaluation.core.parsing import DATE_EXPECTED, parse_date
from evaluation.core.stage import StageResult
from evaluation.core.textio import UTF8_BOM, EncodingProblem, decode_bytes, warn_if_fallback
from evaluation.core.tidy import write_csv
from evaluation.strands.qualitative import refi_qda as refi_qda_module

#: The checks this module names in its findings (``check=``), as the validation
#: report describes them; a test keeps this in step with the code.
CHECKS: dict[str, str] = {
    "blank": "a value the codebook requires is not blank",
    "category": "a value is one of the codebook's labels",
    "date": "a value is a date",
    "date_range": "a date is within valid_date_range",
    "duplicate": "identifiers are unique",
    "encoding": "the file is UTF-8 (Windows-1252 read with a warning)",
    "ignored_columns": "columns outside the codebook are ignored",
    "missing_column": "missing column",
    "nesting": "nesting",
    "required": "a required value is present",
    "rounds": "rounds",
    "segment_participant": "segment participant",
    "unknown_parent": "unknown parent",
    "unknown_participant": "unknown participant",
    "unknown_theme": "unknown theme",
}

SOURCE = "qualitative"
REFI_FORMAT = refi_qda_module.FORMAT
FORMATS = ("tidy", "qualcoder", "taguette", REFI_FORMAT)
SEGMENT_COLUMNS = [
    "segment_id",
    "participant_id",
    "theme",
    "coder",
    "excerpt",
    "exemplar",
    "file",
    "line",
]
THEME_COLUMNS = ["theme", "label", "parent", "description", "order"]
PARTICIPANT_COLUMNS = [
    "participant_id",
    "group",
    "prison",
    "interview_date",
    "rounds",
    "interviews",
    "line",
]


def codebook() -> dict:
    return load_codebook()["qualitative"]


def _columns(file_key: str) -> dict:
    return codebook()["files"][file_key]["columns"]


def _is_free_text(file_key: str, column: str) -> bool:
    return _columns(file_key).get(column, {}).get("type") == "free_text"


@dataclass
class CsvTable:
    """A CSV file's data rows with the line each starts on (header = line 1)."""

    path: Path
    header: list[str]
    rows: list[tuple[int, list[str]]]
    blank_rows: int = 0
    raw_header: list[str] = field(default_factory=list)

    def column_index(self, name: str) -> int | None:
        return self.header.index(name) if name in self.header else None

    def values(self, row: list[str], name: str) -> str:
        i = self.column_index(name)
        return row[i].strip() if i is not None and i < len(row) else ""

    def frame(self, names: list[str]) -> pd.DataFrame:
        """The named columns of every data row (stripped text, '' when absent) and its ``line``."""
        cells = pd.DataFrame([row for _line, row in self.rows], dtype=object)
        out = pd.DataFrame({"line": pd.array([line for line, _row in self.rows], dtype="int64")})
        for name in names:
            i = self.column_index(name)
            if i is None or i >= cells.shape[1]:
                out[name] = ""
            else:
                out[name] = cells[i].fillna("").astype(str).str.strip().to_numpy(dtype=object)
        return out


def per_distinct(values: pd.Series, func) -> pd.Series:
    """``func`` of every value, computed once per distinct value."""
    distinct = pd.unique(values)
    return values.map(dict(zip(distinct, (func(v) for v in distinct), strict=True)))


def read_csv_table(path: str | Path, log: FindingLog) -> CsvTable:
    """Read a CSV (UTF-8 with or without BOM; Windows-1252 fallback with a warning)."""
    path = Path(path)
    raw = path.read_bytes()
    try:
        text, encoding = decode_bytes(raw)
    except EncodingProblem as exc:  # read on as Windows-1252 so that later rows are checked
        text = raw.removeprefix(UTF8_BOM).decode("cp1252", errors="replace")
        log.error(path, str(exc), row=exc.line, expected="one encoding, UTF-8", check="encoding")
    else:
        warn_if_fallback(path, encoding, log)
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list[str]]] = []
    header: list[str] = []
    raw_header: list[str] = []
    blank = 0
    previous_end = 0
    for record in reader:
        start = previous_end + 1
        previous_end = reader.line_num
        if not raw_header and not header:
            raw_header = record
            header = [normalise_header(h) for h in record]
            continue
        if not "".join(record).strip():  # every cell blank
            blank += 1
            continue
        rows.append((start, record))
    return CsvTable(path=path, header=header, rows=rows, blank_rows=blank, raw_header=raw_header)


def _check_columns(
    table: CsvTable, file_key: str, log: FindingLog, *, required: list[str] | None = None
) -> bool:
    """Missing required columns are errors; unknown columns a warning. True when usable."""
    columns = _columns(file_key)
    needed = (
        required
        if required is not None
        else [c for c, spec in columns.items() if spec.get("required")]
    )
    ok = True
    for name in needed:
        if name not in table.header:
            log.error(
                table.path,
                "required column is missing from the header row",
                row=1,
                column=name,
                expected=f"columns {', '.join(columns)}",
                check="missing_column",
            )
            ok = False
    unknown = [
        raw
        for raw, h in zip(table.raw_header, table.header, strict=False)
        if h not in columns and h
    ]
    if unknown:
        log.warning(
            table.path,
            f"columns not in the codebook are ignored: {', '.join(unknown)}",
            row=1,
            check="ignored_columns",
        )
    return ok


def _ledger_read(ledger: Ledger, table: CsvTable, unit: str) -> None:
    ledger.read(SOURCE, table.path, "", unit, len(table.rows) + table.blank_rows)
    ledger.excluded(SOURCE, table.path, "", unit, "blank row", table.blank_rows)


# --------------------------------------------------------------------------- themes


def read_themes(path: str | Path, log: FindingLog, ledger: Ledger) -> pd.DataFrame:
    """themes.csv -> theme, label, parent, description, order (parents before their sub-themes)."""
    return themes_from_table(read_csv_table(path, log), log, ledger)


def themes_from_table(table: CsvTable, log: FindingLog, ledger: Ledger) -> pd.DataFrame:
    """The rows of a themes table (the CSV, or a project's codes) checked as themes.csv is."""
    _ledger_read(ledger, table, "theme")
    if not _check_columns(table, "themes", log):
        ledger.excluded(SOURCE, table.path, "", "theme", "file not readable", len(table.rows))
        return pd.DataFrame(columns=THEME_COLUMNS)
    records, seen = [], {}
    for line, row in table.rows:
        theme = table.values(row, "theme")
        label = table.values(row, "label")
        if not theme:
            log.error(table.path, "theme id is blank", row=line, column="theme", check="required")
            continue
        key = normalise_text(theme)
        if key in seen:
            log.error(
                table.path,
                f"theme id is also used on line {seen[key]}",
                row=line,
                column="theme",
                value=theme,
                expected="unique theme ids",
                check="duplicate",
            )
            continue
        seen[key] = line
        if not label:
            log.error(
                table.path, "theme label is blank", row=line, column="label", check="required"
            )
        records.append(
            {
                "theme": theme,
                "label": label,
                "parent_raw": table.values(row, "parent"),
                "description": table.values(row, "description"),
                "line": line,
            }
        )
    ids = {normalise_text(r["theme"]): r for r in records}
    for rec in records:
        parent = rec["parent_raw"]
        rec["parent"] = None
        if not parent:
            continue
        target = ids.get(normalise_text(parent))
        if target is None:
            log.error(
                table.path,
                "parent is not a theme id of this file",
                row=rec["line"],
                column="parent",
                value=parent,
                expected="a theme id or blank",
                check="unknown_parent",
            )
        elif target is rec or target["parent_raw"]:
            log.error(
                table.path,
                "themes nest one level only: the parent must be a top-level theme",
                row=rec["line"],
                column="parent",
                value=parent,
                expected="a top-level theme id",
                check="nesting",
            )
        else:
            rec["parent"] = target["theme"]
    labels = {}
    for rec in records:
        key = normalise_text(rec["label"])
        if rec["label"] and key in labels:
            log.error(
                table.path,
                f"theme label is also used on line {labels[key]}",
                row=rec["line"],
                column="label",
                value=rec["label"],
                expected="unique labels",
                check="duplicate",
            )
        labels[key] = rec["line"]
    ordered = []
    for rec in records:
        if rec["parent"] is None and not rec["parent_raw"]:
            ordered.append(rec)
            ordered.extend(r for r in records if r["parent"] == rec["theme"])
    ordered.extend(r for r in records if r not in ordered)
    ledger.used(SOURCE, table.path, "", "theme", len(records))
    ledger.excluded(
        SOURCE,
        table.path,
        "",
        "theme",
        "invalid row (see data-quality log)",
        len(table.rows) - len(records),
    )
    frame = pd.DataFrame(
        [
            {
                "theme": r["theme"],
                "label": r["label"],
                "parent": r["parent"],
                "description": r["description"],
                "order": i,
            }
            for i, r in enumerate(ordered)
        ],
        columns=THEME_COLUMNS,
    )
    return frame.astype({"order": "int64"})


# --------------------------------------------------------------------------- participants

_ROUNDS = re.compile(r"^\d+(?:\s*[;,]\s*\d+)*$")


def _match_prison(value: str, prisons: list[str] | None) -> str | None:
    if prisons is None:
        return value
    folded = {normalise_text(p): p for p in prisons}
    return folded.get(normalise_text(value))


def _rounds(raw: str) -> str | None:
    """Interview rounds as '1;2' ('1' when blank), or None when not a list of round numbers."""
    if not raw:
        return "1"
    if not _ROUNDS.match(raw) or any(int(r) < 1 for r in re.split(r"[;,]", raw)):
        return None
    return ";".join(str(int(r)) for r in re.split(r"[;,]", raw))


def read_participants(
    path: str | Path,
    log: FindingLog,
    ledger: Ledger,
    *,
    prisons: list[str] | None = None,
    valid_range: tuple[str, str] = ("2015-01-01", "2030-12-31"),
) -> pd.DataFrame:
    """participants.csv -> one row per participant with group, prison, interview_date, rounds.

    The checks are :func:`participants_from_table`'s.
    """
    return participants_from_table(
        read_csv_table(path, log), log, ledger, prisons=prisons, valid_range=valid_range
    )


def participants_from_table(
    table: CsvTable,
    log: FindingLog,
    ledger: Ledger,
    *,
    prisons: list[str] | None = None,
    valid_range: tuple[str, str] = ("2015-01-01", "2030-12-31"),
) -> pd.DataFrame:
    """The rows of a participants table (the CSV, or a project's cases) checked as one.

    ``prison`` and ``rounds`` are optional: a column the codebook declares
    ``required: false`` may be absent from the file, and one it does not
    declare is ignored (with the warning every column outside the codebook
    gets). Without the column, every prison is blank and every participant
    has one interview round, with no finding (the per-row warning about a
    blank ``rounds`` is for a column that is there). ``prisons`` are the
    configured prisons a ``prison`` value must be one of (``None``: any
    value); they matter only when the column has values.
    """
    _ledger_read(ledger, table, "participant")
    if not _check_columns(table, "participants", log):
        ledger.excluded(SOURCE, table.path, "", "participant", "file not readable", len(table.rows))
        return pd.DataFrame(columns=PARTICIPANT_COLUMNS)
    groups = value_set("qual_participant_group")
    low, high = (dt.date.fromisoformat(d) for d in valid_range)
    rows = table.frame(["participant_id", "group", "prison", "interview_date", "rounds"])
    declared = _columns("participants")
    for optional in ("prison", "rounds"):
        if optional not in declared:  # outside the codebook: ignored, as its warning says
            rows[optional] = ""
    has_rounds = "rounds" in declared and table.column_index("rounds") is not None
    pid, raw_prison, raw_date, raw_rounds = (
        rows[c] for c in ["participant_id", "prison", "interview_date", "rounds"]
    )
    key = per_distinct(pid, normalise_text)
    first_line = rows["line"].groupby(key.where(pid != "")).transform("first")
    group = per_distinct(rows["group"], groups.match)
    prison = per_distinct(raw_prison, lambda v: _match_prison(v, prisons) if v else None)
    date = per_distinct(raw_date, lambda v: parse_date(v)[0])
    problem = per_distinct(raw_date, lambda v: parse_date(v)[1])
    in_range = per_distinct(date, lambda d: not isinstance(d, dt.date) or low <= d <= high)
    rounds = per_distinct(raw_rounds, _rounds)
    # every check of a row, in the order its findings are listed
    checks = [
        RowCheck(pid == "", "participant_id", "participant_id is blank", dict(check="required")),
        RowCheck(
            (pid != "") & key.duplicated(),
            "participant_id",
            "participant_id is also used on line " + first_line.astype("Int64").astype(str),
            dict(expected="unique participant ids", check="duplicate"),
            pid,
        ),
        RowCheck(
            group.isna(),
            "group",
            "participant group is not one of the codebook's groups",
            dict(expected=", ".join(groups.labels), check="category"),
            rows["group"],
        ),
        RowCheck(
            (raw_prison != "") & prison.isna(),
            "prison",
            "prison is not a configured prison",
            dict(
                expected=f"blank or one of {', '.join(prisons)}"
                if prisons
                else "blank (no prisons are configured)",
                check="category",
            ),
            raw_prison,
        ),
        RowCheck(
            problem.notna(),
            "interview_date",
            "interview_date is not a date",
            dict(expected=problem, check="date"),
            raw_date,
        ),
        RowCheck(
            problem.isna() & date.isna(),
            "interview_date",
            "interview_date is blank; the cut-off needs it",
            dict(expected=DATE_EXPECTED, check="required"),
        ),
        RowCheck(
            problem.isna() & ~in_range.astype(bool),
            "interview_date",
            "interview_date is outside the valid date range",
            dict(expected=f"{low} to {high}", check="date_range"),
            raw_date,
        ),
        RowCheck(
            (raw_rounds == "") & has_rounds,
            "rounds",
            "rounds is blank; counted as one interview",
            dict(check="blank"),
            severity="warning",
        ),
        RowCheck(
            rounds.isna(),
            "rounds",
            "rounds is not a list of interview rounds",
            dict(expected="round numbers separated by ';', e.g. 1 or 1;2", check="rounds"),
            raw_rounds,
        ),
    ]
    kept = ~_log_row_checks(table.path, rows, checks, log)
    columns = {
        "participant_id": pid,
        "group": group,
        "prison": prison,
        "interview_date": per_distinct(date, pd.Timestamp),
        "rounds": rounds,
        "interviews": rounds.str.count(";") + 1,
        "line": rows["line"],
    }
    # rebuilt from plain lists: the same column types as a frame built row by row
    frame = pd.DataFrame(
        {name: values[kept].tolist() for name, values in columns.items()},
        columns=PARTICIPANT_COLUMNS,
    )
    ledger.used(SOURCE, table.path, "", "participant", len(frame))
    ledger.excluded(
        SOURCE,
        table.path,
        "",
        "participant",
        "invalid row (see data-quality log)",
        len(table.rows) - len(frame),
    )
    frame["interview_date"] = pd.to_datetime(frame["interview_date"]).astype("datetime64[ns]")
    return frame.astype({"interviews": "int64", "line": "int64"})


# --------------------------------------------------------------------------- segments


class _Resolver:
    """Resolve participant and theme references (ignoring case and spacing)."""

    def __init__(self, participants: pd.DataFrame, themes: pd.DataFrame):
        self.participants = {normalise_text(p): p for p in participants["participant_id"]}
        self.themes = {normalise_text(t): t for t in themes["theme"]}
        self.theme_labels = {
            normalise_text(lbl): t for t, lbl in zip(themes["theme"], themes["label"], strict=True)
        }

    def participant(self, value: str) -> str | None:
        return self.participants.get(normalise_text(value))

    def theme(self, value: str) -> str | None:
        key = normalise_text(value)
        return self.themes.get(key) or self.theme_labels.get(key)


def _segment_reference_errors(
    table, line, pid_raw, theme_raw, resolver, log, *, pid_column, theme_column
):
    pid = resolver.participant(pid_raw) if pid_raw else None
    theme = resolver.theme(theme_raw) if theme_raw else None
    if pid is None:
        log.error(
            table.path,
            "participant is not in participants.csv" if pid_raw else "participant is blank",
            row=line,
            column=pid_column,
            value=pid_raw or None,
            expected="a participant_id of participants.csv",
            check="unknown_participant",
        )
    if theme is None:
        log.error(
            table.path,
            "theme is not in themes.csv" if theme_raw else "theme is blank",
            row=line,
            column=theme_column,
            value=theme_raw or None,
            expected="a theme id of themes.csv",
            check="unknown_theme",
        )
    return pid, theme


def read_segments_tidy(path, participants, themes, log: FindingLog, ledger: Ledger) -> pd.DataFrame:
    """coded_segments.csv -> tidy segment codes (one row per segment, coder and theme)."""
    table = read_csv_table(path, log)
    _ledger_read(ledger, table, "segment code")
    if not _check_columns(table, "coded_segments", log):
        ledger.excluded(
            SOURCE, table.path, "", "segment code", "file not readable", len(table.rows)
        )
        return _empty_segments()
    resolver = _Resolver(participants, themes)
    flags = value_set("qual_exemplar_flag")
    yes = flags.labels[0]
    rows = table.frame(["segment_id", "participant_id", "theme", "coder", "exemplar", "excerpt"])
    pid = per_distinct(rows["participant_id"], lambda v: resolver.participant(v) if v else None)
    theme = per_distinct(rows["theme"], lambda v: resolver.theme(v) if v else None)
    flag = per_distinct(rows["exemplar"], lambda v: flags.match(v) if v else None)
    blank = {name: rows[name] == "" for name in ["segment_id", "coder", "exemplar"]}
    # every check of a row, in the order its errors are listed
    checks = [
        RowCheck(blank["segment_id"], "segment_id", "segment_id is blank", dict(check="required")),
        *_reference_checks(rows, pid, "participant_id", "participant", "unknown_participant"),
        *_reference_checks(rows, theme, "theme", "theme", "unknown_theme"),
        RowCheck(blank["coder"], "coder", "coder is blank", dict(check="required")),
        RowCheck(
            ~blank["exemplar"] & flag.isna(),
            "exemplar",
            "exemplar is not Yes or No",
            dict(expected=", ".join(flags.labels), check="category"),
            rows["exemplar"],
        ),
    ]
    failed = _log_row_checks(table.path, rows, checks, log)
    blank_flags = int(blank["exemplar"].sum())
    kept = ~failed
    text = {name: rows[name].astype("str") for name in ["segment_id", "coder", "excerpt"]}
    segments = pd.DataFrame(
        {
            **text,
            "participant_id": pid.astype("str"),
            "theme": theme.astype("str"),
            "exemplar": (flag == yes).to_numpy(bool),
            "file": str(table.path),
            "line": rows["line"],
        }
    ).loc[kept, SEGMENT_COLUMNS]
    if blank_flags:
        log.warning(
            table.path,
            f"{blank_flags} row(s) have a blank exemplar flag; read as No",
            column="exemplar",
            check="blank",
        )
    return _finish_segments(segments, {str(table.path): len(table.rows)}, log, ledger)


def _reference_checks(rows, resolved, column: str, what: str, check: str) -> list[RowCheck]:
    """The checks of :func:`_segment_reference_errors` on a whole column."""
    expected = "a theme id of themes.csv" if what == "theme" else f"a {column} of {what}s.csv"
    context = {"expected": expected, "check": check}
    unresolved, blank = resolved.isna(), rows[column] == ""
    return [
        RowCheck(
            unresolved & ~blank, column, f"{what} is not in {what}s.csv", context, rows[column]
        ),
        RowCheck(unresolved & blank, column, f"{what} is blank", context),
    ]


@dataclass
class RowCheck:
    """One check over every data row: rows failing it get a finding (an error unless said).

    Write ``context`` with ``dict(...)``, the check's name as its ``check`` keyword,
    and declare the name in this module's ``CHECKS`` (a test holds them equal).
    """

    failed: pd.Series
    column: str
    message: str | pd.Series  # per row when it names the row's own details
    context: dict  # a value may be a Series: per row
    shown: pd.Series | None = None  # the values the finding shows, if any
    severity: str = "error"


def _log_row_checks(
    path, rows: pd.DataFrame, checks: list[RowCheck], log: FindingLog
) -> np.ndarray:
    """Log each failed check (rows in file order, a row's checks in list order).

    Returns which rows failed an error check.
    """
    failures = []
    for order, check in enumerate(checks):
        for index in np.flatnonzero(check.failed.to_numpy(bool)):
            message = check.message if isinstance(check.message, str) else check.message.iloc[index]
            context = {
                "column": check.column,
                **{
                    name: value.iloc[index] if isinstance(value, pd.Series) else value
                    for name, value in check.context.items()
                },
            }
            if check.shown is not None:
                context["value"] = check.shown.iloc[index]
            failures.append((index, order, check.severity, message, context))
    for index, _order, severity, message, context in sorted(failures, key=lambda f: f[:2]):
        log.add(severity, path, message, row=int(rows["line"].iloc[index]), **context)
    errors = [c.failed.to_numpy(bool) for c in checks if c.severity == "error"]
    return np.logical_or.reduce(errors) if errors else np.zeros(len(rows), dtype=bool)


def _empty_segments() -> pd.DataFrame:
    return pd.DataFrame(columns=SEGMENT_COLUMNS).astype({"exemplar": "bool", "line": "int64"})


def _finish_segments(
    records, n_rows: dict, log: FindingLog, ledger: Ledger, *, markers: dict | None = None
):
    """Drop duplicate codes (warning), check one participant per segment, fill the ledger.

    ``n_rows`` and ``markers`` give, per file, the data rows read and the
    exemplar-marker rows (tool exports), so each file's ledger balances.
    """
    markers = markers or {}
    frame = (
        records.reset_index(drop=True)
        if isinstance(records, pd.DataFrame)
        else pd.DataFrame(records, columns=SEGMENT_COLUMNS)
    )
    dup = frame.duplicated(["segment_id", "coder", "theme"], keep="first")
    for file, line, seg in zip(
        frame.loc[dup, "file"], frame.loc[dup, "line"], frame.loc[dup, "segment_id"], strict=True
    ):
        log.warning(
            file,
            "the same coder gave this segment the same theme twice; counted once",
            row=int(line),
            column="theme",
            value=seg,
            check="duplicate",
        )
    kept = frame.loc[~dup]
    owners = kept.groupby("segment_id")["participant_id"].nunique()
    for seg in sorted(owners[owners > 1].index):
        rows = kept.loc[kept["segment_id"] == seg]
        lines = ", ".join(str(x) for x in rows["line"])
        log.error(
            rows["file"].iloc[0],
            f"segment is attributed to more than one participant (lines {lines})",
            row=int(rows["line"].iloc[0]),
            column="participant_id",
            value=seg,
            expected="one participant per segment",
            check="segment_participant",
        )
    for file, count in n_rows.items():
        in_file = frame["file"] == str(file)
        dups = int((dup & in_file).sum())
        ledger.used(SOURCE, file, "", "segment code", int(in_file.sum()) - dups)
        ledger.excluded(SOURCE, file, "", "segment code", "duplicate code", dups)
        ledger.excluded(
            SOURCE,
            file,
            "",
            "segment code",
            "exemplar marker (applied to the segment)",
            markers.get(file, 0),
        )
        ledger.excluded(
            SOURCE,
            file,
            "",
            "segment code",
            "invalid row (see data-quality log)",
            count - int(in_file.sum()) - markers.get(file, 0),
        )
    kept = kept.sort_values(["segment_id", "coder", "theme"], kind="stable").reset_index(drop=True)
    return kept.astype({"exemplar": "bool", "line": "int64"})


# --------------------------------------------------------------------------- tool exports


def read_participant_map(
    path: str | Path, participants: pd.DataFrame, log: FindingLog
) -> dict[str, str]:
    """Mapping file (source, participant_id) -> {normalised source: participant_id}."""
    table = read_csv_table(path, log)
    if not _check_columns(table, "participant_map", log):
        return {}
    known = {normalise_text(p): p for p in participants["participant_id"]}
    mapping: dict[str, str] = {}
    for line, row in table.rows:
        source, pid = table.values(row, "source"), table.values(row, "participant_id")
        target = known.get(normalise_text(pid))
        if not source:
            log.error(table.path, "source is blank", row=line, column="source", check="required")
        elif target is None:
            log.error(
                table.path,
                "participant is not in participants.csv",
                row=line,
                column="participant_id",
                value=pid or None,
                expected="a participant_id of participants.csv",
                check="unknown_participant",
            )
        elif mapping.get(normalise_text(source), target) != target:
            log.error(
                table.path,
                "source is mapped to two participants",
                row=line,
                column="source",
                value=source,
                expected="one participant per source",
                check="duplicate",
            )
        else:
            mapping[normalise_text(source)] = target
    return mapping


def _is_marker(code: str) -> bool:
    return normalise_text(code) == normalise_text(codebook()["exports"]["exemplar_marker"])


def _export_rows_to_segments(raw_rows, themes, participants, log, ledger, n_rows: dict):
    """raw_rows: dicts with line, participant, code, coder, text, memo_marks, columns -> tidy rows."""
    resolver = _Resolver(participants, themes)
    kept, marks = [], set()
    for r in raw_rows:
        if _is_marker(r["code"]):
            marks.add((r["participant"], normalise_text(r["text"]), r["coder"]))
            continue
        errors_before = len(log.errors)
        if r["participant"] is None:
            continue  # error already recorded
        _, theme = _segment_reference_errors(
            r["table"],
            r["line"],
            r["participant"],
            r["code"],
            resolver,
            log,
            pid_column=r["participant_column"],
            theme_column=r["code_column"],
        )
        if not r["coder"]:
            log.error(
                r["table"].path,
                "coder is blank",
                row=r["line"],
                column=r.get("coder_column", "coder"),
                check="required",
            )
        if len(log.errors) > errors_before:
            continue
        if r["memo_mark"]:
            marks.add((r["participant"], normalise_text(r["text"]), r["coder"]))
        kept.append({**r, "theme": theme})
    # one segment = one participant's stretch of text, numbered in order of first appearance
    numbers: dict[tuple[str, str], str] = {}
    per_participant: dict[str, int] = {}
    for r in sorted(kept, key=lambda r: (r["order"], r["line"])):
        key = (r["participant"], normalise_text(r["text"]))
        if key not in numbers:
            per_participant[r["participant"]] = per_participant.get(r["participant"], 0) + 1
            numbers[key] = f"{r['participant']}-{per_participant[r['participant']]:03d}"
    records = [
        {
            "segment_id": numbers[(r["participant"], normalise_text(r["text"]))],
            "participant_id": r["participant"],
            "theme": r["theme"],
            "coder": r["coder"],
            "excerpt": r["text"].strip(),
            "exemplar": (r["participant"], normalise_text(r["text"]), r["coder"]) in marks,
            "file": str(r["table"].path),
            "line": r["line"],
        }
        for r in kept
    ]
    markers: dict[str, int] = {}
    for r in raw_rows:
        if _is_marker(r["code"]):
            markers[str(r["table"].path)] = markers.get(str(r["table"].path), 0) + 1
    return _finish_segments(records, n_rows, log, ledger, markers=markers)


def _map_participant(table, line, source_value, column, mapping, log):
    pid = mapping.get(normalise_text(source_value)) if source_value else None
    if pid is None:
        log.error(
            table.path,
            "file/case/document is not in the participant map"
            if source_value
            else "file/case/document is blank",
            row=line,
            column=column,
            value=source_value or None,
            expected="a source listed in the participant map",
            check="unknown_participant",
        )
    return pid


def read_qualcoder(
    path, participant_map: Mapping[str, str], participants, themes, log, ledger
) -> pd.DataFrame:
    """QualCoder coded-text CSV -> tidy segment codes."""
    spec = codebook()["exports"]["qualcoder"]
    table = read_csv_table(path, log)
    _ledger_read(ledger, table, "segment code")
    present = [c for c in spec["participant_columns"] if c in table.header]
    needed = [spec["coder_column"], spec["text_column"], spec["code_column"]]
    missing = [c for c in needed if c not in table.header] + ([] if present else ["File or Case"])
    for name in missing:
        log.error(
            table.path,
            "required column is missing from the QualCoder export",
            row=1,
            column=name,
            expected="File or Case, Coder, Coded, Id, Codename, Coded_Memo",
            check="missing_column",
        )
    if missing:
        ledger.excluded(
            SOURCE, table.path, "", "segment code", "file not readable", len(table.rows)
        )
        return _empty_segments()
    raw_rows = []
    for line, row in table.rows:
        column = next((c for c in present if table.values(row, c)), present[0])
        source_value = table.values(row, column)
        raw_rows.append(
            {
                "table": table,
                "line": line,
                "order": (0, line),
                "participant_column": column,
                "participant": _map_participant(
                    table, line, source_value, column, participant_map, log
                ),
                "code": table.values(row, spec["code_column"]),
                "code_column": spec["code_column"],
                "coder": table.values(row, spec["coder_column"]),
                "coder_column": spec["coder_column"],
                "text": table.values(row, spec["text_column"]),
                "memo_mark": normalise_text(codebook()["exports"]["exemplar_marker"])
                in normalise_text(table.values(row, spec["memo_column"])),
            }
        )
    return _export_rows_to_segments(
        raw_rows, themes, participants, log, ledger, {str(table.path): len(table.rows)}
    )


def read_taguette(
    paths: Mapping[str, str | Path], participant_map, participants, themes, log, ledger
) -> pd.DataFrame:
    """Taguette highlight exports, one per coder ({coder: path}) -> tidy segment codes."""
    spec = codebook()["exports"]["taguette"]
    frames = []
    for index, (coder, path) in enumerate(paths.items()):
        table = read_csv_table(path, log)
        _ledger_read(ledger, table, "segment code")
        needed = [spec["participant_column"], spec["code_column"], spec["text_column"]]
        missing = [c for c in needed if c not in table.header]
        for name in missing:
            log.error(
                table.path,
                "required column is missing from the Taguette export",
                row=1,
                column=name,
                expected="id, document, tag, content",
                check="missing_column",
            )
        if missing:
            ledger.excluded(
                SOURCE, table.path, "", "segment code", "file not readable", len(table.rows)
            )
            continue
        raw_rows = []
        for line, row in table.rows:
            source_value = table.values(row, spec["participant_column"])
            raw_rows.append(
                {
                    "table": table,
                    "line": line,
                    "order": (index, line),
                    "participant_column": spec["participant_column"],
                    "participant": _map_participant(
                        table, line, source_value, spec["participant_column"], participant_map, log
                    ),
                    "code": table.values(row, spec["code_column"]),
                    "code_column": spec["code_column"],
                    "coder": str(coder).strip(),
                    "text": table.values(row, spec["text_column"]),
                    "memo_mark": False,
                }
            )
        frames.append(raw_rows)
    # number segments across every coder's export together, so double coding lines up
    all_rows = [r for rows in frames for r in rows]
    n_rows: dict[str, int] = {}
    for r in all_rows:
        n_rows[str(r["table"].path)] = n_rows.get(str(r["table"].path), 0) + 1
    if not all_rows:
        return _empty_segments()
    return _export_rows_to_segments(all_rows, themes, participants, log, ledger, n_rows)


def taguette_paths(coded_segments) -> dict[str, str]:
    """Config value -> {coder: path}: a mapping as given, or one file named after its coder."""
    if isinstance(coded_segments, Mapping):
        return {str(k): str(v) for k, v in coded_segments.items()}
    return {Path(str(coded_segments)).stem: str(coded_segments)}


# --------------------------------------------------------------------------- the read stage


def load_segments(
    fmt: str, coded_segments, participant_map, participants, themes, log, ledger
) -> pd.DataFrame:
    """Coded segments in the tidy form, from the configured format."""
    if fmt not in FORMATS:
        raise ValueError(
            f"config key 'qualitative: format' is {fmt!r}; use one of {', '.join(FORMATS)}"
        )
    if fmt == REFI_FORMAT:
        raise ValueError("a REFI-QDA project is read by read_qualitative (it may hold the themes)")
    if fmt == "tidy":
        return read_segments_tidy(coded_segments, participants, themes, log, ledger)
    if not participant_map:
        raise ValueError(
            f"format {fmt!r} needs a participant map: set config key 'qualitative: participant_map' to a CSV "
            "with columns source, participant_id"
        )
    mapping = read_participant_map(participant_map, participants, log)
    if fmt == "qualcoder":
        return read_qualcoder(coded_segments, mapping, participants, themes, log, ledger)
    return read_taguette(taguette_paths(coded_segments), mapping, participants, themes, log, ledger)


def guard_items(
    themes: pd.DataFrame,
    participants: pd.DataFrame,
    segments: pd.DataFrame,
    themes_file: str,
    participants_file: str,
) -> Iterable[tuple[dict, str]]:
    """(where, text) for every text of the inputs that can reach an output."""
    for seg in segments.itertuples(index=False):
        yield (
            {
                "file": seg.file,
                "row": int(seg.line),
                "column": "excerpt",
                "segment": seg.segment_id,
            },
            seg.excerpt,
        )
    for theme, label in zip(themes["theme"], themes["label"], strict=True):
        yield (
            {"file": themes_file, "column": "label", "field": f"the label of theme {theme}"},
            label,
        )
    for pid, line in zip(participants["participant_id"], participants["line"], strict=True):
        yield (
            {
                "file": participants_file,
                "row": int(line),
                "column": "participant_id",
                "field": "a participant id",
            },
            pid,
        )


def flagged_texts(columns: Iterable[pd.Series], names: list[str]) -> set:
    """The distinct texts of the columns in which the identifier guard finds something."""
    distinct = pd.unique(pd.concat([c.astype(object) for c in columns], ignore_index=True))
    return {text for text in distinct if scan_text(text, names)}


def read_qualitative(
    *,
    themes: str,
    participants: str,
    coded_segments,
    fmt: str = "tidy",
    participant_map: str | None = None,
    disallowed_names: str | None = None,
    prisons: list[str] | None = None,
    valid_date_range: tuple[str, str] = ("2015-01-01", "2030-12-31"),
    refi_qda: Mapping | None = None,
) -> StageResult:
    """The qualitative files, validated: frames ``themes``, ``participants`` and ``segments``.

    Every error is a finding of the result (unknown participant or theme, bad
    dates, identifiers in any excerpt ...), so a caller can report them all at once.
    With ``fmt="refi-qda"``, ``coded_segments`` is the ``.qdpx``; ``themes`` and
    ``participants`` may be left out (None or an empty list), and then come from
    the project's codes and cases; ``refi_qda`` is config ``qualitative: refi_qda``.
    """
    themes, participants = _optional_path(themes), _optional_path(participants)
    if fmt == REFI_FORMAT:
        return _read_refi_qda(
            themes=themes,
            participants=participants,
            project_file=_optional_path(coded_segments),
            participant_map=_optional_path(participant_map),
            disallowed_names=disallowed_names,
            checks={"prisons": prisons, "valid_range": tuple(valid_date_range)},
            reading=refi_qda_module.reading_from_config(refi_qda),
        )
    log, ledger = FindingLog(SOURCE), Ledger()
    theme_frame = read_themes(themes, log, ledger)
    participant_frame = read_participants(
        participants, log, ledger, prisons=prisons, valid_range=tuple(valid_date_range)
    )
    segments = load_segments(
        fmt, coded_segments, participant_map, participant_frame, theme_frame, log, ledger
    )
    return _guarded(
        log,
        ledger,
        theme_frame,
        participant_frame,
        segments,
        disallowed_names,
        str(themes),
        str(participants),
    )


def _optional_path(value) -> str | None:
    """A rule's optional input (a path, or a list of none or one) as a path or None."""
    if value is None or isinstance(value, str | Path):
        return str(value) if value else None
    values = list(value)
    return str(values[0]) if values else None


def _read_refi_qda(
    *, themes, participants, project_file, participant_map, disallowed_names, checks, reading
) -> StageResult:
    """The read stage on a REFI-QDA project: the CSVs given win over the project's codes and cases."""
    if project_file is None:
        raise ValueError(
            "format 'refi-qda' needs the project: set config key 'qualitative: coded_segments' "
            "to the .qdpx file"
        )
    log, ledger = FindingLog(SOURCE), Ledger()
    project = refi_qda_module.open_project(project_file, log)
    marker = codebook()["exports"]["exemplar_marker"]
    empty = pd.DataFrame(columns=THEME_COLUMNS), pd.DataFrame(columns=PARTICIPANT_COLUMNS)
    if themes:
        theme_frame = read_themes(themes, log, ledger)
    else:
        theme_frame = (
            refi_qda_module.project_themes(project, marker, log, ledger) if project else empty[0]
        )
    if participants:
        participant_frame = read_participants(participants, log, ledger, **checks)
    elif project:
        participant_frame = refi_qda_module.project_participants(project, log, ledger, **checks)
    else:
        participant_frame = empty[1]
    mapping = (
        read_participant_map(participant_map, participant_frame, log) if participant_map else None
    )
    if project is None:
        segments = _empty_segments()
    else:
        segments = refi_qda_module.project_segments(
            project,
            participant_frame,
            theme_frame,
            reading,
            log,
            ledger,
            mapping=mapping,
            marker=marker,
            themes_file=Path(themes).name if themes else project_file,
        )
    return _guarded(
        log,
        ledger,
        theme_frame,
        participant_frame,
        segments,
        disallowed_names,
        themes or project_file,
        participants or project_file,
    )


def _guarded(
    log, ledger, theme_frame, participant_frame, segments, disallowed_names, themes, participants
) -> StageResult:
    """The read result, after the identifier guard has scanned every text that can reach an output."""
    names = read_disallowed_names(disallowed_names)
    # each distinct text is scanned once; only the rows holding a flagged text are reported
    flagged = flagged_texts(
        [segments["excerpt"], theme_frame["label"], participant_frame["participant_id"]], names
    )
    log.extend(
        check_texts(
            guard_items(
                theme_frame.loc[theme_frame["label"].isin(flagged)],
                participant_frame.loc[participant_frame["participant_id"].isin(flagged)],
                segments.loc[segments["excerpt"].isin(flagged)],
                str(themes),
                str(participants),
            ),
            names,
            source=SOURCE,
            raise_on_hit=False,
        )
    )
    frames = {"themes": theme_frame, "participants": participant_frame, "segments": segments}
    return StageResult(frames, log, ledger)


def write_qualitative_read(
    read: StageResult, *, frames: Mapping[str, str], findings: str, ledger: str
) -> None:
    """The read rule's outputs: each frame as Parquet at ``frames[name]``, findings and ledger as CSV."""
    for name, path in frames.items():
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        read[name].to_parquet(path, index=False)
    write_csv(read.findings.to_frame(), findings)
    write_csv(read.ledger.to_frame(), ledger)


def load_qualitative_read(*, themes: str, participants: str, segments: str) -> StageResult:
    """The read rule's Parquet frames as a read result; its findings stay in their CSV."""
    frames = {
        "themes": pd.read_parquet(themes),
        "participants": pd.read_parquet(participants),
        "segments": pd.read_parquet(segments),
    }
    return StageResult(frames, FindingLog(SOURCE))
