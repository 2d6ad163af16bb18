"""A config key the pipeline does not read, or writes twice, stops the run instead of being ignored.

Found by a held-out corpus of misconfigured studies: ``cut_off_date`` ran with
the default census date, ``min_cells: 5`` published with no suppression, and a
second ``cutoff_date`` line silently replaced the first.
"""

from __future__ import annotations

import pytest
import yaml
from workflow import REPO, copy_project, snakemake

from evaluation.core.config import ConfigError, load_config_file, validate_config


def example_config() -> dict:
    return yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (
            lambda c: c.update(cut_off_date=c.pop("cutoff_date")),
            ["'cut_off_date'", "'cutoff_date'"],
        ),
        (
            lambda c: c["disclosure"].update(min_cells=5),
            ["config key 'disclosure'", "'min_cells'", "did you mean 'min_cell'"],
        ),
        (lambda c: c.update(reprot={"title": "x"}), ["'reprot'", "did you mean 'report'"]),
        (lambda c: c.update(notes="mine"), ["'notes'", "The keys it reads there"]),
    ],
)
def test_a_misspelt_or_unknown_key_stops_naming_the_key_meant(edit, words):
    config = example_config()
    edit(config)
    with pytest.raises(ConfigError) as stopped:
        validate_config(config)
    assert all(word in str(stopped.value) for word in words), str(stopped.value)


def test_every_example_study_uses_only_known_keys():
    for path in (
        REPO / "config.yaml",
        REPO / "examples/recurrent-care-mapping/config.yaml",
        REPO / "src/evaluation/starter/config.yaml",
    ):
        validate_config(load_config_file(path))  # no key unknown, none written twice


def test_a_key_written_twice_stops_with_both_lines(tmp_path):
    text = (REPO / "config.yaml").read_text(encoding="utf-8")
    path = tmp_path / "config.yaml"
    path.write_text(text + '\ncutoff_date: "2022-05-31"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as stopped:
        load_config_file(path)
    first = 1 + next(
        i for i, line in enumerate(text.splitlines()) if line.startswith("cutoff_date")
    )
    assert f"'cutoff_date' twice (lines {first} and" in str(stopped.value)
    nested = tmp_path / "nested.yaml"
    nested.write_text("disclosure:\n  min_cell: 5\n  min_cell: null\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="'min_cell' twice"):
        load_config_file(nested)


def test_two_groups_naming_one_workbook_stop():
    config = example_config()
    config["case_trackers"]["Styal"] = config["case_trackers"]["Send"]
    with pytest.raises(ConfigError, match="'case_trackers: Send' and 'case_trackers: Styal'"):
        validate_config(config)


def test_a_duplicate_key_in_config_yaml_stops_the_run(tmp_path):
    workdir = copy_project(tmp_path / "project")
    config = workdir / "config.yaml"
    config.write_text(
        config.read_text(encoding="utf-8") + '\ncutoff_date: "2022-05-31"\n', encoding="utf-8"
    )
    done = snakemake(workdir, "-n", check=False)
    assert done.returncode != 0
    assert "writes the key 'cutoff_date' twice" in done.stdout + done.stderr
