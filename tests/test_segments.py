"""Segments over a hand-worked fixture, and a property test that segments add up.

tests/fixtures/segments.log (11 lines, +0000), one session per visitor, goals buy (/thanks,
macro) and signup (POST /signup, micro):

    S1  Firefox/Linux  2 Nov 23:30 /?variant=A&utm_source=google&utm_medium=cpc · 23:31 /thanks
    S2  iPhone         3 Nov 00:10 /p/1 (from www.google.com) · 00:12 /p/2?variant=B · POST /signup
    S3  Chrome/Windows 3 Nov 10:00 /p/1?variant=B (from t.co) · 10:05 /thanks
    S4  Android phone  3 Nov 12:00 / (no referrer)
    S5  Firefox/Linux  3 Nov 13:00 /?variant=A (from shop.example.com, the site) · POST /signup ·
                       13:02 /thanks

    landing /, /p/1, /p/1, /, /          exit /thanks, /p/2, /thanks, /, /thanks
    query:variant A, B (its 2nd hit), B, (none), A
    channel Paid Search, Organic Search, Organic Social, Direct, Direct (internal referrer)
    device desktop, mobile, desktop, mobile, desktop
    hour (UTC) 23, 00, 10, 12, 13 · with --tz +02:00: 01, 02, 12, 14, 15
    day (UTC) 2026-11-02 (a Monday), then four on 2026-11-03 · with +02:00 all on 2026-11-03
    buy: S1, S3, S5 · signup: S2, S5
    engaged (GA4): S1, S2, S3, S5 (2 pageviews or more; S1, S3, S5 also buy); not S4 (one page)
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from micromacro.cli import cli
from micromacro.dimension_values import session_dimensions
from micromacro.dimensions import Breakdown
from micromacro.errors import UsageError
from micromacro.experiments import experiment
from micromacro.goals import DestinationMatcher, Goal, StringMatcher
from micromacro.rows import SegmentRow
from micromacro.segments import segment_rows

FIXTURES = Path(__file__).parent / "fixtures"
LOG = str(FIXTURES / "segments.log")
GOALS = str(FIXTURES / "segments_goals.yaml")
UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def run(*args: str) -> tuple[dict[str, object], str]:
    result = CliRunner().invoke(
        cli,
        [
            "report",
            LOG,
            "--goals",
            GOALS,
            "--format",
            "json",
            "--site-host",
            "shop.example.com",
            *list(args),
        ],
    )
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout), result.stderr


def by(dimension: str, *extra: str) -> list[tuple[str, int, int, int]]:
    """(segment, sessions, buy, signup) per segment of one ``--by``."""
    data, _ = run("--by", dimension, *extra)
    rows = data["segments"]
    assert isinstance(rows, list)
    return [
        (r["segment"], r["sessions"], r["goals"][0]["conversions"], r["goals"][1]["conversions"])
        for r in rows
    ]


def test_query_parameter_from_the_first_hit_that_carries_it() -> None:
    assert by("query:variant") == [("A", 2, 2, 1), ("B", 2, 1, 1), ("(none)", 1, 0, 0)]


def test_a_campaign_tag_and_its_query_segment_read_alike(tmp_path: Path) -> None:
    """``utm_source`` as a session's source and as ``query:utm_source`` is one value: trimmed
    (`` news `` is ``news``; ``+`` alone is none), and escapes that spell no UTF-8 text kept
    as written (``%FF`` and ``%FE`` were both ``\ufffd``, one segment of two sources)."""
    queries = ["%20news%20", "news", "+", "%FF", "%FE"]
    log = tmp_path / "tags.log"
    log.write_text(
        "".join(
            f'203.0.113.{i} - - [02/Nov/2026:09:0{i}:00 +0000] "GET /?utm_source={q}'
            f'&utm_medium=email HTTP/1.1" 200 512 "-" "{UA}"\n'
            for i, q in enumerate(queries)
        )
    )
    result = CliRunner().invoke(
        cli,
        ["report", str(log), "--by", "query:utm_source,source", "--top", "0", "--format", "json"],
    )
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)["segments"]
    assert sorted((row["segment"], row["sessions"]) for row in rows) == [
        ("%FE / %FE", 1), ("%FF / %FF", 1), ("(none) / (not set)", 1), ("news / news", 2)
    ]  # fmt: skip


def test_landing_and_exit_pages() -> None:
    assert by("landing_page") == [("/", 3, 2, 1), ("/p/1", 2, 1, 1)]
    assert by("exit_page") == [("/thanks", 3, 3, 1), ("/", 1, 0, 0), ("/p/2", 1, 0, 1)]


def test_channels() -> None:
    assert by("channel") == [
        ("Direct", 2, 1, 1),
        ("Organic Search", 1, 0, 1),
        ("Organic Social", 1, 1, 0),
        ("Paid Search", 1, 1, 0),
    ]


def test_referrer_and_host_alone_and_crossed() -> None:
    """The dimensions a first hit is read for anyway (referrer, host) may be named by --by."""
    referrers = [("(none)", 3, 2, 1), ("t.co", 1, 1, 0), ("www.google.com", 1, 0, 1)]
    assert by("referrer") == referrers
    assert by("host") == [("(none)", 5, 3, 2)]
    assert by("referrer,host") == [(f"{r} / (none)", *figures) for r, *figures in referrers]


def test_host_of_a_log_that_names_it(tmp_path: Path) -> None:
    # vhost_combined: two visits to the shop (one referred by the shop itself: internal, so
    # Direct; the shop is the most common host, so the site's), one to the blog from a news site.
    agent = '"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"'
    log = tmp_path / "vhost.log"
    log.write_text(
        "".join(
            f'{host}:443 203.0.113.{n} - - [02/Nov/2026:10:0{n}:00 +0000] "GET /{n} HTTP/1.1" '
            f'200 10 "{referrer}" {agent}\n'
            for n, host, referrer in (
                (1, "shop.example.com", "-"),
                (2, "shop.example.com", "https://shop.example.com/a"),
                (3, "blog.example.com", "https://news.example.org/b"),
            )
        )
    )
    for cache in ("--no-cache", "--cache", "--cache"):  # read, then from the hit cache
        options = [cache, str(tmp_path / "cache")] if cache == "--cache" else [cache]
        result = CliRunner().invoke(
            cli,
            ["report", str(log), "--format", "json", "--by", "host", "--by", "channel", *options],
        )
        assert result.exit_code == 0, result.stderr
        assert "site hosts (internal referrers): shop.example.com;" in result.stderr
        rows = [
            (r["by"], r["segment"], r["sessions"]) for r in json.loads(result.stdout)["segments"]
        ]
        assert rows == [
            ("host", "shop.example.com", 2),
            ("host", "blog.example.com", 1),
            ("channel", "Direct", 2),
            ("channel", "Referral", 1),
        ]


_FIREFOX = '"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"'
_VHOSTS = ("www.example.com:443", "WWW.Example.COM:443", "www.example.com:80",
           "www.example.com.:443", "shop.example.com:8080", "shop.example.com:443")  # fmt: skip
_GA4_URLS = ("https://shop.test/a", "https://Shop.Test/a", "https://shop.test:443/a")


def _host_inputs(tmp_path: Path, kind: str) -> list[str]:
    """A log or export of six or three visits to one site, its host written in several ways;
    the arguments that read it."""
    if kind == "vhost_combined":
        log = tmp_path / "vhost.log"
        log.write_text(
            "".join(
                f'{host} 203.0.113.{n} - - [02/Nov/2026:10:00:00 +0000] "GET /a HTTP/1.1" 200 10 '
                f'"-" {_FIREFOX}\n'
                for n, host in enumerate(_VHOSTS)
            )
        )
        return [str(log)]
    if kind == "nginx":
        log = tmp_path / "nginx.log"
        log.write_text(
            "".join(
                f'203.0.113.{n} - - [02/Nov/2026:10:00:00 +0000] "GET /a HTTP/1.1" 200 10 "-" '
                f'{_FIREFOX} "{host}"\n'
                for n, host in enumerate(
                    [
                        "shop.test:8080",
                        "shop.test",
                        "SHOP.test",
                        "2001:db8::1",
                        "[2001:DB8::1]:443",
                        "2001:db8::2",
                    ]
                )
            )
        )
        variables = '"$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"'
        fields = f'$remote_addr - $remote_user [$time_local] {variables} "$http_host"'
        return [str(log), "--log-format", fields]
    export = tmp_path / "ga4.ndjson"
    export.write_text(
        "".join(
            json.dumps(
                {
                    "event_timestamp": str(1793700000000000 + n),
                    "event_name": "page_view",
                    "user_pseudo_id": f"p{n}",
                    "event_params": [
                        {"key": "ga_session_id", "value": {"int_value": n}},
                        {"key": "page_location", "value": {"string_value": url}},
                    ],
                }
            )
            + "\n"
            for n, url in enumerate(_GA4_URLS)
        )
    )
    source = tmp_path / "ga4.yaml"
    source.write_text("source:\n  preset: ga4\n")
    return [str(export), "--goals", str(source)]


@pytest.mark.parametrize(
    ("kind", "segments"),
    [
        ("vhost_combined", [("www.example.com", 4), ("shop.example.com", 2)]),
        ("nginx", [("shop.test", 3), ("[2001:db8::1]", 2), ("[2001:db8::2]", 1)]),
        ("ga4", [("shop.test", 3)]),
    ],
)
def test_a_host_is_one_segment_however_written(
    tmp_path: Path, kind: str, segments: list[tuple[str, int]]
) -> None:
    """--by host reads a host as referrer hosts are read: lower-case, without port or trailing
    dot (WWW.Example.COM:443, www.example.com:80 and www.example.com. were three segments); an
    IPv6 address in brackets as a URL writes it (bare, 2001:db8::1 and 2001:db8::2 were one
    segment '2001')."""
    args = [*_host_inputs(tmp_path, kind), "--by", "host", "--format", "json", "--top", "0"]
    result = CliRunner().invoke(cli, ["report", *args, "-q"])
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)["segments"]
    assert [(row["segment"], row["sessions"]) for row in rows] == segments


def test_an_alert_names_a_host_as_the_segment_does(tmp_path: Path) -> None:
    """The four visits to www.example.com, however its host was logged, are one segment an
    alert rule names."""
    goals = tmp_path / "goals.yaml"
    goals.write_text(
        "goals:\n  - {name: a, kind: macro, destination: /a}\nalerts:\n"
        "  - {name: busy, metric: segments.host.www.example.com.sessions, above: 3}\n"
    )
    log = _host_inputs(tmp_path, "vhost_combined")
    result = CliRunner().invoke(cli, ["alert", *log, "--goals", str(goals)])
    assert result.exit_code == 3, result.stderr
    assert result.stdout.startswith("busy: segments.host.www.example.com.sessions = 4 ")


def test_devices() -> None:
    assert by("device") == [("desktop", 3, 3, 1), ("mobile", 2, 0, 1)]


@pytest.mark.parametrize(
    ("tz", "hours", "days"),
    [
        ("UTC", ["00", "10", "12", "13", "23"], [("2026-11-03", 4), ("2026-11-02", 1)]),
        ("+02:00", ["01", "02", "12", "14", "15"], [("2026-11-03", 5)]),
    ],
)
def test_time_dimensions_follow_the_report_time_zone(
    tz: str, hours: list[str], days: list[tuple[str, int]]
) -> None:
    assert sorted(row[0] for row in by("hour", "--tz", tz)) == hours
    assert [(row[0], row[1]) for row in by("day", "--tz", tz)] == days


def test_weekday_week_and_month() -> None:
    assert [row[:2] for row in by("weekday")] == [("2 Tue", 4), ("1 Mon", 1)]
    assert [row[:2] for row in by("week")] == [("2026-W45", 5)]
    assert [row[:2] for row in by("month")] == [("2026-11", 5)]


def test_crossed_dimensions_and_top_fold_the_rest_into_other() -> None:
    assert by("device,query:variant") == [
        ("desktop / A", 2, 2, 1),
        ("desktop / B", 1, 1, 0),
        ("mobile / (none)", 1, 0, 0),
        ("mobile / B", 1, 0, 1),
    ]
    assert by("exit_page", "--top", "1") == [("/thanks", 3, 3, 1), ("(other)", 2, 0, 1)]


def z_test(x1: int, n1: int, x2: int, n2: int) -> float:
    """Two-sided pooled two-proportion z-test, from the textbook formula."""
    pooled = (x1 + x2) / (n1 + n2)
    z = (x1 / n1 - x2 / n2) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return math.erfc(abs(z) / math.sqrt(2))


def test_segment_row_fields_rates_and_tests() -> None:
    data, _ = run("--by", "device")
    desktop = data["segments"][0]
    assert {k: v for k, v in desktop.items() if k != "goals"} == {
        "by": "device",
        "segment": "desktop",
        "sessions": 3,
        "visitors": 3,  # three IP addresses
        "macro_conversions": 3,
        "macro_conversion_rate": 1.0,
        "micro_conversions": 1,
        "micro_conversion_rate": pytest.approx(1 / 3),
        # No macro goal has a value: no macro revenue.
        "macro_revenue": None,
        "macro_revenue_per_session": None,
        "currency": None,
        "macro_revenue_by_currency": None,
        "small_sample": True,
        "engaged_sessions": 3,
        "engagement_rate": 1.0,
    }
    buy = desktop["goals"][0]
    # buy: 3 of 3 desktop sessions against 0 of 2 others.
    assert buy["conversion_rate"] == 1.0
    assert buy["p_value"] == pytest.approx(z_test(3, 3, 0, 2))
    # q-values: Benjamini–Hochberg over the four goal rows (2 devices × 2 goals).
    p_values = [g["p_value"] for row in data["segments"] for g in row["goals"]]
    assert all(g["q_value"] >= g["p_value"] for row in data["segments"] for g in row["goals"])
    assert len(p_values) == 4


def test_csv_segments_is_one_long_table() -> None:
    result = CliRunner().invoke(
        cli,
        ["report", LOG, "--goals", GOALS, "--by", "device", "--format", "csv", "--table",
         "segments"],
    )  # fmt: skip
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "by,segment,goal,sessions,visitors,macro_conversions,macro_conversion_rate,"
        "micro_conversions,micro_conversion_rate,conversions,conversion_rate,ci_low,ci_high,"
        "p_value,q_value,small_sample,macro_revenue,macro_revenue_per_session,currency"
    )
    # Each row: the segment's own figures (desktop S1, S3, S5 all buy, S5 signs up; mobile S2
    # signs up, S4 does nothing), then its goal's conversions.
    desktop = ["device", "desktop", "3", "3", "3", "1.0", "1", str(1 / 3)]
    mobile = ["device", "mobile", "2", "2", "0", "0.0", "1", "0.5"]
    rows = [line.split(",") for line in lines[1:]]
    assert [row[:2] + row[3:9] + [row[2], row[9]] for row in rows] == [
        [*desktop, "buy", "3"],
        [*desktop, "signup", "1"],
        [*mobile, "buy", "0"],
        [*mobile, "signup", "1"],
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("colour", "unknown dimension 'colour' for --by (expected one of channel, source"),
        ("query:", "--by query:: name the query parameter"),
        (
            "query:ü",
            "--by 'query:ü': write the parameter's name as the URL does (ASCII, URL-encoded, "
            "without & = #): query:%C3%BC",
        ),
        ("query:a b", "as the URL does (ASCII, URL-encoded, without & = #): query:a%20b"),
    ],
)
def test_bad_dimensions_exit_2_naming_the_valid_ones(value: str, message: str) -> None:
    result = CliRunner().invoke(cli, ["report", LOG, "--by", value])
    assert result.exit_code == 2
    assert result.stderr.startswith("micromacro: error: ")
    assert message in result.stderr


def test_a_parameter_name_is_written_as_the_url_writes_it(tmp_path: Path) -> None:
    """``query:%C3%BC`` and ``query:a%20b`` read the parameters ``ü`` and ``a b`` of
    ``?%C3%BC=x&a%20b=y`` (they were refused: a name was letters, digits and _ . - [ ])."""
    log = tmp_path / "query.log"
    log.write_text(
        '10.0.0.1 - - [02/Nov/2026:10:00:00 +0100] "GET /p?%C3%BC=x&a%20b=y HTTP/1.1" 200 5 "-" '
        '"Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0"\n'
    )
    args = ["report", str(log), "--by", "query:%C3%BC", "--by", "query:a%20b"]
    result = CliRunner().invoke(cli, [*args, "--format", "json", "-q"])
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)["segments"]
    assert [(row["by"], row["segment"]) for row in rows] == [
        ("query:%C3%BC", "x"),
        ("query:a%20b", "y"),
    ]


def test_an_escape_in_a_parameter_name_matches_in_either_case(tmp_path: Path) -> None:
    """``query:%C3%BC`` reads ``?%c3%bc=`` too: the hex digits of an escape ignore case (RFC 3986
    §6.2.2.1; it was (none)), nothing else of the name does (``utm%5Fsource`` stays another
    name than ``utm_source``, ``%C3%9C`` (Ü) another than ``%C3%BC``). A goal's value ``from:
    query:%C3%BC`` reads the same parameter."""
    log = tmp_path / "query.log"
    log.write_text(
        "".join(
            f'10.0.0.{n} - - [02/Nov/2026:10:00:00 +0000] "GET /a?{query} HTTP/1.1" 200 5 "-" '
            f'"{UA}"\n'
            for n, query in enumerate(["%C3%BC=1", "%c3%bc=2", "%C3%9C=3", "utm%5Fsource=x"])
        )
    )
    goals = tmp_path / "goals.yaml"
    goals.write_text(
        "goals:\n  - {name: a, kind: macro, destination: /a, value: {from: 'query:%C3%BC'}}\n"
    )
    args = ["report", str(log), "--goals", str(goals), "--format", "json", "-q"]
    result = CliRunner().invoke(cli, [*args, "--by", "query:%C3%BC", "--by", "query:utm_source"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert [(row["by"], row["segment"], row["sessions"]) for row in data["segments"]] == [
        ("query:%C3%BC", "(none)", 2),
        ("query:%C3%BC", "1", 1),
        ("query:%C3%BC", "2", 1),
        ("query:utm_source", "(none)", 4),
    ]
    assert data["summary"]["macro_revenue"] == 3.0


# --- property: segments add up -----------------------------------------------------------

GOALS_MODEL = (
    Goal(
        "a", "macro", "destination", destination=DestinationMatcher(StringMatcher("equals", "/a"))
    ),
    Goal(
        "b", "micro", "destination", destination=DestinationMatcher(StringMatcher("equals", "/b"))
    ),
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 5), st.sampled_from(["x", "y", "z", "w"]), st.booleans(), st.booleans()
        ),
        min_size=1,
        max_size=40,
    ),
    st.integers(0, 3),
)
def test_segments_add_up_to_all_sessions_and_conversions(
    sessions: list[tuple[int, str, bool, bool]], top: int
) -> None:
    conversions = pl.DataFrame(
        {
            "session": pl.Series(range(len(sessions)), dtype=pl.UInt32),
            "visitor_id": pl.Series([s[0] for s in sessions], dtype=pl.UInt32),
            "engaged": [s[0] % 3 == 0 for s in sessions],
            "goal_0": pl.Series([int(s[2]) for s in sessions], dtype=pl.UInt32),
            "goal_1": pl.Series([int(s[3]) for s in sessions], dtype=pl.UInt32),
        }
    )
    dimensions = pl.DataFrame(
        {
            "session": pl.Series(range(len(sessions)), dtype=pl.UInt32),
            "d": [s[1] for s in sessions],
            "e": [str(s[0] % 2) for s in sessions],
        }
    )
    breakdowns = [Breakdown(("d",)), Breakdown(("d", "e"))]
    typed = segment_rows(conversions, dimensions, breakdowns, GOALS_MODEL, top=top)
    rows = [row.as_dict() for row in typed]
    for breakdown in breakdowns:
        mine = [r for r in rows if r["by"] == breakdown.label]
        assert sum(r["sessions"] for r in mine) == len(sessions)
        assert len({r["segment"] for r in mine}) == len(mine)
        for i in range(2):
            total = sum(int(s[2 + i]) for s in sessions)
            assert sum(r["goals"][i]["conversions"] for r in mine) == total
        assert sum(r["macro_conversions"] for r in mine) == sum(s[2] for s in sessions)
        engaged = sum(s[0] % 3 == 0 or s[2] for s in sessions)  # goal "a" is macro
        assert sum(r["engaged_sessions"] for r in mine) == engaged


def test_terminal_shows_one_table_per_breakdown_after_the_goals() -> None:
    result = CliRunner().invoke(cli, ["report", LOG, "--goals", GOALS, "--by", "device"])
    text = result.stdout
    assert "No goals defined" not in text
    block = text.split("Segments by device")[1]
    rows = [line.split() for line in block.splitlines() if line.strip()[:1] in ("d", "m")]
    # desktop: 3 sessions, 3 visitors, macro 100% (the longest bar), micro 33.3%, buy 100%,
    # signup 33.3%, small sample.
    assert rows[0] == ["desktop", "3", "3", "100.0%", "█" * 24, "33.3%", "100.0%", "33.3%", "yes"]
    assert rows[1] == ["mobile", "2", "2", "0.0%", "50.0%", "0.0%", "50.0%", "yes"]


# --- experiments ---------------------------------------------------------------------------


def test_variants_against_the_baseline() -> None:
    data, stderr = run("--by", "query:variant", "--baseline", "A")
    trial = data["experiment"]
    assert (trial["by"], trial["baseline"]) == ("query:variant", "A")
    # Variants A (S1, S5) and B (S2, S3); (none) is no variant. Even split: χ² = 0.
    assert trial["sample_ratio"] == {
        "variants": ["A", "B"],
        "sessions": [2, 2],
        "expected_split": [0.5, 0.5],
        "p_value": 1.0,
        "mismatch": False,
    }
    b = trial["variants"][1]
    assert (b["variant"], b["sessions"]) == ("B", 2)
    buy = b["goals"][0]
    # buy: B 1 of 2 against A 2 of 2.
    assert buy["conversion_rate"] == 0.5
    assert buy["difference"] == -0.5
    assert buy["lift"] == -0.5
    assert buy["p_value"] == pytest.approx(z_test(1, 2, 2, 2))
    assert buy["diff_ci_low"] < -0.5 < buy["diff_ci_high"] < 0.5
    signup = b["goals"][1]
    assert (signup["difference"], signup["lift"]) == (0.0, 0.0)
    assert "SAMPLE RATIO MISMATCH" not in stderr


def test_top_folds_the_segments_shown_but_no_variant_of_the_experiment() -> None:
    """With --top 1 the segments table keeps one value and folds the rest into (other); the
    experiment still has both variants, as without --top (B was left out and A compared
    with itself, "sample ratio ok")."""
    whole, _ = run("--by", "query:variant", "--baseline", "A")
    folded, _ = run("--by", "query:variant", "--baseline", "A", "--top", "1")
    assert [row["segment"] for row in folded["segments"]] == ["A", "(other)"]
    assert folded["experiment"] == whole["experiment"]
    assert folded["experiment"]["sample_ratio"]["variants"] == ["A", "B"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (("--baseline", "C"), "--baseline 'C': no session has it for --by query:variant"),
        # Sessions without the parameter are in the table as (none), but are no variant.
        (("--baseline", "(none)"), "--baseline '(none)': the sessions without a value are no "
         "variant"),
        (("--baseline", "(other)", "--top", "1"), "--baseline '(other)': what --top folds "
         "together is no variant"),
    ],
)  # fmt: skip
def test_a_baseline_that_is_no_variant_exits_2_listing_the_values(
    options: tuple[str, ...], message: str
) -> None:
    args = ["report", LOG, "--goals", GOALS, "--by", "query:variant", *options]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert result.stderr == f"micromacro: error: {message} (seen: A, B)\n"


def test_an_expected_split_needs_a_baseline() -> None:
    args = ["report", LOG, "--goals", GOALS, "--by", "query:variant", "--expected-split", "50,50"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert result.stderr == (
        "micromacro: error: --expected-split needs --baseline (the A/B test whose split it "
        "checks)\n"
    )


def test_sample_ratio_mismatch_is_flagged() -> None:
    def row(name: str, sessions: int) -> SegmentRow:
        return SegmentRow("v", name, sessions, sessions, 0, 0.0, 0, 0.0, None, None, None, None,
                          False, (), 0, 0.0)  # fmt: skip

    even = experiment([row("A", 5100), row("B", 4900)], "v", "A").sample_ratio.as_dict()
    assert even["p_value"] == pytest.approx(0.0455, abs=1e-4)  # χ² = 4, 1 df
    assert even["mismatch"] is False
    skewed = experiment([row("A", 5300), row("B", 4700), row("(none)", 9)], "v", "A")
    check = skewed.sample_ratio.as_dict()
    assert check["variants"] == ["A", "B"]
    assert check["p_value"] == pytest.approx(math.erfc(math.sqrt(36 / 2)))  # χ² = 36, 1 df
    assert check["mismatch"] is True
    split = experiment([row("A", 9000), row("B", 1000)], "v", "A", [90, 10]).sample_ratio
    split = split.as_dict()
    assert (split["expected_split"], split["p_value"]) == ([0.9, 0.1], 1.0)
    with pytest.raises(UsageError, match="--expected-split has 3 shares for 2 variants"):
        experiment([row("A", 1), row("B", 1)], "v", "A", [1, 1, 1])


def test_an_error_lists_the_first_twenty_variants_each_cut() -> None:
    """A log with a distinct value a line (a hostile client's queries) makes thousands of
    variants: the error names twenty, each cut to 40 characters, and counts the rest."""

    def row(name: str) -> SegmentRow:
        return SegmentRow("v", name, 1, 1, 0, 0.0, 0, 0.0, None, None, None, None,
                          False, (), 0, 0.0)  # fmt: skip

    names = [f"{i:04d}" + "X" * 300 for i in range(3000)]
    shown = ", ".join(f"{i:04d}" + "X" * 35 + "…" for i in range(20))
    with pytest.raises(UsageError) as raised:
        experiment([row(name) for name in names], "v", "nope")
    assert str(raised.value) == (
        f"--baseline 'nope': no session has it for --by v (seen: {shown}, … and 2,980 more)"
    )
    with pytest.raises(UsageError) as raised:
        experiment([row(name) for name in names], "v", names[0], [1, 1])
    assert str(raised.value) == (
        f"--expected-split has 2 shares for 3,000 variants ({shown}, … and 2,980 more, in that "
        "order)"
    )


@pytest.mark.parametrize(
    ("a", "b", "mismatch"),
    # 10,000 sessions split 50/50: χ² = (a − b)² / 10,000 with 1 df, p = erfc(√(χ²/2)):
    # 5,165/4,835 gives χ² 10.89, p 0.000967; 5,164/4,836 χ² 10.7584, p 0.001038.
    [(5165, 4835, True), (5164, 4836, False)],
)
def test_a_sample_ratio_mismatch_is_a_p_value_below_one_in_a_thousand(
    a: int, b: int, mismatch: bool
) -> None:
    def row(name: str, sessions: int) -> SegmentRow:
        return SegmentRow("v", name, sessions, sessions, 0, 0.0, 0, 0.0, None, None, None, None,
                          False, (), 0, 0.0)  # fmt: skip

    check = experiment([row("A", a), row("B", b)], "v", "A").sample_ratio.as_dict()
    assert check["p_value"] == pytest.approx(math.erfc(math.sqrt((a - b) ** 2 / 10_000 / 2)))
    assert check["mismatch"] is mismatch


def test_the_mismatch_warning_cuts_a_long_variant() -> None:
    """A variant is a value from the log: a 2,500-character one is cut to 40 characters, and
    the warning keeps its end (the counts and the p-value)."""

    def row(name: str, sessions: int) -> SegmentRow:
        return SegmentRow("v", name, sessions, sessions, 0, 0.0, 0, 0.0, None, None, None, None,
                          False, (), 0, 0.0)  # fmt: skip

    long = "V" * 2500
    (warning,) = experiment([row("A", 5300), row(long, 4700)], "v", "A").warnings
    p = math.erfc(math.sqrt(36 / 2))  # χ² = 36, 1 df
    assert warning == (
        f"SAMPLE RATIO MISMATCH in --by v: sessions A 5,300, {'V' * 39}… 4,700 are off the "
        f"expected split (chi-square p = {p:.2g}); the comparison is not to be trusted"
    )


def test_funnels_are_broken_down_by_segment() -> None:
    # landing_to_buy: (/ or /p/1) then /thanks. Desktop S1, S3, S5 all complete it; mobile
    # S2 (/p/1) and S4 (/) enter and stop.
    data, _ = run("--by", "device")
    funnel = data["funnels"][0]
    assert funnel["segments"] == [
        {"by": "device", "segment": "desktop", "units": 3, "entered": 3, "reached": [3, 3],
         "conversion_rate": 1.0},
        {"by": "device", "segment": "mobile", "units": 2, "entered": 2, "reached": [2, 0],
         "conversion_rate": 0.0},
    ]  # fmt: skip
    plain, _ = run()
    assert "segments" not in plain["funnels"][0]


def test_last_non_direct_attribution(tmp_path: Path) -> None:
    # X arrives from Google at 09:00, comes back directly at 12:00 (a new session) and buys;
    # Y arrives directly. By session: Direct 2 (X's return, Y), Organic Search 1. Last
    # non-direct: X's return keeps Google, so Organic Search 2 (with the purchase), Direct 1.
    ua = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
    log = tmp_path / "access.log"
    log.write_text(
        f'203.0.113.1 - - [02/Nov/2026:09:00:00 +0000] "GET / HTTP/1.1" 200 1 '
        f'"https://www.google.com/" "{ua}"\n'
        f'203.0.113.2 - - [02/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "{ua}"\n'
        f'203.0.113.1 - - [02/Nov/2026:12:00:00 +0000] "GET /thanks HTTP/1.1" 200 1 "-" "{ua}"\n'
    )

    def channels(*options: str) -> list[tuple[str, int, int]]:
        args = ["report", str(log), "--goals", GOALS, "--by", "channel", "--format", "json"]
        data = json.loads(CliRunner().invoke(cli, [*args, *options]).stdout)
        return [
            (r["segment"], r["sessions"], r["goals"][0]["conversions"]) for r in data["segments"]
        ]

    assert channels() == [("Direct", 2, 1), ("Organic Search", 1, 0)]
    assert channels("--attribution", "last-non-direct") == [
        ("Organic Search", 2, 1),
        ("Direct", 1, 0),
    ]


def test_last_non_direct_takes_every_field_from_one_session(tmp_path: Path) -> None:
    """One visitor: from a partner's blog (Referral), back from a newsletter link with utm tags
    and no referrer (Email), then directly (Direct). The Email session keeps its own (empty)
    referrer; the Direct one takes all of the Email session's, referrer included."""
    ua = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
    tagged = "/?utm_source=newsletter&utm_medium=email&utm_campaign=nov"
    log = tmp_path / "access.log"
    log.write_text(
        f'203.0.113.7 - - [02/Nov/2026:09:00:00 +0000] "GET /blog HTTP/1.1" 200 1 '
        f'"https://partner-blog.net/post/1" "{ua}"\n'
        f'203.0.113.7 - - [02/Nov/2026:10:00:00 +0000] "GET {tagged} HTTP/1.1" 200 1 "-" "{ua}"\n'
        f'203.0.113.7 - - [02/Nov/2026:12:00:00 +0000] "GET /cart HTTP/1.1" 200 1 "-" "{ua}"\n'
    )
    args = ["report", str(log), "--format", "json", "--site-host", "shop.example.com"]
    args += ["--attribution", "last-non-direct", "--by", "channel,source,referrer", "--top", "0"]
    data = json.loads(CliRunner().invoke(cli, args).stdout)
    assert data["traffic"]["referrers"] == [{"host": "partner-blog.net", "sessions": 1}]
    assert {r["segment"]: r["sessions"] for r in data["segments"]} == {
        "Email / newsletter / (none)": 2,
        "Referral / partner-blog.net / partner-blog.net": 1,
    }


def test_query_values_are_url_decoded_and_the_first_repeat_wins(tmp_path: Path) -> None:
    ua = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
    log = tmp_path / "access.log"
    log.write_text(
        f'203.0.113.1 - - [02/Nov/2026:09:00:00 +0000] "GET /?v=Big+Blue%21&v=Red HTTP/1.1" 200 1 '
        f'"-" "{ua}"\n'
        f'203.0.113.2 - - [02/Nov/2026:09:00:00 +0000] "GET /?v=caf%C3%A9 HTTP/1.1" 200 1 '
        f'"-" "{ua}"\n'
    )
    args = ["report", str(log), "--by", "query:v", "--format", "json"]
    data = json.loads(CliRunner().invoke(cli, args).stdout)
    assert sorted(row["segment"] for row in data["segments"]) == ["Big Blue!", "café"]


def test_weekday_week_and_month_across_an_offset() -> None:
    # At +02:00 S1 (Monday 23:30 UTC) starts on Tuesday 01:30: every session is on Tuesday.
    assert [row[:2] for row in by("weekday", "--tz", "+02:00")] == [("2 Tue", 5)]
    assert [row[:2] for row in by("week", "--tz", "-12:00")] == [("2026-W45", 5)]
    # At -12:00 S1 starts on Monday 11:30, S2 (Tuesday 00:10 UTC) on Monday 12:10 and S3
    # (10:00 UTC) on Monday 22:00; S4 and S5 on Tuesday 00:00 and 01:00.
    assert [row[:2] for row in by("weekday", "--tz", "-12:00")] == [("1 Mon", 3), ("2 Tue", 2)]
    assert [row[:2] for row in by("month", "--tz", "Pacific/Kiritimati")] == [("2026-11", 5)]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (("--baseline", "A"), "--baseline needs --by"),
        (("--by", "query:variant", "--baseline", "A", "--expected-split", "abc"), "like 50,50"),
        (("--by", "query:variant", "--baseline", "A", "--expected-split", "100"), "two or more"),
        (("--by", "query:variant", "--baseline", "A", "--expected-split", "1,1,1"), "3 shares"),
    ],
)
def test_experiment_usage_errors_exit_2(options: tuple[str, ...], message: str) -> None:
    result = CliRunner().invoke(cli, ["report", LOG, "--goals", GOALS, *options])
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_session_is_named_by_its_first_hit_in_any_row_order() -> None:
    """A session's channel comes from its first hit, whether its hits are in session order (as
    ``sessionize`` leaves them: each session's first row) or interleaved with other sessions'."""
    session_hits = [
        (0, "utm_source=google&utm_medium=cpc", None),  # Paid Search
        (0, None, "https://t.co/abc"),
        (1, None, "https://www.google.com/"),  # Organic Search
        (1, "utm_source=newsletter&utm_medium=email", None),
        (2, None, None),  # Direct
        (2, None, "https://www.bing.com/"),
    ]
    interleaved = [session_hits[i] for i in (2, 0, 4, 1, 3, 5)]  # hit order kept per session
    sessions = pl.DataFrame({"session": [0, 1, 2], "visitor_id": [0, 1, 2]})
    for rows in (session_hits, interleaved):
        hits = pl.DataFrame(
            rows, schema=["session", "query", "referrer"], orient="row"
        ).with_columns(kind=pl.lit("page"), host=pl.lit(None, pl.String), user_agent=pl.lit(UA))
        channels = session_dimensions(hits, sessions, {"channel"}).sort("session")
        assert channels.get_column("channel").to_list() == [
            "Paid Search",
            "Organic Search",
            "Direct",
        ]


@pytest.mark.parametrize("top", ["20", "0"])
def test_a_session_without_a_pageview_lands_on_none(tmp_path: Path, top: str) -> None:
    """A session of a download alone has no landing or exit page: its segment is ``(none)``,
    as in the traffic overview, not a null or ``(other)``."""
    log = tmp_path / "access.log"
    stamp = "02/Nov/2026:09:00:00 +0100"
    log.write_text(
        f'198.51.100.1 - - [{stamp}] "GET /guide.pdf HTTP/1.1" 200 5 "-" "{UA}"\n'
        f'198.51.100.2 - - [{stamp}] "GET /a HTTP/1.1" 200 5 "-" "{UA}"\n'
        f'198.51.100.3 - - [{stamp}] "GET /c HTTP/1.1" 200 5 "-" "{UA}"\n'
    )
    pages = ["--by", "landing_page", "--by", "exit_page"]
    result = CliRunner().invoke(cli, ["report", str(log), *pages, "--top", top, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    segments = [
        (row["by"], row["segment"], row["sessions"])
        for row in json.loads(result.stdout)["segments"]
    ]
    assert sorted(segments) == [
        ("exit_page", "(none)", 1), ("exit_page", "/a", 1), ("exit_page", "/c", 1),
        ("landing_page", "(none)", 1), ("landing_page", "/a", 1), ("landing_page", "/c", 1),
    ]  # fmt: skip


def test_landing_and_exit_pages_are_url_decoded(tmp_path: Path) -> None:
    """One page written two ways is one segment, decoded, as the traffic tables list it; a
    path whose escapes spell no UTF-8 text stays as written, and ``+`` is a plus."""
    log = tmp_path / "access.log"
    stamp = "02/Nov/2026:09:00:00 +0100"
    paths = ["/caf%C3%A9", "/café", "/caf%c3%a9", "/%FF", "/a+b"]
    log.write_text(
        "".join(
            f'198.51.100.{n} - - [{stamp}] "GET {path} HTTP/1.1" 200 5 "-" "{UA}"\n'
            for n, path in enumerate(paths, start=1)
        )
    )
    pages = ["--by", "landing_page", "--by", "exit_page"]
    result = CliRunner().invoke(cli, ["report", str(log), *pages, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    segments = [(row["by"], row["segment"], row["sessions"]) for row in report["segments"]]
    decoded = [("/café", 3), ("/%FF", 1), ("/a+b", 1)]
    assert sorted(segments) == sorted(
        [("landing_page", *row) for row in decoded] + [("exit_page", *row) for row in decoded]
    )
    traffic = report["traffic"]
    assert [(r["path"], r["sessions"]) for r in traffic["landing_pages"]] == decoded
    assert [(r["path"], r["sessions"]) for r in traffic["exit_pages"]] == decoded
    # The pages table lists paths as logged, as goals match them.
    assert sorted(r["path"] for r in traffic["pages"]) == sorted(paths)


def test_a_breakdown_named_twice_is_one() -> None:
    once, _ = run("--by", "channel")
    twice, _ = run("--by", "channel", "--by", " channel")
    assert twice["segments"] == once["segments"]  # the q-values too: each test counted once
    result = CliRunner().invoke(cli, ["report", LOG, "--by", "channel,device,channel"])
    assert result.exit_code == 2
    assert result.stderr == (
        "micromacro: error: --by channel,device,channel: a cross names each dimension once\n"
    )


def test_a_kind_without_goals_has_null_rates_in_segments_and_the_ladder(tmp_path: Path) -> None:
    """Only the micro goal signup (S2, S5): by device, desktop (S1, S3, S5) has a micro rate of
    1/3 and mobile (S2, S4) 1/2; with no macro goal, every macro rate is null, as in the
    summary (a rate of 0 would say that nobody bought)."""
    goals = tmp_path / "micro.yaml"
    goals.write_text(
        "goals:\n  - name: signup\n    kind: micro\n"
        "    event: {category: request, label: /signup}\n"
    )
    result = CliRunner().invoke(
        cli, ["report", LOG, "--goals", str(goals), "--by", "device", "--format", "json", "-q"]
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    rates = {
        row["segment"]: (row["macro_conversion_rate"], row["micro_conversion_rate"])
        for row in data["segments"]
    }
    assert rates == {"desktop": (None, 1 / 3), "mobile": (None, 1 / 2)}
    assert data["summary"]["macro_conversion_rate"] is None
    ladder = data["ladder"]
    assert (ladder["macro_rate_with_micro"], ladder["macro_rate_without_micro"]) == (None, None)


def test_without_a_goals_file_segment_rates_are_null(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no goals.yaml here
    result = CliRunner().invoke(cli, ["report", LOG, "--by", "device", "--format", "json", "-q"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert {
        (row["macro_conversion_rate"], row["micro_conversion_rate"]) for row in data["segments"]
    } == {(None, None)}
    ladder = data["ladder"]
    assert (ladder["macro_rate_with_micro"], ladder["macro_rate_without_micro"]) == (None, None)


def test_a_goals_file_of_the_current_directory_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "goals.yaml").write_text(Path(GOALS).read_text())
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["report", LOG, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines()[0] == (
        "micromacro: goals: goals.yaml of the current directory (--goals FILE names another)"
    )
    assert [goal["name"] for goal in json.loads(result.stdout)["goals"]] == ["buy", "signup"]


def test_an_empty_query_value_is_no_value_of_the_parameter(tmp_path: Path) -> None:
    """A session opens /s?q= then /s?q=tent: its query:q is tent (it was (none)); a session
    with only /s?q= is (none)."""
    agent = "Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0"

    def line(ip: str, minute: int, target: str) -> str:
        return (
            f'{ip} - - [02/Nov/2026:10:{minute:02d}:00 +0000] "GET {target} HTTP/1.1" 200 5 '
            f'"-" "{agent}"\n'
        )

    log = tmp_path / "search.log"
    log.write_text(line("10.0.0.1", 0, "/s?q=") + line("10.0.0.1", 1, "/s?q=tent")
                   + line("10.0.0.2", 2, "/s?q="))  # fmt: skip
    result = CliRunner().invoke(cli, ["report", str(log), "--by", "query:q", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)["segments"]
    assert {(row["segment"], row["sessions"]) for row in rows} == {("tent", 1), ("(none)", 1)}


def test_crawlers_counted_with_include_bots_are_device_other(tmp_path: Path) -> None:
    """With --include-bots a crawler's session is counted, and its device is other, whether the
    crawler list (HeadlessChrome) or a --bot-pattern (ShopCheck, on a desktop Firefox) names it;
    the Chrome visitor stays desktop. Without the pattern, ShopCheck is a desktop Firefox."""
    agents = {
        "10.0.0.1": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like "
        "Gecko) HeadlessChrome/120.0.0.0 Safari/537.36",
        "10.0.0.2": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like "
        "Gecko) Chrome/120.0.0.0 Safari/537.36",
        "10.0.0.3": f"{UA} ShopCheck/2.0",
    }
    log = tmp_path / "crawlers.log"
    log.write_text(
        "".join(
            f'{ip} - - [02/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "{agent}"\n'
            for ip, agent in agents.items()
        )
    )

    def devices(*options: str) -> list[tuple[str, int]]:
        result = CliRunner().invoke(
            cli,
            ["report", str(log), "--by", "device", "--format", "json", "-q", *options],
        )
        assert result.exit_code == 0, result.stderr
        rows = json.loads(result.stdout)["segments"]
        return sorted((row["segment"], row["sessions"]) for row in rows)

    assert devices("--include-bots") == [("desktop", 2), ("other", 1)]
    assert devices("--include-bots", "--bot-pattern", "shopcheck") == [
        ("desktop", 1),
        ("other", 2),
    ]


def test_the_csv_segments_table_of_a_report_without_goals_has_a_row_per_segment(
    tmp_path: Path,
) -> None:
    """Without a goals file a segment has no goal rows: it is one row of its own figures, its
    goal columns empty (the table had a header and no row). Three visitors: two come from
    Google's results, one with no referrer."""
    google = '"https://www.google.com/"'
    log = tmp_path / "traffic.log"
    log.write_text(
        "".join(
            f'10.0.0.{n} - - [02/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 5 {ref} "{UA}"\n'
            for n, ref in ((1, google), (2, google), (3, '"-"'))
        )
    )
    args = ["report", str(log), "--by", "channel", "--format", "csv", "--table", "segments"]
    result = CliRunner().invoke(cli, [*args, "-q", "--no-cache"])
    assert result.exit_code == 0, result.stderr
    header, *rows = result.stdout.splitlines()
    assert header.startswith("by,segment,goal,sessions,visitors,macro_conversions,")
    assert [row.split(",")[:5] for row in rows] == [
        ["channel", "Organic Search", "", "2", "2"],
        ["channel", "Direct", "", "1", "1"],
    ]
