"""Benchmark micromacro against the Polars yardstick, GoAccess and a minimal Polars pass (not
run in CI).

    python bench/run_bench.py                    # 1M and 5M lines, median of 3
    python bench/run_bench.py --sizes 1M --repeat 1 --markdown

Generates `bench/data/access-<size>.log` with `bench/generate_log.py` when missing (fixed seed),
then times each tool as a whole process: wall time, CPU time and the child's peak RSS (from
`os.wait4`). The tools on one file run in turn, A B C A B C …, `--repeat` rounds; the median
run of each is reported. A tool that fails is reported as failed, and the other tools still run.
"""

from __future__ import annotations

import argparse
import glob
import gzip
import itertools
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DATA = BENCH / "data"
GOALS = ROOT / "goals.example.yaml"
SAMPLE_LOG = ROOT / "sample_logs" / "access.log"
# Tools timed beside a file's but reading another input, and what they read.
OTHER_INPUTS = {"micromacro-sample": "reads sample_logs/access.log (5,000 lines)"}
FUNNELS = BENCH / "funnels.yaml"
SEED = 2026  # the generator's seed for every benchmark file
# goaccess_s / micromacro_s at least this: by the least number of lines it applies to.
GOACCESS_TARGETS = ((5_000_000, 8.0), (1_000_000, 6.0))
# The yardstick: the shortest Polars pass over a combined log (`FILE LOG --parse regex|csv`),
# kept outside the repository; micromacro's full report at most these times its two parses.
YARDSTICK_ENV = "MICROMACRO_YARDSTICK"
# What a tool's row says when its program is not on this machine.
NOT_RUN = "not run"
NO_YARDSTICK = f"{NOT_RUN}: no yardstick script (--yardstick FILE or ${YARDSTICK_ENV})"
DEFAULT_YARDSTICK = ROOT.parent / "shared" / "bench" / "near_limit_polars.py"
YARDSTICK_REGEX_TARGET = 1.2
YARDSTICK_CSV_TARGET = 1.5
JSON_FORMATS = ("nginx_json", "caddy")  # the JSON-lines logs made from the generated one
JSON_RATE_TARGET = 400_000  # lines per second of a JSON-lines report, at least this
FUNNELS_TARGET = 1.25  # micromacro_s / the same run without funnels at most this
FORMAT_STRING_TARGET = 1.2  # a custom nginx format string / the combined preset at most this
SEGMENTS_TARGET = 1.3  # the report with three --by / the same report without, at most this
PERIOD_TARGET = 5.0  # the whole 30-day log / its last day (--since), at least this
COMPARE_TARGET = 1.2  # one day compared with the day before / that day alone, at most this
MIXED_TARGET = 1.2  # a log with 5% variant lines / the clean log, at most this
MIXED_EVERY = 20  # every 20th line of the mixed log is a variant (5%)
# How the mixed log changes a line, in turn: a virtual host first, an address list as the
# client field, nginx's X-Forwarded-For after the user agent.
MIXED_CHANGES = (
    lambda line: b"shop.example.com " + line,
    lambda line: b"10.0.0.9, " + line,
    lambda line: line + b' "198.51.100.4, 10.0.0.1"',
)
COMPARED_DAY = ["--since", "2026-11-05", "--until", "2026-11-05"]  # a middle day of the 7
PERIOD_DAYS = 30
LAST_DAY = "2026-12-01"  # the last of the 30 days from the generator's start, 2026-11-02
SEGMENT_OPTIONS = ["--by", "channel", "--by", "device", "--by", "landing_page"]
# The custom format: combined plus two fields, as an nginx log_format string.
NGINX_FORMAT = (
    '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
    '"$http_referer" "$http_user_agent" $request_time "$host"'
)
NGINX_EXTRA = ' 0.004 "shop.example.com"'  # what each line of the custom log adds
WARM_TARGET = 0.15  # a report read from the hit cache / the same report parsed, at most this
GROWN_TARGET = 0.2  # a cached log grown by 1% / the whole log parsed, at most this
GROWN_PERCENT = 1
# The cache group's rotated logs: the log cut into this many files, all but the two newest
# compressed (logrotate's `compress` with `delaycompress`), as a month of daily logs is kept.
ROTATED_FILES = 30
LARGE_SIZE = "20M"  # the large row: the yardstick group on this many lines, one round
# The spill group: --hit-memory small enough that the counted hits of a 1M-line log go to disk.
SPILL_MEMORY = "4M"
IDENTICAL_LINES = 6_900_000  # the worst case: every line the same counted page, gzip-compressed
IDENTICAL_RSS_TARGET = 1.0  # its peak RSS / its uncompressed size, at most this
# A plain log's peak RSS / its size, at most this: by the least number of lines it applies to.
RSS_TARGETS = ((5_000_000, 0.5),)
# The runs whose peak RSS is judged against the file: the report that reads the log and keeps
# nothing, and the first report with the hit cache on (the default), which also writes the
# log's entry.
RSS_TOOLS = ("micromacro", "micromacro-first-cached")
IDENTICAL_LINE = (
    b'203.0.113.7 - - [05/Nov/2026:10:00:00 +0000] "GET /products/trail-runner-2 HTTP/1.1" 200 '
    b'48213 "https://shop.example.com/category/shoes" "Mozilla/5.0 (Windows NT 10.0; Win64; x64) '
    b'AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"\n'
)
MIB = 1024 * 1024
LOG_SUFFIXES = (".log", ".gz")  # the inputs read into the page cache before each run
PAGE_CACHE_BLOCK = 16 * MIB


@dataclass(frozen=True)
class Tool:
    """A command to time: its name, its argument list for a given log file, and what must be
    done once before its first run (fill a cache, grow a log), untimed."""

    name: str
    argv: list[str]
    setup: Callable[[], None] | None = None
    # Why it cannot run on this machine (its program is not there): listed, never run, so
    # that its rows and the targets it is a side of say so.
    missing: str = ""


@dataclass
class Measure:
    """The median run of one tool on one file (or why it failed)."""

    tool: str
    seconds: float | None = None
    rss_bytes: int | None = None
    error: str = ""
    cpu_seconds: float | None = None


@dataclass
class FileResult:
    """A benchmark file and the measures of every tool on it."""

    label: str
    path: Path
    lines: int
    measures: dict[str, Measure]
    uncompressed_bytes: int | None = None  # of a compressed log

    @property
    def size_bytes(self) -> int:
        """The log file's size in bytes."""
        return self.path.stat().st_size

    def seconds(self, tool: str) -> float | None:
        """The best time of `tool` on this file, or None if it failed or did not run."""
        measure = self.measures.get(tool)
        return measure.seconds if measure else None


def parse_size(text: str) -> int:
    """`1M` -> 1,000,000; `500k` -> 500,000; `2500` -> 2,500."""
    text = text.strip().lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    number = text[:-1] if scale > 1 else text
    return int(float(number) * scale)


def ensure_log(label: str, lines: int, days: int = 7) -> Path:
    """Return `bench/data/access-<label>.log` (`access-<label>-<days>d.log` for other than 7
    days), generating it first if it is missing."""
    path = DATA / (f"access-{label}.log" if days == 7 else f"access-{label}-{days}d.log")
    if path.exists():
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".log.partial")
    print(
        f"generating {path.relative_to(ROOT)} ({lines:,} lines, seed {SEED}) ...",
        file=sys.stderr,
        flush=True,
    )
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            str(BENCH / "generate_log.py"),
            "--lines",
            str(lines),
            "--seed",
            str(SEED),
            "--days",
            str(days),
            "--out",
            str(partial),
        ],
        check=True,
    )
    partial.replace(path)
    print(f"  done in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    return path


def goals_files(scratch: Path) -> tuple[Path, Path]:
    """Goals files for the two micromacro runs: the example goals with the two 4-step funnels
    of `bench/funnels.yaml`, and the same goals without any funnel."""
    import yaml  # micromacro's own dependency, so present in the interpreter that runs it

    goals = {"goals": yaml.safe_load(GOALS.read_text())["goals"]}
    with_funnels = {**goals, "funnels": yaml.safe_load(FUNNELS.read_text())["funnels"]}
    paths = scratch / "goals-funnels.yaml", scratch / "goals-no-funnels.yaml"
    for path, content in zip(paths, (with_funnels, goals), strict=True):
        path.write_text(yaml.safe_dump(content, sort_keys=False))
    return paths


def micromacro(log: Path, goals: Path) -> list[str]:
    """The micromacro command timed: the whole JSON report of `log` with `goals`, parsed every
    time (`--no-cache`: a repeat would otherwise read the hit cache the first run wrote)."""
    return [
        sys.executable, "-m", "micromacro", "report", str(log),
        "--goals", str(goals), "--format", "json", "--quiet", "--no-cache",
    ]  # fmt: skip


def ensure_custom_log(log: Path) -> Path:
    """`log` with `NGINX_EXTRA` after every line (the custom nginx format), made once."""
    custom = log.with_name(log.stem + "-nginx.log")
    if custom.exists():
        return custom
    partial = custom.with_suffix(".log.partial")
    suffix = NGINX_EXTRA.encode() + b"\n"
    with log.open("rb") as source, partial.open("wb") as target:
        for line in source:
            target.write(line.rstrip(b"\n") + suffix)
    partial.replace(custom)
    return custom


def rewritten_log(log: Path, suffix: str, rewrite: Callable[[int, bytes], bytes]) -> Path:
    """`log` with each line (numbered from 0, with its line break) as `rewrite` makes it (an
    empty line leaves it out), as `access-<label>-<suffix>.log`, made once."""
    rewritten = log.with_name(f"{log.stem}-{suffix}.log")
    if rewritten.exists():
        return rewritten
    partial = rewritten.with_suffix(".log.partial")
    with log.open("rb") as source, partial.open("wb") as target:
        for number, line in enumerate(source):
            target.write(rewrite(number, line))
    partial.replace(rewritten)
    return rewritten


def ensure_mixed_log(log: Path) -> Path:
    """`log` with every `MIXED_EVERY`th line changed into another variant of the Common Log
    Format family (`MIXED_CHANGES`, in turn), made once."""

    def mixed(number: int, line: bytes) -> bytes:
        if number % MIXED_EVERY != MIXED_EVERY - 1:
            return line
        change = MIXED_CHANGES[(number // MIXED_EVERY) % len(MIXED_CHANGES)]
        return change(line.rstrip(b"\n")) + b"\n"

    return rewritten_log(log, "mixed", mixed)


# A request in quotes: its method, its target (group 1: a path) and its protocol.
_REQUEST = re.compile(rb'"[A-Z]+ (/[^" ]*) [^"]*"')


def ensure_distinct_urls_log(log: Path) -> Path:
    """`log` with a query parameter of its own on every request (`?r=N`, N its line number, or
    `&r=N` after a query): the distinct URLs of a real log (tracking ids, cache busters,
    searches), where the generator repeats a few thousand. Made once."""

    def distinct(number: int, line: bytes) -> bytes:
        # The first quoted field, when it is a request ("-", a TLS handshake's bytes and a
        # line cut short inside it are left as they are).
        request = _REQUEST.match(line, max(line.find(b'"'), 0))
        if request is None:
            return line
        end = request.end(1)
        joined = b"&" if b"?" in request.group(1) else b"?"
        return line[:end] + joined + b"r=%d" % number + line[end:]

    return rewritten_log(log, "distinct-urls", distinct)


def ensure_clean_log(log: Path) -> Path:
    """`log` without its lines cut short inside a quoted field (an odd number of `"`), made
    once: the yardstick's CSV parse, not hostile-safe, stops at the first of them."""
    return rewritten_log(log, "clean", lambda _, line: b"" if line.count(b'"') % 2 else line)


def ensure_json_log(log: Path, kind: str) -> Path:
    """`log` rewritten as `kind` JSON lines (`bench/json_logs.py`), made once."""
    converted = log.with_name(f"{log.stem}-{kind}.log")
    if converted.exists():
        return converted
    partial = converted.with_suffix(".log.partial")
    print(f"writing {converted.name} ...", file=sys.stderr, flush=True)
    subprocess.run(
        [sys.executable, str(BENCH / "json_logs.py"), str(log), kind, str(partial)], check=True
    )
    partial.replace(converted)
    return converted


def find_yardstick(given: Path | None) -> Path | None:
    """The yardstick script: `--yardstick`, else `$MICROMACRO_YARDSTICK`, else its usual place
    beside the repository; None when it is not in its usual place (its rows say so). Raises
    `FileNotFoundError` when one named is not there: a typo must not pass for a machine
    without the yardstick."""
    named = given or (Path(os.environ[YARDSTICK_ENV]) if os.environ.get(YARDSTICK_ENV) else None)
    if named is not None and not named.is_file():
        raise FileNotFoundError(named)
    path = named or DEFAULT_YARDSTICK
    return path if path.is_file() else None


def yardstick_tools(yardstick: Path | None, log: Path, scratch: Path) -> list[Tool]:
    """micromacro's full report beside the yardstick script's regex and CSV-reader parses (when
    there is a yardstick) and the minimal pass, all on `log` (the clean log)."""
    with_funnels, _ = goals_files(scratch)
    return [
        Tool("micromacro", micromacro(log, with_funnels)),
        *(
            Tool(f"yardstick-{parse}", [sys.executable, str(yardstick), str(log), "--parse", parse])
            if yardstick is not None
            else Tool(f"yardstick-{parse}", [], missing=NO_YARDSTICK)
            for parse in ("regex", "csv")
        ),
        Tool("minimal", [sys.executable, str(BENCH / "minimal_polars.py"), str(log)]),
    ]


def json_tools(log: Path, kind: str, scratch: Path) -> list[Tool]:
    """The report without funnels of a JSON-lines log, beside Polars' JSON decoder alone over
    it (`json_decode.py`: the ceiling of any reader built on that decoder)."""
    _, without_funnels = goals_files(scratch)
    return [
        Tool("micromacro", micromacro(log, without_funnels)),
        Tool("json-decode", [sys.executable, str(BENCH / "json_decode.py"), str(log), kind]),
    ]


def tools_for(log: Path, scratch: Path) -> list[Tool]:
    """The commands to time on `log`; GoAccess only where it is installed."""
    with_funnels, without_funnels = goals_files(scratch)
    tools = [
        Tool("micromacro", micromacro(log, with_funnels)),
        Tool("micromacro-no-funnels", micromacro(log, without_funnels)),
        Tool("micromacro-segments", [*micromacro(log, without_funnels), *SEGMENT_OPTIONS]),
        Tool("micromacro-day", [*micromacro(log, without_funnels), *COMPARED_DAY]),
        Tool(
            "micromacro-day-compare",
            [*micromacro(log, without_funnels), *COMPARED_DAY, "--compare", "previous"],
        ),
        Tool(
            "micromacro-combined-preset",
            [*micromacro(log, without_funnels), "--log-format", "combined"],
        ),
        Tool(
            "micromacro-nginx-format",
            [*micromacro(ensure_custom_log(log), without_funnels), "--log-format", NGINX_FORMAT],
        ),
        Tool("micromacro-mixed", micromacro(ensure_mixed_log(log), without_funnels)),
        Tool(
            "micromacro-distinct-urls",
            micromacro(ensure_distinct_urls_log(log), without_funnels),
        ),
    ]
    goaccess = shutil.which("goaccess")
    tools.append(
        Tool(
            "goaccess",
            [goaccess, str(log), "--log-format=COMBINED", "-o", str(scratch / "goaccess.json")],
        )
        if goaccess
        else Tool("goaccess", [], missing=f"{NOT_RUN}: GoAccess is not installed")
    )
    return tools


def period_tools(log: Path, scratch: Path) -> list[Tool]:
    """The whole 30-day log, its last day only (`--since`/`--until`), and that day compared
    with the same day a week before (two stretches of the file read)."""
    _, without_funnels = goals_files(scratch)
    day = ["--since", LAST_DAY, "--until", LAST_DAY]
    return [
        Tool("micromacro-30d", micromacro(log, without_funnels)),
        Tool("micromacro-30d-last-day", [*micromacro(log, without_funnels), *day]),
        Tool(
            "micromacro-30d-last-day-week",
            [*micromacro(log, without_funnels), *day, "--compare", "previous-week"],
        ),
    ]


def cached(argv: list[str], cache: Path) -> list[str]:
    """A micromacro command (`micromacro`) with the hit cache in `cache` instead of none."""
    return [*argv[: argv.index("--no-cache")], "--cache", str(cache)]


def cache_tools(log: Path, scratch: Path) -> list[Tool]:
    """The report parsed (`--no-cache`), read back from a filled hit cache, and of a cached
    copy of the log grown since by `GROWN_PERCENT`%: the first run of each fills its cache
    (untimed); the grown copy gets its new lines then, so every timed run parses only them
    (the entry is rewritten only once a file has grown by a sixteenth)."""
    with_funnels, _ = goals_files(scratch)
    cold = micromacro(log, with_funnels)
    warm = cached(cold, scratch / "cache-warm")
    grown_log = scratch / "grown.log"
    grown = cached(micromacro(grown_log, with_funnels), scratch / "cache-grown")

    def fill_warm() -> None:
        subprocess.run(warm, cwd=ROOT, stdout=subprocess.DEVNULL, check=True)

    def fill_grown() -> None:
        # Copied line by line: this process's own peak memory would show in the children's
        # (a child's peak RSS starts from its parent's at the fork).
        kept = count_lines(log) * 100 // (100 + GROWN_PERCENT)
        with log.open("rb") as source:
            with grown_log.open("wb") as target:
                target.writelines(itertools.islice(source, kept))
            subprocess.run(grown, cwd=ROOT, stdout=subprocess.DEVNULL, check=True)
            with grown_log.open("ab") as target:
                target.writelines(source)

    rotated_folder = scratch / f"{log.stem}-rotated"  # the sizes share the scratch folder
    rotated = cached(
        micromacro(rotated_folder / "access.log*", with_funnels),
        scratch / f"{log.stem}-cache-rotated",
    )

    def fill_rotated() -> None:
        if rotated_folder.exists():
            return  # made, and its cache filled, for the other rotated row
        rotate(log, rotated_folder, ROTATED_FILES)
        subprocess.run(rotated, cwd=ROOT, stdout=subprocess.DEVNULL, check=True)

    # The default first run: the cache on, in a directory emptied before each run, so that it
    # parses the log and writes its entry.
    first = [
        "sh",
        "-c",
        'rm -rf -- "$0" && exec "$@"',
        str(scratch / "cache-first"),
        *cached(cold, scratch / "cache-first"),
    ]
    return [
        Tool("micromacro", cold),
        Tool("micromacro-first-cached", first),
        Tool("micromacro-warm", warm, fill_warm),
        Tool("micromacro-grown", grown, fill_grown),
        Tool("micromacro-warm-rotated", rotated, fill_rotated),
        Tool("micromacro-warm-rotated-day", [*rotated, *COMPARED_DAY], fill_rotated),
        # What every run costs whatever its input: start-up, imports, the report of 5,000 lines.
        Tool("micromacro-sample", micromacro(SAMPLE_LOG, with_funnels)),
    ]


def rotate(log: Path, folder: Path, files: int) -> None:
    """Cut `log` into `files` files of as many lines each, named as logrotate names them
    (`access.log` the newest, then `access.log.1`, `access.log.2.gz`, …), all but the two
    newest compressed."""
    per_file = -(-count_lines(log) // files)
    folder.mkdir()
    with log.open("rb") as source:
        for age in range(files - 1, -1, -1):  # the oldest lines first
            lines = itertools.islice(source, per_file)
            if age < 2:
                name = "access.log" if age == 0 else "access.log.1"
                with (folder / name).open("wb") as target:
                    target.writelines(lines)
            else:
                with gzip.open(folder / f"access.log.{age}.gz", "wb", compresslevel=1) as target:
                    target.writelines(lines)


def spill_tools(log: Path, scratch: Path) -> list[Tool]:
    """The report without funnels with every counted hit in memory, and with them spilled to
    disk past `--hit-memory SPILL_MEMORY` and reported a partition of visitors at a time."""
    _, without_funnels = goals_files(scratch)
    argv = micromacro(log, without_funnels)
    return [
        Tool("micromacro-no-funnels", argv),
        Tool("micromacro-spilled", [*argv, "--hit-memory", SPILL_MEMORY]),
    ]


def ensure_identical_log(lines: int) -> Path:
    """`access-identical-<lines>.log.gz`: `IDENTICAL_LINE` `lines` times, made once."""
    path = DATA / f"access-identical-{lines}.log.gz"
    if path.exists():
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    print(f"writing {path.name} ...", file=sys.stderr, flush=True)
    partial = path.with_suffix(".gz.partial")
    block = IDENTICAL_LINE * 10_000
    with gzip.open(partial, "wb", compresslevel=1) as target:
        for _ in range(lines // 10_000):
            target.write(block)
        target.write(IDENTICAL_LINE * (lines % 10_000))
    partial.replace(path)
    return path


def identical_tools(log: Path, scratch: Path) -> list[Tool]:
    """The report without funnels of the worst case: every line one counted page."""
    _, without_funnels = goals_files(scratch)
    return [Tool("micromacro", micromacro(log, without_funnels))]


@dataclass(frozen=True)
class Run:
    """One run of a command: wall and CPU seconds, peak RSS, exit code, last line of stderr."""

    seconds: float
    cpu_seconds: float
    rss_bytes: int
    code: int
    last: str


def run_once(argv: Sequence[str], timeout: float) -> Run:
    """Run `argv` from the repository root, stdout to /dev/null."""
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        proc = subprocess.Popen(
            argv, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errors
        )
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        errors.seek(0)
        tail = errors.read().decode("utf-8", "replace").strip().splitlines()
    last = tail[-1] if tail else ""
    if proc.returncode < 0:
        last = f"killed by signal {-proc.returncode}" + (" (timeout)" if seconds >= timeout else "")
    cpu = usage.ru_utime + usage.ru_stime
    return Run(seconds, cpu, usage.ru_maxrss * 1024, proc.returncode, last)


def logs_named(argv: Sequence[str]) -> list[Path]:
    """The files a command reads: its arguments that are files ending in ``.log`` or ``.gz``,
    every file a quoted glob among them matches (rotated logs: ``access.log*``), and the
    entries of the hit cache directory it names (``--cache DIR``)."""
    found: list[Path] = []
    for before, arg in zip(["", *argv], argv, strict=False):
        path = Path(arg) if Path(arg).is_absolute() else ROOT / arg
        if before == "--cache":
            found += sorted(path.glob("hits-*.parquet"))
        elif glob.has_magic(arg):
            found += sorted(Path(name) for name in glob.glob(str(path)) if os.path.isfile(name))
        elif path.suffix in LOG_SUFFIXES and path.is_file():
            found.append(path)
    return found


def read_through(paths: Sequence[Path]) -> None:
    """Read each file to its end, so that a run finds it in the page cache: the machine may
    reclaim a file's pages between two reads of it a minute apart, and a run that reads its
    input from the disk costs more wall and CPU time (threads waiting on it spin) than one
    that reads it from memory, which would skew a ratio of two runs on different files."""
    for path in paths:
        with path.open("rb", buffering=0) as handle:
            while handle.read(PAGE_CACHE_BLOCK):
                pass


def measure_all(tools: list[Tool], repeat: int, timeout: float) -> dict[str, Measure]:
    """Each tool's median run, by tool name: the tools run in turn, `repeat` rounds (so a
    machine whose speed drifts slows them alike); a tool's first failure ends its runs."""
    runs: dict[str, list[Run]] = {tool.name: [] for tool in tools}
    failed: dict[str, str] = {tool.name: tool.missing for tool in tools if tool.missing}
    for tool in tools:
        if tool.setup is not None and not tool.missing:
            tool.setup()
    for attempt in range(1, repeat + 1):
        for tool in tools:
            if tool.name in failed:
                continue
            read_through(logs_named(tool.argv))
            try:
                run = run_once(tool.argv, timeout)
            except OSError as error:  # the program could not be started
                failed[tool.name] = str(error)
                continue
            if run.code != 0:
                failed[tool.name] = f"exit {run.code}: {run.last[:160]}"
                print(f"    {tool.name} FAILED: {failed[tool.name]}", file=sys.stderr, flush=True)
                continue
            runs[tool.name].append(run)
            print(
                f"    {tool.name} run {attempt}: {run.seconds:.2f} s, CPU {run.cpu_seconds:.2f} s, "
                f"{run.rss_bytes / MIB:.0f} MB",
                file=sys.stderr,
                flush=True,
            )
    return {
        tool.name: median_measure(tool.name, runs[tool.name], failed.get(tool.name))
        for tool in tools
    }


def median_measure(tool: str, runs: list[Run], error: str | None) -> Measure:
    """The run of median wall time (with its CPU time and RSS), or the failure."""
    if error is not None or not runs:
        return Measure(tool, error=error or "no run")
    ordered = sorted(runs, key=lambda run: run.seconds)
    middle = ordered[(len(ordered) - 1) // 2]
    return Measure(tool, middle.seconds, middle.rss_bytes, cpu_seconds=middle.cpu_seconds)


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, or None when either is missing."""
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def verdict(value: float | None, target: float | None, at_least: bool) -> str:
    """`met`, `MISSED`, `n/a` when the ratio could not be computed, `-` without a bound."""
    if value is None:
        return "n/a"
    if target is None:
        return "-"
    met = value >= target if at_least else value <= target
    return "met" if met else "MISSED"


def table_rows(results: list[FileResult]) -> list[list[str]]:
    """One row per (file, tool)."""
    rows = []
    for result in results:
        size_mb = result.size_bytes / MIB
        for tool, m in result.measures.items():
            start = [result.path.name, f"{result.lines:,}", f"{size_mb:,.0f}", tool]
            if m.seconds is None or m.rss_bytes is None:
                outcome = "-" if m.error.startswith(NOT_RUN) else "FAILED"
                rows.append([*start, outcome, "", "", "", "", m.error])
                continue
            own_input = tool not in OTHER_INPUTS  # else the file's figures are not its own
            rows.append(
                [
                    *start,
                    f"{m.seconds:.2f}",
                    "" if m.cpu_seconds is None else f"{m.cpu_seconds:.2f}",
                    f"{result.lines / m.seconds:,.0f}" if own_input else "",
                    f"{m.rss_bytes / MIB:,.0f}",
                    f"{m.rss_bytes / result.size_bytes:.2f}" if own_input else "",
                    OTHER_INPUTS.get(tool, ""),
                ]
            )
    return rows


@dataclass(frozen=True)
class Target:
    """A ratio of two tools' times on one file and the bound it must keep (by the least number
    of lines each bound applies to; none: a figure to watch)."""

    label: str
    numerator: str
    denominator: str
    bounds: tuple[tuple[int, float], ...]
    at_least: bool
    digits: int = 2

    def bound(self, lines: int) -> float | None:
        """The bound on a file of `lines` lines."""
        return next((bound for least, bound in self.bounds if lines >= least), None)


def everywhere(bound: float) -> tuple[tuple[int, float], ...]:
    """One bound for every file."""
    return ((0, bound),)


TARGETS: tuple[Target, ...] = (
    Target(
        "micromacro / yardstick regex",
        "micromacro",
        "yardstick-regex",
        everywhere(YARDSTICK_REGEX_TARGET),
        False,
    ),
    Target(
        "micromacro / yardstick csv",
        "micromacro",
        "yardstick-csv",
        everywhere(YARDSTICK_CSV_TARGET),
        False,
    ),
    Target("micromacro / minimal", "micromacro", "minimal", (), False),
    Target(
        "warm (hit cache) / cold", "micromacro-warm", "micromacro", everywhere(WARM_TARGET), False
    ),
    Target(
        f"grown by {GROWN_PERCENT}% / cold",
        "micromacro-grown",
        "micromacro",
        everywhere(GROWN_TARGET),
        False,
    ),
    Target("sample-log report / cold", "micromacro-sample", "micromacro", (), False),
    Target(
        f"{ROTATED_FILES} rotated logs / one log (both cached)",
        "micromacro-warm-rotated",
        "micromacro-warm",
        (),
        False,
    ),
    Target(
        "a day / every day of the rotated logs (cached)",
        "micromacro-warm-rotated-day",
        "micromacro-warm-rotated",
        (),
        False,
    ),
    Target("micromacro / JSON decode alone", "micromacro", "json-decode", (), False),
    Target("goaccess / micromacro", "goaccess", "micromacro", GOACCESS_TARGETS, True, 1),
    Target(
        f"spilled (--hit-memory {SPILL_MEMORY}) / in memory",
        "micromacro-spilled",
        "micromacro-no-funnels",
        (),
        False,
    ),
    Target(
        "with / without funnels",
        "micromacro",
        "micromacro-no-funnels",
        everywhere(FUNNELS_TARGET),
        False,
    ),
    Target(
        "nginx format / combined preset",
        "micromacro-nginx-format",
        "micromacro-combined-preset",
        everywhere(FORMAT_STRING_TARGET),
        False,
    ),
    Target(
        "segments / no segments",
        "micromacro-segments",
        "micromacro-no-funnels",
        everywhere(SEGMENTS_TARGET),
        False,
    ),
    Target(
        "30-day log / its last day",
        "micromacro-30d",
        "micromacro-30d-last-day",
        everywhere(PERIOD_TARGET),
        True,
        1,
    ),
    Target(
        "day with --compare / day",
        "micromacro-day-compare",
        "micromacro-day",
        everywhere(COMPARE_TARGET),
        False,
    ),
    Target(
        "5% variant lines / clean",
        "micromacro-mixed",
        "micromacro-no-funnels",
        everywhere(MIXED_TARGET),
        False,
    ),
    Target(
        "a distinct URL a line / clean",
        "micromacro-distinct-urls",
        "micromacro-no-funnels",
        (),
        False,
    ),
)


def ratio_rows(results: list[FileResult]) -> list[list[str]]:
    """The target ratios of each file whose tools both ran: value (wall, and CPU), bound,
    verdict; and for a JSON-lines log, its lines per second."""
    rows = []
    for result in results:
        for target in TARGETS:
            if target.numerator not in result.measures or target.denominator not in result.measures:
                continue
            numerator = result.measures[target.numerator]
            denominator = result.measures[target.denominator]
            value = ratio(numerator.seconds, denominator.seconds)
            cpu = ratio(numerator.cpu_seconds, denominator.cpu_seconds)
            bound = target.bound(result.lines)
            rows.append(
                [
                    result.path.name,
                    target.label,
                    "n/a" if value is None else f"{value:.{target.digits}f}x",
                    "n/a" if cpu is None else f"{cpu:.{target.digits}f}x",
                    "-" if bound is None else f"{'>=' if target.at_least else '<='} {bound:g}x",
                    verdict(value, bound, at_least=target.at_least),
                ]
            )
        rows += rss_rows(result)
        if result.label.endswith(JSON_FORMATS):
            rows += json_rate_rows(result)
    return rows


def rss_rows(result: FileResult) -> list[list[str]]:
    """The peak RSS of the runs of ``RSS_TOOLS`` on a file against its size (a compressed log's
    uncompressed size), where a bound applies."""
    rows = []
    for tool in RSS_TOOLS:
        measure = result.measures.get(tool)
        if result.uncompressed_bytes:
            size, label = result.uncompressed_bytes, "uncompressed size"
            bound: float | None = IDENTICAL_RSS_TARGET
        else:
            size, label = result.size_bytes, "file size"
            bound = next((b for least, b in RSS_TARGETS if result.lines >= least), None)
        if measure is None or bound is None:
            continue
        share = None if measure.rss_bytes is None else measure.rss_bytes / size
        rows.append(
            [
                result.path.name,
                f"peak RSS / {label}" + ("" if tool == "micromacro" else f" ({tool})"),
                "n/a" if share is None else f"{share:.2f}x",
                "",
                f"<= {bound:g}x",
                verdict(share, bound, at_least=False),
            ]
        )
    return rows


def json_rate_rows(result: FileResult) -> list[list[str]]:
    """The lines per second of micromacro's report of a JSON-lines log (and its target), and of
    the decoder alone (no target: the ceiling)."""
    rows = []
    for tool, target in (("micromacro", JSON_RATE_TARGET), ("json-decode", None)):
        if tool not in result.measures:
            continue
        seconds = result.seconds(tool)
        rate = None if seconds is None else result.lines / seconds
        rows.append(
            [
                result.path.name,
                f"JSON lines: {tool} lines/s",
                "n/a" if rate is None else f"{rate:,.0f}",
                "",
                "-" if target is None else f">= {target:,}",
                verdict(rate, target, at_least=True),
            ]
        )
    return rows


MAIN_HEADER = [
    "file",
    "lines",
    "size MB",
    "tool",
    "seconds",
    "CPU s",
    "lines/s",
    "peak RSS MB",
    "RSS / file size",
    "note",
]
RATIO_HEADER = ["file", "ratio", "wall", "CPU", "target", "verdict"]


def plain_table(header: list[str], rows: list[list[str]]) -> str:
    """Columns padded to width; text left-aligned, figures right-aligned."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=False)]

    def line(cells: list[str]) -> str:
        out = []
        for cell, width in zip(cells, widths, strict=True):
            numeric = cell[:1].isdigit() and not cell.endswith(".log")
            out.append(cell.rjust(width) if numeric else cell.ljust(width))
        return "  ".join(out).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in rows])


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    """A GitHub-flavoured markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def environment() -> str:
    """One line describing the machine and tool versions, for the results section."""
    try:
        import polars

        polars_version = polars.__version__
    except ImportError:
        polars_version = "not installed"
    goaccess = shutil.which("goaccess")
    goaccess_version = "not installed"
    if goaccess:
        out = subprocess.run([goaccess, "--version"], capture_output=True, text=True).stdout
        goaccess_version = out.splitlines()[0].strip(" -.") if out else "?"
    return (
        f"{os.cpu_count()} CPUs, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, Polars {polars_version}, {goaccess_version}"
    )


def report(results: list[FileResult], markdown: bool) -> str:
    """The results as plain text or markdown tables."""
    render = markdown_table if markdown else plain_table
    return "\n\n".join(
        [
            environment(),
            render(MAIN_HEADER, table_rows(results)),
            render(RATIO_HEADER, ratio_rows(results)),
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default="1M,5M",
        help="comma-separated line counts, e.g. 1M,5M or 200k (default 1M,5M)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="rounds of runs (default 3)")
    parser.add_argument(
        "--timeout",
        type=float,
        default=1800.0,
        help="seconds before a run is killed (default 1800)",
    )
    parser.add_argument("--markdown", action="store_true", help="print markdown tables")
    parser.add_argument(
        "--yardstick",
        type=Path,
        help="the yardstick script (FILE --parse regex|csv: the shortest Polars pass over a "
        f"combined log); default ${YARDSTICK_ENV}, else near_limit_polars.py in the shared "
        "bench folder beside the repository; left out when missing",
    )
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated groups to run: log (the generated log's rows), yardstick, json, "
        "month, cache, spill, large, identical (default all)",
    )
    parser.add_argument(
        "--large",
        default=LARGE_SIZE,
        help=f"line count of the large group's log, one round (default {LARGE_SIZE})",
    )
    parser.add_argument(
        "--no-month", action="store_true", help="skip the 30-day log (periods and seeking)"
    )
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    groups = {g.strip() for g in args.only.split(",") if g.strip()} or set(GROUPS)
    if unknown := groups - set(GROUPS):
        parser.error(f"unknown groups: {', '.join(sorted(unknown))}")
    if args.no_month:
        groups.discard("month")
    try:
        yardstick = find_yardstick(args.yardstick)
    except FileNotFoundError as missing:
        parser.error(f"no yardstick script at {missing}")
    if yardstick is None and groups & {"yardstick", "large"}:
        print(f"{NO_YARDSTICK}: its targets read n/a", file=sys.stderr, flush=True)

    compile_package()
    results = []
    with tempfile.TemporaryDirectory(prefix="micromacro-bench-") as scratch:
        for label in (s.strip() for s in args.sizes.split(",") if s.strip()):
            lines = parse_size(label)
            log = ensure_log(label, lines)
            files: list[tuple[str, Path, int, list[Tool]]] = []
            if "log" in groups:
                files.append((label, log, lines, tools_for(log, Path(scratch))))
            if "yardstick" in groups:
                clean = ensure_clean_log(log)
                clean_lines = count_lines(clean)
                files.append(
                    (
                        f"{label}-clean",
                        clean,
                        clean_lines,
                        yardstick_tools(yardstick, clean, Path(scratch)),
                    )
                )
            if "json" in groups:
                for kind in JSON_FORMATS:
                    converted = ensure_json_log(log, kind)
                    files.append(
                        (
                            f"{label}-{kind}",
                            converted,
                            lines,
                            json_tools(converted, kind, Path(scratch)),
                        )
                    )
            if "month" in groups:
                month = ensure_log(label, lines, days=PERIOD_DAYS)
                files.append((f"{label}-30d", month, lines, period_tools(month, Path(scratch))))
            if "cache" in groups:
                files.append((f"{label}-cache", log, lines, cache_tools(log, Path(scratch))))
            if "spill" in groups:
                files.append((f"{label}-spill", log, lines, spill_tools(log, Path(scratch))))
            for name, path, count, tools in files:
                print(f"{path.name}:", file=sys.stderr, flush=True)
                measures = measure_all(tools, args.repeat, args.timeout)
                results.append(FileResult(name, path, count, measures))
        if "large" in groups:
            lines = parse_size(args.large)
            clean = ensure_clean_log(ensure_log(args.large, lines))
            print(f"{clean.name} (one round):", file=sys.stderr, flush=True)
            tools = yardstick_tools(yardstick, clean, Path(scratch))
            measures = measure_all(tools, 1, args.timeout)
            results.append(FileResult(f"{args.large}-clean", clean, count_lines(clean), measures))
        if "identical" in groups:
            identical = ensure_identical_log(IDENTICAL_LINES)
            print(f"{identical.name} (one round):", file=sys.stderr, flush=True)
            measures = measure_all(identical_tools(identical, Path(scratch)), 1, args.timeout)
            size = IDENTICAL_LINES * len(IDENTICAL_LINE)
            results.append(FileResult("identical", identical, IDENTICAL_LINES, measures, size))
    print(report(results, args.markdown))
    return 0


GROUPS = ("log", "yardstick", "json", "month", "cache", "spill", "large", "identical")


def compile_package() -> None:
    """Compile micromacro's modules to bytecode first, as installing a package does: so no
    timed run spends its start compiling them (when `PYTHONDONTWRITEBYTECODE` is set, Python
    reads compiled modules but never writes them)."""
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(ROOT / "micromacro")],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def count_lines(path: Path) -> int:
    """The number of lines of `path`."""
    with path.open("rb") as handle:
        return sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 24), b""))


if __name__ == "__main__":
    sys.exit(main())
