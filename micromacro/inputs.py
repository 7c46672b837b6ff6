"""Inputs: turn the paths a user names (files, globs, ``-``, compressed logs) into one line table.

Every input ends up as an uncompressed file that Polars scans in streaming mode: plain files are
scanned where they are; stdin and compressed files are first copied (decompressed, in chunks) into a
private spool directory, so that every kind of input is read the same way, memory stays bounded,
and a corrupt archive is reported with its own name.
"""

from __future__ import annotations

import bz2
import glob
import gzip
import io
import lzma
import os
import queue
import shutil
import sys
import tempfile
import threading
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from types import TracebackType
from typing import IO, BinaryIO, TypeVar, cast

import polars as pl
import zstandard

from micromacro.errors import InputError

STDIN = "-"
STDIN_NAME = "<stdin>"
_CHUNK = 1 << 20
DEFAULT_CHUNK_BYTES = 16 << 20
# A log line never holds the ASCII unit separator, so one "column" is the whole line.
_FIELD_SEPARATOR = "\x1f"
_SEPARATOR_BYTE = _FIELD_SEPARATOR.encode()


@dataclass(frozen=True)
class InputFile:
    """One input: ``name`` as the user wrote it (``<stdin>`` for ``-``), ``scan_path`` on disk."""

    name: str
    scan_path: str
    size: int


def _open_compressed(path: str) -> Callable[[], BinaryIO] | None:
    """Return an opener that decompresses ``path`` by its extension, or None for a plain file."""
    lower = path.lower()
    if lower.endswith(".gz"):
        return lambda: cast(BinaryIO, gzip.open(path, "rb"))
    if lower.endswith(".bz2"):
        return lambda: cast(BinaryIO, bz2.open(path, "rb"))
    if lower.endswith(".xz"):
        return lambda: cast(BinaryIO, lzma.open(path, "rb"))
    if lower.endswith(".zst"):
        return _zstd_opener(path)
    return None


def _zstd_opener(path: str) -> Callable[[], BinaryIO]:
    return lambda: cast(BinaryIO, _ZstdReader(path))


class _ZstdReader(io.RawIOBase):
    """A .zst file, decompressed frame after frame; a truncated or corrupt last frame raises
    ``ZstdError`` (zstandard's own readers return nothing for it, silently)."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self._source = open(path, "rb")  # noqa: SIM115 - closed in close()
        self._frame = zstandard.ZstdDecompressor().decompressobj()
        self._started = False
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._buffer:
            compressed = self._source.read(_CHUNK)
            if not compressed:
                if self._started and not self._frame.eof:
                    raise zstandard.ZstdError("truncated or corrupt zstd frame")
                return 0
            self._buffer = self._decompress(compressed)
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size

    def _decompress(self, compressed: bytes) -> bytes:
        out = []
        while compressed:
            if self._frame.eof:
                self._frame = zstandard.ZstdDecompressor().decompressobj()
            self._started = True
            out.append(self._frame.decompress(compressed))
            compressed = self._frame.unused_data if self._frame.eof else b""
        return b"".join(out)

    def close(self) -> None:
        self._source.close()
        super().close()


def expand_patterns(patterns: Sequence[str]) -> list[str]:
    """Expand globs (sorted by name) and keep plain paths and ``-`` as given, without repeats.

    >>> expand_patterns(["-"])
    ['-']
    """
    paths: list[str] = []
    for pattern in patterns:
        if pattern != STDIN and glob.has_magic(pattern) and not os.path.exists(pattern):
            matches = sorted(glob.glob(pattern))
            if not matches:
                raise InputError(f"{pattern}: no file matches this pattern")
            paths.extend(matches)
        else:
            paths.append(pattern)
    return list(dict.fromkeys(paths))


def _check_readable(path: str) -> None:
    if not os.path.exists(path):
        raise InputError(f"{path}: no such file")
    if os.path.isdir(path):
        raise InputError(f"{path}: is a directory, not a log file")
    if not os.access(path, os.R_OK):
        raise InputError(f"{path}: permission denied")


def _copy_stream(source: BinaryIO | IO[bytes], target: BinaryIO, name: str) -> None:
    try:
        shutil.copyfileobj(source, target, _CHUNK)
    except (OSError, EOFError, lzma.LZMAError, zlib.error, zstandard.ZstdError) as error:
        raise InputError(f"{name}: cannot decompress: {error}") from None


@dataclass(frozen=True)
class ByteRange:
    """A stretch of an input to read: bytes ``[start, end)``, both line starts, after
    ``lines_before`` unread lines (since the previous stretch, or the start of the file)."""

    start: int
    end: int
    lines_before: int


@dataclass(frozen=True)
class FileParts:
    """The stretches of an input to read instead of all of it, in file order, and the number
    of lines in none of them."""

    ranges: tuple[ByteRange, ...]
    skipped_lines: int

    @property
    def first_line(self) -> int:
        """The number of the first line read."""
        return self.ranges[0].lines_before + 1 if self.ranges else 1


class Inputs(AbstractContextManager["Inputs"]):
    """The resolved inputs of one run; spooled copies are removed on exit.

    >>> with Inputs(["sample_logs/access.log"]) as inputs:  # doctest: +SKIP
    ...     first = next(inputs.line_chunks()).lines
    """

    def __init__(self, patterns: Sequence[str], *, stdin: BinaryIO | None = None) -> None:
        if not patterns:
            raise InputError("no input given (name a log file, a glob, or - for stdin)")
        self._patterns = list(patterns)
        self._stdin = stdin
        self._spool: tempfile.TemporaryDirectory[str] | None = None
        self.files: list[InputFile] = []
        # Parts of inputs to read instead of the whole file (see ``seeking``), by input name.
        self.ranges: dict[str, FileParts] = {}

    def __enter__(self) -> Inputs:
        try:
            for path in expand_patterns(self._patterns):
                self.files.append(self._resolve(path))
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Remove the spool directory, if one was made."""
        if self._spool is not None:
            self._spool.cleanup()
            self._spool = None

    def _spool_path(self, name: str) -> str:
        if self._spool is None:
            self._spool = tempfile.TemporaryDirectory(prefix="micromacro-")
        base = os.path.basename(name) or "input"
        return os.path.join(self._spool.name, f"{len(self.files)}-{base}.log")

    def _resolve(self, path: str) -> InputFile:
        if path == STDIN:
            return self._spool_stdin()
        _check_readable(path)
        opener = _open_compressed(path)
        if opener is None:
            return InputFile(path, path, os.path.getsize(path))
        target = self._spool_path(path)
        try:
            with opener() as source, open(target, "wb") as sink:
                _copy_stream(source, sink, path)
        except OSError as error:
            raise InputError(f"{path}: cannot read: {error.strerror or error}") from None
        return InputFile(path, target, os.path.getsize(target))

    def _spool_stdin(self) -> InputFile:
        stream = self._stdin if self._stdin is not None else sys.stdin.buffer
        target = self._spool_path("stdin")
        with open(target, "wb") as sink:
            _copy_stream(stream, sink, STDIN_NAME)
        return InputFile(STDIN_NAME, target, os.path.getsize(target))

    def order_by(self, keys: Sequence[object]) -> None:
        """Put the inputs in the order of ``keys`` (one per input, in the current order; ties
        keep their order). Later chunks, samples and ``source_dtype`` follow the new order."""
        ranked = sorted(zip(keys, range(len(self.files)), self.files, strict=True), key=_rank)
        self.files = [file for _, _, file in ranked]

    @property
    def total_bytes(self) -> int:
        """The size of all inputs, uncompressed."""
        return sum(f.size for f in self.files)

    @property
    def source_dtype(self) -> pl.Enum:
        """``source_file`` values in input order, so that sorting by file follows that order."""
        return pl.Enum([f.name for f in self.files])

    def line_chunks(self, chunk_bytes: int = DEFAULT_CHUNK_BYTES) -> Iterator[LineChunk]:
        """Every line of every input, in order, as frames of about ``chunk_bytes`` each.

        Reading in chunks keeps memory bounded whatever the size of the input.
        """

        def all_chunks() -> Iterator[LineChunk]:
            for file in self.files:
                parts = self.ranges.get(file.name)
                yield from read_line_chunks(file, self.source_dtype, chunk_bytes, parts)

        # Reading the next chunk overlaps with the caller's work on this one.
        return read_ahead(all_chunks())

    def sample_lines(self, count: int = 50) -> Iterator[tuple[InputFile, int, str]]:
        """The first ``count`` non-empty lines of each input, decoded leniently."""
        for file in self.files:
            yield from _head_lines(file, count)


_T = TypeVar("_T")
_DONE = object()


def read_ahead(items: Iterator[_T]) -> Iterator[_T]:
    """The items of ``items``, produced one ahead in a background thread.

    An exception raised while producing is raised here, at the item it replaces; stopping early
    stops the producer.
    """
    handoff: queue.Queue[object] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if not _offer(handoff, item, stop):
                    return
            _offer(handoff, _DONE, stop)
        except BaseException as error:  # handed to the consumer, which raises it
            _offer(handoff, _Failure(error), stop)

    worker = threading.Thread(target=produce, name="micromacro-read-ahead", daemon=True)
    worker.start()
    try:
        while True:
            item = handoff.get()
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.error
            yield cast(_T, item)
    finally:
        stop.set()
        worker.join()


@dataclass(frozen=True)
class _Failure:
    error: BaseException


def _offer(handoff: queue.Queue[object], item: object, stop: threading.Event) -> bool:
    while not stop.is_set():
        try:
            handoff.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


@dataclass(frozen=True)
class LineChunk:
    """Consecutive lines of one input: ``lines`` has ``source_file``, ``line_no``, ``line``;
    ``size`` is the number of bytes they took in the file."""

    lines: pl.DataFrame
    size: int


def parse_line_bytes(data: bytes) -> pl.Series:
    r"""Split raw bytes into lines: invalid UTF-8 (and the byte 0x1F) becomes U+FFFD, ``\r\n``
    endings are stripped, an empty line is an empty string.

    >>> parse_line_bytes(b"a\r\n\nb").to_list()
    ['a', '', 'b']
    """
    if _SEPARATOR_BYTE in data:
        # The reader splits fields at this byte; no server writes it, a hostile client might.
        data = data.replace(_SEPARATOR_BYTE, "\ufffd".encode())
    frame = pl.read_csv(
        data,
        has_header=False,
        separator=_FIELD_SEPARATOR,
        quote_char=None,
        encoding="utf8-lossy",
        schema={"line": pl.String},
        truncate_ragged_lines=True,
        raise_if_empty=False,
    )
    return frame.get_column("line").fill_null("")


def _complete_lines(handle: BinaryIO, chunk_bytes: int) -> Iterator[bytes]:
    """Blocks of about ``chunk_bytes`` that end at a line break (or at the end of the file)."""
    carry = b""
    while True:
        block = handle.read(chunk_bytes)
        if not block:
            if carry:
                yield carry
            return
        block = carry + block
        cut = block.rfind(b"\n")
        if cut < 0:
            carry = block  # one line longer than a block: keep reading
            continue
        carry = block[cut + 1 :]
        yield block[: cut + 1]


def _in_morsels(frame: pl.DataFrame, rows: int = 50_000) -> pl.DataFrame:
    """Split a frame into several memory chunks so the streaming engine works on them in
    parallel (one chunk would run on one core)."""
    if frame.height <= rows:
        return frame
    parts = [frame.slice(start, rows) for start in range(0, frame.height, rows)]
    return pl.concat(parts, rechunk=False)


class _Limited:
    """At most ``remaining`` bytes of ``handle``, from where it stands."""

    def __init__(self, handle: BinaryIO, remaining: int) -> None:
        self._handle = handle
        self._remaining = remaining

    def read(self, size: int = -1) -> bytes:
        wanted = self._remaining if size < 0 else min(size, self._remaining)
        data = self._handle.read(wanted)
        self._remaining -= len(data)
        return data


def read_line_chunks(
    file: InputFile,
    source_dtype: pl.DataType,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    parts: FileParts | None = None,
) -> Iterator[LineChunk]:
    """The lines of one uncompressed input (or of its ``parts``) as ``LineChunk`` frames,
    numbered as in the whole file."""
    next_line = 1
    try:
        handle = open(file.scan_path, "rb")  # noqa: SIM115 - closed below, around a generator
    except OSError as error:
        raise InputError(f"{file.name}: cannot read: {error.strerror or error}") from None
    with handle:
        sources: Iterator[tuple[int, BinaryIO]] = iter([(0, cast(BinaryIO, handle))])
        if parts is not None:
            sources = _stretches(handle, parts)
        for lines_before, source in sources:
            next_line += lines_before
            for block in _complete_lines(source, chunk_bytes):
                lines = parse_line_bytes(block)
                frame = pl.DataFrame(
                    {
                        "source_file": pl.Series([file.name], dtype=source_dtype).new_from_index(
                            0, len(lines)
                        ),
                        "line_no": pl.int_range(
                            next_line, next_line + len(lines), dtype=pl.UInt32, eager=True
                        ),
                        "line": lines,
                    }
                )
                next_line += len(lines)
                yield LineChunk(_in_morsels(frame), len(block))


def _stretches(handle: BinaryIO, parts: FileParts) -> Iterator[tuple[int, BinaryIO]]:
    """Each stretch of ``parts`` as (unread lines before it, a reader of its bytes)."""
    for part in parts.ranges:
        handle.seek(part.start)
        yield part.lines_before, cast(BinaryIO, _Limited(handle, part.end - part.start))


def _rank(item: tuple[object, int, InputFile]) -> tuple[bool, object, int]:
    key, position, _ = item
    return (key is None, key if key is not None else 0, position)


def _head_lines(file: InputFile, count: int) -> Iterator[tuple[InputFile, int, str]]:
    seen = 0
    with open(file.scan_path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            text = raw[:65536].decode("utf-8", errors="replace").rstrip("\r\n")
            if text.strip():
                yield file, number, text
                seen += 1
                if seen >= count:
                    return
