"""Key=value access logs: logfmt request lines (Heroku's router, Go's ``log/slog`` and logrus)
and LTSV, each family with a key table of its own, read by the rules of ``keyed``.

logfmt (family ``logfmt``): ``key=value`` pairs separated by spaces, a value in double quotes
where it holds a space, ``=`` or a quote (``\\"``, as Go's ``strconv.Quote`` writes it). Its
keys are the plain (not nested) spellings of the JSON table, ``JSON_KEYS``, and Heroku's
``fwd``: the same words mean the same fields (``host`` is the virtual host).

- ``heroku``: the router's lines, as ``heroku logs`` prints them (``2026-11-02T09:15:03.123456
  +00:00 heroku[router]: at=info method=GET path="/products/tent?ref=nl" host=… fwd="…" …
  status=200 bytes=5123 protocol=https``) and as a syslog drain delivers them (RFC 5424
  without structured data: ``<158>1 2026-11-02T09:15:03.123456+00:00 host heroku router -
  at=info …``, maybe after the octet count of an HTTPS drain). Errors (``at=error code=H12
  desc="Request timeout" … status=503``) are requests too. The time is the header's; the
  client is ``fwd``'s last address, the one the router saw connect (it appends it to an
  X-Forwarded-For the client sent), and ``fwd`` the X-Forwarded-For list.
- ``logfmt``: any other logfmt request line, as Go's ``slog.TextHandler`` and logrus's text
  formatter write them (``time=2026-11-02T09:15:03.000+01:00 level=INFO msg=request
  method=GET path=/products status=200 remote_addr=203.0.113.7:51234 …``).

The Heroku app's own lines (``app[web.1]: …``, a request it logs too: the router's line is the
request) and the platform's (``heroku[web.1]: State changed …``) are no request
(``heroku_message``), nor is a logger's message without a key of a request
(``logfmt_message``).

A value is the first ``key=`` after the start of the line or a space, outside the quotes of
another value: a quoted value holding `` path=/x`` (a user agent a client chose) is not read
as a path. A chunk costs what its lines hold, not what the table knows: one regex finds every
pair of a line (and steps over quoted text), the pairs whose key is in the table are kept,
and a column is made of each key they hold. A quoted value's escapes are undone where it
holds a backslash, once per distinct value.

LTSV (family ``ltsv``, Labeled Tab-separated Values): ``label:value`` fields separated by
tabs, the labels ltsv.org recommends: ``time`` (CLF, maybe in brackets as Apache's ``%t``
writes it, or ISO 8601), ``host`` (the client: LTSV's ``host`` is the remote host),
``forwardedfor``, ``req`` (the request line), ``method`` and ``uri``, ``status``, ``size``,
``referer``, ``ua`` and ``vhost`` (the virtual host). A value holds no tab: a line is split
at its tabs once, each field at its first colon, and a label's value is its first field's.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

import polars as pl

from micromacro.logformats.envelopes import ISO_TIME
from micromacro.logformats.families import COMMENT_LINE, Family, NotHttp
from micromacro.logformats.formatstrings import json_unescaped
from micromacro.logformats.jsonlines import JSON_KEYS
from micromacro.logformats.keyed import SHAPED, KeyedFormat, KeyTable
from micromacro.logformats.patterns import QUOTED_TEXT

_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"

# --- logfmt ----------------------------------------------------------------------------------

# Spellings logfmt writers use beyond JSON's plain ones: Heroku's bytes and X-Forwarded-For,
# a query.
_LOGFMT_MORE: Mapping[str, tuple[str, ...]] = {
    "bytes": ("bytes",),
    "forwarded_for": ("fwd",),
    "query": ("query",),
}
LOGFMT_KEYS: Mapping[str, tuple[str, ...]] = {
    name: tuple(s for s in spellings if "." not in s and "[" not in s) + _LOGFMT_MORE.get(name, ())
    for name, spellings in JSON_KEYS.items()
}
LOGFMT = "logfmt"
LOGFMT_TABLE = KeyTable(LOGFMT_KEYS, LOGFMT, path_only=frozenset({"uri", "path"}), shaped=SHAPED)

# A logfmt pair: a key at the start of the line or after a space, then its value in double
# quotes (escapes inside) or up to a space.
_PAIR = f'(?:^|[ \\t])[^ \\t="]+=(?:"{QUOTED_TEXT}"|[^ \\t"]*)'
# A quoted text that is no pair's value (unclosed: to the end of the line), stepped over whole
# so that no key is read inside it.
_STRAY_QUOTES = f'"{QUOTED_TEXT}(?:"|\\\\?$)'
# The working columns of a chunk's pairs: the line each is on, the piece of the line it is
# (``key=value``, ``label:value``), its key and its value.
_ROW, _PIECE, _KEY, _VALUE = "_row", "_piece", "_key", "_value"

# What Heroku writes before a line: ``heroku logs``' time and source[dyno] (a syslog file's
# host name between them), or a drain's RFC 5424 header without structured data (after the
# octet count of an HTTPS drain).
_HEROKU_PREFIX = f"^(?:[0-9]+ )?(?:<[0-9]{{1,3}}>[0-9]{{1,2}} )?(?P<time>{ISO_TIME}) (?:[^ ]+ )?"
_HEROKU_SOURCE = r"(?P<source>(?:app|heroku)\[[^\]]+\]:|(?:app|heroku) [^ ]+ -) "
HEROKU_HEADER = _HEROKU_PREFIX + _HEROKU_SOURCE
# The router's source, as a header names it: the lines that may be requests.
_ROUTER = r"^heroku(?:\[router\]:| router -)"
_HEROKU_TIME, _HEROKU_SOURCE_COLUMN = "_heroku_time", "_heroku_source"
HEROKU = "heroku"


def logfmt_values(lines: pl.Series, keys: Collection[str]) -> pl.DataFrame:
    """The value of each of ``keys`` on each line, unquoted: a column for each key some line
    holds, named after it, null where the line holds no such pair (of a key repeated, its
    first pair). A key inside another value's quotes is not read.

    >>> line = 'msg="a path=/x" path="/y z" status=200 ua="say \\\\"hi\\\\"" path=/w'
    >>> logfmt_values(pl.Series([line, "-"]), ["path", "status", "ua", "bytes"]).rows()
    [('/y z', '200', 'say "hi"'), (None, None, None)]
    """
    pieces = _pieces(lines, pl.col("line").str.extract_all(f"{_PAIR}|{_STRAY_QUOTES}"))
    # The space before a key is its pair's. A quoted text that is no pair's value has no key
    # of a table (a key holds no quote).
    pairs = _pairs(pieces, pl.col(_PIECE).str.strip_chars_start(" \t"), "=", keys)
    return _by_key(pairs.with_columns(_unquoted(pairs.get_column(_VALUE))), lines.len())


def _unquoted(values: pl.Series) -> pl.Series:
    """Each value without its double quotes, a quoted one's escapes undone where it holds a
    backslash (a value up to a space holds no quote, and is as written)."""
    at = values.str.starts_with('"').arg_true()
    if at.len() == 0:
        return values
    inside = values.gather(at).str.strip_prefix('"').str.strip_suffix('"')
    return values.clone().scatter(at, json_unescaped(inside))


def _pieces(lines: pl.Series, pieces: pl.Expr) -> pl.DataFrame:
    """The ``pieces`` of each line (a list of texts, of column ``line``), a row each: its
    line's ``_ROW`` and the ``_PIECE``, in the order of the lines and of the pieces."""
    numbered = lines.to_frame("line").select(
        pl.int_range(pl.len(), dtype=pl.UInt32).alias(_ROW), pieces.alias(_PIECE)
    )
    return numbered.explode(_PIECE)


def _pairs(
    pieces: pl.DataFrame, piece: pl.Expr, separator: str, keys: Collection[str]
) -> pl.DataFrame:
    """The pairs of ``pieces`` (each ``piece`` a key, the ``separator`` and a value) whose key
    is one of ``keys``: its line's ``_ROW``, its ``_KEY`` and its ``_VALUE``."""
    pair = piece.str.splitn(separator, 2).struct.rename_fields([_KEY, _VALUE])
    split = pieces.select(_ROW, pair.alias(_PIECE)).unnest(_PIECE)
    return split.filter(pl.col(_KEY).is_in(list(keys)))


def _by_key(pairs: pl.DataFrame, height: int) -> pl.DataFrame:
    """The values of ``pairs`` (of ``_pairs``) as a column per key, of ``height`` rows: each
    line's first value of the key, null where its line holds none."""
    if pairs.height == 0:
        return pl.DataFrame()
    wide = pairs.pivot(_KEY, index=_ROW, values=_VALUE, aggregate_function="first")
    if wide.height < height:
        rows = pl.int_range(height, dtype=pl.UInt32, eager=True).alias(_ROW).to_frame()
        wide = rows.join(wide, on=_ROW, how="left", maintain_order="left")
    return wide.drop(_ROW)


def _last_address(listed: pl.Expr) -> pl.Expr:
    """The last address of an X-Forwarded-For list (``fwd="198.51.100.2, 203.0.113.7"``)."""
    return listed.str.extract(r"([^,\s]+)\s*$", 1)


def _heroku_header(lines: pl.Series) -> list[pl.Series]:
    """The time and the source of each line's Heroku header (null without one)."""
    header = lines.to_frame("line").select(pl.col("line").str.extract_groups(HEROKU_HEADER))
    parts = header.to_series()
    return [
        parts.struct.field("time").alias(_HEROKU_TIME),
        parts.struct.field("source").alias(_HEROKU_SOURCE_COLUMN),
    ]


@dataclass(frozen=True)
class LogfmtLines(KeyedFormat):
    """logfmt request lines with the keys of ``LOGFMT_KEYS``; ``name`` names this reader."""

    def parse(self, lines: pl.LazyFrame) -> pl.LazyFrame:
        """Parse a chunk of the line table (this format has no state between chunks)."""
        table = lines.collect()
        line = table.get_column("line")
        values = logfmt_values(line, LOGFMT_TABLE.spellings)
        fields = LOGFMT_TABLE.fields_of(values)
        source = pl.col(_HEROKU_SOURCE_COLUMN)
        router = source.str.contains(_ROUTER)
        # An app's or the platform's own line is no request: it has no time.
        time = pl.when(source.is_null() | router).then(
            pl.coalesce(fields.first("time"), pl.col(_HEROKU_TIME))
        )
        client = pl.coalesce(fields.first("ip"), _last_address(fields.first("forwarded_for")))
        variant = pl.when(router).then(pl.lit(HEROKU)).otherwise(pl.lit(LOGFMT))
        parsed = fields.hits(
            table.with_columns(_heroku_header(line)), values, time=time, ip=client, variant=variant
        )
        return parsed.drop(_HEROKU_TIME, _HEROKU_SOURCE_COLUMN).lazy()


LOGFMT_LINES = LogfmtLines(
    name=LOGFMT,
    example=(
        "time=2026-11-02T09:15:03.000+01:00 level=INFO msg=request method=GET "
        "path=/products/tent query=ref=nl status=200 bytes=5123 remote_addr=203.0.113.7:51234 "
        f'host=shop.example.com referer=https://www.google.com/ user_agent="{_UA}"'
    ),
    description="logfmt request lines (Go's log/slog TextHandler, logrus) with the json "
    "reader's plain keys",
)
HEROKU_ROUTER = LogfmtLines(
    name=HEROKU,
    example=(
        "2026-11-02T09:15:03.123456+00:00 heroku[router]: at=info method=GET "
        'path="/products/tent?ref=nl" host=shop.example.com '
        'request_id=1a2b3c4d-5e6f-4a5b-8c7d-9e0f1a2b3c4d fwd="203.0.113.7" dyno=web.1 '
        "connect=0ms service=12ms status=200 bytes=5123 protocol=https"
    ),
    description="Heroku router logs (heroku logs, or a syslog drain); a name of logfmt",
)

# The app's and the platform's own lines, a router line without a request left malformed.
HEROKU_MESSAGE = NotHttp(
    "heroku_message",
    HEROKU_HEADER,
    unless=f"{_HEROKU_PREFIX}heroku(?:\\[router\\]:| router -) .*[ \\t]method=",
)
# A structured logger's message (a "level" and a "msg") with no key of a request.
LOGFMT_MESSAGE = NotHttp(
    "logfmt_message",
    r"(?:^|[ \t])level=.*[ \t]msg=|(?:^|[ \t])msg=.*[ \t]level=",
    unless="(?:^|[ \\t])(?:"
    + "|".join(
        re.escape(key)
        for key in (*LOGFMT_KEYS["request"], *LOGFMT_KEYS["target"], *LOGFMT_KEYS["method"])
    )
    + ")=",
    recognises=False,
)
LOGFMT_FAMILY = Family(
    LOGFMT,
    (HEROKU_ROUTER,),
    general=LOGFMT_LINES,
    not_http=(HEROKU_MESSAGE, LOGFMT_MESSAGE),
    description="logfmt (key=value) request logs",
    distinct_variants=False,  # one reader under two names
    forwarded_for_marker="(?:^|[ \\t])(?:"
    + "|".join(re.escape(key) for key in LOGFMT_KEYS["forwarded_for"])
    + ")=",
    # A comment, a key= at the start of the line or after a space, or a Heroku header.
    claims=rf"{COMMENT_LINE}|(?:^|[ \t])[A-Za-z_][A-Za-z0-9_.\-]*=|{HEROKU_HEADER}",
)

# --- LTSV ------------------------------------------------------------------------------------

LTSV = "ltsv"
# ltsv.org's labels: ``host`` is the client, ``vhost`` the virtual host.
LTSV_KEYS: Mapping[str, tuple[str, ...]] = {
    "time": ("time",),
    "ip": ("host",),
    "request": ("req",),
    "target": ("uri",),
    "query": (),
    "method": ("method",),
    "status": ("status",),
    "bytes": ("size",),
    "referrer": ("referer",),
    "user_agent": ("ua",),
    "host": ("vhost",),
    "forwarded_for": ("forwardedfor",),
}
LTSV_TABLE = KeyTable(LTSV_KEYS, LTSV)


def ltsv_values(lines: pl.Series, labels: Collection[str]) -> pl.DataFrame:
    """The value of each of ``labels`` on each line: a column for each label some line holds,
    named after it, null where the line holds no such field (of a label repeated, its first).

    >>> lines = pl.Series(["host:203.0.113.7\\tstatus:200\\tstatus:500", "ua:curl"])
    >>> ltsv_values(lines, ["status", "host", "vhost"]).rows()
    [('203.0.113.7', '200'), (None, None)]
    """
    fields = _pieces(lines, pl.col("line").str.split("\t"))
    return _by_key(_pairs(fields, pl.col(_PIECE), ":", labels), lines.len())


@dataclass(frozen=True)
class LtsvLines(KeyedFormat):
    """LTSV lines with the labels of ``LTSV_KEYS``."""

    def parse(self, lines: pl.LazyFrame) -> pl.LazyFrame:
        """Parse a chunk of the line table (this format has no state between chunks)."""
        table = lines.collect()
        line = table.get_column("line")
        values = ltsv_values(line, LTSV_TABLE.spellings)
        fields = LTSV_TABLE.fields_of(values)
        # Apache's %t writes its brackets.
        time = fields.first("time").str.strip_prefix("[").str.strip_suffix("]")
        return fields.hits(table, values, time=time).lazy()


LTSV_LINES = LtsvLines(
    name=LTSV,
    example=(
        "time:[02/Nov/2026:09:15:03 +0900]\thost:203.0.113.7\tforwardedfor:-\t"
        "req:GET /products/tent?ref=nl HTTP/1.1\tstatus:200\tsize:5123\t"
        f"referer:https://www.google.com/\tua:{_UA}\tvhost:shop.example.com"
    ),
    description="LTSV (Labeled Tab-separated Values) with ltsv.org's labels; host is the client",
)
LTSV_FAMILY = Family(
    LTSV,
    (LTSV_LINES,),
    description=LTSV_LINES.description,
    forwarded_for_marker=r"(?:^|\t)forwardedfor:",
    # A comment, or a label and its colon at the start of the line or after a tab.
    claims=rf"{COMMENT_LINE}|(?:^|\t)[0-9A-Za-z_.\-]+:",
)
