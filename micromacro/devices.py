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

from collections.abc import Callable, Sequence
from functools import cache
from typing import TYPE_CHECKING, NamedTuple

import polars as pl

from micromacro.bots import bot_match

if TYPE_CHECKING:
    from ua_parser import PartialResult

MAX_USER_AGENT_LENGTH = 1_000
"""Characters parsed per user agent; real ones stay under 600, and the rest only cost time."""

OTHER_DEVICE = "other"
OTHER_FAMILY = "Other"

DEVICE_COLUMNS = ("device", "browser", "os")

BLANK_USER_AGENTS = frozenset({"", "-"})
TV_OR_CONSOLE = (
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


# What ua-parser says of a user agent: its browser and OS families, and its device's family,
# brand and model (ua-parser's ``Other`` and nulls where it knows none).
_PARSED = pl.Schema(
    {
        "browser": pl.String,
        "os": pl.String,
        "hardware": pl.String,
        "brand": pl.String,
        "model": pl.String,
    }
)
Resolve = Callable[[str], tuple[str, str, str, str | None, str | None]]


@cache
def user_agent_resolver() -> Resolve:
    """The process-wide reading of one user agent by ua-parser's fastest resolver (Rust when
    installed), as the fields of ``_PARSED``. ua-parser is imported here, the first time a
    user agent is parsed: its import costs about 8 ms, and only device dimensions (``--by
    device``, ``browser``, ``os``) parse agents. No cache is put in front: each distinct agent
    is resolved once (``user_agent_details``), and a cache that misses costs more than the
    parse (4 µs a miss, against 8 µs for the parse)."""
    from ua_parser import BestAvailableResolver, Domain, load_lazy_builtins

    resolver = BestAvailableResolver(load_lazy_builtins())

    def resolve(user_agent: str) -> tuple[str, str, str, str | None, str | None]:
        return _fields(resolver(user_agent, Domain.ALL))

    return resolve


def _fields(result: PartialResult) -> tuple[str, str, str, str | None, str | None]:
    """``_PARSED``'s fields of a resolver's result."""
    agent, system, device = result.user_agent, result.os, result.device
    return (
        agent.family if agent is not None else OTHER_FAMILY,
        system.family if system is not None else OTHER_FAMILY,
        device.family if device is not None else OTHER_FAMILY,
        device.brand if device is not None else None,
        device.model if device is not None else None,
    )


def user_agent_details(user_agents: pl.Series, bot_patterns: Sequence[str] = ()) -> pl.DataFrame:
    """One row per distinct non-null user agent: ``user_agent``, ``device``, ``browser``, ``os``.

    ``device`` is one of ``desktop``, ``mobile``, ``tablet`` or ``other``; ``browser`` and ``os``
    are ua-parser families ("Other" when unknown). ua-parser reads each distinct agent once
    (its first ``MAX_USER_AGENT_LENGTH`` characters); the device rules (module) run on all of
    them at once. A user agent the bot filter calls a crawler (``bot_match`` with
    ``bot_patterns``, the ``--bot-pattern`` regexes) is ``other``: with ``--include-bots`` its
    hits are counted. Rows keep first-seen order; join them back on ``user_agent`` (see
    ``device_columns``).

    >>> import polars as pl
    >>> agents = pl.Series(["curl/8.5.0", None, "curl/8.5.0", "-"])
    >>> user_agent_details(agents).rows()
    [('curl/8.5.0', 'other', 'curl', 'Other'), ('-', 'other', 'Other', 'Other')]
    """
    distinct = user_agents.cast(pl.String).drop_nulls().unique(maintain_order=True)
    agents = pl.DataFrame({"user_agent": distinct}).with_columns(
        head=pl.col("user_agent").str.slice(0, MAX_USER_AGENT_LENGTH),
        blank=pl.col("user_agent").str.strip_chars().is_in(BLANK_USER_AGENTS),
    )
    resolve = user_agent_resolver()
    heads, blanks = agents.get_column("head").to_list(), agents.get_column("blank").to_list()
    rows = [
        _UNPARSED if blank else resolve(head) for head, blank in zip(heads, blanks, strict=True)
    ]
    parsed = pl.DataFrame(rows, schema=_PARSED, orient="row")
    read = pl.concat([agents, parsed], how="horizontal")
    crawler = bot_match(pl.col("user_agent"), bot_patterns)
    return read.select("user_agent", _device_class(crawler).alias("device"), "browser", "os")


# What a blank user agent reads as: it is not parsed.
_UNPARSED = (OTHER_FAMILY, OTHER_FAMILY, OTHER_FAMILY, None, None)


def _device_class(crawler: pl.Expr) -> pl.Expr:
    """The device class of each row of ``user_agent_details``' agents (``head``, ``blank`` and
    ``_PARSED``'s fields), by the first rule of the module's that applies (``crawler``: the
    bot filter calls the agent a crawler)."""
    head, system, hardware = pl.col("head"), pl.col("os"), pl.col("hardware")
    described = pl.concat_str(
        hardware, pl.col("brand").fill_null(""), pl.col("model").fill_null(""), separator=" "
    )
    mobile_token = head.str.contains("Mobile", literal=True)
    other = pl.col("blank") | crawler | (hardware == "Spider") | head.str.contains(TV_OR_CONSOLE)
    tablet = (
        described.str.contains_any(TABLET_HARDWARE_WORDS)
        | head.str.contains_any(TABLET_TOKENS)
        | ((system == "Android") & ~mobile_token)
    )
    mobile = hardware.is_in(PHONE_DEVICE_FAMILIES) | system.is_in(MOBILE_OS) | mobile_token
    desktop = (
        (system.is_in(DESKTOP_OS) | head.str.contains("X11", literal=True))
        & (pl.col("browser") != OTHER_FAMILY)
        & hardware.is_in(DESKTOP_HARDWARE)
    )
    return (
        pl.when(other)
        .then(pl.lit(OTHER_DEVICE))
        .when(tablet)
        .then(pl.lit("tablet"))
        .when(mobile)
        .then(pl.lit("mobile"))
        .when(desktop)
        .then(pl.lit("desktop"))
        .otherwise(pl.lit(OTHER_DEVICE))
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
    """Device class, browser family and OS family of one user agent (``user_agent_details``);
    never raises on junk."""
    _, *details = user_agent_details(pl.Series([user_agent], dtype=pl.String)).row(0)
    return UserAgentDetails(*details)
