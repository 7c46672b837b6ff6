"""Bad rows of event-export files, found without giving up the vectorised read of a good file.

A file is read whole by Polars first. Only a file that fails (NDJSON: a line that is no JSON
object; CSV: a row with more fields than the header) or that may hold a short CSV row (its last
column has a missing value) is looked at again, line by line but still in whole-column
expressions, block by block of whole lines:

- NDJSON: a copy of the file is written with each line that is no JSON object replaced by
  ``{}``, so that every row keeps its number and Polars can read the copy; the lines replaced
  are the bad rows.
- CSV: the fields of each line are counted (commas outside quoted fields). Only when a quoted
  field spans lines (a line with an odd number of quotes), or the lines do not line up with the
  rows Polars read, is the file read row by row with Python's ``csv`` module.

Each bad row is named by its 1-based number (a CSV header is not a row, nor is a blank NDJSON
line), why it is bad and its first characters; ``exports`` counts it as ``malformed``.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

import polars as pl

from micromacro.errors import InputError
from micromacro.line_chunks import DEFAULT_CHUNK_BYTES, parse_line_bytes

# The columns of a table of bad rows: the row's number, why it is bad, its first characters.
BAD_ROW_NUMBER = "line_no"
BAD_ROW = "__micromacro_bad_row"
BAD_EXCERPT = "__micromacro_bad_excerpt"
BAD_ROWS_SCHEMA = pl.Schema(
    {BAD_ROW_NUMBER: pl.UInt32(), BAD_ROW: pl.String(), BAD_EXCERPT: pl.String()}
)
_EXCERPT_CHARS = 120
_BOM = b"\xef\xbb\xbf"
# JSON's whitespace: a line of nothing else is blank, and no row (as Polars reads NDJSON).
JSON_SPACE = " \t\r"
_ARRAY_HINT = "; a JSON array? NDJSON is one object per line"


def no_bad_rows() -> pl.DataFrame:
    """A table of bad rows without rows."""
    return pl.DataFrame(schema=BAD_ROWS_SCHEMA)


def _blocks(handle: BinaryIO, block_bytes: int) -> Iterator[bytes]:
    """The bytes of ``handle`` in blocks of whole lines (each ends with a line break but the
    last); a line longer than a block is one block of its own."""
    rest = b""
    while True:
        data = handle.read(block_bytes)
        if not data:
            break
        data = rest + data
        cut = data.rfind(b"\n") + 1
        if cut == 0:
            rest = data
            continue
        rest = data[cut:]
        yield data[:cut]
    if rest:
        yield rest


# --- NDJSON ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RepairedNdjson:
    """An NDJSON file copied with its bad lines replaced by ``{}``: how many rows it has (its
    non-blank lines) and its bad rows."""

    rows: int
    bad: pl.DataFrame


def repair_ndjson(
    source: str, target: str, *, block_bytes: int = DEFAULT_CHUNK_BYTES
) -> RepairedNdjson:
    """Copy the NDJSON file ``source`` to ``target``: each non-blank line that is not a JSON
    object becomes ``{}``; invalid UTF-8 becomes U+FFFD and a byte-order mark at the start is
    dropped, as for logs.

    >>> import os, tempfile
    >>> folder = tempfile.TemporaryDirectory()
    >>> source, target = os.path.join(folder.name, "in"), os.path.join(folder.name, "out")
    >>> with open(source, "wb") as handle:
    ...     _ = handle.write(b'{"a": 1}\\n\\n{"a": x}\\n[1]\\n')
    >>> repaired = repair_ndjson(source, target)
    >>> open(target).read()
    '{"a": 1}\\n\\n{}\\n{}\\n'
    >>> repaired.rows
    3
    >>> for row in repaired.bad.rows():
    ...     print(row)
    (2, 'not valid JSON', '{"a": x}')
    (3, 'not a JSON object; a JSON array? NDJSON is one object per line', '[1]')
    >>> folder.cleanup()
    """
    rows = 0
    bad: list[pl.DataFrame] = []
    with open(source, "rb") as reading, open(target, "wb") as writing:
        for number, block in enumerate(_blocks(reading, block_bytes)):
            data = block.removeprefix(_BOM) if number == 0 else block
            decoded = pl.Series("text", [data.decode("utf-8", errors="replace")])
            text = decoded.str.split("\n").explode()
            lines = _judge_json_lines(text, rows)
            rows = int(lines.get_column(BAD_ROW_NUMBER)[-1])
            bad.append(lines.filter(pl.col(BAD_ROW).is_not_null()).select(BAD_ROWS_SCHEMA.names()))
            fixed = lines.select(
                pl.when(pl.col(BAD_ROW).is_null()).then("text").otherwise(pl.lit("{}"))
            ).to_series()
            writing.write(fixed.str.join("\n").item().encode())
    return RepairedNdjson(rows, pl.concat(bad) if bad else no_bad_rows())


def _judge_json_lines(text: pl.Series, rows_before: int) -> pl.DataFrame:
    """Per line of ``text``: its row number (``BAD_ROW_NUMBER``, counting on from
    ``rows_before``; a blank line is no row and repeats the number before it) and, for a
    non-blank line that is no JSON object, why (``BAD_ROW``) and its start (``BAD_EXCERPT``)."""
    line = pl.col("text")
    blank = line.str.strip_chars(JSON_SPACE).str.len_bytes() == 0
    start = line.str.strip_chars_start(JSON_SPACE)
    valid = line.str.json_path_match("$").is_not_null() | (start.str.strip_chars_end() == "null")
    reason = pl.when(valid).then(pl.lit("not a JSON object")).otherwise(pl.lit("not valid JSON"))
    array = start.str.starts_with("[") | start.str.starts_with("]")
    hint = pl.when(array).then(pl.lit(_ARRAY_HINT)).otherwise(pl.lit(""))
    bad = ~blank & ~(valid & start.str.starts_with("{"))
    return text.to_frame().select(
        "text",
        ((~blank).cum_sum() + rows_before).cast(pl.UInt32).alias(BAD_ROW_NUMBER),
        pl.when(bad).then(pl.concat_str(reason, hint)).alias(BAD_ROW),
        pl.when(bad).then(line.str.slice(0, _EXCERPT_CHARS)).alias(BAD_EXCERPT),
    )


# --- CSV ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CsvRows:
    """The fields of a CSV file counted line by line: how many rows it has and the rows whose
    number of fields is not the header's."""

    rows: int
    bad: pl.DataFrame


def _wrong_counts(
    lines: pl.Series, fields: pl.Series, width: int, rows_before: int
) -> pl.DataFrame:
    """The bad rows among ``lines`` (numbered on from ``rows_before``) of ``fields`` fields
    each, under a header of ``width``: why (a blank line, of one empty field, says so) and
    their start."""
    wrong = (fields != width).arg_true()
    found = pl.DataFrame(
        {
            BAD_ROW_NUMBER: (wrong + rows_before + 1).cast(pl.UInt32),
            "text": lines.gather(wrong),
            "fields": fields.gather(wrong),
        }
    )
    counted = pl.format(
        "{} field{}, the header has {}",
        "fields",
        pl.when(pl.col("fields") == 1).then(pl.lit("")).otherwise(pl.lit("s")),
        pl.lit(width),
    )
    blank = pl.col("text").str.len_bytes() == 0
    return found.select(
        BAD_ROW_NUMBER,
        pl.when(blank).then(pl.lit("blank line")).otherwise(counted).alias(BAD_ROW),
        pl.col("text").str.slice(0, _EXCERPT_CHARS).alias(BAD_EXCERPT),
    )


# A quoted field, from the start of the line or a comma (kept) to its closing quote, doubled
# quotes inside it included.
_QUOTED_FIELD = r'(^|,)"(?:[^"]|"")*"'


def csv_field_counts(
    path: str, width: int, *, block_bytes: int = DEFAULT_CHUNK_BYTES
) -> CsvRows | None:
    """Count the fields of every line after the header of the CSV file ``path`` (commas outside
    quoted fields); None when a line holds an odd number of quotes, so that rows cannot be told
    by lines (a quoted field holds a line break, or a quote is never closed).

    >>> import os, tempfile
    >>> folder = tempfile.TemporaryDirectory()
    >>> path = os.path.join(folder.name, "e.csv")
    >>> with open(path, "wb") as handle:
    ...     _ = handle.write(b'a,b\\n1,"x,y"\\n2\\n3,4,5\\n\\n')
    >>> counted = csv_field_counts(path, 2)
    >>> counted.rows
    4
    >>> for row in counted.bad.rows():
    ...     print(row)
    (2, '1 field, the header has 2', '2')
    (3, '3 fields, the header has 2', '3,4,5')
    (4, 'blank line', '')
    >>> folder.cleanup()
    """
    rows = 0
    bad: list[pl.DataFrame] = []
    with open(path, "rb") as handle:
        header = True
        for block in _blocks(handle, block_bytes):
            lines = parse_line_bytes(block)
            if header:
                if lines.len() and lines.str.count_matches('"', literal=True)[0] % 2:
                    return None
                lines, header = lines.slice(1), False
            quotes = lines.str.count_matches('"', literal=True)
            if (quotes % 2 == 1).any():
                return None
            commas = lines.str.count_matches(",", literal=True)
            quoted = (quotes > 0).arg_true()
            if quoted.len():
                # A quote opens a quoted field only where the field starts; elsewhere it is a
                # character of the field (as Polars' reader and Python's csv read it).
                unquoted = lines.gather(quoted).str.replace_all(_QUOTED_FIELD, "${1}")
                commas = commas.scatter(quoted, unquoted.str.count_matches(",", literal=True))
            # A blank line is one empty field: bad unless the header has one column.
            bad.append(_wrong_counts(lines, commas + 1, width, rows))
            rows += lines.len()
    return CsvRows(rows, pl.concat(bad) if bad else no_bad_rows())


def csv_header(path: str, width: int) -> list[str] | None:
    """The names of the CSV file ``path``'s header as written, in order, read with Python's
    ``csv`` module; None where they are not ``width`` names (the columns Polars read).

    Polars renames a name the header repeats (the second ``e`` is ``e_duplicated_0``), which is
    no column of the file: these are the names a mapping may use. Leading blank lines are no
    header, as Polars skips them.

    >>> import os, tempfile
    >>> folder = tempfile.TemporaryDirectory()
    >>> path = os.path.join(folder.name, "e.csv")
    >>> with open(path, "wb") as handle:
    ...     _ = handle.write(b'\\nt,e,"e"\\n1,x,y\\n')
    >>> csv_header(path, 3)
    ['t', 'e', 'e']
    >>> folder.cleanup()
    """
    csv.field_size_limit(sys.maxsize)
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
        try:
            names = next((fields for fields in csv.reader(handle) if fields), None)
        except csv.Error:
            return None
    return names if names is not None and len(names) == width else None


def csv_rows_by_python(
    path: str, names: list[str], file_name: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Every row after the header of the CSV file ``path``, read with Python's ``csv`` module,
    as text columns ``names`` (a short row padded with nulls, a long one cut; an empty field
    is null, as Polars reads an unquoted one), and the rows whose number of fields is not
    ``len(names)`` or whose quoting is broken (``"a"b``: the module names why).

    For files whose rows cannot be told by lines. A quoted field still open at the end of the
    file is an ``InputError``: every row after its quote would be lost in it.
    """
    width = len(names)
    columns: list[list[str | None]] = [[] for _ in names]
    bad_rows: list[tuple[int, str, str]] = []
    csv.field_size_limit(sys.maxsize)  # a huge field is a long line, not an error
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
        reader = csv.reader(handle, strict=True)
        number = -1  # the header is row 0
        why: str | None
        while True:
            number += 1
            try:
                fields = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                if str(error) == "unexpected end of data":
                    where = f"row {number}" if number else "the header"
                    raise InputError(
                        f"{file_name}: cannot read as CSV: a quoted field of {where} is never "
                        "closed"
                    ) from None
                fields, why = [], f"not valid CSV: {error}"
            else:
                why = _python_wrong_count(len(fields), width)
            if number == 0:  # the header: its names are Polars' (which reads it the same)
                continue
            if why is not None:
                bad_rows.append((number, why, ",".join(fields)[:_EXCERPT_CHARS]))
            padded = [*fields[:width], *[""] * (width - len(fields))]
            for column, value in zip(columns, padded, strict=True):
                column.append(value or None)
    table = pl.DataFrame(
        [
            pl.Series(name, values, dtype=pl.String)
            for name, values in zip(names, columns, strict=True)
        ]
    )
    bad = pl.DataFrame(bad_rows, schema=BAD_ROWS_SCHEMA, orient="row")
    return table, bad


def _python_wrong_count(fields: int, width: int) -> str | None:
    """Why a row of ``fields`` fields (0: a blank line) is bad under a header of ``width``."""
    if fields == 0:
        return "blank line" if width > 1 else None
    if fields == width:
        return None
    return f"{fields} field{'s' if fields != 1 else ''}, the header has {width}"
