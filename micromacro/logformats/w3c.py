"""W3C extended log formats (IIS, SHOUTcast, NetScaler, Incapsula, Amazon CloudFront): the
``#Fields:`` header names the columns, and lines without one are read by their shape.

A data line is read with the latest ``#Fields:`` line before it in its own file; a header may
change mid-file and a chunk may start after its file's header, so the parser remembers the last
header of every file (and the last ``#Date:``, for field sets with a ``time`` but no ``date``).
Directive lines (``#Software:``, ``#Version:``, ``#Date:``, ``#Fields:``) are comments. A data
line without a header, or with another number of values than its header names, is read with a
headerless layout (``w3c_layouts``) by the family's general reader when one fits, and is
malformed otherwise. Dates and times are UTC; ``date-local``/``time-local`` are read as UTC too
(the log does not say its zone).

Space-separated values may be double-quoted (IIS Advanced Logging, Incapsula): a quoted value
holds spaces and is unquoted, and runs of spaces are one separator. IIS writes the spaces of
unquoted header values as ``+``; CloudFront URL-encodes its values and SHOUTcast its path and
user agent, which are decoded with whole-column string operations (``percent_decoded``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import ClassVar, TypeVar

import polars as pl

from micromacro.logformats.base import LineParser, LogFormat
from micromacro.logformats.families import COMMENT_LINE, Family
from micromacro.logformats.fields import TimeSpec, normalize
from micromacro.logformats.w3c_layouts import (
    CLOUDFRONT_HEADERLESS,
    IIS_HEADERLESS,
    Layout,
    header_layout,
)

ValueTransform = Callable[[pl.Expr], pl.Expr]
_V = TypeVar("_V")

FIELDS_DIRECTIVE = "#Fields:"
DATE_DIRECTIVES = ("#Date:", "#Start-Date:")
W3C_TIME = TimeSpec("strftime", "%Y-%m-%d %H:%M:%S%.f")

# The W3C field names (lower case) each raw field is read from, the preferred first; ``date``
# and ``clock`` (the W3C ``time``) make the raw ``time`` field together, ``uri`` (a whole
# ``cs-uri``) gives the path and query when there is no ``cs-uri-stem``.
# CloudFront's x-host-header is the Host the viewer sent; its cs(Host) is the distribution's
# own cloudfront.net name. time-taken is left out: IIS writes milliseconds, CloudFront seconds.
W3C_NAMES: Mapping[str, tuple[str, ...]] = {
    "date": ("date", "date-local"),
    "clock": ("time", "time-local"),
    "ip": ("c-ip",),
    "remote_user": ("cs-username",),
    "method": ("cs-method",),
    "path": ("cs-uri-stem",),
    "uri": ("cs-uri",),
    "query": ("cs-uri-query",),
    "status": ("sc-status", "c-status"),
    "bytes": ("sc-bytes",),
    "referrer": ("cs(referer)", "cs(referrer)"),
    "user_agent": ("cs(user-agent)",),
    "host": ("x-host-header", "cs-host", "cs(host)"),
    "forwarded_for": ("x-forwarded-for", "cs(x-forwarded-for)"),
}
# The raw fields ``fields.normalize`` reads from a W3C line (``time`` is date + clock).
_NORMALIZED = (
    "time", "ip", "remote_user", "method", "path", "query", "status", "bytes", "referrer",
    "user_agent", "host", "forwarded_for",
)  # fmt: skip
# A request target as the line gives it: the path, then what follows the first "?".
_TARGET = r"^(?P<path>[^?]*)(?:\?(?P<query>.*))?$"
_ABSOLUTE_FORM = r"^[A-Za-z][A-Za-z0-9+.\-]*://[^/?#]*"
# A value of a space-separated line: a double-quoted text (which may hold spaces) and what
# follows it up to a space, or a run of other characters (an unclosed quote is no quote).
_SPACE_SEPARATED_VALUE = r'"[^"]*"[^ ]*|[^ ]+'

_LINE = pl.col("line")
_IS_DIRECTIVE = _LINE.str.starts_with("#")
# Data lines a plain split at single spaces would cut wrongly: quotes, runs of spaces, spaces
# at either end.
_NEEDS_QUOTE_AWARE_SPLIT = ~_IS_DIRECTIVE & pl.any_horizontal(
    _LINE.str.contains('"', literal=True),
    _LINE.str.contains("  ", literal=True),
    _LINE.str.starts_with(" "),
    _LINE.str.ends_with(" "),
)
_IS_FIELDS = _LINE.str.starts_with(FIELDS_DIRECTIVE)
_IS_DATE = pl.any_horizontal([_LINE.str.starts_with(name) for name in DATE_DIRECTIVES])
_FILE = pl.col("source_file").cast(pl.String)
_LAYOUT = pl.col("_layout")
_VALUES = pl.col("_values")


def header_fields(header: str) -> tuple[str, ...]:
    """The field names of a ``#Fields:`` line, in lower case (runs of spaces are one
    separator).

    >>> header_fields("#Fields:   date time  cs(User-Agent) ")
    ('date', 'time', 'cs(user-agent)')
    """
    return tuple(name.lower() for name in header.removeprefix(FIELDS_DIRECTIVE).split())


def field_positions(fields: Sequence[str]) -> dict[str, int]:
    """Where each raw field (and ``date``, ``clock``, ``uri``) is among the values of a line
    with ``fields``; raw fields the header does not name are left out.

    >>> field_positions(["date", "time", "cs(host)", "x-host-header"])
    {'date': 0, 'clock': 1, 'host': 3}
    """
    positions: dict[str, int] = {}
    for raw, names in W3C_NAMES.items():
        found = [fields.index(name) for name in names if name in fields]
        if found:
            positions[raw] = found[0]
    return positions


def directive_date(line: str) -> str:
    """The date (``YYYY-MM-DD``) a ``#Date:`` or ``#Start-Date:`` directive starts with; empty
    when it is written in no known way. IIS writes ``2026-11-02 08:00:00``, Incapsula
    ``02/Nov/2026 08:00:00``.

    >>> directive_date("#Date: 28/Jun/2017 07:28:59"), directive_date("#Date: soon")
    ('2017-06-28', '')
    """
    words = line.partition(":")[2].split()
    for written in ("%Y-%m-%d", "%d/%b/%Y"):
        try:
            return datetime.strptime(words[0], written).date().isoformat() if words else ""
        except ValueError:
            continue
    return ""


@dataclass(frozen=True)
class W3CFormat(LogFormat):
    """A W3C extended log format: values split at ``separator`` (a space: quote-aware, runs of
    spaces are one separator), columns named by the ``#Fields:`` header, and ``transforms``
    (raw field → expression on its text, applied in order) for values the server writes
    encoded (not to a quoted value; to the path and query once the target is split).

    Lines read with a header are the variant ``header_variant`` (default: the format's name);
    ``headerless`` are the layouts a line without a fitting header is tried with, in order.
    ``example`` is a ``#Fields:`` line and a data line, joined by a newline, or a headerless line.
    """

    # Each line needs the ``#Fields:`` header before it: such a file is read whole.
    seekable: ClassVar[bool] = False
    name: str
    separator: str
    example: str = ""
    description: str = ""
    transforms: tuple[tuple[str, ValueTransform], ...] = ()
    header_variant: str = ""
    headerless: tuple[Layout, ...] = ()

    def parser(self) -> LineParser:
        return W3CParser(self)

    def layouts(self, headers: Sequence[str]) -> list[Layout]:
        """The layouts of a chunk: those the ``headers`` name (by number), then the headerless."""
        variant = self.header_variant or self.name
        named = [header_layout(header_fields(header), variant) for header in headers]
        return [*named, *self.headerless]


@dataclass(frozen=True)
class _Directives:
    """The directives a chunk is read with: its ``#Fields:`` lines and those carried over
    (``headers``, numbered in order; ``carried_header`` file → number), the dates of its
    ``#Date:`` lines (line → date) and the date carried over (file → date)."""

    headers: list[str]
    carried_header: dict[str, int]
    dates: dict[str, str]
    carried_date: dict[str, str]


class W3CParser:
    """Parses the chunks of one run in order, remembering the last ``#Fields:`` and ``#Date:``
    lines of every file for the chunks that follow."""

    def __init__(self, fmt: W3CFormat) -> None:
        self._fmt = fmt
        self._last_header: dict[str, str] = {}
        self._last_date: dict[str, str] = {}

    def __call__(self, lines: pl.LazyFrame) -> pl.LazyFrame:
        found = lines.filter(_IS_FIELDS | _IS_DATE).select(_FILE, "line").collect()
        headers, dated = found.filter(_IS_FIELDS), found.filter(~_IS_FIELDS)
        dates = {text: directive_date(text) for text in dated.get_column("line").unique()}
        carried, carried_date = dict(self._last_header), dict(self._last_date)
        self._last_header.update(headers.iter_rows())
        self._last_date.update((file, dates[text]) for file, text in dated.iter_rows())
        texts = list(dict.fromkeys([*carried.values(), *headers.get_column("line")]))
        ids = {text: number for number, text in enumerate(texts)}
        directives = _Directives(
            texts, {file: ids[text] for file, text in carried.items()}, dates, carried_date
        )
        return self._parse(lines, directives, quote_aware=self._quote_aware(lines))

    def _quote_aware(self, lines: pl.LazyFrame) -> bool:
        """Whether the values of ``lines`` are split quote-aware: space-separated values, and
        some line has a quote or spaces a plain split would cut wrongly."""
        if self._fmt.separator != " ":
            return False
        return bool(lines.select(_NEEDS_QUOTE_AWARE_SPLIT.any()).collect().item())

    def _parse(
        self, lines: pl.LazyFrame, directives: _Directives, *, quote_aware: bool
    ) -> pl.LazyFrame:
        layouts = self._fmt.layouts(directives.headers)
        ids = {text: number for number, text in enumerate(directives.headers)}
        header = _in_force(_IS_FIELDS, ids, directives.carried_header, pl.UInt32())
        counts = [len(layout.fields) for layout in layouts[: len(ids)]]
        values = self._values(quote_aware=quote_aware)
        frame = _with_layout(
            lines.with_columns(_values=values, _header=header), counts, layouts[len(ids) :]
        )
        raw = _raw_fields(layouts)
        frame = frame.with_columns(value.alias(_column(name)) for name, value in raw.items())
        frame = frame.with_columns(
            self._cleaned(name, pl.col(_column(name)), quote_aware=quote_aware).alias(_column(name))
            for name in raw
        )
        frame = self._with_target(frame, raw, layouts)
        frame = _with_time(frame, raw, layouts, directives)
        return _normalized(frame, raw, layouts)

    def _values(self, *, quote_aware: bool) -> pl.Expr:
        """The values of each line, split at the separator; ``quote_aware``: at runs of spaces,
        a double-quoted value being one value (slower: only for chunks that need it)."""
        if quote_aware and self._fmt.separator == " ":
            return _LINE.str.extract_all(_SPACE_SEPARATED_VALUE)
        return _LINE.str.split(self._fmt.separator)

    def _cleaned(self, name: str, value: pl.Expr, *, quote_aware: bool) -> pl.Expr:
        """The raw field ``name``: unquoted if quoted (``quote_aware``), else with the format's
        transforms (but those of the path and query, which apply once the target is split)."""
        transformed = value if name in ("path", "query") else self._transformed(name, value)
        if not quote_aware:
            return transformed
        quoted = value.str.starts_with('"') & value.str.ends_with('"') & (value.str.len_bytes() > 1)
        inner = value.str.strip_prefix('"').str.strip_suffix('"')
        return pl.when(quoted).then(inner).otherwise(transformed)

    def _with_target(
        self, frame: pl.LazyFrame, raw: Mapping[str, pl.Expr], layouts: Sequence[Layout]
    ) -> pl.LazyFrame:
        """``frame`` with the raw ``path`` and ``query`` of each line: the ``cs-uri-stem`` (or
        the ``cs-uri``) cut at its first ``?``; the query is ``cs-uri-query``, else what
        followed that ``?``. Then the format's and the layout's decoding."""
        stem = _present(pl.col(_column("path"))) if "path" in raw else None
        uri = _uri_target(pl.col(_column("uri"))) if "uri" in raw else None
        target = pl.coalesce([part for part in (stem, uri) if part is not None] or [_NULL])
        parts = target.str.extract_groups(_TARGET)
        logged = _present(pl.col(_column("query"))) if "query" in raw else _NULL
        split = frame.with_columns(
            **{
                _column("path"): parts.struct.field("path"),
                _column("query"): pl.coalesce(logged, _present(parts.struct.field("query"))),
            }
        )
        decoded = split.with_columns(
            self._transformed(name, pl.col(_column(name))).alias(_column(name))
            for name in ("path", "query")
        )
        return decoded.with_columns(
            _layout_decoded(name, layouts).alias(_column(name))
            for name in dict.fromkeys(["path", "query", *raw])
            if any(name in layout.decoded for layout in layouts)
        )

    def _transformed(self, name: str, value: pl.Expr) -> pl.Expr:
        """``value`` with the format's transforms of the raw field ``name``, in order."""
        for field, transform in self._fmt.transforms:
            if field == name:
                value = transform(value)
        return value


_NULL = pl.lit(None, dtype=pl.String)


def _column(raw_field: str) -> str:
    """The name of the temporary column holding ``raw_field``."""
    return f"_raw_{raw_field}"


def _present(value: pl.Expr) -> pl.Expr:
    """``value``, null where it is ``-`` or empty (W3C's "no value")."""
    return pl.when(value.is_in(["-", ""])).then(None).otherwise(value)


def _in_force(
    is_directive: pl.Expr, values: Mapping[str, _V], carried: Mapping[str, _V], dtype: pl.DataType
) -> pl.Expr:
    """What the latest directive line (``is_directive``) of each line's file in this chunk
    says (``values``: directive line → value), or what was ``carried`` over from earlier
    chunks (file → value)."""
    own = pl.when(is_directive).then(_LINE).replace_strict(values, default=None, return_dtype=dtype)
    earlier = _FILE.replace_strict(carried, default=None, return_dtype=dtype)
    return pl.coalesce(own.forward_fill().over("source_file"), earlier)


def _with_layout(
    frame: pl.LazyFrame, header_counts: list[int], headerless: Sequence[Layout]
) -> pl.LazyFrame:
    """``frame`` with the number of each line's layout (``_layout``): the header in force when
    the line has as many values as it names fields, else the first headerless layout (numbered
    after the headers) whose number of values and value shapes the line has; null on
    directive lines and lines nothing fits."""
    count = _VALUES.list.len()
    expected = pl.col("_header").replace_strict(
        dict(enumerate(header_counts)), default=None, return_dtype=pl.UInt32
    )
    by_header = pl.when(~_IS_DIRECTIVE & (count == expected)).then(pl.col("_header"))
    if not headerless:
        return frame.with_columns(_layout=by_header)
    checks = sorted({check for layout in headerless for check in layout.checks})
    names = {check: f"_check_{number}" for number, check in enumerate(checks)}
    shaped = frame.with_columns(
        _value_has_shape(position, regex).alias(names[position, regex])
        for position, regex in checks
    )
    first = len(header_counts)
    fitting = [
        pl.when(
            pl.all_horizontal(
                count == len(layout.fields), *(pl.col(names[check]) for check in layout.checks)
            )
        ).then(pl.lit(first + number, dtype=pl.UInt32))
        for number, layout in enumerate(headerless)
    ]
    chosen = pl.coalesce(by_header, pl.when(~_IS_DIRECTIVE).then(pl.coalesce(fitting)))
    return shaped.with_columns(_layout=chosen).drop(names.values())


def _value_has_shape(position: int, regex: str) -> pl.Expr:
    """Whether the value at ``position`` (quotes removed) matches ``regex``; false when the
    line has no such value."""
    value = _VALUES.list.get(position, null_on_oob=True).str.strip_chars('"')
    return value.str.contains(regex).fill_null(False)


def _raw_fields(layouts: Sequence[Layout]) -> dict[str, pl.Expr]:
    """The text of every raw field some layout names, read from the values of each line at
    the position its own layout gives (null where that layout does not name it). A layout
    without ``cs-method`` is read as GET requests."""
    positions_of = [field_positions(layout.fields) for layout in layouts]
    raw: dict[str, pl.Expr] = {}
    for name in W3C_NAMES:
        positions = {
            number: found[name] for number, found in enumerate(positions_of) if name in found
        }
        if positions:
            position = _LAYOUT.replace_strict(positions, default=None, return_dtype=pl.Int64)
            raw[name] = _VALUES.list.get(position, null_on_oob=True)
    without_method = [number for number, found in enumerate(positions_of) if "method" not in found]
    if without_method:
        assumed = pl.when(_LAYOUT.is_in(without_method)).then(pl.lit("GET"))
        raw["method"] = pl.coalesce(raw.get("method", _NULL), assumed)
    return raw


def _uri_target(uri: pl.Expr) -> pl.Expr:
    """The request target of a ``cs-uri``: as written when it starts with ``/`` or ``*``;
    without scheme and host when absolute; from the first ``/`` or ``?`` when it starts with a
    host and no scheme (Incapsula: ``www.example.com/page.php``); ``/`` when only a host is
    left; null for ``-``."""
    target = (
        pl.when(uri.str.contains(r"^[/*]"))
        .then(uri)
        .when(uri.str.contains(_ABSOLUTE_FORM))
        .then(uri.str.replace(_ABSOLUTE_FORM, ""))
        .otherwise(uri.str.replace(r"^[^/?#]*", ""))
    )
    return pl.when(_present(uri).is_not_null()).then(
        pl.when(target == "").then(pl.lit("/")).otherwise(target)
    )


def _layout_decoded(name: str, layouts: Sequence[Layout]) -> pl.Expr:
    """The raw field ``name``, its escapes decoded once on lines whose layout says so."""
    decoding = [number for number, layout in enumerate(layouts) if name in layout.decoded]
    value = pl.col(_column(name))
    return pl.when(_LAYOUT.is_in(decoding)).then(percent_decoded(value)).otherwise(value)


def _with_time(
    frame: pl.LazyFrame,
    raw: Mapping[str, pl.Expr],
    layouts: Sequence[Layout],
    directives: _Directives,
) -> pl.LazyFrame:
    """``frame`` with the raw ``time`` of each line: its date and time values, wherever they
    are; a line with a time but no date takes the date of the ``#Date:`` line in force."""
    if "clock" not in raw:
        return frame.with_columns(**{_column("time"): _NULL})
    date = pl.col(_column("date")) if "date" in raw else _NULL
    positions_of = [field_positions(layout.fields) for layout in layouts]
    if any("clock" in found and "date" not in found for found in positions_of):
        in_force = _in_force(_IS_DATE, directives.dates, directives.carried_date, pl.String())
        date = pl.coalesce(date, _present(in_force))
    time = pl.concat_str(date, pl.col(_column("clock")), separator=" ")
    return frame.with_columns(**{_column("time"): time})


def _normalized(
    frame: pl.LazyFrame, raw: Mapping[str, pl.Expr], layouts: Sequence[Layout]
) -> pl.LazyFrame:
    """The hit fields of ``frame`` from its raw field columns (which are dropped), each line
    named after its layout. The path is the logged one up to the query: a ``#`` in an IIS
    ``cs-uri-stem`` is part of the path (IIS logs it decoded)."""
    captured = {"time", "path", "query", *raw}
    fields = [
        (pl.col(_column(name)) if name in captured else _NULL).alias(name) for name in _NORMALIZED
    ]
    variant = _LAYOUT.replace_strict(
        dict(enumerate(layout.name for layout in layouts)), default=None, return_dtype=pl.String
    )
    parsed = normalize(
        frame.with_columns(_fields=pl.struct(fields)),
        frozenset(_NORMALIZED),
        W3C_TIME,
        comment=_IS_DIRECTIVE,
        variant=variant,
    )
    logged_path = pl.when(pl.col("path").is_not_null()).then(_path_of(pl.col(_column("path"))))
    temporary = ["_values", "_header", "_layout", *map(_column, captured | {"date", "clock"})]
    return parsed.with_columns(path=logged_path).drop(temporary, strict=False)


def _path_of(target_path: pl.Expr) -> pl.Expr:
    """The path of a target without its query: an absolute-form one keeps only its path, an
    empty one is the root."""
    path = (
        pl.when(target_path.str.starts_with("/"))
        .then(target_path)
        .otherwise(target_path.str.replace(_ABSOLUTE_FORM, ""))
    )
    return pl.when(path == "").then(pl.lit("/")).otherwise(path)


# --- Percent-decoding (CloudFront, SHOUTcast) -------------------------------------------


def _decodable(byte: int) -> bool:
    """Whether decoding turns the escape of ``byte`` into text: printable ASCII and the bytes
    of non-ASCII characters do; control characters (0x00–0x1F, 0x7F) stay escaped."""
    return 0x20 <= byte < 0x7F or byte >= 0x80


_ASCII_ESCAPES = {f"%{byte:02X}": chr(byte) for byte in range(0x80) if _decodable(byte)}
_NON_ASCII_ESCAPE = r"%[89A-Fa-f][0-9A-Fa-f]"
# Well-formed UTF-8 (Unicode Table 3-7), written in lower-case hex.
_UTF8_HEX = (
    r"^(?:[0-7][0-9a-f]|c[2-9a-f][89ab][0-9a-f]|d[0-9a-f][89ab][0-9a-f]"
    r"|e0[ab][0-9a-f][89ab][0-9a-f]|e[1-9a-cef](?:[89ab][0-9a-f]){2}|ed[89][0-9a-f][89ab][0-9a-f]"
    r"|f0[9ab][0-9a-f](?:[89ab][0-9a-f]){2}|f[1-3](?:[89ab][0-9a-f]){3}"
    r"|f48[0-9a-f](?:[89ab][0-9a-f]){2})*$"
)


def _spaced_hex_escapes() -> dict[str, str]:
    """Each decodable ``%XY`` written as spaced hex bytes (``"25 34 31 "`` for ``%41``) →
    the byte it stands for, in the same spaced hex (``"41 "``)."""
    digits = "0123456789abcdefABCDEF"
    return {
        f"25 {ord(high):02x} {ord(low):02x} ": f"{high}{low} ".lower()
        for high in digits
        for low in digits
        if _decodable(int(high + low, 16))
    }


_SPACED_HEX_ESCAPES = _spaced_hex_escapes()


def percent_decoded(text: pl.Expr) -> pl.Expr:
    """``text`` with its ``%XY`` escapes decoded once (``%2520`` → ``%20``), escaped UTF-8
    included; escaped control characters stay escaped, and escaped bytes that are not
    UTF-8 stay escaped (the ASCII escapes around them are decoded).

    >>> frame = pl.DataFrame({"ua": ["Mozilla/5.0%20(X11)", "caf%C3%A9%2520", "%FF%20x", None]})
    >>> frame.select(percent_decoded(pl.col("ua")))["ua"].to_list()
    ['Mozilla/5.0 (X11)', 'café%20', '%FF x', None]
    """
    ascii_decoded = text.str.replace_many(
        _ASCII_ESCAPES, ascii_case_insensitive=True, leftmost=True
    )
    non_ascii = pl.when(text.str.contains(_NON_ASCII_ESCAPE)).then(text)
    return pl.coalesce(_utf8_decoded(non_ascii), ascii_decoded)


def _utf8_decoded(text: pl.Expr) -> pl.Expr:
    """``text`` with every decodable escape decoded at the byte level; null where the bytes
    are not UTF-8. The text is rewritten as space-separated hex bytes first, so that an
    escape is only ever matched at the start of a character."""
    spaced = text.str.encode("hex").str.replace_all("(..)", "$1 ")
    decoded = spaced.str.replace_many(_SPACED_HEX_ESCAPES, leftmost=True).str.replace_all(
        " ", "", literal=True
    )
    valid = pl.when(decoded.str.contains(_UTF8_HEX)).then(decoded)
    return valid.str.decode("hex").cast(pl.String)


def _iis_spaces(text: pl.Expr) -> pl.Expr:
    """IIS writes the spaces of a header value as ``+``."""
    return text.str.replace_all("+", " ", literal=True)


_IIS_FIELDS = (
    "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip "
    "cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken"
)
_IIS_LINE = (
    "2026-11-02 08:15:03 10.0.0.4 GET /products/tent color=red 443 - 203.0.113.7 "
    "Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64)+AppleWebKit/537.36+(KHTML,+like+Gecko)+"
    "Chrome/130.0.0.0+Safari/537.36 https://www.google.com/ 200 0 0 46"
)

W3C = W3CFormat(
    name="w3c",
    separator=" ",
    example=f"{_IIS_FIELDS}\n{_IIS_LINE}",
    description="W3C extended log (IIS, NetScaler, SHOUTcast, Incapsula): space-separated, "
    "columns from the #Fields: header; lines without one in IIS's common field sets",
    # Not the referrer: a "+" in its query is the URL's own.
    transforms=(("user_agent", _iis_spaces), ("forwarded_for", _iis_spaces)),
)

W3C_ANY = replace(
    W3C,
    name="w3c_any",
    example=_IIS_LINE,
    description="any W3C extended line: read with its #Fields: header, or without one in a "
    "common IIS or NetScaler field set",
    header_variant="w3c",
    headerless=IIS_HEADERLESS,
)

_CLOUDFRONT_FIELDS = (
    "#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status "
    "cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id "
    "x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher "
    "x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port "
    "time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len "
    "sc-range-start sc-range-end"
)
_CLOUDFRONT_LINE = "\t".join(
    [
        "2026-11-02", "08:15:03", "FRA56-P4", "5123", "203.0.113.7", "GET",
        "d111111abcdef8.cloudfront.net", "/products/tent", "200", "https://www.google.com/",
        "Mozilla/5.0%20(X11;%20Linux%20x86_64;%20rv:128.0)%20Gecko/20100101%20Firefox/128.0",
        "color=red", "-", "Hit", "SOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==",
        "shop.example.com", "https", "412", "0.004", "-", "TLSv1.3", "TLS_AES_128_GCM_SHA256",
        "Hit", "HTTP/2.0", "-", "-", "51234", "0.004", "Hit", "text/html", "5123", "-", "-",
    ]
)  # fmt: skip

CLOUDFRONT = W3CFormat(
    name="cloudfront",
    separator="\t",
    example=f"{_CLOUDFRONT_FIELDS}\n{_CLOUDFRONT_LINE}",
    description="Amazon CloudFront standard log: W3C fields, tab-separated, URL-encoded values; "
    "lines without a header by their number of fields",
    # CloudFront escapes "%" too, so decoding once gives back the request target as the client
    # sent it, as the other formats log it (/a%20b is logged /a%2520b).
    transforms=(
        ("path", percent_decoded),
        ("query", percent_decoded),
        ("referrer", percent_decoded),
        # Twice: CloudFront user agents are sometimes escaped twice (``%2520``), and a user
        # agent practically never holds an escape of its own.
        ("user_agent", percent_decoded),
        ("user_agent", percent_decoded),
    ),
)

CLOUDFRONT_ANY = replace(
    CLOUDFRONT,
    name="cloudfront_any",
    example=_CLOUDFRONT_LINE,
    description="any CloudFront standard log line: read with its #Fields: header, or without "
    "one by its number of fields",
    header_variant="cloudfront",
    headerless=CLOUDFRONT_HEADERLESS,
)

# The presets.
W3C_FORMATS: tuple[W3CFormat, ...] = (W3C, CLOUDFRONT)
# The W3C families, in the order auto-detection prefers them.
# A ``#Fields:`` header with an X-Forwarded-For column (``--client-ip first-forwarded``).
_FORWARDED_FOR_HEADER = r"(?i)^#Fields:.*\bx-forwarded-for\b"
# What a line a W3C family accounts for has: it is a directive (so a comment), or a headerless
# layout reads it, whose first value is a date (with no ``#Fields:`` line among the lines, no
# header is in force).
_W3C_CLAIMS = rf"{COMMENT_LINE}|[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}"
W3C_FAMILIES: tuple[Family, ...] = (
    Family(
        "w3c",
        (W3C,),
        general=W3C_ANY,
        description=W3C.description,
        forwarded_for_marker=_FORWARDED_FOR_HEADER,
        claims=_W3C_CLAIMS,
    ),
    Family(
        "cloudfront",
        (CLOUDFRONT,),
        general=CLOUDFRONT_ANY,
        description=CLOUDFRONT.description,
        forwarded_for_marker=_FORWARDED_FOR_HEADER,
        claims=_W3C_CLAIMS,
    ),
)
