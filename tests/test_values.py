"""How figures read for people (``render.values``): a half is rounded away from zero, as a
spreadsheet shows it (6.25% reads 6.3%, not 6.2% as Python's round-half-even on the binary value
gave), from the decimal a float is written as."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from micromacro.render.values import ColumnKind, format_value


@pytest.mark.parametrize(
    ("value", "kind", "shown"),
    [
        (0.0625, "rate", "6.3%"),  # 1/16: a half at the first decimal of a percent
        (0.0125, "rate", "1.3%"),
        (1 / 3, "rate", "33.3%"),
        (-0.0625, "change", "▼ -6.3 pp"),
        (0.0625, "change", "▲ +6.3 pp"),
        (0.0004, "change", "= 0.0 pp"),
        (0.0625, "pvalue", "0.063"),
        (2.675, "money", "2.68"),  # 2.67499999… in binary, written 2.675
        (-1234.565, "money", "-1,234.57"),
        (2.5, "delta_money", "+2.50"),
        (1 / 5 - 5 / 16, "change", "▼ -11.3 pp"),  # -0.11249999999999999 as a float
        (2.5, "seconds", "3s"),
        (2.5, "delta_seconds", "+3s"),
    ],
)
def test_a_half_is_rounded_away_from_zero(value: float, kind: ColumnKind, shown: str) -> None:
    assert format_value(value, kind) == shown


def _half_up_percent(share: Fraction) -> str:
    """``share`` as a percent with one decimal, a half up: integer arithmetic on the fraction."""
    tenths = share * 1000  # percent × 10
    whole, rest = divmod(tenths.numerator, tenths.denominator)
    if 2 * rest >= tenths.denominator:
        whole += 1
    return f"{whole // 10}.{whole % 10}%"


@given(st.integers(1, 400).flatmap(lambda d: st.tuples(st.integers(0, d), st.just(d))))
def test_a_rate_of_counts_reads_as_its_exact_fraction_rounded(counts: tuple[int, int]) -> None:
    """A rate is converting / sessions: shown, it is the exact fraction's percent rounded half
    up, whatever the float holds."""
    converting, sessions = counts
    shown = format_value(converting / sessions, "rate")
    assert shown == _half_up_percent(Fraction(converting, sessions))


@given(
    st.integers(1, 60)
    .flatmap(
        lambda d: st.tuples(st.integers(0, d), st.just(d), st.integers(0, 60), st.integers(1, 60))
    )
    .filter(lambda c: c[2] <= c[3])
)
@example(counts=(1, 5, 5, 16))
def test_a_change_of_rates_reads_as_its_exact_difference_rounded(
    counts: tuple[int, int, int, int],
) -> None:
    """A change is this rate less the earlier one: shown, it is the exact difference's
    percentage points rounded half away from zero (1/5 - 5/16 is -11.25 pp, shown -11.3), not
    the float's, which the subtraction leaves a hair off the half."""
    now, sessions, before, earlier = counts
    change = Fraction(now, sessions) - Fraction(before, earlier)
    shown = format_value(now / sessions - before / earlier, "change")
    magnitude = _half_up_percent(abs(change)).removesuffix("%")
    sign = "+" if change > 0 else "-" if change < 0 else ""
    assert shown.split(" ", 1)[1] == f"{sign}{magnitude} pp" or (
        magnitude == "0.0" and shown.endswith("0.0 pp")
    )
