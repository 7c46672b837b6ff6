"""W3C extended logs (IIS) and CloudFront standard logs: header-driven parsing into hit fields."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from click.testing import CliRunner

from micromacro.cli import cli
from micromacro.hits import HitFilter, canonical_hits, classify_lines
from micromacro.inputs import Inputs
from micromacro.logformats import FORMATS, LogFormat, detect_format
from micromacro.logformats.fields import first_forwarded_ip
from micromacro.logformats.w3c import (
    CLOUDFRONT,
    CLOUDFRONT_ANY,
    W3C,
    W3C_ANY,
    W3C_FAMILIES,
    W3C_FORMATS,
    percent_decoded,
)
from tests.helpers import combined_line, lines_frame

FIXTURES = Path(__file__).parent / "fixtures" / "formats"
IIS_LOG = FIXTURES / "w3c_iis.log"
IIS_CUT_LOG = FIXTURES / "w3c_iis_cut.log"
CLOUDFRONT_LOG = FIXTURES / "cloudfront.log"

IIS_HEADER = (
    "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip "
    "cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken"
)
IIS_LINE = (
    "2026-11-02 08:15:03 10.0.0.4 GET /products/tent - 443 - 203.0.113.7 "
    "Mozilla/5.0+(X11;+Linux+x86_64) - 200 0 0 46"
)
SHORT_HEADER = "#Fields: date time c-ip cs-method cs-uri-stem sc-status"
HIT_FIELDS = ("ts", "ip", "method", "path", "query", "status", "bytes", "referrer", "user_agent")


def read_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def parse_chunks(fmt: LogFormat, *chunks: pl.DataFrame) -> list[pl.DataFrame]:
    """Each chunk parsed in order by one parser, as a run does."""
    parse = fmt.parser()
    return [parse(chunk.lazy()).collect() for chunk in chunks]


def parse_lines(fmt: LogFormat, lines: list[str], source: str = "test.log") -> pl.DataFrame:
    return parse_chunks(fmt, lines_frame(lines, source))[0]


def row(frame: pl.DataFrame, line_no: int) -> dict[str, Any]:
    return frame.filter(pl.col("line_no") == line_no).row(0, named=True)


def at(hour: int, minute: int, second: int) -> datetime:
    return datetime(2026, 11, 2, hour, minute, second, tzinfo=UTC)


def chunk(lines: list[str], first_line_no: int, source: str = "test.log") -> pl.DataFrame:
    """Lines of ``source`` numbered from ``first_line_no``, as a later chunk of the file."""
    return lines_frame(lines, source).with_columns(pl.col("line_no") + (first_line_no - 1))


# --- IIS ---------------------------------------------------------------------------------


def test_iis_fixture_fields_are_read_exactly() -> None:
    frame = parse_lines(W3C, read_lines(IIS_LOG))
    first = row(frame, 5)
    assert first["parsed"] is True
    assert first["ts"] == at(8, 15, 3)
    assert first["ip"] == "203.0.113.7"
    assert (first["method"], first["path"], first["query"]) == (
        "GET",
        "/products/tent",
        "color=red&size=2",
    )
    assert (first["status"], first["bytes"]) == (200, None)  # no sc-bytes in this header
    assert first["referrer"] == "https://www.google.com/search?q=tent"
    assert first["user_agent"] == (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/130.0.0.0 Safari/537.36"
    )
    ipv6 = row(frame, 6)
    assert (ipv6["ip"], ipv6["method"], ipv6["path"], ipv6["query"], ipv6["status"]) == (
        "2001:db8:85a3::8a2e:370:7334",
        "POST",
        "/cart/add",
        None,
        302,
    )
    assert ipv6["referrer"] == "https://shop.example.com/products/tent"
    assert ipv6["user_agent"].startswith("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X)")


def test_iis_dash_values_are_null() -> None:
    frame = parse_lines(W3C, read_lines(IIS_LOG))
    dashes = row(frame, 7)
    assert dashes["parsed"] is True
    assert (dashes["ts"], dashes["ip"], dashes["path"], dashes["query"]) == (
        at(8, 16, 30),
        "198.51.100.23",
        "/checkout/thank-you",
        "order=1042",
    )
    assert (dashes["user_agent"], dashes["referrer"], dashes["host"]) == (None, None, None)
    missing = row(frame, 8)
    assert (missing["status"], missing["user_agent"], missing["query"]) == (404, "curl/8.5.0", None)


def test_iis_header_change_mid_file() -> None:
    frame = parse_lines(W3C, read_lines(IIS_LOG))
    after = row(frame, 13)
    assert after["parsed"] is True
    assert after["ts"] == at(9, 0, 5)
    assert (after["ip"], after["method"], after["path"], after["query"]) == (
        "10.0.0.9",
        "GET",
        "/products/stove",
        None,
    )
    assert (after["status"], after["bytes"], after["host"]) == (200, 7311, "shop.example.com")
    assert (
        after["user_agent"]
        == "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
    )
    assert after["forwarded_for"] == "203.0.113.50"
    head = row(frame, 15)
    assert (head["method"], head["path"], head["bytes"], head["forwarded_for"]) == (
        "HEAD",
        "/",
        0,
        None,
    )
    assert head["user_agent"] == "Pingdom.com_bot_version_1.4"


def test_iis_fixture_lines_land_in_their_buckets() -> None:
    frame = parse_lines(W3C, read_lines(IIS_LOG))
    assert frame["comment"].to_list() == [True] * 4 + [False] * 4 + [True] * 4 + [False] * 3
    # Line 14 is cut: 6 values for the 20 fields of its header.
    assert frame["parsed"].to_list() == [False] * 4 + [True] * 4 + [False] * 4 + [True, False, True]
    classified = canonical_hits(classify_lines(frame, HitFilter()))
    buckets = classified.sort("line_no")["bucket"].cast(str).to_list()
    assert buckets.count("comment") == 8
    assert buckets.count("malformed") == 1


def test_iis_spaces_in_forwarded_for_and_the_referrer_plus_is_kept() -> None:
    header = "#Fields: date time c-ip cs-method cs-uri-stem cs(Referer) X-Forwarded-For"
    line = (
        "2026-11-02 08:15:03 10.0.0.9 GET /search https://www.bing.com/search?q=tent+care "
        "203.0.113.50,+10.0.0.9"
    )
    found = parse_lines(W3C, [header, line]).row(1, named=True)
    assert found["referrer"] == "https://www.bing.com/search?q=tent+care"
    assert found["forwarded_for"] == "203.0.113.50, 10.0.0.9"


def test_header_in_one_chunk_and_its_data_in_the_next() -> None:
    first, second = parse_chunks(
        W3C,
        chunk(["#Version: 1.0", IIS_HEADER], 1),
        chunk([IIS_LINE, IIS_LINE.replace("08:15:03", "08:15:04")], 3),
    )
    assert first["comment"].to_list() == [True, True]
    assert second["parsed"].to_list() == [True, True]
    assert second["ts"].to_list() == [at(8, 15, 3), at(8, 15, 4)]
    assert second["user_agent"].to_list() == ["Mozilla/5.0 (X11; Linux x86_64)"] * 2


def test_a_later_chunk_uses_the_header_that_changed_in_the_earlier_one() -> None:
    short_line = "2026-11-02 09:00:00 203.0.113.9 GET /later 200"
    _, _, third = parse_chunks(
        W3C,
        chunk([IIS_HEADER, IIS_LINE], 1),
        chunk([SHORT_HEADER], 3),
        chunk([short_line, IIS_LINE], 4),
    )
    assert third["parsed"].to_list() == [True, False]  # the long line no longer fits
    assert row(third, 4)["path"] == "/later"
    assert row(third, 4)["ip"] == "203.0.113.9"


def test_a_carried_header_holds_until_the_chunk_changes_it() -> None:
    short_line = "2026-11-02 09:00:00 203.0.113.9 GET /later 200"
    _, second = parse_chunks(
        W3C,
        chunk([IIS_HEADER], 1),
        chunk([IIS_LINE, SHORT_HEADER, short_line, IIS_LINE], 2),
    )
    assert second["parsed"].to_list() == [True, False, True, False]
    assert second["path"].to_list() == ["/products/tent", None, "/later", None]


def test_small_chunks_of_two_files_read_as_one_chunk_each(tmp_path: Path) -> None:
    names = [tmp_path / "a.log", tmp_path / "b.log"]
    for name in names:
        name.write_bytes(IIS_LOG.read_bytes())
    whole = pl.concat([parse_lines(W3C, read_lines(IIS_LOG), str(name)) for name in names])
    with Inputs([str(name) for name in names]) as inputs:
        parse = W3C.parser()
        chunks = [parse(part.lines.lazy()).collect() for part in inputs.line_chunks(300)]
    assert len(chunks) > 10
    chunked = pl.concat(chunks).with_columns(pl.col("source_file").cast(pl.String))
    assert chunked.drop("line").equals(whole.drop("line"))
    assert chunked["parsed"].sum() == 12  # 6 data lines of each file


def test_two_files_each_with_its_own_header() -> None:
    short_line = "2026-11-02 09:00:00 203.0.113.9 GET /b-page 200"
    both = pl.concat(
        [
            lines_frame([IIS_HEADER, IIS_LINE], "a.log"),
            lines_frame([SHORT_HEADER, short_line], "b.log"),
        ]
    )
    frame = parse_chunks(W3C, both)[0]
    assert frame["parsed"].to_list() == [False, True, False, True]
    assert frame["path"].to_list() == [None, "/products/tent", None, "/b-page"]
    assert frame["status"].to_list() == [None, 200, None, 200]


def test_a_file_does_not_inherit_the_header_of_another() -> None:
    _, second = parse_chunks(
        W3C,
        chunk([IIS_HEADER, IIS_LINE], 1, "a.log"),
        pl.concat([chunk([IIS_LINE], 1, "b.log"), chunk([IIS_LINE], 3, "a.log")]),
    )
    assert second["source_file"].to_list() == ["b.log", "a.log"]
    assert second["parsed"].to_list() == [False, True]


def test_data_before_any_header_is_malformed() -> None:
    frame = parse_lines(W3C, [IIS_LINE, "#Version: 1.0", IIS_LINE, IIS_HEADER, IIS_LINE])
    assert frame["parsed"].to_list() == [False, False, False, False, True]
    assert frame["comment"].to_list() == [False, True, False, True, False]


@pytest.mark.parametrize(
    "line",
    [
        pytest.param(IIS_LINE + " 99", id="one value too many"),
        pytest.param(IIS_LINE.rsplit(" ", 1)[0], id="one value too few"),
        pytest.param(IIS_LINE.replace(" ", "\t"), id="tab-separated"),
        pytest.param("", id="empty"),
        pytest.param(combined_line(), id="combined"),
    ],
)
def test_lines_that_do_not_fit_the_header_are_malformed(line: str) -> None:
    frame = parse_lines(W3C, [IIS_HEADER, line])
    assert frame["parsed"].to_list() == [False, False]
    assert frame["comment"].to_list() == [True, False]


@pytest.mark.parametrize(
    ("date", "time"),
    [("2026-11-31", "08:15:03"), ("2026-11-02", "25:00:00"), ("02/11/2026", "08:15:03")],
)
def test_an_impossible_date_or_time_is_malformed(date: str, time: str) -> None:
    line = IIS_LINE.replace("2026-11-02 08:15:03", f"{date} {time}")
    assert parse_lines(W3C, [IIS_HEADER, line])["parsed"].to_list() == [False, False]


def test_fractional_seconds_and_field_names_in_any_case() -> None:
    header = "#Fields: DATE Time C-IP cs-method CS-URI-STEM cs(user-agent) SC-STATUS"
    line = "2026-11-02 08:15:03.250 203.0.113.7 GET /a Firefox/128.0 200"
    found = parse_lines(W3C, [header, line]).row(1, named=True)
    assert found["ts"] == datetime(2026, 11, 2, 8, 15, 3, 250_000, tzinfo=UTC)
    assert (found["ip"], found["path"], found["user_agent"], found["status"]) == (
        "203.0.113.7",
        "/a",
        "Firefox/128.0",
        200,
    )


def test_a_header_without_method_reads_gets_and_one_without_date_is_malformed() -> None:
    no_method = "#Fields: date time c-ip cs-uri-stem sc-status"
    no_date = "#Fields: time c-ip cs-method cs-uri-stem sc-status"
    frame = parse_lines(
        W3C,
        [
            no_method,
            "2026-11-02 08:15:03 203.0.113.7 /a 200",
            no_date,
            "08:15:04 203.0.113.7 GET /b 200",
        ],
    )
    assert frame["parsed"].to_list() == [False, True, False, False]
    assert frame["method"].to_list() == [None, "GET", None, "GET"]
    assert frame["ts"].to_list() == [None, at(8, 15, 3), None, None]


def test_hostile_values_never_raise() -> None:
    header = "#Fields: date time c-ip cs-method cs-uri-stem cs-uri-query cs(User-Agent) sc-status"
    long_query = "q=" + "A" * 1_000_000
    lines = [
        header,
        "2026-11-02 08:15:03 203.0.113.7 GET /caf\ufffd\ufffd - Mozilla/5.0+\ufffd\ufffd 200",
        "2026-11-02 08:15:04 203.0.113.7 GET /\x1b[31mred - \x1b]0;pwned\x07+agent 200",
        f"2026-11-02 08:15:05 203.0.113.7 GET /long {long_query} curl/8.5.0 200",
        "x" * 1_000_000,
        " " * 1_000_000,
        "#" + "F" * 1_000_000,
    ]
    frame = parse_lines(W3C, lines)
    assert frame["parsed"].to_list() == [False, True, True, True, False, False, False]
    assert frame["path"].to_list()[1:4] == ["/caf\ufffd\ufffd", "/\x1b[31mred", "/long"]
    assert frame["user_agent"].to_list()[1:3] == [
        "Mozilla/5.0 \ufffd\ufffd",
        "\x1b]0;pwned\x07 agent",
    ]
    assert frame["query"][3] == long_query


# --- CloudFront --------------------------------------------------------------------------


def test_cloudfront_fixture_fields_are_read_exactly() -> None:
    frame = parse_lines(CLOUDFRONT, read_lines(CLOUDFRONT_LOG))
    assert frame["comment"].to_list() == [True, True, False, False, False, False]
    assert frame["parsed"].to_list() == [False, False, True, True, True, False]
    first = row(frame, 3)
    assert first["ts"] == at(8, 15, 3)
    assert (first["ip"], first["method"], first["path"], first["query"]) == (
        "203.0.113.7",
        "GET",
        "/products/tent",
        "color=red&size=2",
    )
    assert (first["status"], first["bytes"]) == (200, 5123)
    assert first["referrer"] == "https://www.google.com/search?q=tent"
    assert first["user_agent"] == (
        "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
    )
    assert (first["host"], first["forwarded_for"]) == ("shop.example.com", None)


def test_cloudfront_escapes_are_undone_once_and_user_agents_twice() -> None:
    frame = parse_lines(CLOUDFRONT, read_lines(CLOUDFRONT_LOG))
    ipv6 = row(frame, 4)
    assert ipv6["ip"] == "2001:db8:85a3::8a2e:370:7334"
    assert ipv6["ts"] == at(8, 15, 9)
    # The request target was /guides/tent%20care; CloudFront escaped its "%" once more.
    assert (ipv6["path"], ipv6["query"]) == ("/guides/tent%20care", None)
    assert ipv6["referrer"] == "https://shop.example.com/search?q=tent%20care"
    assert ipv6["user_agent"] == (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
    )
    proxied = row(frame, 5)
    assert (proxied["ip"], proxied["forwarded_for"], proxied["method"], proxied["status"]) == (
        "10.0.0.9",
        "198.51.100.23",
        "POST",
        302,
    )
    assert (proxied["bytes"], proxied["user_agent"]) == (327, "ShopApp/2.0 (café; Android 14)")


@pytest.mark.parametrize(
    ("escaped", "decoded"),
    [
        ("Mozilla/5.0%20(X11)", "Mozilla/5.0 (X11)"),
        ("%3C%3E%22%23%25%7B%7D%7C%5C%5E%7E%5B%5D%60%27%20", "<>\"#%{}|\\^~[]`' "),
        ("%2f%2F", "//"),
        ("tent%2520care", "tent%20care"),
        ("caf%C3%A9%20%E2%82%AC%20%F0%9F%8F%95", "café € 🏕"),
        ("caf%c3%a9", "café"),
        ("%0A%09%1B%7F%00", "%0A%09%1B%7F%00"),  # control characters stay escaped
        ("%FF%20x", "%FF x"),  # not UTF-8: the byte stays escaped
        ("%C3%20", "%C3 "),  # a cut UTF-8 sequence
        ("%C0%AF", "%C0%AF"),  # an overlong "/"
        ("%ED%A0%80", "%ED%A0%80"),  # a surrogate
        ("%C3%A9%A9", "%C3%A9%A9"),  # a stray continuation byte
        ("%%C3%A9", "%é"),
        ("%2%41%", "%2A%"),
        ("%zz%", "%zz%"),
        ("déjà%20vu", "déjà vu"),
        ("\ufffd%20\x1b[31m", "\ufffd \x1b[31m"),
        ("-", "-"),
        ("", ""),
    ],
)
def test_percent_decoding(escaped: str, decoded: str) -> None:
    frame = pl.DataFrame({"text": [escaped]})
    assert frame.select(percent_decoded(pl.col("text"))).item() == decoded


def test_percent_decoding_a_column_with_good_and_bad_escapes_and_nulls() -> None:
    texts = ["caf%C3%A9", "%FF", None, "a%20b", "x" * 1_000_000 + "%C3%A9"]
    frame = pl.DataFrame({"text": texts})
    assert frame.select(percent_decoded(pl.col("text")))["text"].to_list() == [
        "café",
        "%FF",
        None,
        "a b",
        "x" * 1_000_000 + "é",
    ]


def test_cloudfront_header_in_an_earlier_chunk() -> None:
    lines = read_lines(CLOUDFRONT_LOG)
    head, rest = parse_chunks(CLOUDFRONT, chunk(lines[:2], 1), chunk(lines[2:], 3))
    assert head["comment"].to_list() == [True, True]
    assert rest["parsed"].to_list() == [True, True, True, False]
    assert rest["path"].to_list() == ["/products/tent", "/guides/tent%20care", "/cart/add", None]


# --- Examples and detection --------------------------------------------------------------


@pytest.mark.parametrize("fmt", W3C_FORMATS, ids=lambda fmt: fmt.name)
def test_each_example_is_a_header_and_a_parsed_line(fmt: LogFormat) -> None:
    header, line = fmt.example.splitlines()
    assert header.startswith("#Fields: ")
    frame = parse_lines(fmt, [header, line])
    assert frame["parsed"].to_list() == [False, True]
    assert frame.row(1, named=True)["ts"] == at(8, 15, 3)
    assert fmt.description


@pytest.mark.parametrize(
    ("path", "expected"),
    [(IIS_LOG, "w3c"), (CLOUDFRONT_LOG, "cloudfront")],
    ids=["iis", "cloudfront"],
)
def test_detection_picks_the_format_of_a_sample(path: Path, expected: str) -> None:
    sample = read_lines(path)[:50]
    detection = detect_format(sample)
    assert detection.format.name == expected
    # Directive lines are not counted among the sample lines a format could parse.
    assert detection.sampled == len([line for line in sample if not line.startswith("#")])


def test_neither_w3c_format_reads_the_lines_of_the_others() -> None:
    iis, cloudfront = read_lines(IIS_LOG), read_lines(CLOUDFRONT_LOG)
    combined = [combined_line(), combined_line("/b?x=1")]
    assert not parse_lines(W3C, cloudfront)["parsed"].any()
    assert not parse_lines(W3C, combined)["parsed"].any()
    assert not parse_lines(CLOUDFRONT, iis)["parsed"].any()
    assert not parse_lines(CLOUDFRONT, combined)["parsed"].any()
    assert detect_format(combined).format.name == "combined"


# --- Real logs as they are: quoting, spacing, field names --------------------------------

QUOTED_HEADER = (
    "#Fields: date time c-ip cs-method cs-uri-stem cs(User-Agent) cs(Cookie) cs(Referer) "
    "sc-status sc-substatus"
)


def test_quoted_values_hold_spaces_and_are_unquoted() -> None:
    lines = [
        QUOTED_HEADER,
        '2026-11-02 08:15:03 "203.0.113.7" GET /a "Mozilla/5.0 (compatible; Googlebot/2.1; '
        '+http://www.google.com/bot.html)" "a=1; b=2" "" 200 " garbage w/ spaces "',
        "2026-11-02 08:15:04 203.0.113.8 GET /b Mozilla/5.0+(X11) - - 200 0",
        '2026-11-02 08:15:05 203.0.113.9 GET /c "Mozilla/5.0 - - 404 0',
    ]
    frame = parse_lines(W3C, lines)
    assert frame["parsed"].to_list() == [False, True, True, True]
    assert frame["ip"].to_list() == [None, "203.0.113.7", "203.0.113.8", "203.0.113.9"]
    # A quoted value keeps its "+"; IIS's "+" for a space is undone on unquoted values only.
    assert frame["user_agent"].to_list() == [
        None,
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (X11)",
        '"Mozilla/5.0',  # an unclosed quote quotes nothing
    ]
    assert frame["referrer"].to_list() == [None, None, None, None]
    assert frame["status"].to_list() == [None, 200, 200, 404]


def test_runs_of_spaces_are_one_separator_in_headers_and_lines() -> None:
    lines = [
        "#Fields:   date  time c-ip   cs-method cs-uri-stem sc-status ",
        "2026-11-02  08:15:03   203.0.113.7 GET /a 200 ",
        " 2026-11-02 08:15:04 203.0.113.7 GET /b 404",
    ]
    frame = parse_lines(W3C, lines)
    assert frame["parsed"].to_list() == [False, True, True]
    assert frame["ts"].to_list() == [None, at(8, 15, 3), at(8, 15, 4)]
    assert frame["path"].to_list() == [None, "/a", "/b"]
    assert frame["status"].to_list() == [None, 200, 404]


def test_local_date_and_time_are_read_as_utc() -> None:
    header = "#Fields: date-local time-local c-ip cs-method cs-uri-stem sc-status"
    line = "2026-11-02 08:15:03.363 203.0.113.7 GET /a 200"
    found = parse_lines(W3C, [header, line]).row(1, named=True)
    assert found["ts"] == datetime(2026, 11, 2, 8, 15, 3, 363_000, tzinfo=UTC)


def test_utc_date_wins_over_the_local_one() -> None:
    header = "#Fields: date-local time-local date time c-ip cs-method cs-uri-stem sc-status"
    line = "2026-11-02 09:15:03 2026-11-02 08:15:03 203.0.113.7 GET /a 200"
    assert parse_lines(W3C, [header, line]).row(1, named=True)["ts"] == at(8, 15, 3)


def test_shoutcast_fields_status_and_encoded_values() -> None:
    header = (
        "#Fields: c-ip c-dns date time cs-uri-stem c-status cs(User-Agent) sc-bytes x-duration "
        "avgbandwidth"
    )
    line = (
        "203.0.113.7 host.example 2026-11-02 08:15:03 /stream%2Dhq?title=Late%20Show 200 "
        "VLC%2F3.0.20%20LibVLC%2F3.0.20 65580 1 524640"
    )
    found = parse_lines(W3C, ["#Software: SHOUTcast", header, line]).row(2, named=True)
    assert (found["parsed"], found["variant"], found["ts"]) == (True, "shoutcast", at(8, 15, 3))
    # No cs-method: a GET. The path is decoded once, the query is kept as logged.
    assert (found["method"], found["path"], found["query"]) == (
        "GET",
        "/stream-hq",
        "title=Late%20Show",
    )
    assert (found["status"], found["bytes"]) == (200, 65580)
    assert found["user_agent"] == "VLC/3.0.20 LibVLC/3.0.20"


def test_a_date_and_time_apart_and_after_other_fields() -> None:
    header = "#Fields: c-ip date cs-uri-stem c-status cs(User-Agent) time"
    line = "203.0.113.7 2026-11-02 /stream 200 NSPlayer%2F10.0 08:15:03"
    found = parse_lines(W3C, [header, line]).row(1, named=True)
    assert (found["ts"], found["path"], found["user_agent"]) == (
        at(8, 15, 3),
        "/stream",
        "NSPlayer/10.0",
    )


@pytest.mark.parametrize(
    ("stem", "query", "expected"),
    [
        ("/search?q=tent", "-", ("/search", "q=tent")),
        ("/search?", "-", ("/search", None)),
        ("/search?q=tent", "page=2", ("/search", "page=2")),  # cs-uri-query is the query
        ("/search", "q=a?b", ("/search", "q=a?b")),
        # IIS logs the stem decoded: a "#" in it is part of the path.
        ("/${#context['x']=1}.action", "-", ("/${#context['x']=1}.action", None)),
        ("/a?b?c", "-", ("/a", "b?c")),
    ],
)
def test_a_query_in_the_stem_is_split_off(
    stem: str, query: str, expected: tuple[str, str | None]
) -> None:
    line = IIS_LINE.replace("/products/tent -", f"{stem} {query}")
    found = parse_lines(W3C, [IIS_HEADER, line]).row(1, named=True)
    assert found["parsed"] is True
    assert (found["path"], found["query"]) == expected


@pytest.mark.parametrize(
    ("uri", "query", "expected"),
    [
        ("/a/b?x=1", "-", ("/a/b", "x=1")),
        ("https://shop.example.com/a?x=1", "-", ("/a", "x=1")),
        ("https://shop.example.com", "-", ("/", None)),
        ("www.example.com/page.php", "variable=test", ("/page.php", "variable=test")),  # Incapsula
        ("www.example.com/page.php?x=1", "-", ("/page.php", "x=1")),
        ("www.example.com", "-", ("/", None)),
    ],
)
def test_a_whole_uri_gives_the_path_and_query(
    uri: str, query: str, expected: tuple[str, str | None]
) -> None:
    header = "#Fields: date time c-ip cs-method cs-uri cs-uri-query sc-status"
    line = f"2026-11-02 08:15:03 203.0.113.7 GET {uri} {query} 200"
    found = parse_lines(W3C, [header, line]).row(1, named=True)
    assert found["parsed"] is True
    assert (found["path"], found["query"]) == expected


def test_a_dash_uri_or_stem_is_no_request() -> None:
    header = "#Fields: date time c-ip cs-method cs-uri sc-status"
    frame = parse_lines(W3C, [header, "2026-11-02 08:15:03 203.0.113.7 GET - 400"])
    assert frame["parsed"].to_list() == [False, False]
    stemless = IIS_LINE.replace("/products/tent", "-")
    assert parse_lines(W3C, [IIS_HEADER, stemless])["parsed"].to_list() == [False, False]


def test_incapsula_lines_quote_every_value() -> None:
    header = (
        "#Fields: date time cs-vid c-ip cs(User-Agent) cs-uri cs-postbody cs(Referrer) s-ip "
        "cs-method cs-uri-query sc-status s-xff"
    )
    line = (
        '"2026-11-02" "08:15:03" "a1f3" "203.0.113.7" "Mozilla/5.0 (X11; Linux x86_64)" '
        '"shop.example.com/products/tent" "" "https://www.google.com/" "10.0.0.4" "GET" '
        '"color=red" "200" "203.0.113.7"'
    )
    lines = ["#Software: Incapsula LOGS API", "#Date: 02/Nov/2026 08:16:00", header, line]
    found = parse_lines(W3C, lines).row(3, named=True)
    assert found["parsed"] is True
    assert (found["ts"], found["ip"], found["method"]) == (at(8, 15, 3), "203.0.113.7", "GET")
    assert (found["path"], found["query"], found["status"]) == ("/products/tent", "color=red", 200)
    assert found["referrer"] == "https://www.google.com/"  # cs(Referrer), a second spelling
    assert found["user_agent"] == "Mozilla/5.0 (X11; Linux x86_64)"
    assert found["host"] is None  # not taken from cs-uri


def test_ipv6_clients_keep_their_zone_id() -> None:
    line = IIS_LINE.replace("203.0.113.7", "fe80::1%4")
    found = parse_lines(W3C, [IIS_HEADER, line]).row(1, named=True)
    assert (found["parsed"], found["ip"]) == (True, "fe80::1%4")


@pytest.mark.parametrize("name", ["x-forwarded-for", "X-Forwarded-For", "cs(X-Forwarded-For)"])
def test_forwarded_for_columns(name: str) -> None:
    header = f"{IIS_HEADER} {name}"
    line = IIS_LINE.replace("203.0.113.7", "10.0.0.9") + " 10.0.0.7,+198.51.100.23"
    frame = parse_lines(W3C, [header, line])
    found = frame.row(1, named=True)
    assert (found["ip"], found["forwarded_for"]) == ("10.0.0.9", "10.0.0.7, 198.51.100.23")
    # --client-ip first-forwarded: the first public address of the list.
    assert frame.select(first_forwarded_ip())["ip"].to_list() == [None, "198.51.100.23"]


NSWL_HEADER = (
    "#Fields: date time c-ip cs-username sc-servicename s-ip s-port cs-method cs-uri-stem "
    "cs-uri-query sc-status cs-bytes sc-bytes time-taken cs-version cs(User-Agent) cs(Cookie) "
    "cs(Referer) "
)
NSWL_LINE = (
    "2026-11-02 08:15:03 203.0.113.7 - HTTP 10.0.0.11 443 GET /products/tent color=red 200 "
    "412 5123 46 HTTP/1.1 Mozilla/5.0+(X11;+Linux+x86_64) - https://www.google.com/"
)


def test_netscaler_web_logging() -> None:
    lines = [
        "#Version: 1.0",
        "#Software: Netscaler Web Logging(NSWL)",
        "#Date: 2026-11-02 08:00:00",
        NSWL_HEADER,  # NSWL ends its #Fields: line with a space
        NSWL_LINE,
    ]
    found = parse_lines(W3C, lines).row(4, named=True)
    assert (found["parsed"], found["variant"], found["ts"]) == (True, "w3c", at(8, 15, 3))
    assert (found["ip"], found["method"], found["path"], found["query"]) == (
        "203.0.113.7",
        "GET",
        "/products/tent",
        "color=red",
    )
    assert (found["status"], found["bytes"], found["referrer"]) == (
        200,
        5123,
        "https://www.google.com/",
    )
    assert found["user_agent"] == "Mozilla/5.0 (X11; Linux x86_64)"


# --- #Date: for lines with only a time ---------------------------------------------------

TIME_ONLY_HEADER = "#Fields: time c-ip cs-method cs-uri-stem sc-status"


def test_time_only_rows_take_the_date_of_the_latest_date_directive() -> None:
    lines = [
        "#Software: Microsoft Internet Information Services 10.0",
        "#Version: 1.0",
        "#Date: 2026-11-02 08:00:00",
        TIME_ONLY_HEADER,
        "08:15:03 203.0.113.7 GET /a 200",
        "#Date: 2026-11-03 00:00:00",
        "00:00:04 203.0.113.7 GET /b 200",
    ]
    frame = parse_lines(W3C, lines)
    assert frame["parsed"].to_list() == [False] * 4 + [True, False, True]
    assert frame["ts"].to_list() == [None] * 4 + [
        at(8, 15, 3),
        None,
        datetime(2026, 11, 3, 0, 0, 4, tzinfo=UTC),
    ]


def test_the_date_directive_carries_across_chunks_and_files_apart() -> None:
    first, second = parse_chunks(
        W3C,
        pl.concat(
            [
                chunk(["#Date: 2026-11-02 08:00:00", TIME_ONLY_HEADER], 1, "a.log"),
                chunk(["#Date: 2017-06-28 07:28:59", TIME_ONLY_HEADER], 1, "b.log"),
            ]
        ),
        pl.concat(
            [
                chunk(["08:15:03 203.0.113.7 GET /a 200"], 3, "a.log"),
                chunk(["08:15:03 203.0.113.7 GET /b 200"], 3, "b.log"),
            ]
        ),
    )
    assert first["comment"].all()
    assert second["ts"].to_list() == [
        at(8, 15, 3),
        datetime(2017, 6, 28, 8, 15, 3, tzinfo=UTC),
    ]


@pytest.mark.parametrize(
    ("directive", "expected"),
    [
        ("#Date: 28/Jun/2017 07:28:59", datetime(2017, 6, 28, 8, 15, 3, tzinfo=UTC)),  # Incapsula
        ("#Start-Date: 2026-11-02 00:00:00.128", at(8, 15, 3)),  # IIS Advanced Logging
        ("#Date: yesterday", None),
    ],
)
def test_date_directives_as_they_are_written(directive: str, expected: datetime | None) -> None:
    lines = [
        "#Date: 2026-01-01 00:00:00",
        directive,
        TIME_ONLY_HEADER,
        "08:15:03 1.2.3.4 GET / 200",
    ]
    # An unreadable #Date: does not leave the earlier one in force.
    assert parse_lines(W3C, lines)["ts"].to_list()[3] == expected


def test_a_date_field_wins_over_the_date_directive() -> None:
    lines = ["#Date: 2026-01-01 00:00:00", IIS_HEADER, IIS_LINE]
    assert parse_lines(W3C, lines)["ts"].to_list()[2] == at(8, 15, 3)


# --- Headerless IIS and NetScaler lines --------------------------------------------------

IIS_15 = (
    "2026-11-02 08:15:03 10.0.0.4 GET /products/tent color=red 443 - 203.0.113.7 "
    "Mozilla/5.0+(X11;+Linux+x86_64) https://www.google.com/ 200 0 0 46"
)
IIS_14 = (
    "2026-11-02 08:15:03 10.0.0.4 GET /products/tent color=red 443 - 203.0.113.7 "
    "Mozilla/5.0+(X11;+Linux+x86_64) 200 0 0 46"
)
IIS_19 = (
    "2026-11-02 08:15:03 W3SVC1 GET /products/tent color=red 443 - 203.0.113.7 "
    "Mozilla/5.0+(X11;+Linux+x86_64) - https://www.google.com/ shop.example.com 200 0 0 5123 "
    "412 46"
)
IIS_22 = (
    "2026-11-02 08:15:03 W3SVC1 WEB01 10.0.0.4 GET /products/tent color=red 443 - 203.0.113.7 "
    "HTTP/1.1 Mozilla/5.0+(X11;+Linux+x86_64) - https://www.google.com/ shop.example.com 200 "
    "0 0 5123 412 46"
)
NSWL_18 = NSWL_LINE
GOOGLE = "https://www.google.com/"


@pytest.mark.parametrize(
    ("line", "variant", "referrer", "host", "size", "forwarded_for"),
    [
        (IIS_15, "iis_headerless_15", GOOGLE, None, None, None),
        (IIS_14, "iis_headerless_14", None, None, None, None),
        (IIS_19, "iis_headerless_19", GOOGLE, "shop.example.com", 5123, None),
        (IIS_22, "iis_headerless_22", GOOGLE, "shop.example.com", 5123, None),
        (f"{IIS_15} 198.51.100.23", "iis_headerless_15+xff", GOOGLE, None, None, "198.51.100.23"),
        (f"{IIS_14} 198.51.100.23", "iis_headerless_14+xff", None, None, None, "198.51.100.23"),
        (
            f"{IIS_19} 198.51.100.23",
            "iis_headerless_19+xff",
            GOOGLE,
            "shop.example.com",
            5123,
            "198.51.100.23",
        ),
        (
            f"{IIS_22} -",
            "iis_headerless_22+xff",
            GOOGLE,
            "shop.example.com",
            5123,
            None,
        ),
        (NSWL_18, "netscaler_headerless_18", GOOGLE, None, 5123, None),
    ],
)
def test_headerless_layouts(
    line: str,
    variant: str,
    referrer: str | None,
    host: str | None,
    size: int | None,
    forwarded_for: str | None,
) -> None:
    found = parse_lines(FORMATS["w3c"], [line]).row(0, named=True)
    assert (found["parsed"], found["variant"], found["ts"]) == (True, variant, at(8, 15, 3))
    assert (found["ip"], found["method"], found["path"], found["query"], found["status"]) == (
        "203.0.113.7",
        "GET",
        "/products/tent",
        "color=red",
        200,
    )
    assert found["user_agent"] == "Mozilla/5.0 (X11; Linux x86_64)"
    assert (found["referrer"], found["host"], found["bytes"], found["forwarded_for"]) == (
        referrer,
        host,
        size,
        forwarded_for,
    )


@pytest.mark.parametrize(
    "line",
    [
        pytest.param(IIS_15.replace("2026-11-02", "02/11/2026"), id="date"),
        pytest.param(IIS_15.replace("08:15:03", "8h15"), id="time"),
        pytest.param(IIS_15.replace(" GET ", " 123 "), id="method"),
        pytest.param(IIS_15.replace(" 200 ", " OK "), id="status"),
        pytest.param(IIS_15.replace(" 443 ", " https "), id="port"),
        pytest.param(IIS_15.replace(" 46", " 46ms"), id="time taken"),
        pytest.param(IIS_22.replace("HTTP/1.1", "h2 c"), id="protocol"),
        pytest.param(IIS_15 + " 198.51.100.23 extra", id="count"),
        pytest.param(IIS_15.replace(" ", "\t"), id="tabs"),
    ],
)
def test_a_headerless_line_of_another_shape_is_malformed(line: str) -> None:
    assert parse_lines(FORMATS["w3c"], [line])["parsed"].to_list() == [False]


def test_the_header_in_force_is_preferred_and_a_line_it_does_not_fit_is_read_headerless() -> None:
    custom = "#Fields: date time c-ip cs-method cs-uri-stem cs-uri-query sc-status"
    lines = [custom, "2026-11-02 08:15:04 203.0.113.9 GET /short - 200", IIS_15, IIS_LINE]
    frame = parse_lines(FORMATS["w3c"], lines)
    assert frame["parsed"].to_list() == [False, True, True, True]
    assert frame["variant"].to_list() == [None, "w3c", "iis_headerless_15", "iis_headerless_15"]
    assert frame["path"].to_list() == [None, "/short", "/products/tent", "/products/tent"]
    assert frame["referrer"].to_list() == [None, None, GOOGLE, None]


def test_a_file_cut_mid_way_reads_before_and_after_its_next_header() -> None:
    lines = read_lines(IIS_CUT_LOG)
    detection = detect_format(lines)
    # Fewer than half the lines are read with a header: the general reader reads first.
    assert detection.format.name == "w3c_any"
    frame = parse_lines(detection.format, lines)
    assert frame["comment"].to_list() == [False] * 2 + [True] * 4 + [False] * 4
    assert frame["variant"].to_list() == [
        "iis_headerless_15",
        "iis_headerless_15",
        None,
        None,
        None,
        None,
        "w3c",
        "w3c",
        "iis_headerless_15",
        None,  # cut short: malformed
    ]
    assert frame["ts"].to_list()[:2] == [
        datetime(2026, 11, 2, 23, 59, 58, tzinfo=UTC),
        datetime(2026, 11, 2, 23, 59, 59, tzinfo=UTC),
    ]
    assert frame["method"].to_list()[:2] == ["GET", "POST"]
    checkout = row(frame, 7)
    assert (checkout["ts"], checkout["ip"], checkout["path"], checkout["query"]) == (
        datetime(2026, 11, 3, 0, 0, 4, tzinfo=UTC),
        "10.0.0.9",
        "/checkout",
        None,
    )
    assert (checkout["host"], checkout["bytes"], checkout["forwarded_for"]) == (
        "shop.example.com",
        5120,
        "198.51.100.23, 10.0.0.9",
    )
    assert checkout["referrer"] == "https://shop.example.com/cart"
    assert checkout["user_agent"] == "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X)"
    robots = row(frame, 9)
    assert (robots["ip"], robots["path"], robots["user_agent"], robots["host"]) == (
        "66.249.66.1",
        "/robots.txt",
        "curl/8.5.0",
        None,
    )


def test_a_file_cut_mid_way_reads_alike_in_small_chunks(tmp_path: Path) -> None:
    name = tmp_path / "cut.log"
    name.write_bytes(IIS_CUT_LOG.read_bytes())
    fmt = FORMATS["w3c"]
    whole = parse_lines(fmt, read_lines(IIS_CUT_LOG), str(name))
    with Inputs([str(name)]) as inputs:
        parse = fmt.parser()
        chunks = [parse(part.lines.lazy()).collect() for part in inputs.line_chunks(300)]
    assert len(chunks) > 3
    chunked = pl.concat(chunks).with_columns(pl.col("source_file").cast(pl.String))
    assert chunked.drop("line").equals(whole.drop("line"))


def test_a_run_in_small_chunks_reads_the_directives_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The chunks are parsed a chunk ahead, in a thread of their own: the directives each
    chunk carries over still come from the chunks before it, in order."""
    names = [tmp_path / "a.log", tmp_path / "cut.log"]
    names[0].write_bytes(IIS_LOG.read_bytes())
    names[1].write_bytes(IIS_CUT_LOG.read_bytes())
    command = ["hits", *map(str, names), "--log-format", "w3c", "--format", "ndjson", "-q"]
    whole = CliRunner().invoke(cli, command)
    monkeypatch.setattr(Inputs.line_chunks, "__defaults__", (300,))
    chunked = CliRunner().invoke(cli, command)
    assert (whole.exit_code, chunked.exit_code) == (0, 0)
    assert chunked.stdout == whole.stdout
    assert len(whole.stdout.splitlines()) > 10


def test_the_general_reader_reads_no_other_format() -> None:
    others = [combined_line(), FORMATS["alb"].example.splitlines()[-1], *read_lines(CLOUDFRONT_LOG)]
    assert not parse_lines(W3C_ANY, others)["parsed"].any()
    assert not parse_lines(CLOUDFRONT_ANY, [combined_line(), IIS_15, IIS_22])["parsed"].any()


# --- Headerless CloudFront lines ---------------------------------------------------------

CLOUDFRONT_VALUES = [
    "2026-11-02", "08:15:03", "FRA56-P4", "5123", "203.0.113.7", "GET",
    "d111111abcdef8.cloudfront.net", "/guides/tent%2520care", "200", "https://www.google.com/",
    "Mozilla/5.0%2520(X11;%2520Linux%2520x86_64)", "color=red", "-", "Hit",
    "SOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==", "shop.example.com", "https",
    "412", "0.004", "198.51.100.23", "TLSv1.3", "TLS_AES_128_GCM_SHA256", "Hit", "HTTP/2.0",
    "-", "-", "51234", "0.004", "Hit", "text/html", "5123", "-", "-",
]  # fmt: skip


@pytest.mark.parametrize(
    ("count", "host", "forwarded_for"),
    [
        (12, "d111111abcdef8.cloudfront.net", None),  # the first logs: no x-host-header
        (13, "d111111abcdef8.cloudfront.net", None),
        (19, "shop.example.com", None),
        (20, "shop.example.com", "198.51.100.23"),
        (24, "shop.example.com", "198.51.100.23"),
        (26, "shop.example.com", "198.51.100.23"),
        (33, "shop.example.com", "198.51.100.23"),
    ],
)
def test_headerless_cloudfront_lines_of_every_field_count(
    count: int, host: str, forwarded_for: str | None
) -> None:
    line = "\t".join(CLOUDFRONT_VALUES[:count])
    found = parse_lines(FORMATS["cloudfront"], [line]).row(0, named=True)
    assert (found["parsed"], found["variant"]) == (True, f"cloudfront_headerless_{count}")
    assert (found["ts"], found["ip"], found["method"], found["status"], found["bytes"]) == (
        at(8, 15, 3),
        "203.0.113.7",
        "GET",
        200,
        5123,
    )
    assert (found["path"], found["query"]) == ("/guides/tent%20care", "color=red")
    assert (found["referrer"], found["user_agent"]) == (GOOGLE, "Mozilla/5.0 (X11; Linux x86_64)")
    assert (found["host"], found["forwarded_for"]) == (host, forwarded_for)


@pytest.mark.parametrize(
    "line",
    [
        pytest.param("\t".join(CLOUDFRONT_VALUES[:11]), id="11 fields"),
        pytest.param("\t".join([*CLOUDFRONT_VALUES, "-"]), id="34 fields"),
        pytest.param("\t".join(CLOUDFRONT_VALUES).replace("FRA56-P4", "FRA 56"), id="edge"),
        pytest.param(" ".join(CLOUDFRONT_VALUES), id="spaces"),
    ],
)
def test_a_headerless_cloudfront_line_of_another_shape_is_malformed(line: str) -> None:
    assert parse_lines(FORMATS["cloudfront"], [line])["parsed"].to_list() == [False]


def test_an_older_cloudfront_header_with_fewer_fields() -> None:
    header = (
        "#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem "
        "sc-status cs(Referer) cs(User-Agent) cs-uri-query"
    )
    line = "\t".join(CLOUDFRONT_VALUES[:12])
    found = parse_lines(CLOUDFRONT, ["#Version: 1.0", header, line]).row(2, named=True)
    assert (found["parsed"], found["variant"], found["path"]) == (
        True,
        "cloudfront",
        "/guides/tent%20care",
    )
    assert found["host"] == "d111111abcdef8.cloudfront.net"


# --- Detection ---------------------------------------------------------------------------


def test_directives_before_the_header_are_comments_and_w3c_is_detected() -> None:
    sample = [
        "#Software: Microsoft Internet Information Services 10.0",
        "#Version: 1.0",
        "#Date: 2026-11-02 08:00:00",
        IIS_HEADER,
        IIS_LINE,
        IIS_LINE.replace("08:15:03", "08:15:04"),
    ]
    detection = detect_format(sample)
    assert (detection.format.name, detection.parsed, detection.sampled) == ("w3c", 2, 2)


@pytest.mark.parametrize(
    ("sample", "name", "variants"),
    [
        ([IIS_15, IIS_14], "w3c_any", {"iis_headerless_15": 1, "iis_headerless_14": 1}),
        (
            ["\t".join(CLOUDFRONT_VALUES[:26])] * 2,
            "cloudfront_any",
            {"cloudfront_headerless_26": 2},
        ),
    ],
    ids=["iis", "cloudfront"],
)
def test_detection_of_headerless_files(
    sample: list[str], name: str, variants: dict[str, int]
) -> None:
    detection = detect_format(sample)
    assert (detection.format.name, detection.parsed) == (name, 2)
    assert detection.candidates[0].variants == variants
    assert not detection.format.seekable


def test_the_w3c_families_keep_their_presets() -> None:
    assert [family.name for family in W3C_FAMILIES] == ["w3c", "cloudfront"]
    assert [family.general for family in W3C_FAMILIES] == [W3C_ANY, CLOUDFRONT_ANY]
    assert (FORMATS["w3c"].primary, FORMATS["cloudfront"].primary) == (W3C, CLOUDFRONT)
