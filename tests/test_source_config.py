"""The ``source:`` section of a goals file: how an event export's columns map onto hits.

Every expected ``line:column`` below is counted by hand from the YAML in the test (1-based).
``source(...)`` puts each line at column 3 from line 2, so a key starts at column 3 and a value
after ``key: `` at column ``len(key) + 5``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from micromacro.cli import cli
from micromacro.errors import ConfigError
from micromacro.goals import NO_ROWS, RowRule, SourceMapping, TimestampField
from micromacro.goals_file import parse_goals

SOURCE_KEYS = (
    "preset, format, timestamp, timezone, user_id, anonymous_id, session_id, event_name, "
    "event_category, event_action, event_label, event_value, revenue, currency, url, path, "
    "query, referrer, user_agent, engagement_time_ms, session_engaged, campaign_source, "
    "campaign_medium, campaign_name, gclid, dclid, first_user_source, first_user_medium, "
    "first_user_campaign, transaction_id, "
    "pageview, skip, session_only, keep"
)
TIMESTAMP_EXPECTED = (
    "expected iso8601, epoch_s, epoch_ms, epoch_us or a strftime pattern like '%Y-%m-%d %H:%M:%S'"
)
NO_TIMESTAMP = (
    "source has no timestamp (expected timestamp: the time column, or preset: ga4 or segment)"
)
NO_USER = (
    "source has no user id (expected user_id and/or anonymous_id: the visitor is the user id, "
    "else the anonymous id; or preset: ga4 or segment)"
)


def source(*lines: str) -> str:
    """A goals file whose ``source:`` mapping holds ``lines`` (from line 2, at column 3)."""
    return "source:\n" + "".join(f"  {line}\n" for line in lines)


def mapping_of(text: str) -> SourceMapping:
    config = parse_goals(text, path="goals.yaml")
    assert config.warnings == ()
    assert config.source is not None
    return config.source


def problems_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_goals(text, path="goals.yaml")
    return info.value.problems


# --- what is accepted --------------------------------------------------------------------------


def test_every_key() -> None:
    text = source(
        "preset: segment",
        "format: csv",
        "timestamp: {column: event_time, format: '%Y-%m-%d %H:%M:%S'}",
        "timezone: Europe/Berlin",
        "user_id: user_id",
        "anonymous_id: anonymous_id",
        "session_id: session_id",
        "event_name: event",
        "event_category: category",
        "event_action: action",
        "event_label: label",
        "event_value: properties.revenue",
        "url: page_url",
        "path: page_path",
        "query: page_query",
        "referrer: page_referrer",
        "pageview: {column: event, equals: page_view}",
        "skip: {column: type, one_of: [identify, 404]}",
        "keep: [utm_source, device.category]",
    )

    assert mapping_of(text) == SourceMapping(
        preset="segment",
        format="csv",
        timestamp=TimestampField("event_time", "%Y-%m-%d %H:%M:%S"),
        timezone="Europe/Berlin",
        user_id="user_id",
        anonymous_id="anonymous_id",
        session_id="session_id",
        event_name="event",
        event_category="category",
        event_action="action",
        event_label="label",
        event_value="properties.revenue",
        url="page_url",
        path="page_path",
        query="page_query",
        referrer="page_referrer",
        pageview=RowRule("event", ("page_view",)),
        skip=RowRule("type", ("identify", "404")),
        keep=("utm_source", "device.category"),
        line=2,
    )


def test_defaults_of_a_minimal_mapping() -> None:
    mapping = mapping_of(source("timestamp: ts", "anonymous_id: device_id"))

    assert mapping == SourceMapping(
        timestamp=TimestampField("ts"), anonymous_id="device_id", line=2
    )
    assert (mapping.timezone, mapping.format, mapping.preset, mapping.keep) == (
        "UTC",
        None,
        None,
        (),
    )


@pytest.mark.parametrize("preset", ["ga4", "segment"])
def test_a_preset_needs_nothing_else(preset: str) -> None:
    assert mapping_of(source(f"preset: {preset}")) == SourceMapping(preset=preset, line=2)  # type: ignore[arg-type]


def test_a_preset_with_overrides() -> None:
    mapping = mapping_of(
        source("preset: ga4", "event_label: event_params.link_url", "skip: null", "format: parquet")
    )

    assert mapping == SourceMapping(
        preset="ga4", format="parquet", event_label="event_params.link_url", skip=NO_ROWS, line=2
    )


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("event_time", TimestampField("event_time")),
        ("{column: t, format: iso8601}", TimestampField("t", "iso8601")),
        ("{column: t, format: epoch_s}", TimestampField("t", "epoch_s")),
        ("{column: t, format: epoch_ms}", TimestampField("t", "epoch_ms")),
        ("{column: t, format: epoch_us}", TimestampField("t", "epoch_us")),
        (
            "{column: t, format: '%d/%b/%Y:%H:%M:%S %z'}",
            TimestampField("t", "%d/%b/%Y:%H:%M:%S %z"),
        ),
        ("{column: context.ts}", TimestampField("context.ts")),
    ],
)
def test_timestamp_forms(written: str, expected: TimestampField) -> None:
    assert mapping_of(source(f"timestamp: {written}", "user_id: u")).timestamp == expected


@pytest.mark.parametrize("zone", ["UTC", "+01:00", "-0530", "America/New_York"])
def test_time_zones(zone: str) -> None:
    assert mapping_of(source("preset: ga4", f"timezone: '{zone}'")).timezone == zone


def test_a_file_with_a_source_may_leave_goals_out() -> None:
    config = parse_goals(source("preset: ga4"), path="goals.yaml")

    assert (config.goals, config.funnels, config.source) == (
        (),
        (),
        SourceMapping(preset="ga4", line=2),
    )


def test_source_and_goals_together() -> None:
    text = "goals:\n  - {name: buy, kind: macro, event: {name: purchase}}\n" + source("preset: ga4")
    config = parse_goals(text, path="goals.yaml")

    assert [goal.name for goal in config.goals] == ["buy"]
    assert config.source == SourceMapping(preset="ga4", line=4)


# --- exact problems ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "problem"),
    [
        (
            ("preset: ga4", "colour: red"),
            f"goals.yaml:3:3: unknown key 'colour' in source (expected one of {SOURCE_KEYS})",
        ),
        (
            ("preset: ga3",),
            "goals.yaml:2:11: invalid preset of source: expected one of ga4, segment, "
            "got the string 'ga3'",
        ),
        (
            ("preset: ga4", "format: xlsx"),
            "goals.yaml:3:11: invalid format of source: expected one of csv, ndjson, parquet, "
            "got the string 'xlsx'",
        ),
        (("user_id: u",), f"goals.yaml:2:3: {NO_TIMESTAMP}"),
        (("timestamp: t",), f"goals.yaml:2:3: {NO_USER}"),
        (
            ("preset: ga4", "timestamp: {format: epoch_ms}"),
            "goals.yaml:3:14: missing key 'column' in timestamp of source "
            "(expected the time column)",
        ),
        (
            ("preset: ga4", "timestamp: {column: t, format: yyyy}"),
            "goals.yaml:3:34: invalid format of timestamp in source: 'yyyy' is neither a named "
            f"format nor a strftime pattern ({TIMESTAMP_EXPECTED})",
        ),
        (
            ("preset: ga4", "timestamp: {column: t, format: '%Y-%m-%d %H'}"),
            "goals.yaml:3:34: invalid format of timestamp in source: invalid format string: "
            f"Please either specify both hour and minute, or neither ({TIMESTAMP_EXPECTED})",
        ),
        (
            ("preset: ga4", "timestamp: {column: t, format: '%Y-%m-%d %H:%M:%S %Z'}"),
            "goals.yaml:3:34: invalid format of timestamp in source: %Z reads a zone's name (PST, "
            "CET) but not its offset: every time would be read as UTC; write the offset with %z, "
            "or the name as text ('%Y-%m-%d %H:%M:%S UTC') and the zone in timezone: "
            f"({TIMESTAMP_EXPECTED})",
        ),
        (
            ("preset: ga4", "timestamp: [a]"),
            "goals.yaml:3:14: invalid timestamp of source: expected a column name or a mapping "
            "with column, format, got a list",
        ),
        (
            ("preset: ga4", "timezone: Mars/Olympus"),
            "goals.yaml:3:13: invalid timezone of source: unknown time zone 'Mars/Olympus' "
            "(expected UTC, an offset like +01:00, or a name like Europe/Paris)",
        ),
        (
            ("preset: ga4", "url: [a, b]"),
            "goals.yaml:3:8: invalid url of source: expected a column name, got a list",
        ),
        (
            ("preset: ga4", "user_id: ''"),
            "goals.yaml:3:12: invalid user_id of source: expected a column name, got the string ''",
        ),
        (
            ("preset: ga4", "pageview: {equals: page_view}"),
            "goals.yaml:3:13: missing key 'column' in pageview of source "
            "(expected the column to test)",
        ),
        (
            ("preset: ga4", "pageview: {column: event}"),
            "goals.yaml:3:13: pageview of source has no test "
            "(expected exactly one of equals, one_of)",
        ),
        (
            ("preset: ga4", "pageview: {column: e, equals: a, one_of: [b]}"),
            "goals.yaml:3:36: pageview of source has several tests: equals, one_of "
            "(expected exactly one of equals, one_of)",
        ),
        (
            ("preset: ga4", "pageview: {column: e, one_of: []}"),
            "goals.yaml:3:33: invalid one_of in pageview of source: "
            "expected a non-empty list of strings, got an empty list",
        ),
        (
            ("preset: ga4", "pageview: {column: e, equals: page, case: x}"),
            "goals.yaml:3:39: unknown key 'case' in pageview of source "
            "(expected one of column, equals, one_of)",
        ),
        (
            ("preset: ga4", "pageview: ~"),
            "goals.yaml:3:13: invalid pageview of source: expected a mapping with column and "
            "equals or one_of, got null",
        ),
        (
            ("preset: ga4", "skip: 3"),
            "goals.yaml:3:9: invalid skip of source: expected a mapping with column and equals "
            "or one_of, or null, got the number 3",
        ),
        (
            ("preset: ga4", "keep: utm_source"),
            "goals.yaml:3:9: invalid keep of source: expected a list of column names, "
            "got the string 'utm_source'",
        ),
    ],
)
def test_problems(lines: tuple[str, ...], problem: str) -> None:
    assert problems_of(source(*lines)) == [problem]


def test_a_mapping_without_timestamp_and_user_id_gets_both_problems() -> None:
    assert problems_of(source("url: page")) == [
        f"goals.yaml:2:3: {NO_TIMESTAMP}",
        f"goals.yaml:2:3: {NO_USER}",
    ]


def test_keep_columns_are_unique_and_not_hit_columns_or_dimensions() -> None:
    assert problems_of(source("preset: ga4", "keep: [plan, plan, path, device]")) == [
        "goals.yaml:3:16: duplicate column 'plan' in keep of source (first at line 3)",
        "goals.yaml:3:22: column 'path' in keep of source has the name of a hit column "
        "(hit columns: ts, visitor, session_id, kind, host, method, path, query, status, bytes, "
        "referrer, user_agent, ip, event_category, event_action, event_label, event_name, "
        "event_value, revenue, currency, source_file, line_no, engagement_time_ms, "
        "session_engaged, campaign_source, campaign_medium, campaign_name, gclid, dclid, "
        "first_user_source, first_user_medium, first_user_campaign)",
        # A kept "device" would never be what --by device breaks down by.
        "goals.yaml:3:28: column 'device' in keep of source has the name of a dimension "
        "micromacro makes itself (--by device would not read it; built-in dimensions: channel, "
        "source, medium, campaign, referrer, landing_page, exit_page, device, browser, os, hour, "
        "weekday, day, week, month, host)",
    ]


def test_source_must_be_a_mapping() -> None:
    assert problems_of("source: ga4\n") == [
        "goals.yaml:1:9: invalid source: expected a mapping of export columns "
        "(timestamp, user_id, ...), got the string 'ga4'"
    ]


def test_problems_in_goals_and_source_are_all_reported() -> None:
    text = "goals:\n  - {name: a, kind: macro, clik: /x}\n" + source("preset: ga5")

    assert problems_of(text) == [  # the unknown key stands for the missing type key
        "goals.yaml:2:28: unknown key 'clik' in goal 'a' (expected one of name, kind, type, "
        "category, destination, duration, pages, event, count, value)",
        "goals.yaml:4:11: invalid preset of source: expected one of ga4, segment, "
        "got the string 'ga5'",
    ]


# --- through the command line ------------------------------------------------------------------


def test_check_accepts_a_source_and_report_rejects_a_bad_one(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(source("preset: ga4"))
    bad = tmp_path / "bad.yaml"
    bad.write_text(source("timestamp: t"))
    export = tmp_path / "events.csv"
    export.write_text("t,u\n2026-11-02T09:00:00Z,a\n")

    checked = CliRunner().invoke(cli, ["check", str(good)])
    assert (checked.exit_code, checked.stdout) == (0, f"{good}: OK, 0 goals\n")
    rejected = CliRunner().invoke(cli, ["report", str(export), "--goals", str(bad)])
    assert rejected.exit_code == 2
    assert rejected.stderr == f"micromacro: error: {bad}:2:3: {NO_USER}\n"
