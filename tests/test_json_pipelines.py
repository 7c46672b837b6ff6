"""JSON lines as log pipelines and log stores write them: Elastic Common Schema events (Filebeat's
nginx and apache modules, Elastic Agent, Logstash with ``ecs_compatibility``), the same names as
flat dotted keys (OpenTelemetry's semantic conventions, exporters that flatten ECS), Fluentd's and
Fluent Bit's nginx parser records and Vector's ``parse_nginx_log``. Each is read by the ``json``
reader's key table; an object or a list where a text belongs (a Beats event's ``host``,
``agent`` and ``user_agent``) is no value."""

from __future__ import annotations

from typing import Any

import polars as pl

from micromacro.logformats import parse_access_lines
from micromacro.logformats.jsonlines import JSON_LINES
from tests.helpers import FIREFOX, lines_frame

FIELDS = ("ip", "method", "path", "query", "status", "bytes", "referrer", "user_agent", "host",
          "forwarded_for")  # fmt: skip
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


# An nginx JSON line as a Beats event carries it: the Beat's own ``host``, ``agent`` and a parsed
# ``user_agent`` are objects, a ``http_referer`` a list.
BEATS_OBJECTS = (
    '{"@timestamp":"2026-11-02T08:15:03.000Z","remote_addr":"203.0.113.7",'
    '"request":"GET /products/tent?ref=nl HTTP/1.1","status":200,"body_bytes_sent":5123,'
    '"http_user_agent":"' + FIREFOX + '","host":{"name":"web-1","hostname":"web-1"},'
    '"agent":{"type":"filebeat","version":"8.15.0"},"user_agent":{"name":"Firefox"},'
    '"http_referer":["https://www.google.com/"]}'
)


def test_an_object_or_a_list_is_no_text_value() -> None:
    """The Beat's host object is no site's host, its parsed user agent object gives way to the
    logged text, a list is no referrer (each was read as its JSON text)."""
    assert fields_of([BEATS_OBJECTS]) == [
        {"ip": "203.0.113.7", "method": "GET", "path": "/products/tent", "query": "ref=nl",
         "status": 200, "bytes": 5123, "referrer": None, "user_agent": FIREFOX, "host": None,
         "forwarded_for": None},
    ]  # fmt: skip
