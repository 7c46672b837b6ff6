"""Durations written by people: ``90``, ``90s``, ``5m``, ``1h``, ``7d``."""

from __future__ import annotations

import math
import re

_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$", re.IGNORECASE)
# The longest duration: 10,000 years (of 366 days), longer than the whole range of times
# micromacro handles (``periods.EARLIEST`` to ``periods.LATEST``), and far from what a count of
# microseconds or a ``timedelta`` can hold.
MAX_DURATION_S = 10_000 * 366 * 86400


class AmbiguousUnit(ValueError):
    """A duration whose unit is read two ways (``1M``: a month, or a minute)."""


def parse_duration(text: str | int | float) -> float:
    """Return a duration in seconds; a bare number is seconds.

    >>> parse_duration("5m"), parse_duration("90"), parse_duration(1.5), parse_duration("2h")
    (300.0, 90.0, 1.5, 7200.0)

    Raises ``ValueError`` for anything else: negative numbers, durations longer than
    ``MAX_DURATION_S`` (10,000 years) or not finite, and ``M`` (a month to many, a minute
    to ``m``).
    """
    if isinstance(text, bool):
        raise ValueError(f"expected a duration like 90, 90s, 5m or 1h, got {text!r}")
    if isinstance(text, int | float):
        if text < 0:
            raise ValueError(f"a duration cannot be negative, got {text!r}")
        return _at_most_max(text, text)
    match = _DURATION.match(text)
    if match is None:
        raise ValueError(f"expected a duration like 90, 90s, 5m or 1h, got {text!r}")
    number, unit = match.groups()
    if unit == "M":  # months to many a reader, minutes here
        raise AmbiguousUnit(
            f"{text!r}: write m for minutes; a month is no fixed length (write days: 30d)"
        )
    return _at_most_max(float(number) * _UNIT_SECONDS[(unit or "s").lower()], text)


def _at_most_max(seconds: int | float, written: str | int | float) -> float:
    """``seconds`` as a float; ``ValueError`` beyond ``MAX_DURATION_S`` (or NaN)."""
    if isinstance(seconds, float) and math.isnan(seconds):
        raise ValueError(f"expected a duration like 90, 90s, 5m or 1h, got {written!r}")
    if seconds > MAX_DURATION_S:
        raise ValueError(f"a duration cannot be longer than 10000 years, got {written!r}")
    return float(seconds)
