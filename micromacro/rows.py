"""The report's rows: one frozen dataclass per row kind, each with the one ``as_dict()`` that
JSON and CSV show.

Field names are written here once. The JSON report, the CSV columns and the alert metric paths
(``summary.sessions``, ``goals.purchase.conversion_rate``, …) all follow these fields, in this
order.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any


def field_names(row_type: type[Any]) -> tuple[str, ...]:
    """The fields of a row dataclass, in order (the JSON keys of its ``as_dict()``)."""
    return tuple(item.name for item in fields(row_type))


def _flat(row: object, names: tuple[str, ...]) -> dict[str, object]:
    return {name: getattr(row, name) for name in names}


@dataclass(frozen=True, slots=True)
class SummaryFigures:
    """The site summary (SPEC 4): sessions, visitors, engagement, macro and micro rates."""

    visitors: int
    sessions: int
    pageviews: int
    events: int
    bounce_rate: float
    avg_session_duration_s: float
    pages_per_session: float
    macro_sessions: int
    macro_conversion_rate: float
    micro_sessions: int
    micro_conversion_rate: float

    def as_dict(self) -> dict[str, object]:
        """The JSON ``summary`` object."""
        return _flat(self, SUMMARY_FIELDS)


SUMMARY_FIELDS = field_names(SummaryFigures)
# The summary figures that are shares of sessions: a change of one is tested as a proportion.
SUMMARY_RATES: dict[str, str] = {
    "bounce_rate": "sessions",
    "macro_conversion_rate": "sessions",
    "micro_conversion_rate": "sessions",
}
# The count behind each of those rates (its numerator).
SUMMARY_RATE_COUNTS: dict[str, str] = {
    "macro_conversion_rate": "macro_sessions",
    "micro_conversion_rate": "micro_sessions",
}


@dataclass(frozen=True, slots=True)
class GoalRow:
    """One goal's conversions, session and visitor rates with their Wilson intervals, and value."""

    name: str
    kind: str
    category: str | None
    type: str
    count: str
    conversions: int
    converting_sessions: int
    conversion_rate: float
    conversion_rate_ci_low: float | None
    conversion_rate_ci_high: float | None
    visitors: int
    visitor_conversion_rate: float
    visitor_conversion_rate_ci_low: float | None
    visitor_conversion_rate_ci_high: float | None
    value: float | None

    def as_dict(self) -> dict[str, object]:
        """A JSON ``goals`` item and a CSV ``goals`` row."""
        return _flat(self, GOAL_FIELDS)


GOAL_FIELDS = field_names(GoalRow)


@dataclass(frozen=True, slots=True)
class StepRow:
    """One funnel step's drop-off row (SPEC 2.7)."""

    step: int
    name: str
    reached: int
    entrances: int
    dropped: int
    drop_off_rate: float | None
    conversion_from_start: float | None
    conversion_from_previous: float | None
    median_time_from_previous_s: float | None

    def as_dict(self) -> dict[str, object]:
        """A JSON funnel ``steps`` item."""
        return _flat(self, STEP_FIELDS)


STEP_FIELDS = field_names(StepRow)


@dataclass(frozen=True, slots=True)
class FunnelSegmentRow:
    """A funnel's units, entered units and units reaching each step in one segment."""

    by: str
    segment: str
    units: int
    entered: int
    reached: tuple[int, ...]
    conversion_rate: float | None

    def as_dict(self) -> dict[str, object]:
        """A JSON funnel ``segments`` item."""
        return {**_flat(self, FUNNEL_SEGMENT_FIELDS), "reached": list(self.reached)}


FUNNEL_SEGMENT_FIELDS = field_names(FunnelSegmentRow)


@dataclass(frozen=True, slots=True)
class FunnelResult:
    """A funnel's rules, its overall figures and its steps (and, with ``--by``, its segments)."""

    name: str
    scope: str
    entry: str
    order: str
    within_s: float | None
    within_step_s: float | None
    units: int
    entered: int
    never_entered: int
    completed: int
    conversion_rate: float | None
    steps: tuple[StepRow, ...]
    segments: tuple[FunnelSegmentRow, ...] | None = None

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
    share: float

    def as_dict(self) -> dict[str, object]:
        """A JSON ladder step."""
        return {"visitors": self.visitors, "share": self.share}


@dataclass(frozen=True, slots=True)
class LadderRow:
    """The engagement ladder (SPEC 2.6): customers, potential customers, no value yet, and the
    macro rate of visitors with and without a micro goal."""

    customers: LadderStep
    potential_customers: LadderStep
    no_value_yet: LadderStep
    macro_rate_with_micro: float
    macro_rate_without_micro: float

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
LADDER_FIELDS = field_names(LadderRow)


@dataclass(frozen=True, slots=True)
class MicroMacroRow:
    """How a micro goal predicts macro ones: the macro rate of visitors with and without it."""

    goal: str
    visitors_with: int
    macro_visitors_with: int
    macro_rate_with: float | None
    visitors_without: int
    macro_visitors_without: int
    macro_rate_without: float | None
    lift: float | None
    diff_ci_low: float | None
    diff_ci_high: float | None
    p_value: float | None
    small_sample: bool

    def as_dict(self) -> dict[str, object]:
        """A JSON ``micro_macro`` item and a CSV row."""
        return _flat(self, MICRO_MACRO_FIELDS)


MICRO_MACRO_FIELDS = field_names(MicroMacroRow)


@dataclass(frozen=True, slots=True)
class SegmentGoal:
    """A goal's figures in a segment, tested against all other sessions."""

    goal: str
    conversions: int
    conversion_rate: float
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    q_value: float | None

    def as_dict(self) -> dict[str, object]:
        """A JSON segment ``goals`` item."""
        return _flat(self, SEGMENT_GOAL_FIELDS)


SEGMENT_GOAL_FIELDS = field_names(SegmentGoal)


@dataclass(frozen=True, slots=True)
class SegmentRow:
    """One segment of a ``--by`` breakdown: sessions, visitors, macro and micro figures, and
    each goal's figures."""

    by: str
    segment: str
    sessions: int
    visitors: int
    macro_conversions: int
    macro_conversion_rate: float
    micro_conversions: int
    micro_conversion_rate: float
    small_sample: bool
    goals: tuple[SegmentGoal, ...]

    def as_dict(self) -> dict[str, object]:
        """A JSON ``segments`` item."""
        result = _flat(self, SEGMENT_FIELDS)
        result["goals"] = [goal.as_dict() for goal in self.goals]
        return result


SEGMENT_FIELDS = field_names(SegmentRow)


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
class ExperimentRow:
    """One variant of the experiment: its sessions and every goal against the baseline."""

    variant: str
    sessions: int
    goals: tuple[VariantGoal, ...]

    def as_dict(self) -> dict[str, object]:
        """A JSON experiment ``variants`` item."""
        return {
            "variant": self.variant,
            "sessions": self.sessions,
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

    def as_dict(self) -> dict[str, object]:
        """The JSON ``experiment`` object."""
        return {
            "by": self.by,
            "baseline": self.baseline,
            "variants": [variant.as_dict() for variant in self.variants],
            "sample_ratio": self.sample_ratio.as_dict(),
        }
