"""Theme lists a study declares: the sub-themes of one theme as a table of their own.

A study that publishes the sub-themes of one theme as a table (for example
"the core components of the services") declares it in its
``codebook/qualitative.yaml``::

    theme_lists:
      core_components:             # the table id: data/processed/tables/<id>.csv
        parent: core_components    # a theme id of themes.csv
        title: "Core components of the services"
        column: Interviews         # the tidy table's column label

Each list is a tidy table (``row, column, n, denominator, pct``): one row per
child theme of ``parent``, in themes.csv order, labelled as in themes.csv;
``n`` counts the participants at the cut-off with at least one segment coded
to the theme by the primary coder (as the theme matrix counts them) and
``denominator`` is every participant at the cut-off. The table is built by
rule ``qualitative_tables`` (:func:`evaluation.strands.qualitative.analysis.theme_list`)
and published with the strand's other tables.

This module reads the declarations only (no pandas): ``rules/qualitative.smk``
calls :func:`declared_theme_lists` when the workflow is parsed, to name the
tables among the rule's outputs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from evaluation.core.codebook import load_codebook

#: Where a study declares its theme lists, as messages name it.
WHERE = "codebook/qualitative.yaml"
#: The tables the strand always builds: a theme list may not take their ids.
STRAND_TABLES = ("theme_matrix", "intercoder_agreement", "quote_bank", "joint_display")
#: A table id names a file and a Snakemake output: lower case, digits and underscores.
TABLE_ID = re.compile(r"[a-z][a-z0-9_]*")
KEYS = ("parent", "title", "column")
OPTIONAL_KEYS = ("description",)


class ThemeListError(ValueError):
    """A theme list of the study's codebook is not well formed or does not fit themes.csv."""


@dataclass(frozen=True)
class ThemeList:
    """One declared theme list: the table ``table_id`` of the children of theme ``parent``."""

    table_id: str
    parent: str
    title: str
    column: str
    description: str = ""


def declared_theme_lists(codebook: dict | None = None) -> dict[str, ThemeList]:
    """The study's theme lists by table id, in the codebook's order ({} when none are declared).

    Raises :class:`ThemeListError` naming ``codebook/qualitative.yaml`` when a
    declaration is not well formed or its id is already a table's.
    """
    codebook = load_codebook() if codebook is None else codebook
    section = (codebook.get("qualitative") or {}).get("theme_lists")
    if section is None:
        return {}
    if not isinstance(section, dict):
        raise ThemeListError(
            f"{WHERE}: 'theme_lists' must map table ids to their parent, title and column"
        )
    other_tables = {
        table_id
        for part in codebook.values()
        if isinstance(part, dict)
        for table_id in (part.get("tables") or {})
    }
    lists = {}
    for table_id, body in section.items():
        where = f"{WHERE}: theme list {table_id!r}"
        if not isinstance(table_id, str) or not TABLE_ID.fullmatch(table_id):
            raise ThemeListError(
                f"{where}: a table id is lower-case letters, digits and underscores, "
                "starting with a letter"
            )
        if table_id in STRAND_TABLES or table_id in other_tables:
            raise ThemeListError(
                f"{where}: {table_id!r} is already a table id of the codebook or of the "
                "qualitative strand; give the theme list an id of its own"
            )
        if not isinstance(body, dict):
            raise ThemeListError(f"{where}: needs {', '.join(KEYS)}")
        unknown = [k for k in body if k not in KEYS + OPTIONAL_KEYS]
        if unknown:
            raise ThemeListError(
                f"{where}: unknown key(s) {', '.join(map(str, unknown))}; "
                f"a theme list has {', '.join(KEYS + OPTIONAL_KEYS)}"
            )
        missing = [k for k in KEYS if not str(body.get(k) or "").strip()]
        if missing:
            raise ThemeListError(f"{where}: needs {', '.join(missing)} (not blank)")
        lists[table_id] = ThemeList(
            table_id=table_id,
            parent=str(body["parent"]).strip(),
            title=str(body["title"]).strip(),
            column=str(body["column"]).strip(),
            description=str(body.get("description") or "").strip(),
        )
    return lists
