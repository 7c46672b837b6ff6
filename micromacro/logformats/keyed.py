"""Fields read from a table of key spellings: what the readers of keyed lines share (JSON
lines, logfmt, LTSV), each with a table of its own (``KeyTable``).

A reader finds the value each spelling of its table holds on each line (one column per
spelling, null where the line holds none); ``KeyedFields`` makes the hit fields of them, the
same way for every such reader:

- a line's field is its first spelling holding a value (``-`` and ``""`` are none); a weak
  spelling of the table's ``shaped`` (a generic word another log may use for something else:
  ``code``, ``client``) holds one only where its value has the field's shape (``SHAPED``);
- a request is a whole request line (``request``), else a target with its method (none
  logged: GET); a target of the table's ``path_only`` spellings without a ``?`` of its own
  takes the query logged apart; a space or a ``#`` in a target is escaped, as a request line
  holds them;
- an address loses its port or brackets, a number its fraction of zeros (``200.0``), each
  only where it holds a ``:`` or a ``.``;
- a time is CLF, ISO 8601 (no offset: UTC) or an epoch number in s, ms, µs or ns, told apart
  by magnitude (``logged_times``), each way tried only on the values the ways before did not
  read;
- ``normalize_frame`` splits each distinct request line once (where they repeat).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from functools import cached_property

import polars as pl

from micromacro.logformats.base import LineParser, LogFormat
from micromacro.logformats.fields import ISO8601, normalize_frame
from micromacro.periods import LATEST

# The raw fields read as they are logged (``time``, ``ip`` and ``request`` are read apart).
TEXT_FIELDS = ("referrer", "user_agent", "host", "forwarded_for")
RAW_FIELDS = frozenset({"ip", "request", "status", "bytes", *TEXT_FIELDS})
_MISSING = ("", "-")
# The prefix of the working columns holding the values of each spelling.
_COLUMN = "_key "
# An HTTP method is a token (RFC 9110); any other value logged as one is not a request.
_METHOD = r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"
# An address with a port ("203.0.113.7:51234", "[2001:db8::7]:50112") or in brackets.
_ADDRESS_WITH_PORT = r"^(?:\[([^\]]*)\]|([0-9]{1,3}(?:\.[0-9]{1,3}){3}))(?::[0-9]+)?$"
# A whole number's text, with or without a fraction of zeros: json_path_match writes the JSON
# number 2e2 as "200.0", json_decode as "200".
_WHOLE_NUMBER = r"^(-?[0-9]+)\.0*$"

# The weak spellings: the generic words log pipelines write (Fluentd's and Fluent Bit's nginx
# parser: ``remote``, ``code``, ``agent``; Vector's ``parse_nginx_log``: ``client``, ``agent``),
# which an application's own request log may use for something else (an error code of 0, the
# client app's name, a worker's name). Each holds its field's value only where the value has
# the field's shape: a status of three digits, 100 to 599 (``200.0`` as ``json_path_match``
# writes ``2e2``); an IPv4 or IPv6 address, maybe in brackets, maybe with a port; a user agent,
# which holds a ``/`` (every browser's and tool's product/version: ``Mozilla/5.0``, ``curl/8.5.0``),
# or of a line whose client is a pipeline's (``VOUCHED``): some crawlers' user agents hold none
# (``Mediapartners-Google``, ``Zabbix``), and their lines must stay bots.
_STATUS_SHAPE = r"^[1-5][0-9]{2}(?:\.0*)?$"
_ADDRESS_SHAPE = (
    r"^(?:[0-9]{1,3}(?:\.[0-9]{1,3}){3}(?::[0-9]+)?"
    r"|\[[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(?:%[^\]]+)?\](?::[0-9]+)?"
    r"|[0-9A-Fa-f]*:[0-9A-Fa-f]*:[0-9A-Fa-f:.]*(?:%[^ ]+)?)$"
)
_USER_AGENT_SHAPE = "/"
SHAPED: Mapping[str, str] = {
    "code": _STATUS_SHAPE,
    "remote": _ADDRESS_SHAPE,
    "client": _ADDRESS_SHAPE,
    "agent": _USER_AGENT_SHAPE,
}
# A weak spelling that holds its value whatever its shape on a line where one of these holds
# one: the line is the pipeline's record.
VOUCHED: Mapping[str, tuple[str, ...]] = {"agent": ("remote", "client")}

# --- Times ---------------------------------------------------------------------------------

_CLF_TIME = "%d/%b/%Y:%H:%M:%S%.f %z"
_LOCAL_ISO = ("%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f")
_DECIMAL = r"^(?P<whole>[0-9]+)(?:\.(?P<fraction>[0-9]*))?$"
# Epoch numbers below these are seconds, milliseconds, microseconds; larger, nanoseconds.
_BELOW_MILLIS, _BELOW_MICROS, _BELOW_NANOS = 10**11, 10**14, 10**17
# Nanoseconds beyond a 64-bit count (the year 2262) are a time out of range: read as ``LATEST``,
# the first time past the supported ones (``fields.normalize`` makes such a line malformed).
_BEYOND_NANOS = 2**63
_OUT_OF_RANGE_MICROS = int(LATEST.timestamp()) * 1_000_000


def epoch_times(text: pl.Series) -> pl.Series:
    """The instant each epoch number of ``text`` writes, in UTC: seconds, milliseconds,
    microseconds or nanoseconds, told apart by magnitude. Decimals are read exactly, to the
    microsecond (the rest is cut off, as ``strptime`` cuts nanoseconds); other numbers (an
    exponent, a sign) as a double, only those values; a negative number is no time.

    >>> numbers = ["1793610903.25", "1793610903250", "1793610903250000", "1793610903250000999",
    ...     "1.79361090325e+18", "-1", "soon", None]
    >>> epoch_times(pl.Series(numbers)).dt.strftime("%F %T%.6f").to_list()
    ... # doctest: +NORMALIZE_WHITESPACE
    ['2026-11-02 09:15:03.250000', '2026-11-02 09:15:03.250000', '2026-11-02 09:15:03.250000',
     '2026-11-02 09:15:03.250000', '2026-11-02 09:15:03.250000', None, None, None]
    """
    parts = text.str.extract_groups(_DECIMAL).struct.unnest()
    whole = parts.get_column("whole").cast(pl.Int64, strict=False)
    exact = parts.select(_exact_micros(pl.lit(whole), pl.col("fraction"))).to_series()
    micros = _read_where(exact, text, text.is_not_null(), _approximate_of)
    return micros.to_frame().select(_utc_time(pl.col(micros.name))).to_series().alias(text.name)


def _approximate_of(text: pl.Series) -> pl.Series:
    """``_approximate_micros`` of the numbers ``text`` writes."""
    number = text.cast(pl.Float64, strict=False).to_frame("number")
    return number.select(_approximate_micros(pl.col("number"))).to_series()


def _exact_micros(whole: pl.Expr, fraction: pl.Expr) -> pl.Expr:
    """The microseconds since the epoch a decimal number writes, of its whole part (an
    integer, null where it is none) and its fraction's digits (null: none)."""
    # The fraction's first six digits (zeros added), its first three: one string made, not two.
    micros = (fraction.fill_null("") + "000000").str.slice(0, 6).cast(pl.Int64)
    return (
        pl.when(whole < _BELOW_MILLIS)
        .then(whole * 1_000_000 + micros)
        .when(whole < _BELOW_MICROS)
        .then(whole * 1_000 + micros // 1_000)
        .when(whole < _BELOW_NANOS)
        .then(whole)
        .otherwise(whole // 1_000)
    )


def _approximate_micros(number: pl.Expr) -> pl.Expr:
    """The microseconds since the epoch of a number read as a double (one written with an
    exponent, as ``json_path_match`` writes large ones): null where it is negative or none."""
    scaled = (
        pl.when((number < 0) | number.is_nan())  # Polars orders NaN above every number
        .then(None)
        .when(number < _BELOW_MILLIS)
        .then(number * 1e6)
        .when(number < _BELOW_MICROS)
        .then(number * 1e3)
        .when(number < _BELOW_NANOS)
        .then(number)
        .when(number < _BEYOND_NANOS)
        # A product: Polars divides a column of several values by a constant as a product with
        # its reciprocal but one value exactly, so a quotient would depend on the block's size.
        .then(number * 1e-3)
        .when(number >= _BEYOND_NANOS)
        .then(_OUT_OF_RANGE_MICROS)
    )
    return scaled.floor().cast(pl.Int64, strict=False)


def _utc_time(micros: pl.Expr) -> pl.Expr:
    """The instant ``micros`` microseconds after the epoch, in UTC."""
    return pl.from_epoch(micros, time_unit="us").dt.replace_time_zone("UTC")


def _written_readers(text: pl.Expr) -> list[pl.Expr]:
    """The ways a logged time may be written as a date and a time, in the order they are
    tried: CLF (``02/Nov/2026:09:15:03 +0100``), ISO 8601 with an offset or ``Z``, ISO 8601
    without one (read as UTC)."""
    utc = pl.Datetime("us", "UTC")
    local = [
        text.str.strptime(pl.Datetime("us"), pattern, strict=False).dt.replace_time_zone("UTC")
        for pattern in _LOCAL_ISO
    ]
    return [
        text.str.strptime(utc, _CLF_TIME, strict=False),
        text.str.strptime(utc, ISO8601.format, strict=False),
        *local,
    ]


def logged_times(text: pl.Series) -> pl.Series:
    """The instant each value of ``text`` writes, in UTC, in whichever way it is written: the
    first of ``_written_readers`` that reads it, else as an epoch number (``epoch_times``); null
    where it is none of them. Each way is tried only on the values the ways before it did not
    read (a log writes its times one way: most are read by the first way tried that fits); the
    written ways only on values holding a ``:``, which each of them requires (an epoch number
    has none).

    >>> logged_times(pl.Series(["2026-11-02T09:15:03Z", "1793610903", "x", None])).to_list()
    ... # doctest: +NORMALIZE_WHITESPACE
    [datetime.datetime(2026, 11, 2, 9, 15, 3, tzinfo=zoneinfo.ZoneInfo(key='UTC')),
     datetime.datetime(2026, 11, 2, 9, 15, 3, tzinfo=zoneinfo.ZoneInfo(key='UTC')), None, None]
    """
    text = text.alias("text")
    with_colon = text.str.contains(":", literal=True).fill_null(False)
    times = pl.repeat(None, text.len(), dtype=pl.Datetime("us", "UTC"), eager=True)
    for way in _written_readers(pl.col("text")):
        times = _read_where(times, text, with_colon, _of_series(way))
    return _read_where(times, text, text.is_not_null(), epoch_times).alias("text")


def _of_series(way: pl.Expr) -> Callable[[pl.Series], pl.Series]:
    """``way``, an expression of the column ``text``, as a function of such a series."""
    return lambda text: text.to_frame().select(way).to_series()


def _read_where(
    times: pl.Series, text: pl.Series, tried: pl.Series, read: Callable[[pl.Series], pl.Series]
) -> pl.Series:
    """``times`` with the times ``read`` of the values of ``text`` that ``tried`` marks and
    that no time was read of yet."""
    at = (times.is_null() & tried).arg_true()
    if at.len() == 0:
        return times
    if at.len() == text.len():
        return read(text)
    return times.scatter(at, read(text.gather(at)))


# --- Fields ----------------------------------------------------------------------------------


def _value(text: pl.Expr) -> pl.Expr:
    """``text``, null where it is ``-`` or empty (no value logged)."""
    return pl.when(text.is_in(_MISSING)).then(None).otherwise(text)


def _whole_number(text: pl.Expr) -> pl.Expr:
    """A number's text without a fraction of zeros (``200.0`` → ``200``)."""
    return text.str.replace(_WHOLE_NUMBER, "${1}")


def _address(ip: pl.Expr) -> pl.Expr:
    """``ip`` without the port or the brackets around an IPv6 address."""
    return ip.str.replace(_ADDRESS_WITH_PORT, "${1}${2}")


def _method(text: pl.Expr) -> pl.Expr:
    """The method ``text`` names; GET when none is logged, null when it is no method."""
    return pl.when(text.is_null()).then(pl.lit("GET")).when(text.str.contains(_METHOD)).then(text)


def _not_object(text: pl.Expr) -> pl.Expr:
    """``text``, null where it is a JSON object (Caddy's ``request`` is no request line)."""
    return pl.when(~text.str.starts_with("{")).then(text)


def _with_query(path: pl.Expr, query: pl.Expr) -> pl.Expr:
    """``path?query`` where ``query`` holds a value and ``path`` no ``?``; else ``path``."""
    joined = query.is_not_null() & ~path.str.contains("?", literal=True)
    return pl.when(joined).then(pl.concat_str([path, pl.lit("?"), query])).otherwise(path)


@dataclass(frozen=True)
class KeyedFormat(LogFormat):
    """A reader of lines whose fields are named by keys (JSON, logfmt, LTSV): ``parse`` reads
    a whole chunk at once, with no state between chunks; ``name`` names this reader."""

    name: str
    example: str = ""
    description: str = ""

    @abstractmethod
    def parse(self, lines: pl.LazyFrame) -> pl.LazyFrame:
        """Parse a chunk of the line table."""

    def parser(self) -> LineParser:
        return self.parse


@dataclass(frozen=True)
class KeyTable:
    """A family's spellings of each field (``keys``, the preferred first), and how its lines
    are named: a line's variant is the convention of the spelling its request was read from
    (``conventions``), else ``generic``. A target of a ``path_only`` spelling without a ``?``
    of its own takes the query logged apart (nginx's ``$uri`` and ``$args``). A spelling of
    ``shaped`` holds a value only where it matches its regex (``SHAPED``)."""

    keys: Mapping[str, tuple[str, ...]]
    generic: str
    conventions: Mapping[str, str] = field(default_factory=dict)
    path_only: frozenset[str] = frozenset()
    shaped: Mapping[str, str] = field(default_factory=dict)

    @property
    def spellings(self) -> tuple[str, ...]:
        """Every spelling of the table, field by field."""
        return tuple(s for spellings in self.keys.values() for s in spellings)

    def by_field(self, present: Collection[str]) -> dict[str, tuple[str, ...]]:
        """The spellings of each field among ``present`` (those a chunk's lines hold).

        >>> KeyTable({"ip": ("ip", "client"), "status": ("status",)}, "x").by_field(["client"])
        {'ip': ('client',), 'status': ()}
        """
        return {
            name: tuple(s for s in spellings if s in present)
            for name, spellings in self.keys.items()
        }

    def fields(self, by_field: Mapping[str, tuple[str, ...]]) -> KeyedFields:
        """The fields of a chunk whose lines hold the spellings of ``by_field`` (a field's
        spellings of this table that occur in the chunk)."""
        return KeyedFields(self, by_field)

    def fields_of(self, values: pl.DataFrame) -> KeyedFields:
        """The fields of a chunk whose ``values`` a reader found: a column for each spelling
        some line holds."""
        return self.fields(self.by_field(values.columns))


def _column(spelling: str) -> pl.Expr:
    """The working column holding the values of ``spelling``."""
    return pl.col(_COLUMN + spelling)


@dataclass(frozen=True)
class KeyedFields:
    """The fields of a chunk, from the values of the spellings of ``by_field`` (``with_values``
    adds them to the chunk)."""

    table: KeyTable
    by_field: Mapping[str, tuple[str, ...]]

    @cached_property
    def present(self) -> frozenset[str]:
        """The spellings the chunk's lines hold."""
        return frozenset(s for spellings in self.by_field.values() for s in spellings)

    def with_values(self, lines: pl.DataFrame, values: pl.DataFrame) -> pl.DataFrame:
        """``lines`` with ``values`` (a column per spelling, named after it) as the working
        columns the fields are read from."""
        return lines.hstack(values.rename(lambda spelling: _COLUMN + spelling))

    def held(self, spelling: str) -> pl.Expr:
        """The value ``spelling`` holds on each line: null where it is ``-`` or empty, or, for
        a spelling of the table's ``shaped``, where it has not its field's shape (one regex
        search, only for the shaped spellings a chunk holds), unless a spelling ``VOUCHED``
        for it holds one on the line."""
        value = _value(_column(spelling))
        shape = self.table.shaped.get(spelling)
        if shape is None:
            return value
        vouching = [self.held(s) for s in VOUCHED.get(spelling, ()) if s in self.present]
        fits = pl.any_horizontal(value.str.contains(shape), *(v.is_not_null() for v in vouching))
        return pl.when(fits).then(value)

    def first(self, name: str) -> pl.Expr:
        """Field ``name``: the first of its spellings holding a value (``held``)."""
        values = [self.held(s) for s in self.by_field[name]]
        return pl.coalesce(values) if values else pl.lit(None, dtype=pl.String)

    def request_line(self) -> pl.Expr:
        """The logged request line, where there is one."""
        values = [_value(_not_object(_column(s))) for s in self.by_field["request"]]
        return pl.coalesce(values) if values else pl.lit(None, dtype=pl.String)

    def target(self) -> pl.Expr:
        """The request target: the first target spelling holding a value. One of the table's
        ``path_only`` without a ``?`` of its own takes the logged query, where there is one:
        ``"path":"/a","args":"b=1"`` is ``/a?b=1``. A space or a ``#`` in it is escaped, as
        in a request line (nginx logs ``$uri`` decoded: ``/tag/#foo`` was ``/tag/%23foo``)."""
        query = _not_object(self.first("query")) if self.by_field["query"] else None
        values = [
            _with_query(self.held(s), query)
            if query is not None and s in self.table.path_only
            else self.held(s)
            for s in self.by_field["target"]
        ]
        if not values:
            return pl.lit(None, dtype=pl.String)
        target = pl.coalesce(values)
        return target.str.replace_all(" ", "%20", literal=True).str.replace_all(
            "#", "%23", literal=True
        )

    def request(self) -> pl.Expr:
        """The request line (``_line``), or one made of the method and the target (the
        protocol, which nothing later reads, is made up)."""
        made = pl.concat_str(
            [_method(self.first("method")), self.target(), pl.lit("HTTP/1.1")],
            separator=" ",
        )
        return pl.coalesce(pl.col("_line"), made)

    def convention(self) -> pl.Expr:
        """The variant of each line: the convention of the spelling its request came from."""
        conventions, generic = self.table.conventions, self.table.generic
        found = [
            pl.when(pl.col("_line").is_not_null()).then(pl.lit(conventions.get("request", generic)))
        ]
        found += [
            pl.when(self.held(s).is_not_null()).then(pl.lit(conventions.get(s, generic)))
            for s in self.by_field["target"]
        ]
        return pl.coalesce([*found, pl.lit(generic)]).alias("_variant")

    def raw_fields(self, read: pl.DataFrame, ip: pl.Expr | None = None) -> pl.Series:
        """The ``_fields`` struct ``normalize`` reads, of ``read`` (the chunk with the columns
        of ``with_values`` and ``_line``); ``ip`` replaces the first of its spellings. The
        address and the numbers are rewritten only where they may change: an address with a
        port or brackets, a number with a fraction."""
        firsts = _selected(
            read,
            (self.first("ip") if ip is None else ip).alias("ip"),
            self.request().alias("request"),
            self.first("status").alias("status"),
            self.first("bytes").alias("bytes"),
            *(self.first(name).alias(name) for name in TEXT_FIELDS),
        )
        ip_text, status, size = (firsts.get_column(name) for name in ("ip", "status", "bytes"))
        with_port = ip_text.str.contains(":", literal=True) | ip_text.str.starts_with("[")
        rewritten = firsts.with_columns(
            _rewritten(ip_text, with_port, _address),
            _rewritten(status, status.str.contains(".", literal=True), _whole_number),
            _rewritten(size, size.str.contains(".", literal=True), _whole_number),
        )
        return rewritten.to_struct("_fields")

    def hits(
        self,
        lines: pl.DataFrame,
        values: pl.DataFrame,
        *,
        time: pl.Expr | None = None,
        ip: pl.Expr | None = None,
        variant: pl.Expr | None = None,
    ) -> pl.DataFrame:
        """The typed hit fields of ``lines``, from ``values`` (the value of each spelling of
        ``by_field`` on each line, a column per spelling named after it). ``time``, ``ip`` and
        ``variant``, expressions of the chunk with its working columns, replace the first
        spelling of the time, of the client and the convention of each line."""
        read = self.with_values(lines, values).with_columns(_line=self.request_line())
        written = _selected(
            read,
            (self.first("time") if time is None else time).alias("_time"),
            (self.convention() if variant is None else variant).alias("_variant"),
        )
        typed = lines.with_columns(
            self.raw_fields(read, ip),
            written.get_column("_variant"),
            logged_times(written.get_column("_time")).alias("_ts"),
        )
        parsed = normalize_frame(
            typed, RAW_FIELDS, ISO8601, ts=pl.col("_ts"), variant=pl.col("_variant")
        )
        return parsed.drop("_variant", "_ts")


def _selected(frame: pl.DataFrame, *columns: pl.Expr) -> pl.DataFrame:
    """``columns`` of ``frame``, a constant repeated on every row."""
    return frame.with_columns(columns).select(column.meta.output_name() for column in columns)


def _rewritten(
    text: pl.Series, where: pl.Series, rewrite: Callable[[pl.Expr], pl.Expr]
) -> pl.Series:
    """``text`` with ``rewrite`` applied to the values ``where`` says (the others it would
    leave as they are): a regex costs only the values it may change."""
    at = where.fill_null(False).arg_true()
    if at.len() == 0:
        return text
    changed = text.gather(at).to_frame().select(rewrite(pl.col(text.name))).to_series()
    return text.clone().scatter(at, changed)
