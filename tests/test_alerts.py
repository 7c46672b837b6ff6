"""Alert rules (definitions §2.8) over tests/fixtures/alerts.log, whose figures are worked out here.

Three UTC days of ten one-visitor sessions each, one an hour from 08:00. Every session opens
``/`` (from the newsletter e-mail, ``utm_medium=email``, where marked); buyers then open
``/thanks`` (goal ``purchase``, macro), sign-ups ``/newsletter/ok`` (``newsletter``, micro).

==========  ======  ==========  =========  ==========  =======================
day         e-mail  buyers      sign-ups   pageviews   bounces (1-page visits)
==========  ======  ==========  =========  ==========  =======================
15 Nov (A)  none    2 (1, 2)    2 (3, 4)   14          6 → bounce rate 0.6
21 Nov (B)  1–4     4 (1,2,5,6) 3 (7,8,9)  17          3 → 0.3
22 Nov (C)  1–4     1 (5)       0          11          9 → 0.9
==========  ======  ==========  =========  ==========  =======================

So on C: purchase rate 1/10 = 0.1, newsletter 0 conversions; Email segment 4 sessions, none
converting. On B: purchase 0.4, Email 2 of 4 = 0.5. On A: purchase 0.2. C against B (previous):
purchase −75% relative, −30pp; C against A (previous-week): purchase exactly −50%.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner, Result

from micromacro.alerts import AlertResult, evaluate, run_comparison
from micromacro.cli import cli
from micromacro.errors import ConfigError
from micromacro.goals import AlertRule, Threshold
from micromacro.goals_file import parse_goals
from micromacro.metric_paths import MetricPath, ReportShape, parse_metric
from micromacro.render.alerts import alert_cells, alert_line
from tests.helpers import combined_line

FIXTURES = Path(__file__).parent / "fixtures"
LOG = str(FIXTURES / "alerts.log")
GOALS = str(FIXTURES / "alerts_goals.yaml")
DAY_C = ("--since", "2026-11-22", "--until", "2026-11-22")
GOALS_HEAD = """\
goals:
  - {name: purchase, kind: macro, destination: /thanks}
  - {name: newsletter, kind: micro, destination: /newsletter/ok}
alerts:
"""


def z_test(x1: int, n1: int, x2: int, n2: int) -> float:
    pooled = (x1 + x2) / (n1 + n2)
    z = (x1 / n1 - x2 / n2) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return math.erfc(abs(z) / math.sqrt(2))


def write_rules(tmp_path: Path, rules: str) -> str:
    path = tmp_path / "goals.yaml"
    path.write_text(GOALS_HEAD + rules)
    return str(path)


def alert(goals: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["alert", LOG, "--goals", goals, *args])


def one_rule(tmp_path: Path, rule: str, *args: str) -> Result:
    """``micromacro alert`` on day C with a goals file holding the one ``rule``."""
    lines = rule.split("\n")
    body = f"  - {lines[0]}\n" + "".join(f"    {line}\n" for line in lines[1:])
    return alert(write_rules(tmp_path, body), *DAY_C, *args)


# --- the alert command -----------------------------------------------------------------------


def test_fired_rules_print_one_line_each_and_exit_3() -> None:
    result = alert(GOALS, *DAY_C, "--compare", "previous")

    assert result.exit_code == 3
    p = z_test(1, 10, 4, 10)
    assert round(p, 2) == 0.12
    assert result.stdout == (
        "purchases halved: goals.purchase.conversion_rate = 10.00% in 22 Nov 2026, change -75.0% "
        "is below -50% (previous 40.00% in 21 Nov 2026, p = 0.121)\n"
        "no newsletter sign-ups: goals.newsletter.conversions = 0 in 22 Nov 2026 is below 1 "
        "(previous 3 in 21 Nov 2026)\n"
    )
    assert result.stderr == ""


def test_nothing_fired_prints_nothing_at_all(tmp_path: Path) -> None:
    goals = write_rules(
        tmp_path,
        "  - {name: traffic gone, metric: summary.sessions, below: 5}\n"
        "  - {name: buyers gone, metric: goals.purchase.conversions, below: 1}\n"
        "  - {name: slump, metric: goals.purchase.conversion_rate, change_below: -80%}\n",
    )
    result = alert(goals, *DAY_C, "--compare", "previous")

    assert result.exit_code == 0
    assert result.stdout_bytes == b""
    assert result.stderr_bytes == b""


def test_exactly_at_the_bound_does_not_fire() -> None:
    # Against 15 Nov the purchase rate fell from 0.2 to 0.1: exactly -50%, not below it.
    result = alert(GOALS, *DAY_C, "--compare", "previous-week")

    assert result.exit_code == 3
    assert result.stdout == (
        "no newsletter sign-ups: goals.newsletter.conversions = 0 in 22 Nov 2026 is below 1 "
        "(previous 2 in 15 Nov 2026)\n"
    )


@pytest.mark.parametrize(
    ("rule", "fires"),
    [
        ("metric: summary.bounce_rate\nabove: 0.85", True),  # 0.9
        ("metric: summary.bounce_rate\nabove: 90%", False),  # equal
        ("metric: summary.sessions\nbelow: 11", True),  # 10
        ("metric: summary.sessions\nbelow: 10", False),
        ("metric: summary.pageviews\nabove: 10", True),  # 11
        ("metric: goals.purchase.conversion_rate\nbelow: 15%", True),  # 0.1
        ("metric: goals.purchase.conversion_rate\nbelow: 0.1", False),
        ("metric: input.out_of_period\nabove: 30", True),  # 14 + 17 lines of A and B
        ("metric: input.out_of_period\nabove: 31", False),
        # Wilson 95% interval of 9/10 is [0.5958, 0.9821]: above 0.5 for sure, not above 0.6.
        ("metric: summary.bounce_rate\nabove: 0.5\nsignificant: true", True),
        ("metric: summary.bounce_rate\nabove: 0.6\nsignificant: true", False),
        ("metric: summary.bounce_rate\nabove: 0.6", True),
    ],
)
def test_above_and_below(tmp_path: Path, rule: str, fires: bool) -> None:
    result = one_rule(tmp_path, "name: r\n" + rule)

    assert result.exit_code == (3 if fires else 0), result.stderr
    assert result.stdout.startswith("r: ") == fires
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("rule", "fires"),
    [
        # purchase rate 0.4 → 0.1: -75% relative, -30pp.
        ("metric: goals.purchase.conversion_rate\nchange_below: -70%", True),
        ("metric: goals.purchase.conversion_rate\nchange_below: -75%", False),
        ("metric: goals.purchase.conversion_rate\nchange_below: -29pp", True),
        ("metric: goals.purchase.conversion_rate\nchange_below: -30pp", False),
        ("metric: goals.purchase.conversion_rate\nchange_below: -0.29", True),
        # p = 0.121 for 1/10 against 4/10: not significant at 5%, but at 15%.
        ("metric: goals.purchase.conversion_rate\nchange_below: -50%\nsignificant: true", False),
        ("metric: goals.purchase.conversion_rate\nchange_below: -50%\nsignificant: 0.15", True),
        # Exactly: p = erfc(z/√2), z = 0.3 / √(0.25 × 0.75 × 2/10) = 1.5492, p = 0.12134.
        ("metric: goals.purchase.conversion_rate\nchange_below: -50%\nsignificant: 0.121", False),
        ("metric: goals.purchase.conversion_rate\nchange_below: -50%\nsignificant: 0.122", True),
        # bounce rate 0.3 → 0.9: +60pp, +200%.
        ("metric: summary.bounce_rate\nchange_above: 59pp", True),
        ("metric: summary.bounce_rate\nchange_above: 60pp", False),
        ("metric: summary.bounce_rate\nchange_above: 199%", True),
        # pageviews 17 → 11: -6, -35.3%.
        ("metric: summary.pageviews\nchange_below: -5", True),
        ("metric: summary.pageviews\nchange_below: -6", False),
        ("metric: summary.pageviews\nchange_above: -40%", True),
        ("metric: summary.pageviews\nchange_above: -35%", False),
        # Email: 2 of 4 sessions bought on B, 0 of 4 on C.
        ("metric: segments.channel.Email.macro_conversion_rate\nchange_below: -40pp", True),
        (
            "metric: segments.channel.Email.goals.purchase.conversion_rate\nchange_below: -50pp",
            False,
        ),
        ("metric: segments.channel.Email.sessions\nchange_below: 0", False),
    ],
)
def test_change_above_and_below(tmp_path: Path, rule: str, fires: bool) -> None:
    result = one_rule(tmp_path, "name: r\n" + rule, "--compare", "previous")

    assert result.exit_code == (3 if fires else 0), result.stderr
    assert result.stdout.startswith("r: ") == fires
    assert result.stderr == ""


def test_a_plain_change_bound_on_a_rate_reads_in_points(tmp_path: Path) -> None:
    """``change_below: -0.29`` on the purchase rate (0.4 → 0.1: -30pp) is a difference of rates:
    the line and the report's alerts table write its bound as ``-29.00pp``, not ``-29.00%``."""
    result = one_rule(
        tmp_path,
        "name: r\nmetric: goals.purchase.conversion_rate\nchange_below: -0.29",
        "--compare",
        "previous",
    )
    assert result.exit_code == 3
    assert result.stdout.startswith(
        "r: goals.purchase.conversion_rate = 10.00% in 22 Nov 2026, change -30.00pp is below "
        "-29.00pp"
    )
    goals = str(tmp_path / "goals.yaml")
    table = CliRunner().invoke(
        cli, ["report", LOG, "--goals", goals, *DAY_C, "--alerts", "--compare", "previous"]
    )
    assert table.exit_code == 3
    assert "change below -29.00pp" in table.stdout


def test_a_rule_can_name_its_own_comparison_period(tmp_path: Path) -> None:
    rule = (
        "name: r\nmetric: goals.purchase.conversion_rate\nchange_below: -49%\n"
        "compare: previous-week"
    )
    result = one_rule(tmp_path, rule)

    assert result.exit_code == 3
    assert result.stdout == (
        "r: goals.purchase.conversion_rate = 10.00% in 22 Nov 2026, change -50.0% is below -49% "
        f"(previous 20.00% in 15 Nov 2026, p = {z_test(1, 10, 2, 10):.3f})\n"
    )


def test_a_segment_rule_prints_the_segment_figures(tmp_path: Path) -> None:
    rule = "name: email\nmetric: segments.channel.Email.macro_conversion_rate\nchange_below: -2pp"
    result = one_rule(tmp_path, rule, "--compare", "previous")

    assert result.stdout == (
        "email: segments.channel.Email.macro_conversion_rate = 0.00% in 22 Nov 2026, change "
        "-50.00pp is below -2.00pp "
        f"(previous 50.00% in 21 Nov 2026, p = {z_test(0, 4, 2, 4):.3f})\n"
    )


def test_thin_data_is_not_evaluated_and_says_so(tmp_path: Path) -> None:
    rule = (
        "name: email\nmetric: segments.channel.Email.macro_conversion_rate\n"
        "change_below: -2pp\nmin_sessions: 5"
    )
    result = one_rule(tmp_path, rule, "--compare", "previous")

    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == (
        "micromacro: warning: alert 'email' not evaluated: 4 sessions, fewer than min_sessions 5\n"
    )
    quiet = one_rule(tmp_path, rule, "--compare", "previous", "--quiet")
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (0, "", "")


def test_a_ladder_rate_of_no_visitor_is_null_and_not_evaluated(tmp_path: Path) -> None:
    # Day C: nobody signed up to the newsletter, so no visitor has a micro goal: the macro rate
    # of those with one has no visitor to divide by; of the other 10, 1 bought.
    report = CliRunner().invoke(cli, ["report", LOG, "--goals", GOALS, *DAY_C, "--format", "json"])
    ladder = json.loads(report.stdout)["ladder"]
    assert (ladder["macro_rate_with_micro"], ladder["macro_rate_without_micro"]) == (None, 0.1)

    rule = "{name: with micro, metric: ladder.macro_rate_with_micro, below: 1%}"
    result = one_rule(tmp_path, rule)
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == (
        "micromacro: warning: alert 'with micro' not evaluated: no value in this period "
        "(nothing to divide by)\n"
    )
    # Day A: sign-ups 3 and 4 did not buy, so the rate is 0 of 2, a value, and below 1%.
    day_a = alert(
        write_rules(tmp_path, f"  - {rule}\n"), "--since", "2026-11-15", "--until", "2026-11-15"
    )
    assert day_a.exit_code == 3
    assert day_a.stdout.startswith("with micro: ladder.macro_rate_with_micro = 0.00% in 15 Nov")


def test_a_period_with_no_hits(tmp_path: Path) -> None:
    goals = write_rules(
        tmp_path,
        "  - {name: traffic gone, metric: summary.sessions, below: 1}\n"
        "  - {name: rate, metric: goals.purchase.conversion_rate, below: 5%}\n"
        "  - {name: email, metric: segments.channel.Email.sessions, below: 1}\n",
    )
    result = alert(goals, "--since", "2026-11-23", "--until", "2026-11-23")

    assert result.exit_code == 3
    assert result.stdout == "traffic gone: summary.sessions = 0 in 23 Nov 2026 is below 1\n"
    assert result.stderr == (
        "micromacro: warning: alert 'rate' not evaluated: no sessions in this period\n"
        "micromacro: warning: alert 'email' not evaluated: no segment 'Email' of channel in "
        "this period\n"
    )


def test_no_data_in_the_comparison_period_skips_change_rules() -> None:
    result = alert(GOALS, "--since", "2026-11-15", "--until", "2026-11-15", "--compare", "previous")

    # 15 Nov had 2 sign-ups and 10 sessions: nothing fires; 14 Nov has no line.
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == (
        "micromacro: warning: alert 'purchases halved' not evaluated: no data in the "
        "comparison period\n"
    )


def test_a_change_rule_needs_a_comparison_period() -> None:
    result = alert(GOALS, *DAY_C)

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"micromacro: error: {GOALS}:10:5: alert 'purchases halved': change_below needs a "
        "comparison period: add 'compare: previous' (or previous-week, previous-year) to the "
        "rule, or pass --compare\n"
    )


def test_a_goals_file_without_rules_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "goals.yaml"
    path.write_text(GOALS_HEAD.replace("alerts:\n", ""))
    result = alert(str(path), *DAY_C)

    assert result.exit_code == 2
    assert "no alert rules" in result.stderr


# --- report --alerts -------------------------------------------------------------------------


def test_report_alerts_adds_the_alerts_to_the_json_and_exits_3() -> None:
    args = ["report", LOG, "--goals", GOALS, *DAY_C, "--compare", "previous", "--alerts"]
    result = CliRunner().invoke(cli, [*args, "--format", "json"])

    assert result.exit_code == 3
    alerts = json.loads(result.stdout)["alerts"]
    assert [a["status"] for a in alerts] == ["fired", "fired", "ok"]
    assert alerts[0] == {
        "name": "purchases halved",
        "metric": "goals.purchase.conversion_rate",
        "condition": "change_below",
        "threshold": -0.5,
        "threshold_unit": "relative",
        "status": "fired",
        "value": 0.1,
        "previous": 0.4,
        "change": pytest.approx(-0.75),
        "p_value": pytest.approx(z_test(1, 10, 4, 10)),
        "reason": None,
    }
    assert alerts[2]["value"] == 10
    assert alerts[2]["previous"] == 10


def test_report_alerts_csv_table_and_terminal_section() -> None:
    args = ["report", LOG, "--goals", GOALS, *DAY_C, "--compare", "previous", "--alerts"]
    csv = CliRunner().invoke(cli, [*args, "--format", "csv", "--table", "alerts"])
    assert csv.stdout.splitlines()[0] == (
        "name,metric,condition,threshold,threshold_unit,status,value,previous,change,p_value,reason"
    )
    assert csv.stdout.splitlines()[2] == (
        "no newsletter sign-ups,goals.newsletter.conversions,below,1.0,value,fired,0,3,,,"
    )
    table = CliRunner().invoke(cli, args)
    assert table.exit_code == 3
    # The alerts come first, after the period line.
    assert table.stdout.splitlines()[2] == "Alerts: 2 of 3 fired"


def test_report_alerts_takes_the_comparison_from_the_rules(tmp_path: Path) -> None:
    goals = write_rules(
        tmp_path,
        "  - {name: r, metric: goals.purchase.conversion_rate, change_below: -1%, "
        "compare: previous-week}\n"
        "  - {name: s, metric: segments.channel.Email.sessions, above: 100}\n",
    )
    args = ["report", LOG, "--goals", goals, *DAY_C, "--alerts", "--format", "json"]
    data = json.loads(CliRunner().invoke(cli, args).stdout)

    assert data["previous"]["period"]["start"] == "2026-11-15T00:00:00Z"
    assert {(s["by"], s["segment"]) for s in data["segments"]} == {
        ("channel", "Email"),
        ("channel", "Direct"),
    }


def test_report_alerts_without_rules_is_a_usage_error() -> None:
    shop = str(FIXTURES / "shop_goals.yaml")
    result = CliRunner().invoke(cli, ["report", LOG, "--goals", shop, "--alerts"])

    assert result.exit_code == 2
    assert "has no alert rules" in result.stderr


def test_report_alerts_without_a_goals_file_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no goals.yaml here
    result = CliRunner().invoke(cli, ["report", LOG, "--alerts", "-q"])
    assert result.exit_code == 2
    assert result.stderr == (
        "micromacro: error: --alerts: no goals file, so no alert rules (pass --goals FILE or "
        "create goals.yaml)\n"
    )


def test_a_fired_rule_exits_3_when_the_reader_is_gone(tmp_path: Path) -> None:
    """``alert … | true``: stdout's reader is gone before anything is written. The run goes
    on: a rule fired (3), and the report's --history row is written."""
    goals = tmp_path / "goals.yaml"
    goals.write_text(
        "goals:\n  - name: home\n    kind: micro\n    destination: /\n"
        "alerts:\n  - name: any traffic\n    metric: summary.sessions\n    above: 0\n"
    )
    history = tmp_path / "history.csv"
    commands = {
        "alert": ["alert", LOG, "--goals", str(goals)],
        "report": ["report", LOG, "--goals", str(goals), "--alerts", "--history", str(history)],
    }
    for name, args in commands.items():
        read_end, write_end = os.pipe()
        os.close(read_end)
        try:
            done = subprocess.run(
                [sys.executable, "-m", "micromacro", *args, "-q", "--no-cache"],
                stdout=write_end, stderr=subprocess.PIPE, timeout=120, check=False,
            )  # fmt: skip
        finally:
            os.close(write_end)
        assert (done.returncode, done.stderr) == (3, b""), name
    assert len(history.read_text().splitlines()) == 2  # the header and the goal's row


# --- the rules in the goals file -------------------------------------------------------------


def problems_of(rules: str, compare: str | None = None) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_goals(GOALS_HEAD + rules, path="goals.yaml")
    return info.value.problems


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        (
            "{name: r, metric: goals.purchase.conversion_rte, below: 1%}",
            "goals.yaml:5:23: unknown metric 'goals.purchase.conversion_rte' (nearest valid "
            "path: goals.purchase.conversion_rate) in alert 'r'",
        ),
        (
            "{name: r, metric: goals.purchas.conversions, below: 1}",
            "goals.yaml:5:23: unknown metric 'goals.purchas.conversions' (nearest valid path: "
            "goals.purchase.conversions) in alert 'r'",
        ),
        (
            "{name: r, metric: segments.chanel.Email.sessions, below: 1}",
            "goals.yaml:5:23: unknown metric 'segments.chanel.Email.sessions' (nearest valid "
            "path: segments.channel.Email.sessions) in alert 'r'",
        ),
        (
            "{name: r, metric: summary.sessions, change_below: -2pp, compare: previous}",
            "goals.yaml:5:55: invalid change_below of alert 'r': pp (percentage points) applies "
            "to a change of a rate (change_above/change_below on a rate metric)",
        ),
        (
            "{name: r, metric: summary.sessions, below: 2%}",
            "goals.yaml:5:48: invalid below of alert 'r': a percent applies to a rate, and "
            "summary.sessions is not one",
        ),
        (
            "{name: r, metric: summary.sessions, below: lots}",
            "goals.yaml:5:48: invalid below of alert 'r': expected a number or 0.02 or 2%, got "
            "'lots'",
        ),
        (
            "{name: r, metric: summary.sessions, below: true}",
            "goals.yaml:5:48: invalid below of alert 'r': expected a number, got a boolean",
        ),
        (
            "{name: r, metric: summary.sessions, below: 1, above: 5}",
            "goals.yaml:5:5: alert 'r' needs exactly one condition (one of above, below, "
            "change_above, change_below), got 2",
        ),
        (
            "{name: r, metric: summary.sessions}",
            "goals.yaml:5:5: alert 'r' needs exactly one condition (one of above, below, "
            "change_above, change_below), got 0",
        ),
        (
            "{name: r, metric: summary.sessions, below: 1, significant: true}",
            "goals.yaml:5:51: significant in alert 'r' needs a rate of a known count (a "
            "conversion, drop-off or bounce rate); summary.sessions has no test",
        ),
        (
            "{name: r, metric: summary.bounce_rate, below: 1, significant: 5}",
            "goals.yaml:5:67: invalid significant of alert 'r': expected true, false or a test "
            "level between 0 and 1 (0.01), got the number 5",
        ),
        (
            "{name: r, metric: summary.sessions, below: 1, compare: previous}",
            "goals.yaml:5:51: compare in alert 'r' applies to change rules only",
        ),
        (
            "{name: r, metric: summary.sessions, change_below: 1, compare: yesterday}",
            "goals.yaml:5:67: invalid compare of alert 'r': expected one of previous, "
            "previous-week, previous-year, got the string 'yesterday'",
        ),
        (
            "{name: r, metric: summary.sessions, below: 1, min_sessions: -3}",
            "goals.yaml:5:65: invalid min_sessions of alert 'r': expected a whole number of "
            "sessions, got the number -3",
        ),
        (
            "{metric: summary.sessions, below: 1}",
            "goals.yaml:5:5: missing key 'name' in alert #1 (expected a non-empty string)",
        ),
        (
            "{name: r, below: 1}",
            "goals.yaml:5:5: missing key 'metric' in alert 'r' (a path into the JSON report)",
        ),
        # Bounds no figure of the metric can cross: the rule would never fire, or always.
        (
            "{name: r, metric: summary.bounce_rate, above: 5}",
            "goals.yaml:5:51: invalid above of alert 'r': a rate is a fraction from 0 to 1, or "
            "0% to 100%: for 5%, write 5% or 0.05",
        ),
        (
            "{name: r, metric: summary.bounce_rate, below: 150%}",
            "goals.yaml:5:51: invalid below of alert 'r': a rate is a fraction from 0 to 1, or "
            "0% to 100%",
        ),
        (
            "{name: r, metric: summary.bounce_rate, below: -0.1}",
            "goals.yaml:5:51: invalid below of alert 'r': a rate is a fraction from 0 to 1, or "
            "0% to 100%",
        ),
        (
            "{name: r, metric: summary.sessions, below: -1}",
            "goals.yaml:5:48: invalid below of alert 'r': summary.sessions is never below 0",
        ),
        # A bound too large for a float is refused however it is spelt (it read as infinity,
        # and a rule below infinity never fired).
        *(
            (
                f"{{name: r, metric: summary.sessions, below: {bound}}}",
                "goals.yaml:5:48: invalid below of alert 'r': expected a number, got the number "
                f"{number} (too large)",
            )
            for bound, number in [
                ("1e400", "1e400"),
                ('"1e400"', "1e400"),
                ("' -1E+400 '", "-1E+400"),
                ("1.0e+400", "1.0e+400"),
                ('"1' + "0" * 400 + '"', "1" + "0" * 78 + "…"),
            ]
        ),
        (
            "{name: r, metric: summary.bounce_rate, below: 1e400%}",
            "goals.yaml:5:51: invalid below of alert 'r': expected a number, got the number "
            "1e400 (too large)",
        ),
        (
            "{name: r, metric: summary.sessions, change_below: -1e400%, compare: previous}",
            "goals.yaml:5:55: invalid change_below of alert 'r': expected a number, got the "
            "number -1e400 (too large)",
        ),
        (
            "{name: r, metric: summary.bounce_rate, change_above: 1e400pp, compare: previous}",
            "goals.yaml:5:58: invalid change_above of alert 'r': expected a number, got the "
            "number 1e400 (too large)",
        ),
        (
            "{name: r, metric: summary.sessions, below: 1, when: always}",
            "goals.yaml:5:51: unknown key 'when' in alert 'r' (expected one of name, metric, "
            "above, below, change_above, change_below, compare, min_sessions, significant)",
        ),
    ],
)
def test_invalid_rules_name_file_line_and_column(rule: str, problem: str) -> None:
    assert problems_of(f"  - {rule}\n") == [problem]


def test_alerts_must_be_a_list_and_names_unique() -> None:
    assert problems_of("  {name: r}\n") == [
        "goals.yaml:5:3: invalid alerts: expected a list of alert rules, got a mapping"
    ]
    twice = "  - {name: r, metric: summary.sessions, below: 1}\n" * 2
    assert problems_of(twice) == [
        "goals.yaml:6:12: duplicate alert name 'r' (first used at line 5)"
    ]


def test_a_valid_rule() -> None:
    config = parse_goals(
        GOALS_HEAD + "  - name: r\n    metric: goals.purchase.conversion_rate\n"
        "    change_below: -30%\n    compare: previous-week\n    min_sessions: 200\n"
        "    significant: true\n",
        path="goals.yaml",
    )
    (rule,) = config.alerts
    assert (rule.name, rule.condition, rule.threshold, rule.compare) == (
        "r",
        "change_below",
        Threshold(-0.3, "relative"),
        "previous-week",
    )
    assert (rule.min_sessions, rule.significance, rule.line, rule.column) == (200, 0.05, 5, 5)


def test_check_validates_the_comparison_period(tmp_path: Path) -> None:
    runner = CliRunner()
    bare = runner.invoke(cli, ["check", GOALS])
    assert bare.exit_code == 2
    assert bare.stderr.startswith(f"micromacro: error: {GOALS}:10:5: alert 'purchases halved'")
    given = runner.invoke(cli, ["check", GOALS, "--compare", "previous"])
    assert given.exit_code == 0
    assert given.stdout == f"{GOALS}: OK, 2 goals (1 macro, 1 micro), 3 alert rules\n"


def test_a_bound_too_large_for_a_float_is_an_error_of_every_command(tmp_path: Path) -> None:
    goals = write_rules(tmp_path, "  - {name: a, metric: summary.sessions, below: 1e400}\n")
    problem = (
        f"micromacro: error: {goals}:5:48: invalid below of alert 'a': expected a number, "
        "got the number 1e400 (too large)\n"
    )
    runner = CliRunner()
    for args in (
        ["check", goals],
        ["alert", LOG, "--goals", goals, *DAY_C],
        ["report", LOG, "--goals", goals, *DAY_C, "--alerts"],
    ):
        result = runner.invoke(cli, args)
        assert (result.exit_code, result.stdout, result.stderr) == (2, "", problem), args


def test_one_comparison_period_per_run(tmp_path: Path) -> None:
    goals = write_rules(
        tmp_path,
        "  - {name: day, metric: summary.sessions, change_below: -50%, compare: previous}\n"
        "  - {name: week, metric: summary.sessions, change_below: -50%, compare: previous-week}\n",
    )
    result = CliRunner().invoke(cli, ["check", goals])
    assert result.exit_code == 2
    assert result.stderr == (
        f"micromacro: error: {goals}:6:5: alert 'week': compares with previous-week but "
        "another rule uses previous (one comparison period per run)\n"
    )
    against = alert(goals, "--compare", "previous-year")
    assert against.exit_code == 2
    assert "compares with previous but --compare uses previous-year" in against.stderr


# --- rules on goals and funnels with problems of their own -----------------------------------

PURCHASE = "goals:\n  - {name: purchase, kind: macro, destination: /thanks}\n"
WRONG_ORDER = "funnels:\n  - {name: checkout, order: sideways, steps: [/cart, /pay]}\n"
# Written at line 4, column 29 (after "  - {name: checkout, order: ").
ORDER_PROBLEM = (
    "{}:4:29: invalid order of funnel 'checkout': expected one of ordered, strict, got the "
    "string 'sideways'"
)


def report_on(tmp_path: Path, text: str) -> tuple[int, str, str, str]:
    """``report`` on alerts.log with the goals file ``text``: its exit code, stdout and stderr,
    and the file's path."""
    path = tmp_path / "goals.yaml"
    path.write_text(text)
    result = CliRunner().invoke(cli, ["report", LOG, "--goals", str(path)])
    return result.exit_code, result.stdout, result.stderr, str(path)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        pytest.param(
            PURCHASE + "  - {name: cart, kind: sideways, destination: /cart}\n"
            "alerts:\n  - {name: r, metric: goals.cart.conversion_rate, below: 1%}\n",
            "{}:3:24: invalid kind of goal 'cart': expected one of macro, micro, got the string "
            "'sideways'",
            id="a goal of a wrong kind",
        ),
        pytest.param(
            PURCHASE + WRONG_ORDER + "alerts:\n"
            "  - {name: r, metric: funnels.checkout.conversion_rate, below: 1%}\n"
            "  - {name: s, metric: funnels.checkout.steps.2.drop_off_rate, above: 50%}\n",
            ORDER_PROBLEM,
            id="a wrong order",
        ),
        pytest.param(
            PURCHASE + "funnels:\n  - {name: checkout, steps: []}\n"
            "alerts:\n  - {name: r, metric: funnels.checkout.steps.3.dropped, above: 5}\n",
            "{}:4:5: funnel 'checkout' has 0 steps (expected 2 or more, counting the goal: step)",
            id="no steps: any step may be named",
        ),
        pytest.param(
            PURCHASE + "funnels:\n  - {name: checkout, steps: [/cart], goal: nosuch}\n"
            "alerts:\n  - {name: r, metric: funnels.checkout.steps.2.reached, below: 1}\n",
            "{}:4:44: funnel 'checkout' names unknown goal 'nosuch' (goals: 'purchase')",
            id="a step naming no goal",
        ),
        pytest.param(
            PURCHASE + "  - {name: cart, kind: micro}\n"
            "alerts:\n  - {name: r, metric: micro_macro.cart.lift, below: 1}\n",
            "{}:3:5: goal 'cart' has no type key (expected exactly one of destination, duration, "
            "pages, event)",
            id="a micro goal without a type",
        ),
        pytest.param(
            PURCHASE + "funnels:\n  - {name: checkout, name: other, steps: [/a, /b]}\n"
            "alerts:\n  - {name: r, metric: funnels.checkout.units, below: 1}\n",
            "{}:4:22: duplicate key 'name' in funnel 'checkout' (first at line 4)",
            id="a name written twice: the first is the funnel's",
        ),
        pytest.param(
            PURCHASE + "  - {name: bad, kind: macro}\n"
            "funnels:\n  - {name: checkout, steps: [/x, /y], goal: bad}\n"
            "alerts:\n  - {name: r, metric: funnels.checkout.units, below: 1}\n",
            "{}:3:5: goal 'bad' has no type key (expected exactly one of destination, duration, "
            "pages, event)",
            id="a step naming a goal with problems",
        ),
    ],
)
def test_a_rule_on_a_goal_or_funnel_with_problems_is_no_second_error(
    tmp_path: Path, text: str, problem: str
) -> None:
    """The goal's or funnel's problem is the one error: the rules naming it are not told too
    that their metric is unknown."""
    code, stdout, stderr, path = report_on(tmp_path, text)

    assert (code, stdout, stderr) == (2, "", f"micromacro: error: {problem.format(path)}\n")


@pytest.mark.parametrize(
    ("text", "errors"),
    [
        pytest.param(
            PURCHASE + WRONG_ORDER + "alerts:\n"
            "  - {name: r, metric: funnels.checkout.steps.3.dropped, above: 5}\n",
            [
                ORDER_PROBLEM,
                "{}:6:23: unknown metric 'funnels.checkout.steps.3.dropped' (nearest valid "
                "path: funnels.checkout.steps.2.dropped) in alert 'r'",
            ],
            id="a step past the two it writes: offered its last",
        ),
        pytest.param(
            PURCHASE + "funnels:\n  - {name: checkout, steps: [/a, /b, /c], steps: [/a]}\n"
            "alerts:\n  - {name: r, metric: funnels.checkout.steps.4.reached, below: 1}\n",
            [
                "{}:4:43: duplicate key 'steps' in funnel 'checkout' (first at line 4)",
                "{}:6:23: unknown metric 'funnels.checkout.steps.4.reached' (nearest valid "
                "path: funnels.checkout.steps.3.reached) in alert 'r'",
            ],
            # As the funnel is read: three steps, not the second list's one (too few to count,
            # which would allow any step).
            id="steps written twice: the first list counts",
        ),
        pytest.param(
            PURCHASE + 'funnels:\n  - {name: "", steps: [/a, /b]}\n'
            "alerts:\n  - {name: r, metric: funnels.chekout.units, below: 1}\n",
            [
                "{}:4:12: invalid name of funnel #1: expected a non-empty string, got the "
                "string ''",
                "{}:6:23: unknown metric 'funnels.chekout.units' in alert 'r'",
            ],
            id="an empty name: offered to no rule",
        ),
        pytest.param(
            PURCHASE + "funnels:\n  - {name: checkout, steps: []}\n"
            "alerts:\n  - {name: r, metric: funnels.checkout.steps.3.droped, above: 5}\n",
            [
                "{}:4:5: funnel 'checkout' has 0 steps (expected 2 or more, counting the goal: "
                "step)",
                "{}:6:23: unknown metric 'funnels.checkout.steps.3.droped' (nearest valid "
                "path: funnels.checkout.steps.3.dropped) in alert 'r'",
            ],
            id="no steps, a field misspelt: offered the step it names",
        ),
    ],
)
def test_a_rule_on_what_a_funnel_with_problems_does_not_write_is_unknown(
    tmp_path: Path, text: str, errors: list[str]
) -> None:
    """A funnel with problems of its own has the steps and the name it writes: a rule on
    another step or name is an error of its own, with the hint of a file without problems."""
    code, stdout, stderr, path = report_on(tmp_path, text)

    assert (code, stdout) == (2, "")
    assert stderr == "".join(f"micromacro: error: {error.format(path)}\n" for error in errors)


def test_a_rule_on_a_funnel_not_written_is_unknown_beside_one_with_problems(
    tmp_path: Path,
) -> None:
    """A misspelt name is offered the funnel with problems it is nearest; a funnel written
    nowhere is an unknown metric offered the nearest funnel, as in a file without problems."""
    text = (
        PURCHASE + WRONG_ORDER + "  - {name: signup, steps: [/join, /welcome]}\n"
        "alerts:\n"
        "  - {name: r, metric: funnels.chekout.units, below: 1}\n"
        "  - {name: s, metric: funnels.sign_up.units, below: 1}\n"
    )
    code, stdout, stderr, path = report_on(tmp_path, text)

    assert (code, stdout) == (2, "")
    assert stderr == (
        f"micromacro: error: {ORDER_PROBLEM.format(path)}\n"
        f"micromacro: error: {path}:7:23: unknown metric 'funnels.chekout.units' (nearest valid "
        "path: funnels.checkout.units) in alert 'r'\n"
        f"micromacro: error: {path}:8:23: unknown metric 'funnels.sign_up.units' (nearest valid "
        "path: funnels.signup.units) in alert 's'\n"
    )


# --- metric paths and evaluation, without a log ----------------------------------------------

SHAPE = ReportShape(
    goals=("sign.up", "buy"),
    micro_goals=("sign.up",),
    funnels={"check.out": 3},
    dimensions=("plan",),
)


@pytest.mark.parametrize(
    ("text", "keys", "field", "kind"),
    [
        ("goals.sign.up.conversion_rate", ("sign.up",), "conversion_rate", "goals"),
        ("funnels.check.out.steps.3.drop_off_rate", ("check.out", "steps", "3"), "drop_off_rate",
         "steps"),
        ("funnels.check.out.completed", ("check.out",), "completed", "funnels"),
        ("segments.landing_page./a.b.html.sessions", ("landing_page", "/a.b.html"), "sessions",
         "segments"),
        ("segments.channel,device.Email / mobile.goals.buy.conversion_rate",
         ("channel,device", "Email / mobile", "goals", "buy"), "conversion_rate", "segment_goals"),
        ("segments.plan.pro.macro_conversion_rate", ("plan", "pro"), "macro_conversion_rate",
         "segments"),
        ("ladder.customers.share", ("customers",), "share", "ladder"),
        ("ladder.macro_rate_with_micro", (), "macro_rate_with_micro", "ladder"),
        ("micro_macro.sign.up.lift", ("sign.up",), "lift", "micro_macro"),
        ("input.malformed", (), "malformed", "input"),
    ],
)  # fmt: skip
def test_metric_paths(text: str, keys: tuple[str, ...], field: str, kind: str) -> None:
    path = parse_metric(text, SHAPE)
    assert (path.keys, path.field, path.kind) == (keys, field, kind)


@pytest.mark.parametrize(
    "text",
    [
        "funnels.check.out.steps.4.reached",
        "funnels.check.out.steps.0.reached",
        "micro_macro.buy.lift",  # a macro goal has no micro → macro row
        "goals.sign.up",
        "segments.nope.x.sessions",
        "summary",
        "",
    ],
)
def test_invalid_metric_paths(text: str) -> None:
    with pytest.raises(ValueError, match="unknown metric"):
        parse_metric(text, SHAPE)


def _rule(condition: str, value: float, unit: str = "value") -> AlertRule:
    metric = MetricPath("summary.sessions", "summary", (), "sessions", "summary")
    return AlertRule("r", metric, condition, Threshold(value, unit))  # type: ignore[arg-type]


def _report(sessions: int) -> Any:
    """A report of which rules read only the number of sessions."""
    return SimpleNamespace(summary=SimpleNamespace(sessions=sessions))


def test_a_relative_change_from_zero_is_not_evaluated() -> None:
    outcome = evaluate(_rule("change_above", 0.5, "relative"), _report(5), _report(0))
    assert outcome.status == "not_evaluated"
    assert outcome.reason == "no data in the comparison period"


def test_relative_change_of_a_count() -> None:
    outcome = evaluate(_rule("change_below", -0.3, "relative"), _report(60), _report(100))
    assert (outcome.status, outcome.change, outcome.previous) == ("fired", -0.4, 100)
    assert (
        alert_line(outcome)
        == "r: summary.sessions = 60, change -40.0% is below -30% (previous 100)"
    )


# --- figures beside their bound ---------------------------------------------------------------


def _outcome(
    metric: str,
    condition: str,
    bound: Threshold,
    value: float,
    previous: float | None = None,
    change: float | None = None,
) -> AlertResult:
    rule = AlertRule("r", parse_metric(metric, SHAPE), condition, bound)  # type: ignore[arg-type]
    return AlertResult(rule, "fired", value, previous, change)


@pytest.mark.parametrize(
    ("outcome", "line"),
    [
        # Durations: one decimal, a half rounded away from zero (55.25 is 55.3, not 55.2) ...
        (
            _outcome("summary.avg_session_duration_s", "above", Threshold(55.2), 55.25),
            "r: summary.avg_session_duration_s = 55.3s is above 55.2s",
        ),
        (
            _outcome("summary.avg_session_duration_s", "above", Threshold(50), 50.05),
            "r: summary.avg_session_duration_s = 50.1s is above 50.0s",
        ),
        # ... and as many more as it takes not to read as the bound, or past it.
        (
            _outcome("summary.avg_session_duration_s", "above", Threshold(55.2), 55.21),
            "r: summary.avg_session_duration_s = 55.21s is above 55.2s",
        ),
        (
            _outcome("summary.avg_session_duration_s", "below", Threshold(55.3), 55.25),
            "r: summary.avg_session_duration_s = 55.25s is below 55.3s",
        ),
        (
            _outcome("summary.avg_session_duration_s", "below", Threshold(55.27), 55.26),
            "r: summary.avg_session_duration_s = 55.26s is below 55.27s",
        ),
        # Rates: two decimals in percent; the bound with every decimal it was written with.
        (
            _outcome("summary.bounce_rate", "above", Threshold(0.05), 0.05004),
            "r: summary.bounce_rate = 5.004% is above 5.00%",
        ),
        (
            _outcome("summary.bounce_rate", "above", Threshold(0.2333), 7 / 30),
            "r: summary.bounce_rate = 23.333% is above 23.33%",
        ),
        (
            _outcome("summary.bounce_rate", "below", Threshold(0.05125), 0.0512),
            "r: summary.bounce_rate = 5.12% is below 5.125%",
        ),
        # Amounts and other figures: two decimals, a whole number whole.
        (
            _outcome("goals.buy.revenue", "below", Threshold(300), 299.999),
            "r: goals.buy.revenue = 299.999 is below 300",
        ),
        (
            _outcome("summary.pages_per_session", "above", Threshold(1.5), 1.50049),
            "r: summary.pages_per_session = 1.5005 is above 1.5",
        ),
        (
            _outcome("summary.sessions", "below", Threshold(10.5), 10),
            "r: summary.sessions = 10 is below 10.5",
        ),
        # Changes, in the unit of the rule: relative, points, seconds.
        (
            _outcome(
                "summary.sessions",
                "change_below",
                Threshold(-0.5, "relative"),
                4996,
                10000,
                -0.5004,
            ),
            "r: summary.sessions = 4996, change -50.04% is below -50% (previous 10000)",
        ),
        (
            _outcome(
                "goals.buy.conversion_rate",
                "change_below",
                Threshold(-0.02, "pp"),
                0.09996,
                0.12,
                0.09996 - 0.12,
            ),
            "r: goals.buy.conversion_rate = 10.00%, change -2.004pp is below -2.00pp "
            "(previous 12.00%)",
        ),
        (
            _outcome(
                "summary.avg_session_duration_s",
                "change_below",
                Threshold(-10),
                40.05,
                50.09,
                40.05 - 50.09,
            ),
            "r: summary.avg_session_duration_s = 40.1s, change -10.04s is below -10.0s "
            "(previous 50.1s)",
        ),
    ],
)
def test_a_figure_never_reads_as_its_bound(outcome: AlertResult, line: str) -> None:
    assert alert_line(outcome) == line


def test_a_figure_equal_to_its_bound_reads_as_it() -> None:
    # A change of 0.1 against 0.12 is -0.01999999999999999 in floats: -2pp, which does not fire.
    change = _outcome(
        "goals.buy.conversion_rate", "change_below", Threshold(-0.02, "pp"), 0.1, 0.12, 0.1 - 0.12
    )
    assert alert_cells(change) == {
        "rule": "change below -2.00pp",
        "value": "10.00%",
        "previous": "12.00%",
        "change": "-2.00pp",
    }
    level = _outcome("summary.bounce_rate", "above", Threshold(0.05125), 0.05125)
    assert alert_cells(level)["value"] == "5.125%"


def test_alert_lines_and_tables_write_a_figure_apart_from_its_bound(tmp_path: Path) -> None:
    """Four sessions of 221, 0, 0 and 0 seconds: an average of 55.25 s."""
    log = tmp_path / "access.log"
    times = ["09:00:00", "09:03:41", "10:00:00", "11:00:00", "12:00:00"]
    ips = ["192.0.2.1", "192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"]
    log.write_text(
        "".join(
            combined_line(ip=ip, time=f"22/Nov/2026:{time} +0000") + "\n"
            for ip, time in zip(ips, times, strict=True)
        )
    )
    goals = write_rules(
        tmp_path,
        "  - {name: past, metric: summary.avg_session_duration_s, above: 55.2}\n"
        "  - {name: at, metric: summary.avg_session_duration_s, above: 55.25}\n"
        "  - {name: under, metric: summary.avg_session_duration_s, below: 55.3}\n",
    )
    runner = CliRunner()
    fired = runner.invoke(cli, ["alert", str(log), "--goals", goals, *DAY_C])
    assert fired.exit_code == 3
    assert fired.stdout == (
        "past: summary.avg_session_duration_s = 55.3s in 22 Nov 2026 is above 55.2s\n"
        "under: summary.avg_session_duration_s = 55.25s in 22 Nov 2026 is below 55.3s\n"
    )
    report = ["report", str(log), "--goals", goals, *DAY_C, "--alerts"]
    shown = [["above 55.2s", "55.3s"], ["below 55.3s", "55.25s"], ["above 55.25s", "55.25s"]]
    markdown = runner.invoke(cli, [*report, "--format", "markdown"]).stdout.splitlines()
    assert markdown[2] == "## Alerts: 2 of 3 fired"
    assert [row.split(" | ")[3:5] for row in markdown[6:9]] == shown
    table = runner.invoke(cli, report).stdout.splitlines()
    assert table[2] == "Alerts: 2 of 3 fired"
    assert [re.split(r"\s{2,}", row.strip())[3:5] for row in table[6:9]] == shown
    # JSON keeps every digit.
    alerts = json.loads(runner.invoke(cli, [*report, "--format", "json"]).stdout)["alerts"]
    assert [(a["threshold"], a["value"]) for a in alerts] == [
        (55.2, 55.25),
        (55.25, 55.25),
        (55.3, 55.25),
    ]


def test_run_comparison_uses_the_command_line_period() -> None:
    rule = _rule("change_below", -0.3, "relative")
    assert run_comparison([rule], "previous-week", "g.yaml") == ("previous-week", [])
    assert run_comparison([_rule("below", 3)], None, "g.yaml") == (None, [])


def test_a_segment_folded_into_other_says_to_raise_top(tmp_path: Path) -> None:
    goals = write_rules(
        tmp_path, "  - {name: e, metric: segments.channel.Email.sessions, below: 5}\n"
    )
    args = ["report", LOG, "--goals", goals, *DAY_C, "--alerts", "--top", "1", "--format", "json"]
    result = CliRunner().invoke(cli, args)

    # Direct (6 sessions) is shown, Email (4) is folded into (other).
    assert result.exit_code == 0
    (outcome,) = json.loads(result.stdout)["alerts"]
    assert outcome["status"] == "not_evaluated"
    assert (
        outcome["reason"] == "no segment 'Email' of channel among the segments shown (raise --top)"
    )
    assert "alert 'e' not evaluated: no segment 'Email'" in result.stderr
    # micromacro alert keeps every segment: Email's 4 sessions are below 5.
    assert alert(goals, *DAY_C).stdout == (
        "e: segments.channel.Email.sessions = 4 in 22 Nov 2026 is below 5\n"
    )


def test_hostile_rule_names_are_printed_inert(tmp_path: Path) -> None:
    goals = write_rules(
        tmp_path, '  - {name: "\\e[31m[bold]x</td>", metric: summary.sessions, below: 11}\n'
    )
    result = alert(goals, *DAY_C)

    assert result.exit_code == 3
    assert result.stdout == (
        "\\x1b[31m[bold]x</td>: summary.sessions = 10 in 22 Nov 2026 is below 11\n"
    )


def test_the_declared_paths_are_those_of_a_real_report() -> None:
    from micromacro import metric_paths as model

    fixtures = FIXTURES
    args = ["report", str(fixtures / "funnel.log"), "--goals", str(fixtures / "funnel_goals.yaml")]
    result = CliRunner().invoke(cli, [*args, "--by", "channel", "--format", "json"])
    data = json.loads(result.stdout)
    funnel = data["funnels"][0]
    segment = data["segments"][0]
    assert set(model.SUMMARY_FIELDS) <= set(data["summary"])
    assert set(model.GOAL_FIELDS) <= set(data["goals"][0])
    assert set(model.FUNNEL_FIELDS) <= set(funnel)
    assert set(model.STEP_FIELDS) <= set(funnel["steps"][0])
    assert set(model.SEGMENT_FIELDS) <= set(segment)
    assert set(model.SEGMENT_GOAL_FIELDS) <= set(segment["goals"][0])
    for path in model.LADDER_PATHS:
        group, _, name = path.rpartition(".")
        assert name in (data["ladder"][group] if group else data["ladder"])
    shop = ["report", str(fixtures / "shop.log"), "--goals", str(fixtures / "shop_goals.yaml")]
    micro_macro = json.loads(CliRunner().invoke(cli, [*shop, "--format", "json"]).stdout)
    assert set(model.MICRO_MACRO_FIELDS) <= set(micro_macro["micro_macro"][0])
    assert set(micro_macro["input"]) - {"format", "variants"} <= set(model.INPUT_FIELDS)


def test_a_rule_with_its_own_period_and_no_since_names_the_rule(tmp_path: Path) -> None:
    goals = write_rules(
        tmp_path,
        "  - name: slump\n"
        "    metric: goals.purchase.conversion_rate\n"
        "    change_below: -80%\n"
        "    compare: previous\n",
    )
    result = alert(goals)  # no --since, and no --compare either
    assert result.exit_code == 2
    assert result.stderr == (
        "micromacro: error: alert 'slump' compares with previous: a change needs a period to "
        "compare, pass --since (e.g. --since yesterday)\n"
    )


# --- rules on event exports ----------------------------------------------------------------------


def _export(tmp_path: Path, header: str, rows: list[str], goals: str) -> tuple[str, str]:
    """An event export (CSV) and its goals file in ``tmp_path``."""
    data, goals_file = tmp_path / "events.csv", tmp_path / "goals.yaml"
    data.write_text(header + "\n" + "".join(f"{row}\n" for row in rows))
    goals_file.write_text(goals)
    return str(data), str(goals_file)


def test_a_segment_new_in_the_period_had_no_session_before(tmp_path: Path) -> None:
    """Email brings a session on 3 Nov and none on 2 Nov: the comparison period, which keeps
    the segments shown now, had no session of it (raising --top would change nothing)."""
    day = "0{}/Nov/2026:10:0{}:00 +0000"
    lines = [combined_line("/", ip=f"198.51.100.{n}", time=day.format(2, n)) for n in range(2)]
    lines += [combined_line("/", ip=f"203.0.113.{n}", time=day.format(3, n)) for n in range(2)]
    lines.append(
        combined_line("/?utm_source=news&utm_medium=email", ip="192.0.2.9", time=day.format(3, 5))
    )
    log = tmp_path / "new.log"
    log.write_text("\n".join(lines) + "\n")
    goals = write_rules(
        tmp_path,
        "  - {name: e, metric: segments.channel.Email.sessions, change_below: -50%,"
        " compare: previous}\n",
    )
    period = ["--since", "2026-11-03", "--until", "2026-11-03", "--tz", "UTC"]
    args = ["report", str(log), "--goals", goals, *period, "--alerts", "--format", "json"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.stderr
    (outcome,) = json.loads(result.stdout)["alerts"]
    assert (outcome["status"], outcome["reason"]) == (
        "not_evaluated",
        "comparison period: no session of segment 'Email' of channel",
    )


@pytest.mark.parametrize("column", ["device.category", "collected_traffic_source.manual_source"])
def test_a_segment_path_names_a_kept_column_whose_name_holds_dots(
    tmp_path: Path, column: str
) -> None:
    """Three visitors, two of them with 'mobile' in the kept column: the rule on that segment
    reads 2 sessions and fires (the path's breakdown is the kept column, dots and all)."""
    data, goals = _export(
        tmp_path,
        f"t,u,url,{column}",
        [
            "2026-11-02T09:00:00Z,a,/a,mobile",
            "2026-11-02T09:10:00Z,b,/b,desktop",
            "2026-11-02T09:20:00Z,c,/c,mobile",
        ],
        f"source: {{timestamp: t, user_id: u, url: url, keep: [{column}]}}\n"
        "goals:\n  - {name: seen, kind: micro, destination: /a}\n"
        f"alerts:\n  - {{name: mob, metric: segments.{column}.mobile.sessions, above: 1}}\n",
    )
    result = CliRunner().invoke(cli, ["alert", data, "--goals", goals, "-q"])
    assert result.exit_code == 3, result.stderr
    assert result.stdout.startswith(f"mob: segments.{column}.mobile.sessions = 2 in ")


def test_revenue_in_two_currencies_is_not_evaluated_and_says_why(tmp_path: Path) -> None:
    data, goals = _export(
        tmp_path,
        "t,u,url,value,currency",
        ["2026-11-02T09:00:00Z,a,/thanks,10.5,EUR", "2026-11-02T09:10:00Z,b,/thanks,20,USD"],
        "source: {timestamp: t, user_id: u, url: url, revenue: value, currency: currency}\n"
        "goals:\n  - {name: purchase, kind: macro, destination: /thanks, value: {from: revenue}}\n"
        "alerts:\n  - {name: rev, metric: goals.purchase.revenue, below: 1000}\n",
    )
    result = CliRunner().invoke(cli, ["alert", data, "--goals", goals])
    assert result.exit_code == 0
    assert (
        "micromacro: warning: alert 'rev' not evaluated: revenue in 2 currencies (EUR, USD), "
        "which add up to no one figure\n"
    ) in result.stderr


def test_a_micro_macro_rule_without_a_macro_goal_is_a_config_error() -> None:
    """Without a macro goal the micro → macro table has no row: a rule on one is refused when
    the file is read (``alert`` failed with an internal error), and `check` says so."""
    text = (
        "goals:\n"
        "  - {name: news, kind: micro, destination: /buy}\n"
        "alerts:\n"
        "  - {name: lift, metric: micro_macro.news.macro_rate_with, below: 0.5}\n"
    )
    with pytest.raises(ConfigError) as info:
        parse_goals(text, path="goals.yaml")
    assert info.value.problems == [
        "goals.yaml:4:26: metric 'micro_macro.news.macro_rate_with': the goals file has no "
        "macro goal, so the micro → macro table has no row to read (mark a goal kind: macro) in "
        "alert 'lift'"
    ]
    with_macro = text.replace(
        "alerts:", "  - {name: buy, kind: macro, destination: /thanks}\nalerts:"
    )
    assert [rule.name for rule in parse_goals(with_macro, path="goals.yaml").alerts] == ["lift"]
