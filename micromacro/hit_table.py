"""``micromacro hits``: every input line as a row of the canonical hit table, with its bucket,
variant, parsed fields, visitor and session."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import BinaryIO

import polars as pl

from micromacro.errors import UsageError
from micromacro.hit_collection import KEPT_LINE_SCHEMA
from micromacro.hits import InputSummary, MalformedLine, visitor_expr
from micromacro.input_read import input_warnings
from micromacro.reading import ProgressCallback, read_inputs
from micromacro.report import ReportOptions
from micromacro.sessions import sessionize

# The columns of ``micromacro hits`` (definitions §4), in order.
HIT_TABLE_COLUMNS: tuple[str, ...] = (
    "file", "line", "bucket", "variant", "ip", "ts", "method", "target", "path", "query",
    "status", "bytes", "referrer", "user_agent", "host", "visitor", "session",
)  # fmt: skip
# Buckets whose lines are no HTTP request: their fields are null in the hit table.
_NO_REQUEST = ("comment", "not_http", "malformed")


@dataclass
class HitTable:
    """Every input line with its bucket, variant, parsed fields, visitor and session
    (``HIT_TABLE_COLUMNS``, in reading order), and what the reading found: ``start``, the
    period's start (``--since``, else the first counted hit's time; None without either), in
    the time zone ``tz``."""

    rows: pl.DataFrame
    input: InputSummary
    malformed: list[MalformedLine] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    start: datetime | None = None
    tz: tzinfo = UTC


def build_hit_table(
    options: ReportOptions,
    *,
    stdin: BinaryIO | None = None,
    progress: ProgressCallback | None = None,
) -> HitTable:
    """Read the access logs as a report does and return every line (raises
    ``MicromacroError``). Sessions are those of the report's counted hits; a line that is no
    counted hit has no session, a line that is no HTTP request no fields."""
    if options.goals.source is not None:
        raise UsageError("micromacro hits reads access logs; an event export is a table already")
    read = read_inputs(options, keep_lines=True, stdin=stdin, progress=progress)
    sessions = sessionize(read.hits, timeout_s=options.session_timeout_s).select(
        "source_file", "line_no", "session"
    )
    lines = read.lines if read.lines is not None else pl.DataFrame(schema=KEPT_LINE_SCHEMA)
    # Reading order: inputs in the order read (``source_file`` is an Enum in that order), lines
    # in file order (chunks may come back in any order, and retried lines last).
    lines = lines.sort("source_file", "line_no")
    joined = lines.join(sessions, on=["source_file", "line_no"], how="left", maintain_order="left")
    return HitTable(
        rows=joined.select(_hit_table_columns()),
        input=read.summary,
        malformed=read.malformed,
        notes=read.notes,
        warnings=[*read.warnings, *input_warnings(read, options)],
        start=read.period.since or _first_hit(read.hits),
        tz=read.tz,
    )


def _first_hit(hits: pl.DataFrame) -> datetime | None:
    """The time of the earliest of ``hits``, None without any."""
    first = hits.get_column("ts").min()
    return first if isinstance(first, datetime) else None


# A host with its port (``shop.example.com:443``, ``[2001:db8::1]:8443``), as a W3C
# ``cs-host`` or a JSON ``$host:$server_port`` logs it; a bare IPv6 address keeps its colons.
_PORT = r"^([^:]*|\[[^\]]*\]):[0-9]*$"


def _hit_table_columns() -> list[pl.Expr]:
    """The ``HIT_TABLE_COLUMNS`` of kept lines joined with their sessions, in that order."""
    request = ~pl.col("bucket").is_in(_NO_REQUEST)

    def field_of(name: str) -> pl.Expr:
        return pl.when(request).then(pl.col(name)).alias(name)

    query = pl.concat_str(pl.lit("?"), pl.col("query"))
    target = pl.concat_str(pl.col("path"), query.fill_null("")).alias("target")
    fields = [field_of(name) for name in ("ip", "ts", "method")]
    fields += [pl.when(request).then(target).alias("target")]
    fields += [field_of(name) for name in ("path", "query", "status", "bytes", "referrer")]
    fields += [field_of("user_agent"), field_of("host").str.replace(_PORT, "${1}")]
    columns = [
        pl.col("source_file").cast(pl.String).alias("file"),
        pl.col("line_no").alias("line"),
        pl.col("bucket").cast(pl.String),
        pl.col("variant"),
        *fields,
        pl.when(request).then(visitor_expr()).alias("visitor"),
        pl.col("session"),
    ]
    by_name = {column.meta.output_name(): column for column in columns}
    return [by_name[name] for name in HIT_TABLE_COLUMNS]
