"""evaluation explain: the records behind a published cell, each traced to a raw file row.

The promise to reviewers: for a cell with n = k, explain lists exactly k distinct
records, each with a file, sheet and row that exist and hold the record counted; it
reads processed data only and writes nothing into report/ or figures/.
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import openpyxl
import pytest

from evaluation.core import codebook
from evaluation.explain import CannotExplain, explain_cell, explain_fact, write_csv

CASE_TRACKER_CELLS = [
    ("known_to_social_services", "Yes", "Send"),
    ("ethnicity", "White British", "Total"),
    ("sentence_length", "Life", "Total"),  # a base: mothers not on remand
    ("children_age", "0-2", "Eastwood Park"),  # one record per child
    ("mother_needs", "Support to navigate the Family Court process", "Total"),  # multi-response
    ("start_quarter", "Q3", "Total"),
    ("theme_matrix", "Staying connected with children", "Mother in prison"),
]


def published_n(run: Path, table_id: str, row: str, column: str) -> int:
    with open(run / "report" / "tables" / f"{table_id}.csv", encoding="utf-8") as file:
        for record in csv.DictReader(file):
            if record["row"] == row and record["column"] == column:
                return int(float(record["n"]))
    raise AssertionError((table_id, row, column))


def raw_row(run: Path, file: str, sheet: str, row: int) -> list[str]:
    """The cells of one row of a raw workbook sheet or CSV file, as text."""
    path = run / file
    if path.suffix == ".xlsx":
        sheet_cells = openpyxl.load_workbook(path, read_only=True)[sheet]
        cells = next(sheet_cells.iter_rows(min_row=row, max_row=row, values_only=True))
        return ["" if value is None else str(value).strip() for value in cells]
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return [cell.strip() for cell in list(csv.reader(handle))[row - 1]]


def snapshot(run: Path) -> dict[str, str]:
    return {
        str(p.relative_to(run)): hashlib.sha256(p.read_bytes()).hexdigest()
        for folder in ("report", "figures")
        for p in sorted((run / folder).rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize(("table_id", "row", "column"), CASE_TRACKER_CELLS)
def test_a_cell_of_n_lists_n_distinct_records_each_at_a_raw_row_that_holds_it(
    final_run, table_id, row, column
):
    before = snapshot(final_run)
    explanation = explain_cell(final_run, table_id, row, column)
    n = published_n(final_run, table_id, row, column)
    assert explanation.numerator == n and len(explanation.records) == n
    assert explanation.records["id"].is_unique
    for record in explanation.records.itertuples(index=False):
        cells = raw_row(final_run, record.file, record.sheet, record.row)
        owner = record.id.split("/")[0]  # a child's id is <case id>/<child ref>
        assert owner in cells, (record.file, record.sheet, record.row, record.id)
    assert snapshot(final_run) == before  # nothing written into report/ or figures/
    assert "Do not publish" in explanation.text()


def test_a_key_fact_lists_its_mothers(final_run):
    explanation = explain_fact(final_run, "two_plus_children", "Send")
    assert explanation.numerator == len(explanation.records) > 0
    assert explanation.denominator == published_n(
        final_run, "known_to_social_services", "Yes", "Send"
    ) + sum(
        published_n(final_run, "known_to_social_services", r, "Send") for r in ("No", "Not known")
    )


@pytest.mark.parametrize(
    ("table_id", "row", "column"),
    [
        ("services_by_region", "London", "Pause"),
        ("fdac_by_region", "West Midlands", "Teams"),
        ("survey_interview_responses", "Survey responses", "n"),  # before deduplication
        ("who_services_work_with", "Women only", "Services"),
        ("core_components", "Trauma-informed", "Interviews"),  # a theme list
    ],
)
def test_the_second_studys_cells_are_traced_to_their_rows(second_study_run, table_id, row, column):
    codebook.use_codebook(second_study_run / "codebook")
    try:
        explanation = explain_cell(second_study_run, table_id, row, column)
    finally:
        codebook.use_codebook(None)
    n = published_n(second_study_run, table_id, row, column)
    assert explanation.numerator == n and len(explanation.records) == n
    for record in explanation.records.itertuples(index=False):
        cells = raw_row(second_study_run, record.file, record.sheet, record.row)
        assert record.id in cells, (record.file, record.row, record.id)


def test_an_unknown_cell_or_table_is_refused_with_what_exists(final_run):
    with pytest.raises(CannotExplain, match="rows: .*Yes"):
        explain_cell(final_run, "known_to_social_services", "Maybe", "Total")
    with pytest.raises(CannotExplain, match="activity_minutes has no row with row 'Sleeping'"):
        explain_cell(final_run, "activity_minutes", "Sleeping", "Total")


def test_the_csv_goes_to_the_reviewers_folder_never_into_report(final_run, tmp_path):
    explanation = explain_cell(final_run, "known_to_social_services", "Yes", "Send")
    write_csv(explanation, tmp_path / "cell.csv")
    assert (tmp_path / "cell.csv").read_text().count("\n") == len(explanation.records) + 1
    with pytest.raises(CannotExplain, match="never writes into report"):
        write_csv(explanation, final_run / "report" / "tables" / "cell.csv")


def test_a_survey_item_cell_lists_the_questionnaires_at_their_rows(final_run):
    import pyreadstat

    explanation = explain_cell(
        final_run, "mothers_views_css", "Strongly agree or agree", "T1", item="willing_engage_css"
    )
    assert len(explanation.records) == explanation.numerator > 0
    frame, _ = pyreadstat.read_sav(str(final_run / explanation.records["file"].iloc[0]))
    ids = {str(v).strip() for v in frame.iloc[:, 0]} | {
        str(v).strip() for column in frame.columns for v in frame[column] if isinstance(v, str)
    }
    for record in explanation.records.itertuples(index=False):
        row = frame.iloc[record.row - 1]  # an SPSS file has no header row: row 1 = first case
        assert record.id in {str(v).strip() for v in row.to_list()}, (record.row, record.id)
        assert record.id in ids


def test_diff_between_the_interim_and_the_final_cutoff_names_the_mothers_added(
    interim_full_run, final_run, capsys
):
    from evaluation.cli import main

    assert main(["diff", str(interim_full_run), str(final_run)]) == 1
    out = capsys.readouterr().out
    assert "35 -> 94" in out
    assert "EP-048" in out and "SE-046" in out  # mothers added after the interim cut-off
    assert main(["diff", str(final_run), str(final_run)]) == 0
    assert "no differences" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("table_id", "item", "row", "column"),
    [
        ("practitioner_roles", "", "Children's social worker", "Y1"),
        ("practitioner_agreement", "agree_01", "Strongly agree or agree", "Y1"),  # collapsed
        ("mothers_missing", "willing_engage_css", "Don't know", "T1"),
        ("wai_completion", "", "Had not met the social worker", "T1"),
        ("caseload_by_month", "", "2022-03", "Send"),
    ],
)
def test_survey_count_cells_list_their_responses(final_run, table_id, item, row, column):
    explanation = explain_cell(final_run, table_id, row, column, item=item)
    with open(final_run / "report" / "tables" / f"{table_id}.csv", encoding="utf-8") as file:
        published = next(
            int(float(r["n"]))
            for r in csv.DictReader(file)
            if r["row"] == row and r["column"] == column and r.get("item", "") == item
        )
    assert explanation.numerator == published == len(explanation.records) > 0
    for record in explanation.records.itertuples(index=False):
        if record.file.endswith(".csv"):  # the online export: the response id is on its line
            assert record.id in raw_row(final_run, record.file, "", record.row)


#: Tables without a row column: (ROW key, COLUMN key) explain names their cells by.
STATISTICS_KEYS = {
    "mothers_ratings": ("item", "column"),
    "mothers_paired_change": ("item", "comparison"),
    "intercoder_agreement": ("theme", None),
    "quote_bank": ("theme", None),
    "joint_display": ("research_question", None),
    "practitioner_statements": ("item", "column"),
}


def every_table_explained(run: Path) -> list[str]:
    """Explain the first rows of every published table; the tables that failed, with why."""
    failed = []
    for path in sorted((run / "report" / "tables").glob("*.csv")):
        if path.stem == "key_facts":
            continue
        with open(path, encoding="utf-8") as file:
            rows = list(csv.DictReader(file))[:6]
        for record in rows:
            if path.stem in STATISTICS_KEYS:
                row_key, column_key = STATISTICS_KEYS[path.stem]
                cell = (record[row_key], record[column_key] if column_key else "-", "")
            else:
                cell = (record.get("row", ""), record.get("column", ""), record.get("item", ""))
            try:
                explain_cell(run, path.stem, cell[0], cell[1], item=cell[2])
            except CannotExplain as exc:
                failed.append(f"{path.stem} {cell}: {exc}")
    return failed


def test_every_table_of_the_first_study_is_explained(final_run):
    assert every_table_explained(final_run) == []


def test_every_table_of_the_second_study_is_explained(second_study_run):
    codebook.use_codebook(second_study_run / "codebook")
    try:
        assert every_table_explained(second_study_run) == []
    finally:
        codebook.use_codebook(None)
