"""The verified fast path of format strings (``logformats.format_cut``): a format string's lines
are read exactly as its regex reads them (``parse_exact``, the oracle), whatever they hold, and
clean lines of an eligible string are read by the cut.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

from micromacro.errors import UsageError
from micromacro.line_chunks import parse_line_bytes
from micromacro.logformats.formatstrings import FormatString, compile_format_string
from tests.helpers import lines_frame

UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
TIME = "02/Nov/2026:09:15:03 +0100"
HEAD = f"203.0.113.7 - - [{TIME}]"
COMBINED_LINE = f'{HEAD} "GET /cart?x=1 HTTP/1.1" 200 512 "https://www.google.com/" "{UA}"'

NGINX_COMBINED = (
    '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
    '"$http_referer" "$http_user_agent"'
)
NGINX_HOST = f'{NGINX_COMBINED} $request_time "$host"'
NGINX_XFF = f'{NGINX_HOST} "$http_x_forwarded_for"'
NGINX_UPSTREAM = f'{NGINX_COMBINED} rt=$request_time uct="$upstream_connect_time"'
NGINX_ISO = '$time_iso8601 $host $remote_addr "$request" $status $body_bytes_sent $request_time'
NGINX_VHOST = (
    '$host $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
    '"$http_referer" "$http_user_agent"'
)
NGINX_MAIN_DIRECTIVE = (
    "log_format main '$remote_addr - $remote_user [$time_local] \"$request\" '\n"
    "    '$status $body_bytes_sent \"$http_referer\" '\n"
    '    \'"$http_user_agent" "$http_x_forwarded_for"\';'
)
NGINX_IS_ARGS = '$remote_addr [$time_local] "$request_method $uri$is_args$args" $status'
NGINX_PORT = '$remote_addr:$remote_port [$time_local] "$request" $status'
APACHE_COMMON = r"%h %l %u %t \"%r\" %>s %b"
APACHE_COMBINED = rf"{APACHE_COMMON} \"%{{Referer}}i\" \"%{{User-Agent}}i\""
APACHE_VHOST = r"%v:%p %h %l %u %t \"%r\" %>s %O \"%{Referer}i\" \"%{User-Agent}i\""

COMMON_FORMAT_STRINGS = (
    NGINX_COMBINED,
    NGINX_HOST,
    NGINX_XFF,
    NGINX_UPSTREAM,
    NGINX_ISO,
    NGINX_VHOST,
    NGINX_MAIN_DIRECTIVE,
    NGINX_IS_ARGS,
    NGINX_PORT,
    APACHE_COMMON,
    APACHE_COMBINED,
    APACHE_VHOST,
)

# Each eligible string's clean line, built by hand.
CLEAN_LINES = {
    NGINX_COMBINED: COMBINED_LINE,
    NGINX_HOST: f'{COMBINED_LINE} 0.004 "shop.example.com"',
    NGINX_XFF: f'{COMBINED_LINE} 0.004 "shop.example.com" "198.51.100.9, 10.0.0.1"',
    NGINX_UPSTREAM: f'{COMBINED_LINE} rt=0.004 uct="0.001, 0.002"',
    NGINX_ISO: (
        '2026-11-02T09:15:03+01:00 shop.example.com 2001:db8::7 "GET / HTTP/2.0" 304 - 0.000'
    ),
    NGINX_VHOST: f"shop.example.com {COMBINED_LINE}",
    NGINX_MAIN_DIRECTIVE: f'{COMBINED_LINE} "-"',
    NGINX_IS_ARGS: f'203.0.113.7 [{TIME}] "GET /cart?x=1" 200',
    NGINX_PORT: f'2001:db8::7:51234 [{TIME}] "GET /cart?x=1 HTTP/1.1" 200',
    APACHE_COMMON: f'{HEAD} "GET /cart?x=1 HTTP/1.1" 200 512',
    APACHE_COMBINED: COMBINED_LINE,
    APACHE_VHOST: f"shop.example.com:443 {COMBINED_LINE}",
}


def compiled(text: str) -> FormatString:
    fmt = compile_format_string(text)
    assert fmt is not None
    return fmt


def both_ways(fmt: FormatString, lines: list[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``lines`` read by the fast path and by the regex alone."""
    frame = lines_frame(lines).lazy().with_columns(pl.col("line").cast(pl.String))
    return fmt.parse(frame).collect(), fmt.parse_exact(frame).collect()


def assert_read_alike(fmt: FormatString, lines: list[str]) -> None:
    fast, exact = both_ways(fmt, lines)
    assert fast.equals(exact), (fmt.description, lines)


def proven(fmt: FormatString, lines: list[str]) -> list[bool]:
    return fmt.proven(pl.Series("line", lines, dtype=pl.String)).to_list()


@pytest.mark.parametrize("text", COMMON_FORMAT_STRINGS)
def test_common_format_strings_are_cut(text: str) -> None:
    fmt = compiled(text)
    assert fmt.cut is not None
    line = CLEAN_LINES[text]
    assert pl.Series([line]).str.contains(fmt.regex).item()
    assert proven(fmt, [line, line]) == [True, True]
    assert_read_alike(fmt, [line, line])
    fast, _ = both_ways(fmt, [line])
    assert fast.get_column("parsed").to_list() == [True]


def test_the_cut_reads_the_fields_the_regex_reads() -> None:
    fmt = compiled(NGINX_XFF)
    line = CLEAN_LINES[NGINX_XFF]
    fast, _ = both_ways(fmt, [line])
    row = fast.select("ip", "path", "query", "status", "bytes", "host", "forwarded_for").row(0)
    assert row == (
        "203.0.113.7",
        "/cart",
        "x=1",
        200,
        512,
        "shop.example.com",
        "198.51.100.9, 10.0.0.1",
    )


def test_an_ipv6_client_before_its_port_is_cut_at_the_last_colon() -> None:
    fmt = compiled(NGINX_PORT)
    lines = [CLEAN_LINES[NGINX_PORT], CLEAN_LINES[NGINX_PORT].replace("2001:db8::7", "::1")]
    assert proven(fmt, lines) == [True, True]
    fast, exact = both_ways(fmt, lines)
    assert fast.get_column("ip").to_list() == ["2001:db8::7", "::1"]
    assert fast.equals(exact)


@pytest.mark.parametrize(
    "text",
    [
        '$remote_addr$remote_user [$time_local] "$request" $status',
        '$remote_addr - $remote_user [$time_local] "$request" $status$body_bytes_sent',
        r"%h %l %u %t \"%m %U%q %H\" %>s %b",
        r"%h %t \"%r\" %>s %U",
        # A list unquoted holds spaces ("0.004, 0.002"), which the cut reads as word ends.
        '$remote_addr - $remote_user [$time_local] "$request" $status $upstream_response_time',
        r"%h %l %u %t \"%r\" %>s %{X-Forwarded-For}i",
    ],
)
def test_ineligible_format_strings_keep_the_regex(text: str) -> None:
    fmt = compiled(text)
    assert fmt.cut is None
    lines = [
        COMBINED_LINE,
        '203.0.113.7- [02/Nov/2026:09:15:03 +0100] "GET / HTTP/1.1" 200',
        '203.0.113.7 - - [02/Nov/2026:09:15:03 +0100] "GET /cart?x=1 HTTP/1.1" 200 512',
        '203.0.113.7 - - [02/Nov/2026:09:15:03 +0100] "GET /cart?x=1 HTTP/1.1" 200 /cart',
        "",
    ]
    assert proven(fmt, lines) == [False] * len(lines)
    assert_read_alike(fmt, lines)


# Lines each eligible string's clean line is turned into; the regex reads them all.
ODD_LINES: dict[str, Callable[[str], str]] = {
    "escaped quote": lambda line: line.replace("Firefox", 'Fire\\"fox\\"'),
    "backslash before a closing quote": lambda line: line.replace('HTTP/1.1"', 'HTTP/1.1\\"'),
    "doubled quotes": lambda line: line.replace("(X11;", '""(X11;""'),
    "a lone quote": lambda line: line.replace("/cart", '/ca"rt'),
    "truncated": lambda line: line[: len(line) * 2 // 3],
    "truncated in a quote": lambda line: line[: line.index('"') + 5],
    "two spaces": lambda line: line.replace(" ", "  ", 1),
    "two spaces before the status": lambda line: line.replace('" 200', '"  200'),
    "a tab": lambda line: line.replace(" ", "\t", 1),
    "a tab in a quote": lambda line: line.replace("GET ", "GET\t"),
    "trailing space": lambda line: f"{line} ",
    "trailing white space": lambda line: f"{line} \t ",
    "carriage return": lambda line: f"{line}\r",
    "carriage return inside": lambda line: line.replace(" 200", " 200\r"),
    "non-breaking space in a field": lambda line: line.replace("200", "2\u00a000"),
    "non-breaking space ending a field": lambda line: line.replace("200 ", "200\u00a0 "),
    "non-breaking space at the end": lambda line: f"{line}\u00a0",
    "ideographic space at the end": lambda line: f"{line}\u3000",
    "a bracket in the time": lambda line: line.replace("+0100", "+01]00"),
    "an open bracket in the time": lambda line: line.replace("[02", "[[02"),
    "an empty time": lambda line: line.replace(f"[{TIME}]", "[]"),
    "a time of three words": lambda line: line.replace("+0100", "+01 00"),
    "a missing field": lambda line: line.replace(" 512", "", 1),
    "a missing user": lambda line: line.replace(" - - ", " - ", 1),
    "an extra field": lambda line: f'{line} "198.51.100.4"',
    "an extra word": lambda line: line.replace(" 200 ", " 200 7 "),
    "empty": lambda _: "",
    "a comment": lambda _: "#Version: 1.0",
    "a long user agent": lambda line: line.replace("Firefox/128.0", "Firefox/128.0 " + "x" * 5000),
    "non-ASCII text": lambda line: line.replace("/cart", "/café/ü/日本").replace("-", "—", 1),
    "digits of another script in the status": lambda line: line.replace(" 200 ", " ٢٠٠ "),
    "a four-digit status": lambda line: line.replace(" 200 ", " 2000 "),
    "a space in the host": lambda line: line.replace("shop.example.com", "shop example.com"),
    "a colon in the host": lambda line: line.replace("shop.example.com", "shop:example:com"),
    "a comma in the client": lambda line: line.replace("203.0.113.7", "10.0.0.1, 203.0.113.7"),
    "an empty quoted field": lambda line: line.replace('"https://www.google.com/"', '""'),
    "an empty status": lambda line: line.replace(" 200 ", "  "),
    "control characters": lambda line: line.replace("200", "2\x0b0\x1f0"),
    "a line separator": lambda line: line.replace(" 512", " 512\u2028"),
}


@pytest.mark.parametrize("odd", list(ODD_LINES.values()), ids=list(ODD_LINES))
def test_every_odd_line_is_read_as_the_regex_reads_it(odd: Callable[[str], str]) -> None:
    for text, clean in CLEAN_LINES.items():
        fmt = compiled(text)
        assert_read_alike(fmt, [clean, odd(clean), odd(COMBINED_LINE), clean])
        assert_read_alike(fmt, [odd(clean)])


# Eligible strings of unusual shapes: times written with spaces outside brackets, a time in
# quotes, Apache's bracketed time inside brackets, a variable right after a quote, several
# variables in one word (an IPv6 address holds the ``:`` that ends the first of them).
UNUSUAL_LINES = {
    '$remote_addr:$host [$time_local] "$request"': f'2001:db8::7:shop [{TIME}] "GET / HTTP/1.1"',
    '$host|$status|$request_time [$time_local]:$remote_addr "$request"': (
        f'shop|200|0.004 [{TIME}]:203.0.113.7 "GET / HTTP/1.1"'
    ),
    'x=$remote_addr,y=[$time_local]-$status "$request"': (
        f'x=203.0.113.7,y=[{TIME}]-200 "GET / HTTP/1.1"'
    ),
    '$time_local $remote_addr "$request" $status': f'{TIME} 203.0.113.7 "GET / HTTP/1.1" 200',
    '"$request" $time_local': f'"GET / HTTP/1.1" {TIME}',
    r"%{%d/%b/%Y %H:%M:%S %z}t %h \"%r\"": '02/Nov/2026 09:15:03 +0100 1.2.3.4 "GET / HTTP/1.1"',
    r"%h [%t] \"%r\"": f'203.0.113.7 [[{TIME}]] "GET / HTTP/1.1"',
    '$remote_addr "$time_local" "$request" ""': f'203.0.113.7 "{TIME}" "GET / HTTP/1.1" ""',
    '$remote_addr [$time_local "$request"]': f'203.0.113.7 [{TIME} "GET / HTTP/1.1"]',
    '"$request"$remote_addr [$time_local]': f'"GET / HTTP/1.1"203.0.113.7 [{TIME}]',
}


@pytest.mark.parametrize(("text", "clean"), UNUSUAL_LINES.items(), ids=list(UNUSUAL_LINES))
def test_unusual_eligible_strings_read_alike(text: str, clean: str) -> None:
    fmt = compiled(text)
    assert fmt.cut is not None
    assert proven(fmt, [clean]) == [True]
    odd = [make(clean) for make in ODD_LINES.values()]
    last_space_doubled = clean[::-1].replace(" ", "  ", 1)[::-1]
    assert_read_alike(fmt, [clean, *odd, last_space_doubled, clean.replace("+0100", "+01 00")])


def test_odd_lines_alone_and_an_empty_chunk_are_read_alike() -> None:
    for text, clean in CLEAN_LINES.items():
        fmt = compiled(text)
        assert_read_alike(fmt, [odd(clean) for odd in ODD_LINES.values()])
        assert_read_alike(fmt, [])


def test_a_line_the_cut_cannot_prove_is_left_to_the_regex() -> None:
    fmt = compiled(NGINX_COMBINED)
    escaped = ODD_LINES["escaped quote"](COMBINED_LINE)
    assert proven(fmt, [escaped, COMBINED_LINE, f"{COMBINED_LINE} "]) == [False, True, False]
    fast, _ = both_ways(fmt, [escaped])
    assert fast.get_column("user_agent").to_list() == [UA.replace("Firefox", 'Fire\\"fox\\"')]


# --- format strings drawn from a small grammar, and lines rendered from them -------------------


@dataclass(frozen=True)
class Variable:
    """A variable of the grammar: as written in the format string, and values it may hold."""

    written: str
    values: tuple[str, ...]


_IP = ("203.0.113.7", "2001:db8::7", "-")
_USER = ("-", "alice", "j doe")
_REQUEST = ("GET /cart?x=1 HTTP/1.1", "POST /a|b HTTP/2.0", "-", "GET /a b HTTP/1.1")
_STATUS = ("200", "304", "-")
_BYTES = ("512", "0", "-")
_REFERRER = ("-", "https://www.google.com/search?q=a:b", "")
_AGENT = (UA, "-", "curl/8.5.0")
_HOST = ("shop.example.com", "shop.example.com:443")
_XFF = ("198.51.100.9, 10.0.0.1", "-")

NGINX_VARIABLES = {
    name: Variable(f"${name}", values)
    for name, values in {
        "remote_addr": _IP,
        "remote_user": _USER,
        "status": _STATUS,
        "body_bytes_sent": _BYTES,
        "http_referer": _REFERRER,
        "http_user_agent": _AGENT,
        "host": _HOST,
        "request_time": ("0.004", "12"),
        "http_x_forwarded_for": _XFF,
        "upstream_connect_time": ("0.001", "-", "0.001, 0.002"),
        "remote_port": ("51234", ""),
    }.items()
}
NGINX_TIMES = (
    Variable("$time_local", (TIME,)),
    Variable("$time_iso8601", ("2026-11-02T09:15:03+01:00",)),
)
NGINX_REQUESTS = (
    Variable("$request", _REQUEST),
    Variable("$uri$is_args$args", ("/cart?x=1", "/cart", "/a b", "")),
)

APACHE_VARIABLES = {
    written: Variable(written, values)
    for written, values in {
        "%h": _IP,
        "%a": _IP,
        "%l": ("-",),
        "%u": _USER,
        "%m": ("GET", "POST"),
        "%H": ("HTTP/1.1",),
        "%q": ("?x=1", ""),
        "%>s": _STATUS,
        "%b": _BYTES,
        "%O": _BYTES,
        "%v": _HOST,
        "%p": ("443",),
        "%{remote}p": ("51234",),
        "%^FB": ("1234", "-"),
        "%D": ("4021",),
        "%{Referer}i": _REFERRER,
        "%{User-Agent}i": _AGENT,
        "%{X-Forwarded-For}i": _XFF,
    }.items()
}
APACHE_TIMES = (
    Variable("%t", (f"[{TIME}]",)),
    Variable("%{%d/%b/%Y:%H:%M:%S %z}t", (TIME,)),
    Variable("%{%Y-%m-%dT%H:%M:%S}t", ("2026-11-02T09:15:03",)),
    Variable("%{sec}t", ("1793603703",)),
)
APACHE_REQUESTS = (Variable("%r", _REQUEST), Variable("%U", ("/cart", "/")))

_WRAPS = ("{}", '"{}"', "[{}]")
_SEPARATORS = (
    *(" ", " ", " ", " - ", " rt=", "| ", ' "', '" "', "] [", ", ", " · "),
    *(":", "|", "·", "  ", ""),
)
_LEADING = ("", "", "", "# ", "[", "x=")
_TRAILING = ("", "", "", " ", '"', " -", "]", "|")
# Characters a line is mutated with.
_HOSTILE = (
    *'"\\[] \t\r-:|=,?',
    "\u00a0",
    "é",
    "٢",
    "\x0b",
    "\x1f",
    "\u2028",
    "\u3000",
    "\x85",
)


@dataclass(frozen=True)
class Layout:
    """A format string as a sequence of pieces: ``leading``, then each variable in its wrap
    followed by its separator, then ``trailing``."""

    leading: str
    parts: tuple[tuple[Variable, str, str], ...]  # (variable, wrap, separator after it)
    trailing: str

    def format_string(self) -> str:
        written = "".join(wrap.format(v.written) + after for v, wrap, after in self.parts)
        return self.leading + written + self.trailing

    def render(self, values: list[str]) -> str:
        rendered = "".join(
            wrap.format(value) + after
            for (_, wrap, after), value in zip(self.parts, values, strict=True)
        )
        return self.leading + rendered + self.trailing


@st.composite
def layouts(draw: st.DrawFn) -> Layout:
    """A format string of nginx variables or Apache directives, with a request and a time."""
    if draw(st.integers(0, 2)) == 0:
        table, times, requests = APACHE_VARIABLES, APACHE_TIMES, APACHE_REQUESTS
    else:
        table, times, requests = NGINX_VARIABLES, NGINX_TIMES, NGINX_REQUESTS
    others = draw(st.lists(st.sampled_from(sorted(table)), max_size=5))
    chosen = [
        draw(st.sampled_from(requests)),
        draw(st.sampled_from(times)),
        *(table[name] for name in others),
    ]
    ordered = draw(st.permutations(chosen))
    parts = tuple(
        (variable, draw(st.sampled_from(_WRAPS)), draw(st.sampled_from(_SEPARATORS)))
        for variable in ordered
    )
    *body, (variable, wrap, _) = parts
    return Layout(
        draw(st.sampled_from(_LEADING)),
        (*body, (variable, wrap, "")),
        draw(st.sampled_from(_TRAILING)),
    )


def _fits(value: str, wrap: str, after: str) -> bool:
    """Whether ``value`` is one the pattern of its place reads (roughly: to draw clean lines)."""
    if wrap == '"{}"':
        return '"' not in value
    if wrap == "[{}]":
        return "]" not in value
    return " " not in value and not (after and after[0] in value)


@st.composite
def rendered_lines(draw: st.DrawFn, layout: Layout) -> str:
    """A line of ``layout``: values in their places, mostly ones that fit, then maybe mutated
    with hostile characters; or some hostile text."""
    if draw(st.integers(0, 11)) == 0:
        return draw(st.text(st.sampled_from([*_HOSTILE, "a", "0", "/"]), max_size=12))
    values = []
    for variable, wrap, after in layout.parts:
        fitting = [v for v in variable.values if _fits(v, wrap, after)] or list(variable.values)
        pool = fitting if draw(st.integers(0, 5)) else list(variable.values)
        values.append(draw(st.sampled_from(pool)))
    line = layout.render(values)
    for _ in range(draw(st.sampled_from([0, 0, 0, 0, 1, 1, 2, 3]))):
        at = draw(st.integers(0, len(line)))
        kind = draw(st.sampled_from(["insert", "replace", "delete", "cut"]))
        character = draw(st.sampled_from(_HOSTILE))
        if kind == "insert":
            line = line[:at] + character + line[at:]
        elif kind == "replace":
            line = line[:at] + character + line[at + 1 :]
        elif kind == "delete":
            line = line[:at] + line[at + 1 :]
        else:
            line = line[:at]
    return line


def compiled_or_rejected(layout: Layout) -> FormatString:
    try:
        fmt = compile_format_string(layout.format_string())
    except UsageError:
        assume(False)
        raise
    assume(fmt is not None)
    assert fmt is not None
    return fmt


@settings(max_examples=150)
@given(st.data())
def test_fast_and_exact_paths_agree_on_drawn_format_strings(data: st.DataObject) -> None:
    layout = data.draw(layouts(), label="layout")
    fmt = compiled_or_rejected(layout)
    lines = data.draw(st.lists(rendered_lines(layout), min_size=1, max_size=8), label="lines")
    fast, exact = both_ways(fmt, lines)
    assert fast.equals(exact), (layout.format_string(), lines)
    is_proven = proven(fmt, lines)
    matched = pl.Series(lines, dtype=pl.String).str.contains(fmt.regex).to_list()
    assert all(m for p, m in zip(is_proven, matched, strict=True) if p), (fmt.regex, lines)
    if fmt.cut is None:
        assert not any(is_proven)
        event("no cut")
    else:
        event("cut, some lines proven" if any(is_proven) else "cut, no line proven")


# Layouts of the grammar that are eligible, each with a clean line rendered from it.
_ELIGIBLE_LAYOUTS = (
    Layout(
        "",
        (
            (NGINX_VARIABLES["remote_addr"], "{}", " - "),
            (NGINX_VARIABLES["remote_user"], "{}", " "),
            (NGINX_TIMES[0], "[{}]", " "),
            (NGINX_REQUESTS[0], '"{}"', " "),
            (NGINX_VARIABLES["status"], "{}", "| "),
            (NGINX_VARIABLES["host"], "{}", " rt="),
            (NGINX_VARIABLES["request_time"], "{}", ' "'),
            (NGINX_VARIABLES["http_user_agent"], "{}", '" "'),
            (NGINX_VARIABLES["http_x_forwarded_for"], "{}", ""),
        ),
        '"',
    ),
    Layout(
        "x=",
        (
            (NGINX_TIMES[1], "{}", "| "),
            (NGINX_VARIABLES["remote_addr"], "[{}]", " "),
            (NGINX_REQUESTS[0], '"{}"', "·"),
            (NGINX_VARIABLES["body_bytes_sent"], "{}", ""),
        ),
        "",
    ),
    Layout(
        "",
        (
            (APACHE_VARIABLES["%v"], "{}", " "),
            (APACHE_VARIABLES["%a"], "{}", " "),
            (APACHE_TIMES[0], "{}", " "),
            (APACHE_REQUESTS[0], '"{}"', " "),
            (APACHE_VARIABLES["%>s"], "{}", " "),
            (APACHE_VARIABLES["%D"], "{}", ""),
        ),
        "",
    ),
    Layout(
        "",
        (
            (APACHE_TIMES[3], "{}", " "),
            (APACHE_VARIABLES["%h"], "{}", " "),
            (APACHE_REQUESTS[0], '"{}"', " "),
            (APACHE_VARIABLES["%{X-Forwarded-For}i"], '"{}"', ""),
        ),
        "",
    ),
)


@pytest.mark.parametrize("layout", _ELIGIBLE_LAYOUTS, ids=lambda layout: layout.format_string())
def test_clean_rendered_lines_of_eligible_strings_are_proven(layout: Layout) -> None:
    fmt = compiled(layout.format_string())
    assert fmt.cut is not None
    line = layout.render([variable.values[0] for variable, _, _ in layout.parts])
    assert pl.Series([line]).str.contains(fmt.regex).item()
    assert proven(fmt, [line]) == [True]
    assert_read_alike(fmt, [line, f"{line} ", line])


# --- logs on disk ------------------------------------------------------------------------------

ROOT = Path(__file__).parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
COMBINED_LOGS = (
    ROOT / "sample_logs" / "access.log",
    FIXTURES / "shop.log",
    FIXTURES / "hostile.log",
    FIXTURES / "hostile_html.log",
    FIXTURES / "traffic.log",
)
LOGS_WITH_THEIR_STRINGS = (
    (FIXTURES / "shop_nginx.log", NGINX_XFF),
    (
        FIXTURES / "nginx_xff_fields.log",
        f'{NGINX_COMBINED} "$http_x_forwarded_for" rt=$request_time host=$host',
    ),
)


@pytest.mark.parametrize("path", COMBINED_LOGS, ids=lambda path: path.name)
def test_combined_logs_read_alike_both_ways(path: Path) -> None:
    lines = parse_line_bytes(path.read_bytes()).to_list()
    for text in (NGINX_COMBINED, APACHE_COMBINED):
        fmt = compiled(text)
        assert_read_alike(fmt, lines)
        assert any(proven(fmt, lines))
    if path.parent.name == "sample_logs":
        assert sum(proven(compiled(NGINX_COMBINED), lines)) > 4_000


@pytest.mark.parametrize(
    ("path", "text"), LOGS_WITH_THEIR_STRINGS, ids=[p.name for p, _ in LOGS_WITH_THEIR_STRINGS]
)
def test_nginx_logs_read_alike_with_their_format_strings(path: Path, text: str) -> None:
    lines = parse_line_bytes(path.read_bytes()).to_list()
    fmt = compiled(text)
    assert fmt.cut is not None
    assert_read_alike(fmt, lines)
    assert all(proven(fmt, lines))


def test_real_logs_of_every_format_read_alike_both_ways() -> None:
    lines = [
        line
        for path in sorted((FIXTURES / "real").glob("*.log"))
        for line in parse_line_bytes(path.read_bytes()).to_list()
    ]
    for text in (NGINX_COMBINED, NGINX_XFF, APACHE_COMMON, APACHE_VHOST, NGINX_ISO):
        assert_read_alike(compiled(text), lines)
