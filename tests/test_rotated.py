"""Rotated logs: every compression, time order across files, and ``--dedupe`` of overlaps.

tests/fixtures/shop.log (22 lines) is split as logrotate would leave it, the oldest part in the
highest-numbered, compressed file. Its figures are hand-counted in tests/test_cli.py.
"""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
from pathlib import Path

import pytest
import zstandard
from click.testing import CliRunner

import micromacro.inputs as inputs_module
from micromacro.cli import cli
from micromacro.hit_cache import HitCache
from micromacro.logformats.jsonlines import CADDY

FIXTURES = Path(__file__).parent / "fixtures"
SHOP = FIXTURES / "shop.log"
GOALS = str(FIXTURES / "shop_goals.yaml")
LINES = SHOP.read_text().splitlines(keepends=True)
COMPRESSORS = {
    "gz": gzip.compress,
    "bz2": bz2.compress,
    "xz": lzma.compress,
    "zst": zstandard.ZstdCompressor().compress,
}


def report(*args: str) -> dict[str, object]:
    result = CliRunner().invoke(cli, ["report", *args, "--goals", GOALS, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def whole() -> dict[str, object]:
    return report(str(SHOP))


@pytest.mark.usefixtures("gzip_reader")
@pytest.mark.parametrize("suffix", list(COMPRESSORS))
def test_each_compression_reads_like_the_plain_file(tmp_path: Path, suffix: str) -> None:
    packed = tmp_path / f"access.log.2.{suffix}"
    packed.write_bytes(COMPRESSORS[suffix](SHOP.read_bytes()))
    assert report(str(packed)) == whole()


@pytest.mark.usefixtures("gzip_reader")
@pytest.mark.parametrize("suffix", list(COMPRESSORS))
def test_a_corrupt_compressed_file_exits_1_naming_it(tmp_path: Path, suffix: str) -> None:
    broken = tmp_path / f"access.log.{suffix}"
    broken.write_bytes(COMPRESSORS[suffix](SHOP.read_bytes())[:-12] + b"garbage!")
    result = CliRunner().invoke(cli, ["report", str(broken)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"micromacro: error: {broken}: cannot decompress")
    assert result.stderr.count("\n") == 1


def rotate(directory: Path, overlap: int = 0) -> None:
    """shop.log as access.log.2.gz (oldest), access.log.1 and access.log (newest); each later
    file repeats the last ``overlap`` lines of the one before (a copy-truncate race)."""
    parts = [LINES[:8], LINES[8:15], LINES[15:]]
    with_overlap = (
        [parts[0], *(parts[i - 1][-overlap:] + parts[i] for i in (1, 2))] if overlap else parts
    )
    (directory / "access.log.2.gz").write_bytes(gzip.compress("".join(with_overlap[0]).encode()))
    (directory / "access.log.1").write_text("".join(with_overlap[1]))
    (directory / "access.log").write_text("".join(with_overlap[2]))


def test_a_glob_of_rotated_files_is_read_oldest_first(tmp_path: Path) -> None:
    rotate(tmp_path)
    data = report(str(tmp_path / "access.log*"))
    assert data["input"]["files"] == 3
    assert {k: data[k] for k in ("summary", "goals")} == {
        k: whole()[k] for k in ("summary", "goals")
    }
    # Malformed lines are named in reading order: the oldest file (by its first times) first,
    # though its name sorts last.
    for name in ("access.log", "access.log.1"):
        with (tmp_path / name).open("a") as log:
            log.write("not a log line\n")
    result = CliRunner().invoke(cli, ["report", str(tmp_path / "access.log*")])
    named = [line.split(": malformed line")[0] for line in result.stderr.splitlines()
             if ": malformed line" in line]  # fmt: skip
    assert named == [
        f"micromacro: warning: {tmp_path / 'access.log.1'}:8",
        f"micromacro: warning: {tmp_path / 'access.log'}:3",
        f"micromacro: warning: {tmp_path / 'access.log'}:8",
    ]


def test_overlapping_files_count_twice_without_dedupe_and_once_with_it(tmp_path: Path) -> None:
    rotate(tmp_path, overlap=2)  # 4 repeated lines: shop.log lines 7, 8, 14 and 15
    pattern = str(tmp_path / "access.log*")
    plain = report(pattern)
    assert plain["input"]["lines"] == 26
    assert "duplicate" not in plain["input"]
    deduped = report(pattern, "--dedupe")
    assert deduped["input"]["lines"] == 26
    assert deduped["input"]["duplicate"] == 4
    expected_buckets = {k: v for k, v in whole()["input"].items() if k not in ("lines", "files")}
    actual_buckets = {
        k: v for k, v in deduped["input"].items() if k not in ("lines", "files", "duplicate")
    }
    assert actual_buckets == expected_buckets
    assert {k: deduped[k] for k in ("summary", "goals", "ladder")} == {
        k: whole()[k] for k in ("summary", "goals", "ladder")
    }


def test_dedupe_keeps_repeats_within_one_file(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.write_text(LINES[0] * 3)
    data = report(str(log), "--dedupe")
    assert (data["input"]["page"], data["input"]["duplicate"], data["summary"]["pageviews"]) == (
        3,
        0,
        3,
    )


def test_dedupe_leaves_comment_lines_comments(tmp_path: Path) -> None:
    """Both files open with the same ``#`` line and a blank line, then one page each: comment
    comes before duplicate, so 4 comments, 2 pages, no duplicate (it said comment 2,
    duplicate 2)."""
    first, second = tmp_path / "a.log", tmp_path / "b.log"
    first.write_text("# rotated by logrotate\n\n" + LINES[0])
    second.write_text("# rotated by logrotate\n\n" + LINES[2])
    counts = report(str(first), str(second), "--dedupe", "--no-cache")["input"]
    assert (counts["comment"], counts["duplicate"], counts["page"]) == (4, 0, 2)


def test_a_malformed_line_dropped_as_a_copy_is_not_named(tmp_path: Path) -> None:
    """The same malformed line in both files: one malformed (a.log's, named), one duplicate
    (b.log's, not named as malformed)."""
    first, second = tmp_path / "a.log", tmp_path / "b.log"
    first.write_text(LINES[0] + "garbage line here\n")
    second.write_text(LINES[2] + "garbage line here\n")
    args = [str(first), str(second), "--dedupe", "--no-cache", "--goals", GOALS]
    result = CliRunner().invoke(cli, ["report", *args, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    counts = json.loads(result.stdout)["input"]
    assert (counts["malformed"], counts["duplicate"], counts["page"]) == (1, 1, 2)
    named = [line for line in result.stderr.splitlines() if "malformed line: " in line]
    assert named == [f"micromacro: warning: {first}:2: malformed line: garbage line here"]


def test_an_input_of_another_format_is_named(tmp_path: Path) -> None:
    """A Caddy log given with a combined one: the run is read as combined (the larger sample),
    and the Caddy file, whose 3 lines would all be malformed, is named once; two combined logs
    get no such warning."""
    combined, caddy = tmp_path / "access.log", tmp_path / "caddy.json"
    combined.write_text("".join(LINES[:10]))
    caddy.write_text((CADDY.example + "\n") * 3)
    args = ["report", str(combined), str(caddy), "--goals", GOALS, "--format", "json"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["input"]["malformed"] == 3
    assert (
        f"micromacro: warning: {caddy}: none of its first 3 lines reads as combined, the format "
        "found for the run's inputs, so its lines count as malformed; report on it in a run of "
        "its own"
    ) in result.stderr.splitlines()
    other = tmp_path / "access.log.1"
    other.write_text("".join(LINES[10:20]))
    both = CliRunner().invoke(cli, ["report", str(combined), str(other), "--goals", GOALS])
    assert both.exit_code == 0, both.stderr
    assert "none of its first" not in both.stderr


def test_a_glob_and_a_path_to_one_of_its_files_read_it_once_with_a_note(tmp_path: Path) -> None:
    rotate(tmp_path)
    args = ["report", str(tmp_path / "access.log*"), str(tmp_path / "access.log")]
    result = CliRunner().invoke(cli, [*args, "--goals", GOALS, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert f"micromacro: {tmp_path / 'access.log'}: named twice, read once\n" in result.stderr
    data = json.loads(result.stdout)
    assert (data["input"]["files"], data["input"]["lines"]) == (3, 22)
    assert {k: data[k] for k in ("summary", "goals")} == {
        k: whole()[k] for k in ("summary", "goals")
    }


def test_a_log_truncated_while_it_is_read_is_counted_as_read_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """logrotate's ``copytruncate`` empties the live log in place: a run reading it then finds
    nothing past where it was. The report counts the lines it read, says so, and keeps no
    cache entry for the file."""
    log, cache = tmp_path / "access.log", tmp_path / "cache"
    data = (FIXTURES.parent.parent / "sample_logs" / "access.log").read_bytes()
    log.write_bytes(data)
    block = 64 << 10
    real = inputs_module.read_line_chunks

    def truncated_after_a_block(file, dtype, chunk_bytes, parts, **options):  # type: ignore[no-untyped-def]
        chunks = real(file, dtype, block, parts, **options)
        yield next(chunks)
        log.write_bytes(b"")  # copytruncate, once the first block is read
        return (yield from chunks)

    monkeypatch.setattr(inputs_module, "read_line_chunks", truncated_after_a_block)
    args = ["report", str(log), "--goals", GOALS, "--format", "json", "--cache", str(cache)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.stderr
    # The first block's complete lines, then the start of the line it cut (read as a line).
    lines = data[:block].count(b"\n") + (not data[:block].endswith(b"\n"))
    assert json.loads(result.stdout)["input"]["lines"] == lines
    missing = len(data) - block
    assert (
        f"micromacro: warning: {log}: {missing:,} of its {len(data):,} bytes were gone when they "
        "were to be read (the file was truncated while it was read, as logrotate's copytruncate "
        "does): the report counts the lines read\n"
    ) in result.stderr
    assert HitCache(str(cache)).entries() == []
    monkeypatch.undo()  # read whole (empty now), the file is kept
    assert CliRunner().invoke(cli, args).exit_code == 0
    assert [entry.lines for entry in HitCache(str(cache)).entries()] == [0]


def test_a_copy_outside_the_period_is_out_of_period_with_or_without_compare(
    tmp_path: Path,
) -> None:
    """access.log.1 ends with a 12:00 line on 2 Nov that access.log repeats. Reporting 3 Nov,
    the copy is out of the period like its original (3 lines out, none duplicate), whether or
    not --compare also reads 2 Nov; reporting 2 Nov (or it as the earlier period) the copy is
    the one duplicate and 3 Nov's line the one out of the period."""
    agent = '"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"'
    line = '10.0.0.{} - - [0{}/Nov/2026:{}:00:00 +0000] "GET {} HTTP/1.1" 200 100 "-" ' + agent
    older, newer = tmp_path / "access.log.1", tmp_path / "access.log"
    older.write_text(line.format(1, 2, 10, "/") + "\n" + line.format(1, 2, 12, "/a") + "\n")
    newer.write_text(line.format(1, 2, 12, "/a") + "\n" + line.format(2, 3, 10, "/b") + "\n")
    files = [str(older), str(newer), "--dedupe", "--no-cache"]

    def counts(source: dict[str, object]) -> tuple[object, ...]:
        return source["duplicate"], source["out_of_period"], source["page"]

    day3 = ["--since", "2026-11-03", "--until", "2026-11-03"]
    assert counts(report(*files, *day3)["input"]) == (0, 3, 1)
    compared = report(*files, *day3, "--compare", "previous")
    assert counts(compared["input"]) == (0, 3, 1)
    assert counts(compared["previous"]["input"]) == (1, 1, 2)
    assert counts(report(*files, "--since", "2026-11-02", "--until", "2026-11-02")["input"]) == (
        1,
        1,
        2,
    )
