"""The synthetic case-tracker workbooks reproduce the published figures.

Every target is re-derived here from the workbooks with a small parser of its
own (openpyxl cells, headers folded with ``normalise_header``, categories matched
through the codebook's value sets, dates read day-first), so the tests prove
the committed files give the published figures (``tools/synthetic/targets.yaml``,
through ``reference_figures``), not that the generator's internal tables do.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import reference_figures as ref

from evaluation.core import codebook
from tools.synthetic import case_tracker as generator

ROOT = Path(__file__).resolve().parents[1]
RAW_DIR = ROOT / "data" / "raw" / "case_tracker"
WORKBOOKS = {"Eastwood Park": "eastwood_park.xlsx", "Send": "send.xlsx"}
INTERIM = dt.date.fromisoformat(ref.INTERIM_CUT)
FINAL = dt.date.fromisoformat(ref.FINAL_CUT)
PROJECT_START = dt.date(2021, 4, 1)
EXCEL_EPOCH = dt.date(1899, 12, 30)
EP, SE = "Eastwood Park", "Send"

# ----------------------------------------------------------------- published figures
# Section A (interim cut): table -> row -> (Eastwood Park, Send, Total); None = not
# published for that column. Rows that the published table implies are zero are
# listed with 0. The needs (several per mother) are checked on their own.
NEED_TABLES = {"Mother": "mother_needs", "Social worker": "social_worker_needs"}
SECTION_A: dict[str, dict[str, tuple]] = {
    table_id: {
        row: tuple(counts.get(column) for column in (EP, SE, "Total"))
        for row, counts in rows.items()
    }
    for table_id, rows in ref.INTERIM_TABLES_WITH_ZEROS.items()
    if table_id not in NEED_TABLES.values()
}
SECTION_A_FACTS = {
    "mothers": ref.INTERIM_MOTHERS,
    "non_remand": ref.INTERIM_SENTENCE_BASE,
    **ref.TARGETS["case_tracker_interim"]["facts"],
}
# Section C (final cut): count, base and the published whole-number percentage,
# with the facts the published ones imply.
SECTION_C: dict[str, tuple[int, int | None, int | None]] = {
    **ref.FINAL_FACTS,
    **ref.FINAL_IMPLIED_FACTS,
    "local_authorities": (ref.FINAL_LOCAL_AUTHORITIES, None, None),
}
SECTION_C_BY_PRISON = {
    "mothers": {EP: ref.FINAL_MOTHERS[EP], SE: ref.FINAL_MOTHERS[SE]},
    "legal_support": ref.FINAL_LEGAL_SUPPORT_BY_PRISON,  # (n, % of the mothers with support)
}

# ----------------------------------------------------------------- independent parser

SHEET_COLUMNS = {
    name: list(spec["columns"]) for name, spec in codebook.case_tracker_sheets().items()
}


def _value_set_of(sheet: str, column: str) -> str | None:
    return codebook.case_tracker_sheets()[sheet]["columns"][column].get("categories")


def read_workbook(path: Path) -> dict[str, pd.DataFrame]:
    """Sheet name -> frame of raw cell values (header = first row)."""
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    sheets = {}
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        width = len(rows[0])
        body = [list(row) + [None] * (width - len(row)) for row in rows[1:]]
        sheets[sheet.title] = pd.DataFrame(body, columns=list(rows[0]), dtype=object)
    book.close()
    return sheets


def parse_date(value) -> dt.date | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float):
        return EXCEL_EPOCH + dt.timedelta(days=int(value))
    text = str(value).strip()
    for fmt in ("%d/%m/%Y", "%d.%m.%y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise AssertionError(f"unparseable date {value!r}")


def parse_sentence(text) -> tuple[float | None, bool]:
    """(months, indeterminate) from sentence text; (None, False) when blank."""
    if text is None:
        return None, False
    spec = codebook.load_codebook()["case_tracker"]["sentence_length"]
    folded = str(text).strip().casefold()
    if folded in spec["indeterminate"]:
        return None, True
    months = 0.0
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*([a-z]+)", folded)
    assert parts and re.sub(r"[\d.\sa-z]", "", folded) == "", f"unparseable sentence {text!r}"
    for number, unit in parts:
        name = next(u for u, words in spec["units"].items() if unit in words)
        months += float(number) * 12 / spec["units_per_year"][name]
    return months, False


def _category(value, set_name: str, where: str):
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    label = codebook.value_set(set_name).match(value)
    assert label is not None, f"{where}: {value!r} is not an accepted {set_name} value"
    return label


def tidy_sheets(prison: str, raw: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Canonical column names and values per contract sheet, blank rows dropped."""
    out = {}
    for sheet, columns in SHEET_COLUMNS.items():
        frame = raw[sheet]
        renamed = {c: codebook.normalise_header(c) for c in frame.columns}
        frame = frame.rename(columns=renamed)[[c for c in renamed.values() if c in columns]]
        assert sorted(frame.columns) == sorted(columns), f"{prison} {sheet}: missing columns"
        frame = frame[frame.notna().any(axis=1)].copy()
        for column in columns:
            spec = codebook.case_tracker_sheets()[sheet]["columns"][column]
            where = f"{prison} {sheet} {column}"
            if spec["type"] == "date":
                frame[column] = [parse_date(v) for v in frame[column]]
            elif column == "need":
                sources = [_category(v, "need_source", where) for v in frame["source"]]
                sets = spec["categories_by_source"]
                frame[column] = [
                    _category(v, sets[s], where)
                    for v, s in zip(frame[column], sources, strict=True)
                ]
            elif spec["type"] == "category":
                frame[column] = [_category(v, spec["categories"], where) for v in frame[column]]
            elif spec["type"] == "id":
                frame[column] = frame[column].map(lambda v: str(v).strip())
        frame["prison"] = prison
        out[sheet] = frame
    return out


def parse_tracker(raw_by_prison: dict[str, dict[str, pd.DataFrame]]) -> dict[str, pd.DataFrame]:
    """All prisons' sheets stacked, with parsed sentence months."""
    per_prison = [tidy_sheets(p, raw) for p, raw in raw_by_prison.items()]
    data = {
        sheet: pd.concat([p[sheet] for p in per_prison], ignore_index=True)
        for sheet in SHEET_COLUMNS
    }
    parsed = [parse_sentence(t) for t in data["Baseline"]["sentence_length"]]
    data["Baseline"]["sentence_months"] = [m for m, _ in parsed]
    data["Baseline"]["indeterminate"] = [i for _, i in parsed]
    return data


def band_label(name: str, value) -> str:
    banding = codebook.banding(name)
    for band in banding.bands:
        if bool(band.contains(pd.Series([value])).iloc[0]):
            return band.label
    raise AssertionError(f"{value!r} falls in no {name} band")


def quarter(day: dt.date) -> str:
    if day < PROJECT_START:
        return "Q0"
    months = (day.year - PROJECT_START.year) * 12 + day.month - PROJECT_START.month
    return f"Q{months // 3 + 1}"


def mothers_at(
    data: dict[str, pd.DataFrame], cut: dt.date, *, apply_cut_to_reviews: bool = True
) -> pd.DataFrame:
    """One row per mother included at the cut with the derived variables the figures use."""
    base = data["Baseline"]
    mothers = base[base["first_contact_date"].notna()]
    mothers = mothers[mothers["first_contact_date"] <= cut].copy().set_index("case_id")
    kids = data["Children"][data["Children"]["case_id"].isin(mothers.index)]
    reviews = data["Reviews"][data["Reviews"]["case_id"].isin(mothers.index)]
    if apply_cut_to_reviews:
        reviews = reviews[reviews["review_date"] <= cut]
    mothers["age_group"] = [band_label("age_group", a) for a in mothers["age"]]
    mothers["family_size"] = [band_label("family_size", n) for n in mothers["n_children_under_18"]]
    mothers["incarceration_history"] = [
        band_label("incarceration_history", n) for n in mothers["incarceration_count"]
    ]
    mothers["social_workers_involved"] = [
        band_label("social_workers_band", n) for n in mothers["social_workers_involved"]
    ]
    mothers["sentence_length"] = [
        None if status == "Remand" else ("Life" if ind else band_label("sentence_band", m))
        for status, m, ind in zip(
            mothers["legal_status"],
            mothers["sentence_months"],
            mothers["indeterminate"],
            strict=True,
        )
    ]
    mothers["start_quarter"] = [quarter(d) for d in mothers["first_contact_date"]]
    known = kids[kids["placement"] != "Not known"]
    mothers["distinct_placements"] = (
        known.groupby("case_id")["placement"].nunique().reindex(mothers.index).fillna(0)
    )
    by_case = kids.groupby("case_id")["placement"]
    mothers["away"] = by_case.apply(
        lambda s: s.isin(["Foster care", "Residential", "Adopted or placement order"]).any()
    )
    mothers["all_father"] = by_case.apply(lambda s: (s == "Father or mother's partner").all())
    mothers["adopted"] = by_case.apply(lambda s: (s == "Adopted or placement order").any())
    mothers["baby"] = kids.groupby("case_id")["age"].apply(lambda s: (s <= 2).any())
    for flag in ("away", "all_father", "adopted", "baby"):
        mothers[flag] = mothers[flag].astype("boolean").fillna(False).astype(bool)
    ordered = reviews.sort_values("review_date")
    latest = ordered.groupby("case_id").tail(1).set_index("case_id")
    mothers["latest_outcome"] = latest["contact_outcome"].reindex(mothers.index)
    mothers["legal_support"] = reviews.groupby("case_id")["legal_support"].apply(
        lambda s: (s == "Yes").any()
    )
    review_mbu = reviews.groupby("case_id")["mbu"].apply(lambda s: (s == "Yes").any())
    mothers["legal_support"] = mothers["legal_support"].astype("boolean").fillna(False).astype(bool)
    review_mbu = review_mbu.reindex(mothers.index).astype("boolean").fillna(False).astype(bool)
    mothers["mbu_ever"] = mothers["care_arrangement"].str.contains("including MBU") | review_mbu
    return mothers


def count_table(mothers: pd.DataFrame, column: str, label: str) -> tuple[int, int, int]:
    hits = mothers[column] == label
    return (
        int(hits[mothers["prison"] == EP].sum()),
        int(hits[mothers["prison"] == SE].sum()),
        int(hits.sum()),
    )


def local_authorities(mothers: pd.DataFrame) -> set[str]:
    names = set()
    for cell in mothers["local_authority"].dropna():
        names |= {part.strip().casefold() for part in str(cell).split(";") if part.strip()}
    return names


def final_facts(mothers: pd.DataFrame) -> dict[str, tuple[int, int | None]]:
    aim = mothers["latest_outcome"].notna() & (mothers["latest_outcome"] != "Not an aim")
    outcome = mothers["latest_outcome"]
    two_plus = mothers["n_children_under_18"] >= 2
    n = len(mothers)
    return {
        "two_plus_children": (int(two_plus.sum()), n),
        "five_plus_children": (int((mothers["n_children_under_18"] >= 5).sum()), n),
        "aged_30_39": (int(mothers["age"].between(30, 39).sum()), n),
        "white_british": (int((mothers["ethnicity"] == "White British").sum()), n),
        "known_to_social_services": (
            int((mothers["known_to_social_services_as_child"] == "Yes").sum()),
            n,
        ),
        "domestic_abuse": (int((mothers["domestic_abuse_history"] == "Yes").sum()), n),
        "single_or_separated": (
            int(mothers["relationship_status"].isin(["Single", "Separated or divorced"]).sum()),
            n,
        ),
        "socially_isolated": (int((mothers["socially_isolated"] == "Yes").sum()), n),
        "no_contact_at_start": (int((mothers["contact_at_start"] == "None").sum()), n),
        "acct": (int((mothers["acct"] == "Yes").sum()), n),
        "siblings_apart": (
            int((two_plus & (mothers["distinct_placements"] >= 2)).sum()),
            int(two_plus.sum()),
        ),
        "child_away_from_birth_family": (int(mothers["away"].sum()), n),
        "all_children_with_father": (int(mothers["all_father"].sum()), n),
        "adoption": (int(mothers["adopted"].sum()), n),
        "legal_support": (int(mothers["legal_support"].sum()), n),
        "local_authorities": (len(local_authorities(mothers)), None),
        "contact_aim": (int(aim.sum()), n),
        "contact_aim_plan": (
            int((aim & (outcome == "Contact plan in place")).sum()),
            int(aim.sum()),
        ),
        "contact_aim_not_possible": (
            int((aim & (outcome == "Direct contact not possible - mother supported")).sum()),
            int(aim.sum()),
        ),
        "contact_aim_unresolved": (int((aim & (outcome == "Unresolved")).sum()), int(aim.sum())),
        "contact_aim_resolved": (
            int(
                (
                    aim
                    & outcome.isin(
                        ["Contact plan in place", "Direct contact not possible - mother supported"]
                    )
                ).sum()
            ),
            int(aim.sum()),
        ),
        "mbu_mothers": (int(mothers["mbu_ever"].sum()), n),
    }


def whole_percent(n: int, d: int) -> int:
    return math.floor(100 * n / d + 0.5)


# ----------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def raw() -> dict[str, dict[str, pd.DataFrame]]:
    return {prison: read_workbook(RAW_DIR / name) for prison, name in WORKBOOKS.items()}


@pytest.fixture(scope="module")
def data(raw) -> dict[str, pd.DataFrame]:
    return parse_tracker(raw)


@pytest.fixture(scope="module")
def interim(data) -> pd.DataFrame:
    return mothers_at(data, INTERIM)


@pytest.fixture(scope="module")
def final(data) -> pd.DataFrame:
    return mothers_at(data, FINAL)


# ----------------------------------------------------------------- section A


@pytest.mark.parametrize("table", sorted(SECTION_A))
def test_interim_tables_match_published(interim, table):
    column = {
        "known_to_social_services": "known_to_social_services_as_child",
        "family_court": "family_court_status",
    }.get(table, table)
    for label, expected in SECTION_A[table].items():
        got = count_table(interim, column, label)
        for published, actual, where in zip(expected, got, (EP, SE, "Total"), strict=True):
            if published is not None:
                assert actual == published, f"{table} {label!r} {where}: {actual} != {published}"


def test_interim_population_relationship_and_bases(interim):
    for where, n in SECTION_A_FACTS["mothers"].items():
        assert (len(interim) if where == "Total" else int((interim["prison"] == where).sum())) == n
    non_remand = interim[interim["legal_status"] != "Remand"]
    assert int((non_remand["prison"] == EP).sum()) == SECTION_A_FACTS["non_remand"][EP]
    assert int((non_remand["prison"] == SE).sum()) == SECTION_A_FACTS["non_remand"][SE]
    status = interim["relationship_status"]
    for categories, n in ref.INTERIM_RELATIONSHIP_GROUPS.items():
        assert int(status.isin(categories).sum()) == n, categories
    # Every row of the published age table adds up to the column's mothers.
    assert interim["age_group"].notna().all() and len(interim) == ref.INTERIM_MOTHERS["Total"]


def test_interim_needs_match_published(data, interim):
    triage = data["Triage coding"]
    triage = triage[triage["case_id"].isin(interim.index)].drop_duplicates(
        ["case_id", "source", "need"]
    )
    for source, table_id in NEED_TABLES.items():
        labels = codebook.value_set(generator.NEED_SETS[source]).labels
        published = ref.INTERIM_TABLES[table_id]
        assert set(published) == set(labels), f"{source} needs"
        rows = triage[triage["source"] == source]
        for where in (EP, SE, "Total"):
            scope = rows if where == "Total" else rows[rows["prison"] == where]
            got = [int((scope["need"] == label).sum()) for label in labels]
            assert got == [published[label][where] for label in labels], f"{source} needs, {where}"


def test_interim_facts_match_published(data, interim):
    ep = interim[interim["prison"] == EP]
    assert int(ep["baby"].sum()) == SECTION_A_FACTS["mothers_with_child_aged_0_2"][EP]
    expected = SECTION_A_FACTS["local_authorities"]
    assert len(local_authorities(ep)) == expected[EP]
    assert len(local_authorities(interim[interim["prison"] == SE])) == expected[SE]
    assert len(local_authorities(interim)) == expected["Total"]
    mbu = SECTION_A_FACTS["mbu_mothers"]
    assert int(interim["mbu_ever"].sum()) == mbu["Total"]
    assert int(ep["mbu_ever"].sum()) == mbu[EP]
    # The two interim MBU mothers are the two 'kinship including MBU' arrangements.
    assert set(ep.index[ep["mbu_ever"]]) == set(
        ep.index[ep["care_arrangement"].str.contains("MBU")]
    )


# ----------------------------------------------------------------- section C


def test_final_key_facts_match_published(final):
    assert len(final) == ref.FINAL_MOTHERS["Total"]
    for prison, n in SECTION_C_BY_PRISON["mothers"].items():
        assert int((final["prison"] == prison).sum()) == n
    facts = final_facts(final)
    for fact, (n, base, pct) in SECTION_C.items():
        got_n, got_base = facts[fact]
        assert got_n == n, f"{fact}: {got_n} != {n}"
        assert got_base == base, f"{fact} base: {got_base} != {base}"
        if pct is not None:
            assert whole_percent(got_n, got_base) == pct, fact


def test_final_legal_support_by_prison(final):
    supported = final[final["legal_support"]]
    for prison, (n, pct) in SECTION_C_BY_PRISON["legal_support"].items():
        got = int((supported["prison"] == prison).sum())
        assert got == n
        assert whole_percent(got, len(supported)) == pct


# ----------------------------------------------------------------- the cut-off matters


def test_reviews_after_the_cut_would_change_the_facts(data, final):
    late = data["Reviews"][data["Reviews"]["review_date"] > FINAL]
    assert len(late) > 0 and late["review_date"].min().year == 2024
    ignoring_cut = mothers_at(data, FINAL, apply_cut_to_reviews=False)
    right, wrong = final_facts(final), final_facts(ignoring_cut)
    for fact in ("legal_support", "mbu_mothers", "contact_aim", "contact_aim_plan"):
        assert wrong[fact] != right[fact], f"no 2024 review changes {fact}"
    # A 2024 review changes some mother's latest outcome.
    assert (final["latest_outcome"].fillna("-") != ignoring_cut["latest_outcome"].fillna("-")).any()


def test_interim_and_final_differ_through_reviews_between_the_cuts(data, interim):
    at_final_for_interim_mothers = mothers_at(data, FINAL).loc[interim.index]
    assert at_final_for_interim_mothers["mbu_ever"].sum() > interim["mbu_ever"].sum()
    assert at_final_for_interim_mothers["legal_support"].sum() > interim["legal_support"].sum()


def test_not_started_referrals_count_nowhere(data, final):
    base = data["Baseline"]
    not_started = base[base["first_contact_date"].isna()]
    assert sorted(not_started["case_id"]) == ["EP-049", "EP-050", "SE-047"]
    assert not set(not_started["case_id"]) & set(final.index)
    assert set(not_started["case_id"]) <= set(data["Children"]["case_id"])
    assert set(not_started["case_id"]) <= set(data["Triage coding"]["case_id"])
    assert not set(not_started["case_id"]) & set(data["Reviews"]["case_id"])
    # Their local authorities are not among the included mothers' (so counting them would show).
    assert not local_authorities(not_started) & local_authorities(final)


def test_case_ids_follow_first_contact_order(data):
    base = data["Baseline"]
    for prefix, prison in {"EP": EP, "SE": SE}.items():
        interim_n, total_n = ref.INTERIM_MOTHERS[prison], ref.FINAL_MOTHERS[prison]
        started = base[base["case_id"].str.startswith(prefix) & base["first_contact_date"].notna()]
        ordered = started.sort_values(["first_contact_date", "case_id"])["case_id"].tolist()
        assert ordered == [f"{prefix}-{i:03d}" for i in range(1, total_n + 1)]
        early = started[started["first_contact_date"] <= INTERIM]["case_id"]
        assert sorted(early) == [f"{prefix}-{i:03d}" for i in range(1, interim_n + 1)]
        later = started[started["first_contact_date"] > INTERIM]["first_contact_date"]
        assert later.min() >= dt.date(2022, 6, 1) and later.max() >= dt.date(2023, 12, 1)
        assert len({(d.year, d.month) for d in later}) >= 15  # spread over the months


# ----------------------------------------------------------------- consistency


def test_children_rows_match_family_size(data, final):
    kids = data["Children"]
    recorded = kids.groupby("case_id").size().reindex(final.index).fillna(0)
    mismatch = final.index[recorded != final["n_children_under_18"]]
    assert len(mismatch) == 1
    case = mismatch[0]
    assert final.loc[case, "first_contact_date"] > INTERIM
    assert recorded[case] == final.loc[case, "n_children_under_18"] - 1
    assert not kids.duplicated(["case_id", "child_ref"]).any()
    for case_id, refs in kids.groupby("case_id")["child_ref"]:
        assert sorted(refs) == list(range(1, len(refs) + 1)), case_id


def test_children_ages_plausible(data):
    base = data["Baseline"].set_index("case_id")
    kids = data["Children"]
    assert kids["age"].between(0, 17).all()
    gap = base.loc[kids["case_id"], "age"].to_numpy() - kids["age"].to_numpy()
    assert (gap >= 16).all()


def test_care_arrangement_agrees_with_placements(data):
    base = data["Baseline"].set_index("case_id")
    placements = data["Children"].groupby("case_id")["placement"].apply(set)
    for case_id, places in placements.items():
        arrangement = base.loc[case_id, "care_arrangement"]
        known = places - {"Not known"}
        if arrangement == "All children residing with father":
            assert places == {"Father or mother's partner"}, case_id
        elif arrangement == "All children in kinship care or other family arrangement":
            assert known <= {"Kinship or family carer", "Father or mother's partner"}, case_id
        elif "including MBU" in arrangement:
            assert "With mother (MBU)" in places and known <= {
                "With mother (MBU)",
                "Kinship or family carer",
            }
        elif arrangement == "Foster care placement/s":
            assert "Foster care" in places and known <= {"Foster care", "Residential"}, case_id
        elif arrangement == "Mixed childcare arrangement includes adoption":
            assert "Adopted or placement order" in places and len(known) >= 2, case_id
        elif arrangement.startswith("Mixed childcare arrangement includes family"):
            assert "Foster care" in places and "Adopted or placement order" not in places, case_id
            assert places & {"Kinship or family carer", "Father or mother's partner"}, case_id


def test_sentences_and_legal_status(data):
    base = data["Baseline"]
    remand = base["legal_status"] == "Remand"
    assert base.loc[remand, "sentence_length"].isna().all()
    assert base.loc[~remand, "sentence_length"].notna().all()
    assert not ((base["prison"] == SE) & remand).any()
    indeterminate = {str(t).strip() for t in base.loc[base["indeterminate"], "sentence_length"]}
    assert indeterminate <= {"Life", "IPP", "Indeterminate"} and len(indeterminate) >= 2


def test_review_rules(data):
    base = data["Baseline"].set_index("case_id")
    reviews = data["Reviews"]
    assert (
        reviews["review_date"].to_numpy()
        >= base.loc[reviews["case_id"], "first_contact_date"].to_numpy()
    ).all()
    assert not reviews.duplicated(["case_id", "review_date"]).any()
    for case_id, case in reviews.sort_values("review_date").groupby("case_id"):
        closed = case["case_status"] == "Closed"
        if closed.any():
            assert closed.sum() == 1 and closed.iloc[-1], f"{case_id}: a review follows closure"
            last = case.iloc[-1]
            assert last["closure_date"] is not None and last["closure_reason"] is not None
            assert last["closure_date"] <= last["review_date"]
        else:
            assert case["closure_date"].isna().all() and case["closure_reason"].isna().all()
        gaps = pd.Series(case["review_date"].tolist()).diff().dropna().map(lambda d: d.days)
        assert gaps.between(150, 215).all(), case_id
        first_gap = (case["review_date"].iloc[0] - base.loc[case_id, "first_contact_date"]).days
        assert 170 <= first_gap <= 200, case_id
    assert (reviews[reviews["prison"] == SE]["mbu"] != "Yes").all()


# ----------------------------------------------------------------- what the files contain


def test_every_value_is_accepted_by_the_contract(data):
    low, high = dt.date(2015, 1, 1), dt.date(2030, 12, 31)
    for sheet, frame in data.items():
        for column, spec in codebook.case_tracker_sheets()[sheet]["columns"].items():
            values = frame[column].dropna()
            if spec["type"] == "date":
                assert values.between(low, high).all(), (sheet, column)
            if spec["type"] == "integer":
                assert values.map(lambda v: isinstance(v, int)).all(), (sheet, column)
                assert values.between(spec["min"], spec["max"]).all(), (sheet, column)
            if spec.get("required"):
                required = frame if column != "first_contact_date" else frame.iloc[0:0]
                assert required[column].notna().all(), (sheet, column)
    assert not data["Baseline"]["case_id"].duplicated().any()
    for sheet in ("Children", "Triage coding", "Reviews"):
        assert set(data[sheet]["case_id"]) <= set(data["Baseline"]["case_id"])
    assert data["Baseline"]["referral_date"].notna().all()
    started = data["Baseline"][data["Baseline"]["first_contact_date"].notna()]
    assert (started["referral_date"] <= started["first_contact_date"]).all()


def test_files_contain_the_mess_the_contract_accepts(raw, data):
    ep, send = raw[EP], raw[SE]
    assert "Instructions" in ep and "Notes" in send["Baseline"].columns
    headers = [h for book in raw.values() for sheet in book.values() for h in sheet.columns]
    assert {"Case ID", "First contact date", "first-contact-date"} <= set(headers)
    cells = [
        v
        for book in raw.values()
        for name, sheet in book.items()
        if name != "Instructions"
        for v in sheet.to_numpy().ravel().tolist()
    ]
    texts = [v for v in cells if isinstance(v, str)]
    assert {"yes", "Y", "N/K", " Single "} <= set(texts)
    assert any("\u2013" in t for t in texts)
    assert any(re.fullmatch(r"\d{2}/\d{2}/\d{4}", t) for t in texts)
    assert any(re.fullmatch(r"\d{1,2}\.\d{1,2}\.\d{2}", t) for t in texts)
    assert any(re.fullmatch(r"\d{4}-\d{2}-\d{2}", t) for t in texts)
    date_headers = {h for h in headers if codebook.normalise_header(h).endswith("_date")}
    serials = [
        v
        for book in raw.values()
        for sheet in book.values()
        for h in sheet.columns
        if h in date_headers
        for v in sheet[h]
        if isinstance(v, int)
    ]
    assert serials
    sentences = set(data["Baseline"]["sentence_length"].dropna())
    assert "Life" in sentences and "IPP" in sentences
    assert any(re.fullmatch(r"\d+y( \d+m)?", s) for s in sentences)
    assert any("weeks" in s for s in sentences) and any("years" in s for s in sentences)
    variants = 0
    for sheet, frame in raw[EP].items():
        if sheet == "Instructions":
            continue
        for column in frame.columns:
            name = codebook.normalise_header(column)
            set_name = _value_set_of(sheet, name) if name in SHEET_COLUMNS[sheet] else None
            if set_name:
                labels = set(codebook.value_set(set_name).labels)
                variants += sum(isinstance(v, str) and v not in labels for v in frame[column])
    assert variants >= 20
    assert any(frame.isna().all(axis=1).any() for book in raw.values() for frame in book.values())
    triage = data["Triage coding"]
    assert triage.duplicated(["case_id", "source", "need"]).sum() == 1


def test_local_authority_cells_vary_but_name_the_same_places(data):
    cells = data["Baseline"]["local_authority"].dropna().astype(str)
    assert any(";" in c for c in cells)
    assert any(c != c.strip() or " ;" in c for c in cells)
    parts = [p.strip() for c in cells for p in c.split(";")]
    folded = {p.casefold() for p in parts}
    assert len(set(parts)) > len(folded)  # the same authority written in different case


def test_work_summaries_are_marked_and_carry_no_identifiers(data):
    summaries = data["Reviews"]["work_summary"]
    assert summaries.notna().all()
    assert summaries.str.contains(generator.MARKER, regex=False).all()
    assert not summaries.str.contains(r"\d").any()


# ----------------------------------------------------------------- determinism and scale


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_generator_is_deterministic_and_matches_committed_files(tmp_path):
    first = generator.write_case_tracker(tmp_path / "a")
    second = generator.write_case_tracker(tmp_path / "b")
    assert [p.name for p in first] == list(WORKBOOKS.values())
    for a, b in zip(first, second, strict=True):
        assert _digest(a) == _digest(b)
        assert _digest(a) == _digest(RAW_DIR / a.name), f"{a.name} differs from the committed file"
    props = openpyxl.load_workbook(first[0], read_only=True).properties
    assert props.creator == generator.CREATOR and props.modified.year == 2024


def test_another_seed_gives_the_same_published_figures():
    data = parse_tracker(generator.build_case_tracker(seed=7))
    facts = final_facts(mothers_at(data, FINAL))
    assert {k: v[0] for k, v in facts.items()} == {k: v[0] for k, v in SECTION_C.items()}
    interim = mothers_at(data, INTERIM)
    for table, rows in SECTION_A.items():
        column = {
            "known_to_social_services": "known_to_social_services_as_child",
            "family_court": "family_court_status",
        }.get(table, table)
        for label, expected in rows.items():
            assert count_table(interim, column, label)[2] == expected[2], (table, label)


def test_scale_two_doubles_every_count(tmp_path):
    paths = generator.write_case_tracker(tmp_path, scale=2)
    data = parse_tracker({p: read_workbook(path) for p, path in zip(WORKBOOKS, paths, strict=True)})
    assert not data["Baseline"]["case_id"].duplicated().any()
    assert {"EP-001", "EP-001-0002", "SE-046-0002"} <= set(data["Baseline"]["case_id"])
    final = mothers_at(data, FINAL)
    facts = final_facts(final)
    for fact, (n, base, _) in SECTION_C.items():
        if fact == "local_authorities":
            assert facts[fact][0] == n  # the same authorities in every copy
            continue
        assert facts[fact] == (2 * n, None if base is None else 2 * base), fact
    interim = mothers_at(data, INTERIM)
    for table, rows in SECTION_A.items():
        column = {
            "known_to_social_services": "known_to_social_services_as_child",
            "family_court": "family_court_status",
        }.get(table, table)
        for label, expected in rows.items():
            got = count_table(interim, column, label)
            assert [g for g, e in zip(got, expected, strict=True) if e is not None] == [
                2 * e for e in expected if e is not None
            ], (table, label)
