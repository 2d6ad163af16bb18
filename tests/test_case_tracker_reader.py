"""Reading and validating one case-tracker workbook, including the bad inputs real files contain."""

import datetime as dt

import openpyxl
import pandas as pd
import pytest
from conftest import baseline_row, small_tracker_sheets, write_tracker

from evaluation.core.findings import DataValidationError, ledger_balance
from evaluation.strands.case_tracker.read import read_case_tracker


def read(path):
    return read_case_tracker(path, "Test Prison")


def error_text(path) -> str:
    with pytest.raises(DataValidationError) as caught:
        read(path)
    return str(caught.value)


def test_good_workbook_is_normalised(tracker_path):
    result = read(tracker_path)
    cases = result["cases"].set_index("case_id")
    assert list(cases.index) == ["T-001", "T-002"]  # T-003 never started
    assert cases.at["T-002", "legal_status"] == "Remand"  # 'remand' -> canonical
    assert cases.at["T-002", "first_contact_date"] == pd.Timestamp(2021, 11, 3)  # day-first text
    assert cases.at["T-001", "sentence_months"] == 30
    assert cases.at["T-002", "age"] == 40  # integer from text
    assert cases.at["T-002", "local_authority"] == "Westvale; northshire"
    children = result["children"]
    assert children["placement"].tolist() == [
        "Foster care",
        "Kinship or family carer",
        "Father or mother's partner",
    ]
    assert children["has_social_worker"].tolist() == ["Yes", "Yes", "Not known"]
    reviews = result["reviews"]
    assert reviews["review_date"].tolist() == [
        pd.Timestamp(2021, 11, 10),
        pd.Timestamp(2022, 5, 19),
    ]
    assert "work_summary" not in reviews.columns and reviews["has_work_summary"].all()


def test_ledger_balances_and_counts_not_started(tracker_path):
    ledger = read(tracker_path).ledger.to_frame()
    balance = ledger_balance(ledger)
    assert balance["balanced"].all()
    excluded = ledger[ledger["outcome"] == "excluded"].set_index(["sheet", "reason"])["rows"]
    assert excluded[("Baseline", "referred but not started (no first_contact_date)")] == 1
    assert excluded[("Children", "belongs to a case that was referred but not started")] == 1


def test_unknown_category_names_file_sheet_row_column_value_and_allowed(tmp_path):
    sheets = small_tracker_sheets()
    sheets["Baseline"][1]["ethnicity"] = "Martian"
    text = error_text(write_tracker(tmp_path / "t.xlsx", sheets))
    assert "t.xlsx" in text and "sheet 'Baseline'" in text and "row 3" in text
    assert "column 'ethnicity'" in text and "'Martian'" in text and "White British" in text


def test_every_error_is_reported_at_once(tmp_path):
    sheets = small_tracker_sheets()
    sheets["Baseline"][0]["age"] = 12
    sheets["Children"][0]["placement"] = "with aunt on Mars"
    sheets["Reviews"][0]["mbu"] = "maybe"
    text = error_text(write_tracker(tmp_path / "t.xlsx", sheets))
    assert text.startswith("3 data error(s)")
    assert "from 18 to 75" in text


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("31/02/2021", "no such day"),
        ("soon", "not a valid date"),
        (dt.datetime(2035, 1, 1), "out of range"),
        (dt.datetime(1990, 1, 1), "out of range"),
    ],
)
def test_bad_dates_stop_the_run(tmp_path, value, fragment):
    sheets = small_tracker_sheets()
    sheets["Baseline"][0]["referral_date"] = value
    text = error_text(write_tracker(tmp_path / "t.xlsx", sheets))
    assert "column 'referral_date'" in text and fragment in text


def test_unparseable_sentence_is_an_error(tmp_path):
    sheets = small_tracker_sheets()
    sheets["Baseline"][0]["sentence_length"] = "ages"
    assert "sentence length not understood" in error_text(
        write_tracker(tmp_path / "t.xlsx", sheets)
    )


def test_missing_sheet(tmp_path):
    sheets = small_tracker_sheets()
    del sheets["Reviews"]
    assert "sheet 'Reviews' not found" in error_text(write_tracker(tmp_path / "t.xlsx", sheets))


def test_missing_and_duplicated_columns(tmp_path):
    from conftest import BASELINE_HEADER

    header = [h for h in BASELINE_HEADER if h != "acct"] + ["Referral Date"]
    text = error_text(write_tracker(tmp_path / "t.xlsx", headers={"Baseline": header}))
    assert "required column 'acct' not found" in text
    assert "column 'referral_date' appears twice" in text


def test_header_variants_and_note_columns(tmp_path):
    from conftest import BASELINE_HEADER

    header = ["Case ID", "Referral-Date", "FIRST CONTACT DATE", *BASELINE_HEADER[3:], "Notes"]
    sheets = small_tracker_sheets()
    for row in sheets["Baseline"]:
        row["notes"] = "researcher note"
    result = read(write_tracker(tmp_path / "t.xlsx", sheets, headers={"Baseline": header}))
    assert len(result["cases"]) == 2
    ignored = result.findings.to_frame().query("check == 'ignored_column'")
    assert ignored["column"].tolist() == ["Notes"]


def test_extra_sheet_and_blank_rows_are_counted_not_lost(tmp_path):
    path = write_tracker(tmp_path / "t.xlsx")
    workbook = openpyxl.load_workbook(path)
    workbook.create_sheet("Instructions")["A1"] = "How to fill this in"
    workbook["Children"].insert_rows(3)
    workbook.save(path)
    result = read(path)
    assert "ignored_sheet" in set(result.findings.to_frame()["check"])
    ledger = result.ledger.to_frame()
    blank = ledger[(ledger["sheet"] == "Children") & (ledger["reason"] == "fully blank row")]
    assert blank["rows"].tolist() == [1]
    assert ledger_balance(ledger)["balanced"].all()


def test_cross_sheet_checks(tmp_path):
    sheets = small_tracker_sheets()
    sheets["Children"].append(
        {"case_id": "T-999", "child_ref": 1, "age": 3, "placement": "Foster care"}
    )
    sheets["Children"].append(
        {"case_id": "T-001", "child_ref": 1, "age": 4, "placement": "Foster care"}
    )
    sheets["Reviews"].append(
        {"case_id": "T-002", "review_date": dt.datetime(2021, 1, 1), "case_status": "Open"}
    )
    sheets["Reviews"].append(
        {"case_id": "T-002", "review_date": dt.datetime(2022, 1, 1), "case_status": "Closed"}
    )
    sheets["Baseline"].append(baseline_row("T-001"))
    text = error_text(write_tracker(tmp_path / "t.xlsx", sheets))
    assert "'T-999'" in text and "case_id not found in Baseline" in text
    assert "the same child_ref twice" in text
    assert "review_date is before the case's first_contact_date" in text
    assert "closure_date is required when case_status is Closed" in text
    assert "case_id appears more than once in Baseline" in text


def test_free_text_never_appears_in_messages(tmp_path):
    sheets = small_tracker_sheets()
    sheets["Reviews"][0]["work_summary"] = "synthetic note: PRIVATE DETAIL"
    sheets["Reviews"][0]["contact_outcome"] = "mystery"
    text = error_text(write_tracker(tmp_path / "t.xlsx", sheets))
    assert "mystery" in text and "PRIVATE DETAIL" not in text


def test_warnings_do_not_stop_the_run(tmp_path):
    sheets = small_tracker_sheets()
    sheets["Baseline"][0]["first_contact_date"] = dt.datetime(2021, 4, 20)  # before referral
    sheets["Baseline"][0]["acct"] = None  # blank -> Not recorded
    sheets["Triage coding"].append(dict(sheets["Triage coding"][0]))  # duplicate need
    result = read(write_tracker(tmp_path / "t.xlsx", sheets))
    checks = set(result.findings.to_frame()["check"])
    assert {"contact_before_referral", "blank_cell", "duplicate_need"} <= checks
    assert len(result["needs"]) == 3  # duplicate counted once
    assert pd.isna(result["cases"].set_index("case_id").at["T-001", "acct"])


@pytest.mark.parametrize("content", [b"this is not a workbook", b""])
def test_not_an_excel_file(tmp_path, content):
    path = tmp_path / "tracker.xlsx"
    path.write_bytes(content)
    text = error_text(path)
    assert "cannot be read as an Excel workbook" in text


def test_missing_file(tmp_path):
    assert "file not found" in error_text(tmp_path / "absent.xlsx")


def test_a_formula_saved_without_its_result_stops_naming_the_cell(tmp_path):
    path = write_tracker(tmp_path / "t.xlsx")
    workbook = openpyxl.load_workbook(path)
    workbook["Baseline"]["F2"] = "=30+1"  # age of T-001 as a formula
    workbook.save(path)
    # openpyxl stores no result: calamine would read a blank cell (a formula with its
    # cached result is read with a warning: the corpus's tracker_formula_cell)
    with pytest.raises(DataValidationError) as stopped:
        read(path)
    (finding,) = stopped.value.findings
    assert (finding.sheet, finding.row, finding.column, finding.value) == (
        "Baseline",
        2,
        "age",
        "=30+1",
    )
    assert finding.check == "uncalculated_formula" and "cell F2" in finding.message


def test_formula_detection_ignores_files_that_are_not_xlsx(tmp_path):
    from evaluation.core.excel import formula_cells

    path = tmp_path / "x.xlsx"
    path.write_bytes(b"plain text")
    assert formula_cells(path) == {}


def test_empty_tracker_with_hidden_lists_sheet_reads_cleanly(tmp_path):
    sheets = {"Baseline": [], "Children": [], "Triage coding": [], "Reviews": []}
    path = write_tracker(tmp_path / "blank.xlsx", sheets)
    workbook = openpyxl.load_workbook(path)
    lists = workbook.create_sheet("Lists")  # a proforma keeps its dropdown lists here
    lists["A1"] = "Yes"
    lists.sheet_state = "hidden"
    workbook.save(path)
    result = read(path)
    assert result["cases"].empty and result.findings.findings == []
