"""Survey charts, drawn only from the survey table files (never from responses).

Diverging stacked bars per item and wave for the mothers' collapsed scales,
a stacked chart of practitioners' agreement, and a diverging chart of
paired change. Titles, alt text and colours' meanings come from the codebook.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from evaluation.core.figure_style import (
    DIVERGING,
    EDGE_PAD,
    legend_below,
    new_figure,
    rows_height,
    save_figure,
    set_title,
    wrap_label,
    wrap_to_width,
)
from evaluation.core.formatting import SUPPRESSED
from evaluation.core.tidy import read_csv
from evaluation.strands.surveys import spec

ROW_HEIGHT = 0.34
#: Font size (points) of the item labels of the mothers' charts and of the practitioners' statements.
ITEM_SIZE = 7.5
STATEMENT_SIZE = 6.5


def _polarity() -> dict[str, str]:
    """Collapsed label -> 'positive' | 'neutral' | 'negative' | 'not_applicable', from the codebook.

    From the codebook files of the instruments the study's codebook defines.
    """
    names: set[str] = set()
    if "mothers" in spec.codebook_instruments():
        names |= {s.get("collapsed") for s in spec.mothers_codebook()["scales"].values()} - {None}
        names.add("paired_direction")
    if "practitioners" in spec.codebook_instruments():
        names.add(spec.practitioner_codebook()["agreement_items"]["collapsed"])
    return {
        e["label"]: e["polarity"] for name in sorted(names) for e in spec.value_set_entries(name)
    }


def _diverging_bars(
    ax,
    labels: list[str],
    parts: list[dict[str, float]],
    rows: list[str],
    polarity: dict,
    annotate: bool,
) -> None:
    """One horizontal bar per entry: negative left of zero, neutral centred on it, positive right."""
    y = np.arange(len(labels))
    by_polarity = {
        p: [r for r in rows if polarity[r] == p] for p in ("negative", "neutral", "positive")
    }
    for i, values in enumerate(parts):
        neutral = sum(values.get(r, 0.0) for r in by_polarity["neutral"])
        left = -neutral / 2 - sum(values.get(r, 0.0) for r in by_polarity["negative"])
        for row in by_polarity["negative"] + by_polarity["neutral"] + by_polarity["positive"]:
            width = values.get(row, 0.0)
            colour = DIVERGING[polarity[row]]
            ax.barh(
                y[i],
                width,
                left=left,
                color=colour,
                edgecolor="white",
                linewidth=0.5,
                height=0.7,
                label=row if i == 0 else None,
            )
            if annotate and width >= 8:
                ax.text(
                    left + width / 2,
                    y[i],
                    f"{width:.0f}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if polarity[row] != "neutral" else "black",
                )
            left += width
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(y, labels=labels, fontsize=ITEM_SIZE)
    ax.set_ylim(max(len(labels), 1) - 0.5, -0.5)  # first item on top


def diverging_items_figure(table_path: str, png: str, svg: str, *, title: str, synthetic: bool):
    """Percentages of valid answers per item and wave as diverging stacked bars; the figure.

    Items are labelled by their codebook ``short`` label (else their statement).
    """
    table = read_csv(table_path)
    polarity = _polarity()
    rows = list(dict.fromkeys(table["row"]))
    labels, parts = [], []
    for item in dict.fromkeys(table["item"]):
        item_rows = table.loc[table["item"] == item]
        for wave in dict.fromkeys(item_rows["column"]):
            cell = item_rows.loc[item_rows["column"] == wave]
            base = cell["denominator"].iloc[0] if len(cell) else 0
            denominator = SUPPRESSED if pd.isna(base) else int(base)  # suppressed base
            labels.append(f"{wrap_label(spec.item_short(item), 34)}\n{wave} (n = {denominator})")
            parts.append(
                {
                    r: float(p) if pd.notna(p) else 0.0
                    for r, p in zip(cell["row"], cell["pct"], strict=True)
                }
            )
    fig, ax = new_figure(7.0, rows_height(labels, ITEM_SIZE, ROW_HEIGHT * 1.6))
    _diverging_bars(ax, labels, parts, rows, polarity, annotate=True)
    ax.set_xlim(-100, 100)
    ticks = np.arange(-100, 101, 25)
    ax.set_xticks(ticks, labels=[f"{abs(t)}%" for t in ticks])
    ax.set_xlabel(
        wrap_label("Percentage of valid answers (negative to the left, positive to the right)", 90)
    )
    set_title(fig, title)
    legend_below(fig, ax)
    return save_figure(fig, png, svg, synthetic=synthetic)


def paired_change_figure(table_path: str, png: str, svg: str, *, title: str, synthetic: bool):
    """Mothers whose answer was lower / unchanged / higher at the later wave, per item and comparison.

    Items are labelled by their codebook ``short`` label; returns the figure.
    """
    table = read_csv(table_path)
    directions = spec.keyed_labels("paired_direction")
    polarity = _polarity()
    rows = list(directions.values())
    labels, parts = [], []
    for record in table.to_dict("records"):
        if pd.isna(record["pairs"]) or any(pd.isna(record[key]) for key in directions):
            continue  # suppressed by disclosure control: not drawn
        labels.append(
            f"{wrap_label(spec.item_short(record['item']), 34)}\n{record['comparison']} "
            f"({int(record['pairs'])} pairs)"
        )
        parts.append({label: float(record[key]) for key, label in directions.items()})
    fig, ax = new_figure(7.0, rows_height(labels, ITEM_SIZE, ROW_HEIGHT * 1.6))
    _diverging_bars(ax, labels, parts, rows, polarity, annotate=False)
    extent = max([sum(p.values()) for p in parts] + [1])
    ax.set_xlim(-extent, extent)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # counts of mothers
    ticks = ax.get_xticks()
    ax.set_xticks(ticks, labels=[f"{abs(t):.0f}" for t in ticks])
    ax.set_xlim(-extent, extent)
    ax.set_xlabel("Number of mothers (lower to the left, higher to the right)")
    set_title(fig, title)
    legend_below(fig, ax)
    return save_figure(fig, png, svg, synthetic=synthetic)


def practitioner_agreement_figure(
    table_path: str, statements_path: str, png: str, svg: str, *, title: str, synthetic: bool
):
    """Number of practitioners per collapsed answer, one stacked bar per statement and wave.

    Each bar is labelled by its statement as the export's question-text row
    words it (``statements_path``, the published practitioner_statements
    table), for its wave, else as another wave words it. Returns the figure.
    """
    table = read_csv(table_path)
    statements = read_csv(statements_path)
    text = {(r["item"], r["column"]): r["statement"] for r in statements.to_dict("records")}
    any_wave = {r["item"]: r["statement"] for r in statements.to_dict("records")}
    polarity = _polarity()
    rows = list(dict.fromkeys(table["row"]))
    waves = list(dict.fromkeys(table["column"]))
    labels, parts = [], []
    for item in dict.fromkeys(table["item"]):
        for wave in waves:
            cell = table.loc[(table["item"] == item) & (table["column"] == wave)]
            if cell.empty:
                continue
            if item not in any_wave:
                raise ValueError(
                    f"{statements_path}: no statement for item {item!r} of {table_path}; "
                    "the figure labels each item by its statement"
                )
            suffix = f" ({wave})" if len(waves) > 1 else ""
            labels.append(wrap_label(text.get((item, wave), any_wave[item]) + suffix, 62))
            parts.append(dict(zip(cell["row"], cell["n"].astype(float), strict=True)))
    fig, ax = new_figure(7.5, rows_height(labels, STATEMENT_SIZE, 0.42))
    y = np.arange(len(labels))
    left = np.zeros(len(labels))
    for row in rows:
        widths = np.array([p.get(row, 0.0) for p in parts])
        ax.barh(
            y,
            widths,
            left=left,
            color=DIVERGING[polarity[row]],
            edgecolor="white",
            linewidth=0.5,
            height=0.7,
            label=row,
        )
        for yi, (x0, w) in enumerate(zip(left, widths, strict=True)):
            if w > 0:
                ax.text(
                    x0 + w / 2,
                    yi,
                    f"{w:.0f}",
                    ha="center",
                    va="center",
                    fontsize=6.5,
                    color="white" if polarity[row] in ("positive", "negative") else "black",
                )
        left += widths
    ax.set_yticks(y, labels=labels, fontsize=STATEMENT_SIZE)
    ax.set_ylim(len(labels) - 0.5, -0.5)  # first statement on top
    ax.set_xlabel("Number of practitioners")
    set_title(fig, title)
    legend_below(fig, ax, fontsize=7)
    return save_figure(fig, png, svg, synthetic=synthetic)


def empty_figure(png: str, svg: str, *, title: str, synthetic: bool, text: str):
    """A figure saying there is nothing to draw (e.g. no second wave yet at the cut-off)."""
    fig, ax = new_figure(7.0, 1.0)
    ax.axis("off")
    width = fig.get_figwidth() - 2 * EDGE_PAD
    ax.text(0.5, 0.5, wrap_to_width(fig, text, width, 9), ha="center", va="center", fontsize=9)
    set_title(fig, title)
    return save_figure(fig, png, svg, synthetic=synthetic)


def draw_survey_figure(
    figure_id: str, table_paths: list[str], png: str, svg: str, *, synthetic: bool
):
    """rule survey_figure: draw the figure the codebook defines under ``figure_id``; the figure."""
    figure = spec.figure_spec(figure_id)
    kind = figure["kind"]
    if read_csv(table_paths[0]).empty:
        text = spec.empty_figure_text(figure_id)
        return empty_figure(png, svg, title=figure["title"], synthetic=synthetic, text=text)
    elif kind == "diverging_items":
        return diverging_items_figure(
            table_paths[0], png, svg, title=figure["title"], synthetic=synthetic
        )
    elif kind == "paired_change":
        return paired_change_figure(
            table_paths[0], png, svg, title=figure["title"], synthetic=synthetic
        )
    elif kind == "practitioner_agreement":
        return practitioner_agreement_figure(
            table_paths[0], table_paths[1], png, svg, title=figure["title"], synthetic=synthetic
        )
    else:
        raise ValueError(f"figure {figure_id!r}: unknown kind {kind!r} in the codebook")
