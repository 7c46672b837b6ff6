"""Parsing Caddy, nginx escape=json and Traefik JSON lines into hit fields, and recognising them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from micromacro.logformats import COMBINED, FORMATS, LogFormat, detect_format, parse_access_lines
from micromacro.logformats.jsonlines import CADDY, JSON_FORMATS, NGINX_JSON, TRAEFIK_JSON
from tests.helpers import FIREFOX, GOOGLEBOT, combined_line, lines_frame

FIXTURES = Path(__file__).parent / "fixtures" / "formats"
FIXTURE_OF = {
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


def parse(lines: list[str], fmt: LogFormat) -> pl.DataFrame:
    return parse_access_lines(lines_frame(lines).lazy(), fmt).collect()


def hit_of(line: str, fmt: LogFormat) -> dict[str, Any]:
    """The hit fields of one line, which must parse."""
    row = parse([line], fmt).row(0, named=True)
    assert row["parsed"] is True
    return {name: row[name] for name in HIT_FIELDS}


def fixture_lines(fmt: LogFormat) -> list[str]:
    return FIXTURE_OF[fmt.name].read_text(encoding="utf-8").splitlines()


def edited(line: str, path: tuple[str, ...], value: Any = None, *, drop: bool = False) -> str:
    """``line`` (a JSON object) with the member at ``path`` set to ``value`` or dropped."""
    document = json.loads(line)
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    if drop:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return json.dumps(document, separators=(",", ":"))


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, us, tzinfo=UTC)


# --- Caddy -----------------------------------------------------------------------------------

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


# --- nginx escape=json ---------------------------------------------------------------------

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


@pytest.mark.parametrize(
    ("time", "expected"),
    [
        ('"time_local":"02/Nov/2026:09:15:03 +0000"', utc(2026, 11, 2, 9, 15, 3)),
        ('"time_local":"02/Nov/2026:09:15:03 +0530"', utc(2026, 11, 2, 3, 45, 3)),
        ('"time_local":"01/Jan/2026:00:30:00 +0100"', utc(2025, 12, 31, 23, 30)),
        ('"time_iso8601":"2026-11-02T09:15:03-07:00"', utc(2026, 11, 2, 16, 15, 3)),
        ('"msec":"1793610903.000"', utc(2026, 11, 2, 9, 15, 3)),
        ('"msec":1793610903.5', utc(2026, 11, 2, 9, 15, 3, 500000)),
    ],
)
def test_nginx_json_reads_whichever_time_it_logs(time: str, expected: datetime) -> None:
    line = "{" + time + ',"remote_addr":"203.0.113.7","request":"GET / HTTP/1.1","status":"200"}'
    assert hit_of(line, NGINX_JSON)["ts"] == expected


# --- Traefik -------------------------------------------------------------------------------

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


# --- Lines that are no request ---------------------------------------------------------------

HUGE = 1_000_000


@pytest.mark.parametrize("fmt", JSON_FORMATS, ids=FORMAT_IDS)
@pytest.mark.parametrize(
    "line",
    [
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
        pytest.param("not json at all", id="not-json"),
        pytest.param(combined_line("/products/tent"), id="combined-text-line"),
        pytest.param("{}", id="empty-object"),
        pytest.param("null", id="null"),
        pytest.param('"GET / HTTP/1.1"', id="json-string"),
        pytest.param("[" + CADDY_DEFAULT + "]", id="array-of-caddy"),
        pytest.param("[" + NGINX_TIME_LOCAL + "]", id="array-of-nginx"),
        pytest.param("[" + TRAEFIK_HEADERS_KEPT + "]", id="array-of-traefik"),
        pytest.param(CADDY_DEFAULT[:200], id="truncated-caddy"),
        pytest.param(NGINX_TIME_LOCAL[:-1], id="truncated-nginx"),
        pytest.param(TRAEFIK_HEADERS_KEPT[:-30], id="truncated-traefik"),
        pytest.param(NGINX_TIME_LOCAL + NGINX_TIME_LOCAL, id="two-objects-on-one-line"),
        pytest.param("A" * HUGE, id="huge-garbage"),
        pytest.param('{"msg":"' + "x" * HUGE, id="huge-unterminated-json"),
        pytest.param("\x1b[2J\x1b[31mRED [red]markup[/red] <script>x</script>", id="ansi-text"),
        # A raw control character inside a JSON string is not JSON.
        pytest.param(CADDY_DEFAULT.replace("Mozilla", "\x1b[31mMozilla"), id="raw-esc-caddy"),
        pytest.param(NGINX_TIME_LOCAL.replace("Mozilla", "\x1b[31mMozilla"), id="raw-esc-nginx"),
        pytest.param(
            TRAEFIK_HEADERS_KEPT.replace("Mozilla", "\x1b[31mMozilla"), id="raw-esc-traefik"
        ),
        # nginx without escape=json writes a quote as \x22, which is not JSON.
        pytest.param(NGINX_TIME_LOCAL.replace("Mozilla", r"\x22Mozilla\x22"), id="nginx-x-escape"),
    ],
)
def test_lines_that_are_no_json_request_are_unparsed(line: str, fmt: LogFormat) -> None:
    assert parse([line], fmt)["parsed"].to_list() == [False]


@pytest.mark.parametrize(
    ("fmt", "line"),
    [
        pytest.param(CADDY, edited(CADDY_DEFAULT, ("ts",), drop=True), id="caddy-no-ts"),
        pytest.param(CADDY, edited(CADDY_DEFAULT, ("ts",), "yesterday"), id="caddy-bad-ts"),
        pytest.param(CADDY, edited(CADDY_DEFAULT, ("ts",), {"s": 1}), id="caddy-ts-object"),
        pytest.param(CADDY, edited(CADDY_DEFAULT, ("request",), drop=True), id="caddy-no-request"),
        pytest.param(
            CADDY, edited(CADDY_DEFAULT, ("request",), "GET / HTTP/1.1"), id="caddy-request-text"
        ),
        pytest.param(
            CADDY, edited(CADDY_DEFAULT, ("request", "uri"), drop=True), id="caddy-no-uri"
        ),
        pytest.param(
            CADDY, edited(CADDY_DEFAULT, ("request", "method"), ["GET"]), id="caddy-method-list"
        ),
        pytest.param(
            CADDY, edited(CADDY_DEFAULT, ("request", "method"), "G E T"), id="caddy-method-spaces"
        ),
        pytest.param(
            NGINX_JSON, edited(NGINX_TIME_LOCAL, ("time_local",), drop=True), id="nginx-no-time"
        ),
        pytest.param(
            NGINX_JSON,
            edited(NGINX_TIME_LOCAL, ("time_local",), "32/Foo/2026:10:03:00 +0100"),
            id="nginx-bad-time",
        ),
        pytest.param(
            NGINX_JSON, edited(NGINX_TIME_LOCAL, ("request",), drop=True), id="nginx-no-request"
        ),
        pytest.param(NGINX_JSON, edited(NGINX_TIME_LOCAL, ("request",), "-"), id="nginx-dash"),
        pytest.param(
            NGINX_JSON,
            edited(NGINX_TIME_LOCAL, ("request",), "\x16\x03\x01\x00\xa5"),
            id="nginx-tls-bytes",
        ),
        pytest.param(
            NGINX_JSON,
            edited(NGINX_ISO_PARTS_IPV6, ("request_uri",), drop=True),
            id="nginx-method-without-uri",
        ),
        pytest.param(
            TRAEFIK_JSON,
            edited(edited(TRAEFIK_HEADERS_KEPT, ("StartUTC",), drop=True), ("StartLocal",), None),
            id="traefik-no-start",
        ),
        pytest.param(
            TRAEFIK_JSON,
            edited(TRAEFIK_HEADERS_KEPT, ("RequestPath",), drop=True),
            id="traefik-no-path",
        ),
        pytest.param(
            TRAEFIK_JSON,
            edited(TRAEFIK_HEADERS_KEPT, ("RequestMethod",), {"name": "GET"}),
            id="traefik-method-object",
        ),
        # The JSON parser rejects a number beyond a double, and so the whole line.
        pytest.param(
            TRAEFIK_JSON,
            TRAEFIK_HEADERS_KEPT.replace(
                '"DownstreamContentSize":5123', '"DownstreamContentSize":1e400'
            ),
            id="traefik-number-beyond-double",
        ),
    ],
)
def test_a_line_without_time_or_request_is_unparsed(fmt: LogFormat, line: str) -> None:
    assert parse([line], fmt)["parsed"].to_list() == [False]


def test_traefik_start_local_stands_in_only_when_start_utc_is_missing() -> None:
    # StartUTC wins; dropping it alone still parses, from StartLocal.
    line = edited(TRAEFIK_HEADERS_KEPT, ("StartUTC",), drop=True)
    assert hit_of(line, TRAEFIK_JSON)["ts"] == utc(2026, 11, 2, 8, 15, 3, 123456)


@pytest.mark.parametrize(
    ("fmt", "line", "nulls"),
    [
        pytest.param(
            CADDY,
            edited(edited(CADDY_DEFAULT, ("status",), "OK"), ("size",), {"n": 1}),
            {"status", "bytes"},
            id="caddy-status-text-size-object",
        ),
        pytest.param(
            CADDY,
            edited(CADDY_DEFAULT, ("request", "headers", "User-Agent"), "not a list"),
            {"user_agent"},
            id="caddy-header-not-a-list",
        ),
        pytest.param(
            NGINX_JSON,
            edited(NGINX_TIME_LOCAL, ("status",), [200]),
            {"status"},
            id="nginx-status-list",
        ),
        pytest.param(
            TRAEFIK_JSON,
            edited(TRAEFIK_HEADERS_KEPT, ("DownstreamContentSize",), 10**30),
            {"bytes"},
            id="traefik-size-beyond-int64",
        ),
    ],
)
def test_a_wrongly_typed_field_is_null_and_the_line_still_parses(
    fmt: LogFormat, line: str, nulls: set[str]
) -> None:
    hit = hit_of(line, fmt)
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
    lines = ["not json", CADDY_DEFAULT, "[1,2]", "", CADDY_PROXIED_IPV6, '{"ts":1}']
    frame = parse(lines, CADDY)
    assert frame["parsed"].to_list() == [False, True, False, False, True, False]
    assert frame["line_no"].to_list() == [1, 2, 3, 4, 5, 6]
    assert frame["ip"].to_list()[1::3] == ["203.0.113.7", "2001:db8:85a3::8a2e:370:7334"]


# --- Each format reads only its own lines ------------------------------------------------------


@pytest.mark.parametrize("source", JSON_FORMATS, ids=FORMAT_IDS)
@pytest.mark.parametrize("reader", JSON_FORMATS, ids=FORMAT_IDS)
def test_each_format_parses_its_own_lines_and_no_other(
    source: LogFormat, reader: LogFormat
) -> None:
    lines = [source.example, *fixture_lines(source)]
    assert parse(lines, reader)["parsed"].to_list() == [source is reader] * len(lines)


TEXT_PRESETS = [fmt for fmt in FORMATS.values() if fmt.family.name != "json"]


@pytest.mark.parametrize("fmt", JSON_FORMATS, ids=FORMAT_IDS)
def test_text_log_lines_are_unparsed(fmt: LogFormat) -> None:
    lines = [COMBINED.example, *(preset.example for preset in TEXT_PRESETS)]
    assert not parse(lines, fmt)["parsed"].any()


@pytest.mark.parametrize("fmt", JSON_FORMATS, ids=FORMAT_IDS)
def test_fixture_hits(fmt: LogFormat) -> None:
    frame = parse(fixture_lines(fmt), fmt)
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


# --- Detection ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", JSON_FORMATS, ids=FORMAT_IDS)
def test_detection_picks_the_json_format_of_a_sample(fmt: LogFormat) -> None:
    sample = [*fixture_lines(fmt), "", "garbage"]  # a blank line is a comment
    detection = detect_format(sample)
    assert (detection.format.name, detection.parsed, detection.sampled) == (fmt.name, 4, 5)


def test_detection_still_picks_combined_for_text_lines() -> None:
    sample = [combined_line("/a"), combined_line("/b?x=1"), COMBINED.example]
    assert detect_format(sample).format == FORMATS["combined"]


def test_format_names_are_new() -> None:
    names = [fmt.name for fmt in JSON_FORMATS]
    assert names == ["caddy", "nginx_json", "traefik_json"]
    assert set(names) <= set(FORMATS)
    assert all(fmt.example and fmt.description for fmt in JSON_FORMATS)


@pytest.mark.parametrize("preset", TEXT_PRESETS, ids=[f.name for f in TEXT_PRESETS])
def test_text_presets_leave_json_lines_unparsed(preset: LogFormat) -> None:
    lines = [line for fmt in JSON_FORMATS for line in (fmt.example, *fixture_lines(fmt))]
    assert not parse(lines, preset)["parsed"].any()
