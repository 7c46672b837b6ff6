"""``--help`` and ``--version`` start at once: they import neither Polars nor rich.

The command line declares its options from ``option_values`` and imports the pipeline only when
a command runs; these tests run the real entry point (``python -m micromacro``) with Python's
``-X importtime``, which names on stderr every module a run imports.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from polars.exceptions import PanicException

from micromacro import commands
from micromacro.cli import cli
from micromacro.environment import _is_internal_error
from micromacro.logformats import FORMATS
from micromacro.option_values import AUTO, TABLE_NAMES
from micromacro.render.tables import TABLES

# What a run that only prints help must not load (rich's light ``rich.cells`` is no exception).
HEAVY = ("polars", "rich")


def imported_modules(*args: str) -> tuple[int, set[str]]:
    """The exit code of ``python -m micromacro ARGS``, and every module it imported."""
    command = [sys.executable, "-X", "importtime", "-m", "micromacro", *args]
    run = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    names = set()
    for line in run.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    return run.returncode, names


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in HEAVY)


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("-h",),
        ("--version",),
        ("report", "--help"),
        ("alert", "--help"),
        ("hits", "--help"),
        ("check", "--help"),
        ("formats", "--help"),
        ("report",),  # a usage error (no LOG) is found before any command runs
    ],
    ids=" ".join,
)
def test_help_version_and_usage_errors_import_no_polars(args: tuple[str, ...]) -> None:
    code, modules = imported_modules(*args)
    assert code == (2 if args == ("report",) else 0)
    assert "micromacro.cli" in modules
    assert heavy(modules) == []


def test_a_command_that_runs_imports_the_pipeline() -> None:
    """The check above can see Polars: a command that reads formats imports it."""
    code, modules = imported_modules("formats")
    assert code == 0
    assert "polars" in modules
    assert "micromacro.commands" in modules


def test_ua_parser_is_imported_only_to_parse_user_agents(tmp_path: Path) -> None:
    """A report without device dimensions never loads ua-parser; one by device does."""
    log = tmp_path / "access.log"
    log.write_text(
        '203.0.113.7 - - [02/Nov/2026:09:15:03 +0100] "GET / HTTP/1.1" 200 512 "-" '
        '"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)"\n'
    )
    plain = imported_modules("report", str(log), "--no-cache", "--format", "json")
    by_device = imported_modules(
        "report", str(log), "--no-cache", "--format", "json", "--by", "device"
    )
    assert (plain[0], by_device[0]) == (0, 0)
    assert "ua_parser" not in plain[1]
    assert "ua_parser" in by_device[1]


def test_the_option_values_are_those_of_the_pipeline() -> None:
    assert tuple(TABLES) == TABLE_NAMES
    assert AUTO not in FORMATS


def test_a_polars_panic_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """A panic of Polars' Rust code is a ``BaseException``, caught though Polars is imported
    only when a command runs."""

    def panicking(*_args: object, **_kwargs: object) -> None:
        raise PanicException("index out of bounds")

    monkeypatch.setattr(commands, "build_report", panicking)
    result = CliRunner().invoke(cli, ["report", "-"], input=b"")
    assert (result.exit_code, result.stderr) == (
        1,
        "micromacro: error: internal error: PanicException: index out of bounds "
        "(run with --traceback)\n",
    )


def test_only_exceptions_and_panics_are_internal_errors() -> None:
    assert _is_internal_error(RuntimeError("boom"))
    assert _is_internal_error(PanicException("boom"))
    assert not _is_internal_error(SystemExit(0))
    assert not _is_internal_error(GeneratorExit())


@pytest.mark.parametrize(
    ("own", "expected"), [(None, "narenas:1"), ("narenas:4", "narenas:4")], ids=["unset", "own"]
)
def test_polars_allocator_gets_one_arena_unless_the_user_set_it(
    own: str | None, expected: str
) -> None:
    """micromacro asks Polars' allocator for one arena before Polars loads (docs/decisions.md,
    "Polars' allocator runs with one arena"); a setting of the user's own is left alone."""
    env = {k: v for k, v in os.environ.items() if k != "_RJEM_MALLOC_CONF"}
    if own is not None:
        env["_RJEM_MALLOC_CONF"] = own
    code = "import micromacro, polars, os; print(os.environ['_RJEM_MALLOC_CONF'])"
    run = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    # Polars puts its own decay settings first and the setting it found after them.
    assert run.stdout.strip().split(",")[-1] == expected
