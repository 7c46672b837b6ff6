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
    return data["input"]["page"], data["input"]["out_of_period"], data["period"]


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


def test_a_period_with_no_hits_is_zeros_and_a_warning() -> None:
    result = CliRunner().invoke(
        cli, ["report", LOG, "--format", "json", "--since", "2026-04-01", "--until", "2026-04-02"]
    )
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert (data["input"]["out_of_period"], data["summary"]["sessions"]) == (9, 0)
    assert "warning: no hits in the period: all 9 lines are outside it" in result.stderr


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
