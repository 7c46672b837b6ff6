"""The lock of ``--history``: ``FILE.lock`` is made beside a history file the run takes, and
stays; a file it refuses (a log named by mistake, a row it cannot keep) gets none, which a
glob of the logs (``access.log*``) would read."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner, Result

from micromacro.cli import cli
from micromacro.history import HISTORY_COLUMNS

FIXTURES = Path(__file__).parent / "fixtures"
SHOP = FIXTURES / "shop.log"
GOALS = str(FIXTURES / "shop_goals.yaml")


def report(log: Path, history: Path) -> Result:
    args = ["report", str(log), "--goals", GOALS, "--format", "csv", "-q"]
    return CliRunner().invoke(cli, [*args, "--history", str(history)])


def test_a_log_named_as_the_history_gets_no_lock_beside_it(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    shutil.copy(SHOP, log)
    result = report(log, log)
    # The header quoted is the log's first line cut to 80 characters, quotes and ellipsis in.
    header = '\'198.51.100.1 - - [02/Nov/2026:09:00:00 +0100] "GET / HTTP/1.1" 200 512 "https…\''
    assert (result.exit_code, result.stderr) == (
        1,
        f"micromacro: error: --history {log}: the file has other columns (its header {header}; "
        "expected period_start, period_end, goal, kind, sessions, conversions, conversion_rate, "
        "visitors); it was left as it is\n",
    )
    assert sorted(path.name for path in tmp_path.iterdir()) == ["access.log"]
    assert log.read_bytes() == SHOP.read_bytes()


def test_a_history_with_a_row_it_cannot_keep_gets_no_lock(tmp_path: Path) -> None:
    history = tmp_path / "history.csv"
    history.write_text(",".join(HISTORY_COLUMNS) + "\n2026-11-01T23:00:00Z\n")
    result = report(SHOP, history)
    assert (result.exit_code, result.stderr) == (
        1,
        f"micromacro: error: --history {history}: line 2: 1 fields, expected 8 (missing "
        "fields: a cut-off row?); the file was left as it is\n",
    )
    assert sorted(path.name for path in tmp_path.iterdir()) == ["history.csv"]


def test_a_history_taken_keeps_its_lock(tmp_path: Path) -> None:
    history = tmp_path / "history.csv"
    assert report(SHOP, history).exit_code == 0
    assert sorted(path.name for path in tmp_path.iterdir()) == ["history.csv", "history.csv.lock"]
    assert history.read_text().startswith(",".join(HISTORY_COLUMNS) + "\n")
