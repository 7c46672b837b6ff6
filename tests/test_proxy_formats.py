"""Reverse proxies' default access logs: Nginx Proxy Manager's (``npm``, ``npm_standard``) and
Envoy's (``envoy``, and Istio's ``istio``).

Each line is a documented or configured line with one thing changed, and the expected fields
are written by hand from that line.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from micromacro.cli import cli
from micromacro.logformats import FORMATS, detect_format, has_forwarded_for, parse_access_lines
from tests.helpers import FIREFOX, fields, kind, lines_frame

FIXTURES = Path(__file__).parent / "fixtures" / "formats"
FIELDS = ("ts", "ip", "method", "path", "query", "status", "bytes", "referrer", "user_agent")


def rows(name: str, lines: list[str]) -> list[dict[str, object]]:
    """Every line of ``lines`` read with the preset ``name`` (and the rest of its family)."""
    frame = parse_access_lines(lines_frame(lines).lazy(), FORMATS[name]).collect()
    return list(frame.iter_rows(named=True))


def one(name: str, line: str) -> dict[str, object]:
    return rows(name, [line])[0]


def at(
    year: int, month: int, day: int, hour: int, minute: int, second: int, ms: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, ms * 1000, tzinfo=UTC)


# --- Nginx Proxy Manager --------------------------------------------------------------------

# log_format proxy, as a proxy host writes it.
NPM_LINE = (
    '[06/Dec/2026:15:10:01 +0100] - 200 200 - GET https shop.example.com "/pricing?a=1" '
    f'[Client 203.0.113.7] [Length 5123] [Gzip 3.21] [Sent-to 10.0.0.5] "{FIREFOX}" '
    '"https://www.google.com/"'
)
# log_format standard, as a dead or redirection host writes it.
NPM_STANDARD_LINE = (
    '[06/Dec/2026:15:10:01 +0100] 301 - GET http old.example.com "/pricing?a=1" '
    f'[Client 203.0.113.7] [Length 162] [Gzip -] "{FIREFOX}" "-"'
)


def test_npm_proxy_line() -> None:
    row = one("npm", NPM_LINE)
    assert fields(row, *FIELDS, "host", "forwarded_for", "variant") == (
        at(2026, 12, 6, 14, 10, 1), "203.0.113.7", "GET", "/pricing", "a=1", 200, 5123,
        "https://www.google.com/", FIREFOX, "shop.example.com", None, "npm",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("cache_and_upstream", "status"),
    [
        ("HIT - 200", 200),  # served from the cache: no upstream
        ("- - 200", 200),
        ("MISS 502, 200 200", 200),  # the first upstream failed, the second answered
        ("- 502, 504 : 200 200", 200),  # and an internal redirect to another upstream group
        ("- 504, - 504", 504),  # no answer from the second
        ("BYPASS 404 404", 404),
    ],
)
def test_npm_cache_and_upstream_statuses(cache_and_upstream: str, status: int) -> None:
    row = one("npm", NPM_LINE.replace("- 200 200", cache_and_upstream, 1))
    assert fields(row, "variant", "status", "path", "ip", "host") == (
        "npm", status, "/pricing", "203.0.113.7", "shop.example.com",
    )  # fmt: skip


def test_npm_dashes_for_gzip_referrer_and_user_agent() -> None:
    line = NPM_LINE.replace("[Gzip 3.21]", "[Gzip -]").replace(
        f'"{FIREFOX}" "https://www.google.com/"', '"-" "-"'
    )
    row = one("npm", line)
    assert fields(row, "variant", "status", "bytes", "referrer", "user_agent") == (
        "npm", 200, 5123, None, None,
    )  # fmt: skip


def test_npm_standard_line_and_a_log_of_both() -> None:
    read = rows("npm", [NPM_LINE, NPM_STANDARD_LINE])
    assert [fields(r, "variant", "status", "bytes", "host", "path", "query") for r in read] == [
        ("npm", 200, 5123, "shop.example.com", "/pricing", "a=1"),
        ("npm_standard", 301, 162, "old.example.com", "/pricing", "a=1"),
    ]


def test_npm_quote_inside_the_user_agent() -> None:
    """nginx writes a quote inside a value as ``\\x22``: read as written. An unescaped quote
    ends no field: the line is malformed, not read with its referrer in its user agent."""
    escaped = one("npm", NPM_LINE.replace(FIREFOX, r"Mozilla/5.0 \x22x\x22"))
    raw = one("npm", NPM_LINE.replace(FIREFOX, 'Mozilla/5.0 "x" y'))
    assert fields(escaped, "variant", "path", "user_agent", "referrer") == (
        "npm", "/pricing", r"Mozilla/5.0 \x22x\x22", "https://www.google.com/",
    )  # fmt: skip
    assert (kind(raw), raw["path"], raw["user_agent"]) == ("malformed", None, None)


def test_npm_line_cut_short_is_malformed() -> None:
    assert kind(one("npm", NPM_LINE.removesuffix('"https://www.google.com/"'))) == "malformed"


# --- Envoy and Istio ------------------------------------------------------------------------

# Envoy's documentation, "Default format string".
ENVOY_DOCS = (
    '[2016-04-15T20:17:00.310Z] "POST /api/v1/locations HTTP/2" 204 - 154 0 226 100 '
    '"10.0.35.28" "nsq2http" "cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2" "locations" '
    '"tcp://10.0.2.1:80"'
)
# Istio's documentation, "Default access log format" (httpbin's sidecar).
ISTIO_DOCS = (
    '[2020-11-25T21:26:18.409Z] "GET /status/418 HTTP/1.1" 418 - via_upstream - "-" 0 135 4 4 '
    '"-" "curl/7.73.0-DEV" "84961386-6d84-929d-98bd-c5aee93b5c88" "httpbin:8000" '
    '"10.44.1.27:80" outbound|8000||httpbin.foo.svc.cluster.local 10.44.1.23:37652 '
    "10.0.45.184:8000 10.44.1.23:46520 - default"
)


def test_envoy_documented_line() -> None:
    # No client address: the first of X-Forwarded-For (no public one: the first).
    row = one("envoy", ENVOY_DOCS)
    assert fields(row, *FIELDS, "host", "forwarded_for", "variant") == (
        at(2016, 4, 15, 20, 17, 0, 310), "10.0.35.28", "POST", "/api/v1/locations", None, 204,
        0, None, "nsq2http", "locations", "10.0.35.28", "envoy",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("forwarded", "ip"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("203.0.113.7, 10.0.0.2", "203.0.113.7"),
        ("10.0.0.3, 198.51.100.2, 203.0.113.7", "198.51.100.2"),  # the first public one
        ("10.0.0.3,10.0.0.4", "10.0.0.3"),  # none public: the first
        ("2001:db8::7", "2001:db8::7"),
        ("-", None),  # no header: no client
    ],
)
def test_envoy_client_is_the_first_forwarded_address(forwarded: str, ip: str | None) -> None:
    row = one("envoy", ENVOY_DOCS.replace('"10.0.35.28"', f'"{forwarded}"'))
    expected_list = None if forwarded == "-" else forwarded
    assert fields(row, "variant", "ip", "forwarded_for") == ("envoy", ip, expected_list)


@pytest.mark.parametrize(
    ("old", "new", "names", "expected"),
    [
        # The authority's port is dropped; no authority (HTTP/1.0): no host.
        ('"locations"', '"shop.example.com:8443"', ("host",), ("shop.example.com",)),
        ('"locations"', '"[2001:db8::5]:443"', ("host",), ("[2001:db8::5]",)),
        ('"locations"', '"-"', ("host",), (None,)),
        # No upstream answer: status 0, flags listed, no service time.
        ("204 - 154 0 226 100", "0 DC,UR 154 0 226 -", ("status", "bytes"), (0, 0)),
        ("204 - 154 0 226 100", "503 UH 0 91 0 -", ("status", "bytes"), (503, 91)),
        ('"nsq2http"', '"-"', ("user_agent",), (None,)),
        ("HTTP/2", "HTTP/1.0", ("method", "path"), ("POST", "/api/v1/locations")),
        # Emissary writes ACCESS first.
        ("[2016", "ACCESS [2016", ("path", "ip"), ("/api/v1/locations", "10.0.35.28")),
        # The original path Envoy logs before a rewrite, with its query.
        (
            "/api/v1/locations",
            "/v1/locations?id=7&x=",
            ("path", "query"),
            ("/v1/locations", "id=7&x="),
        ),
    ],
)
def test_envoy_variants(
    old: str, new: str, names: tuple[str, ...], expected: tuple[object, ...]
) -> None:
    row = one("envoy", ENVOY_DOCS.replace(old, new, 1))
    assert (row["variant"], *fields(row, *names)) == ("envoy", *expected)


def test_envoy_quote_inside_the_user_agent_is_malformed() -> None:
    """Envoy writes the header as it came: its quote ends no field, and the line is malformed,
    not read with the crawler's name cut off or the request id taken for the host."""
    agent = 'Mozilla/5.0 (compatible; "x" Googlebot/2.1; +http://www.google.com/bot.html)'
    row = one("envoy", ENVOY_DOCS.replace('"nsq2http"', f'"{agent}"'))
    assert fields(row, "parsed", "path", "user_agent", "host") == (False, None, None, None)


def test_envoy_quote_inside_the_request_is_malformed() -> None:
    row = one("envoy", ENVOY_DOCS.replace("/api/v1/locations", '/api/"v1"/locations'))
    assert (kind(row), row["path"]) == ("malformed", None)


def test_envoy_tcp_record_and_bad_request_line() -> None:
    tcp = '[2026-11-02T08:15:03.123Z] "- - -" 0 - 1024 2048 5000 - "-" "-" "-" "-" "10.0.2.1:5432"'
    codec_error = ENVOY_DOCS.replace("POST /api/v1/locations HTTP/2", "- - HTTP/1.1")
    read = rows("envoy", [tcp, codec_error])
    assert [(kind(r), r["variant"]) for r in read] == [
        ("not_http", "envoy_tcp"),
        ("malformed", None),
    ]


def test_istio_documented_line() -> None:
    # The connecting address is the client; X-Forwarded-For is "-".
    row = one("istio", ISTIO_DOCS)
    assert fields(row, *FIELDS, "host", "forwarded_for", "variant") == (
        at(2020, 11, 25, 21, 26, 18, 409), "10.44.1.23", "GET", "/status/418", None, 418, 135,
        None, "curl/7.73.0-DEV", "httpbin", None, "istio",
    )  # fmt: skip


def test_istio_gateway_line_with_forwarded_addresses_and_ipv6_peer() -> None:
    line = (
        ISTIO_DOCS.replace('4 4 "-"', '4 4 "203.0.113.7,10.44.0.1"')
        .replace("10.44.1.23:46520", "[2001:db8::9]:46520")
        .replace("418 - via_upstream -", "200 - via_upstream -")
    )
    read = rows("istio", [line])
    assert [fields(r, "variant", "ip", "forwarded_for", "status") for r in read] == [
        ("istio", "2001:db8::9", "203.0.113.7,10.44.0.1", 200)
    ]


def test_envoy_and_istio_lines_in_one_log() -> None:
    read = rows("envoy", [ENVOY_DOCS, ISTIO_DOCS])
    assert [fields(r, "variant", "ip", "status") for r in read] == [
        ("envoy", "10.0.35.28", 204),
        ("istio", "10.44.1.23", 418),
    ]


# --- Detection and the command line ---------------------------------------------------------


def test_detection_takes_the_standard_format_for_a_dead_hosts_log() -> None:
    assert detect_format([NPM_STANDARD_LINE, NPM_STANDARD_LINE]).format.name == "npm_standard"


def test_envoy_and_istio_logs_have_x_forwarded_for() -> None:
    assert has_forwarded_for(FORMATS["envoy"], [ENVOY_DOCS])
    assert has_forwarded_for(FORMATS["istio"], [ISTIO_DOCS])
    assert not has_forwarded_for(FORMATS["npm"], [NPM_LINE])


@pytest.mark.parametrize(
    ("fixture", "chosen", "pageviews"),
    [("npm_docs.log", "npm", 1), ("envoy_docs.log", "envoy", 1)],
)
def test_a_first_report_reads_the_log(fixture: str, chosen: str, pageviews: int) -> None:
    result = CliRunner().invoke(cli, ["report", str(FIXTURES / fixture), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["input"]["format"] == chosen
    assert (report["input"]["malformed"], report["summary"]["pageviews"]) == (0, pageviews)
