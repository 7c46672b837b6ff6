"""Exclusions: the site's own hits (the goals file's ``exclude:`` section, ``--exclude-ip``),
which fall in the ``excluded`` bucket whatever else they would be (definitions §2.2).

An address is tested once per distinct address of a chunk (Python's ``ipaddress``), a path
once per distinct path (the test a destination goal runs, ``matchers``), and the verdicts are
given back to every line by its code among the distinct values (``fields.distinct_codes``).

>>> from ipaddress import ip_network
>>> lines = pl.DataFrame({"ip": ["203.0.113.7", "::ffff:203.0.113.7", "[2001:db8::1]:443",
...     "198.51.100.9", None], "path": ["/", "/", "/", "/wp-admin/", "/"], "query": [None] * 5})
>>> owner = Exclusions(networks=(ip_network("203.0.113.7"), ip_network("2001:db8::/32")),
...     paths=(DestinationMatcher(StringMatcher("begins_with", "/wp-admin")),))
>>> excluded_lines(lines, owner).to_list()
[True, True, True, True, False]
"""

from __future__ import annotations

import ipaddress

import polars as pl

from micromacro.goals import DestinationMatcher, Exclusions, StringMatcher
from micromacro.logformats.fields import bare_address, distinct_codes
from micromacro.matchers import destination_target, string_match
from micromacro.option_values import Network


def excluded_lines(lines: pl.DataFrame, exclude: Exclusions) -> pl.Series:
    """Whether each of ``lines`` (its ``ip``, ``path`` and ``query``) is excluded by
    ``exclude``: its address is in one of the networks, or a path matcher matches it."""
    flags = pl.repeat(False, lines.height, dtype=pl.Boolean, eager=True)
    if exclude.networks:
        flags = flags | _in_networks(lines.get_column("ip"), exclude.networks)
    if exclude.paths:
        flags = flags | excluded_paths(lines, exclude.paths)
    return flags.alias("excluded")


def _in_networks(addresses: pl.Series, networks: tuple[Network, ...]) -> pl.Series:
    """Whether each of ``addresses`` (as logged: an IPv6 address may have brackets, any a port)
    is in one of ``networks``; decided once per distinct address (null: not in any)."""
    distinct, codes = distinct_codes(addresses.cast(pl.String))
    bare = distinct.to_frame("ip").select(bare_address(pl.col("ip"))).to_series()
    verdicts = pl.Series([address_in(text, networks) for text in bare.to_list()], dtype=pl.Boolean)
    return verdicts.gather(codes).fill_null(False)


def address_in(text: str, networks: tuple[Network, ...]) -> bool:
    """Whether the address ``text`` is in one of ``networks``: an IPv4-mapped IPv6 address
    (``::ffff:203.0.113.7``, as a dual-stack server logs an IPv4 client) is in an IPv4 network
    as its IPv4 address, and a zone id (``fe80::1%eth0``) is left out; text that is no
    address is in none.

    >>> office = (ipaddress.ip_network("198.51.100.0/24"),)
    >>> [address_in(a, office) for a in ("198.51.100.9", "::ffff:198.51.100.9", "unknown")]
    [True, True, False]
    """
    try:
        address = ipaddress.ip_address(text.partition("%")[0])
    except ValueError:
        return False
    mapped = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
    candidates = (address,) if mapped is None else (address, mapped)
    return any(
        candidate in network
        for candidate in candidates
        for network in networks
        if network.version == candidate.version
    )


def excluded_paths(rows: pl.DataFrame, paths: tuple[DestinationMatcher, ...]) -> pl.Series:
    """Whether each of ``rows`` (its ``path``, and ``query`` for a matcher with
    ``include_query``) passes one of ``paths``, as a destination goal's matcher would;
    decided once per distinct path (or path and query)."""
    flags = pl.repeat(False, rows.height, dtype=pl.Boolean, eager=True)
    for include_query in (False, True):
        matchers = [path.matcher for path in paths if path.include_query == include_query]
        if matchers:
            flags = flags | _passing(rows, destination_target(include_query), matchers)
    return flags


def _passing(rows: pl.DataFrame, target: pl.Expr, matchers: list[StringMatcher]) -> pl.Series:
    """Whether the ``target`` of each of ``rows`` passes one of ``matchers`` (null: none)."""
    targets = rows.select(target.cast(pl.String).alias("target")).to_series()
    distinct, codes = distinct_codes(targets)
    passes = distinct.to_frame("target").select(
        pl.any_horizontal(string_match(pl.col("target"), matcher) for matcher in matchers)
    )
    return passes.to_series().gather(codes).fill_null(False)
