"""The goal model: what a goals file says, as plain frozen dataclasses (no I/O, no Polars code).

``goals_file.load_goals`` builds these from YAML; ``goal_matching`` and ``funnels`` turn them into
Polars expressions. Funnel steps reuse ``DestinationMatcher`` and ``EventMatcher``.
``SourceMapping`` says how the columns of an event export map onto hits (``exports`` reads it).

An ``AlertRule`` is a condition on one figure of the report (definitions §2.8, README: Alerts),
which ``alerts`` checks once the report is built. A rule names its figure by its path in the JSON
report, with lists addressed by name: ``summary.macro_conversion_rate``,
``goals.purchase.conversion_rate``, ``funnels.checkout.steps.3.drop_off_rate`` (step numbers
count from 1, as the ``step`` field), ``segments.channel.Email.macro_conversion_rate``,
``segments.channel.Email.goals.purchase.conversion_rate``, ``input.malformed``
(``metric_paths`` reads them).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Literal

from micromacro.metric_paths import MetricPath
from micromacro.option_values import Network
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
