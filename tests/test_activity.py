"""Activity diary: reading and validation, minutes by activity, hours per month, caseload."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pandas as pd
import pytest

from evaluation.core.findings import DataValidationError, ledger_balance
from evaluation.strands.activity import steps
from evaluation.strands.activity.cutoff import entries_at_cutoff
from evaluation.strands.activity.read import read_activity
from evaluation.strands.activity.tables import activity_minutes, caseload_by_month, hours_by_month

REPO = Path(__file__).resolve().parents[1]
PRISONS = ["Eastwood Park", "Send"]
HEADER = ["worker", "prison", "date", "case_id", "activity", "minutes", "notes"]
GOOD_ROWS = [
    ["SW1", "Eastwood Park", dt.datetime(2021, 4, 5), "EP-001", "Meetings", 60, "a note"],
    ["sw1", "eastwood park ", "06/04/2021", None, "Direct work", "30", None],
    [
        "SW2",
        "Send",
        44300,
        " se-001 ",
        "meeting attended",
        90,
        None,
    ],  # serial 44300 = 14 April 2021
    [None, None, None, None, None, None, None],
    ["SW2", "SEND", dt.datetime(2021, 7, 1), None, "Training", 120, None],  # after the cut-off
]
CASE_IDS = {"EP-001", "SE-001"}


def write_log(path: Path, rows, *, extra_sheet: bool = False) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Log"
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    if extra_sheet:
        workbook.create_sheet("Notes").append(["anything"])
    workbook.save(path)
    return path


CUTOFF = dt.date(2021, 6, 30)


def read(path):
    result = read_activity(path, prisons=PRISONS, case_ids=CASE_IDS)
    return result["entries"], result.findings, result.ledger


def at_cutoff(path, cutoff=CUTOFF):
    """The entries of the diary at ``path`` dated on or before ``cutoff``."""
    return entries_at_cutoff(
        read_activity(path, prisons=PRISONS, case_ids=CASE_IDS), cutoff, file="x"
    )


def test_reads_variants_and_counts_blank_and_late_rows(tmp_path):
    path = write_log(tmp_path / "log.xlsx", GOOD_ROWS, extra_sheet=True)
    read_result = read_activity(path, prisons=PRISONS, case_ids=CASE_IDS)
    entries, log = read_result["entries"], read_result.findings
    assert not log.errors
    assert {f.check for f in log.warnings} == {"extra_sheet", "ignored_column"}
    assert entries["activity"].tolist() == [
        "Meeting attended",
        "Direct work with mother",
        "Meeting attended",
        "Training delivered",
    ]
    assert entries["worker"].tolist() == ["SW1", "SW1", "SW2", "SW2"]
    assert entries["date"].dt.date.tolist() == [
        dt.date(2021, 4, 5),
        dt.date(2021, 4, 6),
        dt.date(2021, 4, 14),
        dt.date(2021, 7, 1),
    ]
    assert entries["case_id"].fillna("").tolist()[:3] == ["EP-001", "", "SE-001"]
    assert entries["excel_row"].tolist() == [2, 3, 4, 6]
    at_cut = entries_at_cutoff(read_result, CUTOFF, file=str(path))
    assert at_cut.rows("entries") == 3
    frame = pd.concat([read_result.ledger.to_frame(), at_cut.ledger.to_frame()])
    assert frame.query("outcome == 'excluded'")[["step", "reason", "rows"]].values.tolist() == [
        ["read", "blank row", 1],
        ["cut-off", "dated after the cut-off", 1],
    ]
    assert ledger_balance(frame)["balanced"].all()


def test_minutes_by_activity_and_prison(tmp_path):
    table = activity_minutes(
        at_cutoff(write_log(tmp_path / "log.xlsx", GOOD_ROWS))["entries"], PRISONS
    )
    cells = table.set_index(["row", "column"])
    # Eastwood Park: meeting 60 + direct work 30 = 90 minutes; Send: meeting 90; Total 180
    assert cells.loc[
        ("Meeting attended", "Eastwood Park"), ["minutes", "hours", "pct"]
    ].tolist() == [60, 1.0, 66.7]
    assert cells.loc[("Direct work with mother", "Eastwood Park"), ["minutes", "pct"]].tolist() == [
        30,
        33.3,
    ]
    assert cells.loc[("Meeting attended", "Send"), ["minutes", "denominator", "pct"]].tolist() == [
        90,
        90,
        100.0,
    ]
    assert cells.loc[
        ("Meeting attended", "Total"), ["entries", "minutes", "hours", "pct"]
    ].tolist() == [2, 150, 2.5, 83.3]
    assert cells.loc[("Training delivered", "Send"), ["entries", "minutes"]].tolist() == [
        0,
        0,
    ]  # after the cut
    assert len(table) == 11 * 3  # every activity in every column, zeros included
    assert table["row"].drop_duplicates().iloc[0] == "Meeting attended"  # codebook order


def test_hours_by_month_fills_empty_months(tmp_path):
    in_run = at_cutoff(write_log(tmp_path / "log.xlsx", GOOD_ROWS))["entries"]
    table = hours_by_month(in_run, PRISONS, project_start=dt.date(2021, 4, 1), cutoff=CUTOFF)
    assert table["row"].drop_duplicates().tolist() == ["2021-04", "2021-05", "2021-06"]
    april = table[table["row"] == "2021-04"].set_index("column")
    assert april.loc["Eastwood Park", ["entries", "minutes", "hours"]].tolist() == [2, 90, 1.5]
    assert april.loc["Total", ["entries", "minutes", "hours"]].tolist() == [3, 180, 3.0]
    assert table.loc[table["row"] != "2021-04", "minutes"].sum() == 0


def test_bad_rows_are_errors_naming_sheet_row_column(tmp_path):
    rows = [
        ["SW1", "Holloway", dt.datetime(2021, 4, 5), None, "Meetings", 60, None],
        ["SW1", "Send", "31/02/2021", None, "Meetings", 60, None],
        ["SW1", "Send", dt.datetime(2021, 4, 5), "XX-999", "Meetings", 60, None],
        ["SW1", "Send", dt.datetime(2021, 4, 5), None, "Gardening", 60, None],
        ["SW1", "Send", dt.datetime(2021, 4, 5), None, "Meetings", 601, None],
        ["SW1", "Send", dt.datetime(2021, 4, 5), None, "Meetings", 1.5, None],
        ["SW1", "Send", dt.datetime(1921, 4, 5), None, "Meetings", 0, None],
        [None, "Send", dt.datetime(2021, 4, 5), None, "Meetings", 30, None],
    ]
    _, log, ledger = read(write_log(tmp_path / "log.xlsx", rows))
    where = {(f.sheet, f.row, f.column) for f in log.errors}
    assert where == {
        ("Log", 2, "prison"),
        ("Log", 3, "date"),
        ("Log", 4, "case_id"),
        ("Log", 5, "activity"),
        ("Log", 6, "minutes"),
        ("Log", 7, "minutes"),
        ("Log", 8, "date"),
        ("Log", 8, "minutes"),
        ("Log", 9, "worker"),
    }
    assert ledger.to_frame().query("outcome == 'used'")["rows"].item() == 0


def test_findings_per_failing_cell_in_row_then_column_order(tmp_path):
    # the same bad value on two rows is reported on each; a row's findings follow the
    # codebook's column order; True is not a number of minutes although True == 1
    rows = [
        ["SW1", "Send", dt.datetime(2021, 4, 5), None, "Meetings", 60, None],
        ["SW1", "Holloway", "31/02/2021", None, "Gardening", True, None],
        ["SW1", "  ", dt.datetime(2021, 4, 5), "XX-999", "Meetings", 1, None],
        ["SW1", "Holloway", dt.datetime(2021, 4, 6), None, "Meetings", 60, None],
    ]
    entries, log, ledger = read(write_log(tmp_path / "log.xlsx", rows))
    found = [(f.row, f.column, f.value, f.check) for f in log.errors]
    assert found == [
        (3, "prison", "Holloway", "category"),
        (3, "date", "31/02/2021", "date"),
        (3, "activity", "Gardening", "category"),
        (3, "minutes", "True", "integer"),
        (4, "prison", "  ", "category"),
        (4, "case_id", "XX-999", "unknown_case"),
        (5, "prison", "Holloway", "category"),
    ]
    assert entries["excel_row"].tolist() == [2]
    assert ledger.to_frame().query("outcome == 'excluded'")["rows"].tolist() == [3]


def test_caseload_by_month_by_hand():
    mothers = pd.DataFrame(
        {
            "prison": ["Eastwood Park", "Eastwood Park", "Send", "Send"],
            "case_id": ["A1", "A2", "B1", "B2"],
            "first_contact_date": pd.to_datetime(
                ["2021-04-10", "2021-05-01", "2021-03-15", "2021-06-30"]
            ),
            "closure_date": pd.to_datetime(["2021-05-31", None, "2021-04-01", "2021-07-15"]),
        }
    )
    table = caseload_by_month(mothers, PRISONS, project_start=dt.date(2021, 4, 1), cutoff=CUTOFF)
    got = {(r.row, r.column): (r.n, r.opened, r.closed) for r in table.itertuples()}
    # A1 open Apr-May (closed 31 May); A2 open May-Jun (not closed); B1 open Mar-Apr (closed
    # 1 Apr, before the project start month is shown because first contact was in March);
    # B2 opened 30 Jun, its closure is after the cut-off so it is open at the cut.
    assert got == {
        ("2021-03", "Eastwood Park"): (0, 0, 0),
        ("2021-03", "Send"): (1, 1, 0),
        ("2021-03", "Total"): (1, 1, 0),
        ("2021-04", "Eastwood Park"): (1, 1, 0),
        ("2021-04", "Send"): (1, 0, 1),
        ("2021-04", "Total"): (2, 1, 1),
        ("2021-05", "Eastwood Park"): (2, 1, 1),
        ("2021-05", "Send"): (0, 0, 0),
        ("2021-05", "Total"): (2, 1, 1),
        ("2021-06", "Eastwood Park"): (1, 0, 0),
        ("2021-06", "Send"): (1, 1, 0),
        ("2021-06", "Total"): (2, 1, 0),
    }


def read_step(log: Path, case_ids: Path, out: Path) -> None:
    """The activity_read rule's step, writing e.parquet, f.csv and l.csv to ``out``."""
    steps.activity_read(
        SimpleNamespace(log=str(log), all_case_ids=str(case_ids)),
        SimpleNamespace(
            entries=str(out / "e.parquet"),
            findings=str(out / "f.csv"),
            ledger=str(out / "l.csv"),
        ),
        SimpleNamespace(prisons=PRISONS, valid_date_range=["2015-01-01", "2030-12-31"]),
    )


def test_rule_entry_points_on_the_example_diary(tmp_path):
    ids = pd.DataFrame(
        {
            "prison": ["Eastwood Park"] * 48 + ["Send"] * 46,
            "case_id": [f"EP-{i:03d}" for i in range(1, 49)]
            + [f"SE-{i:03d}" for i in range(1, 47)],
        }
    )
    ids.to_parquet(tmp_path / "ids.parquet")
    example = REPO / "data" / "raw" / "activity" / "activity_log.xlsx"
    read_step(example, tmp_path / "ids.parquet", tmp_path)
    mothers = ids.assign(first_contact_date=pd.Timestamp("2021-06-01"), closure_date=pd.NaT)
    mothers.to_parquet(tmp_path / "m.parquet")
    outputs = {
        k: str(tmp_path / f"{k}.{'json' if k == 'context' else 'csv'}")
        for k in [
            "activity_minutes",
            "activity_hours_by_month",
            "caseload_by_month",
            "context",
            "ledger",
            "findings",
        ]
    }
    for cutoff in ("2022-05-31", "2023-12-31"):
        steps.activity_tables(
            SimpleNamespace(
                entries=str(tmp_path / "e.parquet"),
                mothers=str(tmp_path / "m.parquet"),
                findings=str(tmp_path / "f.csv"),
                ledger=str(tmp_path / "l.csv"),
            ),
            SimpleNamespace(**outputs),
            SimpleNamespace(
                log_file=str(example),
                prisons=PRISONS,
                project_start="2021-04-01",
                cutoff=cutoff,
            ),
        )
        ledger = pd.read_csv(outputs["ledger"], keep_default_na=False)
        assert ledger_balance(ledger)["balanced"].all()
        late = ledger.query("step == 'cut-off' and outcome == 'excluded'")["rows"].sum()
        assert late > 0  # the diary runs into January 2024
        context = json.loads(Path(outputs["context"]).read_text())
        assert context["workers"] == ["SW1", "SW2"]
        assert context["last_entry"] <= cutoff
        minutes = pd.read_csv(outputs["activity_minutes"])
        total = minutes.query("column == 'Total'")["minutes"].sum()
        assert total == minutes.query("column != 'Total'")["minutes"].sum()
        caseload = pd.read_csv(outputs["caseload_by_month"])
        assert caseload.query("column == 'Total'")["n"].iloc[-1] == 94  # none closed by design


def test_example_case_ids_must_exist(tmp_path):
    pd.DataFrame({"prison": ["Send"], "case_id": ["SE-001"]}).to_parquet(tmp_path / "ids.parquet")
    with pytest.raises(DataValidationError, match="case_id"):
        read_step(
            REPO / "data" / "raw" / "activity" / "activity_log.xlsx",
            tmp_path / "ids.parquet",
            tmp_path,
        )
    assert not (tmp_path / "e.parquet").exists()  # nothing written when the read stops


def test_scaled_diary_gives_each_copy_its_own_workers_and_fits_one_sheet(monkeypatch):
    from tools.synthetic import activity as generator

    one_copy = generator.build_rows(1)
    three = generator.build_rows(3)
    assert three[: len(one_copy)] == one_copy  # the example diary is the first copy
    workers = {str(row[0]).upper() for row in three}
    assert workers == {"SW1", "SW2", "SW3", "SW4", "SW5", "SW6"}
    # a sheet that holds two copies and a bit: the third copy is left out whole
    monkeypatch.setattr(generator, "EXCEL_DATA_ROWS", 2 * len(one_copy) + 500)
    capped = generator.build_rows(3)
    assert len(capped) <= generator.EXCEL_DATA_ROWS
    assert {str(row[0]).upper() for row in capped} == {"SW1", "SW2", "SW3", "SW4"}
