"""The hit cache: what a run read of each input file, kept as Parquet in a cache directory so
that the next run on the same file does not parse it again (README: The hit cache).

An entry belongs to one file and one set of reading settings. Its name comes from the file's
device and inode and from a digest of the settings (the kind of input, the format, the options
that change buckets or hit columns, this program's code and the Polars version); the entry says
which bytes of the file it holds (``Identity``: how many, the file's mtime then, a hash of the
first and the last 64 KB of those bytes), and a digest of its own bytes, checked before any row
is read (a changed byte of a Parquet page may still decode, to other values). At lookup the
file must still start and end with those bytes: the same size and mtime is a hit
(``CachedPart.whole``), a larger size with the same bytes is a file that grew (its new tail is
read, when the entry allows), anything else a miss. An entry that cannot be read, or that is
not what its name says, is a miss with a warning, and the run writes it again.

Entries are written in the background (``HitCache.store``; a log's as it is read, ``stream``),
each to a temporary file in the directory renamed into place (``os.replace``): a reader sees a
whole entry or none, and two runs writing the same entry at once leave one of their two whole
entries. ``HitCache`` is a context manager whose exit waits for the writes; a directory that
cannot be written is a warning (``HitCache.warnings``), never an error. Entries unused for
``_UNUSED_DAYS`` are removed when a run writes.

This module only keeps and finds frames; what a frame holds is decided by its callers
(``cached_lines`` for access logs, ``exports`` for event exports).
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import hashlib
import json
import os
import re
import tempfile
import threading
import time
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import polars as pl

from micromacro import __version__
from micromacro.entry_stream import EntryStream
from micromacro.line_chunks import ByteRange, FileParts, InputFile

if TYPE_CHECKING:
    from polars._typing import ParquetMetadata

# Bumped when what an entry holds changes shape.
_FORMAT = 4
_META_KEY = "micromacro-cache"
# The CRC-32 of the entry's bytes, taken with this key's value all zeros (``_seal``).
_DIGEST_KEY = "micromacro-crc32"
_UNSEALED = "0" * 8
_PREFIX = "hits-"
_SUFFIX = ".parquet"
_TEMP_PREFIX = ".tmp-"
# A small result worked out from a file's first lines (its detected format), kept beside the
# entries: ``HitCache.recall`` and ``remember``.
_MEMO_PREFIX, _MEMO_SUFFIX = "memo-", ".json"
# The names the cache writes, and no other: an entry's or a memo's (40 hex digits of its key's
# hash), a temporary file's (``tempfile``'s 8 characters). A directory named with ``--cache``
# may hold other files (``micromacro hits -o hits-2026-10.parquet``): never pruned, listed or
# cleared.
_OURS = re.compile(
    rf"{re.escape(_PREFIX)}[0-9a-f]{{40}}{re.escape(_SUFFIX)}"
    rf"|{re.escape(_MEMO_PREFIX)}[0-9a-f]{{40}}{re.escape(_MEMO_SUFFIX)}"
    rf"|{re.escape(_TEMP_PREFIX)}[a-z0-9_]{{8}}(?:{re.escape(_SUFFIX)}|{re.escape(_MEMO_SUFFIX)})"
)
_EDGE_BYTES = 64 * 1024  # the head and the tail hashed to tell a file's bytes
_UNUSED_DAYS = 30
_STALE_TEMP_S = 3600.0


def default_cache_dir() -> str:
    """``$XDG_CACHE_HOME/micromacro``, else ``~/.cache/micromacro``. As the XDG spec says, a
    relative ``XDG_CACHE_HOME`` is ignored; an empty ``HOME`` is taken as unset (the home of the
    user in the password database), not as the root directory."""
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(xdg):
        return os.path.join(xdg, "micromacro")
    return os.path.join(_home(), ".cache", "micromacro")


def missing_home() -> str | None:
    """The home directory ``default_cache_dir`` is in, when it does not exist (a system user's
    ``/nonexistent``): the cache is not made there, parents and all. None when it exists, or
    when ``XDG_CACHE_HOME`` names the cache's place."""
    if os.path.isabs(os.environ.get("XDG_CACHE_HOME", "")):
        return None
    home = _home()
    return None if os.path.isdir(home) else home


def _home() -> str:
    """``HOME``, or the home of the user in the password database where it is unset or empty."""
    return os.environ.get("HOME") or _home_of_user()


def _home_of_user() -> str:
    try:
        import pwd  # not on Windows

        return pwd.getpwuid(os.getuid()).pw_dir
    except (ImportError, KeyError, OSError):
        return os.path.expanduser("~")


_fingerprint: str | None = None


def code_fingerprint() -> str:
    """A digest of this program's source: a changed parser makes every entry a miss."""
    global _fingerprint
    if _fingerprint is None:
        digest = hashlib.sha256(f"{__version__} polars {pl.__version__} {_FORMAT}".encode())
        root = Path(__file__).resolve().parent
        for path in sorted(root.rglob("*.py")):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
        _fingerprint = digest.hexdigest()
    return _fingerprint


@dataclass(frozen=True)
class Identity:
    """Which bytes of which file an entry holds: the first ``size`` bytes of the file at
    ``device``/``inode``, whose first and last 64 KB hash to ``head`` and ``tail``; ``mtime_ns``
    the file's mtime when they were read."""

    device: int
    inode: int
    size: int
    mtime_ns: int
    head: str
    tail: str


def _edges(path: str, size: int) -> tuple[str, str]:
    """The hashes of the first and of the last 64 KB of the first ``size`` bytes of ``path``."""
    with open(path, "rb") as handle:
        head = handle.read(min(size, _EDGE_BYTES))
        start = max(0, size - _EDGE_BYTES)
        handle.seek(start)
        tail = handle.read(size - start)
    if len(tail) != size - start:
        raise OSError("the file is shorter than expected")
    return hashlib.sha256(head).hexdigest(), hashlib.sha256(tail).hexdigest()


def _identity(path: str, size: int | None = None) -> Identity:
    """The identity of ``path``'s first ``size`` bytes (all of them by default)."""
    info = os.stat(path)
    covered = info.st_size if size is None else size
    head, tail = _edges(path, covered)
    return Identity(info.st_dev, info.st_ino, covered, info.st_mtime_ns, head, tail)


# What reading the rows of an entry found usable may raise when its pages were written damaged:
# Polars' errors, and a panic of its Parquet reader (a ``PanicException`` is no ``Exception``).
_UNREADABLE = (OSError, pl.exceptions.PolarsError, pl.exceptions.PanicException)
# Whatever reading an entry's bytes (its footer, its metadata) may raise: it is then damaged.
_DAMAGED = (Exception, pl.exceptions.PanicException)


@dataclass(frozen=True)
class CachedPart:
    """A usable entry: its rows (one per line or row of the file's first ``lines``, as they
    were stored: ``entry``, not yet read; ``read``, ``read_all``), the bytes it covers, and
    whether that is the whole file now (``whole``) or the file has grown since (read bytes
    ``size`` on, ``lines`` lines after the start)."""

    entry: pl.LazyFrame
    lines: int
    size: int
    whole: bool
    # For an uncompressed file: where chunks of its lines start, (byte, lines before it).
    index: tuple[tuple[int, int], ...]
    extra: dict[str, Any]
    file: str = ""  # the input it holds, as the run names it
    path: str = ""  # the entry's own file

    def tail(self, file_size: int) -> FileParts:
        """The bytes after the cached part, as the one stretch of the file to read."""
        return FileParts((ByteRange(self.size, file_size, self.lines),), 0)

    def read(self, query: pl.LazyFrame | None = None) -> pl.DataFrame:
        """The entry's rows (or what ``query``, made from ``entry``, selects of them); raises
        ``EntryUnreadable`` when they cannot be read, or (all of them) are not ``lines`` rows."""
        if query is not None:
            return self.read_all([query])[0]
        rows = self.read_all([self.entry])[0]
        self._check_count(rows.height)
        return rows

    def read_all(self, queries: Sequence[pl.LazyFrame]) -> list[pl.DataFrame]:
        """What ``queries``, made from ``entry``, select, run together; raises
        ``EntryUnreadable`` when they cannot be read."""
        try:
            return pl.collect_all(queries)
        except _UNREADABLE as error:
            raise EntryUnreadable(self.file, self.path, error) from error

    def _check_count(self, rows: int) -> None:
        # The seal shows the bytes are those written, and an entry is sealed only with the rows
        # its metadata counts (``_seal``); this catches an entry rewritten and sealed again.
        if rows != self.lines:
            counted = ValueError(f"{rows} rows, {self.lines} expected")
            raise EntryUnreadable(self.file, self.path, counted)


def read_together(
    work: Sequence[tuple[CachedPart, Sequence[pl.LazyFrame]]], *, counted: bool = False
) -> list[list[pl.DataFrame]]:
    """What each part's queries (made from its ``entry``) select, all run together: a run of many
    small entries pays Polars' fixed cost of a query once, not once per entry. With ``counted``
    each entry's rows are counted too, in the same run, and must be the lines it holds. Raises
    ``EntryUnreadable`` naming an entry that cannot be read."""
    work = [
        (part, [*part_queries, *([part.entry.select(pl.len())] if counted else [])])
        for part, part_queries in work
    ]
    queries = [query for _, part_queries in work for query in part_queries]
    try:
        found = pl.collect_all(queries)
    except _UNREADABLE:
        # Each entry on its own: the one that cannot be read is named.
        found = [frame for part, part_queries in work for frame in part.read_all(part_queries)]
    results, start = [], 0
    for part, part_queries in work:
        frames = found[start : start + len(part_queries)]
        start += len(part_queries)
        if counted:
            part._check_count(int(frames.pop().item()))
        results.append(frames)
    return results


class EntryUnreadable(Exception):
    """An entry found usable could not be read after all (damaged since): its file is read."""

    def __init__(self, file: str, path: str, error: BaseException) -> None:
        reason = _reason(error)
        super().__init__(
            f"cache: the entry of {file} ({os.path.basename(path)}) cannot be read"
            f"{f' ({reason})' if reason else ''}"
        )
        self.file = file


@dataclass(frozen=True)
class EntryInfo:
    """What ``micromacro cache info`` shows of an entry."""

    path: str
    file: str
    kind: str
    lines: int
    file_bytes: int
    entry_bytes: int
    used: float
    # Whether ``file`` names another file now, or none (renamed by logrotate, or removed).
    moved: bool = False


@dataclass
class _Write:
    frame: pl.DataFrame | pl.LazyFrame
    rows: int
    file: str  # the input it holds
    target: str  # where it goes (an entry stream's: set once it ended)
    metadata: ParquetMetadata
    stream: EntryStream | None = None


@dataclass
class HitCache:
    """The cache directory of a run (see the module). Use it as a context manager: leaving it
    waits for the entries being written."""

    directory: str
    warnings: list[str] = field(default_factory=list)
    _writer: threading.Thread | None = None
    _queue: list[_Write] = field(default_factory=list)
    _streams: list[EntryStream] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _wrote: bool = False
    # Set when Ctrl-C reached the writing thread (Polars checks for it while it writes): the
    # entries not written are dropped, and ``wait`` passes the interruption on.
    _interrupted: bool = False
    _temps: set[str] = field(default_factory=set)  # the temporary files being written

    def __enter__(self) -> HitCache:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.wait()

    # --- finding ---------------------------------------------------------------------------

    def entry_path(self, identity: Identity, settings: Mapping[str, object]) -> str:
        key = json.dumps(
            [code_fingerprint(), identity.device, identity.inode, settings],
            sort_keys=True,
            default=str,
        )
        name = hashlib.sha256(key.encode()).hexdigest()[:40]
        return os.path.join(self.directory, f"{_PREFIX}{name}{_SUFFIX}")

    def lookup(
        self,
        file: InputFile,
        settings: Mapping[str, object],
        *,
        appendable: bool,
        columns: Mapping[str, pl.DataType] | None = None,
        numbered: str | None = None,
    ) -> tuple[Identity | None, CachedPart | None]:
        """The identity of ``file`` now, and its entry for ``settings`` when that still holds
        the file's bytes (all of them, or with ``appendable`` its start; else None). An entry
        that cannot be read or is not what its name says is a miss, and a warning. ``columns``
        (name, type) must be in the entry, of these types; a column ``numbered`` (``UInt32``)
        numbers the rows from 1, first. The rows are read when used (``CachedPart``)."""
        try:
            now = _identity(file.scan_path)
        except OSError:
            return None, None
        path = self.entry_path(now, settings)
        if not os.path.exists(path):
            return now, None
        try:
            # One read of the whole entry (small: a few MB a million lines): what follows,
            # and the rows read later, are of these bytes, whatever replaces the file meanwhile.
            with open(path, "rb") as handle:
                data = handle.read()
            metadata = pl.read_parquet_metadata(data)
            _check_seal(data, metadata.get(_DIGEST_KEY, ""))
            meta = json.loads(metadata[_META_KEY])
            stored = Identity(**meta["identity"])
            if meta["format"] != _FORMAT or meta["key"] != _settings_text(settings):
                raise ValueError("written for other settings")
            if (stored.device, stored.inode) != (now.device, now.inode):
                raise ValueError("written for another file")
            appendable = appendable and bool(meta["appendable"])
        except _DAMAGED as error:
            self._damaged(file, path, error)
            return now, None
        whole = _still_holds(file.scan_path, stored, now, appendable=appendable)
        if whole is None:
            return now, None
        try:
            entry = _entry_rows(data, columns, numbered)
        except _DAMAGED as error:
            self._damaged(file, path, error)
            return now, None
        with contextlib.suppress(OSError):
            os.utime(path)  # last used: entries unused for long are removed
        part = CachedPart(
            entry=entry,
            lines=int(meta["lines"]),
            size=stored.size,
            whole=whole,
            index=tuple((int(a), int(b)) for a, b in meta.get("index", ())),
            extra=dict(meta.get("extra", {})),
            file=file.name,
            path=path,
        )
        return now, part

    def forget(self, file: InputFile, settings: Mapping[str, object]) -> None:
        """Remove the entry of ``file`` for ``settings``: it could not be read."""
        with contextlib.suppress(OSError):
            os.remove(self.entry_path(_identity(file.scan_path), settings))

    def recall(self, key: str) -> Any:
        """What ``remember`` kept for ``key`` with this program's code, or None (none kept, a
        memo damaged, or another key's in its place)."""
        path = self._memo_path(key)
        try:
            with open(path, encoding="utf-8") as handle:
                memo = json.load(handle)
        except (OSError, ValueError, RecursionError):  # damaged: detected again
            return None
        if not isinstance(memo, dict) or memo.get("key") != _memo_key(key):
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # last used: memos unused for long are removed with the entries
        return memo.get("value")

    def remember(self, key: str, value: Any) -> None:
        """Keep ``value`` (JSON) for ``key``, atomically; a memo that cannot be written is
        worked out again next time, without a word."""
        try:
            os.makedirs(self.directory, mode=0o700, exist_ok=True)
            handle, temp = tempfile.mkstemp(
                prefix=_TEMP_PREFIX, suffix=_MEMO_SUFFIX, dir=self.directory
            )
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as out:
                    json.dump({"key": _memo_key(key), "value": value}, out)
                os.replace(temp, self._memo_path(key))
            finally:
                with contextlib.suppress(FileNotFoundError):
                    os.remove(temp)
        except OSError:
            return

    def _memo_path(self, key: str) -> str:
        name = _memo_key(key)[:40]
        return os.path.join(self.directory, f"{_MEMO_PREFIX}{name}{_MEMO_SUFFIX}")

    def take_warnings(self) -> list[str]:
        """The warnings so far (entries that could not be used, or written), said once."""
        with self._lock:
            taken, self.warnings = self.warnings, []
        return taken

    def _damaged(self, file: InputFile, path: str, error: BaseException) -> None:
        reason = _reason(error)
        self.warnings.append(
            f"cache: the entry of {file.name} ({os.path.basename(path)}) cannot be used"
            f"{f' ({reason})' if reason else ''}: read again"
        )
        _remove_entry(path)

    def unreadable(self, error: EntryUnreadable) -> str:
        """The warning of an entry found usable whose rows could not be read after all."""
        return f"{error}: read again"

    # --- writing ---------------------------------------------------------------------------

    def store(
        self,
        file: InputFile,
        settings: Mapping[str, object],
        frame: pl.DataFrame | pl.LazyFrame | EntryStream,
        *,
        size: int,
        appendable: bool,
        rows: int | None = None,
        index: tuple[tuple[int, int], ...] = (),
        extra: Mapping[str, Any] | None = None,
        before: Identity | None = None,
    ) -> None:
        """Keep ``frame`` (a row per line of the file's first ``size`` bytes; a lazy frame of
        ``rows`` rows is computed as it is written; an ``EntryStream`` was handed them) as the
        entry of ``file`` for ``settings``, written in the background. ``before``: the file's
        identity when reading began; the entry is not kept when the file is no longer that file
        (nor, for an entry of fewer bytes than were read, when the bytes read are not still the
        file's)."""
        lines = frame.height if isinstance(frame, pl.DataFrame) else rows
        if lines is None:
            raise TypeError("a lazy frame is stored with its number of rows")
        kept = self._metadata(file, settings, lines, size, appendable, index, extra, before)
        if isinstance(frame, EntryStream):
            frame.finish(kept, lines)
            return
        if kept is None:
            return
        target, metadata = kept
        with self._lock:
            self._queue.append(_Write(frame, lines, file.name, target, metadata))
            if self._writer is None:
                self._writer = threading.Thread(
                    target=self._write_all, name="micromacro-cache", daemon=False
                )
                self._writer.start()

    def stream(self, name: str, schema: Mapping[str, pl.DataType]) -> EntryStream:
        """An entry of the file ``name``, written in a thread of its own as its rows (of
        ``schema``) are handed over, before the file is read to its end (``EntryStream``);
        where it goes and how many rows it has are known once ``store`` finishes it."""
        stream = EntryStream(schema)
        self._streams.append(stream)
        stream.start(self._guarded, _Write(stream.frame, 0, name, "", stream.metadata, stream))
        return stream

    def _metadata(
        self,
        file: InputFile,
        settings: Mapping[str, object],
        lines: int,
        size: int,
        appendable: bool,
        index: tuple[tuple[int, int], ...],
        extra: Mapping[str, Any] | None,
        before: Identity | None,
    ) -> tuple[str, dict[str, str]] | None:
        """Where the entry of ``file`` goes, and its Parquet metadata; None when the file is no
        longer the one read (``store``)."""
        try:
            identity = _identity(file.scan_path, size)
            read = _identity(file.scan_path, before.size) if before and before.size > size else None
        except OSError:
            return None
        if before is not None:
            if not _same_file(before, read or identity):
                return None  # replaced or rewritten while it was read
            if before.size == size:
                # The bytes read are the file's as the run began: the entry is of those, and
                # has their mtime (a file changed since, but for new lines, is then a miss).
                identity = dataclasses.replace(identity, mtime_ns=before.mtime_ns)
        meta = {
            "format": _FORMAT,
            "key": _settings_text(settings),
            "identity": identity.__dict__,
            "lines": lines,
            "appendable": appendable,
            "index": [list(pair) for pair in index],
            "file": os.path.abspath(file.name),
            "kind": str(settings.get("kind", "")),
            "extra": dict(extra or {}),
        }
        metadata = {_META_KEY: json.dumps(meta), _DIGEST_KEY: _UNSEALED}
        return self.entry_path(identity, settings), metadata

    def _write_all(self) -> None:
        while True:
            with self._lock:
                if not self._queue:
                    self._writer = None
                    return
                write = self._queue.pop(0)
            self._guarded(write)

    def _guarded(self, write: _Write) -> None:
        """Write ``write``; an interruption, or a panic of Polars' writer, ends the writing."""
        try:
            self._write(write)
        except BaseException as error:  # Ctrl-C, or a panic of Polars' writer (maybe of it)
            with self._lock:
                if isinstance(error, KeyboardInterrupt) or "KeyboardInterrupt" in str(error):
                    self._interrupted = True  # the run is being interrupted: write no more
                else:
                    reason = str(error) or type(error).__name__
                    self.warnings.append(f"cache: cannot write to {self.directory}: {reason}")
                self._queue.clear()
        finally:
            if write.stream is not None:
                write.stream.stop()

    def _write(self, write: _Write) -> None:
        try:
            os.makedirs(self.directory, mode=0o700, exist_ok=True)  # hits name visitors
            handle, temp = tempfile.mkstemp(prefix=_TEMP_PREFIX, suffix=_SUFFIX, dir=self.directory)
            os.close(handle)
            with self._lock:
                self._temps.add(temp)
                interrupted = self._interrupted
            try:
                if interrupted:
                    return
                if isinstance(write.frame, pl.LazyFrame):
                    write.frame.sink_parquet(
                        temp,
                        compression="lz4",
                        statistics=False,
                        metadata=write.metadata,
                        engine="streaming",
                    )
                else:
                    write.frame.write_parquet(
                        temp, compression="lz4", statistics=False, metadata=write.metadata
                    )
                if write.stream is not None:  # its place and rows are known once it ended
                    if write.stream.kept is None:
                        return  # abandoned
                    write.target, _, write.rows = write.stream.kept
                with self._lock:
                    if self._interrupted:  # the run ends at once: keep nothing half done
                        return
                _seal(temp, write.rows)
                os.replace(temp, write.target)
            except (OSError, ValueError, pl.exceptions.PolarsError) as error:
                # Polars may say "invalid thrift" of a disk that filled up: look while the
                # partial entry still takes its room.
                if not isinstance(error, OSError) and _no_room(self.directory):
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)) from error
                raise
            finally:
                with contextlib.suppress(FileNotFoundError):
                    os.remove(temp)
                with self._lock:
                    self._temps.discard(temp)
        except (OSError, ValueError, pl.exceptions.PolarsError) as error:
            message = (
                f"cache: the entry of {write.file} was not kept: {error} (the next run reads "
                "it again)"
                if isinstance(error, EntryNotMade)  # not a fault of the directory's
                else _write_problem(self.directory, write.target, error)
            )
            with self._lock:
                if message not in self.warnings:
                    self.warnings.append(message)
            return
        if not self._wrote:
            self._wrote = True
            self._prune()

    def wait(self) -> None:
        """Wait for the entries being written (an entry written as it is read but not finished
        by now is abandoned); raises ``KeyboardInterrupt`` when the writing was interrupted
        (Ctrl-C seen by a writing thread rather than the main one). Interrupted while it waits
        (SIGTERM, a second Ctrl-C), it removes the temporary files being written, as the run
        ends at once."""
        try:
            for stream in self._streams:
                stream.abandon()  # nothing once finished
                stream.join()
            while True:
                with self._lock:
                    writer = self._writer
                if writer is None:
                    break
                writer.join()
        except KeyboardInterrupt:
            with self._lock:
                self._interrupted = True  # no other write starts
                self._queue.clear()
                temps = list(self._temps)
            for temp in temps:
                with contextlib.suppress(OSError):
                    os.remove(temp)
            raise
        if self._interrupted:
            raise KeyboardInterrupt

    def _prune(self) -> None:
        """Remove entries unused for ``_UNUSED_DAYS`` and temporary files of runs long gone."""
        now = time.time()
        for entry in _scan(self.directory):
            try:
                age = now - entry.stat().st_mtime
            except OSError:
                continue
            temp = entry.name.startswith(_TEMP_PREFIX)
            if (temp and age > _STALE_TEMP_S) or (not temp and age > _UNUSED_DAYS * 86400):
                with contextlib.suppress(OSError):
                    os.remove(entry.path)

    # --- cache info and clear --------------------------------------------------------------

    def entries(self) -> list[EntryInfo]:
        """Every entry of the directory, the most recently used first. A directory that does
        not exist holds none; one that cannot be read raises ``OSError`` (as ``clear``)."""
        try:
            os.listdir(self.directory)
        except FileNotFoundError:
            return []
        found = []
        for entry in _scan(self.directory):
            if entry.name.startswith((_TEMP_PREFIX, _MEMO_PREFIX)):
                continue
            moved = False
            try:
                info = entry.stat()
                meta = json.loads(pl.read_parquet_metadata(entry.path)[_META_KEY])
                file, kind = str(meta["file"]), str(meta["kind"])
                lines, size = int(meta["lines"]), int(meta["identity"]["size"])
                moved = not _still_there(file, meta["identity"])
            except FileNotFoundError:
                continue  # removed meanwhile (another run pruning it, or a clear)
            except _DAMAGED:
                file, kind, lines, size = "(unreadable entry)", "", 0, 0
                info = entry.stat()
            found.append(
                EntryInfo(entry.path, file, kind, lines, size, info.st_size, info.st_mtime, moved)
            )
        return sorted(found, key=lambda e: -e.used)

    def clear(self) -> tuple[int, int, list[str]]:
        """Remove every entry (and memo and temporary file); returns how many entries and bytes
        were removed, and what could not be (``name: reason``). A directory that does not exist
        holds nothing to remove; one that cannot be read raises ``OSError``."""
        try:
            os.listdir(self.directory)
        except FileNotFoundError:
            return 0, 0, []
        removed = freed = 0
        failed: list[str] = []
        for entry in _scan(self.directory):
            try:
                size = entry.stat().st_size
                os.remove(entry.path)
            except FileNotFoundError:
                continue  # removed meanwhile (another run pruning it)
            except OSError as error:
                failed.append(f"{entry.name}: {error.strerror or error}")
                continue
            if not entry.name.startswith((_TEMP_PREFIX, _MEMO_PREFIX)):
                removed += 1
                freed += size
        return removed, freed, failed


# Less free room than this where an entry failed to be written: the disk filled up.
_FULL_BYTES = 1 << 20


def _no_room(directory: str) -> bool:
    """Whether the file system of ``directory`` has (next to) no room left."""
    try:
        info = os.statvfs(directory)
    except OSError:
        return False
    return info.f_bavail * info.f_frsize < _FULL_BYTES


def _remove_entry(path: str) -> None:
    """Remove the entry at ``path``, or an empty directory made in its place."""
    with contextlib.suppress(OSError):
        if os.path.isdir(path) and not os.path.islink(path):
            os.rmdir(path)  # never a directory's contents: they are not the cache's
        else:
            os.remove(path)


# How Polars quotes the system's error it met ("… File too large (os error 27)").
_OS_ERROR = re.compile(r"\(os error (\d+)\)")


def _write_problem(directory: str, target: str, error: BaseException) -> str:
    """The warning of an entry that could not be written to ``directory`` as ``target``."""
    # Its temporary file (or the directory) removed meanwhile; else a directory that cannot be
    # made at all (in /proc, say) is a directory it cannot write to.
    if isinstance(error, FileNotFoundError) and os.path.isdir(directory):
        return (
            f"cache: an entry being written to {directory} was removed meanwhile (by micromacro "
            "cache clear?): it is not kept, and the next run reads the logs again"
        )
    reason = error.strerror if isinstance(error, OSError) and error.strerror else error
    if isinstance(error, FileExistsError) and not os.path.isdir(directory):
        reason = os.strerror(errno.ENOTDIR)  # a file where the directory would be made
    if system := _OS_ERROR.search(str(error)) if not isinstance(error, OSError) else None:
        reason = os.strerror(int(system.group(1)))  # Polars wraps the system's error
    if isinstance(error, OSError) and error.filename2 == target:  # something else in its place
        return f"cache: cannot write {target}: {reason} (the next run reads the logs again)"
    return f"cache: cannot write to {directory}: {reason} (the next run reads the logs again)"


def _scan(directory: str) -> Iterator[os.DirEntry[str]]:
    """The entries, memos and temporary files of the cache directory (nothing else in it)."""
    try:
        listing = list(os.scandir(directory))
    except OSError:
        return
    for entry in listing:
        if _OURS.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
            yield entry


def _memo_key(key: str) -> str:
    """The hash of a memo's key with this program's code: its file's name, and what the memo
    holds to be told from another key's memo copied in its place."""
    return hashlib.sha256(json.dumps([code_fingerprint(), key]).encode()).hexdigest()


def _reason(error: BaseException) -> str:
    """The first line of what ``error`` says, cut to 120 characters ("" when it says nothing):
    of a system's error, its reason alone (the message names the file)."""
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    said = str(error).strip()
    return said.splitlines()[0][:120] if said else ""


def _entry_rows(
    data: bytes,
    columns: Mapping[str, pl.DataType] | None,
    numbered: str | None,
) -> pl.LazyFrame:
    """The rows of an entry (its bytes, their seal checked) as ``HitCache.lookup`` gives them,
    not yet decoded: its column types are checked now (from its footer), its rows when read.
    Its row count is the one its metadata gives: it was checked before the entry was sealed."""
    entry = pl.scan_parquet(data)
    # Read from the footer apart: asking the scan for its schema makes every later slice of it
    # decode the rows before the slice too.
    schema = pl.read_parquet_schema(data)
    if columns is None:
        return entry
    wrong = [name for name, dtype in columns.items() if schema.get(name) != dtype]
    if wrong:
        raise ValueError(f"column {wrong[0]} missing or of another type")
    if numbered is not None:
        # Made as the entry is read, in the same chunks as its columns: a column added later
        # would make Polars copy every column to align them.
        entry = entry.with_row_index(numbered, offset=1)
    return entry.select(
        *([pl.col(numbered).cast(pl.UInt32)] if numbered is not None else []), *columns
    )


def _settings_text(settings: Mapping[str, object]) -> str:
    return json.dumps([code_fingerprint(), settings], sort_keys=True, default=str)


def _still_there(path: str, identity: Mapping[str, Any]) -> bool:
    """Whether ``path`` still names the file of ``identity`` (its device and inode)."""
    try:
        info = os.stat(path)
    except OSError:
        return False
    return (info.st_dev, info.st_ino) == (identity["device"], identity["inode"])


def _footer_start(data: bytes) -> int:
    """Where the footer of the Parquet file ``data`` starts (raises ``ValueError`` when it has
    none)."""
    if len(data) < 12 or data[:4] != b"PAR1" or data[-4:] != b"PAR1":
        raise ValueError("not a Parquet file")
    start = len(data) - 8 - int.from_bytes(data[-8:-4], "little")
    if start < 4:
        raise ValueError("its footer is damaged")
    return start


class EntryNotMade(ValueError):
    """An entry's rows could not be made as it was written (not a fault of the directory)."""


class _Miscounted(EntryNotMade):
    """An entry written with other rows than its metadata counts."""


def _seal(path: str, rows: int) -> None:
    """Put the CRC-32 of the entry at ``path`` (written with ``_UNSEALED`` as the value of
    ``_DIGEST_KEY``) in place of those zeros: the same length, so the footer stays valid.
    Raises ``ValueError`` unless the entry holds ``rows`` rows: an entry is sealed only with
    the rows its metadata counts, so a reader that finds the seal intact need not count them."""
    with open(path, "r+b") as handle:
        data = handle.read()
        height = pl.scan_parquet(data).select(pl.len()).collect().item()
        if height != rows:
            raise _Miscounted(f"{height} rows written, {rows} expected")
        start = _footer_start(data)
        key = data.find(_DIGEST_KEY.encode(), start)
        at = data.find(_UNSEALED.encode(), key) if key >= 0 else -1
        if at < 0:
            raise ValueError("no digest to seal the entry with")
        handle.seek(at)
        handle.write(f"{zlib.crc32(data):08x}".encode())


def _check_seal(data: bytes, digest: str) -> None:
    """Raise ``ValueError`` unless ``data`` (an entry's bytes) is what was sealed with
    ``digest``: its CRC-32, taken with the digest's place all zeros, is ``digest``."""
    start = _footer_start(data)
    key = data.find(_DIGEST_KEY.encode(), start)
    at = data.find(digest.encode(), key) if key >= 0 and len(digest) == len(_UNSEALED) else -1
    if at < 0:
        raise ValueError("it has no digest")
    view = memoryview(data)
    crc = zlib.crc32(view[:at])
    crc = zlib.crc32(_UNSEALED.encode(), crc)
    crc = zlib.crc32(view[at + len(_UNSEALED) :], crc)
    if f"{crc:08x}" != digest:
        raise ValueError("its bytes changed since it was written")


def _same_file(before: Identity, after: Identity) -> bool:
    """Whether ``after`` (a file's identity once read) is the file ``before`` was: the same
    file, whose bytes ``before`` covers still start and end as they did (when ``after`` covers
    the same bytes), or at least start so (when it covers more or fewer of them)."""
    if (before.device, before.inode) != (after.device, after.inode):
        return False
    if before.size == after.size:
        return (before.head, before.tail) == (after.head, after.tail)
    both_whole = min(before.size, after.size) >= _EDGE_BYTES
    return both_whole and before.head == after.head


def _still_holds(path: str, stored: Identity, now: Identity, *, appendable: bool) -> bool | None:
    """Whether the file still holds the stored bytes: True when it is unchanged, False when it
    only grew after them (and the entry allows that), None when the entry is of no use."""
    if now.size < stored.size:
        return None
    if now.size == stored.size:
        same = (now.mtime_ns, now.head, now.tail) == (stored.mtime_ns, stored.head, stored.tail)
        return True if same else None
    if not appendable:
        return None
    try:
        head, tail = _edges(path, stored.size)
    except OSError:
        return None
    return False if (head, tail) == (stored.head, stored.tail) else None
