"""A family's general reader: one regex that reads every shape of the family, and names each
line's variant from what the line held (``alb+spaced_target``, ``haproxy+captures``).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from micromacro.logformats.base import RegexFormat
from micromacro.logformats.fields import REQUEST_LINE, normalize


@dataclass(frozen=True)
class Mark:
    """``+suffix`` in the variant name of a line whose raw field ``group`` matches ``pattern``;
    with ``matches=False``, of a line whose ``group`` does not match it or was not captured.

    The default pattern ``^`` matches any captured text, so a mark says the group is there (or,
    with ``matches=False``, that it is not).
    """

    suffix: str
    group: str
    pattern: str = "^"
    matches: bool = True

    def applies(self) -> pl.Expr:
        """Whether the mark applies to each line (reads the ``_fields`` struct)."""
        found = pl.col("_fields").struct.field(self.group).str.contains(self.pattern)
        return found.fill_null(False) if self.matches else ~found.fill_null(False)


# A request line only the lenient request line reads: a target holding spaces.
SPACED_TARGET = Mark("spaced_target", "request", REQUEST_LINE, matches=False)


@dataclass(frozen=True)
class LabelledFormat(RegexFormat):
    """A regex format that names each line's variant ``label`` plus the suffixes of the
    ``marks`` that apply to it, and splits its raw ``request`` with ``request_line``.

    ``name`` is the reader's own name (what a run read with it first is called); ``label``
    is the variant name of a line no mark applies to, the name of the family's strict variant
    of that shape, so that detection counts those lines for it.
    """

    label: str = ""
    marks: tuple[Mark, ...] = ()
    request_line: str = REQUEST_LINE

    def variant(self) -> pl.Expr:
        """The variant name of each line: ``label`` then the suffixes of the marks that apply."""
        suffixes = [
            pl.when(mark.applies()).then(pl.lit(f"+{mark.suffix}")).otherwise(pl.lit(""))
            for mark in self.marks
        ]
        return pl.concat_str([pl.lit(self.label or self.name), *suffixes])

    def parse(self, lines: pl.LazyFrame) -> pl.LazyFrame:
        """Parse a chunk of the line table (this format has no state between chunks)."""
        extracted = lines.with_columns(_fields=pl.col("line").str.extract_groups(self.regex))
        return normalize(
            extracted,
            self.fields,
            self.time,
            variant=self.variant(),
            request_line=self.request_line,
        )
