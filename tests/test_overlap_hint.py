"""Overlapping inputs: when two inputs hold the same counted lines (a rotated copy that overlaps
the live file), the hits are counted twice; a warning says so and suggests ``--dedupe``.

The logs are built by hand: ``access.log.1`` holds pages 1 to 64 (one a minute from 09:00 UTC),
``access.log`` pages 33 to 96, so 32 lines (09:32 to 10:03) are in both.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

import micromacro.overlapping_inputs as overlapping_inputs
from micromacro.cli import cli
from micromacro.overlapping_inputs import SAMPLE_HASH, OverlapSample
from tests.helpers import FIREFOX, GOOGLEBOT, combined_line

WARNING = (
    "micromacro: warning: {old} and {new} overlap (2026-11-02T09:32:00Z to 2026-11-02T10:03:00Z) "
    "and hold the same lines (about {shared} of the counted ones, from a sample of one in "
    "{every}): each copy is counted; --dedupe counts a line found in an earlier input once\n"
)


def page(number: int, agent: str = FIREFOX) -> str:
    hour, minute = divmod(9 * 60 + number - 1, 60)
    time = f"02/Nov/2026:{hour:02d}:{minute:02d}:00 +0000"
    return combined_line(f"/p/{number}", ip=f"203.0.113.{number % 50}", time=time, agent=agent)


def write(path: Path, lines: list[str]) -> str:
    path.write_text("".join(line + "\n" for line in lines))
    return str(path)


@pytest.fixture
def logs(tmp_path: Path) -> tuple[str, str]:
    old = write(tmp_path / "access.log.1", [page(n) for n in range(1, 65)])
    new = write(tmp_path / "access.log", [page(n) for n in range(33, 97)])
    return old, new


def run(*args: str) -> tuple[int, dict[str, object], str]:
    result = CliRunner().invoke(cli, ["report", *args, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    return result.exit_code, json.loads(result.stdout), result.stderr


def test_every_shared_line_sampled(logs: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(overlapping_inputs, "_OVERLAP_SAMPLE", 1)
    old, new = logs
    # Named newest first: read oldest first, and named in that order.
    _, report, err = run(new, old)
    assert WARNING.format(old=old, new=new, shared=32, every=1) in err
    assert report["summary"]["pageviews"] == 128  # type: ignore[index]


def test_a_sample_finds_the_overlap(logs: tuple[str, str]) -> None:
    # One line in 16, by hash: which of the 32 are sampled depends on the hash, not their order.
    _, _, err = run(*logs)
    assert f"warning: {logs[0]} and {logs[1]} overlap (2026-11-02T09:32:00Z to " in err
    assert "from a sample of one in 16): each copy is counted; --dedupe counts" in err


def test_dedupe_is_quiet_and_counts_each_line_once(logs: tuple[str, str]) -> None:
    _, report, err = run(*logs, "--dedupe")
    assert "overlap" not in err
    assert report["summary"]["pageviews"] == 96  # type: ignore[index]
    assert report["input"]["duplicate"] == 32  # type: ignore[index]


def test_inputs_of_the_same_hours_without_shared_lines_are_no_overlap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two servers behind one load balancer: the same hours, different lines."""
    monkeypatch.setattr(overlapping_inputs, "_OVERLAP_SAMPLE", 1)
    one = write(tmp_path / "web1.log", [page(n) for n in range(1, 65, 2)])
    two = write(tmp_path / "web2.log", [page(n) for n in range(2, 65, 2)])
    _, report, err = run(one, two)
    assert "overlap" not in err
    assert report["summary"]["pageviews"] == 64  # type: ignore[index]


def test_shared_lines_that_are_not_counted_are_no_overlap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crawler's identical lines in both inputs do not change a figure: no warning."""
    monkeypatch.setattr(overlapping_inputs, "_OVERLAP_SAMPLE", 1)
    bot = [page(n, GOOGLEBOT) for n in range(1, 9)]
    one = write(tmp_path / "web1.log", [*bot, *(page(n) for n in range(10, 20))])
    two = write(tmp_path / "web2.log", [*bot, *(page(n) for n in range(20, 30))])
    _, report, err = run(one, two)
    assert "overlap" not in err
    assert report["input"]["bot"] == 16  # type: ignore[index]


def test_quiet_keeps_it_off_stderr(logs: tuple[str, str]) -> None:
    result = CliRunner().invoke(cli, ["report", *logs, "--quiet"])
    assert result.exit_code == 0
    assert result.stderr == ""


def test_the_estimate_is_never_more_than_the_lines_counted() -> None:
    # Three lines in each of two copies, all three in the sample (their sample hashes are
    # given, as the hit cache gives them): 3 × 16 would be 48 shared lines, of 3 counted.
    times = [datetime(2026, 11, 2, 9, minute, tzinfo=UTC) for minute in range(3)]
    sample = OverlapSample()
    for name in ("a.log", "b.log"):
        sample.add(
            pl.DataFrame(
                {"source_file": [name] * 3, "ts": times, SAMPLE_HASH: [16, 32, 48]},
                schema_overrides={SAMPLE_HASH: pl.UInt64},
            )
        )
    (warning,) = sample.warnings(["a.log", "b.log"])
    assert "hold the same lines (about 3 of the counted ones, from a sample of one in 16)" in (
        warning
    )
