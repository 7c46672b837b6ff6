"""A goal's value in the goals file (definitions §2.4): a fixed number, ``value: event`` or
``value: {from: COLUMN}``, checked against what the inputs can hold.

Every expected ``line:column`` below is counted by hand from the YAML in the test (1-based):
the goal ``a`` starts on line 2 and its keys at column 5 (``one_goal``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from micromacro.cli import cli
from micromacro.errors import ConfigError
from micromacro.goals_file import parse_goals

GA4 = "source:\n  preset: ga4\n  keep: [device.category]\n"
MAPPED = "source:\n  timestamp: t\n  user_id: u\n  event_name: e\n  revenue: total\n"
UNMAPPED = "source:\n  timestamp: t\n  user_id: u\n  event_name: e\n"


def one_goal(*lines: str, source: str = "") -> str:
    """A goals file whose one goal is named ``a``; ``lines`` follow its name, indented four
    spaces (after ``source``, whose lines come first)."""
    return source + "goals:\n  - name: a\n" + "".join(f"    {line}\n" for line in lines)


def problems_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_goals(text, path="goals.yaml")
    return info.value.problems


@pytest.mark.parametrize(
    ("lines", "source", "value", "value_from", "values"),
    [
        (("kind: macro", "destination: /a", "value: 60"), "", 60.0, None, None),
        (("kind: macro", "destination: /a", "value: 0"), "", 0.0, None, None),
        (
            ("kind: macro", "destination: /a", "value: {from: 'query:total'}"),
            "",
            None,
            "query:total",
            None,
        ),
        (("kind: macro", "event: {name: purchase}", "value: event"), GA4, None, "event_value", ()),
        (
            ("kind: macro", "event: {name: purchase}", "value: {from: revenue}"),
            GA4,
            None,
            "revenue",
            (),
        ),
        (
            ("kind: macro", "event: {name: purchase}", "value: {from: revenue}"),
            MAPPED,
            None,
            "revenue",
            (),
        ),
        (
            ("kind: macro", "destination: /a", "value: {from: ecommerce.tax_value}"),
            GA4,
            None,
            "ecommerce.tax_value",
            ("ecommerce.tax_value",),
        ),
        # A kept column is carried already (as text): no second copy.
        (
            ("kind: macro", "destination: /a", "value: {from: device.category}"),
            GA4,
            None,
            "device.category",
            (),
        ),
        (
            ("kind: micro", "destination: /a", "value: {from: 'query:n'}"),
            UNMAPPED,
            None,
            "query:n",
            (),
        ),
    ],
)
def test_values_that_load(
    lines: tuple[str, ...],
    source: str,
    value: float | None,
    value_from: str | None,
    values: tuple[str, ...] | None,
) -> None:
    config = parse_goals(one_goal(*lines, source=source), path="goals.yaml")
    (goal,) = config.goals
    assert (goal.value, goal.value_from) == (value, value_from)
    assert goal.has_value
    if values is None:
        assert config.source is None
    else:
        assert config.source is not None
        assert config.source.values == values


@pytest.mark.parametrize(
    ("lines", "source", "problem"),
    [
        (
            ("kind: macro", "destination: /a", "value: cheap"),
            "",
            "goals.yaml:5:12: invalid value of goal 'a': expected a number of 0 or more, event, "
            "or {from: COLUMN}, got the string 'cheap'",
        ),
        (
            ("kind: macro", "event: {name: x}", "value: event"),
            "",
            "goals.yaml:5:12: value of goal 'a' is event, but access-log events carry no value "
            "(an access log's value is a query parameter of the hit's URL: "
            "value: {from: query:NAME})",
        ),
        (
            ("kind: macro", "destination: /a", "value: {from: total}"),
            "",
            "goals.yaml:5:12: value of goal 'a' is from 'total', but access logs have no such "
            "column (an access log's value is a query parameter of the hit's URL: "
            "value: {from: query:NAME})",
        ),
        (
            ("kind: macro", "destination: /a", "value: event"),
            GA4,
            "goals.yaml:8:12: value of goal 'a' is event (the matching event's value), but goal "
            "'a' is a destination goal (take it from a column, value: {from: COLUMN}, or give a "
            "number)",
        ),
        (
            ("kind: micro", "duration: {greater_than: 5m}", "value: {from: 'query:x'}"),
            "",
            "goals.yaml:5:12: value of goal 'a' is taken from a hit, but a duration goal "
            "converts a whole session (a value from the data needs a destination or event "
            "goal; or give a number)",
        ),
        (
            ("kind: macro", "destination: /a", "value: {from: ''}"),
            GA4,
            "goals.yaml:8:19: invalid from in value of goal 'a': expected a column name, "
            "got the string ''",
        ),
        (
            ("kind: macro", "destination: /a", "value: {from: 'query:'}"),
            "",
            "goals.yaml:5:19: invalid from in value of goal 'a': expected query: and a "
            "parameter name (query:total), got the string 'query:'",
        ),
        (
            ("kind: macro", "destination: /a", "value: {column: x}"),
            GA4,
            "goals.yaml:8:13: unknown key 'column' in value of goal 'a' (expected from)",
        ),
        (
            ("kind: macro", "destination: /a", "value: {}"),
            GA4,
            "goals.yaml:8:12: missing key 'from' in value of goal 'a' (expected {from: COLUMN})",
        ),
        (
            ("kind: macro", "event: {name: x}", "value: {from: revenue}"),
            UNMAPPED,
            "goals.yaml:9:12: value of goal 'a' is from 'revenue', but the source section maps "
            "no revenue column (add revenue: COLUMN to source, or use a preset)",
        ),
        (
            ("kind: macro", "event: {name: x}", "value: event"),
            MAPPED,
            "goals.yaml:10:12: value of goal 'a' is event, but the source section maps no "
            "event_value column (add event_value: COLUMN to source, or use a preset)",
        ),
        (  # a condition on the value, as value: event, needs the value mapped
            ("kind: macro", "event: {name: x, value: {greater_than: 5}}"),
            UNMAPPED,
            "goals.yaml:8:29: event of goal 'a' tests its value, but the source section maps "
            "no event_value column (add event_value: COLUMN to source, or use a preset)",
        ),
        (
            ("kind: macro", "destination: /a", "value: {from: path}"),
            GA4,
            "goals.yaml:8:12: value of goal 'a' is from 'path', but that hit column holds no "
            "value (a value comes from revenue, event_value, query:NAME or a column of the "
            "export)",
        ),
    ],
)
def test_values_that_cannot_work(lines: tuple[str, ...], source: str, problem: str) -> None:
    assert problems_of(one_goal(*lines, source=source)) == [problem]


SEGMENT = "source:\n  preset: segment\n"
NAMELESS = "source:\n  timestamp: t\n  user_id: u\n"


@pytest.mark.parametrize(
    ("event", "source", "problem"),
    [
        (  # a mapping without a preset: the segment preset maps a category, ga4 none
            "event: {category: Forms}",
            UNMAPPED,
            "goals.yaml:8:23: event of goal 'a' tests its category, but the source section maps "
            "no event_category column (add event_category: COLUMN to source, or use the segment "
            "preset)",
        ),
        (  # every preset maps the name; a mapping need not
            "event: {name: x}",
            NAMELESS,
            "goals.yaml:7:19: event of goal 'a' tests its name, but the source section maps no "
            "event_name column (add event_name: COLUMN to source, or use a preset)",
        ),
        (  # GA4's events are a name and parameters: the preset maps no category, action, label
            "event: {name: x, label: {begins_with: /x}}",
            GA4,
            "goals.yaml:7:29: event of goal 'a' tests its label, but the ga4 preset maps no "
            "event_label column (add event_label: COLUMN to source)",
        ),
    ],
)
def test_event_fields_the_source_maps_no_column_for(event: str, source: str, problem: str) -> None:
    """As a value: an event field without a column is no field of any event of the export, so
    the goal would match nothing."""
    assert problems_of(one_goal("kind: macro", event, source=source)) == [problem]


@pytest.mark.parametrize(
    "source",
    [SEGMENT, GA4 + "  event_category: event_params.form\n", UNMAPPED + "  event_category: c\n"],
)
def test_event_fields_a_preset_or_the_source_maps_load(source: str) -> None:
    config = parse_goals(one_goal("kind: macro", "event: {category: Forms}", source=source))
    assert [goal.name for goal in config.goals] == ["a"]


def test_an_unmapped_event_field_stops_check_and_report(tmp_path: Path) -> None:
    """A CSV export whose goals test a category it has no column for: exit 2, not a report of
    no conversions."""
    export = tmp_path / "events.csv"
    export.write_text("t,u,e,c\n2024-01-01T10:00:00Z,u1,signup,Forms\n")
    goals = tmp_path / "goals.yaml"
    goals.write_text(one_goal("kind: macro", "event: {category: Forms}", source=UNMAPPED))
    problem = (
        f"micromacro: error: {goals}:8:23: event of goal 'a' tests its category, but the source "
        "section maps no event_category column (add event_category: COLUMN to source, or use "
        "the segment preset)\n"
    )
    for args in (["check", str(goals)], ["report", str(export), "--goals", str(goals)]):
        result = CliRunner().invoke(cli, args)
        assert (result.exit_code, result.stdout, result.stderr) == (2, "", problem)


def test_revenue_and_currency_are_source_keys_and_hit_columns() -> None:
    text = MAPPED + "  currency: cur\n  keep: [revenue]\n"
    (problem,) = problems_of(text)
    assert problem.startswith(
        "goals.yaml:7:10: column 'revenue' in keep of source has the name of a hit column"
    )
    config = parse_goals(MAPPED + "  currency: cur\n", path="goals.yaml")
    assert config.source is not None
    assert (config.source.revenue, config.source.currency) == ("total", "cur")
