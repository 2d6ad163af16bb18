"""The grouping of tables is declared: one workbook per group, or a column of the register."""

from __future__ import annotations

import shutil

import pytest
import yaml
from conftest import BASELINE_HEADER, REPO, small_tracker_sheets, write_tracker

from evaluation.core import codebook
from evaluation.core.config import ConfigError, study_groups, validate_config
from evaluation.core.findings import DataValidationError
from evaluation.strands.case_tracker.read import read_case_tracker

TRACKERS = {"Eastwood Park": "a.xlsx", "Send": "b.xlsx"}


def test_by_default_each_workbook_is_a_group_in_config_order():
    config = validate_config({"case_trackers": TRACKERS})
    assert config["grouping"] == {"by": "workbook"}
    assert study_groups(config) == ["Eastwood Park", "Send"]


def test_groups_from_a_column_are_its_value_set_in_codebook_order(codebook_with_group_column):
    config = validate_config(
        {
            "case_trackers": {"Register": "r.xlsx"},
            "grouping": {"by": "column", "column": "home_prison"},
        }
    )
    assert study_groups(config) == ["Eastwood Park", "Send"]


def test_a_grouping_column_must_be_a_category_of_the_codebook(codebook_with_group_column):
    config = validate_config(
        {"case_trackers": {"Register": "r.xlsx"}, "grouping": {"by": "column", "column": "age"}}
    )
    with pytest.raises(ConfigError, match="'age', which is not a category column"):
        study_groups(config)


@pytest.mark.parametrize(
    ("grouping", "message"),
    [
        ({"by": "prison"}, "'grouping: by' is 'prison'"),
        ({"by": "column"}, "'grouping: column' is missing"),
        ({"by": "column", "column": "region", "groups": ["A"]}, "groups not understood"),
        ({"by": "workbook", "column": "region"}, "column not understood with 'by: workbook'"),
    ],
)
def test_a_grouping_the_engine_cannot_use_stops_with_the_key(grouping, message):
    with pytest.raises(ConfigError, match=message):
        validate_config({"case_trackers": TRACKERS, "grouping": grouping})


def add_group_column(folder, groups: list[dict]) -> None:
    """Give the case tracker's codebook in ``folder`` a 'home_prison' category column with ``groups``."""
    path = folder / "case_tracker.yaml"
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    spec["value_sets"]["home_prison"] = groups
    spec["sheets"]["Baseline"]["columns"]["home_prison"] = {
        "type": "category",
        "categories": "home_prison",
        "label": "Prison",
        "description": "The prison the mother was in (the study's grouping column).",
    }
    path.write_text(yaml.safe_dump(spec, sort_keys=False))


@pytest.fixture
def codebook_with_group_column(tmp_path):
    """The example codebook with a 'Prison' column on the Baseline sheet (a study's own codebook)."""
    folder = tmp_path / "codebook"
    shutil.copytree(REPO / "codebook", folder)
    add_group_column(folder, [{"label": "Eastwood Park", "variants": ["EP"]}, {"label": "Send"}])
    codebook.use_codebook(folder)
    yield folder
    codebook.use_codebook(None)


def register(tmp_path, groups):
    sheets = small_tracker_sheets()
    for row, group in zip(sheets["Baseline"], groups, strict=True):
        row["home_prison"] = group
    return write_tracker(
        tmp_path / "register.xlsx", sheets, headers={"Baseline": [*BASELINE_HEADER, "home_prison"]}
    )


COLUMN_GROUPING = {"by": "column", "column": "home_prison"}


def test_each_record_takes_its_group_from_the_column(tmp_path, codebook_with_group_column):
    path = register(tmp_path, ["send", "Eastwood  Park", "ep"])
    read = read_case_tracker(path, "Register", grouping=COLUMN_GROUPING)
    groups = dict(zip(read["cases"]["case_id"], read["cases"]["prison"], strict=True))
    # a group's accepted variants are folded as every category's are
    assert set(groups.values()) <= {"Send", "Eastwood Park"} and groups["T-001"] == "Send"
    # the case's children, needs and reviews carry the case's group, not the workbook's
    for name in ("children", "needs", "reviews"):
        frame = read[name]
        expected = frame["case_id"].map(groups)
        assert len(frame) and list(frame["prison"]) == list(expected), name


def test_an_unknown_group_stops_as_a_category_error_of_its_cell(
    tmp_path, codebook_with_group_column
):
    path = register(tmp_path, ["Low Newton", "Send", "Send"])
    with pytest.raises(DataValidationError) as stopped:
        read_case_tracker(path, "Register", grouping=COLUMN_GROUPING)
    located = {(f.sheet, f.row, f.column, f.value) for f in stopped.value.findings}
    assert ("Baseline", 2, "home_prison", "Low Newton") in located


def test_a_record_without_a_group_stops_with_its_row(tmp_path, codebook_with_group_column):
    path = register(tmp_path, ["Send", "Send", None])
    with pytest.raises(DataValidationError) as stopped:
        read_case_tracker(path, "Register", grouping=COLUMN_GROUPING)
    no_group = [f for f in stopped.value.findings if f.check == "group"]
    assert [(f.row, f.column, f.expected) for f in no_group] == [
        (4, "home_prison", "Eastwood Park, Send")
    ]


def test_a_grouping_column_the_codebook_lacks_stops_the_read(tmp_path):
    path = write_tracker(tmp_path / "register.xlsx")
    grouping = {"by": "column", "column": "region"}
    with pytest.raises(DataValidationError, match="grouping column 'region'"):
        read_case_tracker(path, "Register", grouping=grouping)


def one_register_with_a_group_column(workdir):
    """The example's two prison workbooks as one register with a Prison column, and its codebook."""
    import openpyxl

    folder = workdir / "data/raw/case_tracker"
    combined = openpyxl.Workbook()
    combined.remove(combined.active)
    sources = {"Eastwood Park": "eastwood_park.xlsx", "Send": "send.xlsx"}
    books = {
        group: openpyxl.load_workbook(folder / name, read_only=True)
        for group, name in sources.items()
    }
    for sheet in ("Baseline", "Children", "Triage coding", "Reviews"):
        # the workbooks' headers are spelt differently and ordered differently: rows are
        # placed by the codebook's column key of each header
        tables = {}
        for group, book in books.items():
            rows = list(book[sheet].iter_rows(values_only=True))
            header = [codebook.normalise_header(h) if h else None for h in rows[0]]
            tables[group] = [dict(zip(header, row, strict=False)) for row in rows[1:]]
        columns = list(dict.fromkeys(h for rows in tables.values() for r in rows for h in r if h))
        if sheet == "Baseline":
            columns.append("home_prison")
        target = combined.create_sheet(sheet)
        target.append(columns)
        for group, rows in tables.items():
            for row in rows:
                row = {**row, "home_prison": group} if sheet == "Baseline" else row
                target.append([row.get(column) for column in columns])
    combined.save(folder / "register.xlsx")
    add_group_column(workdir / "codebook", [{"label": "Eastwood Park"}, {"label": "Send"}])
    config = yaml.safe_load((workdir / "config.yaml").read_text(encoding="utf-8"))
    config["case_trackers"] = {"Register": "data/raw/case_tracker/register.xlsx"}
    config["grouping"] = {"by": "column", "column": "home_prison"}
    (workdir / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))


@pytest.mark.pipeline
def test_one_register_grouped_by_a_column_gives_the_tables_of_one_workbook_per_group(
    final_run, tmp_path
):
    """The same records grouped by a column instead of by workbook: every table is the same."""
    from workflow import copy_project, snakemake

    workdir = copy_project(tmp_path / "register")
    one_register_with_a_group_column(workdir)
    snakemake(workdir)
    tables = sorted(p.name for p in (final_run / "report/tables").glob("*.csv"))
    assert len(tables) > 40
    assert sorted(p.name for p in (workdir / "report/tables").glob("*.csv")) == tables
    differing = [
        name
        for name in tables
        if (workdir / "report/tables" / name).read_bytes()
        != (final_run / "report/tables" / name).read_bytes()
    ]
    assert differing == []
