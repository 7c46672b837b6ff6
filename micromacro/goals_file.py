"""Goals files: read the YAML, check every field, and build the ``goals`` model.

Validation walks the node tree of ``yaml.compose`` (nothing is constructed from tags), so each
problem names ``file:line:column``. All problems are collected before one ``ConfigError`` is raised.
This module reads the file as a whole, its ``source:`` section (the columns of an event export),
its ``exclude:`` section (the site's own hits, which ``parse_exclusions`` reads alone for the
commands that count no goal) and its ``alerts:`` section; ``goal_definitions``
reads ``goals:`` and ``funnels:``, and ``goals_yaml`` is the YAML layer they share. A file may
leave ``goals:`` out when it holds a funnel or an exclusion to report on, or a ``source:``.

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
import os
from typing import Any

import polars as pl
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from micromacro.collector import paused
from micromacro.dimensions import DIMENSIONS, QUERY_PREFIX
from micromacro.errors import ConfigError, UsageError
from micromacro.funnel_definitions import declared_funnels, read_funnel_list
from micromacro.goal_definitions import (
    Inputs,
    declared_goals,
    polars_error_reason,
    read_destination,
    read_goal_list,
)
from micromacro.goals import (
    CONDITIONS,
    DEFAULT_SIGNIFICANCE,
    EXPORT_FORMATS,
    HIT_VALUE_COLUMNS,
    NO_ROWS,
    RULE_COMPARISONS,
    SOURCE_COLUMN_FIELDS,
    SOURCE_PRESETS,
    TIMESTAMP_FORMATS,
    AlertRule,
    Condition,
    Exclusions,
    Funnel,
    Goal,
    GoalsConfig,
    RowRule,
    SourceMapping,
    Threshold,
    TimestampField,
    parse_threshold,
)
from micromacro.goals_yaml import (
    BOOL_TAG,
    EXPECTED_FILE,
    INT_TAG,
    MERGE_TAG,
    NULL_TAG,
    SCALARS,
    STR_TAG,
    Entries,
    Findings,
    compose,
    describe,
    describe_choices,
    has_rejected_keys,
    item_label,
    mapping_entries,
    read_name,
    read_named_list,
    read_number,
    read_one_of,
    read_optional_choice,
    read_text,
    report_wrong,
    tag_of,
)
from micromacro.hit_schema import EXPORT_HIT_COLUMNS, HIT_SCHEMA
from micromacro.metric_paths import MetricPath, ReportShape, parse_metric
from micromacro.option_values import Network, excluded_network
from micromacro.periods import parse_timezone
from micromacro.text import file_name_text, quoted

TOP_LEVEL_KEYS: tuple[str, ...] = ("goals", "funnels", "alerts", "source", "exclude")
EXCLUDE_KEYS: tuple[str, ...] = ("ips", "paths")
ALERT_KEYS: tuple[str, ...] = (
    "name", "metric", *CONDITIONS, "compare", "min_sessions", "significant",
)  # fmt: skip
SOURCE_KEYS: tuple[str, ...] = (
    "preset", "format", "timestamp", "timezone", *SOURCE_COLUMN_FIELDS, "pageview", "skip",
    "session_only", "keep",
)  # fmt: skip
TIMESTAMP_KEYS: tuple[str, ...] = ("column", "format")
ROW_RULE_KEYS: tuple[str, ...] = ("column", "equals", "one_of")
# What a file without goals is told.
MISSING_GOALS = (
    "missing key 'goals' at the top level (expected a list of goals; without one, a funnel "
    "under funnels: or an address or path under exclude:)"
)
_TIMESTAMP_EXPECTED = (
    f"{', '.join(TIMESTAMP_FORMATS)} or a strftime pattern like '%Y-%m-%d %H:%M:%S'"
)


# --- public API ------------------------------------------------------------------------------


def load_goals(path: str | os.PathLike[str]) -> GoalsConfig:
    """Read and validate the goals file at ``path`` (UTF-8); see ``parse_goals``.

    Raises ``ConfigError`` when the file cannot be read or holds any problem.
    """
    name = os.fspath(path)
    return parse_goals(_goals_text(name), path=file_name_text(name))


def load_exclusions(path: str | os.PathLike[str]) -> Exclusions:
    """Read the goals file at ``path`` (UTF-8) for its ``exclude:`` alone; see
    ``parse_exclusions``.

    Raises ``ConfigError`` when the file cannot be read or its ``exclude:`` holds a problem.
    """
    name = os.fspath(path)
    return parse_exclusions(_goals_text(name), path=file_name_text(name))


# A goals file is a few kilobytes of YAML; one of 126,000 goals is 10 MB. Past this it is
# something else named in its place (a log: ``check access.log``, or ``/dev/zero``), which is
# not read whole.
MAX_GOALS_BYTES = 32 << 20


def _goals_text(name: str) -> str:
    """The text of the goals file ``name`` (its line breaks as ``\\n``); ``ConfigError`` when
    it cannot be read, or is too large to be one (``MAX_GOALS_BYTES``)."""
    shown = file_name_text(name)
    try:
        with open(name, "rb") as handle:
            data = handle.read(MAX_GOALS_BYTES + 1)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ConfigError([f"{shown}: cannot read goals file: {reason}"]) from None
    if len(data) > MAX_GOALS_BYTES:
        raise ConfigError(
            [
                f"{shown}: cannot read goals file: larger than {MAX_GOALS_BYTES >> 20} MB, so no "
                "goals file (a log named in its place?)"
            ]
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, column = _where_in(exc.object, exc.start)
        reason = f"not valid UTF-8 (byte 0x{exc.object[exc.start]:02x})"
        raise ConfigError([f"{shown}:{line}:{column}: cannot read goals file: {reason}"]) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")  # as a text file reads them


def _where_in(data: bytes, offset: int) -> tuple[int, int]:
    r"""The line and column (1-based, in characters) of byte ``offset`` of UTF-8 ``data``, as
    an editor shows them (a byte-order mark is no column).

    >>> _where_in("goals:\n  - é ".encode() + b"\xff", 14)
    (2, 7)
    """
    before = data[:offset].removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\n")
    before = before.replace(b"\r", b"\n")  # a line ended by a lone CR, as the text is read
    line_start = before.rfind(b"\n") + 1
    column = len(before[line_start:].decode("utf-8", "replace")) + 1
    return before.count(b"\n") + 1, column


def parse_goals(text: str, path: str = "<goals>") -> GoalsConfig:
    """Validate the YAML ``text`` of a goals file and return its goals in file order.

    ``path`` only names the file in messages. Raises ``ConfigError`` listing every problem as
    ``path:line:col: message``; lint findings go to ``GoalsConfig.warnings`` in the same form.
    """
    findings = Findings(path)
    config = GoalsConfig(goals=(), path=path)
    with paused():
        root = compose(text, findings)
        if root is not None:
            config = _read_goals_file(root, findings, path)
    if findings.errors:
        raise ConfigError(findings.lines(findings.errors))
    return dataclasses.replace(config, warnings=tuple(findings.lines(findings.warnings)))


def parse_exclusions(text: str, path: str = "<goals>") -> Exclusions:
    """The ``exclude:`` section of the YAML ``text`` of a goals file, for the commands that
    count no goal (``hits``, ``suggest``): the rest of the file is not checked, and an empty file
    excludes nothing. Its lint warnings are left to ``check``.

    Raises ``ConfigError`` as ``parse_goals`` does for invalid YAML, a document that is no
    mapping and a problem in ``exclude:``.

    >>> parse_exclusions("goals: 3\\nexclude: {ips: [203.0.113.7]}\\n").text()
    {'ips': ['203.0.113.7/32'], 'paths': []}
    """
    findings = Findings(path)
    exclusions = Exclusions()
    with paused():
        root = compose(text, findings, empty_ok=True)
        if isinstance(root, MappingNode):
            section = _exclude_section(root, findings)
            if section is not None:
                exclusions = _read_exclude(section, findings)
        elif root is not None:
            report_wrong(findings, root, "goals file", EXPECTED_FILE)
    if findings.errors:
        raise ConfigError(findings.lines(findings.errors))
    return exclusions


# --- the file --------------------------------------------------------------------------------


def _holds_items(node: Node) -> bool:
    """Whether ``node`` is a list holding something."""
    return isinstance(node, SequenceNode) and bool(node.value)


def _read_goals_file(root: Node, findings: Findings, path: str) -> GoalsConfig:
    """Check the top-level mapping and read its ``goals``, ``funnels`` and ``alerts`` lists
    and its ``source`` and ``exclude`` sections. A file may leave ``goals`` out when it holds a
    funnel or an exclusion (its report is the traffic, and the funnels, with the exclusions
    applied), or a ``source`` (an event export's traffic)."""
    if not isinstance(root, MappingNode):
        report_wrong(findings, root, "goals file", EXPECTED_FILE)
        return GoalsConfig(goals=(), path=path)
    errors_of_keys = len(findings.errors)
    entries = mapping_entries(root, findings, "at the top level", TOP_LEVEL_KEYS)
    # A key misspelt, repeated or merged is the problem: goals missing too would be a second.
    top_level_problems = len(findings.errors) > errors_of_keys
    source = _read_source(entries["source"][1], findings) if "source" in entries else None
    goals: list[Goal] = []
    # Goals with problems of their own, and the kind each writes: naming them is no further one.
    broken: dict[str, str] = {}
    inputs = Inputs(exports="source" in entries, source=source)
    errors_of_goals = len(findings.errors)
    if "goals" in entries:
        way_out = _way_out_of_goals(entries)
        goals = read_goal_list(entries["goals"][1], findings, inputs, way_out)
        read = {goal.name for goal in goals}
        declared = declared_goals(entries["goals"][1])
        broken = {name: kind for name, kind in declared.items() if name not in read}
        source = _with_value_columns(source, goals)
    # A goals list with problems (empty, no list, a goal unnamed or named twice) is the error:
    # the alert rules are not told too that it has no goal of a kind.
    goals_problems = len(findings.errors) > errors_of_goals
    errors_before = len(findings.errors)
    funnels: list[Funnel] = []
    written: dict[str, int | None] = {}  # every funnel written, read or not, and its steps
    if "funnels" in entries:
        funnels = read_funnel_list(entries["funnels"][1], goals, findings, inputs, broken)
        written = declared_funnels(entries["funnels"][1])
    # Funnels written (read or not: with problems of their own, or naming a goal that has
    # them): the alert rules are not told the file has none (nor where funnels: is no list,
    # which is an error of its own).
    funnels_written = "funnels" in entries and _holds_items(entries["funnels"][1])
    funnel_problems = len(findings.errors) > errors_before
    exclude = Exclusions()
    if "exclude" in entries:
        exclude = _read_exclude(entries["exclude"][1], findings)
    # A funnel or exclusion with problems is reported as such, not as goals missing too.
    holds = bool(funnels or exclude) or len(findings.errors) > errors_before
    if not (holds or top_level_problems or "goals" in entries or "source" in entries):
        findings.error(root, MISSING_GOALS)
    alerts: list[AlertRule] = []
    if "alerts" in entries:
        shape = ReportShape(
            goals=(*(goal.name for goal in goals), *broken),
            # A goal with problems of its own may be a micro goal unless it says macro.
            micro_goals=(
                *(goal.name for goal in goals if goal.kind == "micro"),
                *(name for name, kind in broken.items() if kind != "macro"),
            ),
            # A funnel with problems of its own (or naming a goal that has them) is named
            # as one read is: those problems are the error, a rule on it no second one.
            funnels=written | {funnel.name: len(funnel.steps) for funnel in funnels},
            dimensions=source.keep if source is not None else (),
            # goals: [] is an error of its own, as is a top-level key misspelt (goal:), merged
            # or repeated: the rules are not told too that the file has no goals.
            has_macro=any(goal.kind == "macro" for goal in goals)
            or goals_problems
            or top_level_problems,
            has_micro=any(goal.kind == "micro" for goal in goals)
            or goals_problems
            or top_level_problems,
            has_goals="goals" in entries or top_level_problems,
            has_funnels=funnels_written or funnel_problems or top_level_problems,
        )
        alerts = _read_alert_list(entries["alerts"][1], shape, findings)
    return GoalsConfig(
        goals=tuple(goals),
        path=path,
        funnels=tuple(funnels),
        source=source,
        alerts=tuple(alerts),
        exclude=exclude,
    )


def _way_out_of_goals(entries: Entries) -> str:
    """What a file whose ``goals:`` is empty or null is told it may do instead, where it holds
    a funnel or an exclusion (as written: they are read after the goals they may name) or a
    ``source``; "" for a file with nothing else, which needs a goal."""
    funnels = entries["funnels"][1] if "funnels" in entries else None
    exclude = entries["exclude"][1] if "exclude" in entries else None
    lists = [funnels] if funnels is not None else []
    if isinstance(exclude, MappingNode):
        lists += [value for _, value in exclude.value]
    if any(_holds_items(node) for node in lists):
        return "a file of funnels or exclusions may leave goals: out"
    return "a file with a source: may leave goals: out" if "source" in entries else ""


# --- the hits excluded ------------------------------------------------------------------------


def _exclude_section(root: MappingNode, findings: Findings) -> Node | None:
    """The value of the top-level ``exclude`` key of ``root``, any other key unread (a repeated
    ``exclude`` is reported as ``parse_goals`` reports it)."""
    named = [(key, value) for key, value in root.value if _is_exclude_key(key)]
    only = MappingNode(root.tag, named, root.start_mark, root.end_mark)
    entries = mapping_entries(only, findings, "at the top level", TOP_LEVEL_KEYS)
    return entries["exclude"][1] if "exclude" in entries else None


def _is_exclude_key(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.value == "exclude" and tag_of(node) != MERGE_TAG


def _read_exclude(node: Node, findings: Findings) -> Exclusions:
    """Read ``exclude:``: ``ips`` (addresses and networks) and ``paths`` (destination
    matchers), each a list."""
    if not isinstance(node, MappingNode):
        report_wrong(findings, node, "exclude", "a mapping with ips and/or paths")
        return Exclusions()
    entries = mapping_entries(node, findings, "in exclude", EXCLUDE_KEYS)
    networks: list[Network] = []
    if "ips" in entries:
        for item in _exclude_list(entries["ips"][1], "ips", "addresses and networks", findings):
            text = read_text(item, findings, "address in exclude: ips")
            if text is None:
                continue
            try:
                networks.append(excluded_network(text))
            except ValueError as error:
                findings.error(item, f"invalid address in exclude: ips: {error}")
    paths = []
    if "paths" in entries:
        items = _exclude_list(entries["paths"][1], "paths", "path matchers", findings)
        for index, item in enumerate(items, start=1):
            matcher = read_destination(item, f"path {index} of exclude", findings)
            if matcher is not None:
                paths.append(matcher)
    return Exclusions(networks=tuple(dict.fromkeys(networks)), paths=tuple(paths))


def _exclude_list(node: Node, key: str, what: str, findings: Findings) -> list[Node]:
    """The items of ``exclude:``'s list ``key`` (none after reporting that it is no list)."""
    if isinstance(node, SequenceNode):
        return list(node.value)
    report_wrong(findings, node, f"exclude: {key}", f"a list of {what}")
    return []


# --- the source of an event export -----------------------------------------------------------


def _with_value_columns(source: SourceMapping | None, goals: list[Goal]) -> SourceMapping | None:
    """``source`` with the export columns goals take their values from (``values``): those
    that are neither a hit column, nor a query parameter, nor kept."""
    if source is None:
        return None
    taken = (goal.value_from for goal in goals if goal.value_from is not None)
    values = [
        column
        for column in dict.fromkeys(taken)
        if column not in HIT_VALUE_COLUMNS
        and not column.startswith(QUERY_PREFIX)
        and column not in source.keep
    ]
    return dataclasses.replace(source, values=tuple(values))


def _read_source(node: Node, findings: Findings) -> SourceMapping | None:
    """Read the ``source:`` mapping of an event export; None when it has any problem.

    Without a preset it must name the timestamp column and a user id or an anonymous id.
    """
    if not isinstance(node, MappingNode):
        report_wrong(
            findings, node, "source", "a mapping of export columns (timestamp, user_id, ...)"
        )
        return None
    errors_before = len(findings.errors)
    entries = mapping_entries(node, findings, "in source", SOURCE_KEYS)
    preset = read_optional_choice(entries, "preset", "source", SOURCE_PRESETS, findings)
    export_format = read_optional_choice(entries, "format", "source", EXPORT_FORMATS, findings)
    timestamp = (
        _read_timestamp(entries["timestamp"][1], findings) if "timestamp" in entries else None
    )
    timezone = _read_source_timezone(entries, findings)
    columns: dict[str, Any] = {
        key: _read_column(entries[key][1], f"{key} of source", findings)
        for key in SOURCE_COLUMN_FIELDS
        if key in entries
    }
    pageview = _read_row_rule(entries, "pageview", findings)
    skip = _read_row_rule(entries, "skip", findings, allow_null=True)
    session_only = _read_row_rule(entries, "session_only", findings, allow_null=True)
    keep = _read_keep(entries["keep"][1], findings) if "keep" in entries else ()
    if "preset" not in entries:
        _require_source_basics(node, entries, findings)
    if len(findings.errors) > errors_before:
        return None
    return SourceMapping(
        preset=preset,
        format=export_format,
        timestamp=timestamp,
        timezone=timezone,
        pageview=pageview,
        skip=skip,
        session_only=session_only,
        keep=keep,
        line=node.start_mark.line + 1,
        **columns,
    )


def _require_source_basics(node: MappingNode, entries: Entries, findings: Findings) -> None:
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


def _read_column(node: Node, subject: str, findings: Findings) -> str | None:
    """Return a column name (a dotted path reaches into nested columns), or None."""
    name = read_text(node, findings, subject, "a column name")
    if name == "":
        report_wrong(findings, node, subject, "a column name")
        return None
    return name


def _read_timestamp(node: Node, findings: Findings) -> TimestampField | None:
    """Read ``timestamp``: a column name, or a mapping with ``column`` and ``format``."""
    subject = "timestamp of source"
    if not isinstance(node, MappingNode):
        column = read_text(
            node, findings, subject, "a column name or a mapping with column, format"
        )
        if column == "":
            report_wrong(findings, node, subject, "a column name")
        return TimestampField(column) if column else None
    entries = mapping_entries(node, findings, f"in {subject}", TIMESTAMP_KEYS)
    column = None
    if "column" in entries:
        column = _read_column(entries["column"][1], f"column of {subject}", findings)
    elif not has_rejected_keys(node, entries):
        findings.error(node, f"missing key 'column' in {subject} (expected the time column)")
    time_format = None
    if "format" in entries:
        time_format = _read_timestamp_format(entries["format"][1], findings)
    if column is None or ("format" in entries and time_format is None):
        return None
    return TimestampField(column, time_format)


def _read_timestamp_format(node: Node, findings: Findings) -> str | None:
    """Return a named timestamp format or a strftime pattern Polars accepts, else None."""
    subject = "format of timestamp in source"
    text = read_text(node, findings, subject, _TIMESTAMP_EXPECTED)
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
        return f"{quoted(pattern)} is neither a named format nor a strftime pattern"
    if "%Z" in pattern.replace("%%", ""):
        return (
            "%Z reads a zone's name (PST, CET) but not its offset: every time would be read as "
            "UTC; write the offset with %z, or the name as text ('%Y-%m-%d %H:%M:%S UTC') and "
            "the zone in timezone:"
        )
    try:
        pl.select(pl.lit("2026-01-01").str.to_datetime(pattern, strict=False, time_unit="us"))
    except pl.exceptions.PolarsError as exc:
        reason = polars_error_reason(str(exc)).rstrip(".")
        return reason[:1].lower() + reason[1:]
    return None


def _read_source_timezone(entries: Entries, findings: Findings) -> str:
    """Return the time zone of naive timestamps (default UTC); reports an unknown zone."""
    if "timezone" not in entries:
        return "UTC"
    node = entries["timezone"][1]
    text = read_text(node, findings, "timezone of source", "a time zone like UTC or Europe/Paris")
    if text is None:
        return "UTC"
    try:
        parse_timezone(text)
    except UsageError as exc:
        findings.error(node, f"invalid timezone of source: {exc}")
    return text


def _read_row_rule(
    entries: Entries, key: str, findings: Findings, *, allow_null: bool = False
) -> RowRule | None:
    """Read ``pageview``, ``skip`` or ``session_only``: ``{column: C, equals: V}`` or ``{column:
    C, one_of: [...]}`` (``skip: null``, ``session_only: null`` are ``NO_ROWS``). None when
    absent or invalid."""
    if key not in entries:
        return None
    node = entries[key][1]
    subject = f"{key} of source"
    if allow_null and isinstance(node, ScalarNode) and tag_of(node) == NULL_TAG:
        return NO_ROWS
    if not isinstance(node, MappingNode):
        expected = "a mapping with column and equals or one_of" + (", or null" * allow_null)
        report_wrong(findings, node, subject, expected)
        return None
    rule = mapping_entries(node, findings, f"in {subject}", ROW_RULE_KEYS)
    column = None
    if "column" in rule:
        column = _read_column(rule["column"][1], f"column of {subject}", findings)
    elif not has_rejected_keys(node, rule):
        findings.error(node, f"missing key 'column' in {subject} (expected the column to test)")
    values = _read_rule_values(node, rule, subject, findings)
    if column is None or values is None:
        return None
    return RowRule(column, values)


def _read_rule_values(
    node: MappingNode, rule: Entries, subject: str, findings: Findings
) -> tuple[str, ...] | None:
    """Return the values of a row rule's one test (``equals`` or ``one_of``), or None."""
    tests = [key for key in ("equals", "one_of") if key in rule]
    expected = "expected exactly one of equals, one_of"
    if not tests:
        if not has_rejected_keys(node, rule):
            findings.error(node, f"{subject} has no test ({expected})")
        return None
    if len(tests) > 1:
        findings.error(
            rule[tests[1]][0], f"{subject} has several tests: equals, one_of ({expected})"
        )
        return None
    value_node = rule[tests[0]][1]
    if tests[0] == "one_of":
        return read_one_of(value_node, f"one_of in {subject}", findings)
    value = read_text(value_node, findings, f"equals in {subject}", "a non-empty string")
    if value == "":
        report_wrong(findings, value_node, f"equals in {subject}", "a non-empty string")
        return None
    return None if value is None else (value,)


def _read_keep(node: Node, findings: Findings) -> tuple[str, ...]:
    """Read ``keep``: a list of extra columns, none repeated, none named like a hit column or
    a built-in dimension."""
    subject = "keep of source"
    if not isinstance(node, SequenceNode):
        report_wrong(findings, node, subject, "a list of column names")
        return ()
    names: dict[str, int] = {}
    for item in node.value:
        name = _read_column(item, f"column in {subject}", findings)
        if name is None:
            continue
        if name in names:
            findings.error(
                item,
                f"duplicate column {quoted(name)} in {subject} (first at line {names[name]})",
            )
        elif name in HIT_SCHEMA or name in EXPORT_HIT_COLUMNS:
            findings.error(
                item,
                f"column {quoted(name)} in {subject} has the name of a hit column "
                f"(hit columns: {', '.join([*HIT_SCHEMA, *EXPORT_HIT_COLUMNS])})",
            )
        elif name in DIMENSIONS:  # --by NAME would break down by micromacro's own, not it
            findings.error(
                item,
                f"column {quoted(name)} in {subject} has the name of a dimension micromacro "
                f"makes itself (--by {name} would not read it; built-in dimensions: "
                f"{', '.join(DIMENSIONS)})",
            )
        else:
            names[name] = item.start_mark.line + 1
    return tuple(names)


# --- alerts ----------------------------------------------------------------------------------


def _read_alert_list(node: Node, shape: ReportShape, findings: Findings) -> list[AlertRule]:
    """Read every rule of the ``alerts`` list against the report ``shape`` of the file."""
    return read_named_list(
        node,
        findings,
        "alerts",
        "a list of alert rules",
        lambda item, index, names: _read_alert(item, index, shape, names, findings),
    )


def _read_alert(
    node: Node, index: int, shape: ReportShape, name_lines: dict[str, int], findings: Findings
) -> AlertRule | None:
    """Read one alert rule; returns None when it has any problem (all of them reported)."""
    if not isinstance(node, MappingNode):
        report_wrong(
            findings, node, f"alert #{index}", "a mapping with name, metric and a condition"
        )
        return None
    errors_before = len(findings.errors)
    label = item_label(node, index, noun="alert")
    entries = mapping_entries(node, findings, f"in {label}", ALERT_KEYS)
    name = read_name(node, entries, label, name_lines, findings, noun="alert")
    metric = None
    if "metric" not in entries:
        findings.error(node, f"missing key 'metric' in {label} (a path into the JSON report)")
    else:
        metric_node = entries["metric"][1]
        text = read_text(
            metric_node, findings, f"metric of {label}", "a path like goals.NAME.FIELD"
        )
        if text is not None:
            try:
                metric = parse_metric(text, shape)
            except ValueError as exc:
                findings.error(metric_node, f"{exc} in {label}")
    conditions = [key for key in CONDITIONS if key in entries]
    if len(conditions) != 1 and not has_rejected_keys(node, entries):
        findings.error(
            node,
            f"{label} needs exactly one condition ({describe_choices(CONDITIONS)}), "
            f"got {len(conditions)}",
        )
    compare = read_optional_choice(entries, "compare", label, RULE_COMPARISONS, findings)
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
    node: Node, condition: Condition, metric: MetricPath, label: str, findings: Findings
) -> Threshold | None:
    """The bound of a rule's condition: a number, or text such as ``2%`` or ``-2pp``."""
    written: str | float | None = read_number(node)
    if written is None and isinstance(node, ScalarNode) and tag_of(node) == STR_TAG:
        written = str(node.value)
    if written is None:
        findings.error(
            node, f"invalid {condition} of {label}: expected a number, got {describe(node)}"
        )
        return None
    try:
        return parse_threshold(written, condition, metric)
    except ValueError as exc:
        findings.error(node, f"invalid {condition} of {label}: {exc}")
        return None


def _read_min_sessions(entries: Entries, label: str, findings: Findings) -> int:
    if "min_sessions" not in entries:
        return 0
    value_node = entries["min_sessions"][1]
    number = read_number(value_node)
    if number is None or number < 0 or not number.is_integer() or tag_of(value_node) != INT_TAG:
        report_wrong(findings, value_node, f"min_sessions of {label}", "a whole number of sessions")
        return 0
    return int(number)


def _read_significance(entries: Entries, label: str, findings: Findings) -> float | None:
    """``significant: true`` (the 5% level), ``false``, or a level like 0.01."""
    if "significant" not in entries:
        return None
    value_node = entries["significant"][1]
    if isinstance(value_node, ScalarNode) and tag_of(value_node) == BOOL_TAG:
        return DEFAULT_SIGNIFICANCE if SCALARS.construct_yaml_bool(value_node) else None
    level = read_number(value_node)
    if level is None or not 0 < level < 1:
        report_wrong(
            findings,
            value_node,
            f"significant of {label}",
            "true, false or a test level between 0 and 1 (0.01)",
        )
        return None
    return level
