"""The ceiling of a JSON-lines report on this stack: Polars' JSON decoder alone over a log.

    python bench/json_decode.py FILE nginx_json|caddy

One scan of the lines (as the yardstick reads a combined log), the lines that look like JSON
objects decoded once each with `str.json_decode` into the members a report reads (for nginx's
`escape=json` keys, or Caddy's nested `request` object and its header lists), on every core
by the streaming engine. Nothing else: no times, fields, buckets, sessions or goals. A report
of the same log cannot run faster than this pass, so its lines per second bound what any JSON
reader built on Polars' decoder can reach on this machine. Prints the decoded lines' count
and the in-process seconds.
"""

from __future__ import annotations

import sys
import time

import polars as pl

_TEXT = pl.String
_HEADER = pl.List(pl.String)  # Caddy logs each header as a list of values
STRUCTS = {
    "nginx_json": pl.Struct(
        dict.fromkeys(
            (
                "time_local",
                "remote_addr",
                "request",
                "status",
                "body_bytes_sent",
                "http_referer",
                "http_user_agent",
                "http_x_forwarded_for",
                "host",
            ),
            _TEXT,
        )
    ),
    "caddy": pl.Struct(
        {
            "ts": _TEXT,
            "request": pl.Struct(
                {
                    "client_ip": _TEXT,
                    "remote_ip": _TEXT,
                    "method": _TEXT,
                    "host": _TEXT,
                    "uri": _TEXT,
                    "headers": pl.Struct({"User-Agent": _HEADER, "Referer": _HEADER}),
                }
            ),
            "status": _TEXT,
            "size": _TEXT,
        }
    ),
}


def decoded_lines(path: str, kind: str) -> int:
    """How many lines of `path` that look like objects decode with a status."""
    lines = pl.scan_csv(
        path, has_header=False, separator="\x01", quote_char=None, schema={"line": pl.String}
    )
    line = pl.col("line")
    # A line cut short (the generator's malformed lines) is no object; the decoder would
    # fail the whole pass on it, where a report reads it apart.
    objects = lines.filter(line.str.starts_with("{") & line.str.ends_with("}"))
    status = line.str.json_decode(STRUCTS[kind]).struct.field("status")
    count = objects.select(status.is_not_null().sum()).collect(engine="streaming")
    return int(count.item())


def main() -> int:
    path, kind = sys.argv[1], sys.argv[2]
    start = time.perf_counter()
    count = decoded_lines(path, kind)
    print(f"decoded={count} seconds={time.perf_counter() - start:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
