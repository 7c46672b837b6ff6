"""String matchers (``goals.StringMatcher``) and destinations (``goals.DestinationMatcher``) as
Polars expressions: what a goal, a funnel step and an exclusion of the goals file test a text
or a pageview's path with.

They come before the hits are read, so that reading can exclude the paths a goals file names
(``exclusions``) with the very test a destination goal runs (``goal_matching``).

>>> paths = pl.DataFrame({"path": ["/Thanks", "/thanks/2", "/cart", None]})
>>> paths.select(string_match(pl.col("path"), StringMatcher("equals", "/thanks")))["path"].to_list()
[True, False, False, False]
"""

from __future__ import annotations

import polars as pl

from micromacro.goal_definitions import matcher_regex
from micromacro.goals import StringMatcher

# Lower case makes a final sigma of Σ at the end of a text (a pattern) and a sigma within one
# (a path): folded texts compare them as one letter, as regexes matched ignoring case do.
_FINAL_SIGMA, _SIGMA = "ς", "σ"


def folded(column: pl.Expr) -> pl.Expr:
    """``column`` with case folded, for matching that ignores it."""
    return column.str.to_lowercase().str.replace_all(_FINAL_SIGMA, _SIGMA, literal=True)


def fold_text(text: str) -> str:
    """``text`` with case folded as ``folded`` folds a column.

    >>> fold_text("/ΟΔΟΣ"), fold_text("/οδοσα")
    ('/οδοσ', '/οδοσα')
    """
    return text.lower().replace(_FINAL_SIGMA, _SIGMA)


def string_match(column: pl.Expr, matcher: StringMatcher) -> pl.Expr:
    """True where ``column`` passes ``matcher``; null values never match."""
    regex = matcher_regex(matcher)
    if regex is not None:
        return column.str.contains(regex).fill_null(False)
    ignore_case = not matcher.case_sensitive
    subject = folded(column) if ignore_case else column
    values = matcher.value if isinstance(matcher.value, tuple) else (matcher.value,)
    wanted = [fold_text(v) for v in values] if ignore_case else list(values)
    if matcher.op == "equals":
        result = subject == wanted[0]
    elif matcher.op == "one_of":
        result = subject.is_in(wanted)
    elif matcher.op == "begins_with":
        result = subject.str.starts_with(wanted[0])
    else:  # contains
        result = subject.str.contains(wanted[0], literal=True)
    return result.fill_null(False)


def destination_target(include_query: bool) -> pl.Expr:
    """What a destination tests: the ``path``, or with ``include_query`` the path ``?`` the
    ``query`` (the path alone where there is none)."""
    if not include_query:
        return pl.col("path")
    return pl.concat_str(
        pl.col("path"),
        pl.when(pl.col("query").is_not_null()).then(pl.lit("?") + pl.col("query")),
        ignore_nulls=True,
    )
