"""Real log files from public test suites and vendor documentation (``tests/fixtures/real/``,
sources in its README), read with auto-detection through ``micromacro hits``, line by line.

Each ``NAME.log`` has a ``NAME.expected.json`` written by hand: every line's class (``record``,
``comment``, ``not_http`` or ``malformed``) and, for records, the fields a reader must give.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from micromacro.cli import cli

REAL = Path(__file__).resolve().parent / "fixtures" / "real"
FIXTURES = sorted(REAL.glob("*.expected.json"))
FIELDS = ("ip", "ts", "method", "path", "query", "status", "referrer", "user_agent", "host")
NOT_A_REQUEST = {"comment": "comment", "not_http": "not_http", "malformed": "malformed"}


def expected_of(path: Path) -> dict[int, dict[str, object]]:
    """The expected entries of one fixture, by line number."""
    entries = json.loads(path.read_text(encoding="utf-8"))["lines"]
    return {int(entry["line"]): entry for entry in entries}


def instant(text: str) -> datetime:
    """An ISO 8601 time, to the microsecond (the hit table's precision)."""
    head, _, zone = text.partition("Z")
    whole, _, fraction = head.partition(".")
    micros = (fraction + "000000")[:6]
    parsed = datetime.fromisoformat(f"{whole}.{micros}+00:00" if not zone else text)
    return parsed.astimezone(UTC)


def hit_rows(log: Path) -> tuple[int, list[dict[str, object]], str]:
    """Exit code, rows and stderr of ``micromacro hits LOG --format ndjson``."""
    result = CliRunner().invoke(cli, ["hits", str(log), "--format", "ndjson"])
    rows = [json.loads(line) for line in result.stdout.splitlines() if line]
    return result.exit_code, rows, result.stderr


def differences(expected: dict[str, object], row: dict[str, object]) -> list[str]:
    """What ``row`` (a hit table row) gets wrong of one expected entry."""
    wanted = expected["class"]
    got = NOT_A_REQUEST.get(str(row["bucket"]), "record")
    if wanted != got:
        return [f"class {got} ({row['bucket']}), expected {wanted}"]
    if wanted != "record":
        return []
    found = []
    for name in FIELDS:
        if name not in expected:
            continue
        want, have = expected[name], row[name]
        if name == "ts" and isinstance(want, str) and isinstance(have, str):
            same = instant(want) == instant(have)
        else:
            same = want == have
        if not same:
            found.append(f"{name} {have!r}, expected {want!r}")
    return found


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.name.removesuffix(".expected.json"))
def test_every_line_reads_as_written_by_hand(fixture: Path) -> None:
    log = fixture.with_name(fixture.name.removesuffix(".expected.json") + ".log")
    expected = expected_of(fixture)
    code, rows, stderr = hit_rows(log)
    if not any(entry["class"] == "record" for entry in expected.values()):
        # No HTTP request in the file: exit 1 with one clear line, no traceback.
        assert code == 1, stderr
        assert stderr.count("\n") == 1
        assert stderr.startswith("micromacro: error: ")
        return
    assert code == 0, stderr
    assert [row["line"] for row in rows] == sorted(expected), "one row per line, in file order"
    problems = [
        f"line {row['line']}: {problem}"
        for row in rows
        for problem in differences(expected[int(str(row["line"]))], row)
    ]
    assert not problems, "\n".join(problems)


def test_the_corpus_is_cited() -> None:
    readme = (REAL / "README.md").read_text(encoding="utf-8")
    for fixture in FIXTURES:
        assert fixture.name.removesuffix(".expected.json") + ".log" in readme
