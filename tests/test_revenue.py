"""Revenue (definitions §2.4, §2.6, §2.7): goals valued from the data, figures worked out by hand.

Each fixture's expected revenue is written out in its test's docstring: the hits that convert,
the value each one is worth, and what that adds up to per goal, per currency, per session and
per visitor. A report whose goals have no value stays what it was before revenue, byte for byte
but for the new fields, all null: ``tests/fixtures/before_revenue/`` holds that report.
"""

from __future__ import annotations

import json
import math
import os
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from micromacro.cli import cli
from micromacro.metric_paths import ReportShape, parse_metric

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
EXPORTS = FIXTURES / "exports"
GA4 = [str(EXPORTS / "ga4_revenue.ndjson"), "--goals", str(EXPORTS / "ga4_revenue_goals.yaml")]
SEGMENT = [
    str(EXPORTS / "segment_revenue.ndjson"), "--goals", str(EXPORTS / "segment_revenue_goals.yaml"),
]  # fmt: skip
LOG = [str(FIXTURES / "revenue.log"), "--goals", str(FIXTURES / "revenue_goals.yaml")]


def report(*args: str) -> tuple[dict[str, object], str]:
    """The JSON report and stderr of ``micromacro report ARGS --format json``."""
    result = CliRunner().invoke(cli, ["report", *args, "--format", "json"])
    assert result.exit_code in (0, 3), result.output
    return json.loads(result.stdout), result.stderr


def goals_of(data: dict[str, object]) -> dict[str, dict[str, object]]:
    goals = data["goals"]
    assert isinstance(goals, list)
    return {goal["name"]: goal for goal in goals}


def revenue_of(row: dict[str, object]) -> tuple[object, ...]:
    """A goal's ``value``, ``revenue``, per session, per visitor, currency, and by currency."""
    return tuple(
        row[key]
        for key in (
            "value", "revenue", "revenue_per_session", "revenue_per_visitor", "currency",
            "revenue_by_currency",
        )
    )  # fmt: skip


def by_currency(*pairs: tuple[str | None, float]) -> list[dict[str, object]]:
    return [{"currency": c, "revenue": pytest.approx(r, rel=1e-12)} for c, r in pairs]


def approx(value: float) -> object:
    return pytest.approx(value, rel=1e-12)


# --- GA4 ---------------------------------------------------------------------------------------


def test_ga4_revenue_by_goal_and_currency() -> None:
    """ga4_revenue.ndjson: four visitors, one session each (4 sessions, 4 visitors).

    - 100.1 (09:00): add_to_cart, value 40.0 EUR; purchase T1, purchase_revenue 59.9 EUR (tax
      9.56); purchase T2, 20.0 EUR (tax 3.19).
    - 200.2 (10:00): purchase T3, purchase_revenue null, so the value parameter, int 35, currency
      "eur" (upper-cased: EUR); no tax value.
    - 300.3 (12:00): purchase T4, 100.0 USD (tax 16.0).
    - 400.4 (13:00): a page view.

    purchase (once per session): 59.9 (the first of 100.1's two) + 35 = 94.9 EUR, and 100.0 USD:
    two currencies, so revenue, value and the per-session and per-visitor figures are null.
    purchases (every): 59.9 + 20 + 35 = 114.9 EUR, and 100.0 USD. tax (every; the column
    ecommerce.tax_value): 9.56 + 3.19 = 12.75 EUR (T3 has none), and 16.0 USD. cart (value:
    event): 40.0 EUR, 40 / 4 = 10.0 a session and a visitor. Macro revenue: purchase's, null.
    """
    data, stderr = report(*GA4)
    goals = goals_of(data)
    assert [goals[name]["conversions"] for name in goals] == [3, 4, 4, 1]
    assert revenue_of(goals["purchase"]) == (
        None, None, None, None, None, by_currency(("EUR", 94.9), ("USD", 100.0)),
    )  # fmt: skip
    assert goals["purchases"]["revenue_by_currency"] == by_currency(("EUR", 114.9), ("USD", 100.0))
    assert goals["tax"]["revenue_by_currency"] == by_currency(("EUR", 12.75), ("USD", 16.0))
    assert revenue_of(goals["cart"]) == (40.0, 40.0, 10.0, 10.0, "EUR", by_currency(("EUR", 40)))
    summary = data["summary"]
    assert isinstance(summary, dict)
    assert summary["macro_revenue"] is None
    assert summary["currency"] is None
    assert summary["macro_revenue_by_currency"] == by_currency(("EUR", 94.9), ("USD", 100.0))
    assert (
        "micromacro: warning: goal 'purchase': revenue in 2 currencies (EUR 94.90, USD 100.00) "
        "is not added up; it is null, and JSON lists it by currency\n"
    ) in stderr
    assert "warning: the macro revenue: revenue in 2 currencies (EUR 94.90, USD 100.00)" in stderr
    assert "goal 'cart'" not in stderr


def test_a_warning_names_the_first_twenty_currencies(tmp_path: Path) -> None:
    """An export whose currency column holds anything (a currency a row, 30 characters each):
    each warning names 20, each cut to 20 characters, and counts the rest, on one short line;
    an alert on the revenue says the same."""
    rows = [
        {"type": "track", "event": "Order Completed", "anonymousId": f"a{i}",
         "timestamp": f"2026-11-02T10:{i // 60:02d}:{i % 60:02d}Z",
         "properties": {"revenue": 10, "currency": f"C{i:04d}" + "X" * 25, "path": "/x"}}
        for i in range(300)
    ]  # fmt: skip
    export = tmp_path / "events.ndjson"
    export.write_text("".join(json.dumps(row) + "\n" for row in rows))
    goals = tmp_path / "goals.yaml"
    goals.write_text(
        "source:\n  preset: segment\ngoals:\n  - name: purchase\n    kind: macro\n"
        "    event: {name: Order Completed}\n    value: {from: revenue}\n"
        "alerts:\n  - name: revenue gone\n    metric: summary.macro_revenue\n    below: 5\n"
    )
    result = CliRunner().invoke(cli, ["alert", str(export), "--goals", str(goals)])
    shown = ", ".join(f"C{i:04d}" + "X" * 14 + "… 10.00" for i in range(20))
    _, stderr = report(str(export), "--goals", str(goals))
    assert (
        f"micromacro: warning: goal 'purchase': revenue in 300 currencies ({shown}, … and 280 "
        "more) is not added up; it is null, and JSON lists it by currency\n"
    ) in stderr
    assert max(len(line) for line in stderr.splitlines()) < 1000
    assert result.exit_code == 0, result.stderr
    assert max(len(line) for line in result.output.splitlines()) < 1000
    apart = ", ".join(f"C{i:04d}" + "X" * 14 + "…" for i in range(20))
    assert (
        f"alert 'revenue gone' not evaluated: revenue in 300 currencies ({apart}, … and 280 "
        "more), which add up to no one figure"
    ) in result.stderr


def test_ga4_revenue_in_one_currency() -> None:
    """Until 11:00 UTC: visitors 100.1 and 200.2 only, 2 sessions, all in EUR.

    purchase: 59.9 + 35 = 94.9 EUR, 94.9 / 2 = 47.45 a session and a visitor; purchases:
    114.9, 57.45 a session; tax: 12.75; cart: 40.0, 20.0 a session. Macro revenue: 94.9 EUR,
    47.45 a session."""
    data, stderr = report(*GA4, "--until", "2026-11-02T11:00:00Z")
    goals = goals_of(data)
    assert revenue_of(goals["purchase"]) == (
        approx(94.9), approx(94.9), approx(47.45), approx(47.45), "EUR",
        by_currency(("EUR", 94.9)),
    )  # fmt: skip
    assert goals["purchases"]["revenue"] == approx(114.9)
    assert goals["purchases"]["revenue_per_session"] == approx(57.45)
    assert goals["tax"]["revenue"] == approx(12.75)
    assert goals["cart"]["revenue_per_session"] == 20.0
    summary = data["summary"]
    assert isinstance(summary, dict)
    assert (summary["macro_revenue"], summary["macro_revenue_per_session"]) == (
        approx(94.9),
        approx(47.45),
    )
    assert summary["currency"] == "EUR"
    assert "currencies" not in stderr


def test_ga4_revenue_falls_back_to_the_value_parameter() -> None:
    """The hits' revenue column: purchase_revenue where it is a number, else the value
    parameter (T3's 35, written as the int_value "35"); the currency upper-cased."""
    data, _ = report(*GA4, "--since", "2026-11-02T10:00:00Z", "--until", "2026-11-02T11:00:00Z")
    purchase = goals_of(data)["purchase"]
    assert (purchase["revenue"], purchase["currency"]) == (35.0, "EUR")


# --- Segment -----------------------------------------------------------------------------------


def test_segment_revenue_by_goal_and_currency() -> None:
    """segment_revenue.ndjson: three visitors, one session each (3 sessions, 3 visitors).

    - a1, then u1 (the identify call links them: one visitor, one session, 09:00–09:04): Order
      Completed with revenue 25.0 (total 27.5, tax 2) USD; Order Completed without revenue,
      total "30" (text), "usd"; Order Completed with revenue "n/a" (no number), so total 12, USD.
    - a2 (10:00): Order Completed, revenue 40 EUR; Product Added, value 18 EUR.
    - a3 (11:00): a page.

    order (every): 25 + 30 + 12 = 67 USD, and 40 EUR: two currencies, null. first_order (once
    per session): 25 USD (u1's first), 40 EUR. tax (properties.tax, every): only the first order
    has one: 2.0 USD, 2 / 3 = 0.667 a session and a visitor. added (value: event,
    properties.value): 18.0 EUR, 6.0 a session and a visitor."""
    data, _ = report(*SEGMENT)
    goals = goals_of(data)
    assert [goals[name]["conversions"] for name in goals] == [4, 2, 4, 1]
    assert goals["order"]["revenue_by_currency"] == by_currency(("EUR", 40.0), ("USD", 67.0))
    assert goals["order"]["revenue"] is None
    assert goals["first_order"]["revenue_by_currency"] == by_currency(("EUR", 40.0), ("USD", 25.0))
    assert revenue_of(goals["tax"]) == (
        2.0, 2.0, approx(2 / 3), approx(2 / 3), "USD", by_currency(("USD", 2.0)),
    )  # fmt: skip
    assert revenue_of(goals["added"]) == (18.0, 18.0, 6.0, 6.0, "EUR", by_currency(("EUR", 18)))


def test_segment_revenue_in_one_currency() -> None:
    """Until 10:00: u1 only, 1 session. order: 25 + 30 + 12 = 67 USD; first_order: 25 USD.
    Macro revenue: 67 USD, 67 a session."""
    data, _ = report(*SEGMENT, "--until", "2026-11-02T10:00:00Z")
    goals = goals_of(data)
    assert (goals["order"]["revenue"], goals["order"]["currency"]) == (67.0, "USD")
    assert goals["first_order"]["revenue"] == 25.0
    summary = data["summary"]
    assert isinstance(summary, dict)
    assert (summary["macro_revenue"], summary["macro_revenue_per_session"]) == (67.0, 67.0)
    assert summary["currency"] == "USD"


# --- an access log -----------------------------------------------------------------------------


def test_access_log_revenue_from_a_query_parameter() -> None:
    """revenue.log: six visitors, one session each (6 sessions, 6 visitors), no currency.

    - .1 (variant A): thank-you ?order=1&total=10 → 10.
    - .2 (variant A): ?total=20.00&order=2, then ?order=3&total=5 → 20 once, 25 every.
    - .3 (variant B): ?total=%31%30, URL-decoded "10" → 10.
    - .4 (variant B): no thank-you page → 0.
    - .5: ?total=12,50 (a decimal comma: no number) → converts, worth nothing.
    - .6: ?order=6, no total → converts, worth nothing.

    order (once per session): 5 conversions, 10 + 20 + 10 = 40, 40 / 6 = 6.667 a session and
    a visitor. orders (every): 6 conversions, 10 + 20 + 5 + 10 = 45, 7.5 a session. Macro
    revenue: 40, 6.667 a session, no currency."""
    data, stderr = report(*LOG)
    goals = goals_of(data)
    assert (goals["order"]["conversions"], goals["orders"]["conversions"]) == (5, 6)
    assert revenue_of(goals["order"]) == (
        40.0, 40.0, approx(40 / 6), approx(40 / 6), None, by_currency((None, 40.0)),
    )  # fmt: skip
    assert revenue_of(goals["orders"]) == (45.0, 45.0, 7.5, 7.5, None, by_currency((None, 45)))
    summary = data["summary"]
    assert isinstance(summary, dict)
    assert (summary["macro_revenue"], summary["macro_revenue_per_session"]) == (
        40.0,
        approx(40 / 6),
    )
    assert summary["currency"] is None
    assert "currencies" not in stderr


def test_access_log_segments_experiment_and_alerts() -> None:
    """By variant: A holds sessions worth 10 and 20 (30, 15 a session), B 10 and 0 (10, 5 a
    session), (none) two worth nothing (0).

    Welch, B against A: means 5 and 15, sample variances 50 and 50 (n = 2 each); difference
    −10; standard error sqrt(50/2 + 50/2) = sqrt(50); t = −sqrt(2); df = 50² / (25² + 25²) = 2;
    p = 1 − 1/sqrt(2) = 0.2928932; interval −10 ± 4.3026527·sqrt(50) = −10 ± 30.4243492.
    A against itself: difference 0, p = 1, interval ± 30.4243492.

    Alerts: goals.order.revenue 40 is below 50 (fired); summary.macro_revenue_per_session
    6.667 is not above 10 (ok); segments.query:variant.B.macro_revenue 10 is below 20 (fired).
    """
    data, _ = report(*LOG, "--by", "query:variant", "--baseline", "A", "--alerts")
    segments = data["segments"]
    assert isinstance(segments, list)
    assert [
        (s["segment"], s["sessions"], s["macro_revenue"], s["macro_revenue_per_session"])
        for s in segments
    ] == [("(none)", 2, 0.0, 0.0), ("A", 2, 30.0, 15.0), ("B", 2, 10.0, 5.0)]
    assert segments[1]["macro_revenue_by_currency"] == by_currency((None, 30.0))
    assert segments[0]["macro_revenue_by_currency"] == []
    experiment = data["experiment"]
    assert isinstance(experiment, dict)
    a, b = experiment["variants"]
    half = 0.95 * math.sqrt(2 / (4 * 0.975 * 0.025)) * math.sqrt(50)  # t(0.975, 2 df) × SE
    assert half == pytest.approx(30.4243492, abs=1e-7)
    assert (b["macro_revenue"], b["macro_revenue_per_session"], b["revenue_difference"]) == (
        10.0,
        5.0,
        -10.0,
    )
    assert (b["revenue_diff_ci_low"], b["revenue_diff_ci_high"]) == (
        approx(-10 - half),
        approx(-10 + half),
    )
    assert b["revenue_p_value"] == approx(1 - 1 / math.sqrt(2))
    assert (a["revenue_difference"], a["revenue_p_value"]) == (0.0, 1.0)
    assert (a["revenue_diff_ci_low"], a["revenue_diff_ci_high"]) == (approx(-half), approx(half))
    alerts = data["alerts"]
    assert isinstance(alerts, list)
    assert [(x["metric"], x["status"], x["value"]) for x in alerts] == [
        ("goals.order.revenue", "fired", 40.0),
        ("summary.macro_revenue_per_session", "ok", approx(40 / 6)),
        ("segments.query:variant.B.macro_revenue", "fired", 10.0),
    ]


def test_access_log_revenue_tables_for_people() -> None:
    """The terminal shows the macro revenue in the summary, revenue per session and visitor in
    the goals table, and the experiment's revenue table; CSV carries the new columns."""
    result = CliRunner().invoke(cli, ["report", *LOG, "--by", "query:variant", "--baseline", "A"])
    out = result.stdout
    assert "  Macro revenue                 40.00\n" in out
    assert "  Macro revenue per session      6.67\n" in out
    assert "Revenue / session   Revenue / visitor" in out
    assert "Experiment: macro revenue per session against 'A' (Welch's t-test, 95% interval)" in out
    assert "  B                2           10.00                5.00       -10.00" in out
    assert "Currency" not in out  # no currency in the data
    csv = CliRunner().invoke(cli, ["report", *LOG, "--format", "csv"]).stdout.splitlines()
    assert csv[0].endswith(",value,revenue,revenue_per_session,revenue_per_visitor,currency")
    assert csv[1].startswith("order,macro,")
    assert csv[1].endswith(",40.0,40.0,6.666666666666667,6.666666666666667,")


def test_revenue_fields_are_alert_metrics() -> None:
    shape = ReportShape(goals=("buy",), micro_goals=(), funnels={})
    for text in (
        "goals.buy.revenue",
        "goals.buy.revenue_per_session",
        "goals.buy.revenue_per_visitor",
        "summary.macro_revenue",
        "summary.macro_revenue_per_session",
        "segments.channel.Email.macro_revenue",
        "segments.channel.Email.macro_revenue_per_session",
    ):
        path = parse_metric(text, shape)
        assert not path.is_rate
        assert not path.is_testable
    for text in (
        "goals.buy.currency",
        "summary.macro_revenue_by_currency",
        "goals.buy.revenue_by_currency",
    ):
        with pytest.raises(ValueError, match="unknown metric"):
            parse_metric(text, shape)


def test_mixed_currencies_in_an_experiment_get_no_difference() -> None:
    """GA4 with the sessions' hours as variants, one session each: 09 (100.1, macro revenue
    59.9 EUR: its first purchase), 10 (200.2, 35 EUR), 12 (300.3, 100 USD), 13 (400.4, none).
    Against 09, hour 10 is in the same currency: a difference of 35 − 59.9 = −24.9, untested
    (one session each); 13 has no revenue, 0 − 59.9; 12 is in USD: no difference, and a
    warning says why."""
    data, stderr = report(*GA4, "--by", "hour", "--baseline", "09", "--tz", "UTC")
    experiment = data["experiment"]
    assert isinstance(experiment, dict)
    rows = {v["variant"]: v for v in experiment["variants"]}
    assert rows["10"]["revenue_difference"] == approx(35.0 - 59.9)
    assert rows["10"]["revenue_p_value"] is None  # one session each: nothing to test by
    assert rows["13"]["revenue_difference"] == approx(-59.9)
    assert rows["12"]["currency"] == "USD"
    assert rows["12"]["revenue_difference"] is None
    assert (
        "warning: experiment --by hour: the macro revenue of '12' and of the baseline '09' is "
        "in several currencies (EUR, USD): no revenue difference is shown"
    ) in stderr


# --- without values, the report is what it was ---------------------------------------------------

BEFORE = FIXTURES / "before_revenue"
SAMPLE = ["report", "sample_logs/access.log", "--goals", "tests/fixtures/before_revenue/goals.yaml"]
BY = ["--by", "query:variant", "--by", "channel", "--baseline", "A"]
COMPARE = [
    "--since",
    "2026-11-05",
    "--until",
    "2026-11-06",
    "--compare",
    "previous",
    "--by",
    "channel",
]
BEFORE_CASES: dict[str, list[str]] = {
    "by-table.out": [*SAMPLE, *BY],
    "by-markdown.out": [*SAMPLE, *BY, "--format", "markdown"],
    "by-json.out": [*SAMPLE, *BY, "--format", "json"],
    "compare-table.out": [*SAMPLE, *COMPARE],
    "compare-json.out": [*SAMPLE, *COMPARE, "--format", "json"],
    **{f"by-csv-{t}.out": [*SAMPLE, *BY, "--format", "csv", "--table", t]
       for t in ("goals", "summary", "segments", "experiment")},
    "compare-csv-summary.out": [*SAMPLE, *COMPARE, "--format", "csv", "--table", "summary"],
}  # fmt: skip
# The fields revenue added, wherever they are (all null without a value).
NEW_FIELDS = {
    "macro_revenue", "macro_revenue_per_session", "macro_revenue_by_currency", "currency",
    "revenue", "revenue_per_session", "revenue_per_visitor", "revenue_by_currency",
    "revenue_difference", "revenue_diff_ci_low", "revenue_diff_ci_high", "revenue_p_value",
    "previous_macro_revenue", "change_macro_revenue", "previous_macro_revenue_per_session",
    "change_macro_revenue_per_session",
}  # fmt: skip


def _without_new_fields(item: object) -> object:
    """``item`` (parsed JSON) without the revenue fields, each of which must be null."""
    if isinstance(item, list):
        return [_without_new_fields(x) for x in item]
    if not isinstance(item, dict):
        return item
    for key in NEW_FIELDS & set(item):
        assert item[key] is None, key
    return {k: _without_new_fields(v) for k, v in item.items() if k not in NEW_FIELDS}


@pytest.mark.parametrize("case", BEFORE_CASES)
def test_a_report_without_values_is_the_one_before_revenue(
    case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sample week with the example goals but no value: terminal and Markdown byte for
    byte; JSON byte for byte once the new null fields are dropped; CSV once the new columns,
    all at the end of their rows and all empty, are dropped. The files were written by the
    program before revenue; a later change of the output on purpose rewrites them as the golden
    outputs are (``MICROMACRO_GOLDEN=write`` over this file), the new fields still dropped and
    checked null."""
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("NO_COLOR", raising=False)
    out = CliRunner().invoke(cli, BEFORE_CASES[case]).stdout
    if os.environ.get("MICROMACRO_GOLDEN") == "write":
        (BEFORE / case).write_text(_before_revenue(case, out), encoding="utf-8")
        return
    assert _before_revenue(case, out) == (BEFORE / case).read_text(encoding="utf-8")


def _before_revenue(case: str, out: str) -> str:
    """The output ``out`` of ``case`` without what revenue added (all of it null or empty)."""
    if case.endswith("json.out"):
        data = _without_new_fields(json.loads(out))
        return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    if "-csv-" not in case:
        return out
    header, *rows = out.splitlines()
    names = header.split(",")
    kept = len(names) - sum(name in NEW_FIELDS for name in names)
    assert not NEW_FIELDS & set(names[:kept])  # the new columns come last
    empty = "," * (len(names) - kept)
    assert all(row.endswith(empty) for row in rows)
    old_header = ",".join(names[:kept])
    return "".join(f"{line}\n" for line in (old_header, *(r.removesuffix(empty) for r in rows)))


def test_revenue_changes_only_within_one_currency(tmp_path: Path) -> None:
    """GA4 from 12:00 to 14:00 UTC (300.3's purchase, 100 USD) against 10:00 to 12:00 (200.2's,
    35 EUR): the macro revenue is 100 USD now and 35 EUR before, so it has no change, and an
    alert rule on the change of a revenue is not evaluated; from 13:00 to 15:00 against 11:00
    to 13:00 it is 0 (no purchase, so no currency) now and 100 USD before: a change of −100."""
    goals = tmp_path / "goals.yaml"
    goals.write_text(
        (EXPORTS / "ga4_revenue_goals.yaml").read_text()
        + "alerts:\n  - {name: drop, metric: goals.purchase.revenue, change_below: -10}\n"
    )
    args = [str(EXPORTS / "ga4_revenue.ndjson"), "--goals", str(goals), "--alerts"]
    apart, _ = report(*args, "--since", "2026-11-02T12:00Z", "--until", "2026-11-02T14:00Z",
                      "--compare", "previous")  # fmt: skip
    summary = apart["summary"]
    assert isinstance(summary, dict)
    assert (summary["macro_revenue"], summary["currency"]) == (100.0, "USD")
    assert (summary["previous_macro_revenue"], summary["change_macro_revenue"]) == (35.0, None)
    (alert,) = apart["alerts"]  # type: ignore[misc]
    assert (alert["status"], alert["reason"]) == (
        "not_evaluated",
        "revenue in USD, in EUR in the comparison period",
    )
    fell, _ = report(*args, "--since", "2026-11-02T13:00Z", "--until", "2026-11-02T15:00Z",
                     "--compare", "previous")  # fmt: skip
    summary = fell["summary"]
    assert isinstance(summary, dict)
    assert (summary["macro_revenue"], summary["change_macro_revenue"]) == (0.0, -100.0)
    (alert,) = fell["alerts"]  # type: ignore[misc]
    assert (alert["status"], alert["change"]) == ("fired", -100.0)


@pytest.mark.parametrize("output", ["table", "markdown"])
def test_goals_without_a_value_have_no_value_column_for_people(tmp_path: Path, output: str) -> None:
    """A goals file with no value: the goals table people read has no Value column (nor
    revenue ones), as it has them when some goal has a value; CSV keeps its columns."""
    goals = tmp_path / "goals.yaml"
    goals.write_text(
        "goals:\n  - {name: order, kind: macro, destination: {begins_with: /thanks}}\n"
    )
    plain = ["report", LOG[0], "--goals", str(goals)]
    header = next(
        line
        for line in CliRunner().invoke(cli, [*plain, "--format", output]).stdout.splitlines()
        if "Visitor rate" in line
    )
    assert header.replace("|", " ").split()[-2:] == ["Visitor", "rate"]
    valued = CliRunner().invoke(cli, ["report", *LOG, "--format", output]).stdout
    assert any("Visitor rate" in line and "Value" in line for line in valued.splitlines())
    csv = CliRunner().invoke(cli, [*plain, "--format", "csv"]).stdout.splitlines()[0]
    assert csv.endswith(",value,revenue,revenue_per_session,revenue_per_visitor,currency")


_FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def _thanks_report(tmp_path: Path, value: str) -> dict:
    """The JSON report, by channel, of three visitors each reaching ``/thanks`` once, with a
    goal ``order`` on it worth ``value``."""
    log = tmp_path / "shop.log"
    log.write_text(
        "".join(
            f'10.0.0.{n} - - [02/Nov/2026:10:0{n}:00 +0000] "GET /thanks HTTP/1.1" 200 5 "-" '
            f'"{_FIREFOX}"\n'
            for n in (1, 2, 3)
        )
    )
    goals = tmp_path / "goals.yaml"
    goals.write_text(
        f"goals:\n  - {{name: order, kind: macro, destination: /thanks, value: {value}}}\n"
    )
    args = ["report", str(log), "--goals", str(goals), "--by", "channel", "--format", "json"]
    result = CliRunner().invoke(cli, [*args, "-q", "--no-cache"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _sums_of_money(report: dict) -> tuple[object, object, object]:
    """The first goal's revenue, the summary's and the first segment's macro revenue."""
    return (
        report["goals"][0]["revenue"],
        report["summary"]["macro_revenue"],
        report["segments"][0]["macro_revenue"],
    )


def test_a_sum_of_money_is_the_same_whatever_order_its_rows_are_added_in(tmp_path: Path) -> None:
    """Three sessions each convert a goal worth 0.1: the float sum is 0.30000000000000004, and a
    sum of many values differs in its last bits with the order Polars' threads add them in, so
    two runs of one export could differ (12483.12 against 12483.119999999999). A sum of money
    is its first 15 significant digits: 0.3, in the goal's row, the summary and a segment."""
    assert _sums_of_money(_thanks_report(tmp_path, "0.1")) == (0.3, 0.3, 0.3)


@pytest.mark.parametrize("spilled", [False, True])
def test_thousands_of_amounts_add_up_to_their_exact_sum(tmp_path: Path, spilled: bool) -> None:
    """4,000 purchases of amounts with cents: floats added in another order differ past the 15
    digits a report shows (778337.199999994 against 778337.200000007, say, run to run). The goal's
    row, the summary and the segment of every session show the exact sum, spilled or not."""
    amounts = ["0.1", "19.99", "1000", "0.3", "59.9", "7.77"]
    lines, total = [], Decimal(0)
    for n in range(4_000):
        amount = amounts[(n * 7 + n // 13) % len(amounts)]
        total += Decimal(amount)
        lines.append(
            f"10.0.{n // 250}.{n % 250} - - [02/Nov/2026:{n // 3600:02d}:{n // 60 % 60:02d}:"
            f'{n % 60:02d} +0000] "GET /thanks?total={amount} HTTP/1.1" 200 5 "-" '
            '"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"\n'
        )
    log = tmp_path / "shop.log"
    log.write_text("".join(lines))
    goals = tmp_path / "goals.yaml"
    goals.write_text(
        "goals:\n  - {name: order, kind: macro, destination: /thanks, "
        "value: {from: 'query:total'}}\n"
    )
    args = ["report", str(log), "--goals", str(goals), "--by", "day", "--format", "json", "-q"]
    args += ["--no-cache", *(["--hit-memory", "8K"] if spilled else [])]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert total == Decimal("778337.20")  # the amounts added as decimals, exactly
    assert _sums_of_money(report) == (778337.2, 778337.2, 778337.2)


def test_a_fixed_value_of_many_decimals_is_one_sum_in_the_goal_and_the_summary(
    tmp_path: Path,
) -> None:
    """Three conversions of a goal worth 0.3333333: 0.9999999 in the goal's row, the summary
    and the segment alike (each session's 0.3333333 added up, as the summary adds them)."""
    report = _thanks_report(tmp_path, "0.3333333")
    assert report["goals"][0]["value"] == 0.9999999
    assert _sums_of_money(report) == (0.9999999, 0.9999999, 0.9999999)


@pytest.mark.parametrize(("before", "now"), [("0.1", "0.3"), ("123456789.1", "123456789.3")])
def test_a_change_of_a_sum_is_the_difference_shown_and_alerts_on_it(
    tmp_path: Path, before: str, now: str
) -> None:
    """A day's 0.3 against the day before's 0.1, or 123456789.3 against 123456789.1: the change
    is 0.2 (a float subtraction gives 0.19999999999999998 and 0.200000002980232), and a rule
    firing above 0.2 does not fire."""
    log = tmp_path / "shop.log"
    log.write_text(
        "".join(
            f'198.51.100.{n} - - [0{n}/Nov/2026:09:00:00 +0000] "GET /thanks?total={total} '
            'HTTP/1.1" 200 5 "-" "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 '
            'Firefox/128.0"\n'
            for n, total in ((1, before), (2, now))
        )
    )
    goals = tmp_path / "goals.yaml"
    goals.write_text(
        "goals:\n  - {name: order, kind: macro, destination: /thanks, "
        "value: {from: 'query:total'}}\n"
        "alerts:\n  - {name: up, metric: summary.macro_revenue, change_above: 0.2}\n"
        "  - {name: order up, metric: goals.order.revenue, change_above: 0.2}\n"
    )
    period = ["--since", "2026-11-02", "--until", "2026-11-02", "--compare", "previous"]
    args = [str(log), "--goals", str(goals), "--no-cache", *period]
    report = json.loads(CliRunner().invoke(cli, ["report", *args, "--format", "json", "-q"]).stdout)
    assert report["summary"]["macro_revenue"] == float(now)
    assert report["summary"]["change_macro_revenue"] == 0.2
    assert CliRunner().invoke(cli, ["alert", *args]).exit_code == 0  # no rule fired
    alerted = CliRunner().invoke(cli, ["report", *args, "--alerts", "--format", "json", "-q"])
    rules = json.loads(alerted.stdout)["alerts"]
    assert [(rule["change"], rule["status"]) for rule in rules] == [(0.2, "ok"), (0.2, "ok")]
