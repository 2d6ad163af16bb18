"""The release bundle: ACRO's results.json, checksums SACRO-Viewer can check, and summary.md."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from evaluation.release_bundle import (
    ACRO_FORMAT_VERSION,
    verify_release_bundle,
    write_release_bundle,
)

SETTINGS = {
    "min_cell": 5,
    "review_threshold": 5,
    "timestamp": "2023-12-31T00:00:00",
    "title": "Prison social-work pilot",
    "synthetic": True,
    "package_version": "0.1.0",
}


def audit(suppressed=0, narrowest=None, narrow=(), small=()):
    return {
        "suppressed_cells": suppressed,
        "narrowest_interval": narrowest,
        "narrow_cells": list(narrow),
        "small_unsuppressed": list(small),
    }


@pytest.fixture
def outputs(tmp_path) -> list[dict]:
    """Four outputs, one of each status, their files under tmp_path/src."""
    src = tmp_path / "src"
    (src / "tables").mkdir(parents=True)
    (src / "figures").mkdir()
    files = {
        "tables/age_group.csv": "row,column,n\n18-24,A,\n25-34,A,12\n",
        "tables/staff_minutes.csv": "row,column,minutes\nvisit,A,3\n",
        "tables/contact.csv": "row,column,n\nYes,A,6\n",
        "figures/referrals.png": "\x89PNG not really",
    }
    for name, text in files.items():
        (src / name).write_text(text, encoding="utf-8")
    return [
        {
            "id": "age_group",
            "type": "table",
            "files": [str(src / "tables/age_group.csv")],
            "status": "pass",
            "cells": 21,
            "suppressed_primary": 2,
            "suppressed_secondary": 3,
            "flagged": 2,
            "audit": audit(5, 6.0),
            "reason": "",
            "summary": "Age group by prison",
        },
        {
            "id": "staff_minutes",
            "type": "table",
            "files": [str(src / "tables/staff_minutes.csv")],
            "status": "exempt",
            "cells": 3,
            "suppressed_primary": 0,
            "suppressed_secondary": 0,
            "flagged": 0,
            "audit": audit(),
            "reason": "minutes of staff time, not people",
            "summary": "Staff time per visit",
        },
        {
            "id": "contact",
            "type": "table",
            "files": [str(src / "tables/contact.csv")],
            "status": "fail",
            "cells": 4,
            "suppressed_primary": 1,
            "suppressed_secondary": 0,
            "flagged": 1,
            "audit": audit(1, 0.0, narrow=[[0, 2]]),
            "reason": "",
            "summary": "Contact at start",
        },
        {
            "id": "referrals",
            "type": "figure",
            "files": [str(src / "figures/referrals.png")],
            "status": "review",
            "reason": "",
            "summary": "Referrals by month",
        },
    ]


def load(results_json: Path) -> dict:
    return json.loads(results_json.read_text(encoding="utf-8"))


def test_results_json_has_version_one_entry_per_output_and_acro_statuses(tmp_path, outputs):
    data = load(write_release_bundle(tmp_path / "bundle", outputs, settings=SETTINGS))
    assert data["version"] == ACRO_FORMAT_VERSION
    results = data["results"]
    assert list(results) == ["age_group", "staff_minutes", "contact", "referrals"]
    assert {k: r["status"] for k, r in results.items()} == {
        "age_group": "pass",
        "staff_minutes": "review",  # exempt -> review: a checker must look at it
        "contact": "fail",
        "referrals": "review",
    }
    exempt = results["staff_minutes"]
    assert "minutes of staff time, not people" in exempt["exception"]
    assert exempt["properties"]["status"] == "exempt"
    assert results["age_group"]["exception"] == ""
    # the viewer shows summary's first "; " part as the status
    assert [r["summary"].split("; ")[0] for r in results.values()] == [
        r["status"] for r in results.values()
    ]
    sdc = results["age_group"]["files"][0]["sdc"]
    assert sdc["summary"]["threshold"] == 2 and sdc["summary"]["suppressed"] is True
    assert results["age_group"]["properties"]["audit"]["narrowest_interval"] == 6.0
    assert results["referrals"]["files"][0]["sdc"] == {}
    assert {r["timestamp"] for r in results.values()} == {SETTINGS["timestamp"]}


def test_every_listed_file_exists_with_a_matching_checksum(tmp_path, outputs):
    out = tmp_path / "bundle"
    results = load(write_release_bundle(out, outputs, settings=SETTINGS))["results"]
    names = [f["name"] for r in results.values() for f in r["files"]]
    assert names == ["age_group.csv", "staff_minutes.csv", "contact.csv", "referrals.png"]
    for name in names:
        # SACRO-Viewer compares the checksum file's text exactly: no newline
        recorded = (out / "checksums" / f"{name}.txt").read_text(encoding="utf-8")
        assert recorded == hashlib.sha256((out / name).read_bytes()).hexdigest()
    assert (out / "age_group.csv").read_bytes() == Path(outputs[0]["files"][0]).read_bytes()
    assert verify_release_bundle(out) == []


def test_tampered_and_deleted_files_are_reported(tmp_path, outputs):
    out = tmp_path / "bundle"
    write_release_bundle(out, outputs, settings=SETTINGS)
    (out / "contact.csv").write_text("row,column,n\nYes,A,2\n", encoding="utf-8")
    (out / "referrals.png").unlink()
    problems = verify_release_bundle(out)
    assert len(problems) == 2
    assert "contact.csv" in problems[0] and "checksum" in problems[0]
    assert "referrals.png" in problems[1] and "missing" in problems[1]


def test_tampered_summary_and_missing_version_are_reported(tmp_path, outputs):
    out = tmp_path / "bundle"
    results_json = write_release_bundle(out, outputs, settings=SETTINGS)
    (out / "summary.md").write_text("all fine\n", encoding="utf-8")
    data = load(results_json)
    del data["version"]
    results_json.write_text(json.dumps(data), encoding="utf-8")
    problems = verify_release_bundle(out)
    assert any("no version" in p for p in problems)
    assert any(p.startswith("summary.md") for p in problems)


def test_same_input_gives_byte_identical_bundles(tmp_path, outputs):
    first = tmp_path / "one"
    second = tmp_path / "two" / "nested"
    write_release_bundle(first, outputs, settings=SETTINGS)
    write_release_bundle(second, outputs, settings=SETTINGS)

    def contents(root: Path) -> dict[str, bytes]:
        return {
            p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()
        }

    one, two = contents(first), contents(second)
    assert "results.json" in one and "checksums/results.json.txt" in one
    assert one == two
    assert one["results.json"].endswith(b"}\n")


def test_different_timestamp_changes_the_bundle(tmp_path, outputs):
    write_release_bundle(tmp_path / "a", outputs, settings=SETTINGS)
    later = {**SETTINGS, "timestamp": "2024-01-01T00:00:00"}
    write_release_bundle(tmp_path / "b", outputs, settings=later)
    assert (tmp_path / "a/results.json").read_bytes() != (tmp_path / "b/results.json").read_bytes()


def test_colliding_basenames_are_kept_apart(tmp_path, outputs):
    for wave in ("wave1", "wave2"):
        (tmp_path / wave).mkdir()
        (tmp_path / wave / "summary.csv").write_text(f"row,n\n{wave},10\n", encoding="utf-8")
    extra = [
        {
            "id": wave,
            "type": "table",
            "files": [str(tmp_path / wave / "summary.csv")],
            "status": "pass",
            "summary": wave,
        }
        for wave in ("wave1", "wave2")
    ]
    out = tmp_path / "bundle"
    results = load(write_release_bundle(out, outputs + extra, settings=SETTINGS))["results"]
    assert results["wave1"]["files"][0]["name"] == "wave1_summary.csv"
    assert results["wave2"]["files"][0]["name"] == "wave2_summary.csv"
    assert (out / "wave1_summary.csv").read_text(encoding="utf-8") == "row,n\nwave1,10\n"
    assert (out / "wave2_summary.csv").read_text(encoding="utf-8") == "row,n\nwave2,10\n"
    assert results["age_group"]["files"][0]["name"] == "age_group.csv"  # unshared: unchanged
    assert verify_release_bundle(out) == []


def test_an_output_named_like_a_bundle_file_is_renamed(tmp_path, outputs):
    (tmp_path / "results.json").write_text('{"n": 3}\n', encoding="utf-8")
    facts = {
        "id": "key_facts",
        "type": "key_facts",
        "files": [str(tmp_path / "results.json")],
        "status": "pass",
        "summary": "Key facts",
    }
    out = tmp_path / "bundle"
    data = load(write_release_bundle(out, [*outputs, facts], settings=SETTINGS))
    assert data["results"]["key_facts"]["files"][0]["name"] == "key_facts_results.json"
    assert data["version"] == ACRO_FORMAT_VERSION


def test_summary_marks_synthetic_data_only_when_asked(tmp_path, outputs):
    write_release_bundle(tmp_path / "synthetic", outputs, settings=SETTINGS)
    write_release_bundle(tmp_path / "real", outputs, settings={**SETTINGS, "synthetic": False})
    synthetic = (tmp_path / "synthetic/summary.md").read_text(encoding="utf-8")
    real = (tmp_path / "real/summary.md").read_text(encoding="utf-8")
    assert "SYNTHETIC" in synthetic
    assert "SYNTHETIC" not in real.upper()
    real_results = load(tmp_path / "real/results.json")["results"]
    assert not any("SYNTHETIC" in c for r in real_results.values() for c in r["comments"])
    assert "| `age_group` | table | pass | pass | 21 | 5 | 6.0 |" in real
    assert "- `staff_minutes`: minutes of staff time, not people" in real
    assert "Minimum cell size (`min_cell`): 5" in real


def test_refuses_a_non_empty_folder_and_an_exempt_output_without_reason(tmp_path, outputs):
    out = tmp_path / "bundle"
    out.mkdir()
    (out / "stale.csv").write_text("x\n", encoding="utf-8")
    with pytest.raises(FileExistsError):
        write_release_bundle(out, outputs, settings=SETTINGS)
    outputs[1]["reason"] = "  "
    with pytest.raises(ValueError, match="reason"):
        write_release_bundle(tmp_path / "other", outputs, settings=SETTINGS)
    assert not (tmp_path / "other").exists()  # nothing written before the inputs are checked
