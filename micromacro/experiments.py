"""Experiments (definitions §2.7): an A/B test over the segments of one breakdown (``--baseline``).

Each variant is compared with the baseline goal by goal (difference, lift, the difference's 95%
interval and a two-proportion p-value), and the variants' sessions are checked against their
expected split (a chi-square sample-ratio-mismatch test).
"""

from __future__ import annotations

from collections.abc import Sequence

from micromacro.dimensions import NONE, OTHER
from micromacro.errors import UsageError
from micromacro.metrics import rate
from micromacro.rows import Experiment, ExperimentRow, SampleRatio, SegmentRow, VariantGoal
from micromacro.stats import chi_square_p_value, difference_interval, two_proportion_p_value

# A sample-ratio mismatch is reported below this p-value (a deliberately strict threshold: the
# test runs on every report, and a real mismatch gives far smaller values).
SRM_P_VALUE = 0.001
_NOT_VARIANTS = (NONE, OTHER)


def experiment(
    rows: Sequence[SegmentRow],
    by: str,
    baseline: str,
    expected_split: Sequence[float] = (),
) -> Experiment:
    """Each variant of the breakdown ``by`` against ``baseline``, goal by goal, and a
    sample-ratio-mismatch test of the variants' sessions.

    Variants are the segments of ``by`` other than ``(none)`` and ``(other)``, in name order;
    ``expected_split`` gives their expected shares in that order (default: even). Raises
    ``UsageError`` when ``baseline`` is not a variant or the split does not fit.
    """
    variants = sorted(
        (row for row in rows if row.by == by and row.segment not in _NOT_VARIANTS),
        key=lambda row: row.segment,
    )
    names = [row.segment for row in variants]
    if baseline not in names:
        seen = ", ".join(names) or "none"
        raise UsageError(f"--baseline {baseline!r}: no session has it for --by {by} (seen: {seen})")
    shares = list(expected_split) or [1.0] * len(variants)
    if len(shares) != len(variants):
        raise UsageError(
            f"--expected-split has {len(shares)} shares for {len(variants)} variants "
            f"({', '.join(names)}, in that order)"
        )
    base = variants[names.index(baseline)]
    sessions = [row.sessions for row in variants]
    p_value = chi_square_p_value(sessions, shares)
    return Experiment(
        by=by,
        baseline=baseline,
        variants=tuple(_variant(row, base) for row in variants),
        sample_ratio=SampleRatio(
            variants=tuple(names),
            sessions=tuple(sessions),
            expected_split=tuple(share / sum(shares) for share in shares),
            p_value=p_value,
            mismatch=p_value is not None and p_value < SRM_P_VALUE,
        ),
    )


def _variant(row: SegmentRow, base: SegmentRow) -> ExperimentRow:
    n1, n2 = row.sessions, base.sessions
    goals = []
    for goal, base_goal in zip(row.goals, base.goals, strict=True):
        x1, x2 = goal.conversions, base_goal.conversions
        rate_1, rate_2 = rate(x1, n1), rate(x2, n2)
        interval = difference_interval(x1, n1, x2, n2)
        goals.append(
            VariantGoal(
                goal=goal.goal,
                conversions=x1,
                conversion_rate=rate_1,
                difference=rate_1 - rate_2,
                lift=(rate_1 - rate_2) / rate_2 if rate_2 else None,
                diff_ci_low=interval[0] if interval else None,
                diff_ci_high=interval[1] if interval else None,
                p_value=two_proportion_p_value(x1, n1, x2, n2),
            )
        )
    return ExperimentRow(variant=row.segment, sessions=n1, goals=tuple(goals))
