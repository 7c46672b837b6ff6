"""JSON-lines access logs, one JSON object a line, whatever its keys are called.

Setups name their keys differently: nginx ``escape=json`` formats use the variables' names
(``remote_addr``, ``request``, ``time_local``), Caddy nests them (``request.uri``), Traefik
capitalises them (``ClientHost``, ``RequestPath``), hand-written formats use plain words (``ip``,
``path``, ``date``), and cloud providers' request logs name theirs after their own schema: Google
Cloud's ``httpRequest.requestUrl``, Cloudflare Logpush's ``ClientRequestURI``, Azure's
``properties.requestUri`` (a target may be a full URL: the host is taken from it where the line
logs none). ``JSON_KEYS`` is one table of the spellings of each field, the preferred
first; a line's field is its first spelling holding a value (``-`` and ``""`` are none). A
path logged alone (nginx's ``$uri`` as ``path``) takes the query logged apart (``$args``).

A line that is not a JSON object (not JSON, an array, two objects, a raw control character in
a string, a number beyond a double) holds no value, and so comes out unread. A member holding a
number is read as its text; one holding an object or an array is no method, number or time,
and no address, header or host (a Beats event's ``host`` and ``user_agent`` are objects: no
host, no user agent; a chunk's text spelling whose first value is one is not decoded, but read
line by line, for the lines that hold a text there).

Reading a chunk (``spelling_values``) costs what its lines hold, not what the table knows:

- only the spellings whose keys occur in the chunk at all are read (``keys_in``, a literal
  search for ``"key"``);
- blocks of lines are decoded by ``str.json_decode``, into a struct of just those spellings:
  one JSON parse a line, in pieces of about 1 MB of text (``_pieces``), on which the decoder
  runs faster than on a whole block;
- ``str.json_decode`` fails the whole block for one line it cannot read. Such a block is
  decoded again without its lines that are no JSON (two writers' lines cut into each other),
  which hold no value, so that they never send the lines around them to the other reader;
  where it still fails (a member of another type than the struct's, a ``request`` that is
  Caddy's object on one line and a request line on another), as eighths, down to small blocks,
  which are read spelling by spelling with ``str.json_path_match``: it gives null, never an
  error (but parses the line once per spelling).

Both ways read a line alike: numbers are typed from their value, not from how the JSON wrote
them (``200``, ``200.0`` and ``2e2`` are one status); a header Caddy logs as a list is read
from its first item, or as it is when it is a plain value. They differ only where JSON leaves
the meaning open or no server writes it: a key repeated in one object (the decoder reads its
first copy, ``json_path_match`` its last), a header that is a plain string starting with ``[``
or ``{`` and a text that is a plain string holding a JSON object or list (only the decoder reads
them), a number where text belongs (an address, a user agent: ``200`` or ``200.0``, ``1e+300``
or its 301 digits), a line holding a lone surrogate escape (``"\\ud83d"``, a string cut in an
emoji) or nested 128 deep (only the decoder reads it). Lines that are no JSON never decide
which way the others are read; a block with a member of another type than its struct's is
read the other way (a small block of it), and a text spelling whose first value in the chunk
is an object is read line by line, so a key repeated in one object is read by its last copy
there.

The fields are made in memory by the rules every keyed reader shares (``keyed``: logfmt and
LTSV have tables of their own), each step on just the values it may change: an address is
cut from its port or brackets only where it holds a ``:`` or starts with ``[``, a number loses
its fraction of zeros only where it holds a ``.``, the written ways of a time are tried only on
values holding a ``:`` (the epoch number on the rest), and ``normalize_frame`` splits each
distinct request line once (a log repeats them). The decoder is most of what is left: it parses
every line whole. No cheaper proof that a line reads as the decoder reads it was found among
Polars' string operations: a literal search is cheap, but checking every byte of a line for a
quote or a control character (what proving it a valid object takes) costs half a decode or
more.

The family has one reader: its general reader ``json``, also named ``caddy``, ``nginx_json``
and ``traefik_json`` (its variants). A line's variant is the convention its request was read
in: ``caddy`` (``request.uri``), ``traefik_json`` (``RequestPath``), ``nginx_json``
(``request`` or ``request_uri``), else ``json``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import polars as pl

from micromacro.logformats.families import COMMENT_LINE, Family, NotHttp
from micromacro.logformats.keyed import SHAPED, TEXT_FIELDS, KeyedFormat, KeyTable

Steps = tuple[str | int, ...]

# The spellings of each field, the preferred first: a key, a dotted path into nested objects,
# ``[0]`` for the first item of a list (Caddy logs each header as a list of values), ``['…']``
# for a key written with its dots (``['http.request.method']`` is ``{"http.request.method":…}``,
# ``http.request.method`` is ``{"http":{"request":{"method":…}}}``).
# ``target`` is a request target (path?query) and ``method`` its method (none logged: GET);
# ``request`` is a whole request line, read before them where it is one (not Caddy's object).
# ``query`` is a query logged apart from the path (nginx's ``$args``), joined to a target of
# ``_PATH_ONLY`` only. New spellings go after the old ones: a line holding both reads as before.
# Cloud providers' spellings, as documented: Google Cloud's LogEntry ``httpRequest``, Cloudflare
# Logpush's ``http_requests``, Azure Front Door's (``clientIp``, ``httpStatusCode``) and
# Application Gateway's (``clientIP``, ``httpStatus``) diagnostic ``properties``. Application
# Gateway's target and host as the visitor sent them come before the rewritten ones; its
# ``requestQuery`` is no query (v1 writes the gateway's own text there). Log pipelines' names:
# the Elastic Common Schema nested (Filebeat's modules, Elastic Agent, Logstash) and flat, as
# OpenTelemetry's semantic conventions write them (``['client.address']``, its headers as lists);
# Fluentd's and Fluent Bit's nginx parser (``remote``, ``code``, ``agent``; its ``host`` is the
# ident, ``-``); Vector's ``parse_nginx_log`` (``client``, ``agent``): generic words, each read
# only where its value has its field's shape (``keyed.SHAPED``). Each costs a chunk
# without its keys one literal search of its first lines (``keys_in``), and no decoding.
JSON_KEYS: Mapping[str, tuple[str, ...]] = {
    "time": (
        "time_local", "time_iso8601", "msec", "StartUTC", "StartLocal", "@timestamp",
        "timestamp", "ts", "time", "date", "EdgeStartTimestamp", "timeStamp",
    ),
    "ip": (
        "request.client_ip", "remote_addr", "ip", "client_ip", "ClientHost", "request.remote_ip",
        "ClientAddr", "request.remote_addr", "httpRequest.remoteIp", "ClientIP",
        "properties.clientIp", "properties.clientIP", "source.ip", "source.address", "client.ip",
        "client.address", "['source.ip']", "['source.address']", "['client.ip']",
        "['client.address']", "remote", "client",
    ),
    "request": ("request",),
    "target": (
        "request.uri", "request_uri", "uri", "path", "RequestPath", "httpRequest.requestUrl",
        "ClientRequestURI", "properties.originalRequestUriWithArgs", "properties.requestUri",
        "url.original", "['url.original']", "['url.full']", "url.path", "['url.path']",
    ),
    "query": ("request_query", "args", "query_string", "url.query", "['url.query']"),
    "method": (
        "request.method", "request_method", "method", "RequestMethod",
        "httpRequest.requestMethod", "ClientRequestMethod", "properties.httpMethod",
        "http.request.method", "['http.request.method']",
    ),
    "status": (
        "status", "DownstreamStatus", "httpRequest.status", "EdgeResponseStatus",
        "properties.httpStatusCode", "properties.httpStatus", "http.response.status_code",
        "['http.response.status_code']", "code",
    ),
    "bytes": (
        "body_bytes_sent", "bytes_sent", "size", "length", "DownstreamContentSize",
        "httpRequest.responseSize", "EdgeResponseBytes", "properties.responseBytes",
        "properties.sentBytes", "http.response.body.bytes", "['http.response.body.bytes']",
        "['http.response.body.size']",
    ),
    "referrer": (
        "http_referer", "referrer", "referer", "request.headers.Referer[0]", "request_Referer",
        "http_referrer", "httpRequest.referer", "ClientRequestReferer", "properties.referer",
        "properties.referrer", "http.request.referrer", "['http.request.referrer']",
        "['http.request.header.referer'][0]",
    ),
    "user_agent": (
        "http_user_agent", "user_agent", "request.headers.User-Agent[0]", "request_User-Agent",
        "httpRequest.userAgent", "ClientRequestUserAgent", "properties.userAgent",
        "user_agent.original", "['user_agent.original']", "agent",
    ),
    "host": (
        "host", "http_host", "request.host", "RequestHost", "vhost", "ClientRequestHost",
        "properties.hostName", "properties.originalHost", "properties.host", "url.domain",
        "['url.domain']", "['server.address']",
    ),
    "forwarded_for": (
        "http_x_forwarded_for", "request.headers.X-Forwarded-For[0]", "request_X-Forwarded-For",
        "x_forwarded_for", "x_forward_for", "['http.request.header.x-forwarded-for'][0]",
    ),
}  # fmt: skip

# The variant a line is named after, by the spelling its request was read from.
CONVENTIONS: Mapping[str, str] = {
    "request": "nginx_json",
    "request_uri": "nginx_json",
    "request.uri": "caddy",
    "RequestPath": "traefik_json",
}
GENERIC = "json"
# The target spellings that hold a path alone where nginx fills them (``$uri``), its query
# logged apart if at all: a ``query`` spelling's value is joined to theirs.
_PATH_ONLY = frozenset({"uri", "path", "url.path", "['url.path']"})
JSON_TABLE = KeyTable(JSON_KEYS, GENERIC, CONVENTIONS, _PATH_ONLY, SHAPED)
# The spellings of a text (an address, a header, a host), which an object or a list is not.
_TEXT_SPELLINGS = frozenset(s for name in ("ip", *TEXT_FIELDS) for s in JSON_KEYS[name])

# A step of a spelling: ``['key']`` (a key as written, dots and all), ``[0]`` (a list's first
# item) or a key up to the next dot or bracket.
_STEP = re.compile(r"\['([^']*)'\]|\[(\d+)\]|([^.\[\]]+)")
# A JSON object, maybe between JSON whitespace.
_OBJECT_LINE = r"^[ \t\r\n]*\{[\s\S]*\}[ \t\r\n]*$"
# How many first lines of a chunk are searched key by key before the rest is searched at once.
_HEAD = 100
# Lines read as one block. A block json_decode cannot read is read as eighths, down to blocks of
# _SMALLEST lines, which json_path_match reads: a bad line costs a few decodes, not a block.
_BLOCK = 8192
_SMALLEST = 128
# The text ``str.json_decode`` reads at once within a block: it decodes a block's lines into
# values before it builds columns of them, and runs 10-25% faster on pieces of this size than
# on a whole block of 8192 lines (3.6 MB of nginx lines, 5 MB of Caddy's).
_DECODED_BYTES = 1 << 20
_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"

# --- Spellings -------------------------------------------------------------------------------


@cache  # a spelling of the table: each chunk asks for each of them
def steps_of(spelling: str) -> Steps:
    """The keys and list indexes of a ``JSON_KEYS`` spelling: its dots go into nested objects,
    but a key written ``['…']`` is one key, dots and all (``{"http.request.method":"GET"}``).

    >>> steps_of("request.headers.User-Agent[0]")
    ('request', 'headers', 'User-Agent', 0)
    >>> steps_of("http.request.method"), steps_of("['http.request.method']")
    (('http', 'request', 'method'), ('http.request.method',))
    >>> steps_of("['http.request.header.referer'][0]")
    ('http.request.header.referer', 0)
    """
    return tuple(
        int(index) if index else literal or key for literal, index, key in _STEP.findall(spelling)
    )


@cache
def keys_of(spelling: str) -> tuple[str, ...]:
    """The object keys a spelling goes through, outermost first."""
    return tuple(step for step in steps_of(spelling) if isinstance(step, str))


def keys_in(lines: pl.Series, paths: Iterable[tuple[str, ...]]) -> frozenset[str]:
    """The keys of ``paths`` (each a spelling's keys, outermost first) that occur as ``"key"``
    in ``lines`` (as a key or not): an outer key anywhere, the keys inside it where it occurs
    too, as they must to hold a value there.

    The first lines are searched key by key. The rest are searched at once for the outer keys
    not found yet and the other keys, not found yet, of the paths whose outer key was; then key
    by key only in the lines where one of them occurs. The other keys of a path whose outer key
    only the rest holds are searched for in the lines holding it. (One search of many keys
    costs Polars what a search of two does, up to 100 keys, and half as much again past them:
    the keys inside an outer key that does not occur are not looked for.)

    >>> sorted(keys_in(pl.Series(['{"ip":"x"}', '{"path":"/"}']), [("ip",), ("path",), ("a", "b")]))
    ['ip', 'path']
    """
    paths = set(paths)
    head, tail = lines.head(_HEAD), lines.slice(_HEAD)
    in_head = _keys_each(head, sorted({key for path in paths for key in path}))
    if tail.len() == 0:
        return in_head
    wanted = {path[0] for path in paths}
    wanted |= {key for path in paths if path[0] in in_head for key in path[1:]}
    found = in_head | _keys_anywhere(tail, wanted - in_head)
    for outer in sorted({path[0] for path in paths if len(path) > 1} & found - in_head):
        inner = {key for path in paths if path[0] == outer for key in path[1:]} - found
        if inner:
            holding = tail.filter(tail.str.contains(f'"{outer}"', literal=True))
            found |= _keys_each(holding, sorted(inner))
    return found


def _keys_anywhere(lines: pl.Series, keys: Collection[str]) -> frozenset[str]:
    """The ``keys`` that occur as ``"key"`` in ``lines``: one search for all of them, then key
    by key in the lines where one occurs."""
    if not keys:
        return frozenset()
    wanted = sorted(keys)
    holding = lines.filter(lines.str.contains_any([f'"{key}"' for key in wanted]))
    return _keys_each(holding, wanted)


def _keys_each(lines: pl.Series, keys: Collection[str]) -> frozenset[str]:
    """The ``keys`` that occur as ``"key"`` in ``lines``, one literal search each."""
    if not keys or lines.len() == 0:
        return frozenset()
    frame = lines.to_frame("line")
    hits = frame.select(
        pl.col("line").str.contains(f'"{key}"', literal=True).any().alias(key) for key in keys
    ).row(0, named=True)
    return frozenset(key for key, hit in hits.items() if hit)


def spellings_in(lines: pl.Series) -> dict[str, tuple[str, ...]]:
    """The spellings of each field whose keys all occur in ``lines``."""
    present = keys_in(lines, {keys_of(s) for s in JSON_TABLE.spellings})
    return {
        name: tuple(s for s in spellings if set(keys_of(s)) <= present)
        for name, spellings in JSON_KEYS.items()
    }


def holds_field(record: dict[str, object], name: str) -> bool:
    """Whether ``record`` (one line's object, decoded) holds a value at a spelling of field
    ``name`` (``request``: a request line or a request target), as this reader reads it (an
    object or a list is no value).

    >>> holds_field({"request": {"uri": "/"}}, "request"), holds_field({"ts": "-"}, "time")
    (True, False)
    """
    names = ("request", "target") if name == "request" else (name,)
    for spelling in (s for field_name in names for s in JSON_KEYS[field_name]):
        value: object = record
        for step in steps_of(spelling):
            if isinstance(step, int):
                value = value[step] if isinstance(value, list) and len(value) > step else value
            else:
                value = value.get(step) if isinstance(value, dict) else None
        if value not in (None, "", "-") and not isinstance(value, (dict, list)):
            return True
    return False


# --- Reading the spellings' values -----------------------------------------------------------


def spelling_values(lines: pl.Series, spellings: Sequence[str]) -> pl.DataFrame:
    """The value of each spelling on each line, as text: one column per spelling, named after
    it, null where the line holds no such value. Read in blocks (see the module)."""
    if not spellings or lines.len() == 0:
        return pl.DataFrame(schema=dict.fromkeys(spellings, pl.String))
    objects = _object_lines(lines)
    decodable, holding = _decodable(lines.filter(objects).head(100), spellings)
    reader = _BlockReader(spellings, decodable, holding)
    # ``json`` is what json_decode reads: the lines that may be JSON objects, null for others.
    table = lines.to_frame("line").with_columns(json=pl.when(objects).then(pl.col("line")))
    starts = range(0, lines.len(), _BLOCK)
    return pl.concat(reader.values(table.slice(start, _BLOCK)) for start in starts)


@dataclass(frozen=True)
class _BlockReader:
    """Reads the values of ``spellings`` from blocks of ``line`` and ``json`` (see
    ``spelling_values``), decoding those of ``decodable`` at once; those of ``holding`` (text
    spellings whose first value holds an object or a list) are read line by line beside."""

    spellings: Sequence[str]
    decodable: Sequence[str]
    holding: Sequence[str] = ()

    def values(self, block: pl.DataFrame, *, checked: bool = False) -> pl.DataFrame:
        """The values of one block: decoded at once; else without the lines that are no JSON
        (which hold no value: a line another writer's cut into, say), so that they do not
        hand the others to another reader (``checked``: they were left out); else as eighths
        read the same way, down to blocks of ``_SMALLEST`` lines, read spelling by spelling."""
        decoded = self.decoded(block)
        if decoded is not None:
            return decoded
        if not self.decodable:
            return self.matched(block)
        if not checked:
            return self.values(self.without_broken_lines(block), checked=True)
        if block.height <= _SMALLEST:
            return self.matched(block)
        part = -(-block.height // 8)
        starts = range(0, block.height, part)
        return pl.concat(self.values(block.slice(start, part), checked=True) for start in starts)

    def decoded(self, block: pl.DataFrame) -> pl.DataFrame | None:
        """The values of a block, decoded by ``str.json_decode`` (in ``_pieces``); None where
        it fails."""
        if not self.decodable:
            return None
        struct, text = _struct_of(self.decodable), block.get_column("json")
        try:
            decoded = pl.concat(
                [piece.str.json_decode(struct) for piece in _pieces(text)], rechunk=False
            )
        except pl.exceptions.PolarsError:
            return None
        read = decoded.to_frame("_json").with_columns(block.get_column("line"))
        return read.select(
            _decoded_value(s).alias(s)
            if s in self.decodable
            else _matched_value(s).alias(s)
            if s in self.holding
            else pl.lit(None, pl.String).alias(s)
            for s in self.spellings
        )

    def without_broken_lines(self, block: pl.DataFrame) -> pl.DataFrame:
        """``block`` with no ``json`` on its lines that are no JSON: of the pieces the decoder
        fails, the lines ``json_path_match`` finds no JSON in that the decoder fails alone too
        (it reads some that ``json_path_match`` does not: a lone surrogate escape, deep
        nesting)."""
        struct, text = _struct_of(self.decodable), block.get_column("json")
        broken: list[int] = []
        start = 0
        for piece in _pieces(text):
            if not _decodes(piece, struct):
                suspects = (
                    piece.is_not_null() & piece.str.json_path_match("$").is_null()
                ).arg_true()
                broken += [start + i for i in suspects if not _decodes(piece.slice(i, 1), struct)]
            start += piece.len()
        return block.with_columns(text.scatter(broken, None)) if broken else block

    def matched(self, block: pl.DataFrame) -> pl.DataFrame:
        """The values of a block, one ``json_path_match`` per spelling."""
        return block.select(_matched_value(s).alias(s) for s in self.spellings)


def _decodes(text: pl.Series, struct: pl.Struct) -> bool:
    """Whether ``str.json_decode`` reads every line of ``text`` into ``struct``."""
    try:
        text.str.json_decode(struct)
    except pl.exceptions.PolarsError:
        return False
    return True


def _pieces(text: pl.Series) -> list[pl.Series]:
    """``text`` in consecutive pieces of about ``_DECODED_BYTES`` each, as ``str.json_decode``
    reads them fastest."""
    size = int(text.str.len_bytes().sum())
    rows = max(1, text.len() * _DECODED_BYTES // max(size, 1))
    return [text.slice(start, rows) for start in range(0, text.len(), rows)]


def _object_lines(lines: pl.Series) -> pl.Series:
    """Whether each line may be a JSON object: ``{…}``, maybe between JSON whitespace. Other
    lines hold no value (nor does ``json_path_match`` read any there)."""
    plain = lines.str.starts_with("{") & lines.str.ends_with("}")
    others = (~plain).arg_true()
    if others.len() == 0:
        return plain
    return plain.scatter(others, lines.gather(others).str.contains(_OBJECT_LINE))


def _decodable(sample: pl.Series, spellings: Sequence[str]) -> tuple[list[str], list[str]]:
    """The spellings one struct can decode: where a key is a value of one spelling and holds
    those of others (Caddy's ``request`` object, nginx's ``request`` line), the first sample
    line holding it says which. A text spelling whose key holds an object or a list there
    (a Beats event's ``host`` and ``agent``) is none: it would fail every block's decode; it
    is read line by line instead (the second list), where other lines hold a text there."""
    leaves = {keys_of(s) for s in spellings}
    both = leaves & {keys[:depth] for keys in leaves for depth in range(1, len(keys))}
    texts = {keys_of(s) for s in spellings if s in _TEXT_SPELLINGS and steps_of(s)[-1] != 0}
    objects = _holding_structures(sample, both | texts)
    values = both - objects

    def decodable(keys: tuple[str, ...]) -> bool:
        return keys not in objects and not any(keys[:n] in values for n in range(1, len(keys)))

    found = [s for s in spellings if decodable(keys_of(s))]
    held = [s for s in spellings if keys_of(s) in objects & texts and s not in found]
    return found, held


def _holding_structures(
    sample: pl.Series, paths: Collection[tuple[str, ...]]
) -> set[tuple[str, ...]]:
    """The ``paths`` (object keys) at which the first of ``sample`` holding a value there holds
    an object or a list: the lines found in one query, their values typed by ``json``.

    ``json_path_match`` writes a string holding JSON (a user agent ``[1]``, sent by a client)
    as it writes a list, so its text cannot tell them apart: that line's own decode can. A
    client chooses what its strings hold, never which type the server logs them as."""
    if not paths:
        return set()
    ordered = sorted(paths)
    firsts = sample.to_frame("line").select(
        pl.col("line").filter(member(*keys).is_not_null()).first().alias(str(n))
        for n, keys in enumerate(ordered)
    )
    lines = firsts.row(0)
    return {k for k, line in zip(ordered, lines, strict=True) if _holds_structure(line, k)}


def _holds_structure(line: str | None, keys: tuple[str, ...]) -> bool:
    """Whether the value at ``keys`` of the JSON object ``line`` is an object or a list (of a
    key repeated, its first copy, as the decoder reads it). A line Python's ``json`` cannot
    read is judged by the text ``json_path_match`` gives (``_structure``)."""
    if line is None:
        return False
    try:
        value: object = json.loads(line, object_pairs_hook=_first_copies)
    except (ValueError, RecursionError):
        text = pl.DataFrame({"line": [line]}).select(_structure(member(*keys)))
        return bool(text.item())
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return isinstance(value, (dict, list))


def _first_copies(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """An object's members, the first copy of a key repeated kept."""
    members: dict[str, object] = {}
    for key, value in pairs:
        members.setdefault(key, value)
    return members


def _struct_of(spellings: Iterable[str]) -> pl.Struct:
    """The struct ``str.json_decode`` reads ``spellings`` into: their values as text, their
    lists as lists of text."""
    tree: dict[str, Any] = {}
    for spelling in spellings:
        *outer, last = keys_of(spelling)
        node = tree
        for key in outer:
            node = node.setdefault(key, {})
        listed = isinstance(steps_of(spelling)[-1], int)
        node[last] = pl.List(pl.String) if listed else pl.String

    def struct(node: dict[str, Any]) -> pl.Struct:
        return pl.Struct({k: struct(v) if isinstance(v, dict) else v for k, v in node.items()})

    return struct(tree)


def _decoded_value(spelling: str) -> pl.Expr:
    """The value of ``spelling`` in the decoded ``_json`` struct column."""
    value = pl.col("_json")
    for step in steps_of(spelling):
        if isinstance(step, int):
            value = value.list.get(step, null_on_oob=True)
        else:
            value = value.struct.field(step)
    return value


def _matched_value(spelling: str) -> pl.Expr:
    """The value of ``spelling`` on each line; a list item also from a plain value, as
    ``json_decode`` reads a value into a list of one. A text field's is null where it is an
    object or a list (``json_path_match`` writes it as JSON)."""
    steps = steps_of(spelling)
    if steps[-1] != 0:
        value = member(*steps)
        return pl.when(~_structure(value)).then(value) if spelling in _TEXT_SPELLINGS else value
    whole = member(*steps[:-1])
    return pl.coalesce(member(*steps), pl.when(~whole.str.contains(r"^[\[{]")).then(whole))


def _structure(value: pl.Expr) -> pl.Expr:
    """Whether ``value`` (as ``json_path_match`` writes it) is an object or a list: JSON that
    opens with a brace or a bracket (``[2001:db8::7]:51234`` is a string)."""
    return value.str.contains(r"^[\[{]") & value.str.json_path_match("$").is_not_null()


def member(*steps: str | int) -> pl.Expr:
    """The JSON value at ``steps`` (object keys, array indexes) of each line, as text.

    Null where the line is not JSON or has no such value.

    >>> lines = pl.DataFrame({"line": ['{"a":{"b-c":["x","y"]}}', '{"a":', '["x"]']})
    >>> lines.select(member("a", "b-c", 0))["line"].to_list()
    ['x', None, None]
    """
    path = "$" + "".join(f"[{step}]" if isinstance(step, int) else f"['{step}']" for step in steps)
    return pl.col("line").str.json_path_match(path)


@dataclass(frozen=True)
class JsonLines(KeyedFormat):
    """JSON lines with the keys of ``JSON_KEYS``; ``name`` names this reader of them."""

    def parse(self, lines: pl.LazyFrame) -> pl.LazyFrame:
        """Parse a chunk of the line table (this format has no state between chunks)."""
        table = lines.collect()
        by_field = spellings_in(table.get_column("line"))
        spellings = list(dict.fromkeys(s for found in by_field.values() for s in found))
        values = spelling_values(table.get_column("line"), spellings)
        return JSON_TABLE.fields(by_field).hits(table, values).lazy()


JSON_LINES = JsonLines(
    name=GENERIC,
    example=(
        '{"date":"2026-11-02T09:15:03+01:00","ip":"203.0.113.7","method":"GET",'
        '"path":"/products/tent?ref=nl","status":200,"length":5123,'
        '"referrer":"https://www.google.com/","user_agent":"' + _UA + '",'
        '"host":"shop.example.com"}'
    ),
    description="JSON lines with the common key spellings of each field (see the README)",
)

CADDY = JsonLines(
    name="caddy",
    example=(
        '{"level":"info","ts":1793610903.123456,"logger":"http.log.access.log0",'
        '"msg":"handled request","request":{"remote_ip":"203.0.113.7","remote_port":"51234",'
        '"client_ip":"203.0.113.7","proto":"HTTP/2.0","method":"GET","host":"shop.example.com",'
        '"uri":"/products/tent?ref=nl","headers":{"User-Agent":["' + _UA + '"],'
        '"Referer":["https://www.google.com/"],"Accept":["text/html"]},'
        '"tls":{"resumed":false,"version":772,"proto":"h2","server_name":"shop.example.com"}},'
        '"bytes_read":0,"user_id":"","duration":0.0012,"size":5123,"status":200,'
        '"resp_headers":{"Content-Type":["text/html; charset=utf-8"]}}'
    ),
    description="Caddy JSON access log (ts as epoch s, ms or ns, or ISO 8601); a name of json",
)

NGINX_JSON = JsonLines(
    name="nginx_json",
    example=(
        '{"time_local":"02/Nov/2026:09:15:03 +0100","remote_addr":"203.0.113.7",'
        '"remote_user":"","request":"GET /products/tent?ref=nl HTTP/1.1","status":"200",'
        '"body_bytes_sent":"5123","request_time":"0.004","http_referer":"https://www.google.com/",'
        '"http_user_agent":"' + _UA + '","http_x_forwarded_for":"","host":"shop.example.com"}'
    ),
    description="nginx log_format escape=json keyed by variable name ($time_local, $request, …); "
    "a name of json",
)

TRAEFIK_JSON = JsonLines(
    name="traefik_json",
    example=(
        '{"ClientAddr":"203.0.113.7:51234","ClientHost":"203.0.113.7","ClientPort":"51234",'
        '"ClientUsername":"-","DownstreamContentSize":5123,"DownstreamStatus":200,'
        '"Duration":3042117,"OriginContentSize":5123,"OriginDuration":2871034,"OriginStatus":200,'
        '"Overhead":171083,"RequestAddr":"shop.example.com","RequestContentSize":0,'
        '"RequestCount":1042,"RequestHost":"shop.example.com","RequestMethod":"GET",'
        '"RequestPath":"/products/tent?ref=nl","RequestPort":"-","RequestProtocol":"HTTP/2.0",'
        '"RequestScheme":"https","RetryAttempts":0,"RouterName":"shop@docker",'
        '"ServiceAddr":"172.18.0.5:8080","ServiceName":"shop@docker",'
        '"ServiceURL":"http://172.18.0.5:8080","StartLocal":"2026-11-02T09:15:03.123456789+01:00",'
        '"StartUTC":"2026-11-02T08:15:03.123456789Z","entryPointName":"websecure",'
        '"level":"info","msg":"","request_Referer":"https://www.google.com/",'
        '"request_User-Agent":"' + _UA + '","time":"2026-11-02T09:15:03+01:00"}'
    ),
    description="Traefik JSON access log (request headers read when kept); a name of json",
)

# One reader under four names: the family's general reader ``json``, and its variants, named
# after the conventions (which read every line ``json`` reads).
JSON_VARIANTS: tuple[JsonLines, ...] = (CADDY, NGINX_JSON, TRAEFIK_JSON)
JSON_FORMATS: tuple[JsonLines, ...] = (JSON_LINES, *JSON_VARIANTS)
# A structured logger's message (zap, logrus, pino, bunyan: a "level" and a "msg") with no key
# of a request: Caddy writes its own ("admin endpoint started", certificate renewals) into the
# access log's file by default.
JSON_MESSAGE = NotHttp(
    "json_message",
    r'^[ \t]*\{.*(?:"level"\s*:.*"msg"\s*:|"msg"\s*:.*"level"\s*:).*\}[ \t\r]*$',
    unless='"(?:'
    + "|".join(
        re.escape(key)
        for spelling in (*JSON_KEYS["request"], *JSON_KEYS["target"], *JSON_KEYS["method"])
        if len(steps_of(spelling)) == 1  # a nested one is a member of another key
        for key in keys_of(spelling)
    )
    + ')"\\s*:',
    recognises=False,
)
JSON_FAMILY = Family(
    "json",
    JSON_VARIANTS,
    general=JSON_LINES,
    not_http=(JSON_MESSAGE,),
    description="JSON lines access logs",
    distinct_variants=False,  # one reader under four names
    # A key of the field, even where it holds no value.
    forwarded_for_marker='(?i)"(?:'
    + "|".join(re.escape(keys_of(s)[-1]) for s in JSON_KEYS["forwarded_for"])
    + r')"\s*:',
    claims=rf"{COMMENT_LINE}|\{{",  # a comment, or a JSON object
)
