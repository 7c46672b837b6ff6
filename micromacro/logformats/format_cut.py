"""The verified fast path of format strings: a line cut at its double quotes, then at its
spaces, as the format string lays it out, instead of by one regex with captures.

A format string is literal text and variables, each variable a pattern chosen by what
surrounds it (``formatstrings``): anything but a quote between quotes, anything but ``]``
between brackets, anything but the character that follows it (and a space), a time written
with spaces as that many words. The regex of such a string matches a line in one way only,
when every variable's pattern excludes the first character of what follows it (a quote, a
``]``, a space, the next literal, the end of the line): each variable then ends where that
character first appears. Any cut that gives values every pattern accepts, and literal text
where the string has it, is that one match.

So a line is read by the cut when:

- it has no backslash (inside quotes the regex reads ``\\"`` as an escaped quote), no tab, no
  white space at its end, and exactly the string's number of double quotes, so each stretch
  between two quotes is the stretch of the string between the same two;
- each stretch that is a quoted variable is its value; each other stretch, cut at single
  spaces up to its last variable (the rest is one piece), has the string's words: literal
  words as written, and in each word with variables (a time with spaces spanning as many
  words) the literal text around and between them, each variable's value ending at the first
  of the literal text that follows it, and holding only what its pattern accepts.

Every other line goes to the regex (``cut.CutFormat``): the result is the regex's, line for
line. A string whose match could be ambiguous (two variables with nothing between them, a
variable followed by text its pattern may hold, Apache's ``%U`` and ``%q`` with patterns of
their own) has no cut (``cut_plan`` gives None) and is read by its regex alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from micromacro.logformats.cut import CUT, EXACT

_PIECES = "_pieces"


@dataclass(frozen=True)
class Value:
    """A variable of a format string as the cut reads it: the raw field it is captured as
    (None: matched and skipped), and what its pattern lets it hold.

    ``quoted``: anything but a quote, the whole stretch between two quotes. Otherwise none of
    ``forbidden`` and ``spaces`` spaces: exactly that many (a time written with spaces, each of
    its words holding a character), or any number when ``free_spaces`` (between brackets, where
    ``spaces`` is the number a time usually has). ``nonempty``: at least one character.
    ``last``: it ends at the last of the literal text after it in its word, not the first (an
    IPv6 address before ``:`` and a port, which holds no ``:``)."""

    name: str | None
    quoted: bool = False
    forbidden: str = ""
    spaces: int = 0
    free_spaces: bool = False
    nonempty: bool = False
    last: bool = False

    def excludes(self, following: str) -> bool:
        """Whether a value never holds ``following``, the first character after it (a time's
        own spaces are part of it, and its words end at them)."""
        if self.quoted:
            return following == '"'
        if following == " ":
            return not self.free_spaces
        return following in self.forbidden


# A piece of a format string as the cut reads it: literal text, or a variable.
Piece = str | Value


@dataclass(frozen=True)
class _Word:
    """One word of an unquoted stretch (or the last with variables, with all that follows it):
    literal text and variables, ``literals[0]``, ``values[0]``, ``literals[1]``, …, each
    variable followed by literal text (``literals`` has one more item than ``values``)."""

    literals: tuple[str, ...]
    values: tuple[Value, ...] = ()

    @property
    def spaces(self) -> int:
        return sum(value.spaces for value in self.values)


@dataclass(frozen=True)
class _Words:
    """An unquoted stretch: the words up to its last variable (``head``), each cut at single
    spaces, then the rest as one piece (``tail``), which holds that variable."""

    head: tuple[_Word, ...]
    tail: _Word

    @property
    def cut_words(self) -> int:
        """How many words the head is cut into (a time with spaces is several)."""
        return sum(1 + word.spaces for word in self.head)


# A stretch between two quotes: a quoted variable (its value), or words.
_Stretch = Value | _Words


@dataclass(frozen=True)
class CutPlan:
    """How the cut reads a format string's lines: its stretches between double quotes."""

    stretches: tuple[_Stretch, ...]
    groups: tuple[str, ...]  # the regex's named groups, in order

    def cut(self, lines: pl.LazyFrame) -> pl.LazyFrame:
        """``lines`` with each line's raw fields as cut (``CUT``) and whether the cut is
        proven (``EXACT``)."""
        line = pl.col("line")
        quotes = len(self.stretches) - 1
        split = lines.with_columns(line.str.splitn('"', quotes + 1).alias(_PIECES)).with_columns(
            _piece(number).str.splitn(" ", stretch.cut_words + 1).alias(_words(number))
            for number, stretch in self._split()
        )
        last = _piece(quotes)
        checks = [
            ~line.str.contains("\\", literal=True),
            ~line.str.contains("\t", literal=True),
            ~line.str.contains(r"\s$"),
            # Exactly ``quotes`` quotes: the last stretch holds none.
            last.is_not_null(),
            ~last.str.contains('"', literal=True),
        ]
        values: dict[str, pl.Expr] = {}
        for number, stretch in enumerate(self.stretches):
            if isinstance(stretch, Value):
                if stretch.name is not None:
                    values.setdefault(stretch.name, _piece(number))
                continue
            for text, word in _line_words(number, stretch):
                checks.append(_word_shape(text, word))
                for value, found in zip(word.values, _word_values(text, word), strict=True):
                    if value.name is not None:
                        values.setdefault(value.name, found)
        fields = pl.struct([values[name].alias(name) for name in self.groups])
        return split.with_columns(
            fields.alias(CUT), pl.all_horizontal(checks).fill_null(False).alias(EXACT)
        ).drop(_PIECES, *(_words(number) for number, _ in self._split()))

    def _split(self) -> list[tuple[int, _Words]]:
        """The unquoted stretches with words before their last variable (by number): those
        cut at spaces."""
        return [
            (number, stretch)
            for number, stretch in enumerate(self.stretches)
            if isinstance(stretch, _Words) and stretch.head
        ]


def cut_plan(pieces: Sequence[Piece], groups: Sequence[str]) -> CutPlan | None:
    """The cut of a format string laid out as ``pieces`` (its regex's named groups
    ``groups``, in order), or None when its regex may match a line in more than one way."""
    if not _unambiguous(pieces):
        return None
    planned: list[_Stretch] = []
    for stretch in _split_at(pieces, '"'):
        found = [piece for piece in stretch if piece != ""]
        if len(found) == 1 and isinstance(found[0], Value) and found[0].quoted:
            planned.append(found[0])
            continue
        words = _words_of(stretch)
        if words is None:
            return None
        planned.append(words)
    return CutPlan(tuple(planned), tuple(groups))


def _split_at(pieces: Sequence[Piece], separator: str) -> list[list[Piece]]:
    """``pieces`` cut where their literal text holds ``separator`` (which is dropped)."""
    parts: list[list[Piece]] = [[]]
    for piece in pieces:
        if isinstance(piece, Value):
            parts[-1].append(piece)
            continue
        first, *others = piece.split(separator)
        parts[-1].append(first)
        parts.extend([other] for other in others)
    return parts


def _unambiguous(pieces: Sequence[Piece]) -> bool:
    """Whether each variable's pattern excludes the first character after it (the end of the
    line needs nothing: the line ends in no white space), and no literal text holds a tab."""
    for index, piece in enumerate(pieces):
        if isinstance(piece, str):
            if "\t" in piece:
                return False
            continue
        if piece.last:
            if not _ends_at_last(pieces, index):
                return False
            continue
        following = next((p for p in pieces[index + 1 :] if p != ""), None)
        if isinstance(following, Value):
            return False
        if following is not None and not piece.excludes(following[0]):
            return False
        if piece.quoted and following is None:
            return False
    return True


def _ends_at_last(pieces: Sequence[Piece], index: int) -> bool:
    """Whether the value at ``pieces[index]``, which ends at the last of the literal text after
    it, is followed by literal text in its word and a value that never holds that text's first
    character (an address, ``:`` and a port): that occurrence is then the last of its word."""
    if index + 2 >= len(pieces):
        return False
    literal, following = pieces[index + 1], pieces[index + 2]
    return (
        isinstance(literal, str)
        and literal != ""
        and not any(c in literal for c in ' "\t')
        and isinstance(following, Value)
        and not following.quoted
        and not following.last
        and following.excludes(literal[0])
    )


def _words_of(stretch: Sequence[Piece]) -> _Words | None:
    """An unquoted stretch as words cut at single spaces up to its last variable; None when a
    word would hold a quoted variable."""
    found: list[_Word] = []
    for word in _split_at(stretch, " "):
        if any(isinstance(piece, Value) and piece.quoted for piece in word):
            return None
        literals, values = [""], []
        for piece in word:
            if isinstance(piece, Value):
                values.append(piece)
                literals.append("")
            else:
                literals[-1] += piece
        found.append(_Word(tuple(literals), tuple(values)))
    with_values = [index for index, word in enumerate(found) if word.values]
    if not with_values:
        return _Words((), _Word((" ".join(word.literals[0] for word in found),)))
    last = found[with_values[-1]]
    after = " ".join(
        [last.literals[-1], *(word.literals[0] for word in found[with_values[-1] + 1 :])]
    )
    return _Words(tuple(found[: with_values[-1]]), _Word((*last.literals[:-1], after), last.values))


def _piece(number: int) -> pl.Expr:
    """Stretch ``number`` of the line: what lies between its quotes ``number`` and ``+ 1``."""
    return pl.col(_PIECES).struct.field(f"field_{number}")


def _words(number: int) -> str:
    """The column holding the words of stretch ``number``."""
    return f"_words_{number}"


def _line_words(number: int, stretch: _Words) -> list[tuple[pl.Expr, _Word]]:
    """The words of stretch ``number`` of the line (the last one: the rest of the stretch),
    each with the word of the format string it must be."""
    if not stretch.head:
        return [(_piece(number), stretch.tail)]
    words = pl.col(_words(number))
    found = []
    first = 0
    for word in stretch.head:
        found.append((_joined(words, first, word.spaces), word))
        first += 1 + word.spaces
    found.append((words.struct.field(f"field_{first}"), stretch.tail))
    return found


def _joined(words: pl.Expr, first: int, spaces: int) -> pl.Expr:
    """Words ``first`` … ``first + spaces`` of a stretch, joined by a space again."""
    parts = [words.struct.field(f"field_{n}") for n in range(first, first + spaces + 1)]
    return parts[0] if len(parts) == 1 else pl.concat_str(parts, separator=" ")


def _word_shape(text: pl.Expr, word: _Word) -> pl.Expr:
    """Whether a word of the line (or the rest of its stretch) is ``word``: its literal text
    as written, each variable's value one its pattern accepts."""
    first, last = word.literals[0], word.literals[-1]
    if not word.values:
        return text == first
    checks = [text.is_not_null()]
    if first:
        checks.append(text.str.starts_with(first))
    if last:
        checks.append(text.str.ends_with(last))
    least = sum(len(literal.encode()) for literal in word.literals)
    least += sum(1 for value in word.values if value.nonempty)
    if least:
        checks.append(text.str.len_bytes() >= least)
    for value, inner in zip(word.values, _word_values(text, word), strict=True):
        checks.append(inner.is_not_null())
        if not value.free_spaces and not value.spaces:
            checks.append(~inner.str.contains(" ", literal=True))
        elif not value.free_spaces:
            # A time written with spaces: that many, each of its words holding a character.
            checks.append(inner.str.count_matches(" ", literal=True) == value.spaces)
            checks.append(~inner.str.contains("  ", literal=True))
            checks.append(~inner.str.starts_with(" ") & ~inner.str.ends_with(" "))
        if value.nonempty:
            checks.append(inner != "")
        checks.extend(~inner.str.contains(c, literal=True) for c in value.forbidden)
    return pl.all_horizontal(checks)


def _word_values(text: pl.Expr, word: _Word) -> list[pl.Expr]:
    """The values of the variables in a word of the line: the word without its first and last
    literal text, cut at the first of each literal text between two variables."""
    if not word.values:
        return []
    first, *between, last = word.literals
    inner = text.str.strip_prefix(first) if first else text
    inner = inner.str.strip_suffix(last) if last else inner
    values: list[pl.Expr] = []
    for value, literal in zip(word.values, between, strict=False):
        if value.last:
            parts = inner.str.split(literal, literal=True)
            count = parts.list.len()
            values.append(pl.when(count >= 2).then(parts.list.head(count - 1).list.join(literal)))
            inner = pl.when(count >= 2).then(parts.list.last())
            continue
        parts = inner.str.splitn(literal, 2)
        values.append(parts.struct.field("field_0"))
        inner = parts.struct.field("field_1")
    return [*values, inner]
