"""The figures an alert rule may name: metric paths, checked against what a goals file puts
in its report, and the hint a misspelt one gets.

A path names a figure by its place in the JSON report, lists addressed by name:
``summary.macro_conversion_rate``, ``goals.purchase.conversion_rate``,
``funnels.checkout.steps.3.drop_off_rate`` (step numbers count from 1, as the ``step`` field),
``segments.channel.Email.macro_conversion_rate``,
``segments.channel.Email.goals.purchase.conversion_rate``, ``input.malformed``. A path the
file's goals leave without meaning (none, or none of a kind) is refused with why; a misspelt
one is offered the nearest valid path.

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
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from micromacro.dimensions import DIMENSIONS, parse_breakdowns
from micromacro.errors import UsageError
from micromacro.hit_schema import BUCKETS, EXPORT_BUCKETS
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
from micromacro.text import quoted

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
# Sums of money (a goal's ``value`` is its revenue): a change of one is the difference of the
# figures shown (``stats.money_difference``); a change of a share keeps every digit.
MONEY_FIELDS = frozenset({"macro_revenue", "revenue", "value"})


@dataclass(frozen=True)
class ReportShape:
    """What a goals file puts in its report: the names a metric path may use."""

    goals: tuple[str, ...]
    micro_goals: tuple[str, ...]
    # funnel name → number of steps (None: a funnel with too few steps, any step a rule names)
    funnels: dict[str, int | None]
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
    def is_money(self) -> bool:
        """Whether the figure is a sum of money: its change is a difference of money."""
        return self.field in MONEY_FIELDS

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
        if _has_step(shape, name, int(number)) and last in STEP_FIELDS:
            return (name, "steps", str(int(number))), last, "steps"
        return None
    return _named(rest, tuple(shape.funnels), FUNNEL_FIELDS, "funnels")


def _has_step(shape: ReportShape, funnel: str, number: int) -> bool:
    """Whether ``funnel`` has step ``number`` (any step, where its steps are too few to count)."""
    if funnel not in shape.funnels:
        return False
    count = shape.funnels[funnel]
    return number >= 1 and (count is None or number <= count)


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
        step = _step_number(text)
        return [path for f in nearest for path in _funnel_paths(f, shape.funnels[f], step)]

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
    if written in _SECTIONS:
        return written
    nearest = difflib.get_close_matches(written, _SECTIONS, n=1, cutoff=0.75)
    return nearest[0] if nearest else None


def _funnel_paths(name: str, steps: int | None, step: int | None = None) -> list[str]:
    """The paths of a funnel's figures and of its steps' (of ``step`` alone where a path names
    one, brought within the funnel's: ``steps.0`` is its first, ``steps.13`` of 12 its last;
    matched as text, a number is nearest the numbers that share its digits). A funnel whose
    steps are too few to count (None) has the step named, else its first."""
    paths = [f"funnels.{name}.{f}" for f in FUNNEL_FIELDS]
    if steps is None:
        numbers: Sequence[int] = [max(step or 1, 1)]
    else:
        numbers = range(1, steps + 1) if step is None else [min(max(step, 1), steps)]
    return paths + [f"funnels.{name}.steps.{k}.{f}" for k in numbers for f in STEP_FIELDS]


def _step_number(text: str) -> int | None:
    """The step number a funnel path names (``….steps.N.…``), if it names one."""
    found = re.search(r"\.steps\.(\d{1,9})(?:\.|$)", text)
    return int(found.group(1)) if found else None


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
    """The names of a goal or a funnel a path may hold.

    What lies between its section and its field (a segment's goal row: after ``goals.``; a
    funnel's step: before ``.steps.``), and the whole of what follows its section, in case the
    field is left out; where the path names no section, the whole path. ``goals.buy.now`` holds
    ``buy`` (with the field ``now``) or ``buy.now`` (without one): both are looked up as they
    are, but only ``buy`` is looked for among the nearest names where its last part is a
    field's name (``goals.buy.value``), which spares a second search of thousands of names.
    """
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
    # Close ones first, which difflib finds without scoring every name; any, where none is.
    for cutoff in (0.6, 0.0):
        near = (difflib.get_close_matches(n, known, n=count, cutoff=cutoff) for n in names.near)
        found = list(dict.fromkeys(name for matches in near for name in matches))
        if found:
            return found
    return []


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
        nearest = _nearest_dimension(first, shape) if tail else "channel"
        if nearest is None:  # no breakdown like it: a segment, of the default breakdown
            by, tail = "channel", rest
        elif "." in nearest:  # a kept column holding dots, misspelt: the parts nearest it
            by, tail = _misspelt_kept_column(rest, shape)
        else:
            by = nearest
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


def _nearest_dimension(name: str, shape: ReportShape) -> str | None:
    """``name`` where it is a dimension ``--by`` knows, else the one nearest it (None: none is
    near, as a segment's value is not: ``Email``)."""
    try:
        parse_breakdowns([name], extra=shape.dimensions)
    except UsageError:
        known = [*DIMENSIONS, *shape.dimensions]
        nearest = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        return nearest[0] if nearest else None
    return name
