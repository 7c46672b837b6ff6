"""Pausing Python's cyclic garbage collector around work that allocates many objects.

A goals file of thousands of goals keeps hundreds of thousands of objects alive (goals,
matchers, YAML nodes while it is read), and every full pass of the collector walks them all.
Reading the file and turning the goals into tables allocate many more objects (a Polars Series
per goal column, a dict per goal row), none of them cyclic garbage, and the passes those
allocations set off took several times as long as the work itself. ``paused()`` holds the
collector off for such a block (as a ``with`` block or a decorator); objects are still freed
by reference counting, and a pause inside another leaves the collector off until the outer
one ends.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """Disable the cyclic garbage collector for the block, then restore its state."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
