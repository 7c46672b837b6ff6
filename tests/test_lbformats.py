"""Load balancer, proxy and CDN logs as their vendors document them: AWS ALB, NLB, Classic
ELB and S3, HAProxy, Bunny CDN.

Each variant is a documented clean line with one thing changed, and the expected fields are
written by hand from that line. Records that are no HTTP request are ``not_http``, and a file
holding only such records exits 1 with one line.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from micromacro.cli import cli
from micromacro.logformats import FORMATS, LogFormat, detect_format, parse_access_lines
from micromacro.logformats.presets import (
    ALB_FAMILY,
    BUNNY_FAMILY,
    ELB_FAMILY,
    ENVOY_FAMILY,
    HAPROXY_FAMILY,
    LB_FAMILIES,
    NPM_FAMILY,
    S3_FAMILY,
    UWSGI_FAMILY,
)
from tests.helpers import FIREFOX, fields, kind, lines_frame

FIXTURES = Path(__file__).parent / "fixtures" / "formats"
FIELDS = ("ts", "ip", "method", "path", "query", "status", "bytes", "referrer", "user_agent")


def rows(fmt: LogFormat, lines: list[str]) -> list[dict[str, object]]:
    """Every parsed line of ``lines`` read with ``fmt`` (and the rest of its family)."""
    frame = parse_access_lines(lines_frame(lines).lazy(), fmt).collect()
    return list(frame.iter_rows(named=True))


def one(name: str, line: str) -> dict[str, object]:
    """``line`` read with the preset ``name`` (its family reads what the preset does not)."""
    return rows(FORMATS[name], [line])[0]


def at(
    year: int, month: int, day: int, hour: int, minute: int, second: int, micro: int = 0
) -> datetime:
    """An instant in UTC."""
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)


# --- Application Load Balancer ----------------------------------------------------------

# The documentation's HTTPS entry, with the fields ALB appended since.
ALB_HTTPS = (
    "https 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 "
    "192.168.131.39:2817 10.0.0.1:80 0.086 0.048 0.037 200 200 0 57 "
    '"GET https://www.example.com:443/ HTTP/1.1" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 '
    "TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/"
    '73e2d6bc24d8a067 "Root=1-58337281-1d84f3d73c47ec4e58577259" "www.example.com" '
    '"arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012" 1 '
    '2018-07-02T22:22:48.364000Z "authenticate,forward" "-" "-" "10.0.0.1:80" "200" "-" "-" '
    "TID_1234abcd5678ef90"
)
ALB_TS = at(2018, 7, 2, 22, 23, 0, 186641)


def test_alb_documented_line() -> None:
    row = one("alb", ALB_HTTPS)
    assert fields(row, *FIELDS, "host", "variant") == (
        ALB_TS, "192.168.131.39", "GET", "/", None, 200, 57, None, "curl/7.46.0",
        "www.example.com", "alb",
    )  # fmt: skip


def test_alb_target_with_a_space_is_read_by_the_lenient_variant() -> None:
    line = ALB_HTTPS.replace(":443/ HTTP", ":443/search?q=red tent HTTP")
    row = one("alb", line)
    assert fields(row, "variant", "method", "path", "query", "host") == (
        "alb+spaced_target", "GET", "/search", "q=red tent", "www.example.com",
    )  # fmt: skip


def test_alb_path_with_a_space() -> None:
    line = ALB_HTTPS.replace(":443/ HTTP", ":443/my docs/a b.pdf HTTP")
    row = one("alb", line)
    assert fields(row, "variant", "path", "query") == (
        "alb+spaced_target",
        "/my docs/a b.pdf",
        None,
    )


def test_alb_failed_target_dashes_and_minus_one_times() -> None:
    # No target answered: target "-", processing times -1, target status "-".
    line = ALB_HTTPS.replace("10.0.0.1:80 0.086 0.048 0.037 200 200 0 57", "- -1 -1 -1 504 - 0 57")
    row = one("alb", line)
    assert fields(row, "variant", "ip", "status", "bytes", "path") == (
        "alb", "192.168.131.39", 504, 57, "/",
    )  # fmt: skip


def test_alb_dash_for_the_load_balancer_status() -> None:
    line = ALB_HTTPS.replace(" 200 200 0 57 ", " - - 0 57 ")
    row = one("alb", line)
    assert (kind(row), row["status"]) == ("record", None)


@pytest.mark.parametrize(
    ("request_type", "request_line", "agent", "method", "path"),
    [
        ("h2", "GET https://10.0.2.105:773/ HTTP/2.0", "curl/7.46.0", "GET", "/"),
        ("ws", "GET http://10.0.0.30:80/ HTTP/1.1", "-", "GET", "/"),
        ("wss", "GET https://10.0.0.30:443/chat HTTP/1.1", "-", "GET", "/chat"),
        (
            "grpcs",
            "POST https://metrics.example.com:443/metrics.v1.MetricsService/Report HTTP/2.0",
            "grpc-go/1.46.2",
            "POST",
            "/metrics.v1.MetricsService/Report",
        ),
    ],
)
def test_alb_http2_websockets_and_grpc(
    request_type: str, request_line: str, agent: str, method: str, path: str
) -> None:
    line = (
        ALB_HTTPS.replace("https ", f"{request_type} ", 1)
        .replace("GET https://www.example.com:443/ HTTP/1.1", request_line)
        .replace('"curl/7.46.0"', f'"{agent}"')
    )
    row = one("alb", line)
    assert fields(row, "variant", "method", "path", "user_agent", "status") == (
        "alb", method, path, None if agent == "-" else agent, 200,
    )  # fmt: skip


def test_alb_lambda_target() -> None:
    # A Lambda function is no target address; its invalid response is a 502 without a target
    # status.
    line = (
        ALB_HTTPS.replace("10.0.0.1:80 0.086 0.048 0.037 200 200", "- 0.000 0.001 0.000 502 -")
        .replace("targetgroup/my-targets/", "targetgroup/my-lambda/")
        .replace('"-" "-" "10.0.0.1:80" "200"', '"-" "LambdaInvalidResponse" "-" "-"')
    )
    row = one("alb", line)
    assert fields(row, "variant", "status", "bytes", "host") == ("alb", 502, 57, "www.example.com")


def test_alb_newer_fields_at_the_end_are_not_required() -> None:
    longer = ALB_HTTPS + ' "Ingress" "-" TID_2 "www.example.com" "/" "-" future_field'
    older = ALB_HTTPS[: ALB_HTTPS.index(' "Root=')]  # ends after target_group_arn: no domain
    oldest = ALB_HTTPS[: ALB_HTTPS.index(" ECDHE")]  # ends after the user agent
    read = rows(FORMATS["alb"], [longer, older, oldest])
    # Without domain_name, the host is the request's (https://www.example.com:443/).
    assert [fields(r, "variant", "path", "status", "host") for r in read] == [
        ("alb", "/", 200, "www.example.com"),
        ("alb", "/", 200, "www.example.com"),
        ("alb", "/", 200, "www.example.com"),
    ]


def test_alb_ipv6_client_in_brackets_or_not() -> None:
    bracketed = ALB_HTTPS.replace("192.168.131.39:2817", "[2001:db8::1]:2817")
    bare = ALB_HTTPS.replace("192.168.131.39:2817", "2001:db8::2:2817")
    read = rows(FORMATS["alb"], [bracketed, bare])
    assert [fields(r, "variant", "ip") for r in read] == [
        ("alb", "2001:db8::1"),
        ("alb", "2001:db8::2"),
    ]


def test_alb_quote_inside_the_user_agent_is_no_cut_user_agent() -> None:
    """A quote the load balancer did not escape ends no field: read up to it, the crawler
    after it went unseen and the line counted as a person's page. The line is malformed."""
    agent = 'Mozilla/5.0 (compatible; "x" Googlebot/2.1; +http://www.google.com/bot.html)'
    row = one("alb", ALB_HTTPS.replace('"curl/7.46.0"', f'"{agent}"'))
    assert (kind(row), row["user_agent"]) == ("malformed", None)


def test_alb_missing_space_before_a_later_field() -> None:
    # The documentation's wss entry has no space between "-" and the rule priority.
    line = ALB_HTTPS.replace('"www.example.com" "arn:aws:acm', '"-" "arn:aws:acm').replace(
        '12345678-1234-1234-1234-123456789012" 1 ', '12345678-1234-1234-1234-123456789012"1 '
    )
    row = one("alb", line)
    # domain_name "-": the host is the request's.
    assert fields(row, "variant", "path", "host") == ("alb", "/", "www.example.com")


@pytest.mark.parametrize(
    "request_line", ["- - -", "- http://www.example.com:80- -", "GET", "GET /a b"]
)
def test_alb_unreadable_request_is_malformed(request_line: str) -> None:
    line = ALB_HTTPS.replace("GET https://www.example.com:443/ HTTP/1.1", request_line)
    row = one("alb", line)
    assert (kind(row), row["variant"]) == ("malformed", None)


# The documentation's NLB TLS listener entry and ALB connection log entry.
NLB_TLS = (
    "tls 2.0 2018-12-20T02:59:40 net/my-network-loadbalancer/c6e77e28c25b2234 g3d4b5e8bb8464cd "
    "72.21.218.154:51341 172.100.100.185:443 5 2 98 246 - arn:aws:acm:us-east-2:671290407336:"
    "certificate/2a108f19-aded-46b0-8493-c63eb1ef4a99 - ECDHE-RSA-AES128-SHA tlsv12 - "
    'my-network-loadbalancer-c6e77e28c25b2234.elb.us-east-2.amazonaws.com h2 h2 "h2","http/1.1" '
    "2020-04-01T08:51:42"
)
ALB_CONNECTION = (
    "2023-10-04T17:05:15.514108Z 203.0.113.1 36280 443 TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256 4.036 "
    '"CN=amazondomains.com,O=endEntity,L=Seattle,ST=Washington,C=US" '
    "NotBefore=2023-09-21T22:43:21Z;NotAfter=2026-06-17T22:43:21Z FEF257372D5C14D4 Success "
    "TID_3180a73013c8ca4bac2f731159d4b0fe"
)


@pytest.mark.parametrize(
    ("line", "shape"),
    [
        (NLB_TLS, "nlb_tls"),
        # The first NLB TLS records (version 1.0) ended after the domain name.
        (NLB_TLS.replace("tls 2.0", "tls 1.0").split(" h2 h2 ")[0], "nlb_tls"),
        (ALB_CONNECTION, "alb_connection"),
        (
            ALB_CONNECTION.replace(" 4.036 ", " - ").replace(
                " Success ", " Failed:ClientCertUntrusted "
            ),
            "alb_connection",
        ),
        # An IPv6 client, and no client certificate.
        (
            ALB_CONNECTION.replace("203.0.113.1", "2001:db8::1").replace(
                '"CN=amazondomains.com,O=endEntity,L=Seattle,ST=Washington,C=US"', '"-"'
            ),
            "alb_connection",
        ),
    ],
)
def test_nlb_tls_and_alb_connection_records_are_not_http(line: str, shape: str) -> None:
    row = one("alb", line)
    assert (kind(row), row["variant"], row["method"]) == ("not_http", shape, None)


# --- Classic Load Balancer ---------------------------------------------------------------

# The documentation's HTTPS entry.
ELB_HTTPS = (
    "2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000086 "
    '0.001048 0.001337 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.38.0" '
    "DHE-RSA-AES128-SHA TLSv1.2"
)
ELB_TS = at(2015, 5, 13, 23, 39, 43, 945958)


def test_elb_documented_line() -> None:
    row = one("elb", ELB_HTTPS)
    assert fields(row, *FIELDS, "host", "variant") == (
        ELB_TS, "192.168.131.39", "GET", "/", None, 200, 57, None, "curl/7.38.0",
        "www.example.com", "elb",
    )  # fmt: skip


def test_elb_line_ending_after_the_request() -> None:
    # Before the user agent and SSL fields were logged.
    line = ELB_HTTPS.removesuffix(' "curl/7.38.0" DHE-RSA-AES128-SHA TLSv1.2')
    row = one("elb", line)
    assert fields(row, "variant", "ts", "path", "status", "user_agent") == (
        "elb+no_user_agent", ELB_TS, "/", 200, None,
    )  # fmt: skip


def test_elb_timed_out_request_without_a_backend() -> None:
    line = ELB_HTTPS.replace(
        "10.0.0.1:80 0.000086 0.001048 0.001337 200 200 0 57", "- -1 -1 -1 408 - 1294336 0"
    ).replace("GET https://www.example.com:443/ ", "PUT https://www.example.com:443/videos/a ")
    row = one("elb", line)
    assert fields(row, "variant", "method", "path", "status", "bytes") == (
        "elb", "PUT", "/videos/a", 408, 0,
    )  # fmt: skip


def test_elb_target_with_a_space() -> None:
    line = ELB_HTTPS.replace(":443/ HTTP", ":443/a b?c=d e HTTP")
    row = one("elb", line)
    assert fields(row, "variant", "path", "query") == ("elb+spaced_target", "/a b", "c=d e")


def test_elb_line_without_user_agent_and_with_a_spaced_target() -> None:
    line = ELB_HTTPS.replace(":443/ HTTP", ":443/a b HTTP").removesuffix(
        ' "curl/7.38.0" DHE-RSA-AES128-SHA TLSv1.2'
    )
    row = one("elb", line)
    assert fields(row, "variant", "path") == ("elb+no_user_agent+spaced_target", "/a b")


@pytest.mark.parametrize(
    "line",
    [
        # The documentation's TCP and SSL listener entries.
        "2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.001069 "
        '0.000028 0.000041 - - 82 305 "- - - " "-" - -',
        "2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.001065 "
        '0.000015 0.000023 - - 57 502 "- - - " "-" ECDHE-ECDSA-AES128-GCM-SHA256 TLSv1.2',
        # No backend, and an older line ending after the request.
        "2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 - -1 -1 -1 - - 82 0 "
        '"- - - "',
    ],
)
def test_elb_tcp_listener_records_are_not_http(line: str) -> None:
    row = one("elb", line)
    assert (kind(row), row["variant"]) == ("not_http", "elb_tcp")


# --- HAProxy ------------------------------------------------------------------------------

# The documentation's "HTTP log format" example.
HAPROXY_HTTP = (
    "Feb  6 12:14:14 localhost haproxy[14389]: 10.0.1.2:33317 [06/Feb/2009:12:14:14.655] "
    "http-in static/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 {1wt.eu} {} "
    '"GET /index.html HTTP/1.1"'
)
HAPROXY_TS = at(2009, 2, 6, 12, 14, 14, 655000)
HAPROXY_RECORD = (HAPROXY_TS, "10.0.1.2", "GET", "/index.html", None, 200, 2750, None, None)


def test_haproxy_documented_line() -> None:
    row = one("haproxy", HAPROXY_HTTP)
    assert fields(row, *FIELDS, "host", "variant") == (
        *HAPROXY_RECORD, None, "haproxy+captures",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("line", "variant"),
    [
        (HAPROXY_HTTP.replace("{1wt.eu} {} ", ""), "haproxy"),
        # One block (request headers only); two, with spaces and "|" inside.
        (HAPROXY_HTTP.replace("{1wt.eu} {} ", "{1wt.eu} "), "haproxy+captures"),
        (
            HAPROXY_HTTP.replace(
                "{1wt.eu} {}",
                "{1wt.eu|Mozilla/5.0 (X11; Linux x86_64) Gecko|https://1wt.eu/} {text/html|}",
            ),
            "haproxy+captures",
        ),
        # Without the syslog prefix (logging to stdout), with an ISO 8601 or RFC 5424 one.
        (HAPROXY_HTTP.split("]: ", 1)[1], "haproxy+captures"),
        (
            HAPROXY_HTTP.replace("Feb  6 12:14:14", "2009-02-06T13:14:14+01:00"),
            "haproxy+captures",
        ),
        (
            HAPROXY_HTTP.replace(
                "Feb  6 12:14:14 localhost haproxy[14389]:",
                "<134>1 2009-02-06T12:14:14.817934+00:00 - haproxy 14389 - -",
            ),
            "haproxy+captures",
        ),
        # "+" before the total time and the bytes (option logasap).
        (HAPROXY_HTTP.replace("69/109 200 2750", "69/+109 200 +2750"), "haproxy+captures"),
        # A custom log-format's field after the server, and fields after the request.
        (
            HAPROXY_HTTP.replace("static/srv1 ", "static/srv1 www.1wt.eu "),
            "haproxy+custom_field+captures",
        ),
        (HAPROXY_HTTP + ' hdrs:"Accept: */*"', "haproxy+captures+fields"),
    ],
)
def test_haproxy_variants(line: str, variant: str) -> None:
    row = one("haproxy", line)
    assert fields(row, *FIELDS, "variant") == (*HAPROXY_RECORD, variant)


def test_haproxy_client_dash_and_aborted_server() -> None:
    line = HAPROXY_HTTP.replace("10.0.1.2:33317", "-:33317").replace(
        "static/srv1 10/0/30/69/109 200 2750 - - ----",
        "static/<NOSRV> 0/-1/-1/-1/0 503 213 - - SC--",
    )
    row = one("haproxy", line)
    assert fields(row, "ip", "status", "bytes", "path") == (None, 503, 213, "/index.html")


@pytest.mark.parametrize(
    "request_line",
    ['"<BADREQ>"', '"GET /index.html', '"GET /index.html HTTP/1.1'],
)
def test_haproxy_bad_or_truncated_request_is_malformed(request_line: str) -> None:
    line = HAPROXY_HTTP.replace('"GET /index.html HTTP/1.1"', request_line)
    assert kind(one("haproxy", line)) == "malformed"


@pytest.mark.parametrize(
    ("line", "shape"),
    [
        # The documentation's "TCP log format" example, then without the syslog prefix and
        # with a retry ("+3") and other termination flags.
        (
            "Feb  6 12:12:56 localhost haproxy[14387]: 10.0.1.2:33313 [06/Feb/2009:12:12:51.443] "
            "fnt bck/srv1 0/0/5007 212 -- 0/0/0/0/3 0/0",
            "haproxy_tcp",
        ),
        (
            "10.0.1.2:33313 [06/Feb/2009:12:12:51.443] fnt bck/<NOSRV> -1/-1/1 0 SC 1/1/0/0/+3 0/0",
            "haproxy_tcp",
        ),
        # The default log format.
        (
            "Sep 20 15:42:59 lb1 haproxy[24551]: Connect from 10.0.1.2:40780 to 10.0.3.31:5000 "
            "(main/HTTP)",
            "haproxy_connect",
        ),
        (
            "Sep 20 15:42:59 lb1 haproxy[24551]: Connect from 10.0.1.2:40781 to 10.0.3.31:5432 "
            "(db/TCP)",
            "haproxy_connect",
        ),
    ],
)
def test_haproxy_tcp_and_connect_records_are_not_http(line: str, shape: str) -> None:
    row = one("haproxy", line)
    assert (kind(row), row["variant"]) == ("not_http", shape)


# --- S3 server access log -------------------------------------------------------------------

# The documentation's example entry.
S3_LINE = (
    "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be awsexamplebucket1 "
    "[06/Feb/2019:00:00:38 +0000] 192.0.2.3 "
    "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be 3E57427F3EXAMPLE "
    'REST.GET.VERSIONING - "GET /awsexamplebucket1?versioning HTTP/1.1" 200 - 113 - 7 - "-" '
    '"S3Console/0.4" - s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/'
    "VLi31234= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader "
    "awsexamplebucket1.s3.us-west-1.amazonaws.com TLSV1.2 "
    "arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP Yes"
)
S3_TS = at(2019, 2, 6, 0, 0, 38)


def test_s3_documented_line_the_bucket_is_the_host() -> None:
    row = one("s3", S3_LINE)
    assert fields(row, *FIELDS, "host", "variant") == (
        S3_TS, "192.0.2.3", "GET", "/awsexamplebucket1", "versioning", 200, 113, None,
        "S3Console/0.4", "awsexamplebucket1", "s3",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # Ending after the user agent (before the later fields were logged).
        (S3_LINE[: S3_LINE.index(" - s9lz")], ("/awsexamplebucket1", "versioning", 200, 113)),
        # More fields than today.
        (S3_LINE + " - - future", ("/awsexamplebucket1", "versioning", 200, 113)),
        # An error: its code, and "-" for the bytes sent.
        (
            S3_LINE.replace(
                '?versioning HTTP/1.1" 200 - 113', '?policy HTTP/1.1" 404 NoSuchBucketPolicy -'
            ),
            ("/awsexamplebucket1", "policy", 404, None),
        ),
        # A website GET of a key, with a referrer and a UA with commas.
        (
            S3_LINE.replace("REST.GET.VERSIONING - ", "WEBSITE.GET.OBJECT docs/index.html ")
            .replace("/awsexamplebucket1?versioning", "/docs/index.html")
            .replace('"-" "S3Console/0.4"', '"https://www.example.com/" "Mozilla/5.0 (a, b)"'),
            ("/docs/index.html", None, 200, 113),
        ),
        # "-" for the referrer and user agent, without quotes.
        (
            S3_LINE.replace('"-" "S3Console/0.4"', "- -"),
            ("/awsexamplebucket1", "versioning", 200, 113),
        ),
    ],
)
def test_s3_variants(line: str, expected: tuple[object, ...]) -> None:
    row = one("s3", line)
    assert fields(row, "path", "query", "status", "bytes", "host") == (
        *expected, "awsexamplebucket1",
    )  # fmt: skip


def test_s3_referrer_and_user_agent() -> None:
    line = S3_LINE.replace('"-" "S3Console/0.4"', '"https://www.example.com/" "Mozilla/5.0 (a, b)"')
    row = one("s3", line)
    assert fields(row, "referrer", "user_agent") == (
        "https://www.example.com/",
        "Mozilla/5.0 (a, b)",
    )


def test_s3_internal_operations_are_not_http() -> None:
    # A batch delete S3 ran itself: "-" for the request, the referrer and the user agent.
    line = (
        S3_LINE.replace("REST.GET.VERSIONING - ", "BATCH.DELETE.OBJECT s3-dg.pdf ")
        .replace(
            '"GET /awsexamplebucket1?versioning HTTP/1.1" 200 - 113 - 7 -', "- 204 - - 4406583 - -"
        )
        .replace('"-" "S3Console/0.4"', "- -")
    )
    row = one("s3", line)
    assert (kind(row), row["variant"]) == ("not_http", "s3_internal")


def test_s3_quoted_dash_request_is_malformed() -> None:
    line = S3_LINE.replace('"GET /awsexamplebucket1?versioning HTTP/1.1"', '"-"')
    assert kind(one("s3", line)) == "malformed"


# --- Bunny CDN ------------------------------------------------------------------------------

# The documentation's example line (its user agent written out).
BUNNY_LINE = (
    "HIT|200|1507167062421|412|390|163.172.53.229|-|https://example.b-cdn.net/video.mp4|WA|"
    f"{FIREFOX}|322b688bd63fb63f2babe9de30a5d262|DE"
)
BUNNY_URL = "https://example.b-cdn.net/video.mp4"


def test_bunny_documented_line() -> None:
    # 1507167062421 ms: 17444 days (2017-10-05) and 5462.421 s (01:31:02.421).
    row = one("bunny", BUNNY_LINE)
    assert fields(row, *FIELDS, "host", "variant") == (
        at(2017, 10, 5, 1, 31, 2, 421000), "163.172.53.229", "GET", "/video.mp4", None, 200, 412,
        None, FIREFOX, "example.b-cdn.net", "bunny",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # A query, a referrer, another cache status.
        (
            BUNNY_LINE.replace("HIT|", "MISS|").replace(
                f"|-|{BUNNY_URL}|", f"|https://www.example.com/|{BUNNY_URL}?t=30&q=a|"
            ),
            ("/video.mp4", "t=30&q=a", "https://www.example.com/", FIREFOX),
        ),
        # A "|" inside the user agent, and an empty referrer.
        (
            BUNNY_LINE.replace("|-|", "||").replace(f"{FIREFOX}|", f"{FIREFOX} |x|"),
            ("/video.mp4", None, None, f"{FIREFOX} |x"),
        ),
        # A URL without a path.
        (
            BUNNY_LINE.replace(BUNNY_URL, "https://example.b-cdn.net"),
            ("/", None, None, FIREFOX),
        ),
    ],
)
def test_bunny_variants(line: str, expected: tuple[object, ...]) -> None:
    row = one("bunny", line)
    assert fields(row, "path", "query", "referrer", "user_agent") == expected


def test_bunny_line_cut_short_is_malformed() -> None:
    assert kind(one("bunny", BUNNY_LINE.rsplit("|", 2)[0])) == "malformed"


# --- Detection and the command line ---------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "family", "preset", "records", "not_http"),
    [
        ("alb_docs.log", "alb", "alb", 7, 0),
        ("elb_docs.log", "elb", "elb", 2, 2),
        ("haproxy_docs.log", "haproxy", "haproxy", 2, 1),
        ("s3_docs.log", "s3", "s3", 4, 0),
        ("bunny_docs.log", "bunny", "bunny", 2, 0),
        ("nlb_tls.log", "alb", "alb", 0, 2),
        ("alb_connection.log", "alb", "alb", 0, 2),
        ("elb_tcp.log", "elb", "elb", 0, 2),
        ("haproxy_tcp.log", "haproxy", "haproxy", 0, 2),
        ("s3_internal.log", "s3", "s3", 0, 2),
        ("npm_docs.log", "npm", "npm", 4, 0),
        ("envoy_docs.log", "envoy", "envoy", 2, 0),
        ("istio_docs.log", "envoy", "istio", 2, 0),
        ("envoy_tcp.log", "envoy", "envoy", 0, 2),
    ],
)
def test_detection_from_documented_lines(
    fixture: str, family: str, preset: str, records: int, not_http: int
) -> None:
    lines = (FIXTURES / fixture).read_text().splitlines()
    detected = detect_format(lines)
    read = [kind(row) for row in rows(detected.format, lines)]
    assert (detected.format.family.name, detected.format.name, detected.parsed) == (
        family, preset, records + not_http,
    )  # fmt: skip
    assert (read.count("record"), read.count("not_http"), read.count("malformed")) == (
        records, not_http, 0,
    )  # fmt: skip


def test_detection_chooses_the_general_reader_when_most_lines_have_captures() -> None:
    lines = (FIXTURES / "haproxy_docs.log").read_text().splitlines()
    sample = [lines[0], lines[0], lines[1]]
    assert detect_format(sample).format.name == "haproxy_any"


@pytest.mark.parametrize(
    ("fixture", "message"),
    [
        ("nlb_tls.log", "2 of its 2 records are alb records that are not HTTP requests (nlb_tls)"),
        (
            "alb_connection.log",
            "2 of its 2 records are alb records that are not HTTP requests (alb_connection)",
        ),
        ("elb_tcp.log", "2 of its 2 records are elb records that are not HTTP requests (elb_tcp)"),
        (
            "haproxy_tcp.log",
            "2 of its 2 records are haproxy records that are not HTTP requests "
            "(haproxy_connect, haproxy_tcp)",
        ),
        (
            "s3_internal.log",
            "2 of its 2 records are s3 records that are not HTTP requests (s3_internal)",
        ),
    ],
)
def test_a_file_of_records_that_are_no_http_request_exits_1_with_one_line(
    fixture: str, message: str
) -> None:
    result = CliRunner().invoke(cli, ["report", str(FIXTURES / fixture), "--format", "json"])
    assert result.exit_code == 1
    assert result.stderr == f"micromacro: error: no HTTP request in the input: {message}\n"


def test_every_load_balancer_family_is_exported() -> None:
    names = ["alb", "elb", "haproxy", "s3", "bunny", "npm", "envoy", "uwsgi"]
    assert [family.name for family in LB_FAMILIES] == names
    assert LB_FAMILIES == (
        ALB_FAMILY, ELB_FAMILY, HAPROXY_FAMILY, S3_FAMILY, BUNNY_FAMILY, NPM_FAMILY, ENVOY_FAMILY,
        UWSGI_FAMILY,
    )  # fmt: skip
    assert {*names, "npm_standard", "istio"} <= set(FORMATS)
