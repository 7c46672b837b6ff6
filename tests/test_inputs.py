"""Opening inputs: files, globs, compressed files, stdin; every line read, numbered from 1, and
lines too long to read marked as such; a file named twice read once; the spool and its orphans."""

from __future__ import annotations

import bz2
import contextlib
import gzip
import io
import json
import lzma
import os
import re
import struct
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Generator, Iterator
from pathlib import Path

import polars as pl
import pytest
import zstandard
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import micromacro.inputs as inputs_module
import micromacro.spool as spool_module
from micromacro.cli import cli
from micromacro.errors import InputError
from micromacro.inputs import Inputs
from micromacro.line_chunks import (
    ByteRange,
    FileParts,
    InputFile,
    LineChunk,
    parse_line_bytes,
    read_line_chunks,
    too_long_line,
)
from micromacro.logformats.families import FirstRead
from micromacro.read_ahead import read_ahead
from micromacro.reading import _read_first
from tests.helpers import combined_line


def _all_lines(inputs: Inputs, chunk_bytes: int = 16 << 20) -> list[tuple[str, int, str]]:
    frames = [chunk.lines for chunk in inputs.line_chunks(chunk_bytes)]
    return pl.concat(frames).rows() if frames else []


def test_lines_are_numbered_per_file_across_chunks(tmp_path: Path) -> None:
    first = tmp_path / "a.log"
    second = tmp_path / "b.log"
    first.write_text("".join(f"a{i}\n" for i in range(1, 1001)))
    second.write_text("b1\nb2")
    with Inputs([str(first), str(second)]) as inputs:
        rows = _all_lines(inputs, chunk_bytes=64)  # many tiny chunks
    assert len(rows) == 1002
    assert rows[0] == (str(first), 1, "a1")
    assert rows[999] == (str(first), 1000, "a1000")
    assert rows[1000:] == [(str(second), 1, "b1"), (str(second), 2, "b2")]


def test_a_line_longer_than_a_chunk_is_read_whole_under_the_cap(tmp_path: Path) -> None:
    long_line = "x" * 1_000_000
    log = tmp_path / "huge.log"
    log.write_text(f"short\n{long_line}\nlast\n")
    with Inputs([str(log)], max_line_bytes=1_000_000) as inputs:
        rows = _all_lines(inputs, chunk_bytes=4096)
    assert [(n, len(text)) for _, n, text in rows] == [(1, 5), (2, 1_000_000), (3, 4)]


def test_crlf_empty_lines_and_invalid_utf8() -> None:
    assert parse_line_bytes(b"a\r\n\r\n\xffb\n").to_list() == ["a", "", "\ufffdb"]


COMPRESSORS = [
    (".gz", gzip.compress),
    (".bz2", bz2.compress),
    (".xz", lzma.compress),
    (".zst", zstandard.ZstdCompressor().compress),
]


@pytest.mark.parametrize(("suffix", "compress"), COMPRESSORS)
def test_compressed_files_are_read_as_they_are_decompressed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str, compress: object
) -> None:
    log = tmp_path / f"access.log{suffix}"
    log.write_bytes(compress(b"one\ntwo\n"))  # type: ignore[operator]
    monkeypatch.setattr(inputs_module, "Spool", _no_spool)
    with Inputs([str(log)]) as inputs:
        assert [text for _, _, text in _all_lines(inputs)] == ["one", "two"]
        assert [text for _, _, text in inputs.sample_lines()] == ["one", "two"]
        assert (inputs.files[0].scan_path, inputs.files[0].compression) == (str(log), suffix)
        assert inputs.total_bytes == log.stat().st_size  # progress counts compressed bytes
        assert sum(chunk.size for chunk in inputs.line_chunks()) == log.stat().st_size


def _no_spool() -> None:
    raise AssertionError("nothing is to be spooled")


@pytest.mark.parametrize(("suffix", "compress"), COMPRESSORS)
def test_compressed_exports_are_spooled_decompressed_and_removed(
    tmp_path: Path, suffix: str, compress: object
) -> None:
    log = tmp_path / f"events.csv{suffix}"
    log.write_bytes(compress(b"a,b\n1,2\n"))  # type: ignore[operator]
    with Inputs([str(log)], scannable=True) as inputs:
        spooled = inputs.files[0].scan_path
        assert Path(spooled).read_bytes() == b"a,b\n1,2\n"
        assert inputs.files[0].compression == ""
        spool = os.path.dirname(spooled)
        assert os.path.basename(spool).startswith(f"micromacro-{os.getpid()}-")
    assert not os.path.exists(spool)  # the decompressed copy and its directory are removed


@pytest.mark.parametrize(("suffix", "compress"), COMPRESSORS)
def test_a_compressed_stream_without_a_name_is_read_as_its_first_bytes_say(
    tmp_path: Path, suffix: str, compress: object
) -> None:
    """Standard input, and a rotated log renamed without its suffix, are read through the
    compression they begin with (``zcat`` is no longer needed)."""
    data = compress(b"one\ntwo\n")  # type: ignore[operator]
    with Inputs(["-"], stdin=io.BytesIO(data)) as inputs:
        assert [text for _, _, text in _all_lines(inputs)] == ["one", "two"]
        assert inputs.files[0].compression == suffix
    renamed = tmp_path / "access.log.2"
    renamed.write_bytes(data)
    with Inputs([str(renamed)]) as inputs:
        assert [text for _, _, text in _all_lines(inputs)] == ["one", "two"]
        assert (inputs.files[0].scan_path, inputs.files[0].compression) == (str(renamed), suffix)
    with Inputs(["-"], stdin=io.BytesIO(data), scannable=True) as inputs:  # an export
        assert Path(inputs.files[0].scan_path).read_bytes() == b"one\ntwo\n"
        assert inputs.files[0].compression == ""
        spool = os.path.dirname(inputs.files[0].scan_path)
        copies = [name for name in os.listdir(spool) if name != ".lock"]
        # No compressed copy in the spool: the stream is decompressed as it is copied.
        assert [Path(spool, name).read_bytes() for name in copies] == [b"one\ntwo\n"]


@pytest.mark.parametrize(
    "text", [b"BZh2 a host name\n", b"BZh91AY&S\n", b"\x1f\x8b", b"(\xb5/", b"\xfd7zXZ"]
)
def test_text_that_begins_almost_as_a_compressed_stream_is_text(text: bytes) -> None:
    with Inputs(["-"], stdin=io.BytesIO(text)) as inputs:
        assert inputs.files[0].compression == ""


def test_a_gzip_log_on_stdin_reports_as_the_log(tmp_path: Path) -> None:
    sample = Path(__file__).parent.parent / "sample_logs" / "access.log"
    args = ["report", "--format", "json", "--no-cache", "--goals", "goals.example.yaml"]
    piped = CliRunner().invoke(cli, [*args, "-"], input=gzip.compress(sample.read_bytes()))
    read = CliRunner().invoke(cli, [*args, str(sample)])
    assert piped.exit_code == read.exit_code == 0
    assert json.loads(piped.stdout)["input"]["page"] == 715  # the sample log's pages
    assert json.loads(piped.stdout)["goals"] == json.loads(read.stdout)["goals"]


def test_globs_expand_in_name_order(tmp_path: Path) -> None:
    for name in ("access.log.2", "access.log", "access.log.1", "other.log"):
        (tmp_path / name).write_text(name + "\n")
    with Inputs([str(tmp_path / "access.log*")]) as inputs:
        assert [Path(f.name).name for f in inputs.files] == [
            "access.log",
            "access.log.1",
            "access.log.2",
        ]


def test_a_glob_that_finds_a_name_not_utf8_says_so(tmp_path: Path) -> None:
    (tmp_path / "access.log").write_text(combined_line() + "\n")
    os.close(os.open(os.fsencode(tmp_path) + b"/access.log.\xff", os.O_CREAT | os.O_WRONLY))
    pattern = str(tmp_path / "access.log*")
    with pytest.raises(InputError) as raised, Inputs([pattern]):
        pass
    assert str(raised.value) == (
        f"{tmp_path}/access.log.\\xff: a file name that is not valid UTF-8 matches {pattern}: "
        "rename it, or read it from stdin (- < FILE)"
    )


def test_stdin_is_read_from_the_given_stream() -> None:
    with Inputs(["-"], stdin=io.BytesIO(combined_line().encode() + b"\n")) as inputs:
        rows = _all_lines(inputs)
    assert rows == [("<stdin>", 1, combined_line())]


def test_an_empty_file_has_no_lines(tmp_path: Path) -> None:
    log = tmp_path / "empty.log"
    log.write_bytes(b"")
    with Inputs([str(log)]) as inputs:
        assert _all_lines(inputs) == []


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: str(d / "missing.log"), "missing.log: no such file"),
        (lambda d: str(d), "is a directory"),
        (lambda d: str(d / "nothing*.log"), "no file matches this pattern"),
    ],
    ids=["missing", "directory", "empty-glob"],
)
def test_unreadable_inputs_are_input_errors(tmp_path: Path, make: object, message: str) -> None:
    with pytest.raises(InputError, match=message), Inputs([make(tmp_path)]):  # type: ignore[operator]
        pass


@pytest.mark.usefixtures("gzip_reader")
def test_a_corrupt_gzip_file_is_named(tmp_path: Path) -> None:
    log = tmp_path / "broken.log.gz"
    log.write_bytes(gzip.compress(b"line\n" * 1000)[:-30] + b"garbage!")
    with (
        pytest.raises(InputError, match=r"broken\.log\.gz: cannot decompress"),
        Inputs([str(log)]) as inputs,
    ):
        _all_lines(inputs)


def _gzip_damaged(how: str) -> bytes:
    """1,000 lines gzip-compressed, then damaged as ``how`` says."""
    packed = gzip.compress(b"line\n" * 1000)
    if how == "deflate data zeroed":
        return packed[:12] + bytes(40) + packed[52:]
    if how == "checksum wrong":
        return packed[:-8] + bytes(4) + packed[-4:]
    return packed + b"xy"  # "two bytes after the end": too few for another member


@pytest.mark.parametrize(
    "how", ["deflate data zeroed", "checksum wrong", "two bytes after the end"]
)
@pytest.mark.usefixtures("gzip_reader")
def test_a_damaged_gzip_file_is_named_whatever_the_damage(tmp_path: Path, how: str) -> None:
    log = tmp_path / "broken.log.gz"
    log.write_bytes(_gzip_damaged(how))
    with (
        pytest.raises(InputError, match=f"^{re.escape(str(log))}: cannot decompress: \\S"),
        Inputs([str(log)]) as inputs,
    ):
        _all_lines(inputs)


@pytest.mark.usefixtures("gzip_reader")
def test_gzip_members_one_after_another_are_one_file(tmp_path: Path) -> None:
    """``cat a.gz b.gz > c.gz`` (and logrotate's ``compress`` of a file appended to) makes a
    gzip file of several members: its lines are all of theirs, in order."""
    log = tmp_path / "joined.log.gz"
    log.write_bytes(gzip.compress(b"a\nb\n") + gzip.compress(b"") + gzip.compress(b"c\n"))
    with Inputs([str(log)]) as inputs:
        assert [text for _, _, text in _all_lines(inputs)] == ["a", "b", "c"]


def test_a_wrong_gzip_header_checksum_is_damage_to_isal_only(
    tmp_path: Path, gzip_reader: str
) -> None:
    """A gzip header may carry a checksum of its own (FHCRC, seldom set). ISA-L's reader checks
    it, as ``gzip -t`` does, and a wrong one is damage; the standard library's skips it."""
    lines = b"line\n" * 1000
    header = b"\x1f\x8b\x08\x02" + bytes(5) + b"\x03"  # FHCRC set
    header += struct.pack("<H", (zlib.crc32(header) & 0xFFFF) ^ 1)  # one bit off
    body = zlib.compressobj(6, zlib.DEFLATED, -15)
    trailer = struct.pack("<II", zlib.crc32(lines), len(lines))
    log = tmp_path / "header.log.gz"
    log.write_bytes(header + body.compress(lines) + body.flush() + trailer)
    with Inputs([str(log)]) as inputs:
        if gzip_reader == "isal":
            with pytest.raises(InputError, match="cannot decompress: Corrupted gzip header"):
                _all_lines(inputs)
        else:
            assert len(_all_lines(inputs)) == 1000


@pytest.mark.usefixtures("gzip_reader")
def test_a_file_that_is_not_gzip_at_all(tmp_path: Path) -> None:
    log = tmp_path / "plain.log.gz"
    log.write_text("not compressed\n")
    with (
        pytest.raises(InputError, match=r"plain\.log\.gz: cannot decompress"),
        Inputs([str(log)]) as inputs,
    ):
        list(inputs.sample_lines())  # the sample is the first to decompress


def test_read_ahead_keeps_order_and_raises_where_the_error_was() -> None:
    def numbers() -> Iterator[int]:
        yield 1
        yield 2
        raise InputError("broken at 3")

    reader = read_ahead(numbers())
    assert [next(reader), next(reader)] == [1, 2]
    with pytest.raises(InputError, match="broken at 3"):
        next(reader)


def test_read_ahead_stops_its_producer_when_the_reader_stops() -> None:
    produced: list[int] = []

    def endless() -> Iterator[int]:
        n = 0
        while True:
            produced.append(n)
            yield n
            n += 1

    reader = read_ahead(endless())
    assert [next(reader), next(reader)] == [0, 1]
    reader.close()  # joins the producer thread
    assert len(produced) <= 4


def test_read_ahead_makes_one_item_ahead_no_more() -> None:
    produced: list[int] = []
    second = threading.Event()

    def counted() -> Iterator[int]:
        for n in range(10):
            produced.append(n)
            if n == 1:
                second.set()
            yield n

    reader = read_ahead(counted())
    assert next(reader) == 0
    assert second.wait(5)  # the next item is made while the caller holds this one
    time.sleep(0.05)
    assert produced == [0, 1]  # and no further
    assert next(reader) == 1
    reader.close()


def test_chained_read_aheads_keep_order_raise_in_place_and_stop_together() -> None:
    closed: list[str] = []

    def source(fail_at: int | None = None) -> Iterator[int]:
        try:
            for n in range(100):
                if n == fail_at:
                    raise InputError(f"broken at {n}")
                yield n
        finally:
            closed.append("source")

    def doubled(items: Generator[int]) -> Generator[int]:
        with contextlib.closing(items):
            for n in items:
                yield 2 * n

    stages = {"micromacro-first", "micromacro-second"}
    reader = read_ahead(
        doubled(read_ahead(source(), name="micromacro-first")), name="micromacro-second"
    )
    assert [next(reader), next(reader), next(reader)] == [0, 2, 4]
    reader.close()  # stops the second stage, which stops the first
    assert closed == ["source"]
    assert not [thread for thread in threading.enumerate() if thread.name in stages]
    failing = read_ahead(doubled(read_ahead(source(fail_at=2))))
    assert [next(failing), next(failing)] == [0, 2]
    with pytest.raises(InputError, match="broken at 2"):
        next(failing)


# --- lines too long to read ---------------------------------------------------------------------


def _expected_lines(data: bytes, cap: int) -> list[str]:
    """The line table of ``data`` worked out line by line: a line of more than ``cap`` bytes is
    its marker (the separator, its size, the separator, its first 120 characters)."""
    pieces = data.split(b"\n")
    if data.endswith(b"\n") or not data:
        pieces.pop()
    out = []
    for piece in pieces:
        text = piece.replace(b"\x1f", "\ufffd".encode()).decode()
        if len(piece) > cap:
            head = text.removesuffix("\r")[:120]
            out.append(f"\x1f{len(piece)}\x1f{head}")
        else:
            out.append(text.removesuffix("\r"))
    return out


@settings(max_examples=300, deadline=None)
@given(
    data=st.lists(
        st.sampled_from(
            [b"a", b"b", b"\r", b"\n", b"\x1f", b"abcdefghij" * 13, "é€".encode() * 30]
        ),
        max_size=60,
    ).map(b"".join),
    chunk=st.integers(min_value=1, max_value=64),
    cap=st.integers(min_value=1, max_value=200),
)
def test_every_line_is_read_or_marked_too_long_whatever_the_chunks(
    tmp_path_factory: pytest.TempPathFactory, data: bytes, chunk: int, cap: int
) -> None:
    log = tmp_path_factory.mktemp("lines") / "any.log"
    log.write_bytes(data)
    with Inputs([str(log)], max_line_bytes=cap) as inputs:
        chunks = list(inputs.line_chunks(chunk))
    rows = pl.concat([c.lines for c in chunks]).rows() if chunks else []
    assert [text for _, _, text in rows] == _expected_lines(data, cap)
    assert [number for _, number, _ in rows] == list(range(1, len(rows) + 1))
    # Each chunk starts at its first line's byte, and all of them took the whole file.
    starts = [0, *(i + 1 for i, byte in enumerate(data) if byte == ord("\n"))]
    assert [c.start for c in chunks] == [starts[c.lines["line_no"][0] - 1] for c in chunks]
    assert sum(c.size for c in chunks) == len(data)


def test_a_line_longer_than_the_cap_is_marked_without_being_kept(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    # One line longer than a chunk (skipped as it is read), one shorter than a chunk but
    # longer than the cap (found in its chunk), and normal lines around them.
    log.write_bytes(b"first\n" + b"x" * 100_000 + b"\r\nsecond\n" + b"y" * 3000 + b"\nlast")
    with Inputs([str(log)], max_line_bytes=2048) as inputs:
        rows = _all_lines(inputs, chunk_bytes=8192)
    too_long = too_long_line
    assert [(number, too_long(text) or text) for _, number, text in rows] == [
        (1, "first"),
        (2, (100_001, "x" * 120)),  # the \r of its \r\n ending counted
        (3, "second"),
        (4, (3000, "y" * 120)),
        (5, "last"),
    ]


def test_the_sample_leaves_out_lines_too_long_but_counts_them(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.write_bytes(b"x" * 10_000 + b"\n\none\n" + b"y" * 5000)
    with Inputs([str(log)], max_line_bytes=1000) as inputs:
        assert [(n, text) for _, n, text in inputs.sample_lines()] == [(3, "one")]


def test_lines_too_long_do_not_end_the_sample(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sample is looked for in an input's first bytes; the lines it skips as too long
    count apart (up to their own bound), so that junk before the log does not end it."""
    monkeypatch.setattr(inputs_module, "_SAMPLE_MAX_BYTES", 3000)
    monkeypatch.setattr(inputs_module, "_SAMPLE_MAX_SKIPPED", 25_000)
    log = tmp_path / "access.log"
    log.write_bytes(b"x" * 10_000 + b"\n" + b"y" * 10_000 + b"\none\ntwo\n")
    with Inputs([str(log)], max_line_bytes=1000) as inputs:
        assert [(n, text) for _, n, text in inputs.sample_lines()] == [(3, "one"), (4, "two")]
    log.write_bytes(b"x" * 30_000 + b"\none\n")
    with Inputs([str(log)], max_line_bytes=1000) as inputs:
        assert list(inputs.sample_lines()) == []
    log.write_bytes(b"x\n" * 2000 + b"one\n")  # 4,000 bytes of lines read before it
    with Inputs([str(log)], max_line_bytes=1000) as inputs:
        assert [text for _, _, text in inputs.sample_lines(2000)] == ["x"] * 1500


def test_a_log_of_lines_too_long_says_to_raise_the_bound(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    line = combined_line("/" + "p" * 2000)
    log.write_text("\n".join([line] * 3) + "\n")
    result = CliRunner().invoke(cli, ["report", str(log), "--max-line-bytes", "1000"])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        f"micromacro: error: no line parses as combined format (first: {log}:1, too long: "
        f"{len(line):,} bytes); lines longer than --max-line-bytes (1,000 bytes) are not "
        "read: raise it, or name the format with --log-format"
    )
    assert CliRunner().invoke(cli, ["report", str(log), "--max-line-bytes", "3000"]).exit_code == 0
    # With a period, whose malformed lines are named from its first line on: none is usable.
    args = ["report", str(log), "--max-line-bytes", "1000", "--since", "2026-01-01"]
    assert CliRunner().invoke(cli, args).stderr.splitlines()[-1] == (
        f"micromacro: error: no line parses as combined format (first: {log}:1, too long: "
        f"{len(line):,} bytes); lines longer than --max-line-bytes (1,000 bytes) are not "
        "read: raise it, or name the format with --log-format"
    )


def test_a_line_too_long_is_malformed_and_named_by_its_size(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    lines = [combined_line(f"/p{i}") for i in range(1, 12)]
    log.write_text("\n".join([*lines, "x" * 5000, combined_line("/last")]) + "\n")
    args = ["report", str(log), "--max-line-bytes", "1000", "--format", "json"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)["input"]
    assert (data["lines"], data["malformed"], data["page"]) == (13, 1, 12)
    assert data["variants"] == {"combined": 12}
    assert (
        f"micromacro: warning: {log}:12: malformed line (too long: 5,000 bytes): {'x' * 79}…\n"
        in result.stderr
    )


def test_the_hit_table_shows_a_line_too_long_as_malformed(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.write_text(combined_line("/a") + "\n" + combined_line("/" + "b" * 3000) + "\n")
    args = ["hits", str(log), "--max-line-bytes", "2000", "--format", "ndjson", "-q"]
    result = CliRunner().invoke(cli, args)
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["line"], r["bucket"], r["variant"], r["path"]) for r in rows] == [
        (1, "page", "combined", "/a"),
        (2, "malformed", None, None),
    ]


# --- naming inputs ------------------------------------------------------------------------------


def test_a_file_named_twice_is_read_once_with_a_note(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.write_text("one\ntwo\n")
    (tmp_path / "link.log").symlink_to(log)
    os.link(log, tmp_path / "hard.log")
    names = [str(log), str(log), str(tmp_path / "link.log"), str(tmp_path / "*.log")]
    with Inputs(names) as inputs:
        assert [f.name for f in inputs.files] == [str(log)]
        assert len(_all_lines(inputs)) == 2
    assert inputs.notes == [
        f"{log}: named twice, read once",
        f"{tmp_path / 'link.log'}: the same file as {log}, read once",
        # The glob matches access.log, hard.log and link.log, in name order.
        f"{log}: named twice, read once",
        f"{tmp_path / 'hard.log'}: the same file as {log}, read once",
        f"{tmp_path / 'link.log'}: the same file as {log}, read once",
    ]


def test_the_note_of_a_file_named_twice_is_on_stderr(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.write_text(combined_line() + "\n")
    args = ["report", str(log), f"{tmp_path}/./access.log", "--format", "json"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.stderr
    assert f"micromacro: {tmp_path}/./access.log: the same file as {log}, read once\n" in (
        result.stderr
    )
    assert "input: 1 line (" in result.stderr


def test_a_symlink_loop_and_a_broken_link_say_what_they_are(tmp_path: Path) -> None:
    (tmp_path / "a.log").symlink_to(tmp_path / "b.log")
    (tmp_path / "b.log").symlink_to(tmp_path / "a.log")
    (tmp_path / "gone.log").symlink_to(tmp_path / "rotated-away.log")
    with pytest.raises(InputError, match=r"a\.log: a loop of symbolic links"):
        Inputs([str(tmp_path / "a.log")]).__enter__()
    with pytest.raises(
        InputError, match=r"gone\.log: a broken symbolic link \(to .*rotated-away\.log, which"
    ):
        Inputs([str(tmp_path / "gone.log")]).__enter__()


# --- the spool ----------------------------------------------------------------------------------

_HOLD_A_SPOOL = """
import sys, time
from micromacro.spool import Spool
spool = Spool()
print(spool.path, flush=True)
time.sleep(60)
"""


def test_the_spool_of_a_killed_run_is_removed_by_the_next(tmp_path: Path) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    run = subprocess.Popen(
        [sys.executable, "-c", _HOLD_A_SPOOL], env=env, stdout=subprocess.PIPE, text=True
    )
    assert run.stdout is not None
    spool = run.stdout.readline().strip()
    assert os.path.basename(spool).startswith(f"micromacro-{run.pid}-")
    (Path(spool) / "0-stdin").write_bytes(b"x" * 1000)
    assert spool_module.remove_orphan_spools(str(tmp_path)) == []  # its run is alive
    run.kill()  # SIGKILL: no clean-up
    run.wait()
    run.stdout.close()
    assert os.path.isdir(spool)
    assert spool_module.remove_orphan_spools(str(tmp_path)) == [spool]
    assert os.listdir(tmp_path) == []


def test_the_spool_sweep_leaves_what_is_not_an_orphan_spool(tmp_path: Path) -> None:
    keep = [
        "micromacro-old8char",  # another version's spool: no pid, no lock to tell
        ".micromacro-staging-abc",  # being made right now
        "micromacro-12-abc.txt",  # not a directory
        "other",
    ]
    for name in keep[:2] + keep[3:]:
        (tmp_path / name).mkdir()
    (tmp_path / keep[2]).write_text("")
    assert spool_module.remove_orphan_spools(str(tmp_path)) == []
    assert sorted(os.listdir(tmp_path)) == sorted(keep)


def test_the_sample_is_looked_for_in_the_first_bytes_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inputs_module, "_SAMPLE_MAX_BYTES", 5000)
    log = tmp_path / "access.log"
    log.write_bytes(b"a\n" + b"x" * 10_000 + b"\nb\n")
    with Inputs([str(log)], max_line_bytes=20_000) as inputs:
        assert [(n, text) for _, n, text in inputs.sample_lines()] == [(1, "a"), (2, "x" * 10_000)]
        assert len(_all_lines(inputs)) == 3  # the lines themselves are all read


class _SlowParser:
    """A stand-in for a variant's parser: each chunk takes a time of its own, the third fails."""

    def __init__(self) -> None:
        self.running = 0
        self.most = 0
        self.lock = threading.Lock()

    def read_first(self, lines: pl.DataFrame) -> FirstRead:
        number = int(lines.get_column("line_no")[0])
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(0.05 if number % 2 else 0.01)  # the odd chunks are slower
        with self.lock:
            self.running -= 1
        if number == 3:
            raise InputError("chunk 3 is broken")
        return FirstRead(lines)


def _chunks(count: int) -> Iterator[LineChunk]:
    for number in range(1, count + 1):
        lines = pl.DataFrame({"line_no": pl.Series([number], dtype=pl.UInt32)})
        yield LineChunk(lines=lines, size=1, start=0)


def test_chunks_read_side_by_side_come_back_in_order_with_the_error_in_place() -> None:
    parser = _SlowParser()
    read = _read_first(parser, _chunks(5), workers=2)  # type: ignore[arg-type]
    numbers = [int(next(read)[1].read["line_no"][0]) for _ in range(2)]
    assert numbers == [1, 2]
    with pytest.raises(InputError, match="chunk 3 is broken"):
        next(read)
    assert parser.most == 2  # two chunks were read at once


def test_the_bytes_a_stretch_lost_before_it_was_read_are_counted(tmp_path: Path) -> None:
    """A stretch (``seeking``) whose end lies past the file's end now (truncated since) reads
    what is there, and ``read_line_chunks`` returns how many of its bytes were gone."""
    log = tmp_path / "access.log"
    log.write_bytes(b"one\ntwo\nthree\n")  # 14 bytes; the stretch was found at 30
    file = InputFile(str(log), str(log), 30)
    parts = FileParts((ByteRange(4, 30, 1),), 1)
    chunks = read_line_chunks(file, pl.String(), parts=parts)
    lines: list[str] = []
    while True:
        try:
            lines += next(chunks).lines.get_column("line").to_list()
        except StopIteration as done:
            missing = done.value
            break
    assert (lines, missing) == (["two", "three"], 16)
    whole = read_line_chunks(InputFile(str(log), str(log), 14), pl.String())
    assert [chunk.lines.height for chunk in whole] == [3]  # the file as it was: nothing lost


@pytest.mark.parametrize("chunk_bytes", [16 << 20, 8])
def test_a_byte_order_mark_is_no_part_of_a_line(tmp_path: Path, chunk_bytes: int) -> None:
    """IIS and Windows editors start a UTF-8 file with a byte-order mark, and files joined with
    ``cat`` hold one at the start of a later line: no line is read with it, in the sample and
    in the chunks (of any size); a mark inside a line stays text."""
    log = tmp_path / "u_ex261102.log"
    log.write_bytes(b"\xef\xbb\xbf#Software: IIS\r\n\xef\xbb\xbfsecond\r\nthird\xef\xbb\xbf\r\n")
    expected = ["#Software: IIS", "second", "third\ufeff"]
    with Inputs([str(log)]) as inputs:
        assert [text for _, _, text in _all_lines(inputs, chunk_bytes)] == expected
        assert [text for _, _, text in inputs.sample_lines()] == expected


def test_a_w3c_log_with_a_byte_order_mark_is_recognised(tmp_path: Path) -> None:
    fields = "date time c-ip cs-method cs-uri-stem cs-uri-query sc-status cs(User-Agent)"
    rows = [f"2026-11-02 10:0{i}:00 10.0.0.{i} GET /p{i} - 200 Mozilla/5.0" for i in (1, 2)]
    log = tmp_path / "u_ex261102.log"
    log.write_bytes(b"\xef\xbb\xbf" + "\r\n".join([f"#Fields: {fields}", *rows, ""]).encode())
    result = CliRunner().invoke(cli, ["report", str(log), "--format", "json", "--no-cache"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)["input"]
    assert (data["format"], data["comment"], data["page"]) == ("w3c", 1, 2)


def test_a_log_of_another_format_after_a_line_too_long_is_told_of_the_format(
    tmp_path: Path,
) -> None:
    """Where the lines named malformed are not all too long, the others are of another format:
    raising --max-line-bytes would read none of them."""
    log = tmp_path / "access.log"
    json_line = '{"time_local":"02/Nov/2026:09:15:03 +0100","request":"GET /p HTTP/1.1"}'
    log.write_text("Y" * 2000 + "\n" + "\n".join([json_line] * 5) + "\n")
    args = ["report", str(log), "--max-line-bytes", "1000", "--log-format", "combined"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        f"micromacro: error: no line parses as combined format (first: {log}:1, too long: "
        "2,000 bytes); check --log-format against the log's lines"
    )
