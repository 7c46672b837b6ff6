"""What every log format is: a name, an example line, and a way to cut lines into raw fields."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

import polars as pl

from micromacro.logformats.fields import CLF, TimeSpec, normalize_frame

LineParser = Callable[[pl.LazyFrame], pl.LazyFrame]


class LogFormat(ABC):
    """A log format. ``parser()`` returns the function that parses one chunk of the line table
    (``source_file``, ``line_no``, ``line``) into the typed hit fields of ``fields.normalize``.

    A run makes one parser and feeds it every chunk in order, so a format whose lines depend on
    earlier ones (a W3C ``#Fields:`` header) can keep that state in its parser.
    """

    name: str
    example: str
    description: str
    # Whether a line can be read without the lines before it (``seeking`` may skip some).
    seekable: ClassVar[bool] = True

    @abstractmethod
    def parser(self) -> LineParser:
        """A fresh parser for one run over the inputs."""


@dataclass(frozen=True)
class RegexFormat(LogFormat):
    """A format one regex cuts into raw fields: its named groups are ``RAW_FIELDS`` names.

    The regex is a Rust regex evaluated by Polars over the whole line column
    (``str.extract_groups``); there is no per-line Python.
    """

    name: str
    regex: str
    time: TimeSpec = CLF
    example: str = ""
    description: str = ""
    fields: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "fields", frozenset(re.findall(r"\(\?P<([a-z_]+)>", self.regex)))

    def parse(self, lines: pl.LazyFrame) -> pl.LazyFrame:
        """Parse a chunk of the line table (this format has no state between chunks). The
        fields are cut first, so that each distinct request line is split once (where they
        repeat)."""
        extracted = lines.with_columns(_fields=pl.col("line").str.extract_groups(self.regex))
        cut = extracted.collect(engine="streaming")
        return normalize_frame(cut, self.fields, self.time, variant=self.name).lazy()

    def parser(self) -> LineParser:
        return self.parse
