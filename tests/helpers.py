"""Small builders shared by the tests."""

from __future__ import annotations

import contextlib
import dataclasses
import glob
import os
from collections.abc import Iterator
from typing import BinaryIO

import polars as pl
import pytest

from micromacro import commands
from micromacro.hits import HitFilter, canonical_hits, classify_lines
from micromacro.logformats import COMBINED, LogFormat, jsonlines, parse_access_lines
from micromacro.logformats.jsonlines import JSON_LINES
from micromacro.reading import ProgressCallback
from micromacro.report import Report, ReportOptions

# The summary's revenue fields when no macro goal has a value.
NO_REVENUE = dict.fromkeys(
    ("macro_revenue", "macro_revenue_per_session", "currency", "macro_revenue_by_currency")
)
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def combined_line(
    target: str = "/",
    *,
    method: str = "GET",
    status: int = 200,
    ip: str = "203.0.113.7",
    time: str = "02/Nov/2026:09:15:03 +0100",
    referrer: str = "-",
    agent: str = FIREFOX,
    size: str = "512",
) -> str:
    """One combined-format line with sensible defaults."""
    return f'{ip} - - [{time}] "{method} {target} HTTP/1.1" {status} {size} "{referrer}" "{agent}"'


def lines_frame(lines: list[str], source: str = "test.log") -> pl.DataFrame:
    """The line table the parser reads: ``source_file``, ``line_no``, ``line``."""
    return pl.DataFrame(
        {
            "source_file": [source] * len(lines),
            "line_no": pl.Series(range(1, len(lines) + 1), dtype=pl.UInt32),
            "line": lines,
        }
    )


def parse(lines: list[str], fmt: LogFormat = COMBINED) -> pl.DataFrame:
    """Parsed hit fields of ``lines``."""
    return parse_access_lines(lines_frame(lines).lazy(), fmt).collect()


@contextlib.contextmanager
def json_decoder_off() -> Iterator[None]:
    """The JSON reader with its block decoder off: every line read spelling by spelling
    (``json_path_match``), as a block the decoder cannot read is."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(jsonlines._BlockReader, "decoded", lambda _self, _block: None)
        yield


def json_read(lines: list[str]) -> pl.DataFrame:
    """``lines`` parsed by the JSON reader, which must read each of them alike decoded at once
    and spelling by spelling (``json_decoder_off``)."""
    decoded = parse(lines, JSON_LINES)
    with json_decoder_off():
        matched = parse(lines, JSON_LINES)
    assert matched.equals(decoded), "the two ways differ"
    assert decoded["parsed"].all()
    return decoded


def classify(lines: list[str], hit_filter: HitFilter | None = None) -> pl.DataFrame:
    """Canonical hits with their bucket."""
    return canonical_hits(classify_lines(parse(lines), hit_filter or HitFilter()))


def buckets(lines: list[str], hit_filter: HitFilter | None = None) -> list[str]:
    """The bucket of each line, in line order."""
    return classify(lines, hit_filter).sort("line_no").get_column("bucket").cast(str).to_list()


def kind(row: dict[str, object]) -> str:
    """What a parsed line was read as: a request, a non-HTTP record, a comment, or malformed."""
    if row["comment"]:
        return "comment"
    if row["not_http"]:
        return "not_http"
    return "record" if row["parsed"] else "malformed"


def fields(row: dict[str, object], *names: str) -> tuple[object, ...]:
    """The values of ``names`` in ``row``, in that order."""
    return tuple(row[name] for name in names)


def _identities(inputs: tuple[str, ...]) -> tuple[tuple[str, tuple[int, ...] | None], ...]:
    """Each file ``inputs`` name (globs expanded) and its device, inode, size and modification
    time; None for a name with nothing there."""

    def identity(path: str) -> tuple[int, ...] | None:
        try:
            status = os.stat(path)
        except OSError:
            return None
        return (status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns)

    names = [name for given in inputs for name in (sorted(glob.glob(given)) or [given])]
    return tuple((name, identity(name)) for name in names)


class SharedBuilds:
    """Reports built by commands, with the options each was built from (less the hit cache,
    which each test has its own of), for later commands to share: one whose options are equal
    renders the report built before instead of building it again. Cases that differ only in
    ``--format``, ``--table``, ``--wide`` or the terminal's width (which ``ReportOptions`` does
    not hold) share one run of the pipeline, and each is still written, and its messages
    printed, by the real command.

    ``build_report`` is a function of its options and of the files it reads: the pipeline
    prints nothing of its own (every note and warning is in the report). The key a build is
    shared by holds the options, each input file's identity (device, inode, size and
    modification time, so that a log rewritten between two commands is read again) and the
    working directory (which relative paths are read from). It holds nothing else: a test
    that changes the pipeline's world between two commands (its clock, a module's constant,
    ``TMPDIR``) must not share builds, nor
    may one whose commands differ in whether the hit cache is used and expect the reports to
    differ; nor may a command that reads standard input, which is read once."""

    def __init__(self) -> None:
        self.built: list[tuple[tuple[object, ...], Report]] = []

    def share(self, patch: pytest.MonkeyPatch) -> None:
        """Make the commands run under ``patch`` share these builds."""
        build = commands.build_report

        def built_once(
            options: ReportOptions,
            *,
            stdin: BinaryIO | None = None,
            progress: ProgressCallback | None = None,
        ) -> Report:
            assert "-" not in options.inputs, "standard input is read once: build every report"
            key = (
                dataclasses.replace(options, cache=None),
                _identities(options.inputs),
                os.getcwd(),
            )
            for known, report in self.built:
                if known == key:
                    return report
            report = build(options, stdin=stdin, progress=progress)
            self.built.append((key, report))
            return report

        patch.setattr(commands, "build_report", built_once)
