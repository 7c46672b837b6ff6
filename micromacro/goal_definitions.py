"""The ``goals:`` section of a goals file: each goal with its matcher or condition, checked
field by field into the ``goals`` model (``funnel_definitions`` reads the ``funnels:`` section,
whose steps match hits as goals do).

Every reader reports its problems to the ``Findings`` of the file (``goals_yaml``) and returns
None (or leaves the item out) when it found any.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import polars as pl
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from micromacro.dimensions import QUERY_PREFIX
from micromacro.goals import (
    EVENT_FIELDS,
    GOAL_TYPES,
    HIT_VALUE_COLUMNS,
    MATCH_OPS,
    PRESET_GOAL_FIELDS,
    SOURCE_PRESETS,
    CountMode,
    DestinationMatcher,
    EventMatcher,
    Goal,
    GoalCategory,
    GoalKind,
    GoalType,
    MatchOp,
    NumberCondition,
    SourceMapping,
    StringMatcher,
)
from micromacro.goals_yaml import (
    INT_TAG,
    NULL_TAG,
    STR_TAG,
    Entries,
    Findings,
    declared_names,
    duration_seconds,
    has_rejected_keys,
    item_label,
    mapping_entries,
    read_choice,
    read_flag,
    read_name,
    read_number,
    read_one_of,
    read_required_choice,
    read_text,
    report_wrong,
    tag_of,
    written_text,
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
# Keys a goal's page is written with elsewhere: a page reached is a destination goal.
_PAGE_KEYS = dict.fromkeys(
    ("page", "path", "url", "uri"), "a page reached is a destination goal: destination: /thank-you"
)


# --- goals -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Inputs:
    """What the goals are matched on, for the values they take from the data: access logs
    (``exports`` false), or event exports mapped by ``source`` (None when that section has
    problems of its own, which are reported there)."""

    exports: bool = False
    source: SourceMapping | None = None


def read_goal_list(
    node: Node, findings: Findings, inputs: Inputs = Inputs(), way_out: str = ""
) -> list[Goal]:
    """Read every goal of the ``goals`` list; also checks unique names and the macro count.
    ``way_out`` (``a file of funnels or exclusions may leave goals: out``), where the file has
    one, is added to what a list left empty or null is told."""
    if not isinstance(node, SequenceNode):
        hint = way_out if tag_of(node) == NULL_TAG else ""
        report_wrong(findings, node, "goals", "a list of goals", hint)
        return []
    if not node.value:
        more = f"; {way_out}" if way_out else ""
        findings.error(node, f"the goals list is empty (expected at least one goal{more})")
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
    entries = mapping_entries(node, findings, f"in {label}", GOAL_KEYS, _PAGE_KEYS)
    name = read_name(node, entries, label, name_lines, findings)
    kind = read_required_choice(node, entries, "kind", label, GOAL_KINDS, findings)
    goal_type, parsed = _read_goal_type(node, entries, label, findings, inputs)
    category = _read_category(entries, kind, label, findings)
    count = _read_count(entries, goal_type, label, findings)
    value, value_from = _read_goal_value(entries, goal_type, label, findings, inputs)
    if len(findings.errors) > errors_before or name is None or kind is None or goal_type is None:
        return None
    destination, event, condition = parsed
    if event is not None and not inputs.exports:
        warn_of_access_log_events(node, event, label, findings)
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


def warn_of_access_log_events(
    node: Node, event: EventMatcher, label: str, findings: Findings
) -> None:
    """A warning for the event of a goal or funnel step (``label``) on access logs that tests
    what their events lack: a name or a value (an access log's event is a POST, a download or
    another request: its category, its method as action, its path as label)."""
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
    if column in HIT_VALUE_COLUMNS:
        return _export_field_ok(column, says, node, findings, inputs.source)
    if column in HIT_SCHEMA:
        findings.error(
            node,
            f"{says}, but that hit column holds no value (a value comes from "
            f"{', '.join(HIT_VALUE_COLUMNS)}, query:NAME or a column of the export)",
        )
        return False
    return True


def _export_field_ok(
    field: str, says: str, node: Node, findings: Findings, source: SourceMapping | None
) -> bool:
    """Whether the hits of an export read by ``source`` hold ``field`` (an event field or a
    value column), which a goal tests or takes its value from; reports why not (``says``: what
    the goal says). A ``source`` with problems of its own (None) is reported there."""
    if source is None or source.maps(field):
        return True
    if source.preset is not None:
        lacks, way = f"the {source.preset} preset maps no {field} column", ""
    else:
        lacks, way = f"the source section maps no {field} column", _presets_mapping(field)
    findings.error(node, f"{says}, but {lacks} (add {field}: COLUMN to source{way})")
    return False


def _presets_mapping(field: str) -> str:
    """The presets that map ``field``, as a way out for a source without one."""
    presets = [name for name in SOURCE_PRESETS if field in PRESET_GOAL_FIELDS[name]]
    if len(presets) == len(SOURCE_PRESETS):
        return ", or use a preset"
    return f", or use the {' or '.join(presets)} preset" if presets else ""


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
    node: MappingNode, entries: Entries, label: str, findings: Findings, inputs: Inputs
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
        destination = read_destination(
            entries["destination"][1], f"destination of {label}", findings
        )
    if "event" in entries:
        event = read_event(entries["event"][1], label, findings, inputs)
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


def read_destination(node: Node, subject: str, findings: Findings) -> DestinationMatcher | None:
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
    pattern = _read_pattern(
        op, entries[op][1], f"{op} in {subject}", findings, case_sensitive=case_sensitive
    )
    return (None if pattern is None else StringMatcher(op, pattern, case_sensitive)), extras


def _read_pattern(
    op: MatchOp, node: Node, subject: str, findings: Findings, *, case_sensitive: bool
) -> str | tuple[str, ...] | None:
    """Return the operand of ``op``: a non-empty string, or for ``one_of`` a tuple of them; a
    ``regex`` or ``glob`` whose regex (``matcher_regex``) does not compile is an error."""
    if op == "one_of":
        return read_one_of(node, subject, findings)
    pattern = read_text(node, findings, subject)
    if pattern == "":
        findings.error(node, f"empty pattern in {subject} (expected a non-empty string)")
        return None
    if pattern is not None and op in ("regex", "glob"):
        problem = _pattern_problem(StringMatcher(op, pattern, case_sensitive))
        if problem is not None:
            findings.error(node, problem)
            return None
    return pattern


_REGEX_META = set("\\.+*?()|[]{}^$#&-~")


def _escape(text: str) -> str:
    return "".join(f"\\{ch}" if ch in _REGEX_META else ch for ch in text)


def glob_to_regex(pattern: str) -> str:
    """An anchored regex for a path glob: ``**/`` starting a segment is zero or more whole
    segments (as gitignore and bash's globstar read it), ``**`` elsewhere anything, ``*``
    anything within a segment, ``?`` one character of one.

    >>> glob_to_regex("/downloads/*.pdf")
    '^/downloads/[^/]*\\\\.pdf$'
    >>> glob_to_regex("/a/**/c")
    '^/a/(?:.*/)?c$'
    """
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i) and (i == 0 or pattern[i - 1] == "/"):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(_escape(pattern[i]))
            i += 1
    return "^" + "".join(out) + "$"


def matcher_regex(matcher: StringMatcher) -> str | None:
    """The regex a ``regex`` or ``glob`` matcher runs (None for the other operators): ignoring
    case, the pattern behind the flag ``(?i)``. A group around it, ``(?i:…)``, would not do: a
    pattern's own comment (``(?x)^/a # note``) would take in its closing parenthesis.

    >>> matcher_regex(StringMatcher("regex", "(?x)^/a # note"))
    '(?i)(?x)^/a # note'
    """
    if matcher.op not in ("regex", "glob"):
        return None
    pattern = str(matcher.value)
    regex = pattern if matcher.op == "regex" else glob_to_regex(pattern)
    return regex if matcher.case_sensitive else f"(?i){regex}"


def _pattern_problem(matcher: StringMatcher) -> str | None:
    """Why the regex a ``regex`` or ``glob`` matcher runs does not compile, or None: what
    ``check`` accepts, a report runs. A pattern only too large once case is ignored (every
    letter becomes its cases, ``k`` also the Kelvin sign) says so."""
    regex = matcher_regex(matcher)
    reason = None if regex is None else _regex_problem(regex)
    if regex is None or reason is None:
        return None
    problem = f"invalid {matcher.op} {quoted(str(matcher.value))}: {reason.rstrip('.')}"
    if matcher.case_sensitive or _regex_problem(regex.removeprefix("(?i)")) is not None:
        return problem
    return f"{problem} (ignoring case; it compiles with case_sensitive: true)"


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


def read_event(node: Node, label: str, findings: Findings, inputs: Inputs) -> EventMatcher | None:
    """Read an ``event`` mapping; its ``case_sensitive`` is the default of its string fields.
    A test of a field an event export's ``source`` (or its preset) maps no column for is an
    error, as ``value: event`` without ``event_value`` is: no event would have the field (a
    category of a GA4 export, a value of a mapping without ``event_value``)."""
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
            field_node = entries[name][1]
            matchers[name], _ = _read_string_matcher(
                field_node, f"event {name} of {label}", findings, case_sensitive=case_sensitive
            )
            if matchers[name] is not None and inputs.exports:
                says = f"{subject} tests its {name}"
                _export_field_ok(f"event_{name}", says, field_node, findings, inputs.source)
    value = None
    if "value" in entries:
        value_node = entries["value"][1]
        value = _read_condition(value_node, "event value", f"event value of {label}", findings)
        if value is not None and inputs.exports:
            says = f"{subject} tests its value"
            _value_column_ok("event_value", says, value_node, findings, inputs)
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
    problem = _impossible_range(bounds, texts, kind)
    if problem is not None:
        findings.error(node, f"impossible range in {subject}: {problem}")
        return None
    return NumberCondition(
        greater_than=bounds.get("greater_than"),
        less_than=bounds.get("less_than"),
        equals=bounds.get("equals"),
    )


# What a session's measure is at least: a ``less_than`` no higher matches no session. A
# session may have no pageview (definitions §2.3), so ``pages: {less_than: 1}`` matches some.
_FLOORS: dict[str, str] = {
    "duration": "0 s, the shortest a session lasts (one of a single hit)",
    "pages": "0, the fewest pageviews a session has (less_than 1 matches a session of "
    "downloads or events only)",
}


def _impossible_range(bounds: dict[str, float], texts: dict[str, str], kind: str) -> str | None:
    """Say why no value of ``kind`` (``duration``, ``pages``, ``event value``) can satisfy
    ``bounds`` (as written in ``texts``), or None if one can.

    >>> bounds, texts = {"greater_than": 5, "less_than": 2}, {"greater_than": "5", "less_than": "2"}
    >>> _impossible_range(bounds, texts, "event value")
    'greater_than 5 is not less than less_than 2'
    >>> _impossible_range({"less_than": 0}, {"less_than": "0s"}, "duration")
    'less_than 0s is not above 0 s, the shortest a session lasts (one of a single hit)'
    """
    low, high, exact = (bounds.get(key) for key in NUMBER_KEYS)
    low_text, high_text, exact_text = (texts.get(key) for key in NUMBER_KEYS)
    if low is not None and high is not None:
        if low >= high:
            return f"greater_than {low_text} is not less than less_than {high_text}"
        if kind == "pages" and high - low <= 1:
            return f"no whole number is greater than {low_text} and less than {high_text}"
    if exact is not None and low is not None and exact <= low:
        return f"equals {exact_text} is not greater than greater_than {low_text}"
    if exact is not None and high is not None and exact >= high:
        return f"equals {exact_text} is not less than less_than {high_text}"
    if high is not None and high <= 0 and kind in _FLOORS:
        return f"less_than {high_text} is not above {_FLOORS[kind]}"
    return None


def declared_goals(node: Node) -> dict[str, str]:
    """The name written in each goal of the ``goals`` list, whether the goal reads or not, with
    the ``kind`` it writes ("" where none; ``declared_names``)."""
    return declared_names(node, lambda item: written_text(item, "kind") or "")
