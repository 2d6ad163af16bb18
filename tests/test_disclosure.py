"""Disclosure control: flagging, primary and secondary suppression, and that nothing can be recovered."""

import pandas as pd
import pytest

from evaluation.disclosure import PASS, REVIEW, DisclosureSettings, protect, recoverable


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


TABLE = tidy({"Yes": {"A": 2, "B": 9}, "No": {"A": 10, "B": 11}, "Not known": {"A": 6, "B": 7}})


def test_null_min_cell_flags_but_changes_nothing():
    out, entry = protect(TABLE, DisclosureSettings(None, 5), "t")
    pd.testing.assert_frame_equal(out, TABLE)
    assert entry["flagged"] == 1 and entry["status"] == REVIEW


def test_nothing_small_passes():
    out, entry = protect(TABLE, DisclosureSettings(None, 2), "t")
    assert entry["flagged"] == 0 and entry["status"] == PASS


def cells(frame):
    return frame.set_index(["row", "column"])


def test_primary_and_secondary_suppression_block_every_subtraction():
    out, entry = protect(TABLE, DisclosureSettings(3, 5), "t")
    hidden = cells(out)["n"].isna()
    assert hidden[("Yes", "A")]  # primary: 2 < 3
    # without secondary suppression, Yes/A = Total - B = 11 - 9 and = 18 - 10 - 6
    assert entry["suppressed_primary"] == 1 and entry["suppressed_secondary"] >= 2
    assert recoverable(TABLE, out["n"].isna()) == []
    assert entry["status"] == PASS
    assert cells(out).loc[hidden[hidden].index, "pct"].isna().all()


def test_suppressed_values_cannot_be_recovered_by_any_published_total():
    out, _ = protect(TABLE, DisclosureSettings(3, 5), "t")
    published = cells(out)
    original = cells(TABLE)
    # brute force: for each suppressed cell, any line (row across columns, column down rows) with all
    # other cells published would pin it down; there must be none
    for (row, column), value in published["n"].items():
        if pd.notna(value):
            continue
        row_others = [published.loc[(row, c), "n"] for c in ["A", "B", "Total"] if c != column]
        col_others = [
            published.loc[(r, column), "n"] for r in ["Yes", "No", "Not known"] if r != row
        ]
        assert any(pd.isna(v) for v in row_others), (row, column)
        assert any(pd.isna(v) for v in col_others), (row, column)
    assert original.loc[("Yes", "A"), "n"] == 2  # the input is untouched


@pytest.mark.parametrize("seed", range(40))
def test_random_tables_never_leave_a_recoverable_cell(seed):
    import random

    rng = random.Random(seed)
    counts = {
        f"r{i}": {"A": rng.choice([0, 1, 2, 3, 5, 8]), "B": rng.choice([0, 1, 4, 6, 9])}
        for i in range(4)
    }
    table = tidy(counts)
    out, entry = protect(table, DisclosureSettings(3, 5), "t")
    assert recoverable(table, out["n"].isna()) == []
    assert entry["status"] == PASS
    assert not ((pd.to_numeric(out["n"]) > 0) & (pd.to_numeric(out["n"]) < 3)).any()


def test_key_facts_prisons_and_total():
    facts = pd.DataFrame(
        {
            "fact": ["mbu"] * 3,
            "column": ["Total", "A", "B"],
            "n": [7, 2, 5],
            "denominator": [94, 48, 46],
            "pct": [7.4, 4.2, 10.9],
        }
    )
    out, entry = protect(facts, DisclosureSettings(3, 5), "key_facts")
    assert out["n"].isna().tolist() == [False, True, True]  # B hidden too, else A = 7 - 5
    assert entry["status"] == PASS


def test_statistics_rows_on_few_people_are_suppressed():
    stats = pd.DataFrame(
        {"item": ["x", "x"], "column": ["T1", "T2"], "n": [12, 2], "mean": [4.1, 6.5]}
    )
    out, entry = protect(stats, DisclosureSettings(3, 5), "ratings")
    assert out.loc[1, ["n", "mean"]].isna().all() and out.loc[0, "mean"] == 4.1
    assert entry["suppressed_primary"] == 1


def test_stacked_items_are_protected_separately():
    one = tidy({"Agree": {"A": 1, "B": 5}, "Disagree": {"A": 6, "B": 6}}).assign(item="q1")
    two = tidy({"Agree": {"A": 7, "B": 5}, "Disagree": {"A": 6, "B": 6}}).assign(item="q2")
    table = pd.concat([one, two], ignore_index=True)
    out, _ = protect(table, DisclosureSettings(3, 5), "stacked")
    assert out.loc[out["item"] == "q2", "n"].notna().all()
    assert out.loc[out["item"] == "q1", "n"].isna().sum() >= 4


def test_confidence_limits_of_a_suppressed_count_are_suppressed_too():
    table = tidy({"Yes": {"A": 2, "B": 9}, "No": {"A": 10, "B": 11}}).assign(
        ci_low=0.1, ci_high=0.9
    )
    out, _ = protect(table, DisclosureSettings(3, 5), "ci")
    hidden = out["n"].isna()
    assert hidden.any() and out.loc[hidden, ["ci_low", "ci_high"]].isna().all().all()
    assert out.loc[~hidden, "ci_low"].notna().all()


def test_paired_statistics_on_few_pairs_are_suppressed():
    paired = pd.DataFrame(
        {"item": ["a", "b"], "pairs": [2, 9], "median_change": [1.0, 0.5], "p_value": [0.5, 0.03]}
    )
    out, entry = protect(paired, DisclosureSettings(3, 5), "paired")
    assert out.loc[0, ["pairs", "median_change", "p_value"]].isna().all()
    assert out.loc[1, "p_value"] == 0.03 and entry["suppressed_primary"] == 1
