"""A live log's half-written last line (README: Running it from cron).

A report run on the log a server is still appending to often finds its last line half written,
with no line break after it yet. Such a line is malformed as any (its bucket, the counts and the
exit codes are those of any malformed line), and wherever it is named it says that it is the
last, with no line break after it: "still being written?" for a plain file or standard input, not
for a compressed file (no server appends to one). It says so however the file was read: whole,
from the hit cache, in the period's stretch, among other inputs; a line with a line break after
it, or a last line without one that parses, says nothing of the kind.
"""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from click.testing import CliRunner, Result

from micromacro import reading, seeking
from micromacro.cli import cli
from micromacro.inputs import Inputs
from micromacro.line_chunks import FileParts, InputFile, read_line_chunks
from tests.helpers import combined_line
from tests.test_hit_cache import Parses

STILL = "the last, with no line break after it: still being written?"
ENDED = "the last, with no line break after it"
CUT = "the last, with no line break after it: cut in two by copytruncate? its rest is"
# A line the server was writing when the run read it: cut in its request, no break after it.
HALF = '203.0.113.7 - - [02/Nov/2026:10:05:00 +0000] "GET /checkout HTT'
FIRST = combined_line("/a", time="02/Nov/2026:10:00:00 +0000")
SECOND = combined_line("/b", time="02/Nov/2026:10:01:00 +0000")


def run(*args: str, stdin: bytes | None = None) -> Result:
    return CliRunner().invoke(cli, ["report", *args, "--format", "json"], input=stdin)


def warnings(result: Result) -> list[str]:
    """The warnings on stderr, in order."""
    return [line for line in result.stderr.splitlines() if line.startswith("micromacro: warning:")]


def counts(result: Result) -> dict[str, int]:
    """The lines, the malformed ones and the pages of the JSON report's input summary."""
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)["input"]
    return {name: summary[name] for name in ("lines", "malformed", "page")}


def written(path: Path, *lines: str, end: str = "") -> str:
    """``path`` holding ``lines``, one line break between each, ``end`` after the last."""
    path.write_bytes(("\n".join(lines) + end).encode())
    return str(path)


def skipped(lines: int) -> str:
    plural = "line" if lines == 1 else "lines"
    return f"micromacro: warning: {lines} malformed {plural} skipped (counted in the input summary)"


def test_a_half_written_last_line_says_it_may_still_be_being_written(tmp_path: Path) -> None:
    log = written(tmp_path / "access.log", FIRST, HALF)
    result = run(log, "--no-cache")
    assert warnings(result) == [
        skipped(1),
        f"micromacro: warning: {log}:2: malformed line ({STILL}): {HALF}",
    ]
    assert counts(result) == {"lines": 2, "malformed": 1, "page": 1}


def test_strict_still_refuses_it_and_says_why(tmp_path: Path) -> None:
    log = written(tmp_path / "access.log", FIRST, HALF)
    result = run(log, "--no-cache", "--strict")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        f"micromacro: error: {log}:2: malformed line ({STILL}) (1 in all; --strict allows none)"
    )


def test_a_log_of_its_one_half_written_line_names_it_as_the_first(tmp_path: Path) -> None:
    log = written(tmp_path / "access.log", HALF)
    result = run(log, "--no-cache", "--log-format", "combined")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        f"micromacro: error: no line parses as combined format (first: {log}:1, {STILL}); "
        "check --log-format against the log's lines"
    )


@pytest.mark.parametrize(
    "lines",
    [
        [FIRST, HALF, SECOND],  # cut short, then the server went on: not its last line
        [FIRST, HALF + "\n"],  # the last, with its line break: written whole, broken
    ],
)
def test_a_malformed_line_with_a_line_break_after_it_says_nothing_of_it(
    tmp_path: Path, lines: list[str]
) -> None:
    log = written(tmp_path / "access.log", *lines)
    result = run(log, "--no-cache")
    assert warnings(result) == [skipped(1), f"micromacro: warning: {log}:2: malformed line: {HALF}"]


def test_a_last_line_without_a_line_break_that_parses_is_a_line_as_any(tmp_path: Path) -> None:
    log = written(tmp_path / "access.log", FIRST, SECOND)
    result = run(log, "--no-cache")
    assert warnings(result) == []
    assert counts(result) == {"lines": 2, "malformed": 0, "page": 2}


def test_it_says_so_when_read_from_the_hit_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = written(tmp_path / "access.log", FIRST, HALF)
    cache = str(tmp_path / "cache")
    expected = [skipped(1), f"micromacro: warning: {log}:2: malformed line ({STILL}): {HALF}"]
    assert warnings(run(log, "--cache", cache)) == expected  # read, and kept but the half line
    parses = Parses(monkeypatch)
    warm = run(log, "--cache", cache)
    assert parses.lines == 1  # the first from the cache, the half line read again
    assert warnings(warm) == expected
    assert counts(warm) == {"lines": 2, "malformed": 1, "page": 1}


def test_the_hit_cache_leaves_the_half_line_out_so_the_next_run_reads_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hourly run on the live log: the entry ends at the line break before the half line,
    so once the server has finished it and written more, only the new lines are parsed (not
    the whole file again), and the report is the one of a run without the cache."""
    path = tmp_path / "access.log"
    log = written(path, FIRST, SECOND, HALF)
    cache = str(tmp_path / "cache")
    run(log, "--cache", cache)
    with path.open("a") as handle:  # the half line finished, and one more
        handle.write('P/1.1" 200 512 "-" "Mozilla/5.0"\n' + FIRST + "\n")
    parses = Parses(monkeypatch)
    later = run(log, "--cache", cache)
    assert parses.lines == 2
    assert later.stdout == run(log, "--no-cache").stdout
    assert counts(later) == {"lines": 4, "malformed": 0, "page": 4}


def test_a_last_line_without_a_line_break_is_left_out_of_the_hit_cache_even_where_it_parses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A line cut where it still parses (a combined line cut after its size reads as common)
    may still be being written too: the entry ends at the line break before it, the next run
    on the file unchanged parses that one line again, and once it is written whole and more
    after it, the new lines."""
    path = tmp_path / "access.log"
    cut = FIRST[: FIRST.index('"', FIRST.index(" 200 ")) - 1]  # '… "GET /a HTTP/1.1" 200 5123'
    log = written(path, SECOND, cut)
    cache = str(tmp_path / "cache")
    assert counts(run(log, "--cache", cache)) == {"lines": 2, "malformed": 0, "page": 2}
    parses = Parses(monkeypatch)
    assert counts(run(log, "--cache", cache)) == {"lines": 2, "malformed": 0, "page": 2}
    assert parses.lines == 1
    with path.open("a") as handle:
        handle.write(FIRST[len(cut) :] + "\n" + FIRST + "\n")
    grown = run(log, "--cache", cache)
    assert parses.lines == 1 + 2
    assert grown.stdout == run(log, "--no-cache").stdout


@pytest.mark.parametrize("before", [[FIRST], []], ids=["after a line", "its only line"])
def test_an_unchanged_file_ending_without_a_line_break_keeps_its_entry(
    tmp_path: Path, before: list[str]
) -> None:
    """The entry of a file whose last line is left out is not written again while the file is
    unchanged (nothing new after the entry but that line), nor is the empty entry of a file
    holding nothing but that line."""
    log = written(tmp_path / "access.log", *before, HALF)
    cache = tmp_path / "cache"
    run(log, "--cache", str(cache), "--log-format", "combined")
    (entry,) = cache.glob("hits-*.parquet")
    inode = entry.stat().st_ino  # an entry is written anew to a file of its own, then renamed
    run(log, "--cache", str(cache), "--log-format", "combined")
    assert entry.stat().st_ino == inode


def test_a_cached_log_that_grew_a_half_written_line_says_so_then_counts_it_once_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "access.log"
    log = written(path, FIRST, end="\n")
    cache = str(tmp_path / "cache")
    assert counts(run(log, "--cache", cache)) == {"lines": 1, "malformed": 0, "page": 1}
    with path.open("a") as handle:
        handle.write(SECOND + "\n" + HALF)
    parses = Parses(monkeypatch)
    grown = run(log, "--cache", cache)
    assert parses.lines == 2  # the new lines only
    assert warnings(grown) == [
        skipped(1),
        f"micromacro: warning: {log}:3: malformed line ({STILL}): {HALF}",
    ]
    with path.open("a") as handle:
        handle.write('P/1.1" 200 512 "-" "Mozilla/5.0"\n')  # the server finished it
    finished = run(log, "--cache", cache)
    assert warnings(finished) == []
    assert counts(finished) == {"lines": 3, "malformed": 0, "page": 3}


def test_it_says_so_when_only_the_periods_stretch_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 600 lines a minute apart from 00:00 to 09:59, then the half-written line 601 at 10:00:30.
    start = datetime(2026, 11, 2, tzinfo=UTC)
    stamps = [(start + timedelta(minutes=n)).strftime("%d/%b/%Y:%H:%M:%S %z") for n in range(600)]
    half = HALF.replace("10:05:00", "10:00:30")
    log = written(
        tmp_path / "access.log",
        *(combined_line(f"/p{n}", time=t) for n, t in enumerate(stamps)),
        half,
    )
    monkeypatch.setattr(seeking, "MIN_SEEK_BYTES", 0)
    chosen: list[FileParts | None] = []
    find = seeking.period_parts

    def spy(*args: Any) -> FileParts | None:
        chosen.append(find(*args))
        return chosen[-1]

    monkeypatch.setattr(reading, "period_parts", spy)
    result = run(log, "--no-cache", "--since", "2026-11-02T09:00", "--tz", "UTC")
    (parts,) = chosen
    assert parts is not None  # read from about 08:50 on, to the end
    assert parts.skipped_lines > 0
    assert warnings(result) == [
        skipped(1),
        f"micromacro: warning: {log}:601: malformed line ({STILL}): {half}",
    ]
    # 09:00 to 09:59: 60 pages.
    assert counts(result) == {"lines": 601, "malformed": 1, "page": 60}


def test_it_says_so_of_standard_input(tmp_path: Path) -> None:
    result = run("-", "--no-cache", stdin=f"{FIRST}\n{HALF}".encode())
    assert warnings(result) == [
        skipped(1),
        f"micromacro: warning: <stdin>:2: malformed line ({STILL}): {HALF}",
    ]


def test_among_several_inputs_only_the_one_it_ends_says_so(tmp_path: Path) -> None:
    first = written(tmp_path / "a.log", FIRST, HALF)
    # Later lines: read second. A malformed line 2 too, and a last line that parses.
    later = [combined_line(f"/c{n}", time=f"02/Nov/2026:11:0{n}:00 +0000") for n in range(2)]
    second = written(tmp_path / "b.log", later[0], "-- garbage --", later[1])
    result = run(first, second, "--no-cache")
    assert warnings(result) == [
        skipped(2),
        f"micromacro: warning: {first}:2: malformed line ({STILL}): {HALF}",
        f"micromacro: warning: {second}:2: malformed line: -- garbage --",
    ]
    assert counts(result) == {"lines": 5, "malformed": 2, "page": 3}


def test_a_compressed_log_is_not_being_written_but_its_last_line_has_no_break(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "access.log.gz"
    log.write_bytes(gzip.compress(f"{FIRST}\n{HALF}".encode()))
    result = run(str(log), "--no-cache")
    assert warnings(result) == [
        skipped(1),
        f"micromacro: warning: {log}:2: malformed line ({ENDED}): {HALF}",
    ]
    strict = run(str(log), "--no-cache", "--strict")
    assert strict.exit_code == 1
    assert strict.stderr.splitlines()[-1] == (
        f"micromacro: error: {log}:2: malformed line ({ENDED}) (1 in all; --strict allows none)"
    )
    # Kept in the cache, and read from it: the same.
    cache = str(tmp_path / "cache")
    assert warnings(run(str(log), "--cache", cache)) == warnings(result)
    parses = Parses(monkeypatch)
    assert warnings(run(str(log), "--cache", cache)) == warnings(result)
    assert parses.lines == 0


def test_a_line_too_long_and_half_written_says_both(tmp_path: Path) -> None:
    long = HALF + "x" * 300  # 63 + 300 bytes
    log = written(tmp_path / "access.log", FIRST, long)
    result = run(log, "--no-cache", "--max-line-bytes", "200")
    # Its excerpt: its first 79 characters (the 63 of HALF, 16 x) and an ellipsis.
    assert warnings(result) == [
        skipped(1),
        f"micromacro: warning: {log}:2: malformed line (too long: 363 bytes; {STILL}): "
        f"{HALF}{'x' * 16}…",
    ]


@pytest.mark.parametrize("chunk_bytes", [16 << 20, 8])
@pytest.mark.parametrize(
    ("data", "unterminated"),
    [
        (b"one\ntwo", True),
        (b"one\ntwo\n", False),
        (b"one\n" + b"x" * 300, True),  # too long (over 100 bytes) too: its marker
        (b"one\n" + b"x" * 300 + b"\n", False),
    ],
)
def test_the_reader_marks_the_chunk_the_input_ends_in_without_a_line_break(
    tmp_path: Path, chunk_bytes: int, data: bytes, unterminated: bool
) -> None:
    path = tmp_path / "access.log"
    path.write_bytes(data)
    file = InputFile(str(path), str(path), len(data))
    chunks = list(read_line_chunks(file, pl.String(), chunk_bytes, max_line_bytes=100))
    # In one chunk, or (8 bytes) a line or two a chunk: only the last can be marked.
    assert [chunk.unterminated for chunk in chunks] == [False] * (len(chunks) - 1) + [unterminated]
    assert chunks[-1].last_line() == (str(path), 2)


@pytest.mark.parametrize("before", [b"", (FIRST + "\n").encode()])
def test_a_log_ending_in_a_byte_order_mark_alone_has_no_half_written_line(
    tmp_path: Path, before: bytes
) -> None:
    """A byte-order mark with nothing after it (a Windows writer's new log, files joined with
    ``cat``) is no line: there is none to mark, and the report is the lines before it."""
    log = tmp_path / "access.log"
    log.write_bytes(before + "\ufeff".encode())
    chunks = list(read_line_chunks(InputFile(str(log), str(log), log.stat().st_size), pl.String()))
    assert not any(chunk.unterminated for chunk in chunks)

    result = run(str(log), "--no-cache")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["input"]["page"] == (1 if before else 0)


def test_a_crashs_padding_as_the_last_line_is_not_being_written(tmp_path: Path) -> None:
    """NUL bytes a crash left, with no line break after them, are written no more."""
    log = written(tmp_path / "access.log", FIRST, "\0" * 8)
    assert warnings(run(log, "--no-cache")) == [
        skipped(1),
        f"micromacro: warning: {log}:2: malformed line (starts with 8 NUL bytes, the padding a "
        f"crash leaves in a log; {ENDED}): " + "\\x00" * 8,
    ]


def test_a_new_log_holding_only_its_half_written_first_line_beside_the_rotated_one(
    tmp_path: Path,
) -> None:
    """Right after a rotation (``access.log*``): the new log's only line is half written. It is
    not taken for a log of another format ("none of its first lines reads as …, report on it
    in a run of its own"): it is named as the half line it is."""
    rotated = written(tmp_path / "access.log.1", FIRST, SECOND, end="\n")
    log = written(tmp_path / "access.log", HALF)
    result = run(rotated, log, "--no-cache")
    assert warnings(result) == [
        skipped(1),
        f"micromacro: warning: {log}:1: malformed line ({STILL}): {HALF}",
    ]
    assert counts(result) == {"lines": 3, "malformed": 1, "page": 2}


def test_a_half_line_finished_between_two_samplings_is_still_no_log_of_another_format(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The new log's half line is sampled again (none of its lines reads), and the server
    finishes it in between: the sample kept is the first, with its half line, and so is what
    it notes of it."""
    rotated = written(tmp_path / "access.log.1", FIRST, SECOND, end="\n")
    path = tmp_path / "access.log"
    log = written(path, HALF)
    sample_lines = Inputs.sample_lines
    samplings = []

    def finishing(inputs: Inputs, *args: Any) -> Any:
        samplings.append(args)
        if len(samplings) == 2:
            with path.open("a") as handle:
                handle.write('P/1.1" 200 512 "-" "Mozilla/5.0"\n')
        return sample_lines(inputs, *args)

    monkeypatch.setattr(Inputs, "sample_lines", finishing)
    result = run(rotated, log, "--no-cache")
    assert len(samplings) >= 2
    assert warnings(result) == []
    assert counts(result) == {"lines": 3, "malformed": 0, "page": 3}


def test_the_sample_notes_the_line_an_input_ends_in_as_it_stands_when_sampled(
    tmp_path: Path,
) -> None:
    """Sampled again after the file grew (the longer sample of detection), an input's earlier
    unfinished line is forgotten: only the line it ends in now is noted."""
    path = tmp_path / "access.log"
    written(path, HALF)
    with Inputs([str(path)]) as inputs:
        list(inputs.sample_lines())
        assert inputs.unfinished == {str(path): 1}
        with path.open("a") as handle:
            handle.write('P/1.1" 200 512 "-" "Mozilla/5.0"\n' + HALF)
        list(inputs.sample_lines())
        assert inputs.unfinished == {str(path): 2}
        with path.open("a") as handle:
            handle.write('P/1.1" 200 512 "-" "Mozilla/5.0"\n')
        list(inputs.sample_lines())
        assert inputs.unfinished == {}


def test_a_compressed_log_of_one_cut_line_beside_others_is_still_of_another_format(
    tmp_path: Path,
) -> None:
    """No server appends to a ``.gz``: its one line, cut, is no log being written but a log the
    run's format does not read, and is warned of as such."""
    rotated = written(tmp_path / "access.log.1", FIRST, SECOND, end="\n")
    log = tmp_path / "access.log.2.gz"
    log.write_bytes(gzip.compress(HALF.encode()))
    assert warnings(run(rotated, str(log), "--no-cache")) == [
        f"micromacro: warning: {log}: its first line does not read as combined, the format "
        "found for the run's inputs, so its lines count as malformed; report on it in a run of "
        "its own",
        skipped(1),
        f"micromacro: warning: {log}:1: malformed line ({ENDED}): {HALF}",
    ]


def test_the_rest_of_a_line_cut_by_copytruncate_is_no_log_of_another_format(
    tmp_path: Path,
) -> None:
    """logrotate's ``copytruncate`` copies the live log and empties it while the server writes:
    the copy may end in the start of a line and the emptied log begin with its rest. That one
    line is malformed, not a sign that the log is of another format: the copy's last line
    followed by it reads as the format (the copy compressed too). A log of one line another
    format reads is still warned of, beside a live log ending mid-line too, as a compressed one
    (above) and a plain one of two."""
    rotated = written(tmp_path / "access.log.1", FIRST, SECOND, HALF)
    rest = 'P/1.1" 200 512 "-" "Mozilla/5.0"'
    log = written(tmp_path / "access.log", rest, end="\n")
    result = run(rotated, log, "--no-cache")
    assert warnings(result) == [
        skipped(2),
        f"micromacro: warning: {rotated}:3: malformed line ({CUT} {log}:1): {HALF}",
        f"micromacro: warning: {log}:1: malformed line (the rest of {rotated}:3, cut in two by "
        f"copytruncate?): {rest}",
    ]
    assert counts(result) == {"lines": 4, "malformed": 2, "page": 2}
    written(tmp_path / "access.log", rest, rest, end="\n")
    assert warnings(run(rotated, log, "--no-cache"))[0] == (
        f"micromacro: warning: {log}: none of its first 2 lines reads as combined, the format "
        "found for the run's inputs, so its lines count as malformed; report on it in a run of "
        "its own"
    )
    written(tmp_path / "access.log", rest, end="\n")
    copy = tmp_path / "access.log.1.gz"  # copytruncate with compress, no delaycompress
    copy.write_bytes(gzip.compress("\n".join([FIRST, SECOND, HALF]).encode()))
    assert "another format" not in run(str(copy), log, "--no-cache").stderr
    caddy = '{"level":"info","ts":1762077900.5,"request":{"method":"GET","uri":"/"},"status":200}'
    written(tmp_path / "access.log", caddy, end="\n")
    ended = written(tmp_path / "other.log", FIRST, SECOND, end="\n")  # no line cut in two
    for earlier in (rotated, ended):  # a live log ending mid-line, or one that does not
        assert warnings(run(earlier, log, "--no-cache"))[0] == (
            f"micromacro: warning: {log}: its first line does not read as combined, the "
            "format found for the run's inputs, so its lines count as malformed; report on it "
            "in a run of its own"
        )


def test_only_halves_that_read_whole_together_are_named_a_cut_line(tmp_path: Path) -> None:
    """The halves of a cut line are told by their join reading as the format with no field
    left unread, the copy's half not reading on its own: a variant that reads fields after the
    usual ones reads a whole line followed by anything, and half a quoted field followed by
    any line with a quote. So a log ending in a whole line without its line break, or in half
    a line beside a log that begins with an unrelated malformed line, is not said to be cut."""
    later = combined_line("/c", time="02/Nov/2026:10:10:00 +0000")
    garbage = "garbage here"
    whole = written(tmp_path / "access.log.1", FIRST, SECOND)  # no line break after SECOND
    log = written(tmp_path / "access.log", garbage, later, end="\n")
    assert warnings(run(whole, log, "--no-cache"))[1:] == [
        f"micromacro: warning: {log}:1: malformed line: {garbage}"
    ]
    in_agent = combined_line("/d", time="02/Nov/2026:10:02:00 +0000")[:-12]  # cut in the agent
    crashed = written(tmp_path / "access.log.1", FIRST, in_agent)
    unrelated = '192.0.2.1 - - [02/Nov/2026:10:09:00 +0000] "-" 400 - "-" "-"'
    written(tmp_path / "access.log", unrelated, later, end="\n")
    assert warnings(run(crashed, log, "--no-cache"))[1:] == [
        f"micromacro: warning: {crashed}:2: malformed line ({STILL}): {in_agent[:79]}…",
        f"micromacro: warning: {log}:1: malformed line: {unrelated}",
    ]


def test_a_copys_half_is_named_with_its_rest_past_the_lines_named(tmp_path: Path) -> None:
    """A copy's half is named with where its rest is when the rest is not among the malformed
    lines named (five an input, the first five)."""
    later = combined_line("/c", time="02/Nov/2026:10:10:00 +0000")
    bad = [f"bad {number}" for number in range(1, 5)]
    copy = written(tmp_path / "access.log.1", *bad, FIRST, HALF)
    log = written(tmp_path / "access.log", 'P/1.1" 200 512 "-" "-"', later, end="\n")
    assert warnings(run(copy, log, "--no-cache"))[-1] == (
        f"micromacro: warning: {copy}:6: malformed line ({CUT} {log}:1): {HALF}"
    )


def test_two_rotations_that_cut_a_line_each_are_both_named(tmp_path: Path) -> None:
    """A rotated log that begins with the rest of one cut line and ends in the start of the
    next: both of its halves are named, each with its other half."""
    rest = 'P/1.1" 200 512 "-" "Mozilla/5.0"'
    middle = combined_line("/m", time="02/Nov/2026:10:06:00 +0000")
    later = combined_line("/c", time="02/Nov/2026:10:10:00 +0000")
    oldest = written(tmp_path / "access.log.2", FIRST, HALF)
    copy = written(tmp_path / "access.log.1", rest, middle, HALF)
    log = written(tmp_path / "access.log", rest, later, end="\n")
    assert warnings(run(oldest, copy, log, "--no-cache"))[1:] == [
        f"micromacro: warning: {oldest}:2: malformed line ({CUT} {copy}:1): {HALF}",
        f"micromacro: warning: {copy}:1: malformed line (the rest of {oldest}:2, cut in two by "
        f"copytruncate?): {rest}",
        f"micromacro: warning: {copy}:3: malformed line ({CUT} {log}:1): {HALF}",
        f"micromacro: warning: {log}:1: malformed line (the rest of {copy}:3, cut in two by "
        f"copytruncate?): {rest}",
    ]


def test_no_cut_is_claimed_where_either_half_reads_on_its_own(tmp_path: Path) -> None:
    """Half a client address followed by a whole line reads as a line of another client, so a
    half line of that kind is never said to be cut: a log still being written, whose half line
    an older log's first line would complete; a log that ended half written (a crash) beside
    the next one; and a line cut in its address by copytruncate alike (its rest is counted as
    the hit of another client: left as it is)."""
    later = combined_line("/c", ip="198.51.100.23", time="02/Nov/2026:10:10:00 +0000")
    older = written(tmp_path / "access.log.1", FIRST, SECOND, end="\n")
    live = written(tmp_path / "access.log", later, "19")
    assert warnings(run(older, live, "--no-cache"))[1:] == [
        f"micromacro: warning: {live}:2: malformed line ({STILL}): 19"
    ]
    copy = written(tmp_path / "access.log.1", FIRST, "19")
    log = written(tmp_path / "access.log", later[2:], later, end="\n")
    result = run(copy, log, "--no-cache")
    assert warnings(result)[1:] == [f"micromacro: warning: {copy}:2: malformed line ({STILL}): 19"]
    assert counts(result) == {"lines": 4, "malformed": 1, "page": 3}


@pytest.mark.parametrize("cache", [["--no-cache"], []])
def test_a_line_cut_by_copytruncate_is_named_with_where_its_rest_is(
    tmp_path: Path, cache: list[str]
) -> None:
    """Both halves of a line ``copytruncate`` cut in two are named so, whichever order the
    inputs are given in, the copy plain or compressed, from the cache or not: the copy's last
    line is not "still being written?" (the live log's own last line is), and the live log's
    first line is the rest of it. Without a copy it completes, the first line is only
    malformed."""
    rest = 'P/1.1" 200 512 "-" "Mozilla/5.0"'
    later = combined_line("/c", time="02/Nov/2026:10:10:00 +0000")  # the copy is read first
    log = written(tmp_path / "access.log", rest, later, HALF)
    plain = written(tmp_path / "access.log.1", FIRST, SECOND, HALF)
    packed = tmp_path / "access.log.1.gz"
    packed.write_bytes(gzip.compress("\n".join([FIRST, SECOND, HALF]).encode()))
    for copy in (plain, str(packed)):
        for inputs in ((copy, log), (log, copy)):
            run(*inputs, *cache)  # the cache filled, where used
            result = run(*inputs, *cache)
            assert warnings(result) == [
                skipped(3),
                f"micromacro: warning: {copy}:3: malformed line ({CUT} {log}:1): {HALF}",
                f"micromacro: warning: {log}:1: malformed line (the rest of {copy}:3, cut in "
                f"two by copytruncate?): {rest}",
                f"micromacro: warning: {log}:3: malformed line ({STILL}): {HALF}",
            ]
            strict = run(*inputs, *cache, "--strict")
            assert (strict.exit_code, strict.stderr) == (
                1,
                f"micromacro: error: {copy}:3: malformed line ({CUT} {log}:1) (3 in all; "
                "--strict allows none)\n",
            )
    other = written(tmp_path / "other.log", FIRST, 'GET /x HTTP/1.1" 200 512 "-" "-"', end="\n")
    assert warnings(run(plain, other, *cache))[1:] == [
        f"micromacro: warning: {plain}:3: malformed line ({STILL}): {HALF}",
        f'micromacro: warning: {other}:2: malformed line: GET /x HTTP/1.1" 200 512 "-" "-"',
    ]


@pytest.mark.parametrize("cache", [["--no-cache"], []])
def test_a_half_line_read_with_fields_left_unread_gets_no_format_advice(
    tmp_path: Path, cache: list[str]
) -> None:
    """A last line cut after its referrer reads as ``common`` with one field left unread: it
    is named as the line it is, not answered with a format string that would read a field
    the server never writes there."""
    cut = '203.0.113.7 - - [02/Nov/2026:10:05:00 +0000] "GET /b HTTP/1.1" 200 512 "https://a.example/"'
    log = written(tmp_path / "access.log", FIRST, cut)
    for _ in range(2 if cache else 1):  # with the cache: written, then read
        result = run(log, *cache)
        assert warnings(result) == [
            "micromacro: warning: 1 line ends with fields left unread (common+fields), first "
            f"{log}:2 ({STILL}): …{cut[-80:]}"  # the last 80 characters
        ]
        assert counts(result) == {"lines": 2, "malformed": 0, "page": 2}
    strict = run(log, *cache, "--strict")
    assert strict.exit_code == 1
    assert strict.stderr.splitlines()[-1] == (
        f"micromacro: error: {log}:2 ({STILL}): fields left unread at the end of the line "
        "(1 line in all; --strict allows none)"
    )
    # Finished, it is a line with a field no format reads, and the advice is given.
    written(tmp_path / "access.log", FIRST, cut, end="\n")
    assert warnings(run(log, *cache))[0].endswith(
        """; to read them, name the format: --log-format '$remote_addr - $remote_user """
        """[$time_local] "$request" $status $body_bytes_sent "$field1"'"""
    )
