"""Durations written by people: ``90``, ``90s``, ``5m``, ``1h``, ``7d``."""

from __future__ import annotations

import re

_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$", re.IGNORECASE)


def parse_duration(text: str | int | float) -> float:
    """Return a duration in seconds; a bare number is seconds.

    >>> parse_duration("5m"), parse_duration("90"), parse_duration(1.5), parse_duration("2h")
    (300.0, 90.0, 1.5, 7200.0)

    Raises ``ValueError`` for anything else (negative numbers included).
    """
    if isinstance(text, bool):
        raise ValueError(f"expected a duration like 90, 90s, 5m or 1h, got {text!r}")
    if isinstance(text, int | float):
        if text < 0:
            raise ValueError(f"a duration cannot be negative, got {text!r}")
        return float(text)
    match = _DURATION.match(text)
    if match is None:
        raise ValueError(f"expected a duration like 90, 90s, 5m or 1h, got {text!r}")
    number, unit = match.groups()
    return float(number) * _UNIT_SECONDS[(unit or "s").lower()]
