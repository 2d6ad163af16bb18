"""Statistical disclosure control over the whole release.

Two settings (config ``disclosure:``):

- ``min_cell: null`` (default): nothing is changed; counts from 1 to
  ``review_threshold - 1`` are flagged for a person to review before any
  release.
- ``min_cell: k``: no count from 1 to k-1 can be learned from anything the
  pipeline publishes. Every published number is registered in one
  :class:`~evaluation.disclosure.model.Release` with the relations an
  intruder can use between them (:mod:`~evaluation.disclosure.release`);
  counts from 1 to k-1 are suppressed and complementary cells chosen over
  the whole release (:mod:`~evaluation.disclosure.suppress`) until the
  intruder's linear-programming audit (:mod:`~evaluation.disclosure.audit`)
  leaves every suppressed cell an interval of at least k. An output whose
  audit finds a narrower interval, or a visible count from 1 to k-1, is
  ``fail``, and the run stops naming it.

Each output gets a log entry in the style of ACRO's results file: cells,
cells flagged, cells suppressed (primary / secondary), the audit (suppressed
cells, the narrowest interval, narrow cells and visible small counts) and a
status ``pass`` / ``review`` / ``fail`` / ``exempt``.
"""

from __future__ import annotations

from dataclasses import dataclass

PASS, REVIEW, FAIL, EXEMPT = "pass", "review", "fail", "exempt"


@dataclass(frozen=True)
class DisclosureSettings:
    min_cell: int | None = None
    review_threshold: int = 5

    @classmethod
    def from_config(cls, disclosure: dict | None) -> DisclosureSettings:
        disclosure = disclosure or {}
        min_cell = disclosure.get("min_cell")
        return cls(
            None if min_cell is None else int(min_cell),
            int(disclosure.get("review_threshold", 5)),
        )


class DisclosureError(Exception):
    """The release would disclose a small count: the run stops, naming the output and cell."""
