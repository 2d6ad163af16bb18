"""Rule entry points of the activity-diary strand."""

from __future__ import annotations

from pathlib import Path


def activity_read(input, output, params) -> None:
    """rule activity_read: the activity diary, validated."""
    from evaluation.strands.activity.diary import read_activity as read_diary

    read_diary(
        log_path=input.log,
        all_case_ids=input.all_case_ids,
        prisons=list(params.prisons),
        valid_date_range=tuple(params.valid_date_range),
        out_entries=output.entries,
        out_findings=output.findings,
        out_ledger=output.ledger,
    )


def activity_tables(input, output, params) -> None:
    """rule activity_tables: minutes by activity, hours per month, caseload per month."""
    from evaluation.strands.activity.diary import build_activity_tables

    build_activity_tables(
        entries=input.entries,
        mothers=input.mothers,
        read_findings=input.findings,
        read_ledger=input.ledger,
        log_file=params.log_file,
        prisons=list(params.prisons),
        project_start=params.project_start,
        cutoff=params.cutoff,
        outputs={key: str(value) for key, value in output.items()},
    )


def activity_figures(input, output, params) -> None:
    """rule activity_figures: drawn from the published tables."""
    from evaluation.strands.activity.figures import draw_activity_figures

    draw_activity_figures(
        Path(input.tables[0]).parent, Path(output.png[0]).parent, synthetic=params.synthetic
    )
