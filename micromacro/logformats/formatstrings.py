"""Format strings as users write them in server configs, compiled to one regex each, and read
by the verified cut of ``format_cut`` where the regex matches a line in one way only.

An nginx ``log_format`` (``$remote_addr - $remote_user [$time_local] "$request" …``) or an Apache
``LogFormat`` (``%h %l %u %t \\"%r\\" %>s %b …``) is read piece by piece: literal text must
appear as written, and each variable or directive becomes a group. Variables micromacro knows
are captured as raw fields (``fields.RAW_FIELDS``); the others are matched and skipped.

A variable's pattern depends on what surrounds it: inside double quotes it may hold anything
but an unescaped quote, inside brackets anything but ``]``, elsewhere anything but a space.

>>> fmt = compile_format_string('$remote_addr [$time_local] "$request" $status')
>>> fmt.name, sorted(fmt.fields)
('nginx', ['ip', 'request', 'status', 'time'])
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace

import polars as pl

from micromacro.distinct import per_distinct
from micromacro.errors import UsageError
from micromacro.logformats.clf import ADDRESS_LIST
from micromacro.logformats.cut import CutFormat, group_order
from micromacro.logformats.fields import CLF, EPOCH_SECONDS, ISO8601, TimeSpec
from micromacro.logformats.format_cut import CutPlan, Value, cut_plan
from micromacro.logformats.format_cut import Piece as CutPiece
from micromacro.logformats.patterns import QUOTED_TEXT, group


@dataclass(frozen=True)
class Variable:
    """What a format variable holds: its raw field (None: skipped) and how its time is written."""

    field: str | None
    time: TimeSpec | None = None
    pattern: str | None = None  # a pattern of its own, where the surroundings do not decide
    # Its field only where no other variable of the format holds it: the connection's peer
    # (Apache's %{c}a, nginx's $realip_remote_addr) is the client only without %a, %h or
    # $remote_addr, which name the client behind a proxy.
    fallback: bool = False
    # Unquoted, a list of values joined by these separators (a regex): nginx writes one value
    # per upstream server contacted, a proxy chain's X-Forwarded-For one address per proxy.
    separators: str | None = None


_ADDRESSES = ", ?"  # X-Forwarded-For: "198.51.100.7, 10.0.0.9"
# Headers a CDN or proxy passes the visitor's address in (Apache's name: nginx's variable),
# read after the X-Forwarded-For list, as one more address of it (``fields.normalize``).
_ONE_ADDRESS_HEADERS = {
    "cf-connecting-ip": "http_cf_connecting_ip",
    "true-client-ip": "http_true_client_ip",
    "x-real-ip": "http_x_real_ip",
}
_ONE_ADDRESS = Variable("client_address", separators=_ADDRESSES)
# Their names as messages write them.
_ONE_ADDRESS_NAMES = {
    "cf-connecting-ip": "CF-Connecting-IP",
    "true-client-ip": "True-Client-IP",
    "x-real-ip": "X-Real-IP",
}
_UPSTREAMS = ", | : "  # $upstream_response_time: "0.004, 0.002 : 0.001"
_NGINX: dict[str, Variable] = {
    "remote_addr": Variable("ip"),
    "realip_remote_addr": Variable("ip", fallback=True),
    "remote_user": Variable("remote_user"),
    "time_local": Variable("time", CLF),
    "time_iso8601": Variable("time", ISO8601),
    "msec": Variable("time", EPOCH_SECONDS),
    "request": Variable("request"),
    "request_method": Variable("method"),
    "request_uri": Variable("uri"),
    "uri": Variable("path"),
    "document_uri": Variable("path"),
    "args": Variable("query"),
    "query_string": Variable("query"),
    "status": Variable("status"),
    "body_bytes_sent": Variable("bytes"),
    "bytes_sent": Variable("bytes"),
    "http_referer": Variable("referrer"),
    "http_user_agent": Variable("user_agent"),
    "host": Variable("host"),
    "http_host": Variable("host"),
    "server_name": Variable("host"),
    "http_x_forwarded_for": Variable("forwarded_for", separators=_ADDRESSES),
    "proxy_add_x_forwarded_for": Variable("forwarded_for", separators=_ADDRESSES),
    # The visitor's address a CDN or proxy in front passes on (Cloudflare, Akamai, nginx's
    # own), for --client-ip first-forwarded: after the X-Forwarded-For list, whose first public
    # address wins where it has one.
    **dict.fromkeys(_ONE_ADDRESS_HEADERS.values(), _ONE_ADDRESS),
    "request_time": Variable("request_time"),
    # One value per upstream server, joined by ", " (or " : " across an internal redirect).
    **{
        f"upstream_{name}": Variable(None, separators=_UPSTREAMS)
        for name in (
            "addr",
            "status",
            "response_time",
            "connect_time",
            "header_time",
            "queue_time",
            "response_length",
            "bytes_received",
            "bytes_sent",
        )
    },
}

# Apache's %t: the request's time in brackets.
_APACHE_TIME = r"\[(?P<time>[^\]]+)\]"
_APACHE: dict[str, Variable] = {
    "h": Variable("ip"),
    "a": Variable("ip"),
    "u": Variable("remote_user"),
    "t": Variable("time", CLF, pattern=_APACHE_TIME),
    "r": Variable("request"),
    "m": Variable("method"),
    "U": Variable("path", pattern=r'(?P<path>[^ \t?"]*)'),
    "q": Variable("query", pattern=r'(?P<query>\?[^ \t"]*)?'),
    "s": Variable("status"),
    "b": Variable("bytes"),
    "B": Variable("bytes"),
    "O": Variable("bytes"),
    "v": Variable("host"),
    "V": Variable("host"),
    "D": Variable("request_time"),
    "T": Variable("request_time"),
}
_APACHE_HEADERS: dict[str, str] = {
    "referer": "referrer",
    "user-agent": "user_agent",
    "x-forwarded-for": "forwarded_for",
    "host": "host",
}
# %{sec}t, %{msec}t, %{usec}t: the time as a number since the epoch.
_APACHE_EPOCH: dict[str, float] = {"sec": 1.0, "msec": 1e-3, "usec": 1e-6}
# Apache's fractions of a second, written after a time of its own (``%{…}t.%{msec_frac}t``).
_APACHE_FRACTIONS = {"msec_frac": "%3f", "usec_frac": "%6f"}
# The text Apache's documentation writes between the directives of one time.
_TIME_JOINT = re.compile(r"[ .,:/T-]*")
# strftime conversions Apache (APR) writes that chrono reads differently or not at all.
_STRFTIME_FIXES = {"%T": "%H:%M:%S", "%D": "%m/%d/%y", "%F": "%Y-%m-%d"}

# One nginx variable: $name or ${name}.
_NGINX_VARIABLE = re.compile(r"\$(?:\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))")
# One Apache directive: % [<>] [!][status codes] [{argument}] letter, or ^ and two letters
# (mod_logio's %^FB, a trailer's %{…}^ti and %{…}^to); or %% for a percent sign.
_APACHE_DIRECTIVE = re.compile(
    r"%(?:%|[<>]?!?(?:\d{3}(?:,\d{3})*)?(?:\{([^}]*)\})?(\^[A-Za-z]{2}|[A-Za-z]))"
)


@dataclass
class _Piece:
    """A literal run of text, or a variable (``written`` as in the format string)."""

    literal: str = ""
    variable: Variable | None = None
    written: str = ""


# The text fields an escape=json format writes escaped.
_ESCAPED_FIELDS = ("path", "query", "referrer", "user_agent", "host", "forwarded_for")


def json_unescaped(values: pl.Series) -> pl.Series:
    r"""``values`` with JSON's escapes undone where they hold a backslash, once per distinct
    value; a value that is no JSON string's inside is kept as written.

    >>> json_unescaped(pl.Series([r'say \"hi\"', r'a\\b', 'plain', r'bad \x'])).to_list()
    ['say "hi"', 'a\\b', 'plain', 'bad \\x']
    """
    text = values.cast(pl.String)
    escaped = text.str.contains("\\", literal=True).fill_null(False)
    if not escaped.any():
        return values
    at = escaped.arg_true()
    undone = per_distinct(text.gather(at), _json_string, pl.String)
    return text.scatter(at, undone).cast(values.dtype)


def _json_string(inside: str) -> str:
    try:
        value = json.loads(f'"{inside}"', strict=False)
    except ValueError:
        return inside
    return value if isinstance(value, str) else inside


def compile_format_string(text: str) -> FormatString | None:
    """The format an nginx or Apache format string describes; None when ``text`` is neither
    (a preset name). Raises ``UsageError`` for a string micromacro cannot use."""
    stripped = _strip_directive(text)
    if _NGINX_VARIABLE.search(stripped):
        compiled = _compile("nginx", _nginx_pieces(_unescape_nginx(stripped)), text)
        return replace(compiled, json_escaped=bool(_JSON_ESCAPED.match(text)))
    if _APACHE_DIRECTIVE.search(stripped):
        return _compile("apache", _apache_pieces(_unescape_apache(stripped)), text)
    return None


# A string of a config file in its quotes: nginx's '…' (or "…"), Apache's "…", each with
# backslash escapes (\" or \') inside.
_SINGLE_QUOTED = r"'((?:[^'\\]|\\.)*)'"
_DOUBLE_QUOTED = r'"((?:[^"\\]|\\.)*)"'
_QUOTED = f"{_SINGLE_QUOTED}|{_DOUBLE_QUOTED}"


def _strip_directive(text: str) -> str:
    """Accept a pasted config line: ``log_format main '…';`` or ``LogFormat "…" combined``,
    or the string alone in its quotes (nginx's pieces ``'…' '…'`` joined, with or without the
    line's ``;``)."""
    stripped = text.strip()
    nginx = re.fullmatch(r"log_format\s+\S+\s+(?:escape=\S+\s+)?(.*?);?", stripped, re.DOTALL)
    if nginx:
        parts = re.findall(_QUOTED, nginx.group(1))
        return "".join(single or double for single, double in parts) or nginx.group(1)
    apache = re.fullmatch(r'LogFormat\s+"((?:[^"\\]|\\.)*)"(?:\s+\S+)?', stripped)
    if apache:
        return apache.group(1)
    # nginx's pieces may end in the config line's ";", as in a log_format line.
    if re.fullmatch(rf"(?:{_QUOTED})(?:\s+(?:{_QUOTED}))*\s*;?", stripped, re.DOTALL):
        return "".join(single or double for single, double in re.findall(_QUOTED, stripped))
    return text


# A log_format line whose values nginx writes escaped for JSON (escape=json).
_JSON_ESCAPED = re.compile(r"\s*log_format\s+\S+\s+escape=json\s")

# The escapes nginx undoes in its config's strings (others keep their backslash).
_NGINX_ESCAPES = {'"': '"', "'": "'", "\\": "\\", "t": "\t", "r": "\r", "n": "\n"}


def _unescape_nginx(text: str) -> str:
    """nginx's config escapes undone as nginx undoes them: ``\\"``, ``\\'``, ``\\\\``, ``\\t``,
    ``\\r``, ``\\n``; any other backslash is kept."""
    return re.sub(r"\\(.)", lambda m: _NGINX_ESCAPES.get(m.group(1), m.group(0)), text, flags=re.S)


def _unescape_apache(text: str) -> str:
    """Apache config strings escape quotes and control characters: ``\\"``, ``\\t``, ``\\n``."""
    return re.sub(r"\\(.)", lambda m: {"t": "\t", "n": "\n"}.get(m.group(1), m.group(1)), text)


def _nginx_pieces(text: str) -> list[_Piece]:
    pieces: list[_Piece] = []
    position = 0
    for match in _NGINX_VARIABLE.finditer(text):
        pieces.append(_Piece(literal=text[position : match.start()]))
        name = (match.group(1) or match.group(2)).lower()
        pieces.append(_Piece(variable=_NGINX.get(name, Variable(None)), written=match.group(0)))
        position = match.end()
    pieces.append(_Piece(literal=text[position:]))
    return _joined_targets(pieces)


# nginx's idiom for the request target without $request_uri: the path, "?" when there is a
# query, and the query.
_TARGET_IDIOM = re.compile(
    r"\$\{?(?:uri|document_uri)\}?\$\{?is_args\}?\$\{?(?:args|query_string)\}?", re.IGNORECASE
)


def _joined_targets(pieces: list[_Piece]) -> list[_Piece]:
    """``$uri$is_args$args`` read as ``$request_uri``, one target (path and query): read as
    three variables, ``$uri`` took the query too and ``$args`` was left empty."""
    joined: list[_Piece] = []
    for piece in pieces:
        if len(joined) >= 4 and piece.variable is not None:
            run = [*joined[-4:], piece]
            written = "".join(p.written if p.variable is not None else p.literal for p in run)
            if _TARGET_IDIOM.fullmatch(written):
                del joined[-4:]
                piece = _Piece(variable=_NGINX["request_uri"], written=written)
        joined.append(piece)
    return joined


def _apache_pieces(text: str) -> list[_Piece]:
    pieces: list[_Piece] = []
    position = 0
    for match in _APACHE_DIRECTIVE.finditer(text):
        _check_literal(text, position, match.start())
        pieces.append(_Piece(literal=text[position : match.start()]))
        position = match.end()
        if match.group(0) == "%%":
            pieces.append(_Piece(literal="%"))
            continue
        variable = _apache_variable(match.group(1), match.group(2))
        pieces.append(_Piece(variable=variable, written=match.group(0)))
    _check_literal(text, position, len(text))
    pieces.append(_Piece(literal=text[position:]))
    return _joined_times(pieces)


def _joined_times(pieces: list[_Piece]) -> list[_Piece]:
    """Apache writes one time in several directives, as its documentation's
    ``%{%d/%b/%Y %T}t.%{msec_frac}t %{%z}t``: each run of them, with the text between, is one
    time (else only the first was read, its offset and fraction lost)."""
    joined: list[_Piece] = []
    for piece in pieces:
        spec = _strftime_spec(piece)
        joint = len(joined) >= 2 and _TIME_JOINT.fullmatch(joined[-1].literal) is not None
        earlier = _strftime_spec(joined[-2]) if joint else None
        if spec is not None and earlier is not None:
            between, first = joined.pop().literal, joined.pop()
            time = Variable("time", TimeSpec("strftime", earlier + between + spec))
            piece = _Piece(variable=time, written=first.written + between + piece.written)
        joined.append(piece)
    return joined


def _strftime_spec(piece: _Piece) -> str | None:
    """The strftime format of a time variable written so, else None."""
    variable = piece.variable
    if variable is None or variable.time is None or variable.time.kind != "strftime":
        return None
    return variable.time.format


def _check_literal(text: str, start: int, end: int) -> None:
    """Raise ``UsageError`` for a ``%`` between two Apache directives: one that starts none
    (``%{Referer`` cut short, ``%y``), which Apache itself refuses."""
    percent = text.find("%", start, end)
    if percent >= 0:
        raise UsageError(
            f"the apache format string {text!r} has {text[percent : percent + 12]!r} at "
            f"character {percent + 1}, which is no directive (%h, %{{Referer}}i, %>s; %% for "
            "a % sign)"
        )


def _apache_variable(argument: str | None, letter: str) -> Variable:
    """The variable of one Apache directive (``%{Referer}i``, ``%{%d/%b/%Y %T}t``, ``%>s``)."""
    if letter == "i" and argument is not None and argument.lower() in _ONE_ADDRESS_HEADERS:
        return _ONE_ADDRESS
    if letter == "i" and argument is not None:
        field = _APACHE_HEADERS.get(argument.lower())
        return Variable(field, separators=_ADDRESSES if field == "forwarded_for" else None)
    if letter == "t" and argument is not None:
        return Variable("time", _apache_time(argument))
    if letter == "a" and argument == "c":
        return Variable("ip", fallback=True)
    if argument is not None and letter not in ("a", "T"):
        return Variable(None)
    return _APACHE.get(letter, Variable(None))


def _apache_time(argument: str) -> TimeSpec:
    """``%{format}t``: a strftime format (with an optional ``begin:``/``end:``) or an epoch unit."""
    spec = argument.removeprefix("begin:").removeprefix("end:")
    if spec in _APACHE_FRACTIONS:
        return TimeSpec("strftime", _APACHE_FRACTIONS[spec])
    if spec in _APACHE_EPOCH:
        return TimeSpec("epoch", "", _APACHE_EPOCH[spec])
    for apr, chrono in _STRFTIME_FIXES.items():
        spec = spec.replace(apr, chrono)
    return TimeSpec("strftime", spec)


@dataclass(frozen=True)
class FormatString(CutFormat):
    """A format compiled from an nginx or Apache format string; ``pieces`` are its regex in
    order, each with what it stands for in the string (a variable as written, or literal text),
    to say where a line stops matching."""

    pieces: tuple[tuple[str, str, bool], ...] = ()  # (regex, as written, is a variable)
    # How the verified cut reads its lines (None: by the regex alone).
    cut: CutPlan | None = None
    # nginx's escape=json: values are written with JSON's escapes (\" \\ \n \u00XX), undone
    # once they are read.
    json_escaped: bool = False

    def cut_lines(self, lines: pl.LazyFrame) -> pl.LazyFrame | None:
        return self.cut.cut(lines) if self.cut is not None else None

    @property
    def forwarded_header(self) -> str:
        """The header the string logs the forwarded address in, as messages name it:
        ``X-Forwarded-For`` where it logs the list, else the first header of one address it
        logs (``$http_x_real_ip``, ``%{X-Real-IP}i``: ``X-Real-IP``)."""
        if "forwarded_for" in self.fields:
            return "X-Forwarded-For"
        for _, written, is_variable in self.pieces:
            text = written.lower()
            for header, variable in _ONE_ADDRESS_HEADERS.items():
                if is_variable and (variable in text or header in text):
                    return _ONE_ADDRESS_NAMES[header]
        return "X-Forwarded-For"

    def parse(self, lines: pl.LazyFrame) -> pl.LazyFrame:
        """Parse a chunk of the line table (``CutFormat.parse``), JSON's escapes undone."""
        return self._unescaped(CutFormat.parse(self, lines))

    def parse_exact(self, lines: pl.LazyFrame) -> pl.LazyFrame:
        """Parse a chunk of the line table with the regex alone, JSON's escapes undone."""
        return self._unescaped(CutFormat.parse_exact(self, lines))

    def _unescaped(self, parsed: pl.LazyFrame) -> pl.LazyFrame:
        """``parsed`` with JSON's escapes undone in its text fields, where ``json_escaped``
        (the request line is split at spaces, which escape=json never escapes, so its path and
        query are undone as well after the split)."""
        if not self.json_escaped:
            return parsed
        frame = parsed.collect()
        columns = [c for c in _ESCAPED_FIELDS if c in frame.columns]
        return frame.with_columns(json_unescaped(frame.get_column(c)) for c in columns).lazy()

    def mismatch(self, line: str) -> str:
        """Where ``line`` stops matching the format string: the column and the piece of the
        string there (a variable or literal text), and what the line holds at that column."""
        position, failed = 0, None
        for count in range(1, len(self.pieces) + 1):
            found = re.match("".join(regex for regex, _, _ in self.pieces[:count]), line)
            if found is None:
                failed = self.pieces[count - 1]
                break
            position = found.end()
        if failed is not None and not failed[2]:  # literal text: the part of it that matches
            expected, found_text = failed[1], line[position:]
            same = next(
                (i for i, (a, b) in enumerate(zip(expected, found_text, strict=False)) if a != b),
                min(len(expected), len(found_text)),
            )
            position += same
            failed = (failed[0], failed[1][same:], False)
        rest = line[position:]
        shown = f"'{rest}'" if len(rest) <= _SHOWN else f"'{rest[:_SHOWN]}…'"
        if failed is None:
            if rest.strip():
                return (
                    f"the {self.name} format string ends at column {position + 1}, where the "
                    f"line goes on: {shown}"
                )
            return (
                f"the line matches the {self.name} format string, but its time or request does "
                "not read"
            )
        _, written, variable = failed
        piece = written if variable else f"'{written}'"
        there = f"the line has {shown}" if rest else "the line ends"
        return (
            f"the {self.name} format string stops matching at column {position + 1}, at "
            f"{piece}, where {there}"
        )


_SHOWN = 30  # characters of the line shown where a format string stops matching


def _compile(kind: str, pieces: list[_Piece], source: str) -> FormatString:
    """One anchored regex from the pieces; the first variable of each raw field is captured.
    With it, the cut that reads its lines faster where it can prove them (``format_cut``)."""
    parts = ["^"]
    labelled: list[tuple[str, str, bool]] = []
    laid_out: list[CutPiece] | None = []
    captured: set[str] = set()
    # Fields a variable holds that is no fallback: those its fallbacks leave to it.
    held = {p.variable.field for p in pieces if p.variable is not None and not p.variable.fallback}
    time: TimeSpec | None = None
    for index, piece in enumerate(pieces):
        if piece.variable is None:
            parts.append(re.escape(piece.literal))
            if piece.literal:
                labelled.append((parts[-1], piece.literal, False))
            if laid_out is not None:
                laid_out.append(piece.literal)
            continue
        variable = piece.variable
        taken = variable.field in captured or (variable.fallback and variable.field in held)
        name = None if taken else variable.field
        if name is not None:
            captured.add(name)
            if name == "time":
                time = variable.time
        pattern, cut = _variable_pattern(variable, name, pieces, index)
        parts.append(pattern)
        labelled.append((parts[-1], piece.written, True))
        if laid_out is not None and cut is not None:
            laid_out.extend(cut)
        else:
            laid_out = None
    parts.append(r"\s*$")
    if not captured & {"request", "path", "uri"} or "time" not in captured:
        raise UsageError(
            f"the {kind} format string {source!r} has no request or no time variable "
            "(micromacro needs both: $request or $request_uri, $time_local or $time_iso8601; "
            "%r or %U, %t)"
        )
    regex = "".join(parts)
    return FormatString(
        name=kind,
        regex=regex,
        time=time or CLF,
        description=f"{kind} format string: {source}",
        pieces=tuple(labelled),
        cut=cut_plan(laid_out, group_order(regex)) if laid_out is not None else None,
    )


def _variable_pattern(
    variable: Variable, name: str | None, pieces: list[_Piece], index: int
) -> tuple[str, list[CutPiece] | None]:
    """The group of the variable at ``pieces[index]``, from the text around it, and what the
    cut reads there (None: the cut cannot read it)."""
    spaces = (
        variable.time.format.count(" ") if variable.time and variable.time.kind == "strftime" else 0
    )
    if variable.pattern is not None and variable.field == "path" and _in_quotes(pieces, index):
        # Apache's %U is the decoded path: in quotes it may hold spaces ("/my docs/a b.html").
        following = pieces[index + 2].variable if index + 2 < len(pieces) else None
        query = following is not None and following.field == "query"
        query = query and not pieces[index + 1].literal
        return group(name, _QUOTED_PATH if query else QUOTED_TEXT), None
    if variable.pattern is not None:
        pattern = variable.pattern if name else re.sub(r"\(\?P<[a-z_]+>", "(?:", variable.pattern)
        if variable.pattern != _APACHE_TIME:
            return pattern, None
        bracketed = Value(name, forbidden="]", spaces=spaces, free_spaces=True, nonempty=True)
        return pattern, ["[", bracketed, "]"]
    before = pieces[index - 1].literal if index > 0 else ""
    after = pieces[index + 1].literal if index + 1 < len(pieces) else ""
    if before.endswith('"') and after.startswith('"'):
        return group(name, QUOTED_TEXT), [Value(name, quoted=True)]
    if before.endswith("[") and after.startswith("]"):
        return group(name, r"[^\]]*"), [Value(name, forbidden="]", spaces=spaces, free_spaces=True)]
    if variable.separators is not None:
        # A list holds spaces: the cut, which reads a word at a time, cannot read it.
        stop = after[:1].strip()
        item = f"[^{re.escape(stop)} ,\t]*"
        return group(name, f"{item}(?:(?:{variable.separators}){item})*"), None
    if variable.time is not None and variable.time.kind == "strftime":
        # A time written with spaces ("%d/%b/%Y:%H:%M:%S %z") spans that many of them.
        pattern = group(name, "[^ \t]+" + "(?: [^ \t]+)" * spaces)
        return pattern, [Value(name, spaces=spaces, nonempty=True)]
    if _before_port(pieces, index):
        # Up to the last ":" of its word: nginx writes an IPv6 address unbracketed.
        return group(name, "[^ ]*"), [Value(name, last=True)]
    stop = after[:1]
    following = pieces[index + 2].variable if not after and index + 2 < len(pieces) else None
    if following is not None and following.field in ("uri", "path"):
        stop = "/"  # right before a path ($host$request_uri): it ends where the path begins
    # A port after an address holds no ":", so that the address ends at the last one.
    excluded = ":" if _before_port(pieces, index - 2) else ""
    if stop and stop not in " \t":
        forbidden = stop + excluded
        return group(name, f"[^{re.escape(forbidden)} ]*"), [Value(name, forbidden=forbidden)]
    return group(name, f"[^{excluded} \t]*"), [Value(name, forbidden=excluded)]


# A quoted path right before its query: anything but an unescaped quote or a "?".
_QUOTED_PATH = r'[^"\\?]*(?:\\.[^"\\?]*)*'


def _in_quotes(pieces: list[_Piece], index: int) -> bool:
    """Whether ``pieces[index]`` lies between double quotes of the format string."""
    return sum(piece.literal.count('"') for piece in pieces[:index]) % 2 == 1


def _before_port(pieces: list[_Piece], index: int) -> bool:
    """Whether ``pieces[index]`` is a client address followed by ``:`` and a variable (a port:
    ``$remote_addr:$remote_port``, ``%a:%{remote}p``)."""
    if index < 0 or index + 2 >= len(pieces):
        return False
    address, port = pieces[index].variable, pieces[index + 2].variable
    return (
        address is not None
        and address.field == "ip"
        and pieces[index + 1].literal == ":"
        and port is not None
        and port.pattern is None
        and port.time is None
    )


# --- suggesting a format string for a line with fields no preset reads --------------------------

_QUOTED_FIELD = r'"(?:[^"\\]|\\.)*"'
# A Common Log Format line cut into what nginx's variables write, and the rest: the trailing
# fields (Python's ``re``: one line, at most once per run).
_CLF_PARTS = re.compile(
    r"^(?:(?P<vhost>[^ \[\",]+) )?(?P<client>[^ \[\",]+) (?P<ident>[^ ]+) [^ ]+ \[[^\]]+\] "
    rf"{_QUOTED_FIELD} (?:[0-9]{{3}}|-) (?:[0-9]+|-)"
    rf"(?P<combined> {_QUOTED_FIELD} {_QUOTED_FIELD})?"
    rf'(?P<xff> "(?:-|{ADDRESS_LIST})")?'
    r"(?P<rest>[ \t].*?)\s*$"
)
# One trailing field: a quoted string, or a run of text that may hold quoted strings
# (key="a b"); and its separator before it.
_TRAILING_FIELD = re.compile(rf'([ \t]+)({_QUOTED_FIELD}|(?:[^ \t"]|{_QUOTED_FIELD})+)')
_KEY_VALUE = re.compile(r'^([A-Za-z_][A-Za-z0-9_.-]*)=("?)(.*?)("?)$')
# Keys nginx configurations commonly give the variables they log.
_KNOWN_KEYS = {
    "rt": "request_time",
    "request_time": "request_time",
    "host": "host",
    "http_host": "host",
    "vhost": "host",
    "server_name": "host",
    "xff": "http_x_forwarded_for",
    "forwarded_for": "http_x_forwarded_for",
    "x_forwarded_for": "http_x_forwarded_for",
    "http_x_forwarded_for": "http_x_forwarded_for",
    "uct": "upstream_connect_time",
    "uht": "upstream_header_time",
    "urt": "upstream_response_time",
    "ua": "upstream_addr",
    "us": "upstream_status",
}


def suggest_format_string(line: str) -> str | None:
    """An nginx ``log_format`` string that reads all of ``line``, a Common Log Format line with
    trailing fields; None when the line is not one (or has an address list as its client).

    Trailing fields become variables: ``key=value`` the variable the key names (``rt`` is
    ``$request_time``, ``host`` is ``$host``, else ``$key``), a quoted address list
    ``$http_x_forwarded_for``, anything else ``$field1``, ``$field2``, … (read and skipped).

    >>> line = ('10.0.0.1 - - [02/Nov/2026:09:15:03 +0100] "GET / HTTP/1.1" 200 5 "-" '
    ...     '"curl/8.5.0" rt=0.004 host=shop.example.com')
    >>> suggest_format_string(line).partition(" $status $body_bytes_sent ")[2]
    '"$http_referer" "$http_user_agent" rt=$request_time host=$host'
    """
    parts = _CLF_PARTS.match(line)
    if parts is None:
        return None
    filled = {"ip", "remote_user", "time", "request", "status", "bytes"}
    text = ""
    if parts["vhost"]:
        text += "$host:$server_port " if ":" in parts["vhost"] else "$host "
        filled.add("host")
    ident = "-" if parts["ident"] == "-" else "$remote_ident"
    text += f'$remote_addr {ident} $remote_user [$time_local] "$request" $status $body_bytes_sent'
    if parts["combined"]:
        text += ' "$http_referer" "$http_user_agent"'
        filled |= {"referrer", "user_agent"}
    if parts["xff"]:
        text += ' "$http_x_forwarded_for"'
        filled.add("forwarded_for")
    rest = parts["rest"]
    position, unnamed = 0, 0
    for match in _TRAILING_FIELD.finditer(rest):
        if match.start() != position:
            return None
        position = match.end()
        separator, field = match.groups()
        name = _variable_for(field, filled)
        if name is None:
            unnamed += 1
            name = f"field{unnamed}"
        if name in _NGINX and _NGINX[name].field is not None:
            filled.add(str(_NGINX[name].field))
        text += separator + _written(field, name)
    if position != len(rest):
        return None
    return text if _reads(text, line) else None


def _variable_for(field: str, filled: set[str]) -> str | None:
    """The variable a trailing field is taken for (None: a placeholder)."""
    pair = _KEY_VALUE.match(field)
    if pair is not None:
        key = pair.group(1)
        name = _KNOWN_KEYS.get(key.lower(), re.sub(r"[^A-Za-z0-9_]", "_", key))
        known = _NGINX.get(name.lower())
        # A variable micromacro reads, whose field is read already, would be skipped anyway.
        return None if known is not None and known.field in filled else name
    if "forwarded_for" not in filled and re.fullmatch(f'"{ADDRESS_LIST}"', field):
        return "http_x_forwarded_for"
    return None


def _written(field: str, name: str) -> str:
    """The field as written in the format string: its key and quotes kept, the value a
    variable."""
    pair = _KEY_VALUE.match(field)
    if pair is not None:
        quote = '"' if pair.group(2) and pair.group(4) else ""
        return f"{pair.group(1)}={quote}${name}{quote}"
    return f'"${name}"' if field.startswith('"') and field.endswith('"') else f"${name}"


def _reads(text: str, line: str) -> bool:
    """Whether the format string ``text`` reads ``line`` whole (as the run would: by Polars)."""
    compiled = compile_format_string(text)
    if compiled is None:
        return False
    return bool(pl.Series([line]).str.contains(compiled.regex).item())
