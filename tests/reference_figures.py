"""Published figures the example data must reproduce, loaded from ``tools/synthetic/targets.yaml``.

The figures are written down once, in that file, which the example-data
generators also read. This module reads it on its own (no generator code) and
gives the tests the figures in handy shapes.

A: case tracker at the interim cut (2022-05-31); B: surveys; C: key facts at
the final cut (2023-12-31). Per table: row -> {column: n}; a column missing
from a row was not published.
"""

from pathlib import Path

import yaml

TARGETS_FILE = Path(__file__).resolve().parents[1] / "tools" / "synthetic" / "targets.yaml"
TARGETS = yaml.safe_load(TARGETS_FILE.read_text(encoding="utf-8"))

EP, SEND, TOTAL = "Eastwood Park", "Send", "Total"
INTERIM_CUT = TARGETS["cuts"]["interim"]
FINAL_CUT = TARGETS["cuts"]["final"]

# ----------------------------------------------------------------- A: case tracker, interim
_INTERIM = TARGETS["case_tracker_interim"]


def _table(table: dict, *, implied: bool = False) -> dict[str, dict[str, int]]:
    rows = {
        row: dict(zip(table["columns"], counts, strict=True))
        for row, counts in table["rows"].items()
    }
    if implied:
        rows |= {row: dict.fromkeys(table["columns"], 0) for row in table.get("implied_zero", [])}
    return rows


#: The tables as published.
INTERIM_TABLES = {table_id: _table(table) for table_id, table in _INTERIM["tables"].items()}
#: The same with the rows the published ones imply are zero, as 0s.
INTERIM_TABLES_WITH_ZEROS = {
    table_id: _table(table, implied=True) for table_id, table in _INTERIM["tables"].items()
}
MOTHER_NEEDS = list(INTERIM_TABLES["mother_needs"])
WORKER_NEEDS = list(INTERIM_TABLES["social_worker_needs"])
CARE = list(INTERIM_TABLES["care_arrangement"])
#: Relationship status is published in groups of the contract's categories.
INTERIM_RELATIONSHIP_GROUPS = {
    tuple(group["categories"]): group["n"] for group in _INTERIM["relationship_groups"]
}
INTERIM_MOTHERS = dict(_INTERIM["mothers"])
#: Non-remand denominators of the sentence table.
INTERIM_SENTENCE_BASE = dict(_INTERIM["sentence_base"])
INTERIM_FACTS = {
    (fact, column): n
    for fact, by_column in _INTERIM["facts"].items()
    for column, n in by_column.items()
}

# ----------------------------------------------------------------- C: case tracker, final
_FINAL = TARGETS["case_tracker_final"]
FINAL_MOTHERS = dict(_FINAL["mothers"])
#: fact -> (n, denominator, published whole-number percentage or None)
FINAL_FACTS = {fact: tuple(value) for fact, value in _FINAL["facts"].items()}
#: Facts not printed but given by the printed ones, in the same form.
FINAL_IMPLIED_FACTS = {fact: tuple(value) for fact, value in _FINAL["implied_facts"].items()}
FINAL_LOCAL_AUTHORITIES = _FINAL["local_authorities"]
#: prison -> (mothers with legal support, whole-number percentage of all those mothers)
FINAL_LEGAL_SUPPORT_BY_PRISON = {
    prison: tuple(value) for prison, value in _FINAL["legal_support_by_prison"].items()
}

# ----------------------------------------------------------------- B: surveys
_SURVEYS = TARGETS["surveys_interim"]
SURVEY_RESPONDENTS = dict(_SURVEYS["respondents"])
#: table -> item -> wave -> (positive, neutral, negative, base)
SURVEY_TABLES = {
    table_id: {
        item: {wave: tuple(counts) for wave, counts in by_wave.items()}
        for item, by_wave in items.items()
    }
    for table_id, items in _SURVEYS["tables"].items()
}
#: item -> wave -> published mean, rounded to a whole number
SURVEY_RATINGS = _SURVEYS["ratings"]
#: wave -> (WAI-SR totals computed, denominator, whole-number percentage)
WAI_COMPUTED = {wave: tuple(value) for wave, value in _SURVEYS["wai"]["computed"].items()}
WAI_NOT_MET = dict(_SURVEYS["wai"]["not_met"])
#: item -> {row, n, denominator, pct} of the T2 service items
SURVEY_SERVICE = _SURVEYS["service"]
#: (n, denominator, whole-number percentage) at the final cut
SUPPORTED_INSIDE_LATEST_WAVE = tuple(TARGETS["surveys_final"]["supported_inside_latest_wave"])
PRACTITIONERS = TARGETS["practitioners_interim"]

# ----------------------------------------------------------------- interviews
QUALITATIVE_INTERIM = TARGETS["qualitative_interim"]
