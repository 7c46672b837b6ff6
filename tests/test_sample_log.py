"""The real command on realistic logs gives the reference's every figure (definitions §2.2–2.4,
§2.6, §4).

``micromacro report LOG --goals goals.example.yaml --format json`` runs through click's
``CliRunner`` on the committed sample log and on logs of ``bench/generate_log.py``; every input
bucket, summary figure and goal figure must equal ``tests/reference.py``'s. A tiny log worked out
by hand anchors both the program and the reference to literal numbers.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner, Result

from micromacro.cli import cli
from micromacro.goals_file import load_goals
from micromacro.inputs import Inputs
from tests import reference

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_LOG = ROOT / "sample_logs" / "access.log"
EXAMPLE_GOALS = ROOT / "goals.example.yaml"
GENERATOR = ROOT / "bench" / "generate_log.py"
GOALS = load_goals(EXAMPLE_GOALS).goals


@cache
def generator() -> ModuleType:
    """``bench/generate_log.py`` as a module (``bench`` is no package)."""
    spec = importlib.util.spec_from_file_location("generate_log", GENERATOR)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


def generated_log(directory: Path, lines: int, seed: int) -> Path:
    path = directory / f"generated-{lines}-{seed}.log"
    path.write_text("".join(generator().generate(lines, seed)), encoding="utf-8", newline="")
    return path


def run_report(log: Path, *options: str) -> tuple[dict[str, object], Result]:
    """The JSON report of ``micromacro report LOG --goals goals.example.yaml … --format json``."""
    args = ["report", str(log), "--goals", str(EXAMPLE_GOALS), "--format", "json", *options]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout), result


@pytest.fixture(scope="module")
def sample_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The committed sample, else the same log made as the README's generator command makes it."""
    if SAMPLE_LOG.exists():
        return SAMPLE_LOG
    return generated_log(tmp_path_factory.mktemp("sample"), 5_000, 42)


def test_sample_log_equals_the_reference(sample_log: Path) -> None:
    report, result = run_report(sample_log)
    expected = reference.report([sample_log], GOALS)
    reference.assert_report_matches(report, expected)
    # The sample exercises every bucket and converts every goal type.
    assert all(expected.input[bucket] > 0 for bucket in reference.BUCKETS)
    assert {g["type"] for g in expected.goals if g["conversions"]} == {
        "destination",
        "event",
        "duration",
        "pages",
    }
    assert f"input: {expected.input['lines']:,} lines" in result.stderr  # stdout is only JSON


def test_generated_log_of_20000_lines_equals_the_reference(tmp_path: Path) -> None:
    log = generated_log(tmp_path, 20_000, 2027)
    report, _ = run_report(log)
    expected = reference.report([log], GOALS)
    assert expected.input["lines"] == 20_000
    reference.assert_report_matches(report, expected)


def test_timeout_and_include_switches_equal_the_reference(sample_log: Path) -> None:
    options = ("--session-timeout", "10m", "--include-bots", "--include-static")
    report, _ = run_report(sample_log, *options)
    include = reference.Include(bots=True, static=True)
    expected = reference.report([sample_log], GOALS, timeout_s=600, include=include)
    assert expected.input["bot"] == expected.input["static"] == 0
    reference.assert_report_matches(report, expected)
    # Shorter sessions and more counted hits than with the defaults.
    default = reference.report([sample_log], GOALS)
    assert expected.summary["sessions"] > default.summary["sessions"]


# --- a log worked out by hand -----------------------------------------------------------------

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
CLIENTS = {
    "A": ("203.0.113.7", FIREFOX),
    "B": ("198.51.100.2", IPHONE),
    "bot": ("66.249.66.1", GOOGLEBOT),
}


def hand_line(client: str, time: str, request: str, status: int) -> str:
    ip, agent = CLIENTS[client]
    return f'{ip} - - [02/Nov/2026:{time} +0100] "{request}" {status} 512 "-" "{agent}"'


HAND_LOG = [
    hand_line("A", "09:00:00", "GET / HTTP/1.1", 200),  # 1 page        A1
    hand_line("A", "09:00:00", "GET /static/app.css HTTP/1.1", 200),  # 2 static
    hand_line("A", "09:10:00", "POST /cart/add/7 HTTP/1.1", 303),  # 3 request  A1 add_to_cart
    hand_line("A", "09:10:01", "GET /cart HTTP/1.1", 200),  # 4 page   A1
    hand_line("A", "09:12:00", "POST /cart/add/8 HTTP/1.1", 303),  # 5 request  A1 add_to_cart
    hand_line("A", "09:42:00", "GET /checkout HTTP/1.1", 200),  # 6 page  A1 (gap exactly 30m)
    hand_line("A", "10:12:01", "GET /checkout/thank-you?order=9 HTTP/1.1", 200),  # 7 page  A2
    hand_line("B", "09:05:00", "GET /downloads/size-guide.pdf HTTP/2.0", 200),  # 8 download B1
    hand_line("B", "09:05:30", "GET /blog/boots HTTP/2.0", 404),  # 9 error
    hand_line("bot", "09:06:00", "GET / HTTP/1.1", 200),  # 10 bot
    hand_line("B", "09:07:00", "-", 400),  # 11 malformed
    hand_line("B", "09:08:00", "GET /shop HTTP/2.0", 301),  # 12 redirect
]
# Sessions (a gap greater than 30 min splits, exactly 30 min does not):
#   A1 = lines 1, 3, 4, 5, 6: 09:00:00–09:42:00 = 2520 s, 3 pageviews, 2 events, no bounce
#   A2 = line 7 (30 min 1 s after line 6): 0 s, 1 pageview, bounce
#   B1 = line 8: 0 s, 0 pageviews, 1 event (the download), no bounce (no pageview)
# Summary: 2 visitors, 3 sessions, 4 pageviews, 3 events, bounce rate 1/3,
#   average duration 2520/3 = 840 s, 4/3 pages per session; macro: A2 (purchase) = 1 of 3;
#   micro: A1 (add_to_cart, checkout_started, long_visit) and B1 (size_guide_download) = 2 of 3;
#   engaged (GA4): A1 (2520 s, 3 pageviews) and A2 (0 s, but its purchase is a macro goal), not
#   B1 (0 s, no pageview, a micro goal only) = 2 of 3.
# Goals: conversions, converting sessions, converting visitors, value
#   purchase             A2's /checkout/thank-you?order=9 (begins_with)   1, 1, 1, 60 × 1
#   contact_lead         -                                                0, 0, 0, 25 × 0
#   add_to_cart          A1's two POST /cart/add/... (count: every)       2, 1, 1, none
#   checkout_started     A1's /checkout (one_of)                          1, 1, 1, none
#   newsletter_signup    -                                                0, 0, 0, none
#   size_guide_download  B1's /downloads/size-guide.pdf (glob)            1, 1, 1, none
#   long_visit           A1: 2520 s > 5m                                  1, 1, 1, none
#   engaged_visit        - (3 pageviews is not > 4)                       0, 0, 0, none
# Wilson 95% for 1 of 3 sessions: centre (1 + 1.92)/(3 + 3.84) = 0.4269,
#   half 1.96·√(1·2/3 + 0.96)/(3 + 3.84) = 0.3654: [0.0615, 0.7923];
#   for 1 of 2 visitors: centre 0.5, half 1.96·√(1·1/2 + 0.96)/(2 + 3.84) = 0.4055:
#   [0.0945, 0.9055].
HAND_INPUT = {
    "lines": 12, "files": 1, "format": "combined", "malformed": 1, "bot": 1, "static": 1,
    "error": 1, "request": 2, "redirect": 1, "other_method": 0, "download": 1, "page": 4,
    "variants": {"combined": 11},
}  # fmt: skip
HAND_SUMMARY = {
    "visitors": 2, "sessions": 3, "pageviews": 4, "events": 3, "bounce_rate": 1 / 3,
    "avg_session_duration_s": 840.0, "pages_per_session": 4 / 3, "macro_sessions": 1,
    "macro_conversion_rate": 1 / 3, "micro_sessions": 2, "micro_conversion_rate": 2 / 3,
    # One purchase at 60, no contact lead (25): 60 over 3 sessions, no currency.
    "macro_revenue": 60.0, "macro_revenue_per_session": 20.0,
    "engaged_sessions": 2, "engagement_rate": 2 / 3,
}  # fmt: skip
HAND_GOALS = {  # name: conversions, converting sessions, converting visitors, value
    "purchase": (1, 1, 1, 60.0),
    "contact_lead": (0, 0, 0, 0.0),
    "add_to_cart": (2, 1, 1, None),
    "checkout_started": (1, 1, 1, None),
    "newsletter_signup": (0, 0, 0, None),
    "size_guide_download": (1, 1, 1, None),
    "long_visit": (1, 1, 1, None),
    "engaged_visit": (0, 0, 0, None),
}


def assert_hand_counted(report: dict[str, object]) -> None:
    """``report`` has the figures worked out by hand above."""
    assert report["input"] == HAND_INPUT
    summary = dict(report["summary"])  # type: ignore[call-overload]
    assert summary.pop("macro_revenue_by_currency") == [{"currency": None, "revenue": 60.0}]
    assert summary.pop("currency") is None
    assert summary == pytest.approx(HAND_SUMMARY, rel=1e-12)
    goals = {g["name"]: g for g in report["goals"]}  # type: ignore[attr-defined]
    counts = {
        name: (g["conversions"], g["converting_sessions"], g["visitors"], g["value"])
        for name, g in goals.items()
    }
    assert counts == HAND_GOALS
    for name, (_, sessions, visitors, _) in HAND_GOALS.items():
        assert goals[name]["conversion_rate"] == pytest.approx(sessions / 3, rel=1e-12)
        assert goals[name]["visitor_conversion_rate"] == pytest.approx(visitors / 2, rel=1e-12)
    purchase = goals["purchase"]
    session_ci = (purchase["conversion_rate_ci_low"], purchase["conversion_rate_ci_high"])
    visitor_ci = (
        purchase["visitor_conversion_rate_ci_low"],
        purchase["visitor_conversion_rate_ci_high"],
    )
    assert session_ci == pytest.approx((0.0615, 0.7923), abs=1e-4)
    assert visitor_ci == pytest.approx((0.0945, 0.9055), abs=1e-4)


@pytest.fixture
def hand_log(tmp_path: Path) -> Path:
    log = tmp_path / "hand.log"
    log.write_text("\n".join(HAND_LOG) + "\n", encoding="utf-8")
    return log


def test_hand_counted_log_reference(hand_log: Path) -> None:
    assert_hand_counted(reference.report([hand_log], GOALS).as_dict())


def test_hand_counted_log_program(hand_log: Path) -> None:
    report, result = run_report(hand_log)
    assert_hand_counted(report)
    assert f"{hand_log}:11: malformed line" in result.stderr
    assert "input: 12 lines" in result.stderr


def test_small_read_chunks_change_nothing(
    sample_log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sessions, bots and buckets across chunk boundaries: the sample read 64 KiB at a time."""
    monkeypatch.setattr(Inputs.line_chunks, "__defaults__", (64 * 1024,))
    report, _ = run_report(sample_log)
    reference.assert_report_matches(report, reference.report([sample_log], GOALS))
