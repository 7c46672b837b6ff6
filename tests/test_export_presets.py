"""The presets' fallbacks and event values, as a GA4 or Segment user reads them: an empty string
is a missing value (the next column is read), and an event value is a number as a value column
reads it (spaces around it allowed; NaN, infinity and numbers beyond 10^15 are no value).

Each export below is a few hand-written calls; the figures are counted by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from micromacro.cli import cli


def report(folder: Path, calls: list[dict[str, object]], goals: str) -> dict[str, object]:
    export, goals_path = folder / "segment.ndjson", folder / "goals.yaml"
    export.write_text("".join(json.dumps(call) + "\n" for call in calls))
    goals_path.write_text(goals)
    args = ["report", str(export), "--goals", str(goals_path), "--format", "json", "--no-cache"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def lead(visitor: str, minute: int, value: str) -> dict[str, object]:
    return {
        "type": "track",
        "event": "Lead",
        "anonymousId": visitor,
        "timestamp": f"2026-11-02T09:{minute:02d}:00Z",
        "properties": {"value": value, "currency": "EUR"},
    }


def goal(data: dict[str, object], name: str) -> dict[str, object]:
    return next(g for g in data["goals"] if g["name"] == name)  # type: ignore[attr-defined, index]


def test_an_event_value_with_spaces_around_it_is_its_number(tmp_path: Path) -> None:
    goals = """source: {preset: segment}
goals:
  - name: lead_value
    kind: macro
    event: {name: Lead}
    value: event
  - name: lead_column
    kind: micro
    event: {name: Lead}
    value: {from: properties.value}
  - name: lead_over_10
    kind: micro
    event: {name: Lead, value: {greater_than: 10}}
"""
    data = report(tmp_path, [lead("a1", 0, " 25 "), lead("a2", 1, "25")], goals)
    # Both leads are worth 25, however the goal names the column, and both are above 10.
    assert goal(data, "lead_value")["revenue"] == 50.0
    assert goal(data, "lead_column")["revenue"] == 50.0
    assert goal(data, "lead_over_10")["conversions"] == 2


def test_nan_infinity_and_huge_event_values_meet_no_condition(tmp_path: Path) -> None:
    goals = """source: {preset: segment}
goals:
  - name: big_lead
    kind: macro
    event: {name: Lead, value: {greater_than: 100}}
  - name: any_lead
    kind: micro
    event: {name: Lead}
    value: event
"""
    calls = [lead("a1", 0, "NaN"), lead("a2", 1, "inf"), lead("a3", 2, "1e300"), lead("a4", 3, "5")]
    data = report(tmp_path, calls, goals)
    # NaN, inf and 1e300 are no value: no lead is above 100, and only the 5 is worth anything.
    assert goal(data, "big_lead")["conversions"] == 0
    assert (goal(data, "any_lead")["conversions"], goal(data, "any_lead")["revenue"]) == (4, 5.0)


def test_an_empty_preset_column_falls_back_to_the_next(tmp_path: Path) -> None:
    page = "https://www.ex.io/landing?utm_source=newsletter&utm_medium=email"
    context = {"page": {"url": page, "referrer": "https://www.google.com/"}}
    calls = [
        {
            "type": "page",
            "anonymousId": "a1",
            "timestamp": "2026-11-02T09:00:00Z",
            "properties": {"url": "", "referrer": ""},  # empty: context.page's are read
            "context": context,
        },
        {
            "type": "track",
            "event": "Order Completed",
            "anonymousId": "a2",
            "timestamp": "2026-11-02T09:10:00Z",
            "properties": {"value": "", "revenue": 30, "currency": "USD"},  # value: revenue's
        },
        {
            "type": "track",
            "event": "Order Completed",
            "anonymousId": "a3",
            "timestamp": "2026-11-02T09:15:00Z",
            "properties": {"value": "n/a", "revenue": 20, "currency": "USD"},  # no number either
        },
    ]
    goals = """source: {preset: segment}
goals:
  - name: order
    kind: macro
    event: {name: Order Completed}
    value: event
"""
    data = report(tmp_path, calls, goals)
    traffic = data["traffic"]
    assert [(r["path"], r["pageviews"]) for r in traffic["pages"]] == [("/landing", 1)]
    # The page's session came from the newsletter (utm_medium=email); the orders' two had no
    # page and no referrer.
    channels = {r["channel"]: r["sessions"] for r in traffic["channels"]}
    assert channels == {"Email": 1, "Direct": 2}
    assert goal(data, "order")["revenue"] == 50.0
