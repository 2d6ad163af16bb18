"""Every figure's text fits its canvas and no two texts overlap (issue 18).

A figure is drawn by the function its rule calls, at the size the report
shows it (its own size, at the PNG resolution). After ``fig.canvas.draw()``
the window extent of every visible text (titles, suptitle, axis labels, the
tick labels the axes draw, legend texts, annotations such as bar labels, the
synthetic-data mark) must lie inside the canvas and overlap no other text's.
One exception: the faint diagonal synthetic-data mark crosses the chart on
purpose, so it must fit the canvas but may lie over other texts.

The workflow layer re-draws every figure of both example studies from their
published tables; the fast layer draws small inline tables with very long
labels and titles, which must fit too.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml
from matplotlib.text import Text

from evaluation.core import codebook
from evaluation.core.config import study_strands
from evaluation.core.figure_style import PNG_DPI, SYNTHETIC_MARK

#: Pixels a text may reach past the canvas or into another text (rounding of extents).
TOLERANCE_PX = 1.0


def _visible(text: Text) -> bool:
    return bool(text.get_visible() and text.get_text().strip())


def _tick_labels(axis) -> list[Text]:
    """The tick labels the axis draws: ticks inside its view interval, visible and not empty."""
    # Axis._update_ticks is what Axis.draw uses to pick the ticks it draws;
    # get_ticklabels() also returns ticks past the view limits, which are not drawn.
    ticks = axis._update_ticks()
    return [label for tick in ticks for label in (tick.label1, tick.label2) if _visible(label)]


def text_artists(fig) -> list[tuple[str, Text]]:
    """(role, artist) of every visible, non-empty text the figure draws.

    The role names what the text is ("title", "xtick 0", "legend", ...), so a
    failure says which texts collide; tick labels carry their axes' index.
    """
    found: list[tuple[str, Text]] = []
    figure_labels = {
        "suptitle": fig._suptitle,
        "supxlabel": fig._supxlabel,
        "supylabel": fig._supylabel,
    }
    for role, text in figure_labels.items():
        if text is not None and _visible(text):
            found.append((role, text))
    for text in fig.texts:  # the figure's labels are among its texts: counted once
        if _visible(text) and all(text is not label for label in figure_labels.values()):
            role = "watermark" if text.get_rotation() % 360 else "figure text"
            if text.get_text() == SYNTHETIC_MARK and role == "figure text":
                role = "synthetic mark"
            found.append((role, text))
    for legend in fig.legends:
        found += [("legend", t) for t in legend.get_texts() if _visible(t)]
    for index, ax in enumerate(fig.axes):
        if not ax.get_visible():
            continue
        for title in (ax.title, ax._left_title, ax._right_title):
            if _visible(title):
                found.append((f"title {index}", title))
        if ax.axison:
            for name, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
                if _visible(axis.label):
                    found.append((f"{name}label {index}", axis.label))
                if _visible(axis.get_offset_text()):
                    found.append((f"{name}offset {index}", axis.get_offset_text()))
                found += [(f"{name}tick {index}", t) for t in _tick_labels(axis)]
        found += [(f"annotation {index}", t) for t in ax.texts if _visible(t)]
        legend = ax.get_legend()
        if legend is not None and legend.get_visible():
            found += [(f"legend {index}", t) for t in legend.get_texts() if _visible(t)]
    return found


def _show(text: Text) -> str:
    return repr(text.get_text().replace("\n", " ")[:60])


def fit_problems(fig) -> list[str]:
    """What does not fit: texts past the canvas's edges, and pairs of texts that overlap."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    width, height = fig.canvas.get_width_height()
    texts = [(role, t, t.get_window_extent(renderer)) for role, t in text_artists(fig)]
    problems = []
    for role, text, box in texts:
        past = {
            "left": -box.x0,
            "right": box.x1 - width,
            "bottom": -box.y0,
            "top": box.y1 - height,
        }
        for edge, by in past.items():
            if by > TOLERANCE_PX:
                problems.append(f"{role} {_show(text)} runs {by:.0f} px past the {edge} edge")
    for (role_a, a, box_a), (role_b, b, box_b) in itertools.combinations(texts, 2):
        if "watermark" in (role_a, role_b):
            continue
        overlap_x = min(box_a.x1, box_b.x1) - max(box_a.x0, box_b.x0)
        overlap_y = min(box_a.y1, box_b.y1) - max(box_a.y0, box_b.y0)
        if overlap_x > TOLERANCE_PX and overlap_y > TOLERANCE_PX:
            problems.append(
                f"{role_a} {_show(a)} overlaps {role_b} {_show(b)} "
                f"({overlap_x:.0f} x {overlap_y:.0f} px)"
            )
    return problems


def all_texts(fig) -> list[str]:
    """Every drawn text of the figure, line breaks read as spaces."""
    fig.canvas.draw()
    return [" ".join(t.get_text().split()) for _, t in text_artists(fig)]


# --- workflow layer: every figure of both studies, from their published tables ---------------


def draw_study_figures(study: Path, out: Path) -> dict:
    """Figure id -> Figure: every figure of the study, re-drawn by the functions its rules call.

    The settings are the rules' params: the study's config (``report:
    synthetic``, the survey instruments) and its codebook's figure specs; the
    case tracker's figures also get ``project_start``, which labels quarters
    with their months (the rule case_tracker_figure does not pass it yet).
    The figures are drawn from ``report/tables/``.
    """
    from evaluation.strands.activity.figures import draw_activity_figures
    from evaluation.strands.case_tracker.figures import draw_table_figure
    from evaluation.strands.qualitative.figures import draw_qualitative_figures
    from evaluation.strands.register.figures import draw_register_figure
    from evaluation.strands.register.spec import register_spec
    from evaluation.strands.surveys import spec as survey_spec
    from evaluation.strands.surveys.figures import draw_survey_figure

    config = yaml.safe_load((study / "config.yaml").read_text())
    synthetic = config["report"]["synthetic"]
    tables = study / "report/tables"
    strands = study_strands(config)
    figures = {}

    def paths(figure_id):
        return str(out / f"{figure_id}.png"), str(out / f"{figure_id}.svg")

    if "case_tracker" in strands:
        for figure_id, spec in codebook.derived()["figures"].items():
            figures[figure_id] = draw_table_figure(
                str(tables / f"{spec['table']}.csv"),
                *paths(figure_id),
                spec=spec,
                synthetic=synthetic,
                project_start=config["project_start"],
            )
    if "register" in strands:
        for figure_id, spec in register_spec().figures.items():
            figures[figure_id] = draw_register_figure(
                str(tables / f"{spec['table']}.csv"),
                *paths(figure_id),
                spec=spec,
                synthetic=synthetic,
            )
    if "surveys" in strands:
        instruments = survey_spec.survey_settings(config.get("surveys")).instruments
        for figure_id in survey_spec.figure_specs(instruments):
            table_paths = [str(tables / f"{t}.csv") for t in survey_spec.figure_tables(figure_id)]
            figures[figure_id] = draw_survey_figure(
                figure_id, table_paths, *paths(figure_id), synthetic=synthetic
            )
    if "qualitative" in strands:
        figures |= draw_qualitative_figures(str(tables), str(out), synthetic=synthetic)
    if "activity" in strands:
        figures |= draw_activity_figures(str(tables), str(out), synthetic=synthetic)
    return figures


@pytest.fixture(scope="module")
def study_figures(final_run, second_study_run, tmp_path_factory):
    """(study name, figure id) -> (Figure, the run's PNG path) for both example studies."""
    drawn = {}
    for name, study in (("first", final_run), ("second", second_study_run)):
        codebook.use_codebook(study / "codebook")
        try:
            figures = draw_study_figures(study, tmp_path_factory.mktemp(f"fit_{name}"))
        finally:
            codebook.use_codebook(None)
        for figure_id, fig in figures.items():
            drawn[name, figure_id] = (fig, study / "figures" / f"{figure_id}.png")
    return drawn


def test_every_figure_of_both_studies_is_redrawn_at_the_reports_size(study_figures):
    from PIL import Image

    for name, study_figures_dir in (("first", "figures"), ("second", "figures")):
        drawn = {figure_id for study, figure_id in study_figures if study == name}
        run_dir = study_figures[next(k for k in study_figures if k[0] == name)][1].parent
        assert drawn == {p.stem for p in run_dir.glob("*.png")}, study_figures_dir
    for (study, figure_id), (fig, png) in study_figures.items():
        fig.canvas.draw()
        with Image.open(png) as published:
            assert fig.canvas.get_width_height() == published.size, (study, figure_id)
        assert fig.dpi == PNG_DPI


def test_every_figures_text_fits_and_no_texts_overlap(study_figures):
    problems = {
        f"{study} study {figure_id}": fit_problems(fig)
        for (study, figure_id), (fig, _) in study_figures.items()
    }
    failing = {key: found for key, found in problems.items() if found}
    assert not failing, "\n".join(
        f"{key}:\n  " + "\n  ".join(found) for key, found in failing.items()
    )


def test_every_figure_carries_the_synthetic_mark(study_figures):
    for key, (fig, _) in study_figures.items():
        roles = {role for role, _ in text_artists(fig)}
        assert {"synthetic mark", "watermark"} <= roles, key


def test_survey_figures_show_statements_not_variable_names(study_figures, final_run):
    from evaluation.strands.surveys import spec as survey_spec

    tables = final_run / "report/tables"
    checked = 0
    for (study, figure_id), (fig, _) in study_figures.items():
        if study != "first" or not figure_id.startswith(("fig_mothers", "fig_practitioner")):
            continue
        texts = " | ".join(all_texts(fig))
        items = read_table(tables / f"{survey_spec.figure_spec(figure_id)['table']}.csv")["item"]
        for item in items.unique():
            assert not re.search(rf"\b{re.escape(item)}\b", texts), (figure_id, item)
            if figure_id.startswith("fig_mothers"):
                assert survey_spec.item_short(item) in texts, (figure_id, item)
        checked += 1
    assert checked == 5
    fig = study_figures["first", "fig_practitioner_agreement"][0]
    texts = " | ".join(all_texts(fig))
    for statement in read_table(tables / "practitioner_statements.csv")["statement"]:
        assert " ".join(statement.split()) in texts


def read_table(path: Path) -> pd.DataFrame:
    from evaluation.core.tidy import read_csv

    return read_csv(path)


# --- fast layer: small inline tables with very long labels ----------------------------------

LONG_LABEL = (
    "Support to prepare for the child protection conference, the core group meetings and "
    "the family court hearing on release."
)  # 120 characters
LONG_TITLE = (
    "Needs identified by the prison social worker at triage and at every review, by prison "
    "and by quarter of first contact, as a percentage of the mothers in the service "
    "(synthetic example data, all of them)"
)  # 200 characters


def write_table(path: Path, rows: list[dict]) -> str:
    pd.DataFrame(rows).to_csv(path, index=False)
    return str(path)


def cells(rows, columns, value=40.0):
    """Tidy rows of a row x column table of counts and percentages."""
    return [
        {"row": r, "column": c, "n": 10 + i, "denominator": 40, "pct": value + i}
        for i, (r, c) in enumerate(itertools.product(rows, columns))
    ]


def assert_fits(fig):
    problems = fit_problems(fig)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("kind", ["total", "by_column"])
@pytest.mark.parametrize("n_rows", [1, 12])
def test_a_bar_chart_with_a_long_title_and_long_labels_fits(tmp_path, kind, n_rows):
    from evaluation.strands.case_tracker.figures import draw_table_figure

    rows = [LONG_LABEL, *[f"Need {i}" for i in range(1, n_rows)]]
    table = write_table(tmp_path / "t.csv", cells(rows, ["Eastwood Park", "Send", "Total"]))
    spec = {"title": LONG_TITLE, "kind": kind, "value": "pct"}
    fig = draw_table_figure(
        table, tmp_path / "f.png", tmp_path / "f.svg", spec=spec, synthetic=True
    )
    assert_fits(fig)
    texts = all_texts(fig)
    assert LONG_TITLE in texts and LONG_LABEL in texts  # wrapped, never cut


def test_quarters_are_labelled_with_their_months_from_the_project_start(tmp_path):
    from evaluation.strands.case_tracker.figures import draw_table_figure

    rows = [f"Q{i}" for i in range(12)]
    table = write_table(tmp_path / "t.csv", cells(rows, ["Eastwood Park", "Send", "Total"]))
    spec = {"title": "Quarter of first contact by prison", "kind": "by_column", "value": "n"}
    paths = (tmp_path / "f.png", tmp_path / "f.svg")
    dated = draw_table_figure(table, *paths, spec=spec, synthetic=True, project_start="2021-04-01")
    assert_fits(dated)
    texts = all_texts(dated)
    assert {"Q0 (before Apr 2021)", "Q3 (Oct-Dec 2021)", "Q11 (Oct-Dec 2023)"} <= set(texts)
    plain = all_texts(draw_table_figure(table, *paths, spec=spec, synthetic=True))
    assert "Q3" in plain and not any("2021" in t for t in plain)


def test_a_register_chart_with_long_rows_columns_and_title_fits(tmp_path):
    from evaluation.strands.register.figures import draw_register_figure

    columns = ["Local service", "Pause", LONG_LABEL[:60], "Unknown"]
    rows = [LONG_LABEL, "North East", "Total"]
    table = write_table(tmp_path / "t.csv", cells(rows, columns))
    spec = {"title": LONG_TITLE, "columns": columns, "xlabel": "Local authorities"}
    fig = draw_register_figure(
        table, tmp_path / "f.png", tmp_path / "f.svg", spec=spec, synthetic=True
    )
    assert_fits(fig)
    assert LONG_LABEL in all_texts(fig)


def test_practitioner_statements_of_120_characters_fit(tmp_path):
    from evaluation.strands.surveys.figures import practitioner_agreement_figure

    answers = [
        "Strongly agree or agree",
        "Neither agree nor disagree",
        "Strongly disagree or disagree",
        "Not applicable",
    ]
    items = ["agree_01", "agree_02", "agree_03"]
    table = write_table(
        tmp_path / "agreement.csv",
        [
            {"item": i, "row": r, "column": w, "n": 3, "denominator": 9, "pct": 33.3}
            for i in items
            for w in ("Y1", "Y2")
            for r in answers
        ],
    )
    statements = write_table(
        tmp_path / "statements.csv",
        [
            {"item": i, "column": w, "statement": f"{k}. {LONG_LABEL}"[:120]}
            for k, i in enumerate(items)
            for w in ("Y1", "Y2")
        ],
    )
    fig = practitioner_agreement_figure(
        table, statements, tmp_path / "f.png", tmp_path / "f.svg", title=LONG_TITLE, synthetic=True
    )
    assert_fits(fig)
    texts = " | ".join(all_texts(fig))
    assert "agree_0" not in texts and f"0. {LONG_LABEL}"[:120] in texts


def test_mothers_item_charts_with_a_long_title_fit_and_show_the_short_labels(tmp_path):
    from evaluation.strands.surveys import spec as survey_spec
    from evaluation.strands.surveys.figures import diverging_items_figure, paired_change_figure

    items = ["willing_engage_css", "trust_css", "confident_css"]
    answers = ["Strongly agree or agree", "Not sure", "Strongly disagree or disagree"]
    table = write_table(
        tmp_path / "views.csv",
        [
            {"item": i, "row": r, "column": w, "n": 5, "denominator": 15, "pct": 33.3}
            for i in items
            for w in ("T1", "T2", "T3")
            for r in answers
        ],
    )
    paths = (tmp_path / "f.png", tmp_path / "f.svg")
    views = diverging_items_figure(table, *paths, title=LONG_TITLE, synthetic=True)
    paired = write_table(
        tmp_path / "paired.csv",
        [
            {"item": i, "comparison": c, "pairs": 20, "n_lower": 5, "n_same": 5, "n_higher": 10}
            for i in items
            for c in ("T1-T2", "T1-T3")
        ],
    )
    change = paired_change_figure(paired, *paths, title=LONG_TITLE, synthetic=True)
    for fig in (views, change):
        assert_fits(fig)
        texts = " | ".join(all_texts(fig))
        for item in items:
            assert item not in texts and survey_spec.item_short(item) in texts


def test_an_empty_survey_figure_with_a_long_title_and_text_fits(tmp_path):
    from evaluation.strands.surveys.figures import empty_figure

    fig = empty_figure(
        tmp_path / "f.png", tmp_path / "f.svg", title=LONG_TITLE, synthetic=True, text=LONG_LABEL
    )
    assert_fits(fig)
    assert LONG_LABEL in all_texts(fig)


def test_a_theme_heat_map_with_long_themes_and_groups_fits(tmp_path):
    from evaluation.strands.qualitative.figures import draw_theme_coverage

    groups = [
        "Mother in prison",
        "Mother after release",
        "Community practitioner",
        "Prison social worker",
        "Carer",
        "Prison staff",
        "Strategic actor",
    ]
    themes = [(LONG_LABEL, ""), ("Letters, photos and calls", "x"), ("Preparing for release", "")]
    table = write_table(
        tmp_path / "t.csv",
        [
            {"row": t, "column": g, "n": 1, "denominator": 4, "pct": 25.0, "parent": p}
            for t, p in themes
            for g in groups
        ],
    )
    fig = draw_theme_coverage(table, tmp_path / "f.png", tmp_path / "f.svg", synthetic=True)
    assert_fits(fig)


def test_activity_charts_with_long_activities_and_many_months_fit(tmp_path):
    from evaluation.strands.activity.figures import draw_activity_time, draw_caseload

    table = write_table(
        tmp_path / "minutes.csv",
        [
            {"row": r, "column": c, "entries": 3, "minutes": 600, "hours": 10.0}
            for r in (LONG_LABEL, "Direct work with the mother")
            for c in ("Eastwood Park", "Send", "Total")
        ],
    )
    paths = (tmp_path / "f.png", tmp_path / "f.svg")
    assert_fits(draw_activity_time(table, *paths, synthetic=True))
    months = pd.period_range("2021-01", periods=60, freq="M").strftime("%Y-%m")
    caseload = write_table(
        tmp_path / "caseload.csv",
        [{"row": m, "column": c, "n": 4} for m in months for c in ("Eastwood Park", "Send")],
    )
    assert_fits(draw_caseload(caseload, *paths, synthetic=True))


def test_a_figure_draws_the_same_bytes_twice(tmp_path):
    from evaluation.strands.case_tracker.figures import draw_table_figure

    table = write_table(tmp_path / "t.csv", cells([LONG_LABEL, "Other"], ["A", "B", "Total"]))
    spec = {"title": LONG_TITLE, "kind": "by_column", "value": "n"}
    outputs = []
    for run in ("one", "two"):
        png, svg = tmp_path / f"{run}.png", tmp_path / f"{run}.svg"
        draw_table_figure(table, png, svg, spec=spec, synthetic=True)
        outputs.append((png.read_bytes(), svg.read_bytes()))
    assert outputs[0] == outputs[1]
