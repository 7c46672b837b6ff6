"""Collecting the hits of a run's access logs: what its chunks of classified lines add up to
(``HitAccumulator``), chunk by chunk.

Each line counts in its bucket; the variants that read the lines of the period are counted;
the counted hits keep only the columns later stages read, each chunk's strings copied out of
it so the chunk can go; the first malformed lines are kept to be named, with why each is
malformed (and whether its input ends in it, with no line break after it); and the first line
a format string did not match and the first line with fields left unread are kept for the
warnings that quote them (``format_choice``). With ``keep_lines``, every line is kept with its
fields and bucket (``micromacro hits``).

With a bounded period, lines without a time count in the period by their position
(``timeless_lines``); with several inputs, a sample of the counted lines' requests is kept
for the overlap hints (``overlapping_inputs``), and without ``--dedupe`` one of the lines
themselves too. With ``--dedupe`` each line's hash is
kept, and ``drop_duplicate_lines`` moves a line already read in an earlier input to the
``duplicate`` bucket and drops its hit.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

import polars as pl

from micromacro.format_choice import EXCERPT_CHARS, UNREAD_FIELDS
from micromacro.hit_partitions import HitSpill, SpilledHits
from micromacro.hit_schema import (
    BUCKET,
    COUNTED_BUCKETS,
    ENCODED_COLUMNS,
    HIT_SCHEMA,
    compact_strings,
    held_bytes,
)
from micromacro.hits import TOO_LONG_REASON, MalformedLine, Unterminated, hits_of
from micromacro.line_chunks import NUL_PADDING, too_long_line
from micromacro.logformats import looks_utf16
from micromacro.logformats.envelopes import Envelope
from micromacro.logformats.formatstrings import FormatString
from micromacro.overlapping_inputs import OverlapSample
from micromacro.periods import Period
from micromacro.timeless_lines import (
    IN_PERIOD,
    POSITION,
    TIMELESS_BUCKETS,
    example_in_period,
    extents_frame,
    mark_moved,
    outside_period_lines,
)

MALFORMED_EXAMPLES = 5
# A column a parser may add: why a line it could not read is malformed (null: no reason known).
MALFORMED_REASON = "malformed_reason"

# The hit columns later stages read; the others are dropped chunk by chunk.
COUNTED_COLUMNS = (
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
SEGMENT_COLUMNS = ("host", "referrer", "user_agent")


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


@dataclass
class HitAccumulator:
    """What the chunks of a run add up to; with ``dedupe``, also each line's hash and file.

    With a bounded ``period``, a line of a timeless bucket (``TIMELESS_BUCKETS``) is counted in
    its bucket only where it lies between the first and the last line of its input with a time
    in the period (an open end reaching the input's start or end), and as ``out_of_period``
    elsewhere (``finish``): so reading the period's stretch of an input (``seeking``) and
    reading it whole count the same lines in the same buckets (``timeless_lines``).

    The lines the messages quote (the first malformed lines, the first with fields left unread,
    the first a format string did not read) are those of ``quoted_period``: with ``--compare``
    the report's own period, ``period`` being its union with the earlier one, so that the lines
    between the two periods do not stand in for those of the report's.
    """

    dedupe: bool = False
    columns: tuple[str, ...] = COUNTED_COLUMNS
    keep_times: bool = False
    keep_lines: bool = False
    period: Period = field(default_factory=Period)
    # The period whose lines the messages quote (None: ``period``).
    quoted_period: Period | None = None
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
    # Where ``quoted_period`` differs from ``period``: the same of the quoted period's lines.
    quoted_extents: dict[str, tuple[int, int]] = field(default_factory=dict)
    # The buckets as read, before ``finish`` moved timeless lines out of the period, and the
    # first malformed line read.
    read_counts: dict[str, int] = field(default_factory=dict)
    first_malformed: MalformedLine | None = None
    # By input: the number of its last line where no line break follows it, and whether more
    # may be written to the input (what ``finish`` tells the malformed lines named); the inputs
    # read through a compression (written no more).
    unterminated: dict[str, tuple[int, Unterminated]] = field(default_factory=dict)
    compressed: frozenset[str] = frozenset()
    # Each input's place in reading order: the malformed lines named are the first of each.
    order: Mapping[str, int] = field(default_factory=dict)
    # With several inputs: a sample of the counted lines (without ``dedupe``) and of their
    # requests, for the overlap hints (``overlapping_inputs``).
    overlap: OverlapSample | None = None
    # The first line of the period read with trailing fields left unread (a ``+fields``
    # variant): its input, number and text.
    unread_example: tuple[str, int, str] | None = None
    # With a format string (``--log-format``): its variant name, why a line does not match it
    # (the malformed lines' reason), and the first line of the period read by another variant.
    format_string: FormatString | None = None
    unmatched_example: tuple[str, int, str] | None = None
    # What the lines are wrapped in (``syslog:…``), if anything: a format string is matched
    # against the line inside it.
    envelope: Envelope | None = None
    # The earliest and the latest time of the lines read, in the period or not.
    earliest: datetime | None = None
    latest: datetime | None = None
    # Where the counted hits go once they are more than its budget (``hit_partitions``), and
    # the bytes of those held in memory.
    spill: HitSpill | None = None
    held: int = 0

    def add(self, lines: pl.DataFrame) -> None:
        """Add a chunk of classified lines."""
        add_counts(self.counts, lines.get_column("bucket"))
        self._add_time_range(lines)
        # The variants of the lines in the period: the examples below are of those lines.
        read_here: dict[str, int] = {}
        in_period = lines.get_column("bucket") != "out_of_period"
        add_counts(read_here, lines.get_column("variant").filter(in_period))
        for name, count in read_here.items():
            self.variants[name] = self.variants.get(name, 0) + count
        if self.keep_times:
            # Categorical: one variant name per line would otherwise be 16 bytes a line.
            variant = pl.col("variant").cast(pl.Categorical)
            self.times.append(lines.select("ts", "bucket", variant, *POSITION))
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
        is_counted = pl.col("bucket").is_in(COUNTED_BUCKETS)
        # One query makes, of the counted lines, just the hit columns kept.
        counted = lines.lazy().filter(is_counted)
        hits = hits_of(counted)
        if self.dedupe:
            hits = pl.concat([hits, counted.select(_LINE_HASH)], how="horizontal")
        self.counted.append(compact_strings(hits.select(columns), ENCODED_COLUMNS).collect())
        if self.spill is not None:
            self.held += held_bytes(self.counted[-1])
            if self.spill.over_budget(self.held):
                self._spill()
        if self.overlap is not None:
            self.overlap.add(lines.filter(is_counted))
        self._add_malformed_examples(lines)
        string = self.format_string
        if (
            string is not None
            and self.unmatched_example is None
            and any(name != string.name for name in read_here)
        ):
            other = lines.filter((pl.col("variant") != string.name) & self._quotable())
            if other.height:
                name, number, text = other.select("source_file", "line_no", "line").row(0)
                self.unmatched_example = (str(name), int(number), str(text))
        if self.unread_example is None and any(UNREAD_FIELDS in name for name in read_here):
            unread = lines.filter(
                pl.col("variant").str.contains(UNREAD_FIELDS, literal=True) & self._quotable()
            )
            if unread.height:
                name, number, text = unread.select("source_file", "line_no", "line").row(0)
                self.unread_example = (str(name), int(number), str(text))

    def _quotable(self) -> pl.Expr:
        """Whether a line may be in the quoted period: not out of the period read, and a line
        of a timeless bucket or one whose time is in the quoted period."""
        read = pl.col("bucket") != "out_of_period"
        if self.quoted_period is None:
            return read
        timeless = pl.col("bucket").is_in(TIMELESS_BUCKETS)
        return read & (timeless | self.quoted_period.contains().fill_null(False))

    def _quoted(self) -> tuple[Period, dict[str, tuple[int, int]]]:
        """The quoted period and, by input, the first and last line with a time in it."""
        if self.quoted_period is None:
            return self.period, self.extents
        return self.quoted_period, self.quoted_extents

    def counted_hits(self) -> pl.DataFrame:
        """The counted hits of every chunk added and held in memory, in reading order
        (``ENCODED_COLUMNS`` categorical)."""
        return pl.concat(self.counted) if self.counted else empty_hits()

    @property
    def spilled(self) -> bool:
        """Whether counted hits went to disk."""
        return self.spill is not None and self.spill.spilled

    def spilled_hits(self) -> SpilledHits | None:
        """Once some hits went to disk, all of them (the rest are written too); else None."""
        if self.spill is None or not self.spill.spilled:
            return None
        if self.counted:
            self._spill()
        return SpilledHits(self.spill)

    def _spill(self) -> None:
        assert self.spill is not None
        self.spill.write(self.counted)
        self.counted.clear()
        self.held = 0

    def add_out_of_period(
        self, lines: int, earliest: datetime | None, latest: datetime | None
    ) -> None:
        """Count ``lines`` lines read outside the period (their earliest and latest times), not
        added as a chunk: of such lines a run keeps nothing but their number and times (without
        ``keep_times``)."""
        assert not self.keep_times  # their times would be kept one by one
        if lines:
            self.counts["out_of_period"] = self.counts.get("out_of_period", 0) + lines
            self.add_times(earliest, latest)

    def add_unterminated(self, source_file: str, line_no: int) -> None:
        """Note that ``source_file`` ends in its line ``line_no``, with no line break after it."""
        ending: Unterminated = "closed" if source_file in self.compressed else "live"
        self.unterminated[source_file] = (line_no, ending)

    def ending_of(self, source_file: str, line_no: int) -> Unterminated:
        """Whether ``source_file`` ends in its line ``line_no`` with no line break after it, and
        whether it may still be written to ("live") or not ("closed"); "" for another line."""
        last, ending = self.unterminated.get(source_file, (0, ""))
        return ending if line_no == last else ""

    def _ended(self, line: MalformedLine) -> MalformedLine:
        """``line``, told whether its input ends in it with no line break after it (the
        padding a crash leaves is written no more)."""
        ending = self.ending_of(line.source_file, line.line_no)
        if not ending:
            return line
        crashed = line.excerpt.startswith(NUL_PADDING)
        return dataclasses.replace(line, unterminated="closed" if crashed else ending)

    def _add_time_range(self, lines: pl.DataFrame) -> None:
        ts = pl.col("ts")
        earliest, latest = lines.select(ts.min().alias("min"), ts.max().alias("max")).row(0)
        self.add_times(earliest, latest)

    def add_times(self, earliest: datetime | None, latest: datetime | None) -> None:
        """Record times of lines (None: none), such as those of a seeked input's ends."""
        if earliest is not None and (self.earliest is None or earliest < self.earliest):
            self.earliest = earliest
        if latest is not None and (self.latest is None or latest > self.latest):
            self.latest = latest

    @property
    def time_range(self) -> tuple[datetime, datetime] | None:
        """From the earliest time of the lines read to the latest (of a seeked input, those of
        its first and last lines: it is in time order)."""
        if self.earliest is None or self.latest is None:
            return None
        return self.earliest, self.latest

    def _malformed_line(
        self, source_file: str, line_no: int, line: str, reason: str | None
    ) -> MalformedLine:
        """A malformed line to name; under a format string, where it stops matching."""
        if reason is None and self.format_string is not None and too_long_line(line) is None:
            inner = line if self.envelope is None else self.envelope.unwrap(line)
            reason = self.format_string.mismatch(inner)
        return _malformed_line(source_file, line_no, line, reason)

    def _add_positions(self, lines: pl.DataFrame) -> None:
        """Keep the chunk's timeless lines and widen each input's extent of period lines."""
        timeless = lines.filter(pl.col("bucket").is_in(TIMELESS_BUCKETS))
        if timeless.height:
            self.timeless.append(timeless.select(*POSITION, "bucket", "variant"))
        _widen(self.extents, lines.filter(IN_PERIOD))
        if self.quoted_period is not None:
            _widen(self.quoted_extents, lines.filter(IN_PERIOD & self.quoted_period.contains()))

    def _add_malformed_examples(self, lines: pl.DataFrame) -> None:
        """Keep the first malformed lines of each input that can be in the period: the first
        by line number, inputs in reading order (``order``), however the lines came back (the
        lines the chosen variant left come back after later ones), as reading an input from
        the hit cache, in line order, names them.

        Held lines come back in file order after every line before them was added, so a line
        after its input's first period line is known to be after it; whether it is before the
        last one is known only at the end (``finish``), so a few are kept per input.
        """
        needed = ["source_file", "line_no", "line", "bucket"]
        needed += [MALFORMED_REASON] if MALFORMED_REASON in lines.columns else []
        bad = lines.select(needed).filter(pl.col("bucket") == "malformed")
        # A chunk's lines (or a batch of held lines) are in line order, inputs in order: its
        # first malformed line is its first by place.
        if bad.height:
            name, number, text = bad.select("source_file", "line_no", "line").row(0)
            known = self.first_malformed
            if known is None or self._place(str(name), int(number)) < self._place(
                known.source_file, known.line_no
            ):
                reason = (
                    bad.get_column(MALFORMED_REASON)[0] if MALFORMED_REASON in bad.columns else None
                )
                self.first_malformed = self._malformed_line(
                    str(name), int(number), str(text), reason
                )
        period, extents = self._quoted()
        if period.since is not None and bad.height:
            first = (
                pl.col("source_file")
                .cast(pl.String)
                .replace_strict(
                    {name: extent[0] for name, extent in extents.items()},
                    default=None,
                    return_dtype=pl.UInt32,
                )
            )
            bad = bad.filter(pl.col("line_no") > first)
        if not bad.height:
            return
        bad = bad.group_by("source_file", maintain_order=True).head(MALFORMED_EXAMPLES)
        reasons = (
            bad.get_column(MALFORMED_REASON).to_list()
            if MALFORMED_REASON in bad.columns
            else [None] * bad.height
        )
        rows = bad.select("source_file", "line_no", "line").iter_rows()
        for (name, number, text), reason in zip(rows, reasons, strict=True):
            self.malformed.append(self._malformed_line(str(name), int(number), str(text), reason))
        # The first few of each input, in order.
        self.malformed.sort(key=lambda line: self._place(line.source_file, line.line_no))
        taken: dict[str, int] = {}
        firsts = []
        for example in self.malformed:
            if taken.get(example.source_file, 0) < MALFORMED_EXAMPLES:
                firsts.append(example)
                taken[example.source_file] = taken.get(example.source_file, 0) + 1
        self.malformed = firsts

    def _place(self, source_file: str, line_no: int) -> tuple[int, int]:
        """Where a line is in the reading of the inputs: its input's place, then its number."""
        return self.order.get(source_file, len(self.order)), line_no

    def finish(self) -> None:
        """Move the timeless lines outside their input's period lines to ``out_of_period``
        (see the class), in the counts, variants, kept lines and dedupe keys alike; tell the
        malformed lines named whether their input ends in them (``add_unterminated``)."""
        self.read_counts = dict(self.counts)
        if self.period.bounded:
            outside = (
                outside_period_lines(
                    pl.concat(self.timeless), extents_frame(self.extents), self.period
                )
                if self.timeless
                else None
            )
            if outside is not None and outside.height:
                self._move_out(outside)
            quoted, extents = self._quoted()
            self.malformed = [m for m in self.malformed if example_in_period(m, extents, quoted)]
        shown: list[MalformedLine] = []
        for example in self.malformed:  # in reading order, the first few of each input
            if len(shown) < MALFORMED_EXAMPLES:
                shown.append(self._ended(example))
        self.malformed = shown
        if self.first_malformed is not None:
            self.first_malformed = self._ended(self.first_malformed)

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
        keys = outside.select(*POSITION).with_columns(_moved=pl.lit(True))
        self.lines = [mark_moved(frame, keys) for frame in self.lines]
        self.line_keys = [mark_moved(frame, keys) for frame in self.line_keys]


def _malformed_line(source_file: str, line_no: int, line: str, reason: str | None) -> MalformedLine:
    """A malformed line to name; a line too long to read is named by its size and start, one
    of UTF-16 text as that, one starting with NUL bytes as the padding it starts with."""
    too_long = too_long_line(line)
    if too_long is not None:
        size, head = too_long
        return MalformedLine(
            source_file, line_no, head, reason=f"{TOO_LONG_REASON}: {size:,} bytes"
        )
    if looks_utf16(line[:EXCERPT_CHARS]):
        reason = "UTF-16 text, a NUL byte beside every character: convert the file to UTF-8"
        return MalformedLine(source_file, line_no, line[:EXCERPT_CHARS], reason=reason)
    if line.startswith(NUL_PADDING):
        padding = len(line) - len(line.lstrip(NUL_PADDING))
        reason = f"starts with {padding:,} NUL bytes, the padding a crash leaves in a log"
        return MalformedLine(source_file, line_no, line[:EXCERPT_CHARS], reason=reason)
    return MalformedLine(source_file, line_no, line[:EXCERPT_CHARS], reason=reason or "")


def _widen(extents: dict[str, tuple[int, int]], lines: pl.DataFrame) -> None:
    """Widen each input's first and last line number in ``extents`` to take in ``lines``."""
    spans = lines.group_by("source_file").agg(
        pl.col("line_no").min().alias("first"), pl.col("line_no").max().alias("last")
    )
    for name, first, last in spans.iter_rows():
        known = extents.get(str(name))
        if known is not None:
            first, last = min(first, known[0]), max(last, known[1])
        extents[str(name)] = (int(first), int(last))


def add_counts(counts: dict[str, int], values: pl.Series) -> None:
    """Add how often each value of ``values`` occurs (nulls left out) to ``counts``.

    Text is counted by runs of equal values (a log's variant names repeat line after line:
    comparing neighbours costs less than hashing every line's text), other types by value."""
    present = values.drop_nulls()
    if present.dtype == pl.String:
        runs = present.rle().struct.unnest()
        counted = runs.group_by("value").agg(pl.col("len").sum()).iter_rows()
    else:
        counted = present.value_counts().iter_rows()
    for value, count in counted:
        counts[str(value)] = counts.get(str(value), 0) + int(count)


def drop_duplicate_lines(read: HitAccumulator) -> pl.DataFrame:
    """The counted hits without lines already seen in an earlier input (``--dedupe``;
    ``ENCODED_COLUMNS`` categorical).

    A line is a duplicate when the same text appears in an input read before its own; repeats
    within one input are real traffic and stay. A comment line (a blank line, a W3C header)
    stays a comment, and a line outside the period ``out_of_period``: their rules come first.
    The duplicates move from their bucket to ``duplicate`` in ``read.counts`` (and in
    ``read.lines`` when kept, and out of the requests ``read.overlap`` compares), and a
    malformed one is no longer among the malformed lines named.
    """
    keys = (
        pl.concat(read.line_keys)
        .filter(pl.col("bucket") != "comment")
        .with_columns(pl.col("source_file").to_physical().alias("_file"))
    )
    first_file = keys.group_by(_LINE_HASH).agg(pl.col("_file").min().alias("_first"))
    # A copy outside the period stays out of it, as it counts in a read of two periods
    # (``--compare``): a duplicate is counted in the period of its line.
    duplicates = keys.join(first_file, on=_LINE_HASH).filter(
        (pl.col("_file") > pl.col("_first")) & (pl.col("bucket") != "out_of_period")
    )
    # Variants are counted over the lines in the period (see ``HitAccumulator.add``).
    removals = ((read.counts, duplicates["bucket"]), (read.variants, duplicates["variant"]))
    for counts, removed_lines in removals:
        removed: dict[str, int] = {}
        add_counts(removed, removed_lines)
        for name, count in removed.items():
            counts[name] -= count
    read.counts["duplicate"] = duplicates.height
    read.variants = {name: count for name, count in read.variants.items() if count}
    read.malformed = _not_copies(read.malformed, duplicates)
    seen_earlier = duplicates.select(_LINE_HASH, "_file").unique()
    copies = duplicates.select(*POSITION)
    if read.times:  # --compare splits the counts by the lines' times: the copies too
        read.times = [_copies_marked(pl.concat(read.times), copies)]
    if read.lines:
        read.lines = [_copies_marked(pl.concat(read.lines), copies).drop(_LINE_HASH)]
    hits = _without(pl.concat(read.counted), seen_earlier) if read.counted else empty_hits()
    if read.overlap is not None:  # the copies are counted no more: nor are their requests
        read.overlap.drop_copies(copies, hits)
    return hits


def _not_copies(named: list[MalformedLine], copies: pl.DataFrame) -> list[MalformedLine]:
    """The malformed lines ``named`` (a few per input) that are not among ``copies`` (every
    duplicate line's input and number)."""
    if not named:
        return named
    places = pl.DataFrame(
        {
            "source_file": [line.source_file for line in named],
            "line_no": pl.Series([line.line_no for line in named], dtype=pl.Int64),
        }
    ).with_row_index("_named")
    copied = copies.select(pl.col("source_file").cast(pl.String), pl.col("line_no").cast(pl.Int64))
    kept = places.join(copied, on=["source_file", "line_no"], how="anti").get_column("_named")
    return [named[index] for index in kept.sort().to_list()]


def _with_file_rank(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(pl.col("source_file").to_physical().alias("_file"))


def _without(hits: pl.DataFrame, seen_earlier: pl.DataFrame) -> pl.DataFrame:
    """``hits`` without the lines whose (hash, input) is in ``seen_earlier``."""
    kept = _with_file_rank(hits).join(seen_earlier, on=[_LINE_HASH, "_file"], how="anti")
    return kept.drop(_LINE_HASH, "_file")


def _copies_marked(lines: pl.DataFrame, copies: pl.DataFrame) -> pl.DataFrame:
    """``lines`` (each with its bucket and place) with those at ``copies``' places in the
    ``duplicate`` bucket."""
    marked = lines.join(
        copies.with_columns(_duplicate=pl.lit(True)), on=list(POSITION), how="left",
        maintain_order="left",
    )  # fmt: skip
    bucket = pl.when(pl.col("_duplicate")).then(pl.lit("duplicate")).otherwise(pl.col("bucket"))
    return marked.with_columns(bucket.cast(BUCKET).alias("bucket")).drop("_duplicate")


def empty_hits() -> pl.DataFrame:
    """No hits: the hit table's columns without a row."""
    return pl.DataFrame(schema=HIT_SCHEMA)
