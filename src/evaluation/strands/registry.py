"""The strands' registry: what each strand of the pipeline adds to the report.

A strand (the case tracker, the surveys, the qualitative study, the activity
log) declares once, at the end of its ``rules/<strand>.smk``, the files the
shared stages collect from it: its publish groups, report tables, figures,
context files, key-fact parts, ledgers, data-quality findings and other final
targets. The shared stages (report, audit, provenance, ``rule all``) read them
back through :func:`files`, :func:`publish_groups` and
:func:`publish_context`, which concatenate the strands in the order they were
registered (the order of the ``include:`` lines in the Snakefile).
"""

from __future__ import annotations

from dataclasses import dataclass

#: The list fields of a :class:`Strand`, as :func:`files` accepts them.
FILE_KINDS = ("tables", "figures", "context", "key_facts", "ledger", "findings", "targets")


@dataclass(frozen=True)
class Strand:
    """The files one strand contributes to the shared stages.

    ``publish_groups`` maps a publish group to the ids of the computed tables
    one job writes (``data/processed/tables/<id>.csv``); with ``min_cell:
    null`` each group is published by a ``publish_<group>`` job of its own,
    with the context files ``publish_context`` lists for it. ``tables``,
    ``figures`` and ``context`` are the report's inputs; ``key_facts``,
    ``ledger`` and ``findings`` the parts merged by ``key_facts`` and
    ``audit_logs``; ``targets`` further files ``rule all`` builds.
    """

    name: str
    publish_groups: dict[str, list[str]]
    tables: list[str]
    figures: list[str]
    context: list[str]
    key_facts: list[str]
    ledger: list[str]
    findings: list[str]
    targets: list[str]
    publish_context: dict[str, list[str]]


def register(strands: dict[str, Strand], strand: Strand) -> Strand:
    """Add ``strand`` to ``strands`` (by name), after checking it against those there.

    A strand registers once; a publish group belongs to one strand; a group
    with context files is one of the strand's publish groups, and its context
    files are among the strand's ``context``.
    """
    if strand.name in strands:
        raise ValueError(f"strand {strand.name!r} is registered twice")
    taken = {group for other in strands.values() for group in other.publish_groups}
    clashes = sorted(taken & set(strand.publish_groups))
    if clashes:
        raise ValueError(f"strand {strand.name!r}: publish groups already registered: {clashes}")
    unknown = sorted(set(strand.publish_context) - set(strand.publish_groups))
    if unknown:
        raise ValueError(f"strand {strand.name!r}: context for unknown publish groups: {unknown}")
    missing = [
        path
        for paths in strand.publish_context.values()
        for path in paths
        if path not in strand.context
    ]
    if missing:
        raise ValueError(f"strand {strand.name!r}: published context not in its context: {missing}")
    strands[strand.name] = strand
    return strand


def files(strands: dict[str, Strand], kind: str) -> list[str]:
    """The files of ``kind`` (one of :data:`FILE_KINDS`) of every strand, in registration order."""
    if kind not in FILE_KINDS:
        raise ValueError(f"unknown kind of strand files {kind!r}; one of {FILE_KINDS}")
    return [path for strand in strands.values() for path in getattr(strand, kind)]


def publish_groups(strands: dict[str, Strand]) -> dict[str, list[str]]:
    """Every strand's publish groups (group -> table ids), in registration order."""
    return {
        group: list(ids)
        for strand in strands.values()
        for group, ids in strand.publish_groups.items()
    }


def publish_context(strands: dict[str, Strand], group: str) -> list[str]:
    """The context files the publish job of ``group`` protects ([] for a group without)."""
    for strand in strands.values():
        if group in strand.publish_context:
            return list(strand.publish_context[group])
    return []
