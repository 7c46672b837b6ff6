"""The same traffic in three log formats gives the same report.

tests/fixtures/shop.log (combined, hand-counted in tests/test_cli.py) was rewritten line by line
into a custom nginx format with three extra fields (shop_nginx.log) and into nginx JSON lines
(shop_json.log, ``escape=json`` with the variables' names as keys). Only the format changes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from micromacro.cli import cli

FIXTURES = Path(__file__).parent / "fixtures"
GOALS = str(FIXTURES / "shop_goals.yaml")
NGINX_FORMAT = (
    '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
    '"$http_referer" "$http_user_agent" $request_time "$host" "$http_x_forwarded_for"'
)


def report(log: str, *options: str) -> dict[str, object]:
    args = ["report", str(FIXTURES / log), "--goals", GOALS, "--format", "json", *options]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    ("log", "options"),
    [
        ("shop_nginx.log", ("--log-format", NGINX_FORMAT)),
        ("shop_json.log", ("--log-format", "nginx_json")),
        ("shop_json.log", ()),
    ],
    ids=["nginx format string", "nginx JSON", "nginx JSON detected"],
)
def test_goal_tables_are_identical(log: str, options: tuple[str, ...]) -> None:
    expected = report("shop.log")
    actual = report(log, *options)
    for section in ("summary", "goals", "funnels", "ladder", "micro_macro"):
        assert actual[section] == expected[section], section
    named = ("format", "variants")  # names of what read the lines, not counts of them
    assert {k: v for k, v in actual["input"].items() if k not in named} == {
        k: v for k, v in expected["input"].items() if k not in named
    }
