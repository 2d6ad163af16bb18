"""Rule entry points of the qualitative strand and the activity diaries."""

from __future__ import annotations

from pathlib import Path


def read_coding(input, output, params) -> None:
    """rule qualitative_read: themes, participants and coded segments, validated and guarded."""
    from evaluation.qualitative.pipeline import run_read_rule

    run_read_rule(input, output, params)


def analyse(input, output, params) -> None:
    """rule qualitative_tables: theme matrix, agreement, quote bank and joint display at the cut-off."""
    from evaluation.qualitative.pipeline import run_tables_rule

    run_tables_rule(input, output, params)


def draw_figures(input, output, params) -> None:
    """rule qualitative_figures: drawn from the published tables."""
    from evaluation.qualitative.figures import draw_qualitative_figures

    draw_qualitative_figures(
        Path(input.tables[0]).parent, Path(output.png[0]).parent, synthetic=params.synthetic
    )


def read_activity(input, output, params) -> None:
    """rule activity_read: the activity diary, validated."""
    from evaluation.activity import run_read_rule

    run_read_rule(input, output, params)


def activity_tables(input, output, params) -> None:
    """rule activity_tables: minutes by activity, hours per month, caseload per month."""
    from evaluation.activity import run_tables_rule

    run_tables_rule(input, output, params)


def draw_activity_figures(input, output, params) -> None:
    """rule activity_figures: drawn from the published tables."""
    from evaluation.qualitative.figures import draw_activity_figures

    draw_activity_figures(
        Path(input.tables[0]).parent, Path(output.png[0]).parent, synthetic=params.synthetic
    )
