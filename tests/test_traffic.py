"""The traffic overview (definitions §2.6) over a hand-worked fixture, and a property test
against the plain-Python reference.

tests/fixtures/traffic.log (22 lines, 2 Nov 2026, +0000; the site is shop.example, inferred from
the referrers), goals purchase (/checkout/thanks, macro) and add_to_cart (POST /cart/add, micro):

    S1  v1  09:00 / (from www.google.com) · /products/tent · /cart · POST /cart/add (303) ·
            /checkout/thanks                                   Organic Search, purchase
    S2  v2  09:10 /products/tent (from t.co)                   Organic Social, a bounce
    S3  v3  09:20 /?utm_source=newsletter&utm_medium=email · /products/boots ·
            /products/tent (304) · /products/tent              Email
    S4  v4  09:30 / (from blog.example.org)                    Referral, a bounce
    S5  v1  10:30 /products/tent (from www.google.com) · /downloads/guide.pdf · /about
                                                               Organic Search (86 min after S1)
    S6  v5  11:00 /downloads/guide.pdf (from blog.example.org) Referral, no pageview
    S7  v6  11:10 /cart (from shop.example: internal)          Direct, a bounce
    and six lines that are no counted hit: a bot, a stylesheet, a 404, a 301, a HEAD, a
    malformed line (all from 12:00, by other visitors)

    pages (pageviews, sessions), by pageviews then path:
        /products/tent 5, 4 (S3 twice) · / 3, 3 · /cart 2, 2 · /about 1, 1 ·
        /checkout/thanks 1, 1 · /products/boots 1, 1                          (6 paths)
    landing pages (sessions, bounce rate): / 3, 1/3 (S4) · /products/tent 2, 1/2 (S2) ·
        (none) 1, 0 (S6) · /cart 1, 1 (S7)            ("(" sorts before "/"; 4 in all)
    exit pages (sessions): /products/tent 2 (S2, S3) · (none) 1 · / 1 · /about 1 · /cart 1 ·
        /checkout/thanks 1                                                    (6 in all)
    referrer hosts (sessions): blog.example.org 2 (S4, S6) · www.google.com 2 (S1, S5) ·
        t.co 1 (S2); S3 has no referrer, S7's is internal                     (3 in all)
    channels (sessions, macro rate): Organic Search 2, 1/2 · Referral 2, 0 · Direct 1, 0 ·
        Email 1, 0 · Organic Social 1, 0                                      (5 in all)
    status codes of the 16 counted hits (13 pageviews, 3 events): 200 14 · 303 1 · 304 1;
        with --include-errors --include-redirects also 301 1 and 404 1
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from micromacro.cli import cli
from micromacro.goal_matching import session_conversions
from micromacro.hit_schema import HIT_SCHEMA
from micromacro.rows import TRAFFIC_TABLES
from micromacro.sessions import session_table, sessionize
from micromacro.traffic import traffic_overview, traffic_parts
from tests import helpers, reference

FIXTURES = Path(__file__).parent / "fixtures"
LOG = str(FIXTURES / "traffic.log")
GOALS = str(FIXTURES / "traffic_goals.yaml")
DAY = "02/Nov/2026"

PAGES = [
    {"path": "/products/tent", "pageviews": 5, "sessions": 4},
    {"path": "/", "pageviews": 3, "sessions": 3},
    {"path": "/cart", "pageviews": 2, "sessions": 2},
    {"path": "/about", "pageviews": 1, "sessions": 1},
    {"path": "/checkout/thanks", "pageviews": 1, "sessions": 1},
    {"path": "/products/boots", "pageviews": 1, "sessions": 1},
]
LANDING_PAGES = [
    {"path": "/", "sessions": 3, "bounce_rate": 1 / 3},
    {"path": "/products/tent", "sessions": 2, "bounce_rate": 0.5},
    {"path": "(none)", "sessions": 1, "bounce_rate": 0.0},
    {"path": "/cart", "sessions": 1, "bounce_rate": 1.0},
]
EXIT_PAGES = [
    {"path": "/products/tent", "sessions": 2},
    *({"path": path, "sessions": 1} for path in ("(none)", "/", "/about", "/cart")),
    {"path": "/checkout/thanks", "sessions": 1},
]
REFERRERS = [
    {"host": "blog.example.org", "sessions": 2},
    {"host": "www.google.com", "sessions": 2},
    {"host": "t.co", "sessions": 1},
]
CHANNELS = [
    {"channel": "Organic Search", "sessions": 2, "macro_conversion_rate": 0.5},
    {"channel": "Referral", "sessions": 2, "macro_conversion_rate": 0.0},
    {"channel": "Direct", "sessions": 1, "macro_conversion_rate": 0.0},
    {"channel": "Email", "sessions": 1, "macro_conversion_rate": 0.0},
    {"channel": "Organic Social", "sessions": 1, "macro_conversion_rate": 0.0},
]
STATUS_CODES = [
    {"status": 200, "hits": 14},
    {"status": 303, "hits": 1},
    {"status": 304, "hits": 1},
]


def invoke(*args: str, goals: bool = True) -> tuple[str, str]:
    """stdout and stderr of ``report`` on the fixture (exit 0)."""
    chosen = ["--goals", GOALS] if goals else []
    result = CliRunner().invoke(cli, ["report", LOG, *chosen, *args])
    assert result.exit_code == 0, result.stderr
    return result.stdout, result.stderr


def traffic(*args: str, goals: bool = True) -> dict[str, list[dict[str, object]]]:
    """The JSON ``traffic`` object of the fixture's report."""
    stdout, _ = invoke("--format", "json", *args, goals=goals)
    data = json.loads(stdout)["traffic"]
    assert list(data) == list(TRAFFIC_TABLES)
    return data  # type: ignore[no-any-return]


def test_tables_worked_by_hand() -> None:
    tables = traffic()
    assert tables["pages"] == PAGES
    assert tables["landing_pages"] == LANDING_PAGES
    assert tables["exit_pages"] == EXIT_PAGES
    assert tables["referrers"] == REFERRERS
    assert tables["channels"] == CHANNELS


def test_the_inferred_site_host_is_named_and_named_hosts_are_internal() -> None:
    """Naming the site's host gives the same tables; naming another makes the blog internal
    (its sessions Direct) and the shop's own referrer external (S7: Referral)."""
    _, stderr = invoke("--format", "json")
    assert "site hosts (internal referrers): shop.example; name them with --site-host" in stderr
    assert traffic("--site-host", "shop.example") == traffic()
    tables = traffic("--site-host", "blog.example.org")
    assert tables["referrers"] == [
        {"host": "www.google.com", "sessions": 2},
        {"host": "shop.example", "sessions": 1},
        {"host": "t.co", "sessions": 1},
    ]
    assert [(row["channel"], row["sessions"]) for row in tables["channels"]] == [
        ("Direct", 2),
        ("Organic Search", 2),
        ("Email", 1),
        ("Organic Social", 1),
        ("Referral", 1),
    ]


@pytest.mark.parametrize(
    "pasted", ["https://www.shop.example/", "http://shop.example:8080/a?b", "SHOP.example./"]
)
def test_a_url_pasted_for_the_site_host_names_its_host(pasted: str) -> None:
    assert traffic("--site-host", pasted) == traffic("--site-host", "shop.example")


@pytest.mark.parametrize(
    ("site", "sent"),
    [
        *(
            (s, "xn--mnchen-3ya.de")
            for s in ("münchen.de", "MÜNCHEN.DE", "https://www.münchen.de/")
        ),
        ("xn--mnchen-3ya.de", "xn--mnchen-3ya.de"),
        # UTS 46, as browsers: ß and a final sigma stay themselves (IDNA 2003 made fass.de)
        ("faß.de", "xn--fa-hia.de"),
        ("ς.gr", "xn--3xa.gr"),
    ],
)
def test_an_internationalised_site_host_names_the_host_browsers_send(
    tmp_path: Path, site: str, sent: str
) -> None:
    """A browser sends an internationalised referrer host in punycode: ``--site-host`` written
    in Unicode (as the owner types it) names that host, so the site's own referrer is
    internal (Direct), not a Referral."""
    log = tmp_path / "idn.log"
    log.write_text(helpers.combined_line("/b", referrer=f"https://{sent}/a", ip="10.0.0.2") + "\n")
    result = CliRunner().invoke(
        cli, ["report", str(log), "--site-host", site, "--format", "json", "--no-cache"]
    )
    assert result.exit_code == 0, result.stderr
    channels = json.loads(result.stdout)["traffic"]["channels"]
    assert [(row["channel"], row["sessions"]) for row in channels] == [("Direct", 1)]


@pytest.mark.parametrize(
    "value",
    [
        *("", "https://", "shop example", "[2001:db8::1", ".", "-", "https://../"),
        # Forms other programs write, which name no one host: a server_name pattern, a list.
        *("*.shop.example", ".shop.example", "shop.example,www.shop.example", '"shop.example"'),
        "shop.example;",
    ],
)
def test_a_site_host_that_names_no_host_is_a_usage_error(value: str) -> None:
    result = CliRunner().invoke(cli, ["report", LOG, "--site-host", value])
    assert result.exit_code == 2
    assert "--site-host" in result.stderr
    assert f"{value!r} names no host: give one such as shop.example" in result.stderr


def test_last_non_direct_attribution_applies_to_channels_and_referrers(tmp_path: Path) -> None:
    """A visitor's second, direct, session takes the first one's source with
    ``--attribution last-non-direct``, as ``--by channel`` does."""
    log = tmp_path / "return.log"
    first = helpers.combined_line(
        "/", referrer="https://www.google.com/", time=f"{DAY}:09:00:00 +0000"
    )
    again = helpers.combined_line("/cart", time=f"{DAY}:11:00:00 +0000")
    log.write_text(f"{first}\n{again}\n")
    runs = {
        attribution: json.loads(
            CliRunner()
            .invoke(cli, ["report", str(log), "--attribution", attribution, "--format", "json"])
            .stdout
        )["traffic"]
        for attribution in ("session", "last-non-direct")
    }
    assert [(r["channel"], r["sessions"]) for r in runs["session"]["channels"]] == [
        ("Direct", 1),
        ("Organic Search", 1),
    ]
    assert runs["session"]["referrers"] == [{"host": "www.google.com", "sessions": 1}]
    assert [(r["channel"], r["sessions"]) for r in runs["last-non-direct"]["channels"]] == [
        ("Organic Search", 2)
    ]
    assert runs["last-non-direct"]["referrers"] == [{"host": "www.google.com", "sessions": 2}]


def test_without_goals_the_channels_macro_rate_is_null_and_shown_as_n_a() -> None:
    tables = traffic(goals=False)
    assert [row["macro_conversion_rate"] for row in tables["channels"]] == [None] * 5
    assert tables["pages"] == PAGES
    stdout, _ = invoke(goals=False)
    channels = stdout.split("Channels: top 5 of 5, by sessions")[1].split("\n\n")[1]
    assert channels.splitlines()[2].split() == ["Organic", "Search", "2", "█" * 24, "n/a"]


def test_top_cuts_each_table_and_the_titles_say_how_many_of_how_many() -> None:
    tables = traffic("--top", "2")
    assert tables["pages"] == PAGES[:2]
    assert tables["landing_pages"] == LANDING_PAGES[:2]
    assert tables["exit_pages"] == EXIT_PAGES[:2]
    assert tables["referrers"] == REFERRERS[:2]
    assert tables["channels"] == CHANNELS[:2]
    assert traffic("--top", "0")["pages"] == PAGES
    stdout, _ = invoke("--top", "2")
    for title in (
        "Pages: top 2 of 6, by pageviews",
        "Landing pages: top 2 of 4, by sessions",
        "Exit pages: top 2 of 6, by sessions",
        "Referrer hosts: top 2 of 3, by sessions",
        "Channels: top 2 of 5, by sessions",
    ):
        assert f"\n{title}\n" in stdout


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        (
            "pages",
            "path,pageviews,sessions\n/products/tent,5,4\n/,3,3\n/cart,2,2\n/about,1,1\n"
            "/checkout/thanks,1,1\n/products/boots,1,1\n",
        ),
        (
            "landing_pages",
            "path,sessions,bounce_rate\n/,3,0.3333333333333333\n/products/tent,2,0.5\n"
            "(none),1,0.0\n/cart,1,1.0\n",
        ),
        ("exit_pages", "path,sessions\n/products/tent,2\n(none),1\n/,1\n/about,1\n/cart,1\n"
         "/checkout/thanks,1\n"),
        ("referrers", "host,sessions\nblog.example.org,2\nwww.google.com,2\nt.co,1\n"),
        (
            "channels",
            "channel,sessions,macro_conversion_rate\nOrganic Search,2,0.5\nReferral,2,0.0\n"
            "Direct,1,0.0\nEmail,1,0.0\nOrganic Social,1,0.0\n",
        ),
    ],
)  # fmt: skip
def test_csv_tables(table: str, expected: str) -> None:
    stdout, _ = invoke("--format", "csv", "--table", table)
    assert stdout == expected
    tsv, _ = invoke("--format", "tsv", "--table", table)
    assert tsv == expected.replace(",", "\t")


TRAFFIC_TITLES = [
    "Pages: top 6 of 6, by pageviews",
    "Landing pages: top 4 of 4, by sessions",
    "Exit pages: top 6 of 6, by sessions",
    "Referrer hosts: top 3 of 3, by sessions",
    "Channels: top 5 of 5, by sessions",
]


def test_terminal_shows_the_overview_after_the_goals_and_before_the_segments() -> None:
    stdout, _ = invoke("--by", "device")
    order = ["\nMicro → macro (visitors)\n", *(f"\n{t}\n" for t in TRAFFIC_TITLES)]
    order += ["\nStatus codes: top 3 of 3, by counted hits\n", "\nSegments by device\n"]
    assert [stdout.index(title) for title in order] == sorted(stdout.index(t) for t in order)
    pages = stdout.split(TRAFFIC_TITLES[0])[1].split("\n\n")[1].splitlines()
    assert pages[0].split() == ["Page", "Pageviews", "Sessions"]
    assert pages[2].split() == ["/products/tent", "5", "█" * 24, "4"]
    assert pages[3].split() == ["/", "3", "█" * 14 + "▍", "3"]  # 3/5 of 24 cells


def test_terminal_without_goals_shows_the_overview_after_the_note() -> None:
    stdout, _ = invoke(goals=False)
    assert (
        "Goals\nNo goals defined: pass --goals FILE (see goals.example.yaml).\n\nPages:" in stdout
    )
    order = [f"\n{title}\n" for title in TRAFFIC_TITLES]
    assert [stdout.index(title) for title in order] == sorted(stdout.index(t) for t in order)
    # The status codes of the 16 counted hits come last: 14 × 200, one 303, one 304.
    assert stdout.endswith(
        "  200        14   ████████████████████████\n  303         1   █▊\n  304         1   █▊\n\n"
    )


def test_markdown_shows_the_overview() -> None:
    stdout, _ = invoke("--format", "markdown")
    assert "## Referrer hosts: top 3 of 3, by sessions\n\n| Referrer host | Sessions |\n" in stdout
    assert "| / | 3 | 33.3% |" in stdout  # the landing page's bounce rate
    assert "| Organic Search | 2 | 50.0% |" in stdout


def test_an_empty_report_has_empty_tables_and_says_so(tmp_path: Path) -> None:
    log = tmp_path / "bots.log"
    bot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
    log.write_text(
        f'192.0.2.9 - - [02/Nov/2026:12:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "{bot}"\n'
    )
    result = CliRunner().invoke(cli, ["report", str(log), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["traffic"] == {name: [] for name in TRAFFIC_TABLES}
    result = CliRunner().invoke(cli, ["report", str(log)])
    assert "\nPages\nNo pageviews.\n" in result.stdout
    assert "\nReferrer hosts\nNo session came from another site" in result.stdout


def test_an_event_export_has_pages_and_no_status_codes() -> None:
    export = FIXTURES / "exports"
    args = ["report", str(export / "ga4.ndjson"), "--goals", str(export / "ga4_goals.yaml")]
    result = CliRunner().invoke(cli, [*args, "--format", "json"])
    tables = json.loads(result.stdout)["traffic"]
    assert tables["pages"]
    assert tables["status_codes"] == []
    result = CliRunner().invoke(cli, [*args, "--format", "csv", "--table", "status_codes"])
    assert result.stdout == "status,hits\n"
    assert "--table status_codes is empty: event exports log no status" in result.stderr


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ((), STATUS_CODES),
        (
            ("--include-errors", "--include-redirects"),
            [STATUS_CODES[0], {"status": 301, "hits": 1}, *STATUS_CODES[1:],
             {"status": 404, "hits": 1}],
        ),
    ],
)  # fmt: skip
def test_status_codes_of_every_counted_hit(options: tuple[str, ...], expected: object) -> None:
    assert traffic(*options)["status_codes"] == expected


def test_status_codes_equal_the_reference() -> None:
    expected = reference.report([Path(LOG)], ())
    assert traffic()["status_codes"] == expected.traffic["status_codes"] == STATUS_CODES


# --- the pipeline's tables against the reference, hit by hit ---------------------------------

BASE = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
PATHS = ("/", "/a", "/b", "/B", "/a/é", "", None)


@st.composite
def hit_lists(draw: st.DrawFn) -> list[reference.Hit]:
    """Pageviews and events of three visitors, 15 minutes apart or more (so sessions split at
    the 30-minute timeout or not), each with a status or none; distinct line numbers."""
    count = draw(st.integers(0, 25))
    return [
        reference.Hit(
            id=i,
            visitor=draw(st.sampled_from(("v1", "v2", "v3"))),
            ts=BASE + timedelta(minutes=15 * draw(st.integers(0, 8))),
            kind=draw(st.sampled_from(("page", "page", "event"))),
            path=draw(st.sampled_from(PATHS)),
            status=draw(st.sampled_from((200, 200, 304, 404, 500, None))),
            line_no=i + 1,
        )
        for i in range(count)
    ]


def hits_frame(hits: list[reference.Hit]) -> pl.DataFrame:
    """The canonical hit table of ``hits`` (one input file)."""
    given_columns: dict[str, list[object]] = {
        "visitor": [str(h.visitor) for h in hits],
        "ts": [h.ts for h in hits],
        "kind": [h.kind for h in hits],
        "path": [h.path for h in hits],
        "status": [h.status for h in hits],
        "source_file": ["a.log" for _ in hits],
        "line_no": [h.line_no for h in hits],
    }
    columns = {name: given_columns.get(name, [None] * len(hits)) for name in HIT_SCHEMA}
    return pl.DataFrame(columns, schema=HIT_SCHEMA)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hits=hit_lists(), top=st.integers(0, 4))
def test_pages_landing_exit_pages_and_status_codes_equal_the_reference(
    hits: list[reference.Hit], top: int
) -> None:
    sessionized = sessionize(hits_frame(hits))
    conversions = session_conversions(sessionized, session_table(sessionized), ())
    overview = traffic_overview(traffic_parts(sessionized, conversions), conversions, (), top=top)
    expected = reference.traffic_of(reference.sessions_of(hits), top)
    for name, rows in expected.items():
        reference.assert_same_traffic(getattr(overview, name).as_list(), rows, name)
    assert overview.referrers.rows == ()
    assert [row.channel for row in overview.channels.rows] == (["Direct"] if hits else [])
    assert [row.macro_conversion_rate for row in overview.channels.rows] == ([None] if hits else [])
    distinct = {h.path or "(none)" for h in hits if h.kind == "page"}
    assert overview.pages.total == len(distinct)
