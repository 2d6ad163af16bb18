"""The disclosure promise attacked from outside by an independent intruder (tests/intruder.py).

With ``disclosure: {min_cell: k}`` no count from 1 to k-1 may be learned from
anything a run publishes. The intruder reads only the published files and does
not share code with :mod:`evaluation.disclosure`.

- Unit layer (fast, no Snakemake): small published folders written inline show
  that the intruder finds what it must find (a cell recoverable from a Total, a
  small count in a table, a chart or the report's prose) and nothing that is
  protected or is not a count.
- Workflow layer (``-m pipeline``): one full run per k in a scratch copy of the
  repository, attacked with :func:`intruder.audit_project`.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import docx
import intruder
import pytest
from conftest import REPO

HEADER = "row,column,n,denominator,pct"


def publish(workdir: Path, tables: dict[str, str], report: str | None = None) -> Path:
    """Write tidy tables (and a report.md) in the published layout of a project folder."""
    folder = workdir / "report" / "tables"
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in tables.items():
        (folder / f"{name}.csv").write_text(textwrap.dedent(text).strip() + "\n")
    (workdir / "figures").mkdir(exist_ok=True)
    if report is not None:
        build = workdir / "report" / "build"
        build.mkdir(parents=True, exist_ok=True)
        (build / "report.md").write_text(textwrap.dedent(report).lstrip())
    return workdir


# Two prisons, rows A and B; true counts A: P1 3, P2 6; B: P1 7, P2 6.
ONE_SUPPRESSED = f"""
    {HEADER}
    A,P1,,10,
    A,P2,6,12,50
    A,Total,9,22,40.9
    B,P1,7,10,70
    B,P2,6,12,50
    B,Total,13,22,59.1
"""
COMPLEMENTARY = f"""
    {HEADER}
    A,P1,,10,
    A,P2,,12,
    A,Total,9,22,40.9
    B,P1,,10,
    B,P2,,12,
    B,Total,13,22,59.1
"""


# --------------------------------------------------------------------------
# Unit layer: the intruder itself
# --------------------------------------------------------------------------


def test_one_suppressed_cell_beside_visible_totals_is_recovered(tmp_path):
    publish(tmp_path, {"age_group": ONE_SUPPRESSED})
    found = intruder.recover_suppressed(tmp_path, 5)
    assert found == ["age_group row 'A' column 'P1' n: [3, 3]"]
    assert intruder.audit_project(tmp_path, 5)["recovered"] == found


def test_recovery_uses_the_total_column_alone(tmp_path):
    # Multi-response: a fully visible column adds up to more than its base, so the
    # rows are not tied to the denominator; the Total column still gives the cell away.
    publish(
        tmp_path,
        {
            "mother_needs": f"""
                {HEADER}
                A,P1,,10,
                A,P2,6,12,50
                A,Total,9,22,40.9
                B,P1,9,10,90
                B,P2,8,12,66.7
                B,Total,17,22,77.3
            """
        },
    )
    model = intruder.build_model(tmp_path)
    assert not any("add up to the base" in s for s in model.sources.values())
    assert intruder.recover_suppressed(tmp_path, 5) == [
        "mother_needs row 'A' column 'P1' n: [3, 3]"
    ]


def test_complementary_suppression_is_not_recovered(tmp_path):
    publish(tmp_path, {"age_group": COMPLEMENTARY})
    assert intruder.recover_suppressed(tmp_path, 5) == []
    # ... but the same pattern is too narrow for k = 10: each cell has only 8 values.
    assert len(intruder.recover_suppressed(tmp_path, 10)) == 4


def test_exact_intervals_of_the_complementary_pattern(tmp_path):
    publish(tmp_path, {"age_group": COMPLEMENTARY})
    found, notes = intruder.intervals(intruder.build_model(tmp_path))
    assert notes == []
    got = {intruder.describe(key): (i.low, i.high) for key, i in found.items()}
    assert got == {
        "age_group row 'A' column 'P1' n": (1, 8),
        "age_group row 'A' column 'P2' n": (1, 8),
        "age_group row 'B' column 'P1' n": (2, 9),
        "age_group row 'B' column 'P2' n": (4, 11),
    }


def test_suppressed_base_is_recovered_from_its_column(tmp_path):
    # Single-response (column P2 adds up to 12): P1's suppressed base = 3 + 2.
    publish(
        tmp_path,
        {
            "legal_status": f"""
                {HEADER}
                A,P1,3,,
                A,P2,6,12,50
                A,Total,9,,
                B,P1,2,,
                B,P2,6,12,50
                B,Total,8,,
            """
        },
    )
    found = intruder.recover_suppressed(tmp_path, 10)
    assert "legal_status (every row) column 'P1' denominator: [5, 5]" in found


def test_caseload_flow_recovers_a_month(tmp_path):
    # n(m) = n(m-1) + opened(m) - closed(m-1): the hidden February count follows.
    publish(
        tmp_path,
        {
            "caseload_by_month": """
                row,column,n,opened,closed
                2022-01,P1,20,20,0
                2022-01,Total,20,20,0
                2022-02,P1,,,0
                2022-02,Total,,,0
                2022-03,P1,26,3,0
                2022-03,Total,26,3,0
            """
        },
    )
    found = intruder.recover_suppressed(tmp_path, 5)
    assert "caseload_by_month row '2022-02' column 'P1' n: [23, 23]" in found
    assert "caseload_by_month row '2022-02' column 'P1' opened: [3, 3]" in found


def test_wai_completion_reasons_add_up_to_returned(tmp_path):
    # Returned = not met + no item + answered: "not met" is 30 - 0 - 27. The score rows
    # have a base of their own (empty beside the visible 30): never tied to 30.
    publish(
        tmp_path,
        {
            "wai_completion": f"""
                {HEADER}
                Questionnaires returned,T1,30,30,100
                Had not met the social worker,T1,,30,
                No WAI item answered,T1,0,30,0
                Answered at least one WAI item,T1,27,30,90
                Total score computed,T1,20,,
                Total not computed (items skipped),T1,7,,
            """
        },
    )
    found = intruder.recover_suppressed(tmp_path, 5)
    assert found == ["wai_completion row 'Had not met the social worker' column 'T1' n: [3, 3]"]


def test_sentence_length_base_is_legal_status_base_minus_remand(tmp_path):
    publish(
        tmp_path,
        {
            "legal_status": f"""
                {HEADER}
                Sentenced,P1,20,30,66.7
                Sentenced,P2,25,30,83.3
                Sentenced,Total,45,60,75
                Remand,P1,10,30,33.3
                Remand,P2,5,30,16.7
                Remand,Total,15,60,25
            """,
            "sentence_length": f"""
                {HEADER}
                Short,P1,,,
                Short,P2,15,25,60
                Short,Total,,,
                Long,P1,,,
                Long,P2,10,25,40
                Long,Total,,,
            """,
        },
    )
    model = intruder.build_model(tmp_path)
    found, _notes = intruder.intervals(model)
    base = found[("sentence_length", "", intruder.ALL_ROWS, "P1", "denominator")]
    assert (base.low, base.high) == (20, 20)
    assert intruder.recover_suppressed(tmp_path, 5) == [
        "sentence_length (every row) column 'P1' denominator: [20, 20]",
        "sentence_length (every row) column 'Total' denominator: [45, 45]",
    ]


def test_paired_change_parts_add_up_to_pairs(tmp_path):
    publish(
        tmp_path,
        {
            "mothers_paired_change": """
                item,comparison,pairs,n_lower,n_same,n_higher,method
                trust,T1-T2,21,,,9,
            """
        },
    )
    assert intruder.recover_suppressed(tmp_path, 5) == []  # lower + same = 12
    assert len(intruder.recover_suppressed(tmp_path, 12)) == 2


@pytest.mark.parametrize(
    ("tables", "expected"),
    [
        ({"age_group": f"{HEADER}\nA,P1,2,10,20"}, "age_group.csv row 'A' column 'P1' n=2"),
        (
            {"theme_matrix": f"{HEADER}\nVoice,Carer,0,2,0"},
            "theme_matrix.csv row 'Voice' column 'Carer' denominator=2",
        ),
        (
            {"key_facts": "fact,column,n,denominator,pct\nadoption,Send,4,46,8.7"},
            "key_facts.csv fact 'adoption' column 'Send' n=4",
        ),
        (
            {"caseload_by_month": "row,column,n,opened,closed\n2021-03,Send,12,3,0"},
            "caseload_by_month.csv row '2021-03' column 'Send' opened=3",
        ),
        (
            {"joint_display": "research_question,themes\nRQ1,Voice (3 of 26 participants)"},
            "joint_display.csv research_question 'RQ1' themes '(3 of 26 participants)': N=3",
        ),
    ],
    ids=["table-n", "denominator", "key-fact", "caseload", "joint-display"],
)
def test_visible_small_count_is_reported(tmp_path, tables, expected):
    publish(tmp_path, tables)
    assert intruder.small_visible_counts(tmp_path, 5) == [expected]


def test_zeros_large_counts_and_exempt_tables_are_not_reported(tmp_path):
    publish(
        tmp_path,
        {
            "age_group": f"{HEADER}\nA,P1,0,10,0\nA,P2,,12,\nA,Total,25,22,",
            "activity_minutes": f"{HEADER},entries\nMeeting,P1,2,3,66.7,1",
            "joint_display": "research_question,themes\nRQ1,Voice ([c] of 26 participants)",
        },
    )
    assert intruder.small_visible_counts(tmp_path, 5) == []


REPORT = """
    ---
    title: "3 mothers in the title are front matter"
    ---

    # Results

    In total 3 mothers were referred. Table 3 shows the figures for 2023 and Q3,
    and 3% of the cases were closed early. The work with
    2 women ended.

    | Category | Eastwood Park (n=3) |
    |:---|---:|
    | 3 mothers | 3 (5%) |
"""


def test_prose_count_is_reported_but_labels_years_and_percentages_are_not(tmp_path):
    publish(tmp_path, {}, report=REPORT)
    found = intruder.small_visible_counts(tmp_path, 5)
    assert [f.split(" in ")[0] for f in found] == [
        "report.md line 7: 3 ('3 mothers')",
        "report.md line 7: 2 ('2 women')",  # a sentence wrapped over two lines
    ]


@pytest.mark.parametrize(
    ("sentence", "value"),
    [
        ("2 children had a social worker.", 2),
        ("for 4 other women the work continued", 4),
        ("a contact plan was in place for 3 (12%) of them", 3),
        ("a score for 4 of the mothers", 4),
        ("Referrals not in the analysis: 2 referred but not started.", 2),
        ("1 test preview was not counted", 1),
        ("By the cut-off, 4 of 26 participants spoke about it", 4),
        ("Eastwood Park (n = 3)", 3),
        ("Table 3 and Figure 4 show 12 mothers in 2023 (Q3, T1, 3%, 1-10, 2.5).", None),
        ("z = 1.96; items 4, 6, 8 and 11; 1 = not at all, 10 = fully", None),
    ],
)
def test_prose_rule(sentence, value):
    small = [v for v, _ in intruder.prose_counts(sentence) if 1 <= v < 5]
    assert small == ([] if value is None else [value])


def test_html_docx_and_charts_are_read(tmp_path):
    publish(tmp_path, {"family_size": f"{HEADER}\n1 child,P1,40,80,50"})
    build = tmp_path / "report" / "build"
    build.mkdir(parents=True)
    (build / "report.html").write_text(
        "<html><body><p>In all <b>4</b>\nmothers took part.</p>"
        "<table><tr><td>1 child</td><td>40 (50%)</td></tr></table></body></html>"
    )
    document = docx.Document()
    document.add_paragraph("Only 2 practitioners answered.")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "1 child"
    table.cell(0, 1).text = "3 (4%)"
    document.save(build / "report.docx")
    (tmp_path / "figures" / "fig_x.svg").write_text(
        "<svg><!-- T1 (n = 4) --><!-- 1/[c] --><!-- 0/7 --><!-- 2023-11 -->"
        "<text>T1-T2 (3 pairs)</text></svg>"
    )
    found = intruder.small_visible_counts(tmp_path, 5)
    assert [f.split(" (")[0] for f in found] == [
        "report.html: 4",
        "report.docx: 2",
        "report.docx: 3",
        "figures/fig_x.svg: 3",
        "figures/fig_x.svg: 4",
        "figures/fig_x.svg: 1",
    ]


def test_empty_denominator_beside_visible_ones_is_no_base(tmp_path):
    # "Not applicable" has no denominator: it must not be tied to the others' base.
    publish(
        tmp_path,
        {
            "practitioner_agreement": """
                item,row,column,n,denominator,pct
                q1,Agree,Y1,6,8,75
                q1,Disagree,Y1,2,8,25
                q1,Not applicable,Y1,9,,
                q2,Agree,Y1,,,
                q2,Disagree,Y1,,,
                q2,Not applicable,Y1,,,
            """
        },
    )
    model = intruder.build_model(tmp_path)
    assert ("practitioner_agreement", "q2", "*", "Y1", "denominator") in model.lower
    for terms, _sense, _rhs in model.relations.values():
        assert ("practitioner_agreement", "q2", "Not applicable", "Y1", "n") not in terms


# --------------------------------------------------------------------------
# Workflow layer: the real pipeline with min_cell set
# --------------------------------------------------------------------------


@pytest.fixture(params=[5, 10], ids=lambda k: f"min_cell={k}")
def protected_project(request, protected_run):
    """The example project run with min_cell k (built once per session, see conftest)."""
    if not (REPO / "data/raw/case_tracker/eastwood_park.xlsx").exists():
        pytest.skip("example data not generated")
    return request.param, protected_run(request.param)


def finished(run) -> tuple[int, Path]:
    return run


@pytest.fixture
def third_prison_project(third_prison_run):
    return 10, third_prison_run


def listing(found: list[str], limit: int = 30) -> str:
    more = f"\n... and {len(found) - limit} more" if len(found) > limit else ""
    return "\n".join(found[:limit]) + more


@pytest.mark.pipeline
def test_no_small_count_is_visible(protected_project):
    k, workdir = finished(protected_project)
    found = intruder.small_visible_counts(workdir, k)
    assert not found, f"{len(found)} visible counts from 1 to {k - 1}:\n{listing(found)}"


@pytest.mark.pipeline
def test_no_suppressed_cell_is_recovered(protected_project):
    k, workdir = finished(protected_project)
    found = intruder.recover_suppressed(workdir, k)
    assert not found, f"{len(found)} suppressed cells narrower than {k}:\n{listing(found)}"


@pytest.mark.pipeline
def test_disclosure_log_passes_every_output(protected_project):
    k, workdir = finished(protected_project)
    log = json.loads((workdir / "report/build/disclosure_log.json").read_text())
    assert log["min_cell"] == k
    bad = [
        f"{entry['output']}: {entry['status']} {entry.get('audit')}"
        for entry in log["outputs"]
        if entry["status"] not in ("pass", "exempt")
    ]
    assert not bad, listing(bad)


@pytest.mark.pipeline
def test_the_third_small_prison_gives_nothing_away(third_prison_project):
    k, workdir = third_prison_project
    found = intruder.audit_project(workdir, k)
    assert found["small_visible"] == [], listing(found["small_visible"])
    assert found["recovered"] == [], listing(found["recovered"])


@pytest.mark.pipeline
def test_the_interim_cut_gives_nothing_away(interim_protected_run):
    """Fewer cases, smaller cells: where a key fact bounded by its base was once recoverable."""
    found = intruder.audit_project(interim_protected_run, 10)
    assert found["small_visible"] == [], listing(found["small_visible"])
    assert found["recovered"] == [], listing(found["recovered"])
    log = json.loads((interim_protected_run / "report/build/disclosure_log.json").read_text())
    assert {entry["status"] for entry in log["outputs"]} <= {"pass", "exempt"}


def write_workbook(workdir: Path, sheets: dict[str, list[list]]) -> None:
    """A tables workbook in the published layout: title, a note, then the header and rows."""
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    build = workdir / "report" / "build"
    build.mkdir(parents=True, exist_ok=True)
    book.save(build / "tables.xlsx")


def test_the_intruder_reads_the_tables_workbook_too(tmp_path):
    """Small counts in the workbook's sheets or its cover's words are found; [z] is no count."""
    workdir = publish(tmp_path, {"ages": f"{HEADER}\nA,P1,12,30,40\nA,P2,4,,\n"})
    write_workbook(
        workdir,
        {
            "Cover": [["A report"], ["Of the 3 mothers who withdrew, none is counted."]],
            "ages": [
                ["Ages"],
                ["This worksheet contains one table."],
                ["row", "column", "n", "denominator", "pct"],
                ["A", "P1", 12, 30, 40.0],
                ["A", "P2", 2, "[z]", "[z]"],  # differs from the CSV: a careless release
            ],
        },
    )
    found = intruder.small_visible_counts(workdir, 5)
    assert any(f.startswith("tables.xlsx sheet Cover: 3") for f in found), found
    assert any("tables.xlsx sheet ages" in f and "n=2" in f for f in found), found
    assert any(f.startswith("ages.csv") and "n=4" in f for f in found), found
    ages = intruder.read_tables(workdir)["ages"]
    assert list(ages["denominator"]) == ["30", intruder.NOT_APPLICABLE]  # [z]: not a count
