"""Context stage of the case tracker: the counts the report's prose needs at the cut-off."""

from __future__ import annotations

import pandas as pd

from evaluation.core.findings import write_json
from evaluation.core.stage import as_date
from evaluation.core.tidy import read_csv
from evaluation.strands.case_tracker.derive import quarter_periods


def write_case_tracker_counts(
    mothers: str,
    children: str,
    ledger: str,
    output: str,
    *,
    prisons: list[str],
    cutoff: str,
    project_start: str,
) -> None:
    """Counts the report's prose needs about the case tracker at the cut-off.

    ``quarters`` gives each quarter label its months ("Q3" -> "Oct-Dec 2021"),
    so that tables and prose show readers dates, not only quarter numbers.
    """
    mothers_frame = pd.read_parquet(mothers, columns=["prison", "case_id"])
    children_frame = pd.read_parquet(children, columns=["prison"])
    ledger_frame = read_csv(ledger)
    excluded = ledger_frame.loc[
        (ledger_frame["outcome"] == "excluded") & (ledger_frame["sheet"] == "Baseline")
    ]
    by_reason = excluded.groupby("reason")["rows"].sum().to_dict()
    per_prison = mothers_frame.groupby("prison").size()
    kids = children_frame.groupby("prison").size()
    write_json(
        {
            "cutoff": cutoff,
            "prisons": prisons,
            "n_prisons": len(prisons),
            "mothers": {
                "Total": int(len(mothers_frame)),
                **{p: int(per_prison.get(p, 0)) for p in prisons},
            },
            "children": {
                "Total": int(len(children_frame)),
                **{p: int(kids.get(p, 0)) for p in prisons},
            },
            "excluded_mothers": {str(k): int(v) for k, v in sorted(by_reason.items())},
            "quarters": quarter_periods(as_date(project_start), as_date(cutoff)),
        },
        output,
    )
