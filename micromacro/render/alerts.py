"""Alert results as people read them: figures in the units of their metric, thresholds in the
units they were written in, and the one line ``micromacro alert`` prints for a fired rule."""

from __future__ import annotations

from micromacro.alerts import AlertResult
from micromacro.goals import MetricPath, Threshold, ThresholdUnit
from micromacro.render.values import p_equals


def alert_cells(outcome: AlertResult) -> dict[str, str]:
    """The rule and figures of an outcome as people read them: ``rule`` (``change below
    -50%``), ``value``, ``previous`` and ``change`` in the metric's units (empty when none)."""
    rule = outcome.rule
    kind = "change " if rule.is_change else ""
    significant = ", significant" if rule.significance is not None else ""
    bound = format_threshold(rule.threshold, rule.metric, change=rule.is_change)
    return {
        "rule": f"{kind}{rule.direction} {bound}{significant}",
        "value": format_metric(outcome.value, rule.metric) if outcome.value is not None else "",
        "previous": (
            format_metric(outcome.previous, rule.metric) if outcome.previous is not None else ""
        ),
        "change": (
            format_change(outcome.change, rule.threshold.unit, rule.metric)
            if outcome.change is not None
            else ""
        ),
    }


def alert_line(outcome: AlertResult, period: str = "", previous_period: str = "") -> str:
    """The one line ``micromacro alert`` prints for a fired rule; ``period`` and
    ``previous_period`` name the report's periods (``3 Nov–6 Nov 2026``) where known."""
    rule = outcome.rule
    figure = format_metric(outcome.value, rule.metric)
    if period:
        figure += f" in {period}"
    bound = format_threshold(rule.threshold, rule.metric, change=rule.is_change)
    verb = rule.direction
    details = []
    if rule.is_change:
        change = format_change(outcome.change, rule.threshold.unit, rule.metric)
        text = f"{rule.name}: {rule.metric.text} = {figure}, change {change} is {verb} {bound}"
    else:
        text = f"{rule.name}: {rule.metric.text} = {figure} is {verb} {bound}"
    if outcome.previous is not None:
        earlier = f" in {previous_period}" if previous_period else ""
        details.append(f"previous {format_metric(outcome.previous, rule.metric)}{earlier}")
    if outcome.p_value is not None:
        details.append(p_equals(outcome.p_value))
    return text + (f" ({', '.join(details)})" if details else "")


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


def format_threshold(threshold: Threshold, metric: MetricPath, *, change: bool = False) -> str:
    """A rule's bound in the units it was written in (``-30%``, ``-2.00pp``, ``2.00%``); a
    ``change`` rule's plain number on a rate is a difference of rates, in points as its change
    is (``change_below: -0.25``: ``-25.00pp``).

    >>> rate = MetricPath("summary.macro_conversion_rate", "summary", (), "macro_conversion_rate",
    ...     "summary")
    >>> format_threshold(Threshold(-0.25, "value"), rate), format_threshold(
    ...     Threshold(-0.25, "value"), rate, change=True)
    ('-25.00%', '-25.00pp')
    """
    if threshold.unit == "relative":
        return f"{threshold.value * 100:+g}%"
    if threshold.unit == "pp" or (change and metric.is_rate):
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
