"""Rule entry points of the survey strand: read each wave -> the cut-off -> tables -> context.

Each function takes the rule's ``input``, ``output`` and ``params`` (see
``rules/surveys.smk``), calls the stages (``read``, ``cutoff``, ``tables``,
``context``) and writes the outputs. Figures are drawn by :mod:`evaluation.strands.surveys.figures`,
imported only inside :func:`survey_figure` (the only step that needs matplotlib).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from evaluation.core.findings import FindingLog, Ledger, write_json
from evaluation.core.stage import as_date
from evaluation.core.tidy import read_csv, write_csv
from evaluation.strands.surveys import spec
from evaluation.strands.surveys.context import (
    build_survey_context,
    mothers_context,
    practitioner_context,
)
from evaluation.strands.surveys.cutoff import mothers_at_cutoff, practitioners_at_cutoff
from evaluation.strands.surveys.read import read_mothers_wave, read_practitioner_wave
from evaluation.strands.surveys.tables import (
    ValidAnswers,
    build_mothers_tables,
    build_practitioner_tables,
    supported_inside_fact,
)

LEDGER_COLUMNS = list(Ledger().to_frame().columns)
FINDING_COLUMNS = list(FindingLog("").to_frame().columns)
#: The answers' columns the mothers' tables read (not the file, row and date: memory).
TABLE_ANSWER_COLUMNS = ["wave", "case_id", "item", "code", "status", "label", "collapsed"]


def _write_audit(
    findings: FindingLog, ledger: Ledger, findings_path: str, ledger_path: str
) -> None:
    write_csv(findings.to_frame(), findings_path)
    write_csv(ledger.to_frame(), ledger_path)


def _write_parquet(frame: pd.DataFrame, path: str) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(path, index=False)


def survey_read_mothers(input, output, params) -> None:
    """rule survey_read_mothers: validate one wave file into long Parquet + findings + ledger."""
    read = read_mothers_wave(input.raw, params.wave, params.position, params.valid_date_range)
    _write_parquet(read["answers"], output.answers)
    _write_audit(read.findings, read.ledger, output.findings, output.ledger)


def survey_mothers_at_cutoff(input, output, params) -> None:
    """rule survey_mothers_at_cutoff: every wave at the cut-off, ids checked, WAI-SR scored (if declared)."""
    known = pd.read_parquet(input.case_ids)
    waves = {wave: pd.read_parquet(path) for wave, path in params.wave_answers.items()}
    at_cut = mothers_at_cutoff(
        waves,
        as_date(params.cutoff),
        known,
        wai_rule=params.wai_rule,
        wai_max_missing=params.wai_max_missing,
    )
    _write_parquet(at_cut["responses"], output.responses)
    _write_parquet(at_cut["answers"], output.answers)
    _write_audit(at_cut.findings, at_cut.ledger, output.findings, output.ledger)


def survey_mothers_tables(input, output, params) -> None:
    """rule survey_mothers_tables: the mothers' tables, the key fact and the context part."""
    settings = spec.survey_settings(params.surveys)
    waves = list(settings.mother_waves)
    responses = pd.read_parquet(input.responses)
    answers = pd.read_parquet(input.answers, columns=TABLE_ANSWER_COLUMNS)
    valid = ValidAnswers(answers)
    tables = build_mothers_tables(responses, answers, waves, valid)
    table_dir = Path(output.tables[0]).parent
    for table_id, frame in tables.items():
        write_csv(frame, table_dir / f"{table_id}.csv")
    write_csv(supported_inside_fact(answers, waves, valid), output.key_facts)
    Path(output.context).parent.mkdir(parents=True, exist_ok=True)
    context = mothers_context(responses, answers, tables, settings, params.cutoff, valid)
    write_json(context, output.context)


def survey_read_practitioners(input, output, params) -> None:
    """rule survey_read_practitioners: validate one export into long Parquet + findings + ledger."""
    read = read_practitioner_wave(
        input.raw,
        params.wave,
        params.valid_date_range,
        # a wave without 'format:' (or a caller passing no platform): recognised from the file
        format=getattr(params, "format", None),
        dictionary=getattr(params, "dictionary", None),
    )
    _write_parquet(read["answers"], output.answers)
    _write_audit(read.findings, read.ledger, output.findings, output.ledger)


def survey_practitioners_at_cutoff(input, output, params) -> None:
    """rule survey_practitioners_at_cutoff: every wave's responses that ended by the cut-off."""
    waves = {wave: pd.read_parquet(path) for wave, path in params.wave_answers.items()}
    at_cut = practitioners_at_cutoff(waves, as_date(params.cutoff))
    _write_parquet(at_cut["answers"], output.answers)
    _write_audit(at_cut.findings, at_cut.ledger, output.findings, output.ledger)


def survey_practitioner_tables(input, output, params) -> None:
    """rule survey_practitioner_tables: the practitioner tables and the context part."""
    answers = pd.read_parquet(input.answers)
    waves = list(params.waves)
    tables = build_practitioner_tables(answers, waves)
    table_dir = Path(output.tables[0]).parent
    for table_id, table in tables.items():
        write_csv(table, table_dir / f"{table_id}.csv")
    Path(output.context).parent.mkdir(parents=True, exist_ok=True)
    write_json(practitioner_context(answers, tables, waves), output.context)


def survey_audit(input, output, params) -> None:
    """rule survey_audit: one ledger and one data-quality log for the whole survey strand."""
    ledger = pd.concat([read_csv(p) for p in input.ledgers], ignore_index=True)
    findings = [read_csv(p) for p in input.findings]
    findings = (
        pd.concat(findings, ignore_index=True)
        if findings
        else pd.DataFrame(columns=FINDING_COLUMNS)
    )
    write_csv(ledger[LEDGER_COLUMNS], output.ledger)
    write_csv(findings.reindex(columns=FINDING_COLUMNS), output.findings)


def _read_part(path: str | None) -> dict | None:
    return None if path is None else json.loads(Path(path).read_text(encoding="utf-8"))


def survey_context(input, output, params) -> None:
    """rule survey_context: data/processed/context/surveys.json (the template's ``results.surveys``).

    Inputs ``mothers`` and ``practitioners`` are each instrument's context part,
    present only when the study has that instrument.
    """
    context = build_survey_context(
        mothers=_read_part(input.get("mothers")),
        practitioners=_read_part(input.get("practitioners")),
        ledger=read_csv(input.ledger),
        findings=read_csv(input.findings),
    )
    Path(output[0]).parent.mkdir(parents=True, exist_ok=True)
    write_json(context, output[0])


def survey_figure(input, output, params) -> None:
    """rule survey_figure: one survey figure, drawn from its table files."""
    from evaluation.strands.surveys.figures import draw_survey_figure

    draw_survey_figure(
        params.figure_id, list(input.tables), output.png, output.svg, synthetic=params.synthetic
    )
