"""Time drawing a 10,000 x 10 table with rich and with micromacro's painter (not run in CI).

    python bench/paint_bench.py                       # 10,000 rows, rich once, painter best of 5
    python bench/paint_bench.py --rows 1000 --repeat 3

The table looks like the goals table: a goal column (text, left), eight counts and rates (right)
and a change (right, green or red in colour). rich draws it as ``render.terminal`` does (a
``box.SIMPLE_HEAD`` table of ``Text`` cells printed on a console like its own, piped width,
every line right-stripped); the painter draws it with ``paint_table``. Both are timed without
colour and with, and their outputs are checked to be identical.
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from micromacro.render.painter import Cell, PaintColumn, paint_table

HEADERS = ["Goal", "Kind", "Visitors", "Sessions", "Conversions", "Rate", "Value", "Before"]
HEADERS += ["Prior"]


def table(rows: int, seed: int = 2026) -> tuple[list[PaintColumn], list[list[Cell]]]:
    """A goals-like table, ``rows`` rows of 10 cells."""
    rng = random.Random(seed)
    columns = [PaintColumn(HEADERS[0]), PaintColumn(HEADERS[1])]
    columns += [PaintColumn(header, right=True) for header in HEADERS[2:]]
    columns += [PaintColumn("Change", right=True)]
    body: list[list[Cell]] = []
    for n in range(rows):
        visitors = rng.randrange(1, 100_000)
        change = rng.uniform(-50, 50)
        body.append(
            [
                f"/goal/{n}/{'checkout' if n % 3 else 'signup'}",
                "macro" if n % 10 == 0 else "micro",
                f"{visitors:,}",
                f"{visitors + rng.randrange(1000):,}",
                f"{rng.randrange(visitors):,}",
                f"{rng.random():.1%}",
                f"{rng.random() * 10_000:,.2f}",
                f"{rng.randrange(100_000):,}",
                f"{rng.randrange(visitors):,}",
                (f"{change:+.1f}%", "green" if change > 0 else "red"),
            ]
        )
    return columns, body


def rich_lines(
    columns: Sequence[PaintColumn], rows: Sequence[Sequence[Cell]], *, color: bool
) -> list[str]:
    """The table as ``render.terminal`` draws it with rich."""
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        force_terminal=color,
        no_color=not color,
        color_system="auto" if color else None,
        width=1000,
        highlight=False,
        emoji=False,
        markup=False,
        soft_wrap=False,
    )
    rich = Table(box=box.SIMPLE_HEAD)
    for column in columns:
        rich.add_column(
            Text(column.header), justify="right" if column.right else "left", overflow="fold"
        )
    for row in rows:
        rich.add_row(*(Text(c) if isinstance(c, str) else Text(c[0], c[1]) for c in row))
    console.print(rich)
    return [line.rstrip() for line in buffer.getvalue().splitlines()]


def best(run: Callable[[], object], repeat: int) -> tuple[float, object]:
    """The best wall time of ``repeat`` runs, and the last run's result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5, help="painter runs (rich runs once)")
    args = parser.parse_args()
    columns, rows = table(args.rows)
    print(f"{args.rows:,} rows x {len(columns)} columns")
    for color in (False, True):
        rich_time, expected = best(partial(rich_lines, columns, rows, color=color), 1)
        paint_time, painted = best(partial(paint_table, columns, rows, color=color), args.repeat)
        same = "identical" if painted == expected else "DIFFERENT"
        label = "colour" if color else "plain "
        print(
            f"{label}  rich {rich_time:7.3f} s   painter {paint_time:7.3f} s"
            f"   x{rich_time / paint_time:,.0f}   output {same}"
        )


if __name__ == "__main__":
    main()
