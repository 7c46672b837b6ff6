"""The Common Log Format family: every variant read line by line, a mixed file read as its clean
parts, and the strict variants never read a line differently from the general reader.

Each variant's line is the clean combined line below with one thing changed; the expected
fields are written from that change.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from micromacro import reading
from micromacro.cli import cli
from micromacro.inputs import Inputs
from micromacro.logformats import FORMATS, detect_format, parse_access_lines
from micromacro.logformats.clf import CLF_FAMILY, GENERAL_CLF
from micromacro.logformats.families import FamilyParser
from tests.helpers import lines_frame

UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
TIME = "[02/Nov/2026:09:15:03 +0100]"
AFTER = f'"GET /cart?x=1 HTTP/1.1" 200 512 "https://www.google.com/" "{UA}"'
CLEAN = f"203.0.113.7 - - {TIME} {AFTER}"
AT = datetime(2026, 11, 2, 8, 15, 3, tzinfo=UTC)
KEYS = ("variant", "ip", "host", "forwarded_for", "status", "bytes", "referrer", "user_agent")


def read(lines: list[str], name: str = "combined") -> list[dict[str, object]]:
    """Each line as the family reads it with ``name`` first."""
    frame = parse_access_lines(lines_frame(lines).lazy(), FORMATS[name]).collect()
    return frame.to_dicts()


def fields(row: dict[str, object]) -> tuple[object, ...]:
    return tuple(row[k] for k in KEYS)


GOOGLE = "https://www.google.com/"
VARIANTS = {
    # name: (line, (variant, ip, host, forwarded_for, status, bytes, referrer, user agent))
    "combined": (CLEAN, ("combined", "203.0.113.7", None, None, 200, 512, GOOGLE, UA)),
    "common": (
        f'203.0.113.7 - - {TIME} "GET /cart?x=1 HTTP/1.1" 200 512',
        ("common", "203.0.113.7", None, None, 200, 512, None, None),
    ),
    "trailing fields": (
        CLEAN + ' 0.004 "shop.example.com" rt=1',
        ("combined+fields", "203.0.113.7", None, None, 200, 512, GOOGLE, UA),
    ),
    "trailing fields, unbalanced after a whole user agent": (
        CLEAN + ' 271 "Host-host1 "http://172.19.0.3:5601" 3ms',
        ("combined+fields", "203.0.113.7", None, None, 200, 512, GOOGLE, UA),
    ),
    "nginx main: X-Forwarded-For": (
        CLEAN + ' "198.51.100.4, 10.0.0.1"',
        ("combined+xff", "203.0.113.7", None, "198.51.100.4, 10.0.0.1", 200, 512, GOOGLE, UA),
    ),
    "nginx main without one": (
        CLEAN + ' "-"',
        ("combined+xff", "203.0.113.7", None, None, 200, 512, GOOGLE, UA),
    ),
    "X-Forwarded-For, then fields": (
        CLEAN + ' "198.51.100.4" rt=0.004 host=shop.example.com',
        ("combined+xff+fields", "203.0.113.7", None, "198.51.100.4", 200, 512, GOOGLE, UA),
    ),
    "X-Forwarded-For among the trailing fields": (
        CLEAN + ' rt=0.004 "198.51.100.4, [2001:db8::7]:4711" "shop@docker"',
        (
            "combined+xff+fields",
            "203.0.113.7",
            None,
            "198.51.100.4, [2001:db8::7]:4711",
            200,
            512,
            GOOGLE,
            UA,
        ),
    ),
    "a quoted number is no X-Forwarded-For": (
        CLEAN + ' "0.004" uct="10.0.0.1"',
        ("combined+fields", "203.0.113.7", None, None, 200, 512, GOOGLE, UA),
    ),
    "vhost": (
        f"shop.example.com {CLEAN}",
        ("vhost_combined", "203.0.113.7", "shop.example.com", None, 200, 512, GOOGLE, UA),
    ),
    "vhost and port": (
        f"shop.example.com:443 {CLEAN}",
        ("vhost_combined", "203.0.113.7", "shop.example.com", None, 200, 512, GOOGLE, UA),
    ),
    "vhost, an IPv6 address and port": (
        f"[2001:db8::10]:443 {CLEAN}",
        ("vhost_combined", "203.0.113.7", "[2001:db8::10]", None, 200, 512, GOOGLE, UA),
    ),
    "vhost common": (
        f'shop.example.com 203.0.113.7 - - {TIME} "GET /cart?x=1 HTTP/1.1" 200 512',
        ("vhost_common", "203.0.113.7", "shop.example.com", None, 200, 512, None, None),
    ),
    # Apache and nginx log the user as sent, spaces and all; no server logs "-" as the client.
    "a user holding a space": (
        f"203.0.113.7 - john doe {TIME} {AFTER}",
        ("combined", "203.0.113.7", None, None, 200, 512, GOOGLE, UA),
    ),
    "a user holding two spaces": (
        f"203.0.113.7 - Mary Ann Lee {TIME} {AFTER}",
        ("combined", "203.0.113.7", None, None, 200, 512, GOOGLE, UA),
    ),
    "bare dash referrer": (
        CLEAN.replace('"https://www.google.com/"', "-"),
        ("combined+bare_dash", "203.0.113.7", None, None, 200, 512, None, UA),
    ),
    "bare dash user agent": (
        CLEAN.replace(f'"{UA}"', "-"),
        ("combined+bare_dash", "203.0.113.7", None, None, 200, 512, GOOGLE, None),
    ),
    "dash status": (
        CLEAN.replace('" 200 512 "', '" - 512 "'),
        ("combined+dash_status", "203.0.113.7", None, None, None, 512, GOOGLE, UA),
    ),
    "dash bytes": (
        CLEAN.replace('" 200 512 "', '" 200 - "'),
        ("combined", "203.0.113.7", None, None, 200, None, GOOGLE, UA),
    ),
    "address list": (
        f"10.1.1.2, 172.16.0.9 - - {TIME} {AFTER}",
        ("combined+address_list", "172.16.0.9", None, "10.1.1.2, 172.16.0.9", 200, 512, GOOGLE, UA),
    ),
    "quoted address list and the connecting address": (
        f'"203.0.113.9, 10.0.0.2" 10.0.0.7 - - {TIME} {AFTER}',
        ("combined+address_list", "10.0.0.7", None, "203.0.113.9, 10.0.0.2", 200, 512, GOOGLE, UA),
    ),
    "unquoted list and the connecting address": (
        f"2a03:10ff::8000, 10.225.192.17 10.2.2.121 - - {TIME} {AFTER}",
        (
            "combined+address_list",
            "10.2.2.121",
            None,
            "2a03:10ff::8000, 10.225.192.17",
            200,
            512,
            GOOGLE,
            UA,
        ),
    ),
    "vhost, list and the connecting address": (
        f'shop.example.com:80 "10.5.102.222, 175.16.199.1" 10.2.1.185 - - {TIME} {AFTER}',
        (
            "vhost_combined+address_list",
            "10.2.1.185",
            "shop.example.com",
            "10.5.102.222, 175.16.199.1",
            200,
            512,
            GOOGLE,
            UA,
        ),
    ),
    "Gandi's elapsed time": (
        CLEAN.replace("] ", "] (0 s) ", 1),
        ("combined+elapsed", "203.0.113.7", None, None, 200, 512, GOOGLE, UA),
    ),
    "Traefik": (
        CLEAN + ' 1042 "shop@docker" "http://172.18.0.5:8080" 3ms',
        ("traefik", "203.0.113.7", None, None, 200, 512, GOOGLE, UA),
    ),
    "Apache ssl_request_log": (
        f'{TIME} 203.0.113.7 TLSv1.3 TLS_AES_128_GCM_SHA256 "GET /cart?x=1 HTTP/1.1" 512',
        ("ssl_request", "203.0.113.7", None, None, None, 512, None, None),
    ),
}


@pytest.mark.parametrize(("line", "expected"), VARIANTS.values(), ids=VARIANTS.keys())
def test_each_variant_reads_with_combined_chosen(line: str, expected: tuple[object, ...]) -> None:
    (row,) = read([line])
    assert row["parsed"] is True
    assert (row["ts"], row["method"], row["path"], row["query"]) == (AT, "GET", "/cart", "x=1")
    assert fields(row) == expected


@pytest.mark.parametrize("name", ["common", "vhost_combined", "combined+xff", "traefik"])
def test_every_variant_reads_the_same_whichever_is_chosen(name: str) -> None:
    lines = [line for line, _ in VARIANTS.values()]
    assert read(lines, name) == read(lines, "combined")


def test_a_fractional_time() -> None:
    (row,) = read([CLEAN.replace(":03 +0100", ":03.125 +0100")])
    assert row["ts"] == AT.replace(microsecond=125_000)


@pytest.mark.parametrize(
    "line",
    [
        pytest.param(CLEAN.replace('"GET /cart?x=1 HTTP/1.1"', '"- - HTTP/1.0"'), id="- - HTTP"),
        pytest.param(CLEAN.replace('"GET /cart?x=1 HTTP/1.1"', '"-"'), id="- request"),
        pytest.param(CLEAN.replace('"GET /cart?x=1 HTTP/1.1"', '"GET - HTTP/1.1"'), id="- target"),
        pytest.param(CLEAN.replace('"GET /cart?x=1 HTTP/1.1"', '""'), id="empty request"),
        pytest.param(CLEAN[: CLEAN.index(UA) + 10], id="cut inside the user agent"),
        pytest.param(CLEAN[: CLEAN.index("google")], id="cut inside the referrer"),
        pytest.param(f"a b c - - {TIME} {AFTER}", id="three plain client items"),
    ],
)
def test_lines_no_variant_reads_are_malformed(line: str) -> None:
    (row,) = read([line])
    assert (row["parsed"], row["comment"], row["not_http"], row["variant"]) == (
        False,
        False,
        False,
        None,
    )


@pytest.mark.parametrize("line", ["", "   ", "\t", "# a comment", "  #Fields: x"])
def test_blank_and_hash_lines_are_comments(line: str) -> None:
    (row,) = read([line])
    assert (row["parsed"], row["comment"]) == (False, True)


def test_a_mixed_file_gives_the_hits_of_its_clean_parts(tmp_path: Path) -> None:
    """common + combined + vhost + address-list lines in one file, and each kind in a file of
    its own, read as one run: the same hit table row for row (but the file name)."""
    parts = {
        "combined": [CLEAN, CLEAN.replace("09:15:03", "09:16:00").replace("/cart", "/")],
        "common": [VARIANTS["common"][0]],
        "vhost": [VARIANTS["vhost and port"][0], VARIANTS["vhost common"][0]],
        "list": [VARIANTS["address list"][0], VARIANTS["quoted address list and the "
                                                     "connecting address"][0]],
    }  # fmt: skip
    mixed = tmp_path / "mixed.log"
    mixed.write_text("\n".join(line for lines in parts.values() for line in lines) + "\n")
    clean = []
    for name, lines in parts.items():
        path = tmp_path / f"{name}.log"
        path.write_text("\n".join(lines) + "\n")
        clean.append(path)

    def rows(*paths: Path) -> list[dict[str, object]]:
        result = CliRunner().invoke(cli, ["hits", *map(str, paths), "--format", "ndjson", "-q"])
        assert result.exit_code == 0, result.stderr
        found = [json.loads(line) for line in result.stdout.splitlines()]
        return [{k: v for k, v in row.items() if k not in ("file", "line", "session")}
                for row in found]  # fmt: skip

    one_by_one = [row for path in clean for row in rows(path)]
    assert rows(mixed) == one_by_one
    assert len(one_by_one) == 7


def test_a_chunk_read_first_is_held_only_when_handed_over() -> None:
    """``read_first`` (what a run makes a chunk ahead, in a thread of its own) holds nothing;
    ``hold`` holds the lines the chosen variant left, and ``flush`` reads them as ``read``
    would have."""
    lines = lines_frame([CLEAN, VARIANTS["common"][0], "garbage", CLEAN])
    parser = FORMATS["combined"].parser()
    assert isinstance(parser, FamilyParser)
    first = parser.read_first(lines)
    assert parser.held == 0
    assert parser.hold(first).get_column("line_no").to_list() == [1, 4]
    assert parser.held == 2
    flushed = parser.flush()
    assert flushed is not None
    assert flushed.select("line_no", "parsed", "variant").rows() == [
        (2, True, "common"),
        (3, False, None),
    ]
    assert parser.held == 0
    again = FORMATS["combined"].parser()
    assert isinstance(again, FamilyParser)
    assert again.read(lines).equals(parser.hold(parser.read_first(lines)))


def test_lines_left_in_many_batches_read_as_in_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lines the chosen variant leaves are read by the rest of the family a batch at a
    time, beside the run (``reading._HeldLines``): in batches of 3 lines and chunks of 2 KB,
    every line reads as in one batch at the end, and the report is the same to the byte."""
    kinds = ["vhost and port", "address list", "nginx main: X-Forwarded-For", "common"]
    lines = []
    for minute in range(60):  # a line a minute; every third one a variant, every tenth garbage
        line = CLEAN.replace("09:15:03", f"09:{minute:02d}:03")
        if minute % 3 == 0:
            line = VARIANTS[kinds[minute // 3 % 4]][0].replace("09:15:03", f"09:{minute:02d}:03")
        lines.append("garbage" if minute % 10 == 5 else line)
    log = tmp_path / "mixed.log"
    log.write_text("\n".join(lines) + "\n")

    def run(*args: str) -> str:
        result = CliRunner().invoke(cli, [*args, str(log), "-q"])
        assert result.exit_code == 0, result.stderr
        return result.stdout

    def variants(ndjson: str) -> dict[str, int]:
        found: dict[str, int] = {}
        for row in map(json.loads, ndjson.splitlines()):
            found[str(row["variant"])] = found.get(str(row["variant"]), 0) + 1
        return found

    at_once = run("hits", "--format", "ndjson"), run("report", "--format", "json", "--no-cache")
    batches = []
    read_held = FamilyParser.read_held
    monkeypatch.setattr(reading, "_HELD_LINES", 3)
    monkeypatch.setattr(
        FamilyParser, "read_held", lambda self, held: batches.append(held) or read_held(self, held)
    )
    line_chunks = Inputs.line_chunks
    monkeypatch.setattr(Inputs, "line_chunks", lambda self, _=0: line_chunks(self, 2048))
    in_batches = run("hits", "--format", "ndjson"), run("report", "--format", "json", "--no-cache")
    assert len(batches) > 4
    assert in_batches == at_once
    # 20 variant lines (every third minute, 2 of them garbage), 6 garbage lines, 36 combined
    assert variants(in_batches[0]) == {
        "combined": 36, "vhost_combined": 5, "combined+address_list": 4, "combined+xff": 5,
        "common": 4, "None": 6,
    }  # fmt: skip


# --- the chosen variant never reads a line differently from the general reader ---------------

_tokens = st.sampled_from(
    [
        "203.0.113.7", "2001:db8::1", "[2001:db8::1]:443", "10.0.0.1,", "shop.example.com", "-",
        "203.0.113.7\t", "-\r", "10.0.0.1,\v",  # no server writes these; both read them alike
    ]
)  # fmt: skip
_quoted = st.text(alphabet=st.sampled_from('ab /"\\-[]'), max_size=8)


@st.composite
def clf_like_lines(draw: st.DrawFn) -> str:
    """Lines near the family's shapes: its pieces shuffled, with quotes, backslashes and
    brackets in the quoted fields."""
    client = " ".join(draw(st.lists(_tokens, min_size=1, max_size=3)))
    request = draw(st.sampled_from(["GET / HTTP/1.1", "POST /a?b=1 HTTP/2.0", "-", "GET /a b"]))
    status = draw(st.sampled_from(["200", "-", "404", "2000"]))
    tail = draw(
        st.lists(
            st.one_of(_quoted.map(lambda t: f'"{t}"'), st.sampled_from(["-", "3ms", '"-"'])),
            max_size=4,
        )
    )
    line = f'{client} - - {TIME} "{request}" {status} 512'
    return " ".join([line, *tail])


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(clf_like_lines(), min_size=1, max_size=20))
def test_a_line_a_strict_variant_reads_is_read_alike_by_the_general_reader(
    lines: list[str],
) -> None:
    frame = lines_frame(lines).lazy()
    general = GENERAL_CLF.parse(frame).collect()
    for variant in CLF_FAMILY.variants:
        strict = variant.parser()(frame).collect()
        read_by_strict = strict["parsed"]
        if variant.name == "ssl_request":
            continue  # a shape of its own, which the general reader leaves to it
        assert (
            general.filter(read_by_strict)
            .drop("variant")
            .equals(strict.filter(read_by_strict).drop("variant"))
        ), variant.name


def _proxied_log(path: Path, edges: int, clients: int, lines: int) -> None:
    """``lines`` requests a second apart, through ``edges`` proxy addresses, from ``clients``
    visitors whose address the last field (an X-Forwarded-For) names."""
    agent = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
    path.write_text(
        "".join(
            f"172.68.0.{n % edges} - - [02/Nov/2026:10:{n // 60 % 60:02d}:{n % 60:02d} +0000] "
            f'"GET /p{n % 7} HTTP/1.1" 200 5 "-" "{agent}" "198.51.{n % clients // 250}.'
            f'{n % clients % 250}"\n'
            for n in range(lines)
        )
    )


def test_a_log_written_behind_a_proxy_says_to_read_the_forwarded_address(tmp_path: Path) -> None:
    """2,500 requests through 25 edge addresses naming 600 clients in X-Forwarded-For: the first
    50 lines hold 50 clients of 25 addresses (2× only), the first 2,000 lines 600 of 25. The
    report counts 25 visitors, and says why and what to do; with --client-ip first-forwarded,
    600 visitors and no word. A log whose forwarded addresses are few (a visitor's own
    proxy) says nothing."""
    log = tmp_path / "access.log"
    _proxied_log(log, edges=25, clients=600, lines=2500)
    plain = CliRunner().invoke(cli, ["report", str(log), "--format", "json", "--no-cache"])
    assert json.loads(plain.stdout)["summary"]["visitors"] == 25
    assert (
        "micromacro: warning: the X-Forwarded-For field names 600 clients in the first 2,000 "
        "requests, where the connecting address names 25: a log written behind a proxy or CDN "
        "counts its addresses as the visitors; --client-ip first-forwarded takes the forwarded "
        "address instead (trust it behind your own proxy only)\n"
    ) in plain.stderr
    forwarded = ["--client-ip", "first-forwarded"]
    told = CliRunner().invoke(
        cli, ["report", str(log), *forwarded, "--format", "json", "--no-cache"]
    )
    assert json.loads(told.stdout)["summary"]["visitors"] == 600
    assert "X-Forwarded-For field names" not in told.stderr
    _proxied_log(log, edges=25, clients=40, lines=2500)
    few = CliRunner().invoke(cli, ["report", str(log), "--format", "json", "--no-cache"])
    assert few.exit_code == 0
    assert "X-Forwarded-For field names" not in few.stderr


def test_the_proxy_warning_reads_spaced_lists_and_needs_most_of_the_first_lines(
    tmp_path: Path,
) -> None:
    """A list written "203.0.113.N , 10.0.0.2" is a forwarded address too (120 clients through
    3 proxies: the warning); a log whose first 60 of 2,000 requests came through 2 proxies,
    the rest straight, is no log behind a proxy (no warning)."""
    agent = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"

    def line(n: int, client: str, forwarded: str) -> str:
        return (
            f"{client} - - [02/Nov/2026:10:{n // 60 % 60:02d}:{n % 60:02d} +0000] "
            f'"GET /p{n % 7} HTTP/1.1" 200 5 "-" "{agent}" "{forwarded}"\n'
        )

    spaced = tmp_path / "spaced.log"
    spaced.write_text(
        "".join(
            line(n, f"172.16.0.{n % 3 + 1}", f"203.0.113.{n + 1} , 10.0.0.2") for n in range(120)
        )
    )
    result = CliRunner().invoke(cli, ["report", str(spaced), "--format", "json", "--no-cache"])
    assert "X-Forwarded-For field names 120 clients in the first 120 requests, where the " in (
        result.stderr
    )
    head = tmp_path / "head.log"
    head.write_text(
        "".join(
            line(n, f"172.16.0.{n % 2 + 1}", f"203.0.113.{n + 1}")
            if n < 60
            else line(n, f"198.51.{n // 250}.{n % 250}", "-")
            for n in range(2000)
        )
    )
    result = CliRunner().invoke(cli, ["report", str(head), "--format", "json", "--no-cache"])
    assert result.exit_code == 0
    assert "X-Forwarded-For field names" not in result.stderr


def test_a_long_field_of_addresses_that_is_no_list_is_read_at_once(tmp_path: Path) -> None:
    """A trailing field of 30 bare IPv6 addresses and a word: no address list. A port after a
    bare IPv6 address read every address two ways, and Python's engine (the format-string
    suggestion) tried 2^30 of them; read, it is one line whose fields are left unread."""
    addresses = ", ".join(["1:1:1:1"] * 30)
    log = tmp_path / "access.log"
    log.write_text(
        f'203.0.113.1 - - [02/Nov/2026:09:15:01 +0100] "GET /p HTTP/1.1" 200 5 "-" '
        f'"Mozilla/5.0" "{addresses} x"\n'
    )
    result = CliRunner().invoke(cli, ["report", str(log), "--format", "json", "--no-cache"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["summary"]["pageviews"] == 1


# What ``docker logs`` gives of the official nginx image (the access log on stdout, the error log
# and the entrypoint's messages on stderr, merged), and two of Apache's start-up lines.
_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
CONTAINER_OUTPUT = [
    "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform "
    "configuration",
    "/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh",
    "10-listen-on-ipv6-by-default.sh: info: Getting the checksum of /etc/nginx/conf.d/default.conf",
    "20-envsubst-on-templates.sh: Running envsubst on /etc/nginx/templates/default.conf.template",
    "/docker-entrypoint.sh: Configuration complete; ready for start up",
    '2026/12/06 14:10:00 [notice] 1#1: using the "epoll" event method',
    f'172.17.0.1 - - [06/Dec/2026:14:10:01 +0000] "GET / HTTP/1.1" 200 615 "-" "{_UA}" "-"',
    '2026/12/06 14:10:02 [error] 29#29: *2 open() "/usr/share/nginx/html/p.html" failed (2: No '
    'such file or directory), client: 172.17.0.1, server: localhost, request: "GET /p.html '
    'HTTP/1.1", host: "localhost:8080"',
    f'172.17.0.1 - - [06/Dec/2026:14:10:02 +0000] "GET /p.html HTTP/1.1" 404 153 "-" "{_UA}" "-"',
    f'172.17.0.1 - - [06/Dec/2026:14:10:03 +0000] "GET /pricing HTTP/1.1" 200 615 "-" "{_UA}" "-"',
    "[Sun Dec 06 14:10:04.123456 2026] [mpm_event:notice] [pid 1:tid 140] AH00489: "
    "Apache/2.4.62 (Unix) configured -- resuming normal operations",
    "[Sun Dec 06 14:10:04 2026] [error] [client 172.17.0.1] File does not exist: /var/www/x",
    "AH00558: httpd: Could not reliably determine the server's fully qualified domain name, "
    "using 172.17.0.2. Set the 'ServerName' directive globally to suppress this message",
    # ingress-nginx's controller: a line of its banner and one of its own (klog).
    "NGINX Ingress controller",
    'I1206 14:10:05.123456       7 store.go:440] "Found valid IngressClass" ingress="a/b"',
    "2026/12/06 14:10:05 not a message of nginx's",
]


@pytest.mark.parametrize("stream", ["", "2026-12-06T14:10:01.123456789Z stderr F "])
def test_the_servers_own_messages_are_not_http(tmp_path: Path, stream: str) -> None:
    """nginx's error log lines (2) and its image's entrypoint messages (5), Apache's (3), an
    ingress controller's (2): records of the server that are no request (``not_http``), so
    ``--strict`` holds; a line of none of these shapes stays malformed."""
    log = tmp_path / "web.log"
    log.write_text("".join(f"{stream}{line}\n" for line in CONTAINER_OUTPUT), encoding="utf-8")
    result = CliRunner().invoke(cli, ["report", str(log), "--format", "json", "--no-cache"])
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)["input"]
    assert (summary["not_http"], summary["malformed"], summary["page"], summary["error"]) == (
        12, 1, 2, 1,
    )  # fmt: skip
    assert summary["variants"]["nginx_message"] == 7
    assert summary["variants"]["apache_message"] == 3
    assert summary["variants"]["controller_message"] == 2
    strict = CliRunner().invoke(cli, ["report", str(log), "--strict", "--no-cache", "-q"])
    assert strict.exit_code == 1  # the one line of neither shape
    assert ":16: malformed line (1 in all; --strict allows none)" in strict.stderr


# ingress-nginx's default log_format upstreaminfo, after combined: request length and time,
# the upstream's name and its alternative's, then its addresses, lengths, times and statuses
# (lists where several upstreams were tried, "-" where none was) and the request id.
INGRESS = (
    '192.168.49.1 - - [06/Dec/2026:14:10:0{second} +0000] "GET {path} HTTP/1.1" {status} 612 '
    '"-" "' + _UA + '" 80 0.004 [default-web-80] [{alternative}] {upstream} {request_id}'
)


@pytest.mark.parametrize(
    ("path", "status", "alternative", "upstream", "request_id", "variant"),
    [
        ("/p", 200, "", "10.244.0.9:8080 612 0.004 200", "6a1b2c3d4e5f60718293a4b5c6d7e8f9",
         "ingress_nginx"),
        ("/q", 200, "default-web-canary-80", "10.244.0.9:8080, 10.244.0.10:8080 0, 612 0.100, "
         "0.004 502, 200", "7a1b2c3d4e5f60718293a4b5c6d7e8f9", "ingress_nginx"),
        ("/r", 503, "", "- - - -", "8a1b2c3d4e5f60718293a4b5c6d7e8f9", "ingress_nginx"),
        # An IPv6 upstream in brackets, and a UNIX socket.
        ("/t", 200, "", "[fd00::1]:8080 612 0.004 200", "9a1b2c3d4e5f60718293a4b5c6d7e8f9",
         "ingress_nginx"),
        ("/u", 200, "", "unix:/var/run/app.sock 612 0.004 200",
         "0a1b2c3d4e5f60718293a4b5c6d7e8f9", "ingress_nginx"),
        # No request id of nginx's ($request_id is 32 hex digits): fields left unread.
        ("/s", 200, "", "10.244.0.9:8080 612 0.004 200", "abc", "combined+fields"),
    ],
)  # fmt: skip
def test_ingress_nginx_upstreaminfo(
    path: str, status: int, alternative: str, upstream: str, request_id: str, variant: str
) -> None:
    line = INGRESS.format(
        second=1, path=path, status=status, alternative=alternative, upstream=upstream,
        request_id=request_id,
    )  # fmt: skip
    (row,) = read([line], "ingress_nginx")
    assert (row["path"], row["status"], row["ip"], row["variant"]) == (
        path, status, "192.168.49.1", variant,
    )  # fmt: skip


def test_ingress_nginx_is_detected_with_no_fields_left_unread(tmp_path: Path) -> None:
    lines = [
        INGRESS.format(
            second=n, path=f"/p{n}", status=200, alternative="", upstream="10.0.0.9:80 1 0.1 200",
            request_id=f"{n}a1b2c3d4e5f60718293a4b5c6d7e8f9",
        )
        for n in range(3)
    ]  # fmt: skip
    log = tmp_path / "ingress.log"
    log.write_text("".join(f"{text}\n" for text in lines), encoding="utf-8")
    result = CliRunner().invoke(cli, ["report", str(log), "--strict", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)["input"]
    assert (summary["format"], summary["page"], summary["variants"]) == (
        "ingress_nginx", 3, {"ingress_nginx": 3},
    )  # fmt: skip
    assert "left unread" not in result.stderr


# lighttpd's default accesslog.format: the Host header (%V) where combined has the ident.
LIGHTTPD = f"203.0.113.7 shop.example.com - {TIME} {AFTER}"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (LIGHTTPD, ("lighttpd", "203.0.113.7", "shop.example.com", 200)),
        # A port, an address for the host, a user.
        (
            LIGHTTPD.replace("shop.example.com", "shop.example.com:8080"),
            ("lighttpd", "203.0.113.7", "shop.example.com", 200),
        ),
        # An address is no host name: a forwarded client's address logged where the ident goes.
        (
            LIGHTTPD.replace("shop.example.com -", "192.0.2.10 alice"),
            ("combined", "203.0.113.7", None, 200),
        ),
        (
            LIGHTTPD.replace("shop.example.com", "198.51.100.4"),
            ("combined", "203.0.113.7", None, 200),
        ),
        # No Host header (an HTTP/1.0 request): "-", a combined line.
        (LIGHTTPD.replace("shop.example.com", "-"), ("combined", "203.0.113.7", None, 200)),
    ],
)
def test_lighttpd_logs_the_host_where_the_ident_goes(
    line: str, expected: tuple[object, ...]
) -> None:
    (row,) = read([line], "lighttpd")
    assert (row["ts"], row["path"], row["query"]) == (AT, "/cart", "x=1")
    assert (row["variant"], row["ip"], row["host"], row["status"]) == expected
    (general,) = GENERAL_CLF.parse(lines_frame([line]).lazy()).collect().to_dicts()
    assert general == row


def test_lighttpd_is_detected_and_combined_lines_stay_combined() -> None:
    lighttpd = [LIGHTTPD, LIGHTTPD.replace("shop.example.com", "-"), LIGHTTPD]
    assert detect_format(lighttpd).format.name == "lighttpd"
    # An ident that is "-", a word (identd's user) or an address (a forwarded client's) is no
    # host: such a log stays combined.
    forwarded = CLEAN.replace("203.0.113.7 - -", "10.0.0.1 203.0.113.7 -")
    combined = [CLEAN, CLEAN.replace("203.0.113.7 - -", "203.0.113.7 alice -"), forwarded]
    detected = detect_format(combined)
    assert (detected.format.name, detected.candidates[0].variants) == ("combined", {"combined": 3})
    assert [row["host"] for row in read(combined)] == [None, None, None]
