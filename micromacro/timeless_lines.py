"""Lines without a time in a bounded period: they belong to it by their position.

A comment or blank line, a record that is no HTTP request and a malformed line
(``TIMELESS_BUCKETS``) fall in their bucket whatever their time, as they have none. With a
bounded period such a line is counted in its bucket only where it lies between the first and
the last line of its input with a time in the period (an open end of the period reaching the
input's start or end), and as ``out_of_period`` elsewhere: so reading the period's stretch of
an input (``seeking``) and reading it whole count the same lines in the same buckets, and a
malformed line is named only when it lies among the period's lines.

The rule is applied as the lines are read (``hit_collection``) and when a read over two periods
is narrowed to each (``--compare``, ``reading``).
"""

from __future__ import annotations

import polars as pl

from micromacro.hits import MalformedLine
from micromacro.periods import Period

# Buckets a line falls in whatever its time (it has none, or it is no request): with a bounded
# period such a line belongs to the period by its position.
TIMELESS_BUCKETS = ("comment", "not_http", "malformed")
# The lines that place the period in a file: those with a time in it.
IN_PERIOD = ~pl.col("bucket").is_in([*TIMELESS_BUCKETS, "out_of_period", "duplicate"])
# The columns that say where a line is.
POSITION = ("source_file", "line_no")


def extents_frame(extents: dict[str, tuple[int, int]]) -> pl.DataFrame:
    """By input, the first and last line with a time in the period."""
    return pl.DataFrame(
        {
            "_file": list(extents),
            "_first": pl.Series([e[0] for e in extents.values()], dtype=pl.UInt32),
            "_last": pl.Series([e[1] for e in extents.values()], dtype=pl.UInt32),
        },
        schema={"_file": pl.String, "_first": pl.UInt32, "_last": pl.UInt32},
    )


def _between(period: Period) -> pl.Expr:
    """Whether a line (``line_no`` of ``_file``, whose extent is ``_first``, ``_last``) lies
    between the first and the last line of its input with a time in ``period``; an open end
    of the period reaches the start or the end of the input."""
    inside = pl.lit(True)
    if period.since is not None:
        inside = inside & (pl.col("line_no") > pl.col("_first"))
    if period.until is not None:
        inside = inside & (pl.col("line_no") < pl.col("_last"))
    return inside.fill_null(False)


def outside_period_lines(
    timeless: pl.DataFrame, extents: pl.DataFrame, period: Period
) -> pl.DataFrame:
    """The rows of ``timeless`` (``source_file``, ``line_no``, …) outside the period's lines."""
    placed = timeless.with_columns(_file=pl.col("source_file").cast(pl.String)).join(
        extents, on="_file", how="left", maintain_order="left"
    )
    return placed.filter(~_between(period)).drop("_file", "_first", "_last")


def example_in_period(
    example: MalformedLine, extents: dict[str, tuple[int, int]], period: Period
) -> bool:
    """Whether a malformed line lies between the first and the last line of its input with a
    time in ``period`` (``extents``: those lines' numbers, by input)."""
    extent = extents.get(example.source_file)
    if extent is None:
        return False
    after_first = period.since is None or example.line_no > extent[0]
    return after_first and (period.until is None or example.line_no < extent[1])


def mark_moved(frame: pl.DataFrame, keys: pl.DataFrame) -> pl.DataFrame:
    """``frame`` (with ``source_file``, ``line_no``, ``bucket``) with the lines of ``keys`` in
    ``out_of_period``."""
    marked = frame.join(
        keys.with_columns(pl.col("source_file").cast(frame.schema["source_file"])),
        on=list(POSITION),
        how="left",
        maintain_order="left",
    )
    out = pl.lit("out_of_period", dtype=frame.schema["bucket"])
    return marked.with_columns(
        bucket=pl.when(pl.col("_moved")).then(out).otherwise(pl.col("bucket"))
    ).drop("_moved")
