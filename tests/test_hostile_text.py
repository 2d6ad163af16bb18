"""Text from raw files is inert in the report, and quotes are printed as coded (issue 21).

The corpus of ``hostile.py`` is planted in every raw-file text field that
reaches the report (``hostile.FIELDS``), in a scratch copy of the example
project (``hostile_run``), beside a twin whose same fields hold plain words.
Each planted value must appear verbatim as text in report.html and
report.docx (as ``hostile.shown`` promises for control characters and line
breaks), and must change nothing else: the two reports have the same
elements, styles and formatting, and no element or attribute comes from data.
"""

from __future__ import annotations

import csv
from collections import Counter

import pytest
from hostile import (
    CORPUS,
    FIELDS,
    HOSTILE_DOMAIN,
    MARKER,
    capped,
    has_control,
    read_docx,
    read_html,
    report_quotes,
    shown,
    squash,
)

from evaluation.core.identifiers import scan_text

BUILD = "report/build"


def test_corpus_is_distinct_recognisable_and_passes_the_identifier_guard():
    keys = [h.key for h in CORPUS]
    assert len(set(keys)) == len(keys)
    for item in CORPUS:
        assert MARKER.findall(item.text)[:1] == [item.key], item
        # a hit would stop the run before the report: the corpus must not look identifying
        assert scan_text(item.text, ["Marjorie Pennington", "Declan Fairweather"]) == []
        assert scan_text(item.text.upper()) == []
    assert max(len(h.text) for h in CORPUS) >= 3000
    assert any(has_control(h.text) for h in CORPUS)
    assert any("\u202e" in h.text for h in CORPUS)


def test_shown_maps_control_characters_to_pictures_and_line_breaks_to_spaces():
    assert shown("a\x07b\x1bc\nd\te\u202ef") == "a\u2407b\u241bc d\te\u202ef"
    assert capped("one  two\nthree", 2) == "one two [...]"


def _missing(text: str, field: str, slots) -> list[str]:
    """Planted values (by the corpus strings they hold) that ``text`` does not show verbatim."""
    expected = FIELDS[field].expected
    missing = []
    for slot in slots:
        if squash(expected(slot.value)) in text:
            continue
        if expected(slot.value) != shown(slot.value):  # capped or upper-cased: as a whole only
            missing.append(f"value made of {', '.join(slot.keys)}")
            continue
        keys = [
            h.key for h in CORPUS if h.key in slot.keys and squash(expected(h.text)) not in text
        ] or list(slot.keys)
        missing.append(f"value made of {', '.join(slot.keys)}: missing {', '.join(keys)}")
    return missing


@pytest.mark.parametrize("field", list(FIELDS))
def test_each_planted_value_appears_verbatim_as_text_in_the_html(hostile_run, field):
    hostile, _benign, slots = hostile_run
    page = read_html(hostile / BUILD / "report.html")
    missing = _missing(page.text, field, slots[field])
    assert not missing, f"{FIELDS[field].where}: not shown verbatim in report.html:\n" + "\n".join(
        missing
    )


@pytest.mark.parametrize("field", list(FIELDS))
def test_each_planted_value_appears_verbatim_in_the_word_file(hostile_run, field):
    hostile, _benign, slots = hostile_run
    document = read_docx(hostile / BUILD / "report.docx")
    missing = _missing(document.text, field, slots[field])
    assert not missing, f"{FIELDS[field].where}: not shown verbatim in report.docx:\n" + "\n".join(
        missing
    )


def _difference(hostile: list, benign: list) -> str:
    more, fewer = Counter(hostile) - Counter(benign), Counter(benign) - Counter(hostile)
    return f"only with hostile text: {dict(more)}; only with plain text: {dict(fewer)}"


def test_html_has_no_element_or_attribute_made_from_data(hostile_run):
    hostile, benign, _slots = hostile_run
    page = read_html(hostile / BUILD / "report.html")
    twin = read_html(benign / BUILD / "report.html")
    assert page.structure == twin.structure, _difference(page.structure, twin.structure)
    tags = {tag for tag, _ in page.structure}
    assert not tags & {"script", "iframe", "object", "embed", "laughs"}
    from_data = [
        (tag, name, value[:80])
        for tag, name, value in page.attributes
        if not value.startswith("data:") and (HOSTILE_DOMAIN in value or MARKER.search(value))
    ]
    assert not from_data
    images = [v[:30] for tag, name, v in page.attributes if tag == "img" and name == "src"]
    assert all(src.startswith("data:") for src in images), images


def test_word_file_has_no_formatting_field_or_link_made_from_data(hostile_run):
    hostile, benign, _slots = hostile_run
    document = read_docx(hostile / BUILD / "report.docx")
    twin = read_docx(benign / BUILD / "report.docx")
    assert document.styles == twin.styles, _difference(document.styles, twin.styles)
    assert document.formatting == twin.formatting, _difference(
        list(document.formatting.elements()), list(twin.formatting.elements())
    )
    assert not [t for t in document.external_targets if HOSTILE_DOMAIN in t]
    assert len(document.external_targets) == len(twin.external_targets)


def _coded_excerpts(workdir) -> dict[str, str]:
    """segment_id -> excerpt of the exemplar rows of the planted coded_segments.csv."""
    path = workdir / "data/raw/qualitative/coded_segments.csv"
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {r["segment_id"].strip(): r["excerpt"].strip() for r in rows if r["exemplar"] == "Yes"}


def test_quotes_in_the_report_equal_the_coded_excerpts(hostile_run):
    hostile, _benign, slots = hostile_run
    coded = _coded_excerpts(hostile)
    assert len(coded) == len(slots["excerpt"])
    with open(hostile / "report/tables/quote_bank.csv", encoding="utf-8", newline="") as handle:
        bank = {r["segment_id"]: r["excerpt"] for r in csv.DictReader(handle)}
    # the quote bank file: each excerpt as coded, character for character (long ones capped)
    assert bank == {seg: capped(text) for seg, text in coded.items()}
    # the report: every quotation, as the quote bank has it, and nothing else
    page = read_html(hostile / BUILD / "report.html")
    expected = sorted(squash(shown(capped(text))) for text in coded.values())
    assert sorted(report_quotes(page)) == expected
    document = read_docx(hostile / BUILD / "report.docx")
    assert [q for q in expected if q not in document.text] == []
