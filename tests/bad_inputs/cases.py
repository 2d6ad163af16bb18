"""Catalogue of bad raw files: how to build each one and what the pipeline must say about it.

Each :class:`Case` builds one broken (or awkward but acceptable) file in a
temporary folder, from the example data in ``data/raw/`` or from a small
inline fixture, and names the reader or validator the pipeline runs on it
(:data:`RUNNERS`). Its expectations (:class:`Expect`) say which findings
must come out: severity, file name, sheet, row as the user sees it, column,
the value (``None`` for free text, whose words must never be printed), and
fragments of what was expected and of the message. A case without error
expectations must not stop the run; one without any expectation is accepted
as is. ``verify`` adds a check on what was read (a parsed date, a count).

This file is the list a reviewer reads: add a case here, not in a new test.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pandas as pd
import pyreadstat
from conftest import BASELINE_HEADER, baseline_row, small_tracker_sheets, write_tracker

from evaluation.core.findings import ERROR, WARNING, DataValidationError, Finding

REPO = Path(__file__).resolve().parents[2]
RAW = REPO / "data" / "raw"
PRISONS = ["Eastwood Park", "Send"]
TRACKER = "tracker.xlsx"
ANY = object()  # an expectation field that is not checked

#: Every kind of raw file the corpus must cover (data-contract.md sections 1-5).
SOURCES = {
    "case_tracker": "Case-tracker workbook",
    "mothers_sav": "Mothers' questionnaire, SPSS .sav",
    "mothers_csv": "Mothers' questionnaire, CSV",
    "practitioners": "Practitioner survey export (CSV)",
    "themes": "Qualitative themes.csv",
    "participants": "Qualitative participants.csv",
    "coded_segments": "Qualitative coded_segments.csv",
    "qualcoder": "QualCoder coded-text export",
    "taguette": "Taguette highlights export",
    "activity": "Activity diary workbook",
}


@dataclass(frozen=True)
class Expect:
    """One finding that must be reported (fields left as ANY are not checked)."""

    severity: str
    file: str
    sheet: object = ANY
    row: object = ANY
    column: object = ANY
    value: object = ANY
    expected: str | None = None  # fragment of Finding.expected
    message: str | None = None  # fragment of Finding.message

    def matches(self, finding: Finding) -> bool:
        checks = [
            finding.severity == self.severity,
            Path(finding.file).name == self.file,
            self.sheet is ANY or finding.sheet == self.sheet,
            self.row is ANY or finding.row == self.row,
            self.column is ANY or finding.column == self.column,
            self.value is ANY or finding.value == self.value,
            self.expected is None or self.expected in (finding.expected or ""),
            self.message is None or self.message in finding.message,
        ]
        return all(checks)


def E(file: str, **fields) -> Expect:  # noqa: N802 - reads like the catalogue's notation
    return Expect(ERROR, file, **fields)


def W(file: str, **fields) -> Expect:  # noqa: N802
    return Expect(WARNING, file, **fields)


@dataclass
class Outcome:
    """What a reader did with a file: its findings, the message shown, ledger and result."""

    findings: list[Finding]
    message: str
    stopped: bool
    ledger: pd.DataFrame | None = None
    result: object = None


@dataclass(frozen=True)
class Case:
    name: str
    source: str
    runner: str
    build: Callable[[Path], dict]
    expect: tuple[Expect, ...] = ()
    hidden: tuple[str, ...] = ()  # texts that must appear in no message
    verify: Callable[[Outcome], None] | None = None
    note: str = ""

    @property
    def severity(self) -> str:
        kinds = {e.severity for e in self.expect}
        return ERROR if ERROR in kinds else WARNING if WARNING in kinds else "accepted"


# --------------------------------------------------------------------------- runners


def _outcome(findings: list[Finding], ledger=None, result=None) -> Outcome:
    text = "\n".join(f.render() for f in findings)
    return Outcome(list(findings), text, False, ledger, result)


def _stopped(exc: DataValidationError) -> Outcome:
    return Outcome(list(exc.findings), str(exc), True)


def run_tracker(path) -> Outcome:
    from evaluation.strands.case_tracker.read import read_case_tracker

    try:
        read = read_case_tracker(path, "Test Prison")
    except DataValidationError as exc:
        return _stopped(exc)
    return _outcome(read.findings.findings, read.ledger.to_frame(), read)


def run_trackers(paths: dict) -> Outcome:
    """Several prisons' workbooks, then the check across them (as case_tracker_at_cutoff does)."""
    from evaluation.strands.case_tracker.cutoff import check_unique_ids
    from evaluation.strands.case_tracker.read import read_case_tracker

    try:
        reads = {prison: read_case_tracker(path, prison) for prison, path in paths.items()}
        check_unique_ids(reads)
    except DataValidationError as exc:
        return _stopped(exc)
    findings = [f for read in reads.values() for f in read.findings.findings]
    return _outcome(findings, None, reads)


def run_mothers(path) -> Outcome:
    from evaluation.strands.surveys.read import read_mothers_wave

    try:
        read = read_mothers_wave(path, "T1", 1)
    except DataValidationError as exc:
        return _stopped(exc)
    return _outcome(read.findings.findings, read.ledger.to_frame(), read)


def run_practitioners(path) -> Outcome:
    from evaluation.strands.surveys.read import read_practitioner_wave

    try:
        read = read_practitioner_wave(path, "Y1")
    except DataValidationError as exc:
        return _stopped(exc)
    return _outcome(read.findings.findings, read.ledger.to_frame(), read)


def _findings_from_csv(path: Path) -> list[Finding]:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    findings = []
    for record in frame.to_dict("records"):
        values = {k: (v if v != "" else None) for k, v in record.items()}
        values["row"] = int(values["row"]) if values["row"] is not None else None
        values["check"] = values["check"] or ""
        findings.append(Finding(**values))
    return findings


def run_qualitative(
    themes, participants, coded_segments, fmt="tidy", participant_map=None
) -> Outcome:
    """The qualitative read rule's step (themes, participants, segments, identifier guard)."""
    from types import SimpleNamespace

    from evaluation.strands.qualitative.steps import qualitative_read

    out = Path(themes).parent / "_out"
    out.mkdir(exist_ok=True)
    # a mapping is one Taguette export per coder, as the rule passes it
    coders = list(coded_segments) if isinstance(coded_segments, dict) else []
    try:
        qualitative_read(
            SimpleNamespace(
                themes=str(themes),
                participants=str(participants),
                segments=list(coded_segments.values()) if coders else [coded_segments],
                participant_map=[participant_map] if participant_map else [],
                disallowed_names=[str(RAW / "qualitative" / "disallowed_names.txt")],
            ),
            SimpleNamespace(
                themes=str(out / "themes.parquet"),
                participants=str(out / "participants.parquet"),
                segments=str(out / "segments.parquet"),
                findings=str(out / "findings.csv"),
                ledger=str(out / "ledger.csv"),
            ),
            SimpleNamespace(
                fmt=fmt,
                coders=coders,
                prisons=PRISONS,
                valid_date_range=["2015-01-01", "2030-12-31"],
            ),
        )
    except DataValidationError as exc:
        return _stopped(exc)
    ledger = pd.read_csv(out / "ledger.csv", keep_default_na=False)
    segments = pd.read_parquet(out / "segments.parquet")
    return _outcome(_findings_from_csv(out / "findings.csv"), ledger, segments)


def run_activity(path, case_ids) -> Outcome:
    """The activity read rule's step, with the trackers' case ids."""
    from types import SimpleNamespace

    from evaluation.strands.activity.steps import activity_read

    out = Path(path).parent / "_out"
    out.mkdir(exist_ok=True)
    try:
        activity_read(
            SimpleNamespace(log=str(path), all_case_ids=str(case_ids)),
            SimpleNamespace(
                entries=str(out / "entries.parquet"),
                findings=str(out / "findings.csv"),
                ledger=str(out / "ledger.csv"),
            ),
            SimpleNamespace(prisons=PRISONS, valid_date_range=["2015-01-01", "2030-12-31"]),
        )
    except DataValidationError as exc:
        return _stopped(exc)
    ledger = pd.read_csv(out / "ledger.csv", keep_default_na=False)
    entries = pd.read_parquet(out / "entries.parquet")
    return _outcome(_findings_from_csv(out / "findings.csv"), ledger, entries)


RUNNERS = {
    "read_case_tracker": run_tracker,
    "check_unique_ids": run_trackers,
    "read_mothers_wave": run_mothers,
    "read_practitioner_wave": run_practitioners,
    "read_qualitative": run_qualitative,
    "read_activity": run_activity,
}


def run(case: Case, folder: Path) -> Outcome:
    """Build the case's file(s) in ``folder`` and run its reader on them."""
    folder.mkdir(parents=True, exist_ok=True)
    return RUNNERS[case.runner](**case.build(folder))


# --------------------------------------------------------------------------- case tracker


def tracker(edit: Callable[[dict], None] | None = None, headers: dict | None = None, name=TRACKER):
    """Builder: the inline two-mother workbook of conftest, changed by ``edit``."""

    def build(folder: Path) -> dict:
        sheets = small_tracker_sheets()
        if edit:
            edit(sheets)
        return {"path": write_tracker(folder / name, sheets, headers)}

    return build


def tracker_file(change: Callable[[Path], None]):
    """Builder: the inline workbook, then ``change`` applied to the saved file."""

    def build(folder: Path) -> dict:
        path = write_tracker(folder / TRACKER)
        change(path)
        return {"path": path}

    return build


def _set(sheet: str, index: int, **values):
    def edit(sheets):
        sheets[sheet][index].update(values)

    return edit


def _append(sheet: str, row: dict):
    def edit(sheets):
        sheets[sheet].append(row)

    return edit


def _write_bytes(data: bytes, name=TRACKER):
    def build(folder: Path) -> dict:
        path = folder / name
        path.write_bytes(data)
        return {"path": path}

    return build


def _no_sheets(path: Path) -> None:
    """Rewrite an .xlsx package so that its workbook lists no sheet at all."""
    source = zipfile.ZipFile(path)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for name in sorted(source.namelist()):
            data = source.read(name)
            if name == "xl/workbook.xml":
                data = re.sub(rb"<sheets>.*</sheets>", b"<sheets/>", data, flags=re.S)
            if not name.startswith("xl/worksheets/"):
                target.writestr(name, data)
    source.close()
    path.write_bytes(buffer.getvalue())


def _empty_sheets(path: Path) -> None:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name in ("Baseline", "Children", "Triage coding", "Reviews"):
        workbook.create_sheet(name)
    workbook.save(path)


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _merge_children_header(path: Path) -> None:
    workbook = openpyxl.load_workbook(path)
    workbook["Children"].merge_cells("A1:B1")
    workbook.save(path)


def _formula_age(path: Path) -> None:
    """T-001's age (Baseline F2) becomes the formula =30+1 with Excel's cached value 31."""
    source = zipfile.ZipFile(path)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                data, count = re.subn(
                    rb'<c r="F2"[^>]*><v>31</v></c>', b'<c r="F2"><f>30+1</f><v>31</v></c>', data
                )
                assert count == 1, "the fixture's age cell was not found"
            target.writestr(name, data)
    source.close()
    path.write_bytes(buffer.getvalue())


def extra_sheet(path: Path, name: str = "Notes") -> None:
    workbook = openpyxl.load_workbook(path)
    workbook.create_sheet(name)["A1"] = "synthetic note to self"
    workbook.save(path)


def _trailing_blanks(path: Path) -> None:
    """Three rows of spaces after the data and a trailing column of spaces without a header."""
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["Baseline"]
    for row in range(5, 8):
        sheet.cell(row=row, column=1, value="  ")
        sheet.cell(row=row, column=len(BASELINE_HEADER) + 2, value=" ")
    workbook.save(path)


def _title_rows(sheet: str, *titles: str):
    """Change: rows typed above the column names of ``sheet`` (a title, a blank line)."""

    def change(path: Path) -> None:
        workbook = openpyxl.load_workbook(path)
        worksheet = workbook[sheet]
        worksheet.insert_rows(1, amount=len(titles))
        for row, title in enumerate(titles, start=1):
            worksheet.cell(row=row, column=1, value=title or None)
        workbook.save(path)

    return change


def _header_cell(sheet: str, column: int, text: str):
    """Change: row 1 of ``sheet`` gets ``text`` in ``column`` (1-based)."""

    def change(path: Path) -> None:
        workbook = openpyxl.load_workbook(path)
        workbook[sheet].cell(row=1, column=column, value=text)
        workbook.save(path)

    return change


def _drop_sheet(name: str):
    def change(path: Path) -> None:
        workbook = openpyxl.load_workbook(path)
        del workbook[name]
        workbook.save(path)

    return change


def _rewrite_member(path: Path, member: str, change: Callable[[bytes], bytes]) -> None:
    """Rewrite one part of an .xlsx package (a sheet's XML, the workbook's ...)."""
    source = zipfile.ZipFile(path)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            data = source.read(name)
            target.writestr(name, change(data) if name == member else data)
    source.close()
    path.write_bytes(buffer.getvalue())


def _cell_xml(cell: str, xml: bytes):
    """Change: the XML of ``cell`` (e.g. F2) on the first sheet becomes ``xml``."""

    def change(data: bytes) -> bytes:
        data, count = re.subn(
            rb'<c r="' + cell.encode() + rb'"[^>/]*>.*?</c>', xml, data, flags=re.S
        )
        assert count == 1, f"the fixture's cell {cell} was not found"
        return data

    return lambda path: _rewrite_member(path, "xl/worksheets/sheet1.xml", change)


def _half(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _flip_compressed_byte(path: Path) -> None:
    """One byte of the first sheet's compressed data changed (a bad copy, a failing disk)."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    with path.open("rb") as stream:  # the local header's own name and extra field lengths
        stream.seek(info.header_offset + 26)
        name_length, extra_length = (int.from_bytes(stream.read(2), "little") for _ in range(2))
    data[info.header_offset + 30 + name_length + extra_length + 20] ^= 0xFF
    path.write_bytes(bytes(data))


def sheet_copy(source: str, name: str, rows: list[dict] | None = None, hidden=True):
    """Change: a copy of sheet ``source`` named ``name`` (its rows, or ``rows``), hidden."""

    def change(path: Path) -> None:
        workbook = openpyxl.load_workbook(path)
        original = workbook[source]
        copy = workbook.copy_worksheet(original)
        copy.title = name
        if rows is not None:
            header = [c.value for c in original[1]]
            copy.delete_rows(2, copy.max_row)
            for row in rows:
                copy.append([row.get(h) for h in header])
        if hidden:
            copy.sheet_state = "hidden"
        workbook.save(path)

    return change


def _older_layout_copy(path: Path) -> None:
    """A hidden 'Baseline (2)' in an older layout (three of the Baseline's columns)."""
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.create_sheet("Baseline (2)")
    sheet.append(["case_id", "referral", "age"])
    sheet.append(["T-004", dt.datetime(2022, 1, 4), 29])
    sheet.sheet_state = "hidden"
    workbook.save(path)


def _baseline_rows(*extra: dict) -> list[dict]:
    return [*small_tracker_sheets()["Baseline"], *extra]


def formula_cell(sheet: str, cell: str, formula: str):
    """Change: ``cell`` holds ``formula`` saved without its result (as openpyxl saves it)."""

    def change(path: Path) -> None:
        workbook = openpyxl.load_workbook(path)
        workbook[sheet][cell] = formula
        workbook.save(path)

    return change


def append_rows(sheet: str, *rows: list):
    """Change: ``rows`` typed below the data of ``sheet``."""

    def change(path: Path) -> None:
        workbook = openpyxl.load_workbook(path)
        for row in rows:
            workbook[sheet].append(row)
        workbook.save(path)

    return change


def _missing_workbook(folder: Path) -> dict:
    return {"path": folder / "tracker_renamed_since.xlsx"}


def _two_workbooks(folder: Path) -> dict:
    first = write_tracker(folder / "prison_a.xlsx")
    sheets = small_tracker_sheets()
    renamed = {"T-001": "U-001", "T-003": "U-003"}  # T-002 stays: used in both workbooks
    for rows in sheets.values():
        for row in rows:
            row["case_id"] = renamed.get(row["case_id"], row["case_id"])
    second = write_tracker(folder / "prison_b.xlsx", sheets)
    return {"paths": {"Prison A": first, "Prison B": second}}


def _cases_of(outcome: Outcome) -> pd.DataFrame:
    return outcome.result["cases"].set_index("case_id")


def _verify_day_first(outcome: Outcome) -> None:
    dates = _cases_of(outcome)["first_contact_date"]
    assert dates["T-001"] == pd.Timestamp(2021, 11, 3)  # '3.11.21'
    assert dates["T-002"] == pd.Timestamp(2021, 11, 3)  # '03/11/2021' is 3 November


def _verify_formula(outcome: Outcome) -> None:
    assert _cases_of(outcome).at["T-001", "age"] == 31  # the cached value


def _excluded(outcome: Outcome, reason: str, sheet: str | None = None) -> int:
    ledger = outcome.ledger
    keep = (ledger["outcome"] == "excluded") & (ledger["reason"] == reason)
    if sheet is not None:
        keep &= ledger["sheet"] == sheet
    return int(ledger.loc[keep, "rows"].sum())


def _verify_blank_rows(outcome: Outcome) -> None:
    assert _excluded(outcome, "fully blank row", "Baseline") == 3
    assert list(_cases_of(outcome).index) == ["T-001", "T-002"]


def _verify_older_copy_ignored(outcome: Outcome) -> None:
    assert list(_cases_of(outcome).index) == ["T-001", "T-002"]


def _verify_duplicate_need(outcome: Outcome) -> None:
    assert _excluded(outcome, "need listed twice for the same case and source (counted once)") == 1


SUMMARY_WITH_EMAIL = "synthetic: rang jo.bloggs@example.org about the contact plan"

TRACKER_CASES = [
    Case(
        "tracker_not_an_excel_file",
        "case_tracker",
        "read_case_tracker",
        _write_bytes(b"case_id,age\r\nT-001,31\r\n"),
        (E(TRACKER, message="cannot be read as an Excel workbook"),),
        note="a CSV saved with an .xlsx name",
    ),
    Case(
        "tracker_workbook_without_sheets",
        "case_tracker",
        "read_case_tracker",
        tracker_file(_no_sheets),
        tuple(
            E(TRACKER, sheet=s, message=f"sheet '{s}' not found", expected="Baseline, Children")
            for s in ("Baseline", "Children", "Triage coding", "Reviews")
        ),
    ),
    Case(
        "tracker_empty_sheets",
        "case_tracker",
        "read_case_tracker",
        tracker_file(_empty_sheets),
        tuple(
            E(TRACKER, sheet=s, message="the sheet is empty", expected="case_id")
            for s in ("Baseline", "Children", "Triage coding", "Reviews")
        ),
    ),
    Case(
        "tracker_corrupt_xlsx",
        "case_tracker",
        "read_case_tracker",
        tracker_file(_truncate),
        (E(TRACKER, message="this file is damaged: open it in Excel and save it again"),),
        note="a truncated zip package (an interrupted copy)",
    ),
    Case(
        "tracker_password_protected_xlsx",
        "case_tracker",
        "read_case_tracker",
        _write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + bytes(range(256)) * 4),
        (E(TRACKER, message="password-protected"),),
        note="an encrypted .xlsx is an OLE2 compound file on disk",
    ),
    Case(
        "tracker_missing_sheet",
        "case_tracker",
        "read_case_tracker",
        tracker_file(_drop_sheet("Reviews")),
        (E(TRACKER, sheet="Reviews", message="sheet 'Reviews' not found", expected="Reviews"),),
    ),
    Case(
        "tracker_extra_sheet",
        "case_tracker",
        "read_case_tracker",
        tracker_file(extra_sheet),
        (W(TRACKER, sheet="Notes", message="not in the data contract"),),
    ),
    Case(
        "tracker_renamed_column",
        "case_tracker",
        "read_case_tracker",
        tracker(
            headers={"Baseline": [("age_years" if h == "age" else h) for h in BASELINE_HEADER]}
        ),
        (
            E(
                TRACKER,
                sheet="Baseline",
                row=1,
                column="age",
                message="found: case_id, referral_date, first_contact_date, case_origin, referral_source, age_years",
            ),
        ),
    ),
    Case(
        "tracker_duplicated_column",
        "case_tracker",
        "read_case_tracker",
        tracker(headers={"Baseline": [*BASELINE_HEADER, "Ethnicity "]}),
        (
            E(
                TRACKER,
                sheet="Baseline",
                row=1,
                column="ethnicity",
                value="Ethnicity ",
                message="appears twice",
            ),
        ),
    ),
    Case(
        "tracker_merged_header_cells",
        "case_tracker",
        "read_case_tracker",
        tracker_file(_merge_children_header),
        (
            E(TRACKER, sheet="Children", row=1, column="A", message="A1:B1 are merged"),
            E(TRACKER, sheet="Children", row=1, column="child_ref", message="not found"),
        ),
    ),
    Case(
        "tracker_formula_cell",
        "case_tracker",
        "read_case_tracker",
        tracker_file(_formula_age),
        (W(TRACKER, sheet="Baseline", row=2, column="F", message="holds a formula"),),
        verify=_verify_formula,
    ),
    Case(
        "tracker_unknown_category",
        "case_tracker",
        "read_case_tracker",
        tracker(_set("Baseline", 1, ethnicity="Martian")),
        (
            E(
                TRACKER,
                sheet="Baseline",
                row=3,
                column="ethnicity",
                value="Martian",
                expected="White British",
            ),
        ),
    ),
    Case(
        "tracker_unknown_need_for_source",
        "case_tracker",
        "read_case_tracker",
        tracker(_set("Triage coding", 1, need="Housing")),
        (
            E(
                TRACKER,
                sheet="Triage coding",
                row=3,
                column="need",
                value="Housing",
                expected="Contact agreement",
            ),
        ),
    ),
    Case(
        "tracker_age_out_of_range",
        "case_tracker",
        "read_case_tracker",
        tracker(_set("Baseline", 0, age=76)),
        (E(TRACKER, sheet="Baseline", row=2, column="age", value="76", expected="18 to 75"),),
    ),
    Case(
        "tracker_child_age_out_of_range",
        "case_tracker",
        "read_case_tracker",
        tracker(_set("Children", 0, age=18)),
        (E(TRACKER, sheet="Children", row=2, column="age", value="18", expected="0 to 17"),),
    ),
    Case(
        "tracker_count_not_a_number",
        "case_tracker",
        "read_case_tracker",
        tracker(_set("Baseline", 0, incarceration_count="twice")),
        (
            E(
                TRACKER,
                sheet="Baseline",
                row=2,
                column="incarceration_count",
                value="twice",
                expected="1 to 20",
            ),
        ),
    ),
    Case(
        "tracker_impossible_date",
        "case_tracker",
        "read_case_tracker",
        tracker(_set("Baseline", 0, referral_date="31/02/2021")),
        (
            E(
                TRACKER,
                sheet="Baseline",
                row=2,
                column="referral_date",
                value="31/02/2021",
                expected="no such day",
            ),
        ),
    ),
    Case(
        "tracker_future_date_out_of_range",
        "case_tracker",
        "read_case_tracker",
        tracker(_set("Baseline", 1, first_contact_date="03/11/2201")),
        (
            E(
                TRACKER,
                sheet="Baseline",
                row=3,
                column="first_contact_date",
                value="03/11/2201",
                message="date out of range",
                expected="31/12/2030",
            ),
        ),
        note="a typing slip (2201 for 2021)",
    ),
    Case(
        "tracker_date_before_range",
        "case_tracker",
        "read_case_tracker",
        tracker(_set("Baseline", 0, referral_date=dt.datetime(1921, 5, 1))),
        (
            E(
                TRACKER,
                sheet="Baseline",
                row=2,
                column="referral_date",
                value="01/05/1921",
                expected="01/01/2015",
            ),
        ),
    ),
    Case(
        "tracker_month_first_date",
        "case_tracker",
        "read_case_tracker",
        tracker(_set("Baseline", 0, referral_date="13/25/2021")),
        (
            E(
                TRACKER,
                sheet="Baseline",
                row=2,
                column="referral_date",
                value="13/25/2021",
                expected="day first",
            ),
        ),
    ),
    Case(
        "tracker_day_first_dates_accepted",
        "case_tracker",
        "read_case_tracker",
        tracker(_set("Baseline", 0, first_contact_date="3.11.21")),
        verify=_verify_day_first,
        note="03/11/2021 and 3.11.21 are 3 November, not 11 March",
    ),
    Case(
        "tracker_number_not_a_date_serial",
        "case_tracker",
        "read_case_tracker",
        tracker(_set("Baseline", 0, referral_date=123)),
        (
            E(
                TRACKER,
                sheet="Baseline",
                row=2,
                column="referral_date",
                value="123",
                expected="not an Excel date serial",
            ),
        ),
    ),
    Case(
        "tracker_unparseable_sentence",
        "case_tracker",
        "read_case_tracker",
        tracker(_set("Baseline", 0, sentence_length="about two years")),
        (
            E(
                TRACKER,
                sheet="Baseline",
                row=2,
                column="sentence_length",
                value="about two years",
                expected="2 years 6 months",
            ),
        ),
    ),
    Case(
        "tracker_blank_case_id",
        "case_tracker",
        "read_case_tracker",
        tracker(_set("Children", 0, case_id=None)),
        (E(TRACKER, sheet="Children", row=2, column="case_id", message="identifier is blank"),),
    ),
    Case(
        "tracker_duplicate_case_id",
        "case_tracker",
        "read_case_tracker",
        tracker(_append("Baseline", baseline_row("T-001", age=33))),
        tuple(
            E(
                TRACKER,
                sheet="Baseline",
                row=row,
                column="case_id",
                value="T-001",
                message="(rows 2 and 5); the rows differ (age), so two different mothers share",
            )
            for row in (2, 5)
        ),
        note="one case id given to two different women in one workbook",
    ),
    Case(
        "tracker_same_mother_entered_twice",
        "case_tracker",
        "read_case_tracker",
        tracker(_append("Baseline", baseline_row("T-001"))),
        tuple(
            E(
                TRACKER,
                sheet="Baseline",
                row=row,
                column="case_id",
                value="T-001",
                message="(rows 2 and 5); the rows are identical, so one mother is entered twice",
            )
            for row in (2, 5)
        ),
    ),
    Case(
        "tracker_duplicate_case_id_across_workbooks",
        "case_tracker",
        "check_unique_ids",
        _two_workbooks,
        (
            E(
                "prison_a.xlsx",
                sheet="Baseline",
                row=3,
                column="case_id",
                value="T-002",
                message="prison_a.xlsx (Prison A), sheet 'Baseline' row 3; ",
            ),
            E("prison_a.xlsx", message="prison_b.xlsx (Prison B), sheet 'Baseline' row 3."),
        ),
        note="one case id used in two prisons' workbooks",
    ),
    Case(
        "tracker_orphan_child",
        "case_tracker",
        "read_case_tracker",
        tracker(
            _append(
                "Children",
                {
                    "case_id": "T-999",
                    "child_ref": 1,
                    "age": 3,
                    "placement": "Foster care",
                    "has_social_worker": "Yes",
                },
            )
        ),
        (E(TRACKER, sheet="Children", row=6, column="case_id", value="T-999"),),
    ),
    Case(
        "tracker_orphan_need",
        "case_tracker",
        "read_case_tracker",
        tracker(
            _append(
                "Triage coding",
                {
                    "case_id": "T-999",
                    "source": "Mother",
                    "need": "Support with adoption transition",
                },
            )
        ),
        (
            E(
                TRACKER,
                sheet="Triage coding",
                row=5,
                column="case_id",
                value="T-999",
                message="not found in Baseline",
            ),
        ),
    ),
    Case(
        "tracker_orphan_review",
        "case_tracker",
        "read_case_tracker",
        tracker(
            _append(
                "Reviews",
                {
                    "case_id": "T-999",
                    "review_date": dt.datetime(2022, 1, 4),
                    "case_status": "Open",
                    "contact_with_children": "None",
                    "mbu": "No",
                    "legal_support": "No",
                },
            )
        ),
        (E(TRACKER, sheet="Reviews", row=4, column="case_id", value="T-999"),),
    ),
    Case(
        "tracker_two_reviews_on_one_date",
        "case_tracker",
        "read_case_tracker",
        tracker(_set("Reviews", 1, review_date=dt.datetime(2021, 11, 10))),
        (
            E(TRACKER, sheet="Reviews", row=2, column="review_date", value="10/11/2021"),
            E(
                TRACKER,
                sheet="Reviews",
                row=3,
                column="review_date",
                value="10/11/2021",
                message="same date",
            ),
        ),
    ),
    Case(
        "tracker_closed_without_closure_date",
        "case_tracker",
        "read_case_tracker",
        tracker(_set("Reviews", 1, closure_date=None)),
        (
            E(
                TRACKER,
                sheet="Reviews",
                row=3,
                column="closure_date",
                message="required when case_status is Closed",
            ),
        ),
    ),
    Case(
        "tracker_review_after_closure",
        "case_tracker",
        "read_case_tracker",
        tracker(
            _append(
                "Reviews",
                {
                    "case_id": "T-001",
                    "review_date": dt.datetime(2022, 7, 1),
                    "case_status": "Open",
                    "contact_with_children": "Direct",
                    "mbu": "No",
                    "legal_support": "No",
                },
            )
        ),
        (
            W(
                TRACKER,
                sheet="Reviews",
                row=4,
                column="review_date",
                value="01/07/2022",
                message="after the case was closed",
            ),
        ),
    ),
    Case(
        "tracker_review_before_first_contact",
        "case_tracker",
        "read_case_tracker",
        tracker(_set("Reviews", 0, review_date=dt.datetime(2021, 5, 1))),
        (
            E(
                TRACKER,
                sheet="Reviews",
                row=2,
                column="review_date",
                value="01/05/2021",
                expected="on or after 10/05/2021",
            ),
        ),
    ),
    Case(
        "tracker_bad_review_row_never_prints_the_work_summary",
        "case_tracker",
        "read_case_tracker",
        tracker(_set("Reviews", 0, contact_outcome="Maybe later", work_summary=SUMMARY_WITH_EMAIL)),
        (E(TRACKER, sheet="Reviews", row=2, column="contact_outcome", value="Maybe later"),),
        hidden=(SUMMARY_WITH_EMAIL, "jo.bloggs@example.org"),
    ),
    Case(
        "tracker_duplicate_need",
        "case_tracker",
        "read_case_tracker",
        tracker(
            _append(
                "Triage coding",
                {
                    "case_id": "T-001",
                    "source": "mother",
                    "need": "support with adoption transition",
                },
            )
        ),
        (
            W(
                TRACKER,
                sheet="Triage coding",
                row=5,
                column="need",
                message="listed twice",
            ),
        ),
        verify=_verify_duplicate_need,
    ),
    Case(
        "tracker_hidden_newer_baseline_copy",
        "case_tracker",
        "read_case_tracker",
        tracker_file(sheet_copy("Baseline", "Baseline (2)", _baseline_rows(baseline_row("T-004")))),
        (
            E(
                TRACKER,
                sheet="Baseline (2)",
                row=5,
                message="hidden sheet 'Baseline (2)' is a copy of 'Baseline' (same columns) "
                "with 1 row(s) that 'Baseline' does not have (the first is row 5)",
                expected="one sheet with the columns of 'Baseline'",
            ),
        ),
        note="the visible Baseline is older; a hidden copy holds a later mother",
    ),
    Case(
        "tracker_visible_baseline_copy_with_edited_row",
        "case_tracker",
        "read_case_tracker",
        tracker_file(
            sheet_copy(
                "Baseline",
                "Baseline new",
                [baseline_row("T-001", age=32), *_baseline_rows()[1:]],
                hidden=False,
            )
        ),
        (
            E(
                TRACKER,
                sheet="Baseline new",
                row=2,
                message="sheet 'Baseline new' is a copy of 'Baseline'",
            ),
        ),
    ),
    Case(
        "tracker_hidden_older_baseline_copy",
        "case_tracker",
        "read_case_tracker",
        tracker_file(sheet_copy("Baseline", "Baseline old", _baseline_rows()[:2])),
        (
            W(
                TRACKER,
                sheet="Baseline old",
                message="hidden sheet 'Baseline old' is an older copy of 'Baseline' (each of "
                "its 2 row(s) is also in 'Baseline'); it is ignored",
            ),
        ),
        verify=_verify_older_copy_ignored,
    ),
    Case(
        "tracker_hidden_baseline_copy_in_an_older_layout",
        "case_tracker",
        "read_case_tracker",
        tracker_file(_older_layout_copy),
        (
            W(
                TRACKER,
                sheet="Baseline (2)",
                message="hidden sheet 'Baseline (2)' is named like 'Baseline' but lacks some of "
                "its columns; it is ignored",
            ),
        ),
        verify=_verify_older_copy_ignored,
        note="a hidden sheet that is no copy of any data sheet (the proforma's lists) stays quiet",
    ),
    Case(
        "tracker_excel_error_value",
        "case_tracker",
        "read_case_tracker",
        tracker_file(_cell_xml("F2", b'<c r="F2" t="e"><f>AGE_OF(B2)</f><v>#NAME?</v></c>')),
        (
            E(
                TRACKER,
                sheet="Baseline",
                row=2,
                column="age",
                value="#NAME?",
                message="cell F2 holds the Excel error #NAME? (formula =AGE_OF(B2))",
            ),
        ),
        note="calamine reads an error cell as an empty one",
    ),
    Case(
        "tracker_excel_error_value_without_formula",
        "case_tracker",
        "read_case_tracker",
        tracker_file(_cell_xml("G3", b'<c r="G3" t="e"><v>#N/A</v></c>')),
        (
            E(
                TRACKER,
                sheet="Baseline",
                row=3,
                column="ethnicity",
                value="#N/A",
                message="cell G3 holds the Excel error #N/A",
            ),
        ),
        note="a looked-up value pasted as values keeps the error",
    ),
    Case(
        "tracker_excel_error_typed_as_text",
        "case_tracker",
        "read_case_tracker",
        tracker(_set("Reviews", 0, contact_with_children="#REF!")),
        (
            E(
                TRACKER,
                sheet="Reviews",
                row=2,
                column="contact_with_children",
                value="#REF!",
                message="cell F2 holds the Excel error #REF!",
            ),
        ),
        note="an error value pasted in from a CSV export is text",
    ),
    Case(
        "tracker_formula_without_saved_result",
        "case_tracker",
        "read_case_tracker",
        tracker_file(formula_cell("Children", "C3", "=YEAR(TODAY())-2014")),
        (
            E(
                TRACKER,
                sheet="Children",
                row=3,
                column="age",
                value="=YEAR(TODAY())-2014",
                message="cell C3 holds the formula =YEAR(TODAY())-2014 without its result",
            ),
        ),
        note="a workbook saved by a program that does not calculate formulas",
    ),
    Case(
        "tracker_damaged_sheet_xml",
        "case_tracker",
        "read_case_tracker",
        tracker_file(lambda p: _rewrite_member(p, "xl/worksheets/sheet1.xml", _half)),
        (
            E(
                TRACKER,
                sheet="Baseline",
                message="this file is damaged: open it in Excel and save it again",
            ),
        ),
        note="the zip package is whole but a sheet's XML inside is cut short",
    ),
    Case(
        "tracker_damaged_compressed_data",
        "case_tracker",
        "read_case_tracker",
        tracker_file(_flip_compressed_byte),
        (E(TRACKER, message="this file is damaged: open it in Excel and save it again"),),
    ),
    Case(
        "tracker_total_row_below_data",
        "case_tracker",
        "read_case_tracker",
        tracker(_append("Baseline", {"case_id": "Total", "age": 35, "n_children_under_18": 3})),
        (
            E(
                TRACKER,
                sheet="Baseline",
                row=5,
                column="case_id",
                value="Total",
                message="row 5 looks like a summary row typed below the data",
            ),
        ),
        note="counted as a mother before (referred, not started)",
    ),
    Case(
        "tracker_average_formula_row_below_data",
        "case_tracker",
        "read_case_tracker",
        tracker_file(formula_cell("Baseline", "F5", "=AVERAGE(F2:F4)")),
        (
            E(
                TRACKER,
                sheet="Baseline",
                row=5,
                column="age",
                value="=AVERAGE(F2:F4)",
                message="(cell F5 holds the formula =AVERAGE(F2:F4)), not a record",
            ),
        ),
    ),
    Case(
        "tracker_file_missing",
        "case_tracker",
        "read_case_tracker",
        _missing_workbook,
        (E("tracker_renamed_since.xlsx", message="file not found"),),
        # a whole run after a good one: tests/test_missing_files.py (no stale outputs)
        note="the config names a workbook that is not there (renamed since the last run)",
    ),
    Case(
        "tracker_extra_sheet_named_with_a_prison_number",
        "case_tracker",
        "read_case_tracker",
        tracker_file(lambda p: extra_sheet(p, "A1234BC notes")),
        (W(TRACKER, sheet="A1234BC notes", message="not in the data contract"),),
        note="the reader warns; the run's audit log guard stops on the prison number",
    ),
    Case(
        "tracker_prison_number_as_case_id",
        "case_tracker",
        "read_case_tracker",
        tracker(_set("Baseline", 0, case_id="K4821QT")),
        (
            E(
                TRACKER,
                sheet="Baseline",
                row=2,
                column="case_id",
                value=None,
                message="case_id looks like a prison number",
                expected="a pseudonymous case id",
            ),
        ),
        hidden=("K4821QT",),
        note="held-out ct_prison_number_id: read silently into the processed Parquet before",
    ),
    Case(
        "tracker_prison_number_typed_with_a_space_in_reviews",
        "case_tracker",
        "read_case_tracker",
        tracker(_set("Reviews", 1, case_id="k4821 qt")),
        (
            E(
                TRACKER,
                sheet="Reviews",
                row=3,
                column="case_id",
                value=None,
                message="case_id looks like a prison number",
            ),
        ),
        hidden=("k4821 qt", "K4821QT"),
    ),
    Case(
        "tracker_prison_number_in_a_category_column",
        "case_tracker",
        "read_case_tracker",
        tracker(_set("Baseline", 1, ethnicity="K4821QT")),
        (
            E(
                TRACKER,
                sheet="Baseline",
                row=3,
                column="ethnicity",
                value=None,
                message="value not in the codebook (the value looks like a prison number",
            ),
        ),
        hidden=("K4821QT",),
    ),
    Case(
        "tracker_title_row_above_the_column_names",
        "case_tracker",
        "read_case_tracker",
        tracker_file(_title_rows("Baseline", "HMP Test - case tracker (synthetic)")),
        (
            E(
                TRACKER,
                sheet="Baseline",
                row=1,
                message="the column names are on row 2, not row 1: delete the rows above them",
            ),
        ),
        note="held-out ct_title_row: one 'required column not found' per column (23) before",
    ),
    Case(
        "tracker_title_and_blank_row_above_the_children_columns",
        "case_tracker",
        "read_case_tracker",
        tracker_file(_title_rows("Children", "Children of the mothers", "")),
        (
            E(
                TRACKER,
                sheet="Children",
                row=1,
                message="the column names are on row 3, not row 1",
            ),
        ),
    ),
    Case(
        "tracker_extra_column_named_with_a_prison_number",
        "case_tracker",
        "read_case_tracker",
        tracker_file(_header_cell("Baseline", len(BASELINE_HEADER) + 1, "K4821QT")),
        (
            W(
                TRACKER,
                sheet="Baseline",
                row=1,
                column="<a prison number, not shown>",
                message="column not in the codebook is ignored",
            ),
        ),
        hidden=("K4821QT",),
    ),
    Case(
        "tracker_trailing_empty_rows_and_columns",
        "case_tracker",
        "read_case_tracker",
        tracker_file(_trailing_blanks),
        verify=_verify_blank_rows,
    ),
]


# --------------------------------------------------------------------------- mothers' survey

MOTHERS_T1 = RAW / "surveys" / "mothers_T1.sav"
HIDDEN_HOPES = "synthetic hope: write to me at amy.r@example.org"


def _example_wave(rows: int = 6) -> tuple[pd.DataFrame, object]:
    frame, meta = pyreadstat.read_sav(str(MOTHERS_T1), user_missing=True)
    return frame.head(rows).copy(), meta


def sav(edit: Callable[[pd.DataFrame, dict], None] | None = None, name="mothers_T1.sav"):
    """Builder: the first rows of the example T1 wave, changed by ``edit(frame, labels)``."""

    def build(folder: Path) -> dict:
        frame, meta = _example_wave()
        labels = {k: dict(v) for k, v in meta.variable_value_labels.items()}
        if edit:
            edit(frame, labels)
        path = folder / name
        pyreadstat.write_sav(
            frame,
            str(path),
            variable_value_labels=labels,
            missing_ranges={k: v for k, v in meta.missing_ranges.items() if k in frame.columns},
        )
        return {"path": path}

    return build


def _reverse_trust(frame, labels):
    old = labels["trust_css"]
    labels["trust_css"] = {**old, **{float(c): old[float(6 - c)] for c in range(1, 6)}}


def _sav_set(row: int, **values):
    def edit(frame, labels):
        for column, value in values.items():
            frame.loc[frame.index[row], column] = value

    return edit


def _sav_truncated(folder: Path) -> dict:
    path = folder / "mothers_T1.sav"
    data = MOTHERS_T1.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    return {"path": path}


def _sav_without_case_id(frame, labels):
    del frame["case_id"]


def _wave_strings(frame: pd.DataFrame) -> pd.DataFrame:
    """The wave as text cells, as a spreadsheet would save it (day-first dates, whole codes)."""
    out = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        values = frame[column]
        if column == "completion_date":
            out[column] = [d.strftime("%d/%m/%Y") for d in values]
        elif values.dtype.kind == "f":
            out[column] = values.map(lambda v: "" if pd.isna(v) else str(int(v)))
        else:
            out[column] = values.map(lambda v: "" if v is None or pd.isna(v) else str(v))
    return out.astype(object)


def wave_csv(edit=None, *, encoding="utf-8", bom=False, transform=None, name="mothers_T1.csv"):
    """Builder: the example T1 wave as a CSV of codes, cells changed by ``edit(frame, {})``."""

    def build(folder: Path) -> dict:
        frame, _ = _example_wave()
        frame = _wave_strings(frame)
        if edit:
            edit(frame, {})
        text = frame.to_csv(index=False, lineterminator="\r\n")
        if transform:
            text = transform(text)
        path = folder / name
        path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding))
        return {"path": path}

    return build


def _trailing_commas(text: str) -> str:
    lines = text.rstrip("\r\n").split("\r\n")
    return "\r\n".join([line + ",," for line in lines] + [",,,", ",,", ""])


def _verify_rows_used(expected: int, blank: int = 0):
    def verify(outcome: Outcome) -> None:
        ledger = outcome.ledger
        used = int(ledger.loc[ledger["outcome"] == "used", "rows"].sum())
        assert used == expected
        assert _excluded(outcome, "blank row") == blank
        assert not any(
            "Unnamed" in str(f.column) or "case_id" in str(f.column) for f in outcome.findings
        )

    return verify


MOTHERS_CASES = [
    Case(
        "mothers_sav_reversed_value_labels",
        "mothers_sav",
        "read_mothers_wave",
        sav(_reverse_trust),
        (
            E(
                "mothers_T1.sav",
                column="trust_css",
                value="codes 1, 2, 4, 5",
                message="'Strongly agree' in the file",
                expected="Strongly disagree",
            ),
        ),
        note="a scale entered the other way round (5 = strongly disagree)",
    ),
    Case(
        "mothers_sav_code_out_of_scale",
        "mothers_sav",
        "read_mothers_wave",
        sav(_sav_set(2, trust_css=6.0)),
        (
            E(
                "mothers_T1.sav",
                row=3,
                column="trust_css",
                value="6.0",
                message="outside the scale",
                expected="Strongly agree",
            ),
        ),
    ),
    Case(
        "mothers_sav_missing_code_undeclared",
        "mothers_sav",
        "read_mothers_wave",
        sav(_sav_set(1, wai_03=7.0)),
        (E("mothers_T1.sav", row=2, column="wai_03", value="7.0", expected="Always"),),
    ),
    Case(
        "mothers_sav_truncated",
        "mothers_sav",
        "read_mothers_wave",
        _sav_truncated,
        (E("mothers_T1.sav", message="cannot read the file"),),
    ),
    Case(
        "mothers_sav_without_case_id",
        "mothers_sav",
        "read_mothers_wave",
        sav(_sav_without_case_id),
        (E("mothers_T1.sav", column="case_id", message="no 'case_id' column"),),
    ),
    Case(
        "mothers_sav_mother_twice_in_a_wave",
        "mothers_sav",
        "read_mothers_wave",
        sav(lambda frame, labels: frame.loc.__setitem__((frame.index[3], "case_id"), "se-001 ")),
        (E("mothers_T1.sav", row=1, column="case_id", value="SE-001", message="rows 1, 4"),),
    ),
    Case(
        "mothers_sav_date_out_of_range",
        "mothers_sav",
        "read_mothers_wave",
        sav(_sav_set(1, completion_date=dt.date(2031, 4, 12))),
        (E("mothers_T1.sav", row=2, column="completion_date", value="2031-04-12"),),
    ),
    Case(
        "mothers_csv_saved_by_excel_in_cp1252",
        "mothers_csv",
        "read_mothers_wave",
        wave_csv(
            _sav_set(0, hopes_text="caf\u00e9 visits \u2013 \u2018soon\u2019"), encoding="cp1252"
        ),
        (W("mothers_T1.csv", message="not valid UTF-8", expected="UTF-8"),),
        hidden=("caf\u00e9 visits",),
        verify=_verify_rows_used(6),
    ),
    Case(
        "mothers_csv_utf8_bom",
        "mothers_csv",
        "read_mothers_wave",
        wave_csv(bom=True),
        verify=_verify_rows_used(6),
    ),
    Case(
        "mothers_csv_trailing_empty_columns_and_rows",
        "mothers_csv",
        "read_mothers_wave",
        wave_csv(transform=_trailing_commas),
        verify=_verify_rows_used(6, blank=2),
    ),
    Case(
        "mothers_csv_month_first_date",
        "mothers_csv",
        "read_mothers_wave",
        wave_csv(_sav_set(0, completion_date="13/25/2021")),
        (
            E(
                "mothers_T1.csv",
                row=2,
                column="completion_date",
                value="13/25/2021",
                expected="03/11/2021 (day first)",
            ),
        ),
    ),
    Case(
        "mothers_csv_text_instead_of_code_never_prints_free_text",
        "mothers_csv",
        "read_mothers_wave",
        wave_csv(_sav_set(2, trust_css="maybe", hopes_text=HIDDEN_HOPES)),
        (E("mothers_T1.csv", row=4, column="trust_css", value="maybe", expected="Not sure"),),
        hidden=(HIDDEN_HOPES, "amy.r@example.org"),
    ),
    Case(
        "mothers_csv_unknown_column",
        "mothers_csv",
        "read_mothers_wave",
        wave_csv(lambda frame, labels: frame.insert(2, "interviewer_note", "x")),
        (W("mothers_T1.csv", column="interviewer_note", message="not in the codebook"),),
    ),
    Case(
        "mothers_csv_rating_out_of_range",
        "mothers_csv",
        "read_mothers_wave",
        wave_csv(_sav_set(1, involvement_rating="11")),
        (E("mothers_T1.csv", row=3, column="involvement_rating", value="11", expected="10"),),
    ),
]


# --------------------------------------------------------------------------- practitioner survey

PRACTITIONERS_Y1 = RAW / "surveys" / "practitioners_Y1.csv"
PRACTITIONER_FILE = "practitioners_Y1.csv"
FIRST_RESPONSE = 4  # index into the records: row 5 of the file (row 4 is a survey preview)


def _export_records() -> list[list[str]]:
    from evaluation.core.textio import csv_records, decode_csv

    text, _ = decode_csv(PRACTITIONERS_Y1)
    return [r for r in csv_records(text) if r][:12]


def export(edit=None, *, encoding="utf-8", bom=True, trailing=False, name=PRACTITIONER_FILE):
    """Builder: the first responses of the example export, records changed by ``edit``."""

    def build(folder: Path) -> dict:
        records = _export_records()
        if edit:
            edit(records)
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows(
            [[*r, "", ""] for r in records] if trailing else records
        )
        text = buffer.getvalue() + (",,\r\n,,,\r\n" if trailing else "")
        path = folder / name
        path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding))
        return {"path": path}

    return build


def _set_cell(record_index: int, column: str, value: str):
    def edit(records):
        records[record_index][records[0].index(column)] = value

    return edit


def _rename_header(old: str, new: str):
    def edit(records):
        records[0][records[0].index(old)] = new

    return edit


def _drop_import_ids(records):
    del records[2]


def _copy_response_id(records):
    column = records[0].index("ResponseId")
    records[FIRST_RESPONSE + 1][column] = records[FIRST_RESPONSE][column]


def _verify_practitioners(blank: int):
    def verify(outcome: Outcome) -> None:
        answers = outcome.result["answers"]
        roles = set(answers.loc[answers["item"] == "role", "answer"].dropna())
        assert "Children's social worker" in roles
        assert _excluded(outcome, "blank row") == blank
        assert _excluded(outcome, "survey preview") == 1

    return verify


PRACTITIONER_CASES = [
    Case(
        "practitioners_missing_header_row",
        "practitioners",
        "read_practitioner_wave",
        export(_drop_import_ids),
        (E(PRACTITIONER_FILE, row=3, message="three header rows"),),
        note="exported without the import-id row: responses would start a row early",
    ),
    Case(
        "practitioners_unknown_role",
        "practitioners",
        "read_practitioner_wave",
        export(_set_cell(FIRST_RESPONSE, "role", "Teacher")),
        (
            E(
                PRACTITIONER_FILE,
                row=5,
                column="role",
                value="Teacher",
                expected="Children's guardian (Cafcass)",
            ),
        ),
    ),
    Case(
        "practitioners_unknown_agreement_answer",
        "practitioners",
        "read_practitioner_wave",
        export(_set_cell(FIRST_RESPONSE, "agree_03", "Kind of")),
        (
            E(
                PRACTITIONER_FILE,
                row=5,
                column="agree_03",
                value="Kind of",
                expected="Not applicable",
            ),
        ),
    ),
    Case(
        "practitioners_impossible_end_date",
        "practitioners",
        "read_practitioner_wave",
        export(_set_cell(FIRST_RESPONSE, "EndDate", "31/02/2022 10:05")),
        (E(PRACTITIONER_FILE, row=5, column="EndDate", value="31/02/2022 10:05"),),
    ),
    Case(
        "practitioners_duplicate_response_id",
        "practitioners",
        "read_practitioner_wave",
        export(_copy_response_id),
        (E(PRACTITIONER_FILE, row=6, column="ResponseId", message="also on row 5"),),
    ),
    Case(
        "practitioners_duplicated_column",
        "practitioners",
        "read_practitioner_wave",
        export(_rename_header("agree_02", "agree_01")),
        (E(PRACTITIONER_FILE, column="agree_01", message="two columns are both"),),
    ),
    Case(
        "practitioners_progress_not_a_percentage",
        "practitioners",
        "read_practitioner_wave",
        export(_set_cell(FIRST_RESPONSE, "Progress", "150")),
        (E(PRACTITIONER_FILE, row=5, column="Progress", value="150", expected="0 to 100"),),
    ),
    Case(
        "practitioners_saved_by_excel_in_cp1252",
        "practitioners",
        "read_practitioner_wave",
        export(encoding="cp1252", bom=False),
        (W(PRACTITIONER_FILE, message="not valid UTF-8", expected="UTF-8"),),
        verify=_verify_practitioners(0),
    ),
    Case(
        "practitioners_utf8_bom",
        "practitioners",
        "read_practitioner_wave",
        export(bom=True),
        verify=_verify_practitioners(0),
    ),
    Case(
        "practitioners_trailing_empty_columns_and_rows",
        "practitioners",
        "read_practitioner_wave",
        export(trailing=True),
        verify=_verify_practitioners(2),
    ),
]


# --------------------------------------------------------------------------- qualitative

QUAL = RAW / "qualitative"
EXAMPLES = QUAL / "examples"
SEGMENT_EMAIL = "synthetic words: you can reach me at bethan.r@example.org any time"


def _append_line(path: Path, line: str) -> int:
    """Append one CSV line; returns its line number as the user sees it."""
    text = path.read_bytes().decode("utf-8-sig")
    if not text.endswith("\n"):
        text += "\r\n"
    text += line + "\r\n"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    return len(text.splitlines())


def qualitative(
    file_key: str | None = None, change: Callable[[Path], None] | None = None, fmt="tidy"
):
    """Builder: the example qualitative files copied, the one named ``file_key`` changed."""

    def build(folder: Path) -> dict:
        paths = {
            key: shutil.copy(QUAL / f"{key}.csv", folder / f"{key}.csv")
            for key in ("themes", "participants", "coded_segments")
        }
        paths = {k: Path(v) for k, v in paths.items()}
        inputs = {
            "themes": paths["themes"],
            "participants": paths["participants"],
            "coded_segments": paths["coded_segments"],
            "fmt": fmt,
        }
        if fmt != "tidy":
            mapping = Path(shutil.copy(EXAMPLES / "participant_map.csv", folder))
            inputs["participant_map"] = str(mapping)
        if fmt == "qualcoder":
            inputs["coded_segments"] = Path(
                shutil.copy(EXAMPLES / "qualcoder_coded_text.csv", folder)
            )
        if fmt == "taguette":
            inputs["coded_segments"] = {
                coder: str(shutil.copy(EXAMPLES / f"taguette_highlights_{coder}.csv", folder))
                for coder in ("HT", "KM")
            }
        if change:
            target = {
                "qualcoder": lambda: inputs["coded_segments"],
                "taguette": lambda: Path(inputs["coded_segments"]["KM"]),
            }.get(file_key, lambda: paths[file_key])()
            change(Path(target))
        return inputs

    return build


def _line(text: str):
    return lambda path: _append_line(path, text)


def _cp1252_behind_a_bom(path: Path) -> None:
    """The file re-saved as Windows-1252 with a new row ('Zoë'), the UTF-8 mark left in front."""
    text = (
        path.read_bytes().decode("utf-8-sig").rstrip("\r\n")
        + "\r\nZo\u00eb,Carer,,14/02/2022,1\r\n"
    )
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("cp1252"))


def _cp1252_row_appended_to_utf8(path: Path) -> None:
    """A UTF-8 file ('Zoë' in UTF-8) with a row appended in Windows-1252 ('Chloë')."""
    text = (
        path.read_bytes().decode("utf-8-sig").rstrip("\r\n")
        + "\r\nZo\u00eb,Carer,,14/02/2022,1\r\n"
    )
    path.write_bytes(
        b"\xef\xbb\xbf"
        + text.encode("utf-8")
        + "Chlo\u00eb,Carer,,15/02/2022,1\r\n".encode("cp1252")
    )


def _verify_zoe_read(outcome: Outcome) -> None:
    assert not [f for f in outcome.findings if f.severity == ERROR]
    assert not [f for f in outcome.findings if "\u00ef\u00bb\u00bf" in f.render()]


def _drop_csv_column(column: str):
    def change(path: Path) -> None:
        text = path.read_bytes().decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text, newline="")))
        keep = [i for i, name in enumerate(rows[0]) if name != column]
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows([[r[i] for i in keep] for r in rows])
        path.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))

    return change


def _duplicate_first_segment(path: Path) -> None:
    text = path.read_bytes().decode("utf-8-sig")
    first = list(csv.reader(io.StringIO(text, newline="")))[1]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(first)
    _append_line(path, buffer.getvalue())


def _lines_in(name: str) -> int:
    return len((QUAL / name).read_bytes().decode("utf-8-sig").splitlines())


THEMES_NEXT = _lines_in("themes.csv") + 1
PARTICIPANTS_NEXT = _lines_in("participants.csv") + 1
SEGMENTS_NEXT = _lines_in("coded_segments.csv") + 1
QUALCODER_NEXT = (
    len((EXAMPLES / "qualcoder_coded_text.csv").read_text("utf-8-sig").splitlines()) + 1
)
TAGUETTE_NEXT = (
    len((EXAMPLES / "taguette_highlights_KM.csv").read_text("utf-8-sig").splitlines()) + 1
)


def _verify_duplicate_code(outcome: Outcome) -> None:
    assert _excluded(outcome, "duplicate code") == 1


QUALITATIVE_CASES = [
    Case(
        "themes_duplicate_theme_id",
        "themes",
        "read_qualitative",
        qualitative("themes", _line("Contact,Another label,,synthetic description")),
        (E("themes.csv", row=THEMES_NEXT, column="theme", value="Contact", message="also used"),),
    ),
    Case(
        "themes_unknown_parent",
        "themes",
        "read_qualitative",
        qualitative("themes", _line("new_theme,A new label,no_such_parent,synthetic")),
        (E("themes.csv", row=THEMES_NEXT, column="parent", value="no_such_parent"),),
    ),
    Case(
        "participants_unknown_group",
        "participants",
        "read_qualitative",
        qualitative("participants", _line("Zoe,Neighbour,,14/02/2022,1")),
        (
            E(
                "participants.csv",
                row=PARTICIPANTS_NEXT,
                column="group",
                value="Neighbour",
                expected="Mother in prison",
            ),
        ),
    ),
    Case(
        "participants_impossible_interview_date",
        "participants",
        "read_qualitative",
        qualitative("participants", _line("Zoe,Carer,,30/02/2022,1")),
        (
            E(
                "participants.csv",
                row=PARTICIPANTS_NEXT,
                column="interview_date",
                value="30/02/2022",
                expected="no such day",
            ),
        ),
    ),
    Case(
        "participants_cp1252_behind_a_utf8_bom",
        "participants",
        "read_qualitative",
        qualitative("participants", _cp1252_behind_a_bom),
        (
            W(
                "participants.csv",
                row=1,
                message="starts with a UTF-8 byte-order mark but its text is Windows-1252",
                expected="UTF-8 throughout",
            ),
        ),
        verify=_verify_zoe_read,
        note="held-out csv_cp1252_with_bom: 'required column missing' on 'ï»¿participant_id' before",
    ),
    Case(
        "participants_cp1252_row_appended_to_a_utf8_file",
        "participants",
        "read_qualitative",
        qualitative("participants", _cp1252_row_appended_to_utf8),
        (
            E(
                "participants.csv",
                row=PARTICIPANTS_NEXT + 1,
                message="the file mixes two encodings",
                expected="one encoding, UTF-8",
            ),
        ),
    ),
    Case(
        "participants_unknown_prison",
        "participants",
        "read_qualitative",
        qualitative("participants", _line("Zoe,Mother in prison,Holloway,14/02/2022,1")),
        (E("participants.csv", row=PARTICIPANTS_NEXT, column="prison", value="Holloway"),),
    ),
    Case(
        "segments_unknown_participant",
        "coded_segments",
        "read_qualitative",
        qualitative("coded_segments", _line("S9001,Nobody,contact,KM,synthetic words,No")),
        (
            E(
                "coded_segments.csv",
                row=SEGMENTS_NEXT,
                column="participant_id",
                value="Nobody",
                message="not in participants.csv",
            ),
        ),
        hidden=("synthetic words",),
    ),
    Case(
        "segments_unknown_theme",
        "coded_segments",
        "read_qualitative",
        qualitative("coded_segments", _line("S9002,Bethan,no_such_theme,KM,synthetic words,No")),
        (
            E(
                "coded_segments.csv",
                row=SEGMENTS_NEXT,
                column="theme",
                value="no_such_theme",
                message="not in themes.csv",
            ),
        ),
        hidden=("synthetic words",),
    ),
    Case(
        "segments_duplicate_segment_coder_theme",
        "coded_segments",
        "read_qualitative",
        qualitative("coded_segments", _duplicate_first_segment),
        (
            W(
                "coded_segments.csv",
                row=SEGMENTS_NEXT,
                column="theme",
                value="S0001",
                message="same theme twice",
            ),
        ),
        verify=_verify_duplicate_code,
    ),
    Case(
        "segments_email_in_excerpt",
        "coded_segments",
        "read_qualitative",
        qualitative("coded_segments", _line(f'S9003,Bethan,contact,KM,"{SEGMENT_EMAIL}",No')),
        (
            E(
                "coded_segments.csv",
                row=SEGMENTS_NEXT,
                column="excerpt",
                value=None,
                message="segment S9003 contains an e-mail address",
            ),
        ),
        hidden=(SEGMENT_EMAIL, "bethan.r@example.org"),
    ),
    Case(
        "segments_missing_coder_column",
        "coded_segments",
        "read_qualitative",
        qualitative("coded_segments", _drop_csv_column("coder")),
        (E("coded_segments.csv", row=1, column="coder", message="required column is missing"),),
    ),
    Case(
        "qualcoder_file_not_in_participant_map",
        "qualcoder",
        "read_qualitative",
        qualitative(
            "qualcoder",
            _line("stranger_interview.docx,KM,synthetic words,999,voice_court,,,"),
            fmt="qualcoder",
        ),
        (
            E(
                "qualcoder_coded_text.csv",
                row=QUALCODER_NEXT,
                column="file",
                value="stranger_interview.docx",
                message="not in the participant map",
            ),
        ),
    ),
    Case(
        "qualcoder_unknown_code",
        "qualcoder",
        "read_qualitative",
        qualitative(
            "qualcoder",
            _line("bethan_interview.docx,KM,synthetic words,998,not_a_theme,,,"),
            fmt="qualcoder",
        ),
        (
            E(
                "qualcoder_coded_text.csv",
                row=QUALCODER_NEXT,
                column="codename",
                value="not_a_theme",
            ),
        ),
        hidden=("synthetic words",),
    ),
    Case(
        "qualcoder_missing_coder_column",
        "qualcoder",
        "read_qualitative",
        qualitative("qualcoder", _drop_csv_column("Coder"), fmt="qualcoder"),
        (E("qualcoder_coded_text.csv", row=1, column="coder", message="QualCoder export"),),
    ),
    Case(
        "taguette_unknown_tag",
        "taguette",
        "read_qualitative",
        qualitative(
            "taguette", _line("990,Bethan transcript,Mystery tag,synthetic words"), fmt="taguette"
        ),
        (
            E(
                "taguette_highlights_KM.csv",
                row=TAGUETTE_NEXT,
                column="tag",
                value="Mystery tag",
                message="not in themes.csv",
            ),
        ),
        hidden=("synthetic words",),
    ),
    Case(
        "taguette_document_not_in_participant_map",
        "taguette",
        "read_qualitative",
        qualitative(
            "taguette", _line("991,Stranger transcript,contact,synthetic words"), fmt="taguette"
        ),
        (
            E(
                "taguette_highlights_KM.csv",
                row=TAGUETTE_NEXT,
                column="document",
                value="Stranger transcript",
            ),
        ),
    ),
]


# --------------------------------------------------------------------------- activity diary

ACTIVITY = "activity_log.xlsx"
ACTIVITY_HEADER = ["worker", "prison", "date", "case_id", "activity", "minutes"]


def _activity_rows() -> list[list]:
    return [
        ["SW1", "Eastwood Park", dt.datetime(2021, 5, 4), "EP-001", "Meeting attended", 60],
        ["SW2", "Send", "06/05/2021", None, "Direct work with mother", 45],
        ["SW2", "send ", dt.datetime(2021, 6, 1), "se-001", "Release planning", 30],
    ]


def diary(
    row: int | None = None,
    sheet="Log",
    extra_sheet=False,
    raw: bytes | None = None,
    *,
    extra_rows: tuple[list, ...] = (),
    change: Callable[[Path], None] | None = None,
    **cells,
):
    """Builder: a three-entry diary; ``cells`` change the entry on Excel row ``row``.

    ``extra_rows`` are typed below the entries; ``change`` edits the saved file.
    """

    def build(folder: Path) -> dict:
        ids = folder / "all_case_ids.parquet"
        pd.DataFrame({"prison": PRISONS, "case_id": ["EP-001", "SE-001"]}).to_parquet(ids)
        path = folder / ACTIVITY
        if raw is not None:
            path.write_bytes(raw)
            return {"path": path, "case_ids": ids}
        rows = _activity_rows()
        for column, value in cells.items():
            rows[row - 2][ACTIVITY_HEADER.index(column)] = value
        workbook = openpyxl.Workbook()
        sheet_ = workbook.active
        sheet_.title = sheet
        sheet_.append(ACTIVITY_HEADER)
        for values in [*rows, *extra_rows]:
            sheet_.append(values)
        if extra_sheet:
            workbook.create_sheet("Notes")["A1"] = "synthetic"
        workbook.save(path)
        if change:
            change(path)
        return {"path": path, "case_ids": ids}

    return build


def _diary_entries(*extra: list) -> list[dict]:
    return [dict(zip(ACTIVITY_HEADER, row, strict=True)) for row in [*_activity_rows(), *extra]]


def _verify_formula_minutes(outcome: Outcome) -> None:
    entries = outcome.result.set_index("excel_row")
    assert len(entries) == 3 and entries.at[2, "minutes"] == 90  # the saved result, not 60


def _verify_entries(outcome: Outcome) -> None:
    assert len(outcome.result) == 3
    assert sorted(outcome.result["case_id"].dropna()) == ["EP-001", "SE-001"]


ACTIVITY_CASES = [
    Case(
        "activity_minutes_zero",
        "activity",
        "read_activity",
        diary(2, minutes=0),
        (E(ACTIVITY, sheet="Log", row=2, column="minutes", value="0", expected="from 1 to 600"),),
    ),
    Case(
        "activity_minutes_601",
        "activity",
        "read_activity",
        diary(3, minutes=601),
        (E(ACTIVITY, sheet="Log", row=3, column="minutes", value="601", expected="from 1 to 600"),),
    ),
    Case(
        "activity_unknown_case_id",
        "activity",
        "read_activity",
        diary(4, case_id="SE-999"),
        (E(ACTIVITY, sheet="Log", row=4, column="case_id", value="SE-999"),),
    ),
    Case(
        "activity_prison_number_as_case_id",
        "activity",
        "read_activity",
        diary(4, case_id="K4821QT"),
        (
            E(
                ACTIVITY,
                sheet="Log",
                row=4,
                column="case_id",
                value=None,
                message="case_id looks like a prison number",
            ),
        ),
        hidden=("K4821QT",),
        note="held-out act_prison_number_canonical: printed as 'not a case of any tracker'",
    ),
    Case(
        "activity_prison_number_typed_in_lower_case_with_a_space",
        "activity",
        "read_activity",
        diary(2, case_id="k4821 qt"),
        (
            E(
                ACTIVITY,
                sheet="Log",
                row=2,
                column="case_id",
                value=None,
                message="case_id looks like a prison number",
            ),
        ),
        hidden=("k4821 qt", "K4821QT"),
    ),
    Case(
        "activity_prison_number_in_the_prison_column",
        "activity",
        "read_activity",
        diary(3, prison="K4821QT"),
        (
            E(
                ACTIVITY,
                sheet="Log",
                row=3,
                column="prison",
                value=None,
                message="prison is not a configured prison (the value looks like a prison number",
            ),
        ),
        hidden=("K4821QT",),
    ),
    Case(
        "activity_title_row_above_the_column_names",
        "activity",
        "read_activity",
        diary(change=_title_rows("Log", "Activity diary 2021")),
        (
            E(
                ACTIVITY,
                sheet="Log",
                row=1,
                message="the column names are on row 2, not row 1: delete the rows above them",
            ),
        ),
    ),
    Case(
        "activity_unknown_prison",
        "activity",
        "read_activity",
        diary(2, prison="Holloway"),
        (
            E(
                ACTIVITY,
                sheet="Log",
                row=2,
                column="prison",
                value="Holloway",
                expected="Eastwood Park, Send",
            ),
        ),
    ),
    Case(
        "activity_unknown_activity",
        "activity",
        "read_activity",
        diary(3, activity="Gardening"),
        (E(ACTIVITY, sheet="Log", row=3, column="activity", value="Gardening"),),
    ),
    Case(
        "activity_impossible_date",
        "activity",
        "read_activity",
        diary(3, date="31/02/2021"),
        (
            E(
                ACTIVITY,
                sheet="Log",
                row=3,
                column="date",
                value="31/02/2021",
                expected="no such day",
            ),
        ),
    ),
    Case(
        "activity_missing_sheet",
        "activity",
        "read_activity",
        diary(sheet="Diary"),
        (E(ACTIVITY, sheet="Log", message="sheet 'Log' not found", expected="Diary"),),
    ),
    Case(
        "activity_not_an_excel_file",
        "activity",
        "read_activity",
        diary(raw=b"worker,prison,date\r\nSW1,Send,01/05/2021\r\n"),
        (E(ACTIVITY, message="cannot be read as an Excel workbook"),),
    ),
    Case(
        "activity_extra_sheet",
        "activity",
        "read_activity",
        diary(extra_sheet=True),
        (W(ACTIVITY, message="extra sheets are ignored: Notes"),),
        verify=_verify_entries,
    ),
    Case(
        "activity_hidden_newer_log_copy",
        "activity",
        "read_activity",
        diary(
            change=sheet_copy(
                "Log",
                "Log (2)",
                _diary_entries(["SW1", "Send", dt.datetime(2021, 7, 1), None, "Other", 30]),
            )
        ),
        (
            E(
                ACTIVITY,
                sheet="Log (2)",
                row=5,
                message="hidden sheet 'Log (2)' is a copy of 'Log' (same columns) with 1 row(s)",
            ),
        ),
    ),
    Case(
        "activity_formula_cell_read_by_its_saved_result",
        "activity",
        "read_activity",
        diary(change=_cell_xml("F2", b'<c r="F2"><f>45*2</f><v>90</v></c>')),
        (
            W(
                ACTIVITY,
                sheet="Log",
                row=2,
                column="minutes",
                message="1 cell(s) of column 'minutes' hold a formula (F2); the result Excel saved",
            ),
        ),
        verify=_verify_formula_minutes,
    ),
    Case(
        "activity_excel_error_value",
        "activity",
        "read_activity",
        diary(change=_cell_xml("F3", b'<c r="F3" t="e"><f>E3*60</f><v>#VALUE!</v></c>')),
        (
            E(
                ACTIVITY,
                sheet="Log",
                row=3,
                column="minutes",
                value="#VALUE!",
                message="cell F3 holds the Excel error #VALUE! (formula =E3*60)",
            ),
        ),
    ),
    Case(
        "activity_formula_without_saved_result",
        "activity",
        "read_activity",
        diary(change=formula_cell("Log", "C2", "=TODAY()")),
        (
            E(
                ACTIVITY,
                sheet="Log",
                row=2,
                column="date",
                value="=TODAY()",
                message="cell C2 holds the formula =TODAY() without its result",
            ),
        ),
    ),
    Case(
        "activity_damaged_sheet_xml",
        "activity",
        "read_activity",
        diary(change=lambda p: _rewrite_member(p, "xl/worksheets/sheet1.xml", _half)),
        (E(ACTIVITY, sheet="Log", message="this file is damaged: open it in Excel"),),
    ),
    Case(
        "activity_table_total_row",
        "activity",
        "read_activity",
        diary(extra_rows=([None, None, None, None, None, "=SUBTOTAL(109,Log[minutes])"],)),
        (
            E(
                ACTIVITY,
                sheet="Log",
                row=5,
                column="minutes",
                value="=SUBTOTAL(109,Log[minutes])",
                message="(cell F5 holds the formula =SUBTOTAL(109,Log[minutes])), not a record",
            ),
        ),
        note="an Excel table's total row, its label left blank",
    ),
    Case(
        "activity_total_row_below_data",
        "activity",
        "read_activity",
        diary(extra_rows=(["Total", None, None, None, None, "=SUM(F2:F4)"],)),
        (
            E(
                ACTIVITY,
                sheet="Log",
                row=5,
                column="worker",
                value="Total",
                message="row 5 looks like a summary row typed below the data",
            ),
        ),
    ),
]


CASES: list[Case] = [
    *TRACKER_CASES,
    *MOTHERS_CASES,
    *PRACTITIONER_CASES,
    *QUALITATIVE_CASES,
    *ACTIVITY_CASES,
]
