"""Inputs that can be read only once: a FIFO, a ``/dev/fd/N`` of a pipe, ``<(…)``, a pipe named
``/dev/stdin``. Each is read exactly once, its detection sample from the same bytes, so every
line of the log is counted: the report equals the one of the file itself.

The sample log has 5,000 lines (3 malformed, 993 bot, 3,214 static, 8 error, 47 request,
8 redirect, 2 other_method, 10 download, 715 page: tests/test_sample_log.py).
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

import micromacro.inputs as inputs_module
from micromacro.cli import cli
from micromacro.inputs import Inputs

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_logs" / "access.log"
GOALS = str(ROOT / "goals.example.yaml")
BUCKETS = {
    "lines": 5000,
    "malformed": 3,
    "bot": 993,
    "static": 3214,
    "error": 8,
    "request": 47,
    "redirect": 8,
    "other_method": 2,
    "download": 10,
    "page": 715,
}


def report(*inputs: str) -> dict[str, object]:
    args = ["report", *inputs, "--goals", GOALS, "--format", "json", "--quiet"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def of_the_file() -> dict[str, object]:
    return report(str(SAMPLE))


def buckets(data: dict[str, object]) -> dict[str, object]:
    summary = data["input"]
    assert isinstance(summary, dict)
    return {k: v for k, v in summary.items() if k in BUCKETS}


@contextmanager
def writing(target: str | int, data: bytes) -> Iterator[None]:
    """``data`` written to a FIFO path or a pipe's write end by another thread, in small
    pieces (a reader that opened the input twice, or read ahead of its sample, would lose
    lines), then closed."""

    def write() -> None:
        handle = open(target, "wb", buffering=0)  # noqa: SIM115 - closed below
        with handle:
            for start in range(0, len(data), 4096):
                handle.write(data[start : start + 4096])

    worker = threading.Thread(target=write, daemon=True)
    worker.start()
    try:
        yield
    finally:
        worker.join(timeout=30)
        assert not worker.is_alive()


@pytest.fixture
def no_spool_left(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary directory of its own for the spool, checked to be empty after the test."""
    spool_parent = tmp_path / "tmp"
    spool_parent.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(spool_parent))
    return spool_parent


def test_a_fifo_is_read_once_every_line_counted(tmp_path: Path, no_spool_left: Path) -> None:
    fifo = tmp_path / "access.fifo"
    os.mkfifo(fifo)
    with writing(str(fifo), SAMPLE.read_bytes()):
        data = report(str(fifo))
    assert buckets(data) == BUCKETS
    assert {k: data[k] for k in ("summary", "goals")} == {
        k: of_the_file()[k] for k in ("summary", "goals")
    }
    assert os.listdir(no_spool_left) == []


def test_a_dev_fd_of_a_pipe_is_read_once_every_line_counted(no_spool_left: Path) -> None:
    read_end, write_end = os.pipe()
    try:
        with writing(write_end, SAMPLE.read_bytes()):
            data = report(f"/dev/fd/{read_end}")
    finally:
        os.close(read_end)
    assert buckets(data) == BUCKETS
    assert data["summary"] == of_the_file()["summary"]
    assert os.listdir(no_spool_left) == []


def test_dev_stdin_on_a_pipe_is_read_once_every_line_counted(tmp_path: Path) -> None:
    args = [sys.executable, "-m", "micromacro", "report", "/dev/stdin"]
    args += ["--goals", GOALS, "--format", "json", "--quiet"]
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    # input= makes stdin a pipe (not the file itself, which /dev/stdin could reopen).
    run = subprocess.run(
        args, input=SAMPLE.read_bytes(), capture_output=True, cwd=ROOT, env=env, check=False
    )
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert buckets(data) == BUCKETS
    assert data["summary"] == of_the_file()["summary"]
    assert os.listdir(tmp_path) == []  # the spooled copy is gone


@pytest.mark.skipif(shutil.which("bash") is None, reason="process substitution needs bash")
def test_process_substitutions_are_read_once_every_line_counted(tmp_path: Path) -> None:
    command = (
        f"{sys.executable} -m micromacro report <(cat {SAMPLE}) <(head -n 100 {SAMPLE}) "
        f"--goals {GOALS} --format json --quiet"
    )
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    run = subprocess.run(
        ["bash", "-c", command], capture_output=True, cwd=ROOT, env=env, check=False
    )
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert (data["input"]["files"], data["input"]["lines"]) == (2, 5100)
    assert os.listdir(tmp_path) == []


def test_a_compressed_fifo_is_spooled_compressed_and_read_once(
    tmp_path: Path, no_spool_left: Path
) -> None:
    fifo = tmp_path / "access.log.gz"
    os.mkfifo(fifo)
    packed = gzip.compress(SAMPLE.read_bytes())
    with writing(str(fifo), packed), Inputs([str(fifo)]) as inputs:
        (file,) = inputs.files
        assert (file.compression, file.size) == (".gz", len(packed))  # not decompressed
        assert Path(file.scan_path).read_bytes() == packed
        sample = list(inputs.sample_lines())
        lines = sum(chunk.lines.height for chunk in inputs.line_chunks())
    assert lines == 5000
    assert sample[0][2] == SAMPLE.read_text().splitlines()[0]
    assert os.listdir(no_spool_left) == []


def test_formats_detect_reads_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "access.fifo"
    os.mkfifo(fifo)
    with writing(str(fifo), SAMPLE.read_bytes()):
        result = CliRunner().invoke(cli, ["formats", "--detect", str(fifo)])
    assert result.exit_code == 0, result.stderr
    assert "sample: 50 non-blank lines (0 comment or directive)" in result.stdout
    assert "chosen: combined" in result.stdout


def test_stdin_is_read_once_too(no_spool_left: Path) -> None:
    args = ["report", "-", "--goals", GOALS, "--format", "json", "--quiet"]
    result = CliRunner().invoke(cli, args, input=SAMPLE.read_bytes())
    assert result.exit_code == 0, result.stderr
    assert buckets(json.loads(result.stdout)) == BUCKETS
    assert os.listdir(no_spool_left) == []


def test_only_what_can_be_read_once_is_spooled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[str] = []
    real = inputs_module.Spool

    def spy() -> inputs_module.Spool:
        spool = real()
        made.append(spool.path)
        return spool

    monkeypatch.setattr(inputs_module, "Spool", spy)
    packed = tmp_path / "access.log.gz"
    packed.write_bytes(gzip.compress(SAMPLE.read_bytes()))
    assert buckets(report(str(SAMPLE), str(packed))) == {k: 2 * v for k, v in BUCKETS.items()}
    assert made == []


def test_stdout_is_utf8_whatever_the_locale_encoding(tmp_path: Path) -> None:
    # A Latin-1 standard output (a legacy locale's) could not encode the table's dashes: the
    # report was an internal error. Stdout is UTF-8, as an --output file is; stderr escapes.
    args = [sys.executable, "-m", "micromacro", "report", str(SAMPLE), "--no-cache"]
    env = {**os.environ, "PYTHONIOENCODING": "latin-1"}
    run = subprocess.run(args, capture_output=True, cwd=ROOT, env=env, check=False)
    assert run.returncode == 0, run.stderr
    assert "Period: " in run.stdout.decode("utf-8")
    assert "–".encode() in run.stdout
    assert b"internal error" not in run.stderr


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGHUP])
def test_a_terminated_run_ends_as_interrupted_and_leaves_no_spool(
    tmp_path: Path, signal_number: int
) -> None:
    # The run reads a FIFO into its spool, and its writer never ends: stopped by `timeout` or a
    # service manager, it ends as on Ctrl-C, with its spool removed.
    fifo = tmp_path / "access.fifo"
    os.mkfifo(fifo)
    spools = tmp_path / "tmp"
    spools.mkdir()
    args = [sys.executable, "-m", "micromacro", "report", str(fifo), "--no-cache", "-q"]
    env = {**os.environ, "TMPDIR": str(spools)}
    process = subprocess.Popen(args, cwd=ROOT, env=env, stderr=subprocess.PIPE)
    with open(fifo, "wb") as writer:
        writer.write(SAMPLE.read_bytes()[:100_000])
        writer.flush()
        deadline = time.monotonic() + 30
        while not os.listdir(spools) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert os.listdir(spools), "the run did not start spooling"
        process.send_signal(signal_number)
    # The writer is gone (the spooling thread's read ends), and the run has ended.
    _, stderr = process.communicate(timeout=30)
    assert (process.returncode, stderr) == (130, b"micromacro: error: interrupted\n")
    assert os.listdir(spools) == []
