"""Tables stage of the survey strand: tidy tables and the survey key fact.

Count tables have the tidy columns ``item, row, column, n, denominator, pct``
(column = wave label); statistics tables have their own documented columns
(see the ``tables:`` entries of the survey codebooks). Denominators are the
valid answers of an item in a wave: user-missing codes and blanks never count.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evaluation.core.tidy import (
    STACKED_COLUMNS,
    TIDY_COLUMNS,
    TOTAL,
    add_percentages,
    round_half_away,
)
from evaluation.strands.surveys import spec
from evaluation.strands.surveys.cutoff import VALID
from evaluation.strands.surveys.stats import (
    stuart_maxwell,
    wilcoxon_paired,
    wilson_interval,
)
from evaluation.strands.surveys.wai import SCORE_COLUMNS

RATING_COLUMNS = ["item", "column", "n", "mean", "sd", "median"]
SCORE_TABLE_COLUMNS = ["row", "column", "n", "mean", "sd", "median"]
CI_COLUMNS = [*STACKED_COLUMNS, "ci_low", "ci_high"]
PAIRED_COLUMNS = [
    "item",
    "comparison",
    "pairs",
    "n_lower",
    "n_same",
    "n_higher",
    "median_change",
    "statistic",
    "p_value",
    "method",
    "mh_statistic",
    "mh_df",
    "mh_p_value",
    "mh_method",
]
KEY_FACT_COLUMNS = ["fact", "column", "n", "denominator", "pct"]
STATEMENT_COLUMNS = ["item", "column", "statement"]
WAI_TOTAL = spec.WAI_TOTAL


def _asked_waves(item: str, waves: list[str]) -> list[str]:
    first = int(spec.variables()[item].get("from_wave", 1))
    return [w for i, w in enumerate(waves, start=1) if i >= first]


class ValidAnswers:
    """The valid answers of each item and wave, split once (instead of one scan per lookup)."""

    def __init__(self, answers: pd.DataFrame):
        self._answers = answers[["case_id", "code", "label", "collapsed"]]  # what tables read
        valid_rows = np.flatnonzero((answers["status"] == VALID).to_numpy(bool, na_value=False))
        keys = answers[["item", "wave"]].iloc[valid_rows]
        self._rows = {
            key: valid_rows[positions]
            for key, positions in keys.groupby(["item", "wave"], sort=False).indices.items()
        }

    def get(self, item: str, wave: str) -> pd.DataFrame:
        """Case id, code, label and collapsed category of the valid answers to ``item`` in ``wave``.

        Rows in the answers' order, their index kept.
        """
        return self._answers.iloc[self._rows.get((item, wave), [])]


def _valid(
    answers: pd.DataFrame, item: str, wave: str, valid: ValidAnswers | None = None
) -> pd.DataFrame:
    return (valid or ValidAnswers(answers)).get(item, wave)


def item_table(
    answers: pd.DataFrame,
    entries: list[tuple[str, str]],
    waves: list[str],
    valid: ValidAnswers | None = None,
) -> pd.DataFrame:
    """Stacked item x category x wave counts; each item's denominator is its valid answers in the wave."""
    valid = valid or ValidAnswers(answers)
    records = []
    for item, rows in entries:
        value_column = "collapsed" if rows == "collapsed" else "label"
        row_labels = spec.row_labels(item, rows)
        valid_in = {wave: valid.get(item, wave) for wave in _asked_waves(item, waves)}
        for row in row_labels:
            for wave in _asked_waves(item, waves):
                part = valid_in[wave]
                n = int((part[value_column] == row).sum())
                records.append(
                    {"item": item, "row": row, "column": wave, "n": n, "denominator": len(part)}
                )
    return add_percentages(pd.DataFrame(records, columns=STACKED_COLUMNS[:-1]))[STACKED_COLUMNS]


def _summary(values: pd.Series) -> dict:
    values = values.astype("float64")
    n = int(values.size)
    return {
        "n": n,
        "mean": round_half_away(float(values.mean()), 2) if n else None,
        "sd": round_half_away(float(values.std(ddof=1)), 2) if n > 1 else None,
        "median": float(values.median()) if n else None,
    }


def ratings_table(
    answers: pd.DataFrame, items: list[str], waves: list[str], valid: ValidAnswers | None = None
) -> pd.DataFrame:
    """n, mean, sample SD and median of each rating per wave (valid answers only)."""
    valid = valid or ValidAnswers(answers)
    records = []
    for item in items:
        for wave in _asked_waves(item, waves):
            codes = valid.get(item, wave)["code"]
            records.append({"item": item, "column": wave, **_summary(codes)})
    return pd.DataFrame(records, columns=RATING_COLUMNS)


def wai_scores_table(responses: pd.DataFrame, waves: list[str]) -> pd.DataFrame:
    """Per wave and score (Total, Goal, Task, Bond): scores computed, mean, SD, median."""
    records = []
    for key, label in spec.keyed_labels("wai_score_name").items():
        for wave in waves:
            scores = responses.loc[responses["wave"] == wave, SCORE_COLUMNS[key]].dropna()
            records.append({"row": label, "column": wave, **_summary(scores)})
    return pd.DataFrame(records, columns=SCORE_TABLE_COLUMNS)


def wai_completion_counts(responses: pd.DataFrame, wave: str) -> dict[str, int]:
    """Keys of the completion rows -> counts for one wave."""
    part = responses.loc[responses["wave"] == wave]
    answered = part["wai_status"] == "answered"
    return {
        "returned": len(part),
        "not_met": int((part["wai_status"] == "not_met").sum()),
        "none_answered": int((part["wai_status"] == "none_answered").sum()),
        "answered": int(answered.sum()),
        "computed": int((answered & part["wai_total_computed"]).sum()),
        "not_computed": int((answered & ~part["wai_total_computed"]).sum()),
    }


def wai_completion_table(responses: pd.DataFrame, waves: list[str]) -> pd.DataFrame:
    """Per wave: returned, had not met, none answered, answered; of those answering: computed or not."""
    entries = spec.value_set_entries("wai_completion_status")
    records = []
    for entry in entries:
        for wave in waves:
            counts = wai_completion_counts(responses, wave)
            records.append(
                {
                    "row": entry["label"],
                    "column": wave,
                    "n": counts[entry["key"]],
                    "denominator": counts[entry["base"]],
                }
            )
    return add_percentages(pd.DataFrame(records, columns=TIDY_COLUMNS[:-1]))[TIDY_COLUMNS]


def missing_table(answers: pd.DataFrame, responses: pd.DataFrame, waves: list[str]) -> pd.DataFrame:
    """Answers that are not valid, by reason (user-missing code or blank), item and wave."""
    reasons = spec.labels("mothers_missing_reason")
    blank = spec.blank_reason()
    records = []
    # answers per (item, wave, status) and questionnaires per wave, counted once
    counts = answers.groupby(["item", "wave", "status"], observed=True).size()
    returned = responses["wave"].value_counts()
    for item in spec.scale_items():
        scale = spec.item_scale(item)
        applicable = [r for r in reasons if r in scale.missing.values() or r == blank]
        for reason in applicable:
            for wave in _asked_waves(item, waves):
                records.append(
                    {
                        "item": item,
                        "row": reason,
                        "column": wave,
                        "n": int(counts.get((item, wave, reason), 0)),
                        "denominator": int(returned.get(wave, 0)),
                    }
                )
    return add_percentages(pd.DataFrame(records, columns=STACKED_COLUMNS[:-1]))[STACKED_COLUMNS]


def percent_limit(value: float | None) -> float | None:
    """A Wilson limit (a proportion) as a percent with one decimal."""
    return None if value is None else round_half_away(100.0 * value, 1)


def with_confidence_intervals(table: pd.DataFrame) -> pd.DataFrame:
    """A stacked count table with Wilson 95% limits (percent) for each cell."""
    out = table.copy()
    limits = [
        wilson_interval(int(n), int(d)) if pd.notna(d) else None
        for n, d in zip(out["n"], out["denominator"], strict=True)
    ]
    out["ci_low"] = [percent_limit(lim[0]) if lim else None for lim in limits]
    out["ci_high"] = [percent_limit(lim[1]) if lim else None for lim in limits]
    return out[CI_COLUMNS]


def _paired_values(
    answers: pd.DataFrame,
    responses: pd.DataFrame,
    item: str,
    wave: str,
    valid_answers: ValidAnswers | None = None,
) -> pd.DataFrame:
    if item == WAI_TOTAL:
        part = responses.loc[responses["wave"] == wave, ["case_id", SCORE_COLUMNS["total"]]]
        part = part.rename(columns={SCORE_COLUMNS["total"]: "value"}).dropna()
        part["collapsed"] = None
        return part
    valid = _valid(answers, item, wave, valid_answers)
    return pd.DataFrame(
        {
            "case_id": valid["case_id"],
            "value": valid["code"].astype("float64"),
            "collapsed": valid["collapsed"],
        }
    )


def _rounded(value, digits=4):
    return None if value is None else round_half_away(value, digits)


def paired_change_table(
    answers: pd.DataFrame,
    responses: pd.DataFrame,
    waves: list[str],
    valid: ValidAnswers | None = None,
) -> pd.DataFrame:
    """First wave against each later wave, per item: pairs, direction counts, Wilcoxon, Stuart-Maxwell."""
    valid = valid or ValidAnswers(answers)
    records, texts = [], set()
    first = waves[0]
    for later in waves[1:]:
        for item in spec.paired_items():
            a = _paired_values(answers, responses, item, first, valid)
            b = _paired_values(answers, responses, item, later, valid)
            keys_a = a.assign(key=a["case_id"].str.casefold())
            keys_b = b.assign(key=b["case_id"].str.casefold())
            pairs = keys_a.merge(keys_b, on="key", suffixes=("_first", "_later")).sort_values("key")
            diff = pairs["value_later"] - pairs["value_first"]
            record = {
                "item": item,
                "comparison": f"{first}-{later}",
                "pairs": len(pairs),
                "n_lower": int((diff < 0).sum()),
                "n_same": int((diff == 0).sum()),
                "n_higher": int((diff > 0).sum()),
                "median_change": float(diff.median()) if len(pairs) else None,
            }
            if len(pairs):
                test = wilcoxon_paired(pairs["value_first"], pairs["value_later"])
                record.update(
                    statistic=_rounded(test.statistic),
                    p_value=_rounded(test.p_value),
                    method=test.method,
                )
                texts.add(test.method_text)
            else:
                record.update(statistic=None, p_value=None, method=spec.method_short("no_pairs"))
                texts.add(spec.method_text("no_pairs"))
            collapsed = None if item == WAI_TOTAL else spec.item_scale(item).collapsed
            if collapsed and len(pairs):
                categories = spec.labels(collapsed)
                table = pd.crosstab(
                    pd.Categorical(pairs["collapsed_first"], categories=categories),
                    pd.Categorical(pairs["collapsed_later"], categories=categories),
                    dropna=False,
                ).reindex(index=categories, columns=categories, fill_value=0)
                mh = stuart_maxwell(table.to_numpy())
                record.update(
                    mh_statistic=_rounded(mh.statistic),
                    mh_df=mh.df,
                    mh_p_value=_rounded(mh.p_value),
                    mh_method=mh.method,
                )
                texts.add(mh.method_text)
            records.append(record)
    frame = pd.DataFrame(records, columns=PAIRED_COLUMNS)
    frame.attrs["method_texts"] = sorted(texts)
    return frame


def supported_inside_fact(
    answers: pd.DataFrame, waves: list[str], valid: ValidAnswers | None = None
) -> pd.DataFrame:
    """Key fact: valid answers in the last configured wave in the fact's categories (column Total)."""
    valid = valid or ValidAnswers(answers)
    rows = []
    for fact, definition in spec.mothers_codebook()["key_facts"].items():
        part = valid.get(definition["item"], waves[-1])
        n = int(part["collapsed"].isin(definition["categories"]).sum())
        rows.append({"fact": fact, "column": TOTAL, "n": n, "denominator": len(part)})
    return add_percentages(pd.DataFrame(rows, columns=KEY_FACT_COLUMNS[:-1]))[KEY_FACT_COLUMNS]


def build_mothers_tables(
    responses: pd.DataFrame,
    answers: pd.DataFrame,
    waves: list[str],
    valid: ValidAnswers | None = None,
) -> dict[str, pd.DataFrame]:
    """Every mothers' survey table, keyed by table id (the WAI-SR's only when it is declared)."""
    valid = valid or ValidAnswers(answers)
    tables = {
        table_id: item_table(answers, entries, waves, valid)
        for table_id, entries in spec.item_tables().items()
    }
    ci_parts = [with_confidence_intervals(tables[t]) for t in spec.item_tables()]
    tables["mothers_item_ci"] = pd.concat(ci_parts, ignore_index=True)
    tables["mothers_ratings"] = ratings_table(
        answers, spec.mothers_codebook()["ratings"], waves, valid
    )
    tables["mothers_missing"] = missing_table(answers, responses, waves)
    wai_tables = spec.wai_tables()
    if wai_tables:
        tables[wai_tables["scores"]] = wai_scores_table(responses, waves)
        tables[wai_tables["completion"]] = wai_completion_table(responses, waves)
    tables["mothers_paired_change"] = paired_change_table(answers, responses, waves, valid)
    return {table_id: tables[table_id] for table_id in spec.mothers_table_ids()}


# --------------------------------------------------------------------------- practitioners


def _category_counts(
    answers: pd.DataFrame, item: str, value_set: str, waves: list[str]
) -> pd.DataFrame:
    records = []
    for row in spec.labels(value_set):
        for wave in waves:
            part = answers.loc[
                (answers["item"] == item) & (answers["wave"] == wave), "answer"
            ].dropna()
            records.append(
                {
                    "row": row,
                    "column": wave,
                    "n": int((part == row).sum()),
                    "denominator": len(part),
                }
            )
    return add_percentages(pd.DataFrame(records, columns=TIDY_COLUMNS[:-1]))[TIDY_COLUMNS]


def practitioner_items(answers: pd.DataFrame) -> list[str]:
    """Agreement items present in the data, in numeric order."""
    pattern = spec.practitioner_codebook()["agreement_items"]["pattern"]
    items = answers.loc[answers["item"].str.match(pattern), "item"].unique()
    return sorted(
        items, key=lambda i: (int(i.split("_")[-1]) if i.split("_")[-1].isdigit() else 0, i)
    )


def agreement_table(answers: pd.DataFrame, waves: list[str]) -> pd.DataFrame:
    """Collapsed agreement per statement and wave; 'Not applicable' shown without denominator or pct."""
    definition = spec.practitioner_codebook()["agreement_items"]
    collapse = {
        e["label"]: e["collapsed"] for e in spec.value_set_entries(definition["categories"])
    }
    rows = spec.value_set_entries(definition["collapsed"])
    records = []
    for item in practitioner_items(answers):
        for entry in rows:
            for wave in waves:
                part = answers.loc[
                    (answers["item"] == item) & (answers["wave"] == wave), "answer"
                ].dropna()
                if part.empty and not (answers["wave"] == wave).any():
                    continue
                collapsed = part.map(collapse)
                in_base = [e["label"] for e in rows if e.get("in_denominator", True)]
                n = int((collapsed == entry["label"]).sum())
                base = (
                    int(collapsed.isin(in_base).sum())
                    if entry.get("in_denominator", True)
                    else None
                )
                records.append(
                    {
                        "item": item,
                        "row": entry["label"],
                        "column": wave,
                        "n": n,
                        "denominator": base,
                    }
                )
    frame = pd.DataFrame(records, columns=STACKED_COLUMNS[:-1])
    frame["denominator"] = frame["denominator"].astype("Int64")
    return add_percentages(frame)[STACKED_COLUMNS]


def statements_table(answers: pd.DataFrame, waves: list[str]) -> pd.DataFrame:
    """Question text of each agreement item, per wave."""
    items = practitioner_items(answers)
    part = answers.loc[answers["item"].isin(items), ["item", "wave", "statement"]].drop_duplicates(
        ["item", "wave"]
    )
    order = {w: i for i, w in enumerate(waves)}
    part = part.assign(
        _w=part["wave"].map(order), _i=part["item"].map({it: i for i, it in enumerate(items)})
    )
    part = part.sort_values(["_i", "_w"]).rename(columns={"wave": "column"})
    return part[STATEMENT_COLUMNS].reset_index(drop=True)


def build_practitioner_tables(answers: pd.DataFrame, waves: list[str]) -> dict[str, pd.DataFrame]:
    """Every practitioner table, keyed by table id."""
    columns = spec.practitioner_codebook()["columns"]
    tables = {
        table_id: _category_counts(answers, item, columns[item]["categories"], waves)
        for table_id, item in spec.practitioner_codebook()["category_tables"].items()
    }
    tables["practitioner_agreement"] = agreement_table(answers, waves)
    tables["practitioner_statements"] = statements_table(answers, waves)
    return {table_id: tables[table_id] for table_id in spec.practitioner_table_ids()}
