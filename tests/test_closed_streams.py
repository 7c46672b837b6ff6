"""A standard stream closed at start, named as a path: ``/dev/stdin`` read from a closed stdin
fails as ``-`` does, and ``-o /dev/stdout`` written to a closed stdout fails as stdout does
(exit 1, one line), though /dev/null holds the place of each. A /dev/null the caller gave is
read and written as it is.

Real processes: a ``CliRunner`` cannot close a descriptor.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
SHOP = str(FIXTURES / "shop.log")

pytestmark = pytest.mark.skipif(
    not os.path.isdir("/proc/self/fd"), reason="needs a POSIX shell and /proc/self/fd"
)

CLOSED_STDOUT = "cannot write: standard output is closed"
CLOSED_STDIN = "cannot read: standard input is closed"


def redirected(redirections: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    """``micromacro ARGS`` in a shell that applies ``redirections`` (``>&-``, ``<&-``)."""
    command = ["sh", "-c", f'exec "$@" {redirections}', "sh", sys.executable, "-m", "micromacro"]
    return subprocess.run([*command, *args], capture_output=True, timeout=120, check=False)


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        ("/dev/stdout", "/dev/stdout (a link to /proc/self/fd/1)"),
        ("/dev/fd/1", "/dev/fd/1"),
        ("/proc/self/fd/1", "/proc/self/fd/1"),
    ],
)
@pytest.mark.parametrize("command", ["report", "hits"])
def test_output_to_a_closed_stdout_by_its_name_exits_1(command: str, path: str, shown: str) -> None:
    result = redirected(">&-", command, SHOP, "-q", "--output", path)
    assert (result.returncode, result.stdout, result.stderr.decode()) == (
        1,
        b"",
        f"micromacro: error: --output {shown}: {CLOSED_STDOUT}\n",
    )


def test_history_to_a_closed_stdout_exits_1_after_the_report(tmp_path: Path) -> None:
    report = tmp_path / "report.csv"
    goals = str(FIXTURES / "shop_goals.yaml")
    result = redirected(
        ">&-", "report", SHOP, "--goals", goals, "-q", "--format", "csv", "-o", str(report),
        "--history", "/dev/fd/1",
    )  # fmt: skip
    assert (result.returncode, result.stderr.decode()) == (
        1,
        f"micromacro: error: --history /dev/fd/1: {CLOSED_STDOUT}\n",
    )
    assert report.read_text().startswith("name,kind,category,")  # the report is written first


@pytest.mark.parametrize("path", ["/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"])
@pytest.mark.parametrize("command", ["report", "hits"])
def test_a_closed_stdin_read_by_its_name_exits_1(command: str, path: str) -> None:
    result = redirected("<&-", command, path, "-q")
    assert (result.returncode, result.stdout, result.stderr.decode()) == (
        1,
        b"",
        f"micromacro: error: {path}: {CLOSED_STDIN}\n",
    )


def test_a_dev_null_the_caller_gave_is_read_and_written_as_it_is() -> None:
    """/dev/null on stdin and stdout, given by the shell: an empty log (exit 0, a warning) and
    an output thrown away, as asked; not the place of a closed stream."""
    result = redirected("</dev/null >/dev/null", "report", "/dev/stdin", "-o", "/dev/stdout")
    assert (result.returncode, result.stdout) == (0, b"")
    assert b"micromacro: warning: the input is empty: no lines to report on\n" in result.stderr
    assert b"error" not in result.stderr


def test_a_closed_stream_not_named_is_no_error() -> None:
    """Only the stream named is checked: a closed stdin does not stop -o /dev/stdout."""
    result = redirected("<&-", "report", SHOP, "-q", "--format", "csv", "-o", "/dev/stdout")
    assert (result.returncode, result.stderr) == (0, b"")
    assert result.stdout.startswith(b"name,kind,category,")
