"""The `evaluation` command: help, validate, proforma round trip, add-wave and dictionary."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pyreadstat
import pytest
import yaml
from conftest import REPO, small_tracker_sheets, write_tracker

from evaluation.add_wave import insert_wave
from evaluation.cli import main
from evaluation.core import codebook
from evaluation.validate import detect_kind, validate_all

CONFIG = REPO / "config.yaml"
COMMANDS = [
    "validate",
    "proforma",
    "add-wave",
    "dictionary",
    "new-study",
    "explain",
    "diff",
    "baseline",
]


def run(capsys, *argv: str) -> tuple[int, str]:
    """main(argv) -> (exit code, stdout + stderr)."""
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture
def in_repo(monkeypatch):
    monkeypatch.chdir(REPO)


# --------------------------------------------------------------------------- help


def test_console_script_help_lists_every_command():
    script = shutil.which("evaluation")
    command = [script] if script else [sys.executable, "-m", "evaluation.cli"]
    done = subprocess.run([*command, "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    for name in COMMANDS:
        assert name in done.stdout
    assert "exit codes" in done.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as stop:
        main([command, "--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: evaluation {command}")
    assert "exit codes" in out


def test_no_command_prints_help_and_usage_code(capsys):
    code, out = run(capsys)
    assert code == 2
    assert "validate" in out


def test_help_does_not_import_pandas():
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, evaluation.cli as c; c.build_parser(); "
            "print('pandas' in sys.modules, 'openpyxl' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout.split() == ["False", "False"]


# --------------------------------------------------------------------------- validate


def test_validate_example_data_passes(capsys, in_repo):
    code, out = run(capsys, "validate")
    assert code == 0, out
    assert "Result: no errors" in out
    config = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    for path in config["case_trackers"].values():
        assert path in out
    for wave in config["surveys"]["mothers"]["waves"].values():
        assert wave in out


def test_validate_counts_rows_of_each_file():
    summary = validate_all(CONFIG)
    assert summary.ok
    config = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    by_file = {Path(c.file).resolve(): c for c in summary.checks}
    for label, wave in config["surveys"]["mothers"]["waves"].items():
        check = by_file[(REPO / wave).resolve()]
        assert check.name == label
        assert (
            check.rows_read
            == pyreadstat.read_sav(str(REPO / wave), metadataonly=True)[1].number_rows
        )
    for prison, path in config["case_trackers"].items():
        check = by_file[(REPO / path).resolve()]
        assert check.name == prison
        workbook = openpyxl.load_workbook(REPO / path, read_only=True)
        below_header = sum(
            len(list(workbook[sheet].iter_rows(values_only=True))) - 1
            for sheet in codebook.case_tracker_sheets()
        )
        assert check.rows_read == below_header > 0


def test_validate_given_file_keeps_its_configured_role(capsys, in_repo):
    code, out = run(capsys, "validate", "data/raw/case_tracker/send.xlsx")
    assert code == 0, out
    assert "Case tracker: Send" in out
    assert "Checked 1 raw file" in out


def broken_copy(source: Path, target: Path, sheet: str, row: int, column: str, value) -> Path:
    workbook = openpyxl.load_workbook(source)
    ws = workbook[sheet]
    header = [codebook.normalise_header(c.value) for c in ws[1]]
    ws.cell(row=row, column=header.index(codebook.normalise_header(column)) + 1, value=value)
    workbook.save(target)
    return target


def test_validate_broken_copy_names_file_sheet_row_column(tmp_path, capsys, in_repo):
    broken = broken_copy(
        REPO / "data/raw/case_tracker/eastwood_park.xlsx",
        tmp_path / "eastwood_broken.xlsx",
        "Baseline",
        5,
        "ethnicity",
        "Whte British",
    )
    code, out = run(capsys, "validate", str(broken), "--prison", "Eastwood Park")
    assert code == 1
    assert f"ERROR: {broken}, sheet 'Baseline', row 5, column 'ethnicity'" in out
    assert "'Whte British'" in out
    assert "White British" in out  # the allowed values are listed
    assert "The pipeline would stop" in out


def test_validate_duplicate_case_id_across_workbooks(tmp_path):
    first = REPO / "data/raw/case_tracker/eastwood_park.xlsx"
    taken = openpyxl.load_workbook(first, read_only=True)["Baseline"]["A2"].value
    workbook = openpyxl.load_workbook(REPO / "data/raw/case_tracker/send.xlsx")
    baseline = workbook["Baseline"]
    copied = [c.value for c in baseline[2]]
    copied[0] = taken  # case_id is the first column: a Send mother reusing an Eastwood Park id
    baseline.append(copied)
    send = tmp_path / "send.xlsx"
    workbook.save(send)
    config = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    config["case_trackers"] = {"Eastwood Park": str(first), "Send": str(send)}
    for wave, path in config["surveys"]["mothers"]["waves"].items():
        config["surveys"]["mothers"]["waves"][wave] = str(REPO / path)
    del config["surveys"]["practitioners"]
    config["qualitative"] = {}
    config["activity"] = {}
    summary = validate_all(config)
    assert not summary.ok
    assert len(summary.errors) == 1
    assert "more than one workbook" in summary.errors[0].message
    assert summary.errors[0].value == taken
    assert all(not c.errors for c in summary.checks)  # each file alone is fine
    assert "not compared with the trackers" in summary.render()


def test_validate_never_prints_free_text(tmp_path, capsys, in_repo):
    sheets = small_tracker_sheets()
    sheets["Reviews"][0]["work_summary"] = "SECRET-NARRATIVE about the family"
    sheets["Reviews"][0]["case_status"] = "Half open"
    path = write_tracker(tmp_path / "tracker.xlsx", sheets)
    code, out = run(capsys, "validate", str(path), "--findings-csv", str(tmp_path / "f.csv"))
    assert code == 1
    assert "column 'case_status'" in out and "'Half open'" in out
    assert "SECRET" not in out
    assert "SECRET" not in (tmp_path / "f.csv").read_text(encoding="utf-8")
    assert "Half open" in (tmp_path / "f.csv").read_text(encoding="utf-8")


def test_validate_usage_problems_exit_2(tmp_path, capsys, in_repo):
    assert run(capsys, "validate", "no_such_file.xlsx")[0] == 2
    code, out = run(capsys, "validate", "--config", str(tmp_path / "missing.yaml"))
    assert code == 2 and "config file" in out
    unknown = tmp_path / "notes.csv"
    unknown.write_text("a,b\n1,2\n", encoding="utf-8")
    code, out = run(capsys, "validate", str(unknown))
    assert code == 2 and "--kind" in out
    bad_config = tmp_path / "config.yaml"
    bad_config.write_text("cutoff_date: 31/12/2023\ncase_trackers: {A: a.xlsx}\n", encoding="utf-8")
    code, out = run(capsys, "validate", "--config", str(bad_config))
    assert code == 2 and "cutoff_date" in out


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("data/raw/case_tracker/send.xlsx", "case_tracker"),
        ("data/raw/surveys/mothers_T1.sav", "mothers"),
        ("data/raw/surveys/practitioners_Y1.csv", "practitioners"),
        ("data/raw/qualitative/themes.csv", "themes"),
        ("data/raw/qualitative/participants.csv", "participants"),
        ("data/raw/qualitative/coded_segments.csv", "coded_segments"),
        ("data/raw/qualitative/integration.yaml", "integration"),
        ("data/raw/activity/activity_log.xlsx", "activity"),
    ],
)
def test_detect_kind_of_example_files(path, kind):
    assert detect_kind(REPO / path) == kind


@pytest.mark.parametrize("fmt", ["qualcoder", "taguette"])
def test_validate_qualitative_tool_exports(fmt, in_repo):
    config = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    examples = "data/raw/qualitative/examples/"
    config["qualitative"]["format"] = fmt
    config["qualitative"]["participant_map"] = examples + "participant_map.csv"
    config["qualitative"]["coded_segments"] = (
        examples + "qualcoder_coded_text.csv"
        if fmt == "qualcoder"
        else {c: f"{examples}taguette_highlights_{c}.csv" for c in ("HT", "KM")}
    )
    summary = validate_all(config)
    assert summary.ok, summary.render()
    segments = [c for c in summary.checks if c.kind == "coded_segments"]
    assert len(segments) == (1 if fmt == "qualcoder" else 2)
    assert all(c.rows_read > 0 for c in segments)


def test_validate_given_segments_file_uses_configured_themes(tmp_path, capsys, in_repo):
    lines = (REPO / "data/raw/qualitative/coded_segments.csv").read_text(encoding="utf-8-sig")
    lines = lines.splitlines()
    header = lines[0].split(",")
    fields = lines[3].split(",")
    fields[header.index("theme")] = "NO_SUCH_THEME"
    lines[3] = ",".join(fields)
    path = tmp_path / "coded_segments.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out = run(capsys, "validate", str(path))
    assert code == 1
    assert "Qualitative themes" in out  # checked together with the configured files
    assert f"ERROR: {path}, row 4, column 'theme'" in out
    assert "NO_SUCH_THEME" in out


# --------------------------------------------------------------------------- proforma


def _labels_of(validation, workbook) -> list[str]:
    """The dropdown's labels: an inline list, or the Lists range a defined name points to."""
    formula = validation.formula1
    if formula.startswith('"'):
        return formula.strip('"').split(",")
    target = workbook.defined_names[formula].attr_text
    sheet, cells = target.split("!")
    return [c[0].value for c in workbook[sheet.strip("'")][cells.replace("$", "")]]


def _expected_labels(spec: dict) -> list[str]:
    if "categories" in spec:
        return list(codebook.value_set(spec["categories"]).labels)
    labels = []
    for name in spec["categories_by_source"].values():
        labels += [x for x in codebook.value_set(name).labels if x not in labels]
    return labels


def _validation_for(ws, letter: str):
    found = [dv for dv in ws.data_validations.dataValidation if f"{letter}2" in dv.sqref]
    assert len(found) == 1, letter
    return found[0]


def test_proforma_has_dropdowns_checks_and_notes(tmp_path, capsys):
    out = tmp_path / "prison_c.xlsx"
    code, text = run(capsys, "proforma", "--prison", "Prison C", str(out), "--config", str(CONFIG))
    assert code == 0, text
    assert "Prison C: " in text
    workbook = openpyxl.load_workbook(out)
    sheets = codebook.case_tracker_sheets()
    assert workbook.sheetnames[: len(sheets)] == list(sheets)
    if "Lists" in workbook.sheetnames:
        assert workbook["Lists"].sheet_state == "hidden"
    n_lists = 0
    for sheet, spec in sheets.items():
        ws = workbook[sheet]
        assert [c.value for c in ws[1]] == list(spec["columns"])
        assert ws.freeze_panes == "A2"
        for index, (name, column) in enumerate(spec["columns"].items()):
            letter = openpyxl.utils.get_column_letter(index + 1)
            dv = _validation_for(ws, letter)
            assert dv.showInputMessage and dv.prompt, (sheet, name)
            assert len(dv.prompt) <= 255 and len(dv.promptTitle) <= 32
            assert ws[f"{letter}1"].comment is not None
            if column["type"] == "category":
                assert dv.type == "list", (sheet, name)
                assert _labels_of(dv, workbook) == _expected_labels(column), (sheet, name)
                assert len(dv.formula1) <= 255
                n_lists += 1
            elif column["type"] == "integer":
                assert dv.type == "whole"
                assert (int(dv.formula1), int(dv.formula2)) == (column["min"], column["max"])
            elif column["type"] == "date":
                assert dv.type == "date"
                low = dt.date(1899, 12, 30) + dt.timedelta(days=int(dv.formula1))
                assert low == dt.date(2015, 1, 1)
            else:
                assert dv.type is None
    assert n_lists >= 20


def test_proforma_is_deterministic_and_does_not_overwrite(tmp_path, capsys):
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    assert run(capsys, "proforma", "--prison", "X", str(first))[0] == 0
    assert run(capsys, "proforma", "--prison", "X", str(second))[0] == 0
    assert sha(first) == sha(second)
    before = sha(first)
    code, out = run(capsys, "proforma", "--prison", "Y", str(first))
    assert code == 2 and "--force" in out
    assert sha(first) == before
    assert run(capsys, "proforma", "--prison", "X", str(tmp_path / "c.csv"))[0] == 2


def _first_label(spec: dict) -> str:
    return _expected_labels(spec)[0]


def _fill_row(ws, row: int, values: dict) -> None:
    header = [c.value for c in ws[1]]
    for column, value in values.items():
        ws.cell(row=row, column=header.index(column) + 1, value=value)


def _valid_values(sheet: str, case_id: str) -> dict:
    """A valid value for every column of a sheet, taken from the codebook."""
    values = {}
    for name, spec in codebook.case_tracker_sheets()[sheet]["columns"].items():
        kind = spec["type"]
        if kind == "id":
            values[name] = case_id
        elif kind == "date":
            values[name] = dt.datetime(2022, 3, 1)
        elif kind == "integer":
            values[name] = spec["min"]
        elif kind == "category":
            values[name] = _first_label(spec)
        elif kind == "sentence":
            values[name] = "2 years"
        else:
            values[name] = "a note"
    return values


def test_filled_proforma_passes_validate(tmp_path, capsys):
    path = tmp_path / "prison_c.xlsx"
    assert run(capsys, "proforma", "--prison", "Prison C", str(path))[0] == 0
    workbook = openpyxl.load_workbook(path)
    need_spec = codebook.case_tracker_sheets()["Triage coding"]["columns"]["need"]
    source, need_set = next(iter(need_spec["categories_by_source"].items()))
    for row, case_id in ((2, "PC-001"), (3, "PC-002")):
        baseline = _valid_values("Baseline", case_id)
        baseline["n_children_under_18"] = 1
        _fill_row(workbook["Baseline"], row, baseline)
        _fill_row(workbook["Children"], row, _valid_values("Children", case_id))
        triage = {"case_id": case_id, "source": source}
        triage["need"] = codebook.value_set(need_set).labels[0]
        _fill_row(workbook["Triage coding"], row, triage)
        review = _valid_values("Reviews", case_id)
        review["review_date"] = dt.datetime(2022, 9, 1)
        _fill_row(workbook["Reviews"], row, review)
    workbook.save(path)

    code, out = run(capsys, "validate", str(path), "--config", str(CONFIG), "--prison", "Prison C")
    assert code == 0, out
    assert "Case tracker: Prison C" in out
    assert "Result: no errors" in out

    workbook["Baseline"]["F2"] = 99  # age outside 18-75, typed past Excel's check
    workbook.save(path)
    code, out = run(capsys, "validate", str(path), "--config", str(CONFIG))
    assert code == 1
    assert "sheet 'Baseline', row 2, column 'age'" in out


# --------------------------------------------------------------------------- add-wave


@pytest.fixture
def temp_config(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG.read_text(encoding="utf-8"), encoding="utf-8")
    for wave in ("mothers_T1.sav", "mothers_T2.sav", "practitioners_Y1.csv"):
        target = tmp_path / "data/raw/surveys" / wave
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / "data/raw/surveys" / wave, target)
    return config


def test_add_wave_keeps_comments_and_adds_line(temp_config, capsys):
    before = temp_config.read_text(encoding="utf-8")
    new = temp_config.parent / "data/raw/surveys/mothers_T3.sav"
    shutil.copy(temp_config.parent / "data/raw/surveys/mothers_T2.sav", new)
    code, out = run(capsys, "add-wave", "mothers", "T3", str(new), "--config", str(temp_config))
    assert code == 0, out
    after = temp_config.read_text(encoding="utf-8")
    old_lines, new_lines = before.splitlines(), after.splitlines()
    assert len(new_lines) == len(old_lines) + 1
    t2 = next(i for i, line in enumerate(old_lines) if line.strip().startswith("T2:"))
    assert new_lines[t2 + 1] == "      T3: data/raw/surveys/mothers_T3.sav"
    assert new_lines[: t2 + 1] + new_lines[t2 + 2 :] == old_lines  # every comment kept in place
    waves = yaml.safe_load(after)["surveys"]["mothers"]["waves"]
    assert list(waves) == ["T1", "T2", "T3"]

    code, out = run(capsys, "add-wave", "mothers", "t3", str(new), "--config", str(temp_config))
    assert code == 2 and "already" in out
    assert temp_config.read_text(encoding="utf-8") == after


def test_add_wave_rejects_broken_file_and_leaves_config(temp_config, capsys):
    before = temp_config.read_text(encoding="utf-8")
    garbage = temp_config.parent / "garbage.sav"
    garbage.write_bytes(b"not an SPSS file")
    code, out = run(capsys, "add-wave", "mothers", "T3", str(garbage), "--config", str(temp_config))
    assert code == 1 and "garbage.sav" in out and "was not changed" in out

    frame, _ = pyreadstat.read_sav(str(temp_config.parent / "data/raw/surveys/mothers_T2.sav"))
    frame["trust_css"] = frame["trust_css"].astype("Int64")
    frame.loc[3, "trust_css"] = 7  # not on the 1-5 scale
    broken = temp_config.parent / "mothers_T3.csv"
    frame.to_csv(broken, index=False)
    code, out = run(capsys, "add-wave", "mothers", "T3", str(broken), "--config", str(temp_config))
    assert code == 1
    assert "row 5" in out and "column 'trust_css'" in out and "'7'" in out
    assert temp_config.read_text(encoding="utf-8") == before
    assert (
        run(capsys, "add-wave", "mothers", "T3", "nothing.sav", "--config", str(temp_config))[0]
        == 2
    )


def test_add_wave_dry_run_and_practitioners(temp_config, capsys):
    before = temp_config.read_text(encoding="utf-8")
    export = temp_config.parent / "data/raw/surveys/practitioners_Y1.csv"
    y2 = export.with_name("practitioners_Y2.csv")
    shutil.copy(export, y2)
    args = ["add-wave", "practitioners", "Y2", str(y2), "--config", str(temp_config)]
    code, out = run(capsys, *args, "--dry-run")
    assert code == 0 and "Dry run" in out
    assert temp_config.read_text(encoding="utf-8") == before
    assert run(capsys, *args)[0] == 0
    waves = yaml.safe_load(temp_config.read_text(encoding="utf-8"))["surveys"]["practitioners"]
    assert waves["waves"] == {
        "Y1": "data/raw/surveys/practitioners_Y1.csv",
        "Y2": "data/raw/surveys/practitioners_Y2.csv",
    }
    code, out = run(capsys, *args[:2], "Y3", str(export), "--config", str(temp_config))
    assert code == 2 and "already wave 'Y1'" in out


def test_insert_wave_keeps_end_of_line_comment_and_following_block():
    text = (
        "# top\nsurveys:\n  mothers:\n    waves:\n      T1: a.sav  # first wave\n"
        "    # rule below\n    wai_missing_rule: complete\nreport:\n  synthetic: null\n"
    )
    result = insert_wave(text, "mothers", "T2", "b.sav")
    assert result == text.replace("# first wave\n", "# first wave\n      T2: b.sav\n")


# --------------------------------------------------------------------------- dictionary


def test_dictionary_writes_markdown_and_html(tmp_path, capsys):
    code, out = run(capsys, "dictionary", "--out-dir", str(tmp_path), "--config", str(CONFIG))
    assert code == 0, out
    md = (tmp_path / "data_dictionary.md").read_text(encoding="utf-8")
    html = (tmp_path / "data_dictionary.html").read_text(encoding="utf-8")
    for column in codebook.case_tracker_sheets()["Baseline"]["columns"]:
        assert f"`{column}`" in md
        assert f"<code>{column}</code>" in html
    for variant in codebook.load_codebook()["case_tracker"]["value_sets"]["ethnicity"]:
        for text in variant.get("variants", []):
            assert f"`{text}`" in md
    for table_id in codebook.all_table_specs():
        assert f"`{table_id}`" in md
    assert html.lstrip().lower().startswith("<!doctype html>")
    first = sha(tmp_path / "data_dictionary.md"), sha(tmp_path / "data_dictionary.html")
    run(capsys, "dictionary", "--out-dir", str(tmp_path), "--config", str(CONFIG))
    assert (sha(tmp_path / "data_dictionary.md"), sha(tmp_path / "data_dictionary.html")) == first


def test_dictionary_shows_band_overrides(tmp_path, capsys):
    config = tmp_path / "config.yaml"
    raw = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    raw["bands"] = {"age_group": {"bands": [["18-29", "[18, 29]"], ["30 and over", "[30, inf)"]]}}
    config.write_text(yaml.safe_dump(raw), encoding="utf-8")
    assert run(capsys, "dictionary", "--out-dir", str(tmp_path), "--config", str(config))[0] == 0
    md = (tmp_path / "data_dictionary.md").read_text(encoding="utf-8")
    row = next(line for line in md.splitlines() if line.startswith("| `age_group`"))
    assert "overridden in config" in row and "30 and over `[30, inf)`" in row
    assert "25-29" not in row


def test_summary_frame_has_data_quality_log_columns(tmp_path):
    path = write_tracker(tmp_path / "t.xlsx")
    summary = validate_all(CONFIG, [str(path)])
    frame = summary.to_frame()
    assert list(frame.columns) == [
        "severity",
        "source",
        "file",
        "message",
        "sheet",
        "row",
        "column",
        "value",
        "expected",
        "check",
    ]
    assert summary.ok
    assert isinstance(frame, pd.DataFrame) and len(frame) == len(summary.findings)


@pytest.mark.pipeline
def test_validate_finds_what_the_pipeline_logs(tmp_path, monkeypatch):
    """`validate` and the pipeline's read steps report the same findings for the example data."""
    from workflow import copy_project, snakemake

    workdir = copy_project(tmp_path / "project")
    finding_files = [
        "data/processed/audit/findings_case_tracker.csv",
        "data/processed/surveys/read/mothers_t1_findings.csv",
        "data/processed/surveys/read/mothers_t2_findings.csv",
        "data/processed/surveys/read/practitioners_y1_findings.csv",
        "data/processed/surveys/audit/mothers_cutoff_findings.csv",
        "data/processed/qualitative/read_findings.csv",
        "data/processed/activity/read_findings.csv",
    ]
    snakemake(workdir, *finding_files)
    logged = pd.concat(
        [pd.read_csv(workdir / f, dtype=str, keep_default_na=False) for f in finding_files],
        ignore_index=True,
    )
    monkeypatch.chdir(workdir)
    summary = validate_all("config.yaml")

    def key(severity, file, sheet, row, column, message):
        return (
            severity,
            file,
            sheet or "",
            str(row or "").removesuffix(".0"),
            column or "",
            message,
        )

    from_pipeline = sorted(
        key(r.severity, r.file, r.sheet, r.row, r.column, r.message)
        for r in logged.itertuples(index=False)
    )
    from_validate = sorted(
        key(f.severity, f.file, f.sheet, f.row, f.column, f.message) for f in summary.findings
    )
    assert from_validate == from_pipeline
    assert len(from_validate) > 0


def test_config_problems_are_usage_errors(tmp_path, capsys):
    bands = tmp_path / "bands.yaml"
    bands.write_text('bands:\n  age_group:\n    bands: [["18+", "[18, x]"]]\n', encoding="utf-8")
    code, out = run(capsys, "dictionary", "--config", str(bands), "--out-dir", str(tmp_path))
    assert code == 2 and "config key 'bands'" in out and "[18, x]" in out
    dates = tmp_path / "dates.yaml"
    dates.write_text('valid_date_range: ["2030-01-01", "2015-01-01"]\n', encoding="utf-8")
    out_file = tmp_path / "p.xlsx"
    code, out = run(capsys, "proforma", "--prison", "P", str(out_file), "--config", str(dates))
    assert code == 2 and "valid_date_range" in out
    assert not out_file.exists()
