"""Experiments (definitions §2.7): an A/B test over the segments of one breakdown (``--baseline``).

Each variant is compared with the baseline goal by goal (difference, lift, the difference's 95%
interval and a two-proportion p-value), and by its macro revenue per session (the difference,
Welch's 95% interval and p-value over the sessions' revenue); the variants' sessions are
checked against their expected split (a chi-square sample-ratio-mismatch test).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from micromacro.dimensions import NONE, OTHER
from micromacro.errors import UsageError
from micromacro.metrics import currency_text, rate
from micromacro.rows import (
    Experiment,
    ExperimentRow,
    SampleRatio,
    SegmentRow,
    VariantGoal,
    VariantRevenue,
)
from micromacro.stats import (
    chi_square_p_value,
    difference_interval,
    two_proportion_p_value,
    welch_test,
)
from micromacro.text import inert, listed, quoted

# The characters of a variant named in a warning: a variant is a value from the log.
_NAME_CHARS = 40
# A sample-ratio mismatch is reported below this p-value (a deliberately strict threshold: the
# test runs on every report, and a real mismatch gives far smaller values).
SRM_P_VALUE = 0.001
_NOT_VARIANTS = (NONE, OTHER)


def _is_variant(row: SegmentRow) -> bool:
    """Whether a segment is a variant: it has a value of every dimension, and is not what
    ``--top`` folds together."""
    return row.segment not in _NOT_VARIANTS and NONE not in row.values


def _no_variant(baseline: str, by: str, names: list[str], rows: Sequence[SegmentRow]) -> str:
    """Why ``baseline`` is none of the variants ``names`` of ``by`` (whose segments are
    ``rows``)."""
    dimensions = by.split(",")
    lacking = [row for row in rows if row.segment == baseline and NONE in row.values]
    if baseline == NONE:
        why = "the sessions without a value are no variant"
    elif lacking:
        missing = [d for d, v in zip(dimensions, lacking[0].values, strict=True) if v == NONE]
        why = f"the sessions without a value of {', '.join(missing)} are no variant"
    elif baseline == OTHER:
        why = "what --top folds together is no variant"
    elif len(dimensions) > 1:
        why = f"no session has it for --by {by}, whose variants name a value of each dimension"
    else:
        why = f"no session has it for --by {by}"
    return f"--baseline {baseline!r}: {why} (seen: {_listed(names) or 'none'})"


def _listed(names: Sequence[str]) -> str:
    """The first of ``names`` (``text.listed``), each cut to ``_NAME_CHARS``."""
    return listed([inert(name, limit=_NAME_CHARS) for name in names])


def experiment(
    rows: Sequence[SegmentRow],
    by: str,
    baseline: str,
    expected_split: Sequence[float] = (),
) -> Experiment:
    """Each variant of the breakdown ``by`` against ``baseline``, goal by goal, and a
    sample-ratio-mismatch test of the variants' sessions.

    Variants are the segments of ``by`` other than ``(other)`` and those with a ``(none)``
    value (of any dimension of a cross), in name order;
    ``expected_split`` gives their expected shares in that order (default: even). Raises
    ``UsageError`` when ``baseline`` is not a variant or the split does not fit.
    """
    segments = [row for row in rows if row.by == by]
    variants = sorted(filter(_is_variant, segments), key=lambda row: row.segment)
    names = [row.segment for row in variants]
    if baseline not in names:
        raise UsageError(_no_variant(baseline, by, names, segments))
    shares = list(expected_split) or [1.0] * len(variants)
    if len(shares) != len(variants):
        raise UsageError(
            f"--expected-split has {len(shares):,} shares for {len(variants):,} variants "
            f"({_listed(names)}, in that order)"
        )
    base = variants[names.index(baseline)]
    sessions = [row.sessions for row in variants]
    p_value = chi_square_p_value(sessions, shares)
    check = SampleRatio(
        variants=tuple(names),
        sessions=tuple(sessions),
        expected_split=tuple(share / sum(shares) for share in shares),
        p_value=p_value,
        mismatch=p_value is not None and p_value < SRM_P_VALUE,
    )
    return Experiment(
        by=by,
        baseline=baseline,
        variants=tuple(_variant(row, base) for row in variants),
        sample_ratio=check,
        warnings=tuple(_warnings(variants, base, check)),
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
    return ExperimentRow(
        variant=row.segment, sessions=n1, goals=tuple(goals), revenue=_revenue(row, base)
    )


def _revenue(row: SegmentRow, base: SegmentRow) -> VariantRevenue:
    """The variant's macro revenue per session against the baseline's: Welch's test over the
    sessions' macro revenue, when both are in one currency (or one has no revenue yet)."""
    shown = VariantRevenue(
        macro_revenue=row.macro_revenue,
        macro_revenue_per_session=row.macro_revenue_per_session,
        currency=row.currency,
    )
    mean1, mean2 = row.macro_revenue_per_session, base.macro_revenue_per_session
    if mean1 is None or mean2 is None or not comparable(row, base):
        return shown
    test = welch_test(
        mean1, row.revenue_variance or 0.0, row.sessions,
        mean2, base.revenue_variance or 0.0, base.sessions,
    )  # fmt: skip
    if test is None:  # fewer than two sessions, or no spread: a difference, nothing to test it by
        return replace(shown, revenue_difference=mean1 - mean2)
    return replace(
        shown,
        revenue_difference=test.difference,
        revenue_diff_ci_low=test.low,
        revenue_diff_ci_high=test.high,
        revenue_p_value=test.p_value,
    )


def comparable(row: SegmentRow, base: SegmentRow) -> bool:
    """Whether two segments' macro revenues are in one currency: neither in several, and not
    in two different ones (a segment with no revenue is comparable with any)."""
    currencies = {
        part.currency for segment in (row, base) for part in segment.macro_revenue_by_currency or ()
    }
    return len(currencies) <= 1


def _warnings(variants: Sequence[SegmentRow], base: SegmentRow, check: SampleRatio) -> list[str]:
    """A sample-ratio mismatch, and each variant whose macro revenue is not in the baseline's
    one currency (its revenue difference is then null)."""
    warnings = []
    if check.mismatch:
        split = listed(
            [
                f"{inert(n, limit=_NAME_CHARS)} {s:,}"
                for n, s in zip(check.variants, check.sessions, strict=True)
            ]
        )
        warnings.append(
            f"SAMPLE RATIO MISMATCH in --by {base.by}: sessions {split} are off the expected "
            f"split (chi-square p = {check.p_value:.2g}); the comparison is not to be trusted"
        )
    for row in variants:
        if row is not base and not comparable(row, base):
            currencies = sorted(
                {
                    currency_text(p.currency)
                    for r in (row, base)
                    for p in r.macro_revenue_by_currency or ()
                }
            )
            warnings.append(
                f"experiment --by {base.by}: the macro revenue of {quoted(row.segment)} and of "
                f"the baseline {quoted(base.segment)} is in several currencies "
                f"({listed(currencies)}): "
                "no revenue difference is shown"
            )
    return warnings
