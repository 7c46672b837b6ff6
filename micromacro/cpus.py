"""How many processors this process may run on: what sizes its own pools of threads."""

from __future__ import annotations

import os


def usable_cpus() -> int:
    """The processors this process may run on: its CPU affinity where the system has one
    (``taskset -c 0`` gives 1), else every processor of the machine; at least 1.

    >>> usable_cpus() >= 1
    True
    """
    affinity = getattr(os, "sched_getaffinity", None)
    if affinity is not None:
        try:
            return max(len(affinity(0)), 1)
        except OSError:
            pass
    return os.cpu_count() or 1
