"""Alerts: checking the alert rules of a goals file (``goals.AlertRule``) against a built
report, and writing what they found (definitions §2.8, README: Alerts).

The rules themselves, and the metric paths they name, are part of the goal model (``goals``);
here each rule's figure is read from the JSON report (and from the comparison period's), tested
against its bound, and the figures are written in the metric's units.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal, Protocol

from micromacro import comparison as compared
from micromacro.dimensions import OTHER
from micromacro.goals import AlertRule
from micromacro.hits import InputSummary
from micromacro.metric_paths import MetricPath
from micromacro.metrics import currency_text
from micromacro.rows import (
    SUMMARY_RATES,
    GoalRow,
    LadderRow,
    LadderStep,
    MicroMacroRow,
    SegmentRow,
    SummaryFigures,
)
from micromacro.stats import money_difference, two_proportion_p_value, wilson_interval
from micromacro.text import listed

AlertStatus = Literal["fired", "ok", "not_evaluated"]


# --- what a run needs for its rules ----------------------------------------------------------


def run_comparison(
    rules: Sequence[AlertRule], compare: str | None, path: str
) -> tuple[str | None, list[str]]:
    """The comparison period a run needs for ``rules`` given ``--compare`` (None for none),
    and the problems that forbid one, as ``path:line:col: …`` lines.

    A change rule takes its own ``compare:`` or else ``--compare``; every change rule of a run
    must use the same period, and ``--compare`` may not contradict a rule.
    """
    problems: list[str] = []
    chosen = compare
    for rule in rules:
        if not rule.is_change:
            continue
        where = f"{path}:{rule.line}:{rule.column}: alert {rule.name!r}"
        wanted = rule.compare or compare
        if wanted is None:
            problems.append(
                f"{where}: {rule.condition} needs a comparison period: add 'compare: previous' "
                "(or previous-week, previous-year) to the rule, or pass --compare"
            )
        elif chosen is None:
            chosen = wanted
        elif wanted != chosen:
            source = "--compare" if compare is not None else "another rule"
            problems.append(
                f"{where}: compares with {wanted} but {source} uses {chosen} "
                "(one comparison period per run)"
            )
    return chosen, problems


def segment_breakdowns(rules: Sequence[AlertRule]) -> tuple[str, ...]:
    """The ``--by`` breakdowns the rules' segment metrics need, in rule order."""
    return tuple(dict.fromkeys(r.metric.keys[0] for r in rules if r.metric.section == "segments"))


# --- evaluation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """A figure read from a report: its value; for a proportion of a known count, ``share``:
    the successes and the trials behind it; the sessions it rests on (for ``min_sessions``);
    ``missing`` says why there is no figure."""

    value: float | None
    share: tuple[int, int] | None = None
    sessions: int = 0
    missing: str | None = None
    # The currency of a revenue figure (None for none, and for other figures).
    currency: str | None = None


@dataclass(frozen=True)
class AlertResult:
    """What a rule found: ``fired``, ``ok`` or ``not_evaluated`` (``reason`` says why)."""

    rule: AlertRule
    status: AlertStatus
    value: float | None = None
    previous: float | None = None
    change: float | None = None
    p_value: float | None = None
    reason: str | None = None

    def as_dict(self) -> dict[str, object]:
        """The JSON object of ``alerts`` (README: Alerts)."""
        rule = self.rule
        return {
            "name": rule.name,
            "metric": rule.metric.text,
            "condition": rule.condition,
            "threshold": rule.threshold.value,
            "threshold_unit": rule.threshold.unit,
            "status": self.status,
            "value": self.value,
            "previous": self.previous,
            "change": self.change,
            "p_value": self.p_value,
            "reason": self.reason,
        }


class Figures(compared.Figures, Protocol):
    """What rules read of a report (``report.Report`` is one): the rows ``compare`` reads,
    the input summary, the ladder and micro → macro rows, and the report of the comparison
    period where there is one."""

    @property
    def input(self) -> InputSummary: ...
    @property
    def ladder(self) -> LadderRow: ...
    @property
    def micro_macro(self) -> Sequence[MicroMacroRow]: ...
    @property
    def previous(self) -> Figures | None: ...


def evaluate_alerts(rules: Sequence[AlertRule], report: Figures) -> list[AlertResult]:
    """Check every rule against the report (and its comparison period's, where there is one)."""
    return [evaluate(rule, report, report.previous) for rule in rules]


def evaluate(rule: AlertRule, report: Figures, previous: Figures | None) -> AlertResult:
    """Check one rule (see README: Alerts for when a rule is not evaluated)."""
    now = read_metric(report, rule.metric)
    before = read_metric(previous, rule.metric) if previous is not None else None
    # A comparison period without sessions has no figures (null, not zero).
    shown_before = before.value if before is not None and before.sessions else None
    skipped = _not_evaluated(rule, now, before)
    if skipped is not None or now.value is None:
        return AlertResult(rule, "not_evaluated", now.value, shown_before, reason=skipped)
    if not rule.is_change:
        fired = _beyond(now.value, rule)
        if fired and rule.significance is not None:
            fired = _interval_beyond(now, rule, rule.significance)
        return AlertResult(rule, "fired" if fired else "ok", now.value, shown_before)
    if before is None or before.value is None:
        return AlertResult(rule, "not_evaluated", now.value, reason="no comparison period")
    if rule.threshold.unit == "relative":
        change = (now.value - before.value) / abs(before.value)
    elif rule.metric.is_money:  # 123456789.3 against 123456789.1 is 0.2, not 0.200000003
        change = money_difference(now.value, before.value)
    else:
        change = now.value - before.value
    p_value = _change_p_value(rule, now, before)
    fired = _beyond(change, rule)
    if rule.significance is not None:
        fired = fired and p_value is not None and p_value < rule.significance
    return AlertResult(
        rule, "fired" if fired else "ok", now.value, before.value, change=change, p_value=p_value
    )


def _not_evaluated(rule: AlertRule, now: Reading, before: Reading | None) -> str | None:
    """Why the rule cannot be checked on this data, or None when it can."""
    if now.missing is not None:
        return now.missing
    if now.sessions < rule.min_sessions:
        return f"{now.sessions} sessions, fewer than min_sessions {rule.min_sessions}"
    if now.sessions == 0 and rule.metric.is_rate:
        return "no sessions in this period"
    if now.value is None:
        return "no value in this period (nothing to divide by)"
    if not rule.is_change:
        return None
    if before is None:
        return "no comparison period"
    if before.missing is not None and rule.metric.section == "segments":
        # Shown now: the comparison period keeps the segments shown now, so it had no session.
        by, segment = rule.metric.keys[0], rule.metric.keys[1]
        return f"comparison period: no session of segment {segment!r} of {by}"
    if before.missing is not None:
        return f"comparison period: {before.missing}"
    if before.sessions == 0:
        return "no data in the comparison period"
    if before.sessions < rule.min_sessions:
        return (
            f"comparison period: {before.sessions} sessions, fewer than "
            f"min_sessions {rule.min_sessions}"
        )
    if before.value is None:
        return "no value in the comparison period (nothing to divide by)"
    if None not in (now.currency, before.currency) and now.currency != before.currency:
        return f"revenue in {now.currency}, in {before.currency} in the comparison period"
    if rule.threshold.unit == "relative" and before.value == 0:
        return "the previous value is 0, so a relative change is undefined"
    return None


def _beyond(figure: float, rule: AlertRule) -> bool:
    """Whether ``figure`` is strictly beyond the bound; a figure equal to it, give or take
    floating-point rounding (0.9 − 0.7 against 20pp), is not."""
    bound = rule.threshold.value
    tolerance = 1e-9 * max(1.0, abs(bound))
    if rule.direction == "above":
        return figure > bound + tolerance
    return figure < bound - tolerance


def _interval_beyond(reading: Reading, rule: AlertRule, level: float) -> bool:
    """Whether the whole Wilson interval (at ``1 - level``) of the rate lies beyond the bound."""
    if reading.share is None:
        return False
    successes, trials = reading.share
    z = NormalDist().inv_cdf(1 - level / 2)
    interval = wilson_interval(successes, trials, z)
    if interval is None:
        return False
    low, high = interval
    bound = rule.threshold.value
    return low > bound if rule.direction == "above" else high < bound


def _change_p_value(rule: AlertRule, now: Reading, before: Reading) -> float | None:
    """The two-proportion test of the rate now against before (None for other figures)."""
    if not rule.metric.is_testable or now.share is None or before.share is None:
        return None
    return two_proportion_p_value(*now.share, *before.share)


# --- reading a figure from the report --------------------------------------------------------


def read_metric(report: Figures, path: MetricPath) -> Reading:
    """The figure ``path`` names in ``report``, with the counts behind it where it is a
    proportion of a known count."""
    summary = report.summary
    sessions = summary.sessions
    if path.section == "input":
        counts = {"lines": report.input.lines, "files": report.input.files}
        counts |= report.input.bucket_counts()
        return Reading(counts.get(path.field, 0), sessions=sessions)
    if path.section == "summary":
        return _read_summary(summary, path)
    if path.section == "goals":
        return _read_goal(report, path)
    if path.section == "funnels":
        return _read_funnel(report, path)
    if path.section == "ladder":
        return _read_ladder(report.ladder, path, summary)
    if path.section == "micro_macro":
        return _read_micro_macro(report, path)
    return _read_segment(report, path)


def _share(successes: int, trials: int) -> tuple[int, int] | None:
    """A proportion's counts, when there are trials to test."""
    return (successes, trials) if trials else None


def _currency(row: SummaryFigures | GoalRow | SegmentRow, path: MetricPath) -> str | None:
    """The currency of a revenue figure of ``row`` (None for the other figures)."""
    return row.currency if "revenue" in path.field or path.field == "value" else None


def _currencies_apart(row: SummaryFigures | GoalRow | SegmentRow, path: MetricPath) -> str | None:
    """Why a revenue figure of ``row`` has no value when its revenue is in several currencies
    (no sum is one figure then), else None."""
    if _currency(row, path) is not None or getattr(row, path.field) is not None:
        return None
    parts = getattr(row, "revenue_by_currency", None) or getattr(
        row, "macro_revenue_by_currency", None
    )
    if not parts or len(parts) < 2:
        return None
    names = listed([currency_text(part.currency) for part in parts])
    return f"revenue in {len(parts):,} currencies ({names}), which add up to no one figure"


def _row_reading(
    row: SummaryFigures | GoalRow | SegmentRow,
    path: MetricPath,
    share: tuple[int, int] | None,
    sessions: int,
) -> Reading:
    """The figure ``path`` names in ``row``, with a revenue figure's currency (and why it has
    no value when its revenue is in several)."""
    return Reading(
        getattr(row, path.field),
        share,
        sessions,
        missing=_currencies_apart(row, path),
        currency=_currency(row, path),
    )


def _read_summary(summary: SummaryFigures, path: MetricPath) -> Reading:
    count = SUMMARY_RATES.get(path.field)
    share = _share(getattr(summary, count), summary.sessions) if count is not None else None
    return _row_reading(summary, path, share, summary.sessions)


def _read_goal(report: Figures, path: MetricPath) -> Reading:
    summary = report.summary
    goal = next(row for row in report.goals if row.name == path.keys[0])
    counts = {
        "conversion_rate": (goal.converting_sessions, summary.sessions),
        "visitor_conversion_rate": (goal.visitors, summary.visitors),
    }
    share = _share(*counts[path.field]) if path.field in counts else None
    return _row_reading(goal, path, share, summary.sessions)


def _read_funnel(report: Figures, path: MetricPath) -> Reading:
    sessions = report.summary.sessions
    funnel = next(row for row in report.funnels if row.name == path.keys[0])
    if path.kind == "funnels":
        share = (
            _share(funnel.completed, funnel.entered) if path.field == "conversion_rate" else None
        )
        return Reading(getattr(funnel, path.field), share, sessions)
    index = int(path.keys[2]) - 1
    step = funnel.steps[index]
    counts = {
        "drop_off_rate": (step.dropped, step.reached),
        "conversion_from_start": (step.reached, funnel.entered),
    }
    if index:
        earlier = funnel.steps[index - 1]
        carried = earlier.reached - earlier.dropped
        counts["conversion_from_previous"] = (carried, earlier.reached)
    share = _share(*counts[path.field]) if path.field in counts else None
    return Reading(getattr(step, path.field), share, sessions)


def _read_ladder(ladder: LadderRow, path: MetricPath, summary: SummaryFigures) -> Reading:
    if not path.keys:
        return Reading(getattr(ladder, path.field), sessions=summary.sessions)
    step: LadderStep = getattr(ladder, path.keys[0])
    share = _share(step.visitors, summary.visitors) if path.field == "share" else None
    return Reading(getattr(step, path.field), share, summary.sessions)


def _read_micro_macro(report: Figures, path: MetricPath) -> Reading:
    row = next(row for row in report.micro_macro if row.goal == path.keys[0])
    counts = {
        "macro_rate_with": (row.macro_visitors_with, row.visitors_with),
        "macro_rate_without": (row.macro_visitors_without, row.visitors_without),
    }
    share = _share(*counts[path.field]) if path.field in counts else None
    return Reading(getattr(row, path.field), share, report.summary.sessions)


def _read_segment(report: Figures, path: MetricPath) -> Reading:
    by, segment = path.keys[0], path.keys[1]
    rows = [row for row in report.segments if row.by == by]
    row = next((r for r in rows if r.segment == segment), None)
    if row is None:
        folded = any(r.segment == OTHER for r in rows)
        where = "among the segments shown (raise --top)" if folded else "in this period"
        return Reading(None, missing=f"no segment {segment!r} of {by} {where}")
    if path.kind == "segment_goals":
        goal = next(g for g in row.goals if g.goal == path.keys[3])
        share = _share(goal.conversions, row.sessions) if path.field == "conversion_rate" else None
        return Reading(getattr(goal, path.field), share, row.sessions)
    counts = {
        "macro_conversion_rate": row.macro_conversions,
        "micro_conversion_rate": row.micro_conversions,
        "engagement_rate": row.engaged_sessions,
    }
    share = _share(counts[path.field], row.sessions) if path.field in counts else None
    return _row_reading(row, path, share, row.sessions)
