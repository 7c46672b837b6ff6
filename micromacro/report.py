"""The report: what every renderer shows, and the pipeline that builds it.

reading ─▶ hits ─▶ sessions ─▶ goal conversions ─▶ summary, goals, funnels, ladder, micro → macro,
traffic, segments, experiment ─▶ (with ``--compare``) the same for the earlier period, and changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime, tzinfo
from typing import BinaryIO

import polars as pl

from micromacro.alerts import AlertResult
from micromacro.channels import site_hosts_of
from micromacro.comparison import Comparison, compare, goal_dict
from micromacro.dimension_values import session_dimensions
from micromacro.dimensions import DEFAULT_ATTRIBUTION, OTHER, Attribution, Breakdown
from micromacro.errors import UsageError
from micromacro.experiments import experiment
from micromacro.exports import maps_user_agent
from micromacro.funnels import funnel_attempts, funnel_report
from micromacro.goal_matching import DistinctTests, session_conversions, session_revenue
from micromacro.goals import Funnel, GoalsConfig
from micromacro.hits import InputSummary, MalformedLine
from micromacro.input_read import InputRead, ReadOptions, input_warnings
from micromacro.metrics import (
    engagement_ladder,
    goals_table,
    micro_macro_table,
    revenue_cells,
    revenue_warnings,
    site_summary,
    visitor_goals,
)
from micromacro.option_values import DEFAULT_MIN_SESSIONS, DEFAULT_SESSION_TIMEOUT_S, DEFAULT_TOP
from micromacro.periods import Period, comparison_warning, utc_text, zone_name
from micromacro.reading import ProgressCallback, read_inputs
from micromacro.rows import (
    NO_TRAFFIC,
    NO_TREND,
    Experiment,
    FunnelResult,
    GoalRow,
    LadderRow,
    MicroMacroRow,
    SegmentRow,
    SummaryFigures,
    Traffic,
    Trend,
)
from micromacro.segments import (
    ShownSegments,
    funnel_segment_rows,
    segment_rows,
    shown_segments,
)
from micromacro.sessions import (
    pageviews_and_events,
    session_table,
    sessionize,
    sessions_span,
)
from micromacro.traffic import TrafficParts, join_traffic_parts, traffic_overview, traffic_parts
from micromacro.trend import session_trend


@dataclass(frozen=True, kw_only=True)
class ReportOptions(ReadOptions):
    """Everything a report depends on, as the command line gives it: what to read (the
    ``ReadOptions``), the goals, and how to break the figures down."""

    goals: GoalsConfig
    session_timeout_s: float = DEFAULT_SESSION_TIMEOUT_S
    # The --by breakdowns, parsed by the command line (an export's kept columns are dimensions).
    by: tuple[Breakdown, ...] = ()
    top: int = DEFAULT_TOP
    min_sessions: int = DEFAULT_MIN_SESSIONS
    site_hosts: tuple[str, ...] = ()
    attribution: Attribution = DEFAULT_ATTRIBUTION
    baseline: str | None = None
    expected_split: tuple[float, ...] = ()


@dataclass(frozen=True)
class Report:
    """The figures of one run, ready for any renderer."""

    input: InputSummary
    summary: SummaryFigures
    goals: tuple[GoalRow, ...]
    funnels: tuple[FunnelResult, ...]
    ladder: LadderRow
    micro_macro: tuple[MicroMacroRow, ...]
    period: Period
    segments: tuple[SegmentRow, ...] = ()
    traffic: Traffic = NO_TRAFFIC
    # Sessions and the macro conversion rate per day (per hour for two days or less).
    trend: Trend = NO_TREND
    experiment: Experiment | None = None
    # With --compare: the report of the comparison period, and every figure against it.
    previous: Report | None = None
    comparison: Comparison | None = None
    # With alert rules checked (report --alerts): what each rule found.
    alerts: tuple[AlertResult, ...] | None = None
    # The reported period: --since/--until where given, else the first and last hit.
    start: datetime | None = None
    end: datetime | None = None
    # The first and last counted hit (None without hits), and the time zone of the report.
    first_hit: datetime | None = None
    last_hit: datetime | None = None
    tz: tzinfo = UTC
    malformed: tuple[MalformedLine, ...] = ()
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    # Whether a goals file was read: one may hold funnels or exclusions and no goal.
    goals_file: bool = False

    def as_dict(self) -> dict[str, object]:
        """The JSON report of definitions §4 (``input``, ``summary``, ``trend``, ``goals``,
        ``funnels``, ``ladder``, ``micro_macro``, ``segments``, ``traffic``; ``experiment``,
        ``previous``, ``alerts`` and ``period`` if set). With a comparison, each figure is
        followed by its comparison keys."""
        changes = self.comparison
        result: dict[str, object] = {
            "input": self.input.as_dict(),
            "summary": {
                **self.summary.as_dict(),
                **(changes.summary.as_dict() if changes else {}),
            },
            "trend": self.trend.as_dict(),
            "goals": [
                {**goal.as_dict(), **(changes.goals[i].as_dict() if changes else {})}
                for i, goal in enumerate(self.goals)
            ],
            "funnels": [self._funnel_dict(i) for i in range(len(self.funnels))],
            "ladder": self.ladder.as_dict(),
            "micro_macro": [row.as_dict() for row in self.micro_macro],
            "segments": [self._segment_dict(i) for i in range(len(self.segments))],
            "traffic": self.traffic.as_dict(),
        }
        if self.experiment is not None:
            result["experiment"] = self.experiment.as_dict()
        if self.previous is not None:
            result["previous"] = self.previous.as_dict()
        if self.alerts is not None:
            result["alerts"] = [outcome.as_dict() for outcome in self.alerts]
        result["period"] = {
            "start": _iso(self.start),
            "end": _iso(self.end),
            "time_zone": zone_name(self.tz),
            "first_hit": _iso(self.first_hit),
            "last_hit": _iso(self.last_hit),
        }
        return result

    def _funnel_dict(self, index: int) -> dict[str, object]:
        """The JSON funnel ``index``, its steps with their comparison keys."""
        funnel = self.funnels[index]
        result = funnel.as_dict()
        if self.comparison is not None:
            changes = self.comparison.funnels[index]
            result["steps"] = [
                {**step.as_dict(), **change.as_dict()}
                for step, change in zip(funnel.steps, changes, strict=True)
            ]
        return result

    def _segment_dict(self, index: int) -> dict[str, object]:
        """The JSON segment ``index`` with its comparison keys and its goals'."""
        row = self.segments[index]
        if self.comparison is None:
            return row.as_dict()
        change = self.comparison.segments[index]
        result = {**row.as_dict(), **change.as_dict()}
        result["goals"] = [
            {**goal.as_dict(), **goal_dict(goal_change)}
            for goal, goal_change in zip(row.goals, change.goals, strict=True)
        ]
        return result


def _iso(instant: datetime | None) -> str | None:
    return utc_text(instant) if instant else None


def build_report(
    options: ReportOptions,
    *,
    stdin: BinaryIO | None = None,
    progress: ProgressCallback | None = None,
) -> Report:
    """Read the inputs, run the pipeline and return the report (raises ``MicromacroError``).

    ``progress(bytes_done, bytes_total)`` is called after each chunk of input.
    """
    read = read_inputs(
        options,
        source=options.goals.source,
        segment_columns=True,  # the traffic overview's referrers and channels
        stdin=stdin,
        progress=progress,
    )
    try:
        report = _report_of(read, options)
        previous = (
            _report_of(read.previous, options, shown_segments(report.segments))
            if read.previous is not None
            else None
        )
    finally:
        read.close()  # the spilled hits, if any, are read
    if previous is None:
        return report
    comparison = compare(report, previous)
    warnings = report.warnings
    misplaced = comparison_warning(report.period, previous.period, report.tz)
    if misplaced is not None:
        warnings += (misplaced,)
    if comparison.empty:
        warnings += (
            "no sessions in the comparison period: its figures are null and no change is shown",
        )
    return replace(report, previous=previous, comparison=comparison, warnings=warnings)


def _report_of(
    read: InputRead, options: ReportOptions, shown: ShownSegments | None = None
) -> Report:
    """The figures of one period's hits (``shown``: the segments of the period it is compared
    with, which its segments keep, the rest in ``(other)``)."""
    warnings = [*read.warnings, *input_warnings(read, options), *_agentless_breakdowns(options)]
    notes = list(read.notes)
    # The site's hosts are found while the hits are put in sessions.
    with ThreadPoolExecutor(1, thread_name_prefix="micromacro-hosts") as beside:
        hosts = beside.submit(site_hosts_of, options.site_hosts, read.all_hits(), notes)
        figures = _joined_figures(
            [
                _visitor_figures(hits, options, read, hosts)
                for hits in _sessionized_parts(read, options)
            ],
            options.goals.funnels,
        )
    hosts.result()  # raises what finding them raised, had no part waited for them
    return _tables(read, options, figures, warnings, notes, shown)


# The dimensions read from a session's user agent.
_AGENT_DIMENSIONS = ("device", "browser", "os")


def _agentless_breakdowns(options: ReportOptions) -> list[str]:
    """A warning for each ``--by`` of the user agent when the event export maps none."""
    source = options.goals.source
    if source is None or maps_user_agent(source):
        return []
    named = dict.fromkeys(
        name for breakdown in options.by for name in breakdown.dimensions
        if name in _AGENT_DIMENSIONS
    )  # fmt: skip
    return [
        f"--by {name}: the export maps no user_agent, so every session is in other (map "
        "user_agent: in source:, or keep the export's own column, such as GA4's "
        "device.category, and break down by it)"
        for name in named
    ]


def _tables(
    read: InputRead,
    options: ReportOptions,
    figures: _VisitorFigures,
    warnings: list[str],
    notes: list[str],
    shown: ShownSegments | None = None,
) -> Report:
    """The report's tables of one period's per-session figures."""
    goals = options.goals.goals
    sessions, conversions, dimensions = figures.sessions, figures.conversions, figures.dimensions
    first_hit, last_hit = sessions_span(sessions)
    start, end = read.period.since or first_hit, read.period.until or last_hit
    # The traffic overview and the trend, which need none of the tables below, are made in a
    # thread of their own meanwhile.
    with ThreadPoolExecutor(1, thread_name_prefix="micromacro-tables") as beside:
        traffic = beside.submit(
            traffic_overview, figures.traffic, conversions, goals, top=options.top
        )
        trend = beside.submit(
            session_trend,
            conversions,
            goals,
            start=start,
            end=end,
            end_included=read.period.until is None,
            tz=read.tz,
            hits=(first_hit, last_hit) if first_hit and last_hit else None,
        )
        revenue = revenue_cells(conversions, figures.revenue, goals)
        visitors = visitor_goals(conversions, goals)
        summary = site_summary(conversions, goals, revenue)
        goal_rows = goals_table(conversions, goals, revenue)
        warnings += revenue_warnings(summary, goal_rows)
        units = {"session": summary.sessions, "visitor": summary.visitors}
        segments = (
            segment_rows(
                conversions,
                dimensions,
                options.by,
                goals,
                top=options.top,
                min_sessions=options.min_sessions,
                revenue=revenue,
                shown=shown,
            )
            if dimensions is not None
            else ()
        )
        funnels = []
        for funnel, attempts in zip(options.goals.funnels, figures.attempts, strict=True):
            result = funnel_report(attempts, funnel, units[funnel.scope])
            if dimensions is not None:
                by_segment = funnel_segment_rows(
                    attempts, funnel, sessions, dimensions, options.by, top=options.top, shown=shown
                )
                result = replace(result, segments=by_segment)
            funnels.append(result)
        trial = None
        if options.baseline is not None and dimensions is not None:
            # Every variant, whatever --top folds into (other) in the segments shown.
            label = options.by[0].label
            folded = any(row.by == label and row.segment == OTHER for row in segments)
            variants = (
                segment_rows(
                    conversions,
                    dimensions,
                    options.by[:1],
                    goals,
                    top=0,
                    min_sessions=options.min_sessions,
                    revenue=revenue,
                )
                if folded
                else segments
            )
            trial = _experiment(variants, options, earlier=shown is not None)
            warnings += trial.warnings if trial is not None else ()
        return Report(
            input=read.summary,
            summary=summary,
            goals=goal_rows,
            funnels=tuple(funnels),
            ladder=engagement_ladder(visitors, goals),
            micro_macro=micro_macro_table(visitors, goals),
            segments=segments,
            traffic=traffic.result(),
            trend=trend.result(),
            experiment=trial,
            period=read.period,
            start=start,
            end=end,
            first_hit=first_hit,
            last_hit=last_hit,
            tz=read.tz,
            malformed=tuple(read.malformed),
            notes=tuple(notes),
            warnings=tuple(warnings),
            goals_file=bool(options.goals.path),
        )


def _experiment(
    variants: Sequence[SegmentRow], options: ReportOptions, *, earlier: bool
) -> Experiment | None:
    """The experiment of ``--baseline`` over ``variants``. A baseline no session has, or a
    split that does not fit the variants, is the user's error in the report's period; in the
    ``earlier`` period compared with it (the day before an A/B test began) there is no
    experiment."""
    assert options.baseline is not None
    try:
        return experiment(variants, options.by[0].label, options.baseline, options.expected_split)
    except UsageError:
        if not earlier:
            raise
        return None


@dataclass(frozen=True)
class _VisitorFigures:
    """What the figures need of some visitors' hits, one row per session (or funnel attempt):
    the figures of visitors read apart (``hit_partitions``) are these joined."""

    sessions: pl.DataFrame
    conversions: pl.DataFrame
    revenue: pl.DataFrame
    dimensions: pl.DataFrame | None
    attempts: tuple[pl.DataFrame, ...]
    traffic: TrafficParts


def _sessionized_parts(read: InputRead, options: ReportOptions) -> Iterator[pl.DataFrame]:
    """The read's hits in sessions, a partition of visitors at a time (all at once when they
    were held in memory): session numbers go on from one partition to the next."""
    first_session = 0
    for hits in read.hit_partitions():
        sessionized = sessionize(hits, timeout_s=options.session_timeout_s)
        del hits
        if first_session:
            sessionized = sessionized.with_columns(pl.col("session") + first_session)
        yield sessionized
        first_session += sessionized.get_column("session").n_unique()


def _visitor_figures(
    sessionized: pl.DataFrame,
    options: ReportOptions,
    read: InputRead,
    hosts: Future[list[str]],
) -> _VisitorFigures:
    """The per-session figures of sessionized hits (``hosts``: the site's, once found). The
    funnels' attempts and the traffic, which need nothing of the goal columns, are found in
    threads of their own meanwhile: the figures are many small queries that would leave a core
    idle one after another."""
    goals, funnels = options.goals.goals, options.goals.funnels
    with ThreadPoolExecutor(2, thread_name_prefix="micromacro-figures") as beside:
        attempts = beside.submit(_attempts, sessionized, funnels) if funnels else None
        sessions = session_table(sessionized)
        site_hosts = hosts.result()
        traffic = beside.submit(
            traffic_parts,
            sessionized,
            sessions,
            site_hosts=site_hosts,
            attribution=options.attribution,
        )
        conversions = session_conversions(sessionized, sessions, goals)
        return _VisitorFigures(
            sessions=sessions,
            conversions=conversions,
            revenue=session_revenue(sessionized, goals),
            dimensions=_dimensions(options, sessionized, sessions, read, site_hosts),
            traffic=traffic.result(),
            attempts=attempts.result() if attempts is not None else (),
        )


def _attempts(sessionized: pl.DataFrame, funnels: Sequence[Funnel]) -> tuple[pl.DataFrame, ...]:
    """The attempts at each of ``funnels`` in sessionized hits (their string tests shared)."""
    steps = pageviews_and_events(sessionized)
    tests = DistinctTests(steps)
    return tuple(funnel_attempts(steps, funnel, tests) for funnel in funnels)


def _joined_figures(parts: list[_VisitorFigures], funnels: Sequence[Funnel]) -> _VisitorFigures:
    """The figures of visitors read apart, as one, with the sessions numbered and in the
    order of a read of every visitor at once (visitor, then first hit): the same report to
    the byte, sums of floating-point values included."""
    if len(parts) == 1:
        return parts[0]
    numbers = (
        pl.concat([part.sessions.select("session", "visitor_id") for part in parts])
        .sort("visitor_id", "session")
        .select("session", pl.int_range(pl.len(), dtype=pl.UInt32).alias(_NUMBER))
    )

    def joined(frames: Iterable[pl.DataFrame]) -> pl.DataFrame:
        """Per-session frames, one after another, their sessions renumbered and in order."""
        frame = pl.concat(list(frames))
        renumbered = frame.join(numbers, on="session", how="left", maintain_order="left")
        session = pl.col(_NUMBER).cast(frame.schema["session"]).alias("session")
        return renumbered.with_columns(session).drop(_NUMBER).sort("session", maintain_order=True)

    def attempts(index: int, funnel: Funnel) -> pl.DataFrame:
        """A funnel's attempts, in unit order: sessions renumbered, or visitors."""
        frames = [part.attempts[index] for part in parts]
        if funnel.scope != "session":
            return pl.concat(frames).sort("unit", maintain_order=True)
        by_session = joined(frame.rename({"unit": "session"}) for frame in frames)
        return by_session.rename({"session": "unit"})

    traffic = join_traffic_parts([part.traffic for part in parts])
    dimensions = [part.dimensions for part in parts if part.dimensions is not None]
    return _VisitorFigures(
        sessions=joined(part.sessions for part in parts),
        conversions=joined(part.conversions for part in parts),
        revenue=joined(part.revenue for part in parts),
        dimensions=joined(dimensions) if dimensions else None,
        attempts=tuple(attempts(i, funnel) for i, funnel in enumerate(funnels)),
        traffic=replace(traffic, sources=joined([traffic.sources])),
    )


_NUMBER = "__micromacro_session"


def _dimensions(
    options: ReportOptions,
    hits: pl.DataFrame,
    sessions: pl.DataFrame,
    read: InputRead,
    site_hosts: list[str],
) -> pl.DataFrame | None:
    """Each session's value of every dimension the ``--by`` breakdowns name (None without)."""
    if not options.by:
        return None
    names = {name for breakdown in options.by for name in breakdown.dimensions}
    # --bot-pattern applies to access logs only; an export's crawlers are the list's.
    bot_patterns = options.bot_patterns if options.goals.source is None else ()
    return session_dimensions(
        hits,
        sessions,
        names,
        tz=read.tz,
        site_hosts=site_hosts,
        attribution=options.attribution,
        bot_patterns=bot_patterns,
    )
