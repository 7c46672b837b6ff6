"""Alert results as people read them: figures in the units of their metric, thresholds in the
units they were written in, and the one line ``micromacro alert`` prints for a fired rule.

Figures round a half away from zero (``render.values.half_up``), a bound shows every decimal it
was written with, and the figure compared with it as many more as it takes to read on its own
side of the bound: ``55.21s is above 55.2s``, not ``55.2s is above 55.2s``."""

from __future__ import annotations

from dataclasses import dataclass, replace

from micromacro.alerts import AlertResult
from micromacro.goals import AlertRule, Threshold, ThresholdUnit
from micromacro.metric_paths import MetricPath
from micromacro.render.values import as_shown, half_up, p_equals

# Figures at or beyond this size (after scaling) are written in scientific notation: rounding
# them to decimals would only write out their binary noise.
_HUGE = 1e18


@dataclass(frozen=True)
class _Unit:
    """How the figures of one kind read: times ``scale``, with ``places`` decimals (None: a
    whole number whole, another with two), then ``suffix``; with a sign for a change. A
    rule's bound in the unit takes ``bound_places`` decimals, or as many as it was written
    with."""

    scale: int = 1
    places: int | None = None
    bound_places: int = 0
    suffix: str = ""
    signed: bool = False


_PERCENT = _Unit(100, 2, 2, "%")
_SECONDS = _Unit(1, 1, 1, "s")
_PLAIN = _Unit()
_RELATIVE = _Unit(100, 1, 0, "%", signed=True)
_POINTS = _Unit(100, 2, 2, "pp", signed=True)


def alert_cells(outcome: AlertResult) -> dict[str, str]:
    """The rule and figures of an outcome as people read them: ``rule`` (``change below
    -50%``), ``value``, ``previous`` and ``change`` in the metric's units (empty when none)."""
    rule = outcome.rule
    kind = "change " if rule.is_change else ""
    significant = ", significant" if rule.significance is not None else ""
    bound = format_threshold(rule.threshold, rule.metric, change=rule.is_change)
    value, previous, change = _figures(outcome, missing="")
    return {
        "rule": f"{kind}{rule.direction} {bound}{significant}",
        "value": value,
        "previous": previous,
        "change": change,
    }


def alert_line(outcome: AlertResult, period: str = "", previous_period: str = "") -> str:
    """The one line ``micromacro alert`` prints for a fired rule; ``period`` and
    ``previous_period`` name the report's periods (``3 Nov–6 Nov 2026``) where known."""
    rule = outcome.rule
    figure, previous, change = _figures(outcome, missing="null")
    if period:
        figure += f" in {period}"
    bound = format_threshold(rule.threshold, rule.metric, change=rule.is_change)
    verb = rule.direction
    details = []
    if rule.is_change:
        text = f"{rule.name}: {rule.metric.text} = {figure}, change {change} is {verb} {bound}"
    else:
        text = f"{rule.name}: {rule.metric.text} = {figure} is {verb} {bound}"
    if outcome.previous is not None:
        earlier = f" in {previous_period}" if previous_period else ""
        details.append(f"previous {previous}{earlier}")
    if outcome.p_value is not None:
        details.append(p_equals(outcome.p_value))
    return text + (f" ({', '.join(details)})" if details else "")


def _figures(outcome: AlertResult, *, missing: str) -> tuple[str, str, str]:
    """An outcome's value, previous value and change as people read them (``missing`` for
    none); the one its rule compares with the bound never reads as the bound
    (``_beside_bound``)."""
    rule = outcome.rule

    def shown(figure: float | None, *, compared: bool) -> str:
        if figure is None:
            return missing
        return _beside_bound(figure, rule) if compared else format_metric(figure, rule.metric)

    return (
        shown(outcome.value, compared=not rule.is_change),
        shown(outcome.previous, compared=False),
        shown(outcome.change, compared=True),  # only a change rule has a change
    )


def format_metric(value: float | None, metric: MetricPath) -> str:
    """A figure in the metric's units: ``2.31%``, ``45.2s``, ``1234``, ``3.50``; ``null``.

    >>> path = MetricPath("summary.sessions", "summary", (), "sessions", "summary")
    >>> format_metric(1234.0, path), format_metric(3.5, path)
    ('1234', '3.50')
    """
    if value is None:
        return "null"
    unit = _metric_unit(metric)
    return _written(value, unit, _places(value, unit))


def format_threshold(threshold: Threshold, metric: MetricPath, *, change: bool = False) -> str:
    """A rule's bound in the units it was written in, with every decimal it was written with
    (``-30%``, ``-2.00pp``, ``2.00%``, ``55.25s``); a ``change`` rule's plain number on a rate
    is a difference of rates, in points as its change is (``change_below: -0.25``:
    ``-25.00pp``).

    >>> rate = MetricPath("summary.macro_conversion_rate", "summary", (), "macro_conversion_rate",
    ...     "summary")
    >>> format_threshold(Threshold(-0.25, "value"), rate), format_threshold(
    ...     Threshold(-0.25, "value"), rate, change=True)
    ('-25.00%', '-25.00pp')
    >>> format_threshold(Threshold(0.05125, "value"), rate)
    '5.125%'
    """
    unit = _bound_unit(threshold, metric, change=change)
    return _written(threshold.value, unit, _bound_places(threshold.value, unit))


def _beside_bound(figure: float, rule: AlertRule) -> str:
    """The figure a rule compares with its bound (its value, or its change for a change rule),
    with as many more decimals as it takes to read on its own side of the bound: equal to it
    only when it is, never rounded onto it or past it. Beside 55.2s, 55.25 reads ``55.3s``
    and 55.21 ``55.21s``; beside 55.3s, 55.25 reads ``55.25s``.

    >>> path = MetricPath("summary.avg_session_duration_s", "summary", (),
    ...     "avg_session_duration_s", "summary")
    >>> rule = AlertRule("d", path, "above", Threshold(55.2))
    >>> _beside_bound(55.25, rule), _beside_bound(55.21, rule), _beside_bound(55.2, rule)
    ('55.3s', '55.21s', '55.2s')
    """
    threshold, metric = rule.threshold, rule.metric
    unit = _change_unit(threshold.unit, metric) if rule.is_change else _metric_unit(metric)
    least = _places(figure, unit)
    if not abs(figure * unit.scale) < _HUGE:
        return _written(figure, unit, least)
    bound = as_shown(threshold.value, unit.scale)
    side = as_shown(figure, unit.scale).compare(bound)
    # At the figure's last decimal it reads as itself, so the search always ends.
    enough = (
        places
        for places in range(least, max(least, _exact_places(figure, unit)) + 1)
        if half_up(figure, places, scale=unit.scale).compare(bound) == side
    )
    return _written(figure, unit, next(enough, least))


def _metric_unit(metric: MetricPath) -> _Unit:
    """How a figure of ``metric`` reads: a rate in percent, a duration in seconds."""
    if metric.is_rate:
        return _PERCENT
    return _SECONDS if metric.is_seconds else _PLAIN


def _change_unit(unit: ThresholdUnit, metric: MetricPath) -> _Unit:
    """How a change reads in the unit of its rule: relative, in points (any change of a rate),
    else signed in the metric's own unit."""
    if unit == "relative":
        return _RELATIVE
    if unit == "pp" or metric.is_rate:
        return _POINTS
    return replace(_metric_unit(metric), signed=True)


def _bound_unit(threshold: Threshold, metric: MetricPath, *, change: bool) -> _Unit:
    """How a rule's bound reads: as its change does, but a plain change bound unsigned, as
    the figure it is a difference of."""
    if threshold.unit == "relative":
        return _RELATIVE
    if threshold.unit == "pp" or (change and metric.is_rate):
        return _POINTS
    return _metric_unit(metric)


def _places(value: float, unit: _Unit) -> int:
    """The decimals a figure takes in ``unit``."""
    if unit.places is not None:
        return unit.places
    return 0 if float(value).is_integer() else 2


def _bound_places(bound: float, unit: _Unit) -> int:
    """The decimals a bound takes in ``unit``: the unit's, or every one it was written with."""
    return max(unit.bound_places, _exact_places(bound, unit))


def _exact_places(value: float, unit: _Unit) -> int:
    """The decimals ``value`` × the unit's scale has in its first 15 significant digits (the
    digits ``half_up`` rounds from): 0.05125 in percent has 3.

    >>> _exact_places(0.05125, _PERCENT), _exact_places(55.0, _SECONDS)
    (3, 0)
    """
    exponent = as_shown(value, unit.scale).normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _written(value: float, unit: _Unit, places: int) -> str:
    """``value`` in ``unit`` with ``places`` decimals, a half rounded away from zero; from
    ``_HUGE`` on in scientific notation.

    >>> _written(0.0625, _PERCENT, 1), _written(-0.5004, _RELATIVE, 2), _written(2e20, _PLAIN, 0)
    ('6.3%', '-50.04%', '2e+20')
    """
    sign = "+" if unit.signed else ""
    scaled = float(value) * unit.scale
    if not abs(scaled) < _HUGE:  # and a figure that is not finite
        return f"{scaled:{sign}.15g}{unit.suffix}"
    return f"{half_up(value, places, scale=unit.scale):{sign}f}{unit.suffix}"
