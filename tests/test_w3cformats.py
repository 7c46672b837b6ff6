"""W3C extended logs (IIS) and CloudFront standard logs: header-driven parsing into hit fields."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from micromacro.hits import HitFilter, canonical_hits, classify_lines
from micromacro.inputs import Inputs
from micromacro.logformats import COMBINED, LogFormat, detect_format
from micromacro.logformats.w3c import CLOUDFRONT, W3C, W3C_FORMATS, percent_decoded
from tests.helpers import combined_line, lines_frame

FIXTURES = Path(__file__).parent / "fixtures" / "formats"
IIS_LOG = FIXTURES / "w3c_iis.log"
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
        pytest.param(IIS_LINE.replace(" ", "  ", 1), id="two spaces"),
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
    assert detect_format(combined, [*W3C_FORMATS, COMBINED]).format.name == "combined"
