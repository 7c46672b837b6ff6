"""A run from the command line ends its process as soon as the command is done
(``environment.end_process``), without Python's teardown: what it writes is whole, its threads
and exit handlers have finished, and its exit code is the command's. Each test runs
``python -m micromacro`` as a user does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from micromacro.cli import cli
from micromacro.errors import ExitCode

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = str(ROOT / "sample_logs" / "access.log")
GOALS = str(ROOT / "goals.example.yaml")
REPORT = ["report", SAMPLE, "--goals", GOALS, "--format", "json", "--quiet"]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "micromacro", *args]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=120, check=False, cwd=ROOT, env=env
    )


def in_process(*args: str) -> dict[str, object]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_the_output_file_and_the_cache_entry_are_whole(tmp_path: Path) -> None:
    output, cache = tmp_path / "report.json", tmp_path / "cache"
    first = run(*REPORT, "--output", str(output), "--cache", str(cache))
    assert first.returncode == ExitCode.OK, first.stderr
    expected = in_process(*REPORT, "--no-cache")
    assert json.loads(output.read_text(encoding="utf-8")) == expected
    # The cache's writer thread finished before the process ended: the next run reads it.
    assert [path.name.startswith("hits-") for path in cache.iterdir()].count(True) == 1
    second = run(*REPORT, "--cache", str(cache))
    assert second.returncode == ExitCode.OK, second.stderr
    assert json.loads(second.stdout) == expected


def test_spilled_hits_are_removed_when_the_run_ends(tmp_path: Path) -> None:
    # Hits beyond --hit-memory go to a temporary directory, which the run leaves behind none of.
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = {**os.environ, "TMPDIR": str(temporary)}
    loud = [arg for arg in REPORT if arg != "--quiet"]  # the note says the hits were spilled
    result = run(*loud, "--no-cache", "--hit-memory", "16K", env=env)
    assert result.returncode == ExitCode.OK, result.stderr
    assert "are more than --hit-memory 16 KiB" in result.stderr
    assert json.loads(result.stdout) == in_process(*REPORT, "--no-cache")
    assert list(temporary.iterdir()) == []


def test_the_console_entry_point_runs_the_cycle_collector_rarely() -> None:
    # Its thresholds as the command ends (an exit handler runs before the process ends at once):
    # 200,000 allocations, not Python's 700, before a collection.
    program = textwrap.dedent(
        """
        import atexit, gc, sys
        atexit.register(lambda: print("thresholds", *gc.get_threshold()))
        sys.argv = ["micromacro", "--version"]
        from micromacro.cli import main
        main()
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert result.returncode == ExitCode.OK, result.stderr
    assert result.stdout.splitlines()[-1] == "thresholds 200000 30 30"


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("--version",), ExitCode.OK),
        (("report",), ExitCode.USAGE_ERROR),
        (("report", "no-such.log"), ExitCode.INPUT_ERROR),
    ],
    ids=["version", "usage error", "input error"],
)
def test_the_exit_code_is_the_commands(args: tuple[str, ...], code: ExitCode) -> None:
    result = run(*args)
    assert result.returncode == code
    assert "Traceback" not in result.stderr


def test_a_closed_pipe_ends_the_run_quietly() -> None:
    # Every line of the sample log as a row: 2 MB, far more than a pipe holds.
    command = [sys.executable, "-m", "micromacro", "hits", SAMPLE, "--quiet"]
    # The reader stops after one byte: the rest of the rows meet a closed pipe.
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT
    ) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        process.stdout.read(1)
        process.stdout.close()
        stderr = process.stderr.read().decode()
        assert process.wait(timeout=120) == ExitCode.OK
    assert "Exception ignored" not in stderr
    assert "Traceback" not in stderr


@pytest.mark.parametrize("command", ["report", "hits"])
def test_a_pipe_closed_before_the_first_write_ends_the_run_quietly(command: str) -> None:
    """``micromacro report … | true``: the reader is gone before anything is written. It was
    exit 1 without a word (click turns a broken pipe into exit 1 on its own)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "micromacro", command, SAMPLE, "--quiet"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
            cwd=ROOT,
        )
    finally:
        os.close(write_end)
    assert (result.returncode, result.stderr) == (ExitCode.OK, "")


def test_end_process_waits_for_threads_and_runs_exit_handlers(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import atexit, sys, threading, time
        from pathlib import Path
        from micromacro.environment import end_process

        folder = Path(sys.argv[1])
        atexit.register(lambda: (folder / "handler").write_text("ran"))

        def late() -> None:
            time.sleep(0.2)
            (folder / "thread").write_text("done")

        threading.Thread(target=late).start()
        print("flushed", end="")
        end_process(3)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
    )
    assert (result.returncode, result.stdout) == (3, "flushed")
    assert (tmp_path / "thread").read_text() == "done"
    assert (tmp_path / "handler").read_text() == "ran"
