"""Event exports (CSV, NDJSON, Parquet) read into hits, over hand-counted fixtures.

tests/fixtures/exports/shop.csv (14 rows; shop.ndjson is the same traffic with nested columns and
epoch-millisecond times; the Parquet file is written from it with a native datetime column).
Times are UTC on 2026-11-02:

    A  a1 (anonymous) 09:00 /?utm_source=news · 09:02 /products/tent-2p · 09:03 add_to_cart
       (value 120); logs in as u1: 09:04 /cart · 09:05 add_to_cart (30) · 09:08
       /checkout/thank-you?order=1001 → 480 s, 4 pageviews, 2 events. a1 is linked to u1 by
       the rows that carry both, so all of A is visitor u1.
    B  u1 (no anonymous id) 10:30 /blog/trip: 82 min after A, a new session; 0 s, a bounce
    C  b1 (anonymous only: the visitor is the anonymous id) 09:10 /contact · 09:12
       newsletter_signup · 09:42 /about (exactly 30 min later: same session) → 1920 s
    D  u2 09:20 /products/boots · 09:21 sign_up → 60 s
    malformed: row 13 (time "yesterday"), row 14 (neither a user id nor an anonymous id)

    rows 14 = malformed 2 + page 8 + event 4; sessions 4, visitors 3 (u1, b1, u2), bounce 1/4,
    durations 480 + 0 + 1920 + 60 → 615 s on average, 2 pages per session
    purchase A (value 60) · signup D · add_to_cart A (2 hits, count: every) · big_cart A (value
    > 50) · newsletter C · long_visit (> 5 min) A, C → macro 2/4 (A, D), micro 2/4 (A, C);
    engaged 3/4 (A, C and D last 10 s or more: no engagement time is mapped; B is 0 s)
    funnel checkout (product → add to cart → cart → purchase): A reaches 4 (1 min, 1 min, 4 min
    between steps), D reaches 1 → reached 2, 1, 1, 1

tests/fixtures/exports/ga4.ndjson (15 events; t = 09:00:00 UTC, times t + seconds):

    device 1001.1 (no user id), ga_session_id S1 = t: first_visit, session_start (session
      only) · t page_view / · t+60 page_view /products/tent-2p · t+90 add_to_cart (int_value
      "120") · t+100 user_engagement (session only: S1 lasts to it)
    same device, ga_session_id S2 = t+600, 8.5 min later: a new session only because of the id:
      session_start (session only) · t+600 page_view /cart · t+660 purchase (double_value
      150.0) · t+661 page_view /checkout/thank-you?order=1001
    user u9 on two devices sharing the ga_session_id t+1200: 2002.1 t+1200 page_view /, t+1230
      sign_up; 3003.1 t+1250 page_view /pricing → one visitor, two sessions
    malformed: a page_view without event_timestamp; one with no user_pseudo_id nor user_id

    events 15 = session_only 4 + malformed 2 + page 6 + event 3; sessions 4 (100, 61, 30, 0 s
    → 47.75),
    visitors 2, bounce 1/4 (/pricing alone); the 30-minute rule alone gives 2 sessions
    purchase (value > 100) S2 · signup · add_to_cart S1 · thank_you S2 · pricing → macro 2/4,
    micro 3/4; funnel buy (visitor scope): 1001.1 reaches 3 across its sessions, u9 reaches 1;
    engaged 3/4: S1 and S2 (2 pageviews each), u9's first session (signup, a macro goal); the
    lone /pricing is not (the export reports no engagement time)

tests/fixtures/exports/segment.ndjson (11 calls):

    a1: page /pricing?plan=pro 09:00 · track Signed Up 09:02 · identify u1 + a1 09:02:01
      (skipped) · u1 with a1: track Order Completed at 10:05+01:00 = 09:05 UTC (revenue 99.5,
      category Ecommerce) · u1 alone: page /welcome 09:06 → one visitor u1, one session, 360 s
    group, screen: skipped
    a2: page /blog/launch at "2026-11-02 09:30:00" (no offset: UTC) · track Newsletter
      Subscribed 09:31 (value "5", label footer) → 60 s
    malformed: a page call with neither id; a track whose timestamp is "not a time"

    calls 11 = skipped 3 + malformed 2 + page 3 + event 3; sessions 2, visitors 2, bounces 0,
    210 s on average; every goal converts one session; funnel trial reaches 1, 1, 1
"""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from click.testing import CliRunner, Result
from hypothesis import given
from hypothesis import strategies as st

from micromacro.cli import cli
from micromacro.export_times import epoch, iso8601, iso8601_common
from micromacro.exports import ExportRead, read_exports
from micromacro.goals_file import load_goals
from micromacro.hit_schema import EXPORT_HIT_COLUMNS, HIT_SCHEMA
from micromacro.hits import HitFilter
from micromacro.inputs import Inputs

FIXTURES = Path(__file__).parent / "fixtures" / "exports"
SHOP_CSV = str(FIXTURES / "shop.csv")
SHOP_NDJSON = str(FIXTURES / "shop.ndjson")
SHOP_GOALS = (FIXTURES / "shop_goals.yaml").read_text()
GA4 = str(FIXTURES / "ga4.ndjson")
GA4_GOALS = str(FIXTURES / "ga4_goals.yaml")
SEGMENT = str(FIXTURES / "segment.ndjson")
SEGMENT_GOALS = str(FIXTURES / "segment_goals.yaml")

CSV_SOURCE = """source:
  timestamp: event_time
  user_id: user_id
  anonymous_id: anonymous_id
  event_name: event
  event_category: category
  event_value: value
  url: page_url
  referrer: referrer
  keep: [utm_source]
"""
NDJSON_SOURCE = """source:
  timestamp: {column: ts, format: epoch_ms}
  user_id: user.id
  anonymous_id: user.anonymous_id
  event_name: event
  event_category: properties.category
  event_value: properties.value
  url: page.url
  referrer: page.referrer
  keep: [utm_source]
"""
PARQUET_SOURCE = NDJSON_SOURCE.replace("{column: ts, format: epoch_ms}", "ts")
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def goals_file(folder: Path, source: str, goals: str = SHOP_GOALS, name: str = "g.yaml") -> str:
    """A goals file of ``source`` followed by ``goals``."""
    path = folder / name
    path.write_text(source + goals)
    return str(path)


def run(*args: str, stdin: bytes | None = None) -> Result:
    return CliRunner().invoke(cli, ["report", *args], input=stdin)


def report_json(*args: str, stdin: bytes | None = None) -> dict[str, object]:
    result = run(*args, "--format", "json", stdin=stdin)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def write_parquet(folder: Path) -> str:
    """shop.ndjson as Parquet, with ``ts`` a UTC datetime ("yesterday" becomes null)."""
    path = folder / "shop.parquet"
    frame = pl.read_ndjson(SHOP_NDJSON, infer_schema_length=None)
    frame.with_columns(
        pl.col("ts").cast(pl.Int64, strict=False).cast(pl.Datetime("ms", "UTC"))
    ).write_parquet(path)
    return str(path)


def read(path: str, goals: str) -> ExportRead:
    source = load_goals(goals).source
    assert source is not None
    with Inputs([path]) as inputs:
        return read_exports(inputs, source, HitFilter())


# --- the shop, as CSV ---------------------------------------------------------------------------


@pytest.fixture
def shop(tmp_path: Path) -> dict[str, object]:
    return report_json(SHOP_CSV, "--goals", goals_file(tmp_path, CSV_SOURCE))


def test_input_summary_counts_every_row_once(shop: dict[str, object]) -> None:
    assert shop["input"] == {
        "lines": 14,
        "files": 1,
        "format": "csv",
        "malformed": 2,
        "skipped": 0,
        "page": 8,
        "event": 4,
    }


def test_summary_figures(shop: dict[str, object]) -> None:
    assert shop["summary"] == {
        "visitors": 3,
        "sessions": 4,
        "pageviews": 8,
        "events": 4,
        "bounce_rate": 0.25,
        "avg_session_duration_s": 615.0,
        "pages_per_session": 2.0,
        "macro_sessions": 2,
        "macro_conversion_rate": 0.5,
        "micro_sessions": 2,
        "micro_conversion_rate": 0.5,
        # One purchase at the fixed value 60 (signup has no value), over 4 sessions.
        "macro_revenue": 60.0,
        "macro_revenue_per_session": 15.0,
        "currency": None,
        "macro_revenue_by_currency": [{"currency": None, "revenue": 60.0}],
        "engaged_sessions": 3,
        "engagement_rate": 0.75,
    }


def test_goal_figures(shop: dict[str, object]) -> None:
    goals = shop["goals"]
    assert isinstance(goals, list)
    table = {
        g["name"]: (g["conversions"], g["converting_sessions"], g["conversion_rate"], g["visitors"])
        for g in goals
    }
    assert table == {
        "purchase": (1, 1, 0.25, 1),
        "signup": (1, 1, 0.25, 1),
        "add_to_cart": (2, 1, 0.25, 1),
        "big_cart": (1, 1, 0.25, 1),
        "newsletter": (1, 1, 0.25, 1),
        "long_visit": (2, 2, 0.5, 2),
    }
    assert goals[0]["value"] == 60.0


def test_funnel_with_an_event_step(shop: dict[str, object]) -> None:
    funnels = shop["funnels"]
    assert isinstance(funnels, list)
    steps = [
        (s["name"], s["reached"], s["dropped"], s["median_time_from_previous_s"])
        for s in funnels[0]["steps"]
    ]
    assert steps == [
        ("product", 2, 1, None),
        ("add to cart", 1, 0, 60.0),
        ("cart", 1, 0, 60.0),
        ("purchase", 1, 0, 240.0),
    ]


def test_malformed_rows_are_named_on_stderr(tmp_path: Path) -> None:
    result = run(SHOP_CSV, "--goals", goals_file(tmp_path, CSV_SOURCE), "--format", "json")
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        "micromacro: site hosts (internal referrers): shop.example.com; name them with --site-host",
        "micromacro: warning: 2 malformed rows skipped (counted in the input summary)",
        f"micromacro: warning: {SHOP_CSV}: row 13: malformed row: "
        "no valid time in 'event_time': 'yesterday'",
        f"micromacro: warning: {SHOP_CSV}: row 14: malformed row: "
        "neither a user id nor an anonymous id",
        "micromacro: input: 14 lines (malformed 2, skipped 0, page 8, event 4)",
    ]


def test_strict_turns_a_malformed_row_into_exit_1(tmp_path: Path) -> None:
    result = run(SHOP_CSV, "--goals", goals_file(tmp_path, CSV_SOURCE), "--strict")
    assert result.exit_code == 1
    assert result.stderr == (
        f"micromacro: error: {SHOP_CSV}: row 13: malformed row (2 in all; --strict allows none)\n"
    )


def test_the_visitor_is_the_user_id_else_the_linked_user_else_the_anonymous_id(
    tmp_path: Path,
) -> None:
    hits = read(SHOP_CSV, goals_file(tmp_path, CSV_SOURCE)).hits.sort("line_no")
    # Rows 1-3 carry only a1, which rows 4-6 link to u1; b1 never logs in; u2 has no anonymous id.
    assert dict(hits.select("line_no", "visitor").iter_rows()) == {
        **dict.fromkeys(range(1, 8), "u1"),
        **dict.fromkeys(range(8, 11), "b1"),
        11: "u2",
        12: "u2",
    }


def test_the_hit_table_is_the_canonical_one_plus_kept_columns(tmp_path: Path) -> None:
    hits = read(SHOP_CSV, goals_file(tmp_path, CSV_SOURCE)).hits.sort("line_no")
    assert hits.columns == [*HIT_SCHEMA, "utm_source"]
    expected = {**HIT_SCHEMA, "utm_source": pl.String()}
    assert {k: v for k, v in hits.schema.items() if k != "source_file"} == {
        k: v for k, v in expected.items() if k != "source_file"
    }
    first = hits.row(0, named=True)
    assert (first["ts"], first["kind"], first["host"], first["path"], first["query"]) == (
        T0,
        "page",
        "shop.example.com",
        "/",
        "utm_source=news",
    )
    assert (first["referrer"], first["utm_source"], first["session_id"]) == (
        "https://news.example.org/",
        "news",
        None,
    )
    cart = hits.row(2, named=True)
    assert (cart["kind"], cart["event_name"], cart["event_category"], cart["event_value"]) == (
        "event",
        "add_to_cart",
        "ecommerce",
        120.0,
    )


def test_since_and_until_count_rows_outside_the_period(tmp_path: Path) -> None:
    goals = goals_file(tmp_path, CSV_SOURCE)
    data = report_json(
        SHOP_CSV, "--goals", goals, "--since", "2026-11-02T09:15", "--until", "2026-11-02T10:00"
    )
    # The period is read in the source's time zone (UTC). In [09:15, 10:00): rows 10, 11 and 12
    # (2 pages, 1 event); rows 1-9 are outside; rows 13 and 14 stay malformed.
    assert data["input"] == {
        "lines": 14,
        "files": 1,
        "format": "csv",
        "malformed": 2,
        "out_of_period": 9,
        "skipped": 0,
        "page": 2,
        "event": 1,
    }
    assert (
        data["period"].items()
        >= {
            "start": "2026-11-02T09:15:00Z",
            "end": "2026-11-02T10:00:00Z",
        }.items()
    )


# --- the same traffic in three formats ----------------------------------------------------------


def test_csv_ndjson_and_parquet_give_identical_reports(tmp_path: Path) -> None:
    runs = {
        "csv": (SHOP_CSV, CSV_SOURCE),
        "ndjson": (SHOP_NDJSON, NDJSON_SOURCE),
        "parquet": (write_parquet(tmp_path), PARQUET_SOURCE),
    }
    reports = {
        name: report_json(path, "--goals", goals_file(tmp_path, source, name=f"{name}.yaml"))
        for name, (path, source) in runs.items()
    }
    expected = reports["csv"]
    for name, data in reports.items():
        for section in ("summary", "goals", "funnels", "ladder", "micro_macro"):
            assert data[section] == expected[section], (name, section)
        assert data["input"] == {**expected["input"], "format": name}  # type: ignore[dict-item]


def test_compressed_exports_and_stdin(tmp_path: Path) -> None:
    goals = goals_file(tmp_path, CSV_SOURCE)
    expected = report_json(SHOP_CSV, "--goals", goals)
    compressed = tmp_path / "shop.csv.gz"
    compressed.write_bytes(gzip.compress(Path(SHOP_CSV).read_bytes()))
    assert report_json(str(compressed), "--goals", goals)["summary"] == expected["summary"]
    piped_goals = goals_file(tmp_path, CSV_SOURCE + "  format: csv\n", name="piped.yaml")
    piped = report_json("-", "--goals", piped_goals, stdin=Path(SHOP_CSV).read_bytes())
    assert piped["summary"] == expected["summary"]
    assert piped["input"] == expected["input"]


def test_two_files_and_a_glob_add_up(tmp_path: Path) -> None:
    header, *rows = Path(SHOP_CSV).read_text().splitlines(keepends=True)
    (tmp_path / "part-1.csv").write_text(header + "".join(rows[:5]))
    (tmp_path / "part-2.csv").write_text(header + "".join(rows[5:]))
    goals = goals_file(tmp_path, CSV_SOURCE)
    data = report_json(str(tmp_path / "part-*.csv"), "--goals", goals)
    assert data["input"]["files"] == 2  # type: ignore[index]
    assert data["summary"] == report_json(SHOP_CSV, "--goals", goals)["summary"]


# --- GA4 ----------------------------------------------------------------------------------------


@pytest.fixture
def ga4() -> dict[str, object]:
    return report_json(GA4, "--goals", GA4_GOALS)


def test_ga4_input_and_summary(ga4: dict[str, object]) -> None:
    assert ga4["input"] == {
        "lines": 15,
        "files": 1,
        "format": "ga4",
        "malformed": 2,
        "skipped": 0,
        "session_only": 4,
        "page": 6,
        "event": 3,
    }
    assert ga4["summary"] == {
        "visitors": 2,
        "sessions": 4,
        "pageviews": 6,
        "events": 3,
        "bounce_rate": 0.25,
        "avg_session_duration_s": 47.75,
        "pages_per_session": 1.5,
        "macro_sessions": 2,
        "macro_conversion_rate": 0.5,
        "micro_sessions": 3,
        "micro_conversion_rate": 0.75,
        "macro_revenue": None,  # no goal has a value
        "macro_revenue_per_session": None,
        "currency": None,
        "macro_revenue_by_currency": None,
        "engaged_sessions": 3,
        "engagement_rate": 0.75,
    }


def test_ga4_goals_and_visitor_funnel(ga4: dict[str, object]) -> None:
    goals = ga4["goals"]
    funnels = ga4["funnels"]
    assert isinstance(goals, list)
    assert isinstance(funnels, list)
    assert [(g["name"], g["conversions"]) for g in goals] == [
        ("purchase", 1),
        ("signup", 1),
        ("add_to_cart", 1),
        ("thank_you", 1),
        ("pricing", 1),
    ]
    assert [s["reached"] for s in funnels[0]["steps"]] == [2, 1, 1]


def test_ga4_session_ids_split_sessions_inside_thirty_minutes(tmp_path: Path) -> None:
    # The same events mapped by hand without the session id: the 30-minute rule joins S1 and
    # S2 (8.5 minutes apart) and u9's two devices (20 s apart).
    by_hand = """source:
  timestamp: {column: event_timestamp, format: epoch_us}
  user_id: user_id
  anonymous_id: user_pseudo_id
  event_name: event_name
  url: event_params.page_location
  event_value: event_params.value
  pageview: {column: event_name, equals: page_view}
  skip: {column: event_name, one_of: [session_start, first_visit, user_engagement]}
"""
    goals = goals_file(tmp_path, by_hand, goals="")
    summary = report_json(GA4, "--goals", goals, "-q")["summary"]
    assert (summary["sessions"], summary["visitors"]) == (2, 2)  # type: ignore[index]


def test_ga4_params_and_kept_columns() -> None:
    hits = read(GA4, GA4_GOALS).hits.sort("line_no")
    assert hits.columns == [
        *HIT_SCHEMA,
        *EXPORT_HIT_COLUMNS,
        "device.category",
        "event_params.currency",
    ]
    rows = {row["line_no"]: row for row in hits.iter_rows(named=True)}
    assert rows[5]["event_name"] == "add_to_cart"
    assert (rows[5]["event_value"], rows[5]["event_params.currency"]) == (120.0, "EUR")
    assert rows[5]["device.category"] == "desktop"
    assert rows[9]["event_value"] == 150.0
    assert rows[3]["session_id"] == "1001.1/1793610000"
    assert (rows[3]["path"], rows[3]["query"]) == ("/", "utm_source=news&utm_medium=email")
    assert rows[4]["referrer"] == "https://shop.example.com/"
    assert rows[3]["ts"] == T0
    assert (rows[13]["visitor"], rows[13]["session_id"]) == ("u9", "3003.1/1793611200")
    assert rows[5]["event_category"] is None  # GA4 events have a name only


def test_ga4_as_parquet_gives_the_same_report(tmp_path: Path, ga4: dict[str, object]) -> None:
    parquet = tmp_path / "ga4.parquet"
    frame = pl.read_ndjson(GA4, infer_schema_length=None)
    frame.with_columns(pl.col("event_timestamp").cast(pl.Int64)).write_parquet(parquet)
    data = report_json(str(parquet), "--goals", GA4_GOALS, "-q")
    for section in ("input", "summary", "goals", "funnels", "ladder", "micro_macro"):
        assert data[section] == ga4[section], section


def test_ga4_bookkeeping_events_can_be_counted(tmp_path: Path) -> None:
    goals = goals_file(tmp_path, "source:\n  preset: ga4\n  session_only: null\n", goals="")
    data = report_json(GA4, "--goals", goals, "-q")
    assert "session_only" not in data["input"]  # type: ignore[operator]
    assert (data["input"]["skipped"], data["input"]["event"]) == (0, 7)  # type: ignore[index]
    assert data["summary"]["events"] == 7  # type: ignore[index]


def test_ga4_bookkeeping_events_can_be_skipped(tmp_path: Path) -> None:
    # Skipped, they make no session and no session lasts to them: S1 is 90 s long.
    skip = "skip: {column: event_name, one_of: [session_start, first_visit, user_engagement]}"
    goals = goals_file(tmp_path, f"source:\n  preset: ga4\n  {skip}\n", goals="")
    data = report_json(GA4, "--goals", goals, "-q")
    assert data["input"]["skipped"] == 4  # type: ignore[index]
    summary = data["summary"]
    assert (summary["sessions"], summary["events"]) == (4, 3)  # type: ignore[index]
    assert summary["avg_session_duration_s"] == 45.25  # type: ignore[index]


def test_ga4_session_start_alone_is_a_session_without_pageview_or_event(tmp_path: Path) -> None:
    # A session of session_start and user_engagement only, as GA4 counts it: one more session,
    # no pageview, no event, no bounce, no landing page; it lasts from one row to the other.
    rows = [
        {"event_timestamp": "1793620800000000", "event_name": name, "user_pseudo_id": "7.7",
         "event_params": [{"key": "ga_session_id", "value": {"int_value": "1793620800"}}]}
        for name in ("session_start", "user_engagement")
    ]  # fmt: skip
    rows[1]["event_timestamp"] = "1793620807000000"
    alone = tmp_path / "alone.ndjson"
    alone.write_text("".join(json.dumps(row) + "\n" for row in rows))
    goals = goals_file(tmp_path, "source:\n  preset: ga4\n", goals="")
    data = report_json(GA4, str(alone), "--goals", goals, "-q")
    summary = data["summary"]
    assert isinstance(summary, dict)
    assert (summary["sessions"], summary["visitors"], summary["pageviews"]) == (5, 3, 6)
    assert (summary["events"], summary["bounce_rate"]) == (3, 0.2)
    assert summary["avg_session_duration_s"] == (100 + 61 + 30 + 0 + 7) / 5
    landing = {row["path"]: row["sessions"] for row in data["traffic"]["landing_pages"]}  # type: ignore[index]
    assert landing["(none)"] == 1


def _ga4_row(at: int, name: str, user: str, order: str | None = None, revenue: float = 0) -> str:
    """One GA4 export row, ``at`` seconds after 2025-11-02 10:00 UTC, in the user's session."""
    row: dict[str, object] = {
        "event_timestamp": str((1762077600 + at) * 1_000_000),
        "event_name": name,
        "user_pseudo_id": user,
        "event_params": [{"key": "ga_session_id", "value": {"int_value": "1762077600"}}],
    }
    if order is not None:
        row["ecommerce"] = {"purchase_revenue": revenue, "transaction_id": order}
    return json.dumps(row)


def test_a_repeated_transaction_is_a_duplicate_as_ga4_counts_it_once(tmp_path: Path) -> None:
    """GA4 counts a purchase repeating an earlier one's transaction id once (a thank-you page
    reloaded): T1's second purchase, and its copy in the intraday file, are duplicates; a
    refund of T1 is an event of its own; T2 counts. Revenue 20 + 30, not 80."""
    day = tmp_path / "events_20251102.json"
    day.write_text(
        "\n".join(
            [
                _ga4_row(0, "page_view", "p1"),
                _ga4_row(30, "purchase", "p1", "T1", 20.0),
                _ga4_row(31, "purchase", "p1", "T1", 20.0),
                _ga4_row(60, "refund", "p1", "T1", 0.0),
            ]
        )
        + "\n"
    )
    intraday = tmp_path / "events_intraday_20251102.json"
    intraday.write_text(
        _ga4_row(30, "purchase", "p1", "T1", 20.0)
        + "\n"
        + _ga4_row(90, "purchase", "p2", "T2", 30.0)
        + "\n"
    )
    goals = tmp_path / "goals.yaml"
    goals.write_text(
        "source: {preset: ga4}\ngoals:\n  - {name: purchase, kind: macro, event: {name: purchase},"
        " value: {from: revenue}, count: every}\n"
    )
    data = report_json(str(day), str(intraday), "--goals", str(goals))
    assert (data["input"]["duplicate"], data["input"]["event"]) == (2, 3)
    (purchase,) = data["goals"]
    assert (purchase["conversions"], purchase["revenue"]) == (2, 50.0)


def test_purchases_without_a_transaction_id_are_no_repeats(tmp_path: Path) -> None:
    """GA4 writes ``(not set)`` as the transaction id of a purchase sent without one: four
    users' such purchases (two ``(not set)``, two blank) are four orders, 30 + 20 + 5 + 7."""
    export = tmp_path / "events_20251102.json"
    orders = [("p1", "(not set)", 30.0), ("p2", "(not set)", 20.0), ("p3", "", 5.0)]
    rows = [
        _ga4_row(10 * i, "purchase", user, order, revenue)
        for i, (user, order, revenue) in enumerate([*orders, ("p4", "", 7.0)])
    ]
    export.write_text("\n".join(rows) + "\n")
    goals = tmp_path / "goals.yaml"
    goals.write_text(
        "source: {preset: ga4}\ngoals:\n  - {name: purchase, kind: macro, event: {name: purchase},"
        " value: {from: revenue}, count: every}\n"
    )
    data = report_json(str(export), "--goals", str(goals))
    assert "duplicate" not in data["input"]
    (purchase,) = data["goals"]
    assert (purchase["conversions"], purchase["revenue"]) == (4, 62.0)


_ORDER_GOAL = (
    "source: {preset: ga4}\ngoals:\n  - {name: purchase, kind: macro, event: {name: purchase},"
    " value: {from: revenue}, count: every}\n"
)


@pytest.mark.parametrize("names", [("day1.json", "day2.json"), ("day2.json", "day1.json")])
def test_the_first_copy_of_an_order_in_time_counts_whatever_the_inputs_order(
    tmp_path: Path, names: tuple[str, str]
) -> None:
    """An order sent again a day later (T1 on 2 November 10:00, again on 3 November 10:00)
    counts on its first day, named first or last: the second copy is the duplicate."""
    day = 86_400
    (tmp_path / "day1.json").write_text(_ga4_row(0, "purchase", "p1", "T1", 20.0) + "\n")
    (tmp_path / "day2.json").write_text(_ga4_row(day, "purchase", "p1", "T1", 20.0) + "\n")
    goals = tmp_path / "goals.yaml"
    goals.write_text(_ORDER_GOAL)
    data = report_json(*(str(tmp_path / name) for name in names), "--goals", str(goals), "-q")
    assert (data["input"]["duplicate"], data["input"]["event"]) == (1, 1)
    trend = data["trend"]["rows"]  # type: ignore[index]
    macro = {row["start"][:10]: row["macro_sessions"] for row in trend if row["macro_sessions"]}
    assert macro == {"2025-11-02": 1}


@pytest.mark.parametrize("compare", [None, "previous", "2025-10-01..2025-10-01"])
def test_an_order_repeated_from_the_comparison_period_counts_in_the_current_one(
    tmp_path: Path, compare: str | None
) -> None:
    """Orders are told apart within a period: T1 of 2 November sent again on 3 November
    counts on 3 November when that day is reported, with a comparison or without one, and in
    both periods of `--compare previous` (each has one copy)."""
    day = 86_400
    export = tmp_path / "events.json"
    rows = [_ga4_row(0, "purchase", "p1", "T1", 20.0), _ga4_row(day, "purchase", "p1", "T1", 20.0)]
    export.write_text("\n".join(rows) + "\n")
    goals = tmp_path / "goals.yaml"
    goals.write_text(_ORDER_GOAL)
    period = ["--since", "2025-11-03", "--until", "2025-11-03"]
    extra = ["--compare", compare] if compare else []
    data = report_json(str(export), "--goals", str(goals), "-q", *period, *extra)
    assert (data["input"]["event"], data["input"]["out_of_period"]) == (1, 1)
    assert "duplicate" not in data["input"]
    (purchase,) = data["goals"]
    assert (purchase["conversions"], purchase["revenue"]) == (1, 20.0)
    if compare == "previous":
        assert purchase["previous_conversions"] == 1


# --- Segment ------------------------------------------------------------------------------------


@pytest.mark.parametrize("offset", ["+24:00", "+25:00", "-48:00", "+99", "+05:75", "-0560"])
def test_a_time_whose_offset_no_clock_has_is_no_time(tmp_path: Path, offset: str) -> None:
    """An ISO 8601 offset runs from 00:00 to 23:59: a row with another is malformed, not moved
    by days; a row of a real offset beside it is read (05:00+05:30 is 23:30 UTC the day
    before)."""
    export = tmp_path / "segment.ndjson"
    rows = [f"2025-11-03T05:00:00{offset}", "2025-11-03T05:00:00+05:30"]
    export.write_text(
        "".join(
            json.dumps({"type": "page", "anonymousId": "a", "timestamp": at, "properties": {}})
            + "\n"
            for at in rows
        )
    )
    goals = goals_file(tmp_path, "source: {preset: segment}\n", goals="")
    data = report_json(str(export), "--goals", goals, "-q")
    assert (data["input"]["malformed"], data["input"]["page"]) == (1, 1)
    assert data["period"]["first_hit"] == "2025-11-02T23:30:00Z"


def test_segment_report() -> None:
    data = report_json(SEGMENT, "--goals", SEGMENT_GOALS)
    assert data["input"] == {
        "lines": 11,
        "files": 1,
        "format": "segment",
        "malformed": 2,
        "skipped": 3,
        "page": 3,
        "event": 3,
    }
    summary = data["summary"]
    assert isinstance(summary, dict)
    assert (summary["visitors"], summary["sessions"], summary["pageviews"]) == (2, 2, 3)
    assert (summary["events"], summary["bounce_rate"], summary["avg_session_duration_s"]) == (
        3,
        0.0,
        210.0,
    )
    goals = data["goals"]
    funnels = data["funnels"]
    assert isinstance(goals, list)
    assert isinstance(funnels, list)
    assert [(g["name"], g["converting_sessions"]) for g in goals] == [
        ("order", 1),
        ("order_ua", 1),
        ("signup", 1),
        ("newsletter", 1),
        ("pro_pricing", 1),
    ]
    assert [s["reached"] for s in funnels[0]["steps"]] == [1, 1, 1]


def test_segment_identify_links_the_anonymous_id() -> None:
    hits = read(SEGMENT, SEGMENT_GOALS).hits.sort("line_no")
    assert hits.select("line_no", "visitor", "kind", "path").rows() == [
        (1, "u1", "page", "/pricing"),
        (2, "u1", "event", "/signup"),
        (4, "u1", "event", "/checkout"),
        (5, "u1", "page", "/welcome"),
        (8, "a2", "page", "/blog/launch"),
        (9, "a2", "event", None),
    ]
    order = hits.row(2, named=True)
    assert (order["ts"], order["event_value"], order["event_action"]) == (
        T0 + timedelta(minutes=5),
        99.5,
        "Order Completed",
    )


def test_a_segment_track_call_without_a_category_is_in_all() -> None:
    """Segment's Google Analytics destination fills in the category Google Analytics requires
    with "All": goals written from those reports match the calls that name none."""
    events = read(SEGMENT, SEGMENT_GOALS).hits.filter(pl.col("kind") == "event").sort("line_no")
    assert events.select("line_no", pl.col("event_category").cast(pl.String)).rows() == [
        (2, "All"),
        (4, "Ecommerce"),
        (9, "All"),
    ]


# --- time --------------------------------------------------------------------------------------

AT_0915 = datetime(2026, 11, 2, 9, 15, 3, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-02T09:15:03Z", AT_0915),
        ("2026-11-02T10:15:03+01:00", AT_0915),
        ("2026-11-02T10:15:03+0100", AT_0915),
        ("2026-11-02T10:15:03+01", AT_0915),
        ("2026-11-02T04:15:03.25-05:00", AT_0915 + timedelta(milliseconds=250)),
        ("2026-11-02T09:15:03,5Z", AT_0915 + timedelta(milliseconds=500)),
        ("2026-11-02T09:15:03.123456789Z", AT_0915 + timedelta(microseconds=123456)),
        ("2026-11-02 09:15:03", AT_0915),
        ("2026-11-02t09:15:03z", AT_0915),
        ("2026-11-02T09:15", AT_0915 - timedelta(seconds=3)),
        ("2026-11-02", datetime(2026, 11, 2, tzinfo=UTC)),
        ("yesterday", None),
        ("", None),
        ("2026-13-02T09:00:00Z", None),
        ("1793610000", None),
    ],
)
def test_iso8601(text: str, expected: datetime | None) -> None:
    assert pl.select(iso8601(pl.lit(text), UTC)).item() == expected


def _iso_text(instant: datetime, separator: str, digits: int, offset: str | None) -> str:
    fraction = f".{instant.microsecond:06d}"[: digits + 1] if digits else ""
    return f"{instant:%Y-%m-%d}{separator}{instant:%H:%M:%S}{fraction}{offset or ''}"


@given(
    instant=st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2099, 12, 31)),
    separator=st.sampled_from(["T", " "]),
    digits=st.sampled_from([0, 3, 6]),
    offset=st.sampled_from([None, "Z", "+00:00", "+01:00", "-05:30", "+0545", "-0800"]),
)
def test_both_iso8601_readers_agree_with_python(
    instant: datetime, separator: str, digits: int, offset: str | None
) -> None:
    text = _iso_text(instant, separator, digits, offset)
    parsed = datetime.fromisoformat(text)
    expected = parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    full, common = pl.select(
        iso8601(pl.lit(text), UTC).alias("full"), iso8601_common(pl.lit(text), UTC).alias("common")
    ).row(0)
    assert full == expected
    assert common == expected  # the common shapes need no second pass


def test_the_rarer_iso8601_shapes_are_read_from_a_file(tmp_path: Path) -> None:
    export = tmp_path / "shapes.csv"
    export.write_text(
        "t,u,page\n"
        "2026-11-02,a,/day\n"
        "2026-11-02T09:15,a,/minutes\n"
        '"2026-11-02t09:15:03,5z",a,/comma\n'
        " 2026-11-02T09:15:03Z ,a,/spaces\n"
    )
    goals = goals_file(tmp_path, TINY_SOURCE + "  url: page\n", goals="")
    times = read(str(export), goals).hits.sort("line_no").get_column("ts").to_list()
    assert times == [
        datetime(2026, 11, 2, tzinfo=UTC),
        AT_0915 - timedelta(seconds=3),
        AT_0915 + timedelta(milliseconds=500),
        AT_0915,
    ]


@pytest.mark.parametrize(
    ("text", "zone", "expected"),
    [
        ("2026-11-02 10:15:03", ZoneInfo("Europe/Berlin"), AT_0915),
        ("2026-11-02 10:15:03", timezone(timedelta(hours=1)), AT_0915),
        ("2026-11-02 14:45:03", timezone(timedelta(hours=5, minutes=30)), AT_0915),
        ("2026-11-02T09:15:03Z", ZoneInfo("Europe/Berlin"), AT_0915),  # an offset wins
        ("2026-03-29 02:30:00", ZoneInfo("Europe/Berlin"), None),  # skipped by the clocks
        (
            "2026-10-25 02:30:00",  # happens twice: the earlier (summer time)
            ZoneInfo("Europe/Berlin"),
            datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
        ),
    ],
)
def test_naive_times_are_read_in_the_source_time_zone(
    text: str, zone: timezone | ZoneInfo, expected: datetime | None
) -> None:
    assert pl.select(iso8601(pl.lit(text), zone)).item() == expected


@pytest.mark.parametrize(
    ("value", "time_format", "expected"),
    [
        ("1793610000", "epoch_s", T0),
        ("1793610000.5", "epoch_s", T0 + timedelta(milliseconds=500)),
        (1793610000, "epoch_s", T0),
        (1793610000.25, "epoch_s", T0 + timedelta(milliseconds=250)),
        (1793610000123, "epoch_ms", T0 + timedelta(milliseconds=123)),
        ("1793610000000001", "epoch_us", T0 + timedelta(microseconds=1)),
        ("soon", "epoch_s", None),
    ],
)
def test_epoch_times(value: object, time_format: str, expected: datetime | None) -> None:
    series = pl.Series([value])
    assert pl.select(epoch(pl.lit(series), series.dtype, time_format)).item() == expected


def test_a_decimal_epoch_keeps_its_fraction_of_a_second() -> None:
    """A Parquet decimal column of epoch seconds reads as its value, as text and floats do."""
    series = pl.Series(["1793610000.75", "1793610001.25"]).cast(pl.Decimal(14, 2))
    read = pl.select(epoch(pl.lit(series), series.dtype, "epoch_s")).to_series().to_list()
    # 1,793,610,000 s after 1970 is 2026-11-02 09:00:00 UTC.
    assert read == [
        datetime(2026, 11, 2, 9, 0, 0, 750_000, tzinfo=UTC),
        datetime(2026, 11, 2, 9, 0, 1, 250_000, tzinfo=UTC),
    ]


@pytest.mark.parametrize(("value", "day"), [("1e30", (10000, 1, 1)), (-1e30, (1, 1, 1))])
def test_an_epoch_past_any_datetime_is_a_time_past_the_supported_ones(
    value: object, day: tuple[int, int, int]
) -> None:
    """Not a missing time: the row is malformed as ``time out of range``, not ``no valid
    time``. The year 10000 on one side, the day before the first supported one on the other."""
    series = pl.Series([value])
    when = pl.select(epoch(pl.lit(series), series.dtype, "epoch_s").alias("t")).select(
        pl.col("t").dt.year().alias("year"),
        pl.col("t").dt.month().alias("month"),
        pl.col("t").dt.day().alias("day"),
    )
    assert when.row(0) == day


def test_strftime_times_in_a_time_zone_and_the_period_in_that_zone(tmp_path: Path) -> None:
    export = tmp_path / "berlin.csv"
    export.write_text(
        "when,who,page\n"
        "02.11.2026 09:59:00,u1,/a\n"  # 08:59 UTC: before the period
        "02.11.2026 10:00:00,u1,/b\n"  # 09:00 UTC
        "02.11.2026 23:30:00,u2,/c\n"  # 22:30 UTC
        "03.11.2026 00:30:00,u3,/d\n"  # the next day in Berlin: after the period
    )
    source = """source:
  timestamp: {column: when, format: '%d.%m.%Y %H:%M:%S'}
  timezone: Europe/Berlin
  user_id: who
  url: page
"""
    goals = goals_file(tmp_path, source, goals="")
    data = report_json(
        str(export), "--goals", goals, "--since", "2026-11-02T10:00", "--until", "2026-11-02"
    )
    assert (
        data["period"].items()
        >= {
            "start": "2026-11-02T09:00:00Z",
            "end": "2026-11-02T23:00:00Z",
        }.items()
    )
    assert data["input"] == {
        "lines": 4,
        "files": 1,
        "format": "csv",
        "malformed": 0,
        "out_of_period": 2,
        "skipped": 0,
        "page": 2,
        "event": 0,
    }


# --- errors -------------------------------------------------------------------------------------

TINY_SOURCE = "source:\n  timestamp: t\n  user_id: u\n"


def _half_a_parquet(path: Path) -> None:
    pl.DataFrame({"t": ["2026-11-02T09:00:00Z"], "u": ["a"]}).write_parquet(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("e.parquet", _half_a_parquet, "e.parquet: cannot read as Parquet: parquet: "),
        ("e.parquet", b"t,u\n2026-11-02T09:00:00Z,a\n", "e.parquet: cannot read as Parquet: "),
        ("e.csv", b"\x7fELF\x02\x01\x01\x00\x00\x00,t,u\n", "e.csv: not a CSV file (binary data)"),
        (
            "e.csv",
            b't,u\n2026-11-02T09:00:00Z,a\n2026-11-02T09:00:01Z,"b\n',
            "e.csv: cannot read as CSV: a quoted field of row 2 is never closed",
        ),
        ("e.csv.gz", b"\x1f\x8b\x08\x00 not gzip", "e.csv.gz: cannot decompress"),
    ],
    ids=["truncated parquet", "csv named parquet", "binary csv", "open quote", "corrupt gzip"],
)
def test_corrupt_files_exit_1_with_one_line(
    tmp_path: Path, name: str, content: object, message: str
) -> None:
    export = tmp_path / name
    if isinstance(content, bytes):
        export.write_bytes(content)
    else:
        content(export)  # type: ignore[operator]
    result = run(str(export), "--goals", goals_file(tmp_path, TINY_SOURCE, goals=""))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"micromacro: error: {export.parent}/{message}")
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_a_missing_mapped_column_names_it_and_the_columns_there_are(tmp_path: Path) -> None:
    result = run(SHOP_CSV, "--goals", goals_file(tmp_path, NDJSON_SOURCE))
    assert result.exit_code == 2
    assert result.stderr == (
        f"micromacro: error: {SHOP_CSV}: no columns 'ts', 'user.id', 'user.anonymous_id', "
        "'properties.category', 'properties.value', 'page.url', 'page.referrer' (its columns: "
        "event_time, user_id, anonymous_id, event, category, value, page_url, referrer, "
        "utm_source)\n"
    )


def test_a_missing_struct_field_names_the_fields_there_are(tmp_path: Path) -> None:
    source = NDJSON_SOURCE.replace("url: page.url", "url: page.link")
    result = run(SHOP_NDJSON, "--goals", goals_file(tmp_path, source))
    assert result.exit_code == 2
    assert result.stderr == (
        f"micromacro: error: {SHOP_NDJSON}: no column 'page.link' (page has: url, referrer)\n"
    )


def test_a_struct_is_not_a_value(tmp_path: Path) -> None:
    source = NDJSON_SOURCE.replace("url: page.url", "url: page")
    result = run(SHOP_NDJSON, "--goals", goals_file(tmp_path, source))
    assert result.exit_code == 1
    assert result.stderr == (
        f"micromacro: error: {SHOP_NDJSON}: column 'page' is a struct, not a value "
        "(name one of its fields, like page.url)\n"
    )


def test_numbers_as_times_need_an_epoch_format(tmp_path: Path) -> None:
    export = tmp_path / "numbers.ndjson"
    export.write_text('{"ts": 1793610000000, "user": "u1"}\n')
    source = "source:\n  timestamp: ts\n  user_id: user\n"
    result = run(str(export), "--goals", goals_file(tmp_path, source, goals=""))
    assert result.exit_code == 1
    assert result.stderr == (
        f"micromacro: error: {export}: the timestamp column 'ts' holds numbers: give its format "
        "in the source section (epoch_s, epoch_ms or epoch_us)\n"
    )


def test_an_export_where_no_row_is_usable_exits_1(tmp_path: Path) -> None:
    export = tmp_path / "words.csv"
    export.write_text("t,u\nsoon,a\nlater,a\n")
    result = run(str(export), "--goals", goals_file(tmp_path, TINY_SOURCE, goals=""))
    assert result.exit_code == 1
    assert result.stderr == (
        "micromacro: error: no row of the export has a valid time and a user or anonymous id "
        f"(first: {export}: row 1, no valid time in 't': 'soon'); check the source section of "
        "the goals file\n"
    )


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "-",
            "an event export on stdin (-) needs its format: set format: csv, ndjson or parquet "
            "in the source section of the goals file",
        ),
        (
            "events.txt",
            "events.txt: cannot tell the export format from the file name (expected .csv, "
            ".ndjson, .jsonl, .json or .parquet; or set format: in the source section of the "
            "goals file)",
        ),
    ],
)
def test_a_format_that_cannot_be_told_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "events.txt").write_text("t,u\n2026-11-02T09:00:00Z,a\n")
    result = run(name, "--goals", goals_file(tmp_path, TINY_SOURCE, goals=""), stdin=b"t,u\n")
    assert result.exit_code == 2
    assert result.stderr == f"micromacro: error: {message}\n"


def test_an_empty_export_is_a_report_of_zeros(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    header_only = tmp_path / "header.csv"
    header_only.write_text("t,u\n")
    goals = goals_file(tmp_path, TINY_SOURCE, goals="")
    for export in (empty, header_only):
        result = run(str(export), "--goals", goals, "--format", "json")
        assert result.exit_code == 0
        assert "warning: the input is empty: no rows to report on" in result.stderr
        assert json.loads(result.stdout)["summary"]["sessions"] == 0


def test_access_log_options_are_ignored_with_a_warning(tmp_path: Path) -> None:
    goals = goals_file(tmp_path, CSV_SOURCE)
    result = run(SHOP_CSV, "--goals", goals, "--include-bots", "--bot-pattern", "x")
    assert result.exit_code == 0
    assert (
        "micromacro: warning: --include-bots, --bot-pattern: not applicable to event exports "
        "(ignored)\n" in result.stderr
    )


def test_hit_memory_given_with_an_export_is_said_to_be_ignored(tmp_path: Path) -> None:
    """An export's rows are held whole, never spilled: a --hit-memory given says so; the
    default, not given, says nothing."""
    goals = goals_file(tmp_path, CSV_SOURCE)
    warning = "micromacro: warning: --hit-memory: an event export's rows are held in memory "
    given = run(SHOP_CSV, "--goals", goals, "--format", "json", "--hit-memory", "1K")
    assert given.exit_code == 0
    assert f"{warning}whole (ignored)\n" in given.stderr
    assert warning not in run(SHOP_CSV, "--goals", goals, "--format", "json").stderr
    assert given.stdout == run(SHOP_CSV, "--goals", goals, "--format", "json").stdout


def test_hostile_values_are_counted_and_shown_inert(tmp_path: Path) -> None:
    export = tmp_path / "hostile.csv"
    export.write_bytes(
        b"t,u,event,page\n"
        b'2026-11-02T09:00:00Z,u1,"\x1b[31m[red]x[/red] <script>\x00",/\xff\xfe\n'
        b'2026-11-02T09:00:01Z,"\x1b[2J[link=http://e]u2",,"/a\x1b[2J[bold]b"\n'
        b"\x1b[31m,u3,,/\n"
    )
    source = "source:\n  timestamp: t\n  user_id: u\n  event_name: event\n  url: page\n"
    goals = (
        "goals:\n  - name: '[red]x[/red] <script>'\n    kind: macro\n    event:\n"
        "      name: {contains: '[red]'}\n"
    )
    result = run(str(export), "--goals", goals_file(tmp_path, source, goals=goals))
    assert result.exit_code == 0
    output = result.stdout + result.stderr
    assert "\x1b" not in output
    assert "\x00" not in output
    assert "[red]x[/red] <script>" in result.stdout
    assert "no valid time in 't': '\\x1b[31m'" in result.stderr
    data = report_json(str(export), "--goals", goals_file(tmp_path, source, goals=goals), "-q")
    counts = data["input"]
    assert isinstance(counts, dict)
    # Row 1 has an event name (an event), row 2 only a page, row 3 no valid time.
    assert (counts["page"], counts["event"], counts["malformed"]) == (1, 1, 1)
    assert data["goals"][0]["conversions"] == 1  # type: ignore[index]


# --- revenue and currency ----------------------------------------------------------------------

SEGMENT_REVENUE = (
    str(FIXTURES / "segment_revenue.ndjson"),
    str(FIXTURES / "segment_revenue_goals.yaml"),
)


def test_ga4_preset_revenue_and_currency() -> None:
    """ga4_revenue.ndjson's counted rows: purchase_revenue where it holds a number, else the
    value parameter (T3: purchase_revenue null, value int_value "35"; add_to_cart: no ecommerce,
    value 40.0); event_params.currency upper-cased ("eur" is EUR); the tax column that a goal
    takes its value from is carried as a number. The session_start row is a hit of its session
    only, with no revenue."""
    hits = read(str(FIXTURES / "ga4_revenue.ndjson"), str(FIXTURES / "ga4_revenue_goals.yaml")).hits
    rows = hits.select("event_name", "revenue", "currency", "ecommerce.tax_value").rows()
    assert rows == [
        ("session_start", None, None, None),
        ("page_view", None, None, None),
        ("add_to_cart", 40.0, "EUR", None),
        ("purchase", 59.9, "EUR", 9.56),
        ("purchase", 20.0, "EUR", 3.19),
        ("page_view", None, None, None),
        ("purchase", 35.0, "EUR", None),
        ("page_view", None, None, None),
        ("purchase", 100.0, "USD", 16.0),
        ("page_view", None, None, None),
    ]


def test_segment_preset_revenue_and_currency() -> None:
    """segment_revenue.ndjson's counted rows: properties.revenue where it holds a number, else
    properties.total (order 2: no revenue, total "30"; order 3: revenue "n/a", total 12);
    properties.currency upper-cased."""
    hits = read(*SEGMENT_REVENUE).hits
    rows = hits.filter(pl.col("kind") == "event").select("event_name", "revenue", "currency")
    assert rows.rows() == [
        ("Order Completed", 25.0, "USD"),
        ("Order Completed", 30.0, "USD"),
        ("Order Completed", 12.0, "USD"),
        ("Order Completed", 40.0, "EUR"),
        ("Product Added", None, "EUR"),
    ]


def test_a_value_column_missing_from_the_file_is_a_configuration_error(tmp_path: Path) -> None:
    goals = tmp_path / "goals.yaml"
    goals.write_text(
        "source: {preset: ga4}\n"
        "goals:\n"
        "  - {name: buy, kind: macro, event: {name: purchase},\n"
        "     value: {from: ecommerce.tax_value}}\n"
    )
    result = CliRunner().invoke(cli, ["report", GA4, "--goals", str(goals)])
    assert result.exit_code == 2
    assert "no column 'ecommerce.tax_value'" in result.stderr


def test_session_only_rows_are_no_funnel_steps(tmp_path: Path) -> None:
    # A user_engagement row between two pageviews does not break "directly followed by".
    def row(seconds: int, name: str, page: str | None = None) -> str:
        params = [{"key": "ga_session_id", "value": {"int_value": "1793620800"}}]
        if page is not None:
            params.append({"key": "page_location", "value": {"string_value": page}})
        stamp = str(1793620800_000000 + seconds * 1_000_000)
        return json.dumps(
            {"event_timestamp": stamp, "event_name": name, "user_pseudo_id": "7.7",
             "event_params": params}
        )  # fmt: skip

    events = tmp_path / "strict.ndjson"
    lines = [row(0, "session_start"), row(0, "page_view", "https://shop.example/a"),
             row(5, "user_engagement"), row(10, "page_view", "https://shop.example/b")]  # fmt: skip
    events.write_text("\n".join(lines) + "\n")
    funnel = "funnels:\n  - name: ab\n    order: strict\n    steps: [/a, /b]\n"
    goals = goals_file(tmp_path, "source:\n  preset: ga4\n", goals=funnel)
    data = report_json(str(events), "--goals", goals, "-q")
    assert [s["reached"] for s in data["funnels"][0]["steps"]] == [1, 1]  # type: ignore[index]
    assert data["summary"]["avg_session_duration_s"] == 10.0  # type: ignore[index]


def test_first_hit_dimensions_come_from_the_first_pageview_or_event(ga4: dict[str, object]) -> None:
    # S1's first_visit and session_start (before its tagged page_view in file order, with no
    # URL) are not its first hit: S1 is an Email session, as its landing page says.
    traffic = ga4["traffic"]
    assert isinstance(traffic, dict)
    channels = {row["channel"]: row["sessions"] for row in traffic["channels"]}
    assert channels == {"Direct": 3, "Email": 1}


def test_ga4_engaged_sessions(tmp_path: Path) -> None:
    """Five one-page sessions of one device, each a page_view and a user_engagement 30 s later:
    engagement 12 s (engaged), 9 s (not: the 30 s between the rows do not count), 10 s exactly
    (engaged), 3 s with session_engaged "1" on its user_engagement (engaged: GA4 says so), and
    3 s with session_engaged "0" (not). Engaged 3 of 5; all five are bounces."""

    def row(session: int, seconds: int, name: str, params: dict[str, object]) -> str:
        start = 1793620800 + session * 3600
        entries = [{"key": "ga_session_id", "value": {"int_value": str(start)}}]
        for key, value in params.items():
            kind = "int_value" if isinstance(value, int) else "string_value"
            entries.append({"key": key, "value": {kind: value}})
        stamp = str((start + seconds) * 1_000_000)
        return json.dumps(
            {"event_timestamp": stamp, "event_name": name, "user_pseudo_id": "7.7",
             "event_params": entries}
        )  # fmt: skip

    engagements: list[dict[str, object]] = [
        {"engagement_time_msec": 12000},
        {"engagement_time_msec": 9000},
        {"engagement_time_msec": 10000},
        {"engagement_time_msec": 3000, "session_engaged": "1"},
        {"engagement_time_msec": 3000, "session_engaged": "0"},
    ]
    lines = []
    for session, params in enumerate(engagements):
        lines.append(row(session, 0, "page_view", {"page_location": "https://shop.example/"}))
        lines.append(row(session, 30, "user_engagement", params))
    events = tmp_path / "engaged.ndjson"
    events.write_text("\n".join(lines) + "\n")
    goals = goals_file(tmp_path, "source:\n  preset: ga4\n", goals="")
    summary = report_json(str(events), "--goals", goals, "-q")["summary"]
    assert isinstance(summary, dict)
    assert (summary["sessions"], summary["bounce_rate"]) == (5, 1.0)
    assert (summary["engaged_sessions"], summary["engagement_rate"]) == (3, 0.6)


def test_the_ga4_preset_on_a_flattened_export_says_its_pages_have_no_url(tmp_path: Path) -> None:
    """A query's result saved as CSV names GA4's columns its own way (``page_location`` as a
    column, not a key of ``event_params``): every pageview has no URL, which is said, as a
    mapping of the user's left empty is; the nested export is read without a word."""
    flat = tmp_path / "ga4_flat.csv"
    flat.write_text(
        "event_timestamp,event_name,user_pseudo_id,page_location\n"
        "1793610000000000,page_view,p1,https://shop.example.com/\n"
        "1793610030000000,page_view,p1,https://shop.example.com/cart\n"
    )
    goals = goals_file(tmp_path, "source:\n  preset: ga4\n", goals="")
    result = run(str(flat), "--goals", goals, "--no-cache", "--format", "json")
    assert result.exit_code == 0
    assert (
        "micromacro: warning: source: no pageview read has a URL where the ga4 preset reads "
        "it: the file may not hold the ga4 export's own columns (a query's result saved flat "
        "names its own): map them in the source section (url: and the others)\n"
    ) in result.stderr
    mapped = goals_file(tmp_path, "source:\n  preset: ga4\n  url: page_location\n", goals="")
    result = run(str(flat), "--goals", mapped, "--no-cache", "--format", "json")
    assert "no pageview read has a URL" not in result.stderr
    assert json.loads(result.stdout)["summary"]["pageviews"] == 2
    nested = run(GA4, "--goals", goals, "--no-cache", "--format", "json")
    assert "no pageview read has a URL" not in nested.stderr


def test_times_written_as_numbers_ask_for_an_epoch_format(tmp_path: Path) -> None:
    source = "source:\n  timestamp: t\n  user_id: u\n  event_name: event\n"
    goals = goals_file(tmp_path, source, goals="")
    hint = (
        "times in 't' are numbers: name their unit in the source section, "
        "timestamp: {column: t, format: epoch_s} (or epoch_ms, epoch_us)"
    )
    # Numbers of a time's length name their unit: 10 digits seconds, 16 microseconds (GA4's).
    for digits, unit, what in ((10, "epoch_s", "seconds"), (16, "epoch_us", "microseconds")):
        every = tmp_path / f"every{digits}.csv"
        first, second = "1764500000".ljust(digits, "0"), "1764500100".ljust(digits, "0")
        every.write_text(f"t,u,event\n{first},u1,view\n{second}.5,u1,buy\n")
        result = run(str(every), "--goals", goals, "--no-cache")
        assert result.exit_code == 1
        advice = (
            f"times in 't' are numbers: numbers of their length count {what}, "
            f"timestamp: {{column: t, format: {unit}}}"
        )
        assert result.stderr == (
            "micromacro: error: no row of the export has a valid time and a user or anonymous "
            f"id (first: {every}: row 1, no valid time in 't': '{first}'); {every}: {advice}\n"
        )
    # One row of three is a number: the others are read, and the hint is a warning, the same
    # whether the rows come from the file or from the hit cache.
    some = tmp_path / "some.csv"
    some.write_text(
        "t,u,event\n2026-11-02T09:00:00Z,u1,view\n 17645 ,u1,buy\n2026-11-02T09:01:00Z,u1,x\n"
    )
    for _ in range(2):
        result = run(str(some), "--goals", goals, "--cache", str(tmp_path / "cache"))
        assert result.exit_code == 0
        assert f"micromacro: warning: {some}: {hint}\n" in result.stderr
        assert f"{some}: row 2: malformed row: no valid time in 't': ' 17645 '\n" in result.stderr
    # A time in text that is not a number gets no hint, nor does a number under a strftime
    # format (it is the wrong pattern, not a missing unit).
    words = tmp_path / "words.csv"
    words.write_text("t,u,event\nsoon,u1,view\n2026-11-02T09:00:00Z,u1,buy\n")
    assert "are numbers" not in run(str(words), "--goals", goals, "--no-cache").stderr
    pattern = "source:\n  timestamp: {column: t, format: '%Y%m%d'}\n  user_id: u\n"
    strftime = goals_file(tmp_path, pattern, goals="", name="p.yaml")
    result = run(str(some), "--goals", strftime, "--no-cache")
    assert "are numbers" not in result.stderr


def test_a_mapped_column_the_header_names_twice_is_a_config_error(tmp_path: Path) -> None:
    export = tmp_path / "dup.csv"
    export.write_text("ts,user_id,user_id,event,event\n2026-11-02T10:00:00Z,a,b,view,x\n")
    source = "source:\n  timestamp: ts\n  user_id: user_id\n  event_name: event\n"
    result = run(str(export), "--goals", goals_file(tmp_path, source, goals=""), "--no-cache")
    assert result.exit_code == 2
    assert result.stderr == "".join(
        f"micromacro: error: {export}: the header names column {name!r} more than once: rename "
        "all but the one to read\n"
        for name in ("user_id", "event")
    )
    # A repeated column no mapping names is no matter.
    export.write_text("ts,user_id,note,note\n2026-11-02T10:00:00Z,a,b,c\n")
    source = "source:\n  timestamp: ts\n  user_id: user_id\n"
    result = run(str(export), "--goals", goals_file(tmp_path, source, goals=""), "--no-cache")
    assert result.exit_code == 0, result.stderr


def test_a_csv_header_has_the_names_it_writes_not_polars_made_up_ones(tmp_path: Path) -> None:
    export = tmp_path / "dup.csv"
    export.write_text("t,u,e,e\n2026-11-02T10:00:00Z,a,x,y\n")
    # Polars names the second 'e' 'e_duplicated_0': the file has no such column, and the
    # error lists the columns as its header writes them.
    for name in ("name", "e_duplicated_0"):
        source = f"source:\n  timestamp: t\n  user_id: u\n  event_name: {name}\n"
        result = run(str(export), "--goals", goals_file(tmp_path, source, goals=""), "--no-cache")
        assert result.exit_code == 2
        assert result.stderr == (
            f"micromacro: error: {export}: no column {name!r} (its columns: t, u, e (twice))\n"
        )
    # A header that writes 'e_duplicated_0' has that column, and 'e' once; a header's
    # doubled quote is one quote of the name ("e""q" is e"q), as in any CSV field.
    export.write_text('t,u,e,e_duplicated_0,"e""q"\n2026-11-02T10:00:00Z,a,x,y,z\n')
    names = {"e": "x", "e_duplicated_0": "y", "'e\"q'": "z"}
    for name, event in names.items():
        source = f"source:\n  timestamp: t\n  user_id: u\n  event_name: {name}\n"
        hits = read(str(export), goals_file(tmp_path, source, goals="")).hits
        assert hits.get_column("event_name").to_list() == [event]
    # Three of one name are counted so.
    export.write_text("t,u,e,e,e\n2026-11-02T10:00:00Z,a,x,y,z\n")
    source = "source:\n  timestamp: t\n  user_id: u\n  event_name: name\n"
    result = run(str(export), "--goals", goals_file(tmp_path, source, goals=""), "--no-cache")
    assert result.stderr == (
        f"micromacro: error: {export}: no column 'name' (its columns: t, u, e (3 times))\n"
    )


def test_an_export_column_not_kept_is_no_dimension_and_the_error_says_how(tmp_path: Path) -> None:
    """--by a column of the export that keep: does not list: a usage error that says how to
    make it one (the SPEC lets any column of an export be a dimension, once kept)."""
    result = run(GA4, "--goals", GA4_GOALS, "--by", "geo.country", "-q")
    assert result.exit_code == 2
    assert result.stderr.startswith("micromacro: error: unknown dimension 'geo.country' for --by")
    assert result.stderr.endswith(
        "; a column of the event export is one once the goals file's source: section lists it "
        "under keep:\n"
    )


@pytest.mark.parametrize(
    ("time_format", "time", "unit", "counts"),
    [
        # 13 digits, given as seconds: the year 58,807; as milliseconds 2026-11-02.
        ("epoch_s", "1793610000123", "epoch_ms", "milliseconds"),
        # 16 digits, given as milliseconds.
        ("epoch_ms", "1793610000123456", "epoch_us", "microseconds"),
    ],
)
def test_epoch_times_out_of_range_name_the_unit_their_length_counts(
    tmp_path: Path, time_format: str, time: str, unit: str, counts: str
) -> None:
    source = f"source:\n  timestamp: {{column: t, format: {time_format}}}\n  user_id: u\n"
    goals = goals_file(tmp_path, source, goals="")
    export = tmp_path / "events.csv"
    export.write_text(f"t,u\n{time},u1\n")
    result = run(str(export), "--goals", goals, "--no-cache", "-q")
    assert result.exit_code == 1
    assert result.stderr.endswith(
        f"{export}: times in 't' are out of range as {time_format}: numbers of their length "
        f"count {counts}, timestamp: {{column: t, format: {unit}}}\n"
    )


@pytest.mark.parametrize(
    ("time_format", "times", "day", "unit", "counts"),
    [
        # 10 digits, given as milliseconds: 21 January 1970; as seconds 2026-11-02.
        ("epoch_ms", ["1793610000", "1793610060"], "1970-01-21", "epoch_s", "seconds"),
        # As microseconds: half an hour after midnight on 1 January 1970.
        ("epoch_us", ["1793610000", "1793610060"], "1970-01-01", "epoch_s", "seconds"),
        # 13 digits, given as microseconds: 21 January 1970.
        ("epoch_us", ["1793610000123", "1793610060456"], "1970-01-21", "epoch_ms", "milliseconds"),
    ],
)
def test_epoch_times_of_the_1970s_name_the_unit_their_length_counts(
    tmp_path: Path, time_format: str, times: list[str], day: str, unit: str, counts: str
) -> None:
    """Times in too small a unit are no error (1970 is a time), and were read silently: the
    report is of January 1970, or of nothing in the period asked for."""
    source = f"source:\n  timestamp: {{column: t, format: {time_format}}}\n  user_id: u\n"
    goals = goals_file(tmp_path, source, goals="")
    export = tmp_path / "events.csv"
    export.write_text("t,u\n" + "".join(f"{time},u1\n" for time in times))
    result = run(str(export), "--goals", goals, "--no-cache", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["period"]["first_hit"].startswith(f"{day}T")
    assert (
        f"micromacro: warning: {export}: times in 't' read as {time_format} are all in the "
        f"1970s: numbers of their length count {counts}, timestamp: {{column: t, format: "
        f"{unit}}}\n"
    ) in result.stderr


def test_epoch_times_of_this_century_are_no_warning(tmp_path: Path) -> None:
    source = "source:\n  timestamp: {column: t, format: epoch_ms}\n  user_id: u\n"
    goals = goals_file(tmp_path, source, goals="")
    export = tmp_path / "events.csv"
    export.write_text("t,u\n1793610000123,u1\n")
    result = run(str(export), "--goals", goals, "--no-cache", "--format", "json")
    assert result.exit_code == 0
    assert "1970s" not in result.stderr


def test_a_csv_of_semicolons_is_named_as_one(tmp_path: Path) -> None:
    """A spreadsheet's CSV in many languages is separated by ``;``: read as one column, its
    mapped columns are missing, and the error says why."""
    source = "source:\n  timestamp: t\n  user_id: u\n"
    goals = goals_file(tmp_path, source, goals="")
    export = tmp_path / "events.csv"
    export.write_text("t;u\n2026-11-02T10:00:00Z;u1\n")
    result = run(str(export), "--goals", goals, "--no-cache", "-q")
    assert result.exit_code == 2
    assert result.stderr == (
        f"micromacro: error: {export}: no columns 't', 'u' (its columns: t;u: a CSV export is "
        "separated by commas, not ; or tabs)\n"
    )


def test_a_field_of_a_list_says_an_export_is_one_row_a_hit(tmp_path: Path) -> None:
    """Matomo's visit log holds each visit's actions as a list: a field of its items names no
    column, and the error says why, not only which columns the file has."""
    source = "source:\n  timestamp: actions.t\n  user_id: visitor\n  url: actions.url\n"
    goals = goals_file(tmp_path, source, goals="")
    export = tmp_path / "visits.ndjson"
    export.write_text(
        '{"visitor": "v1", "actions": [{"t": "2026-11-02T10:00:00Z", "url": "https://a.example/"},'
        ' {"t": "2026-11-02T10:01:00Z", "url": "https://a.example/b"}]}\n'
    )
    result = run(str(export), "--goals", goals, "--no-cache", "-q")
    assert result.exit_code == 2
    assert result.stderr == (
        f"micromacro: error: {export}: no columns 'actions.t', 'actions.url' (actions is a list, "
        "several values a row: an export is read one row a hit, so make a row of each item "
        "first (with jq, say))\n"
    )
