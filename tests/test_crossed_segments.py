"""Crossed breakdowns (``--by a,b``): one segment per combination of values, whose labels never
read alike, over small logs written here, one session per line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from micromacro.cli import cli
from tests.helpers import FIREFOX, combined_line

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)


def write_log(tmp_path: Path, queries: list[str], agents: list[str] | None = None) -> str:
    """A log of one visit to ``/a?QUERY`` per query, each from its own visitor (with the user
    agent at its place in ``agents``, else Firefox on Linux: a desktop)."""
    log = tmp_path / "access.log"
    log.write_text(
        "".join(
            combined_line(f"/a?{query}", ip=f"203.0.113.{n}", agent=agent) + "\n"
            for n, (query, agent) in enumerate(
                zip(queries, agents or [FIREFOX] * len(queries), strict=True), start=1
            )
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


# Sessions variant A desktop, A mobile, B desktop, "x / y" desktop, and without a variant one
# desktop, one mobile: the variants of --by query:variant,device are the four cells with a
# variant, one session each.
VARIANTS = ["variant=A", "variant=A", "variant=B", "variant=x%20/%20y", "", ""]
AGENTS = [FIREFOX, IPHONE, FIREFOX, FIREFOX, FIREFOX, IPHONE]


def test_a_crossed_cell_without_a_value_is_no_variant(tmp_path: Path) -> None:
    """'(none) / desktop' and '(none) / mobile' were variants, in the sample-ratio test too."""
    log = write_log(tmp_path, VARIANTS, AGENTS)
    data = report(log, "--by", "query:variant,device", "--baseline", "A / desktop")
    trial = data["experiment"]
    assert isinstance(trial, dict)
    assert [(v["variant"], v["sessions"]) for v in trial["variants"]] == [
        ('"x / y" / desktop', 1),
        ("A / desktop", 1),
        ("A / mobile", 1),
        ("B / desktop", 1),
    ]
    assert trial["sample_ratio"]["sessions"] == [1, 1, 1, 1]
    assert trial["sample_ratio"]["p_value"] == 1.0  # an even split: chi-square 0
    quoted = report(log, "--by", "query:variant,device", "--baseline", '"x / y" / desktop')
    assert quoted["experiment"]["baseline"] == '"x / y" / desktop'


@pytest.mark.parametrize(
    ("baseline", "why"),
    [
        ("(none) / mobile", "the sessions without a value of query:variant are no variant"),
        ("A", "no session has it for --by query:variant,device, whose variants name a value of "
         "each dimension"),
        ("C / desktop", "no session has it for --by query:variant,device, whose variants name a "
         "value of each dimension"),
    ],
)  # fmt: skip
def test_a_baseline_of_a_cross_that_is_no_variant_exits_2(
    tmp_path: Path, baseline: str, why: str
) -> None:
    log = write_log(tmp_path, VARIANTS, AGENTS)
    args = ["report", log, "--by", "query:variant,device", "--baseline", baseline]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert result.stderr == (
        f'micromacro: error: --baseline {baseline!r}: {why} (seen: "x / y" / desktop, '
        "A / desktop, A / mobile, B / desktop)\n"
    )
