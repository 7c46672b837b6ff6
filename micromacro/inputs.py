"""Inputs: turn the paths a user names (files, globs, ``-``, FIFOs, compressed logs) into one
line table, reading each input once.

- A plain file is read where it is (and may be read in stretches only, see ``seeking``).
- A compressed file (``.gz``, ``.bz2``, ``.xz``, ``.zst``) is decompressed as it is read; the
  detection sample decompresses its first lines once more. Nothing is written to disk, so a
  "zip bomb" costs time, not disk space.
- Standard input (``-``), a FIFO, a ``/dev/fd/N`` or ``<(…)`` and anything else that is not a
  regular file can be read only once: it is copied into a private spool directory as it is
  read (still compressed, when its name says it is), and everything else reads that copy, so
  the sample and the lines come from the same bytes.
- Event exports (``scannable``) need files Polars can scan: compressed files are decompressed
  into the spool too.

The spool directory (``spool``) is removed when the run ends, and the spool of a run that was
killed is removed by the next run.

A line longer than ``max_line_bytes`` is never held in memory whole: reading stops keeping it
at the cap, skips to its line break, and puts a short marker in the line table instead (its
size and first bytes, see ``too_long_line``), which the report counts as malformed.

An input whose bytes end with no line break after its last line (a log the server is still
writing) has that line alone in its last chunk, marked ``LineChunk.unterminated``.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import io
import os
import queue
import stat
import sys
import threading
from collections.abc import Collection, Generator, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import IO, BinaryIO, Generic, Protocol, TypeVar

import polars as pl

from micromacro.compression import (
    DECOMPRESS_ERRORS,
    DECOMPRESSORS,
    Decompressed,
    compression_of,
    head_of,
    peeked,
    sniffed_compression,
)
from micromacro.descriptors import closed_stream_named
from micromacro.errors import InputError
from micromacro.option_values import DEFAULT_MAX_LINE_BYTES
from micromacro.spool import Spool, remove_orphan_spools, temporary_parent
from micromacro.text import file_name_text, is_utf8_name

STDIN = "-"
STDIN_NAME = "<stdin>"
# The byte-order mark a file of UTF-8 may start with (IIS writes one before ``#Software:``).
BOM = "\ufeff"
_CHUNK = 1 << 20
DEFAULT_CHUNK_BYTES = 16 << 20
# A log line never holds the ASCII unit separator, so one "column" is the whole line.
_FIELD_SEPARATOR = "\x1f"
_SEPARATOR_BYTE = _FIELD_SEPARATOR.encode()
# A too-long line in the line table: the separator, its size in bytes, the separator, its first
# characters. No line read from an input holds the separator (it is read as U+FFFD).
TOO_LONG = _FIELD_SEPARATOR
_TOO_LONG_HEAD = 120
_TOO_LONG_HEAD_BYTES = 4 * _TOO_LONG_HEAD  # the most its characters take in UTF-8
# What a line starting with NUL bytes starts with: the padding a crash leaves where a file was
# extended but never written (IIS after an unclean restart, a file system after a power cut).
NUL_PADDING = "\x00"
# The detection sample is looked for in the first bytes of an input only (a first line of
# gigabytes, or of blank lines, ends it); the lines too long to read that it skips count
# apart, up to a gigabyte: a line of junk before the log does not end the sample.
_SAMPLE_MAX_BYTES = 64 << 20
_SAMPLE_MAX_SKIPPED = 1 << 30


@dataclass(frozen=True)
class InputFile:
    """One input: ``name`` as the user wrote it (``<stdin>`` for ``-``), ``scan_path`` on disk
    (the file itself, or its copy in the spool), ``size`` its bytes on disk, and ``compression``
    the suffix of the compression it is read through ("" for none)."""

    name: str
    scan_path: str
    size: int
    compression: str = ""

    @property
    def seekable(self) -> bool:
        """Whether its bytes can be read from anywhere (``seeking``): an uncompressed file."""
        return not self.compression


def expand_patterns(patterns: Sequence[str]) -> list[str]:
    """Expand globs (sorted by name) and keep plain paths and ``-`` as given, repeats included
    (``Inputs`` reads a file named twice once, and says so).

    >>> expand_patterns(["-", "-"])
    ['-', '-']
    """
    paths: list[str] = []
    for pattern in patterns:
        if pattern != STDIN and glob.has_magic(pattern) and not os.path.lexists(pattern):
            matches = sorted(glob.glob(pattern))
            if not matches:
                raise InputError(f"{pattern}: no file matches this pattern")
            paths.extend(_utf8_name(match, pattern) for match in matches)
        else:
            paths.append(pattern)
    return paths


def _utf8_name(path: str, pattern: str) -> str:
    """``path``, a match of ``pattern``; ``InputError`` for a name that is not UTF-8."""
    if is_utf8_name(path):
        return path
    raise InputError(
        f"{file_name_text(path)}: a file name that is not valid UTF-8 matches {pattern}: "
        "rename it, or read it from stdin (- < FILE)"
    )


def _check_readable(path: str) -> os.stat_result:
    """The status of the file ``path`` names (following links), or the ``InputError`` saying
    why it cannot be read."""
    closed = closed_stream_named(path)
    if closed is not None:  # /dev/stdin of a closed stdin: no empty /dev/null read in its place
        raise InputError(f"{path}: cannot read: {closed} is closed")
    try:
        info = os.stat(path)
    except OSError as error:
        raise InputError(_stat_problem(path, error)) from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"{path}: is a directory, not a log file")
    if not os.access(path, os.R_OK):
        raise InputError(f"{path}: permission denied")
    return info


def _stat_problem(path: str, error: OSError) -> str:
    if error.errno == errno.ELOOP:
        return f"{path}: a loop of symbolic links (too many levels of symbolic links)"
    if isinstance(error, FileNotFoundError) and os.path.islink(path):
        return f"{path}: a broken symbolic link (to {os.readlink(path)}, which does not exist)"
    if isinstance(error, FileNotFoundError):
        return f"{path}: no such file"
    if isinstance(error, PermissionError):
        return f"{path}: permission denied"
    return f"{path}: cannot read: {error.strerror or error}"


def _copy_stream(source: IO[bytes] | Decompressed, target: str, name: str, what: str) -> None:
    """Copy ``source`` (``name``) into the spool file ``target``: an error reading it names
    the input and ``what`` failed ("read", "decompress"); one writing, the spool."""
    try:
        sink = open(target, "wb")  # noqa: SIM115 - closed below
    except OSError as error:
        raise _spool_problem(name, target, error) from None
    try:
        with sink:
            while True:
                try:
                    block = source.read(_CHUNK)
                except DECOMPRESS_ERRORS as error:
                    reason = error.strerror if isinstance(error, OSError) else None
                    raise InputError(f"{name}: cannot {what}: {reason or error}") from None
                if not block:
                    break
                sink.write(block)
    except OSError as error:  # writing, or closing (the last bytes written then)
        raise _spool_problem(name, target, error) from None


def _spool_problem(name: str, target: str, error: OSError) -> InputError:
    where = os.path.dirname(os.path.dirname(target))
    return InputError(
        f"{name}: cannot copy it into the spool directory in {where} to read it: "
        f"{error.strerror or error} (set TMPDIR to a directory with room)"
    )


# --- what to read -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ByteRange:
    """A stretch of an input to read: bytes ``[start, end)``, both line starts, after
    ``lines_before`` unread lines (since the previous stretch, or the start of the file).

    ``earliest`` and ``latest`` bound the times of its lines when the input is in time order
    (margin included; None: unbounded): a line outside them means it is not, and that lines of
    the period may lie outside the stretch (see ``seeking``).
    """

    start: int
    end: int
    lines_before: int
    earliest: datetime | None = None
    latest: datetime | None = None


@dataclass(frozen=True)
class FileParts:
    """The stretches of an input to read instead of all of it, in file order, and the number
    of lines in none of them."""

    ranges: tuple[ByteRange, ...]
    skipped_lines: int
    # The times of the input's first and last lines with a time (None where none was found),
    # which the stretches may leave unread.
    ends: tuple[datetime | None, datetime | None] = (None, None)

    @property
    def first_line(self) -> int:
        """The number of the first line read."""
        return self.ranges[0].lines_before + 1 if self.ranges else 1


class Inputs(AbstractContextManager["Inputs"]):
    """The resolved inputs of one run; spooled copies are removed on exit.

    A file named twice (or by a glob and a path, or by two paths to one file) is read once,
    with a note in ``notes``. With ``scannable``, every input is a file Polars can scan (event
    exports): compressed inputs are decompressed into the spool.

    >>> with Inputs(["sample_logs/access.log"]) as inputs:  # doctest: +SKIP
    ...     first = next(inputs.line_chunks()).lines
    """

    def __init__(
        self,
        patterns: Sequence[str],
        *,
        stdin: BinaryIO | None = None,
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
        scannable: bool = False,
    ) -> None:
        if not patterns:
            raise InputError("no input given (name a log file, a glob, or - for stdin)")
        self._patterns = list(patterns)
        self._stdin = stdin
        self._spool: Spool | None = None
        self._scratch_files = 0
        self._scannable = scannable
        self.max_line_bytes = max_line_bytes
        self.files: list[InputFile] = []
        # What reading the inputs found worth saying (a file named twice).
        self.notes: list[str] = []
        # Parts of inputs to read instead of the whole file (see ``seeking``), by input name.
        self.ranges: dict[str, FileParts] = {}
        # The inputs that lost bytes while they were read (``line_chunks``).
        self.shrunk: list[Shrunk] = []
        # By input: the number of the line it ends in, no line break after it, where its last
        # sampling reached it (``sample_lines``; a compressed input's is written no more).
        self.unfinished: dict[str, int] = {}

    def __enter__(self) -> Inputs:
        remove_orphan_spools()
        try:
            seen: dict[object, str] = {}
            for path in expand_patterns(self._patterns):
                info = None if path == STDIN else _check_readable(path)
                key = self._identity(path, info)
                if key in seen:
                    first = seen[key]
                    self.notes.append(
                        f"{path}: named twice, read once"
                        if first == path
                        else f"{path}: the same file as {first}, read once"
                    )
                    continue
                seen[key] = path
                self.files.append(self._resolve(path, info))
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
            self._spool.remove()
            self._spool = None

    def _stdin_stream(self) -> BinaryIO:
        return self._stdin if self._stdin is not None else sys.stdin.buffer

    def _identity(self, path: str, info: os.stat_result | None) -> object:
        """What tells two inputs apart: the file (device and inode) they are."""
        if info is None:  # stdin: the pipe or file behind it, where it has one
            try:
                info = os.fstat(self._stdin_stream().fileno())
            except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
                return STDIN
        if info.st_ino == 0:
            return os.path.realpath(path)
        return (info.st_dev, info.st_ino)

    def _spool_path(self, name: str) -> str:
        if self._spool is None:
            try:
                self._spool = Spool()
            except OSError as error:
                where = temporary_parent()
                raise InputError(
                    f"{name}: cannot make a spool directory in {where} to read it once: "
                    f"{error.strerror or error} (set TMPDIR)"
                ) from None
        base = os.path.basename(name) or "input"
        return os.path.join(self._spool.path, f"{len(self.files)}-{base}")

    def scratch_path(self, file: InputFile) -> str:
        """A new path in the spool (removed with it) for a file the run writes from ``file``,
        such as a repaired copy of an export."""
        path = self._spool_path(file.name)
        self._scratch_files += 1
        folder, base = os.path.split(path)
        return os.path.join(folder, f"scratch{self._scratch_files}-{base}")

    def _resolve(self, path: str, info: os.stat_result | None) -> InputFile:
        if info is None:
            return self._spool_stream(self._stdin_stream(), STDIN_NAME)
        if not stat.S_ISREG(info.st_mode):  # a FIFO, /dev/fd/N, <(…), a device: read once
            try:
                handle = open(path, "rb")  # noqa: SIM115 - closed below
            except OSError as error:
                raise InputError(f"{path}: cannot read: {error.strerror or error}") from None
            with handle:
                return self._spool_stream(handle, path)
        compression = compression_of(path) or sniffed_compression(head_of(path))
        if not compression or not self._scannable:
            return InputFile(path, path, info.st_size, compression)
        target = self._spool_path(path)
        with _open_raw(path) as raw:
            _copy_stream(DECOMPRESSORS[compression](raw), target, path, "decompress")
        return InputFile(path, target, os.path.getsize(target))

    def _spool_stream(self, stream: BinaryIO | IO[bytes], name: str) -> InputFile:
        """A copy of an input that can be read only once; decompressed as it is copied when
        its name or its first bytes say it is compressed (still compressed unless
        ``scannable``: decompressing it as it is read costs no disk)."""
        compression = compression_of(name) if name != STDIN_NAME else ""
        target = self._spool_path(name if name != STDIN_NAME else "stdin")
        if not compression:  # its name says nothing: its first bytes may
            try:
                head, stream = peeked(stream)
            except OSError as error:
                raise InputError(f"{name}: cannot read: {error.strerror or error}") from None
            compression = sniffed_compression(head)
        if compression and self._scannable:
            _copy_stream(DECOMPRESSORS[compression](stream), target, name, "decompress")
            return InputFile(name, target, os.path.getsize(target))
        _copy_stream(stream, target, name, "read")
        return InputFile(name, target, os.path.getsize(target), compression)

    def order_by(self, keys: Sequence[object]) -> None:
        """Put the inputs in the order of ``keys`` (one per input, in the current order; ties
        keep their order). Later chunks, samples and ``source_dtype`` follow the new order."""
        ranked = sorted(zip(keys, range(len(self.files)), self.files, strict=True), key=_rank)
        self.files = [file for _, _, file in ranked]

    @property
    def total_bytes(self) -> int:
        """The size of all inputs on disk (compressed files compressed)."""
        return sum(f.size for f in self.files)

    @property
    def source_dtype(self) -> pl.Enum:
        """``source_file`` values in input order, so that sorting by file follows that order."""
        return pl.Enum([f.name for f in self.files])

    def line_chunks(self, chunk_bytes: int = DEFAULT_CHUNK_BYTES) -> Generator[LineChunk]:
        """Every line of every input, in order, as frames of about ``chunk_bytes`` each.

        Reading in chunks keeps memory bounded whatever the size of the input. The inputs
        that lose bytes meanwhile are in ``shrunk`` once it is read.
        """
        self.shrunk.clear()  # of an earlier read

        def all_chunks() -> Iterator[LineChunk]:
            for file in self.files:
                parts = self.ranges.get(file.name)
                missing = yield from read_line_chunks(
                    file,
                    self.source_dtype,
                    chunk_bytes,
                    parts,
                    max_line_bytes=self.max_line_bytes,
                )
                if missing:
                    self.shrunk.append(Shrunk(file.name, file.size, missing))

        # Reading the next chunk overlaps with the caller's work on this one.
        return read_ahead(all_chunks())

    def sample_lines(
        self, count: int = 50, only: Collection[str] | None = None
    ) -> Iterator[tuple[InputFile, int, str]]:
        """The first ``count`` non-empty lines of each input (of those named ``only``, if
        given), decoded leniently (lines longer than ``max_line_bytes`` left out). Those an
        input ends in with no line break after them (perhaps half written) are noted in
        ``unfinished``, as each input is sampled."""
        for file in self.files:
            if only is None or file.name in only:
                yield from _head_lines(file, count, self.max_line_bytes, self.unfinished)


_T = TypeVar("_T")


@dataclass(frozen=True)
class _Item(Generic[_T]):
    value: _T


_DONE = None


def read_ahead(items: Iterator[_T], *, name: str = "micromacro-read-ahead") -> Generator[_T]:
    """The items of ``items``, each made in a background thread (called ``name``) while the
    caller works on the one before: one item ahead, no more, so at most two are alive at once.

    ``items`` is iterated in that thread alone, in order: chained, each stage of a pipeline runs
    beside the next (``reading.read_hits``). An exception raised while producing is raised here,
    at the item it replaces; stopping early stops the producer, which closes ``items`` (and so
    the stages before it).
    """
    handoff: queue.SimpleQueue[_Item[_T] | _Failure | None] = queue.SimpleQueue()
    turn = threading.Semaphore(1)  # released when the producer may make the next item
    stop = threading.Event()

    def produce() -> None:
        try:
            while turn.acquire() and not stop.is_set():
                try:
                    item = next(items)
                except StopIteration:
                    handoff.put(_DONE)
                    return
                handoff.put(_Item(item))
        except BaseException as error:  # handed to the consumer, which raises it
            handoff.put(_Failure(error))
        finally:
            if isinstance(items, Generator):
                items.close()

    worker = threading.Thread(target=produce, name=name, daemon=True)
    worker.start()
    try:
        while True:
            item = handoff.get()
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.error
            turn.release()  # the next item is made while the caller works on this one
            yield item.value
    finally:
        stop.set()
        turn.release()
        worker.join()


@dataclass(frozen=True)
class _Failure:
    error: BaseException


@dataclass(frozen=True)
class Shrunk:
    """An input that lost ``missing`` of its ``size`` bytes (those it had when the run began)
    while it was read: truncated in place, as ``copytruncate`` does."""

    name: str
    size: int
    missing: int

    def warning(self) -> str:
        """What the report says of it."""
        return (
            f"{self.name}: {self.missing:,} of its {self.size:,} bytes were gone when they were "
            "to be read (the file was truncated while it was read, as logrotate's copytruncate "
            "does): the report counts the lines read"
        )


@dataclass(frozen=True)
class LineChunk:
    """Consecutive lines of one input: ``lines`` has ``source_file``, ``line_no``, ``line``;
    ``size`` is the number of bytes of the input on disk they took; ``stretch`` the stretch of
    the input they were read from, when only stretches are read; ``start`` where their first
    line starts in the input's bytes (decompressed, for a compressed input); ``unterminated``
    whether their last line is the last of the input's bytes read and no line break follows it
    (a line the server may still be writing)."""

    lines: pl.DataFrame
    size: int
    stretch: ByteRange | None = None
    start: int = 0
    unterminated: bool = False

    def last_line(self) -> tuple[str, int]:
        """The input and the number of its last line."""
        name, number = self.lines.select(pl.last("source_file", "line_no")).row(0)
        return str(name), int(number)


# --- lines ------------------------------------------------------------------------------------


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


def too_long_line(line: str) -> tuple[int, str] | None:
    """For the marker a too-long line leaves in the line table: its size in bytes and its
    first characters; None for any other line.

    >>> too_long_line(_too_long_marker(209_715_200, b"GET /"))
    (209715200, 'GET /')
    >>> too_long_line("GET /") is None
    True
    """
    if not line.startswith(TOO_LONG):
        return None
    size, _, head = line[len(TOO_LONG) :].partition(TOO_LONG)
    return int(size), head


def _too_long_marker(size: int, head: bytes) -> str:
    """The marker of a line of ``size`` bytes starting with ``head``: its first
    ``_TOO_LONG_HEAD`` characters, as a line read whole in its chunk is cut."""
    head = head.replace(_SEPARATOR_BYTE, "\ufffd".encode())
    text = head.decode("utf-8", errors="replace")[:_TOO_LONG_HEAD]
    return f"{TOO_LONG}{size}{TOO_LONG}{text}"


class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


@dataclass(frozen=True)
class _TooLong:
    """A line longer than the cap, skipped: its ``size`` (bytes, its break excluded) and its
    first bytes; ``unterminated`` when the input ends in it, with no line break after it."""

    size: int
    head: bytes  # enough bytes for its first ``_TOO_LONG_HEAD`` characters
    unterminated: bool = False

    def more(self, data: bytes) -> _TooLong:
        """The line with ``data`` read after what it had."""
        room = max(0, _TOO_LONG_HEAD_BYTES - len(self.head))
        return _TooLong(self.size + len(data), self.head + data[:room])

    def marker(self) -> str:
        """Its marker in the line table (``too_long_line``)."""
        head = self.head
        if len(head) == self.size and head.endswith(b"\r"):  # as a \r\n ending is read
            head = head[:-1]
        return _too_long_marker(self.size, head)


@dataclass(frozen=True)
class _Block:
    """Complete lines as read, without copying a block: those of ``seam`` (small: the line
    begun before ``data``, up to and with its first line break there), then those of ``data``
    from ``start`` (after that break) to ``end`` (after its last break). ``unterminated``: the
    input's last line alone, in ``seam``, with no line break after it."""

    seam: bytes
    data: bytes
    start: int
    end: int
    unterminated: bool = False

    @property
    def size(self) -> int:
        """The bytes of its lines, their breaks included."""
        return len(self.seam) + self.end - self.start


def _complete_lines(
    handle: _Readable, chunk_bytes: int, max_line_bytes: int
) -> Iterator[_Block | _TooLong]:
    """Blocks of about ``chunk_bytes`` that end at a line break (or at the end of the input,
    the last line then alone in its block, ``unterminated``), and in their place each line
    longer than a block and ``max_line_bytes``: such a line is not kept beyond the cap (its
    bytes are skipped to its break)."""
    carry = b""
    skipped: _TooLong | None = None  # the line being skipped, so far
    while True:
        block = handle.read(chunk_bytes)
        if not block:
            if skipped is not None:
                yield _TooLong(skipped.size, skipped.head, unterminated=True)
            elif carry:
                yield _Block(carry, b"", 0, 0, unterminated=True)
            return
        begin = 0  # where the block's lines begin: after the skipped line's break, if any
        if skipped is not None:
            cut = block.find(b"\n")
            if cut < 0:
                skipped = skipped.more(block)
                continue
            yield skipped.more(block[:cut])
            skipped, begin = None, cut + 1
        last = block.rfind(b"\n", begin)
        if last < 0:  # a line longer than the block: it goes on in the next one
            carry += block[begin:]
        else:
            first = block.find(b"\n", begin)
            yield _Block(carry + block[begin : first + 1], block, first + 1, last + 1)
            carry = block[last + 1 :]
        if len(carry) > max_line_bytes:
            skipped, carry = _TooLong(0, b"").more(carry), b""


def _block_lines(block: _Block, max_line_bytes: int) -> pl.Series:
    """The lines of ``block`` (``parse_line_bytes``), those longer than ``max_line_bytes``
    bytes replaced by their marker. Its data is parsed whole and the rows of its first and last
    partial lines dropped: slicing a block's bytes would copy them."""
    if block.end == block.start:
        return _capped_lines(block.seam, max_line_bytes)
    parsed = parse_line_bytes(block.data)
    before = block.data.count(b"\n", 0, block.start)  # the rows of the bytes before ``start``
    after = 1 if block.end < len(block.data) else 0  # the partial line after the last break
    body = parsed.slice(before, parsed.len() - before - after)
    if (body.str.len_bytes() >= max_line_bytes).any():  # rare: the block's bytes, copied
        return _capped_lines(block.seam + block.data[block.start : block.end], max_line_bytes)
    return pl.concat([_capped_lines(block.seam, max_line_bytes), body], rechunk=False)


def _capped_lines(block: bytes, max_line_bytes: int) -> pl.Series:
    """The lines of ``block`` (``parse_line_bytes``), those longer than ``max_line_bytes``
    bytes replaced by their marker."""
    lines = parse_line_bytes(block)
    # A decoded line is never more than one byte shorter than its bytes (a stripped \r).
    if len(block) <= max_line_bytes or not (lines.str.len_bytes() >= max_line_bytes).any():
        return lines
    pieces = block.split(b"\n")
    if block.endswith(b"\n"):
        pieces.pop()
    if len(pieces) != len(lines):  # not expected: keep the lines as read
        return lines
    sizes = pl.Series(pieces, dtype=pl.Binary).bin.size()
    marker = pl.concat_str(
        pl.lit(TOO_LONG),
        sizes.cast(pl.String),
        pl.lit(TOO_LONG),
        lines.str.slice(0, _TOO_LONG_HEAD),
    )
    return pl.select(pl.when(sizes > max_line_bytes).then(marker).otherwise(lines)).to_series()


def _in_morsels(frame: pl.DataFrame, rows: int = 50_000) -> pl.DataFrame:
    """Split a frame into several memory chunks so the streaming engine works on them in
    parallel (one chunk would run on one core)."""
    if frame.height <= rows:
        return frame
    parts = [frame.slice(start, rows) for start in range(0, frame.height, rows)]
    return pl.concat(parts, rechunk=False)


class _Limited:
    """At most ``remaining`` bytes of ``handle``, from where it stands."""

    def __init__(self, handle: _Readable, remaining: int) -> None:
        self._handle = handle
        self._remaining = remaining

    def read(self, size: int = -1) -> bytes:
        wanted = self._remaining if size < 0 else min(size, self._remaining)
        data = self._handle.read(wanted)
        self._remaining -= len(data)
        return data


class _Reader:
    """An input opened for reading: its lines' bytes (decompressed), how far into the file on
    disk reading has come, and read errors as ``InputError`` naming the input."""

    def __init__(self, file: InputFile) -> None:
        self._file = file
        self._raw = _open_raw(file.scan_path, file.name)
        decompress = DECOMPRESSORS.get(file.compression)
        try:
            self._data = decompress(self._raw) if decompress is not None else self._raw
        except DECOMPRESS_ERRORS as error:
            self._raw.close()
            raise self._problem(error) from None

    def __enter__(self) -> _Reader:
        return self

    def __exit__(self, *_: object) -> None:
        with contextlib.suppress(*DECOMPRESS_ERRORS):
            self._data.close()
        self._raw.close()

    def _problem(self, error: BaseException) -> InputError:
        if self._file.compression:
            return InputError(f"{self._file.name}: cannot decompress: {error}")
        reason = error.strerror if isinstance(error, OSError) and error.strerror else error
        return InputError(f"{self._file.name}: cannot read: {reason}")

    def read(self, size: int = -1) -> bytes:
        try:
            return self._data.read(size)
        except DECOMPRESS_ERRORS as error:
            raise self._problem(error) from None

    def readline(self, size: int = -1) -> bytes:
        try:
            return self._data.readline(size)
        except DECOMPRESS_ERRORS as error:
            raise self._problem(error) from None

    def seek(self, offset: int) -> None:
        self._data.seek(offset)

    def position(self) -> int:
        """The bytes of the file on disk read so far (compressed bytes, when compressed)."""
        return self._raw.tell()


def unfinished_last_line(file: InputFile, max_bytes: int = 1 << 16) -> bytes | None:
    """The bytes of the last line of ``file`` when no line break follows it (decompressed: a
    compressed file is read through); None when it ends with one, is empty, cannot be read, or
    its last line is longer than ``max_bytes``."""
    try:
        with _Reader(file) as reader:
            if not file.compression:
                size = os.path.getsize(file.scan_path)
                reader.seek(max(0, size - max_bytes - 1))
            tail = b""
            while block := reader.read(1 << 20):
                tail = (tail + block)[-(max_bytes + 1) :]
    except (InputError, OSError):
        return None
    if not tail or tail.endswith(b"\n"):
        return None
    last = tail.rsplit(b"\n", 1)[-1]
    return last if len(last) <= max_bytes else None


def _open_raw(path: str, name: str | None = None) -> BinaryIO:
    try:
        return open(path, "rb")
    except OSError as error:
        raise InputError(f"{name or path}: cannot read: {error.strerror or error}") from None


def read_line_chunks(
    file: InputFile,
    source_dtype: pl.DataType,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    parts: FileParts | None = None,
    *,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
) -> Generator[LineChunk, None, int]:
    """The lines of one input (or of its ``parts``) as ``LineChunk`` frames, numbered as in
    the whole file; a line longer than ``max_line_bytes`` is its marker (``too_long_line``).

    Returns the bytes of a plain file that were there when the run began and were gone when
    reading came to them (truncated meanwhile, as ``copytruncate`` does): 0 when none."""
    next_line, missing = 1, 0
    with _Reader(file) as reader:
        sources: Iterator[tuple[int, _Readable, ByteRange | None]] = iter([(0, reader, None)])
        if parts is not None:
            sources = _stretches(reader, parts)
        for lines_before, source, stretch in sources:
            next_line += lines_before
            position = reader.position()
            start = stretch.start if stretch is not None else 0
            for block in _complete_lines(source, chunk_bytes, max_line_bytes):
                if isinstance(block, _TooLong):
                    lines = pl.Series("line", [block.marker()])
                    length = block.size + 1  # and its line break (none only at the very end)
                else:
                    lines = _without_boms(_block_lines(block, max_line_bytes), block)
                    length = block.size
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
                done, position = position, reader.position()
                # A byte-order mark alone is no line (``parse_line_bytes``): nothing to mark.
                ends_unterminated = block.unterminated and len(lines) > 0
                yield LineChunk(
                    _in_morsels(frame), position - done, stretch, start, ends_unterminated
                )
                start += length
            end = stretch.end if stretch is not None else file.size
            if not file.compression and reader.position() < end:
                missing += end - reader.position()
    return missing


def _stretches(reader: _Reader, parts: FileParts) -> Iterator[tuple[int, _Readable, ByteRange]]:
    """Each stretch of ``parts`` as (unread lines before it, a reader of its bytes, itself)."""
    for part in parts.ranges:
        reader.seek(part.start)
        yield part.lines_before, _Limited(reader, part.end - part.start), part


def _rank(item: tuple[object, int, InputFile]) -> tuple[bool, object, int]:
    key, position, _ = item
    return (key is None, key if key is not None else 0, position)


def _without_boms(lines: pl.Series, block: _Block) -> pl.Series:
    """``lines`` (those of ``block``) without the byte-order mark a line starts with: an
    editor's or a Windows server's mark of UTF-8, not the line's text; a file's first line, or
    any line of files joined with ``cat``. Looked for only where the block holds its first
    byte, which a search finds at memory speed (0.2 ms in 16 MB)."""
    lead = BOM.encode()[:1]
    if block.seam.find(lead) < 0 and block.data.find(lead, block.start, block.end) < 0:
        return lines
    return lines.str.strip_prefix(BOM) if lines.str.starts_with(BOM).any() else lines


def _head_lines(
    file: InputFile, count: int, max_line_bytes: int, unfinished: dict[str, int]
) -> Iterator[tuple[InputFile, int, str]]:
    """The first ``count`` non-empty lines of ``file`` (numbered in the file) within its first
    ``_SAMPLE_MAX_BYTES`` (those longer than ``max_line_bytes`` skipped without being held in
    memory, within ``_SAMPLE_MAX_SKIPPED`` more); the one an uncompressed ``file`` ends in with
    no line break after it noted in ``unfinished`` (where an earlier sampling's is forgotten:
    the file may have grown)."""
    unfinished.pop(file.name, None)
    seen = 0
    number = 0
    read = skipped = 0
    with _Reader(file) as reader:
        while seen < count and read < _SAMPLE_MAX_BYTES and skipped < _SAMPLE_MAX_SKIPPED:
            raw = reader.readline(max_line_bytes + 1)
            if not raw:
                return
            number += 1
            if len(raw) > max_line_bytes and not raw.endswith(b"\n"):
                skipped += len(raw)
                while raw and not raw.endswith(b"\n") and skipped < _SAMPLE_MAX_SKIPPED:
                    raw = reader.readline(_CHUNK)  # too long: skip to its end
                    skipped += len(raw)
                continue
            read += len(raw)
            text = raw.decode("utf-8", errors="replace").rstrip("\r\n").removeprefix(BOM)
            if text.strip():
                if not raw.endswith(b"\n") and not file.compression:  # the input's end
                    unfinished[file.name] = number
                yield file, number, text
                seen += 1
