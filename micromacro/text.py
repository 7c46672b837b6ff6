"""Making hostile log text inert: control characters become visible escapes."""

from __future__ import annotations

import re

# C0 controls, DEL and C1 controls (ESC starts ANSI sequences; CR and BS can overwrite output).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Bidirectional marks, overrides and isolates can reorder what a terminal shows; the line and
# paragraph separators break a line wherever text is split into lines (``str.splitlines``).
_BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u2028\u2029]")


def inert(text: str, *, limit: int | None = None) -> str:
    """``text`` with control and bidi characters shown as ``\\xNN``/``\\uNNNN`` escapes.

    >>> inert("a\\x1b[31mred")
    'a\\\\x1b[31mred'

    With ``limit``, longer text is cut and ends in ``…``.
    """
    escaped = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    escaped = _BIDI.sub(lambda m: f"\\u{ord(m.group()):04x}", escaped)
    if limit is not None and len(escaped) > limit:
        return escaped[: max(limit - 1, 0)] + "…"
    return escaped
