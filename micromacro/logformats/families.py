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

from micromacro.hit_schema import compact_strings
from micromacro.logformats.base import LineParser, LogFormat, RegexFormat
from micromacro.logformats.envelopes import Envelope

# The line table every reader reads, and the row number the retry carries through it.
LINE_TABLE = ("source_file", "line_no", "line")
_ROW = "_row"
_COMMENT = "_comment"
# The whole line of a line in an envelope, while the line inside it is read.
_WHOLE_LINE = "_whole_line"
# A blank line or a ``#`` comment is no data in any text format.
COMMENT_LINE = r"^\s*(?:#|$)"


@dataclass(frozen=True)
class NotHttp:
    """A record shape of a format that is no HTTP request (counted as ``not_http``): a line
    that ``regex`` matches and ``unless`` (when given) does not. ``recognises``: whether such
    records recognise the format when its sample is detected (a JSON logger's message is no
    sign of an access log: an application's log of them is no format known)."""

    name: str
    regex: str
    unless: str | None = None
    recognises: bool = True


@dataclass(frozen=True)
class Family:
    """The variants of one format, in order of preference, and how to read any of its lines.

    ``general`` reads the lines of most variants alike (and more: the shapes no single variant
    has), naming each line's variant in its ``variant`` column: the variants are its fast paths.
    ``not_http`` are the family's records that are no HTTP request.
    """

    name: str
    variants: tuple[LogFormat, ...]
    general: LogFormat | None = None
    not_http: tuple[NotHttp, ...] = ()
    description: str = ""
    # False when the variants are names of the general reader, reading alike (JSON lines):
    # retrying a line with them would read it again the same way.
    distinct_variants: bool = True
    # A regex that a line of the log matches when the log has an X-Forwarded-For field, be it
    # empty: a W3C ``#Fields:`` header naming it, a JSON key (None: the variants say so).
    forwarded_for_marker: str | None = None
    # A regex every line the family accounts for matches (one it reads, takes as a comment or
    # knows as a non-HTTP record): detection does not parse a sample none of whose lines match
    # it with the family (None: every sample is parsed).
    claims: str | None = None

    def variant(self, name: str) -> LogFormat | None:
        """The strict variant called ``name``, if the family has one."""
        return next((v for v in self.variants if v.name == name), None)

    def readers(self, primary: LogFormat) -> tuple[LogFormat, ...]:
        """What a line ``primary`` does not read is tried with, in order: the other variants
        (each one exact regex: fast), then the general reader for the shapes none of them has."""
        variants = self.variants if self.distinct_variants or self.general is None else ()
        others = (*variants, self.general) if self.general is not None else variants
        return tuple(reader for reader in others if reader is not primary)

    def choose(self, name: str, envelope: Envelope | None = None) -> FamilyFormat:
        """The family read with the variant ``name`` first (the general reader when no strict
        variant has that name), in the lines ``envelope`` wraps when one is given."""
        primary = self.variant(name) or self.general or self.variants[0]
        return FamilyFormat(self, primary, name).enveloped(envelope)

    def detector(self) -> FamilyFormat:
        """The family read with its most lenient reader first: what auto-detection parses the
        sample with, to see how many lines the family reads and in which variants."""
        primary = self.general or self.variants[0]
        return FamilyFormat(self, primary, primary.name)


@dataclass(frozen=True)
class FamilyFormat(LogFormat):
    """A family read with one variant first (``name``), and the rest of it for what that
    variant does not read; with an ``envelope``, in the lines it wraps (named
    ``envelope:name``, as ``syslog:combined``)."""

    family: Family
    primary: LogFormat
    name: str
    envelope: Envelope | None = None
    example: str = field(init=False)
    description: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "example", self.primary.example)
        object.__setattr__(self, "description", self.primary.description)

    def enveloped(self, envelope: Envelope | None) -> FamilyFormat:
        """This format read in the lines ``envelope`` wraps (itself for None)."""
        if envelope is None:
            return self
        return FamilyFormat(self.family, self.primary, envelope.around(self.name), envelope)

    @property
    def unwrapped_name(self) -> str:
        """The name of the format read in the envelope's lines (``combined`` for
        ``syslog:combined``): the variant ``Family.choose`` was given."""
        return self.name if self.envelope is None else self.name.split(":", 1)[1]

    def unwrap(self, line: str) -> str:
        """The line this format reads in ``line``: the line inside its envelope."""
        return line if self.envelope is None else self.envelope.unwrap(line)

    @property
    def seekable(self) -> bool:  # type: ignore[override]
        """Whether a line can be read without the lines before it, by every reader."""
        return all(r.seekable for r in (self.primary, *self.family.readers(self.primary)))

    def parser(self) -> LineParser:
        return FamilyParser(
            self.primary.parser(),
            [reader_of(reader) for reader in self.family.readers(self.primary)],
            self.family.not_http,
            self.envelope,
        )


@dataclass(frozen=True)
class Reader:
    """One way to read the lines a primary variant left: a parser, and a regex every line it
    reads matches (``screen``; None when it has none), to try it only on those lines."""

    parse: LineParser
    screen: str | None = None


def reader_of(fmt: LogFormat) -> Reader:
    """``fmt`` as a reader, screened by its regex when it is one regex."""
    return Reader(fmt.parser(), fmt.regex if isinstance(fmt, RegexFormat) else None)


@dataclass(frozen=True)
class FirstRead:
    """A chunk read by the chosen variant: the lines it read, and those it left (None: none)."""

    read: pl.DataFrame
    unread: pl.DataFrame | None = None


class FamilyParser:
    """Parses the chunks of one run: the chosen variant first, the rest of the family on what
    it left.

    Called on a line table it returns every line, read. A run instead calls ``read`` on each
    chunk, which returns the lines the chosen variant read and holds the others back, and
    ``flush`` at the end (or when ``held`` grows large), which reads the held lines with the
    rest of the family in one pass: a handful of odd lines per chunk costs nothing per chunk.
    ``read`` is ``read_first`` then ``hold``: the first, the costly one, keeps no state here, so
    a run makes it in a thread of its own, a chunk ahead (``reading.read_hits``).

    With an ``envelope``, every reader reads the line inside it, and the lines given back are
    the whole lines.
    """

    def __init__(
        self,
        primary: LineParser,
        others: Sequence[Reader],
        not_http: Sequence[NotHttp],
        envelope: Envelope | None = None,
    ) -> None:
        self._primary = primary
        self._others = list(others)
        self._not_http = list(not_http)
        self._envelope = envelope
        self._held: list[pl.DataFrame] = []
        self.held = 0  # lines held back for ``flush``

    def __call__(self, lines: pl.LazyFrame) -> pl.LazyFrame:
        first = self._primary(self._opened(lines)).collect(engine="streaming")
        unread = _unread(first)
        if unread.any():
            first = _replace_rows(first, self._retry(first.with_row_index(_ROW).filter(unread)))
        return self._closed(first).lazy()

    def read(self, lines: pl.DataFrame) -> pl.DataFrame:
        """The lines of ``lines`` the chosen variant reads; the others are held for ``flush``."""
        return self.hold(self.read_first(lines))

    def read_first(self, lines: pl.DataFrame) -> FirstRead:
        """``lines`` read by the chosen variant, nothing held yet (``hold`` does that).

        It changes nothing ``hold`` and ``flush`` use: it may run in another thread than they
        do, given the chunks in order (a stateful variant, W3C's, reads its directives)."""
        first = self._primary(self._opened(lines.lazy())).collect(engine="streaming")
        unread = _unread(first)
        if not unread.any():
            return FirstRead(self._closed(first))
        # Copied out, so the held lines do not keep the whole chunk alive until ``flush``.
        held = compact_strings(first.filter(unread))
        return FirstRead(self._closed(first.filter(~unread)), held)

    def hold(self, first: FirstRead) -> pl.DataFrame:
        """The lines the chosen variant read, the others of ``first`` held for ``flush``."""
        if first.unread is not None:
            self._held.append(first.unread)
            self.held += first.unread.height
        return first.read

    def flush(self) -> pl.DataFrame | None:
        """The held lines, read by the rest of the family (None when none are held)."""
        return self.read_held(self.take_held())

    def take_held(self) -> list[pl.DataFrame]:
        """The held lines, no longer held: ``read_held`` reads them. The two halves of
        ``flush``: the second keeps no state here, so a run may make it in a thread of its own
        while it goes on reading."""
        held, self._held, self.held = self._held, [], 0
        return held

    def read_held(self, held: Sequence[pl.DataFrame]) -> pl.DataFrame | None:
        """Lines ``take_held`` gave, read by the rest of the family (None for none)."""
        if not held:
            return None
        numbered = pl.concat(held).with_row_index(_ROW)
        return self._closed(_replace_rows(numbered, self._retry(numbered)).drop(_ROW))

    def _opened(self, lines: pl.LazyFrame) -> pl.LazyFrame:
        """``lines`` with the line inside the envelope as ``line``, the whole line kept aside."""
        if self._envelope is None:
            return lines
        return lines.with_columns(
            pl.col("line").alias(_WHOLE_LINE), self._envelope.contents().alias("line")
        )

    def _closed(self, parsed: pl.DataFrame) -> pl.DataFrame:
        """``parsed`` (lines ``_opened`` gave) with the whole lines back as ``line``."""
        if self._envelope is None:
            return parsed
        return parsed.with_columns(pl.col(_WHOLE_LINE).alias("line")).drop(_WHOLE_LINE)

    def _retry(self, pending: pl.DataFrame) -> pl.DataFrame:
        """The lines of ``pending`` (unread by the primary, numbered by ``_ROW``) that the rest
        of the family accounts for: comments, lines another reader reads, non-HTTP records.
        Lines nothing reads are left out: they keep the primary's verdict (and the whole line
        of a line in an envelope, which the readers do not give)."""
        columns = [name for name in pending.columns if name != _WHOLE_LINE]
        line = pl.col("line")
        # One pass says which lines are comments and which lines each screened reader may read.
        pending = pending.with_columns(
            line.str.contains(COMMENT_LINE).alias(_COMMENT),
            *(
                line.str.contains(reader.screen).alias(_screen(number))
                for number, reader in enumerate(self._others)
                if reader.screen is not None
            ),
        )
        done = [_as_comments(pending.filter(_COMMENT)).select(columns)]
        pending = pending.filter(~pl.col(_COMMENT))
        for number, reader in enumerate(self._others):
            tried = pending if reader.screen is None else pending.filter(_screen(number))
            if tried.height == 0:
                continue
            attempt = reader.parse(tried.select(*LINE_TABLE, _ROW).lazy()).collect()
            read = attempt.filter(~_unread(attempt))
            done.append(read.select(columns))
            pending = pending.filter(~pl.col(_ROW).is_in(read.get_column(_ROW).implode()))
        done.append(self._recognise_not_http(pending.select(columns)).filter("not_http"))
        return pl.concat(done)

    def _recognise_not_http(self, lines: pl.DataFrame) -> pl.DataFrame:
        """``lines`` (read by nobody) with the family's non-HTTP records marked, their shape
        named in ``variant``."""
        if not self._not_http or lines.height == 0:
            return lines
        line = pl.col("line")
        shape: pl.Expr = pl.lit(None, dtype=pl.String)
        for record in reversed(self._not_http):
            matches = line.str.contains(record.regex)
            if record.unless is not None:
                matches &= ~line.str.contains(record.unless)
            shape = pl.when(matches).then(pl.lit(record.name)).otherwise(shape)
        return lines.with_columns(variant=shape).with_columns(
            not_http=pl.col("variant").is_not_null()
        )


class WholeParser:
    """A parser that reads every line at once (nothing held back), as a batched one."""

    held = 0

    def __init__(self, parse: LineParser) -> None:
        self._parse = parse

    def read(self, lines: pl.DataFrame) -> pl.DataFrame:
        return self._parse(lines.lazy()).collect()

    def read_first(self, lines: pl.DataFrame) -> FirstRead:
        return FirstRead(self.read(lines))

    def hold(self, first: FirstRead) -> pl.DataFrame:
        return first.read

    def flush(self) -> pl.DataFrame | None:
        return None

    def take_held(self) -> list[pl.DataFrame]:
        return []

    def read_held(self, held: Sequence[pl.DataFrame]) -> pl.DataFrame | None:
        return None


def batched(parse: LineParser) -> FamilyParser | WholeParser:
    """``parse`` with ``read``/``flush``: a family's parser as it is, any other reading every
    line at once."""
    return parse if isinstance(parse, FamilyParser) else WholeParser(parse)


def _screen(number: int) -> str:
    """The column saying which pending lines reader ``number`` may read."""
    return f"_screen_{number}"


def _replace_rows(frame: pl.DataFrame, rows: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with the rows at the ``_ROW`` positions of ``rows`` replaced by them (in the
    columns ``rows`` has)."""
    if rows.height == 0:
        return frame
    at = rows.get_column(_ROW)
    columns = []
    for name, dtype in frame.schema.items():
        column = frame.get_column(name)
        if name in rows.columns:
            column = column.clone()
            column.scatter(at, rows.get_column(name).cast(dtype))
        columns.append(column)
    return pl.DataFrame(columns)


def _unread(parsed: pl.DataFrame) -> pl.Series:
    """The lines no reader has accounted for: not parsed, not a comment, not a non-HTTP record."""
    accounted = parsed.get_column("parsed") | parsed.get_column("comment")
    return ~(accounted | parsed.get_column("not_http"))


def _as_comments(lines: pl.DataFrame) -> pl.DataFrame:
    """Blank and ``#`` lines (which no reader read): comments."""
    return lines.with_columns(comment=pl.lit(True))
