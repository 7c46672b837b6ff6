"""Alerts: checking the alert rules of a goals file (``goals.AlertRule``) against a built
report, and writing what they found (SPEC 2.8, README: Alerts).

The rules themselves, and the metric paths they name, are part of the goal model (``goals``);
here each rule's figure is read from the JSON report (and from the comparison period's), tested
against its bound, and the figures are written in the metric's units.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal

from micromacro.dimensions import OTHER
from micromacro.goals import AlertRule, MetricPath, Threshold, ThresholdUnit
from micromacro.stats import two_proportion_p_value, wilson_interval

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
    """A figure read from a report: its value, the count it is a proportion of (rates only),
    and the sessions it rests on (for ``min_sessions``); ``missing`` says why there is none."""

    value: float | None
    trials: int | None = None
    sessions: int = 0
    missing: str | None = None


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

    def display(self) -> dict[str, str]:
        """The rule and figures as people read them: ``rule`` (``change below -50%``),
        ``value``, ``previous`` and ``change`` in the metric's units (empty when none)."""
        rule = self.rule
        kind = "change " if rule.is_change else ""
        significant = ", significant" if rule.significance is not None else ""
        bound = format_threshold(rule.threshold, rule.metric)
        return {
            "rule": f"{kind}{rule.direction} {bound}{significant}",
            "value": format_metric(self.value, rule.metric) if self.value is not None else "",
            "previous": (
                format_metric(self.previous, rule.metric) if self.previous is not None else ""
            ),
            "change": (
                format_change(self.change, rule.threshold.unit, rule.metric)
                if self.change is not None
                else ""
            ),
        }

    def line(self) -> str:
        """The one line ``micromacro alert`` prints for a fired rule."""
        rule = self.rule
        figure = format_metric(self.value, rule.metric)
        bound = format_threshold(rule.threshold, rule.metric)
        verb = rule.direction
        details = []
        if rule.is_change:
            change = format_change(self.change, rule.threshold.unit, rule.metric)
            text = f"{rule.name}: {rule.metric.text} = {figure}, change {change} is {verb} {bound}"
        else:
            text = f"{rule.name}: {rule.metric.text} = {figure} is {verb} {bound}"
        if self.previous is not None:
            details.append(f"previous {format_metric(self.previous, rule.metric)}")
        if self.p_value is not None:
            details.append(f"p = {self.p_value:.2g}")
        return text + (f" ({', '.join(details)})" if details else "")


def evaluate_alerts(rules: Sequence[AlertRule], report: dict[str, object]) -> list[AlertResult]:
    """Check every rule against the JSON report (``Report.as_dict()``), whose ``previous``
    holds the comparison period's report where there is one."""
    previous = report.get("previous")
    return [evaluate(rule, report, _mapping(previous) if previous else None) for rule in rules]


def evaluate(
    rule: AlertRule, report: dict[str, object], previous: dict[str, object] | None
) -> AlertResult:
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
            fired = _interval_beyond(now.value, now.trials, rule, rule.significance)
        return AlertResult(rule, "fired" if fired else "ok", now.value, shown_before)
    if before is None or before.value is None:
        return AlertResult(rule, "not_evaluated", now.value, reason="no comparison period")
    if rule.threshold.unit == "relative":
        change = (now.value - before.value) / abs(before.value)
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


def _interval_beyond(value: float, trials: int | None, rule: AlertRule, level: float) -> bool:
    """Whether the whole Wilson interval (at ``1 - level``) of the rate lies beyond the bound."""
    if not trials:
        return False
    z = NormalDist().inv_cdf(1 - level / 2)
    interval = wilson_interval(round(value * trials), trials, z)
    if interval is None:
        return False
    low, high = interval
    bound = rule.threshold.value
    return low > bound if rule.direction == "above" else high < bound


def _change_p_value(rule: AlertRule, now: Reading, before: Reading) -> float | None:
    """The two-proportion test of the rate now against before (None for other figures)."""
    if not rule.metric.is_testable or now.value is None or before.value is None:
        return None
    if not now.trials or not before.trials:
        return None
    successes = round(now.value * now.trials), round(before.value * before.trials)
    return two_proportion_p_value(successes[0], now.trials, successes[1], before.trials)


# --- reading a figure from the JSON report ---------------------------------------------------


def read_metric(report: dict[str, object], path: MetricPath) -> Reading:
    """The figure ``path`` names in a JSON report (``Report.as_dict()``)."""
    summary = _mapping(report.get("summary"))
    sessions = _int(summary.get("sessions"))
    visitors = _int(summary.get("visitors"))
    if path.section in ("input", "summary"):
        obj = _mapping(report.get(path.section))
        trials = sessions if path.is_testable else None
        return Reading(_number(obj.get(path.field, 0)), trials, sessions)
    if path.section == "goals":
        goal = _find(report.get("goals"), "name", path.keys[0])
        denominators = {"conversion_rate": sessions, "visitor_conversion_rate": visitors}
        return Reading(_number(goal.get(path.field)), denominators.get(path.field), sessions)
    if path.section == "funnels":
        return _read_funnel(report, path, sessions)
    if path.section == "ladder":
        return _read_ladder(report, path, sessions, visitors)
    if path.section == "micro_macro":
        row = _find(report.get("micro_macro"), "goal", path.keys[0])
        counts = {"macro_rate_with": "visitors_with", "macro_rate_without": "visitors_without"}
        count = _int(row.get(counts[path.field])) if path.field in counts else None
        return Reading(_number(row.get(path.field)), count, sessions)
    return _read_segment(report, path)


def _read_funnel(report: dict[str, object], path: MetricPath, sessions: int) -> Reading:
    funnel = _find(report.get("funnels"), "name", path.keys[0])
    entered = _int(funnel.get("entered"))
    if path.kind == "funnels":
        trials = entered if path.field == "conversion_rate" else None
        return Reading(_number(funnel.get(path.field)), trials, sessions)
    steps = funnel.get("steps")
    number = int(path.keys[2])
    step = _find(steps, "step", number)
    earlier = _find(steps, "step", number - 1)
    denominators = {
        "drop_off_rate": _int(step.get("reached")),
        "conversion_from_start": entered,
        "conversion_from_previous": _int(earlier.get("reached")),
    }
    return Reading(_number(step.get(path.field)), denominators.get(path.field), sessions)


def _read_ladder(
    report: dict[str, object], path: MetricPath, sessions: int, visitors: int
) -> Reading:
    ladder = _mapping(report.get("ladder"))
    obj = _mapping(ladder.get(path.keys[0])) if path.keys else ladder
    trials = visitors if path.field == "share" else None
    return Reading(_number(obj.get(path.field)), trials, sessions)


def _read_segment(report: dict[str, object], path: MetricPath) -> Reading:
    by, segment = path.keys[0], path.keys[1]
    rows = [_mapping(r) for r in _list(report.get("segments")) if _mapping(r).get("by") == by]
    row = next((r for r in rows if r.get("segment") == segment), None)
    if row is None:
        folded = any(r.get("segment") == OTHER for r in rows)
        where = "among the segments shown (raise --top)" if folded else "in this period"
        return Reading(None, missing=f"no segment {segment!r} of {by} {where}")
    sessions = _int(row.get("sessions"))
    if path.kind == "segment_goals":
        goal = _find(row.get("goals"), "goal", path.keys[3])
        return Reading(_number(goal.get(path.field)), sessions, sessions)
    trials = sessions if path.is_testable else None
    return Reading(_number(row.get(path.field)), trials, sessions)


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


def _mapping(value: object) -> dict[str, object]:
    return value if isinstance(value, dict) else {}


def _find(rows: object, key: str, wanted: object) -> dict[str, object]:
    """The object of a JSON list whose ``key`` is ``wanted`` (empty when none)."""
    for row in _list(rows):
        if isinstance(row, dict) and row.get(key) == wanted:
            return row
    return {}


def _number(value: object) -> float | None:
    """A JSON number as it is (a count stays an int), None for anything else."""
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _int(value: object) -> int:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0


# --- how figures are written -----------------------------------------------------------------


def format_metric(value: float | None, metric: MetricPath) -> str:
    """A figure in the metric's units: ``2.31%``, ``45.2s``, ``1234``, ``3.5``; ``null``.

    >>> path = MetricPath("summary.sessions", "summary", (), "sessions", "summary")
    >>> format_metric(1234.0, path)
    '1234'
    """
    if value is None:
        return "null"
    if metric.is_rate:
        return f"{value * 100:.2f}%"
    if metric.is_seconds:
        return f"{value:.1f}s"
    return str(int(value)) if float(value).is_integer() else f"{value:.4g}"


def format_threshold(threshold: Threshold, metric: MetricPath) -> str:
    """A rule's bound in the units it was written in (``-30%``, ``-2.00pp``, ``2.00%``)."""
    if threshold.unit == "relative":
        return f"{threshold.value * 100:+g}%"
    if threshold.unit == "pp":
        return f"{threshold.value * 100:+.2f}pp"
    return format_metric(threshold.value, metric)


def format_change(change: float | None, unit: ThresholdUnit, metric: MetricPath) -> str:
    """A change in the unit of its rule: relative ``-42.1%``, ``-1.52pp``, or ``-120``."""
    if change is None:
        return "null"
    if unit == "relative":
        return f"{change * 100:+.1f}%"
    if unit == "pp" or metric.is_rate:
        return f"{change * 100:+.2f}pp"
    if metric.is_seconds:
        return f"{change:+.1f}s"
    return f"{int(change):+d}" if float(change).is_integer() else f"{change:+.4g}"
