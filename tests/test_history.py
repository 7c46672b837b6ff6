"""The history file and dated output paths, over tests/fixtures/shop.log (hand-counted in
tests/test_cli.py: 4 sessions on 2 November 2026, +0100; purchase converts session A)."""

from __future__ import annotations

import csv
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from click.testing import CliRunner, Result

from micromacro.cli import cli
from micromacro.history import HISTORY_COLUMNS, append_history

FIXTURES = Path(__file__).parent / "fixtures"
SHOP = str(FIXTURES / "shop.log")
GOALS = str(FIXTURES / "shop_goals.yaml")
DAY = ("--since", "2026-11-02", "--until", "2026-11-02")  # the whole day at the log's +01:00
HEADER = ",".join(HISTORY_COLUMNS)


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["report", SHOP, "--goals", GOALS, "--format", "csv", *args])


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_a_run_writes_one_row_per_goal_for_its_period(tmp_path: Path) -> None:
    history = tmp_path / "history.csv"
    assert run(*DAY, "--history", str(history)).exit_code == 0
    assert history.read_text().splitlines()[0] == HEADER
    rows = rows_of(history)
    assert [row["goal"] for row in rows] == [
        "purchase", "contact_lead", "add_to_cart", "checkout_started", "newsletter_signup",
        "size_guide_download", "long_visit", "engaged_visit",
    ]  # fmt: skip
    assert rows[0] == {
        "period_start": "2026-11-01T23:00:00Z",
        "period_end": "2026-11-02T23:00:00Z",
        "goal": "purchase",
        "kind": "macro",
        "sessions": "4",
        "conversions": "1",
        "conversion_rate": "0.25",
        "visitors": "1",
    }
    # add_to_cart counts every add (count: every): 2 in session A.
    assert (rows[2]["conversions"], rows[2]["conversion_rate"]) == ("2", "0.25")


def test_a_rerun_replaces_its_period_and_other_periods_stay(tmp_path: Path) -> None:
    history = tmp_path / "history.csv"
    run(*DAY, "--history", str(history))
    run("--since", "2026-11-03", "--until", "2026-11-03", "--history", str(history))
    run(*DAY, "--history", str(history))
    rows = rows_of(history)
    assert len(rows) == 16
    periods = [(row["period_start"], row["sessions"]) for row in rows]
    assert periods == [("2026-11-01T23:00:00Z", "4")] * 8 + [("2026-11-02T23:00:00Z", "0")] * 8
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.csv", "history.csv.lock"]


def test_without_a_period_the_data_span_is_the_period(tmp_path: Path) -> None:
    history = tmp_path / "history.csv"
    run("--history", str(history))
    run("--history", str(history))
    rows = rows_of(history)
    assert len(rows) == 8
    # First and last counted hits: 09:00:00 and 10:08:01 at +01:00.
    assert (rows[0]["period_start"], rows[0]["period_end"]) == (
        "2026-11-02T08:00:00Z",
        "2026-11-02T09:08:01Z",
    )


def _append(path: str, day: int) -> None:
    start = f"2026-11-{day:02d}T00:00:00Z"
    rows = [
        {"period_start": start, "period_end": start, "goal": f"g{i}", "kind": "micro",
         "sessions": "1", "conversions": "0", "conversion_rate": "0.0", "visitors": "0"}
        for i in range(50)
    ]  # fmt: skip
    append_history(path, rows)


def test_concurrent_runs_leave_a_valid_file(tmp_path: Path) -> None:
    history = str(tmp_path / "history.csv")
    days = [1, 2, 3, 4, 1, 2, 3, 4, 5, 6, 7, 8] * 2
    with ProcessPoolExecutor(max_workers=4) as pool:
        list(pool.map(_append, [history] * len(days), days))
    rows = rows_of(Path(history))
    assert len(rows) == 8 * 50  # eight periods, each once, whatever the order of the runs
    assert sorted({row["period_start"][:10] for row in rows}) == [
        f"2026-11-{d:02d}" for d in range(1, 9)
    ]


def test_a_history_file_with_other_columns_is_left_untouched(tmp_path: Path) -> None:
    history = tmp_path / "history.csv"
    history.write_text("date,goal,rate\n2026-11-01,purchase,0.02\n")
    before = history.read_bytes()
    result = run(*DAY, "--history", str(history), "--quiet")
    assert result.exit_code == 1
    assert "the file has other columns (date, goal, rate;" in result.stderr
    assert result.stderr.count("\n") == 1
    assert history.read_bytes() == before


def test_an_unwritable_history_exits_1_with_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    result = run(*DAY, "--history", str(blocker / "history.csv"), "--quiet")
    assert result.exit_code == 1
    assert result.stderr.startswith("micromacro: error: --history ")
    assert result.stderr.count("\n") == 1


def test_output_path_is_dated_from_the_period_start(tmp_path: Path) -> None:
    pattern = str(tmp_path / "report-%Y-%m-%d.csv")
    assert run(*DAY, "--output", pattern).exit_code == 0
    # The period starts at 2026-11-02 00:00 in the log's time zone (+01:00).
    assert [p.name for p in tmp_path.iterdir()] == ["report-2026-11-02.csv"]
