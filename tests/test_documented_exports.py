"""Event exports in the shapes their vendors document, through the whole report, every figure
counted by hand below.

The fixtures and the public pages their shapes come from are described in
tests/fixtures/exports/README.md: Google's BigQuery export schema
(https://support.google.com/analytics/answer/7029846) and traffic attribution data
(https://developers.google.com/analytics/bigquery/traffic-attribution-data); GA4's engaged
session (https://support.google.com/analytics/answer/12195621); Segment's spec pages
(https://www.twilio.com/docs/segment/connections/spec/common, …/page, …/track, …/identify).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from micromacro.cli import cli
from tests.helpers import NO_REVENUE

FIXTURES = Path(__file__).parent / "fixtures" / "exports"
GA4 = str(FIXTURES / "ga4_documented.ndjson")
GA4_GOALS = str(FIXTURES / "ga4_documented_goals.yaml")
SEGMENT = str(FIXTURES / "segment_documented.ndjson")
SEGMENT_GOALS = str(FIXTURES / "segment_documented_goals.yaml")


def report_json(*args: str) -> dict[str, object]:
    result = CliRunner().invoke(cli, ["report", *args, "--format", "json", "-q"])
    assert result.exit_code == 0, result.stderr
    data: dict[str, object] = json.loads(result.stdout)
    return data


def counts(rows: object, key: str) -> dict[str, int]:
    """``{row[key]: row["sessions"]}`` of a list of JSON rows."""
    assert isinstance(rows, list)
    return {row[key]: row["sessions"] for row in rows}


# --- GA4 ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ga4() -> dict[str, object]:
    return report_json(GA4, "--goals", GA4_GOALS)


def test_ga4_sessions_and_engagement(ga4: dict[str, object]) -> None:
    """ga4_documented.ndjson, 2 November 2026 (UTC), rows in file order:

        A1 rows 1–5   pseudo id 1111…, ga_session_id 09:00:00: first_visit, session_start,
                      page_view / (09:00:00), page_view /products/tent-2p (+40 s),
                      user_engagement (+95 s: 52,000 ms, session_engaged "1")
        B1 rows 6–9   pseudo id 2222…, 10:00:00: first_visit, session_start, page_view
                      /blog/tent-guide, user_engagement (+8 s: 8,000 ms)
        C1 rows 10–12 user u-42, 11:00:00: session_start, page_view /tents, page_view
                      /tents/tent-2p (+5 s)
        A2 rows 13–16 pseudo id 1111…, 12:00:00: session_start, page_view /sale, purchase
                      (+120 s), user_engagement (+125 s: 4,000 ms)
        B2 row 17     pseudo id 2222…, 13:00:00: session_start alone
        D1 rows 18–21 pseudo id 4444…, 13:30:00: first_visit, session_start, page_view
                      /tents/tent-2p, sign_up (+6 s)
        C2 row 22     user u-42, 15:00:00: user_engagement alone (15,000 ms, session_engaged
                      "1")

    Rows 22 = session_only 13 (first_visit 3, session_start 7, user_engagement 5; rows 1, 2, 5,
    6, 7, 9, 10, 13, 16, 17, 18, 19, 22) + page 7 + event 2 (purchase, sign_up); nothing
    skipped or malformed.

    Sessions 7 (every (pseudo id, ga_session_id) with a row, B2 and C2 included), visitors 4
    (A, B, u-42, D). Pageviews 7, events 2, pages per session 1. Bounces: B1 alone (one
    pageview, no event; B2 and C2 have no pageview, A2 and D1 an event) → 1/7. Durations (first
    to last row of any kind): A1 95, A2 125, B1 8, B2 0, C1 5, C2 0, D1 6 → 239/7 s.

    Goals: purchase A2, sign_up D1 → macro 2/7; tent_viewed (/**/tent-2p) A1, C1, D1 → micro
    3/7.

    Engaged (GA4): A1 (session_engaged, 52 s, 2 pageviews), A2 (purchase, a macro goal: its
    4 s and one pageview would not do), C1 (2 pageviews, in 5 s), C2 (session_engaged, 15 s),
    D1 (sign_up); not B1 (8 s, one page, no key event) nor B2 (nothing) → 5/7. The Universal
    Analytics bounce rate (1/7) and GA4's (1 − 5/7 = 2/7) differ: B2 is no bounce but not
    engaged either.
    """
    assert ga4["input"] == {
        "lines": 22,
        "files": 1,
        "format": "ga4",
        "malformed": 0,
        "skipped": 0,
        "session_only": 13,
        "page": 7,
        "event": 2,
    }
    assert ga4["summary"] == {
        "visitors": 4,
        "sessions": 7,
        "pageviews": 7,
        "events": 2,
        "bounce_rate": 1 / 7,
        "avg_session_duration_s": 239 / 7,
        "pages_per_session": 1.0,
        "macro_sessions": 2,
        "macro_conversion_rate": 2 / 7,
        "micro_sessions": 3,
        "micro_conversion_rate": 3 / 7,
        "engaged_sessions": 5,
        "engagement_rate": 5 / 7,
        **NO_REVENUE,
    }
    traffic = ga4["traffic"]
    assert isinstance(traffic, dict)
    assert counts(traffic["landing_pages"], "path") == {
        "(none)": 2,  # B2 and C2 have no pageview
        "/": 1,
        "/blog/tent-guide": 1,
        "/sale": 1,
        "/tents": 1,
        "/tents/tent-2p": 1,
    }


def test_ga4_channels_from_the_exports_own_attribution(ga4: dict[str, object]) -> None:
    """Each session's first pageview (else its first row) decides:

        A1  collected_traffic_source.gclid (and the same gclid in page_location; referrer
            www.google.com) → google / cpc / (not set): Paid Search
        A2  collected_traffic_source newsletter / email / november → Email
        B1  no collected source; page_referrer www.google.com → google / organic: Organic Search
        B2  session_start alone, no referrer → Direct
        C1  collected_traffic_source.dclid → dfa / cpm / (not set): Display (its referrer
            news.example.net is not read: the click id comes first)
        C2  user_engagement alone, no referrer → Direct
        D1  collected_traffic_source partner-blog / affiliate / winter, set in the tag: its
            page_location has no utm tags → Affiliates, not Referral (its referrer
            partner-blog.example.org)

    Channels: Direct 2, the others 1 each; the macro rate is 1 for Email (A2's purchase) and
    Affiliates (D1's sign_up), else 0. Referrer hosts of the first hits: www.google.com 2 (A1,
    B1), news.example.net 1, partner-blog.example.org 1.
    """
    traffic = ga4["traffic"]
    assert isinstance(traffic, dict)
    assert traffic["channels"] == [
        {"channel": "Direct", "sessions": 2, "macro_conversion_rate": 0.0},
        {"channel": "Affiliates", "sessions": 1, "macro_conversion_rate": 1.0},
        {"channel": "Display", "sessions": 1, "macro_conversion_rate": 0.0},
        {"channel": "Email", "sessions": 1, "macro_conversion_rate": 1.0},
        {"channel": "Organic Search", "sessions": 1, "macro_conversion_rate": 0.0},
        {"channel": "Paid Search", "sessions": 1, "macro_conversion_rate": 0.0},
    ]
    assert counts(traffic["referrers"], "host") == {
        "www.google.com": 2,
        "news.example.net": 1,
        "partner-blog.example.org": 1,
    }
    data = report_json(GA4, "--goals", GA4_GOALS, "--by", "source,medium,campaign")
    assert counts(data["segments"], "segment") == {
        "(direct) / (none) / (direct)": 2,
        "dfa / cpm / (not set)": 1,
        "google / cpc / (not set)": 1,
        "google / organic / (organic)": 1,
        "newsletter / email / november": 1,
        "partner-blog / affiliate / winter": 1,
    }


def test_ga4_first_user_and_last_non_direct_attribution() -> None:
    """--attribution first-user: every session takes its user's traffic_source (the same on
    every row of a user): A google / cpc / spring_sale (Paid Search) for A1 and A2; B google /
    organic / (organic) (Organic Search) for B1 and B2; u-42 (direct) / (none) / (direct)
    (Direct) for C1 and C2; D partner-blog / affiliate / winter (Affiliates). So Direct 2,
    Organic Search 2, Paid Search 2, Affiliates 1; engaged per first source: Paid Search 2 (A1,
    A2), Direct 2 (C1, C2), Organic Search 0, Affiliates 1.

    --attribution last-non-direct: the Direct sessions take their user's latest earlier
    non-direct one: B2 → B1's Organic Search, C2 → C1's Display. So Display 2, Organic Search
    2, Affiliates 1, Email 1, Paid Search 1.
    """
    first = report_json(GA4, "--goals", GA4_GOALS, "--attribution", "first-user", "--by", "channel")
    traffic = first["traffic"]
    assert isinstance(traffic, dict)
    assert counts(traffic["channels"], "channel") == {
        "Direct": 2,
        "Organic Search": 2,
        "Paid Search": 2,
        "Affiliates": 1,
    }
    segments = first["segments"]
    assert isinstance(segments, list)
    engaged = {row["segment"]: row["engaged_sessions"] for row in segments}
    assert engaged == {"Direct": 2, "Organic Search": 0, "Paid Search": 2, "Affiliates": 1}
    last = report_json(GA4, "--goals", GA4_GOALS, "--attribution", "last-non-direct")
    traffic = last["traffic"]
    assert isinstance(traffic, dict)
    assert counts(traffic["channels"], "channel") == {
        "Display": 2,
        "Organic Search": 2,
        "Affiliates": 1,
        "Email": 1,
        "Paid Search": 1,
    }


# --- Segment -----------------------------------------------------------------------------------


def test_segment_calls_as_the_spec_shows_them() -> None:
    """segment_documented.ndjson, 2 November 2026 (UTC):

        1 page   anonymousId 507f191e… 09:00:00 /academy/ (context.campaign TPS Innovation
                 Newsletter / Newsletter / email; context.page.referrer "")
        2 track  507f191e… 09:00:20 Signed Up (plan Pro Annual)
        3 identify 507f191e… with userId 97980cfea0067 09:00:21 (skipped; links the two ids)
        4 page   97980cfea0067 (and 507f191e…) 09:01:00 /pricing, referrer segment.com/academy/
        5 page   anonymousId a3f1c9e2… 10:00:00 /blog/, referrer www.google.com
        6 page   userId u-7 11:00:00 /, referrer ""
        7 track  u-7 11:00:05 Order Completed (total 27.5, revenue 25, USD)

    Calls 7 = skipped 1 + page 4 + event 2. Sessions 3, visitors 3 (97980cfea0067, whose
    anonymous rows are stitched to it by the identify call; a3f1c9e2…; u-7). Pageviews 4,
    events 2, pages per session 4/3. Bounces: the /blog/ visit alone → 1/3. Durations: 60 s
    (the identify call is no hit), 0, 5 → 65/3 s. Goals: signed_up (first session) and
    order_completed (u-7) → macro 2/3; no micro goal (rate null).

    Engaged: Segment maps no engagement time, so the duration counts: the first session (60 s,
    2 pageviews, a macro goal) and u-7's (5 s, one page, but Order Completed is a macro goal);
    not the /blog/ visit (0 s, one page) → 2/3.

    Channels: the first session's context.campaign (its URL has no utm tags) → Newsletter /
    email / TPS Innovation Newsletter: Email; /blog/ from www.google.com → Organic Search; u-7
    without referrer or campaign → Direct. With --attribution first-user (no first-user fields
    in Segment calls: each visitor's first session) the same.
    """
    data = report_json(SEGMENT, "--goals", SEGMENT_GOALS, "--by", "source,medium,campaign")
    assert data["input"] == {
        "lines": 7,
        "files": 1,
        "format": "segment",
        "malformed": 0,
        "skipped": 1,
        "page": 4,
        "event": 2,
    }
    assert data["summary"] == {
        "visitors": 3,
        "sessions": 3,
        "pageviews": 4,
        "events": 2,
        "bounce_rate": 1 / 3,
        "avg_session_duration_s": 65 / 3,
        "pages_per_session": 4 / 3,
        "macro_sessions": 2,
        "macro_conversion_rate": 2 / 3,
        "micro_sessions": 0,
        "micro_conversion_rate": None,
        "engaged_sessions": 2,
        "engagement_rate": 2 / 3,
        **NO_REVENUE,
    }
    traffic = data["traffic"]
    assert isinstance(traffic, dict)
    channels = counts(traffic["channels"], "channel")
    assert channels == {"Direct": 1, "Email": 1, "Organic Search": 1}
    assert counts(data["segments"], "segment") == {
        "(direct) / (none) / (direct)": 1,
        "Newsletter / email / TPS Innovation Newsletter": 1,
        "google / organic / (organic)": 1,
    }
    first = report_json(SEGMENT, "--goals", SEGMENT_GOALS, "--attribution", "first-user")
    assert counts(first["traffic"]["channels"], "channel") == channels  # type: ignore[index]


def test_ga4_first_user_without_traffic_source_is_the_first_session(tmp_path: Path) -> None:
    """The same export with traffic_source dropped from u-42's rows (as a GA4 intraday table
    has none): u-42's sessions take its first session's source, C1's dfa / cpm (Display), for
    both C1 and C2; the other users keep their traffic_source. So Display 2, Organic Search 2,
    Paid Search 2, Affiliates 1."""
    rows = [json.loads(line) for line in Path(GA4).read_text().splitlines()]
    for row in rows:
        if row.get("user_id") == "u-42":
            del row["traffic_source"]
    export = tmp_path / "events.ndjson"
    export.write_text("".join(json.dumps(row) + "\n" for row in rows))
    data = report_json(str(export), "--goals", GA4_GOALS, "--attribution", "first-user")
    assert counts(data["traffic"]["channels"], "channel") == {  # type: ignore[index]
        "Display": 2,
        "Organic Search": 2,
        "Paid Search": 2,
        "Affiliates": 1,
    }
