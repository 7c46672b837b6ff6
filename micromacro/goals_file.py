"""Goals files: read the YAML, check every field, and build the ``goals`` model.

Validation walks the node tree of ``yaml.compose`` (nothing is constructed from tags), so each
problem names ``file:line:column``. All problems are collected before one ``ConfigError`` is raised.

>>> config = parse_goals("goals:\\n  - {name: buy, kind: macro, destination: /thanks}\\n")
>>> config.goals[0].destination.matcher
StringMatcher(op='equals', value='/thanks', case_sensitive=False)
>>> try:
...     parse_goals("goals:\\n  - {name: buy, kind: 3, destination: ''}\\n", path="goals.yaml")
... except ConfigError as exc:
...     print("\\n".join(exc.problems))
goals.yaml:2:23: invalid kind of goal 'buy': expected one of macro, micro, got the number 3
goals.yaml:2:39: empty pattern in destination of goal 'buy' (expected a non-empty string)
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import TypeVar, cast

import polars as pl
import yaml
from yaml.constructor import SafeConstructor
from yaml.error import Mark
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.reader import ReaderError

from micromacro.collector import paused
from micromacro.errors import ConfigError, UsageError
from micromacro.goals import (
    CONDITIONS,
    DEFAULT_SIGNIFICANCE,
    DEFAULT_VISITOR_WITHIN_S,
    EVENT_FIELDS,
    EXPORT_FORMATS,
    FUNNEL_ENTRIES,
    FUNNEL_ORDERS,
    FUNNEL_SCOPES,
    GOAL_TYPES,
    MATCH_OPS,
    NO_ROWS,
    RULE_COMPARISONS,
    SOURCE_COLUMN_FIELDS,
    SOURCE_PRESETS,
    TIMESTAMP_FORMATS,
    AlertRule,
    Condition,
    CountMode,
    DestinationMatcher,
    EventMatcher,
    ExportFormat,
    Funnel,
    FunnelEntry,
    FunnelOrder,
    FunnelScope,
    FunnelStep,
    Goal,
    GoalCategory,
    GoalKind,
    GoalsConfig,
    GoalType,
    HitMatcher,
    MatchOp,
    MetricPath,
    NumberCondition,
    ReportShape,
    RowRule,
    SourceMapping,
    SourcePreset,
    StringMatcher,
    Threshold,
    TimestampField,
    parse_metric,
    parse_threshold,
)
from micromacro.hit_schema import HIT_SCHEMA
from micromacro.periods import parse_timezone
from micromacro.timespans import parse_duration

TOP_LEVEL_KEYS: tuple[str, ...] = ("goals", "funnels", "alerts", "source")
ALERT_KEYS: tuple[str, ...] = (
    "name", "metric", *CONDITIONS, "compare", "min_sessions", "significant",
)  # fmt: skip
SOURCE_KEYS: tuple[str, ...] = (
    "preset", "format", "timestamp", "timezone", *SOURCE_COLUMN_FIELDS, "pageview", "skip", "keep",
)  # fmt: skip
TIMESTAMP_KEYS: tuple[str, ...] = ("column", "format")
ROW_RULE_KEYS: tuple[str, ...] = ("column", "equals", "one_of")
_TIMESTAMP_EXPECTED = (
    f"{', '.join(TIMESTAMP_FORMATS)} or a strftime pattern like '%Y-%m-%d %H:%M:%S'"
)
FUNNEL_KEYS: tuple[str, ...] = (
    "name", "scope", "entry", "order", "within", "within_step", "steps", "goal",
)  # fmt: skip
STEP_KEYS: tuple[str, ...] = ("name", "destination", "event", "any_of")
STEP_MATCHER_KEYS: tuple[str, ...] = ("destination", "event")
MIN_FUNNEL_STEPS = 2
GOAL_KEYS: tuple[str, ...] = ("name", "kind", "type", "category", *GOAL_TYPES, "count", "value")
GOAL_KINDS: tuple[GoalKind, ...] = ("macro", "micro")
GOAL_CATEGORIES: tuple[GoalCategory, ...] = ("process_milestone", "secondary_action")
COUNT_MODES: tuple[CountMode, ...] = ("once_per_session", "every")
EVENT_KEYS: tuple[str, ...] = (*EVENT_FIELDS, "value", "case_sensitive")
DURATION_KEYS: tuple[str, ...] = ("greater_than", "less_than")
NUMBER_KEYS: tuple[str, ...] = ("greater_than", "less_than", "equals")
MAX_MACRO_GOALS = 2

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MERGE = "tag:yaml.org,2002:merge"
# Plain scalars that YAML would read as numbers or dates are kept as the text the user wrote.
_TEXT_TAGS = frozenset({_STR, _INT, _FLOAT, _TIMESTAMP})
# Only its scalar converters are used (YAML 1.1 ints like 0x1f or 1_000, floats like .5, yes/no).
_SCALARS = SafeConstructor()

_Entries = dict[str, tuple[Node, Node]]


@dataclass
class _Findings:
    """Problems and warnings found so far, each as (line, column, message), 1-based."""

    path: str
    errors: list[tuple[int, int, str]] = field(default_factory=list)
    warnings: list[tuple[int, int, str]] = field(default_factory=list)

    def error(self, node: Node, message: str) -> None:
        self.error_at(node.start_mark.line + 1, node.start_mark.column + 1, message)

    def error_at(self, line: int, column: int, message: str) -> None:
        self.errors.append((line, column, message))

    def warn(self, node: Node, message: str) -> None:
        self.warnings.append((node.start_mark.line + 1, node.start_mark.column + 1, message))

    def lines(self, entries: list[tuple[int, int, str]]) -> list[str]:
        """Format entries as ``path:line:col: message`` in file order (stable for ties)."""
        ordered = sorted(entries, key=lambda entry: (entry[0], entry[1]))
        return [f"{self.path}:{line}:{column}: {message}" for line, column, message in ordered]


# --- public API ------------------------------------------------------------------------------


def load_goals(path: str | os.PathLike[str]) -> GoalsConfig:
    """Read and validate the goals file at ``path`` (UTF-8); see ``parse_goals``.

    Raises ``ConfigError`` when the file cannot be read or holds any problem.
    """
    name = os.fspath(path)
    try:
        with open(name, encoding="utf-8-sig") as handle:
            text = handle.read()
    except UnicodeDecodeError as exc:
        reason = f"not valid UTF-8 (byte 0x{exc.object[exc.start]:02x} at offset {exc.start})"
        raise ConfigError([f"{name}: cannot read goals file: {reason}"]) from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ConfigError([f"{name}: cannot read goals file: {reason}"]) from None
    return parse_goals(text, path=name)


def parse_goals(text: str, path: str = "<goals>") -> GoalsConfig:
    """Validate the YAML ``text`` of a goals file and return its goals in file order.

    ``path`` only names the file in messages. Raises ``ConfigError`` listing every problem as
    ``path:line:col: message``; lint findings go to ``GoalsConfig.warnings`` in the same form.
    """
    findings = _Findings(path)
    config = GoalsConfig(goals=(), path=path)
    with paused():
        root = _compose(text, findings)
        if root is not None:
            config = _read_goals_file(root, findings, path)
    if findings.errors:
        raise ConfigError(findings.lines(findings.errors))
    return dataclasses.replace(config, warnings=tuple(findings.lines(findings.warnings)))


# --- YAML syntax -----------------------------------------------------------------------------


def _compose(text: str, findings: _Findings) -> Node | None:
    """Return the document's root node, or None after recording a syntax error or emptiness.

    libyaml composes the tree when it is available and reads the text without a problem; any
    problem (and any deep document) is left to PyYAML's own composer, whose messages and limits
    the file's errors are reported with.
    """
    root = _compose_with_libyaml(text)
    if root is None:
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as exc:
            findings.error_at(*_syntax_problem(exc))
            return None
        except ReaderError as exc:
            line, column = _position(text, exc.position)
            reason = f"unacceptable character #x{exc.character:04x}: {exc.reason}"
            findings.error_at(line, column, f"invalid YAML: {reason}")
            return None
        except RecursionError:  # the composer recurses once per level of nesting
            findings.error_at(1, 1, "invalid YAML: the document nests too deeply")
            return None
    if root is None or (_tag(root) == _NULL and root.value == ""):
        findings.error_at(1, 1, "the goals file is empty (expected a mapping with a 'goals' list)")
        return None
    return root


# Deeper documents are composed by PyYAML, which recurses per level (RecursionError: too deep).
_LIBYAML_MAX_DEPTH = 64


def _compose_with_libyaml(text: str) -> Node | None:
    """The root node as libyaml (PyYAML's C parser) composes it; None when libyaml is missing,
    finds any problem, composes nothing, or the document nests deeper than
    ``_LIBYAML_MAX_DEPTH``: the caller then composes with PyYAML, as it always did.

    A text holding a tab is left to PyYAML too: libyaml accepts tabs in places (after a colon,
    before a comment, in flow collections) where PyYAML reports them, and a tab in a goals
    file is reported."""
    libyaml = getattr(yaml, "CSafeLoader", None)
    if libyaml is None or "\t" in text:
        return None

    class Loader(libyaml):  # type: ignore[misc,valid-type]
        """libyaml's safe loader, resolving each distinct plain scalar's tag once: the safe
        resolver has no path resolvers, so a scalar's tag depends on its text only."""

        def __init__(self, stream: str) -> None:
            super().__init__(stream)
            self.tags: dict[tuple[str, tuple[bool, bool]], str] = {}

        def resolve(self, kind: type[Node], value: object, implicit: tuple[bool, bool]) -> str:
            if kind is not ScalarNode or not isinstance(value, str):
                return cast(str, super().resolve(kind, value, implicit))
            key = (value, implicit)
            tag = self.tags.get(key)
            if tag is None:
                tag = self.tags[key] = cast(str, super().resolve(kind, value, implicit))
            return tag

    try:
        root = yaml.compose(text, Loader=Loader)
    except (yaml.YAMLError, ValueError):  # ValueError: text that is no valid UTF-8
        return None
    if root is None or _depth_exceeds(root, _LIBYAML_MAX_DEPTH):
        return None
    return root


def _depth_exceeds(root: Node, limit: int) -> bool:
    """True when some node of the tree under ``root`` lies more than ``limit`` levels deep."""
    level: list[Node] = [root]
    for _ in range(limit):
        deeper: list[Node] = []
        for node in level:
            if isinstance(node, MappingNode):
                for key, value in node.value:
                    deeper += (key, value)
            elif isinstance(node, SequenceNode):
                deeper += node.value
        if not deeper:
            return False
        level = deeper
    return True


def _syntax_problem(exc: yaml.MarkedYAMLError) -> tuple[int, int, str]:
    """Turn a PyYAML error into (line, column, message) at the place the problem was found."""
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = (exc.problem or exc.context or "malformed document").removeprefix("but ")
    if "'\\t'" in problem:
        if mark is not None and _only_indentation_before(mark):
            problem = "found a tab character where indentation is expected"
        else:
            problem = problem.replace("character '\\t'", "a tab character")
    if exc.problem and exc.context and exc.context_mark:
        where = f"line {exc.context_mark.line + 1}, column {exc.context_mark.column + 1}"
        problem = f"{problem} ({exc.context} at {where})"
    return line, column, f"invalid YAML: {problem}"


def _only_indentation_before(mark: Mark) -> bool:
    """True when only blanks precede ``mark`` on its line (so a tab there is indentation)."""
    if mark.buffer is None:
        return False
    line_start = mark.pointer - mark.column
    return bool(mark.buffer[line_start : mark.pointer].strip(" \t") == "")


def _position(text: str, offset: int) -> tuple[int, int]:
    """Return the 1-based line and column of character ``offset`` in ``text``."""
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


# --- node helpers ----------------------------------------------------------------------------


def _tag(node: Node) -> str:
    return str(node.tag)


def _describe(node: Node) -> str:
    """Say what a node holds, for ``got ...``: ``a list``, ``a boolean``, ``the string 'x'``."""
    if isinstance(node, MappingNode):
        return "a mapping" if node.value else "an empty mapping"
    if isinstance(node, SequenceNode):
        return "a list" if node.value else "an empty list"
    tag = _tag(node)
    if tag == _BOOL:
        return "a boolean"
    if tag == _NULL:
        return "nothing" if node.value == "" else "null"
    if tag in (_INT, _FLOAT):
        return f"the number {node.value}"
    if tag == _TIMESTAMP:
        return f"the date {node.value}"
    if tag == _STR:
        return f"the string {node.value!r}"
    return f"a value tagged {tag}"


def _choices(names: tuple[str, ...]) -> str:
    """``one of a, b, c`` (or just ``a`` for a single name)."""
    return names[0] if len(names) == 1 else f"one of {', '.join(names)}"


def _wrong(findings: _Findings, node: Node, subject: str, expected: str) -> None:
    findings.error(node, f"invalid {subject}: expected {expected}, got {_describe(node)}")


def _entries(
    node: MappingNode, findings: _Findings, where: str, allowed: tuple[str, ...]
) -> _Entries:
    """Return ``{key: (key node, value node)}`` for the allowed keys of a mapping, in file order.

    Reports keys that are unknown, repeated (the first one wins) or not plain names; ``where``
    completes ``unknown key 'x' ...``, e.g. ``in goal 'purchase'``.
    """
    entries: _Entries = {}
    first_line: dict[str, int] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, ScalarNode):
            findings.error(
                key_node, f"invalid key {where}: expected a name, got {_describe(key_node)}"
            )
            continue
        key = cast(str, key_node.value)
        if key in first_line:
            findings.error(
                key_node, f"duplicate key {key!r} {where} (first at line {first_line[key]})"
            )
            continue
        first_line[key] = key_node.start_mark.line + 1
        if _tag(key_node) == _MERGE:
            findings.error(key_node, f"merge keys ('<<') are not supported {where}")
        elif key not in allowed:
            findings.error(key_node, f"unknown key {key!r} {where} (expected {_choices(allowed)})")
        else:
            entries[key] = (key_node, value_node)
    return entries


def _has_rejected_keys(node: MappingNode, entries: _Entries) -> bool:
    """True when ``_entries`` already reported some key of ``node`` (unknown, repeated, ...).

    A mapping holding only a misspelt key then gets one message, not also "has no operator".
    """
    return len(node.value) > len(entries)


def _text(node: Node, findings: _Findings, subject: str, expected: str = "a string") -> str | None:
    """Return a scalar's text (numbers and dates as written), or None after reporting."""
    if isinstance(node, ScalarNode) and _tag(node) in _TEXT_TAGS:
        return cast(str, node.value)
    _wrong(findings, node, subject, expected)
    return None


def _choice(node: Node, findings: _Findings, subject: str, choices: tuple[str, ...]) -> str | None:
    """Return a string that is one of ``choices``, or None after reporting."""
    if isinstance(node, ScalarNode) and _tag(node) == _STR and node.value in choices:
        return cast(str, node.value)
    _wrong(findings, node, subject, _choices(choices))
    return None


def _flag(node: Node, findings: _Findings, subject: str) -> bool | None:
    """Return a YAML boolean (true/false, yes/no, on/off), or None after reporting."""
    if isinstance(node, ScalarNode) and _tag(node) == _BOOL:
        return bool(_SCALARS.construct_yaml_bool(node))
    _wrong(findings, node, subject, "true or false")
    return None


def _number(node: Node) -> float | None:
    """Return the finite number a scalar holds, or None if it holds none."""
    if not isinstance(node, ScalarNode):
        return None
    if _tag(node) == _INT:
        number = float(_SCALARS.construct_yaml_int(node))
    elif _tag(node) == _FLOAT:
        number = float(_SCALARS.construct_yaml_float(node))
    else:
        return None
    return number if math.isfinite(number) else None


# --- the file and its goals ------------------------------------------------------------------


def _read_goals_file(root: Node, findings: _Findings, path: str) -> GoalsConfig:
    """Check the top-level mapping and read its ``goals``, ``funnels`` and ``alerts`` lists
    and its ``source`` section (a file with a ``source`` may leave ``goals`` out)."""
    if not isinstance(root, MappingNode):
        _wrong(findings, root, "goals file", "a mapping with a 'goals' list")
        return GoalsConfig(goals=(), path=path)
    entries = _entries(root, findings, "at the top level", TOP_LEVEL_KEYS)
    source = _read_source(entries["source"][1], findings) if "source" in entries else None
    goals: list[Goal] = []
    if "goals" in entries:
        goals = _read_goal_list(entries["goals"][1], findings)
    elif "source" not in entries:
        findings.error(root, "missing key 'goals' at the top level (expected a list of goals)")
    funnels: list[Funnel] = []
    if "funnels" in entries:
        funnels = _read_funnel_list(entries["funnels"][1], goals, findings)
    alerts: list[AlertRule] = []
    if "alerts" in entries:
        shape = ReportShape(
            goals=tuple(goal.name for goal in goals),
            micro_goals=tuple(goal.name for goal in goals if goal.kind == "micro"),
            funnels={funnel.name: len(funnel.steps) for funnel in funnels},
            dimensions=source.keep if source is not None else (),
        )
        alerts = _read_alert_list(entries["alerts"][1], shape, findings)
    return GoalsConfig(
        goals=tuple(goals),
        path=path,
        funnels=tuple(funnels),
        source=source,
        alerts=tuple(alerts),
    )


def _read_goal_list(node: Node, findings: _Findings) -> list[Goal]:
    """Read every goal of the ``goals`` list; also checks unique names and the macro count."""
    if not isinstance(node, SequenceNode):
        _wrong(findings, node, "goals", "a list of goals")
        return []
    if not node.value:
        findings.error(node, "the goals list is empty (expected at least one goal)")
        return []
    name_lines: dict[str, int] = {}
    goals: list[Goal] = []
    macro_nodes: list[Node] = []
    for index, item in enumerate(node.value, start=1):
        goal = _read_goal(item, index, name_lines, findings)
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


def _goal_label(node: MappingNode, index: int, noun: str = "goal") -> str:
    """``goal 'purchase'`` when the goal has a usable name, else ``goal #3`` (its position)."""
    for key_node, value_node in node.value:
        if (
            isinstance(key_node, ScalarNode)
            and key_node.value == "name"
            and isinstance(value_node, ScalarNode)
            and _tag(value_node) in _TEXT_TAGS
            and value_node.value
        ):
            return f"{noun} {value_node.value!r}"
    return f"{noun} #{index}"


def _read_goal(
    node: Node, index: int, name_lines: dict[str, int], findings: _Findings
) -> Goal | None:
    """Read one goal mapping; returns None when it has any problem (all of them reported)."""
    if not isinstance(node, MappingNode):
        _wrong(findings, node, f"goal #{index}", "a mapping with name, kind and a type key")
        return None
    errors_before = len(findings.errors)
    label = _goal_label(node, index)
    entries = _entries(node, findings, f"in {label}", GOAL_KEYS)
    name = _read_goal_name(node, entries, label, name_lines, findings)
    kind = _read_required_choice(node, entries, "kind", label, GOAL_KINDS, findings)
    goal_type, parsed = _read_goal_type(node, entries, label, findings)
    category = _read_category(entries, kind, label, findings)
    count = _read_count(entries, goal_type, label, findings)
    value = _read_goal_value(entries, label, findings)
    if len(findings.errors) > errors_before or name is None or kind is None or goal_type is None:
        return None
    destination, event, condition = parsed
    return Goal(
        name=name,
        kind=cast(GoalKind, kind),
        type=goal_type,
        category=cast("GoalCategory | None", category),
        destination=destination,
        event=event,
        condition=condition,
        count=cast(CountMode, count),
        value=value,
        line=node.start_mark.line + 1,
    )


def _read_goal_name(
    node: MappingNode,
    entries: _Entries,
    label: str,
    name_lines: dict[str, int],
    findings: _Findings,
    noun: str = "goal",
) -> str | None:
    """Return the goal's (or funnel's) non-empty, not yet used name, or None after reporting."""
    if "name" not in entries:
        findings.error(node, f"missing key 'name' in {label} (expected a non-empty string)")
        return None
    value_node = entries["name"][1]
    name = _text(value_node, findings, f"name of {label}", "a non-empty string")
    if name is None:
        return None
    if not name:
        _wrong(findings, value_node, f"name of {label}", "a non-empty string")
        return None
    if name in name_lines:
        findings.error(
            value_node, f"duplicate {noun} name {name!r} (first used at line {name_lines[name]})"
        )
        return None
    name_lines[name] = value_node.start_mark.line + 1
    return name


def _read_required_choice(
    node: MappingNode,
    entries: _Entries,
    key: str,
    label: str,
    choices: tuple[str, ...],
    findings: _Findings,
) -> str | None:
    if key not in entries:
        findings.error(node, f"missing key {key!r} in {label} (expected {_choices(choices)})")
        return None
    return _choice(entries[key][1], findings, f"{key} of {label}", choices)


_Parsed = tuple[DestinationMatcher | None, EventMatcher | None, NumberCondition | None]


def _read_goal_type(
    node: MappingNode, entries: _Entries, label: str, findings: _Findings
) -> tuple[GoalType | None, _Parsed]:
    """Find the goal's one type key, check ``type`` against it and read its matcher/condition."""
    present = [key for key in entries if key in GOAL_TYPES]
    expected = f"expected exactly one of {', '.join(GOAL_TYPES)}"
    if not present:
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
        declared = _choice(type_node, findings, f"type of {label}", GOAL_TYPES)
        if declared is not None and goal_type is not None and declared != goal_type:
            findings.error(
                type_node,
                f"type {declared} of {label} disagrees with its {goal_type} key "
                f"(expected type: {goal_type}, or no type)",
            )
    return goal_type, (destination, event, condition)


def _read_category(
    entries: _Entries, kind: str | None, label: str, findings: _Findings
) -> str | None:
    """Return the micro goal's category (or None); a category on a macro goal is an error."""
    if "category" not in entries:
        return None
    key_node, value_node = entries["category"]
    if kind == "macro":
        findings.error(key_node, f"category applies only to micro goals, but {label} is macro")
    return _choice(value_node, findings, f"category of {label}", GOAL_CATEGORIES)


def _read_count(
    entries: _Entries, goal_type: GoalType | None, label: str, findings: _Findings
) -> str:
    """Return the count mode (default ``once_per_session``); warns on a pointless ``every``."""
    if "count" not in entries:
        return "once_per_session"
    value_node = entries["count"][1]
    count = _choice(value_node, findings, f"count of {label}", COUNT_MODES) or "once_per_session"
    if count == "every" and goal_type in ("duration", "pages"):
        findings.warn(
            value_node,
            f"count: every has no effect on {goal_type} {label} "
            "(it converts at most once per session anyway)",
        )
    return count


def _read_goal_value(entries: _Entries, label: str, findings: _Findings) -> float | None:
    """Return the goal's value per conversion (a number >= 0), or None when absent or invalid."""
    if "value" not in entries:
        return None
    value_node = entries["value"][1]
    number = _number(value_node)
    if number is None or number < 0:
        _wrong(findings, value_node, f"value of {label}", "a number of 0 or more")
        return None
    return number


# --- string matchers -------------------------------------------------------------------------


def _read_destination(node: Node, subject: str, findings: _Findings) -> DestinationMatcher | None:
    """Read ``destination``: a string matcher that may also say ``include_query: true``."""
    matcher, extras = _read_string_matcher(node, subject, findings, extra_keys=("include_query",))
    include_query = False
    if "include_query" in extras:
        include_query = bool(
            _flag(extras["include_query"], findings, f"include_query in {subject}")
        )
    return None if matcher is None else DestinationMatcher(matcher, include_query=include_query)


def _read_string_matcher(
    node: Node,
    subject: str,
    findings: _Findings,
    *,
    case_sensitive: bool = False,
    extra_keys: tuple[str, ...] = (),
) -> tuple[StringMatcher | None, dict[str, Node]]:
    """Read a bare string (``equals``) or a mapping with one match operator.

    ``case_sensitive`` is the default a mapping's own ``case_sensitive`` overrides. Returns the
    matcher (None after reporting) and the value nodes of the allowed ``extra_keys`` found.

    >>> _read_string_matcher(yaml.compose("/a"), "x", _Findings("f"))[0]
    StringMatcher(op='equals', value='/a', case_sensitive=False)
    """
    if not isinstance(node, MappingNode):
        text = _text(node, findings, subject, "a string or a matcher mapping")
        if text == "":
            findings.error(node, f"empty pattern in {subject} (expected a non-empty string)")
        return (StringMatcher("equals", text, case_sensitive) if text else None), {}
    entries = _entries(node, findings, f"in {subject}", (*MATCH_OPS, "case_sensitive", *extra_keys))
    extras = {key: entries[key][1] for key in extra_keys if key in entries}
    if "case_sensitive" in entries:
        flag = _flag(entries["case_sensitive"][1], findings, f"case_sensitive in {subject}")
        case_sensitive = case_sensitive if flag is None else flag
    ops = [key for key in entries if key in MATCH_OPS]
    expected = f"expected exactly one of {', '.join(MATCH_OPS)}"
    if not ops:
        if not _has_rejected_keys(node, entries):
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
    op: MatchOp, node: Node, subject: str, findings: _Findings
) -> str | tuple[str, ...] | None:
    """Return the operand of ``op``: a non-empty string, or for ``one_of`` a tuple of them."""
    if op == "one_of":
        return _read_one_of(node, subject, findings)
    pattern = _text(node, findings, subject)
    if pattern == "":
        findings.error(node, f"empty pattern in {subject} (expected a non-empty string)")
        return None
    if pattern is not None and op == "regex":
        reason = _regex_problem(pattern)
        if reason is not None:
            findings.error(node, f"invalid regex {pattern!r}: {reason}")
            return None
    return pattern


def _read_one_of(node: Node, subject: str, findings: _Findings) -> tuple[str, ...] | None:
    """Return a non-empty list of non-empty strings as a tuple, or None after reporting."""
    if not isinstance(node, SequenceNode) or not node.value:
        _wrong(findings, node, subject, "a non-empty list of strings")
        return None
    values: list[str] = []
    for item in node.value:
        text = _text(item, findings, f"item of {subject}")
        if text == "":
            findings.error(item, f"empty pattern in {subject} (expected a non-empty string)")
        if text:
            values.append(text)
    return tuple(values) if len(values) == len(node.value) else None


@cache  # a file may repeat a pattern in many goals; each costs a compilation
def _regex_problem(pattern: str) -> str | None:
    """Return why Polars' (Rust) regex engine rejects ``pattern``, or None if it compiles.

    >>> _regex_problem("(")
    'unclosed group'
    """
    try:
        pl.select(pl.lit("").str.contains(pattern))
    except pl.exceptions.PolarsError as exc:
        return _regex_reason(str(exc))
    return None


def _regex_reason(message: str) -> str:
    """Pick the reason out of a Rust regex error (its ``error: ...`` line, else the first line)."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    for line in lines:
        if line.startswith("error: "):
            return line.removeprefix("error: ")
    first = lines[0] if lines else "rejected by the regex engine"
    return first.removeprefix("regex error: ")


# --- events and numeric conditions -----------------------------------------------------------


def _read_event(node: Node, label: str, findings: _Findings) -> EventMatcher | None:
    """Read an ``event`` mapping; its ``case_sensitive`` is the default of its string fields."""
    subject = f"event of {label}"
    if not isinstance(node, MappingNode):
        _wrong(findings, node, subject, "a mapping with category, action, label, name and/or value")
        return None
    entries = _entries(node, findings, f"in {subject}", EVENT_KEYS)
    case_sensitive = False
    if "case_sensitive" in entries:
        case_sensitive = bool(
            _flag(entries["case_sensitive"][1], findings, f"case_sensitive in {subject}")
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
        if _has_rejected_keys(node, entries):
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


def _duration_seconds(node: Node) -> float | None:
    """Return a ``parse_duration`` result for a number or ``90s``/``5m``/``1h`` text, else None."""
    number = _number(node)
    raw: str | float | None = number
    if number is None and isinstance(node, ScalarNode) and _tag(node) == _STR:
        raw = cast(str, node.value)
    if raw is None:
        return None
    try:
        return parse_duration(raw)
    except ValueError:
        return None


def _page_count(node: Node) -> float | None:
    """Return a whole number of pages (0 or more), else None."""
    if not isinstance(node, ScalarNode) or _tag(node) != _INT:
        return None
    number = _number(node)
    return number if number is not None and number >= 0 else None


_BOUND_READERS: dict[str, tuple[tuple[str, ...], Callable[[Node], float | None], str]] = {
    "duration": (DURATION_KEYS, _duration_seconds, "a duration like 90, 90s, 5m or 1h"),
    "pages": (NUMBER_KEYS, _page_count, "a whole number of pages (0 or more)"),
    "event value": (NUMBER_KEYS, _number, "a number"),
}


def _read_condition(
    node: Node, kind: str, subject: str, findings: _Findings
) -> NumberCondition | None:
    """Read a mapping of comparisons for a ``duration``, ``pages`` or ``event value`` condition.

    Duration bounds are returned in seconds; a range no value can satisfy is an error.
    """
    keys, read_bound, expected = _BOUND_READERS[kind]
    if not isinstance(node, MappingNode):
        _wrong(findings, node, subject, f"a mapping with {' and/or '.join(keys)}")
        return None
    entries = _entries(node, findings, f"in {subject}", keys)
    if not entries:
        if _has_rejected_keys(node, entries):
            return None
        findings.error(
            node, f"{subject} has no comparison (expected one or more of {', '.join(keys)})"
        )
        return None
    bounds: dict[str, float] = {}
    for key, (_, value_node) in entries.items():
        bound = read_bound(value_node)
        if bound is None:
            _wrong(findings, value_node, f"{key} in {subject}", expected)
        else:
            bounds[key] = bound
    if len(bounds) < len(entries):
        return None
    texts = {key: cast(str, value_node.value) for key, (_, value_node) in entries.items()}
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


# --- the source of an event export ---------------------------------------------------------


def _read_source(node: Node, findings: _Findings) -> SourceMapping | None:
    """Read the ``source:`` mapping of an event export; None when it has any problem.

    Without a preset it must name the timestamp column and a user id or an anonymous id.
    """
    if not isinstance(node, MappingNode):
        _wrong(findings, node, "source", "a mapping of export columns (timestamp, user_id, ...)")
        return None
    errors_before = len(findings.errors)
    entries = _entries(node, findings, "in source", SOURCE_KEYS)
    preset = _read_optional_choice(entries, "preset", "source", SOURCE_PRESETS, findings)
    export_format = _read_optional_choice(entries, "format", "source", EXPORT_FORMATS, findings)
    timestamp = (
        _read_timestamp(entries["timestamp"][1], findings) if "timestamp" in entries else None
    )
    timezone = _read_source_timezone(entries, findings)
    columns = {
        key: _read_column(entries[key][1], f"{key} of source", findings)
        for key in SOURCE_COLUMN_FIELDS
        if key in entries
    }
    pageview = _read_row_rule(entries, "pageview", findings)
    skip = _read_row_rule(entries, "skip", findings, allow_null=True)
    keep = _read_keep(entries["keep"][1], findings) if "keep" in entries else ()
    if "preset" not in entries:
        _require_source_basics(node, entries, findings)
    if len(findings.errors) > errors_before:
        return None
    return SourceMapping(
        preset=cast("SourcePreset | None", preset),
        format=cast("ExportFormat | None", export_format),
        timestamp=timestamp,
        timezone=timezone,
        pageview=pageview,
        skip=skip,
        keep=keep,
        line=node.start_mark.line + 1,
        **columns,
    )


def _require_source_basics(node: MappingNode, entries: _Entries, findings: _Findings) -> None:
    """Report a mapping (no preset) without a timestamp column or without any user id."""
    presets = f"or preset: {' or '.join(SOURCE_PRESETS)}"
    if "timestamp" not in entries:
        findings.error(
            node, f"source has no timestamp (expected timestamp: the time column, {presets})"
        )
    if "user_id" not in entries and "anonymous_id" not in entries:
        findings.error(
            node,
            "source has no user id (expected user_id and/or anonymous_id: the visitor is the "
            f"user id, else the anonymous id; {presets})",
        )


def _read_column(node: Node, subject: str, findings: _Findings) -> str | None:
    """Return a column name (a dotted path reaches into nested columns), or None."""
    name = _text(node, findings, subject, "a column name")
    if name == "":
        _wrong(findings, node, subject, "a column name")
        return None
    return name


def _read_timestamp(node: Node, findings: _Findings) -> TimestampField | None:
    """Read ``timestamp``: a column name, or a mapping with ``column`` and ``format``."""
    subject = "timestamp of source"
    if not isinstance(node, MappingNode):
        column = _text(node, findings, subject, "a column name or a mapping with column, format")
        if column == "":
            _wrong(findings, node, subject, "a column name")
        return TimestampField(column) if column else None
    entries = _entries(node, findings, f"in {subject}", TIMESTAMP_KEYS)
    column = None
    if "column" in entries:
        column = _read_column(entries["column"][1], f"column of {subject}", findings)
    elif not _has_rejected_keys(node, entries):
        findings.error(node, f"missing key 'column' in {subject} (expected the time column)")
    time_format = None
    if "format" in entries:
        time_format = _read_timestamp_format(entries["format"][1], findings)
    if column is None or ("format" in entries and time_format is None):
        return None
    return TimestampField(column, time_format)


def _read_timestamp_format(node: Node, findings: _Findings) -> str | None:
    """Return a named timestamp format or a strftime pattern Polars accepts, else None."""
    subject = "format of timestamp in source"
    text = _text(node, findings, subject, _TIMESTAMP_EXPECTED)
    if text is None:
        return None
    if text in TIMESTAMP_FORMATS:
        return text
    reason = _strftime_problem(text)
    if reason is not None:
        findings.error(node, f"invalid {subject}: {reason} (expected {_TIMESTAMP_EXPECTED})")
        return None
    return text


def _strftime_problem(pattern: str) -> str | None:
    """Say why ``pattern`` cannot read times, or None if Polars accepts it.

    >>> _strftime_problem("%Y-%m-%d %H")
    'invalid format string: Please either specify both hour and minute, or neither'
    """
    if "%" not in pattern:
        return f"{pattern!r} is neither a named format nor a strftime pattern"
    try:
        pl.select(pl.lit("2026-01-01").str.to_datetime(pattern, strict=False, time_unit="us"))
    except pl.exceptions.PolarsError as exc:
        reason = _regex_reason(str(exc)).rstrip(".")
        return reason[:1].lower() + reason[1:]
    return None


def _read_source_timezone(entries: _Entries, findings: _Findings) -> str:
    """Return the time zone of naive timestamps (default UTC); reports an unknown zone."""
    if "timezone" not in entries:
        return "UTC"
    node = entries["timezone"][1]
    text = _text(node, findings, "timezone of source", "a time zone like UTC or Europe/Paris")
    if text is None:
        return "UTC"
    try:
        parse_timezone(text)
    except UsageError as exc:
        findings.error(node, f"invalid timezone of source: {exc}")
    return text


def _read_row_rule(
    entries: _Entries, key: str, findings: _Findings, *, allow_null: bool = False
) -> RowRule | None:
    """Read ``pageview`` or ``skip``: ``{column: C, equals: V}`` or ``{column: C, one_of: [...]}``
    (``skip: null`` is ``NO_ROWS``). None when absent or invalid."""
    if key not in entries:
        return None
    node = entries[key][1]
    subject = f"{key} of source"
    if allow_null and isinstance(node, ScalarNode) and _tag(node) == _NULL:
        return NO_ROWS
    if not isinstance(node, MappingNode):
        expected = "a mapping with column and equals or one_of" + (", or null" * allow_null)
        _wrong(findings, node, subject, expected)
        return None
    rule = _entries(node, findings, f"in {subject}", ROW_RULE_KEYS)
    column = None
    if "column" in rule:
        column = _read_column(rule["column"][1], f"column of {subject}", findings)
    elif not _has_rejected_keys(node, rule):
        findings.error(node, f"missing key 'column' in {subject} (expected the column to test)")
    values = _read_rule_values(node, rule, subject, findings)
    if column is None or values is None:
        return None
    return RowRule(column, values)


def _read_rule_values(
    node: MappingNode, rule: _Entries, subject: str, findings: _Findings
) -> tuple[str, ...] | None:
    """Return the values of a row rule's one test (``equals`` or ``one_of``), or None."""
    tests = [key for key in ("equals", "one_of") if key in rule]
    expected = "expected exactly one of equals, one_of"
    if not tests:
        if not _has_rejected_keys(node, rule):
            findings.error(node, f"{subject} has no test ({expected})")
        return None
    if len(tests) > 1:
        findings.error(
            rule[tests[1]][0], f"{subject} has several tests: equals, one_of ({expected})"
        )
        return None
    value_node = rule[tests[0]][1]
    if tests[0] == "one_of":
        return _read_one_of(value_node, f"one_of in {subject}", findings)
    value = _text(value_node, findings, f"equals in {subject}", "a non-empty string")
    if value == "":
        _wrong(findings, value_node, f"equals in {subject}", "a non-empty string")
        return None
    return None if value is None else (value,)


def _read_keep(node: Node, findings: _Findings) -> tuple[str, ...]:
    """Read ``keep``: a list of extra columns, none repeated, none named like a hit column."""
    subject = "keep of source"
    if not isinstance(node, SequenceNode):
        _wrong(findings, node, subject, "a list of column names")
        return ()
    names: dict[str, int] = {}
    for item in node.value:
        name = _read_column(item, f"column in {subject}", findings)
        if name is None:
            continue
        if name in names:
            findings.error(
                item, f"duplicate column {name!r} in {subject} (first at line {names[name]})"
            )
        elif name in HIT_SCHEMA:
            findings.error(
                item,
                f"column {name!r} in {subject} has the name of a hit column "
                f"(hit columns: {', '.join(HIT_SCHEMA)})",
            )
        else:
            names[name] = item.start_mark.line + 1
    return tuple(names)


# --- funnels ---------------------------------------------------------------------------------


_Item = TypeVar("_Item")


def _read_named_list(
    node: Node,
    findings: _Findings,
    key: str,
    expected: str,
    read_item: Callable[[Node, int, dict[str, int]], _Item | None],
) -> list[_Item]:
    """Read every item of the list under ``key`` with ``read_item(node, position, name_lines)``
    (``name_lines`` is shared, for unique names); items with problems are left out."""
    if not isinstance(node, SequenceNode):
        _wrong(findings, node, key, expected)
        return []
    name_lines: dict[str, int] = {}
    items = []
    for index, item in enumerate(node.value, start=1):
        read = read_item(item, index, name_lines)
        if read is not None:
            items.append(read)
    return items


def _read_funnel_list(node: Node, goals: list[Goal], findings: _Findings) -> list[Funnel]:
    """Read every funnel of the ``funnels`` list (``goal:`` may name any of ``goals``)."""
    goals_by_name = {goal.name: goal for goal in goals}
    return _read_named_list(
        node,
        findings,
        "funnels",
        "a list of funnels",
        lambda item, index, names: _read_funnel(item, index, goals_by_name, names, findings),
    )


def _read_funnel(
    node: Node,
    index: int,
    goals: dict[str, Goal],
    name_lines: dict[str, int],
    findings: _Findings,
) -> Funnel | None:
    """Read one funnel mapping; returns None when it has any problem (all of them reported)."""
    if not isinstance(node, MappingNode):
        _wrong(findings, node, f"funnel #{index}", "a mapping with name and steps")
        return None
    errors_before = len(findings.errors)
    label = _goal_label(node, index, noun="funnel")
    entries = _entries(node, findings, f"in {label}", FUNNEL_KEYS)
    name = _read_goal_name(node, entries, label, name_lines, findings, noun="funnel")
    scope = _read_optional_choice(entries, "scope", label, FUNNEL_SCOPES, findings)
    entry = _read_optional_choice(entries, "entry", label, FUNNEL_ENTRIES, findings)
    order = _read_optional_choice(entries, "order", label, FUNNEL_ORDERS, findings)
    within = _read_time_limit(entries, "within", label, findings)
    within_step = _read_time_limit(entries, "within_step", label, findings)
    steps = _read_steps(entries, label, findings)
    goal_step = _read_goal_step(entries, label, goals, findings)
    if goal_step is not None:
        steps.append(goal_step)
    if len(findings.errors) > errors_before or name is None:
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
        scope=cast(FunnelScope, scope or "session"),
        entry=cast(FunnelEntry, entry or "closed"),
        order=cast(FunnelOrder, order or "ordered"),
        within_s=within,
        within_step_s=within_step,
        goal=goal_step.name if goal_step is not None else None,
        line=node.start_mark.line + 1,
    )


def _read_optional_choice(
    entries: _Entries, key: str, label: str, choices: tuple[str, ...], findings: _Findings
) -> str | None:
    """Return the value of an optional choice key (None when absent or invalid)."""
    if key not in entries:
        return None
    return _choice(entries[key][1], findings, f"{key} of {label}", choices)


def _read_time_limit(entries: _Entries, key: str, label: str, findings: _Findings) -> float | None:
    """Return a positive duration in seconds (``within``, ``within_step``), or None."""
    if key not in entries:
        return None
    value_node = entries[key][1]
    seconds = _duration_seconds(value_node)
    if seconds is None or seconds <= 0:
        _wrong(findings, value_node, f"{key} of {label}", "a duration like 30m, 12h or 7d")
        return None
    return seconds


def _read_steps(entries: _Entries, label: str, findings: _Findings) -> list[FunnelStep]:
    """Read the ``steps`` list; steps with problems are reported and left out."""
    if "steps" not in entries:
        return []
    node = entries["steps"][1]
    if not isinstance(node, SequenceNode):
        _wrong(findings, node, f"steps of {label}", "a list of steps")
        return []
    steps = []
    for number, item in enumerate(node.value, start=1):
        step = _read_step(item, f"step {number} of {label}", findings)
        if step is not None:
            steps.append(step)
    return steps


def _read_step(node: Node, subject: str, findings: _Findings) -> FunnelStep | None:
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
    entries = _entries(node, findings, f"in {subject}", STEP_KEYS)
    name = None
    if "name" in entries:
        name = _text(entries["name"][1], findings, f"name of {subject}", "a non-empty string")
        if name == "":
            _wrong(findings, entries["name"][1], f"name of {subject}", "a non-empty string")
    present = [key for key in entries if key != "name"]
    expected = "expected exactly one of destination, event, any_of"
    if not present:
        if not _has_rejected_keys(node, entries):
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
    key: str, node: Node, subject: str, findings: _Findings
) -> tuple[HitMatcher, ...] | None:
    """Read the value of a ``destination`` or ``event`` key as a one-matcher tuple."""
    matcher: HitMatcher | None
    if key == "destination":
        matcher = _read_destination(node, f"destination of {subject}", findings)
    else:
        matcher = _read_event(node, subject, findings)
    return None if matcher is None else (matcher,)


def _read_any_of(node: Node, subject: str, findings: _Findings) -> tuple[HitMatcher, ...] | None:
    """Read a non-empty list of ``{destination: ...}`` / ``{event: ...}`` mappings."""
    if not isinstance(node, SequenceNode) or not node.value:
        _wrong(findings, node, f"any_of of {subject}", "a non-empty list of matchers")
        return None
    matchers: list[HitMatcher] = []
    for number, item in enumerate(node.value, start=1):
        where = f"alternative {number} of {subject}"
        if not isinstance(item, MappingNode):
            _wrong(findings, item, where, "a mapping with destination or event")
            continue
        entries = _entries(item, findings, f"in {where}", STEP_MATCHER_KEYS)
        if len(entries) != 1:
            if not _has_rejected_keys(item, entries) or not entries:
                findings.error(
                    item, f"{where} needs exactly one of destination, event (got {len(entries)})"
                )
            continue
        key, (_, value_node) = next(iter(entries.items()))
        found = _one_matcher(key, value_node, where, findings)
        if found is not None:
            matchers.extend(found)
    return tuple(matchers) if len(matchers) == len(node.value) else None


def _read_goal_step(
    entries: _Entries, label: str, goals: dict[str, Goal], findings: _Findings
) -> FunnelStep | None:
    """The last step named by ``goal:``: the hit matcher of that destination or event goal."""
    if "goal" not in entries:
        return None
    value_node = entries["goal"][1]
    name = _text(value_node, findings, f"goal of {label}", "the name of a goal")
    if name is None:
        return None
    goal = goals.get(name)
    if goal is None:
        known = ", ".join(repr(g) for g in goals) or "none defined"
        findings.error(value_node, f"{label} names unknown goal {name!r} (goals: {known})")
        return None
    matcher: HitMatcher | None = goal.destination or goal.event
    if matcher is None:
        findings.error(
            value_node,
            f"{label} ends at goal {name!r}, a {goal.type} goal (expected a destination or "
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


# --- alerts ----------------------------------------------------------------------------------


def _read_alert_list(node: Node, shape: ReportShape, findings: _Findings) -> list[AlertRule]:
    """Read every rule of the ``alerts`` list against the report ``shape`` of the file."""
    return _read_named_list(
        node,
        findings,
        "alerts",
        "a list of alert rules",
        lambda item, index, names: _read_alert(item, index, shape, names, findings),
    )


def _read_alert(
    node: Node, index: int, shape: ReportShape, name_lines: dict[str, int], findings: _Findings
) -> AlertRule | None:
    """Read one alert rule; returns None when it has any problem (all of them reported)."""
    if not isinstance(node, MappingNode):
        _wrong(findings, node, f"alert #{index}", "a mapping with name, metric and a condition")
        return None
    errors_before = len(findings.errors)
    label = _goal_label(node, index, noun="alert")
    entries = _entries(node, findings, f"in {label}", ALERT_KEYS)
    name = _read_goal_name(node, entries, label, name_lines, findings, noun="alert")
    metric = None
    if "metric" not in entries:
        findings.error(node, f"missing key 'metric' in {label} (a path into the JSON report)")
    else:
        metric_node = entries["metric"][1]
        text = _text(metric_node, findings, f"metric of {label}", "a path like goals.NAME.FIELD")
        if text is not None:
            try:
                metric = parse_metric(text, shape)
            except ValueError as exc:
                findings.error(metric_node, f"{exc} in {label}")
    conditions = [key for key in CONDITIONS if key in entries]
    if len(conditions) != 1 and not _has_rejected_keys(node, entries):
        findings.error(
            node,
            f"{label} needs exactly one condition ({_choices(CONDITIONS)}), got {len(conditions)}",
        )
    compare = _read_optional_choice(entries, "compare", label, RULE_COMPARISONS, findings)
    min_sessions = _read_min_sessions(entries, label, findings)
    significance = _read_significance(entries, label, findings)
    if len(findings.errors) > errors_before or name is None or metric is None:
        return None
    condition = conditions[0]
    threshold = _read_threshold(entries[condition][1], condition, metric, label, findings)
    if threshold is None:
        return None
    if compare is not None and not condition.startswith("change_"):
        findings.error(entries["compare"][0], f"compare in {label} applies to change rules only")
        return None
    if significance is not None and not metric.is_testable:
        findings.error(
            entries["significant"][0],
            f"significant in {label} needs a rate of a known count (a conversion, drop-off or "
            f"bounce rate); {metric.text} has no test",
        )
        return None
    return AlertRule(
        name=name,
        metric=metric,
        condition=condition,
        threshold=threshold,
        compare=compare,
        min_sessions=min_sessions,
        significance=significance,
        line=node.start_mark.line + 1,
        column=node.start_mark.column + 1,
    )


def _read_threshold(
    node: Node, condition: Condition, metric: MetricPath, label: str, findings: _Findings
) -> Threshold | None:
    """The bound of a rule's condition: a number, or text such as ``2%`` or ``-2pp``."""
    written: str | float | None = _number(node)
    if written is None and isinstance(node, ScalarNode) and _tag(node) == _STR:
        written = cast(str, node.value)
    if written is None:
        findings.error(
            node, f"invalid {condition} of {label}: expected a number, got {_describe(node)}"
        )
        return None
    try:
        return parse_threshold(written, condition, metric)
    except ValueError as exc:
        findings.error(node, f"invalid {condition} of {label}: {exc}")
        return None


def _read_min_sessions(entries: _Entries, label: str, findings: _Findings) -> int:
    if "min_sessions" not in entries:
        return 0
    value_node = entries["min_sessions"][1]
    number = _number(value_node)
    if number is None or number < 0 or not number.is_integer() or _tag(value_node) != _INT:
        _wrong(findings, value_node, f"min_sessions of {label}", "a whole number of sessions")
        return 0
    return int(number)


def _read_significance(entries: _Entries, label: str, findings: _Findings) -> float | None:
    """``significant: true`` (the 5% level), ``false``, or a level like 0.01."""
    if "significant" not in entries:
        return None
    value_node = entries["significant"][1]
    if isinstance(value_node, ScalarNode) and _tag(value_node) == _BOOL:
        return DEFAULT_SIGNIFICANCE if _SCALARS.construct_yaml_bool(value_node) else None
    level = _number(value_node)
    if level is None or not 0 < level < 1:
        _wrong(
            findings,
            value_node,
            f"significant of {label}",
            "true, false or a test level between 0 and 1 (0.01)",
        )
        return None
    return level
