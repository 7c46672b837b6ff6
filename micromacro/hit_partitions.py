"""Counted hits beyond the memory a run may hold (``--hit-memory``): spilled to a temporary
directory as they are read, and given back one partition of visitors at a time, so that the
report never needs the whole log's hits in memory.

A visitor's hits all fall in one of ``BUCKETS`` buckets (by a hash of the visitor). Each spill
writes the hits held so far as one Parquet file sorted by bucket, so a partition's read skips
the other buckets' row groups. A partition is a range of buckets, and there are as many
partitions as keep each one a fraction of the budget (``PARTITION_SHARE``): sessions, goals and
funnels are a visitor's own, so each partition is reported alone and the per-session results
are put together (``report``).
"""

from __future__ import annotations

import contextlib
import itertools
import math
import os
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from micromacro.errors import InputError
from micromacro.hit_schema import held_bytes
from micromacro.spool import Spool, temporary_parent

BUCKETS = 256
_BUCKET = "__micromacro_bucket"
# A hit's place among every hit of the run, as spilled.
_SEQUENCE = "__micromacro_sequence"
# A partition holds at most this part of the budget: sorting its hits into sessions and
# matching its goals takes a few times the hits' own size.
PARTITION_SHARE = 4
# Rows of a spill file's row group: small enough for a partition's read to skip most of the
# others' buckets.
_ROW_GROUP = 65_536
# The default budget: this part of the machine's memory.
_MEMORY_SHARE = 4
_FALLBACK_MEMORY = 4 << 30


def default_hit_memory() -> int:
    """The default ``--hit-memory``: a quarter of the memory this process may use, the
    machine's physical memory or its control group's limit (a container's), whichever is
    less."""
    try:
        total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, OSError, ValueError):
        total = _FALLBACK_MEMORY
    limit = cgroup_memory_limit()
    return max(min(total, limit or total), 1) // _MEMORY_SHARE


def cgroup_memory_limit(root: str = "/") -> int | None:
    """The memory limit of this process's control groups and the groups above them, the least
    of them (``memory.max`` of cgroup v2 under ``/sys/fs/cgroup``, ``memory.limit_in_bytes`` of
    v1 under ``/sys/fs/cgroup/memory``, where systemd and container runtimes mount them); None
    without one: no control groups, none limits memory, or they are mounted elsewhere."""
    try:
        lines = Path(root, "proc/self/cgroup").read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    limits = []
    for line in lines:
        fields = line.split(":", 2)  # hierarchy:controllers:group
        if len(fields) != 3:
            continue
        controllers, group = fields[1], fields[2].strip("/")
        if not controllers:  # v2: one hierarchy
            mount, file = Path(root, "sys/fs/cgroup"), "memory.max"
        elif "memory" in controllers.split(","):
            mount, file = Path(root, "sys/fs/cgroup/memory"), "memory.limit_in_bytes"
        else:
            continue
        # The group and each group above it (a parent's limit holds its children too), up to
        # the mount's root, where a container's own group is mounted.
        steps = group.split("/") if group else []
        names = [mount.joinpath(*steps[:depth], file) for depth in range(len(steps), -1, -1)]
        for name in names:
            try:
                text = name.read_text(encoding="ascii").strip()
                if text.isdigit():  # v2 writes "max" for no limit; v1, a number beyond any
                    limits.append(int(text))
            except (OSError, ValueError):  # a NUL in a name, an undecodable or endless file
                continue
    return min(limits) if limits else None


@dataclass
class HitSpill:
    """The files the counted hits of one run were spilled to, in a temporary directory of
    their own (removed by ``close``, or when the run ends)."""

    budget: int
    files: list[Path] = field(default_factory=list)
    # The in-memory size of the hits written, and their number.
    bytes: int = 0
    rows: int = 0
    _directory: Spool | None = None

    def over_budget(self, held: int) -> bool:
        """Whether hits of ``held`` bytes in memory are more than the budget allows."""
        return held > self.budget

    def write(self, frames: list[pl.DataFrame]) -> None:
        """Write ``frames`` (counted hits, ``visitor`` categorical) as one more spill file
        (raises ``InputError`` when it cannot be written: a full disk, say)."""
        frame = pl.concat(frames) if len(frames) > 1 else frames[0]
        if not frame.height:
            return
        try:
            self._write(frame)
        except (OSError, pl.exceptions.PolarsError) as error:
            self.close()
            reason = error.strerror if isinstance(error, OSError) and error.strerror else error
            raise InputError(
                f"cannot write the counted hits to a temporary directory in "
                f"{temporary_parent()}: {str(reason).splitlines()[0]}; set TMPDIR to a "
                "directory with room, or raise --hit-memory"
            ) from error

    def _write(self, frame: pl.DataFrame) -> None:
        if self._directory is None:
            # Locked while the run lives: the next run removes it, should this one be killed.
            self._directory = Spool()
        path = Path(self._directory.path) / f"spill-{len(self.files):05d}.parquet"
        # By the visitor's text: a categorical code is not the same in every chunk of a run.
        bucket = (pl.col("visitor").cast(pl.String).hash() % BUCKETS).cast(pl.UInt16)
        sequence = pl.int_range(pl.len(), dtype=pl.UInt64) + self.rows
        ordered = frame.with_columns(bucket.alias(_BUCKET), sequence.alias(_SEQUENCE)).sort(
            _BUCKET, maintain_order=True
        )
        ordered.write_parquet(path, row_group_size=_ROW_GROUP, statistics=True)
        self.files.append(path)
        self.bytes += held_bytes(frame)
        self.rows += frame.height

    @property
    def spilled(self) -> bool:
        return bool(self.files)

    def close(self) -> None:
        """Remove the spill files."""
        if self._directory is not None:
            self._directory.remove()
            self._directory = None
        self.files.clear()


@contextlib.contextmanager
def removed_on_error(spill: HitSpill | None) -> Generator[None]:
    """Remove ``spill``'s files if the block fails (its hits will not be reported)."""
    try:
        yield
    except BaseException:
        if spill is not None:
            spill.close()
        raise


@dataclass(frozen=True)
class SpilledHits:
    """The counted hits of a run held in spill files, narrowed by ``keep`` (a period)."""

    spill: HitSpill
    keep: pl.Expr | None = None

    def scan(self) -> pl.LazyFrame:
        """Every hit, in no particular order."""
        frame = pl.scan_parquet(self.spill.files).drop(_BUCKET, _SEQUENCE)
        return frame.filter(self.keep) if self.keep is not None else frame

    def filter(self, keep: pl.Expr) -> SpilledHits:
        """The hits that also match ``keep``."""
        both = keep if self.keep is None else self.keep & keep
        return SpilledHits(self.spill, both)

    @property
    def partition_count(self) -> int:
        """How many partitions the hits are read in: each a ``PARTITION_SHARE`` of the budget."""
        share = max(self.spill.budget // PARTITION_SHARE, 1)
        return max(1, min(BUCKETS, math.ceil(self.spill.bytes / share)))

    def partitions(self) -> Iterator[pl.DataFrame]:
        """The hits one partition of visitors at a time: every hit of a visitor in one."""
        count = self.partition_count
        bounds = [round(i * BUCKETS / count) for i in range(count + 1)]
        for low, high in itertools.pairwise(bounds):
            bucket = pl.col(_BUCKET)
            frame = pl.scan_parquet(self.spill.files).filter(bucket.is_between(low, high - 1))
            if self.keep is not None:
                frame = frame.filter(self.keep)
            yield frame.drop(_BUCKET).collect().pipe(_with_visitor_ids)

    def note(self, *, dropped: bool) -> str:
        """What the run did with the hits, for stderr; ``dropped``: the files read were not
        kept in the hit cache for it."""
        held = f"{self.spill.rows:,} counted hits ({_size(self.spill.bytes)})"
        kept = "; the files read are not kept in the hit cache" if dropped else ""
        return (
            f"{held} are more than --hit-memory {_size(self.spill.budget)}: they were written "
            f"to a temporary directory and reported in {self.partition_count} partitions of "
            f"visitors{kept}"
        )

    def height(self) -> int:
        """The number of hits."""
        if self.keep is None:
            return self.spill.rows
        return int(self.scan().select(pl.len()).collect().item())


def _with_visitor_ids(hits: pl.DataFrame) -> pl.DataFrame:
    """A partition's hits with each visitor's ``visitor_id``: the place of its first hit among
    every hit of the run, so ids are unique across partitions (``sessions.sessionize`` keeps
    them) and order visitors as they were first read."""
    first = pl.col(_SEQUENCE).min().over("visitor").alias("visitor_id")
    return hits.with_columns(first).drop(_SEQUENCE)


def _size(count: int) -> str:
    """``count`` bytes in the largest unit of which it is one or more, to three figures (or
    whole, from 1,000 of it on: 1000 KiB, not 1e+03 KiB).

    >>> _size(512 << 20), _size(3 << 29), _size(1000 << 10), _size(1_048_000), _size(1_023_600)
    ('512 MiB', '1.5 GiB', '1000 KiB', '1023 KiB', '1000 KiB')
    >>> _size(999)
    '999 B'
    """
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= scale:
            figure = count / scale
            text = f"{figure:.3g}"
            if "e" in text:  # from 999.5 on, three figures are 1e+03
                text = f"{figure:.0f}"
            return f"{text} {unit}"
    return f"{count} B"
