"""The bar of ``micromacro suggest``: on logs of sites it has never seen (``site_logs``), the
proposal covers at least three quarters of the goals each site really has, with at most two
proposals that are clearly no goals.

A true goal is covered when one proposed goal converts nearly the same sessions: at least 70 %
of the true goal's sessions, and at least 70 % of its own sessions are the true goal's
(matched by what they convert, so a thank-you page covers the form post that leads to it). A
proposal is clearly wrong when no true or acceptable goal holds half of its sessions; duration
and pages goals are asked for, never wrong.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from micromacro.goal_matching import session_conversions
from micromacro.goals import Goal
from micromacro.goals_file import parse_goals
from micromacro.input_read import ReadOptions
from micromacro.reading import read_inputs
from micromacro.sessions import session_table, sessionize
from micromacro.suggest import Suggestion, SuggestOptions, suggest_goals
from tests.site_logs import ACCEPTABLE, SITES, TRUTH, generate

COVERED = 0.7  # the share of sessions two goals must share both ways
HELD = 0.5  # a proposal is right when a true or acceptable goal holds this share of it
MAX_WRONG = 2


def _sessions_of(goal: Goal, hits: pl.DataFrame, sessions: pl.DataFrame) -> set[int]:
    conversions = session_conversions(hits, sessions, (goal,))
    return set(conversions.filter(pl.col("goal_0") > 0).get_column("session").to_list())


Found = tuple[Suggestion, dict[str, set[int]], list[set[int]]]
_FOUND: dict[str, Found] = {}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Found]:
    """Each site's ``_site``, made once per module."""

    def found(name: str) -> Found:
        if name not in _FOUND:
            _FOUND[name] = _site(name, tmp_path_factory.mktemp(name))
        return _FOUND[name]

    return found


def _site(name: str, tmp_path: Path) -> Found:
    """The suggestion for the site's log, the sessions of each proposed goal (by name), and
    those of its true goals, then its acceptable ones, in a list (true ones first)."""
    log = tmp_path / f"{name}.log"
    log.write_text(generate(SITES[name]()))
    suggestion = suggest_goals(SuggestOptions(inputs=(str(log),)))
    hits = sessionize(read_inputs(ReadOptions(inputs=(str(log),))).hits)
    sessions = session_table(hits)
    proposed = {
        s.goal.name: _sessions_of(s.goal, hits, sessions)
        for s in suggestion.goals
        if s.goal.destination is not None or s.goal.event is not None
    }
    truth = [_sessions_of(g, hits, sessions) for g in parse_goals(TRUTH[name]).goals]
    extra = parse_goals(ACCEPTABLE[name]).goals if ACCEPTABLE[name] else ()
    acceptable = [_sessions_of(g, hits, sessions) for g in extra]
    return suggestion, proposed, [*truth, *acceptable]


def _covers(proposal: set[int], goal: set[int]) -> bool:
    shared = len(proposal & goal)
    return bool(goal) and shared >= COVERED * len(goal) and shared >= COVERED * len(proposal)


@pytest.mark.parametrize("name", sorted(SITES))
def test_the_proposal_covers_three_quarters_of_the_true_goals(
    name: str, site: Callable[[str], Found]
) -> None:
    _, proposed, goals = site(name)
    truth = goals[: len(parse_goals(TRUTH[name]).goals)]
    assert all(truth), f"{name}: a true goal converts no session in the generated log"
    covered = [any(_covers(p, goal) for p in proposed.values()) for goal in truth]
    assert sum(covered) >= math.ceil(0.75 * len(truth)), (name, covered, sorted(proposed))


@pytest.mark.parametrize("name", sorted(SITES))
def test_at_most_two_proposals_are_clearly_no_goals(
    name: str, site: Callable[[str], Found]
) -> None:
    _, proposed, goals = site(name)
    wrong = [
        goal_name
        for goal_name, sessions in proposed.items()
        if not any(len(sessions & goal) >= HELD * len(sessions) for goal in goals if sessions)
    ]
    assert len(wrong) <= MAX_WRONG, (name, wrong)


@pytest.mark.parametrize("name", sorted(SITES))
def test_each_site_gets_a_macro_goal_and_a_funnel(name: str, site: Callable[[str], Found]) -> None:
    suggestion, _, _ = site(name)
    assert any(s.goal.kind == "macro" for s in suggestion.goals)
    assert suggestion.funnels
