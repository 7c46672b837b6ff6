"""The history file: one CSV row per goal and reported period, kept across cron runs.

``append_history`` replaces the rows of the report's period (a re-run) and adds the others, under
an exclusive lock on ``FILE.lock`` and through a temporary file renamed into place, so neither a
re-run nor two overlapping runs ever duplicate rows or leave half a file.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import io
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime

from micromacro.errors import OutputError

HISTORY_COLUMNS: tuple[str, ...] = (
    "period_start",
    "period_end",
    "goal",
    "kind",
    "sessions",
    "conversions",
    "conversion_rate",
    "visitors",
)


def history_rows(
    goals: list[dict[str, object]], sessions: int, start: datetime | None, end: datetime | None
) -> list[dict[str, str]]:
    """The history rows of one report: one per goal, for the period ``[start, end)``."""
    period = {"period_start": _instant(start), "period_end": _instant(end)}
    return [
        {
            **period,
            "goal": str(goal["name"]),
            "kind": str(goal["kind"]),
            "sessions": str(sessions),
            "conversions": str(goal["conversions"]),
            "conversion_rate": repr(goal["conversion_rate"]),
            "visitors": str(goal["visitors"]),
        }
        for goal in goals
    ]


def _instant(moment: datetime | None) -> str:
    """An instant as ISO 8601 in UTC (``2026-11-02T00:00:00Z``); empty for an open end."""
    if moment is None:
        return ""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@contextlib.contextmanager
def _locked(path: str) -> Iterator[None]:
    """Hold an exclusive lock on ``path + '.lock'`` (waiting for another run to finish)."""
    try:
        handle = open(path + ".lock", "a")  # noqa: SIM115 - closed below
    except OSError as error:
        raise OutputError(f"--history {path}: cannot lock: {error.strerror or error}") from None
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _read_rows(path: str) -> list[dict[str, str]]:
    """The rows already in the history file (none when it does not exist yet)."""
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames is not None and tuple(reader.fieldnames) != HISTORY_COLUMNS:
                raise OutputError(
                    f"--history {path}: the file has other columns "
                    f"({', '.join(reader.fieldnames)}; expected {', '.join(HISTORY_COLUMNS)}); "
                    "it was left as it is"
                )
            return list(reader)
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        reason = getattr(error, "strerror", None) or error
        raise OutputError(f"--history {path}: cannot read: {reason}") from None


def _write_rows(path: str, rows: list[dict[str, str]]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=HISTORY_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    directory = os.path.dirname(os.path.abspath(path))
    try:
        handle, temporary = tempfile.mkstemp(prefix=".micromacro-history-", dir=directory)
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(buffer.getvalue())
        os.replace(temporary, path)
    except OSError as error:
        with contextlib.suppress(OSError, UnboundLocalError):
            os.unlink(temporary)
        raise OutputError(f"--history {path}: cannot write: {error.strerror or error}") from None


def append_history(path: str, rows: list[dict[str, str]]) -> None:
    """Put ``rows`` (one period's) into the history file at ``path``: rows of the same period
    are replaced, the others kept, in period then file order.

    Raises ``OutputError`` (exit 1) when the file has other columns (it is left untouched) or
    cannot be read, locked or written.
    """
    periods = {(row["period_start"], row["period_end"]) for row in rows}
    with _locked(path):
        kept = [
            row
            for row in _read_rows(path)
            if (row["period_start"], row["period_end"]) not in periods
        ]
        merged = sorted([*kept, *rows], key=lambda row: (row["period_start"], row["period_end"]))
        _write_rows(path, merged)
