"""The verified fast path of the Common Log Format (``logformats.clf_split``): every line is read
exactly as the variant's regex reads it, whatever it holds, and clean lines are read by the cut.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micromacro.line_chunks import parse_line_bytes
from micromacro.logformats import fields
from micromacro.logformats.clf import COMBINED, COMBINED_XFF, COMMON, VHOST_COMBINED, VHOST_COMMON
from micromacro.logformats.clf_split import SplitClf, _head_shape
from micromacro.logformats.fields import distinct_codes
from tests.helpers import lines_frame

SPLIT_FORMATS = (COMBINED, COMMON, VHOST_COMBINED, VHOST_COMMON, COMBINED_XFF)
UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
HEAD = "203.0.113.7 - - [02/Nov/2026:09:15:03 +0100]"
COMBINED_LINE = f'{HEAD} "GET /cart?x=1 HTTP/1.1" 200 512 "https://www.google.com/" "{UA}"'


def both_ways(fmt: SplitClf, lines: list[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``lines`` read by the fast path and by the regex alone."""
    frame = lines_frame(lines).lazy()
    return fmt.parse(frame).collect(), fmt.parse_exact(frame).collect()


def test_clean_lines_are_read_by_the_cut() -> None:
    lines = [
        COMBINED_LINE,
        f'{HEAD} "GET / HTTP/1.1" 304 - "-" "-"',
        f'{HEAD} "GET /a b HTTP/1.1" 200 0 "" "x"',  # a space in the target: the request is wrong
    ]
    assert COMBINED.proven(pl.Series(lines)).to_list() == [True, True, True]
    assert COMMON.proven(pl.Series([f'{HEAD} "GET / HTTP/1.1" 200 5123'])).to_list() == [True]
    vhost = f"shop.example.com:443 {COMBINED_LINE}"
    assert VHOST_COMBINED.proven(pl.Series([vhost])).to_list() == [True]
    forwarded = [f'{COMBINED_LINE} "{xff}"' for xff in ("203.0.113.7, 10.0.0.1", "-", "", "x")]
    assert COMBINED_XFF.proven(pl.Series(forwarded)).to_list() == [True, True, True, False]
    fast, exact = both_ways(COMBINED, lines)
    assert fast.equals(exact)
    assert fast.get_column("parsed").to_list() == [True, True, False]


@pytest.mark.parametrize(
    "line",
    [
        # An escaped quote inside the user agent: the regex reads it, the cut cannot.
        f'{HEAD} "GET / HTTP/1.1" 200 5 "-" "Mozilla \\"quoted\\" agent"',
        # A backslash before a closing quote: the regex reads the quote as escaped.
        f'{HEAD} "GET /a\\" 200 5 "-" "x"',
        # A quote in the user agent, doubled as CSV writes it.
        f'{HEAD} "GET / HTTP/1.1" 200 5 "-" "a ""b"" c"',
        # A truncated line, its user agent open.
        f'{HEAD} "GET / HTTP/1.1" 200 5 "-" "Mozilla/5.0 (Linux',
        # Two spaces, a tab, trailing white space, a client with a comma, a bracket in the time.
        '203.0.113.7  - - [02/Nov/2026:09:15:03 +0100] "GET / HTTP/1.1" 200 5 "-" "x"',
        '203.0.113.7\t- - [02/Nov/2026:09:15:03 +0100] "GET / HTTP/1.1" 200 5 "-" "x"',
        f"{COMBINED_LINE} \t ",
        '10.0.0.1, 203.0.113.7 - - [02/Nov/2026:09:15:03 +0100] "GET / HTTP/1.1" 200 5 "-" "x"',
        '203.0.113.7 - - [02/Nov/2026:09:15:03] +0100] "GET / HTTP/1.1" 200 5 "-" "x"',
        '203.0.113.7 - - [[02/Nov/2026:09:15:03 +0100] "GET / HTTP/1.1" 200 5 "-" "x"',
        # Digits of another script, a four-digit status, a trailing field.
        f'{HEAD} "GET / HTTP/1.1" ٢٠٠ 5 "-" "x"',
        f'{HEAD} "GET / HTTP/1.1" 2000 5 "-" "x"',
        f'{COMBINED_LINE} "198.51.100.4"',
        "",
        "# a comment",
    ],
)
def test_every_odd_line_is_read_as_the_regex_reads_it(line: str) -> None:
    for fmt in SPLIT_FORMATS:
        fast, exact = both_ways(fmt, [COMBINED_LINE, line, f"shop.example.com {line}"])
        assert fast.equals(exact), fmt.name


@pytest.mark.parametrize(
    ("status", "size"),
    [("٢٠٠", "512"), ("２００", "512"), ("200", "٥١٢"), ("200", "５１２")],
)
def test_digits_of_another_script_are_no_status_or_size(status: str, size: str) -> None:
    # A server writes ASCII digits: a status or size in others is no line of the format (it
    # would otherwise be read with no status, as a page view), whichever path reads it.
    line = f'{HEAD} "GET / HTTP/1.1" {status} {size} "-" "x"'
    fast, exact = both_ways(COMBINED, [COMBINED_LINE, line])
    assert fast.equals(exact)
    assert fast.get_column("parsed").to_list() == [True, False]


def test_a_line_the_cut_cannot_prove_is_left_to_the_regex() -> None:
    escaped = f'{HEAD} "GET / HTTP/1.1" 200 5 "-" "Mozilla \\"quoted\\" agent"'
    assert COMBINED.proven(pl.Series([escaped, COMBINED_LINE])).to_list() == [False, True]
    fast, _ = both_ways(COMBINED, [escaped])
    assert fast.get_column("user_agent").to_list() == ['Mozilla \\"quoted\\" agent']


# Pieces of a CLF line, and the hostile characters a field may hold.
_HOSTILE = st.sampled_from([*list('"\\[] \t,:-/?#%\r'), "٢", "é", "�", "\x1f", "+0100"])
_PLAIN = st.sampled_from([*list("aZ09."), "GET", "HTTP/1.1", "200", "/x", "Mozilla"])
_TEXT = st.lists(st.one_of(_PLAIN, _PLAIN, _PLAIN, _PLAIN, _HOSTILE), max_size=5).map("".join)


def _mostly(good: str, *bad: str) -> st.SearchStrategy[str]:
    """``good`` three times in four, else one of ``bad``."""
    return st.one_of(st.just(good), st.just(good), st.just(good), st.sampled_from(bad))


@st.composite
def clf_lines(draw: st.DrawFn) -> str:
    """A line of the CLF family's shape with hostile text in its fields, or some bytes."""
    if draw(st.integers(0, 9)) == 0:
        return draw(_TEXT)
    status = draw(_mostly("200", "304", "2000", "٢٠٠", "-", "20"))
    size = draw(_mostly("512", "-", "0", "5a", ""))
    head = draw(_mostly("203.0.113.7", "shop.example.com 203.0.113.7", "a:443 b", ""))
    time = draw(_mostly("02/Nov/2026:09:15:03 +0100", "x", "", "02/Nov/2026:09:15:03"))
    request = draw(_mostly("GET /cart?x=1 HTTP/1.1", "GET / HTTP/1.1", "-"))
    parts = [
        f"{head}{draw(_TEXT)} - {draw(_TEXT) or '-'} [{time}{draw(_TEXT)}]",
        f'"{request}{draw(_TEXT)}"',
        f"{status} {size}",
    ]
    if draw(st.booleans()):
        parts += [f'"{draw(_TEXT)}"', f'"{draw(_TEXT)}"']
    ending = draw(_mostly("", " ", "\t", ' "x"', '"', ' "-"', ' "203.0.113.7, 10.0.0.1"', ' ""'))
    return " ".join(parts) + ending


def _decoded(lines: list[str], junk: bytes) -> list[str]:
    """The lines as the reader decodes them, with some invalid UTF-8 in the first."""
    data = "\n".join(lines).encode() if lines else b""
    return parse_line_bytes(junk + data).to_list() if data or junk else []


@settings(max_examples=80, deadline=None)
@given(
    st.lists(clf_lines(), min_size=1, max_size=12),
    st.sampled_from([b"", b"\xff", b"\xc3(", b'\xe2\x82"']),
)
def test_fast_and_exact_paths_agree_on_hostile_lines(lines: list[str], junk: bytes) -> None:
    decoded = _decoded([COMBINED_LINE, *lines], junk)
    for fmt in SPLIT_FORMATS:
        fast, exact = both_ways(fmt, decoded)
        assert fast.equals(exact), (fmt.name, decoded)


REAL = Path(__file__).parent / "fixtures" / "real"
SAMPLE = Path(__file__).parent.parent / "sample_logs" / "access.log"


@pytest.mark.parametrize("fmt", SPLIT_FORMATS, ids=[fmt.name for fmt in SPLIT_FORMATS])
def test_real_and_sample_logs_read_alike_both_ways(fmt: SplitClf) -> None:
    # Every line of the collected real logs (of every format) and of the sample log.
    lines = [
        line
        for path in [SAMPLE, *sorted(REAL.glob("*.log"))]
        for line in parse_line_bytes(path.read_bytes()).to_list()
    ]
    fast, exact = both_ways(fmt, lines)
    assert fast.equals(exact)
    if fmt is COMBINED:
        assert fmt.proven(pl.Series(lines)).sum() > 4_000  # the sample log's lines, mostly


def test_distinct_values_are_coded_alike_by_the_join(monkeypatch: pytest.MonkeyPatch) -> None:
    values = pl.Series("request", ["GET / HTTP/1.1", None, "x", "GET / HTTP/1.1", "", None])
    distinct, codes = distinct_codes(values)
    assert distinct.null_count() == 0
    assert distinct.gather(codes).to_list() == values.to_list()
    # Where the categorical's categories cannot be read back, a join gives the same codes.
    monkeypatch.setattr(pl.Categories, "to_series", lambda _: pl.Series([], dtype=pl.String))
    by_join, join_codes = distinct_codes(values)
    assert by_join.to_list() == distinct.to_list()
    assert join_codes.to_list() == codes.to_list()
    fast, exact = both_ways(COMBINED, [COMBINED_LINE, COMBINED_LINE, f'{HEAD} "-" 400 0 "-" "-"'])
    assert fast.equals(exact)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.text(alphabet="ab/ é\x00", max_size=4)), max_size=60),
    st.sampled_from([0, 3, 2048]),
)
def test_distinct_values_are_coded_in_the_order_met_however_many_they_are(
    values: list[str | None], listed: int
) -> None:
    """Read back one by one (a few) or by a sort (many, past ``_LISTED_CATEGORIES``): the
    distinct values in the order first met, each line's code its value's place among them."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fields, "_LISTED_CATEGORIES", listed)
        distinct, codes = distinct_codes(pl.Series("path", values, dtype=pl.String))
    expected = list(dict.fromkeys(value for value in values if value is not None))
    assert (distinct.name, distinct.to_list()) == ("path", expected)
    assert codes.to_list() == [None if v is None else expected.index(v) for v in values]


_REQUESTS = st.sampled_from(
    [
        "GET / HTTP/1.1",
        "GET /a?x=1 HTTP/2.0",
        "POST http://shop.example:8080/cart/add/7?q HTTP/1.1",
        "GET //two HTTP/1.0",
        "-",
        "",
        "\x16\x03\x01",
        "OPTIONS * HTTP/1.1",
    ]
)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.none(), _REQUESTS, st.text(max_size=12)), max_size=40))
def test_requests_are_split_alike_whether_they_repeat_or_not(requests: list[str | None]) -> None:
    """Split once per distinct request line (where the lines repeat them) or line by line
    (where they hardly do): the same parts for every line."""
    series = pl.Series("request", requests, dtype=pl.String)
    parts = {}
    for distinct in (True, False):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(fields, "_mostly_distinct", lambda _, distinct=distinct: distinct)
            parts[distinct] = fields._request_parts(series, fields.REQUEST_LINE)
    assert [part.to_list() for part in parts[True]] == [part.to_list() for part in parts[False]]
    assert all(part.len() == len(requests) for part in parts[True])


_HEAD_TEXT = st.text(alphabet=" ,:[]-a0.٢", max_size=14)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_HEAD_TEXT, st.booleans()), min_size=1, max_size=20))
def test_the_head_is_checked_as_the_regex_checks_it(heads: list[tuple[str, bool]]) -> None:
    texts = [f"{text}] " if closed else text for text, closed in heads] + [
        "203.0.113.7 - - [02/Nov/2026:09:15:03 +0100] ",
        "shop:443 203.0.113.7 - - [t] ",
        "a - b [[t] ",
        "a - - [x]y] ",
        "a,b - - [t] ",
        "a  - [t] ",
        "a - - [] ",
        "a - - [t]  ",
    ]
    for vhost, regex in (
        (False, r'^[^ ,"]+ [^ ]+ [^ ]+ \[[^\]]+\] $'),
        (True, r'^[^ :,"]+(?::\d+)? [^ ,"]+ [^ ]+ [^ ]+ \[[^\]]+\] $'),
    ):
        first = 1 if vhost else 0
        frame = pl.DataFrame({"head": texts}).with_columns(
            _tokens=pl.col("head").str.splitn(" ", 4 + first)
        )
        shape = _head_shape(lambda n: pl.col("_tokens").struct.field(f"field_{n}"), first)
        checked = frame.select(shape.fill_null(False)).to_series().to_list()
        assert checked == frame.select(pl.col("head").str.contains(regex)).to_series().to_list()
