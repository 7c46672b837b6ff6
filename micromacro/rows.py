"""The report's rows: one frozen dataclass per row kind, each with the one ``as_dict()`` that
JSON and CSV show.

Field names are written here once. The JSON report, the CSV columns and the alert metric paths
(``summary.sessions``, ``goals.purchase.conversion_rate``, …) all follow these fields, in this
order. Each field's annotation says what an alert rule may do with it (``Metric``): name it
(a figure, the default), name it as a proportion 0–1 (``PROPORTION``: shown in percent, ``pp``
thresholds), also test its change for significance (``TESTED``: a share of a known count), or
not name it at all (``NOT_A_METRIC``: what names or describes the row, nested rows, and
statistics of statistics).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import Enum
from typing import Annotated, Any, Generic, Protocol, TypeVar, get_type_hints


class Metric(Enum):
    """What an alert rule may do with a field, given in its annotation (``Annotated[float,
    TESTED]``); a field without one is a figure a rule may name."""

    PROPORTION = "proportion"  # a proportion 0–1: shown in percent, ``pp`` thresholds
    TESTED = "tested"  # a proportion of a known count: its change can be tested
    NONE = "none"  # a label, a rule of the goals file, a nested list: no rule names it


PROPORTION, TESTED, NOT_A_METRIC = Metric.PROPORTION, Metric.TESTED, Metric.NONE


def _roles(row_type: type[Any]) -> dict[str, Metric | None]:
    """Each field's ``Metric`` (None: a figure), from its annotation; worked out once per row
    type, as evaluating annotations is most of what importing the row types costs."""
    known = _ROLES.get(row_type)
    if known is not None:
        return known
    hints = get_type_hints(row_type, include_extras=True)
    roles: dict[str, Metric | None] = {}
    for item in fields(row_type):
        extras = getattr(hints[item.name], "__metadata__", ())
        roles[item.name] = next((x for x in extras if isinstance(x, Metric)), None)
    _ROLES[row_type] = roles
    return roles


_ROLES: dict[type[Any], dict[str, Metric | None]] = {}


def metric_fields(row_type: type[Any]) -> tuple[str, ...]:
    """The fields of a row an alert rule may name, in order."""
    return tuple(name for name, role in _roles(row_type).items() if role is not Metric.NONE)


def proportion_fields(row_type: type[Any]) -> frozenset[str]:
    """The fields of a row that are proportions 0–1."""
    wanted = (Metric.PROPORTION, Metric.TESTED)
    return frozenset(name for name, role in _roles(row_type).items() if role in wanted)


def tested_fields(row_type: type[Any]) -> frozenset[str]:
    """The proportions of a row whose change can be tested for significance."""
    return frozenset(name for name, role in _roles(row_type).items() if role is Metric.TESTED)


def field_names(row_type: type[Any]) -> tuple[str, ...]:
    """The fields of a row dataclass, in order (the JSON keys of its ``as_dict()``)."""
    return tuple(item.name for item in fields(row_type))


def _flat(row: object, names: tuple[str, ...]) -> dict[str, object]:
    return {name: _plain(getattr(row, name)) for name in names}


def _plain(value: object) -> object:
    """A field as JSON holds it: a tuple of revenues as a list of objects."""
    if isinstance(value, tuple) and all(isinstance(item, CurrencyRevenue) for item in value):
        return [item.as_dict() for item in value]
    return value


@dataclass(frozen=True, slots=True)
class CurrencyRevenue:
    """Revenue in one currency (definitions §2.6): ``currency`` as the data writes it (upper
    case), None for values without a currency and for a goal's fixed value."""

    currency: str | None
    revenue: float

    def as_dict(self) -> dict[str, object]:
        """A JSON ``…_by_currency`` item."""
        return {"currency": self.currency, "revenue": self.revenue}


# Revenue by currency, in currency order (None last); None when nothing has a value.
Revenues = tuple[CurrencyRevenue, ...] | None


@dataclass(frozen=True, slots=True)
class SummaryFigures:
    """The site summary (definitions §4): sessions, visitors, engagement, macro and micro rates."""

    visitors: int
    sessions: int
    pageviews: int
    events: int
    bounce_rate: Annotated[float, TESTED]
    avg_session_duration_s: float
    pages_per_session: float
    macro_sessions: int
    macro_conversion_rate: Annotated[float | None, TESTED]
    micro_sessions: int
    micro_conversion_rate: Annotated[float | None, TESTED]
    # The revenue of the macro goals (null when none has a value, or in several currencies).
    macro_revenue: float | None
    macro_revenue_per_session: float | None
    currency: Annotated[str | None, NOT_A_METRIC]
    macro_revenue_by_currency: Annotated[Revenues, NOT_A_METRIC]
    # The sessions behind ``bounce_rate`` (tested like the other rates; not shown).
    bounces: Annotated[int, NOT_A_METRIC]
    # GA4's engaged sessions (definitions §2.3) and their share of all sessions.
    engaged_sessions: int
    engagement_rate: Annotated[float, TESTED]

    def as_dict(self) -> dict[str, object]:
        """The JSON ``summary`` object."""
        return _flat(self, SUMMARY_FIELDS)


SUMMARY_FIELDS = tuple(name for name in field_names(SummaryFigures) if name != "bounces")
# The summary figures, which ``--compare`` compares (no label, no list).
SUMMARY_FIGURES = metric_fields(SummaryFigures)
# The summary figures that are shares of sessions, each with the count of sessions behind it:
# a change of one is tested as a difference of two proportions.
SUMMARY_RATES: dict[str, str] = {
    "bounce_rate": "bounces",
    "macro_conversion_rate": "macro_sessions",
    "micro_conversion_rate": "micro_sessions",
    "engagement_rate": "engaged_sessions",
}


@dataclass(frozen=True, slots=True)
class GoalRow:
    """One goal's conversions, session and visitor rates with their Wilson intervals, and value."""

    name: Annotated[str, NOT_A_METRIC]
    kind: Annotated[str, NOT_A_METRIC]
    category: Annotated[str | None, NOT_A_METRIC]
    type: Annotated[str, NOT_A_METRIC]
    count: Annotated[str, NOT_A_METRIC]
    conversions: int
    converting_sessions: int
    conversion_rate: Annotated[float, TESTED]
    conversion_rate_ci_low: Annotated[float | None, PROPORTION]
    conversion_rate_ci_high: Annotated[float | None, PROPORTION]
    visitors: int
    visitor_conversion_rate: Annotated[float, TESTED]
    visitor_conversion_rate_ci_low: Annotated[float | None, PROPORTION]
    visitor_conversion_rate_ci_high: Annotated[float | None, PROPORTION]
    # What its conversions are worth (definitions §2.6): ``value`` and ``revenue`` are the same
    # figure, null without a value or with values in several currencies.
    value: float | None
    revenue: float | None
    revenue_per_session: float | None
    revenue_per_visitor: float | None
    currency: Annotated[str | None, NOT_A_METRIC]
    revenue_by_currency: Annotated[Revenues, NOT_A_METRIC]

    def as_dict(self) -> dict[str, object]:
        """A JSON ``goals`` item and a CSV ``goals`` row."""
        return _flat(self, GOAL_FIELDS)


GOAL_FIELDS = field_names(GoalRow)


@dataclass(frozen=True, slots=True)
class StepRow:
    """One funnel step's drop-off row (definitions §2.5)."""

    step: Annotated[int, NOT_A_METRIC]
    name: Annotated[str, NOT_A_METRIC]
    reached: int
    entrances: int
    dropped: int
    drop_off_rate: Annotated[float | None, TESTED]
    conversion_from_start: Annotated[float | None, TESTED]
    conversion_from_previous: Annotated[float | None, TESTED]
    median_time_from_previous_s: float | None

    def as_dict(self) -> dict[str, object]:
        """A JSON funnel ``steps`` item."""
        return _flat(self, STEP_FIELDS)


STEP_FIELDS = field_names(StepRow)


@dataclass(frozen=True, slots=True)
class FunnelSegmentRow:
    """A funnel's units, entered units and units reaching each step in one segment."""

    by: Annotated[str, NOT_A_METRIC]
    segment: Annotated[str, NOT_A_METRIC]
    units: int
    entered: int
    reached: Annotated[tuple[int, ...], NOT_A_METRIC]
    conversion_rate: float | None

    def as_dict(self) -> dict[str, object]:
        """A JSON funnel ``segments`` item."""
        return {**_flat(self, FUNNEL_SEGMENT_FIELDS), "reached": list(self.reached)}


FUNNEL_SEGMENT_FIELDS = field_names(FunnelSegmentRow)


@dataclass(frozen=True, slots=True)
class FunnelResult:
    """A funnel's rules, its overall figures and its steps (and, with ``--by``, its segments)."""

    name: Annotated[str, NOT_A_METRIC]
    scope: Annotated[str, NOT_A_METRIC]
    entry: Annotated[str, NOT_A_METRIC]
    order: Annotated[str, NOT_A_METRIC]
    within_s: Annotated[float | None, NOT_A_METRIC]
    within_step_s: Annotated[float | None, NOT_A_METRIC]
    units: int
    entered: int
    never_entered: int
    completed: int
    conversion_rate: Annotated[float | None, TESTED]
    steps: Annotated[tuple[StepRow, ...], NOT_A_METRIC]
    segments: Annotated[tuple[FunnelSegmentRow, ...] | None, NOT_A_METRIC] = None

    def as_dict(self) -> dict[str, object]:
        """The JSON funnel object."""
        result = _flat(self, FUNNEL_FIELDS)
        result["steps"] = [step.as_dict() for step in self.steps]
        if self.segments is not None:
            result["segments"] = [row.as_dict() for row in self.segments]
        else:
            del result["segments"]
        return result


FUNNEL_FIELDS = field_names(FunnelResult)


@dataclass(frozen=True, slots=True)
class LadderStep:
    """How many visitors stand on a step of the engagement ladder, and their share."""

    visitors: int
    share: Annotated[float, TESTED]

    def as_dict(self) -> dict[str, object]:
        """A JSON ladder step."""
        return {"visitors": self.visitors, "share": self.share}


@dataclass(frozen=True, slots=True)
class LadderRow:
    """The engagement ladder (definitions §2.6): customers, potential customers, no value yet,
    and the macro rate of visitors with and without a micro goal."""

    customers: Annotated[LadderStep, NOT_A_METRIC]
    potential_customers: Annotated[LadderStep, NOT_A_METRIC]
    no_value_yet: Annotated[LadderStep, NOT_A_METRIC]
    # None when no visitor has (or every visitor has) a micro goal: a rate of nobody.
    macro_rate_with_micro: Annotated[float | None, PROPORTION]
    macro_rate_without_micro: Annotated[float | None, PROPORTION]

    @property
    def steps(self) -> tuple[tuple[str, LadderStep], ...]:
        """The three steps by name, top first."""
        return tuple((name, getattr(self, name)) for name in LADDER_STEPS)

    def as_dict(self) -> dict[str, object]:
        """The JSON ``ladder`` object."""
        return {
            **{name: step.as_dict() for name, step in self.steps},
            "macro_rate_with_micro": self.macro_rate_with_micro,
            "macro_rate_without_micro": self.macro_rate_without_micro,
        }


LADDER_STEPS = ("customers", "potential_customers", "no_value_yet")


@dataclass(frozen=True, slots=True)
class MicroMacroRow:
    """How a micro goal predicts macro ones: the macro rate of visitors with and without it."""

    goal: Annotated[str, NOT_A_METRIC]
    visitors_with: int
    macro_visitors_with: int
    macro_rate_with: Annotated[float | None, TESTED]
    visitors_without: int
    macro_visitors_without: int
    macro_rate_without: Annotated[float | None, TESTED]
    # macro_rate_with − macro_rate_without: how much more often visitors with the goal convert.
    difference: Annotated[float | None, PROPORTION]
    lift: float | None
    diff_ci_low: Annotated[float | None, PROPORTION]
    diff_ci_high: Annotated[float | None, PROPORTION]
    p_value: float | None
    small_sample: Annotated[bool, NOT_A_METRIC]

    def as_dict(self) -> dict[str, object]:
        """A JSON ``micro_macro`` item and a CSV row."""
        return _flat(self, MICRO_MACRO_FIELDS)


MICRO_MACRO_FIELDS = field_names(MicroMacroRow)


@dataclass(frozen=True, slots=True)
class SegmentGoal:
    """A goal's figures in a segment, tested against all other sessions."""

    goal: Annotated[str, NOT_A_METRIC]
    conversions: int
    conversion_rate: Annotated[float, TESTED]
    ci_low: Annotated[float | None, NOT_A_METRIC]
    ci_high: Annotated[float | None, NOT_A_METRIC]
    p_value: Annotated[float | None, NOT_A_METRIC]
    q_value: Annotated[float | None, NOT_A_METRIC]

    def as_dict(self) -> dict[str, object]:
        """A JSON segment ``goals`` item."""
        return _flat(self, SEGMENT_GOAL_FIELDS)


SEGMENT_GOAL_FIELDS = field_names(SegmentGoal)


@dataclass(frozen=True, slots=True)
class SegmentRow:
    """One segment of a ``--by`` breakdown: sessions, visitors, macro and micro figures, and
    each goal's figures."""

    by: Annotated[str, NOT_A_METRIC]
    segment: Annotated[str, NOT_A_METRIC]
    sessions: int
    visitors: int
    macro_conversions: int
    macro_conversion_rate: Annotated[float | None, TESTED]
    micro_conversions: int
    micro_conversion_rate: Annotated[float | None, TESTED]
    macro_revenue: float | None
    macro_revenue_per_session: float | None
    currency: Annotated[str | None, NOT_A_METRIC]
    macro_revenue_by_currency: Annotated[Revenues, NOT_A_METRIC]
    small_sample: Annotated[bool, NOT_A_METRIC]
    goals: Annotated[tuple[SegmentGoal, ...], NOT_A_METRIC]
    # The segment's GA4 engaged sessions (definitions §2.3) and their share of its sessions.
    engaged_sessions: int
    engagement_rate: Annotated[float, TESTED]
    # The sample variance of its sessions' macro revenue (0 for a session without), for the
    # experiment's Welch test; not shown.
    revenue_variance: Annotated[float | None, NOT_A_METRIC] = None
    # Its value of each dimension of the breakdown (none for ``(other)``), which the label
    # ``segment`` writes; not shown.
    values: Annotated[tuple[str, ...], NOT_A_METRIC] = ()

    def as_dict(self) -> dict[str, object]:
        """A JSON ``segments`` item."""
        result = _flat(self, SEGMENT_FIELDS)
        result["goals"] = [goal.as_dict() for goal in self.goals]
        return result


SEGMENT_FIELDS = tuple(
    name for name in field_names(SegmentRow) if name not in ("revenue_variance", "values")
)


@dataclass(frozen=True, slots=True)
class VariantGoal:
    """A goal's figures in one experiment variant, against the baseline."""

    goal: str
    conversions: int
    conversion_rate: float
    difference: float
    lift: float | None
    diff_ci_low: float | None
    diff_ci_high: float | None
    p_value: float | None

    def as_dict(self) -> dict[str, object]:
        """A JSON variant ``goals`` item."""
        return _flat(self, VARIANT_GOAL_FIELDS)


VARIANT_GOAL_FIELDS = field_names(VariantGoal)


@dataclass(frozen=True, slots=True)
class VariantRevenue:
    """A variant's macro revenue per session against the baseline's: the difference, its 95%
    Welch interval and p-value (null when either has no figure, or their currencies differ)."""

    macro_revenue: float | None = None
    macro_revenue_per_session: float | None = None
    currency: str | None = None
    revenue_difference: float | None = None
    revenue_diff_ci_low: float | None = None
    revenue_diff_ci_high: float | None = None
    revenue_p_value: float | None = None

    def as_dict(self) -> dict[str, object]:
        """The revenue keys of a JSON experiment ``variants`` item and a CSV row."""
        return _flat(self, VARIANT_REVENUE_FIELDS)


VARIANT_REVENUE_FIELDS = field_names(VariantRevenue)


@dataclass(frozen=True, slots=True)
class ExperimentRow:
    """One variant of the experiment: its sessions, its macro revenue per session and every
    goal against the baseline."""

    variant: str
    sessions: int
    goals: tuple[VariantGoal, ...]
    revenue: VariantRevenue = VariantRevenue()

    def as_dict(self) -> dict[str, object]:
        """A JSON experiment ``variants`` item."""
        return {
            "variant": self.variant,
            "sessions": self.sessions,
            **self.revenue.as_dict(),
            "goals": [goal.as_dict() for goal in self.goals],
        }


@dataclass(frozen=True, slots=True)
class SampleRatio:
    """The sample-ratio check: the variants' sessions against the expected split."""

    variants: tuple[str, ...]
    sessions: tuple[int, ...]
    expected_split: tuple[float, ...]
    p_value: float | None
    mismatch: bool

    def as_dict(self) -> dict[str, object]:
        """The JSON ``sample_ratio`` object."""
        return {
            "variants": list(self.variants),
            "sessions": list(self.sessions),
            "expected_split": list(self.expected_split),
            "p_value": self.p_value,
            "mismatch": self.mismatch,
        }


@dataclass(frozen=True, slots=True)
class Experiment:
    """The ``--baseline`` comparison over the first ``--by``."""

    by: str
    baseline: str
    variants: tuple[ExperimentRow, ...]
    sample_ratio: SampleRatio
    # What the report warns of: a sample-ratio mismatch, revenues in several currencies.
    warnings: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        """The JSON ``experiment`` object."""
        return {
            "by": self.by,
            "baseline": self.baseline,
            "variants": [variant.as_dict() for variant in self.variants],
            "sample_ratio": self.sample_ratio.as_dict(),
        }


# --- the trend ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TrendRow:
    """One day (or hour) of the period: the sessions that started in it, their visitors, and
    their macro and micro conversion rates (null without a goal of that kind or without
    sessions)."""

    start: Annotated[str, NOT_A_METRIC]
    sessions: int
    visitors: int
    macro_sessions: int
    macro_conversion_rate: Annotated[float | None, PROPORTION]
    micro_sessions: int
    micro_conversion_rate: Annotated[float | None, PROPORTION]

    def as_dict(self) -> dict[str, object]:
        """A JSON ``trend.rows`` item and a CSV ``trend`` row."""
        return _flat(self, TREND_FIELDS)


TREND_FIELDS = field_names(TrendRow)


@dataclass(frozen=True, slots=True)
class Trend:
    """Sessions, visitors and conversion rates per ``unit`` (``day``, or ``hour`` for a period
    of two days or less), every day or hour of the period in order, in the report's time zone:
    ``start`` is ``2026-11-02`` or ``2026-11-02T09:00``."""

    unit: str = "day"
    rows: tuple[TrendRow, ...] = ()

    def as_dict(self) -> dict[str, object]:
        """The JSON ``trend`` object."""
        return {"unit": self.unit, "rows": [row.as_dict() for row in self.rows]}


NO_TREND = Trend()


# --- the traffic overview (definitions §2.6) ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class PageRow:
    """A path's pageviews, and the sessions that viewed it at least once."""

    path: Annotated[str, NOT_A_METRIC]
    pageviews: int
    sessions: int

    def as_dict(self) -> dict[str, object]:
        """A JSON ``traffic.pages`` item and a CSV ``pages`` row."""
        return _flat(self, PAGE_FIELDS)


PAGE_FIELDS = field_names(PageRow)


@dataclass(frozen=True, slots=True)
class LandingPageRow:
    """The sessions that began on a path (their first pageview's), and how many bounced."""

    path: Annotated[str, NOT_A_METRIC]
    sessions: int
    bounce_rate: Annotated[float | None, PROPORTION]

    def as_dict(self) -> dict[str, object]:
        """A JSON ``traffic.landing_pages`` item and a CSV ``landing_pages`` row."""
        return _flat(self, LANDING_PAGE_FIELDS)


LANDING_PAGE_FIELDS = field_names(LandingPageRow)


@dataclass(frozen=True, slots=True)
class ExitPageRow:
    """The sessions that ended on a path (their last pageview's)."""

    path: Annotated[str, NOT_A_METRIC]
    sessions: int

    def as_dict(self) -> dict[str, object]:
        """A JSON ``traffic.exit_pages`` item and a CSV ``exit_pages`` row."""
        return _flat(self, EXIT_PAGE_FIELDS)


EXIT_PAGE_FIELDS = field_names(ExitPageRow)


@dataclass(frozen=True, slots=True)
class ReferrerRow:
    """The sessions whose first hit came from an external host."""

    host: Annotated[str, NOT_A_METRIC]
    sessions: int

    def as_dict(self) -> dict[str, object]:
        """A JSON ``traffic.referrers`` item and a CSV ``referrers`` row."""
        return _flat(self, REFERRER_FIELDS)


REFERRER_FIELDS = field_names(ReferrerRow)


@dataclass(frozen=True, slots=True)
class ChannelRow:
    """A channel's sessions and their macro conversion rate (null without a macro goal)."""

    channel: Annotated[str, NOT_A_METRIC]
    sessions: int
    macro_conversion_rate: Annotated[float | None, PROPORTION]

    def as_dict(self) -> dict[str, object]:
        """A JSON ``traffic.channels`` item and a CSV ``channels`` row."""
        return _flat(self, CHANNEL_FIELDS)


CHANNEL_FIELDS = field_names(ChannelRow)


@dataclass(frozen=True, slots=True)
class StatusRow:
    """The counted hits answered with one status code."""

    status: Annotated[int, NOT_A_METRIC]
    hits: int

    def as_dict(self) -> dict[str, object]:
        """A JSON ``traffic.status_codes`` item and a CSV ``status_codes`` row."""
        return _flat(self, STATUS_FIELDS)


STATUS_FIELDS = field_names(StatusRow)


class _Row(Protocol):
    def as_dict(self) -> dict[str, object]: ...


RowT = TypeVar("RowT", bound=_Row)


@dataclass(frozen=True, slots=True)
class TopRows(Generic[RowT]):
    """A traffic table's top rows, largest first, and how many rows it has in all (the ``M``
    of "top N of M")."""

    rows: tuple[RowT, ...] = ()
    total: int = 0

    def as_list(self) -> list[dict[str, object]]:
        """The rows as JSON items."""
        return [row.as_dict() for row in self.rows]


@dataclass(frozen=True, slots=True)
class Traffic:
    """The traffic overview: top pages, landing and exit pages, referrer hosts, channels and
    status codes, each cut to ``--top`` rows."""

    pages: TopRows[PageRow] = TopRows()
    landing_pages: TopRows[LandingPageRow] = TopRows()
    exit_pages: TopRows[ExitPageRow] = TopRows()
    referrers: TopRows[ReferrerRow] = TopRows()
    channels: TopRows[ChannelRow] = TopRows()
    status_codes: TopRows[StatusRow] = TopRows()

    def as_dict(self) -> dict[str, object]:
        """The JSON ``traffic`` object: one list per table."""
        return {name: getattr(self, name).as_list() for name in TRAFFIC_TABLES}


TRAFFIC_TABLES = field_names(Traffic)
NO_TRAFFIC = Traffic()
