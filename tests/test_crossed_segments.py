"""Crossed breakdowns (``--by a,b``): one segment per combination of values, whose labels never
read alike, over small logs written here, one session per line."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from micromacro.cli import cli
from tests.helpers import combined_line


def write_log(tmp_path: Path, queries: list[str]) -> str:
    """A log of one visit to ``/a?QUERY`` per query, each from its own visitor."""
    log = tmp_path / "access.log"
    log.write_text(
        "".join(
            combined_line(f"/a?{query}", ip=f"203.0.113.{n}") + "\n"
            for n, query in enumerate(queries, start=1)
        )
    )
    return str(log)


def report(log: str, *args: str) -> dict[str, object]:
    result = CliRunner().invoke(cli, ["report", log, "--format", "json", "-q", *args])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert isinstance(data, dict)
    return data


def test_different_values_are_different_segments_whose_labels_differ(tmp_path: Path) -> None:
    """A value holding ' /' or starting with a quote is quoted in a crossed label (x / y, z and
    x, y / z were one segment 'x / y / z' of two sessions; x /, y and x, / y one 'x / / y')."""
    log = write_log(
        tmp_path,
        [
            "a=x%20/%20y&b=z",
            "a=x&b=y%20/%20z",
            "a=x%20/&b=y",
            "a=x&b=/%20y",
            "a=%22q%22&b=r",
            "a=say%20%22hi%22&b=r",
        ],
    )
    data = report(log, "--by", "query:a,query:b", "--by", "query:a")
    rows = [(row["by"], row["segment"], row["sessions"]) for row in data["segments"]]
    assert rows == [
        ("query:a,query:b", '"""q""" / r', 1),
        ("query:a,query:b", '"x / y" / z', 1),
        ("query:a,query:b", '"x /" / y', 1),
        ("query:a,query:b", 'say "hi" / r', 1),
        ("query:a,query:b", 'x / "y / z"', 1),
        ("query:a,query:b", "x / / y", 1),
        # One dimension is a value alone, quoted nowhere.
        ("query:a", "x", 2),
        ("query:a", '"q"', 1),
        ("query:a", 'say "hi"', 1),
        ("query:a", "x /", 1),
        ("query:a", "x / y", 1),
    ]
