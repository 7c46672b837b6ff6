"""``micromacro hits``: every input line as a row of the canonical hit table, and
``micromacro formats --detect``: what auto-detection makes of a log.

The log below is worked out by hand:

    line 1  203.0.113.7 UA1  09:00:00 +0100  GET /a?x=1       page      session A
    line 2  (blank)                                            comment
    line 3  203.0.113.7 UA1  09:10:00        POST /cart 303   request   session A
    line 4  garbage                                            malformed
    line 5  198.51.100.2 UA2 09:05:00        GET /b.css        static
    line 6  198.51.100.2 UA2 09:06:00        GET /c            page      session B
    line 7  203.0.113.7 UA1  10:00:01        GET /d            page      session C (50 min later)
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner, Result

from micromacro.cli import cli

COLUMNS = (
    "file,line,bucket,variant,ip,ts,method,target,path,query,status,bytes,referrer,user_agent,"
    "host,visitor,session"
)
LINES = [
    '203.0.113.7 - - [02/Nov/2026:09:00:00 +0100] "GET /a?x=1 HTTP/1.1" 200 10 "-" "UA1"',
    "",
    '203.0.113.7 - - [02/Nov/2026:09:10:00 +0100] "POST /cart HTTP/1.1" 303 0 "-" "UA1"',
    "garbage",
    '198.51.100.2 - - [02/Nov/2026:09:05:00 +0100] "GET /b.css HTTP/1.1" 200 10 "-" "UA2"',
    '198.51.100.2 - - [02/Nov/2026:09:06:00 +0100] "GET /c HTTP/1.1" 200 10 "-" "UA2"',
    '203.0.113.7 - - [02/Nov/2026:10:00:01 +0100] "GET /d HTTP/1.1" 200 10 "-" "UA1"',
]
BUCKETS = ["page", "comment", "request", "malformed", "static", "page", "page"]


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "access.log"
    path.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    return path


def hits(*args: str) -> Result:
    return CliRunner().invoke(cli, ["hits", *args])


def ndjson(*args: str) -> list[dict[str, object]]:
    result = hits(*args, "--format", "ndjson")
    assert result.exit_code == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_one_row_per_line_with_its_bucket_and_fields(log: Path) -> None:
    rows = ndjson(str(log))
    assert [row["line"] for row in rows] == [1, 2, 3, 4, 5, 6, 7]
    assert [row["bucket"] for row in rows] == BUCKETS
    first = rows[0]
    assert first == {
        "file": str(log),
        "line": 1,
        "bucket": "page",
        "variant": "combined",
        "ip": "203.0.113.7",
        "ts": "2026-11-02T08:00:00Z",
        "method": "GET",
        "target": "/a?x=1",
        "path": "/a",
        "query": "x=1",
        "status": 200,
        "bytes": 10,
        "referrer": None,
        "user_agent": "UA1",
        "host": None,
        "visitor": "203.0.113.7 UA1",
        "session": first["session"],
    }
    assert (rows[2]["method"], rows[2]["target"], rows[2]["status"]) == ("POST", "/cart", 303)


def test_lines_that_are_no_request_keep_only_file_line_and_bucket(log: Path) -> None:
    for row in ndjson(str(log)):
        if row["bucket"] in ("comment", "malformed"):
            assert {k for k, v in row.items() if v is not None} == {"file", "line", "bucket"}


def test_sessions_are_those_the_report_counts(log: Path) -> None:
    sessions = [row["session"] for row in ndjson(str(log))]
    a, c, b = sessions[0], sessions[6], sessions[5]
    assert sessions == [a, None, a, None, None, b, c]
    assert len({a, b, c}) == 3  # UA1's hit at 10:00:01 is 50 minutes after 09:10:00
    assert sorted({a, b, c}) == [0, 1, 2]


def test_csv_has_the_documented_header_and_reads_back(log: Path) -> None:
    result = hits(str(log))
    assert result.exit_code == 0
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert ",".join(rows[0]) == COLUMNS
    assert [row[2] for row in rows[1:]] == BUCKETS
    assert rows[1][:8] == [str(log), "1", "page", "combined", "203.0.113.7",
                           "2026-11-02T08:00:00Z", "GET", "/a?x=1"]  # fmt: skip
    assert "input: 7 lines (comment 1, malformed 1" in result.stderr


def test_tsv_escapes_tabs_inside_values(tmp_path: Path) -> None:
    path = tmp_path / "tab.log"
    path.write_text(LINES[0].replace('"UA1"', '"U\tA"') + "\n", encoding="utf-8")
    result = hits(str(path), "--format", "tsv")
    header, row = result.stdout.splitlines()
    assert header == COLUMNS.replace(",", "\t")
    assert row.split("\t")[13] == "U\\tA"


def test_parquet_keeps_times_as_timestamps(log: Path, tmp_path: Path) -> None:
    out = tmp_path / "hits.parquet"
    assert hits(str(log), "--format", "parquet", "-o", str(out)).exit_code == 0
    frame = pl.read_parquet(out)
    assert frame.columns == COLUMNS.split(",")
    assert frame.schema["ts"] == pl.Datetime("us", "UTC")
    assert frame["ts"][0] == datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    assert frame["bucket"].to_list() == BUCKETS


def test_a_period_keeps_every_line_and_puts_the_rest_out_of_period(log: Path) -> None:
    rows = ndjson(str(log), "--since", "2026-11-02T09:05", "--until", "2026-11-02T10:00")
    buckets = [row["bucket"] for row in rows]
    # The comment (line 2) lies before the period's first line (3), so it is out of the
    # period too; the malformed line (4) lies between the period's lines 3 and 6.
    assert buckets == [
        "out_of_period", "out_of_period", "request", "malformed", "static", "page",
        "out_of_period",
    ]  # fmt: skip
    assert rows[0]["path"] == "/a"  # read, and outside the period


def test_dedupe_marks_the_later_copies(log: Path, tmp_path: Path) -> None:
    older = tmp_path / "access.log.1"
    older.write_text(LINES[0] + "\n", encoding="utf-8")  # the same first line, read first
    rows = ndjson(str(older), str(log), "--dedupe")
    assert [(Path(str(r["file"])).name, r["line"], r["bucket"]) for r in rows[:3]] == [
        ("access.log.1", 1, "page"),
        ("access.log", 1, "duplicate"),
        ("access.log", 2, "comment"),
    ]
    assert rows[1]["session"] is None


def test_client_ip_first_forwarded_picks_the_first_public_address(tmp_path: Path) -> None:
    path = tmp_path / "proxied.log"
    path.write_text(
        '"198.51.100.4, 10.0.0.2" 10.0.0.7 - - [02/Nov/2026:09:00:00 +0100] "GET / HTTP/1.1" 200 '
        '1 "-" "UA"\n',
        encoding="utf-8",
    )
    assert ndjson(str(path))[0]["ip"] == "10.0.0.7"
    assert ndjson(str(path), "--client-ip", "first-forwarded")[0]["ip"] == "198.51.100.4"


def test_nothing_readable_is_one_line_and_exit_1(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_text("hello\nworld\n", encoding="utf-8")
    result = hits(str(path))
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("micromacro: error: cannot recognise the log format")


# --- micromacro formats --detect -----------------------------------------------------------


def test_detect_explains_the_choice(tmp_path: Path) -> None:
    path = tmp_path / "mixed.log"
    vhost = "shop.example.com " + LINES[0]
    path.write_text("\n".join([LINES[0], LINES[2], vhost, "garbage", "# note"]) + "\n")
    result = CliRunner().invoke(cli, ["formats", "--detect", str(path)])
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "sample: 5 non-blank lines (1 comment or directive)"
    assert lines[2] == "clf              3  combined 2, vhost_combined 1"
    assert all(line.split()[1] == "0" for line in lines[3:-2])  # every other family: nothing
    assert lines[-2] == f"first line no format reads: {path}:4: garbage"
    assert lines[-1] == (
        "chosen: combined, of the clf family (the family reads 3 of 4 sample lines: what "
        "combined does not read is tried with its other variants; 1 sample line none reads "
        "would be malformed)"
    )


def test_detect_counts_the_servers_own_messages_apart_from_malformed_lines(tmp_path: Path) -> None:
    """Caddy's own startup messages are records (not_http in a run), not lines that would be
    malformed: detection says so, as the run counts them."""
    messages = [
        '{"level":"info","ts":1793607000.1,"logger":"admin","msg":"admin endpoint started"}',
        '{"level":"info","ts":1793607000.2,"logger":"tls.obtain","msg":"certificate obtained"}',
    ]
    request = (
        '{"level":"info","ts":1793607303.5,"logger":"http.log.access","msg":"handled request",'
        '"request":{"remote_ip":"203.0.113.7","proto":"HTTP/2.0","method":"GET",'
        '"host":"shop.example.com","uri":"/p","headers":{"User-Agent":["Mozilla/5.0"]}},'
        '"duration":0.01,"size":10,"status":200}'
    )
    path = tmp_path / "caddy.log"
    path.write_text("\n".join([*messages, request, request, "garbage"]) + "\n")
    result = CliRunner().invoke(cli, ["formats", "--detect", str(path)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[-1] == (
        "chosen: caddy, of the json family (the family reads 2 of 5 sample lines: what caddy "
        "does not read is tried with its other variants; the server's own messages: 2 sample "
        "lines (not_http); 1 sample line none reads would be malformed)"
    )
    report = CliRunner().invoke(cli, ["hits", str(path), "--format", "csv"])
    buckets = [row["bucket"] for row in csv.DictReader(io.StringIO(report.stdout))]
    assert buckets == ["not_http", "not_http", "page", "page", "malformed"]


def test_detect_without_any_readable_line_exits_1_after_the_table(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_text("hello\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["formats", "--detect", str(path)])
    assert result.exit_code == 1
    assert result.stdout.startswith("sample: 1 non-blank line (0 comment or directive)\n")
    assert f"first line no format reads: {path}:1: hello" in result.stdout
    assert "no format reads any of the 1 sample lines" in result.stderr


def test_detect_shows_a_hostile_file_name_inert(tmp_path: Path) -> None:
    """The name of the file the unread line is in is shown as every message shows a name: its
    escapes, bell and bidirectional override written out, never acted on by the terminal."""
    path = tmp_path / "x\x1b[31m\x1b]8;;http:e\x07\u202eRTL.log"
    path.write_text(LINES[0] + "\ngarbage\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["formats", "--detect", str(path)])
    assert result.exit_code == 0, result.stderr
    shown = f"{tmp_path}/x\\x1b[31m\\x1b]8;;http:e\\x07\\u202eRTL.log:2"
    assert f"first line no format reads: {shown}: garbage" in result.stdout.splitlines()
    assert "\x1b" not in result.stdout
    assert "\u202e" not in result.stdout


def test_output_codes_are_filled_from_the_period_as_report_does(log: Path, tmp_path: Path) -> None:
    """`-o 'hits/%Y-%m-%d.csv'` names the file after the period's start (--since, else the
    first hit's day, in the log's zone), as `report --output` does: a nightly job keeps a
    file a day instead of rewriting one named by the codes."""
    result = hits(str(log), "--since", "2026-11-02", "-o", str(tmp_path / "h-%Y-%m-%d.csv"))
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "h-2026-11-02.csv").read_text().startswith(COLUMNS + "\n")
    assert hits(str(log), "-o", str(tmp_path / "all-%d.csv")).exit_code == 0
    assert (tmp_path / "all-02.csv").exists()
    assert not list(tmp_path.glob("*%*"))


def test_a_logged_host_is_shown_without_its_port(tmp_path: Path) -> None:
    """A W3C ``cs-host`` and a JSON ``http_host`` hold the Host header as sent, port and all:
    ``hits`` shows the host without it, as for every other format (a bare IPv6 address, which
    only brackets set apart from a port, keeps its colons)."""
    iis = tmp_path / "u_ex261102.log"
    head = (
        "#Software: Microsoft Internet Information Services 10.0\n#Version: 1.0\n"
        "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip "
        "cs(User-Agent) cs(Referer) cs-host sc-status sc-substatus sc-win32-status time-taken\n"
    )
    hosts = ["shop.example.com:443", "[2001:db8::1]:8443", "Shop.Example.com", "2001:db8::2"]
    request = "10.0.0.1 GET /a - 443 - 203.0.113.7 Mozilla/5.0 -"
    iis.write_text(
        head
        + "".join(
            f"2026-11-02 08:00:0{i} {request} {host} 200 0 0 15\n" for i, host in enumerate(hosts)
        )
    )
    shown = ["shop.example.com", "[2001:db8::1]", "Shop.Example.com", "2001:db8::2"]
    result = hits(str(iis), "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = [row for row in csv.DictReader(io.StringIO(result.stdout)) if row["bucket"] == "page"]
    assert [row["host"] for row in rows] == shown
    line = {"time_local": "02/Nov/2026:09:15:03 +0100", "remote_addr": "203.0.113.7",
            "request": "GET /a HTTP/1.1", "status": "200", "body_bytes_sent": "1",
            "http_user_agent": "Mozilla/5.0 x", "http_host": "Shop.Example.com:8443"}  # fmt: skip
    nginx = tmp_path / "access.json"
    nginx.write_text(json.dumps(line) + "\n")
    result = hits(str(nginx), "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert next(csv.DictReader(io.StringIO(result.stdout)))["host"] == "Shop.Example.com"
