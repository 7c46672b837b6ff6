"""JSON lines as log pipelines and log stores write them: Elastic Common Schema events (Filebeat's
nginx and apache modules, Elastic Agent, Logstash with ``ecs_compatibility``), the same names as
flat dotted keys (OpenTelemetry's semantic conventions, exporters that flatten ECS), Fluentd's and
Fluent Bit's nginx parser records and Vector's ``parse_nginx_log``. Each is read by the ``json``
reader's key table; an object or a list where a text belongs (a Beats event's ``host``,
``agent`` and ``user_agent``) is no value."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
from click.testing import CliRunner

from micromacro.cli import cli
from micromacro.format_choice import client_address_warning
from micromacro.hits import HitFilter, canonical_hits, classify_lines
from micromacro.logformats import detect_format, parse_access_lines
from micromacro.logformats.jsonlines import JSON_FAMILY, JSON_LINES
from tests.helpers import FIREFOX, json_read, lines_frame

FIXTURES = Path(__file__).parent / "fixtures" / "formats"
GOALS = Path(__file__).parent.parent / "goals.example.yaml"
FIELDS = ("ts", "ip", "method", "path", "query", "status", "bytes", "referrer", "user_agent",
          "host", "forwarded_for")  # fmt: skip
GOOGLE = "https://www.google.com/"


def at(second: int, us: int = 0) -> datetime:
    """2026-11-02 08:15, ``second`` and ``us``, UTC."""
    return datetime(2026, 11, 2, 8, 15, second, us, tzinfo=UTC)


def parse(lines: list[str]) -> pl.DataFrame:
    return parse_access_lines(lines_frame(lines).lazy(), JSON_LINES).collect()


def fields_of(lines: list[str]) -> list[dict[str, Any]]:
    """``FIELDS`` of each line (``json_read``: read alike both ways)."""
    return json_read(lines).select(FIELDS).rows(named=True)


def hit(ts: datetime, ip: str | None, method: str, path: str, query: str | None, status: int | None,
        size: int | None, referrer: str | None, agent: str | None, host: str | None = None,
        forwarded_for: str | None = None) -> dict[str, Any]:  # fmt: skip
    return dict(zip(FIELDS, (ts, ip, method, path, query, status, size, referrer, agent, host,
                             forwarded_for), strict=True))  # fmt: skip


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
        hit(at(3), "203.0.113.7", "GET", "/products/tent", "ref=nl", 200, 5123, None, FIREFOX),
    ]  # fmt: skip


def test_filebeat_nginx_module_events() -> None:
    """ECS nested: ``source.ip``, ``url.original`` (path?query), ``http.request.method``, the
    status and body bytes, ``http.request.referrer``, ``user_agent.original``; the Beat's
    ``host``, ``agent`` and the parsed ``user_agent`` are objects, no values."""
    lines = (FIXTURES / "json_ecs_filebeat.log").read_text(encoding="utf-8").splitlines()
    assert fields_of(lines[:2]) == [
        hit(at(3), "203.0.113.7", "GET", "/products/tent", "ref=nl", 200, 5123, GOOGLE, FIREFOX),
        hit(at(3) + timedelta(seconds=57), "203.0.113.7", "POST", "/cart/add", None, 302, 0,
            "https://shop.example.com/products/tent", FIREFOX),
    ]  # fmt: skip


# ECS as a flattening exporter writes it; OpenTelemetry's HTTP server attributes (headers as
# lists of values, the host as server.address), with a path and query apart or a full URL.
ECS_FLAT = (
    '{"@timestamp":"2026-11-02T08:15:03.500Z","source.ip":"198.51.100.20",'
    '"http.request.method":"GET","url.original":"/search?q=tent","url.domain":"www.example.com",'
    '"http.response.status_code":404,"http.response.body.bytes":0,'
    '"http.request.referrer":"-","user_agent.original":"curl/8.5.0","host.name":"web-1",'
    '"agent.type":"filebeat"}'
)
OTEL_PARTS = (
    '{"timestamp":"2026-11-02T08:15:04.123456Z","client.address":"203.0.113.7",'
    '"client.port":51234,"http.request.method":"GET","url.scheme":"https",'
    '"url.path":"/products/tent","url.query":"ref=nl","server.address":"shop.example.com",'
    '"server.port":443,"http.response.status_code":200,"http.response.body.size":5123,'
    '"user_agent.original":"' + FIREFOX + '","http.request.header.referer":["' + GOOGLE + '"],'
    '"http.request.header.x-forwarded-for":["203.0.113.7, 10.0.0.2"]}'
)
OTEL_FULL_URL = (
    '{"timestamp":"2026-11-02T08:15:05Z","client.address":"2001:db8::7",'
    '"http.request.method":"POST","url.full":"https://shop.example.com/contact",'
    '"http.response.status_code":302,"user_agent.original":"' + FIREFOX + '"}'
)


def test_flat_dotted_keys() -> None:
    """A dotted key read whole (``{"http.request.method":"GET"}``), as no nested object; a
    header list's first value; a full URL's host where none is logged."""
    assert fields_of([ECS_FLAT, OTEL_PARTS, OTEL_FULL_URL]) == [
        hit(at(3, 500000), "198.51.100.20", "GET", "/search", "q=tent", 404, 0, None,
            "curl/8.5.0", "www.example.com"),
        hit(at(4, 123456), "203.0.113.7", "GET", "/products/tent", "ref=nl", 200, 5123, GOOGLE,
            FIREFOX, "shop.example.com", "203.0.113.7, 10.0.0.2"),
        hit(at(5), "2001:db8::7", "POST", "/contact", None, 302, None, None, FIREFOX,
            "shop.example.com"),
    ]  # fmt: skip


# Fluentd's nginx parser (its time kept, in CLF), Fluent Bit's (the output's date as an epoch);
# its host is the ident: "-".
FLUENTD_NGINX = (
    '{"remote":"203.0.113.7","host":"-","user":"-","method":"GET",'
    '"path":"/products/tent?ref=nl","code":"200","size":"5123","referer":"' + GOOGLE + '",'
    '"agent":"' + FIREFOX + '","http_x_forwarded_for":"-","time":"02/Nov/2026:09:15:03 +0100"}'
)
FLUENT_BIT_NGINX = (
    '{"date":1793607304.25,"remote":"198.51.100.20","host":"-","user":"-","method":"POST",'
    '"path":"/contact","code":"302","size":"0","referer":"-","agent":"curl/8.5.0"}'
)
# Vector's parse_nginx_log (combined), as its documentation's example gives it.
VECTOR_NGINX = (
    '{"agent":"curl/7.75.0","client":"172.17.0.1","method":"GET","path":"/","protocol":"HTTP/1.1",'
    '"request":"GET / HTTP/1.1","size":612,"status":200,"timestamp":"2026-11-02T08:15:05Z"}'
)


def test_fluentd_fluent_bit_and_vector_records() -> None:
    assert fields_of([FLUENTD_NGINX, FLUENT_BIT_NGINX, VECTOR_NGINX]) == [
        hit(at(3), "203.0.113.7", "GET", "/products/tent", "ref=nl", 200, 5123, GOOGLE, FIREFOX),
        hit(at(4, 250000), "198.51.100.20", "POST", "/contact", None, 302, 0, None,
            "curl/8.5.0"),
        hit(at(5), "172.17.0.1", "GET", "/", None, 200, 612, None, "curl/7.75.0"),
    ]  # fmt: skip


# An application's own request log, whose generic words are no pipeline's fields: an error
# code of 0, the client app's name, the worker that served the request.
APP_CODE = (
    '{"time":"2025-10-10T11:55:37Z","remote_addr":"203.0.113.6","method":"GET","uri":"/x",'
    '"code":0,"http_user_agent":"Mozilla/5.0"}'
)
APP_CLIENT = (
    '{"time":"2025-10-10T11:55:37Z","client":"ios-app","method":"GET","path":"/index.html",'
    '"status":200,"user_agent":"Mozilla/5.0 (iPhone)"}'
)
APP_AGENT = (
    '{"time":"2025-10-10T11:55:37Z","remote_addr":"203.0.113.6","method":"GET","path":"/a",'
    '"status":200,"agent":"worker-3"}'
)
APP_TIME = datetime(2025, 10, 10, 11, 55, 37, tzinfo=UTC)


def test_a_weak_spelling_holds_no_value_of_another_shape() -> None:
    """``code``, ``client`` and ``agent`` are read only where they hold a status, an address
    and a user agent: an app's own words in them leave the field empty, as before they were
    spellings (the code of 0 had made the line an error; the app's name, a client)."""
    assert fields_of([APP_CODE, APP_CLIENT, APP_AGENT]) == [
        hit(APP_TIME, "203.0.113.6", "GET", "/x", None, None, None, None, "Mozilla/5.0"),
        hit(APP_TIME, None, "GET", "/index.html", None, 200, None, None, "Mozilla/5.0 (iPhone)"),
        hit(APP_TIME, "203.0.113.6", "GET", "/a", None, 200, None, None, None),
    ]  # fmt: skip
    classified = canonical_hits(classify_lines(parse([APP_CODE, APP_CLIENT]), HitFilter()))
    assert classified.sort("line_no")["bucket"].cast(str).to_list() == ["page", "page"]
    assert client_address_warning(JSON_LINES, parse([APP_CLIENT])) == (
        "1 of the first 1 requests name no client address: their visitors are told apart by "
        "their user agent alone"
    )


def test_a_weak_spelling_of_its_fields_shape_is_read() -> None:
    """An address with a port or in brackets, a status as a JSON number (``2e2`` too), any user
    agent with a product/version; a shape missed gives way to the next spelling."""
    lines = [
        FLUENTD_NGINX.replace('"203.0.113.7"', '"203.0.113.7:51234"').replace('"200"', "2e2"),
        FLUENT_BIT_NGINX.replace('"198.51.100.20"', '"[2001:db8::7]:443"').replace(
            '"curl/8.5.0"', '"Googlebot/2.1"'
        ),
        VECTOR_NGINX.replace('"172.17.0.1"', '"2001:db8::9"'),
        APP_CODE.replace('"code":0', '"status":"-","code":"H12"'),
    ]
    assert fields_of(lines) == [
        hit(at(3), "203.0.113.7", "GET", "/products/tent", "ref=nl", 200, 5123, GOOGLE, FIREFOX),
        hit(at(4, 250000), "2001:db8::7", "POST", "/contact", None, 302, 0, None,
            "Googlebot/2.1"),
        hit(at(5), "2001:db8::9", "GET", "/", None, 200, 612, None, "curl/7.75.0"),
        hit(APP_TIME, "203.0.113.6", "GET", "/x", None, None, None, None, "Mozilla/5.0"),
    ]  # fmt: skip


def test_a_pipelines_record_reads_any_user_agent() -> None:
    """In a record whose client is a pipeline's (``remote``, ``client``), ``agent`` is read
    whatever it holds: some crawlers' user agents have no ``/``, and stay bots."""
    crawlers = ["Mediapartners-Google", "Amazon CloudFront", "Zabbix"]
    lines = [FLUENTD_NGINX.replace(f'"{FIREFOX}"', f'"{agent}"') for agent in crawlers]
    lines.append(VECTOR_NGINX.replace('"curl/7.75.0"', '"Wget"'))
    assert [row["user_agent"] for row in fields_of(lines)] == [*crawlers, "Wget"]
    assert set(canonical_hits(classify_lines(parse(lines), HitFilter()))["bucket"]) == {"bot"}


def test_detection_picks_json_for_each_pipeline() -> None:
    ecs = (FIXTURES / "json_ecs_filebeat.log").read_text(encoding="utf-8").splitlines()
    for sample in (ecs, [ECS_FLAT, OTEL_PARTS, OTEL_FULL_URL],
                   [FLUENTD_NGINX, FLUENT_BIT_NGINX, VECTOR_NGINX]):  # fmt: skip
        detection = detect_format(sample)
        assert (detection.format.family, detection.format.name) == (JSON_FAMILY, "json")
        assert detection.parsed == len(sample)


def test_report_of_a_filebeat_nginx_log() -> None:
    """Visitor 203.0.113.7 lands on the tent from Google, adds it to the cart, checks out and
    buys (08:15:03 to 08:18:00); 198.51.100.20 posts the contact form (08:20 to 08:21); curl
    fetches robots.txt (a bot). Four page views (the GETs answered 200 by people), two posts."""
    log = FIXTURES / "json_ecs_filebeat.log"
    result = CliRunner().invoke(
        cli, ["report", str(log), "--goals", str(GOALS), "--no-cache", "--format", "json"]
    )
    assert result.exit_code == 0, result.stderr
    assert "log format: json (detected: 7 of 7 sample lines parsed)" in result.stderr
    report = json.loads(result.stdout)
    got = report["input"]
    assert {key: got[key] for key in ("lines", "malformed", "bot", "page", "request")} == {
        "lines": 7, "malformed": 0, "bot": 1, "page": 4, "request": 2
    }  # fmt: skip
    summary = report["summary"]
    assert (summary["visitors"], summary["sessions"], summary["pageviews"]) == (2, 2, 4)
    assert (summary["avg_session_duration_s"], summary["macro_revenue"]) == (118.5, 85.0)
    conversions = {goal["name"]: goal["conversions"] for goal in report["goals"]}
    assert {name: conversions[name] for name in
            ("purchase", "contact_lead", "add_to_cart", "checkout_started")} == {
        "purchase": 1, "contact_lead": 1, "add_to_cart": 1, "checkout_started": 1
    }  # fmt: skip


def test_a_beats_agent_is_no_user_agent() -> None:
    """``agent`` is Fluentd's and Vector's user agent only where it is text: without a logged
    user agent, the Beat's ``agent`` object and the parsed ``user_agent`` give none."""
    line = BEATS_OBJECTS.replace('"http_user_agent":"' + FIREFOX + '",', "")
    assert fields_of([line])[0]["user_agent"] is None


def test_keys_first_written_after_the_first_lines_are_read() -> None:
    """The key search looks at a chunk's first 100 lines key by key and at the rest at once:
    a nested key (inside ``request``, which the first lines hold as a request line) and a key
    of a new shape (ECS's ``source.ip`` inside ``source``, which no first line holds) written
    only after them are read."""
    nginx = {"time_iso8601": "2026-11-02T08:15:00Z", "remote_addr": "203.0.113.1", "status": 200}
    first = [json.dumps({**nginx, "request": f"GET /n{n} HTTP/1.1"}) for n in range(120)]
    request = {"client_ip": "198.51.100.9", "method": "POST", "uri": "/caddy",
               "headers": {"User-Agent": ["ua"]}}  # fmt: skip
    caddy = json.dumps({"ts": "2026-11-02T08:15:01Z", "status": 201, "request": request})
    response = {"response": {"status_code": 404}}
    ecs = json.dumps({"@timestamp": "2026-11-02T08:15:02Z", "source": {"ip": "192.0.2.5"},
                      "url": {"original": "/ecs"}, "http": response})  # fmt: skip
    read = parse([*first, caddy, ecs]).tail(2)
    assert read.select("ip", "method", "path", "status", "user_agent").rows() == [
        ("198.51.100.9", "POST", "/caddy", 201, "ua"),
        ("192.0.2.5", "GET", "/ecs", 404, None),
    ]
