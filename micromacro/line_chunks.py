"""An input's bytes as line tables: a file (or the stretches of it ``seeking`` chose), plain or
decompressed as it is read, cut into ``LineChunk`` frames of about ``DEFAULT_CHUNK_BYTES`` that
end at a line break, each line numbered as in the whole file.

- Invalid UTF-8 becomes U+FFFD and ``\\r\\n`` endings are stripped (``parse_line_bytes``), and so
  is a byte-order mark a line starts with.
- A line longer than ``max_line_bytes`` is never held in memory whole: reading stops keeping it
  at the cap, skips to its line break, and puts a short marker in the line table instead (its
  size and first bytes, see ``too_long_line``), which the report counts as malformed.
- An input whose bytes end with no line break after its last line (a log the server is still
  writing) has that line alone in its last chunk, marked ``LineChunk.unterminated``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO, Protocol

import polars as pl

from micromacro.compression import DECOMPRESS_ERRORS, DECOMPRESSORS
from micromacro.errors import InputError
from micromacro.option_values import DEFAULT_MAX_LINE_BYTES

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
# The byte-order mark a file of UTF-8 may start with (IIS writes one before ``#Software:``).
BOM = "\ufeff"


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


def _without_boms(lines: pl.Series, block: _Block) -> pl.Series:
    """``lines`` (those of ``block``) without the byte-order mark a line starts with: an
    editor's or a Windows server's mark of UTF-8, not the line's text; a file's first line, or
    any line of files joined with ``cat``. Looked for only where the block holds its first
    byte, which a search finds at memory speed (0.2 ms in 16 MB)."""
    lead = BOM.encode()[:1]
    if block.seam.find(lead) < 0 and block.data.find(lead, block.start, block.end) < 0:
        return lines
    return lines.str.strip_prefix(BOM) if lines.str.starts_with(BOM).any() else lines


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


class InputReader:
    """An input opened for reading: its lines' bytes (decompressed), how far into the file on
    disk reading has come, and read errors as ``InputError`` naming the input."""

    def __init__(self, file: InputFile) -> None:
        self._file = file
        self._raw = open_raw(file.scan_path, file.name)
        decompress = DECOMPRESSORS.get(file.compression)
        try:
            self._data = decompress(self._raw) if decompress is not None else self._raw
        except DECOMPRESS_ERRORS as error:
            self._raw.close()
            raise self._problem(error) from None

    def __enter__(self) -> InputReader:
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


def open_raw(path: str, name: str | None = None) -> BinaryIO:
    try:
        return open(path, "rb")
    except OSError as error:
        raise InputError(f"{name or path}: cannot read: {error.strerror or error}") from None


def unfinished_last_line(file: InputFile, max_bytes: int = 1 << 16) -> bytes | None:
    """The bytes of the last line of ``file`` when no line break follows it (decompressed: a
    compressed file is read through); None when it ends with one, is empty, cannot be read, or
    its last line is longer than ``max_bytes``."""
    try:
        with InputReader(file) as reader:
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
    with InputReader(file) as reader:
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


def _stretches(reader: InputReader, parts: FileParts) -> Iterator[tuple[int, _Readable, ByteRange]]:
    """Each stretch of ``parts`` as (unread lines before it, a reader of its bytes, itself)."""
    for part in parts.ranges:
        reader.seek(part.start)
        yield part.lines_before, _Limited(reader, part.end - part.start), part
