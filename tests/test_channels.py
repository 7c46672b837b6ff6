"""Traffic sources and GA4's default channel group, case by case.

The expected channels are written by hand from "[GA4] Default channel group"
(https://support.google.com/analytics/answer/9756891), rules tried in GA4's order.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from importlib.resources import files
from typing import Any

import polars as pl
import pytest

from micromacro import channels
from micromacro.channels import (
    CHANNELS,
    SITE_KINDS,
    SOURCE_COLUMNS,
    SiteKind,
    infer_site_hosts,
    parse_site_list,
    session_sources,
    site_list,
)

SITE_HOSTS = ["Example.com"]

# (query, referrer, source, medium, campaign, channel)
CASES: list[tuple[str | None, str | None, str, str, str, str]] = [
    # --- utm tags: paid search (a search site and a paid medium)
    ("utm_source=google&utm_medium=cpc&utm_campaign=brand", None,
     "google", "cpc", "brand", "Paid Search"),
    ("utm_source=bing&utm_medium=ppc", None, "bing", "ppc", "(not set)", "Paid Search"),
    ("utm_source=Google&utm_medium=PaidSearch", None,
     "Google", "PaidSearch", "(not set)", "Paid Search"),
    # cpm is a paid medium too, and Paid Search is tried before Display
    ("utm_source=google&utm_medium=cpm", None, "google", "cpm", "(not set)", "Paid Search"),
    # --- paid social (a social site and a paid medium)
    ("utm_source=facebook&utm_medium=paid", None, "facebook", "paid", "(not set)", "Paid Social"),
    ("utm_source=fb&utm_medium=cpc&utm_campaign=retarget", None,
     "fb", "cpc", "retarget", "Paid Social"),
    ("utm_source=instagram.com&utm_medium=paid_social", None,
     "instagram.com", "paid_social", "(not set)", "Paid Social"),
    # --- organic social
    ("utm_source=linkedin&utm_medium=social", None,
     "linkedin", "social", "(not set)", "Organic Social"),
    ("utm_source=mastodon&utm_medium=social-network", None,
     "mastodon", "social-network", "(not set)", "Organic Social"),
    ("utm_source=twitter", None, "twitter", "(not set)", "(not set)", "Organic Social"),
    # --- email (source or medium), tried before Referral
    ("utm_source=newsletter&utm_medium=email&utm_campaign=spring", None,
     "newsletter", "email", "spring", "Email"),
    ("utm_source=email&utm_medium=referral", None, "email", "referral", "(not set)", "Email"),
    ("utm_medium=e+mail", None, "(not set)", "e mail", "(not set)", "Email"),
    # --- affiliates, display, paid other
    ("utm_source=partner&utm_medium=affiliate", None,
     "partner", "affiliate", "(not set)", "Affiliates"),
    ("utm_source=adnet&utm_medium=display", None, "adnet", "display", "(not set)", "Display"),
    ("utm_source=adnet&utm_medium=banner", None, "adnet", "banner", "(not set)", "Display"),
    ("utm_source=adnet&utm_medium=CPM", None, "adnet", "CPM", "(not set)", "Display"),
    ("utm_source=adnet&utm_medium=paid", None, "adnet", "paid", "(not set)", "Paid Other"),
    # --- shopping, video, cross-network, audio, SMS, push, referral
    ("utm_source=amazon&utm_medium=ppc", None, "amazon", "ppc", "(not set)", "Paid Shopping"),
    ("utm_source=partner&utm_medium=referral&utm_campaign=summer-shop", None,
     "partner", "referral", "summer-shop", "Organic Shopping"),
    ("utm_source=youtube&utm_medium=cpv", None, "youtube", "cpv", "(not set)", "Paid Video"),
    ("utm_source=vlog&utm_medium=video", None, "vlog", "video", "(not set)", "Organic Video"),
    ("utm_source=google&utm_medium=cpc&utm_campaign=Cross-Network-Q4", None,
     "google", "cpc", "Cross-Network-Q4", "Cross-network"),
    ("utm_source=podcast&utm_medium=audio", None, "podcast", "audio", "(not set)", "Audio"),
    ("utm_source=sms", None, "sms", "(not set)", "(not set)", "SMS"),
    ("utm_source=app&utm_medium=push", None, "app", "push", "(not set)",
     "Mobile Push Notifications"),
    ("utm_source=firebase", None, "firebase", "(not set)", "(not set)",
     "Mobile Push Notifications"),
    ("utm_source=partner-blog&utm_medium=referral", None,
     "partner-blog", "referral", "(not set)", "Referral"),
    # --- utm source or campaign only
    ("utm_source=newsletter", None, "newsletter", "(not set)", "(not set)", "Unassigned"),
    ("utm_source=google", None, "google", "(not set)", "(not set)", "Organic Search"),
    ("utm_campaign=launch", None, "(not set)", "(not set)", "launch", "Unassigned"),
    # --- decoding, repeats, blanks; utm tags win over the referrer
    ("utm_source=news%20letter&utm_medium=Email&utm_campaign=spring+sale%202026", None,
     "news letter", "Email", "spring sale 2026", "Email"),
    ("utm_campaign=caf%C3%A9&utm_source=x&utm_medium=email", None, "x", "email", "café", "Email"),
    ("utm_source=first&utm_medium=email&utm_source=second&utm_medium=cpc", None,
     "first", "email", "(not set)", "Email"),
    ("utm_source=%20&utm_medium=", None, "(direct)", "(none)", "(direct)", "Direct"),
    # a second "?" is a character of the value before it, as URLs (and --by query:NAME) read it
    ("p=1?utm_source=newsletter", None, "(direct)", "(none)", "(direct)", "Direct"),
    # but a "?" the query starts with (/landing??utm_…, an export's location.search) is none
    ("?utm_source=newsletter&utm_medium=email", None, "newsletter", "email", "(not set)", "Email"),
    ("p=1?utm_source=x&utm_medium=email", None, "(not set)", "email", "(not set)", "Email"),
    ("utm_source=newsletter&utm_medium=email", "https://www.google.com/",
     "newsletter", "email", "(not set)", "Email"),
    # --- ad click ids without utm tags
    ("gclid=Cj0KCQ", None, "google", "cpc", "(not set)", "Paid Search"),
    ("page=2&gclid=Cj0KCQ", "https://www.google.com/", "google", "cpc", "(not set)",
     "Paid Search"),
    ("wbraid=abc", None, "google", "cpc", "(not set)", "Paid Search"),
    ("gbraid=abc", None, "google", "cpc", "(not set)", "Paid Search"),
    ("msclkid=abc", "https://www.bing.com/", "bing", "cpc", "(not set)", "Paid Search"),
    ("dclid=abc", None, "dfa", "cpm", "(not set)", "Display"),
    ("fbclid=IwAR0", None, "facebook", "social", "(not set)", "Organic Social"),
    ("fbclid=IwAR0", "https://l.facebook.com/", "l.facebook.com", "referral", "(referral)",
     "Organic Social"),
    ("utm_source=facebook&utm_medium=cpc&fbclid=IwAR0", None,
     "facebook", "cpc", "(not set)", "Paid Social"),
    ("gclid=", None, "(direct)", "(none)", "(direct)", "Direct"),
    ("xgclid=1", None, "(direct)", "(none)", "(direct)", "Direct"),
    ("p=1?gclid=Cj0KCQ", None, "(direct)", "(none)", "(direct)", "Direct"),
    ("?gclid=Cj0KCQ", None, "google", "cpc", "(not set)", "Paid Search"),
    # --- organic search referrers
    (None, "https://www.google.co.uk/", "google", "organic", "(organic)", "Organic Search"),
    (None, "https://GOOGLE.DE/", "google", "organic", "(organic)", "Organic Search"),
    (None, "https://www.bing.com/search?q=tent", "bing", "organic", "(organic)",
     "Organic Search"),
    (None, "https://duckduckgo.com/", "duckduckgo", "organic", "(organic)", "Organic Search"),
    (None, "https://search.yahoo.co.jp/search?p=x", "yahoo", "organic", "(organic)",
     "Organic Search"),
    (None, "android-app://com.google.android.googlequicksearchbox/https/www.google.com",
     "google", "organic", "(organic)", "Organic Search"),
    (None, "https://mail.google.com/", "mail.google.com", "referral", "(referral)", "Referral"),
    # --- social and video referrers
    (None, "https://m.facebook.com/", "m.facebook.com", "referral", "(referral)",
     "Organic Social"),
    (None, "https://t.co/Ab1", "t.co", "referral", "(referral)", "Organic Social"),
    (None, "https://lnkd.in/xyz", "lnkd.in", "referral", "(referral)", "Organic Social"),
    (None, "https://www.youtube.com/watch?v=1", "youtube.com", "referral", "(referral)",
     "Organic Video"),
    # --- internal referrers: the site's own hosts, any case, port, www, subdomain
    (None, "https://EXAMPLE.COM:8443/cart", "(direct)", "(none)", "(direct)", "Direct"),
    (None, "http://www.example.com/", "(direct)", "(none)", "(direct)", "Direct"),
    (None, "https://shop.example.com/", "(direct)", "(none)", "(direct)", "Direct"),
    (None, "https://notexample.com/", "notexample.com", "referral", "(referral)", "Referral"),
    (None, "https://example.com.evil.net/", "example.com.evil.net", "referral", "(referral)",
     "Referral"),
    # --- external referrals: hosts lower-case, without port and www, IDN as written
    (None, "https://blog.partner.org/post", "blog.partner.org", "referral", "(referral)",
     "Referral"),
    (None, "HTTP://WWW.Partner.ORG:8080/x", "partner.org", "referral", "(referral)", "Referral"),
    (None, "https://bücher.example/", "bücher.example", "referral", "(referral)", "Referral"),
    (None, "https://BÜCHER.example/", "bücher.example", "referral", "(referral)", "Referral"),
    (None, "https://xn--bcher-kva.example/", "xn--bcher-kva.example", "referral", "(referral)",
     "Referral"),
    # --- no, empty, relative or malformed referrer
    (None, None, "(direct)", "(none)", "(direct)", "Direct"),
    ("", "", "(direct)", "(none)", "(direct)", "Direct"),
    (None, "-", "(direct)", "(none)", "(direct)", "Direct"),
    (None, "/foo", "(direct)", "(none)", "(direct)", "Direct"),
    (None, "not a url", "(direct)", "(none)", "(direct)", "Direct"),
    (None, "http://", "(direct)", "(none)", "(direct)", "Direct"),
    (None, "http://not a host/", "(direct)", "(none)", "(direct)", "Direct"),
    (None, "about:blank", "(direct)", "(none)", "(direct)", "Direct"),
]  # fmt: skip


def first_hits(
    queries: Sequence[str | None],
    referrers: Sequence[str | None],
    hosts: Sequence[str | None] | None = None,
) -> pl.DataFrame:
    """A first-hit table, one session per row."""
    return pl.DataFrame(
        {
            "session": pl.Series(range(len(queries)), dtype=pl.UInt32),
            "query": list(queries),
            "referrer": list(referrers),
            "host": list(hosts or [None] * len(queries)),
        },
        schema_overrides={"query": pl.String, "referrer": pl.String, "host": pl.String},
    )


@pytest.mark.parametrize(
    ("query", "referrer", "source", "medium", "campaign", "channel"),
    CASES,
    ids=[f"{q or ''}|{r or ''}" for q, r, *_ in CASES],
)
def test_each_case_on_its_own(
    query: str | None, referrer: str | None, source: str, medium: str, campaign: str, channel: str
) -> None:
    row = session_sources(first_hits([query], [referrer]), SITE_HOSTS).row(0, named=True)
    assert (row["source"], row["medium"], row["campaign"], row["channel"]) == (
        source, medium, campaign, channel,
    )  # fmt: skip


def test_all_cases_together_keep_their_order() -> None:
    hits = first_hits([c[0] for c in CASES], [c[1] for c in CASES])
    result = session_sources(hits, SITE_HOSTS)
    assert result.columns == list(SOURCE_COLUMNS)
    assert result.schema["session"] == pl.UInt32
    assert result["session"].to_list() == list(range(len(CASES)))
    assert result.select("source", "medium", "campaign", "channel").rows() == [c[2:] for c in CASES]


def test_every_channel_rule_is_covered() -> None:
    covered = {case[-1] for case in CASES}
    assert covered == set(CHANNELS)


def test_referrer_host_is_external_only_lower_case_and_without_port() -> None:
    referrers = [
        "https://WWW.Partner.ORG:8080/x",
        "https://BÜCHER.example/",
        "https://shop.example.com/",
        "-",
        "https://www.google.co.uk/",
    ]
    result = session_sources(first_hits([None] * 5, referrers), SITE_HOSTS)
    assert result["referrer_host"].to_list() == [
        "www.partner.org", "bücher.example", None, None, "www.google.co.uk",
    ]  # fmt: skip


def test_referrer_from_the_hits_own_host_is_internal() -> None:
    hits = first_hits(
        [None, None, None],
        ["https://shop.example.org/a", "https://cdn.shop.example.org/", "https://example.org/"],
        ["Shop.Example.org:8080", "shop.example.org", "shop.example.org"],
    )
    result = session_sources(hits, [])
    assert result["channel"].to_list() == ["Direct", "Direct", "Referral"]


def test_site_hosts_may_be_empty_and_columns_may_be_missing() -> None:
    hits = pl.DataFrame({"session": pl.Series([4, 7], dtype=pl.UInt32)})
    result = session_sources(hits, [])
    assert result.rows() == [
        (4, "(direct)", "(none)", "(direct)", None, "Direct"),
        (7, "(direct)", "(none)", "(direct)", None, "Direct"),
    ]
    assert session_sources(first_hits([], []), SITE_HOSTS).columns == list(SOURCE_COLUMNS)


def test_python_runs_once_per_distinct_value(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: dict[str, list[str]] = {"decode": [], "engine": [], "listed": []}

    def counting(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: str) -> Any:
            calls[name].append(args[-1])
            return function(*args)

        return wrapper

    decode = counting("decode", channels.query_value_decoded)
    monkeypatch.setattr(channels, "query_value_decoded", decode)
    monkeypatch.setattr(channels, "search_engine_of", counting("engine", channels.search_engine_of))
    monkeypatch.setattr(channels, "is_listed_source", counting("listed", channels.is_listed_source))
    n = 100_000
    combos = [
        ("utm_source=google&utm_medium=cpc", None),
        (None, "https://www.bing.com/"),
        (None, "https://partner.org/"),
    ]
    hits = first_hits([combos[i % 3][0] for i in range(n)], [combos[i % 3][1] for i in range(n)])
    started = time.perf_counter()
    result = session_sources(hits, SITE_HOSTS)
    elapsed = time.perf_counter() - started
    assert result["channel"].value_counts().sort("channel").rows() == [
        ("Organic Search", 33_333), ("Paid Search", 33_334), ("Referral", 33_333),
    ]  # fmt: skip
    assert sorted(calls["decode"]) == ["cpc", "google"]
    # Only a host some search engine may have is looked up (partner.org is told apart by one
    # regex over the column). The sources are google, bing (the engine's name) and
    # partner.org: names found in one lookup, a host no listed site may have: none looked up.
    assert sorted(calls["engine"]) == ["bing.com"]
    assert calls["listed"] == []
    assert elapsed < 5


def test_infer_site_hosts_prefers_the_most_common_host() -> None:
    hits = pl.DataFrame(
        {
            "host": ["Shop.Example:8080", "shop.example", "cdn.example", None],
            "referrer": ["https://other.example/"] * 4,
        }
    )
    assert infer_site_hosts(hits) == ["shop.example"]


def test_a_host_few_hits_name_is_not_the_sites() -> None:
    """A log that logs no host has one only where a request's target named it (an open-proxy
    probe's ``GET http://www.baidu.com/``, 1 hit of 11): the site is its referrers' host."""
    hits = pl.DataFrame(
        {
            "host": [*[None] * 10, "www.baidu.com"],
            "visitor": [*["a"] * 10, "b"],
            "ts": [*range(10), 1],
            "referrer": [None, *["https://shop.example/a"] * 9, None],
        }
    )
    assert infer_site_hosts(hits) == ["shop.example"]


def test_a_host_fewer_hits_name_is_the_sites_where_its_pages_refer() -> None:
    """A log mixing virtual-host lines (here 2 of 5) with plain ones: the host they name is the
    site's where a referrer is on it, though another referrer host is more common."""
    hits = pl.DataFrame(
        {
            "host": ["shop.example", "shop.example", None, None, None],
            "visitor": ["a", "a", "a", "b", "b"],
            "ts": [1, 2, 3, 1, 2],
            "referrer": [None, "https://shop.example/", *["https://partner.org/post"] * 3],
        }
    )
    assert infer_site_hosts(hits) == ["shop.example"]


def test_probes_a_fifth_of_the_hits_name_are_not_the_site() -> None:
    """Open-proxy probes (``GET http://www.baidu.com/``, 2 hits of 10): no page refers from
    their host, so the site is its referrers' host."""
    hits = pl.DataFrame(
        {
            "host": [*[None] * 8, "www.baidu.com", "www.baidu.com"],
            "visitor": [*["a"] * 8, "b", "c"],
            "ts": [*range(8), 1, 1],
            "referrer": [None, *["https://www.mysite.example/a"] * 7, None, None],
        }
    )
    assert infer_site_hosts(hits) == ["mysite.example"]


def test_infer_site_hosts_falls_back_to_the_most_common_referrer_host() -> None:
    referrers = [
        *["https://www.google.com/"] * 5,
        *["https://t.co/x"] * 4,
        *["https://Shop.Example/a", "https://shop.example:443/b", "https://shop.example/c"],
        "https://blog.example/",
        "/relative",
        None,
    ]
    hits = pl.DataFrame({"host": [None] * len(referrers), "referrer": referrers})
    assert infer_site_hosts(hits) == ["shop.example"]


def test_infer_site_hosts_reads_the_referrers_after_each_visitors_first_hit() -> None:
    # A link shared widely: eight visitors land from it and read one page; two others go on
    # from the site's home page. The site is the referrer of the visits' later pages.
    landed = [("news.ycombinator.com", f"v{n}", 1) for n in range(8)]
    browsed = [(None, visitor, 1) for visitor in ("a", "b")]
    browsed += [("blog.example.com", visitor, 2) for visitor in ("a", "b")]
    hosts, visitors, times = zip(*landed, *browsed, strict=True)
    hits = pl.DataFrame(
        {
            "host": [None] * len(hosts),
            "visitor": visitors,
            "ts": times,
            "referrer": [f"https://{host}/" if host else None for host in hosts],
        }
    )
    assert infer_site_hosts(hits) == ["blog.example.com"]
    # Nobody went past a first page: no referrer names the site.
    assert infer_site_hosts(hits.filter(pl.col("ts") == 1)) == []


def test_infer_site_hosts_without_hosts_is_empty() -> None:
    assert infer_site_hosts(pl.DataFrame({"host": [None], "referrer": ["-"]})) == []
    assert infer_site_hosts(pl.DataFrame({"path": ["/"]})) == []


def test_site_list_patterns() -> None:
    [google, bing] = parse_site_list(
        "# comment\n\ngoogle google.* com.google.android.app !mail.google.*  # trailing\n"
        "bing msn bing.com\n"
    )
    assert google.has_host("google.co.uk")
    assert google.has_host("news.google.com.au")
    assert google.has_host("com.google.android.app")
    assert not google.has_host("mail.google.com")
    assert not google.has_host("googleadservices.com")
    assert not google.has_host("google.evil.example")
    assert bing.has_host("cn.bing.com")
    assert not bing.has_host("notbing.com")
    assert bing.is_named_by("msn")
    assert bing.is_named_by("bing")
    assert not bing.is_named_by("bing.org")


@pytest.mark.parametrize("kind", SITE_KINDS)
def test_packaged_site_lists_name_their_source_and_date(kind: SiteKind) -> None:
    text = (files("micromacro") / "data" / f"{kind}.txt").read_text(encoding="utf-8")
    header = text.split("\n\n", 1)[0]
    assert "Source:" in header
    assert "https://" in header
    assert re.search(r"\b20\d\d-\d\d-\d\d\b", header)
    assert len(site_list(kind)) >= 4


# --- an event export's own attribution -----------------------------------------------------

# (query, campaign_source, campaign_medium, campaign_name, gclid, dclid, referrer,
#  source, medium, campaign, channel)
EXPORT_CASES: list[tuple[Any, ...]] = [
    # the export's campaign wins over the URL's tags, and is taken whole
    ("utm_source=google&utm_medium=cpc", "newsletter", "email", "nov", None, None, None,
     "newsletter", "email", "nov", "Email"),
    ("utm_source=google&utm_medium=cpc&utm_campaign=x", "partner", None, None, None, None, None,
     "partner", "(not set)", "(not set)", "Unassigned"),
    # no export campaign: the URL's tags, as before
    ("utm_source=newsletter&utm_medium=email", None, None, None, None, None, None,
     "newsletter", "email", "(not set)", "Email"),
    # the export's click ids, after any campaign (the export's or the URL's)
    (None, None, None, None, True, None, "https://www.bing.com/",
     "google", "cpc", "(not set)", "Paid Search"),
    (None, None, None, None, None, True, "https://news.example.net/",
     "dfa", "cpm", "(not set)", "Display"),
    ("utm_source=newsletter&utm_medium=email", None, None, None, True, None, None,
     "newsletter", "email", "(not set)", "Email"),
    # a click id the export says is not there (false) leaves the referrer to decide
    (None, None, None, None, False, False, "https://www.bing.com/",
     "bing", "organic", "(organic)", "Organic Search"),
]  # fmt: skip


@pytest.mark.parametrize("case", EXPORT_CASES)
def test_an_exports_own_attribution_comes_first(case: tuple[Any, ...]) -> None:
    query, src, medium, name, gclid, dclid, referrer, *expected = case
    first = pl.DataFrame(
        {
            "session": [0],
            "query": [query],
            "referrer": [referrer],
            "host": ["shop.example.com"],
            "campaign_source": pl.Series([src], dtype=pl.Categorical),
            "campaign_medium": pl.Series([medium], dtype=pl.Categorical),
            "campaign_name": pl.Series([name], dtype=pl.Categorical),
            "gclid": pl.Series([gclid], dtype=pl.Boolean),
            "dclid": pl.Series([dclid], dtype=pl.Boolean),
        }
    )
    sources = session_sources(first, SITE_HOSTS)
    assert sources.select("source", "medium", "campaign", "channel").row(0) == tuple(expected)


def test_channels_of_named_sources() -> None:
    named = pl.DataFrame(
        {
            "source": ["google", "(direct)", "partner-blog", None],
            "medium": ["organic", "(none)", "affiliate", None],
            "campaign": ["(organic)", "(direct)", "winter", None],
        }
    )
    assert channels.channels_of(named)["channel"].to_list() == [
        "Organic Search",
        "Direct",
        "Affiliates",
        "Unassigned",  # (not set) / (not set)
    ]


def _hosts_of_the_lists() -> list[str | None]:
    """Every name and host of the packaged site lists, as written, with a TLD, a subdomain, a
    prefix glued on, upper-case with ``www.`` and spaces, and with no TLD; and hosts of no site."""
    values: set[str] = {"partner.org", "shop.example", "google.example", "x.co", "", " "}
    for kind in SITE_KINDS:
        for line in (files("micromacro") / "data" / f"{kind}.txt").read_text().splitlines():
            for token in line.split("#", 1)[0].split():
                host = token.removeprefix("!")
                values |= {
                    host, host.replace(".*", ".com"), "m." + host.replace(".*", ".co.uk"),
                    "x" + host.replace(".*", ".de"), host.replace(".*", ""),
                    f" WWW.{host.replace('.*', '.fr').upper()} ",
                }  # fmt: skip
    return [*sorted(values), None]


def test_the_column_lookups_agree_with_one_value_at_a_time() -> None:
    hosts = _hosts_of_the_lists()
    column = pl.Series("source", hosts, dtype=pl.String)
    for kind in SITE_KINDS:
        expected = [h is not None and channels.is_listed_source(kind, h) for h in hosts]
        assert channels.listed_sources(kind, column).to_list() == expected, kind
    keys = [h.strip().lower().removeprefix("www.") if h is not None else None for h in hosts]
    expected_engines = [channels.search_engine_of(k) if k is not None else None for k in keys]
    engines = channels.search_engines(pl.Series("host", keys, dtype=pl.String)).to_list()
    assert engines == expected_engines
    assert sum(e is not None for e in engines) > 50  # the engines list's own hosts are found
