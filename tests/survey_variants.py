"""Survey studies other than the example: a mothers' codebook without its scored scale.

The example study's mothers' questionnaire has a scored scale, the WAI-SR
(``wai:`` in ``codebook/mothers_survey.yaml``). A study whose questionnaire
has none leaves out that declaration and what only the scale uses: its items
and response scale, its tables and their titles, its value sets, the total
score among the paired items, and its report numbers.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

#: The scored scale's table ids (``wai: tables:`` of the example codebook).
WAI_TABLES = ("wai_scores", "wai_completion")


def without_scored_scale(mothers: dict) -> dict:
    """The mothers' codebook part (as loaded) with the scored scale and all that is its own removed."""
    out = dict(mothers)
    wai = out.pop("wai")
    items = set(wai["items"])
    scales = {out["variables"][item]["scale"] for item in items}
    out["variables"] = {k: v for k, v in out["variables"].items() if k not in items}
    out["scales"] = {k: v for k, v in out["scales"].items() if k not in scales}
    dropped_sets = {"wai_completion_status", "wai_score_name", "wai_missing_codes"}
    dropped_sets |= {mothers["scales"][name]["value_set"] for name in scales}
    out["value_sets"] = {k: v for k, v in out["value_sets"].items() if k not in dropped_sets}
    # the reason that belonged to the scale's own missing code
    not_met = {e["label"] for e in mothers["value_sets"]["wai_missing_codes"]}
    out["value_sets"]["mothers_missing_reason"] = [
        e for e in out["value_sets"]["mothers_missing_reason"] if e["label"] not in not_met
    ]
    tables = set(wai["tables"].values())
    out["tables"] = {k: v for k, v in out["tables"].items() if k not in tables}
    out["paired_items"] = [i for i in out["paired_items"] if i != "wai_total"]
    out["paired_extra_labels"] = {
        k: v for k, v in out["paired_extra_labels"].items() if k != "wai_total"
    }
    numbers = out["report_numbers"]["surveys"]
    out["report_numbers"] = {
        "surveys": {k: v for k, v in numbers.items() if not k.startswith("wai.")}
    }
    return out


def codebook_without_scored_scale(source: Path, destination: Path) -> Path:
    """Copy the codebook folder ``source`` to ``destination``, its mothers' scored scale removed."""
    destination.mkdir(parents=True, exist_ok=True)
    for path in sorted(Path(source).glob("*.yaml")):
        shutil.copy2(path, destination / path.name)
    target = destination / "mothers_survey.yaml"
    mothers = yaml.safe_load(target.read_text(encoding="utf-8"))
    target.write_text(
        "# The example questionnaire without its scored scale (tests/survey_variants.py).\n"
        + yaml.safe_dump(without_scored_scale(mothers), sort_keys=False, allow_unicode=True),
        encoding="utf-8",
    )
    return destination
