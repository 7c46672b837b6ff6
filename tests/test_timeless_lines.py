"""Lines without a time in a period report: a malformed, blank or comment line counts in its
bucket when it lies between the first and the last line of its file with a time in the period
(an open end of the period reaching the file's start or end), and as ``out_of_period`` elsewhere.
The same rule holds when the file is seeked (``tests/test_seeking.py`` checks the two agree).

The log below, in +01:00, is counted by hand for each period.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from micromacro.cli import cli
from tests.helpers import combined_line
from tests.test_seeking import generated_log

LINES = [
    combined_line("/1", ip="203.0.113.1", time="02/Nov/2026:23:00:00 +0100"),  # 1: 2 Nov
    "no request here",  # 2
    combined_line("/3", ip="203.0.113.3", time="03/Nov/2026:00:10:00 +0100"),  # 3: 3 Nov
    "",  # 4: blank
    "no request here either",  # 5
    combined_line("/6", ip="203.0.113.6", time="03/Nov/2026:23:50:00 +0100"),  # 6: 3 Nov
    "still no request",  # 7
    combined_line("/8", ip="203.0.113.8", time="04/Nov/2026:00:05:00 +0100"),  # 8: 4 Nov
    "# a comment",  # 9
]


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "access.log"
    path.write_text("".join(line + "\n" for line in LINES))
    return path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def counts(log: Path, *period: str) -> dict[str, int]:
    code, out, err = run("report", str(log), "--format", "json", *period)
    assert code == 0, err
    summary = json.loads(out)["input"]
    keys = ("page", "malformed", "comment", "out_of_period")
    return {key: summary[key] for key in keys if summary.get(key)}


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        # No period: every line in its bucket.
        ((), {"page": 4, "malformed": 3, "comment": 2}),
        # 3 Nov: the period's lines are 3 and 6; 4 and 5 lie between them. Out: 1, 2, 7, 8, 9.
        (
            ("--since", "2026-11-03", "--until", "2026-11-03"),
            {"page": 2, "malformed": 1, "comment": 1, "out_of_period": 5},
        ),
        # From 3 Nov on: lines 3, 6, 8; the open end reaches the file's end. Out: 1, 2.
        (
            ("--since", "2026-11-03"),
            {"page": 3, "malformed": 2, "comment": 2, "out_of_period": 2},
        ),
        # Up to the end of 3 Nov: lines 1, 3, 6, from the file's start. Out: 7, 8, 9.
        (
            ("--until", "2026-11-03"),
            {"page": 3, "malformed": 2, "comment": 1, "out_of_period": 3},
        ),
        # 4 Nov: line 8 alone; nothing lies between it and itself. Out: all but 8.
        (("--since", "2026-11-04", "--until", "2026-11-04"), {"page": 1, "out_of_period": 8}),
        # No line in the period: every line is out of it.
        (("--since", "2026-11-05"), {"out_of_period": 9}),
    ],
)
def test_timeless_lines_count_by_position(
    log: Path, period: tuple[str, ...], expected: dict[str, int]
) -> None:
    assert counts(log, *period) == expected


def test_hits_shows_the_same_buckets(log: Path) -> None:
    code, out, err = run(
        "hits", str(log), "--format", "ndjson", "--since", "2026-11-03", "--until", "2026-11-03"
    )
    assert code == 0, err
    buckets = [json.loads(line)["bucket"] for line in out.splitlines()]
    assert buckets == [
        "out_of_period", "out_of_period", "page", "comment", "malformed", "page",
        "out_of_period", "out_of_period", "out_of_period",
    ]  # fmt: skip


def test_compare_places_each_periods_lines_alike(log: Path) -> None:
    args = ["--since", "2026-11-03", "--until", "2026-11-03", "--compare", "previous"]
    code, out, err = run("report", str(log), "--format", "json", *args)
    assert code == 0, err
    report = json.loads(out)
    current, previous = report["input"], report["previous"]["input"]
    assert (current["page"], current["malformed"], current["comment"]) == (2, 1, 1)
    assert current["out_of_period"] == 5
    # 2 Nov: line 1 alone.
    assert (previous["page"], previous["malformed"], previous["out_of_period"]) == (1, 0, 8)
    assert "comment" not in previous  # shown only when there are some


def test_only_the_periods_malformed_lines_are_named_and_fail_strict(log: Path) -> None:
    day = ("--since", "2026-11-03", "--until", "2026-11-03")
    code, _, err = run("report", str(log), *day)
    assert code == 0
    assert f"{log}:5: malformed line: no request here either" in err
    assert f"{log}:2: malformed" not in err
    assert f"{log}:7: malformed" not in err
    assert "1 malformed line skipped" in err
    code, _, err = run("report", str(log), *day, "--strict", "-q")
    assert code == 1
    assert err == f"micromacro: error: {log}:5: malformed line (1 in all; --strict allows none)\n"
    # 4 Nov has no malformed line of its own.
    assert (
        run("report", str(log), "--since", "2026-11-04", "--until", "2026-11-04", "--strict")[0]
        == 0
    )


def test_a_log_of_malformed_lines_is_still_an_error_with_a_period(tmp_path: Path) -> None:
    path = tmp_path / "junk.log"
    path.write_text("no request\nnor here\n")
    code, _, err = run("report", str(path), "--log-format", "combined", "--since", "2026-11-03")
    assert code == 1
    assert f"no line parses as combined format (first: {path}:1)" in err


# A week apart: 1 Nov (the earlier period of 8 Nov with ``--compare previous-week``), then six
# malformed lines on 2 Nov, between the two periods, then 8 Nov with a malformed line of its own.
WEEK = [
    combined_line("/1", ip="203.0.113.1", time="01/Nov/2026:10:00:00 +0100"),  # 1: 1 Nov
    combined_line("/2", ip="203.0.113.2", time="01/Nov/2026:11:00:00 +0100"),  # 2: 1 Nov
    combined_line("/3", ip="203.0.113.3", time="02/Nov/2026:10:00:00 +0100"),  # 3: 2 Nov
    *[f"junk between the periods {n}" for n in range(4, 10)],  # 4-9
    combined_line("/10", ip="203.0.113.10", time="02/Nov/2026:11:00:00 +0100"),  # 10: 2 Nov
    combined_line("/11", ip="203.0.113.11", time="08/Nov/2026:10:00:00 +0100"),  # 11: 8 Nov
    "junk in the period",  # 12
    combined_line("/13", ip="203.0.113.13", time="08/Nov/2026:11:00:00 +0100"),  # 13: 8 Nov
]
WEEK_COMPARED = ("--since", "2026-11-08", "--until", "2026-11-08", "--compare", "previous-week")


@pytest.fixture
def week(tmp_path: Path) -> Path:
    path = tmp_path / "week.log"
    path.write_text("".join(line + "\n" for line in WEEK))
    return path


@pytest.mark.parametrize("cache", ["no", "cold", "warm"])
def test_with_compare_the_periods_malformed_lines_are_named_past_those_between(
    week: Path, tmp_path: Path, cache: str
) -> None:
    caching = ["--no-cache"] if cache == "no" else ["--cache", str(tmp_path / "cache")]
    if cache == "warm":  # the entry of the whole file, written by a report of every time
        assert run("report", str(week), *caching)[0] == 0
    code, out, err = run("report", str(week), "--format", "json", *WEEK_COMPARED, *caching)
    assert code == 0, err
    assert f"{week}:12: malformed line: junk in the period" in err
    assert "malformed line: junk between" not in err  # (detection may quote one as a sample)
    assert "1 malformed line skipped" in err
    assert "variants read" not in err
    report = json.loads(out)
    assert report["input"]["malformed"] == 1
    assert report["previous"]["input"].get("malformed", 0) == 0  # 4-9 lie after 1 Nov's lines
    code, _, err = run("report", str(week), *WEEK_COMPARED, *caching, "--strict", "-q")
    assert code == 1
    assert err == f"micromacro: error: {week}:12: malformed line (1 in all; --strict allows none)\n"


@pytest.mark.parametrize("cache", ["no", "warm"])
def test_with_compare_the_warnings_quote_and_count_the_reports_own_lines(
    tmp_path: Path, cache: str
) -> None:
    path = tmp_path / "fields.log"
    lines = [
        combined_line("/1", time="01/Nov/2026:10:00:00 +0100"),  # 1: the earlier period
        combined_line("/2", time="02/Nov/2026:10:00:00 +0100") + " rt=0.004 between",  # 2
        combined_line("/3", time="08/Nov/2026:10:00:00 +0100"),  # 3: 8 Nov
        combined_line("/4", time="08/Nov/2026:10:05:00 +0100") + " rt=0.004 within",  # 4
        combined_line("/5", time="08/Nov/2026:10:06:00 +0100"),  # 5
    ]
    path.write_text("".join(line + "\n" for line in lines))
    caching = ["--no-cache"] if cache == "no" else ["--cache", str(tmp_path / "cache")]
    if cache == "warm":
        assert run("report", str(path), *caching)[0] == 0
    code, out, err = run("report", str(path), "--format", "json", *WEEK_COMPARED, *caching)
    assert code == 0, err
    assert "variants read: combined 2, combined+fields 1\n" in err  # lines 3-5, not line 2
    assert f"1 line ends with fields left unread (combined+fields), first {path}:4: " in err
    assert json.loads(out)["input"]["variants"] == {"combined": 2, "combined+fields": 1}
    code, _, err = run("report", str(path), *WEEK_COMPARED, *caching, "--strict", "-q")
    assert code == 1
    assert err.startswith(f"micromacro: error: {path}:4: fields left unread at the end of")


# Lines that messages name or count apart: malformed, blank, a comment, fields left unread.
_ODD = [
    "no request here",
    "",
    "# a comment",
    combined_line("/odd", time="03/Nov/2026:12:00:00 +0100") + " rt=0.004",
]
_DAYS = ["2026-11-02", "2026-11-03", "2026-11-04"]


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    odd=st.lists(st.tuples(st.floats(0, 1), st.sampled_from(_ODD)), max_size=30),
    day=st.sampled_from(_DAYS),
    compare=st.sampled_from(["previous", "2026-11-02..2026-11-02", "2026-11-01..2026-11-02"]),
    cache=st.booleans(),
)
def test_the_reports_own_period_reads_alike_with_or_without_compare(
    tmp_path_factory: pytest.TempPathFactory,
    seed: int,
    odd: list[tuple[float, str]],
    day: str,
    compare: str,
    cache: bool,
) -> None:
    """What the report says of its own period (the input summary, the notes and warnings, and
    whether ``--strict`` lets it pass) does not depend on the period it is compared with."""
    lines = [line.decode().rstrip("\n") for line in generated_log(seed, 400)]
    for where, line in odd:
        lines.insert(int(where * len(lines)), line)
    folder = tmp_path_factory.mktemp("compare")
    log = folder / "access.log"
    log.write_text("".join(line + "\n" for line in lines))
    caching = ["--cache", str(folder / "cache")] if cache else ["--no-cache"]
    if cache:  # the entry of the whole file, then every run reads it
        assert run("report", str(log), *caching)[0] == 0
    period = ["--since", day, "--until", day]
    alone = run("report", str(log), "--format", "json", *period, *caching)
    compared = run("report", str(log), "--format", "json", *period, "--compare", compare, *caching)
    assert alone[0] == compared[0] == 0

    def own(stderr: str) -> list[str]:
        return [line for line in stderr.splitlines() if "comparison period" not in line]

    assert own(compared[2]) == own(alone[2])
    assert json.loads(compared[1])["input"] == json.loads(alone[1])["input"]
    strict = run("report", str(log), *period, "--strict", "-q", *caching)
    strict_compared = run(
        "report", str(log), *period, "--compare", compare, "--strict", "-q", *caching
    )
    assert strict_compared[::2] == strict[::2]
