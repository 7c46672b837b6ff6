"""Device class, browser and operating system of each user agent, parsed once per distinct value.

``ua-parser`` names the browser and OS families; a handful of rules on top of its answer put
every user agent in one device class, checked in this order:

1. **other** – empty or ``-`` user agents, crawlers (ua-parser's device family ``Spider``, or
   the crawler list and ``--bot-pattern`` that put a line in the ``bot`` bucket), and TVs,
   streaming sticks and game consoles by a token of theirs (``TV_OR_CONSOLE``): Android TV
   boxes send no ``Mobile`` token, and Fire TV's Silk browser the Kindle's.
2. **tablet** – iPads, ua-parser's generic tablets (``Generic_Android_Tablet``, ``Tablet``),
   Amazon Kindle/Silk, and Android without a ``Mobile`` token (Android phones send it, Android
   tablets do not).
3. **mobile** – iPhones and iPods (iOS), Android, Windows Phone and other phone systems, and
   anything else with a ``Mobile`` token.
4. **desktop** – a known browser on Windows, macOS, Linux, ChromeOS or BSD (or any ``X11``
   system), unless ua-parser names other hardware for it (a Chromecast, say).
5. **other** – everything else: HTTP libraries (curl, python-requests), unknown strings.

iPadOS 13+ Safari sends a desktop Mac user agent by default ("Request Desktop Website"), which is
byte-for-byte the one macOS Safari sends, so those iPads count as desktop Safari on Mac OS X; only
agents that still name the iPad (iOS 12 and older, Chrome's ``CriOS`` on iPad) are tablets.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, NamedTuple

import polars as pl

from micromacro.bots import bot_match

if TYPE_CHECKING:
    from ua_parser import DefaultedResult, Parser

MAX_USER_AGENT_LENGTH = 1_000
"""Characters parsed per user agent; real ones stay under 600, and the rest only cost time."""

CACHE_SIZE = 10_000
"""Parse results kept between calls (one report parses many files with the same agents)."""

OTHER_DEVICE = "other"
OTHER_FAMILY = "Other"

DEVICE_COLUMNS = ("device", "browser", "os")

SCHEMA = pl.Schema(
    {"user_agent": pl.String, "device": pl.String, "browser": pl.String, "os": pl.String}
)

BLANK_USER_AGENTS = frozenset({"", "-"})
TV_OR_CONSOLE = re.compile(
    r"(?i:Android ?TV|Google ?TV|Smart[- ]?TV|webOS[ .]?TV|BRAVIA)|Chromecast|CrKey|HbbTV"
    r"|NetCast|Web0S|Tizen.*\bTV\b|Xbox|PlayStation"
    # Fire TV models (AFTB, AFTMM, AFTKA…); the Fire tablets' are KF… and stay tablets.
    r"|; AFT[A-Z][A-Z0-9]*(?: Build|[;)])"
)
"""A television, streaming stick or games console: what its user agent names it by."""
TABLET_HARDWARE_WORDS = ("iPad", "Tablet", "Kindle")
TABLET_TOKENS = ("Kindle", "Silk")
PHONE_DEVICE_FAMILIES = frozenset({"iPhone", "iPod"})
MOBILE_OS = frozenset(
    {
        "Android",
        "BlackBerry OS",
        "Firefox OS",
        "iOS",
        "KaiOS",
        "Symbian OS",
        "Windows Mobile",
        "Windows Phone",
    }
)
DESKTOP_OS = frozenset(
    {
        "Chrome OS",
        "Debian",
        "Fedora",
        "FreeBSD",
        "Linux",
        "Mac OS",
        "Mac OS X",
        "macOS",
        "NetBSD",
        "OpenBSD",
        "Red Hat",
        "Ubuntu",
        "Windows",
    }
)
DESKTOP_HARDWARE = frozenset({"Other", "Mac"})


class UserAgentDetails(NamedTuple):
    """What one user agent says about the visitor's device, browser and operating system."""

    device: str
    browser: str
    os: str


UNKNOWN = UserAgentDetails(OTHER_DEVICE, OTHER_FAMILY, OTHER_FAMILY)


@cache
def user_agent_parser() -> Parser:
    """The process-wide parser: ua-parser's fastest resolver (Rust when installed), cached.
    ua-parser is imported here, the first time a user agent is parsed: its import costs about
    8 ms, and only device dimensions (``--by device``, ``browser``, ``os``) parse agents."""
    from ua_parser import (
        BestAvailableResolver,
        Cache,
        CachingResolver,
        Parser,
        load_lazy_builtins,
    )

    resolver = BestAvailableResolver(load_lazy_builtins())
    return Parser(CachingResolver(resolver, Cache(CACHE_SIZE)))


def user_agent_details(user_agents: pl.Series, bot_patterns: Sequence[str] = ()) -> pl.DataFrame:
    """One row per distinct non-null user agent: ``user_agent``, ``device``, ``browser``, ``os``.

    ``device`` is one of ``desktop``, ``mobile``, ``tablet`` or ``other``; ``browser`` and ``os``
    are ua-parser families ("Other" when unknown). A user agent the bot filter calls a crawler
    (``bot_match`` with ``bot_patterns``, the ``--bot-pattern`` regexes) is ``other``: with
    ``--include-bots`` its hits are counted. Rows keep first-seen order; join them back on
    ``user_agent`` (see ``device_columns``).

    >>> import polars as pl
    >>> agents = pl.Series(["curl/8.5.0", None, "curl/8.5.0", "-"])
    >>> user_agent_details(agents).rows()
    [('curl/8.5.0', 'other', 'curl', 'Other'), ('-', 'other', 'Other', 'Other')]
    """
    distinct = user_agents.cast(pl.String).drop_nulls().unique(maintain_order=True)
    rows = [(agent, *classify_user_agent(agent)) for agent in distinct]
    details = pl.DataFrame(rows, schema=SCHEMA, orient="row")
    crawler = bot_match(pl.col("user_agent"), bot_patterns)
    return details.with_columns(
        device=pl.when(crawler).then(pl.lit(OTHER_DEVICE)).otherwise(pl.col("device"))
    )


def device_columns(
    frame: pl.DataFrame, user_agent: str = "user_agent", bot_patterns: Sequence[str] = ()
) -> pl.DataFrame:
    """``frame`` with ``device``, ``browser`` and ``os`` columns for its ``user_agent`` column
    (``bot_patterns`` as for ``user_agent_details``).

    A missing user agent gets ``other``/``Other``/``Other``; existing columns of those names are
    replaced, and row order is kept.

    >>> import polars as pl
    >>> frame = pl.DataFrame({"user_agent": ["curl/8.5.0", None]})
    >>> device_columns(frame).rows()
    [('curl/8.5.0', 'other', 'curl', 'Other'), (None, 'other', 'Other', 'Other')]
    """
    agents = frame.get_column(user_agent).cast(pl.String)
    details = user_agent_details(agents, bot_patterns).rename({"user_agent": "_device_key"})
    joined = (
        frame.drop(DEVICE_COLUMNS, strict=False)
        .with_columns(agents.alias("_device_key"))
        .join(details, on="_device_key", how="left", maintain_order="left")
        .drop("_device_key")
    )
    return joined.with_columns(
        pl.col(column).fill_null(default)
        for column, default in zip(DEVICE_COLUMNS, UNKNOWN, strict=True)
    )


def classify_user_agent(user_agent: str) -> UserAgentDetails:
    """Device class, browser family and OS family of one user agent; never raises on junk.

    Only the first ``MAX_USER_AGENT_LENGTH`` characters are parsed.
    """
    if user_agent.strip() in BLANK_USER_AGENTS:
        return UNKNOWN
    head = user_agent[:MAX_USER_AGENT_LENGTH]
    parsed = user_agent_parser().parse(head).with_defaults()
    return UserAgentDetails(device_class(head, parsed), parsed.user_agent.family, parsed.os.family)


def device_class(user_agent: str, parsed: DefaultedResult) -> str:
    """``desktop``, ``mobile``, ``tablet`` or ``other``, by the first rule that applies."""
    if is_crawler(parsed) or is_tv_or_console(user_agent):
        return OTHER_DEVICE
    if is_tablet(user_agent, parsed):
        return "tablet"
    if is_mobile(user_agent, parsed):
        return "mobile"
    if is_desktop(user_agent, parsed):
        return "desktop"
    return OTHER_DEVICE


def is_crawler(parsed: DefaultedResult) -> bool:
    """ua-parser recognised a crawler, monitor or link-preview fetcher."""
    return parsed.device.family == "Spider"


def is_tv_or_console(user_agent: str) -> bool:
    """A television, streaming stick or games console (``TV_OR_CONSOLE`` finds a token of one).

    >>> is_tv_or_console("Mozilla/5.0 (Linux; Android 9; AFTKA Build/PS7633.3445N; wv)")
    True
    >>> is_tv_or_console("Mozilla/5.0 (Linux; Android 11; KFTRWI) Silk/120.3.1")
    False
    """
    return TV_OR_CONSOLE.search(user_agent) is not None


def is_tablet(user_agent: str, parsed: DefaultedResult) -> bool:
    """A tablet by ua-parser's device data, a Kindle/Silk token, or Android without ``Mobile``.

    "Tablet" is only trusted in the device data: Windows 7 touch PCs send ``Tablet PC 2.0``.
    """
    device = parsed.device
    hardware = f"{device.family} {device.brand or ''} {device.model or ''}"
    return (
        any(word in hardware for word in TABLET_HARDWARE_WORDS)
        or any(token in user_agent for token in TABLET_TOKENS)
        or (parsed.os.family == "Android" and "Mobile" not in user_agent)
    )


def is_mobile(user_agent: str, parsed: DefaultedResult) -> bool:
    """A phone: iPhone/iPod, a phone operating system, or a ``Mobile`` token."""
    return (
        parsed.device.family in PHONE_DEVICE_FAMILIES
        or parsed.os.family in MOBILE_OS
        or "Mobile" in user_agent
    )


def is_desktop(user_agent: str, parsed: DefaultedResult) -> bool:
    """A known browser on a desktop operating system and no identified non-desktop hardware."""
    desktop_os = parsed.os.family in DESKTOP_OS or "X11" in user_agent
    return (
        desktop_os
        and parsed.user_agent.family != OTHER_FAMILY
        and parsed.device.family in DESKTOP_HARDWARE
    )
