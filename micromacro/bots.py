"""Crawler detection: the maintained ``crawler-user-agents`` list, matched by Polars.

Most of the list's patterns are plain text (``Googlebot/``, written ``Googlebot\\/``): those are
searched at once as literals (``str.contains_any``), the rest as one regex. Both find what one
regex of the whole list finds; the literals cost a tenth of its compilation, which each run
paid (about 10 ms of its start)."""

from __future__ import annotations

import hashlib
import re
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


# An escaped character that is not a letter or digit stands for itself (``\\/``, ``\\.``).
_ESCAPED_PUNCTUATION = re.compile(r"\\([^0-9A-Za-z])")
# What makes a pattern more than text once such escapes are taken out.
_REGEX_SYNTAX = re.compile(r"[\\.^$*+?()\[\]{}|]")


@lru_cache(maxsize=2)
def split_patterns(patterns: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    r"""``patterns`` as the texts of those that are plain text, and the regexes of the rest.

    >>> split_patterns(("Googlebot\\/", "[wW]get", "Mail\\.RU_Bot", "^CrunchBot"))
    (('Googlebot/', 'Mail.RU_Bot'), ('[wW]get', '^CrunchBot'))
    """
    texts, regexes = [], []
    for pattern in patterns:
        if _REGEX_SYNTAX.search(_ESCAPED_PUNCTUATION.sub("", pattern)):
            regexes.append(pattern)
        else:
            texts.append(_ESCAPED_PUNCTUATION.sub(r"\1", pattern))
    return tuple(texts), tuple(regexes)


def bot_match(agent: pl.Expr, extra_patterns: Sequence[str] = ()) -> pl.Expr:
    """Whether ``agent`` matches the crawler list or one of ``extra_patterns`` (regexes matched
    case-insensitively); null for null.

    >>> agents = pl.DataFrame({"a": ["Googlebot/2.1", "Mozilla/5.0 Firefox/128.0", "x wget"]})
    >>> agents.select(bot_match(pl.col("a"), ["WGET"])).to_series().to_list()
    [True, False, True]
    """
    texts, regexes = split_patterns(crawler_patterns())
    matched = agent.str.contains_any(list(texts))
    if regexes:
        matched = matched | agent.str.contains("|".join(f"(?:{p})" for p in regexes))
    for pattern in extra_patterns:  # each alone: a (?x) comment would take in what follows
        matched = matched | agent.str.contains(_as_run(pattern))
    return matched


# A browser's user agent: a pattern that matches it and an empty agent matches every agent.
_BROWSER = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


def _as_run(pattern: str) -> str:
    """A ``--bot-pattern`` as it runs: case-insensitive."""
    return f"(?i){pattern}"


def validate_bot_patterns(patterns: Sequence[str]) -> None:
    """Raise ``UsageError`` naming the first ``--bot-pattern`` that is not a valid regex as it
    runs, or that matches every user agent (an empty one and a browser's: ``''`` from an
    unset variable, ``bot|``)."""
    for pattern in patterns:
        try:
            matched = pl.Series(["", _BROWSER]).str.contains(_as_run(pattern))
        except pl.exceptions.PolarsError as error:
            reason = polars_error_reason(str(error))
            raise UsageError(f"invalid --bot-pattern '{pattern}': {reason}") from None
        if matched.all():
            raise UsageError(
                f"invalid --bot-pattern '{pattern}': it matches every user agent (an empty "
                "one and a browser's), so every hit would be a bot"
            )
