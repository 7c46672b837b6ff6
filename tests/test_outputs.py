"""Output files (``--output``, ``--history``): replaced atomically when regular, written in place
when a device, FIFO, socket or descriptor, symlinks followed, modes as ``>`` would give them.

The report is the goals table of tests/fixtures/shop.log (hand-counted in tests/test_cli.py); what
matters here is where its bytes land, so each test compares them with the same run's stdout.
"""

from __future__ import annotations

import contextlib
import os
import socket
import stat
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from micromacro.cli import cli
from micromacro.errors import OutputError
from micromacro.outputs import resolve_output, write_output

FIXTURES = Path(__file__).parent / "fixtures"
SHOP = str(FIXTURES / "shop.log")
GOALS = str(FIXTURES / "shop_goals.yaml")
HEADER = "name,kind,category,type,count,conversions,converting_sessions,conversion_rate,"
NOBODY = 65534
IS_ROOT = os.geteuid() == 0


def report(*args: str) -> Result:
    return CliRunner().invoke(
        cli, ["report", SHOP, "--goals", GOALS, "--format", "csv", "--quiet", *args]
    )


@pytest.fixture(scope="module")
def expected() -> bytes:
    """What the report writes to stdout: the bytes every output below must receive."""
    result = report()
    assert result.exit_code == 0
    assert result.stdout.startswith(HEADER)
    assert len(result.stdout.splitlines()) == 9  # the header and eight goals
    return result.stdout.encode()


@pytest.fixture
def umask() -> Iterator[Callable[[int], None]]:
    previous = os.umask(0o022)
    os.umask(previous)
    yield os.umask
    os.umask(previous)


@contextlib.contextmanager
def unprivileged(directory: Path) -> Iterator[None]:
    """Work in ``directory`` as a user that file permissions bind: nobody when the tests run as
    root (root may write into any directory). Use paths relative to ``directory``: nobody cannot
    reach pytest's ``tmp_path`` by its absolute path (it is under a 0700 directory)."""
    previous = os.getcwd()
    os.chdir(directory)
    directory.chmod(0o755)  # pytest makes it 0700: nobody could not look up a relative path
    if IS_ROOT:
        os.setegid(NOBODY)
        os.seteuid(NOBODY)
    try:
        yield
    finally:
        if IS_ROOT:
            os.seteuid(0)
            os.setegid(0)
        os.chdir(previous)


def names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


# --- regular files -----------------------------------------------------------------------------


@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_file_gets_0666_less_the_umask(
    tmp_path: Path, umask: Callable[[int], None], expected: bytes, mask: int, mode: int
) -> None:
    umask(mask)
    target, history = tmp_path / "report.csv", tmp_path / "history.csv"
    assert report("--output", str(target), "--history", str(history)).exit_code == 0
    assert target.read_bytes() == expected
    assert stat.S_IMODE(target.stat().st_mode) == mode
    assert stat.S_IMODE(history.stat().st_mode) == mode
    assert names(tmp_path) == ["history.csv", "history.csv.lock", "report.csv"]


@pytest.mark.parametrize(("mask", "mode"), [(0o077, 0o644), (0o022, 0o600), (0o022, 0o640)])
def test_a_replaced_file_keeps_its_mode(
    tmp_path: Path, umask: Callable[[int], None], expected: bytes, mask: int, mode: int
) -> None:
    target = tmp_path / "report.csv"
    target.write_text("old\n")
    target.chmod(mode)
    before = target.stat().st_ino
    umask(mask)
    assert report("--output", str(target)).exit_code == 0
    assert target.read_bytes() == expected
    assert stat.S_IMODE(target.stat().st_mode) == mode
    assert target.stat().st_ino != before  # renamed into place, not rewritten
    assert names(tmp_path) == ["report.csv"]


@pytest.mark.skipif(not IS_ROOT, reason="only root may give a file to another owner")
def test_a_replaced_file_keeps_its_owner_and_group_as_root(tmp_path: Path, expected: bytes) -> None:
    target = tmp_path / "report.csv"
    target.write_text("old\n")
    os.chown(target, NOBODY, NOBODY)
    target.chmod(0o640)
    assert report("--output", str(target)).exit_code == 0
    status = target.stat()
    assert (status.st_uid, status.st_gid, stat.S_IMODE(status.st_mode)) == (NOBODY, NOBODY, 0o640)
    assert target.read_bytes() == expected


def test_a_file_in_a_read_only_directory_is_left_untouched(tmp_path: Path) -> None:
    assert report().exit_code == 0  # everything the run needs is imported before dropping root
    locked = tmp_path / "ro"
    locked.mkdir()
    (locked / "report.csv").write_text("old\n")
    (locked / "report.csv").chmod(0o666)
    locked.chmod(0o555)
    try:
        with unprivileged(tmp_path):
            replaced = report("--output", "ro/report.csv")
            created = report("--output", "ro/new.csv")
    finally:
        locked.chmod(0o755)
    assert (replaced.exit_code, created.exit_code) == (1, 1)
    assert replaced.stderr == (
        "micromacro: error: --output ro/report.csv: cannot write: no temporary file in ro: "
        "Permission denied (the file was left as it is)\n"
    )
    assert created.stderr == "micromacro: error: --output ro/new.csv: cannot write: " + (
        "Permission denied\n"
    )
    assert (locked / "report.csv").read_text() == "old\n"
    assert names(locked) == ["report.csv"]


def test_a_file_micromacro_may_not_write_is_not_replaced(tmp_path: Path) -> None:
    assert report().exit_code == 0
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)  # the rename would be allowed: the file's own mode says no
    (shared / "report.csv").write_text("old\n")
    (shared / "report.csv").chmod(0o444)
    with unprivileged(tmp_path):
        result = report("--output", "shared/report.csv")
    assert result.exit_code == 1
    assert result.stderr == (
        "micromacro: error: --output shared/report.csv: cannot write: Permission denied (the "
        "file was left as it is)\n"
    )
    assert (shared / "report.csv").read_text() == "old\n"
    assert names(shared) == ["report.csv"]


# --- symlinks ----------------------------------------------------------------------------------


def test_a_symlink_is_followed_and_stays_a_link(tmp_path: Path, expected: bytes) -> None:
    real = tmp_path / "real.csv"
    real.write_text("old\n")
    real.chmod(0o640)
    (tmp_path / "link.csv").symlink_to("real.csv")
    (tmp_path / "link2.csv").symlink_to(tmp_path / "link.csv")  # a chain, absolute then relative
    assert report("--output", str(tmp_path / "link2.csv")).exit_code == 0
    assert os.readlink(tmp_path / "link2.csv") == str(tmp_path / "link.csv")
    assert os.readlink(tmp_path / "link.csv") == "real.csv"
    assert real.read_bytes() == expected
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    assert names(tmp_path) == ["link.csv", "link2.csv", "real.csv"]


def test_a_dangling_symlink_gets_its_target_created(tmp_path: Path, expected: bytes) -> None:
    (tmp_path / "reports").mkdir()
    link = tmp_path / "latest.csv"
    link.symlink_to("reports/2026-11-02.csv")
    assert report("--output", str(link)).exit_code == 0
    assert link.is_symlink()
    assert (tmp_path / "reports" / "2026-11-02.csv").read_bytes() == expected
    assert names(tmp_path / "reports") == ["2026-11-02.csv"]


def test_a_symlink_to_a_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "dir").mkdir()
    (tmp_path / "link").symlink_to("dir")
    with pytest.raises(OutputError) as refused:
        write_output(str(tmp_path / "link"), "x\n")
    assert str(refused.value) == (
        f"--output {tmp_path / 'link'} (a link to {tmp_path / 'dir'}): cannot write: it is a "
        "directory (micromacro writes files, character devices, FIFOs and sockets)"
    )


def test_a_symlink_loop_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    with pytest.raises(OutputError) as refused:
        write_output(str(tmp_path / "a"), "x\n", label="--history")
    assert str(refused.value) == (
        f"--history {tmp_path / 'a'}: cannot write: too many levels of symbolic links"
    )


# --- streams: FIFOs, descriptors, devices, sockets ---------------------------------------------


def _reader(path: Path) -> tuple[threading.Thread, list[bytes]]:
    received: list[bytes] = []

    def read() -> None:
        with path.open("rb") as fifo:
            received.append(fifo.read())

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread, received


def test_a_fifo_is_written_in_place(tmp_path: Path, expected: bytes) -> None:
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    thread, received = _reader(fifo)
    result = report("--output", str(fifo))
    thread.join(timeout=10)
    if thread.is_alive():  # the FIFO was not opened: let the reader go before failing
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        thread.join(timeout=10)
    assert result.exit_code == 0
    assert received == [expected]
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert names(tmp_path) == ["report.fifo"]


def test_hits_to_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "hits.fifo"
    os.mkfifo(fifo)
    thread, received = _reader(fifo)
    result = CliRunner().invoke(cli, ["hits", SHOP, "--quiet", "--output", str(fifo)])
    thread.join(timeout=10)
    assert result.exit_code == 0
    lines = received[0].decode().splitlines()
    assert lines[0].startswith("file,line,bucket,variant,ip,ts,")
    assert len(lines) == 23  # the header and the 22 lines of shop.log
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def _drain(read_end: int) -> bytes:
    chunks = []
    while chunk := os.read(read_end, 65536):
        chunks.append(chunk)
    os.close(read_end)
    return b"".join(chunks)


@pytest.mark.parametrize("form", ["/proc/self/fd/{}", "/dev/fd/{}"])
def test_a_descriptor_path_writes_to_that_descriptor(form: str, expected: bytes) -> None:
    read_end, write_end = os.pipe()
    try:
        result = report("--output", form.format(write_end))
    finally:
        os.close(write_end)
    assert result.exit_code == 0, result.stderr
    assert _drain(read_end) == expected


def test_a_descriptor_on_a_file_opened_to_append_appends(tmp_path: Path, expected: bytes) -> None:
    log = tmp_path / "cron.log"
    log.write_bytes(b"earlier run\n")
    with log.open("ab") as appending:  # as the shell's >> cron.log
        result = report("--output", f"/dev/fd/{appending.fileno()}")
    assert result.exit_code == 0
    assert log.read_bytes() == b"earlier run\n" + expected
    assert names(tmp_path) == ["cron.log"]


def test_a_closed_descriptor_is_one_line() -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)
    os.close(write_end)  # now free: nothing is open on that number
    result = report("--output", f"/dev/fd/{write_end}")
    assert result.exit_code == 1
    assert result.stderr == (
        f"micromacro: error: --output /dev/fd/{write_end}: cannot write: Bad file descriptor\n"
    )


def test_a_character_device_is_written_in_place(tmp_path: Path) -> None:
    device = tmp_path / "null"
    try:
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a null device of our own
        os.close(os.open(device, os.O_WRONLY))
    except OSError as error:
        pytest.skip(f"cannot make a device node here: {error}")
    result = report("--output", str(device), "--history", str(device))
    assert result.exit_code == 0
    assert stat.S_ISCHR(device.lstat().st_mode)
    assert names(tmp_path) == ["null"]  # no history.lock, no temporary file


def test_a_unix_socket_gets_the_output(tmp_path: Path, expected: bytes) -> None:
    path = tmp_path / "report.sock"
    received: list[bytes] = []
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(str(path))
        server.listen(1)

        def serve() -> None:
            connection, _ = server.accept()
            with connection:
                chunks = []
                while chunk := connection.recv(65536):
                    chunks.append(chunk)
                received.append(b"".join(chunks))

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        result = report("--output", str(path))
        thread.join(timeout=10)
    assert result.exit_code == 0
    assert received == [expected]


def test_what_a_path_names() -> None:
    assert resolve_output("/dev/stdout").kind == "fd"
    assert resolve_output("/dev/stdout").fd == 1
    assert resolve_output(f"/proc/{os.getpid()}/fd/2").fd == 2
    assert resolve_output("/proc/self/fd/0").kind == "fd"


def test_a_reader_that_went_away_is_one_line() -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = report("--output", f"/dev/fd/{write_end}")
    finally:
        os.close(write_end)
    assert result.exit_code == 1
    assert result.stderr == (
        f"micromacro: error: --output /dev/fd/{write_end}: cannot write: Broken pipe (the reader "
        "went away before the end)\n"
    )


def test_suggest_names_its_output_only_once_written(tmp_path: Path) -> None:
    sample = Path(__file__).parent.parent / "sample_logs" / "access.log"
    missing = tmp_path / "no such directory" / "goals.yaml"
    result = CliRunner().invoke(cli, ["suggest", str(sample), "-o", str(missing)])
    assert result.exit_code == 1
    assert "proposed" not in result.stderr
    assert result.stderr.endswith(
        f"micromacro: error: --output {missing}: cannot write: No such file or directory\n"
    )
    written = tmp_path / "goals.yaml"
    result = CliRunner().invoke(cli, ["suggest", str(sample), "-o", str(written)])
    assert result.exit_code == 0
    assert result.stderr.splitlines()[-1].endswith(f"; see {written}")
    assert written.read_text().startswith("# ")


def test_an_output_is_never_a_file_the_run_reads(tmp_path: Path) -> None:
    log, goals = tmp_path / "access.log", tmp_path / "goals.yaml"
    log.write_bytes(Path(SHOP).read_bytes())
    goals.write_bytes(Path(GOALS).read_bytes())
    (tmp_path / "link.log").symlink_to(log)
    sample = tmp_path / "sample.txt"  # a log with goals to propose
    sample.write_bytes((Path(__file__).parent.parent / "sample_logs" / "access.log").read_bytes())
    cases = [
        (["report", str(log), "--goals", str(goals), "-o", str(log)], str(log), ""),
        (["report", str(log), "--goals", str(goals), "-o", str(goals)], str(goals), ""),
        # Named otherwise: by a glob, or through a link to it.
        (["report", str(tmp_path / "*.log"), "-o", str(tmp_path / "link.log")],
         str(tmp_path / "link.log"), f" (as {tmp_path / 'access.log'})"),
        (["hits", str(log), "-o", str(log)], str(log), ""),
        (["suggest", str(sample), "-o", str(sample)], str(sample), ""),
    ]  # fmt: skip
    for args, named, also in cases:
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2, args
        *before, last = result.stderr.splitlines()
        assert last == (
            f"micromacro: error: --output {named}: this run reads it{also}: name another file"
        )
        # Refused before any reading (which names the log format), and never said written.
        assert not [line for line in before if "log format" in line or "see" in line], args
    assert log.read_bytes() == Path(SHOP).read_bytes()
    assert goals.read_bytes() == Path(GOALS).read_bytes()
