"""Practitioner waves from every platform UK teams use (issue 19): Qualtrics (three header rows or
the legacy two, labels or numeric values), SPSS .sav, Microsoft Forms, JISC Online Surveys and
REDCap give the original export's tables cell for cell; the config's long wave form; bad platform
files stop naming file, row, column, value and what was expected; a survey id that looks like a
prison number stops the read without showing it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
import yaml
from openpyxl import load_workbook

from evaluation.core.config import ConfigError, configured_files, stop_on_missing_files
from evaluation.core.findings import DataValidationError, ledger_balance
from evaluation.strands.surveys import spec
from evaluation.strands.surveys.cutoff import practitioners_at_cutoff
from evaluation.strands.surveys.platforms import detect_format, platform_codebook
from evaluation.strands.surveys.read import read_mothers_wave, read_practitioner_wave
from evaluation.strands.surveys.tables import build_practitioner_tables
from tools.synthetic import survey_platforms as generator

REPO = Path(__file__).resolve().parents[1]
RAW = REPO / "data" / "raw" / "surveys"
ORIGINAL = RAW / "practitioners_Y1.csv"
CUT = dt.date(2023, 12, 31)
PRISON_NUMBER = "K4821QT"  # not the "A1234BC" the messages give as the pattern


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> dict[str, Path]:
    """The example wave written by every platform (tools/synthetic/survey_platforms.py)."""
    return generator.generate(tmp_path_factory.mktemp("platforms"), ORIGINAL, REPO / "codebook")


def _read(exports, name: str, **options):
    if name == "redcap":
        options.setdefault("dictionary", exports["redcap_dictionary"])
    return read_practitioner_wave(exports[name], "Y1", **options)


def _tables(read) -> dict[str, pd.DataFrame]:
    at_cut = practitioners_at_cutoff({"Y1": read["answers"]}, CUT)
    return build_practitioner_tables(at_cut["answers"], ["Y1"])


def _errors(excinfo) -> list:
    return list(excinfo.value.findings)


PLATFORM_FILES = ["forms", "jisc", "redcap", "legacy", "numeric", "spss"]


# --------------------------------------------------------------------------- same tables


@pytest.mark.parametrize("name", PLATFORM_FILES)
def test_every_platform_gives_the_original_exports_tables_cell_for_cell(exports, name):
    original_read = read_practitioner_wave(ORIGINAL, "Y1")
    read = _read(exports, name)
    original, tables = _tables(original_read), _tables(read)
    assert set(tables) == set(original)
    # the same end date per response (JISC's day-first dates read as the original's ISO ones)
    dates = [
        sorted(r["answers"].groupby("source_row")["end_date"].first())
        for r in (read, original_read)
    ]
    assert dates[0] == dates[1] and len(set(dates[0])) > 1
    for table_id, frame in original.items():
        assert len(frame) > 0
        pd.testing.assert_frame_equal(tables[table_id], frame, check_dtype=False)


@pytest.mark.parametrize(
    ("name", "platform"),
    [
        ("forms", "forms"),
        ("jisc", "jisc"),
        ("redcap", "redcap"),
        ("legacy", "qualtrics"),
        ("numeric", "qualtrics"),
        ("spss", "spss"),
    ],
)
def test_the_platform_is_recognised_from_the_file_and_may_be_named(exports, name, platform):
    assert detect_format(exports[name]) == platform
    named = _read(exports, name, format=platform)
    recognised = _read(exports, name)
    pd.testing.assert_frame_equal(named["answers"], recognised["answers"])
    assert detect_format(ORIGINAL) == "qualtrics"


@pytest.mark.parametrize(
    ("name", "excluded"),
    [
        ("forms", {}),  # Forms exports submitted responses only
        ("jisc", {"unfinished response": 1}),
        ("redcap", {"incomplete REDCap record": 1}),
        ("legacy", {"survey preview": 1, "unfinished response": 1}),
        ("numeric", {"survey preview": 1, "unfinished response": 1}),
        ("spss", {"survey preview": 1, "unfinished response": 1}),
    ],
)
def test_the_ledger_counts_what_each_platform_leaves_out_and_balances(exports, name, excluded):
    ledger = _read(exports, name).ledger.to_frame()
    reasons = ledger.loc[ledger["outcome"] == "excluded"].groupby("reason")["rows"].sum()
    assert {r: int(n) for r, n in reasons.items() if n} == excluded
    assert int(ledger.loc[ledger["outcome"] == "used", "rows"].sum()) == 8
    assert ledger_balance(ledger)["balanced"].all()


def test_forms_unsubmitted_rows_are_counted_not_dropped(exports, tmp_path):
    workbook = load_workbook(exports["forms"])
    sheet = workbook.active
    sheet.cell(row=3, column=3).value = None  # Completion time of the second response
    path = tmp_path / "unsubmitted.xlsx"
    workbook.save(path)
    ledger = read_practitioner_wave(path, "Y1").ledger.to_frame()
    reasons = ledger.loc[ledger["outcome"] == "excluded"].set_index("reason")["rows"]
    assert reasons["unsubmitted response"] == 1
    assert ledger_balance(ledger)["balanced"].all()


def test_forms_email_and_name_never_reach_an_output(exports):
    workbook = load_workbook(exports["forms"])
    identifying = {
        str(cell.value)
        for column in ("D", "E")
        for cell in workbook.active[column][1:]
        if cell.value is not None
    }
    assert identifying and all("@" in v or "Practitioner" in v for v in identifying)
    read = _read(exports, "forms")
    text = read["answers"].to_csv() + read.findings.to_frame().to_csv()
    text += read.ledger.to_frame().to_csv()
    assert not [value for value in identifying if value in text]
    assert "Email" not in set(read.findings.to_frame()["column"].dropna())


def test_generated_exports_are_byte_identical_on_a_second_run(exports, tmp_path):
    again = generator.generate(tmp_path, ORIGINAL, REPO / "codebook")
    for name, path in exports.items():
        assert again[name].read_bytes() == path.read_bytes(), name


def test_qualtrics_numeric_codes_come_from_the_codebook():
    codes = platform_codebook()["platforms"]["qualtrics"]["codes"]
    for value_set, by_code in codes.items():
        assert set(by_code.values()) <= set(spec.labels(value_set)), value_set


# --------------------------------------------------------------------------- bad platform files


def test_forms_workbook_missing_a_question_column_stops(exports, tmp_path):
    workbook = load_workbook(exports["forms"])
    sheet = workbook.active
    header = [c.value for c in sheet[1]]
    sheet.delete_cols(header.index("What is your role?") + 1)
    path = tmp_path / "no_role.xlsx"
    workbook.save(path)
    with pytest.raises(DataValidationError) as excinfo:
        read_practitioner_wave(path, "Y1")
    (error,) = _errors(excinfo)
    assert error.file == str(path) and error.sheet == "Sheet1" and error.row == 1
    assert error.column == "What is your role?" and "'role'" in error.message
    assert "codebook/survey_platforms.yaml" in error.expected


def test_a_damaged_forms_workbook_stops_with_what_to_do(exports, tmp_path):
    damaged = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(exports["forms"]) as source, zipfile.ZipFile(damaged, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename.startswith("xl/worksheets/"):
                content = content[: len(content) // 2]  # the sheet's XML cut short
            target.writestr(info, content)
    with pytest.raises(DataValidationError) as excinfo:
        read_practitioner_wave(damaged, "Y1")
    (error,) = _errors(excinfo)
    assert error.file == str(damaged) and "this file is damaged" in error.message
    assert "save it again" in error.message


def test_an_excel_error_in_an_edited_forms_workbook_names_its_cell(exports, tmp_path):
    workbook = load_workbook(exports["forms"])
    sheet = workbook.active
    header = [c.value for c in sheet[1]]
    column = header.index("What is your role?") + 1
    error = sheet.cell(row=3, column=column)
    error.value, error.data_type = "#N/A", "e"  # an error value as Excel saves it
    sheet.cell(row=4, column=column).value = "=A1&B1"  # saved without its result
    path = tmp_path / "edited.xlsx"
    workbook.save(path)
    with pytest.raises(DataValidationError) as excinfo:
        read_practitioner_wave(path, "Y1")
    found = {(e.row, e.column, e.value) for e in _errors(excinfo)}
    assert found == {(3, "What is your role?", "#N/A"), (4, "What is your role?", "=A1&B1")}


def test_forms_several_choices_for_a_single_choice_question_stop(exports, tmp_path):
    workbook = load_workbook(exports["forms"])
    sheet = workbook.active
    header = [c.value for c in sheet[1]]
    column = header.index("How did you first hear about the prison social work service?") + 1
    sheet.cell(row=2, column=column).value = "A colleague;The mother;"
    path = tmp_path / "multi.xlsx"
    workbook.save(path)
    with pytest.raises(DataValidationError) as excinfo:
        read_practitioner_wave(path, "Y1")
    (error,) = _errors(excinfo)
    assert (error.sheet, error.row, error.value) == ("Sheet1", 2, "A colleague;The mother;")
    assert error.expected == "one choice"


def _rewrite_csv(source: Path, target: Path, edit) -> Path:
    records = list(csv.reader(io.StringIO(source.read_text(encoding="utf-8-sig"), newline="")))
    edit(records)
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(records)
    target.write_text(buffer.getvalue(), encoding="utf-8")
    return target


def test_jisc_statements_numbered_as_questions_lose_the_grids_stem(exports, tmp_path):
    """'5. <stem> - <statement>' per statement: the published statements are the original's."""

    def edit(records):
        header = records[0]
        parent = next(i for i, h in enumerate(header) if h.startswith("4. "))
        stem = header[parent][3:]
        for index, text in enumerate(header):
            grid = re.match(r"^4\.(\d+)\.a\. (.*)$", text)
            if grid:
                header[index] = f"{10 + int(grid.group(1))}. {stem} - {grid.group(2)}"
        for record in records:
            del record[parent]

    path = _rewrite_csv(exports["jisc"], tmp_path / "numbered.csv", edit)
    read = read_practitioner_wave(path, "Y1", format="jisc")
    statements = _tables(read)["practitioner_statements"]
    original = _tables(read_practitioner_wave(ORIGINAL, "Y1"))["practitioner_statements"]
    pd.testing.assert_frame_equal(statements, original)


def test_a_semicolon_separated_export_says_so(tmp_path):
    text = ORIGINAL.read_text(encoding="utf-8-sig")
    records = list(csv.reader(io.StringIO(text, newline="")))
    semicolons = tmp_path / "semicolons.csv"
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows(records)
    semicolons.write_text(buffer.getvalue(), encoding="utf-8")
    with pytest.raises(DataValidationError) as excinfo:
        read_practitioner_wave(semicolons, "Y1")
    (error,) = _errors(excinfo)  # one clear cause, not one error per missing column
    assert error.row == 1 and "separated by semicolons" in error.message


def test_jisc_grid_with_an_unknown_statement_stops(exports, tmp_path):
    def edit(records):
        position = next(i for i, h in enumerate(records[0]) if h.startswith("4.3.a. "))
        records[0][position] = "4.3.a. The service made the tea"

    path = _rewrite_csv(exports["jisc"], tmp_path / "jisc.csv", edit)
    with pytest.raises(DataValidationError) as excinfo:
        read_practitioner_wave(path, "Y1")
    errors = _errors(excinfo)
    assert errors[0].column == "4.3.a. The service made the tea" and errors[0].row == 1
    assert errors[0].value == "The service made the tea"
    assert "agreement_statements" in errors[0].expected
    assert "statement of the agreement grid is not in the codebook" in errors[0].message


def test_redcap_export_whose_dictionary_lacks_a_field_stops(exports, tmp_path):
    dictionary = _rewrite_csv(
        exports["redcap_dictionary"],
        tmp_path / "dictionary.csv",
        lambda records: records.__delitem__(
            next(i for i, r in enumerate(records) if r[0] == "heard_via")
        ),
    )
    with pytest.raises(DataValidationError) as excinfo:
        read_practitioner_wave(exports["redcap"], "Y1", dictionary=dictionary)
    error = _errors(excinfo)[0]
    assert (error.file, error.row, error.column, error.value) == (
        str(exports["redcap"]),
        1,
        "heard_via",
        "heard_via",
    )
    assert str(dictionary) in error.expected


def test_redcap_code_not_in_the_dictionary_stops(exports, tmp_path):
    def edit(records):
        records[2][records[0].index("role")] = "9"

    path = _rewrite_csv(exports["redcap"], tmp_path / "redcap.csv", edit)
    with pytest.raises(DataValidationError) as excinfo:
        read_practitioner_wave(path, "Y1", dictionary=exports["redcap_dictionary"])
    (error,) = _errors(excinfo)
    assert (error.row, error.column, error.value) == (3, "role", "9")
    assert error.expected.startswith("1 Children's social worker, 2 Fostering social worker")


def test_a_redcap_export_without_its_dictionary_says_how_to_name_it(exports):
    with pytest.raises(DataValidationError, match="needs its data dictionary") as excinfo:
        read_practitioner_wave(exports["redcap"], "Y1")
    assert "dictionary:" in _errors(excinfo)[0].expected


def test_qualtrics_numeric_code_outside_the_codebook_stops(exports, tmp_path):
    def edit(records):
        records[4][records[0].index("agree_03")] = "7"

    path = _rewrite_csv(exports["numeric"], tmp_path / "numeric.csv", edit)
    with pytest.raises(DataValidationError) as excinfo:
        read_practitioner_wave(path, "Y1")
    (error,) = _errors(excinfo)
    assert (error.row, error.column, error.value) == (5, "agree_03", "7")
    assert "6 Not applicable" in error.expected


def test_a_qualtrics_export_without_its_import_id_row_still_stops(tmp_path):
    path = _rewrite_csv(ORIGINAL, tmp_path / "two.csv", lambda records: records.__delitem__(2))
    with pytest.raises(DataValidationError, match="three header rows"):
        read_practitioner_wave(path, "Y1")


# --------------------------------------------------------------------------- prison numbers


def _assert_masked(excinfo, path: Path, row: int, column: str) -> None:
    errors = [e for e in _errors(excinfo) if "prison number" in e.message]
    assert len(errors) == 1
    (error,) = errors
    assert (error.file, error.row, error.column, error.value) == (str(path), row, column, None)
    rendered = "\n".join(e.render() for e in _errors(excinfo)) + str(excinfo.value)
    assert PRISON_NUMBER not in rendered and PRISON_NUMBER.lower() not in rendered


def test_a_mothers_case_id_that_looks_like_a_prison_number_stops_unshown(tmp_path):
    frame, meta = pyreadstat.read_sav(str(RAW / "mothers_T1.sav"), user_missing=True)
    frame.loc[4, "case_id"] = PRISON_NUMBER
    frame.loc[6, "case_id"] = PRISON_NUMBER.lower()  # twice: the duplicate check must not show it
    path = tmp_path / "mothers_T1.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(DataValidationError) as excinfo:
        read_mothers_wave(path, "T1", 1)
    errors = [e for e in _errors(excinfo) if "prison number" in e.message]
    assert [(e.row, e.column, e.value) for e in errors] == [
        (6, "case_id", None),
        (8, "case_id", None),
    ]
    rendered = "\n".join(e.render() for e in _errors(excinfo))
    assert not re.search(PRISON_NUMBER, rendered, re.IGNORECASE)


def test_a_mothers_sav_case_id_that_looks_like_a_prison_number_stops_unshown(tmp_path):
    frame, meta = pyreadstat.read_sav(str(RAW / "mothers_T2.sav"), user_missing=True)
    frame.loc[0, "case_id"] = f"{PRISON_NUMBER} "
    path = tmp_path / "mothers_T2.sav"
    pyreadstat.write_sav(
        frame,
        str(path),
        column_labels=meta.column_names_to_labels,
        variable_value_labels=meta.variable_value_labels,
        missing_ranges=meta.missing_ranges,
    )
    with pytest.raises(DataValidationError) as excinfo:
        read_mothers_wave(path, "T2", 2)
    _assert_masked(excinfo, path, 1, "case_id")


@pytest.mark.parametrize("name", ["original", "jisc"])
def test_a_practitioner_response_id_that_looks_like_a_prison_number_stops_unshown(
    exports, tmp_path, name
):
    source = ORIGINAL if name == "original" else exports["jisc"]
    column = "ResponseId" if name == "original" else "Response ID"

    def edit(records):
        records[4][records[0].index(column)] = PRISON_NUMBER

    path = _rewrite_csv(source, tmp_path / f"{name}.csv", edit)
    with pytest.raises(DataValidationError) as excinfo:
        read_practitioner_wave(path, "Y1")
    _assert_masked(excinfo, path, 5, column)


def test_case_ids_like_the_examples_are_not_prison_numbers():
    read = read_mothers_wave(RAW / "mothers_T1.sav", "T1", 1)
    assert not [f for f in read.findings.findings if "prison number" in f.message]


# --------------------------------------------------------------------------- config


def test_the_short_wave_form_is_unchanged():
    settings = spec.survey_settings({"practitioners": {"waves": {"Y1": "data/y1.csv"}}})
    assert settings.practitioner_waves == {"Y1": "data/y1.csv"}
    assert settings.practitioner_format("Y1") is None
    assert settings.practitioner_dictionary("Y1") is None


def test_the_long_wave_form_names_the_platform_and_a_redcap_dictionary():
    settings = spec.survey_settings(
        {
            "practitioners": {
                "waves": {
                    "Y1": "data/y1.csv",
                    "Y2": {"file": "data/y2.xlsx", "format": "forms"},
                    "Y3": {"file": "data/y3.csv", "format": "REDCap", "dictionary": "data/d.csv"},
                }
            }
        }
    )
    assert list(settings.practitioner_waves.items()) == [
        ("Y1", "data/y1.csv"),
        ("Y2", "data/y2.xlsx"),
        ("Y3", "data/y3.csv"),
    ]
    assert [settings.practitioner_format(w) for w in ("Y1", "Y2", "Y3")] == [
        None,
        "forms",
        "redcap",
    ]
    assert settings.practitioner_dictionary("Y3") == "data/d.csv"


@pytest.mark.parametrize(
    ("wave", "message"),
    [
        ({"file": "y.csv", "format": "surveymonkey"}, "format 'surveymonkey' is not one of"),
        ({"file": "y.csv", "format": "forms"}, "is not a forms export"),
        ({"file": "y.csv", "format": "redcap"}, "needs its data dictionary"),
        ({"file": "y.csv", "format": "jisc", "dictionary": "d.csv"}, "with format redcap only"),
        ({"file": "y.csv", "sheet": "x"}, "sheet not understood"),
        ({"format": "jisc"}, "'file' is missing"),
        ("y.txt", "is not a practitioner survey export"),
    ],
)
def test_a_bad_long_wave_stops_naming_the_key(wave, message):
    with pytest.raises(ConfigError, match=re.escape(message)) as excinfo:
        spec.survey_settings({"practitioners": {"waves": {"Y2": wave}}})
    assert "surveys: practitioners: waves: Y2" in str(excinfo.value)


def test_configured_files_lists_a_long_waves_file_and_dictionary(tmp_path):
    config = {
        "surveys": {
            "practitioners": {
                "waves": {
                    "Y1": "y1.csv",
                    "Y2": {"file": "y2.csv", "format": "redcap", "dictionary": "d.csv"},
                }
            }
        }
    }
    assert configured_files(config) == [
        ("surveys: practitioners: waves: Y1", "y1.csv"),
        ("surveys: practitioners: waves: Y2: file", "y2.csv"),
        ("surveys: practitioners: waves: Y2: dictionary", "d.csv"),
    ]
    (tmp_path / "y1.csv").write_text("x")
    (tmp_path / "y2.csv").write_text("x")
    with pytest.raises(ConfigError, match="'surveys: practitioners: waves: Y2: dictionary'"):
        stop_on_missing_files(config, tmp_path)


def test_add_wave_checks_a_forms_workbook_like_a_csv(exports):
    from evaluation.add_wave import add_wave

    result = add_wave("practitioners", "Y2", exports["forms"], REPO / "config.yaml", dry_run=True)
    assert (result.rows_read, result.written) == (8, False)
    assert result.line.startswith("Y2: ")


# --------------------------------------------------------------------------- workflow


@pytest.mark.pipeline
def test_a_jisc_wave_and_a_forms_wave_publish_the_example_tables(final_run, tmp_path_factory):
    """Y1 as a JISC CSV (long form) and Y2 as a Forms workbook (short form): each wave's
    published practitioner tables are the example run's Y1 tables cell for cell."""
    from workflow import copy_project, snakemake

    workdir = copy_project(tmp_path_factory.mktemp("platform_waves"))
    made = generator.generate(workdir / "data/raw/surveys", ORIGINAL, REPO / "codebook")
    config = workdir / "config.yaml"
    text = config.read_text(encoding="utf-8")
    line = "      Y1: data/raw/surveys/practitioners_Y1.csv\n"
    assert line in text
    jisc = made["jisc"].relative_to(workdir).as_posix()
    forms = made["forms"].relative_to(workdir).as_posix()
    config.write_text(
        text.replace(
            line,
            f"      Y1: {{file: {jisc}, format: jisc}}\n      Y2: {forms}\n",
        ),
        encoding="utf-8",
    )
    assert yaml.safe_load(config.read_text())["surveys"]["practitioners"]["waves"]["Y2"] == forms
    snakemake(workdir)
    for table_id in spec.practitioner_table_ids():
        expected = pd.read_csv(final_run / "report/tables" / f"{table_id}.csv")
        published = pd.read_csv(workdir / "report/tables" / f"{table_id}.csv")
        assert len(expected) > 0 and set(expected["column"]) == {"Y1"}
        for wave in ("Y1", "Y2"):
            part = published.loc[published["column"] == wave].assign(column="Y1")
            pd.testing.assert_frame_equal(part.reset_index(drop=True), expected, obj=table_id)


@pytest.mark.parametrize(("name", "unfinished"), [("redcap", 1), ("jisc", 1), ("forms", 0)])
def test_the_report_counts_each_platforms_unfinished_responses(exports, name, unfinished):
    from evaluation.strands.surveys.context import build_survey_context

    read = _read(exports, name)
    context = build_survey_context(
        mothers=None,
        practitioners={},
        ledger=read.ledger.to_frame(),
        findings=read.findings.to_frame(),
    )
    assert context["practitioners"]["unfinished_excluded"] == unfinished
    assert context["practitioners"]["previews_excluded"] == 0


def test_add_wave_appends_after_a_long_form_wave(exports, tmp_path):
    from evaluation.add_wave import add_wave

    config = tmp_path / "config.yaml"
    text = (REPO / "config.yaml").read_text(encoding="utf-8")
    jisc = exports["jisc"].as_posix()
    config.write_text(
        text.replace(
            "      Y1: data/raw/surveys/practitioners_Y1.csv\n",
            f"      Y1: {{file: {jisc}, format: jisc}}\n",
        ),
        encoding="utf-8",
    )
    (tmp_path / "codebook").symlink_to(REPO / "codebook")
    result = add_wave("practitioners", "Y2", exports["forms"], config)
    assert result.written and result.rows_read == 8
    waves = yaml.safe_load(config.read_text(encoding="utf-8"))["surveys"]["practitioners"]["waves"]
    assert waves["Y1"] == {"file": jisc, "format": "jisc"}
    assert Path(waves["Y2"]).name == exports["forms"].name
    with pytest.raises(ConfigError, match="already wave 'Y1'"):
        add_wave("practitioners", "Y3", exports["jisc"], config, dry_run=True)


def test_evaluation_validate_reads_a_redcap_wave_with_its_dictionary(exports):
    from evaluation.strands.surveys.validation import PRACTITIONERS_CUTOFF, validate_surveys

    options = {"Y1": {"format": "redcap", "dictionary": str(exports["redcap_dictionary"])}}
    reads, cutoffs = validate_surveys(
        {},
        {"Y1": exports["redcap"]},
        CUT,
        valid_date_range=("2015-01-01", "2030-12-31"),
        practitioner_options=options,
    )
    read = reads[str(exports["redcap"])]
    assert not read.findings.errors and len(read["answers"]) > 0
    assert list(cutoffs) == [PRACTITIONERS_CUTOFF]
    assert cutoffs[PRACTITIONERS_CUTOFF]["answers"]["response_id"].nunique() == 8
    reads, _ = validate_surveys(
        {}, {"Y1": exports["redcap"]}, None, valid_date_range=("2015-01-01", "2030-12-31")
    )
    assert "needs its data dictionary" in reads[str(exports["redcap"])].findings.errors[0].message


def test_jisc_respondent_list_columns_are_never_read(exports, tmp_path):
    def edit(records):
        records[0][1:1] = ["Username", "Email"]
        for number, record in enumerate(records[1:], start=1):
            record[1:1] = [f"user{number:02d}", f"user{number:02d}@example.ac.uk"]

    path = _rewrite_csv(exports["jisc"], tmp_path / "jisc_users.csv", edit)
    read = read_practitioner_wave(path, "Y1")
    text = read["answers"].to_csv() + read.findings.to_frame().to_csv()
    assert "user01" not in text and "Username" not in text and "Email" not in text
    pd.testing.assert_frame_equal(
        _tables(read)["practitioner_roles"], _tables(_read(exports, "jisc"))["practitioner_roles"]
    )


def test_redcap_checkbox_columns_are_read_by_their_field(exports, tmp_path):
    """A checkbox field is exported as field___code columns: known through its field in the
    dictionary; one the contract does not use is ignored with a warning, and a contract item
    exported as a checkbox stops (the item takes one answer)."""

    def add_field(records):
        row = ["support_types", "practitioner_survey", "", "checkbox", "Support given"]
        records.append(row + ["1, Advice | 2, Training"] + [""] * 12)

    dictionary = _rewrite_csv(exports["redcap_dictionary"], tmp_path / "d.csv", add_field)

    def add_columns(records):
        records[0][1:1] = ["support_types___1", "support_types___2"]
        for record in records[1:]:
            record[1:1] = ["1", "0"]

    path = _rewrite_csv(exports["redcap"], tmp_path / "redcap.csv", add_columns)
    read = read_practitioner_wave(path, "Y1", dictionary=dictionary)
    warned = [f.column for f in read.findings.warnings]
    assert warned == ["support_types___1", "support_types___2"]
    pd.testing.assert_frame_equal(
        _tables(read)["practitioner_agreement"],
        _tables(_read(exports, "redcap"))["practitioner_agreement"],
    )

    def role_as_checkbox(records):
        for record in records:
            if record[0] == "role":
                record[3] = "checkbox"

    checkbox = _rewrite_csv(exports["redcap_dictionary"], tmp_path / "c.csv", role_as_checkbox)

    def role_columns(records):
        position = records[0].index("role")
        records[0][position] = "role___1"

    coded = _rewrite_csv(exports["redcap"], tmp_path / "coded.csv", role_columns)
    with pytest.raises(DataValidationError) as excinfo:
        read_practitioner_wave(coded, "Y1", dictionary=checkbox)
    error = _errors(excinfo)[0]
    assert (error.row, error.column, error.value) == (1, "role___1", "checkbox")
    assert error.expected == "a radio or dropdown field"
