"""--compare over tests/fixtures/two_days.log (see tests/test_period_days.py for its lines).

29 March in Europe/Berlin is [28 23:00Z, 29 22:00Z): L5–L8, 4 sessions, p7 converts (L7).
It lasts 23 hours (clocks go forward); ``previous`` is the day before, as a period of whole
days is compared with as many days: [27 23:00Z, 28 23:00Z), L2–L4, 3 sessions, p3 converts
(L3). ``2026-03-28..2026-03-28`` names the same day.
"""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from micromacro.cli import cli
from micromacro.environment import Environment
from tests.helpers import combined_line

FIXTURES = Path(__file__).parent / "fixtures"
LOG = str(FIXTURES / "two_days.log")
GOALS = str(FIXTURES / "two_days_goals.yaml")
DAY = ("--since", "2026-03-29", "--until", "2026-03-29", "--tz", "Europe/Berlin")


def compare(spec: str) -> tuple[dict[str, object], str]:
    args = ["report", LOG, "--goals", GOALS, "--format", "json", *DAY, "--compare", spec]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout), result.stderr


def z_test(x1: int, n1: int, x2: int, n2: int) -> float:
    pooled = (x1 + x2) / (n1 + n2)
    z = (x1 / n1 - x2 / n2) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return math.erfc(abs(z) / math.sqrt(2))


def test_the_previous_period_of_a_day_is_the_day_before() -> None:
    data, _ = compare("previous")
    previous = data["previous"]
    assert (
        previous["period"].items()
        >= {
            "start": "2026-03-27T23:00:00Z",
            "end": "2026-03-28T23:00:00Z",
        }.items()
    )
    assert (previous["input"]["page"], previous["input"]["out_of_period"]) == (3, 6)
    assert previous["summary"]["sessions"] == 3
    assert data["input"]["page"] == 4
    summary = data["summary"]
    assert (summary["sessions"], summary["previous_sessions"], summary["change_sessions"]) == (
        4,
        3,
        1,
    )
    macro = [summary[k] for k in ("macro_conversion_rate", "previous_macro_conversion_rate",
                                  "change_macro_conversion_rate")]  # fmt: skip
    assert macro == pytest.approx([0.0, 1 / 3, -1 / 3])
    assert summary["change_p_value_macro_conversion_rate"] == pytest.approx(z_test(0, 4, 1, 3))
    assert "change_p_value_sessions" not in summary
    p3, p7 = data["goals"]
    assert {k: p3[k] for k in ("conversions", "previous_conversions", "conversion_rate",
                               "previous_conversion_rate", "change")} == pytest.approx({
        "conversions": 0,
        "previous_conversions": 1,
        "conversion_rate": 0.0,
        "previous_conversion_rate": 1 / 3,
        "change": -1 / 3,
    })  # fmt: skip
    assert p3["change_p_value"] == pytest.approx(z_test(0, 4, 1, 3))
    assert (p7["conversion_rate"], p7["previous_conversion_rate"], p7["change"]) == (
        0.25,
        0.0,
        0.25,
    )


def test_explicit_dates() -> None:
    data, _ = compare("2026-03-28..2026-03-28")
    assert data["previous"]["summary"]["sessions"] == 3
    assert (
        data["previous"]["period"].items()
        >= {
            "start": "2026-03-27T23:00:00Z",
            "end": "2026-03-28T23:00:00Z",
        }.items()
    )


@pytest.mark.parametrize(
    ("spec", "warning"),
    [
        # The report's period is 29 March in Berlin, from 2026-03-29 00:00 (+01:00).
        ("2026-03-28..2026-03-28", None),  # ends where the report's period starts
        ("previous", None),
        (
            "2026-03-28..2026-03-29",
            "the comparison period overlaps the report's period, which starts 2026-03-29 00:00: "
            "hits in both count in each",
        ),
        (
            "2026-03-28..",  # an open end: up to now
            "the comparison period overlaps the report's period, which starts 2026-03-29 00:00: "
            "hits in both count in each",
        ),
        (
            "2026-03-29..2026-03-29",
            "the comparison period does not start before the report's period (2026-03-29 "
            "00:00): each change is against the same or a later period, not an earlier one",
        ),
        (
            "2026-03-30..2026-03-30",
            "the comparison period does not start before the report's period (2026-03-29 "
            "00:00): each change is against the same or a later period, not an earlier one",
        ),
    ],
)
def test_a_comparison_period_that_is_not_earlier_is_a_warning(
    spec: str, warning: str | None
) -> None:
    _, stderr = compare(spec)
    named = [line for line in stderr.splitlines() if "report's period" in line]
    assert named == ([] if warning is None else [f"micromacro: warning: {warning}"])


def test_a_comparison_period_without_data_is_null_not_zero() -> None:
    data, stderr = compare("previous-week")
    summary = data["summary"]
    assert (summary["previous_sessions"], summary["change_sessions"]) == (None, None)
    assert data["goals"][0]["change_p_value"] is None
    assert "no sessions in the comparison period" in stderr


def test_a_period_without_sessions_has_no_change_of_a_rate() -> None:
    """31 March has no hit; 29 March (the explicit comparison) has L5–L8: 4 sessions of one
    pageview each, one of them converting p7 (micro). Counts change to 0; a figure per session
    of nobody is shown as 0 but has no change."""
    args = ["report", LOG, "--goals", GOALS, "--format", "json", "--tz", "Europe/Berlin",
            "--since", "2026-03-31", "--until", "2026-03-31",
            "--compare", "2026-03-29..2026-03-29"]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    summary = data["summary"]
    assert (summary["sessions"], summary["previous_sessions"], summary["change_sessions"]) == (
        0,
        4,
        -4,
    )
    assert (summary["pageviews"], summary["change_pageviews"]) == (0, -4)
    for rate in ("micro_conversion_rate", "macro_conversion_rate", "bounce_rate",
                 "engagement_rate"):  # fmt: skip
        assert summary[rate] == 0.0
        assert (summary[f"change_{rate}"], summary[f"change_p_value_{rate}"]) == (None, None)
    assert summary["previous_micro_conversion_rate"] == 0.25
    assert summary["previous_bounce_rate"] == 1.0
    for figure in ("avg_session_duration_s", "pages_per_session"):
        assert summary[f"change_{figure}"] is None
    p3, p7 = data["goals"]
    assert (p7["previous_conversions"], p7["previous_conversion_rate"]) == (1, 0.25)
    assert (p7["conversion_rate"], p7["change"], p7["change_p_value"]) == (0.0, None, None)
    assert (p3["previous_conversion_rate"], p3["change"]) == (0.0, None)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (("--compare", "previous"), "--compare needs --since"),
        (
            ("--since", "2026-03-29", "--compare", "last-month"),
            "--compare: cannot read 'last-month'",
        ),
        (("--compare", ".."), "--compare '..': name a start, an end or both"),
    ],
)
def test_compare_usage_errors(options: tuple[str, ...], message: str) -> None:
    result = CliRunner().invoke(cli, ["report", LOG, *options])
    assert result.exit_code == 2
    assert message in result.stderr


def test_csv_and_terminal_show_the_change() -> None:
    base = ["report", LOG, "--goals", GOALS, *DAY, "--compare", "previous"]
    lines = CliRunner().invoke(cli, [*base, "--format", "csv"]).stdout.splitlines()
    assert lines[0].endswith(",previous_conversions,previous_conversion_rate,change,change_p_value")
    assert lines[1].startswith("p3,")
    assert lines[1].split(",")[-4:-1] == ["1", repr(1 / 3), repr(-1 / 3)]
    text = CliRunner().invoke(cli, base).stdout
    goals = text.split("Goals")[1].split("Engagement")[0]
    assert "▼ -33.3 pp" in goals  # p3: 0 of 4 against 1 of 3
    assert "▲ +25.0 pp" in goals  # p7: 1 of 4 against 0 of 3
    assert "\x1b" not in text  # no colour when not on a terminal


def test_funnel_steps_and_segments_carry_their_change() -> None:
    args = ["report", LOG, "--goals", GOALS, "--format", "json", *DAY, "--compare", "previous"]
    data = json.loads(CliRunner().invoke(cli, [*args, "--by", "device"]).stdout)
    # Every session is one pageview: all 4 (3 before) reach step 1, none step 2 (one hit
    # cannot be two steps).
    first, second = data["funnels"][0]["steps"]
    assert (first["previous_reached"], first["previous_conversion_from_start"]) == (3, 1.0)
    assert (first["change"], first["change_p_value"]) == (0.0, 1.0)
    assert (second["previous_reached"], second["change"]) == (0, 0.0)
    (desktop,) = data["segments"]  # every line is the same desktop Firefox
    assert (desktop["sessions"], desktop["previous_sessions"]) == (4, 3)
    assert (desktop["previous_macro_conversion_rate"], desktop["change"]) == pytest.approx(
        (1 / 3, -1 / 3)
    )
    assert desktop["change_p_value"] == pytest.approx(z_test(0, 4, 1, 3))
    p7 = desktop["goals"][1]
    assert (p7["previous_conversion_rate"], p7["change"]) == (0.0, 0.25)


def test_terminal_summary_shows_before_and_signed_changes() -> None:
    args = ["report", LOG, "--goals", GOALS, *DAY, "--compare", "previous"]
    text = CliRunner().invoke(cli, args).stdout
    summary = text.split("Summary")[1].split("Goals")[0]
    rows = {
        line.strip().split("  ")[0]: line.split()
        for line in summary.splitlines()
        if line.strip() and not line.strip().startswith(("Metric", "─"))
    }
    assert rows["Sessions"][-3:] == ["4", "3", "+1"]
    assert rows["Sessions with a macro goal"][-3:] == ["0", "1", "-1"]
    assert rows["Macro conversion rate"][-5:] == ["0.0%", "33.3%", "▼", "-33.3", "pp"]


def test_a_fall_of_the_bounce_rate_is_good_news_on_a_colour_terminal() -> None:
    """5–8 November of the sample against the 3 days before: the bounce rate falls from
    39.4% to 38.9% (green: good news), the macro rate from 3.7% to 3.5% (red)."""
    out = io.StringIO()
    terminal = Environment(stdin=io.BytesIO(), stdout=out, stderr=io.StringIO(),
                           stdout_isatty=True, no_color=False, stdout_width=120)  # fmt: skip
    root = Path(__file__).resolve().parents[1]
    sample = [str(root / "sample_logs" / "access.log"), "--goals", str(root / "goals.example.yaml")]
    args = ["report", *sample, "--since", "2026-11-05", "--until", "2026-11-08",
            "--compare", "previous"]  # fmt: skip
    assert CliRunner().invoke(cli, args, obj=terminal).exit_code == 0
    rows = {line.split("  ")[1]: line for line in out.getvalue().splitlines() if "▼" in line}
    assert rows["Bounce rate"].endswith("\x1b[32m▼ -0.6 pp\x1b[0m")
    assert rows["Macro conversion rate"].endswith("\x1b[31m▼ -0.2 pp\x1b[0m")


def test_the_comparison_period_keeps_the_segments_shown(tmp_path: Path) -> None:
    # One-page visits, one visitor each. 3 Nov: 5 land on /x, 4 on /y, 1 on /z; 4 Nov: 5 on /z,
    # 3 on /y, 1 on /x. With --top 1 on 4 Nov, /z is shown and /x and /y are (other): on 3 Nov
    # /z has 1 session and /x, /y 9, whatever 3 Nov's own largest page.
    lines = []
    for day, counts in ((3, {"/x": 5, "/y": 4, "/z": 1}), (4, {"/z": 5, "/y": 3, "/x": 1})):
        paths = [path for path, n in counts.items() for _ in range(n)]
        lines += [
            combined_line(path, ip=f"10.0.{day}.{n}", time=f"0{day}/Nov/2026:10:{n:02d}:00 +0000")
            for n, path in enumerate(paths)
        ]
    log = tmp_path / "access.log"
    log.write_text("\n".join(lines) + "\n")
    goals = tmp_path / "goals.yaml"
    goals.write_text("goals:\n  - {name: z, kind: macro, destination: /z}\n")
    args = ["report", str(log), "--goals", str(goals), "--format", "json", "-q"]
    args += ["--since", "2026-11-04", "--until", "2026-11-04", "--compare", "previous"]
    result = CliRunner().invoke(cli, [*args, "--by", "landing_page", "--top", "1"])
    data = json.loads(result.stdout)
    rows = [(r["segment"], r["sessions"], r["previous_sessions"]) for r in data["segments"]]
    assert rows == [("/z", 5, 1), ("(other)", 4, 9)]
    previous = [(r["segment"], r["sessions"]) for r in data["previous"]["segments"]]
    assert previous == [("/z", 1), ("(other)", 9)]
    other = data["segments"][1]
    # (other) converts 0 of 4 now and 0 of 9 before; /z 5 of 5 and 1 of 1.
    assert (other["previous_macro_conversion_rate"], other["change"]) == (0.0, 0.0)
    assert data["segments"][0]["previous_macro_conversion_rate"] == 1.0


def test_an_ab_test_begun_in_the_period_has_no_experiment_in_the_one_before(
    tmp_path: Path,
) -> None:
    """The day before an A/B test began has no variant: the report of the day it began, compared
    with it, has its experiment (A: 2 sessions, 1 converted; B: 2, none), the day before none
    (it exited 2: the baseline had no session in the comparison period)."""
    day1, day2 = "02/Nov/2026:{}:00:00 +0000", "03/Nov/2026:{}:00:00 +0000"
    lines = [combined_line("/", ip=f"198.51.100.{n}", time=day1.format(10 + n)) for n in range(4)]
    for n, variant in enumerate("AABB"):
        ip, at = f"203.0.113.{n}", day2.format(10 + n)
        lines.append(combined_line(f"/?variant={variant}", ip=ip, time=at))
        if n == 0:
            lines.append(combined_line("/thanks", ip=ip, time=at.replace(":00:00", ":05:00")))
    log = tmp_path / "ab.log"
    log.write_text("\n".join(lines) + "\n")
    goals = tmp_path / "goals.yaml"
    goals.write_text("goals:\n  - {name: buy, kind: macro, destination: /thanks}\n")
    args = ["report", str(log), "--goals", str(goals), "--since", "2026-11-03", "--until",
            "2026-11-03", "--tz", "UTC", "--by", "query:variant", "--baseline", "A",
            "--compare", "previous", "--format", "json"]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    variants = report["experiment"]["sample_ratio"]["variants"]
    assert variants == ["A", "B"]
    assert "experiment" not in report["previous"]
