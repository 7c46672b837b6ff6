"""Traffic sources (definitions §2.3, §2.7): each session's source, medium, campaign, referrer
host and GA4 default channel group, from its first hit's utm tags, ad click ids and referrer.

The query strings and referrers are parsed with Polars expressions; the few steps that need
Python (URL-decoding, host lists) run once per distinct value and are joined back.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, partial
from importlib.resources import files
from typing import Literal

import polars as pl

from micromacro.dimensions import NONE
from micromacro.distinct import has_parameter, per_distinct, query_parameter, query_value_decoded

DIRECT = "(direct)"
NOT_SET = "(not set)"
UNASSIGNED = "Unassigned"

SOURCE_COLUMNS = ("session", "source", "medium", "campaign", "referrer_host", "channel")

SiteKind = Literal["search_engines", "social_networks", "video_sites", "shopping_sites"]
SITE_KINDS: tuple[SiteKind, ...] = (
    "search_engines", "social_networks", "video_sites", "shopping_sites",
)  # fmt: skip

# The first-hit columns a session's source is read from (one row per distinct combination):
# the URL's query, the referrer and the host of every input, and an event export's own
# attribution where its mapping names it (its campaign fields and ad click ids).
_KEYS = ("query", "referrer", "host")
CAMPAIGN_COLUMNS = ("campaign_source", "campaign_medium", "campaign_name")
CLICK_ID_COLUMNS = ("gclid", "dclid")
EXPORT_KEYS = (*CAMPAIGN_COLUMNS, *CLICK_ID_COLUMNS)
# The user's first source, medium and campaign an event export names (``--attribution
# first-user``).
FIRST_USER_COLUMNS = ("first_user_source", "first_user_medium", "first_user_campaign")
_UTM_FIELDS = ("source", "medium", "campaign")


# --- Site lists (data/*.txt) ---------------------------------------------------------------

# A top-level domain for "name.*" patterns: de, com, co.uk, com.au, …
_ANY_TLD = r"(?:[a-z]{2,3}|(?:com|co|org|net|edu|ac|gov)\.[a-z]{2})"


@dataclass(frozen=True)
class Site:
    """One search engine, social network, video or shopping site of a site list."""

    name: str
    aliases: frozenset[str]
    hosts: re.Pattern[str] | None
    excluded: re.Pattern[str] | None

    def has_host(self, host: str) -> bool:
        """Whether ``host`` (lower-case, without port and ``www.``) is one of this site's."""
        if self.hosts is None or self.hosts.search(host) is None:
            return False
        return self.excluded is None or self.excluded.search(host) is None

    def is_named_by(self, source: str) -> bool:
        """Whether a lower-case source value (a name or a host) stands for this site."""
        return source in self.aliases or self.has_host(source)


def _host_pattern(patterns: Sequence[str]) -> re.Pattern[str] | None:
    """A regex matching a host equal to, or a subdomain of, any of ``patterns``."""
    if not patterns:
        return None
    alternatives = [
        re.escape(p.removesuffix(".*")) + (rf"\.{_ANY_TLD}" if p.endswith(".*") else "")
        for p in patterns
    ]
    return re.compile(rf"(?:^|\.)(?:{'|'.join(alternatives)})$")


def parse_site_list(text: str) -> tuple[Site, ...]:
    """The sites of a site-list file (its format is in the header of each ``data/*.txt``).

    >>> [site] = parse_site_list("# engines\\ngoogle google.* !mail.google.*\\n")
    >>> site.has_host("google.co.uk"), site.has_host("mail.google.com"), site.is_named_by("google")
    (True, False, True)
    """
    sites = []
    for line in text.splitlines():
        name, *tokens = line.split("#", 1)[0].split() or [""]
        if not name:
            continue
        excluded = [t.removeprefix("!") for t in tokens if t.startswith("!")]
        hosts = [t for t in tokens if "." in t and not t.startswith("!")]
        aliases = {name, *(t for t in tokens if "." not in t and not t.startswith("!"))}
        sites.append(Site(name, frozenset(aliases), _host_pattern(hosts), _host_pattern(excluded)))
    return tuple(sites)


@cache
def site_list(kind: SiteKind) -> tuple[Site, ...]:
    """The packaged list of one kind of site (``micromacro/data/<kind>.txt``)."""
    text = (files("micromacro") / "data" / f"{kind}.txt").read_text(encoding="utf-8")
    return parse_site_list(text)


@cache
def _any_site(kind: SiteKind) -> tuple[frozenset[str], re.Pattern[str] | None]:
    """Every name and alias of the sites of ``kind``, and one regex matching a host of any of
    them (their exclusions aside): a host most sites do not have is told apart in one search,
    not one a site (a log may hold a million distinct referrer hosts)."""
    sites = site_list(kind)
    hosts = [f"(?:{site.hosts.pattern})" for site in sites if site.hosts is not None]
    aliases = frozenset(alias for site in sites for alias in site.aliases)
    return aliases, re.compile("|".join(hosts)) if hosts else None


def _may_have_host(kind: SiteKind, host: str) -> bool:
    """False when no site of ``kind`` has ``host``; True when one may (its exclusions decide)."""
    pattern = _any_site(kind)[1]
    return pattern is not None and pattern.search(host) is not None


def search_engine_of(host: str) -> str | None:
    """The name of the search engine that ``host`` (lower-case, no ``www.``) belongs to."""
    if not _may_have_host("search_engines", host):
        return None
    return next((site.name for site in site_list("search_engines") if site.has_host(host)), None)


def is_listed_source(kind: SiteKind, source: str) -> bool:
    """Whether a source value (a name such as ``fb`` or a host such as ``m.facebook.com``)
    stands for a site of ``kind``; compared lower-case, without a leading ``www.``."""
    key = source.strip().lower().removeprefix("www.")
    if key in _any_site(kind)[0]:
        return True
    return _may_have_host(kind, key) and any(site.has_host(key) for site in site_list(kind))


# --- Hosts ---------------------------------------------------------------------------------

# scheme://[userinfo@]host[:port]…; the host is group 1 (an IPv6 literal keeps its brackets).
_URL_HOST = r"^[A-Za-z][A-Za-z0-9+.\-]*://(?:[^/?#@]*@)?(\[[^\]/?#]*\]|[^/?#:]*)"
_HOST_LABEL = r"[\p{L}\p{N}][\p{L}\p{N}\p{M}_-]*"
_VALID_HOST = rf"^(?:\[[0-9a-f:.]+\]|{_HOST_LABEL}(?:\.{_HOST_LABEL})*)$"


def _tidy_host(host: pl.Expr) -> pl.Expr:
    """``host`` lower-case without a trailing dot; null unless it is a well-formed host name or
    bracketed IPv6 address (IDN kept as written, Unicode or punycode)."""
    tidy = host.str.to_lowercase().str.strip_suffix(".")
    return pl.when(tidy.str.contains(_VALID_HOST)).then(tidy)


def referrer_host(referrer: pl.Expr) -> pl.Expr:
    """The host of an absolute referrer URL, lower-case and without port (``www.`` kept); null
    for no referrer, ``-``, a relative or a malformed URL.

    >>> refs = pl.Series(["HTTPS://WWW.Example.ORG:8443/a?b", "/foo", "not a url", "-", None])
    >>> refs.to_frame("r").select(referrer_host(pl.col("r")))["r"].to_list()
    ['www.example.org', None, None, None, None]
    """
    return _tidy_host(referrer.str.extract(_URL_HOST, 1))


def request_host(host: pl.Expr) -> pl.Expr:
    """A ``Host`` header value lower-case and without port (an IPv6 address in brackets, as
    a URL writes it); null when it is not a host.

    >>> hosts = pl.Series(["Shop.Example:8080", "[2001:DB8::1]:443", "2001:db8::2", "_"])
    >>> hosts.to_frame("h").select(request_host(pl.col("h")))["h"].to_list()
    ['shop.example', '[2001:db8::1]', '[2001:db8::2]', None]
    """
    bare_ipv6 = (host.str.count_matches(":", literal=True) >= 2) & ~host.str.starts_with("[")
    written = pl.when(bare_ipv6).then(host.str.replace(r"^(.*)$", "[${1}]"))
    return _tidy_host(written.otherwise(host.str.extract(r"^(\[[^\]]*\]|[^:]*)", 1)))


def _matching_key(host: pl.Expr) -> pl.Expr:
    """The form in which hosts are compared: without a leading ``www.``."""
    return host.str.strip_prefix("www.")


def _within(host: pl.Expr, site: pl.Expr) -> pl.Expr:
    """Whether ``host`` is ``site`` or one of its subdomains (both as matching keys)."""
    return ((host == site) | host.str.ends_with(pl.lit(".") + site)).fill_null(False)


def _site_keys(site_hosts: Sequence[str]) -> list[str]:
    """The matching keys of configured site hosts (any case, with or without port)."""
    hosts = pl.Series("host", list(site_hosts), dtype=pl.String).to_frame()
    keys = hosts.select(_matching_key(request_host(pl.col("host"))))["host"]
    return sorted(set(keys.drop_nulls().to_list()))


# --- Query parameters ----------------------------------------------------------------------


# --- From first hits to source, medium and campaign ----------------------------------------


@dataclass(frozen=True)
class _Attribution:
    """Where a session's source comes from when ``applies`` holds (the first that does)."""

    applies: pl.Expr
    source: pl.Expr
    medium: pl.Expr
    campaign: pl.Expr

    def value(self, field: str) -> pl.Expr:
        """The expression of ``field``: ``source``, ``medium`` or ``campaign``."""
        return {"source": self.source, "medium": self.medium, "campaign": self.campaign}[field]


def _click_id(
    names: tuple[str, ...], source: str, medium: str, exported: str | None = None
) -> _Attribution:
    """An ad click id in the URL (or, ``exported``, the export's own click-id column), which
    names its ad network's source and medium."""
    found = has_parameter(pl.col("query"), names)
    if exported is not None:
        found = found | pl.col(exported).fill_null(False)
    return _Attribution(pl.col("_no_utm") & found, pl.lit(source), pl.lit(medium), pl.lit(NOT_SET))


_EXTERNAL = pl.col("_external")
_SEARCH_ENGINE = pl.col("_search_engine")

# In this order, the first that applies gives source, medium and campaign. Explicit utm tags
# win over ad click ids (with Google Ads linked, GA4 would let gclid win). dclid is a Campaign
# Manager / DV360 display click: "dfa / cpm", as Google Analytics reports it. fbclid is added by
# Meta to organic and paid links alike, so it only says "from Facebook": organic social, and
# only when the referrer does not say more.
_ATTRIBUTIONS = (
    _Attribution(
        ~pl.col("_no_utm"),
        pl.coalesce(pl.col("_utm_source"), pl.lit(NOT_SET)),
        pl.coalesce(pl.col("_utm_medium"), pl.lit(NOT_SET)),
        pl.coalesce(pl.col("_utm_campaign"), pl.lit(NOT_SET)),
    ),
    _click_id(("gclid", "wbraid", "gbraid"), "google", "cpc", "gclid"),
    _click_id(("msclkid",), "bing", "cpc"),
    _click_id(("dclid",), "dfa", "cpm", "dclid"),
    _Attribution(
        _EXTERNAL & _SEARCH_ENGINE.is_not_null(),
        _SEARCH_ENGINE,
        pl.lit("organic"),
        pl.lit("(organic)"),
    ),
    _Attribution(_EXTERNAL, pl.col("_referrer_key"), pl.lit("referral"), pl.lit("(referral)")),
    _click_id(("fbclid",), "facebook", "social"),
    _Attribution(pl.lit(True), pl.lit(DIRECT), pl.lit(NONE), pl.lit(DIRECT)),
)


def _with_query_facts(combos: pl.DataFrame) -> pl.DataFrame:
    """Adds the campaign's source, medium and name (``_utm_source``, …) and ``_no_utm``: the
    export's own campaign fields where it has any, else the URL's utm tags (URL-decoded)."""
    raw = combos.with_columns(
        query_parameter(pl.col("query"), f"utm_{field}").alias(f"_utm_{field}")
        for field in _UTM_FIELDS
    )
    utm_columns = [f"_utm_{field}" for field in _UTM_FIELDS]
    tagged = raw.with_columns(
        per_distinct(raw.get_column(c), query_value_decoded, pl.String) for c in utm_columns
    )
    exported = [c for c in CAMPAIGN_COLUMNS if c in combos.columns]
    if exported:  # the export's campaign, whole, wins over the URL's tags
        own = pl.any_horizontal(pl.col(c).is_not_null() for c in exported)
        tagged = tagged.with_columns(
            pl.when(own)
            .then(pl.col(column) if column in exported else None)
            .otherwise(pl.col(utm))
            .cast(pl.String)
            .alias(utm)
            for column, utm in zip(CAMPAIGN_COLUMNS, utm_columns, strict=True)
        )
    return tagged.with_columns(_no_utm=pl.all_horizontal(pl.col(c).is_null() for c in utm_columns))


def _with_referrer_facts(combos: pl.DataFrame, site_keys: Sequence[str]) -> pl.DataFrame:
    """Adds ``referrer_host`` (null when internal), ``_referrer_key``, ``_external`` and
    ``_search_engine`` (the engine's name, for an external referrer from one); worked out once
    per distinct referrer and host (combinations differ mostly by their query)."""
    pairs = combos.select("referrer", "host").unique(maintain_order=True)
    facts = _referrer_facts(pairs, site_keys)
    return combos.join(
        facts, on=["referrer", "host"], how="left", nulls_equal=True, maintain_order="left"
    )


def _referrer_facts(pairs: pl.DataFrame, site_keys: Sequence[str]) -> pl.DataFrame:
    """``_with_referrer_facts`` of distinct (``referrer``, ``host``) pairs."""
    key = pl.col("_referrer_key")
    internal = pl.any_horizontal(
        _within(key, _matching_key(request_host(pl.col("host")))),
        *(_within(key, pl.lit(site)) for site in site_keys),
    )
    facts = pairs.with_columns(
        referrer_host(pl.col("referrer")).alias("_referrer_host")
    ).with_columns(_matching_key(pl.col("_referrer_host")).alias("_referrer_key"))
    facts = facts.with_columns(_external=key.is_not_null() & ~internal).with_columns(
        referrer_host=pl.when("_external").then("_referrer_host"),
        _referrer_key=pl.when("_external").then(key),
    )
    return facts.with_columns(
        search_engines(facts.get_column("_referrer_key")).alias("_search_engine")
    )


def _with_source_medium_campaign(combos: pl.DataFrame) -> pl.DataFrame:
    """Adds ``source``, ``medium`` and ``campaign`` from the first attribution that applies."""
    return combos.with_columns(
        pl.coalesce(pl.when(a.applies).then(a.value(field)) for a in _ATTRIBUTIONS).alias(field)
        for field in _UTM_FIELDS
    )


# --- Channels ------------------------------------------------------------------------------

_SOURCE = pl.col("_source_key")
_MEDIUM = pl.col("_medium_key")
_CAMPAIGN = pl.col("_campaign_key")
_PAID = _MEDIUM.str.contains(r"^(.*cp.*|ppc|retargeting|paid.*)$")
_SHOPPING_CAMPAIGN = _CAMPAIGN.str.contains(r"^(.*(([^a-df-z]|^)shop|shopping).*)$")
_SEARCH_SITE = pl.col("_search_engines")
_SOCIAL_SITE = pl.col("_social_networks")
_VIDEO_SITE = pl.col("_video_sites")
_SHOPPING_SITE = pl.col("_shopping_sites")
_EMAIL = ("email", "e-mail", "e_mail", "e mail")
_SOCIAL_MEDIA = ("social", "social-network", "social-media", "sm", "social network", "social media")

# GA4's default channel group, "[GA4] Default channel group" (channels for manual traffic),
# https://support.google.com/analytics/answer/9756891, as published in 2026. Source, medium
# and campaign are compared lower-case (GA4 ignores case). Rules are tried in this order, GA4's
# order of evaluation (the order in which GA4 lists the default group when it is copied into
# a custom channel group); the first that holds names the channel, else it is Unassigned.
CHANNEL_RULES: tuple[tuple[str, pl.Expr], ...] = (
    ("Direct", (_SOURCE == DIRECT) & _MEDIUM.is_in([NOT_SET, NONE])),
    ("Cross-network", _CAMPAIGN.str.contains("cross-network", literal=True)),
    ("Paid Shopping", (_SHOPPING_SITE | _SHOPPING_CAMPAIGN) & _PAID),
    ("Paid Search", _SEARCH_SITE & _PAID),
    ("Paid Social", _SOCIAL_SITE & _PAID),
    ("Paid Video", _VIDEO_SITE & _PAID),
    ("Display", _MEDIUM.is_in(["display", "banner", "expandable", "interstitial", "cpm"])),
    ("Paid Other", _PAID),
    ("Organic Shopping", _SHOPPING_SITE | _SHOPPING_CAMPAIGN),
    ("Organic Social", _SOCIAL_SITE | _MEDIUM.is_in(_SOCIAL_MEDIA)),
    ("Organic Video", _VIDEO_SITE | _MEDIUM.str.contains("video", literal=True)),
    ("Organic Search", _SEARCH_SITE | (_MEDIUM == "organic")),
    ("Email", _SOURCE.is_in(_EMAIL) | _MEDIUM.is_in(_EMAIL)),
    ("Affiliates", _MEDIUM == "affiliate"),
    ("Referral", _MEDIUM.is_in(["referral", "app", "link"])),
    ("Audio", _MEDIUM == "audio"),
    ("SMS", (_SOURCE == "sms") | (_MEDIUM == "sms")),
    (
        "Mobile Push Notifications",
        _MEDIUM.str.ends_with("push")
        | _MEDIUM.str.contains("mobile|notification")
        | (_SOURCE == "firebase"),
    ),
)

CHANNELS: tuple[str, ...] = (*(name for name, _ in CHANNEL_RULES), UNASSIGNED)


def _with_source_categories(combos: pl.DataFrame) -> pl.DataFrame:
    """Adds, per kind of listed site, whether the source stands for one (``_search_engines``,
    …), and the lower-case keys the channel rules compare."""
    keyed = combos.with_columns(
        pl.col(field).str.to_lowercase().alias(f"_{field}_key") for field in _UTM_FIELDS
    )
    sources = keyed.get_column("_source_key")
    return keyed.with_columns(
        listed_sources(kind, sources).alias(f"_{kind}") for kind in SITE_KINDS
    )


def search_engines(hosts: pl.Series) -> pl.Series:
    """Per host of ``hosts`` (lower-case, no ``www.``), ``search_engine_of``: a host no search
    engine may have is told apart in one regex search over the column, and only the others
    are looked at one by one, once per distinct host."""
    pattern = _any_site("search_engines")[1]
    if pattern is None:
        return pl.repeat(None, hosts.len(), dtype=pl.String, eager=True).alias(hosts.name)
    maybe = hosts.str.contains(pattern.pattern).fill_null(False)
    candidates = pl.select(pl.when(maybe).then(hosts)).to_series()
    return per_distinct(candidates, search_engine_of, pl.String).alias(hosts.name)


def listed_sources(kind: SiteKind, sources: pl.Series) -> pl.Series:
    """Per value of ``sources``, ``is_listed_source``: a name or alias is found in one lookup,
    and a host no site may have in one regex search over the column; only the hosts a site may
    have are looked at one by one (a site's exclusions), once per distinct host."""
    aliases, hosts = _any_site(kind)
    key = sources.str.strip_chars().str.to_lowercase().str.strip_prefix("www.")
    named = key.is_in(pl.Series(sorted(aliases), dtype=pl.String).implode()).fill_null(False)
    if hosts is None:
        return named
    maybe = key.str.contains(hosts.pattern).fill_null(False) & ~named
    candidates = pl.select(pl.when(maybe).then(key)).to_series()
    checked = per_distinct(candidates, partial(is_listed_source, kind), pl.Boolean, default=False)
    return named | checked


def _channel() -> pl.Expr:
    """The first channel of ``CHANNEL_RULES`` whose rule holds, else Unassigned."""
    return pl.coalesce(
        *(pl.when(rule.fill_null(False)).then(pl.lit(name)) for name, rule in CHANNEL_RULES),
        pl.lit(UNASSIGNED),
    )


# --- Public API ----------------------------------------------------------------------------


def _keys(first_hits: pl.DataFrame) -> list[str]:
    """The first-hit columns a source is read from: the URL's query, the referrer and the host,
    and an export's own campaign and click-id columns where its hits have them."""
    return [*_KEYS, *(k for k in EXPORT_KEYS if k in first_hits.columns)]


def _key_columns(first_hits: pl.DataFrame) -> list[pl.Expr]:
    """The first-hit columns a source is read from, as text (null where absent; click ids as
    flags)."""
    return [
        (pl.col(k) if k in first_hits.columns else pl.lit(None))
        .cast(pl.Boolean if k in CLICK_ID_COLUMNS else pl.String)
        .alias(k)
        for k in _keys(first_hits)
    ]


def sources_of_combinations(combos: pl.DataFrame, site_hosts: Sequence[str]) -> pl.DataFrame:
    """Source, medium, campaign, referrer host and channel of each (``query``, ``referrer``,
    ``host``, and an export's campaign and click-id columns) row of ``combos``, which should
    be distinct."""
    keys = _keys(combos)
    flags = combos.with_columns(
        pl.lit(None, dtype=pl.Boolean).alias(k) for k in CLICK_ID_COLUMNS if k not in keys
    )
    facts = _with_referrer_facts(_with_query_facts(flags), _site_keys(site_hosts))
    classified = _with_source_categories(_with_source_medium_campaign(facts))
    return classified.select(*keys, *_UTM_FIELDS, "referrer_host", _channel().alias("channel"))


def channels_of(sources: pl.DataFrame) -> pl.DataFrame:
    """``sources`` (``source``, ``medium``, ``campaign``; missing values read ``(not set)``)
    with the ``channel`` GA4's default channel group gives them.

    >>> named = pl.DataFrame({"source": ["google", "(direct)"], "medium": ["cpc", "(none)"],
    ...     "campaign": ["spring", "(direct)"]})
    >>> channels_of(named)["channel"].to_list()
    ['Paid Search', 'Direct']
    """
    filled = sources.with_columns(pl.col(f).cast(pl.String).fill_null(NOT_SET) for f in _UTM_FIELDS)
    classified = _with_source_categories(filled)
    return classified.select(*sources.columns, _channel().alias("channel"))


def session_sources(first_hits: pl.DataFrame, site_hosts: Sequence[str]) -> pl.DataFrame:
    """Each session's ``source``, ``medium``, ``campaign``, ``referrer_host`` and ``channel``
    (GA4's default channel group), in the order of ``first_hits``.

    ``first_hits`` has one row per session: ``session``, and its first hit's ``query`` (without
    ``?``), ``referrer`` and ``host`` (and an export's campaign and click-id columns). The
    export's own campaign wins, then utm tags, then ad click ids (the export's or the URL's),
    then an external referrer; a referrer from ``site_hosts`` (or a subdomain), or from the
    hit's own host, is internal and counts as none. Without any of these a session is Direct.

    >>> first = pl.DataFrame({"session": [0, 1, 2],
    ...     "query": ["utm_source=newsletter&utm_medium=email", None, None],
    ...     "referrer": [None, "https://www.google.co.uk/", "https://example.com/cart"],
    ...     "host": [None, None, None]})
    >>> session_sources(first, ["example.com"]).select("source", "medium", "channel").rows()
    [('newsletter', 'email', 'Email'), ('google', 'organic', 'Organic Search'), \
('(direct)', '(none)', 'Direct')]
    """
    keys = _keys(first_hits)
    keyed = first_hits.select("session", *_key_columns(first_hits))
    combos = sources_of_combinations(keyed.select(keys).unique(), site_hosts)
    return keyed.join(combos, on=keys, how="left", nulls_equal=True, maintain_order="left").select(
        SOURCE_COLUMNS
    )


def _most_common(
    hits: pl.DataFrame | pl.LazyFrame, column: str, to_host: Callable[[pl.Expr], pl.Expr]
) -> list[str]:
    """The distinct non-null hosts ``to_host`` makes of ``column``, most frequent first (ties
    in text order); each distinct value is read once."""
    distinct = (
        hits.lazy()
        .select(column)
        .drop_nulls()
        .group_by(column)
        .len(name="count")
        .with_columns(pl.col(column).cast(pl.String))
        .collect()
    )
    hosts = distinct.select(to_host(pl.col(column)).alias("host"), "count").drop_nulls("host")
    counts = hosts.group_by("host").agg(pl.col("count").sum())
    return counts.sort(["count", "host"], descending=[True, False]).get_column("host").to_list()


def infer_site_hosts(hits: pl.DataFrame | pl.LazyFrame) -> list[str]:
    """The site's own host, guessed from its traffic: the most common ``host`` of ``hits``
    (where half of them have one, or a referrer is on it), else the most common referrer host
    of the hits after each visitor's first that is no listed search engine, social network, video or
    shopping site (internal navigation dominates the referrers of a visit after its first
    page; an external referrer mostly brings a visitor in, so a link shared widely would
    outnumber the site's own pages). Hosts are counted as they are compared, without
    ``www.`` (``www.shop.example`` and ``shop.example`` are one). An empty list when neither
    column names a host.

    >>> hits = pl.DataFrame({"host": [None] * 4, "visitor": ["a", "a", "a", "b"],
    ...     "ts": [1, 2, 3, 1], "referrer": ["https://partner.org/", "https://www.google.com/",
    ...     "https://Shop.Example:8080/a", "https://partner.org/"]})
    >>> infer_site_hosts(hits)
    ['shop.example']
    """
    columns = hits.collect_schema().names()
    hosts = (
        _most_common(hits, "host", lambda host: _matching_key(request_host(host)))
        if "host" in columns
        else []
    )
    if hosts and (_mostly_named(hits, "host") or _a_referrer_names(hits, hosts[0])):
        return hosts[:1]
    if "referrer" not in columns:
        return []
    later = _after_first_hits(hits)
    for host in _most_common(later, "referrer", lambda text: _matching_key(referrer_host(text))):
        if not any(is_listed_source(kind, host) for kind in SITE_KINDS):
            return [host]
    return []


def _mostly_named(hits: pl.DataFrame | pl.LazyFrame, column: str) -> bool:
    """Whether half of ``hits`` or more have a ``column``: a format that logs the host has it
    on every line."""
    share = hits.lazy().select(pl.col(column).is_not_null().mean()).collect().item()
    return share is not None and share >= 0.5


def _a_referrer_names(hits: pl.DataFrame | pl.LazyFrame, host: str) -> bool:
    """Whether a referrer of ``hits`` is on ``host``: a host fewer hits name (a log mixing
    virtual-host lines with plain ones) is the site's where its pages link to each other; an
    open-proxy probe's absolute URL (``GET http://www.baidu.com/``) names a host no page of the
    site refers from."""
    if "referrer" not in hits.collect_schema().names():
        return False
    return host in _most_common(hits, "referrer", lambda text: _matching_key(referrer_host(text)))


def _after_first_hits(hits: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    """The ``hits`` later than their visitor's first (all of them where no visitor is known)."""
    if "visitor" not in hits.collect_schema().names():
        return hits.lazy()
    first = hits.lazy().group_by("visitor").agg(pl.col("ts").min().alias("_first"))
    return (
        hits.lazy()
        .select("visitor", "ts", "referrer")
        .join(first, on="visitor")
        .filter(pl.col("ts") > pl.col("_first"))
    )


def site_hosts_of(
    given: Sequence[str], hits: pl.DataFrame | pl.LazyFrame, notes: list[str]
) -> list[str]:
    """The site's own hosts (internal referrers): ``given`` (``--site-host``), else inferred
    from ``hits`` and named in a note."""
    if given:
        return list(given)
    inferred = infer_site_hosts(hits)
    shown = ", ".join(inferred) or "none found"
    notes.append(f"site hosts (internal referrers): {shown}; name them with --site-host")
    return inferred
