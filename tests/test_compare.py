"""`evaluation diff` and `evaluation baseline` (evaluation.compare) on small inline runs."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from evaluation.cli import main
from evaluation.compare import compare_runs, key_columns, read_table, render_html

AGE = """row,column,n,denominator,pct
18-24,Send,2,10,20
18-24,Total,5,20,25
25-29,Send,8,10,80
25-29,Total,15,20,75
"""
KNOWN = """row,column,n,denominator,pct
Yes,Send,3,10,30
Yes,Total,6,20,30
No,Send,7,10,70
No,Total,14,20,70
"""
RATINGS = """item,column,n,mean,sd,median
involvement_rating,T1,12,4.86,2.31,5
"""
FACTS = """fact,column,n,denominator,pct
two_plus_children,Total,15,20,75
"""
AGREEMENT = """theme,double_coded_segments,coded_by_either,agreement,kappa,alpha
Staying connected,24,3,100,1,
Being heard,24,7,83.3,0.495,
"""


def tables(**changes: str | None) -> dict[str, str]:
    """The published tables of a small run, with some replaced (None: left out)."""
    base = {
        "age_group": AGE,
        "known_to_social_services": KNOWN,
        "mothers_ratings": RATINGS,
        "key_facts": FACTS,
        "intercoder_agreement": AGREEMENT,
    }
    base.update(changes)
    return {name: text for name, text in base.items() if text is not None}


def make_run(
    folder: Path, published: dict[str, str], cutoff: str = "2023-12-31", raw: str = "abc"
) -> Path:
    """A study folder after a run: published tables and the manifest (no processed data)."""
    (folder / "report" / "tables").mkdir(parents=True)
    (folder / "report" / "build").mkdir(parents=True)
    (folder / "figures").mkdir()
    for name, text in published.items():
        (folder / "report" / "tables" / f"{name}.csv").write_text(text, encoding="utf-8")
    manifest = {
        "config": {"cutoff_date": cutoff},
        "cutoff_date": cutoff,
        "inputs": {"data/raw/case_tracker/send.xlsx": hashlib.sha256(raw.encode()).hexdigest()},
        "outputs": {},
        "packages": {"evaluation": "0.2.0"},
        "git": {"short": "unknown"},
    }
    (folder / "report" / "build" / "manifest.json").write_text(json.dumps(manifest))
    return folder


def add_records(folder: Path, mothers: list[tuple[str, str]], reviews: list[str]) -> None:
    """Processed data: mothers (case id, first contact), reviews (case id each) and a ledger."""
    processed = folder / "data" / "processed"
    (processed / "audit").mkdir(parents=True)
    pd.DataFrame(
        {
            "prison": ["Send"] * len(mothers),
            "case_id": [c for c, _ in mothers],
            "first_contact_date": pd.to_datetime([d for _, d in mothers]),
            "age_group": ["25-29"] * len(mothers),
        }
    ).to_parquet(processed / "mothers.parquet")
    pd.DataFrame({"case_id": reviews, "review": range(len(reviews))}).to_parquet(
        processed / "reviews.parquet"
    )
    (processed / "audit" / "ledger.csv").write_text(
        "source,file,sheet,unit,step,outcome,reason,rows\n"
        f"case_tracker,send.xlsx,Baseline,mother,cut-off,used,,{len(mothers)}\n",
        encoding="utf-8",
    )


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def hashes(*folders: Path) -> dict[str, str]:
    return {
        str(p): hashlib.sha256(p.read_bytes()).hexdigest()
        for folder in folders
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def two_runs(tmp_path):
    def build(a: dict[str, str], b: dict[str, str], **manifest_b) -> tuple[Path, Path]:
        return make_run(tmp_path / "a", a), make_run(tmp_path / "b", b, **manifest_b)

    return build


# --------------------------------------------------------------------------- diff


def test_identical_runs_exit_0_with_no_differences(two_runs, capsys):
    a, b = two_runs(tables(), tables())
    code, out = run(capsys, "diff", str(a), str(b))
    assert code == 0, out
    assert "no differences" in out
    assert "Table" not in out


def test_changed_count_is_reported_with_its_difference(two_runs, capsys):
    a, b = two_runs(
        tables(),
        tables(known_to_social_services=KNOWN.replace("Yes,Send,3,10,30", "Yes,Send,4,10,40")),
    )
    code, out = run(capsys, "diff", str(a), str(b))
    assert code == 1
    assert "Table known_to_social_services (rows keyed by row / column)" in out
    assert "changed  Yes / Send: n 3 -> 4 (+1); pct 30 -> 40 (+10)" in out
    assert "age_group" not in out.split("Summary")[1].split("Table")[1]


def test_numeric_differences_of_percentages_and_statistics(two_runs, capsys):
    ratings = RATINGS.replace("4.86,2.31", "5.09,1.95")
    facts = FACTS.replace("15,20,75", "14,20,70")
    a, b = two_runs(tables(), tables(mothers_ratings=ratings, key_facts=facts))
    code, out = run(capsys, "diff", str(a), str(b))
    assert code == 1
    assert "involvement_rating / T1: mean 4.86 -> 5.09 (+0.23); sd 2.31 -> 1.95 (-0.36)" in out
    assert "Key facts (rows keyed by fact / column)" in out
    assert "two_plus_children / Total: n 15 -> 14 (-1); pct 75 -> 70 (-5)" in out
    # a tolerance ignores the small differences, not the others
    code, out = run(capsys, "diff", str(a), str(b), "--tolerance", "0.5")
    assert code == 1
    assert "mean" not in out and "n 15 -> 14" in out
    code, out = run(capsys, "diff", str(a), str(b), "--tolerance", "-1")
    assert code == 2


def test_same_number_written_differently_is_no_difference(two_runs, capsys):
    a, b = two_runs(tables(), tables(key_facts=FACTS.replace(",75\n", ",75.0\n")))
    code, out = run(capsys, "diff", str(a), str(b))
    assert code == 0, out


def test_added_row_and_removed_row(two_runs, capsys):
    age = AGE + "45 and over,Send,1,10,10\n"
    known = KNOWN.replace("No,Total,14,20,70\n", "")
    a, b = two_runs(tables(), tables(age_group=age, known_to_social_services=known))
    code, out = run(capsys, "diff", str(a), str(b))
    assert code == 1
    assert "added    45 and over / Send: n 1, denominator 10, pct 10" in out
    assert "removed  No / Total: n 14, denominator 20, pct 70" in out


def test_added_and_removed_tables_and_columns(two_runs, capsys):
    a, b = two_runs(
        tables(),
        tables(
            intercoder_agreement=None,
            family_size=AGE,
            mothers_ratings="item,column,n,mean,sd,median,iqr\n"
            "involvement_rating,T1,12,4.86,2.31,5,2\n",
        ),
    )
    code, out = run(capsys, "diff", str(a), str(b))
    assert code == 1
    assert "Table intercoder_agreement: removed in B (2 rows in A)" in out
    assert "Table family_size: added in B (4 rows)" in out
    assert "columns added: iqr" in out
    assert "1 added, 1 removed" in out


def test_suppressed_cells_are_shown_as_suppressed_never_as_numbers(two_runs, capsys):
    hidden = KNOWN.replace("Yes,Send,3,10,30", "Yes,Send,,10,")
    a, b = two_runs(tables(), tables(known_to_social_services=hidden))
    code, out = run(capsys, "diff", str(a), str(b))
    assert code == 1
    line = next(li for li in out.splitlines() if "Yes / Send" in li)
    assert line.strip() == "changed  Yes / Send: n 3 -> suppressed; pct 30 -> suppressed"
    # suppressed in both runs: nothing to compare, so no difference
    a2, b2 = make_run(a.parent / "a2", tables(known_to_social_services=hidden)), b
    code, out = run(capsys, "diff", str(a2), str(b2))
    assert code == 0, out
    # a suppressed row that is added says so, with no number for it
    added = AGE + "45 and over,Send,,10,\n"
    a3 = make_run(a.parent / "a3", tables())
    b3 = make_run(a.parent / "b3", tables(age_group=added))
    code, out = run(capsys, "diff", str(a3), str(b3))
    assert "added    45 and over / Send: n suppressed, denominator 10, pct suppressed" in out


def test_tables_of_another_shape_are_keyed_by_a_unique_text_column(tmp_path):
    table = read_table(
        make_run(tmp_path / "r", tables()) / "report/tables/intercoder_agreement.csv"
    )
    assert key_columns(table.header, [table]) == ["theme"]
    changed = AGREEMENT.replace("83.3,0.495", "87.5,0.6")
    result = compare_runs(
        tmp_path / "r", make_run(tmp_path / "s", tables(intercoder_agreement=changed))
    )
    (diff,) = [t for t in result.tables if t.table == "intercoder_agreement" and t.differs]
    assert [r.key for r in diff.changed] == [("Being heard",)]
    assert [(c.column, c.difference) for c in diff.changed[0].changes] == [
        ("agreement", "+4.2"),
        ("kappa", "+0.105"),
    ]


def test_cut_off_and_data_version_are_compared(two_runs, capsys):
    a, b = two_runs(tables(), tables(), cutoff="2022-05-31", raw="other")
    code, out = run(capsys, "diff", str(a), str(b))
    assert code == 1
    assert "Cut-off date: 2023-12-31 -> 2022-05-31 (changed)" in out
    assert "(the raw files differ)" in out
    a, b = make_run(a.parent / "c", tables()), make_run(a.parent / "d", tables())
    code, out = run(capsys, "diff", str(a), str(b))
    assert code == 0
    assert "cut-off 2023-12-31" in out


def test_base_of_the_mothers_tables_is_stated_once(two_runs, capsys):
    grown = {
        "age_group": AGE.replace(",20,", ",30,").replace("15,30,75", "25,30,83.3"),
        "known_to_social_services": KNOWN.replace(",20,", ",30,"),
    }
    a, b = two_runs(tables(), tables(**grown))
    add_records(a, [(f"SE-{i:03d}", "2022-01-01") for i in range(20)], [])
    add_records(b, [(f"SE-{i:03d}", "2022-01-01") for i in range(30)], [])
    code, out = run(capsys, "diff", str(a), str(b))
    assert code == 1
    assert (
        "Number of mothers (data/processed/mothers.parquet): Total 20 -> 30 (+10); Send 10 -> 10"
        in out
    )
    assert "base of 2 outputs: age_group, known_to_social_services" in out


def test_records_moved_in_and_out_are_listed_for_raw_data_users_only(two_runs, capsys):
    a, b = two_runs(tables(), tables(), cutoff="2023-12-31")
    manifest = json.loads((a / "report/build/manifest.json").read_text())
    manifest["cutoff_date"] = "2022-05-31"
    (a / "report/build/manifest.json").write_text(json.dumps(manifest))
    add_records(
        a,
        [("SE-001", "2021-05-01"), ("SE-002", "2021-06-01"), ("SE-009", "2022-01-01")],
        ["SE-001"],
    )
    add_records(
        b,
        [("SE-001", "2021-05-01"), ("SE-002", "2021-06-01"), ("SE-003", "2023-02-01")],
        ["SE-001", "SE-001", "SE-002"],
    )
    code, out = run(capsys, "diff", str(a), str(b))
    assert code == 1
    records = out.split("Records that moved into or out of the run")[1]
    assert "RESTRICTED" in records and "people with access to the raw data" in records
    assert "new case: first contact after A's cut-off (2022-05-31) (1):" in records
    assert "SE-003  (Send, first contact 2023-02-01)" in records
    assert "no longer included: not in B's run" in records and "SE-009" in records
    assert "SE-001: 1 -> 2 (+1)" in records  # a new review
    assert "first records in reviews of cases already in A's run (1):" in records
    assert "mother / cut-off / used: 3 -> 3" not in records  # the ledger is the same
    code, out = run(capsys, "diff", str(a), str(b), "--no-records")
    assert "SE-003" not in out and "RESTRICTED" not in out


def test_html_is_self_contained_and_escapes_every_value(two_runs, tmp_path, capsys):
    hostile = KNOWN.replace("Yes,Send,3", "<script>alert(1)</script>,Send,3")
    changed = hostile.replace(
        "<script>alert(1)</script>,Send,3,10,30", '<script>alert(1)</script>,Send,4,10,"40"'
    )
    a, b = two_runs(
        tables(known_to_social_services=hostile), tables(known_to_social_services=changed)
    )
    out_file = tmp_path / "out" / "diff.html"
    code, _ = run(capsys, "diff", str(a), str(b), "--html", str(out_file))
    assert code == 1
    page = out_file.read_text(encoding="utf-8")
    assert "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    for external in ("http:", "https:", "src=", "href=", "@import", "url("):
        assert external not in page
    result = compare_runs(a, b)
    assert "<script" not in render_html(result)


def test_diff_never_writes_into_the_runs(two_runs, tmp_path, capsys):
    a, b = two_runs(tables(), tables(age_group=AGE.replace("2,10,20", "3,10,30")))
    add_records(a, [("SE-001", "2021-05-01")], ["SE-001"])
    add_records(b, [("SE-001", "2021-05-01"), ("SE-002", "2021-06-01")], ["SE-001"])
    before = hashes(a, b)
    code, _ = run(capsys, "diff", str(a), str(b), "--html", str(tmp_path / "elsewhere.html"))
    assert code == 1
    for folder in (a / "report/tables", a / "report/build", b / "figures", b / "report"):
        code, out = run(capsys, "diff", str(a), str(b), "--html", str(folder / "diff.html"))
        assert code == 2, out
        assert "will not write" in out
    assert hashes(a, b) == before
    assert not list(a.rglob("*.html")) and not list(b.rglob("*.html"))


def test_a_folder_that_is_not_a_run_is_a_usage_problem(tmp_path, capsys):
    run_b = make_run(tmp_path / "b", tables())
    code, out = run(capsys, "diff", str(tmp_path / "missing"), str(run_b))
    assert code == 2 and "is not a folder" in out
    (tmp_path / "empty").mkdir()
    code, out = run(capsys, "diff", str(tmp_path / "empty"), str(run_b))
    assert code == 2 and "neither a study folder" in out


@pytest.mark.parametrize("command", ["diff", "baseline"])
def test_help(command, capsys):
    with pytest.raises(SystemExit) as stop:
        main([command, "--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: evaluation {command}") and "exit codes" in out


# --------------------------------------------------------------------------- baseline


def test_baseline_copies_the_published_files_and_refuses_to_overwrite(tmp_path, capsys):
    study = make_run(tmp_path / "study", tables())
    before = hashes(study / "report/tables", study / "report/build")
    code, out = run(capsys, "baseline", "interim", "--study", str(study))
    assert code == 0, out
    saved = study / "report/baselines/interim"
    for name in tables():
        assert (saved / "tables" / f"{name}.csv").read_bytes() == (
            study / "report/tables" / f"{name}.csv"
        ).read_bytes()
    assert (saved / "manifest.json").read_bytes() == (
        study / "report/build/manifest.json"
    ).read_bytes()
    assert hashes(study / "report/tables", study / "report/build") == before
    # the saved baseline is a run: equal to the study now, different after a change
    code, out = run(capsys, "diff", str(saved), str(study))
    assert code == 0 and "no differences" in out
    assert "a saved baseline keeps published files only" in out
    (study / "report/tables/age_group.csv").write_text(AGE.replace("2,10,20", "3,10,30"))
    code, out = run(capsys, "diff", str(saved), str(study))
    assert code == 1 and "n 2 -> 3 (+1)" in out
    # an existing baseline is kept unless --force
    code, out = run(capsys, "baseline", "interim", "--study", str(study))
    assert code == 2 and "already exists" in out
    assert (saved / "tables/age_group.csv").read_text() == AGE
    code, out = run(capsys, "baseline", "interim", "--study", str(study), "--force")
    assert code == 0, out
    assert (saved / "tables/age_group.csv").read_text() != AGE


def test_baseline_by_name_from_the_study_folder(tmp_path, capsys, monkeypatch):
    study = make_run(tmp_path / "study", tables())
    monkeypatch.chdir(study)
    assert run(capsys, "baseline", "final")[0] == 0
    code, out = run(capsys, "diff", "final", ".")
    assert code == 0, out
    code, out = run(capsys, "diff", "final", ".", "--html", "report/diff.html")
    assert code == 2
    assert not (study / "report/diff.html").exists()


def test_baseline_needs_a_run_and_a_plain_name(tmp_path, capsys):
    (tmp_path / "fresh").mkdir()
    code, out = run(capsys, "baseline", "interim", "--study", str(tmp_path / "fresh"))
    assert code == 2 and "run snakemake" in out
    study = make_run(tmp_path / "study", tables())
    for name in ("../escape", "a/b", ".hidden"):
        code, out = run(capsys, "baseline", name, "--study", str(study))
        assert code == 2, name
    assert not (tmp_path / "escape").exists()
