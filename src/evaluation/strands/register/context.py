"""The register's facts, declared in the study's codebook (``register: facts:``).

Each fact is one number computed over the record sets, for the report's prose
and the key facts::

    pause_practices: {count: pause_practices, where: {status: [Operating]}}
    pause_areas: {distinct: pause_practices.authorities, where: {status: [Operating]}}
    fdac_courts: {sum: fdac_teams.courts}
    smallest_team: {min: service_profiles.team_size}
    multi_area_providers:
      {more_than: 1, of: local_services.authorities, per: provider, where: {...}}

``count`` counts records; ``distinct`` the different values of a column (a
list column's values pooled, blanks left out); ``sum``, ``min`` and ``max``
a whole-number column; ``more_than`` the values of ``per`` whose records
hold more than that many different values of ``of``.
"""

from __future__ import annotations

import pandas as pd

from evaluation.strands.register.spec import RegisterSpec
from evaluation.strands.register.tables import _values, is_list, selected

AGGREGATES = ("sum", "min", "max")


def register_facts(frames: dict[str, pd.DataFrame], spec: RegisterSpec) -> dict[str, int]:
    """Fact name -> its value, for every fact the register declares (in declaration order)."""
    return {name: fact_value(frames, fact, name) for name, fact in spec.facts.items()}


def _column(reference: str, name: str) -> tuple[str, str]:
    record_set, _, column = str(reference).partition(".")
    if not column:
        raise ValueError(
            f"register fact {name!r}: write '<record set>.<column>', not {reference!r}"
        )
    return record_set, column


def fact_value(frames: dict[str, pd.DataFrame], fact: dict, name: str = "?") -> int:
    """One declared fact's value."""
    if "count" in fact:
        return len(selected(frames[fact["count"]], fact.get("where")))
    if "distinct" in fact:
        record_set, column = _column(fact["distinct"], name)
        records = selected(frames[record_set], fact.get("where"))
        return int(_values(records, column).nunique())
    for aggregate in AGGREGATES:
        if aggregate in fact:
            record_set, column = _column(fact[aggregate], name)
            values = selected(frames[record_set], fact.get("where"))[column].dropna()
            if values.empty:
                raise ValueError(f"register fact {name!r}: no values to take the {aggregate} of")
            return int(getattr(values.astype(int), aggregate)())
    if "more_than" in fact:
        record_set, column = _column(fact["of"], name)
        records = selected(frames[record_set], fact.get("where"))
        of = records[column].map(lambda value: list(value) if is_list(value) else value)
        pairs = pd.DataFrame({"per": records[fact["per"]], "of": of}).explode("of")
        spread = pairs.dropna().groupby("per")["of"].nunique()
        return int((spread > int(fact["more_than"])).sum())
    raise ValueError(
        f"register fact {name!r}: declare one of count, distinct, {', '.join(AGGREGATES)}, more_than"
    )
