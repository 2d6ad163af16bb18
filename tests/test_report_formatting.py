"""Number formatting rules and the no-typed-numbers rule for templates."""

import re
from pathlib import Path

import pandas as pd
import pytest

from evaluation.core import formatting as fmt
from evaluation.report.render import count_table_markdown, stats_table_markdown

TEMPLATES = Path(__file__).resolve().parents[1] / "report" / "templates"


def test_count_with_percentage_from_counts():
    assert fmt.count_pct(14, 35) == "14 (40%)"
    assert fmt.count_pct(1, 8) == "1 (13%)"  # 12.5 rounds half away from zero
    assert fmt.count_pct(5, 0) == "5 (\u2013)"
    assert fmt.count_pct(None, 35) == fmt.SUPPRESSED


@pytest.mark.parametrize(
    ("value", "digits", "text"),
    [(2.5, 0, "3"), (3.5, 0, "4"), (0.125, 2, "0.13"), (1234, 0, "1,234"), (None, 0, "\u2013")],
)
def test_numbers_round_half_away_from_zero(value, digits, text):
    assert fmt.number(value, digits) == text


def test_plurals_dates_and_lists():
    assert fmt.plural(1, "mother") == "1 mother"
    assert fmt.plural(0, "mother") == "0 mothers"
    assert fmt.plural(3, "child", "children") == "3 children"
    assert fmt.date("2022-05-31") == "31 May 2022"
    assert (
        fmt.and_list(["Eastwood Park", "Send", "Low Newton"])
        == "Eastwood Park, Send and Low Newton"
    )


def test_count_table_is_wide_with_bases_in_the_header():
    frame = pd.DataFrame(
        {
            "row": ["Yes", "Yes", "No", "No"],
            "column": ["A", "Total"] * 2,
            "n": [1, 3, 2, 5],
            "denominator": [3, 8, 3, 8],
            "pct": [33.3, 37.5, 66.7, 62.5],
        }
    )
    lines = count_table_markdown(frame).splitlines()
    assert lines[0] == "| Category | A (n=3) | Total (n=8) |"
    assert lines[2] == "| Yes | 1 (33%) | 3 (38%) |"


def test_count_table_keeps_row_order_and_shows_gaps_suppression_and_plain_counts():
    frame = pd.DataFrame(
        {
            "item": ["Housing", "Housing", "Housing", "Debt", "Debt"],
            "row": ["Yes", "No", "Yes", "Yes", None],
            "column": ["A", "A", "B", "B", "B"],
            "n": [4, float("nan"), 7, 2, 1],
            "denominator": [10, 10, float("nan"), 9, 9],
            "pct": [40.0, float("nan"), float("nan"), 22.2, 11.1],
        }
    )
    lines = count_table_markdown(frame).splitlines()
    assert lines[0] == "| Item | Category | A | B |"  # stacked: no bases in the header
    assert lines[1] == "|:---|:---|---:|---:|"
    assert (
        lines[2:]
        == [
            "| Housing | Yes | 4 (40%) | 7 |",  # no base: a plain count
            f"|  | No | {fmt.SUPPRESSED} |  |",  # suppressed, and no B cell; the item heads its group once
            "| Debt | Yes |  | 2 (22%) |",
        ]
    )  # the row with no label is not a row


def template_text_outside_jinja(text: str) -> str:
    text = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", " ", text, flags=re.S)
    return re.sub(r"^---\n.*?\n---\n", "", text, flags=re.S)  # YAML block holds expressions only


def test_templates_type_no_numbers():
    offenders = []
    for path in sorted(TEMPLATES.rglob("*.j2")):
        for lineno, line in enumerate(
            template_text_outside_jinja(path.read_text()).splitlines(), start=1
        ):
            if re.search(r"\d", line):
                offenders.append(f"{path.name}:{lineno}: {line.strip()}")
    assert not offenders, "numbers typed into templates:\n" + "\n".join(offenders)


def test_the_scan_would_catch_a_typed_number():
    assert re.search(r"\d", template_text_outside_jinja("Of the {{ count('x') }} mothers, 35 were"))


def test_formatting_accepts_numbers_it_formatted_itself():
    assert fmt.plural("60,000", "mother") == "60,000 mothers"
    assert fmt.count("1,234") == "1,234"


def test_stats_table_headers_come_from_the_codebook_and_items_head_their_rows_once():
    frame = pd.DataFrame(
        {
            "item": ["Trust", "Trust", "Voice"],
            "column": ["T1", "T2", "T1"],
            "sd": [1.25, 2.0, float("nan")],
        }
    )
    lines = stats_table_markdown(frame, {"column": "Wave", "sd": "SD"}).splitlines()
    assert lines[0] == "| Item | Wave | SD |"  # labels given; 'item' in words
    assert [line.split(" | ")[0] for line in lines[2:]] == ["| Trust", "| ", "| Voice"]
    assert lines[3].endswith("| 2 |") and fmt.DASH in lines[4]
