"""Values beyond any amount of money (definitions §2.4, decisions: revenue): a number that is not
finite or beyond ±1e15 (``hit_schema.MAX_VALUE``) is no value, as ``NaN`` is: the conversion
counts, is worth nothing, and no warning is given. So sums cannot overflow; and as a last safety
net no renderer writes, or crashes on, a float that is not finite.

Every expected figure is worked out by hand in its test's docstring.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from micromacro import hit_schema
from micromacro.cli import cli
from micromacro.errors import ConfigError
from micromacro.goals_file import parse_goals
from tests.test_revenue import goals_of

UA = '"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"'
ORDER_GOALS = """goals:
  - name: order
    kind: macro
    destination: /thanks
    value: {from: 'query:total'}
"""
EVERY_GOAL = """  - name: orders
    kind: micro
    destination: /thanks
    value: {from: 'query:total'}
    count: every
"""


def log_line(visitor: int, minute: int, target: str) -> str:
    """A combined-format page view of ``target`` by 198.51.100.``visitor`` at 09:MM (+01:00)."""
    return (
        f'198.51.100.{visitor} - - [02/Nov/2026:09:{minute:02d}:00 +0100] "GET {target} '
        f'HTTP/1.1" 200 512 "-" {UA}\n'
    )


def write(folder: Path, name: str, text: str) -> str:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["report", *args])


def report_json(*args: str) -> tuple[dict[str, object], str]:
    """The JSON report and stderr of ``micromacro report ARGS --format json`` (exit 0)."""
    result = run(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout), result.stderr


def revenue_of(row: dict[str, object]) -> tuple[object, ...]:
    """A goal's conversions, ``value``, ``revenue``, per session, per visitor, currency, and
    by currency."""
    keys = (
        "conversions", "value", "revenue", "revenue_per_session", "revenue_per_visitor",
        "currency", "revenue_by_currency",
    )  # fmt: skip
    return tuple(row[key] for key in keys)


def macro_revenue_of(data: dict[str, object]) -> tuple[object, ...]:
    summary = data["summary"]
    assert isinstance(summary, dict)
    keys = ("macro_revenue", "macro_revenue_per_session", "currency", "macro_revenue_by_currency")
    return tuple(summary[key] for key in keys)


# --- a query-string value ------------------------------------------------------------------------


@pytest.fixture
def query_log(tmp_path: Path) -> list[str]:
    """Five visitors, one session each, every one converting on /thanks:

    - .1: ?total=1e308 twice (added up, 2e308 would overflow to infinity) → no value;
    - .2: ?total=40 → 40; .3: ?total=1e15, the bound itself → 1e15;
    - .4: ?total=-1e16, beyond the bound the other way → no value; .5: ?total=NaN → no value.
    """
    lines = [
        log_line(1, 0, "/thanks?total=1e308"),
        log_line(1, 1, "/thanks?total=1e308"),
        log_line(2, 10, "/thanks?total=40"),
        log_line(3, 20, "/thanks?total=1e15"),
        log_line(4, 30, "/thanks?total=-1e16"),
        log_line(5, 40, "/thanks?total=NaN"),
    ]
    log = write(tmp_path, "access.log", "".join(lines))
    return [log, "--goals", write(tmp_path, "goals.yaml", ORDER_GOALS + EVERY_GOAL)]


def test_a_query_value_beyond_the_bound_is_no_value(query_log: list[str]) -> None:
    """order (once per session): 5 conversions, worth 40 + 1e15 = 1,000,000,000,000,040, a
    fifth of it, 200,000,000,000,008, a session and a visitor (5 each), no currency. orders
    (every): 6 conversions (.1 twice), worth the same. The macro revenue is order's. As for
    NaN, nothing is said on stderr."""
    data, stderr = report_json(*query_log)
    goals = goals_of(data)
    total, share = 1_000_000_000_000_040.0, 200_000_000_000_008.0
    by_currency = [{"currency": None, "revenue": total}]
    assert revenue_of(goals["order"]) == (5, total, total, share, share, None, by_currency)
    assert revenue_of(goals["orders"]) == (6, total, total, share, share, None, by_currency)
    assert macro_revenue_of(data) == (total, share, None, by_currency)
    assert "warning" not in stderr


def test_a_query_value_beyond_the_bound_in_the_tables(query_log: list[str]) -> None:
    """The terminal shows the figures above with separators; CSV writes them as floats."""
    out = run(*query_log).stdout.splitlines()
    assert "  Macro revenue                1,000,000,000,000,040.00" in out
    assert "  Macro revenue per session      200,000,000,000,008.00" in out
    csv = run(*query_log, "--format", "csv").stdout.splitlines()
    assert csv[1].startswith("order,macro,,destination,once_per_session,5,5,1.0,")
    assert csv[1].endswith(
        ",1000000000000040.0,1000000000000040.0,200000000000008.0,200000000000008.0,"
    )


def test_a_fixed_value_beyond_the_bound_is_a_configuration_error() -> None:
    """A fixed value is written by the user: above 1e15 it is an error, 1e15 itself loads."""
    text = "goals:\n  - name: a\n    kind: macro\n    destination: /a\n    value: {}\n"
    with pytest.raises(ConfigError) as info:
        parse_goals(text.format("2.0e+15"), path="goals.yaml")
    assert info.value.problems == [
        "goals.yaml:5:12: invalid value of goal 'a': expected a number of at most 1e15 (no "
        "value is larger), got the number 2.0e+15"
    ]
    (goal,) = parse_goals(text.format("1000000000000000"), path="goals.yaml").goals
    assert goal.value == 1e15


# --- an export's revenue column ------------------------------------------------------------------

EXPORT = """t,u,event,value,total,cur,tax
2026-11-02T09:00:00Z,u1,add_to_cart,1e300,,,
2026-11-02T09:01:00Z,u1,purchase,,1e308,eur,1e200
2026-11-02T09:02:00Z,u1,purchase,,1e308,eur,
2026-11-02T10:00:00Z,u2,add_to_cart,12,,,
2026-11-02T10:01:00Z,u2,purchase,,25.5,EUR,4.5
2026-11-02T11:00:00Z,u3,purchase,,-1e16,EUR,
"""
EXPORT_GOALS = """source:
  timestamp: t
  user_id: u
  event_name: event
  event_value: value
  revenue: total
  currency: cur
goals:
  - {name: purchase, kind: macro, event: {name: purchase}, value: {from: revenue}, count: every}
  - {name: tax, kind: micro, event: {name: purchase}, value: {from: tax}, count: every}
  - {name: cart, kind: micro, event: {name: add_to_cart}, value: event, count: every}
"""


def test_an_export_revenue_column_beyond_the_bound(tmp_path: Path) -> None:
    """Three visitors, one session each (3 sessions, 3 visitors).

    purchase (every, the revenue column): u1's two 1e308 EUR (added up, past the float maximum)
    and u3's -1e16 are no value; u2's 25.5 EUR: 4 conversions worth 25.5 EUR, 8.5 a session and
    a visitor. The EUR of u1's rows holds no value, so adds no amount. tax (the export's column
    tax): 1e200 is no value, 4.5 → 4.5 EUR, 1.5 a session. cart (value: event): 1e300 is no
    value, 12 → 12.0, no currency, 4.0 a session. The macro revenue is purchase's."""
    export = write(tmp_path, "events.csv", EXPORT)
    goals_path = write(tmp_path, "goals.yaml", EXPORT_GOALS)
    data, stderr = report_json(export, "--goals", goals_path)
    goals = goals_of(data)
    eur = [{"currency": "EUR", "revenue": 25.5}]
    assert revenue_of(goals["purchase"]) == (4, 25.5, 25.5, 8.5, 8.5, "EUR", eur)
    tax = [{"currency": "EUR", "revenue": 4.5}]
    assert revenue_of(goals["tax"]) == (4, 4.5, 4.5, 1.5, 1.5, "EUR", tax)
    cart = [{"currency": None, "revenue": 12.0}]
    assert revenue_of(goals["cart"]) == (2, 12.0, 12.0, 4.0, 4.0, None, cart)
    assert macro_revenue_of(data) == (25.5, 8.5, "EUR", eur)
    assert "warning" not in stderr
    csv = run(export, "--goals", goals_path, "--format", "csv", "--table", "summary").stdout
    assert csv.splitlines()[1].endswith(",25.5,8.5,EUR")


# --- an experiment -------------------------------------------------------------------------------


def test_an_experiment_with_a_value_beyond_the_bound(tmp_path: Path) -> None:
    """Variant A: sessions worth 10 and 20 (30, 15 a session); B: 10 and ?total=1e200, no
    value, so 0 (10, 5 a session).

    Welch, B against A: means 5 and 15, sample variances 50 and 50 (n = 2 each); difference
    -10; standard error sqrt(50/2 + 50/2) = sqrt(50); t = -sqrt(2); df = 50² / (25² + 25²) = 2;
    p = 1 - 1/sqrt(2) = 0.2928932; interval -10 ± t(0.975, 2)·sqrt(50), with t(0.975, 2) =
    0.95 / sqrt(2 · 0.975 · 0.025) = 4.3026527: -10 ± 30.4243492."""
    lines = [
        log_line(1, 0, "/?variant=A"), log_line(1, 5, "/thanks?total=10"),
        log_line(2, 10, "/?variant=A"), log_line(2, 15, "/thanks?total=20"),
        log_line(3, 20, "/?variant=B"), log_line(3, 25, "/thanks?total=10"),
        log_line(4, 30, "/?variant=B"), log_line(4, 35, "/thanks?total=1e200"),
    ]  # fmt: skip
    args = [
        write(tmp_path, "access.log", "".join(lines)),
        "--goals", write(tmp_path, "goals.yaml", ORDER_GOALS),
        "--by", "query:variant", "--baseline", "A",
    ]  # fmt: skip
    data, _ = report_json(*args)
    experiment = data["experiment"]
    assert isinstance(experiment, dict)
    a, b = experiment["variants"]
    half = 0.95 / math.sqrt(2 * 0.975 * 0.025) * math.sqrt(50)
    assert half == pytest.approx(30.4243492, abs=1e-7)
    assert (a["macro_revenue"], a["macro_revenue_per_session"]) == (30.0, 15.0)
    assert (b["macro_revenue"], b["macro_revenue_per_session"], b["revenue_difference"]) == (
        10.0,
        5.0,
        -10.0,
    )
    assert (b["revenue_diff_ci_low"], b["revenue_diff_ci_high"]) == (
        pytest.approx(-10 - half, rel=1e-12),
        pytest.approx(-10 + half, rel=1e-12),
    )
    assert b["revenue_p_value"] == pytest.approx(1 - 1 / math.sqrt(2), rel=1e-12)
    out = run(*args).stdout.splitlines()
    b_line = "  B                2           10.00                5.00       -10.00         -40.42"
    assert b_line + "           20.42     0.293" in out


# --- the last safety net: no renderer takes a float that is not finite ---------------------------


@pytest.fixture
def infinite_revenue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Two sessions worth 1e308 each with the bound lifted: the revenue adds up to 2e308, which
    is infinity, and so is its half per session and per visitor."""
    monkeypatch.setattr(hit_schema, "MAX_VALUE", math.inf)
    lines = [log_line(1, 0, "/thanks?total=1e308"), log_line(2, 10, "/thanks?total=1e308")]
    log = write(tmp_path, "access.log", "".join(lines))
    return [log, "--goals", write(tmp_path, "goals.yaml", ORDER_GOALS)]


def test_json_writes_null_for_a_float_that_is_not_finite(infinite_revenue: list[str]) -> None:
    data, _ = report_json(*infinite_revenue)
    (order,) = goals_of(data).values()
    no_figure = [{"currency": None, "revenue": None}]
    assert revenue_of(order) == (2, None, None, None, None, None, no_figure)
    assert macro_revenue_of(data) == (None, None, None, no_figure)


def test_tables_csv_and_html_show_no_figure_for_a_float_that_is_not_finite(
    infinite_revenue: list[str],
) -> None:
    """The terminal and Markdown show ``–`` (money without a figure), CSV empty cells (value,
    revenue, per session, per visitor, then the currency, none), HTML an empty raw value."""
    table = run(*infinite_revenue)
    assert table.exit_code == 0
    assert "  Macro revenue                     –" in table.stdout.splitlines()
    markdown = run(*infinite_revenue, "--format", "markdown").stdout
    assert "| Macro revenue | – |\n| Macro revenue per session | – |\n" in markdown
    csv = run(*infinite_revenue, "--format", "csv").stdout.splitlines()
    assert csv[1] == (
        "order,macro,,destination,once_per_session,2,2,1.0,0.34238022750665303,1.0,2,1.0,"
        "0.34238022750665303,1.0,,,,,"
    )
    html = run(*infinite_revenue, "--format", "html").stdout
    assert '<div class="figure" data-key="macro_revenue" data-value="">' in html
    for text in (table.stdout, markdown, "\n".join(csv), html):
        assert not re.search(r"\b(?:inf|nan)\b", text, re.IGNORECASE)
