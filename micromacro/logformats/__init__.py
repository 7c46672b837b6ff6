"""Log formats: name or recognise one, and parse lines into hit fields.

Every format cuts a line into raw fields (``fields.RAW_FIELDS``) with whole-column Polars
expressions, and ``fields.normalize`` types them the same way for all of them. Formats are the
presets of ``FORMATS`` or a format string (nginx ``log_format``, Apache ``LogFormat``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import polars as pl

from micromacro.errors import InputError, UsageError
from micromacro.logformats.base import LineParser, LogFormat, RegexFormat
from micromacro.logformats.fields import PARSED_COLUMNS, UTC_MICROS
from micromacro.logformats.formatstrings import compile_format_string
from micromacro.logformats.jsonlines import JSON_FORMATS
from micromacro.logformats.presets import (
    ALB,
    COMBINED,
    COMMON,
    ELB,
    HAPROXY,
    TRAEFIK_CLF,
    VHOST_COMBINED,
)
from micromacro.logformats.w3c import W3C_FORMATS

__all__ = [
    "AUTO",
    "COMBINED",
    "COMMON",
    "FORMATS",
    "PARSED_COLUMNS",
    "UTC_MICROS",
    "Detection",
    "LineParser",
    "LogFormat",
    "RegexFormat",
    "detect_format",
    "parse_access_lines",
    "resolve_format",
]

AUTO = "auto"

# Every preset, in the order ``micromacro formats`` lists them.
_PRESETS: tuple[LogFormat, ...] = (
    COMBINED, COMMON, VHOST_COMBINED, TRAEFIK_CLF, ALB, ELB, HAPROXY, *W3C_FORMATS, *JSON_FORMATS,
)  # fmt: skip
FORMATS: dict[str, LogFormat] = {f.name: f for f in _PRESETS}
# When several presets read the sample alike, the more specific one is named (a Traefik line is
# a combined line with more after it).
_PREFERRED_ON_TIE = ("traefik",)

# The fields two candidates must agree on for a tie between them not to be ambiguous.
_DECIDING_FIELDS = (
    "comment", "parsed", "ts", "ip", "method", "path", "query", "status", "user_agent",
)  # fmt: skip


@dataclass(frozen=True)
class Detection:
    """What auto-detection chose, how many sample lines it parsed, and of how many (comment
    lines of the format, such as W3C headers, left out)."""

    format: LogFormat
    parsed: int
    sampled: int


def resolve_format(name: str) -> LogFormat:
    """The preset called ``name``, or the format an nginx or Apache format string describes.

    Raises ``UsageError`` (exit 2) naming the presets when ``name`` is neither.
    """
    if name in FORMATS:
        return FORMATS[name]
    compiled = compile_format_string(name)
    if compiled is None:
        known = ", ".join([AUTO, *FORMATS])
        raise UsageError(
            f"unknown log format {name!r} (expected one of {known}, or an nginx log_format or "
            "Apache LogFormat string)"
        )
    return compiled


def parse_access_lines(lines: pl.LazyFrame, fmt: LogFormat) -> pl.LazyFrame:
    """Parse one line table (``source_file``, ``line_no``, ``line``) with a fresh parser."""
    return fmt.parser()(lines)


def _sample_frame(sample: Sequence[str]) -> pl.LazyFrame:
    return pl.DataFrame(
        {
            "source_file": ["sample"] * len(sample),
            "line_no": pl.Series(range(1, len(sample) + 1), dtype=pl.UInt32),
            "line": pl.Series(sample, dtype=pl.String),
        }
    ).lazy()


def detect_format(
    sample: Iterable[str], candidates: Sequence[LogFormat] | None = None
) -> Detection:
    """The candidate that parses most sample lines (``FORMATS`` by default).

    Among candidates parsing equally many, the first in order wins when they read every line
    alike; when they read the lines differently the choice is ambiguous. Raises ``InputError``
    when nothing parses or the choice is ambiguous, listing the candidates.

    >>> detect_format([COMBINED.example]).format.name
    'combined'
    """
    lines = list(sample)
    formats = sorted(candidates or FORMATS.values(), key=lambda f: f.name not in _PREFERRED_ON_TIE)
    frame = _sample_frame(lines)
    parsed = {
        fmt.name: parse_access_lines(frame, fmt).select(_DECIDING_FIELDS).collect()
        for fmt in formats
    }
    counts = {name: int(table["parsed"].sum()) for name, table in parsed.items()}
    best = max(counts.values(), default=0)
    if best == 0:
        tried = ", ".join(counts)
        detail = f" (none of the {len(lines)} sample lines parsed)" if lines else ""
        raise InputError(
            f"cannot recognise the log format; tried {tried}{detail}; "
            "name it with --log-format (see micromacro formats)"
        )
    tied = [fmt for fmt in formats if counts[fmt.name] == best]
    first = parsed[tied[0].name]
    differing = [fmt.name for fmt in tied[1:] if not parsed[fmt.name].equals(first)]
    if differing:
        names = ", ".join(
            f"{name} ({best} of {len(lines)} lines)" for name in (tied[0].name, *differing)
        )
        raise InputError(
            f"ambiguous log format: {names} read the sample differently; name one with --log-format"
        )
    comments = int(first["comment"].sum())
    return Detection(tied[0], best, len(lines) - comments)
