"""Declared consistency rules between record sets (``consistency:`` in the register codebook).

Each rule says that the records of one set, or the keys one list column
holds, are listed in another list column, or match a condition there::

    consistency:
      # every site whose status names the programme is covered by a team
      - every: sites
        where: {status: [Programme running, Programme planned]}
        listed_in: teams.sites
      # every site an operating service covers has that status
      - every: services.sites
        where: {status: [Operating]}
        is: {status: [Service operating]}

``every: <record set>`` takes that set's records (with ``where``) and
requires each key in ``listed_in`` (the list column of another set, with
``listed_where`` on that set). ``every: <set>.<list column>`` takes the keys
that column holds (in the records matching ``where``) and requires each to
name a record of the referenced set that matches ``is``. A record that breaks
a rule is an error naming its file, sheet, row and value.
"""

from __future__ import annotations

from evaluation.core.findings import FindingLog
from evaluation.strands.register.spec import RegisterSpec
from evaluation.strands.register.tables import _values, selected

#: The checks this module names in its findings (``check=``).
CHECKS: dict[str, str] = {
    "register_consistency": "records agree across sheets as the codebook's consistency rules say",
}


def check_consistency(frames, spec: RegisterSpec, files: dict[str, str], log: FindingLog) -> None:
    """Add an error to ``log`` for every record that breaks a declared rule."""
    for rule in spec.consistency:
        every = str(rule["every"])
        if "." in every:
            _listed_keys_match(frames, spec, files, log, rule)
        else:
            _records_listed(frames, spec, files, log, rule)


def _records_listed(frames, spec, files, log, rule) -> None:
    record_set = spec.record_sets[rule["every"]]
    other, column = str(rule["listed_in"]).split(".", 1)
    listed = set(_values(selected(frames[other], rule.get("listed_where")), column))
    header = spec.record_sets[other].columns[column].header
    records = selected(frames[record_set.name], rule.get("where"))
    for key, row in zip(records[record_set.key], records["source_row"], strict=True):
        if key not in listed:
            log.error(
                files[record_set.source],
                f"{record_set.unit} '{key}' is not listed under '{header}' of "
                f"{spec.record_sets[other].sheet or other}",
                sheet=record_set.sheet,
                row=row,
                column=record_set.columns[record_set.key].header,
                value=key,
                expected=rule.get("why") or f"listed in {spec.record_sets[other].sheet or other}",
                check="register_consistency",
            )


def _listed_keys_match(frames, spec, files, log, rule) -> None:
    name, column = str(rule["every"]).split(".", 1)
    source = spec.record_sets[name]
    target = spec.record_sets[source.columns[column].references]
    matching = set(selected(frames[target.name], rule.get("is"))[target.key])
    records = selected(frames[name], rule.get("where"))
    for keys, row in zip(records[column], records["source_row"], strict=True):
        for key in keys if keys is not None else []:
            if key not in matching:
                wanted = "; ".join(
                    f"{target.columns[c].header} {', '.join(map(str, v))}"
                    for c, v in (rule.get("is") or {}).items()
                )
                log.error(
                    files[source.source],
                    f"{target.unit} '{key}' does not have {wanted} in {target.sheet or target.name}",
                    sheet=source.sheet,
                    row=row,
                    column=source.columns[column].header,
                    value=key,
                    expected=rule.get("why") or wanted,
                    check="register_consistency",
                )
