"""JSON lines read the fast way (the fields made in memory, the request lines split once per
distinct line, an address or a number rewritten only where its regex may change it, the written
times tried only on values holding a ``:``) read exactly as the plain way reads them: every
regex on every value, every request line split on its own, every way of writing a time tried
on every value at once. Whatever the lines hold: bad JSON, quotes, backslashes, invalid UTF-8,
objects where text belongs, repeated keys, addresses with ports, numbers with fractions.
"""

from __future__ import annotations

import json
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micromacro.line_chunks import parse_line_bytes
from micromacro.logformats.fields import ISO8601, normalize
from micromacro.logformats.jsonlines import JSON_LINES, JSON_TABLE, spelling_values, spellings_in
from micromacro.logformats.keyed import (
    RAW_FIELDS,
    TEXT_FIELDS,
    _address,
    _whole_number,
    epoch_times,
    logged_times,
)
from tests.helpers import lines_frame
from tests.test_json_decoding import BREAKER, json_lines

# Values that take the rewriting paths: ports, brackets, fractions, exponents, text.
_ADDRESSES = [
    *("203.0.113.7", "203.0.113.7:51234", "[2001:db8::7]:50112", "[2001:db8::7]", "2001:db8::7"),
    *("[]", "[x", "1.2.3.4:", ":80", "-", "", "1.2.3.4.5:6", 7, 7.5),
]
_NUMBERS = [
    *("200", "200.0", "200.", "2e2", "200.00", ".0", "1.5", "-", "", "x.0", "-1.0", "-0.0"),
    *(200, 2e2, 200.0, -1.0, -0.0, -1),
]


@st.composite
def hostile_lines(draw: st.DrawFn) -> str:
    """A JSON line as ``json_lines`` makes them, or one written by hand to be hard to read: a
    repeated key, an object where text belongs, an address or a number of every shape."""
    if draw(st.booleans()):
        return draw(json_lines())
    members: dict[str, Any] = {
        "time": draw(
            st.sampled_from(["2026-11-02T09:15:03Z", "1793610903.5", "02/Nov/2026:09:15"])
        ),
        "ip": draw(st.sampled_from(_ADDRESSES)),
        "path": "/" + draw(st.sampled_from(["p", "p?q=1", "a b", ""])),
        "status": draw(st.sampled_from(_NUMBERS)),
        "length": draw(st.sampled_from(_NUMBERS)),
        "user_agent": draw(st.sampled_from(["ua", {"x": 1}, ["ua"], '\\"q\\"'])),
    }
    text = json.dumps(members)
    repeated = draw(
        st.sampled_from(["", ',"ip":"198.51.100.2"', ',"status":"404"', ',"path":"/x"'])
    )
    return text[:-1] + repeated + "}"


def _plain_parse(table: pl.DataFrame) -> pl.DataFrame:
    """The chunk read the plain way (see the module's docstring)."""
    by_field = spellings_in(table.get_column("line"))
    spellings = list(dict.fromkeys(s for found in by_field.values() for s in found))
    values = spelling_values(table.get_column("line"), spellings)
    fields = JSON_TABLE.fields(by_field)
    read = fields.with_values(table, values).with_columns(_line=fields.request_line())
    raw = pl.struct(
        _address(fields.first("ip")).alias("ip"),
        fields.request().alias("request"),
        _whole_number(fields.first("status")).alias("status"),
        _whole_number(fields.first("bytes")).alias("bytes"),
        *(fields.first(name).alias(name) for name in TEXT_FIELDS),
    )
    typed = read.lazy().with_columns(
        _fields=raw,
        _variant=fields.convention(),
        _ts=logged_times(read.select(fields.first("time")).to_series()),
    )
    parsed = normalize(typed, RAW_FIELDS, ISO8601, ts=pl.col("_ts"), variant=pl.col("_variant"))
    working = [name for name in read.columns if name not in table.columns]
    return parsed.drop(*working, "_variant", "_ts").collect()


def _fast_parse(table: pl.DataFrame) -> pl.DataFrame:
    return JSON_LINES.parse(table.lazy()).collect()


@settings(max_examples=150, deadline=None)
@given(
    st.lists(hostile_lines(), min_size=1, max_size=40),
    st.sampled_from([b"", b"\xff", b"\xc3(", b"\xed\xa0\x80"]),
    st.booleans(),
)
def test_the_fast_way_reads_every_line_as_the_plain_way(
    lines: list[str], junk: bytes, breaker: bool
) -> None:
    # Invalid UTF-8 as the line reader leaves it; a breaker sends the block to json_path_match.
    read = parse_line_bytes(junk + "\n".join([*lines, *([BREAKER] if breaker else [])]).encode())
    table = lines_frame(read.to_list())
    assert _fast_parse(table).equals(_plain_parse(table))


@pytest.mark.parametrize("number", ["-1.0", "-0.0", "-1", "2e2", "200.0"])
def test_a_number_reads_alike_whichever_way_its_block_is_read(number: str) -> None:
    """Decoded with its block, or read field by field beside a line that is no JSON: a whole
    number written with a fraction, a sign or an exponent is the same number."""
    line = (
        '{"time_local":"02/Nov/2026:09:15:03 +0100","remote_addr":"203.0.113.7",'
        f'"request":"GET /p HTTP/1.1","status":{number},"body_bytes_sent":{number}}}'
    )
    alone = _fast_parse(lines_frame([line])).select("parsed", "status", "bytes")
    beside = _fast_parse(lines_frame([line, BREAKER])).select("parsed", "status", "bytes")
    assert alone.row(0) == beside.row(0) == (True, int(float(number)), int(float(number)))


def test_the_fast_way_reads_a_log_of_one_shape_as_the_plain_way() -> None:
    # Many lines of one convention, their requests repeated: each distinct one split once.
    nginx = {
        "time_local": "02/Nov/2026:09:15:03 +0100",
        "remote_addr": "203.0.113.7",
        "request": "GET /p?q=1 HTTP/1.1",
        "status": "200",
        "body_bytes_sent": "5123",
    }
    lines = [json.dumps({**nginx, "request": f"GET /p{n % 7} HTTP/1.1"}) for n in range(200)]
    lines += ['{"ip":"[2001:db8::7]:80","path":"/p","status":"2e2","time":"1793610903"}'] * 3
    table = lines_frame(lines)
    assert _fast_parse(table).equals(_plain_parse(table))


@settings(deadline=None)
@given(
    st.lists(
        st.from_regex(r"\A[0-9]{1,19}(\.[0-9]{0,9})?\Z") | st.sampled_from(["1e9", "-1", "x"]),
        max_size=20,
    )
)
def test_epoch_numbers_read_their_fraction_as_digits(values: list[str]) -> None:
    # The milliseconds' fraction is the first three of the microseconds' six digits.
    text = pl.Series("t", values, dtype=pl.String)
    times = epoch_times(text)
    for value, time in zip(values, times.to_list(), strict=True):
        whole, _, fraction = value.partition(".")
        if not whole.isdigit() or time is None:
            continue
        number = int(whole)
        if number < 10**11:
            micros = number * 1_000_000 + int((fraction + "000000")[:6])
        elif number < 10**14:
            micros = number * 1_000 + int((fraction + "000")[:3])
        else:
            continue
        assert int(time.timestamp()) * 1_000_000 + time.microsecond == micros
