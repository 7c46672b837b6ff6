"""Property tests: the vectorised funnel search agrees with the brute-force reference
(definitions §2.5).

Random hits of a few visitors (a tiny path alphabet, some events, many same-second ties, gaps
across the session timeout) and random funnels (2–4 steps, any-of steps, event steps, repeated
steps, every scope, entry and order, binding ``within`` and ``within_step``) go through
``sessionize`` → ``funnel_attempts`` → ``funnel_report`` and through ``tests.funnel_reference``;
each unit's attempt and the report's figures must be the same. Hand-written cases pin the tricky
rules down with expected numbers.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import replace
from datetime import timedelta
from functools import cache
from itertools import accumulate

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from micromacro.funnels import funnel_attempts, funnel_report
from micromacro.goals import (
    FUNNEL_ENTRIES,
    FUNNEL_ORDERS,
    FUNNEL_SCOPES,
    DestinationMatcher,
    EventMatcher,
    Funnel,
    FunnelStep,
    HitMatcher,
    NumberCondition,
    StringMatcher,
)
from micromacro.sessions import sessionize
from tests import funnel_reference as ref
from tests.reference import Hit
from tests.test_reference_equivalence import BASE, FILES, hits_frame

UnitKey = frozenset[Hashable]  # the ids of a unit's hits: the same unit on both sides

# --- strategies -------------------------------------------------------------------------------

PATHS = ("/a", "/a", "/b", "/b", "/c", "/c", "/x", "/A")  # mostly the steps' paths
QUERIES = (None, None, None, "q=1")
EVENTS = (("cta", "click", 1.0), ("cta", "submit", 5.0), ("video", "play", None))
# Seconds from a visitor's previous hit: many ties, a few seconds to minutes, and both sides of
# the session timeout (1800 s is the same session, 1801 s a new one).
GAPS_S = (0, 0, 0, 1, 2, 3, 4, 5, 5, 10, 10, 30, 60, 300, 1800, 1801, 5000)
WITHIN_S = (None, None, 0.0, 2.0, 5.0, 10.0, 20.0, 60.0, 600.0, 4000.0, 30 * 86400.0)
WITHIN_STEP_S = (None, None, 0.0, 1.0, 5.0, 30.0, 300.0)
MAX_VISITOR_HITS = 12


def dest(op: str, value: str | tuple[str, ...], **options: bool) -> DestinationMatcher:
    """A destination matcher; ``options``: ``case_sensitive``, ``include_query``."""
    case_sensitive = options.pop("case_sensitive", False)
    matcher = StringMatcher(op, value, case_sensitive)  # type: ignore[arg-type]
    return DestinationMatcher(matcher, **options)


DESTINATIONS: tuple[HitMatcher, ...] = (
    dest("equals", "/a"),
    dest("equals", "/b"),
    dest("equals", "/c"),
    dest("equals", "/a", case_sensitive=True),
    dest("begins_with", "/a"),
    dest("one_of", ("/b", "/c")),
    dest("glob", "/*"),
    dest("regex", "^/[ab]$"),
    dest("equals", "/a?q=1", include_query=True),
)
EVENT_MATCHERS: tuple[HitMatcher, ...] = (
    EventMatcher(category=StringMatcher("equals", "cta")),
    EventMatcher(category=StringMatcher("equals", "cta"), action=StringMatcher("equals", "click")),
    EventMatcher(action=StringMatcher("one_of", ("play", "submit"))),
    EventMatcher(category=StringMatcher("equals", "cta"), value=NumberCondition(greater_than=2)),
)
# Mostly plain one-path steps, so that units get far; the other matchers now and then.
MATCHERS = DESTINATIONS[:3] * 4 + DESTINATIONS + EVENT_MATCHERS


def page_content(path: str, query: str | None) -> Hit:
    """A pageview; its id, visitor, time and place are set later."""
    return Hit(id=None, visitor=None, ts=BASE, kind="page", path=path, query=query)


def event_content(category: str, action: str, value: float | None) -> Hit:
    """An event; its id, visitor, time and place are set later."""
    return Hit(id=None, visitor=None, ts=BASE, kind="event", path="/x", category=category,
               action=action, value=value)  # fmt: skip


PAGES = tuple(page_content(path, query) for path in PATHS for query in QUERIES)
CONTENTS = PAGES + tuple(event_content(*event) for event in EVENTS) * 4  # a third are events


@cache
def satisfying(step: FunnelStep) -> tuple[Hit, ...]:
    """The hit contents that satisfy ``step``."""
    return tuple(hit for hit in CONTENTS if ref.step_matches(step, hit))


@st.composite
def journey(draw: st.DrawFn, funnel: Funnel) -> list[Hit]:
    """Hits that walk the funnel's steps, mostly from step 1: for each step, maybe a stray hit,
    then up to two hits that satisfy it (none: the walk skips or drops out there)."""
    first = draw(st.sampled_from((0, 0, *range(len(funnel.steps)))))
    hits: list[Hit] = []
    for step in funnel.steps[first:]:
        hits += draw(st.lists(st.sampled_from(CONTENTS), max_size=1))
        if satisfying(step):
            hits += draw(st.lists(st.sampled_from(satisfying(step)), max_size=2))
    return hits


@st.composite
def visitor_hits(draw: st.DrawFn, funnel: Funnel) -> list[Hit]:
    """One visitor's hits (no id, visitor or place yet) in time order: one or two stretches,
    each random hits or a journey along the funnel."""
    drawn: list[Hit] = []
    for _ in range(draw(st.integers(1, 2))):
        stretch = st.one_of(st.lists(st.sampled_from(CONTENTS), max_size=6), journey(funnel))
        drawn += draw(stretch)
    drawn = drawn[:MAX_VISITOR_HITS]
    gaps = draw(st.lists(st.sampled_from(GAPS_S), min_size=len(drawn), max_size=len(drawn)))
    times = [BASE + timedelta(seconds=s) for s in accumulate(gaps)]
    return [replace(hit, ts=ts) for hit, ts in zip(drawn, times, strict=True)]


@st.composite
def funnel_cases(draw: st.DrawFn) -> tuple[list[Hit], Funnel]:
    """A funnel and the hits of 2–4 visitors, with distinct (file, line) places."""
    funnel = draw(funnels())
    visitors = [f"v{i}" for i in range(draw(st.integers(2, 4)))]
    hits = [replace(hit, visitor=v) for v in visitors for hit in draw(visitor_hits(funnel))]
    line_numbers = draw(st.permutations(range(1, len(hits) + 1)))
    files = draw(st.lists(st.integers(0, len(FILES) - 1), min_size=len(hits), max_size=len(hits)))
    places = zip(line_numbers, files, strict=True)
    return [
        replace(hit, id=i, line_no=line_no, file_rank=file_rank)
        for i, (hit, (line_no, file_rank)) in enumerate(zip(hits, places, strict=True))
    ], funnel


def funnel_steps(name: str) -> st.SearchStrategy[FunnelStep]:
    """A step of one matcher, or of two alternatives."""
    matchers = st.lists(st.sampled_from(MATCHERS), min_size=1, max_size=2, unique=True)
    return matchers.map(lambda chosen: FunnelStep(name, tuple(chosen)))


@st.composite
def funnels(draw: st.DrawFn) -> Funnel:
    """2–4 steps (4 most often) drawn from a pool of up to four, so that steps often repeat."""
    pool = [draw(funnel_steps(f"s{i}")) for i in range(draw(st.integers(1, 4)))]
    count = draw(st.sampled_from((2, 3, 4, 4)))
    steps = draw(st.lists(st.sampled_from(pool), min_size=count, max_size=count))
    return Funnel(
        name="f",
        steps=tuple(steps),
        scope=draw(st.sampled_from(FUNNEL_SCOPES)),
        entry=draw(st.sampled_from(FUNNEL_ENTRIES)),
        order=draw(st.sampled_from(FUNNEL_ORDERS)),
        within_s=draw(st.sampled_from(WITHIN_S)),
        within_step_s=draw(st.sampled_from(WITHIN_STEP_S)),
    )


# --- the program and the reference ------------------------------------------------------------


def program_attempts(
    hits: list[Hit], funnel: Funnel
) -> tuple[dict[UnitKey, ref.Attempt], pl.DataFrame, int]:
    """Each entered unit's attempt by ``funnel_attempts``, the attempts and the number of units."""
    sessionized = sessionize(hits_frame(hits))
    attempts = funnel_attempts(sessionized, funnel)
    unit = "session" if funnel.scope == "session" else "visitor_id"
    members = dict(sessionized.group_by(unit).agg("hit_id").iter_rows())
    steps = range(2, len(funnel.steps) + 1)
    by_unit = {
        frozenset(members[row["unit"]]): ref.Attempt(
            row["entry"], row["furthest"], {k: row[f"gap_{k}"] for k in steps}
        )
        for row in attempts.iter_rows(named=True)
    }
    return by_unit, attempts, sessionized[unit].n_unique()


def reference_attempts(hits: list[Hit], funnel: Funnel) -> tuple[dict[UnitKey, ref.Attempt], int]:
    """Each entered unit's attempt by the reference, and the number of units."""
    units = ref.units_of(hits, funnel)
    attempts = {}
    for unit in units:
        attempt = ref.attempt_of(funnel, unit)
        if attempt is not None:
            attempts[frozenset(hit.id for hit in unit)] = attempt
    return attempts, len(units)


def assert_same(got: object, want: object, where: str) -> None:
    """Equal; floats to 12 significant digits."""
    same = got == pytest.approx(want, rel=1e-12) if isinstance(want, float) else got == want
    assert same, f"{where}: program {got!r}, reference {want!r}"


def assert_same_report(got: dict[str, object], want: dict[str, object]) -> None:
    """The same funnel figures and step rows."""
    assert set(got) == set(want)
    for key in want.keys() - {"steps"}:
        assert_same(got[key], want[key], key)
    got_rows, want_rows = got["steps"], want["steps"]
    assert isinstance(got_rows, list)
    assert isinstance(want_rows, list)
    assert len(got_rows) == len(want_rows)
    for got_row, want_row in zip(got_rows, want_rows, strict=True):
        assert set(got_row) == set(want_row)
        for key, value in want_row.items():
            assert_same(got_row[key], value, f"step {want_row['step']} {key}")


def check_funnel(hits: list[Hit], funnel: Funnel) -> dict[UnitKey, ref.Attempt]:
    """Assert that the program agrees with the reference; the reference's attempts."""
    program, attempts, program_units = program_attempts(hits, funnel)
    expected, units = reference_attempts(hits, funnel)
    assert program_units == units
    assert program == expected
    report = funnel_report(attempts, funnel, units).as_dict()
    assert_same_report(report, ref.funnel_figures(funnel, list(expected.values()), units))
    return expected


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=funnel_cases())
def test_funnel_attempts_and_report_equal_the_reference(case: tuple[list[Hit], Funnel]) -> None:
    check_funnel(*case)


# --- hand-written cases -----------------------------------------------------------------------


def page(second: float, path: str, line_no: int, visitor: str = "v1", file_rank: int = 0) -> Hit:
    """A pageview ``second`` seconds after BASE; its line number is also its id."""
    ts = BASE + timedelta(seconds=second)
    return Hit(line_no, visitor, ts, "page", path, file_rank=file_rank, line_no=line_no)


def path_funnel(*steps: str | tuple[str, ...], **rules: object) -> Funnel:
    """A funnel whose step k is a pageview of ``steps[k]`` (or of any of several paths)."""
    funnel_steps = tuple(
        FunnelStep(
            f"step {k}",
            tuple(dest("equals", p) for p in ((step,) if isinstance(step, str) else step)),
        )
        for k, step in enumerate(steps, start=1)
    )
    return Funnel("f", funnel_steps, **rules)  # type: ignore[arg-type]


def only_attempt(hits: list[Hit], funnel: Funnel) -> ref.Attempt | None:
    """The one unit's attempt (None if it never entered), after checking the program agrees."""
    attempts = check_funnel(hits, funnel)
    assert len(attempts) <= 1
    return next(iter(attempts.values()), None)


def test_within_step_uses_a_later_step_2_hit() -> None:
    hits = [page(0, "/a", 1), page(1, "/b", 2), page(10, "/b", 3), page(15, "/c", 4)]
    funnel = path_funnel("/a", "/b", "/c", within_step_s=10.0)
    assert only_attempt(hits, funnel) == ref.Attempt(1, 3, {2: 10.0, 3: 5.0})


def test_within_uses_a_later_step_1_start() -> None:
    hits = [page(0, "/a", 1), page(50, "/a", 2), page(100, "/b", 3), page(200, "/c", 4)]
    funnel = path_funnel("/a", "/b", "/c", within_s=60.0)
    assert only_attempt(hits, funnel) == ref.Attempt(1, 2, {2: 50.0, 3: None})


def test_within_counts_from_the_step_1_hit_at_every_step() -> None:
    hits = [page(0, "/a", 1), page(5, "/b", 2), page(10, "/c", 3), page(15, "/d", 4)]
    funnel = path_funnel("/a", "/b", "/c", "/d", within_s=12.0)
    assert only_attempt(hits, funnel) == ref.Attempt(1, 3, {2: 5.0, 3: 5.0, 4: None})


@pytest.mark.parametrize(("order", "furthest"), [("strict", 1), ("ordered", 2)])
def test_strict_order_breaks_on_an_unrelated_hit(order: str, furthest: int) -> None:
    hits = [page(0, "/a", 1), page(1, "/x", 2), page(2, "/b", 3)]
    attempt = only_attempt(hits, path_funnel("/a", "/b", order=order))
    assert attempt is not None
    assert attempt.furthest == furthest


def test_strict_order_takes_the_adjacent_repeat() -> None:
    hits = [page(0, "/a", 1), page(1, "/a", 2), page(3, "/b", 3)]
    funnel = path_funnel("/a", "/b", order="strict")
    assert only_attempt(hits, funnel) == ref.Attempt(1, 2, {2: 2.0})


@pytest.mark.parametrize(
    ("hits", "furthest"),
    [
        pytest.param([page(0, "/b", 1), page(0, "/a", 2)], 1, id="b on an earlier line"),
        pytest.param([page(0, "/a", 1), page(0, "/b", 2)], 2, id="a on an earlier line"),
        pytest.param(
            [page(0, "/a", 9, file_rank=0), page(0, "/b", 1, file_rank=1)], 2, id="a's file first"
        ),
        pytest.param(
            [page(0, "/a", 1, file_rank=1), page(0, "/b", 9, file_rank=0)], 1, id="b's file first"
        ),
    ],
)
def test_same_second_hits_follow_file_and_line_order(hits: list[Hit], furthest: int) -> None:
    attempt = only_attempt(hits, path_funnel("/a", "/b", within_step_s=0.0))
    assert attempt is not None
    assert attempt.furthest == furthest
    assert attempt.gaps[2] == (0.0 if furthest == 2 else None)


def test_skipping_step_2_counts_at_step_1_only() -> None:
    hits = [page(0, "/a", 1), page(5, "/c", 2)]
    funnel = path_funnel("/a", "/b", "/c")
    assert only_attempt(hits, funnel) == ref.Attempt(1, 1, {2: None, 3: None})
    _, attempts, units = program_attempts(hits, funnel)
    rows = funnel_report(attempts, funnel, units).as_dict()["steps"]
    assert isinstance(rows, list)
    assert [(r["reached"], r["dropped"]) for r in rows] == [(1, 1), (0, 0), (0, 0)]


def test_open_funnel_enters_at_the_lowest_step_of_the_first_matching_hit() -> None:
    hits = [page(0, "/x", 1), page(1, "/b", 2), page(4, "/b", 3)]
    funnel = path_funnel("/a", "/b", ("/b", "/c"), entry="open")
    assert only_attempt(hits, funnel) == ref.Attempt(2, 3, {2: None, 3: 3.0})


def test_no_hits_no_units() -> None:
    assert check_funnel([], path_funnel("/a", "/b", entry="open")) == {}


def test_closed_funnel_without_a_step_1_hit_is_not_entered() -> None:
    hits = [page(0, "/b", 1), page(1, "/c", 2)]
    assert only_attempt(hits, path_funnel("/a", "/b", "/c")) is None


def test_timing_chain_ends_earliest_and_steps_back_to_the_latest_hits() -> None:
    hits = [page(0, "/a", 1), page(5, "/a", 2), page(10, "/b", 3), page(20, "/b", 4)]
    hits += [page(30, "/c", 5), page(40, "/c", 6)]
    funnel = path_funnel("/a", "/b", "/c")
    assert only_attempt(hits, funnel) == ref.Attempt(1, 3, {2: 15.0, 3: 10.0})


@pytest.mark.parametrize(
    ("scope", "within_s", "expected"),
    [
        pytest.param("session", None, ref.Attempt(1, 1, {2: None}), id="session"),
        pytest.param("visitor", None, ref.Attempt(1, 2, {2: 3600.0}), id="visitor"),
        pytest.param("visitor", 1800.0, ref.Attempt(1, 1, {2: None}), id="visitor within"),
    ],
)
def test_visitor_funnels_span_sessions(
    scope: str, within_s: float | None, expected: ref.Attempt
) -> None:
    hits = [page(0, "/a", 1), page(3600, "/b", 2)]
    attempts = check_funnel(hits, path_funnel("/a", "/b", scope=scope, within_s=within_s))
    assert list(attempts.values()) == [expected]
