"""Raw-cell parsers: dates, whole numbers, sentence lengths."""

import datetime as dt

import pytest

from evaluation.core.parsing import (
    blank_cells,
    distinct_cells,
    is_blank,
    parse_date,
    parse_integer,
    parse_sentence,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (dt.datetime(2021, 11, 3, 0, 0), dt.date(2021, 11, 3)),
        (dt.date(2021, 11, 3), dt.date(2021, 11, 3)),
        (44503, dt.date(2021, 11, 3)),  # Excel serial
        (44503.0, dt.date(2021, 11, 3)),
        ("03/11/2021", dt.date(2021, 11, 3)),  # day first: 3 November
        ("3.11.21", dt.date(2021, 11, 3)),
        ("2021-11-03", dt.date(2021, 11, 3)),
        (" 03/11/2021 00:00:00 ", dt.date(2021, 11, 3)),
        ("44503", dt.date(2021, 11, 3)),
    ],
)
def test_dates_in_every_accepted_form(raw, expected):
    assert parse_date(raw) == (expected, None)


@pytest.mark.parametrize("raw", ["31/02/2021", "next week", "13/13/2021", 12, True, "2021/11"])
def test_bad_dates_are_problems_not_values(raw):
    value, problem = parse_date(raw)
    assert value is None and problem


@pytest.mark.parametrize("raw", [None, "", "   ", float("nan")])
def test_blank_cells_are_missing_not_errors(raw):
    assert parse_date(raw) == (None, None)
    assert parse_integer(raw) == (None, None)
    assert parse_sentence(raw) == (None, None)


def test_integers_accept_excel_floats_and_text_and_check_range():
    assert parse_integer(3.0, 1, 15) == (3, None)
    assert parse_integer(" 7 ", 1, 15) == (7, None)
    assert parse_integer(2.5, 1, 15)[0] is None
    value, problem = parse_integer(16, 1, 15)
    assert value is None and "1 to 15" in problem
    assert parse_integer("three")[0] is None


@pytest.mark.parametrize(
    ("raw", "months"),
    [
        ("18 months", 18.0),
        ("4 years", 48.0),
        ("2 years 6 months", 30.0),
        ("2y 6m", 30.0),
        ("4y", 48.0),
        ("16 weeks", round(16 * 12 / 52, 4)),
        ("2 Years, 3 Months", 27.0),
        ("1 year and 1 month", 13.0),
    ],
)
def test_sentence_text_to_months(raw, months):
    assert parse_sentence(raw) == ((months, False), None)


@pytest.mark.parametrize("raw", ["Life", "IPP", " indeterminate "])
def test_indeterminate_sentences(raw):
    assert parse_sentence(raw) == ((None, True), None)


@pytest.mark.parametrize("raw", ["a long time", "18", "2 decades", "5 years plus"])
def test_unparseable_sentences_are_problems(raw):
    value, problem = parse_sentence(raw)
    assert value is None and "Life" in problem


COLUMN = [1, 1.0, True, "a", " ", "", None, float("nan"), "a", dt.date(2020, 1, 1), 1.0, 2]


def test_distinct_cells_keep_types_apart_and_code_blanks():
    cells = distinct_cells(COLUMN)
    assert cells.values == [1, 1.0, True, "a", dt.date(2020, 1, 1), 2]
    assert [type(v) for v in cells.values[:3]] == [int, float, bool]
    assert cells.codes.tolist() == [0, 1, 2, 3, -1, -1, -1, -1, 3, 4, 1, 5]
    assert cells.take(["one", "one.0", "true", "A", "day", "two"], fill="-")[
        [0, 4, 10]
    ].tolist() == [
        "one",
        "-",
        "one.0",
    ]


def test_blank_cells_match_is_blank():
    assert blank_cells(COLUMN).tolist() == [is_blank(v) for v in COLUMN]
    assert distinct_cells([]).values == [] and blank_cells(["", " "]).all()
