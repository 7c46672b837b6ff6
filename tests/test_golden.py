"""Golden outputs: whole reports of the bundled sample and the test fixtures, byte for byte.

Each case runs the real command (``CliRunner``, stdout not a terminal) and compares stdout and
stderr with ``tests/golden/<case>.out`` / ``.err``. The files were written by the program and
read through before they were committed; they pin down that a change meant to keep behaviour
(a refactor) keeps every byte. A change meant to change output regenerates them on purpose:

    MICROMACRO_GOLDEN=write .venv/bin/python -m pytest tests/test_golden.py

and the diff of ``tests/golden/`` is then part of the change, read like code.

Cases that differ only in ``--format`` or ``--table`` build the same report: they run in one
worker, and the first of them to run builds it for all (``one_build_per_report``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from _pytest.mark import ParameterSet
from click.testing import CliRunner

from micromacro.cli import cli

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"
FIXTURES = "tests/fixtures"
SAMPLE = ["sample_logs/access.log", "--goals", "goals.example.yaml"]
SHOP = [f"{FIXTURES}/shop.log", "--goals", f"{FIXTURES}/shop_goals.yaml"]
FUNNEL = [f"{FIXTURES}/funnel.log", "--goals", f"{FIXTURES}/funnel_goals.yaml"]
SEGMENTS = [f"{FIXTURES}/segments.log", "--goals", f"{FIXTURES}/segments_goals.yaml"]
ALERTS = [f"{FIXTURES}/alerts.log", "--goals", f"{FIXTURES}/alerts_goals.yaml"]
TWO_DAYS = [f"{FIXTURES}/two_days.log", "--goals", f"{FIXTURES}/two_days_goals.yaml"]
GA4 = [f"{FIXTURES}/exports/ga4.ndjson", "--goals", f"{FIXTURES}/exports/ga4_goals.yaml"]
SEGMENT = [
    f"{FIXTURES}/exports/segment.ndjson", "--goals", f"{FIXTURES}/exports/segment_goals.yaml",
]  # fmt: skip
BY = ["--by", "query:variant", "--by", "channel", "--by", "device,hour"]
TABLES = ("input", "summary", "goals", "funnels", "ladder", "micro_macro", "segments", "experiment")

CASES: dict[str, list[str]] = {
    "sample-table": ["report", *SAMPLE],
    "sample-json": ["report", *SAMPLE, "--format", "json"],
    "sample-markdown": ["report", *SAMPLE, "--format", "markdown"],
    **{f"sample-csv-{t}": ["report", *SAMPLE, "--format", "csv", "--table", t] for t in TABLES},
    "sample-tsv-goals": ["report", *SAMPLE, "--format", "tsv"],
    "sample-by-table": ["report", *SAMPLE, *BY, "--baseline", "A"],
    "sample-by-json": ["report", *SAMPLE, *BY, "--baseline", "A", "--format", "json"],
    "sample-by-markdown": ["report", *SAMPLE, *BY, "--format", "markdown"],
    "sample-by-csv-segments": ["report", *SAMPLE, *BY, "--format", "csv", "--table", "segments"],
    "sample-by-csv-experiment": [
        "report", *SAMPLE, "--by", "query:variant", "--baseline", "A", "--format", "csv",
        "--table", "experiment",
    ],
    "sample-compare-table": [
        "report", *SAMPLE, "--since", "2026-11-05", "--until", "2026-11-06", "--compare",
        "previous", "--by", "channel",
    ],
    "sample-compare-json": [
        "report", *SAMPLE, "--since", "2026-11-05", "--until", "2026-11-06", "--compare",
        "previous", "--by", "channel", "--format", "json",
    ],
    "sample-compare-csv-goals": [
        "report", *SAMPLE, "--since", "2026-11-05", "--compare", "previous", "--format", "csv",
    ],
    "shop-table": ["report", *SHOP],
    "shop-json": ["report", *SHOP, "--format", "json"],
    "funnel-table": ["report", *FUNNEL, "--by", "channel"],
    "funnel-json": ["report", *FUNNEL, "--format", "json"],
    "funnel-csv-funnels": ["report", *FUNNEL, "--format", "csv", "--table", "funnels"],
    "segments-table": ["report", *SEGMENTS, "--by", "channel", "--by", "device"],
    "segments-json": ["report", *SEGMENTS, "--by", "channel,device", "--format", "json"],
    "alerts-report-table": [
        "report", *ALERTS, "--since", "2026-11-22", "--until", "2026-11-22", "--compare",
        "previous", "--alerts",
    ],
    "alerts-report-json": [
        "report", *ALERTS, "--since", "2026-11-22", "--until", "2026-11-22", "--compare",
        "previous", "--alerts", "--format", "json",
    ],
    "alerts-report-markdown": [
        "report", *ALERTS, "--since", "2026-11-22", "--until", "2026-11-22", "--compare",
        "previous", "--alerts", "--format", "markdown",
    ],
    "alerts-alert": [
        "alert", *ALERTS, "--since", "2026-11-22", "--until", "2026-11-22", "--compare",
        "previous",
    ],
    "two-days-json": ["report", *TWO_DAYS, "--tz", "Europe/Berlin", "--format", "json"],
    "ga4-table": ["report", *GA4],
    "ga4-json": ["report", *GA4, "--format", "json"],
    "segment-json": ["report", *SEGMENT, "--format", "json"],
    "hostile-table": ["report", f"{FIXTURES}/hostile.log"],
    "hostile-json": ["report", f"{FIXTURES}/hostile.log", "--format", "json"],
    "no-goals-table": ["report", f"{FIXTURES}/shop.log"],
    "check": ["check", "goals.example.yaml"],
}  # fmt: skip


def same_report(name: str) -> tuple[str, ...]:
    """What a case's report is built from: its arguments less ``--format`` and ``--table``,
    which say only how the report is written."""
    args = CASES[name]
    return tuple(
        arg
        for i, arg in enumerate(args)
        if arg not in ("--format", "--table") and args[i - 1] not in ("--format", "--table")
    )


def grouped(names: list[str], group: str) -> list[ParameterSet]:
    """``names`` as parameters, the cases that build the same report (``same_report``) in one
    xdist group, so that one worker runs them and builds their report once."""
    reports = list(dict.fromkeys(same_report(name) for name in names))
    return [
        pytest.param(
            name,
            id=name,
            marks=pytest.mark.xdist_group(f"{group}-{reports.index(same_report(name))}"),
        )
        for name in names
    ]


@pytest.mark.parametrize("case", grouped(list(CASES), "golden"))
@pytest.mark.usefixtures("one_build_per_report")
def test_output_is_byte_for_byte_the_golden_one(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("NO_COLOR", raising=False)
    result = CliRunner().invoke(cli, CASES[case])
    out, err = GOLDEN / f"{case}.out", GOLDEN / f"{case}.err"
    exit_code = f"exit {result.exit_code}\n"
    if os.environ.get("MICROMACRO_GOLDEN") == "write":
        out.write_text(result.stdout, encoding="utf-8")
        err.write_text(exit_code + result.stderr, encoding="utf-8")
        return
    assert result.stdout == out.read_text(encoding="utf-8")
    assert exit_code + result.stderr == err.read_text(encoding="utf-8")
