"""The awkward lines real logs hold, for every text preset: each variant is the preset's own
example line with one thing changed, and the expected value is written from that change."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from micromacro.logformats import FORMATS, LogFormat
from tests.helpers import lines_frame

REGEX_PRESETS = (
    "combined", "common", "vhost_combined", "traefik", "alb", "elb", "haproxy", "s3", "bunny",
)  # fmt: skip
# Bunny logs no request line (every line is a GET of its URL).
WITH_REQUEST_LINE = tuple(name for name in REGEX_PRESETS if name != "bunny")
WITH_USER_AGENT = ("combined", "vhost_combined", "traefik", "alb", "elb", "s3", "bunny")
WITH_REFERRER = ("combined", "vhost_combined", "traefik", "s3")
DASH_BYTES = ("combined", "common", "vhost_combined", "traefik", "alb", "elb", "s3", "bunny")
CLF_TIMES = ("combined", "common", "vhost_combined", "traefik", "s3")


def example(name: str) -> str:
    return FORMATS[name].example.splitlines()[-1]


def parse_one(fmt: LogFormat, line: str) -> dict[str, object]:
    frame = fmt.parser()(lines_frame([line]).lazy()).collect()
    return frame.row(0, named=True)


def request_of(line: str) -> str:
    """The quoted request line of an example (the first quoted field starting with GET)."""
    start = line.index('"GET ')
    return line[start + 1 : line.index('"', start + 1)]


@pytest.mark.parametrize("name", REGEX_PRESETS)
def test_ipv6_client(name: str) -> None:
    row = parse_one(FORMATS[name], example(name).replace("203.0.113.7", "2001:db8::7"))
    assert (row["parsed"], row["ip"]) == (True, "2001:db8::7")


@pytest.mark.parametrize("name", DASH_BYTES)
def test_dash_for_bytes(name: str) -> None:
    line = example(name)
    # The response size is 5123 in every example: after the status (S3: after the error code,
    # Bunny: after the time), or before the request.
    line = line.replace(" 200 5123", " 200 -", 1).replace(' 5123 "GET', ' - "GET', 1)
    line = line.replace(" 200 - 5123 ", " 200 - - ", 1).replace("3123|5123|", "3123|-|", 1)
    row = parse_one(FORMATS[name], line)
    assert (row["parsed"], row["bytes"]) == (True, None)


@pytest.mark.parametrize("name", WITH_USER_AGENT)
def test_escaped_quotes_inside_the_user_agent(name: str) -> None:
    line = example(name).replace("Mozilla/5.0 (X11", 'Mozilla/5.0 \\"beta\\" (X11')
    row = parse_one(FORMATS[name], line)
    assert row["parsed"] is True
    assert str(row["user_agent"]).startswith('Mozilla/5.0 \\"beta\\" (X11')


@pytest.mark.parametrize("name", WITH_REFERRER)
@pytest.mark.parametrize("referrer", ["-", ""])
def test_empty_or_dash_referrer(name: str, referrer: str) -> None:
    line = example(name).replace('"https://www.google.com/"', f'"{referrer}"')
    row = parse_one(FORMATS[name], line)
    assert (row["parsed"], row["referrer"]) == (True, None)


@pytest.mark.parametrize("name", WITH_REQUEST_LINE)
def test_http2(name: str) -> None:
    line = example(name).replace("HTTP/1.1", "HTTP/2.0")
    assert parse_one(FORMATS[name], line)["parsed"] is True


@pytest.mark.parametrize("name", WITH_REQUEST_LINE)
@pytest.mark.parametrize(
    "request_line", ["-", "\\x16\\x03\\x01\\x00\\xa5\\x01\\x00\\x00\\xa1\\x03\\x03", "GET"]
)
def test_invalid_request_lines_are_malformed(name: str, request_line: str) -> None:
    line = example(name).replace(request_of(example(name)), request_line)
    assert parse_one(FORMATS[name], line)["parsed"] is False


@pytest.mark.parametrize("name", WITH_REQUEST_LINE)
@pytest.mark.parametrize("space", ["\t", "\x0b", "\x0c", "\r", "\x85", "\xa0", "\u2028"])
def test_whitespace_other_than_a_space_is_part_of_the_target(name: str, space: str) -> None:
    """A server splits the request line at spaces: a tab or a line separator it logs raw (an
    escape=none nginx, Apache with a byte above 0x7f) is a byte of the path."""
    line = example(name)
    request = request_of(line)
    method, target, protocol = request.split(" ")
    odd = f"{target}x{space}y"
    row = parse_one(FORMATS[name], line.replace(request, f"{method} {odd} {protocol}"))
    path = re.sub(r"^https?://[^/]*", "", odd.split("?")[0])  # ALB and ELB log absolute URLs
    assert (row["parsed"], row["path"]) == (True, path)


@pytest.mark.parametrize("name", CLF_TIMES)
def test_offsets_other_than_utc(name: str) -> None:
    line = example(name).replace(":03 +0100]", ":03 -0800]").replace(":03 +0000]", ":03 -0800]")
    row = parse_one(FORMATS[name], line)
    # 09:15:03 (or 08:15:03) at -08:00 is 17:15:03 (16:15:03) UTC.
    hour = 17 if "09:15:03 -0800" in line else 16
    assert row["ts"] == datetime(2026, 11, 2, hour, 15, 3, tzinfo=UTC)


@pytest.mark.parametrize("name", WITH_USER_AGENT)
def test_non_utf8_bytes_arrive_as_replacement_characters(name: str) -> None:
    line = example(name).replace("Firefox", "Fire\ufffd\ufffdfox")
    row = parse_one(FORMATS[name], line)
    assert row["parsed"] is True
    assert "Fire\ufffd\ufffdfox" in str(row["user_agent"])


@pytest.mark.parametrize("name", REGEX_PRESETS)
def test_a_query_string_is_split_off(name: str) -> None:
    line = example(name).replace("/products/tent", "/products/tent?colour=red&size=2")
    row = parse_one(FORMATS[name], line)
    assert (row["path"], row["query"]) == ("/products/tent", "colour=red&size=2")
