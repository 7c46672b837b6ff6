"""Every line falls in exactly one bucket, by the first rule that applies (definitions §2.2)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import crawleruseragents
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from micromacro.bots import bot_match, crawler_patterns
from micromacro.hit_collection import add_counts
from micromacro.hits import HitFilter, InputSummary, KnownAgents, classify_lines
from tests.helpers import GOOGLEBOT, buckets, classify, combined_line, parse

BOT_PAGE = combined_line("/", agent=GOOGLEBOT)
BOT_CSS = combined_line("/static/app.css", agent=GOOGLEBOT)
CSS_404 = combined_line("/static/missing.css", status=404)
POST_303 = combined_line("/cart/add/tent", method="POST", status=303)
POST_500 = combined_line("/contact", method="POST", status=500)
REDIRECT = combined_line("/shop", status=301)
NOT_MODIFIED = combined_line("/products/tent", status=304)
HEAD = combined_line("/", method="HEAD")
OPTIONS_REDIRECT = combined_line("/", method="OPTIONS", status=301)
PDF = combined_line("/downloads/size-guide.pdf")
PDF_HEAD = combined_line("/downloads/size-guide.pdf", method="HEAD")
PAGE = combined_line("/products/tent")
MALFORMED = '203.0.113.1 - - [02/Nov/2026:09:15:03 +0100] "-" 400 0 "-" "-"'
# Answers no page is served with: none sent (a proxy's 000), a WebSocket's protocol switch.
UNANSWERED = combined_line("/products/tent").replace(" 200 ", " 000 ")
WEBSOCKET = combined_line("/socket.io/?EIO=4&transport=websocket", status=101)


@pytest.mark.parametrize(
    ("line", "bucket"),
    [
        (MALFORMED, "malformed"),
        (BOT_PAGE, "bot"),
        (BOT_CSS, "bot"),
        (CSS_404, "static"),
        (combined_line("/robots.txt"), "static"),
        (combined_line("/favicon.ico"), "static"),
        (combined_line("/fonts/Inter.WOFF2"), "static"),
        (combined_line("/missing", status=404), "error"),
        (POST_500, "error"),
        (UNANSWERED, "error"),
        (WEBSOCKET, "error"),
        (UNANSWERED.replace("GET", "POST"), "error"),
        (POST_303, "request"),
        (combined_line("/api/item/1", method="DELETE", status=204), "request"),
        (REDIRECT, "redirect"),
        (OPTIONS_REDIRECT, "redirect"),
        (NOT_MODIFIED, "page"),
        (HEAD, "other_method"),
        (PDF_HEAD, "other_method"),
        (PDF, "download"),
        (combined_line("/downloads/Guide.PDF"), "download"),
        (PAGE, "page"),
        (combined_line("/css-guide"), "page"),
        (combined_line("/search?q=app.css"), "page"),
    ],
)
def test_bucket_of_each_kind_of_line(line: str, bucket: str) -> None:
    assert buckets([line]) == [bucket]


# Written out here, not imported: the product's own lists of download and static extensions.
DOWNLOADS = ("pdf", "zip", "gz", "dmg", "exe", "msi", "epub", "docx", "xlsx", "csv", "mp3", "mp4")
STATIC = (
    "css", "js", "map", "png", "jpg", "jpeg", "gif", "svg", "webp", "avif", "ico", "bmp",
    "woff", "woff2", "ttf", "otf", "eot",
)  # fmt: skip


def test_every_download_and_static_extension_of_the_definitions() -> None:
    """A GET of a file of each extension the definitions name: downloads (documents, archives,
    installers, media) and static files (styles, scripts, source maps, images, fonts)."""
    downloads = [combined_line(f"/files/report.{ext}") for ext in DOWNLOADS]
    static = [combined_line(f"/assets/site.{ext}") for ext in STATIC]
    assert buckets(downloads) == ["download"] * len(DOWNLOADS)
    assert buckets(static) == ["static"] * len(STATIC)


def test_include_flags_switch_their_rule_off() -> None:
    lines = [BOT_PAGE, CSS_404, REDIRECT, combined_line("/missing", status=404)]
    assert buckets(lines) == ["bot", "static", "redirect", "error"]
    everything = HitFilter(
        include_bots=True, include_static=True, include_errors=True, include_redirects=True
    )
    assert buckets(lines, everything) == ["page", "page", "page", "page"]
    assert buckets([CSS_404], HitFilter(include_static=True)) == ["error"]
    assert buckets([UNANSWERED, WEBSOCKET], HitFilter(include_errors=True)) == ["page", "page"]


def test_extra_bot_patterns_are_case_insensitive() -> None:
    uptime = combined_line("/", agent="Mozilla/5.0 (compatible; MyUptimeChecker/1.0)")
    assert buckets([uptime]) == ["page"]
    assert buckets([uptime], HitFilter(bot_patterns=("myuptimechecker",))) == ["bot"]


def test_an_extra_bot_pattern_may_hold_a_comment_and_each_is_its_own() -> None:
    """A verbose pattern's comment (``(?x)``) runs to the end of its pattern only: the pattern
    after it still marks its bots, and the text before the comment matches as written."""
    uptime = combined_line("/", agent="Mozilla/5.0 (compatible; MyUptimeChecker/1.0)")
    wget = combined_line("/", agent="Wget/1.21")
    patterns = ("(?x) my uptime checker  # the uptime robot", "^wget/")
    assert buckets([uptime, wget, PAGE], HitFilter(bot_patterns=patterns)) == [
        "bot",
        "bot",
        "page",
    ]


def test_known_agents_flag_bots_as_each_chunk_alone_does() -> None:
    """A run's agents sorted once: chunk after chunk, with new agents, other patterns and a
    memory full, each chunk's bots are those it has on its own."""
    uptime = combined_line("/", agent="MyUptimeChecker/1.0")
    other = combined_line("/", agent="Mozilla/5.0 (Windows NT 10.0) Edge/120")
    chunks = [[BOT_PAGE, PAGE], [PAGE, uptime, BOT_CSS], [other, uptime], [BOT_PAGE, other]]
    filters = [HitFilter(), HitFilter(), HitFilter(bot_patterns=("uptime",)), HitFilter()]
    known = KnownAgents(limit=2)  # full after the second chunk: started again
    for lines, hit_filter in zip(chunks, filters, strict=True):
        alone = classify_lines(parse(lines), hit_filter).get_column("is_bot").to_list()
        shared = classify_lines(parse(lines), hit_filter, known).get_column("is_bot")
        assert shared.to_list() == alone
    assert alone == [True, False]
    assert classify_lines(parse([uptime]), filters[2], known).get_column("is_bot").to_list() == [
        True
    ]


def test_out_of_period_comes_right_after_malformed() -> None:
    early = combined_line("/", agent=GOOGLEBOT, time="01/Nov/2026:23:59:59 +0000")
    inside = combined_line("/", time="02/Nov/2026:00:00:00 +0000")
    late = combined_line("/", time="03/Nov/2026:00:00:00 +0000")
    period = HitFilter(
        since=datetime(2026, 11, 2, tzinfo=UTC), until=datetime(2026, 11, 3, tzinfo=UTC)
    )
    assert buckets([MALFORMED, early, inside, late], period) == [
        "malformed",
        "out_of_period",
        "page",
        "out_of_period",
    ]


def test_requests_and_downloads_become_events() -> None:
    hits = classify([POST_303, PDF, PAGE]).sort("line_no")
    assert hits.select("kind", "event_category", "event_action", "event_label").rows() == [
        ("event", "request", "POST", "/cart/add/tent"),
        ("event", "download", "/downloads/size-guide.pdf", None),
        ("page", None, None, None),
    ]


def test_visitor_is_ip_and_user_agent() -> None:
    hits = classify([combined_line(ip="203.0.113.9", agent="UA one"), combined_line(ip="::1")])
    visitors = hits.sort("line_no")["visitor"].to_list()
    assert visitors[0] == "203.0.113.9 UA one"
    assert visitors[0] != visitors[1]


def test_the_variants_are_listed_most_lines_first_then_by_name() -> None:
    # Chunks are counted in no fixed order: the JSON lists the variants the same way every run.
    variants = {"common": 2, "combined+xff": 7, "combined": 900, "vhost_combined": 7}
    summary = InputSummary(lines=916, files=1, format="combined", buckets={}, variants=variants)
    listed = summary.as_dict()["variants"]
    assert isinstance(listed, dict)
    assert list(listed) == ["combined", "combined+xff", "vhost_combined", "common"]


@given(st.lists(st.one_of(st.none(), st.sampled_from(["a", "b", "", "a+fields"]))), st.booleans())
def test_add_counts_counts_each_value_as_a_counter_does(
    values: list[str | None], categorical: bool
) -> None:
    """Text counted by runs, other types by value: either way each non-null value's count,
    added to what was there."""
    series = pl.Series(values, dtype=pl.Categorical if categorical else pl.String)
    counts = {"a": 2, "z": 1}
    add_counts(counts, series)
    want = Counter({"a": 2, "z": 1}) + Counter(v for v in values if v is not None)
    assert counts == dict(want)


def test_a_very_long_agent_is_judged_in_each_chunk_and_not_kept() -> None:
    long_bot = "Googlebot/2.1 " + "x" * 5000  # no browser sends 5 KB: judged, never kept
    long_human = "Mozilla/5.0 " + "y" * 5000
    agents = pl.Series("user_agent", [long_bot, long_human, GOOGLEBOT, "Mozilla/5.0"])
    known = KnownAgents()
    for _ in range(2):  # the second chunk finds the short ones known, the long judged again
        assert sorted(known.bots(agents, ()).to_list()) == sorted([long_bot, GOOGLEBOT])
        assert sorted(known._known.get_column("user_agent").to_list()) == sorted(
            [GOOGLEBOT, "Mozilla/5.0"]
        )


def test_the_crawler_list_matches_as_one_regex_of_it_does() -> None:
    """``bot_match`` (plain-text patterns as literals, the rest as a regex) against one regex of
    the whole list, on every example agent the list gives, the sample log's agents and
    hand-picked near misses, with and without extra patterns."""
    examples = [i for e in crawleruseragents.CRAWLER_USER_AGENTS_DATA for i in e["instances"]]
    log = Path(__file__).resolve().parents[1] / "sample_logs" / "access.log"
    lines = pl.read_csv(log, has_header=False, separator="\x01", quote_char=None).to_series()
    sample = lines.str.extract(r'"([^"]*)"$').unique().drop_nulls().to_list()
    near = ["googlebot/2.1", "Googlebot", "Mail.RU", "MailXRU_Bot", "wget", "Wget/1.21", "", "-"]
    agents = pl.DataFrame({"agent": [*examples, *sample, *near, None]})
    for extra in ((), ("CURL", r"my\s?bot")):
        whole = "|".join([*(f"(?:{p})" for p in crawler_patterns()), *(f"(?i:{p})" for p in extra)])
        expected = agents.select(pl.col("agent").str.contains(whole)).to_series()
        found = agents.select(bot_match(pl.col("agent"), extra)).to_series()
        assert found.to_list() == expected.to_list()
    assert len(examples) > 2000
    assert expected.sum() > 2000
