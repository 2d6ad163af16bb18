"""Rule entry points of the case-tracker strand (read -> cut-off -> tables -> figures).

Each function takes the rule's ``input``, ``output`` and ``params`` and calls
the pure functions of the package.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from evaluation.core.findings import Ledger
from evaluation.core.stage import as_date
from evaluation.core.tidy import read_csv, write_csv


def read_case_tracker(input, output, params) -> None:
    """rule read_case_tracker: validate one workbook into Parquet frames + findings + ledger."""
    from evaluation.strands.case_tracker import read as reader

    read = reader.read_case_tracker(
        input.workbook, params.workbook, params.valid_date_range, grouping=params.grouping
    )
    reader.write_tracker_read(read, Path(output.ledger).parent)


def case_tracker_at_cutoff(input, output, params) -> None:
    """rule case_tracker_at_cutoff: combine the workbooks, apply the cut-off, derive variables."""
    from evaluation.strands.case_tracker.cutoff import tracker_at_cutoff
    from evaluation.strands.case_tracker.read import load_tracker_read

    workbook_dirs = params.workbook_dirs
    reads = {name: load_tracker_read(folder) for name, folder in workbook_dirs.items()}
    at_cut = tracker_at_cutoff(
        reads,
        as_date(params.cutoff),
        project_start=dt.date.fromisoformat(params.project_start),
        band_overrides=params.bands,
    )
    for name, frame in at_cut.frames.items():
        frame.to_parquet(getattr(output, name), index=False)
    read_ledgers = [read_csv(Path(folder) / "ledger.csv") for folder in workbook_dirs.values()]
    ledger = pd.concat([*read_ledgers, at_cut.ledger.to_frame()], ignore_index=True)
    write_csv(ledger[Ledger().to_frame().columns], output.ledger)
    findings = [read_csv(Path(folder) / "findings.csv") for folder in workbook_dirs.values()]
    write_csv(pd.concat(findings, ignore_index=True), output.findings)


def case_tracker_tables(input, output, params) -> None:
    """rule case_tracker_tables: every case-tracker table and key fact as tidy CSV."""
    from evaluation.strands.case_tracker.tables import build_key_facts, build_tables

    mothers = pd.read_parquet(input.mothers)
    tables = build_tables(
        mothers,
        pd.read_parquet(input.children),
        pd.read_parquet(input.needs),
        prisons=params.prisons,
        project_start=dt.date.fromisoformat(params.project_start),
        cutoff=as_date(params.cutoff),
        band_overrides=params.bands,
    )
    table_dir = Path(output.tables[0]).parent
    for table_id, frame in tables.items():
        write_csv(frame, table_dir / f"{table_id}.csv")
    write_csv(build_key_facts(mothers, prisons=params.prisons), output.key_facts)


def case_tracker_figure(input, output, params) -> None:
    """rule case_tracker_figure: one case-tracker figure from its table file."""
    from evaluation.strands.case_tracker.figures import draw_table_figure

    draw_table_figure(
        input.table,
        output.png,
        output.svg,
        spec=params.spec,
        synthetic=params.synthetic,
        project_start=params.project_start,
    )


def case_tracker_context(input, output, params) -> None:
    """rule case_tracker_context: counts the report's prose needs."""
    from evaluation.strands.case_tracker.context import write_case_tracker_counts

    write_case_tracker_counts(
        input.mothers,
        input.children,
        input.ledger,
        output[0],
        prisons=params.prisons,
        cutoff=params.cutoff,
        project_start=params.project_start,
    )
