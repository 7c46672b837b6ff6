"""What a read of the inputs is given and gives, and what is said of it: the options that say
what to read and how to count it (``ReadOptions``), the read itself (``InputRead``), whatever
the kind of input; the warnings of an empty input, a period without hits and lines skipped
(``input_warnings``), and the errors of an input with no usable line or row, or under
``--strict`` a malformed line or fields left unread (``check_input``). ``reading`` reads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Literal

import polars as pl

from micromacro.errors import InputError
from micromacro.format_choice import UnreadFields
from micromacro.goals import Exclusions, SourceMapping
from micromacro.hit_cache import HitCache
from micromacro.hit_partitions import SpilledHits
from micromacro.hits import InputSummary, MalformedLine
from micromacro.option_values import (
    AUTO,
    DEFAULT_MAX_LINE_BYTES,
    MAX_LINE_BYTES_LIMIT,
    ClientIpMode,
)
from micromacro.periods import Period, local_minute, zone_name


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
    # The site's own hits: the goals file's ``exclude:`` and ``--exclude-ip``.
    exclude: Exclusions = field(default_factory=Exclusions)
    since: str | None = None
    until: str | None = None
    tz: str | None = None
    compare: str | None = None
    strict: bool = False
    dedupe: bool = False
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES
    now: datetime | None = None
    # The hit cache (``--cache``); None: read every input (``--no-cache``).
    cache: HitCache | None = None
    # ``--hit-memory``: counted hits beyond this many bytes are spilled to disk and reported a
    # partition of visitors at a time (``hit_partitions``); None: all are held in memory.
    hit_memory: int | None = None
    # Whether ``--hit-memory`` was given (an event export's rows are held whole: it says so).
    hit_memory_given: bool = False


@dataclass
class InputRead:
    """What the first step of the pipeline gives, whatever the kind of input."""

    hits: pl.DataFrame
    summary: InputSummary
    period: Period
    malformed: list[MalformedLine]
    # The ``InputError`` message when no line or row could be used, given where the first is
    # and a remedy to name before the format's ("" for none).
    nothing_usable: Callable[[str, str], str]
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
    # Access logs: the times of the first and last line read, in the period or not.
    time_range: tuple[datetime, datetime] | None = None
    # Access logs with more counted hits than ``--hit-memory``: the hits, on disk (``hits`` is
    # then empty).
    spilled: SpilledHits | None = None

    def all_hits(self) -> pl.DataFrame | pl.LazyFrame:
        """The counted hits, in memory or as a scan of the spill files."""
        return self.spilled.scan() if self.spilled is not None else self.hits

    def hit_partitions(self) -> Iterator[pl.DataFrame]:
        """The counted hits, a partition of visitors at a time (one partition: all of them,
        unless they were spilled)."""
        if self.spilled is None:
            yield self.hits
        else:
            yield from self.spilled.partitions()

    def hit_count(self) -> int:
        """How many hits were counted."""
        return self.spilled.height() if self.spilled is not None else self.hits.height

    def close(self) -> None:
        """Remove the spill files, if any (the read's hits are gone)."""
        if self.spilled is not None:
            self.spilled.spill.close()


# The fields an export's every row has, and the hit column each fills: a source key of the
# user's that leaves one empty on every row names what the file does not hold (a misspelt
# key of a list such as GA4's event_params is no missing column, and no error).
_ALWAYS_THERE = {"url": "path", "path": "path", "event_name": "event_name"}


def empty_mappings(source: SourceMapping, hits: pl.DataFrame) -> list[str]:
    """A warning for each field of ``_ALWAYS_THERE`` the source maps itself and no hit holds,
    and for the preset's page URL where no pageview holds one (a file without the preset's
    own columns: GA4's export flattened by a query, its columns named its own way)."""
    if hits.height == 0:
        return []
    warnings = [
        f"source: {field}: {getattr(source, field)} is empty on every row read: check its "
        "name (a key of a list that no row holds, such as a misspelt event_params key, is no "
        "error)"
        for field, column in _ALWAYS_THERE.items()
        if getattr(source, field) is not None
        and hits.get_column(column).null_count() == hits.height
    ]
    pages = hits.filter(pl.col("kind") == "page").get_column("path")
    own_page = source.url is not None or source.path is not None
    if source.preset and not own_page and 0 < pages.len() == pages.null_count():
        warnings.append(
            f"source: no pageview read has a URL where the {source.preset} preset reads it: "
            f"the file may not hold the {source.preset} export's own columns (a query's "
            "result saved flat names its own): map them in the source section (url: and the "
            "others)"
        )
    return warnings


def _period_text(period: Period, tz: tzinfo) -> str:
    """``2026-12-01 00:00 – 2026-12-08 00:00 (UTC)``, an open end shown as ``…``."""

    def shown(instant: datetime | None) -> str:
        return local_minute(instant, tz) if instant else "…"

    return f"{shown(period.since)} – {shown(period.until)} ({zone_name(tz)})"


def _range_text(read: InputRead) -> str:
    """Where the inputs lie in time, from the earliest line to the latest, the same whether
    they were read whole or seeked (empty when unknown)."""
    if read.time_range is None:
        return ""
    first, last = (local_minute(t, read.tz) for t in read.time_range)
    return f"; the {read.unit}s read run from {first} to {last}"


def ignored_options(options: ReadOptions) -> list[str]:
    """A warning naming the access-log options given with an event export, one for the
    addresses to exclude (an export maps none) and one for ``--hit-memory`` (an export's rows
    are not spilled)."""
    defaults = ReadOptions(inputs=())
    names = {
        "log_format": "--log-format",
        "client_ip": "--client-ip",
        "include_bots": "--include-bots",
        "include_static": "--include-static",
        "include_errors": "--include-errors",
        "include_redirects": "--include-redirects",
        "bot_patterns": "--bot-pattern",
        "max_line_bytes": "--max-line-bytes",
    }
    given = [
        flag for name, flag in names.items() if getattr(options, name) != getattr(defaults, name)
    ]
    ignored = [f"{', '.join(given)}: not applicable to event exports (ignored)"] if given else []
    if options.hit_memory_given:
        ignored.append("--hit-memory: an event export's rows are held in memory whole (ignored)")
    if options.exclude.networks:  # its paths are excluded (``exports.without_excluded_paths``)
        ignored.append("exclude: ips and --exclude-ip: event exports map no address (ignored)")
    return ignored


def input_warnings(read: InputRead, options: ReadOptions) -> list[str]:
    """The warnings of what was read: an empty input, one of comments only, a period without
    hits, malformed lines skipped, fields left unread."""
    warnings: list[str] = []
    comments = read.summary.buckets.get("comment", 0)
    if read.summary.lines == 0:
        warnings.append(f"the input is empty: no {read.unit}s to report on")
    elif comments == read.summary.lines:
        its = "its one line is a" if comments == 1 else f"its {comments:,} lines are"
        plural = "" if comments == 1 else "s"
        warnings.append(
            f"the input holds no request: {its} blank, comment or directive line{plural}"
        )
    elif read.hit_count() == 0 and read.summary.buckets.get("out_of_period", 0):
        warnings.append(
            f"no hits in the period {_period_text(read.period, read.tz)}: all "
            f"{read.summary.lines:,} {read.unit}s are outside it or not counted, so the report "
            f"is zeros{_range_text(read)}"
        )
    malformed = read.summary.buckets.get("malformed", 0)
    if malformed and not options.strict:
        plural = read.unit if malformed == 1 else f"{read.unit}s"
        warnings.append(f"{malformed:,} malformed {plural} skipped (counted in the input summary)")
    if read.unread_fields is not None and not options.strict:
        warnings.append(read.unread_fields.warning())
    return warnings


def _too_long_remedy(read: InputRead, options: ReadOptions) -> str:
    """The remedy to name first when the lines named malformed are all too long to read (the
    others may be of another format: then the format's remedy is the one), unless the bound
    is as high as it goes ("" for none)."""
    named = read.malformed or ([read.first_malformed] if read.first_malformed else [])
    if not named or not all(line.too_long for line in named):
        return ""
    if options.max_line_bytes >= MAX_LINE_BYTES_LIMIT:
        return ""
    return (
        f"lines longer than --max-line-bytes ({options.max_line_bytes:,} bytes) are not read: "
        "raise it, or "
    )


def check_input(read: InputRead, options: ReadOptions) -> None:
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
        why = f", {first.problem()}" if first and first.problem() else ""
        where = f" (first: {first.location()}{why})" if first else ""
        raise InputError(read.nothing_usable(where, _too_long_remedy(read, options)))
    bad = read.summary.buckets.get("malformed", 0)  # in the period
    first = read.malformed[0] if read.malformed else None
    if options.strict and bad and first is not None:
        ending = f" ({first.ending()})" if first.ending() else ""
        raise InputError(
            f"{first.location()}: malformed {first.unit}{ending} ({bad:,} in all; --strict "
            "allows none)"
        )
    unread = read.unread_fields
    if options.strict and unread is not None:
        remedy = unread.remedy()
        raise InputError(
            f"{unread.where()}: fields left unread at the end of the line ({unread.lines:,} "
            f"line{'' if unread.lines == 1 else 's'} in all; --strict allows none)"
            f"{f'; {remedy}' if remedy else ''}"
        )
