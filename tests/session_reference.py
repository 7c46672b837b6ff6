"""A brute-force, plain-Python reference of sessions with input session ids (README, "Visitors
and sessions"), written from the rule and not from ``micromacro/sessions.py``:

- a hit with a session id belongs to its visitor's session of that id;
- a hit without one joins the session of the visitor's keyed hit nearest to it in time, if that
  hit is at most the timeout away (the absolute gap); at equal gaps a keyed hit before it (in
  hit order: time, file, line) wins over one after it, and of several on the same side the one
  nearest in hit order;
- the hits left over form sessions among themselves: a visitor's leftover hits in hit order,
  split where the gap to the previous leftover hit is greater than the timeout.

Every hit without an id is compared with every keyed hit of its visitor: quadratic, obvious.

    >>> hits = [RefHit("a", "s1", 0, 0, 1), RefHit("a", None, 60, 0, 2)]
    >>> sessions_of(hits, timeout_s=1800)
    [frozenset({(0, 1), (0, 2)})]
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class RefHit:
    """A hit as far as sessions care: its visitor, its session id (or None), its time in
    seconds, and where it was read (the file's rank among the inputs, the line)."""

    visitor: Hashable
    session_id: str | None
    ts: float
    file_rank: int
    line_no: int

    @property
    def where(self) -> tuple[int, int]:
        return (self.file_rank, self.line_no)


def _hit_order(hit: RefHit) -> tuple[float, int, int]:
    return (hit.ts, hit.file_rank, hit.line_no)


def sessions_of(hits: Sequence[RefHit], timeout_s: float) -> list[frozenset[tuple[int, int]]]:
    """The sessions of ``hits``, each as the set of its hits' (file rank, line), sorted."""
    by_visitor: dict[Hashable, list[RefHit]] = defaultdict(list)
    for hit in hits:
        by_visitor[hit.visitor].append(hit)
    sessions: list[frozenset[tuple[int, int]]] = []
    for visits in by_visitor.values():
        visits.sort(key=_hit_order)
        groups: dict[str, list[RefHit]] = defaultdict(list)
        left_over: list[RefHit] = []
        for i, hit in enumerate(visits):
            if hit.session_id is not None:
                groups[hit.session_id].append(hit)
                continue
            best: tuple[float, int, int] | None = None
            best_id = None
            for j, other in enumerate(visits):
                if other.session_id is None:
                    continue
                gap = abs(other.ts - hit.ts)
                if gap > timeout_s:
                    continue
                rank = (gap, 0 if j < i else 1, abs(i - j))
                if best is None or rank < best:
                    best, best_id = rank, other.session_id
            if best_id is None:
                left_over.append(hit)
            else:
                groups[best_id].append(hit)
        sessions += [frozenset(hit.where for hit in group) for group in groups.values()]
        current: list[RefHit] = []
        for hit in left_over:
            if current and hit.ts - current[-1].ts > timeout_s:
                sessions.append(frozenset(h.where for h in current))
                current = []
            current.append(hit)
        if current:
            sessions.append(frozenset(h.where for h in current))
    return sorted(sessions, key=sorted)
