"""Statistics on proportions: Wilson intervals, the two-proportion z-test and Newcombe's interval
of a difference. Plain functions on counts, no Polars."""

from __future__ import annotations

import math

Z_95 = 1.959963984540054


def wilson_interval(successes: int, trials: int, z: float = Z_95) -> tuple[float, float] | None:
    """The Wilson score interval of a proportion; None when there are no trials.

    >>> [round(x, 4) for x in wilson_interval(1, 10)]
    [0.0179, 0.4042]
    """
    if trials <= 0:
        return None
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    # At 0 and at every trial the bound is exactly 0 or 1; rounding would leave 1e-17.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return low, high


def two_proportion_p_value(x1: int, n1: int, x2: int, n2: int) -> float | None:
    """Two-sided p-value of the pooled two-proportion z-test of x1/n1 against x2/n2.

    None when a group is empty; 1.0 when the pooled proportion is 0 or 1 (no variation).

    >>> round(two_proportion_p_value(45, 100, 30, 100), 4)
    0.0285
    """
    if n1 <= 0 or n2 <= 0:
        return None
    pooled = (x1 + x2) / (n1 + n2)
    variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
    if variance <= 0:
        return 1.0
    z = (x1 / n1 - x2 / n2) / math.sqrt(variance)
    return math.erfc(abs(z) / math.sqrt(2))


def difference_interval(
    x1: int, n1: int, x2: int, n2: int, z: float = Z_95
) -> tuple[float, float] | None:
    """Newcombe's hybrid score interval (method 10) of the difference x1/n1 − x2/n2.

    >>> [round(v, 4) for v in difference_interval(56, 70, 48, 80)]
    [0.0524, 0.3339]
    """
    first = wilson_interval(x1, n1, z)
    second = wilson_interval(x2, n2, z)
    if first is None or second is None:
        return None
    p1, p2 = x1 / n1, x2 / n2
    (l1, u1), (l2, u2) = first, second
    low = p1 - p2 - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = p1 - p2 + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return low, high


def benjamini_hochberg(p_values: list[float | None]) -> list[float | None]:
    """Benjamini–Hochberg q-values (false discovery rate) of ``p_values``, in the same order;
    None stays None and is not counted among the tests.

    >>> [round(q, 4) for q in benjamini_hochberg([0.01, 0.04, 0.03, 0.005])]
    [0.02, 0.04, 0.04, 0.02]
    """
    ranked = sorted((p, i) for i, p in enumerate(p_values) if p is not None)
    count = len(ranked)
    q_values: list[float | None] = [None] * len(p_values)
    smallest = 1.0
    for rank in range(count, 0, -1):
        p, index = ranked[rank - 1]
        smallest = min(smallest, p * count / rank)
        q_values[index] = smallest
    return q_values


def chi_square_p_value(observed: list[int], expected_shares: list[float]) -> float | None:
    """The p-value of Pearson's chi-square goodness-of-fit test of ``observed`` counts against
    ``expected_shares`` (any positive weights); None with fewer than two groups or no counts.

    >>> round(chi_square_p_value([5100, 4900], [1, 1]), 4)
    0.0455
    """
    total = sum(observed)
    weight = sum(expected_shares)
    if len(observed) < 2 or total <= 0 or weight <= 0:
        return None
    statistic = 0.0
    for count, share in zip(observed, expected_shares, strict=True):
        expected = total * share / weight
        statistic += (count - expected) ** 2 / expected
    return _upper_regularized_gamma((len(observed) - 1) / 2, statistic / 2)


def _upper_regularized_gamma(a: float, x: float) -> float:
    """Q(a, x) = Γ(a, x) / Γ(a): a series below a + 1, a continued fraction above (Numerical
    Recipes, 6.2)."""
    if x <= 0:
        return 1.0
    log_prefix = a * math.log(x) - x - math.lgamma(a)
    if x < a + 1:
        term = total = 1.0 / a
        denominator = a
        for _ in range(1000):
            denominator += 1
            term *= x / denominator
            total += term
            if abs(term) < abs(total) * 1e-15:
                break
        return max(0.0, 1.0 - total * math.exp(log_prefix))
    tiny = 1e-300
    b = x + 1 - a
    c = 1 / tiny
    d = 1 / b
    fraction = d
    for i in range(1, 1000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        step = d * c
        fraction *= step
        if abs(step - 1) < 1e-15:
            break
    return min(1.0, math.exp(log_prefix) * fraction)
