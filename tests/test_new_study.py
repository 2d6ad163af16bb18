"""evaluation new-study: the starter folder is complete, refuses a non-empty folder, and runs."""

from __future__ import annotations

import pytest

from evaluation.cli import main
from evaluation.new_study import FolderNotEmpty, starter_files, write_new_study


def test_the_starter_has_config_codebook_data_template_and_readme():
    files = set(starter_files())
    assert {
        "config.yaml",
        "codebook/register.yaml",
        "codebook/validation.yaml",
        "data/raw/records.csv",
        "report/templates/report.md.j2",
        "README.md",
    } <= files


def test_new_study_writes_every_starter_file_and_the_output_folders(tmp_path):
    folder = tmp_path / "my-study"
    written = write_new_study(folder)
    assert sorted(p.relative_to(folder).as_posix() for p in written) == sorted(starter_files())
    assert (folder / "data/processed").is_dir() and (folder / "report/tables").is_dir()


def test_new_study_refuses_a_folder_with_files(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(FolderNotEmpty):
        write_new_study(tmp_path)
    assert main(["new-study", str(tmp_path)]) == 2
    assert "is not empty" in capsys.readouterr().err
    assert (tmp_path / "notes.txt").read_text() == "mine"  # nothing overwritten


def test_the_starter_validates_without_findings(tmp_path, monkeypatch):
    from evaluation.core import codebook
    from evaluation.validate import validate_all

    folder = tmp_path / "study"
    write_new_study(folder)
    monkeypatch.chdir(folder)
    try:
        summary = validate_all("config.yaml")  # reads the study's codebook from now on
    finally:
        codebook.use_codebook(None)
    assert not summary.errors and not summary.warnings
    assert [check.rows_read for check in summary.checks] == [6]
