"""Many goals at once (issue "Nothing lost, overwritten or injected", item 6c).

Goals compile into one pass: matchers run on distinct values, matches are joined back as a long
(session, goal) table, and every per-goal figure comes from one group_by. These tests hold the
program to the implementation it replaced, kept here as the reference: one expression per goal
over every hit, one select per goal for each figure (``reference_*`` below, as they were).

- 300 goals of ``bench/generate_goals.py`` on the sample log and on a generated log: the
  conversions table, visitor table, summary, goals table, micro → macro table and segment rows
  are exactly the reference's (``==``, not approximately);
- 10,000 and 100,000 goals through ``build_report``: the goal row of every sampled goal is the
  row the reference gives for that goal evaluated alone, and its micro → macro row the one it
  gives with all macro goals;
- random hits and up to 40 random goals sharing matchers: the conversions equal the reference's;
- the goals file reads the same through libyaml as through PyYAML.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from micromacro import goal_matching, goals_yaml
from micromacro.dimension_values import session_dimensions
from micromacro.dimensions import Breakdown
from micromacro.errors import ConfigError
from micromacro.goal_matching import (
    destination_match,
    event_match,
    goal_column,
    hit_match,
    number_match,
    session_conversions,
)
from micromacro.goals import DestinationMatcher, EventMatcher, Goal, GoalsConfig, StringMatcher
from micromacro.goals_file import load_goals, parse_goals
from micromacro.hit_schema import COUNTED_BUCKETS
from micromacro.metrics import (
    goals_table,
    micro_macro_table,
    rate,
    site_summary,
    visitor_goals,
)
from micromacro.report import ReportOptions, build_report
from micromacro.segments import _segment_values, q_values, segment_rows
from micromacro.sessions import session_table, sessionize
from micromacro.stats import (
    difference_interval,
    two_proportion_p_value,
    wilson_interval,
)
from tests import reference
from tests.helpers import classify
from tests.test_reference_equivalence import (
    conditions,
    event_matchers,
    hit_lists,
    hits_frame,
    string_matchers,
)

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_LOG = ROOT / "sample_logs" / "access.log"
GENERATORS = ROOT / "bench"


@cache
def bench_module(name: str) -> ModuleType:
    """``bench/NAME.py`` as a module (``bench`` is no package)."""
    spec = importlib.util.spec_from_file_location(name, GENERATORS / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


@cache
def generated_goals(count: int) -> tuple[Goal, ...]:
    text: str = bench_module("generate_goals").generate_goals(count, seed=2026)
    return parse_goals(text).goals


@cache
def log_hits(name: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The sessionized counted hits of a log and their session table."""
    if name == "sample":
        lines = SAMPLE_LOG.read_text(encoding="utf-8").splitlines()
    else:
        chunks = bench_module("generate_log").generate(4000, 11)
        lines = "".join(chunks).splitlines()
    hits = classify(lines).filter(pl.col("bucket").cast(pl.String).is_in(COUNTED_BUCKETS))
    sessionized = sessionize(hits)
    return sessionized, session_table(sessionized)


# --- the reference: the implementation before goals compiled into one pass -----------------


def reference_conversions(
    hits: pl.DataFrame, sessions: pl.DataFrame, goals: tuple[Goal, ...]
) -> pl.DataFrame:
    hit_goals = [(i, g, hit_match(g)) for i, g in enumerate(goals)]
    per_hit = [expr.alias(goal_column(i)) for i, _, expr in hit_goals if expr is not None]
    if per_hit:
        counts = (
            hits.lazy()
            .select(pl.col("session"), *per_hit)
            .group_by("session")
            .agg(
                pl.col(goal_column(i)).sum().cast(pl.UInt32)
                for i, _, e in hit_goals
                if e is not None
            )
            .collect()
        )
        table = sessions.join(counts, on="session", how="left")
    else:
        table = sessions
    columns = []
    for i, goal, expr in hit_goals:
        name = goal_column(i)
        if expr is None:
            assert goal.condition is not None
            measure = pl.col("duration_s") if goal.type == "duration" else pl.col("pageviews")
            columns.append(number_match(measure, goal.condition).cast(pl.UInt32).alias(name))
        elif goal.count == "once_per_session":
            columns.append((pl.col(name) > 0).cast(pl.UInt32).alias(name))
    return table.with_columns(columns).sort("session")


def reference_converted_kind(goals: tuple[Goal, ...], kind: str) -> pl.Expr:
    columns = [goal_column(i) for i, g in enumerate(goals) if g.kind == kind]
    if not columns:
        return pl.lit(False)
    return pl.any_horizontal(pl.col(c) > 0 for c in columns)


def reference_visitor_goals(conversions: pl.DataFrame, goals: tuple[Goal, ...]) -> pl.DataFrame:
    micro_columns = [goal_column(i) for i, g in enumerate(goals) if g.kind == "micro"]
    return conversions.group_by("visitor_id").agg(
        reference_converted_kind(goals, "macro").any().alias("macro"),
        reference_converted_kind(goals, "micro").any().alias("micro"),
        *((pl.col(c) > 0).any().alias(c) for c in micro_columns),
    )


def reference_kind_sessions(conversions: pl.DataFrame, goals: tuple[Goal, ...], kind: str) -> int:
    if conversions.height == 0:
        return 0
    return int(conversions.select(reference_converted_kind(goals, kind).sum()).item())


def reference_engaged_sessions(conversions: pl.DataFrame, goals: tuple[Goal, ...]) -> int:
    """Sessions of 10 s or more, of 2 pageviews or more, or with a macro goal (GA4's engaged
    session on an access log)."""
    if conversions.height == 0:
        return 0
    engaged = (
        (pl.col("duration_s") >= 10)
        | (pl.col("pageviews") >= 2)
        | reference_converted_kind(goals, "macro")
    )
    return int(conversions.select(engaged.sum()).item())


def reference_goal_row(
    conversions: pl.DataFrame, index: int, goal: Goal, visitors: int
) -> dict[str, object]:
    sessions = conversions.height
    column = pl.col(goal_column(index))
    figures = conversions.select(
        column.sum().alias("conversions"),
        (column > 0).sum().alias("converting_sessions"),
        pl.col("visitor_id").filter(column > 0).n_unique().alias("visitors"),
    ).row(0, named=True)
    conversions_n = int(figures["conversions"] or 0)
    converting = int(figures["converting_sessions"] or 0)
    converting_visitors = int(figures["visitors"] or 0) if sessions else 0
    session_ci = wilson_interval(converting, sessions)
    visitor_ci = wilson_interval(converting_visitors, visitors)
    return {
        "name": goal.name,
        "kind": goal.kind,
        "category": goal.category,
        "type": goal.type,
        "count": goal.count,
        "conversions": conversions_n,
        "converting_sessions": converting,
        "conversion_rate": rate(converting, sessions),
        "conversion_rate_ci_low": session_ci[0] if session_ci else None,
        "conversion_rate_ci_high": session_ci[1] if session_ci else None,
        "visitors": converting_visitors,
        "visitor_conversion_rate": rate(converting_visitors, visitors),
        "visitor_conversion_rate_ci_low": visitor_ci[0] if visitor_ci else None,
        "visitor_conversion_rate_ci_high": visitor_ci[1] if visitor_ci else None,
        **reference_revenue(goal, conversions_n, sessions, visitors),
    }


def reference_revenue(
    goal: Goal, conversions_n: int, sessions: int, visitors: int
) -> dict[str, object]:
    """A goal's fixed value × conversions as the revenue figures (no currency in a log)."""
    if goal.value is None:
        return dict.fromkeys(
            ("value", "revenue", "revenue_per_session", "revenue_per_visitor", "currency",
             "revenue_by_currency"),
        )  # fmt: skip
    revenue = goal.value * conversions_n
    return {
        "value": revenue,
        "revenue": revenue,
        "revenue_per_session": rate(revenue, sessions),
        "revenue_per_visitor": rate(revenue, visitors),
        "currency": None,
        "revenue_by_currency": [{"currency": None, "revenue": revenue}] if conversions_n else [],
    }


def reference_macro_revenue(
    conversions: pl.DataFrame, goals: tuple[Goal, ...]
) -> dict[str, object]:
    """The macro goals' fixed values × their conversions in ``conversions`` (some sessions)."""
    valued = [(i, g) for i, g in enumerate(goals) if g.kind == "macro" and g.value is not None]
    names = ("macro_revenue", "macro_revenue_per_session", "currency", "macro_revenue_by_currency")
    if not valued:
        return dict.fromkeys(names)
    counts = [int(conversions[goal_column(i)].sum() or 0) for i, _ in valued]
    total = float(sum(g.value * n for (_, g), n in zip(valued, counts, strict=True)))  # type: ignore[operator]
    parts = [{"currency": None, "revenue": total}] if any(counts) else []
    return dict(zip(names, (total, rate(total, conversions.height), None, parts), strict=True))


def dicts(rows: Sequence[Any]) -> list[dict[str, object]]:
    """Typed report rows as their JSON objects."""
    return [row.as_dict() for row in rows]


def reference_goals_table(
    conversions: pl.DataFrame, goals: tuple[Goal, ...]
) -> list[dict[str, object]]:
    visitors = int(conversions["visitor_id"].n_unique()) if conversions.height else 0
    return [reference_goal_row(conversions, i, g, visitors) for i, g in enumerate(goals)]


def reference_micro_macro_row(visitors: pl.DataFrame, index: int, goal: Goal) -> dict[str, object]:
    total = visitors.height
    all_macro = int(visitors["macro"].sum() or 0) if total else 0
    column = pl.col(goal_column(index))
    if total:
        n1, x1 = visitors.select(
            column.sum().alias("with"), (column & pl.col("macro")).sum().alias("macro_with")
        ).row(0)
    else:
        n1, x1 = 0, 0
    n1, x1 = int(n1 or 0), int(x1 or 0)
    n2, x2 = total - n1, all_macro - x1
    rate_with = x1 / n1 if n1 else None
    rate_without = x2 / n2 if n2 else None
    interval = difference_interval(x1, n1, x2, n2)
    lift = rate_with / rate_without if rate_with is not None and rate_without else None
    return {
        "goal": goal.name,
        "visitors_with": n1,
        "macro_visitors_with": x1,
        "macro_rate_with": rate_with,
        "visitors_without": n2,
        "macro_visitors_without": x2,
        "macro_rate_without": rate_without,
        "difference": (
            rate_with - rate_without if rate_with is not None and rate_without is not None else None
        ),
        "lift": lift,
        "diff_ci_low": interval[0] if interval else None,
        "diff_ci_high": interval[1] if interval else None,
        "p_value": two_proportion_p_value(x1, n1, x2, n2),
        "small_sample": min(n1, n2) < 30,
    }


def reference_micro_macro(
    visitors: pl.DataFrame, goals: tuple[Goal, ...]
) -> list[dict[str, object]]:
    rows = [
        reference_micro_macro_row(visitors, i, g) for i, g in enumerate(goals) if g.kind == "micro"
    ]
    rows.sort(key=lambda row: (row["difference"] is None, -(row["difference"] or 0.0)))  # type: ignore[operator]
    return rows


def reference_segment_rows(
    conversions: pl.DataFrame,
    dimensions: pl.DataFrame,
    breakdowns: Sequence[Breakdown],
    goals: tuple[Goal, ...],
    top: int,
) -> list[dict[str, object]]:
    table = conversions.join(dimensions, on="session", how="left")
    total = table.height
    goal_totals = [int(table.select((pl.col(goal_column(i)) > 0).sum()).item() or 0)
                   for i in range(len(goals))] if total else [0] * len(goals)  # fmt: skip
    rows: list[dict[str, object]] = []
    empty = table.head(0)
    for breakdown in breakdowns:
        segmented = table.with_columns(_segment_values(table, breakdown, top))
        members = {
            key[0]: part for key, part in segmented.partition_by("_segment", as_dict=True).items()
        }
        grouped = (
            segmented.group_by("_segment")
            .agg(
                pl.len().alias("sessions"),
                pl.col("visitor_id").n_unique().alias("visitors"),
                reference_converted_kind(goals, "macro").sum().alias("macro"),
                reference_converted_kind(goals, "micro").sum().alias("micro"),
                (
                    (pl.col("duration_s") >= 10)
                    | (pl.col("pageviews") >= 2)
                    | reference_converted_kind(goals, "macro")
                )
                .sum()
                .alias("engaged"),
                *((pl.col(goal_column(i)) > 0).sum().alias(f"_g{i}") for i in range(len(goals))),
            )
            .sort(
                [pl.col("_segment") == "(other)", "sessions", "_segment"],
                descending=[False, True, False],
            )
        )
        for row in grouped.iter_rows(named=True):
            sessions = int(row["sessions"])
            macro, micro = int(row["macro"] or 0), int(row["micro"] or 0)
            goal_rows = []
            for i, goal in enumerate(goals):
                converted = int(row[f"_g{i}"] or 0)
                interval = wilson_interval(converted, sessions)
                goal_rows.append(
                    {
                        "goal": goal.name,
                        "conversions": converted,
                        "conversion_rate": rate(converted, sessions),
                        "ci_low": interval[0] if interval else None,
                        "ci_high": interval[1] if interval else None,
                        "p_value": two_proportion_p_value(
                            converted, sessions, goal_totals[i] - converted, total - sessions
                        ),
                        "q_value": None,
                    }
                )
            rows.append(
                {
                    "by": breakdown.label,
                    "segment": row["_segment"],
                    "sessions": sessions,
                    "visitors": int(row["visitors"] or 0),
                    "macro_conversions": macro,
                    "macro_conversion_rate": rate(macro, sessions),
                    "micro_conversions": micro,
                    "micro_conversion_rate": rate(micro, sessions),
                    **reference_macro_revenue(members.get(row["_segment"], empty), goals),
                    "small_sample": sessions < 30,
                    "goals": goal_rows,
                    "engaged_sessions": int(row["engaged"] or 0),
                    "engagement_rate": rate(int(row["engaged"] or 0), sessions),
                }
            )
    every_goal_row = [g for row in rows for g in row["goals"]]  # type: ignore[attr-defined]
    for goal_row, q in zip(
        every_goal_row,
        reference.benjamini_hochberg([g["p_value"] for g in every_goal_row]),
        strict=True,
    ):
        goal_row["q_value"] = q
    return rows


# --- 300 goals: every table exactly as before -------------------------------------------------

BREAKDOWNS = [
    Breakdown(("channel",)),
    Breakdown(("device",)),
    Breakdown(("landing_page",)),
    Breakdown(("channel", "device")),
]


@pytest.mark.parametrize("log", ["sample", "generated"])
def test_300_goals_give_every_table_of_the_per_goal_implementation(
    log: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    hits, sessions = log_hits(log)
    goals = generated_goals(300)
    conversions = session_conversions(hits, sessions, goals)
    expected = reference_conversions(hits, sessions, goals)
    assert_frame_equal(conversions, expected)  # columns in the same order, same types
    monkeypatch.setattr(goal_matching, "_CUT_ROWS", 100)  # prefixes cut in many batches
    assert_frame_equal(session_conversions(hits, sessions, goals), expected)
    assert sum(conversions[goal_column(i)].sum() > 0 for i in range(len(goals))) > 100

    visitors = visitor_goals(conversions, goals)
    expected_visitors = reference_visitor_goals(expected, goals)
    assert_frame_equal(visitors, expected_visitors.sort("visitor_id"))
    assert site_summary(conversions, goals).as_dict() == {
        **site_summary(conversions, ()).as_dict(),
        "macro_sessions": (macro := reference_kind_sessions(expected, goals, "macro")),
        "macro_conversion_rate": rate(macro, sessions.height),
        "micro_sessions": (micro := reference_kind_sessions(expected, goals, "micro")),
        "micro_conversion_rate": rate(micro, sessions.height),
        **reference_macro_revenue(expected, goals),
        "engaged_sessions": (engaged := reference_engaged_sessions(expected, goals)),
        "engagement_rate": rate(engaged, sessions.height),
    }
    assert dicts(goals_table(conversions, goals)) == reference_goals_table(expected, goals)
    assert dicts(micro_macro_table(visitors, goals)) == (
        reference_micro_macro(expected_visitors, goals)
    )

    names = {name for breakdown in BREAKDOWNS for name in breakdown.dimensions}
    dimensions = session_dimensions(hits, sessions, names, site_hosts=["shop.example.com"])
    for top in (20, 2, 0):
        assert dicts(segment_rows(conversions, dimensions, BREAKDOWNS, goals, top=top)) == (
            reference_segment_rows(expected, dimensions, BREAKDOWNS, goals, top)
        )


def test_no_goals_and_no_sessions() -> None:
    hits, sessions = log_hits("sample")
    goals = generated_goals(300)[:40]
    for some_hits, some_sessions, some_goals in (
        (hits, sessions, ()),
        (hits.head(0), sessions.head(0), goals),
        (hits.head(0), sessions.head(0), ()),
    ):
        conversions = session_conversions(some_hits, some_sessions, some_goals)
        expected = reference_conversions(some_hits, some_sessions, some_goals)
        assert_frame_equal(conversions, expected)
        visitors = visitor_goals(conversions, some_goals)
        expected_visitors = reference_visitor_goals(expected, some_goals)
        assert_frame_equal(visitors, expected_visitors.sort("visitor_id"))
        assert dicts(goals_table(conversions, some_goals)) == (
            reference_goals_table(expected, some_goals)
        )
        assert dicts(micro_macro_table(visitors, some_goals)) == (
            reference_micro_macro(expected_visitors, some_goals)
        )


def test_a_few_destination_goals_count_only_the_pageviews_they_match() -> None:
    """Goals are matched on the distinct destinations. Where most of those match none (the
    destinations with their query here: 48 of 188 match), only the pageviews of those that do
    are counted per session; else (the paths alone: 46 of 61) every pageview is. Both give the
    per-goal implementation's columns, counted once or every time."""
    hits, sessions = log_hits("sample")
    text = """
goals:
  - {name: thanks, kind: macro, destination: {begins_with: /checkout/thank-you}}
  - {name: products, kind: micro, destination: {begins_with: /products/}, count: every}
  - {name: tagged, kind: micro, destination: {contains: variant=b, include_query: true}}
  - {name: reading, kind: micro, destination: {glob: "/blog/*"}}
"""
    goals = parse_goals(text).goals
    distinct_paths = hits.filter(pl.col("kind") == "page").get_column("path").n_unique()
    assert distinct_paths > 20  # so that most distinct destinations match none of the goals
    conversions = session_conversions(hits, sessions, goals)
    assert_frame_equal(conversions, reference_conversions(hits, sessions, goals))
    assert all(conversions.select(pl.col(goal_column(i)).sum() > 0 for i in range(4)).row(0))


def test_an_event_goal_without_fields_counts_every_event() -> None:
    hits, sessions = log_hits("sample")
    every_event = Goal("any", "micro", "event", event=EventMatcher(), count="every")
    posts = EventMatcher(action=StringMatcher("equals", "post"))
    for goals in ((every_event,), (every_event, Goal("posts", "macro", "event", event=posts))):
        conversions = session_conversions(hits, sessions, goals)
        assert_frame_equal(conversions, reference_conversions(hits, sessions, goals))
        assert conversions["goal_0"].sum() == (hits["kind"] == "event").sum() > 0


# --- 10,000 and 100,000 goals: each sampled goal's rows are those of the goal alone ------------


@pytest.mark.parametrize("count", [10_000, 100_000])
def test_many_goals_give_the_rows_of_each_goal_evaluated_alone(tmp_path: Path, count: int) -> None:
    text: str = bench_module("generate_goals").generate_goals(count, seed=2026)
    goals_file = tmp_path / "goals.yaml"
    goals_file.write_text(text, encoding="utf-8")
    loaded = load_goals(goals_file)
    goals = loaded.goals
    assert len(goals) == count
    assert goals[:300] == generated_goals(300)  # the same seed draws the same first goals
    report = build_report(
        ReportOptions(inputs=(str(SAMPLE_LOG),), goals=loaded, log_format="combined")
    )
    assert [row.name for row in report.goals] == [goal.name for goal in goals]

    hits, sessions = log_hits("sample")
    visitor_count = int(sessions["visitor_id"].n_unique())
    step = count // 250
    sampled = sorted({*range(60), *range(0, count, step), count - 1})
    # One expression per goal, each on its own column: every goal is evaluated alone.
    chosen = tuple(goals[i] for i in sampled)
    alone = reference_conversions(hits, sessions, chosen)
    for position, (i, goal) in enumerate(zip(sampled, chosen, strict=True)):
        want = reference_goal_row(alone, position, goal, visitor_count)
        assert report.goals[i].as_dict() == want, i

    # Micro → macro rows: a micro goal's row needs every macro goal (whether a visitor is a
    # customer), so the reference gets all macro goals and the sampled micro goals.
    macro = [i for i, goal in enumerate(goals) if goal.kind == "macro"]
    micro = [i for i in sampled if goals[i].kind == "micro"]
    subset = tuple(goals[i] for i in [*macro, *micro])
    expected = reference_conversions(hits, sessions, subset)
    visitors = reference_visitor_goals(expected, subset)
    rows = {row.goal: row.as_dict() for row in report.micro_macro}
    assert len(rows) == count - len(macro)
    for position, i in enumerate(micro, start=len(macro)):
        assert rows[goals[i].name] == reference_micro_macro_row(visitors, position, goals[i]), i
    macro_sessions = reference_kind_sessions(expected, subset, "macro")
    assert report.summary.macro_sessions == macro_sessions


# --- random hits and many random goals sharing matchers -----------------------------------------

# Matchers drawn from a small pool, so goals share them (and their distinct tests).
random_goals = st.lists(
    st.one_of(
        st.builds(
            lambda m, q, every: Goal(
                "d",
                "micro",
                "destination",
                destination=DestinationMatcher(m, q),
                count="every" if every else "once_per_session",
            ),
            string_matchers(),
            st.booleans(),
            st.booleans(),
        ),
        st.builds(
            lambda m, every: Goal(
                "e", "macro", "event", event=m, count="every" if every else "once_per_session"
            ),
            event_matchers,
            st.booleans(),
        ),
        st.builds(
            lambda c: Goal("t", "micro", "duration", condition=c),
            conditions((0, 1, 899, 900, 1800), with_equals=False),
        ),
        st.builds(
            lambda c: Goal("p", "macro", "pages", condition=c),
            conditions((0, 1, 2, 3), with_equals=True),
        ),
    ),
    max_size=40,
).flatmap(lambda goals: st.lists(st.sampled_from(goals), max_size=60) if goals else st.just([]))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hits=hit_lists(), goals=random_goals)
def test_many_random_goals_convert_as_each_alone(
    hits: list[reference.Hit], goals: list[Goal]
) -> None:
    sessionized = sessionize(hits_frame(hits))
    sessions = session_table(sessionized)
    chosen = tuple(goals)
    assert_frame_equal(
        session_conversions(sessionized, sessions, chosen),
        reference_conversions(sessionized, sessions, chosen),
    )


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    hits=hit_lists(),
    destinations=st.lists(st.builds(DestinationMatcher, string_matchers(), st.booleans())),
    events=st.lists(event_matchers),
)
def test_distinct_tests_match_the_hits_string_match_does(
    hits: list[reference.Hit], destinations: list[DestinationMatcher], events: list[EventMatcher]
) -> None:
    """Funnel steps decide each string test on distinct values: the same hits as testing
    every hit."""
    frame = hits_frame(hits)
    tests = goal_matching.DistinctTests(frame)
    each = [destination_match(m) for m in destinations] + [event_match(m) for m in events]
    once = [destination_match(m, tests) for m in destinations]
    once += [event_match(m, tests) for m in events]

    def flags(expressions: list[pl.Expr]) -> list[tuple[bool, ...]]:
        return frame.select(e.alias(str(i)) for i, e in enumerate(expressions)).rows()

    assert flags(once) == flags(each)


@given(st.lists(st.one_of(st.none(), st.sampled_from((0.0, 1.0, 0.05, 0.5)), st.floats(0, 1))))
def test_q_values_are_benjamini_hochberg(p_values: list[float | None]) -> None:
    expected = reference.benjamini_hochberg(p_values)
    got = q_values(pl.Series(p_values, dtype=pl.Float64)).to_list()
    assert got == expected
    assert all(q is None or not math.isnan(q) for q in got)


# --- loading: libyaml reads what PyYAML reads ---------------------------------------------------

GOALS_FILES = sorted(
    [ROOT / "goals.example.yaml", *(ROOT / "tests" / "fixtures").rglob("*goals*.yaml")]
)


def pyyaml_only(text: str, path: str, monkeypatch: pytest.MonkeyPatch) -> GoalsConfig:
    with monkeypatch.context() as patched:
        patched.setattr(goals_yaml, "_compose_with_libyaml", lambda _text: None)
        return parse_goals(text, path)


@pytest.mark.parametrize("path", GOALS_FILES, ids=lambda p: p.name)
def test_libyaml_reads_every_goals_file_as_pyyaml_does(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = path.read_text(encoding="utf-8")
    assert parse_goals(text, str(path)) == pyyaml_only(text, str(path), monkeypatch)


def test_libyaml_reads_generated_goals_as_pyyaml_does(monkeypatch: pytest.MonkeyPatch) -> None:
    text: str = bench_module("generate_goals").generate_goals(2000, seed=7)
    fast = parse_goals(text, "many.yaml")
    assert fast == pyyaml_only(text, "many.yaml", monkeypatch)
    assert len(fast.goals) == 2000
    assert {g.type for g in fast.goals} == {"destination", "event", "duration", "pages"}
    assert {g.destination.matcher.op for g in fast.goals if g.destination} == {
        "equals", "begins_with", "contains", "regex", "glob", "one_of",
    }  # fmt: skip


GOAL = "  - name: buy\n    kind: macro\n    destination: /x\n"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("goals:\n  - name:\tbuy\n    kind: macro\n    destination: /x\n", id="tab"),
        pytest.param("goals:\n" + GOAL.replace("buy", "buy\t# c"), id="tab before comment"),
        pytest.param("goals: [\t{name: buy, kind: macro, destination: /x}]\n", id="tab in flow"),
        pytest.param("goals:\n" + GOAL.replace("buy", "b\tuy"), id="tab in a plain scalar"),
        pytest.param("goals:\n\t- name: buy\n", id="tab indentation"),
        pytest.param('goals:\n  - {name: "b\tuy", kind: macro, destination: /x}\n', id="quoted"),
        pytest.param("%YAML 1.3\n---\ngoals:\n" + GOAL, id="YAML 1.3"),
        pytest.param("%YAML 1.1\n---\ngoals:\n" + GOAL, id="YAML 1.1"),
        pytest.param("goals:\r" + GOAL.replace("\n", "\r"), id="carriage returns"),
        pytest.param("goals:\x85" + GOAL.replace("\n", "\u2028"), id="unicode line breaks"),
        pytest.param("goals:\n" + GOAL.replace("buy", "b\ud800y"), id="lone surrogate"),
        pytest.param("goals:\n" + GOAL.replace("buy", "b\x07y"), id="control character"),
        pytest.param("goals:\n" + GOAL + "---\ngoals: []\n", id="two documents"),
        pytest.param("goals:\n  - &g {name: b, kind: macro, destination: /x}\n  - *g", id="alias"),
        pytest.param('goals: [{name: "\\x41\\u00e9\\/\\N", kind: macro, destination: x}]', id="\\"),
        pytest.param("goals:\n" + GOAL.replace("buy", ">-\n      fold\n      ed"), id="folded"),
    ],
)  # fmt: skip
def test_libyaml_reads_odd_texts_as_pyyaml_does(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def outcome(read: Callable[[], GoalsConfig]) -> object:
        try:
            return read()
        except ConfigError as exc:
            return exc.problems

    fast = outcome(lambda: parse_goals(text, "odd.yaml"))
    assert fast == outcome(lambda: pyyaml_only(text, "odd.yaml", monkeypatch))


@pytest.mark.parametrize("depth", [40, 600, 1100])
def test_deep_documents_read_as_before(depth: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """libyaml composes deeper documents than PyYAML's recursion allows: those (and the ones
    libyaml refuses) are left to PyYAML, which says what it always said."""
    text = "goals: " + "[" * depth + "]" * depth + "\n"
    with pytest.raises(ConfigError) as fast:
        parse_goals(text, "deep.yaml")
    with pytest.raises(ConfigError) as slow:
        pyyaml_only(text, "deep.yaml", monkeypatch)
    assert fast.value.problems == slow.value.problems
    if depth > 500:
        assert fast.value.problems == ["deep.yaml:1:1: invalid YAML: the document nests too deeply"]
