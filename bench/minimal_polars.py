"""The practical limit for micromacro: a minimal Polars pass over a `combined` access log.

    python bench/minimal_polars.py FILE

One scan, one regex, one timestamp parse, GET 2xx pageviews only (no static files), visitor =
hash of (IP, user agent), sessions split at gaps over 30 minutes, one destination goal
(`/checkout/thank-you`).  No bot filtering, no buckets, no channels, no other goals: whatever
micromacro does beyond this is its overhead, and the benchmark compares the two.
Prints `sessions=N converting=M pageviews=P`.
"""

from __future__ import annotations

import sys
from datetime import timedelta

import polars as pl

COMBINED = (
    r'^(?<ip>\S+) \S+ \S+ \[(?<ts>[^\]]+)\] "(?<method>[A-Z]+) (?<path>[^ ?"]*)[^ "]* [^"]*" '
    r'(?<status>\d{3}) \S+ "[^"]*" "(?<ua>[^"]*)"'
)
STATIC = r"\.(?:css|js|png|jpe?g|gif|webp|svg|ico|woff2?|ttf|map|txt)$"
GOAL_PREFIX = "/checkout/thank-you"
SESSION_TIMEOUT = timedelta(minutes=30)


def pageviews(path: str) -> pl.LazyFrame:
    """Parse the log into (visitor, ts, path) rows of GET 2xx non-static pageviews."""
    lines = pl.scan_csv(
        path,
        has_header=False,
        separator="\x1f",
        quote_char=None,
        encoding="utf8-lossy",
        schema={"line": pl.String},
        truncate_ragged_lines=True,
    )
    fields = lines.select(pl.col("line").str.extract_groups(COMBINED).alias("f")).unnest("f")
    status = pl.col("status").cast(pl.Int32, strict=False)
    return fields.filter(
        (pl.col("method") == "GET")
        & status.is_between(200, 299)
        & ~pl.col("path").str.contains(STATIC)
    ).select(
        pl.struct("ip", "ua").hash().alias("visitor"),
        pl.col("ts")
        .str.strptime(pl.Datetime("us", "UTC"), "%d/%b/%Y:%H:%M:%S %z", strict=False)
        .alias("ts"),
        pl.col("path"),
    )


def sessions(hits: pl.LazyFrame) -> pl.LazyFrame:
    """Count sessions and the sessions that reached the goal."""
    ordered = hits.sort("visitor", "ts")
    new_session = (pl.col("visitor") != pl.col("visitor").shift(1)).fill_null(True) | (
        (pl.col("ts") - pl.col("ts").shift(1)) > SESSION_TIMEOUT
    ).fill_null(True)
    numbered = ordered.with_columns(new_session.cum_sum().alias("session"))
    return numbered.select(
        pl.col("session").max().alias("sessions"),
        pl.col("session")
        .filter(pl.col("path").str.starts_with(GOAL_PREFIX))
        .n_unique()
        .alias("converting"),
        pl.len().alias("pageviews"),
    )


def main(argv: list[str]) -> int:
    """Run the pass over the file named in `argv` and print its three figures."""
    if len(argv) != 1:
        print("usage: minimal_polars.py FILE", file=sys.stderr)
        return 2
    result = sessions(pageviews(argv[0])).collect(engine="streaming").row(0, named=True)
    print(
        f"sessions={result['sessions'] or 0} converting={result['converting']} "
        f"pageviews={result['pageviews']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
