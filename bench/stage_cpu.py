"""Where a report's CPU time goes: each stage of one `micromacro report` timed on one core.

    python bench/stage_cpu.py LOG [LOG...] [--goals FILE] [--yardstick PATH]

The report runs in this process with Polars on one thread and its read in turn (the threads
that read and parse a chunk ahead of the one being classified are replaced by plain
iteration); each stage is timed by the process's CPU time, so that the few stages that still
run small pools of their own (the format's detection tries its families side by side, the
report after the read makes some tables beside others) count what all their threads spent,
and the stages add up to the run's CPU time.
Beside it the yardstick (`near_limit_polars.py`, regex parse) runs on one thread too, as a
whole process. Prints a table of the stages: the start-up and imports, the format's
detection, reading the lines, parsing them, classifying them, adding them up, and the report
after the read (sessions, goals, funnels and tables), and how the total compares with the
yardstick's. Given several logs (a month of rotated ones, say), the report reads them all and
the yardstick, which reads one file, is not run.

A stage this script times is named by the function that makes it (`reading.read_hits`,
`FamilyParser.read_first`, …); where one it replaces is renamed, the script stops and says
which. Without `--goals` the report finds a goals file as `report` does (`goals.yaml` of the
current directory, if there is one).
Not run in CI; run it on an otherwise idle machine, from the repository root.
"""

from __future__ import annotations

import argparse
import functools
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

# Before Polars is imported: one thread, the stages in turn.
os.environ["POLARS_MAX_THREADS"] = "1"

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
DEFAULT_YARDSTICK = ROOT.parent / "shared" / "bench" / "near_limit_polars.py"

import micromacro.cli as cli  # noqa: E402
import micromacro.hit_collection as hit_collection  # noqa: E402
import micromacro.inputs as inputs  # noqa: E402
import micromacro.logformats.families as families  # noqa: E402
import micromacro.reading as reading  # noqa: E402
import micromacro.report as report  # noqa: E402

_IMPORTED = time.process_time()  # the interpreter's start and the imports
_SPENT: dict[str, list[float]] = {}


def _existing(owner: object, name: str) -> object:
    """``owner.name``; the script stops where it is gone (renamed since it was written)."""
    if not hasattr(owner, name):
        sys.exit(f"stage_cpu: {owner!r} has no {name} any more: update this script")
    return getattr(owner, name)


def _timed(owner: object, name: str, label: str) -> None:
    """Replace ``owner.name`` by the same function adding its CPU time to ``label``."""
    function = _existing(owner, name)
    assert callable(function)

    @functools.wraps(function)
    def timed(*args: object, **kwargs: object) -> object:
        start = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            _SPENT.setdefault(label, []).append(time.process_time() - start)

    setattr(owner, name, timed)


def _in_turn(label: str) -> Callable[..., Iterator[object]]:
    """A stand-in for ``read_ahead``: the items in turn, each one's making (CPU time) added to
    ``label``."""

    def iterate(items: Iterable[object], **_: object) -> Iterator[object]:
        it = iter(items)
        while True:
            start = time.process_time()
            try:
                item = next(it)
            except StopIteration:
                return
            finally:
                _SPENT.setdefault(label, []).append(time.process_time() - start)
            yield item

    return iterate


def _instrument() -> None:
    for owner, name in ((inputs, "read_ahead"), (reading, "read_ahead"), (reading, "_PARSERS")):
        _existing(owner, name)
    inputs.read_ahead = _in_turn("read the lines")  # type: ignore[assignment]
    # The chunks are parsed as they are taken: the parse is timed on its own.
    reading.read_ahead = _in_turn("_chunks")  # type: ignore[assignment]
    reading._PARSERS = 1  # type: ignore[attr-defined]
    _timed(reading, "choose_format_for", "detect the format")
    _timed(families.FamilyParser, "read_first", "parse")
    _timed(reading, "classify_lines", "classify")
    _timed(reading, "unreadable_malformed", "classify")
    _timed(hit_collection.HitAccumulator, "add", "add up")
    _timed(reading, "read_hits", "_read")
    _timed(report, "_report_of", "report after the read")


def _yardstick_cpu(path: Path, log: str) -> float | None:
    """The yardstick's CPU seconds on one thread, as a whole process (None: not found)."""
    if not path.exists():
        return None
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        [sys.executable, str(path), log, "--parse", "regex"],
        check=True,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "POLARS_MAX_THREADS": "1"},
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("logs", nargs="+", metavar="log")
    parser.add_argument("--goals", help="goals file (default: as report finds one)")
    parser.add_argument("--yardstick", default=str(DEFAULT_YARDSTICK))
    args = parser.parse_args()
    _instrument()
    argv = ["report", *args.logs, "--format", "json", "--no-cache", "--quiet"]
    argv += ["--goals", args.goals] if args.goals else []
    started = time.process_time()
    with tempfile.TemporaryDirectory() as scratch:  # the report is written, not shown
        output = ["--output", str(Path(scratch) / "report.json")]
        try:
            cli.cli.main([*argv, *output], prog_name="micromacro")
        except SystemExit as done:  # the command's end: anything but 0 is its failure
            if done.code:
                raise
    run = time.process_time() - started
    cpu = time.process_time()
    spent = {label: sum(times) for label, times in _SPENT.items()}
    # The chunk iterator's time holds the reading and the parse; the read holds them all.
    rows = [("start-up and imports", _IMPORTED, "")]
    for label in ("detect the format", "read the lines", "parse", "classify", "add up"):
        calls = len(_SPENT.get(label, []))
        rows.append((label, spent.get(label, 0.0), f"{calls} calls"))
    accounted = sum(spent.get(label, 0.0) for label in ("read the lines", "parse"))
    accounted += sum(spent.get(label, 0.0) for label in ("classify", "add up"))
    rows.append(("the rest of the read", spent.get("_read", 0.0) - accounted, ""))
    rows.append(("report after the read", spent.get("report after the read", 0.0), ""))
    known = sum(row[1] for row in rows) - _IMPORTED
    rows.append(("the rest (options, rendering, output)", run - known, ""))
    print(f"{'stage':40s} {'seconds':>8s}  note")
    for label, seconds, note in rows:
        print(f"{label:40s} {seconds:8.3f}  {note}")
    print(f"{'micromacro, whole run':40s} {cpu:8.3f}  process CPU")
    if len(args.logs) > 1:  # the yardstick reads one file
        print("yardstick not run: it reads one log")
        sys.stdout.flush()
        os._exit(0)
    yardstick = _yardstick_cpu(Path(args.yardstick), args.logs[0])
    if yardstick is None:
        print(f"yardstick not found at {args.yardstick}: give --yardstick PATH")
    else:
        print(f"{'yardstick (regex), whole process':40s} {yardstick:8.3f}  CPU on one thread")
        print(f"{'micromacro / yardstick, CPU':40s} {cpu / yardstick:8.2f}x")
    sys.stdout.flush()
    os._exit(0)  # the report's pools are gone; nothing else to wait for


if __name__ == "__main__":
    main()
