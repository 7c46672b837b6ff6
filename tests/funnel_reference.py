"""A slow, obvious, plain-Python reference of funnels (definitions §2.5), by brute force.

Every chain of a unit's hits is enumerated and checked against the rules one by one; nothing is
shared with ``micromacro.funnels``. Matching a hit against a step reuses the goal reference
(``tests.reference``), since funnel steps match hits exactly as destination and event goals do.
Units in the tests have few hits, so enumerating all combinations is cheap.

    >>> from micromacro.goals import DestinationMatcher, Funnel, FunnelStep, StringMatcher
    >>> step = FunnelStep("a", (DestinationMatcher(StringMatcher("equals", "/a")),))
    >>> attempt_of(Funnel("f", (step, step)), ()) is None
    True
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass
from itertools import combinations, pairwise

from micromacro.goals import DestinationMatcher, Funnel, FunnelStep, Goal, HitMatcher
from tests.reference import Hit, hit_matches, sessions_of

Chain = tuple[int, ...]  # positions in the unit's hit list, one per step from the entry step


def hit_order(hit: Hit) -> tuple[object, ...]:
    """Hit order: time, then the source file's rank, then the line number."""
    return (hit.ts, hit.file_rank, hit.line_no)


# --- units ------------------------------------------------------------------------------------


def units_of(hits: Sequence[Hit], funnel: Funnel, timeout_s: float = 1800) -> list[list[Hit]]:
    """The funnel's units, each its hits in hit order: sessions, or visitors' hits together."""
    sessions = sessions_of(hits, timeout_s)
    if funnel.scope == "session":
        return [list(session.hits) for session in sessions]
    by_visitor: dict[Hashable, list[Hit]] = defaultdict(list)
    for session in sessions:
        by_visitor[session.visitor].extend(session.hits)
    return [sorted(unit, key=hit_order) for unit in by_visitor.values()]


# --- matching ---------------------------------------------------------------------------------


def matcher_matches(matcher: HitMatcher, hit: Hit) -> bool:
    """The goal reference's verdict for a goal with this one matcher."""
    if isinstance(matcher, DestinationMatcher):
        return hit_matches(Goal("step", "micro", "destination", destination=matcher), hit)
    return hit_matches(Goal("step", "micro", "event", event=matcher), hit)


def step_matches(step: FunnelStep, hit: Hit) -> bool:
    """A hit satisfies a step when it passes any of the step's matchers."""
    return any(matcher_matches(matcher, hit) for matcher in step.matchers)


def steps_matched(funnel: Funnel, hit: Hit) -> list[int]:
    """The 1-based numbers of the steps ``hit`` satisfies."""
    return [k for k, step in enumerate(funnel.steps, start=1) if step_matches(step, hit)]


# --- entry and chains -------------------------------------------------------------------------


def entry_step(funnel: Funnel, unit: Sequence[Hit]) -> int | None:
    """Closed: step 1. Open: the lowest step of the unit's first hit matching any step, or None
    when no hit matches any step."""
    if funnel.entry == "closed":
        return 1
    for hit in unit:
        matched = steps_matched(funnel, hit)
        if matched:
            return min(matched)
    return None


def seconds_between(earlier: Hit, later: Hit) -> float:
    """Seconds from ``earlier``'s time to ``later``'s."""
    return (later.ts - earlier.ts).total_seconds()


def follows(funnel: Funnel, unit: Sequence[Hit], before: int, after: int) -> bool:
    """Whether the hit at position ``after`` may be the next step after the one at ``before``."""
    if after <= before:
        return False
    if funnel.order == "strict" and after != before + 1:
        return False
    gap = seconds_between(unit[before], unit[after])
    return funnel.within_step_s is None or gap <= funnel.within_step_s


def is_chain(funnel: Funnel, unit: Sequence[Hit], entry: int, chain: Chain) -> bool:
    """Whether ``chain`` is a valid chain for steps entry, entry+1, … (definitions §2.5)."""
    matches = all(
        step_matches(funnel.steps[entry - 1 + i], unit[position])
        for i, position in enumerate(chain)
    )
    links = all(follows(funnel, unit, a, b) for a, b in pairwise(chain))
    span = seconds_between(unit[chain[0]], unit[chain[-1]])
    within = funnel.within_s is None or span <= funnel.within_s
    return matches and links and within


def chains_to(funnel: Funnel, unit: Sequence[Hit], entry: int, step: int) -> Iterator[Chain]:
    """Every valid chain from step ``entry`` to step ``step``."""
    for chain in combinations(range(len(unit)), step - entry + 1):
        if is_chain(funnel, unit, entry, chain):
            yield chain


def timing_key(chain: Chain) -> tuple[int, ...]:
    """Smallest for the timing chain: earliest last hit, then latest hit before it, and so on."""
    return (chain[-1], *(-position for position in reversed(chain[:-1])))


# --- a unit's attempt -------------------------------------------------------------------------


@dataclass(frozen=True)
class Attempt:
    """A unit's best attempt: its entry and furthest steps, and ``gaps[k]`` (seconds from the
    step k-1 hit to the step k hit of the timing chain, None outside it) for k = 2..K."""

    entry: int
    furthest: int
    gaps: dict[int, float | None]


def gaps_of(
    funnel: Funnel, unit: Sequence[Hit], entry: int, chain: Chain
) -> dict[int, float | None]:
    """Step k's gap along ``chain`` (which starts at step ``entry``), None where it has none."""
    gaps: dict[int, float | None] = dict.fromkeys(range(2, len(funnel.steps) + 1))
    for i, (before, after) in enumerate(pairwise(chain)):
        gaps[entry + i + 1] = seconds_between(unit[before], unit[after])
    return gaps


def attempt_of(funnel: Funnel, unit: Sequence[Hit]) -> Attempt | None:
    """The unit's best attempt, or None when it never entered the funnel."""
    entry = entry_step(funnel, unit)
    if entry is None:
        return None
    for furthest in range(len(funnel.steps), entry - 1, -1):
        chains = list(chains_to(funnel, unit, entry, furthest))
        if chains:
            timing = min(chains, key=timing_key)
            return Attempt(entry, furthest, gaps_of(funnel, unit, entry, timing))
    return None


# --- the funnel's figures ---------------------------------------------------------------------


def share(part: int, whole: int) -> float | None:
    """``part / whole``; None when ``whole`` is 0."""
    return part / whole if whole else None


def median_or_none(values: list[float]) -> float | None:
    """The median of ``values``; None when there are none."""
    return statistics.median(values) if values else None


def step_rows(funnel: Funnel, attempts: Sequence[Attempt]) -> list[dict[str, object]]:
    """One row per step: reached, entrances, dropped, rates and the median gap."""
    numbers = range(1, len(funnel.steps) + 1)
    reached = [sum(a.entry <= k <= a.furthest for a in attempts) for k in numbers]
    dropped = [sum(a.furthest == k for a in attempts) for k in numbers[:-1]] + [0]  # 0 at the end
    rows: list[dict[str, object]] = []
    for k, step in enumerate(funnel.steps, start=1):
        i = k - 1
        gaps = [g for a in attempts if (g := a.gaps.get(k)) is not None]
        rows.append(
            {
                "step": k,
                "name": step.name,
                "reached": reached[i],
                "entrances": sum(a.entry == k for a in attempts),
                "dropped": dropped[i],
                "drop_off_rate": share(dropped[i], reached[i]),
                "conversion_from_start": share(reached[i], len(attempts)),
                "conversion_from_previous": (
                    share(reached[i - 1] - dropped[i - 1], reached[i - 1]) if k > 1 else None
                ),
                "median_time_from_previous_s": median_or_none(gaps),
            }
        )
    return rows


def funnel_figures(funnel: Funnel, attempts: Sequence[Attempt], units: int) -> dict[str, object]:
    """The funnel's overall figures and step rows, from the units' attempts (definitions §2.5)."""
    rows = step_rows(funnel, attempts)
    completed = rows[-1]["reached"]
    assert isinstance(completed, int)
    return {
        "name": funnel.name,
        "scope": funnel.scope,
        "entry": funnel.entry,
        "order": funnel.order,
        "within_s": funnel.within_s,
        "within_step_s": funnel.within_step_s,
        "units": units,
        "entered": len(attempts),
        "never_entered": units - len(attempts),
        "completed": completed,
        "conversion_rate": share(completed, len(attempts)),
        "steps": rows,
    }
