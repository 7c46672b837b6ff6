"""Python functions run once per distinct value of a column, not once per row.

A log has millions of hits but far fewer distinct user agents, referrers, query values or
counts; URL decoding, site lookups and Wilson intervals are Python, so they run on the distinct
values and their results are joined back to every row.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote, unquote_plus

import polars as pl
from polars.datatypes import DataTypeClass


def per_distinct(
    values: pl.Series,
    function: Callable[[Any], object],
    dtype: pl.DataType | DataTypeClass,
    *,
    default: object = None,
) -> pl.Series:
    """``function`` of each value of ``values``, called once per distinct non-null value and
    joined back in row order; a null value gets ``default``. The result has ``dtype`` and the
    name of ``values``. With a ``pl.Struct`` dtype, ``function`` returns a dict of several
    figures, and ``.struct.unnest()`` makes them columns.

    >>> calls = []
    >>> def shout(text: str) -> str:
    ...     calls.append(text)
    ...     return text.upper()
    >>> per_distinct(pl.Series("word", ["a", "b", None, "a"]), shout, pl.String).to_list()
    ['A', 'B', None, 'A']
    >>> sorted(calls)
    ['a', 'b']
    >>> per_distinct(pl.Series([None, "x"]), lambda _: True, pl.Boolean, default=False).to_list()
    [False, True]
    """
    distinct = values.drop_nulls().unique()
    results = pl.Series([function(value) for value in distinct.to_list()], dtype=dtype)
    mapping = pl.DataFrame({"value": distinct, "result": results})
    frame = pl.DataFrame({"value": values})
    joined = frame.join(mapping, on="value", how="left", maintain_order="left")
    result = joined.get_column("result")
    if default is not None:
        fill = pl.repeat(default, values.len(), dtype=dtype, eager=True)
        result = result.zip_with(values.is_not_null(), fill)
    return result.alias(values.name)


def url_decoded(values: pl.Series) -> pl.Series:
    """``values`` with %XX escapes and ``+`` decoded, computed once per distinct value."""
    return per_distinct(values, unquote_plus, pl.String)


def query_value_decoded(raw: str) -> str | None:
    """A query parameter's value as a dimension and a campaign tag read it: %XX escapes and
    ``+`` decoded (as written where the escapes spell no UTF-8 text: ``%FF`` and ``%FE`` stay
    two values), and trimmed; None when that leaves nothing.

    >>> [query_value_decoded(v) for v in ("%20news%20", "Black+Friday", "%FF", "+")]
    ['news', 'Black Friday', '%FF', None]
    """
    try:
        decoded = unquote_plus(raw, errors="strict")
    except UnicodeDecodeError:
        decoded = raw
    return decoded.strip() or None


def path_decoded(values: pl.Series) -> pl.Series:
    """Paths with their %XX escapes decoded (``+`` is a plus in a path), each as written where
    its escapes spell no UTF-8 text; computed once per distinct value.

    >>> path_decoded(pl.Series(["/caf%C3%A9", "/a+b%20c", "/%FF", None])).to_list()
    ['/café', '/a+b c', '/%FF', None]
    """
    return per_distinct(values, _decoded_path, pl.String)


def _decoded_path(path: str) -> str:
    try:
        return unquote(path, errors="strict")
    except UnicodeDecodeError:
        return path


def query_parameter(query: pl.Expr, name: str) -> pl.Expr:
    """The value of the parameter ``name`` (case-sensitive, but for the hex digits of its %XX
    escapes) in a query string, still URL-encoded: the first value when the query repeats it,
    null when it has none. Parameters are separated by ``&`` only, as URLs are read: a ``?``
    is a character of the value before it (``a=1?utm_source=x`` has no ``utm_source``), but
    for one at the query's start (``/p??utm_source=x``; an export's query column holding
    ``location.search``), which is no part of the first name.

    >>> frame = pl.DataFrame({"q": ["a=1&total=12.5&total=3", "?total=%2B4", "x=1?total=2", None]})
    >>> frame.select(query_parameter(pl.col("q"), "total")).to_series().to_list()
    ['12.5', '%2B4', None, None]
    >>> frame = pl.DataFrame({"q": ["%C3%BC=1", "%c3%bc=2", "%C3%9C=3", "utm%5Fsource=4"]})
    >>> frame.select(query_parameter(pl.col("q"), "%C3%BC")).to_series().to_list()
    ['1', '2', None, None]
    """
    return query.str.extract(f"{_PARAMETER_START}{_name_pattern(name)}=([^&#]*)", 1)


def has_parameter(query: pl.Expr, names: Iterable[str]) -> pl.Expr:
    """Whether a query string carries any of the parameters ``names`` (matched as
    ``query_parameter`` matches a name) with a value that is not empty.

    >>> frame = pl.DataFrame({"q": ["a=1&gclid=x", "gclid=", "a=1?gclid=x", None]})
    >>> frame.select(has_parameter(pl.col("q"), ["gclid", "msclkid"])).to_series().to_list()
    [True, False, False, False]
    """
    alternatives = "|".join(_name_pattern(name) for name in names)
    return query.str.contains(f"{_PARAMETER_START}(?:{alternatives})=[^&#]").fill_null(False)


# Where a parameter starts: the query's start, after a "?" the query may start with, or an "&".
_PARAMETER_START = r"(?:^\??|&)"
# A percent-escape of a parameter's name, whose hex digits mean the same in either case.
_ESCAPE = re.compile(r"(%[0-9A-Fa-f]{2})")


def _name_pattern(name: str) -> str:
    """A regex matching ``name`` as written, but for the case of its escapes' hex digits
    (RFC 3986 §6.2.2.1: ``%c3%bc`` is ``%C3%BC``); nothing else of the name changes case."""
    parts = _ESCAPE.split(name)  # text, escape, text, …
    return "".join(
        f"%(?i:{part[1:]})" if index % 2 else re.escape(part) for index, part in enumerate(parts)
    )
