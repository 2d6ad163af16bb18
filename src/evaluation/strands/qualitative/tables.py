"""Tables of the qualitative strand at the cut-off: theme matrix, agreement, quotes, joint display.

With the theme lists the study's codebook declares (``theme_lists:``, see
:mod:`evaluation.strands.qualitative.theme_lists`), one table per list.

Every text the tables write passes the identifier guard again
(:func:`guard_written_texts`) before it is written.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from evaluation.core.findings import FindingLog
from evaluation.core.identifiers import check_texts, read_disallowed_names
from evaluation.core.stage import StageResult
from evaluation.strands.qualitative import agreement as agreement_module
from evaluation.strands.qualitative import analysis
from evaluation.strands.qualitative.read import SOURCE, flagged_texts
from evaluation.strands.qualitative.theme_lists import declared_theme_lists


@dataclass
class QualitativeTables:
    """The strand's tables by id, with the coder and agreement summary they were built with."""

    tables: dict[str, pd.DataFrame]
    primary_coder: str | None
    agreement_summary: dict
    #: the integration file's findings (warnings only: errors stop the build)
    findings: FindingLog


def build_qualitative_tables(
    at_cut: StageResult,
    *,
    integration: str,
    primary_coder: str | None,
    quote_max_words: int | None,
) -> QualitativeTables:
    """Theme matrix, intercoder agreement, quote bank, joint display and theme lists of the run.

    ``at_cut`` is the cut-off's result; ``integration`` the integration YAML
    (its errors stop here, with every finding at once).
    """
    themes, participants, segments = at_cut["themes"], at_cut["participants"], at_cut["segments"]
    log = FindingLog(SOURCE)
    coder = analysis.choose_primary_coder(segments, primary_coder)
    matrix = analysis.theme_matrix(themes, participants, segments, coder)
    agreement, summary = (
        agreement_module.agreement_table(themes, segments, coder)
        if coder
        else (
            pd.DataFrame(columns=agreement_module.AGREEMENT_COLUMNS),
            {"double_coded_segments": 0},
        )
    )
    quotes = analysis.quote_bank(themes, participants, segments, coder, quote_max_words)
    integration_rows = analysis.read_integration(integration, themes, log)
    joint = analysis.joint_display(integration_rows, themes, participants, segments, coder)
    log.raise_if_errors()
    tables = {
        "theme_matrix": matrix,
        "intercoder_agreement": agreement,
        "quote_bank": quotes,
        "joint_display": joint,
    }
    for table_id, spec in declared_theme_lists().items():
        tables[table_id] = analysis.theme_list(spec, themes, participants, segments, coder)
    return QualitativeTables(tables, coder, summary, log)


def guard_written_texts(
    built: QualitativeTables,
    *,
    quote_bank_file: str,
    integration_file: str,
    disallowed_names: str | None,
) -> None:
    """Stop when the identifier guard finds something in a text the tables write.

    Each distinct text is scanned once; only the rows holding a flagged text
    are reported, at the file each is written to (quotes) or read from
    (the integration sentences).
    """
    quotes, joint = built.tables["quote_bank"], built.tables["joint_display"]
    names = read_disallowed_names(disallowed_names)
    flagged = flagged_texts([quotes["excerpt"], quotes["participant"], joint["explanation"]], names)
    hit = quotes["excerpt"].isin(flagged) | quotes["participant"].isin(flagged)
    items = [
        ({"file": quote_bank_file, "column": column, "segment": seg}, text)
        for seg, excerpt, who in zip(
            quotes.loc[hit, "segment_id"],
            quotes.loc[hit, "excerpt"],
            quotes.loc[hit, "participant"],
            strict=True,
        )
        for column, text in (("excerpt", excerpt), ("participant", who))
    ]
    explained = joint.loc[joint["explanation"].isin(flagged)]
    items += [
        ({"file": integration_file, "column": "sentence", "field": f"the sentence of {rq}"}, text)
        for rq, text in zip(explained["research_question"], explained["explanation"], strict=True)
    ]
    check_texts(items, names, source=SOURCE)
