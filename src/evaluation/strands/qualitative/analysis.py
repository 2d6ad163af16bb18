"""Qualitative analysis at the cut-off: theme matrix, quote bank, joint display.

All functions are pure: they take tidy frames (from the readers) and return
tidy frames in codebook order.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from evaluation.core.codebook import load_codebook, normalise_text, value_set
from evaluation.core.findings import ERROR, DataValidationError, Finding, FindingLog
from evaluation.core.tidy import TIDY_COLUMNS, percent
from evaluation.strands.qualitative.theme_lists import WHERE as THEME_LISTS_FILE
from evaluation.strands.qualitative.theme_lists import (
    ThemeList,
    ThemeListError,
    declared_theme_lists,
)

#: The checks this module names in its findings (``check=``), as the validation
#: report describes them; a test keeps this in step with the code.
CHECKS: dict[str, str] = {
    "blank": "a value the codebook requires is not blank",
    "category": "a value is one of the codebook's labels",
    "coverage": "coverage",
    "duplicate": "identifiers are unique",
    "structure": "structure",
    "unknown_result": "unknown result",
    "unknown_theme": "unknown theme",
    "yaml": "yaml",
}

MATRIX_COLUMNS = [*TIDY_COLUMNS, "theme_id", "parent"]
QUOTE_COLUMNS = [
    "theme",
    "theme_id",
    "participant",
    "group",
    "segment_id",
    "excerpt",
    "words",
    "shortened",
]
JOINT_COLUMNS = [
    "research_question",
    "question",
    "quantitative",
    "statistics",
    "themes",
    "meta_inference",
    "explanation",
]


class PrimaryCoderError(DataValidationError, ValueError):
    """Config ``qualitative: primary_coder`` names no coder: a stop with its finding.

    A data error for the run's message (file, key, value, what is expected),
    and still the ValueError callers of :func:`choose_primary_coder` knew.
    """


def primary_coder_problem(segments: pd.DataFrame, configured: str | None) -> Finding | None:
    """The error when config ``qualitative: primary_coder`` names no coder of the segments.

    The run (rule ``qualitative_tables``) stops on it and ``evaluation
    validate`` reports it, the same finding.
    """
    if configured is None:
        return None
    coders = sorted(segments["coder"].unique().tolist())
    if normalise_text(configured) in {normalise_text(c) for c in coders}:
        return None
    return Finding(
        severity=ERROR,
        source="qualitative",
        file="config.yaml",
        message=(
            "config key 'qualitative: primary_coder' names a coder who coded no segment "
            "(at the cut-off)"
        ),
        value=str(configured),
        expected=(
            f"one of the coders in the data: {', '.join(coders) or 'none'}, or null for the "
            "coder with most segments"
        ),
    )


def choose_primary_coder(segments: pd.DataFrame, configured: str | None = None) -> str | None:
    """The configured coder, or the coder with most segments (ties: first in sort order)."""
    coders = sorted(segments["coder"].unique().tolist())
    if configured is not None:
        problem = primary_coder_problem(segments, configured)
        if problem is not None:
            raise PrimaryCoderError([problem])
        folded = {normalise_text(c): c for c in coders}
        return folded[normalise_text(configured)]
    if not coders:
        return None
    counts = segments.groupby("coder")["segment_id"].nunique()
    return sorted(coders, key=lambda c: (-int(counts[c]), c))[0]


def groups_at_cut(participants: pd.DataFrame) -> list[str]:
    """Participant groups with at least one participant, in codebook order."""
    present = set(participants["group"])
    return [g for g in value_set("qual_participant_group").labels if g in present]


def theme_matrix(
    themes: pd.DataFrame, participants: pd.DataFrame, segments: pd.DataFrame, coder: str | None
) -> pd.DataFrame:
    """Distinct participants per theme and group (primary coder), over the group's participants.

    Rows follow the theme codebook (each parent followed by its sub-themes) and
    count each theme on its own; groups without participants are left out.
    """
    ordered = themes.sort_values("order")
    labels = dict(zip(themes["theme"], themes["label"], strict=True))
    groups = groups_at_cut(participants)
    group_of = dict(zip(participants["participant_id"], participants["group"], strict=True))
    denominators = participants.groupby("group")["participant_id"].nunique()
    coded = segments[segments["coder"] == coder] if coder is not None else segments.iloc[0:0]
    pairs = coded[["theme", "participant_id"]].drop_duplicates()
    pairs = pairs.assign(group=pairs["participant_id"].map(group_of))
    counts = pairs.groupby(["theme", "group"]).size()
    rows = []
    for theme, parent in zip(ordered["theme"], ordered["parent"], strict=True):
        for group in groups:
            n = int(counts.get((theme, group), 0))
            d = int(denominators[group])
            rows.append(
                {
                    "row": labels[theme],
                    "column": group,
                    "n": n,
                    "denominator": d,
                    "pct": percent(n, d),
                    "theme_id": theme,
                    "parent": labels.get(parent) if isinstance(parent, str) else None,
                }
            )
    return pd.DataFrame(rows, columns=MATRIX_COLUMNS)


def theme_list(
    spec: ThemeList,
    themes: pd.DataFrame,
    participants: pd.DataFrame,
    segments: pd.DataFrame,
    coder: str | None,
) -> pd.DataFrame:
    """A declared theme list: the parent's sub-themes, each with the participants who spoke of it.

    Rows are the labels of the child themes of ``spec.parent`` in themes.csv
    order; ``column`` is the declared label; ``n`` the distinct participants
    with at least one segment coded to the theme by the primary coder (as the
    theme matrix counts them, every group together); ``denominator`` every
    participant at the cut-off. A parent that is not a theme, or has no
    sub-themes, raises :class:`ThemeListError` naming the codebook file.
    """
    where = f"{THEME_LISTS_FILE}: theme list {spec.table_id!r}"
    ids = {normalise_text(t): t for t in themes["theme"]}
    parent = ids.get(normalise_text(spec.parent))
    if parent is None:
        raise ThemeListError(
            f"{where}: parent {spec.parent!r} is not a theme id of themes.csv "
            f"(theme ids: {', '.join(themes['theme']) or 'none'})"
        )
    children = themes.loc[themes["parent"] == parent].sort_values("order")
    if children.empty:
        raise ThemeListError(
            f"{where}: theme {parent!r} has no sub-themes in themes.csv (no theme names it as "
            "its parent); a theme list lists the sub-themes of a top-level theme"
        )
    total = int(participants["participant_id"].nunique())
    coded = segments[segments["coder"] == coder] if coder is not None else segments.iloc[0:0]
    reach = coded.groupby("theme")["participant_id"].nunique()
    rows = [
        {
            "row": label,
            "column": spec.column,
            "n": int(reach.get(theme, 0)),
            "denominator": total,
            "pct": percent(int(reach.get(theme, 0)), total),
        }
        for theme, label in zip(children["theme"], children["label"], strict=True)
    ]
    return pd.DataFrame(rows, columns=TIDY_COLUMNS)


def attribution(participant_id: str, group: str) -> str:
    """How a report attributes a quote: 'Amy, mother after release'."""
    entries = {
        e["label"]: e
        for e in load_codebook()["qualitative"]["value_sets"]["qual_participant_group"]
    }
    return f"{participant_id}, {entries[group].get('attribution', group.lower())}"


def shorten(text: str, max_words: int | None) -> tuple[str, int, bool]:
    """Text limited to max_words words (marker appended when cut), its word count, whether cut."""
    words = text.split()
    if max_words is None or len(words) <= max_words:
        return " ".join(words), len(words), False
    marker = load_codebook()["qualitative"]["quote_bank"]["shortened_marker"]
    return " ".join(words[:max_words]) + " " + marker, len(words), True


def quote_bank(
    themes: pd.DataFrame,
    participants: pd.DataFrame,
    segments: pd.DataFrame,
    coder: str | None,
    max_words: int | None,
) -> pd.DataFrame:
    """Exemplar segments of the primary coder per theme, attributed, in a fixed order.

    Order: theme (codebook order), participant group (codebook order),
    participant, segment id.
    """
    if coder is None:
        return pd.DataFrame(columns=QUOTE_COLUMNS)
    theme_order = dict(zip(themes["theme"], themes["order"], strict=True))
    labels = dict(zip(themes["theme"], themes["label"], strict=True))
    group_order = {g: i for i, g in enumerate(value_set("qual_participant_group").labels)}
    group_of = dict(zip(participants["participant_id"], participants["group"], strict=True))
    chosen = segments[
        (segments["coder"] == coder)
        & segments["exemplar"]
        & (segments["excerpt"].str.strip() != "")
    ]
    group = chosen["participant_id"].map(group_of)
    who = {pid: attribution(pid, group_of[pid]) for pid in pd.unique(chosen["participant_id"])}
    cut = {text: shorten(text, max_words) for text in pd.unique(chosen["excerpt"])}
    quotes = pd.DataFrame(
        {
            "theme": chosen["theme"].map(labels),
            "theme_id": chosen["theme"],
            "participant": chosen["participant_id"].map(who),
            "group": group,
            "segment_id": chosen["segment_id"],
            **{
                column: chosen["excerpt"].map({text: c[i] for text, c in cut.items()})
                for i, column in enumerate(["excerpt", "words", "shortened"])
            },
            "_theme": chosen["theme"].map(theme_order),
            "_group": group.map(group_order),
            "_participant": chosen["participant_id"],
        }
    )
    order = ["_theme", "_group", "_participant", "segment_id"]
    quotes = quotes.sort_values(order, kind="stable")
    # rebuilt from plain lists: the same column types as a frame built row by row
    return pd.DataFrame({c: quotes[c].tolist() for c in QUOTE_COLUMNS}, columns=QUOTE_COLUMNS)


# --------------------------------------------------------------------------- joint display


def known_result_ids() -> dict[str, str]:
    """Table and key-fact ids defined anywhere in the codebook (theme lists too) -> their title."""
    known: dict[str, str] = {}
    for part in load_codebook().values():
        if not isinstance(part, dict):
            continue
        for table_id, spec in (part.get("tables") or {}).items():
            known.setdefault(table_id, (spec or {}).get("title", table_id))
        for fact_id, spec in (part.get("key_facts") or {}).items():
            known.setdefault(fact_id, (spec or {}).get("label", fact_id))
    for table_id, spec in declared_theme_lists().items():  # the strand's declared tables
        known.setdefault(table_id, spec.title)
    return known


def read_integration(path: str | Path, themes: pd.DataFrame, log: FindingLog) -> list[dict]:
    """integration.yaml -> validated rows (research question, result ids, theme ids, meta-inference)."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        log.error(
            path, "file is not valid YAML", row=(mark.line + 1) if mark else None, check="yaml"
        )
        return []
    entries = data.get("research_questions") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        log.error(path, "expected a top-level list 'research_questions:'", check="structure")
        return []
    questions = value_set("qual_research_question")
    inferences = value_set("qual_meta_inference")
    theme_ids = {normalise_text(t): t for t in themes["theme"]}
    known = known_result_ids()
    rows, seen = [], set()
    for i, entry in enumerate(entries, start=1):
        where = f"entry {i}"
        if not isinstance(entry, dict):
            log.error(path, f"{where} is not a mapping", check="structure")
            continue
        errors_before = len(log.errors)
        rq = questions.match(entry.get("id", ""))
        if rq is None:
            log.error(
                path,
                f"{where}: unknown research question",
                column="id",
                value=str(entry.get("id")),
                expected=", ".join(questions.labels),
                check="category",
            )
        elif rq in seen:
            log.error(
                path,
                f"{where}: research question listed twice",
                column="id",
                value=rq,
                check="duplicate",
            )
        meta = inferences.match(entry.get("meta_inference", ""))
        if meta is None:
            log.error(
                path,
                f"{where}: unknown meta-inference",
                column="meta_inference",
                value=str(entry.get("meta_inference")),
                expected=", ".join(inferences.labels),
                check="category",
            )
        linked_themes = []
        for t in _as_list(entry.get("themes")):
            match = theme_ids.get(normalise_text(t))
            if match is None:
                log.error(
                    path,
                    f"{where}: theme is not one of the study's themes",
                    column="themes",
                    value=str(t),
                    expected="theme ids of themes.csv, or, when the themes come from a REFI-QDA "
                    "project's codes, the codes' names",
                    check="unknown_theme",
                )
            else:
                linked_themes.append(match)
        results = [str(r).strip() for r in _as_list(entry.get("quantitative"))]
        for r in results:
            if r not in known:
                log.warning(
                    path,
                    f"{where}: quantitative result id is not a table or key fact of the codebook",
                    column="quantitative",
                    value=r,
                    check="unknown_result",
                )
        sentence = str(entry.get("sentence") or "").strip()
        if not sentence:
            log.warning(
                path,
                f"{where}: no sentence explaining the meta-inference",
                column="sentence",
                check="blank",
            )
        if len(log.errors) > errors_before:
            continue
        seen.add(rq)
        rows.append(
            {
                "research_question": rq,
                "quantitative": results,
                "themes": linked_themes,
                "meta_inference": meta,
                "sentence": sentence,
            }
        )
    for rq in questions.labels:
        if rq not in seen:
            log.warning(
                path,
                "research question has no row in the joint display",
                column="id",
                value=rq,
                check="coverage",
            )
    order = {q: i for i, q in enumerate(questions.labels)}
    return sorted(rows, key=lambda r: order[r["research_question"]])


def _as_list(value) -> list:
    if value is None:
        return []
    if isinstance(value, str):
        return [v for v in (s.strip() for s in value.replace(";", ",").split(",")) if v]
    return list(value)


def joint_display(
    integration: list[dict],
    themes: pd.DataFrame,
    participants: pd.DataFrame,
    segments: pd.DataFrame,
    coder: str | None,
) -> pd.DataFrame:
    """One row per research question: linked statistics, themes with their reach, meta-inference.

    ``quantitative`` lists the linked table and key-fact ids, ``statistics``
    their titles; ``themes`` gives each linked theme with the participants
    (primary coder) who contributed to it, out of all participants at the cut.
    """
    questions = {
        e["label"]: e.get("question", "")
        for e in load_codebook()["qualitative"]["value_sets"]["qual_research_question"]
    }
    labels = dict(zip(themes["theme"], themes["label"], strict=True))
    known = known_result_ids()
    total = participants["participant_id"].nunique()
    coded = segments[segments["coder"] == coder] if coder is not None else segments.iloc[0:0]
    reach = coded.groupby("theme")["participant_id"].nunique()
    rows = []
    for entry in integration:
        rows.append(
            {
                "research_question": entry["research_question"],
                "question": questions.get(entry["research_question"], ""),
                "quantitative": "; ".join(entry["quantitative"]),
                "statistics": "; ".join(known.get(r, r) for r in entry["quantitative"]),
                "themes": "; ".join(
                    f"{labels[t]} ({int(reach.get(t, 0))} of {total} participants)"
                    for t in entry["themes"]
                ),
                "meta_inference": entry["meta_inference"],
                "explanation": entry["sentence"],
            }
        )
    return pd.DataFrame(rows, columns=JOINT_COLUMNS)


def report_quotes(quotes: pd.DataFrame, per_theme: int | None) -> list[dict]:
    """The first ``per_theme`` quotes of each theme (quote-bank order) for the report's prose."""
    out = []
    for theme in dict.fromkeys(quotes["theme"]):
        chosen = quotes[quotes["theme"] == theme]
        if per_theme is not None:
            chosen = chosen.head(per_theme)
        out.append(
            {
                "theme": theme,
                "quotes": [
                    {"excerpt": e, "attribution": a}
                    for e, a in zip(chosen["excerpt"], chosen["participant"], strict=True)
                ],
            }
        )
    return out


def participant_summary(participants: pd.DataFrame) -> list[dict]:
    """Per group at the cut: participants and interviews, codebook order."""
    out = []
    for group in groups_at_cut(participants):
        members = participants[participants["group"] == group]
        out.append(
            {
                "group": group,
                "participants": int(len(members)),
                "interviews": int(members["interviews"].sum()),
            }
        )
    return out
