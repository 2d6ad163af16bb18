"""Rule entry points of the qualitative strand."""

from __future__ import annotations

from pathlib import Path


def _first(files) -> str | None:
    """The optional single file of a rule input (an empty list when not configured)."""
    return str(files[0]) if len(files) else None


def qualitative_read(input, output, params) -> None:
    """rule qualitative_read: themes, participants and coded segments, validated and guarded."""
    from evaluation.strands.qualitative.tables import read_qualitative

    read_qualitative(
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
        out_themes=output.themes,
        out_participants=output.participants,
        out_segments=output.segments,
        out_findings=output.findings,
        out_ledger=output.ledger,
    )


def qualitative_tables(input, output, params) -> None:
    """rule qualitative_tables: theme matrix, agreement, quote bank and joint display at the cut-off."""
    from evaluation.strands.qualitative.tables import build_qualitative_tables

    build_qualitative_tables(
        themes=input.themes,
        participants=input.participants,
        segments=input.segments,
        read_findings=input.findings,
        read_ledger=input.ledger,
        integration=input.integration,
        disallowed_names=_first(input.disallowed_names),
        cutoff=params.cutoff,
        primary_coder=params.primary_coder,
        quote_max_words=params.quote_max_words,
        participants_file=params.participants_file,
        outputs={key: str(value) for key, value in output.items()},
    )


def qualitative_figures(input, output, params) -> None:
    """rule qualitative_figures: drawn from the published tables."""
    from evaluation.strands.qualitative.figures import draw_qualitative_figures

    draw_qualitative_figures(
        Path(input.tables[0]).parent, Path(output.png[0]).parent, synthetic=params.synthetic
    )
