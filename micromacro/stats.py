"""Statistics on proportions: Wilson intervals, the two-proportion z-test and Newcombe's interval
of a difference; on means: Welch's t-test of a difference of two means (revenue per session);
and a float as the figure a spreadsheet shows. Plain functions on counts and moments, no
Polars."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from statistics import NormalDist

Z_95 = 1.959963984540054


def spreadsheet_figure(value: float) -> Decimal:
    """The decimal of ``value``'s first 15 significant digits: the figure a spreadsheet shows,
    without the last bits binary arithmetic leaves (0.9 − 0.7 is 0.2, 0.1 × 3 is 0.3).

    >>> spreadsheet_figure(0.9 - 0.7), spreadsheet_figure(0.1 * 3)
    (Decimal('0.2'), Decimal('0.3'))
    """
    return Decimal(f"{float(value):.15g}")


def money_difference(now: float, before: float) -> float:
    """``now − before`` of two sums of money, taken between the figures shown (each its first
    15 significant digits) exactly: a float subtraction keeps its operands' binary errors, which
    grow with the sums.

    >>> money_difference(0.3, 0.1), money_difference(123456789.3, 123456789.1)
    (0.2, 0.2)
    """
    return float(spreadsheet_figure(now) - spreadsheet_figure(before))


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


# --- means: Welch's t-test ---------------------------------------------------------------------


@dataclass(frozen=True)
class WelchResult:
    """Welch's t-test of mean1 − mean2: the difference, its interval, the two-sided p-value,
    and the Welch–Satterthwaite degrees of freedom (None when both variances are 0)."""

    difference: float
    low: float
    high: float
    p_value: float
    df: float | None


# What rounding leaves of a difference or a spread, relative to the means it is of: revenue per
# session is a sum over a count, so equal ones can differ in their last bits (0.3 / 3 and 0.1).
_FLOAT_NOISE = 1e-9


def welch_test(
    mean1: float,
    variance1: float,
    n1: int,
    mean2: float,
    variance2: float,
    n2: int,
    level: float = 0.95,
) -> WelchResult | None:
    """Welch's unequal-variances t-test of two samples given by their means, sample variances
    (divided by n − 1) and sizes: the interval of mean1 − mean2 at ``level`` and the
    two-sided p-value; None when a sample has fewer than two values. Where neither sample
    varies (beyond the rounding of floats, relative to the means): the same means are a
    difference of 0 (p = 1, the interval 0 to 0); different ones have no variance to be tested
    against, and are None too (Welch's t is undefined there).

    >>> result = welch_test(15.0, 50.0, 2, 5.0, 50.0, 2)
    >>> result.df, round(result.p_value, 6), [round(x, 4) for x in (result.low, result.high)]
    (2.0, 0.292893, [-20.4243, 40.4243])
    >>> welch_test(0.3 / 3, 0.0, 3, 0.1, 0.0, 2)
    WelchResult(difference=0.0, low=0.0, high=0.0, p_value=1.0, df=None)
    >>> welch_test(60.0, 0.0, 2, 0.0, 0.0, 2) is None
    True
    """
    if n1 < 2 or n2 < 2:
        return None
    difference = mean1 - mean2
    part1, part2 = max(variance1, 0.0) / n1, max(variance2, 0.0) / n2
    variance = part1 + part2
    noise = _FLOAT_NOISE * max(abs(mean1), abs(mean2))
    if variance <= noise * noise:
        if abs(difference) <= noise:
            return WelchResult(0.0, 0.0, 0.0, 1.0, None)
        return None
    error = math.sqrt(variance)
    df = variance * variance / (part1 * part1 / (n1 - 1) + part2 * part2 / (n2 - 1))
    half = student_t_quantile(1 - (1 - level) / 2, df) * error
    p_value = student_t_two_sided_p(difference / error, df)
    return WelchResult(difference, difference - half, difference + half, p_value, df)


def student_t_two_sided_p(t: float, df: float) -> float:
    """P(|T| >= |t|) for Student's t with ``df`` degrees of freedom (df > 0): the regularized
    incomplete beta function I_x(df/2, 1/2) at x = df / (df + t²).

    >>> round(student_t_two_sided_p(1.0, 1.0), 12)  # Cauchy: 1 − 2·atan(1)/π
    0.5
    """
    if not math.isfinite(t):
        return 0.0
    if t == 0:
        return 1.0
    if df > _LARGE_DF:  # z with t(z) = |t| by bisection; t(z) grows with z
        low, high = 0.0, abs(t)
        for _ in range(200):
            middle = (low + high) / 2
            if middle in (low, high):
                break
            low, high = (middle, high) if _t_of_z(middle, df) < abs(t) else (low, middle)
        return math.erfc((low + high) / 2 / math.sqrt(2))
    ratio = t * t / df  # x = 1 / (1 + ratio), 1 − x = ratio / (1 + ratio), logs kept exact
    log_x = -math.log1p(ratio)
    return _regularized_beta(df / 2, 0.5, math.exp(log_x), log_x, math.log(ratio) + log_x)


# Above these degrees of freedom the continued fraction of ``_regularized_beta`` needs more
# terms than it is given (about the square root of df/2), and Student's t is read from the
# normal distribution by the Cornish–Fisher expansion, exact to about df⁻⁵.
_LARGE_DF = 1000.0


def _t_of_z(z: float, df: float) -> float:
    """The quantile of Student's t at the probability of the normal quantile ``z``: the
    Cornish–Fisher expansion to the fourth power of 1/df (Abramowitz and Stegun, 26.7.5)."""
    z2 = z * z
    terms = (
        z * (z2 + 1) / 4,
        z * ((5 * z2 + 16) * z2 + 3) / 96,
        z * (((3 * z2 + 19) * z2 + 17) * z2 - 15) / 384,
        z * ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) / 92160,
    )
    return z + sum(term / df**power for power, term in enumerate(terms, start=1))


def student_t_quantile(probability: float, df: float) -> float:
    """The ``probability`` quantile (above 0.5) of Student's t with ``df`` degrees of freedom,
    found by bisection on ``student_t_two_sided_p`` to the last bits of a float.

    >>> round(student_t_quantile(0.975, 1.0), 10)  # tan(0.475·π)
    12.7062047362
    """
    if not 0.5 < probability < 1:
        raise ValueError(f"probability {probability} is not between 0.5 and 1")
    if df > _LARGE_DF:
        return _t_of_z(NormalDist().inv_cdf(probability), df)
    tail = 2 * (1 - probability)
    low, high = 0.0, 1.0
    while student_t_two_sided_p(high, df) > tail:
        low, high = high, high * 2
    for _ in range(200):
        middle = (low + high) / 2
        if middle in (low, high):
            break
        if student_t_two_sided_p(middle, df) > tail:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def _regularized_beta(a: float, b: float, x: float, log_x: float, log_y: float) -> float:
    """I_x(a, b), given log x and log(1 − x) (so that neither loses digits near 0 or 1), by the
    continued fraction (modified Lentz) on the side where it converges fast (Numerical
    Recipes, 6.4)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    log_front = _log_gamma_ratio(a, b) - math.lgamma(b) + a * log_x + b * log_y
    if x < (a + 1) / (a + b + 2):
        return math.exp(log_front) * _beta_fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _beta_fraction(b, a, math.exp(log_y)) / b


def _log_gamma_ratio(a: float, b: float) -> float:
    """ln Γ(a + b) − ln Γ(a), without the cancellation of two large ``lgamma`` values when
    ``a`` is large (Welch's degrees of freedom of big samples): Stirling's series, whose
    leading terms differ by (a − ½)·log1p(b/a) + b·ln(a + b) − b."""
    if a < 100:
        return math.lgamma(a + b) - math.lgamma(a)
    c = a + b
    return (
        (a - 0.5) * math.log1p(b / a)
        + b * math.log(c)
        - b
        + (1 / c - 1 / a) / 12
        - (1 / c**3 - 1 / a**3) / 360
    )


def _beta_fraction(a: float, b: float, x: float) -> float:
    tiny = 1e-300
    c = 1.0
    d = 1.0 - (a + b) * x / (a + 1)
    d = 1 / (tiny if abs(d) < tiny else d)
    fraction = d
    for m in range(1, 1000):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1 + numerator * d
            d = 1 / (tiny if abs(d) < tiny else d)
            c = 1 + numerator / c
            c = tiny if abs(c) < tiny else c
            fraction *= d * c
        if abs(d * c - 1) < 1e-16:
            break
    return fraction
