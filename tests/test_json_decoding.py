"""JSON lines read by the vectorised decoder (blocks of a chunk decoded at once, one decode a line)
read exactly as the per-field path reads them, and as ``json.loads`` says, whatever the strings
hold; a bad line sends only its own small block to the per-field path.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micromacro.line_chunks import parse_line_bytes
from micromacro.logformats import jsonlines, parse_access_lines
from micromacro.logformats.jsonlines import JSON_LINES
from micromacro.logformats.keyed import epoch_times, logged_times
from micromacro.periods import LATEST
from tests.helpers import json_decoder_off, lines_frame

BREAKER = "{}{}"  # a line json_decode cannot read: no JSON
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"

# Text a value may hold: quotes, backslashes, brackets, escapes, other scripts, controls.
_PIECES = st.sampled_from(
    [
        *('"', "\\", "[", "]", "{", "}", " ", ",", ":", "\t", "\n", "\x00", "\x1b", "é", "٢"),
        *("\u2028", "GET", "/p", "?q=1", "Mozilla", "-", ""),
    ]
)
_TEXT = st.lists(_PIECES, max_size=6).map("".join)


@st.composite
def objects(draw: st.DrawFn) -> dict[str, Any]:
    """An nginx or Caddy access-log object, some members missing, some values hostile."""
    status = draw(st.sampled_from([200, 304, 200.0, "200", "404", "x", None]))
    path = "/" + draw(_TEXT)
    agent = draw(st.sampled_from([FIREFOX, ""])) + draw(_TEXT)
    if draw(st.booleans()):
        nginx: dict[str, Any] = {
            "time_local": draw(st.sampled_from(["02/Nov/2026:09:15:03 +0100", "soon", ""])),
            "remote_addr": draw(st.sampled_from(["203.0.113.7", "-", "", "[2001:db8::7]:80"])),
            "request": draw(st.sampled_from(["GET ", "POST ", ""])) + path + " HTTP/1.1",
            "status": status,
            "body_bytes_sent": draw(st.sampled_from([5123, "5123", "-", 0.0])),
            "http_referer": draw(_TEXT),
            "http_user_agent": agent,
        }
        drop = draw(st.sets(st.sampled_from(sorted(nginx)), max_size=2))
        return {key: value for key, value in nginx.items() if key not in drop}
    # A header is a list of values, or a plain value (one that starts like no JSON list or
    # object: the module says why the two paths may differ there).
    referrer = draw(_TEXT)
    plain = "r" + referrer
    headers: dict[str, Any] = {
        "User-Agent": [agent],
        "Referer": draw(st.sampled_from([[referrer], plain])),
    }
    if draw(st.booleans()):
        headers["Accept"] = ["text/html", draw(_TEXT)]
    return {
        "level": "info",
        "ts": draw(st.sampled_from([1793610903.25, 1793610903250, "2026-11-02T09:15:03Z", -1])),
        "request": {
            "remote_ip": draw(st.sampled_from(["203.0.113.7", "2001:db8::7", ""])),
            "method": draw(st.sampled_from(["GET", "POST", "G ET", ""])),
            "uri": path,
            "headers": headers,
        },
        "status": status,
        "size": draw(st.sampled_from([5123, 0, None])),
    }


@st.composite
def json_lines(draw: st.DrawFn) -> str:
    """A JSON line, or a bad one: cut short, an array, two objects, plain text."""
    text = json.dumps(draw(objects()), ensure_ascii=draw(st.booleans()))
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return text[: draw(st.integers(0, len(text)))]
    if kind == 1:
        return draw(st.sampled_from(["[1, 2]", "not json", "", BREAKER, "{" + draw(_TEXT) + "}"]))
    return text


def parse(lines: list[str]) -> pl.DataFrame:
    return parse_access_lines(lines_frame(lines).lazy(), JSON_LINES).collect()


def _reference_agent(line: str) -> object:
    """The user agent ``json.loads`` finds in a line (None where there is none)."""
    try:
        value = json.loads(line)
    except ValueError:
        return None
    if not isinstance(value, dict):
        return None
    agent = value.get("http_user_agent")
    request = value.get("request")
    if agent is None and isinstance(request, dict):
        listed = request.get("headers", {}).get("User-Agent")
        agent = listed[0] if isinstance(listed, list) and listed else None
    return None if agent in ("", "-") else agent


@settings(max_examples=80, deadline=None)
@given(
    st.lists(json_lines(), min_size=1, max_size=40),
    st.sampled_from([b"", b"\xff", b"\xc3("]),
    st.sampled_from([jsonlines._DECODED_BYTES, 1, 400]),
)
def test_decoded_and_per_field_reads_agree(lines: list[str], junk: bytes, piece: int) -> None:
    # A block is decoded in pieces of ``piece`` bytes: the whole block, a line, a few lines.
    decoded_lines = parse_line_bytes(junk + "\n".join(lines).encode()).to_list()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(jsonlines, "_DECODED_BYTES", piece)
        decoded = parse(decoded_lines)
    with json_decoder_off():  # every line read field by field
        per_field = parse(decoded_lines)
    assert decoded.equals(per_field)
    for line, row in zip(decoded_lines, decoded.iter_rows(named=True), strict=True):
        if row["parsed"]:
            assert row["user_agent"] == _reference_agent(line)


def test_a_bad_line_sends_only_its_block_to_the_per_field_path() -> None:
    good = json.dumps({"time": "2026-11-02T09:15:03Z", "ip": "203.0.113.7", "path": "/p"})
    lines = [good] * 20_000
    lines[15_000] = BREAKER
    frame = parse(lines)
    assert frame["parsed"].sum() == 19_999
    assert frame["line_no"].to_list() == list(range(1, 20_001))


@settings(deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                *("02/Nov/2026:09:15:03 +0100", "2026-11-02T09:15:03Z", "2026-11-02 09:15:03.5"),
                *("1793610903", "1793610903250", "x", "-1", "", "1.79361090325e+18"),
                *("2026-11-02", "20261102T091503Z", "2026-11-02T091503+0100", "09:15:03"),
                *("02/Nov/2026:09:15:03+0100", "2026-11-02T09:15Z", "+1793610903", "1e9"),
            ]
        )
        | st.none(),
        max_size=20,
    )
)
def test_times_read_together_as_each_alone(values: list[str | None]) -> None:
    """Each way is tried on the values the ways before it left: a value's time is the one it
    has alone, whatever the values beside it (each alone is read by every way at once)."""
    text = pl.Series("t", values, dtype=pl.String)
    alone = [logged_times(pl.Series("t", [value], dtype=pl.String))[0] for value in values]
    assert logged_times(text).to_list() == alone


def test_an_epoch_number_reads_alike_alone_and_among_others() -> None:
    # Nanoseconds written with an exponent: the same instant in a block of one line as of many.
    alone = logged_times(pl.Series(["1.79361090325e+18"]))
    among = logged_times(pl.Series(["1.79361090325e+18", "1793610903"]))
    assert alone[0] == among[0]
    assert alone.dt.microsecond()[0] == 250_000


def _epoch_micros(value: str | None) -> int | None:
    """The microseconds since the epoch an epoch number writes, worked out in Python: digits
    (a fraction cut at the microsecond) by magnitude, a number with an exponent or a sign as a
    double, beyond 2**63 nanoseconds the first time out of range."""
    if value is None:
        return None
    decimal = re.fullmatch(r"([0-9]+)(?:\.([0-9]*))?", value)
    if decimal and int(decimal[1]) < 2**63:
        whole, micros = int(decimal[1]), int(((decimal[2] or "") + "000000")[:6])
        if whole < 10**11:
            return whole * 1_000_000 + micros
        if whole < 10**14:
            return whole * 1_000 + micros // 1_000
        return whole if whole < 10**17 else whole // 1_000
    try:
        number = float(value)
    except ValueError:
        return None
    if number < 0 or math.isnan(number):
        return None
    if number >= 2**63:
        return int(LATEST.timestamp()) * 1_000_000
    scale = 1e6 if number < 1e11 else 1e3 if number < 1e14 else 1.0 if number < 1e17 else 1e-3
    return math.floor(number * scale)


@settings(deadline=None)
@given(
    st.lists(
        st.from_regex(r"\A[0-9]{1,24}(\.[0-9]{0,9})?\Z")
        | st.sampled_from(["1e9", "-1", "-0.5", "+1793610903", "1.79361090325e+18", "2e30"])
        | st.sampled_from(["x", "", "1.2.3", "nan"])
        | st.none(),
        max_size=20,
    )
)
def test_epoch_numbers_read_as_worked_out_in_python(values: list[str | None]) -> None:
    times = epoch_times(pl.Series("t", values, dtype=pl.String))
    assert times.dt.epoch("us").to_list() == [_epoch_micros(value) for value in values]


def test_a_line_that_is_no_json_leaves_the_others_of_its_block_decoded() -> None:
    """A key repeated in one object is read by its first copy, as the decoder reads it; a line
    two writers cut into each other (no JSON, no value) in the block does not hand the other
    lines to the per-field path, which would read the last copy."""
    lines = [
        json.dumps({"time": "2026-11-02T09:15:03Z", "ip": "203.0.113.7", "path": f"/p{n}"})[:-1]
        + ', "status": "200", "status": "502"}'
        for n in range(300)
    ]
    lines[150] = lines[150][:40] + lines[151]
    frame = parse(lines)
    assert frame["parsed"].to_list() == [n != 150 for n in range(300)]
    assert frame.filter("parsed")["status"].unique().to_list() == [200]


def test_a_text_that_is_an_object_on_the_first_line_is_read_on_the_others() -> None:
    """A Beats event's ``host`` is an object (no host); the request lines after it in the chunk,
    whose ``host`` is a text, keep theirs."""
    beats = json.dumps(
        {
            "@timestamp": "2026-11-02T07:59:00.000Z",
            "source": {"ip": "198.51.100.9"},
            "url": {"original": "/health"},
            "host": {"name": "web1"},
        }
    )
    nginx = json.dumps(
        {
            "time_local": "02/Nov/2026:09:15:03 +0000",
            "remote_addr": "203.0.113.7",
            "request": "GET / HTTP/1.1",
            "status": "200",
            "host": "shop.example.com",
        }
    )
    frame = parse([beats, nginx, nginx])
    assert frame["host"].to_list() == [None, "shop.example.com", "shop.example.com"]


def test_lines_only_the_decoder_reads_stay_read_beside_a_broken_line() -> None:
    """A lone surrogate escape (a string cut in an emoji) and nesting 130 deep: the decoder
    reads such lines, ``json_path_match`` finds no JSON in them. A broken line in their block
    leaves them read, as they are without it."""
    base = {"time": "2026-11-02T09:15:03Z", "ip": "203.0.113.7", "path": "/p"}
    plain = json.dumps(base)
    cut_emoji = plain[:-1] + ', "referrer": "https://x.example/\\ud83d"}'
    deep = plain[:-1] + ', "context": ' + "[" * 130 + "]" * 130 + "}"
    lines = [plain] * 300
    lines[10], lines[20] = cut_emoji, deep
    assert parse(lines)["parsed"].all()
    lines[290] = BREAKER
    assert parse(lines)["parsed"].to_list() == [n != 290 for n in range(300)]
