"""The README stays true: every command, option, output field, column and exit code is in it;
and the docs stand alone: they cite only files of the repository."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from micromacro.cli import cli
from micromacro.errors import ExitCode
from micromacro.logformats import FORMATS
from micromacro.option_values import TABLE_NAMES
from micromacro.rows import (
    CHANNEL_FIELDS,
    EXIT_PAGE_FIELDS,
    LANDING_PAGE_FIELDS,
    PAGE_FIELDS,
    REFERRER_FIELDS,
    STATUS_FIELDS,
    TRAFFIC_TABLES,
)

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
@pytest.mark.usefixtures("one_build_per_report")  # one report, written as each table
def test_every_csv_table_and_column_is_documented(table: str) -> None:
    args = ["report", SHOP, "--goals", GOALS, "--format", "csv", "--table", table]
    header = CliRunner().invoke(cli, args).stdout.splitlines()[0]
    csv_section = README.split("### CSV and TSV")[1]
    row = next(line for line in csv_section.splitlines() if line.startswith(f"| `{table}`"))
    assert ", ".join(header.split(",")) in row


TRAFFIC_FIELDS = dict(
    zip(
        TRAFFIC_TABLES,
        (PAGE_FIELDS, LANDING_PAGE_FIELDS, EXIT_PAGE_FIELDS, REFERRER_FIELDS, CHANNEL_FIELDS,
         STATUS_FIELDS),
        strict=True,
    )
)  # fmt: skip


@pytest.mark.parametrize("name", TRAFFIC_TABLES)
@pytest.mark.usefixtures("one_build_per_report")  # one report, read for each list
def test_every_traffic_field_is_documented(name: str) -> None:
    """Each list of the JSON ``traffic`` object, with its items' fields, in the JSON section and
    in the traffic overview's table."""
    fixtures = ROOT / "tests" / "fixtures"
    args = ["report", str(fixtures / "traffic.log"), "--format", "json"]
    items = json.loads(CliRunner().invoke(cli, args).stdout)["traffic"][name]
    fields = set(TRAFFIC_FIELDS[name])
    assert all(set(item) == fields for item in items)
    json_section = README.split("`traffic`, the [traffic overview]")[1]
    overview = README.split("## The traffic overview")[1]
    for section in (json_section, overview):
        row = next(line for line in section.splitlines() if line.startswith(f"| `{name}` |"))
        assert all(f"`{field}`" in row for field in fields), row


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


@pytest.mark.parametrize("name", list(FORMATS))
def test_every_preset_has_a_row_in_the_log_formats_table(name: str) -> None:
    # ``micromacro formats`` lists these: each has its row in the README's Log formats table.
    assert re.search(rf"^\| `{re.escape(name)}` \| ", README, flags=re.MULTILINE)


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


# --- the docs stand alone ---------------------------------------------------------------------

# What a tracked text file may not say: a citation of a specification document that is not in
# the repository (its file name, or "SPEC" followed by a section number), or a path to a
# directory beside the repository. The product's definitions are docs/definitions.md.
_OUTSIDE_REFERENCE = re.compile(r"SPEC\.md|\bSPEC [0-9§]|\.\./shared\b")
_TEXT_SUFFIXES = (".py", ".md", ".yaml", ".toml", ".txt")
# A Markdown link or image target: [text](target) or [text](target "title").
_MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def _tracked_text_files() -> list[Path]:
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, text=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    names = [name for name in listed.split("\0") if name.endswith(_TEXT_SUFFIXES)]
    return [ROOT / name for name in names if (ROOT / name).is_file()]


def _markdown_anchors(text: str) -> set[str]:
    """The anchors GitHub gives the headings of a Markdown text (fenced code is no heading)."""
    anchors: set[str] = set()
    seen: dict[str, int] = {}
    fenced = False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        heading = re.match(r"#{1,6} (.+)", line)
        if fenced or heading is None:
            continue
        slug = re.sub(r"[^\w\- ]", "", heading.group(1).strip().lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(f"{slug}-{count}" if count else slug)
    return anchors


def test_no_tracked_file_cites_a_document_outside_the_repository() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _tracked_text_files()
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), start=1)
        if _OUTSIDE_REFERENCE.search(line)
    ]
    assert not found, "cite docs/definitions.md instead:\n" + "\n".join(found)


def test_every_relative_markdown_link_resolves_inside_the_repository() -> None:
    broken = []
    for path in _tracked_text_files():
        if path.suffix != ".md":
            continue
        text = path.read_text()
        for target in _MARKDOWN_LINK.findall(text):
            if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
                continue
            file_part, _, anchor = target.partition("#")
            linked = (path.parent / file_part).resolve() if file_part else path
            where = f"{path.relative_to(ROOT)}: {target}"
            if not linked.is_relative_to(ROOT.resolve()) or not linked.exists():
                broken.append(f"{where} (no such file in the repository)")
            elif (
                anchor
                and linked.suffix == ".md"
                and anchor not in _markdown_anchors(linked.read_text())
            ):
                broken.append(f"{where} (no such heading)")
    assert not broken, "\n".join(broken)


def test_definitions_keep_their_section_numbers() -> None:
    anchors = _markdown_anchors((ROOT / "docs" / "definitions.md").read_text())
    numbers = {anchor.split("-")[0] for anchor in anchors if anchor[0].isdigit()}
    expected = {"1", "2", "21", "22", "23", "24", "25", "26", "27", "28", "3", "4", "5"}
    assert numbers == expected


def test_the_period_fields_are_documented() -> None:
    period = _shop_report()["period"]
    assert set(period) == _documented_fields("`period`, always")


def _json_example() -> str:
    """The JSON example of the README's Output section."""
    start = README.index("### JSON (`--format json`)")
    return README[start:].split("```json\n", 1)[1].split("```", 1)[0]


def _figures(text: str) -> list[tuple[str, object]]:
    """Each ``"key": value`` pair of the example whose value is a number or a string."""
    pairs = re.findall(r'"([a-z_]+)":\s*("(?:[^"]*)"|-?[0-9][0-9.e-]*)', text)
    return [(key, json.loads(value)) for key, value in pairs]


def test_the_json_example_is_the_sample_logs_report() -> None:
    """Every figure of the README's JSON example is the one the bundled sample gives."""
    sample = str(ROOT / "sample_logs" / "access.log")
    args = ["report", sample, "--goals", str(ROOT / "goals.example.yaml"), "--format", "json"]
    data = json.loads(CliRunner().invoke(cli, args).stdout)
    first = {
        "input": data["input"],
        "summary": data["summary"],
        "goals": data["goals"][0],
        "funnels": {**data["funnels"][0]["steps"][0], **data["funnels"][0]},
        "ladder": data["ladder"]["customers"],
        "micro_macro": data["micro_macro"][0],
        "period": data["period"],
    }
    example = _json_example()
    checked = 0
    for section, shown in first.items():
        line = re.search(rf'^\s*"{section}":(.*?)(?=^\s*"[a-z_]+":|\Z)', example, re.M | re.S)
        assert line is not None, section
        for key, value in _figures(line.group(1)):
            assert shown[key] == value, f"{section}.{key}: README {value!r}, sample {shown[key]!r}"
            checked += 1
    assert checked >= 15  # the parsing found the figures
