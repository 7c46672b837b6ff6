"""A site behind Cloudflare's proxy: its log has Cloudflare's address where the visitor's goes,
unless the server restores it. Most requests from Cloudflare's published ranges are named in a
warning; the header that carries the visitor's address, logged, is read by
``--client-ip first-forwarded``.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from micromacro.cli import cli
from tests.helpers import FIREFOX

# 104.16.0.0/13, 172.64.0.0/13 and 2606:4700::/32 are Cloudflare's; 198.51.100.7 is not.
EDGE = ["104.16.4.1", "172.68.30.9", "2606:4700:20::681a:3"]


def line(ip: str, second: int, tail: str = "") -> str:
    return (
        f'{ip} - - [06/Dec/2026:15:10:{second:02d} +0100] "GET /p/{second} HTTP/1.1" 200 512 '
        f'"-" "{FIREFOX}"{tail}'
    )


def run(tmp_path: Path, lines: list[str], *args: str) -> tuple[dict, str]:
    log = tmp_path / "access.log"
    log.write_text("".join(f"{text}\n" for text in lines), encoding="utf-8")
    result = CliRunner().invoke(cli, ["report", str(log), "--format", "json", "--no-cache", *args])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout), result.stderr


WARNING = (
    "requests connect from Cloudflare's addresses: a log written behind its proxy counts "
    "Cloudflare's servers as the visitors; log the visitor's address (nginx: the realip module "
    "with real_ip_header CF-Connecting-IP, or $http_cf_connecting_ip in the log_format; Apache: "
    "mod_remoteip, or %{CF-Connecting-IP}i) and read a logged header with --client-ip "
    "first-forwarded"
)


def test_a_log_behind_cloudflare_is_named(tmp_path: Path) -> None:
    lines = [line(ip, n) for n, ip in enumerate([*EDGE, "198.51.100.7"])]
    _, stderr = run(tmp_path, lines)
    assert f"micromacro: warning: 3 of the first 4 {WARNING}\n" in stderr


def test_ipv4_mapped_edge_addresses_are_cloudflares(tmp_path: Path) -> None:
    """Node logs an IPv4 client as ``::ffff:172.70.1.2``."""
    lines = [line(f"::ffff:172.70.1.{n}", n) for n in range(1, 4)]
    _, stderr = run(tmp_path, lines)
    assert f"micromacro: warning: 3 of the first 3 {WARNING}\n" in stderr


def test_a_log_mostly_from_elsewhere_is_not(tmp_path: Path) -> None:
    lines = [line(ip, n) for n, ip in enumerate([EDGE[0], "198.51.100.7", "203.0.113.9"])]
    _, stderr = run(tmp_path, lines)
    assert "Cloudflare" not in stderr


def test_the_logged_cf_connecting_ip_is_the_visitor(tmp_path: Path) -> None:
    """Two people through one edge server: one visitor by the connecting address, two by the
    CF-Connecting-IP header the log_format writes last."""
    lines = [
        line(EDGE[0], 1, ' "198.51.100.7"'),
        line(EDGE[0], 2, ' "203.0.113.9"'),
    ]
    string = (
        '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
        '"$http_referer" "$http_user_agent" "$http_cf_connecting_ip"'
    )
    remote, stderr = run(tmp_path, lines, "--log-format", string)
    assert remote["summary"]["visitors"] == 1
    assert (
        "micromacro: warning: 2 of the first 2 requests connect from Cloudflare's addresses: "
        "their visitor's address is the forwarded one the log has; --client-ip first-forwarded "
        "reads it\n"
    ) in stderr
    forwarded, stderr = run(
        tmp_path, lines, "--log-format", string, "--client-ip", "first-forwarded"
    )
    assert forwarded["summary"]["visitors"] == 2
    assert "Cloudflare" not in stderr


def test_apaches_logged_header_is_read_too(tmp_path: Path) -> None:
    lines = [line(EDGE[1], 1, " 198.51.100.7"), line(EDGE[1], 2, " 203.0.113.9")]
    string = '%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i" %{CF-Connecting-IP}i'
    data, _ = run(tmp_path, lines, "--log-format", string, "--client-ip", "first-forwarded")
    assert data["summary"]["visitors"] == 2


def test_x_forwarded_for_wins_over_a_one_address_header_wherever_it_is(tmp_path: Path) -> None:
    """X-Real-IP logged first and empty, X-Forwarded-For after it: the list is read (it names
    every proxy), so two clients through one proxy are two visitors."""
    lines = [
        line("10.0.0.2", 1, ' "-" "198.51.100.7, 10.0.0.9"'),
        line("10.0.0.2", 2, ' "-" "203.0.113.9, 10.0.0.9"'),
    ]
    string = (
        '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
        '"$http_referer" "$http_user_agent" "$http_x_real_ip" "$http_x_forwarded_for"'
    )
    data, _ = run(tmp_path, lines, "--log-format", string, "--client-ip", "first-forwarded")
    assert data["summary"]["visitors"] == 2


def test_requests_that_name_no_client_are_named(tmp_path: Path) -> None:
    """Envoy's default format with an empty X-Forwarded-For: no line names its client."""
    envoy = (
        '[2026-12-06T14:10:0{n}.310Z] "GET /p{n} HTTP/1.1" 200 - 0 512 4 3 "-" "{ua}" '
        '"cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2" "shop.example.com" "10.0.2.1:80"'
    )
    lines = [envoy.format(n=n, ua=FIREFOX) for n in range(3)]
    _, stderr = run(tmp_path, lines)
    assert (
        "micromacro: warning: 3 of the first 3 requests name no client address: their visitors "
        "are told apart by their user agent alone (Envoy's default format logs the client in "
        "X-Forwarded-For only, here empty: add %DOWNSTREAM_REMOTE_ADDRESS% to it)\n"
    ) in stderr


def test_a_one_address_header_is_the_client_where_the_list_is_empty(tmp_path: Path) -> None:
    """X-Real-IP where the client goes, X-Forwarded-For empty after it (a proxy that sets only
    X-Real-IP): each line's X-Real-IP is its client, three visitors."""
    lines = [
        f'{ip} - - [06/Dec/2026:08:00:0{n} +0000] "GET /p{n} HTTP/1.1" 200 512 "-" "{FIREFOX}" "-"'
        for n, ip in enumerate(["203.0.113.5", "198.51.100.77", "192.0.2.44"])
    ]
    string = (
        '$http_x_real_ip - $remote_user [$time_local] "$request" $status $body_bytes_sent '
        '"$http_referer" "$http_user_agent" "$http_x_forwarded_for"'
    )
    data, stderr = run(tmp_path, lines, "--log-format", string)
    assert data["summary"]["visitors"] == 3
    assert "the format string has no client address but a forwarded one" in stderr


def test_a_list_without_a_public_address_leaves_the_header_its_client(tmp_path: Path) -> None:
    """X-Forwarded-For ``unknown`` (Squid's forwarded_for off) or a private address: the one
    address of X-Real-IP is the client still; a public address in the list comes first."""
    tails = ['"unknown"', '"10.9.9.9"', '"-"', '"198.51.100.20"']
    lines = [
        f'{ip} - - [06/Dec/2026:08:00:0{n} +0000] "GET /p{n} HTTP/1.1" 200 512 "-" "{FIREFOX}" '
        f"{tail}"
        for n, (ip, tail) in enumerate(
            zip(["203.0.113.7", "203.0.113.8", "203.0.113.9", "203.0.113.10"], tails, strict=True)
        )
    ]
    string = (
        '$http_x_real_ip - $remote_user [$time_local] "$request" $status $body_bytes_sent '
        '"$http_referer" "$http_user_agent" "$http_x_forwarded_for"'
    )
    log = tmp_path / "access.log"
    log.write_text("".join(f"{text}\n" for text in lines), encoding="utf-8")
    result = CliRunner().invoke(cli, ["hits", str(log), "--log-format", string])
    assert result.exit_code == 0, result.stderr
    ips = [row.split(",")[4] for row in result.stdout.splitlines()[1:]]
    assert ips == ["203.0.113.7", "203.0.113.8", "203.0.113.9", "198.51.100.20"]


def test_the_proxy_warning_names_the_header_the_format_logs(tmp_path: Path) -> None:
    """12 requests through one proxy address, each X-Real-IP naming its own visitor: the
    warning names X-Real-IP, the only header logged (it named X-Forwarded-For)."""
    lines = [line("10.0.0.2", n, f' "198.51.100.{n + 1}"') for n in range(12)]
    string = (
        '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
        '"$http_referer" "$http_user_agent" "$http_x_real_ip"'
    )
    _, stderr = run(tmp_path, lines, "--log-format", string)
    assert (
        "micromacro: warning: the X-Real-IP field names 12 clients in the first 12 requests, "
        "where the connecting address names 1: a log written behind a proxy or CDN counts its "
        "addresses as the visitors; --client-ip first-forwarded takes the forwarded address "
        "instead (trust it behind your own proxy only)\n"
    ) in stderr
    apache = '%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i" "%{True-Client-IP}i"'
    _, stderr = run(tmp_path, lines, "--log-format", apache)
    assert "micromacro: warning: the True-Client-IP field names 12 clients" in stderr
