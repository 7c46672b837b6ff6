"""Whole-day and half-open periods over tests/fixtures/two_days.log: nine pageviews by nine
visitors in a Berlin local-time log across the switch to summer time (29 March 2026, 02:00 CET
→ 03:00 CEST, i.e. 01:00 UTC).

    L1 27 Mar 23:59:59 +0100 (22:59:59Z)   L6 29 Mar 01:59:59 +0100 (00:59:59Z)
    L2 28 Mar 00:00:00 +0100 (27 23:00Z)   L7 29 Mar 03:00:00 +0200 (01:00:00Z)
    L3 28 Mar 12:00:00 +0100 (11:00Z)      L8 29 Mar 23:59:59 +0200 (21:59:59Z)
    L4 28 Mar 23:59:59 +0100 (22:59:59Z)   L9 30 Mar 00:00:00 +0200 (29 22:00Z)
    L5 29 Mar 00:00:00 +0100 (28 23:00Z)

A day is [its midnight, the next midnight) in the zone: in Europe/Berlin 29 March lasts 23 hours.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from micromacro.cli import cli

LOG = str(Path(__file__).parent / "fixtures" / "two_days.log")


def counted(*options: str) -> tuple[int, int, dict[str, object]]:
    """(pageviews in the period, out_of_period lines, the JSON period)."""
    result = CliRunner().invoke(cli, ["report", LOG, "--format", "json", "--quiet", *options])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["input"]["page"] + data["input"]["out_of_period"] == data["input"]["lines"] == 9
    assert data["summary"]["sessions"] == data["input"]["page"]
    period = data["period"]
    return (
        data["input"]["page"],
        data["input"]["out_of_period"],
        {
            "since": period["start"],
            "until": period["end"],
        },
    )


@pytest.mark.parametrize(
    ("day", "tz", "pages", "since", "until"),
    [
        ("2026-03-28", "Europe/Berlin", 3, "2026-03-27T23:00:00Z", "2026-03-28T23:00:00Z"),  # L2-4
        ("2026-03-29", "Europe/Berlin", 4, "2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z"),  # L5-8
        ("2026-03-29", "UTC", 4, "2026-03-29T00:00:00Z", "2026-03-30T00:00:00Z"),  # L6-9
        ("2026-03-29", "+01:00", 5, "2026-03-28T23:00:00Z", "2026-03-29T23:00:00Z"),  # L5-9
        ("2026-03-27", "Europe/Berlin", 1, "2026-03-26T23:00:00Z", "2026-03-27T23:00:00Z"),  # L1
    ],
)
def test_whole_days_in_a_zone(day: str, tz: str, pages: int, since: str, until: str) -> None:
    assert counted("--since", day, "--until", day, "--tz", tz) == (
        pages,
        9 - pages,
        {"since": since, "until": until},
    )


def test_two_whole_days() -> None:
    pages, _, _ = counted("--since", "2026-03-28", "--until", "2026-03-29", "--tz", "Europe/Berlin")
    assert pages == 7  # L2-L8


def test_datetimes_are_half_open() -> None:
    # [28 Mar 12:00, 29 Mar 00:00) Berlin: L3 at its very start is in, L5 at its end is out.
    options = (
        "--since",
        "2026-03-28T12:00",
        "--until",
        "2026-03-29T00:00",
        "--tz",
        "Europe/Berlin",
    )
    assert counted(*options)[:2] == (2, 7)


def test_the_default_zone_is_the_log_offset() -> None:
    # The first lines say +0100: 29 March is then [28 23:00Z, 29 23:00Z), L5-L9.
    assert counted("--since", "2026-03-29", "--until", "2026-03-29")[0] == 5


@pytest.mark.parametrize("newest_first", [False, True])
def test_the_default_zone_is_the_newest_input_s_offset(tmp_path: Path, newest_first: bool) -> None:
    """Rotated logs across the end of summer time: the older file's first line says +0200, the
    newer one's +0100. The zone is the newer one's (the server's latest), whatever the order of
    the files on the command line: 2 November is then [1 Nov 23:00Z, 2 Nov 23:00Z), which holds
    the lines of 2 Nov 00:30 +0100 and 2 Nov 23:30 +0100 but not 1 Nov 23:30 +0100."""
    agent = "Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0"

    def line(n: int, time: str) -> str:
        return f'10.0.0.{n} - - [{time}] "GET / HTTP/1.1" 200 512 "-" "{agent}"\n'

    older, newer = tmp_path / "access.log.1", tmp_path / "access.log"
    older.write_text(line(1, "24/Oct/2026:12:00:00 +0200") + line(2, "25/Oct/2026:12:00:00 +0100"))
    newer.write_text(
        line(3, "01/Nov/2026:23:30:00 +0100")
        + line(4, "02/Nov/2026:00:30:00 +0100")
        + line(5, "02/Nov/2026:23:30:00 +0100")
    )
    files = [str(newer), str(older)] if newest_first else [str(older), str(newer)]
    result = CliRunner().invoke(
        cli,
        ["report", *files, "--since", "2026-11-02", "--until", "2026-11-02", "--format", "json"],
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["period"]["time_zone"] == "+01:00"
    assert data["period"]["start"] == "2026-11-01T23:00:00Z"
    assert data["summary"]["sessions"] == 2


_JSON_AGENT = "Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0"


@pytest.mark.parametrize(
    ("time", "zone"),
    [
        # nginx JSON: $time_iso8601, $time_local.
        ('"time_iso8601":"2026-11-02T00:{m}:20+01:00"', "+01:00"),
        ('"time_local":"02/Nov/2026:00:{m}:20 +0100"', "+01:00"),
        # Traefik writes UTC first, then the server's local time.
        ('"StartUTC":"2026-11-01T23:{m}:20Z","StartLocal":"2026-11-02T00:{m}:20+01:00"', "+01:00"),
        # A time in UTC names no zone: UTC, where 2 November holds neither line.
        ('"time_iso8601":"2026-11-01T23:{m}:20Z"', "UTC"),
    ],
)
def test_the_default_zone_of_a_json_log_is_the_offset_of_its_times(
    tmp_path: Path, time: str, zone: str
) -> None:
    """Two requests at 00:20 and 00:40 on 2 November (+01:00): 2 November in the log's own
    zone holds both."""
    log = tmp_path / "access.log"
    log.write_text(
        "".join(
            f'{{{time.format(m=minute)},"remote_addr":"10.0.0.{minute}","request":"GET / '
            f'HTTP/1.1","status":"200","body_bytes_sent":"100","http_user_agent":"{_JSON_AGENT}"}}\n'
            for minute in (20, 40)
        )
    )
    args = [
        "report",
        str(log),
        "--since",
        "2026-11-02",
        "--until",
        "2026-11-02",
        "--format",
        "json",
    ]
    result = CliRunner().invoke(cli, [*args, "-q"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["period"]["time_zone"] == zone
    assert data["summary"]["sessions"] == (2 if zone == "+01:00" else 0)


def test_a_period_with_no_hits_is_zeros_and_a_warning() -> None:
    result = CliRunner().invoke(
        cli, ["report", LOG, "--format", "json", "--since", "2026-04-01", "--until", "2026-04-02"]
    )
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert (data["input"]["out_of_period"], data["summary"]["sessions"]) == (9, 0)
    # The period and the lines' own range, in the log's first offset (+01:00): the last line,
    # 30 Mar 00:00 +02:00, is 29 Mar 23:00 there.
    assert (
        "warning: no hits in the period 2026-04-01 00:00 – 2026-04-03 00:00 (+01:00): all 9 "
        "lines are outside it or not counted, so the report is zeros; the lines read run from "
        "2026-03-27 23:59 to 2026-03-29 23:00"
    ) in result.stderr


@pytest.mark.parametrize(
    ("options", "line"),
    [
        (
            ["--since", "2026-04-01"],
            "Period: from 1 Apr 2026 00:00 on (+01:00), no hits in it",
        ),
        (
            ["--until", "2026-03-26"],  # a date includes its whole day: up to 27 Mar 00:00
            "Period: before 27 Mar 2026 00:00 (+01:00), no hits in it",
        ),
    ],
)
@pytest.mark.parametrize("output_format", ["table", "markdown"])
def test_a_one_sided_period_with_no_hits_is_named(
    options: list[str], line: str, output_format: str
) -> None:
    """The page opens with the period given, not "all hits" (its open end has no hit)."""
    result = CliRunner().invoke(
        cli, ["report", LOG, "--quiet", "--format", output_format, *options]
    )
    assert result.exit_code == 0, result.stderr
    assert line in result.stdout.splitlines()[0]
    assert "all hits" not in result.stdout


def test_the_range_of_lines_out_of_order_is_the_earliest_to_the_latest(tmp_path: Path) -> None:
    """The lines' range is their earliest time to their latest, not their first and last line's
    (here 2, 8 and 3 November)."""
    agent = "Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0"
    log = tmp_path / "unordered.log"
    log.write_text(
        "".join(
            f'10.0.0.{n} - - [0{day}/Nov/2026:10:00:00 +0100] "GET / HTTP/1.1" 200 512 "-" '
            f'"{agent}"\n'
            for n, day in enumerate((2, 8, 3), start=1)
        )
    )
    result = CliRunner().invoke(cli, ["report", str(log), "--since", "2026-11-10"])
    assert result.exit_code == 0, result.stderr
    assert "; the lines read run from 2026-11-02 10:00 to 2026-11-08 10:00\n" in result.stderr


def test_since_after_until_is_a_usage_error() -> None:
    result = CliRunner().invoke(
        cli, ["report", LOG, "--since", "2026-03-29", "--until", "2026-03-28"]
    )
    assert result.exit_code == 2
    # The log's offset is +01:00 on the 28th; --until 2026-03-28 ends at the 29th's start.
    assert result.stderr == (
        "micromacro: error: --since 2026-03-29 must be before --until 2026-03-28: the period "
        "from 2026-03-28T23:00:00Z to 2026-03-28T23:00:00Z is empty (a date as --until "
        "includes that day)\n"
    )


def usage_error(*options: str) -> str:
    """The one-line stderr of a report with ``options`` that must be a usage error (exit 2)."""
    result = CliRunner().invoke(cli, ["report", LOG, "--quiet", *options])
    assert result.exit_code == 2, result.stderr
    assert result.stderr.count("\n") == 1
    return result.stderr.removeprefix("micromacro: error: ").removesuffix("\n")


RANGE = "(times from 0001-01-02 to 9999-12-30 UTC only)"


def test_the_widest_period_is_the_supported_range() -> None:
    # From the first supported day to the last, in UTC: every line is in.
    assert counted("--since", "0001-01-02", "--until", "9999-12-30", "--tz", "UTC") == (
        9,
        0,
        {"since": "0001-01-02T00:00:00Z", "until": "9999-12-31T00:00:00Z"},
    )


def test_a_day_at_the_edge_of_the_range_is_out_of_it_in_a_zone_east_of_utc() -> None:
    # 2 January of the year 1 starts at 0001-01-01T23:00Z in the log's +01:00.
    assert usage_error("--since", "0001-01-02") == (
        f"--since: '0001-01-02' (0001-01-01T23:00:00Z) is out of range {RANGE}"
    )
    # 30 December 9999 ends at 9999-12-31T01:00Z in -01:00.
    assert usage_error("--until", "9999-12-30", "--tz", "-01:00") == (
        f"--until: '9999-12-30' (9999-12-31T01:00:00Z) is out of range {RANGE}"
    )
    # The day after 31 December 9999 is no date at all.
    assert usage_error("--until", "9999-12-31") == f"--until: '9999-12-31' is out of range {RANGE}"


def test_a_comparison_period_is_checked_like_since_and_until() -> None:
    # Explicit dates: the errors name --compare, not --since/--until.
    assert usage_error("--compare", "2026-03-29..2026-03-28") == (
        "--compare 2026-03-29..2026-03-28: START must be before END: the period from "
        "2026-03-28T23:00:00Z to 2026-03-28T23:00:00Z is empty (a date as END includes that day)"
    )
    assert usage_error("--compare", "2026-02-30..2026-03-28") == (
        "--compare: '2026-02-30' is not a valid date"
    )
    assert usage_error("--compare", "last week..2026-03-28").startswith(
        "--compare: cannot read 'last week' (expected a date like 2026-11-02,"
    )
    # A year before 1 January 0002 (UTC) starts in the year 1, before 2 January.
    assert (
        usage_error(
            "--since",
            "0002-01-01",
            "--until",
            "0002-01-02",
            "--tz",
            "UTC",
            "--compare",
            "previous-year",
        )
        == f"--compare previous-year: the comparison period starts before 0001-01-02 {RANGE}"
    )


def test_the_report_zone_must_be_one() -> None:
    assert usage_error("--tz", "") == (
        "Invalid value for '--tz': a time zone cannot be empty (expected UTC, an offset like "
        "+01:00, or a name like Europe/Paris) (see 'cli report --help')"
    )
    assert usage_error("--tz", "+24:00").startswith(
        "Invalid value for '--tz': time zone offset '+24:00' is out of range (offsets go from "
        "-23:59 to +23:59)"
    )
    # The widest offset there is: 29 March in +23:59 starts at 28 March 00:01Z, before L3-L9
    # (L2 is 27 March 23:00Z).
    assert counted("--since", "2026-03-29", "--tz", "+23:59")[:2] == (7, 2)


def test_a_copy_deduplicated_counts_in_each_period_as_its_lines(tmp_path: Path) -> None:
    """Two copies of the log with --dedupe and --compare: 29 March in UTC is L6-L9, 28 March
    L3-L5. Each period counts its pages once and their copies as duplicates; every other line of
    the 18 is out of the period."""
    copy = tmp_path / "copy.log"
    copy.write_text(Path(LOG).read_text())
    args = ["report", LOG, str(copy), "--dedupe", "--format", "json", "--tz", "UTC"]
    args += ["--since", "2026-03-29", "--until", "2026-03-29", "--compare", "previous"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    for summary, pages in ((data["input"], 4), (data["previous"]["input"], 3)):
        counts = {k: summary[k] for k in ("page", "duplicate", "out_of_period")}
        assert counts == {"page": pages, "duplicate": pages, "out_of_period": 18 - 2 * pages}
