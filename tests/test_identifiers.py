"""Identifier guard: every kind is found, ordinary prose is left alone, messages never leak."""

import pytest

from evaluation.core.findings import DataValidationError
from evaluation.core.identifiers import (
    check_texts,
    nhs_checksum_ok,
    read_disallowed_names,
    scan_text,
)

NAMES = ["Marjorie Pennington", "Declan Fairweather"]


@pytest.mark.parametrize(
    ("text", "kind", "found"),
    [
        ("write to me at jo.bloggs@example.org next week", "email", "jo.bloggs@example.org"),
        ("her mobile is 07700 900123 if needed", "uk_phone", "07700 900123"),
        ("ring +44 (0)117 496 0123 after ten", "uk_phone", "+44 (0)117 496 0123"),
        ("the office on 0117-496-0123", "uk_phone", "0117-496-0123"),
        ("prison number A1234BC was on the letter", "prison_number", "A1234BC"),
        ("NHS number 943 476 5919 on the form", "nhs_number", "943 476 5919"),
        ("nhs no 9434765919", "nhs_number", "9434765919"),
        ("her NI number QQ 12 34 56 C", "ni_number", "QQ 12 34 56 C"),
        ("ni ab123456c", "ni_number", "ab123456c"),
        ("she moved to BS1 4DJ last year", "postcode", "BS1 4DJ"),
        ("the flat in SW1A 1AA", "postcode", "SW1A 1AA"),
        ("DOB 03/04/1990", "date_of_birth", "DOB 03/04/1990"),
        ("d.o.b. 3.4.90 on file", "date_of_birth", "d.o.b. 3.4.90"),
        ("my son was born on 3rd April 2015", "date_of_birth", "born on 3rd April 2015"),
        ("date of birth: 1990-04-03", "date_of_birth", "date of birth: 1990-04-03"),
        ("she was born on the 12th of May", "date_of_birth", "born on the 12th of May"),
        ("I spoke to marjorie  pennington about it", "disallowed_name", "marjorie  pennington"),
        ("Declan Fairweather came too", "disallowed_name", "Declan Fairweather"),
    ],
)
def test_every_kind_is_found_with_its_position(text, kind, found):
    hits = scan_text(text, NAMES)
    assert (kind, text.index(found), text.index(found) + len(found)) in hits


def test_nhs_number_needs_a_valid_checksum():
    # 943 476 5919: weights 10..2 give 9*10+4*9+3*8+4*7+7*6+6*5+5*4+9*3+1*2 = 299,
    # 299 mod 11 = 2, 11 - 2 = 9 = the check digit.
    assert nhs_checksum_ok("9434765919")
    assert not nhs_checksum_ok("9434765918")  # check digit off by one
    assert not any(k == "nhs_number" for k, _, _ in scan_text("reference 943 476 5918"))


PROSE = """\
Amy was interviewed on 03/05/2022 and again on 12.05.2022 at 10:30, after SW1 and CP3 had
met her at HMP Eastwood Park in May 2022. Case EP-014 and case SE-031 were open for 18 months;
45% of mothers (17 of 38) had direct contact and 2,568 hours were recorded between 2021 and
2023. Her baby was born in March 2021 and she has 2 children aged 3 and 7. SW1's 2nd
interview took place in round 2 (Q4 2021); RQ1 to RQ8 are covered. Gina, mother after release,
said the phone calls were twice a week and lasted 10 minutes. The review on 2022-03-04 was
6 months after first contact; 1 in 5 practitioners rated it 4 out of 5. Mum rang 3 times.
The report cites table 12 and figure 3, a score of 0.714 and a kappa of -0.04.
"""


def test_no_false_alarms_on_ordinary_prose():
    assert scan_text(PROSE, NAMES) == []


def test_pseudonyms_are_not_flagged_unless_listed():
    assert (
        scan_text("Bethan, CP6 and SW2 spoke about Marjorie's visit", ["Marjorie Pennington"]) == []
    )
    assert scan_text("Bethan said so", ["Bethan"]) == [("disallowed_name", 0, 6)]


def test_check_texts_names_the_segment_and_kind_but_never_the_identifier():
    items = [
        (
            {"file": "coded_segments.csv", "row": 14, "column": "excerpt", "segment": "S0012"},
            "email me on jo.bloggs@example.org",
        ),
        (
            {"file": "coded_segments.csv", "row": 15, "column": "excerpt", "segment": "S0013"},
            "nothing to see here",
        ),
        (
            {"file": "integration.yaml", "column": "sentence", "field": "the sentence of RQ2"},
            "Declan Fairweather agreed",
        ),
    ]
    with pytest.raises(DataValidationError) as caught:
        check_texts(items, NAMES)
    message = str(caught.value)
    assert "segment S0012" in message and "e-mail address" in message
    assert "row 14" in message and "coded_segments.csv" in message
    assert "the sentence of RQ2" in message and "disallowed_names.txt" in message
    assert "S0013" not in message
    assert "jo.bloggs" not in message and "Fairweather" not in message
    assert len(caught.value.findings) == 2
    assert all(f.value is None for f in caught.value.findings)


def test_check_texts_can_collect_without_raising():
    log = check_texts([("quote bank", "call 07700 900123")], raise_on_hit=False)
    assert [f.check for f in log.errors] == ["identifier_guard"]
    assert "900123" not in log.errors[0].render()


def test_disallowed_names_file(tmp_path):
    path = tmp_path / "disallowed_names.txt"
    path.write_text("\ufeff# comment line\nJane Doe\n\n  John Roe  \n", encoding="utf-8")
    assert read_disallowed_names(path) == ["Jane Doe", "John Roe"]
    assert read_disallowed_names(tmp_path / "missing.txt") == []
