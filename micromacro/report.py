"""The report: what every renderer shows, and the pipeline that builds it.

reading ─▶ hits ─▶ sessions ─▶ goal conversions ─▶ summary, goals, funnels, ladder,
micro → macro, segments, experiment ─▶ (with ``--compare``) the same for the earlier period
and the changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import BinaryIO

import polars as pl

from micromacro.alerts import AlertResult
from micromacro.channels import infer_site_hosts
from micromacro.dimensions import SOURCE_DIMENSIONS, Breakdown, parse_breakdowns
from micromacro.funnels import funnel_attempts, funnel_report
from micromacro.goal_matching import session_conversions
from micromacro.goals import GoalsConfig
from micromacro.hits import InputSummary, MalformedLine
from micromacro.metrics import (
    engagement_ladder,
    goals_table,
    micro_macro_table,
    site_summary,
    visitor_goals,
)
from micromacro.periods import Period
from micromacro.reading import InputRead, ProgressCallback, ReadOptions, input_warnings, read_inputs
from micromacro.segments import (
    DEFAULT_MIN_SESSIONS,
    DEFAULT_TOP,
    Attribution,
    experiment,
    funnel_segment_rows,
    segment_rows,
    session_dimensions,
)
from micromacro.sessions import DEFAULT_TIMEOUT_S, session_table, sessionize
from micromacro.stats import two_proportion_p_value


@dataclass(frozen=True, kw_only=True)
class ReportOptions(ReadOptions):
    """Everything a report depends on, as the command line gives it: what to read (the
    ``ReadOptions``), the goals, and how to break the figures down."""

    goals: GoalsConfig
    session_timeout_s: float = DEFAULT_TIMEOUT_S
    by: tuple[str, ...] = ()
    top: int = DEFAULT_TOP
    min_sessions: int = DEFAULT_MIN_SESSIONS
    site_hosts: tuple[str, ...] = ()
    attribution: Attribution = "session"
    baseline: str | None = None
    expected_split: tuple[float, ...] = ()


@dataclass
class Report:
    """The figures of one run, ready for any renderer."""

    input: InputSummary
    summary: dict[str, float | int]
    goals: list[dict[str, object]]
    funnels: list[dict[str, object]]
    ladder: dict[str, object]
    micro_macro: list[dict[str, object]]
    period: Period
    segments: list[dict[str, object]] = field(default_factory=list)
    experiment: dict[str, object] | None = None
    # With --compare: the report of the comparison period.
    previous: Report | None = None
    # With alert rules checked (report --alerts): what each rule found.
    alerts: list[AlertResult] | None = None
    # The reported period: --since/--until where given, else the first and last hit.
    start: datetime | None = None
    end: datetime | None = None
    tz: tzinfo = UTC
    malformed: list[MalformedLine] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """The JSON report of SPEC 4 (``input``, ``summary``, ``goals``, ``funnels``, ``ladder``,
        ``micro_macro``, ``segments``; ``experiment``, ``previous``, ``alerts`` and ``period``
        if set)."""
        result: dict[str, object] = {
            "input": self.input.as_dict(),
            "summary": self.summary,
            "goals": self.goals,
            "funnels": self.funnels,
            "ladder": self.ladder,
            "micro_macro": self.micro_macro,
            "segments": self.segments,
        }
        if self.experiment is not None:
            result["experiment"] = self.experiment
        if self.previous is not None:
            result["previous"] = self.previous.as_dict()
        if self.alerts is not None:
            result["alerts"] = [outcome.as_dict() for outcome in self.alerts]
        if self.period.bounded:
            result["period"] = {
                "since": _iso(self.period.since),
                "until": _iso(self.period.until),
            }
        return result


def _iso(instant: datetime | None) -> str | None:
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z") if instant else None


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
        segment_columns=bool(options.by),
        stdin=stdin,
        progress=progress,
    )
    report = _report_of(read, options)
    if read.previous is not None:
        report.previous = _report_of(read.previous, options)
        add_changes(report, report.previous)
        if report.previous.summary["sessions"] == 0:
            report.warnings.append(
                "no sessions in the comparison period: its figures are null and no change is shown"
            )
    return report


def _report_of(read: InputRead, options: ReportOptions) -> Report:
    """The figures of one period's hits."""
    warnings = [*read.warnings, *input_warnings(read, options)]
    notes = list(read.notes)
    sessionized = sessionize(read.hits, timeout_s=options.session_timeout_s)
    sessions = session_table(sessionized)
    conversions = session_conversions(sessionized, sessions, options.goals.goals)
    visitors = visitor_goals(conversions, options.goals.goals)
    summary = site_summary(conversions, options.goals.goals)
    units = {"session": int(summary["sessions"]), "visitor": int(summary["visitors"])}
    breakdowns = breakdowns_of(options)
    dimensions = _dimensions(options, breakdowns, sessionized, sessions, read, notes)
    segments = (
        segment_rows(
            conversions,
            dimensions,
            breakdowns,
            options.goals.goals,
            top=options.top,
            min_sessions=options.min_sessions,
        )
        if dimensions is not None
        else []
    )
    funnels = []
    for funnel in options.goals.funnels:
        attempts = funnel_attempts(sessionized, funnel)
        figures = funnel_report(attempts, funnel, units[funnel.scope])
        if dimensions is not None:
            figures["segments"] = funnel_segment_rows(
                attempts, funnel, sessions, dimensions, breakdowns, top=options.top
            )
        funnels.append(figures)
    return Report(
        input=read.summary,
        summary=summary,
        goals=goals_table(conversions, options.goals.goals),
        funnels=funnels,
        ladder=engagement_ladder(visitors),
        micro_macro=micro_macro_table(visitors, options.goals.goals),
        segments=segments,
        experiment=_experiment(options, segments, warnings),
        period=read.period,
        start=read.period.since or _first_or_last(read.hits, "min"),
        end=read.period.until or _first_or_last(read.hits, "max"),
        tz=read.tz,
        malformed=read.malformed,
        notes=notes,
        warnings=warnings,
    )


_SUMMARY_RATES = {"bounce_rate", "macro_conversion_rate", "micro_conversion_rate"}


def _count(value: object) -> int:
    return value if isinstance(value, int) else 0


def add_changes(current: Report, previous: Report) -> None:
    """Give every summary figure and goal of ``current`` its value in ``previous``, the
    absolute change and, for rates, the two-proportion p-value of the change (SPEC 2.8);
    null when the comparison period has no session."""
    empty = previous.summary["sessions"] == 0
    n1, n2 = int(current.summary["sessions"]), int(previous.summary["sessions"])
    changes: dict[str, float | int | None] = {}
    for key, value in current.summary.items():
        earlier = None if empty else previous.summary[key]
        changes[f"previous_{key}"] = earlier
        changes[f"change_{key}"] = None if earlier is None else value - earlier
        if key in _SUMMARY_RATES:
            changes[f"change_p_value_{key}"] = (
                None
                if earlier is None
                else two_proportion_p_value(round(value * n1), n1, round(earlier * n2), n2)
            )
    current.summary.update(changes)  # type: ignore[arg-type]
    for now, then in zip(current.goals, previous.goals, strict=True):
        x1, x2 = _count(now["converting_sessions"]), _count(then["converting_sessions"])
        rate_before = None if empty else x2 / n2
        rate_now = x1 / n1 if n1 else 0.0
        now["previous_conversions"] = None if empty else then["conversions"]
        now["previous_conversion_rate"] = rate_before
        now["change"] = None if rate_before is None else rate_now - rate_before
        now["change_p_value"] = None if empty else two_proportion_p_value(x1, n1, x2, n2)
    _funnel_changes(current.funnels, previous.funnels, empty)
    _segment_changes(current.segments, previous.segments, empty)


def _funnel_changes(
    current: list[dict[str, object]], previous: list[dict[str, object]], empty: bool
) -> None:
    """Each funnel step gets ``previous_reached``, ``previous_conversion_from_start`` and the
    ``change`` of its conversion from the start, tested like a rate (``change_p_value``)."""
    for now, then in zip(current, previous, strict=True):
        entered_now, entered_then = _count(now["entered"]), _count(then["entered"])
        for step, before in zip(now["steps"], then["steps"], strict=True):  # type: ignore[call-overload]
            rate, earlier = step["conversion_from_start"], before["conversion_from_start"]
            known = not empty and rate is not None and earlier is not None
            step["previous_reached"] = None if empty else before["reached"]
            step["previous_conversion_from_start"] = None if empty else earlier
            step["change"] = rate - earlier if known else None
            step["change_p_value"] = (
                two_proportion_p_value(
                    step["reached"], entered_now, before["reached"], entered_then
                )
                if known
                else None
            )


def _segment_changes(
    current: list[dict[str, object]], previous: list[dict[str, object]], empty: bool
) -> None:
    """Each segment gets ``previous_sessions``, ``previous_macro_conversion_rate``, the
    ``change`` of its macro rate and ``change_p_value``; each of its goals likewise for the
    goal's rate. A segment the comparison period lacks compares with nothing (nulls)."""
    earlier = {(row["by"], row["segment"]): row for row in previous}
    for row in current:
        before = None if empty else earlier.get((row["by"], row["segment"]))
        sessions = _count(row["sessions"])
        sessions_then = _count(before["sessions"]) if before else 0
        row["previous_sessions"] = sessions_then if before else None
        row["previous_macro_conversion_rate"] = before["macro_conversion_rate"] if before else None
        row["change"] = (
            row["macro_conversion_rate"] - before["macro_conversion_rate"]  # type: ignore[operator]
            if before
            else None
        )
        row["change_p_value"] = (
            two_proportion_p_value(
                _count(row["macro_conversions"]),
                sessions,
                _count(before["macro_conversions"]),
                sessions_then,
            )
            if before
            else None
        )
        goals_then = before["goals"] if before else [None] * len(row["goals"])  # type: ignore[arg-type]
        for goal, goal_then in zip(row["goals"], goals_then, strict=True):  # type: ignore[call-overload]
            goal["previous_conversion_rate"] = goal_then["conversion_rate"] if goal_then else None
            goal["change"] = (
                goal["conversion_rate"] - goal_then["conversion_rate"] if goal_then else None
            )
            goal["change_p_value"] = (
                two_proportion_p_value(
                    goal["conversions"], sessions, goal_then["conversions"], sessions_then
                )
                if goal_then
                else None
            )


def _first_or_last(hits: pl.DataFrame, which: str) -> datetime | None:
    """The time of the first (``min``) or last (``max``) counted hit; None without hits."""
    if hits.height == 0:
        return None
    value = hits.select(getattr(pl.col("ts"), which)()).item()
    return value if isinstance(value, datetime) else None


def _experiment(
    options: ReportOptions, segments: list[dict[str, object]], warnings: list[str]
) -> dict[str, object] | None:
    """The ``--baseline`` comparison over the first ``--by``; warns on a sample-ratio mismatch."""
    if options.baseline is None:
        return None
    by = breakdowns_of(options)[0].label
    result = experiment(segments, by, options.baseline, options.expected_split)
    check = result["sample_ratio"]
    assert isinstance(check, dict)
    if check["mismatch"]:
        split = ", ".join(
            f"{n} {s:,}" for n, s in zip(check["variants"], check["sessions"], strict=True)
        )
        warnings.append(
            f"SAMPLE RATIO MISMATCH in --by {by}: sessions {split} are off the expected split "
            f"(chi-square p = {check['p_value']:.2g}); the comparison is not to be trusted"
        )
    return result


def breakdowns_of(options: ReportOptions) -> list[Breakdown]:
    """The ``--by`` breakdowns (an event export's kept columns are dimensions too)."""
    source = options.goals.source
    return parse_breakdowns(options.by, extra=source.keep if source is not None else ())


def _dimensions(
    options: ReportOptions,
    breakdowns: list[Breakdown],
    hits: pl.DataFrame,
    sessions: pl.DataFrame,
    read: InputRead,
    notes: list[str],
) -> pl.DataFrame | None:
    """Each session's value of every dimension the ``--by`` breakdowns name (None without)."""
    if not breakdowns:
        return None
    names = {name for breakdown in breakdowns for name in breakdown.dimensions}
    site_hosts = list(options.site_hosts)
    if not site_hosts and names & set(SOURCE_DIMENSIONS):
        site_hosts = infer_site_hosts(hits)
        shown = ", ".join(site_hosts) or "none found"
        notes.append(f"site hosts (internal referrers): {shown}; name them with --site-host")
    return session_dimensions(
        hits, sessions, names, tz=read.tz, site_hosts=site_hosts, attribution=options.attribution
    )
