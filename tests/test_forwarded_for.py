"""The visitor's address from an X-Forwarded-For list (``--client-ip first-forwarded``, and a
format string whose client field is the list): each expected address worked out by hand from
the list, as the README's ``+xff`` and ``--client-ip`` say."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl
from click.testing import CliRunner

from micromacro.cli import cli
from micromacro.logformats.fields import first_forwarded_ip
from tests.helpers import FIREFOX

APACHE_PROXY = r"%{X-Forwarded-For}i %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-Agent}i\""


def forwarded(ip: str | None, lists: list[str | None]) -> list[str | None]:
    """The address ``first_forwarded_ip`` gives each line of connecting address ``ip``."""
    frame = pl.DataFrame(
        {"ip": [ip] * len(lists), "forwarded_for": lists},
        schema={"ip": pl.String, "forwarded_for": pl.String},
    )
    return frame.select(first_forwarded_ip())["ip"].to_list()


def proxied_log(tmp_path: Path, lists: list[str]) -> Path:
    """A combined+xff log: one line a minute from 10.0.0.1 with one agent, a list each."""
    path = tmp_path / "access.log"
    path.write_text(
        "".join(
            f'10.0.0.1 - - [02/Nov/2026:09:0{n}:00 +0000] "GET /{n} HTTP/1.1" 200 100 "-" '
            f'"{FIREFOX}" "{listed}"\n'
            for n, listed in enumerate(lists)
        ),
        encoding="utf-8",
    )
    return path


def apache_log(tmp_path: Path, clients: list[str]) -> Path:
    """A log of Apache's proxy format (the list where %h goes): one line a second."""
    path = tmp_path / "proxy.log"
    path.write_text(
        "".join(
            f'{client} - - [02/Nov/2026:09:00:0{n} +0000] "GET /{n} HTTP/1.1" 200 100 "-" '
            f'"{FIREFOX}"\n'
            for n, client in enumerate(clients)
        ),
        encoding="utf-8",
    )
    return path


def hit_rows(*args: str) -> list[dict[str, str]]:
    result = CliRunner().invoke(cli, ["hits", *args])
    assert result.exit_code == 0, result.stderr
    return list(csv.DictReader(io.StringIO(result.stdout)))


def addresses_and_visitors(rows: list[dict[str, str]]) -> tuple[list[str], int]:
    return [row["ip"] for row in rows], len({row["visitor"] for row in rows})


def test_a_bracketed_ipv6_address_is_the_address_in_the_brackets() -> None:
    """``[2001:db8::1]:443`` was no address at all, and the next public one (or the
    connecting address) was taken instead."""
    assert forwarded(
        "10.0.0.1",
        [
            "[2001:db8::1]:443, 10.0.0.2",
            "[2001:db8::2]",
            "[fe80::1%eth0]:443, [2001:db8::3]:80, 198.51.100.1",
            "[::1], 203.0.113.4:4711",
        ],
    ) == ["2001:db8::1", "2001:db8::2", "2001:db8::3", "203.0.113.4"]


def test_bracketed_forwarded_addresses_are_visitors_of_their_own(tmp_path: Path) -> None:
    log = proxied_log(tmp_path, ["[2001:db8::1]:443, 10.0.0.2", "[2001:db8::2]", "198.51.100.7"])
    rows = hit_rows(str(log), "--client-ip", "first-forwarded")
    assert addresses_and_visitors(rows) == (["2001:db8::1", "2001:db8::2", "198.51.100.7"], 3)


def test_a_bracketed_client_field_of_apaches_proxy_format_is_its_address(
    tmp_path: Path,
) -> None:
    """The line ``[2001:db8::9]:555 - - […]`` had no address, and was the visitor of its user
    agent, with the line ``- - - […]``."""
    log = apache_log(tmp_path, ["203.0.113.7", "-", "[2001:db8::9]:555"])
    rows = hit_rows(str(log), "--log-format", APACHE_PROXY)
    assert addresses_and_visitors(rows) == (["203.0.113.7", "", "2001:db8::9"], 3)


def test_an_ipv4_mapped_address_of_a_range_that_is_no_clients_own_is_skipped() -> None:
    """``::ffff:172.16.3.4`` was taken for a public client: only the mapped forms of 10/8,
    127/8 and 192.168/16 were skipped. A mapped public address stays as written."""
    assert forwarded(
        "10.0.0.1",
        [
            "::ffff:172.16.3.4, 198.51.100.3",
            "::ffff:169.254.1.1, ::ffff:100.64.1.1, 198.51.100.5",
            "::FFFF:127.0.0.1, ::ffff:0.0.0.0, ::ffff:192.168.1.1, ::ffff:10.3.3.3, 198.51.100.6",
            "0:0:0:0:0:ffff:172.31.0.1, [::ffff:100.127.0.1]:80, 198.51.100.7",
            "::ffff:172.32.0.1, 198.51.100.8",
            "::ffff:100.128.0.1",
        ],
    ) == [
        "198.51.100.3",
        "198.51.100.5",
        "198.51.100.6",
        "198.51.100.7",
        "::ffff:172.32.0.1",
        "::ffff:100.128.0.1",
    ]


def test_clients_behind_ipv4_mapped_private_addresses_are_visitors_of_their_own(
    tmp_path: Path,
) -> None:
    lists = [
        "::ffff:172.16.3.4, 198.51.100.3",
        "::ffff:172.16.3.4, 198.51.100.4",
        "::ffff:10.3.3.3, 198.51.100.5",
    ]
    rows = hit_rows(str(proxied_log(tmp_path, lists)), "--client-ip", "first-forwarded")
    assert addresses_and_visitors(rows) == (["198.51.100.3", "198.51.100.4", "198.51.100.5"], 3)


def test_a_line_whose_only_address_is_a_private_forwarded_one_keeps_it() -> None:
    """Without a public address the connecting address stays; without that, the list's first
    address is the only one the line has (it had none)."""
    assert forwarded(None, ["10.0.0.3", "unknown, [fd00::7]:80, 10.0.0.4", "unknown", None]) == [
        "10.0.0.3",
        "fd00::7",
        None,
        None,
    ]
    assert forwarded("10.0.0.1", ["10.0.0.3, 192.168.5.5"]) == ["10.0.0.1"]


def test_private_client_fields_of_apaches_proxy_format_are_visitors_of_their_own(
    tmp_path: Path,
) -> None:
    """Three clients on a private network behind Apache's proxy format were one visitor of no
    address (their user agent's)."""
    log = apache_log(tmp_path, ["10.0.0.3", "10.0.0.4", "192.168.5.5"])
    rows = hit_rows(str(log), "--log-format", APACHE_PROXY)
    assert addresses_and_visitors(rows) == (["10.0.0.3", "10.0.0.4", "192.168.5.5"], 3)


def test_spaces_around_the_commas_of_a_forwarded_list_are_allowed(tmp_path: Path) -> None:
    """The header as the client sent it: ``"203.0.113.5 , 10.0.0.2"`` was no address list,
    and the line was read as combined+fields, its forwarded addresses unread."""
    log = proxied_log(
        tmp_path,
        [
            "203.0.113.5 , 10.0.0.2",
            "  203.0.113.8 ,  10.0.0.2  ",
            "unknown\t,\t[2001:db8::5]:443",
            "198.51.100.9,10.0.0.2",
        ],
    )
    rows = hit_rows(str(log), "--client-ip", "first-forwarded")
    assert [(row["variant"], row["ip"]) for row in rows] == [
        ("combined+xff", "203.0.113.5"),
        ("combined+xff", "203.0.113.8"),
        ("combined+xff", "2001:db8::5"),
        ("combined+xff", "198.51.100.9"),
    ]
    with_more = log.read_text(encoding="utf-8").replace("\n", " rt=0.004\n")
    log.write_text(with_more, encoding="utf-8")
    rows = hit_rows(str(log), "--client-ip", "first-forwarded")
    assert [(row["variant"], row["ip"]) for row in rows] == [
        ("combined+xff+fields", "203.0.113.5"),
        ("combined+xff+fields", "203.0.113.8"),
        ("combined+xff+fields", "2001:db8::5"),
        ("combined+xff+fields", "198.51.100.9"),
    ]
