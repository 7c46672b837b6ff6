"""Tests for ``micromacro.goals_file``: goals files in, frozen goal dataclasses or exact
problems out.

Every expected ``line:column`` below is counted by hand from the YAML in the test (1-based).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from micromacro import goals_file
from micromacro import metric_paths as goal_paths
from micromacro.errors import ConfigError
from micromacro.goal_matching import hit_match, session_conversions
from micromacro.goals import (
    DestinationMatcher,
    EventMatcher,
    Goal,
    GoalsConfig,
    NumberCondition,
    StringMatcher,
)
from micromacro.goals_file import load_goals, parse_goals
from micromacro.hit_schema import COUNTED_BUCKETS
from micromacro.metric_paths import FUNNEL_FIELDS, GOAL_FIELDS, STEP_FIELDS, ReportShape
from micromacro.sessions import session_table, sessionize
from tests.helpers import classify, combined_line

EXAMPLE = Path(__file__).resolve().parents[1] / "goals.example.yaml"
GOAL_KEYS = "name, kind, type, category, destination, duration, pages, event, count, value"
MATCHER_KEYS = "equals, begins_with, contains, regex, glob, one_of, case_sensitive"
TYPE_KEYS = "destination, duration, pages, event"


def one_goal(*lines: str) -> str:
    """A goals file whose one goal is named ``a`` (line 2); ``lines`` follow from line 3.

    Each line gets four spaces of indentation, so a key starts at column 5.
    """
    return "goals:\n  - name: a\n" + "".join(f"    {line}\n" for line in lines)


def problems_of(text: str) -> list[str]:
    """The problems ``parse_goals`` reports for ``text`` (read as ``goals.yaml``)."""
    with pytest.raises(ConfigError) as info:
        parse_goals(text, path="goals.yaml")
    return info.value.problems


def only_goal(text: str) -> Goal:
    """The single goal of a valid goals file."""
    config = parse_goals(text, path="goals.yaml")
    assert config.warnings == ()
    (goal,) = config.goals
    return goal


# --- the example file ------------------------------------------------------------------------


def test_example_file_loads_into_the_expected_goals() -> None:
    config = load_goals(EXAMPLE)

    assert config.path == str(EXAMPLE)
    assert config.warnings == ()
    assert len(config.goals) == 8
    assert [goal.name for goal in config.macro_goals] == ["purchase", "contact_lead"]
    by_name = {goal.name: goal for goal in config.goals}
    assert by_name["purchase"] == Goal(
        name="purchase",
        kind="macro",
        type="destination",
        destination=DestinationMatcher(StringMatcher("begins_with", "/checkout/thank-you")),
        value=60.0,
        line=26,
    )
    assert by_name["add_to_cart"] == Goal(
        name="add_to_cart",
        kind="micro",
        type="event",
        category="process_milestone",
        event=EventMatcher(
            category=StringMatcher("equals", "request"),
            action=StringMatcher("equals", "POST"),
            label=StringMatcher("regex", "^/cart/add(/|$)"),
        ),
        count="every",
        line=42,
    )
    assert by_name["checkout_started"] == Goal(
        name="checkout_started",
        kind="micro",
        type="destination",
        category="process_milestone",
        destination=DestinationMatcher(
            StringMatcher("one_of", ("/checkout", "/checkout/shipping", "/checkout/payment"))
        ),
        line=52,
    )
    assert by_name["size_guide_download"] == Goal(
        name="size_guide_download",
        kind="micro",
        type="event",
        category="secondary_action",
        event=EventMatcher(
            category=StringMatcher("equals", "download"),
            action=StringMatcher("glob", "/downloads/*.pdf", case_sensitive=True),
        ),
        line=67,
    )
    assert by_name["long_visit"] == Goal(
        name="long_visit",
        kind="micro",
        type="duration",
        category="secondary_action",
        condition=NumberCondition(greater_than=300.0),
        line=76,
    )
    assert by_name["engaged_visit"] == Goal(
        name="engaged_visit",
        kind="micro",
        type="pages",
        category="secondary_action",
        condition=NumberCondition(greater_than=4),
        line=82,
    )


# --- string matchers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("/thanks", StringMatcher("equals", "/thanks")),
        ("{equals: /thanks}", StringMatcher("equals", "/thanks")),
        ("{begins_with: /checkout/}", StringMatcher("begins_with", "/checkout/")),
        ("{contains: thank}", StringMatcher("contains", "thank")),
        ("{regex: '^/order/\\d+$'}", StringMatcher("regex", "^/order/\\d+$")),
        ("{glob: /docs/**/*.pdf}", StringMatcher("glob", "/docs/**/*.pdf")),
        ("{one_of: [/a, /b, 404]}", StringMatcher("one_of", ("/a", "/b", "404"))),
        ("{contains: Thank, case_sensitive: true}", StringMatcher("contains", "Thank", True)),
        ("404", StringMatcher("equals", "404")),
    ],
)
def test_destination_matchers(written: str, expected: StringMatcher) -> None:
    config = parse_goals(one_goal("kind: micro", f"destination: {written}"), path="goals.yaml")
    (goal,) = config.goals

    assert goal.type == "destination"
    assert goal.destination == DestinationMatcher(expected)
    # A number is read as its text; as a path, 404 (no leading /) matches no hit.
    assert [w.split(": ", 2)[2] for w in config.warnings] == (
        ["'404' does not start with /, as a path does: it matches no hit"]
        if "404" in written
        else []
    )


def test_regex_is_checked_by_the_rust_engine_not_python_re() -> None:
    # \p{L} is a Unicode class in Rust regex syntax; Python's re rejects it as a bad escape.
    goal = only_goal(one_goal("kind: micro", "destination: {regex: '^/\\p{L}+$'}"))

    assert goal.destination == DestinationMatcher(StringMatcher("regex", "^/\\p{L}+$"))


def test_include_query() -> None:
    goal = only_goal(
        one_goal("kind: micro", "destination: {begins_with: '/search?q=', include_query: true}")
    )

    assert goal.destination == DestinationMatcher(
        StringMatcher("begins_with", "/search?q="), include_query=True
    )


def test_event_case_sensitive_applies_to_fields_unless_a_field_overrides_it() -> None:
    text = one_goal(
        "kind: micro",
        "event:",
        "  case_sensitive: true",
        "  category: Request",
        "  action: {equals: post, case_sensitive: false}",
        "  label: 404",
        "  name: {begins_with: Sign}",
        "  value: {greater_than: -1.5, less_than: 10}",
    )

    config = parse_goals(text, path="goals.yaml")
    (goal,) = config.goals
    assert goal.event == EventMatcher(
        category=StringMatcher("equals", "Request", case_sensitive=True),
        action=StringMatcher("equals", "post", case_sensitive=False),
        label=StringMatcher("equals", "404", case_sensitive=True),
        name=StringMatcher("begins_with", "Sign", case_sensitive=True),
        value=NumberCondition(greater_than=-1.5, less_than=10.0),
    )
    # Without a source: section the file is for access logs, whose events have neither.
    (warning,) = config.warnings
    assert warning.startswith("goals.yaml:2:5: event of goal 'a' tests its name and value, ")


def test_event_goals_on_access_logs_that_can_match_nothing_are_a_warning() -> None:
    """An access log's events are requests and downloads: a category, the method, the path. A
    goal testing an event's name or value matches no hit of one (it passed check, counted 0);
    with a source: section (an export) it is a goal like any other."""
    lines = ("kind: micro", "event: {name: add_to_cart}")
    (warning,) = parse_goals(one_goal(*lines), path="goals.yaml").warnings
    assert warning == (
        "goals.yaml:2:5: event of goal 'a' tests its name, which the events of an access log "
        "do not have (category request or download, the method as action, the path as label): "
        "it matches no hit of a log (a source: section reads event exports)"
    )
    exported = "source: {preset: segment}\n" + one_goal(*lines)
    assert parse_goals(exported, path="goals.yaml").warnings == ()


def test_event_fields_are_case_insensitive_by_default() -> None:
    goal = only_goal(one_goal("kind: micro", "event: {action: POST}"))

    assert goal.event == EventMatcher(action=StringMatcher("equals", "POST", case_sensitive=False))


# --- numeric conditions ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "seconds"),
    [("90", 90.0), ("90s", 90.0), ("5m", 300.0), ("1h", 3600.0), ("2.5", 2.5)],
)
def test_duration_units(written: str, seconds: float) -> None:
    goal = only_goal(one_goal("kind: micro", f"duration: {{greater_than: {written}}}"))

    assert goal.type == "duration"
    assert goal.condition == NumberCondition(greater_than=seconds)


def test_duration_range_and_pages_equals() -> None:
    duration = only_goal(one_goal("kind: micro", "duration: {greater_than: 30s, less_than: 1h}"))
    pages = only_goal(one_goal("kind: micro", "pages: {equals: 3}", "value: 1.5"))

    assert duration.condition == NumberCondition(greater_than=30.0, less_than=3600.0)
    assert pages.condition == NumberCondition(equals=3.0)
    assert pages.value == 1.5


def test_type_key_that_agrees_is_accepted() -> None:
    goal = only_goal(one_goal("kind: micro", "type: pages", "pages: {less_than: 2}"))

    assert goal.type == "pages"
    assert goal.count == "once_per_session"
    assert goal.category is None
    assert goal.line == 2


# --- YAML syntax and file-level problems -----------------------------------------------------


def test_tab_in_indentation() -> None:
    text = "goals:\n  - name: a\n\tkind: macro\n"

    assert problems_of(text) == [
        "goals.yaml:3:1: invalid YAML: found a tab character where indentation is expected"
    ]


def test_unclosed_quote_names_where_the_quote_opened() -> None:
    text = 'goals:\n  - name: "a\n    kind: macro\n'

    assert problems_of(text) == [
        "goals.yaml:4:1: invalid YAML: found unexpected end of stream "
        "(while scanning a quoted scalar at line 2, column 11)"
    ]


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n"])
def test_empty_file(text: str) -> None:
    assert problems_of(text) == [
        "goals.yaml:1:1: the goals file is empty "
        "(expected a mapping with a 'goals' list, 'funnels', 'exclude' or 'source')"
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "- a\n",
            "goals.yaml:1:1: invalid goals file: "
            "expected a mapping with a 'goals' list, 'funnels', 'exclude' or 'source', got a list",
        ),
        ("goals:\n", "goals.yaml:1:7: invalid goals: expected a list of goals, got nothing"),
        ("goals: []\n", "goals.yaml:1:8: the goals list is empty (expected at least one goal)"),
        (
            "goals:\n  - just a string\n",
            "goals.yaml:2:5: invalid goal #1: expected a mapping with name, kind and a type key, "
            "got the string 'just a string'",
        ),
        (
            "goals:\n  - kind: micro\n    destination: /a\n",
            "goals.yaml:2:5: missing key 'name' in goal #1 (expected a non-empty string)",
        ),
    ],
)
def test_file_structure_problems(text: str, problem: str) -> None:
    assert problems_of(text) == [problem]


def test_unknown_top_level_key() -> None:
    text = one_goal("kind: macro", "destination: /a") + "alarms: []\n"

    assert problems_of(text) == [
        "goals.yaml:5:1: unknown key 'alarms' at the top level "
        "(expected one of goals, funnels, alerts, source, exclude)"
    ]


# --- files without goals ---------------------------------------------------------------------

FUNNEL_ALONE = "funnels:\n  - name: buy\n    steps: [/products/1, /cart]\n"
OWNER_ALONE = "exclude:\n  ips: [203.0.113.9]\n  paths: [/health]\n"
MISSING_GOALS = (
    "goals.yaml:1:1: missing key 'goals' at the top level (expected a list of goals; without "
    "one, a funnel under funnels: or an address or path under exclude:)"
)


def test_a_file_of_funnels_alone_needs_no_goals() -> None:
    config = parse_goals(FUNNEL_ALONE, path="goals.yaml")

    assert (config.goals, config.alerts, config.warnings) == ((), (), ())
    (funnel,) = config.funnels
    assert (funnel.name, [step.name for step in funnel.steps]) == ("buy", ["/products/1", "/cart"])
    assert not config.exclude


def test_a_file_of_exclusions_alone_needs_no_goals() -> None:
    config = parse_goals(OWNER_ALONE, path="goals.yaml")

    assert (config.goals, config.funnels, config.alerts) == ((), (), ())
    assert config.exclude.text() == {
        "ips": ["203.0.113.9/32"],
        "paths": [repr(DestinationMatcher(StringMatcher("equals", "/health")))],
    }


def test_alert_rules_on_funnels_summary_and_input_need_no_goals() -> None:
    text = (
        FUNNEL_ALONE
        + OWNER_ALONE
        + "alerts:\n"
        + "  - {name: leak, metric: funnels.buy.steps.2.drop_off_rate, above: 50%}\n"
        + "  - {name: quiet, metric: summary.sessions, below: 10}\n"
        + "  - {name: own, metric: input.excluded, above: 100}\n"
    )
    config = parse_goals(text, path="goals.yaml")

    assert config.goals == ()
    assert [rule.name for rule in config.alerts] == ["leak", "quiet", "own"]
    assert [rule.metric.text for rule in config.alerts] == [
        "funnels.buy.steps.2.drop_off_rate",
        "summary.sessions",
        "input.excluded",
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        pytest.param(
            "alerts:\n  - {name: r, metric: summary.sessions, below: 1}\n",
            MISSING_GOALS,
            id="alerts alone",
        ),
        pytest.param("funnels: []\n", MISSING_GOALS, id="no funnel"),
        pytest.param("exclude: {}\n", MISSING_GOALS, id="no exclusion"),
        pytest.param(
            "exclude: {ips: [], paths: []}\nfunnels: []\n", MISSING_GOALS, id="empty lists"
        ),
        pytest.param(
            "funnels:\n  - name: buy\n    steps: [/a, /b]\n    goal: purchase\n",
            "goals.yaml:4:11: funnel 'buy' names unknown goal 'purchase' (goals: none defined)",
            id="a goal: naming no goal",
        ),
        pytest.param(
            "funnels:\n  - {name: f, steps: [/a]}\n",
            "goals.yaml:2:5: funnel 'f' has 1 step (expected 2 or more, counting the goal: step)",
            id="a funnel of one step",
        ),
        pytest.param(
            "funnels: 3\n",
            "goals.yaml:1:10: invalid funnels: expected a list of funnels, got the number 3",
            id="funnels no list",
        ),
        pytest.param(
            "exclude: {ips: [office]}\n",
            "goals.yaml:1:17: invalid address in exclude: ips: 'office' is no IP address or "
            "network (give one such as 203.0.113.7, 198.51.100.0/24 or 2001:db8::/32)",
            id="an address that is none",
        ),
        pytest.param(
            FUNNEL_ALONE + "alarms: []\n",
            "goals.yaml:4:1: unknown key 'alarms' at the top level "
            "(expected one of goals, funnels, alerts, source, exclude)",
            id="an unknown key",
        ),
        pytest.param(
            "funnel:\n  - name: buy\n    steps: [/a, /b]\n",
            "goals.yaml:1:1: unknown key 'funnel' at the top level "
            "(expected one of goals, funnels, alerts, source, exclude); did you mean 'funnels'?",
            id="funnels misspelt",
        ),
        pytest.param(
            "<<: {exclude: {ips: [203.0.113.9]}}\n",
            "goals.yaml:1:1: merge keys ('<<') are not supported at the top level",
            id="a merge key",
        ),
        pytest.param(
            "funnels: []\nfunnels:\n  - name: buy\n    steps: [/a, /b]\n",
            "goals.yaml:2:1: duplicate key 'funnels' at the top level (first at line 1)",
            id="funnels twice",
        ),
    ],
)
def test_a_file_without_goals_and_its_one_problem(text: str, problem: str) -> None:
    """Without goals, a file must hold a funnel or an exclusion; one whose funnels or exclusions
    have problems, or whose top-level keys do (a key misspelt, merged or repeated), is told those
    alone, not that goals are missing too."""
    assert problems_of(text) == [problem]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        pytest.param(
            FUNNEL_ALONE + "goals: []\n",
            "goals.yaml:4:8: the goals list is empty (expected at least one goal; a file of "
            "funnels or exclusions may leave goals: out)",
            id="empty beside a funnel",
        ),
        pytest.param(
            "goals:\n" + OWNER_ALONE,
            "goals.yaml:1:7: invalid goals: expected a list of goals, got nothing (a file of "
            "funnels or exclusions may leave goals: out)",
            id="nothing beside an exclusion",
        ),
        pytest.param(
            "goals: null\n" + FUNNEL_ALONE,
            "goals.yaml:1:8: invalid goals: expected a list of goals, got null (a file of "
            "funnels or exclusions may leave goals: out)",
            id="null beside a funnel",
        ),
        pytest.param(
            "source: {timestamp: t, user_id: u, path: p}\ngoals: []\n",
            "goals.yaml:2:8: the goals list is empty (expected at least one goal; a file with a "
            "source: may leave goals: out)",
            id="empty beside a source",
        ),
        pytest.param(
            "goals: []\nfunnels: []\nexclude: {ips: []}\n",
            "goals.yaml:1:8: the goals list is empty (expected at least one goal)",
            id="empty beside empty lists",
        ),
        pytest.param(
            "goals: buy\n" + FUNNEL_ALONE,
            "goals.yaml:1:8: invalid goals: expected a list of goals, got the string 'buy'",
            id="a string beside a funnel",
        ),
    ],
)
def test_goals_left_empty_are_told_they_may_be_left_out_where_that_is_so(
    text: str, problem: str
) -> None:
    """An empty or null ``goals:`` beside a funnel, an exclusion or a source says the key may
    go; beside nothing else (lists left empty too) the file needs a goal, and is told so alone."""
    assert problems_of(text) == [problem]


NO_GOAL_TO_READ = "there is no goal to read"
NO_MACRO_CONVERSION = "there is no macro conversion to count"
NO_MICRO_CONVERSION = "there is no micro conversion to count"
EVERY_VISITOR_NO_VALUE = "the engagement ladder puts every visitor at no_value_yet"


@pytest.mark.parametrize(
    ("metric", "why"),
    [
        ("goals.buy.conversions", NO_GOAL_TO_READ),
        ("segments.channel.Email.goals.buy.conversion_rate", NO_GOAL_TO_READ),
        ("micro_macro.cart.lift", "the micro → macro table has no row to read"),
        ("ladder.customers.share", EVERY_VISITOR_NO_VALUE),
        ("ladder.no_value_yet.visitors", EVERY_VISITOR_NO_VALUE),
        ("ladder.macro_rate_with_micro", EVERY_VISITOR_NO_VALUE),
        ("summary.macro_conversion_rate", NO_MACRO_CONVERSION),
        ("summary.macro_sessions", NO_MACRO_CONVERSION),
        ("summary.macro_revenue", NO_MACRO_CONVERSION),
        ("summary.macro_revenue_per_session", NO_MACRO_CONVERSION),
        ("summary.micro_conversion_rate", NO_MICRO_CONVERSION),
        ("summary.micro_sessions", NO_MICRO_CONVERSION),
        ("segments.channel.Email.macro_conversion_rate", NO_MACRO_CONVERSION),
        ("segments.channel.Email.macro_conversions", NO_MACRO_CONVERSION),
        ("segments.device.mobile.macro_revenue_per_session", NO_MACRO_CONVERSION),
        ("segments.channel.Email.micro_conversion_rate", NO_MICRO_CONVERSION),
        ("segments.channel.Email.micro_conversions", NO_MICRO_CONVERSION),
    ],
)
def test_an_alert_rule_on_a_figure_made_of_goals_needs_goals(metric: str, why: str) -> None:
    """Without goals such a rule would fire (a ladder share below a bound: 0 every run) or not
    be evaluated (a rate of no conversion) on every run: it is refused where it is written."""
    text = FUNNEL_ALONE + f"alerts:\n  - {{name: r, metric: {metric}, below: 1}}\n"

    assert problems_of(text) == [
        f"goals.yaml:5:23: metric '{metric}': the goals file has no goals, so {why} "
        "(add a goals: list) in alert 'r'"
    ]


MICRO_ONLY = "goals:\n  - {name: news, kind: micro, destination: /news}\n"
MACRO_ONLY = "goals:\n  - {name: buy, kind: macro, destination: /thanks}\n"
NO_CUSTOMER = "no visitor is a customer on the engagement ladder"
NO_POTENTIAL_CUSTOMER = "no visitor is a potential customer on the engagement ladder"
NO_MICRO_MACRO_ROW = "the micro → macro table has no row to read"


@pytest.mark.parametrize(
    ("goals", "metric", "kind", "why"),
    [
        (MICRO_ONLY, "summary.macro_sessions", "macro", NO_MACRO_CONVERSION),
        (MICRO_ONLY, "summary.macro_conversion_rate", "macro", NO_MACRO_CONVERSION),
        (MICRO_ONLY, "summary.macro_revenue", "macro", NO_MACRO_CONVERSION),
        (MICRO_ONLY, "segments.channel.Email.macro_conversions", "macro", NO_MACRO_CONVERSION),
        (MICRO_ONLY, "ladder.customers.share", "macro", NO_CUSTOMER),
        (MICRO_ONLY, "ladder.customers.visitors", "macro", NO_CUSTOMER),
        (MICRO_ONLY, "ladder.macro_rate_with_micro", "macro", NO_MACRO_CONVERSION),
        (MICRO_ONLY, "ladder.macro_rate_without_micro", "macro", NO_MACRO_CONVERSION),
        (MICRO_ONLY, "micro_macro.news.lift", "macro", NO_MICRO_MACRO_ROW),
        (MACRO_ONLY, "summary.micro_sessions", "micro", NO_MICRO_CONVERSION),
        (MACRO_ONLY, "segments.device.mobile.micro_conversion_rate", "micro", NO_MICRO_CONVERSION),
        (MACRO_ONLY, "ladder.potential_customers.share", "micro", NO_POTENTIAL_CUSTOMER),
        (
            MACRO_ONLY,
            "ladder.macro_rate_with_micro",
            "micro",
            "no visitor has a micro conversion to compare by",
        ),
    ],
)
def test_an_alert_rule_on_a_figure_made_of_a_kind_of_goal_the_file_lacks_is_refused(
    goals: str, metric: str, kind: str, why: str
) -> None:
    """With micro goals only, the macro figures are 0 or null on every run (a ladder share
    below a bound would fire every time, a rate never be evaluated), and so are the micro
    figures with macro goals only: such a rule is refused where it is written."""
    text = goals + f"alerts:\n  - {{name: r, metric: {metric}, below: 1}}\n"

    assert problems_of(text) == [
        f"goals.yaml:4:23: metric '{metric}': the goals file has no {kind} goal, so {why} "
        f"(mark a goal kind: {kind}) in alert 'r'"
    ]


@pytest.mark.parametrize(
    ("goals", "problem"),
    [
        ("goals: []\n", "goals.yaml:1:8: the goals list is empty (expected at least one goal)"),
        (
            "goals:\n  - {name: a, kind: macro, destination: /x}\n"
            "  - {name: a, kind: micro, destination: /y}\n",
            "goals.yaml:3:12: duplicate goal name 'a' (first used at line 2)",
        ),
        (
            "goals:\n  - {kind: micro, destination: /y}\n",
            "goals.yaml:2:5: missing key 'name' in goal #1 (expected a non-empty string)",
        ),
    ],
)
def test_a_goals_list_with_problems_is_the_one_error_of_its_kind_rules(
    goals: str, problem: str
) -> None:
    """An empty list, a duplicate or unnamed goal: that is the error, and a rule on a micro or
    macro figure is not told too that the file has no goal of that kind."""
    rules = (
        "alerts:\n  - {name: m, metric: summary.micro_sessions, below: 1}\n"
        "  - {name: n, metric: summary.macro_sessions, below: 1}\n"
    )

    assert problems_of(goals + rules) == [problem]


@pytest.mark.parametrize(
    ("goals", "metric"),
    [
        (MICRO_ONLY, "summary.micro_conversion_rate"),
        (MICRO_ONLY, "ladder.potential_customers.share"),
        (MICRO_ONLY, "ladder.no_value_yet.visitors"),
        (MICRO_ONLY, "goals.news.conversion_rate"),
        (MICRO_ONLY, "summary.sessions"),
        (MACRO_ONLY, "summary.macro_revenue_per_session"),
        (MACRO_ONLY, "ladder.customers.share"),
        (MACRO_ONLY, "ladder.macro_rate_without_micro"),
        (MACRO_ONLY, "ladder.no_value_yet.share"),
        (MACRO_ONLY, "segments.channel.Email.macro_conversion_rate"),
    ],
)
def test_an_alert_rule_on_a_figure_the_file_s_goals_make_is_kept(goals: str, metric: str) -> None:
    text = goals + f"alerts:\n  - {{name: r, metric: {metric}, below: 1}}\n"

    (rule,) = parse_goals(text, path="goals.yaml").alerts
    assert rule.metric.text == metric


@pytest.mark.parametrize(
    ("goals", "metric", "nearest", "why"),
    [
        (
            MACRO_ONLY,
            "summary.micro_conversion_rat",
            "summary.micro_conversion_rate",
            "micro goal, so there is no micro conversion to count; mark a goal kind: micro",
        ),
        (
            MICRO_ONLY,
            "ladder.macro_rate_with_micr",
            "ladder.macro_rate_with_micro",
            "macro goal, so there is no macro conversion to count; mark a goal kind: macro",
        ),
        (
            MICRO_ONLY,
            "micro_macro.news.lif",
            "micro_macro.news.lift",
            "macro goal, so the micro → macro table has no row to read; mark a goal kind: macro",
        ),
    ],
)
def test_a_misspelt_metric_the_file_s_goals_leave_without_meaning_is_told_why(
    goals: str, metric: str, nearest: str, why: str
) -> None:
    """The nearest path is the figure meant, and the file's goals give it no meaning: the
    hint names it and says why, rather than point at another figure, further from it."""
    text = goals + f"alerts:\n  - {{name: r, metric: {metric}, below: 1}}\n"

    assert problems_of(text) == [
        f"goals.yaml:4:23: unknown metric '{metric}' (nearest path: {nearest}, but the goals "
        f"file has no {why}) in alert 'r'"
    ]


def test_the_nearest_path_of_a_kept_column_holding_dots_is_one_of_its_segments() -> None:
    """A breakdown by an export's kept column ``device.category``: the nearest path of a
    misspelt figure of its ``mobile`` segment is that segment's, not a path that does not
    parse (``segments.device.category.micro_conversion_rate``)."""
    text = (
        "source: {timestamp: t, user_id: u, path: p, keep: [device.category]}\n"
        "goals:\n  - {name: buy, kind: macro, destination: /thanks}\n"
        "  - {name: news, kind: micro, destination: /news}\n"
        "alerts:\n  - {name: r, metric: segments.device.category.mobile.micro_conversion_rat,"
        " below: 1}\n"
    )

    assert problems_of(text) == [
        "goals.yaml:6:23: unknown metric 'segments.device.category.mobile.micro_conversion_rat' "
        "(nearest valid path: segments.device.category.mobile.micro_conversion_rate) in alert 'r'"
    ]


def test_a_misspelt_metric_among_thousands_of_goals_is_matched_among_its_own_section() -> None:
    """A file of 3,000 goals has more than 50,000 paths: a misspelt goal figure is matched
    among the goals whose names are nearest its own."""
    listed = "".join(
        f"  - {{name: goal_{i}, kind: {'macro' if i % 2 else 'micro'}, destination: /p{i}}}\n"
        for i in range(3000)
    )
    rule = "  - {name: r, metric: goals.gaol_17.conversion_rte, below: 1}\n"
    text = f"goals:\n{listed}alerts:\n{rule}"

    assert problems_of(text) == [
        "goals.yaml:3003:23: unknown metric 'goals.gaol_17.conversion_rte' (nearest valid path: "
        "goals.goal_17.conversion_rate) in alert 'r'"
    ]


@pytest.mark.parametrize(
    ("metric", "most"),
    [
        ("goals.gaol_17.conversion_rte", 3 * len(GOAL_FIELDS)),
        ("funnels.funel_17.steps.2.reachd", 3 * (len(FUNNEL_FIELDS) + 4 * len(STEP_FIELDS))),
        ("segments.channel.Email.goals.gaol_17.conversions", 60),
        ("sumary.sessions", 300),
    ],
)
def test_a_misspelt_metric_is_matched_among_a_few_paths_whatever_the_file_holds(
    metric: str, most: int
) -> None:
    """3,000 goals and 3,000 funnels of 4 steps: the paths a misspelt one is matched against
    are those of the goals and funnels nearest the name it holds, not every one's."""
    names = tuple(f"goal_{i}" for i in range(3000))
    shape = ReportShape(
        goals=names, micro_goals=names[::2], funnels={f"funnel_{i}": 4 for i in range(3000)}
    )

    assert 0 < len(goal_paths._candidates(metric, shape)) <= most


@pytest.mark.parametrize(
    ("metric", "hint"),
    [
        # The goal a path holds is read where it stands, not found anywhere in it.
        (
            "segments.device.mobile.goals.buyy.conversions",
            "nearest valid path: segments.device.mobile.goals.buy.conversions",
        ),
        ("goals.buy.nw.conversions", "nearest valid path: goals.buy.now.conversions"),
        # A segment left empty, or holding dots.
        ("segments.channel..sessions", "nearest valid path: segments.channel.Email.sessions"),
        ("segments.channel.a.b.sesions", "nearest valid path: segments.channel.a.b.sessions"),
        # A section of named objects the file has none of.
        ("funnels.checkout.steps.2.reachd", "the goals file has no funnels"),
    ],
)
def test_the_hint_of_a_misspelt_metric_reads_the_names_it_holds(metric: str, hint: str) -> None:
    text = (
        "goals:\n  - {name: buy, kind: macro, destination: /a}\n"
        "  - {name: buy.now, kind: macro, destination: /b}\n"
        "  - {name: mobile, kind: micro, destination: /c}\n"
        f"alerts:\n  - {{name: r, metric: {metric}, below: 1}}\n"
    )

    assert problems_of(text) == [
        f"goals.yaml:6:23: unknown metric '{metric}' ({hint}) in alert 'r'"
    ]


FOUR_GOALS = (
    "goals:\n  - {name: buy, kind: macro, destination: /a}\n"
    "  - {name: demo, kind: macro, destination: /b}\n"
    "  - {name: signup, kind: micro, destination: /c}\n"
    "  - {name: trial, kind: micro, destination: /d}\n"
)
FOUR_FUNNELS = "funnels:\n" + "".join(
    f"  - {{name: {name}, steps: [/x, /y]}}\n"
    for name in ("checkout", "onboarding", "search", "zeta")
)
KEEPS_REGION = "source: {timestamp: t, user_id: u, path: p, keep: [region.code]}\n"
KEEPS_GOALS = "source: {timestamp: t, user_id: u, path: p, keep: [goals, region.code]}\n"
GOALS_ENDING_AS_FIELDS = "goals:\n" + "".join(
    f"  - {{name: {name}, kind: macro, destination: /{name}}}\n"
    for name in ("buy.revenue", "buy1", "buy2", "buy3")
)


@pytest.mark.parametrize(
    ("text", "metric", "hint"),
    [
        # The field left out: the path holds the name whole.
        (FOUR_GOALS + FOUR_FUNNELS, "goals.buy", "nearest valid path: goals.buy.value"),
        (
            FOUR_GOALS + FOUR_FUNNELS,
            "funnels.checkout",
            "nearest valid path: funnels.checkout.units",
        ),
        (
            FOUR_GOALS + FOUR_FUNNELS,
            "segments.channel.Email.goals.buy",
            "nearest valid path: segments.channel.Email.goals.buy.conversions",
        ),
        # The segment left out of a segment's goal row.
        (
            MACRO_ONLY,
            "segments.channel.goals.buy.conversions",
            "nearest valid path: segments.channel.Email.goals.buy.conversions",
        ),
        # A section misspelt is read as the nearest.
        (MACRO_ONLY, "funnel.checkout.steps.2.reached", "the goals file has no funnels"),
        (MACRO_ONLY, "micromacro.buy.lift", "the goals file has no micro goal"),
        (FOUR_GOALS, "goal.buy.conversions", "nearest valid path: goals.buy.conversions"),
        # The section left out, or the breakdown and segment of a segment's goal row.
        (FOUR_GOALS, "buy.conversions", "nearest valid path: goals.buy.conversions"),
        (
            FOUR_GOALS,
            "segments.goals.buy.conversions",
            "nearest valid path: segments.channel.Email.goals.buy.conversions",
        ),
        # A file whose funnels: list is empty has none.
        (MACRO_ONLY + "funnels: []\n", "funnels.checkout.units", "the goals file has no funnels"),
        # A kept column holding dots, misspelt: it spans as many parts.
        (
            KEEPS_REGION + MACRO_ONLY,
            "segments.regin.code.EU.sessions",
            "nearest valid path: segments.region.code.EU.sessions",
        ),
        # A file without goals has no path of a goal to offer.
        (KEEPS_REGION, "goal.x.value", "the goals file has no goals"),
        (KEEPS_REGION, "micromacro.x.lift", "the goals file has no goals"),
        (KEEPS_REGION, "segment.channel.Email.goals.x.value", "the goals file has no goals"),
        # A goal named with a field's name last is matched whole.
        (
            GOALS_ENDING_AS_FIELDS,
            "goals.buy.revenue",
            "nearest valid path: goals.buy.revenue.value",
        ),
        (
            GOALS_ENDING_AS_FIELDS,
            "segments.channel.Email.goals.buy.revenue",
            "nearest valid path: segments.channel.Email.goals.buy.revenue.conversions",
        ),
        # A segment or kept column called goals is no goal row.
        (
            KEEPS_GOALS,
            "segments.campaign.goals.sesions",
            "nearest valid path: segments.campaign.Email.sessions",
        ),
        (
            KEEPS_GOALS,
            "segments.goals.EU.sesions",
            "nearest valid path: segments.goals.EU.sessions",
        ),
        # A step number out of the funnel's is brought within it, not matched by its digits.
        (
            FOUR_GOALS + FOUR_FUNNELS,
            "funnels.checkout.steps.0.dropped",
            "nearest valid path: funnels.checkout.steps.1.dropped",
        ),
        (
            FOUR_GOALS + FOUR_FUNNELS,
            "funnels.checkout.steps.13.dropped",
            "nearest valid path: funnels.checkout.steps.2.dropped",
        ),
        # A segment with its breakdown left out is a segment of the default breakdown.
        (
            FOUR_GOALS,
            "segments.Email.sessions",
            "nearest valid path: segments.channel.Email.sessions",
        ),
        # A kept column holding dots, misspelt in one part.
        (
            KEEPS_REGION + MACRO_ONLY,
            "segments.region_code.EU.sessions",
            "nearest valid path: segments.region.code.EU.sessions",
        ),
    ],
)
def test_the_hint_of_a_misspelt_metric_reads_what_it_leaves_out(
    text: str, metric: str, hint: str
) -> None:
    rules = f"alerts:\n  - {{name: r, metric: {metric}, below: 1}}\n"
    line = text.count("\n") + 2

    assert problems_of(text + rules) == [
        f"goals.yaml:{line}:23: unknown metric '{metric}' ({hint}) in alert 'r'"
    ]


@pytest.mark.parametrize(
    ("text", "metric", "problem"),
    [
        (
            MACRO_ONLY + "funnel:\n  - {name: checkout, steps: [/cart, /pay]}\n",
            "funnels.checkout.conversion_rate",
            "goals.yaml:3:1: unknown key 'funnel' at the top level (expected one of goals, "
            "funnels, alerts, source, exclude); did you mean 'funnels'?",
        ),
        (
            "goals:\n  - {name: buy, kind: macro, destination: /a}\n"
            "  - {name: buy, kind: micro, destination: /b}\n",
            "micro_macro.buy.lift",
            "goals.yaml:3:12: duplicate goal name 'buy' (first used at line 2)",
        ),
    ],
)
def test_a_file_whose_funnels_or_goals_have_problems_is_not_told_it_has_none(
    text: str, metric: str, problem: str
) -> None:
    """A goal named twice or a misspelt key: that is the error, and the rule on it is not
    offered a hint saying the file has no funnels or no micro goals (a rule on a funnel with
    problems of its own is no error: tests/test_alerts.py)."""
    rules = f"alerts:\n  - {{name: r, metric: {metric}, below: 1}}\n"
    line = text.count("\n") + 2

    assert problems_of(text + rules) == [
        problem,
        f"goals.yaml:{line}:23: unknown metric '{metric}' in alert 'r'",
    ]


def test_goals_under_a_misspelt_key_and_an_alert_on_them_are_told_the_key_alone() -> None:
    """``goal:`` for ``goals:``: the unknown key is the one problem; an alert rule on the macro
    conversion rate is not told too that the file has no goals."""
    text = (
        "goal:\n  - {name: buy, kind: macro, match: {path: /thanks}}\n"
        "alerts:\n  - {name: r, metric: summary.macro_conversion_rate, below: 0.1}\n"
    )

    assert problems_of(text) == [
        "goals.yaml:1:1: unknown key 'goal' at the top level "
        "(expected one of goals, funnels, alerts, source, exclude); did you mean 'goals'?"
    ]


def test_a_file_without_goals_is_told_why_the_nearest_figure_is_none() -> None:
    """The nearest path of a misspelt macro figure is made of goals, which the file has none
    of: the hint says so, rather than point at a figure the file has (the bounce rate)."""
    text = OWNER_ALONE + "alerts:\n  - {name: r, metric: summary.macro_rate, below: 1}\n"

    assert problems_of(text) == [
        "goals.yaml:5:23: unknown metric 'summary.macro_rate' (nearest path: "
        "summary.macro_revenue, but the goals file has no goals, so there is no macro "
        "conversion to count; add a goals: list) in alert 'r'"
    ]


def test_a_source_without_goals_refuses_a_rule_on_a_goal_figure_too() -> None:
    text = (
        "source: {timestamp: t, user_id: u, path: p}\n"
        "alerts:\n  - {name: r, metric: summary.macro_conversion_rate, below: 1%}\n"
    )

    assert problems_of(text) == [
        "goals.yaml:3:23: metric 'summary.macro_conversion_rate': the goals file has no goals, "
        f"so {NO_MACRO_CONVERSION} (add a goals: list) in alert 'r'"
    ]


# --- aliases ---------------------------------------------------------------------------------


def alias_bomb(levels: int) -> str:
    """A ``_x`` list of anchors, each a list of ten aliases of the one before: the last one
    stands for 10 ** (levels + 1) strings. ``&a4`` (a hundred thousand) is at line 6, column 5."""
    lines = ["_x:", "  - &a0 [" + ", ".join(["lol"] * 10) + "]"]
    lines += [f"  - &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("goal", "values", "nodes"),
    [
        pytest.param("{name: a, kind: macro, destination: /x}", "100,032", "32", id="beside-goals"),
        pytest.param(
            "{name: a, kind: macro, destination: {one_of: *a9}}", "100,033", "33", id="in-a-goal"
        ),
    ],
)
def test_alias_bomb_is_refused_without_expanding_it(goal: str, values: str, nodes: str) -> None:
    # Nine levels stand for ten billion strings: walked alias by alias, they took minutes and
    # gigabytes; the file is refused at ``&a4``, the first list to pass the limit.
    text = alias_bomb(9) + f"goals:\n  - {goal}\n"

    with pytest.raises(ConfigError) as info:
        parse_goals(text, path="goals.yaml")

    assert info.value.problems == [
        f"goals.yaml:6:5: too many aliases: they expand this list to more than {values} values "
        f"(the file itself holds {nodes})"
    ]
    assert info.value.exit_code == 2


def test_alias_within_the_list_it_names_is_refused() -> None:
    text = (
        one_goal("kind: macro", "destination: /x") + "funnels:\n  - {name: f, steps: &s [*s, *s]}\n"
    )

    assert problems_of(text) == [
        "goals.yaml:6:22: an alias within this list names the list itself "
        "(nothing can contain itself)"
    ]


def test_anchors_reused_by_hand_read_as_before() -> None:
    text = (
        "goals:\n"
        "  - {name: a, kind: macro, destination: &d {one_of: &paths [/a, /b]}}\n"
        "  - {name: b, kind: micro, destination: *d}\n"
        "  - {name: c, kind: micro, event: {action: {one_of: *paths}}}\n"
    )

    config = parse_goals(text, path="goals.yaml")

    paths = StringMatcher("one_of", ("/a", "/b"))
    assert [goal.destination for goal in config.goals[:2]] == [DestinationMatcher(paths)] * 2
    assert config.goals[2].event == EventMatcher(action=paths)


def test_merge_keys_are_still_reported_as_unsupported() -> None:
    text = "goals:\n  - &base {name: a, kind: macro, destination: /x}\n  - <<: *base\n    name: b\n"

    assert problems_of(text) == [
        "goals.yaml:3:5: merge keys ('<<') are not supported in goal 'b'",
        "goals.yaml:3:5: missing key 'kind' in goal 'b' (expected one of macro, micro)",
        f"goals.yaml:3:5: goal 'b' has no type key (expected exactly one of {TYPE_KEYS})",
    ]


# --- goal-level problems ---------------------------------------------------------------------


def test_unknown_key_in_a_goal() -> None:
    text = "goals:\n  - name: purchase\n    kind: macro\n    destination: /thanks\n    clik: 1\n"

    assert problems_of(text) == [
        f"goals.yaml:5:5: unknown key 'clik' in goal 'purchase' (expected one of {GOAL_KEYS})"
    ]


@pytest.mark.parametrize(
    ("lines", "problem"),
    [
        (
            ("kind: 3", "destination: /a"),
            "goals.yaml:3:11: invalid kind of goal 'a': expected one of macro, micro, "
            "got the number 3",
        ),
        (
            ("kind: macro", "destination: /a", "value: cheap"),
            "goals.yaml:5:12: invalid value of goal 'a': expected a number of 0 or more, "
            "event, or {from: COLUMN}, got the string 'cheap'",
        ),
        (
            ("kind: macro", "destination: /a", "value: -5"),
            "goals.yaml:5:12: invalid value of goal 'a': expected a number of 0 or more, "
            "event, or {from: COLUMN}, got the number -5",
        ),
        (
            ("kind: micro", "pages: {greater_than: -1}"),
            "goals.yaml:4:27: invalid greater_than in pages of goal 'a': "
            "expected a whole number of pages (0 or more), got the number -1",
        ),
        (
            ("kind: micro", "destination: true"),
            "goals.yaml:4:18: invalid destination of goal 'a': "
            "expected a string or a matcher mapping, got a boolean",
        ),
        (
            ("kind: micro", "event: {label: ~}"),
            "goals.yaml:4:20: invalid event label of goal 'a': "
            "expected a string or a matcher mapping, got null",
        ),
        (
            ("kind: micro", "duration: {greater_than: soon}"),
            "goals.yaml:4:30: invalid greater_than in duration of goal 'a': "
            "expected a duration like 90, 90s, 5m or 1h, got the string 'soon'",
        ),
        (
            ("kind: micro", "destination: {contains: x, case_sensitive: maybe}"),
            "goals.yaml:4:48: invalid case_sensitive in destination of goal 'a': "
            "expected true or false, got the string 'maybe'",
        ),
        (
            ("kind: micro", "destination: {one_of: []}"),
            "goals.yaml:4:27: invalid one_of in destination of goal 'a': "
            "expected a non-empty list of strings, got an empty list",
        ),
        (
            ("kind: micro", "destination: {begins_with: ''}"),
            "goals.yaml:4:32: empty pattern in begins_with in destination of goal 'a' "
            "(expected a non-empty string)",
        ),
        (
            ("kind: micro", "destination: /a", "count: sometimes"),
            "goals.yaml:5:12: invalid count of goal 'a': expected one of once_per_session, every, "
            "got the string 'sometimes'",
        ),
    ],
)
def test_wrong_types_and_values(lines: tuple[str, ...], problem: str) -> None:
    assert problems_of(one_goal(*lines)) == [problem]


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("destination: {regex: '('}", "goals.yaml:4:26: invalid regex '(': unclosed group"),
        (
            "event: {label: {regex: '(?<=a)b'}}",
            "goals.yaml:4:28: invalid regex '(?<=a)b': "
            "look-around, including look-ahead and look-behind, is not supported",
        ),
        (  # 100,000 k's compile; ignoring case, each also K and the Kelvin sign, they do not
            "destination: {regex: '^/k{100000}'}",
            "goals.yaml:4:26: invalid regex '^/k{100000}': Compiled regex exceeds size limit "
            "of 10485760 bytes (ignoring case; it compiles with case_sensitive: true)",
        ),
        (
            "destination: {glob: '/" + "*" * 50_000 + "'}",
            "goals.yaml:4:25: invalid glob '/" + "*" * 76 + "…': Compiled regex exceeds size "
            "limit of 10485760 bytes",
        ),
    ],
)
def test_bad_regex(line: str, problem: str) -> None:
    assert problems_of(one_goal("kind: micro", line)) == [problem]


def test_a_regex_too_large_only_ignoring_case_loads_minding_it() -> None:
    goal = only_goal(
        one_goal("kind: micro", "destination: {regex: '^/k{100000}', case_sensitive: true}")
    )
    assert goal.destination == DestinationMatcher(
        StringMatcher("regex", "^/k{100000}", case_sensitive=True)
    )


@pytest.mark.parametrize("case_sensitive", [False, True])
def test_a_regex_with_a_comment_matches_what_it_says(case_sensitive: bool) -> None:
    # (?x) makes # start a comment, up to the end of the pattern: ignoring case, the pattern
    # was wrapped in a group whose closing parenthesis the comment took in, and every report
    # failed on it.
    flag = f", case_sensitive: {str(case_sensitive).lower()}"
    goals = parse_goals(
        "goals:\n"
        f"  - {{name: a, kind: micro, destination: {{regex: '(?x)^/a # note'{flag}}}}}\n"
        f"  - {{name: b, kind: micro, event: {{label: {{regex: '(?x)^/form # f'{flag}}}}}}}\n",
        path="goals.yaml",
    ).goals
    hits = pl.DataFrame(
        {
            "kind": ["page", "page", "page", "event", "event", "event"],
            "path": ["/a", "/A", "/b", None, None, None],
            "event_label": [None, None, None, "/form", "/FORM", "/other"],
        }
    )
    tests = [(goal.name, hit_match(goal)) for goal in goals]
    matched = hits.select(test.alias(name) for name, test in tests if test is not None)
    assert matched.to_dict(as_series=False) == {
        "a": [True, not case_sensitive, False, False, False, False],
        "b": [False, False, False, True, not case_sensitive, False],
    }


def test_duplicate_goal_name() -> None:
    text = (
        "goals:\n"
        "  - name: a\n"
        "    kind: macro\n"
        "    destination: /a\n"
        "  - name: a\n"
        "    kind: micro\n"
        "    destination: /b\n"
    )

    assert problems_of(text) == ["goals.yaml:5:11: duplicate goal name 'a' (first used at line 2)"]


def test_duplicate_mapping_key() -> None:
    text = one_goal("kind: macro", "destination: /a", "kind: micro")

    assert problems_of(text) == [
        "goals.yaml:5:5: duplicate key 'kind' in goal 'a' (first at line 3)"
    ]


def test_no_type_key() -> None:
    assert problems_of(one_goal("kind: macro")) == [
        f"goals.yaml:2:5: goal 'a' has no type key (expected exactly one of {TYPE_KEYS})"
    ]


def test_two_type_keys() -> None:
    text = one_goal("kind: micro", "destination: /a", "pages: {greater_than: 2}")

    assert problems_of(text) == [
        "goals.yaml:5:5: goal 'a' has several type keys: destination, pages "
        f"(expected exactly one of {TYPE_KEYS})"
    ]


def test_type_that_disagrees_with_the_type_key() -> None:
    text = one_goal("kind: micro", "type: event", "destination: /a")

    assert problems_of(text) == [
        "goals.yaml:4:11: type event of goal 'a' disagrees with its destination key "
        "(expected type: destination, or no type)"
    ]


def test_category_on_a_macro_goal() -> None:
    text = one_goal("kind: macro", "category: secondary_action", "destination: /a")

    assert problems_of(text) == [
        "goals.yaml:4:5: category applies only to micro goals, but goal 'a' is macro"
    ]


def test_include_query_outside_destination_is_an_unknown_key() -> None:
    text = one_goal("kind: micro", "event: {label: {equals: /a, include_query: true}}")

    assert problems_of(text) == [
        "goals.yaml:4:33: unknown key 'include_query' in event label of goal 'a' "
        f"(expected one of {MATCHER_KEYS})"
    ]


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        (
            "event: {case_sensitive: true}",
            "goals.yaml:4:12: event of goal 'a' has nothing to match "
            "(expected one or more of category, action, label, name, value)",
        ),
        (
            "destination: {case_sensitive: true}",
            "goals.yaml:4:18: destination of goal 'a' has no match operator "
            "(expected exactly one of equals, begins_with, contains, regex, glob, one_of)",
        ),
        (
            "duration: {equals: 5m}",
            "goals.yaml:4:16: unknown key 'equals' in duration of goal 'a' "
            "(expected one of greater_than, less_than)",
        ),
        (
            "duration: {greater_than: 1h, less_than: 5m}",
            "goals.yaml:4:15: impossible range in duration of goal 'a': "
            "greater_than 1h is not less than less_than 5m",
        ),
        (
            "pages: {greater_than: 3, less_than: 4}",
            "goals.yaml:4:12: impossible range in pages of goal 'a': "
            "no whole number is greater than 3 and less than 4",
        ),
        (
            "duration: {less_than: 0s}",
            "goals.yaml:4:15: impossible range in duration of goal 'a': "
            "less_than 0s is not above 0 s, the shortest a session lasts (one of a single hit)",
        ),
        (
            "duration: {less_than: 0}",
            "goals.yaml:4:15: impossible range in duration of goal 'a': "
            "less_than 0 is not above 0 s, the shortest a session lasts (one of a single hit)",
        ),
        (
            "pages: {less_than: 0}",
            "goals.yaml:4:12: impossible range in pages of goal 'a': "
            "less_than 0 is not above 0, the fewest pageviews a session has (less_than 1 "
            "matches a session of downloads or events only)",
        ),
    ],
)
def test_matchers_and_conditions_that_cannot_work(line: str, problem: str) -> None:
    assert problems_of(one_goal("kind: micro", line)) == [problem]


GLOB_PATHS = ["/a/c.html", "/a/b/c.html", "/a/b/d/c.html", "/c.html", "/ab/c.html", "/a/bc.html"]


@pytest.mark.parametrize(
    ("glob", "matched"),
    [  # **/ starting a segment is zero or more whole segments, as gitignore reads it
        ("/a/**/c.html", ["/a/c.html", "/a/b/c.html", "/a/b/d/c.html"]),
        ("/**/c.html", ["/a/c.html", "/a/b/c.html", "/a/b/d/c.html", "/c.html", "/ab/c.html"]),
        ("**/c.html", ["/a/c.html", "/a/b/c.html", "/a/b/d/c.html", "/c.html", "/ab/c.html"]),
        # ** elsewhere is anything, / included; * stays within a segment
        ("/a**/c.html", ["/a/c.html", "/a/b/c.html", "/a/b/d/c.html", "/ab/c.html"]),
        ("/a/**", ["/a/c.html", "/a/b/c.html", "/a/b/d/c.html", "/a/bc.html"]),
        ("/a/*/c.html", ["/a/b/c.html"]),
    ],
)
def test_a_glob_matches_the_paths_it_says(glob: str, matched: list[str]) -> None:
    (goal,) = parse_goals(
        f"goals:\n  - {{name: a, kind: micro, destination: {{glob: '{glob}'}}}}\n",
        path="goals.yaml",
    ).goals
    test = hit_match(goal)
    assert test is not None
    pages = pl.DataFrame({"kind": "page", "path": GLOB_PATHS})
    assert pages.filter(test).get_column("path").to_list() == matched


def test_fewer_than_1_page_and_1_second_are_the_sessions_with_none() -> None:
    # Visitor .1 downloads a PDF and leaves (0 pageviews, 0 s); .2 views a page and downloads
    # the PDF 5 s later (1 pageview, 5 s); .3 views two pages 1 s apart (2 pageviews, 1 s).
    goals = parse_goals(
        "goals:\n"
        "  - {name: no_page, kind: micro, pages: {less_than: 1}}\n"
        "  - {name: one_hit, kind: micro, duration: {less_than: 1s}}\n",
        path="goals.yaml",
    ).goals
    lines = [
        combined_line("/files/a.pdf", ip="192.0.2.1", time="02/Nov/2026:09:00:00 +0000"),
        combined_line("/", ip="192.0.2.2", time="02/Nov/2026:09:00:00 +0000"),
        combined_line("/files/a.pdf", ip="192.0.2.2", time="02/Nov/2026:09:00:05 +0000"),
        combined_line("/", ip="192.0.2.3", time="02/Nov/2026:09:00:00 +0000"),
        combined_line("/about", ip="192.0.2.3", time="02/Nov/2026:09:00:01 +0000"),
    ]
    hits = sessionize(classify(lines).filter(pl.col("bucket").is_in(COUNTED_BUCKETS)))
    conversions = session_conversions(hits, session_table(hits), goals)
    assert conversions.sort("pageviews").select("pageviews", "goal_0", "goal_1").rows() == [
        (0, 1, 1),
        (1, 0, 0),
        (2, 0, 0),
    ]


# --- warnings --------------------------------------------------------------------------------


def test_three_macro_goals_and_a_pointless_count_every_are_warnings() -> None:
    text = (
        "goals:\n"
        "  - {name: a, kind: macro, destination: /a}\n"
        "  - {name: b, kind: macro, destination: /b}\n"
        "  - {name: c, kind: macro, destination: /c}\n"
        "  - {name: d, kind: micro, duration: {greater_than: 5m}, count: every}\n"
    )

    config = parse_goals(text, path="goals.yaml")

    assert [goal.name for goal in config.goals] == ["a", "b", "c", "d"]
    assert config.goals[3].count == "every"
    assert config.warnings == (
        "goals.yaml:4:5: 3 macro goals: the guidance is to keep macro goals to one or two",
        "goals.yaml:5:65: count: every has no effect on duration goal 'd' "
        "(it converts at most once per session anyway)",
    )


# --- several problems ------------------------------------------------------------------------


def test_all_problems_are_reported_in_file_order(capsys: pytest.CaptureFixture[str]) -> None:
    text = (
        "goals:\n"
        "  - name: a\n"
        "    kind: macro\n"
        "    destination: {begins_with: ''}\n"
        "    value: -5\n"
        "  - name: b\n"
        "    kind: mikro\n"
        "    pages: {greater_than: 5, less_than: 2}\n"
        "    clik: 1\n"
        "  - name: a\n"
        "    kind: micro\n"
        "    destination: /x\n"
    )

    with pytest.raises(ConfigError) as info:
        parse_goals(text, path="goals.yaml")

    assert info.value.problems == [
        "goals.yaml:4:32: empty pattern in begins_with in destination of goal 'a' "
        "(expected a non-empty string)",
        "goals.yaml:5:12: invalid value of goal 'a': expected a number of 0 or more, "
        "event, or {from: COLUMN}, got the number -5",
        "goals.yaml:7:11: invalid kind of goal 'b': expected one of macro, micro, "
        "got the string 'mikro'",
        "goals.yaml:8:12: impossible range in pages of goal 'b': "
        "greater_than 5 is not less than less_than 2",
        f"goals.yaml:9:5: unknown key 'clik' in goal 'b' (expected one of {GOAL_KEYS})",
        "goals.yaml:10:11: duplicate goal name 'a' (first used at line 2)",
    ]
    assert str(info.value) == info.value.problems[0]
    assert info.value.exit_code == 2
    assert capsys.readouterr() == ("", "")


# Pieces of goals files, valid and not, that random texts are made of: with the characters of
# YAML's syntax alone no text could name a goal, and every outcome would be an error.
_PIECES = [
    "goals:", "\n", "\n  - ", "  ", "{", "}", "[", "]", ", ", ": ", "name: a", "name: b",
    "kind: macro", "kind: micro", "destination: /a", "destination: {glob: /a/*}",
    "pages: {greater_than: 2}", "duration: {less_than: 1m}", "event: {action: POST}", "'", '"',
    "#", "&x ", "*x", "!!str ", "? ", "0", "5", "x", "funnels:", "steps: [/a, /b]",
]  # fmt: skip
_TEXTS = st.one_of(
    st.text(alphabet=st.sampled_from(list("goals:- \n\t{}[]'\"#&*!?,.05mx")), max_size=60),
    st.lists(st.sampled_from(_PIECES), max_size=16).map("".join),
)


@settings(max_examples=300, deadline=None)
@given(_TEXTS)
@example("goals:\n  - name: a\n    kind: macro\n    destination: /a")
def test_any_text_gives_a_config_or_a_config_error(text: str) -> None:
    try:
        outcome: GoalsConfig | ConfigError = parse_goals(text, path="goals.yaml")
    except ConfigError as exc:
        outcome = exc

    if isinstance(outcome, ConfigError):
        assert outcome.problems
        assert all(problem.startswith("goals.yaml:") for problem in outcome.problems)
    else:
        assert len(outcome.goals) >= 1


# --- load_goals ------------------------------------------------------------------------------


def test_load_goals_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "goals.yaml"
    path.write_text("\ufeffgoals:\n  - {name: a, kind: micro, pages: {less_than: 2}}\n", "utf-8")

    config = load_goals(path)

    assert config.path == str(path)
    assert config.goals[0].line == 2


def test_load_goals_names_the_file_in_problems(tmp_path: Path) -> None:
    path = tmp_path / "goals.yaml"
    path.write_text("goals: []\n", encoding="utf-8")

    with pytest.raises(ConfigError) as info:
        load_goals(str(path))

    assert info.value.problems == [
        f"{path}:1:8: the goals list is empty (expected at least one goal)"
    ]


def test_load_goals_on_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "missing.yaml"

    with pytest.raises(ConfigError) as info:
        load_goals(path)

    assert info.value.problems == [f"{path}: cannot read goals file: No such file or directory"]


def test_load_goals_on_a_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_goals(tmp_path)

    assert info.value.problems == [f"{tmp_path}: cannot read goals file: Is a directory"]


@pytest.mark.parametrize(
    ("data", "where", "byte"),
    [
        (b"goals: \xff\n", "1:8", "0xff"),
        # Windows-1252 text (é as 0xe9) after a byte-order mark and a line with an accent.
        (b"\xef\xbb\xbfgoals:\n  - name: caf\xc3\xa9 caf\xe9\n", "2:19", "0xe9"),
        # lines ended by a lone CR (old Mac) or CRLF: the line the text is read with
        (b"goals:\r  - name: g\r    destination: /x\xff\r", "3:20", "0xff"),
        (b"goals:\r\n  - name: g\r\n    destination: /x\xff\r\n", "3:20", "0xff"),
    ],
)
def test_a_byte_not_utf8_is_named_by_line_and_column(
    tmp_path: Path, data: bytes, where: str, byte: str
) -> None:
    """The line and column an editor shows, as for every other problem, not a byte offset."""
    path = tmp_path / "goals.yaml"
    path.write_bytes(data)
    with pytest.raises(ConfigError) as info:
        load_goals(path)
    assert info.value.problems == [
        f"{path}:{where}: cannot read goals file: not valid UTF-8 (byte {byte})"
    ]


def test_a_file_too_large_for_a_goals_file_is_not_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A log named as the goals file (``check access.log``) was read whole, 250 MB in 8 s, and
    ``/dev/zero`` until memory ran out: past the bound it is no goals file, said at once."""
    monkeypatch.setattr(goals_file, "MAX_GOALS_BYTES", 1000)
    path = tmp_path / "access.log"
    path.write_text("goals: []\n" + "# a comment\n" * 100)
    with pytest.raises(ConfigError) as info:
        load_goals(path)
    assert info.value.problems == [
        f"{path}: cannot read goals file: larger than 0 MB, so no goals file (a log named in "
        "its place?)"
    ]
    path.write_text(
        "# a comment\r\n" * 10 + "goals:\r\n  - {name: a, kind: macro, destination: /x}\r\n"
    )
    assert [goal.name for goal in load_goals(path).goals] == ["a"]  # within it: read, CRLF too


def test_a_goals_file_name_not_utf8_is_shown_with_escapes(tmp_path: Path) -> None:
    """A byte of the name that is no UTF-8 (0x9b, a terminal's control sequence start on an
    8-bit terminal) is shown as ``\\x9b`` in every message, as every other name is."""
    path = tmp_path / "goals\udc9b.yaml"
    path.write_bytes(b"goals: 3\n")
    with pytest.raises(ConfigError) as info:
        load_goals(path)
    assert info.value.problems[0].startswith(f"{tmp_path}/goals\\x9b.yaml:1:8: ")
    path.unlink()
    with pytest.raises(ConfigError) as info:
        load_goals(path)
    assert info.value.problems == [
        f"{tmp_path}/goals\\x9b.yaml: cannot read goals file: No such file or directory"
    ]


def test_a_log_given_as_the_goals_file_is_quoted_in_part(tmp_path: Path) -> None:
    line = '66.249.66.148 - - [02/Nov/2026:00:19:52 +0100] "GET /contact HTTP/1.1" 200 2048'
    path = tmp_path / "access.log"
    path.write_text(f"{line}\n" * 1000, encoding="utf-8")

    with pytest.raises(ConfigError) as info:
        load_goals(path)

    quoted = "'" + line[:77] + "…'"
    assert info.value.problems == [
        f"{path}:1:1: invalid goals file: expected a mapping with a 'goals' list, 'funnels', "
        f"'exclude' or 'source', got the string {quoted}"
    ]


def test_long_values_are_cut_in_messages_and_stay_escaped() -> None:
    # The name is an escape sequence and 200 n's, the regex an open group and 200 x's.
    name, regex = "\\e[31m" + "n" * 200, "(" + "x" * 200
    text = f'goals:\n  - {{name: "{name}", kind: 3,\n      destination: {{regex: "{regex}"}}}}\n'

    # 80 characters: the quotes, the escape, 69 n's and the ellipsis.
    quoted_name = "'\\x1b[31m" + "n" * 69 + "…'"
    assert problems_of(text) == [
        f"goals.yaml:2:228: invalid kind of goal {quoted_name}: "
        "expected one of macro, micro, got the number 3",
        "goals.yaml:3:28: invalid regex '(" + "x" * 76 + "…': unclosed group",
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "goals:\n  - name: purchase\n    kind: macro\n    destination: /thanks\n"
            "    cout: every\n"
            "funnels:\n  - name: checkout\n    steps: [/cart]\n    goal: purchase\n"
            "alerts:\n  - name: a\n    metric: goals.purchase.conversion_rate\n    below: 0.1\n",
            "goals.yaml:5:5: unknown key 'cout' in goal 'purchase' (expected one of name, kind, "
            "type, category, destination, duration, pages, event, count, value); did you mean "
            "'count'?",
        ),
        (
            "goals:\n  - name: purchase\n    kind: macro\n    destination: {regex: '('}\n"
            "alerts:\n  - name: a\n    metric: goals.purchase.conversion_rate\n    below: 0.1\n",
            "goals.yaml:4:26: invalid regex '(': unclosed group",
        ),
    ],
)
def test_a_goal_with_a_problem_makes_no_second_one_where_it_is_named(
    text: str, problem: str
) -> None:
    """A funnel's ``goal:`` and an alert's metric naming a goal that does not read were
    reported too ("names unknown goal 'purchase' (goals: none defined)", "unknown metric")."""
    assert problems_of(text) == [problem]


def test_a_misspelt_type_key_is_one_problem() -> None:
    """``destinaton:`` is an unknown key; "has no type key" came first and misled."""
    text = "goals:\n  - name: purchase\n    kind: macro\n    destinaton: /thanks\n"

    assert problems_of(text) == [
        f"goals.yaml:4:5: unknown key 'destinaton' in goal 'purchase' (expected one of {GOAL_KEYS})"
        "; did you mean 'destination'?"
    ]


@pytest.mark.parametrize(
    ("destination", "problem"),
    [
        (
            "/thanks?order=1",
            "'/thanks?order=1' holds a query, and the path is matched without one: it matches "
            "no hit (add include_query: true to match path and query)",
        ),
        (
            "https://shop.example/thanks",
            "'https://shop.example/thanks' is a URL: a destination is a path (/thanks), so it "
            "matches no hit",
        ),
        ("thanks", "'thanks' does not start with /, as a path does: it matches no hit"),
        (
            "{begins_with: '/thanks#done'}",
            "'/thanks#done' holds a fragment (#…), which browsers never send: it matches no hit",
        ),
        ("{equals: '/thanks?order=1', include_query: true}", None),
        ("{regex: 'thanks'}", None),
        (
            "//shop.example/thanks",
            "'//shop.example/thanks' is a URL: a destination is a path (/thanks), so it "
            "matches no hit",
        ),
        ("//thank-you", None),  # a path a sloppy link logs, as suggest proposes it
        (
            "{glob: 'products/*'}",
            "'products/*' does not start with /, as a path does: it matches no hit",
        ),
        ("{glob: '*/thanks'}", None),
        ("{glob: '/thanks?'}", None),  # a glob's ? is a wildcard
        (
            "{contains: '?q='}",
            "'?q=' holds a query, and the path is matched without one: it "
            "matches no hit (add include_query: true to match path and query)",
        ),
        ("{contains: '?q=', include_query: true}", None),
        ("{contains: thanks}", None),
    ],
)
def test_a_destination_that_matches_no_hit_is_a_warning(
    destination: str, problem: str | None
) -> None:
    """As Google Analytics' destination goals were written (a URL, a query): they passed
    check and counted 0 without a word."""
    config = parse_goals(
        f"goals:\n  - name: buy\n    kind: macro\n    destination: {destination}\n", "goals.yaml"
    )
    expected = (
        () if problem is None else (f"goals.yaml:4:18: destination of goal 'buy': {problem}",)
    )
    assert config.warnings == expected


@pytest.mark.parametrize(
    ("written", "shown", "why"),
    [
        ("1" + "0" * 400, "1" + "0" * 78 + "…", "too large"),  # no double holds it
        ("1.0e+999", "1.0e+999", "too large"),
        ("-.inf", "-.inf", "too large"),
        (".nan", ".nan", "not a number"),
    ],
)
def test_a_number_beyond_any_double_is_a_problem_that_says_so(
    written: str, shown: str, why: str
) -> None:
    assert problems_of(
        one_goal("kind: micro", f"event: {{value: {{greater_than: {written}}}}}")
    ) == [
        "goals.yaml:4:35: invalid greater_than in event value of goal 'a': expected a number, "
        f"got the number {shown} ({why})"
    ]


def test_a_number_in_exponent_form_is_a_number() -> None:
    """YAML 1.1 reads 1e3 (no dot, no sign in the exponent) as text: written plain it is the
    number people mean; quoted it stays text, and a number too large says it is one."""
    value = only_goal(one_goal("kind: macro", "destination: /thanks", "value: 1e3"))
    assert value.value == 1000.0
    config = parse_goals(one_goal("kind: micro", "event: {value: {greater_than: -.5}}"))
    (signed,) = config.goals  # (a warning: an access log's events have no value)
    assert signed.event is not None
    assert signed.event.value == NumberCondition(greater_than=-0.5)  # as .5 is 0.5
    duration = only_goal(one_goal("kind: micro", "duration: {greater_than: 1e3}"))
    assert duration.condition == NumberCondition(greater_than=1000.0)
    assert problems_of(one_goal("kind: macro", "destination: /thanks", 'value: "1e3"')) == [
        "goals.yaml:5:12: invalid value of goal 'a': expected a number of 0 or more, event, or "
        "{from: COLUMN}, got the string '1e3'"
    ]
    assert problems_of(one_goal("kind: macro", "destination: /thanks", "value: 1.5e16")) == [
        "goals.yaml:5:12: invalid value of goal 'a': expected a number of at most 1e15 (no "
        "value is larger), got the number 1.5e16"
    ]


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("duration: {greater_than: 1:30}", "4:30: invalid greater_than in duration of goal 'a': "
         "expected a duration like 90, 90s, 5m or 1h, got the number 1:30 (which YAML reads as "
         "90 in base 60; a duration is written 2h or 90m)"),
        ("pages: {greater_than: 010}", "4:27: invalid greater_than in pages of goal 'a': "
         "expected a whole number of pages (0 or more), got the number 010 (which YAML reads "
         "as 8)"),
        ("pages: {greater_than: 0x10}", "4:27: invalid greater_than in pages of goal 'a': "
         "expected a whole number of pages (0 or more), got the number 0x10 (which YAML reads "
         "as 16)"),
        ("event: {value: {greater_than: 1_000}}", "4:35: invalid greater_than in event value "
         "of goal 'a': expected a number, got the number 1_000 (which YAML reads as 1000)"),
        # where no number is meant, the same words: no advice to write a number
        ("kind: 010", "3:11: invalid kind of goal 'a': expected one of macro, micro, got the "
         "number 010 (which YAML reads as 8)"),
    ],
)  # fmt: skip
def test_a_number_yaml_reads_its_own_old_way_is_a_problem(line: str, problem: str) -> None:
    """YAML 1.1 reads 1:30 in base 60 (90), 010 in octal (8), 0x10 in hex and 1_000 without
    its underscore: no one means those, and a goals file given them said OK, counting a
    session of 1 h 30 min against 90 s. Each is a problem that says what YAML made of it;
    ``00`` and ``-0`` are 0 either way, and read."""
    kind = [] if line.startswith("kind:") else ["kind: micro"]
    assert problems_of(one_goal(*kind, line))[-1] == f"goals.yaml:{problem}"
    assert only_goal(one_goal("kind: micro", "pages: {greater_than: 00}")).condition == (
        NumberCondition(greater_than=0.0)
    )


@pytest.mark.parametrize(("typo", "key"), [("nmae", "name"), ("kidn", "kind"), ("knid", "kind")])
def test_a_misspelt_required_key_is_one_problem(typo: str, key: str) -> None:
    """``nmae:`` is one problem, its "did you mean", not also "missing key 'name'"."""
    lines = {"name": "name: buy", "kind": "kind: macro"}
    lines[key] = f"{typo}: {'buy' if key == 'name' else 'macro'}"
    text = "goals:\n  - " + "\n    ".join([*lines.values(), "destination: /thanks"]) + "\n"
    (problem,) = problems_of(text)
    assert problem.endswith(f"did you mean {key!r}?")


@pytest.mark.parametrize(
    ("key", "hint"),
    [
        ("page", "a page reached is a destination goal: destination: /thank-you"),
        ("URL", "a page reached is a destination goal: destination: /thank-you"),
        ("Kind", "did you mean 'kind'?"),
        ("destinaton", "did you mean 'destination'?"),
        ("tpye", "did you mean 'type'?"),  # a short key's two letters swapped
        ("cout", "did you mean 'count'?"),  # a short key's letter left out
    ],
)
def test_an_unknown_goal_key_is_told_what_was_meant(key: str, hint: str) -> None:
    """``page: /thank-you`` is no ``pages:`` (a count of pages a session) however near it is
    spelt: a page reached is a destination goal; a key in capitals is the key it spells."""
    problems = problems_of(f"goals:\n  - name: buy\n    kind: macro\n    {key}: /thank-you\n")
    assert problems[0] == (
        f"goals.yaml:4:5: unknown key {key!r} in goal 'buy' (expected one of {GOAL_KEYS}); {hint}"
    )
