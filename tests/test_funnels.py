"""Funnels end to end over a hand-worked fixture, one funnel per mode.

tests/fixtures/funnel.log (35 lines, all +0000, 2 Nov 2026 unless said; 30-minute sessions).
Steps of the checkout funnels: product (/p/…), /cart, /checkout, buy (/thanks).

    S1  V1  09:00 /p/tent · 09:01:00 POST /cart/add · 09:01:05 /cart · 09:03 /checkout ·
            09:05 /thanks
    S2  V2  10:00:00 /p/boots · /cart · /checkout   (three hits in the same second)
    S3  V3  11:00 /p/a · 11:02 /checkout · 11:03 /thanks        (skips /cart)
    S4  V4  12:00 /cart · 12:01 /checkout · 12:02 /p/x          (enters at the cart)
    S5  V5  13:00 /p/a · 13:01 /p/b · 13:02 /cart · 13:03 /cart · 13:04 /p/c   (repeats)
    S6  V6  14:00 /p/a
    S7  V6  15:00 /cart
    S8  V6  3 Nov 15:00 /p/b · 15:10 /cart · 15:30 /thanks
    S9  V7  16:00 /p/a · 16:01 /cart · 16:09 /cart · 16:18 /checkout
    S10 V8  17:00 /downloads/guide.pdf (a download event) · 17:01 /cart · 17:02 /thanks
    S11 V9  18:00 /about
    S12 V10 19:00 /p/a · 19:01 /cart
    S13 V10 4 Nov 19:00 /thanks

13 sessions, 10 visitors. Each unit's best attempt (entry → furthest; seconds between steps):

    closed   S1 1→4 (65, 115, 120) · S2 1→3 (0, 0) · S3, S4, S6 1→1 · S5 1→2 (60: from the
             latest /p/ before the cart) · S8 1→2 (600) · S9 1→3 (540, 540: the walk back takes
             the 16:09 cart) · S12 1→2 (60) · S7, S10, S11, S13 never enter
    open     as closed, except S4 2→3 (60) · S7 2→2 · S10 2→2 · S13 4→4 (its first step hit is
             /thanks) · S3 stays 1→1 (it entered at step 1 and never saw /cart)
    strict   S1 1→1 (the POST comes between /p/tent and /cart) · S2 1→3 (0, 0) · S5 1→2 (60) ·
             S8 1→2 (600) · S9 1→2 (60: 16:09 /cart is not /checkout) · S12 1→2 (60) · S3, S4, S6
             1→1
    across_visits (visitors, within 1 day; steps product, /cart, buy)
             V1 1→3 (65, 235) · V2 1→2 (0) · V3, V4 1→1 · V5 1→2 (60) · V6 1→3 (600, 1200: the
             3 Nov start; from 2 Nov it would also do, without a window) · V7 1→2 (60) · V10 1→2
             (60: /thanks comes 2 days after its start) · V8, V9 never enter
    quick_steps (within_step 10 minutes; product, /cart, /checkout)
             S1 1→3 (65, 115) · S2 1→3 (0, 0) · S5 1→2 (60) · S8 1→2 (600: exactly the limit) ·
             S9 1→3 (540, 540: via the 16:09 cart; the 16:01 one is 17 minutes before /checkout)
             · S12 1→2 (60) · S3, S4, S6 1→1
    events   (a download or a POST /cart/add/…; /cart; /thanks)
             S1 1→3 (5, 235) · S10 1→3 (60, 60)
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from micromacro.cli import cli
from micromacro.funnels import funnel_attempts
from micromacro.goals import DestinationMatcher, Funnel, FunnelStep, StringMatcher
from micromacro.sessions import sessionize

FIXTURES = Path(__file__).parent / "fixtures"
LOG = str(FIXTURES / "funnel.log")
GOALS = str(FIXTURES / "funnel_goals.yaml")

# Per funnel: units, then per step (reached, entrances, dropped, median seconds from previous).
Step = tuple[int, int, int, float | None]
EXPECTED: dict[str, tuple[int, list[Step]]] = {
    "closed": (13, [(9, 9, 3, None), (6, 0, 3, 62.5), (3, 0, 2, 115.0), (1, 0, 0, 120.0)]),
    "open": (13, [(8, 8, 2, None), (9, 3, 5, 62.5), (4, 0, 3, 87.5), (2, 1, 0, 120.0)]),
    "strict": (13, [(9, 9, 4, None), (5, 0, 4, 60.0), (1, 0, 1, 0.0), (0, 0, 0, None)]),
    "across_visits": (10, [(8, 8, 2, None), (6, 0, 4, 60.0), (2, 0, 0, 717.5)]),
    "quick_steps": (13, [(9, 9, 3, None), (6, 0, 3, 62.5), (3, 0, 0, 115.0)]),
    "events": (13, [(2, 2, 0, None), (2, 0, 0, 32.5), (2, 0, 0, 147.5)]),
}


def _run(*args: str) -> str:
    result = CliRunner().invoke(cli, ["report", LOG, "--goals", GOALS, *args])
    assert result.exit_code == 0, result.stderr
    return result.stdout


def _funnels() -> dict[str, dict[str, object]]:
    return {f["name"]: f for f in json.loads(_run("--format", "json"))["funnels"]}


def _ratio(part: int, whole: int) -> float | None:
    return float(Fraction(part, whole)) if whole else None


def _expected_steps(steps: list[Step]) -> list[dict[str, object]]:
    """The drop-off rows implied by the hand-worked counts (definitions §2.5 formulas)."""
    entered = sum(entrances for _, entrances, _, _ in steps)
    rows = []
    for i, (reached, entrances, dropped, median) in enumerate(steps):
        previous = steps[i - 1] if i else None
        rows.append(
            {
                "reached": reached,
                "entrances": entrances,
                "dropped": dropped,
                "drop_off_rate": _ratio(dropped, reached),
                "conversion_from_start": _ratio(reached, entered),
                "conversion_from_previous": (
                    _ratio(previous[0] - previous[2], previous[0]) if previous else None
                ),
                "median_time_from_previous_s": median,
            }
        )
    return rows


@pytest.mark.parametrize("name", list(EXPECTED))
def test_drop_off_table(name: str) -> None:
    units, steps = EXPECTED[name]
    funnel = _funnels()[name]
    actual = [
        {k: v for k, v in row.items() if k not in ("step", "name")} for row in funnel["steps"]
    ]  # type: ignore[union-attr]
    assert actual == _expected_steps(steps)
    entered = sum(entrances for _, entrances, _, _ in steps)
    assert (funnel["units"], funnel["entered"], funnel["never_entered"]) == (
        units,
        entered,
        units - entered,
    )
    assert funnel["completed"] == steps[-1][0]
    assert funnel["conversion_rate"] == pytest.approx(steps[-1][0] / entered)


def test_funnel_json_carries_its_rules_and_step_names() -> None:
    funnels = _funnels()
    assert list(funnels) == list(EXPECTED)
    closed = funnels["closed"]
    assert {
        key: closed[key] for key in ("scope", "entry", "order", "within_s", "within_step_s")
    } == {
        "scope": "session",
        "entry": "closed",
        "order": "ordered",
        "within_s": None,
        "within_step_s": None,
    }
    assert [(s["step"], s["name"]) for s in closed["steps"]] == [  # type: ignore[union-attr, index]
        (1, "product"),
        (2, "/cart"),
        (3, "/checkout"),
        (4, "buy"),
    ]
    across = funnels["across_visits"]
    assert (across["scope"], across["within_s"]) == ("visitor", 86400.0)
    assert funnels["quick_steps"]["within_step_s"] == 600.0
    assert funnels["open"]["entry"] == "open"
    assert funnels["strict"]["order"] == "strict"
    assert [s["name"] for s in funnels["events"]["steps"]] == [  # type: ignore[union-attr, index]
        "guide or add to cart",
        "cart page",
        "/thanks",
    ]


def test_csv_holds_every_funnel_in_one_table() -> None:
    lines = _run("--format", "csv", "--table", "funnels").splitlines()
    assert lines[0] == (
        "funnel,step,step_name,reached,entrances,dropped,drop_off_rate,conversion_from_start,"
        "conversion_from_previous,median_time_from_previous_s"
    )
    assert len(lines) == 1 + sum(len(steps) for _, steps in EXPECTED.values())
    assert lines[1] == "closed,1,product,9,9,3,0.3333333333333333,1.0,,"
    assert lines[12] == "strict,4,buy,0,0,0,,0.0,0.0,"


def test_terminal_shows_a_bar_per_step_scaled_to_the_most_reached() -> None:
    text = _run()
    block = text.split("Funnel 'closed'")[1].split("Funnel 'open'")[0]
    title = block.splitlines()[0]
    assert title == (
        " (sessions, closed, ordered): 9 entered, 1 completed (11.1%), 4 of 13 sessions never "
        "entered"
    )
    bars = [line.split()[3] for line in block.splitlines() if line.strip()[:1].isdigit()]
    # 24 cells for 9 of 9; 6/9 → 16 cells; 3/9 → 8; 1/9 → 2 cells and 5/8 (21⅓ eighths → 21).
    assert bars == ["█" * 24, "█" * 16, "█" * 8, "██▋"]
    assert "Entrances" not in block
    assert "Entrances" in text.split("Funnel 'open'")[1].split("Funnel 'strict'")[0]


def test_markdown_has_a_table_per_funnel() -> None:
    text = _run("--format", "markdown")
    assert text.count("## Funnel ") == len(EXPECTED)
    assert "| 4 | buy | 1 | 0 | 0.0% | 11.1% | 33.3% | 2m 00s |" in text


def test_a_funnel_over_an_empty_log_has_no_rates(tmp_path: Path) -> None:
    empty = tmp_path / "empty.log"
    empty.write_bytes(b"")
    result = CliRunner().invoke(cli, ["report", str(empty), "--goals", GOALS, "--format", "json"])
    assert result.exit_code == 0
    closed = json.loads(result.stdout)["funnels"][0]
    assert (closed["units"], closed["entered"], closed["conversion_rate"]) == (0, 0, None)
    assert closed["steps"][1] == {
        "step": 2,
        "name": "/cart",
        "reached": 0,
        "entrances": 0,
        "dropped": 0,
        "drop_off_rate": None,
        "conversion_from_start": None,
        "conversion_from_previous": None,
        "median_time_from_previous_s": None,
    }


def test_visitor_funnels_follow_time_order_across_input_session_ids() -> None:
    """With input session ids, sessionize groups a visitor's hits by session (here "a", which
    starts first and holds the cart an hour later, before "b" with the product page); a visitor
    funnel still follows the hits in time order."""
    t0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    rows = [("a", 0, "/home"), ("b", 60, "/p/1"), ("a", 3600, "/cart"), ("b", 120, "/about")]
    hits = pl.DataFrame(
        {
            "visitor": ["v"] * 4,
            "session_id": [sid for sid, _, _ in rows],
            "ts": [t0 + timedelta(seconds=offset) for _, offset, _ in rows],
            "source_file": ["export.ndjson"] * 4,
            "line_no": pl.Series([1, 2, 3, 4], dtype=pl.UInt32),
            "kind": ["page"] * 4,
            "path": [path for _, _, path in rows],
        }
    )
    steps = (
        FunnelStep("product", (DestinationMatcher(StringMatcher("begins_with", "/p/")),)),
        FunnelStep("/cart", (DestinationMatcher(StringMatcher("equals", "/cart")),)),
    )
    funnel = Funnel("f", steps, scope="visitor", order="ordered")
    sessionized = sessionize(hits.with_columns(query=pl.lit(None, dtype=pl.String)))
    assert sessionized["path"].to_list() == ["/home", "/cart", "/p/1", "/about"]
    assert funnel_attempts(sessionized, funnel).select("entry", "furthest", "gap_2").rows() == [
        (1, 2, 3540.0)
    ]
    strict = Funnel("s", steps, scope="visitor", order="strict")
    # In time order /about comes between the product page and the cart.
    assert funnel_attempts(sessionized, strict).select("furthest").rows() == [(1,)]


def test_hostile_funnel_and_step_names_are_shown_inert(tmp_path: Path) -> None:
    goals = tmp_path / "goals.yaml"
    goals.write_text(
        "goals:\n  - {name: buy, kind: macro, destination: /thanks}\n"
        "funnels:\n"
        '  - name: "[red]checkout\\e[2J"\n'
        '    steps: [{name: "<b>[link=x]cart[/link]</b>", destination: /cart}]\n'
        "    goal: buy\n"
    )
    result = CliRunner().invoke(cli, ["report", LOG, "--goals", str(goals)])
    assert result.exit_code == 0, result.stderr
    assert "Funnel '[red]checkout\\x1b[2J' (sessions" in result.stdout
    assert "<b>[link=x]cart[/link]</b>" in result.stdout
    assert "\x1b" not in result.stdout
