"""The goal model: what a goals file says, as plain frozen dataclasses (no I/O, no Polars code).

``goals_file.load_goals`` builds these from YAML; ``goal_matching`` and ``funnels`` turn them into
Polars expressions. Funnel steps reuse ``DestinationMatcher`` and ``EventMatcher``.
``SourceMapping`` says how the columns of an event export map onto hits (``exports`` reads it).

An ``AlertRule`` is a condition on one figure of the report (definitions §2.8, README: Alerts),
which ``alerts`` checks once the report is built. A rule names its figure by its path in the JSON
report, with lists addressed by name: ``summary.macro_conversion_rate``,
``goals.purchase.conversion_rate``, ``funnels.checkout.steps.3.drop_off_rate`` (step numbers
count from 1, as the ``step`` field), ``segments.channel.Email.macro_conversion_rate``,
``segments.channel.Email.goals.purchase.conversion_rate``, ``input.malformed``.

>>> shape = ReportShape(goals=("buy",), micro_goals=(), funnels={"checkout": 4})
>>> parse_metric("funnels.checkout.steps.3.drop_off_rate", shape).keys
('checkout', 'steps', '3')
>>> parse_metric("goals.buy.rate", shape)
Traceback (most recent call last):
...
ValueError: unknown metric 'goals.buy.rate' (nearest valid path: goals.buy.value)
"""

from __future__ import annotations

import difflib
import functools
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, NamedTuple

from micromacro.dimensions import DIMENSIONS, parse_breakdowns
from micromacro.errors import UsageError
from micromacro.hit_schema import BUCKETS, EXPORT_BUCKETS
from micromacro.option_values import Network
from micromacro.rows import (
    LADDER_STEPS,
    FunnelResult,
    GoalRow,
    LadderRow,
    LadderStep,
    MicroMacroRow,
    SegmentGoal,
    SegmentRow,
    StepRow,
    SummaryFigures,
    metric_fields,
    proportion_fields,
    tested_fields,
)
from micromacro.text import QUOTE_CHARS, inert, quoted

MatchOp = Literal["equals", "begins_with", "contains", "regex", "glob", "one_of"]
MATCH_OPS: tuple[MatchOp, ...] = ("equals", "begins_with", "contains", "regex", "glob", "one_of")

GoalType = Literal["destination", "duration", "pages", "event"]
GOAL_TYPES: tuple[GoalType, ...] = ("destination", "duration", "pages", "event")

GoalKind = Literal["macro", "micro"]
GoalCategory = Literal["process_milestone", "secondary_action"]
CountMode = Literal["once_per_session", "every"]
EventField = Literal["category", "action", "label", "name"]
EVENT_FIELDS: tuple[EventField, ...] = ("category", "action", "label", "name")


@dataclass(frozen=True)
class StringMatcher:
    """One string test: ``op`` applied with ``value`` (a tuple of strings for ``one_of``).

    ``glob``: ``*`` matches within one path segment, ``**/`` starting a segment zero or more
    segments, ``**`` elsewhere anything; ``regex`` is Rust syntax.
    """

    op: MatchOp
    value: str | tuple[str, ...]
    case_sensitive: bool = False


@dataclass(frozen=True)
class NumberCondition:
    """Comparisons that must all hold: value > greater_than, value < less_than, value == equals."""

    greater_than: float | None = None
    less_than: float | None = None
    equals: float | None = None


@dataclass(frozen=True)
class DestinationMatcher:
    """Matches a pageview whose path (plus ``?query`` with ``include_query``) passes ``matcher``."""

    matcher: StringMatcher
    include_query: bool = False


@dataclass(frozen=True)
class EventMatcher:
    """Matches an event whose every given field passes its test (absent fields are not tested)."""

    category: StringMatcher | None = None
    action: StringMatcher | None = None
    label: StringMatcher | None = None
    name: StringMatcher | None = None
    value: NumberCondition | None = None


@dataclass(frozen=True)
class Goal:
    """One goal of a goals file; exactly one of the four type fields is set, the one ``type`` names.

    ``destination``/``event`` hold the hit matcher; ``condition`` the comparison of a
    ``duration`` (seconds) or ``pages`` goal. A conversion is worth ``value`` (a fixed amount),
    or the value of the matching hit in ``value_from`` (definitions §2.4): a hit column
    (``event_value`` for ``value: event``, ``revenue``), ``query:NAME`` (a query parameter),
    or an event export's column by name or dotted path.
    """

    name: str
    kind: GoalKind
    type: GoalType
    category: GoalCategory | None = None
    destination: DestinationMatcher | None = None
    event: EventMatcher | None = None
    condition: NumberCondition | None = None
    count: CountMode = "once_per_session"
    value: float | None = None
    value_from: str | None = None
    line: int | None = None

    @property
    def has_value(self) -> bool:
        """Whether a conversion of the goal is worth something: a fixed or a data value."""
        return self.value is not None or self.value_from is not None


@dataclass(frozen=True)
class Exclusions:
    """Hits left out of the report, the site's own (definitions §2.2): those whose visitor's
    address is in one of ``networks`` (an IPv4-mapped IPv6 address as its IPv4 one), and those
    whose path one of ``paths`` matches, as a destination goal's matcher does. From the goals
    file's ``exclude:`` section and ``--exclude-ip``.

    >>> from ipaddress import ip_network
    >>> office = Exclusions(networks=(ip_network("198.51.100.0/24"),))
    >>> office.with_networks([ip_network("198.51.100.0/24"), ip_network("2001:db8::/32")]).text()
    {'ips': ['198.51.100.0/24', '2001:db8::/32'], 'paths': []}
    """

    networks: tuple[Network, ...] = ()
    paths: tuple[DestinationMatcher, ...] = ()

    def __bool__(self) -> bool:
        """Whether anything is excluded."""
        return bool(self.networks or self.paths)

    def with_networks(self, networks: Iterable[Network]) -> Exclusions:
        """These exclusions and ``networks`` too, each network once."""
        return replace(self, networks=tuple(dict.fromkeys((*self.networks, *networks))))

    def text(self) -> dict[str, list[str]]:
        """The exclusions as text, in the order given: what decides the hit cache's entry."""
        return {
            "ips": [str(network) for network in self.networks],
            "paths": [repr(matcher) for matcher in self.paths],
        }


# The hit columns a goal's value may come from (``value: event`` is ``event_value``).
HIT_VALUE_COLUMNS: tuple[str, ...] = ("revenue", "event_value")

FunnelScope = Literal["session", "visitor"]
FUNNEL_SCOPES: tuple[FunnelScope, ...] = ("session", "visitor")
FunnelEntry = Literal["closed", "open"]
FUNNEL_ENTRIES: tuple[FunnelEntry, ...] = ("closed", "open")
FunnelOrder = Literal["ordered", "strict"]
FUNNEL_ORDERS: tuple[FunnelOrder, ...] = ("ordered", "strict")
# A visitor-scope funnel's steps must fall within this long of its step-1 hit unless it says.
DEFAULT_VISITOR_WITHIN_S = 30 * 86400.0

HitMatcher = DestinationMatcher | EventMatcher


@dataclass(frozen=True)
class FunnelStep:
    """One step of a funnel: a hit satisfies it when it passes any of ``matchers``."""

    name: str
    matchers: tuple[HitMatcher, ...]


@dataclass(frozen=True)
class Funnel:
    """An ordered list of two or more steps and the rules a unit's chain of hits must follow.

    ``within_s`` bounds the time from the step-1 hit to the last step reached; ``within_step_s``
    the time between consecutive steps (None: no bound). ``goal`` names the macro goal whose
    matcher is the last step, when the file said ``goal:``.
    """

    name: str
    steps: tuple[FunnelStep, ...]
    scope: FunnelScope = "session"
    entry: FunnelEntry = "closed"
    order: FunnelOrder = "ordered"
    within_s: float | None = None
    within_step_s: float | None = None
    goal: str | None = None
    line: int | None = None


ExportFormat = Literal["csv", "ndjson", "parquet"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = ("csv", "ndjson", "parquet")
SourcePreset = Literal["ga4", "segment"]
SOURCE_PRESETS: tuple[SourcePreset, ...] = ("ga4", "segment")
# The hit fields goals test or take a value from that each preset maps (``export_presets`` says
# from which columns): an event goal testing another field matches no row of its export.
PRESET_GOAL_FIELDS: dict[SourcePreset, tuple[str, ...]] = {
    "ga4": ("event_name", "event_value", "revenue"),
    "segment": (
        "event_name", "event_category", "event_action", "event_label", "event_value", "revenue",
    ),
}  # fmt: skip
# Named timestamp formats; any other format is a strftime pattern (``%Y-%m-%d %H:%M:%S``).
TIMESTAMP_FORMATS: tuple[str, ...] = ("iso8601", "epoch_s", "epoch_ms", "epoch_us")
# The source keys that name one column each (a dotted path reaches into nested structs).
SOURCE_COLUMN_FIELDS: tuple[str, ...] = (
    "user_id", "anonymous_id", "session_id", "event_name", "event_category", "event_action",
    "event_label", "event_value", "revenue", "currency", "url", "path", "query", "referrer",
    "user_agent", "engagement_time_ms", "session_engaged", "campaign_source", "campaign_medium",
    "campaign_name", "gclid", "dclid", "first_user_source", "first_user_medium",
    "first_user_campaign", "transaction_id",
)  # fmt: skip


@dataclass(frozen=True)
class TimestampField:
    """The column holding each row's time and how to read it.

    ``format`` is one of ``TIMESTAMP_FORMATS`` or a strftime pattern; None reads date/time
    columns as they are and text as ISO 8601.
    """

    column: str
    format: str | None = None


@dataclass(frozen=True)
class RowRule:
    """Rows whose ``column`` holds one of ``values`` (compared as text, exactly).

    A rule with no values matches no row (``skip: null`` or ``session_only: null`` switches a
    preset's rule off).
    """

    column: str
    values: tuple[str, ...]


NO_ROWS = RowRule(column="", values=())


@dataclass(frozen=True)
class SourceMapping:
    """The ``source:`` section of a goals file: how an event export's columns become hits.

    Only what the file says is set; ``exports`` fills the rest from ``preset`` (if any). Column
    names may be dotted paths into nested columns (``context.page.url``). ``values`` are not a
    key of the section: they are the columns goals take their value ``from:`` that are neither a
    hit column nor kept, carried into the hit table as numbers.
    """

    preset: SourcePreset | None = None
    format: ExportFormat | None = None
    timestamp: TimestampField | None = None
    timezone: str = "UTC"
    user_id: str | None = None
    anonymous_id: str | None = None
    session_id: str | None = None
    event_name: str | None = None
    event_category: str | None = None
    event_action: str | None = None
    event_label: str | None = None
    event_value: str | None = None
    revenue: str | None = None
    currency: str | None = None
    url: str | None = None
    path: str | None = None
    query: str | None = None
    referrer: str | None = None
    # The browser's user agent: the device, browser and OS of a session (``--by device``).
    user_agent: str | None = None
    # A row's engagement in milliseconds, and its flag that its session is engaged (1 or true).
    engagement_time_ms: str | None = None
    session_engaged: str | None = None
    # The export's own attribution of a row: its campaign, and its ad click ids.
    campaign_source: str | None = None
    campaign_medium: str | None = None
    campaign_name: str | None = None
    gclid: str | None = None
    dclid: str | None = None
    # The source, medium and campaign that first brought the row's user (--attribution
    # first-user).
    first_user_source: str | None = None
    first_user_medium: str | None = None
    first_user_campaign: str | None = None
    # An order's id: a row repeating an earlier one's event name and id is a duplicate (GA4
    # counts a purchase sent twice, a thank-you page reloaded, once).
    transaction_id: str | None = None
    pageview: RowRule | None = None
    skip: RowRule | None = None
    # Rows that count for their session only (GA4's session_start): neither pageview nor event.
    session_only: RowRule | None = None
    keep: tuple[str, ...] = ()
    values: tuple[str, ...] = ()
    line: int | None = None

    def maps(self, field: str) -> bool:
        """Whether this source's hits hold ``field`` (a field of ``PRESET_GOAL_FIELDS``): its
        own key names a column, or its preset maps one.

        >>> SourceMapping(preset="ga4").maps("event_category")
        False
        """
        if getattr(self, field) is not None:
            return True
        return self.preset is not None and field in PRESET_GOAL_FIELDS[self.preset]


# --- alert rules -----------------------------------------------------------------------------

Condition = Literal["above", "below", "change_above", "change_below"]
CONDITIONS: tuple[Condition, ...] = ("above", "below", "change_above", "change_below")
ThresholdUnit = Literal["value", "relative", "pp"]
RULE_COMPARISONS: tuple[str, ...] = ("previous", "previous-week", "previous-year")
DEFAULT_SIGNIFICANCE = 0.05


# --- the figures a rule can name -------------------------------------------------------------

INPUT_FIELDS: tuple[str, ...] = tuple(
    dict.fromkeys(("lines", "files", *BUCKETS, "out_of_period", *EXPORT_BUCKETS))
)
# The figure rows each kind of metric path reads, and the fields rules may name in them.
_ROWS: dict[str, tuple[type[Any], ...]] = {
    "summary": (SummaryFigures,),
    "goals": (GoalRow,),
    "funnels": (FunnelResult,),
    "steps": (StepRow,),
    "ladder": (LadderStep, LadderRow),
    "micro_macro": (MicroMacroRow,),
    "segments": (SegmentRow,),
    "segment_goals": (SegmentGoal,),
}
SUMMARY_FIELDS = metric_fields(SummaryFigures)
GOAL_FIELDS = metric_fields(GoalRow)
FUNNEL_FIELDS = metric_fields(FunnelResult)
STEP_FIELDS = metric_fields(StepRow)
LADDER_PATHS: tuple[str, ...] = (
    *(f"{step}.{name}" for step in LADDER_STEPS for name in metric_fields(LadderStep)),
    *metric_fields(LadderRow),
)
MICRO_MACRO_FIELDS = metric_fields(MicroMacroRow)
SEGMENT_FIELDS = metric_fields(SegmentRow)
SEGMENT_GOAL_FIELDS = metric_fields(SegmentGoal)
# Proportions (shown as percents; ``pp`` thresholds apply to them), and those of a known count
# (a rule on them can ask for ``significant: true``), by kind of path.
_PROPORTIONS = {
    kind: frozenset().union(*(proportion_fields(row) for row in rows))
    for kind, rows in _ROWS.items()
}
_TESTED = {
    kind: frozenset().union(*(tested_fields(row) for row in rows)) for kind, rows in _ROWS.items()
}


@dataclass(frozen=True)
class ReportShape:
    """What a goals file puts in its report: the names a metric path may use."""

    goals: tuple[str, ...]
    micro_goals: tuple[str, ...]
    funnels: dict[str, int]  # funnel name → number of steps
    dimensions: tuple[str, ...] = ()  # extra --by dimensions (an event export's kept columns)
    has_macro: bool = True  # without a macro goal the micro → macro table has no row
    has_micro: bool = True  # without a micro goal no visitor is a potential customer
    has_funnels: bool = True  # without funnels no funnel path is one to offer
    has_goals: bool = True  # without goals no figure made of goals means anything


@dataclass(frozen=True)
class MetricPath:
    """A parsed metric path: its section, the names that pick one object, and the field.

    ``kind`` says which object the field belongs to: the section, or ``steps`` (a funnel step)
    or ``segment_goals`` (a goal row of a segment).
    """

    text: str
    section: str
    keys: tuple[str, ...]
    field: str
    kind: str

    @property
    def is_rate(self) -> bool:
        """Whether the figure is a proportion 0–1."""
        return self.field in _PROPORTIONS.get(self.kind, frozenset())

    @property
    def is_testable(self) -> bool:
        """Whether a significance test applies (a proportion of a known count)."""
        return self.field in _TESTED.get(self.kind, frozenset())

    @property
    def is_seconds(self) -> bool:
        """Whether the figure is a duration in seconds."""
        return self.field.endswith("_s")


# The summary's and a segment's figures made of the goals' conversions: the macro and micro
# conversions and rates, and the macro goals' revenue.
GOAL_MADE_FIELDS = frozenset(
    name for name in (*SUMMARY_FIELDS, *SEGMENT_FIELDS) if name.startswith(("macro_", "micro_"))
)


def parse_metric(text: str, shape: ReportShape) -> MetricPath:
    """The metric path ``text`` checked against ``shape``; ``ValueError`` names the nearest
    valid path when it is not one, and says why a path the file's goals leave without meaning
    (none, or none of a kind) has none."""
    path = _parse(text, shape)
    refusal = _refusal(text, path, shape)
    if refusal is not None:
        why, fix = refusal
        raise ValueError(f"metric {quoted(text)}: {why} ({fix})")
    if path is None:
        raise ValueError(f"unknown metric {quoted(text)}{_nearest_hint(text, shape)}")
    return path


def _refusal(text: str, path: MetricPath | None, shape: ReportShape) -> tuple[str, str] | None:
    """Why the figure ``text`` names (``path``, None when it is no valid path) means nothing
    with the file's goals, and what gives it a meaning; None when it means something."""
    if not shape.has_goals:
        reason = _without_goals(text, path)
        if not reason:
            return None
        return f"the goals file has no goals, so {reason}", "add a goals: list"
    lacking = _without_a_kind(path, shape) if path is not None else None
    if lacking is None:
        return None
    kind, reason = lacking
    return f"the goals file has no {kind} goal, so {reason}", f"mark a goal kind: {kind}"


def _nearest_hint(text: str, shape: ReportShape) -> str:
    """The nearest valid path to the misspelt ``text``, as a hint; where the file's goals give
    that one no meaning, why (rather than another figure, further from what was meant); where
    the file has no funnel or no micro goal for a path of their section, that."""
    section = _named_section(text)
    if not shape.has_goals and (section in ("goals", "micro_macro") or _goal_row(text, shape)):
        return " (the goals file has no goals)"
    if section == "funnels" and not shape.has_funnels:
        return " (the goals file has no funnels)"
    if section == "micro_macro" and not shape.has_micro:
        return " (the goals file has no micro goal)"
    nearest = difflib.get_close_matches(text, _candidates(text, shape), n=1, cutoff=0.0)
    if not nearest:
        return ""
    refusal = _refusal(nearest[0], _parse(nearest[0], shape), shape)
    if refusal is None:
        return f" (nearest valid path: {nearest[0]})"
    why, fix = refusal
    return f" (nearest path: {nearest[0]}, but {why}; {fix})"


_SEGMENT_GOAL = re.compile(r"segments\..+\.goals\..+\.[a-z_]+")


def _without_goals(text: str, path: MetricPath | None) -> str:
    """Why the figure ``text`` names (``path``, None when it is no valid path) means nothing
    in a report without goals; "" for a figure that needs none."""
    section = text.partition(".")[0]
    if section == "goals" or (path is None and _SEGMENT_GOAL.fullmatch(text)):
        return "there is no goal to read"
    if section == "micro_macro":
        return "the micro → macro table has no row to read"
    if section == "ladder":
        return "the engagement ladder puts every visitor at no_value_yet"
    if path is None or path.kind not in ("summary", "segments"):
        return ""
    if path.field not in GOAL_MADE_FIELDS:
        return ""
    return f"there is no {path.field.partition('_')[0]} conversion to count"


def _without_a_kind(path: MetricPath, shape: ReportShape) -> tuple[str, str] | None:
    """The kind of goal (``macro``, ``micro``) the figure ``path`` is made of that the file has
    none of, and what that leaves of the figure; None when it has what the figure needs. Such
    a figure is 0 or null on every run: a rule on it would fire every time (a share below a
    bound) or never be evaluated."""
    has = {"macro": shape.has_macro, "micro": shape.has_micro}
    if path.section == "micro_macro" and not has["macro"]:
        return "macro", "the micro → macro table has no row to read"
    if path.kind in ("summary", "segments") and path.field in GOAL_MADE_FIELDS:
        kind = path.field.partition("_")[0]
        return (kind, f"there is no {kind} conversion to count") if not has[kind] else None
    if path.section != "ladder":
        return None
    part = path.keys[0] if path.keys else path.field
    return next(
        ((kind, reason) for (at, kind), reason in _LADDER_WITHOUT.items()
         if at == part and not has[kind]),
        None,
    )  # fmt: skip


# What a part of the engagement ladder is without a kind of goal (``no_value_yet`` takes
# either kind).
_LADDER_WITHOUT = {
    ("customers", "macro"): "no visitor is a customer on the engagement ladder",
    ("potential_customers", "micro"): "no visitor is a potential customer on the engagement ladder",
    ("macro_rate_with_micro", "macro"): "there is no macro conversion to count",
    ("macro_rate_with_micro", "micro"): "no visitor has a micro conversion to compare by",
    ("macro_rate_without_micro", "macro"): "there is no macro conversion to count",
}


def _parse(text: str, shape: ReportShape) -> MetricPath | None:
    section, _, rest = text.partition(".")
    parsers: dict[str, Callable[[str, ReportShape], tuple[tuple[str, ...], str, str] | None]] = {
        "input": lambda r, _s: ((), r, "input") if r in INPUT_FIELDS else None,
        "summary": lambda r, _s: ((), r, "summary") if r in SUMMARY_FIELDS else None,
        "goals": lambda r, s: _named(r, s.goals, GOAL_FIELDS, "goals"),
        "micro_macro": lambda r, s: _named(r, s.micro_goals, MICRO_MACRO_FIELDS, "micro_macro"),
        "funnels": _parse_funnel,
        "ladder": _parse_ladder,
        "segments": _parse_segment,
    }
    parser = parsers.get(section)
    parsed = parser(rest, shape) if parser is not None else None
    if parsed is None:
        return None
    keys, name, kind = parsed
    return MetricPath(text=text, section=section, keys=keys, field=name, kind=kind)


def _named(
    rest: str, names: Sequence[str], fields: tuple[str, ...], kind: str
) -> tuple[tuple[str, ...], str, str] | None:
    """``NAME.FIELD`` where NAME is one of ``names`` (it may hold dots)."""
    name, _, last = rest.rpartition(".")
    return ((name,), last, kind) if name in names and last in fields else None


def _parse_funnel(rest: str, shape: ReportShape) -> tuple[tuple[str, ...], str, str] | None:
    step = re.fullmatch(r"(.+)\.steps\.(\d+)\.([a-z_]+)", rest)
    if step is not None:
        name, number, last = step.groups()
        count = shape.funnels.get(name, 0)
        if 1 <= int(number) <= count and last in STEP_FIELDS:
            return (name, "steps", str(int(number))), last, "steps"
        return None
    return _named(rest, tuple(shape.funnels), FUNNEL_FIELDS, "funnels")


def _parse_ladder(rest: str, _shape: ReportShape) -> tuple[tuple[str, ...], str, str] | None:
    if rest not in LADDER_PATHS:
        return None
    group, _, last = rest.rpartition(".")
    return ((group,) if group else ()), last, "ladder"


def _parse_segment(rest: str, shape: ReportShape) -> tuple[tuple[str, ...], str, str] | None:
    """A segment path after ``segments.``: its breakdown ends at the first dot, but for a kept
    column whose name holds dots (``device.category``), the longest such name it starts with."""
    kept = [name for name in shape.dimensions if rest.startswith(f"{name}.")]
    by = max(kept, key=len) if kept else rest.partition(".")[0]
    try:
        parse_breakdowns([by], extra=shape.dimensions)
    except UsageError:
        return None
    return _segment_of(by, rest.removeprefix(f"{by}."), shape)


def _segment_of(by: str, tail: str, shape: ReportShape) -> tuple[tuple[str, ...], str, str] | None:
    """The segment path of breakdown ``by`` whose rest is ``tail`` (``mobile.sessions``)."""
    goal = re.fullmatch(r"(.+)\.goals\.(.+)\.([a-z_]+)", tail)
    if goal is not None and goal.group(2) in shape.goals and goal.group(3) in SEGMENT_GOAL_FIELDS:
        return (by, goal.group(1), "goals", goal.group(2)), goal.group(3), "segment_goals"
    segment, _, last = tail.rpartition(".")
    return ((by, segment), last, "segments") if segment and last in SEGMENT_FIELDS else None


def _candidates(text: str, shape: ReportShape) -> list[str]:
    """The valid paths nearest ``text`` is chosen among: those of the section it names (or
    its nearest, misspelt; every section's when it is like none), of the goals and funnels
    whose names are nearest the name it holds, and of the breakdown and segment it names. A
    file of thousands of goals or funnels has hundreds of thousands of paths, and matching a
    misspelt one against each took seconds."""
    names = _held_names(text)
    nearest_goals = functools.cache(lambda: _nearest_names(names, shape.goals))

    def goals() -> list[str]:
        return [f"goals.{g}.{f}" for g in nearest_goals() for f in GOAL_FIELDS]

    def micro_macro() -> list[str]:
        micro = _nearest_names(names, shape.micro_goals)
        return [f"micro_macro.{g}.{f}" for g in micro for f in MICRO_MACRO_FIELDS]

    def funnels() -> list[str]:
        nearest = _nearest_names(names, list(shape.funnels))
        return [path for f in nearest for path in _funnel_paths(f, shape.funnels[f])]

    def segments() -> list[str]:
        by, segment = _named_segment(text, shape)
        rows = [f"segments.{by}.{segment}.{f}" for f in SEGMENT_FIELDS]
        return rows + [
            f"segments.{by}.{segment}.goals.{g}.{f}"
            for g in nearest_goals()
            for f in SEGMENT_GOAL_FIELDS
        ]

    sections: dict[str, Callable[[], list[str]]] = {
        "input": lambda: [f"input.{f}" for f in INPUT_FIELDS],
        "summary": lambda: [f"summary.{f}" for f in SUMMARY_FIELDS],
        "goals": goals,
        "micro_macro": micro_macro,
        "funnels": funnels,
        "ladder": lambda: [f"ladder.{p}" for p in LADDER_PATHS],
        "segments": segments,
    }
    section = _named_section(text)
    if section is not None:
        return sections[section]()
    return [path for paths in sections.values() for path in paths()]


# The sections of a metric path.
_SECTIONS = ("input", "summary", "goals", "micro_macro", "funnels", "ladder", "segments")


def _named_section(text: str) -> str | None:
    """The section a path names: as it is written, else the nearest to it (``goal`` is
    ``goals``); None when it is like none."""
    written = text.partition(".")[0]
    nearest = difflib.get_close_matches(written, _SECTIONS, n=1, cutoff=0.75)
    return written if written in _SECTIONS else (nearest[0] if nearest else None)


def _funnel_paths(name: str, steps: int) -> list[str]:
    """The paths of a funnel's figures and of its steps'."""
    paths = [f"funnels.{name}.{f}" for f in FUNNEL_FIELDS]
    numbers = range(1, steps + 1)
    return paths + [f"funnels.{name}.steps.{k}.{f}" for k in numbers for f in STEP_FIELDS]


def _goal_row(text: str, shape: ReportShape) -> bool:
    """Whether a segment path names a goal row (``….goals.NAME.FIELD``), not a segment or a
    kept column called ``goals``."""
    rest = f".{text.partition('.')[2]}"
    if _named_section(text) != "segments" or ".goals." not in rest:
        return False
    if rest.startswith(".goals.") and "goals" in shape.dimensions:
        return False
    return "." in rest.rpartition(".goals.")[2]


def _held_names(text: str) -> _HeldNames:
    """The names of a goal or a funnel a path may hold: what lies between its section and its
    field (a segment's goal row: after ``goals.``; a funnel's step: before ``.steps.``), and
    the whole of what follows its section, where the field is left out (``goals.buy``); the
    whole path where it names no section (``buy.conversions``). Matched as they are, both;
    matched nearest, not the whole where its last part is a field's name."""
    section = _named_section(text)
    rest = (text.partition(".")[2] if section is not None else text).rstrip(".")
    if section == "segments":
        rest = f".{rest}".partition(".goals.")[2]
    elif section == "funnels":
        rest = rest.partition(".steps.")[0]
    head, _, last = rest.rpartition(".")
    if not head:
        return _HeldNames((rest,), (rest,))
    return _HeldNames((rest, head), (head,) if last in _FIELD_NAMES else (rest, head))


class _HeldNames(NamedTuple):
    """The names a path may hold as they are, and those to look for the nearest of."""

    exact: tuple[str, ...]
    near: tuple[str, ...]


# Every name a path's last part may be.
_FIELD_NAMES = frozenset(
    (*GOAL_FIELDS, *MICRO_MACRO_FIELDS, *FUNNEL_FIELDS, *STEP_FIELDS, *SEGMENT_GOAL_FIELDS)
)


def _nearest_names(names: _HeldNames, known: Sequence[str], count: int = 3) -> list[str]:
    """Of ``known``, those ``names`` are, else the ``count`` nearest each of them."""
    exact = [name for name in names.exact if name in known]
    if exact:
        return exact
    nearest = (difflib.get_close_matches(name, known, n=count, cutoff=0.0) for name in names.near)
    return list(dict.fromkeys(found for matches in nearest for found in matches))


def _named_segment(text: str, shape: ReportShape) -> tuple[str, str]:
    """The breakdown and segment a segment path names, as far as it names them (the nearest
    dimension to its breakdown; ``channel`` and ``Email`` for what it leaves out): a kept
    column whose name holds dots (``device.category``) is one breakdown, as ``_parse_segment``
    reads it, and a segment may hold dots too (a referrer's host)."""
    rest = text.partition(".")[2] if _named_section(text) == "segments" else ""
    kept = [name for name in shape.dimensions if rest.startswith(f"{name}.")]
    if kept:
        by = max(kept, key=len)
        tail = rest.removeprefix(f"{by}.")
    elif rest.startswith("goals."):  # the breakdown and the segment left out
        by, tail = "channel", rest
    else:
        first, _, tail = rest.partition(".")
        by = _nearest_dimension(first, shape) if tail else "channel"
        if "." in by:  # a kept column holding dots, misspelt: as many parts as are nearest it
            by, tail = _misspelt_kept_column(rest, shape)
    if tail.startswith("goals."):  # a goal row of a segment left out
        return by, "Email"
    segment = tail.partition(".goals.")[0] if ".goals." in tail else tail.rpartition(".")[0]
    return by, segment or "Email"


def _misspelt_kept_column(rest: str, shape: ReportShape) -> tuple[str, str]:
    """The kept column the first parts of a segment path's ``rest`` misspell, and what follows
    them: of the kept columns, the nearest to the first part, the first two, and so on."""
    parts = rest.split(".")
    splits = [(".".join(parts[:n]), ".".join(parts[n:])) for n in range(1, len(parts))]
    scored = [
        (difflib.SequenceMatcher(None, written, kept).ratio(), kept, tail)
        for written, tail in splits
        for kept in shape.dimensions
    ]
    if not scored:
        return "channel", rest
    _, kept, tail = max(scored, key=lambda found: found[0])
    return kept, tail


def _nearest_dimension(name: str, shape: ReportShape) -> str:
    try:
        parse_breakdowns([name], extra=shape.dimensions)
    except UsageError:
        known = [*DIMENSIONS, *shape.dimensions]
        return (difflib.get_close_matches(name, known, n=1, cutoff=0.0) or ["channel"])[0]
    return name


# --- thresholds ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Threshold:
    """A rule's bound: ``value`` in the metric's units (rates as fractions), a relative change
    as a fraction (``-30%`` → -0.3) or a change in percentage points (``-2pp`` → -0.02)."""

    value: float
    unit: ThresholdUnit = "value"


_THRESHOLD = re.compile(r"^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)\s*(%|pp)?\s*$", re.I)


def parse_threshold(written: str | float, condition: Condition, metric: MetricPath) -> Threshold:
    """The bound of ``condition`` as written in the goals file (``0.02``, ``2%``, ``-30%``,
    ``-2pp``, ``100``); ``ValueError`` says what is accepted, and refuses a number too large
    for a float (``1e400``), which no figure could cross.

    >>> path = MetricPath("summary.bounce_rate", "summary", (), "bounce_rate", "summary")
    >>> parse_threshold("-2pp", "change_below", path)
    Threshold(value=-0.02, unit='pp')
    >>> parse_threshold("70%", "above", path)
    Threshold(value=0.7, unit='value')
    """
    change = condition.startswith("change_")
    if isinstance(written, float):
        return Threshold(written) if change else _within_reach(Threshold(written), metric, written)
    match = _THRESHOLD.match(written)
    if match is None:
        forms = "-30% (relative) or -2pp" if change else "0.02 or 2%"
        raise ValueError(f"expected a number or {forms}, got {quoted(written)}")
    number, suffix = float(match.group(1)), (match.group(2) or "").lower()
    if not math.isfinite(number):  # 1e400 written plain or quoted: too large for a float
        shown = inert(match.group(1), limit=QUOTE_CHARS)
        raise ValueError(f"expected a number, got the number {shown} (too large)")
    if suffix == "pp":
        if not change or not metric.is_rate:
            raise ValueError(
                "pp (percentage points) applies to a change of a rate "
                "(change_above/change_below on a rate metric)"
            )
        return Threshold(number / 100, "pp")
    if suffix == "%":
        if change:
            return Threshold(number / 100, "relative")
        if not metric.is_rate:
            raise ValueError(f"a percent applies to a rate, and {metric.text} is not one")
        return _within_reach(Threshold(number / 100), metric, written)
    return Threshold(number) if change else _within_reach(Threshold(number), metric, written)


def _within_reach(bound: Threshold, metric: MetricPath, written: str | float) -> Threshold:
    """``bound`` of an ``above``/``below`` rule, which a figure of ``metric`` can cross: a
    rate is from 0 to 1 (0% to 100%), a count or duration 0 or more. Beyond them the rule
    would never fire, or always: ``above: 5`` on a rate meant 5%."""
    if metric.is_rate and not 0 <= bound.value <= 1:
        hint = ""
        if bound.value > 1 and (isinstance(written, float) or "%" not in written):
            hint = f": for {bound.value:g}%, write {bound.value:g}% or {bound.value / 100:g}"
        raise ValueError(f"a rate is a fraction from 0 to 1, or 0% to 100%{hint}")
    if bound.value < 0:
        raise ValueError(f"{metric.text} is never below 0")
    return bound


# --- rules -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlertRule:
    """One rule of the ``alerts:`` list of a goals file."""

    name: str
    metric: MetricPath
    condition: Condition
    threshold: Threshold
    compare: str | None = None  # the rule's own comparison period (previous, previous-week, …)
    min_sessions: int = 0
    significance: float | None = None  # the test level when the rule says significant
    line: int = 0
    column: int = 0

    @property
    def is_change(self) -> bool:
        """Whether the rule compares with an earlier period."""
        return self.condition.startswith("change_")

    @property
    def direction(self) -> Literal["above", "below"]:
        """Which side of the bound fires the rule."""
        return "above" if self.condition.endswith("above") else "below"


# --- the whole file --------------------------------------------------------------------------


@dataclass(frozen=True)
class GoalsConfig:
    """A validated goals file: its goals, funnels and alert rules in file order, the event-export
    mapping (``source``, None for access logs), the hits it excludes and the lint warnings
    found."""

    goals: tuple[Goal, ...]
    path: str = "<goals>"
    funnels: tuple[Funnel, ...] = ()
    warnings: tuple[str, ...] = field(default=())
    source: SourceMapping | None = None
    alerts: tuple[AlertRule, ...] = ()
    exclude: Exclusions = field(default_factory=Exclusions)

    @property
    def macro_goals(self) -> tuple[Goal, ...]:
        """The goals marked ``kind: macro``."""
        return tuple(g for g in self.goals if g.kind == "macro")

    @property
    def micro_goals(self) -> tuple[Goal, ...]:
        """The goals marked ``kind: micro``."""
        return tuple(g for g in self.goals if g.kind == "micro")
