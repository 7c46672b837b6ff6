"""Reading: the inputs a user names, as the canonical hit table of the report's period (and of
the compared one), every line or row counted in its bucket.

Access logs are read here, chunk by chunk: the format and the report's time zone are chosen from
the first lines of every input (``format_choice``), the inputs ordered oldest first, and with a
bounded period a large log in time order is read only in the period's stretch (``seeking``). Lines
the chosen variant leaves are retried by its family in batches; a file found out of order is read
again whole. The chosen variant parses the next chunk in a thread of its own while this one is
classified and added (``read_ahead``). The classified lines add up to counts and hits in
``hit_collection`` (where ``--dedupe`` moves repeated lines of later inputs to ``duplicate``).
Event exports are read by ``exports``. Either way the result is an ``InputRead``; with
``--compare`` a read over both periods is split into each. ``input_read`` holds what a read is
given and gives, and what is said of it: its warnings, and the errors of an input with no usable
line or row or, under ``--strict``, a malformed line or fields left unread.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import itertools
from collections.abc import Callable, Collection, Generator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, tzinfo
from typing import BinaryIO

import polars as pl

from micromacro import periods
from micromacro.cached_lines import HELD_LINES_EVERY, LineCache, cache_settings
from micromacro.cpus import usable_cpus
from micromacro.exports import read_exports, summary_format
from micromacro.format_choice import (
    PROXIED_SAMPLE_LINES,
    Sample,
    check_forwarded_for,
    choose_format_for,
    client_address_warning,
    envelope_hint,
    format_notes,
    lines_with_unread_fields,
    named_format_string,
    proxied_clients_warning,
    report_timezone,
    sample_read,
    unmatched_warning,
    unread_inputs,
)
from micromacro.goals import SourceMapping
from micromacro.hit_cache import EntryUnreadable, HitCache
from micromacro.hit_collection import (
    COUNTED_COLUMNS,
    SEGMENT_COLUMNS,
    HitAccumulator,
    add_counts,
    drop_duplicate_lines,
)
from micromacro.hit_partitions import HitSpill, removed_on_error
from micromacro.hit_schema import EXPORT_BUCKETS, HIT_SCHEMA
from micromacro.hits import (
    HitFilter,
    InputSummary,
    KnownAgents,
    MalformedLine,
    Unterminated,
    classify_lines,
    in_period,
    moved_out_of_period,
    unreadable_malformed,
)
from micromacro.input_read import (
    InputRead,
    ReadOptions,
    check_input,
    empty_mappings,
    ignored_options,
)
from micromacro.inputs import Inputs
from micromacro.line_chunks import FileParts, InputFile, LineChunk, unfinished_last_line
from micromacro.logformats import LogFormat
from micromacro.logformats.cut import group_order
from micromacro.logformats.families import (
    FamilyFormat,
    FamilyParser,
    FirstRead,
    WholeParser,
    batched,
)
from micromacro.logformats.fields import first_forwarded_ip
from micromacro.option_values import AUTO, ClientIpMode
from micromacro.overlapping_inputs import CONNECTION, OverlapSample
from micromacro.periods import (
    Period,
    compared_period,
    comparison_period,
    parse_period,
    parse_timezone,
)
from micromacro.read_ahead import read_ahead
from micromacro.seeking import OutOfStretch, period_parts
from micromacro.timeless_lines import (
    IN_PERIOD,
    POSITION,
    TIMELESS_BUCKETS,
    example_in_period,
    extents_frame,
    outside_period_lines,
)
from micromacro.whole_files import WholeFiles

ProgressCallback = Callable[[int, int], None]

# Lines the chosen variant did not read are retried together once this many are held.
_HELD_LINES = 50_000
# Chunks the chosen variant reads at once, where its lines stand alone (``LogFormat.seekable``),
# at most: one a processor the process may use (under ``taskset -c 0`` a second chunk in
# flight gains nothing and holds 60 MB more of a 1M-line report).
_PARSERS = 2


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
    try:
        check_input(read, options)
    except BaseException:
        read.close()
        raise
    return read


def _hit_filter(options: ReadOptions, period: Period) -> HitFilter:
    return HitFilter(
        include_bots=options.include_bots,
        include_static=options.include_static,
        include_errors=options.include_errors,
        include_redirects=options.include_redirects,
        bot_patterns=options.bot_patterns,
        since=period.since,
        until=period.until,
        exclude=options.exclude,
    )


# By input and stretch start: the first and last line read of a stretch, and the times its
# lines must lie between (``ByteRange.earliest``, ``latest``).
_StretchLines = dict[tuple[str, int], tuple[int, int, datetime | None, datetime | None]]


def _check_stretches(parsed: pl.DataFrame, stretches: _StretchLines) -> None:
    """Raise ``OutOfStretch`` for the first parsed line of a stretch whose time is outside the
    stretch's bounds: the input is not in time order, and may hold lines of the period outside
    the stretches (``seeking``)."""
    ts = pl.col("ts")
    checks: list[pl.Expr] = []
    for (name, _), (first, last, earliest, latest) in stretches.items():
        bounds = [
            *([ts < pl.lit(earliest, dtype=HIT_SCHEMA["ts"])] if earliest is not None else []),
            *([ts > pl.lit(latest, dtype=HIT_SCHEMA["ts"])] if latest is not None else []),
        ]
        if not bounds:  # the new lines of a grown file: any time will do
            continue
        here = (pl.col("source_file").cast(pl.String) == name) & pl.col("line_no").is_between(
            first, last
        )
        checks.append(here & pl.any_horizontal(bounds))
    if not checks:
        return
    outside = pl.any_horizontal(checks)
    found = parsed.filter(outside.fill_null(False)).sort("line_no").head(1)
    if found.height:
        name, line_no, when = found.select("source_file", "line_no", "ts").row(0)
        raise OutOfStretch(str(name), int(line_no), when)


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
    cache: LineCache | None = None,
    spill: HitSpill | None = None,
    quoted_period: Period | None = None,
) -> HitAccumulator:
    """Read every input once, chunk by chunk: bucket counts, counted hits, first malformed lines
    (and with ``keep_lines`` every line's fields and bucket). Timeless lines outside the
    period's lines of their input count as ``out_of_period`` (``timeless_lines``). Several
    inputs are sampled for requests they share and, without ``dedupe``, for lines they share
    (``overlapping_inputs``).

    Lines are classified without the period, which is applied after (``hits.in_period``): so
    the ``cache`` can keep the lines of every time, and give back the lines of a cached input
    (in its turn, before any line read after them) as if they had been read. With a ``spill``,
    the counted hits beyond its budget go to disk, and the cache keeps nothing of this run (its
    lines would not fit in memory either). The lines messages quote are those of
    ``quoted_period`` (None: the period of ``hit_filter``; see ``HitAccumulator``)."""
    total = inputs.total_bytes
    done = 0
    order = {file.name: index for index, file in enumerate(inputs.files)}
    result = HitAccumulator(
        dedupe=dedupe,
        columns=(*COUNTED_COLUMNS, *(SEGMENT_COLUMNS if segment_columns else ())),
        keep_times=keep_times,
        keep_lines=keep_lines,
        period=Period(hit_filter.since, hit_filter.until),
        quoted_period=quoted_period,
        overlap=OverlapSample(lines=not dedupe, requests=True) if len(inputs.files) > 1 else None,
        format_string=named_format_string(fmt),
        envelope=fmt.envelope if isinstance(fmt, FamilyFormat) else None,
        spill=spill,
        compressed=frozenset(file.name for file in inputs.files if file.compression),
        order=order,
    )
    parser = batched(fmt.parser())
    stretches: _StretchLines = {}
    unbounded = dataclasses.replace(hit_filter, since=None, until=None)
    known_agents = KnownAgents()
    pending = [file for file in inputs.files if cache is not None and file.name in cache.found]
    if cache is not None:
        cache.start_reading()

    def add(parsed: pl.DataFrame | None) -> None:
        if parsed is None:
            return
        if stretches:
            _check_stretches(parsed, stretches)
        if client_ip == "first-forwarded":
            # The connection's address is kept for the requests the overlap hint compares: a
            # log without X-Forwarded-For logs that one.
            parsed = parsed.with_columns(pl.col("ip").alias(CONNECTION), first_forwarded_ip())
        classified = unreadable_malformed(classify_lines(parsed, unbounded, known_agents))
        if cache is not None:
            cache.add(classified)
        result.add(in_period(classified, hit_filter))
        if cache is not None and result.spilled:
            cache.stop_keeping()

    retries = _HeldLines(parser, add)
    since_retry = 0  # lines read since the held lines were last read

    def add_cached(until: str | None) -> None:
        """The cached lines of the inputs up to ``until`` (all: None), in input order."""
        last = len(order) if until is None else order[until]
        files = list(itertools.takewhile(lambda file: order[file.name] <= last, pending))
        if cache is None or not files:
            return
        del pending[: len(files)]
        retries.finish()  # the lines before them come first, as when they are read
        # Lines outside the period are counted in the entries, their rows not read (a nightly
        # job's month of rotated logs is mostly other days); not where every line's time is
        # kept (``--compare``).
        leave_out = None if keep_times else moved_out_of_period(hit_filter)
        if leave_out is not None:
            result.add_out_of_period(*cache.left_out(files, leave_out))
        for lines in cache.lines_of(
            files, inputs.source_dtype, hit_filter, quoted_period, leave_out=leave_out
        ):
            result.add(in_period(lines, hit_filter))
        for file in files:
            if (line_no := cache.unterminated_line(file.name)) is not None:
                result.add_unterminated(file.name, line_no)

    # The chosen variant reads the next chunk while this one is classified and added; the
    # lines it left are read by the rest of the family in a thread of their own.
    with (
        retries,
        contextlib.closing(
            read_ahead(
                _read_first(
                    parser,
                    inputs.line_chunks(),
                    workers=min(_PARSERS, usable_cpus()) if fmt.seekable else 1,
                ),
                name="micromacro-parse-ahead",
            )
        ) as chunks,
    ):
        for chunk, first in chunks:
            if cache is not None and chunk.lines.height:
                add_cached(str(chunk.lines.get_column("source_file")[0]))
                cache.add_chunk(chunk)
            if chunk.unterminated:  # its input ends in its last line, no line break after it
                result.add_unterminated(*chunk.last_line())
            if chunk.stretch is not None and chunk.lines.height:
                part, numbers = chunk.stretch, chunk.lines.get_column("line_no")
                key = (str(chunk.lines.get_column("source_file")[0]), part.start)
                first_no = stretches[key][0] if key in stretches else int(numbers[0])
                stretches[key] = (first_no, int(numbers[-1]), part.earliest, part.latest)
            add(parser.hold(first))
            since_retry += chunk.lines.height
            # A run writing an entry as it reads has its held lines read at fixed places too,
            # the batch read before added there even when none is held since: each slice of
            # lines is whole (and handed to the entry) a place or two after its lines are read.
            if parser.held >= _HELD_LINES or (
                since_retry >= HELD_LINES_EVERY and cache is not None and cache.streams
            ):
                retries.start()
                since_retry = 0
            done += chunk.size
            if progress is not None:
                progress(done, total)
        retries.finish()
    add_cached(None)
    result.finish()
    return result


class _HeldLines:
    """The lines the chosen variant left (``FamilyParser.take_held``), read by the rest of the
    family in a thread of their own while the run goes on, a batch at a time.

    A batch is added when the next one starts, or at ``finish``: at the same place among the
    chunks whatever the timing, so a run adds its lines in one order every time.
    """

    def __init__(
        self, parser: FamilyParser | WholeParser, add: Callable[[pl.DataFrame | None], None]
    ) -> None:
        self._parser = parser
        self._add = add
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="micromacro-retry")
        self._reading: Future[pl.DataFrame | None] | None = None

    def __enter__(self) -> _HeldLines:
        return self

    def __exit__(self, *_: object) -> None:
        self._pool.shutdown(cancel_futures=True)

    def start(self) -> None:
        """Start reading the lines held now (if any); add the batch read before."""
        self._add_read()
        if held := self._parser.take_held():
            self._reading = self._pool.submit(self._parser.read_held, held)

    def finish(self) -> None:
        """Add every held line, read."""
        self._add_read()
        self._add(self._parser.flush())

    def _add_read(self) -> None:
        if self._reading is not None:
            reading, self._reading = self._reading, None
            self._add(reading.result())


def _read_first(
    parser: FamilyParser | WholeParser, chunks: Generator[LineChunk], *, workers: int = 1
) -> Generator[tuple[LineChunk, FirstRead]]:
    """Each chunk with its lines as the chosen variant reads them (``FamilyParser.read_first``:
    what may run a chunk ahead, in a thread of its own), in order. With ``workers`` > 1 (a
    variant whose lines stand alone), that many chunks are read at once."""
    with contextlib.closing(chunks):
        if workers == 1:
            for chunk in chunks:
                yield chunk, parser.read_first(chunk.lines)
            return
        with ThreadPoolExecutor(workers, thread_name_prefix="micromacro-parse") as pool:
            reading: collections.deque[tuple[LineChunk, Future[FirstRead]]] = collections.deque()
            for chunk in chunks:
                reading.append((chunk, pool.submit(parser.read_first, chunk.lines)))
                if len(reading) == workers:
                    done, first = reading.popleft()
                    yield done, first.result()
            while reading:
                done, first = reading.popleft()
                yield done, first.result()


def _seek_periods(
    inputs: Inputs, fmt: LogFormat, periods: Sequence[Period], cache: LineCache | None
) -> int:
    """Read only the periods' parts of inputs in time order (not those the cache holds, whose
    lines of every time it has, nor kept in it); return the lines left unread (all outside the
    periods: counted as ``out_of_period``)."""
    skipped = 0
    for file in inputs.files:
        if file.name in inputs.ranges:  # its cached part is not read again
            continue
        parts = period_parts(file, fmt, periods)
        if parts is not None and cache is not None:
            cache.not_kept(file.name)
        if parts is not None:
            inputs.ranges[file.name] = parts
            skipped += parts.skipped_lines
    return skipped


def _order_by_time(inputs: Inputs, read: pl.DataFrame) -> None:
    """Read the inputs oldest first: by the earliest time among each one's first lines as
    ``read`` (``sample_read``) holds them (inputs with no readable time last, in the order
    given)."""
    first = dict(read.group_by("source_file").agg(pl.col("ts").min()).iter_rows())
    inputs.order_by([first.get(file.name) for file in inputs.files])


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
    memo = options.cache if not keep_lines else None
    chosen = choose_format_for(inputs, options.log_format, memo)
    fmt, detection, sample = chosen.format, chosen.detection, chosen.sample
    client_notes, client_warnings = [], []
    if options.client_ip == "first-forwarded":
        check_forwarded_for(fmt, sample)
    elif _forwarded_is_client(fmt):
        options = dataclasses.replace(options, client_ip="first-forwarded")
        client_notes.append(
            "the format string has no client address but a forwarded one (X-Forwarded-For, "
            "X-Real-IP, …): its first address is the client (as --client-ip first-forwarded)"
        )
    elif proxied := proxied_clients_warning(fmt, sample, lambda: _first_lines(inputs)):
        client_warnings.append(proxied)
    elif address_warning := client_address_warning(fmt, chosen.read):
        client_warnings.append(address_warning)
    sampled = chosen.read if len(inputs.files) > 1 and sample else None
    if sampled is not None:
        _order_by_time(inputs, sampled)
    tz = report_timezone(options.tz, chosen, [file.name for file in reversed(inputs.files)])
    period, earlier = _periods(options, tz)
    both = period.union(earlier) if earlier is not None else period
    periods = [period] if earlier is None else [period, earlier]
    hit_filter = _hit_filter(options, both)
    cut = _CutLines(inputs, fmt, sample)
    warnings: list[str] = []
    cache = None
    if options.cache is not None and not options.dedupe and not keep_lines:
        cache = _look_up(inputs, fmt, options, options.cache)
        warnings += options.cache.take_warnings()
    seek = not options.dedupe and not keep_lines
    skipped = _seek_periods(inputs, fmt, periods, cache) if seek else 0
    # --dedupe compares every counted line with the earlier inputs': its hits stay in memory.
    budget = options.hit_memory if not options.dedupe and not keep_lines else None
    while True:
        spill = HitSpill(budget) if budget is not None else None
        try:
            with removed_on_error(spill):
                read = read_hits(
                    inputs,
                    fmt,
                    hit_filter,
                    progress,
                    client_ip=options.client_ip,
                    dedupe=options.dedupe,
                    segment_columns=segment_columns,
                    keep_times=earlier is not None,
                    keep_lines=keep_lines,
                    cache=cache,
                    spill=spill,
                    quoted_period=period if earlier is not None else None,
                )
            break
        except OutOfStretch as error:  # not in time order after all: read that file whole
            del inputs.ranges[error.source_file]
            if cache is not None:  # and keep it: the next run reads its entry, not seeks it
                cache.kept_again(error.source_file)
            skipped = sum(parts.skipped_lines for parts in inputs.ranges.values())
            warnings.append(str(error))
        except EntryUnreadable as error:  # its cache entry is damaged: read that file whole
            assert cache is not None  # only a cache raises it
            damaged = next(file for file in inputs.files if file.name == error.file)
            warnings.append(cache.forget(damaged, error))
            inputs.ranges.pop(error.file, None)
    for parts in inputs.ranges.values():  # the ends of a seeked input were not read
        read.add_times(*parts.ends)
    shrunk = {file.name for file in inputs.shrunk}
    warnings += [file.warning() for file in inputs.shrunk]
    if cache is not None:  # a file that lost lines while read is not the file of its entry
        cache.store([file for file in inputs.files if file.name not in shrunk])
    if skipped:
        for counts in (read.counts, read.read_counts):
            counts["out_of_period"] = counts.get("out_of_period", 0) + skipped
    spilled = read.spilled_hits()
    hits = drop_duplicate_lines(read) if options.dedupe else read.counted_hits()
    if read.overlap is not None:
        warnings += read.overlap.warnings([file.name for file in inputs.files])
    malformed, first_malformed = read.malformed, read.first_malformed
    if len(inputs.files) > 1 and read.unterminated:
        malformed, first_malformed = _told_cut(malformed, first_malformed, read.unterminated, cut)
    # Known once read: which inputs end mid-line, the copies a first line may complete.
    unread = (
        unread_inputs(
            fmt,
            sampled,
            chosen.unfinished,
            lambda name: cut.copy_of(name, read.unterminated) is not None,
        )
        if sampled is not None
        else []
    )
    warnings = [*client_warnings, *unread, *warnings]
    summary = InputSummary(
        lines=sum(read.counts.values()),
        files=len(inputs.files),
        format=fmt.name,
        buckets=read.counts,
        period_applied=period.bounded,
        deduplicated=options.dedupe,
        variants=read.variants,
        excluding=bool(options.exclude),
    )
    result = InputRead(
        hits=hits,
        spilled=spilled,
        summary=summary,
        period=period,
        tz=tz,
        malformed=malformed,
        nothing_usable=lambda first, remedy: (
            f"no line parses as {fmt.name} format{first}; {remedy}"
            + (
                "name the format with --log-format"
                if options.log_format == AUTO
                else envelope_hint(fmt, options.log_format, sample)
                or "check --log-format against the log's lines"
            )
        ),
        lines=pl.concat(read.lines) if read.lines else None,
        buckets_read=read.read_counts,
        first_malformed=first_malformed,
        time_range=read.time_range,
    )
    if earlier is not None:
        result = _split_periods(result, read.times, period, earlier)
    # What was read how, and the lines the warnings quote: those of the report's own period.
    variants = result.summary.variants or {}
    notes = [*inputs.notes, *format_notes(fmt, detection, variants), *client_notes]
    if spilled is not None:
        notes.append(spilled.note(dropped=cache is not None and cache.dropped))
    warnings += unmatched_warning(fmt, variants, read.unmatched_example)
    return dataclasses.replace(
        result,
        notes=notes,
        warnings=warnings,
        unread_fields=lines_with_unread_fields(
            fmt,
            variants,
            read.unread_example,
            read.ending_of(*read.unread_example[:2]) if read.unread_example else "",
        ),
    )


class _CutLines:
    """Lines logrotate's ``copytruncate`` cut in two: the copy it made ends in the start of a
    line, with no line break after it, and the log it emptied, read after it, begins with the
    rest. A copy's last line and a later input's first line are such halves when neither reads
    as ``fmt`` on its own and the two joined read as ``fmt`` with no field left unread (a
    variant that reads fields after the usual ones would read a whole line followed by any
    text, or half a quoted field followed by any line with a quote; and half a client address
    followed by a whole line reads as a line too). Only the inputs that end without a line
    break (``ends``) are looked at as copies, each one's end read once."""

    def __init__(self, inputs: Inputs, fmt: LogFormat, sample: Sample) -> None:
        self._files = list(inputs.files)  # in reading order
        self._fmt = fmt
        self._firsts = {file.name: text for file, number, text in sample if number == 1}
        self._ends: dict[str, str | None] = {}

    def copy_of(self, name: str, ends: Collection[str]) -> InputFile | None:
        """The input read before input ``name``, among ``ends``, whose last line the first line
        of ``name`` completes, or None."""
        at = self._place(name)
        rest = self._firsts.get(name)
        if rest is None or self._reads(self._files[at], [rest], whole=False)[0]:
            return None
        copies = [file for file in self._files[:at] if file.name in ends]
        for copy in sorted(copies, key=lambda file: bool(file.compression)):
            start = self._end(copy)
            if start is not None and self._reads(copy, [start + rest])[0]:
                return copy
        return None

    def rest_of(self, copy: str) -> str | None:
        """The input read after input ``copy`` whose first line completes its last line, or
        None."""
        at = self._place(copy)
        start = self._end(self._files[at])
        later = [file.name for file in self._files[at + 1 :] if file.name in self._firsts]
        if start is None or not later:
            return None
        texts = [self._firsts[name] for name in later]
        alone = self._reads(self._files[at], texts, whole=False)
        joined = self._reads(self._files[at], [start + text for text in texts])
        found = zip(later, alone, joined, strict=True)
        return next((name for name, read, whole in found if whole and not read), None)

    def _place(self, name: str) -> int:
        return next(at for at, file in enumerate(self._files) if file.name == name)

    def _end(self, file: InputFile) -> str | None:
        """The unfinished last line of ``file`` when it does not read on its own, else None."""
        if file.name not in self._ends:
            end = unfinished_last_line(file)
            start = end.decode("utf-8", "replace") if end else None
            alone = start is not None and self._reads(file, [start], whole=False)[0]
            self._ends[file.name] = None if alone else start
        return self._ends[file.name]

    def _reads(self, file: InputFile, lines: Sequence[str], *, whole: bool = True) -> list[bool]:
        """Whether each of ``lines`` (of ``file``) reads as the format (with ``whole``, as a
        request with no field left unread: ``sample_read``)."""
        sample = [(file, number, line) for number, line in enumerate(lines, 1)]
        return sample_read(self._fmt, sample).get_column("whole" if whole else "read").to_list()


def _told_cut(
    malformed: Sequence[MalformedLine],
    first: MalformedLine | None,
    ends: Mapping[str, tuple[int, Unterminated]],
    cut: _CutLines,
) -> tuple[list[MalformedLine], MalformedLine | None]:
    """The malformed lines named (and the first of them), those of a line ``copytruncate`` cut
    in two told so (``_CutLines``; ``ends``: the inputs that end without a line break, and the
    number of that last line): an input's first line that completes another input's last line,
    and that last line, whichever of the two is named."""
    rests: dict[str, str] = {}  # the input whose first line is a rest: the copy
    copies: dict[str, str] = {}  # the copy: the input its rest begins
    for line in (*malformed, *([first] if first is not None else [])):
        if line.unit != "line":
            continue
        # An input may be both: the rest of one cut (its first line) and the copy of the next.
        if (
            line.line_no == 1
            and line.source_file not in rests
            and (copy := cut.copy_of(line.source_file, ends)) is not None
        ):
            rests[line.source_file], copies[copy.name] = copy.name, line.source_file
        if (
            line.unterminated
            and line.source_file not in copies
            and line.line_no == ends.get(line.source_file, (0, ""))[0]
            and (rest := cut.rest_of(line.source_file)) is not None
        ):
            rests[rest], copies[line.source_file] = line.source_file, rest

    def telling(line: MalformedLine) -> MalformedLine:
        if line.line_no == 1 and line.source_file in rests:
            copy = rests[line.source_file]
            reason = f"the rest of {copy}:{ends[copy][0]}, cut in two by copytruncate?"
            line = dataclasses.replace(line, reason=reason)
        if line.source_file in copies and line.line_no == ends[line.source_file][0]:
            line = dataclasses.replace(line, rest=f"{copies[line.source_file]}:1")
        return line

    if not copies:
        return list(malformed), first
    return [telling(line) for line in malformed], telling(first) if first is not None else None


def _first_lines(inputs: Inputs) -> list[tuple[InputFile, int, str]]:
    """The first ``PROXIED_SAMPLE_LINES`` lines of the inputs, in input order."""
    lines = inputs.sample_lines(PROXIED_SAMPLE_LINES)
    return list(itertools.islice(lines, PROXIED_SAMPLE_LINES))


def _forwarded_is_client(fmt: LogFormat) -> bool:
    """Whether ``fmt`` is a format string that logs a forwarded address and no client address
    (``%{X-Forwarded-For}i`` or ``$http_x_real_ip`` where ``%h`` goes, behind a proxy): the
    header names the client."""
    string = named_format_string(fmt)
    fields = set(group_order(string.regex)) if string is not None else set()
    return bool(fields & {"forwarded_for", "client_address"}) and "ip" not in fields


def _look_up(
    inputs: Inputs, fmt: LogFormat, options: ReadOptions, hit_cache: HitCache
) -> LineCache:
    """The cache entries of the inputs: a cached input is read from its entry (and a grown
    one's new lines from the file)."""
    settings = cache_settings(
        fmt,
        _hit_filter(options, Period()),
        client_ip=options.client_ip,
        max_line_bytes=options.max_line_bytes,
    )
    cache = LineCache(hit_cache, settings, fmt, options.max_line_bytes)
    for file in inputs.files:
        part = cache.look_up(file, seekable=fmt.seekable)
        if part is not None:
            inputs.ranges[file.name] = (
                part.tail(max(file.size, part.size)) if not part.whole else FileParts((), 0)
            )
    return cache


def _periods(options: ReadOptions, tz: tzinfo) -> tuple[Period, Period | None]:
    """The report's period and the ``--compare`` period, if any, both counted from one
    reading of the clock (so that ``previous`` of ``--since 7d`` is exactly as long)."""
    now = options.now or periods.clock()
    period = parse_period(options.since, options.until, tz=tz, now=now)
    if not options.compare:
        return period, None
    earlier = comparison_period(period, options.compare, tz=tz, now=now)
    return compared_period(period, options.compare, now=now), earlier


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
    of one period (``timeless_lines``); an event export's malformed rows count in both, and its
    duplicate rows (``--dedupe``) in the period of their time.
    """
    timeless: tuple[str, ...] = TIMELESS_BUCKETS
    malformed = read.malformed
    bucket = pl.col("bucket")
    if "line_no" in times.columns:
        counts: dict[str, int] = {}
        spans = (
            times.filter(period.contains() & IN_PERIOD)
            .group_by("source_file")
            .agg(pl.col("line_no").min().alias("first"), pl.col("line_no").max().alias("last"))
        )
        extents = {str(name): (int(a), int(b)) for name, a, b in spans.iter_rows()}
        # A duplicate (--dedupe) counts where the line it repeats would: by its time, else
        # by its place, as a timeless line.
        untimed_copy = (bucket == "duplicate") & pl.col("ts").is_null()
        lines = times.filter(bucket.is_in(TIMELESS_BUCKETS) | untimed_copy)
        away = outside_period_lines(lines, extents_frame(extents), period)
        kept = lines.join(away.select(*POSITION), on=list(POSITION), how="anti")
        add_counts(counts, kept.get_column("bucket"))
        malformed = [m for m in read.malformed if example_in_period(m, extents, period)]
        by_variant = ~bucket.is_in([*timeless, "duplicate"])  # as the variants count lines
        timed = times.filter(period.contains() & by_variant)
        read_here = pl.concat([timed, kept.filter(bucket != "duplicate")])
    else:  # an event export: every row but a malformed one has its time (a duplicate too)
        timeless = ("malformed",)
        counts = {b: n for b, n in read.summary.buckets.items() if b in timeless}
        read_here = times.filter(period.contains() | bucket.is_in(timeless))
    inside = times.filter(period.contains() & ~bucket.is_in(timeless))
    add_counts(counts, inside.get_column("bucket"))
    counts["out_of_period"] = read.summary.lines - sum(counts.values())
    variants: dict[str, int] | None = None
    if read.summary.variants is not None:  # access logs: which variant read each line
        variants = {}
        add_counts(variants, read_here.get_column("variant"))
    summary = dataclasses.replace(
        read.summary, buckets=counts, period_applied=True, variants=variants
    )
    return dataclasses.replace(
        read,
        hits=read.hits.filter(period.contains()),
        spilled=read.spilled.filter(period.contains()) if read.spilled is not None else None,
        summary=summary,
        period=period,
        malformed=malformed,
    )


def _read_event_exports(
    inputs: Inputs, source: SourceMapping, options: ReadOptions, progress: ProgressCallback | None
) -> InputRead:
    """Read every input as an event export mapped by ``source`` (README: Event exports)."""
    tz = parse_timezone(options.tz or source.timezone)
    period, earlier = _periods(options, tz)
    both = period.union(earlier) if earlier is not None else period
    cache = None
    if options.cache is not None:
        mapping = repr(dataclasses.replace(source, line=None))  # not where the goals file says it
        cache = WholeFiles(options.cache, {"kind": "event export", "source": mapping})
    read = read_exports(
        inputs,
        source,
        HitFilter(since=both.since, until=both.until, exclude=options.exclude),
        progress,
        keep_times=earlier is not None,
        cache=cache,
        dedupe=options.dedupe,
        order_periods=(period, earlier) if earlier is not None else (),
    )
    summary = InputSummary(
        lines=sum(read.counts.values()),
        files=len(inputs.files),
        format=summary_format(source, read.formats),
        buckets=read.counts,
        period_applied=period.bounded,
        deduplicated=options.dedupe,
        bucket_names=EXPORT_BUCKETS,
        excluding=bool(options.exclude.paths),
    )
    result = InputRead(
        hits=read.hits,
        summary=summary,
        period=period,
        tz=tz,
        malformed=read.malformed,
        notes=list(inputs.notes),
        warnings=[
            *ignored_options(options),
            *(cache.cache.take_warnings() if cache else ()),
            *([read.epoch_hint] if read.epoch_hint else []),
            *read.overlap_warnings,
            *empty_mappings(source, read.hits),
        ],
        nothing_usable=lambda first, _: (
            f"no row of the export has a valid time and a user or anonymous id{first}; "
            + (read.epoch_hint or "check the source section of the goals file")
        ),
        unit="row",
    )
    if earlier is None:
        return result
    return _split_periods(result, read.times, period, earlier)
