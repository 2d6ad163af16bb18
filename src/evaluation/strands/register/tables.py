"""The register's tables, declared in the study's codebook (``register: tables:``).

Kinds (``kind:``):

``crosstab``
    Records of ``record_set`` by the categories of ``rows`` (one table row
    each, codebook order) and of ``columns``; ``margin`` names a first column
    holding each row's total, ``total_row`` a last row of column totals.
``counts``
    Records of ``record_set`` in each category of ``rows`` (a list column
    counts a record once per value), in one column named ``column``;
    ``total_row`` as above.
``count_list``
    One row per entry of ``rows``, each the number of records of its
    ``record_set`` that satisfy its ``where``, in one column ``column``
    (counts only: ``percentages: false``); ``deduplicated: false`` counts a
    deduplicated record set's records before deduplication (responses, not
    organisations).

Percentages: a crosstab's of each row's records, a ``counts`` table's of the
records counted (a list column's may add up to more than 100).

Every kind takes ``where: {column: [labels]}`` to count only some records,
and ``percentages: false`` to leave ``denominator`` and ``pct`` empty (the
study prints counts only). A category with no records is a row of zeros.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evaluation.core.codebook import value_set
from evaluation.core.tidy import add_percentages
from evaluation.strands.register.spec import RegisterSpec

TIDY_COLUMNS = ["row", "column", "n", "denominator", "pct"]
KINDS = ("crosstab", "counts", "count_list")


def build_register_tables(frames: dict[str, pd.DataFrame], spec: RegisterSpec) -> dict:
    """Table id -> tidy frame, for every table the register declares."""
    tables = {}
    for table_id, table in spec.tables.items():
        kind = table.get("kind")
        if kind not in KINDS:
            raise ValueError(f"register table {table_id!r}: kind {kind!r} is not one of {KINDS}")
        builder = {"crosstab": crosstab, "counts": counts, "count_list": count_list}[kind]
        tables[table_id] = _percentages(builder(frames, spec, table), table)
    return tables


def labels_of(spec: RegisterSpec, record_set: str, column: str) -> tuple[str, ...]:
    """The labels of a category, list or recoded column, in codebook order."""
    if column in spec.recodes:
        return spec.recodes[column].labels
    definition = spec.record_sets[record_set].columns[column]
    return value_set(definition.categories).labels


def selected(frame: pd.DataFrame, where: dict | None) -> pd.DataFrame:
    """The records whose columns hold one of the given labels (a list column: any of them).

    ``{column: null}`` selects the records where the column is blank (an empty list).
    """
    for column, labels in (where or {}).items():
        if labels is None:
            frame = frame.loc[frame[column].map(_blank)]
            continue
        wanted = {str(label) for label in labels}
        keep = frame[column].map(lambda value, wanted=wanted: _holds(value, wanted))
        frame = frame.loc[keep]
    return frame


def _blank(value) -> bool:
    if is_list(value):
        return len(value) == 0
    return value is None or (isinstance(value, float) and np.isnan(value))


def is_list(value) -> bool:
    """A list column's cell: a list as read, an array after a Parquet round trip."""
    return isinstance(value, list | tuple | np.ndarray)


def _holds(value, wanted: set[str]) -> bool:
    if is_list(value):
        return bool(set(map(str, value)) & wanted)
    return str(value) in wanted


def _values(frame: pd.DataFrame, column: str) -> pd.Series:
    """The column's values, a list column's exploded (one per record and value)."""
    values = frame[column]
    if values.map(is_list).any():
        values = values.explode()
    return values.dropna()


def crosstab(frames, spec: RegisterSpec, table: dict) -> pd.DataFrame:
    name = table["record_set"]
    records = selected(frames[name], table.get("where"))
    row_labels = labels_of(spec, name, table["rows"])
    column_labels = labels_of(spec, name, table["columns"])
    counts = pd.crosstab(records[table["rows"]], records[table["columns"]])
    counts = counts.reindex(index=row_labels, columns=column_labels, fill_value=0)
    if table.get("margin"):
        counts.insert(0, table["margin"], counts.sum(axis=1))
    if table.get("total_row"):
        counts.loc[table["total_row"]] = counts.sum(axis=0)
    row_totals = counts.drop(columns=[table["margin"]] if table.get("margin") else []).sum(axis=1)
    tidy = counts.rename_axis(index="row", columns="column").stack().rename("n").reset_index()
    denominator = tidy["row"].map(row_totals).astype("Int64")
    if table.get("margin"):  # a row's total is its base, not a share of it
        denominator = denominator.mask(tidy["column"] == table["margin"])
    return tidy.assign(n=tidy["n"].astype(int), denominator=denominator)


def counts(frames, spec: RegisterSpec, table: dict) -> pd.DataFrame:
    name = table["record_set"]
    records = selected(frames[name], table.get("where"))
    labels = labels_of(spec, name, table["rows"])
    tally = _values(records, table["rows"]).value_counts().reindex(labels, fill_value=0)
    if table.get("total_row"):
        tally.loc[table["total_row"]] = int(tally.sum())
    return pd.DataFrame(
        {
            "row": list(tally.index),
            "column": table["column"],
            "n": tally.astype(int).to_list(),
            "denominator": len(records),
        }
    )


def count_list(frames, spec: RegisterSpec, table: dict) -> pd.DataFrame:
    rows = [
        {
            "row": entry["label"],
            "column": table["column"],
            "n": len(selected(_records(frames, entry), entry.get("where"))),
        }
        for entry in table["rows"]
    ]
    return pd.DataFrame(rows)


def _records(frames: dict[str, pd.DataFrame], entry: dict) -> pd.DataFrame:
    """The entry's record set; with ``deduplicated: false``, its records before deduplication."""
    name = entry["record_set"]
    if entry.get("deduplicated", True) is False:
        return frames.get(name + ":all", frames[name])
    return frames[name]


def _percentages(frame: pd.DataFrame, table: dict) -> pd.DataFrame:
    if table.get("percentages", True):
        if "denominator" not in frame:
            raise ValueError(f"a {table['kind']} table has no base: declare percentages: false")
        return add_percentages(frame)[TIDY_COLUMNS]
    return frame.assign(denominator=pd.NA, pct=pd.NA)[TIDY_COLUMNS]
