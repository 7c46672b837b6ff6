"""Reading only the period's bytes gives the report of reading everything.

The sample log is in time order give or take a few seconds (merged workers); seeking is
switched on for it by lowering the size threshold, and each report is compared with the one
made with seeking switched off: they are equal, the input summary too. Lines left unread count
as ``out_of_period`` without being parsed; a malformed, blank or comment line counts in its
bucket only between the first and the last line of the period in its file, on both paths.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import event, example, given, settings
from hypothesis import strategies as st

import micromacro.reading as reading_module
from micromacro import periods, seeking
from micromacro.cli import cli
from micromacro.goals_file import load_goals
from micromacro.line_chunks import FileParts, InputFile
from micromacro.logformats import COMBINED
from micromacro.periods import parse_period
from micromacro.report import ReportOptions, build_report

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

    monkeypatch.setattr(reading_module, "period_parts", spy)
    return chosen


def without_seeking(monkeypatch: pytest.MonkeyPatch, log: str, *options: str) -> dict[str, object]:
    with monkeypatch.context() as patch:
        patch.setattr(reading_module, "period_parts", lambda *args: None)
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
    """Equal in every field, the input summary's buckets included."""
    assert seeked == whole


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
def test_the_line_breaks_of_any_byte_range_are_counted(
    tmp_path_factory: pytest.TempPathFactory, data: bytes, block: int, bounds: tuple[int, int]
) -> None:
    path = tmp_path_factory.mktemp("count") / "f"
    path.write_bytes(data)
    start, end = sorted(bounds)
    with path.open("rb", buffering=0) as handle, pytest.MonkeyPatch.context() as patch:
        patch.setattr(seeking, "_COUNT_BLOCK", block)
        counted = seeking._Forward(handle, start, end).finish()
    assert counted == data[start:end].count(b"\n")


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 20),
    cuts=st.lists(st.integers(0, 199), min_size=2, max_size=6).map(sorted),
    shrinks=st.booleans(),
)
def test_the_unread_gaps_have_the_line_breaks_of_their_bytes(
    tmp_path_factory: pytest.TempPathFactory, seed: int, cuts: list[int], shrinks: bool
) -> None:
    """Whatever the stretches; a file shorter than the size the search read is counted as far
    as it goes."""
    lines = generated_log(seed, 200)
    log = tmp_path_factory.mktemp("gaps") / "access.log"
    log.write_bytes(b"".join(lines))
    starts = [sum(len(line) for line in lines[:n]) for n in range(len(lines) + 1)]
    stretches = seeking._merged(
        [
            seeking._Stretch(starts[a], starts[b], None, None)
            for a, b in zip(cuts[::2], cuts[1::2], strict=False)
        ]
    )
    size = starts[-1] + (1 if shrinks else 0)  # a size the file no longer has
    data = log.read_bytes()
    expected, read_to = [], 0
    for stretch in [*stretches, seeking._Stretch(size, size, None, None)]:
        expected.append(data[read_to : max(read_to, stretch.start)].count(b"\n"))
        read_to = stretch.end
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(seeking, "_COUNT_BLOCK", 1000)  # blocks that end inside lines
        file = InputFile(str(log), str(log), size)
        assert seeking._unread_breaks(file, COMBINED, stretches) == expected


# --- seeking that cannot lose a line ------------------------------------------------------------

GOALS_CONFIG = load_goals(GOALS)
_FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
_REQUESTS = [
    ("GET", "/", 200),
    ("GET", "/products/trail-runner", 200),
    ("POST", "/cart/add/7", 303),
    ("GET", "/cart", 200),
    ("GET", "/checkout", 200),
    ("GET", "/checkout/payment", 200),
    ("GET", "/checkout/thank-you", 200),
    ("POST", "/contact", 303),
    ("POST", "/newsletter", 303),
    ("GET", "/downloads/size-guide.pdf", 200),
    ("GET", "/static/app.css", 200),
    ("GET", "/missing", 404),
]


def generated_log(seed: int, count: int) -> list[bytes]:
    """``count`` combined lines in time order from 2 Nov 2026 00:00 (+0100), 1 to 15 minutes
    apart (about two days and a half for 400 lines), from a dozen visitors."""
    rng = random.Random(seed)
    moment = datetime(2026, 11, 2, tzinfo=timezone(timedelta(hours=1)))
    lines = []
    for _ in range(count):
        moment += timedelta(seconds=rng.randint(60, 900))
        method, path, status = rng.choice(_REQUESTS)
        ip = f"203.0.113.{rng.randint(1, 12)}"
        stamp = moment.strftime("%d/%b/%Y:%H:%M:%S %z")
        line = f'{ip} - - [{stamp}] "{method} {path} HTTP/1.1" {status} 512 "-" "{_FIREFOX}"\n'
        lines.append(line.encode())
    return lines


def moved(lines: list[bytes], start: int, length: int, to: int) -> list[bytes]:
    """``lines`` with ``length`` lines from ``start`` taken out and put back before line ``to``
    of what is left."""
    block = lines[start : start + length]
    rest = lines[:start] + lines[start + length :]
    return rest[:to] + block + rest[to:]


def options(path: Path, since: str, until: str) -> ReportOptions:
    return ReportOptions(inputs=(str(path),), goals=GOALS_CONFIG, since=since, until=until)


PERIODS = [
    ("2026-11-02", "2026-11-02"),
    ("2026-11-03", "2026-11-03"),
    ("2026-11-04", "2026-11-04"),
    ("2026-11-03T06:00", "2026-11-03T09:00"),
    ("2026-11-02T20:00", "2026-11-03T04:00"),
]


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    block=st.tuples(st.floats(0, 1), st.integers(1, 120), st.floats(0, 1)),
    period=st.sampled_from(PERIODS),
)
def test_moving_a_block_of_lines_never_changes_the_report(
    tmp_path_factory: pytest.TempPathFactory,
    seed: int,
    block: tuple[float, int, float],
    period: tuple[str, str],
) -> None:
    lines = generated_log(seed, 400)
    start, length, to = block
    first = int(start * (len(lines) - length))
    shuffled = moved(lines, first, length, int(to * (len(lines) - length)))
    log = tmp_path_factory.mktemp("moved") / "access.log"
    log.write_bytes(b"".join(shuffled))
    chosen: list[FileParts | None] = []
    with pytest.MonkeyPatch.context() as patch:
        # Seeking on for a 56 KB file, bisecting down to a kilobyte; three order probes, not 65
        # (which would see most moves in so small a file), so that the checks after them work.
        patch.setattr(seeking, "MIN_SEEK_BYTES", 0)
        patch.setattr(seeking, "_WINDOW", 1024)
        patch.setattr(seeking, "_ORDER_PROBES", 2)
        patch.setattr(reading_module, "period_parts", _spy(chosen))
        seeked = build_report(options(log, *period))
        patch.setattr(reading_module, "period_parts", lambda *args: None)
        whole = build_report(options(log, *period)).as_dict()
    warned = any("outside the times around it" in w for w in seeked.warnings)
    event("read whole" if chosen == [None] else "re-read whole" if warned else "seeked")
    for key in ("input", "summary", "goals", "funnels"):
        assert seeked.as_dict()[key] == whole[key], key


def _spy(chosen: list[FileParts | None]) -> Callable[..., FileParts | None]:
    def spy(*args: Any) -> FileParts | None:
        chosen.append(seeking.period_parts(*args))
        return chosen[-1]

    return spy


def _seek_small_files(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(seeking, "MIN_SEEK_BYTES", 0)
    monkeypatch.setattr(seeking, "_WINDOW", 1024)


def test_the_generated_log_in_order_is_seeked(
    monkeypatch: pytest.MonkeyPatch, ranges: list[FileParts | None], tmp_path: Path
) -> None:
    """The property above is no empty one: in order, the generated log is read in a stretch."""
    monkeypatch.setattr(seeking, "_WINDOW", 1024)
    log = tmp_path / "access.log"
    log.write_bytes(b"".join(generated_log(1, 400)))
    period = ("--since", "2026-11-03", "--until", "2026-11-03")
    seeked = report(str(log), *period)
    (part,) = ranges
    assert part is not None
    # Every line more than the margin outside the day is skipped, but for those in the last
    # window searched at either end: the search stops once its bracket is under a window.
    lines = generated_log(1, 400)
    local = timezone(timedelta(hours=1))
    since = datetime(2026, 11, 3, tzinfo=local) - seeking.MARGIN
    until = datetime(2026, 11, 4, tzinfo=local) + seeking.MARGIN
    outside = sum(not since <= _time_of(line) < until for line in lines)
    assert outside == 220
    per_window = 1024 // min(len(line) for line in lines) + 1
    assert outside - 2 * per_window <= part.skipped_lines <= outside
    assert seeked == without_seeking(monkeypatch, str(log), *period)


def _time_of(line: bytes) -> datetime:
    return datetime.strptime(line.split(b"[")[1][:26].decode(), "%d/%b/%Y:%H:%M:%S %z")


def test_the_unread_ends_are_found_past_windows_of_lines_without_a_time(
    monkeypatch: pytest.MonkeyPatch, ranges: list[FileParts | None], tmp_path: Path
) -> None:
    """The times of a seeked log's first and last lines with one are found however many lines
    without one (over several 1 KiB windows, a line longer than a window among them) lie
    before and after them."""
    monkeypatch.setattr(seeking, "_WINDOW", 1024)
    timeless = [b"# rotated\n", b"x" * 300 + b"\n"] * 6 + [b"y" * 3000 + b"\n"]
    lines = generated_log(1, 400)
    log = tmp_path / "access.log"
    log.write_bytes(b"".join([*timeless, *lines, *timeless]))
    report(str(log), "--since", "2026-11-03", "--until", "2026-11-03")
    (part,) = ranges
    assert part is not None
    first = datetime.strptime(lines[0].split(b"[")[1][:26].decode(), "%d/%b/%Y:%H:%M:%S %z")
    last = datetime.strptime(lines[-1].split(b"[")[1][:26].decode(), "%d/%b/%Y:%H:%M:%S %z")
    assert part.ends == (first, last)


def test_lines_of_the_period_moved_away_are_found_and_the_file_read_whole(
    monkeypatch: pytest.MonkeyPatch, ranges: list[FileParts | None], tmp_path: Path
) -> None:
    # The case, scaled down: lines of a day moved near the top, between the order
    # probes, where they used to be left unread.
    lines = generated_log(1, 4000)  # 22 days, 600 KB
    day = [i for i, line in enumerate(lines) if b"[09/Nov/2026:" in line]
    log = tmp_path / "access.log"
    log.write_bytes(b"".join(moved(lines, day[40], 20, 5)))
    period = ("--since", "2026-11-09", "--until", "2026-11-09")
    assert seeking.in_time_order(InputFile(str(log), str(log), log.stat().st_size), COMBINED)
    seeked = report(str(log), *period)
    assert ranges == [None]  # the check of the unread lines refused to seek
    whole = without_seeking(monkeypatch, str(log), *period)
    assert seeked == whole
    assert whole["input"]["lines"] - whole["input"]["out_of_period"] == len(day) == 191


def test_a_sparse_check_still_finds_a_block_twice_its_step(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Where the unread lines outnumber ``_SAMPLE_LINES``, one line every ``step`` bytes is
    checked: a block of misplaced lines twice that long always holds one."""
    monkeypatch.setattr(seeking, "MIN_SEEK_BYTES", 0)
    monkeypatch.setattr(seeking, "_SAMPLE_LINES", 200)  # 2.9 KB apart: one line in 19
    lines = generated_log(2, 4000)
    day = [i for i, line in enumerate(lines) if b"[09/Nov/2026:" in line]
    log = tmp_path / "access.log"
    period = parse_period("2026-11-09", "2026-11-09", tz=timezone(timedelta(hours=1)))
    unseen_by_probes = 0
    for to in range(100, 3700, 97):
        if day[0] - 60 < to < day[-1] + 60:
            continue  # in or near the day's stretch: nothing to lose
        log.write_bytes(b"".join(moved(lines, day[10], 40, to)))
        file = InputFile(str(log), str(log), log.stat().st_size)
        if not seeking.in_time_order(file, COMBINED):
            continue  # a probe fell in the block
        unseen_by_probes += 1
        assert seeking.period_parts(file, COMBINED, [period]) is None, to
    assert unseen_by_probes == 10


def test_a_line_out_of_its_stretch_is_warned_about_and_the_file_read_whole(
    monkeypatch: pytest.MonkeyPatch, ranges: list[FileParts | None], tmp_path: Path
) -> None:
    # Lines of 2 Nov moved into the middle of 9 Nov, between the order probes: the unread lines
    # are in order, the stretch is not.
    lines = generated_log(1, 4000)
    day = [i for i, line in enumerate(lines) if b"[09/Nov/2026:" in line]
    shuffled = moved(lines, 5, 3, day[len(day) // 2] - 3)
    log = tmp_path / "access.log"
    log.write_bytes(b"".join(shuffled))
    period = ("--since", "2026-11-09", "--until", "2026-11-09")
    args = ["report", str(log), "--goals", GOALS, "--format", "json", *period]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.stderr
    assert ranges[0] is not None  # it was seeked
    line_no = shuffled.index(lines[5]) + 1
    assert (
        f"micromacro: warning: {log}:{line_no}: a line of 2026-11-01T23:44:59Z lies outside the "
        "times around it (the log is not in time order): read the whole file instead of the "
        "period's stretch\n"
    ) in result.stderr
    # Read whole, it was kept in the hit cache: the next run reads the entry, and seeks nothing.
    again = CliRunner().invoke(cli, args)
    assert again.stdout == result.stdout
    assert len(ranges) == 1
    assert "not in time order" not in again.stderr
    assert json.loads(result.stdout) == without_seeking(monkeypatch, str(log), *period)


def test_every_line_near_a_stretch_is_checked_and_one_per_step_between(tmp_path: Path) -> None:
    data = b"".join(b"%04d\n" % i for i in range(1000))  # 5 bytes a line
    path = tmp_path / "lines"
    path.write_bytes(data)
    with path.open("rb", buffering=0) as handle, pytest.MonkeyPatch.context() as patch:
        patch.setattr(seeking, "_WINDOW", 50)  # 10 lines at either end
        source = seeking._Forward(handle, 100, 4000)
        sampled = seeking._sampled_lines(source, 100, 4000, 500)
    numbers = [int(line) for line in sampled]
    assert numbers == [*range(20, 30), *range(129, 730, 100), *range(790, 800)]


@settings(max_examples=200, deadline=None)
@given(
    data=st.lists(st.sampled_from([b"a", b"bcd" * 7, b"\n"]), max_size=80).map(b"".join),
    window=st.integers(1, 40),
)
def test_with_a_step_of_one_byte_every_line_is_sampled(
    tmp_path_factory: pytest.TempPathFactory, data: bytes, window: int
) -> None:
    path = tmp_path_factory.mktemp("sample") / "f"
    path.write_bytes(data)
    with path.open("rb", buffering=0) as handle, pytest.MonkeyPatch.context() as patch:
        patch.setattr(seeking, "_WINDOW", window)
        patch.setattr(seeking, "_COUNT_BLOCK", 3)
        source = seeking._Forward(handle, 0, len(data))
        sampled = seeking._sampled_lines(source, 0, len(data), 1)
    lines = data.split(b"\n")
    if data.endswith(b"\n") or not data:
        lines.pop()
    assert sampled == [line for line in lines if len(line) <= window]


def _reference_samples(data: bytes, start: int, end: int, step: int, window: int) -> list[bytes]:
    """The lines ``_sampled_lines`` takes from ``data[start:end]``, by the rule: every line
    starting within ``window`` bytes of either end; between them, after a line taken, the first
    line starting at or after ``step`` bytes past its start; lines longer than ``window`` left
    out of what is returned."""
    region = data[start:end]
    lines, at = [], start
    for text in region.split(b"\n"):
        lines.append((at, text, min(at + len(text) + 1, end)))
        at += len(text) + 1
    if not region or region.endswith(b"\n"):
        lines.pop()  # what follows the last break is no line
    taken, wanted = [], start
    for line_start, text, following in lines:
        if line_start < wanted:
            continue
        if len(text) <= window:
            taken.append(text)
        near_an_end = following < start + window or following >= end - window
        wanted = following if near_an_end else min(line_start + step, end - window)
    return taken


@settings(max_examples=300, deadline=None)
@given(
    data=st.lists(st.sampled_from([b"a", b"bcd" * 7, b"\n", b"\n\n"]), max_size=120).map(b"".join),
    start=st.integers(0, 200),
    length=st.integers(0, 400),
    step=st.integers(1, 60),
    window=st.integers(1, 40),
    block=st.integers(1, 50),
)
def test_one_pass_samples_and_counts_as_the_rule_says(
    tmp_path_factory: pytest.TempPathFactory,
    data: bytes,
    start: int,
    length: int,
    step: int,
    window: int,
    block: int,
) -> None:
    # A byte range starting at a line start, read in blocks of any size.
    start = min(start, len(data))
    start = 0 if start == 0 else data.rfind(b"\n", 0, start) + 1
    end = min(start + length, len(data))
    path = tmp_path_factory.mktemp("pass") / "f"
    path.write_bytes(data)
    with path.open("rb", buffering=0) as handle, pytest.MonkeyPatch.context() as patch:
        patch.setattr(seeking, "_WINDOW", window)
        patch.setattr(seeking, "_COUNT_BLOCK", block)
        source = seeking._Forward(handle, start, end)
        sampled = seeking._sampled_lines(source, start, end, step)
        counted = source.finish()
    assert sampled == _reference_samples(data, start, end, step, window)
    assert counted == data[start:end].count(b"\n")


# --- one count of malformed lines, whether seeked or read whole ---------------------------------

# Lines with no time in any period: blank, a comment, text that is no request, a line cut short,
# a time out of range, a line too long for --max-line-bytes 400.
_NOISE = [
    b"\n",
    b"# rotated by logrotate\n",
    b"no request here\n",
    b'203.0.113.9 - - [02/Nov/2026:10:00:00 +0100] "GET /cut\n',
    b'203.0.113.9 - - [01/Jan/0001:00:00:00 +0100] "GET / HTTP/1.1" 200 5 "-" "curl/8.5.0"\n',
    b"x" * 500 + b"\n",
]
_SINCE = [None, "2026-11-02T20:00", "2026-11-03", "2026-11-03T06:00", "2026-11-04T12:00"]
_UNTIL = [None, "2026-11-03", "2026-11-03T09:00", "2026-11-04", "2026-11-02"]


@settings(max_examples=20, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    noise=st.lists(st.tuples(st.floats(0, 1), st.sampled_from(_NOISE)), max_size=40),
    since=st.sampled_from(_SINCE),
    until=st.sampled_from(_UNTIL),
    compare=st.booleans(),
)
# An empty period: its message names where the log lies in time, unread ends included.
@example(seed=0, noise=[], since="2026-11-04T12:00", until=None, compare=False)
# Lines without a time fill the first window: the log's first time lies beyond it.
@example(seed=0, noise=[(0.0, _NOISE[-1])] * 2, since="2026-11-04T12:00", until=None, compare=False)
def test_seeking_on_and_off_give_the_same_json_and_messages(
    tmp_path_factory: pytest.TempPathFactory,
    seed: int,
    noise: list[tuple[float, bytes]],
    since: str | None,
    until: str | None,
    compare: bool,
) -> None:
    """Every field of the JSON output, and stderr, are the same with seeking forced on and off,
    whatever lines without a time lie wherever in the log."""
    lines = generated_log(seed, 400)
    for where, line in noise:
        lines.insert(int(where * len(lines)), line)
    log = tmp_path_factory.mktemp("noisy") / "access.log"
    log.write_bytes(b"".join(lines))
    period = [*(["--since", since] if since else []), *(["--until", until] if until else [])]
    if compare and since:
        period += ["--compare", "previous"]
    args = ["report", str(log), "--goals", GOALS, "--format", "json", "--max-line-bytes", "400"]
    chosen: list[FileParts | None] = []
    with pytest.MonkeyPatch.context() as patch:
        # An open end is now: the same now for both runs (after the log's two days and a half).
        patch.setattr(periods, "clock", lambda: datetime(2026, 11, 5, tzinfo=UTC))
        patch.setattr(seeking, "MIN_SEEK_BYTES", 0)
        patch.setattr(seeking, "_WINDOW", 1024)
        patch.setattr(reading_module, "period_parts", _spy(chosen))
        seeked = CliRunner().invoke(cli, [*args, *period])
        patch.setattr(reading_module, "period_parts", lambda *args: None)
        whole = CliRunner().invoke(cli, [*args, *period])
    event("seeked" if any(chosen) else "read whole")
    assert (seeked.exit_code, seeked.stderr) == (whole.exit_code, whole.stderr)
    if whole.exit_code == 0:
        assert json.loads(seeked.stdout) == json.loads(whole.stdout)


def test_a_noisy_log_is_seeked_and_counts_its_malformed_lines_alike(
    monkeypatch: pytest.MonkeyPatch, ranges: list[FileParts | None], tmp_path: Path
) -> None:
    """The property above seeks: here a malformed line sits on each side of the day's lines
    and one inside them; the two outside count as out of the period either way."""
    monkeypatch.setattr(seeking, "_WINDOW", 1024)
    lines = generated_log(1, 400)
    day = [i for i, line in enumerate(lines) if b"[03/Nov/2026:" in line]
    # Inserted from the end, so that the earlier positions still hold.
    for at in (day[-1] + 3, day[len(day) // 2], day[0] - 3):
        lines.insert(at, b"no request here\n")
    log = tmp_path / "access.log"
    log.write_bytes(b"".join(lines))
    period = ("--since", "2026-11-03", "--until", "2026-11-03")
    seeked = report(str(log), *period)
    (part,) = ranges
    assert part is not None
    assert part.skipped_lines > 0
    assert seeked == without_seeking(monkeypatch, str(log), *period)
    assert seeked["input"]["malformed"] == 1  # type: ignore[index]
    assert seeked["input"]["lines"] == 403  # type: ignore[index]


# Bytes that make a line reader stumble: breaks, carriage returns, quotes, separators, a
# byte-order mark, NUL, bytes that are not UTF-8, and the starts of compressed streams.
_AWKWARD = st.sampled_from(
    [b"\n", b"\r", b"\r\n", b"\n\n", b'"', b"'", b",", b"\t", b"\x1f", b"#", b"\x00", b"\xff"]
)
_COMPRESSED = [
    b"\x1f\x8b",
    b"x\x01",
    b"x^",
    b"x\x9c",
    b"x\xda",
    b"(\xb5/\xfd",
    b"BZh",
    b"PK\x03\x04",
]
_TEXT = st.binary(max_size=12)
_PIECES = st.lists(
    st.one_of(_AWKWARD, _TEXT, st.just(b"\xef\xbb\xbf"), st.sampled_from(_COMPRESSED)),
    max_size=60,
)


@given(pieces=_PIECES)
@example(pieces=[b"\xef\xbb\xbf"])
@example(pieces=[b"\xef\xbb\xbf", b"\n"])
@example(pieces=[b"a", b"\n", b"\r"])
@example(pieces=[b"x^", b"\n", b"\n"])
@example(pieces=[b"x\x01", b"\xef\xbb\xbf", b"\n"])
def test_line_breaks_are_those_bytes_count_counts(pieces: list[bytes]) -> None:
    """Polars' count of a block's lines, whatever the block holds, is its line breaks."""
    data = b"".join(pieces)
    assert seeking.line_breaks(data) == data.count(b"\n")


def test_line_breaks_of_a_block_counted_on_several_cores() -> None:
    """A block large enough for Polars to count in pieces: the same count."""
    chooser = random.Random(7)
    lines = [
        b'"' * chooser.randrange(3) + b"x" * chooser.randrange(200) + chooser.choice([b"\r", b""])
        for _ in range(60_000)
    ]
    data = b"\n".join(lines) + b"\xff partial"
    assert seeking.line_breaks(data) == data.count(b"\n") == 59_999


@pytest.mark.parametrize("start", _COMPRESSED)
def test_line_breaks_of_a_block_that_starts_as_a_compressed_stream(start: bytes) -> None:
    data = start + b"GET /x^2 HTTP/1.1\n" * 3 + b"partial"
    assert seeking.line_breaks(data) == 3
