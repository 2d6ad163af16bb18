"""Rule entry points of the qualitative strand (read -> cut-off -> tables -> figures).

Each function takes the rule's ``input``, ``output`` and ``params``, calls the
stages and writes the outputs.
"""

from __future__ import annotations

from pathlib import Path

from evaluation.core.stage import as_date


def _first(files) -> str | None:
    """The optional single file of a rule input (an empty list when not configured)."""
    return str(files[0]) if len(files) else None


def qualitative_read(input, output, params) -> None:
    """rule qualitative_read: themes, participants and coded segments, validated and guarded."""
    from evaluation.strands.qualitative.read import read_qualitative, write_qualitative_read

    read = read_qualitative(
        themes=input.themes,
        participants=input.participants,
        coded_segments=dict(zip(params.coders, input.segments, strict=True))
        if params.coders
        else input.segments[0],
        fmt=params.fmt,
        participant_map=_first(input.participant_map),
        disallowed_names=_first(input.disallowed_names),
        prisons=list(params.prisons),
        valid_date_range=tuple(params.valid_date_range),
        refi_qda=getattr(params, "refi_qda", None),
    )
    # stops with every error at once
    read.findings.raise_if_errors()
    write_qualitative_read(
        read,
        frames={name: getattr(output, name) for name in ("themes", "participants", "segments")},
        findings=output.findings,
        ledger=output.ledger,
    )


def qualitative_tables(input, output, params) -> None:
    """rule qualitative_tables: theme matrix, agreement, quote bank, joint display and theme lists at the cut-off."""
    from evaluation.core.findings import write_json, write_step_audit
    from evaluation.core.tidy import write_csv
    from evaluation.strands.qualitative.context import integration_context, qualitative_context
    from evaluation.strands.qualitative.cutoff import at_cutoff
    from evaluation.strands.qualitative.read import load_qualitative_read
    from evaluation.strands.qualitative.tables import build_qualitative_tables, guard_written_texts

    cutoff = as_date(params.cutoff)
    read = load_qualitative_read(
        themes=input.themes, participants=input.participants, segments=input.segments
    )
    at_cut = at_cutoff(read, cutoff, participants_file=params.participants_file)
    built = build_qualitative_tables(
        at_cut,
        integration=input.integration,
        primary_coder=params.primary_coder,
        quote_max_words=params.quote_max_words,
    )
    guard_written_texts(
        built,
        quote_bank_file=str(output.quote_bank),
        integration_file=str(input.integration),
        disallowed_names=_first(input.disallowed_names),
    )
    # the declared theme lists are one named list of outputs, found by their ids
    theme_lists = {Path(p).stem: p for p in (getattr(output, "theme_lists", None) or [])}
    for table_id, frame in built.tables.items():
        path = theme_lists.get(table_id) or getattr(output, table_id, None)
        if path is None:  # a theme list declared after the workflow was parsed
            raise ValueError(f"table {table_id!r} is not an output of rule qualitative_tables")
        write_csv(frame, path)
    context = qualitative_context(
        read, at_cut, built, cutoff=cutoff, quote_max_words=params.quote_max_words
    )
    write_json(context, output.context)
    write_json(integration_context(built.tables["joint_display"]), output.integration_context)
    # the cut-off adds no findings; the tables step's are the integration file's
    write_step_audit(
        input.findings, input.ledger, built.findings, at_cut.ledger, output.findings, output.ledger
    )


def qualitative_figures(input, output, params) -> None:
    """rule qualitative_figures: drawn from the published tables."""
    from evaluation.strands.qualitative.figures import draw_qualitative_figures

    draw_qualitative_figures(
        Path(input.tables[0]).parent, Path(output.png[0]).parent, synthetic=params.synthetic
    )
