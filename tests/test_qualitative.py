"""Qualitative strand: readers of every format, theme matrix, cut-off, quotes, joint display, guard."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
import reference_figures as ref

from evaluation.core.codebook import normalise_text
from evaluation.core.findings import DataValidationError, FindingLog, Ledger, ledger_balance
from evaluation.core.identifiers import read_disallowed_names, scan_text
from evaluation.strands.qualitative import analysis, steps
from evaluation.strands.qualitative import read as readers

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "data" / "raw" / "qualitative"
PRISONS = ["Eastwood Park", "Send"]
VALID_RANGE = ["2015-01-01", "2030-12-31"]
OUTPUT_KEYS = [
    "theme_matrix",
    "intercoder_agreement",
    "quote_bank",
    "joint_display",
    "context",
    "integration_context",
    "ledger",
    "findings",
]


def run_pipeline(
    tmp_path: Path,
    source: Path,
    cutoff: str,
    *,
    primary_coder=None,
    fmt="tidy",
    coded_segments=None,
    participant_map=None,
    max_words=60,
) -> dict[str, Path]:
    """The read and tables rules' steps into tmp_path; returns the output paths."""
    work = tmp_path / "work"
    work.mkdir(parents=True, exist_ok=True)
    coded = coded_segments or str(source / "coded_segments.csv")
    # a mapping is one Taguette export per coder, as the rule passes it
    coders = list(coded) if isinstance(coded, dict) else []
    names = [str(source / "disallowed_names.txt")]
    read = {name: str(work / f"{name}.parquet") for name in ("themes", "participants", "segments")}
    audit = {"findings": str(work / "read_findings.csv"), "ledger": str(work / "read_ledger.csv")}
    steps.qualitative_read(
        SimpleNamespace(
            themes=str(source / "themes.csv"),
            participants=str(source / "participants.csv"),
            segments=list(coded.values()) if coders else [coded],
            participant_map=[participant_map] if participant_map else [],
            disallowed_names=names,
        ),
        SimpleNamespace(**read, **audit),
        SimpleNamespace(fmt=fmt, coders=coders, prisons=PRISONS, valid_date_range=VALID_RANGE),
    )
    outputs = {k: work / f"{k}.{'json' if 'context' in k else 'csv'}" for k in OUTPUT_KEYS}
    steps.qualitative_tables(
        SimpleNamespace(
            **read,
            **audit,
            integration=str(source / "integration.yaml"),
            disallowed_names=names,
        ),
        SimpleNamespace(**{k: str(v) for k, v in outputs.items()}),
        SimpleNamespace(
            cutoff=cutoff,
            primary_coder=primary_coder,
            quote_max_words=max_words,
            participants_file=str(source / "participants.csv"),
        ),
    )
    return outputs


def write(path: Path, text: str, *, bom: bool = False) -> Path:
    path.write_text(("\ufeff" if bom else "") + text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- inline fixture

THEMES = """theme,label,parent,description
A,Theme A,,parent theme
A1,Sub-theme A1,A,one level down
B,Theme B,,another theme
"""
PARTICIPANTS = """participant_id,group,prison,interview_date,rounds
M1,Mother in prison,Eastwood Park,03/02/2022,1
M2, mother in prison ,send,2022-03-04,1
C1,Carer,,5.4.22,1;2
M3,Mother in prison,Send,01/06/2022,2
"""
SEGMENTS = """segment_id,participant_id,theme,coder,excerpt,exemplar
s1,M1,A1,P,She helped me with the letters.,Yes
s2,M1,a1,P,We talked about the children.,No
s3,M2,A,P,I had a say in the plan.,yes
s3,M2,B,Q,I had a say in the plan.,No
s4,C1,B,P,The visits were easier to arrange.,Y
s5,M3,A,P,Release was the hardest part.,Yes
"""
INTEGRATION = """research_questions:
  - id: RQ1
    quantitative: [mother_needs]
    themes: [A, A1]
    meta_inference: confirms
    sentence: Both strands agree.
  - id: rq2
    quantitative: mothers_support, not_a_result
    themes: [B]
    meta_inference: Discordant
    sentence: They disagree.
"""


@pytest.fixture
def inline(tmp_path) -> Path:
    source = tmp_path / "source"
    source.mkdir()
    write(source / "themes.csv", THEMES, bom=True)
    write(source / "participants.csv", PARTICIPANTS)
    write(source / "coded_segments.csv", SEGMENTS, bom=True)
    write(source / "integration.yaml", INTEGRATION)
    write(source / "disallowed_names.txt", "Jane Doe\n")
    return source


def test_theme_matrix_on_inline_fixture(tmp_path, inline):
    out = run_pipeline(tmp_path, inline, "2022-05-31")
    matrix = pd.read_csv(out["theme_matrix"])
    cells = {(r.row, r.column): (r.n, r.denominator) for r in matrix.itertuples()}
    # Mothers in prison at the cut: M1, M2 (M3 interviewed after it); carers: C1.
    # A counts M2 only (M1's codes are on the sub-theme A1, which a parent row does not include);
    # A1 counts M1 once although she has two segments; Q's code B for M2 does not count.
    assert cells == {
        ("Theme A", "Mother in prison"): (1, 2),
        ("Theme A", "Carer"): (0, 1),
        ("Sub-theme A1", "Mother in prison"): (1, 2),
        ("Sub-theme A1", "Carer"): (0, 1),
        ("Theme B", "Mother in prison"): (0, 2),
        ("Theme B", "Carer"): (1, 1),
    }
    assert matrix["row"].drop_duplicates().tolist() == ["Theme A", "Sub-theme A1", "Theme B"]
    assert matrix["pct"].tolist() == [50.0, 0.0, 50.0, 0.0, 0.0, 100.0]
    assert matrix.loc[matrix["row"] == "Sub-theme A1", "parent"].unique().tolist() == ["Theme A"]
    context = json.loads(out["context"].read_text())
    assert context["primary_coder"] == "P"
    assert context["participants_by_group"] == {"Mother in prison": 2, "Carer": 1}
    assert context["interviews_by_group"] == {"Mother in prison": 2, "Carer": 2}
    assert context["participants_after_cutoff"] == 1


def test_cutoff_exclusion_is_counted_in_the_ledger(tmp_path, inline):
    out = run_pipeline(tmp_path, inline, "2022-05-31")
    ledger = pd.read_csv(out["ledger"], keep_default_na=False)
    cut = ledger[ledger["step"] == "cut-off"]
    excluded = cut[cut["outcome"] == "excluded"].set_index("unit")["rows"]
    assert excluded.to_dict() == {"participant": 1, "segment code": 1}
    assert ledger_balance(ledger)["balanced"].all()
    later = run_pipeline(tmp_path, inline, "2022-12-31")
    ledger = pd.read_csv(later["ledger"], keep_default_na=False)
    assert not ((ledger["step"] == "cut-off") & (ledger["outcome"] == "excluded")).any()
    matrix = pd.read_csv(later["theme_matrix"])
    assert matrix.query("row == 'Theme A' and column == 'Mother in prison'")["n"].item() == 2


def test_configured_primary_coder_changes_the_counts(tmp_path, inline):
    out = run_pipeline(tmp_path, inline, "2022-05-31", primary_coder="q")
    matrix = pd.read_csv(out["theme_matrix"])
    assert matrix["n"].sum() == 1  # Q coded only s3 (M2, theme B)
    with pytest.raises(ValueError, match="primary_coder"):
        run_pipeline(tmp_path, inline, "2022-05-31", primary_coder="nobody")


def test_unknown_participant_and_theme_are_errors_naming_line_column_value(tmp_path, inline):
    bad = SEGMENTS + "s6,Zoe,A,P,Some words.,No\ns7,M1,nonsense,P,More words.,No\n"
    write(inline / "coded_segments.csv", bad)
    with pytest.raises(DataValidationError) as caught:
        run_pipeline(tmp_path, inline, "2022-05-31")
    message = str(caught.value)
    assert "coded_segments.csv, row 8, column 'participant_id'" in message and "'Zoe'" in message
    assert "coded_segments.csv, row 9, column 'theme'" in message and "'nonsense'" in message
    assert "More words" not in message  # excerpts are never printed


def test_bad_participant_rows_are_errors(tmp_path, inline):
    write(inline / "participants.csv", PARTICIPANTS + "X1,Visitor,Holloway,31/02/2022,1;x\n")
    with pytest.raises(DataValidationError) as caught:
        run_pipeline(tmp_path, inline, "2022-05-31")
    message = str(caught.value)
    for column in ("group", "prison", "interview_date", "rounds"):
        assert f"row 6, column '{column}'" in message


def test_bad_integration_entries_are_errors_and_unknown_results_warnings(tmp_path, inline):
    out = run_pipeline(tmp_path, inline, "2022-05-31")
    joint = pd.read_csv(out["joint_display"], keep_default_na=False)
    assert joint["research_question"].tolist() == ["RQ1", "RQ2"]
    assert joint["meta_inference"].tolist() == ["Confirms", "Discordant"]
    assert (
        joint.loc[0, "themes"]
        == "Theme A (1 of 3 participants); Sub-theme A1 (1 of 3 participants)"
    )
    assert joint.loc[1, "quantitative"] == "mothers_support; not_a_result"
    findings = pd.read_csv(out["findings"], keep_default_na=False)
    assert "not_a_result" in findings["value"].tolist()
    assert set(findings.loc[findings["check"] == "coverage", "value"]) == {
        f"RQ{i}" for i in range(3, 9)
    }
    write(
        inline / "integration.yaml",
        INTEGRATION.replace("[B]", "[Z9]").replace("confirms", "agrees"),
    )
    with pytest.raises(DataValidationError) as caught:
        run_pipeline(tmp_path, inline, "2022-05-31")
    assert "'Z9'" in str(caught.value) and "'agrees'" in str(caught.value)


def test_quote_bank_attribution_order_and_length_limit(tmp_path, inline):
    out = run_pipeline(tmp_path, inline, "2022-12-31", max_words=4)
    quotes = pd.read_csv(out["quote_bank"])
    # exemplars of the primary coder P: s1 (A1), s3 (A), s4 (B), s5 (A); themes in codebook order
    assert quotes["segment_id"].tolist() == ["s3", "s5", "s1", "s4"]
    assert quotes["participant"].tolist() == [
        "M2, mother in prison",
        "M3, mother in prison",
        "M1, mother in prison",
        "C1, carer",
    ]
    assert quotes.loc[0, "excerpt"] == "I had a say [...]"
    assert quotes["shortened"].tolist() == [True, True, True, True]
    assert quotes["words"].tolist() == [7, 5, 6, 6]


def test_planted_identifiers_stop_the_run_naming_the_segment(tmp_path, inline):
    write(
        inline / "coded_segments.csv",
        SEGMENTS.replace(
            "We talked about the children.", "Email me at someone@example.com please."
        ),
    )
    with pytest.raises(DataValidationError) as caught:
        run_pipeline(tmp_path, inline, "2022-05-31")
    message = str(caught.value)
    assert "segment s2" in message and "e-mail address" in message and "example.com" not in message
    write(inline / "coded_segments.csv", SEGMENTS.replace("I had a say", "Jane Doe had a say"))
    with pytest.raises(DataValidationError) as caught:
        run_pipeline(tmp_path, inline, "2022-05-31")
    message = str(caught.value)
    assert "segment s3" in message and "disallowed_names.txt" in message and "Jane" not in message


# --------------------------------------------------------------------------- example data


@pytest.fixture(scope="module")
def example_outputs(tmp_path_factory):
    base = tmp_path_factory.mktemp("example")
    return {cut: run_pipeline(base / cut, EXAMPLE, cut) for cut in (ref.INTERIM_CUT, ref.FINAL_CUT)}


def _day_first(text: str) -> pd.Timestamp:
    """'2022-05-10', '10/05/2022' and '10.5.22' are all 10 May 2022."""
    if "-" in text:
        return pd.Timestamp(text)
    day, month, year = (int(x) for x in text.replace(".", "/").split("/"))
    return pd.Timestamp(year + 2000 if year < 100 else year, month, day)


def _independent_matrix(cutoff: str) -> dict[tuple[str, str], tuple[int, int]]:
    """Theme matrix recomputed from the raw CSVs with plain pandas (no package code)."""
    themes = pd.read_csv(EXAMPLE / "themes.csv", encoding="utf-8-sig")
    people = pd.read_csv(EXAMPLE / "participants.csv", encoding="utf-8-sig")
    people["participant_id"] = people["participant_id"].str.strip()
    people["group"] = people["group"].str.strip().str.capitalize()
    people["date"] = people["interview_date"].map(_day_first)
    people = people[people["date"] <= pd.Timestamp(cutoff)]
    codes = pd.read_csv(EXAMPLE / "coded_segments.csv", encoding="utf-8-sig")
    codes["theme"] = codes["theme"].str.lower()
    primary = codes.groupby("coder")["segment_id"].nunique().sort_index().idxmax()
    codes = codes[
        (codes["coder"] == primary) & codes["participant_id"].isin(people["participant_id"])
    ]
    codes = codes.merge(people[["participant_id", "group"]], on="participant_id")
    sizes = people.groupby("group").size()
    label = dict(zip(themes["theme"], themes["label"], strict=True))
    counts = codes.groupby(["theme", "group"])["participant_id"].nunique()
    return {
        (label[t], g): (int(counts.get((t, g), 0)), int(sizes[g]))
        for t in themes["theme"]
        for g in sizes.index
    }


@pytest.mark.parametrize("cutoff", [ref.INTERIM_CUT, ref.FINAL_CUT])
def test_theme_matrix_on_example_data_matches_an_independent_count(example_outputs, cutoff):
    matrix = pd.read_csv(example_outputs[cutoff]["theme_matrix"])
    got = {(r.row, r.column): (r.n, r.denominator) for r in matrix.itertuples()}
    assert got == _independent_matrix(cutoff)


def test_example_participants_match_the_interim_round(example_outputs):
    published = ref.QUALITATIVE_INTERIM
    context = json.loads(example_outputs[ref.INTERIM_CUT]["context"].read_text())
    assert context["participants_by_group"] == published["participants_by_group"]
    for group, n in published["interviews_by_group"].items():
        assert context["interviews_by_group"][group] == n, group
    final = json.loads(example_outputs[ref.FINAL_CUT]["context"].read_text())
    assert final["participants_total"] > context["participants_total"]
    # about a fifth of the primary coder's segments are double-coded
    assert 15 <= final["double_coded_pct"] <= 25
    assert 0.4 < final["alpha"] < 0.95


def test_example_quote_bank_passes_the_guard_and_is_complete(example_outputs):
    out = example_outputs["2023-12-31"]
    quotes = pd.read_csv(out["quote_bank"])
    names = read_disallowed_names(EXAMPLE / "disallowed_names.txt")
    assert len(quotes) > 20
    assert all(scan_text(t, names) == [] for t in quotes["excerpt"])
    assert all(len(t.split()) <= 61 for t in quotes["excerpt"])  # 60 words + the marker
    assert quotes["participant"].str.match(r"^[\w-]+, [a-z ]+$").all()
    assert quotes["shortened"].any()
    context = json.loads(out["context"].read_text())
    shown = [q["excerpt"] for block in context["report_quotes"] for q in block["quotes"]]
    assert set(shown) <= set(quotes["excerpt"])


def test_example_joint_display_covers_all_questions(example_outputs):
    joint = pd.read_csv(example_outputs["2023-12-31"]["joint_display"], keep_default_na=False)
    assert joint["research_question"].tolist() == [f"RQ{i}" for i in range(1, 9)]
    assert set(joint["meta_inference"]) <= {"Confirms", "Expands", "Discordant"}
    assert all(joint["themes"] != "") and all(joint["explanation"] != "")
    integration = json.loads(example_outputs["2023-12-31"]["integration_context"].read_text())
    assert sum(m["n"] for m in integration["meta_inferences"]) == 8


def test_example_outputs_are_deterministic(tmp_path, example_outputs):
    again = run_pipeline(tmp_path, EXAMPLE, "2023-12-31")
    for key in OUTPUT_KEYS:
        assert again[key].read_bytes() == example_outputs["2023-12-31"][key].read_bytes(), key


def test_planted_email_in_example_data_stops_the_run(tmp_path):
    source = tmp_path / "planted"
    shutil.copytree(EXAMPLE, source)
    codes = pd.read_csv(
        source / "coded_segments.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig"
    )
    target = codes.loc[40, "segment_id"]
    codes.loc[40, "excerpt"] = "You can write to anna.k@mail.co.uk about it."
    codes.to_csv(source / "coded_segments.csv", index=False, encoding="utf-8-sig")
    with pytest.raises(DataValidationError) as caught:
        run_pipeline(tmp_path, source, "2023-12-31")
    assert f"segment {target}" in str(caught.value) and "anna.k" not in str(caught.value)


# --------------------------------------------------------------------------- tool exports


def _comparable(segments: pd.DataFrame) -> set[tuple]:
    return {
        (r.participant_id, r.theme, r.coder, normalise_text(r.excerpt), bool(r.exemplar))
        for r in segments.itertuples()
    }


def _double_coding(segments: pd.DataFrame) -> set[frozenset]:
    by_text = segments.groupby(["participant_id", "segment_id"])["coder"].agg(frozenset)
    return {(key[0], coders) for key, coders in by_text.items()}


@pytest.fixture(scope="module")
def tidy_subset():
    log, ledger = FindingLog("t"), Ledger()
    themes = readers.read_themes(EXAMPLE / "themes.csv", log, ledger)
    people = readers.read_participants(EXAMPLE / "participants.csv", log, ledger, prisons=PRISONS)
    segments = readers.read_segments_tidy(
        EXAMPLE / "coded_segments.csv", people, themes, log, ledger
    )
    assert not log.errors
    mapping = readers.read_participant_map(
        EXAMPLE / "examples" / "participant_map.csv", people, log
    )
    subset = segments[segments["participant_id"].isin(set(mapping.values()))]
    return themes, people, mapping, subset


def test_qualcoder_export_reads_into_the_same_tidy_form(tidy_subset):
    themes, people, mapping, subset = tidy_subset
    log, ledger = FindingLog("t"), Ledger()
    got = readers.read_qualcoder(
        EXAMPLE / "examples" / "qualcoder_coded_text.csv", mapping, people, themes, log, ledger
    )
    assert not log.errors
    assert _comparable(got) == _comparable(subset)
    assert _double_coding(got) == {
        (p, c)
        for (p, _), c in subset.groupby(["participant_id", "segment_id"])["coder"]
        .agg(frozenset)
        .items()
    }
    assert ledger_balance(ledger.to_frame())["balanced"].all()


def test_taguette_exports_read_into_the_same_tidy_form(tidy_subset):
    themes, people, mapping, subset = tidy_subset
    log, ledger = FindingLog("t"), Ledger()
    exports = {c: EXAMPLE / "examples" / f"taguette_highlights_{c}.csv" for c in ("KM", "HT")}
    got = readers.read_taguette(exports, mapping, people, themes, log, ledger)
    assert not log.errors
    assert _comparable(got) == _comparable(subset)
    assert len(got["segment_id"].unique()) == len(subset["segment_id"].unique())
    assert ledger_balance(ledger.to_frame())["balanced"].all()


def test_tool_export_pipeline_gives_the_tidy_matrix(tmp_path):
    """The QualCoder export of four participants gives their rows of the tidy theme matrix."""
    source = tmp_path / "src"
    shutil.copytree(EXAMPLE, source)
    tidy = pd.read_csv(source / "coded_segments.csv", encoding="utf-8-sig")
    keep = {"Bethan", "Amira", "CP1", "SW1"}
    tidy[tidy["participant_id"].isin(keep)].to_csv(source / "subset.csv", index=False)
    a = run_pipeline(
        tmp_path / "a", source, "2023-12-31", coded_segments=str(source / "subset.csv")
    )
    b = run_pipeline(
        tmp_path / "b",
        source,
        "2023-12-31",
        fmt="qualcoder",
        coded_segments=str(source / "examples" / "qualcoder_coded_text.csv"),
        participant_map=str(source / "examples" / "participant_map.csv"),
    )
    assert a["theme_matrix"].read_bytes() == b["theme_matrix"].read_bytes()


def test_unmapped_document_is_an_error(tidy_subset, tmp_path):
    themes, people, mapping, _ = tidy_subset
    export = write(
        tmp_path / "t.csv",
        "id,document,tag,content\n1,Unknown doc,voice,Some text\n2,Bethan transcript,???,Text\n",
    )
    log, ledger = FindingLog("t"), Ledger()
    readers.read_taguette({"KM": export}, mapping, people, themes, log, ledger)
    rendered = [f.render() for f in log.errors]
    assert any("row 2, column 'document'" in r and "'Unknown doc'" in r for r in rendered)
    assert any("row 3, column 'tag'" in r and "'???'" in r for r in rendered)


def test_windows_1252_csv_is_read_with_a_warning(tmp_path):
    path = tmp_path / "themes.csv"
    path.write_bytes("theme,label,parent,description\nT,Caf\xe9 talk,,x\n".encode("cp1252"))
    log, ledger = FindingLog("t"), Ledger()
    themes = readers.read_themes(path, log, ledger)
    assert themes["label"].tolist() == ["Caf\u00e9 talk"]
    assert [f.check for f in log.warnings] == ["encoding"]


def test_theme_nesting_and_parent_errors(tmp_path):
    path = write(
        tmp_path / "themes.csv", "theme,label,parent\nA,One,\nA1,Two,A\nA2,Three,A1\nB,Four,Q\n"
    )
    log, ledger = FindingLog("t"), Ledger()
    readers.read_themes(path, log, ledger)
    rendered = " ".join(f.render() for f in log.errors)
    assert "row 4, column 'parent'" in rendered and "one level" in rendered
    assert "row 5, column 'parent'" in rendered and "'Q'" in rendered


def test_choose_primary_coder_ties_go_to_sort_order():
    segments = pd.DataFrame(
        {"segment_id": ["a", "b", "c", "d"], "coder": ["Zed", "Zed", "Amy", "Amy"]}
    )
    assert analysis.choose_primary_coder(segments) == "Amy"
    segments.loc[4] = ["e", "Zed"]
    assert analysis.choose_primary_coder(segments) == "Zed"
