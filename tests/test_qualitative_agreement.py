"""Cohen's kappa and Krippendorff's alpha against values computed by hand."""

import numpy as np
import pandas as pd
import pytest

from evaluation.strands.qualitative.agreement import (
    agreement_table,
    cohen_kappa,
    double_coded,
    krippendorff_alpha_nominal,
)

# One theme, ten segments; 1 = the coder applied the theme.
CODER_A = [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]
CODER_B = [1, 1, 1, 0, 1, 0, 0, 0, 0, 0]


def test_kappa_by_hand():
    # observed agreement: 8 of 10 segments = 0.8
    # A applies the theme to 4 of 10 (0.4), B to 4 of 10 (0.4)
    # chance agreement = 0.4 * 0.4 + 0.6 * 0.6 = 0.52
    # kappa = (0.8 - 0.52) / (1 - 0.52) = 0.28 / 0.48 = 0.583333...
    assert cohen_kappa(CODER_A, CODER_B) == pytest.approx(0.28 / 0.48)


def test_kappa_perfect_and_undefined():
    assert cohen_kappa([1, 0, 1], [1, 0, 1]) == pytest.approx(1.0)
    # both coders never use the theme: chance agreement is 1, kappa undefined
    assert cohen_kappa([0, 0, 0], [0, 0, 0]) is None
    with pytest.raises(ValueError):
        cohen_kappa([1, 0], [1])


def test_alpha_by_hand_two_coders():
    # Units: (1,1) x3, (1,0), (0,1), (0,0) x5. Each unit has 2 values, so each ordered pair
    # weighs 1/(2-1) = 1. Coincidences: o11 = 6, o00 = 10, o10 = o01 = 2.
    # n1 = 8, n0 = 12, n = 20. alpha = 1 - (n - 1) * (o10 + o01) / (2 * n1 * n0)
    #                                 = 1 - 19 * 4 / 192 = 1 - 0.395833 = 0.604167
    assert krippendorff_alpha_nominal([CODER_A, CODER_B]) == pytest.approx(1 - 76 / 192)


def test_alpha_matches_krippendorffs_published_example():
    # Krippendorff (2011), "Computing Krippendorff's alpha-reliability", nominal example:
    # 4 observers, 12 units, missing values; alpha = 0.743.
    n = None
    data = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, n, n, n],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, n, 3],
        [n, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, n],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, n],
    ]
    assert krippendorff_alpha_nominal(data) == pytest.approx(0.743, abs=5e-4)
    # NaN works as missing too
    as_float = np.array([[np.nan if v is None else v for v in row] for row in data], dtype=float)
    assert krippendorff_alpha_nominal(as_float) == pytest.approx(0.743, abs=5e-4)


def test_alpha_without_variation_is_undefined():
    assert krippendorff_alpha_nominal([[1, 1, 1], [1, 1, 1]]) is None


def _segments(rows):
    return pd.DataFrame(rows, columns=["segment_id", "coder", "theme"]).assign(
        participant_id="M1", excerpt="", exemplar=False, file="f.csv", line=2
    )


def test_agreement_table_on_an_inline_fixture():
    themes = pd.DataFrame(
        {
            "theme": ["t1", "t2"],
            "label": ["Theme one", "Theme two"],
            "parent": [None, None],
            "order": [0, 1],
        }
    )
    rows = [
        ("s1", "P", "t1"),
        ("s2", "P", "t1"),
        ("s3", "P", "t2"),
        ("s4", "P", "t2"),
        ("s5", "P", "t1"),
        ("s6", "P", "t2"),  # coded by P only: not double-coded
        ("s1", "Q", "t1"),
        ("s2", "Q", "t2"),
        ("s3", "Q", "t2"),
        ("s4", "Q", "t2"),
    ]
    table, summary = agreement_table(themes, _segments(rows), "P")
    # t1 on s1..s4: P = 1,1,0,0; Q = 1,0,0,0 -> agree 3/4 = 75%;
    #   chance = 0.5*0.25 + 0.5*0.75 = 0.5 -> kappa = (0.75 - 0.5) / 0.5 = 0.5
    # t2 on s1..s4: P = 0,0,1,1; Q = 0,1,1,1 -> agree 3/4; chance 0.5 -> kappa 0.5
    # alpha over the 8 segment x theme units: o11 = 6, o00 = 6, o10 = o01 = 2,
    #   n1 = n0 = 8, n = 16 -> alpha = 1 - 15 * 4 / (2 * 8 * 8) = 0.53125 -> 0.531
    assert table["theme"].tolist() == ["Theme one", "Theme two", "All themes"]
    assert table["double_coded_segments"].tolist() == [4, 4, 4]
    assert table["coded_by_either"].tolist() == [2, 3, 4]
    assert table["agreement"].tolist() == [75.0, 75.0, 75.0]
    assert table["kappa"].tolist()[:2] == [0.5, 0.5]
    assert table["alpha"].iloc[-1] == 0.531
    assert summary["second_coder"] == "Q"
    assert summary["double_coded_segments"] == 4


def test_second_coder_is_the_one_sharing_most_segments():
    rows = [
        ("s1", "P", "t"),
        ("s2", "P", "t"),
        ("s3", "P", "t"),
        ("s1", "R", "t"),
        ("s2", "Q", "t"),
        ("s3", "Q", "t"),
    ]
    second, ids = double_coded(_segments(rows), "P")
    assert (second, ids) == ("Q", ["s2", "s3"])
