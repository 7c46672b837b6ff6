"""Sessions with and without input session ids: one rule for every input (README, "Visitors and
sessions"), against hand-worked examples and a brute-force reference
(``tests/session_reference.py``).
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from micromacro.cli import cli
from micromacro.hit_schema import (
    ENCODED_COLUMNS,
    SESSION_ENCODED_COLUMNS,
    compact_strings,
    decode_strings,
)
from micromacro.sessions import session_table, sessionize
from tests.helpers import NO_REVENUE
from tests.session_reference import RefHit, sessions_of

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
FILES = ("a.ndjson", "b.ndjson")


def hit_frame(hits: list[RefHit]) -> pl.DataFrame:
    """The columns ``sessionize`` reads, one row per hit."""
    return pl.DataFrame(
        {
            "visitor": [str(h.visitor) for h in hits],
            "session_id": [h.session_id for h in hits],
            "ts": [T0 + timedelta(seconds=h.ts) for h in hits],
            "source_file": [FILES[h.file_rank] for h in hits],
            "line_no": [h.line_no for h in hits],
        },
        schema={
            "visitor": pl.String,
            "session_id": pl.String,
            "ts": pl.Datetime("us", "UTC"),
            "source_file": pl.Enum(FILES),
            "line_no": pl.UInt32,
        },
    )


def sessions(hits: list[RefHit], timeout_s: float = 1800) -> list[frozenset[tuple[int, int]]]:
    """The sessions ``sessionize`` makes of ``hits``, each as the set of its (file, line)."""
    frame = sessionize(hit_frame(hits), timeout_s=timeout_s)
    found: dict[int, set[tuple[int, int]]] = {}
    for session, source_file, line_no in frame.select(
        "session", pl.col("source_file").to_physical(), "line_no"
    ).iter_rows():
        found.setdefault(session, set()).add((source_file, line_no))
    return sorted((frozenset(s) for s in found.values()), key=sorted)


def keyed(session_id: str, ts: float, line_no: int, visitor: str = "v") -> RefHit:
    return RefHit(visitor, session_id, ts, 0, line_no)


def bare(ts: float, line_no: int, visitor: str = "v") -> RefHit:
    return RefHit(visitor, None, ts, 0, line_no)


def lines(*groups: tuple[int, ...]) -> list[frozenset[tuple[int, int]]]:
    return sorted((frozenset((0, n) for n in group) for group in groups), key=sorted)


# --- hand-worked cases ---------------------------------------------------------------------------


def test_a_row_without_an_id_joins_the_nearest_keyed_hit_within_the_timeout() -> None:
    # Session s: 10:00 and 10:10 (as seconds from 09:00: 3600, 4200). Line 3 is 20 min after
    # the last keyed hit, line 4 25 min before the first, line 5 31 min after the last.
    hits = [keyed("s", 3600, 1), keyed("s", 4200, 2), bare(5400, 3), bare(2100, 4), bare(6060, 5)]
    assert sessions(hits) == lines((1, 2, 3, 4), (5,))


def test_a_row_far_before_a_keyed_session_is_a_session_of_its_own() -> None:
    # The order by session id put such a row after the keyed ones; a negative gap counted as
    # within 30 minutes.
    hits = [bare(-15 * 3600, 1), keyed("s", 0, 2), keyed("s", 70, 3)]
    assert sessions(hits) == lines((1,), (2, 3))


def test_between_two_keyed_sessions_the_nearer_one_wins_and_a_tie_goes_to_the_earlier() -> None:
    # s ends at 0, t starts at 1200: line 3 (400) is nearer s, line 4 (700) nearer t, line 5
    # (600) is 600 s from both and joins s, the session before it.
    hits = [keyed("s", 0, 1), keyed("t", 1200, 2), bare(400, 3), bare(700, 4), bare(600, 5)]
    assert sessions(hits) == lines((1, 3, 5), (2, 4))


def test_rows_without_ids_follow_the_inactivity_rule_among_themselves() -> None:
    # Keyed session at 0. Leftovers at 2000, 3000 (16:40 apart: together), 5000 (33:20 after
    # 3000: a new session); 1700 joins the keyed session (28:20 after it).
    hits = [keyed("s", 0, 1), bare(2000, 2), bare(3000, 3), bare(5000, 4), bare(1700, 5)]
    assert sessions(hits) == lines((1, 5), (2, 3), (4,))


def test_keyed_rows_keep_their_session_however_far_apart_and_visitors_stay_apart() -> None:
    hits = [
        keyed("s", 0, 1),
        keyed("s", 86_400, 2),
        keyed("s", 60, 3, visitor="w"),  # the same id, another visitor: another session
        bare(30, 4, visitor="w"),
        bare(40, 5, visitor="x"),  # near s, but another visitor's
    ]
    assert sessions(hits) == lines((1, 2), (3, 4), (5,))


def test_keyed_hits_at_the_same_time_the_nearest_in_hit_order_wins() -> None:
    # s and t both have a hit at 100; line 3 (at 100) lies between them in file order: the
    # keyed hit before it (s, line 2) wins the tie. Line 5 at 200 takes t's line 4 at 100.
    hits = [keyed("t", 100, 4), keyed("s", 100, 2), bare(100, 3), bare(200, 5)]
    assert sessions(hits) == lines((2, 3), (4, 5))


def test_sessions_are_numbered_in_visitor_then_start_order_and_hits_grouped() -> None:
    # Two overlapping keyed sessions of one visitor, as on two devices: z starts first.
    hits = [keyed("a", 100, 1), keyed("z", 50, 2), keyed("a", 300, 3), keyed("z", 200, 4)]
    frame = sessionize(hit_frame(hits))
    assert frame.select("session", "line_no").rows() == [(0, 2), (0, 4), (1, 1), (1, 3)]


# --- the issue's case, end to end --------------------------------------------------------------

ISSUE_GOALS = """source:
  preset: ga4
goals:
  - name: add_to_cart
    kind: micro
    event: {name: add_to_cart}
  - name: long_visit
    kind: macro
    duration: {greater_than: 5m}
"""


def ga4_event(name: str, at: datetime, session: int | None, page: str | None = None) -> str:
    params: list[dict[str, object]] = []
    if session is not None:
        params.append({"key": "ga_session_id", "value": {"int_value": str(session)}})
    if page is not None:
        location = f"https://shop.example.com{page}"
        params.append({"key": "page_location", "value": {"string_value": location}})
    micros = int(at.timestamp()) * 1_000_000
    return json.dumps(
        {
            "event_timestamp": str(micros),
            "event_name": name,
            "event_params": params,
            "user_pseudo_id": "1001.1",
        }
    )


def test_a_ga4_page_view_without_a_session_id_15_hours_earlier_is_its_own_session(
    tmp_path: Path,
) -> None:
    """One device. 2026-11-01 18:00 UTC: page_view /guide with no ga_session_id. Session
    S = 2026-11-02 09:00 (ga_session_id 1793610000): session_start (session only), page_view /
    at 09:00:00, page_view /products at 09:00:40, add_to_cart at 09:01:10.

    The id-less page view is 15 h (54,000 s) before the nearest keyed hit: a session of its own,
    a bounce of 0 s. S: 2 pageviews, 1 event, 70 s. So sessions 2, visitors 1, pageviews 3,
    events 1, bounce rate 1/2, average duration (0 + 70) / 2 = 35 s, pages per session 1.5;
    long_visit (> 5 min) converts no session (merged, it was one session of 54,070 s that
    did); add_to_cart converts S: micro 1/2, macro 0/2. Engaged: S (2 pageviews); the lone
    page view reports no engagement time: 1/2.
    """
    start = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    session = int(start.timestamp())
    assert session == 1793610000
    rows = [
        ga4_event("page_view", start - timedelta(hours=15), None, "/guide"),
        ga4_event("session_start", start, session),
        ga4_event("page_view", start, session, "/"),
        ga4_event("page_view", start + timedelta(seconds=40), session, "/products"),
        ga4_event("add_to_cart", start + timedelta(seconds=70), session),
    ]
    export = tmp_path / "events.ndjson"
    export.write_text("\n".join(rows) + "\n")
    goals = tmp_path / "goals.yaml"
    goals.write_text(ISSUE_GOALS)
    result = CliRunner().invoke(
        cli, ["report", str(export), "--goals", str(goals), "--format", "json", "-q"]
    )
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["summary"] == {
        "visitors": 1,
        "sessions": 2,
        "pageviews": 3,
        "events": 1,
        "bounce_rate": 0.5,
        "avg_session_duration_s": 35.0,
        "pages_per_session": 1.5,
        "macro_sessions": 0,
        "macro_conversion_rate": 0.0,
        "micro_sessions": 1,
        "micro_conversion_rate": 0.5,
        **NO_REVENUE,
        "engaged_sessions": 1,
        "engagement_rate": 0.5,
    }
    converting = {g["name"]: g["converting_sessions"] for g in report["goals"]}
    assert converting == {"add_to_cart": 1, "long_visit": 0}


# --- the property: any input order, rows without ids anywhere, as the reference ----------------

TIMEOUT_S = 1800


@st.composite
def keyed_and_bare_hits(draw: st.DrawFn) -> list[RefHit]:
    """Visitors with keyed sessions (hits spread over up to 3 hours) and id-less rows at random
    times around them, on whole seconds and on a coarse grid so that ties and gaps of exactly the
    timeout occur."""
    hits: list[RefHit] = []
    for visitor in draw(st.lists(st.sampled_from("uvw"), min_size=1, max_size=3, unique=True)):
        for session in draw(st.lists(st.sampled_from("abc"), max_size=3, unique=True)):
            for _ in range(draw(st.integers(1, 4))):
                at = draw(st.integers(0, 36) | st.integers(0, 180)) * 60
                hits.append(RefHit(visitor, f"{visitor}{session}", at, draw(st.integers(0, 1)), 0))
        for _ in range(draw(st.integers(0, 8))):
            at = draw(st.integers(-60, 240)) * 60 + draw(st.sampled_from([0, 0, 0, 1, 30]))
            hits.append(RefHit(visitor, None, at, draw(st.integers(0, 1)), 0))
    # Line numbers unique per file, in a random relation to time.
    numbers = draw(st.permutations(range(1, len(hits) + 1)))
    return [
        RefHit(h.visitor, h.session_id, h.ts, h.file_rank, n)
        for h, n in zip(hits, numbers, strict=True)
    ]


@settings(max_examples=300, deadline=None)
@given(hits=keyed_and_bare_hits(), seed=st.integers(0, 2**32 - 1))
def test_sessions_equal_the_brute_force_reference_in_any_input_order(
    hits: list[RefHit], seed: int
) -> None:
    expected = sessions_of(hits, TIMEOUT_S)
    shuffled = list(hits)
    random.Random(seed).shuffle(shuffled)
    assert sessions(hits, TIMEOUT_S) == expected
    assert sessions(shuffled, TIMEOUT_S) == expected


@settings(max_examples=100, deadline=None)
@given(hits=keyed_and_bare_hits())
def test_session_numbers_follow_visitor_then_start_and_hits_are_grouped(
    hits: list[RefHit],
) -> None:
    frame = sessionize(hit_frame(hits), timeout_s=TIMEOUT_S)
    numbers = frame.get_column("session").to_list()
    assert numbers == sorted(numbers)
    assert sorted(set(numbers)) == list(range(len(set(numbers))))
    starts = frame.group_by("session").agg(
        pl.col("visitor_id").first(), pl.col("ts").min(), pl.col("source_file").first()
    )
    by_number = starts.sort("session").select("visitor_id", "ts").rows()
    assert by_number == sorted(by_number)
    within = frame.with_columns(previous=pl.col("ts").shift().over("session"))
    assert within.filter(pl.col("ts") < pl.col("previous")).height == 0


@settings(max_examples=100, deadline=None)
@given(hits=keyed_and_bare_hits(), paths=st.lists(st.sampled_from(["/b", "/a", None]), min_size=40))
def test_categorical_hits_give_the_same_sessions_as_strings_and_come_back_as_strings(
    hits: list[RefHit], paths: list[str | None]
) -> None:
    """Access-log hits keep their repeated strings categorical until ``sessionize`` has sorted
    them (``hit_schema.ENCODED_COLUMNS``): the sessions, and the strings, are those of the hits
    as strings."""
    strings = hit_frame(hits).with_columns(
        path=pl.Series([paths[i % len(paths)] for i in range(len(hits))], dtype=pl.String)
    )
    encoded = compact_strings(strings, ENCODED_COLUMNS)
    assert encoded.schema["visitor"] == pl.Categorical
    assert encoded.schema["path"] == pl.Categorical
    as_strings = sessionize(strings, timeout_s=TIMEOUT_S)
    as_codes = sessionize(encoded, timeout_s=TIMEOUT_S)
    # The columns no later stage reads hit by hit stay categorical; strings when taken.
    still = {n for n, dtype in as_codes.schema.items() if dtype == pl.Categorical}
    assert still == {n for n in SESSION_ENCODED_COLUMNS if encoded.schema.get(n) == pl.Categorical}
    assert "visitor" in still
    decoded = decode_strings(as_codes, SESSION_ENCODED_COLUMNS)
    assert decoded.schema == as_strings.schema
    assert decoded.equals(as_strings)


def test_a_session_table_reads_first_and_last_pageviews_in_any_row_order() -> None:
    """Landing and exit pages are a session's first and last pageview (events, before or after,
    are neither), whether its hits are in session order (as ``sessionize`` leaves them) or
    interleaved with another session's."""
    rows = [  # session, minute, kind, path
        (0, 0, "event", "/signup"),
        (0, 1, "page", "/"),
        (0, 2, "page", "/p/1"),
        (0, 3, "event", "/cart"),
        (1, 0, "page", "/p/2"),
        (2, 5, "event", "/download"),
    ]
    interleaved = [rows[i] for i in (4, 0, 5, 1, 2, 3)]  # hit order kept per session
    for order in (rows, interleaved):
        hits = pl.DataFrame(order, schema=["session", "minute", "kind", "path"], orient="row")
        hits = hits.with_columns(
            pl.col("session").cast(pl.UInt32),
            visitor_id=pl.col("session"),
            ts=pl.lit(T0) + pl.duration(minutes=pl.col("minute")),
        )
        table = session_table(hits)
        assert table.select(
            "session", "landing_page", "exit_page", "pageviews", "events"
        ).rows() == [
            (0, "/", "/p/1", 2, 2),
            (1, "/p/2", "/p/2", 1, 0),
            (2, None, None, 0, 1),
        ]
        assert table.get_column("duration_s").to_list() == [180.0, 0.0, 0.0]
