"""Dimensions: what a report can be broken down by (``--by``, and the ``segments.BY`` of an
alert rule's metric), and the labels of the segments that hold no value or the folded rest.

``dimension_values`` computes each session's value of these dimensions; the goal model checks
the dimensions an alert rule names against the same list.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

from micromacro.errors import UsageError
from micromacro.text import quoted

SOURCE_DIMENSIONS = ("channel", "source", "medium", "campaign", "referrer")
DEVICE_DIMENSIONS = ("device", "browser", "os")
TIME_DIMENSIONS = ("hour", "weekday", "day", "week", "month")
DIMENSIONS: tuple[str, ...] = (
    *SOURCE_DIMENSIONS, "landing_page", "exit_page", *DEVICE_DIMENSIONS, *TIME_DIMENSIONS, "host",
)  # fmt: skip
QUERY_PREFIX = "query:"
# The segment of sessions without a value (and the medium of direct traffic, as in GA4).
NONE = "(none)"
# The segment the values beyond ``--top`` are folded into.
OTHER = "(other)"
# How a session gets its source dimensions: its own first hit; (last-non-direct) a Direct
# session its visitor's latest earlier non-direct source; (first-user) every session its
# visitor's first source (an event export's own first-user fields where it has them).
Attribution = Literal["session", "last-non-direct", "first-user"]
ATTRIBUTIONS: tuple[Attribution, ...] = ("session", "last-non-direct", "first-user")
DEFAULT_ATTRIBUTION: Attribution = "session"
# A query parameter's name as a URL writes it: printable ASCII (URL-encoded where it is more),
# without the characters that end a name or a query.
_PARAMETER_NAME = re.compile(r"^[!-~]+$")
_NOT_IN_A_NAME = "&=#"


@dataclass(frozen=True)
class Breakdown:
    """One ``--by``: a dimension, or two or more crossed (``channel,device``)."""

    dimensions: tuple[str, ...]

    @property
    def label(self) -> str:
        """The ``by`` of its rows: ``channel``, or ``channel,device`` for a cross."""
        return ",".join(self.dimensions)


def parse_breakdowns(
    values: Sequence[str], extra: Sequence[str] = (), *, export: bool = False
) -> list[Breakdown]:
    """The ``--by`` options as breakdowns; ``extra`` are further valid dimensions (the kept
    columns of an event export; with ``export``, an unknown one says how to keep a column).
    Raises ``UsageError`` naming the valid dimensions.

    >>> [b.label for b in parse_breakdowns(["channel", "device,query:utm_content"])]
    ['channel', 'device,query:utm_content']
    """
    breakdowns: list[Breakdown] = []
    for value in values:
        names = tuple(part.strip() for part in value.split(","))
        for name in names:
            _check_dimension(name, extra, export)
        if len(set(names)) < len(names):
            raise UsageError(f"--by {value}: a cross names each dimension once")
        breakdown = Breakdown(names)
        if breakdown not in breakdowns:  # named twice: one breakdown (and one test each)
            breakdowns.append(breakdown)
    return breakdowns


def _check_dimension(name: str, extra: Sequence[str], export: bool) -> None:
    if name.startswith(QUERY_PREFIX):
        parameter = name.removeprefix(QUERY_PREFIX)
        if not parameter:
            raise UsageError(
                f"--by {name}: name the query parameter, e.g. query:utm_content or query:variant"
            )
        if not _PARAMETER_NAME.match(parameter) or any(c in parameter for c in _NOT_IN_A_NAME):
            written = quote(parameter, safe="")
            raise UsageError(
                f"--by {quoted(name)}: write the parameter's name as the URL does (ASCII, "
                f"URL-encoded, without & = #): query:{written}"
            )
        return
    if name not in DIMENSIONS and name not in extra:
        valid = ", ".join([*DIMENSIONS, "query:NAME", *extra])
        kept = (
            "; a column of the event export is one once the goals file's source: section lists "
            "it under keep:"
            if export
            else ""
        )
        raise UsageError(f"unknown dimension {name!r} for --by (expected one of {valid}){kept}")
