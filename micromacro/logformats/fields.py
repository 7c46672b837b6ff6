"""Raw text fields of a log line → the parsed hit fields every later stage reads.

A format only has to cut a line into *raw fields*, named from ``RAW_FIELDS`` (each a string or
null), and say how its time is written (``TimeSpec``). ``normalize`` turns them into typed columns
the same way for every format: one place decides what a request line, a ``-`` or a time means
(``normalize_frame`` does the same for a frame already in memory).

A log repeats its request lines, paths and user agents many times: ``distinct_codes`` numbers
the distinct values of a column, so that a costly rule runs once per distinct value and its
result is handed back to every row by ``gather``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import polars as pl

from micromacro.periods import EARLIEST, LATEST, TIME_OUT_OF_RANGE, in_supported_range

UTC_MICROS = pl.Datetime("us", "UTC")

# What a format may capture. ``request`` is a whole "METHOD TARGET PROTOCOL" line; formats that
# log the parts instead give ``method`` and ``uri`` (path?query) or ``path`` and ``query``.
RAW_FIELDS: tuple[str, ...] = (
    "ip",
    "remote_user",
    "time",
    "request",
    "method",
    "uri",
    "path",
    "query",
    "status",
    "bytes",
    "referrer",
    "user_agent",
    "host",
    "forwarded_for",
    # A header of the client's one address a proxy or CDN sets (X-Real-IP, CF-Connecting-IP):
    # read after the X-Forwarded-For list, as one more address of it (``_forwarded_for``).
    "client_address",
    "request_time",
)

# The columns ``normalize`` adds (besides the line table's own), in this order.
PARSED_COLUMNS: tuple[str, ...] = (
    "comment",
    "not_http",
    "parsed",
    "variant",
    "ts",
    "ip",
    "method",
    "path",
    "query",
    "status",
    "bytes",
    "referrer",
    "user_agent",
    "host",
    "forwarded_for",
    "malformed_reason",
)

TimeKind = Literal["strftime", "iso8601", "epoch"]
CLF_TIME = "%d/%b/%Y:%H:%M:%S %z"


@dataclass(frozen=True)
class TimeSpec:
    """How a format writes its time field.

    ``strftime``: ``format`` is a strftime pattern (a pattern without ``%z`` is read as UTC);
    ``iso8601``: ISO 8601 with ``Z`` or an offset and optional fractions; ``epoch``: a number
    of seconds (``scale`` 1), milliseconds (1e-3) or microseconds (1e-6) since 1970.
    """

    kind: TimeKind = "strftime"
    format: str = CLF_TIME
    scale: float = 1.0


CLF = TimeSpec()
ISO8601 = TimeSpec("iso8601", "%+")
EPOCH_SECONDS = TimeSpec("epoch", "", 1.0)

# The request line, "METHOD TARGET PROTOCOL" (RFC 9112), split by a small regex of its own: one
# regex for the whole line would be too large for the fast capture engines. A method is a token
# that starts with a letter; a target is a path ("/…", "*"), an absolute URI ("https://host/…"),
# an authority ("host:443", for CONNECT) or empty. Any other request ("-", "- - HTTP/1.0", TLS
# bytes, a missing protocol) does not match, and the line is malformed. The parts are split at
# spaces only, as the server split them: a tab, a vertical tab or a Unicode line separator a
# server logs raw is part of the target.
_METHOD = r"(?P<method>[A-Za-z][!#$%&'*+.^_`|~0-9A-Za-z-]*)"
_TARGET_START = r"(?:[/*]|[A-Za-z][A-Za-z0-9+.\-]*://)"
REQUEST_LINE = (
    rf"^{_METHOD} (?P<path>{_TARGET_START}[^ ?#]*|[^ /?#]+:[0-9]+|)"
    r"(?:\?(?P<query>[^ #]*))?(?:#[^ ]*)? HTTP/[0-9](?:\.[0-9])?$"
)
# The same, for a target that holds spaces as the client sent them (load balancers log the
# request line as received): slower, so only for lines the strict one does not read.
LENIENT_REQUEST_LINE = (
    rf"^{_METHOD} (?P<path>{_TARGET_START}[^?#]*?|[^\s/?#]+:[0-9]+|)"
    r"(?:\?(?P<query>[^#]*?))?(?:#.*?)? HTTP/[0-9](?:\.[0-9])?$"
)
# A request target without the request line around it: path, then an optional query.
_TARGET = r"^(?P<path>[^?#]*)(?:\?(?P<query>[^#]*))?"
# An absolute-form target ("GET http://host/path HTTP/1.1") keeps only its path.
_ABSOLUTE_FORM = r"^[A-Za-z][A-Za-z0-9+.\-]*://[^/?#]*"
# Its host (a bracketed IPv6 address as it is), without user information or port: the host of
# a line that logs no host field (varnishncsa's default format, a classic ELB, a forward proxy).
_ABSOLUTE_FORM_HOST = r"^[A-Za-z][A-Za-z0-9+.\-]*://(?:[^/?#@]*@)?(\[[^\]/?#]*\]|[^/?#:]+)"


def raw_field(present: frozenset[str], name: str) -> pl.Expr:
    """The raw field ``name`` of the ``_fields`` struct, or a null string when not captured."""
    if name in present:
        return pl.col("_fields").struct.field(name)
    return pl.lit(None, dtype=pl.String)


# Epoch numbers are clipped to just outside the supported times (in µs), so that a number too
# large for a 64-bit count is out of range like any other instead of no time at all.
_EPOCH_CLIP = (
    (EARLIEST.timestamp() - 86400) * 1_000_000,
    (LATEST.timestamp() + 86400) * 1_000_000,
)


def parse_time(text: pl.Expr, spec: TimeSpec) -> pl.Expr:
    """The instant ``text`` writes, in UTC; null where it is not a valid time.

    The instant may be outside the supported times (``periods.EARLIEST`` to
    ``periods.LATEST``): ``normalize`` makes such a line malformed, ``time out of range``.
    """
    if spec.kind == "epoch":
        micros = (text.cast(pl.Float64, strict=False) * (spec.scale * 1_000_000)).round()
        return pl.from_epoch(
            micros.clip(*_EPOCH_CLIP).cast(pl.Int64, strict=False), time_unit="us"
        ).dt.replace_time_zone("UTC")
    if spec.kind == "strftime" and "%z" not in spec.format and "%#z" not in spec.format:
        naive = text.str.strptime(pl.Datetime("us"), spec.format, strict=False)
        return naive.dt.replace_time_zone("UTC")
    return text.str.strptime(UTC_MICROS, spec.format, strict=False)


def normalize(
    lines: pl.LazyFrame,
    present: frozenset[str],
    time: TimeSpec,
    *,
    ts: pl.Expr | None = None,
    comment: pl.Expr | None = None,
    variant: str | pl.Expr = "",
    request_line: str = REQUEST_LINE,
) -> pl.LazyFrame:
    """Typed hit fields from the raw ``_fields`` struct of ``lines`` (which is dropped).

    Adds ``PARSED_COLUMNS``: ``comment`` (a directive or comment line of the format, counted
    apart), ``not_http`` (a record of the format that is no HTTP request: always false here,
    see ``families``), ``parsed`` (the line has a valid time and request), ``variant`` (the
    variant of the format that read a parsed line, else null), ``ts`` (UTC), ``ip``,
    ``method``, ``path``, ``query``, ``status``, ``bytes``, ``referrer``, ``user_agent``,
    ``host``, ``forwarded_for``, and ``malformed_reason`` (``time out of range`` where the
    time is outside the supported ones, whose ``ts`` is then null; else null).

    ``ts`` replaces parsing the raw ``time`` field with ``time`` (for formats that write their
    time in several ways); ``comment`` marks comment lines (default: none); ``variant`` names
    the variant (a name, or an expression per line); ``request_line`` is the regex that splits
    a raw ``request`` field. For lines already in memory, ``normalize_frame`` does the same
    with each distinct request line split once (where they repeat).
    """

    def field(name: str) -> pl.Expr:
        return raw_field(present, name)

    if "request" in present:
        parts = field("request").str.extract_groups(request_line)
        method = parts.struct.field("method")
        target_path, query = parts.struct.field("path"), parts.struct.field("query")
    else:
        target = field("uri") if "uri" in present else field("path")
        parts = target.str.extract_groups(_TARGET)
        # A format that logs a path but no method is read as GET requests (a line it did not
        # read has no method).
        get = pl.when(target.is_not_null()).then(pl.lit("GET"))
        method = _dash_is_null(field("method")) if "method" in present else get
        target_path = parts.struct.field("path")
        query = parts.struct.field("query") if "uri" in present else field("query")
        query = _query_of(query)
    written = parse_time(field("time"), time) if ts is None else ts
    request = pl.struct(method=method, path=target_path, query=query)
    return _typed(lines, present, request, written, None, comment, variant)


def normalize_frame(
    frame: pl.DataFrame,
    present: frozenset[str],
    time: TimeSpec,
    *,
    ts: pl.Expr | None = None,
    variant: str | pl.Expr = "",
    request_line: str = REQUEST_LINE,
) -> pl.DataFrame:
    """The typed hit fields of ``frame`` (its raw ``_fields`` struct dropped), computed in
    memory: what ``normalize(frame.lazy(), present, time, ts=ts, variant=variant,
    request_line=request_line)`` collects to, line for line.

    Each distinct request line is split once and its parts handed back to the lines by its
    code in a categorical of the frame's own (no join); where the lines hardly repeat their
    requests, each is split as it is (``_request_parts``).
    """
    if "request" not in present:
        lazy = normalize(
            frame.lazy(), present, time, ts=ts, variant=variant, request_line=request_line
        )
        return lazy.collect(engine="in-memory")
    requests = raw_field(present, "request")
    with_parts = frame.with_columns(
        _request_parts(frame.select(requests).to_series(), request_line)
    )
    request = pl.struct(
        method=pl.col(_METHOD_PART), path=pl.col(_PATH_PART), query=pl.col(_QUERY_PART)
    )
    written = parse_time(raw_field(present, "time"), time) if ts is None else ts
    parts = _RequestParts(pl.col(_WHOLE_PATH), pl.col(_TARGET_HOST))
    typed = _typed(with_parts.lazy(), present, request, written, parts, None, variant)
    return typed.drop(*_PARTS, strict=False).collect(engine="in-memory")


@dataclass(frozen=True)
class _RequestParts:
    """The whole path and the target's host of each line, split from its distinct request
    line already."""

    path: pl.Expr
    host: pl.Expr


def _typed(
    lines: pl.LazyFrame,
    present: frozenset[str],
    request: pl.Expr,
    written: pl.Expr,
    split: _RequestParts | None,
    comment: pl.Expr | None,
    variant: str | pl.Expr,
) -> pl.LazyFrame:
    """``normalize``'s typed columns, from the raw fields, the request's parts (a struct of
    ``method``, ``path`` and ``query``), the time as written and the whole path and target's
    host (None: made from the request's path here). A line with no host field takes the host
    of an absolute-form target."""

    def field(name: str) -> pl.Expr:
        return raw_field(present, name)

    target = pl.col("_request").struct.field("path")
    path_of = _path_of(target) if split is None else split.path
    host_of = _host_of(target) if split is None else split.host

    return (
        lines.with_columns(_request=request, _time=written)
        .with_columns(
            # A time outside the supported ones is no time: the line is malformed, and says why.
            ts=pl.when(in_supported_range(pl.col("_time"))).then(pl.col("_time")),
            malformed_reason=pl.when(~in_supported_range(pl.col("_time"))).then(
                pl.lit(TIME_OUT_OF_RANGE)
            ),
            ip=_dash_is_null(field("ip")),
            method=pl.col("_request").struct.field("method"),
            path=path_of,
            query=pl.col("_request").struct.field("query"),
            status=field("status").cast(pl.Int16, strict=False),
            bytes=field("bytes").cast(pl.Int64, strict=False),
            referrer=_dash_is_null(field("referrer")),
            user_agent=_dash_is_null(field("user_agent")),
            host=pl.coalesce(_dash_is_null(field("host")), host_of),
            forwarded_for=_forwarded_for(present),
        )
        .with_columns(
            comment=pl.lit(False) if comment is None else comment.fill_null(False),
            not_http=pl.lit(False),
            # An empty target ("GET  HTTP/1.1") is no request either.
            parsed=pl.col("ts").is_not_null()
            & pl.col("method").is_not_null()
            & (
                (pl.col("_request").struct.field("path") != "")
                | pl.col("_request").struct.field("query").is_not_null()
            ).fill_null(False),
        )
        .with_columns(
            variant=pl.when(pl.col("parsed")).then(
                pl.lit(variant) if isinstance(variant, str) else variant
            )
        )
        .drop("_fields", "_request", "_time", strict=False)
    )


# The parts of each distinct request line (``normalize_frame``).
_RAW_REQUEST, _METHOD_PART, _PATH_PART, _QUERY_PART = "_raw_request", "_method", "_path", "_query"
_WHOLE_PATH, _TARGET_HOST = "_whole_path", "_target_host"
_PARTS = (_METHOD_PART, _PATH_PART, _QUERY_PART, _WHOLE_PATH, _TARGET_HOST)


def _request_parts(requests: pl.Series, request_line: str) -> list[pl.Series]:
    """The method, path, query, whole path and host of each of ``requests``: each distinct
    request line split once, its parts handed back to the lines by ``distinct_codes``; or,
    where the lines hardly repeat their requests (a query string of its own on each: a
    tracking id, a cache buster), each line split as it is, which costs less than finding
    the distinct ones first."""
    if _mostly_distinct(requests):
        every = requests.cast(pl.String).alias(_RAW_REQUEST).to_frame().lazy()
        parts = _split_requests(every, request_line).collect(engine="in-memory")
        return [parts.get_column(name) for name in _PARTS]
    distinct, codes = distinct_codes(requests.alias(_RAW_REQUEST))
    parts = _split_requests(distinct.to_frame().lazy(), request_line).collect(engine="in-memory")
    return [parts.get_column(name).gather(codes) for name in _PARTS]


def _mostly_distinct(values: pl.Series) -> bool:
    """Whether three in four of ``values`` or more are distinct, as their first ``_SAMPLED``
    are: a rule worth running once per distinct value is then run on every value instead (a
    request split line by line costs less than finding the distinct ones first from about
    seven in ten distinct; a sample is more varied than the whole, the more so the smaller it
    is: the first thousand request lines of the benchmark's log are a quarter distinct, its
    whole chunks two in a hundred).

    >>> _mostly_distinct(pl.Series(["/a", "/b", "/c"])), _mostly_distinct(pl.Series(["/a"] * 3))
    (True, False)
    """
    head = values.head(_SAMPLED)
    return head.n_unique() * 4 >= head.len() * 3


# The values ``_mostly_distinct`` judges by.
_SAMPLED = 8192


def distinct_codes(values: pl.Series) -> tuple[pl.Series, pl.Series]:
    """The distinct strings of ``values`` (no null) and, for each value, the index of its own
    among them (null for null): what a rule run once per distinct value gives back to every
    row by ``gather``. The codes are those of a categorical of their own.

    >>> distinct, codes = distinct_codes(pl.Series("path", ["/b", "/a", None, "/b"]))
    >>> distinct.gather(codes).to_list()
    ['/b', '/a', None, '/b']
    """
    categories = pl.Categories.random()
    coded = values.cast(pl.Categorical(categories))
    codes = coded.to_physical()
    highest = codes.max()
    if not isinstance(highest, int) or highest < _LISTED_CATEGORIES:
        # A few: read back one by one (the categorical keeps its categories alive meanwhile).
        distinct = categories.to_series()
    else:
        # Many (a log of distinct URLs or user agents): each distinct value once, put in the
        # order of its code by a sort, where reading them back one by one is a Python loop.
        present = coded.drop_nulls().unique()
        distinct = present.cast(pl.String).gather(present.to_physical().arg_sort())
    del coded
    # A fresh categorical numbers its values 0, 1, … as it meets them; a code past the values
    # read back says they are not all there.
    if isinstance(highest, int) and highest >= distinct.len():
        return _distinct_codes_by_join(values)
    return distinct.alias(values.name), codes


# Above this many distinct values, ``distinct_codes`` reads them back by a sort, not one by one.
_LISTED_CATEGORIES = 2048


def _distinct_codes_by_join(values: pl.Series) -> tuple[pl.Series, pl.Series]:
    """``distinct_codes`` by a join, where a categorical's categories cannot be read back."""
    distinct = values.drop_nulls().unique(maintain_order=True)
    numbered = distinct.to_frame().with_row_index("_code")
    found = values.to_frame().join(numbered, on=values.name, how="left", maintain_order="left")
    return distinct, found.get_column("_code")


def _split_requests(distinct: pl.LazyFrame, request_line: str) -> pl.LazyFrame:
    """The distinct request lines of ``distinct`` (``_raw_request``) with their parts."""
    parts = pl.col("_parts")
    return distinct.with_columns(
        _parts=pl.col(_RAW_REQUEST).str.extract_groups(request_line)
    ).select(
        _RAW_REQUEST,
        parts.struct.field("method").alias(_METHOD_PART),
        parts.struct.field("path").alias(_PATH_PART),
        parts.struct.field("query").alias(_QUERY_PART),
        _path_of(parts.struct.field("path")).alias(_WHOLE_PATH),
        _host_of(parts.struct.field("path")).alias(_TARGET_HOST),
    )


def _path_of(target_path: pl.Expr) -> pl.Expr:
    path = (
        pl.when(target_path.str.starts_with("/"))
        .then(target_path)
        .otherwise(target_path.str.replace(_ABSOLUTE_FORM, ""))
    )
    # An empty path ("GET ?q HTTP/1.1", "GET http://host HTTP/1.1") is the root.
    return pl.when(path == "").then(pl.lit("/")).otherwise(path)


def _forwarded_for(present: frozenset[str]) -> pl.Expr:
    """The X-Forwarded-For list, then the one address of a client header after it (the list's
    public address first where it has one; the header's where the list holds none, as
    ``unknown`` or a private address)."""
    listed = _dash_is_null(raw_field(present, "forwarded_for"))
    if "client_address" not in present:
        return listed
    header = _dash_is_null(raw_field(present, "client_address"))
    # Neither: an empty string, which is no list.
    return _dash_is_null(pl.concat_str([listed, header], separator=", ", ignore_nulls=True))


def _host_of(target_path: pl.Expr) -> pl.Expr:
    """The host of an absolute-form target (null for a path)."""
    return target_path.str.extract(_ABSOLUTE_FORM_HOST, 1)


def _query_of(query: pl.Expr) -> pl.Expr:
    """A logged query string without its ``?`` (Apache's ``%q`` keeps it); ``-``/empty: none."""
    stripped = query.str.strip_prefix("?")
    return pl.when(stripped.is_in(["-", ""])).then(None).otherwise(stripped)


def _dash_is_null(field: pl.Expr) -> pl.Expr:
    return pl.when(field.is_in(["-", ""])).then(None).otherwise(field)


# Addresses that are not a client's own public one: private, loopback, link-local, shared
# (RFC 6598) and unspecified IPv4, the same written IPv4-mapped (::ffff:172.16.3.4, also with
# its zeros written out), and IPv6 loopback, unspecified, link-local and unique-local (RFC 4193).
_NOT_PUBLIC_IPV4 = (
    r"(?:10|127|0)\.|169\.254\.|192\.168\.|172\.(?:1[6-9]|2[0-9]|3[01])\."
    r"|100\.(?:6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7])\."
)
_IPV4_MAPPED = r"::ffff:|(?:0{1,4}:){5}ffff:"
_NOT_PUBLIC = (
    rf"(?i)^(?:(?:{_IPV4_MAPPED})?(?:{_NOT_PUBLIC_IPV4})"
    r"|::1?$|f[cd][0-9a-f]{0,2}:|fe[89ab][0-9a-f]?:)"
)
_IP_LIKE = r"^(?:[0-9]{1,3}(?:\.[0-9]{1,3}){3}|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*(?:%[^ ]+)?)$"
# A listed address with what is not the address around it: an IPv6 address in brackets, maybe
# with a port ("[2001:db8::1]:443"), or an IPv4 address with a port. ``${1}${2}`` is the
# address (a group that took no part is empty).
_BRACKETS_OR_PORT = r"^\[([^\]]*)\](?::[0-9]+)?$|^([0-9]{1,3}(?:\.[0-9]{1,3}){3}):[0-9]+$"


def first_forwarded_ip() -> pl.Expr:
    """The ``ip`` column replaced by the first public address of ``forwarded_for`` (an
    X-Forwarded-For list), where it has one; an address loses its brackets and port, IPv6
    addresses and zone ids are otherwise kept as written. A line without a public address
    keeps its connecting address; one without that either (a format that logs the list where
    the client goes) takes the list's first address, the only one it has.

    >>> frame = pl.DataFrame({"ip": ["10.0.0.2", "10.0.0.2", "10.0.0.2", None],
    ...     "forwarded_for": ["unknown, 192.168.1.4, 203.0.113.7:4711, 198.51.100.2",
    ...     "[2001:db8::1]:443", None, "unknown, 10.0.0.3, 10.0.0.4"]})
    >>> frame.select(first_forwarded_ip())["ip"].to_list()
    ['203.0.113.7', '2001:db8::1', '10.0.0.2', '10.0.0.3']
    """
    public = _first_listed_address(pl.col("forwarded_for"), ~pl.element().str.contains(_NOT_PUBLIC))
    # Only the lines without a connecting address are split again.
    alone = pl.when(pl.col("ip").is_null()).then(pl.col("forwarded_for"))
    return pl.coalesce(public, pl.col("ip"), _first_listed_address(alone)).alias("ip")


def bare_address(address: pl.Expr) -> pl.Expr:
    """An address without the brackets of an IPv6 address or its port (``[2001:db8::1]:443``
    is ``2001:db8::1``, ``203.0.113.7:4711`` is ``203.0.113.7``)."""
    return address.str.replace(_BRACKETS_OR_PORT, "${1}${2}")


def _first_listed_address(forwarded_for: pl.Expr, keep: pl.Expr | None = None) -> pl.Expr:
    """The first address of each X-Forwarded-For list ``forwarded_for`` (without its brackets
    and port) that ``keep`` keeps (an expression of ``pl.element()``; None: any address)."""
    address = pl.element().str.contains(_IP_LIKE)
    return (
        forwarded_for.str.split(",")
        .list.eval(bare_address(pl.element().str.strip_chars()))
        .list.eval(pl.element().filter(address if keep is None else address & keep))
        .list.first()
    )
