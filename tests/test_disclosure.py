"""Disclosure control over the whole release: the model, the audit, the suppression, each route.

Fast unit layer: no Snakemake run. Every route an intruder used against the
table-by-table control (issue: "Disclosure control that survives an
intruder") has a regression test here, built as a small inline release. The
audit's intervals are cross-checked against SciPy's ``linprog`` written out
independently in this file.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from evaluation.disclosure import FAIL, PASS, REVIEW, DisclosureSettings
from evaluation.disclosure.audit import feasible_intervals
from evaluation.disclosure.model import RelationError, Release, cell_key
from evaluation.disclosure.publish import WITHHELD, protect_outputs
from evaluation.disclosure.release import quarter_label
from evaluation.disclosure.suppress import audit_suppression, choose_suppression


def tidy(counts: dict[str, dict[str, int]], prisons=("A", "B")) -> pd.DataFrame:
    """A single-response table: row -> prison -> n, with Total column and column denominators."""
    bases = {p: sum(counts[r][p] for r in counts) for p in prisons}
    bases["Total"] = sum(bases.values())
    records = []
    for row, by_prison in counts.items():
        for column in [*prisons, "Total"]:
            n = sum(by_prison.values()) if column == "Total" else by_prison[column]
            records.append(
                {
                    "row": row,
                    "column": column,
                    "n": n,
                    "denominator": bases[column],
                    "pct": round(100 * n / bases[column], 1),
                }
            )
    return pd.DataFrame(records)


def protect(tables, k, *, facts=None, contexts=None, specs=None, fact_specs=None, numbers=None):
    facts = (
        facts
        if facts is not None
        else pd.DataFrame(columns=["fact", "column", "n", "denominator", "pct"])
    )
    return protect_outputs(
        tables,
        facts,
        contexts or {},
        DisclosureSettings(k, 5),
        table_specs=specs or {},
        fact_specs=fact_specs or {},
        report_numbers=numbers or {},
        project_start="2021-04-01",
    )


def scipy_interval(release: Release, suppressed: set, key) -> tuple[float, float]:
    """The same question as the audit, asked of scipy's linprog with every count a variable."""
    keys = sorted(release.values)
    index = {k: i for i, k in enumerate(keys)}
    a_eq, b_eq = [], []
    for eq in release.equalities:
        row = np.zeros(len(keys))
        for k, c in eq.terms.items():
            row[index[k]] = c
        a_eq.append(row)
        b_eq.append(eq.constant)
    a_ub, b_ub = [], []
    for rel in release.at_most:
        row = np.zeros(len(keys))
        row[index[rel.small]] += 1
        row[index[rel.large]] -= 1
        a_ub.append(row)
        b_ub.append(0)
    bounds = []
    for k in keys:
        if k in release.published and k not in suppressed:
            bounds.append((release.values[k], release.values[k]))  # the intruder sees it
        else:
            low = 1 if k in suppressed else release.lower_bounds.get(k, 0)
            bounds.append((max(low, release.lower_bounds.get(k, 0)), None))
    c = np.zeros(len(keys))
    c[index[key]] = 1
    kwargs = dict(A_eq=a_eq or None, b_eq=b_eq or None, A_ub=a_ub or None, b_ub=b_ub or None)
    low = linprog(c, bounds=bounds, method="highs", **kwargs)
    high = linprog(-c, bounds=bounds, method="highs", **kwargs)
    upper = math.inf if high.status == 3 else -high.fun
    return math.ceil(low.fun - 1e-6), upper if math.isinf(upper) else math.floor(upper + 1e-6)


def random_release(rng, rows, columns) -> tuple[Release, np.ndarray]:
    """A table with row and column totals (the shape of every case-tracker table)."""
    release = Release()
    counts = rng.integers(0, 14, size=(rows, columns))
    for i in range(rows):
        for j in range(columns):
            release.add(cell_key("t", f"r{i}", f"c{j}"), counts[i, j])
        release.add(cell_key("t", f"r{i}", "Total"), counts[i].sum())
        release.sum_to(
            [cell_key("t", f"r{i}", f"c{j}") for j in range(columns)],
            cell_key("t", f"r{i}", "Total"),
        )
    for j, column in [*enumerate(f"c{j}" for j in range(columns)), (None, "Total")]:
        value = counts.sum() if j is None else counts[:, j].sum()
        release.add(cell_key("t", "base", column, "denominator"), value)
        release.sum_to(
            [cell_key("t", f"r{i}", column) for i in range(rows)],
            cell_key("t", "base", column, "denominator"),
        )
    release.sum_to(
        [cell_key("t", "base", f"c{j}", "denominator") for j in range(columns)],
        cell_key("t", "base", "Total", "denominator"),
    )
    return release, counts


# -- the engine --------------------------------------------------------------


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("k", [5, 10])
def test_random_tables_never_leave_an_interval_narrower_than_k(seed, k):
    rng = np.random.default_rng(seed)
    release, _ = random_release(rng, int(rng.integers(2, 7)), int(rng.integers(2, 4)))
    result = choose_suppression(release, k)
    assert result.ok, (result.narrow, result.small_visible)
    assert not [
        key
        for key in release.published
        if 0 < release.values[key] < k and key not in result.suppressed
    ]
    for key, interval in result.intervals.items():
        assert interval.width >= k, key


@pytest.mark.parametrize("seed", range(8))
def test_audit_intervals_match_an_independent_scipy_linprog(seed):
    rng = np.random.default_rng(100 + seed)
    release, _ = random_release(rng, 4, 3)
    suppressed = {k for k in release.published if rng.random() < 0.3 and release.values[k] > 0}
    intervals = feasible_intervals(release, suppressed, integer=False)
    assert set(intervals) == suppressed
    for key, interval in intervals.items():
        low, high = scipy_interval(release, suppressed, key)
        assert (interval.low, interval.high) == (low, high), key


def test_integer_audit_is_never_wider_than_the_relaxation():
    rng = np.random.default_rng(7)
    release, _ = random_release(rng, 5, 3)
    suppressed = choose_suppression(release, 5).suppressed
    relaxed = feasible_intervals(release, suppressed, integer=False)
    exact = feasible_intervals(release, suppressed, integer=True)
    for key in exact:
        assert exact[key].low >= relaxed[key].low and exact[key].high <= relaxed[key].high


def test_a_relation_that_the_data_do_not_satisfy_is_left_out_and_recorded():
    strict = Release(strict=True)
    a = strict.add(cell_key("t", "a", "A"), 3)
    b = strict.add(cell_key("t", "b", "A"), 4)
    total = strict.add(cell_key("t", "total", "A"), 8)
    with pytest.raises(RelationError, match="does not hold"):
        strict.sum_to([a, b], total, "t: total")
    lenient = Release()  # the pipeline's: a false relation is no intruder's either
    for key, value in ((a, 3), (b, 4), (total, 8)):
        lenient.add(key, value)
    lenient.sum_to([a, b], total, "t: total")
    assert lenient.equalities == []
    assert lenient.skipped and lenient.skipped[0].startswith("t: total: relation")


def test_a_single_subtraction_is_caught_by_the_audit():
    """The planted leak: one suppressed cell in a row whose other cells and total are visible."""
    release, counts = random_release(np.random.default_rng(3), 3, 2)
    target = cell_key("t", "r0", "c0")
    result = audit_suppression(release, {target}, 5)
    assert result.intervals[target].width == 0
    assert target in result.narrow


# -- the pipeline's outputs: each route of the issue --------------------------


def test_null_min_cell_flags_but_changes_nothing():
    table = tidy({"Yes": {"A": 2, "B": 9}, "No": {"A": 10, "B": 11}})
    out = protect_outputs(
        {"t": table},
        pd.DataFrame(columns=["fact", "column", "n", "denominator", "pct"]),
        {},
        DisclosureSettings(None, 5),
        table_specs={},
        fact_specs={},
        report_numbers={},
    )
    pd.testing.assert_frame_equal(out.tables["t"], table)
    entry = next(e for e in out.log if e["output"] == "t")
    assert entry["status"] == REVIEW and entry["flagged"] == 1
    assert entry["audit"]["checked"] is False


def test_small_counts_are_suppressed_and_no_cell_is_recoverable():
    table = tidy({"Yes": {"A": 2, "B": 9}, "No": {"A": 10, "B": 11}, "Not known": {"A": 6, "B": 7}})
    out = protect({"t": table}, 5)
    published = out.tables["t"]
    assert published["n"].isna().sum() >= 4  # the 2, its row and its column complements
    assert not pd.to_numeric(published["n"], errors="coerce").between(1, 4).any()
    assert published.loc[published["n"].isna(), "pct"].isna().all()
    entry = next(e for e in out.log if e["output"] == "t")
    assert entry["status"] == PASS and entry["audit"]["narrowest_interval"] >= 5


def test_stats_table_with_a_total_column_protects_its_groups():
    """caseload_by_month: Eastwood Park = Total - Send when only Send is suppressed."""
    frame = pd.DataFrame(
        {
            "row": ["2021-04"] * 3 + ["2021-05"] * 3,
            "column": ["EP", "Send", "Total"] * 2,
            "n": [3, 20, 23, 4, 22, 26],
            "opened": [3, 20, 23, 1, 2, 3],
            "closed": [0, 0, 0, 0, 0, 0],
        }
    )
    spec = {
        "relations": {"stock_and_flow": {"stock": "n", "inflow": "opened", "outflow": "closed"}}
    }
    out = protect({"caseload_by_month": frame}, 5, specs={"caseload_by_month": spec})
    published = out.tables["caseload_by_month"]
    for field in ("n", "opened", "closed"):
        values = pd.to_numeric(published[field], errors="coerce")
        assert not values.between(1, 4).any(), field
    assert out.suppression.ok
    # the month-to-month carry-over is in the model: the open cases of May follow from April's
    assert any("carry over" in eq.source for eq in out.release.equalities)


def test_not_applicable_rows_and_the_respondents_give_no_cell_away():
    """practitioner_agreement: Not applicable = respondents - valid answers when nothing else hides it."""
    frame = pd.DataFrame(
        {
            "item": ["q1"] * 3,
            "row": ["Agree", "Disagree", "Not applicable"],
            "column": ["Y1"] * 3,
            "n": [7, 0, 2],
            "denominator": [7, 7, None],
            "pct": [100.0, 0.0, None],
        }
    )
    spec = {"relations": {"rows_outside_base": ["Not applicable"], "all_rows_within": "resp"}}
    numbers = {"surveys": {"complete.*": {"column": "$1", "named_population": "resp"}}}
    contexts = {"surveys": {"complete": {"Y1": 9}}}
    out = protect(
        {"practitioner_agreement": frame},
        5,
        specs={"practitioner_agreement": spec},
        contexts=contexts,
        numbers=numbers,
    )
    assert out.suppression.ok
    na = cell_key("practitioner_agreement", "Not applicable", "Y1", "n", "q1")
    assert na in out.suppression.suppressed
    # 9 respondents = 7 valid + NA: the NA cell needs the respondents or the base hidden too
    assert out.suppression.intervals[na].width >= 5


def test_nested_rows_are_protected():
    """wai_completion: had not met = returned - answered - none answered."""
    rows = [
        ("Questionnaires returned", 25, 25),
        ("Had not met the social worker", 2, 25),
        ("No WAI item answered", 0, 25),
        ("Answered at least one WAI item", 23, 25),
        ("Total score computed", 9, 23),
        ("Total not computed (items skipped)", 14, 23),
    ]
    frame = pd.DataFrame(
        [{"row": r, "column": "T2", "n": n, "denominator": d, "pct": 0.0} for r, n, d in rows]
    )
    spec = {
        "relations": {
            "population_per_item": False,
            "nested": [
                {
                    "total": "Questionnaires returned",
                    "parts": [
                        "Had not met the social worker",
                        "No WAI item answered",
                        "Answered at least one WAI item",
                    ],
                },
            ],
        }
    }
    out = protect({"wai_completion": frame}, 5, specs={"wai_completion": spec})
    hidden = out.suppression.suppressed
    assert cell_key("wai_completion", "Had not met the social worker", "T2") in hidden
    assert len({k for k in hidden if k[0] == "wai_completion" and k[4] == "n"}) >= 2
    assert out.suppression.ok


def test_a_small_group_is_not_the_difference_of_the_others():
    """A third prison of 7 mothers at k = 10: its base is hidden and cannot be rebuilt from Total."""
    table = tidy(
        {"Yes": {"A": 12, "B": 10, "C": 4}, "No": {"A": 7, "B": 6, "C": 3}}, prisons=("A", "B", "C")
    )
    facts = pd.DataFrame(
        [
            {"fact": "f", "column": c, "n": n, "denominator": d, "pct": 0.0}
            for c, n, d in [("Total", 26, 42), ("A", 12, 19), ("B", 10, 16), ("C", 4, 7)]
        ]
    )
    out = protect({"t": table}, 10, facts=facts)
    assert out.suppression.ok
    published = out.tables["t"]
    assert published.loc[published["column"] == "C", "denominator"].isna().all()
    base_c = cell_key("t", "Yes", "C", "denominator")
    assert out.suppression.intervals[base_c].width >= 10
    facts_out = out.key_facts
    assert pd.isna(facts_out.loc[facts_out["column"] == "C", "denominator"]).all()


def test_a_key_fact_cannot_publish_a_cell_its_table_suppresses():
    """contact_aim_not_possible by prison = the contact_outcome table's cells."""
    table = tidy(
        {
            "Contact plan in place": {"A": 21, "B": 20},
            "Direct contact not possible - mother supported": {"A": 5, "B": 8},
            "Unresolved": {"A": 3, "B": 3},
        }
    )
    facts = pd.DataFrame(
        [
            {"fact": "contact_aim_not_possible", "column": c, "n": n, "denominator": d, "pct": 0.0}
            for c, n, d in [("Total", 13, 60), ("A", 5, 29), ("B", 8, 31)]
        ]
    )
    fact_specs = {
        "contact_aim_not_possible": {
            "same_as": {
                "table": "contact_outcome",
                "rows": ["Direct contact not possible - mother supported"],
            }
        }
    }
    out = protect({"contact_outcome": table}, 5, facts=facts, fact_specs=fact_specs)
    assert out.suppression.ok
    hidden = out.suppression.suppressed
    for column in ("A", "B", "Total"):
        fact = cell_key("key_facts", "contact_aim_not_possible", column)
        cell = cell_key("contact_outcome", "Direct contact not possible - mother supported", column)
        assert (fact in hidden) == (cell in hidden), column  # a copy is hidden with its cell


def test_two_tables_on_one_population_share_their_base():
    """sentence_length's base = mothers - legal_status' Remand cell."""
    legal = tidy(
        {"Sentenced": {"A": 26, "B": 44}, "Remand": {"A": 3, "B": 0}, "Recall": {"A": 7, "B": 2}}
    )
    sentence = tidy({"0-1 year": {"A": 20, "B": 30}, "1-2 years": {"A": 13, "B": 16}})
    spec = {"relations": {"base_equals": {"table": "legal_status", "all_rows_except": ["Remand"]}}}
    out = protect(
        {"legal_status": legal, "sentence_length": sentence}, 5, specs={"sentence_length": spec}
    )
    assert out.suppression.ok
    remand = cell_key("legal_status", "Remand", "A")
    assert remand in out.suppression.suppressed
    assert out.suppression.intervals[remand].width >= 5


def test_monthly_openings_by_quarter_are_the_start_quarter_cells():
    assert quarter_label("2021-03", "2021-04-01") == "Q0"
    assert quarter_label("2021-04", "2021-04-01") == "Q1"
    assert quarter_label("2021-07", "2021-04-01") == "Q2"
    caseload = pd.DataFrame(
        {
            "row": ["2021-04", "2021-05", "2021-06"],
            "column": ["A"] * 3,
            "n": [6, 9, 12],
            "opened": [6, 3, 3],
            "closed": [0, 0, 0],
        }
    )
    start = pd.DataFrame([{"row": "Q1", "column": "A", "n": 12, "denominator": 12, "pct": 100.0}])
    spec = {
        "relations": {
            "stock_and_flow": {"stock": "n", "inflow": "opened", "outflow": "closed"},
            "quarter_sums": {"field": "opened", "table": "start_quarter"},
        }
    }
    out = protect(
        {"caseload_by_month": caseload, "start_quarter": start},
        5,
        specs={"caseload_by_month": spec},
    )
    assert any("by quarter" in eq.source for eq in out.release.equalities)
    assert out.suppression.ok
    assert out.tables["caseload_by_month"]["opened"].isna().sum() >= 2


def test_joint_display_totals_and_quotes_are_tied_to_the_theme_matrix():
    matrix = pd.DataFrame(
        [
            {"row": "Contact", "column": g, "n": n, "denominator": d, "pct": 0.0}
            for g, n, d in [("Mothers", 6, 9), ("Carers", 2, 6)]
        ]
    )
    joint = pd.DataFrame(
        {"research_question": ["RQ1"], "themes": ["Contact (8 of 15 participants)"]}
    )
    quotes = pd.DataFrame(
        {
            "theme": ["Contact", "Contact"],
            "group": ["Carers", "Carers"],
            "participant": ["C1", "C2"],
        }
    )
    specs = {"joint_display": {"disclosure": "exempt"}, "quote_bank": {"disclosure": "exempt"}}
    out = protect(
        {"theme_matrix": matrix, "joint_display": joint, "quote_bank": quotes}, 5, specs=specs
    )
    assert out.suppression.ok
    carers = cell_key("theme_matrix", "Contact", "Carers")
    assert out.release.lower_bounds[carers] == 2  # two carers quoted on the theme
    assert any(eq.source == "joint display: Contact" for eq in out.release.equalities)
    # 8 in the joint display = 6 + 2: the 2 stays protected only if a complement is hidden
    themes = out.tables["joint_display"]["themes"].iloc[0]
    mothers = out.tables["theme_matrix"].set_index("column").loc["Mothers", "n"]
    assert "[c] of" in themes or pd.isna(mothers)
    assert out.suppression.intervals[carers].width >= 5


def test_prose_numbers_are_protected_and_undeclared_ones_withheld():
    table = tidy({"Yes": {"A": 2, "B": 9}, "No": {"A": 10, "B": 11}})
    contexts = {
        "case_tracker": {
            "mothers": {"A": 12, "B": 20, "Total": 32},
            "excluded": 3,
            "stray": 7,
            "rating": {"mean": 4.2, "n": 3},
        }
    }
    numbers = {
        "case_tracker": {
            "mothers.*": {"column": "$1", "population": True},
            "excluded": {},
            "rating.n": {},
            "rating.mean": {"follows": "rating.n"},
        }
    }
    out = protect({"t": table}, 5, contexts=contexts, numbers=numbers)
    context = out.contexts["case_tracker"]
    assert context["excluded"] == "[c]"  # a small count in prose
    assert context["stray"] == {WITHHELD: "stray"}  # no rule: never printed
    assert context["rating"]["mean"] == "[c]"  # the mean of a suppressed count
    assert context["mothers"]["A"] in (12, "[c]")
    # a group's size printed in prose is the tables' base: hidden together or shown together
    base_a = out.tables["t"].loc[out.tables["t"]["column"] == "A", "denominator"].iloc[0]
    assert (context["mothers"]["A"] == "[c]") == pd.isna(base_a)


def test_percentages_need_both_counts_visible():
    table = tidy({"Yes": {"A": 1, "B": 30}, "No": {"A": 2, "B": 40}}, prisons=("A", "B"))
    out = protect({"t": table}, 5)
    published = out.tables["t"]
    hidden_base = published["denominator"].isna()
    assert published.loc[hidden_base, "pct"].isna().all()
    assert published.loc[published["n"].isna(), "pct"].isna().all()


def test_exempt_tables_pass_through_with_their_reason():
    minutes = pd.DataFrame(
        {"row": ["Visit"], "column": ["A"], "n": [3], "denominator": [3], "pct": [100.0]}
    )
    out = protect(
        {"activity_minutes": minutes},
        5,
        specs={"activity_minutes": {"disclosure": "exempt", "disclosure_reason": "staff time"}},
    )
    entry = next(e for e in out.log if e["output"] == "activity_minutes")
    assert entry["status"] == "exempt" and entry["reason"] == "staff time"
    pd.testing.assert_frame_equal(out.tables["activity_minutes"], minutes)


def test_a_given_suppression_that_leaks_is_logged_as_fail():
    table = tidy({"Yes": {"A": 2, "B": 9}, "No": {"A": 10, "B": 11}})
    leak = {cell_key("t", "Yes", "A")}  # only the 2: Total - B gives it back
    out = protect_outputs(
        {"t": table},
        pd.DataFrame(columns=["fact", "column", "n", "denominator", "pct"]),
        {},
        DisclosureSettings(5, 5),
        table_specs={},
        fact_specs={},
        report_numbers={},
        suppressed=leak,
    )
    entry = next(e for e in out.log if e["output"] == "t")
    assert entry["status"] == FAIL
    assert any("'Yes'" in cell for cell in entry["audit"]["narrow_cells"])


def random_tidy(rng, rows, prisons, bases) -> pd.DataFrame:
    """A single-response table over prisons with the given column bases."""
    counts = {}
    for prison in prisons:
        split = rng.multinomial(bases[prison], rng.dirichlet(np.ones(rows) * 0.6))
        for i, n in enumerate(split):
            counts.setdefault(f"r{i}", {})[prison] = int(n)
    return tidy(counts, prisons=tuple(prisons))


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("k", [5, 10])
def test_random_linked_tables_survive_the_independent_intruder(tmp_path, seed, k):
    """Three tables on one population and a key fact, protected together, attacked from files."""
    import intruder

    rng = np.random.default_rng(seed)
    prisons = ["A", "B", "C"]
    bases = {p: int(rng.integers(6, 30)) for p in prisons}
    tables = {f"t{i}": random_tidy(rng, int(rng.integers(2, 5)), prisons, bases) for i in range(3)}
    row = tables["t0"].loc[tables["t0"]["column"] != "Total"]
    first = row["row"].iloc[0]
    by_prison = row.loc[row["row"] == first].set_index("column")["n"]
    facts = pd.DataFrame(
        [
            {"fact": "f", "column": c, "n": int(n), "denominator": d, "pct": 0.0}
            for c, n, d in [("Total", by_prison.sum(), sum(bases.values()))]
            + [(p, by_prison[p], bases[p]) for p in prisons]
        ]
    )
    out = protect(
        tables, k, facts=facts, fact_specs={"f": {"same_as": {"table": "t0", "rows": [first]}}}
    )
    assert out.suppression.ok
    folder = tmp_path / "report/tables"
    folder.mkdir(parents=True)
    for name, frame in out.tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    out.key_facts.to_csv(folder / "key_facts.csv", index=False)
    assert intruder.small_in_tables(intruder.read_tables(tmp_path), k) == []
    assert intruder.recover_suppressed(tmp_path, k) == []


def test_a_key_fact_by_prison_is_bounded_by_its_base():
    """siblings_apart at the interim cut: x + y = 18, x <= 14, y <= 12 pins x to [6, 14] at k = 10."""
    facts = pd.DataFrame(
        [
            {"fact": "siblings_apart", "column": c, "n": n, "denominator": d, "pct": 0.0}
            for c, n, d in [("Total", 18, 26), ("A", 10, 14), ("B", 8, 12)]
        ]
    )
    release_only = protect({}, 10, facts=facts)
    assert any("within its base" in rel.source for rel in release_only.release.at_most)
    assert release_only.suppression.ok
    for column in ("A", "B"):
        key = cell_key("key_facts", "siblings_apart", column)
        if key in release_only.suppression.suppressed:
            assert release_only.suppression.intervals[key].width >= 10
