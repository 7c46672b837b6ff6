"""Benchmark micromacro against GoAccess and a minimal Polars pass (not run in CI).

    python bench/run_bench.py                    # 1M and 5M lines, best of 3
    python bench/run_bench.py --sizes 1M --repeat 1 --markdown

Generates `bench/data/access-<size>.log` with `bench/generate_log.py` when missing (fixed seed),
then times each tool as a whole process: wall time and the child's peak RSS (from `os.wait4`).
Each command runs `--repeat` times; the best time (and that run's RSS) is reported.  A tool that
fails is reported as failed, and the other tools still run.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DATA = BENCH / "data"
GOALS = ROOT / "goals.example.yaml"
FUNNELS = BENCH / "funnels.yaml"
SEED = 2026  # the generator's seed for every benchmark file
GOACCESS_TARGET = 10.0  # goaccess_s / micromacro_s at least this (judged on the 5M file)
MINIMAL_TARGET = 1.3  # micromacro_s / minimal_s at most this
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
MIB = 1024 * 1024


@dataclass(frozen=True)
class Tool:
    """A command to time: its name and its argument list for a given log file."""

    name: str
    argv: list[str]


@dataclass
class Measure:
    """The best run of one tool on one file (or why it failed)."""

    tool: str
    seconds: float | None = None
    rss_bytes: int | None = None
    error: str = ""


@dataclass
class FileResult:
    """A benchmark file and the measures of every tool on it."""

    label: str
    path: Path
    lines: int
    measures: dict[str, Measure]

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


def ensure_mixed_log(log: Path) -> Path:
    """`log` with every `MIXED_EVERY`th line changed into another variant of the Common Log
    Format family (`MIXED_CHANGES`, in turn), made once."""
    mixed = log.with_name(log.stem + "-mixed.log")
    if mixed.exists():
        return mixed
    partial = mixed.with_suffix(".log.partial")
    with log.open("rb") as source, partial.open("wb") as target:
        for number, line in enumerate(source):
            if number % MIXED_EVERY == MIXED_EVERY - 1:
                change = MIXED_CHANGES[(number // MIXED_EVERY) % len(MIXED_CHANGES)]
                line = change(line.rstrip(b"\n")) + b"\n"
            target.write(line)
    partial.replace(mixed)
    return mixed


def yardstick_tools(yardstick: Path | None, log: Path) -> list[Tool]:
    """The yardstick script (the shortest Polars pass over a combined log) with its regex and
    CSV-reader parses, when one is given."""
    if yardstick is None:
        return []
    return [
        Tool(f"yardstick-{parse}", [sys.executable, str(yardstick), str(log), "--parse", parse])
        for parse in ("regex", "csv")
    ]


def tools_for(log: Path, scratch: Path, yardstick: Path | None = None) -> list[Tool]:
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
        *yardstick_tools(yardstick, log),
    ]
    goaccess = shutil.which("goaccess")
    if goaccess:
        tools.append(
            Tool(
                "goaccess",
                [goaccess, str(log), "--log-format=COMBINED", "-o", str(scratch / "goaccess.json")],
            )
        )
    tools.append(Tool("minimal", [sys.executable, str(BENCH / "minimal_polars.py"), str(log)]))
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


def run_once(argv: Sequence[str], timeout: float) -> tuple[float, int, int, str]:
    """Run `argv` from the repository root, stdout to /dev/null.

    Returns (wall seconds, peak RSS in bytes, exit code, last line of stderr).
    """
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
    return seconds, usage.ru_maxrss * 1024, proc.returncode, last


def measure(tool: Tool, repeat: int, timeout: float) -> Measure:
    """Best of `repeat` runs; the first failure ends the tool's runs."""
    best = Measure(tool.name)
    for attempt in range(1, repeat + 1):
        try:
            seconds, rss, code, last = run_once(tool.argv, timeout)
        except OSError as error:  # the program could not be started
            return Measure(tool.name, error=str(error))
        if code != 0:
            return Measure(tool.name, error=f"exit {code}: {last[:160]}")
        print(
            f"    {tool.name} run {attempt}: {seconds:.2f} s, {rss / MIB:.0f} MB",
            file=sys.stderr,
            flush=True,
        )
        if best.seconds is None or seconds < best.seconds:
            best = Measure(tool.name, seconds, rss)
    return best


def measure_all(tools: list[Tool], repeat: int, timeout: float) -> dict[str, Measure]:
    """Each tool's best run, by tool name (failures reported on stderr)."""
    measures = {}
    for tool in tools:
        measures[tool.name] = measure(tool, repeat, timeout)
        if measures[tool.name].error:
            print(
                f"    {tool.name} FAILED: {measures[tool.name].error}", file=sys.stderr, flush=True
            )
    return measures


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
            if m.seconds is None or m.rss_bytes is None:
                rows.append(
                    [
                        result.path.name,
                        f"{result.lines:,}",
                        f"{size_mb:,.0f}",
                        tool,
                        "FAILED",
                        "",
                        "",
                        "",
                        m.error,
                    ]
                )
                continue
            rows.append(
                [
                    result.path.name,
                    f"{result.lines:,}",
                    f"{size_mb:,.0f}",
                    tool,
                    f"{m.seconds:.2f}",
                    f"{result.lines / m.seconds:,.0f}",
                    f"{m.rss_bytes / MIB:,.0f}",
                    f"{m.rss_bytes / result.size_bytes:.2f}",
                    "",
                ]
            )
    return rows


@dataclass(frozen=True)
class Target:
    """A ratio of two tools' best times and the bound it must keep."""

    label: str
    numerator: str
    denominator: str
    bound: float | None  # None: a figure to watch, with no bound
    at_least: bool
    digits: int = 2


TARGETS: tuple[Target, ...] = (
    Target("goaccess / micromacro", "goaccess", "micromacro", GOACCESS_TARGET, True, 1),
    Target("micromacro / minimal", "micromacro", "minimal", MINIMAL_TARGET, False),
    Target("with / without funnels", "micromacro", "micromacro-no-funnels", FUNNELS_TARGET, False),
    Target(
        "nginx format / combined preset",
        "micromacro-nginx-format",
        "micromacro-combined-preset",
        FORMAT_STRING_TARGET,
        False,
    ),
    Target(
        "segments / no segments",
        "micromacro-segments",
        "micromacro-no-funnels",
        SEGMENTS_TARGET,
        False,
    ),
    Target(
        "30-day log / its last day",
        "micromacro-30d",
        "micromacro-30d-last-day",
        PERIOD_TARGET,
        True,
        1,
    ),
    Target(
        "day with --compare / day",
        "micromacro-day-compare",
        "micromacro-day",
        COMPARE_TARGET,
        False,
    ),
    Target(
        "5% variant lines / clean",
        "micromacro-mixed",
        "micromacro-no-funnels",
        MIXED_TARGET,
        False,
    ),
    Target("micromacro / yardstick regex", "micromacro-no-funnels", "yardstick-regex", None, False),
    Target("micromacro / yardstick csv", "micromacro-no-funnels", "yardstick-csv", None, False),
)


def ratio_rows(results: list[FileResult]) -> list[list[str]]:
    """The target ratios per file: value, bound and verdict each (``n/a`` where a tool did not
    run on that file)."""
    rows = []
    for result in results:
        row = [result.path.name]
        for target in TARGETS:
            value = ratio(result.seconds(target.numerator), result.seconds(target.denominator))
            bound = (
                "-"
                if target.bound is None
                else f"{'>=' if target.at_least else '<='} {target.bound:g}x"
            )
            row += [
                "n/a" if value is None else f"{value:.{target.digits}f}x",
                bound,
                verdict(value, target.bound, at_least=target.at_least),
            ]
        rows.append(row)
    return rows


MAIN_HEADER = [
    "file",
    "lines",
    "size MB",
    "tool",
    "seconds",
    "lines/s",
    "peak RSS MB",
    "RSS / file size",
    "note",
]
RATIO_HEADER = ["file"] + [
    name for target in TARGETS for name in (target.label, "target", "verdict")
]


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
            f"Targets: goaccess / micromacro >= {GOACCESS_TARGET:g}x on the 5M file; "
            f"micromacro / minimal <= {MINIMAL_TARGET:g}x; "
            f"micromacro / micromacro-no-funnels <= {FUNNELS_TARGET:g}x; "
            f"nginx format string / combined preset <= {FORMAT_STRING_TARGET:g}x; "
            f"--by channel --by device --by landing_page / none <= {SEGMENTS_TARGET:g}x; "
            f"30-day log / --since its last day >= {PERIOD_TARGET:g}x; "
            f"a day with --compare previous / the day alone <= {COMPARE_TARGET:g}x; "
            f"a log with 5% variant lines / the clean log <= {MIXED_TARGET:g}x. The yardstick "
            "ratios (--yardstick) are figures to watch, with no bound of their own.",
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
    parser.add_argument("--repeat", type=int, default=3, help="runs per command (default 3)")
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
        help="a yardstick script (FILE --parse regex|csv: the shortest Polars pass over a "
        "combined log) to time beside micromacro",
    )
    parser.add_argument(
        "--no-month", action="store_true", help="skip the 30-day log (periods and seeking)"
    )
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    results = []
    with tempfile.TemporaryDirectory(prefix="micromacro-bench-") as scratch:
        for label in (s.strip() for s in args.sizes.split(",") if s.strip()):
            lines = parse_size(label)
            log = ensure_log(label, lines)
            print(f"{log.name}:", file=sys.stderr, flush=True)
            tools = tools_for(log, Path(scratch), args.yardstick)
            measures = measure_all(tools, args.repeat, args.timeout)
            results.append(FileResult(label, log, lines, measures))
            if args.no_month:
                continue
            month = ensure_log(label, lines, days=PERIOD_DAYS)
            print(f"{month.name}:", file=sys.stderr, flush=True)
            measures = measure_all(period_tools(month, Path(scratch)), args.repeat, args.timeout)
            results.append(FileResult(f"{label}-30d", month, lines, measures))
    print(report(results, args.markdown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
