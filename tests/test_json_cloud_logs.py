"""Cloud providers' HTTP request logs, one JSON object a line as exported, read by the ``json``
reader's key table: Google Cloud's ``httpRequest`` (a load balancer's and Cloud Run's entries),
Cloudflare Logpush ``http_requests`` (in each ``timestamp_format``), Azure Front Door (Standard
and classic) and Application Gateway (v2 and v1) diagnostic logs. Fixtures in
``tests/fixtures/formats/json_*.log``, shaped as each provider's documentation shows them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from micromacro.cli import cli
from tests.helpers import FIREFOX, json_read

FIXTURES = Path(__file__).parent / "fixtures" / "formats"
FIELDS = ("ts", "ip", "method", "path", "query", "status", "bytes", "referrer", "user_agent",
          "host")  # fmt: skip
GOOGLE = "https://www.google.com/"


def fixture(name: str) -> Path:
    return FIXTURES / f"json_{name}.log"


def fields_of(name: str) -> list[tuple[Any, ...]]:
    """``FIELDS`` of each line of fixture ``name``, which must parse, alike decoded at once and
    spelling by spelling (``json_read``)."""
    decoded = json_read(fixture(name).read_text(encoding="utf-8").splitlines())
    assert set(decoded["variant"]) == {"json"}
    return decoded.select(FIELDS).rows()


def at(second: int, us: int = 0) -> datetime:
    """2026-11-02 08:15, ``second`` and ``us``, UTC."""
    return datetime(2026, 11, 2, 8, 15, second, us, tzinfo=UTC)


def test_google_cloud_http_request_fields() -> None:
    """The time is the entry's ``timestamp`` (nanoseconds cut to µs); path, query and host come
    from ``requestUrl``; ``responseSize`` is a string of digits; ``remoteIp`` may carry a port
    (dropped) or be IPv6."""
    assert fields_of("google_cloud") == [
        (at(3, 123456), "203.0.113.7", "GET", "/products/tent", "ref=nl", 200, 5123, GOOGLE,
         FIREFOX, "shop.example.com"),
        (at(4, 500000), "2001:db8::7", "POST", "/contact", None, 302, 120, None, FIREFOX,
         "shop-abc123-ew.a.run.app"),
        (at(6), "198.51.100.20", "GET", "/search", "q=tent", 404, 0, None, "curl/8.5.0",
         "shop.example.com"),
    ]  # fmt: skip


def test_cloudflare_logpush_fields() -> None:
    """``EdgeStartTimestamp`` as unixnano, rfc3339 and unix; the status the edge sent, not the
    origin's (0 on a cache hit); an empty referrer is none."""
    assert fields_of("cloudflare") == [
        (at(3, 123000), "203.0.113.7", "GET", "/products/tent", "ref=nl", 200, 5123, GOOGLE,
         FIREFOX, "shop.example.com"),
        (at(4), "2001:db8::7", "POST", "/contact", None, 302, 120, None, FIREFOX,
         "shop.example.com"),
        (at(6), "198.51.100.20", "GET", "/search", "q=tent", 404, 0, None, "curl/8.5.0",
         "www.example.com"),
    ]  # fmt: skip


def test_azure_front_door_fields() -> None:
    """``time`` with 7 digits of fraction; ``requestUri`` a full URL with its port; the host is
    ``hostName``, else the URL's (classic Front Door logs none)."""
    assert fields_of("azure_front_door") == [
        (at(3, 123456), "203.0.113.7", "GET", "/products/tent", "ref=nl", 200, 5123, GOOGLE,
         FIREFOX, "shop.example.com"),
        (at(4, 500000), "2001:db8::7", "POST", "/contact", None, 302, 120, None, FIREFOX,
         "shop.example.com"),
    ]  # fmt: skip


def test_azure_application_gateway_fields() -> None:
    """v2: ``timeStamp``, the target and host the visitor sent (``originalRequestUriWithArgs``,
    ``originalHost``), not the rewritten ones. v1: ``time``, ``requestUri`` alone: its
    ``requestQuery`` is the gateway's own text, no query; a user agent ``-`` is none."""
    assert fields_of("azure_app_gateway") == [
        (at(3), "203.0.113.7", "GET", "/products/tent", "ref=nl", 200, 5123, None, FIREFOX,
         "shop.example.com"),
        (at(4), "198.51.100.20", "GET", "/search", None, 404, 553, None, None, "www.example.com"),
    ]  # fmt: skip


# What the report counts of each fixture: its lines; the human visitors (curl's line is a bot's);
# the page views (the GETs answered 200; a POST is no page view, a 404 an error).
REPORTS = [
    ("google_cloud", {"lines": 3, "bot": 1, "page": 1}, {"visitors": 2, "pageviews": 1}),
    ("cloudflare", {"lines": 3, "bot": 1, "page": 1}, {"visitors": 2, "pageviews": 1}),
    ("azure_front_door", {"lines": 2, "bot": 0, "page": 1}, {"visitors": 2, "pageviews": 1}),
    ("azure_app_gateway", {"lines": 2, "bot": 0, "page": 1}, {"visitors": 1, "pageviews": 1}),
]


@pytest.mark.parametrize(("name", "counts", "summary"), REPORTS, ids=[r[0] for r in REPORTS])
def test_report_detects_and_reads_the_log(
    name: str, counts: dict[str, int], summary: dict[str, int]
) -> None:
    result = CliRunner().invoke(
        cli, ["report", str(fixture(name)), "--no-cache", "--format", "json"]
    )
    assert result.exit_code == 0, result.stderr
    lines = counts["lines"]
    detected = f"log format: json (detected: {lines} of {lines} sample lines parsed)"
    assert detected in result.stderr
    report = json.loads(result.stdout)
    got = report["input"]
    assert (got["format"], got["malformed"], got["variants"]) == ("json", 0, {"json": lines})
    assert {key: got[key] for key in counts} == counts
    assert {key: report["summary"][key] for key in summary} == summary
