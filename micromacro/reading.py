"""Reading: the inputs a user names, as the canonical hit table of the report's period (and of
the compared one), every line or row counted in its bucket.

Access logs are read here, chunk by chunk: the format is chosen from the first lines of every
input (``logformats``), the report's time zone from the log's own offsets, the inputs ordered
oldest first, and with a bounded period a large log in time order is read only in the period's
stretch (``seeking``). Lines the chosen variant leaves are retried by its family in batches; a
file found out of order is read again whole; ``--dedupe`` moves repeated lines of later inputs to
``duplicate``. Event exports are read by ``exports``. Either way the result is an ``InputRead``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import BinaryIO, Literal

import polars as pl

from micromacro.errors import InputError, UsageError
from micromacro.exports import read_exports, summary_format
from micromacro.goals import SourceMapping
from micromacro.hit_schema import BUCKET, COUNTED_BUCKETS, EXPORT_BUCKETS, HIT_SCHEMA
from micromacro.hits import (
    HitFilter,
    InputSummary,
    MalformedLine,
    canonical_hits,
    classify_lines,
)
from micromacro.inputs import (
    DEFAULT_MAX_LINE_BYTES,
    TOO_LONG,
    InputFile,
    Inputs,
    too_long_line,
)
from micromacro.logformats import (
    AUTO,
    Detection,
    LogFormat,
    SampleAnalysis,
    analyse_sample,
    choose_format,
    has_forwarded_for,
)
from micromacro.logformats import resolve_format as resolve_log_format
from micromacro.logformats.families import FamilyFormat, batched
from micromacro.logformats.fields import first_forwarded_ip
from micromacro.logformats.formatstrings import FormatString, suggest_format_string
from micromacro.periods import Period, comparison_period, parse_period, parse_timezone
from micromacro.seeking import OutOfStretch, period_parts

ProgressCallback = Callable[[int, int], None]
ClientIpMode = Literal["remote", "first-forwarded"]
CLIENT_IP_MODES: tuple[ClientIpMode, ...] = ("remote", "first-forwarded")
MALFORMED_EXAMPLES = 5
# A column a parser may add: why a line it could not read is malformed (null: no reason known).
MALFORMED_REASON = "malformed_reason"
# Lines the chosen variant did not read are retried together once this many are held.
_HELD_LINES = 100_000
_EXCERPT_CHARS = 120
_LOG_OFFSET = re.compile(r"\[[^\]]*?([+-]\d{2}:?\d{2})\]")

# The mark of a variant that leaves fields at the end of its lines unread (``combined+fields``).
UNREAD_FIELDS = "+fields"
_TAIL_CHARS = 80


@dataclass(frozen=True)
class UnreadFields:
    """Lines of the period read with trailing fields left unread: how many, by which variants,
    the first of them, and a format string that reads it whole (None: none is known)."""

    lines: int
    variants: tuple[str, ...]
    location: str
    line: str
    suggestion: str | None

    def remedy(self) -> str:
        if self.suggestion is None:
            return "name the format with --log-format (an nginx or Apache format string)"
        return f"to read them, name the format: --log-format {shlex.quote(self.suggestion)}"

    def warning(self) -> str:
        """``access.log:1: 60 lines end with fields no format reads (…): …``."""
        tail = self.line if len(self.line) <= _TAIL_CHARS else "…" + self.line[-_TAIL_CHARS:]
        plural = "line ends" if self.lines == 1 else "lines end"
        return (
            f"{self.lines:,} {plural} with fields left unread ({', '.join(self.variants)}), "
            f"first {self.location}: {tail}; {self.remedy()}"
        )


def _unread_fields(
    variants: dict[str, int], example: tuple[str, int, str] | None
) -> UnreadFields | None:
    names = sorted(name for name in variants if UNREAD_FIELDS in name)
    if not names or example is None:
        return None
    name, number, line = example
    return UnreadFields(
        lines=sum(variants[v] for v in names),
        variants=tuple(names),
        location=f"{name}:{number}",
        line=line,
        suggestion=suggest_format_string(line),
    )


# The hit columns later stages read; the others are dropped chunk by chunk.
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
    "status",
)
# What segments also read of access-log hits (only kept with --by).
_SEGMENT_COLUMNS = ("host", "referrer", "user_agent")


@dataclass(frozen=True, kw_only=True)
class ReadOptions:
    """What to read and how to count it, as the command line gives it."""

    inputs: tuple[str, ...]
    log_format: str = AUTO
    client_ip: ClientIpMode = "remote"
    include_bots: bool = False
    include_static: bool = False
    include_errors: bool = False
    include_redirects: bool = False
    bot_patterns: tuple[str, ...] = ()
    since: str | None = None
    until: str | None = None
    tz: str | None = None
    compare: str | None = None
    strict: bool = False
    dedupe: bool = False
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES
    now: datetime | None = None


@dataclass
class InputRead:
    """What the first step of the pipeline gives, whatever the kind of input."""

    hits: pl.DataFrame
    summary: InputSummary
    period: Period
    malformed: list[MalformedLine]
    # The ``InputError`` message when no line or row could be used, given where the first is.
    nothing_usable: Callable[[str], str]
    tz: tzinfo = UTC
    unit: Literal["line", "row"] = "line"
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # With --compare: the same read for the comparison period.
    previous: InputRead | None = None
    # Every line with its fields and bucket, when asked for (``micromacro hits``).
    lines: pl.DataFrame | None = None
    # Access logs with a bounded period: the buckets of the lines as read (timeless lines
    # outside the period's lines still in theirs, unread ones out of the period), and the first
    # malformed line read, in the period or not: what says whether any line was usable.
    buckets_read: dict[str, int] | None = None
    first_malformed: MalformedLine | None = None
    # Access logs: lines of the period with trailing fields no format read.
    unread_fields: UnreadFields | None = None


def read_inputs(
    options: ReadOptions,
    *,
    source: SourceMapping | None = None,
    segment_columns: bool = False,
    keep_lines: bool = False,
    stdin: BinaryIO | None = None,
    progress: ProgressCallback | None = None,
) -> InputRead:
    """Read the inputs as access logs, or as event exports mapped by ``source``, and check that
    they hold something to report on (raises ``MicromacroError``).

    ``segment_columns`` keeps what segments read of access-log hits (host, referrer, user
    agent); ``keep_lines`` keeps every line with its fields (``micromacro hits``: the whole of
    every input is read). ``progress(bytes_done, bytes_total)`` is called after each chunk.
    """
    with Inputs(
        options.inputs,
        stdin=stdin,
        max_line_bytes=options.max_line_bytes,
        scannable=source is not None,  # an event export is scanned by Polars
    ) as inputs:
        if source is None:
            read = _read_access_logs(
                inputs, options, progress, segment_columns=segment_columns, keep_lines=keep_lines
            )
        else:
            read = _read_event_exports(inputs, source, options, progress)
    _check_input(read, options)
    return read


# The first lines of each input (file, line number, text): read once, used for the format,
# the time zone and the order of the inputs.
Sample = list[tuple[InputFile, int, str]]
_TIMEZONE_LINES = 5  # lines of each input searched for the log's own offset


def _choose_format(sample: Sample, requested: str) -> tuple[LogFormat, Detection | None]:
    if requested != AUTO:
        return resolve_log_format(requested), None
    if not sample:
        return resolve_log_format("combined"), None
    detection = choose_format(_analysis(sample))
    return detection.format, detection


def _analysis(sample: Sample) -> SampleAnalysis:
    texts = [text for _, _, text in sample]
    return analyse_sample(texts, [f"{file.name}:{number}" for file, number, _ in sample])


def analyse_inputs(patterns: Sequence[str], *, stdin: BinaryIO | None = None) -> SampleAnalysis:
    """How every log format family reads the first lines of the inputs: what auto-detection
    decides on (``micromacro formats --detect``)."""
    with Inputs(patterns, stdin=stdin) as inputs:
        return _analysis(list(inputs.sample_lines()))


def _format_string(fmt: LogFormat) -> FormatString | None:
    """The format string ``fmt`` reads with first, if it was named by one."""
    if isinstance(fmt, FamilyFormat) and isinstance(fmt.primary, FormatString):
        return fmt.primary
    return None


def _unmatched_warning(
    fmt: LogFormat, variants: dict[str, int], example: tuple[str, int, str] | None
) -> list[str]:
    """A warning for the lines of the period a format string did not read, which the Common
    Log Format family read instead: where the first stops matching."""
    string = _format_string(fmt)
    others = {name: count for name, count in variants.items() if string and name != string.name}
    if string is None or not others or example is None:
        return []
    name, number, line = example
    shown = ", ".join(f"{variant} {count:,}" for variant, count in sorted(others.items()))
    lines = sum(others.values())
    return [
        f"{lines:,} line{'' if lines == 1 else 's'} do not match the --log-format "
        f"string and were read by the Common Log Format family instead ({shown}); first "
        f"{name}:{number}: {string.mismatch(line)}"
    ]


def _check_forwarded_for(fmt: LogFormat, sample: Sample) -> None:
    """A usage error for ``--client-ip first-forwarded`` on a log without an X-Forwarded-For
    field: the option would silently change nothing."""
    texts = [text for _, _, text in sample]
    if has_forwarded_for(fmt, texts):
        return
    lines = f"{len(texts)} sample line{'' if len(texts) == 1 else 's'}"
    raise UsageError(
        f"--client-ip first-forwarded: the log has no X-Forwarded-For field (read as {fmt.name}, "
        f"in {lines}); log it ($http_x_forwarded_for, %{{X-Forwarded-For}}i) and name the "
        "format with --log-format, or leave --client-ip remote"
    )


def _report_timezone(options: ReadOptions, sample: Sample) -> tzinfo:
    if options.tz:
        return parse_timezone(options.tz)
    seen: dict[str, int] = {}
    for file, _, text in sample:
        seen[file.name] = seen.get(file.name, 0) + 1
        if seen[file.name] > _TIMEZONE_LINES:
            continue
        match = _LOG_OFFSET.search(text)
        if match:
            with contextlib.suppress(UsageError):  # no offset (+9900): look further
                return parse_timezone(match.group(1))
    return UTC


def _hit_filter(options: ReadOptions, period: Period) -> HitFilter:
    return HitFilter(
        include_bots=options.include_bots,
        include_static=options.include_static,
        include_errors=options.include_errors,
        include_redirects=options.include_redirects,
        bot_patterns=options.bot_patterns,
        since=period.since,
        until=period.until,
    )


def compact_strings(frame: pl.DataFrame) -> pl.DataFrame:
    """Copy the string columns of a filtered frame into buffers of their own.

    A filtered string column still points into the buffers of the whole chunk it came from;
    keeping a few counted hits per chunk would otherwise keep every chunk alive.
    """
    strings = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    return frame.with_columns(
        pl.concat_str(pl.col(name), pl.lit("")).alias(name) for name in strings
    )


_LINE_HASH = "_line_hash"
# What ``micromacro hits`` keeps of every line, and its schema.
_LINE_COLUMNS = (
    "source_file", "line_no", "bucket", "variant", "ip", "ts", "method", "path", "query",
    "status", "bytes", "referrer", "user_agent", "host",
)  # fmt: skip
KEPT_LINE_SCHEMA: dict[str, pl.DataType] = {
    "source_file": pl.String(),
    "line_no": pl.UInt32(),
    "bucket": BUCKET,
    "variant": pl.String(),
    **{name: HIT_SCHEMA[name] for name in _LINE_COLUMNS[4:]},
}


# Buckets a line falls in whatever its time (it has none, or it is no request): with a bounded
# period such a line belongs to the period by its position (``_HitAccumulator.finish``).
TIMELESS_BUCKETS = ("comment", "not_http", "malformed")
# The lines that place the period in a file: those with a time in it.
_IN_PERIOD = ~pl.col("bucket").is_in([*TIMELESS_BUCKETS, "out_of_period", "duplicate"])


@dataclass
class _HitAccumulator:
    """What the chunks of a run add up to; with ``dedupe``, also each line's hash and file.

    With a bounded ``period``, a line of a timeless bucket (``TIMELESS_BUCKETS``) is counted in
    its bucket only where it lies between the first and the last line of its input with a time
    in the period (an open end reaching the input's start or end), and as ``out_of_period``
    elsewhere (``finish``): so reading the period's stretch of an input (``seeking``) and
    reading it whole count the same lines in the same buckets.
    """

    dedupe: bool = False
    columns: tuple[str, ...] = _COUNTED_COLUMNS
    keep_times: bool = False
    keep_lines: bool = False
    period: Period = field(default_factory=Period)
    counts: dict[str, int] = field(default_factory=dict)
    variants: dict[str, int] = field(default_factory=dict)
    times: list[pl.DataFrame] = field(default_factory=list)
    counted: list[pl.DataFrame] = field(default_factory=list)
    malformed: list[MalformedLine] = field(default_factory=list)
    line_keys: list[pl.DataFrame] = field(default_factory=list)
    # With ``keep_lines``: every line's parsed fields and bucket (``micromacro hits``).
    lines: list[pl.DataFrame] = field(default_factory=list)
    # With a bounded period: every timeless line (file, line, bucket, variant), and by input
    # the first and last line with a time in the period.
    timeless: list[pl.DataFrame] = field(default_factory=list)
    extents: dict[str, tuple[int, int]] = field(default_factory=dict)
    # The buckets as read, before ``finish`` moved timeless lines out of the period, and the
    # first malformed line read.
    read_counts: dict[str, int] = field(default_factory=dict)
    first_malformed: MalformedLine | None = None
    # With ``overlap``: the hash and input of a sample of the counted lines (one in
    # ``_OVERLAP_SAMPLE``, by hash, so a line is sampled in every input that holds it), and
    # the times of each input's counted lines (``overlap_warnings``).
    overlap: bool = False
    sampled: list[pl.DataFrame] = field(default_factory=list)
    spans: list[pl.DataFrame] = field(default_factory=list)
    # The first line of the period read with trailing fields left unread (a ``+fields``
    # variant): its input, number and text.
    unread_example: tuple[str, int, str] | None = None
    # With a format string (``--log-format``): its variant name, why a line does not match it
    # (the malformed lines' reason), and the first line of the period read by another variant.
    format_string: FormatString | None = None
    unmatched_example: tuple[str, int, str] | None = None

    def add(self, lines: pl.DataFrame) -> None:
        """Add a chunk of classified lines."""
        add_counts(self.counts, lines.get_column("bucket"))
        in_period = lines.filter(pl.col("bucket") != "out_of_period")
        add_counts(self.variants, in_period.get_column("variant"))
        if self.keep_times:
            self.times.append(lines.select("ts", "bucket", "variant", *_POSITION))
        if self.period.bounded:
            self._add_positions(lines)
        columns = list(self.columns)
        if self.dedupe:
            lines = lines.with_columns(pl.col("line").hash().alias(_LINE_HASH))
            self.line_keys.append(
                lines.select(_LINE_HASH, "source_file", "line_no", "bucket", "variant")
            )
            columns.append(_LINE_HASH)
        if self.keep_lines:
            kept = [*_LINE_COLUMNS, *([_LINE_HASH] if self.dedupe else [])]
            self.lines.append(compact_strings(lines.select(kept)))
        counted = lines.filter(pl.col("bucket").is_in(COUNTED_BUCKETS))
        hits = canonical_hits(counted)
        if self.dedupe:
            hits = hits.with_columns(counted.get_column(_LINE_HASH))
        self.counted.append(compact_strings(hits.select(columns)))
        if self.overlap:
            self._add_overlap_sample(counted)
        self._add_malformed_examples(lines)
        if self.format_string is not None and self.unmatched_example is None:
            other = lines.filter(
                (pl.col("variant") != self.format_string.name)
                & (pl.col("bucket") != "out_of_period")
            )
            if other.height:
                name, number, text = other.select("source_file", "line_no", "line").row(0)
                self.unmatched_example = (str(name), int(number), str(text))
        if self.unread_example is None:
            unread = lines.filter(
                pl.col("variant").str.contains(UNREAD_FIELDS, literal=True)
                & (pl.col("bucket") != "out_of_period")
            )
            if unread.height:
                name, number, text = unread.select("source_file", "line_no", "line").row(0)
                self.unread_example = (str(name), int(number), str(text))

    def _add_overlap_sample(self, counted: pl.DataFrame) -> None:
        hashed = counted.select("source_file", "ts", pl.col("line").hash().alias(_LINE_HASH))
        self.sampled.append(
            hashed.filter(pl.col(_LINE_HASH) % _OVERLAP_SAMPLE == 0).select(
                _LINE_HASH, pl.col("source_file").cast(pl.String)
            )
        )
        self.spans.append(
            hashed.group_by(pl.col("source_file").cast(pl.String)).agg(
                pl.col("ts").min().alias("first"), pl.col("ts").max().alias("last")
            )
        )

    def _malformed_line(
        self, source_file: str, line_no: int, line: str, reason: str | None
    ) -> MalformedLine:
        """A malformed line to name; under a format string, where it stops matching."""
        if reason is None and self.format_string is not None and too_long_line(line) is None:
            reason = self.format_string.mismatch(line)
        return _malformed_line(source_file, line_no, line, reason)

    def _add_positions(self, lines: pl.DataFrame) -> None:
        """Keep the chunk's timeless lines and widen each input's extent of period lines."""
        timeless = lines.filter(pl.col("bucket").is_in(TIMELESS_BUCKETS))
        if timeless.height:
            self.timeless.append(timeless.select(*_POSITION, "bucket", "variant"))
        spans = (
            lines.filter(_IN_PERIOD)
            .group_by("source_file")
            .agg(pl.col("line_no").min().alias("first"), pl.col("line_no").max().alias("last"))
        )
        for name, first, last in spans.iter_rows():
            known = self.extents.get(str(name))
            if known is not None:
                first, last = min(first, known[0]), max(last, known[1])
            self.extents[str(name)] = (int(first), int(last))

    def _add_malformed_examples(self, lines: pl.DataFrame) -> None:
        """Keep the first malformed lines of each input that can be in the period.

        Held lines come back in file order after every line before them was added, so a line
        after its input's first period line is known to be after it; whether it is before the
        last one is known only at the end (``finish``), so a few are kept per input.
        """
        bad = lines.filter(pl.col("bucket") == "malformed")
        if self.first_malformed is None and bad.height:
            name, number, text = bad.select("source_file", "line_no", "line").row(0)
            reason = (
                bad.get_column(MALFORMED_REASON)[0] if MALFORMED_REASON in bad.columns else None
            )
            self.first_malformed = self._malformed_line(str(name), int(number), str(text), reason)
        if self.period.since is not None and bad.height:
            first = (
                pl.col("source_file")
                .cast(pl.String)
                .replace_strict(
                    {name: extent[0] for name, extent in self.extents.items()},
                    default=None,
                    return_dtype=pl.UInt32,
                )
            )
            bad = bad.filter(pl.col("line_no") > first)
        if not bad.height:
            return
        kept: dict[str, int] = {}
        for example in self.malformed:
            kept[example.source_file] = kept.get(example.source_file, 0) + 1
        bad = bad.group_by("source_file", maintain_order=True).head(MALFORMED_EXAMPLES)
        reasons = (
            bad.get_column(MALFORMED_REASON).to_list()
            if MALFORMED_REASON in bad.columns
            else [None] * bad.height
        )
        rows = bad.select("source_file", "line_no", "line").iter_rows()
        for (name, number, text), reason in zip(rows, reasons, strict=True):
            if kept.get(str(name), 0) < MALFORMED_EXAMPLES:
                self.malformed.append(
                    self._malformed_line(str(name), int(number), str(text), reason)
                )
                kept[str(name)] = kept.get(str(name), 0) + 1

    def finish(self) -> None:
        """Move the timeless lines outside their input's period lines to ``out_of_period``
        (see the class), in the counts, variants, kept lines and dedupe keys alike."""
        self.read_counts = dict(self.counts)
        if self.period.bounded:
            extents = _extents_frame(self.extents)
            outside = (
                _outside_period_lines(pl.concat(self.timeless), extents, self.period)
                if self.timeless
                else None
            )
            if outside is not None and outside.height:
                self._move_out(outside)
            self.malformed = [
                m for m in self.malformed if _example_in_period(m, self.extents, self.period)
            ]
        shown: list[MalformedLine] = []
        for example in self.malformed:  # in reading order, a few per input
            if len(shown) < MALFORMED_EXAMPLES:
                shown.append(example)
        self.malformed = shown

    def _move_out(self, outside: pl.DataFrame) -> None:
        moved: dict[str, int] = {}
        add_counts(moved, outside.get_column("bucket"))
        for name, count in moved.items():
            self.counts[name] -= count
        self.counts["out_of_period"] = self.counts.get("out_of_period", 0) + outside.height
        self.counts = {name: count for name, count in self.counts.items() if count}
        unread: dict[str, int] = {}
        add_counts(unread, outside.get_column("variant"))
        for name, count in unread.items():
            self.variants[name] -= count
        self.variants = {name: count for name, count in self.variants.items() if count}
        keys = outside.select(*_POSITION).with_columns(_moved=pl.lit(True))
        self.lines = [_mark_moved(frame, keys) for frame in self.lines]
        self.line_keys = [_mark_moved(frame, keys) for frame in self.line_keys]


_POSITION = ("source_file", "line_no")
# One counted line in this many (by hash) is compared across inputs for the overlap hint.
_OVERLAP_SAMPLE = 16
# Pairs of inputs named by the overlap hint, at most.
_OVERLAP_PAIRS = 3


def overlap_warnings(read: _HitAccumulator, order: Sequence[str]) -> list[str]:
    """A warning for each pair of inputs (``order``: their names in reading order) whose
    counted lines share a sampled line: overlapping rotated logs or copies, whose hits are
    counted twice unless ``--dedupe`` drops the later copies."""
    if not read.sampled:
        return []
    sample = pl.concat(read.sampled).unique()
    rank = {name: number for number, name in enumerate(order)}
    ranked = sample.with_columns(
        pl.col("source_file").replace_strict(rank, return_dtype=pl.UInt32).alias("_rank")
    )
    pairs = (
        ranked.join(ranked, on=_LINE_HASH, suffix="_later")
        .filter(pl.col("_rank") < pl.col("_rank_later"))
        .group_by("_rank", "_rank_later", "source_file", "source_file_later")
        .agg(pl.len().alias("shared"))
        .sort("_rank", "_rank_later")
    )
    if pairs.height == 0:
        return []
    spans = (
        pl.concat(read.spans)
        .group_by("source_file")
        .agg(pl.col("first").min(), pl.col("last").max())
    )
    times = {name: (first, last) for name, first, last in spans.iter_rows()}
    warnings = []
    for _, _, earlier, later, shared in pairs.head(_OVERLAP_PAIRS).iter_rows():
        start = max(times[earlier][0], times[later][0])
        end = min(times[earlier][1], times[later][1])
        warnings.append(
            f"{earlier} and {later} overlap ({_utc_text(start)} to {_utc_text(end)}) and hold "
            f"the same lines (about {shared * _OVERLAP_SAMPLE:,} of the counted ones, from a "
            f"sample of one in {_OVERLAP_SAMPLE}): each copy is counted; --dedupe counts a "
            "line found in an earlier input once"
        )
    if pairs.height > _OVERLAP_PAIRS:
        warnings.append(f"{pairs.height - _OVERLAP_PAIRS} more pairs of inputs overlap so")
    return warnings


def _utc_text(instant: datetime) -> str:
    return f"{instant.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"


def _extents_frame(extents: dict[str, tuple[int, int]]) -> pl.DataFrame:
    """By input, the first and last line with a time in the period."""
    return pl.DataFrame(
        {
            "_file": list(extents),
            "_first": pl.Series([e[0] for e in extents.values()], dtype=pl.UInt32),
            "_last": pl.Series([e[1] for e in extents.values()], dtype=pl.UInt32),
        },
        schema={"_file": pl.String, "_first": pl.UInt32, "_last": pl.UInt32},
    )


def _between(period: Period) -> pl.Expr:
    """Whether a line (``line_no`` of ``_file``, whose extent is ``_first``, ``_last``) lies
    between the first and the last line of its input with a time in ``period``; an open end
    of the period reaches the start or the end of the input."""
    inside = pl.lit(True)
    if period.since is not None:
        inside = inside & (pl.col("line_no") > pl.col("_first"))
    if period.until is not None:
        inside = inside & (pl.col("line_no") < pl.col("_last"))
    return inside.fill_null(False)


def _outside_period_lines(
    timeless: pl.DataFrame, extents: pl.DataFrame, period: Period
) -> pl.DataFrame:
    """The rows of ``timeless`` (``source_file``, ``line_no``, …) outside the period's lines."""
    placed = timeless.with_columns(_file=pl.col("source_file").cast(pl.String)).join(
        extents, on="_file", how="left", maintain_order="left"
    )
    return placed.filter(~_between(period)).drop("_file", "_first", "_last")


def _example_in_period(
    example: MalformedLine, extents: dict[str, tuple[int, int]], period: Period
) -> bool:
    extent = extents.get(example.source_file)
    if extent is None:
        return False
    after_first = period.since is None or example.line_no > extent[0]
    return after_first and (period.until is None or example.line_no < extent[1])


def _mark_moved(frame: pl.DataFrame, keys: pl.DataFrame) -> pl.DataFrame:
    """``frame`` (with ``source_file``, ``line_no``, ``bucket``) with the lines of ``keys`` in
    ``out_of_period``."""
    marked = frame.join(
        keys.with_columns(pl.col("source_file").cast(frame.schema["source_file"])),
        on=list(_POSITION),
        how="left",
        maintain_order="left",
    )
    out = pl.lit("out_of_period", dtype=frame.schema["bucket"])
    return marked.with_columns(
        bucket=pl.when(pl.col("_moved")).then(out).otherwise(pl.col("bucket"))
    ).drop("_moved")


def _malformed_line(source_file: str, line_no: int, line: str, reason: str | None) -> MalformedLine:
    """A malformed line to name; a line too long to read is named by its size and start."""
    too_long = too_long_line(line)
    if too_long is not None:
        size, head = too_long
        return MalformedLine(source_file, line_no, head, reason=f"too long: {size:,} bytes")
    return MalformedLine(source_file, line_no, line[:_EXCERPT_CHARS], reason=reason or "")


def _too_long_malformed(lines: pl.DataFrame) -> pl.DataFrame:
    """Classified lines with every line too long to read (``inputs.too_long_line``) in the
    ``malformed`` bucket, read by no variant."""
    marked = pl.col("line").str.starts_with(TOO_LONG)
    if not lines.select(marked.any()).item():
        return lines
    return lines.with_columns(
        bucket=pl.when(marked).then(pl.lit("malformed", dtype=BUCKET)).otherwise("bucket"),
        variant=pl.when(marked).then(None).otherwise("variant"),
    )


# By input and stretch start: the first and last line read of a stretch, and the times its
# lines must lie between (``ByteRange.earliest``, ``latest``).
_StretchLines = dict[tuple[str, int], tuple[int, int, datetime | None, datetime | None]]


def _check_stretches(parsed: pl.DataFrame, stretches: _StretchLines) -> None:
    """Raise ``OutOfStretch`` for the first parsed line of a stretch whose time is outside the
    stretch's bounds: the input is not in time order, and may hold lines of the period outside
    the stretches (``seeking``)."""
    ts = pl.col("ts")
    outside = pl.lit(False)
    for (name, _), (first, last, earliest, latest) in stretches.items():
        wrong = pl.lit(False)
        if earliest is not None:
            wrong = wrong | (ts < pl.lit(earliest, dtype=HIT_SCHEMA["ts"]))
        if latest is not None:
            wrong = wrong | (ts > pl.lit(latest, dtype=HIT_SCHEMA["ts"]))
        here = (pl.col("source_file").cast(pl.String) == name) & pl.col("line_no").is_between(
            first, last
        )
        outside = outside | (here & wrong)
    found = parsed.filter(outside.fill_null(False)).sort("line_no").head(1)
    if found.height:
        name, line_no, when = found.select("source_file", "line_no", "ts").row(0)
        raise OutOfStretch(str(name), int(line_no), when)


def add_counts(counts: dict[str, int], values: pl.Series) -> None:
    """Add how often each value of ``values`` occurs (nulls left out) to ``counts``."""
    for value, count in values.drop_nulls().value_counts().iter_rows():
        counts[str(value)] = counts.get(str(value), 0) + int(count)


def read_hits(
    inputs: Inputs,
    fmt: LogFormat,
    hit_filter: HitFilter,
    progress: ProgressCallback | None = None,
    *,
    client_ip: ClientIpMode = "remote",
    dedupe: bool = False,
    segment_columns: bool = False,
    keep_times: bool = False,
    keep_lines: bool = False,
) -> _HitAccumulator:
    """Read every input once, chunk by chunk: bucket counts, counted hits, first malformed lines
    (and with ``keep_lines`` every line's fields and bucket). Timeless lines outside the
    period's lines of their input count as ``out_of_period`` (``_HitAccumulator``). Without
    ``dedupe``, several inputs are sampled for lines they share (``overlap_warnings``)."""
    total = inputs.total_bytes
    done = 0
    result = _HitAccumulator(
        dedupe=dedupe,
        columns=(*_COUNTED_COLUMNS, *(_SEGMENT_COLUMNS if segment_columns else ())),
        keep_times=keep_times,
        keep_lines=keep_lines,
        period=Period(hit_filter.since, hit_filter.until),
        overlap=not dedupe and len(inputs.files) > 1,
        format_string=_format_string(fmt),
    )
    parser = batched(fmt.parser())
    stretches: _StretchLines = {}

    def add(parsed: pl.DataFrame | None) -> None:
        if parsed is None:
            return
        if stretches:
            _check_stretches(parsed, stretches)
        if client_ip == "first-forwarded":
            parsed = parsed.with_columns(first_forwarded_ip())
        result.add(_too_long_malformed(classify_lines(parsed, hit_filter)))

    for chunk in inputs.line_chunks():
        if chunk.stretch is not None and chunk.lines.height:
            part, numbers = chunk.stretch, chunk.lines.get_column("line_no")
            key = (str(chunk.lines.get_column("source_file")[0]), part.start)
            first = stretches[key][0] if key in stretches else int(numbers[0])
            stretches[key] = (first, int(numbers[-1]), part.earliest, part.latest)
        add(parser.read(chunk.lines))
        if parser.held >= _HELD_LINES:
            add(parser.flush())
        done += chunk.size
        if progress is not None:
            progress(done, total)
    if parser.held:
        add(parser.flush())
    result.finish()
    return result


def drop_duplicate_lines(read: _HitAccumulator) -> pl.DataFrame:
    """The counted hits without lines already seen in an earlier input (``--dedupe``).

    A line is a duplicate when the same text appears in an input read before its own; repeats
    within one input are real traffic and stay. The duplicates move from their bucket to
    ``duplicate`` in ``read.counts`` (and in ``read.lines`` when kept).
    """
    keys = pl.concat(read.line_keys).with_columns(
        pl.col("source_file").to_physical().alias("_file")
    )
    first_file = keys.group_by(_LINE_HASH).agg(pl.col("_file").min().alias("_first"))
    duplicates = keys.join(first_file, on=_LINE_HASH).filter(pl.col("_file") > pl.col("_first"))
    # Variants are counted over the lines in the period (see ``_HitAccumulator.add``).
    in_period = duplicates.filter(pl.col("bucket") != "out_of_period")
    removals = ((read.counts, duplicates["bucket"]), (read.variants, in_period["variant"]))
    for counts, removed_lines in removals:
        removed: dict[str, int] = {}
        add_counts(removed, removed_lines)
        for name, count in removed.items():
            counts[name] -= count
    read.counts["duplicate"] = duplicates.height
    read.variants = {name: count for name, count in read.variants.items() if count}
    seen_earlier = duplicates.select(_LINE_HASH, "_file").unique()
    if read.lines:
        read.lines = [_mark_duplicates(pl.concat(read.lines), seen_earlier)]
    if not read.counted:
        return _empty_hits()
    return _without(pl.concat(read.counted), seen_earlier)


def _with_file_rank(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(pl.col("source_file").to_physical().alias("_file"))


def _without(hits: pl.DataFrame, seen_earlier: pl.DataFrame) -> pl.DataFrame:
    """``hits`` without the lines whose (hash, input) is in ``seen_earlier``."""
    kept = _with_file_rank(hits).join(seen_earlier, on=[_LINE_HASH, "_file"], how="anti")
    return kept.drop(_LINE_HASH, "_file")


def _mark_duplicates(lines: pl.DataFrame, seen_earlier: pl.DataFrame) -> pl.DataFrame:
    """Every kept line, those in ``seen_earlier`` moved to the ``duplicate`` bucket."""
    marked = _with_file_rank(lines).join(
        seen_earlier.with_columns(_duplicate=pl.lit(True)),
        on=[_LINE_HASH, "_file"],
        how="left",
        maintain_order="left",
    )
    bucket = pl.when(pl.col("_duplicate")).then(pl.lit("duplicate")).otherwise(pl.col("bucket"))
    return marked.with_columns(bucket=bucket.cast(BUCKET)).drop(_LINE_HASH, "_file", "_duplicate")


def _seek_periods(inputs: Inputs, fmt: LogFormat, periods: Sequence[Period]) -> int:
    """Read only the periods' parts of inputs in time order; return the lines left unread
    (all outside the periods: counted as ``out_of_period``)."""
    skipped = 0
    for file in inputs.files:
        parts = period_parts(file, fmt, periods)
        if parts is not None:
            inputs.ranges[file.name] = parts
            skipped += parts.skipped_lines
    return skipped


def _order_by_time(inputs: Inputs, fmt: LogFormat, sample: Sample) -> None:
    """Read the inputs oldest first: by the earliest time among each one's first lines (inputs
    with no readable time last, in the order given)."""
    if len(inputs.files) < 2 or not sample:
        return
    frame = pl.DataFrame(
        {
            "source_file": [file.name for file, _, _ in sample],
            "line_no": pl.Series([number for _, number, _ in sample], dtype=pl.UInt32),
            "line": [text for _, _, text in sample],
        }
    )
    parsed = fmt.parser()(frame.lazy()).filter(pl.col("parsed")).collect()
    first = dict(parsed.group_by("source_file").agg(pl.col("ts").min()).iter_rows())
    inputs.order_by([first.get(file.name) for file in inputs.files])


def _empty_hits() -> pl.DataFrame:
    return pl.DataFrame(schema=HIT_SCHEMA)


def _read_access_logs(
    inputs: Inputs,
    options: ReadOptions,
    progress: ProgressCallback | None,
    *,
    segment_columns: bool = False,
    keep_lines: bool = False,
) -> InputRead:
    """Parse every line of the access logs into hits, counting each line in its bucket (with
    ``keep_lines``, every line is read and kept with its fields: no seeking)."""
    sample = list(inputs.sample_lines())
    fmt, detection = _choose_format(sample, options.log_format)
    if options.client_ip == "first-forwarded":
        _check_forwarded_for(fmt, sample)
    tz = _report_timezone(options, sample)
    period = parse_period(options.since, options.until, tz=tz, now=options.now)
    earlier = _comparison(options, period, tz)
    both = period.union(earlier) if earlier is not None else period
    _order_by_time(inputs, fmt, sample)
    periods = [period] if earlier is None else [period, earlier]
    seek = not options.dedupe and not keep_lines
    skipped = _seek_periods(inputs, fmt, periods) if seek else 0
    warnings: list[str] = []
    while True:
        try:
            read = read_hits(
                inputs,
                fmt,
                _hit_filter(options, both),
                progress,
                client_ip=options.client_ip,
                dedupe=options.dedupe,
                segment_columns=segment_columns,
                keep_times=earlier is not None,
                keep_lines=keep_lines,
            )
            break
        except OutOfStretch as error:  # not in time order after all: read that file whole
            del inputs.ranges[error.source_file]
            skipped = sum(parts.skipped_lines for parts in inputs.ranges.values())
            warnings.append(str(error))
    if skipped:
        for counts in (read.counts, read.read_counts):
            counts["out_of_period"] = counts.get("out_of_period", 0) + skipped
    if options.dedupe:
        hits = drop_duplicate_lines(read)
    else:
        hits = pl.concat(read.counted) if read.counted else _empty_hits()
        warnings += overlap_warnings(read, [file.name for file in inputs.files])
    summary = InputSummary(
        lines=sum(read.counts.values()),
        files=len(inputs.files),
        format=fmt.name,
        buckets=read.counts,
        period_applied=period.bounded,
        deduplicated=options.dedupe,
        variants=read.variants,
    )
    notes = [*inputs.notes, *_format_notes(fmt, detection, read.variants)]
    warnings += _unmatched_warning(fmt, read.variants, read.unmatched_example)
    result = InputRead(
        hits=hits,
        summary=summary,
        period=period,
        tz=tz,
        malformed=read.malformed,
        notes=notes,
        warnings=warnings,
        nothing_usable=lambda first: (
            f"no line parses as {fmt.name} format{first}; "
            + (
                "name the format with --log-format"
                if options.log_format == AUTO
                else "check --log-format against the log's lines"
            )
        ),
        lines=pl.concat(read.lines) if read.lines else None,
        buckets_read=read.read_counts,
        first_malformed=read.first_malformed,
        unread_fields=_unread_fields(read.variants, read.unread_example),
    )
    if earlier is None:
        return result
    return _split_periods(result, read.times, period, earlier)


def _format_notes(
    fmt: LogFormat, detection: Detection | None, variants: dict[str, int]
) -> list[str]:
    """What was read how: the detected format, the first sample line no format reads, and the
    variants of the format that read the lines when there were several."""
    notes = []
    if detection is not None and not detection.sampled:
        notes.append(f"log format: {fmt.name} (no data line to detect a format by)")
    elif detection is not None:
        notes.append(
            f"log format: {fmt.name} (detected: {detection.parsed} of {detection.sampled} "
            "sample lines parsed)"
        )
        if detection.unread is not None:
            where, text = detection.unread
            notes.append(f"first sample line no format reads: {where}: {text[:_EXCERPT_CHARS]}")
    if len(variants) > 1 or (variants and next(iter(variants)) != fmt.name):
        ranked = sorted(variants.items(), key=lambda item: (-item[1], item[0]))
        shown = ", ".join(f"{name} {count:,}" for name, count in ranked)
        notes.append(f"variants read: {shown}")
    return notes


def _comparison(options: ReadOptions, period: Period, tz: tzinfo) -> Period | None:
    """The ``--compare`` period, if any."""
    if not options.compare:
        return None
    return comparison_period(period, options.compare, tz=tz, now=options.now)


def _split_periods(
    read: InputRead, times: list[pl.DataFrame], period: Period, earlier: Period
) -> InputRead:
    """A read over both periods split into the current one, carrying the earlier as
    ``previous``; ``times`` holds the time and bucket of every line read, chunk by chunk."""
    lines = (
        pl.concat(times)
        if times
        else pl.DataFrame(
            schema={"ts": HIT_SCHEMA["ts"], "bucket": pl.String(), "variant": pl.String()}
        )
    )
    current, previous = (_within(read, lines, p) for p in (period, earlier))
    current.previous = previous
    return current


def _within(read: InputRead, times: pl.DataFrame, period: Period) -> InputRead:
    """``read`` (made over two periods) narrowed to ``period``: its hits, and its line counts
    (lines outside it, the other period's included, are ``out_of_period``).

    For access logs (``times`` has each line's position) a timeless line counts in its bucket
    when it lies between the first and the last line of its input in ``period``, as in a read
    of one period (``_HitAccumulator``); an event export's malformed rows count in both.
    """
    timeless = ("comment", "duplicate", "not_http", "malformed")
    malformed = read.malformed
    if "line_no" in times.columns:
        counts = {b: n for b, n in read.summary.buckets.items() if b == "duplicate"}
        spans = (
            times.filter(period.contains() & _IN_PERIOD)
            .group_by("source_file")
            .agg(pl.col("line_no").min().alias("first"), pl.col("line_no").max().alias("last"))
        )
        extents = {str(name): (int(a), int(b)) for name, a, b in spans.iter_rows()}
        lines = times.filter(pl.col("bucket").is_in(TIMELESS_BUCKETS))
        away = _outside_period_lines(lines, _extents_frame(extents), period)
        kept = lines.join(away.select(*_POSITION), on=list(_POSITION), how="anti")
        add_counts(counts, kept.get_column("bucket"))
        malformed = [m for m in read.malformed if _example_in_period(m, extents, period)]
        timed = times.filter(period.contains() & ~pl.col("bucket").is_in(timeless))
        read_here = pl.concat([timed, kept])
    else:
        counts = {b: n for b, n in read.summary.buckets.items() if b in timeless}
        read_here = times.filter(period.contains() | pl.col("bucket").is_in(timeless))
    inside = times.filter(period.contains() & ~pl.col("bucket").is_in(timeless))
    add_counts(counts, inside.get_column("bucket"))
    counts["out_of_period"] = read.summary.lines - sum(counts.values())
    variants: dict[str, int] | None = None
    if read.summary.variants is not None:  # access logs: which variant read each line
        variants = {}
        add_counts(variants, read_here.get_column("variant"))
    summary = dataclasses.replace(
        read.summary, buckets=counts, period_applied=True, variants=variants
    )
    unread = read.unread_fields
    if unread is not None and variants is not None:
        count = sum(n for name, n in variants.items() if UNREAD_FIELDS in name)
        unread = dataclasses.replace(unread, lines=count) if count else None
    return dataclasses.replace(
        read,
        hits=read.hits.filter(period.contains()),
        summary=summary,
        period=period,
        malformed=malformed,
        unread_fields=unread,
    )


def _read_event_exports(
    inputs: Inputs, source: SourceMapping, options: ReadOptions, progress: ProgressCallback | None
) -> InputRead:
    """Read every input as an event export mapped by ``source`` (README: Event exports)."""
    tz = parse_timezone(options.tz or source.timezone)
    period = parse_period(options.since, options.until, tz=tz, now=options.now)
    earlier = _comparison(options, period, tz)
    both = period.union(earlier) if earlier is not None else period
    read = read_exports(
        inputs,
        source,
        HitFilter(since=both.since, until=both.until),
        progress,
        keep_times=earlier is not None,
    )
    summary = InputSummary(
        lines=sum(read.counts.values()),
        files=len(inputs.files),
        format=summary_format(source, read.formats),
        buckets=read.counts,
        period_applied=period.bounded,
        bucket_names=EXPORT_BUCKETS,
    )
    result = InputRead(
        hits=read.hits,
        summary=summary,
        period=period,
        tz=tz,
        malformed=read.malformed,
        notes=list(inputs.notes),
        warnings=_ignored_options(options),
        nothing_usable=lambda first: (
            f"no row of the export has a valid time and a user or anonymous id{first}; "
            "check the source section of the goals file"
        ),
        unit="row",
    )
    if earlier is None:
        return result
    return _split_periods(result, read.times, period, earlier)


def _ignored_options(options: ReadOptions) -> list[str]:
    """A warning naming the access-log options given with an event export."""
    defaults = ReadOptions(inputs=())
    names = {
        "log_format": "--log-format",
        "client_ip": "--client-ip",
        "include_bots": "--include-bots",
        "include_static": "--include-static",
        "include_errors": "--include-errors",
        "include_redirects": "--include-redirects",
        "bot_patterns": "--bot-pattern",
        "dedupe": "--dedupe",
        "max_line_bytes": "--max-line-bytes",
    }
    given = [
        flag for name, flag in names.items() if getattr(options, name) != getattr(defaults, name)
    ]
    if not given:
        return []
    return [f"{', '.join(given)}: not applicable to event exports (ignored)"]


def input_warnings(read: InputRead, options: ReadOptions) -> list[str]:
    warnings: list[str] = []
    comments = read.summary.buckets.get("comment", 0)
    if read.summary.lines == 0:
        warnings.append(f"the input is empty: no {read.unit}s to report on")
    elif comments == read.summary.lines:
        warnings.append(
            f"the input holds no request: its {comments:,} lines are blank, comment or "
            "directive lines"
        )
    elif read.hits.height == 0 and read.summary.buckets.get("out_of_period", 0):
        warnings.append(
            f"no hits in the period: all {read.summary.lines:,} {read.unit}s are outside it or "
            "not counted, so the report is zeros"
        )
    malformed = read.summary.buckets.get("malformed", 0)
    if malformed and not options.strict:
        plural = read.unit if malformed == 1 else f"{read.unit}s"
        warnings.append(f"{malformed:,} malformed {plural} skipped (counted in the input summary)")
    if read.unread_fields is not None and not options.strict:
        warnings.append(read.unread_fields.warning())
    return warnings


def _check_input(read: InputRead, options: ReadOptions) -> None:
    """Exit 1 when the input holds data but no HTTP request (or ``--strict`` finds a malformed
    line); an input of comments only is empty, not an error."""
    # Whether any line is usable is a question about the lines as read, wherever they lie.
    buckets = read.buckets_read if read.buckets_read is not None else read.summary.buckets
    bad, not_http = buckets.get("malformed", 0), buckets.get("not_http", 0)
    data = read.summary.lines - buckets.get("comment", 0) - buckets.get("duplicate", 0)
    first = read.first_malformed or (read.malformed[0] if read.malformed else None)
    if data and bad + not_http == data:
        if not_http:
            kinds = ", ".join(sorted(read.summary.variants or {})) or "not_http"
            raise InputError(
                f"no HTTP request in the input: {not_http:,} of its {data:,} records are "
                f"{read.summary.format} records that are not HTTP requests ({kinds})"
                + (f" and {bad:,} are malformed" if bad else "")
            )
        why = f", {first.reason}" if first and first.reason else ""
        where = f" (first: {first.location()}{why})" if first else ""
        raise InputError(read.nothing_usable(where))
    bad = read.summary.buckets.get("malformed", 0)  # in the period
    first = read.malformed[0] if read.malformed else None
    if options.strict and bad and first is not None:
        raise InputError(
            f"{first.location()}: malformed {first.unit} ({bad} in all; --strict allows none)"
        )
    unread = read.unread_fields
    if options.strict and unread is not None:
        raise InputError(
            f"{unread.location}: fields left unread at the end of the line ({unread.lines:,} "
            f"lines in all; --strict allows none); {unread.remedy()}"
        )
