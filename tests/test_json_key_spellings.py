"""JSON-lines key spellings of widely copied setups: Caddy 2.0–2.4 (``request.remote_addr``
with a port), nginx's ``json_combined`` template (``http_referrer``) and ingress-nginx's
``log-format-upstream`` example (``vhost``, ``x_forward_for``, ``path`` = ``$uri`` with the
query apart in ``request_query``). Fixtures in ``tests/fixtures/formats/json_*.log``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from micromacro.cli import cli
from micromacro.logformats import has_forwarded_for, resolve_format
from tests.helpers import json_read

FIXTURES = Path(__file__).parent / "fixtures" / "formats"
FIELDS = ("ip", "path", "query", "referrer", "host", "forwarded_for")


def fields_of(lines: list[str]) -> list[dict[str, Any]]:
    """``FIELDS`` of each line (``json_read``: read alike both ways)."""
    return json_read(lines).select(FIELDS).rows(named=True)


def fixture(name: str) -> Path:
    return FIXTURES / f"json_{name}.log"


def report(log: Path, *options: str) -> str:
    result = CliRunner().invoke(cli, ["report", str(log), "--no-cache", "-q", *options])
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_caddy_2_0_clients_are_their_remote_addr() -> None:
    """Two requests alike but for the client's address (and the time): two visitors, two
    sessions (Caddy 2.0–2.4's ``request.remote_addr`` was not read: one visitor, one session)."""
    summary = json.loads(report(fixture("caddy20_visitors"), "--format", "json"))["summary"]
    assert (summary["visitors"], summary["sessions"], summary["pageviews"]) == (2, 2, 2)


def test_caddy_2_0_fields() -> None:
    lines = fixture("caddy20").read_text(encoding="utf-8").splitlines()
    assert fields_of(lines) == [
        {"ip": "127.0.0.1", "path": "/", "query": None, "referrer": None,
         "host": "localhost:8080", "forwarded_for": None},
        {"ip": "2001:db8::3", "path": "/about", "query": "x=1",
         "referrer": "https://www.google.com/", "host": "example.com", "forwarded_for": None},
    ]  # fmt: skip


def test_ingress_nginx_fields() -> None:
    """``path`` is ``$uri``, its query in ``request_query`` (empty on the second line)."""
    lines = fixture("ingress_nginx").read_text(encoding="utf-8").splitlines()
    assert fields_of(lines) == [
        {"ip": "203.0.113.10", "path": "/landing",
         "query": "utm_source=newsletter&utm_medium=email", "referrer": None,
         "host": "shop.example.com", "forwarded_for": "203.0.113.10"},
        {"ip": "203.0.113.11", "path": "/landing", "query": None,
         "referrer": "https://www.bing.com/", "host": "shop.example.com",
         "forwarded_for": "203.0.113.11"},
    ]  # fmt: skip


def test_ingress_nginx_channels() -> None:
    """The newsletter's utm tags and Bing's referrer are read: Email and Organic Search (both
    sessions were Direct)."""
    out = report(fixture("ingress_nginx"), "--format", "csv", "--table", "channels")
    assert out.splitlines() == [
        "channel,sessions,macro_conversion_rate",
        "Email,1,",
        "Organic Search,1,",
    ]


def test_nginx_json_combined_referrers() -> None:
    lines = fixture("nginx_combined").read_text(encoding="utf-8").splitlines()
    assert fields_of(lines) == [
        {"ip": "192.0.2.1", "path": "/landing", "query": "utm_source=x",
         "referrer": "https://www.google.com/", "host": None, "forwarded_for": None},
        {"ip": "192.0.2.1", "path": "/next", "query": None,
         "referrer": "https://shop.example.com/landing", "host": None, "forwarded_for": None},
    ]  # fmt: skip


def test_an_x_forward_for_key_is_a_forwarded_for_field_even_empty() -> None:
    line = json.dumps({"time": "2024-02-01T10:00:00Z", "remote_addr": "10.0.0.2",
                       "x_forward_for": "", "path": "/", "status": 200})  # fmt: skip
    assert has_forwarded_for(resolve_format("json"), [line])


def line_of(**members: Any) -> str:
    return json.dumps({"time": "2024-02-01T10:00:00Z", "remote_addr": "203.0.113.10", **members})


@pytest.mark.parametrize(
    ("members", "path", "query"),
    [
        pytest.param({"uri": "/a", "args": "b=1"}, "/a", "b=1", id="uri-and-args"),
        pytest.param({"path": "/a", "query_string": "b=1"}, "/a", "b=1", id="query-string"),
        # A path that holds a query keeps it; the one logged apart is not added.
        pytest.param({"path": "/a?b=1", "request_query": "c=2"}, "/a", "b=1", id="path-with-?"),
        # (An empty query, as a request line's /a? has.)
        pytest.param({"path": "/a?", "request_query": "c=2"}, "/a", "", id="path-with-bare-?"),
        # $request_uri is a whole target: a query logged beside it is not added.
        pytest.param({"request_uri": "/a", "args": "b=1"}, "/a", None, id="request-uri"),
        # A request line wins over a path and a query.
        pytest.param(
            {"request": "GET /r?s=1 HTTP/1.1", "path": "/a", "args": "b=1"},
            "/r",
            "s=1",
            id="request-line",
        ),
        # No query logged: "-", "" (nginx's empty $args), null, or an object.
        pytest.param({"path": "/a", "args": "-"}, "/a", None, id="dash"),
        pytest.param({"path": "/a", "args": ""}, "/a", None, id="empty"),
        pytest.param({"path": "/a", "args": None}, "/a", None, id="null"),
        pytest.param({"path": "/a", "args": {"b": 1}}, "/a", None, id="object"),
        # A query of the first spelling holding a value.
        pytest.param({"path": "/a", "request_query": "", "args": "b=1"}, "/a", "b=1", id="next"),
        # nginx logs $uri decoded: a space or a # in it is escaped, as in a request line (the
        # made line "GET /r b HTTP/1.1" was malformed, and "#foo" cut the query off).
        pytest.param({"path": "/r b"}, "/r%20b", None, id="space-in-path"),
        pytest.param(
            {"path": "/r", "query_string": "a b&gclid=1"},
            "/r",
            "a%20b&gclid=1",
            id="space-in-query",
        ),
        pytest.param(
            {"path": "/tag/#foo", "args": "utm_source=news"},
            "/tag/%23foo",
            "utm_source=news",
            id="hash-in-path",
        ),
    ],
)
def test_a_query_logged_apart_joins_a_path_alone(
    members: dict[str, Any], path: str, query: str | None
) -> None:
    [row] = fields_of([line_of(**members)])
    assert (row["path"], row["query"]) == (path, query)
