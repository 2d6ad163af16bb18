"""Identifier guard: stop the run before an identifying detail reaches an output.

:func:`scan_text` finds e-mail addresses, UK telephone numbers, prison
numbers (A1234BC), NHS numbers (modulus-11 checksum), National Insurance
numbers, UK postcodes, dates of birth written in context ("DOB 03/04/1990",
"born on 3 April 1990") and names from a disallowed-names list.
:func:`check_texts` runs it over many texts and reports where each hit is and
what kind it is, but never the identifier itself. The patterns are tuned not
to fire on ordinary prose, pseudonyms, case ids (EP-014), interview dates,
years, percentages and counts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from evaluation.core.codebook import load_codebook
from evaluation.core.findings import FindingLog

#: The checks this module names in its findings (``check=``), as the validation
#: report describes them; a test keeps this in step with the code.
CHECKS: dict[str, str] = {
    "identifier_guard": "no identifying details in texts that can reach an output",
}

EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"
)

# +44 / 0044 / 0 followed by 9 or 10 more digits, with spaces, hyphens, dots
# or brackets between groups. Checked for length after matching.
UK_PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)44[\s.\-]?(?:\(0\)[\s.\-]?)?|\(?0)\d[\d\s.\-()]{7,14}\d(?![\w])"
)

PRISON_NUMBER = re.compile(r"\b[A-Z]\d{4}[A-Z]{2}\b", re.IGNORECASE)
#: A whole cell that is a prison number typed with spaces, hyphens or dots
#: between its parts ("a1234 bc", "A-1234-BC"): in an id column, still a prison number.
_SPACED_PRISON_NUMBER = re.compile(
    r"\s*[A-Z][\s.\-]*\d{4}[\s.\-]*[A-Z][\s.\-]*[A-Z]\s*", re.IGNORECASE
)


def looks_like_prison_number(value) -> bool:
    """True when a cell holds a prison number (A1234BC), also typed with separators.

    Used on id cells and on any value a message would show: such a value is
    named by where it is, never printed.
    """
    if value is None or not isinstance(value, str):
        return False
    return bool(PRISON_NUMBER.search(value) or _SPACED_PRISON_NUMBER.fullmatch(value))


def prison_number_message(column: str) -> str:
    """What a finding says about a prison number in ``column`` (the value is never shown)."""
    return (
        f"{column} looks like {kind_descriptions()['prison_number']}, which identifies a "
        "person; replace it with the study's pseudonymous id in the source file "
        "(the value is not shown here)"
    )


NHS_NUMBER = re.compile(r"(?<![\d\w])(\d{3})[ \-]?(\d{3})[ \-]?(\d{4})(?![\d\w])")

NI_NUMBER = re.compile(
    r"\b(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-TW-Z]{2}"
    r"[ ]?\d{2}[ ]?\d{2}[ ]?\d{2}[ ]?[A-D]\b",
    re.IGNORECASE,
)

# Upper-case postcodes only: lower-case forms collide with prose such as "SW1 2nd".
POSTCODE = re.compile(
    r"\b(?:GIR ?0AA|(?:[A-PR-UWYZ][0-9]{1,2}|[A-PR-UWYZ][A-HK-Y][0-9]{1,2}|[A-PR-UWYZ][0-9][A-HJKPSTUW]"
    r"|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY]) ?[0-9][ABD-HJLNP-UW-Z]{2})\b"
)

_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DAY = r"(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?"
_DATE = (
    rf"(?:\d{{1,2}}\s?[/.\-]\s?\d{{1,2}}\s?[/.\-]\s?\d{{2,4}}"  # 03/04/1990, 3.4.90
    rf"|\d{{4}}-\d{{1,2}}-\d{{1,2}}"  # 1990-04-03
    rf"|(?:the\s+)?{_DAY}\s+(?:of\s+)?{_MONTHS}\.?(?:,?\s+\d{{2,4}})?"  # 3rd of April 1990
    rf"|{_MONTHS}\.?\s+{_DAY}(?:,?\s+\d{{2,4}})?)"  # April 3, 1990
)
DATE_OF_BIRTH = re.compile(
    rf"\b(?:d\.?\s?o\.?\s?b\.?|date\s+of\s+birth|born(?:\s+on)?|birth\s?date|birthday(?:\s+is)?)"
    rf"\s*(?:[:\-]|is|was)?\s*(?:on\s+)?{_DATE}\b",
    re.IGNORECASE,
)

KINDS = (
    "email",
    "uk_phone",
    "prison_number",
    "nhs_number",
    "ni_number",
    "postcode",
    "date_of_birth",
    "disallowed_name",
)


#: What each kind is called in messages when the study's codebook has no
#: ``identifier_kinds`` (a study without interviews still has its outputs guarded).
DEFAULT_DESCRIPTIONS = {
    "email": "an e-mail address",
    "uk_phone": "a UK telephone number",
    "prison_number": "a prison number (a letter, four digits, two letters)",
    "nhs_number": "an NHS number (valid checksum)",
    "ni_number": "a National Insurance number",
    "postcode": "a UK postcode",
    "date_of_birth": "a date of birth",
    "disallowed_name": "a name listed in disallowed_names.txt",
}


def kind_descriptions() -> dict[str, str]:
    """Kind id -> description used in messages: the study's codebook's, else the defaults."""
    declared = (load_codebook().get("qualitative") or {}).get("identifier_kinds") or {}
    return {**DEFAULT_DESCRIPTIONS, **declared}


def nhs_checksum_ok(digits: str) -> bool:
    """True when a 10-digit string passes the NHS number modulus-11 check."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _uk_phone_ok(match_text: str) -> bool:
    digits = re.sub(r"\D", "", match_text)
    if digits.startswith("0044"):
        digits = "0" + digits[4:]
    elif digits.startswith("44") and match_text.lstrip().startswith("+"):
        digits = "0" + digits[2:]
    if digits.startswith("00"):
        digits = "0" + digits[2:].lstrip("0")
    return digits.startswith("0") and len(digits) in (10, 11) and digits[1] in "123578"


def read_disallowed_names(path: str | Path | None) -> list[str]:
    """Names from a disallowed-names file: one a line; blank lines and '#' comments skipped."""
    if path is None or not Path(path).exists():
        return []
    names = []
    for line in Path(path).read_text(encoding="utf-8-sig").splitlines():
        name = line.strip()
        if name and not name.startswith("#"):
            names.append(name)
    return names


def _name_pattern(names: Iterable[str]) -> re.Pattern | None:
    parts = sorted({n.strip() for n in names if n and n.strip()}, key=lambda n: (-len(n), n))
    if not parts:
        return None
    alternatives = [r"\s+".join(re.escape(token) for token in name.split()) for name in parts]
    return re.compile(r"(?<![\w'])(?:" + "|".join(alternatives) + r")(?![\w])", re.IGNORECASE)


def scan_text(text: str | None, disallowed_names: Iterable[str] = ()) -> list[tuple[str, int, int]]:
    """Identifiers in a text as (kind, start, end), sorted by position then kind."""
    if text is None or not isinstance(text, str) or not text.strip():
        return []
    hits: list[tuple[str, int, int]] = []
    for m in EMAIL.finditer(text):
        hits.append(("email", m.start(), m.end()))
    for m in UK_PHONE.finditer(text):
        if _uk_phone_ok(m.group(0)):
            hits.append(("uk_phone", m.start(), m.end()))
    for m in PRISON_NUMBER.finditer(text):
        hits.append(("prison_number", m.start(), m.end()))
    for m in NHS_NUMBER.finditer(text):
        if nhs_checksum_ok("".join(m.groups())):
            hits.append(("nhs_number", m.start(), m.end()))
    for m in NI_NUMBER.finditer(text):
        hits.append(("ni_number", m.start(), m.end()))
    for m in POSTCODE.finditer(text):
        hits.append(("postcode", m.start(), m.end()))
    for m in DATE_OF_BIRTH.finditer(text):
        hits.append(("date_of_birth", m.start(), m.end()))
    pattern = _name_pattern(disallowed_names)
    if pattern is not None:
        for m in pattern.finditer(text):
            hits.append(("disallowed_name", m.start(), m.end()))
    return sorted(set(hits), key=lambda h: (h[1], h[2], h[0]))


def check_texts(
    items: Iterable[tuple[str | Mapping, str | None]],
    disallowed_names: Iterable[str] = (),
    *,
    source: str = "identifier guard",
    raise_on_hit: bool = True,
) -> FindingLog:
    """Scan (where, text) pairs; each hit is an error naming where and the kind, not the text.

    ``where`` is a description ("quote bank, segment S012") or a mapping with
    Finding context (``file``, ``row``, ``column``, ``sheet``) plus ``segment``
    (a segment id) or ``field`` (what the text is, e.g. "the sentence of RQ3").
    Raises DataValidationError listing every hit unless ``raise_on_hit`` is false.
    """
    names = list(disallowed_names)
    descriptions = kind_descriptions()
    log = FindingLog(source=source)
    for where, text in items:
        kinds = sorted({kind for kind, _, _ in scan_text(text, names)}, key=KINDS.index)
        if not kinds:
            continue
        context = dict(where) if isinstance(where, Mapping) else {"file": str(where)}
        label = context.pop("segment", None)
        field_name = context.pop("field", None)
        file = context.pop("file", "")
        found = ", ".join(descriptions.get(k, k) for k in kinds)
        subject = f"segment {label}" if label else (field_name or "this text")
        log.error(
            file,
            f"{subject} contains {found}; remove or pseudonymise it in the source file "
            "(the text is not shown here)",
            value=None,
            expected="no identifying details in text that can reach an output",
            check="identifier_guard",
            **{k: v for k, v in context.items() if k in ("sheet", "row", "column")},
        )
    if raise_on_hit:
        log.raise_if_errors()
    return log
