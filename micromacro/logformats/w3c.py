"""W3C extended log formats (IIS, Amazon CloudFront): the ``#Fields:`` header names the columns.

A data line is read with the latest ``#Fields:`` line before it in its own file; a header may
change mid-file and a chunk may start after its file's header, so the parser remembers the last
header of every file. Directive lines (``#Software:``, ``#Version:``, ``#Date:``, ``#Fields:``)
are comments; a data line without a header before it, or with another number of values than
its header names, is malformed. Dates and times are UTC.

IIS writes the spaces of header values as ``+``; CloudFront URL-encodes its values, which are
decoded with whole-column string operations (``percent_decoded``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

import polars as pl

from micromacro.logformats.base import LineParser, LogFormat
from micromacro.logformats.families import Family
from micromacro.logformats.fields import TimeSpec, normalize

ValueTransform = Callable[[pl.Expr], pl.Expr]

FIELDS_DIRECTIVE = "#Fields:"
W3C_TIME = TimeSpec("strftime", "%Y-%m-%d %H:%M:%S%.f")

# The W3C field names (lower case) each raw field is read from, the preferred first; ``date``
# and ``clock`` (the W3C ``time``) make the raw ``time`` field together.
# CloudFront's x-host-header is the Host the viewer sent; its cs(Host) is the distribution's
# own cloudfront.net name. time-taken is left out: IIS writes milliseconds, CloudFront seconds.
W3C_NAMES: Mapping[str, tuple[str, ...]] = {
    "date": ("date",),
    "clock": ("time",),
    "ip": ("c-ip",),
    "remote_user": ("cs-username",),
    "method": ("cs-method",),
    "path": ("cs-uri-stem",),
    "query": ("cs-uri-query",),
    "status": ("sc-status",),
    "bytes": ("sc-bytes",),
    "referrer": ("cs(referer)",),
    "user_agent": ("cs(user-agent)",),
    "host": ("x-host-header", "cs-host", "cs(host)"),
    "forwarded_for": ("x-forwarded-for", "cs(x-forwarded-for)"),
}

_IS_DIRECTIVE = pl.col("line").str.starts_with("#")
_IS_FIELDS = pl.col("line").str.starts_with(FIELDS_DIRECTIVE)


def header_fields(header: str) -> tuple[str, ...]:
    """The field names of a ``#Fields:`` line, in lower case.

    >>> header_fields("#Fields: date time cs(User-Agent)")
    ('date', 'time', 'cs(user-agent)')
    """
    return tuple(name.lower() for name in header.removeprefix(FIELDS_DIRECTIVE).split())


def field_positions(fields: Sequence[str]) -> dict[str, int]:
    """Where each raw field (and ``date``, ``clock``) is among the values of a line with
    ``fields``; raw fields the header does not name are left out.

    >>> field_positions(["date", "time", "cs(host)", "x-host-header"])
    {'date': 0, 'clock': 1, 'host': 3}
    """
    positions: dict[str, int] = {}
    for raw, names in W3C_NAMES.items():
        found = [fields.index(name) for name in names if name in fields]
        if found:
            positions[raw] = found[0]
    return positions


@dataclass(frozen=True)
class W3CFormat(LogFormat):
    """A W3C extended log format: values split at ``separator``, columns named by the
    ``#Fields:`` header, and ``transforms`` (raw field → expression on its text, applied in
    order) for values the server writes encoded.

    ``example`` is a ``#Fields:`` line and a data line, joined by a newline.
    """

    # Each line needs the ``#Fields:`` header before it: such a file is read whole.
    seekable: ClassVar[bool] = False
    name: str
    separator: str
    example: str = ""
    description: str = ""
    transforms: tuple[tuple[str, ValueTransform], ...] = ()

    def parser(self) -> LineParser:
        return HeaderDrivenParser(self)


class HeaderDrivenParser:
    """Parses the chunks of one run in order, remembering the last ``#Fields:`` line of every
    file for the chunks that follow."""

    def __init__(self, fmt: W3CFormat) -> None:
        self._fmt = fmt
        self._last_header: dict[str, str] = {}

    def __call__(self, lines: pl.LazyFrame) -> pl.LazyFrame:
        found = (
            lines.filter(_IS_FIELDS).select(pl.col("source_file").cast(pl.String), "line").collect()
        )
        carried = dict(self._last_header)
        self._last_header.update(found.iter_rows())
        headers = list(dict.fromkeys([*carried.values(), *found.get_column("line")]))
        return self._parse(lines, headers, carried)

    def _parse(
        self, lines: pl.LazyFrame, headers: list[str], carried: dict[str, str]
    ) -> pl.LazyFrame:
        ids = {text: number for number, text in enumerate(headers)}
        layouts = [header_fields(text) for text in headers]
        in_force = _header_id(ids, {file: ids[text] for file, text in carried.items()})
        raw = _raw_fields([field_positions(fields) for fields in layouts])
        frame = (
            lines.with_columns(_values=pl.col("line").str.split(self._fmt.separator))
            .with_columns(_header=_usable_header(in_force, [len(fields) for fields in layouts]))
            .with_columns(value.alias(_column(name)) for name, value in raw.items())
        )
        for name, transform in self._fmt.transforms:
            if name in raw:
                frame = frame.with_columns(transform(pl.col(_column(name))).alias(_column(name)))
        return _normalized(frame, list(raw), self._fmt.name)


def _column(raw_field: str) -> str:
    """The name of the temporary column holding ``raw_field``."""
    return f"_raw_{raw_field}"


def _normalized(frame: pl.LazyFrame, captured: list[str], variant: str) -> pl.LazyFrame:
    """The hit fields of ``frame`` from its raw field columns (which are dropped)."""
    named = [name for name in captured if name not in ("date", "clock")]
    fields = [_date_and_time(captured), *(pl.col(_column(name)).alias(name) for name in named)]
    with_struct = frame.with_columns(_fields=pl.struct(fields))
    parsed = normalize(
        with_struct,
        frozenset({"time", *named}),
        W3C_TIME,
        comment=_IS_DIRECTIVE,
        variant=variant,
    )
    return parsed.drop("_values", "_header", *map(_column, captured))


def _header_id(ids: dict[str, int], carried: dict[str, int]) -> pl.Expr:
    """The number of the ``#Fields:`` line in force on each line: the latest one of its file
    in this chunk, or the one carried over from earlier chunks."""
    own = (
        pl.when(_IS_FIELDS)
        .then(pl.col("line"))
        .replace_strict(ids, default=None, return_dtype=pl.UInt32)
    )
    earlier = (
        pl.col("source_file")
        .cast(pl.String)
        .replace_strict(carried, default=None, return_dtype=pl.UInt32)
    )
    return pl.coalesce(own.forward_fill().over("source_file"), earlier)


def _date_and_time(captured: Iterable[str]) -> pl.Expr:
    """The ``date`` and ``time`` values as one text; null when the header lacks either."""
    if not {"date", "clock"} <= set(captured):
        return pl.lit(None, dtype=pl.String).alias("time")
    date, clock = pl.col(_column("date")), pl.col(_column("clock"))
    return pl.concat_str(date, clock, separator=" ").alias("time")


def _usable_header(header: pl.Expr, counts: list[int]) -> pl.Expr:
    """``header`` on data lines with as many values as it names fields; null elsewhere."""
    expected = header.replace_strict(dict(enumerate(counts)), default=None, return_dtype=pl.UInt32)
    usable = ~_IS_DIRECTIVE & (pl.col("_values").list.len() == expected)
    return pl.when(usable).then(header)


def _raw_fields(layouts: list[dict[str, int]]) -> dict[str, pl.Expr]:
    """The text of every raw field some header names, read from the values of each line at
    the position its own header gives (null where that header does not name it). A header
    without ``cs-method`` is read as GET requests."""
    raw: dict[str, pl.Expr] = {}
    for name in W3C_NAMES:
        positions = {
            number: layout[name] for number, layout in enumerate(layouts) if name in layout
        }
        if positions:
            position = pl.col("_header").replace_strict(
                positions, default=None, return_dtype=pl.Int64
            )
            raw[name] = pl.col("_values").list.get(position, null_on_oob=True)
    without_method = [number for number, layout in enumerate(layouts) if "method" not in layout]
    if without_method:
        assumed = pl.when(pl.col("_header").is_in(without_method)).then(pl.lit("GET"))
        raw["method"] = pl.coalesce(raw.get("method", pl.lit(None, pl.String)), assumed)
    return raw


# --- Percent-decoding (CloudFront) --------------------------------------------------------


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
    description="W3C extended log (IIS): space-separated, columns from the #Fields: header",
    # Not the referrer: a "+" in its query is the URL's own.
    transforms=(("user_agent", _iis_spaces), ("forwarded_for", _iis_spaces)),
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
    description="Amazon CloudFront standard log: W3C fields, tab-separated, URL-encoded values",
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

W3C_FORMATS: tuple[W3CFormat, ...] = (W3C, CLOUDFRONT)
# The W3C families, in the order auto-detection prefers them.
W3C_FAMILIES: tuple[Family, ...] = (
    Family("w3c", (W3C,), description=W3C.description),
    Family("cloudfront", (CLOUDFRONT,), description=CLOUDFRONT.description),
)
