"""The README stays true: every command, option, output field, column and exit code is in it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from micromacro.cli import cli
from micromacro.errors import ExitCode
from micromacro.render.tables import TABLE_NAMES

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text()
SHOP = str(ROOT / "tests" / "fixtures" / "shop.log")
GOALS = str(ROOT / "tests" / "fixtures" / "shop_goals.yaml")


def _commands() -> list[click.Command]:
    assert isinstance(cli, click.Group)
    return list(cli.commands.values())


@pytest.mark.parametrize("command", _commands(), ids=lambda c: c.name)
def test_every_command_has_help_and_is_documented(command: click.Command) -> None:
    assert command.help
    assert f"`micromacro {command.name}" in README


@pytest.mark.parametrize("command", _commands(), ids=lambda c: c.name)
def test_every_option_is_documented(command: click.Command) -> None:
    for param in command.params:
        if isinstance(param, click.Option) and param.name != "help":
            assert param.help, f"{param.name} has no help"
            assert any(f"`{opt}" in README for opt in param.opts), f"{param.opts} not in README"


def _shop_report() -> dict[str, object]:
    result = CliRunner().invoke(cli, ["report", SHOP, "--goals", GOALS, "--format", "json"])
    return json.loads(result.stdout)


def _documented_fields(section: str) -> set[str]:
    """Backquoted names in the first column of the README table after the ``section`` line."""
    start = README.index(section)
    table = README[start:].split("\n\n")[1]
    names: set[str] = set()
    for row in table.splitlines()[2:]:
        first_cell = row.split("|")[1]
        names.update(re.findall(r"`([a-z_]+)`", first_cell))
    return names


@pytest.mark.parametrize(
    ("section", "marker"),
    [
        ("input", "`input`:"),
        ("summary", "`summary`:"),
        ("goals", "`goals`, one object per goal"),
        ("ladder", "`ladder`, the engagement ladder"),
        ("micro_macro", "`micro_macro`, which micro goals"),
    ],
)
def test_every_json_field_is_documented(section: str, marker: str) -> None:
    data = _shop_report()[section]
    fields = data[0] if isinstance(data, list) else data
    assert isinstance(fields, dict)
    assert set(fields) <= _documented_fields(marker)


@pytest.mark.parametrize("table", TABLE_NAMES)
def test_every_csv_table_and_column_is_documented(table: str) -> None:
    args = ["report", SHOP, "--goals", GOALS, "--format", "csv", "--table", table]
    header = CliRunner().invoke(cli, args).stdout.splitlines()[0]
    csv_section = README.split("### CSV and TSV")[1]
    row = next(line for line in csv_section.splitlines() if line.startswith(f"| `{table}`"))
    assert ", ".join(header.split(",")) in row


def test_every_funnel_field_is_documented() -> None:
    fixtures = ROOT / "tests" / "fixtures"
    args = ["report", str(fixtures / "funnel.log"), "--goals", str(fixtures / "funnel_goals.yaml")]
    result = CliRunner().invoke(cli, [*args, "--format", "json"])
    funnel = json.loads(result.stdout)["funnels"][0]
    assert set(funnel) <= _documented_fields("`funnels`, one object per funnel")
    assert set(funnel["steps"][0]) <= _documented_fields("`steps` of a funnel")


def test_every_segment_field_is_documented() -> None:
    fixtures = ROOT / "tests" / "fixtures"
    args = [
        "report",
        str(fixtures / "segments.log"),
        "--goals",
        str(fixtures / "segments_goals.yaml"),
    ]
    result = CliRunner().invoke(cli, [*args, "--by", "device", "--format", "json"])
    segment = json.loads(result.stdout)["segments"][0]
    documented = _documented_fields("`segments`, one object per segment")
    assert set(segment) <= documented
    goal_row = README.split("the list `goals` | per goal: ")[1].split("|")[0]
    assert all(f"`{name}`" in goal_row for name in segment["goals"][0])


@pytest.mark.parametrize("code", list(ExitCode), ids=lambda c: c.name)
def test_every_exit_code_is_documented(code: ExitCode) -> None:
    assert re.search(rf"^\| {int(code)} \| ", README, flags=re.MULTILINE)
    assert f"{int(code)} " in CliRunner().invoke(cli, ["--help"]).stdout


def test_the_readme_opens_with_the_two_setup_commands() -> None:
    block = README.split("```sh\n", 1)[1].split("```", 1)[0].splitlines()
    assert len(block) == 2
    assert "micromacro report sample_logs/access.log --goals goals.example.yaml" in block[0]
    ci = (ROOT / ".ci" / "run").read_text()
    assert block[1] in ci


def test_every_alert_field_is_documented() -> None:
    fixtures = ROOT / "tests" / "fixtures"
    args = ["report", str(fixtures / "alerts.log"), "--goals", str(fixtures / "alerts_goals.yaml")]
    period = ["--since", "2026-11-22", "--compare", "previous", "--alerts", "--format", "json"]
    result = CliRunner().invoke(cli, [*args, *period])
    alert = json.loads(result.stdout)["alerts"][0]
    assert set(alert) <= _documented_fields("`alerts` (only with `report --alerts`)")
