"""The report: runs the pipeline end to end and holds what every renderer shows.

inputs ─▶ lines ─▶ parsed hits + buckets ─▶ counted hits ─▶ sessions ─▶ goal conversions
       ─▶ input summary, site summary, goals table
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import BinaryIO

import polars as pl

from micromacro.conversions import session_conversions
from micromacro.errors import InputError
from micromacro.goals import GoalsConfig
from micromacro.hits import COUNTED_BUCKETS, HitFilter, access_hits
from micromacro.inputs import Inputs
from micromacro.logformats import AUTO, Detection, LogFormat, detect_format, parse_access_lines
from micromacro.logformats import resolve_format as resolve_log_format
from micromacro.metrics import InputSummary, goals_table, input_summary, site_summary
from micromacro.periods import Period, parse_period, parse_timezone
from micromacro.sessions import DEFAULT_TIMEOUT_S, session_table, sessionize

MALFORMED_EXAMPLES = 5
_EXCERPT_CHARS = 120
_LOG_OFFSET = re.compile(r"\[[^\]]*?([+-]\d{2}:?\d{2})\]")

# The hit columns later stages read; everything else is pruned from the scan.
_COUNTED_COLUMNS = (
    "ts",
    "visitor",
    "session_id",
    "kind",
    "path",
    "query",
    "event_category",
    "event_action",
    "event_label",
    "event_name",
    "event_value",
    "source_file",
    "line_no",
)


@dataclass(frozen=True)
class ReportOptions:
    """Everything a report depends on, as the command line gives it."""

    inputs: tuple[str, ...]
    goals: GoalsConfig
    log_format: str = AUTO
    include_bots: bool = False
    include_static: bool = False
    include_errors: bool = False
    include_redirects: bool = False
    bot_patterns: tuple[str, ...] = ()
    session_timeout_s: float = DEFAULT_TIMEOUT_S
    since: str | None = None
    until: str | None = None
    tz: str | None = None
    strict: bool = False
    now: datetime | None = None


@dataclass(frozen=True)
class MalformedLine:
    """Where a malformed line is, and its start (for the user to look at)."""

    source_file: str
    line_no: int
    excerpt: str


@dataclass
class Report:
    """The figures of one run, ready for any renderer."""

    input: InputSummary
    summary: dict[str, float | int]
    goals: list[dict[str, object]]
    period: Period
    malformed: list[MalformedLine] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """The JSON report of SPEC 4 (``input``, ``summary``, ``goals``; ``period`` if set)."""
        result: dict[str, object] = {
            "input": self.input.as_dict(),
            "summary": self.summary,
            "goals": self.goals,
        }
        if self.period.bounded:
            result["period"] = {
                "since": _iso(self.period.since),
                "until": _iso(self.period.until),
            }
        return result


def _iso(instant: datetime | None) -> str | None:
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z") if instant else None


def _choose_format(inputs: Inputs, requested: str) -> tuple[LogFormat, Detection | None]:
    if requested != AUTO:
        return resolve_log_format(requested), None
    sample = [text for _, _, text in inputs.sample_lines()]
    if not sample:
        return resolve_log_format("combined"), None
    detection = detect_format(sample)
    return detection.format, detection


def _report_timezone(options: ReportOptions, inputs: Inputs) -> tzinfo:
    if options.tz:
        return parse_timezone(options.tz)
    for _, _, text in inputs.sample_lines(5):
        match = _LOG_OFFSET.search(text)
        if match:
            return parse_timezone(match.group(1))
    return UTC


def _hit_filter(options: ReportOptions, period: Period) -> HitFilter:
    return HitFilter(
        include_bots=options.include_bots,
        include_static=options.include_static,
        include_errors=options.include_errors,
        include_redirects=options.include_redirects,
        bot_patterns=options.bot_patterns,
        since=period.since,
        until=period.until,
    )


def read_hits(
    inputs: Inputs, fmt: LogFormat, hit_filter: HitFilter
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Scan every input once: bucket counts, the counted hits, and the first malformed lines."""
    hits = access_hits(parse_access_lines(inputs.scan_lines(), fmt), hit_filter)
    bucket_counts = hits.group_by("bucket").len()
    counted = hits.filter(pl.col("bucket").is_in(COUNTED_BUCKETS)).select(_COUNTED_COLUMNS)
    malformed = (
        hits.filter(pl.col("bucket") == "malformed")
        .select("source_file", "line_no", pl.col("line").str.slice(0, _EXCERPT_CHARS))
        .sort("source_file", "line_no")
        .head(MALFORMED_EXAMPLES)
    )
    try:
        counts, counted_hits, malformed_lines = pl.collect_all([bucket_counts, counted, malformed])
    except pl.exceptions.PolarsError as error:
        reason = str(error).strip().splitlines()[0]
        raise InputError(f"cannot read the input: {reason}") from None
    return counts, counted_hits, malformed_lines


def build_report(options: ReportOptions, *, stdin: BinaryIO | None = None) -> Report:
    """Read the inputs, run the pipeline and return the report (raises ``MicromacroError``)."""
    with Inputs(options.inputs, stdin=stdin) as inputs:
        fmt, detection = _choose_format(inputs, options.log_format)
        tz = _report_timezone(options, inputs)
        period = parse_period(options.since, options.until, tz=tz, now=options.now)
        counts, hits, malformed_lines = read_hits(inputs, fmt, _hit_filter(options, period))
        files = len(inputs.files)
    summary_in = input_summary(
        counts, files=files, format_name=fmt.name, period_applied=period.bounded
    )
    malformed = [
        MalformedLine(str(row[0]), int(row[1]), str(row[2])) for row in malformed_lines.iter_rows()
    ]
    notes, warnings = _input_messages(summary_in, fmt, detection, options)
    _check_input(summary_in, fmt, malformed, options)
    sessionized = sessionize(hits, timeout_s=options.session_timeout_s)
    conversions = session_conversions(sessionized, session_table(sessionized), options.goals.goals)
    return Report(
        input=summary_in,
        summary=site_summary(conversions, options.goals.goals),
        goals=goals_table(conversions, options.goals.goals),
        period=period,
        malformed=malformed,
        notes=notes,
        warnings=warnings,
    )


def _input_messages(
    summary: InputSummary, fmt: LogFormat, detection: Detection | None, options: ReportOptions
) -> tuple[list[str], list[str]]:
    notes: list[str] = []
    warnings: list[str] = []
    if detection is not None:
        notes.append(
            f"log format: {fmt.name} (detected: {detection.parsed} of {detection.sampled} "
            "sample lines parsed)"
        )
    if summary.lines == 0:
        warnings.append("the input is empty: no lines to report on")
    malformed = summary.buckets.get("malformed", 0)
    if malformed and not options.strict:
        noun = "line" if malformed == 1 else "lines"
        warnings.append(f"{malformed:,} malformed {noun} skipped (counted in the input summary)")
    return notes, warnings


def _check_input(
    summary: InputSummary, fmt: LogFormat, malformed: list[MalformedLine], options: ReportOptions
) -> None:
    bad = summary.buckets.get("malformed", 0)
    if summary.lines and bad == summary.lines:
        first = malformed[0] if malformed else None
        where = f" (first: {first.source_file}:{first.line_no})" if first else ""
        raise InputError(
            f"no line parses as {fmt.name} format{where}; name the format with --log-format"
        )
    if options.strict and bad:
        first = malformed[0]
        raise InputError(
            f"{first.source_file}:{first.line_no}: malformed line ({bad} in all; "
            "--strict allows none)"
        )
