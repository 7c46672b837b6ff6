"""Format strings and the regex presets: each line's fields, written by hand from the line."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from micromacro.cli import cli
from micromacro.errors import UsageError
from micromacro.logformats import FORMATS, LogFormat, detect_format, resolve_format
from micromacro.logformats.formatstrings import compile_format_string
from tests.helpers import FIREFOX, lines_frame

FIELDS = ("ts", "ip", "method", "path", "query", "status", "bytes", "referrer", "user_agent")
NGINX_MAIN = (
    '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
    '"$http_referer" "$http_user_agent" $request_time "$host" "$http_x_forwarded_for"'
)
APACHE_COMBINED = r"%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-Agent}i\""


def parsed(fmt: LogFormat, lines: list[str]) -> list[dict[str, object]]:
    frame = fmt.parser()(lines_frame(lines).lazy()).collect()
    return frame.select("parsed", *FIELDS, "host", "forwarded_for").to_dicts()


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def test_nginx_main_format_with_extra_fields() -> None:
    fmt = resolve_format(NGINX_MAIN)
    assert fmt.name == "nginx"
    rows = parsed(
        fmt,
        [
            '2001:db8::7 - alice [02/Nov/2026:09:15:03 +0530] "GET /p/tent?c=red&s=2 HTTP/2.0" '
            '200 5123 "-" "Mozilla/5.0 \\x22quoted\\x22" 0.004 "shop.example.com" '
            '"198.51.100.9, 10.0.0.1"',
            '203.0.113.7 - - [02/Nov/2026:09:15:04 -0800] "POST /cart/add HTTP/1.1" 303 - '
            '"https://shop.example.com/p/tent" "curl/8.5" 0.010 "shop.example.com" "-"',
        ],
    )
    assert rows == [
        {
            "parsed": True,
            "ts": at(2026, 11, 2, 3, 45, 3),
            "ip": "2001:db8::7",
            "method": "GET",
            "path": "/p/tent",
            "query": "c=red&s=2",
            "status": 200,
            "bytes": 5123,
            "referrer": None,
            "user_agent": "Mozilla/5.0 \\x22quoted\\x22",
            "host": "shop.example.com",
            "forwarded_for": "198.51.100.9, 10.0.0.1",
        },
        {
            "parsed": True,
            "ts": at(2026, 11, 2, 17, 15, 4),
            "ip": "203.0.113.7",
            "method": "POST",
            "path": "/cart/add",
            "query": None,
            "status": 303,
            "bytes": None,
            "referrer": "https://shop.example.com/p/tent",
            "user_agent": "curl/8.5",
            "host": "shop.example.com",
            "forwarded_for": None,
        },
    ]


@pytest.mark.parametrize(
    "request_line",
    ["-", "\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xfc\\x03\\x03", "GET /", ""],
)
def test_nginx_requests_that_are_no_request_line_are_malformed(request_line: str) -> None:
    line = (
        f'203.0.113.7 - - [02/Nov/2026:09:15:03 +0000] "{request_line}" 400 150 "-" "-" 0.000 '
        '"_" "-"'
    )
    assert parsed(resolve_format(NGINX_MAIN), [line])[0]["parsed"] is False


def test_nginx_iso8601_time_and_split_request() -> None:
    fmt = resolve_format(
        '$time_iso8601 $remote_addr "$request_method $request_uri" $status $bytes_sent '
        '"$http_user_agent" $upstream_addr'
    )
    row = parsed(
        fmt,
        [
            '2026-11-02T09:15:03+01:00 203.0.113.7 "GET /search?q=tent" 200 812 "\ufffdbot" '
            "10.0.0.5:80"
        ],
    )[0]
    assert {k: row[k] for k in ("parsed", "ts", "method", "path", "query", "user_agent")} == {
        "parsed": True,
        "ts": at(2026, 11, 2, 8, 15, 3),
        "method": "GET",
        "path": "/search",
        "query": "q=tent",
        "user_agent": "\ufffdbot",
    }


def test_nginx_msec_uri_and_args() -> None:
    fmt = resolve_format("$msec $remote_addr $request_method $uri $args $status")
    row = parsed(fmt, ["1793610903.250 203.0.113.7 GET /p/tent c=red 200"])[0]
    assert (row["ts"], row["path"], row["query"], row["bytes"]) == (
        at(2026, 11, 2, 9, 15, 3, 250000),
        "/p/tent",
        "c=red",
        None,
    )
    empty_args = parsed(fmt, ["1793610903.250 203.0.113.7 GET /p/tent - 200"])[0]
    assert (empty_args["parsed"], empty_args["query"]) == (True, None)


@pytest.mark.parametrize("args", ["$args", "$query_string"])
def test_nginx_uri_is_args_args_reads_path_and_query_as_request_uri_does(args: str) -> None:
    fmt = resolve_format(f'$remote_addr [$time_local] "$request_method $uri$is_args{args}" $status')
    rows = parsed(
        fmt,
        [
            '203.0.113.10 [02/Nov/2026:09:15:03 +0100] "GET /search?q=shoes&utm_source=news" 200',
            '203.0.113.10 [02/Nov/2026:09:15:04 +0100] "GET /a" 200',
        ],
    )
    assert [(r["parsed"], r["method"], r["path"], r["query"]) for r in rows] == [
        (True, "GET", "/search", "q=shoes&utm_source=news"),
        (True, "GET", "/a", None),
    ]


@pytest.mark.parametrize(
    "text",
    [
        '$remote_addr:$remote_port - $remote_user [$time_local] "$request" $status',
        r"%a:%{remote}p - %u %t \"%r\" %>s",
    ],
    ids=["nginx", "apache"],
)
def test_an_ipv6_client_before_its_port_is_the_address_up_to_the_last_colon(text: str) -> None:
    fmt = resolve_format(text)
    rows = parsed(
        fmt,
        [
            '2001:db8::5:51234 - - [02/Nov/2026:09:15:03 +0100] "GET /a HTTP/1.1" 200',
            '2001:db8:ffff::9:40000 - - [02/Nov/2026:09:15:04 +0100] "GET /b HTTP/1.1" 200',
            '203.0.113.10:5555 - - [02/Nov/2026:09:15:04 +0100] "GET /b HTTP/1.1" 200',
        ],
    )
    assert [(r["parsed"], r["ip"]) for r in rows] == [
        (True, "2001:db8::5"),
        (True, "2001:db8:ffff::9"),
        (True, "203.0.113.10"),
    ]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (
            r"%h %t \"%r\" %>s %^FB",
            '203.0.113.10 [02/Nov/2026:09:15:03 +0100] "GET /a HTTP/1.1" 200 1234',
        ),
        (
            r"%h %t \"%r\" %>s \"%{Server-Timing}^to\" %{Expires}^ti",
            '203.0.113.10 [02/Nov/2026:09:15:03 +0100] "GET /a HTTP/1.1" 200 "db;dur=53" -',
        ),
    ],
    ids=["time-to-first-byte", "trailers"],
)
def test_apache_time_to_first_byte_and_trailers_are_fields_left_unread(
    text: str, line: str
) -> None:
    row = parsed(resolve_format(text), [line])[0]
    assert (row["parsed"], row["ip"], row["path"], row["status"]) == (
        True,
        "203.0.113.10",
        "/a",
        200,
    )


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (
            'log_format main "$remote_addr [$time_local] \\"$request\\" $status";',
            '203.0.113.10 [02/Nov/2026:09:15:03 +0100] "GET /a?x=1 HTTP/1.1" 200',
        ),
        (
            "'$remote_addr\\t$time_iso8601\\t$request_method\\t$request_uri\\t$status'",
            "203.0.113.10\t2026-11-02T09:15:03+01:00\tGET\t/a?x=1\t200",
        ),
        (
            '$remote_addr\\t[$time_local] \\\\ \\"$request\\" $status',
            '203.0.113.10\t[02/Nov/2026:09:15:03 +0100] \\ "GET /a?x=1 HTTP/1.1" 200',
        ),
    ],
    ids=["escaped-quotes", "tabs-in-quotes", "bare"],
)
def test_nginx_config_escapes_are_undone_as_nginx_does(text: str, line: str) -> None:
    row = parsed(resolve_format(text), [line])[0]
    assert (row["parsed"], row["ip"], row["path"], row["query"], row["status"]) == (
        True,
        "203.0.113.10",
        "/a",
        "x=1",
        200,
    )


def test_unquoted_upstream_lists_are_read_whole() -> None:
    fmt = resolve_format(
        '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
        '"$http_referer" "$http_user_agent" $request_time $upstream_response_time "$host"'
    )
    head = '203.0.113.10 - - [02/Nov/2026:09:15:0{} +0100] "GET /{} HTTP/1.1" {} 512 "-" "UA" '
    rows = parsed(
        fmt,
        [
            head.format(3, "a", 200) + '0.006 0.004 "shop.example"',
            head.format(4, "b", 200) + '0.010 0.004, 0.002 "shop.example"',
            head.format(5, "c", 200) + '0.000 - "shop.example"',
            head.format(6, "d", 502) + '0.010 0.004 : 0.002 "shop.example"',
        ],
    )
    assert [(r["parsed"], r["path"], r["status"], r["host"]) for r in rows] == [
        (True, "/a", 200, "shop.example"),
        (True, "/b", 200, "shop.example"),
        (True, "/c", 200, "shop.example"),
        (True, "/d", 502, "shop.example"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
        '"$http_referer" "$http_user_agent" $http_x_forwarded_for',
        r"%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-Agent}i\" %{X-Forwarded-For}i",
    ],
    ids=["nginx", "apache"],
)
def test_an_unquoted_forwarded_for_list_is_read_whole(text: str) -> None:
    head = '10.0.0.1 - - [02/Nov/2026:09:15:03 +0100] "GET /a HTTP/1.1" 200 1 "-" "UA" '
    rows = parsed(resolve_format(text), [head + "198.51.100.7, 10.0.0.9", head + "198.51.100.8"])
    assert [(r["parsed"], r["forwarded_for"]) for r in rows] == [
        (True, "198.51.100.7, 10.0.0.9"),
        (True, "198.51.100.8"),
    ]


@pytest.mark.parametrize(
    ("text", "query"),
    [(r"%h %t \"%m %U%q %H\" %>s", "x=1"), (r"%h %t \"%m %U %H\" %>s", None)],
    ids=["with-query", "without"],
)
def test_apaches_path_in_quotes_may_hold_spaces(text: str, query: str | None) -> None:
    target = "/my docs/a b.html?x=1" if query else "/my docs/a b.html"
    line = f'203.0.113.10 [02/Nov/2026:09:15:03 +0100] "GET {target} HTTP/1.1" 200'
    row = parsed(resolve_format(text), [line])[0]
    assert (row["parsed"], row["path"], row["query"], row["status"]) == (
        True,
        "/my docs/a b.html",
        query,
        200,
    )


def test_pasted_nginx_directive_is_accepted() -> None:
    pasted = (
        "log_format main '$remote_addr - $remote_user [$time_local] \"$request\" '\n"
        '                \'$status $body_bytes_sent "$http_referer" "$http_user_agent"\';'
    )
    line = f'203.0.113.7 - - [02/Nov/2026:09:15:03 +0000] "GET / HTTP/1.1" 200 612 "-" "{FIREFOX}"'
    assert parsed(resolve_format(pasted), [line])[0]["parsed"] is True


_EPOCH_LINE = '1793610903.250 203.0.113.7 "GET /a?b=1 HTTP/1.1" 200'
_BRACKET_FIRST = '[02/Nov/2026:09:15:03 +0000] 203.0.113.7 "GET /a?b=1 HTTP/1.1" 200'


@pytest.mark.parametrize(
    ("pasted", "line"),
    [
        ("'$msec $remote_addr \"$request\" $status'", _EPOCH_LINE),
        ("'$msec $remote_addr '\n   '\"$request\" $status'", _EPOCH_LINE),
        ("'$msec $remote_addr ' '\"$request\" $status';", _EPOCH_LINE),
        ('"%t %h \\"%r\\" %>s"', _BRACKET_FIRST),
    ],
    ids=["nginx", "nginx-pieces", "nginx-pieces-and-semicolon", "apache"],
)
def test_a_string_pasted_in_its_config_quotes_is_the_string(pasted: str, line: str) -> None:
    """The string alone as the config file quotes it: the quotes are the config's, not the
    log's (no line matched from column 1 on)."""
    fmt = resolve_format(pasted)
    row = parsed(fmt, [line])[0]
    assert (row["parsed"], row["path"], row["query"], row["status"]) == (True, "/a", "b=1", 200)


_JSON_FORMAT = (
    """'{"time":"$time_iso8601","remote_addr":"$remote_addr","request":"$request",'"""
    """'"status":$status,"http_referer":"$http_referer","http_user_agent":"$http_user_agent"}';"""
)


def test_an_escape_json_format_has_its_values_unescaped() -> None:
    """nginx's escape=json writes a quote, a backslash and control characters with JSON's
    escapes: a format given with it reads the values they stand for; the same string without
    it (nothing says the values are escaped) reads them as written."""
    lines = [
        '{"time":"2026-11-02T09:15:03+01:00","remote_addr":"203.0.113.10",'
        '"request":"GET /say\\u0020\\"hi\\"?x=1 HTTP/1.1","status":200,"http_referer":'
        '"https://www.bing.com/search?q=a\\\\b","http_user_agent":"Mozilla/5.0 \\"Q\\" A"}',
    ]
    escaped = parsed(resolve_format(f"log_format j escape=json {_JSON_FORMAT}"), lines)[0]
    assert (escaped["parsed"], escaped["path"], escaped["query"]) == (True, '/say "hi"', "x=1")
    assert escaped["referrer"] == "https://www.bing.com/search?q=a\\b"
    assert escaped["user_agent"] == 'Mozilla/5.0 "Q" A'
    written = parsed(resolve_format(f"log_format j {_JSON_FORMAT}"), lines)[0]
    assert written["user_agent"] == 'Mozilla/5.0 \\"Q\\" A'


def test_apache_combined_string_reads_like_the_preset() -> None:
    fmt = resolve_format(APACHE_COMBINED)
    assert fmt.name == "apache"
    lines = [
        FORMATS["combined"].example,
        '192.0.2.1 - - [02/Nov/2026:09:15:03 +0100] "-" 400 0 "-" "-"',
    ]
    assert parsed(fmt, lines) == parsed(FORMATS["combined"], lines)


def test_apache_vhost_duration_forwarded_for_and_strftime_time() -> None:
    fmt = resolve_format(
        r"%v %a %{%Y-%m-%d %H:%M:%S}t \"%m %U%q %H\" %>s %B %D \"%{X-Forwarded-For}i\""
    )
    row = parsed(
        fmt,
        ['shop.example.com 203.0.113.7 2026-11-02 09:15:03 "GET /p/tent?c=red HTTP/1.1" 200 0 '
         '5120 "198.51.100.9"'],
    )[0]  # fmt: skip
    assert row == {
        "parsed": True,
        "ts": at(2026, 11, 2, 9, 15, 3),  # no zone in the format: read as UTC
        "ip": "203.0.113.7",
        "method": "GET",
        "path": "/p/tent",
        "query": "c=red",
        "status": 200,
        "bytes": 0,
        "referrer": None,
        "user_agent": None,
        "host": "shop.example.com",
        "forwarded_for": "198.51.100.9",
    }


@pytest.mark.parametrize(
    "text",
    [
        r"%{c}a %a %l %u %t \"%r\" %>s %b",  # Apache behind a proxy, with mod_remoteip
        '$realip_remote_addr $remote_addr - $remote_user [$time_local] "$request" $status '
        "$body_bytes_sent",  # nginx's realip module
        r"%a %{c}a %l %u %t \"%r\" %>s %b",  # the peer after the client: the same
    ],
)
def test_the_connections_peer_is_the_client_only_without_the_client(text: str) -> None:
    """Apache's %{c}a and nginx's $realip_remote_addr are the connection's peer (a load
    balancer); %a and $remote_addr the client behind it."""
    line = '10.0.0.2 203.0.113.7 - - [02/Nov/2026:09:15:03 +0100] "GET /a HTTP/1.1" 200 10'
    if text.startswith("%a"):
        line = '203.0.113.7 10.0.0.2 - - [02/Nov/2026:09:15:03 +0100] "GET /a HTTP/1.1" 200 10'
    (row,) = parsed(resolve_format(text), [line])
    assert row["ip"] == "203.0.113.7"
    peer_only = resolve_format(r"%{c}a %l %u %t \"%r\" %>s %b")  # the peer is all there is
    (alone,) = parsed(
        peer_only, ['10.0.0.2 - - [02/Nov/2026:09:15:03 +0100] "GET /a HTTP/1.1" 200 10']
    )
    assert alone["ip"] == "10.0.0.2"


def test_a_format_with_x_forwarded_for_where_the_address_goes_reads_the_client_from_it(
    tmp_path: Path,
) -> None:
    """Apache's "proxy" LogFormat logs %{X-Forwarded-For}i where %h goes: with no address, the
    three clients were one visitor (their user agent's)."""
    log = tmp_path / "access.log"
    log.write_text(
        "".join(
            f'{address} - - [02/Nov/2026:09:15:0{n} +0100] "GET /{n} HTTP/1.1" 200 10 '
            f'"-" "{FIREFOX}"\n'
            for n, address in enumerate(["198.51.100.1", "198.51.100.9", "192.0.2.44"])
        )
    )
    proxy = r"%{X-Forwarded-For}i %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-Agent}i\""
    args = ["report", str(log), "--log-format", proxy, "--format", "json", "--no-cache"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["summary"]["visitors"] == 3
    hits = CliRunner().invoke(cli, ["hits", str(log), "--log-format", proxy])
    rows = [line.split(",") for line in hits.stdout.splitlines()[1:]]
    assert [(row[3], row[4]) for row in rows] == [
        ("apache", "198.51.100.1"),
        ("apache", "198.51.100.9"),
        ("apache", "192.0.2.44"),
    ]
    assert (
        "micromacro: the format string has no client address but a forwarded one "
        "(X-Forwarded-For, X-Real-IP, …): its first address is the client (as --client-ip "
        "first-forwarded)\n"
    ) in result.stderr


@pytest.mark.parametrize("bracketed", [True, False])
def test_an_apache_time_in_several_directives_is_one_time(bracketed: bool) -> None:
    """Apache's documentation writes milliseconds as ``%{%d/%b/%Y %T}t.%{msec_frac}t %{%z}t``:
    only the first directive was read, as UTC, its offset and fraction lost."""
    time = "%{%d/%b/%Y %T}t.%{msec_frac}t %{%z}t"
    text = f'[{time}] %h "%r" %>s %b' if bracketed else f'{time} %h "%r" %>s %b'
    lines = [
        '02/Nov/2026 09:15:03.123 +0100 203.0.113.7 "GET /x HTTP/1.1" 200 10',
        '02/Nov/2026 09:15:04.999 -0500 203.0.113.8 "GET /y HTTP/1.1" 200 10',
    ]
    if bracketed:
        lines = [f"[{line[:30]}]{line[30:]}" for line in lines]
    rows = parsed(resolve_format(text), lines)
    assert [row["ts"] for row in rows] == [
        at(2026, 11, 2, 8, 15, 3, 123_000),
        at(2026, 11, 2, 14, 15, 4, 999_000),
    ]
    usec = parsed(resolve_format("%{%d/%b/%Y:%H:%M:%S}t.%{usec_frac}t %h \"%r\" %>s %b"), [
        '02/Nov/2026:09:15:03.000123 203.0.113.7 "GET /x HTTP/1.1" 200 10'
    ])  # fmt: skip
    assert usec[0]["ts"] == at(2026, 11, 2, 9, 15, 3, 123)  # no offset: UTC


def test_a_variable_right_before_a_path_ends_where_the_path_begins() -> None:
    """``$scheme://$host$request_uri``: the host stops at the path's "/" (it took the path, and
    no line read)."""
    text = (
        '$remote_addr [$time_local] "$request_method $scheme://$host$request_uri '
        '$server_protocol" $status $body_bytes_sent'
    )
    line = (
        '203.0.113.7 [02/Nov/2026:09:15:03 +0100] "GET https://shop.example.com/p?x=1 HTTP/2.0" '
        "200 10"
    )
    (row,) = parsed(resolve_format(text), [line])
    assert (row["parsed"], row["host"], row["path"], row["query"]) == (
        True,
        "shop.example.com",
        "/p",
        "x=1",
    )


def test_apache_epoch_time_and_pasted_logformat_line() -> None:
    fmt = resolve_format(r'LogFormat "%h %{msec}t \"%r\" %>s %O" timed')
    row = parsed(fmt, ['203.0.113.7 1793610903250 "GET / HTTP/1.1" 200 99'])[0]
    assert (row["parsed"], row["ts"], row["bytes"]) == (True, at(2026, 11, 2, 9, 15, 3, 250000), 99)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("$remote_addr $status", "has no request or no time variable"),
        ("%h %>s %b", "has no request or no time variable"),
        ("apache", "unknown log format 'apache'"),
    ],
)
def test_unusable_format_strings_are_usage_errors(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        resolve_format(text)
    result = CliRunner().invoke(cli, ["report", "-", "--log-format", text], input=b"")
    assert result.exit_code == 2
    assert result.stderr.startswith("micromacro: error: ")
    assert message in result.stderr


def test_an_unknown_name_lists_every_name_and_the_nearest() -> None:
    """The general readers (``clf``, ``json``, ``…_any``) are names too; a near miss is named."""
    with pytest.raises(UsageError) as raised:
        resolve_format("combind")
    message = str(raised.value)
    assert message.startswith("unknown log format 'combind' (did you mean combined? expected ")
    for name in ("auto", "combined", "caddy", "clf", "alb_any", "w3c_any", "json"):
        assert f" {name}," in message


NGINX_HINT = (
    "(did you mean combined or combined+xff? nginx writes combined by default, the main format "
    "of its stock nginx.conf is combined+xff, and nginx_json reads a JSON log_format; expected "
    "one of auto, combined,"
)
APACHE_HINT = (
    "(did you mean combined or common? Apache httpd's stock configurations write one of them, "
    "and vhost_combined the virtual host first; expected one of auto, combined,"
)


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("nginx", NGINX_HINT),
        ("NGINX", NGINX_HINT),
        ("apache", APACHE_HINT),
        ("apache2", APACHE_HINT),
        ("httpd", APACHE_HINT),
    ],
)
def test_a_server_name_points_at_the_formats_the_server_writes(name: str, hint: str) -> None:
    """nginx is nearest to nginx_json by spelling, but stock nginx writes combined (its main
    format combined+xff); Apache httpd writes combined or common."""
    with pytest.raises(UsageError) as raised:
        resolve_format(name)
    assert str(raised.value).startswith(f"unknown log format '{name}' {hint}")


def test_a_preset_name_is_not_a_format_string() -> None:
    assert compile_format_string("combined") is None


# --- presets ------------------------------------------------------------------------------

PRESET_FIELDS = {
    # name: (ts, ip, method, path, status, bytes, referrer, host) written from the example line
    "combined": (at(2026, 11, 2, 8, 15, 3), "203.0.113.7", "GET", "/products/tent", 200, 5123,
                 "https://www.google.com/", None),
    "common": (at(2026, 11, 2, 8, 15, 3), "203.0.113.7", "GET", "/products/tent", 200, 5123,
               None, None),
    "vhost_combined": (at(2026, 11, 2, 8, 15, 3), "203.0.113.7", "GET", "/products/tent", 200,
                       5123, "https://www.google.com/", "shop.example.com"),
    "traefik": (at(2026, 11, 2, 8, 15, 3), "203.0.113.7", "GET", "/products/tent", 200, 5123,
                "https://www.google.com/", None),
    "ingress_nginx": (at(2026, 11, 2, 8, 15, 3), "203.0.113.7", "GET", "/products/tent", 200,
                      5123, "https://www.google.com/", None),
    "alb": (at(2026, 11, 2, 8, 15, 3, 123456), "203.0.113.7", "GET", "/products/tent", 200,
            5123, None, "shop.example.com"),  # the domain_name field
    "elb": (at(2026, 11, 2, 8, 15, 3, 123456), "203.0.113.7", "GET", "/products/tent", 200,
            5123, None, "shop.example.com"),
    "haproxy": (at(2026, 11, 2, 8, 15, 3, 123000), "203.0.113.7", "GET", "/products/tent", 200,
                5123, None, None),
    "npm": (at(2026, 11, 2, 8, 15, 3), "203.0.113.7", "GET", "/products/tent", 200, 5123,
            "https://www.google.com/", "shop.example.com"),
    "npm_standard": (at(2026, 11, 2, 8, 15, 3), "203.0.113.7", "GET", "/products/tent", 200,
                     5123, "https://www.google.com/", "shop.example.com"),
    "envoy": (at(2026, 11, 2, 8, 15, 3, 123000), "203.0.113.7", "GET", "/products/tent", 200,
              5123, None, "shop.example.com"),  # the client: X-Forwarded-For's first address
    "istio": (at(2026, 11, 2, 8, 15, 3, 123000), "10.44.1.9", "GET", "/products/tent", 200,
              5123, None, "shop.example.com"),  # the client: the downstream remote address
}  # fmt: skip


@pytest.mark.parametrize("name", list(PRESET_FIELDS))
def test_preset_example_lines(name: str) -> None:
    row = parsed(FORMATS[name], FORMATS[name].example.splitlines())[-1]
    keys = ("ts", "ip", "method", "path", "status", "bytes", "referrer", "host")
    assert row["parsed"] is True
    assert tuple(row[k] for k in keys) == PRESET_FIELDS[name]


@pytest.mark.parametrize("name", list(PRESET_FIELDS))
def test_detection_names_each_preset_from_its_example(name: str) -> None:
    example = FORMATS[name].example.splitlines()
    assert detect_format(example).format.name == name


def test_ipv6_client_behind_an_alb() -> None:
    line = FORMATS["alb"].example.replace("203.0.113.7:51234", "2001:db8::7:51234")
    assert parsed(FORMATS["alb"], [line])[0]["ip"] == "2001:db8::7"


def test_first_forwarded_client_ip_from_the_command_line(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.write_text(
        '10.0.0.2 - - [02/Nov/2026:09:15:03 +0000] "GET / HTTP/1.1" 200 1 "-" "ua" 0.001 "h" '
        '"unknown, 203.0.113.7"\n'
        '10.0.0.2 - - [02/Nov/2026:09:15:04 +0000] "GET / HTTP/1.1" 200 1 "-" "ua" 0.001 "h" '
        '"198.51.100.9"\n'
    )
    args = ["report", str(log), "--log-format", NGINX_MAIN, "--format", "json"]

    remote = json.loads(CliRunner().invoke(cli, args).stdout)["summary"]["visitors"]
    forwarded = CliRunner().invoke(cli, [*args, "--client-ip", "first-forwarded"])
    assert (remote, json.loads(forwarded.stdout)["summary"]["visitors"]) == (1, 2)


def test_formats_lists_every_preset_with_an_example_that_parses() -> None:
    text = CliRunner().invoke(cli, ["formats"]).stdout
    for name, fmt in FORMATS.items():
        assert f"\n{name}: " in f"\n{text}"
        data_line = fmt.example.splitlines()[-1]
        assert parsed(fmt, fmt.example.splitlines())[-1]["parsed"] is True
        if "\t" not in data_line:  # tabs are shown escaped
            assert f"    {data_line}" in text
