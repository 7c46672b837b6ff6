"""Reading lines by a verified cut: a format's fields cut out of each line with plain byte
searches where the cut proves its regex would cut the line in the same places, and by the regex
itself on every other line.

A format that has a cut (``clf_split`` for the Common Log Format's variants, ``format_cut`` for
format strings) makes it as a query adding two columns to the line table: the raw fields as cut
(``CUT``, a struct named and ordered like the regex's groups) and whether the cut is proven
(``EXACT``), as a ``CutFormat``. Its parse runs the cut, has the regex read the lines left
unproven, and puts the two back in line order: the result is the regex's, line for line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

from micromacro.logformats.base import RegexFormat
from micromacro.logformats.fields import normalize_frame

CUT, EXACT = "_cut", "_exact"


@dataclass(frozen=True)
class CutFormat(RegexFormat):
    """A regex format read by a verified cut (``cut_lines``) where the cut proves a line, and
    by its regex on every other line."""

    def cut_lines(self, lines: pl.LazyFrame) -> pl.LazyFrame | None:
        """The line table with ``CUT`` and ``EXACT`` (None: this format has no cut)."""
        raise NotImplementedError

    def parse(self, lines: pl.LazyFrame) -> pl.LazyFrame:
        """Parse a chunk of the line table: the cut where it is proven, else the regex."""
        cut = self.cut_lines(lines)
        return RegexFormat.parse(self, lines) if cut is None else _parse_by_cut(self, cut)

    def parse_exact(self, lines: pl.LazyFrame) -> pl.LazyFrame:
        """Parse a chunk of the line table with the regex alone (the exact path)."""
        return RegexFormat.parse(self, lines)

    def proven(self, lines: pl.Series) -> pl.Series:
        """Which of ``lines`` the cut reads (the others go to the regex)."""
        cut = self.cut_lines(pl.LazyFrame({"line": lines}))
        if cut is None:
            return pl.repeat(False, lines.len(), eager=True)
        return cut.collect().get_column(EXACT)


def _parse_by_cut(fmt: RegexFormat, cut: pl.LazyFrame) -> pl.LazyFrame:
    """The lines of ``cut`` (the line table with ``CUT`` and ``EXACT``) parsed as ``fmt``'s
    regex parses them: the cut where it is proven, the regex elsewhere. Computed in memory (the
    in-memory engine runs the many small string steps of a cut faster than the streaming one)."""
    frame = cut.collect(engine="in-memory")
    exact = frame.get_column(EXACT)
    fields = frame.get_column(CUT)
    if not exact.all():
        fields = _exact_where_unproven(fmt.regex, frame.get_column("line"), fields, exact)
    lines = frame.drop(CUT, EXACT).with_columns(fields.alias("_fields"))
    return normalize_frame(lines, fmt.fields, fmt.time, variant=fmt.name).lazy()


def _exact_where_unproven(
    regex: str, lines: pl.Series, fields: pl.Series, exact: pl.Series
) -> pl.Series:
    """``fields`` with the rows the cut did not prove replaced by the regex's fields."""
    at = exact.not_().arg_true()
    by_regex = lines.gather(at).str.extract_groups(regex).struct.unnest()
    columns = []
    for column in fields.struct.unnest().iter_columns():
        replaced = column.clone()
        replaced.scatter(at, by_regex.get_column(column.name))
        columns.append(replaced)
    return pl.DataFrame(columns).to_struct(CUT)


def group_order(regex: str) -> list[str]:
    """The regex's named groups, in order (the struct ``extract_groups`` makes)."""
    return re.findall(r"\(\?P<([a-z_]+)>", regex)
