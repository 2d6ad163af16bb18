"""Synthetic qualitative coding: themes, participants, coded segments, integration file.

Everything here is invented: pseudonyms, excerpts and the analysts' sentences
were written for the example and copy no published text. Participant numbers
match the published interim round (``targets.yaml``: 8 mothers, 5 in prison and
3 after release; CP1-CP6; SW1 and SW2, each interviewed twice; 1 carer), plus
later-round participants interviewed after 31 May 2022 so the cut-off matters. About a fifth of the
segments are double-coded by a second coder with realistic agreement.

Run: ``python -m tools.synthetic.qualitative --out data/raw/qualitative [--scale N]``
from the repository root.
Also writes small QualCoder and Taguette exports and a participant map under
``<out>/examples/`` (a subset of the same coding) for the import tests.
"""

from __future__ import annotations

import argparse
import csv
import io
from collections import Counter
from pathlib import Path

import numpy as np

from tools.synthetic import targets

SEED = 20220531
PRIMARY, SECOND = "KM", "HT"
DOUBLE_SHARE = 0.2
DISALLOWED_NAMES = ["Marjorie Pennington", "Declan Fairweather"]

THEMES = [
    (
        "contact",
        "Staying connected with children",
        "",
        "Keeping and rebuilding the tie between mother and children.",
    ),
    (
        "contact_letters",
        "Letters, photos and calls",
        "contact",
        "Indirect contact arranged or eased by the service.",
    ),
    (
        "contact_visits",
        "Visits and final contact",
        "contact",
        "Visits, video calls and goodbye contact before adoption.",
    ),
    (
        "voice",
        "Being heard in decisions about children",
        "",
        "Mothers' part in plans and decisions about their children.",
    ),
    (
        "voice_meetings",
        "Support to take part in meetings",
        "voice",
        "Preparing for, joining and following up meetings.",
    ),
    (
        "voice_court",
        "Making sense of family court",
        "voice",
        "Understanding proceedings, letters and legal advice.",
    ),
    ("trust", "Trust in children's social care", "", "How mothers and workers see each other."),
    (
        "release",
        "Preparing for release",
        "",
        "Plans for housing, contact and support after prison.",
    ),
    (
        "carers",
        "Working with carers and family",
        "",
        "Relationships between mothers, carers and the wider family.",
    ),
    (
        "professionals",
        "Joined-up work between professionals",
        "",
        "How prison and community services work together.",
    ),
    (
        "professionals_info",
        "Sharing information across services",
        "professionals",
        "Who knows what, and when.",
    ),
    (
        "barriers",
        "Barriers and ideas for improvement",
        "",
        "What got in the way and what could be better.",
    ),
]

# (participant_id, group as typed, prison, interview date as typed, rounds)
INTERIM = [
    ("Bethan", "Mother in prison", "Eastwood Park", "14/02/2022", "1"),
    ("Carla", "mother in prison", "Send", "2022-02-22", "1"),
    ("Dionne", "Mother in prison ", "Eastwood Park", "8.3.22", "1"),
    ("Fern", "Mother in prison", "Send", "17/03/2022", "1"),
    ("Hayley", "Mother in prison", "eastwood park", "05/04/2022", "1"),
    ("Amira", "Mother after release", "Eastwood Park", "21/03/2022", "1"),
    ("Jess", "mother after release", "Send", "12/04/2022", "1"),
    ("Leah", "Mother after release", "Eastwood Park", "2022-05-10", "1"),
    ("CP1", "Community practitioner", "", "01/03/2022", "1"),
    ("CP2", "Community Practitioner", "", "09/03/2022", "1"),
    ("CP3", "Community practitioner", "", "23/03/2022", "1"),
    ("CP4", "community practitioner", "", "06/04/2022", "1"),
    ("CP5", "Community practitioner", "", "27/04/2022", "1"),
    ("CP6", "Community practitioner", "", "18/05/2022", "1"),
    ("SW1", "Prison social worker", "Eastwood Park", "30/11/2021", "1;2"),
    ("SW2", "Prison social worker", "Send", "02/12/2021", "1; 2"),
    ("Rosa", "Carer", "", "26/05/2022", "1"),
]
LATER = [
    ("Nadia", "Mother in prison", "Send", "15/03/2023", "2"),
    ("Orla", "Mother in prison", "Eastwood Park", "29/03/2023", "2"),
    ("Paige", "Mother after release", "Send", "19/04/2023", "2"),
    ("CP7", "Community practitioner", "", "03/05/2023", "2"),
    ("CP8", "Community practitioner", "", "17/05/2023", "2"),
    ("PS1", "Prison staff", "Eastwood Park", "07/06/2023", "2"),
    ("SA1", "Strategic actor", "", "21/06/2023", "2"),
    ("SA2", "Strategic actor", "", "05/07/2023", "2"),
    ("Tess", "Carer", "", "12/07/2023", "2"),
]

# Which themes each voice tends to talk about (relative weights).
WEIGHTS = {
    "mother": {
        "contact": 3,
        "contact_letters": 3,
        "contact_visits": 2,
        "voice": 3,
        "voice_meetings": 2,
        "voice_court": 2,
        "trust": 2,
        "release": 2,
        "carers": 1,
        "professionals": 0.5,
        "professionals_info": 0.5,
        "barriers": 1,
    },
    "professional": {
        "contact": 1,
        "contact_letters": 1,
        "contact_visits": 1,
        "voice": 2,
        "voice_meetings": 2,
        "voice_court": 1,
        "trust": 1,
        "release": 1,
        "carers": 1,
        "professionals": 3,
        "professionals_info": 3,
        "barriers": 2,
    },
    "carer": {
        "contact": 2,
        "contact_letters": 1,
        "contact_visits": 2,
        "carers": 3,
        "trust": 1,
        "barriers": 1,
        "voice": 0.5,
        "voice_meetings": 0.5,
        "voice_court": 0.5,
        "release": 0.5,
        "professionals": 0.5,
        "professionals_info": 0.5,
    },
}
VOICE = {"mother in prison": "mother", "mother after release": "mother", "carer": "carer"}

EXCERPTS = {
    ("contact", "mother"): [
        "Being a mum still matters in here, and she treated me like one.",
        "I was scared they would forget me, but my youngest still knows who I am.",
        "Without her I would have lost touch with all three of them.",
        "It gave me something to hold on to on the bad days.",
    ],
    ("contact", "professional"): [
        "The mother's relationship with the children was kept alive rather than put on hold.",
        "We could see the children were less anxious once contact had some rhythm to it.",
        "Contact was treated as part of the plan, not an extra that happens if there is time.",
    ],
    ("contact_letters", "mother"): [
        "She sorted it so my letters actually got to the kids instead of sitting on someone's desk.",
        "Getting a photo of my son every month was everything to me.",
        "The phone calls were short but they were regular, and that is what mattered.",
        "I write every week now because I know it gets passed on.",
    ],
    ("contact_letters", "professional"): [
        "A simple letterbox arrangement took months before, and a fortnight once she was involved.",
        "She checked every letter was appropriate so the foster carer felt comfortable passing it on.",
        "Photos went both ways, which helped the little ones remember their mum.",
    ],
    ("contact_visits", "mother"): [
        "The first visit I cried the whole time, but she prepared me for it and it went alright.",
        "Video calls meant I could see my daughter's new school uniform.",
        "Saying goodbye before the adoption was the worst day, but at least I got to do it properly.",
        "She pushed for the visits when everyone else said it was too complicated.",
    ],
    ("contact_visits", "professional"): [
        "Planning the final contact together made it safer and kinder for the child.",
        "Visits to the prison stopped feeling impossible once someone inside coordinated them.",
        "She came to the family visit and helped mum settle so the children did not pick up on her nerves.",
    ],
    ("voice", "mother"): [
        "For the first time someone asked me what I thought should happen.",
        "I felt like I had a say, even if I did not always get what I wanted.",
        "Decisions used to be made and I would find out months later.",
        "She made sure my views were written down in the plan.",
    ],
    ("voice", "professional"): [
        "Mum's wishes were in the care plan in her own words, which is rare.",
        "It changed how we thought about involving mothers who are inside.",
        "We had her view on the table before decisions were made, not after.",
    ],
    ("voice_meetings", "mother"): [
        "Before the meeting she went through who would be there and what they might say.",
        "I joined the review on video and she sat next to me the whole time.",
        "After the meeting she explained it all again in normal words.",
        "I used to dread meetings, now I go in with notes.",
    ],
    ("voice_meetings", "professional"): [
        "For the first time the mother attended the child in need meetings by video from prison.",
        "Having her in the core group meant mum's views were not second hand.",
        "She would ring me before a review to make sure mum could dial in.",
    ],
    ("voice_court", "mother"): [
        "I did not understand the court papers at all until she read them through with me.",
        "She helped me find a solicitor who would actually come and see me.",
        "Knowing what the judge was deciding made it less frightening.",
        "I knew what a placement order meant before the hearing, not after.",
    ],
    ("voice_court", "professional"): [
        "Mum understood the proceedings and engaged with the assessment, which helps everyone.",
        "The guardian commented that mum was much better prepared this time.",
        "Getting legal visits booked in good time made the hearing run smoother.",
    ],
    ("trust", "mother"): [
        "I never trusted social services, I thought they were just there to take my kids.",
        "I still do not trust them fully, but I trust her to tell me straight.",
        "My social worker actually rang me back, which never happened before.",
        "Now I can have a proper conversation with the social worker without shouting.",
    ],
    ("trust", "professional"): [
        "Having a qualified social worker in the prison meant we spoke the same language.",
        "Mum was more open with me once someone she trusted had explained my role.",
        "The mothers trust her because she is honest about what she can and cannot change.",
    ],
    ("release", "mother"): [
        "We made a plan for where I would live and when I could see the kids after I got out.",
        "She linked me up with someone outside before I left, so I was not on my own.",
        "Release was the scariest part, more than coming in.",
        "I had a date for my first contact in the community before I walked out the gate.",
    ],
    ("release", "professional"): [
        "Release planning started months ahead rather than the week before.",
        "Housing remained the biggest gap, however good the plan was.",
        "The handover to community services meant the plan did not fall apart on day one.",
    ],
    ("carers", "mother"): [
        "Me and my mum were not speaking, and now we talk about the kids together.",
        "She helped the carer understand I am not trying to take them back overnight.",
        "My sister felt supported too, not just me.",
    ],
    ("carers", "professional"): [
        "The carer felt less caught in the middle once there was someone to ring.",
        "Grandparents were given advice on how to talk to the children about prison.",
        "Conflict between the carer and mum calmed down noticeably.",
    ],
    ("carers", "carer"): [
        "I finally had someone who could tell me what was going on with her case.",
        "She helped me explain to the children where their mum was.",
        "I did not know we could ask for help with travel to visits until she told me.",
        "Some weeks I was juggling everything on my own and she took some of that off me.",
    ],
    ("contact", "carer"): [
        "The kids look forward to the calls now instead of getting upset.",
        "It was easier to keep things steady for the children with a plan for contact.",
    ],
    ("contact_visits", "carer"): [
        "The visit was well organised and the children came out smiling.",
        "She met us at the gate the first time, which made a big difference.",
    ],
    ("professionals", "professional"): [
        "It bridged a gap between prison and community social work that has always been there.",
        "Prison staff and local authority teams started to work from the same plan.",
        "She was a valued member of the team around the family.",
        "Other professionals in the prison began to see the mothers as mothers.",
    ],
    ("professionals", "mother"): [
        "Everyone finally seemed to be talking to each other.",
        "I did not have to tell my story again every time someone new came along.",
    ],
    ("professionals_info", "professional"): [
        "I got updates on mum's progress that I would never have known about otherwise.",
        "Sharing reports before meetings saved a lot of wasted time.",
        "We knew about a transfer before it happened for once.",
        "Information came to us through one person rather than five.",
    ],
    ("professionals_info", "mother"): [
        "I got copies of the reports so I knew what they were saying about me.",
        "She made sure the school knew what was happening.",
    ],
    ("barriers", "mother"): [
        "It is one person for the whole prison, she cannot be everywhere.",
        "When I got moved to another prison the support just stopped.",
        "Some of the officers did not know what her job was.",
    ],
    ("barriers", "professional"): [
        "Caseloads will always be a pressure with one worker per prison.",
        "Video links in the prison kept failing at the worst moments.",
        "The service should be funded beyond the pilot and offered in every women's prison.",
        "Awareness among community teams is patchy; some did not know the service existed.",
    ],
    ("barriers", "carer"): [
        "Travel to the prison is a full day and costs a fortune.",
    ],
}
LEAD_INS = ["", "", "", "Honestly, ", "To be fair, ", "Looking back, "]
TAILS = [
    "",
    "",
    "",
    " That is the main thing for me.",
    " That is how I saw it.",
    " I remember that clearly.",
]


def _check_targets() -> None:
    """The interim round must have the published participants and interviews per group."""
    published = targets.load()["qualitative_interim"]
    participants, interviews = Counter(), Counter()
    for _pid, group, _prison, _date, rounds in INTERIM:
        folded = " ".join(group.split()).lower()
        participants[folded] += 1
        interviews[folded] += len(rounds.split(";"))
    expected = {group.lower(): n for group, n in published["participants_by_group"].items()}
    problems = [] if participants == expected else [f"participants {dict(participants)}"]
    for group, n in published["interviews_by_group"].items():
        if interviews[group.lower()] != n:
            problems.append(f"{group}: {interviews[group.lower()]} interviews, {n} published")
    if problems:
        raise ValueError(
            "synthetic interviews disagree with the published figures: " + "; ".join(problems)
        )


def _voice(group: str) -> str:
    return VOICE.get(" ".join(group.split()).lower(), "professional")


def _excerpt(rng, theme: str, voice: str, used: set) -> str:
    """An invented excerpt: a statement not used before where possible, with a lead-in or tail."""
    bank = (
        EXCERPTS.get((theme, voice))
        or EXCERPTS.get((theme, "professional"))
        or EXCERPTS[("barriers", voice)]
    )
    fresh = [core for core in bank if core not in used]
    for _ in range(200):
        pool = fresh or bank
        core = pool[int(rng.integers(len(pool)))]
        lead = LEAD_INS[int(rng.integers(len(LEAD_INS)))]
        tail = TAILS[int(rng.integers(len(TAILS)))]
        starts_with_i = core.startswith("I ")
        text = (
            lead + core[0].lower() + core[1:] if lead and not starts_with_i else lead + core
        ) + tail
        if text not in used:
            break
    used.update({text, core})  # at large scales excerpts start to repeat
    return text


def _long_answer(rng, text: str, theme: str, voice: str) -> str:
    """Run statements on from the same voice until the answer passes 65 words."""
    banks = [b for (t, v), b in sorted(EXCERPTS.items()) if v == voice and t != theme]
    own = EXCERPTS.get((theme, voice)) or EXCERPTS[(theme, "professional")]
    candidates = [*own, *(bank[0] for bank in banks)]
    for i in rng.permutation(len(candidates)):
        if len(text.split()) > 65:
            break
        if candidates[int(i)].lower() not in text.lower():
            text = f"{text} {candidates[int(i)]}"
    return text


def _participants(scale: int) -> list[tuple]:
    base = INTERIM + LATER
    out = []
    for copy in range(scale):
        for pid, group, prison, date, rounds in base:
            out.append((pid if copy == 0 else f"{pid}-{copy + 1}", group, prison, date, rounds))
    return out


def _segments(rng, participants: list[tuple]) -> list[dict]:
    theme_ids = [t[0] for t in THEMES]
    parent = {t[0]: t[2] for t in THEMES}
    used: set[str] = set()
    rows: list[dict] = []
    number = 0
    for pid, group, *_rest, rounds in participants:
        voice = _voice(group)
        weights = np.array([WEIGHTS[voice][t] for t in theme_ids], dtype=float)
        n_segments = int(rng.integers(3, 6)) * len(rounds.split(";"))
        for _ in range(n_segments):
            number += 1
            segment_id = f"S{number:04d}"
            first = theme_ids[int(rng.choice(len(theme_ids), p=weights / weights.sum()))]
            themes = [first]
            if parent[first] and rng.random() < 0.3:  # a sub-theme also coded to its parent
                themes.append(parent[first])
            text = _excerpt(rng, first, voice, used)
            if rng.random() < 0.06:  # a long answer that runs across several topics
                text = _long_answer(rng, text, first, voice)
            exemplar = rng.random() < 0.3
            for theme in themes:
                rows.append(
                    {
                        "segment_id": segment_id,
                        "participant_id": pid,
                        "theme": theme,
                        "coder": PRIMARY,
                        "excerpt": text,
                        "exemplar": exemplar,
                    }
                )
    both = rows + _second_coding(np.random.default_rng(SEED + 2), rows)
    return sorted(both, key=lambda r: (r["segment_id"], r["coder"] != PRIMARY))


def _second_coding(rng, primary: list[dict]) -> list[dict]:
    """A second coder's codes for a fifth of the segments, agreeing about four times in five."""
    theme_ids = [t[0] for t in THEMES]
    parent = {t[0]: t[2] for t in THEMES}
    # segment -> its codes in order, built in one pass (not one scan per chosen segment)
    codes_of: dict[str, list[dict]] = {}
    for row in primary:
        codes_of.setdefault(row["segment_id"], []).append(row)
    segments = list(codes_of)
    chosen = sorted(
        rng.choice(len(segments), size=round(DOUBLE_SHARE * len(segments)), replace=False)
    )
    rows = []
    for index in chosen:
        codes = codes_of[segments[int(index)]]
        second = []
        for code in codes:
            roll = rng.random()
            if roll < 0.8:
                second.append(code["theme"])
            elif parent[code["theme"]]:
                second.append(parent[code["theme"]])
            else:
                second.append(theme_ids[int(rng.integers(len(theme_ids)))])
        if rng.random() < 0.1:
            second.append(theme_ids[int(rng.integers(len(theme_ids)))])
        for theme in sorted(set(second), key=second.index):
            rows.append({**codes[0], "theme": theme, "coder": SECOND, "exemplar": False})
    return rows


def _csv_text(header: list[str], rows: list[list]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _write(path: Path, text: str, *, bom: bool = True) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((("\ufeff" if bom else "") + text).encode("utf-8"))


def _flag(rng, value: bool) -> str:
    options = ["Yes", "yes", "Y"] if value else ["No", "no", "N", "No "]
    return options[int(rng.integers(len(options)))]


INTEGRATION = """\
# Joint display: how the statistics and the themes answer each research
# question. quantitative = table or key-fact ids of the report; themes = theme
# ids of themes.csv; meta_inference = confirms / expands / discordant.
# Written by the analysts (invented for the synthetic example).
research_questions:
  - id: RQ1
    quantitative: [mother_needs, social_worker_needs, referral_source, start_quarter]
    themes: [professionals, barriers]
    meta_inference: expands
    sentence: >-
      The tracker shows who was referred and why; interviews with staff explain how
      referrals reached one worker per prison and where the route was fragile.
  - id: RQ2
    quantitative: [mothers_support, care_arrangement]
    themes: [contact, carers, trust]
    meta_inference: confirms
    sentence: >-
      Mothers rated the support inside prison highly, and mothers and carers
      described the service in the same terms.
  - id: RQ3
    quantitative: [mothers_meetings, family_court]
    themes: [voice, voice_meetings]
    meta_inference: expands
    sentence: >-
      Survey ratings of involvement moved modestly; interviews show what being
      involved meant in practice, such as joining reviews by video.
  - id: RQ4
    quantitative: [legal_support, family_court]
    themes: [voice_court, voice_meetings]
    meta_inference: confirms
    sentence: >-
      Tracker records of legal support and mothers' accounts of preparing for
      court point the same way.
  - id: RQ5
    quantitative: [contact_aim_plan, contact_aim_not_possible, mothers_views_css]
    themes: [contact_letters, contact_visits, trust, carers]
    meta_inference: expands
    sentence: >-
      Contact plans were in place for most mothers with contact as an aim;
      interviews add the letters, calls and goodbyes behind those plans.
  - id: RQ6
    quantitative: [practitioner_agreement]
    themes: [professionals, professionals_info]
    meta_inference: confirms
    sentence: >-
      Practitioners agreed the service kept them informed, and their interviews
      describe information arriving through one person.
  - id: RQ7
    quantitative: []
    themes: [professionals, barriers]
    meta_inference: expands
    sentence: >-
      Only the interviews speak to this question: strategic actors saw the
      service as a bridge between prison and community social work.
  - id: RQ8
    quantitative: [mothers_views_css, practitioner_agreement]
    themes: [barriers, trust]
    meta_inference: discordant
    sentence: >-
      Survey trust in children's social care stayed low while interviews
      describe better working relationships; the report discusses why.
"""


def generate(out: str | Path, scale: int = 1) -> None:
    """Write the example qualitative files (deterministic for a given scale)."""
    _check_targets()
    out = Path(out)
    rng = np.random.default_rng(SEED)
    participants = _participants(scale)
    rows = _segments(rng, participants)
    for name in DISALLOWED_NAMES:
        assert all(name.lower() not in r["excerpt"].lower() for r in rows), name
    _write(
        out / "themes.csv",
        _csv_text(["theme", "label", "parent", "description"], [list(t) for t in THEMES]),
    )
    _write(
        out / "participants.csv",
        _csv_text(
            ["participant_id", "group", "prison", "interview_date", "rounds"],
            [[(" " + p[0]) if i % 11 == 5 else p[0], *p[1:]] for i, p in enumerate(participants)],
        ),
    )
    flag_rng = np.random.default_rng(SEED + 1)
    _write(
        out / "coded_segments.csv",
        _csv_text(
            ["segment_id", "participant_id", "theme", "coder", "excerpt", "exemplar"],
            [
                [
                    r["segment_id"],
                    r["participant_id"],
                    r["theme"] if i % 17 else r["theme"].upper(),
                    r["coder"],
                    r["excerpt"],
                    _flag(flag_rng, r["exemplar"]),
                ]
                for i, r in enumerate(rows)
            ],
        ),
    )
    _write(out / "integration.yaml", INTEGRATION, bom=False)
    _write(
        out / "disallowed_names.txt",
        "# Names that must never appear in an output (invented for the example).\n"
        + "\n".join(DISALLOWED_NAMES)
        + "\n",
        bom=False,
    )
    if scale == 1:
        write_examples(out / "examples", rows)


def write_examples(out: Path, rows: list[dict]) -> None:
    """Small QualCoder and Taguette exports (a subset of the coding) and their participant map."""
    subset_ids = ["Bethan", "Amira", "CP1", "SW1"]
    subset = [r for r in rows if r["participant_id"] in subset_ids]
    labels = {t[0]: t[1] for t in THEMES}
    parents = {t[0]: t[2] for t in THEMES}
    qualcoder, coded_id, marked = [], 0, set()
    for r in subset:
        coded_id += 1
        category = labels[parents[r["theme"]]] if parents[r["theme"]] else ""
        qualcoder.append(
            [
                f"{r['participant_id'].lower()}_interview.docx",
                r["coder"],
                r["excerpt"],
                coded_id,
                r["theme"] if coded_id % 3 else labels[r["theme"]],
                "",
                category,
                "",
            ]
        )
        if r["exemplar"] and r["coder"] == PRIMARY and r["segment_id"] not in marked:
            marked.add(r["segment_id"])
            coded_id += 1
            qualcoder.append(
                [
                    f"{r['participant_id'].lower()}_interview.docx",
                    r["coder"],
                    r["excerpt"],
                    coded_id,
                    "Exemplar",
                    "",
                    "",
                    "",
                ]
            )
    _write(
        out / "qualcoder_coded_text.csv",
        _csv_text(
            ["File", "Coder", "Coded", "Id", "Codename", "Coded_Memo", "Category", "Category"],
            qualcoder,
        ),
    )
    for coder in (PRIMARY, SECOND):
        highlights, hid = [], 100 if coder == PRIMARY else 500
        seen: dict[str, int] = {}
        for r in subset:
            if r["coder"] != coder:
                continue
            if r["segment_id"] not in seen:
                hid += 1
                seen[r["segment_id"]] = hid
                if r["exemplar"]:
                    highlights.append(
                        [hid, f"{r['participant_id']} transcript", "exemplar", r["excerpt"]]
                    )
            highlights.append(
                [
                    seen[r["segment_id"]],
                    f"{r['participant_id']} transcript",
                    labels[r["theme"]],
                    r["excerpt"],
                ]
            )
        _write(
            out / f"taguette_highlights_{coder}.csv",
            _csv_text(["id", "document", "tag", "content"], highlights),
            bom=False,
        )
    mapping = [[f"{p.lower()}_interview.docx", p] for p in subset_ids] + [
        [f"{p} transcript", p] for p in subset_ids
    ]
    _write(out / "participant_map.csv", _csv_text(["source", "participant_id"], mapping))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="data/raw/qualitative")
    parser.add_argument("--scale", type=int, default=1, help="multiply the number of participants")
    args = parser.parse_args(argv)
    generate(args.out, args.scale)


if __name__ == "__main__":
    main()
