"""Crawler detection: the maintained ``crawler-user-agents`` list as one Rust regex for Polars."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import lru_cache

import crawleruseragents
import polars as pl

from micromacro.errors import UsageError
from micromacro.goal_definitions import polars_error_reason


@lru_cache(maxsize=1)
def crawler_patterns() -> tuple[str, ...]:
    """The patterns of the installed ``crawler-user-agents`` release (about 1,500)."""
    return tuple(entry["pattern"] for entry in crawleruseragents.CRAWLER_USER_AGENTS_DATA)


@lru_cache(maxsize=1)
def crawler_list_digest() -> str:
    """A digest of the installed crawler list: an upgrade changes which lines are bots."""
    return hashlib.sha256("\n".join(crawler_patterns()).encode()).hexdigest()[:16]


def bot_regex(extra_patterns: Sequence[str] = ()) -> str:
    """One alternation of the crawler list plus ``extra_patterns`` (matched case-insensitively).

    >>> import polars as pl
    >>> agents = pl.Series(["Googlebot/2.1", "Mozilla/5.0 Firefox/128.0"])
    >>> agents.str.contains(bot_regex()).to_list()
    [True, False]
    """
    parts = [f"(?:{p})" for p in crawler_patterns()]
    parts += [f"(?i:{p})" for p in extra_patterns]
    return "|".join(parts)


def validate_bot_patterns(patterns: Sequence[str]) -> None:
    """Raise ``UsageError`` naming the first ``--bot-pattern`` that is not a valid regex."""
    for pattern in patterns:
        try:
            pl.select(pl.lit("").str.contains(pattern))
        except pl.exceptions.PolarsError as error:
            reason = polars_error_reason(str(error))
            raise UsageError(f"invalid --bot-pattern '{pattern}': {reason}") from None
