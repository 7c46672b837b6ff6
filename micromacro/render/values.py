"""How figures read for people: thousands separators, percents, durations, p-values, changes."""

from __future__ import annotations

import math
from datetime import datetime, time, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from micromacro.periods import repeated_hour_offset
from micromacro.stats import spreadsheet_figure

ColumnKind = Literal[
    "text", "int", "rate", "float", "seconds", "money", "pvalue", "flag", "change", "delta",
    "delta_seconds", "delta_money", "status",
]  # fmt: skip

# Figures at or beyond this size, which no real revenue reaches (a value is at most 1e15,
# ``hit_schema.MAX_VALUE``), are written in scientific notation: they cannot widen a table.
_HUGE = 1e18
# How an alert's status reads in a table.
_STATUS_SHOWN = {"fired": "FIRED", "ok": "ok", "not_evaluated": "not evaluated"}


def p_equals(p_value: float | None) -> str:
    """A p-value in running text: ``p = 0.012``, ``p < 0.001``.

    >>> p_equals(0.0123), p_equals(1e-9)
    ('p = 0.012', 'p < 0.001')
    """
    shown = format_value(p_value, "pvalue")
    return f"p < {shown[1:]}" if shown.startswith("<") else f"p = {shown}"


def format_value(value: object, kind: ColumnKind) -> str:
    """A value as people read it: thousands separators, percents, durations; ``n/a`` for a
    figure that cannot be computed, ``–`` for an empty text. A float that is not finite reads
    as no figure (``∞`` for a ratio, ``float``, that is infinite).

    >>> format_value(0.1234, "rate"), format_value(1234, "int"), format_value(65.5, "seconds")
    ('12.3%', '1,234', '1m 06s')
    >>> format_value(float("inf"), "money"), format_value(float("nan"), "int")
    ('–', 'n/a')
    >>> format_value(1234.5, "money"), format_value(1e200, "money")
    ('1,234.50', '1.00e+200')

    A change shows its figure's decimals: a count's none, another's two (pages per session
    4.00 against 3.00 is ``+1.00``, not ``+1.0``), and no minus sign where it rounds to nothing.

    >>> format_value(20, "delta"), format_value(1.0, "delta"), format_value(-0.001, "delta")
    ('+20', '+1.00', '+0.00')
    """
    if isinstance(value, float) and not math.isfinite(value):
        return "∞" if kind == "float" and value > 0 else format_value(None, kind)
    if value is None:
        return "–" if kind in ("text", "status", "flag", "money") else "n/a"
    if kind == "int" and isinstance(value, int | float):
        return f"{int(value):,}"
    if kind == "rate" and isinstance(value, int | float):
        return f"{half_up(value, 1, scale=100)}%"
    if kind in ("float", "money") and isinstance(value, int | float):
        return _amount(value)
    if kind == "status":
        return _STATUS_SHOWN.get(str(value), str(value))
    if kind == "flag":
        return "yes" if value else ""
    if kind == "change" and isinstance(value, int | float):
        shown = half_up(value, 1, scale=100)
        if shown == 0:  # a change that rounds to nothing has no direction
            return "= 0.0 pp"
        return f"{'▲' if shown > 0 else '▼'} {shown:+} pp"
    if kind == "delta" and isinstance(value, int | float):  # a count's, or a float figure's
        whole = isinstance(value, int) and abs(value) < _HUGE
        return f"{value:+,}" if whole else _amount(value, "+")
    if kind == "delta_money" and isinstance(value, int | float):
        return _amount(value, "+")
    if kind == "delta_seconds" and isinstance(value, int | float):
        seconds = format_seconds(abs(float(value)))
        return ("-" if value < 0 and seconds != "0s" else "+") + seconds
    if kind == "pvalue" and isinstance(value, int | float):
        return "<0.001" if value < 0.001 else str(half_up(value, 3))
    if kind == "seconds" and isinstance(value, int | float):
        return format_seconds(float(value))
    return str(value)


def as_shown(value: float, scale: int = 1) -> Decimal:
    """``value`` × ``scale`` from the decimal of the float's first 15 significant digits, the
    figure a spreadsheet rounds (0.9 − 0.7 is 0.2).

    >>> as_shown(0.9 - 0.7), as_shown(0.05125, 100)
    (Decimal('0.2'), Decimal('5.12500'))
    """
    return spreadsheet_figure(value) * scale


def half_up(value: float, places: int, *, scale: int = 1) -> Decimal:
    """``value`` × ``scale`` to ``places`` decimals, a half rounded away from zero, as a
    spreadsheet shows it: from the decimal of the float's first 15 significant digits, not its
    binary value nor the error a subtraction leaves (1/5 - 5/16 is -0.11249999999999999).

    >>> half_up(0.0625, 1, scale=100), half_up(-0.0625, 1, scale=100), half_up(2.675, 2)
    (Decimal('6.3'), Decimal('-6.3'), Decimal('2.68'))
    >>> half_up(1 / 5 - 5 / 16, 1, scale=100)
    Decimal('-11.3')
    """
    return as_shown(value, scale).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _amount(value: float, sign: str = "") -> str:
    """``1,234.50`` (``+1,234.50`` with ``sign`` ``+``), or ``1.23e+20`` from ``_HUGE`` on; an
    amount that rounds to nothing has no minus sign.

    >>> _amount(-1234.5), _amount(2.5, "+"), _amount(-1e18), _amount(-0.001, "+")
    ('-1,234.50', '+2.50', '-1.00e+18', '+0.00')
    """
    if abs(value) >= _HUGE:
        return f"{value:{sign}.2e}"
    rounded = half_up(value, 2)
    return f"{rounded.copy_abs() if rounded == 0 else rounded:{sign},}"


def format_seconds(seconds: float) -> str:
    """``42s``, ``3m 07s`` or ``1h 02m``.

    >>> format_seconds(42.4), format_seconds(2.5), format_seconds(187), format_seconds(3725)
    ('42s', '3s', '3m 07s', '1h 02m')
    """
    whole = int(half_up(seconds, 0))
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m {whole % 60:02d}s"
    return f"{whole // 3600}h {whole % 3600 // 60:02d}m"


def format_instant(instant: datetime, tz: tzinfo) -> str:
    """An instant as people read it, in the report's time zone.

    >>> from datetime import UTC
    >>> format_instant(datetime(2026, 11, 4, 9, 5, tzinfo=UTC), UTC)
    '4 Nov 2026 09:05'
    """
    local = instant.astimezone(tz)
    return f"{local.day} {local:%b %Y %H:%M}{repeated_hour_offset(local)}"


def short_span(start: datetime, end: datetime, tz: tzinfo) -> str:
    """A period as a column header names it: its days, the last one included (an end at
    midnight belongs to the day before), with times only when it does not run midnight to
    midnight.

    >>> from datetime import UTC
    >>> short_span(datetime(2026, 10, 28, tzinfo=UTC), datetime(2026, 11, 4, tzinfo=UTC), UTC)
    '28 Oct–3 Nov 2026'
    """
    first, after = start.astimezone(tz), end.astimezone(tz)
    if first.time() != time(0) or after.time() != time(0):
        return f"{format_instant(start, tz)}–{format_instant(end, tz)}"
    last = after - timedelta(days=1)
    if last.date() <= first.date():
        return f"{first.day} {first:%b %Y}"
    head = f"{first.day} {first:%b}" if first.year == last.year else f"{first.day} {first:%b %Y}"
    return f"{head}–{last.day} {last:%b %Y}"
