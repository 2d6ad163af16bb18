"""A failed run leaves no output of an earlier run looking current, and the next run fails again.

Found by a held-out corpus: after a good run, a case id reused for another
woman in a second prison's workbook stopped the run; Snakemake deleted that
step's outputs, but the tables, figures and report made from them stayed,
so the next run found them up to date and finished with exit 0, printing
the new data version over the old results.
"""

from __future__ import annotations

import os
import time

import openpyxl
from workflow import copy_project, snakemake

from evaluation.core.stale import OUTPUT_FOLDERS, run_errors, withdraw_outputs


def files_under(workdir, folders=OUTPUT_FOLDERS) -> list[str]:
    return sorted(
        str(path.relative_to(workdir))
        for folder in folders
        for path in (workdir / folder).rglob("*")
        if path.is_file()
    )


def test_withdraw_outputs_empties_the_output_folders_and_keeps_the_rest(tmp_path):
    (tmp_path / "report/build/context").mkdir(parents=True)
    (tmp_path / "report/build/context/strand.json").write_text("{}", encoding="utf-8")
    (tmp_path / "report/build/report.html").write_text("<p>", encoding="utf-8")
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures/fig.png").write_bytes(b"png")
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs/read.log").write_text("why it failed", encoding="utf-8")
    deleted = withdraw_outputs([tmp_path / f for f in OUTPUT_FOLDERS])
    assert deleted == 3
    assert files_under(tmp_path) == []
    assert (tmp_path / "report/build").is_dir() and (tmp_path / "logs/read.log").exists()


def reuse_case_id(workbook, old: str, new: str) -> None:
    """Give case ``old`` the id ``new`` on every sheet of ``workbook`` (as a typing slip would)."""
    book = openpyxl.load_workbook(workbook)
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value == old:
                    cell.value = new
    book.save(workbook)


def test_after_a_failed_run_nothing_old_is_left_and_the_next_run_fails_again(tmp_path):
    workdir = copy_project(tmp_path / "project")
    snakemake(workdir)
    assert "report/build/report.html" in files_under(workdir)
    # a different woman of Eastwood Park already has EP-005
    reuse_case_id(workdir / "data/raw/case_tracker/send.xlsx", "SE-003", "EP-005")
    first = snakemake(workdir, check=False)
    assert first.returncode != 0
    assert "EP-005" in first.stdout + first.stderr  # the reader names the clash
    assert "were withdrawn" in first.stderr
    summary = first.stderr.split("What stopped the run:")[-1]  # repeated last, where it is read
    assert "EP-005" in summary and "case_id is used in more than one workbook" in summary
    assert files_under(workdir) == []  # no table, figure or report of the earlier run
    second = snakemake(workdir, check=False)
    assert second.returncode != 0  # not a "success" on old results
    assert "EP-005" in second.stdout + second.stderr
    assert files_under(workdir, ("report/tables", "report/build", "figures")) == []


def test_run_errors_repeats_this_runs_logged_errors_once_each(tmp_path):
    logs = tmp_path / "logs"
    (logs / "read").mkdir(parents=True)
    old = logs / "old.log"
    old.write_text("ERROR: from an earlier run\n", encoding="utf-8")
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    started = time.time() - 1
    (logs / "read/send.log").write_text(
        "INFO evaluation: step\nERROR: send.xlsx, row 4: clash\nERROR: send.xlsx, row 4: clash\n",
        encoding="utf-8",
    )
    assert run_errors(started, logs) == ["ERROR: send.xlsx, row 4: clash"]
    assert run_errors(started, tmp_path / "nowhere") == []
