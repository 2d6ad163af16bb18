"""Rule entry points of the register strand (read -> cut-off -> tables and facts -> figures).

Each function takes the rule's ``input``, ``output`` and ``params``, calls the
stages and writes the outputs.
"""

from __future__ import annotations

import pandas as pd

from evaluation.core.stage import as_date


def register_read(input, output, params) -> None:
    """rule register_read: every record set, validated (stops on errors), as Parquet."""
    from evaluation.core.tidy import write_csv
    from evaluation.strands.register.read import read_register
    from evaluation.strands.register.spec import register_spec

    read = read_register(dict(params.files), register_spec())
    read.findings.raise_if_errors()
    for name, frame in read.frames.items():
        frame.to_parquet(getattr(output, name), index=False)
    write_csv(read.findings.to_frame(), output.findings)
    write_csv(read.ledger.to_frame(), output.ledger)


def register_tables(input, output, params) -> None:
    """rule register_tables: the register at the cut-off, its tables, facts and audit."""
    from evaluation.core.findings import FindingLog, Ledger, write_json, write_step_audit
    from evaluation.core.stage import StageResult
    from evaluation.core.tidy import write_csv
    from evaluation.strands.register.context import register_facts
    from evaluation.strands.register.cutoff import register_at_cutoff
    from evaluation.strands.register.spec import register_spec
    from evaluation.strands.register.tables import build_register_tables

    spec = register_spec()
    read = StageResult(
        frames={name: pd.read_parquet(getattr(input, name)) for name in spec.record_sets},
        findings=FindingLog("register"),
        ledger=Ledger(),
    )
    at_cut = register_at_cutoff(read, as_date(params.cutoff), spec)
    for table_id, frame in build_register_tables(at_cut.frames, spec).items():
        write_csv(frame, getattr(output, table_id))
    write_json(register_facts(at_cut.frames, spec), output.context)
    write_step_audit(
        input.findings, input.ledger, at_cut.findings, at_cut.ledger, output.findings, output.ledger
    )


def register_figure(input, output, params) -> None:
    """rule register_figure: one register figure from its published table."""
    from evaluation.strands.register.figures import draw_register_figure

    draw_register_figure(
        input.table, output.png, output.svg, spec=params.spec, synthetic=params.synthetic
    )
