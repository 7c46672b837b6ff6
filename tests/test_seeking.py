"""Reading only the period's bytes gives the report of reading everything.

The sample log is in time order give or take a few seconds (merged workers); seeking is
switched on for it by lowering the size threshold, and each report is compared with the one
made with seeking switched off. The one difference: lines left unread count as
``out_of_period`` without being parsed, so a malformed line among them is not told apart.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import micromacro.report as report_module
from micromacro import seeking
from micromacro.cli import cli
from micromacro.inputs import FileParts

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = str(ROOT / "sample_logs" / "access.log")
GOALS = str(ROOT / "goals.example.yaml")


def report(log: str, *options: str) -> dict[str, object]:
    args = ["report", log, "--goals", GOALS, "--format", "json", "--quiet", *options]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def ranges(monkeypatch: pytest.MonkeyPatch) -> list[FileParts | None]:
    """Seeking on for small files; the ranges it chose, in call order."""
    monkeypatch.setattr(seeking, "MIN_SEEK_BYTES", 0)
    chosen: list[FileParts | None] = []

    def spy(*args: object) -> FileParts | None:
        part = seeking.period_parts(*args)  # type: ignore[arg-type]
        chosen.append(part)
        return part

    monkeypatch.setattr(report_module, "period_parts", spy)
    return chosen


def without_seeking(monkeypatch: pytest.MonkeyPatch, log: str, *options: str) -> dict[str, object]:
    with monkeypatch.context() as patch:
        patch.setattr(report_module, "period_parts", lambda *args: None)
        return report(log, *options)


@pytest.mark.parametrize(
    "period",
    [
        ("--since", "2026-11-04", "--until", "2026-11-04"),
        ("--since", "2026-11-02", "--until", "2026-11-02"),
        ("--since", "2026-11-08", "--until", "2026-11-08"),
        ("--since", "2026-11-05T13:00", "--until", "2026-11-05T13:30"),
        (
            "--since",
            "2026-11-07",
        ),
        (
            "--until",
            "2026-11-03",
        ),
        (
            "--since",
            "2026-12-01",
        ),
    ],
)
def test_the_period_read_by_seeking_is_the_period_read_whole(
    monkeypatch: pytest.MonkeyPatch, ranges: list[FileParts | None], period: tuple[str, ...]
) -> None:
    seeked = report(SAMPLE, *period)
    (part,) = ranges
    assert part is not None
    assert part.skipped_lines > 0
    assert_same_report(seeked, without_seeking(monkeypatch, SAMPLE, *period))


@pytest.mark.parametrize(
    ("period", "stretches"),
    [
        # The day before touches the day: one stretch for both.
        (("--since", "2026-11-06", "--until", "2026-11-06", "--compare", "previous"), 1),
        # Four days apart: two stretches, the days between are not read.
        (
            (
                "--since",
                "2026-11-06",
                "--until",
                "2026-11-06",
                "--compare",
                "2026-11-02..2026-11-02",
            ),
            2,
        ),
    ],
)
def test_a_compared_period_is_read_in_its_own_stretch(
    monkeypatch: pytest.MonkeyPatch,
    ranges: list[FileParts | None],
    period: tuple[str, ...],
    stretches: int,
) -> None:
    seeked = report(SAMPLE, *period)
    (part,) = ranges
    assert part is not None
    assert len(part.ranges) == stretches
    whole = without_seeking(monkeypatch, SAMPLE, *period)
    assert_same_report(seeked.pop("previous"), whole.pop("previous"))  # type: ignore[arg-type]
    assert_same_report(seeked, whole)


def assert_same_report(seeked: dict[str, object], whole: dict[str, object]) -> None:
    """Equal but for malformed lines among the unread ones, counted as out of period."""
    assert {k: v for k, v in seeked.items() if k != "input"} == {
        k: v for k, v in whole.items() if k != "input"
    }
    seen, read = dict(seeked["input"]), dict(whole["input"])  # type: ignore[call-overload]
    unread_malformed = read.pop("malformed") - seen.pop("malformed")
    assert 0 <= unread_malformed <= 3  # the sample has three malformed lines
    assert seen.pop("out_of_period") == read.pop("out_of_period") + unread_malformed
    assert seen == read


def test_lines_out_of_time_order_are_read_whole(
    monkeypatch: pytest.MonkeyPatch, ranges: list[FileParts | None], tmp_path: Path
) -> None:
    lines = Path(SAMPLE).read_text().splitlines(keepends=True)
    random.Random(7).shuffle(lines)
    shuffled = tmp_path / "shuffled.log"
    shuffled.write_text("".join(lines))
    period = ("--since", "2026-11-04", "--until", "2026-11-04")
    seeked = report(str(shuffled), *period)
    assert ranges == [None]
    assert seeked == without_seeking(monkeypatch, str(shuffled), *period)


def test_line_numbers_stay_those_of_the_whole_file(ranges: list[FileParts | None]) -> None:
    # The sample's malformed line 4537 ("-", 8 Nov 14:16) is named by its line in the file.
    result = CliRunner().invoke(
        cli, ["report", SAMPLE, "--since", "2026-11-08", "--until", "2026-11-08"]
    )
    assert "access.log:4537: malformed line" in result.stderr
    assert ranges[0] is not None
    assert ranges[0].first_line > 1


@settings(max_examples=200, deadline=None)
@given(
    data=st.binary(max_size=300).map(lambda b: b.replace(b"x", b"\n")),
    block=st.integers(min_value=1, max_value=40),
    bounds=st.tuples(st.integers(0, 320), st.integers(0, 320)),
)
def test_newlines_counts_any_byte_range(
    tmp_path_factory: pytest.TempPathFactory, data: bytes, block: int, bounds: tuple[int, int]
) -> None:
    path = tmp_path_factory.mktemp("count") / "f"
    path.write_bytes(data)
    start, end = sorted(bounds)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(seeking, "_COUNT_BLOCK", block)
        assert seeking._newlines(str(path), start, end) == data[start:end].count(b"\n")
