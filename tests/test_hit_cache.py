"""The hit cache (README: The hit cache): a report read from the cache is the report read from
the logs, byte for byte; a second run does not parse; a grown file parses only its new lines;
a damaged entry is rebuilt with a warning; ``micromacro cache info|clear``.

Every test has a cache directory of its own (``XDG_CACHE_HOME``, tests/conftest.py).
"""

from __future__ import annotations

import dataclasses
import errno
import gzip
import json
import os
import re
import signal
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import crawleruseragents
import polars as pl
import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

from micromacro import bots, cached_lines, exports, hit_cache, hit_collection, periods, reading
from micromacro.cli import cli
from micromacro.hit_cache import HitCache
from micromacro.line_chunks import InputFile
from tests.helpers import SharedBuilds
from tests.test_exports import (
    CSV_SOURCE,
    GA4,
    GA4_GOALS,
    NDJSON_SOURCE,
    SEGMENT,
    SEGMENT_GOALS,
    SHOP_CSV,
    SHOP_NDJSON,
    goals_file,
    write_parquet,
)
from tests.test_seeking import _NOISE, _SINCE, _UNTIL, generated_log

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE = str(Path(__file__).parent.parent / "sample_logs" / "access.log")
EXAMPLE_GOALS = str(Path(__file__).parent.parent / "goals.example.yaml")
SHOP = FIXTURES / "shop.log"
SHOP_GOALS = str(FIXTURES / "shop_goals.yaml")


def invoke(*args: str, stdin: bytes | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=stdin)


def assert_not_kept(folder: Path, warning: str) -> None:
    """A report of the shop log with the hit cache in ``folder`` is the report without it,
    its last line on stderr is ``warning``, and no entry is kept."""
    result = invoke("report", str(SHOP), "--format", "json", "--cache", str(folder))
    assert result.exit_code == 0
    assert result.stdout == invoke("report", str(SHOP), "--format", "json", "--no-cache").stdout
    assert result.stderr.splitlines()[-1] == warning
    assert not list(folder.glob("*.parquet"))


def resealed(entry: Path, data: bytes) -> None:
    """Write ``data`` (an entry's bytes, changed) to ``entry`` sealed as if it had been written
    so: past the digest, to the checks behind it."""
    digest = pl.read_parquet_metadata(data)[hit_cache._DIGEST_KEY]
    entry.write_bytes(data.replace(digest.encode(), hit_cache._UNSEALED.encode()))
    hit_cache._seal(str(entry), pl.scan_parquet(data).select(pl.len()).collect().item())


def damage_pages(entry: Path) -> None:
    """Damage the first pages' headers of ``entry`` and reseal it: its footer and digest stay
    right, and its rows cannot be decoded."""
    data = bytearray(entry.read_bytes())
    data[4:400] = b"\xff" * 396
    resealed(entry, bytes(data))


def read_again_once(
    args: Sequence[str], monkeypatch: pytest.MonkeyPatch, file: object, lines: int
) -> str:
    """Run ``args`` with a damaged entry of ``file``: it parses ``lines`` lines (that file's),
    warns once that the entry cannot be read, and reports as ``--no-cache`` does; the next run
    reads the rewritten entry without a word. The warning."""
    parses = Parses(monkeypatch)
    rebuilt = invoke(*args)
    assert rebuilt.exit_code == 0
    assert parses.lines == lines
    warnings = [line for line in rebuilt.stderr.splitlines() if "warning: cache:" in line]
    assert len(warnings) == 1
    assert re.fullmatch(
        f"micromacro: warning: cache: the entry of {re.escape(str(file))} "
        r"\(hits-[0-9a-f]{40}\.parquet\) cannot be read \(.+\): read again",
        warnings[0],
    )
    assert rebuilt.stdout == invoke(*args, "--no-cache").stdout
    parses.lines = 0
    assert "warning: cache:" not in invoke(*args).stderr
    assert parses.lines == 0
    return warnings[0]


def entries() -> list[Path]:
    """The entries of the test's cache directory."""
    folder = Path(os.environ["XDG_CACHE_HOME"]) / "micromacro"
    return sorted(folder.glob("hits-*.parquet")) if folder.exists() else []


class Parses:
    """Counts the lines (or export files) the run parses, instead of reading from the cache."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.lines = 0
        self.files = 0
        classify = reading.classify_lines
        file_rows = exports._file_rows

        def counted_lines(parsed: pl.DataFrame, *args: Any) -> pl.DataFrame:
            self.lines += parsed.height
            return classify(parsed, *args)

        def counted_files(*args: Any) -> Any:
            self.files += 1
            return file_rows(*args)

        monkeypatch.setattr(reading, "classify_lines", counted_lines)
        monkeypatch.setattr(exports, "_file_rows", counted_files)


def same_three_ways(*args: str, outputs: Sequence[Sequence[str]] = ((),)) -> Result:
    """The report read without the cache, then twice with it (written, then read): the same
    exit code, stdout and stderr every time, in each of ``outputs`` (--format, --table). Each
    way builds its report once and writes it in every output (``SharedBuilds``): the output is
    no option of the build. The read way's result in the last output."""
    ways: list[list[Result]] = []
    for extra in (["--no-cache"], [], []):  # without the cache, written, read
        with pytest.MonkeyPatch.context() as patch:
            SharedBuilds().share(patch)
            ways.append([invoke(*args, *output, *extra) for output in outputs])
    for output, uncached, *cached_ways in zip(outputs, *ways, strict=True):
        for cached in cached_ways:
            assert (cached.exit_code, cached.stdout, cached.stderr) == (
                uncached.exit_code,
                uncached.stdout,
                uncached.stderr,
            ), output
    return ways[-1][-1]


# --- cached and uncached reports are identical ------------------------------------------------

PERIODS = [
    [],
    ["--since", "2026-11-04"],
    ["--since", "2026-11-03T10:17", "--until", "2026-11-06T08:00"],
    ["--until", "2026-11-05"],
    ["--since", "2026-11-05", "--until", "2026-11-06", "--compare", "previous"],
]
OUTPUTS = [
    ["--format", "json"],
    ["--format", "csv", "--table", "input"],
    ["--format", "csv", "--table", "goals"],
    ["--format", "markdown"],
]


@pytest.mark.parametrize("period", PERIODS)
def test_the_sample_log_reports_alike_from_the_cache(period: list[str]) -> None:
    args = ["report", SAMPLE, "--goals", EXAMPLE_GOALS, *period]
    assert same_three_ways(*args, outputs=OUTPUTS).exit_code == 0
    assert len(entries()) == 1


@pytest.mark.parametrize(
    "options",
    [
        ["--by", "channel", "--by", "device"],
        ["--include-bots", "--include-static", "--include-errors", "--include-redirects"],
        ["--bot-pattern", "Firefox", "--session-timeout", "5m"],
        ["--max-line-bytes", "200"],
        ["--log-format", "combined"],
        ["--strict"],
    ],
)
def test_reading_options_report_alike_from_the_cache(options: list[str]) -> None:
    same_three_ways("report", SAMPLE, "--goals", EXAMPLE_GOALS, "--format", "json", *options)


@pytest.mark.parametrize(
    "log", ["shop.log", "hostile.log", "two_days.log", "calendar.log", "traffic.log"]
)
@pytest.mark.parametrize("period", [[], ["--since", "2026-11-02T10:00"]])
def test_fixture_logs_report_alike_from_the_cache(log: str, period: list[str]) -> None:
    same_three_ways("report", str(FIXTURES / log), "--format", "json", *period)


@pytest.mark.parametrize(
    "log",
    [
        "formats/alb_docs.log",
        "formats/elb_tcp.log",
        "formats/haproxy_docs.log",
        "formats/json_nginx.log",
        "formats/s3_internal.log",
        "formats/w3c_iis.log",
        "formats/w3c_iis_cut.log",
        "shop_json.log",
    ],
)
def test_other_formats_report_alike_from_the_cache(log: str) -> None:
    same_three_ways("report", str(FIXTURES / log), "--format", "json")


def test_first_forwarded_addresses_report_alike_from_the_cache() -> None:
    log = str(FIXTURES / "nginx_xff_fields.log")
    for client_ip in ("remote", "first-forwarded"):
        same_three_ways("report", log, "--format", "json", "--client-ip", client_ip)
    assert len(entries()) == 2


def test_overlapping_rotated_logs_warn_alike_from_the_cache(tmp_path: Path) -> None:
    lines = SHOP.read_text().splitlines(keepends=True)
    (tmp_path / "access.log.1").write_text("".join(lines[:15]))
    (tmp_path / "access.log").write_text("".join(lines[12:]))
    result = same_three_ways("report", str(tmp_path / "access.log*"), "--format", "json")
    assert "overlap" in result.stderr


def test_rotated_logs_and_a_format_string_report_alike(tmp_path: Path) -> None:
    lines = SHOP.read_text().splitlines(keepends=True)
    (tmp_path / "access.log.2.gz").write_bytes(gzip.compress("".join(lines[:8]).encode()))
    (tmp_path / "access.log.1").write_text("".join(lines[8:15]))
    (tmp_path / "access.log").write_text("".join(lines[15:]))
    logs = str(tmp_path / "access.log*")
    same_three_ways("report", logs, "--goals", SHOP_GOALS, "--format", "json")
    same_three_ways("report", logs, "--goals", SHOP_GOALS, "--since", "2026-11-02T09:30")
    string = '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent'
    same_three_ways("report", logs, "--log-format", string, "--format", "json")
    assert len(entries()) == 6  # three files, read with two formats


# Rotated logs of the sample log: lines per file, oldest first (the last one the live log).
_ROTATED = [100, 250, 300, 900, 0, 50, 50, 1_000, 2_350]


def rotated_sample(folder: Path) -> list[Path]:
    """The sample log as rotated logs of ``_ROTATED`` lines (every other one compressed), each
    with a malformed line and a line with fields left unread (after its first line); the live
    log ends in a half-written line."""
    lines = Path(SAMPLE).read_text().splitlines(keepends=True)
    paths, start = [], 0
    for number, count in enumerate(_ROTATED):
        part = lines[start : start + count]
        start += count
        if part:
            part[len(part) // 2] = f"broken line of file {number}\n"
            part[-1] = part[-1].rstrip("\n") + " 0.004 extra\n"
        age = len(_ROTATED) - 1 - number
        text = "".join(part).encode()
        if age == 0:
            path = folder / "access.log"
            path.write_bytes(text + b'203.0.113.9 - - [06/Nov/2026:23:59:59 +0000] "GET /ha')
        elif age % 2:
            path = folder / f"access.log.{age}"
            path.write_bytes(text)
        else:
            path = folder / f"access.log.{age}.gz"
            path.write_bytes(gzip.compress(text))
        paths.append(path)
    return paths


@pytest.mark.parametrize("slice_lines", [1 << 18, 600])
@pytest.mark.parametrize("period", [[], ["--since", "2026-11-05"], ["--until", "2026-11-03"]])
def test_many_rotated_logs_come_back_from_the_cache_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slice_lines: int, period: list[str]
) -> None:
    """The entries of a run of cached files are read together, several small files a slice
    (600 lines: 100 + 250, then 300 alone, 900 in two slices, the empty file with the next
    two, …): every line comes back in its file, in order, with the lines messages quote."""
    monkeypatch.setattr(cached_lines, "_SLICE_LINES", slice_lines)
    paths = rotated_sample(tmp_path)
    # Oldest first, as logrotate's names sort the other way.
    args = ["report", *map(str, paths), "--goals", EXAMPLE_GOALS, *period]
    result = same_three_ways(*args, outputs=OUTPUTS)
    assert ": malformed line: broken line of file " in result.stderr
    assert "micromacro: input: 5,001 lines (" in result.stderr  # the sample's and a half line
    parses = Parses(monkeypatch)
    assert invoke(*args).exit_code == 0
    assert parses.lines == 1  # the live log's half-written line, left out of its entry


def test_a_damaged_entry_among_others_read_together_is_the_one_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows that cannot be decoded in one of several entries read together: that file alone is
    named and read again."""
    lines = Path(SAMPLE).read_text().splitlines(keepends=True)
    logs = [tmp_path / f"access.log.{age}" for age in (3, 2, 1)]
    for number, log in enumerate(logs):
        log.write_text("".join(lines[number * 1_000 : (number + 1) * 1_000]))
    for log in (logs[0], logs[2]):
        invoke("report", str(log))
    before = set(entries())
    invoke("report", str(logs[1]))
    (entry,) = set(entries()) - before
    damage_pages(entry)
    read_again_once(["report", *map(str, logs), "--format", "json"], monkeypatch, logs[1], 1_000)


def three_days(folder: Path) -> Path:
    """A log of 3 days (1, 2 and 3 November 2026), each 10 pageviews of visitors of their own
    and, among them, a malformed line."""
    lines = []
    for day in (1, 2, 3):
        for number in range(10):
            if number == 5:
                lines.append(f"broken line of day {day}\n")
            lines.append(
                f"203.0.113.{day * 10 + number} - - [0{day}/Nov/2026:10:00:{number:02d} +0000] "
                f'"GET /page-{number} HTTP/1.1" 200 512 "-" "Mozilla/5.0 (X11; Linux x86_64) '
                'Gecko/20100101 Firefox/120.0"\n'
            )
    log = folder / "access.log"
    log.write_text("".join(lines))
    return log


@pytest.mark.parametrize(
    ("period", "rows"),
    [
        # The 10 lines of the day and the 3 malformed ones (placed by where they lie), not the
        # 20 lines of the other days.
        (["--since", "2026-11-02", "--until", "2026-11-02"], 13),
        (["--since", "2026-11-03"], 13),
        # The earlier period needs every line's time.
        (["--since", "2026-11-02", "--until", "2026-11-02", "--compare", "previous"], 33),
    ],
)
def test_a_period_reads_of_an_entry_the_rows_of_the_lines_it_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, period: list[str], rows: int
) -> None:
    """The lines out of the period are counted in the entry, their rows not read: 33 lines,
    the day's 10 pageviews, its malformed line, and 22 out of the period (the other days' 20
    and their malformed lines, outside the period's lines)."""
    log = three_days(tmp_path)
    invoke("report", str(log))  # the entry, of every line
    added: list[int] = []
    add = hit_collection.HitAccumulator.add

    def counted_add(self: hit_collection.HitAccumulator, lines: pl.DataFrame) -> None:
        added.append(lines.height)
        add(self, lines)

    monkeypatch.setattr(hit_collection.HitAccumulator, "add", counted_add)
    cached = invoke("report", str(log), "--format", "json", *period)
    assert sum(added) == rows
    summary = json.loads(cached.stdout)["input"]
    counts = [summary[name] for name in ("lines", "page", "malformed", "out_of_period")]
    assert counts == [33, 10, 1, 22]
    assert (cached.stdout, cached.stderr) == (
        (uncached := invoke("report", str(log), "--format", "json", *period, "--no-cache")).stdout,
        uncached.stderr,
    )


def test_an_entry_names_the_variants_that_read_its_lines(tmp_path: Path) -> None:
    """Where none of them leaves fields unread (nor differs from the format string), the lines
    messages quote are not looked for among the entry's rows; a grown file's entry names the
    variants of its new lines too."""

    def named() -> list[str]:
        (entry,) = entries()
        return json.loads(pl.read_parquet_metadata(entry)[hit_cache._META_KEY])["extra"]["variants"]

    lines = Path(SAMPLE).read_text().splitlines(keepends=True)[:100]
    log = tmp_path / "access.log"
    log.write_text("".join(lines))
    invoke("report", str(log))
    assert named() == ["combined"]
    with log.open("a") as handle:  # grown by far more than a sixteenth: rewritten
        handle.write("".join(line.rstrip("\n") + " 0.004 extra\n" for line in lines[:50]))
    result = same_three_ways("report", str(log), "--format", "json")
    assert named() == ["combined", "combined+fields"]
    assert f"first {log}:101: " in result.stderr


def test_format_strings_that_read_times_apart_keep_entries_apart(tmp_path: Path) -> None:
    """Two Apache format strings alike but for the order of day and month: one regex, and
    times read apart. Fixing the string reads the lines again (2 Nov, not 11 Feb)."""
    log = tmp_path / "access.log"
    times = [datetime(2026, 11, 2, 8, minute, tzinfo=UTC) for minute in range(0, 60, 7)]
    agent = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
    log.write_text(
        "".join(
            f'81.2.0.1 [{t:%d/%m/%Y:%H:%M:%S}] "GET / HTTP/1.1" 200 512 "-" "{agent}"\n'
            for t in times
        )
    )
    rest = ' "%r" %>s %b "%{Referer}i" "%{User-Agent}i"'
    wrong, right = (f"%h [%{{{order}/%Y:%H:%M:%S}}t]{rest}" for order in ("%m/%d", "%d/%m"))
    first_hits = []
    for string in (wrong, right):
        result = same_three_ways("report", str(log), "--log-format", string, "--format", "json")
        first_hits.append(json.loads(result.stdout)["period"]["first_hit"])
    assert [hit[:10] for hit in first_hits] == ["2026-02-11", "2026-11-02"]
    assert len(entries()) == 2


def test_the_alert_command_reads_the_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    args = ["alert", str(FIXTURES / "alerts.log"), "--goals", str(FIXTURES / "alerts_goals.yaml")]
    same_three_ways(*args, "--since", "2026-11-03")
    parses = Parses(monkeypatch)
    invoke(*args, "--since", "2026-11-03")
    assert parses.lines == 0


@pytest.mark.parametrize(
    "period", [[], ["--since", "2026-11-02T09:15", "--until", "2026-11-02T10:00"]]
)
def test_event_exports_report_alike_from_the_cache(tmp_path: Path, period: list[str]) -> None:
    runs = [
        (SHOP_CSV, goals_file(tmp_path, CSV_SOURCE, name="csv.yaml")),
        (SHOP_NDJSON, goals_file(tmp_path, NDJSON_SOURCE, name="ndjson.yaml")),
        (write_parquet(tmp_path), goals_file(tmp_path, NDJSON_SOURCE.replace(
            "{column: ts, format: epoch_ms}", "ts"), name="parquet.yaml")),
        (GA4, GA4_GOALS),
        (SEGMENT, SEGMENT_GOALS),
    ]  # fmt: skip
    for export, goals in runs:
        same_three_ways("report", export, "--goals", goals, *period, outputs=OUTPUTS)
    assert len(entries()) == len(runs)


def test_dedupe_of_exports_one_of_them_cached(tmp_path: Path) -> None:
    """A day's export and its intraday copy, the day cached by an earlier run: the same report
    as read fresh, every counted row of the copy a duplicate (it failed: the rows of a cached
    file and of a file read were stacked with their columns in other orders)."""
    copy = tmp_path / "intraday.ndjson"
    copy.write_bytes(Path(SEGMENT).read_bytes())
    alone = json.loads(
        invoke("report", SEGMENT, "--goals", SEGMENT_GOALS, "--format", "json").stdout
    )
    both = [SEGMENT, str(copy), "--dedupe", "--goals", SEGMENT_GOALS, "--format", "json"]
    cached, fresh = invoke("report", *both), invoke("report", *both, "--no-cache")
    assert cached.exit_code == 0, cached.stderr
    assert cached.stdout == fresh.stdout
    counted = sum(alone["input"].get(name, 0) for name in ("page", "event", "session_only"))
    assert json.loads(cached.stdout)["input"]["duplicate"] == counted == 6


def test_a_second_run_on_an_export_does_not_read_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    goals = goals_file(tmp_path, CSV_SOURCE)
    invoke("report", SHOP_CSV, "--goals", goals)
    parses = Parses(monkeypatch)
    assert invoke("report", SHOP_CSV, "--goals", goals, "--since", "2026-11-02").exit_code == 0
    assert parses.files == 0
    invoke("report", SHOP_CSV, "--goals", goals, "--no-cache")
    assert parses.files == 1


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    noise=st.lists(st.tuples(st.floats(0, 1), st.sampled_from(_NOISE)), max_size=30),
    written=st.tuples(st.sampled_from(_SINCE), st.sampled_from(_UNTIL)),
    read=st.tuples(st.sampled_from(_SINCE), st.sampled_from(_UNTIL)),
    compare=st.booleans(),
)
def test_an_entry_written_in_one_period_reports_any_other_alike(
    tmp_path_factory: pytest.TempPathFactory,
    seed: int,
    noise: list[tuple[float, bytes]],
    written: tuple[str | None, str | None],
    read: tuple[str | None, str | None],
    compare: bool,
) -> None:
    """Lines without a time anywhere, malformed and too long lines: the entry a run of one
    period wrote gives every other period the report (and the messages) a parse gives."""
    lines = generated_log(seed, 300)
    for where, line in noise:
        lines.insert(int(where * len(lines)), line)
    folder = tmp_path_factory.mktemp("log")
    log = folder / "access.log"
    log.write_bytes(b"".join(lines))

    def period(since: str | None, until: str | None) -> list[str]:
        found = [*(["--since", since] if since else []), *(["--until", until] if until else [])]
        return [*found, "--compare", "previous"] if compare and since else found

    args = ["report", str(log), "--goals", EXAMPLE_GOALS, "--format", "json"]
    args += ["--max-line-bytes", "400"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(periods, "clock", lambda: datetime(2026, 11, 5, tzinfo=UTC))
        invoke(*args, *period(*written))
        cached = invoke(*args, *period(*read))
        uncached = invoke(*args, *period(*read), "--no-cache")
    assert (cached.exit_code, cached.stdout, cached.stderr) == (
        uncached.exit_code,
        uncached.stdout,
        uncached.stderr,
    )


# --- a second run does not parse ---------------------------------------------------------------


def test_a_second_run_does_not_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    args = ["report", SAMPLE, "--goals", EXAMPLE_GOALS, "--format", "json"]
    first = invoke(*args)
    parses = Parses(monkeypatch)
    for period in PERIODS:
        second = invoke(*args, *period)
        assert second.exit_code == 0
    assert parses.lines == 0
    assert invoke(*args).stdout == first.stdout
    invoke(*args, "--no-cache")
    assert parses.lines == 5_000  # every line of the sample log


def test_options_that_change_buckets_have_entries_of_their_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    invoke("report", str(SHOP))
    parses = Parses(monkeypatch)
    invoke("report", str(SHOP), "--include-bots")
    invoke("report", str(SHOP), "--client-ip", "remote", "--session-timeout", "1h")
    assert parses.lines == 22  # --include-bots parsed again; the rest changes no bucket
    assert len(entries()) == 2


def test_stdin_dedupe_and_the_hits_command_are_never_cached() -> None:
    data = SHOP.read_bytes()
    assert invoke("report", "-", stdin=data).exit_code == 0
    assert invoke("report", str(SHOP), "--dedupe").exit_code == 0
    assert invoke("hits", str(SHOP)).exit_code == 0
    assert entries() == []


def test_the_cache_directory_is_xdg_cache_home_else_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    invoke("report", str(SHOP))
    assert len(entries()) == 1
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    invoke("report", str(SHOP))
    assert len(list((tmp_path / ".cache" / "micromacro").glob("hits-*.parquet"))) == 1
    other = tmp_path / "elsewhere"
    invoke("report", str(SHOP), "--cache", str(other))
    assert len(list(other.glob("hits-*.parquet"))) == 1


def test_a_relative_xdg_cache_home_and_an_empty_home_are_ignored(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import pwd

    user_home = pwd.getpwuid(os.getuid()).pw_dir
    monkeypatch.setenv("HOME", "/srv/web")
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")  # ignored, as the XDG spec says
    assert hit_cache.default_cache_dir() == "/srv/web/.cache/micromacro"
    monkeypatch.setenv("XDG_CACHE_HOME", "/var/cache/jobs")
    assert hit_cache.default_cache_dir() == "/var/cache/jobs/micromacro"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", "")  # not the root directory: the user's own home
    assert hit_cache.default_cache_dir() == os.path.join(user_home, ".cache", "micromacro")


def test_a_home_that_does_not_exist_turns_the_cache_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A system user's home (``/nonexistent``, as a cron job of ``www-data`` has it) is not made
    to hold the cache, parents and all: the run goes on without it and says so; an
    ``XDG_CACHE_HOME`` or ``--cache`` that does not exist yet is made, as asked."""
    missing = tmp_path / "nonexistent"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(missing))
    result = invoke("report", str(SHOP), "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert (
        f"micromacro: warning: cache: the home directory {missing} does not exist: the hit "
        "cache is off for this run (choose a directory with --cache DIR, or set XDG_CACHE_HOME)"
    ) in result.stderr
    assert not missing.exists()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert invoke("report", str(SHOP), "--format", "json").exit_code == 0
    assert list((tmp_path / "xdg" / "micromacro").glob("hits-*.parquet"))
    assert not missing.exists()


def test_cache_and_no_cache_together_is_a_usage_error() -> None:
    result = invoke("report", str(SHOP), "--cache", "x", "--no-cache")
    assert result.exit_code == 2
    assert result.stderr == "micromacro: error: --cache and --no-cache: give one of them\n"


# --- files that change --------------------------------------------------------------------------


def test_a_grown_file_parses_only_its_new_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = Path(SAMPLE).read_text().splitlines(keepends=True)
    log = tmp_path / "access.log"
    log.write_text("".join(lines[:4_000]))
    args = ["report", str(log), "--goals", EXAMPLE_GOALS, "--format", "json"]
    invoke(*args)
    with log.open("a") as handle:
        handle.write("".join(lines[4_000:]))
    parses = Parses(monkeypatch)
    grown = invoke(*args, "--since", "2026-11-05")
    assert parses.lines == len(lines) - 4_000
    again = invoke(*args, "--since", "2026-11-05")
    assert parses.lines == len(lines) - 4_000  # the grown file's entry was rewritten
    uncached = invoke(*args, "--since", "2026-11-05", "--no-cache")
    assert grown.stdout == again.stdout == uncached.stdout
    assert grown.stderr == again.stderr == uncached.stderr


def test_a_file_grown_by_many_lines_reports_alike(tmp_path: Path) -> None:
    """Tens of thousands of new lines: a check that Polars once failed on such a chunk (a
    constant filter over 20,000 rows and more) is not made for the new lines of a grown file,
    whose times are free."""
    lines = Path(SAMPLE).read_text().splitlines(keepends=True) * 6
    log = tmp_path / "access.log"
    log.write_text("".join(lines[:5_000]))
    args = ["report", str(log), "--goals", EXAMPLE_GOALS, "--format", "json"]
    invoke(*args)
    with log.open("a") as handle:
        handle.write("".join(lines[5_000:]))  # 25,000 new lines
    grown = invoke(*args)
    uncached = invoke(*args, "--no-cache")
    assert grown.exit_code == uncached.exit_code == 0
    assert (grown.stdout, grown.stderr) == (uncached.stdout, uncached.stderr)


def test_a_little_grown_file_parses_its_new_lines_until_they_are_worth_keeping(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = Path(SAMPLE).read_text().splitlines(keepends=True)
    log = tmp_path / "access.log"
    log.write_text("".join(lines[:4_800]))
    args = ["report", str(log), "--goals", EXAMPLE_GOALS, "--format", "json"]
    invoke(*args)
    with log.open("a") as handle:
        handle.write("".join(lines[4_800:]))  # 4% more: not worth a new entry yet
    parses = Parses(monkeypatch)
    first, second = invoke(*args), invoke(*args)
    assert parses.lines == 2 * 200
    assert first.stdout == second.stdout == invoke(*args, "--no-cache").stdout


def test_a_file_cut_mid_line_is_read_on_from_the_cut_line_when_it_grows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A last line without its line break may be half written: the entry leaves it out, and a
    grown file is parsed from its start (line 13 of 22) on."""
    text = SHOP.read_text()
    cut = text.index("\n", len(text) // 2) + 20
    log = tmp_path / "access.log"
    log.write_text(text[:cut])
    same_three_ways("report", str(log), "--format", "json")
    with log.open("a") as handle:
        handle.write(text[cut:])
    parses = Parses(monkeypatch)
    grown = invoke("report", str(log), "--format", "json")
    assert parses.lines == 10
    assert grown.stdout == invoke("report", str(SHOP), "--format", "json", "--no-cache").stdout


def test_a_replaced_or_rewritten_file_is_a_new_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = SHOP.read_text().splitlines(keepends=True)
    log = tmp_path / "access.log"
    log.write_text("".join(lines))
    invoke("report", str(log))
    # Rotated: moved away, a new file in its place (new inode), shorter.
    log.rename(tmp_path / "access.log.1")
    log.write_text("".join(lines[:10]))
    parses = Parses(monkeypatch)
    replaced = invoke("report", str(log), "--format", "json")
    assert parses.lines == 10
    assert replaced.stdout == invoke("report", str(log), "--format", "json", "--no-cache").stdout
    # Rewritten in place, same size, other lines at its end: parsed again.
    rewritten = "".join(lines[:9]) + lines[9].replace("200", "404", 1)
    assert len(rewritten) == log.stat().st_size
    log.write_text(rewritten)
    parses.lines = 0
    after = invoke("report", str(log), "--format", "json")
    assert parses.lines == 10
    assert after.stdout == invoke("report", str(log), "--format", "json", "--no-cache").stdout
    # The rotated file is still the file that was cached: read from the cache.
    parses.lines = 0
    invoke("report", str(tmp_path / "access.log.1"))
    assert parses.lines == 0


@pytest.mark.parametrize("grows", [False, True])
def test_a_file_rewritten_while_it_is_read_is_not_kept_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, grows: bool
) -> None:
    lines = SHOP.read_text().splitlines(keepends=True)
    log = tmp_path / "access.log"
    log.write_text("".join(lines))
    # Rewritten in place at the same size after its lines were read (a small file: its first
    # and last 64 KB are all of it), and with ``grows`` given a line more too.
    rewritten = lines[0].replace("200", "404", 1) + "".join(lines[1:])
    assert len(rewritten) == len("".join(lines))
    assert rewritten != "".join(lines)
    store = cached_lines.LineCache.store

    def rewrite_then_store(self: cached_lines.LineCache, files: list[Any]) -> None:
        log.write_text(rewritten + (lines[0] if grows else ""))
        stat = log.stat()
        os.utime(log, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
        store(self, files)

    monkeypatch.setattr(cached_lines.LineCache, "store", rewrite_then_store)
    invoke("report", str(log))
    monkeypatch.setattr(cached_lines.LineCache, "store", store)
    parses = Parses(monkeypatch)
    after = invoke("report", str(log), "--format", "json")
    assert parses.lines == len(lines) + (1 if grows else 0)  # nothing of the old lines kept
    assert after.stdout == invoke("report", str(log), "--format", "json", "--no-cache").stdout


# --- damage and failure -----------------------------------------------------------------------


@pytest.mark.parametrize("damage", [b"", b"not parquet at all", "truncate", "foreign"])
def test_a_damaged_entry_is_rebuilt_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: bytes | str
) -> None:
    args = ["report", str(SHOP), "--format", "json"]
    invoke(*args)
    (entry,) = entries()
    if damage == "truncate":
        entry.write_bytes(entry.read_bytes()[:-100])
    elif damage == "foreign":  # a valid Parquet file, but no entry of this program
        pl.DataFrame({"x": [1, 2]}).write_parquet(entry)
    else:
        assert isinstance(damage, bytes)
        entry.write_bytes(damage)
    parses = Parses(monkeypatch)
    rebuilt = invoke(*args)
    assert parses.lines == 22
    warnings = [line for line in rebuilt.stderr.splitlines() if "warning: cache:" in line]
    assert len(warnings) == 1
    assert warnings[0].startswith(f"micromacro: warning: cache: the entry of {SHOP} (hits-")
    assert warnings[0].endswith("cannot be used: read again") or (
        "cannot be used (" in warnings[0] and warnings[0].endswith(": read again")
    )
    assert rebuilt.stdout == invoke(*args, "--no-cache").stdout
    parses.lines = 0
    assert "warning: cache:" not in invoke(*args).stderr
    assert parses.lines == 0


@pytest.mark.parametrize("where", [0.1, 0.3, 0.5, 0.7, 0.9, "footer"])
def test_an_entry_with_a_byte_changed_anywhere_is_rebuilt(
    monkeypatch: pytest.MonkeyPatch, where: float | str
) -> None:
    """A changed byte in an entry's data may still decode, to other values: every byte of the
    entry is checked against the digest it was written with."""
    args = ["report", SAMPLE, "--goals", EXAMPLE_GOALS, "--format", "json"]
    first = invoke(*args)
    (entry,) = entries()
    data = bytearray(entry.read_bytes())
    footer = len(data) - 8 - int.from_bytes(data[-8:-4], "little")
    at = footer + 20 if where == "footer" else int(footer * float(where))
    data[at] ^= 0x01
    entry.write_bytes(bytes(data))
    parses = Parses(monkeypatch)
    rebuilt = invoke(*args)
    assert rebuilt.exit_code == 0, rebuilt.stderr
    assert parses.lines == 5000
    assert rebuilt.stdout == first.stdout
    warnings = [line for line in rebuilt.stderr.splitlines() if "warning: cache:" in line]
    assert len(warnings) == 1
    assert warnings[0].endswith(": read again")


def test_an_entry_whose_rows_cannot_be_read_is_rebuilt(monkeypatch: pytest.MonkeyPatch) -> None:
    """An entry's rows are read when they are used, after its footer and digest were found right:
    rows that cannot be decoded then (pages written damaged) make the run read the file again,
    with a warning."""
    args = ["report", str(SHOP), "--format", "json"]
    invoke(*args)
    (entry,) = entries()
    damage_pages(entry)
    read_again_once(args, monkeypatch, SHOP, 22)


def test_a_panic_of_the_parquet_reader_on_an_entry_is_a_damaged_entry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Pages written damaged can make Polars' Parquet reader panic rather than fail (a
    ``PanicException``, which is no ``Exception``): the entry is damaged all the same, named,
    read again, among several read together too."""
    logs = [str(SHOP), str(FIXTURES / "two_days.log")]
    args = ["report", *logs, "--format", "json"]
    invoke(*args)
    look_up = cached_lines.LineCache.look_up
    message = "assertion failed: offset + length <= self.length"

    def panic(_: pl.DataFrame) -> pl.DataFrame:
        raise pl.exceptions.PanicException(message)

    def panicking(self: cached_lines.LineCache, file: Any, *, seekable: bool) -> Any:
        part = look_up(self, file, seekable=seekable)
        if part is not None and file.name == str(SHOP):
            part = dataclasses.replace(part, entry=part.entry.map_batches(panic))
            self.found[file.name] = part
        return part

    monkeypatch.setattr(cached_lines.LineCache, "look_up", panicking)
    parses = Parses(monkeypatch)
    rebuilt = invoke(*args)
    assert rebuilt.exit_code == 0
    assert parses.lines == 22  # the shop log's lines, parsed again
    (entry,) = (path for path in entries() if json.loads(pl.read_parquet_metadata(path)[
        hit_cache._META_KEY])["file"] == str(SHOP))  # fmt: skip
    assert [line for line in rebuilt.stderr.splitlines() if "warning: cache:" in line] == [
        f"micromacro: warning: cache: the entry of {SHOP} ({entry.name}) cannot be read "
        f"({message}): read again"
    ]
    assert rebuilt.stdout == invoke(*args, "--no-cache").stdout


def test_a_directory_in_place_of_an_entry_is_removed_when_empty_and_named_when_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A directory where an entry should be is a damaged entry: an empty one is removed and the
    entry written in its place (one warning, then none); one holding files is left alone, and
    the warning of the entry not written names it, not the cache directory."""
    args = ["report", str(SHOP), "--format", "json"]
    expected = invoke(*args, "--no-cache").stdout
    invoke(*args)
    (entry,) = entries()
    entry.unlink()
    entry.mkdir()
    parses = Parses(monkeypatch)
    rebuilt = invoke(*args)
    assert rebuilt.stdout == expected
    assert parses.lines == 22
    warnings = [line for line in rebuilt.stderr.splitlines() if "warning: cache:" in line]
    assert len(warnings) == 1
    assert warnings[0].startswith(
        f"micromacro: warning: cache: the entry of {SHOP} ({entry.name}) cannot be used "
        "(Is a directory): read again"
    )
    assert entry.is_file()
    parses.lines = 0
    assert "warning: cache:" not in invoke(*args).stderr
    assert parses.lines == 0

    entry.unlink()
    entry.mkdir()
    (entry / "kept.txt").write_text("not the cache's\n")
    held = invoke(*args)
    assert held.stdout == expected
    assert (entry / "kept.txt").read_text() == "not the cache's\n"
    assert held.stderr.splitlines()[-1] == (
        f"micromacro: warning: cache: cannot write {entry}: Is a directory (the next run reads "
        "the logs again)"
    )


@pytest.mark.parametrize("damage", ["not parquet", "other rows"])
@pytest.mark.parametrize("why", ["directory not writable", "hits spilled"])
def test_a_damaged_entry_is_said_to_be_read_again_and_no_more(
    monkeypatch: pytest.MonkeyPatch, damage: str, why: str
) -> None:
    """The warning of an entry that cannot be used (found damaged as it is looked up, or as
    its rows are read) says the file is read again, not that the entry is rewritten: a run may
    keep no entry (a directory it cannot write to, hits spilled past --hit-memory, a large log
    seeked for its period)."""
    log = str(SHOP) if why == "directory not writable" else SAMPLE
    args = ["report", log, "--format", "json"]
    invoke(*args)
    (entry,) = entries()
    if damage == "not parquet":
        entry.write_bytes(b"not parquet")
    else:
        frame, metadata = pl.read_parquet(entry), pl.read_parquet_metadata(entry)
        frame.head(5).write_parquet(entry, metadata=metadata)
        resealed(entry, entry.read_bytes())
    if why == "directory not writable":
        folder = str(entry.parent)
        access = os.access
        monkeypatch.setattr(
            hit_cache.os,
            "access",
            lambda path, mode, **kw: path != folder and access(path, mode, **kw),
        )
    else:
        args += ["--hit-memory", "20K"]
    result = invoke(*args)
    assert result.stdout == invoke(*args, "--no-cache").stdout
    warnings = [line for line in result.stderr.splitlines() if "warning: cache:" in line]
    assert warnings[0].startswith(f"micromacro: warning: cache: the entry of {log} (hits-")
    assert warnings[0].endswith(": read again")
    assert "rewritten" not in result.stderr
    if why == "hits spilled":
        assert "more than --hit-memory" in result.stderr
        assert entries() == []  # a spilled run keeps no entry


def test_a_detected_format_is_kept_and_the_same_first_lines_are_not_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The format detected in a file's first lines is kept beside the entries: a run on the same
    first lines (the file grown, or another file that starts alike) reads them with no family
    again, and says the same; other first lines are read again. ``cache clear`` removes it."""
    import micromacro.format_choice as format_choice

    analyses: list[int] = []
    real = format_choice.analyse_sample
    monkeypatch.setattr(
        format_choice, "analyse_sample", lambda *a, **k: analyses.append(1) or real(*a, **k)
    )
    lines = (Path(__file__).parent.parent / "sample_logs" / "access.log").read_bytes()
    lines_of = lines.splitlines(keepends=True)
    log = tmp_path / "access.log"
    log.write_bytes(b"".join(lines_of[:100]))  # the first 50 are the sample
    first = invoke("report", str(log), "--format", "json")
    assert len(analyses) == 1
    log.write_bytes(b"".join(lines_of[:120]))
    grown = invoke("report", str(log), "--format", "json")
    assert len(analyses) == 1  # same first lines: the kept detection
    said = [line for line in grown.stderr.splitlines() if "log format:" in line]
    assert said == [line for line in first.stderr.splitlines() if "log format:" in line]
    assert said == ["micromacro: log format: combined (detected: 50 of 50 sample lines parsed)"]
    assert grown.stdout == invoke("report", str(log), "--format", "json", "--no-cache").stdout
    assert len(analyses) == 2  # without the cache, detected again
    other = tmp_path / "other.log"
    other.write_bytes(b"# a comment first\n" + b"".join(lines_of[:100]))
    invoke("report", str(other))
    assert len(analyses) == 3
    folder = Path(os.environ["XDG_CACHE_HOME"]) / "micromacro"
    assert len(list(folder.glob("memo-*.json"))) == 2
    assert "2 entries" in invoke("cache", "info").stdout
    invoke("cache", "clear")
    assert list(folder.iterdir()) == []


def _unread_emptied(memo: Path, other: Path) -> None:
    data = json.loads(memo.read_text())
    detection = data.get("value", data)  # the memo's detection, however it is kept
    detection["unread"] = []
    memo.write_text(json.dumps(data))


def _parsed_overflowing(memo: Path, other: Path) -> None:
    memo.write_text(re.sub(r'"parsed": [0-9]+', '"parsed": 1e999', memo.read_text()))


@pytest.mark.parametrize(
    "damage",
    [
        _unread_emptied,
        _parsed_overflowing,
        lambda memo, other: memo.write_text('{"key": "x", "value": 1}'),
        lambda memo, other: memo.write_bytes(other.read_bytes()),
    ],
    ids=["unread-empty", "parsed-overflow", "other-key", "other-memo"],
)
def test_a_memo_of_another_shape_or_key_is_detected_again(
    tmp_path: Path, damage: Callable[[Path, Path], object]
) -> None:
    """A format memo that is JSON but not what this program wrote for these first lines (a
    list where a pair was, a number past a float, another log's memo copied over it) is worked
    out again: the report is the one without the cache, never an internal error or the other
    log's format."""
    folder = Path(os.environ["XDG_CACHE_HOME"]) / "micromacro"
    json_log = tmp_path / "app.log"
    json_log.write_text(
        '{"time":"2026-11-02T10:00:00Z","ip":"203.0.113.7","method":"GET","path":"/",'
        '"status":200,"user_agent":"Mozilla/5.0"}\n'
    )
    invoke("report", str(json_log))
    (other,) = folder.glob("memo-*.json")
    other_copy = tmp_path / "other-memo.json"
    other_copy.write_bytes(other.read_bytes())
    args = ["report", str(SHOP), "--format", "json"]
    invoke(*args)
    (memo,) = set(folder.glob("memo-*.json")) - {other}
    damage(memo, other_copy)
    again = invoke(*args)
    assert again.exit_code == 0, again.stderr
    assert again.stdout == invoke(*args, "--no-cache").stdout
    assert "log format: combined" in again.stderr


def test_cache_info_shows_each_name_on_its_line_and_a_damaged_entry_as_one(tmp_path: Path) -> None:
    """A logged file's name with a line break (or an escape) is shown escaped, on its entry's
    line; an entry that cannot be read is said to be one, with no kind, lines or bytes made up."""
    log = tmp_path / "two\nlines\x1b[31m.log"
    log.write_bytes(SHOP.read_bytes())
    invoke("report", str(log))
    info = invoke("cache", "info")
    head, row = info.stdout.splitlines()
    assert head.endswith(": 1 entry, 0.0 MB")
    assert f"access log: {tmp_path}/two\\x0alines\\x1b[31m.log (22 lines, " in row
    (entry,) = entries()
    entry.write_bytes(b"not parquet")
    (row,) = invoke("cache", "info").stdout.splitlines()[1:]
    assert row.split(" MB  ", 1)[1].startswith(
        f"{entry.name}: an entry that cannot be read, last used "
    )


def test_a_file_where_the_default_cache_directory_goes_is_named_so(tmp_path: Path) -> None:
    """``XDG_CACHE_HOME/micromacro`` a file: the warning says it is not a directory (it said
    "File exists", what making the directory met), and the report is as without the cache."""
    home = tmp_path / "xdg"
    home.mkdir()
    (home / "micromacro").write_text("hi")
    result = CliRunner().invoke(
        cli, ["report", str(SHOP), "--format", "json"], env={"XDG_CACHE_HOME": str(home)}
    )
    assert result.exit_code == 0
    warning = f"micromacro: warning: cache: cannot write to {home}/micromacro: Not a directory"
    assert warning in result.stderr
    assert result.stdout == invoke("report", str(SHOP), "--format", "json", "--no-cache").stdout


def test_an_entry_of_other_rows_is_rebuilt(monkeypatch: pytest.MonkeyPatch) -> None:
    """An entry whose rows are not the lines it says it holds is never used."""
    invoke("report", str(SHOP))
    (entry,) = entries()
    frame = pl.read_parquet(entry)
    metadata = pl.read_parquet_metadata(entry)
    frame.head(5).write_parquet(entry, metadata=metadata)
    resealed(entry, entry.read_bytes())
    parses = Parses(monkeypatch)
    result = invoke("report", str(SHOP), "--format", "json")
    assert parses.lines == 22
    assert "5 rows, 22 expected" in result.stderr
    assert result.stdout == invoke("report", str(SHOP), "--format", "json", "--no-cache").stdout


def test_an_export_entry_of_other_rows_is_rebuilt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same for an event export's entry: its rows are counted as they are read."""
    goals = goals_file(tmp_path, CSV_SOURCE)
    invoke("report", SHOP_CSV, "--goals", goals)
    (entry,) = entries()
    lines = json.loads(pl.read_parquet_metadata(entry)[hit_cache._META_KEY])["lines"]
    frame = pl.read_parquet(entry)
    frame.head(2).write_parquet(entry, metadata=pl.read_parquet_metadata(entry))
    resealed(entry, entry.read_bytes())
    parses = Parses(monkeypatch)
    result = invoke("report", SHOP_CSV, "--goals", goals, "--format", "json")
    assert parses.files == 1
    assert f"(2 rows, {lines} expected): read again\n" in result.stderr
    fresh = invoke("report", SHOP_CSV, "--goals", goals, "--format", "json", "--no-cache")
    assert result.stdout == fresh.stdout


def test_an_entry_is_sealed_only_with_the_rows_it_counts(tmp_path: Path) -> None:
    """A reader trusts the row count of an entry whose seal holds: the writer seals none whose
    rows are not the lines its metadata counts (a lazily made entry of other rows: a bug)."""
    folder = tmp_path / "cache"
    log = tmp_path / "access.log"
    log.write_bytes(SHOP.read_bytes())
    file = InputFile(str(log), str(log), log.stat().st_size)
    with HitCache(str(folder)) as cache:
        cache.store(file, {}, pl.LazyFrame({"a": [1, 2, 3]}), rows=4, size=0, appendable=False)
    assert cache.warnings == [
        f"cache: the entry of {log} was not kept: 3 rows written, 4 expected (the next run "
        "reads it again)"
    ]
    assert not list(folder.glob("*.parquet"))
    with HitCache(str(folder)) as cache:
        cache.store(file, {}, pl.LazyFrame({"a": [1, 2, 3]}), rows=3, size=0, appendable=False)
    assert cache.warnings == []
    assert [pl.read_parquet(entry).height for entry in folder.glob("hits-*.parquet")] == [3]


def test_an_interruption_while_waiting_for_the_writer_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGTERM (or a second Ctrl-C) while the run waits for an entry being written ends the run
    at once, its writer too: the entry's temporary file goes with it."""
    folder = tmp_path / "cache"
    log = tmp_path / "access.log"
    log.write_bytes(SHOP.read_bytes())
    file = InputFile(str(log), str(log), log.stat().st_size)
    writing, release = threading.Event(), threading.Event()
    seal = hit_cache._seal

    def slow_seal(path: str, rows: int) -> None:
        writing.set()
        release.wait(10)
        seal(path, rows)

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(hit_cache, "_seal", slow_seal)
    cache = HitCache(str(folder))
    cache.store(file, {}, pl.LazyFrame({"a": [1, 2, 3]}), rows=3, size=0, appendable=False)
    writer = cache._writer
    assert writer is not None
    assert writing.wait(10)
    assert [path.name[:5] for path in folder.iterdir()] == [".tmp-"]
    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.2)
        with pytest.raises(KeyboardInterrupt):
            cache.wait()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert list(folder.iterdir()) == []
    release.set()  # what the end of the process would have cut short
    writer.join()
    assert list(folder.iterdir()) == []


def test_an_unwritable_cache_is_a_warning_and_the_report_goes_on(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    folder = blocker / "cache"  # a directory cannot be made inside a file
    result = invoke("report", str(SHOP), "--format", "json", "--cache", str(folder))
    assert result.exit_code == 0
    assert result.stdout == invoke("report", str(SHOP), "--format", "json", "--no-cache").stdout
    assert result.stderr.splitlines()[-1] == (
        f"micromacro: warning: cache: cannot write to {folder}: Not a directory (the next run "
        "reads the logs again)"
    )


def test_a_cache_directory_that_cannot_be_listed_is_still_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ``--cache`` directory the user may enter but not list (mode 300): its entries are
    opened by name, so the report runs, writes its entry and reads it the next time; nothing
    refuses the option (the checks run as root, so listing is denied by ``os.access``, which
    click asks)."""
    folder = tmp_path / "cache"
    folder.mkdir()
    folder.chmod(0o300)
    real_access = os.access

    def access(path: Any, mode: int, **kwargs: Any) -> bool:
        if os.fspath(path) == str(folder) and mode & os.R_OK:
            return False
        return real_access(path, mode, **kwargs)

    monkeypatch.setattr(os, "access", access)
    uncached = invoke("report", str(SHOP), "--format", "json", "--no-cache")
    for _ in range(2):
        result = invoke("report", str(SHOP), "--format", "json", "--cache", str(folder))
        assert (result.exit_code, result.stdout, result.stderr) == (
            0,
            uncached.stdout,
            uncached.stderr,
        )
    assert len(list(folder.glob("hits-*.parquet"))) == 1


def test_a_cache_directory_named_not_in_utf8_is_a_warning_and_the_report_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An XDG_CACHE_HOME named with a byte that is not UTF-8 (0x85, a lone surrogate in
    Python), a path Polars cannot write to: one warning naming it, and the report made without
    the cache, rather than a warning of each entry quoting Polars."""
    chosen = tmp_path / "c\udc85"
    os.mkdir(os.fsencode(chosen))
    monkeypatch.setenv("XDG_CACHE_HOME", str(chosen))
    result = invoke("report", str(SHOP), "--format", "json")
    assert result.exit_code == 0
    assert result.stdout == invoke("report", str(SHOP), "--format", "json", "--no-cache").stdout
    cache_lines = [line for line in result.stderr.splitlines() if "warning: cache:" in line]
    assert cache_lines == [
        f"micromacro: warning: cache: {tmp_path}/c\\x85/micromacro is not valid UTF-8: the hit "
        "cache is off for this run (choose another directory with --cache DIR)"
    ]
    assert os.listdir(os.fsencode(chosen)) == []


def test_an_entry_cleared_while_it_is_written_is_not_kept_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``micromacro cache clear`` in another shell removes the temporary file of an entry being
    written: the report is the same, the entry is not kept, and the warning says why."""
    folder = tmp_path / "cache"
    seal = hit_cache._seal

    def cleared_first(path: str, rows: int) -> None:
        assert invoke("cache", "clear", "--cache", str(folder)).exit_code == 0
        seal(path, rows)

    monkeypatch.setattr(hit_cache, "_seal", cleared_first)
    result = invoke("report", str(SHOP), "--format", "json", "--cache", str(folder))
    assert result.exit_code == 0
    assert result.stdout == invoke("report", str(SHOP), "--format", "json", "--no-cache").stdout
    assert result.stderr.splitlines()[-1] == (
        f"micromacro: warning: cache: an entry being written to {folder} was removed meanwhile "
        "(by micromacro cache clear?): it is not kept, and the next run reads the logs again"
    )
    assert not list(folder.glob("hits-*"))


def test_a_directory_that_cannot_be_made_is_not_said_to_be_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A directory refused with ENOENT however often it is asked for (``/proc/foo``) is one
    the cache cannot write to, not one a ``cache clear`` removed."""
    folder = tmp_path / "refused"

    def refused(path: str, *args: Any, **kwargs: Any) -> None:
        raise FileNotFoundError(2, "No such file or directory", path)

    monkeypatch.setattr(hit_cache.os, "makedirs", refused)
    result = invoke("report", str(SHOP), "--format", "json", "--cache", str(folder))
    assert result.exit_code == 0
    assert result.stderr.splitlines()[-1] == (
        f"micromacro: warning: cache: cannot write to {folder}: No such file or directory (the "
        "next run reads the logs again)"
    )


@pytest.mark.parametrize("command", ["info", "clear"])
def test_a_cache_directory_that_is_a_file_cannot_be_read(tmp_path: Path, command: str) -> None:
    """``XDG_CACHE_HOME`` naming a file: ``cache info`` says so as ``cache clear`` does (it
    said 0 entries)."""
    (tmp_path / "file").write_text("")
    folder = tmp_path / "file" / "micromacro"
    result = invoke("cache", command, "--cache", str(folder))
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == f"micromacro: error: {folder}: cannot read: Not a directory\n"


def test_an_upgraded_crawler_list_is_a_miss(monkeypatch: pytest.MonkeyPatch) -> None:
    """An entry keeps each line's bucket: after an upgrade of the crawler list that makes other
    lines bots, the cached lines would keep the old verdicts."""
    before = invoke("report", str(SHOP), "--format", "json")
    assert json.loads(before.stdout)["input"]["bot"] == 1  # Googlebot
    upgraded = [*crawleruseragents.CRAWLER_USER_AGENTS_DATA, {"pattern": "X11; Linux"}]
    monkeypatch.setattr(crawleruseragents, "CRAWLER_USER_AGENTS_DATA", upgraded)
    for cached in (bots.crawler_patterns, bots.crawler_list_digest):
        cached.cache_clear()
    try:
        after = invoke("report", str(SHOP), "--format", "json")
        fresh = invoke("report", str(SHOP), "--format", "json", "--no-cache")
    finally:
        monkeypatch.undo()
        for cached in (bots.crawler_patterns, bots.crawler_list_digest):
            cached.cache_clear()
    assert json.loads(fresh.stdout)["input"]["bot"] > 1
    assert after.stdout == fresh.stdout


def test_a_disk_that_fills_up_while_an_entry_is_written_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Polars reports a write cut short by a full disk as a damaged file ("invalid thrift"):
    with no room left where the entry was written, the warning says what the system would."""
    folder = tmp_path / "cache"

    def cut_short(path: str, rows: int) -> None:
        raise pl.exceptions.ComputeError("parquet: File out of specification: Invalid thrift")

    class Full:
        f_bavail, f_frsize = 3, 4096  # 12 KB left

    monkeypatch.setattr(hit_cache, "_seal", cut_short)
    monkeypatch.setattr(hit_cache.os, "statvfs", lambda _: Full())
    assert_not_kept(
        folder,
        f"micromacro: warning: cache: cannot write to {folder}: No space left on device (the "
        "next run reads the logs again)",
    )


def test_a_file_size_limit_met_while_an_entry_is_written_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Polars wraps the system's error in words of its own ("File out of specification:
    underlying IO error"): the warning gives the system's (``ulimit -f`` met: EFBIG)."""
    folder = tmp_path / "cache"

    def cut_short(path: str, rows: int) -> None:
        raise pl.exceptions.ComputeError(
            "parquet: File out of specification: underlying IO error: File too large (os error "
            f"{errno.EFBIG})"
        )

    monkeypatch.setattr(hit_cache, "_seal", cut_short)
    assert_not_kept(
        folder,
        f"micromacro: warning: cache: cannot write to {folder}: {os.strerror(errno.EFBIG)} (the "
        "next run reads the logs again)",
    )


def test_no_temporary_file_is_left_behind() -> None:
    invoke("report", str(SHOP))
    invoke("report", str(FIXTURES / "two_days.log"))
    folder = Path(os.environ["XDG_CACHE_HOME"]) / "micromacro"
    assert sorted(p.name[:5] for p in folder.iterdir()) == ["hits-", "hits-", "memo-", "memo-"]


# --- messages that quote lines ------------------------------------------------------------------


@pytest.mark.parametrize("slice_lines", [1 << 18, 700])
def test_quoted_lines_the_entry_lacks_are_read_from_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slice_lines: int
) -> None:
    """Only the first malformed lines keep their text in the entry: a period late in the file
    names later ones, read from the file (lines with fields left unread too), whichever slice
    of the entry they come back in."""
    monkeypatch.setattr(cached_lines, "_SLICE_LINES", slice_lines)
    lines = Path(SAMPLE).read_text().splitlines(keepends=True)
    for number in range(300, 5_000, 300):
        lines.insert(number, f"broken line {number}\n")
    for number in range(100, 5_000, 400):
        lines[number] = lines[number].rstrip("\n") + " 0.004 extra\n"
    log = tmp_path / "access.log"
    log.write_text("".join(lines))
    for period in (["--since", "2026-11-06"], ["--since", "2026-11-04", "--until", "2026-11-05"]):
        result = same_three_ways("report", str(log), "--format", "json", *period)
        assert "broken line 300\n" not in result.stderr
        assert ": malformed line: broken line" in result.stderr


def test_the_malformed_lines_named_are_the_first_whatever_order_they_were_read_in(
    tmp_path: Path,
) -> None:
    """Lines a format string does not read are held and read by the rest of the family after
    later ones; the malformed lines named are still the first of the file (lines 1 to 5 are
    longer than --max-line-bytes, as most lines), as a read from the cache names them."""
    log = tmp_path / "access.log"
    log.write_text("".join(Path(SAMPLE).read_text().splitlines(keepends=True)[:990]))
    string = '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent'
    args = ["report", str(log), "--log-format", string, "--max-line-bytes", "150"]
    result = same_three_ways(*args, "--format", "json")
    named = [line for line in result.stderr.splitlines() if ": malformed line (" in line]
    assert [line.split(": malformed line")[0] for line in named] == [
        f"micromacro: warning: {log}:{number}" for number in range(1, 6)
    ]


# --- cache info and clear -----------------------------------------------------------------------


def test_cache_info_and_clear(tmp_path: Path) -> None:
    folder = Path(os.environ["XDG_CACHE_HOME"]) / "micromacro"
    empty = invoke("cache", "info")
    assert (empty.exit_code, empty.stdout) == (0, f"{folder}: 0 entries, 0.0 MB\n")
    invoke("report", str(SHOP))
    invoke("report", SHOP_CSV, "--goals", goals_file(tmp_path, CSV_SOURCE))
    info = invoke("cache", "info")
    assert info.exit_code == 0
    head, *rows = info.stdout.splitlines()
    assert head.startswith(f"{folder}: 2 entries, ")
    assert sorted(row.split(": ", 1)[1].split(" (")[0] for row in rows) == sorted(
        [str(SHOP), SHOP_CSV]
    )
    assert any(f"access log: {SHOP} (22 lines, {SHOP.stat().st_size:,} bytes)" in r for r in rows)
    assert any("event export: " in row for row in rows)
    cleared = invoke("cache", "clear")
    assert cleared.exit_code == 0
    assert cleared.stdout.startswith(f"{folder}: removed 2 entries (")
    assert invoke("cache", "info").stdout == f"{folder}: 0 entries, 0.0 MB\n"
    other = tmp_path / "other"
    invoke("report", str(SHOP), "--cache", str(other))
    assert invoke("cache", "info", "--cache", str(other)).stdout.startswith(f"{other}: 1 entry, ")
    assert invoke("cache", "clear", "--cache", str(other)).stdout.startswith(
        f"{other}: removed 1 entry ("
    )


def test_the_cache_leaves_other_files_of_its_directory_alone(tmp_path: Path) -> None:
    """``--cache`` may name a directory with files of the user's own, some named like the
    cache's (a hits export, a memo, a temporary file): old as they are, no run prunes them,
    ``cache info`` lists none of them and ``cache clear`` removes only the cache's."""
    folder = tmp_path / "project"
    folder.mkdir()
    theirs = ["hits-2026-10.parquet", "memo-ideas.json", ".tmp-notes.json", "hits-.parquet"]
    theirs.append("hits-" + "A" * 40 + ".parquet")  # upper case: no hash of ours
    for name in theirs:
        (folder / name).write_text("the user's")
        os.utime(folder / name, (0, 0))  # 1970: older than any entry or temporary file kept
    invoke("report", str(SHOP), "--cache", str(folder))
    ours = sorted(set(os.listdir(folder)) - set(theirs))
    assert [name.split("-")[0] for name in ours] == ["hits", "memo"]  # an entry, a format
    info = invoke("cache", "info", "--cache", str(folder))
    assert info.stdout.splitlines()[0].startswith(f"{folder}: 1 entry, ")
    cleared = invoke("cache", "clear", "--cache", str(folder))
    assert cleared.stdout.startswith(f"{folder}: removed 1 entry (")
    assert sorted(os.listdir(folder)) == sorted(theirs)


def test_cache_info_leaves_out_an_entry_removed_while_it_looks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another run may prune an entry (or a ``cache clear`` remove it) between the listing of
    the directory and the reading of the entry: it is gone, not an error."""
    folder = Path(os.environ["XDG_CACHE_HOME"]) / "micromacro"
    invoke("report", str(SHOP))
    read_metadata = pl.read_parquet_metadata

    def removed_first(path: str) -> dict[str, str]:
        os.remove(path)
        return read_metadata(path)

    monkeypatch.setattr(pl, "read_parquet_metadata", removed_first)
    info = invoke("cache", "info")
    assert (info.exit_code, info.stdout) == (0, f"{folder}: 0 entries, 0.0 MB\n")


def test_cache_info_says_when_an_entrys_file_was_renamed(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.write_text(SHOP.read_text())
    invoke("report", str(log))
    (row,) = invoke("cache", "info").stdout.splitlines()[1:]
    assert f"access log: {log} (22 lines, {log.stat().st_size:,} bytes), last used " in row
    log.rename(tmp_path / "access.log.1")  # logrotate: the entry belongs to the file
    log.write_text("")
    (row,) = invoke("cache", "info").stdout.splitlines()[1:]
    size = SHOP.stat().st_size
    assert f"access log: {log} (22 lines, {size:,} bytes, renamed or removed since), last " in row


def test_cache_clear_says_what_it_could_not_remove(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = Path(os.environ["XDG_CACHE_HOME"]) / "micromacro"
    invoke("report", str(SHOP))
    invoke("report", str(FIXTURES / "nginx_xff_fields.log"))
    kept = sorted(path.name for path in folder.iterdir())  # two entries, two detected formats
    assert len(kept) == 4

    def denied(path: str) -> None:
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(hit_cache.os, "remove", denied)
    cleared = invoke("cache", "clear")
    assert cleared.exit_code == 1
    assert cleared.stdout == f"{folder}: removed 0 entries (0.0 MB)\n"
    head, first = cleared.stderr.split(" (first: ")
    assert head == f"micromacro: error: {folder}: 4 files could not be removed"
    assert first.removesuffix(": Permission denied)\n") in kept
    assert sorted(path.name for path in folder.iterdir()) == kept
    monkeypatch.setattr(hit_cache.os, "listdir", denied)
    elsewhere = tmp_path / "elsewhere"
    refused = invoke("cache", "clear", "--cache", str(elsewhere))
    assert refused.exit_code == 1
    assert refused.stderr == f"micromacro: error: {elsewhere}: cannot read: Permission denied\n"


def test_ctrl_c_seen_by_the_writing_thread_interrupts_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Polars checks for Ctrl-C while it writes an entry, in the thread that writes it: the run
    ends as interrupted (130, one line), no entry or temporary file is left, nothing hangs."""

    def interrupted(path: str, rows: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(hit_cache, "_seal", interrupted)
    cache = tmp_path / "cache"
    result = CliRunner().invoke(cli, ["report", SAMPLE, "--cache", str(cache), "-q"])
    assert (result.exit_code, result.stderr) == (130, "micromacro: error: interrupted\n")
    assert [name for name in os.listdir(cache) if not name.startswith("memo-")] == []


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 40), st.integers(0, 3)), max_size=40),
    st.integers(1, 45),
    st.integers(0, 12),
)
def test_rows_come_back_a_row_per_line_of_a_stretch(
    rows: list[tuple[int, int]], first: int, count: int
) -> None:
    """Rows of some lines, kept in frames in any order (held lines come later), come back as
    a row per line of a stretch, in line order, null on the lines none of them holds: what
    looking each line up in a dict of them gives."""
    by_line = dict(rows)  # each line at most once (the last copy here)
    kept = [(line, frame) for line, frame in rows if by_line[line] == frame]
    kept = list(dict.fromkeys(kept))
    frames = [
        pl.DataFrame(
            {
                "line_no": [line for line, f in kept if f == frame],
                "value": [line * 10 for line, f in kept if f == frame],
            },
            schema={"line_no": pl.UInt32, "value": pl.Int64},
        )
        for frame in range(4)
    ]
    placed = cached_lines._Placed.of([frame for frame in frames if frame.height] or frames[:1])
    stretch = placed.stretch(first, count)
    expected = [line * 10 if line in by_line else None for line in range(first, first + count)]
    assert stretch.columns == ["value"]
    assert stretch.get_column("value").to_list() == expected


def test_an_entry_whose_rows_cannot_be_made_is_not_kept_and_says_so(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """An entry's rows are made a slice at a time as it is written: a slice that cannot be
    made (the machine out of memory) leaves no entry, and the warning blames no directory."""
    real = cached_lines._Placed.stretch

    def stretch(self: cached_lines._Placed, first: int, count: int) -> pl.DataFrame:
        if first > 1:
            raise MemoryError
        return real(self, first, count)

    monkeypatch.setattr(cached_lines, "_SLICE_LINES", 8)
    monkeypatch.setattr(cached_lines._Placed, "stretch", stretch)
    folder = tmp_path / "cache"
    assert_not_kept(
        folder,
        f"micromacro: warning: cache: the entry of {SHOP} was not kept: out of memory (the next "
        "run reads it again)",
    )
