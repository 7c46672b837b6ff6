"""The code is one pipeline: each module of ``micromacro`` imports only from earlier ones.

``STAGES`` lists every module of the package, lowest first, grouped by the stage of the
pipeline it belongs to (README: Development). A module may import a module of an earlier stage,
or one listed before it in its own stage; nothing later, and no import may close a circle.
Every import counts: at the top of a module, inside ``if TYPE_CHECKING:`` and inside a function.
A new module fails ``test_every_module_is_placed`` until it is added to ``STAGES`` where it
belongs, and the map of README: Development shows the same modules in the same order.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = "micromacro"
ROOT = Path(__file__).resolve().parent.parent / PACKAGE

# Module names are relative to the package: ``goals`` is micromacro/goals.py, ``logformats`` is
# micromacro/logformats/__init__.py and ``__init__`` the package's own micromacro/__init__.py.
STAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("package and errors", ("__init__", "errors")),
    (
        "small utilities",
        (
            "collector",
            "cpus",
            "read_ahead",
            "descriptors",
            "text",
            "distinct",
            "timespans",
            "periods",
            "stats",
            "path_templates",
        ),
    ),
    (
        "names of the hit table, of dimensions and of report rows",
        ("hit_schema", "dimensions", "rows", "option_values"),
    ),
    ("metric paths", ("metric_paths",)),
    ("goal model", ("goals",)),
    ("goals file", ("goals_yaml", "goal_definitions", "funnel_definitions", "goals_file")),
    (
        "log formats",
        (
            "logformats.patterns",
            "logformats.fields",
            "logformats.envelopes",
            "logformats.base",
            "logformats.families",
            "logformats.labelled",
            "logformats.cut",
            "logformats.clf_split",
            "logformats.clf",
            "logformats.w3c_layouts",
            "logformats.w3c",
            "logformats.keyed",
            "logformats.jsonlines",
            "logformats.format_cut",
            "logformats.formatstrings",
            "logformats.aws",
            "logformats.cdn",
            "logformats.haproxy",
            "logformats.nginx_proxy_manager",
            "logformats.envoy",
            "logformats.uwsgi",
            "logformats.keyvalue",
            "logformats.presets",
            "logformats",
        ),
    ),
    (
        "inputs",
        (
            "spool",
            "compression",
            "line_chunks",
            "inputs",
            "seeking",
            "entry_stream",
            "hit_cache",
            "whole_files",
        ),
    ),
    (
        "hits",
        (
            "matchers",
            "bots",
            "exclusions",
            "hits",
            "overlapping_inputs",
            "export_files",
            "export_columns",
            "export_times",
            "export_presets",
            "export_urls",
            "exports",
        ),
    ),
    (
        "reading",
        (
            "format_choice",
            "timeless_lines",
            "hit_partitions",
            "hit_collection",
            "cached_lines",
            "input_read",
            "reading",
        ),
    ),
    ("sessions", ("sessions",)),
    ("goal matching", ("goal_matching",)),
    (
        "figures",
        (
            "metrics",
            "funnels",
            "channels",
            "devices",
            "dimension_values",
            "segments",
            "traffic",
            "trend",
            "experiments",
            "comparison",
        ),
    ),
    ("alerts", ("alerts",)),
    ("report", ("report", "hit_table", "suggest_steps", "suggest_funnels", "suggest")),
    ("output files", ("outputs", "history")),
    (
        "render",
        (
            "render.values",
            "render.options",
            "render.alerts",
            "render.painter",
            "render.tables",
            "render.page",
            "render.terminal",
            "render.markdown",
            "render.charts",
            "render.html",
            "render.json",
            "render.delimited",
            "render.hits",
            "render.suggestion",
            "render",
        ),
    ),
    ("command line", ("environment", "commands", "cli", "__main__")),
)


@dataclass(frozen=True)
class Import:
    """One import statement's use of a module of the package."""

    importer: str
    imported: str
    line: int

    def where(self) -> str:
        return f"{_path(self.importer)}:{self.line} imports {_dotted(self.imported)}"


def _path(module: str) -> str:
    """The file of a module name of ``STAGES``."""
    parts = [] if module == "__init__" else module.split(".")
    target = ROOT.joinpath(*parts)
    file = target / "__init__.py" if target.is_dir() or not parts else target.with_suffix(".py")
    return str(file.relative_to(ROOT.parent))


def _dotted(module: str) -> str:
    return PACKAGE if module == "__init__" else f"{PACKAGE}.{module}"


def _module_of(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def _is_module(name: str) -> bool:
    """Whether ``name`` (relative to the package) is a module or subpackage of it."""
    target = ROOT.joinpath(*name.split("."))
    return target.with_suffix(".py").is_file() or (target / "__init__.py").is_file()


def _relative(dotted: str) -> str | None:
    """``micromacro.x.y`` as ``x.y`` (``__init__`` for the package), None outside it."""
    if dotted == PACKAGE:
        return "__init__"
    if dotted.startswith(PACKAGE + "."):
        return dotted.removeprefix(PACKAGE + ".")
    return None


def imports_of(module: str, source: str) -> list[Import]:
    """Every use of a package module in ``source`` (the text of ``module``), wherever the import
    statement stands: at the top, under ``if TYPE_CHECKING:`` or in a function.

    >>> text = "from typing import TYPE_CHECKING\\nif TYPE_CHECKING:\\n    from micromacro import x"
    >>> [i.imported for i in imports_of("goals", text)]
    ['x']
    """
    # The package a relative import starts from: a package's own ``__init__`` is in it.
    package = [] if module == "__init__" else module.split(".")
    if not _is_package(module):
        package = package[:-1]
    found: list[Import] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                name = _relative(alias.name)
                if name is not None:
                    found.append(Import(module, name, node.lineno))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                dotted = ".".join([PACKAGE, *base, *([node.module] if node.module else [])])
            else:
                dotted = node.module or ""
            name = _relative(dotted)
            if name is None:
                continue
            prefix = "" if name == "__init__" else name + "."
            for alias in node.names:
                # ``from micromacro.render import tables`` uses the submodule; any other name
                # comes from the module itself (a package's ``__init__``).
                if _is_module(prefix + alias.name):
                    found.append(Import(module, prefix + alias.name, node.lineno))
                else:
                    found.append(Import(module, name, node.lineno))
    return sorted(dict.fromkeys(found), key=lambda i: i.line)


def _is_package(name: str) -> bool:
    return name != "__init__" and (ROOT.joinpath(*name.split(".")) / "__init__.py").is_file()


def _listed() -> list[str]:
    return [module for _, modules in STAGES for module in modules]


def _modules_on_disk() -> list[str]:
    return [_module_of(path) for path in sorted(ROOT.rglob("*.py"))]


def _all_imports() -> list[Import]:
    found: list[Import] = []
    for path in sorted(ROOT.rglob("*.py")):
        module = _module_of(path)
        found += imports_of(module, path.read_text(encoding="utf-8"))
    return found


def test_stages_name_each_module_once() -> None:
    listed = _listed()
    repeated = sorted({m for m in listed if listed.count(m) > 1})
    assert not repeated, f"listed more than once in STAGES: {', '.join(repeated)}"


def test_every_module_is_placed() -> None:
    on_disk = set(_modules_on_disk())
    listed = set(_listed())
    unplaced = sorted(on_disk - listed)
    assert not unplaced, "\n".join(
        f"{_path(m)} is in no stage: add {m!r} to STAGES in tests/test_layers.py, after the "
        "modules it imports and before those that import it"
        for m in unplaced
    )
    gone = sorted(listed - on_disk)
    assert not gone, f"STAGES lists modules that do not exist: {', '.join(gone)}"


def test_imports_only_from_earlier_modules() -> None:
    position = {module: index for index, module in enumerate(_listed())}
    stage_of = {module: stage for stage, modules in STAGES for module in modules}
    problems = []
    for found in _all_imports():
        if found.imported == found.importer or found.importer not in position:
            continue
        if found.imported not in position:
            problems.append(f"{found.where()}, which is in no stage of STAGES")
        elif position[found.imported] > position[found.importer]:
            importer_stage, imported_stage = stage_of[found.importer], stage_of[found.imported]
            if importer_stage == imported_stage:
                problems.append(
                    f"{found.where()}, listed after {found.importer} in their stage "
                    f"{importer_stage!r}"
                )
            else:
                problems.append(
                    f"{found.where()} from the later stage {imported_stage!r} "
                    f"({found.importer} is in {importer_stage!r})"
                )
    assert not problems, "imports of later modules:\n" + "\n".join(problems)


def test_no_import_cycles() -> None:
    edges: dict[str, dict[str, Import]] = {}
    for found in _all_imports():
        if found.imported != found.importer:
            edges.setdefault(found.importer, {}).setdefault(found.imported, found)
    problems = []
    for cycle in _cycles(edges):
        steps = zip(cycle, [*cycle[1:], cycle[0]], strict=True)
        problems.append(" -> ".join([*cycle, cycle[0]]))
        problems += [f"  {edges[a][b].where()}" for a, b in steps]
    assert not problems, "import cycles:\n" + "\n".join(problems)


def _cycles(edges: dict[str, dict[str, Import]]) -> list[list[str]]:
    """One cycle through each group of modules that import one another (Tarjan's strongly
    connected components; a group of one is a cycle only when it imports itself)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, {}):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return [_cycle_within(sorted(group), edges) for group in groups]


def _cycle_within(group: list[str], edges: dict[str, dict[str, Import]]) -> list[str]:
    """A shortest path from the group's first module back to itself, inside the group."""
    start = group[0]
    members = set(group)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for target in sorted(edges.get(node, {})):
            if target == start:
                return paths[node]
            if target in members and target not in paths:
                paths[target] = [*paths[node], target]
                queue.append(target)
    return group


# No module is longer than this: each is one stage, to be read alone.
MAX_LINES = 900


def test_no_module_is_over_max_lines() -> None:
    too_long = []
    for module in _modules_on_disk():
        lines = len(ROOT.parent.joinpath(_path(module)).read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES:
            too_long.append(f"{_path(module)}: {lines} lines")
    assert not too_long, f"modules over {MAX_LINES} lines, to split by stage:\n" + "\n".join(
        too_long
    )


def test_the_readme_map_follows_the_stages() -> None:
    """README: Development shows the same modules in the same order."""
    readme = (ROOT.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Development") :]
    rows = [line for line in section.split("\n\n")[2].splitlines() if line.startswith("| ")]
    shown: list[str] = []
    for row in rows[2:]:
        for path in re.findall(r"`micromacro/([^`]*)`", row):
            if path.endswith("/"):  # a subpackage: its modules in their order, then itself
                package = path.removesuffix("/").replace("/", ".")
                shown += [m for m in _listed() if m.startswith(package + ".") or m == package]
            else:
                shown.append(path.removesuffix(".py").replace("/", "."))
    assert shown == _listed(), "README: Development and STAGES list the modules differently"


def test_the_checks_see_every_kind_of_import() -> None:
    source = (
        "from __future__ import annotations\n"
        "from typing import TYPE_CHECKING\n"
        "import micromacro.errors\n"
        "from micromacro import __version__, collector\n"
        "from micromacro.logformats import AUTO\n"
        "from micromacro.render import tables\n"
        "if TYPE_CHECKING:\n"
        "    from micromacro.report import Report\n"
        "def f():\n"
        "    from micromacro.cli import main\n"
        "    from . import fields\n"
        "    from .base import LogFormat\n"
    )
    found = [(i.imported, i.line) for i in imports_of("logformats.clf", source)]
    assert found == [
        ("errors", 3),
        ("__init__", 4),
        ("collector", 4),
        ("logformats", 5),
        ("render.tables", 6),
        ("report", 8),
        ("cli", 10),
        ("logformats.fields", 11),
        ("logformats.base", 12),
    ]


@pytest.mark.parametrize(
    ("edges", "expected"),
    [
        ({"a": {"b"}, "b": {"c"}}, []),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, [["a", "b", "c"]]),
        ({"a": {"b"}, "b": {"a", "c"}, "c": {"d"}, "d": {"c"}}, [["c", "d"], ["a", "b"]]),
    ],
)
def test_cycles_are_found(edges: dict[str, set[str]], expected: list[list[str]]) -> None:
    imports = {a: {b: Import(a, b, 1) for b in targets} for a, targets in edges.items()}
    assert _cycles(imports) == expected
