"""What micromacro writes: output files (``--output``, ``--history``) and the cells of CSV/TSV.

Files: ``write_output`` (or ``resolve_output(...).write``) puts bytes where the user asked without
breaking what is there. A regular file, or a new path, is written to a temporary file in its own
directory and renamed over it (never half a file); a replaced file keeps its mode, and its owner
and group where the process may set them; a new one gets ``0666 & ~umask`` like ``>`` would. A
symlink is followed, so its target is replaced and the link stays. A character device, FIFO or
socket, and ``/dev/fd/N`` or ``/proc/self/fd/N`` (the descriptor itself, as a shell's ``>&N``),
are written in place, as a stream. Failures are ``OutputError``, one line naming the path, a
reader that went away (``EPIPE``) included: the output was not delivered.

Cells: ``csv_cell`` and ``tsv_cell`` make one value safe in delimited text: C0 controls but tab,
CR and LF, and C1 controls, become U+FFFD; a value a spreadsheet would run as a formula
(starting with ``=``, ``+``, ``-``, ``@``, tab or CR, and no plain number) gets a ``'`` prefix
unless ``raw``; CSV quotes a value holding CR, LF, the separator or a quote; TSV writes ``\\``,
tab, LF and CR as escapes.
``render/hits.py`` applies the same rules to a Polars frame with the patterns below.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import socket
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from micromacro.descriptors import absolute_name, closed_standard_stream, descriptor_of
from micromacro.errors import InputError, OutputError, UsageError
from micromacro.inputs import STDIN, expand_patterns

# --- cells ---------------------------------------------------------------------------------------

# C0 control characters other than tab, LF and CR (NUL, ESC, VT, FF, the separators 0x1c-0x1f…),
# and C1 control characters (U+009B, CSI, starts a terminal's control sequence as ESC [ does).
CONTROL_PATTERN = "[\x00-\x08\x0b\x0c\x0e-\x1f\x80-\x9f]"
# What a spreadsheet may take for the start of a formula (OWASP's list for CSV injection); a
# value starting so, or with quotes before it, gets a quote in front: one quote less is the
# value again, whatever it held (``'=1`` is written ``''=1``).
FORMULA_STARTS = "=+-@\t\r"
FORMULA_START_PATTERN = "^'*[=+\\-@\t\r]"
# A plain number: data, not a formula, even when negative (-0.05, -1, -1e-05, -inf).
NUMBER_PATTERN = r"[+-]?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|(?i:inf))"
REPLACEMENT = "\ufffd"

_CONTROL = re.compile(CONTROL_PATTERN)
_NUMBER = re.compile(NUMBER_PATTERN)
_TSV_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
_TSV_SPECIAL = re.compile("[\\\\\t\n\r]")


def safe_text(value: str, *, raw: bool = False) -> str:
    """``value`` with C0 controls (but tab, LF, CR) replaced by U+FFFD and, unless ``raw``, a
    ``'`` before a formula start: ``=1+1`` → ``'=1+1``, but ``-0.05`` stays a number; and
    before quotes that come before one, so that one quote less is the value (``'=1`` →
    ``''=1``).

    >>> safe_text("=1+1"), safe_text("'=1+1"), safe_text("-0.05"), safe_text("it's")
    ("'=1+1", "''=1+1", '-0.05', "it's")
    """
    text = _CONTROL.sub(REPLACEMENT, value)
    return "'" + text if not raw and _guarded(text) else text


def unguarded(cell: str) -> str:
    """A cell's value as ``safe_text`` had it: the quote the formula guard put in front taken
    off (``''=1`` → ``'=1``; ``it's`` stays).

    >>> unguarded("'=1+1"), unguarded("''=1+1"), unguarded("'-0.05"), unguarded("'x")
    ('=1+1', "'=1+1", "'-0.05", "'x")
    """
    return cell[1:] if cell.startswith("'") and _guarded(cell[1:]) else cell


def _guarded(text: str) -> bool:
    """Whether ``safe_text`` puts a quote before ``text``: it starts like a formula, maybe
    after quotes, and is no plain number."""
    start = text.lstrip("'")[:1]
    return start != "" and start in FORMULA_STARTS and not _NUMBER.fullmatch(text)


def csv_cell(value: str, *, separator: str = ",", raw: bool = False) -> str:
    """One CSV cell: ``safe_text``, quoted (quotes doubled) when it holds CR, LF, ``separator``
    or a quote: the csv module's QUOTE_MINIMAL leaves a bare CR unquoted."""
    text = safe_text(value, raw=raw)
    if any(char in text for char in ("\r", "\n", '"', separator)):
        return '"' + text.replace('"', '""') + '"'
    return text


def tsv_cell(value: str, *, raw: bool = False) -> str:
    """One TSV cell: ``safe_text``, with backslash, tab, LF and CR written as ``\\\\``, ``\\t``,
    ``\\n``, ``\\r`` (TSV has no quoting)."""
    return _TSV_SPECIAL.sub(lambda m: _TSV_ESCAPES[m.group()], safe_text(value, raw=raw))


def csv_line(values: Iterable[str], *, separator: str = ",", raw: bool = False) -> str:
    """A CSV record of ``csv_cell`` values, ending in ``\\n``."""
    return separator.join(csv_cell(v, separator=separator, raw=raw) for v in values) + "\n"


def tsv_line(values: Iterable[str], *, raw: bool = False) -> str:
    """A TSV record of ``tsv_cell`` values, ending in ``\\n``."""
    return "\t".join(tsv_cell(v, raw=raw) for v in values) + "\n"


# --- files ---------------------------------------------------------------------------------------

_CHUNK = 1 << 20
_MAX_LINKS = 40

Kind = Literal["file", "new", "stream", "socket", "fd"]


@dataclass(frozen=True)
class Destination:
    """Where an output goes, once symlinks are followed.

    ``kind`` is ``file`` (an existing regular file, replaced atomically), ``new`` (created
    atomically), ``stream`` (a character device or FIFO, opened and written in place),
    ``socket`` (a Unix socket, connected to) or ``fd`` (a descriptor of this process).
    """

    label: str
    path: str
    target: str
    kind: Kind
    status: os.stat_result | None = None
    fd: int = -1

    @property
    def replaces(self) -> bool:
        """Whether writing replaces a regular file (or creates one) rather than streaming."""
        return self.kind in ("file", "new")

    def error(self, what: str, reason: object) -> OutputError:
        """The one-line error: ``--output PATH: cannot write: REASON``."""
        where = self.path if self.target == self.path else f"{self.path} (a link to {self.target})"
        return OutputError(f"{self.label} {where}: {what}: {_reason(reason)}")

    def write(self, data: str | bytes) -> None:
        """Write ``data`` (text is UTF-8) here: atomically onto a file, in place onto a stream."""
        payload = data.encode("utf-8") if isinstance(data, str) else data
        if self.kind in ("file", "new"):
            self._replace(payload)
        elif self.kind == "socket":
            self._send(payload)
        else:
            self._stream(payload)

    def _stream(self, payload: bytes) -> None:
        try:
            if self.kind == "fd":
                handle = os.dup(self.fd)
            else:
                flags = os.O_WRONLY | os.O_NOCTTY | os.O_CLOEXEC
                if self.status is not None and stat.S_ISREG(self.status.st_mode):
                    flags |= os.O_TRUNC  # a regular file behind a /proc link
                handle = os.open(self.target, flags)
        except OSError as error:
            raise self.error("cannot write", error) from None
        try:
            _write_all(handle, payload)
        except OSError as error:
            raise self.error("cannot write", _why(error)) from None
        finally:
            with contextlib.suppress(OSError):
                os.close(handle)

    def _send(self, payload: bytes) -> None:
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
                connection.connect(self.target)
                for start in range(0, len(payload), _CHUNK):
                    connection.sendall(payload[start : start + _CHUNK])
        except OSError as error:
            raise self.error("cannot write", _why(error)) from None

    def _replace(self, payload: bytes) -> None:
        old = self.status
        if old is not None and not _writable(self.target):
            raise self.error("cannot write", "Permission denied (the file was left as it is)")
        directory = os.path.dirname(self.target) or "."
        temporary = os.path.join(directory, f".micromacro-{secrets.token_hex(8)}")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | os.O_NOFOLLOW
        try:
            # Mode 0666: the kernel applies the umask (and a default ACL) as for any new file.
            handle = os.open(temporary, flags, 0o666)
        except OSError as error:
            if old is None:
                raise self.error("cannot write", error) from None
            raise self.error(
                "cannot write", f"no temporary file in {directory}: {_reason(error)} "
                "(the file was left as it is)"
            ) from None  # fmt: skip
        try:
            try:
                if old is not None:
                    _keep_owner_and_mode(handle, old)
                _write_all(handle, payload)
                os.fsync(handle)
            finally:
                os.close(handle)
            os.replace(temporary, self.target)
        except BaseException as error:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            if isinstance(error, OSError):
                raise self.error("cannot write", error) from None
            raise
        _sync_directory(directory)


def resolve_output(path: str, *, label: str = "--output") -> Destination:
    """Where writing to ``path`` goes: symlinks followed (a descriptor path is not), and what is
    there. Raises ``OutputError`` for a directory, a block device, a descriptor that was closed
    when the program started (``/dev/stdout`` then) or a path that cannot be looked at;
    ``label`` (``--output``, ``--history``) starts the message."""
    target = path
    for _ in range(_MAX_LINKS):
        fd = descriptor_of(target)
        if fd is not None:
            destination = Destination(label, path, target, "fd", fd=fd)
            closed = closed_standard_stream(fd)
            if closed is not None:  # its place held by /dev/null: the output would be lost
                raise destination.error("cannot write", f"{closed} is closed")
            return destination
        if _is_proc(target):
            break  # a /proc link names no path (pipe:[123]): open it as it is
        try:
            link = os.readlink(target)
        except OSError:
            break  # not a link (or nothing there yet)
        target = os.path.join(os.path.dirname(target), link)
    else:
        raise Destination(label, path, path, "new").error(
            "cannot write", "too many levels of symbolic links"
        )
    destination = Destination(label, path, target, "new")
    try:
        status = os.stat(target)
    except FileNotFoundError:
        return destination
    except OSError as error:
        raise destination.error("cannot write", error) from None
    mode = status.st_mode
    if stat.S_ISREG(mode) and not _is_proc(target):
        return Destination(label, path, target, "file", status)
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode) or stat.S_ISREG(mode):
        return Destination(label, path, target, "stream", status)
    if stat.S_ISSOCK(mode):
        return Destination(label, path, target, "socket", status)
    what = "a directory" if stat.S_ISDIR(mode) else "a block device" if stat.S_ISBLK(mode) else None
    raise destination.error(
        "cannot write",
        f"it is {what or 'no regular file'} (micromacro writes files, character devices, FIFOs "
        "and sockets)",
    )


def write_output(
    path: str, data: str | bytes, *, label: str = "--output", reads: Sequence[str] = ()
) -> None:
    """Write ``data`` to ``path``: atomically onto a regular file or a new path, in place onto a
    device, FIFO, socket or ``/dev/fd/N``. Raises ``OutputError`` (exit 1) naming ``path``, and
    ``UsageError`` (exit 2) when it is one of the files the run ``reads`` (its inputs, paths or
    globs, and its goals file): a report never replaces what it was made from."""
    destination = _not_read(resolve_output(path, label=label), reads)
    destination.write(data)


def refuse_read_output(path: str, *, label: str = "--output", reads: Sequence[str] = ()) -> None:
    """Raise as ``write_output`` would for ``path`` before it is written to: a ``UsageError``
    when the run ``reads`` it, an ``OutputError`` when nothing can be written there (a
    directory). A command calls it before it reads anything, so that a mistyped ``--output``
    costs no run; ``write_output`` checks again as it writes."""
    _not_read(resolve_output(path, label=label), reads)


def _not_read(destination: Destination, reads: Sequence[str]) -> Destination:
    """``destination``, unless it is a file among ``reads``: a ``UsageError`` then."""
    if destination.kind == "file" and destination.status is not None:
        read = _read_file(destination.status, reads)
        if read is not None:
            path, label = destination.path, destination.label
            also = "" if read == path else f" (as {read})"
            raise UsageError(f"{label} {path}: this run reads it{also}: name another file")
    return destination


def same_file(one: str, other: str) -> bool:
    """Whether paths ``one`` and ``other`` name one regular file, or one path with nothing
    there yet (links followed, hard links too): what writing to both would overwrite. A
    device, FIFO or socket is written in place, and takes both."""
    try:
        status = os.stat(one)
    except OSError:  # nothing there yet
        return os.path.realpath(one) == os.path.realpath(other)
    try:
        return stat.S_ISREG(status.st_mode) and os.path.samefile(one, other)
    except OSError:
        return False


def _read_file(written: os.stat_result, reads: Sequence[str]) -> str | None:
    """The name among ``reads`` (globs expanded) of the file ``written`` is, if any."""
    for pattern in reads:
        try:
            names = expand_patterns([pattern]) if pattern != STDIN else []
        except InputError:  # a glob that matches nothing now
            continue
        for name in names:
            try:
                status = os.stat(name)
            except OSError:
                continue
            if (status.st_dev, status.st_ino) == (written.st_dev, written.st_ino):
                return name
    return None


def _is_proc(path: str) -> bool:
    return absolute_name(path).startswith("/proc/")


def _why(error: OSError) -> object:
    if isinstance(error, BrokenPipeError):
        return f"{_reason(error)} (the reader went away before the end)"
    return error


def _reason(error: object) -> str:
    if isinstance(error, OSError):
        return error.strerror or str(error)
    return str(error)


def _write_all(handle: int, payload: bytes) -> None:
    view = memoryview(payload)
    while view:
        written = os.write(handle, view[:_CHUNK])
        view = view[written:]


def _writable(path: str) -> bool:
    """Whether this process may write ``path`` (as ``>`` would check; always so for root)."""
    if os.access in os.supports_effective_ids:
        return os.access(path, os.W_OK, effective_ids=True)
    return os.access(path, os.W_OK)


def _keep_owner_and_mode(handle: int, old: os.stat_result) -> None:
    """Give the new file the replaced file's owner and group where permitted (root), or at least
    its group (a member may), then its mode (after chown, which may clear set-id bits)."""
    if (old.st_uid, old.st_gid) != (os.geteuid(), os.getegid()):
        try:
            os.fchown(handle, old.st_uid, old.st_gid)
        except PermissionError:
            with contextlib.suppress(PermissionError):
                os.fchown(handle, -1, old.st_gid)
    os.fchmod(handle, stat.S_IMODE(old.st_mode))


def _sync_directory(directory: str) -> None:
    """Make the rename durable (best effort: not every file system lets a directory be synced)."""
    with contextlib.suppress(OSError):
        handle = os.open(directory, os.O_RDONLY | os.O_CLOEXEC)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)
