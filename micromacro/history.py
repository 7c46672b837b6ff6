"""The history file: one CSV row per goal and reported period, kept across cron runs.

``append_history`` replaces the rows of the report's period (a re-run) and adds the others, under
an exclusive lock on ``FILE.lock`` and through ``outputs.write_output`` (a temporary file renamed
into place), so neither a re-run nor two overlapping runs ever duplicate rows or leave half a
file. Every row already in the file is checked first, before the lock is taken: one with missing
or extra fields, an empty or non-numeric count, or a cut-off last line is refused with its line
number, and the file is left as it is, with no ``.lock`` beside it.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import io
import math
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

from micromacro.errors import OutputError
from micromacro.outputs import Destination, csv_line, resolve_output, unguarded
from micromacro.periods import utc_text
from micromacro.rows import GoalRow
from micromacro.text import quoted

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
_LABEL = "--history"
_COUNTS = ("sessions", "conversions", "visitors")
_KINDS = ("macro", "micro")


def history_rows(
    goals: Sequence[GoalRow], sessions: int, start: datetime | None, end: datetime | None
) -> list[dict[str, str]]:
    """The history rows of one report: one per goal, for the period ``[start, end)``."""
    period = {"period_start": _instant(start), "period_end": _instant(end)}
    return [
        {
            **period,
            "goal": goal.name,
            "kind": goal.kind,
            "sessions": str(sessions),
            "conversions": str(goal.conversions),
            "conversion_rate": repr(goal.conversion_rate),
            "visitors": str(goal.visitors),
        }
        for goal in goals
    ]


def _instant(moment: datetime | None) -> str:
    """An instant as ISO 8601 in UTC (``2026-11-02T00:00:00Z``); empty for an open end."""
    return "" if moment is None else utc_text(moment)


@contextlib.contextmanager
def _locked(destination: Destination) -> Iterator[None]:
    """Hold an exclusive lock on the file's ``.lock`` (waiting for another run to finish)."""
    try:
        handle = open(destination.target + ".lock", "a")  # noqa: SIM115 - closed below
    except FileNotFoundError as error:  # its directory is missing: nothing can be written
        raise destination.error("cannot write", error) from None
    except OSError as error:
        raise destination.error("cannot lock", error) from None
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _refused(path: str, line: int, problem: str) -> OutputError:
    return OutputError(f"{_LABEL} {path}: line {line}: {problem}; the file was left as it is")


def _read_rows(destination: Destination) -> list[dict[str, str]]:
    """The rows already in the history file (none when it does not exist yet), each checked."""
    path = destination.path
    try:
        with open(destination.target, encoding="utf-8-sig", newline="") as handle:
            text = handle.read()
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as error:
        raise destination.error("cannot read", getattr(error, "strerror", None) or error) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[dict[str, str]] = []
    last = 0  # the line the last row starts on
    try:
        header = next(reader, None)
        if header is not None and tuple(header) != HISTORY_COLUMNS:
            raise OutputError(
                f"{_LABEL} {path}: the file has other columns "
                f"(its header {quoted(','.join(header))}; expected {', '.join(HISTORY_COLUMNS)}); "
                "it was left as it is"
            )
        start = reader.line_num + 1
        for fields in reader:
            if fields:  # a blank line holds no row
                rows.append(_checked(path, start, fields))
                last = start
            start = reader.line_num + 1
    except csv.Error as error:
        raise _refused(path, reader.line_num, f"not CSV ({error})") from None
    if rows and not text.endswith(("\n", "\r")):
        raise _refused(
            path, last, "the last row does not end with a line break (cut off by a failed "
            "write?); check it and add one"
        )  # fmt: skip
    return rows


def _checked(path: str, line: int, fields: list[str]) -> dict[str, str]:
    """The row of ``fields`` read on ``line``, or ``OutputError`` naming what is wrong."""
    if len(fields) != len(HISTORY_COLUMNS):
        fewer = len(fields) < len(HISTORY_COLUMNS)
        raise _refused(
            path,
            line,
            f"{len(fields)} fields, expected {len(HISTORY_COLUMNS)} "
            f"({'missing fields: a cut-off row?' if fewer else 'extra fields'})",
        )
    # Each value as it was before it was written (a goal named "=x" was written "'=x").
    row = dict(zip(HISTORY_COLUMNS, (unguarded(field) for field in fields), strict=True))
    for column in HISTORY_COLUMNS[2:]:
        if not row[column]:
            raise _refused(path, line, f"empty {column}")
    for column in ("period_start", "period_end"):
        written = _canonical(row[column])
        if written is None:
            raise _refused(path, line, f"{column} {quoted(row[column])} is no ISO 8601 time")
        row[column] = written
    if row["kind"] not in _KINDS:
        raise _refused(path, line, f"kind {quoted(row['kind'])} is neither macro nor micro")
    for column in _COUNTS:
        if not row[column].isascii() or not row[column].isdigit():
            raise _refused(path, line, f"{column} {quoted(row[column])} is no whole number")
    if not _is_rate(row["conversion_rate"]):
        raise _refused(path, line, f"conversion_rate {quoted(row['conversion_rate'])} is no number")
    return row


def _canonical(text: str) -> str | None:
    """An ISO 8601 time as this file writes it, in UTC (``2026-11-01T23:00:00Z``; a time
    without an offset is UTC, as a spreadsheet may save one), so that a period written
    another way (``2026-11-02T00:00:00+01:00``) is matched and ordered by its instant; an open
    end stays empty; None for text that is no ISO 8601 time."""
    if not text:
        return text
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        return None
    try:
        return utc_text(instant if instant.tzinfo is not None else instant.replace(tzinfo=UTC))
    except OverflowError:  # an offset that takes it before the year 1: kept as written
        return text


def _is_rate(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _text(rows: list[dict[str, str]]) -> str:
    """The history file's text: a header row, then the rows, as safe CSV (``outputs.csv_line``)."""
    lines = [csv_line(HISTORY_COLUMNS)]
    lines += [csv_line(row[column] for column in HISTORY_COLUMNS) for row in rows]
    return "".join(lines)


def append_history(path: str, rows: list[dict[str, str]], *, keep_held: bool = False) -> bool:
    """Put ``rows`` (one period's) into the history file at ``path``: rows of the same period
    are replaced, the others kept, in period then file order. With ``keep_held`` (a run that
    read no line of its period: the log no longer holds it), rows the file holds for the
    period stay instead; returns whether it kept them.

    A symlink is followed (the lock is next to its target). A device, FIFO, socket or
    ``/dev/fd/N`` is not read nor locked: it gets the header and ``rows``.

    Raises ``OutputError`` (exit 1) when the file has other columns or a row it cannot take
    (it is left untouched, and no ``.lock`` is made beside it), or cannot be read, locked or
    written.
    """
    destination = resolve_output(path, label=_LABEL)
    if not destination.replaces:
        destination.write(_text(rows))
        return False
    # Checked before the lock too: a file it refuses (a log named by mistake) gets no FILE.lock
    # beside it, which a glob of the logs (access.log*) would then read.
    _read_rows(destination)
    periods = {(row["period_start"], row["period_end"]) for row in rows}
    with _locked(destination):
        # Looked at again under the lock: an overlapping run may have created or replaced it.
        destination = resolve_output(path, label=_LABEL)
        held = _read_rows(destination)
        if keep_held and any((row["period_start"], row["period_end"]) in periods for row in held):
            return True
        kept = [row for row in held if (row["period_start"], row["period_end"]) not in periods]
        merged = sorted([*kept, *rows], key=lambda row: (row["period_start"], row["period_end"]))
        destination.write(_text(merged))
    return False
