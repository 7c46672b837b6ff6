"""Key=value access logs: logfmt (Heroku's router, Go's log/slog and logrus) and LTSV.

Each line is a documented line with one thing changed, and the expected fields are written by
hand from that line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from micromacro.cli import cli
from micromacro.logformats import (
    COMBINED,
    FORMATS,
    GENERAL_READERS,
    analyse_sample,
    detect_format,
    has_forwarded_for,
    parse_access_lines,
)
from micromacro.logformats.jsonlines import JSON_LINES
from micromacro.logformats.keyvalue import logfmt_values, ltsv_values
from tests.helpers import FIREFOX, fields, kind, lines_frame

HITS = ("ts", "ip", "path", "query", "status", "bytes", "referrer", "user_agent", "host")

# As ``heroku logs`` prints the router's lines.
ROUTER = (
    "2026-11-02T09:15:03.123456+00:00 heroku[router]: at=info method=GET "
    'path="/products/tent?ref=nl" host=shop.example.com request_id=1a2b3c fwd="203.0.113.7" '
    "dyno=web.1 connect=0ms service=12ms status=200 bytes=5123 protocol=https"
)
H12 = (
    '2026-11-02T09:16:00.000000+00:00 heroku[router]: at=error code=H12 desc="Request timeout" '
    'method=POST path="/checkout" host=shop.example.com request_id=4d5e6f '
    'fwd="198.51.100.2, 203.0.113.9" dyno=web.1 connect=1ms service=30000ms status=503 bytes=0 '
    "protocol=https"
)
# As a syslog drain delivers them: RFC 5424 without structured data, after an HTTPS drain's
# octet count.
DRAIN = (
    "263 <158>1 2026-11-02T09:17:03.5+00:00 host heroku router - at=info method=GET "
    'path="/cart" host=shop.example.com request_id=7a8b9c fwd="203.0.113.7" dyno=web.2 '
    "connect=0ms service=5ms status=304 bytes=0 protocol=https"
)
APP_REQUEST = (
    "2026-11-02T09:15:03.200000+00:00 app[web.1]: time=2026-11-02T09:15:03Z level=INFO "
    "msg=request method=GET path=/products/tent status=200"
)
PLATFORM = "2026-11-02T09:15:04.000000+00:00 heroku[web.1]: State changed from starting to up"
DRAIN_APP = '<190>1 2026-11-02T09:17:04.1+00:00 host app web.1 - Started GET "/" for 203.0.113.7'
SLOG = (
    "time=2026-11-02T09:15:03.250+01:00 level=INFO msg=request method=GET path=/products "
    "query=utm_source=nl status=200 bytes=5123 remote_addr=203.0.113.7:51234 "
    f'host=shop.example.com referer=https://www.google.com/ user_agent="{FIREFOX}"'
)
LOGRUS = (
    'time="2026-11-02T09:15:03+01:00" level=info msg="handled request" method=GET '
    'path="/search?q=two words" status=404 size=12 ip=2001:db8::7 user_agent="curl/8.5.0"'
)
LTSV_APACHE = (
    "host:203.0.113.7\tident:-\tuser:-\ttime:[02/Nov/2026:09:15:03 +0900]\t"
    "req:GET /products/tent?ref=nl HTTP/1.1\tstatus:200\tsize:5123\t"
    f"referer:https://www.google.com/\tua:{FIREFOX}\tvhost:shop.example.com"
)
LTSV_NGINX = (
    "time:2026-11-02T09:15:03+09:00\thost:198.51.100.4\tforwardedfor:203.0.113.7\t"
    "method:GET\turi:/cart?step=2\tstatus:302\tsize:-\treferer:-\tua:curl/8.5.0\t"
    "vhost:shop.example.com\treqtime:0.004"
)


def at(hour: int, minute: int, second: int, micros: int = 0) -> datetime:
    return datetime(2026, 11, 2, hour, minute, second, micros, tzinfo=UTC)


def rows(name: str, lines: list[str]) -> list[dict[str, object]]:
    """Every line of ``lines`` read with the format ``name`` (and the rest of its family)."""
    fmt = FORMATS.get(name) or GENERAL_READERS[name]
    frame = parse_access_lines(lines_frame(lines).lazy(), fmt).collect()
    return list(frame.iter_rows(named=True))


def one(name: str, line: str) -> dict[str, object]:
    return rows(name, [line])[0]


# --- logfmt ----------------------------------------------------------------------------------


def test_a_heroku_router_line() -> None:
    row = one("heroku", ROUTER)
    assert fields(row, *HITS, "method", "forwarded_for", "variant") == (
        at(9, 15, 3, 123456), "203.0.113.7", "/products/tent", "ref=nl", 200, 5123, None, None,
        "shop.example.com", "GET", "203.0.113.7", "heroku",
    )  # fmt: skip


def test_a_router_error_is_a_request_and_its_client_the_address_the_router_saw() -> None:
    # fwd lists an X-Forwarded-For the client sent, then the address the router saw connect.
    row = one("heroku", H12)
    assert fields(row, *HITS, "method", "forwarded_for") == (
        at(9, 16, 0), "203.0.113.9", "/checkout", None, 503, 0, None, None, "shop.example.com",
        "POST", "198.51.100.2, 203.0.113.9",
    )  # fmt: skip


def test_a_router_line_from_a_syslog_drain() -> None:
    row = one("heroku", DRAIN)
    assert fields(row, *HITS, "variant") == (
        at(9, 17, 3, 500000), "203.0.113.7", "/cart", None, 304, 0, None, None,
        "shop.example.com", "heroku",
    )  # fmt: skip


@pytest.mark.parametrize("line", [APP_REQUEST, PLATFORM, DRAIN_APP])
def test_the_apps_and_the_platforms_own_lines_are_no_request(line: str) -> None:
    # The app's line of a request is the router's line again: one hit, not two.
    row = one("heroku", line)
    assert (kind(row), row["variant"]) == ("not_http", "heroku_message")


def test_a_router_line_without_a_request_is_malformed_not_a_message() -> None:
    row = one("heroku", ROUTER.replace('path="/products/tent?ref=nl" ', 'path="" '))
    assert kind(row) == "malformed"


def test_a_slog_request_line() -> None:
    row = one("logfmt", SLOG)
    assert fields(row, *HITS, "variant") == (
        at(8, 15, 3, 250000), "203.0.113.7", "/products", "utm_source=nl", 200, 5123,
        "https://www.google.com/", FIREFOX, "shop.example.com", "logfmt",
    )  # fmt: skip


def test_a_logrus_line_with_quoted_values() -> None:
    row = one("logfmt", LOGRUS)
    assert fields(row, *HITS, "method") == (
        at(8, 15, 3), "2001:db8::7", "/search", "q=two%20words", 404, 12, None, "curl/8.5.0",
        None, "GET",
    )  # fmt: skip


def test_a_quoted_value_holding_a_key_is_not_that_key() -> None:
    # A user agent is the client's to choose: its " path=" is no path.
    line = (
        'time=2026-11-02T09:15:03Z user_agent="x path=/checkout/thanks status=200" '
        'msg="a \\" path=/x" method=GET path=/products status=404'
    )
    row = one("logfmt", line)
    assert fields(row, "path", "status", "user_agent") == (
        "/products", 404, "x path=/checkout/thanks status=200",
    )  # fmt: skip


def test_a_quoted_values_escapes_are_undone() -> None:
    line = 'time=2026-11-02T09:15:03Z method=GET path=/ user_agent="say \\"hi\\" \\\\o/"'
    assert one("logfmt", line)["user_agent"] == 'say "hi" \\o/'


def test_a_weak_key_holds_no_value_of_another_shape() -> None:
    """``code``, ``client`` and ``agent`` (Fluentd's and Vector's words) are a status, a client
    and a user agent only where their value has that shape: an app's error code of 0, its
    client app's name and its worker's are none (and the ``status`` before ``code`` is read)."""
    app = (
        "time=2025-10-10T11:55:37Z level=INFO msg=request method=GET path=/x code=0 "
        "client=ios-app agent=worker-3"
    )
    piped = (
        'time=2025-10-10T11:55:37Z method=GET path=/y status=- code=404 client="[2001:db8::7]:443" '
        'agent="curl/8.5.0"'
    )
    when = datetime(2025, 10, 10, 11, 55, 37, tzinfo=UTC)
    assert [fields(row, *HITS) for row in rows("logfmt", [app, piped])] == [
        (when, None, "/x", None, None, None, None, None, None),
        (when, "2001:db8::7", "/y", None, 404, None, None, "curl/8.5.0", None),
    ]


def test_a_loggers_own_message_is_no_request() -> None:
    line = 'time=2026-11-02T09:15:03.000+01:00 level=INFO msg="server started" addr=:8080'
    row = one("logfmt", line)
    assert (kind(row), row["variant"]) == ("not_http", "logfmt_message")


def test_a_line_without_a_time_is_malformed() -> None:
    assert kind(one("logfmt", "level=INFO msg=request method=GET path=/ status=200")) == (
        "malformed"
    )


# --- LTSV ------------------------------------------------------------------------------------


def test_an_apache_ltsv_line() -> None:
    # LTSV's host is the client, vhost the virtual host; Apache's %t keeps its brackets.
    row = one("ltsv", LTSV_APACHE)
    assert fields(row, *HITS, "method", "forwarded_for", "variant") == (
        at(0, 15, 3), "203.0.113.7", "/products/tent", "ref=nl", 200, 5123,
        "https://www.google.com/", FIREFOX, "shop.example.com", "GET", None, "ltsv",
    )  # fmt: skip


def test_an_nginx_ltsv_line_with_method_and_uri() -> None:
    row = one("ltsv", LTSV_NGINX)
    assert fields(row, *HITS, "method", "forwarded_for") == (
        at(0, 15, 3), "198.51.100.4", "/cart", "step=2", 302, None, None, "curl/8.5.0",
        "shop.example.com", "GET", "203.0.113.7",
    )  # fmt: skip


def test_an_ltsv_log_has_x_forwarded_for() -> None:
    assert has_forwarded_for(FORMATS["ltsv"], [LTSV_NGINX.replace("203.0.113.7", "-")])


# --- the values of a chunk ------------------------------------------------------------------

LOGFMT_CASES = [
    # a key repeated: its first pair
    ("path=/a status=200 path=/b", {"path": "/a", "status": "200"}),
    # a quoted text that is no value: its keys are not read, those after it are
    ('note "x path=/fake" path=/real', {"path": "/real"}),
    # a quote left open: nothing after it is read
    ('status=200 ua="x path=/fake', {"status": "200", "ua": ""}),
    # a key glued to a quote is no key; a value may hold an = (a query)
    ('ua="a"path=/fake query=a=1&b=2', {"ua": "a", "query": "a=1&b=2"}),
    # an escaped quote does not close a value; a backslash in a bare value is as written
    ('ua="say \\"path=/x\\"" path=C:\\n', {"ua": 'say "path=/x"', "path": "C:\\n"}),
    # a tab separates pairs too
    ("status=304\tpath=/t", {"status": "304", "path": "/t"}),
]


@pytest.mark.parametrize(("line", "expected"), LOGFMT_CASES)
def test_the_logfmt_values_of_a_line(line: str, expected: dict[str, str]) -> None:
    values = logfmt_values(pl.Series([line, "no pairs"]), ["path", "status", "ua", "query"])
    assert values.to_dict(as_series=False) == {
        key: [value, None] for key, value in expected.items()
    }


def test_the_ltsv_values_of_a_line() -> None:
    lines = pl.Series(["status:200\ttime:[02/Nov/2026:09:15:03 +0900]\tstatus:500", "x"])
    values = ltsv_values(lines, ["time", "status", "ua"])
    assert values.to_dict(as_series=False) == {
        "status": ["200", None], "time": ["[02/Nov/2026:09:15:03 +0900]", None],
    }  # fmt: skip


# The pieces of the lines the reference reads: keys, separators, quotes, escapes.
PIECES = ["path", "ua", "=", '"', "\\", " ", "\t", "/a", "n", "u"]


def reference_logfmt(line: str, keys: Collection[str]) -> dict[str, str]:
    """The first value of each of ``keys`` on a logfmt line, read a piece at a time."""
    found: dict[str, str] = {}
    at = 0
    while at < len(line):
        key = re.match(r'[^ \t="]+=', line[at:]) if at == 0 or line[at - 1] in " \t" else None
        quoted = re.match(r'"((?:[^"\\]|\\.)*)("|\\?$)', line[at:])
        if key:
            at += key.end()
            value = re.match(r'"((?:[^"\\]|\\.)*)"|[^ \t"]*', line[at:])
            assert value
            found.setdefault(key[0][:-1], unescaped(value[1]) if value[1] is not None else value[0])
            at += value.end()
        elif quoted:  # a quoted text that is no value, stepped over
            at += quoted.end()
        else:
            at += 1
    return {key: value for key, value in found.items() if key in keys}


def unescaped(inside: str) -> str:
    """A quoted value's text, JSON's escapes undone (as written where they are no JSON's)."""
    try:
        return str(json.loads(f'"{inside}"', strict=False))
    except ValueError:
        return inside


@given(st.lists(st.lists(st.sampled_from(PIECES), max_size=16).map("".join), max_size=6))
def test_logfmt_values_are_those_of_a_scan_of_the_line(lines: list[str]) -> None:
    keys = ("path", "ua")
    read = [reference_logfmt(line, keys) for line in lines]
    expected = {
        key: [line.get(key) for line in read] for key in keys if any(key in line for line in read)
    }
    values = logfmt_values(pl.Series(lines, dtype=pl.String), keys)
    assert values.to_dict(as_series=False) == expected


# --- detection -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "chosen"),
    [
        ([ROUTER, APP_REQUEST, PLATFORM, H12], "heroku"),
        ([DRAIN, DRAIN_APP], "heroku"),
        ([SLOG, LOGRUS], "logfmt"),
        ([LTSV_APACHE, LTSV_NGINX], "ltsv"),
    ],
)
def test_key_value_logs_are_detected(lines: list[str], chosen: str) -> None:
    detection = detect_format(lines)
    assert (detection.format.name, detection.parsed) == (chosen, len(lines))


@pytest.mark.parametrize(
    ("line", "chosen"),
    [(COMBINED.example, "combined"), (JSON_LINES.example, "json")],
)
def test_other_logs_are_not_taken_by_the_key_value_families(line: str, chosen: str) -> None:
    analysis = analyse_sample([line])
    read = {candidate.family: candidate.read for candidate in analysis.candidates}
    assert (read["logfmt"], read["ltsv"]) == (0, 0)
    assert detect_format([line]).format.name == chosen


# --- a report --------------------------------------------------------------------------------

HEROKU_LOG = [
    ROUTER,  # a page of 203.0.113.7
    APP_REQUEST,  # the app's line of the same request: not_http
    ROUTER.replace("09:15:03.123456", "09:15:40.000000").replace(
        'path="/products/tent?ref=nl"', 'path="/cart"'
    ),  # a second page of 203.0.113.7, 37 s later
    H12,  # a POST answered 503: an error
    PLATFORM,  # not_http
    ROUTER.replace('path="/products/tent?ref=nl"', 'path="/assets/app.css"'),  # static
    ROUTER.replace("09:15:03.123456", "10:30:00.000000").replace(
        'fwd="203.0.113.7"', 'fwd="198.51.100.20"'
    ),  # a page of a second visitor
]


def test_a_report_on_a_heroku_router_log(tmp_path: Path) -> None:
    log = tmp_path / "heroku.log"
    log.write_text("\n".join(HEROKU_LOG) + "\n")
    result = CliRunner().invoke(cli, ["report", str(log), "--format", "json", "--no-cache"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    counts = {name: report["input"][name] for name in ("lines", "not_http", "malformed")}
    buckets = {name: report["input"][name] for name in ("page", "error", "static")}
    assert (report["input"]["format"], counts, buckets) == (
        "heroku", {"lines": 7, "not_http": 2, "malformed": 0},
        {"page": 3, "error": 1, "static": 1},
    )  # fmt: skip
    summary = report["summary"]
    assert fields(summary, "visitors", "sessions", "pageviews", "bounce_rate") == (2, 2, 3, 0.5)
