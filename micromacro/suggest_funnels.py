"""Suggested funnels: to each of the first macro goals proposed, the steps most of its
converting sessions took before converting, in their usual order, each reached by fewer
sessions than the one before (a funnel narrows); counted as a report counts a funnel."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from micromacro.funnels import funnel_attempts, funnel_report
from micromacro.goal_matching import hit_match
from micromacro.goals import Funnel, FunnelStep, Goal
from micromacro.suggest_steps import (
    MIN_STRUCTURAL_SESSIONS,
    is_funnel_step,
    step_matcher,
    step_name,
    step_reach,
)

MAX_FUNNELS = 2
MAX_FUNNEL_STEPS = 4  # steps before the goal
FUNNEL_SUPPORT = 0.7  # a funnel step is taken by at least this share of converting sessions


@dataclass(frozen=True)
class FunnelSuggestion:
    """A proposed funnel, the sessions reaching each of its steps, and why."""

    funnel: Funnel
    reached: tuple[int, ...]
    why: str


def funnels_to(hits: pl.DataFrame, macro: Sequence[Goal]) -> list[FunnelSuggestion]:
    """A funnel to each of the first macro goals: the steps most of its converting sessions
    took before converting, in their usual order, each reached by fewer sessions than the one
    before it (a funnel narrows); only steps a person takes (``is_funnel_step``)."""
    reach = step_reach(hits)
    taken = [step for step in reach if is_funnel_step(step)]
    found: list[FunnelSuggestion] = []
    for goal in macro:
        if len(found) == MAX_FUNNELS:
            break
        funnel = _funnel_to(hits, goal, reach, taken)
        if funnel is not None:
            found.append(funnel)
    return found


def _funnel_to(
    hits: pl.DataFrame, goal: Goal, reach: dict[str, int], taken: Sequence[str]
) -> FunnelSuggestion | None:
    """The funnel to ``goal`` from the steps of ``taken`` (None: too few sessions reach it, or
    no step is taken by enough of them)."""
    match = hit_match(goal)
    if match is None:
        return None
    converting = hits.with_columns(
        first=pl.col("row").filter(match).min().over("session"),
        start=pl.col("row").min().over("session"),
    ).filter(pl.col("first").is_not_null())
    converted = converting.get_column("session").n_unique()
    if converted < MIN_STRUCTURAL_SESSIONS:
        return None
    before = converting.filter((pl.col("row") < pl.col("first")) & pl.col("step").is_in(taken))
    before = before.filter(~match)
    steps = (
        before.group_by("session", "step")
        .agg(
            (
                (pl.col("row").min() - pl.col("start").first())
                / (pl.col("first").first() - pl.col("start").first())
            ).alias("position")
        )
        .group_by("step")
        .agg(pl.len().alias("sessions"), pl.col("position").median())
        .filter(pl.col("sessions") >= FUNNEL_SUPPORT * converted)
        .sort(["position", "step"])
    )
    rows = [
        (str(step), int(sessions), float(position))
        for step, sessions, position in steps.iter_rows()
    ]
    chain = _narrowing_chain(rows, reach)
    chain = _trimmed(chain, reach)
    if not chain:
        return None
    matcher = goal.destination or goal.event
    assert matcher is not None
    funnel_steps = tuple(FunnelStep(step_name(step), (step_matcher(step),)) for step in chain)
    goal_step = FunnelStep(name=goal.name, matchers=(matcher,))
    name = "checkout" if goal.name == "purchase" else f"to_{goal.name}"
    funnel = Funnel(name=name, steps=(*funnel_steps, goal_step), goal=goal.name)
    units = hits.get_column("session").n_unique()
    figures = funnel_report(funnel_attempts(hits, funnel), funnel, units)
    reached = tuple(step.reached for step in figures.steps)
    support = {step: sessions for step, sessions, _ in rows}
    shares = ", ".join(f"{step_name(step)} in {support[step]}" for step in chain)
    why = (
        f"the steps the {converted} sessions that reached {goal.name} took most, in their usual "
        f"order ({shares} of them)"
    )
    return FunnelSuggestion(funnel, reached, why)


def _narrowing_chain(rows: Sequence[tuple[str, int, float]], reach: dict[str, int]) -> list[str]:
    """The steps (in their order) of the heaviest chain, by their share of the converting
    sessions, in which each step is reached by no more sessions than the one before."""
    best: list[tuple[float, list[str]]] = []
    for _index, (step, sessions, _) in enumerate(rows):
        options = [
            (weight + sessions, [*chain, step])
            for j, (weight, chain) in enumerate(best)
            if reach.get(rows[j][0], 0) >= reach.get(step, 0)
        ]
        options.append((float(sessions), [step]))
        best.append(max(options, key=lambda o: (o[0], [-len(s) for s in o[1]])))
    if not best:
        return []
    return max(best, key=lambda o: o[0])[1]


def _trimmed(chain: list[str], reach: dict[str, int]) -> list[str]:
    """At most ``MAX_FUNNEL_STEPS`` steps: the step losing the fewest sessions against the one
    before it goes first (never the first step)."""
    chain = list(chain)
    while len(chain) > MAX_FUNNEL_STEPS:
        ratios = [
            (reach.get(chain[i], 0) / max(reach.get(chain[i - 1], 1), 1), -i)
            for i in range(1, len(chain))
        ]
        _, worst = max(ratios)
        del chain[-worst]
    return chain
