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
as a path. Each spelling is one ``str.extract_groups`` over the chunk; the lines where a key
occurs inside quotes (a rare line, found by one regex match of all keys) are read again with
a regex that steps over the quoted values before the key. A quoted value's escapes are
undone where it holds a backslash, once per distinct value.

LTSV (family ``ltsv``, Labeled Tab-separated Values): ``label:value`` fields separated by
tabs, the labels ltsv.org recommends: ``time`` (CLF, maybe in brackets as Apache's ``%t``
writes it, or ISO 8601), ``host`` (the client: LTSV's ``host`` is the remote host),
``forwardedfor``, ``req`` (the request line), ``method`` and ``uri``, ``status``, ``size``,
``referer``, ``ua`` and ``vhost`` (the virtual host). A value holds no tab: a line is split
at its tabs once, and a label's value is its first field's after ``label:`` (half the time
of a regex per label).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from micromacro.logformats.base import LineParser, LogFormat
from micromacro.logformats.envelopes import ISO_TIME
from micromacro.logformats.families import COMMENT_LINE, Family, NotHttp
from micromacro.logformats.formatstrings import json_unescaped
from micromacro.logformats.jsonlines import JSON_KEYS
from micromacro.logformats.keyed import KeyTable
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
LOGFMT_TABLE = KeyTable(LOGFMT_KEYS, LOGFMT, path_only=frozenset({"uri", "path"}))

# A logfmt value: in double quotes (escapes inside), or up to a space.
_VALUE = f'(?:"(?P<quoted>{QUOTED_TEXT})"|(?P<bare>[^ \\t"]*))'
# The line up to a key, its quoted values stepped over whole.
_OUTSIDE_QUOTES = f'^(?:[^"]|"{QUOTED_TEXT}")*?'

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


def _pair(key: str) -> str:
    """A logfmt pair of ``key``, at the start of the line or after a space."""
    return f"(?:^|[ \\t]){re.escape(key)}={_VALUE}"


def _quoted_keys(keys: Sequence[str]) -> str:
    """A line where one of ``keys`` occurs as ``key=`` inside a quoted value."""
    names = "|".join(re.escape(key) for key in keys)
    return f'{_OUTSIDE_QUOTES}"{QUOTED_TEXT}[ \\t](?:{names})='


def logfmt_values(lines: pl.Series, spellings: Sequence[str]) -> pl.DataFrame:
    """The value of each spelling on each line, unquoted: a column per spelling, named after
    it, null where the line holds no such pair.

    >>> line = 'msg="a path=/x" path="/y z" status=200 ua="say \\\\"hi\\\\""'
    >>> logfmt_values(pl.Series([line]), ["path", "status", "ua"]).row(0)
    ('/y z', '200', 'say "hi"')
    """
    frame = lines.to_frame("line")
    if not spellings:
        return pl.DataFrame(schema=dict.fromkeys(spellings, pl.String))
    values = _unquoted(
        frame.select(pl.col("line").str.extract_groups(_pair(s)).alias(s) for s in spellings)
    )
    inside = lines.str.contains(_quoted_keys(spellings)).fill_null(False)
    if not inside.any():
        return values
    at = inside.arg_true()
    again = _unquoted(
        frame[at].select(
            pl.col("line").str.extract_groups(_OUTSIDE_QUOTES + _pair(s)).alias(s)
            for s in spellings
        )
    )
    return pl.DataFrame([values.get_column(s).scatter(at, again.get_column(s)) for s in spellings])


def _unquoted(pairs: pl.DataFrame) -> pl.DataFrame:
    """The value of each pair (a struct of ``_VALUE``'s groups): a quoted one with its escapes
    undone where it holds a backslash, else the bare one."""
    return pl.DataFrame(
        json_unescaped(pair.struct.field("quoted"))
        .fill_null(pair.struct.field("bare"))
        .alias(pair.name)
        for pair in pairs.iter_columns()
    )


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
class LogfmtLines(LogFormat):
    """logfmt request lines with the keys of ``LOGFMT_KEYS``; ``name`` names this reader."""

    name: str
    example: str = ""
    description: str = ""

    def parse(self, lines: pl.LazyFrame) -> pl.LazyFrame:
        """Parse a chunk of the line table (this format has no state between chunks)."""
        table = lines.collect()
        line = table.get_column("line")
        by_field = LOGFMT_TABLE.spellings_in(line, "{}=")
        spellings = list(dict.fromkeys(s for found in by_field.values() for s in found))
        values = logfmt_values(line, spellings)
        fields = LOGFMT_TABLE.fields(by_field)
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

    def parser(self) -> LineParser:
        return self.parse


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


def ltsv_values(lines: pl.Series, labels: Sequence[str]) -> pl.DataFrame:
    """The value of each label on each line: a column per label, named after it, null where
    the line holds no such field.

    >>> ltsv_values(pl.Series(["host:203.0.113.7\\tstatus:200"]), ["status", "ua"]).row(0)
    ('200', None)
    """
    fields = lines.str.split("\t").to_frame("fields")
    field = pl.element()
    return fields.select(
        pl.col("fields")
        .list.eval(field.filter(field.str.starts_with(f"{label}:")).str.slice(len(label) + 1))
        .list.first()
        .alias(label)
        for label in labels
    )


@dataclass(frozen=True)
class LtsvLines(LogFormat):
    """LTSV lines with the labels of ``LTSV_KEYS``."""

    name: str
    example: str = ""
    description: str = ""

    def parse(self, lines: pl.LazyFrame) -> pl.LazyFrame:
        """Parse a chunk of the line table (this format has no state between chunks)."""
        table = lines.collect()
        line = table.get_column("line")
        by_field = LTSV_TABLE.spellings_in(line, "{}:")
        labels = list(dict.fromkeys(s for found in by_field.values() for s in found))
        fields = LTSV_TABLE.fields(by_field)
        # Apache's %t writes its brackets.
        time = fields.first("time").str.strip_prefix("[").str.strip_suffix("]")
        return fields.hits(table, ltsv_values(line, labels), time=time).lazy()

    def parser(self) -> LineParser:
        return self.parse


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
