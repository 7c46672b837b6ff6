"""Statistics checked against textbook values."""

from __future__ import annotations

import pytest

from micromacro.stats import (
    benjamini_hochberg,
    chi_square_p_value,
    difference_interval,
    two_proportion_p_value,
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
    assert benjamini_hochberg([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.02, 0.04, 0.04, 0.02])
    assert benjamini_hochberg([0.5, None, 0.01]) == [0.5, None, pytest.approx(0.02)]
    assert benjamini_hochberg([]) == []
