"""Making hostile log text inert: control characters become visible escapes."""

from __future__ import annotations

import re
from collections.abc import Sequence

# C0 controls, DEL and C1 controls (ESC starts ANSI sequences; CR and BS can overwrite output).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Bidirectional marks, overrides and isolates can reorder what a terminal shows; the line and
# paragraph separators break a line wherever text is split into lines (``str.splitlines``).
_BIDI_CHARACTERS = r"\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u2028\u2029"
# Invisible characters: Unicode's format characters (category Cf: zero-width spaces and
# joiners, the soft hyphen, invisible operators, tags) and its other default-ignorable ones
# (variation selectors, fillers). They make two texts look alike, and a joiner makes a terminal
# draw letters in fewer or more cells than their count (a table cut to the width would overflow
# it).
_INVISIBLE = (
    r"\u00ad\u034f\u0600-\u0605\u06dd\u070f\u0890\u0891\u08e2\u115f\u1160\u17b4\u17b5"
    r"\u180b-\u180f\u200b-\u200d\u2060-\u2065\u206a-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0"
    r"\ufff0-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    r"\U0001d173-\U0001d17a\U000e0000-\U000e0fff"
)
_SHOWN_ESCAPED = re.compile(f"[{_BIDI_CHARACTERS}{_INVISIBLE}]")
# What JSON text writes as escapes beyond those JSON makes itself (C0 controls): DEL, C1 controls
# (U+009B is a terminal's one-character CSI) and the bidi characters; in UTF-8 bytes too.
_JSON_ESCAPED = re.compile(f"[\\x7f-\\x9f{_BIDI_CHARACTERS}]")
_JSON_ESCAPED_BYTES = re.compile(
    rb"\x7f|\xc2[\x80-\x9f]|\xe2\x80[\x8e\x8f\xa8-\xae]|\xe2\x81[\xa6-\xa9]|\xd8\x9c"
)
# The start of a ``\xNN`` or ``\uNNNN`` escape (or a lone backslash) ending a text cut short.
_PART_OF_AN_ESCAPE = re.compile(r"\\(?:x[0-9a-f]?|u[0-9a-f]{0,3}|U[0-9a-f]{0,7})?$")
# The characters of a value quoted in a message, quotes included: a log line or a file given
# in the wrong place makes one line of error, not kilobytes.
QUOTE_CHARS = 80


def inert(text: str, *, limit: int | None = None) -> str:
    """``text`` with control, bidi and invisible characters shown as ``\\xNN``/``\\uNNNN``
    escapes (``\\UNNNNNNNN`` beyond U+FFFF).

    >>> inert("a\\x1b[31mred")
    'a\\\\x1b[31mred'

    With ``limit``, longer text is cut and ends in ``…``; an escape the cut would split is left
    out whole.

    >>> inert("abcd\x1b[2J", limit=7)
    'abcd…'
    """
    escaped = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    escaped = _SHOWN_ESCAPED.sub(_escape, escaped)
    if limit is not None and len(escaped) > limit:
        cut = _PART_OF_AN_ESCAPE.sub("", escaped[: max(limit - 1, 0)])
        return cut + "…"
    return escaped


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


# The values of a list a message names, at most: values from a log or an export can be
# thousands (a variant per query, a currency per row), and a message is one line.
LISTED_VALUES = 20


def listed(values: Sequence[str], *, most: int = LISTED_VALUES) -> str:
    """``values`` joined with commas: the first ``most``, and how many more there are.

    >>> listed(["EUR", "USD", "GBP"], most=2)
    'EUR, USD, … and 1 more'
    """
    shown = ", ".join(values[:most])
    more = len(values) - most
    return f"{shown}, … and {more:,} more" if more > 0 else shown


def quoted(text: str) -> str:
    """``text`` quoted as Python writes it (control characters escaped), cut to ``QUOTE_CHARS``
    characters ending in an ellipsis when longer.

    >>> quoted("/checkout")
    "'/checkout'"
    >>> shown = quoted("x" * 1000)
    >>> len(shown), shown[-3:]
    (80, "x…'")
    """
    return cut_quoted(repr(text[: QUOTE_CHARS + 1]))


def cut_quoted(shown: str) -> str:
    """A quoted text, quotes included, cut to ``QUOTE_CHARS`` characters (its quotes kept)."""
    if len(shown) <= QUOTE_CHARS:
        return shown
    return shown[0] + inert(shown[1:-1], limit=QUOTE_CHARS - 2) + shown[-1]


def file_name_text(path: str) -> str:
    """``path``, a file name from the command line, as text that any output can hold: the bytes
    that are not UTF-8 (which Python keeps as lone surrogates) as ``\\xNN`` escapes.

    >>> file_name_text("bad\\udc85.yaml"), file_name_text("café.yaml")
    ('bad\\\\x85.yaml', 'café.yaml')
    """
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def is_utf8_name(path: str) -> bool:
    """Whether ``path`` holds no byte that is not UTF-8 (Python keeps one as a lone surrogate,
    which no UTF-8 text, nor Polars, takes).

    >>> is_utf8_name("café.log"), is_utf8_name("bad\\udc85.log")
    (True, False)
    """
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def json_inert(text: str) -> str:
    """JSON ``text`` with DEL, C1 controls and bidirectional characters written as ``\\uNNNN``
    escapes: the same strings once parsed, and nothing a terminal acts on when it is shown.

    >>> json_inert('{"path": "/p\u009b2J\u202eevil"}')
    '{"path": "/p\\\\u009b2J\\\\u202eevil"}'
    """
    return _JSON_ESCAPED.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def json_inert_bytes(data: bytes) -> bytes:
    """``json_inert`` of UTF-8 JSON text (NDJSON as Polars writes it)."""
    return _JSON_ESCAPED_BYTES.sub(lambda m: f"\\u{ord(m.group().decode()):04x}".encode(), data)
