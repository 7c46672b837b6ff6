"""HAProxy's own records between its request lines: a server going down or up, a proxy
started or stopped, an SSL handshake that failed. They are ``not_http``, with each syslog
prefix the family reads, and a client's record cut short stays malformed.

The messages are those HAProxy writes (``Server %s/%s is DOWN, reason: …``, ``Proxy %s
started.``) and the configuration manual's "error log format" example.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from micromacro.cli import cli
from micromacro.logformats import FORMATS, detect_format, parse_access_lines
from tests.helpers import kind, lines_frame

# Each syslog prefix the family reads, as HAProxy writes it before a record.
PREFIXES = {
    "bsd": "May 10 08:01:05 lb1 haproxy[812]: ",
    "iso8601": "2023-05-10T08:01:05+00:00 lb1 haproxy[812]: ",
    "local": "<134>May 10 08:01:05 haproxy[812]: ",  # log format "local": no host
    "rfc5424": "<134>1 2023-05-10T08:01:05.100000+00:00 lb1 haproxy 812 - - ",
    "none": "",
}
HTTP = (
    "198.51.100.24:51236 [10/May/2023:08:01:04.100] fe_https~ be_app/app1 0/0/1/2/3 200 1024 "
    '- - ---- 1/1/0/0/0 0/0 "GET /p/1 HTTP/1.1"'
)
DOWN = (
    "Server be_app/app2 is DOWN, reason: Layer4 connection problem, info: "
    '"Connection refused", check duration: 0ms. 1 active and 0 backup servers left. '
    "0 sessions active, 0 requeued, 0 remaining in queue."
)
OWN_MESSAGES = [
    DOWN,
    "Server be_app/app2 is UP, reason: Layer4 check passed, check duration: 0ms. "
    "2 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.",
    "Proxy www started.",
    "Stopping proxy www in 0 ms.",
    "backend be_app has no server available!",
    "Health check for server be/s1 failed, reason: Layer7 wrong status, code: 500",
]
# The error log format: the manual's example, one with a numbered bind, one whose bind is
# named by its address (HAProxy's default name).
ERRORS = [
    "127.0.0.1:56059 [03/Dec/2012:17:35:10.380] frt/f1: Connection error during SSL handshake",
    "198.51.100.25:51237 [10/May/2023:08:01:06.100] fe_https/1: SSL handshake failure",
    "192.168.1.1:33283 [28/Feb/2025:02:07:51.623] 1_HTTPS_frontend/192.168.5.100:443: "
    "SSL handshake failure (error:0A0000C1:SSL routines::no shared cipher)",
]


def read(lines: list[str]) -> list[tuple[str, object]]:
    """Each line read with the ``haproxy`` preset: what it was read as, and its variant."""
    frame = parse_access_lines(lines_frame(lines).lazy(), FORMATS["haproxy"]).collect()
    return [(kind(row), row["variant"]) for row in frame.iter_rows(named=True)]


@pytest.mark.parametrize("prefix", PREFIXES.values(), ids=PREFIXES.keys())
def test_haproxy_own_messages_are_not_http(prefix: str) -> None:
    lines = [prefix + message for message in OWN_MESSAGES]
    assert read(lines) == [("not_http", "haproxy_message")] * 6


@pytest.mark.parametrize("prefix", PREFIXES.values(), ids=PREFIXES.keys())
def test_haproxy_error_log_records_are_not_http(prefix: str) -> None:
    assert read([prefix + line for line in ERRORS]) == [("not_http", "haproxy_error")] * 3


@pytest.mark.parametrize("prefix", PREFIXES.values(), ids=PREFIXES.keys())
@pytest.mark.parametrize(
    "damaged",
    [
        HTTP.replace(' "GET /p/1 HTTP/1.1"', ""),  # cut before the request
        HTTP.replace("1/1/0/0/0 0/0 ", ""),  # no connection counts or queues
        HTTP.split(" be_app/", 1)[0],  # cut after the frontend
    ],
    ids=["no-request", "no-counts", "frontend-only"],
)
def test_a_damaged_client_record_stays_malformed(prefix: str, damaged: str) -> None:
    assert read([prefix + HTTP, prefix + damaged]) == [
        ("record", "haproxy"), ("malformed", None),
    ]  # fmt: skip


def test_a_line_of_another_program_is_no_haproxy_message() -> None:
    lines = [
        "May 10 08:01:05 lb1 keepalived[77]: VRRP_Instance(VI_1) Entering MASTER STATE",
        "Server be_app/app2 went away",  # no message HAProxy writes
    ]
    assert read(lines) == [("malformed", None)] * 2


@pytest.mark.parametrize("prefix", PREFIXES.values(), ids=PREFIXES.keys())
def test_a_request_of_a_custom_log_format_is_malformed_not_a_message(prefix: str) -> None:
    """``option httplog clf`` and JSON log-formats write requests after the same syslog header:
    the reader cannot read them, so they are malformed (named, and --strict fails), never
    HAProxy's own messages counted as not_http."""
    clf = (
        '10.0.1.9 - - [06/Feb/2009:12:14:18 +0000] "GET /clf HTTP/1.1" 200 2750 "" "" 33317 655 '
        '"http-in" "static" "srv1" 10 0 30 69 109 ---- 1 1 1 1 0 0 0 "" ""'
    )
    json_line = '{"client":"10.0.1.7","req":"GET /json HTTP/1.1","status":200}'
    assert read([prefix + clf, prefix + json_line]) == [("malformed", None)] * 2


@pytest.mark.parametrize("prefix", PREFIXES.values(), ids=PREFIXES.keys())
def test_a_backend_going_down_is_no_strict_failure(prefix: str, tmp_path: Path) -> None:
    # One request, a server down, a failed handshake, a proxy started: 1 page, 3 not_http.
    log = tmp_path / "haproxy.log"
    lines = [HTTP, DOWN, ERRORS[1], "Proxy www started."]
    log.write_text("".join(f"{prefix}{line}\n" for line in lines))
    result = CliRunner().invoke(cli, ["report", str(log), "--strict", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    counts = json.loads(result.stdout)["input"]
    assert (counts["lines"], counts["page"], counts["not_http"], counts["malformed"]) == (
        4, 1, 3, 0,
    )  # fmt: skip


def test_a_damaged_request_line_among_them_still_fails_strict(tmp_path: Path) -> None:
    log = tmp_path / "haproxy.log"
    prefix = PREFIXES["bsd"]
    lines = [HTTP, DOWN, HTTP.replace(' "GET /p/1 HTTP/1.1"', "")]
    log.write_text("".join(f"{prefix}{line}\n" for line in lines))
    result = CliRunner().invoke(cli, ["report", str(log), "--strict", "--format", "json"])
    assert result.exit_code == 1
    assert result.stderr.endswith(
        f"micromacro: error: {log}:3: malformed line (1 in all; --strict allows none)\n"
    )


def test_haproxy_messages_do_not_recognise_the_format() -> None:
    # One request among three messages: detection counts the request only, so HAProxy's
    # messages in another program's log never make HAProxy the format.
    prefix = PREFIXES["bsd"]
    sample = [prefix + HTTP, *(prefix + message for message in OWN_MESSAGES[:3])]
    detected = detect_format(sample)
    assert (detected.format.family.name, detected.parsed) == ("haproxy", 1)
