"""A published file that no rule of the study writes any more stops the run, named.

A table or figure removed from the codebook (or renamed) used to leave its
last file in ``report/tables/`` or ``figures/``: Snakemake never touches a
file no rule names, so a reader took it for a current result.
"""

from __future__ import annotations

import pytest
from workflow import copy_project, snakemake

from evaluation.core.stale import StaleOutputError, stale_outputs, stop_on_stale_outputs


def test_stale_outputs_lists_files_no_rule_writes(tmp_path):
    (tmp_path / "tables").mkdir()
    for name in ("age_group.csv", "old_table.csv", "notes.txt"):
        (tmp_path / "tables" / name).write_text("x", encoding="utf-8")
    (tmp_path / "tables" / "folder.csv").mkdir()  # a folder is not a published file
    expected = [(tmp_path / "tables" / "age_group.csv").as_posix()]
    found = stale_outputs(tmp_path / "tables", ("*.csv",), expected)
    assert found == [(tmp_path / "tables" / "old_table.csv").as_posix()]
    assert stale_outputs(tmp_path / "nowhere", ("*.csv",), []) == []


def test_a_stale_file_stops_naming_it_and_the_current_ones_pass(tmp_path):
    folder = tmp_path / "figures"
    folder.mkdir()
    current = folder / "fig_age.png"
    current.write_bytes(b"png")
    published = {str(folder): (("*.png", "*.svg"), [current.as_posix()])}
    stop_on_stale_outputs(published)  # nothing stale
    (folder / "fig_dropped.svg").write_bytes(b"svg")
    with pytest.raises(StaleOutputError, match="fig_dropped.svg") as stopped:
        stop_on_stale_outputs(published)
    assert "fig_age.png" not in str(stopped.value)


@pytest.mark.pipeline
def test_a_table_and_figure_left_from_an_older_codebook_stop_the_run(tmp_path):
    workdir = copy_project(tmp_path / "project")
    snakemake(workdir, "-n")  # a fresh study plans
    (workdir / "report/tables/needs_2022.csv").write_text("row,column,n\n", encoding="utf-8")
    (workdir / "figures/fig_needs_2022.png").write_bytes(b"\x89PNG")
    done = snakemake(workdir, "-n", check=False)
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert "report/tables/needs_2022.csv" in output and "figures/fig_needs_2022.png" in output
    (workdir / "report/tables/needs_2022.csv").unlink()
    (workdir / "figures/fig_needs_2022.png").unlink()
    snakemake(workdir, "-n")  # once deleted, the study plans again
