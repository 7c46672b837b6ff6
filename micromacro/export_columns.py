"""Columns of an event export found by name or dotted path (README: Event exports, "Column
names"): a column of that exact name first, else a walk down struct fields and ``{key, value}``
lists (GA4's ``event_params``), as Polars expressions over the scanned file.

A column the file lacks is recorded, so that one configuration error can name every missing
column and what the file has instead.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import polars as pl
from polars.datatypes import DataTypeClass

from micromacro.distinct import per_distinct
from micromacro.errors import ConfigError, InputError

# The 1-based row number each scan adds: no column of a file, and never a mapped one.
ROW = "__micromacro_row"
# An NDJSON row's line as written, added where a mapped name reads a member of a text field.
LINE = "__micromacro_line"


_MAX_LISTED = 20
_MAX_NAME = 60


def _times(count: int) -> str:
    """How often a header writes a name, where it is more than once."""
    return "" if count == 1 else " (twice)" if count == 2 else f" ({count} times)"


# What a CSV read as one column was separated by instead of commas (a spreadsheet's export in
# many languages uses ``;``).
_OTHER_SEPARATORS = (";", "\t")


def _listing(names: list[str], counts: Mapping[str, int] | None = None) -> str:
    """``names`` for a message: each cut to its start, with how often the header has it."""
    shown = [
        (name if len(name) <= _MAX_NAME else name[:_MAX_NAME] + "…")
        + _times((counts or {}).get(name, 1))
        for name in names
    ]
    more = len(shown) - _MAX_LISTED
    return ", ".join(shown[:_MAX_LISTED]) + (f" and {more} more" if more > 0 else "") or "none"


def _instance(dtype: pl.DataType | DataTypeClass) -> pl.DataType:
    """``pl.String()`` for ``pl.String``: nested types may name their parts by class."""
    return dtype() if isinstance(dtype, type) else dtype


def _struct_fields(dtype: pl.DataType | DataTypeClass) -> dict[str, pl.DataType] | None:
    if not isinstance(dtype, pl.Struct):
        return None
    return {f.name: _instance(f.dtype) for f in dtype.fields}


def _is_key_value_list(dtype: pl.DataType) -> bool:
    """True for a list of ``{key, value}`` structs (GA4's ``event_params``)."""
    if not isinstance(dtype, pl.List):
        return False
    fields = _struct_fields(dtype.inner)
    return fields is not None and "key" in fields and "value" in fields


# Finds the entry of a key in a keyed list as a column computed once (``ExportColumns.entry``).
EntryOf = Callable[[pl.Expr, str], pl.Expr]


def entry_of_key(column: pl.Expr, key: str) -> pl.Expr:
    """The first ``{key, value}`` entry of the keyed list ``column`` with this key."""
    return column.list.eval(
        pl.element().filter(pl.element().struct.field("key").cast(pl.String) == key)
    ).list.first()


def _value_by_key(
    column: pl.Expr, dtype: pl.List, key: str, entry_of: EntryOf, written: _Written
) -> tuple[pl.Expr, pl.DataType]:
    """The value of the first ``{key, value}`` entry with this key; a struct of typed values
    (GA4's ``string_value``, ``int_value``, …) gives the one that is set, as text."""
    value_dtype = (_struct_fields(dtype.inner) or {})["value"]
    if value_dtype == pl.String:  # objects on some rows, text on others: the objects' JSON
        if written.line is not None:
            return _set_value(written.read()), pl.String()
        return _set_value(entry_of(column, key).struct.field("value")), pl.String()
    value = entry_of(column, key).struct.field("value")
    typed = _struct_fields(value_dtype)
    if typed is None:
        return value, value_dtype
    scalars = [name for name, inner in typed.items() if not inner.is_nested()]
    if not scalars:
        return pl.lit(None, dtype=pl.String), pl.String()
    text = pl.coalesce(value.struct.field(name).cast(pl.String) for name in scalars)
    return text, pl.String()


_ENTRY = "__micromacro_entry_"


class ExportColumns:
    """The columns of one export file, found by name or dotted path, as expressions.

    A column the file lacks is recorded in ``missing`` (and stands in as nulls), so that one
    error can name every missing column: see ``check_found``.

    >>> schema = pl.Schema({"context": pl.Struct({"page": pl.Struct({"url": pl.String})})})
    >>> ExportColumns(schema, "e.ndjson").find("context.page.url") is not None
    True

    A CSV header's names as written (``header``) are the names its columns have; Polars' name
    for a repeated one (``e_duplicated_0``) is none:

    >>> schema = pl.Schema({"e": pl.String, "e_duplicated_0": pl.String})
    >>> ExportColumns(schema, "e.csv", header=["e", "e"]).find("e_duplicated_0") is None
    True
    """

    def __init__(
        self,
        schema: pl.Schema,
        file_name: str,
        *,
        json_lines: bool = False,
        header: Sequence[str] | None = None,
    ) -> None:
        self.schema = schema
        self.file_name = file_name
        scanned = [name for name in schema.names() if name != ROW]
        written = scanned if header is None else list(header)
        # How often the file names each column (a CSV header may repeat one), and the scanned
        # column its name finds: the first of that name.
        self.counts = Counter(written)
        self.names: dict[str, str] = {}
        for name, column in zip(written, scanned, strict=True):
            self.names.setdefault(name, column)
        # NDJSON: a member of a text field is read from the row's line (``_Written``), which
        # the scan then adds as ``LINE`` (``reads_lines``).
        self.json_lines = json_lines
        self.reads_lines = False
        self.missing: list[str] = []
        # Mapped columns whose name the header holds twice or more (which one was meant?).
        self.repeated: list[str] = []
        # The entries of keyed lists that mapped names reach (GA4's event_params by key), by
        # column name: each is found once a row, as a column of its own (``entry``), which
        # every expression reading it refers to (Polars does not share a list evaluation).
        self.entries: dict[str, pl.Expr] = {}

    def find(self, name: str) -> tuple[pl.Expr, pl.DataType] | None:
        """The column ``name`` (a column of that exact name first) and its type, or None; a
        binary column is text (invalid UTF-8 as U+FFFD)."""
        found = self._find(name)
        if found is not None and found[1] == pl.Binary:
            return _lossy_text(found[0]), pl.String()
        return found

    def _find(self, name: str) -> tuple[pl.Expr, pl.DataType] | None:
        if name in self.names:
            return self._named(name)
        parts = name.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            head = ".".join(parts[:cut])
            if head in self.names:
                line = pl.col(LINE) if self.json_lines else None
                written = _Written(line).member(head)
                found = _walk(*self._named(head), parts[cut:], self.entry, written)
                if found is not None:
                    self.reads_lines |= LINE in found[0].meta.root_names()
                    return found
        return None

    def _named(self, name: str) -> tuple[pl.Expr, pl.DataType]:
        """The column the file names ``name`` and its type (a repeated name is recorded)."""
        if self.counts[name] > 1 and name not in self.repeated:
            self.repeated.append(name)
        column = self.names[name]
        return pl.col(column), self.schema[column]

    def entry(self, column: pl.Expr, key: str) -> pl.Expr:
        """The entry of ``key`` in the keyed list ``column``: a column of ``entries``."""
        found = entry_of_key(column, key)
        for name, expr in self.entries.items():
            if expr.meta.eq(found):
                return pl.col(name)
        name = f"{_ENTRY}{len(self.entries)}"
        self.entries[name] = found
        return pl.col(name)

    def column(self, name: str) -> tuple[pl.Expr, pl.DataType]:
        """The column ``name`` and its type (nulls, recorded as missing, if there is none)."""
        found = self.find(name)
        if found is None:
            if name not in self.missing:
                self.missing.append(name)
            return pl.lit(None, dtype=pl.String), pl.String()
        return found

    def text(self, name: str) -> pl.Expr:
        """The column ``name`` as text (a nested column is an ``InputError``)."""
        expr, dtype = self.column(name)
        return self._as_text(name, expr, dtype)

    def optional_text(self, name: str) -> pl.Expr:
        """The column ``name`` as text, or nulls when the file has no such column."""
        found = self.find(name)
        if found is None:
            return pl.lit(None, dtype=pl.String)
        return self._as_text(name, *found)

    def check_found(self) -> None:
        """Raise one ``ConfigError`` (exit 2) naming every missing column and what the file has
        (the goals file's ``source:`` maps a column no row of the file can give), and every
        mapped column the header names twice (which of them is meant cannot be told)."""
        problems = [
            f"{self.file_name}: the header names column {name!r} more than once: rename all but "
            "the one to read"
            for name in self.repeated
        ]
        if problems and not self.missing:
            raise ConfigError(problems)
        if not self.missing:
            return
        names = ", ".join(repr(name) for name in self.missing)
        noun = "column" if len(self.missing) == 1 else "columns"
        raise ConfigError(
            [*problems, f"{self.file_name}: no {noun} {names} ({self._nearby(self.missing[0])})"]
        )

    def _as_text(self, name: str, expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
        if dtype.is_nested():
            fields = _struct_fields(dtype)
            example = (
                f" (name one of its fields, like {name}.{next(iter(fields))})" if fields else ""
            )
            kind = "a struct" if fields is not None else "a list"
            raise InputError(f"{self.file_name}: column {name!r} is {kind}, not a value{example}")
        return expr.cast(pl.String)

    def _nearby(self, name: str) -> str:
        """What the file has where ``name`` was looked for: a struct's fields, else its columns."""
        parts = name.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            head = ".".join(parts[:cut])
            found = self.find(head)
            fields = _struct_fields(found[1]) if found is not None else None
            if fields is not None:
                return f"{head} has: {_listing(list(fields))}"
            if found is not None and isinstance(found[1], pl.List):
                return (
                    f"{head} is a list, several values a row: an export is read one row a hit, "
                    "so make a row of each item first (with jq, say)"
                )
        names = list(self.names)
        listed = f"its columns: {_listing(names, self.counts)}"
        if len(names) == 1 and any(mark in names[0] for mark in _OTHER_SEPARATORS):
            return f"{listed}: a CSV export is separated by commas, not ; or tabs"
        return listed


def _utf8_lossy(values: pl.Series) -> pl.Series:
    return per_distinct(values, lambda data: bytes(data).decode("utf-8", "replace"), pl.String)


def _lossy_text(column: pl.Expr) -> pl.Expr:
    """A binary column (a Parquet byte array without a string type) as text, invalid UTF-8 as
    U+FFFD: Polars refuses to cast invalid UTF-8 at all, which would fail the whole file for
    one row. Python decodes each distinct value once."""
    return column.map_batches(_utf8_lossy, return_dtype=pl.String, is_elementwise=True)


@dataclass(frozen=True)
class _Written:
    """Where a walk down a column is in the JSON of an NDJSON row (``json_path`` syntax), so
    that a text field holding objects is read from the line as written.

    Polars reads an NDJSON field that is an object on some lines and a text on others as
    text, writing the objects back as JSON without escaping their strings' backslashes or
    control characters: ``"a\\\\b"`` comes back as ``"a\\b"``, which reads as ``a`` and a
    backspace, and a tab makes the whole object unreadable. The line itself is read right.
    """

    line: pl.Expr | None  # None: no lines (CSV, Parquet: their text is the file's own)
    path: str = "$"

    def member(self, key: str) -> _Written:
        return _Written(self.line, f"{self.path}[{_quoted_key(key)}]")

    def keyed(self, key: str) -> _Written:
        return _Written(self.line, f"{self.path}[?(@.key=={_quoted_key(key)})].value")

    def text(self, column: pl.Expr) -> pl.Expr:
        """The text field ``column`` is, read from the line where there is one."""
        return column if self.line is None else self.read()

    def read(self) -> pl.Expr:
        """The value here read from the line (text as it is, an object or a list as JSON)."""
        assert self.line is not None
        return self.line.str.json_path_match(self.path)


def _quoted_key(key: str) -> str:
    """``key`` quoted for a ``json_path``."""
    return "'" + key.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _walk(
    column: pl.Expr, dtype: pl.DataType, parts: list[str], entry_of: EntryOf, written: _Written
) -> tuple[pl.Expr, pl.DataType] | None:
    """Follow ``parts`` down struct fields and keyed lists (or JSON text, ``written`` where
    the column is in its row's JSON); None where the path ends."""
    for index, part in enumerate(parts):
        fields = _struct_fields(dtype)
        if fields is not None and part in fields:
            column, dtype = column.struct.field(part), fields[part]
            written = written.member(part)
        elif isinstance(dtype, pl.List) and _is_key_value_list(dtype):
            written = written.keyed(part)
            column, dtype = _value_by_key(column, dtype, part, entry_of, written)
        elif dtype == pl.String:
            return _json_member(written.text(column), parts[index:]), pl.String()
        else:
            return None
    return column, dtype


# The fields of a typed value (GA4's event_params), of which one is set.
_TYPED_VALUES = ("string_value", "int_value", "float_value", "double_value")


def _json_member(text: pl.Expr, parts: list[str]) -> pl.Expr:
    """The value at ``parts`` in JSON text, as text: each part a member of an object, else the
    value of the ``{key, value}`` entry of that key in a list; null where there is none.

    An NDJSON field that holds an object on some lines and a text or number on others is read
    by Polars as text, the objects as their JSON (a line that held a JSON-encoded object too):
    its members are read from that text, and a line without an object has none of them.
    """
    for part in parts:
        key = _quoted_key(part)
        member = text.str.json_path_match(f"$[{key}]")
        keyed = text.str.json_path_match(f"$[?(@.key=={key})].value")
        text = pl.coalesce(member, keyed)
    return _set_value(text)


def _set_value(text: pl.Expr) -> pl.Expr:
    """A value read as text: of a typed value's JSON (``{"string_value": …}``), the one set."""
    typed = pl.coalesce(text.str.json_path_match(f"$.{name}") for name in _TYPED_VALUES)
    return pl.when(text.str.starts_with("{")).then(typed).otherwise(text)
