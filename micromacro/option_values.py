"""The values the command-line options accept, and their defaults: named once here, for the
stages that use them and for the options that offer them.

This module imports no Polars (nor anything that does), so that ``micromacro --help`` and
``--version`` start at once: the command line declares its options from it, and loads the
pipeline only when a command runs.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from typing import Literal

from micromacro.rows import TRAFFIC_TABLES
from micromacro.text import quoted
from micromacro.timespans import parse_duration

# The goals file read when --goals is not given (and only if it exists).
DEFAULT_GOALS_FILE = "goals.yaml"

# --session-timeout: the inactivity gap that ends a session, as the option writes it.
DEFAULT_SESSION_TIMEOUT = "30m"
DEFAULT_SESSION_TIMEOUT_S = parse_duration(DEFAULT_SESSION_TIMEOUT)

# --log-format: the name that asks for detection (the rest are the formats of ``logformats``).
AUTO = "auto"

# --max-line-bytes: a longer line is malformed ("too long") and is skipped without being held
# in memory.
DEFAULT_MAX_LINE_BYTES = 64 * 1024
MAX_LINE_BYTES_LIMIT = 1 << 30  # the largest cap one may ask for (1 GiB)

# --client-ip: the connecting address, or the first public one of X-Forwarded-For.
ClientIpMode = Literal["remote", "first-forwarded"]
CLIENT_IP_MODES: tuple[ClientIpMode, ...] = ("remote", "first-forwarded")

# --exclude-ip and the goals file's exclude: ips: an address, or a network of them (CIDR).
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_NETWORK_EXAMPLES = "such as 203.0.113.7, 198.51.100.0/24 or 2001:db8::/32"


def excluded_network(text: str) -> Network:
    """The network an ``--exclude-ip`` value (or an item of the goals file's ``exclude: ips``)
    names: an address is a network of one, and an IPv4-mapped network (prefix 96 or more) is
    its IPv4 network, which holds IPv4 addresses and their mapped forms alike; ``ValueError``
    when it names none, or when its address has bits set past the prefix (which network was
    meant cannot be told).

    >>> excluded_network("198.51.100.0/24"), excluded_network(" 2001:db8::1 ")
    (IPv4Network('198.51.100.0/24'), IPv6Network('2001:db8::1/128'))
    >>> excluded_network("::ffff:203.0.113.0/120"), excluded_network("::ffff:203.0.113.7")
    (IPv4Network('203.0.113.0/24'), IPv4Network('203.0.113.7/32'))
    >>> excluded_network("198.51.100.7/24")
    Traceback (most recent call last):
    ValueError: '198.51.100.7/24' has bits set past its prefix: the network is 198.51.100.0/24
    >>> excluded_network("office")
    Traceback (most recent call last):
    ValueError: 'office' is no IP address or network (give one such as 203.0.113.7,
    198.51.100.0/24 or 2001:db8::/32)
    """
    value = text.strip()
    try:
        return _unmapped(ipaddress.ip_network(value))
    except ValueError:
        pass
    try:
        network = _unmapped(ipaddress.ip_network(value, strict=False))
    except ValueError:
        raise ValueError(
            f"{quoted(text)} is no IP address or network (give one {_NETWORK_EXAMPLES})"
        ) from None
    raise ValueError(f"{quoted(text)} has bits set past its prefix: the network is {network}")


# An IPv4-mapped IPv6 address is ::ffff: and the 32 bits of the IPv4 one.
_MAPPED_PREFIX = 96


def _unmapped(network: Network) -> Network:
    """``network``, or the IPv4 network it maps when it is an IPv4-mapped one of prefix 96 or
    more (``::ffff:203.0.113.0/120`` is ``203.0.113.0/24``)."""
    if network.version != 6 or network.prefixlen < _MAPPED_PREFIX:
        return network
    mapped = ipaddress.IPv6Address(network.network_address).ipv4_mapped
    if mapped is None:
        return network
    return ipaddress.IPv4Network((mapped, network.prefixlen - _MAPPED_PREFIX))


def network_text(network: Network) -> str:
    """``network`` as the goals file's ``exclude: ips`` writes it, which ``excluded_network``
    reads back as the same network: a network of one as its address alone.

    >>> texts = ("198.51.100.0/24", "2001:DB8::1", "::ffff:203.0.113.7", "2001:db8::/32")
    >>> [network_text(excluded_network(text)) for text in texts]
    ['198.51.100.0/24', '2001:db8::1', '203.0.113.7', '2001:db8::/32']
    """
    if network.prefixlen == network.max_prefixlen:
        return str(network.network_address)
    return str(network)


# --site-host: a host name (any script: internationalised names stay as written) or an IPv6
# address in brackets, maybe with a trailing dot and a port.
_HOST = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[^\s/?#@:\[\]]+?)\.?(?::[0-9]*)?")


def site_host_name(text: str) -> str:
    """The host a ``--site-host`` value names: the value itself, or the host of a URL pasted
    for it, without scheme, user, port or path (``ValueError`` when it names none).

    >>> site_host_name("https://www.Shop.example:8443/a?b")
    'www.Shop.example'
    >>> site_host_name("shop.example/")
    'shop.example'
    >>> site_host_name(".")
    Traceback (most recent call last):
    ValueError: '.' names no host: give one such as shop.example
    """
    value = text.strip()
    if "://" in value:
        value = value.split("://", 1)[1]
    value = re.split(r"[/?#]", value, maxsplit=1)[0].rpartition("@")[2]
    host = _HOST.fullmatch(value)
    if host is None or not _is_host(host.group(1)):
        raise ValueError(f"{text!r} names no host: give one such as shop.example")
    return _as_sent(host.group(1))


def _as_sent(host: str) -> str:
    """An internationalised host as browsers send it in a referrer and a ``Host`` header, in
    punycode by UTS 46 (``münchen.de`` is ``xn--mnchen-3ya.de``, ``faß.de`` is
    ``xn--fa-hia.de``, not IDNA 2003's ``fass.de``); any other as given.

    >>> _as_sent("MÜNCHEN.de"), _as_sent("faß.de"), _as_sent("shop.example")
    ('xn--mnchen-3ya.de', 'xn--fa-hia.de', 'shop.example')
    """
    if host.isascii():
        return host
    import idna  # only for a host that needs it: ``--help`` imports little

    try:
        return str(idna.encode(host, uts46=True).decode("ascii"))
    except (idna.IDNAError, UnicodeError):  # no IDNA label (a character it refuses): as given
        return host


def _is_host(host: str) -> bool:
    """Whether ``host`` is a host the site's referrers can be told by, as ``channels`` reads a
    referrer's: a bracketed IPv6 address, or labels between dots of letters, digits (of any
    script), marks, ``_`` and ``-``, each starting with a letter or digit (no ``*.shop.example``,
    ``.shop.example``, ``a,b`` or quotes: one host per ``--site-host``).

    >>> [_is_host(h) for h in ("shop.example", "münchen.de", "[2001:db8::1]", "*.shop.example")]
    [True, True, True, False]
    """
    if host.startswith("["):
        return re.fullmatch(r"\[[0-9A-Fa-f:.]+\]", host) is not None
    return all(
        label != ""
        and _is_letter(label[0])
        and all(
            _is_letter(c) or c in "_-" or unicodedata.category(c).startswith("M") for c in label
        )
        for label in host.split(".")
    )


def _is_letter(char: str) -> bool:
    """A letter or digit of any script; or a byte that is not UTF-8 (a lone surrogate), which
    the check of every argument's encoding names after this one."""
    return char.isalnum() or unicodedata.category(char) == "Cs"


# --top: the segments kept per --by (and rows per traffic table); --min-sessions: segments
# with fewer sessions are flagged as small samples.
DEFAULT_TOP = 20
DEFAULT_MIN_SESSIONS = 30

# report --format, and the tables --table writes as CSV or TSV (in display order).
OutputFormat = Literal["table", "csv", "tsv", "json", "markdown", "html"]
OUTPUT_FORMATS: tuple[OutputFormat, ...] = ("table", "csv", "tsv", "json", "markdown", "html")
TABLE_NAMES: tuple[str, ...] = (
    "input",
    "summary",
    "trend",
    "goals",
    "funnels",
    "ladder",
    "micro_macro",
    "segments",
    "experiment",
    "alerts",
    *TRAFFIC_TABLES,
)
DEFAULT_TABLE = "goals"

# suggest --format.
SuggestionFormat = Literal["yaml", "json"]
SUGGESTION_FORMATS: tuple[SuggestionFormat, ...] = ("yaml", "json")

# hits --format.
HitFormat = Literal["csv", "tsv", "ndjson", "parquet"]
HIT_FORMATS: tuple[HitFormat, ...] = ("csv", "tsv", "ndjson", "parquet")
