"""The ``funnels:`` section of a goals file: each funnel with its steps, checked field by field
into the ``goals`` model. A step matches hits as a destination or event goal does
(``goal_definitions``), or names a goal.

Every reader reports its problems to the ``Findings`` of the file (``goals_yaml``) and returns
None (or leaves the item out) when it found any.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from micromacro.goal_definitions import (
    Inputs,
    read_destination,
    read_event,
    warn_of_access_log_events,
)
from micromacro.goals import (
    DEFAULT_VISITOR_WITHIN_S,
    EVENT_FIELDS,
    FUNNEL_ENTRIES,
    FUNNEL_ORDERS,
    FUNNEL_SCOPES,
    DestinationMatcher,
    Funnel,
    FunnelStep,
    Goal,
    HitMatcher,
    NumberCondition,
    StringMatcher,
)
from micromacro.goals_yaml import (
    Entries,
    Findings,
    declared_names,
    duration_seconds,
    first_value,
    has_rejected_keys,
    item_label,
    mapping_entries,
    read_name,
    read_named_list,
    read_optional_choice,
    read_text,
    report_wrong,
)
from micromacro.text import quoted

FUNNEL_KEYS: tuple[str, ...] = (
    "name", "scope", "entry", "order", "within", "within_step", "steps", "goal",
)  # fmt: skip
STEP_KEYS: tuple[str, ...] = ("name", "destination", "event", "any_of")
# Keys of a funnel written in one of its steps, and where they go.
_NOT_STEP_KEYS = {
    key: f"{key}: is the funnel's, written beside its steps:"
    for key in FUNNEL_KEYS
    if key not in (*STEP_KEYS, "steps")
}
STEP_MATCHER_KEYS: tuple[str, ...] = ("destination", "event")
MIN_FUNNEL_STEPS = 2


def read_funnel_list(
    node: Node,
    goals: list[Goal],
    findings: Findings,
    inputs: Inputs,
    broken: Collection[str] = (),
) -> list[Funnel]:
    """Read every funnel of the ``funnels`` list (``goal:`` may name any of ``goals``; naming
    one of the ``broken`` goals, whose problems are reported already, is no problem of its
    own). Event steps are checked against ``inputs`` as event goals are."""
    goals_by_name: dict[str, Goal | None] = dict.fromkeys(broken)
    goals_by_name.update((goal.name, goal) for goal in goals)
    return read_named_list(
        node,
        findings,
        "funnels",
        "a list of funnels",
        lambda item, index, names: _read_funnel(
            item, index, goals_by_name, names, findings, inputs
        ),
    )


def _read_funnel(
    node: Node,
    index: int,
    goals: Mapping[str, Goal | None],
    name_lines: dict[str, int],
    findings: Findings,
    inputs: Inputs,
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
    steps = _read_steps(entries, label, findings, inputs)
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


def _read_steps(
    entries: Entries, label: str, findings: Findings, inputs: Inputs
) -> list[FunnelStep]:
    """Read the ``steps`` list; steps with problems are reported and left out."""
    if "steps" not in entries:
        return []
    node = entries["steps"][1]
    if not isinstance(node, SequenceNode):
        report_wrong(findings, node, f"steps of {label}", "a list of steps")
        return []
    steps = []
    for number, item in enumerate(node.value, start=1):
        step = _read_step(item, f"step {number} of {label}", findings, inputs)
        if step is not None:
            steps.append(step)
    return steps


def _read_step(node: Node, subject: str, findings: Findings, inputs: Inputs) -> FunnelStep | None:
    """Read a step: a path (destination equals), a list of matchers (any of), or a mapping with
    ``destination``, ``event`` or ``any_of`` and an optional ``name``."""
    if isinstance(node, SequenceNode):
        matchers = _read_any_of(node, subject, findings, inputs)
        return None if matchers is None else FunnelStep(describe_step(matchers), matchers)
    if not isinstance(node, MappingNode):
        destination = read_destination(node, f"destination of {subject}", findings)
        if destination is None:
            return None
        return FunnelStep(describe_step((destination,)), (destination,))
    entries = mapping_entries(node, findings, f"in {subject}", STEP_KEYS, _NOT_STEP_KEYS)
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
        _read_any_of(value_node, subject, findings, inputs)
        if key == "any_of"
        else _one_matcher(key, value_node, subject, findings, inputs)
    )
    if matchers is None:
        return None
    return FunnelStep(name or describe_step(matchers), matchers)


def _one_matcher(
    key: str, node: Node, subject: str, findings: Findings, inputs: Inputs
) -> tuple[HitMatcher, ...] | None:
    """Read the value of a ``destination`` or ``event`` key as a one-matcher tuple; an event
    that tests what the events of access logs lack is a warning, as in an event goal."""
    matcher: HitMatcher | None
    if key == "destination":
        matcher = read_destination(node, f"destination of {subject}", findings)
    else:
        matcher = read_event(node, subject, findings, inputs)
        if matcher is not None and not inputs.exports:
            warn_of_access_log_events(node, matcher, subject, findings)
    return None if matcher is None else (matcher,)


def _read_any_of(
    node: Node, subject: str, findings: Findings, inputs: Inputs
) -> tuple[HitMatcher, ...] | None:
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
        found = _one_matcher(key, value_node, where, findings, inputs)
        if found is not None:
            matchers.extend(found)
    return tuple(matchers) if len(matchers) == len(node.value) else None


def declared_funnels(node: Node) -> dict[str, int | None]:
    """The name written in each funnel of the ``funnels`` list, whether the funnel reads or
    not, with the number of steps it writes (its ``steps`` items and its ``goal:``;
    ``declared_names``). The number is None where it is fewer than a funnel has (too few steps
    is that funnel's problem: a rule may name a step still to be written). A key written twice
    is its first, as the funnel is read."""
    return declared_names(node, _written_steps)


def _written_steps(item: MappingNode) -> int | None:
    """The number of steps the funnel ``item`` writes, None where it is fewer than a funnel's."""
    steps = first_value(item, "steps")
    count = len(steps.value) if isinstance(steps, SequenceNode) else 0
    count += first_value(item, "goal") is not None
    return count if count >= MIN_FUNNEL_STEPS else None


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
