"""``--compare``: every figure of a report against the same figure in an earlier period.

A comparison is built in one step from the two periods' rows and never changes them: each
figure gets a ``Change`` (its earlier value and the difference), and each rate also the
two-proportion p-value of the difference (definitions §2.8). When the earlier period has no session,
every earlier value, change and p-value is null; when the report's own period has none, so are
the change and p-value of every figure per session (a rate of nobody is shown as 0, but it is
no fall).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from micromacro.metric_paths import MONEY_FIELDS
from micromacro.rows import (
    SUMMARY_FIGURES,
    SUMMARY_RATES,
    FunnelResult,
    GoalRow,
    SegmentRow,
    SummaryFigures,
)
from micromacro.stats import money_difference, two_proportion_p_value

# The summary figures that are averages over sessions: with no session they have no value to
# change from or to (the report shows them as 0).
PER_SESSION_FIGURES = frozenset(
    (*SUMMARY_RATES, "avg_session_duration_s", "pages_per_session", "macro_revenue_per_session")
)


@dataclass(frozen=True, slots=True)
class Change:
    """A figure's value in the comparison period and its change since (now − then); for a
    rate, ``p_value`` tests the change as a difference of two proportions."""

    previous: float | None
    change: float | None
    p_value: float | None = None


NO_CHANGE = Change(None, None, None)


@dataclass(frozen=True, slots=True)
class SummaryChanges:
    """Each summary figure's ``Change``, by field name (rates carry a p-value)."""

    figures: dict[str, Change]

    def as_dict(self) -> dict[str, object]:
        """``previous_<figure>``, ``change_<figure>`` and, for rates, ``change_p_value_<figure>``
        after the summary's own keys."""
        result: dict[str, object] = {}
        for name, change in self.figures.items():
            result[f"previous_{name}"] = change.previous
            result[f"change_{name}"] = change.change
            if name in SUMMARY_RATES:
                result[f"change_p_value_{name}"] = change.p_value
        return result


@dataclass(frozen=True, slots=True)
class GoalChange:
    """A goal's conversions in the comparison period and the ``Change`` of its session rate."""

    previous_conversions: int | None
    rate: Change

    def as_dict(self) -> dict[str, object]:
        """The comparison keys of a JSON goal."""
        return {
            "previous_conversions": self.previous_conversions,
            "previous_conversion_rate": self.rate.previous,
            "change": self.rate.change,
            "change_p_value": self.rate.p_value,
        }


@dataclass(frozen=True, slots=True)
class StepChange:
    """A funnel step's units reached in the comparison period and the ``Change`` of its
    conversion from the start."""

    previous_reached: int | None
    from_start: Change

    def as_dict(self) -> dict[str, object]:
        """The comparison keys of a JSON funnel step."""
        return {
            "previous_reached": self.previous_reached,
            "previous_conversion_from_start": self.from_start.previous,
            "change": self.from_start.change,
            "change_p_value": self.from_start.p_value,
        }


@dataclass(frozen=True, slots=True)
class SegmentChange:
    """A segment's sessions in the comparison period, the ``Change`` of its macro rate and of
    each goal's rate (all null for a segment the comparison period lacks)."""

    previous_sessions: int | None
    macro_rate: Change
    goals: tuple[Change, ...]

    def as_dict(self) -> dict[str, object]:
        """The comparison keys of a JSON segment (its goals' keys come from ``goal_dict``)."""
        return {
            "previous_sessions": self.previous_sessions,
            "previous_macro_conversion_rate": self.macro_rate.previous,
            "change": self.macro_rate.change,
            "change_p_value": self.macro_rate.p_value,
        }


def goal_dict(change: Change) -> dict[str, object]:
    """The comparison keys of a segment's JSON goal."""
    return {
        "previous_conversion_rate": change.previous,
        "change": change.change,
        "change_p_value": change.p_value,
    }


@dataclass(frozen=True, slots=True)
class Comparison:
    """Every figure of a report against the comparison period, row for row."""

    summary: SummaryChanges
    goals: tuple[GoalChange, ...]
    funnels: tuple[tuple[StepChange, ...], ...]
    segments: tuple[SegmentChange, ...]
    # Whether the comparison period has no session (every change is then null).
    empty: bool


class Figures(Protocol):
    """What ``compare`` reads of one period's report: its summary and rows."""

    @property
    def summary(self) -> SummaryFigures: ...
    @property
    def goals(self) -> Sequence[GoalRow]: ...
    @property
    def funnels(self) -> Sequence[FunnelResult]: ...
    @property
    def segments(self) -> Sequence[SegmentRow]: ...


def compare(now: Figures, then: Figures) -> Comparison:
    """Every summary figure, goal, funnel step and segment of ``now`` against ``then``."""
    empty = then.summary.sessions == 0
    return Comparison(
        summary=_summary_changes(now.summary, then.summary, empty),
        goals=tuple(
            _goal_change(goal, earlier, now.summary.sessions, then.summary.sessions, empty)
            for goal, earlier in zip(now.goals, then.goals, strict=True)
        ),
        funnels=tuple(
            _step_changes(funnel, earlier, empty)
            for funnel, earlier in zip(now.funnels, then.funnels, strict=True)
        ),
        segments=_segment_changes(now.segments, then.segments, empty),
        empty=empty,
    )


def _summary_changes(now: SummaryFigures, then: SummaryFigures, empty: bool) -> SummaryChanges:
    """Each figure's change; a rate's p-value tests it as a share of sessions. Revenue in
    another currency than before has no change, nor a figure per session with no session now
    (or a rate of no goal of its kind)."""
    n1, n2 = now.sessions, then.sessions
    currencies = {now.currency, then.currency} - {None}
    figures: dict[str, Change] = {}
    for name in SUMMARY_FIGURES:
        value = getattr(now, name)
        if empty:
            figures[name] = NO_CHANGE
            continue
        earlier = getattr(then, name)
        apart = name.startswith("macro_revenue") and len(currencies) > 1
        nobody = n1 == 0 and name in PER_SESSION_FIGURES
        if value is None or earlier is None or apart or nobody:
            figures[name] = Change(earlier, None, None)
            continue
        count = SUMMARY_RATES.get(name)
        p_value = (
            two_proportion_p_value(getattr(now, count), n1, getattr(then, count), n2)
            if count is not None
            else None
        )
        change = money_difference(value, earlier) if name in MONEY_FIELDS else value - earlier
        figures[name] = Change(earlier, change, p_value)
    return SummaryChanges(figures)


def _goal_change(goal: GoalRow, then: GoalRow, n1: int, n2: int, empty: bool) -> GoalChange:
    """A goal's session rate now against then, tested as two proportions of sessions."""
    if empty:
        return GoalChange(None, NO_CHANGE)
    x1, x2 = goal.converting_sessions, then.converting_sessions
    rate_before = x2 / n2
    if not n1:  # no session now: no rate to compare
        return GoalChange(then.conversions, Change(rate_before, None, None))
    return GoalChange(
        then.conversions,
        Change(rate_before, x1 / n1 - rate_before, two_proportion_p_value(x1, n1, x2, n2)),
    )


def _step_changes(now: FunnelResult, then: FunnelResult, empty: bool) -> tuple[StepChange, ...]:
    """Each step's conversion from the start now against then, tested as two proportions of
    the units that entered."""
    changes = []
    for step, before in zip(now.steps, then.steps, strict=True):
        rate, earlier = step.conversion_from_start, before.conversion_from_start
        if empty:
            changes.append(StepChange(None, NO_CHANGE))
        elif rate is None or earlier is None:
            changes.append(StepChange(before.reached, Change(earlier, None, None)))
        else:
            p_value = two_proportion_p_value(
                step.reached, now.entered, before.reached, then.entered
            )
            changes.append(StepChange(before.reached, Change(earlier, rate - earlier, p_value)))
    return tuple(changes)


def _segment_changes(
    now: Sequence[SegmentRow], then: Sequence[SegmentRow], empty: bool
) -> tuple[SegmentChange, ...]:
    """Each segment's macro rate and goal rates against the same segment then, tested as two
    proportions of the segment's sessions."""
    earlier = {(row.by, row.segment): row for row in then}
    changes = []
    for row in now:
        before = None if empty else earlier.get((row.by, row.segment))
        if before is None:
            changes.append(SegmentChange(None, NO_CHANGE, (NO_CHANGE,) * len(row.goals)))
            continue
        n1, n2 = row.sessions, before.sessions
        rate, earlier_rate = row.macro_conversion_rate, before.macro_conversion_rate
        macro = (
            Change(
                earlier_rate,
                rate - earlier_rate,
                two_proportion_p_value(row.macro_conversions, n1, before.macro_conversions, n2),
            )
            if rate is not None and earlier_rate is not None
            else Change(earlier_rate, None, None)  # no macro goal: no rate, no change
        )
        goals = tuple(
            Change(
                goal_then.conversion_rate,
                goal.conversion_rate - goal_then.conversion_rate,
                two_proportion_p_value(goal.conversions, n1, goal_then.conversions, n2),
            )
            for goal, goal_then in zip(row.goals, before.goals, strict=True)
        )
        changes.append(SegmentChange(n2, macro, goals))
    return tuple(changes)
