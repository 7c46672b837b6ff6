"""Detection that never drops data silently: trailing fields no format reads are named (with a
format string that reads them), X-Forwarded-For is found where it looks like one,
``--client-ip first-forwarded`` needs a log that has it, and ``--strict`` refuses unread fields.

``tests/fixtures/nginx_xff_fields.log`` is an nginx log behind a proxy (10.0.0.1) whose
``log_format`` adds ``"$http_x_forwarded_for" rt=$request_time host=$host`` after combined.
Its ten pageviews, by hand (sessions end after 30 minutes without a hit):

====  =====  =====================  ==============  ======================
line  time   X-Forwarded-For        user agent      client (first public)
====  =====  =====================  ==============  ======================
1     09:00  203.0.113.10           Firefox         A
2     09:02  198.51.100.20          Firefox         B
3     09:05  203.0.113.10           Firefox         A
4     09:10  203.0.113.10           Firefox         A
5     09:20  192.0.2.30, 10.0.0.7   iPhone          C
6     09:21  192.0.2.30, 10.0.0.7   iPhone          C
7     09:30  - (direct 203.0.113.99) Firefox        D
8     09:39  10.0.0.5 (private)     Firefox         the proxy, 10.0.0.1
9     09:50  198.51.100.20          Firefox         B
10    10:30  - (direct 203.0.113.99) Firefox        D
====  =====  =====================  ==============  ======================

By the connecting address (``--client-ip remote``) there are three visitors: the proxy with
Firefox (lines 1-4, 8, 9: no gap of 30 minutes, one session), the proxy with the iPhone (one
session) and D (09:30 and 10:30: two sessions): 3 visitors, 4 sessions. By the first public
forwarded address: A (1 session), B (09:02 and 09:50: 2), C (1), D (2) and the proxy itself for
line 8 (1): 5 visitors, 7 sessions.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from micromacro.cli import cli
from micromacro.logformats import Family, RegexFormat, detect_format

ROOT = Path(__file__).resolve().parents[1]
LOG = str(ROOT / "tests" / "fixtures" / "nginx_xff_fields.log")
FORMATS = ROOT / "tests" / "fixtures" / "formats"
SUGGESTED = (
    '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
    '"$http_referer" "$http_user_agent" "$http_x_forwarded_for" rt=$request_time host=$host'
)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def visitors_and_sessions(*options: str) -> tuple[int, int]:
    code, out, err = run("report", LOG, "--format", "json", *options)
    assert code == 0, err
    summary = json.loads(out)["summary"]
    return summary["visitors"], summary["sessions"]


def test_the_issues_log_is_read_whole_with_its_forwarded_addresses() -> None:
    assert visitors_and_sessions() == (3, 4)
    assert visitors_and_sessions("--client-ip", "first-forwarded") == (5, 7)
    # The format string the warning offers reads the same, and every field.
    assert visitors_and_sessions("--log-format", SUGGESTED) == (3, 4)
    assert visitors_and_sessions("--log-format", SUGGESTED, "--client-ip", "first-forwarded") == (
        5,
        7,
    )


def test_unread_trailing_fields_are_named_with_the_format_string_that_reads_them() -> None:
    code, _, err = run("report", LOG, "--format", "json")
    assert code == 0
    assert "micromacro: variants read: combined+xff+fields 10\n" in err
    assert (
        "micromacro: warning: 10 lines end with fields left unread (combined+xff+fields), first "
        f'{LOG}:1: …8.0) Gecko/20100101 Firefox/128.0" "203.0.113.10" rt=0.012 '
        "host=shop.example.com; to read them, name the format: --log-format "
        f"'{SUGGESTED}'\n"
    ) in err
    # Named, the format reads the host too, and nothing is left.
    code, out, err = run("hits", LOG, "--format", "ndjson", "--log-format", SUGGESTED)
    assert code == 0
    assert "left unread" not in err
    assert {json.loads(row)["host"] for row in out.splitlines()} == {"shop.example.com"}


def test_the_offered_string_reads_an_upstream_list_after_a_retry(tmp_path: Path) -> None:
    """NGINX Amplify's keys for the upstream variables (``us=``, ``ua=``, ``urt=``) become those
    variables, whose lists (``502, 200`` after a retry) a later line may hold: the string the
    warning offers for the first line reads them all whole."""
    head = '10.0.0.1 - - [02/Nov/2026:09:15:0{} +0100] "GET / HTTP/1.1" 200 5 "-" "curl/8.5.0"'
    lines = [
        head.format(1) + " rt=0.012 ua=10.0.0.5:8080 us=200 urt=0.010",
        head.format(2) + " rt=0.030 ua=10.0.0.5:8080, 10.0.0.6:8080 us=502, 200 urt=0.010, 0.020",
    ]
    log = tmp_path / "access.log"
    log.write_text("\n".join(lines) + "\n")
    first = CliRunner().invoke(cli, ["hits", str(log), "--format", "csv"])
    offered = first.stderr.partition("name the format: --log-format '")[2].rpartition("'")[0]
    assert offered.endswith(
        " rt=$request_time ua=$upstream_addr us=$upstream_status urt=$upstream_response_time"
    )
    again = CliRunner().invoke(cli, ["hits", str(log), "--log-format", offered, "--strict"])
    assert again.exit_code == 0, again.stderr
    assert "unread" not in again.stderr


def test_with_compare_the_count_is_the_reported_periods() -> None:
    # 09:30 to 11:00: lines 7 to 10; the hour and a half before holds lines 1 to 6.
    period = ["--since", "2026-11-02T09:30", "--until", "2026-11-02T11:00", "--compare", "previous"]
    code, out, err = run("report", LOG, "--format", "json", *period)
    assert code == 0
    report = json.loads(out)
    assert report["input"]["variants"] == {"combined+xff+fields": 4}
    assert report["previous"]["input"]["variants"] == {"combined+xff+fields": 6}
    assert "warning: 4 lines end with fields left unread (combined+xff+fields)" in err


def test_strict_refuses_unread_fields() -> None:
    code, _, err = run("report", LOG, "--strict")
    assert code == 1
    assert err.endswith(
        f"micromacro: error: {LOG}:1: fields left unread at the end of the line (10 lines in "
        f"all; --strict allows none); to read them, name the format: --log-format '{SUGGESTED}'\n"
    )
    assert run("report", LOG, "--strict", "--log-format", SUGGESTED)[0] == 0


def test_a_line_without_a_format_string_for_it_still_says_its_fields_are_unread(
    tmp_path: Path,
) -> None:
    """An address list as the client: no format string is offered, but the fields are named."""
    log = tmp_path / "access.log"
    log.write_text(
        '203.0.113.7, 10.0.0.1 - - [02/Nov/2026:09:15:03 +0100] "GET / HTTP/1.1" 200 5 "-" '
        '"curl/8.5.0" 0.004\n'
    )
    code, _, err = run("report", str(log))
    assert code == 0
    assert (
        "1 line ends with fields left unread (combined+address_list+fields), first "
        f'{log}:1: …1 - - [02/Nov/2026:09:15:03 +0100] "GET / HTTP/1.1" 200 5 "-" "curl/8.5.0" '
        "0.004; name the format with --log-format (an nginx or Apache format string)\n"
    ) in err


# --- --client-ip first-forwarded needs an X-Forwarded-For field ----------------------------------


def test_first_forwarded_on_a_log_without_the_field_is_a_usage_error() -> None:
    code, out, err = run(
        "report", str(ROOT / "sample_logs" / "access.log"), "--client-ip", "first-forwarded"
    )
    assert (code, out) == (2, "")
    assert err == (
        "micromacro: error: --client-ip first-forwarded: the log has no X-Forwarded-For field "
        "(read as combined, in 50 sample lines); log it "
        "($http_x_forwarded_for, %{X-Forwarded-For}i) and name the format with --log-format, "
        "or leave --client-ip remote\n"
    )


def test_a_named_format_string_without_the_field_is_one_too(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.write_text(
        '203.0.113.7 - - [02/Nov/2026:09:15:03 +0100] "GET / HTTP/1.1" 200 5 "-" "curl/8.5.0" '
        "rt=0.004\n"
    )
    code, _, err = run(
        "hits",
        str(log),
        "--log-format",
        '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
        '"$http_referer" "$http_user_agent" rt=$request_time',
        "--client-ip",
        "first-forwarded",
    )
    assert code == 2
    assert "(read as nginx, in 1 sample line)" in err


@pytest.mark.parametrize(
    ("lines", "forwarded"),
    [
        # The field is there, empty on every line: the option is accepted (and changes nothing).
        (
            [
                '203.0.113.7 - - [02/Nov/2026:09:15:03 +0100] "GET / HTTP/1.1" 200 5 "-" '
                '"curl/8.5.0" "-"'
            ],
            True,
        ),
        # A W3C header naming the column.
        (
            [
                "#Fields: date time cs-method cs-uri-stem sc-status c-ip X-Forwarded-For",
                "2026-11-02 08:15:03 GET / 200 10.0.0.2 -",
            ],
            True,
        ),
        # A JSON key.
        (
            [
                '{"time_local":"02/Nov/2026:09:15:03 +0100","remote_addr":"10.0.0.2",'
                '"request":"GET / HTTP/1.1","status":200,"http_x_forwarded_for":"-"}'
            ],
            True,
        ),
        # A W3C header without it.
        (
            [
                "#Fields: date time cs-method cs-uri-stem sc-status c-ip",
                "2026-11-02 08:15:03 GET / 200 10.0.0.2",
            ],
            False,
        ),
    ],
)
def test_the_field_is_told_by_the_log_not_by_its_values(
    tmp_path: Path, lines: list[str], forwarded: bool
) -> None:
    log = tmp_path / "access.log"
    log.write_text("".join(line + "\n" for line in lines))
    code, _, err = run("report", str(log), "--client-ip", "first-forwarded", "-q")
    assert code == (0 if forwarded else 2), err


@pytest.mark.parametrize("name", ["alb_docs.log", "haproxy_docs.log", "s3_docs.log"])
def test_formats_that_never_log_the_field(name: str) -> None:
    code, _, err = run("report", str(FORMATS / name), "--client-ip", "first-forwarded")
    assert code == 2
    assert "the log has no X-Forwarded-For field" in err


# --- a --log-format string that does not match ---------------------------------------------------

COMBINED_LINE = (
    '203.0.113.7 - - [02/Nov/2026:09:15:03 +0100] "GET /cart HTTP/1.1" 200 512 "-" "curl/8.5.0"'
)


def test_lines_a_format_string_does_not_read_are_named_with_the_column(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.write_text(COMBINED_LINE + "\n" + COMBINED_LINE + " 0.004\n")
    # The string forgets "$remote_user": after "203.0.113.7 - " (14 characters) it wants "["
    # where the line has "- [".
    fmt = '$remote_addr - [$time_local] "$request" $status $body_bytes_sent'
    code, _, err = run("report", str(log), "--log-format", fmt, "--format", "json")
    assert code == 0
    assert (
        "micromacro: warning: 2 lines do not match the --log-format string and were read by "
        "the Common Log Format family instead (combined 1, combined+fields 1); first "
        f"{log}:1: the nginx format string stops matching at column 15, at '[', where the line "
        "has '- [02/Nov/2026:09:15:03 +0100]…'\n"
    ) in err
    log.write_text(COMBINED_LINE + "\n")
    _, _, err = run("report", str(log), "--log-format", fmt, "--format", "json")
    assert (
        "micromacro: warning: 1 line does not match the --log-format string and was read by "
        "the Common Log Format family instead (combined 1); first "
    ) in err


def test_a_format_string_ending_early_says_where_the_line_goes_on(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.write_text(COMBINED_LINE + "\n")
    fmt = '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent'
    code, _, err = run("report", str(log), "--log-format", fmt)
    assert code == 0
    # Column 74 is the space before the referrer: the string ends after the byte count, the
    # 73rd character (11 + 5 + 28 + 1 + 20 + 4 + 4).
    assert (
        f"{log}:1: the nginx format string ends at column 74, where the line goes on: "
        """' "-" "curl/8.5.0"'\n"""
    ) in err


def test_nothing_matching_a_format_string_names_the_first_line_field_and_column(
    tmp_path: Path,
) -> None:
    log = tmp_path / "app.log"
    log.write_text(
        '203.0.113.7|[02/Nov/2026:09:15:03 +0100]|"GET / HTTP/1.1"|200\n'
        '203.0.113.8|[02/Nov/2026:09:15:04 +0100]|"GET /a HTTP/1.1"|200\n'
    )
    # Apache's %h %t …, with spaces where the log has bars: %h takes all up to the first space,
    # "203.0.113.7|[02/Nov/2026:09:15:03" (33 characters), and %t then wants "[" at column 35.
    code, out, err = run("report", str(log), "--log-format", '%h %t "%r" %>s')
    assert (code, out) == (1, "")
    assert err == (
        "micromacro: error: no line parses as apache format (first: "
        f"{log}:1, the apache format string stops matching at column 35, at %t, where the line "
        """has '+0100]|"GET / HTTP/1.1"|200'); check --log-format against the log's lines\n"""
    )
    # Written with bars, it reads both lines.
    assert run("report", str(log), "--log-format", '%h|%t|"%r"|%>s')[0] == 0


# --- detection prefers the candidate that reads the whole line -----------------------------------


def test_of_two_families_reading_as_many_lines_the_one_reading_them_whole_wins() -> None:
    """Two made-up families read the same lines; one stops after the request and calls the
    rest unread fields, the other reads the status too. Listed first, the prefix reader would
    win a tie (or the two would be ambiguous, as they read the status differently)."""
    head = r'^(?P<ip>[^ ]+) \[(?P<time>[^\]]+)\] "(?P<request>[^"]*)"'
    prefix = Family("prefix", (RegexFormat("prefix+fields", head + r" .*$"),))
    whole = Family("whole", (RegexFormat("whole", head + r" (?P<status>\d{3})$"),))
    sample = ['203.0.113.7 [02/Nov/2026:09:15:03 +0100] "GET / HTTP/1.1" 200']
    detection = detect_format(sample, families=(prefix, whole))
    assert detection.format.name == "whole"
    assert [(c.family, c.read, c.unread_fields) for c in detection.candidates] == [
        ("prefix", 1, 1),
        ("whole", 1, 0),
    ]
