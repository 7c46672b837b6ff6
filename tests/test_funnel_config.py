"""Funnels in the goals file: every accepted form, and exact ``line:column`` problems.

Line and column numbers are counted by hand from the YAML in each test (1-based).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from micromacro.errors import ConfigError
from micromacro.goals import (
    DestinationMatcher,
    EventMatcher,
    Funnel,
    FunnelStep,
    StringMatcher,
)
from micromacro.goals_file import load_goals, parse_goals

EXAMPLE = Path(__file__).resolve().parents[1] / "goals.example.yaml"
GOALS = (
    "goals:\n"
    "  - {name: buy, kind: macro, destination: /thanks}\n"
    "  - {name: long, kind: micro, duration: {greater_than: 5m}}\n"
    "funnels:\n"
)  # funnels start on line 5


def page(path: str, op: str = "equals") -> DestinationMatcher:
    return DestinationMatcher(StringMatcher(op, path))


def funnels_of(text: str) -> tuple[Funnel, ...]:
    config = parse_goals(GOALS + text, path="goals.yaml")
    assert config.warnings == ()
    return config.funnels


def problems_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_goals(GOALS + text, path="goals.yaml")
    return info.value.problems


def test_defaults_and_bare_path_steps() -> None:
    (funnel,) = funnels_of("  - name: f\n    steps: [/a, /b]\n")
    assert funnel == Funnel(
        name="f",
        steps=(FunnelStep("/a", (page("/a"),)), FunnelStep("/b", (page("/b"),))),
        scope="session",
        entry="closed",
        order="ordered",
        within_s=None,
        within_step_s=None,
        goal=None,
        line=5,
    )


def test_every_rule_and_step_form() -> None:
    (funnel,) = funnels_of(
        "  - name: f\n"
        "    scope: visitor\n"
        "    entry: open\n"
        "    order: strict\n"
        "    within: 7d\n"
        "    within_step: 30m\n"
        "    steps:\n"
        "      - name: Products\n"
        "        destination: {begins_with: /products/}\n"
        "      - event: {action: POST, label: {glob: /cart/*}}\n"
        "      - [{destination: /cart}, {event: {category: download}}]\n"
        "      - name: Pay\n"
        "        any_of:\n"
        "          - destination: {regex: '^/pay'}\n"
        "    goal: buy\n"
    )
    post = EventMatcher(
        action=StringMatcher("equals", "POST"), label=StringMatcher("glob", "/cart/*")
    )
    download = EventMatcher(category=StringMatcher("equals", "download"))
    assert funnel.steps == (
        FunnelStep("Products", (page("/products/", "begins_with"),)),
        FunnelStep("event action=POST label glob /cart/*", (post,)),
        FunnelStep("/cart or event category=download", (page("/cart"), download)),
        FunnelStep("Pay", (page("^/pay", "regex"),)),
        FunnelStep("buy", (page("/thanks"),)),
    )
    assert (funnel.scope, funnel.entry, funnel.order) == ("visitor", "open", "strict")
    assert (funnel.within_s, funnel.within_step_s, funnel.goal) == (7 * 86400.0, 1800.0, "buy")


def test_visitor_funnels_default_to_a_30_day_window() -> None:
    (funnel,) = funnels_of("  - {name: f, scope: visitor, steps: [/a], goal: buy}\n")
    assert funnel.within_s == 30 * 86400.0
    assert len(funnel.steps) == 2


def test_the_example_file_has_two_funnels_ending_at_purchase() -> None:
    config = load_goals(EXAMPLE)
    assert [(f.name, f.scope, f.entry, f.goal, len(f.steps)) for f in config.funnels] == [
        ("checkout", "session", "closed", "purchase", 5),
        ("come_back_and_buy", "visitor", "open", "purchase", 3),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  - name: f\n    steps: [/a]\n", [
            "goals.yaml:5:5: funnel 'f' has 1 step (expected 2 or more, counting the goal: step)"
        ]),
        ("  - name: f\n    steps: [/a, /b]\n  - name: f\n    steps: [/a, /b]\n", [
            "goals.yaml:7:11: duplicate funnel name 'f' (first used at line 5)"
        ]),
        ("  - steps: [/a, /b]\n", [
            "goals.yaml:5:5: missing key 'name' in funnel #1 (expected a non-empty string)"
        ]),
        ("  - {name: f, scope: page, steps: [/a, /b]}\n", [
            "goals.yaml:5:22: invalid scope of funnel 'f': expected one of session, visitor, "
            "got the string 'page'"
        ]),
        ("  - {name: f, entry: half, order: loose, steps: [/a, /b]}\n", [
            "goals.yaml:5:22: invalid entry of funnel 'f': expected one of closed, open, "
            "got the string 'half'",
            "goals.yaml:5:35: invalid order of funnel 'f': expected one of ordered, strict, "
            "got the string 'loose'",
        ]),
        ("  - {name: f, within: soon, within_step: 0, steps: [/a, /b]}\n", [
            "goals.yaml:5:23: invalid within of funnel 'f': expected a duration like 30m, 12h "
            "or 7d, got the string 'soon'",
            "goals.yaml:5:42: invalid within_step of funnel 'f': expected a duration like 30m, "
            "12h or 7d, got the number 0",
        ]),
        ("  - {name: f, steps: [{goal: buy, destination: /a}, /b]}\n", [
            "goals.yaml:5:24: unknown key 'goal' in step 1 of funnel 'f' (expected one of name, "
            "destination, event, any_of); goal: is the funnel's, written beside its steps:"
        ]),
        ("  - {name: f, steps: [{destinaton: /a}, /b]}\n", [
            "goals.yaml:5:24: unknown key 'destinaton' in step 1 of funnel 'f' (expected one of "
            "name, destination, event, any_of); did you mean 'destination'?"
        ]),
        ("  - {name: f, steps: [/a], goal: sale}\n", [
            "goals.yaml:5:34: funnel 'f' names unknown goal 'sale' (goals: 'buy', 'long')"
        ]),
        ("  - {name: f, steps: [/a], goal: long}\n", [
            "goals.yaml:5:34: funnel 'f' ends at goal 'long', a duration goal (expected a "
            "destination or event goal: a funnel step is a hit)"
        ]),
        ("  - {name: f, steps: [/a, {destination: /b, event: {action: POST}}]}\n", [
            "goals.yaml:5:45: step 2 of funnel 'f' has several matchers: destination, event "
            "(expected exactly one of destination, event, any_of; use any_of for alternatives)"
        ]),
        ("  - {name: f, steps: [/a, {name: b}]}\n", [
            "goals.yaml:5:27: step 2 of funnel 'f' has nothing to match (expected exactly one of "
            "destination, event, any_of)"
        ]),
        ("  - {name: f, steps: [/a, {pages: 3}]}\n", [
            "goals.yaml:5:28: unknown key 'pages' in step 2 of funnel 'f' (expected one of name, "
            "destination, event, any_of)"
        ]),
        ("  - {name: f, steps: [/a, [/b]]}\n", [
            "goals.yaml:5:28: invalid alternative 1 of step 2 of funnel 'f': expected a mapping "
            "with destination or event, got the string '/b'"
        ]),
        ("  - {name: f, steps: [/a, {any_of: []}]}\n", [
            "goals.yaml:5:36: invalid any_of of step 2 of funnel 'f': expected a non-empty list "
            "of matchers, got an empty list"
        ]),
        ("  - {name: f, steps: [/a, {destination: {regex: '('}}]}\n", [
            "goals.yaml:5:49: invalid regex '(': unclosed group"
        ]),
        ("  - {name: f, steps: [/a, ''], colour: red}\n", [
            "goals.yaml:5:27: empty pattern in destination of step 2 of funnel 'f' (expected a "
            "non-empty string)",
            "goals.yaml:5:32: unknown key 'colour' in funnel 'f' (expected one of name, scope, "
            "entry, order, within, within_step, steps, goal)",
        ]),
        ("  name: f\n", [
            "goals.yaml:5:3: invalid funnels: expected a list of funnels, got a mapping"
        ]),
    ],
)  # fmt: skip
def test_funnel_problems_name_line_and_column(text: str, expected: list[str]) -> None:
    assert problems_of(text) == expected


STEPS_TESTING_NAME_AND_VALUE = (
    "  - name: f\n"
    "    steps:\n"
    "      - /a\n"
    "      - {event: {name: purchase}}\n"
    "      - any_of: [{destination: /b}, {event: {category: request, value: {greater_than: 5}}}]\n"
)  # line 5 to 9


def test_event_steps_on_access_logs_that_can_match_nothing_are_a_warning() -> None:
    """As in an event goal: an access log's events have no name and no value, so a step that
    tests one matches no hit of a log (it passed check, and no session reached it)."""
    config = parse_goals(GOALS + STEPS_TESTING_NAME_AND_VALUE, path="goals.yaml")
    lacks = (
        ", which the events of an access log do not have (category request or download, the "
        "method as action, the path as label): it matches no hit of a log (a source: section "
        "reads event exports)"
    )
    assert config.warnings == (
        f"goals.yaml:8:17: event of step 2 of funnel 'f' tests its name{lacks}",
        f"goals.yaml:9:45: event of alternative 2 of step 3 of funnel 'f' tests its value{lacks}",
    )


def test_an_event_step_testing_a_field_the_source_maps_no_column_for_is_an_error() -> None:
    source = "source:\n  timestamp: t\n  user_id: u\n  event_name: e\n"  # 4 lines more
    with pytest.raises(ConfigError) as info:
        parse_goals(source + GOALS + STEPS_TESTING_NAME_AND_VALUE, path="goals.yaml")
    assert info.value.problems == [
        "goals.yaml:13:56: event of alternative 2 of step 3 of funnel 'f' tests its category, "
        "but the source section maps no event_category column (add event_category: COLUMN to "
        "source, or use the segment preset)",
        "goals.yaml:13:72: event of alternative 2 of step 3 of funnel 'f' tests its value, but "
        "the source section maps no event_value column (add event_value: COLUMN to source, or "
        "use a preset)",
    ]
    mapped = source + "  event_category: c\n  event_value: v\n"
    config = parse_goals(mapped + GOALS + STEPS_TESTING_NAME_AND_VALUE, path="goals.yaml")
    assert (len(config.funnels), config.warnings) == (1, ())


def test_an_event_step_testing_a_field_its_preset_maps_no_column_for_is_an_error() -> None:
    """The ga4 preset maps an event's name and value, not its category; segment maps all."""
    ga4 = "source:\n  preset: ga4\n"  # 2 lines more
    with pytest.raises(ConfigError) as info:
        parse_goals(ga4 + GOALS + STEPS_TESTING_NAME_AND_VALUE, path="goals.yaml")
    assert info.value.problems == [
        "goals.yaml:11:56: event of alternative 2 of step 3 of funnel 'f' tests its category, "
        "but the ga4 preset maps no event_category column (add event_category: COLUMN to "
        "source)"
    ]
    segment = "source:\n  preset: segment\n"
    config = parse_goals(segment + GOALS + STEPS_TESTING_NAME_AND_VALUE, path="goals.yaml")
    assert (len(config.funnels), config.warnings) == (1, ())
