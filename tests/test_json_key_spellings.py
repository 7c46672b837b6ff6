"""JSON-lines key spellings of widely copied setups: Caddy 2.0–2.4 (``request.remote_addr``
with a port). Fixtures in ``tests/fixtures/formats/json_*.log``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
from click.testing import CliRunner

from micromacro.cli import cli
from micromacro.logformats import parse_access_lines
from micromacro.logformats.jsonlines import JSON_LINES
from tests.helpers import lines_frame

FIXTURES = Path(__file__).parent / "fixtures" / "formats"
FIELDS = ("ip", "path", "query", "referrer", "host", "forwarded_for")
# Starts with "{" and ends with "}" but is no JSON: its block is read spelling by spelling.
BREAKER = "{}{}"


def parse(lines: list[str]) -> pl.DataFrame:
    return parse_access_lines(lines_frame(lines).lazy(), JSON_LINES).collect()


def fields_of(lines: list[str]) -> list[dict[str, Any]]:
    """``FIELDS`` of each line, which must parse, alike decoded at once and spelling by
    spelling (with ``BREAKER`` in their block)."""
    decoded = parse(lines)
    assert parse([*lines, BREAKER]).head(len(lines)).equals(decoded), "the two ways differ"
    assert decoded["parsed"].all()
    return decoded.select(FIELDS).rows(named=True)


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
