"""Derived variables, bands, the cut-off, tables and key facts on small inline data."""

import datetime as dt

import pandas as pd
import pytest
from conftest import baseline_row, small_tracker_sheets, write_tracker

from evaluation.core import codebook
from evaluation.core.findings import DataValidationError, ledger_balance
from evaluation.strands.case_tracker.cutoff import tracker_at_cutoff
from evaluation.strands.case_tracker.derive import quarter_index, quarter_labels, quarter_periods
from evaluation.strands.case_tracker.read import read_case_tracker
from evaluation.strands.case_tracker.tables import build_key_facts, build_table, build_tables

START = dt.date(2021, 4, 1)


def test_quarters_start_at_project_start_and_q0_before():
    dates = pd.Series(
        pd.to_datetime(["2021-03-31", "2021-04-01", "2021-06-30", "2021-07-01", "2022-05-31"])
    )
    assert quarter_index(dates, START).tolist() == [0, 1, 1, 2, 5]
    assert quarter_labels(START, dt.date(2022, 5, 31)) == ["Q0", "Q1", "Q2", "Q3", "Q4", "Q5"]
    assert quarter_periods(START, dt.date(2021, 9, 30))["Q2"] == "Jul-Sep 2021"


@pytest.mark.parametrize(
    ("months", "band"),
    [
        (12, "0-1 year"),
        (12.5, "1-2 years"),
        (35.9, "1-2 years"),
        (36, "3-5 years"),
        (59, "3-5 years"),
        (60, "5-10 years"),
        (120, "10-15 years"),
        (180, "10-15 years"),
        (181, "Over 15 years"),
        (3.7, "0-1 year"),
    ],
)
def test_sentence_band_edges(months, band):
    assert codebook.banding("sentence_band").assign(pd.Series([months])).iloc[0] == band


def test_band_overrides_from_config_and_overlap_check():
    override = {"age_group": {"bands": [["18-29", "[18, 29]"], ["30 and over", "[30, inf)"]]}}
    assert codebook.banding("age_group", override).labels == ("18-29", "30 and over")
    with pytest.raises(ValueError, match="overlap"):
        codebook.banding(
            "age_group", {"age_group": {"bands": [["a", "[18, 30]"], ["b", "[30, inf)"]]}}
        )


def two_prisons(tmp_path):
    east = read_case_tracker(write_tracker(tmp_path / "east.xlsx"), "East")
    sheets = small_tracker_sheets()
    for rows in sheets.values():
        for row in rows:
            row["case_id"] = row["case_id"].replace("T-", "W-")
    sheets["Baseline"][0]["first_contact_date"] = dt.datetime(2022, 7, 1)  # after the interim cut
    sheets["Reviews"][0]["review_date"] = dt.datetime(2022, 9, 1)
    sheets["Reviews"][1].update(
        review_date=dt.datetime(2023, 1, 10), closure_date=dt.datetime(2023, 1, 10)
    )
    sheets["Baseline"][1]["ethnicity"] = None  # blank -> Not recorded
    west = read_case_tracker(write_tracker(tmp_path / "west.xlsx", sheets), "West")
    return {"East": east, "West": west}


def test_cutoff_excludes_and_counts(tmp_path):
    at_cut = tracker_at_cutoff(two_prisons(tmp_path), dt.date(2022, 5, 31), project_start=START)
    assert sorted(at_cut["mothers"]["case_id"]) == ["T-001", "T-002", "W-002"]
    ledger = at_cut.ledger.to_frame()
    assert ledger_balance(ledger)["balanced"].all()
    reasons = ledger[ledger["outcome"] == "excluded"].groupby("reason")["rows"].sum()
    assert reasons["first contact after the cut-off"] == 1
    assert (
        reasons["belongs to a case with first contact after the cut-off"] == 2 + 2 + 2
    )  # children, needs, reviews
    # the closing review of T-001 (19/05/2022) is inside the cut; latest outcome comes from it
    t1 = at_cut["mothers"].set_index("case_id").loc["T-001"]
    assert t1["latest_contact_outcome"] == "Contact plan in place" and bool(t1["any_legal_support"])
    assert t1["closure_date"] == pd.Timestamp(2022, 5, 20)


def test_review_after_cutoff_is_not_the_latest_state(tmp_path):
    at_cut = tracker_at_cutoff(two_prisons(tmp_path), dt.date(2022, 1, 31), project_start=START)
    t1 = at_cut["mothers"].set_index("case_id").loc["T-001"]
    assert t1["latest_contact_outcome"] == "Unresolved" and pd.isna(t1["closure_date"])
    reasons = at_cut.ledger.to_frame().groupby("reason")["rows"].sum()
    assert reasons["review dated after the cut-off"] == 1


def test_case_id_in_two_workbooks_is_an_error(tmp_path):
    reads = two_prisons(tmp_path)
    reads["West"]["cases"].loc[0, "case_id"] = "T-001"
    with pytest.raises(DataValidationError, match="used in more than one workbook"):
        tracker_at_cutoff(reads, dt.date(2023, 12, 31), project_start=START)


def tables_for(tmp_path, cutoff=dt.date(2023, 12, 31)):
    at_cut = tracker_at_cutoff(two_prisons(tmp_path), cutoff, project_start=START)
    tables = build_tables(
        at_cut["mothers"],
        at_cut["children"],
        at_cut["needs"],
        prisons=["East", "West"],
        project_start=START,
        cutoff=cutoff,
    )
    return at_cut, tables


def cell(table, row, column):
    return table.set_index(["row", "column"]).loc[(row, column)]


def test_tables_keep_zero_rows_in_codebook_order_with_total(tmp_path):
    _, tables = tables_for(tmp_path)
    legal = tables["legal_status"]
    assert list(dict.fromkeys(legal["row"])) == ["Sentenced", "Remand", "Recall"]
    assert list(dict.fromkeys(legal["column"])) == ["East", "West", "Total"]
    assert cell(legal, "Recall", "Total")["n"] == 0
    assert cell(legal, "Remand", "Total")[["n", "denominator", "pct"]].tolist() == [2, 4, 50.0]


def test_blank_category_is_its_own_row_in_the_denominator(tmp_path):
    _, tables = tables_for(tmp_path)
    ethnicity = tables["ethnicity"]
    assert list(dict.fromkeys(ethnicity["row"]))[-1] == "Not recorded"
    assert cell(ethnicity, "Not recorded", "West")[["n", "denominator"]].tolist() == [1, 2]
    assert cell(ethnicity, "Not recorded", "East")["n"] == 0


def test_sentence_table_excludes_remand_from_the_base(tmp_path):
    _, tables = tables_for(tmp_path)
    sentence = tables["sentence_length"]
    assert set(sentence.loc[sentence["column"] == "Total", "denominator"]) == {2}
    assert cell(sentence, "1-2 years", "Total")["n"] == 2


def test_needs_are_multi_response_over_all_mothers(tmp_path):
    _, tables = tables_for(tmp_path)
    needs = tables["mother_needs"]
    adoption = cell(needs, "Support with adoption transition", "Total")
    assert adoption[["n", "denominator"]].tolist() == [4, 4]
    assert needs.loc[needs["column"] == "Total", "n"].sum() == 4


def test_children_table_counts_children(tmp_path):
    _, tables = tables_for(tmp_path)
    ages = tables["children_age"]
    assert set(ages.loc[ages["column"] == "Total", "denominator"]) == {6}
    assert cell(ages, "0-2", "Total")["n"] == 2


def test_start_quarter_rows_run_to_the_cutoff(tmp_path):
    _, tables = tables_for(tmp_path, cutoff=dt.date(2022, 5, 31))
    assert list(dict.fromkeys(tables["start_quarter"]["row"])) == [
        "Q0",
        "Q1",
        "Q2",
        "Q3",
        "Q4",
        "Q5",
    ]


def test_percentages_round_half_away_from_zero():
    mothers = pd.DataFrame(
        {
            "prison": ["A"] * 8,
            "case_id": [f"c{i}" for i in range(8)],
            "legal_status": ["Remand"] + ["Sentenced"] * 7,
        }
    )
    table = build_table(
        "legal_status",
        mothers,
        None,
        None,
        prisons=["A"],
        project_start=START,
        cutoff=dt.date(2023, 12, 31),
    )
    assert cell(table, "Remand", "A")["pct"] == 12.5  # 1/8 exactly
    mothers = pd.DataFrame(
        {
            "prison": ["A"] * 16,
            "case_id": [f"c{i}" for i in range(16)],
            "legal_status": ["Remand"] + ["Sentenced"] * 15,
        }
    )
    table = build_table(
        "legal_status",
        mothers,
        None,
        None,
        prisons=["A"],
        project_start=START,
        cutoff=dt.date(2023, 12, 31),
    )
    assert cell(table, "Remand", "A")["pct"] == 6.3  # 6.25 -> 6.3, not banker's 6.2


def test_key_facts_bases_and_distinct_authorities(tmp_path):
    at_cut, _ = tables_for(tmp_path)
    facts = build_key_facts(at_cut["mothers"], prisons=["East", "West"])
    facts = facts.set_index(["fact", "column"])
    assert facts.loc[("two_plus_children", "Total"), ["n", "denominator"]].tolist() == [2, 4]
    siblings = facts.loc[("siblings_apart", "Total")]
    assert (siblings["n"], siblings["denominator"]) == (2, 2)  # base: mothers with 2+ children
    # 'Northshire' and ' northshire ' are one authority; Westvale is the other
    assert facts.loc[("local_authorities", "Total"), "n"] == 2
    assert pd.isna(facts.loc[("local_authorities", "Total"), "denominator"])
    assert facts.loc[("contact_aim_plan", "East"), ["n", "denominator"]].tolist() == [1, 1]


def test_siblings_apart_ignores_not_known_placements():
    from evaluation.strands.case_tracker.derive import derive_mothers

    cases = pd.DataFrame([baseline_row("A")]).assign(
        prison="P",
        excel_row=2,
        first_contact_date=pd.Timestamp(2021, 5, 1),
        age=30,
        incarceration_count=1,
        n_children_under_18=2,
        social_workers_involved=1,
        sentence_months=30.0,
        sentence_indeterminate=False,
    )
    children = pd.DataFrame(
        {"case_id": ["A", "A"], "child_age": [3, 5], "placement": ["Foster care", "Not known"]}
    )
    reviews = pd.DataFrame(
        columns=[
            "case_id",
            "review_date",
            "excel_row",
            "contact_outcome",
            "case_status",
            "legal_support",
            "mbu",
        ]
    )
    mothers = derive_mothers(cases, children, reviews, project_start=START)
    assert mothers.loc[0, "distinct_known_placements"] == 1
    assert not mothers.loc[0, "all_children_with_father"]
