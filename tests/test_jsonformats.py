"""JSON-lines access logs: every key spelling of ``JSON_KEYS`` (Caddy, nginx escape=json,
Traefik, hand-written), both ways of reading a block (decoded at once, or spelling by spelling
when a line in it breaks the decoder), bad lines, and detection."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import polars as pl
import pytest
from click.testing import CliRunner

from micromacro.cli import cli
from micromacro.logformats import (
    COMBINED,
    FORMATS,
    FamilyFormat,
    LogFormat,
    detect_format,
    parse_access_lines,
    resolve_format,
)
from micromacro.logformats.jsonlines import (
    CADDY,
    JSON_FAMILY,
    JSON_FORMATS,
    JSON_KEYS,
    JSON_LINES,
    NGINX_JSON,
    TRAEFIK_JSON,
    JsonLines,
    keys_of,
    spelling_values,
)
from tests.helpers import FIREFOX, GOOGLEBOT, combined_line, json_decoder_off, lines_frame

FIXTURES = Path(__file__).parent / "fixtures" / "formats"
REAL = Path(__file__).parent / "fixtures" / "real"
FIXTURE_OF = {
    JSON_LINES.name: FIXTURES / "json_generic.log",
    CADDY.name: FIXTURES / "json_caddy.log",
    NGINX_JSON.name: FIXTURES / "json_nginx.log",
    TRAEFIK_JSON.name: FIXTURES / "json_traefik.log",
}
HIT_FIELDS = (
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
)
FORMAT_IDS = [fmt.name for fmt in JSON_FORMATS]
# Starts with "{" and ends with "}" but is no JSON: no value.
BREAKER = "{}{}"


def parse(lines: list[str], fmt: LogFormat = JSON_LINES) -> pl.DataFrame:
    return parse_access_lines(lines_frame(lines).lazy(), fmt).collect()


def parse_both_ways(lines: list[str], fmt: LogFormat = JSON_LINES) -> pl.DataFrame:
    """``lines`` parsed decoded at once, after checking they parse alike spelling by spelling
    (``json_decoder_off``)."""
    decoded = parse(lines, fmt)
    with json_decoder_off():
        matched = parse(lines, fmt)
    assert matched.equals(decoded), "decoded and matched differ"
    return decoded


def hit_of(line: str, fmt: LogFormat = JSON_LINES) -> dict[str, Any]:
    """The hit fields of one line, which must parse, both ways alike."""
    row = parse_both_ways([line], fmt).row(0, named=True)
    assert row["parsed"] is True
    return {name: row[name] for name in HIT_FIELDS}


def unread(line: str, fmt: LogFormat = JSON_LINES) -> bool:
    """Whether ``line`` parses to no request, both ways alike."""
    return parse_both_ways([line], fmt)["parsed"].to_list() == [False]


def fixture_lines(fmt: LogFormat) -> list[str]:
    return FIXTURE_OF[fmt.name].read_text(encoding="utf-8").splitlines()


def edited(line: str, path: tuple[str, ...], value: Any = None, *, drop: bool = False) -> str:
    """``line`` (a JSON object) with the member at ``path`` set to ``value`` or dropped."""
    document = json.loads(line)
    parent = document
    for key in path[:-1]:
        parent = parent.setdefault(key, {})
    if drop:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return json.dumps(document, separators=(",", ":"))


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, us, tzinfo=UTC)


# --- One spelling at a time --------------------------------------------------------------------

# The generic example: date, ip, method, path, status, length, referrer, user_agent, host.
CLEAN = JSON_LINES.example
CLEAN_HIT = {
    "ts": utc(2026, 11, 2, 8, 15, 3),
    "ip": "203.0.113.7",
    "method": "GET",
    "path": "/products/tent",
    "query": "ref=nl",
    "status": 200,
    "bytes": 5123,
    "referrer": "https://www.google.com/",
    "user_agent": FIREFOX,
    "host": "shop.example.com",
    "forwarded_for": None,
}


def respelled(replaced: str | None, path: tuple[str, ...], value: Any) -> str:
    """``CLEAN`` with its key ``replaced`` dropped and ``value`` at ``path`` instead."""
    line = CLEAN if replaced is None else edited(CLEAN, (replaced,), drop=True)
    return edited(line, path, value)


def test_the_clean_line_reads_as_written() -> None:
    assert hit_of(CLEAN) == CLEAN_HIT


SPELLINGS = [
    # time: CLF, ISO 8601 with an offset or Z, nginx $msec, Traefik's StartUTC and StartLocal.
    ("date", ("time_local",), "02/Nov/2026:10:15:03 +0100", {"ts": utc(2026, 11, 2, 9, 15, 3)}),
    ("date", ("time_iso8601",), "2026-11-02T10:15:03+01:00", {"ts": utc(2026, 11, 2, 9, 15, 3)}),
    ("date", ("msec",), "1793610903.250", {"ts": utc(2026, 11, 2, 9, 15, 3, 250000)}),
    ("date", ("StartUTC",), "2026-11-02T09:15:03.5Z", {"ts": utc(2026, 11, 2, 9, 15, 3, 500000)}),
    ("date", ("StartLocal",), "2026-11-02T10:15:03+01:00", {"ts": utc(2026, 11, 2, 9, 15, 3)}),
    ("date", ("@timestamp",), "2026-11-02T09:15:03Z", {"ts": utc(2026, 11, 2, 9, 15, 3)}),
    ("date", ("timestamp",), 1793610903, {"ts": utc(2026, 11, 2, 9, 15, 3)}),
    ("date", ("ts",), 1793610903.5, {"ts": utc(2026, 11, 2, 9, 15, 3, 500000)}),
    ("date", ("time",), "2026-11-02T09:15:03-07:00", {"ts": utc(2026, 11, 2, 16, 15, 3)}),
    ("date", ("date",), "2026-11-02T10:15:03+01:00", {"ts": utc(2026, 11, 2, 9, 15, 3)}),
    # Cloudflare Logpush in each timestamp_format (unixnano, unix, rfc3339), Application Gateway.
    ("date", ("EdgeStartTimestamp",), 1793610903250000000,
     {"ts": utc(2026, 11, 2, 9, 15, 3, 250000)}),
    ("date", ("EdgeStartTimestamp",), 1793610903, {"ts": utc(2026, 11, 2, 9, 15, 3)}),
    ("date", ("EdgeStartTimestamp",), "2026-11-02T09:15:03Z", {"ts": utc(2026, 11, 2, 9, 15, 3)}),
    ("date", ("timeStamp",), "2026-11-02T09:15:03+00:00", {"ts": utc(2026, 11, 2, 9, 15, 3)}),
    # client
    ("ip", ("request", "client_ip"), "198.51.100.9", {"ip": "198.51.100.9"}),
    ("ip", ("remote_addr",), "198.51.100.9", {"ip": "198.51.100.9"}),
    ("ip", ("ip",), "2001:db8::7", {"ip": "2001:db8::7"}),
    ("ip", ("client_ip",), "198.51.100.9", {"ip": "198.51.100.9"}),
    ("ip", ("ClientHost",), "198.51.100.9", {"ip": "198.51.100.9"}),
    ("ip", ("request", "remote_ip"), "198.51.100.9", {"ip": "198.51.100.9"}),
    ("ip", ("ClientAddr",), "198.51.100.9:51234", {"ip": "198.51.100.9"}),
    ("ip", ("ClientAddr",), "[2001:db8::7]:51234", {"ip": "2001:db8::7"}),
    ("ip", ("request", "remote_addr"), "198.51.100.9:50876", {"ip": "198.51.100.9"}),
    # Google Cloud's remoteIp may carry a port; Cloudflare; Front Door, Application Gateway.
    ("ip", ("httpRequest", "remoteIp"), "198.51.100.9:80", {"ip": "198.51.100.9"}),
    ("ip", ("httpRequest", "remoteIp"), "FE80::0202:B3FF:FE1E:8329",
     {"ip": "FE80::0202:B3FF:FE1E:8329"}),
    ("ip", ("ClientIP",), "2001:db8::7", {"ip": "2001:db8::7"}),
    ("ip", ("properties", "clientIp"), "198.51.100.9", {"ip": "198.51.100.9"}),
    ("ip", ("properties", "clientIP"), "198.51.100.9", {"ip": "198.51.100.9"}),
    # Log pipelines: ECS nested and flat (OpenTelemetry's client.address), Fluentd, Vector.
    ("ip", ("source", "ip"), "198.51.100.9", {"ip": "198.51.100.9"}),
    ("ip", ("source", "address"), "198.51.100.9", {"ip": "198.51.100.9"}),
    ("ip", ("client", "ip"), "198.51.100.9", {"ip": "198.51.100.9"}),
    ("ip", ("client", "address"), "198.51.100.9", {"ip": "198.51.100.9"}),
    ("ip", ("source.ip",), "198.51.100.9", {"ip": "198.51.100.9"}),
    ("ip", ("source.address",), "198.51.100.9", {"ip": "198.51.100.9"}),
    ("ip", ("client.ip",), "198.51.100.9", {"ip": "198.51.100.9"}),
    ("ip", ("client.address",), "2001:db8::7", {"ip": "2001:db8::7"}),
    ("ip", ("remote",), "198.51.100.9", {"ip": "198.51.100.9"}),
    ("ip", ("client",), "198.51.100.9", {"ip": "198.51.100.9"}),
    # the whole request line, read before any target and method
    (
        "path",
        ("request",),
        "POST /cart/add?item=tent HTTP/1.1",
        {"method": "POST", "path": "/cart/add", "query": "item=tent"},
    ),
    # targets (the method stays the clean line's GET)
    ("path", ("request", "uri"), "/search?q=tent", {"path": "/search", "query": "q=tent"}),
    ("path", ("request_uri",), "/search?q=tent", {"path": "/search", "query": "q=tent"}),
    ("path", ("uri",), "/search?q=tent", {"path": "/search", "query": "q=tent"}),
    ("path", ("path",), "/search", {"path": "/search", "query": None}),
    ("path", ("RequestPath",), "/search?q=tent", {"path": "/search", "query": "q=tent"}),
    # A full URL (Google Cloud, Front Door; its host is the clean line's host key's), Cloudflare's
    # path and query, Application Gateway's original target or its requestUri.
    ("path", ("httpRequest", "requestUrl"), "https://www.example.org/search?q=tent",
     {"path": "/search", "query": "q=tent"}),
    ("path", ("ClientRequestURI",), "/search?q=tent", {"path": "/search", "query": "q=tent"}),
    ("path", ("properties", "originalRequestUriWithArgs"), "/search?q=tent",
     {"path": "/search", "query": "q=tent"}),
    ("path", ("properties", "requestUri"), "https://www.example.org:443/search?q=tent",
     {"path": "/search", "query": "q=tent"}),
    ("path", ("url", "original"), "/search?q=tent", {"path": "/search", "query": "q=tent"}),
    ("path", ("url.original",), "/search?q=tent", {"path": "/search", "query": "q=tent"}),
    ("path", ("url.full",), "https://www.example.org/search?q=tent",
     {"path": "/search", "query": "q=tent"}),
    ("path", ("url", "path"), "/search", {"path": "/search", "query": None}),
    ("path", ("url.path",), "/search", {"path": "/search", "query": None}),
    # methods
    ("method", ("request", "method"), "HEAD", {"method": "HEAD"}),
    ("method", ("request_method",), "HEAD", {"method": "HEAD"}),
    ("method", ("method",), "PROPFIND", {"method": "PROPFIND"}),
    ("method", ("RequestMethod",), "HEAD", {"method": "HEAD"}),
    ("method", ("httpRequest", "requestMethod"), "HEAD", {"method": "HEAD"}),
    ("method", ("ClientRequestMethod",), "HEAD", {"method": "HEAD"}),
    ("method", ("properties", "httpMethod"), "HEAD", {"method": "HEAD"}),
    ("method", ("http", "request", "method"), "HEAD", {"method": "HEAD"}),
    ("method", ("http.request.method",), "HEAD", {"method": "HEAD"}),
    # status and bytes, as numbers and as strings
    ("status", ("status",), "404", {"status": 404}),
    ("status", ("DownstreamStatus",), 404, {"status": 404}),
    ("status", ("httpRequest", "status"), 404, {"status": 404}),
    ("status", ("EdgeResponseStatus",), 404, {"status": 404}),
    ("status", ("properties", "httpStatusCode"), "404", {"status": 404}),
    ("status", ("properties", "httpStatus"), 404, {"status": 404}),
    ("status", ("http", "response", "status_code"), 404, {"status": 404}),
    ("status", ("http.response.status_code",), 404, {"status": 404}),
    ("status", ("code",), "404", {"status": 404}),
    ("length", ("body_bytes_sent",), "777", {"bytes": 777}),
    ("length", ("bytes_sent",), 777, {"bytes": 777}),
    ("length", ("size",), 777, {"bytes": 777}),
    ("length", ("length",), "777", {"bytes": 777}),
    ("length", ("DownstreamContentSize",), 777, {"bytes": 777}),
    ("length", ("httpRequest", "responseSize"), "777", {"bytes": 777}),
    ("length", ("EdgeResponseBytes",), 777, {"bytes": 777}),
    ("length", ("properties", "responseBytes"), "777", {"bytes": 777}),
    ("length", ("properties", "sentBytes"), 777, {"bytes": 777}),
    ("length", ("http", "response", "body", "bytes"), 777, {"bytes": 777}),
    ("length", ("http.response.body.bytes",), 777, {"bytes": 777}),
    ("length", ("http.response.body.size",), 777, {"bytes": 777}),
    # referrer, user agent, host, X-Forwarded-For
    ("referrer", ("http_referer",), "https://ddg.gg/", {"referrer": "https://ddg.gg/"}),
    ("referrer", ("referrer",), "https://ddg.gg/", {"referrer": "https://ddg.gg/"}),
    ("referrer", ("referer",), "https://ddg.gg/", {"referrer": "https://ddg.gg/"}),
    (
        "referrer",
        ("request", "headers", "Referer"),
        ["https://ddg.gg/", "https://second.example/"],
        {"referrer": "https://ddg.gg/"},
    ),
    ("referrer", ("request_Referer",), "https://ddg.gg/", {"referrer": "https://ddg.gg/"}),
    ("referrer", ("http_referrer",), "https://ddg.gg/", {"referrer": "https://ddg.gg/"}),
    ("referrer", ("httpRequest", "referer"), "https://ddg.gg/", {"referrer": "https://ddg.gg/"}),
    ("referrer", ("ClientRequestReferer",), "https://ddg.gg/", {"referrer": "https://ddg.gg/"}),
    ("referrer", ("properties", "referer"), "https://ddg.gg/", {"referrer": "https://ddg.gg/"}),
    ("referrer", ("properties", "referrer"), "https://ddg.gg/", {"referrer": "https://ddg.gg/"}),
    ("referrer", ("http", "request", "referrer"), "https://ddg.gg/",
     {"referrer": "https://ddg.gg/"}),
    ("referrer", ("http.request.referrer",), "https://ddg.gg/", {"referrer": "https://ddg.gg/"}),
    ("referrer", ("http.request.header.referer",), ["https://ddg.gg/"],
     {"referrer": "https://ddg.gg/"}),
    ("user_agent", ("http_user_agent",), "curl/8.5.0", {"user_agent": "curl/8.5.0"}),
    ("user_agent", ("user_agent",), "curl/8.5.0", {"user_agent": "curl/8.5.0"}),
    ("user_agent", ("request", "headers", "User-Agent"), ["curl/8"], {"user_agent": "curl/8"}),
    ("user_agent", ("request_User-Agent",), "curl/8.5.0", {"user_agent": "curl/8.5.0"}),
    ("user_agent", ("httpRequest", "userAgent"), "curl/8.5.0", {"user_agent": "curl/8.5.0"}),
    ("user_agent", ("ClientRequestUserAgent",), "curl/8.5.0", {"user_agent": "curl/8.5.0"}),
    ("user_agent", ("properties", "userAgent"), "curl/8.5.0", {"user_agent": "curl/8.5.0"}),
    ("user_agent", ("user_agent", "original"), "curl/8.5.0", {"user_agent": "curl/8.5.0"}),
    ("user_agent", ("user_agent.original",), "curl/8.5.0", {"user_agent": "curl/8.5.0"}),
    ("user_agent", ("agent",), "curl/8.5.0", {"user_agent": "curl/8.5.0"}),
    ("host", ("host",), "www.example.org", {"host": "www.example.org"}),
    ("host", ("http_host",), "www.example.org", {"host": "www.example.org"}),
    ("host", ("request", "host"), "www.example.org", {"host": "www.example.org"}),
    ("host", ("RequestHost",), "www.example.org", {"host": "www.example.org"}),
    ("host", ("vhost",), "www.example.org", {"host": "www.example.org"}),
    ("host", ("ClientRequestHost",), "www.example.org", {"host": "www.example.org"}),
    ("host", ("properties", "hostName"), "www.example.org", {"host": "www.example.org"}),
    ("host", ("properties", "originalHost"), "www.example.org", {"host": "www.example.org"}),
    ("host", ("properties", "host"), "www.example.org", {"host": "www.example.org"}),
    ("host", ("url", "domain"), "www.example.org", {"host": "www.example.org"}),
    ("host", ("url.domain",), "www.example.org", {"host": "www.example.org"}),
    ("host", ("server.address",), "www.example.org", {"host": "www.example.org"}),
    (None, ("http_x_forwarded_for",), "192.0.2.1, ::1", {"forwarded_for": "192.0.2.1, ::1"}),
    (None, ("request", "headers", "X-Forwarded-For"), ["::2"], {"forwarded_for": "::2"}),
    (None, ("request_X-Forwarded-For",), "192.0.2.1", {"forwarded_for": "192.0.2.1"}),
    (None, ("x_forwarded_for",), "192.0.2.1", {"forwarded_for": "192.0.2.1"}),
    (None, ("x_forward_for",), "192.0.2.1", {"forwarded_for": "192.0.2.1"}),
    (None, ("http.request.header.x-forwarded-for",), ["192.0.2.1, ::1"],
     {"forwarded_for": "192.0.2.1, ::1"}),
]  # fmt: skip
# A query logged apart, joined to a target that holds a path alone (``path`` or ``uri``).
QUERY_SPELLINGS = [
    (target, query)
    for target in (("path",), ("uri",), ("url", "path"), ("url.path",))
    for query in (keys_of(s) for s in JSON_KEYS["query"])
]


@pytest.mark.parametrize(
    ("replaced", "path", "value", "changed"),
    SPELLINGS,
    ids=[f"{'.'.join(path)}={value}" for _, path, value, _ in SPELLINGS],
)
def test_each_spelling_is_read(
    replaced: str | None, path: tuple[str, ...], value: Any, changed: dict[str, Any]
) -> None:
    line = respelled(replaced, path, value)
    assert hit_of(line) == CLEAN_HIT | changed


@pytest.mark.parametrize(("target", "query"), QUERY_SPELLINGS)
def test_each_query_spelling_is_joined_to_a_path(
    target: tuple[str, ...], query: tuple[str, ...]
) -> None:
    line = edited(respelled("path", target, "/search"), query, "q=tent")
    assert hit_of(line) == CLEAN_HIT | {"path": "/search", "query": "q=tent"}


def test_every_spelling_of_the_table_is_tested() -> None:
    """Each spelling's keys (a flat dotted key is one key, a nested path several)."""
    tested = {path for _, path, _, _ in SPELLINGS} | {q for _, q in QUERY_SPELLINGS}
    table = {keys_of(s) for spellings in JSON_KEYS.values() for s in spellings}
    assert table == tested


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        pytest.param(respelled("ip", ("ip",), "-"), {"ip": None}, id="dash-ip"),
        pytest.param(respelled("referrer", ("referrer",), ""), {"referrer": None}, id="empty-ref"),
        pytest.param(respelled("host", ("host",), "-"), {"host": None}, id="dash-host"),
        pytest.param(respelled("length", ("length",), "-"), {"bytes": None}, id="dash-bytes"),
        pytest.param(respelled("status", ("status",), "-"), {"status": None}, id="dash-status"),
        pytest.param(respelled("method", ("method",), "-"), {"method": "GET"}, id="dash-method"),
        pytest.param(respelled("method", ("method",), ""), {"method": "GET"}, id="empty-method"),
        pytest.param(
            respelled("user_agent", ("user_agent",), None), {"user_agent": None}, id="null-ua"
        ),
    ],
)
def test_dash_empty_and_null_are_no_value(line: str, expected: dict[str, Any]) -> None:
    assert hit_of(line) == CLEAN_HIT | expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # Caddy behind a proxy: client_ip (the real client) before remote_ip.
        pytest.param(
            edited(edited(CLEAN, ("request", "remote_ip"), "10.0.0.2"), ("request", "client_ip"),
                   "198.51.100.9"),
            {"ip": "198.51.100.9"},
            id="client-ip-before-remote-ip",
        ),
        # A spelling holding "-" gives way to the next one.
        pytest.param(
            edited(edited(CLEAN, ("ip",), "-"), ("ClientHost",), "198.51.100.9"),
            {"ip": "198.51.100.9"},
            id="dash-gives-way",
        ),
        # Traefik: StartUTC (the request's start) before time (when the entry was written).
        pytest.param(
            edited(edited(CLEAN, ("time",), "2026-11-02T09:17:00Z"), ("StartUTC",),
                   "2026-11-02T09:15:00.25Z"),
            {"ts": utc(2026, 11, 2, 9, 15, 0, 250000)},
            id="start-utc-before-time",
        ),
        # nginx: $request (with its method) before $request_uri and $request_method.
        pytest.param(
            edited(edited(CLEAN, ("request",), "PUT /a?b=1 HTTP/1.1"), ("request_uri",), "/x"),
            {"method": "PUT", "path": "/a", "query": "b=1"},
            id="request-line-before-target",
        ),
        # $request_uri (with the query) before $uri (without it).
        pytest.param(
            edited(edited(CLEAN, ("uri",), "/a"), ("request_uri",), "/a?b=1"),
            {"path": "/a", "query": "b=1"},
            id="request-uri-before-uri",
        ),
        # A request line of "-" (nginx's for a connection closed early) gives way to the target.
        pytest.param(
            edited(CLEAN, ("request",), "-"), {"path": "/products/tent"}, id="dash-request-line"
        ),
        # Numbers however JSON writes them.
        pytest.param(
            CLEAN.replace('"status":200', '"status":2e2').replace(":5123", ":5123.0"),
            {"status": 200, "bytes": 5123},
            id="numbers-with-exponent-or-fraction",
        ),
        # A header logged as a plain string rather than a list is read as it is.
        pytest.param(
            edited(CLEAN, ("request", "headers", "Referer"), "https://ddg.gg/"),
            {"referrer": "https://www.google.com/"},
            id="plain-header-after-referrer",
        ),
        pytest.param(
            edited(respelled("referrer", ("request", "headers", "Referer"), "https://ddg.gg/"),
                   ("request", "headers", "User-Agent"), []),
            {"referrer": "https://ddg.gg/"},
            id="plain-header-empty-list",
        ),
        # Keys in another order, spaces around the colons: still JSON.
        pytest.param(
            '{ "path" : "/a" , "ip" : "198.51.100.9" , "date" : "2026-11-02T09:15:03Z" }',
            {
                "ts": utc(2026, 11, 2, 9, 15, 3), "ip": "198.51.100.9", "path": "/a",
                "query": None, "status": None, "bytes": None, "referrer": None,
                "user_agent": None, "host": None,
            },
            id="spaces-and-order",
        ),
        # Between whitespace, a line is still a JSON object.
        pytest.param("  " + CLEAN + "\t", {}, id="whitespace-around"),
    ],
)  # fmt: skip
def test_which_spelling_wins(line: str, expected: dict[str, Any]) -> None:
    assert hit_of(line) == CLEAN_HIT | expected


# --- Times -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # Epoch numbers, told apart by magnitude: s, ms, µs, ns (cut to the microsecond).
        (1793610903, utc(2026, 11, 2, 9, 15, 3)),
        (1793610903.123456, utc(2026, 11, 2, 9, 15, 3, 123456)),
        ("1793610903.1234567", utc(2026, 11, 2, 9, 15, 3, 123456)),
        (1793610903123, utc(2026, 11, 2, 9, 15, 3, 123000)),
        (1793610903123.456, utc(2026, 11, 2, 9, 15, 3, 123456)),
        ("1793610903123", utc(2026, 11, 2, 9, 15, 3, 123000)),
        (1793610903123456, utc(2026, 11, 2, 9, 15, 3, 123456)),
        (1793610903123456789, utc(2026, 11, 2, 9, 15, 3, 123456)),
        ("1793610903123456789", utc(2026, 11, 2, 9, 15, 3, 123456)),
        (1.793610903e18, utc(2026, 11, 2, 9, 15, 3)),
        # Text: CLF (with fractions), ISO 8601 with an offset (with or without a colon), without
        # one (UTC), with a space for the T.
        ("02/Nov/2026:09:15:03 -0700", utc(2026, 11, 2, 16, 15, 3)),
        ("02/Nov/2026:09:15:03.250 +0000", utc(2026, 11, 2, 9, 15, 3, 250000)),
        ("2026-11-02T10:16:40.250+0100", utc(2026, 11, 2, 9, 16, 40, 250000)),
        ("2026-11-02T09:15:03.123456789Z", utc(2026, 11, 2, 9, 15, 3, 123456)),
        ("2026-11-02T09:15:03", utc(2026, 11, 2, 9, 15, 3)),
        ("2026-11-02 09:15:03.5", utc(2026, 11, 2, 9, 15, 3, 500000)),
        ("2026-11-02 10:15:03+01:00", utc(2026, 11, 2, 9, 15, 3)),
    ],
)
def test_times_in_every_way_they_are_written(value: Any, expected: datetime) -> None:
    assert hit_of(respelled("date", ("ts",), value))["ts"] == expected


@pytest.mark.parametrize(
    "value",
    [
        *("yesterday", "", "-", {"s": 1}, [1793610903], True, "32/Foo/2026", "2026-13-01"),
        *("NaN", "inf", "-inf", "1e400", "1e300", -1, "-1793610903", "99999999999999999999"),
    ],
)
def test_a_line_without_a_time_is_unread(value: Any) -> None:
    assert unread(respelled("date", ("time",), value))


# --- The presets' own lines ---------------------------------------------------------------------

CADDY_DEFAULT = (
    '{"level":"info","ts":1793610903.123456,"logger":"http.log.access.log0",'
    '"msg":"handled request","request":{"remote_ip":"203.0.113.7","remote_port":"51234",'
    '"client_ip":"203.0.113.7","proto":"HTTP/2.0","method":"GET","host":"shop.example.com",'
    '"uri":"/products/tent?ref=nl","headers":{"User-Agent":["Mozilla/5.0 (X11; Linux x86_64; '
    'rv:128.0) Gecko/20100101 Firefox/128.0"],"Referer":["https://www.google.com/"],'
    '"X-Forwarded-For":["198.51.100.9"]}},"bytes_read":0,"user_id":"","duration":0.0012,'
    '"size":5123,"status":200,"resp_headers":{"Content-Type":["text/html"]}}'
)
# Behind a proxy: client_ip is not remote_ip. time_format iso8601 (zap: offset without colon).
CADDY_PROXIED_IPV6 = (
    r'{"level":"info","ts":"2026-11-02T10:16:40.250+0100","logger":"http.log.access.log0",'
    r'"msg":"handled request","request":{"remote_ip":"10.0.0.2","remote_port":"40022",'
    r'"client_ip":"2001:db8:85a3::8a2e:370:7334","proto":"HTTP/1.1","method":"POST",'
    r'"host":"shop.example.com:8443","uri":"/cart/add","headers":{"User-Agent":'
    r'["Mozilla/5.0 \"compatible\" ShopApp/3.2"],"X-Forwarded-For":'
    r'["2001:db8:85a3::8a2e:370:7334, 10.0.0.9"],"Content-Length":["38"]}},"bytes_read":38,'
    r'"user_id":"","duration":0.0213,"size":0,"status":303,"resp_headers":{"Location":["/cart"]}}'
)
# An older Caddy (no client_ip), time_format rfc3339_nano, an empty Referer, invalid UTF-8.
CADDY_OLD_RFC3339 = (
    '{"level":"info","ts":"2026-11-02T08:15:03.123456789Z","logger":"http.log.access",'
    '"msg":"handled request","request":{"remote_ip":"198.51.100.23","remote_port":"61002",'
    '"proto":"HTTP/1.1","method":"GET","host":"shop.example.com",'
    '"uri":"/search?q=caf%C3%A9&page=2","headers":{"User-Agent":["Mozilla/5.0 (caf\ufffd) '
    'Firefox/128.0"],"Referer":[""]}},"duration":0.0031,"size":2048,"status":200}'
)
# time_format unix_milli_float and unix_nano.
CADDY_MILLIS = CADDY_DEFAULT.replace('"ts":1793610903.123456', '"ts":1793610903123.456')
CADDY_NANOS = CADDY_DEFAULT.replace('"ts":1793610903.123456', '"ts":1793610903123456789')


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        pytest.param(
            CADDY_DEFAULT,
            {
                "ts": utc(2026, 11, 2, 9, 15, 3, 123456),
                "ip": "203.0.113.7",
                "method": "GET",
                "path": "/products/tent",
                "query": "ref=nl",
                "status": 200,
                "bytes": 5123,
                "referrer": "https://www.google.com/",
                "user_agent": FIREFOX,
                "host": "shop.example.com",
                "forwarded_for": "198.51.100.9",
            },
            id="default-epoch-http2",
        ),
        pytest.param(
            CADDY_PROXIED_IPV6,
            {
                "ts": utc(2026, 11, 2, 9, 16, 40, 250000),
                "ip": "2001:db8:85a3::8a2e:370:7334",
                "method": "POST",
                "path": "/cart/add",
                "query": None,
                "status": 303,
                "bytes": 0,
                "referrer": None,
                "user_agent": 'Mozilla/5.0 "compatible" ShopApp/3.2',
                "host": "shop.example.com:8443",
                "forwarded_for": "2001:db8:85a3::8a2e:370:7334, 10.0.0.9",
            },
            id="proxied-ipv6-iso8601-escaped-quotes",
        ),
        pytest.param(
            CADDY_OLD_RFC3339,
            {
                "ts": utc(2026, 11, 2, 8, 15, 3, 123456),
                "ip": "198.51.100.23",
                "method": "GET",
                "path": "/search",
                "query": "q=caf%C3%A9&page=2",
                "status": 200,
                "bytes": 2048,
                "referrer": None,
                "user_agent": "Mozilla/5.0 (caf\ufffd) Firefox/128.0",
                "host": "shop.example.com",
                "forwarded_for": None,
            },
            id="remote-ip-only-rfc3339-empty-referrer-fffd",
        ),
    ],
)
def test_caddy_fields_are_read_exactly(line: str, expected: dict[str, Any]) -> None:
    assert hit_of(line, CADDY) == expected


@pytest.mark.parametrize("line", [CADDY_MILLIS, CADDY_NANOS], ids=["ms-float", "ns"])
def test_caddy_ts_in_milliseconds_or_nanoseconds(line: str) -> None:
    assert hit_of(line, CADDY)["ts"] == utc(2026, 11, 2, 9, 15, 3, 123456)


NGINX_TIME_LOCAL = (
    '{"time_local":"02/Nov/2026:01:15:03 -0700","remote_addr":"203.0.113.7","remote_user":"",'
    '"request":"GET /products/tent?ref=nl HTTP/2.0","status":"200","body_bytes_sent":"5123",'
    '"request_time":"0.004","http_referer":"-","http_user_agent":"Mozilla/5.0 (X11; Linux '
    'x86_64; rv:128.0) Gecko/20100101 Firefox/128.0","http_x_forwarded_for":"-",'
    '"host":"shop.example.com"}'
)
# The request in parts, numbers where nginx writes strings, $http_host rather than $host.
NGINX_ISO_PARTS_IPV6 = (
    '{"time_iso8601":"2026-11-02T13:45:03+05:30","remote_addr":"2001:db8::7",'
    '"request_method":"POST","request_uri":"/cart/add?item=tent&qty=2","status":303,'
    '"bytes_sent":412,"http_referer":"https://shop.example.com/products/tent",'
    '"http_user_agent":"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X)",'
    '"http_x_forwarded_for":"198.51.100.23, 10.0.0.2","http_host":"shop.example.com"}'
)
# escape=json writes quotes as \" and controls as \u00XX; other non-ASCII bytes as they are.
NGINX_MSEC_ESCAPES = (
    r'{"msec":"1793610903.250","remote_addr":"198.51.100.23",'
    r'"request":"GET /search?q=%22tent%22 HTTP/1.1","status":"200","body_bytes_sent":"2048",'
    r'"http_referer":"","http_user_agent":"Mozilla/5.0 \"caf\u00e9\" '
    + "\ufffd"
    + r' bot","host":"shop.example.com"}'
)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        pytest.param(
            NGINX_TIME_LOCAL,
            {
                "ts": utc(2026, 11, 2, 8, 15, 3),
                "ip": "203.0.113.7",
                "method": "GET",
                "path": "/products/tent",
                "query": "ref=nl",
                "status": 200,
                "bytes": 5123,
                "referrer": None,
                "user_agent": FIREFOX,
                "host": "shop.example.com",
                "forwarded_for": None,
            },
            id="time-local-minus-0700-dash-referrer-http2",
        ),
        pytest.param(
            NGINX_ISO_PARTS_IPV6,
            {
                "ts": utc(2026, 11, 2, 8, 15, 3),
                "ip": "2001:db8::7",
                "method": "POST",
                "path": "/cart/add",
                "query": "item=tent&qty=2",
                "status": 303,
                "bytes": 412,
                "referrer": "https://shop.example.com/products/tent",
                "user_agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X)",
                "host": "shop.example.com",
                "forwarded_for": "198.51.100.23, 10.0.0.2",
            },
            id="iso8601-plus-0530-method-and-uri-numbers-ipv6",
        ),
        pytest.param(
            NGINX_MSEC_ESCAPES,
            {
                "ts": utc(2026, 11, 2, 9, 15, 3, 250000),
                "ip": "198.51.100.23",
                "method": "GET",
                "path": "/search",
                "query": "q=%22tent%22",
                "status": 200,
                "bytes": 2048,
                "referrer": None,
                "user_agent": 'Mozilla/5.0 "café" \ufffd bot',
                "host": "shop.example.com",
                "forwarded_for": None,
            },
            id="msec-escaped-quotes-unicode-escape-fffd",
        ),
    ],
)
def test_nginx_json_fields_are_read_exactly(line: str, expected: dict[str, Any]) -> None:
    assert hit_of(line, NGINX_JSON) == expected


TRAEFIK_HEADERS_KEPT = TRAEFIK_JSON.example
# Only ClientAddr (bracketed IPv6 and a port), headers dropped (Traefik's default).
TRAEFIK_IPV6_NO_HEADERS = (
    '{"ClientAddr":"[2001:db8::7]:50112","ClientUsername":"-","DownstreamContentSize":0,'
    '"DownstreamStatus":304,"Duration":402311,"RequestHost":"shop.example.com",'
    '"RequestMethod":"HEAD","RequestPath":"/","RequestProtocol":"HTTP/2.0",'
    '"RequestScheme":"https","RouterName":"shop@docker",'
    '"StartUTC":"2026-11-02T08:15:10.482913004Z","entryPointName":"websecure","level":"info",'
    '"msg":"","time":"2026-11-02T09:15:10+01:00"}'
)
# No StartUTC, only StartLocal with its offset; escaped quotes; a "-" referrer.
TRAEFIK_START_LOCAL = (
    r'{"ClientAddr":"10.0.0.2:40022","ClientHost":"10.0.0.2","DownstreamContentSize":0,'
    r'"DownstreamStatus":303,"RequestHost":"shop.example.com","RequestMethod":"POST",'
    r'"RequestPath":"/cart/add?item=tent","RequestProtocol":"HTTP/1.1",'
    r'"StartLocal":"2026-11-02T09:15:42.007+01:00","request_Referer":"-",'
    r'"request_User-Agent":"ShopApp/3.2 \"beta\"","request_X-Forwarded-For":"198.51.100.23",'
    r'"time":"2026-11-02T09:15:42+01:00"}'
)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        pytest.param(
            TRAEFIK_HEADERS_KEPT,
            {
                "ts": utc(2026, 11, 2, 8, 15, 3, 123456),
                "ip": "203.0.113.7",
                "method": "GET",
                "path": "/products/tent",
                "query": "ref=nl",
                "status": 200,
                "bytes": 5123,
                "referrer": "https://www.google.com/",
                "user_agent": FIREFOX,
                "host": "shop.example.com",
                "forwarded_for": None,
            },
            id="headers-kept-nanoseconds-http2",
        ),
        pytest.param(
            TRAEFIK_IPV6_NO_HEADERS,
            {
                "ts": utc(2026, 11, 2, 8, 15, 10, 482913),
                "ip": "2001:db8::7",
                "method": "HEAD",
                "path": "/",
                "query": None,
                "status": 304,
                "bytes": 0,
                "referrer": None,
                "user_agent": None,
                "host": "shop.example.com",
                "forwarded_for": None,
            },
            id="client-addr-ipv6-no-headers",
        ),
        pytest.param(
            TRAEFIK_START_LOCAL,
            {
                "ts": utc(2026, 11, 2, 8, 15, 42, 7000),
                "ip": "10.0.0.2",
                "method": "POST",
                "path": "/cart/add",
                "query": "item=tent",
                "status": 303,
                "bytes": 0,
                "referrer": None,
                "user_agent": 'ShopApp/3.2 "beta"',
                "host": "shop.example.com",
                "forwarded_for": "198.51.100.23",
            },
            id="start-local-escaped-quotes-dash-referrer",
        ),
    ],
)
def test_traefik_json_fields_are_read_exactly(line: str, expected: dict[str, Any]) -> None:
    assert hit_of(line, TRAEFIK_JSON) == expected


def test_traefik_without_its_start_times_falls_back_to_the_entry_time() -> None:
    # Behaviour change: `time` is a spelling of the time, so a Traefik line without StartUTC
    # and StartLocal is read at the time its entry was written (09:15:03+01:00).
    line = edited(edited(TRAEFIK_HEADERS_KEPT, ("StartUTC",), drop=True), ("StartLocal",), None)
    assert hit_of(line, TRAEFIK_JSON)["ts"] == utc(2026, 11, 2, 8, 15, 3)


def test_a_request_line_is_read_under_any_convention() -> None:
    # Behaviour change: one key table, so a `request` string is a request line in a Caddy line
    # too (it was unread by the caddy preset).
    line = edited(CADDY_DEFAULT, ("request",), "DELETE /cart/1 HTTP/1.1")
    hit = hit_of(line, CADDY)
    assert (hit["method"], hit["path"], hit["ip"], hit["host"]) == ("DELETE", "/cart/1", None, None)


# --- Lines that are no request ------------------------------------------------------------------

HUGE = 1_000_000


@pytest.mark.parametrize(
    "line",
    [
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
        pytest.param("not json at all", id="not-json"),
        pytest.param(combined_line("/products/tent"), id="combined-text-line"),
        pytest.param("{}", id="empty-object"),
        pytest.param("null", id="null"),
        pytest.param("42", id="number"),
        pytest.param('"GET / HTTP/1.1"', id="json-string"),
        pytest.param("[" + CADDY_DEFAULT + "]", id="array-of-caddy"),
        pytest.param("[" + NGINX_TIME_LOCAL + "]", id="array-of-nginx"),
        pytest.param("[" + TRAEFIK_HEADERS_KEPT + "]", id="array-of-traefik"),
        pytest.param(CADDY_DEFAULT[:200], id="truncated-caddy"),
        pytest.param(NGINX_TIME_LOCAL[:-1], id="truncated-nginx"),
        pytest.param(TRAEFIK_HEADERS_KEPT[:-30], id="truncated-traefik"),
        pytest.param(NGINX_TIME_LOCAL[:120] + "}", id="cut-and-closed"),
        pytest.param(NGINX_TIME_LOCAL + NGINX_TIME_LOCAL, id="two-objects-on-one-line"),
        pytest.param(NGINX_TIME_LOCAL + " trailing", id="trailing-text"),
        pytest.param("A" * HUGE, id="huge-garbage"),
        pytest.param('{"msg":"' + "x" * HUGE, id="huge-unterminated-json"),
        pytest.param("{" * 100_000 + "}" * 100_000, id="deep-braces"),
        pytest.param('{"a":' + "[" * 100_000 + "]" * 100_000 + "}", id="deep-arrays"),
        pytest.param("\x1b[2J\x1b[31mRED [red]markup[/red] <script>x</script>", id="ansi-text"),
        # A raw control character inside a JSON string is not JSON.
        pytest.param(CADDY_DEFAULT.replace("Mozilla", "\x1b[31mMozilla"), id="raw-esc-caddy"),
        pytest.param(NGINX_TIME_LOCAL.replace("Mozilla", "\x1b[31mMozilla"), id="raw-esc-nginx"),
        # nginx without escape=json writes a quote as \x22, which is not JSON.
        pytest.param(NGINX_TIME_LOCAL.replace("Mozilla", r"\x22Mozilla\x22"), id="nginx-x-escape"),
        # The JSON parser rejects a number beyond a double, and so the whole line.
        pytest.param(
            TRAEFIK_HEADERS_KEPT.replace(
                '"DownstreamContentSize":5123', '"DownstreamContentSize":1e400'
            ),
            id="number-beyond-double",
        ),
    ],
)
def test_lines_that_are_no_json_request_are_unread(line: str) -> None:
    assert unread(line)


@pytest.mark.parametrize(
    "line",
    [
        pytest.param(edited(CADDY_DEFAULT, ("request",), drop=True), id="caddy-no-request"),
        pytest.param(edited(CADDY_DEFAULT, ("request", "uri"), drop=True), id="caddy-no-uri"),
        pytest.param(edited(CADDY_DEFAULT, ("request",), "-"), id="request-dash-no-target"),
        pytest.param(edited(CADDY_DEFAULT, ("request", "method"), ["GET"]), id="caddy-method-list"),
        pytest.param(
            edited(CADDY_DEFAULT, ("request", "method"), "G E T"), id="caddy-method-spaces"
        ),
        pytest.param(
            edited(TRAEFIK_HEADERS_KEPT, ("RequestMethod",), {"name": "GET"}),
            id="traefik-method-object",
        ),
        pytest.param(edited(NGINX_TIME_LOCAL, ("time_local",), drop=True), id="nginx-no-time"),
        pytest.param(edited(NGINX_TIME_LOCAL, ("request",), drop=True), id="nginx-no-request"),
        pytest.param(
            edited(NGINX_TIME_LOCAL, ("request",), "\x16\x03\x01\x00\xa5"), id="nginx-tls-bytes"
        ),
        pytest.param(
            edited(NGINX_ISO_PARTS_IPV6, ("request_uri",), drop=True),
            id="nginx-method-without-uri",
        ),
        pytest.param(
            edited(TRAEFIK_HEADERS_KEPT, ("RequestPath",), drop=True), id="traefik-no-path"
        ),
        pytest.param(respelled("path", ("path",), "products/tent"), id="target-without-slash"),
        pytest.param(respelled("path", ("path",), {"p": "/"}), id="target-object"),
    ],
)
def test_a_line_without_time_or_request_is_unread(line: str) -> None:
    assert unread(line)


@pytest.mark.parametrize(
    ("line", "nulls"),
    [
        pytest.param(
            edited(edited(CADDY_DEFAULT, ("status",), "OK"), ("size",), {"n": 1}),
            {"status", "bytes"},
            id="caddy-status-text-size-object",
        ),
        pytest.param(
            edited(CADDY_DEFAULT, ("request", "headers", "User-Agent"), {"a": "b"}),
            {"user_agent"},
            id="caddy-header-object",
        ),
        pytest.param(edited(NGINX_TIME_LOCAL, ("status",), [200]), {"status"}, id="status-list"),
        pytest.param(
            edited(TRAEFIK_HEADERS_KEPT, ("DownstreamContentSize",), 10**30),
            {"bytes"},
            id="size-beyond-int64",
        ),
        pytest.param(edited(NGINX_TIME_LOCAL, ("status",), 200.5), {"status"}, id="status-frac"),
    ],
)
def test_a_wrongly_typed_field_is_null_and_the_line_still_parses(
    line: str, nulls: set[str]
) -> None:
    hit = hit_of(line)
    assert {name for name, value in hit.items() if value is None} >= nulls
    assert hit["path"] == "/products/tent"


def test_escaped_ansi_sequences_are_kept_in_values_for_the_renderers_to_neutralise() -> None:
    # JSON may carry an escape character as \u001b; the value then holds it, as in combined lines.
    line = CADDY_DEFAULT.replace("Mozilla", r"\u001b[31mMozilla")
    assert hit_of(line, CADDY)["user_agent"] == "\x1b[31m" + FIREFOX


def test_a_huge_valid_line_parses() -> None:
    line = edited(CADDY_DEFAULT, ("request", "uri"), "/search?q=" + "a" * HUGE)
    hit = hit_of(line, CADDY)
    assert (hit["path"], len(hit["query"])) == ("/search", HUGE + 2)


def test_bad_lines_do_not_disturb_good_ones_in_the_same_chunk() -> None:
    lines = ["not json", CADDY_DEFAULT, "[1,2]", "", CADDY_PROXIED_IPV6, '{"ts":1}', BREAKER]
    frame = parse(lines, FORMATS["caddy"])  # the family marks the blank line as a comment
    assert frame["parsed"].to_list() == [False, True, False, False, True, False, False]
    assert frame["comment"].to_list() == [False, False, False, True, False, False, False]
    assert frame["line_no"].to_list() == [1, 2, 3, 4, 5, 6, 7]
    assert frame["ip"].to_list()[1::3] == ["203.0.113.7", "2001:db8:85a3::8a2e:370:7334"]


@pytest.mark.parametrize("text", ["[1]", "{}", "[]", '{"a":"b"}', "[2001:db8::7]"])
@pytest.mark.parametrize("key", ["http_user_agent", "http_referer", "host", "remote_addr"])
def test_a_string_holding_json_on_a_chunks_first_line_reads_the_chunk_as_usual(
    key: str, text: str
) -> None:
    # A client sends the user agent (or referrer, or host) it likes. Its string on the chunk's
    # first line is no object or list, so every other line's value is still read, and its own.
    first = edited(NGINX_TIME_LOCAL, (key,), text)
    others = [edited(NGINX_TIME_LOCAL, ("http_user_agent",), GOOGLEBOT), NGINX_TIME_LOCAL]
    frame = parse([first, *others])
    assert frame["user_agent"].to_list()[1:] == [GOOGLEBOT, FIREFOX]
    assert frame["ip"].to_list()[1:] == ["203.0.113.7", "203.0.113.7"]
    assert frame["host"].to_list()[1:] == ["shop.example.com", "shop.example.com"]
    own = {"http_user_agent": "user_agent", "http_referer": "referrer", "host": "host"}
    if key in own:  # an address is also cut from its brackets: [2001:db8::7] is one
        assert frame[own[key]][0] == text


def test_an_object_on_a_chunks_first_line_is_still_no_value() -> None:
    # A Beats event's host is an object on every line: not decoded, no host, the line read.
    lines = [edited(NGINX_TIME_LOCAL, ("host",), {"name": "web-1"})] * 2
    frame = parse(lines)
    assert frame["host"].to_list() == [None, None]
    assert frame["parsed"].to_list() == [True, True]


def test_a_bad_line_costs_only_a_small_block_and_keeps_the_order() -> None:
    # 1000 lines: the block fails to decode, its eighths (125 lines) are decoded again, and
    # only the eighth holding the bad line is read spelling by spelling.
    lines = [respelled("path", ("path",), f"/p{n}") for n in range(1000)]
    lines[500] = BREAKER
    frame = parse(lines)
    assert frame["parsed"].sum() == 999
    assert frame["path"].to_list()[498:503] == ["/p498", "/p499", None, "/p501", "/p502"]
    assert frame["line_no"].to_list() == list(range(1, 1001))


def test_caddy_and_nginx_lines_mixed_in_one_chunk_are_all_read() -> None:
    # `request` is Caddy's object on some lines and nginx's request line on others.
    lines = [CADDY_DEFAULT, NGINX_TIME_LOCAL] * 150
    frame = parse_both_ways(lines)
    assert frame["parsed"].all()
    assert frame["variant"].to_list()[:2] == ["caddy", "nginx_json"]
    assert frame["ip"].to_list()[:2] == ["203.0.113.7", "203.0.113.7"]
    assert frame["referrer"].to_list()[:2] == ["https://www.google.com/", None]


def test_spelling_values_reads_only_what_it_is_given() -> None:
    lines = pl.Series([CADDY_DEFAULT, NGINX_TIME_LOCAL, "x"])
    values = spelling_values(lines, ["request.uri", "request", "request.headers.Referer[0]"])
    assert values.rows() == [
        ("/products/tent?ref=nl", values.item(0, "request"), "https://www.google.com/"),
        (None, "GET /products/tent?ref=nl HTTP/2.0", None),
        (None, None, None),
    ]
    assert values.item(0, "request").startswith('{"remote_ip":"203.0.113.7"')


# --- Names, variants, fixtures, detection --------------------------------------------------------


def test_the_names_are_one_reader() -> None:
    assert (JSON_FAMILY.general, JSON_FAMILY.variants) == (
        JSON_LINES,
        (CADDY, NGINX_JSON, TRAEFIK_JSON),
    )
    assert [fmt.name for fmt in JSON_FORMATS] == ["json", "caddy", "nginx_json", "traefik_json"]
    assert all(isinstance(fmt, JsonLines) for fmt in JSON_FORMATS)
    assert {"caddy", "nginx_json", "traefik_json"} <= set(FORMATS)
    resolved = {name: resolve_format(name) for name in FORMAT_IDS}
    assert {name: fmt.name for name, fmt in resolved.items()} == {n: n for n in FORMAT_IDS}
    assert all(cast(FamilyFormat, fmt).family is JSON_FAMILY for fmt in resolved.values())
    assert all(fmt.example and fmt.description for fmt in JSON_FORMATS)


@pytest.mark.parametrize("source", JSON_FORMATS, ids=FORMAT_IDS)
@pytest.mark.parametrize("reader", JSON_FORMATS, ids=FORMAT_IDS)
def test_every_name_reads_every_convention_and_names_it(
    source: LogFormat, reader: LogFormat
) -> None:
    # Behaviour change: each preset read only its own lines; now every name reads them all.
    frame = parse([source.example, *fixture_lines(source)], resolve_format(reader.name))
    assert frame["parsed"].all()
    assert set(frame["variant"]) == {source.name}


@pytest.mark.parametrize("fmt", JSON_FORMATS, ids=FORMAT_IDS)
def test_fixture_hits(fmt: LogFormat) -> None:
    frame = parse_both_ways(fixture_lines(fmt))
    assert frame["method"].to_list() == ["GET", "GET", "POST", "GET"]
    assert frame["path"].to_list() == [
        "/products/tent",
        "/static/app.css",
        "/cart/add",
        "/products/old-tent",
    ]
    assert frame["status"].to_list() == [200, 200, 303, 404]
    assert frame["user_agent"].to_list()[-1] == GOOGLEBOT
    assert frame["ts"].dt.minute().to_list() == [15, 15, 15, 17]
    assert frame["ts"].dt.second().to_list() == [3, 10, 42, 1]


@pytest.mark.parametrize("fmt", JSON_FORMATS, ids=FORMAT_IDS)
def test_detection_picks_the_json_family_named_after_the_convention(fmt: LogFormat) -> None:
    sample = [*fixture_lines(fmt), "", "garbage"]  # a blank line is a comment
    detection = detect_format(sample)
    assert (detection.format.name, detection.parsed, detection.sampled) == (fmt.name, 4, 5)
    assert detection.format.family is JSON_FAMILY


def test_detection_reads_every_spelling_as_json() -> None:
    sample = [respelled(replaced, path, value) for replaced, path, value, _ in SPELLINGS]
    detection = detect_format(sample)
    assert (detection.format.family, detection.parsed) == (JSON_FAMILY, len(SPELLINGS))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("matomo_caddy_json", "caddy"),
        ("matomo_nginx_json", "json"),
        ("matomo_traefik_json", "traefik_json"),
    ],
)
def test_detection_of_the_real_json_logs(name: str, expected: str) -> None:
    lines = (REAL / f"{name}.log").read_text(encoding="utf-8").splitlines()
    detection = detect_format(lines)
    assert (detection.format.name, detection.parsed) == (expected, len(lines))


def test_mixed_conventions_are_read_with_the_json_name() -> None:
    sample = [*fixture_lines(CADDY)[:2], *fixture_lines(TRAEFIK_JSON)[:2], NGINX_TIME_LOCAL]
    assert detect_format(sample).format.name == "json"


def test_detection_still_picks_combined_for_text_lines() -> None:
    sample = [combined_line("/a"), combined_line("/b?x=1"), COMBINED.example]
    assert detect_format(sample).format == FORMATS["combined"]


TEXT_PRESETS = [fmt for fmt in FORMATS.values() if fmt.family is not JSON_FAMILY]


def test_text_log_lines_are_unread() -> None:
    lines = [COMBINED.example, *(preset.example for preset in TEXT_PRESETS)]
    assert not parse_both_ways(lines)["parsed"].any()


@pytest.mark.parametrize("preset", TEXT_PRESETS, ids=[f.name for f in TEXT_PRESETS])
def test_text_presets_leave_json_lines_unparsed(preset: LogFormat) -> None:
    lines = [line for fmt in JSON_FORMATS for line in (fmt.example, *fixture_lines(fmt))]
    assert not parse(lines, preset)["parsed"].any()


def test_lines_without_a_client_address_are_told_apart_by_user_agent(tmp_path: Path) -> None:
    # Three page views a minute apart and no address in any line: two with one browser, one
    # with another. Each browser is a visitor of its own (they were one visitor of all three).
    def line(minute: int, agent: str) -> str:
        return json.dumps({"time": f"2026-11-02T10:0{minute}:00Z", "request": "GET / HTTP/1.1",
                           "status": 200, "http_user_agent": agent})  # fmt: skip

    chrome = FIREFOX.replace("Firefox/128.0", "Chrome/131.0")
    log = tmp_path / "access.log"
    log.write_text("".join(f"{text}\n" for text in (line(0, FIREFOX), line(1, chrome),
                                                     line(2, FIREFOX))))  # fmt: skip
    result = CliRunner().invoke(cli, ["report", str(log), "--format", "json", "-q"])
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)["summary"]
    assert (summary["visitors"], summary["sessions"], summary["pageviews"]) == (2, 2, 3)


# What Caddy writes into the access log's file besides its requests (its own messages).
CADDY_MESSAGES = [
    '{"level":"info","ts":1793610900.0012,"logger":"admin","msg":"admin endpoint started",'
    '"address":"localhost:2019","enforce_origin":false,"origins":["//localhost:2019"]}',
    '{"level":"info","ts":1793610900.0013,"msg":"using config from file","file":"/etc/caddy/C"}',
    '{"msg":"certificate obtained successfully","level":"info","identifier":"shop.example.com"}',
]


def test_a_loggers_own_messages_are_no_http_requests() -> None:
    """A structured logger's message (a level and a msg, no key of a request) is a record of
    the log that is no request: ``not_http``, not malformed. A request whose time is broken,
    and a message cut short, stay malformed."""
    broken_time = CADDY_DEFAULT.replace('"ts":1793610903.123456', '"ts":"soon"')
    cut = CADDY_MESSAGES[0][:60]
    frame = parse([*CADDY_MESSAGES, CADDY_DEFAULT, broken_time, cut], FORMATS["caddy"])
    kinds = frame.select(
        pl.when("not_http").then(pl.lit("not_http")).when("parsed").then(pl.lit("read"))
        .otherwise(pl.lit("malformed")),
        "variant",
    ).rows()  # fmt: skip
    assert kinds == [
        ("not_http", "json_message"),
        ("not_http", "json_message"),
        ("not_http", "json_message"),
        ("read", "caddy"),
        ("malformed", None),
        ("malformed", None),
    ]


def test_a_caddy_log_opening_with_its_own_messages_is_recognised(tmp_path: Path) -> None:
    """Caddy's messages before its first request: the log is Caddy's, they are ``not_http``,
    and no sample line is said to be unreadable. (A log of such messages alone is no access
    log: ``test_a_log_in_neither_format_exits_1_and_suggests_log_format``.)"""
    log = tmp_path / "access.log"
    log.write_text("\n".join([*CADDY_MESSAGES, CADDY_DEFAULT, CADDY_DEFAULT]) + "\n")
    result = CliRunner().invoke(cli, ["report", str(log), "--format", "json", "--no-cache"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)["input"]
    assert (data["format"], data["not_http"], data["page"], data["malformed"]) == (
        "caddy", 3, 2, 0,
    )  # fmt: skip
    assert "no format reads" not in result.stderr
    assert "warning" not in result.stderr
