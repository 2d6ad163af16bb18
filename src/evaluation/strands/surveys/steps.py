"""Rule entry points of the survey strand: read each wave -> the cut-off -> tables -> context.

Each function takes the rule's ``input``, ``output`` and ``params`` (see
``rules/surveys.smk``), calls the pure functions of ``evaluation.strands.surveys`` and
writes the outputs. Figures are drawn by :mod:`evaluation.strands.surveys.figures`,
imported only inside :func:`survey_figure` (the only step that needs matplotlib).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd

from evaluation.core.findings import FindingLog, Ledger, write_json
from evaluation.core.tidy import read_csv, write_csv
from evaluation.strands.surveys import mothers as mothers_module
from evaluation.strands.surveys import practitioners as practitioners_module
from evaluation.strands.surveys import spec
from evaluation.strands.surveys.mothers import mothers_at_cut, read_mothers_wave
from evaluation.strands.surveys.practitioners import practitioners_at_cut, read_practitioner_wave
from evaluation.strands.surveys.tables import (
    ValidAnswers,
    build_mothers_tables,
    build_practitioner_tables,
    mothers_context,
    practitioner_context,
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
    _write_parquet(read.answers, output.answers)
    _write_audit(read.findings, read.ledger, output.findings, output.ledger)


def survey_mothers_at_cutoff(input, output, params) -> None:
    """rule survey_mothers_at_cutoff: every wave at the cut-off, ids checked, WAI-SR scored."""
    known = pd.read_parquet(input.case_ids)
    waves = {wave: pd.read_parquet(path) for wave, path in params.wave_answers.items()}
    at_cut = mothers_at_cut(
        waves,
        dt.date.fromisoformat(params.cutoff),
        known,
        wai_rule=params.wai_rule,
        wai_max_missing=params.wai_max_missing,
    )
    _write_parquet(at_cut.responses, output.responses)
    _write_parquet(at_cut.answers, output.answers)
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
    read = read_practitioner_wave(input.raw, params.wave, params.valid_date_range)
    _write_parquet(read.answers, output.answers)
    _write_audit(read.findings, read.ledger, output.findings, output.ledger)


def survey_practitioners_at_cutoff(input, output, params) -> None:
    """rule survey_practitioners_at_cutoff: every wave's responses that ended by the cut-off."""
    waves = {wave: pd.read_parquet(path) for wave, path in params.wave_answers.items()}
    at_cut = practitioners_at_cut(waves, dt.date.fromisoformat(params.cutoff))
    _write_parquet(at_cut.answers, output.answers)
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


def exclusion_counts(ledger: pd.DataFrame) -> dict:
    """source -> reason -> rows excluded, from the survey ledger."""
    excluded = ledger.loc[ledger["outcome"] == "excluded"]
    out: dict = {}
    for (source, reason), rows in excluded.groupby(["source", "reason"])["rows"].sum().items():
        out.setdefault(source, {})[reason] = int(rows)
    return out


def survey_context(input, output, params) -> None:
    """rule survey_context: report/build/context/surveys.json (the template's ``results.surveys``)."""
    merged = json.loads(Path(input.mothers).read_text(encoding="utf-8"))
    merged["practitioners"] = json.loads(Path(input.practitioners).read_text(encoding="utf-8"))
    excluded = exclusion_counts(read_csv(input.ledger))
    merged["excluded"] = excluded
    mothers_excluded = excluded.get(mothers_module.SOURCE, {})
    practitioner_excluded = excluded.get(practitioners_module.SOURCE, {})
    merged["after_cutoff_excluded"] = mothers_excluded.get(mothers_module.AFTER_CUTOFF, 0)
    merged["practitioners"].update(
        previews_excluded=practitioner_excluded.get(practitioners_module.PREVIEW, 0),
        unfinished_excluded=practitioner_excluded.get(practitioners_module.UNFINISHED, 0),
        after_cutoff_excluded=practitioner_excluded.get(practitioners_module.AFTER_CUTOFF, 0),
    )
    findings = read_csv(input.findings)
    merged["warnings"] = int((findings["severity"] == "warning").sum()) if len(findings) else 0
    Path(output[0]).parent.mkdir(parents=True, exist_ok=True)
    write_json(merged, output[0])


def survey_figure(input, output, params) -> None:
    """rule survey_figure: one survey figure, drawn from its table files."""
    from evaluation.strands.surveys.figures import draw_survey_figure

    draw_survey_figure(
        params.figure_id, list(input.tables), output.png, output.svg, synthetic=params.synthetic
    )
