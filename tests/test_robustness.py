"""No internal errors (issue "Nothing lost, overwritten or injected", item 5).

Times outside the supported range (2 January of the year 1 to 30 December 9999, UTC) make their
line malformed, ``time out of range``, in every format family and in event exports; option
values out of range are usage errors naming the option; closed or full standard streams end the
run cleanly; and a fuzz of the option parser and of line fields never meets an internal error.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import click
import polars as pl
import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

from micromacro.cli import cli
from micromacro.logformats import FORMATS
from tests.helpers import FIREFOX, combined_line, parse

FIXTURES = Path(__file__).parent / "fixtures"
SHOP = str(FIXTURES / "shop.log")
ALERTS_LOG = str(FIXTURES / "alerts.log")
TIME_OUT_OF_RANGE = "time out of range"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def input_counts(result: Result) -> dict[str, object]:
    """The non-zero figures of a JSON report's input summary (and its line count)."""
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)["input"]
    return {
        k: v for k, v in summary.items() if k in ("lines", "malformed", "page", "comment") and v
    }


# --- times out of range, line by line ----------------------------------------------------------


@pytest.mark.parametrize(
    ("time", "in_range"),
    [
        ("01/Jan/0001:23:59:59 +0000", False),  # before 0001-01-02T00:00Z
        ("02/Jan/0001:00:00:00 +0000", True),  # the earliest supported time
        ("02/Jan/0001:00:59:59 +0100", False),  # 0001-01-01T23:59:59Z
        ("30/Dec/9999:23:59:59 +0000", True),  # the latest
        ("31/Dec/9999:00:00:00 +0000", False),
        ("30/Dec/9999:23:30:00 -0100", False),  # 9999-12-31T00:30Z
        ("01/Jan/0000:00:00:00 +0000", False),  # the year 0 Polars reads, Python cannot hold
    ],
)
def test_the_supported_range_ends_a_day_inside_the_years_1_to_9999(
    time: str, in_range: bool
) -> None:
    parsed = parse([combined_line(time=time)]).row(0, named=True)
    assert parsed["parsed"] is in_range
    assert (parsed["ts"] is not None) is in_range
    assert parsed["malformed_reason"] == (None if in_range else TIME_OUT_OF_RANGE)


def test_a_line_without_a_time_has_no_reason_and_a_good_line_none() -> None:
    frame = parse([combined_line(), combined_line(time="32/Nov/2026:09:15:03 +0100")])
    assert frame.get_column("malformed_reason").to_list() == [None, None]
    assert frame.get_column("parsed").to_list() == [True, False]


def _example(name: str) -> list[str]:
    """The example lines of a format: its header lines, if any, then one data line."""
    return FORMATS[name].example.splitlines()


# Each format's example line (the last line of its example, after any header), and what its
# time is replaced with: the example line stays the one good line, every replacement is a line
# whose time is out of range.
FAMILY_CASES: dict[str, tuple[str, list[str]]] = {
    "combined": (
        "02/Nov/2026:09:15:03 +0100",
        ["01/Jan/0001:00:00:00 +0100", "31/Dec/9999:23:59:59 -0100"],
    ),
    "s3": ("02/Nov/2026:08:15:03 +0000", ["01/Jan/0001:00:00:00 +0000"]),
    "haproxy": (
        "[02/Nov/2026:08:15:03.123]",
        ["[01/Jan/0001:00:00:00.000]", "[31/Dec/9999:23:59:59.999]"],
    ),
    "alb": (
        "2026-11-02T08:15:03.123456Z app",
        ["0001-01-01T00:00:00.000000Z app", "9999-12-31T00:00:00.000000Z app"],
    ),
    "elb": ("2026-11-02T08:15:03.123456Z shop", ["0001-01-01T23:59:59.999999Z shop"]),
    # Epoch milliseconds: beyond a 64-bit count, and 10000-01-01.
    "bunny": ("|1793607303123|", ["|99999999999999999999|", "|253402300800000|"]),
    "w3c": ("2026-11-02 08:15:03", ["0001-01-01 00:00:00", "9999-12-31 00:00:00"]),
    "cloudfront": ("2026-11-02\t08:15:03", ["0001-01-01\t12:00:00"]),
    # JSON epoch numbers beyond 2**63 nanoseconds (as a double and as digits), and ISO 8601.
    "caddy": (
        '"ts":1793610903.123456',
        ['"ts":1e30', '"ts":99999999999999999999', '"ts":"0001-01-01T00:00:00Z"'],
    ),
    "nginx_json": ("02/Nov/2026:09:15:03 +0100", ["01/Jan/0001:00:00:00 +0100"]),
    "traefik_json": (
        '"StartUTC":"2026-11-02T08:15:03.123456789Z"',
        ['"StartUTC":"9999-12-31T23:59:59Z"'],
    ),
}


@pytest.mark.parametrize("name", list(FAMILY_CASES))
def test_every_family_makes_a_line_out_of_range_malformed(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good, bad_times = FAMILY_CASES[name]
    *header, line = _example(name)
    assert good in line
    (tmp_path / "x.log").write_text(
        "\n".join([*header, line, *(line.replace(good, b) for b in bad_times)]) + "\n"
    )
    monkeypatch.chdir(tmp_path)
    # A day-by-day report in a zone west of UTC shows every counted time in local time.
    result = run(
        "report", "x.log", "--log-format", name, "--format", "json", "--by", "day", "--tz", "-11:00"
    )
    bad = len(bad_times)
    expected = {"lines": len(header) + 1 + bad, "malformed": bad, "page": 1}
    assert input_counts(result) == expected | ({"comment": 1} if header else {})
    for number in range(len(header) + 2, len(header) + 2 + bad):
        assert f"x.log:{number}: malformed line ({TIME_OUT_OF_RANGE}): " in result.stderr


@pytest.mark.parametrize(
    ("log_format", "good", "bad"),
    [
        # Apache %{msec}t: epoch milliseconds, beyond 64 bits and 0001-01-01T00:00Z.
        (
            '%h %l %u %{msec}t "%r" %>s %b',
            "1793607303123",
            ["99999999999999999999", "-62135596800000"],
        ),
        # nginx $msec: epoch seconds.
        ('$remote_addr [$msec] "$request" $status', "1793607303.123", ["1e300", "-62135596800"]),
        ('%h [%{%Y-%m-%d %H:%M:%S}t] "%r" %>s', "2026-11-02 08:15:03", ["0001-01-01 00:00:00"]),
    ],
)
def test_format_strings_make_a_line_out_of_range_malformed(
    log_format: str, good: str, bad: list[str], tmp_path: Path
) -> None:
    if log_format.startswith("%h %l"):
        lines = [f'203.0.113.7 - - {t} "GET / HTTP/1.1" 200 5' for t in (good, *bad)]
    else:
        lines = [f'203.0.113.7 [{t}] "GET / HTTP/1.1" 200' for t in (good, *bad)]
    log = tmp_path / "fs.log"
    log.write_text("\n".join(lines) + "\n")
    result = run("report", str(log), "--log-format", log_format, "--format", "json")
    assert input_counts(result) == {"lines": 1 + len(bad), "malformed": len(bad), "page": 1}
    assert result.stderr.count(f"malformed line ({TIME_OUT_OF_RANGE})") == len(bad)


def test_one_line_dated_year_1_or_9999_no_longer_kills_the_report(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.write_text(
        "\n".join(
            combined_line(target, time=time)
            for target, time in [
                ("/", "02/Nov/2026:09:15:03 +0100"),
                ("/a", "01/Jan/0001:00:00:00 +0100"),
                ("/b", "31/Dec/9999:23:59:59 -0100"),
                ("/c", "02/Nov/2026:09:16:03 +0100"),
            ]
        )
        + "\n"
    )
    result = run("report", str(log), "--format", "json")
    assert input_counts(result) == {"lines": 4, "malformed": 2, "page": 2}
    data = json.loads(result.stdout)
    assert (data["summary"]["sessions"], data["summary"]["pageviews"]) == (1, 2)
    hits = run("hits", str(log))
    assert hits.exit_code == 0
    rows = [row.split(",")[:6] for row in hits.stdout.splitlines()[1:]]
    assert [row[2] for row in rows] == ["page", "malformed", "malformed", "page"]
    assert [row[5] for row in rows] == ["2026-11-02T08:15:03Z", "", "", "2026-11-02T08:16:03Z"]
    # --strict still counts them as malformed lines.
    strict = run("report", str(log), "--strict", "-q")
    assert strict.exit_code == 1
    assert strict.stderr.endswith(": malformed line (2 in all; --strict allows none)\n")


def test_a_first_line_with_an_offset_beyond_a_day_does_not_set_the_time_zone(
    tmp_path: Path,
) -> None:
    log = tmp_path / "access.log"
    log.write_text(
        combined_line("/x", time="02/Nov/2026:09:15:03 +9900")
        + "\n"
        + combined_line("/", time="02/Nov/2026:09:15:03 +0100")
        + "\n"
    )
    result = run(
        "report", str(log), "--format", "json", "--since", "2026-11-02", "--until", "2026-11-02"
    )
    # The unreadable line comes before the period's only line: it is out of the period.
    assert input_counts(result) == {"lines": 2, "page": 1}
    assert json.loads(result.stdout)["input"]["out_of_period"] == 1
    # The zone is the next line's, +01:00: the day starts at 23:00 UTC.
    assert (
        json.loads(result.stdout)["period"].items()
        >= {
            "start": "2026-11-01T23:00:00Z",
            "end": "2026-11-02T23:00:00Z",
            "time_zone": "+01:00",
        }.items()
    )


# --- event exports -----------------------------------------------------------------------------

EXPORT_GOALS = """source:
  timestamp: {timestamp}
  user_id: user_id
  event_name: event
  url: page_url
goals:
  - name: shop
    kind: macro
    destination: /shop
"""


def _export_report(tmp_path: Path, name: str, timestamp: str) -> Result:
    goals = tmp_path / "goals.yaml"
    goals.write_text(EXPORT_GOALS.format(timestamp=timestamp))
    return run(
        "report", str(tmp_path / name), "--goals", str(goals), "--format", "json", "--tz", "-11:00"
    )


def test_export_rows_out_of_range_are_malformed_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "e.csv").write_text(
        "ts,user_id,event,page_url\n"
        "2026-11-02T09:00:00+01:00,u1,,https://x.example/shop\n"
        "0001-01-01T00:00:00+01:00,u1,,https://x.example/a\n"
        "9999-12-31T23:59:59-01:00,u2,,https://x.example/b\n"
        "soon,u3,,https://x.example/c\n"
    )
    result = _export_report(tmp_path, "e.csv", "ts")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["input"]["malformed"] == 3
    where = str(tmp_path / "e.csv")
    assert (
        f"{where}: row 2: malformed row: {TIME_OUT_OF_RANGE} in 'ts': '0001-01-01T00:00:00+01:00'"
        in result.stderr
    )
    assert (
        f"{where}: row 3: malformed row: {TIME_OUT_OF_RANGE} in 'ts': '9999-12-31T23:59:59-01:00'"
        in result.stderr
    )
    assert f"{where}: row 4: malformed row: no valid time in 'ts': 'soon'" in result.stderr


def test_export_epochs_out_of_range(tmp_path: Path) -> None:
    (tmp_path / "e.csv").write_text(
        "ts,user_id,event,page_url\n"
        "1793610903000,u1,,https://x.example/shop\n"
        "-62135596800000,u1,,https://x.example/a\n"  # 0001-01-01T00:00Z
        "253402214400000,u2,,https://x.example/b\n"  # 9999-12-31T00:00Z
        "300000000000000,u2,,https://x.example/c\n"  # the year 11476
        "99999999999999999999,u2,,https://x.example/d\n"  # past a 64-bit count
        "-99999999999999999999,u2,,https://x.example/e\n"
    )
    result = _export_report(tmp_path, "e.csv", "{column: ts, format: epoch_ms}")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["input"]["malformed"] == 5
    assert result.stderr.count(f"malformed row: {TIME_OUT_OF_RANGE} in 'ts'") == 5


def test_parquet_datetimes_beyond_what_polars_can_show(tmp_path: Path) -> None:
    # Milliseconds of the year 285 million: Polars panics when it converts or shows them.
    times = pl.Series("ts", [1793610903000, -62135596800000, 9 * 10**18], dtype=pl.Int64)
    pl.DataFrame(
        {
            "ts": times.cast(pl.Datetime("ms")),
            "user_id": ["u1", "u1", "u2"],
            "event": [None, None, None],
            "page_url": ["https://x.example/shop"] * 3,
        }
    ).write_parquet(tmp_path / "e.parquet")
    result = _export_report(tmp_path, "e.parquet", "ts")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["input"]["malformed"] == 2
    assert (
        f"row 2: malformed row: {TIME_OUT_OF_RANGE} in 'ts': '0001-01-01 00:00:00.000'"
        in result.stderr
    )
    assert f"row 3: malformed row: {TIME_OUT_OF_RANGE} in 'ts': '+10000-01-01" in result.stderr


# --- options out of range ----------------------------------------------------------------------

RANGE = "(times from 0001-01-02 to 9999-12-30 UTC only)"
ZONES = "(expected UTC, an offset like +01:00, or a name like Europe/Paris)"
TZ = "Invalid value for '--tz':"
EARLIER = "the comparison period starts before 0001-01-02"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--tz", "+99:00"],
            f"{TZ} time zone offset '+99:00' is out of range (offsets go from -23:59 to +23:59)",
        ),
        (["--tz", ""], f"{TZ} a time zone cannot be empty {ZONES}"),
        (["--tz", "posix/Europe/Paris"], f"{TZ} unknown time zone 'posix/Europe/Paris' {ZONES}"),
        (
            ["--since", "0001-01-01"],
            f"--since: '0001-01-01' is out of range {RANGE}",  # 0000-12-31T23:00Z
        ),
        (["--since", "999999999999d"], f"--since: '999999999999d' is out of range {RANGE}"),
        (
            ["--until", "9999-12-31", "--tz", "UTC"],
            f"--until: '9999-12-31' is out of range {RANGE}",
        ),
        (
            ["--since", "0001-01-01T00:00:00-23:00"],
            f"--since: '0001-01-01T00:00:00-23:00' (0001-01-01T23:00:00Z) is out of range {RANGE}",
        ),
        (
            ["--session-timeout", "99999999999999d"],
            "Invalid value for '--session-timeout': a duration cannot be longer than 10000 "
            "years, got '99999999999999d'",
        ),
        (
            ["--compare", "previous-year", "--since", "0001-01-02", "--tz", "UTC"],
            f"--compare previous-year: {EARLIER} {RANGE}",
        ),
        (
            ["--compare", "previous", "--since", "0002-01-01", "--until", "2026-01-01"],
            f"--compare previous: {EARLIER} {RANGE}",
        ),
        (["--compare", "2026-13-01..2026-11-01"], "--compare: '2026-13-01' is not a valid date"),
        (
            ["--compare", "0001-01-01..2026-11-01", "--tz", "UTC"],
            f"--compare: '0001-01-01' (0001-01-01T00:00:00Z) is out of range {RANGE}",
        ),
        (
            ["--compare", "2026-11-03..2026-11-02", "--tz", "UTC"],
            "--compare 2026-11-03..2026-11-02: START must be before END: the period from "
            "2026-11-03T00:00:00Z to 2026-11-03T00:00:00Z is empty (a date as END includes "
            "that day)",
        ),
        (["--site-host", "\udcff"], "--site-host '\\xff' is not valid UTF-8"),  # the byte given
    ],
)
def test_option_values_out_of_range_are_usage_errors(args: list[str], message: str) -> None:
    result = run("report", SHOP, "-q", *args)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"micromacro: error: {message}")
    assert result.stderr.count("\n") == 1


def test_a_log_name_that_is_not_utf8_is_a_usage_error() -> None:
    result = run("report", "\udcff.log")
    assert result.exit_code == 2
    assert result.stderr == (
        "micromacro: error: LOG '\\xff.log' is not valid UTF-8 (read such a log from stdin: "
        "- < FILE)\n"
    )


def test_offsets_that_are_not_whole_hours_work_with_time_dimensions(tmp_path: Path) -> None:
    # Polars knows +01:00 but not +05:30: the hour of a session is its UTC time plus 5h30.
    log = tmp_path / "ist.log"
    log.write_text(combined_line(time="02/Nov/2026:09:15:03 +0530") + "\n")
    result = run("report", str(log), "--by", "hour", "--by", "day", "--format", "json", "-q")
    assert result.exit_code == 0, result.stderr
    segments = json.loads(result.stdout)["segments"]
    assert [(s["by"], s["segment"]) for s in segments] == [("hour", "09"), ("day", "2026-11-02")]
    west = run("report", str(log), "--by", "hour", "--tz", "-05:30", "--format", "json", "-q")
    assert [s["segment"] for s in json.loads(west.stdout)["segments"]] == ["22"]


# --- closed and full standard streams (real processes: real file descriptors) -----------------

_POSIX = pytest.mark.skipif(os.name != "posix", reason="needs a POSIX shell")


def _run_redirected(redirections: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    """``micromacro ARGS`` in a shell that applies ``redirections`` (``>&-``, ``2>/dev/full``)."""
    command = ["sh", "-c", f'exec "$@" {redirections}', "sh", sys.executable, "-m", "micromacro"]
    return subprocess.run([*command, *args], capture_output=True, timeout=120, check=False)


@_POSIX
def test_closed_stdin_is_only_an_error_when_read() -> None:
    read = _run_redirected("<&-", "report", "-", "-q")
    assert (read.returncode, read.stdout, read.stderr) == (
        1,
        b"",
        b"micromacro: error: <stdin>: cannot read: standard input is closed\n",
    )
    unread = _run_redirected("<&-", "report", SHOP, "-q", "--format", "json")
    assert unread.returncode == 0
    assert json.loads(unread.stdout)["input"]["lines"] == 22


_SPOOL_OVER_ITS_LIMIT = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails: EFBIG
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
from micromacro.cli import main
sys.argv[0] = "micromacro"
main()
"""


@_POSIX
def test_standard_input_that_the_spool_has_no_room_for_says_so(tmp_path: Path) -> None:
    """A spool that cannot take the copy (a full or limited temporary directory) is named, with
    what to do: reading standard input did not fail."""
    log = Path(SHOP).read_bytes() * 100  # 22 lines, 100 times: past the 4 KB a file may hold
    run = subprocess.run(
        [sys.executable, "-c", _SPOOL_OVER_ITS_LIMIT, "report", "-", "--no-cache", "-q"],
        input=log,
        capture_output=True,
        env={**os.environ, "TMPDIR": str(tmp_path)},
        timeout=120,
        check=False,
    )
    assert (run.returncode, run.stdout, run.stderr.decode()) == (
        1,
        b"",
        f"micromacro: error: <stdin>: cannot copy it into the spool directory in {tmp_path} "
        "to read it: File too large (set TMPDIR to a directory with room)\n",
    )
    assert os.listdir(tmp_path) == []  # the spool is removed


@_POSIX
@pytest.mark.parametrize(
    "args",
    [("report", SHOP, "-q"), ("hits", SHOP, "-q"), ("formats",), ("--help",), ("--version",)],
)
def test_closed_stdout_exits_1_with_one_line(args: tuple[str, ...]) -> None:
    result = _run_redirected(">&-", *args)
    assert (result.returncode, result.stderr) == (
        1,
        b"micromacro: error: cannot write to stdout: Bad file descriptor\n",
    )


_DEV_FULL = pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")


@_POSIX
@_DEV_FULL
@pytest.mark.parametrize(
    "args",
    [
        ("report", SHOP, "-q"),
        ("hits", SHOP, "-q"),  # larger than a buffer: fails as it is written
        ("check", str(FIXTURES / "shop_goals.yaml")),  # small, unflushed: fails at the end
        ("formats",),
        ("--help",),
    ],
)
def test_stdout_on_a_full_disk_exits_1_with_one_line(args: tuple[str, ...]) -> None:
    result = _run_redirected(">/dev/full", *args)
    assert (result.returncode, result.stderr) == (
        1,
        b"micromacro: error: cannot write to stdout: No space left on device\n",
    )


@_POSIX
def test_closed_stderr_keeps_the_report_and_the_exit_code() -> None:
    ok = _run_redirected("2>&-", "report", SHOP, "--format", "csv")  # with notes and warnings
    assert ok.returncode == 0
    assert ok.stdout == run("report", SHOP, "--format", "csv").stdout.encode()
    failed = _run_redirected("2>&-", "report", "no-such.log")
    assert (failed.returncode, failed.stdout) == (1, b"")
    # --traceback has nowhere to go: never into stdout.
    traced = _run_redirected("2>&-", "--traceback", "report", "no-such.log")
    assert (traced.returncode, traced.stdout) == (1, b"")
    both = _run_redirected(">&- 2>&-", "report", SHOP)
    assert (both.returncode, both.stdout, both.stderr) == (1, b"", b"")


@_POSIX
@_DEV_FULL
def test_stderr_on_a_full_disk() -> None:
    ok = _run_redirected("2>/dev/full", "report", SHOP, "--format", "csv")
    assert ok.returncode == 0
    assert ok.stdout.startswith(b"name,kind,")
    failed = _run_redirected("2>/dev/full", "--traceback", "report", "no-such.log")
    assert (failed.returncode, failed.stdout) == (1, b"")


@_POSIX
def test_a_closed_stderr_is_not_reused_by_the_output_file(tmp_path: Path) -> None:
    target = tmp_path / "report.csv"
    result = _run_redirected("2>&-", "report", SHOP, "--format", "csv", "-o", str(target))
    assert result.returncode == 0
    assert target.read_text() == run("report", SHOP, "--format", "csv").stdout


# --- fuzz: the option parser ---------------------------------------------------------------

# Goals with alert rules that need no comparison period, so that alert runs get past them.
FUZZ_GOALS = """goals:
  - {name: purchase, kind: macro, destination: /thanks}
  - {name: newsletter, kind: micro, destination: /newsletter/ok}
alerts:
  - {name: no sign-ups, metric: goals.newsletter.conversions, below: 1}
  - {name: traffic gone, metric: summary.sessions, below: 5}
"""
ODD_VALUES = st.sampled_from(
    [
        "", " ", "0", "-1", "1e308", "inf", "nan", "9" * 40, "99999999999999d", "0d", "1.5h",
        "2026-11-15", "0001-01-01", "0001-01-02", "9999-12-30", "9999-12-31", "10000-01-01",
        "today", "yesterday", "now", "previous", "previous-week", "previous-year", "..",
        "2026-11-01..", "..2026-11-01", "2026-11-01..2026-11-30", "0001-01-01..9999-12-31",
        "+99:00", "-23:59", "+05:30", "Europe/Paris", "posix/Europe/Paris", "UTC", "\n", "\x1b[31m",
        "é", "💥", "\udcff", "day", "hour", "week", "channel", "device", "query:", "query:x",
        "hour,day", "day,day", "50,50", "0,0", "1e308,1e308", "inf,1", "combined", "auto", "json",
        "%h %t", '$remote_addr [$msec] "$request"', "[", "(?P<x>", "*", "a" * 300, "-", "-q",
    ]
)  # fmt: skip
# Text a command line can hold: any character but NUL, and the lone surrogates Python makes of
# bytes that are not UTF-8.
ARGUMENT_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8", exclude_characters="\x00"),
        st.characters(min_codepoint=0xDC80, max_codepoint=0xDCFF),
    ),
    max_size=12,
)
NUMBERS = st.one_of(st.integers(-(10**30), 10**30).map(str), st.floats().map(str))
VALUES = st.one_of(ODD_VALUES, ARGUMENT_TEXT, NUMBERS)
# Paths: names in the run's own directory (never a path elsewhere).
PATH_VALUES = st.one_of(
    st.sampled_from(["goals.yaml", "access.log", "out.csv", "missing", ".", ""]),
    ARGUMENT_TEXT.filter(lambda text: "/" not in text),
)


def _options(command: str) -> list[click.Option]:
    """Every option of ``command`` (those other engineers add too), but --help."""
    found = cli.commands[command].params  # type: ignore[union-attr]
    return [p for p in found if isinstance(p, click.Option) and p.name != "help"]


@st.composite
def _option_arguments(draw: st.DrawFn, command: str) -> list[str]:
    arguments: list[str] = []
    for option in draw(st.lists(st.sampled_from(_options(command)), min_size=1, max_size=4)):
        name = max(option.opts, key=len)
        if option.is_flag:
            arguments.append(name)
        elif isinstance(option.type, click.Choice):
            arguments += [name, draw(st.one_of(st.sampled_from(option.type.choices), VALUES))]
        elif isinstance(option.type, click.Path):
            arguments += [name, draw(PATH_VALUES)]
        else:
            arguments += [name, draw(VALUES)]
    return arguments


def _invoke_in_a_scratch_directory(arguments: list[str]) -> Result:
    with tempfile.TemporaryDirectory() as scratch, contextlib.chdir(scratch):
        Path("goals.yaml").write_text(FUZZ_GOALS)
        Path("access.log").write_text(Path(ALERTS_LOG).read_text())
        return CliRunner().invoke(cli, arguments)


def _assert_handled(
    result: Result, codes: tuple[int, ...] = (0, 1, 2, 3), *, traceback: bool = False
) -> None:
    """The run ended as planned: an exit code of ``codes``, no internal error, and no
    traceback unless asked for."""
    assert result.exit_code in codes, (result.exit_code, result.stderr)
    assert isinstance(result.exception, SystemExit | None), repr(result.exception)
    assert "internal error" not in result.stderr, result.stderr
    assert traceback or "Traceback" not in result.stderr, result.stderr


COMMANDS = {
    "report": (["report", "access.log", "--log-format", "combined", "--goals", "goals.yaml"], 100),
    "alert": (["alert", "access.log", "--log-format", "combined", "--goals", "goals.yaml"], 50),
    "hits": (["hits", "access.log", "--log-format", "combined"], 60),
    "check": (["check", "goals.yaml"], 40),
    "formats": (["formats"], 30),
}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_fuzz_the_options(command: str) -> None:
    base, examples = COMMANDS[command]

    @settings(max_examples=examples, deadline=None)
    @given(extra=_option_arguments(command), traceback=st.booleans())
    def check(extra: list[str], traceback: bool) -> None:
        arguments = [*(["--traceback"] if traceback else []), *base, *extra]
        _assert_handled(_invoke_in_a_scratch_directory(arguments), traceback=traceback)

    check()


# --- fuzz: line fields ---------------------------------------------------------------------

FIELD_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="\n\r\x00"), max_size=30
)
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
CLF_TIMES = st.builds(
    "{:02d}/{}/{:04d}:{:02d}:{:02d}:{:02d} {}{:02d}{:02d}".format,
    st.integers(0, 99),
    st.sampled_from([*MONTHS, "Foo", "jan"]),
    st.integers(0, 99999),
    st.integers(0, 99),
    st.integers(0, 99),
    st.integers(0, 99),
    st.sampled_from("+- "),
    st.integers(0, 99),
    st.integers(0, 99),
)
NUMBER_TEXT = st.one_of(st.integers(-(10**25), 10**25).map(str), FIELD_TEXT)
REQUESTS = st.one_of(
    st.builds(
        "{} {} {}".format,
        st.sampled_from(["GET", "POST", "HEAD", "CONNECT", "", "G\x01T"]),
        st.one_of(
            st.sampled_from(["/", "*", "http://a/b?c", "host:443", "/%zz?x=%ff"]), FIELD_TEXT
        ),
        st.sampled_from(["HTTP/1.1", "HTTP/2.0", "HTTP/9", "", "http/1.1"]),
    ),
    FIELD_TEXT,
)
LINES = st.builds(
    '{} - - [{}] "{}" {} {} "{}" "{}"'.format,
    st.one_of(st.sampled_from(["203.0.113.7", "::1", "-", ""]), FIELD_TEXT),
    st.one_of(CLF_TIMES, FIELD_TEXT),
    REQUESTS,
    NUMBER_TEXT,
    NUMBER_TEXT,
    st.one_of(st.just("-"), FIELD_TEXT),
    st.one_of(st.sampled_from([FIREFOX, "Googlebot/2.1", "-", ""]), FIELD_TEXT),
)


@settings(max_examples=60, deadline=None)
@given(lines=st.lists(LINES, min_size=1, max_size=4))
def test_fuzz_the_fields_of_a_combined_line(lines: list[str]) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        log = Path(scratch) / "access.log"
        log.write_text(
            "\n".join([combined_line(time="02/Nov/2026:09:15:03 +0100"), *lines]) + "\n",
            encoding="utf-8",
        )
        reported = run(
            "report", str(log), "--log-format", "combined", "--format", "json", "--by", "day"
        )
        _assert_handled(reported, (0,))
        summary = json.loads(reported.stdout)["input"]
        assert summary["lines"] == len(lines) + 1
        listed = run("hits", str(log), "--log-format", "combined", "--format", "ndjson", "-q")
        _assert_handled(listed, (0,))
        assert len(listed.stdout.splitlines()) == len(lines) + 1


@settings(max_examples=25, deadline=None)
@given(lines=st.lists(st.binary(max_size=120), min_size=1, max_size=4))
def test_fuzz_random_bytes(lines: list[bytes]) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        log = Path(scratch) / "access.log"
        log.write_bytes(b"\n".join(lines))
        _assert_handled(run("report", str(log), "--format", "json", "-q"), (0, 1))
        _assert_handled(run("hits", str(log), "--log-format", "combined", "-q"), (0, 1))


def test_a_log_in_utf16_says_to_convert_it(tmp_path: Path) -> None:
    """Windows PowerShell's Out-File writes UTF-16 (a byte-order mark, then a NUL byte beside
    every ASCII character): alone, the detection error says so; among UTF-8 logs, each of its
    lines is malformed as UTF-16 text, not as a crash's padding."""
    line = '1.1.1.1 - - [06/Feb/2026:12:00:00 +0000] "GET /a HTTP/1.1" 200 10 "-" "curl/8.5.0"'
    utf16 = tmp_path / "utf16.log"
    utf16.write_bytes(("\n".join([line] * 3) + "\n").encode("utf-16"))
    alone = run("report", str(utf16), "--no-cache")
    assert alone.exit_code == 1
    assert alone.stderr.splitlines()[-1].endswith(
        "; the log looks UTF-16 encoded (a NUL byte beside every character, as Windows "
        "PowerShell's Out-File writes): convert it to UTF-8 first (iconv -f UTF-16LE -t UTF-8 "
        "FILE)"
    )
    big_endian = tmp_path / "utf16be.log"
    big_endian.write_bytes((line + "\n").encode("utf-16-be"))
    assert (
        run("report", str(big_endian), "--no-cache")
        .stderr.splitlines()[-1]
        .endswith("(iconv -f UTF-16BE -t UTF-8 FILE)")
    )
    # Characters beyond U+00FF have no NUL byte: a line with a few of them is UTF-16 still.
    utf16.write_bytes(
        ("\n".join([line.replace("/a", "/\u4ea7\u54c1")] * 3) + "\n").encode("utf-16")
    )
    plain = tmp_path / "access.log"
    plain.write_text(line + "\n")
    mixed = run("report", str(plain), str(utf16), "--no-cache", "--format", "json")
    reason = "UTF-16 text, a NUL byte beside every character: convert the file to UTF-8"
    for number in (1, 2, 3):
        assert f"{utf16}:{number}: malformed line ({reason}): " in mixed.stderr


def test_a_line_after_nul_padding_is_malformed_and_says_why(tmp_path: Path) -> None:
    """A crash leaves NUL bytes where the log was extended but never written; the line written
    after them starts among them. It is malformed, named with its padding, never a hit whose
    client address starts with the NULs (a second visitor: 2 visitors and 2 bounces, where
    one client viewed /a)."""
    agent = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
    line = '1.1.1.1 - - [06/Feb/2026:12:00:0{s} +0000] "GET /{p} HTTP/1.1" 200 10 "-" "{a}"\n'
    log = tmp_path / "access.log"
    log.write_bytes(
        line.format(s=0, p="a", a=agent).encode()
        + b"\x00" * 8
        + line.format(s=5, p="b", a=agent).encode()
    )
    result = run("report", str(log), "--format", "json", "--no-cache")
    assert input_counts(result) == {"lines": 2, "malformed": 1, "page": 1}
    summary = json.loads(result.stdout)["summary"]
    assert (summary["visitors"], summary["sessions"], summary["pageviews"]) == (1, 1, 1)
    assert (
        f"{log}:2: malformed line (starts with 8 NUL bytes, the padding a crash leaves in a "
        "log): \\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x001.1.1.1"
    ) in result.stderr
