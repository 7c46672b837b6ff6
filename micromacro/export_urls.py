"""The URL of an event export's row, split: its host, path and query (the path from the path
column where the mapping has one), each text split once however many rows repeat it; and the
rows on paths the goals file excludes (``exclusions``), by that path.

>>> rows = pl.DataFrame({URL_TEXT: ["https://shop.example/thanks?o=1", None],
...     PATH_TEXT: [None, "/wp-admin/"], "query": [None, None]})
>>> with_url_parts(rows).select("host", "path", "query").rows()
[('shop.example', '/thanks', 'o=1'), (None, '/wp-admin/', None)]
"""

from __future__ import annotations

import polars as pl

from micromacro.exclusions import excluded_paths
from micromacro.export_presets import non_empty
from micromacro.goals import Exclusions
from micromacro.hit_schema import COUNTED_EXPORT_BUCKETS, EXPORT_BUCKET

# The texts of a row's url and path columns, as mapped (``exports.mapped_rows``).
URL_TEXT = "__micromacro_url"
PATH_TEXT = "__micromacro_path"
_URL = r"^(?:[A-Za-z][A-Za-z0-9+.\-]*:)?(?://([^/?#]*))?([^?#]*)(?:\?([^#]*))?"


def _url_parts(text: pl.Expr) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """Host, path and query of a full URL or of a path (``/a?b=1``); the fragment is dropped.

    A URL with a host and no path has the path ``/``.
    """
    parts = text.str.extract_groups(_URL)
    host, path, query = (non_empty(parts.struct.field(str(i))) for i in range(1, 4))
    path = pl.when(path.is_null() & host.is_not_null()).then(pl.lit("/")).otherwise(path)
    return host, path, query


def _split_once(hits: pl.DataFrame, column: str) -> pl.DataFrame:
    """Each distinct text of ``column`` with its host, path and query (``column`` + ``.host``…):
    far fewer texts than hits."""
    host, path, query = _url_parts(pl.col(column))
    return (
        hits.select(pl.col(column).unique())
        .drop_nulls()
        .with_columns(
            host.alias(f"{column}.host"),
            path.alias(f"{column}.path"),
            query.alias(f"{column}.query"),
        )
    )


def without_excluded_paths(rows: pl.DataFrame, exclude: Exclusions) -> pl.DataFrame:
    """A file's rows (with ``bucket``, in the period) with each row that would count (a
    pageview, an event, a row of its session only) whose path (``with_url_parts``) a path of
    ``exclude`` matches in the ``excluded`` bucket. Its networks are not looked at: an export
    maps no address."""
    if not exclude.paths:
        return rows
    counted = pl.col("bucket").is_in(COUNTED_EXPORT_BUCKETS)
    targets = with_url_parts(rows.select(URL_TEXT, PATH_TEXT, "query"))
    matched = excluded_paths(targets, exclude.paths)
    excluded = pl.lit("excluded", dtype=EXPORT_BUCKET)
    return rows.with_columns(
        bucket=pl.when(counted & matched).then(excluded).otherwise(pl.col("bucket"))
    )


def with_url_parts(hits: pl.DataFrame) -> pl.DataFrame:
    """Hits with ``host``, ``path`` and ``query`` from their url and path texts: the path from
    the path text, else the URL; the query from the query column, else either text."""
    joined = hits.join(
        _split_once(hits, URL_TEXT), on=URL_TEXT, how="left", maintain_order="left"
    ).join(_split_once(hits, PATH_TEXT), on=PATH_TEXT, how="left", maintain_order="left")
    return joined.with_columns(
        pl.col(f"{URL_TEXT}.host").alias("host"),
        pl.coalesce(f"{PATH_TEXT}.path", f"{URL_TEXT}.path").alias("path"),
        pl.coalesce("query", f"{PATH_TEXT}.query", f"{URL_TEXT}.query").alias("query"),
    )
