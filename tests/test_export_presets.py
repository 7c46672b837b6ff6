"""The presets' fallbacks and event values, as a GA4 or Segment user reads them: an empty string
is a missing value (the next column is read), and an event value is a number as a value column
reads it (spaces around it allowed; NaN, infinity and numbers beyond 10^15 are no value). And
NDJSON fields that hold an object on some lines and a text on others: every object is read.

Each export below is a few hand-written calls; the figures are counted by hand.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner, Result

from micromacro.cli import cli
from micromacro.export_presets import PRESETS
from micromacro.goals import EVENT_FIELDS, HIT_VALUE_COLUMNS, PRESET_GOAL_FIELDS, SOURCE_PRESETS


def run(folder: Path, calls: list[dict[str, object]], goals: str, *options: str) -> Result:
    export, goals_path = folder / "export.ndjson", folder / "goals.yaml"
    export.write_text("".join(json.dumps(call) + "\n" for call in calls))
    goals_path.write_text(goals)
    args = ["report", str(export), "--goals", str(goals_path), "--format", "json", "--no-cache"]
    result = CliRunner().invoke(cli, [*args, *options])
    assert result.exit_code == 0, result.stderr
    return result


def report(
    folder: Path, calls: list[dict[str, object]], goals: str, *options: str
) -> dict[str, object]:
    return json.loads(run(folder, calls, goals, *options).stdout)


def warnings(result: Result) -> list[str]:
    return [
        line.removeprefix("micromacro: warning: ")
        for line in result.stderr.splitlines()
        if line.startswith("micromacro: warning: ")
    ]


def track(event: str, visitor: str, timestamp: str, properties: object) -> dict[str, object]:
    """A Segment track call."""
    return {
        "type": "track",
        "event": event,
        "anonymousId": visitor,
        "timestamp": timestamp,
        "properties": properties,
    }


def lead(visitor: str, minute: int, value: str) -> dict[str, object]:
    when = f"2026-11-02T09:{minute:02d}:00Z"
    return track("Lead", visitor, when, {"value": value, "currency": "EUR"})


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
        # An empty value, and one that is no number: revenue's is read.
        track("Order Completed", "a2", "2026-11-02T09:10:00Z", {"value": "", "revenue": 30}),
        track("Order Completed", "a3", "2026-11-02T09:15:00Z", {"value": "n/a", "revenue": 20}),
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


def order(visitor: str, hour: int, properties: object) -> dict[str, object]:
    return track("Order Completed", visitor, f"2026-11-02T{hour:02d}:00:00Z", properties)


# An order: a Segment track call of the category Ecommerce, worth its revenue.
ORDER_GOAL = """goals:
  - name: order
    kind: macro
    event: {category: Ecommerce, action: Order Completed}
    value: {from: revenue}
"""


def test_a_line_whose_properties_are_text_leaves_the_others_objects(tmp_path: Path) -> None:
    """Polars reads a field that is an object on some lines and a text on others as text (the
    objects as their JSON): the objects' members are read from it all the same."""
    goals = "source: {preset: segment}\n" + ORDER_GOAL
    calls = [
        order("a1", 9, {"revenue": 40, "currency": "USD", "category": "Ecommerce"}),
        order("a2", 10, {"revenue": 60, "currency": "USD", "category": "Ecommerce"}),
        order("a3", 11, "n/a"),  # no properties: no category, so no order
    ]
    data = report(tmp_path, calls, goals)
    assert goal(data, "order")["conversions"] == 2
    assert goal(data, "order")["revenue_by_currency"] == [{"currency": "USD", "revenue": 100.0}]


# Labels whose JSON holds escapes: a backslash, an escaped escape, a tab, an ESC, a quote.
ODD_LABELS = ["a\\b", "C:\\new", "x\\u0041y", "d\\\\e", "tab\there", "esc\x1b[1m", 'say "hi"']


@pytest.mark.parametrize("broken", [False, True], ids=["read-whole", "read-from-a-copy"])
def test_objects_beside_a_text_keep_their_escapes(tmp_path: Path, broken: bool) -> None:
    """Where one line's properties are text, Polars writes the other lines' objects back as
    JSON without escaping backslashes and control characters: the members are read from the
    lines as written, so every label is itself and every order counts. With a line that is
    no JSON (and blank lines), the rows are read from a repaired copy: the same."""
    goals = "source: {preset: segment, keep: [properties.label]}\n" + ORDER_GOAL
    calls = [
        order(f"a{number}", 9, {"label": label, "revenue": 10, "category": "Ecommerce"})
        for number, label in enumerate(ODD_LABELS)
    ]
    calls.append(order("z", 12, "n/a"))  # no properties: no category, so no order
    export, goals_path = tmp_path / "export.ndjson", tmp_path / "goals.yaml"
    lines = [json.dumps(call) for call in calls]
    if broken:
        lines[3:3] = ["", "{not json", "   "]
    export.write_text("\n".join(lines) + "\n")
    goals_path.write_text(goals)
    args = ["report", str(export), "--goals", str(goals_path), "--format", "json", "--no-cache"]
    result = CliRunner().invoke(cli, [*args, "--by", "properties.label", "--top", "0"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert (goal(data, "order")["conversions"], goal(data, "order")["revenue"]) == (7, 70.0)
    labels = {s["segment"]: s["macro_conversions"] for s in data["segments"]}
    assert labels == {**dict.fromkeys(ODD_LABELS, 1), "(none)": 0}
    assert data["input"]["malformed"] == (1 if broken else 0)


def ga4_row(visitor: str, second: int, name: str, params: object) -> dict[str, object]:
    return {
        "event_timestamp": (1_793_613_600 + second) * 1_000_000,
        "event_name": name,
        "user_pseudo_id": visitor,
        "event_params": params,
    }


def param(key: str, **value: object) -> dict[str, object]:
    typed = {"string_value": None, "int_value": None, "double_value": None}
    return {"key": key, "value": {**typed, **value}}


GA4_GOALS = """source: {preset: ga4, keep: [event_params.note]}
goals:
  - name: purchase
    kind: macro
    event: {name: purchase}
    value: {from: revenue}
"""


def ga4_shop(odd: dict[str, object]) -> list[dict[str, object]]:
    """Two visitors who land from Google and buy, one in EUR and one in USD, and ``odd``. The
    pages' titles hold a backslash and a tab, which JSON writes as escapes."""
    rows = []
    for number, (page, currency, value) in enumerate(
        [("shoes", "EUR", 10.0), ("hats", "USD", 20.0)]
    ):
        location = param("page_location", string_value=f"https://shop.example.com/{page}")
        referrer = param("page_referrer", string_value="https://www.google.com/")
        title = param("page_title", string_value=f"C:\\{page}\tshop")
        bought = [param("currency", string_value=currency), param("value", double_value=value)]
        visitor = f"P{number}"
        rows += [
            ga4_row(visitor, 3600 * number, "page_view", [location, referrer, title]),
            ga4_row(visitor, 3600 * number + 60, "purchase", bought),
        ]
    return [*rows, odd]


@pytest.mark.parametrize(
    "odd",
    [
        ga4_row("P9", 9000, "debug", [{"key": "note", "value": "abc"}]),  # a value, not a struct
        ga4_row("P9", 9000, "debug", json.dumps([param("note", string_value="abc")])),  # encoded
    ],
    ids=["a-text-value", "json-encoded-params"],
)
def test_ga4_params_of_another_shape_on_one_row_leave_the_others_read(
    tmp_path: Path, odd: dict[str, object]
) -> None:
    data = report(tmp_path, ga4_shop(odd), GA4_GOALS, "--by", "event_params.note")
    assert goal(data, "purchase")["revenue_by_currency"] == [
        {"currency": "EUR", "revenue": 10.0},
        {"currency": "USD", "revenue": 20.0},
    ]
    traffic = data["traffic"]
    # The two shoppers' sessions, then the debug row's own (no page, no referrer).
    landing = {r["path"]: r["sessions"] for r in traffic["landing_pages"]}
    assert landing == {"/shoes": 1, "/hats": 1, "(none)": 1}
    assert {r["channel"]: r["sessions"] for r in traffic["channels"]} == {
        "Organic Search": 2,
        "Direct": 1,
    }
    notes = {s["segment"]: s["sessions"] for s in data["segments"]}
    assert notes == {"abc": 1, "(none)": 2}


IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1"
)
WINDOWS_CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


def test_segment_user_agents_give_devices_browsers_and_systems(tmp_path: Path) -> None:
    calls = [
        {
            "type": "page",
            "anonymousId": visitor,
            "timestamp": f"2026-11-02T09:0{minute}:00Z",
            "properties": {"url": "https://www.ex.io/"},
            "context": {"userAgent": agent},
        }
        for minute, (visitor, agent) in enumerate([("a1", IPHONE), ("a2", WINDOWS_CHROME)])
    ]
    options = ("--by", "device", "--by", "browser", "--by", "os")
    result = run(tmp_path, calls, "source: {preset: segment}\n", *options)
    data = json.loads(result.stdout)
    segments = {(s["by"], s["segment"]): s["sessions"] for s in data["segments"]}
    assert segments == {
        ("device", "mobile"): 1,
        ("device", "desktop"): 1,
        ("browser", "Mobile Safari"): 1,
        ("browser", "Chrome"): 1,
        ("os", "iOS"): 1,
        ("os", "Windows"): 1,
    }
    assert not [line for line in warnings(result) if "user_agent" in line]


def test_a_breakdown_by_device_without_a_user_agent_says_why_all_is_other(tmp_path: Path) -> None:
    rows = ga4_shop(ga4_row("P9", 9000, "debug", []))
    result = run(tmp_path, rows, "source: {preset: ga4}\n", "--by", "device", "--by", "os")
    data = json.loads(result.stdout)
    assert {(s["by"], s["segment"]): s["sessions"] for s in data["segments"]} == {
        ("device", "other"): 3,
        ("os", "Other"): 3,
    }
    assert [line for line in warnings(result) if "user_agent" in line] == [
        f"--by {name}: the export maps no user_agent, so every session is in other (map "
        "user_agent: in source:, or keep the export's own column, such as GA4's "
        "device.category, and break down by it)"
        for name in ("device", "os")
    ]


REPORT_IT = (
    "report it with a goals file whose source: section maps its columns (preset: ga4 or "
    "segment; see the README's Event exports)"
)


@pytest.mark.parametrize(
    ("name", "what"),
    [
        ("events.ndjson", "a GA4 event export"),
        ("calls.ndjson", "a Segment event export"),
        ("events.parquet", "a Parquet file (an event export?)"),
        ("events.csv", "a CSV file with a header (an event export?)"),
    ],
)
@pytest.mark.parametrize(
    ("command", "advice"),
    [
        (["report"], REPORT_IT),
        (["formats", "--detect"], REPORT_IT),
        (["hits"], "micromacro hits reads access logs only"),
        (["suggest"], "micromacro suggest reads access logs only"),
    ],
    ids=["report", "formats", "hits", "suggest"],
)
def test_an_export_read_as_a_log_is_named_for_what_it_is(
    tmp_path: Path, name: str, what: str, command: list[str], advice: str
) -> None:
    """Without a goals file's source:, an export is read as a log: naming --log-format could
    not help, and the first line of a Parquet file is binary. Report (and the detection it
    would run) can read it with a goals file; hits and suggest read access logs only."""
    path = tmp_path / name
    if name == "events.parquet":
        pl.DataFrame({"event_name": ["page_view"], "user_pseudo_id": ["P0"]}).write_parquet(path)
    elif name == "events.csv":
        path.write_text(
            "event_time,user_id,event,page_url\n"
            "2026-11-02T10:00:00Z,u1,page_view,https://shop.test/\n"
        )
    elif name == "events.ndjson":
        path.write_text(json.dumps(ga4_row("P0", 0, "page_view", [])) + "\n")
    else:
        path.write_text(json.dumps(lead("a1", 0, "5")) + "\n")
    result = CliRunner().invoke(cli, [*command, str(path)])
    assert result.exit_code == 1
    assert command[0] == "formats" or result.stdout == ""
    if name.endswith(".csv"):  # a flat file is mapped: the presets read nested exports
        advice = advice.replace("preset: ga4 or segment; ", "")
    assert result.stderr == (
        f"micromacro: error: {path} looks like {what}, not an access log: {advice}\n"
    )


def test_a_ga4_session_is_one_visitors_even_when_two_people_share_a_device(
    tmp_path: Path,
) -> None:
    """Alice signs in on a shared laptop (pseudo id P); the next day Bob does, in a session of
    its own. The anonymous id goes to Alice (the earliest user id), but Bob's session is his:
    two sessions, as GA4 counts (user_pseudo_id, ga_session_id) pairs, of two visitors."""

    def row(day: int, minute: int, path: str, user: str | None) -> dict[str, object]:
        second = 86_400 * day + 60 * minute
        params = [
            param("ga_session_id", int_value=1_000 + day),
            param("page_location", string_value=f"https://shop.example.com{path}"),
        ]
        return {**ga4_row("P", second, "page_view", params), "user_id": user}

    rows = [
        row(0, 0, "/", None),
        row(0, 1, "/account", "alice"),
        row(1, 0, "/", None),
        row(1, 1, "/account", "bob"),
    ]
    data = report(tmp_path, rows, "source: {preset: ga4}\n")
    summary = data["summary"]
    assert (summary["sessions"], summary["visitors"]) == (2, 2)
    landing = {r["path"]: r["sessions"] for r in data["traffic"]["landing_pages"]}
    assert landing == {"/": 2}


def test_the_same_rows_in_two_exports_are_named_and_dedupe_counts_them_once(
    tmp_path: Path,
) -> None:
    """A GA4 day's table and its intraday table, both exported: each copy would be counted."""
    rows = ga4_shop(ga4_row("P9", 9000, "debug", []))
    (tmp_path / "goals.yaml").write_text(GA4_GOALS)
    daily, intraday = tmp_path / "events_20261102.ndjson", tmp_path / "intraday.ndjson"
    for path, part in ((daily, rows), (intraday, rows[2:])):  # intraday: the last 3 rows
        path.write_text("".join(json.dumps(row) + "\n" for row in part))
    args = ["report", "--goals", str(tmp_path / "goals.yaml"), "--format", "json", "--no-cache"]
    once = json.loads(CliRunner().invoke(cli, [*args, str(daily)]).stdout)
    twice = CliRunner().invoke(cli, [*args, str(daily), str(intraday)])
    assert twice.exit_code == 0, twice.stderr
    counted_twice = json.loads(twice.stdout)
    assert counted_twice["summary"]["events"] == once["summary"]["events"] + 2  # USD, debug
    deduped = CliRunner().invoke(cli, [*args, str(daily), str(intraday), "--dedupe"])
    assert deduped.exit_code == 0, deduped.stderr
    data = json.loads(deduped.stdout)
    assert {k: data["input"][k] for k in ("lines", "duplicate", "page", "event")} == {
        "lines": 8,
        "duplicate": 3,
        "page": 2,
        "event": 3,
    }
    for key in ("summary", "goals", "traffic"):
        assert data[key] == once[key]
    assert not [line for line in warnings(deduped) if "not applicable" in line]


def test_dedupe_keeps_the_repeats_within_one_export(tmp_path: Path) -> None:
    rows = [lead("a1", 0, "5"), lead("a1", 0, "5")]  # the same call twice in one file: its own
    goals = "source: {preset: segment}\n"
    data = report(tmp_path, rows, goals, "--dedupe")
    assert (data["input"]["duplicate"], data["input"]["event"], data["summary"]["events"]) == (
        0,
        2,
        2,
    )


def test_exports_that_hold_the_same_rows_are_named(tmp_path: Path) -> None:
    """The overlap hint compares a sample of one row in 16 (by hash): of 320 rows, some."""
    calls = [lead(f"a{n}", n % 60, "5") for n in range(320)]
    first, second = tmp_path / "one.ndjson", tmp_path / "two.ndjson"
    for path in (first, second):
        path.write_text("".join(json.dumps(call) + "\n" for call in calls))
    (tmp_path / "goals.yaml").write_text("source: {preset: segment}\n")
    args = ["report", str(first), str(second), "--goals", str(tmp_path / "goals.yaml")]
    result = CliRunner().invoke(cli, [*args, "--format", "json", "--no-cache"])
    (overlap,) = [line for line in warnings(result) if " overlap " in line]
    found = re.fullmatch(
        f"{re.escape(str(first))} and {re.escape(str(second))} overlap "
        r"\(2026-11-02T09:00:00Z to 2026-11-02T09:59:00Z\) and "
        r"hold the same lines \(about (\d+) of the counted ones, from a sample of one in 16\): "
        "each copy is counted; --dedupe counts a line found in an earlier input once",
        overlap,
    )
    assert found is not None, overlap
    assert 16 <= int(found.group(1)) <= 320


def test_a_misspelt_key_of_event_params_is_named(tmp_path: Path) -> None:
    """A struct path the file lacks is an error; a key of a list no row holds cannot be told
    from a rare one, so it is read as empty: where every row's url is, the report says so."""
    rows = ga4_shop(ga4_row("P9", 9000, "debug", []))
    misspelt = "source: {preset: ga4, url: event_params.page_locaton}\n"
    result = run(tmp_path, rows, misspelt)
    assert [line for line in warnings(result) if line.startswith("source:")] == [
        "source: url: event_params.page_locaton is empty on every row read: check its name (a "
        "key of a list that no row holds, such as a misspelt event_params key, is no error)"
    ]
    right = run(tmp_path, rows, "source: {preset: ga4, url: event_params.page_location}\n")
    assert not [line for line in warnings(right) if line.startswith("source:")]


def test_duplicates_of_two_exports_count_in_the_period_of_their_time(tmp_path: Path) -> None:
    """With --compare, a duplicate row is in the period its time is in, as the row it copies."""
    first_day = ga4_shop(ga4_row("P9", 9000, "debug", []))  # 5 rows on 2 November
    second_day = [{**row, "event_timestamp": row["event_timestamp"] + 86_400 * 1_000_000}
                  for row in first_day[:2]]  # fmt: skip
    rows = [*first_day, *second_day]
    (tmp_path / "goals.yaml").write_text(GA4_GOALS)
    daily, again = tmp_path / "daily.ndjson", tmp_path / "again.ndjson"
    for path in (daily, again):
        path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    args = ["report", str(daily), str(again), "--goals", str(tmp_path / "goals.yaml")]
    args += ["--format", "json", "--no-cache", "--dedupe", "--tz", "UTC"]
    args += ["--since", "2026-11-03", "--until", "2026-11-03", "--compare", "previous"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    current, previous = data["input"], data["previous"]["input"]
    # 14 rows in all, 7 a file: on 3 November 2 of each file, on 2 November 5.
    assert (current["duplicate"], current["page"] + current["event"]) == (2, 2)
    assert (current["out_of_period"], current["lines"]) == (10, 14)
    assert (previous["duplicate"], previous["page"] + previous["event"]) == (5, 5)
    assert previous["out_of_period"] == 4


def test_the_goals_file_knows_which_fields_goals_read_each_preset_maps() -> None:
    """The goals file checks an event goal's fields against ``PRESET_GOAL_FIELDS`` before any
    export is read; it must say what the presets map (ga4: a name and values, no category)."""
    goal_fields = (*(f"event_{field}" for field in EVENT_FIELDS), *HIT_VALUE_COLUMNS)
    for name in SOURCE_PRESETS:
        mapped = {field for field in goal_fields if field in PRESETS[name].fields}
        assert mapped == set(PRESET_GOAL_FIELDS[name]), name
    assert set(PRESET_GOAL_FIELDS["ga4"]) == {"event_name", "event_value", "revenue"}
