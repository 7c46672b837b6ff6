"""Formats as families of close variants, because a real log file is rarely one clean format.

A config change mid-file, a virtual host's line among plain ones, a module that adds a field:
peers try several patterns per line, and so does micromacro. A ``Family`` holds the variants of
one format (``common``, ``combined``, ``vhost_combined``, … for the Common Log Format), a
``general`` reader that reads any line of the family and names its variant line by line, and
the shapes of the family's records that are no HTTP request (a load balancer's TCP records).

A run reads every line with one chosen variant (``FamilyFormat``): the fast, exact regex of the
shape most lines have. Only the lines it does not read are tried again, as one vectorised pass
over just those lines: first as comments (blank or ``#`` lines), then with the family's other
readers, then against its non-HTTP shapes. A line is malformed only when nothing reads it; a
clean file costs one check of a boolean column per chunk.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import polars as pl

from micromacro.logformats.base import LineParser, LogFormat

_ROW = "_row"
# A blank line or a ``#`` comment is no data in any text format.
_COMMENT_LINE = r"^\s*(?:#|$)"


@dataclass(frozen=True)
class NotHttp:
    """A record shape of a format that is no HTTP request (counted as ``not_http``)."""

    name: str
    regex: str


@dataclass(frozen=True)
class Family:
    """The variants of one format, in order of preference, and how to read any of its lines.

    ``general`` reads the lines of most variants (and more: the shapes no single variant has),
    naming each line's variant in its ``variant`` column; what it does not read is retried with
    the variants in order. ``not_http`` are the family's records that are no HTTP request.
    """

    name: str
    variants: tuple[LogFormat, ...]
    general: LogFormat | None = None
    not_http: tuple[NotHttp, ...] = ()
    description: str = ""

    def variant(self, name: str) -> LogFormat | None:
        """The strict variant called ``name``, if the family has one."""
        return next((v for v in self.variants if v.name == name), None)

    def readers(self, primary: LogFormat) -> tuple[LogFormat, ...]:
        """What a line ``primary`` does not read is tried with, in order: the general reader,
        then the variants it does not cover."""
        others = (self.general, *self.variants) if self.general is not None else self.variants
        return tuple(reader for reader in others if reader is not primary)

    def choose(self, name: str) -> FamilyFormat:
        """The family read with the variant ``name`` first (the general reader when no strict
        variant has that name)."""
        primary = self.variant(name) or self.general or self.variants[0]
        return FamilyFormat(self, primary, name)

    def detector(self) -> FamilyFormat:
        """The family read with its most lenient reader first: what auto-detection parses the
        sample with, to see how many lines the family reads and in which variants."""
        primary = self.general or self.variants[0]
        return FamilyFormat(self, primary, primary.name)


@dataclass(frozen=True)
class FamilyFormat(LogFormat):
    """A family read with one variant first (``name``), and the rest of it for what that
    variant does not read."""

    family: Family
    primary: LogFormat
    name: str
    example: str = field(init=False)
    description: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "example", self.primary.example)
        object.__setattr__(self, "description", self.primary.description)

    @property
    def seekable(self) -> bool:  # type: ignore[override]
        """Whether a line can be read without the lines before it, by every reader."""
        return all(r.seekable for r in (self.primary, *self.family.readers(self.primary)))

    def parser(self) -> LineParser:
        return FamilyParser(
            self.primary.parser(),
            [reader.parser() for reader in self.family.readers(self.primary)],
            self.family.not_http,
        )


class FamilyParser:
    """Parses the chunks of one run: the chosen variant first, the rest on what it left."""

    def __init__(
        self, primary: LineParser, others: Sequence[LineParser], not_http: Sequence[NotHttp]
    ) -> None:
        self._primary = primary
        self._others = list(others)
        self._not_http = list(not_http)

    def __call__(self, lines: pl.LazyFrame) -> pl.LazyFrame:
        table = lines.collect()
        first = self._primary(table.lazy()).collect()
        unread = _unread(first)
        if not unread.any():
            return first.lazy()
        numbered = first.with_row_index(_ROW)
        pending = numbered.filter(unread)  # with the primary's verdict: nothing read
        is_comment = pending.get_column("line").str.contains(_COMMENT_LINE)
        done = [numbered.filter(~unread), _as_comments(pending.filter(is_comment))]
        pending = pending.filter(~is_comment)
        for parse in self._others:
            if pending.height == 0:
                break
            attempt = parse(pending.select(*table.columns, _ROW).lazy()).collect()
            read = ~_unread(attempt)
            done.append(attempt.filter(read).select(numbered.columns).cast(numbered.schema))
            pending = pending.filter(~read)
        done.append(self._recognise_not_http(pending))
        return pl.concat(done).sort(_ROW).drop(_ROW).lazy()

    def _recognise_not_http(self, lines: pl.DataFrame) -> pl.DataFrame:
        """``lines`` (read by nobody) with the family's non-HTTP records marked, their shape
        named in ``variant``."""
        if not self._not_http or lines.height == 0:
            return lines
        line = pl.col("line")
        shape: pl.Expr = pl.lit(None, dtype=pl.String)
        for record in reversed(self._not_http):
            shape = (
                pl.when(line.str.contains(record.regex)).then(pl.lit(record.name)).otherwise(shape)
            )
        return lines.with_columns(variant=shape).with_columns(
            not_http=pl.col("variant").is_not_null()
        )


def _unread(parsed: pl.DataFrame) -> pl.Series:
    """The lines no reader has accounted for: not parsed, not a comment, not a non-HTTP record."""
    return parsed.select(~(pl.col("parsed") | pl.col("comment") | pl.col("not_http"))).to_series()


def _as_comments(lines: pl.DataFrame) -> pl.DataFrame:
    """Blank and ``#`` lines (which no reader read): comments."""
    return lines.with_columns(comment=pl.lit(True))
