"""The tables workbook (report/build/tables.xlsx): every published table in one spreadsheet.

Fast tests build small workbooks from inline tables; workflow tests open the
workbook a run built and read every published CSV back out of it.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from workflow import libreoffice_convert

from evaluation.core.config import ConfigError, validate_config
from evaluation.core.findings import DataValidationError
from evaluation.report.workbook import (
    CONTENTS,
    COVER,
    NOT_APPLICABLE,
    NOTES,
    SYNTHETIC_MARK,
    Cover,
    Note,
    SheetTable,
    build_workbook,
    sheet_names,
    typed_cells,
    visible_text,
    with_label_column,
    workbook_file,
)
from evaluation.runtime import StepFiles
from evaluation.stages.workbook import tables_workbook

SUPPRESSED = "[c]"
FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
HOSTILE = ['=HYPERLINK("http://example.invalid","x")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\ry"]


def cover(**changes) -> Cover:
    values = dict(
        title="A study",
        cutoff_date="2023-12-31",
        sources=("Case trackers: A and B",),
        data_version="abc123",
        disclosure="No cell is suppressed.",
        synthetic=True,
        contact=None,
        authors=("Team",),
    )
    values.update(changes)
    return Cover(**values)


def small_tables() -> list[SheetTable]:
    header = ["row", "column", "n", "denominator", "pct"]
    published = [
        ["0", "Total", "12", "40", "30"],
        ["1", "Total", "", "40", ""],  # suppressed by disclosure control
        ["Not applicable", "Total", "3", "", ""],  # no denominator: does not apply
        [HOSTILE[0], "Total", "25", "40", "62.5"],
    ]
    computed = [
        ["0", "Total", "12", "40", "30"],
        ["1", "Total", "2", "40", "5"],
        ["Not applicable", "Total", "3", "", ""],
        [HOSTILE[0], "Total", "25", "40", "62.5"],
    ]
    counts = SheetTable(
        "counts", "Counts", tuple(header), typed_cells("counts", header, published, computed)
    )
    text_header = ["theme", "label"]
    texts = SheetTable(
        "texts",
        "Texts",
        tuple(text_header),
        typed_cells("texts", text_header, [[f"t{i}", value] for i, value in enumerate(HOSTILE)]),
    )
    empty = SheetTable("key_facts", "Key facts", ("fact", "column", "n"), ())
    return [counts, texts, empty]


NOTES_ROWS = (Note("All tables", "a note"),)


def saved(tables=None, **changes) -> bytes:
    tables = small_tables() if tables is None else tables
    return workbook_file(build_workbook(cover(**changes), tables, NOTES_ROWS), "2023-12-31")


def opened(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))


def sheet_table(sheet) -> tuple[list, list[list]]:
    """A table sheet's header and data rows, read back: the Excel table's range, or the header alone."""
    if sheet.tables:
        (ref,) = [table.ref for table in sheet.tables.values()]
        rows = [[cell.value for cell in row] for row in sheet[ref]]
        return rows[0], rows[1:]
    last = [cell.value for cell in sheet[sheet.max_row]]
    return last, []


# -- fast: the builder on inline tables ----------------------------------------


def test_blank_cells_are_suppressed_or_not_applicable_as_the_computed_table_says():
    (counts, *_) = small_tables()
    assert counts.rows[1] == ("1", "Total", SUPPRESSED, 40, SUPPRESSED)
    assert counts.rows[2] == ("Not applicable", "Total", 3, NOT_APPLICABLE, NOT_APPLICABLE)
    # without the computed table, a blank cannot be called suppressed
    alone = typed_cells("t", ["row", "n"], [["a", ""]])
    assert alone == (("a", NOT_APPLICABLE),)


def test_counts_are_int_percentages_float_and_labels_stay_text():
    (counts, *_) = small_tables()
    row = counts.rows[0]
    assert row[0] == "0" and isinstance(row[0], str)  # a category label that looks like a number
    assert type(row[2]) is int and type(row[3]) is int
    assert type(row[4]) is float and row[4] == 30.0
    mixed = typed_cells("t", ["row", "code"], [["a", "007"], ["b", "12"]])
    assert mixed[0][1] == "007"  # a leading zero is a code, kept as written
    long_code = typed_cells("t", ["row", "code"], [["a", "1234567890123456"]])
    assert long_code[0][1] == "1234567890123456"  # more digits than a spreadsheet keeps
    with pytest.raises(ValueError, match="table t, line 3: 1 cells under a header of 2"):
        typed_cells("t", ["row", "n"], [["a", "1"], ["b"]])


def test_tables_that_do_not_line_up_with_their_computed_table_stop():
    with pytest.raises(
        ValueError, match="table t: the published table has 1 rows and the computed one 2"
    ):
        typed_cells("t", ["row", "n"], [["a", ""]], [["a", "1"], ["b", "2"]])


def test_numbers_are_numeric_cells_and_no_cell_is_merged():
    book = opened(saved())
    assert book.sheetnames[:3] == [COVER, CONTENTS, NOTES]
    assert book.sheetnames[3:] == ["counts", "texts", "key_facts"]
    for sheet in book.worksheets:
        assert not sheet.merged_cells.ranges, sheet.title
    header, rows = sheet_table(book["counts"])
    assert header == ["row", "column", "n", "denominator", "pct"]
    assert rows[0] == ["0", "Total", 12, 40, 30]
    assert book["counts"].cell(row=5, column=3).data_type == "n"  # header in row 4
    assert rows[1][2] == SUPPRESSED and rows[2][3] == NOT_APPLICABLE
    assert book["counts"]["A1"].value == "Counts"  # the title in A1
    # the table starts right after the note lines, with no blank row inside it
    assert all(any(value is not None for value in row) for row in rows)


def test_formula_looking_text_stays_text():
    data = saved()
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        sheets = [n for n in package.namelist() if n.startswith("xl/worksheets/sheet")]
        xml = "".join(package.read(name).decode() for name in sheets)
    assert "<f>" not in xml and "<f " not in xml  # no formula anywhere
    book = opened(data)
    _, rows = sheet_table(book["texts"])
    assert [row[1] for row in rows] == [HOSTILE[0], "+1+1", "-2+3", "@SUM(A1)", "\tx", "\ry"]
    for offset, row in enumerate(rows):
        cell = book["texts"].cell(row=5 + offset, column=2)
        assert cell.value == row[1] and cell.data_type == "s"
        assert cell.quotePrefix  # stays text when a reader edits it
    _, counts = sheet_table(book["counts"])
    assert counts[3][0] == HOSTILE[0]


def test_same_tables_give_identical_bytes_and_other_tables_do_not():
    assert saved() == saved()
    assert saved() != saved(title="Another study")


def test_sheet_names_are_valid_unique_and_deterministic():
    ids = [
        "practitioner_contact_frequency_by_wave_and_prison",
        "practitioner_contact_frequency_by_wave_and_region",
        "a:b",
        "a/b",
        "Notes",
        "history",
        "'quoted'",
        "AGE",
        "age",
        "[x]*?",
    ]
    names = sheet_names(ids)
    assert names == sheet_names(ids)
    assert (
        len(
            {n.casefold() for n in names}
            | {COVER.casefold(), CONTENTS.casefold(), NOTES.casefold()}
        )
        == len(names) + 3
    )
    for name in names:
        assert 0 < len(name) <= 31 and not FORBIDDEN.search(name), name
        assert not name.startswith("'") and not name.endswith("'"), name
        assert name.casefold() not in {"notes", "history", "cover", "contents"}
    assert names[0] == "practitioner_contact_frequency_"
    assert names[1] == "practitioner_contact_frequenc_2"
    assert names[2:4] == ["a_b", "a_b_2"]


def test_cover_contents_and_notes():
    book = opened(saved(tables=small_tables()))
    cover_text = [row[0] for row in book[COVER].iter_rows(values_only=True)]
    assert cover_text[0] == "A study"
    assert "31 December 2023" in cover_text and "Case trackers: A and B" in cover_text
    assert any(SYNTHETIC_MARK in (text or "") for text in cover_text)
    assert "No contact is given for this release." in cover_text
    with_contact = opened(saved(contact="Evaluation team, team@example.org"))
    assert "Evaluation team, team@example.org" in [
        r[0] for r in with_contact[COVER].iter_rows(values_only=True)
    ]
    plain = opened(saved(synthetic=False))
    assert not any(
        SYNTHETIC_MARK in str(value)
        for sheet in plain.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
    )
    header, rows = sheet_table(book[CONTENTS])
    assert header == ["Sheet name", "Table title"]
    assert rows == [["counts", "Counts"], ["texts", "Texts"], ["key_facts", "Key facts"]]
    links = [book[CONTENTS].cell(row=5 + i, column=1).hyperlink for i in range(3)]
    assert [link.location for link in links] == ["'counts'!A1", "'texts'!A1", "'key_facts'!A1"]
    header, rows = sheet_table(book[NOTES])
    assert header == ["Note number", "Applies to", "Note text"] and rows == [
        ["note 1", "All tables", "a note"]
    ]
    # every sheet of a synthetic workbook says so, on screen and on the printed page
    for sheet in book.worksheets:
        assert sheet.oddHeader.center.text == SYNTHETIC_MARK
        if sheet.title != COVER:
            assert sheet["A3"].value.startswith(SYNTHETIC_MARK)
    assert sheet_table(book["key_facts"]) == (["fact", "column", "n"], [])


def test_shorthand_is_announced_only_where_a_table_uses_it():
    book = opened(saved())
    assert "[c] marks a cell suppressed" in book["counts"]["A2"].value
    assert "[z] marks a cell that does not apply" in book["counts"]["A2"].value
    assert book["texts"]["A2"].value == "This worksheet contains one table."


def test_a_label_column_is_added_only_when_every_row_has_a_label():
    table = SheetTable("t", "T", ("item", "row", "n"), (("a", "x", 1), ("b", "x", 2)))
    labels = {"a": "Statement A", "b": "Statement B"}
    labelled = with_label_column(table, "item", "item_label", lambda row: labels.get(row["item"]))
    assert labelled.header == ("item", "item_label", "row", "n")
    assert labelled.rows[1] == ("b", "Statement B", "x", 2)
    half = with_label_column(table, "item", "item_label", lambda row: {"a": "A"}.get(row["item"]))
    assert half == table


def test_control_characters_become_visible_pictures():
    assert visible_text("bell\x07 start\x01 tab\tok") == "bell\u2407 start\u2401 tab\tok"
    table = SheetTable("t", "T", ("row",), (("HX22 bell\x07",),))
    _, rows = sheet_table(opened(saved(tables=[table]))["t"])
    assert rows == [["HX22 bell\u2407"]]


# -- fast: the step on small CSV files ----------------------------------------


def write_csv_rows(path: Path, rows: list[list[str]]) -> str:
    with open(path, "w", encoding="utf-8", newline="") as file:
        csv.writer(file, lineterminator="\n").writerows(rows)
    return str(path)


def step_files(tmp_path: Path, label: str, contact=None):
    published, computed = tmp_path / "report", tmp_path / "computed"
    published.mkdir(parents=True), computed.mkdir(parents=True)
    header = ["item", "row", "column", "n", "denominator", "pct"]
    rows = [
        ["trust_css", label, "T1", "", "9", ""],
        ["trust_css", "Not sure", "T1", "7", "9", "77.8"],
    ]
    tables = [write_csv_rows(published / "mothers_views_css.csv", [header, *rows])]
    rows[0] = ["trust_css", label, "T1", "2", "9", "22.2"]
    computed_tables = [write_csv_rows(computed / "mothers_views_css.csv", [header, *rows])]
    facts = [
        ["fact", "column", "n", "denominator", "pct"],
        ["two_plus_children", "Total", "70", "94", "74.5"],
    ]
    tables.append(write_csv_rows(published / "key_facts.csv", facts))
    computed_tables.append(write_csv_rows(computed / "key_facts.csv", facts))
    log = tmp_path / "disclosure_log.json"
    log.write_text(
        json.dumps({"min_cell": 5, "review_threshold": 5, "outputs": [], "relations_skipped": []})
    )
    raw = tmp_path / "raw.csv"
    raw.write_text("x\n")
    output = tmp_path / "tables.xlsx"
    inputs = StepFiles(
        names={
            "disclosure_log": str(log),
            "tables": tables,
            "computed": computed_tables,
            "disallowed_names": [],
            "raw": [str(raw)],
        }
    )
    params = StepFiles(
        names={
            "title": "A study",
            "authors": ["Team"],
            "synthetic": True,
            "contact": contact,
            "cutoff": "2023-12-31",
            "disclosure": {"min_cell": 5, "review_threshold": 5},
            "strands": ["case_tracker", "surveys"],
            "case_trackers": ["Eastwood Park", "Send"],
            "surveys": {"mothers": {"waves": {"T1": "a.sav"}}},
        }
    )
    return inputs, StepFiles([str(output)]), params


def test_the_step_writes_labels_shorthand_and_a_hostile_label_as_text(tmp_path):
    inputs, output, params = step_files(tmp_path, "=cmd|'/c calc'!A1")
    tables_workbook(inputs, output, params)
    book = openpyxl.load_workbook(output[0])
    header, rows = sheet_table(book["mothers_views_css"])
    assert header == ["item", "item_label", "row", "column", "n", "denominator", "pct"]
    # the statement from codebook/mothers_survey.yaml
    assert rows[0] == [
        "trust_css",
        "I can trust children's social services to help my family",
        "=cmd|'/c calc'!A1",
        "T1",
        SUPPRESSED,
        9,
        SUPPRESSED,
    ]
    assert book["mothers_views_css"]["C5"].data_type == "s"
    header, rows = sheet_table(book["key_facts"])
    assert (
        header[:2] == ["fact", "fact_label"]
        and rows[0][1] == "Mothers with two or more children under 18"
    )
    cover_text = [row[0] for row in book[COVER].iter_rows(values_only=True)]
    assert "Case trackers: Eastwood Park and Send" in cover_text
    assert "Mothers' questionnaire: wave T1" in cover_text
    assert "No contact is given for this release." in cover_text
    notes = [row[2] for row in book[NOTES].iter_rows(min_row=5, values_only=True)]
    assert any("No count from 1 to 4 can be learned" in note for note in notes)


def test_the_step_stops_on_an_identifier_but_prints_the_team_contact(tmp_path):
    inputs, output, params = step_files(tmp_path, "call 07700 900123")
    with pytest.raises(DataValidationError, match="UK telephone number"):
        tables_workbook(inputs, output, params)
    assert not Path(output[0]).exists()
    inputs, output, params = step_files(
        tmp_path / "contact", "Agree", contact="Evaluation team, team@example.org"
    )
    tables_workbook(inputs, output, params)
    cover_text = [
        row[0] for row in openpyxl.load_workbook(output[0])[COVER].iter_rows(values_only=True)
    ]
    assert "Evaluation team, team@example.org" in cover_text


def test_config_report_contact_is_optional_text():
    base = {"case_trackers": {"A": "a.xlsx"}, "report": {"title": "T", "synthetic": True}}
    assert "contact" not in validate_config(base)["report"]
    given = validate_config(
        {**base, "report": {**base["report"], "contact": "  Team,\n team@example.org "}}
    )
    assert given["report"]["contact"] == "Team, team@example.org"
    with pytest.raises(ConfigError, match="report: contact"):
        validate_config({**base, "report": {**base["report"], "contact": ["a", "b"]}})


# -- workflow: the workbook a run built ------------------------------------------


def assert_workbook_holds_every_published_table(study: Path) -> openpyxl.Workbook:
    """Every published CSV has a sheet whose every cell equals the CSV's cell."""
    book = openpyxl.load_workbook(study / "report/build/tables.xlsx")
    assert book.sheetnames[:3] == [COVER, CONTENTS, NOTES]
    published = sorted((study / "report/tables").glob("*.csv"))
    _, contents = sheet_table(book[CONTENTS])
    by_title = {}
    assert len(contents) == len(published) == len(book.sheetnames) - 3
    for row_number, (name, title) in enumerate(contents, start=5):
        link = book[CONTENTS].cell(row=row_number, column=1).hyperlink
        assert link.location == f"'{name}'!A1"
        by_title[name] = title
    for path in published:
        sheet = book[path.stem]  # the example ids are valid sheet names as they are
        assert sheet["A1"].value == by_title[path.stem]
        assert not sheet.merged_cells.ranges
        with open(path, encoding="utf-8", newline="") as file:
            header, *rows = list(csv.reader(file))
        sheet_header, sheet_rows = sheet_table(sheet)
        kept = [sheet_header.index(column) for column in header]  # label columns are extra
        assert set(sheet_header) - set(header) <= {"item_label", "fact_label"}
        assert len(sheet_rows) == len(rows), path.name
        for line, (row, sheet_row) in enumerate(zip(rows, sheet_rows, strict=True), start=2):
            for column, text, position in zip(header, row, kept, strict=True):
                value = sheet_row[position]
                where = (path.name, line, column)
                if text == "":
                    assert value in (SUPPRESSED, NOT_APPLICABLE), where
                elif isinstance(value, int | float):
                    assert value == float(text), where
                else:
                    assert value == visible_text(text), where
    return book


def shorthand_counts(sheet, columns=("n", "denominator")) -> int:
    """How many cells of ``columns`` on a table sheet are marked suppressed."""
    header, rows = sheet_table(sheet)
    positions = [header.index(c) for c in columns if c in header]
    return sum(row[p] == SUPPRESSED for row in rows for p in positions)


def test_final_run_workbook_holds_every_table(final_run):
    book = assert_workbook_holds_every_published_table(final_run)
    # min_cell null: nothing is suppressed
    assert not any(shorthand_counts(sheet, sheet_table(sheet)[0]) for sheet in book.worksheets[3:])
    _, rows = sheet_table(book["practitioner_agreement"])
    not_applicable = [row for row in rows if row[2] == "Not applicable"]
    assert not_applicable and all(
        row[5:] == [NOT_APPLICABLE, NOT_APPLICABLE] for row in not_applicable
    )
    _, rows = sheet_table(book["mothers_support"])
    assert rows[0][1] == "I feel supported as a mother by professionals inside the prison"
    notes = " ".join(row[2] for row in book[NOTES].iter_rows(min_row=5, values_only=True))
    assert "Not under disclosure control: staff time, not counts of people." in notes
    manifest = json.loads((final_run / "report/build/manifest.json").read_text())
    assert "report/build/tables.xlsx" in manifest["outputs"]


def test_protected_run_workbook_marks_suppressed_cells(protected_run):
    workdir = protected_run(10)
    book = assert_workbook_holds_every_published_table(workdir)
    log = json.loads((workdir / "report/build/disclosure_log.json").read_text())
    entries = {entry["output"]: entry for entry in log["outputs"]}
    marked = 0
    for path in sorted((workdir / "report/tables").glob("*.csv")):
        header, _ = sheet_table(book[path.stem])
        if not {"row", "column", "n", "denominator"} <= set(header):
            continue
        entry = entries[path.stem]
        # each count or base disclosure control suppressed is [c] in the workbook, and no other
        suppressed = entry["suppressed_primary"] + entry["suppressed_secondary"]
        assert shorthand_counts(book[path.stem]) == suppressed, path.stem
        marked += suppressed
    assert marked > 0
    cover_text = " ".join(row[0] for row in book[COVER].iter_rows(values_only=True) if row[0])
    assert "No count from 1 to 9 can be learned from any table" in cover_text


def test_second_study_workbook_holds_every_table(second_study_run):
    book = assert_workbook_holds_every_published_table(second_study_run)
    cover_text = [row[0] for row in book[COVER].iter_rows(values_only=True)]
    assert "National mapping of services for parents after repeated care proceedings" in cover_text
    assert "Register (mapping workbook, survey export, interviews, profiles)" in cover_text
    assert sheet_table(book["key_facts"])[1] == []  # the register study has no key facts
    _, rows = sheet_table(book["fdac_by_region"])
    assert all(row[3:] == [NOT_APPLICABLE, NOT_APPLICABLE] for row in rows)  # teams: no base


def test_hostile_run_workbook_holds_every_table_as_text(hostile_run):
    """Raw text fields full of markup, control characters and formula-like values reach the cells as text."""
    hostile, _, _ = hostile_run
    book = assert_workbook_holds_every_published_table(hostile)
    texts = [
        cell.value
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and "HX" in cell.value
    ]
    assert any("HX22" in text for text in texts)  # the control characters' marker reached a table
    assert not any(re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", text) for text in texts)
    assert all("\u2407" in text for text in texts if "HX22 bell" in text)


def libreoffice_csv(workbook: Path, tmp_path: Path) -> dict[str, str]:
    """Every sheet of ``workbook`` as LibreOffice Calc reads it, exported as CSV (values, not formulas)."""
    out = tmp_path / "csv"
    # UTF-8, every sheet to its own file (-1), cell values as computed
    result = libreoffice_convert(
        workbook,
        "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
        out,
        tmp_path / "lo",
    )
    if "no export filter" in result.stdout + result.stderr:
        pytest.skip("LibreOffice has no spreadsheet component (Debian's libreoffice-calc)")
    assert result.returncode == 0, result.stderr
    prefix = f"{workbook.stem}-"
    return {
        path.stem.removeprefix(prefix): path.read_text(encoding="utf-8")
        for path in sorted(out.glob(f"{prefix}*.csv"))
    }


def test_libreoffice_reads_formula_looking_text_as_text(tmp_path):
    workbook = tmp_path / "small.xlsx"
    workbook.write_bytes(saved())
    sheets = libreoffice_csv(workbook, tmp_path)
    rows = list(csv.reader(io.StringIO(sheets["texts"], newline="")))
    # a formula would export its result ("2", "1", an error); text exports as written
    # (XML reads a carriage return inside text as a line feed)
    assert [row[1] for row in rows[4:]] == [text.replace("\r", "\n") for text in HOSTILE]
    counts = list(csv.reader(io.StringIO(sheets["counts"], newline="")))
    assert counts[4] == ["0", "Total", "12", "40", "30"]


def test_workbook_opens_in_libreoffice(final_run, tmp_path):
    sheets = libreoffice_csv(final_run / "report/build/tables.xlsx", tmp_path)
    # one CSV per sheet: LibreOffice read every sheet
    assert len(sheets) == len(list((final_run / "report/tables").glob("*.csv"))) + 3
    assert "age_group,Age of mothers at referral" in sheets[CONTENTS]
