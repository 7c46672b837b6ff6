"""The ``goals:`` and ``funnels:`` sections of a goals file: each goal with its matcher or
condition, and each funnel with its steps, checked field by field into the ``goals`` model.

Every reader reports its problems to the ``Findings`` of the file (``goals_yaml``) and returns
None (or leaves the item out) when it found any.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from functools import cache

import polars as pl
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from micromacro.dimensions import QUERY_PREFIX
from micromacro.goals import (
    DEFAULT_VISITOR_WITHIN_S,
    EVENT_FIELDS,
    FUNNEL_ENTRIES,
    FUNNEL_ORDERS,
    FUNNEL_SCOPES,
    GOAL_TYPES,
    HIT_VALUE_COLUMNS,
    MATCH_OPS,
    CountMode,
    DestinationMatcher,
    EventMatcher,
    Funnel,
    FunnelStep,
    Goal,
    GoalCategory,
    GoalKind,
    GoalType,
    HitMatcher,
    MatchOp,
    NumberCondition,
    SourceMapping,
    StringMatcher,
)
from micromacro.goals_yaml import (
    INT_TAG,
    STR_TAG,
    Entries,
    Findings,
    duration_seconds,
    has_rejected_keys,
    item_label,
    mapping_entries,
    read_choice,
    read_flag,
    read_name,
    read_named_list,
    read_number,
    read_one_of,
    read_optional_choice,
    read_required_choice,
    read_text,
    report_wrong,
    tag_of,
)
from micromacro.hit_schema import HIT_SCHEMA, MAX_VALUE
from micromacro.text import quoted

GOAL_KEYS: tuple[str, ...] = ("name", "kind", "type", "category", *GOAL_TYPES, "count", "value")
GOAL_KINDS: tuple[GoalKind, ...] = ("macro", "micro")
GOAL_CATEGORIES: tuple[GoalCategory, ...] = ("process_milestone", "secondary_action")
COUNT_MODES: tuple[CountMode, ...] = ("once_per_session", "every")
EVENT_KEYS: tuple[str, ...] = (*EVENT_FIELDS, "value", "case_sensitive")
DURATION_KEYS: tuple[str, ...] = ("greater_than", "less_than")
NUMBER_KEYS: tuple[str, ...] = ("greater_than", "less_than", "equals")
MAX_MACRO_GOALS = 2
FUNNEL_KEYS: tuple[str, ...] = (
    "name", "scope", "entry", "order", "within", "within_step", "steps", "goal",
)  # fmt: skip
STEP_KEYS: tuple[str, ...] = ("name", "destination", "event", "any_of")
STEP_MATCHER_KEYS: tuple[str, ...] = ("destination", "event")
MIN_FUNNEL_STEPS = 2


# --- goals -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Inputs:
    """What the goals are matched on, for the values they take from the data: access logs
    (``exports`` false), or event exports mapped by ``source`` (None when that section has
    problems of its own, which are reported there)."""

    exports: bool = False
    source: SourceMapping | None = None


def read_goal_list(node: Node, findings: Findings, inputs: Inputs = Inputs()) -> list[Goal]:
    """Read every goal of the ``goals`` list; also checks unique names and the macro count."""
    if not isinstance(node, SequenceNode):
        report_wrong(findings, node, "goals", "a list of goals")
        return []
    if not node.value:
        findings.error(node, "the goals list is empty (expected at least one goal)")
        return []
    name_lines: dict[str, int] = {}
    goals: list[Goal] = []
    macro_nodes: list[Node] = []
    for index, item in enumerate(node.value, start=1):
        goal = _read_goal(item, index, name_lines, findings, inputs)
        if goal is not None:
            goals.append(goal)
            if goal.kind == "macro":
                macro_nodes.append(item)
    if len(macro_nodes) > MAX_MACRO_GOALS:
        findings.warn(
            macro_nodes[MAX_MACRO_GOALS],
            f"{len(macro_nodes)} macro goals: the guidance is to keep macro goals to one or two",
        )
    return goals


def _read_goal(
    node: Node, index: int, name_lines: dict[str, int], findings: Findings, inputs: Inputs
) -> Goal | None:
    """Read one goal mapping; returns None when it has any problem (all of them reported)."""
    if not isinstance(node, MappingNode):
        report_wrong(findings, node, f"goal #{index}", "a mapping with name, kind and a type key")
        return None
    errors_before = len(findings.errors)
    label = item_label(node, index)
    entries = mapping_entries(node, findings, f"in {label}", GOAL_KEYS)
    name = read_name(node, entries, label, name_lines, findings)
    kind = read_required_choice(node, entries, "kind", label, GOAL_KINDS, findings)
    goal_type, parsed = _read_goal_type(node, entries, label, findings)
    category = _read_category(entries, kind, label, findings)
    count = _read_count(entries, goal_type, label, findings)
    value, value_from = _read_goal_value(entries, goal_type, label, findings, inputs)
    if len(findings.errors) > errors_before or name is None or kind is None or goal_type is None:
        return None
    destination, event, condition = parsed
    if event is not None and not inputs.exports:
        _warn_of_access_log_events(node, event, label, findings)
    return Goal(
        name=name,
        kind=kind,
        type=goal_type,
        category=category,
        destination=destination,
        event=event,
        condition=condition,
        count=count,
        value=value,
        value_from=value_from,
        line=node.start_mark.line + 1,
    )


def _warn_of_access_log_events(
    node: Node, event: EventMatcher, label: str, findings: Findings
) -> None:
    """A warning for an event goal on access logs that tests what their events lack: a name
    or a value (an access log's event is a POST, a download or another request: its category,
    its method as action, its path as label)."""
    lacking = [key for key in ("name", "value") if getattr(event, key) is not None]
    if lacking:
        findings.warn(
            node,
            f"event of {label} tests its {' and '.join(lacking)}, which the events of an access "
            "log do not have (category request or download, the method as action, the path as "
            "label): it matches no hit of a log (a source: section reads event exports)",
        )


def _read_category(
    entries: Entries, kind: str | None, label: str, findings: Findings
) -> GoalCategory | None:
    """Return the micro goal's category (or None); a category on a macro goal is an error."""
    if "category" not in entries:
        return None
    key_node, value_node = entries["category"]
    if kind == "macro":
        findings.error(key_node, f"category applies only to micro goals, but {label} is macro")
    return read_choice(value_node, findings, f"category of {label}", GOAL_CATEGORIES)


def _read_count(
    entries: Entries, goal_type: GoalType | None, label: str, findings: Findings
) -> CountMode:
    """Return the count mode (default ``once_per_session``); warns on a pointless ``every``."""
    if "count" not in entries:
        return "once_per_session"
    value_node = entries["count"][1]
    count = (
        read_choice(value_node, findings, f"count of {label}", COUNT_MODES) or "once_per_session"
    )
    if count == "every" and goal_type in ("duration", "pages"):
        findings.warn(
            value_node,
            f"count: every has no effect on {goal_type} {label} "
            "(it converts at most once per session anyway)",
        )
    return count


_VALUE_EXPECTED = "a number of 0 or more, event, or {from: COLUMN}"
_VALUE_BOUND = "a number of at most 1e15 (no value is larger)"


def _read_goal_value(
    entries: Entries, goal_type: GoalType | None, label: str, findings: Findings, inputs: Inputs
) -> tuple[float | None, str | None]:
    """The goal's value per conversion: a fixed number (0 to ``MAX_VALUE``), or the column of the
    matching hit it is taken from (``value: event`` is ``event_value``; ``value: {from: COLUMN}``);
    (None, None) when absent or invalid (reported)."""
    if "value" not in entries:
        return None, None
    node = entries["value"][1]
    subject = f"value of {label}"
    if isinstance(node, MappingNode):
        column = _read_value_from(node, subject, findings)
        written = f"from {quoted(column or '')}"
    elif isinstance(node, ScalarNode) and tag_of(node) == STR_TAG and node.value == "event":
        column, written = "event_value", "event"
    else:
        number = read_number(node)
        if number is None or number < 0:
            report_wrong(findings, node, subject, _VALUE_EXPECTED)
            return None, None
        if number > MAX_VALUE:
            report_wrong(findings, node, subject, _VALUE_BOUND)
            return None, None
        return number, None
    if column is None:
        return None, None
    if goal_type in ("duration", "pages"):
        findings.error(
            node,
            f"{subject} is taken from a hit, but a {goal_type} goal converts a whole session "
            "(a value from the data needs a destination or event goal; or give a number)",
        )
        return None, None
    if written == "event" and goal_type == "destination":
        findings.error(
            node,
            f"{subject} is event (the matching event's value), but {label} is a destination "
            "goal (take it from a column, value: {from: COLUMN}, or give a number)",
        )
        return None, None
    if not _value_column_ok(column, f"{subject} is {written}", node, findings, inputs):
        return None, None
    return None, column


def _read_value_from(node: MappingNode, subject: str, findings: Findings) -> str | None:
    """The column of ``value: {from: COLUMN}``, or None (reported)."""
    fields = mapping_entries(node, findings, f"in {subject}", ("from",))
    if "from" not in fields:
        if not has_rejected_keys(node, fields):
            findings.error(node, f"missing key 'from' in {subject} (expected {{from: COLUMN}})")
        return None
    from_node = fields["from"][1]
    column = read_text(from_node, findings, f"from in {subject}", "a column name")
    if column == "" or column == QUERY_PREFIX:
        expected = "a column name" if column == "" else "query: and a parameter name (query:total)"
        report_wrong(findings, from_node, f"from in {subject}", expected)
        return None
    return column


def _value_column_ok(
    column: str, says: str, node: Node, findings: Findings, inputs: Inputs
) -> bool:
    """Whether the hits of ``inputs`` can hold a goal's value in ``column``; reports why not
    (``says``: what the goal says, for the message)."""
    if column.startswith(QUERY_PREFIX):
        return True
    if not inputs.exports:
        missing = (
            "access-log events carry no value"
            if column == "event_value"
            else "access logs have no such column"
        )
        findings.error(
            node,
            f"{says}, but {missing} (an access log's value is a query parameter of the hit's "
            "URL: value: {from: query:NAME})",
        )
        return False
    source = inputs.source
    if column in HIT_VALUE_COLUMNS:
        if source is not None and source.preset is None and getattr(source, column) is None:
            findings.error(
                node,
                f"{says}, but the source section maps no {column} column (add {column}: "
                "COLUMN to source, or use a preset)",
            )
            return False
    elif column in HIT_SCHEMA:
        findings.error(
            node,
            f"{says}, but that hit column holds no value (a value comes from "
            f"{', '.join(HIT_VALUE_COLUMNS)}, query:NAME or a column of the export)",
        )
        return False
    return True


_Parsed = tuple[DestinationMatcher | None, EventMatcher | None, NumberCondition | None]


def _unknown_keys(node: MappingNode, allowed: tuple[str, ...]) -> list[str]:
    """The keys of ``node`` that are not ``allowed`` (``mapping_entries`` reports each as
    unknown); a merge key (``<<``) is no such key: what it would bring is not read."""
    return [
        str(key.value)
        for key, _ in node.value
        if isinstance(key, ScalarNode) and str(key.value) not in (*allowed, "<<")
    ]


def _read_goal_type(
    node: MappingNode, entries: Entries, label: str, findings: Findings
) -> tuple[GoalType | None, _Parsed]:
    """Find the goal's one type key, check ``type`` against it and read its matcher/condition."""
    present = [key for key in entries if key in GOAL_TYPES]
    expected = f"expected exactly one of {', '.join(GOAL_TYPES)}"
    if not present:
        if not _unknown_keys(node, GOAL_KEYS):  # else a misspelt type key, reported as unknown
            findings.error(node, f"{label} has no type key ({expected})")
    elif len(present) > 1:
        findings.error(
            entries[present[1]][0],
            f"{label} has several type keys: {', '.join(present)} ({expected})",
        )
    destination = event = condition = None
    if "destination" in entries:
        destination = _read_destination(
            entries["destination"][1], f"destination of {label}", findings
        )
    if "event" in entries:
        event = _read_event(entries["event"][1], label, findings)
    for key in ("duration", "pages"):
        if key in entries:
            condition = _read_condition(entries[key][1], key, f"{key} of {label}", findings)
    goal_type = present[0] if len(present) == 1 else None
    if "type" in entries:
        type_node = entries["type"][1]
        declared = read_choice(type_node, findings, f"type of {label}", GOAL_TYPES)
        if declared is not None and goal_type is not None and declared != goal_type:
            findings.error(
                type_node,
                f"type {declared} of {label} disagrees with its {goal_type} key "
                f"(expected type: {goal_type}, or no type)",
            )
    return goal_type, (destination, event, condition)


# --- string matchers -------------------------------------------------------------------------


def _read_destination(node: Node, subject: str, findings: Findings) -> DestinationMatcher | None:
    """Read ``destination``: a string matcher that may also say ``include_query: true``."""
    matcher, extras = _read_string_matcher(node, subject, findings, extra_keys=("include_query",))
    include_query = False
    if "include_query" in extras:
        include_query = bool(
            read_flag(extras["include_query"], findings, f"include_query in {subject}")
        )
    if matcher is None:
        return None
    for problem in _unmatchable(matcher, include_query):
        findings.warn(node, f"{subject}: {problem}")
    return DestinationMatcher(matcher, include_query=include_query)


# A URL without its scheme (//shop.example.com/thanks): a host with a dot after the slashes;
# //thank-you is a path a sloppy link logs.
_PROTOCOL_RELATIVE = re.compile(r"^//[^/?#]*\.[^/?#]*(?:[/?#]|$)")


def _unmatchable(matcher: StringMatcher, include_query: bool) -> list[str]:
    """Why a destination's texts (``equals``, ``one_of``, ``begins_with``; a ``glob``'s and a
    ``contains`` text in part) can match no hit: it is a URL, holds a fragment, holds a query
    without ``include_query``, or does not start with ``/``; a path is matched as logged
    (``/thanks``, the query apart). A glob's ``?`` is a wildcard, a contained text may start
    anywhere.

    >>> _unmatchable(StringMatcher("equals", "/thanks?order=1"), False)  # doctest: +ELLIPSIS
    ["'/thanks?order=1' holds a query, and the path is matched without one: ..."]
    """
    if matcher.op not in ("equals", "one_of", "begins_with", "glob", "contains"):
        return []
    texts = matcher.value if isinstance(matcher.value, tuple) else (matcher.value,)
    problems = []
    for text in texts:
        shown = quoted(text)
        if matcher.op == "glob":
            if text and not text.startswith(("/", "*")):
                problems.append(f"{shown} does not start with /, as a path does: it matches no hit")
            continue
        if matcher.op == "contains" and not ("#" in text or "?" in text):
            continue
        if text.startswith(("http://", "https://")) or _PROTOCOL_RELATIVE.match(text):
            problems.append(
                f"{shown} is a URL: a destination is a path (/thanks), so it matches no hit"
            )
        elif "#" in text:
            problems.append(
                f"{shown} holds a fragment (#…), which browsers never send: it matches no hit"
            )
        elif "?" in text and not include_query:
            problems.append(
                f"{shown} holds a query, and the path is matched without one: it matches no hit "
                "(add include_query: true to match path and query)"
            )
        elif text and not text.startswith("/") and matcher.op != "contains":
            problems.append(f"{shown} does not start with /, as a path does: it matches no hit")
    return problems


def _read_string_matcher(
    node: Node,
    subject: str,
    findings: Findings,
    *,
    case_sensitive: bool = False,
    extra_keys: tuple[str, ...] = (),
) -> tuple[StringMatcher | None, dict[str, Node]]:
    """Read a bare string (``equals``) or a mapping with one match operator.

    ``case_sensitive`` is the default a mapping's own ``case_sensitive`` overrides. Returns the
    matcher (None after reporting) and the value nodes of the allowed ``extra_keys`` found.

    >>> import yaml
    >>> _read_string_matcher(yaml.compose("/a"), "x", Findings("f"))[0]
    StringMatcher(op='equals', value='/a', case_sensitive=False)
    """
    if not isinstance(node, MappingNode):
        text = read_text(node, findings, subject, "a string or a matcher mapping")
        if text == "":
            findings.error(node, f"empty pattern in {subject} (expected a non-empty string)")
        return (StringMatcher("equals", text, case_sensitive) if text else None), {}
    entries = mapping_entries(
        node, findings, f"in {subject}", (*MATCH_OPS, "case_sensitive", *extra_keys)
    )
    extras = {key: entries[key][1] for key in extra_keys if key in entries}
    if "case_sensitive" in entries:
        flag = read_flag(entries["case_sensitive"][1], findings, f"case_sensitive in {subject}")
        case_sensitive = case_sensitive if flag is None else flag
    ops = [key for key in entries if key in MATCH_OPS]
    expected = f"expected exactly one of {', '.join(MATCH_OPS)}"
    if not ops:
        if not has_rejected_keys(node, entries):
            findings.error(node, f"{subject} has no match operator ({expected})")
        return None, extras
    if len(ops) > 1:
        findings.error(
            entries[ops[1]][0],
            f"{subject} has several match operators: {', '.join(ops)} ({expected})",
        )
        return None, extras
    op = ops[0]
    pattern = _read_pattern(op, entries[op][1], f"{op} in {subject}", findings)
    return (None if pattern is None else StringMatcher(op, pattern, case_sensitive)), extras


def _read_pattern(
    op: MatchOp, node: Node, subject: str, findings: Findings
) -> str | tuple[str, ...] | None:
    """Return the operand of ``op``: a non-empty string, or for ``one_of`` a tuple of them."""
    if op == "one_of":
        return read_one_of(node, subject, findings)
    pattern = read_text(node, findings, subject)
    if pattern == "":
        findings.error(node, f"empty pattern in {subject} (expected a non-empty string)")
        return None
    if pattern is not None and op == "regex":
        reason = _regex_problem(pattern)
        if reason is not None:
            findings.error(node, f"invalid regex {quoted(pattern)}: {reason}")
            return None
    return pattern


@cache  # a file may repeat a pattern in many goals; each costs a compilation
def _regex_problem(pattern: str) -> str | None:
    """Return why Polars' (Rust) regex engine rejects ``pattern``, or None if it compiles.

    >>> _regex_problem("(")
    'unclosed group'
    """
    try:
        pl.select(pl.lit("").str.contains(pattern))
    except pl.exceptions.PolarsError as exc:
        return polars_error_reason(str(exc))
    return None


def polars_error_reason(message: str) -> str:
    """Pick the reason out of a Rust regex error (its ``error: ...`` line, else the first line)."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    for line in lines:
        if line.startswith("error: "):
            return line.removeprefix("error: ")
    first = lines[0] if lines else "rejected by the regex engine"
    return first.removeprefix("regex error: ")


# --- events and numeric conditions -----------------------------------------------------------


def _read_event(node: Node, label: str, findings: Findings) -> EventMatcher | None:
    """Read an ``event`` mapping; its ``case_sensitive`` is the default of its string fields."""
    subject = f"event of {label}"
    if not isinstance(node, MappingNode):
        report_wrong(
            findings, node, subject, "a mapping with category, action, label, name and/or value"
        )
        return None
    entries = mapping_entries(node, findings, f"in {subject}", EVENT_KEYS)
    case_sensitive = False
    if "case_sensitive" in entries:
        case_sensitive = bool(
            read_flag(entries["case_sensitive"][1], findings, f"case_sensitive in {subject}")
        )
    matchers: dict[str, StringMatcher | None] = {}
    for name in EVENT_FIELDS:
        if name in entries:
            matchers[name], _ = _read_string_matcher(
                entries[name][1],
                f"event {name} of {label}",
                findings,
                case_sensitive=case_sensitive,
            )
    value = None
    if "value" in entries:
        value = _read_condition(
            entries["value"][1], "event value", f"event value of {label}", findings
        )
    if not matchers and "value" not in entries:
        fields = (*EVENT_FIELDS, "value")
        if has_rejected_keys(node, entries):
            return None
        findings.error(
            node,
            f"{subject} has nothing to match (expected one or more of {', '.join(fields)})",
        )
        return None
    return EventMatcher(
        category=matchers.get("category"),
        action=matchers.get("action"),
        label=matchers.get("label"),
        name=matchers.get("name"),
        value=value,
    )


def _page_count(node: Node) -> float | None:
    """Return a whole number of pages (0 or more), else None."""
    if not isinstance(node, ScalarNode) or tag_of(node) != INT_TAG:
        return None
    number = read_number(node)
    return number if number is not None and number >= 0 else None


_BOUND_READERS: dict[str, tuple[tuple[str, ...], Callable[[Node], float | None], str]] = {
    "duration": (DURATION_KEYS, duration_seconds, "a duration like 90, 90s, 5m or 1h"),
    "pages": (NUMBER_KEYS, _page_count, "a whole number of pages (0 or more)"),
    "event value": (NUMBER_KEYS, read_number, "a number"),
}


def _read_condition(
    node: Node, kind: str, subject: str, findings: Findings
) -> NumberCondition | None:
    """Read a mapping of comparisons for a ``duration``, ``pages`` or ``event value`` condition.

    Duration bounds are returned in seconds; a range no value can satisfy is an error.
    """
    keys, read_bound, expected = _BOUND_READERS[kind]
    if not isinstance(node, MappingNode):
        report_wrong(findings, node, subject, f"a mapping with {' and/or '.join(keys)}")
        return None
    entries = mapping_entries(node, findings, f"in {subject}", keys)
    if not entries:
        if has_rejected_keys(node, entries):
            return None
        findings.error(
            node, f"{subject} has no comparison (expected one or more of {', '.join(keys)})"
        )
        return None
    bounds: dict[str, float] = {}
    for key, (_, value_node) in entries.items():
        bound = read_bound(value_node)
        if bound is None:
            report_wrong(findings, value_node, f"{key} in {subject}", expected)
        else:
            bounds[key] = bound
    if len(bounds) < len(entries):
        return None
    texts = {key: str(value_node.value) for key, (_, value_node) in entries.items()}
    problem = _impossible_range(bounds, texts, whole_numbers=kind == "pages")
    if problem is not None:
        findings.error(node, f"impossible range in {subject}: {problem}")
        return None
    return NumberCondition(
        greater_than=bounds.get("greater_than"),
        less_than=bounds.get("less_than"),
        equals=bounds.get("equals"),
    )


def _impossible_range(
    bounds: dict[str, float], texts: dict[str, str], *, whole_numbers: bool
) -> str | None:
    """Say why no value can satisfy ``bounds`` (as written in ``texts``), or None if one can.

    >>> bounds, texts = {"greater_than": 5, "less_than": 2}, {"greater_than": "5", "less_than": "2"}
    >>> _impossible_range(bounds, texts, whole_numbers=False)
    'greater_than 5 is not less than less_than 2'
    """
    low, high, exact = (bounds.get(key) for key in NUMBER_KEYS)
    low_text, high_text, exact_text = (texts.get(key) for key in NUMBER_KEYS)
    if low is not None and high is not None:
        if low >= high:
            return f"greater_than {low_text} is not less than less_than {high_text}"
        if whole_numbers and high - low <= 1:
            return f"no whole number is greater than {low_text} and less than {high_text}"
    if exact is not None and low is not None and exact <= low:
        return f"equals {exact_text} is not greater than greater_than {low_text}"
    if exact is not None and high is not None and exact >= high:
        return f"equals {exact_text} is not less than less_than {high_text}"
    return None


# --- funnels ---------------------------------------------------------------------------------


def declared_goal_names(node: Node) -> list[str]:
    """The ``name`` written in each goal of the ``goals`` list, whether the goal reads or not:
    a funnel or an alert naming a goal with a problem of its own is no second problem."""
    if not isinstance(node, SequenceNode):
        return []
    return [
        str(value.value)
        for item in node.value
        if isinstance(item, MappingNode)
        for key, value in item.value
        if isinstance(key, ScalarNode) and key.value == "name" and isinstance(value, ScalarNode)
    ]


def read_funnel_list(
    node: Node, goals: list[Goal], findings: Findings, broken: Collection[str] = ()
) -> list[Funnel]:
    """Read every funnel of the ``funnels`` list (``goal:`` may name any of ``goals``; naming
    one of the ``broken`` goals, whose problems are reported already, is no problem of its
    own)."""
    goals_by_name: dict[str, Goal | None] = dict.fromkeys(broken)
    goals_by_name.update((goal.name, goal) for goal in goals)
    return read_named_list(
        node,
        findings,
        "funnels",
        "a list of funnels",
        lambda item, index, names: _read_funnel(item, index, goals_by_name, names, findings),
    )


def _read_funnel(
    node: Node,
    index: int,
    goals: Mapping[str, Goal | None],
    name_lines: dict[str, int],
    findings: Findings,
) -> Funnel | None:
    """Read one funnel mapping; returns None when it has any problem (all of them reported)."""
    if not isinstance(node, MappingNode):
        report_wrong(findings, node, f"funnel #{index}", "a mapping with name and steps")
        return None
    errors_before = len(findings.errors)
    label = item_label(node, index, noun="funnel")
    entries = mapping_entries(node, findings, f"in {label}", FUNNEL_KEYS)
    name = read_name(node, entries, label, name_lines, findings, noun="funnel")
    scope = read_optional_choice(entries, "scope", label, FUNNEL_SCOPES, findings)
    entry = read_optional_choice(entries, "entry", label, FUNNEL_ENTRIES, findings)
    order = read_optional_choice(entries, "order", label, FUNNEL_ORDERS, findings)
    within = _read_time_limit(entries, "within", label, findings)
    within_step = _read_time_limit(entries, "within_step", label, findings)
    steps = _read_steps(entries, label, findings)
    goal_step = _read_goal_step(entries, label, goals, findings)
    if goal_step is not None:
        steps.append(goal_step)
    if len(findings.errors) > errors_before or name is None:
        return None
    if _names_broken_goal(entries, goals):  # its steps cannot be counted: no second problem
        return None
    if len(steps) < MIN_FUNNEL_STEPS:
        findings.error(
            node,
            f"{label} has {len(steps)} step{'s' if len(steps) != 1 else ''} "
            "(expected 2 or more, counting the goal: step)",
        )
        return None
    if within is None and scope == "visitor":
        within = DEFAULT_VISITOR_WITHIN_S
    return Funnel(
        name=name,
        steps=tuple(steps),
        scope=scope or "session",
        entry=entry or "closed",
        order=order or "ordered",
        within_s=within,
        within_step_s=within_step,
        goal=goal_step.name if goal_step is not None else None,
        line=node.start_mark.line + 1,
    )


def _read_time_limit(entries: Entries, key: str, label: str, findings: Findings) -> float | None:
    """Return a positive duration in seconds (``within``, ``within_step``), or None."""
    if key not in entries:
        return None
    value_node = entries[key][1]
    seconds = duration_seconds(value_node)
    if seconds is None or seconds <= 0:
        report_wrong(findings, value_node, f"{key} of {label}", "a duration like 30m, 12h or 7d")
        return None
    return seconds


def _read_steps(entries: Entries, label: str, findings: Findings) -> list[FunnelStep]:
    """Read the ``steps`` list; steps with problems are reported and left out."""
    if "steps" not in entries:
        return []
    node = entries["steps"][1]
    if not isinstance(node, SequenceNode):
        report_wrong(findings, node, f"steps of {label}", "a list of steps")
        return []
    steps = []
    for number, item in enumerate(node.value, start=1):
        step = _read_step(item, f"step {number} of {label}", findings)
        if step is not None:
            steps.append(step)
    return steps


def _read_step(node: Node, subject: str, findings: Findings) -> FunnelStep | None:
    """Read a step: a path (destination equals), a list of matchers (any of), or a mapping with
    ``destination``, ``event`` or ``any_of`` and an optional ``name``."""
    if isinstance(node, SequenceNode):
        matchers = _read_any_of(node, subject, findings)
        return None if matchers is None else FunnelStep(describe_step(matchers), matchers)
    if not isinstance(node, MappingNode):
        destination = _read_destination(node, f"destination of {subject}", findings)
        if destination is None:
            return None
        return FunnelStep(describe_step((destination,)), (destination,))
    entries = mapping_entries(node, findings, f"in {subject}", STEP_KEYS)
    name = None
    if "name" in entries:
        name = read_text(entries["name"][1], findings, f"name of {subject}", "a non-empty string")
        if name == "":
            report_wrong(findings, entries["name"][1], f"name of {subject}", "a non-empty string")
    present = [key for key in entries if key != "name"]
    expected = "expected exactly one of destination, event, any_of"
    if not present:
        if not has_rejected_keys(node, entries):
            findings.error(node, f"{subject} has nothing to match ({expected})")
        return None
    if len(present) > 1:
        findings.error(
            entries[present[1]][0],
            f"{subject} has several matchers: {', '.join(present)} "
            f"({expected}; use any_of for alternatives)",
        )
        return None
    key, value_node = present[0], entries[present[0]][1]
    matchers = (
        _read_any_of(value_node, subject, findings)
        if key == "any_of"
        else _one_matcher(key, value_node, subject, findings)
    )
    if matchers is None:
        return None
    return FunnelStep(name or describe_step(matchers), matchers)


def _one_matcher(
    key: str, node: Node, subject: str, findings: Findings
) -> tuple[HitMatcher, ...] | None:
    """Read the value of a ``destination`` or ``event`` key as a one-matcher tuple."""
    matcher: HitMatcher | None
    if key == "destination":
        matcher = _read_destination(node, f"destination of {subject}", findings)
    else:
        matcher = _read_event(node, subject, findings)
    return None if matcher is None else (matcher,)


def _read_any_of(node: Node, subject: str, findings: Findings) -> tuple[HitMatcher, ...] | None:
    """Read a non-empty list of ``{destination: ...}`` / ``{event: ...}`` mappings."""
    if not isinstance(node, SequenceNode) or not node.value:
        report_wrong(findings, node, f"any_of of {subject}", "a non-empty list of matchers")
        return None
    matchers: list[HitMatcher] = []
    for number, item in enumerate(node.value, start=1):
        where = f"alternative {number} of {subject}"
        if not isinstance(item, MappingNode):
            report_wrong(findings, item, where, "a mapping with destination or event")
            continue
        entries = mapping_entries(item, findings, f"in {where}", STEP_MATCHER_KEYS)
        if len(entries) != 1:
            if not has_rejected_keys(item, entries) or not entries:
                findings.error(
                    item, f"{where} needs exactly one of destination, event (got {len(entries)})"
                )
            continue
        key, (_, value_node) = next(iter(entries.items()))
        found = _one_matcher(key, value_node, where, findings)
        if found is not None:
            matchers.extend(found)
    return tuple(matchers) if len(matchers) == len(node.value) else None


def _names_broken_goal(entries: Entries, goals: Mapping[str, Goal | None]) -> bool:
    """Whether ``goal:`` names a goal with problems of its own (``None`` in ``goals``)."""
    node = entries["goal"][1] if "goal" in entries else None
    return isinstance(node, ScalarNode) and node.value in goals and goals[node.value] is None


def _read_goal_step(
    entries: Entries, label: str, goals: Mapping[str, Goal | None], findings: Findings
) -> FunnelStep | None:
    """The last step named by ``goal:``: the hit matcher of that destination or event goal."""
    if "goal" not in entries:
        return None
    value_node = entries["goal"][1]
    name = read_text(value_node, findings, f"goal of {label}", "the name of a goal")
    if name is None:
        return None
    if name not in goals:
        known = ", ".join(quoted(g) for g in goals) or "none defined"
        findings.error(value_node, f"{label} names unknown goal {quoted(name)} (goals: {known})")
        return None
    goal = goals[name]
    if goal is None:  # a goal with problems of its own, reported where it is written
        return None
    matcher: HitMatcher | None = goal.destination or goal.event
    if matcher is None:
        findings.error(
            value_node,
            f"{label} ends at goal {quoted(name)}, a {goal.type} goal (expected a destination or "
            "event goal: a funnel step is a hit)",
        )
        return None
    return FunnelStep(goal.name, (matcher,))


def describe_step(matchers: tuple[HitMatcher, ...]) -> str:
    """A step's default name, from its matchers: ``/cart``, ``begins_with /products/``,
    ``event action=signup``; alternatives joined by `` or ``.

    >>> describe_step((DestinationMatcher(StringMatcher("equals", "/cart")),))
    '/cart'
    """
    return " or ".join(_describe_matcher(m) for m in matchers)


def _describe_matcher(matcher: HitMatcher) -> str:
    if isinstance(matcher, DestinationMatcher):
        return _describe_string(matcher.matcher)
    parts = [
        f"{name}={_describe_string(found)}" if found.op == "equals"
        else f"{name} {_describe_string(found)}"
        for name in EVENT_FIELDS
        if (found := getattr(matcher, name)) is not None
    ]  # fmt: skip
    if matcher.value is not None:
        parts.append(f"value{_describe_condition(matcher.value)}")
    return "event " + " ".join(parts)


def _describe_string(matcher: StringMatcher) -> str:
    """``/cart`` for equals, else the operator and its value: ``begins_with /products/``."""
    value = ", ".join(matcher.value) if isinstance(matcher.value, tuple) else matcher.value
    return value if matcher.op == "equals" else f"{matcher.op} {value}"


def _describe_condition(condition: NumberCondition) -> str:
    parts = []
    for key, symbol in (("greater_than", ">"), ("less_than", "<"), ("equals", "=")):
        bound = getattr(condition, key)
        if bound is not None:
            parts.append(f"{symbol}{bound:g}")
    return ",".join(parts)
