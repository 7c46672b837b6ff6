"""--compare in the CSV funnels and segments tables, over tests/fixtures/alerts.log.

22 Nov against 21 Nov (see tests/test_alerts.py for the days). Channel Direct: 6 sessions each
day (sessions 5–10); purchases 1 (session 5) against 2 (5, 6), sign-ups 0 against 3 (7, 8, 9).
Channel Email: 4 sessions each day; purchases 0 against 2 (1, 2), sign-ups 0 against 0.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from micromacro.cli import cli

FIXTURES = Path(__file__).parent / "fixtures"
LOG = str(FIXTURES / "alerts.log")
DAY = ("--since", "2026-11-22", "--until", "2026-11-22", "--compare", "previous")


def table(goals: Path, name: str, *args: str) -> list[dict[str, str]]:
    command = ["report", LOG, "--goals", str(goals), *DAY, *args, "--format", "csv"]
    result = CliRunner().invoke(cli, [*command, "--table", name])
    assert result.exit_code == 0, result.stderr
    return list(csv.DictReader(io.StringIO(result.stdout)))


def test_segment_rows_carry_the_previous_period() -> None:
    rows = table(FIXTURES / "alerts_goals.yaml", "segments", "--by", "channel")
    figures = {
        (r["segment"], r["goal"]): (r["sessions"], r["previous_sessions"],
                                    r["conversion_rate"], r["previous_conversion_rate"])
        for r in rows
    }  # fmt: skip
    assert figures == {
        ("Direct", "purchase"): ("6", "6", repr(1 / 6), repr(2 / 6)),
        ("Direct", "newsletter"): ("6", "6", "0.0", "0.5"),
        ("Email", "purchase"): ("4", "4", "0.0", "0.5"),
        ("Email", "newsletter"): ("4", "4", "0.0", "0.0"),
    }
    email_purchase = next(r for r in rows if (r["segment"], r["goal"]) == ("Email", "purchase"))
    assert float(email_purchase["change"]) == -0.5
    # 0 of 4 is exactly 0 at the bottom of its interval.
    assert email_purchase["ci_low"] == "0.0"


def test_funnel_rows_carry_the_previous_period(tmp_path: Path) -> None:
    goals = tmp_path / "goals.yaml"
    goals.write_text(
        "goals:\n  - {name: purchase, kind: macro, destination: /thanks}\n"
        "funnels:\n  - name: buy\n    steps: [/, /thanks]\n"
    )
    rows = table(goals, "funnels")
    # Step 1: 10 sessions both days; step 2: 1 of 10 against 4 of 10.
    assert [(r["step"], r["reached"], r["previous_reached"]) for r in rows] == [
        ("1", "10", "10"),
        ("2", "1", "4"),
    ]
    assert [float(r["change"]) for r in rows] == [0.0, pytest.approx(1 / 10 - 4 / 10)]
    assert rows[1]["previous_conversion_from_start"] == "0.4"


EXPORT_ROWS = """\
event_time,user_id,page_url
2026-11-21T09:00:00Z,a,https://shop.example/
2026-11-21T09:01:00Z,a,https://shop.example/thanks
2026-11-21T10:00:00Z,b,https://shop.example/
2026-11-21T10:01:00Z,b,https://shop.example/thanks
2026-11-21T11:00:00Z,c,https://shop.example/
2026-11-21T12:00:00Z,d,https://shop.example/
2026-11-22T09:00:00Z,e,https://shop.example/
2026-11-22T09:01:00Z,e,https://shop.example/thanks
2026-11-22T10:00:00Z,f,https://shop.example/
2026-11-22T11:00:00Z,g,https://shop.example/
2026-11-10T11:00:00Z,h,https://shop.example/
,i,https://shop.example/
"""


def test_an_event_export_is_compared_in_one_read(tmp_path: Path) -> None:
    export = tmp_path / "events.csv"
    export.write_text(EXPORT_ROWS)
    goals = tmp_path / "goals.yaml"
    goals.write_text(
        "source: {timestamp: event_time, user_id: user_id, url: page_url}\n"
        "goals:\n  - {name: purchase, kind: macro, destination: /thanks}\n"
    )
    args = ["report", str(export), "--goals", str(goals), *DAY, "--format", "json"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)

    # 12 rows: 6 on 21 Nov, 4 on 22 Nov, 1 on 10 Nov, 1 without a time.
    assert data["input"]["malformed"] == 1
    assert (data["input"]["page"], data["input"]["out_of_period"]) == (4, 7)
    previous = data["previous"]
    assert (previous["input"]["page"], previous["input"]["out_of_period"]) == (6, 5)
    assert (data["summary"]["sessions"], previous["summary"]["sessions"]) == (3, 4)
    (goal,) = data["goals"]
    assert (goal["conversion_rate"], goal["previous_conversion_rate"]) == (1 / 3, 2 / 4)
    assert goal["change"] == pytest.approx(1 / 3 - 1 / 2)


def test_a_segment_goals_change_is_tested_against_the_previous_periods_own_sessions() -> None:
    """Organic Search on the sample log: add_to_cart in 1 of 23 sessions on 5–6 November, in 2
    of 17 on 3–4 November. The change's p-value is the pooled two-proportion z-test of those
    counts, each period's own sessions (not the segment's 23 twice):
    p = 3/40, z = (2/17 − 1/23) / √(p(1 − p)(1/23 + 1/17)) = 0.8806, p-value 0.37864."""
    args = ["--since", "2026-11-05", "--until", "2026-11-06", "--compare", "previous"]
    command = ["report", "sample_logs/access.log", "--goals", "goals.example.yaml", *args]
    result = CliRunner().invoke(cli, [*command, "--by", "channel", "--format", "json", "-q"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    now = next(s for s in report["segments"] if s["segment"] == "Organic Search")
    before = next(s for s in report["previous"]["segments"] if s["segment"] == "Organic Search")
    goal_now = next(g for g in now["goals"] if g["goal"] == "add_to_cart")
    goal_before = next(g for g in before["goals"] if g["goal"] == "add_to_cart")
    assert (goal_now["conversions"], now["sessions"]) == (1, 23)
    assert (goal_before["conversions"], before["sessions"]) == (2, 17)
    assert goal_now["change_p_value"] == pytest.approx(0.3786447515699911, rel=1e-12)
