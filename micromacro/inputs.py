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
killed is removed by the next run. Each input's bytes become line tables in ``line_chunks``.
"""

from __future__ import annotations

import errno
import glob
import io
import os
import stat
import sys
from collections.abc import Collection, Generator, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from types import TracebackType
from typing import IO, BinaryIO

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
from micromacro.line_chunks import (
    BOM,
    DEFAULT_CHUNK_BYTES,
    FileParts,
    InputFile,
    InputReader,
    LineChunk,
    open_raw,
    read_line_chunks,
)
from micromacro.option_values import DEFAULT_MAX_LINE_BYTES
from micromacro.read_ahead import read_ahead
from micromacro.spool import Spool, remove_orphan_spools, temporary_parent
from micromacro.text import file_name_text, is_utf8_name

STDIN = "-"
STDIN_NAME = "<stdin>"
_CHUNK = 1 << 20
# The detection sample is looked for in the first bytes of an input only (a first line of
# gigabytes, or of blank lines, ends it); the lines too long to read that it skips count
# apart, up to a gigabyte: a line of junk before the log does not end the sample.
_SAMPLE_MAX_BYTES = 64 << 20
_SAMPLE_MAX_SKIPPED = 1 << 30


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
        with open_raw(path) as raw:
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


# --- lines ------------------------------------------------------------------------------------


def _rank(item: tuple[object, int, InputFile]) -> tuple[bool, object, int]:
    key, position, _ = item
    return (key is None, key if key is not None else 0, position)


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
    with InputReader(file) as reader:
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
