"""Synthetic raw data of the second example study: a national mapping of recurrent-care services.

SYNTHETIC EXAMPLE DATA. The 152 local authorities are invented codes
(``LA001`` ... ``LA152``, named "Authority 001" ...) within the nine real
regions of England; every status, service, provider, survey answer, interview
and excerpt is invented. The files follow the raw data contract
(``examples/recurrent-care-mapping/DATA_CONTRACT.md``) and reproduce every
published figure written down in ``examples/recurrent-care-mapping/targets.yaml``:
the generator reads the rows it is about to write back (folding case, spaces
and the contract's variants) and stops if they no longer add up to a figure.

Run ``python -m tools.synthetic.recurrent_care --out examples/recurrent-care-mapping/data/raw``
from the repository root. Writes, under ``--out``:

- ``mapping/mapping_workbook.xlsx``: sheets ``Local authorities``, ``Local services``,
  ``Pause practices`` and ``FDAC teams``;
- ``survey/provider_survey.csv``: an online-survey export (three header rows) with
  a duplicate organisation, a Survey Preview and an unfinished response;
- ``interviews/interviews.csv`` and ``interviews/service_profiles.csv``;
- ``qualitative/``: ``themes.csv``, ``participants.csv``, ``coded_segments.csv``
  (every segment coded by two researchers), ``integration.yaml``, ``disallowed_names.txt``.

Deterministic: a fixed seed, fixed timestamps and fixed workbook properties,
so the same code writes the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
from collections import Counter
from functools import cache
from pathlib import Path

import numpy as np
import yaml
from openpyxl import Workbook

from evaluation.core.xlsx import workbook_bytes
from tools.synthetic.surveys import (
    QUALTRICS_METADATA,
    QUALTRICS_METADATA_IMPORT_IDS,
    QUALTRICS_METADATA_QUESTIONS,
    response_id,
)

SEED = 20210630
CREATOR = "evaluation synthetic generator"
FIXED_TIME = dt.datetime(2021, 6, 30, 0, 0, 0)
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "recurrent-care-mapping"
TARGETS_FILE = EXAMPLE / "targets.yaml"

# ----------------------------------------------------------------------------- labels

LOCAL_OPERATING = "Local service operating"
LOCAL_DEVELOPING = "Local service in development"
PAUSE_OPERATING = "Pause operating"
PAUSE_DEVELOPING = "Pause in development"
NO_SERVICE = "No service"
UNKNOWN = "Unknown"
STATUSES = [
    LOCAL_OPERATING,
    LOCAL_DEVELOPING,
    PAUSE_OPERATING,
    PAUSE_DEVELOPING,
    NO_SERVICE,
    UNKNOWN,
]
LOCAL_AUTHORITY, THIRD_SECTOR_TYPE = "Local authority", "Third sector"
OPERATING, IN_DEVELOPMENT = "Operating", "In development"
SURVEY_RESPONDENT, CONTACTED = "Survey respondent", "Contacted directly"
ROLES = ["Service manager", "Practitioner", "Commissioner", "Other"]

#: The contract's variants (matched after folding case and spaces).
REGION_VARIANTS = {"yorkshire & the humber": "Yorkshire and Humber", "east": "East of England"}
STATUS_VARIANTS = {"not known": UNKNOWN, "?": UNKNOWN}
PROVIDER_TYPE_VARIANTS = {"charity": THIRD_SECTOR_TYPE, "voluntary sector": THIRD_SECTOR_TYPE}
YES_NO = {"yes": True, "y": True, "no": False, "n": False}

# ----------------------------------------------------------------------------- design
# The choices the published figures leave open. _check_targets reads the
# written rows back and compares every figure with targets.yaml.

#: Local-service areas still in development, per region (5 in all).
IN_DEVELOPMENT_AREAS = {
    "North West": 1,
    "Yorkshire and Humber": 1,
    "West Midlands": 1,
    "London": 1,
    "South East": 1,
}
#: Provider type of each in-development service (authorities in code order).
IN_DEVELOPMENT_TYPES = [
    LOCAL_AUTHORITY,
    THIRD_SECTOR_TYPE,
    LOCAL_AUTHORITY,
    THIRD_SECTOR_TYPE,
    LOCAL_AUTHORITY,
]
#: Pause practices per region: the number of authorities each covers (28 practices, 35 areas).
PAUSE_PRACTICE_SIZES = {
    "North East": [2, 2, 1, 1, 1],
    "North West": [2, 1, 1, 1, 1],
    "Yorkshire and Humber": [2, 1, 1],
    "East Midlands": [1, 1],
    "West Midlands": [1],
    "London": [2, 1, 1, 1, 1, 1, 1],
    "South East": [2, 1],
    "South West": [2, 1, 1],
}
#: Third-sector providers of operating local services: code, the region of its
#: areas, and the areas of each of its service rows (9 areas, 3 providers in
#: more than one). Every other operating area has its own local-authority provider.
THIRD_SECTOR = [
    ("P25", "London", [3]),
    ("P26", "North West", [2]),
    ("P27", "West Midlands", [1, 1]),  # two services of one provider
    ("P28", "South East", [1]),
    ("P29", "Yorkshire and Humber", [1]),
]
#: The one operating service delivered across regions with no authority of its own.
CROSS_REGION = ("P26", ["North West", "Yorkshire & the Humber", "North East"])
#: FDAC teams: region, family courts, authorities served.
FDAC = [
    ("North East", 1, 2),
    ("North West", 2, 4),
    ("Yorkshire and Humber", 1, 2),
    ("East Midlands", 1, 2),
    ("East Midlands", 1, 1),
    ("West Midlands", 2, 2),
    ("West Midlands", 1, 2),
    ("West Midlands", 1, 2),
    ("London", 4, 9),
    ("South East", 2, 2),
    ("South East", 1, 2),
    ("South East", 1, 1),
    ("South West", 2, 2),
    ("South West", 1, 2),
]
#: (team, team): the second team also serves one authority of the first (34 distinct, 35 listed).
FDAC_SHARED = (6, 7)
#: Survey organisations that were not interviewed, by register status (13 = 9 interviewed + 4).
SURVEY_NOT_INTERVIEWED = {LOCAL_OPERATING: 1, PAUSE_OPERATING: 2, LOCAL_DEVELOPING: 1}
SURVEY_START, SURVEY_END = dt.date(2020, 8, 3), dt.date(2020, 12, 18)
INTERVIEWS_START, INTERVIEWS_END = dt.date(2020, 10, 5), dt.date(2021, 3, 26)
DISALLOWED_NAMES = ["Bryony", "Tamsin", "Oluwaseun", "Leofric"]
PRIMARY, SECOND = "KM", "HT"
#: Segments on which the second coder chose another theme, and on which she added one.
DISAGREEMENTS, ADDITIONS = 5, 2
EXEMPLAR_SHARE = 0.25

# ----------------------------------------------------------------------------- themes

CORE = "core_components"
THEMES = [
    ("referrals", "Referral routes", "", "How parents come to the service and who refers them."),
    (CORE, "Core components", "", "What the service offers parents: its core components."),
    (
        "trauma_informed",
        "Trauma-informed",
        CORE,
        "Working with the harm parents have lived through.",
    ),
    (
        "loss_grief",
        "Recognising parents' loss and grief",
        CORE,
        "The removal of a child treated as a loss to be grieved.",
    ),
    (
        "relationship_based",
        "Relationship-based",
        CORE,
        "The worker's relationship as the means of change.",
    ),
    (
        "therapeutic_practical",
        "Therapeutic and practical support",
        CORE,
        "Therapy alongside help with housing, money and appointments.",
    ),
    (
        "outreach",
        "Assertive and flexible outreach",
        CORE,
        "Going to parents, persisting and not closing cases for missed contact.",
    ),
    (
        "person_centred",
        "Person-centred and client-led",
        CORE,
        "Parents set the goals and the pace.",
    ),
    (
        "sexual_health",
        "Sexual and reproductive health",
        CORE,
        "Contraception, sexual health and planning a future pregnancy.",
    ),
    (
        "healthy_relationships",
        "Developing healthy relationships",
        CORE,
        "Safe relationships with partners, family and friends.",
    ),
    ("court", "Working with the court", "", "Where the service sits in relation to proceedings."),
    ("change", "What changes for parents", "", "What parents and managers see changing."),
    (
        "staffing",
        "Staffing and caseloads",
        "",
        "Who works in the team and how many parents each sees.",
    ),
    ("funding", "Funding and sustainability", "", "How the service is paid for and how long for."),
]

# Invented excerpts, spoken by service managers (15-50 words; no person or place named).
EXCERPTS = {
    "trauma_informed": [
        "Most of the women we see were harmed as children, so we start from asking what happened to you rather than what is wrong with you.",
        "Every worker has had training in trauma, and it changes small things, like never turning up unannounced and always saying who else will be in the room.",
        "We expect people to miss the first few appointments. When you have been let down all your life, testing whether we come back is part of the work.",
        "The team talks a lot about how services themselves can re-traumatise people, especially the letter that arrives before a child protection conference.",
        "We try to make every contact predictable: the same worker, the same time, a text the day before, so that nobody is caught off guard.",
        "Our supervision is built around the same ideas, because staff carry a lot of the distress they hear and need somewhere to put it.",
    ],
    "loss_grief": [
        "Nobody had ever acknowledged that losing a child to adoption is a bereavement. Some of our parents have never been allowed to grieve at all.",
        "We mark the birthdays of children who have been removed, because those are the weeks when people are most likely to fall apart.",
        "A lot of the anger professionals see is actually grief, and once you name it as grief the whole conversation changes.",
        "We help parents write a later-life letter or put together a memory box, which can be the first time they have talked about the child in years.",
        "Fathers grieve too, but they tend to show it differently, and they are usually left out of any support after the final hearing.",
        "Some parents come to us still carrying the paperwork from proceedings years ago, and part of the work is helping them understand what happened and why.",
    ],
    "relationship_based": [
        "The relationship with the worker is the intervention really. Everything else we offer only works because there is someone they trust on the end of the phone.",
        "We keep the same worker for the whole time, even if the parent moves, because starting again with a stranger undoes a lot.",
        "Parents tell us it is the first professional relationship where they did not feel judged, and that takes time to build.",
        "We are honest about what we will share with social care and when, so that the trust is not broken later on.",
        "Endings are planned from the start. We talk about how the relationship will finish so it does not feel like another person walking away.",
        "Small caseloads are what make the relationships possible; if workers had twenty families each, it would just become case management.",
    ],
    "therapeutic_practical": [
        "One week it is counselling, the next it is sorting out a benefits sanction, and both matter just as much to whether someone can move forward.",
        "We have a small budget for practical things, a bus pass or a phone top-up, which sounds trivial but keeps people in contact with us.",
        "Our psychologist works alongside the key workers, so therapy is offered when someone is ready rather than after a long waiting list.",
        "Housing is usually the first thing. You cannot do any reflective work with someone who does not know where they are sleeping tonight.",
        "We go with parents to the doctor, to the housing office and to the drug service, and we stay until the appointment is finished.",
        "The therapeutic part is often informal, a conversation in the car on the way back from an appointment rather than a session in a room.",
    ],
    "outreach": [
        "If someone does not answer, we do not close the case. We keep knocking, keep texting, and we go back the next week.",
        "Workers meet parents wherever suits them: at home, in a cafe, on a walk. Very little of the work happens in our office.",
        "We work some evenings because that is when people are around, and the service would not reach them on a nine to five basis.",
        "Missing appointments is expected rather than a reason to end support, which is the opposite of how most services are set up.",
        "When someone disappears for a few weeks we ask the people they trust to pass a message on, and we are still there when they come back.",
        "Referral is only the start; sometimes it takes two months of turning up before a parent agrees to work with us.",
    ],
    "person_centred": [
        "Parents set their own goals with us. For one person it is getting a tenancy, for another it is getting through the anniversary of the removal.",
        "We do not have a fixed programme. The plan is written with the parent and changes as often as they need it to.",
        "Taking part is voluntary, and we say that clearly, because so much else in their lives has been done to them rather than with them.",
        "Parents chose the name of the service and sit on the group that reviews how we work.",
        "We go at the pace of the parent. Some are ready to talk about the children straight away, others need months first.",
        "The parent decides who else comes to meetings and what gets written down about them, as far as we possibly can.",
    ],
    "sexual_health": [
        "We talk about contraception as part of looking after your own health, and it is always the parent's choice whether to take it up.",
        "Our nurse can offer long-acting contraception at home, which removes the barrier of getting to a clinic.",
        "Some women want another baby, and we support that too, by helping them reach a point where a pregnancy would not automatically mean proceedings.",
        "Sexual health checks are offered to everyone, including the men, and a lot of them have never had one before.",
        "We work closely with the sexual health service so that appointments can be booked quickly when someone asks for one.",
        "Conversations about pregnancy can feel very loaded for these parents, so we only raise them once the relationship is there.",
    ],
    "healthy_relationships": [
        "A lot of the women have been in abusive relationships, so we do work on what a safe relationship looks like and how to spot the early signs.",
        "When couples come to us together we look at how they handle conflict, because that is often what social care were most worried about.",
        "We run a group on friendships and family relationships, which parents say helped them feel less alone.",
        "Some parents have nobody who is not connected to drugs or to an abusive ex, so building new, safer relationships is a big part of it.",
        "We work with fathers in their own right, not just as a risk, which means they are more honest with us about what is going on at home.",
        "Parents often tell us they never saw a healthy relationship growing up, so there is a lot of learning that has nothing to do with us telling them what to do.",
    ],
    "referrals": [
        "Most referrals come from children's social care at the end of proceedings, but we also take referrals from midwives and from parents themselves.",
        "We ask the court team to tell us about parents as soon as a placement order is made, otherwise they disappear before we can reach them.",
        "Self-referrals have grown since word spread among parents; a few have come to us because a friend went through the service.",
        "Our criteria are that the parent has had at least one child removed and is not currently in proceedings, though we are flexible at the edges.",
        "Sometimes referrals arrive years after the last child was removed, which is harder, because the parent has been on their own for a long time.",
        "Health visitors rarely refer to us, because by the time we are needed the baby is usually no longer with the family.",
    ],
    "court": [
        "We only start after the final hearing, because parents told us they could not engage with anyone while the case was still going on.",
        "In the last weeks of proceedings we do some light-touch work, an introduction and a leaflet, so that the parent knows we exist.",
        "Judges have started asking at the final hearing whether the parent has been offered our service, which has made a real difference.",
        "We keep our work separate from the assessment, and we do not write reports for the court, otherwise nobody would trust us.",
        "Where there is a family drug and alcohol court, we link up with its team so the parent is not handed over to nobody at the end.",
        "When a parent is pregnant again we can start before the birth and carry on through any new proceedings, which gives them a continuity they never had before.",
    ],
    "change": [
        "The biggest change is that parents start to see themselves as someone worth helping. That shows up in everything else, housing, health and relationships.",
        "Several parents now have letterbox or supervised contact going well, which had broken down completely before they came to us.",
        "We have seen far fewer new pregnancies ending in proceedings, although we are careful not to claim all of that for the service.",
        "Parents say they have stopped feeling like a case. They come in and tell us about a course they have started or a job interview.",
        "For some the outcome is modest, a stable tenancy and being registered with a doctor, but for them that is a huge step.",
        "Where a new baby does arrive, the parent is often in a much better place to show the local authority what has changed.",
    ],
    "staffing": [
        "Keeping caseloads small is the thing we fight hardest for, because it is what lets workers keep going back to the same parents.",
        "The team is a mix of social workers, a family support worker and a part-time psychologist, and we all share the same group supervision.",
        "Recruitment is hard, because the work is intense and the contracts are short, and losing one worker disrupts a whole caseload.",
        "We are a very small team, so when someone is off sick the others cover everything, and parents notice that straight away.",
        "We have a volunteer mentor who has been through proceedings herself, and parents often talk to her before they talk to us.",
        "The manager carries a few families as well, which keeps her close to the work but makes the management side hard to fit in.",
    ],
    "funding": [
        "We have been funded one year at a time since we started, which makes it very hard to plan ahead or to keep good staff.",
        "The case for the service is the cost of further proceedings and care placements, and commissioners understand that argument much better now.",
        "An external evaluation is under way, which we hope will help when the funding comes up for renewal next year.",
        "We started with innovation money, and the local authority has since taken the service into its core budget, which is unusual.",
        "Every year we spend months writing bids instead of working with parents, and there is always a risk that the service simply stops.",
        "We share some of the costs with health, because a lot of what we do takes pressure off maternity and mental health services.",
    ],
}
#: Excerpts that only fit some services: (theme, position) -> the service profile they need.
REQUIRES = {
    ("person_centred", 2): {"contraception_condition": False},
    ("person_centred", 3): {"own_name": True},
    ("sexual_health", 0): {"contraception_condition": False},
    ("sexual_health", 3): {"client_group": "Mothers and fathers in their own right"},
    ("healthy_relationships", 1): {
        "client_group": "Women, and the father or current partner as a couple"
    },
    ("healthy_relationships", 4): {"client_group": "Mothers and fathers in their own right"},
    ("referrals", 3): {"timing": "After proceedings only"},
    ("court", 0): {"timing": "After proceedings only"},
    ("court", 1): {"timing": "After proceedings, light-touch before the final decision"},
    ("court", 5): {"timing": "Before birth, during and after proceedings"},
    ("funding", 2): {"evaluation": "External"},
}
#: Excerpts both coders also gave a second theme: (theme, position) -> theme.
ALSO = {
    ("trauma_informed", 2): "outreach",
    ("trauma_informed", 5): "staffing",
    ("relationship_based", 5): "staffing",
    ("outreach", 5): "referrals",
    ("referrals", 1): "court",
    ("court", 2): "referrals",
    ("change", 5): "court",
    ("staffing", 2): "funding",
}

INTEGRATION = """\
# Joint display: how the mapping's tables and the interview themes answer each
# of the study's five interview questions. quantitative = table or key-fact ids
# of the report; themes = theme ids of themes.csv; meta_inference = confirms /
# expands / discordant. SYNTHETIC EXAMPLE DATA: written for the example.
research_questions:
  # How do parents come to the service?
  - id: RQ1
    quantitative: [survey_interview_responses, services_by_region]
    themes: [referrals]
    meta_inference: expands
    sentence: >-
      The register shows where a service exists; managers describe referrals
      arriving mostly from children's social care at the end of proceedings,
      and parents lost when nobody passes their details on.
  # What do services offer, and to whom?
  - id: RQ2
    quantitative: [who_services_work_with, core_components]
    themes: [core_components, relationship_based, outreach]
    meta_inference: confirms
    sentence: >-
      Most interviewed services work with couples as well as women, and the
      managers describe a shared set of core components in much the same words.
  # Where does the service sit in relation to the family court?
  - id: RQ3
    quantitative: [timing_of_intervention, fdac_by_region]
    themes: [court, referrals]
    meta_inference: expands
    sentence: >-
      Most services start after proceedings; managers explain why, and how
      light-touch work before the final decision keeps parents from being lost.
  # What changes for parents?
  - id: RQ4
    quantitative: []
    themes: [change, loss_grief]
    meta_inference: expands
    sentence: >-
      Only the interviews speak to this question: managers describe changes in
      housing, health and contact, and are careful about what they claim.
  # How are services staffed and paid for?
  - id: RQ5
    quantitative: [services_by_region]
    themes: [staffing, funding]
    meta_inference: discordant
    sentence: >-
      The register counts services as operating, yet managers describe funding
      renewed one year at a time; the report discusses what operating means.
"""

#: Invented free-text comments, by the register status the respondent answered for.
SURVEY_COMMENTS = {
    LOCAL_OPERATING: [
        "We would welcome a national network for services like ours.",
        "Funding ends next March and we do not yet know what happens after that.",
        "Referrals have doubled this year.\nWe now have a short waiting list.",
        "Happy to take part in an interview.",
        "Hard to answer for the whole authority, as two teams are involved.",
        "We also run a small offer for fathers alongside the main service.",
    ],
    LOCAL_DEVELOPING: [
        "The service is still being designed together with parents who have been through proceedings."
    ],
    PAUSE_OPERATING: ["Our practice covers two authorities, so some answers are for both."],
    NO_SERVICE: ["test - please ignore"],
}
LA_NOTES = {
    LOCAL_OPERATING: ["Confirmed by the service manager by email", "Website checked", ""],
    LOCAL_DEVELOPING: ["Bid submitted; expected to start next year", "Design stage"],
    PAUSE_OPERATING: [
        "Practice shared with a neighbouring authority",
        "",
        "Listed by the national team",
    ],
    NO_SERVICE: [
        "Commissioner confirmed no service",
        "Service closed two years ago; nothing since",
        "",
    ],
    UNKNOWN: ["No reply to two emails", "Call back after the Christmas break", ""],
}


# ----------------------------------------------------------------------------- helpers


@cache
def load_targets() -> dict:
    """The published figures (do not modify the result)."""
    with TARGETS_FILE.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def fold(value) -> str:
    """Case and spaces folded, as the contract matches category values."""
    return " ".join(str(value if value is not None else "").split()).lower()


def _canonical(value, labels: list[str], variants: dict[str, str]) -> str:
    folded = fold(value)
    for label in labels:
        if fold(label) == folded:
            return label
    if folded in variants:
        return variants[folded]
    raise ValueError(f"{value!r} is none of {labels} or their variants")


def regions() -> list[str]:
    return [r for r in load_targets()["tables"]["services_by_region"]["rows"] if r != "Total"]


def region_of(value) -> str:
    return _canonical(value, regions(), REGION_VARIANTS)


def status_of(value) -> str:
    return _canonical(value, STATUSES, STATUS_VARIANTS)


def split_list(value) -> list[str]:
    """A list cell: items separated by ';' or ',' with any spaces."""
    return [item.strip() for item in str(value or "").replace(";", ",").split(",") if item.strip()]


def _pick(rng, options: list):
    return options[int(rng.integers(len(options)))]


def _labels(table_id: str) -> dict[str, int]:
    table = load_targets()["tables"][table_id]
    return {row: counts[0] for row, counts in table["rows"].items() if row != "Total"}


# ----------------------------------------------------------------------------- design


def build(rng) -> dict:
    """The clean records of every file (canonical labels), before any mess."""
    authorities = _authorities(rng)
    practices = _pause_practices(authorities)
    services = _local_services(rng, authorities)
    teams = _fdac_teams(rng, authorities)
    interviews, responses = _interviews_and_survey(rng, authorities, services)
    profiles = _profiles(rng, interviews)
    segments = _segments(rng, interviews, profiles)
    return {
        "authorities": authorities,
        "practices": practices,
        "services": services,
        "teams": teams,
        "responses": responses,
        "interviews": interviews,
        "profiles": profiles,
        "segments": segments,
    }


def _authorities(rng) -> list[dict]:
    """152 authorities numbered region by region, statuses shuffled within each region."""
    rows, number = [], 0
    table = load_targets()["tables"]["services_by_region"]["rows"]
    for region in regions():
        total, local, pause, none, unknown = table[region]
        developing = IN_DEVELOPMENT_AREAS.get(region, 0)
        statuses = (
            [LOCAL_OPERATING] * (local - developing)
            + [LOCAL_DEVELOPING] * developing
            + [PAUSE_OPERATING] * pause
            + [NO_SERVICE] * none
            + [UNKNOWN] * unknown
        )
        if len(statuses) != total:
            raise ValueError(
                f"{region}: statuses for {len(statuses)} authorities, {total} published"
            )
        for i in rng.permutation(len(statuses)):
            number += 1
            rows.append(
                {
                    "code": f"LA{number:03d}",
                    "name": f"Authority {number:03d}",
                    "region": region,
                    "status": statuses[int(i)],
                }
            )
    return rows


def _codes(authorities: list[dict], region: str, status: str) -> list[str]:
    return [a["code"] for a in authorities if a["region"] == region and a["status"] == status]


def _pause_practices(authorities: list[dict]) -> list[dict]:
    practices = []
    for region, sizes in PAUSE_PRACTICE_SIZES.items():
        codes = _codes(authorities, region, PAUSE_OPERATING)
        if sum(sizes) != len(codes):
            raise ValueError(f"{region}: practices cover {sum(sizes)} of {len(codes)} Pause areas")
        start = 0
        for size in sizes:
            practices.append(
                {
                    "id": f"PP{len(practices) + 1:02d}",
                    "status": OPERATING,
                    "authorities": codes[start : start + size],
                }
            )
            start += size
    return practices


def _local_services(rng, authorities: list[dict]) -> list[dict]:
    """Operating services (third sector, then one local-authority provider per other area),
    the cross-region service and the services in development; ids in a shuffled order."""
    services = []
    taken: set[str] = set()
    for provider, region, sizes in THIRD_SECTOR:
        pool = _codes(authorities, region, LOCAL_OPERATING)
        chosen = sorted(str(c) for c in rng.choice(pool, size=sum(sizes), replace=False))
        taken.update(chosen)
        start = 0
        for size in sizes:
            services.append(
                {
                    "provider": provider,
                    "type": THIRD_SECTOR_TYPE,
                    "status": OPERATING,
                    "authorities": chosen[start : start + size],
                    "regions": [],
                }
            )
            start += size
    own = [
        a["code"] for a in authorities if a["status"] == LOCAL_OPERATING and a["code"] not in taken
    ]
    for number, code in enumerate(own, start=1):
        services.append(
            {
                "provider": f"P{number:02d}",
                "type": LOCAL_AUTHORITY,
                "status": OPERATING,
                "authorities": [code],
                "regions": [],
            }
        )
    provider, cross_regions = CROSS_REGION
    services.append(
        {
            "provider": provider,
            "type": THIRD_SECTOR_TYPE,
            "status": OPERATING,
            "authorities": [],
            "regions": cross_regions,
        }
    )
    developing = [a["code"] for a in authorities if a["status"] == LOCAL_DEVELOPING]
    first = len(own) + len(THIRD_SECTOR) + 1
    for i, (code, kind) in enumerate(zip(developing, IN_DEVELOPMENT_TYPES, strict=True)):
        services.append(
            {
                "provider": f"P{first + i:02d}",
                "type": kind,
                "status": IN_DEVELOPMENT,
                "authorities": [code],
                "regions": [],
            }
        )
    order = rng.permutation(len(services))
    shuffled = [services[int(i)] for i in order]
    for number, service in enumerate(shuffled, start=1):
        service["id"] = f"S{number:02d}"
    return shuffled


def _fdac_teams(rng, authorities: list[dict]) -> list[dict]:
    teams, used = [], set()
    for number, (region, courts, n) in enumerate(FDAC):
        pool = [a["code"] for a in authorities if a["region"] == region and a["code"] not in used]
        if number == FDAC_SHARED[1]:
            shared = teams[FDAC_SHARED[0]]["authorities"][0]
            chosen = [shared, *(str(c) for c in rng.choice(pool, size=n - 1, replace=False))]
        else:
            chosen = [str(c) for c in rng.choice(pool, size=n, replace=False)]
        used.update(chosen)
        teams.append(
            {
                "id": f"F{number + 1:02d}",
                "region": region,
                "courts": courts,
                "authorities": sorted(chosen),
            }
        )
    return teams


def _day(rng, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=int(rng.integers(0, (last - first).days + 1)))


def _interviews_and_survey(rng, authorities: list[dict], services: list[dict]):
    """Interviewed services (one area per provider) and the survey responses."""
    table1 = load_targets()["tables"]["survey_interview_responses"]["rows"]
    n_interviews = table1["Interviews in all"][0]
    n_respondents = table1["Survey respondents also interviewed"][0]
    operating = [s for s in services if s["status"] == OPERATING and s["authorities"]]
    third = [
        min(a for s in operating if s["provider"] == p for a in s["authorities"])
        for p, _region, _sizes in THIRD_SECTOR
    ]
    own = sorted(s["authorities"][0] for s in operating if s["type"] == LOCAL_AUTHORITY)
    picked = [str(c) for c in rng.choice(own, size=n_interviews - len(third), replace=False)]
    interviewed = sorted(third + picked)
    respondents = sorted(str(c) for c in rng.choice(interviewed, size=n_respondents, replace=False))

    status = {a["code"]: a["status"] for a in authorities}
    others = []
    for wanted, n in SURVEY_NOT_INTERVIEWED.items():
        pool = [
            a["code"] for a in authorities if a["status"] == wanted and a["code"] not in interviewed
        ]
        others += [str(c) for c in rng.choice(pool, size=n, replace=False)]
    organisations = sorted(respondents + others)
    twice = _pick(rng, organisations)

    responses = []
    for code in organisations:
        answers = 2 if code == twice else 1
        dates = sorted(
            {_day(rng, SURVEY_START, SURVEY_END - dt.timedelta(days=40)) for _ in range(answers)}
        )
        while len(dates) < answers:
            dates = sorted({*dates, _day(rng, SURVEY_START, SURVEY_END)})
        roles = ["Practitioner", "Service manager"] if answers == 2 else [None]
        for date, role in zip(dates, roles, strict=True):
            responses.append(
                {
                    "date": date,
                    "kind": "complete",
                    "organisation": code,
                    "role": role or _pick(rng, ROLES[:1] * 5 + ROLES),
                    "service_status": status[code],
                }
            )
    spare = [
        a["code"]
        for a in authorities
        if a["status"] == LOCAL_OPERATING and a["code"] not in interviewed + organisations
    ]
    responses.append(
        {
            "date": _day(rng, SURVEY_START, SURVEY_END),
            "kind": "unfinished",
            "organisation": _pick(rng, spare),
            "role": "Service manager",
            "service_status": "",
        }
    )
    nothing = [a["code"] for a in authorities if a["status"] == NO_SERVICE]
    responses.append(
        {
            "date": SURVEY_START - dt.timedelta(days=4),
            "kind": "preview",
            "organisation": _pick(rng, nothing),
            "role": "Other",
            "service_status": NO_SERVICE,
        }
    )
    responses.sort(key=lambda r: (r["date"], r["organisation"]))

    kept = {}
    for r in responses:
        if r["kind"] == "complete":
            kept[r["organisation"]] = r["date"]  # sorted by date: the latest wins
    interviews = []
    for code in interviewed:
        if code in respondents:
            earliest = max(INTERVIEWS_START, kept[code] + dt.timedelta(days=14))
            date = _day(rng, earliest, min(INTERVIEWS_END, earliest + dt.timedelta(days=100)))
        else:
            date = _day(rng, INTERVIEWS_START, INTERVIEWS_END)
        interviews.append(
            {
                "organisation": code,
                "recruited": SURVEY_RESPONDENT if code in respondents else CONTACTED,
                "date": date,
            }
        )
    interviews.sort(key=lambda r: (r["date"], r["organisation"]))
    for number, interview in enumerate(interviews, start=1):
        interview["id"] = f"Interview {number}"
    return interviews, responses


def _spread(rng, counts: dict, n: int) -> list:
    values = [label for label, k in counts.items() for _ in range(k)]
    if len(values) != n:
        raise ValueError(f"{counts} describe {len(values)} services, not {n}")
    return [values[int(i)] for i in rng.permutation(n)]


def _profiles(rng, interviews: list[dict]) -> list[dict]:
    facts = load_targets()["facts"]
    n = len(interviews)
    client = _spread(rng, _labels("who_services_work_with"), n)
    timing = _spread(rng, _labels("timing_of_intervention"), n)
    external, internal = facts["external_evaluation"], facts["internal_evaluation"]
    evaluation = _spread(
        rng, {"External": external, "Internal": internal, "None": n - external - internal}, n
    )
    own_name = _spread(rng, {True: facts["own_name"], False: n - facts["own_name"]}, n)
    condition = facts["contraception_condition"]
    contraception = _spread(rng, {True: condition, False: n - condition}, n)
    (team_low, team_high), (case_low, case_high) = facts["team_size"], facts["caseload_per_worker"]
    teams = [int(v) for v in rng.integers(team_low + 1, team_high, size=n)]
    smallest, largest = (int(i) for i in rng.choice(n, size=2, replace=False))
    teams[smallest], teams[largest] = team_low, team_high
    lows = [int(v) for v in rng.integers(case_low, case_low + 3, size=n)]
    highs = [min(case_high, low + int(rng.integers(1, 4))) for low in lows]
    lowest, highest = (int(i) for i in rng.choice(n, size=2, replace=False))
    lows[lowest], highs[highest] = case_low, case_high
    return [
        {
            "id": interview["id"],
            "client_group": client[i],
            "timing": timing[i],
            "evaluation": evaluation[i],
            "own_name": own_name[i],
            "contraception_condition": contraception[i],
            "team_size": teams[i],
            "caseload_low": lows[i],
            "caseload_high": highs[i],
        }
        for i, interview in enumerate(interviews)
    ]


def _excerpt_list() -> list[tuple[str, str, dict, str]]:
    """(theme, text, profile requirement, second theme) of every excerpt, in bank order."""
    return [
        (theme, text, REQUIRES.get((theme, k), {}), ALSO.get((theme, k), ""))
        for theme, texts in EXCERPTS.items()
        for k, text in enumerate(texts)
    ]


def _segments(rng, interviews: list[dict], profiles: list[dict]) -> list[dict]:
    """Every excerpt given to one interview (respecting its profile), coded by both researchers."""
    excerpts = _excerpt_list()
    load = dict.fromkeys(range(len(interviews)), 0)
    placed = []
    tagged = [i for i, e in enumerate(excerpts) if e[2]]
    untagged = [i for i, e in enumerate(excerpts) if not e[2]]
    for index in tagged + [untagged[int(i)] for i in rng.permutation(len(untagged))]:
        requirement = excerpts[index][2]
        fits = [
            k
            for k, profile in enumerate(profiles)
            if all(profile[key] == value for key, value in requirement.items())
        ]
        if not fits:
            raise ValueError(f"no interviewed service fits excerpt {index}: {requirement}")
        fewest = min(load[k] for k in fits)
        chosen = _pick(rng, [k for k in fits if load[k] == fewest])
        load[chosen] += 1
        placed.append((chosen, index))
    placed.sort()
    theme_ids = [t[0] for t in THEMES]
    components = [t[0] for t in THEMES if t[2] == CORE]
    others = [t[0] for t in THEMES if not t[2] and t[0] != CORE]
    changed = {int(i) for i in rng.choice(len(placed), size=DISAGREEMENTS, replace=False)}
    added = {
        int(i)
        for i in rng.choice(
            [k for k in range(len(placed)) if k not in changed], size=ADDITIONS, replace=False
        )
    }
    rows = []
    for number, (who, index) in enumerate(placed, start=1):
        theme, text, _requirement, extra = excerpts[index]
        first = [theme, extra] if extra else [theme]
        second = list(first)
        if number - 1 in changed:
            if theme in components:  # a neighbouring component
                second[0] = components[(components.index(theme) + 1) % len(components)]
            else:
                second[0] = _pick(rng, [t for t in others if t not in first])
        if number - 1 in added:
            addition = CORE if theme in components else _pick(rng, components)
            second.append(addition)
        second = list(dict.fromkeys(second))  # a theme is coded once per coder
        exemplar = bool(rng.random() < EXEMPLAR_SHARE)
        for coder, themes, flag in ((PRIMARY, first, exemplar), (SECOND, second, False)):
            for t in themes:
                if t not in theme_ids:
                    raise ValueError(f"segment {number}: unknown theme {t}")
                rows.append(
                    {
                        "segment_id": f"S{number:03d}",
                        "participant_id": interviews[who]["id"],
                        "theme": t,
                        "coder": coder,
                        "excerpt": text,
                        "exemplar": flag,
                    }
                )
    return rows


# ----------------------------------------------------------------------------- the raw cells
# Realistic mess the contract accepts, from a second random stream.


def _region_cell(rng, region: str) -> str:
    roll = rng.random()
    if region == "Yorkshire and Humber" and roll < 0.4:
        return "Yorkshire & the Humber"
    if region == "East of England" and roll < 0.4:
        return "East"
    if roll < 0.06:
        return region.lower()
    if roll < 0.12:
        return region + " "
    return region


def _status_cell(rng, status: str) -> str:
    roll = rng.random()
    if status == PAUSE_OPERATING and roll < 0.3:
        return "pause operating"
    if status == UNKNOWN and roll < 0.4:
        return _pick(rng, ["not known", "?", "Not known "])
    if status == LOCAL_OPERATING and roll < 0.1:
        return "Local Service Operating"
    if roll < 0.1:
        return status + " "
    return status


def _list_cell(rng, items: list[str]) -> str:
    return _pick(rng, ["; ", ",", ", ", ";", " ; "]).join(items)


def sheets(built: dict, rng) -> dict[str, list[list]]:
    """Sheet name -> rows of cells (header first) as written to the workbook."""
    authorities = [["LA code", "Local authority", "Region", "Recurrent-care service", "Notes"]]
    blank_after = len(built["authorities"]) // 3
    for i, a in enumerate(built["authorities"]):
        note = _pick(rng, LA_NOTES[a["status"]]) if rng.random() < 0.3 else ""
        authorities.append(
            [
                a["code"] + (" " if i % 23 == 7 else ""),
                a["name"],
                _region_cell(rng, a["region"]),
                _status_cell(rng, a["status"]),
                note or None,
            ]
        )
        if i == blank_after:
            authorities.append([None] * 5)
    services = [
        [
            "Service ID",
            "Provider",
            "Provider type",
            "Status",
            "Local authorities",
            "Regions",
            "Notes",
        ]
    ]
    for s in sorted(built["services"], key=lambda s: s["id"]):
        kind = s["type"]
        if kind == THIRD_SECTOR_TYPE and rng.random() < 0.5:
            kind = _pick(rng, ["charity", "Voluntary sector", "third sector "])
        note = ""
        if s["regions"]:
            note = "Delivered across regions by one charity; no authority of its own"
        elif len(s["authorities"]) > 1:
            note = "One service shared by neighbouring authorities"
        elif s["status"] == IN_DEVELOPMENT:
            note = "Expected to open next year"
        services.append(
            [
                s["id"],
                s["provider"],
                kind,
                s["status"] if rng.random() > 0.15 else s["status"].lower() + " ",
                _list_cell(rng, s["authorities"]) or None,
                _list_cell(rng, s["regions"]) or None,
                note or None,
            ]
        )
    practices = [["Practice ID", "Status", "Local authorities"]]
    for p in built["practices"]:
        status = p["status"] if p["id"] != "PP11" else "operating "
        practices.append([p["id"], status, _list_cell(rng, p["authorities"])])
    teams = [["Team ID", "Region", "Courts", "Local authorities"]]
    for t in built["teams"]:
        teams.append(
            [
                t["id"],
                _region_cell(rng, t["region"]),
                t["courts"],
                _list_cell(rng, t["authorities"]),
            ]
        )
    return {
        "Local authorities": authorities,
        "Local services": services,
        "Pause practices": practices,
        "FDAC teams": teams,
    }


SURVEY_HEADER = [
    *QUALTRICS_METADATA,
    "organisation",
    "role",
    "service_status",
    "comments",
]
SURVEY_QUESTIONS = [
    *QUALTRICS_METADATA_QUESTIONS,
    "Which local authority are you answering for? (code from the invitation)",
    "What is your role?",
    "Which recurrent-care service does the authority have at present?",
    "Is there anything else you would like to tell us?",
]
SURVEY_IMPORT_IDS = [
    *QUALTRICS_METADATA_IMPORT_IDS,
    '{"ImportId":"QID1_TEXT"}',
    '{"ImportId":"QID2"}',
    '{"ImportId":"QID3"}',
    '{"ImportId":"QID4_TEXT"}',
]


def survey_rows(built: dict, rng) -> list[list[str]]:
    """The export's rows after its three header rows, in recorded order."""
    rows = []
    said = Counter()
    for r in built["responses"]:
        start = dt.datetime.combine(
            r["date"],
            dt.time(int(rng.integers(8, 18)), int(rng.integers(0, 60)), int(rng.integers(0, 60))),
        )
        seconds = int(rng.integers(180, 1200))
        end = start + dt.timedelta(seconds=seconds)
        preview, unfinished = r["kind"] == "preview", r["kind"] == "unfinished"
        status = r["service_status"]
        if status and rng.random() < 0.25:
            status = status.lower()
        role = r["role"] if rng.random() > 0.2 else r["role"].lower() + " "
        comments = SURVEY_COMMENTS[status_of(r["service_status"] or NO_SERVICE)]
        comment = comments[said[id(comments)] % len(comments)]
        said[id(comments)] += 1
        if unfinished or (not preview and rng.random() < 0.35):
            comment = ""
        rows.append(
            [
                start.strftime("%Y-%m-%d %H:%M:%S"),
                end.strftime("%Y-%m-%d %H:%M:%S"),
                "Survey Preview" if preview else "IP Address",
                "38" if unfinished else "100",
                str(seconds),
                "False" if unfinished else "True",
                end.strftime("%Y-%m-%d %H:%M:%S"),
                response_id(rng),
                "preview" if preview else "anonymous",
                "EN-GB",
                r["organisation"],
                role,
                status,
                comment,
            ]
        )
    return sorted(rows, key=lambda row: row[6])


def _date_text(number: int, date: dt.date) -> str:
    if number % 3 == 0:
        return date.isoformat()
    if number == 7:
        return f"{date.day}/{date.month}/{date.year}"
    return date.strftime("%d/%m/%Y")


def interview_rows(built: dict) -> list[list[str]]:
    rows = []
    for number, i in enumerate(built["interviews"], start=1):
        recruited = i["recruited"]
        if number % 5 == 2:
            recruited = recruited.lower()
        elif number % 7 == 3:
            recruited += " "
        rows.append([i["id"], i["organisation"], recruited, _date_text(number, i["date"])])
    return rows


def _flag(rng, value: bool) -> str:
    return _pick(rng, ["Yes", "yes", "Y", "Yes "] if value else ["No", "no", "N", "No "])


def profile_rows(built: dict, rng) -> list[list]:
    rows = []
    for number, p in enumerate(built["profiles"], start=1):
        rows.append(
            [
                p["id"] + (" " if number == 11 else ""),
                p["client_group"] + (" " if number in (4, 17) else ""),
                p["timing"] if number != 9 else p["timing"].replace(" ", "  ", 1),
                p["evaluation"],
                _flag(rng, p["own_name"]),
                _flag(rng, p["contraception_condition"]),
                p["team_size"],
                p["caseload_low"],
                p["caseload_high"],
            ]
        )
    return rows


def segment_rows(built: dict, rng) -> list[list]:
    return [
        [
            r["segment_id"],
            r["participant_id"],
            r["theme"] if i % 17 else r["theme"].upper(),
            r["coder"],
            r["excerpt"],
            _flag(rng, r["exemplar"]),
        ]
        for i, r in enumerate(built["segments"])
    ]


def participant_rows(built: dict) -> list[list[str]]:
    return [
        [i["id"], i["recruited"] if n % 6 else i["recruited"].upper(), _date_text(n, i["date"])]
        for n, i in enumerate(built["interviews"], start=1)
    ]


# ----------------------------------------------------------------------------- figures


def figures(cells: dict) -> dict:
    """Every published figure computed from the raw cells (same shape as targets.yaml)."""
    table = {}
    authorities = [r for r in cells["sheets"]["Local authorities"][1:] if any(r)]
    status = {str(r[0]).strip(): status_of(r[3]) for r in authorities}
    region = {str(r[0]).strip(): region_of(r[2]) for r in authorities}
    columns = {
        "Local service": {LOCAL_OPERATING, LOCAL_DEVELOPING},
        "Pause": {PAUSE_OPERATING, PAUSE_DEVELOPING},
        "No service": {NO_SERVICE},
        "Unknown": {UNKNOWN},
    }
    by_region = {}
    for name in [*regions(), "Total"]:
        codes = [c for c in status if name in ("Total", region[c])]
        by_region[name] = [len(codes)] + [
            sum(status[c] in wanted for c in codes) for wanted in columns.values()
        ]
    table["services_by_region"] = by_region

    services = [
        dict(zip(cells["sheets"]["Local services"][0], r, strict=True))
        for r in cells["sheets"]["Local services"][1:]
    ]
    for s in services:
        s["kind"] = _canonical(
            s["Provider type"], [LOCAL_AUTHORITY, THIRD_SECTOR_TYPE], PROVIDER_TYPE_VARIANTS
        )
        s["state"] = _canonical(s["Status"], [OPERATING, IN_DEVELOPMENT], {})
        s["areas"] = split_list(s["Local authorities"])
        s["regions"] = [region_of(r) for r in split_list(s["Regions"])]
    operating = [s for s in services if s["state"] == OPERATING]
    areas = {a for s in operating for a in s["areas"]}
    third_areas: dict[str, set] = {}
    for s in operating:
        if s["kind"] == THIRD_SECTOR_TYPE:
            third_areas.setdefault(s["Provider"], set()).update(s["areas"])
    cross = [s for s in operating if not s["areas"]]

    practices = cells["sheets"]["Pause practices"][1:]
    practice_areas = [split_list(p[2]) for p in practices if fold(p[1]) == "operating"]
    teams = cells["sheets"]["FDAC teams"][1:]
    table["fdac_by_region"] = {r: [sum(region_of(t[1]) == r for t in teams)] for r in regions()}
    table["fdac_by_region"]["Total"] = [len(teams)]

    survey = cells["survey"]
    complete = [r for r in survey if r[2] != "Survey Preview" and r[5] == "True"]
    organisations = Counter(r[10] for r in complete)
    interviews = cells["interviews"]
    recruited = {r[0]: fold(r[2]) for r in interviews}
    org_of = {r[0]: r[1] for r in interviews}
    respondents = [i for i, g in recruited.items() if g == fold(SURVEY_RESPONDENT)]
    if any((org_of[i] in organisations) != (i in respondents) for i in recruited):
        raise ValueError("an interview's recruitment disagrees with the survey organisations")
    table["survey_interview_responses"] = {
        "Survey responses": [len(complete)],
        "Survey respondents also interviewed": [len(respondents)],
        "Additional interviews": [sum(g == fold(CONTACTED) for g in recruited.values())],
        "Interviews in all": [len(interviews)],
    }
    profiles = [[str(v).strip() if isinstance(v, str) else v for v in r] for r in cells["profiles"]]
    for table_id, column in (("who_services_work_with", 1), ("timing_of_intervention", 2)):
        counts = Counter(fold(r[column]) for r in profiles)
        table[table_id] = {label: [counts[fold(label)]] for label in _labels(table_id)}
    parents = {r[0]: r[2] for r in cells["themes"]}
    labels = {r[0]: r[1] for r in cells["themes"]}
    table["core_components"] = {"items": [labels[t] for t, p in parents.items() if p == CORE]}

    evaluations = Counter(fold(r[3]) for r in profiles)
    facts = {
        "survey_organisations": len(organisations),
        "survey_answered_twice": {
            "organisations": sum(n > 1 for n in organisations.values()),
            "responses": sum(n for n in organisations.values() if n > 1),
        },
        "pause_practices_operating": len(practice_areas),
        "pause_authorities": len({a for p in practice_areas for a in p}),
        "local_service_areas_operating": len(areas),
        "local_service_providers_operating": len({s["Provider"] for s in operating}),
        "local_service_areas_in_development": len(
            {a for s in services if s["state"] == IN_DEVELOPMENT for a in s["areas"]}
        ),
        "local_service_areas": by_region["Total"][1],
        "local_service_areas_by_local_authority": len(
            {a for s in operating if s["kind"] == LOCAL_AUTHORITY for a in s["areas"]}
        ),
        "local_service_areas_by_third_sector": len(set().union(*third_areas.values())),
        "third_sector_providers_in_several_authorities": sum(
            len(a) > 1 for a in third_areas.values()
        ),
        "cross_region_services": {
            "services": len(cross),
            "regions": len({r for s in cross for r in s["regions"]}),
        },
        "no_service_authorities": by_region["Total"][3],
        "unknown_authorities": by_region["Total"][4],
        "fdac_teams": len(teams),
        "fdac_courts": sum(int(t[2]) for t in teams),
        "fdac_authorities": len({a for t in teams for a in split_list(t[3])}),
        "interviewed_services": len(profiles),
        "external_evaluation": evaluations["external"],
        "internal_evaluation": evaluations["internal"],
        "own_name": sum(YES_NO[fold(r[4])] for r in profiles),
        "contraception_condition": sum(YES_NO[fold(r[5])] for r in profiles),
        "fathers_in_own_right": sum(
            fold(r[1]) == fold("Mothers and fathers in their own right") for r in profiles
        ),
        "caseload_per_worker": [min(int(r[7]) for r in profiles), max(int(r[8]) for r in profiles)],
        "team_size": [min(int(r[6]) for r in profiles), max(int(r[6]) for r in profiles)],
    }
    return {
        "tables": table,
        "facts": facts,
        "status": status,
        "regions": set(region.values()),
        "practice_areas": practice_areas,
        "areas": areas,
    }


def _month(text: str) -> tuple[int, int]:
    year, month = text.split("-")
    return int(year), int(month)


def _check_periods(cells: dict, study: dict) -> list[str]:
    """Complete responses in the survey period; interviews in the mapping period, after the survey."""
    problems = []
    first, last = (_month(m) for m in study["survey_period"])
    kept = {}
    for r in cells["survey"]:
        if r[2] != "Survey Preview" and r[5] == "True":
            when = dt.datetime.fromisoformat(r[6]).date()
            kept[r[10]] = when  # rows in recorded order: the latest wins
            if not first <= (when.year, when.month) <= last:
                problems.append(f"survey response {r[7]} outside the survey period")
    first, last = (_month(m) for m in study["mapping_period"])
    for interview_id, organisation, recruited, text in cells["interviews"]:
        when = (
            dt.date.fromisoformat(text)
            if "-" in text
            else dt.datetime.strptime(text, "%d/%m/%Y").date()
        )
        if not first <= (when.year, when.month) <= last:
            problems.append(f"{interview_id} outside the mapping period")
        if fold(recruited) == fold(SURVEY_RESPONDENT) and when <= kept[organisation]:
            problems.append(f"{interview_id} before its survey response")
    return problems


def _check_targets(cells: dict, built: dict) -> None:
    """The rows about to be written must give every published figure and keep the contract."""
    published = load_targets()
    computed = figures(cells)
    problems = []
    for table_id, table in published["tables"].items():
        expected = {"items": table["items"]} if "items" in table else table["rows"]
        if computed["tables"][table_id] != expected:
            problems.append(f"{table_id}: {computed['tables'][table_id]}")
    for fact, value in published["facts"].items():
        if computed["facts"][fact] != value:
            problems.append(f"{fact}: {computed['facts'][fact]}, published {value}")
    status = computed["status"]
    study = published["study"]
    if (len(status), len(computed["regions"])) != (study["local_authorities"], study["regions"]):
        problems.append("number of authorities or regions")
    problems += _check_periods(cells, study)
    pause = {c for c, s in status.items() if s in (PAUSE_OPERATING, PAUSE_DEVELOPING)}
    covered = [a for p in computed["practice_areas"] for a in p]
    if sorted(covered) != sorted(pause):
        problems.append("Pause authorities are not each covered by exactly one practice")
    if {status[a] for a in computed["areas"]} != {LOCAL_OPERATING} or len(computed["areas"]) != sum(
        s == LOCAL_OPERATING for s in status.values()
    ):
        problems.append("operating local services and 'Local service operating' disagree")
    n, base, pct = published["known_inconsistencies"]["no_service_share"]
    if (computed["facts"]["no_service_authorities"], len(status), round(100 * n / base)) != (
        n,
        base,
        pct,
    ):
        problems.append("no-service share")
    for row in built["segments"]:
        words = len(row["excerpt"].split())
        if not 15 <= words <= 50:
            problems.append(f"excerpt of {words} words: {row['excerpt'][:40]}")
        for name in DISALLOWED_NAMES:
            if name.lower() in row["excerpt"].lower():
                problems.append(f"excerpt names {name}")
    segments = {r["segment_id"] for r in built["segments"]}
    coders = {(r["segment_id"], r["coder"]) for r in built["segments"]}
    if len(coders) != 2 * len(segments) or not 60 <= len(segments) <= 90:
        problems.append(f"{len(segments)} segments, not all coded by both researchers")
    if problems:
        raise ValueError(
            "synthetic recurrent-care data disagree with the published figures: "
            + "; ".join(problems)
        )


# ----------------------------------------------------------------------------- writing


def _csv_text(header: list[str], rows: list[list], extra_header: list[list[str]] = ()) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(extra_header)
    writer.writerows(rows)
    return buffer.getvalue()


def _write(path: Path, text: str, *, bom: bool = True) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((("\ufeff" if bom else "") + text).encode("utf-8"))
    return path


def write_workbook(sheet_rows: dict[str, list[list]], path: Path) -> Path:
    """The mapping workbook with fixed document properties and zip times (same bytes each run)."""
    workbook = Workbook(write_only=True)
    workbook.properties.creator = CREATOR
    workbook.properties.lastModifiedBy = CREATOR
    workbook.properties.created = FIXED_TIME
    workbook.properties.title = "Recurrent-care mapping (SYNTHETIC EXAMPLE DATA)"
    for name, rows in sheet_rows.items():
        sheet = workbook.create_sheet(title=name)
        for row in rows:
            sheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(workbook_bytes(workbook, FIXED_TIME))
    return path


def generate(out: str | Path) -> list[Path]:
    """Write every raw file of the example study under ``out``; returns their paths."""
    out = Path(out)
    built = build(np.random.default_rng(SEED))
    mess = np.random.default_rng(SEED + 1)
    cells = {
        "sheets": sheets(built, mess),
        "survey": survey_rows(built, mess),
        "interviews": interview_rows(built),
        "profiles": profile_rows(built, mess),
        "themes": [list(t) for t in THEMES],
    }
    _check_targets(cells, built)
    paths = [write_workbook(cells["sheets"], out / "mapping" / "mapping_workbook.xlsx")]
    paths.append(
        _write(
            out / "survey" / "provider_survey.csv",
            _csv_text(SURVEY_HEADER, cells["survey"], [SURVEY_QUESTIONS, SURVEY_IMPORT_IDS]),
        )
    )
    paths.append(
        _write(
            out / "interviews" / "interviews.csv",
            _csv_text(
                ["interview_id", "organisation", "recruited", "interview_date"], cells["interviews"]
            ),
        )
    )
    paths.append(
        _write(
            out / "interviews" / "service_profiles.csv",
            _csv_text(
                [
                    "interview_id",
                    "client_group",
                    "timing",
                    "evaluation",
                    "own_name",
                    "contraception_condition",
                    "team_size",
                    "caseload_low",
                    "caseload_high",
                ],
                cells["profiles"],
            ),
        )
    )
    qualitative = out / "qualitative"
    paths.append(
        _write(
            qualitative / "themes.csv",
            _csv_text(["theme", "label", "parent", "description"], cells["themes"]),
        )
    )
    paths.append(
        _write(
            qualitative / "participants.csv",
            _csv_text(["participant_id", "group", "interview_date"], participant_rows(built)),
        )
    )
    paths.append(
        _write(
            qualitative / "coded_segments.csv",
            _csv_text(
                ["segment_id", "participant_id", "theme", "coder", "excerpt", "exemplar"],
                segment_rows(built, mess),
            ),
        )
    )
    paths.append(_write(qualitative / "integration.yaml", INTEGRATION, bom=False))
    paths.append(
        _write(
            qualitative / "disallowed_names.txt",
            "# Staff first names that must never appear in an output (invented for the example).\n"
            + "\n".join(DISALLOWED_NAMES)
            + "\n",
            bom=False,
        )
    )
    return paths


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(EXAMPLE / "data" / "raw"), help="output folder")
    args = parser.parse_args(argv)
    for path in generate(args.out):
        print(path)


if __name__ == "__main__":
    main()
