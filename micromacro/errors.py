"""Exit codes and the exceptions the library raises; the CLI turns them into one-line errors."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes, as documented in the README and ``micromacro --help``."""

    OK = 0
    INPUT_ERROR = 1
    USAGE_ERROR = 2
    ALERT_FIRED = 3
    INTERRUPTED = 130


class MicromacroError(Exception):
    """Base class of every error meant for the user: one line, no traceback."""

    exit_code: ExitCode = ExitCode.INPUT_ERROR


class InputError(MicromacroError):
    """An input cannot be read or parsed: missing, unreadable, corrupt, or in no known format."""

    exit_code = ExitCode.INPUT_ERROR


class OutputError(MicromacroError):
    """An output (``--output``, ``--history``) cannot be written, or is not ours to change."""

    exit_code = ExitCode.INPUT_ERROR


class UsageError(MicromacroError):
    """A command-line option has a value the program cannot use."""

    exit_code = ExitCode.USAGE_ERROR


class ConfigError(MicromacroError):
    """The goals file is invalid; ``problems`` holds one ``file:line:col: message`` per finding."""

    exit_code = ExitCode.USAGE_ERROR

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__(self.problems[0] if self.problems else "invalid goals file")
