"""Case-tracker tables and key facts, as the codebook's ``tables:`` and ``key_facts:`` define them.

Every table is tidy (``row, column, n, denominator, pct``): one column per
prison in config order plus ``Total``; rows in codebook order with zeros
kept; blanks shown as the codebook's missing label. Key facts are single
figures with a ``Total`` row and a row per prison.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from evaluation.core import codebook
from evaluation.core.tidy import TIDY_COLUMNS, TOTAL, add_percentages
from evaluation.strands.case_tracker.derive import isin, quarter_labels

KEY_FACT_COLUMNS = ["fact", "column", "n", "denominator", "pct"]


def table_specs() -> dict[str, dict]:
    """Case-tracker table definitions from the codebook, in codebook order."""
    return codebook.derived()["tables"]


def fact_specs() -> dict[str, dict]:
    return codebook.derived()["key_facts"]


def _baseline_value_set(variable: str) -> str | None:
    for sheet in codebook.case_tracker_sheets().values():
        spec = sheet["columns"].get(variable)
        if spec and "categories" in spec:
            return spec["categories"]
    return None


def row_labels(
    table_id: str,
    spec: dict,
    *,
    prisons: list[str],
    project_start: dt.date,
    cutoff: dt.date,
    band_overrides: dict | None = None,
) -> list[str]:
    """The rows a table shows, in codebook order (before any missing-value row)."""
    variable = spec.get("variable")
    if "value_set" in spec:
        labels = list(codebook.value_set(spec["value_set"]).labels)
    elif variable in codebook.derived()["bands"]:
        labels = list(codebook.banding(variable, band_overrides).labels)
    elif variable == "start_quarter":
        labels = quarter_labels(project_start, cutoff)
    elif variable == "prison":
        labels = list(prisons)
    elif (set_name := _baseline_value_set(variable)) is not None:
        labels = list(codebook.value_set(set_name).labels)
    else:
        raise KeyError(
            f"table {table_id!r}: no category list for variable {variable!r} in the codebook"
        )
    return [label for label in labels if label not in spec.get("rows_exclude", [])]


def _apply_base(frame: pd.DataFrame, base: str | None) -> pd.DataFrame:
    if not base:
        return frame
    mask = frame.eval(base, engine="python")
    return frame.loc[
        pd.Series(mask, index=frame.index).astype("boolean").fillna(False).astype(bool)
    ]


def _count_table(
    units: pd.DataFrame,
    variable: str,
    rows: list[str],
    prisons: list[str],
    denominators: dict[str, int],
    *,
    by_mother: bool = False,
) -> pd.DataFrame:
    """n per (row, column) with every row x column present; Total = all prisons."""
    missing = codebook.missing_label()
    values = units[variable].astype("string").fillna(missing)
    if values.eq(missing).any() and missing not in rows:
        rows = [*rows, missing]
    unknown = sorted(set(values.unique()) - set(rows))
    if unknown:
        raise ValueError(
            f"values {unknown} of {variable!r} are not rows of the table; check the codebook"
        )
    keyed = pd.DataFrame(
        {"row": values, "column": units["prison"], "case_id": units.get("case_id")}
    )
    if by_mother:
        keyed = keyed.drop_duplicates(["row", "column", "case_id"])
    counts = keyed.groupby(["row", "column"]).size()
    totals = keyed.groupby("row").size()
    records = []
    for row in rows:
        for column in [*prisons, TOTAL]:
            n = int(totals.get(row, 0)) if column == TOTAL else int(counts.get((row, column), 0))
            records.append(
                {"row": row, "column": column, "n": n, "denominator": denominators[column]}
            )
    return add_percentages(pd.DataFrame(records, columns=TIDY_COLUMNS[:-1]))[TIDY_COLUMNS]


def _denominators(units: pd.DataFrame, prisons: list[str]) -> dict[str, int]:
    counts = units.groupby("prison").size()
    result = {p: int(counts.get(p, 0)) for p in prisons}
    result[TOTAL] = int(len(units))
    return result


def build_table(
    table_id: str,
    mothers: pd.DataFrame,
    children: pd.DataFrame,
    needs: pd.DataFrame,
    *,
    prisons: list[str],
    project_start: dt.date,
    cutoff: dt.date,
    band_overrides: dict | None = None,
) -> pd.DataFrame:
    """One case-tracker table by id."""
    spec = table_specs()[table_id]
    rows = row_labels(
        table_id,
        spec,
        prisons=prisons,
        project_start=project_start,
        cutoff=cutoff,
        band_overrides=band_overrides,
    )
    unit = spec["unit"]
    if unit == "need":
        chosen = needs.loc[needs["source"] == spec["need_source"]]
        chosen = chosen.loc[isin(chosen["case_id"], mothers["case_id"])]
        return _count_table(
            chosen, "need", rows, prisons, _denominators(mothers, prisons), by_mother=True
        )
    units = children if unit == "child" else _apply_base(mothers, spec.get("base"))
    if spec.get("layout") == "share_of_total":
        total = len(units)
        counts = units.groupby("prison").size()
        frame = pd.DataFrame(
            {
                "row": rows,
                "column": TOTAL,
                "n": [int(counts.get(p, 0)) for p in rows],
                "denominator": total,
            }
        )
        return add_percentages(frame)[TIDY_COLUMNS]
    return _count_table(units, spec["variable"], rows, prisons, _denominators(units, prisons))


def build_tables(
    mothers: pd.DataFrame,
    children: pd.DataFrame,
    needs: pd.DataFrame,
    *,
    prisons: list[str],
    project_start: dt.date,
    cutoff: dt.date,
    band_overrides: dict | None = None,
) -> dict[str, pd.DataFrame]:
    """Every case-tracker table of the codebook, keyed by table id."""
    return {
        table_id: build_table(
            table_id,
            mothers,
            children,
            needs,
            prisons=prisons,
            project_start=project_start,
            cutoff=cutoff,
            band_overrides=band_overrides,
        )
        for table_id in table_specs()
    }


def _mask(frame: pd.DataFrame, expression: str | None) -> pd.Series:
    if not expression:
        return pd.Series(True, index=frame.index)
    result = frame.eval(expression, engine="python")
    return pd.Series(result, index=frame.index).astype("boolean").fillna(False).astype(bool)


def local_authority_names(values: pd.Series) -> set[str]:
    """Distinct authority names, compared trimmed and ignoring case."""
    names = set()
    for cell in values.dropna().unique():
        names.update(codebook.normalise_text(part) for part in str(cell).split(";") if part.strip())
    return names


def build_key_facts(mothers: pd.DataFrame, *, prisons: list[str]) -> pd.DataFrame:
    """Every case-tracker key fact: a Total row and one per prison."""
    records = []
    groups = {TOTAL: mothers} | {p: mothers.loc[mothers["prison"] == p] for p in prisons}
    for fact, spec in fact_specs().items():
        for column in [TOTAL, *prisons]:
            group = groups[column]
            if spec.get("kind") == "distinct_count":
                n = len(local_authority_names(group[spec["variable"]]))
                records.append({"fact": fact, "column": column, "n": n, "denominator": None})
                continue
            base = group.loc[_mask(group, spec["base"])] if spec.get("base") else group
            n = int(_mask(base, spec["numerator"]).sum())
            records.append({"fact": fact, "column": column, "n": n, "denominator": len(base)})
    return add_percentages(pd.DataFrame(records, columns=KEY_FACT_COLUMNS[:-1]))[KEY_FACT_COLUMNS]


def figure_specs() -> dict[str, dict]:
    """Case-tracker figure definitions (table, kind, title, alt text) from the codebook."""
    return codebook.derived()["figures"]
