"""The spool: a private directory for the copies of inputs that can be read only once (standard
input, a FIFO) or that must be decompressed to be scanned; the counted hits spilled past
``--hit-memory`` go in one of their own.

It is ``micromacro-PID-XXXX`` in the temporary directory, removed when the run ends. The spool
of a run that was killed (``kill -9``) is removed by the next run: each run holds a lock on its
spool for as long as it lives, and the kernel lets go of it when the process dies.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import stat
import tempfile
import time

from micromacro.errors import InputError
from micromacro.text import file_name_text, is_utf8_name

# The spool: micromacro-PID-XXXX in the temporary directory, locked by its run.
_SPOOL_PREFIX = "micromacro-"
_SPOOL_NAME = re.compile(r"micromacro-\d+-[A-Za-z0-9_]+")
_STAGING_PREFIX = ".micromacro-staging-"
_STAGING_MAX_AGE_S = 3600.0
_LOCK_NAME = ".lock"


def temporary_parent() -> str:
    """The directory temporary files go in: ``$TMPDIR`` when it is set, else the system's.

    A ``$TMPDIR`` that is not a directory this process can write to, or whose name is not
    UTF-8, is an error (``InputError``), rather than the system's directory taken instead,
    unseen: one set to a disk with room, and mistyped, would fill a small ``/tmp``.
    """
    chosen = os.environ.get("TMPDIR")
    if not chosen:
        return tempfile.gettempdir()
    if not is_utf8_name(chosen):  # Parquet's writer takes no such path
        reason = "a name that is not valid UTF-8"
    elif not os.path.isdir(chosen):
        reason = "no such directory" if not os.path.exists(chosen) else "not a directory"
    elif not os.access(chosen, os.W_OK | os.X_OK):
        reason = "cannot write to it"
    else:
        return chosen
    raise InputError(
        f"TMPDIR {file_name_text(chosen)}: {reason}; set TMPDIR to a directory with room for "
        "temporary files (or unset it for the system's)"
    )


class Spool:
    """A private directory for a run's temporary files (copies of inputs read once, counted
    hits spilled past ``--hit-memory``): ``micromacro-PID-XXXX`` in the temporary directory,
    locked (``flock``) by this process until ``remove``; a run killed before it could remove
    it leaves it unlocked, and the next run removes it (``remove_orphan_spools``).

    It is made under another name and renamed once locked, so that no other run ever sees it
    unlocked and takes it for an orphan.
    """

    def __init__(self) -> None:
        parent = temporary_parent()
        staging = tempfile.mkdtemp(prefix=_STAGING_PREFIX, dir=parent)
        self._lock = os.open(os.path.join(staging, _LOCK_NAME), os.O_CREAT | os.O_RDWR, 0o600)
        fcntl.flock(self._lock, fcntl.LOCK_EX)
        suffix = os.path.basename(staging).removeprefix(_STAGING_PREFIX)
        self.path = os.path.join(parent, f"{_SPOOL_PREFIX}{os.getpid()}-{suffix}")
        os.rename(staging, self.path)

    def remove(self) -> None:
        """Remove the directory and what it holds, then let go of the lock."""
        shutil.rmtree(self.path, ignore_errors=True)
        os.close(self._lock)


def remove_orphan_spools(parent: str | None = None) -> list[str]:
    """Remove the spool directories of runs that are gone (killed before they could clean up)
    from ``parent`` (the temporary directory): those of this user whose lock nobody holds.
    Returns the directories removed."""
    parent = parent or tempfile.gettempdir()
    try:
        entries = [e for e in os.scandir(parent) if e.name.startswith((_SPOOL_PREFIX, ".micro"))]
    except OSError:
        return []
    removed = []
    for entry in entries:
        if _is_orphan(entry):
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(entry.path)
    return removed


def _is_orphan(entry: os.DirEntry[str]) -> bool:
    staging = entry.name.startswith(_STAGING_PREFIX)
    if not (_SPOOL_NAME.fullmatch(entry.name) or staging):
        return False
    try:
        info = entry.stat(follow_symlinks=False)
    except OSError:
        return False
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        return False
    if staging and time.time() - info.st_mtime < _STAGING_MAX_AGE_S:
        return False  # being made right now (or killed in the microseconds it takes)
    try:
        lock = os.open(os.path.join(entry.path, _LOCK_NAME), os.O_RDWR)
    except FileNotFoundError:
        return staging
    except OSError:
        return False
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False  # its run is alive
    finally:
        os.close(lock)
    return True
