"""Survey strand: the published interim figures (reference B) from the example files, the 91%
key fact at the default cut, WAI-SR scoring, the paired tests, and the bad inputs real files
contain (scale flips, codes outside the scale, duplicates, missing columns and files)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest
import reference_figures as ref
import scipy.stats

from evaluation.core.config import ConfigError
from evaluation.core.findings import DataValidationError, ledger_balance
from evaluation.strands.surveys import spec
from evaluation.strands.surveys.context import (
    build_survey_context,
    mothers_context,
    practitioner_context,
)
from evaluation.strands.surveys.cutoff import VALID, mothers_at_cutoff, practitioners_at_cutoff
from evaluation.strands.surveys.read import read_mothers_wave, read_practitioner_wave
from evaluation.strands.surveys.stats import stuart_maxwell, wilcoxon_paired, wilson_interval
from evaluation.strands.surveys.tables import (
    build_mothers_tables,
    build_practitioner_tables,
    supported_inside_fact,
)
from evaluation.strands.surveys.wai import score_wai
from tools.synthetic import surveys as synthetic

REPO = Path(__file__).resolve().parents[1]
RAW = REPO / "data" / "raw" / "surveys"
INTERIM_CUT = dt.date.fromisoformat(ref.INTERIM_CUT)
DEFAULT_CUT = dt.date.fromisoformat(ref.FINAL_CUT)
WAVES = {"T1": RAW / "mothers_T1.sav", "T2": RAW / "mothers_T2.sav"}

# Published interim surveys (section B): table -> item -> wave -> (positive, neutral,
# negative, base).
REFERENCE_B = ref.SURVEY_TABLES
PRACTITIONER_AGREE = ref.PRACTITIONERS["agree"]


def tracker_ids() -> pd.DataFrame:
    """The example trackers' Baseline ids (EP-001..EP-050, SE-001..SE-047)."""
    ids = [("Eastwood Park", f"EP-{i:03d}") for i in range(1, 51)]
    ids += [("Send", f"SE-{i:03d}") for i in range(1, 48)]
    return pd.DataFrame(ids, columns=["prison", "case_id"])


@pytest.fixture(scope="module")
def wave_reads():
    return {
        wave: read_mothers_wave(path, wave, i + 1) for i, (wave, path) in enumerate(WAVES.items())
    }


def _at(wave_reads, cutoff, rule="complete", max_missing=1):
    """The waves' read results at ``cutoff`` (other tests pass the answers frames alone)."""
    return mothers_at_cutoff(
        wave_reads, cutoff, tracker_ids(), wai_rule=rule, wai_max_missing=max_missing
    )


@pytest.fixture(scope="module")
def interim(wave_reads):
    at_cut = _at(wave_reads, INTERIM_CUT)
    return at_cut, build_mothers_tables(at_cut["responses"], at_cut["answers"], list(WAVES))


@pytest.fixture(scope="module")
def practitioners_read():
    return read_practitioner_wave(RAW / "practitioners_Y1.csv", "Y1")


def _cell(table, item, row, column):
    hit = table.loc[(table["item"] == item) & (table["row"] == row) & (table["column"] == column)]
    assert len(hit) == 1, (item, row, column)
    return hit.iloc[0]


# --------------------------------------------------------------------------- reference B


def test_interim_respondents_per_wave(interim):
    at_cut, _ = interim
    assert at_cut["responses"].groupby("wave").size().to_dict() == ref.SURVEY_RESPONDENTS


@pytest.mark.parametrize("table_id", sorted(REFERENCE_B))
def test_interim_item_tables_reproduce_reference_b(interim, table_id):
    _, tables = interim
    table = tables[table_id]
    for item, by_wave in REFERENCE_B[table_id].items():
        rows = spec.row_labels(item, "collapsed")
        for wave, (*counts, base) in by_wave.items():
            for row, expected in zip(rows, counts, strict=True):
                cell = _cell(table, item, row, wave)
                assert (cell["n"], cell["denominator"]) == (expected, base), (item, row, wave)
    assert list(dict.fromkeys(table["item"])) == list(REFERENCE_B[table_id])


def test_interim_ratings_round_as_published(interim):
    ratings = interim[1]["mothers_ratings"].set_index(["item", "column"])["mean"]
    for item, by_wave in ref.SURVEY_RATINGS.items():
        for wave, published in by_wave.items():
            assert round(ratings[(item, wave)]) == published, (item, wave)


def test_interim_wai_totals_computable_as_published(interim):
    completion = interim[1]["wai_completion"].set_index(["row", "column"])
    labels = spec.keyed_labels("wai_completion_status")
    for wave, published in ref.WAI_COMPUTED.items():
        computed = completion.loc[(labels["computed"], wave)]
        assert (computed["n"], computed["denominator"], round(computed["pct"])) == published
    assert completion.loc[(labels["not_met"], "T1"), "n"] == ref.WAI_NOT_MET["T1"]
    scores = interim[1]["wai_scores"].set_index(["row", "column"])
    for wave, (n, _denominator, _pct) in ref.WAI_COMPUTED.items():
        assert scores.loc[("Total", wave), "n"] == n
    assert 12 <= scores.loc[("Total", "T1"), "mean"] <= 60


def test_interim_service_items_as_published(interim):
    service = interim[1]["mothers_service"]
    assert set(service["column"]) == {"T2"}
    for item, published in ref.SURVEY_SERVICE.items():
        cell = _cell(service, item, published["row"], "T2")
        got = (cell["n"], cell["denominator"], round(cell["pct"]))
        assert got == (published["n"], published["denominator"], published["pct"]), item


def test_interim_practitioner_survey_as_published(practitioners_read):
    at_cut = practitioners_at_cutoff({"Y1": practitioners_read["answers"]}, INTERIM_CUT)
    tables = build_practitioner_tables(at_cut["answers"], ["Y1"])
    published = ref.PRACTITIONERS
    assert at_cut["answers"]["response_id"].nunique() == published["responses"]
    roles = tables["practitioner_roles"].set_index("row")["n"]
    assert roles.to_dict() == published["roles"]
    heard = tables["practitioner_heard_via"].set_index("row")["n"]
    for row, n in published["heard_via"].items():
        assert heard[row] == n, row
    frequency = tables["practitioner_contact_frequency"].set_index("row")["n"]
    for row, n in published["contact_frequency"].items():
        assert frequency[row] == n, row
    agreement = tables["practitioner_agreement"]
    agreed = agreement.loc[agreement["row"] == "Strongly agree or agree"]
    assert agreed["n"].tolist() == PRACTITIONER_AGREE
    assert agreed["item"].tolist() == [
        f"agree_{i:02d}" for i in range(1, len(PRACTITIONER_AGREE) + 1)
    ]
    statements = tables["practitioner_statements"]
    assert (
        len(statements) == 22
        and not statements["statement"].str.contains("how far do you agree").any()
    )


def test_practitioner_not_applicable_shown_outside_the_denominator(practitioners_read):
    tables = build_practitioner_tables(practitioners_read["answers"], ["Y1"])
    agreement = tables["practitioner_agreement"]
    not_applicable = agreement.loc[agreement["row"] == "Not applicable"]
    assert not_applicable["n"].sum() > 0
    assert not_applicable["denominator"].isna().all() and not_applicable["pct"].isna().all()
    for item, group in agreement.groupby("item"):
        counted = group.loc[group["row"] != "Not applicable"]
        assert (counted["denominator"] == counted["n"].sum()).all(), item


# --------------------------------------------------------------------------- default cut


def test_default_cut_key_fact_is_91_percent(wave_reads):
    at_cut = _at(wave_reads, DEFAULT_CUT)
    fact = supported_inside_fact(at_cut["answers"], list(WAVES)).iloc[0]
    assert fact["fact"] == "supported_inside_latest_wave" and fact["column"] == "Total"
    n, denominator, pct = ref.SUPPORTED_INSIDE_LATEST_WAVE
    assert round(fact["pct"]) == pct
    assert (fact["n"], fact["denominator"]) == (n, denominator)
    # At the interim cut the latest wave is T2 as published then.
    positive, _neutral, _negative, base = REFERENCE_B["mothers_support"]["support_inside"]["T2"]
    interim_fact = supported_inside_fact(_at(wave_reads, INTERIM_CUT)["answers"], list(WAVES)).iloc[
        0
    ]
    assert (interim_fact["n"], interim_fact["denominator"]) == (positive, base)


def test_the_two_cuts_differ_and_late_responses_are_counted(wave_reads):
    default = _at(wave_reads, DEFAULT_CUT)
    interim = _at(wave_reads, INTERIM_CUT)
    assert len(default["responses"]) > len(interim["responses"])
    ledger = default.ledger.to_frame()
    after = ledger.loc[ledger["outcome"] == "excluded", "rows"].sum()
    read = sum(len(r["answers"][["source_row"]].drop_duplicates()) for r in wave_reads.values())
    assert after >= 1 and len(default["responses"]) == read - after
    assert ledger_balance(ledger)["balanced"].all()


def test_unknown_case_id_is_a_warning_and_still_analysed(wave_reads):
    at_cut = _at(wave_reads, DEFAULT_CUT)
    unknown = [f for f in at_cut.findings.warnings if f.check == "case id"]
    assert [f.value for f in unknown] == [synthetic.UNKNOWN_CASE_ID]
    assert synthetic.UNKNOWN_CASE_ID in set(at_cut["responses"]["case_id"])
    assert not at_cut.findings.errors


def test_survey_context_counts_exclusions_and_warnings(wave_reads, practitioners_read):
    mothers = _at(wave_reads, INTERIM_CUT)
    practitioners = practitioners_at_cutoff({"Y1": practitioners_read}, dt.date(2022, 1, 1))
    results = [*wave_reads.values(), mothers, practitioners_read, practitioners]
    ledger = pd.concat([r.ledger.to_frame() for r in results], ignore_index=True)
    findings = pd.concat([r.findings.to_frame() for r in results], ignore_index=True)
    context = build_survey_context({"waves": list(WAVES)}, {"waves": ["Y1"]}, ledger, findings)
    excluded = ledger.loc[ledger["outcome"] == "excluded"].groupby("reason")["rows"].sum()
    assert context["after_cutoff_excluded"] == excluded["completed after the cut-off"] > 0
    assert context["practitioners"] == {
        "waves": ["Y1"],
        "previews_excluded": excluded["survey preview"],
        "unfinished_excluded": excluded["unfinished response"],
        "after_cutoff_excluded": excluded["ended after the cut-off"],
    }
    assert context["practitioners"]["after_cutoff_excluded"] > 0
    assert context["warnings"] == sum(len(r.findings.warnings) for r in results)
    assert list(context) == [
        "waves",
        "practitioners",
        "excluded",
        "after_cutoff_excluded",
        "warnings",
    ]


# --------------------------------------------------------------------------- user-missing


def test_example_files_declare_user_missing_codes():
    _frame, meta = pyreadstat.read_sav(str(WAVES["T1"]), user_missing=True, metadataonly=True)
    declared = {(r["lo"], r["hi"]) for r in meta.missing_ranges["wai_01"]}
    assert (97.0, 99.0) in declared and (8.0, 8.0) in declared
    assert {r["lo"] for r in meta.missing_ranges["trust_css"]} == {97.0, 98.0, 99.0}


def test_user_missing_codes_are_never_in_a_denominator(interim):
    at_cut, tables = interim
    answers = at_cut["answers"]
    codes = answers["code"].dropna().astype(int)
    assert {97, 98, 99, 8} <= set(codes), "the example data must contain user-missing codes"
    for table_id, entries in spec.item_tables().items():
        table = tables[table_id]
        for item, _rows in entries:
            scale = spec.item_scale(item)
            for wave in table.loc[table["item"] == item, "column"].unique():
                part = answers.loc[(answers["item"] == item) & (answers["wave"] == wave), "code"]
                valid = part.dropna().astype(int)
                expected = int(valid.map(scale.is_valid).sum())
                assert (
                    table.loc[(table["item"] == item) & (table["column"] == wave), "denominator"]
                    == expected
                ).all()
                assert expected < len(part) or not (valid.isin(list(scale.missing))).any()
    missing = tables["mothers_missing"]
    assert missing.loc[missing["row"] == "Haven't met my child's social worker", "n"].sum() > 0
    assert set(missing.loc[missing["n"] > 0, "item"]) >= {"trust_css", "share_views"}


# --------------------------------------------------------------------------- WAI-SR scoring


def _wai_frame(rows):
    items = spec.wai_spec()["items"]
    return pd.DataFrame([dict(zip(items, row, strict=True)) for row in rows]).astype("Int64")


def test_wai_item_map_follows_hatcher_and_gillaspy():
    subscales = {k: sorted(int(i[-2:]) for i in v) for k, v in spec.wai_spec()["subscales"].items()}
    assert subscales == {"Goal": [4, 6, 8, 11], "Task": [1, 2, 10, 12], "Bond": [3, 5, 7, 9]}


def test_wai_scoring_under_both_rules_hand_computed():
    complete = [
        4,
        4,
        3,
        5,
        2,
        5,
        3,
        4,
        3,
        4,
        4,
        5,
    ]  # Task 4+4+4+5=17, Bond 3+2+3+3=11, Goal 5+5+4+4=18
    one_missing = [None, 4, 3, 5, 2, 5, 3, 4, 3, 4, 4, 5]  # item 1 (Task) blank
    two_in_task = [None, 99, 3, 5, 2, 5, 3, 4, 3, 4, 4, 5]  # items 1 and 2 (Task) missing
    not_met = [8] * 12
    frame = _wai_frame([complete, one_missing, two_in_task, not_met])
    strict = score_wai(frame, "complete")
    assert strict["wai_total"].tolist()[0] == 46
    assert (strict["wai_task"][0], strict["wai_bond"][0], strict["wai_goal"][0]) == (17, 11, 18)
    assert strict["wai_total"][1:].isna().all() and np.isnan(strict["wai_task"][1])
    assert strict["wai_bond"][1] == 11 and strict["wai_goal"][1] == 18
    assert strict["wai_status"].tolist() == ["answered", "answered", "answered", "not_met"]
    prorated = score_wai(frame, "prorate", max_missing=1)
    # Task from items 2, 10, 12 = 4 + 4 + 5 = 13 -> 13 / 3 * 4 = 17.333...; total 17.333 + 11 + 18
    assert prorated["wai_task"][1] == pytest.approx(52 / 3)
    assert prorated["wai_total"][1] == pytest.approx(52 / 3 + 29)
    assert np.isnan(prorated["wai_total"][2]) and np.isnan(prorated["wai_total"][3])
    lenient = score_wai(frame, "prorate", max_missing=2)
    assert lenient["wai_task"][2] == pytest.approx((4 + 5) / 2 * 4)


def test_prorating_computes_more_totals_on_the_example_data(wave_reads):
    strict = _at(wave_reads, INTERIM_CUT, "complete")["responses"]
    prorated = _at(wave_reads, INTERIM_CUT, "prorate", 1)["responses"]
    assert strict["wai_total_computed"].sum() == 14
    assert prorated["wai_total_computed"].sum() > strict["wai_total_computed"].sum()
    assert (
        prorated.loc[strict["wai_total_computed"], "wai_total"]
        == strict.loc[strict["wai_total_computed"], "wai_total"]
    ).all()


# --------------------------------------------------------------------------- statistics


def test_wilcoxon_exact_without_ties_hand_computed():
    result = wilcoxon_paired([0] * 5, [1, 2, 3, 4, 5])
    assert result.statistic == 0 and result.p_value == pytest.approx(2 / 32)
    assert "exact" in result.method


def test_wilcoxon_with_ties_and_zeros_uses_the_full_permutation_distribution():
    # differences 1, 1, 2, -1 and a zero: midranks 2, 2, 4, 2; T+ = 8 of 10; 16 sign assignments,
    # P(T+ >= 8) = 4/16 and P(T+ <= 2) = 4/16, so p = 0.5
    result = wilcoxon_paired([3, 3, 3, 3, 3], [4, 4, 5, 2, 3])
    assert result.statistic == 2 and result.p_value == pytest.approx(0.5)
    assert "16 sign assignments" in result.method


def test_wilcoxon_permutation_agrees_with_scipy():
    rng = np.random.default_rng(4)
    first, later = rng.integers(1, 6, 14), rng.integers(1, 6, 14)
    ours = wilcoxon_paired(first, later)
    diff = later - first
    diff = diff[diff != 0]
    theirs = scipy.stats.wilcoxon(
        diff, method=scipy.stats.PermutationMethod(n_resamples=2 ** len(diff))
    )
    assert ours.p_value == pytest.approx(theirs.pvalue) and ours.statistic == theirs.statistic


def _positive_rank_sum(signed_ranks, axis=-1):
    return np.sum(np.where(signed_ranks > 0, signed_ranks, 0.0), axis=axis)


def test_counted_sign_flips_give_scipys_enumerated_p_value_exactly():
    from evaluation.strands.surveys.stats import _sign_flip_p_value

    rng = np.random.default_rng(11)
    compared = 0
    for _ in range(60):
        n = int(rng.integers(2, 13))
        diff = (rng.integers(1, 6, n) - rng.integers(1, 6, n)).astype(float)
        nonzero = diff[diff != 0]  # ties throughout: midranks
        if nonzero.size < 2:
            continue
        ranks = scipy.stats.rankdata(np.abs(nonzero))
        enumerated = scipy.stats.permutation_test(
            (np.sign(nonzero) * ranks,),
            _positive_rank_sum,
            permutation_type="samples",
            vectorized=True,
            n_resamples=2**nonzero.size,
            alternative="two-sided",
        )
        counted = _sign_flip_p_value(ranks, float(ranks[nonzero > 0].sum()))
        assert counted == min(1.0, float(enumerated.pvalue)), (nonzero, counted)
        compared += 1
    assert compared > 40


def test_exact_wilcoxon_without_ties_agrees_with_scipy_up_to_the_normal_limit():
    from evaluation.strands.surveys.stats import PERMUTATION_MAX_N

    rng = np.random.default_rng(8)
    for n in (5, 12, 30, 60, PERMUTATION_MAX_N):
        magnitudes = rng.choice(np.arange(1, 4 * n), n, replace=False)  # no ties
        differences = magnitudes * rng.choice([-1, 1], n, p=[0.4, 0.6])
        ours = wilcoxon_paired(np.zeros(n), differences)
        theirs = scipy.stats.wilcoxon(differences, method="exact")
        assert ours.method == "Wilcoxon signed-rank, exact"
        assert ours.statistic == theirs.statistic
        assert ours.p_value == pytest.approx(theirs.pvalue, rel=1e-9, abs=1e-15)


def test_wilcoxon_with_many_tied_pairs_is_exact_and_close_to_sampling():
    # about a hundred changed pairs with ties: counted exactly, not sampled
    rng = np.random.default_rng(21)
    first = rng.integers(1, 6, 150)
    later = np.clip(first + rng.choice([-2, -1, 0, 0, 1, 1, 2], first.size), 1, 5)
    result = wilcoxon_paired(first, later)
    differences = (later - first).astype(float)
    differences = differences[differences != 0]
    assert 17 < differences.size <= 200 and 0.001 < result.p_value < 0.5
    assert result.method == f"Wilcoxon signed-rank, all 2^{differences.size} sign assignments"
    sampled = scipy.stats.wilcoxon(
        differences,
        method=scipy.stats.PermutationMethod(n_resamples=20_000, rng=np.random.default_rng(1)),
    )
    assert result.p_value == pytest.approx(sampled.pvalue, abs=0.02)
    approximate = scipy.stats.wilcoxon(differences, correction=False, method="approx").pvalue
    assert result.p_value == pytest.approx(approximate, abs=0.01)


def test_average_ranks_are_scipys_rankdata_with_and_without_ties():
    from evaluation.strands.surveys.stats import average_ranks

    rng = np.random.default_rng(5)
    for values in (
        rng.integers(1, 6, 40).astype(float),  # many ties
        rng.permutation(50).astype(float),  # none
        np.array([2.5]),
        np.array([3.0, 3.0, 3.0]),
    ):
        assert np.array_equal(average_ranks(values), scipy.stats.rankdata(values))


@pytest.mark.parametrize("tied", [False, True])
def test_wilcoxon_above_the_exact_limit_is_scipys_normal_approximation(tied):
    from evaluation.strands.surveys.stats import PERMUTATION_MAX_N

    rng = np.random.default_rng(9)
    n = PERMUTATION_MAX_N + 37
    if tied:
        differences = rng.choice([-3, -2, -1, 1, 2, 3, 4], n).astype(float)
    else:
        differences = rng.permutation(np.arange(1, n + 1)) * rng.choice([-1, 1], n, p=[0.45, 0.55])
    ours = wilcoxon_paired(np.zeros(n), differences)
    theirs = scipy.stats.wilcoxon(differences, correction=False, method="approx")
    assert ours.method.startswith("Wilcoxon signed-rank") and "normal" in ours.method_text.lower()
    assert ours.statistic == theirs.statistic
    assert ours.p_value == pytest.approx(theirs.pvalue, rel=1e-9)


def test_stuart_maxwell_p_value_is_scipys_chi_square_survival():
    rng = np.random.default_rng(3)
    for _ in range(20):
        table = rng.integers(0, 30, (4, 4))
        result = stuart_maxwell(table)
        if result.p_value is not None:
            assert result.p_value == pytest.approx(
                scipy.stats.chi2.sf(result.statistic, result.df), rel=1e-12
            )


def test_wilcoxon_without_change_reports_no_test():
    result = wilcoxon_paired([2, 3, 4], [2, 3, 4])
    assert result.p_value is None and result.statistic is None


def test_stuart_maxwell_hand_computed():
    # d = (12, 3); S = [[18, -13], [-13, 33]]; d' S^-1 d = 5850 / 425
    result = stuart_maxwell([[20, 10, 5], [3, 30, 15], [0, 5, 40]])
    assert result.statistic == pytest.approx(5850 / 425) and result.df == 2
    assert result.p_value == pytest.approx(scipy.stats.chi2.sf(5850 / 425, 2))
    order = [2, 0, 1]
    permuted = np.array([[20, 10, 5], [3, 30, 15], [0, 5, 40]])[np.ix_(order, order)]
    assert stuart_maxwell(permuted).statistic == pytest.approx(5850 / 425)


def test_stuart_maxwell_edge_cases():
    assert stuart_maxwell([[3, 0, 0], [0, 2, 0], [0, 0, 4]]).p_value is None
    symmetric = stuart_maxwell([[3, 2, 1], [2, 2, 0], [1, 0, 4]])
    assert symmetric.statistic == pytest.approx(0) and symmetric.p_value == pytest.approx(1)
    # only two categories in play: reduces to McNemar (b - c)^2 / (b + c) = (4 - 1)^2 / 5
    assert stuart_maxwell([[5, 4, 0], [1, 6, 0], [0, 0, 0]]).statistic == pytest.approx(9 / 5)


def test_wilson_interval_known_values():
    low, high = wilson_interval(5, 10)
    assert (round(low, 4), round(high, 4)) == (0.2366, 0.7634)
    assert wilson_interval(0, 10)[1] == pytest.approx(3.841459 / 13.841459, abs=1e-6)
    assert wilson_interval(3, 0) is None


def test_paired_change_table(interim):
    paired = interim[1]["mothers_paired_change"]
    assert set(paired["comparison"]) == {"T1-T2"}
    assert (paired["pairs"] == paired["n_lower"] + paired["n_same"] + paired["n_higher"]).all()
    assert (paired["pairs"] <= 14).all() and (paired["p_value"].dropna().between(0, 1)).all()
    collapsed = paired.loc[paired["item"].isin(["trust_css", "support_inside"])]
    assert collapsed["mh_method"].notna().all() and collapsed["mh_df"].notna().all()
    assert paired.loc[paired["item"] == "involvement_rating", "mh_statistic"].isna().all()


# --------------------------------------------------------------------------- bad inputs


def _t1_records(n=3):
    items = spec.items_for_wave(1)
    records = []
    for i in range(n):
        record = {"case_id": f"EP-{i + 1:03d}", "completion_date": dt.date(2021, 6, 1 + i)}
        record.update(dict.fromkeys(items, 4))
        records.append(record)
    return records


def test_small_sav_round_trip(tmp_path):
    path = synthetic.write_mothers_sav(_t1_records(), tmp_path / "w.sav", 1)
    read = read_mothers_wave(path, "T1", 1)
    assert read["answers"]["source_row"].unique().tolist() == [1, 2, 3]
    assert not read.findings.errors


def test_reversed_value_labels_are_an_error_naming_variable_and_codes(tmp_path):
    path = synthetic.write_mothers_sav(_t1_records(), tmp_path / "flip.sav", 1)
    frame, meta = pyreadstat.read_sav(str(path), user_missing=True)
    labels = dict(meta.variable_value_labels)
    labels["trust_css"] = {
        1.0: "Strongly agree",
        2.0: "Agree",
        3.0: "Not sure",
        4.0: "Disagree",
        5.0: "Strongly disagree",
        97.0: "Not applicable",
        98.0: "Don't know",
        99.0: "Not answered",
    }
    labels["confident_css"] = {
        **labels["confident_css"],
        1.0: "STRONGLY   disagree",
    }  # case/spacing only
    pyreadstat.write_sav(
        frame, str(path), variable_value_labels=labels, missing_ranges=meta.missing_ranges
    )
    with pytest.raises(DataValidationError) as error:
        read_mothers_wave(path, "T1", 1)
    message = str(error.value)
    assert "trust_css" in message and "confident_css" not in message
    assert "codes 1, 2, 4, 5" in message and "'Strongly agree' in the file" in message
    assert "3 (" not in message


def test_code_outside_the_scale_is_an_error(tmp_path):
    records = _t1_records()
    records[1]["support_inside"] = 6
    records[2]["involvement_rating"] = 11
    path = synthetic.write_mothers_sav(records, tmp_path / "bad.sav", 1)
    with pytest.raises(DataValidationError) as error:
        read_mothers_wave(path, "T1", 1)
    errors = error.value.findings
    assert {(f.row, f.column, f.value) for f in errors} == {
        (2, "support_inside", "6.0"),
        (3, "involvement_rating", "11.0"),
    }
    assert "outside the scale" in str(error.value) and "Extremely" in str(error.value)


def test_a_mother_twice_in_one_wave_is_an_error(tmp_path):
    records = _t1_records()
    records[2]["case_id"] = "ep-001 "
    path = synthetic.write_mothers_sav(records, tmp_path / "dup.sav", 1)
    with pytest.raises(DataValidationError, match=r"rows 1, 3 of one wave"):
        read_mothers_wave(path, "T1", 1)


def test_no_case_id_column_is_an_error(tmp_path):
    frame = pd.DataFrame(_t1_records()).drop(columns="case_id")
    path = tmp_path / "no_id.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(DataValidationError, match="no 'case_id' column"):
        read_mothers_wave(path, "T1", 1)


def test_configured_wave_file_absent_is_an_error(tmp_path):
    with pytest.raises(DataValidationError, match="does not exist") as error:
        read_mothers_wave(tmp_path / "mothers_T3.sav", "T3", 3)
    assert "mothers_T3.sav" in str(error.value)


def test_later_wave_dated_before_first_is_a_warning(tmp_path):
    t1 = synthetic.write_mothers_sav(_t1_records(), tmp_path / "t1.sav", 1)
    later = [dict(r, completion_date=dt.date(2021, 12, 1)) for r in _t1_records()]
    later[0]["completion_date"] = dt.date(2021, 5, 20)
    for record in later:
        record.update(dict.fromkeys(spec.items_for_wave(2), 1))
    t2 = synthetic.write_mothers_sav(later, tmp_path / "t2.sav", 2)
    waves = {
        "T1": read_mothers_wave(t1, "T1", 1)["answers"],
        "T2": read_mothers_wave(t2, "T2", 2)["answers"],
    }
    at_cut = mothers_at_cutoff(waves, DEFAULT_CUT, tracker_ids())
    order = [f for f in at_cut.findings.warnings if f.check == "wave order"]
    assert [(f.row, f.value) for f in order] == [(1, "2021-05-20")]


def test_csv_wave_gives_the_same_answers_as_sav(tmp_path, wave_reads):
    frame, _meta = pyreadstat.read_sav(str(WAVES["T1"]), user_missing=True)
    frame["completion_date"] = [d.strftime("%d/%m/%Y") for d in frame["completion_date"]]
    frame["support_inside"] = frame["support_inside"].astype(object)
    frame.loc[0, "support_inside"] = " extremely "  # a text label in a CSV export
    path = tmp_path / "mothers_T1.csv"
    path.write_text(frame.to_csv(index=False), encoding="utf-8")
    read = read_mothers_wave(path, "T1", 1)
    sav = wave_reads["T1"]["answers"]
    merged = read["answers"].merge(sav, on=["case_id", "item"], suffixes=("_csv", "_sav"))
    assert len(merged) == len(sav) == len(read["answers"])
    first = merged["source_row_sav"] == 1
    same = merged.loc[~(first & (merged["item"] == "support_inside"))]
    assert same["code_csv"].fillna(-1).eq(same["code_sav"].fillna(-1)).all()
    assert merged.loc[first & (merged["item"] == "support_inside"), "code_csv"].tolist() == [5]
    assert read["answers"]["source_row"].min() == 2  # CSV rows as a spreadsheet shows them


def test_cp1252_and_bom_csv_waves_are_read(tmp_path):
    frame = pd.DataFrame(_t1_records())
    frame["completion_date"] = ["01/06/2021", "2.6.21", "2021-06-03"]
    frame["hopes_text"] = ["caf\u00e9 visits", "", "\u2018quoted\u2019"]
    text = frame.to_csv(index=False)
    cp1252 = tmp_path / "cp.csv"
    cp1252.write_bytes(text.encode("cp1252"))
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    read_cp = read_mothers_wave(cp1252, "T1", 1)
    read_bom = read_mothers_wave(bom, "T1", 1)
    assert [f.message for f in read_cp.findings.warnings] == [
        "the file is not valid UTF-8; it was read as Windows-1252"
    ]
    assert not read_bom.findings.findings
    assert read_bom["answers"]["completion_date"].dt.day.unique().tolist() == [1, 2, 3]
    assert read_cp["answers"].equals(read_cp["answers"]) and len(read_cp["answers"]) == len(
        read_bom["answers"]
    )
    assert "hopes_text" not in set(read_bom["answers"]["item"])


# --------------------------------------------------------------------------- practitioners


def test_practitioner_preview_and_unfinished_are_excluded_and_counted(practitioners_read):
    ledger = practitioners_read.ledger.to_frame()
    excluded = ledger.loc[ledger["outcome"] == "excluded"].set_index("reason")["rows"]
    assert excluded.to_dict() == {"survey preview": 1, "unfinished response": 1}
    assert ledger_balance(ledger)["balanced"].all()
    read_rows = int(ledger.loc[ledger["outcome"] == "read", "rows"].iloc[0])
    assert practitioners_read["answers"]["response_id"].nunique() == read_rows - 2
    at_cut = practitioners_at_cutoff({"Y1": practitioners_read["answers"]}, INTERIM_CUT)
    cut = at_cut.ledger.to_frame()
    assert cut.loc[cut["outcome"] == "excluded", "rows"].sum() == read_rows - 2 - 5
    assert ledger_balance(cut)["balanced"].all()


def _export_text(rows: list[list[str]]) -> str:
    header = [
        "StartDate",
        "EndDate",
        "Status",
        "Progress",
        "Finished",
        "ResponseId",
        "role",
        "heard_via",
        "contact_frequency",
        "agree_01",
        "agree_02",
        "comments",
    ]
    questions = [
        "Start",
        "End",
        "Type",
        "Progress",
        "Finished",
        "Id",
        "Role?",
        "Heard?",
        "How often?",
        "Q - The mother\u2019s views were heard",
        "Q - The child benefited",
        "Comments",
    ]
    imports = ['{"ImportId":"x"}'] * len(header)
    lines = [header, questions, imports, *rows]
    return "\r\n".join(",".join(f'"{c}"' for c in line) for line in lines) + "\r\n"


GOOD_ROW = [
    "2022-03-01 10:00:00",
    "2022-03-01 10:10:00",
    "IP Address",
    "100",
    "True",
    "R_1",
    "Children\u2019s social worker",
    "A colleague",
    "Every 4\u20136 weeks",
    "Agree",
    "N/A",
    "caf\u00e9",
]


def test_practitioner_cp1252_and_bom_exports(tmp_path):
    text = _export_text([GOOD_ROW, [*GOOD_ROW[:5], "R_2", *GOOD_ROW[6:]]])
    cp = tmp_path / "cp.csv"
    cp.write_bytes(text.encode("cp1252"))
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    for path, warnings in ((cp, 1), (bom, 0)):
        read = read_practitioner_wave(path, "Y1")
        assert len([f for f in read.findings.warnings if f.check == "encoding"]) == warnings
        answers = read["answers"].set_index(["response_id", "item"])["answer"]
        assert answers[("R_1", "role")] == "Children's social worker"
        assert answers[("R_1", "contact_frequency")] == "Every 4-6 weeks"
        assert answers[("R_2", "agree_02")] == "Not applicable"
        statements = read["answers"].drop_duplicates("item").set_index("item")["statement"]
        assert statements["agree_01"] == "The mother\u2019s views were heard"


def test_practitioner_bad_rows_are_errors(tmp_path):
    bad_role = [*GOOD_ROW[:6], "Probation officer", *GOOD_ROW[7:]]
    dup = list(GOOD_ROW)
    path = tmp_path / "bad.csv"
    path.write_text(_export_text([GOOD_ROW, bad_role, dup]), encoding="utf-8")
    with pytest.raises(DataValidationError) as error:
        read_practitioner_wave(path, "Y1")
    found = {(f.row, f.column, f.check) for f in error.value.findings}
    assert (5, "role", "") in found and (6, "ResponseId", "duplicate") in found
    assert "Probation officer" in str(error.value) and "Children's guardian (Cafcass)" in str(
        error.value
    )


def test_practitioner_export_without_import_id_row_is_an_error(tmp_path):
    text = _export_text([GOOD_ROW]).split("\r\n")
    del text[2]
    path = tmp_path / "two_headers.csv"
    path.write_text(
        "\r\n".join(text + [",".join(f'"{c}"' for c in [*GOOD_ROW[:5], "R_9", *GOOD_ROW[6:]])])
    )
    with pytest.raises(DataValidationError, match="three header rows"):
        read_practitioner_wave(path, "Y1")


# --------------------------------------------------------------------------- waves from config


def test_a_third_wave_is_one_file_and_one_config_line(tmp_path, wave_reads):
    t2 = pyreadstat.read_sav(str(WAVES["T2"]), user_missing=True)[0]
    t3_records = []
    for record in t2.head(6).to_dict("records"):
        record["completion_date"] = record["completion_date"] + dt.timedelta(days=180)
        t3_records.append(
            {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in record.items()}
        )
    t3_path = synthetic.write_mothers_sav(t3_records, tmp_path / "mothers_T3.sav", 3)
    surveys = {
        "mothers": {"waves": {"T1": str(WAVES["T1"]), "T2": str(WAVES["T2"]), "T3": str(t3_path)}}
    }
    settings = spec.survey_settings(surveys)
    assert settings.wave_position("T3") == 3
    waves = {w: wave_reads[w]["answers"] for w in ("T1", "T2")}
    waves["T3"] = read_mothers_wave(t3_path, "T3", settings.wave_position("T3"))["answers"]
    at_cut = mothers_at_cutoff(waves, dt.date(2025, 12, 31), tracker_ids())
    tables = build_mothers_tables(
        at_cut["responses"], at_cut["answers"], list(settings.mother_waves)
    )
    assert "T3" in set(tables["mothers_support"]["column"]) and "T3" in set(
        tables["mothers_service"]["column"]
    )
    assert set(tables["mothers_paired_change"]["comparison"]) == {"T1-T2", "T1-T3"}
    assert "T3" in set(tables["wai_completion"]["column"])
    fact = supported_inside_fact(at_cut["answers"], list(settings.mother_waves)).iloc[0]
    answers = at_cut["answers"]
    t3_support = answers.loc[
        (answers["wave"] == "T3")
        & (answers["item"] == "support_inside")
        & (answers["status"] == VALID)
    ]
    assert fact["denominator"] == len(t3_support)
    context = mothers_context(
        at_cut["responses"], at_cut["answers"], tables, settings, "2025-12-31"
    )
    assert context["last_wave"] == "T3" and context["respondents"]["T3"] == 6


def test_survey_config_is_validated():
    with pytest.raises(ConfigError, match="wai_missing_rule"):
        spec.survey_settings({"mothers": {"waves": {"T1": "a.sav"}, "wai_missing_rule": "mean"}})
    with pytest.raises(ConfigError, match="wai_max_missing_per_subscale"):
        spec.survey_settings(
            {"mothers": {"waves": {"T1": "a.sav"}, "wai_max_missing_per_subscale": 4}}
        )
    with pytest.raises(ConfigError, match="at least one wave"):
        spec.survey_settings({"mothers": {"waves": {}}})
    with pytest.raises(ConfigError, match="not a .sav or .csv"):
        spec.survey_settings({"mothers": {"waves": {"T1": "a.xlsx"}}})


# --------------------------------------------------------------------------- either instrument


def test_settings_with_the_mothers_questionnaire_only():
    settings = spec.survey_settings({"mothers": {"waves": {"T1": "a.sav", "T2": "b.csv"}}})
    assert settings.instruments == ("mothers",)
    assert settings.mothers and not settings.practitioners
    assert settings.practitioner_waves == {} and settings.wave_position("T2") == 2


def test_settings_with_the_practitioner_survey_only():
    settings = spec.survey_settings({"practitioners": {"waves": {"Y1": "p.csv"}}})
    assert settings.instruments == ("practitioners",)
    assert settings.practitioners and not settings.mothers
    assert settings.mother_waves == {} and settings.practitioner_waves == {"Y1": "p.csv"}
    assert (settings.wai_rule, settings.wai_max_missing) == ("complete", 1)


@pytest.mark.parametrize("surveys", [None, {}, {"mothers": None, "practitioners": None}])
def test_settings_with_neither_instrument(surveys):
    settings = spec.survey_settings(surveys)
    assert settings.instruments == ()
    assert settings.mother_waves == {} and settings.practitioner_waves == {}


@pytest.mark.parametrize("instrument", ["mothers", "practitioners"])
def test_a_named_instrument_needs_a_wave(instrument):
    with pytest.raises(ConfigError, match=f"surveys: {instrument}: waves"):
        spec.survey_settings({instrument: {"waves": {}}, "other": {}})
    with pytest.raises(ConfigError, match=f"surveys: {instrument}: waves"):
        spec.survey_settings({instrument: {"wai_missing_rule": "complete"}})


def test_the_context_holds_only_the_instruments_present(practitioners_read):
    ledger = practitioners_read.ledger.to_frame()
    findings = practitioners_read.findings.to_frame()
    previews = ledger.loc[ledger["reason"] == "survey preview", "rows"].sum()
    only_practitioners = build_survey_context(None, {"waves": ["Y1"]}, ledger, findings)
    assert set(only_practitioners) == {"practitioners", "excluded", "warnings"}
    assert only_practitioners["practitioners"]["previews_excluded"] == previews > 0
    only_mothers = build_survey_context({"waves": ["T1"]}, None, ledger, findings)
    assert "practitioners" not in only_mothers
    assert only_mothers["after_cutoff_excluded"] == 0


# --------------------------------------------------------------------------- no scored scale


@pytest.fixture
def no_scale_codebook(tmp_path):
    """The example codebook without the WAI-SR, read by this process for the test's duration."""
    from survey_variants import codebook_without_scored_scale

    from evaluation.core.codebook import use_codebook

    use_codebook(codebook_without_scored_scale(REPO / "codebook", tmp_path / "codebook"))
    yield tmp_path / "codebook"
    use_codebook(None)


def test_the_example_codebook_declares_its_scored_scale():
    assert spec.has_scored_scale()
    assert spec.wai_tables() == {"scores": "wai_scores", "completion": "wai_completion"}
    assert {"wai_scores", "wai_completion"} <= set(spec.mothers_table_ids())
    assert "wai_total" in spec.paired_items()


def test_without_a_scored_scale_nothing_is_scored(no_scale_codebook, wave_reads):
    assert not spec.has_scored_scale() and spec.wai_tables() == {}
    table_ids = spec.mothers_table_ids()
    assert not {"wai_scores", "wai_completion"} & set(table_ids)
    assert "wai_total" not in spec.paired_items()
    # the example files hold the scale's items: columns outside this codebook, ignored
    reads = {w: read_mothers_wave(path, w, i + 1) for i, (w, path) in enumerate(WAVES.items())}
    ignored = [f.column for f in reads["T1"].findings.warnings if f.check == "unknown column"]
    assert set(spec_items_of_the_example_scale()) <= set(ignored)
    at_cut = mothers_at_cutoff(reads, DEFAULT_CUT, tracker_ids())
    assert not [c for c in at_cut["responses"].columns if c.startswith("wai")]
    tables = build_mothers_tables(at_cut["responses"], at_cut["answers"], list(WAVES))
    assert list(tables) == table_ids
    assert "wai_total" not in set(tables["mothers_paired_change"]["item"])
    settings = spec.survey_settings({"mothers": {"waves": {k: str(v) for k, v in WAVES.items()}}})
    context = mothers_context(at_cut["responses"], at_cut["answers"], tables, settings, "x")
    assert "wai" not in context
    assert not [item for item in context["items"] if item.startswith("wai")]
    # the other tables are the example's
    with_scale = build_mothers_tables(*_example_at(wave_reads), list(WAVES))
    for table_id in ("mothers_support", "mothers_ratings", "mothers_service"):
        pd.testing.assert_frame_equal(tables[table_id], with_scale[table_id])


def spec_items_of_the_example_scale() -> list[str]:
    import yaml

    mothers = yaml.safe_load((REPO / "codebook/mothers_survey.yaml").read_text(encoding="utf-8"))
    return list(mothers["wai"]["items"])


def _example_at(wave_reads):
    from evaluation.core.codebook import use_codebook

    use_codebook(REPO / "codebook")
    try:
        at_cut = mothers_at_cutoff(
            {wave: read["answers"] for wave, read in wave_reads.items()}, DEFAULT_CUT, tracker_ids()
        )
        return at_cut["responses"], at_cut["answers"]
    finally:
        use_codebook(None)


def test_a_scale_table_titled_without_the_scale_is_a_codebook_error(no_scale_codebook):
    import yaml

    from evaluation.core import codebook

    path = no_scale_codebook / "mothers_survey.yaml"
    mothers = yaml.safe_load(path.read_text(encoding="utf-8"))
    mothers["tables"]["wai_scores"] = {"title": "WAI-SR scores"}
    mothers["paired_items"].append("wai_total")
    path.write_text(yaml.safe_dump(mothers, sort_keys=False), encoding="utf-8")  # not read yet
    with pytest.raises(codebook.CodebookError, match=r"wai_scores.*no scored scale"):
        spec.mothers_table_ids()
    with pytest.raises(codebook.CodebookError, match=r"wai_total.*no scored scale"):
        spec.paired_items()


def test_a_codebook_without_the_mothers_questionnaire(tmp_path, practitioners_read):
    import shutil

    from evaluation.core.codebook import CodebookError, use_codebook
    from evaluation.strands.surveys.figures import _polarity

    folder = tmp_path / "codebook"
    folder.mkdir()
    for path in (REPO / "codebook").glob("*.yaml"):
        if path.name != "mothers_survey.yaml":
            shutil.copy2(path, folder / path.name)
    use_codebook(folder)
    try:
        assert spec.codebook_instruments() == ["practitioners"]
        assert list(spec.figure_specs()) == ["fig_practitioner_agreement"]
        assert spec.figure_tables("fig_practitioner_agreement") == [
            "practitioner_agreement",
            "practitioner_statements",
        ]
        assert set(spec.table_titles()) == set(spec.practitioner_table_ids())
        assert spec.empty_figure_text("fig_practitioner_agreement")
        assert _polarity()
        with pytest.raises(CodebookError, match="mothers_survey.yaml"):
            spec.mothers_table_ids()
        at_cut = practitioners_at_cutoff({"Y1": practitioners_read}, DEFAULT_CUT)
        tables = build_practitioner_tables(at_cut["answers"], ["Y1"])
        assert list(tables) == spec.practitioner_table_ids()
        assert practitioner_context(at_cut["answers"], tables, ["Y1"])["waves"] == ["Y1"]
    finally:
        use_codebook(None)


def test_figures_and_titles_follow_the_instruments():
    mothers = spec.figure_specs(["mothers"])
    practitioners = spec.figure_specs(["practitioners"])
    assert mothers and practitioners and not set(mothers) & set(practitioners)
    assert {**mothers, **practitioners} == spec.figure_specs()
    assert set(spec.table_titles(["practitioners"])) == set(spec.practitioner_table_ids())
    assert spec.empty_figure_text("fig_practitioner_agreement")


# --------------------------------------------------------------------------- example data, report


def test_generator_is_deterministic_and_matches_the_committed_files(tmp_path):
    synthetic.generate(tmp_path, trackers=REPO / "data" / "raw" / "case_tracker")
    for name in ("mothers_T1.sav", "mothers_T2.sav", "practitioners_Y1.csv"):
        assert (tmp_path / name).read_bytes() == (RAW / name).read_bytes(), name


def test_generator_scale_keeps_proportions(tmp_path):
    synthetic.generate(tmp_path, scale=2, trackers=REPO / "data" / "raw" / "case_tracker")
    reads = {
        w: read_mothers_wave(tmp_path / f"mothers_{w}.sav", w, i + 1) for i, w in enumerate(WAVES)
    }
    at_cut = mothers_at_cutoff(
        {w: r["answers"] for w, r in reads.items()}, INTERIM_CUT, tracker_ids()
    )
    respondents = at_cut["responses"].groupby("wave").size().to_dict()
    assert respondents == {wave: 2 * n for wave, n in ref.SURVEY_RESPONDENTS.items()}
    # copy 2 carries the scaled case trackers' ids (EP-001-0002, see
    # synthetic.case_tracker._scaled): at the default cut-off only the copies of
    # the one id in no tracker are unknown
    ids = tracker_ids()
    scaled_ids = pd.concat([ids, ids.assign(case_id=ids["case_id"] + "-0002")])
    waves = {w: r["answers"] for w, r in reads.items()}
    latest = mothers_at_cutoff(waves, DEFAULT_CUT, scaled_ids)
    unknown = latest["responses"].loc[latest["responses"]["prison"].isna(), "case_id"]
    assert sorted(unknown) == [synthetic.UNKNOWN_CASE_ID, f"{synthetic.UNKNOWN_CASE_ID}-0002"]
    tables = build_mothers_tables(at_cut["responses"], at_cut["answers"], list(WAVES))
    positive = REFERENCE_B["mothers_support"]["support_inside"]["T2"][0]
    cell = _cell(tables["mothers_support"], "support_inside", "Moderately or extremely", "T2")
    assert cell["n"] == 2 * positive


def test_report_section_renders_with_numbers_only_from_results(interim, practitioners_read):

    template_path = REPO / "report" / "templates" / "sections" / "surveys.md.j2"
    text = template_path.read_text(encoding="utf-8")
    outside = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", "", text, flags=re.S)
    assert not re.search(r"\d", outside), "numbers must come from results, not the template"
    at_cut, tables = interim
    settings = spec.survey_settings({"mothers": {"waves": {k: str(v) for k, v in WAVES.items()}}})
    context = mothers_context(
        at_cut["responses"], at_cut["answers"], tables, settings, "2022-05-31"
    )
    p_tables = build_practitioner_tables(practitioners_read["answers"], ["Y1"])
    context["practitioners"] = practitioner_context(practitioners_read["answers"], p_tables, ["Y1"])
    context["practitioners"].update(
        previews_excluded=1, unfinished_excluded=1, after_cutoff_excluded=0
    )
    context["after_cutoff_excluded"] = 0

    class Fmt:
        plural = staticmethod(
            lambda n, one, many=None: f"{n} {one if n == 1 else many or one + 's'}"
        )
        count_pct = staticmethod(lambda n, d: f"{n} ({round(100 * n / d)}%)")
        pct = staticmethod(lambda x: f"{x:.0f}%")
        number = staticmethod(lambda x, digits=0: f"{x:.{digits}f}")
        and_list = staticmethod(lambda items: ", ".join(str(i) for i in items))

    asked = []
    from evaluation.report.render import make_environment

    env = make_environment(REPO / "report" / "templates")  # data escaped, as in the report
    rendered = env.from_string(text).render(
        results={"surveys": context},
        fmt=Fmt,
        table=lambda t: asked.append(t) or f"[table {t}]",
        figure=lambda f: asked.append(f) or f"[figure {f}]",
        ref=lambda t: f"[ref {t}]",
        fact=lambda f, column="Total": "12 (92%)",
    )
    assert "24 questionnaires" in rendered and "9 (39%)" in rendered
    assert set(asked) <= set(spec.table_titles()) | set(spec.figure_specs())
    assert {"mothers_views_css", "practitioner_agreement", "fig_mothers_paired_change"} <= set(
        asked
    )


def test_a_cut_before_any_response_gives_empty_but_valid_outputs(wave_reads):
    at_cut = _at(wave_reads, dt.date(2021, 1, 1))
    assert at_cut["responses"].empty and not at_cut.findings.findings
    tables = build_mothers_tables(at_cut["responses"], at_cut["answers"], list(WAVES))
    support = tables["mothers_support"]
    assert (
        (support["n"] == 0).all()
        and (support["denominator"] == 0).all()
        and support["pct"].isna().all()
    )
    assert (tables["mothers_paired_change"]["pairs"] == 0).all()
    fact = supported_inside_fact(at_cut["answers"], list(WAVES)).iloc[0]
    assert fact["denominator"] == 0 and pd.isna(fact["pct"])


def test_free_text_never_reaches_an_output(interim, wave_reads):
    import json

    frame, _meta = pyreadstat.read_sav(str(WAVES["T1"]))
    texts = {t for t in frame["hopes_text"] if isinstance(t, str) and len(t) > 8}
    assert texts, "the example T1 file carries free text"
    at_cut, tables = interim
    settings = spec.survey_settings({"mothers": {"waves": {k: str(v) for k, v in WAVES.items()}}})
    outputs = [t.to_csv() for t in tables.values()]
    outputs.append(
        json.dumps(mothers_context(at_cut["responses"], at_cut["answers"], tables, settings, "x"))
    )
    outputs.append(at_cut["answers"].to_csv())
    outputs.append(wave_reads["T1"].findings.to_frame().to_csv())
    assert not any(text in output for text in texts for output in outputs)


def test_wilcoxon_with_many_pairs_uses_the_tie_corrected_normal_approximation():
    import numpy as np
    from scipy import stats as scipy_stats

    from evaluation.strands.surveys.stats import PERMUTATION_MAX_N, wilcoxon_paired

    rng = np.random.default_rng(3)
    first = rng.integers(1, 6, 4 * PERMUTATION_MAX_N)
    later = np.clip(first + rng.integers(-1, 2, first.size), 1, 5)
    result = wilcoxon_paired(first, later)
    differences = (later - first).astype(float)
    differences = differences[differences != 0]
    expected = scipy_stats.wilcoxon(differences, correction=False, method="approx").pvalue
    assert "normal approximation" in result.method
    assert result.p_value == pytest.approx(expected)
