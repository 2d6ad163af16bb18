"""Seeded generator of the synthetic survey files under data/raw/surveys/.

Writes ``mothers_T1.sav`` and ``mothers_T2.sav`` (SPSS value labels, declared
user-missing codes 97/98/99 and 8 on the WAI-SR items) and
``practitioners_Y1.csv`` (an online-survey export with three header rows, a
Survey Preview row and an unfinished response). The data are invented. They
are built so that the pipeline reproduces the published interim survey
figures exactly at the 2022-05-31 cut (section B of ``targets.yaml``) and the
share of latest-wave mothers feeling supported inside prison (91%) at the
default 2023-12-31 cut; later questionnaires and responses make the two cuts
differ.

    python -m tools.synthetic.surveys --out data/raw/surveys [--scale N]

(run from the repository root).

The later mothers' T1 dates follow their first contact in the example case
trackers (``--trackers``, default data/raw/case_tracker) when those exist.

``--scale N`` repeats every respondent N times (copy k > 1 gets case ids
``EP-001-000k``, the scaled case trackers' ids, and new response ids), keeping
all proportions, for benchmarks.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import string
from pathlib import Path

import numpy as np
import pandas as pd

from evaluation.strands.surveys import spec
from tools.synthetic import targets

SEED = 20220531
INTERIM_CUT = targets.cut("interim")
DEFAULT_CUT = targets.cut("final")
PUBLISHED = targets.load()["surveys_interim"]

# ----------------------------------------------------------------------------- mothers
# Case ids of the example trackers, numbered in order of first contact, with
# the quarter of first contact (Q0 = before April 2021).
QUARTER_END = {
    0: dt.date(2021, 3, 31),
    1: dt.date(2021, 6, 30),
    2: dt.date(2021, 9, 30),
    3: dt.date(2021, 12, 31),
    4: dt.date(2022, 3, 31),
    5: dt.date(2022, 6, 30),
}


def _quarters(prison: str) -> list[int]:
    """Quarter of first contact of each interim mother of a prison, in case id order."""
    counts = targets.interim_counts("start_quarter", prison)
    return [int(quarter[1:]) for quarter, n in counts.items() for _ in range(n)]


def _later_ids(prison: str, prefix: str) -> list[str]:
    """Case ids of the mothers who started after the interim cut."""
    first, last = targets.mothers("interim")[prison], targets.mothers("final")[prison]
    return [f"{prefix}-{i:03d}" for i in range(first + 1, last + 1)]


EP_QUARTERS = _quarters("Eastwood Park")
SE_QUARTERS = _quarters("Send")
LATER_EP = _later_ids("Eastwood Park", "EP")
LATER_SE = _later_ids("Send", "SE")
UNKNOWN_CASE_ID = "SE-052"  # in no tracker: the pipeline warns and still analyses it

# Codes of the interim answers outside each published base (None = left blank).
INTERIM_MISSING = {
    "T1": {
        "willing_engage_css": [98],
        "trust_css": [None],
        "confident_css": [99],
        "support_inside": [],
        "support_outside": [97],
        "share_views": [97, None],
        "views_listened": [98, 99],
    },
    "T2": {
        "willing_engage_css": [99, None],
        "trust_css": [98],
        "confident_css": [98, 97],
        "support_inside": [99],
        "support_outside": [None],
        "share_views": [97],
        "views_listened": [99],
    },
}
# Interim counts from the published tables: per item, (collapsed counts positive,
# neutral, negative) and the missing codes of the rest.
INTERIM = {
    wave: {
        item: (tuple(by_wave[wave][:3]), INTERIM_MISSING[wave][item])
        for table in PUBLISHED["tables"].values()
        for item, by_wave in table.items()
    }
    for wave in INTERIM_MISSING
}
# Ratings: missing codes, and the window the mean must fall in (it rounds to the
# published value).
RATING_MISSING = {
    "T1": {"involvement_rating": [98, None], "relationship_csw_rating": [97, 99, None]},
    "T2": {"involvement_rating": [98], "relationship_csw_rating": [None]},
}
RATINGS = {
    wave: {
        item: (
            missing,
            (PUBLISHED["ratings"][item][wave] - 0.45, PUBLISHED["ratings"][item][wave] + 0.45),
        )
        for item, missing in items.items()
    }
    for wave, items in RATING_MISSING.items()
}
# WAI-SR patterns at the interim cut: number of respondents with k missing items.
# 'not_met' = code 8 on every item (published), 'complete' = every item answered
# (published: the totals computed); 'spread' = missing items in different subscales.
WAI_MISSING = {
    "T1": {"one_missing": 5, "two_spread": 3, "many_missing": 6},
    "T2": {"one_missing": 3, "two_spread": 2, "many_missing": 4},
}
WAI_INTERIM = {
    wave: {
        "not_met": PUBLISHED["wai"]["not_met"][wave],
        "complete": PUBLISHED["wai"]["computed"][wave][0],
        **patterns,
    }
    for wave, patterns in WAI_MISSING.items()
}
# Interim T2 service items: the code written for the published row (``positive``:
# agree or strongly agree), and the code of the item's other answers.
SERVICE_CODES = {
    "satisfaction_tac": (5, None),
    "practical_support": (1, None),
    "emotional_support": (1, 0),
    "felt_listened": (1, None),
    "more_confident_planning": ("positive", 3),
}


def _service_counts(item: str) -> dict:
    """Code -> answers of a service item: the published row's n, the rest of its base."""
    code, other = SERVICE_CODES[item]
    published = PUBLISHED["service"][item]
    counts = {code: published["n"]}
    if published["denominator"] > published["n"]:
        counts[other] = published["denominator"] - published["n"]
    return counts


SERVICE_INTERIM = {item: _service_counts(item) for item in SERVICE_CODES}


def _support_inside_later() -> tuple[tuple[int, int, int], list]:
    """Later T2 answers to support_inside (after the interim cut, by the default cut).

    With the interim T2 answers they give the published share of the last wave
    feeling supported inside prison (20 of 22 valid, 91%): positive answers and
    valid answers beyond the interim ones, none neutral, two missing.
    """
    n, base, _pct = targets.load()["surveys_final"]["supported_inside_latest_wave"]
    positive, *_others, interim_base = PUBLISHED["tables"]["mothers_support"]["support_inside"][
        "T2"
    ]
    later_positive, later_neutral = n - positive, 0
    later_negative = base - interim_base - later_positive - later_neutral
    return (later_positive, later_neutral, later_negative), [99, None]


SUPPORT_INSIDE_LATER_T2 = _support_inside_later()


def _check_targets() -> None:
    """The design choices above must add up to the published figures (targets.yaml)."""
    problems = []
    respondents = PUBLISHED["respondents"]
    for table in PUBLISHED["tables"].values():
        for item, by_wave in table.items():
            for wave, (*counts, base) in by_wave.items():
                if sum(counts) != base:
                    problems.append(f"{item} {wave}: counts add up to {sum(counts)}, base {base}")
                if base + len(INTERIM_MISSING[wave][item]) != respondents[wave]:
                    problems.append(f"{item} {wave}: base and missing answers != respondents")
    for wave, patterns in WAI_INTERIM.items():
        if sum(patterns.values()) != respondents[wave]:
            problems.append(f"WAI-SR {wave}: patterns for {sum(patterns.values())} respondents")
        denominator = PUBLISHED["wai"]["computed"][wave][1]
        if denominator != respondents[wave] - patterns["not_met"]:
            problems.append(f"WAI-SR {wave}: denominator {denominator}")
    for item, (code, _other) in SERVICE_CODES.items():
        row = PUBLISHED["service"][item]["row"]
        if code != "positive" and spec.item_scale(item).codes[code] != row:
            problems.append(f"{item}: code {code} is not {row!r}")
    practitioners = targets.load()["practitioners_interim"]
    if practitioners["responses"] != len(INTERIM_PRACTITIONERS):
        problems.append(f"{len(INTERIM_PRACTITIONERS)} interim practitioner responses")
    if len(practitioners["agree"]) != len(STATEMENTS):
        problems.append(f"{len(practitioners['agree'])} agreement counts for the statements")
    if problems:
        raise ValueError(
            "synthetic surveys disagree with the published figures: " + "; ".join(problems)
        )


HOPES = [
    "To see my children more often.",
    "Help with the court.",
    "To be kept informed.",
    "Letters and photos from my kids.",
    "Someone to speak up for me at meetings.",
]
ACHIEVED = [
    "Regular video calls.",
    "I went to my review meeting.",
    "Contact plan agreed.",
    "I understand the court process now.",
    "Photos every month.",
]
HELPFUL = [
    "Someone who listened.",
    "Help writing letters.",
    "Being at the meetings.",
    "Explaining what social services meant.",
]
IMPROVE = ["More time with the worker.", "Nothing.", "Start sooner.", "Help after release."]


def _quarter_of(case_id: str) -> int:
    prefix, number = case_id.split("-")
    quarters = EP_QUARTERS if prefix == "EP" else SE_QUARTERS
    return quarters[int(number) - 1]


def _interim_t1_date(case_id: str, rng) -> dt.date:
    quarter = _quarter_of(case_id)
    if quarter == 0:
        return dt.date(2021, 4, 1) + dt.timedelta(days=int(rng.integers(5, 30)))
    return QUARTER_END[quarter] + dt.timedelta(days=int(rng.integers(5, 36)))


def tracker_first_contacts(folder: str | Path) -> dict[str, dt.date]:
    """case_id -> first_contact_date from the example case trackers (empty if there are none)."""
    import openpyxl

    from evaluation.core.codebook import normalise_header
    from evaluation.core.parsing import parse_date

    dates: dict[str, dt.date] = {}
    for workbook_path in sorted(Path(folder).glob("*.xlsx")):
        workbook = openpyxl.load_workbook(workbook_path, read_only=True, data_only=True)
        rows = workbook["Baseline"].iter_rows(values_only=True)
        header = [normalise_header(h) for h in next(rows)]
        id_col, date_col = header.index("case_id"), header.index("first_contact_date")
        for row in rows:
            if row[id_col] is None:
                continue
            date, _problem = parse_date(row[date_col])
            if date is not None:
                dates[str(row[id_col]).strip().upper()] = date
        workbook.close()
    return dates


def _later_first_contact(case_id: str, first_contacts: dict[str, dt.date]) -> dt.date:
    """First contact of a mother who started after the interim cut: from the tracker, else by id order."""
    if case_id in first_contacts:
        return first_contacts[case_id]
    ids = LATER_EP if case_id.startswith("EP") else LATER_SE
    step = 560 / len(ids)
    return dt.date(2022, 6, 3) + dt.timedelta(days=int(ids.index(case_id) * step))


def _collapsed_codes(counts, missing, rng) -> list:
    """Codes with the given collapsed counts (positive 4-5, neutral 3, negative 1-2) plus missing."""
    positive, neutral, negative = counts
    codes = (
        list(rng.choice([4, 5], size=positive))
        + [3] * neutral
        + list(rng.choice([1, 2], size=negative))
    )
    return [int(c) for c in codes] + list(missing)


def _assign(values: list, rng) -> list:
    return [values[i] for i in rng.permutation(len(values))]


def _rating_values(n_valid: int, window, rng) -> list[int]:
    for _ in range(1000):
        values = np.clip(np.rint(rng.normal(np.mean(window), 2.0, size=n_valid)), 1, 10).astype(int)
        if window[0] <= values.mean() <= window[1]:
            return [int(v) for v in values]
    raise RuntimeError("could not draw ratings with the required mean")


def _wai_rows(patterns: dict[str, int], rng) -> list[dict]:
    """WAI-SR item codes for each respondent pattern (shuffled)."""
    wai = spec.wai_spec()
    items = wai["items"]
    subscales = list(wai["subscales"].values())
    rows = []
    for pattern, count in patterns.items():
        for _ in range(count):
            level = rng.uniform(2.0, 4.6)
            values = {i: int(np.clip(np.rint(level + rng.normal(0, 0.7)), 1, 5)) for i in items}
            if pattern == "not_met":
                values = dict.fromkeys(items, wai["not_met_code"])
            elif pattern == "one_missing":
                values[items[int(rng.integers(0, 12))]] = [None, 99][int(rng.integers(0, 2))]
            elif pattern == "two_spread":
                first, second = rng.choice(len(subscales), size=2, replace=False)
                values[subscales[first][int(rng.integers(0, 4))]] = None
                values[subscales[second][int(rng.integers(0, 4))]] = 98
            elif pattern == "many_missing":
                # Two items of one subscale missing (never computable under either rule),
                # more missing elsewhere, and at least one item answered.
                subscale = subscales[int(rng.integers(0, 3))]
                others = [i for i in items if i not in subscale[:2]]
                keep = others[int(rng.integers(0, len(others)))]
                pool = [i for i in others if i != keep]
                chosen = list(subscale[:2]) + [
                    str(i) for i in rng.choice(pool, size=int(rng.integers(3, 10)), replace=False)
                ]
                for item in chosen:
                    values[item] = [None, 99, 8][int(rng.integers(0, 3))]
            rows.append(values)
    return _assign(rows, rng)


def _random_answers(items: list[str], rng, missing_rate=0.06) -> dict:
    """Plausible answers for a questionnaire outside the published interim figures."""
    out = {}
    for item in items:
        scale = spec.item_scale(item)
        if rng.random() < missing_rate:
            out[item] = [None, 97, 98, 99][int(rng.integers(0, 4))]
        elif scale.labelled:
            codes = sorted(scale.codes)
            weights = np.linspace(1, 2.5, len(codes)) if len(codes) == 5 else np.array([1.0, 4.0])
            out[item] = int(rng.choice(codes, p=weights / weights.sum()))
        else:
            out[item] = int(np.clip(np.rint(rng.normal(5, 2)), scale.low, scale.high))
    return out


def _text(options, rng, rate=0.6):
    return str(options[int(rng.integers(0, len(options)))]) if rng.random() < rate else ""


def mothers_waves(rng, first_contacts: dict[str, dt.date] | None = None) -> dict[str, list[dict]]:
    """Questionnaire records of both waves (one dict per questionnaire, codes as numbers).

    ``first_contacts`` (from the example trackers) dates the later mothers' T1 just
    after their first contact; the interim questionnaires follow the published
    quarters of first contact.
    """
    first_contacts = first_contacts or {}
    interim_pool = [f"EP-{i:03d}" for i in range(1, 18)] + [f"SE-{i:03d}" for i in range(1, 15)]
    early = [c for c in interim_pool if _quarter_of(c) <= 2]
    mid = [c for c in interim_pool if _quarter_of(c) > 2]
    respondents = PUBLISHED["respondents"]
    t1_ids = sorted(
        early
        + [str(c) for c in rng.choice(mid, size=respondents["T1"] - len(early), replace=False)]
    )
    t2_ids = sorted(str(c) for c in rng.choice(early, size=respondents["T2"], replace=False))
    t1_dates = {c: _interim_t1_date(c, rng) for c in t1_ids}
    t2_dates = {c: t1_dates[c] + dt.timedelta(days=int(rng.integers(165, 200))) for c in t2_ids}
    assert all(d <= INTERIM_CUT for d in [*t1_dates.values(), *t2_dates.values()])

    waves = {
        "T1": [{"case_id": c, "completion_date": t1_dates[c]} for c in t1_ids],
        "T2": [{"case_id": c, "completion_date": t2_dates[c]} for c in t2_ids],
    }
    for wave, records in waves.items():
        n = len(records)
        for item, (counts, missing) in INTERIM[wave].items():
            assert sum(counts) + len(missing) == n
            for record, code in zip(
                records, _assign(_collapsed_codes(counts, missing, rng), rng), strict=True
            ):
                record[item] = code
        for item, (missing, window) in RATINGS[wave].items():
            values = _rating_values(n - len(missing), window, rng) + list(missing)
            for record, code in zip(records, _assign(values, rng), strict=True):
                record[item] = code
        for record, wai in zip(records, _wai_rows(WAI_INTERIM[wave], rng), strict=True):
            record.update(wai)
    for item, counts in SERVICE_INTERIM.items():
        values = []
        for code, count in counts.items():
            values += list(rng.choice([4, 5], size=count)) if code == "positive" else [code] * count
        for record, code in zip(waves["T2"], _assign([int(v) for v in values], rng), strict=True):
            record[item] = code

    # Later questionnaires: T2 of interim mothers who started in Q3-Q4, T1 (and some
    # T2) of mothers who started after the interim cut, one id in no tracker, and
    # questionnaires after the default cut-off.
    t1_items, t2_items = spec.items_for_wave(1), spec.items_for_wave(2)
    later_t2 = []
    for case_id in sorted(
        str(c) for c in rng.choice(sorted(set(t1_ids) - set(early)), size=7, replace=False)
    ):
        date = t1_dates[case_id] + dt.timedelta(days=int(rng.integers(165, 200)))
        later_t2.append(
            {"case_id": case_id, "completion_date": date, **_random_answers(t2_items, rng)}
        )
    later_ids = sorted(str(c) for c in rng.choice(LATER_EP + LATER_SE, size=36, replace=False))
    later_t1 = []
    for case_id in later_ids:
        date = _later_first_contact(case_id, first_contacts) + dt.timedelta(
            days=int(rng.integers(7, 40))
        )
        later_t1.append(
            {"case_id": case_id, "completion_date": date, **_random_answers(t1_items, rng)}
        )
    later_t1.append(
        {
            "case_id": UNKNOWN_CASE_ID,
            "completion_date": dt.date(2023, 3, 14),
            **_random_answers(t1_items, rng),
        }
    )
    early_later = [
        r
        for r in later_t1
        if r["completion_date"] <= dt.date(2023, 5, 31) and r["case_id"] != UNKNOWN_CASE_ID
    ]
    for record in [
        early_later[int(i)] for i in sorted(rng.choice(len(early_later), size=4, replace=False))
    ]:
        date = record["completion_date"] + dt.timedelta(days=int(rng.integers(165, 200)))
        later_t2.append(
            {
                "case_id": record["case_id"],
                "completion_date": date,
                **_random_answers(t2_items, rng),
            }
        )
    late = [
        r for r in later_t1 if dt.date(2023, 6, 1) <= r["completion_date"] <= dt.date(2023, 8, 31)
    ][0]
    after_default = {
        "case_id": late["case_id"],
        "completion_date": dt.date(2024, 1, 22),
        **_random_answers(t2_items, rng),
    }
    assert all(INTERIM_CUT < r["completion_date"] <= DEFAULT_CUT for r in later_t2)
    counts, missing = SUPPORT_INSIDE_LATER_T2
    for record, code in zip(
        later_t2, _assign(_collapsed_codes(counts, missing, rng), rng), strict=True
    ):
        record["support_inside"] = code
    waves["T1"] += later_t1
    waves["T2"] += later_t2 + [after_default]

    for wave, records in waves.items():
        for record in records:
            if wave == "T1":
                record["hopes_text"] = _text(HOPES, rng)
            else:
                record["achieved_text"] = _text(ACHIEVED, rng)
                record["most_helpful_text"] = _text(HELPFUL, rng)
                record["improve_text"] = _text(IMPROVE, rng, 0.4)
        records.sort(key=lambda r: (r["completion_date"], r["case_id"]))
    return waves


def scale_records(records: list[dict], scale: int) -> list[dict]:
    """Each record repeated ``scale`` times; copy k > 1 gets case id '<id>-000k'.

    The suffix is the scaled case trackers' (see ``synthetic.case_tracker._scaled``),
    so every scaled questionnaire but the unknown id's copies matches a tracker case.
    """
    out = [dict(r) for r in records]
    for k in range(2, scale + 1):
        out += [{**r, "case_id": f"{r['case_id']}-{k:04d}"} for r in records]
    return out


def _label_variant(label: str, style: int) -> str:
    """How a data-entry template might spell a label: same words, other case or spacing."""
    if style == 1:
        return string.capwords(label)
    if style == 2:
        return f" {label} "
    return label


def write_mothers_sav(
    records: list[dict],
    path: str | Path,
    position: int,
    *,
    label_style: int = 0,
    extra_columns: dict | None = None,
) -> Path:
    """Write one wave as SPSS .sav with value labels, variable labels and declared user-missing codes."""
    import pyreadstat

    items = spec.items_for_wave(position)
    texts = [v for v in spec.free_text_variables() if any(v in r for r in records)]
    columns = ["case_id", "completion_date", *items, *texts]
    frame = pd.DataFrame.from_records(records, columns=columns)
    # Stray whitespace on a couple of ids, as typed by hand.
    frame["case_id"] = [f"{c} " if i % 9 == 4 else c for i, c in enumerate(frame["case_id"])]
    for item in items:
        frame[item] = pd.to_numeric(frame[item], errors="coerce").astype("float64")
    for text in texts:
        frame[text] = frame[text].fillna("").astype(str)
    for name, values in (extra_columns or {}).items():
        frame[name] = values
    value_labels, missing_ranges, formats, measures = {}, {}, {}, {}
    for item in items:
        scale = spec.item_scale(item)
        labels = {float(c): _label_variant(lab, label_style) for c, lab in scale.codes.items()}
        labels.update({float(c): lab for c, lab in scale.missing.items()})
        value_labels[item] = labels
        codes = sorted(scale.missing)
        missing_ranges[item] = (
            codes if len(codes) <= 3 else [{"lo": 97.0, "hi": 99.0}, *[c for c in codes if c < 97]]
        )
        formats[item] = "F2.0"
        measures[item] = "ordinal" if scale.labelled else "scale"
    column_labels = {
        v: spec.variables()[v].get("statement", spec.variables()[v].get("label")) for v in columns
    }
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    pyreadstat.write_sav(
        frame,
        str(path),
        column_labels=[column_labels.get(c, c) for c in frame.columns],
        variable_value_labels=value_labels,
        missing_ranges=missing_ranges,
        variable_format=formats,
        variable_measure=measures,
        file_label="Mothers' questionnaire (SYNTHETIC EXAMPLE DATA)",
    )
    _fix_sav_timestamp(Path(path))
    return Path(path)


#: Where the .sav header keeps its creation date (9 bytes) and time (8 bytes).
SAV_DATE_OFFSET = 92
SAV_FIXED_STAMP = b"01 Jan 22" + b"00:00:00"


def _fix_sav_timestamp(path: Path) -> None:
    """Overwrite the header's creation date and time so the same data give the same bytes."""
    data = bytearray(path.read_bytes())
    if data[:4] not in (b"$FL2", b"$FL3"):
        raise ValueError(f"{path} is not an SPSS system file")
    data[SAV_DATE_OFFSET : SAV_DATE_OFFSET + len(SAV_FIXED_STAMP)] = SAV_FIXED_STAMP
    path.write_bytes(bytes(data))


# ----------------------------------------------------------------------------- practitioners
# Invented statement wording (same meaning as the published statements); the
# number of the interim complete responses agreeing with each is published.
STATEMENTS = [
    "The prison social work service played an important part in supporting the mother",
    "The service helped to support the child",
    "The service was a support to the children’s social worker",
    "The service gave support to the child’s carer",
    "Because of the service the mother took a greater part in decisions about her children",
    "The mother’s voice was better represented at key meetings",
    "The service enabled the mother to have family visits more regularly",
    "The mother is better placed to resettle in the community after release",
    "The mother is better placed to return to family life after release",
    "The support makes it less likely that the mother will offend again",
    "The relationship between the child and the mother has improved",
    "The child is more settled where they are living",
    "Things are better between the carer and the child",
    "Things are better between the carer and the mother",
    "Visiting the prison became easier for the carer",
    "The carer found it easier to work with social workers",
    "Community practitioners can draw on the service as a useful resource",
    "The working relationship between the children’s social worker and the mother got better",
    "The prison social worker kept in close touch with professionals in the community",
    "The prison social worker became a valued part of the team around the family",
    "The prison social worker gave advice to social care staff in the community",
    "The prison social worker delivered training to community staff",
]
CARER_STATEMENTS = {4, 13, 14, 15, 16}
STEM = "Thinking about the family you worked with, how far do you agree with each statement? - "
INTERIM_PRACTITIONERS = [
    # role, heard via, contact frequency (as the survey tool wrote the choices)
    ("Children’s social worker", "Contacted by the prison social worker", "Every 4–6 weeks"),
    ("Children’s social worker", "A colleague", "Every 4–6 weeks"),
    ("School safeguarding lead", "Contacted by the prison social worker", "Weekly"),
    ("Children’s guardian (Cafcass)", "A colleague", "Less often"),
    ("Children’s social worker", "Contacted by the prison social worker", "Every 4–6 weeks"),
]
AGREE = ["Strongly agree", "Agree"]
COMMENTS = [
    "Having a named contact in the prison made planning easier.",
    "Would like updates more often, especially before reviews.",
    "Very helpful, thank you.\nThe mother felt heard for the first time.",
]


def response_id(rng) -> str:
    """A Qualtrics response id ('R_' and 15 letters or digits)."""
    alphabet = np.array(list(string.ascii_letters + string.digits))
    return "R_" + "".join(rng.choice(alphabet, size=15))


#: The columns every Qualtrics export starts with: variable names, question
#: texts and import ids (its three header rows), in the tool's order.
QUALTRICS_METADATA = [
    "StartDate",
    "EndDate",
    "Status",
    "Progress",
    "Duration (in seconds)",
    "Finished",
    "RecordedDate",
    "ResponseId",
    "DistributionChannel",
    "UserLanguage",
]
QUALTRICS_METADATA_QUESTIONS = [
    "Start Date",
    "End Date",
    "Response Type",
    "Progress",
    "Duration (in seconds)",
    "Finished",
    "Recorded Date",
    "Response ID",
    "Distribution Channel",
    "User Language",
]
QUALTRICS_METADATA_IMPORT_IDS = [
    '{"ImportId":"startDate","timeZone":"Europe/London"}',
    '{"ImportId":"endDate","timeZone":"Europe/London"}',
    '{"ImportId":"status"}',
    '{"ImportId":"progress"}',
    '{"ImportId":"duration"}',
    '{"ImportId":"finished"}',
    '{"ImportId":"recordedDate","timeZone":"Europe/London"}',
    '{"ImportId":"_recordId"}',
    '{"ImportId":"distributionChannel"}',
    '{"ImportId":"userLanguage"}',
]


def _stamp(date: dt.date, rng) -> tuple[str, str]:
    start = dt.datetime.combine(
        date, dt.time(int(rng.integers(8, 18)), int(rng.integers(0, 60)), int(rng.integers(0, 60)))
    )
    end = start + dt.timedelta(seconds=int(rng.integers(240, 1500)))
    return start.strftime("%Y-%m-%d %H:%M:%S"), end.strftime("%Y-%m-%d %H:%M:%S")


def _interim_agreement(rng) -> list[list[str]]:
    """Answers of the 5 interim complete responses to each statement (rows = statements)."""
    answers = []
    agree = targets.load()["practitioners_interim"]["agree"]
    responses = len(INTERIM_PRACTITIONERS)
    for number, n_agree in enumerate(agree, start=1):
        rest_pool = (
            ["Not applicable", "Neither agree nor disagree", "Not applicable"]
            if number in CARER_STATEMENTS
            else ["Neither agree nor disagree", "Disagree", "Not applicable"]
        )
        values = [str(rng.choice(AGREE)) for _ in range(n_agree)]
        values += [str(rng.choice(rest_pool)) for _ in range(responses - n_agree)]
        if number == 22:
            values[-1] = ""  # one statement left unanswered
        answers.append(_assign(values, rng))
    return answers


def practitioner_rows(rng) -> list[dict]:
    """Response records of the year-1 export, in recorded order."""
    options = STATEMENTS
    rows = []
    interim_dates = [
        dt.date(2022, 2, 8),
        dt.date(2022, 2, 21),
        dt.date(2022, 3, 10),
        dt.date(2022, 4, 4),
        dt.date(2022, 5, 17),
    ]
    agreement = _interim_agreement(rng)
    for k, (date, (role, heard, frequency)) in enumerate(
        zip(interim_dates, INTERIM_PRACTITIONERS, strict=True)
    ):
        rows.append(
            {
                "date": date,
                "Status": "IP Address",
                "Progress": 100,
                "Finished": "True",
                "role": role,
                "heard_via": heard,
                "contact_frequency": frequency,
                **{f"agree_{i + 1:02d}": agreement[i][k] for i in range(len(options))},
                "comments": COMMENTS[k] if k < len(COMMENTS) else "",
            }
        )
    # The researcher's own test run, and a response abandoned part-way.
    rows.append(
        {
            "date": dt.date(2022, 1, 24),
            "Status": "Survey Preview",
            "Progress": 100,
            "Finished": "True",
            "role": "Other",
            "heard_via": "Other",
            "contact_frequency": "Weekly",
            **{f"agree_{i + 1:02d}": "Agree" for i in range(len(options))},
            "comments": "test",
        }
    )
    partial = {f"agree_{i + 1:02d}": str(rng.choice(AGREE)) for i in range(6)}
    rows.append(
        {
            "date": dt.date(2022, 3, 29),
            "Status": "IP Address",
            "Progress": 31,
            "Finished": "False",
            "role": "Fostering social worker",
            "heard_via": "The mother",
            "contact_frequency": "",
            **partial,
            "comments": "",
        }
    )
    # Responses after the interim cut (they count at the default cut only).
    for date, role, heard, frequency in [
        (dt.date(2022, 7, 12), "Fostering social worker", "The mother", "Every 2–3 weeks"),
        (
            dt.date(2022, 9, 30),
            "Children’s social worker",
            "Contacted by the prison social worker",
            "Every 4–6 weeks",
        ),
        (dt.date(2022, 11, 3), "Other", "A colleague", "Less often"),
    ]:
        answers = {
            f"agree_{i + 1:02d}": str(
                rng.choice(
                    [
                        "Strongly agree",
                        "Agree",
                        "Agree",
                        "Neither agree nor disagree",
                        "Disagree",
                        "Not applicable",
                    ]
                )
            )
            for i in range(len(options))
        }
        rows.append(
            {
                "date": date,
                "Status": "IP Address",
                "Progress": 100,
                "Finished": "True",
                "role": role,
                "heard_via": heard,
                "contact_frequency": frequency,
                **answers,
                "comments": "",
            }
        )
    rows.sort(key=lambda r: r["date"])
    for row in rows:
        row["StartDate"], row["EndDate"] = _stamp(row.pop("date"), rng)
        row["RecordedDate"] = row["EndDate"]
        row["ResponseId"] = response_id(rng)
        row["Duration (in seconds)"] = str(int(rng.integers(240, 1500)))
    return rows


def scale_practitioner_rows(rows: list[dict], scale: int, rng) -> list[dict]:
    out = [dict(r) for r in rows]
    for _ in range(2, scale + 1):
        out += [{**r, "ResponseId": response_id(rng)} for r in rows]
    return out


def practitioner_csv_text(rows: list[dict]) -> str:
    """The export's text: variable names, question text, import ids, then one row per response."""
    n_items = len(STATEMENTS)
    agree = [f"agree_{i:02d}" for i in range(1, n_items + 1)]
    header = [
        *QUALTRICS_METADATA,
        "role",
        "role_5_TEXT",
        "heard_via",
        "contact_frequency",
        *agree,
        "comments",
    ]
    questions = [
        *QUALTRICS_METADATA_QUESTIONS,
        "What is your role?",
        "What is your role? - Other - Text",
        "How did you first hear about the prison social work service?",
        "How often were you in contact with the prison social worker?",
        *[STEM + statement for statement in STATEMENTS],
        "Is there anything else you would like to tell us?",
    ]
    import_ids = [
        *QUALTRICS_METADATA_IMPORT_IDS,
        '{"ImportId":"QID1"}',
        '{"ImportId":"QID1_5_TEXT"}',
        '{"ImportId":"QID2"}',
        '{"ImportId":"QID3"}',
        *[f'{{"ImportId":"QID4_{i}"}}' for i in range(1, n_items + 1)],
        '{"ImportId":"QID5_TEXT"}',
    ]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([header, questions, import_ids])
    for row in rows:
        values = {
            **row,
            "DistributionChannel": "anonymous" if row["Status"] != "Survey Preview" else "preview",
            "UserLanguage": "EN-GB",
            "role_5_TEXT": "Family support worker" if row["role"] == "Other" else "",
        }
        writer.writerow([str(values.get(column, "")) for column in header])
    return buffer.getvalue()


# ----------------------------------------------------------------------------- main


def generate(
    out_dir: str | Path, scale: int = 1, trackers: str | Path | None = "data/raw/case_tracker"
) -> list[Path]:
    """Write the three example survey files into ``out_dir``; returns their paths."""
    if scale < 1:
        raise ValueError("scale must be a whole number of at least 1")
    _check_targets()
    rng = np.random.default_rng(SEED)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    waves = mothers_waves(rng, tracker_first_contacts(trackers) if trackers else {})
    t1 = scale_records(waves["T1"], scale)
    t2 = scale_records(waves["T2"], scale)
    paths = [
        write_mothers_sav(
            t1, out / "mothers_T1.sav", 1, extra_columns={"filter_$": [1.0] * len(t1)}
        ),
        write_mothers_sav(t2, out / "mothers_T2.sav", 2, label_style=1),
    ]
    rows = scale_practitioner_rows(practitioner_rows(rng), scale, rng)
    practitioners = out / "practitioners_Y1.csv"
    practitioners.write_bytes(b"\xef\xbb\xbf" + practitioner_csv_text(rows).encode("utf-8"))
    paths.append(practitioners)
    return paths


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="data/raw/surveys", help="output folder")
    parser.add_argument("--scale", type=int, default=1, help="repeat every respondent N times")
    parser.add_argument(
        "--trackers",
        default="data/raw/case_tracker",
        help="example case trackers (first contact dates)",
    )
    args = parser.parse_args(argv)
    for path in generate(args.out, args.scale, args.trackers):
        print(path)


if __name__ == "__main__":
    main()
