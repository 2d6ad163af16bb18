"""Config settings the data contradict stop the run with a finding, and `evaluation validate` agrees.

Held-out cases cfg_bands_gap and cfg_primary_coder_unknown: a ``bands:``
override that leaves values in no band, and a ``qualitative: primary_coder``
nobody coded as, raised a bare ValueError (a traceback) in the run while
`evaluation validate` accepted the files.
"""

from __future__ import annotations

from bad_inputs.cases import qualitative, tracker
from bad_inputs.parity import pipeline_verdict, study_config, validate_verdict

from evaluation.validate import validate_all


def _same_stop(cfg, tmp_path):
    steps = pipeline_verdict(cfg, tmp_path / "steps")
    checked = validate_verdict(cfg)
    assert steps.verdict == "stop", steps.describe()
    assert (checked.verdict, checked.errors) == (steps.verdict, steps.errors), (
        f"pipeline: {steps.describe()}\nvalidate: {checked.describe()}"
    )
    return validate_all(cfg).errors


def test_a_bands_override_leaving_ages_uncovered_names_the_config_key(tmp_path):
    (tmp_path / "case").mkdir()
    cfg = study_config("read_case_tracker", tracker()(tmp_path / "case"))
    cfg["bands"] = {"age_group": {"bands": [["18-29", "[18, 29]"]]}}
    (finding,) = _same_stop(cfg, tmp_path)
    assert finding.file == "config.yaml"
    # the two started mothers are 31 and 40: summarised, not listed
    assert finding.message.startswith(
        "config key 'bands: age_group' leaves 2 value(s) of column 'age' in no band "
        "(values from 31 to 40)"
    )
    assert "18-29 [18, 29]" in finding.message
    assert "cover every value of 'age'" in finding.expected
    assert "remove 'bands: age_group'" in finding.expected


def test_the_codebook_bands_cover_the_example_ages_without_an_override(tmp_path):
    (tmp_path / "case").mkdir()
    cfg = study_config("read_case_tracker", tracker()(tmp_path / "case"))
    cfg.pop("bands", None)
    assert pipeline_verdict(cfg, tmp_path / "steps").verdict != "stop"


def test_an_unknown_primary_coder_is_a_config_error_not_a_traceback(tmp_path):
    (tmp_path / "case").mkdir()
    cfg = study_config("read_qualitative", qualitative()(tmp_path / "case"))
    cfg["qualitative"]["primary_coder"] = "KMM"
    (finding,) = _same_stop(cfg, tmp_path)
    assert (finding.file, finding.value) == ("config.yaml", "KMM")
    assert "config key 'qualitative: primary_coder'" in finding.message
    assert finding.expected.startswith("one of the coders in the data: HT, KM")


def test_a_known_primary_coder_in_another_case_is_accepted(tmp_path):
    (tmp_path / "case").mkdir()
    cfg = study_config("read_qualitative", qualitative()(tmp_path / "case"))
    cfg["qualitative"]["primary_coder"] = "km"
    assert pipeline_verdict(cfg, tmp_path / "steps").verdict != "stop"
    assert not [f for f in validate_all(cfg).errors if f.file == "config.yaml"]


def test_overlapping_bands_in_the_config_name_the_key(tmp_path):
    (tmp_path / "case").mkdir()
    cfg = study_config("read_case_tracker", tracker()(tmp_path / "case"))
    cfg["bands"] = {"age_group": {"bands": [["18-35", "[18, 35]"], ["30+", "[30, inf)"]]}}
    (finding,) = _same_stop(cfg, tmp_path)
    assert finding.file == "config.yaml"
    assert finding.message.startswith("config key 'bands: age_group' cannot be used: ")
    assert "overlap" in finding.message
