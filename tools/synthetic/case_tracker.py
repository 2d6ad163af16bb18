"""Synthetic case-tracker workbooks (one per prison) that reproduce the published figures.

Run ``python -m tools.synthetic.case_tracker --out data/raw/case_tracker`` from the
repository root.

The 94 invented mothers (Eastwood Park 48, Send 46, plus three referred but never
started) are built by explicit allocation: every published count (interim cut
2022-05-31 and final cut 2023-12-31, read from ``targets.yaml``) is an exact
allocation list per prison and period, shuffled with a seeded generator within
the constraints that keep a case coherent (children's placements match the care
arrangement, sentences match legal status and offence, reviews every six months).
Reviews run to an extract date after the final cut, and some of them would
change published facts if a reader ignored the cut-off.

The raw cells then get the mess real exports contain and the data contract
accepts: header variants, category variants from the codebook, stray spaces and
odd case, dates as Excel dates, serial numbers or UK day-first text, sentence
text in several forms, an extra column and sheet, and blank rows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook

from evaluation.core import codebook
from evaluation.core.config import slug
from evaluation.core.xlsx import workbook_bytes
from tools.synthetic import targets

# --------------------------------------------------------------------------- constants

PRISON_CODES = {"Eastwood Park": "EP", "Send": "SE"}
MBU_PRISONS = {"Eastwood Park"}
INTERIM_CUT = targets.cut("interim")
FINAL_CUT = targets.cut("final")
#: Reviews are generated up to this date, after the final cut (trap for cut-off handling).
EXTRACT_DATE = dt.date(2024, 3, 31)
PROJECT_START = dt.date(2021, 4, 1)
PILOT_START = dt.date(2021, 1, 4)
LATER_FIRST = dt.date(2022, 6, 1)
LATER_LAST = dt.date(2023, 12, 22)
REVIEW_MONTHS = 6
EXCEL_EPOCH = dt.date(1899, 12, 30)

CREATOR = "evaluation synthetic generator"
FIXED_TIME = dt.datetime(2024, 1, 1, 0, 0, 0)
MARKER = "synthetic note"

EPI = ("Eastwood Park", "interim")
EPL = ("Eastwood Park", "later")
SEI = ("Send", "interim")
SEL = ("Send", "later")
_INTERIM_MOTHERS, _FINAL_MOTHERS = targets.mothers("interim"), targets.mothers("final")
GROUP_SIZES = {
    EPI: _INTERIM_MOTHERS["Eastwood Park"],
    EPL: _FINAL_MOTHERS["Eastwood Park"] - _INTERIM_MOTHERS["Eastwood Park"],
    SEI: _INTERIM_MOTHERS["Send"],
    SEL: _FINAL_MOTHERS["Send"] - _INTERIM_MOTHERS["Send"],
}
NOT_STARTED = {"Eastwood Park": 2, "Send": 1}

# Arrangement and placement labels used in the construction rules (checked
# against the codebook by _check_labels, so a renamed label fails loudly).
KIN = "All children in kinship care or other family arrangement"
KIN_MBU = "All children in kinship care or other family arrangement including MBU"
FATHER = "All children residing with father"
FOSTER = "Foster care placement/s"
MIX_ADOPT = "Mixed childcare arrangement includes adoption"
MIX_FOSTER = "Mixed childcare arrangement includes family and foster placement/s"
OTHER_ARR = "Other"
P_MBU = "With mother (MBU)"
P_KIN = "Kinship or family carer"
P_FATHER = "Father or mother's partner"
P_FOSTER = "Foster care"
P_RESIDENTIAL = "Residential"
P_ADOPTED = "Adopted or placement order"
P_OTHER = "Other"
P_NOT_KNOWN = "Not known"
NEEDS_TWO_PLUS = {MIX_ADOPT, MIX_FOSTER, KIN_MBU}


def _published(table_id: str, prison: str) -> dict[str, int]:
    """A section A table's counts for one prison (label -> n, rows with none left out)."""
    return targets.interim_counts(table_id, prison)


# Counts per (prison, period); "interim" = first contact on or before the
# interim cut, "later" = the other started mothers. Interim rows are the
# published section A figures: read from targets.yaml where published per
# prison, else a split of the published totals. Later rows complete the
# section C key facts. _check_targets checks both against targets.yaml.
ALLOCATIONS: dict[str, dict[tuple[str, str], dict[str, int]]] = {
    "start_quarter": {
        EPI: _published("start_quarter", "Eastwood Park"),
        SEI: _published("start_quarter", "Send"),
    },
    "known_to_social_services_as_child": {
        EPI: _published("known_to_social_services", "Eastwood Park"),
        SEI: _published("known_to_social_services", "Send"),
        EPL: {"Yes": 10, "Not known": 3, "No": 16},
        SEL: {"Yes": 9, "Not known": 6, "No": 15},
    },
    "ethnicity": {
        EPI: {
            "White British": 17,
            "White: Gypsy or Irish Traveller": 1,
            "Mixed White/Black Caribbean": 1,
        },
        SEI: {"White British": 14, "Black African": 1, "Black British": 1},
        EPL: {
            "White British": 22,
            "White other": 2,
            "White: Gypsy or Irish Traveller": 1,
            "Black British": 1,
            "Mixed White/Black Caribbean": 1,
            "Asian or Asian British": 1,
            "Black Caribbean": 1,
        },
        SEL: {
            "White British": 21,
            "White other": 2,
            "Black British": 1,
            "Black African": 1,
            "Black Caribbean": 1,
            "Mixed White/Black Caribbean": 1,
            "Mixed other": 1,
            "Asian or Asian British": 1,
            "Not known": 1,
        },
    },
    "age_group": {
        EPI: {"18-24": 2, "25-29": 4, "30-34": 7, "35-39": 4, "40-44": 1, "45 and over": 1},
        SEI: {"18-24": 1, "25-29": 3, "30-34": 7, "35-39": 3, "40-44": 2},
        EPL: {"18-24": 2, "25-29": 5, "30-34": 10, "35-39": 8, "40-44": 3, "45 and over": 1},
        SEL: {"18-24": 2, "25-29": 5, "30-34": 10, "35-39": 9, "40-44": 3, "45 and over": 1},
    },
    "relationship_status": {
        EPI: {
            "Single": 11,
            "Separated or divorced": 5,
            "Married or civil partnership": 1,
            "In a relationship": 1,
            "Not known": 1,
        },
        SEI: {
            "Single": 9,
            "Separated or divorced": 4,
            "Married or civil partnership": 1,
            "In a relationship": 1,
            "Not known": 1,
        },
        EPL: {
            "Single": 15,
            "Separated or divorced": 6,
            "Married or civil partnership": 2,
            "In a relationship": 5,
            "Not known": 1,
        },
        SEL: {
            "Single": 15,
            "Separated or divorced": 7,
            "Married or civil partnership": 3,
            "In a relationship": 4,
            "Not known": 1,
        },
    },
    "domestic_abuse_history": {
        EPI: {"Yes": 5, "No": 12, "Not known": 2},
        SEI: {"Yes": 3, "No": 11, "Not known": 2},
        EPL: {"Yes": 7, "No": 19, "Not known": 3},
        SEL: {"Yes": 6, "No": 21, "Not known": 3},
    },
    "socially_isolated": {
        EPI: {"Yes": 4, "No": 13, "Not known": 2},
        SEI: {"Yes": 3, "No": 12, "Not known": 1},
        EPL: {"Yes": 6, "No": 21, "Not known": 2},
        SEL: {"Yes": 6, "No": 22, "Not known": 2},
    },
    "acct": {
        EPI: {"Yes": 7, "No": 11, "Not known": 1},
        SEI: {"Yes": 5, "No": 11},
        EPL: {"Yes": 11, "No": 17, "Not known": 1},
        SEL: {"Yes": 10, "No": 19, "Not known": 1},
    },
    "contact_at_start": {
        EPI: {"None": 9, "Indirect only": 5, "Direct": 5},
        SEI: {"None": 7, "Indirect only": 5, "Direct": 4},
        EPL: {"None": 13, "Indirect only": 8, "Direct": 8},
        SEL: {"None": 14, "Indirect only": 8, "Direct": 8},
    },
    "case_origin": {
        EPI: {"Known to Pact": 8, "Prison transfer": 1, "New referral": 10},
        SEI: {"Known to Pact": 7, "Prison transfer": 1, "New referral": 8},
        EPL: {"Known to Pact": 10, "Prison transfer": 3, "New referral": 16},
        SEL: {"Known to Pact": 8, "Prison transfer": 4, "New referral": 18},
    },
    "referral_source": {
        EPI: _published("referral_source", "Eastwood Park"),
        SEI: _published("referral_source", "Send"),
        EPL: {
            "Multiple services": 3,
            "OMU": 3,
            "POM": 4,
            "Self": 16,
            "Children's social worker": 3,
        },
        SEL: {
            "Multiple services": 4,
            "OMU": 5,
            "POM": 5,
            "Self": 12,
            "Children's social worker": 4,
        },
    },
    "social_workers_band": {
        EPI: {"0": 1, "1": 14, "2": 4},
        SEI: {"1": 13, "2": 3},
        EPL: {"0": 2, "1": 20, "2": 5, "3 or more": 2},
        SEL: {"0": 1, "1": 21, "2": 6, "3 or more": 2},
    },
    "family_court_status": {
        EPI: _published("family_court", "Eastwood Park"),
        SEI: _published("family_court", "Send"),
        EPL: {
            "Family Court proceedings ongoing": 15,
            "No known orders in place for children": 7,
            "Family Court proceedings previously": 7,
        },
        SEL: {
            "Family Court proceedings ongoing": 8,
            "No known orders in place for children": 8,
            "Family Court proceedings previously": 14,
        },
    },
    "incarceration_history": {
        EPI: _published("incarceration_history", "Eastwood Park"),
        SEI: _published("incarceration_history", "Send"),
        EPL: {
            "1 incarceration": 15,
            "2 incarcerations": 6,
            "3-4 incarcerations": 5,
            "5 or more incarcerations": 3,
        },
        SEL: {"1 incarceration": 24, "2 incarcerations": 4, "3-4 incarcerations": 2},
    },
    "family_size": {
        EPI: {"1 child": 5, "2 children": 3, "3-4 children": 8, "5+ children": 3},
        SEI: {"1 child": 4, "2 children": 3, "3-4 children": 7, "5+ children": 2},
        EPL: {"1 child": 7, "2 children": 9, "3-4 children": 10, "5+ children": 3},
        SEL: {"1 child": 8, "2 children": 8, "3-4 children": 10, "5+ children": 4},
    },
    "care_arrangement": {
        EPI: _published("care_arrangement", "Eastwood Park"),
        SEI: _published("care_arrangement", "Send"),
        EPL: {KIN: 6, KIN_MBU: 3, FATHER: 4, FOSTER: 8, MIX_ADOPT: 3, MIX_FOSTER: 4, OTHER_ARR: 1},
        SEL: {KIN: 7, FATHER: 6, FOSTER: 7, MIX_ADOPT: 5, MIX_FOSTER: 4, OTHER_ARR: 1},
    },
    "legal_status": {
        EPL: {"Sentenced": 16, "Remand": 9, "Recall": 4},
        SEL: {"Sentenced": 28, "Recall": 2},
    },
    "sentence_band": {
        EPL: {"0-1 year": 7, "1-2 years": 4, "3-5 years": 5, "5-10 years": 3, "Life": 1},
        SEL: {
            "0-1 year": 1,
            "1-2 years": 3,
            "3-5 years": 9,
            "5-10 years": 8,
            "10-15 years": 3,
            "Over 15 years": 1,
            "Life": 5,
        },
    },
}

ASSAULT = "Assault/wounding with intent"
BREACH = "Breach of order"
BURGLARY = "Burglary/robbery/theft"
CSO = "Child sexual offence"
DRIVING = "Driving related"
DRUGS = "Drugs related"
FRAUD = "Fraud"
MURDER = "Murder/attempted murder"
NEGLECT = "Neglect/abuse"
PERVERTING = "Perverting course of justice"

#: Interim offence profile (legal status, sentence band, offence, against own child):
#: reproduces the published legal status, sentence and offence tables together.
INTERIM_OFFENCES: dict[str, list[tuple[str, str | None, str, str]]] = {
    "Eastwood Park": [
        ("Remand", None, DRUGS, "No"),
        ("Remand", None, ASSAULT, "No"),
        ("Remand", None, ASSAULT, "Not known"),
        ("Remand", None, BURGLARY, "No"),
        ("Remand", None, NEGLECT, "Yes"),
        ("Remand", None, PERVERTING, "No"),
        ("Recall", "0-1 year", BREACH, "No"),
        ("Recall", "0-1 year", BURGLARY, "No"),
        ("Recall", "3-5 years", DRUGS, "No"),
        ("Sentenced", "0-1 year", DRUGS, "No"),
        ("Sentenced", "0-1 year", BURGLARY, "No"),
        ("Sentenced", "3-5 years", DRUGS, "No"),
        ("Sentenced", "3-5 years", DRIVING, "No"),
        ("Sentenced", "5-10 years", CSO, "Yes"),
        ("Sentenced", "5-10 years", CSO, "No"),
        ("Sentenced", "5-10 years", DRUGS, "No"),
        ("Sentenced", "5-10 years", ASSAULT, "No"),
        ("Sentenced", "5-10 years", NEGLECT, "Yes"),
        ("Sentenced", "Life", MURDER, "No"),
    ],
    "Send": [
        *[("Sentenced", "Life", MURDER, "No")] * 5,
        ("Sentenced", "Life", MURDER, "Yes"),
        ("Sentenced", "10-15 years", MURDER, "No"),
        ("Sentenced", "5-10 years", CSO, "Yes"),
        ("Sentenced", "3-5 years", CSO, "Yes"),
        ("Sentenced", "3-5 years", CSO, "Not known"),
        ("Sentenced", "3-5 years", DRUGS, "No"),
        ("Sentenced", "3-5 years", DRUGS, "No"),
        ("Sentenced", "3-5 years", FRAUD, "No"),
        ("Sentenced", "1-2 years", ASSAULT, "Yes"),
        ("Sentenced", "1-2 years", DRIVING, "No"),
        ("Sentenced", "0-1 year", BURGLARY, "No"),
    ],
}

#: Offence weights per sentence band (or Remand) for the mothers after the interim cut.
LATER_OFFENCE_WEIGHTS: dict[str, dict[str, int]] = {
    "Remand": {DRUGS: 3, ASSAULT: 2, BURGLARY: 3, NEGLECT: 1, BREACH: 1, "Other": 1},
    "0-1 year": {BURGLARY: 3, BREACH: 2, DRIVING: 1, DRUGS: 2, FRAUD: 1, "Other": 1},
    "1-2 years": {BURGLARY: 2, DRUGS: 2, ASSAULT: 1, DRIVING: 1, PERVERTING: 1, FRAUD: 1},
    "3-5 years": {DRUGS: 3, FRAUD: 1, BURGLARY: 1, ASSAULT: 1, NEGLECT: 1, CSO: 1},
    "5-10 years": {DRUGS: 3, CSO: 2, ASSAULT: 1, NEGLECT: 1, FRAUD: 1},
    "10-15 years": {CSO: 1, MURDER: 1, DRUGS: 1},
    "Over 15 years": {MURDER: 1},
    "Life": {MURDER: 1},
}

#: Sentence text as social workers type it, per band (parsed to months by the reader).
SENTENCE_TEXTS: dict[str, list[str]] = {
    "0-1 year": [
        "16 weeks",
        "6 months",
        "9 months",
        "12 months",
        "26 weeks",
        "8 months",
        "4 months",
        "1 year",
    ],
    "1-2 years": [
        "18 months",
        "2 years",
        "2y 6m",
        "2 years 6 months",
        "20 months",
        "14 months",
        "2 years 3 months",
    ],
    "3-5 years": ["3 years", "4 years", "4y", "3 years 6 months", "4y 6m", "42 months"],
    "5-10 years": ["5 years", "6 years", "7y", "8 years", "6 years 6 months", "9 years"],
    "10-15 years": ["10 years", "12 years", "14y", "15 years"],
    "Over 15 years": ["18 years", "20 years"],
    "Life": ["Life", "IPP", "Indeterminate"],
}

NEED_SETS = {"Mother": "mother_need", "Social worker": "social_worker_need"}
#: The published section A table of each source's needs (interim mothers with the need).
NEED_TABLES = {"Mother": "mother_needs", "Social worker": "social_worker_needs"}

#: Published key facts of the final cut that the construction aims at directly.
FINAL_TARGETS = {
    "siblings_apart": targets.final_fact("siblings_apart"),
    "contact_aim": {
        "Contact plan in place": targets.final_fact("contact_aim_plan"),
        "Direct contact not possible - mother supported": targets.final_fact(
            "contact_aim_not_possible"
        ),
        "Unresolved": targets.final_fact("contact_aim_unresolved"),
    },
    "legal_support": {
        prison: n
        for prison, (n, _pct) in targets.load()["case_tracker_final"][
            "legal_support_by_prison"
        ].items()
    },
}
EMPTY_OUTCOMES = 1  # mothers whose latest review leaves contact_outcome blank
_INTERIM_FACTS = targets.load()["case_tracker_interim"]["facts"]
#: Eastwood Park mothers with a child aged 0-2 at the interim cut.
INTERIM_BABIES = _INTERIM_FACTS["mothers_with_child_aged_0_2"]["Eastwood Park"]
_LA = _INTERIM_FACTS["local_authorities"]
INTERIM_LOCAL_AUTHORITIES = {
    "Eastwood Park": _LA["Eastwood Park"],
    "Send": _LA["Send"],
    "shared": _LA["Eastwood Park"] + _LA["Send"] - _LA["Total"],
}
#: Local authorities first named after the interim cut (their total is published).
NEW_LATER_LOCAL_AUTHORITIES = {"Eastwood Park": 15, "Send": 15}

#: Invented local authority names (none is a real council).
LOCAL_AUTHORITIES = [
    "Northshire",
    "Westvale",
    "Eastmere",
    "Southdown Vale",
    "Kingsholt",
    "Ambermoor",
    "Brackenford",
    "Coldharbour",
    "Dunmere",
    "Elmsworth",
    "Fallowfield Borough",
    "Greyhaven",
    "Hartwell",
    "Ironbridge Vale",
    "Juniper Coast",
    "Kestrel Downs",
    "Larkmoor",
    "Millbrook",
    "Netherwick",
    "Oakhollow",
    "Pennwood",
    "Queensmere",
    "Ravenscar Vale",
    "Saltmarsh",
    "Thornbury Heath",
    "Upperdale",
    "Valewood",
    "Whitcombe",
    "Yarrowfield",
    "Ashcombe",
    "Birchley",
    "Cinderford Vale",
    "Deepwater",
    "Emberton",
    "Foxley",
    "Glenhurst",
    "Hollowmere",
    "Ivybridge Downs",
    "Kingsmead",
    "Lowfield",
    "Marshton",
    "Northbrook",
    "Oldcastle Vale",
    "Pinewood",
    "Redmere",
    "Stonebridge",
    "Tidewater",
    "Underhill",
    "Wexcombe",
    "Woldshire",
    "Brightwater",
    "Cloudmoor",
    "Drystone",
    "Eastbrook Heath",
    "Fernhill",
    "Goldcrest",
    "Heatherby",
    "Lindenshire",
    "Moorgate Vale",
    "Riverside Downs",
    "Silverdale Coast",
    "Thistlewood",
    "Westbrook Marches",
    "Whinmoor",
]

SUMMARY_ACTIONS = [
    "met the mother on the wing",
    "attended the child in need meeting by video link",
    "liaised with the children's social worker",
    "helped the mother write a letter to her children",
    "supported the mother to prepare for the core group meeting",
    "shared photographs sent by the carer",
    "explained the family court timetable",
    "spoke with the carer about visits",
    "arranged a video call with the children",
    "checked progress on the contact plan",
    "contributed to the looked-after review",
    "discussed release planning with the offender manager",
    "worked on a life story book with the mother",
    "passed the mother's views to the local authority",
]
SUMMARY_NOTES = [
    "mother reports feeling more involved",
    "next steps agreed with the mother",
    "mother asked for more frequent updates",
    "contact arrangements remain under review",
    "carer is supportive of indirect contact",
    "mother engaged well this period",
]
BASELINE_NOTES = [
    "synthetic note: local authority confirmed",
    "synthetic note: awaiting court date",
    "synthetic note: checked with worker",
]

BASELINE_COLUMNS = list(codebook.case_tracker_sheets()["Baseline"]["columns"])
CHILDREN_COLUMNS = list(codebook.case_tracker_sheets()["Children"]["columns"])
TRIAGE_COLUMNS = list(codebook.case_tracker_sheets()["Triage coding"]["columns"])
REVIEW_COLUMNS = list(codebook.case_tracker_sheets()["Reviews"]["columns"])
DATE_COLUMNS = {"referral_date", "first_contact_date", "review_date", "closure_date"}

INSTRUCTIONS = [
    "SYNTHETIC EXAMPLE DATA: invented cases for testing the evaluation pipeline.",
    "Baseline: one row per mother referred to the service.",
    "Children: one row per child under 18.",
    "Triage coding: one row per need, for the mother's form and the worker's assessment.",
    "Reviews: one row per six-monthly review.",
    "Dates may be typed as dd/mm/yyyy.",
]

# --------------------------------------------------------------------------- model


@dataclass
class Mother:
    """One invented mother with canonical values; rendering adds the mess later."""

    prison: str
    period: str  # "interim", "later" or "not_started"
    first_contact: dt.date | None
    case_id: str = ""
    values: dict = field(default_factory=dict)
    children: list[dict] = field(default_factory=list)
    needs: dict[str, list[str]] = field(default_factory=lambda: {"Mother": [], "Social worker": []})
    reviews: list[dict] = field(default_factory=list)
    roles: set[str] = field(default_factory=set)

    @property
    def group(self) -> tuple[str, str]:
        return (self.prison, self.period)

    @property
    def n_children(self) -> int:
        return self.values["n_children_under_18"]

    @property
    def arrangement(self) -> str:
        return self.values["care_arrangement"]


def _column_value_set(column: str) -> str | None:
    for sheet in codebook.case_tracker_sheets().values():
        spec = sheet["columns"].get(column)
        if spec and spec.get("categories"):
            return spec["categories"]
    return None


def _check_labels() -> None:
    """Every label the generator uses must exist in the codebook."""
    problems = []
    bandings = {
        "age_group",
        "family_size",
        "incarceration_history",
        "social_workers_band",
        "sentence_band",
    }
    for variable, groups in ALLOCATIONS.items():
        if variable == "start_quarter":
            continue
        if variable in bandings:
            allowed = set(codebook.banding(variable).labels)
        else:
            allowed = set(codebook.value_set(_column_value_set(variable)).labels)
        for counts in groups.values():
            problems += [f"{variable}: {label}" for label in counts if label not in allowed]
    offences = set(codebook.value_set("offence_category").labels)
    for rows in INTERIM_OFFENCES.values():
        problems += [f"offence: {r[2]}" for r in rows if r[2] not in offences]
    for weights in LATER_OFFENCE_WEIGHTS.values():
        problems += [f"offence: {o}" for o in weights if o not in offences]
    placements = set(codebook.value_set("placement").labels)
    for label in [P_MBU, P_KIN, P_FATHER, P_FOSTER, P_RESIDENTIAL, P_ADOPTED, P_OTHER, P_NOT_KNOWN]:
        if label not in placements:
            problems.append(f"placement: {label}")
    for label in FINAL_TARGETS["contact_aim"]:
        if label not in codebook.value_set("contact_outcome").labels:
            problems.append(f"contact_outcome: {label}")
    for source, table_id in NEED_TABLES.items():
        labels = set(codebook.value_set(NEED_SETS[source]).labels)
        problems += [
            f"{table_id}: {label}" for label in targets.interim_table(table_id).keys() ^ labels
        ]
    if problems:
        raise ValueError(
            "synthetic generator uses labels missing from the codebook: " + "; ".join(problems)
        )


#: Baseline variables allocated above -> the section A table that publishes them.
PUBLISHED_TABLES = {
    "start_quarter": "start_quarter",
    "known_to_social_services_as_child": "known_to_social_services",
    "ethnicity": "ethnicity",
    "age_group": "age_group",
    "case_origin": "case_origin",
    "referral_source": "referral_source",
    "social_workers_band": "social_workers_involved",
    "family_court_status": "family_court",
    "incarceration_history": "incarceration_history",
    "family_size": "family_size",
    "care_arrangement": "care_arrangement",
}
#: Section C facts that are counts of allocated labels over all started mothers.
ALLOCATED_FACTS = {
    "white_british": ("ethnicity", {"White British"}),
    "known_to_social_services": ("known_to_social_services_as_child", {"Yes"}),
    "domestic_abuse": ("domestic_abuse_history", {"Yes"}),
    "single_or_separated": ("relationship_status", {"Single", "Separated or divorced"}),
    "socially_isolated": ("socially_isolated", {"Yes"}),
    "no_contact_at_start": ("contact_at_start", {"None"}),
    "acct": ("acct", {"Yes"}),
    "aged_30_39": ("age_group", {"30-34", "35-39"}),
    "two_plus_children": ("family_size", {"2 children", "3-4 children", "5+ children"}),
    "five_plus_children": ("family_size", {"5+ children"}),
    "all_children_with_father": ("care_arrangement", {FATHER}),
    "adoption": ("care_arrangement", {MIX_ADOPT}),
}


def _interim_tallies() -> dict[str, dict[str, Counter]]:
    """Table id -> column (prison or Total) -> label -> interim mothers, as allocated."""
    tallies: dict[str, dict[str, Counter]] = {
        table_id: {p: Counter(ALLOCATIONS[variable][(p, "interim")]) for p in PRISON_CODES}
        for variable, table_id in PUBLISHED_TABLES.items()
    }
    profile = {"legal_status": 0, "sentence_length": 1, "offence_category": 2}
    for table_id, position in profile.items():
        tallies[table_id] = {
            prison: Counter(row[position] for row in rows if row[position] is not None)
            for prison, rows in INTERIM_OFFENCES.items()
        }
    tallies["offence_against_own_child"] = {
        prison: Counter(row[3] for row in rows) for prison, rows in INTERIM_OFFENCES.items()
    }
    for by_column in tallies.values():
        by_column["Total"] = sum(by_column.values(), Counter())
    return tallies


def _check_targets() -> None:
    """The allocations must add up to every published figure they decide (targets.yaml)."""
    problems = []
    tallies = _interim_tallies()
    for table_id, by_column in tallies.items():
        for row, counts in targets.interim_table(table_id, implied=True).items():
            for column, n in counts.items():
                if by_column[column][row] != n:
                    problems.append(f"{table_id} {row!r} {column}: {by_column[column][row]} != {n}")
    interim = targets.load()["case_tracker_interim"]
    for prison, n in interim["sentence_base"].items():
        allocated = tallies["legal_status"][prison]
        if allocated.total() - allocated["Remand"] != n:
            problems.append(f"sentence base {prison}: {n} published")
    relationship = sum(
        (Counter(ALLOCATIONS["relationship_status"][(p, "interim")]) for p in PRISON_CODES),
        Counter(),
    )
    for group in interim["relationship_groups"]:
        allocated = sum(relationship[label] for label in group["categories"])
        if allocated != group["n"]:
            problems.append(f"relationship {group['categories']}: {allocated} != {group['n']}")
    for prison, n in interim["facts"]["mbu_mothers"].items():
        if tallies["care_arrangement"][prison][KIN_MBU] != n:
            problems.append(f"interim MBU mothers {prison}: {n} published")
    for fact, (variable, labels) in ALLOCATED_FACTS.items():
        allocated = sum(
            n
            for counts in ALLOCATIONS[variable].values()
            for label, n in counts.items()
            if label in labels
        )
        if allocated != targets.final_fact(fact):
            problems.append(f"{fact}: {allocated} != {targets.final_fact(fact)}")
    new = sum(NEW_LATER_LOCAL_AUTHORITIES.values())
    final_names = targets.load()["case_tracker_final"]["local_authorities"]
    if interim["facts"]["local_authorities"]["Total"] + new != final_names:
        problems.append(f"local authorities: {new} new after the interim cut, {final_names} in all")
    if problems:
        raise ValueError(
            "synthetic allocations disagree with the published figures: " + "; ".join(problems)
        )


# --------------------------------------------------------------------------- helpers


def _expand(counts: dict[str, int]) -> list[str]:
    return [label for label, n in counts.items() for _ in range(n)]


def _shuffled(items: Sequence, rng: np.random.Generator) -> list:
    order = rng.permutation(len(items))
    return [items[i] for i in order]


def _assign_shuffled(mothers: list[Mother], key: str, counts: dict[str, int], rng) -> None:
    labels = _expand(counts)
    if len(labels) != len(mothers):
        raise ValueError(f"{key}: allocation of {len(labels)} for {len(mothers)} mothers")
    for mother, label in zip(mothers, _shuffled(labels, rng), strict=True):
        mother.values[key] = label


def _assign_weighted(
    mothers: list[Mother],
    key: str,
    counts: dict[str, int],
    weight: Callable[[Mother, str], float],
    rng: np.random.Generator,
) -> None:
    """Give exactly counts[label] mothers each label, favouring high weights; order = priority."""
    if sum(counts.values()) != len(mothers):
        raise ValueError(f"{key}: allocation of {sum(counts.values())} for {len(mothers)} mothers")
    remaining = list(mothers)
    for label, k in counts.items():
        if k == 0:
            continue
        weights = np.array([weight(m, label) for m in remaining], dtype=float)
        eligible = np.flatnonzero(weights > 0)
        if len(eligible) < k:
            raise ValueError(f"{key}: only {len(eligible)} mothers can take {label!r}, need {k}")
        p = weights[eligible] / weights[eligible].sum()
        chosen = set(rng.choice(eligible, size=k, replace=False, p=p).tolist())
        for i in sorted(chosen):
            remaining[i].values[key] = label
        remaining = [m for i, m in enumerate(remaining) if i not in chosen]


def _pick(candidates: list[Mother], k: int, rng, what: str) -> list[Mother]:
    if len(candidates) < k:
        raise ValueError(f"{what}: {len(candidates)} candidates for {k} places")
    idx = sorted(rng.choice(len(candidates), size=k, replace=False).tolist())
    return [candidates[i] for i in idx]


def _weekday(day: dt.date) -> dt.date:
    """Move a Saturday or Sunday to the next Monday."""
    return day + dt.timedelta(days=(7 - day.weekday()) % 7 if day.weekday() >= 5 else 0)


def _weekdays(start: dt.date, end: dt.date) -> list[dt.date]:
    days = pd.bdate_range(start, end)
    return [d.date() for d in days]


def _add_months(day: dt.date, months: int) -> dt.date:
    return (pd.Timestamp(day) + pd.DateOffset(months=months)).date()


def _band_bounds(name: str, label: str, cap: int) -> tuple[int, int]:
    for band in codebook.banding(name).bands:
        if band.label == label:
            low = int(band.low) if band.low_closed else int(band.low) + 1
            high = (
                cap
                if np.isinf(band.high)
                else (int(band.high) if band.high_closed else int(band.high) - 1)
            )
            return low, high
    raise KeyError(f"no band {label!r} in {name!r}")


# --------------------------------------------------------------------------- population


def _first_contact_dates(rng) -> dict[tuple[str, str], list[dt.date]]:
    dates: dict[tuple[str, str], list[dt.date]] = {}
    for group, counts in ALLOCATIONS["start_quarter"].items():
        chosen: list[dt.date] = []
        for quarter, k in counts.items():
            q = int(quarter[1:])
            if q == 0:
                start, end = PILOT_START, PROJECT_START - dt.timedelta(days=1)
            else:
                start = _add_months(PROJECT_START, 3 * (q - 1))
                end = _add_months(PROJECT_START, 3 * q) - dt.timedelta(days=1)
            pool = _weekdays(start, min(end, INTERIM_CUT))
            chosen += [pool[i] for i in rng.choice(len(pool), size=k, replace=False)]
        dates[group] = sorted(chosen)
    for group in (EPL, SEL):
        n = GROUP_SIZES[group]
        pool = _weekdays(LATER_FIRST, LATER_LAST)
        edges = np.linspace(0, len(pool), n + 1).astype(int)
        dates[group] = [pool[int(rng.integers(edges[i], edges[i + 1]))] for i in range(n)]
    return dates


def _skeleton(rng) -> list[Mother]:
    dates = _first_contact_dates(rng)
    mothers: list[Mother] = []
    for prison, code in PRISON_CODES.items():
        started = [
            Mother(prison, period, d)
            for period in ("interim", "later")
            for d in dates[(prison, period)]
        ]
        started.sort(key=lambda m: m.first_contact)
        for i, mother in enumerate(started, start=1):
            mother.case_id = f"{code}-{i:03d}"
        mothers += started
        for j in range(NOT_STARTED[prison]):
            mothers.append(
                Mother(prison, "not_started", None, case_id=f"{code}-{len(started) + j + 1:03d}")
            )
    return mothers


def _assign_offences(groups: dict, rng) -> None:
    for prison, rows in INTERIM_OFFENCES.items():
        mothers = groups[(prison, "interim")]
        for mother, (legal, band, offence, own) in zip(mothers, _shuffled(rows, rng), strict=True):
            mother.values.update(
                legal_status=legal,
                sentence_band=band,
                offence_category=offence,
                offence_against_own_child=own,
            )
    for group in (EPL, SEL):
        mothers = groups[group]
        legal = ALLOCATIONS["legal_status"][group]
        bands = _shuffled(_expand(ALLOCATIONS["sentence_band"][group]), rng)
        # Recalled mothers serve the shorter determinate sentences.
        short = [
            i for i, band in enumerate(bands) if band in ("0-1 year", "1-2 years", "3-5 years")
        ]
        recalls = set(rng.choice(short, size=legal.get("Recall", 0), replace=False).tolist())
        profiles = [
            ("Recall" if i in recalls else "Sentenced", band) for i, band in enumerate(bands)
        ]
        profiles += [("Remand", None)] * legal.get("Remand", 0)
        if sum(status == "Sentenced" for status, _ in profiles) != legal["Sentenced"]:
            raise ValueError(f"{group}: legal status and sentence allocations disagree")
        for mother, (status, band) in zip(mothers, _shuffled(profiles, rng), strict=True):
            weights = LATER_OFFENCE_WEIGHTS[band or "Remand"]
            names = list(weights)
            p = np.array([weights[o] for o in names], dtype=float)
            offence = names[int(rng.choice(len(names), p=p / p.sum()))]
            own = "No"
            chance = {NEGLECT: 1.0, CSO: 0.5, MURDER: 0.2}.get(offence, 0.0)
            if rng.random() < chance:
                own = "Yes"
            elif rng.random() < 0.08:
                own = "Not known"
            mother.values.update(
                legal_status=status,
                sentence_band=band,
                offence_category=offence,
                offence_against_own_child=own,
            )
    for mothers in groups.values():
        for mother in mothers:
            band = mother.values["sentence_band"]
            texts = SENTENCE_TEXTS[band] if band else [None]
            mother.values["sentence_length"] = texts[int(rng.integers(len(texts)))]


def _incarceration_weight(mother: Mother, label: str) -> float:
    repeat = label != "1 incarceration"
    if not repeat:
        return 1.0
    short = mother.values["sentence_band"] in ("0-1 year", "1-2 years", None)
    recall = mother.values["legal_status"] == "Recall"
    return (6.0 if recall else 1.0) * (2.0 if short else 0.5)


def _arrangement_weight(mother: Mother, label: str) -> float:
    size = mother.values["family_size"]
    if label in NEEDS_TWO_PLUS and size == "1 child":
        return 0.0
    if label in (MIX_ADOPT, MIX_FOSTER, FOSTER) and size == "5+ children":
        return 2.0
    return 1.0


def _court_weight(mother: Mother, label: str) -> float:
    arrangement = mother.arrangement
    if label == "No known orders in place for children":
        return 3.0 if arrangement in (FATHER, KIN, KIN_MBU) else 0.3
    if label == "Family Court proceedings previously":
        return 3.0 if arrangement == MIX_ADOPT else 1.0
    return 1.0


def _social_workers_weight(mother: Mother, label: str) -> float:
    calm = mother.values["family_court_status"] == "No known orders in place for children"
    if label == "0":
        return (3.0 if mother.arrangement in (FATHER, KIN) else 1.0) if calm else 0.0
    if label in ("2", "3 or more"):
        return 3.0 if mother.arrangement in (MIX_ADOPT, MIX_FOSTER, FOSTER) else 0.5
    return 1.0


def _contact_weight(mother: Mother, label: str) -> float:
    arrangement = mother.arrangement
    if label == "None":
        return 3.0 if arrangement in (MIX_ADOPT, FOSTER) else 1.0
    if label == "Direct":
        return 3.0 if arrangement in (FATHER, KIN, KIN_MBU) else 1.0
    return 1.0


def _integer_in_band(name: str, label: str, cap: int, rng) -> int:
    low, high = _band_bounds(name, label, cap)
    return int(rng.integers(low, high + 1))


def _assign_baseline(groups: dict, rng) -> None:
    _assign_offences(groups, rng)
    for group, mothers in groups.items():
        for key in (
            "known_to_social_services_as_child",
            "ethnicity",
            "relationship_status",
            "domestic_abuse_history",
            "socially_isolated",
            "acct",
            "case_origin",
            "referral_source",
            "family_size",
        ):
            _assign_shuffled(mothers, key, ALLOCATIONS[key][group], rng)
        _assign_weighted(
            mothers,
            "incarceration_history",
            dict(reversed(ALLOCATIONS["incarceration_history"][group].items())),
            _incarceration_weight,
            rng,
        )
        arrangements = ALLOCATIONS["care_arrangement"][group]
        ordered = {k: v for k, v in arrangements.items() if k in NEEDS_TWO_PLUS}
        ordered |= {k: v for k, v in arrangements.items() if k not in NEEDS_TWO_PLUS}
        _assign_weighted(mothers, "care_arrangement", ordered, _arrangement_weight, rng)
        _assign_weighted(
            mothers,
            "family_court_status",
            ALLOCATIONS["family_court_status"][group],
            _court_weight,
            rng,
        )
        _assign_weighted(
            mothers,
            "social_workers_band",
            ALLOCATIONS["social_workers_band"][group],
            _social_workers_weight,
            rng,
        )
        _assign_weighted(
            mothers,
            "contact_at_start",
            ALLOCATIONS["contact_at_start"][group],
            _contact_weight,
            rng,
        )
        for mother in mothers:
            v = mother.values
            v["n_children_under_18"] = _integer_in_band("family_size", v["family_size"], 8, rng)
            v["incarceration_count"] = _integer_in_band(
                "incarceration_history", v["incarceration_history"], 9, rng
            )
            v["social_workers_involved"] = _integer_in_band(
                "social_workers_band", v["social_workers_band"], 4, rng
            )


def _choose_babies(groups: dict, rng) -> None:
    """Mark mothers with a child aged 0-2 (as published for Eastwood Park at the interim cut)."""
    for mothers in groups.values():
        for mother in mothers:
            if mother.arrangement == KIN_MBU:
                mother.roles.add("baby")
    # Interim Eastwood Park mother who joins the MBU after the interim cut.
    roles = [
        (EPI, dt.date(2021, 12, 10), INTERIM_CUT, "mbu_review"),
        # After the interim cut: one joins the MBU before the final cut, one only in 2024.
        (EPL, LATER_FIRST, dt.date(2023, 5, 31), "mbu_review"),
        (EPL, dt.date(2023, 7, 10), dt.date(2023, 9, 15), "mbu_trap"),
    ]
    for group, first, last, role in roles:
        window = [
            m
            for m in groups[group]
            if first <= m.first_contact <= last
            and m.arrangement != KIN_MBU
            and "baby" not in m.roles
        ]
        preferred = [m for m in window if m.arrangement in (KIN, FOSTER, FATHER)]
        _pick(preferred or window, 1, rng, f"{role} mother")[0].roles |= {"baby", role}
    interim_babies = sum("baby" in m.roles for m in groups[EPI])
    others = [m for m in groups[EPI] if "baby" not in m.roles]
    for mother in _pick(others, INTERIM_BABIES - interim_babies, rng, "interim babies"):
        mother.roles.add("baby")
    for group in (EPL, SEI, SEL):
        for mother in groups[group]:
            if "baby" not in mother.roles and rng.random() < 0.3:
                mother.roles.add("baby")


def _assign_ages(groups: dict, rng) -> None:
    for group, mothers in groups.items():
        ages = []
        for label, k in ALLOCATIONS["age_group"][group].items():
            low, high = _band_bounds("age_group", label, 52)
            low = max(low, 20)
            ages += [int(rng.integers(low, high + 1)) for _ in range(k)]
        keys = [
            2 * m.n_children + 3 * rng.random() - (3 if "baby" in m.roles else 0) for m in mothers
        ]
        order = np.argsort(keys, kind="stable")
        for mother, age in zip([mothers[i] for i in order], sorted(ages), strict=True):
            mother.values["age"] = age


def _choose_apart(started: list[Mother], rng) -> None:
    """Siblings apart for exactly the published number of mothers of two or more children."""
    forced = [
        m
        for m in started
        if m.arrangement in (MIX_ADOPT, MIX_FOSTER, KIN_MBU) and m.n_children >= 2
    ]
    candidates = [m for m in started if m.arrangement in (KIN, FOSTER) and m.n_children >= 2]
    # Reserve the special "together" cases first: a child whose placement is not
    # known (ignored by the siblings rule) and a family with one Children row missing.
    unknown = [m for m in candidates if m.arrangement == FOSTER and m.n_children >= 3]
    reserved = _pick(unknown, 2, rng, "child placement not known")
    for mother in reserved:
        mother.roles.add("placement_not_known")
    missing_row = [
        m
        for m in candidates
        if m.period == "later" and m not in reserved and not m.roles & {"mbu_review", "mbu_trap"}
    ]
    missing_row.sort(key=lambda m: (m.arrangement != KIN, m.n_children < 3))
    reserved.append(missing_row[0])
    reserved[-1].roles.add("missing_child_row")
    open_candidates = [m for m in candidates if m not in reserved]
    extra = FINAL_TARGETS["siblings_apart"] - len(forced)
    for mother in forced + _pick(open_candidates, extra, rng, "siblings apart"):
        mother.roles.add("apart")


def _child_ages(mother: Mother, rng) -> list[int]:
    """Ages oldest first: plausible spacing, at least 16 years younger than the mother."""
    n = mother.n_children
    high = max(0, min(17, mother.values["age"] - 16))
    if "baby" in mother.roles:
        youngest = (
            0
            if mother.roles & {"mbu_review", "mbu_trap"}
            else int(rng.integers(0, min(2, high) + 1))
        )
        if mother.arrangement == KIN_MBU:
            youngest = int(rng.integers(0, 2))
    else:
        youngest = int(rng.integers(min(3, high), max(min(3, high), min(9, high)) + 1))
    ages = [youngest]
    for _ in range(n - 1):
        gap = int(rng.choice([0, 1, 2, 2, 3, 3, 4]))
        ages.append(min(high, ages[-1] + gap))
    return sorted(ages, reverse=True)


def _placements(mother: Mother, ages: list[int], rng) -> list[str]:
    n = len(ages)
    arrangement = mother.arrangement
    youngest = n - 1
    if arrangement == KIN:
        places = [P_KIN] * n
        if "apart" in mother.roles:
            places[int(rng.integers(n))] = P_FATHER
    elif arrangement == KIN_MBU:
        places = [P_KIN] * n
        places[youngest] = P_MBU
    elif arrangement == FATHER:
        places = [P_FATHER] * n
    elif arrangement == FOSTER:
        places = [P_FOSTER] * n
        if "apart" in mother.roles:
            places[0] = P_RESIDENTIAL
        if "placement_not_known" in mother.roles:
            places[int(rng.integers(1, n))] = P_NOT_KNOWN
    elif arrangement == MIX_ADOPT:
        pool = [P_KIN, P_FOSTER, P_FATHER, P_ADOPTED]
        places = [pool[int(rng.integers(len(pool)))] for _ in range(n)]
        places[youngest] = P_ADOPTED
        places[0] = [P_KIN, P_FOSTER, P_FATHER][int(rng.integers(3))] if n > 1 else places[0]
    elif arrangement == MIX_FOSTER:
        pool = [P_KIN, P_FOSTER, P_FATHER]
        places = [pool[int(rng.integers(len(pool)))] for _ in range(n)]
        places[0] = P_FOSTER
        places[youngest] = [P_KIN, P_FATHER][int(rng.integers(2))]
    else:
        places = [P_RESIDENTIAL if mother.prison in MBU_PRISONS else P_OTHER] * n
    return places


def _has_social_worker(mother: Mother, placement: str, rng) -> str:
    if mother.values["social_workers_involved"] == 0:
        return "No"
    if rng.random() < 0.05:
        return "Not known"
    if placement in (P_FOSTER, P_RESIDENTIAL, P_ADOPTED, P_MBU):
        return "Yes"
    return "Yes" if rng.random() < (0.7 if placement == P_KIN else 0.4) else "No"


def _build_children(started: list[Mother], rng) -> None:
    for mother in started:
        ages = _child_ages(mother, rng)
        places = _placements(mother, ages, rng)
        mother.children = [
            {
                "child_ref": i + 1,
                "age": age,
                "placement": place,
                "has_social_worker": _has_social_worker(mother, place, rng),
            }
            for i, (age, place) in enumerate(zip(ages, places, strict=True))
        ]
        if mother.values["social_workers_involved"] > 0 and all(
            c["has_social_worker"] != "Yes" for c in mother.children
        ):
            mother.children[0]["has_social_worker"] = "Yes"


def _assign_local_authorities(groups: dict, not_started: list[Mother], rng) -> None:
    names = _shuffled(LOCAL_AUTHORITIES, rng)
    n_ep, n_se, shared = (INTERIM_LOCAL_AUTHORITIES[k] for k in ("Eastwood Park", "Send", "shared"))
    ep_interim = names[:n_ep]
    se_interim = names[:shared] + names[n_ep : n_ep + n_se - shared]
    used = n_ep + n_se - shared
    new = {}
    for prison, k in NEW_LATER_LOCAL_AUTHORITIES.items():
        new[prison] = names[used : used + k]
        used += k
    targets = {
        EPI: (ep_interim, []),
        SEI: (se_interim, []),
        EPL: (new["Eastwood Park"], ep_interim),
        SEL: (new["Send"], se_interim),
    }
    for group, (required, reuse) in targets.items():
        mothers = groups[group]
        slots = []
        for mother in mothers:
            two = mother.values["social_workers_involved"] >= 2 and rng.random() < 0.5
            mother.values["local_authority"] = []
            slots += [mother] * (2 if two else 1)
        slots = _shuffled(slots, rng)
        if len(slots) < len(required):
            raise ValueError(
                f"{group}: {len(slots)} local authority slots for {len(required)} names"
            )
        pool = list(required) + list(reuse)
        for i, mother in enumerate(slots):
            if i < len(required):
                mother.values["local_authority"].append(required[i])
                continue
            options = [n for n in pool if n not in mother.values["local_authority"]]
            mother.values["local_authority"].append(options[int(rng.integers(len(options)))])
    for i, mother in enumerate(not_started):
        mother.values["local_authority"] = [names[used + i]]


# --------------------------------------------------------------------------- reviews


def _review_schedule(mother: Mother, rng) -> list[dt.date]:
    dates = []
    k = 1
    while True:
        day = _weekday(
            _add_months(mother.first_contact, REVIEW_MONTHS * k)
            + dt.timedelta(days=int(rng.integers(-5, 13)))
        )
        if day > EXTRACT_DATE:
            return dates
        dates.append(day)
        k += 1


def _short_stay(mother: Mother) -> bool:
    return mother.values["sentence_band"] in ("0-1 year", "1-2 years", None)


def _closing_reason(mother: Mother, rng) -> str:
    if _short_stay(mother):
        reasons = {"Released": 12, "Work complete": 3, "Transferred": 2, "Disengaged": 1}
    else:
        reasons = {"Work complete": 8, "Transferred": 4, "Released": 3, "Disengaged": 2, "Other": 1}
    names = list(reasons)
    p = np.array(list(reasons.values()), dtype=float)
    return names[int(rng.choice(len(names), p=p / p.sum()))]


def _build_reviews(started: list[Mother], rng) -> None:
    for mother in started:
        dates = _review_schedule(mother, rng)
        keep_from = 0
        if mother.roles & {"mbu_review", "mbu_trap"}:
            keep_from = 1 + next(i for i, d in enumerate(dates) if d > INTERIM_CUT)
        # Remand and short sentences end early (release); longer ones may close any time.
        short = _short_stay(mother)
        close_probability = 0.85 if short else (0.35 if mother.prison in MBU_PRISONS else 0.25)
        close_at = None
        if len(dates) > keep_from and rng.random() < close_probability:
            last = min(len(dates), keep_from + 2) if short else len(dates)
            close_at = int(rng.integers(keep_from, last))
            dates = dates[: close_at + 1]
        mother.reviews = [
            {
                "review_date": d,
                "case_status": "Open",
                "closure_date": None,
                "closure_reason": None,
                "contact_with_children": None,
                "contact_outcome": None,
                "mbu": "No",
                "legal_support": "No",
                "work_summary": None,
            }
            for d in dates
        ]
        if close_at is not None:
            last = mother.reviews[-1]
            closed = last["review_date"] - dt.timedelta(days=int(rng.integers(0, 8)))
            previous = (
                mother.reviews[-2]["review_date"]
                if len(mother.reviews) > 1
                else mother.first_contact
            )
            crosses_cut = any(
                closed <= cut < last["review_date"] for cut in (INTERIM_CUT, FINAL_CUT)
            )
            if closed <= previous or crosses_cut:
                closed = last["review_date"]
            last.update(
                case_status="Closed",
                closure_date=closed,
                closure_reason=_closing_reason(mother, rng),
            )
    _set_mbu(started)
    _set_contact_outcomes(started, rng)
    _set_legal_support(started, rng)
    for mother in started:
        for review in mother.reviews:
            review["contact_with_children"] = _contact_at_review(review["contact_outcome"], rng)
            review["work_summary"] = _work_summary(rng)


def _before(mother: Mother, cut: dt.date) -> list[dict]:
    return [r for r in mother.reviews if r["review_date"] <= cut]


def _after(mother: Mother, cut: dt.date) -> list[dict]:
    return [r for r in mother.reviews if r["review_date"] > cut]


def _set_mbu(started: list[Mother]) -> None:
    for mother in started:
        if mother.arrangement == KIN_MBU and mother.reviews:
            mother.reviews[0]["mbu"] = "Yes"
        if "mbu_review" in mother.roles:
            target = _after(mother, INTERIM_CUT)[0]
            if target["review_date"] > FINAL_CUT:
                raise ValueError(f"{mother.case_id}: MBU review falls after the final cut")
            target["mbu"] = "Yes"
        if "mbu_trap" in mother.roles:
            target = mother.reviews[0]
            if target["review_date"] <= FINAL_CUT:
                raise ValueError(
                    f"{mother.case_id}: 2024 MBU trap review is not after the final cut"
                )
            target["mbu"] = "Yes"


def _set_contact_outcomes(started: list[Mother], rng) -> None:
    reviewed = [m for m in started if _before(m, FINAL_CUT)]
    targets = dict(FINAL_TARGETS["contact_aim"])
    outcomes = _expand(targets) + [None] * EMPTY_OUTCOMES
    outcomes += ["Not an aim"] * (len(reviewed) - len(outcomes))
    if len(outcomes) != len(reviewed):
        raise ValueError(
            f"{len(reviewed)} mothers reviewed by the cut for {len(outcomes)} outcomes"
        )
    labels = list(codebook.value_set("contact_outcome").labels)
    for mother, final in zip(reviewed, _shuffled(outcomes, rng), strict=True):
        before = _before(mother, FINAL_CUT)
        before[-1]["contact_outcome"] = final
        for review in before[:-1]:
            review["contact_outcome"] = (
                "Unresolved" if final != "Not an aim" and rng.random() < 0.6 else final
            )
        for review in _after(mother, FINAL_CUT):
            review["contact_outcome"] = final
    # 2024 reviews that change the latest outcome (wrong if the cut-off were ignored).
    changeable = [m for m in reviewed if _after(m, FINAL_CUT)]
    for mother in _pick(changeable, min(6, len(changeable)), rng, "2024 outcome changes"):
        final = _before(mother, FINAL_CUT)[-1]["contact_outcome"]
        options = [lab for lab in labels if lab != final]
        for review in _after(mother, FINAL_CUT):
            review["contact_outcome"] = options[int(rng.integers(len(options)))]
        mother.roles.add("outcome_trap")
    for mother in started:
        if not _before(mother, FINAL_CUT):
            for review in mother.reviews:
                review["contact_outcome"] = labels[int(rng.integers(len(labels) - 1))]


def _legal_weight(mother: Mother) -> float:
    court = mother.values["family_court_status"]
    return {
        "Family Court proceedings ongoing": 3.0,
        "Family Court proceedings previously": 1.5,
    }.get(court, 0.5)


def _set_legal_support(started: list[Mother], rng) -> None:
    for prison, k in FINAL_TARGETS["legal_support"].items():
        reviewed = [m for m in started if m.prison == prison and _before(m, FINAL_CUT)]
        weights = np.array([_legal_weight(m) for m in reviewed])
        idx = rng.choice(len(reviewed), size=k, replace=False, p=weights / weights.sum())
        chosen = [reviewed[i] for i in sorted(idx.tolist())]
        # An interim mother whose only legal support falls between the two cuts.
        between = [
            m
            for m in chosen
            if m.period == "interim"
            and [r for r in _before(m, FINAL_CUT) if r["review_date"] > INTERIM_CUT]
        ]
        late_only = {m.case_id for m in _pick(between, 1, rng, "legal support between cuts")}
        for mother in chosen:
            reviews = _before(mother, FINAL_CUT)
            if mother.case_id in late_only:
                reviews = [r for r in reviews if r["review_date"] > INTERIM_CUT]
            flags = rng.random(len(reviews)) < 0.5
            flags[int(rng.integers(len(reviews)))] = True
            for review, flag in zip(reviews, flags, strict=True):
                review["legal_support"] = "Yes" if flag else "No"
            mother.roles.add("legal_support")
    # 2024 reviews recording legal support for mothers with none by the cut (traps).
    unsupported = [m for m in started if "legal_support" not in m.roles and _after(m, FINAL_CUT)]
    for mother in _pick(unsupported, min(2, len(unsupported)), rng, "2024 legal support trap"):
        _after(mother, FINAL_CUT)[0]["legal_support"] = "Yes"
        mother.roles.add("legal_trap")
    only_2024 = [m for m in started if m.reviews and not _before(m, FINAL_CUT)]
    for mother in only_2024:
        for review in mother.reviews:
            review["legal_support"] = "Yes" if rng.random() < 0.5 else "No"
    _pick(only_2024, 1, rng, "2024-only legal support")[0].reviews[0]["legal_support"] = "Yes"


def _contact_at_review(outcome: str | None, rng) -> str:
    weights = {
        "Contact plan in place": {"Direct": 7, "Indirect only": 3, "None": 0},
        "Direct contact not possible - mother supported": {
            "Direct": 0,
            "Indirect only": 7,
            "None": 3,
        },
        "Unresolved": {"Direct": 1, "Indirect only": 4, "None": 5},
    }.get(outcome, {"Direct": 5, "Indirect only": 2, "None": 3})
    names = list(weights)
    p = np.array(list(weights.values()), dtype=float)
    return names[int(rng.choice(len(names), p=p / p.sum()))]


def _work_summary(rng) -> str:
    first, second = rng.choice(len(SUMMARY_ACTIONS), size=2, replace=False)
    note = SUMMARY_NOTES[int(rng.integers(len(SUMMARY_NOTES)))]
    return f"{MARKER}: {SUMMARY_ACTIONS[first]}; {SUMMARY_ACTIONS[second]}. {note.capitalize()}."


# --------------------------------------------------------------------------- triage


def _need_weight(mother: Mother, source: str, index: int) -> float:
    v = mother.values
    short = _short_stay(mother)
    court = v["family_court_status"] == "Family Court proceedings ongoing"
    adoption = mother.arrangement == MIX_ADOPT
    if source == "Mother":
        return [
            2.0 if v["contact_at_start"] != "Direct" else 1.0,
            1.0,
            2.0 if short else 0.3,
            3.0 if court else 0.7,
            4.0 if adoption else (1.0 if court else 0.3),
            2.0 if "apart" in mother.roles else 0.7,
            1.0,
        ][index]
    return [
        2.0 if v["contact_at_start"] != "Direct" else 1.0,
        1.0,
        1.0,
        3.0 if court else 0.7,
        1.0,
        2.0 if short else 0.3,
        2.0 if mother.arrangement in (KIN, KIN_MBU) else 0.5,
        1.0,
        3.0 if v["domestic_abuse_history"] == "Yes" else 0.5,
        4.0 if adoption else 0.5,
    ][index]


def _cover_every_mother(mothers: list[Mother], source: str, rng) -> None:
    """Move needs so that each mother has at least one, keeping every need's count."""
    for mother in mothers:
        if mother.needs[source]:
            continue
        donors = [m for m in mothers if len(m.needs[source]) >= 2]
        donor = donors[int(rng.integers(len(donors)))]
        need = donor.needs[source][int(rng.integers(len(donor.needs[source])))]
        donor.needs[source].remove(need)
        mother.needs[source].append(need)


def _build_triage(groups: dict, not_started: list[Mother], rng) -> None:
    for source, set_name in NEED_SETS.items():
        labels = codebook.value_set(set_name).labels
        published = targets.interim_table(NEED_TABLES[source])
        for prison in PRISON_CODES:
            counts = [published[label][prison] for label in labels]
            mothers = groups[(prison, "interim")]
            for index, (label, k) in enumerate(zip(labels, counts, strict=True)):
                if k == 0:
                    continue
                p = np.array([_need_weight(m, source, index) for m in mothers])
                for i in sorted(
                    rng.choice(len(mothers), size=k, replace=False, p=p / p.sum()).tolist()
                ):
                    mothers[i].needs[source].append(label)
            _cover_every_mother(mothers, source, rng)
            total = sum(counts)
            rates = [c / total for c in counts]
            for mother in groups[(prison, "later")] + [
                m for m in not_started if m.prison == prison
            ]:
                k = int(rng.integers(1, 5 if source == "Social worker" else 4))
                p = np.array(
                    [rates[i] * _need_weight(mother, source, i) + 0.01 for i in range(len(labels))]
                )
                chosen = rng.choice(len(labels), size=k, replace=False, p=p / p.sum())
                mother.needs[source] = [labels[i] for i in sorted(chosen.tolist())]
    # One need coded twice for the same case and source (a warning, counted once).
    duplicate = _pick(groups[SEL], 1, rng, "duplicated need")[0]
    duplicate.needs["Mother"].append(duplicate.needs["Mother"][0])


# --------------------------------------------------------------------------- not started


def _not_started_values(mother: Mother, rng) -> None:
    """Plausible baseline for a referral that never started (counted nowhere)."""

    def pick(set_name: str) -> str:
        labels = [lab for lab in codebook.value_set(set_name).labels if lab != "Not known"]
        return labels[int(rng.integers(len(labels)))]

    referral = _weekdays(dt.date(2023, 10, 2), dt.date(2023, 12, 15))
    mother.values.update(
        referral_date=referral[int(rng.integers(len(referral)))],
        case_origin=pick("case_origin"),
        referral_source="Self",
        age=int(rng.integers(22, 40)),
        ethnicity="White British",
        relationship_status=pick("relationship_status"),
        known_to_social_services_as_child=pick("yes_no_not_known"),
        domestic_abuse_history=pick("yes_no_not_known"),
        socially_isolated="No",
        acct="No",
        legal_status="Remand" if mother.prison in MBU_PRISONS else "Sentenced",
        incarceration_count=1,
        offence_category=pick("offence_category"),
        offence_against_own_child="No",
        n_children_under_18=int(rng.integers(1, 4)),
        care_arrangement=KIN,
        social_workers_involved=1,
        family_court_status="No known orders in place for children",
        contact_at_start="Indirect only",
    )
    remand = mother.values["legal_status"] == "Remand"
    mother.values["sentence_band"] = None if remand else "3-5 years"
    mother.values["sentence_length"] = None if remand else "3 years"
    n = mother.n_children
    high = min(17, mother.values["age"] - 16)
    mother.children = [
        {
            "child_ref": i + 1,
            "age": int(rng.integers(0, high + 1)),
            "placement": P_KIN,
            "has_social_worker": "Yes",
        }
        for i in range(n)
    ]


# --------------------------------------------------------------------------- population


def build_population(seed: int = 2021) -> list[Mother]:
    """The invented mothers with canonical values (before any rendering mess)."""
    _check_labels()
    _check_targets()
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(2)[0])
    mothers = _skeleton(rng)
    groups = {g: [m for m in mothers if m.group == g] for g in GROUP_SIZES}
    not_started = [m for m in mothers if m.period == "not_started"]
    started = [m for m in mothers if m.period != "not_started"]
    for group, size in GROUP_SIZES.items():
        if len(groups[group]) != size:
            raise ValueError(f"{group}: {len(groups[group])} mothers, expected {size}")
    _assign_baseline(groups, rng)
    _choose_babies(groups, rng)
    _assign_ages(groups, rng)
    _choose_apart(started, rng)
    _build_children(started, rng)
    for mother in not_started:
        _not_started_values(mother, rng)
    _assign_local_authorities(groups, not_started, rng)
    _build_reviews(started, rng)
    _build_triage(groups, not_started, rng)
    for mother in started:
        lead = dt.timedelta(days=int(rng.integers(3, 41)))
        mother.values["referral_date"] = _weekday(mother.first_contact - lead)
    return mothers


# --------------------------------------------------------------------------- rendering


class _Renderer:
    """Turns canonical values into raw cells with the variation real exports contain."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng

    def category(self, label: str | None, set_name: str) -> str | None:
        if label is None:
            return None
        roll = self.rng.random()
        if roll < 0.14:
            entries = codebook.load_codebook_value_set_entries(set_name)
            variants = next(e.get("variants", []) for e in entries if e["label"] == label)
            variants = [v for v in variants if v not in ("true", "false")]
            if variants:
                return variants[int(self.rng.integers(len(variants)))]
        if roll < 0.2:
            return self.odd_case(label)
        return label

    def odd_case(self, text: str) -> str:
        form = int(self.rng.integers(4))
        return [text.lower(), text.upper(), f" {text} ", f"{text} "][form]

    def date(self, day: dt.date | None):
        if day is None:
            return None
        roll = self.rng.random()
        if roll < 0.06:
            return (day - EXCEL_EPOCH).days
        if roll < 0.10:
            return f"{day.day:02d}/{day.month:02d}/{day.year}"
        if roll < 0.12:
            return f"{day.day}.{day.month}.{day.year % 100:02d}"
        if roll < 0.14:
            return day.isoformat()
        return dt.datetime(day.year, day.month, day.day)

    def local_authority(self, names: list[str]) -> str:
        parts = []
        for name in names:
            roll = self.rng.random()
            parts.append(
                name.lower()
                if roll < 0.1
                else name.upper()
                if roll < 0.15
                else f" {name}"
                if roll < 0.25
                else name
            )
        separator = ["; ", ";", " ; "][int(self.rng.integers(3))]
        text = separator.join(parts)
        return f"{text} " if self.rng.random() < 0.1 else text


HYPHENATED = {
    "referral_date",
    "first_contact_date",
    "offence_against_own_child",
    "family_court_status",
    "local_authority",
    "child_ref",
    "review_date",
    "closure_reason",
    "legal_support",
}
SPACED_TITLE = {"age", "legal_status", "n_children_under_18", "placement", "contact_with_children"}


def _header(column: str, style: str) -> str:
    """Header as typed: 'Case ID' style, or snake case with some hyphens and stray spaces."""
    words = column.replace("_", " ")
    if style == "title":
        return {"case_id": "Case ID", "acct": "ACCT"}.get(column, words.capitalize())
    if column in HYPHENATED:
        return column.replace("_", "-")
    if column in SPACED_TITLE:
        return f"{words.title()} "
    return column


def _render_prison(prison: str, mothers: list[Mother], rng) -> dict[str, pd.DataFrame]:
    render = _Renderer(rng)
    title = prison in MBU_PRISONS
    style = "title" if title else "snake"
    baseline_sets = {c: _column_value_set(c) for c in BASELINE_COLUMNS}
    baseline_rows = []
    for mother in mothers:
        v = mother.values
        row = []
        for column in BASELINE_COLUMNS:
            if column == "case_id":
                row.append(mother.case_id)
            elif column == "first_contact_date":
                row.append(render.date(mother.first_contact))
            elif column in DATE_COLUMNS:
                row.append(render.date(v[column]))
            elif column == "local_authority":
                row.append(render.local_authority(v[column]))
            elif baseline_sets[column]:
                row.append(render.category(v[column], baseline_sets[column]))
            else:
                row.append(v[column])
        baseline_rows.append(row)
    children_rows = []
    triage_rows = []
    for mother in mothers:
        children = mother.children[:-1] if "missing_child_row" in mother.roles else mother.children
        for child in children:
            children_rows.append(
                [
                    mother.case_id,
                    child["child_ref"],
                    child["age"],
                    render.category(child["placement"], "placement"),
                    render.category(child["has_social_worker"], "yes_no_not_known"),
                ]
            )
        for source in NEED_SETS:
            for need in mother.needs[source]:
                need_text = render.odd_case(need) if rng.random() < 0.05 else need
                triage_rows.append(
                    [mother.case_id, render.category(source, "need_source"), need_text]
                )
    review_rows = []
    for mother in mothers:
        for r in mother.reviews:
            outcome = r["contact_outcome"]
            if outcome == "Direct contact not possible - mother supported" and rng.random() < 0.5:
                outcome = outcome.replace(" - ", " \u2013 ")
            else:
                outcome = render.category(outcome, "contact_outcome")
            review_rows.append(
                [
                    mother.case_id,
                    render.date(r["review_date"]),
                    render.category(r["case_status"], "case_status"),
                    render.date(r["closure_date"]),
                    render.category(r["closure_reason"], "closure_reason"),
                    render.category(r["contact_with_children"], "contact_level"),
                    outcome,
                    render.category(r["mbu"], "yes_no"),
                    render.category(r["legal_support"], "yes_no"),
                    r["work_summary"],
                ]
            )
    review_rows.sort(key=lambda row: (_sort_date(row[1]), row[0]))
    sheets = {
        "Baseline": _frame(baseline_rows, [_header(c, style) for c in BASELINE_COLUMNS]),
        "Children": _frame(children_rows, [_header(c, style) for c in CHILDREN_COLUMNS]),
        "Triage coding": _frame(triage_rows, [_header(c, style) for c in TRIAGE_COLUMNS]),
        "Reviews": _frame(review_rows, [_header(c, style) for c in REVIEW_COLUMNS]),
    }
    return sheets


def _sort_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, int):
        return EXCEL_EPOCH + dt.timedelta(days=value)
    text = str(value)
    if "-" in text:
        return dt.date.fromisoformat(text)
    day, month, year = (int(p) for p in re.split(r"[/.]", text))
    return dt.date(year + 2000 if year < 100 else year, month, day)


def _frame(rows: list[list], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns, dtype=object)


def _insert_blank_row(frame: pd.DataFrame, position: int) -> pd.DataFrame:
    blank = pd.DataFrame([[None] * frame.shape[1]], columns=frame.columns, dtype=object)
    return pd.concat([frame.iloc[:position], blank, frame.iloc[position:]], ignore_index=True)


def _guarantee_mess(sheets: dict[str, dict[str, pd.DataFrame]], rng) -> None:
    """Make sure each kind of accepted variation appears at least once."""
    ep, send = sheets["Eastwood Park"], sheets["Send"]
    forced = [
        (ep["Baseline"], "domestic_abuse_history", "Yes", "yes"),
        (send["Baseline"], "domestic_abuse_history", "Yes", "Y"),
        (ep["Baseline"], "socially_isolated", "Not known", "N/K"),
        (send["Baseline"], "known_to_social_services_as_child", "Not known", "N/K"),
        (ep["Baseline"], "relationship_status", "Single", " Single "),
        (send["Baseline"], "relationship_status", "Single", " Single "),
    ]
    for frame, name, canonical, raw in forced:
        column = frame.columns[BASELINE_COLUMNS.index(name)]
        hits = [
            i
            for i, value in frame[column].items()
            if isinstance(value, str)
            and codebook.normalise_text(value) == codebook.normalise_text(canonical)
        ]
        if hits:
            frame.at[hits[0], column] = raw
    for prison_sheets in sheets.values():
        dates = prison_sheets["Baseline"].columns[BASELINE_COLUMNS.index("first_contact_date")]
        column = prison_sheets["Baseline"][dates]
        real = [i for i, v in column.items() if isinstance(v, dt.datetime)]
        for i, form in zip(real[1:4], ["serial", "slash", "dots"], strict=False):
            day = column[i].date()
            column[i] = {
                "serial": (day - EXCEL_EPOCH).days,
                "slash": f"{day.day:02d}/{day.month:02d}/{day.year}",
                "dots": f"{day.day}.{day.month}.{day.year % 100:02d}",
            }[form]
        prison_sheets["Baseline"][dates] = column
    notes = [None] * len(send["Baseline"])
    for i in sorted(rng.choice(len(notes), size=6, replace=False).tolist()):
        notes[i] = BASELINE_NOTES[i % len(BASELINE_NOTES)]
    send["Baseline"]["Notes"] = pd.Series(notes, dtype=object)
    ep["Children"] = _insert_blank_row(ep["Children"], len(ep["Children"]) // 2)
    send["Reviews"] = _insert_blank_row(send["Reviews"], len(send["Reviews"]) // 3)
    sheets["Eastwood Park"] = {
        "Instructions": _frame([[line] for line in INSTRUCTIONS[1:]], [INSTRUCTIONS[0]]),
        **ep,
    }


def _scaled(sheets: dict[str, pd.DataFrame], scale: int) -> dict[str, pd.DataFrame]:
    """Copies 2..scale of every data sheet with ids suffixed '-0002' etc.; dates unchanged."""
    if scale == 1:
        return sheets
    out = {}
    for name, frame in sheets.items():
        if name == "Instructions":
            out[name] = frame
            continue
        id_column = frame.columns[0]
        copies = [frame]
        for copy in range(2, scale + 1):
            clone = frame.copy()
            ids = clone[id_column]
            clone[id_column] = ids.where(
                ids.isna(), ids.astype(object).map(lambda s, c=copy: f"{s}-{c:04d}")
            )
            copies.append(clone)
        out[name] = pd.concat(copies, ignore_index=True)
    return out


def build_case_tracker(seed: int = 2021, scale: int = 1) -> dict[str, dict[str, pd.DataFrame]]:
    """Prison display name -> sheet name -> frame of raw cell values as written to the workbook."""
    if scale < 1:
        raise ValueError("scale must be a positive whole number")
    mothers = build_population(seed)
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(2)[1])
    sheets = {
        prison: _render_prison(prison, [m for m in mothers if m.prison == prison], rng)
        for prison in PRISON_CODES
    }
    _guarantee_mess(sheets, rng)
    return {prison: _scaled(prison_sheets, scale) for prison, prison_sheets in sheets.items()}


# --------------------------------------------------------------------------- writing


def _cell(value):
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def write_workbook(sheets: dict[str, pd.DataFrame], path: str | Path) -> Path:
    """Write sheets to .xlsx with fixed document properties and zip timestamps (deterministic)."""
    path = Path(path)
    workbook = Workbook(write_only=True)
    workbook.properties.creator = CREATOR
    workbook.properties.lastModifiedBy = CREATOR
    workbook.properties.created = FIXED_TIME
    for name, frame in sheets.items():
        sheet = workbook.create_sheet(title=name)
        sheet.append([str(c) for c in frame.columns])
        for row in frame.itertuples(index=False, name=None):
            sheet.append([_cell(v) for v in row])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(workbook_bytes(workbook, FIXED_TIME))
    return path


def write_case_tracker(out_dir: str | Path, seed: int = 2021, scale: int = 1) -> list[Path]:
    """Build and write one workbook per prison into out_dir; returns the paths."""
    out = Path(out_dir)
    return [
        write_workbook(sheets, out / f"{slug(prison)}.xlsx")
        for prison, sheets in build_case_tracker(seed, scale).items()
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="data/raw/case_tracker", help="output folder")
    parser.add_argument("--seed", type=int, default=2021, help="random seed")
    parser.add_argument(
        "--scale", type=int, default=1, help="copies of the population (benchmarks)"
    )
    args = parser.parse_args(argv)
    for path in write_case_tracker(args.out, seed=args.seed, scale=args.scale):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
