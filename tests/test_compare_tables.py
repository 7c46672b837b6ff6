"""--compare in the CSV funnels and segments tables, over tests/fixtures/alerts.log.

22 Nov against 21 Nov (see tests/test_alerts.py for the days). Channel Direct: 6 sessions each
day (sessions 5–10); purchases 1 (session 5) against 2 (5, 6), sign-ups 0 against 3 (7, 8, 9).
Channel Email: 4 sessions each day; purchases 0 against 2 (1, 2), sign-ups 0 against 0.
"""

from __future__ import annotations

import csv
import io
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
