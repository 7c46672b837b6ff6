"""Hits: parsed lines as rows of the canonical hit table (definitions §2.1, its columns and
buckets named in ``hit_schema``) and the bucket every input line falls in (definitions §2.2).

Buckets are decided by the first rule that applies, in this order::

    comment, not_http, malformed, out_of_period, excluded, bot, static, error, request,
    redirect, other_method, download, page

``comment`` holds blank lines, ``#`` lines and the directive lines of formats that have them (W3C
``#Fields:`` and the like); ``not_http`` the well-formed records of a format that are no HTTP
request (a load balancer's TCP or TLS records); ``duplicate`` the lines ``--dedupe`` found in an
earlier input (decided after reading, not here); ``excluded`` the lines of the site's own
visits that the goals file's ``exclude:`` and ``--exclude-ip`` name (``exclusions``).

``request`` and ``download`` lines become events, ``page`` lines pageviews; the other buckets are
counted and dropped. An ``--include-…`` flag switches its rule off, so such a line falls through to
the later rules (a bot's pageview then counts as a ``page``).

The costly rules run once per distinct value of a chunk: the crawler regex per user agent (and
once per run with ``KnownAgents``), the static and download rules and the excluded paths per
path, the excluded networks per address.

Rows of an event export (``exports``) have buckets of their own, in this order::

    malformed, out_of_period, skipped, excluded, duplicate, session_only, page, event
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import polars as pl

from micromacro.bots import bot_match
from micromacro.exclusions import excluded_lines
from micromacro.goals import Exclusions
from micromacro.hit_schema import BUCKET, BUCKETS, EXPORT_BUCKET, HIT_SCHEMA, KIND, FrameT
from micromacro.line_chunks import NUL_PADDING, TOO_LONG
from micromacro.logformats.fields import distinct_codes

STATIC_EXTENSIONS: tuple[str, ...] = (
    "css", "js", "mjs", "map", "png", "jpg", "jpeg", "gif", "webp", "avif", "svg", "ico", "bmp",
    "tif", "tiff", "woff", "woff2", "ttf", "otf", "eot",
)  # fmt: skip
STATIC_FILES: tuple[str, ...] = ("robots.txt", "favicon.ico")
# Audio and video: downloads too, though a page's player often streams them.
MEDIA_EXTENSIONS: tuple[str, ...] = (
    "mp3", "mp4", "m4a", "wav", "flac", "ogg", "webm", "mov", "avi", "wmv", "mpg", "mpeg",
)  # fmt: skip
DOWNLOAD_EXTENSIONS: tuple[str, ...] = (
    "pdf", "zip", "gz", "tgz", "bz2", "xz", "zst", "7z", "rar", "tar", "dmg", "exe", "msi", "pkg",
    "deb", "rpm", "apk", "iso", "epub", "mobi", "azw3", "doc", "docx", "xls", "xlsx", "ppt", "pptx",
    "odt", "ods", "odp", "rtf", "csv", *MEDIA_EXTENSIONS,
)  # fmt: skip
REQUEST_METHODS: tuple[str, ...] = ("POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class HitFilter:
    """Which lines count: the ``--include-…`` switches, extra bot patterns, the period and the
    site's own hits (``exclude``)."""

    include_bots: bool = False
    include_static: bool = False
    include_errors: bool = False
    include_redirects: bool = False
    bot_patterns: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    exclude: Exclusions = field(default_factory=Exclusions)


# Buckets the input summary shows only when some line or row fell in them.
_SHOWN_WHEN_SOME = ("comment", "not_http", "session_only")


@dataclass(frozen=True)
class InputSummary:
    """Lines read and the bucket each fell in; the buckets add up to ``lines``.

    ``bucket_names`` are the buckets of the kind of input read: ``hit_schema.BUCKETS`` for
    access logs, ``hit_schema.EXPORT_BUCKETS`` for event exports (whose rows count as lines).
    ``variants`` says which variant of the format read how many lines (access logs only).
    ``excluding`` says whether anything was to be excluded (``excluded`` is then shown).
    """

    lines: int
    files: int
    format: str
    buckets: dict[str, int]
    period_applied: bool = False
    deduplicated: bool = False
    bucket_names: tuple[str, ...] = BUCKETS
    variants: dict[str, int] | None = None
    excluding: bool = False

    def bucket_counts(self) -> dict[str, int]:
        """Lines per bucket in bucket order (``out_of_period`` only when a period was given,
        ``comment``, ``not_http`` and ``session_only`` only when the input had such lines,
        ``duplicate`` with ``--dedupe`` or when an export repeated an order, ``excluded``
        when something was to be excluded)."""
        return {
            name: self.buckets.get(name, 0)
            for name in self.bucket_names
            if (name != "out_of_period" or self.period_applied)
            and (name not in _SHOWN_WHEN_SOME or self.buckets.get(name, 0))
            and (name != "duplicate" or self.deduplicated or self.buckets.get(name, 0))
            and (name != "excluded" or self.excluding or self.buckets.get(name, 0))
        }

    def as_dict(self) -> dict[str, object]:
        """The JSON ``input`` object: ``lines``, ``files``, ``format``, one count per bucket and
        (access logs) ``variants``, the variant that read the most lines first."""
        result: dict[str, object] = {
            "lines": self.lines,
            "files": self.files,
            "format": self.format,
            **self.bucket_counts(),
        }
        if self.variants is not None:
            # Most lines first, then by name: the order lines were counted in is not fixed.
            ranked = sorted(self.variants.items(), key=lambda item: (-item[1], item[0]))
            result["variants"] = dict(ranked)
        return result


# Whether a malformed line ends its input with no line break after it: "live" where it may
# still be being written (a plain file, standard input), "closed" where it is written no more
# (a compressed file, a crash's NUL padding); "" for any other line.
Unterminated = Literal["", "live", "closed"]


def ending_text(unterminated: Unterminated, rest: str = "") -> str:
    """What a line is whose input ends in it with no line break after it: the last line of its
    input, cut in two by a rotation where the ``rest`` of it is known, else maybe half written
    where the input may still be written to ("" for another line)."""
    if not unterminated:
        return ""
    if rest:
        what = f": cut in two by copytruncate? its rest is {rest}"
    else:
        what = ": still being written?" if unterminated == "live" else ""
    return f"the last, with no line break after it{what}"


# What a line too long to read is malformed for ("too long: 209,715,200 bytes").
TOO_LONG_REASON = "too long"


@dataclass(frozen=True)
class MalformedLine:
    """Where a malformed line is, and its start (for the user to look at).

    For an event export it is a row (``unit`` ``row``, ``line_no`` the 1-based row) and
    ``excerpt`` says what is wrong with it.
    """

    source_file: str
    line_no: int
    excerpt: str
    unit: Literal["line", "row"] = "line"
    reason: str = ""  # why, where known ("time out of range"); empty: it does not parse
    unterminated: Unterminated = ""
    # Where the rest of it is (``access.log:1``), when its input ends in it because a
    # ``copytruncate`` rotation cut it in two; "" where not known so.
    rest: str = ""

    def ending(self) -> str:
        """What it is, when its input ends in it with no line break after it: its last line,
        maybe half written where the input may still be written to, or cut in two by a
        rotation ("" for another line)."""
        return ending_text(self.unterminated, self.rest)

    def reasons(self) -> str:
        """Why it is malformed, where known, and what its ``ending`` says, in one text."""
        return "; ".join(text for text in (self.reason, self.ending()) if text)

    def problem(self) -> str:
        """What is wrong with it, where known: its ``reasons``, else a row's excerpt, which
        says."""
        return self.reasons() or (self.excerpt if self.unit == "row" else "")

    @property
    def too_long(self) -> bool:
        """Whether it is a line too long to read (``--max-line-bytes``)."""
        return self.reason.startswith(TOO_LONG_REASON)

    def location(self) -> str:
        """``access.log:18`` for a line, ``events.csv: row 5`` for a row."""
        if self.unit == "row":
            return f"{self.source_file}: row {self.line_no}"
        return f"{self.source_file}:{self.line_no}"


def _extension_regex(extensions: Sequence[str], files: Sequence[str] = ()) -> str:
    ext = "|".join(extensions)
    names = "|".join(f.replace(".", r"\.") for f in files)
    tail = f"|(?:^|/)(?:{names})$" if names else ""
    return f"(?i)(?:\\.(?:{ext})${tail})"


STATIC_REGEX = _extension_regex(STATIC_EXTENSIONS, STATIC_FILES)
DOWNLOAD_REGEX = _extension_regex(DOWNLOAD_EXTENSIONS)


def _out_of_period(hit_filter: HitFilter) -> pl.Expr:
    outside = pl.lit(False)
    if hit_filter.since is not None:
        outside = outside | (pl.col("ts") < pl.lit(hit_filter.since, dtype=HIT_SCHEMA["ts"]))
    if hit_filter.until is not None:
        outside = outside | (pl.col("ts") >= pl.lit(hit_filter.until, dtype=HIT_SCHEMA["ts"]))
    return outside


def export_bucket_expr(
    hit_filter: HitFilter,
    *,
    has_visitor: pl.Expr,
    skip: pl.Expr,
    pageview: pl.Expr,
    session_only: pl.Expr | None = None,
) -> pl.Expr:
    """The bucket of each row of an event export (needs ``ts``; a null ``ts`` is no valid time).

    ``has_visitor``, ``skip``, ``session_only`` and ``pageview`` say whether the row has a user
    or anonymous id, matches the mapping's skip rule, counts for its session only, and is a
    pageview (null counts as false).
    """
    rules: list[tuple[str, pl.Expr]] = [
        ("malformed", pl.col("ts").is_null() | ~has_visitor.fill_null(False)),
        ("out_of_period", _out_of_period(hit_filter)),
        ("skipped", skip.fill_null(False)),
        ("session_only", pl.lit(False) if session_only is None else session_only.fill_null(False)),
        ("page", pageview.fill_null(False)),
    ]
    chain: Any = pl.when(rules[0][1]).then(pl.lit(rules[0][0]))
    for name, condition in rules[1:]:
        chain = chain.when(condition).then(pl.lit(name))
    bucket: pl.Expr = chain.otherwise(pl.lit("event"))
    return bucket.cast(EXPORT_BUCKET).alias("bucket")


def _not_a_page_answer(status: pl.Expr) -> pl.Expr:
    """Whether a status is an error (400 and above) or no answer a page is served with: below
    200 (``000`` and HAProxy's ``-1`` when no response was sent, a ``101`` protocol switch)."""
    return (status >= 400) | (status < 200)


def bucket_expr(
    hit_filter: HitFilter,
    *,
    static: pl.Expr | None = None,
    download: pl.Expr | None = None,
    excluded: pl.Expr | None = None,
) -> pl.Expr:
    """The bucket of each parsed access-log line (needs ``parsed``, ``ts``, ``is_bot``,
    ``path``, ``status``, ``method``, ``comment`` and ``not_http``). ``static`` and
    ``download``, when given, say whether each line's path is a static file or a download
    (default: ``STATIC_REGEX`` and ``DOWNLOAD_REGEX`` on every path); ``excluded``, whether
    ``hit_filter.exclude`` excludes it (``exclusions.excluded_lines``; None: no line is)."""
    status = pl.col("status")
    method = pl.col("method")
    if static is None:
        static = pl.col("path").str.contains(STATIC_REGEX)
    if download is None:
        download = pl.col("path").str.contains(DOWNLOAD_REGEX)
    rules: list[tuple[str, pl.Expr | None]] = [
        ("comment", pl.col("comment")),
        ("not_http", pl.col("not_http")),
        ("malformed", ~pl.col("parsed")),
        ("out_of_period", _out_of_period(hit_filter)),
        ("excluded", excluded),
        ("bot", None if hit_filter.include_bots else pl.col("is_bot")),
        ("static", None if hit_filter.include_static else static),
        ("error", None if hit_filter.include_errors else _not_a_page_answer(status)),
        ("request", method.is_in(REQUEST_METHODS)),
        (
            "redirect",
            None if hit_filter.include_redirects else (status // 100 == 3) & (status != 304),
        ),
        ("other_method", method != "GET"),
        ("download", download),
    ]
    active = [
        (BUCKETS.index(name), condition) for name, condition in rules if condition is not None
    ]
    # One when/then chain over small integer codes (the first rule that applies wins), turned
    # into the bucket names once at the end: far cheaper than nesting string branches.
    chain: Any = pl.when(active[0][1]).then(pl.lit(active[0][0], dtype=pl.UInt8))
    for rule_code, condition in active[1:]:
        chain = chain.when(condition).then(pl.lit(rule_code, dtype=pl.UInt8))
    codes: pl.Expr = chain.otherwise(pl.lit(BUCKETS.index("page"), dtype=pl.UInt8))
    return codes.replace_strict(dict(enumerate(BUCKETS)), return_dtype=BUCKET).alias("bucket")


# The longest user agent ``KnownAgents`` keeps, in bytes.
_LONGEST_KEPT = 1024


class KnownAgents:
    """The user agents of a run already sorted into bots and others, so that the crawler regex
    (about 1,500 patterns, the costliest rule) runs once per distinct agent of the run, not once
    per chunk. Past ``limit`` agents it keeps only those of the chunk at hand, and it keeps no
    agent longer than ``_LONGEST_KEPT`` bytes (no browser sends one; a log of distinct 60 KB
    agents would otherwise hold gigabytes of them): such an agent is judged in each chunk."""

    def __init__(self, limit: int = 100_000) -> None:
        self._limit = limit
        self._patterns: tuple[str, ...] = ()
        self._known = _agent_verdicts(pl.Series("user_agent", [], dtype=pl.String), ())

    def bots(self, agents: pl.Series, patterns: tuple[str, ...]) -> pl.Series:
        """The bots among ``agents`` (distinct, no null), by ``bot_match``."""
        if patterns != self._patterns:
            self._patterns, self._known = patterns, self._known.clear()
        these = agents.to_frame("user_agent")
        new = these.join(self._known, on="user_agent", how="anti")
        if new.height:
            verdicts = _agent_verdicts(new.get_column("user_agent"), patterns)
            short = pl.col("user_agent").str.len_bytes() <= _LONGEST_KEPT
            kept = self._known
            if kept.height + verdicts.height > self._limit:  # keep only the chunk's agents
                kept = kept.join(these, on="user_agent", how="semi")
            self._known = pl.concat([kept, verdicts.filter(short)])
            judged_here = verdicts.filter(~short)
        else:
            judged_here = self._known.clear()
        known = pl.concat([self._known, judged_here]).filter(pl.col("is_bot"))
        return agents.filter(agents.is_in(known.get_column("user_agent").implode()))


def _agent_verdicts(agents: pl.Series, patterns: tuple[str, ...]) -> pl.DataFrame:
    """``agents`` (``user_agent``) and whether each is a bot (``is_bot``)."""
    return agents.to_frame("user_agent").with_columns(
        is_bot=bot_match(pl.col("user_agent"), patterns)
    )


def bot_flags(
    parsed: pl.DataFrame, hit_filter: HitFilter, known: KnownAgents | None = None
) -> pl.Series:
    """Whether each line of ``parsed`` is a bot's (``is_bot``): the crawler regex runs once per
    distinct user agent (with ``known``, once per distinct agent of the run), not once per line.

    The regex decides which of the distinct agents are bots, and every line is then flagged by
    its agent's code among the chunk's distinct agents (``fields.distinct_codes``).
    """
    if hit_filter.include_bots:
        return pl.repeat(False, parsed.height, dtype=pl.Boolean, eager=True).alias("is_bot")
    agents, codes = distinct_codes(parsed.get_column("user_agent").cast(pl.String))
    bots = (known or KnownAgents()).bots(agents, hit_filter.bot_patterns)
    return agents.is_in(bots.implode()).gather(codes).fill_null(False).alias("is_bot")


# Buckets decided before the period's rule (``bucket_expr``): a line in one of them stays there.
_BEFORE_PERIOD = ("comment", "not_http", "malformed")


def outside_period(hit_filter: HitFilter) -> pl.Expr:
    """Whether a line's time (``ts``) is outside ``hit_filter``'s period (false for none)."""
    return _out_of_period(hit_filter).fill_null(False)


def in_period(lines: pl.DataFrame, hit_filter: HitFilter) -> pl.DataFrame:
    """Lines classified without a period (``classify_lines`` with no ``since``/``until``), with
    ``hit_filter``'s period applied: a line of a later bucket whose time is outside it is
    ``out_of_period``, as ``bucket_expr`` decides when it is given the period (its rule comes
    right after ``comment``, ``not_http`` and ``malformed``, and the rules after it do not
    look at the time)."""
    moved = moved_out_of_period(hit_filter)
    if moved is None:
        return lines
    out = pl.lit("out_of_period", dtype=BUCKET)
    return lines.with_columns(bucket=pl.when(moved).then(out).otherwise(pl.col("bucket")))


def moved_out_of_period(hit_filter: HitFilter) -> pl.Expr | None:
    """Whether a line classified without a period is ``out_of_period`` in ``hit_filter``'s
    (``in_period``); None without a period."""
    if hit_filter.since is None and hit_filter.until is None:
        return None
    return outside_period(hit_filter) & ~pl.col("bucket").is_in(_BEFORE_PERIOD)


def in_export_period(rows: pl.DataFrame, hit_filter: HitFilter) -> pl.DataFrame:
    """Rows of an event export classified without a period, with ``hit_filter``'s period
    applied: a row that is not ``malformed`` whose time is outside it is ``out_of_period``
    (the rule that comes right after ``malformed`` in ``export_bucket_expr``)."""
    if hit_filter.since is None and hit_filter.until is None:
        return rows
    moved = outside_period(hit_filter) & (pl.col("bucket") != "malformed")
    out = pl.lit("out_of_period", dtype=EXPORT_BUCKET)
    return rows.with_columns(bucket=pl.when(moved).then(out).otherwise(pl.col("bucket")))


def classify_lines(
    parsed: pl.DataFrame, hit_filter: HitFilter, known: KnownAgents | None = None
) -> pl.DataFrame:
    """Parsed access-log lines (``logformats``' output) plus ``is_bot`` and ``bucket``; a run
    passes its ``known`` agents with every chunk. The path rules run once per distinct path,
    the excluded networks once per distinct address."""
    static, download = _path_kinds(parsed.get_column("path"))
    excluded = excluded_lines(parsed, hit_filter.exclude) if hit_filter.exclude else None
    flagged = parsed.with_columns(
        bot_flags(parsed, hit_filter, known),
        static.alias(_STATIC),
        download.alias(_DOWNLOAD),
        *([excluded.alias(_EXCLUDED)] if excluded is not None else []),
    )
    bucket = bucket_expr(
        hit_filter,
        static=pl.col(_STATIC),
        download=pl.col(_DOWNLOAD),
        excluded=pl.col(_EXCLUDED) if excluded is not None else None,
    )
    rules = [_STATIC, _DOWNLOAD, *([_EXCLUDED] if excluded is not None else [])]
    return flagged.lazy().with_columns(bucket).drop(rules).collect(engine="in-memory")


def unreadable_malformed(lines: pl.DataFrame) -> pl.DataFrame:
    """Classified lines with every line too long to read (``line_chunks.too_long_line``) or starting
    with NUL bytes (``NUL_PADDING``: the line the server wrote after them starts somewhere in
    it, and a reader would take the NULs for its first field) in the ``malformed`` bucket,
    read by no variant."""
    line = pl.col("line")
    marked = line.str.starts_with(TOO_LONG) | line.str.starts_with(NUL_PADDING)
    if not lines.select(marked.any()).item():
        return lines
    return lines.with_columns(
        bucket=pl.when(marked).then(pl.lit("malformed", dtype=BUCKET)).otherwise("bucket"),
        variant=pl.when(marked).then(None).otherwise("variant"),
    )


# The path rules of each line, and whether it is excluded, while it is classified.
_STATIC, _DOWNLOAD, _EXCLUDED = "_static", "_download", "_excluded"


def _path_kinds(paths: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Whether each of ``paths`` is a static file and whether it is a download (null for no
    path): the rules run once per distinct path."""
    distinct, codes = distinct_codes(paths.cast(pl.String))
    kinds = distinct.to_frame("path").select(
        static=pl.col("path").str.contains(STATIC_REGEX),
        download=pl.col("path").str.contains(DOWNLOAD_REGEX),
    )
    return kinds.get_column("static").gather(codes), kinds.get_column("download").gather(codes)


def visitor_expr() -> pl.Expr:
    """An access-log visitor (definitions §2.3): the client address and the user agent, as one
    string (a line without an address is its user agent's, not one visitor of all such)."""
    return pl.concat_str(
        pl.col("ip").fill_null(""), pl.col("user_agent").fill_null(""), separator=" "
    ).alias("visitor")


# The hit columns no access log fills (definitions §2.1), and their types.
ACCESS_LOG_CONSTANTS: dict[str, pl.DataType] = {
    name: HIT_SCHEMA[name]
    for name in ("session_id", "event_name", "event_value", "revenue", "currency")
}


def _unfilled(name: str) -> pl.Expr:
    return pl.lit(None, dtype=ACCESS_LOG_CONSTANTS[name]).alias(name)


def hits_of(counted: pl.LazyFrame) -> pl.LazyFrame:
    """The canonical hits of counted lines: those the lines carry (lines given back by the hit
    cache, ``cached_lines``, which has kept their hits), else made of their fields."""
    return counted if "visitor" in counted.collect_schema() else canonical_hits(counted)


def canonical_hits(lines: FrameT) -> FrameT:
    """The canonical hit table (definitions §2.1) of classified lines, with their ``bucket`` and
    ``line`` (lazy when ``lines`` are, so that a query selecting some of its columns computes
    only those).

    Request lines become events (category ``request``, action = method, label = path), downloads
    events (category ``download``, action = path); other lines are pageviews. Run it on the
    counted lines only: it builds a visitor string per line.
    """
    bucket = pl.col("bucket")
    is_request = bucket == "request"
    is_download = bucket == "download"
    return lines.select(
        pl.col("ts"),
        visitor_expr(),
        _unfilled("session_id"),
        pl.when(is_request | is_download).then(pl.lit("event")).otherwise(pl.lit("page"))
        .cast(KIND).alias("kind"),
        pl.col("host"),
        pl.col("method"),
        pl.col("path"),
        pl.col("query"),
        pl.col("status"),
        pl.col("bytes"),
        pl.col("referrer"),
        pl.col("user_agent"),
        pl.col("ip"),
        pl.when(is_request).then(pl.lit("request"))
        .when(is_download).then(pl.lit("download")).alias("event_category"),
        pl.when(is_request).then(pl.col("method"))
        .when(is_download).then(pl.col("path")).alias("event_action"),
        pl.when(is_request).then(pl.col("path")).alias("event_label"),
        _unfilled("event_name"),
        _unfilled("event_value"),
        _unfilled("revenue"),
        _unfilled("currency"),
        pl.col("source_file"),
        pl.col("line_no"),
        pl.col("line"),
        bucket,
    )  # fmt: skip
