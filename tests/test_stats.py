"""Statistics checked against textbook values."""

from __future__ import annotations

import math

import polars as pl
import pytest

from micromacro.segments import q_values
from micromacro.stats import (
    chi_square_p_value,
    difference_interval,
    student_t_quantile,
    student_t_two_sided_p,
    two_proportion_p_value,
    welch_test,
    wilson_interval,
)


@pytest.mark.parametrize(
    ("successes", "trials", "low", "high"),
    [
        (1, 10, 0.0179, 0.4042),  # Wilson (1927) / Newcombe (1998) worked values
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
        (1, 4, 0.0456, 0.6994),
    ],
)
def test_wilson_interval(successes: int, trials: int, low: float, high: float) -> None:
    interval = wilson_interval(successes, trials)
    assert interval is not None
    assert interval == pytest.approx((low, high), abs=1e-4)


def test_wilson_interval_without_trials() -> None:
    assert wilson_interval(0, 0) is None


def test_two_proportion_z_test() -> None:
    # 45/100 vs 30/100: pooled p = 0.375, z = 2.191, two-sided p = 0.0285
    assert two_proportion_p_value(45, 100, 30, 100) == pytest.approx(0.0285, abs=1e-4)
    assert two_proportion_p_value(5, 10, 5, 10) == pytest.approx(1.0)
    assert two_proportion_p_value(0, 10, 0, 20) == 1.0
    assert two_proportion_p_value(1, 0, 1, 2) is None


@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2", "low", "high"),
    [
        (56, 70, 48, 80, 0.0524, 0.3339),  # Newcombe (1998), method 10, example (a)
        (9, 10, 3, 10, 0.1705, 0.8090),  # example (b)
    ],
)
def test_newcombe_difference_interval(
    x1: int, n1: int, x2: int, n2: int, low: float, high: float
) -> None:
    interval = difference_interval(x1, n1, x2, n2)
    assert interval is not None
    assert interval == pytest.approx((low, high), abs=1e-4)


@pytest.mark.parametrize(
    ("observed", "shares", "p"),
    [
        ([5100, 4900], [1, 1], 0.0455),  # χ² = 4, 1 df: the 95.45% point
        ([30, 20, 50], [1, 1, 1], 0.000912),  # χ² = 14, 2 df: p = e^(−7)
        ([12, 8, 5, 15], [1, 1, 1, 1], 0.1218),  # χ² = 5.8, 3 df (table value)
        ([60, 40], [0.6, 0.4], 1.0),  # exactly the expected split
        ([5, 2], [1, 1], 0.2568),  # χ² = 9/7, 1 df
    ],
)
def test_chi_square_goodness_of_fit(observed: list[int], shares: list[float], p: float) -> None:
    assert chi_square_p_value(observed, shares) == pytest.approx(p, abs=1e-4)


def test_chi_square_needs_two_groups_and_some_counts() -> None:
    assert chi_square_p_value([10], [1]) is None
    assert chi_square_p_value([0, 0], [1, 1]) is None


def test_benjamini_hochberg_q_values() -> None:
    # Benjamini & Hochberg (1995) step-up: sorted p 0.005, 0.01, 0.03, 0.04 (m = 4) give
    # 0.02, 0.02, 0.04, 0.04 after the running minimum from the top.
    def q(p_values: list[float | None]) -> list[float | None]:
        return q_values(pl.Series(p_values, dtype=pl.Float64)).to_list()

    assert q([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.02, 0.04, 0.04, 0.02])
    assert q([0.5, None, 0.01]) == [0.5, None, pytest.approx(0.02)]
    assert q([]) == []


# --- Welch's t-test: exact references ------------------------------------------------------------
#
# Student's t has closed forms at 1, 2 and 4 degrees of freedom, and Welch's degrees of freedom
# are exactly 2 for two samples of 2 with equal variances, and exactly 4 for two samples of 3:
# so whole tests can be worked out by hand to the last digit.


def _two_sided_p_closed_form(t: float, df: int) -> float:
    """P(|T| >= |t|) from the closed forms of Student's t distribution function."""
    if df == 1:  # Cauchy: F(t) = 1/2 + atan(t)/π
        return 1 - 2 * math.atan(abs(t)) / math.pi
    if df == 2:  # F(t) = 1/2 + t / (2·sqrt(2 + t²))
        return 1 - abs(t) / math.sqrt(2 + t * t)
    assert df == 4  # F(t) = 1/2 + (3/8)·u·(1 − t²/(12·(1 + t²/4))), u = t / sqrt(1 + t²/4)
    s = 1 + t * t / 4
    return 1 - 0.75 * abs(t) / math.sqrt(s) * (1 - t * t / (12 * s))


@pytest.mark.parametrize("df", [1, 2, 4])
@pytest.mark.parametrize("t", [0.0, 0.1, 0.5, 1.0, 1.96, 2.0, 2.776, 4.303, 12.706, 50.0])
def test_student_t_matches_its_closed_forms(t: float, df: int) -> None:
    assert student_t_two_sided_p(t, df) == pytest.approx(
        _two_sided_p_closed_form(t, df), rel=1e-12, abs=1e-15
    )
    assert student_t_two_sided_p(-t, df) == student_t_two_sided_p(t, df)


def test_student_t_quantiles() -> None:
    """The 97.5% points: tan(0.475π) at 1 df; 0.95·sqrt(2 / (4·0.975·0.025)) at 2 df; at 4 df
    2·sqrt(q − 1) with q = cos(arccos(sqrt(α)) / 3) / sqrt(α), α = 4·0.975·0.025; and the
    normal 1.959964 in the limit."""
    alpha = 4 * 0.975 * 0.025
    q = math.cos(math.acos(math.sqrt(alpha)) / 3) / math.sqrt(alpha)
    assert student_t_quantile(0.975, 1) == pytest.approx(math.tan(0.475 * math.pi), rel=1e-12)
    assert student_t_quantile(0.975, 2) == pytest.approx(0.95 * math.sqrt(2 / alpha), rel=1e-12)
    assert student_t_quantile(0.975, 4) == pytest.approx(2 * math.sqrt(q - 1), rel=1e-12)
    assert student_t_quantile(0.975, 4) == pytest.approx(2.7764451051977987, rel=1e-12)
    assert student_t_quantile(0.975, 1e9) == pytest.approx(1.959963984540054, rel=1e-8)


@pytest.mark.parametrize("t", [0.5, 2.5, 6.0])
def test_student_t_is_continuous_where_it_switches_to_the_normal_expansion(t: float) -> None:
    """Up to 1,000 degrees of freedom the incomplete beta function, above it the Cornish–Fisher
    expansion: the two agree where they meet."""
    below, above = student_t_two_sided_p(t, 999.9999), student_t_two_sided_p(t, 1000.0001)
    assert below == pytest.approx(above, rel=1e-7)
    assert student_t_quantile(0.975, 999.9999) == pytest.approx(
        student_t_quantile(0.975, 1000.0001), rel=1e-9
    )


def test_welch_two_samples_of_two() -> None:
    """A = (10, 20), B = (0, 10): means 15 and 5, variances 50 and 50.

    difference 10; standard error sqrt(50/2 + 50/2) = sqrt(50) = 7.0710678; t = sqrt(2);
    df = 50² / (25²/1 + 25²/1) = 2; p = 1 − sqrt(2)/sqrt(2 + 2) = 1 − 1/sqrt(2) = 0.2928932;
    interval 10 ± 4.3026527·7.0710678 = 10 ± 30.4243492: (−20.4243492, 40.4243492)."""
    result = welch_test(15.0, 50.0, 2, 5.0, 50.0, 2)
    assert result is not None
    half = 0.95 * math.sqrt(2 / (4 * 0.975 * 0.025)) * math.sqrt(50)
    assert result.df == pytest.approx(2.0, rel=1e-15)
    assert result.difference == 10.0
    assert result.p_value == pytest.approx(1 - 1 / math.sqrt(2), rel=1e-12)
    assert (result.low, result.high) == pytest.approx((10 - half, 10 + half), rel=1e-12)
    assert (result.low, result.high) == pytest.approx((-20.4243492, 40.4243492), abs=1e-7)


def test_welch_two_samples_of_three() -> None:
    """A = (0, 10, 20), B = (20, 30, 40): means 10 and 30, variances 100 and 100.

    difference −20; standard error sqrt(100/3 + 100/3) = 8.1649658; t = −sqrt(6);
    df = (200/3)² / (2·(100/3)²/2) = 4; with s = 1 + 6/4 = 2.5,
    p = 1 − 0.75·sqrt(6)/sqrt(2.5)·(1 − 6/30) = 1 − 0.6·sqrt(2.4) = 0.0704840;
    interval −20 ± 2.7764451·8.1649658 = −20 ± 22.6695: (−42.6695, 2.6695)."""
    result = welch_test(10.0, 100.0, 3, 30.0, 100.0, 3)
    assert result is not None
    assert result.df == pytest.approx(4.0, rel=1e-15)
    assert result.p_value == pytest.approx(1 - 0.6 * math.sqrt(2.4), rel=1e-12)
    assert result.p_value == pytest.approx(0.0704840, abs=1e-7)
    half = 2.7764451051977987 * math.sqrt(200 / 3)
    assert (result.low, result.high) == pytest.approx((-20 - half, -20 + half), rel=1e-12)


def test_welch_unequal_variances_and_sizes() -> None:
    """A = (1, 2, 3, 4, 5): mean 3, variance 2.5; B = (10, 30): mean 20, variance 200.

    v = 2.5/5 + 200/2 = 100.5; df = 100.5² / (0.5²/4 + 100²/1) = 1.0100187 (just over 1, as
    the noisy sample of two dominates); t = −17 / sqrt(100.5) = −1.6957813. Between the closed
    forms at 1 and 2 df, the p-value lies between theirs, nearer the 1-df one."""
    result = welch_test(3.0, 2.5, 5, 20.0, 200.0, 2)
    assert result is not None
    assert result.df is not None
    assert result.df == pytest.approx(100.5**2 / (0.5**2 / 4 + 100.0**2), rel=1e-14)
    assert result.df == pytest.approx(1.0100187, abs=1e-7)
    t = -17 / math.sqrt(100.5)
    one, two = _two_sided_p_closed_form(t, 1), _two_sided_p_closed_form(t, 2)
    assert two < result.p_value < one
    assert one - result.p_value < result.p_value - two
    half = student_t_quantile(0.975, result.df) * math.sqrt(100.5)
    assert (result.low, result.high) == pytest.approx((-17 - half, -17 + half), rel=1e-12)
    assert student_t_two_sided_p(half / math.sqrt(100.5), result.df) == pytest.approx(0.05)


def test_welch_edge_cases() -> None:
    assert welch_test(1.0, 0.0, 1, 0.0, 0.0, 5) is None  # a sample of one has no variance
    same = welch_test(2.0, 0.0, 3, 2.0, 0.0, 4)
    assert same is not None
    assert (same.difference, same.low, same.high, same.p_value) == (0.0, 0.0, 0.0, 1.0)
    # Samples that do not vary, with different means: Welch's t is undefined, no test (it
    # was p = 0 with an interval of no width, from four sessions)
    assert welch_test(3.0, 0.0, 3, 2.0, 0.0, 4) is None
    assert welch_test(60.0, 0.0, 2, 0.0, 0.0, 2) is None
    # The same revenue per session worked out two ways (0.3 / 3 and 0.2 / 2 are 1e-17 apart):
    # no difference, p = 1 (it was p = 0)
    rounded = welch_test(0.3 / 3, 0.0, 3, 0.2 / 2, 0.0, 2)
    assert rounded is not None
    assert (rounded.difference, rounded.low, rounded.high, rounded.p_value) == (0.0, 0.0, 0.0, 1.0)
    big = welch_test(123456.789 * 700 / 700, 1e-30, 700, 123456.789 * 500 / 500, 0.0, 500)
    assert big is not None
    assert big.p_value == 1.0
