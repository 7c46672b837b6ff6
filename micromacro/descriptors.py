"""The standard streams and other descriptors of this process, by the names a shell gives them
(``/dev/stdin``, ``/dev/fd/N``, ``/proc/self/fd/N``), and which standard stream was closed when
the program started (``environment`` holds its place with /dev/null, close-on-exec).
"""

from __future__ import annotations

import os
import re

# The descriptors of this process by name, as the shell's <&N and >&N name them.
_FD_PATH = re.compile(r"/(?:dev/fd|proc/self/fd|proc/thread-self/fd|proc/(\d+)/fd)/(\d+)")
_MAX_LINKS = 40
_STANDARD_STREAMS = ("standard input", "standard output", "standard error")


def absolute_name(path: str) -> str:
    """``path`` made absolute and normalised, for matching names only (never for opening)."""
    try:
        return os.path.normpath(os.path.abspath(path))
    except OSError:  # the working directory is gone
        return os.path.normpath(path)


def descriptor_of(path: str) -> int | None:
    """N for ``/dev/fd/N``, ``/proc/self/fd/N`` or ``/proc/<this pid>/fd/N``; else None.

    >>> descriptor_of("/dev/fd/0"), descriptor_of("/proc/self/fd/12"), descriptor_of("/dev/null")
    (0, 12, None)
    """
    match = _FD_PATH.fullmatch(absolute_name(path))
    if match is None or (match.group(1) is not None and int(match.group(1)) != os.getpid()):
        return None
    return int(match.group(2))


def closed_standard_stream(descriptor: int) -> str | None:
    """The name of standard stream ``descriptor`` ("standard input") if it was closed when the
    program started, else None: the command line then holds its place with /dev/null marked
    close-on-exec (``environment``), which no descriptor a program starts with can be."""
    if not 0 <= descriptor < len(_STANDARD_STREAMS):
        return None
    try:
        inherited = os.get_inheritable(descriptor)
    except OSError:  # closed now: opening it fails on its own
        return None
    return None if inherited else _STANDARD_STREAMS[descriptor]


def closed_stream_named(path: str) -> str | None:
    """The name of the standard stream closed at start that ``path`` names, its links followed
    (``/dev/stdin`` → ``/proc/self/fd/0``), if any."""
    for _ in range(_MAX_LINKS):
        descriptor = descriptor_of(path)
        if descriptor is not None:
            return closed_standard_stream(descriptor)
        try:
            path = os.path.join(os.path.dirname(path), os.readlink(path))
        except OSError:  # no link (or a /proc link to pipe:[123], which names no path)
            return None
    return None
