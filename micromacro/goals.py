"""The goal model: what a goals file says, as plain frozen dataclasses (no I/O, no Polars).

``goals_file.load_goals`` builds these from YAML; ``goal_matching`` and ``funnels`` turn them into
Polars expressions. Funnel steps reuse ``DestinationMatcher`` and ``EventMatcher``.
``SourceMapping`` says how the columns of an event export map onto hits (``exports`` reads it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from micromacro.alerts import AlertRule

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

    ``glob``: ``*`` matches within one path segment, ``**`` anything; ``regex`` is Rust syntax.
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
    ``duration`` (seconds) or ``pages`` goal.
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
    line: int | None = None


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
# Named timestamp formats; any other format is a strftime pattern (``%Y-%m-%d %H:%M:%S``).
TIMESTAMP_FORMATS: tuple[str, ...] = ("iso8601", "epoch_s", "epoch_ms", "epoch_us")
# The source keys that name one column each (a dotted path reaches into nested structs).
SOURCE_COLUMN_FIELDS: tuple[str, ...] = (
    "user_id", "anonymous_id", "session_id", "event_name", "event_category", "event_action",
    "event_label", "event_value", "url", "path", "query", "referrer",
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

    A rule with no values matches no row (``skip: null`` switches a preset's rule off).
    """

    column: str
    values: tuple[str, ...]


NO_ROWS = RowRule(column="", values=())


@dataclass(frozen=True)
class SourceMapping:
    """The ``source:`` section of a goals file: how an event export's columns become hits.

    Only what the file says is set; ``exports`` fills the rest from ``preset`` (if any). Column
    names may be dotted paths into nested columns (``context.page.url``).
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
    url: str | None = None
    path: str | None = None
    query: str | None = None
    referrer: str | None = None
    pageview: RowRule | None = None
    skip: RowRule | None = None
    keep: tuple[str, ...] = ()
    line: int | None = None


@dataclass(frozen=True)
class GoalsConfig:
    """A validated goals file: its goals and funnels in file order, the event-export mapping
    (``source``, None for access logs) and the lint warnings found."""

    goals: tuple[Goal, ...]
    path: str = "<goals>"
    funnels: tuple[Funnel, ...] = ()
    warnings: tuple[str, ...] = field(default=())
    source: SourceMapping | None = None
    alerts: tuple[AlertRule, ...] = ()

    @property
    def macro_goals(self) -> tuple[Goal, ...]:
        """The goals marked ``kind: macro``."""
        return tuple(g for g in self.goals if g.kind == "macro")

    @property
    def micro_goals(self) -> tuple[Goal, ...]:
        """The goals marked ``kind: micro``."""
        return tuple(g for g in self.goals if g.kind == "micro")
