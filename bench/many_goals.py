"""Time ``micromacro report`` with many goals (not run in CI).

    python bench/many_goals.py                              # 1k, 10k, 100k goals, best of 3
    python bench/many_goals.py --counts 10k --formats json,csv,table --repeat 5
    python bench/many_goals.py --source /path/to/checkout   # another version of micromacro

Writes ``bench/data/goals-<count>.yaml`` with ``generate_goals.py`` (seed 2026) when missing, then
runs ``python -m micromacro report sample_logs/access.log --goals FILE --format FORMAT --quiet``
as a whole process (interpreter start, imports, reading the goals file and the log, output to
``/dev/null``) and prints the best wall time of ``--repeat`` runs with that run's CPU time (user
+ system) and peak RSS (from ``os.wait4``). ``--source`` runs the ``micromacro`` package of
another checkout (an older commit exported with ``git archive``) with the same interpreter, for
before/after figures.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DATA = BENCH / "data"
LOG = ROOT / "sample_logs" / "access.log"
SEED = 2026
MIB = 1024 * 1024


def count_of(text: str) -> int:
    """``10k`` → 10000, ``1M`` → 1000000, ``300`` → 300."""
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1].lower(), 1)
    return int(float(text[:-1] if scale > 1 else text) * scale)


def goals_file(count: int) -> Path:
    path = DATA / f"goals-{count}.yaml"
    if not path.exists():
        sys.path.insert(0, str(BENCH))
        from generate_goals import generate_goals  # bench is no package

        DATA.mkdir(exist_ok=True)
        path.write_text(generate_goals(count, SEED), encoding="utf-8")
    return path


def run_once(argv: list[str], cwd: Path, timeout: float) -> tuple[float, float, int, int]:
    """Wall seconds, CPU seconds (user + system), peak RSS in bytes and exit code of one run
    (killed at ``timeout``)."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    killer = threading.Timer(timeout, proc.kill)
    killer.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        killer.cancel()
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    cpu = usage.ru_utime + usage.ru_stime
    return seconds, cpu, usage.ru_maxrss * 1024, proc.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--counts", default="1k,10k,100k", help="goal counts (k/M suffixes)")
    parser.add_argument("--formats", default="json,csv", help="output formats")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per run")
    parser.add_argument("--source", type=Path, default=ROOT, help="checkout to run")
    args = parser.parse_args(argv)
    print("| goals | format | seconds | CPU seconds | peak RSS MB |")
    print("|---|---|---|---|---|")
    for count in (count_of(c) for c in args.counts.split(",")):
        path = goals_file(count)
        for fmt in args.formats.split(","):
            command = [sys.executable, "-m", "micromacro", "report", str(LOG), "--goals",
                       str(path), "--format", fmt, "--quiet"]  # fmt: skip
            best: tuple[float, float, int] | None = None
            for _ in range(args.repeat):
                seconds, cpu, rss, code = run_once(command, args.source, args.timeout)
                if code != 0:
                    print(f"| {count:,} | {fmt} | FAILED (exit {code}, {seconds:.0f} s) | | |")
                    best = None
                    break
                print(f"    {count} {fmt}: {seconds:.2f} s, {rss / MIB:.0f} MB", file=sys.stderr)
                if best is None or seconds < best[0]:
                    best = (seconds, cpu, rss)
            if best is not None:
                wall, cpu, rss = best
                print(
                    f"| {count:,} | {fmt} | {wall:.2f} | {cpu:.2f} | {rss / MIB:.0f} |", flush=True
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
