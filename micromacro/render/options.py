"""What a renderer is told besides the report: how the terminal output looks, and what the
HTML page says of the run. Kept apart from the renderers so that choosing them imports none."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class TerminalStyle:
    """How the terminal output looks: colour only on a terminal, width of that terminal
    (``None``: no limit, every column drawn whole, as when piped)."""

    color: bool = False
    width: int | None = None


@dataclass(frozen=True)
class RunInfo:
    """What the page says of the run: the command line as given (``argv`` after the program
    name; paths, globs and ``--output`` unexpanded), and when it was made."""

    argv: tuple[str, ...] = ()
    inputs: tuple[str, ...] = ()
    generated: datetime | None = None
