"""The YAML layer of a goals file: the text composed into nodes that know their line and column,
every problem collected as ``file:line:col: message``, and the readers of the scalars, mappings
and named lists that each section of the file is made of.

Validation walks the node tree of ``yaml.compose`` (nothing is constructed from tags). libyaml
composes the tree when it is available and reads the text without a problem; any problem is left
to PyYAML's own composer, whose messages the file's errors are reported with.

An alias is the very node its anchor names, so one node can sit in many places of the tree. A
document whose aliases multiply it (an "alias bomb") or make a list or mapping contain itself is
refused before anything reads it, so every later walk is as long as the file, give or take.
Values quoted in messages are cut to ``QUOTE_CHARS`` characters.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

import yaml
from yaml.constructor import SafeConstructor
from yaml.error import Mark
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.reader import ReaderError

from micromacro.text import QUOTE_CHARS, cut_quoted, file_name_text, inert, quoted
from micromacro.timespans import parse_duration

STR_TAG = "tag:yaml.org,2002:str"
INT_TAG = "tag:yaml.org,2002:int"
FLOAT_TAG = "tag:yaml.org,2002:float"
BOOL_TAG = "tag:yaml.org,2002:bool"
NULL_TAG = "tag:yaml.org,2002:null"
TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
MERGE_TAG = "tag:yaml.org,2002:merge"
# Plain scalars that YAML would read as numbers or dates are kept as the text the user wrote.
TEXT_TAGS = frozenset({STR_TAG, INT_TAG, FLOAT_TAG, TIMESTAMP_TAG})
# Only its scalar converters are used (YAML 1.1 ints like 0x1f or 1_000, floats like .5, yes/no).
SCALARS = SafeConstructor()

Entries = dict[str, tuple[Node, Node]]

# What a goals file is expected to be; what an empty one is told, unless ``compose`` is told
# an empty one is fine.
EXPECTED_FILE = "a mapping with a 'goals' list, 'funnels', 'exclude' or 'source'"
EMPTY_FILE = f"the goals file is empty (expected {EXPECTED_FILE})"
# The longest value quoted in a message, quotes and ellipsis included.
# Aliases may add this many nodes to a document, or as many as it holds if that is more: plenty
# for anchors reused by hand, and far too few for an alias bomb, which multiplies per level.
ALIAS_ALLOWANCE = 100_000


@dataclass
class Findings:
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
        return [
            f"{file_name_text(self.path)}:{line}:{column}: {message}"
            for line, column, message in ordered
        ]


# --- YAML syntax -----------------------------------------------------------------------------


def compose(text: str, findings: Findings, *, empty_ok: bool = False) -> Node | None:
    """Return the document's root node, or None after recording a syntax error, emptiness or
    aliases that make the document contain itself or far outgrow the file (with ``empty_ok``,
    None without recording anything for an empty document).

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
    if root is None or (tag_of(root) == NULL_TAG and root.value == ""):
        if empty_ok:
            return None
        findings.error_at(1, 1, EMPTY_FILE)
        return None
    problem = _alias_problem(root) if "&" in text and _ANCHOR.search(text) else None
    if problem is not None:
        findings.error(*problem)
        return None
    return root


# Where an anchor may stand: ``&name`` at a line's start, after a space or a flow indicator. A
# text with none holds no alias either (an alias names an anchor), and needs no walk for them.
_ANCHOR = re.compile(r"(?:^|[\s\[\]{},])&[^\s\[\]{},]", re.MULTILINE)


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
                resolved: str = super().resolve(kind, value, implicit)
                return resolved
            key = (value, implicit)
            tag = self.tags.get(key)
            if tag is None:
                tag = self.tags[key] = super().resolve(kind, value, implicit)
            return tag

    try:
        root = yaml.compose(text, Loader=Loader)
    except (yaml.YAMLError, ValueError):  # ValueError: text that is no valid UTF-8
        return None
    if root is None or _depth_exceeds(root, _LIBYAML_MAX_DEPTH):
        return None
    return root


def _depth_exceeds(root: Node, limit: int) -> bool:
    """True when some node of the tree under ``root`` lies more than ``limit`` levels deep, as
    written: a list or mapping is entered once, so an alias counts where it stands, not as the
    anchored node it repeats."""
    entered: set[int] = set()
    level: list[Node] = [root]
    for _ in range(limit):
        deeper: list[Node] = []
        for node in level:
            if isinstance(node, ScalarNode) or id(node) in entered:
                continue
            entered.add(id(node))
            if isinstance(node, MappingNode):
                for key, value in node.value:
                    deeper += (key, value)
            else:
                deeper += node.value
        if not deeper:
            return False
        level = deeper
    return True


# --- aliases ---------------------------------------------------------------------------------


def _children(node: Node) -> list[Node]:
    """The nodes a list or mapping holds, in file order (a mapping's keys and values)."""
    if isinstance(node, MappingNode):
        return [part for entry in node.value for part in entry]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []


def _alias_problem(root: Node) -> tuple[Node, str] | None:
    """Where and why the document's aliases cannot be read, or None when they can: a list or
    mapping that contains itself, or aliases that make the tree far larger than the file.

    The tree is walked once per distinct node, so an alias bomb is refused at no great cost.
    """
    distinct = _count_distinct(root)
    limit = distinct + max(ALIAS_ALLOWANCE, distinct)
    sizes: dict[int, int] = {}  # the size of each finished node's tree, aliases expanded
    open_ids: set[int] = set()  # the nodes being walked: the path from the root
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        if finished:
            open_ids.discard(id(node))
            size = 1 + sum(sizes[id(child)] for child in _children(node))
            if size > limit:
                return node, _expansion_message(node, limit, distinct)
            sizes[id(node)] = size
        elif id(node) in open_ids:
            return node, _cycle_message(node)
        elif id(node) not in sizes:
            open_ids.add(id(node))
            stack.append((node, True))
            stack += [(child, False) for child in reversed(_children(node))]
    return None


def _count_distinct(root: Node) -> int:
    """How many distinct nodes the document holds (an alias adds none)."""
    seen = {id(root)}
    stack = [root]
    while stack:
        for child in _children(stack.pop()):
            if id(child) not in seen:
                seen.add(id(child))
                stack.append(child)
    return len(seen)


def _expansion_message(node: Node, limit: int, distinct: int) -> str:
    return (
        f"too many aliases: they expand this {_collection(node)} to more than {limit:,} "
        f"values (the file itself holds {distinct:,})"
    )


def _cycle_message(node: Node) -> str:
    kind = _collection(node)
    return f"an alias within this {kind} names the {kind} itself (nothing can contain itself)"


def _collection(node: Node) -> str:
    return "mapping" if isinstance(node, MappingNode) else "list"


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
    return line, column, f"invalid YAML: {_cut_quotes(problem)}"


# What PyYAML quotes in its messages (an alias, a tag handle) with Python's quotes.
_QUOTED = re.compile(r"'[^'\n]*'")


def _cut_quotes(problem: str) -> str:
    """``problem`` with each long quoted text in it cut like ``quoted`` cuts it."""
    return _QUOTED.sub(lambda match: cut_quoted(match.group()), problem)


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


def tag_of(node: Node) -> str:
    return str(node.tag)


def describe(node: Node) -> str:
    """Say what a node holds, for ``got ...``: ``a list``, ``a boolean``, ``the string 'x'``."""
    if isinstance(node, MappingNode):
        return "a mapping" if node.value else "an empty mapping"
    if isinstance(node, SequenceNode):
        return "a list" if node.value else "an empty list"
    tag = tag_of(node)
    if tag == BOOL_TAG:
        return "a boolean"
    if tag == NULL_TAG:
        return "nothing" if node.value == "" else "null"
    number = read_number(node)
    if tag in (INT_TAG, FLOAT_TAG) or number is not None:
        shown = f"the number {inert(node.value, limit=QUOTE_CHARS)}"
        if isinstance(node, ScalarNode) and _read_otherwise(node):
            return f"{shown} ({_yaml_reading(node)})"
        if number is None:  # .nan, .inf, 1e999, 400 digits
            return f"{shown} ({'not a number' if 'nan' in node.value.lower() else 'too large'})"
        return shown
    if tag == TIMESTAMP_TAG:
        return f"the date {inert(node.value, limit=QUOTE_CHARS)}"
    if tag == STR_TAG:
        return f"the string {quoted(node.value)}"
    return f"a value tagged {inert(tag, limit=QUOTE_CHARS)}"


def _yaml_reading(node: ScalarNode) -> str:
    """What YAML 1.1 makes of a number written its own way (and, in base 60, how a duration
    is written instead)."""
    try:
        value = (
            SCALARS.construct_yaml_int(node)
            if tag_of(node) == INT_TAG
            else SCALARS.construct_yaml_float(node)
        )
        read = f"which YAML reads as {value}"
    except (ValueError, OverflowError):
        read = "which YAML reads otherwise"
    if ":" in node.value:
        return f"{read} in base 60; a duration is written 2h or 90m"
    return read


def describe_choices(names: tuple[str, ...]) -> str:
    """``one of a, b, c`` (or just ``a`` for a single name)."""
    return names[0] if len(names) == 1 else f"one of {', '.join(names)}"


def report_wrong(
    findings: Findings, node: Node, subject: str, expected: str, hint: str = ""
) -> None:
    """``invalid SUBJECT: expected EXPECTED, got …`` at ``node``, with ``hint`` in brackets
    after it where there is one."""
    more = f" ({hint})" if hint else ""
    findings.error(node, f"invalid {subject}: expected {expected}, got {describe(node)}{more}")


def mapping_entries(
    node: MappingNode,
    findings: Findings,
    where: str,
    allowed: tuple[str, ...],
    misplaced: Mapping[str, str] | None = None,
) -> Entries:
    """Return ``{key: (key node, value node)}`` for the allowed keys of a mapping, in file order.

    Reports keys that are unknown, repeated (the first one wins) or not plain names; ``where``
    completes ``unknown key 'x' ...``, e.g. ``in goal 'purchase'``. An unknown key is told
    where it belongs when ``misplaced`` says (key → where), else the allowed key it is a
    misspelling of, if one is near.
    """
    entries: Entries = {}
    first_line: dict[str, int] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, ScalarNode):
            findings.error(
                key_node, f"invalid key {where}: expected a name, got {describe(key_node)}"
            )
            continue
        key = str(key_node.value)
        if key in first_line:
            findings.error(
                key_node, f"duplicate key {quoted(key)} {where} (first at line {first_line[key]})"
            )
            continue
        first_line[key] = key_node.start_mark.line + 1
        if tag_of(key_node) == MERGE_TAG:
            findings.error(key_node, f"merge keys ('<<') are not supported {where}")
        elif key not in allowed:
            hint = (misplaced or {}).get(key.lower()) or _nearest(key, allowed)
            findings.error(
                key_node,
                f"unknown key {quoted(key)} {where} (expected {describe_choices(allowed)})"
                + (f"; {hint}" if hint else ""),
            )
        else:
            entries[key] = (key_node, value_node)
    return entries


def _nearest(key: str, allowed: tuple[str, ...]) -> str | None:
    """``did you mean 'destination'?`` for a key one or two letters from an allowed one, or
    one edit from a short one (``nmae``, ``ipz``: two letters swapped, one mistyped)."""
    lowered = key.lower()
    near = difflib.get_close_matches(lowered, allowed, n=1, cutoff=0.8)
    if not near and len(lowered) >= 3:
        near = [name for name in allowed if _one_edit_apart(lowered, name)][:1]
    return f"did you mean {quoted(near[0])}?" if near else None


def _one_edit_apart(typed: str, name: str) -> bool:
    """Whether ``typed`` is ``name`` with one letter changed, added, left out, or two
    neighbours swapped.

    >>> pairs = (("nmae", "name"), ("ipz", "ips"), ("kin", "kind"), ("ism", "ips"))
    >>> [_one_edit_apart(typed, name) for typed, name in pairs]
    [True, True, True, False]
    """
    if typed == name or abs(len(typed) - len(name)) > 1:
        return False
    if len(typed) == len(name):
        differ = [i for i, (a, b) in enumerate(zip(typed, name, strict=True)) if a != b]
        if len(differ) != 2:
            return len(differ) == 1
        first, second = differ
        crossed = typed[first] == name[second] and typed[second] == name[first]
        return second == first + 1 and crossed
    shorter, longer = sorted((typed, name), key=len)
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))


def has_rejected_keys(node: MappingNode, entries: Entries) -> bool:
    """True when ``mapping_entries`` already reported some key of ``node`` (unknown, repeated, ...).

    A mapping holding only a misspelt key then gets one message, not also "has no operator".
    """
    return len(node.value) > len(entries)


def read_text(
    node: Node, findings: Findings, subject: str, expected: str = "a string"
) -> str | None:
    """Return a scalar's text (numbers and dates as written), or None after reporting."""
    if isinstance(node, ScalarNode) and tag_of(node) in TEXT_TAGS:
        return str(node.value)
    report_wrong(findings, node, subject, expected)
    return None


def read_choice(
    node: Node, findings: Findings, subject: str, choices: tuple[Choice, ...]
) -> Choice | None:
    """Return the one of ``choices`` a string spells, or None after reporting."""
    if isinstance(node, ScalarNode) and tag_of(node) == STR_TAG and node.value in choices:
        return choices[choices.index(node.value)]
    report_wrong(findings, node, subject, describe_choices(choices))
    return None


def read_flag(node: Node, findings: Findings, subject: str) -> bool | None:
    """Return a YAML boolean (true/false, yes/no, on/off), or None after reporting."""
    if isinstance(node, ScalarNode) and tag_of(node) == BOOL_TAG:
        return bool(SCALARS.construct_yaml_bool(node))
    report_wrong(findings, node, subject, "true or false")
    return None


# A number YAML 1.1 reads as text and YAML 1.2 and people as a number: in exponent form
# without a dot or a sign (1e3), or a signed fraction without its 0 (-.5, where .5 is one).
_EXPONENT_NUMBER = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+|[-+]\.[0-9]+)$"
)


# An integer as people write it. YAML 1.1 reads others its own way, which no one writing a goals
# file means: ``2:00`` in base 60 (120), ``010`` in octal (8), ``0x10``, ``0b10``, ``1_000``.
_DECIMAL_INTEGER = re.compile(r"^[-+]?[0-9]+$")
_OCTAL = re.compile(r"^[-+]?0[0-9]*[1-9]")  # 010 (8), not 00 (0 read either way)


def _read_otherwise(node: ScalarNode) -> bool:
    """Whether YAML 1.1 reads a number ``node`` writes other than people read it (base 60,
    octal, hex, binary, underscores)."""
    text = node.value
    if tag_of(node) == INT_TAG:
        return not _DECIMAL_INTEGER.match(text) or bool(_OCTAL.match(text))
    return tag_of(node) == FLOAT_TAG and (":" in text or "_" in text)


def read_number(node: Node) -> float | None:
    """Return the finite number a scalar holds, or None if it holds none; ``1e3`` and ``-.5``
    written plain (not quoted) are the numbers 1000 and -0.5, and what YAML 1.1 reads otherwise
    than people do (``2:00``, ``010``) is none (``describe`` says why)."""
    if not isinstance(node, ScalarNode) or _read_otherwise(node):
        return None
    try:
        if tag_of(node) == INT_TAG:
            number = float(SCALARS.construct_yaml_int(node))
        elif tag_of(node) == FLOAT_TAG:
            number = float(SCALARS.construct_yaml_float(node))
        elif tag_of(node) == STR_TAG and not node.style and _EXPONENT_NUMBER.match(node.value):
            number = float(node.value)
        else:
            return None
    except OverflowError:  # an integer of more than 308 digits
        return None
    return number if math.isfinite(number) else None


# --- named lists, names and common values ----------------------------------------------------


_Item = TypeVar("_Item")
# A value of a closed set of strings (a Literal type), as its tuple of choices spells it.
Choice = TypeVar("Choice", bound=str)


def read_named_list(
    node: Node,
    findings: Findings,
    key: str,
    expected: str,
    read_item: Callable[[Node, int, dict[str, int]], _Item | None],
) -> list[_Item]:
    """Read every item of the list under ``key`` with ``read_item(node, position, name_lines)``
    (``name_lines`` is shared, for unique names); items with problems are left out."""
    if not isinstance(node, SequenceNode):
        report_wrong(findings, node, key, expected)
        return []
    name_lines: dict[str, int] = {}
    items = []
    for index, item in enumerate(node.value, start=1):
        read = read_item(item, index, name_lines)
        if read is not None:
            items.append(read)
    return items


def declared_names(node: Node, value: Callable[[MappingNode], _Item]) -> dict[str, _Item]:
    """The name written in each item of the list ``node``, whether the item reads or not, with
    ``value`` of the item: a funnel or an alert naming an item with a problem of its own is no
    second problem. A name written twice keeps its first item's value."""
    if not isinstance(node, SequenceNode):
        return {}
    declared: dict[str, _Item] = {}
    for item in node.value:
        if isinstance(item, MappingNode) and (name := written_text(item, "name")) is not None:
            declared.setdefault(name, value(item))
    return declared


def item_label(node: MappingNode, index: int, noun: str = "goal") -> str:
    """``goal 'purchase'`` when the goal has a usable name, else ``goal #3`` (its position)."""
    name = written_text(node, "name")
    return f"{noun} {quoted(name)}" if name is not None else f"{noun} #{index}"


def first_value(node: MappingNode, key: str) -> Node | None:
    """The value ``node`` writes first for ``key`` (the one read where a key is repeated)."""
    return next(
        (value for name, value in node.value if isinstance(name, ScalarNode) and name.value == key),
        None,
    )


def written_text(node: MappingNode, key: str) -> str | None:
    """The text ``node`` writes first for ``key``, where it is plain text and not empty."""
    value = first_value(node, key)
    if isinstance(value, ScalarNode) and tag_of(value) in TEXT_TAGS and value.value:
        return str(value.value)
    return None


def read_name(
    node: MappingNode,
    entries: Entries,
    label: str,
    name_lines: dict[str, int],
    findings: Findings,
    noun: str = "goal",
) -> str | None:
    """Return the goal's (or funnel's) non-empty, not yet used name, or None after reporting
    (once: a key misspelling ``name`` was named already, "did you mean 'name'?")."""
    if "name" not in entries:
        if not _misspelt_in(node, "name"):
            findings.error(node, f"missing key 'name' in {label} (expected a non-empty string)")
        return None
    value_node = entries["name"][1]
    name = read_text(value_node, findings, f"name of {label}", "a non-empty string")
    if name is None:
        return None
    if not name:
        report_wrong(findings, value_node, f"name of {label}", "a non-empty string")
        return None
    if name in name_lines:
        findings.error(
            value_node,
            f"duplicate {noun} name {quoted(name)} (first used at line {name_lines[name]})",
        )
        return None
    name_lines[name] = value_node.start_mark.line + 1
    return name


def read_required_choice(
    node: MappingNode,
    entries: Entries,
    key: str,
    label: str,
    choices: tuple[Choice, ...],
    findings: Findings,
) -> Choice | None:
    if key not in entries:
        if not _misspelt_in(node, key):  # else "did you mean" said it
            findings.error(
                node, f"missing key {key!r} in {label} (expected {describe_choices(choices)})"
            )
        return None
    return read_choice(entries[key][1], findings, f"{key} of {label}", choices)


def _misspelt_in(node: MappingNode, key: str) -> bool:
    """Whether a key of ``node`` is a misspelling of ``key`` (``nmae``), which
    ``mapping_entries`` names with "did you mean": the key missing is no second problem."""
    return any(
        isinstance(key_node, ScalarNode)
        and isinstance(key_node.value, str)
        and key_node.value != key
        and _nearest(key_node.value, (key,)) is not None
        for key_node, _ in node.value
    )


def read_optional_choice(
    entries: Entries, key: str, label: str, choices: tuple[Choice, ...], findings: Findings
) -> Choice | None:
    """Return the value of an optional choice key (None when absent or invalid)."""
    if key not in entries:
        return None
    return read_choice(entries[key][1], findings, f"{key} of {label}", choices)


def read_one_of(node: Node, subject: str, findings: Findings) -> tuple[str, ...] | None:
    """Return a non-empty list of non-empty strings as a tuple, or None after reporting."""
    if not isinstance(node, SequenceNode) or not node.value:
        report_wrong(findings, node, subject, "a non-empty list of strings")
        return None
    values: list[str] = []
    for item in node.value:
        text = read_text(item, findings, f"item of {subject}")
        if text == "":
            findings.error(item, f"empty pattern in {subject} (expected a non-empty string)")
        if text:
            values.append(text)
    return tuple(values) if len(values) == len(node.value) else None


def duration_seconds(node: Node) -> float | None:
    """Return a ``parse_duration`` result for a number or ``90s``/``5m``/``1h`` text, else None."""
    number = read_number(node)
    raw: str | float | None = number
    if number is None and isinstance(node, ScalarNode) and tag_of(node) == STR_TAG:
        raw = str(node.value)
    if raw is None:
        return None
    try:
        return parse_duration(raw)
    except ValueError:
        return None
