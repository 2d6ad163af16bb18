"""Rule entry points of the case-tracker strand (read -> cut-off -> tables)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from evaluation.cutoff import combine_at_cutoff
from evaluation.findings import Ledger
from evaluation.readers.case_tracker import SHEET_FRAMES, read_case_tracker, write_tracker_read
from evaluation.tables import build_key_facts, build_tables
from evaluation.tidy import read_csv, write_csv


def read_workbook(workbook: str, prison: str, out_dir: str, valid_date_range) -> None:
    """rule read_case_tracker: validate one workbook into Parquet frames + findings + ledger."""
    write_tracker_read(read_case_tracker(workbook, prison, valid_date_range), out_dir)


def apply_cutoff(
    prison_dirs: dict[str, str], output, *, cutoff: str, project_start: str, bands: dict | None
) -> None:
    """rule case_tracker_at_cutoff: combine prisons, apply the cut-off, derive variables."""
    frames = {
        prison: {
            name: pd.read_parquet(Path(directory) / f"{name}.parquet")
            for name in SHEET_FRAMES.values()
        }
        for prison, directory in prison_dirs.items()
    }
    at_cut = combine_at_cutoff(
        frames,
        cutoff=dt.date.fromisoformat(cutoff),
        project_start=dt.date.fromisoformat(project_start),
        band_overrides=bands,
    )
    at_cut.mothers.to_parquet(output.mothers, index=False)
    at_cut.children.to_parquet(output.children, index=False)
    at_cut.needs.to_parquet(output.needs, index=False)
    at_cut.reviews.to_parquet(output.reviews, index=False)
    at_cut.all_case_ids.to_parquet(output.all_case_ids, index=False)
    read_ledgers = [read_csv(Path(d) / "ledger.csv") for d in prison_dirs.values()]
    ledger = pd.concat([*read_ledgers, at_cut.ledger.to_frame()], ignore_index=True)
    write_csv(ledger[Ledger().to_frame().columns], output.ledger)
    findings = pd.concat(
        [read_csv(Path(d) / "findings.csv") for d in prison_dirs.values()], ignore_index=True
    )
    write_csv(findings, output.findings)


def write_tables(
    mothers: str,
    children: str,
    needs: str,
    table_dir: str,
    key_facts: str,
    *,
    prisons: list[str],
    cutoff: str,
    project_start: str,
    bands: dict | None,
) -> None:
    """rule case_tracker_tables: every case-tracker table and key fact as tidy CSV."""
    mothers_frame = pd.read_parquet(mothers)
    tables = build_tables(
        mothers_frame,
        pd.read_parquet(children),
        pd.read_parquet(needs),
        prisons=prisons,
        project_start=dt.date.fromisoformat(project_start),
        cutoff=dt.date.fromisoformat(cutoff),
        band_overrides=bands,
    )
    for table_id, frame in tables.items():
        write_csv(frame, Path(table_dir) / f"{table_id}.csv")
    write_csv(build_key_facts(mothers_frame, prisons=prisons), key_facts)
