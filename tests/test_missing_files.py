"""A file the config names must exist: a missing one stops the run, even an optional file.

Before, a configured ``qualitative: disallowed_names`` (or ``participant_map``)
that did not exist was skipped without a word: quotes were then not checked
against the names, and a run could reuse the outputs of the last good one.
"""

from __future__ import annotations

import pytest
import yaml
from workflow import REPO, copy_project, snakemake

from evaluation.core.config import ConfigError, configured_files, stop_on_missing_files


def example_config() -> dict:
    return yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))


def test_configured_files_lists_every_file_key_of_the_example():
    keys = [key for key, _ in configured_files(example_config())]
    assert "case_trackers: Send" in keys
    assert "surveys: mothers: waves: T2" in keys
    assert "qualitative: disallowed_names" in keys and "activity: log" in keys
    assert "qualitative: participant_map" not in keys  # null: not configured


def test_the_example_names_no_missing_file():
    stop_on_missing_files(example_config(), REPO)


@pytest.mark.parametrize(
    ("section", "key", "value"),
    [
        ("qualitative", "disallowed_names", "data/raw/qualitative/names_typo.txt"),
        ("qualitative", "participant_map", "data/raw/qualitative/map.csv"),
        ("activity", "log", "data/raw/activity/diary_2024.xlsx"),
    ],
)
def test_a_missing_file_is_refused_naming_its_key_and_path(section, key, value):
    config = example_config()
    config[section][key] = value
    with pytest.raises(ConfigError, match=f"config key '{section}: {key}' names {value}"):
        stop_on_missing_files(config, REPO)


def test_a_missing_names_file_stops_the_run_before_any_job(tmp_path):
    workdir = copy_project(tmp_path / "project")
    snakemake(workdir, "-n")  # the study parses and plans
    done = snakemake(
        workdir,
        "--config",
        "qualitative={'disallowed_names': 'data/raw/qualitative/names_typo.txt'}",
        check=False,
    )
    assert done.returncode != 0
    assert "names_typo.txt, which does not exist" in done.stdout + done.stderr
