"""The register strand on a small inline study: record sets read and checked, tables, facts."""

from __future__ import annotations

import textwrap

import openpyxl
import pytest

from evaluation.core import codebook
from evaluation.core.findings import DataValidationError
from evaluation.strands.register.context import register_facts
from evaluation.strands.register.read import read_register
from evaluation.strands.register.spec import RegisterSpecError, register_spec
from evaluation.strands.register.tables import build_register_tables

REGISTER_YAML = """
value_sets:
  area:
    - label: North
      variants: ["north region", "n"]
    - label: South
  status:
    - label: Service
    - label: No service
    - label: Unknown
      variants: ["?", "not known"]
  operating:
    - label: Operating
    - label: In development
  yes_no:
    - label: "Yes"
      variants: ["y"]
    - label: "No"
      variants: ["n"]

record_sets:
  authorities:
    unit: authority
    source: mapping
    sheet: Authorities
    key: code
    columns:
      code: {header: Code, type: id}
      area: {header: Area, type: category, categories: area}
      status: {header: Status, type: category, categories: status}
      notes: {header: Notes, type: free_text, required: false}
  services:
    unit: service
    source: mapping
    sheet: Services
    key: service
    columns:
      service: {header: Service ID, type: id}
      provider: {header: Provider, type: id}
      state: {header: Status, type: category, categories: operating}
      covers: {header: Authorities, type: list, references: authorities, required: false}
      staff: {header: Staff, type: integer, min: 1, max: 30}
  responses:
    unit: survey response
    source: survey
    format: online_survey
    exclude_when: {status: [Survey Preview], finished: ["False"]}
    deduplicate: {by: organisation, keep_last_by: recorded}
    dated_by: recorded
    columns:
      status: {header: Status, type: free_text}
      finished: {header: Finished, type: free_text}
      recorded: {header: RecordedDate, type: datetime}
      organisation: {header: organisation, type: id}
      named: {header: own_name, type: yes_no}
consistency:
  - every: services.covers
    where: {state: [Operating]}
    is: {status: [Service]}
  - every: authorities
    where: {status: [Service]}
    listed_in: services.covers

recodes:
  any_service:
    record_set: authorities
    from: status
    map: {Covered: [Service], "Not covered": [No service, Unknown]}
tables:
  status_by_area:
    kind: crosstab
    record_set: authorities
    rows: area
    columns: status
    margin: Authorities
    total_row: Total
    percentages: false
  services_by_state: {kind: counts, record_set: services, rows: state, column: Services}
  responses:
    kind: count_list
    column: n
    percentages: false
    rows:
      - {label: Responses, record_set: responses, deduplicated: false}
      - {label: Organisations answering, record_set: responses}
      - {label: Named, record_set: responses, where: {named: ["Yes"]}}
figures:
  fig_status_by_area: {table: status_by_area, title: Authorities by area and status}
facts:
  operating_services: {count: services, where: {state: [Operating]}}
  covered_authorities: {distinct: services.covers, where: {state: [Operating]}}
  providers: {distinct: services.provider}
  staff_total: {sum: services.staff}
  smallest_team: {min: services.staff}
  multi_area_providers: {more_than: 1, of: services.covers, per: provider}
  services_without_authorities: {count: services, where: {covers: null}}
"""

SURVEY_CSV = (
    "\ufeffStartDate,Status,Finished,RecordedDate,ResponseId,organisation,own_name\n"
    "Start Date,Response Type,Finished,Recorded Date,Response ID,Organisation,Own name?\n"
    '"{""ImportId"":""startDate""}","{""ImportId"":""status""}",x,x,x,x,x\n'
    "2020-09-01 10:00:00,Survey Preview,True,2020-09-01 10:05:00,R_0,A1,Yes\n"
    "2020-09-02 10:00:00,IP Address,True,2020-09-02 10:05:00,R_1,A1,Yes\n"
    "2020-09-03 10:00:00,IP Address,False,2020-09-03 10:05:00,R_2,A2,Yes\n"
    "2020-09-04 10:00:00,IP Address,True,2020-09-04 10:05:00,R_3,A2,y\n"
    "2020-09-05 10:00:00,IP Address,True,2020-09-05 10:05:00,R_4,A1,No\n"
)


def write_workbook(path, authorities, services):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Authorities"
    sheet.append(["Code", "Area", "Status", "Notes"])
    for row in authorities:
        sheet.append(row)
    sheet = workbook.create_sheet("Services")
    sheet.append(["Service ID", "Provider", "Status", "Authorities", "Staff"])
    for row in services:
        sheet.append(row)
    workbook.save(path)


AUTHORITIES = [
    ["A1", "North", "Service", "free text never output"],
    ["A2", "north region ", "service", None],
    [None, None, None, None],  # a blank row between records
    ["A3", "South", "?", None],
    ["A4", "South", "No service", None],
]
SERVICES = [
    ["S1", "P1", "Operating", "A1; A2", 4],
    ["S2", "P2", "Operating", "A2", 7],
    ["S3", "P2", "In development", None, 1],
]


@pytest.fixture
def study(tmp_path):
    folder = tmp_path / "codebook"
    folder.mkdir()
    (folder / "register.yaml").write_text(textwrap.dedent(REGISTER_YAML), encoding="utf-8")
    codebook.use_codebook(folder)
    write_workbook(tmp_path / "mapping.xlsx", AUTHORITIES, SERVICES)
    (tmp_path / "survey.csv").write_text(SURVEY_CSV, encoding="utf-8")
    files = {"mapping": str(tmp_path / "mapping.xlsx"), "survey": str(tmp_path / "survey.csv")}
    yield tmp_path, files
    codebook.use_codebook(None)


def cell(table, row, column):
    found = table[(table["row"] == row) & (table["column"] == column)]
    assert len(found) == 1, (row, column)
    return found.iloc[0]


def test_record_sets_are_read_with_their_variants_and_where_each_came_from(study):
    _, files = study
    read = read_register(files, register_spec())
    authorities = read["authorities"]
    assert list(authorities["code"]) == ["A1", "A2", "A3", "A4"]
    assert list(authorities["area"]) == ["North", "North", "South", "South"]
    assert list(authorities["status"]) == ["Service", "Service", "Unknown", "No service"]
    assert list(authorities["source_row"]) == [2, 3, 5, 6]  # Excel rows, the blank row 4 skipped
    assert list(authorities["any_service"]) == ["Covered", "Covered", "Not covered", "Not covered"]
    assert read["services"]["covers"].tolist() == [["A1", "A2"], ["A2"], []]


def at_cutoff(files, day="2020-12-31"):
    import datetime as dt

    from evaluation.strands.register.cutoff import register_at_cutoff

    spec = register_spec()
    read = read_register(files, spec)
    result = register_at_cutoff(read, dt.date.fromisoformat(day), spec)
    result.ledger.rows[:0] = read.ledger.rows  # the read's rows, then the cut-off's
    return result


def test_survey_exclusions_and_the_duplicate_are_counted_in_the_ledger(study):
    from evaluation.core.findings import ledger_balance

    _, files = study
    result = at_cutoff(files)
    responses = result["responses"]
    assert list(responses["organisation"]) == ["A2", "A1"]  # A1's latest answer kept
    assert list(responses["source_row"]) == [7, 8]  # CSV lines after three header rows
    ledger = result.ledger.to_frame()
    reasons = dict(zip(ledger["reason"], ledger["rows"], strict=True))
    assert reasons["Status is Survey Preview"] == 1
    assert reasons["Finished is False"] == 1
    assert reasons["another response for the same organisation (the latest kept)"] == 1
    assert ledger_balance(ledger)["balanced"].all()  # the read step and the cut-off alike
    cutoff = ledger[ledger["step"] == "cutoff"]
    assert set(cutoff["outcome"]) == {"read", "used", "excluded"}


def test_at_an_earlier_cutoff_the_earlier_answer_of_an_organisation_counts(study):
    _, files = study
    responses = at_cutoff(files, "2020-09-04")["responses"]
    assert list(responses["organisation"]) == ["A1", "A2"]  # A1's answer of 2 September
    assert list(responses["named"]) == ["Yes", "Yes"]


def test_tables_count_every_category_with_totals_and_margins(study):
    _, files = study
    spec = register_spec()
    tables = build_register_tables(at_cutoff(files).frames, spec)
    by_area = tables["status_by_area"]
    assert cell(by_area, "North", "Authorities")["n"] == 2
    assert cell(by_area, "North", "Service")["n"] == 2
    assert cell(by_area, "North", "Unknown")["n"] == 0  # a category with no records
    assert cell(by_area, "Total", "Authorities")["n"] == 4
    assert cell(by_area, "Total", "No service")["n"] == 1
    assert by_area["pct"].isna().all() and by_area["denominator"].isna().all()
    services = tables["services_by_state"]
    assert cell(services, "Operating", "Services")["n"] == 2
    assert cell(services, "Operating", "Services")["pct"] == pytest.approx(66.7)
    responses = tables["responses"]
    # 3 responses from 2 organisations; A1's latest answer (No) counts, not its first
    assert list(responses["n"]) == [3, 2, 1]


def test_facts_are_computed_over_the_record_sets(study):
    _, files = study
    spec = register_spec()
    facts = register_facts(at_cutoff(files).frames, spec)
    assert facts == {
        "operating_services": 2,
        "covered_authorities": 2,
        "providers": 2,
        "staff_total": 12,
        "smallest_team": 1,
        "multi_area_providers": 1,
        "services_without_authorities": 1,
    }


@pytest.mark.parametrize(
    ("authorities", "services", "message"),
    [
        (
            [*AUTHORITIES, ["A9", "East", "Service", None]],
            SERVICES,
            "'East' is not a valid Area",
        ),
        ([*AUTHORITIES, ["A1", "North", "Service", None]], SERVICES, "code 'A1' is repeated"),
        (AUTHORITIES, [*SERVICES, ["S4", "P3", "Operating", "A1, A7", 2]], "'A7' is not a"),
        (
            AUTHORITIES,
            [*SERVICES, ["S4", "P3", "Operating", "A1", 40]],
            "'40' is not a valid Staff",
        ),
        ([*AUTHORITIES, ["A9", None, "Service", None]], SERVICES, "Area is blank"),
    ],
)
def test_bad_values_stop_the_read_naming_file_sheet_row_column_and_value(
    study, authorities, services, message
):
    folder, files = study
    write_workbook(folder / "mapping.xlsx", authorities, services)
    with pytest.raises(DataValidationError) as raised:
        read_register(files, register_spec()).findings.raise_if_errors()
    text = str(raised.value)
    assert message in text
    assert "mapping.xlsx" in text and "row " in text


def test_a_missing_source_or_column_is_named(study):
    folder, files = study
    with pytest.raises(DataValidationError, match="no file for the register source 'survey'"):
        read_register({"mapping": files["mapping"]}, register_spec()).findings.raise_if_errors()
    (folder / "survey.csv").write_text(SURVEY_CSV.replace("own_name", "name"), encoding="utf-8")
    result = read_register(files, register_spec())
    assert result.frames == {}  # what stopped it is in the findings, with the ledger
    with pytest.raises(DataValidationError, match="required column 'own_name' not found"):
        result.findings.raise_if_errors()


def test_a_malformed_register_codebook_is_refused(study):
    bad = {"register": {"record_sets": {"x": {"source": "s", "columns": {}}}}}
    bad["register"]["record_sets"]["x"]["columns"] = {"a": {"type": "colour"}}
    with pytest.raises(RegisterSpecError, match="type 'colour'"):
        register_spec(bad)
    refs = {"a": {"type": "list", "references": "nowhere"}}
    bad["register"]["record_sets"]["x"]["columns"] = refs
    with pytest.raises(RegisterSpecError, match="references 'nowhere'"):
        register_spec(bad)


def test_steps_write_parquet_tables_facts_audit_and_a_figure_with_the_cutoff(study):
    import json

    import pandas as pd

    from evaluation.core.tidy import read_csv
    from evaluation.runtime import StepFiles
    from evaluation.strands.register import steps

    folder, files = study
    spec = register_spec()
    parquet = {name: str(folder / f"{name}.parquet") for name in spec.record_sets}
    read_out = StepFiles(
        list(parquet.values()),
        {**parquet, "findings": str(folder / "f.csv"), "ledger": str(folder / "l.csv")},
    )
    steps.register_read(StepFiles(), read_out, StepFiles([], {"files": files}))
    tables = {table_id: str(folder / f"{table_id}.csv") for table_id in spec.tables}
    out = StepFiles(
        [],
        {
            **tables,
            "context": str(folder / "facts.json"),
            "findings": str(folder / "f2.csv"),
            "ledger": str(folder / "l2.csv"),
        },
    )
    inputs = StepFiles([], {**parquet, "findings": read_out.findings, "ledger": read_out.ledger})
    steps.register_tables(inputs, out, StepFiles([], {"cutoff": "2020-09-04"}))
    responses = read_csv(tables["responses"])
    assert list(responses["n"]) == [2, 2, 2]  # A1's answer of 2 September, not of 5 September
    assert json.loads((folder / "facts.json").read_text())["operating_services"] == 2
    ledger = pd.read_csv(out.ledger)
    assert "RecordedDate after the cut-off 2020-09-04" in set(ledger["reason"].dropna())
    figure = StepFiles([], {"png": str(folder / "f.png"), "svg": str(folder / "f.svg")})
    steps.register_figure(
        StepFiles([], {"table": tables["status_by_area"]}),
        figure,
        StepFiles([], {"spec": spec.figures["fig_status_by_area"], "synthetic": True}),
    )
    assert (folder / "f.png").stat().st_size > 1000
    assert "SYNTHETIC" in (folder / "f.svg").read_text().upper()


def test_every_problem_is_reported_at_once_a_bad_value_and_a_bad_reference(study):
    folder, files = study
    write_workbook(
        folder / "mapping.xlsx",
        [*AUTHORITIES, ["A9", "Nrth", "Service", None]],
        [*SERVICES, ["S4", "P3", "Operating", "A7", 2]],
    )
    result = read_register(files, register_spec())
    messages = " | ".join(f.message for f in result.findings.errors)
    assert "'Nrth' is not a valid Area" in messages and "'A7' is not a" in messages
    reference = next(f for f in result.findings.errors if "'A7'" in f.message)
    assert reference.expected == "a Code of Authorities"  # the sheet's header, not the key name


def test_a_category_without_its_value_set_is_refused_naming_the_codebook(study):
    folder, _ = study
    text = (folder / "codebook" / "register.yaml").read_text(encoding="utf-8")
    (folder / "codebook" / "register.yaml").write_text(
        text.replace("  yes_no:\n", "  yes_or_no:\n"), encoding="utf-8"
    )
    codebook.use_codebook(folder / "codebook")  # parsed again from the edited folder
    with pytest.raises(RegisterSpecError, match="a yes_no column needs the value set 'yes_no'"):
        register_spec()


@pytest.mark.parametrize(
    ("authorities", "services", "message"),
    [
        # A4 has no service, yet an operating service covers it
        (AUTHORITIES, [*SERVICES, ["S4", "P3", "Operating", "A4", 2]], "'A4' does not have"),
        # A3 says Service, but no service covers it
        (
            [row if row[0] != "A3" else ["A3", "South", "Service", None] for row in AUTHORITIES],
            SERVICES,
            "authority 'A3' is not listed under 'Authorities'",
        ),
    ],
)
def test_declared_consistency_rules_stop_records_that_contradict_another_sheet(
    study, authorities, services, message
):
    folder, files = study
    write_workbook(folder / "mapping.xlsx", authorities, services)
    result = read_register(files, register_spec())
    errors = result.findings.errors
    assert any(message in f.message for f in errors), [f.message for f in errors]
    assert all(f.check == "register_consistency" and f.row for f in errors)


def test_a_consistency_rule_naming_no_list_column_is_a_codebook_error():
    body = {
        "record_sets": {
            "a": {"source": "s", "key": "k", "columns": {"k": {"type": "id"}}},
        },
        "consistency": [{"every": "a", "listed_in": "a.k2"}],
    }
    with pytest.raises(RegisterSpecError, match="consistency rule 1: listed_in 'a.k2'"):
        register_spec({"register": body})


def test_same_day_answers_of_one_organisation_are_ordered_by_their_time(study):
    folder, files = study
    text = SURVEY_CSV.replace("2020-09-05 10:05:00,R_4", "2020-09-02 09:00:00,R_4")
    (folder / "survey.csv").write_text(text, encoding="utf-8")
    responses = at_cutoff(files)["responses"]
    kept = responses.set_index("organisation")["named"].to_dict()
    assert kept["A1"] == "Yes"  # R_1 at 10:05 is later than R_4 at 09:00 that day


def test_a_record_set_cut_with_another_follows_its_cutoff(tmp_path):
    import datetime as dt

    from evaluation.strands.register.cutoff import register_at_cutoff

    folder = tmp_path / "codebook"
    folder.mkdir()
    (folder / "register.yaml").write_text(
        textwrap.dedent(
            """
            record_sets:
              interviews:
                source: interviews
                key: iid
                dated_by: day
                columns:
                  iid: {header: iid, type: id}
                  day: {header: day, type: date}
              profiles:
                source: profiles
                key: iid
                cut_with: interviews
                columns:
                  iid: {header: iid, type: id, references: interviews}
            """
        ),
        encoding="utf-8",
    )
    (tmp_path / "i.csv").write_text("iid,day\nI1,2021-01-05\nI2,2021-04-02\n")
    (tmp_path / "p.csv").write_text("iid\nI1\nI2\n")
    codebook.use_codebook(folder)
    try:
        spec = register_spec()
        read = read_register(
            {"interviews": str(tmp_path / "i.csv"), "profiles": str(tmp_path / "p.csv")}, spec
        )
        result = register_at_cutoff(read, dt.date(2021, 3, 31), spec)
    finally:
        codebook.use_codebook(None)
    assert list(result["profiles"]["iid"]) == ["I1"]
    ledger = result.ledger.to_frame()
    assert "its interviews is not in the run at the cut-off" in set(ledger["reason"])
