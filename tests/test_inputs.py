"""Opening inputs: files, globs, compressed files, stdin; every line read, numbered from 1."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from micromacro.errors import InputError
from micromacro.inputs import Inputs, parse_line_bytes, read_ahead
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


def test_a_line_longer_than_a_chunk_is_read_whole(tmp_path: Path) -> None:
    long_line = "x" * 1_000_000
    log = tmp_path / "huge.log"
    log.write_text(f"short\n{long_line}\nlast\n")
    with Inputs([str(log)]) as inputs:
        rows = _all_lines(inputs, chunk_bytes=4096)
    assert [(n, len(text)) for _, n, text in rows] == [(1, 5), (2, 1_000_000), (3, 4)]


def test_crlf_empty_lines_and_invalid_utf8() -> None:
    assert parse_line_bytes(b"a\r\n\r\n\xffb\n").to_list() == ["a", "", "\ufffdb"]


@pytest.mark.parametrize(
    ("suffix", "compress"),
    [(".gz", gzip.compress), (".bz2", bz2.compress), (".xz", lzma.compress)],
)
def test_compressed_files_are_read(tmp_path: Path, suffix: str, compress: object) -> None:
    log = tmp_path / f"access.log{suffix}"
    log.write_bytes(compress(b"one\ntwo\n"))  # type: ignore[operator]
    with Inputs([str(log)]) as inputs:
        assert [text for _, _, text in _all_lines(inputs)] == ["one", "two"]
        spooled = inputs.files[0].scan_path
    assert not os.path.exists(spooled)  # the decompressed copy is removed


def test_globs_expand_in_name_order(tmp_path: Path) -> None:
    for name in ("access.log.2", "access.log", "access.log.1", "other.log"):
        (tmp_path / name).write_text(name + "\n")
    with Inputs([str(tmp_path / "access.log*")]) as inputs:
        assert [Path(f.name).name for f in inputs.files] == [
            "access.log",
            "access.log.1",
            "access.log.2",
        ]


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


def test_a_corrupt_gzip_file_is_named(tmp_path: Path) -> None:
    log = tmp_path / "broken.log.gz"
    log.write_bytes(gzip.compress(b"line\n" * 1000)[:-30] + b"garbage!")
    with pytest.raises(InputError, match=r"broken\.log\.gz: cannot decompress"):
        Inputs([str(log)]).__enter__()


def test_a_file_that_is_not_gzip_at_all(tmp_path: Path) -> None:
    log = tmp_path / "plain.log.gz"
    log.write_text("not compressed\n")
    with pytest.raises(InputError, match=r"plain\.log\.gz: cannot decompress"):
        Inputs([str(log)]).__enter__()


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
