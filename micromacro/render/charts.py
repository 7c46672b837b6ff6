"""SVG charts for the HTML report, drawn from the typed report rows.

Each chart function turns rows into a ``Chart``: a box and the shapes in it (rectangles, lines,
circles, text), in the chart's own units. ``svg(chart)`` draws it through the ``chart.svg.j2``
template, which escapes every text, so no markup is ever built from strings here. A shape that
stands for one row of the table under the chart is a *mark* of its ``series``: a chart has as
many marks of a series as its table has rows (the browser tests count them).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

import jinja2
from markupsafe import Markup

from micromacro.render.values import format_seconds, format_value
from micromacro.rows import FunnelResult, GoalRow, MicroMacroRow, Trend
from micromacro.text import inert

# Text from the data (goal and step names) drawn inside a chart is cut to this many
# characters; the tables beside the charts show it whole (and cut longer text with a title).
LABEL_CHARS = 28
# How many colours the bucket bar cycles through (CSS classes ``c0`` … ``c9``).
COLOURS = 10


@dataclass(frozen=True)
class Shape:
    """One SVG element: ``kind`` ``rect`` (``x``, ``y``, ``w``, ``h``), ``line`` (``x``,
    ``y`` to ``x2``, ``y2``), ``circle`` (centre ``x``, ``y``, radius ``r``), ``text`` (at
    ``x``, ``y``, anchored ``anchor``) or ``polyline`` (``points``). ``css`` is a class of the
    page's style sheet, ``title`` a tooltip, ``series`` (when set) makes it a mark."""

    kind: str
    x: float = 0.0
    y: float = 0.0
    w: float = 0.0
    h: float = 0.0
    x2: float = 0.0
    y2: float = 0.0
    r: float = 0.0
    css: str = ""
    text: str = ""
    title: str = ""
    series: str = ""
    anchor: str = "start"
    points: tuple[tuple[float, float], ...] = ()

    @property
    def classes(self) -> str:
        """The element's classes: its style, and ``mark`` for a mark."""
        return " ".join(c for c in (self.css, "mark" if self.series else "") if c)


@dataclass(frozen=True)
class Chart:
    """An SVG box ``width`` × ``height`` (its own units) with ``shapes``; ``label`` says what it
    shows to screen readers, ``css`` its class (``inline`` for a bar in a table cell)."""

    width: float
    height: float
    label: str
    shapes: list[Shape] = field(default_factory=list)
    css: str = ""
    # Whether the chart stretches to its box (a bar of parts) rather than keep its shape.
    stretch: bool = False


@cache
def templates() -> jinja2.Environment:
    """The report's templates (``micromacro/render/templates``), escaping every value."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("micromacro.render", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # the package's files: not looked at on disk again at every use
    )


@cache
def _chart_template() -> jinja2.Template:
    return templates().get_template("chart.svg.j2")


def svg(chart: Chart) -> Markup:
    """The chart as an SVG element (escaped by the template)."""
    return Markup(_chart_template().render(chart=chart))


def label(text: str, limit: int = LABEL_CHARS) -> str:
    """Text from the data as a chart draws it: control and bidi characters shown as escapes,
    cut to ``limit`` characters.

    >>> label("\\u202eevil"), label("x" * 40, 5)
    ('\\\\u202eevil', 'xxxx…')
    """
    return inert(text, limit=limit)


# How wide characters are, in ems, in the sans-serif faces the page asks for (a little over
# Helvetica's widths, so that an estimate errs long); any other character counts one em.
_NARROW = frozenset("iljI.,:;|!'`ftr()[]{}/\\- ")
_WIDE = frozenset("mwMW@%")
_EMS = {**dict.fromkeys(_NARROW, 0.36), **dict.fromkeys(_WIDE, 0.95)}


def _ems(char: str) -> float:
    if char in _EMS:
        return _EMS[char]
    if char.isascii():
        return 0.72 if char.isupper() else 0.6
    return 1.0


def fitted(text: str, room: float, size: float = 13.0) -> str:
    """``label`` of ``text`` cut (ending in ``…``) to what ``room`` units hold at font size
    ``size``, by an estimate of its characters' widths.

    >>> fitted("step one", 200), fitted("w" * 40, 60)
    ('step one', 'www…')
    """
    shown = inert(text)
    used = 0.0
    for index, char in enumerate(shown):
        used += _ems(char) * size
        if used > room:
            return label(text, max(index, 1))
    return shown


def _r(value: float) -> float:
    """A coordinate to one decimal (the file stays small)."""
    return round(value, 1)


def _fraction(value: float | None, top: float) -> float:
    if value is None or not top or not math.isfinite(value):
        return 0.0
    return min(max(value / top, 0.0), 1.0)


# --- bars in table cells ----------------------------------------------------------------------

INLINE_WIDTH, INLINE_HEIGHT = 96.0, 12.0


def inline_bar(value: float | None, top: float, title: str, series: str = "bar") -> Chart:
    """A bar of ``value`` against ``top`` (the column's largest), for a table cell."""
    width = _r(INLINE_WIDTH * _fraction(value, top))
    shapes = [
        Shape("rect", 0, 2, INLINE_WIDTH, INLINE_HEIGHT - 4, css="track"),
        Shape("rect", 0, 2, width, INLINE_HEIGHT - 4, css="bar", title=title, series=series),
    ]
    return Chart(INLINE_WIDTH, INLINE_HEIGHT, title, shapes, css="inline")


def interval_bar(goal: GoalRow, top: float) -> Chart:
    """A goal's conversion rate as a bar, its 95% Wilson interval as a whisker, on a scale of
    0 to ``top`` (the largest interval end of the table)."""
    rate = goal.conversion_rate
    low, high = goal.conversion_rate_ci_low, goal.conversion_rate_ci_high
    title = f"{format_value(rate, 'rate')}"
    if low is not None and high is not None:
        title += f" (95% interval {format_value(low, 'rate')} to {format_value(high, 'rate')})"
    mid = INLINE_HEIGHT / 2
    bar = _r(INLINE_WIDTH * _fraction(rate, top))
    shapes = [
        Shape("rect", 0, 2, INLINE_WIDTH, INLINE_HEIGHT - 4, css="track"),
        Shape("rect", 0, 3, bar, INLINE_HEIGHT - 6, css="bar", title=title, series="rate"),
    ]
    if low is not None and high is not None:
        x1, x2 = _r(INLINE_WIDTH * _fraction(low, top)), _r(INLINE_WIDTH * _fraction(high, top))
        shapes += [
            Shape("line", x1, mid, x2=x2, y2=mid, css="whisker"),
            Shape("line", x1, 1, x2=x1, y2=INLINE_HEIGHT - 1, css="whisker"),
            Shape("line", x2, 1, x2=x2, y2=INLINE_HEIGHT - 1, css="whisker"),
        ]
    return Chart(INLINE_WIDTH, INLINE_HEIGHT, title, shapes, css="inline")


def stacked_bar(parts: Sequence[tuple[str, int]], unit: str = "lines") -> Chart:
    """Counts as one bar of coloured parts (the input buckets), each part's share of the
    whole as its width; a part of 0 is a mark of no width."""
    width, height = 600.0, 16.0
    total = sum(count for _, count in parts)
    shapes, x = [], 0.0
    for index, (name, count) in enumerate(parts):
        share = count / total if total else 0.0
        title = f"{name}: {format_value(count, 'int')} {unit} ({format_value(share, 'rate')})"
        part, css = width * share, f"c{index % COLOURS}"
        shapes.append(
            Shape("rect", _r(x), 0, _r(part), height, css=css, title=title, series="bucket")
        )
        x += part
    return Chart(width, height, f"{unit} per bucket", shapes, css="stacked", stretch=True)


# --- the trend --------------------------------------------------------------------------------


def _ticks(count: int, most: int = 7) -> list[int]:
    """Up to ``most`` evenly spread indexes of ``count`` points, the first and last included.

    >>> _ticks(3), _ticks(31, 4)
    ([0, 1, 2], [0, 10, 20, 30])
    """
    if count <= most:
        return list(range(count))
    step = math.ceil((count - 1) / (most - 1))
    ticks = list(range(0, count - 1, step))
    return [*ticks, count - 1] if count - 1 - ticks[-1] >= step / 2 else [*ticks[:-1], count - 1]


def count_axis_top(most: int) -> int:
    """The top of a count axis whose grid lines at 0, half and the top are whole numbers:
    ``most`` rounded up to two significant figures and then to an even number (2 at least).

    >>> [count_axis_top(n) for n in (0, 1, 5, 57, 157, 1234, 99_999)]
    [2, 2, 6, 58, 160, 1300, 100000]
    """
    step: int = 10 ** max(len(str(max(most, 1))) - 2, 0)
    top = max(-(-most // step) * step, 2)
    return top + step if top % 2 else top


def rate_axis_top(most: float) -> float:
    """The top of a rate axis whose grid lines at 0, half and the top read exactly at one
    decimal of a percent: ``most`` rounded up to a multiple of 0.2 points (1% for none).

    >>> [rate_axis_top(r) for r in (0.0, 0.123, 0.25, 1.0)]
    [0.01, 0.124, 0.25, 1.0]
    """
    tenths = math.ceil(round(most * 1000, 6) / 2) * 2  # tenths of a percent, even
    return tenths / 1000 if tenths else 0.01


def _axis_label(start: str, unit: str, *, years: bool = False) -> str:
    """A trend row's label on the axis: ``11-02`` for a day (``2026-11-02`` when the period
    spans ``years``), ``02 09h`` for an hour.

    >>> _axis_label("2026-11-02", "day"), _axis_label("2026-11-02", "day", years=True)
    ('11-02', '2026-11-02')
    """
    if unit == "day":
        return start[:10] if years else start[5:10]
    return f"{start[8:10]} {start[11:13]}h"


def trend_chart(trend: Trend) -> Chart:
    """Sessions (a line, left axis) and the macro conversion rate (a dashed line, right axis)
    per day or hour: a point per row for sessions, one per row with a rate for the rate (no
    rate axis where no row has one: a report without macro goals)."""
    width, height, left, right, top, bottom = 600.0, 240.0, 48.0, 56.0, 16.0, 36.0
    rows = trend.rows
    inner_w, inner_h = width - left - right, height - top - bottom
    most = count_axis_top(max((row.sessions for row in rows), default=0))
    rates = [row.macro_conversion_rate for row in rows if row.macro_conversion_rate is not None]
    rate_top = rate_axis_top(max(rates, default=0.0))

    def x_of(index: int) -> float:
        return _r(left + (inner_w * index / (len(rows) - 1) if len(rows) > 1 else inner_w / 2))

    def y_of(fraction: float) -> float:
        return _r(top + inner_h * (1 - fraction))

    shapes: list[Shape] = []
    for step in (0.0, 0.5, 1.0):  # grid lines and both axes' labels
        y = y_of(step)
        count = format_value(round(most * step), "int")
        shown_rate = format_value(rate_top * step, "rate")
        shapes += [
            Shape("line", left, y, x2=width - right, y2=y, css="grid"),
            Shape("text", left - 6, y + 4, css="axis", anchor="end", text=count),
        ]
        if rates:
            shapes.append(
                Shape("text", width - right + 6, y + 4, css="axis rate-text", text=shown_rate)
            )
    years = bool(rows) and rows[0].start[:4] != rows[-1].start[:4]
    for index in _ticks(len(rows)):
        tick = _axis_label(rows[index].start, trend.unit, years=years)
        y = height - bottom + 18
        shapes.append(Shape("text", x_of(index), y, css="axis", anchor="middle", text=tick))
    sessions = [(x_of(i), y_of(row.sessions / most)) for i, row in enumerate(rows)]
    rated = [
        (i, x_of(i), y_of(_fraction(row.macro_conversion_rate, rate_top)), row)
        for i, row in enumerate(rows)
        if row.macro_conversion_rate is not None
    ]
    shapes.append(Shape("polyline", css="line sessions", points=tuple(sessions)))
    # The rate's line joins neighbouring rows only: a row without sessions has no rate, and a
    # line across it would draw rates nobody had.
    runs: list[list[tuple[float, float]]] = []
    for position, (index, x, y, _) in enumerate(rated):
        if position and rated[position - 1][0] == index - 1:
            runs[-1].append((x, y))
        else:
            runs.append([(x, y)])
    shapes += [Shape("polyline", css="line rate", points=tuple(run)) for run in runs]
    radius = 3.0 if len(rows) <= 62 else 1.5
    for (x, y), row in zip(sessions, rows, strict=True):
        title = f"{row.start}: {format_value(row.sessions, 'int')} sessions"
        dot = Shape("circle", x, y, r=radius, css="dot sessions", title=title, series="sessions")
        shapes.append(dot)
    for _, x, y, row in rated:
        rate = format_value(row.macro_conversion_rate, "rate")
        title = f"{row.start}: macro conversion rate {rate}"
        shapes.append(Shape("circle", x, y, r=radius, css="dot rate", title=title, series="rate"))
    shown = "Sessions and macro conversion rate" if rates else "Sessions"
    what = f"{shown} per {trend.unit}, {len(rows)} {trend.unit}s"
    return Chart(width, height, what, shapes, css="trend")


# --- funnels ----------------------------------------------------------------------------------


def funnel_chart(funnel: FunnelResult) -> Chart:
    """A funnel's drop-off: a bar per step as long as the units that reached it (against the
    first step's), the share that dropped before the next step marked after it, and the median
    time from the previous step between the bars."""
    # The value after the longest bar ("1,234,567 (100.0%)") stays inside the chart, and a
    # step's number and name inside its column.
    width, row_h, name_w, value_w = 560.0, 40.0, 170.0, 130.0
    bar_w = width - name_w - value_w
    top = max((step.reached for step in funnel.steps), default=0) or 1
    shapes: list[Shape] = []
    for index, step in enumerate(funnel.steps):
        y = index * row_h + 14
        reached_w = _r(bar_w * step.reached / top)
        dropped_w = _r(bar_w * step.dropped / top)
        title = (
            f"{step.step}. {label(step.name, 200)}: {format_value(step.reached, 'int')} reached, "
            f"{format_value(step.dropped, 'int')} dropped "
            f"({format_value(step.drop_off_rate, 'rate')})"
        )
        reached = format_value(step.reached, "int")
        value = f"{reached} ({format_value(step.conversion_from_start, 'rate')})"
        number = f"{step.step}. "
        name = number + fitted(step.name, name_w - 6 - _ems("0") * 13 * len(number))
        shapes += [
            Shape("text", 0, y + 13, css="name", text=name),
            Shape("rect", name_w, y, reached_w, 18, css="dropped"),
            Shape("rect", name_w, y, _r(reached_w - dropped_w), 18, css="bar"),
            Shape("text", _r(name_w + reached_w + 4), y + 13, css="value", text=value),
            # The step's tooltip over its whole row of bars: both parts, and a step no unit
            # reached (a bar of no width) too.
            Shape("rect", name_w, y, bar_w, 18, css="hit", title=title, series="steps"),
        ]
        if step.dropped and index < len(funnel.steps) - 1:
            dropped = f"▼ {format_value(step.drop_off_rate, 'rate')} dropped"
            shapes.append(Shape("text", name_w, y + 32, css="note", text=dropped))
        if index and step.median_time_from_previous_s is not None:
            median = format_seconds(step.median_time_from_previous_s)
            between = f"median {median} from step {step.step - 1}"
            shapes.append(Shape("text", width, y - 2, css="note", anchor="end", text=between))
    height = len(funnel.steps) * row_h + 12
    what = f"Funnel {label(funnel.name)}: units reaching each step"
    return Chart(width, height, what, shapes, css="funnel")


# --- micro → macro ----------------------------------------------------------------------------


def lift_chart(rows: Sequence[MicroMacroRow]) -> Chart:
    """Per micro goal, how much more often its visitors reach a macro goal: the difference of
    macro rates as a point with its 95% interval as whiskers, a zero line, and hollow points
    labelled for small samples (a row without a difference is marked ``n/a``)."""
    # ``right`` holds the widest label: "▲ +100.0 pp · small sample" at 13px.
    width, row_h, name_w, right = 560.0, 26.0, 160.0, 190.0
    ends = [v for r in rows for v in (r.diff_ci_low, r.diff_ci_high, r.difference) if v is not None]
    reach = max((abs(v) for v in ends), default=0.0) or 0.01
    inner = width - name_w - right

    def x_of(value: float) -> float:
        return _r(name_w + inner * (value + reach) / (2 * reach))

    height = len(rows) * row_h + 30
    zero = x_of(0.0)
    axis, low_end, high_end = (
        height - 6,
        format_value(-reach, "change"),
        format_value(reach, "change"),
    )
    shapes = [
        Shape("line", zero, 4, x2=zero, y2=height - 22, css="zero"),
        Shape("text", name_w, axis, css="axis", text=low_end),
        Shape("text", zero, axis, css="axis", anchor="middle", text="0"),
        Shape("text", name_w + inner, axis, css="axis", anchor="end", text=high_end),
    ]
    for index, row in enumerate(rows):
        y = index * row_h + 16
        shapes.append(Shape("text", 0, y + 4, css="name", text=fitted(row.goal, name_w - 6)))
        note = "small sample" if row.small_sample else ""
        if row.difference is None:
            shapes.append(Shape("text", zero, y + 4, css="note", text="n/a", series="lift"))
            continue
        if row.diff_ci_low is not None and row.diff_ci_high is not None:
            low, high = x_of(row.diff_ci_low), x_of(row.diff_ci_high)
            shapes += [
                Shape("line", low, y, x2=high, y2=y, css="whisker"),
                Shape("line", low, y - 5, x2=low, y2=y + 5, css="whisker"),
                Shape("line", high, y - 5, x2=high, y2=y + 5, css="whisker"),
            ]
        endless = row.lift is None and (row.macro_rate_with or 0) > 0
        lift = "∞" if endless else format_value(row.lift, "float")
        title = (
            f"{label(row.goal, 200)}: {format_value(row.difference, 'change')} "
            f"(macro rate {format_value(row.macro_rate_with, 'rate')} with, "
            f"{format_value(row.macro_rate_without, 'rate')} without; lift {lift})"
        )
        css = "point small" if row.small_sample else "point"
        point = Shape("circle", x_of(row.difference), y, r=5, css=css, title=title, series="lift")
        shapes.append(point)
        shown = f"{format_value(row.difference, 'change')}" + (f" · {note}" if note else "")
        shapes.append(Shape("text", width - right + 8, y + 4, css="value", text=shown))
    what = "Micro goals: difference in macro rate, with 95% intervals"
    return Chart(width, height, what, shapes, css="lift")
