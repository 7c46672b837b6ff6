"""Parsing combined and common lines into hit fields, and recognising the format."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from micromacro.errors import InputError, UsageError
from micromacro.logformats import (
    _SAMPLE_FIELDS,
    COMMON,
    FAMILIES,
    FORMATS,
    _sample_frame,
    _unread_lines,
    detect_format,
    parse_access_lines,
    resolve_format,
)
from micromacro.logformats.families import Family
from tests.helpers import FIREFOX, combined_line, parse


def test_combined_line_fields_are_read_exactly() -> None:
    line = (
        "198.51.100.23 - alice [02/Nov/2026:09:15:03 +0100] "
        '"GET /products/tent?color=red&size=2 HTTP/1.1" 200 5123 '
        '"https://www.google.com/search?q=tent" "Mozilla/5.0 (X11) Firefox/128.0"'
    )
    row = parse([line]).row(0, named=True)
    assert row["parsed"] is True
    assert row["ts"] == datetime(2026, 11, 2, 8, 15, 3, tzinfo=UTC)
    assert row["ip"] == "198.51.100.23"
    assert row["method"] == "GET"
    assert row["path"] == "/products/tent"
    assert row["query"] == "color=red&size=2"
    assert row["status"] == 200
    assert row["bytes"] == 5123
    assert row["referrer"] == "https://www.google.com/search?q=tent"
    assert row["user_agent"] == "Mozilla/5.0 (X11) Firefox/128.0"


@pytest.mark.parametrize(
    ("time", "expected"),
    [
        ("02/Nov/2026:09:15:03 +0000", datetime(2026, 11, 2, 9, 15, 3, tzinfo=UTC)),
        ("02/Nov/2026:09:15:03 -0700", datetime(2026, 11, 2, 16, 15, 3, tzinfo=UTC)),
        ("02/Nov/2026:09:15:03 +0530", datetime(2026, 11, 2, 3, 45, 3, tzinfo=UTC)),
        ("01/Jan/2026:00:30:00 +0100", datetime(2025, 12, 31, 23, 30, 0, tzinfo=UTC)),
    ],
)
def test_any_utc_offset_becomes_a_utc_instant(time: str, expected: datetime) -> None:
    assert parse([combined_line(time=time)])["ts"].item() == expected


def test_ipv6_client_dash_bytes_and_dash_referrer() -> None:
    line = combined_line(ip="2001:db8::1", size="-", referrer="-", status=304)
    row = parse([line]).row(0, named=True)
    assert (row["ip"], row["bytes"], row["referrer"], row["status"]) == (
        "2001:db8::1",
        None,
        None,
        304,
    )


def test_escaped_quotes_inside_the_user_agent() -> None:
    row = parse([combined_line(agent='Mozilla/5.0 \\"quoted\\" agent')]).row(0, named=True)
    assert row["user_agent"] == 'Mozilla/5.0 \\"quoted\\" agent'
    assert row["parsed"] is True


def test_http2_and_absolute_form_targets() -> None:
    http2 = '203.0.113.7 - - [02/Nov/2026:09:15:03 +0100] "GET /a HTTP/2.0" 200 1 "-" "x"'
    absolute = combined_line("http://shop.example.com/b?x=1")
    frame = parse([http2, absolute])
    assert frame["path"].to_list() == ["/a", "/b"]
    assert frame["query"].to_list() == [None, "x=1"]
    assert frame["host"].to_list() == [None, "shop.example.com"]


@pytest.mark.parametrize(
    ("target", "host"),
    [
        ("http://www.example.com/p?a=1", "www.example.com"),  # varnishncsa's default %r
        ("https://Shop.Example:8443", "Shop.Example"),  # no path: the root; the port dropped
        ("http://user:secret@shop.example/p", "shop.example"),
        ("http://[2001:db8::1]:8080/p", "[2001:db8::1]"),
        ("/p", None),
        ("shop.example:443", None),  # CONNECT's authority is no absolute URI
    ],
)
def test_an_absolute_target_names_the_host_of_a_line_without_one(
    target: str, host: str | None
) -> None:
    """A line that logs no host field takes the host of its absolute-form target (the request
    names it; HTTP servers take it over the Host header), in every format's reading."""
    method = "CONNECT" if target == "shop.example:443" else "GET"
    clf = combined_line(target).replace('"GET ', f'"{method} ')
    json_line = (
        f'{{"time_iso8601":"2026-11-02T09:15:03+01:00","remote_addr":"203.0.113.7",'
        f'"request":"{method} {target} HTTP/1.1","status":"200","body_bytes_sent":"1"}}'
    )
    assert parse([clf])["host"].to_list() == [host]
    assert parse([json_line], resolve_format("nginx_json"))["host"].to_list() == [host]


def test_a_host_field_wins_over_the_target() -> None:
    line = (
        'shop.example:443 203.0.113.7 - - [02/Nov/2026:09:15:03 +0100] "GET http://other.example/p '
        'HTTP/1.1" 200 1 "-" "x"'
    )
    assert parse([line], resolve_format("vhost_combined"))["host"].to_list() == ["shop.example"]


@pytest.mark.parametrize(
    "line",
    [
        '203.0.113.12 - - [02/Nov/2026:10:02:00 +0100] "-" 400 0 "-" "-"',
        '203.0.113.12 - - [02/Nov/2026:10:02:01 +0100] "\\x16\\x03\\x01\\x00" 400 157 "-" "-"',
        '203.0.113.13 - - [02/Nov/2026:10:03:00 +0100] "GET /cut HTTP/1.1" 20',
        '203.0.113.13 - - [32/Foo/2026:10:03:00 +0100] "GET /x HTTP/1.1" 200 1 "-" "x"',
        '203.0.113.13 - - "GET /no-time HTTP/1.1" 200',
        '203.0.113.13 - - [02/Nov/2026:10:03:00 +0100] "GET /x" 200 1 "-" "x"',
        "",
        "garbage",
    ],
    ids=["dash", "tls", "truncated", "bad-date", "no-time", "no-protocol", "empty", "garbage"],
)
def test_malformed_lines_do_not_parse(line: str) -> None:
    assert parse([line])["parsed"].to_list() == [False]


def test_common_format_has_no_referrer_or_agent() -> None:
    line = '203.0.113.7 - - [02/Nov/2026:09:15:03 +0100] "GET /about HTTP/1.0" 200 77'
    row = parse([line], COMMON).row(0, named=True)
    assert (row["parsed"], row["path"], row["referrer"], row["user_agent"]) == (
        True,
        "/about",
        None,
        None,
    )


def test_detection_prefers_combined_and_recognises_common() -> None:
    combined = [combined_line(), combined_line("/b")]
    common = ['203.0.113.7 - - [02/Nov/2026:09:15:03 +0100] "GET /about HTTP/1.0" 200 77']
    assert detect_format(combined).format == FORMATS["combined"]
    detected = detect_format([*common, "junk"])
    assert (detected.format, detected.parsed, detected.sampled) == (FORMATS["common"], 1, 2)


def test_detection_failure_names_the_formats_tried() -> None:
    with pytest.raises(InputError, match=r"no format reads .*clf 0, alb 0.* --log-format"):
        detect_format(["2026-11-02 09:15:03 INFO started"])


def test_unknown_format_name_lists_the_known_ones() -> None:
    with pytest.raises(UsageError, match=r"expected one of auto, .*combined, common, .*string"):
        resolve_format("apache")


def test_firefox_helper_line_is_valid() -> None:
    assert parse([combined_line(agent=FIREFOX)])["parsed"].item() is True


# --- families that claim no line of a sample are not parsed with it (detection) --------------

_CLAIMING = [family for family in FAMILIES if family.claims is not None]
_FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _unclaimed(family: Family, lines: list[str]) -> list[str]:
    """The lines of ``lines`` that do not match the family's claims (as Polars matches them)."""
    assert family.claims is not None
    frame = pl.DataFrame({"line": pl.Series(lines, dtype=pl.String)})
    return frame.filter(~pl.col("line").str.contains(family.claims))["line"].to_list()


def _known_lines() -> list[str]:
    """Every line of the format fixtures, the real logs, the sample and hostile logs, and every
    preset's example."""
    paths = [
        *sorted((_FIXTURES / "formats").glob("*.log")),
        *sorted((_FIXTURES / "real").glob("*.log")),
        _FIXTURES / "hostile.log",
        _FIXTURES.parents[1] / "sample_logs" / "access.log",
    ]
    lines = [line for path in paths for line in path.read_text(errors="replace").splitlines()]
    return lines + [line for fmt in FORMATS.values() for line in fmt.example.splitlines()]


def _detection_table(family: Family, lines: list[str]) -> pl.DataFrame:
    return (
        parse_access_lines(_sample_frame(lines), family.detector())
        .select(*_SAMPLE_FIELDS, "variant")
        .collect()
    )


@pytest.mark.parametrize("family", _CLAIMING, ids=lambda family: family.name)
def test_a_family_accounts_for_no_line_its_claims_do_not_match(family: Family) -> None:
    """What detection takes for a sample without a claimed line is what parsing it gives."""
    unclaimed = _unclaimed(family, _known_lines())
    assert len(unclaimed) > 1000
    assert_frame_equal(_detection_table(family, unclaimed), _unread_lines(len(unclaimed)))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.text(st.sampled_from(list('0123456789-: \t"#{}[]/.,=|abcxyzGET\\')), max_size=80),
        min_size=1,
        max_size=20,
    )
)
def test_a_family_accounts_for_no_drawn_line_its_claims_do_not_match(lines: list[str]) -> None:
    for family in _CLAIMING:
        unclaimed = _unclaimed(family, lines)
        if unclaimed:
            table = _detection_table(family, unclaimed)
            assert_frame_equal(table, _unread_lines(len(unclaimed)))
