"""The streams a command talks to, and how errors reach them.

``Environment`` holds stdin, stdout, stderr and what they are (a terminal, colours, quiet):
every message and error goes through it, and tests swap it. ``MicromacroGroup`` runs a command
and turns every error into one line on stderr and the exit codes of ``ExitCode``; it also holds
the places of standard streams closed at start.

Polars and rich's progress bar are imported only when they are used, so that ``--help`` and
``--version`` start at once (the command line loads the pipeline only when a command runs).
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import gc
import io
import os
import signal
import sys
import threading
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any, BinaryIO, NoReturn

import click

from micromacro.errors import ConfigError, ExitCode, InputError, MicromacroError
from micromacro.text import inert

if TYPE_CHECKING:
    from rich.progress import Progress

    from micromacro.reading import ProgressCallback

PROG = "micromacro"
# Show a progress bar on a terminal only when reading takes a while.
_PROGRESS_MIN_BYTES = 64 * 1024 * 1024


@dataclass
class Environment:
    """The streams a command talks to and what they are (httpie's idea): tests swap it.

    ``stdout_width`` is the width in columns of the terminal stdout is (``None`` when it is no
    terminal): ``COLUMNS`` when set, as rich reads it, else the terminal's size, else 80.
    """

    stdin: BinaryIO = field(default_factory=lambda: sys.stdin.buffer)
    stdout: IO[str] = field(default_factory=lambda: sys.stdout)
    stderr: IO[str] = field(default_factory=lambda: sys.stderr)
    stdout_isatty: bool | None = None
    stderr_isatty: bool | None = None
    no_color: bool = field(default_factory=lambda: bool(os.environ.get("NO_COLOR")))
    quiet: bool = False
    stdout_width: int | None = None
    # The command line as given, after the program's name (the HTML report's footer shows it).
    argv: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.stdout_isatty is None:
            self.stdout_isatty = _isatty(self.stdout)
        if self.stderr_isatty is None:
            self.stderr_isatty = _isatty(self.stderr)
        if self.stdout_isatty and self.stdout_width is None:
            self.stdout_width = terminal_width(self.stdout)

    def write_data(self, text: str) -> None:
        """Write ``text`` to stdout, flushed. A reader gone (``| head -1``, ``| true``) is
        no error and ends nothing: the command goes on, so that its exit code (an alert rule
        fired) and its other work (``--history``) stand."""
        try:
            self.stdout.write(text)
            self.stdout.flush()
        except BrokenPipeError:
            _silence(self.stdout)

    def error(self, text: str) -> None:
        """Write ``micromacro: error: …`` to stderr, even with ``--quiet``."""
        self.message(text, level="error")

    def message(self, text: str, *, level: str = "") -> None:
        """Write one line to stderr (``micromacro: warning: …``); silent with ``--quiet``."""
        if self.quiet and level != "error":
            return
        prefix = f"{PROG}: {level}: " if level else f"{PROG}: "
        try:
            self.stderr.write(prefix + inert(text) + "\n")
            self.stderr.flush()
        except (OSError, ValueError):  # stderr closed or full: the message is lost, not the run
            _silence(self.stderr)

    @contextlib.contextmanager
    def progress(self) -> Iterator[ProgressCallback | None]:
        """A progress bar on stderr while a large input is read, only when stderr is a terminal.

        Yields the callback to pass to ``build_report`` (None when no bar can be shown); the bar
        starts at the first report of progress if the inputs are large, and nothing at all is
        written to the terminal otherwise (not even the codes that hide the cursor).
        """
        if self.quiet or not self.stderr_isatty:
            yield None
            return
        shown: list[Progress] = []

        def advance(done: int, total: int) -> None:
            if total < _PROGRESS_MIN_BYTES:
                return
            if not shown:
                shown.append(self._progress_bar())
                shown[0].add_task("read", total=total)
            shown[0].update(shown[0].task_ids[0], completed=done, total=total)

        try:
            yield advance
        finally:
            for bar in shown:
                bar.stop()

    def _progress_bar(self) -> Progress:
        """A progress bar of bytes read on stderr, started."""
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        console = Console(file=self.stderr, force_terminal=True, no_color=self.no_color)
        columns = (
            TextColumn("Reading logs"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
        )
        bar = Progress(*columns, console=console, transient=True)
        bar.start()
        return bar


# What rich assumes of a terminal whose size is unknown.
_DEFAULT_WIDTH = 80


def terminal_width(stream: IO[Any]) -> int:
    """The columns of the terminal ``stream`` writes to, as rich finds them: ``COLUMNS``
    when it is a positive number, else the terminal's size, else 80."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    try:
        size = os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, ValueError, OSError):  # io.UnsupportedOperation is an OSError
        size = 0
    return size or _DEFAULT_WIDTH


def _isatty(stream: IO[Any]) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class Interrupted(Exception):
    """Ctrl-C during a command (raised before click turns it into an abort)."""


class ReaderGone(Exception):
    """The reader of standard output went away (``| head``): raised in place of the
    ``BrokenPipeError``, which click would turn into exit 1 without a word."""


class MicromacroGroup(click.Group):
    """A click group whose errors are one line on stderr with the exit codes of ``ExitCode``."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise Interrupted from None
        except BrokenPipeError:
            raise ReaderGone from None

    def main(self, *args: Any, **kwargs: Any) -> NoReturn:
        kwargs["standalone_mode"] = False
        _guard_standard_streams()
        _encodable_streams()
        env = kwargs.get("obj")
        if not isinstance(env, Environment):
            env = kwargs["obj"] = Environment()
        # Errors are handled here, outside click's parsing, so the flag is read from argv.
        argv = kwargs.get("args") or (args[0] if args else None) or sys.argv[1:]
        show_traceback = "--traceback" in argv
        env.argv = tuple(argv)
        code: int
        try:
            result = super().main(*args, **kwargs)
            # Without standalone mode click returns the exit code of --help, --version, ctx.exit.
            code = result if isinstance(result, int) else ExitCode.OK
            sys.stdout.flush()  # a full stdout fails here, not as Python exits
        except click.exceptions.NoArgsIsHelpError as error:  # a group named alone: its help
            env.stderr.write(error.ctx.get_help() + "\n" if error.ctx else error.format_message())
            code = ExitCode.USAGE_ERROR
        except click.UsageError as error:
            env.error(_usage_message(error))
            code = ExitCode.USAGE_ERROR
        except (Interrupted, click.Abort, KeyboardInterrupt):
            env.error("interrupted")
            code = ExitCode.INTERRUPTED
        except (ReaderGone, BrokenPipeError):  # the latter from the flush after the command
            _silence_stdout()
            code = ExitCode.OK
        except ConfigError as error:
            _maybe_traceback(show_traceback, env.stderr)
            for problem in error.problems:
                env.error(problem)
            code = error.exit_code
        except MicromacroError as error:
            _maybe_traceback(show_traceback, env.stderr)
            env.error(str(error))
            code = error.exit_code
        except OSError as error:  # what no module turned into an error of its own: stdout's
            _maybe_traceback(show_traceback, env.stderr)
            env.error(_io_error_message(error))
            _silence_stdout()
            code = ExitCode.INPUT_ERROR
        except BaseException as error:  # the last line of defence: one line
            if not _is_internal_error(error):
                raise
            _maybe_traceback(show_traceback, env.stderr)
            env.error(f"internal error: {type(error).__name__}: {error} (run with --traceback)")
            code = ExitCode.INPUT_ERROR
        sys.exit(int(code))


def interrupt_on_termination() -> None:
    """End the run on SIGTERM or SIGHUP (``timeout``, a service stopped, a terminal closed) as
    on Ctrl-C: its temporary files removed, no output half written, exit 130. Only the console
    entry point asks for it: a command run in-process leaves the caller's signals alone."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None:
            with contextlib.suppress(ValueError, OSError):  # not the main thread
                signal.signal(number, interrupt)


# How often Python's cycle collector runs in a command: after this many allocations (net), not
# its default 700, and a full collection after 30 of the generations before (not 10).
_COLLECT_AFTER = (200_000, 30, 30)


def collect_cycles_rarely() -> None:
    """Run Python's cycle collector far less often than by default. A run's data lives in
    Polars' memory; its Python objects are few, long-lived and rarely in cycles (the goals, the
    report's rows), and collecting every 700 allocations rescanned them again and again: a
    report of 100,000 goals spent a third of its time there. Cycles are still collected. Only
    the console entry point asks for it: a command run in-process leaves the caller's collector
    alone."""
    gc.set_threshold(*_COLLECT_AFTER)


def end_process(code: int) -> NoReturn:
    """End the process with exit code ``code`` once a command is done: its standard streams
    flushed, its other threads finished and the exit handlers run (a temporary directory is
    removed by one), then at once. Python's own teardown would free every object the run made,
    one by one: up to a tenth of a second after a large report, for nothing anyone sees.

    Only the console entry point calls this (``micromacro.cli.main``); a command run
    in-process (a test's ``CliRunner``) ends as a call does."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            stream.flush()
    main = threading.main_thread()
    # An interrupted run waits for no thread: one may be a pool's worker that the interruption
    # kept from being shut down, and would wait for work forever.
    waited = [] if code == ExitCode.INTERRUPTED else threading.enumerate()
    for thread in waited:
        if thread is not main and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()
    os._exit(code)


def _is_internal_error(error: BaseException) -> bool:
    """Whether ``error`` is a bug to report in one line: an ``Exception``, or a panic of Polars'
    Rust code (a ``BaseException``, so that it escapes ``except Exception``). Polars is not
    imported for this: a panic can only come from Polars once it has been imported."""
    if isinstance(error, Exception):
        return True
    if "polars" not in sys.modules:
        return False
    from polars.exceptions import PanicException

    return isinstance(error, PanicException)


def _maybe_traceback(show: bool, stderr: IO[str]) -> None:
    # Never print_exc(file=None): that prints to stdout.
    if show:
        with contextlib.suppress(OSError, ValueError):
            traceback.print_exc(file=stderr)


def _usage_message(error: click.UsageError) -> str:
    hint = ""
    if error.ctx is not None:
        hint = f" (see '{error.ctx.command_path} --help')"
    return f"{error.format_message()}{hint}"


# The errors of writing to a stream (closed, disk full, …), as opposed to reading a file.
_WRITE_ERRNOS = frozenset(
    getattr(errno, name)
    for name in ("EBADF", "ENOSPC", "EFBIG", "EDQUOT", "EIO", "EAGAIN")
    if hasattr(errno, name)
)


def _io_error_message(error: OSError) -> str:
    """The line for an ``OSError`` no module turned into a ``MicromacroError``: the inputs,
    ``--output``, ``--history`` and the goals file report their own, so it is the standard
    output that cannot be written (closed, or on a full disk), but for a stray one."""
    reason = error.strerror or str(error)
    if error.filename is None and (error.errno in _WRITE_ERRNOS or _stdout_failed()):
        return f"cannot write to stdout: {reason}"
    where = f"{error.filename}: " if error.filename is not None else ""
    return f"input/output error: {where}{reason}"


def _stdout_failed() -> bool:
    """Whether stdout is closed or cannot take what is waiting to be written."""
    if sys.stdout is None or isinstance(sys.stdout, _ClosedOutput):
        return True
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        return True
    return False


def _silence_stdout() -> None:
    # After a closed pipe (`| head`) Python would complain again when it flushes stdout at exit.
    _silence(sys.stdout)


def _silence(stream: IO[str] | None) -> None:
    """Point the descriptor of ``stream`` at /dev/null, so that what is left in its buffer is
    flushed without an error as Python exits (a closed pipe, a full disk)."""
    if stream is None:
        return
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)


def _encodable_streams() -> None:
    """Standard output in UTF-8 whatever the locale (the data is UTF-8, as in an ``--output``
    file: a Latin-1 locale could not encode a dash of a table or a character of a path), and
    standard error in the locale's encoding with what it cannot hold escaped (``\\u2013``)."""
    for stream, encoding in ((sys.stdout, "utf-8"), (sys.stderr, None)):
        reconfigure = getattr(stream, "reconfigure", None)
        current = str(getattr(stream, "encoding", "") or "").lower().replace("-", "")
        if reconfigure is None or current == "utf8":
            continue
        with contextlib.suppress(ValueError, OSError):  # a stream already written to
            reconfigure(encoding=encoding, errors="backslashreplace")


def _guard_standard_streams() -> None:
    """Hold the places of standard streams that were closed when the program started.

    A closed descriptor 0, 1 or 2 would be taken by the next file opened (a spooled input, an
    ``--output`` file), and what is written to that descriptor (by Polars, say) would land in
    it: /dev/null holds the place, close-on-exec, which tells it from a /dev/null the caller
    gave (``descriptors.closed_standard_stream``), so that ``/dev/stdin`` read and
    ``-o /dev/stdout`` written fail as ``-`` and stdout do. Python leaves ``sys.stdin``,
    ``stdout`` and ``stderr`` None for a closed descriptor; they become streams that fail to be
    read (an ``InputError``) or written (``EBADF``), or, for stderr, a sink: errors then only
    show in the exit code.
    """
    for descriptor in (0, 1, 2):
        try:
            os.fstat(descriptor)
        except OSError:
            with contextlib.suppress(OSError):
                opened = os.open(os.devnull, os.O_RDWR)  # close-on-exec, as every os.open
                if opened != descriptor:
                    os.dup2(opened, descriptor, inheritable=False)
                    os.close(opened)
    if sys.stdin is None:
        sys.stdin = io.TextIOWrapper(io.BufferedReader(_ClosedInput()))
    if sys.stdout is None:
        sys.stdout = _ClosedOutput()
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 (open until exit)


class _ClosedInput(io.RawIOBase):
    """Standard input that was closed when the program started: reading it (``-``) is an
    input error."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        raise InputError("<stdin>: cannot read: standard input is closed")


class _ClosedOutput(io.TextIOBase):
    """Standard output that was closed when the program started: writing to it fails."""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, os.strerror(errno.EBADF))


def environment(ctx: click.Context) -> Environment:
    """The environment of the running command (a default one outside ``main``)."""
    env = ctx.find_object(Environment)
    if env is None:
        env = Environment()
        ctx.obj = env
    return env
