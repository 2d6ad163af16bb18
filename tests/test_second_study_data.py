"""The second example study's raw data reproduce every published figure in its targets.yaml.

The raw files under ``examples/recurrent-care-mapping/data/raw`` are read here
directly with pandas and openpyxl (not through the pipeline and not through
the generator's own check): category values are folded as the data contract
says (case, surrounding and repeated spaces, the listed variants), every
figure of ``targets.yaml`` is recomputed and compared with the published one.
The generator must also write the same bytes again.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "recurrent-care-mapping"
RAW = EXAMPLE / "data" / "raw"
TARGETS = yaml.safe_load((EXAMPLE / "targets.yaml").read_text(encoding="utf-8"))
REGIONS = [r for r in TARGETS["tables"]["services_by_region"]["rows"] if r != "Total"]

# The contract's categories and variants (DATA_CONTRACT.md), written out here
# independently of the generator.
REGION_VARIANTS = {"yorkshire & the humber": "Yorkshire and Humber", "east": "East of England"}
STATUSES = [
    "Local service operating",
    "Local service in development",
    "Pause operating",
    "Pause in development",
    "No service",
    "Unknown",
]
STATUS_VARIANTS = {"not known": "Unknown", "?": "Unknown"}
PROVIDER_TYPES = ["Local authority", "Third sector"]
PROVIDER_TYPE_VARIANTS = {"charity": "Third sector", "voluntary sector": "Third sector"}
CLIENT_GROUPS = [
    "Women only",
    "Women, and the father or current partner as a couple",
    "Mothers and fathers in their own right",
]
TIMINGS = [
    "After proceedings only",
    "After proceedings, light-touch before the final decision",
    "Before birth, during and after proceedings",
]
YES_NO = {"yes": True, "y": True, "no": False, "n": False}
RESULT_IDS = {
    "survey_interview_responses",
    "services_by_region",
    "fdac_by_region",
    "who_services_work_with",
    "timing_of_intervention",
    "core_components",
}


def fold(value) -> str:
    return " ".join(str("" if value is None or value != value else value).split()).lower()


def canonical(value, labels: list[str], variants: dict[str, str] | None = None) -> str:
    folded = fold(value)
    match = {fold(label): label for label in labels} | (variants or {})
    assert folded in match, f"{value!r} is not an accepted value"
    return match[folded]


def items(value) -> list[str]:
    """A list cell: codes or regions separated by ';' or ','."""
    return [part.strip() for part in re.split(r"[;,]", fold(value)) if part.strip()]


def codes(value) -> list[str]:
    return [part.upper() for part in items(value)]


def read_csv(path: Path, **options) -> pd.DataFrame:
    return pd.read_csv(
        path, dtype=str, keep_default_na=False, encoding="utf-8-sig", **options
    )  # keep_default_na=False: pandas would read the label None as missing


def parse_date(text: str) -> dt.date:
    text = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return dt.date.fromisoformat(text)
    return dt.datetime.strptime(text, "%d/%m/%Y").date()


def month(text: str) -> tuple[int, int]:
    year, number = text.split("-")
    return int(year), int(number)


# ----------------------------------------------------------------------------- the raw files


@pytest.fixture(scope="module")
def raw() -> dict:
    sheets = pd.read_excel(
        RAW / "mapping" / "mapping_workbook.xlsx", sheet_name=None, dtype=object, engine="openpyxl"
    )
    qualitative = RAW / "qualitative"
    out = {name: frame.dropna(how="all") for name, frame in sheets.items()}
    out["la_sheet_rows"] = len(sheets["Local authorities"])
    out["survey"] = read_csv(RAW / "survey" / "provider_survey.csv", skiprows=[1, 2])
    out["interviews"] = read_csv(RAW / "interviews" / "interviews.csv")
    out["profiles"] = read_csv(RAW / "interviews" / "service_profiles.csv")
    out["themes"] = read_csv(qualitative / "themes.csv")
    out["participants"] = read_csv(qualitative / "participants.csv")
    out["segments"] = read_csv(qualitative / "coded_segments.csv")
    out["integration"] = yaml.safe_load((qualitative / "integration.yaml").read_text("utf-8"))
    names = (qualitative / "disallowed_names.txt").read_text("utf-8").splitlines()
    out["disallowed"] = [n.strip() for n in names if n.strip() and not n.startswith("#")]
    return out


@pytest.fixture(scope="module")
def register(raw) -> pd.DataFrame:
    """One row per authority: code, region and status in canonical labels."""
    sheet = raw["Local authorities"]
    return pd.DataFrame(
        {
            "code": sheet["LA code"].map(lambda v: fold(v).upper()),
            "region": sheet["Region"].map(lambda v: canonical(v, REGIONS, REGION_VARIANTS)),
            "status": sheet["Recurrent-care service"].map(
                lambda v: canonical(v, STATUSES, STATUS_VARIANTS)
            ),
        }
    )


@pytest.fixture(scope="module")
def services(raw) -> pd.DataFrame:
    sheet = raw["Local services"]
    return pd.DataFrame(
        {
            "provider": sheet["Provider"].map(lambda v: fold(v).upper()),
            "type": sheet["Provider type"].map(
                lambda v: canonical(v, PROVIDER_TYPES, PROVIDER_TYPE_VARIANTS)
            ),
            "status": sheet["Status"].map(lambda v: canonical(v, ["Operating", "In development"])),
            "areas": sheet["Local authorities"].map(codes),
            "regions": sheet["Regions"].map(
                lambda v: [canonical(r, REGIONS, REGION_VARIANTS) for r in items(v)]
            ),
        }
    )


@pytest.fixture(scope="module")
def survey(raw) -> dict:
    """Complete responses (previews and unfinished left out), and the deduplicated ones."""
    frame = raw["survey"]
    preview = frame["Status"].map(fold) == "survey preview"
    finished = (frame["Finished"].map(fold) == "true") & (frame["Progress"] == "100")
    complete = frame[~preview & finished].assign(
        organisation=lambda f: f["organisation"].map(lambda v: fold(v).upper()),
        recorded=lambda f: pd.to_datetime(f["RecordedDate"]),
    )
    kept = complete.sort_values("recorded").drop_duplicates("organisation", keep="last")
    return {
        "frame": frame,
        "preview": int(preview.sum()),
        "unfinished": int((~preview & ~finished).sum()),
        "complete": complete,
        "kept": kept,
    }


@pytest.fixture(scope="module")
def profiles(raw) -> pd.DataFrame:
    frame = raw["profiles"]
    return pd.DataFrame(
        {
            "id": frame["interview_id"].map(fold),
            "client_group": frame["client_group"].map(lambda v: canonical(v, CLIENT_GROUPS)),
            "timing": frame["timing"].map(lambda v: canonical(v, TIMINGS)),
            "evaluation": frame["evaluation"].map(
                lambda v: canonical(v, ["External", "Internal", "None"])
            ),
            "own_name": frame["own_name"].map(lambda v: YES_NO[fold(v)]),
            "contraception": frame["contraception_condition"].map(lambda v: YES_NO[fold(v)]),
            "team_size": frame["team_size"].astype(int),
            "low": frame["caseload_low"].astype(int),
            "high": frame["caseload_high"].astype(int),
        }
    )


@pytest.fixture(scope="module")
def computed(raw, register, services, survey, profiles) -> dict:
    """Every figure of targets.yaml, recomputed from the raw files (same shape)."""
    tables = {}
    columns = {
        "Local service": ("Local service operating", "Local service in development"),
        "Pause": ("Pause operating", "Pause in development"),
        "No service": ("No service",),
        "Unknown": ("Unknown",),
    }
    by_region = {}
    for name in [*REGIONS, "Total"]:
        rows = register if name == "Total" else register[register["region"] == name]
        by_region[name] = [len(rows)] + [
            int(rows["status"].isin(wanted).sum()) for wanted in columns.values()
        ]
    tables["services_by_region"] = by_region

    interviews = raw["interviews"]
    recruited = interviews["recruited"].map(fold)
    tables["survey_interview_responses"] = {
        "Survey responses": [len(survey["complete"])],
        "Survey respondents also interviewed": [int((recruited == "survey respondent").sum())],
        "Additional interviews": [int((recruited == "contacted directly").sum())],
        "Interviews in all": [len(interviews)],
    }
    teams = raw["FDAC teams"]
    team_regions = Counter(canonical(r, REGIONS, REGION_VARIANTS) for r in teams["Region"])
    tables["fdac_by_region"] = {r: [team_regions[r]] for r in REGIONS} | {"Total": [len(teams)]}
    for table_id, column in (
        ("who_services_work_with", "client_group"),
        ("timing_of_intervention", "timing"),
    ):
        counts = Counter(profiles[column])
        tables[table_id] = {label: [counts[label]] for label in TARGETS["tables"][table_id]["rows"]}
    themes = raw["themes"]
    children = themes[themes["parent"].map(fold) == "core_components"]
    tables["core_components"] = {"items": [" ".join(label.split()) for label in children["label"]]}

    operating = services[services["status"] == "Operating"]
    areas = {a for row in operating["areas"] for a in row}
    third = operating[operating["type"] == "Third sector"]
    third_areas = {
        provider: {a for row in group["areas"] for a in row}
        for provider, group in third.groupby("provider")
    }
    cross = operating[operating["areas"].map(len) == 0]
    practices = raw["Pause practices"]
    practice_areas = [
        codes(v)
        for v, s in zip(practices["Local authorities"], practices["Status"], strict=True)
        if fold(s) == "operating"
    ]
    answers = Counter(survey["complete"]["organisation"])
    total = by_region["Total"]
    facts = {
        "survey_organisations": len(survey["kept"]),
        "survey_answered_twice": {
            "organisations": sum(n > 1 for n in answers.values()),
            "responses": sum(n for n in answers.values() if n > 1),
        },
        "pause_practices_operating": len(practice_areas),
        "pause_authorities": len({a for p in practice_areas for a in p}),
        "local_service_areas_operating": len(areas),
        "local_service_providers_operating": operating["provider"].nunique(),
        "local_service_areas_in_development": len(
            {a for row in services[services["status"] == "In development"]["areas"] for a in row}
        ),
        "local_service_areas": total[1],
        "local_service_areas_by_local_authority": len(
            {a for row in operating[operating["type"] == "Local authority"]["areas"] for a in row}
        ),
        "local_service_areas_by_third_sector": len(set().union(*third_areas.values())),
        "third_sector_providers_in_several_authorities": sum(
            len(a) > 1 for a in third_areas.values()
        ),
        "cross_region_services": {
            "services": len(cross),
            "regions": len({r for row in cross["regions"] for r in row}),
        },
        "no_service_authorities": total[3],
        "unknown_authorities": total[4],
        "fdac_teams": len(teams),
        "fdac_courts": int(teams["Courts"].astype(int).sum()),
        "fdac_authorities": len({a for v in teams["Local authorities"] for a in codes(v)}),
        "interviewed_services": len(profiles),
        "external_evaluation": int((profiles["evaluation"] == "External").sum()),
        "internal_evaluation": int((profiles["evaluation"] == "Internal").sum()),
        "own_name": int(profiles["own_name"].sum()),
        "contraception_condition": int(profiles["contraception"].sum()),
        "fathers_in_own_right": int(
            (profiles["client_group"] == "Mothers and fathers in their own right").sum()
        ),
        "caseload_per_worker": [int(profiles["low"].min()), int(profiles["high"].max())],
        "team_size": [int(profiles["team_size"].min()), int(profiles["team_size"].max())],
    }
    recorded = survey["complete"]["recorded"]
    interview_dates = interviews["interview_date"].map(parse_date)
    study = {
        "local_authorities": register["code"].nunique(),
        "regions": register["region"].nunique(),
        "survey_period": [recorded.min().strftime("%Y-%m"), recorded.max().strftime("%Y-%m")],
        "mapping_period": [
            min(interview_dates).strftime("%Y-%m"),
            max(interview_dates).strftime("%Y-%m"),
        ],
    }
    n, base = total[3], total[0]
    inconsistencies = {"no_service_share": [n, base, round(100 * n / base)]}
    return {
        "tables": tables,
        "facts": facts,
        "study": study,
        "known_inconsistencies": inconsistencies,
        "practice_areas": practice_areas,
        "areas": areas,
    }


# ----------------------------------------------------------------------------- figures


@pytest.mark.parametrize("table_id", list(TARGETS["tables"]))
def test_every_published_table_is_reproduced(computed, table_id):
    published = TARGETS["tables"][table_id]
    expected = {"items": published["items"]} if "items" in published else published["rows"]
    assert computed["tables"][table_id] == expected


@pytest.mark.parametrize("fact", list(TARGETS["facts"]))
def test_every_published_fact_is_reproduced(computed, fact):
    assert computed["facts"][fact] == TARGETS["facts"][fact]


def test_every_target_is_checked(computed):
    assert set(computed["tables"]) == set(TARGETS["tables"])
    assert set(computed["facts"]) == set(TARGETS["facts"])
    assert set(computed["study"]) == set(TARGETS["study"]) - {"published"}


def test_study_counts_and_periods(computed):
    study = TARGETS["study"]
    assert computed["study"]["local_authorities"] == study["local_authorities"]
    assert computed["study"]["regions"] == study["regions"]
    # Complete responses fall within the survey period, interviews within the mapping period.
    for period in ("survey_period", "mapping_period"):
        first, last = (month(m) for m in computed["study"][period])
        assert month(study[period][0]) <= first and last <= month(study[period][1]), period
    # The publication's own inconsistency: the survey starts before the mapping.
    assert month(study["survey_period"][0]) < month(study["mapping_period"][0])


def test_known_inconsistencies_keep_the_computed_values(computed):
    known = TARGETS["known_inconsistencies"]
    assert computed["known_inconsistencies"]["no_service_share"] == known["no_service_share"]
    n, base, pct = known["no_service_share"]
    assert pct < 50  # "the majority" in the text is not what the data say
    components = computed["tables"]["core_components"]["items"]
    assert len(components) == 8 != known["core_components_in_summary"]


# ----------------------------------------------------------------------------- contract


def test_register_keeps_the_contract(raw, register, services, computed):
    assert list(register["code"]) == [f"LA{i:03d}" for i in range(1, 153)]
    names = raw["Local authorities"]["Local authority"].map(str)
    assert names.str.fullmatch(r"Authority \d{3}").all()  # invented names only
    pause = sorted(register.loc[register["status"].str.startswith("Pause"), "code"])
    covered = [a for p in computed["practice_areas"] for a in p]
    assert sorted(covered) == pause  # every Pause authority covered by exactly one practice
    status = dict(zip(register["code"], register["status"], strict=True))
    assert {status[a] for a in computed["areas"]} == {"Local service operating"}
    assert len(computed["areas"]) == sum(s == "Local service operating" for s in status.values())
    developing = {
        a for row in services[services["status"] == "In development"]["areas"] for a in row
    }
    assert {status[a] for a in developing} == {"Local service in development"}
    cross = services[services["areas"].map(len) == 0]
    assert list(cross["status"]) == ["Operating"]
    assert (services.loc[services["areas"].map(len) > 0, "regions"].map(len) == 0).all()
    courts = raw["FDAC teams"]["Courts"].astype(int)
    assert courts.between(1, 5).all()
    served = [a for v in raw["FDAC teams"]["Local authorities"] for a in codes(v)]
    assert set(served) <= set(status)


def test_the_raw_files_carry_the_mess_the_contract_accepts(raw):
    sheet = raw["Local authorities"]
    assert raw["la_sheet_rows"] == len(sheet) + 1  # one blank row between records
    regions = set(sheet["Region"].map(str))
    assert {"Yorkshire & the Humber", "East"} <= regions
    assert any(r != r.strip() for r in regions)
    statuses = set(sheet["Recurrent-care service"].map(str))
    assert {"pause operating", "?"} <= statuses
    assert any(fold(s) == "not known" for s in statuses)
    assert sheet["Notes"].notna().sum() > 10
    lists = [str(v) for v in raw["Pause practices"]["Local authorities"] if len(codes(v)) > 1]
    assert any(";" in v for v in lists) and any("," in v for v in lists)
    dates = raw["interviews"]["interview_date"]
    assert dates.str.fullmatch(r"\d{4}-\d{2}-\d{2}").any()
    assert dates.str.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}").any()


def test_survey_export(survey):
    frame = survey["frame"]
    assert list(frame.columns[:10]) == [
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
    assert list(frame.columns[10:]) == ["organisation", "role", "service_status", "comments"]
    assert (survey["preview"], survey["unfinished"]) == (1, 1)
    assert frame["ResponseId"].is_unique
    complete = survey["complete"]
    twice = complete[complete.duplicated("organisation", keep=False)]
    kept = survey["kept"].set_index("organisation")
    assert len(twice) == 2
    assert kept.loc[twice["organisation"].iloc[0], "recorded"] == twice["recorded"].max()
    roles = {"service manager", "practitioner", "commissioner", "other"}
    assert set(complete["role"].map(fold)) <= roles
    # The responses left out answered for organisations outside the 13.
    others = frame[~frame["ResponseId"].isin(complete["ResponseId"])]
    assert not set(others["organisation"]) & set(kept.index)


def test_interviews_follow_the_survey(raw, survey):
    interviews = raw["interviews"]
    assert list(interviews["interview_id"]) == [f"Interview {i}" for i in range(1, 22)]
    kept = survey["kept"].set_index("organisation")["recorded"]
    for row in interviews.itertuples():
        respondent = fold(row.recruited) == "survey respondent"
        assert (row.organisation in kept.index) == respondent, row.interview_id
        if respondent:  # interviewed after answering the survey
            assert parse_date(row.interview_date) > kept[row.organisation].date()
    assert interviews["organisation"].is_unique
    profiles = raw["profiles"]["interview_id"].map(fold)
    assert list(profiles) == [fold(i) for i in interviews["interview_id"]]


def test_qualitative_files(raw):
    participants = raw["participants"]
    interviews = raw["interviews"]
    assert list(participants["participant_id"]) == list(interviews["interview_id"])
    assert list(participants["group"].map(fold)) == list(interviews["recruited"].map(fold))
    themes = raw["themes"]
    theme_ids = set(themes["theme"])
    assert themes["theme"].is_unique
    assert set(themes["parent"]) - {""} <= theme_ids
    others = themes[(themes["parent"] == "") & (themes["theme"] != "core_components")]
    assert 5 <= len(others) <= 8
    segments = raw["segments"].assign(theme=lambda f: f["theme"].str.strip().str.lower())
    assert set(segments["theme"]) <= theme_ids
    assert set(segments["participant_id"].str.strip()) == set(participants["participant_id"])
    assert set(segments["coder"]) == {"KM", "HT"}
    per_coder = segments.groupby("segment_id")["coder"].nunique()
    assert 60 <= len(per_coder) <= 90 and (per_coder == 2).all()
    coded = segments.groupby(["segment_id", "coder"])["theme"].apply(frozenset).unstack()
    disagreements = int((coded["KM"] != coded["HT"]).sum())
    assert 1 <= disagreements <= len(coded) // 5
    words = segments["excerpt"].str.split().map(len)
    assert words.between(15, 50).all()
    assert segments["exemplar"].map(fold).isin(YES_NO).all()
    text = " ".join(segments["excerpt"]).lower()
    assert raw["disallowed"] and not [n for n in raw["disallowed"] if n.lower() in text]
    entries = raw["integration"]["research_questions"]
    assert [e["id"] for e in entries] == [f"RQ{i}" for i in range(1, 6)]
    for entry in entries:
        assert set(entry["quantitative"]) <= RESULT_IDS
        assert entry["themes"] and set(entry["themes"]) <= theme_ids
        assert entry["meta_inference"] in {"confirms", "expands", "discordant"}
        assert entry["sentence"].strip()


# ----------------------------------------------------------------------------- determinism


def test_the_generator_writes_the_same_bytes(tmp_path):
    from tools.synthetic import recurrent_care

    recurrent_care.generate(tmp_path)
    committed = sorted(p.relative_to(RAW) for p in RAW.rglob("*") if p.is_file())
    regenerated = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert committed == regenerated
    changed = [p for p in committed if (RAW / p).read_bytes() != (tmp_path / p).read_bytes()]
    assert changed == []
    workbook = openpyxl.load_workbook(tmp_path / "mapping" / "mapping_workbook.xlsx")
    assert workbook.sheetnames == [
        "Local authorities",
        "Local services",
        "Pause practices",
        "FDAC teams",
    ]
