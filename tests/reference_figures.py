"""Published figures the example data must reproduce (transcribed from the evaluation's reports).

A: case tracker at the interim cut (2022-05-31); C: key facts at the final cut (2023-12-31).
Per table: row -> {column: n}; a column missing from a row was not published.
"""

EP, SEND, TOTAL = "Eastwood Park", "Send", "Total"
INTERIM_CUT = "2022-05-31"
FINAL_CUT = "2023-12-31"


def by_prison(rows, ep, send, total):
    return {
        row: {EP: e, SEND: s, TOTAL: t} for row, e, s, t in zip(rows, ep, send, total, strict=True)
    }


def totals(rows, values):
    return {row: {TOTAL: v} for row, v in zip(rows, values, strict=True)}


MOTHER_NEEDS = [
    "Support to establish/improve relationship and/or contact with children",
    "Support to improve communication with Children's Social Care and be included in welfare decisions",
    "Support pre-release to improve parenting viability and promote contact/care of children",
    "Support to navigate the Family Court process",
    "Support with adoption transition",
    "Support to maintain family placement and sibling relationships",
    "Help to understand rights and likely outcome in relation to children",
]
WORKER_NEEDS = [
    "Contact agreement",
    "Improve working relationships",
    "Collaborative plan with CSC now and in longer term",
    "Support mother to engage in legal proceedings and assessment",
    "Educate and provide support for transparency",
    "Support for release",
    "Improve relationships with family carers",
    "Promote maternal identity in prison",
    "Additional support to address needs in prison re DV etc",
    "Collaborative life story work with CSC",
]
CARE = [
    "All children in kinship care or other family arrangement",
    "All children in kinship care or other family arrangement including MBU",
    "All children residing with father",
    "Foster care placement/s",
    "Mixed childcare arrangement includes adoption",
    "Mixed childcare arrangement includes family and foster placement/s",
]

INTERIM_TABLES = {
    "known_to_social_services": by_prison(
        ["Yes", "Not known", "No"], [5, 1, 13], [3, 9, 4], [8, 10, 17]
    ),
    "ethnicity": totals(
        [
            "Black African",
            "Black British",
            "White British",
            "White: Gypsy or Irish Traveller",
            "Mixed White/Black Caribbean",
        ],
        [1, 1, 31, 1, 1],
    ),
    "age_group": totals(["30-34"], [14]),
    "legal_status": by_prison(
        ["Sentenced", "Remand", "Recall"], [10, 6, 3], [16, 0, 0], [26, 6, 3]
    ),
    "sentence_length": by_prison(
        ["0-1 year", "1-2 years", "3-5 years", "5-10 years", "10-15 years", "Life"],
        [4, 0, 3, 5, 0, 1],
        [1, 2, 5, 1, 1, 6],
        [5, 2, 8, 6, 1, 7],
    ),
    "incarceration_history": by_prison(
        ["1 incarceration", "2 incarcerations", "3-4 incarcerations"],
        [12, 3, 4],
        [15, 1, 0],
        [27, 4, 4],
    ),
    "offence_category": totals(
        [
            "Assault/wounding with intent",
            "Breach of order",
            "Burglary/robbery/theft",
            "Child sexual offence",
            "Driving related",
            "Drugs related",
            "Fraud",
            "Murder/attempted murder",
            "Neglect/abuse",
            "Perverting course of justice",
        ],
        [4, 1, 4, 5, 2, 7, 1, 8, 2, 1],
    ),
    "offence_against_own_child": totals(["Yes"], [7]),
    "family_size": totals(["1 child", "2 children", "3-4 children", "5+ children"], [9, 6, 15, 5]),
    "care_arrangement": by_prison(
        CARE, [6, 2, 1, 6, 3, 1], [2, 0, 4, 2, 7, 1], [8, 2, 5, 8, 10, 2]
    ),
    "social_workers_involved": totals(["0", "1", "2"], [1, 27, 7]),
    "family_court": by_prison(
        [
            "Family Court proceedings ongoing",
            "No known orders in place for children",
            "Family Court proceedings previously",
        ],
        [14, 2, 3],
        [3, 4, 9],
        [17, 6, 12],
    ),
    "mother_needs": by_prison(
        MOTHER_NEEDS, [14, 9, 7, 7, 4, 4, 3], [14, 8, 2, 1, 4, 2, 2], [28, 17, 9, 8, 8, 6, 5]
    ),
    "social_worker_needs": by_prison(
        WORKER_NEEDS,
        [13, 15, 7, 7, 6, 4, 3, 2, 1, 0],
        [10, 7, 9, 4, 2, 3, 0, 1, 2, 1],
        [23, 22, 16, 11, 8, 7, 3, 3, 3, 1],
    ),
    "case_origin": totals(["Known to Pact", "Prison transfer", "New referral"], [15, 2, 18]),
    "referral_source": by_prison(
        ["Multiple services", "OMU", "POM", "Self", "Children's social worker"],
        [1, 0, 0, 17, 1],
        [3, 3, 3, 6, 1],
        [4, 3, 3, 23, 2],
    ),
    "start_quarter": by_prison(
        ["Q0", "Q1", "Q2", "Q3", "Q4", "Q5"],
        [0, 1, 5, 7, 4, 2],
        [3, 3, 3, 4, 1, 2],
        [3, 4, 8, 11, 5, 4],
    ),
}
#: Relationship status is published in groups of the contract's categories.
INTERIM_RELATIONSHIP_GROUPS = {
    ("Single", "Separated or divorced"): 29,
    ("Married or civil partnership", "In a relationship"): 4,
    ("Not known",): 2,
}
INTERIM_MOTHERS = {EP: 19, SEND: 16, TOTAL: 35}
#: Non-remand denominators of the sentence table.
INTERIM_SENTENCE_BASE = {EP: 13, SEND: 16, TOTAL: 29}
INTERIM_FACTS = {
    ("local_authorities", EP): 14,
    ("local_authorities", SEND): 14,
    ("local_authorities", TOTAL): 26,
    ("mbu_mothers", EP): 2,
    ("mbu_mothers", SEND): 0,
    ("mbu_mothers", TOTAL): 2,
    ("mothers_with_child_aged_0_2", EP): 9,
}

FINAL_MOTHERS = {EP: 48, SEND: 46, TOTAL: 94}
#: fact -> (n, denominator, published whole-number percentage or None)
FINAL_FACTS = {
    "two_plus_children": (70, 94, 74),
    "five_plus_children": (12, 94, 13),
    "aged_30_39": (58, 94, 62),
    "white_british": (74, 94, 79),
    "known_to_social_services": (27, 94, 29),
    "domestic_abuse": (21, 94, 22),
    "single_or_separated": (72, 94, 77),
    "socially_isolated": (19, 94, 20),
    "no_contact_at_start": (43, 94, 46),
    "acct": (33, 94, 35),
    "siblings_apart": (44, 70, 63),
    "child_away_from_birth_family": (52, 94, 55),
    "all_children_with_father": (15, 94, 16),
    "adoption": (18, 94, 19),
    "legal_support": (44, 94, None),  # published "48%" is wrong: 44 of 94 is 47%
    "contact_aim_plan": (41, 60, 68),
    "contact_aim_not_possible": (12, 60, 20),
    "contact_aim_resolved": (53, 60, 88),
    "mbu_mothers": (7, 94, None),
}
FINAL_LOCAL_AUTHORITIES = 56
FINAL_LEGAL_SUPPORT_BY_PRISON = {EP: (28, 64), SEND: (16, 36)}
