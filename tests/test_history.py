"""The history file and dated output paths, over tests/fixtures/shop.log (hand-counted in
tests/test_cli.py: 4 sessions on 2 November 2026, +0100; purchase converts session A)."""

from __future__ import annotations

import csv
import os
import stat
import threading
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from micromacro import periods
from micromacro.cli import cli
from micromacro.history import HISTORY_COLUMNS, append_history
from tests.test_outputs import unprivileged

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


@pytest.mark.parametrize("history_exists", [False, True])
def test_the_output_cannot_be_the_history_file(tmp_path: Path, history_exists: bool) -> None:
    """``--output`` onto the ``--history`` file (here by another spelling of its path) is a
    usage error, and the history stays as it was: the report used to replace it."""
    history = tmp_path / "history.csv"
    if history_exists:
        assert run(*DAY, "--history", str(history)).exit_code == 0
    before = history.read_text() if history_exists else None
    other_spelling = f"{tmp_path}/./history.csv"
    result = run(*DAY, "--history", str(history), "--output", other_spelling)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        f"micromacro: error: --output {other_spelling}: it is the --history file: name another file"
    )
    assert (history.read_text() if history.exists() else None) == before


def test_a_dash_is_no_history_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``-o -`` is stdout; ``--history -`` cannot be (rows are added to a file and read back):
    a usage error, and no file called ``-`` (nor its lock) where the job runs."""
    monkeypatch.chdir(tmp_path)
    result = run(*DAY, "-o", "-", "--history", "-")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1].startswith(
        "micromacro: error: Invalid value for '--history': the history is a file that rows are "
        "added to, not stdout"
    )
    assert list(tmp_path.iterdir()) == []


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


def test_a_goal_named_like_a_formula_keeps_its_row_across_runs(tmp_path: Path) -> None:
    """The history guards a value that starts like a formula with a quote and reads it back
    without it: a second run on the day replaces the goal's row, each written once, the
    cells as they were ('=buy' holds the name '=buy'; "''=buy" would be a name of its own)."""
    goals = tmp_path / "goals.yaml"
    goals.write_text("goals:\n  - {name: '=buy', kind: macro, destination: /checkout/thank-you}\n")
    history = tmp_path / "history.csv"
    command = ["report", SHOP, "--goals", str(goals), *DAY, "--history", str(history)]
    for _ in range(2):
        assert CliRunner().invoke(cli, command).exit_code == 0
    rows = rows_of(history)
    assert [row["goal"] for row in rows] == ["'=buy"]


def _log_of_3_november(tmp_path: Path) -> Path:
    """A log holding none of 2 November's lines: the day rotated away."""
    later = tmp_path / "access.log"
    later.write_text(
        '203.0.113.9 - - [03/Nov/2026:10:00:00 +0100] "GET / HTTP/1.1" 200 1 "-" '
        '"Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0"\n'
    )
    return later


def test_a_rerun_that_reads_no_line_of_its_period_keeps_its_rows(tmp_path: Path) -> None:
    """2 November's rows are written from the shop log; re-run from a log holding none of its
    lines (the day rotated away: here a log of 3 November), they stay as they were, with a
    warning; a period the history holds no rows for still gets its rows (zeros)."""
    history = tmp_path / "history.csv"
    assert run(*DAY, "--history", str(history)).exit_code == 0
    before = history.read_text()
    later = _log_of_3_november(tmp_path)
    args = ["report", str(later), "--goals", GOALS, "--format", "csv", *DAY]
    result = CliRunner().invoke(cli, [*args, "--history", str(history)])
    assert result.exit_code == 0
    assert history.read_text() == before
    assert (
        f"micromacro: warning: --history {history}: no line of the input falls in the period, "
        "so the rows the history holds for it are kept"
    ) in result.stderr
    nov_1 = ("--since", "2026-11-01", "--until", "2026-11-01")
    assert CliRunner().invoke(cli, [*args[:-4], *nov_1, "--history", str(history)]).exit_code == 0
    rows = rows_of(history)
    assert [(row["period_start"], row["sessions"]) for row in rows] == [
        ("2026-10-31T23:00:00Z", "0")
    ] * 8 + [("2026-11-01T23:00:00Z", "4")] * 8


def test_a_rerun_that_reads_no_line_of_its_period_keeps_its_dated_report(tmp_path: Path) -> None:
    """The nightly job's dated report of 2 November, re-run from a log holding none of that
    day's lines (rotated away), stays as it was, with a warning, as the history's rows do; a
    name without strftime codes is written as asked, and a dated report of a day with no file
    yet is written (zeros)."""
    dated = str(tmp_path / "reports-%Y-%m-%d.csv")
    assert run(*DAY, "--output", dated).exit_code == 0
    report = tmp_path / "reports-2026-11-02.csv"
    before = report.read_text()
    later = _log_of_3_november(tmp_path)
    args = ["report", str(later), "--goals", GOALS, "--format", "csv", *DAY]
    result = CliRunner().invoke(cli, [*args, "--output", dated])
    assert result.exit_code == 0
    assert report.read_text() == before
    assert (
        f"micromacro: warning: --output {report}: no line of the input falls in the period, so "
        "the report written before for it is kept"
    ) in result.stderr
    fixed = tmp_path / "latest.csv"
    fixed.write_text(before)
    assert CliRunner().invoke(cli, [*args, "--output", str(fixed)]).exit_code == 0
    assert fixed.read_text() != before
    nov_1 = ("--since", "2026-11-01", "--until", "2026-11-01")
    assert CliRunner().invoke(cli, [*args[:-4], *nov_1, "--output", dated]).exit_code == 0
    assert (tmp_path / "reports-2026-11-01.csv").exists()
    # Codes that name no year (a weekday) or none at all (a literal %%) name no one period:
    # written as asked
    for name, written in (("day-%a.csv", "day-Mon.csv"), ("conv-100%%.csv", "conv-100%.csv")):
        (tmp_path / written).write_text(before)
        result = CliRunner().invoke(cli, [*args, "--output", str(tmp_path / name)])
        assert result.exit_code == 0, result.stderr
        assert (tmp_path / written).read_text() != before
    # Kept or not, a dated name that is the --history file is refused
    history = tmp_path / "h-2026-11-02.csv"
    assert run(*DAY, "--history", str(history)).exit_code == 0
    rows = history.read_text()
    dated_history = str(tmp_path / "h-%Y-%m-%d.csv")
    result = CliRunner().invoke(cli, [*args, "--output", dated_history, "--history", str(history)])
    assert result.exit_code == 2
    assert history.read_text() == rows


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
    assert "the file has other columns (its header 'date,goal,rate'; expected" in result.stderr
    assert result.stderr.count("\n") == 1
    assert history.read_bytes() == before


def test_a_long_first_line_is_quoted_cut_and_inert(tmp_path: Path) -> None:
    """``--history access.log`` by mistake: the message quotes the first line cut to 80
    characters, escaped, on one line (it quoted all 100,000 bytes of it)."""
    history = tmp_path / "access.log"
    history.write_text("\x1b[2J[bold]x[/]," + "A" * 100_000 + "\n")
    result = run(*DAY, "--history", str(history), "--quiet")
    assert result.exit_code == 1
    # 80 characters: the quotes, the 18 of the escaped start, 59 of the As and the ellipsis.
    shown = "'\\x1b[2J[bold]x[/]," + "A" * 59 + "…'"
    assert f"the file has other columns (its header {shown}; expected" in result.stderr
    assert len(result.stderr) < 500
    assert "\x1b" not in result.stderr


def test_a_history_file_it_cannot_take_loses_no_report(tmp_path: Path) -> None:
    """The report is written first; then the history's error (exit 1), the file untouched."""
    history, output = tmp_path / "history.csv", tmp_path / "report.csv"
    history.write_text(HEADER + "\n2026-11-01T23:00:00Z,2026-11-02T23:00:00Z,purchase\n")
    before = history.read_bytes()
    result = run(*DAY, "--history", str(history), "--output", str(output), "--quiet")
    assert result.exit_code == 1
    assert "3 fields, expected 8" in result.stderr
    assert history.read_bytes() == before
    assert output.read_text().splitlines()[1].startswith("purchase,macro,")


def test_a_period_written_another_way_is_the_same_period(tmp_path: Path) -> None:
    """2 November in Berlin written with an offset, and with fractions and Z: both are the
    period of a re-run of that day, replaced, and the file holds only this run's rows."""
    history = tmp_path / "history.csv"
    history.write_text(
        HEADER + "\n"
        "2026-11-02T00:00:00+01:00,2026-11-03T00:00:00+01:00,purchase,macro,99,99,0.5,99\n"
        "2026-11-01T23:00:00.000Z,2026-11-02T23:00:00.000Z,newsletter_signup,micro,99,0,0.0,0\n"
    )
    assert run(*DAY, "--history", str(history)).exit_code == 0
    rows = rows_of(history)
    assert {(row["period_start"], row["period_end"]) for row in rows} == {
        ("2026-11-01T23:00:00Z", "2026-11-02T23:00:00Z")
    }
    assert len(rows) == 8  # this run's: one per goal of the goals file
    assert rows[0]["sessions"] == "4"


def test_history_without_a_goals_file_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cron job run where its goals.yaml is not (and --quiet) would write a history that never
    grows, and say nothing: the job fails instead, and cron mails the line."""
    monkeypatch.chdir(tmp_path)  # no goals.yaml here
    history = tmp_path / "history.csv"
    args = ["report", SHOP, *DAY, "--history", str(history), "--quiet"]
    result = CliRunner().invoke(cli, args)
    assert (result.exit_code, result.stdout, result.stderr) == (
        2,
        "",
        "micromacro: error: --history writes a row per goal, and there is no goals file "
        "(pass --goals FILE or create goals.yaml)\n",
    )
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_history_exits_1_with_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    result = run(*DAY, "--history", str(blocker / "history.csv"), "--quiet")
    assert result.exit_code == 1
    assert result.stderr.startswith("micromacro: error: --history ")
    assert result.stderr.count("\n") == 1


def test_a_history_in_a_missing_directory_cannot_be_written(tmp_path: Path) -> None:
    history = tmp_path / "no such directory" / "history.csv"
    result = run(*DAY, "--history", str(history), "--quiet")
    assert result.exit_code == 1
    assert result.stderr == (
        f"micromacro: error: --history {history}: cannot write: No such file or directory\n"
    )


def test_output_path_is_dated_from_the_period_start(tmp_path: Path) -> None:
    pattern = str(tmp_path / "report-%Y-%m-%d.csv")
    assert run(*DAY, "--output", pattern).exit_code == 0
    # The period starts at 2026-11-02 00:00 in the log's time zone (+01:00).
    assert [p.name for p in tmp_path.iterdir()] == ["report-2026-11-02.csv"]


def test_a_dated_output_name_holding_a_byte_not_utf8_is_written_with_that_byte(
    tmp_path: Path,
) -> None:
    """A name with the byte 0x85 (Python's lone surrogate U+DC85) is dated and written with the
    same byte, instead of the run failing once the report is made."""
    pattern = os.path.join(str(tmp_path), "r%Y\udc85.csv")
    result = run(*DAY, "--output", pattern, "-q")
    assert result.exit_code == 0, result.stderr
    assert os.listdir(os.fsencode(tmp_path)) == [b"r2026\x85.csv"]
    written = (tmp_path / os.fsdecode(b"r2026\x85.csv")).read_text()
    assert written == run(*DAY, "-q").stdout


def test_output_path_without_a_period_start_is_dated_by_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An empty log and no --since: no start to date by; the run's day (in UTC, the report's
    zone without a log offset) names the file, not the codes themselves."""
    monkeypatch.setattr(periods, "clock", lambda: datetime(2026, 12, 6, 0, 30, tzinfo=UTC))
    empty = tmp_path / "empty.log"
    empty.write_text("")
    pattern = str(tmp_path / "report-%Y-%m-%d.csv")
    result = CliRunner().invoke(cli, ["report", str(empty), "--output", pattern, "-q"])
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.log", "report-2026-12-06.csv"]


# --- rows that cannot be kept: refused with their line, the file untouched ---------------------

GOOD_ROW = "2026-11-01T23:00:00Z,2026-11-02T23:00:00Z,purchase,macro,4,1,0.25,1"


@pytest.mark.parametrize(
    ("rows", "problem"),
    [
        (
            f"{GOOD_ROW}\n2026-11-02T23:00:00Z,2026-11-03T23:00:00Z,purchase,macro,4,1,0.25\n",
            "line 3: 7 fields, expected 8 (missing fields: a cut-off row?)",
        ),
        (f"{GOOD_ROW},extra\n", "line 2: 9 fields, expected 8 (extra fields)"),
        (f"{GOOD_ROW[:-2]},\n", "line 2: empty visitors"),
        ("2026-11-01T23:00:00Z,2026-11-02T23:00:00Z,purchase,macro,4,1,0.\n",
         "line 2: 7 fields, expected 8 (missing fields: a cut-off row?)"),
        (f"{GOOD_ROW}\n{GOOD_ROW[:-1]}1", "line 3: the last row does not end with a line break "
         "(cut off by a failed write?); check it and add one"),
        (f"{GOOD_ROW}\n\n{GOOD_ROW.replace(',4,', ',four,')}\n",
         "line 4: sessions 'four' is no whole number"),
        (GOOD_ROW.replace("macro", "mega") + "\n",
         "line 2: kind 'mega' is neither macro nor micro"),
        (GOOD_ROW.replace(",0.25,", ",25%,") + "\n", "line 2: conversion_rate '25%' is no number"),
        (GOOD_ROW.replace("2026-11-01T23", "01/11/2026 23") + "\n",
         "line 2: period_start '01/11/2026 23:00:00Z' is no ISO 8601 time"),
        (f'"{GOOD_ROW}\n', "line 2: 1 fields, expected 8 (missing fields: a cut-off row?)"),
    ],
    ids=["missing", "extra", "empty-visitors", "truncated", "no-line-break", "not-a-count",
         "kind", "rate", "instant", "unclosed-quote"],
)  # fmt: skip
def test_a_row_that_cannot_be_kept_is_refused_and_the_file_left_untouched(
    tmp_path: Path, rows: str, problem: str
) -> None:
    history = tmp_path / "history.csv"
    history.write_bytes(f"{HEADER}\n{rows}".encode())
    before = history.read_bytes()
    result = run(*DAY, "--history", str(history), "--quiet")
    assert result.exit_code == 1
    assert result.stderr == (
        f"micromacro: error: --history {history}: {problem}; the file was left as it is\n"
    )
    assert history.read_bytes() == before


def test_blank_lines_a_bom_and_crlf_are_accepted(tmp_path: Path) -> None:
    history = tmp_path / "history.csv"
    other_day = GOOD_ROW.replace("11-01T23", "10-01T23").replace("11-02T23", "10-02T23")
    history.write_bytes(f"\ufeff{HEADER}\r\n{other_day}\r\n\r\n".encode())
    assert run(*DAY, "--history", str(history)).exit_code == 0
    lines = history.read_text().split("\n")
    assert lines[:2] == [HEADER, other_day]  # the kept row first: its period is earlier
    assert len(lines) == 1 + 1 + 8 + 1  # header, the kept row, eight goals, the final newline


def test_a_symlinked_history_is_followed_and_locked_beside_its_target(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    real = tmp_path / "data" / "history.csv"
    real.write_text(f"{HEADER}\n")
    real.chmod(0o640)
    link = tmp_path / "history.csv"
    link.symlink_to("data/history.csv")
    assert run(*DAY, "--history", str(link)).exit_code == 0
    assert link.is_symlink()
    assert len(rows_of(real)) == 8
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == [
        "history.csv",
        "history.csv.lock",
    ]


def test_a_history_fifo_gets_this_runs_rows_without_being_read(tmp_path: Path) -> None:
    fifo = tmp_path / "history.fifo"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()), daemon=True)
    reader.start()
    result = run(*DAY, "--history", str(fifo))
    reader.join(timeout=10)
    assert result.exit_code == 0
    lines = received[0].splitlines()
    assert lines[0] == HEADER
    assert lines[1] == "2026-11-01T23:00:00Z,2026-11-02T23:00:00Z,purchase,macro,4,1,0.25,1"
    assert len(lines) == 9
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.fifo"]  # no lock file


def test_a_history_in_a_read_only_directory_is_left_untouched(tmp_path: Path) -> None:
    assert run(*DAY).exit_code == 0  # everything the run needs is imported before dropping root
    locked = tmp_path / "ro"
    locked.mkdir()
    for name in ("history.csv", "history.csv.lock"):
        (locked / name).write_text(f"{HEADER}\n" if name == "history.csv" else "")
        (locked / name).chmod(0o666)
    locked.chmod(0o555)
    try:
        with unprivileged(tmp_path):
            result = run(*DAY, "--history", "ro/history.csv", "--quiet")
    finally:
        locked.chmod(0o755)
    assert result.exit_code == 1
    assert result.stderr == (
        "micromacro: error: --history ro/history.csv: cannot write: no temporary file in ro: "
        "Permission denied (the file was left as it is)\n"
    )
    assert (locked / "history.csv").read_text() == f"{HEADER}\n"


def test_history_cells_are_safe_and_stay_so_when_rewritten(tmp_path: Path) -> None:
    history = str(tmp_path / "history.csv")
    start = "2026-11-01T00:00:00Z"
    hostile = {"period_start": start, "period_end": start, "goal": "=cmd|' /C calc'!A0",
               "kind": "micro", "sessions": "1", "conversions": "0", "conversion_rate": "0.0",
               "visitors": "0"}  # fmt: skip
    odd = {**hostile, "goal": "a\rb,\x00c"}
    append_history(history, [hostile, odd])
    written = Path(history).read_bytes()
    assert written.decode().split("\n")[1:] == [
        f"{start},{start},'=cmd|' /C calc'!A0,micro,1,0,0.0,0",
        f'{start},{start},"a\rb,\ufffdc",micro,1,0,0.0,0',
        "",
    ]
    append_history(history, [{**hostile, "period_start": "2026-11-02T00:00:00Z"}])
    assert Path(history).read_bytes().startswith(written)  # the old rows are written alike
    assert [row["goal"] for row in rows_of(Path(history))] == [
        "'=cmd|' /C calc'!A0", "a\rb,\ufffdc", "'=cmd|' /C calc'!A0",
    ]  # fmt: skip
