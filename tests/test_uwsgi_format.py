"""uWSGI's default request log (``uwsgi``): what a Django or Flask application behind nginx
writes when its uWSGI configuration names no ``--logformat``.

Each line is the documented line with one thing changed (as uWSGI's ``uwsgi_logit_simple``
writes it under an option), and the expected fields are written by hand from that line.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from micromacro.cli import cli
from micromacro.logformats import FORMATS, detect_format, has_forwarded_for, parse_access_lines
from tests.helpers import fields, kind, lines_frame

FIXTURES = Path(__file__).parent / "fixtures" / "formats"
FIELDS = ("ts", "ip", "method", "path", "query", "status", "bytes", "referrer", "user_agent")

LINE = (
    "[pid: 1234|app: 0|req: 1/1] 203.0.113.7 () {34 vars in 512 bytes} "
    "[Mon Nov  2 09:15:03 2026] GET /products/tent?ref=nl => generated 5123 bytes in 2 msecs "
    "(HTTP/1.1 200) 2 headers in 79 bytes (1 switches on core 0)"
)


def rows(lines: list[str]) -> list[dict[str, object]]:
    frame = parse_access_lines(lines_frame(lines).lazy(), FORMATS["uwsgi"]).collect()
    return list(frame.iter_rows(named=True))


def one(line: str) -> dict[str, object]:
    return rows([line])[0]


def test_documented_line() -> None:
    # ctime's time has no zone: read as UTC. No referrer, no user agent, no host.
    assert fields(one(LINE), *FIELDS, "host", "forwarded_for", "variant") == (
        datetime(2026, 11, 2, 9, 15, 3, tzinfo=UTC), "203.0.113.7", "GET", "/products/tent",
        "ref=nl", 200, 5123, None, None, None, None, "uwsgi",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # HTTP/1.0 and HTTP/2 requests, an error status.
        ("(HTTP/1.1 200)", "(HTTP/1.0 404)", ("203.0.113.7", "/products/tent", 404, None)),
        ("(HTTP/1.1 200)", "(HTTP/2.0 200)", ("203.0.113.7", "/products/tent", 200, None)),
        # --log-micros.
        ("2 msecs", "2315 micros", ("203.0.113.7", "/products/tent", 200, None)),
        # A file sent by sendfile, by no application (app -1, req -1/N).
        (
            "app: 0|req: 1/1] 203.0.113.7 () {34 vars in 512 bytes} [Mon Nov  2 09:15:03 2026] "
            "GET /products/tent?ref=nl => generated 5123 bytes in 2 msecs (",
            "app: -1|req: -1/1] 203.0.113.7 () {34 vars in 512 bytes} [Mon Nov  2 09:15:03 2026] "
            "GET /static/app.css => generated 5123 bytes in 0 msecs via sendfile() (",
            ("203.0.113.7", "/static/app.css", 200, None),
        ),
        # A remote user; an empty address (a UNIX socket without REMOTE_ADDR).
        ("203.0.113.7 ()", "203.0.113.7 (alice)", ("203.0.113.7", "/products/tent", 200, None)),
        ("203.0.113.7 ()", " ()", (None, "/products/tent", 200, None)),
        # --vhost: the Host header first, its port dropped.
        (
            "[pid:",
            "shop.example.com:8080 [pid:",
            ("203.0.113.7", "/products/tent", 200, "shop.example.com"),
        ),
        # --memory-report.
        (
            "[pid:",
            "{address space usage: 94208000 bytes/89MB} {rss usage: 21504000 bytes/20MB} [pid:",
            ("203.0.113.7", "/products/tent", 200, None),
        ),
        # Releases before 1.9: async switches, or none.
        (
            "(1 switches on core 0)",
            "(1 async switches on async core 0)",
            ("203.0.113.7", "/products/tent", 200, None),
        ),
        (" (1 switches on core 0)", "", ("203.0.113.7", "/products/tent", 200, None)),
        # An IPv6 client.
        ("203.0.113.7 ()", "2001:db8::7 ()", ("2001:db8::7", "/products/tent", 200, None)),
    ],
)
def test_options_and_releases(old: str, new: str, expected: tuple[object, ...]) -> None:
    row = one(LINE.replace(old, new, 1))
    assert (row["variant"], *fields(row, "ip", "path", "status", "host")) == ("uwsgi", *expected)


def test_a_day_of_two_digits() -> None:
    row = one(LINE.replace("Mon Nov  2", "Thu Nov 12"))
    assert row["ts"] == datetime(2026, 11, 12, 9, 15, 3, tzinfo=UTC)


@pytest.mark.parametrize(
    ("logged", "ip"),
    [
        # --log-x-forwarded-for: the header as received is the client field.
        ("203.0.113.9, 10.0.0.1", "203.0.113.9"),
        ("10.0.0.3, 198.51.100.2", "198.51.100.2"),
        ("unknown, 10.0.0.3", "10.0.0.3"),
    ],
)
def test_a_forwarded_list_is_x_forwarded_for(logged: str, ip: str) -> None:
    row = one(LINE.replace("203.0.113.7 ()", f"{logged} ()"))
    assert fields(row, "variant", "ip", "forwarded_for") == ("uwsgi", ip, logged)


def test_x_forwarded_for_only_where_the_address_is_a_list() -> None:
    listed = LINE.replace("203.0.113.7 ()", "203.0.113.9, 10.0.0.1 ()")
    assert not has_forwarded_for(FORMATS["uwsgi"], [LINE])
    assert has_forwarded_for(FORMATS["uwsgi"], [LINE, listed])


@pytest.mark.parametrize(
    "line",
    [
        # A request too large to log: no method, no URI.
        LINE.replace("GET /products/tent?ref=nl", "- -").replace("HTTP/1.1 200", "- 413"),
        LINE.removesuffix(" 2 headers in 79 bytes (1 switches on core 0)"),
        LINE.replace("[Mon Nov  2 09:15:03 2026]", "[Tue Nov  2 09:15:03 2026]"),
    ],
    ids=["too_large", "cut_short", "wrong_weekday"],
)
def test_lines_without_a_request_or_time_are_malformed(line: str) -> None:
    assert kind(one(line)) == "malformed"


def test_detection() -> None:
    lines = (FIXTURES / "uwsgi_docs.log").read_text().splitlines()
    detected = detect_format(lines)
    assert (detected.format.family.name, detected.format.name, detected.parsed) == (
        "uwsgi", "uwsgi", 6,
    )  # fmt: skip


def test_a_first_report_reads_the_log() -> None:
    # By hand: lines 1, 3, 4 and 6 are pages, 2 a static file, 5 a 404, 7 a request too large
    # to log (malformed). Two visitors (no user agent: the address alone); 203.0.113.7 has a
    # session of two pages (09:15:03 to 09:16:10, 67 s) and, 73 minutes later, one of one page;
    # 198.51.100.4 one of one page: 3 sessions, 2 bounces, (67 + 0 + 0) / 3 s on average.
    result = CliRunner().invoke(
        cli, ["report", str(FIXTURES / "uwsgi_docs.log"), "--format", "json"]
    )
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    counts = ("lines", "format", "malformed", "static", "error", "page")
    assert {name: report["input"][name] for name in counts} == {
        "lines": 7, "format": "uwsgi", "malformed": 1, "static": 1, "error": 1, "page": 4,
    }  # fmt: skip
    summary = report["summary"]
    assert (summary["visitors"], summary["sessions"], summary["pageviews"]) == (2, 3, 4)
    assert summary["bounce_rate"] == pytest.approx(2 / 3)
    assert summary["avg_session_duration_s"] == pytest.approx(67 / 3)
    assert "log format: uwsgi (detected: 6 of 7 sample lines parsed)" in result.stderr


@pytest.mark.parametrize(
    "line",
    [
        "*** Starting uWSGI 2.0.23 (64bit) on [Mon Nov  2 09:15:00 2026] ***",
        "compiled with version: 12.2.0 on 01 November 2026 10:00:00",
        "os: Linux-6.1.0-26-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.112-1 (2024-09-30)",
        "detected binary path: /usr/local/bin/uwsgi",
        "uwsgi socket 0 bound to UNIX address /run/uwsgi/app.sock fd 3",
        "*** WARNING: you are running uWSGI as root !!! (use the --uid flag) *** ",
        "WSGI app 0 (mountpoint='') ready in 1 seconds on interpreter 0x7f3a2c0b1e30 pid: 1 "
        "(default app)",
        "spawned uWSGI worker 1 (and the only) (pid: 7, cores: 1)",
        "spawned uWSGI http 1 (pid: 8)",
        "*** HARAKIRI ON WORKER 1 (pid: 7, try: 1) ***",
        "DAMN ! worker 1 (pid: 7) died, killed by signal 9 :( trying respawn ...",
        "SIGINT/SIGQUIT received...killing workers...",
        "...brutally killing workers...",
        "announcing my loyalty to the Emperor...",
        "unable to load configuration from /etc/uwsgi/app.ini",
        # uwsgi_log_verbose: ctime and " - " first.
        "Mon Nov  2 09:16:31 2026 - uwsgi_response_writev_headers_and_body_do(): Broken pipe "
        "[core/writer.c line 306] during GET /cart (198.51.100.4)",
    ],
)
def test_uwsgis_own_messages_are_not_http(line: str) -> None:
    assert (kind(row := one(line)), row["variant"]) == ("not_http", "uwsgi_message")


@pytest.mark.parametrize(
    "line",
    [
        # The application's output: Django's log lines, a traceback.
        "Not Found: /nope",
        "Traceback (most recent call last):",
        '  File "/app/shop/views.py", line 12, in checkout',
        # A message with more after its end, and a request after a --log-date time.
        "goodbye to uWSGI. See you soon",
        f"Mon Nov  2 09:15:03 2026 - {LINE}",
    ],
)
def test_other_lines_stay_malformed(line: str) -> None:
    assert kind(one(line)) == "malformed"


MESSAGES_LOG = FIXTURES / "uwsgi_messages.log"


def test_a_log_starting_with_the_banner_is_detected(tmp_path: Path) -> None:
    # The banner's 27 lines, then three requests: read as uwsgi, every line accounted for.
    lines = MESSAGES_LOG.read_text().splitlines()[:30]
    detected = detect_format(lines)
    assert (detected.format.family.name, detected.parsed, detected.sampled) == ("uwsgi", 3, 30)
    log = tmp_path / "uwsgi.log"
    log.write_text("\n".join(lines) + "\n")
    result = CliRunner().invoke(cli, ["report", str(log), "--format", "json", "--strict"])
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)["input"]
    assert (summary["not_http"], summary["malformed"]) == (27, 0)


def test_a_report_counts_uwsgis_messages_apart() -> None:
    # By hand: 27 banner lines, a harakiri and a respawn, five shutdown lines: 34 not_http.
    # Five requests: /products/tent and /cart pages, /static/app.css static, /nope (404) and
    # /checkout (500) errors. Django's "Not Found: /nope", its "Internal Server Error:
    # /checkout" and the traceback's four lines are the application's: 6 malformed.
    result = CliRunner().invoke(cli, ["report", str(MESSAGES_LOG), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)["input"]
    counts = ("lines", "format", "not_http", "malformed", "static", "error", "page")
    assert {name: summary[name] for name in counts} == {
        "lines": 45, "format": "uwsgi", "not_http": 34, "malformed": 6, "static": 1,
        "error": 2, "page": 2,
    }  # fmt: skip
    assert summary["variants"]["uwsgi_message"] == 34
    assert "log format: uwsgi (detected: 5 of 45 sample lines parsed)" in result.stderr
