"""Rule entry points of the activity-diary strand (read -> cut-off -> tables -> figures).

Each function takes the rule's ``input``, ``output`` and ``params``, calls the
stages and writes the outputs.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from evaluation.core.stage import as_date


def activity_read(input, output, params) -> None:
    """rule activity_read: the activity diary, validated (stops on errors)."""
    from evaluation.strands.activity.read import read_activity, write_activity_read

    case_ids = (
        set(pd.read_parquet(input.all_case_ids)["case_id"].astype(str))
        if input.all_case_ids
        else None
    )
    read = read_activity(
        input.log,
        prisons=list(params.prisons),
        case_ids=case_ids,
        valid_range=tuple(params.valid_date_range),
    )
    read.findings.raise_if_errors()
    write_activity_read(
        read, entries=output.entries, findings=output.findings, ledger=output.ledger
    )


def activity_tables(input, output, params) -> None:
    """rule activity_tables: minutes by activity, hours and caseload per month, context, audit."""
    from evaluation.core.findings import write_json, write_step_audit
    from evaluation.core.tidy import write_csv
    from evaluation.strands.activity.context import activity_context
    from evaluation.strands.activity.cutoff import entries_at_cutoff
    from evaluation.strands.activity.read import TABLE_COLUMNS, load_activity_read
    from evaluation.strands.activity.tables import MOTHER_COLUMNS, build_activity_tables

    cutoff = as_date(params.cutoff)
    prisons = list(params.prisons)
    read = load_activity_read(input.entries, columns=TABLE_COLUMNS)
    at_cut = entries_at_cutoff(read, cutoff, file=params.log_file)
    tables = build_activity_tables(
        at_cut["entries"],
        pd.read_parquet(input.mothers, columns=MOTHER_COLUMNS),
        prisons=prisons,
        project_start=dt.date.fromisoformat(str(params.project_start)),
        cutoff=cutoff,
    )
    for table_id, frame in tables.items():
        write_csv(frame, getattr(output, table_id))
    write_json(
        activity_context(at_cut["entries"], tables, prisons=prisons, cutoff=cutoff), output.context
    )
    write_step_audit(
        input.findings, input.ledger, at_cut.findings, at_cut.ledger, output.findings, output.ledger
    )


def activity_figures(input, output, params) -> None:
    """rule activity_figures: drawn from the published tables."""
    from evaluation.strands.activity.figures import draw_activity_figures

    draw_activity_figures(
        Path(input.tables[0]).parent, Path(output.png[0]).parent, synthetic=params.synthetic
    )
