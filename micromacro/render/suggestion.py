"""A suggestion as a goals file (YAML, in the order and key style of goals.example.yaml, each
goal and funnel under comments that give its evidence, and last the ``exclude:`` section the
suggestion was read with, under a comment that says where it came from), or as JSON for tools.

Every text that comes from the log (a path in a matcher, an example in a comment, an input's
name) is written inert: a scalar is plain only when YAML reads it back as the same string,
else single-quoted, else double-quoted with escapes; a comment holds printable characters
only, so no line break or control character can end it early, and a line break in a text it
quotes is written ``\\n`` (the text keeps to its line). A file name that is not UTF-8 is
written with ``\\xNN`` escapes (``text.file_name_text``), in the JSON too. The file reads back
with ``yaml.safe_load`` as the goals and funnels proposed and the exclusions, and nothing in it
is a tag or an alias.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import yaml

from micromacro.goals import (
    EVENT_FIELDS,
    DestinationMatcher,
    Exclusions,
    Funnel,
    Goal,
    HitMatcher,
    NumberCondition,
    StringMatcher,
)
from micromacro.option_values import Network, SuggestionFormat, network_text
from micromacro.periods import local_minute, utc_text
from micromacro.suggest import (
    GoalSuggestion,
    Suggestion,
    ValueHint,
    duration_text,
)
from micromacro.suggest_funnels import FunnelSuggestion
from micromacro.text import file_name_text, json_inert

INDENT = "  "
_PLAIN = re.compile(r"^[A-Za-z0-9_/.][A-Za-z0-9_./*+\-]*$")
_PLAIN_ADDRESS = re.compile(r"^[0-9A-Fa-f.:/]+$")  # plain as a block list's item, not in a flow
_RULE_WIDTH = 96

Node = str | int | float | bool | list["Node"] | dict[str, "Node"]


# --- goals-file mappings ---------------------------------------------------------------------


def matcher_node(matcher: StringMatcher) -> Node:
    """A string matcher as a goals file writes it: a bare string for ``equals``."""
    if matcher.op == "equals" and not matcher.case_sensitive:
        return str(matcher.value)
    value: Node = list(matcher.value) if isinstance(matcher.value, tuple) else matcher.value
    node: dict[str, Node] = {matcher.op: value}
    if matcher.case_sensitive:
        node["case_sensitive"] = True
    return node


def _condition_node(condition: NumberCondition, *, duration: bool) -> dict[str, Node]:
    node: dict[str, Node] = {}
    for key in ("greater_than", "less_than", "equals"):
        number = getattr(condition, key)
        if number is not None:
            node[key] = duration_text(number) if duration else _number(number)
    return node


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def hit_matcher_node(matcher: HitMatcher) -> dict[str, Node]:
    """``{destination: …}`` or ``{event: …}``, as a goal or a funnel step has it."""
    if isinstance(matcher, DestinationMatcher):
        inner = matcher_node(matcher.matcher)
        if matcher.include_query:
            mapping = inner if isinstance(inner, dict) else {"equals": inner}
            return {"destination": {**mapping, "include_query": True}}
        return {"destination": inner}
    event: dict[str, Node] = {}
    for name in EVENT_FIELDS:
        field: StringMatcher | None = getattr(matcher, name)
        if field is not None:
            event[name] = matcher_node(field)
    return {"event": event}


def goal_node(goal: Goal) -> dict[str, Node]:
    """A goal as goals.example.yaml writes one: name, kind, category, its type's key, count."""
    node: dict[str, Node] = {"name": goal.name, "kind": goal.kind}
    if goal.category is not None:
        node["category"] = goal.category
    if goal.destination is not None or goal.event is not None:
        matcher: HitMatcher = goal.destination or goal.event  # type: ignore[assignment]
        node.update(hit_matcher_node(matcher))
    elif goal.condition is not None:
        node[goal.type] = _condition_node(goal.condition, duration=goal.type == "duration")
    if goal.count != "once_per_session":
        node["count"] = goal.count
    return node


def funnel_node(funnel: Funnel) -> dict[str, Node]:
    """A funnel as goals.example.yaml writes one: name, steps (named), goal."""
    last = len(funnel.steps) - (1 if funnel.goal else 0)
    steps: list[Node] = []
    for step in funnel.steps[:last]:
        (matcher,) = step.matchers
        steps.append({"name": step.name, **hit_matcher_node(matcher)})
    node: dict[str, Node] = {"name": funnel.name, "steps": steps}
    if funnel.goal:
        node["goal"] = funnel.goal
    return node


def exclusions_node(exclude: Exclusions) -> dict[str, Node]:
    """The ``exclude:`` section as a goals file writes it, which reads back as ``exclude``:
    ``ips`` (addresses and CIDR networks) and ``paths`` (destination matchers), each only where
    it holds something."""
    node: dict[str, Node] = {}
    if exclude.networks:
        node["ips"] = [network_text(network) for network in exclude.networks]
    if exclude.paths:
        node["paths"] = [hit_matcher_node(path)["destination"] for path in exclude.paths]
    return node


@dataclass(frozen=True)
class ExclusionSources:
    """Where a suggestion's exclusions came from: the goals file whose ``exclude:`` section
    excluded something ("" for none) and the ``--exclude-ip`` networks given, in their order."""

    goals_file: str = ""
    exclude_ips: tuple[Network, ...] = ()

    def exclude_ip_texts(self) -> list[str]:
        """The ``--exclude-ip`` networks as ``exclude: ips`` writes them, each once."""
        return list(dict.fromkeys(network_text(network) for network in self.exclude_ips))


# --- YAML ------------------------------------------------------------------------------------


def yaml_scalar(text: str) -> str:
    """``text`` as a YAML scalar that reads back as exactly ``text``: plain where that is safe,
    else single-quoted, else double-quoted with escapes.

    >>> [yaml_scalar(t) for t in ("/checkout", "yes", "POST /x", "a'b", "a\\nb")]
    ['/checkout', "'yes'", "'POST /x'", "'a''b'", '"a\\\\nb"']
    """
    if _PLAIN.match(text) and _reads_back(text):
        return text
    if all(_printable(ch) for ch in text):
        return "'" + text.replace("'", "''") + "'"
    return '"' + "".join(_escaped(ch) for ch in text) + '"'


def _reads_back(text: str) -> bool:
    try:
        return bool(yaml.safe_load(text) == text)
    except yaml.YAMLError:
        return False


def _printable(ch: str) -> bool:
    """Whether YAML can hold ``ch`` as it is in a quoted scalar or a comment on one line."""
    return ch.isprintable() and ch not in "\ufeff\x85\u2028\u2029"


_NAMED_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r", "\x00": "\\0"}


def _escaped(ch: str) -> str:
    if ch in '"\\':
        return "\\" + ch
    if ch in _NAMED_ESCAPES:
        return _NAMED_ESCAPES[ch]
    if _printable(ch):
        return ch
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def comment_text(text: str) -> str:
    """``text`` fit for a YAML comment: what is not printable on one line is escaped."""
    return "".join(ch if _printable(ch) else _escaped(ch) for ch in text)


def _inline(node: Node) -> str:
    """A scalar, or a list of scalars in flow style (``[/checkout, /checkout/payment]``)."""
    if isinstance(node, bool):
        return "true" if node else "false"
    if isinstance(node, int | float):
        return repr(node)
    if isinstance(node, str):
        return yaml_scalar(node)
    if isinstance(node, list) and all(not isinstance(item, list | dict) for item in node):
        return "[" + ", ".join(_inline(item) for item in node) + "]"
    raise TypeError(f"not inline: {node!r}")


def _is_inline(node: Node) -> bool:
    return not isinstance(node, dict) and (
        not isinstance(node, list) or all(not isinstance(i, list | dict) for i in node)
    )


def yaml_lines(node: dict[str, Node], depth: int) -> list[str]:
    """A mapping in block style at ``depth`` levels of indentation."""
    pad = INDENT * depth
    lines = []
    for key, value in node.items():
        if _is_inline(value):
            lines.append(f"{pad}{key}: {_inline(value)}")
        elif isinstance(value, dict):
            lines.append(f"{pad}{key}:")
            lines += yaml_lines(value, depth + 1)
        else:
            assert isinstance(value, list)
            lines.append(f"{pad}{key}:")
            for item in value:
                assert isinstance(item, dict)
                lines += _list_item(item, depth + 1)
    return lines


def _list_item(node: dict[str, Node], depth: int) -> list[str]:
    """A mapping as an item of a block list: ``- key: …`` and the rest under it."""
    lines = yaml_lines(node, depth + 1)
    first = INDENT * depth + "- " + lines[0].lstrip()
    return [first, *lines[1:]]


def _comments(paragraphs: list[str], depth: int) -> list[str]:
    """``paragraphs`` as comment lines at ``depth``, each wrapped at about ``_RULE_WIDTH``
    characters; a line break within one is written ``\\n`` (``comment_text``)."""
    pad = INDENT * depth
    lines: list[str] = []
    for paragraph in paragraphs:
        current = ""
        for word in comment_text(paragraph).split(" "):
            if current and len(pad) + 2 + len(current) + 1 + len(word) > _RULE_WIDTH:
                lines.append(current)
                current = "  " + word
            else:
                current = f"{current} {word}" if current else word
        lines.append(current)
    return [f"{pad}# {line}".rstrip() for line in lines]


def _rule(title: str, depth: int = 1) -> str:
    head = f"{INDENT * depth}# --- {title} "
    return head + "-" * max(_RULE_WIDTH - len(head), 3)


def _percent(share: float) -> str:
    return f"{share * 100:.1f} %"


def _goal_evidence(suggestion: GoalSuggestion, sessions: int) -> list[str]:
    evidence = suggestion.evidence
    text = (
        f"{suggestion.goal.name}: {evidence.sessions} of {sessions} sessions "
        f"({_percent(evidence.share)})"
    )
    if evidence.examples:
        text += "; e.g. " + ", ".join(evidence.examples)
    return [text, f"why: {evidence.why}"]


def _value_line(hint: ValueHint) -> list[str]:
    """A commented-out ``value:`` for the user to keep, and where it comes from."""
    note = (
        f"value: the query parameter {hint.parameter} holds a number in {hint.numeric} of the "
        f"{hint.hits} hits that carry it (e.g. {hint.example}), like an order's total: "
        "uncomment the next line to report revenue from it (micromacro never makes one up)"
    )
    return [
        *_comments([note], 2),
        f"{INDENT * 2}# value: {{from: {yaml_scalar('query:' + hint.parameter)}}}",
    ]


_SECTIONS = (
    ("macro", None, "macro goals: what the site is for"),
    ("micro", "process_milestone", "micro goals: process milestones (steps towards a macro goal)"),
    ("micro", "secondary_action", "micro goals: secondary actions (interest, off the main path)"),
)


def _header(suggestion: Suggestion) -> list[str]:
    span = ""
    if suggestion.first_hit is not None and suggestion.last_hit is not None:
        first = local_minute(suggestion.first_hit, suggestion.tz)
        last = local_minute(suggestion.last_hit, suggestion.tz)
        span = f", {first} to {last}"
    names = ", ".join(suggestion.inputs)
    origin = (
        f"Goals proposed by `micromacro suggest` from {names} ({suggestion.sessions:,} "
        f"sessions{span})."
    )
    guide = (
        "Each goal and funnel says how many sessions reach it, with examples, and why it was "
        "picked: keep what fits the site, delete the rest, give the macro goals a value, and "
        "check the file with `micromacro check`. goals.example.yaml explains every key."
    )
    if not suggestion.read_with:
        return _comments([origin, guide], 0)
    read_with = (
        f"Read with {' '.join(suggestion.read_with)}: a report counts these sessions only "
        "with them too."
    )
    return _comments([origin, read_with, guide], 0)


def _address_scalar(text: str) -> str:
    """An address or network as an item of a block list: plain as goals.example.yaml writes it
    (``2001:db8::/32``) where YAML reads it back as the same string, else as ``yaml_scalar``
    writes it (``'1:2:3:4:5:6:7:8'``, which YAML 1.1 reads as a number in base 60).

    >>> [_address_scalar(t) for t in ("198.51.100.0/24", "2001:db8::/32", "1:2:3:4:5:6:7:8")]
    ['198.51.100.0/24', '2001:db8::/32', "'1:2:3:4:5:6:7:8'"]
    """
    if _PLAIN_ADDRESS.match(text) and _reads_back(text):
        return text
    return yaml_scalar(text)


def _exclude_note(suggestion: Suggestion, sources: ExclusionSources) -> str:
    """What the ``exclude:`` section is, and where it came from."""
    read = "the 1 session" if suggestion.sessions == 1 else f"the {suggestion.sessions:,} sessions"
    text = f"the site's own visits, left out of {read} read (a report on this file leaves them"
    text += " out too)"
    origins = []
    if sources.goals_file:
        origins.append(f"the exclude: section of {file_name_text(sources.goals_file)}")
    if sources.exclude_ips:
        origins.append("--exclude-ip " + ", ".join(sources.exclude_ip_texts()))
    return text + (": from " + " and ".join(origins) if origins else "")


def _exclude_lines(suggestion: Suggestion, sources: ExclusionSources) -> list[str]:
    """The ``exclude:`` section under its comment (none when nothing was excluded): each list in
    block style, as goals.example.yaml writes it."""
    if not suggestion.exclude:
        return []
    lines = ["exclude:", *_comments([_exclude_note(suggestion, sources)], 1)]
    for key, items in exclusions_node(suggestion.exclude).items():
        assert isinstance(items, list)
        lines.append(f"{INDENT}{key}:")
        for item in items:
            if isinstance(item, dict):
                lines += _list_item(item, 2)
            else:
                assert isinstance(item, str)
                scalar = _address_scalar(item) if key == "ips" else yaml_scalar(item)
                lines.append(f"{INDENT * 2}- {scalar}")
    return lines


def render_suggestion_yaml(
    suggestion: Suggestion, sources: ExclusionSources = ExclusionSources()
) -> str:
    """The suggestion as a goals file, deterministic for the same suggestion: its goals, its
    funnels and the ``exclude:`` section it was read with (``sources`` saying where it came
    from), so that ``report --goals`` on the file leaves out the same lines."""
    lines = [*_header(suggestion), "", "goals:"]
    for kind, category, title in _SECTIONS:
        chosen = [
            s
            for s in suggestion.goals
            if s.goal.kind == kind and (category is None or s.goal.category == category)
        ]
        if not chosen:
            continue
        lines.append(_rule(title))
        for item in chosen:
            lines += _comments(_goal_evidence(item, suggestion.sessions), 1)
            lines += _list_item(goal_node(item.goal), 1)
            if item.value_hint is not None:
                lines += _value_line(item.value_hint)
            lines.append("")
    if suggestion.funnels:
        lines += ["funnels:"]
        for funnel in suggestion.funnels:
            lines += _comments(_funnel_evidence(funnel), 1)
            lines += _list_item(funnel_node(funnel.funnel), 1)
            lines.append("")
    lines += _exclude_lines(suggestion, sources)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"


def _funnel_evidence(suggestion: FunnelSuggestion) -> list[str]:
    names = [step.name for step in suggestion.funnel.steps]
    reached = ", ".join(
        f"{name} {count}" for name, count in zip(names, suggestion.reached, strict=True)
    )
    return [
        f"{suggestion.funnel.name}: sessions reaching each step: {reached}",
        f"why: {suggestion.why}",
    ]


# --- JSON ------------------------------------------------------------------------------------


def _goal_json(suggestion: GoalSuggestion) -> dict[str, object]:
    hint = suggestion.value_hint
    return {
        "name": suggestion.goal.name,
        "kind": suggestion.goal.kind,
        "category": suggestion.goal.category,
        "type": suggestion.goal.type,
        "definition": goal_node(suggestion.goal),
        "evidence": suggestion.evidence.as_dict(),
        "value_hint": None
        if hint is None
        else {
            "parameter": hint.parameter,
            "hits": hint.hits,
            "numeric": hint.numeric,
            "example": hint.example,
            "definition": {"from": f"query:{hint.parameter}"},
        },
    }


def _funnel_json(suggestion: FunnelSuggestion) -> dict[str, object]:
    return {
        "name": suggestion.funnel.name,
        "definition": funnel_node(suggestion.funnel),
        "steps": [
            {"name": step.name, "reached": reached}
            for step, reached in zip(suggestion.funnel.steps, suggestion.reached, strict=True)
        ],
        "why": suggestion.why,
    }


def _exclude_json(suggestion: Suggestion, sources: ExclusionSources) -> dict[str, object] | None:
    """The exclusions applied: their goals-file ``definition`` (the ``exclude:`` section), the
    ``goals_file`` whose ``exclude:`` gave some (null: none; ``file_name_text``) and the
    ``exclude_ip`` values given; None when nothing was excluded."""
    if not suggestion.exclude:
        return None
    return {
        "definition": exclusions_node(suggestion.exclude),
        "goals_file": file_name_text(sources.goals_file) or None,
        "exclude_ip": sources.exclude_ip_texts(),
    }


def render_suggestion_json(
    suggestion: Suggestion, sources: ExclusionSources = ExclusionSources()
) -> str:
    """The candidates with their evidence, for tools: ``input``, ``sessions``, ``period``,
    ``read_with``, ``goals`` and ``funnels`` (each with its goals-file ``definition``), and
    ``exclude``."""
    data = {
        "input": suggestion.input.as_dict(),
        "sessions": suggestion.sessions,
        "period": {
            "first_hit": utc_text(suggestion.first_hit) if suggestion.first_hit else None,
            "last_hit": utc_text(suggestion.last_hit) if suggestion.last_hit else None,
        },
        "read_with": list(suggestion.read_with),
        "goals": [_goal_json(s) for s in suggestion.goals],
        "funnels": [_funnel_json(f) for f in suggestion.funnels],
        "exclude": _exclude_json(suggestion, sources),
    }
    return json_inert(json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)) + "\n"


def render_suggestion(
    suggestion: Suggestion, fmt: SuggestionFormat, sources: ExclusionSources = ExclusionSources()
) -> str:
    """The suggestion in ``fmt`` (``yaml`` or ``json``), its exclusions from ``sources``."""
    if fmt == "json":
        return render_suggestion_json(suggestion, sources)
    return render_suggestion_yaml(suggestion, sources)
