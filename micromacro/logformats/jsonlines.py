"""JSON-lines access logs, one JSON object a line: Caddy, nginx ``escape=json`` and Traefik.

Each raw field (``fields.RAW_FIELDS``) is read with ``str.json_path_match`` over the whole line
column. It gives null, never an error, where a line is not valid JSON, is not an object or
lacks the member, so such a line simply comes out unparsed (``str.json_decode`` raises on it
instead). A member holding a number is read as its text, one holding an object or an array as
its JSON text: not a method, number or time, so those fields come out null.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import polars as pl

from micromacro.logformats.base import LineParser, LogFormat
from micromacro.logformats.families import Family
from micromacro.logformats.fields import (
    CLF,
    EPOCH_SECONDS,
    ISO8601,
    TimeSpec,
    normalize,
    parse_time,
    raw_field,
)

RawFields = Callable[[], Mapping[str, pl.Expr]]

# An HTTP method is a token (RFC 9110); any other value logged as one is not a request.
_METHOD = r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"
# "host:port" or "[v6 host]:port", as Go writes a network address.
_HOST_OF_ADDRESS = r"^\[?([^\[\]]+?)\]?:[0-9]+$"
_MISSING = ("", "-")
_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


@dataclass(frozen=True)
class JsonFormat(LogFormat):
    """A format that logs each request as one JSON object.

    ``raw_fields`` gives the expression reading each raw field from the ``line`` column; the
    ``time`` raw field is read with the first of ``times`` it fits.
    """

    name: str
    raw_fields: RawFields
    times: tuple[TimeSpec, ...]
    example: str = ""
    description: str = ""

    def parse(self, lines: pl.LazyFrame) -> pl.LazyFrame:
        """Parse a chunk of the line table (this format has no state between chunks)."""
        raw = self.raw_fields()
        present = frozenset(raw)
        time = raw_field(present, "time")
        ts = pl.coalesce([parse_time(time, spec) for spec in self.times])
        extracted = lines.with_columns(
            _fields=pl.struct([value.alias(name) for name, value in raw.items()])
        )
        return normalize(extracted, present, self.times[0], ts=ts, variant=self.name)

    def parser(self) -> LineParser:
        return self.parse


def member(*steps: str | int) -> pl.Expr:
    """The JSON value at ``steps`` (object keys, array indexes) of each line, as text.

    Null where the line is not JSON or has no such value.

    >>> lines = pl.DataFrame({"line": ['{"a":{"b-c":["x","y"]}}', '{"a":', '["x"]']})
    >>> lines.select(member("a", "b-c", 0))["line"].to_list()
    ['x', None, None]
    """
    path = "$" + "".join(f"[{step}]" if isinstance(step, int) else f"['{step}']" for step in steps)
    return pl.col("line").str.json_path_match(path)


def _first_of(*values: pl.Expr) -> pl.Expr:
    """The first of ``values`` that is neither null, empty nor ``-``."""
    return pl.coalesce(
        [pl.when(value.is_in(_MISSING)).then(None).otherwise(value) for value in values]
    )


def _method(value: pl.Expr) -> pl.Expr:
    """``value`` where it is an HTTP method, else null."""
    return pl.when(value.str.contains(_METHOD)).then(value)


def _host_of_address(address: pl.Expr) -> pl.Expr:
    """The host of a ``host:port`` address, without the brackets around an IPv6 host."""
    return address.str.extract(_HOST_OF_ADDRESS, 1)


def _caddy_header(name: str) -> pl.Expr:
    """The first value of the request header ``name`` (Caddy logs each as a list)."""
    return member("request", "headers", name, 0)


def _caddy_fields() -> Mapping[str, pl.Expr]:
    return {
        "time": member("ts"),
        "ip": _first_of(member("request", "client_ip"), member("request", "remote_ip")),
        "method": _method(member("request", "method")),
        "uri": member("request", "uri"),
        "host": member("request", "host"),
        "status": member("status"),
        "bytes": member("size"),
        "referrer": _caddy_header("Referer"),
        "user_agent": _caddy_header("User-Agent"),
        "forwarded_for": _caddy_header("X-Forwarded-For"),
    }


def _nginx_request() -> pl.Expr:
    """``$request``, or a request line made of ``$request_method`` and ``$request_uri``.

    The protocol of a made-up line is not logged, and nothing later reads it.
    """
    parts = [member("request_method"), member("request_uri"), pl.lit("HTTP/1.1")]
    return _first_of(member("request"), pl.concat_str(parts, separator=" "))


def _nginx_fields() -> Mapping[str, pl.Expr]:
    return {
        "time": _first_of(member("time_local"), member("time_iso8601"), member("msec")),
        "ip": member("remote_addr"),
        "request": _nginx_request(),
        "status": member("status"),
        "bytes": _first_of(member("body_bytes_sent"), member("bytes_sent")),
        "referrer": member("http_referer"),
        "user_agent": member("http_user_agent"),
        "host": _first_of(member("host"), member("http_host")),
        "forwarded_for": member("http_x_forwarded_for"),
    }


def _traefik_fields() -> Mapping[str, pl.Expr]:
    return {
        "time": _first_of(member("StartUTC"), member("StartLocal")),
        "ip": _first_of(member("ClientHost"), _host_of_address(member("ClientAddr"))),
        "method": _method(member("RequestMethod")),
        "uri": member("RequestPath"),
        "host": member("RequestHost"),
        "status": member("DownstreamStatus"),
        "bytes": member("DownstreamContentSize"),
        "referrer": member("request_Referer"),
        "user_agent": member("request_User-Agent"),
        "forwarded_for": member("request_X-Forwarded-For"),
    }


CADDY = JsonFormat(
    name="caddy",
    raw_fields=_caddy_fields,
    times=(EPOCH_SECONDS, ISO8601),
    example=(
        '{"level":"info","ts":1793610903.123456,"logger":"http.log.access.log0",'
        '"msg":"handled request","request":{"remote_ip":"203.0.113.7","remote_port":"51234",'
        '"client_ip":"203.0.113.7","proto":"HTTP/2.0","method":"GET","host":"shop.example.com",'
        '"uri":"/products/tent?ref=nl","headers":{"User-Agent":["' + _UA + '"],'
        '"Referer":["https://www.google.com/"],"Accept":["text/html"]},'
        '"tls":{"resumed":false,"version":772,"proto":"h2","server_name":"shop.example.com"}},'
        '"bytes_read":0,"user_id":"","duration":0.0012,"size":5123,"status":200,'
        '"resp_headers":{"Content-Type":["text/html; charset=utf-8"]}}'
    ),
    description="Caddy JSON access log (ts as epoch seconds or ISO 8601)",
)

NGINX_JSON = JsonFormat(
    name="nginx_json",
    raw_fields=_nginx_fields,
    times=(CLF, ISO8601, EPOCH_SECONDS),
    example=(
        '{"time_local":"02/Nov/2026:09:15:03 +0100","remote_addr":"203.0.113.7",'
        '"remote_user":"","request":"GET /products/tent?ref=nl HTTP/1.1","status":"200",'
        '"body_bytes_sent":"5123","request_time":"0.004","http_referer":"https://www.google.com/",'
        '"http_user_agent":"' + _UA + '","http_x_forwarded_for":"","host":"shop.example.com"}'
    ),
    description="nginx log_format escape=json keyed by variable name ($time_local, $request, …)",
)

TRAEFIK_JSON = JsonFormat(
    name="traefik_json",
    raw_fields=_traefik_fields,
    times=(ISO8601,),
    example=(
        '{"ClientAddr":"203.0.113.7:51234","ClientHost":"203.0.113.7","ClientPort":"51234",'
        '"ClientUsername":"-","DownstreamContentSize":5123,"DownstreamStatus":200,'
        '"Duration":3042117,"OriginContentSize":5123,"OriginDuration":2871034,"OriginStatus":200,'
        '"Overhead":171083,"RequestAddr":"shop.example.com","RequestContentSize":0,'
        '"RequestCount":1042,"RequestHost":"shop.example.com","RequestMethod":"GET",'
        '"RequestPath":"/products/tent?ref=nl","RequestPort":"-","RequestProtocol":"HTTP/2.0",'
        '"RequestScheme":"https","RetryAttempts":0,"RouterName":"shop@docker",'
        '"ServiceAddr":"172.18.0.5:8080","ServiceName":"shop@docker",'
        '"ServiceURL":"http://172.18.0.5:8080","StartLocal":"2026-11-02T09:15:03.123456789+01:00",'
        '"StartUTC":"2026-11-02T08:15:03.123456789Z","entryPointName":"websecure",'
        '"level":"info","msg":"","request_Referer":"https://www.google.com/",'
        '"request_User-Agent":"' + _UA + '","time":"2026-11-02T09:15:03+01:00"}'
    ),
    description="Traefik JSON access log (request headers read when kept)",
)

JSON_FORMATS: tuple[JsonFormat, ...] = (CADDY, NGINX_JSON, TRAEFIK_JSON)
JSON_FAMILY = Family("json", JSON_FORMATS, description="JSON lines access logs")
