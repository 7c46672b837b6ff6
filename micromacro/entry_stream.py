"""An entry of the hit cache written while its file is read (``hit_cache.HitCache.stream``):
its rows are handed over a slice at a time, in line order, and written by Polars' streaming
Parquet writer in a thread of its own as they come, so that a run need not hold every line it
read until the file's end. What the entry's metadata says (its lines, bytes, chunks) is known
only then: Polars asks for the metadata once the rows are written.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import polars as pl
from polars.io.plugins import register_io_source


class EntryStream:
    """An entry written while its file is read (``HitCache.stream``): ``put`` hands it its next
    rows, in line order; ``finish`` ends it (``HitCache.store`` says where it is kept, if it
    is); ``abandon`` ends it unkept. Once its writing stopped (it failed, and a warning says why),
    rows handed over are dropped."""

    def __init__(self, schema: Mapping[str, pl.DataType]) -> None:
        # The rows as Polars writes them: those handed over, as they come.
        self.frame = register_io_source(self._frames, schema=dict(schema))
        self._thread: threading.Thread | None = None
        self._queue: queue.SimpleQueue[Callable[[], pl.DataFrame] | None] = queue.SimpleQueue()
        self._ended = False
        # Where it goes, its metadata and its number of rows: set by ``finish`` (if kept).
        self.kept: tuple[str, dict[str, str], int] | None = None

    def start(self, write: Callable[[Any], None], *args: Any) -> None:
        """Write the entry (``write(*args)``, which writes ``frame``) in a thread of its own."""
        self._thread = threading.Thread(
            target=write, args=args, name="micromacro-cache-stream", daemon=True
        )
        self._thread.start()

    def join(self) -> None:
        """Wait until the entry is written (or its writing failed)."""
        if self._thread is not None:
            self._thread.join()

    def put(self, rows: Callable[[], pl.DataFrame]) -> None:
        """Hand over the next rows, made (``rows()``) when the writer takes them."""
        if not self._ended:
            self._queue.put(rows)

    def finish(self, kept: tuple[str, dict[str, str]] | None, rows: int) -> None:
        """End the entry once its ``rows`` rows are handed over; keep it (``kept``: where, and
        its Parquet metadata) or, with None, not."""
        if not self._ended:
            self.kept = (*kept, rows) if kept is not None else None
            if kept is None:
                self._drop_handed()  # kept nowhere: not worth making
            self._end()

    def abandon(self) -> None:
        """End the entry unkept (its file is not read whole after all): the rows handed over
        and not yet written are not made. Nothing once it ended."""
        if not self._ended:
            self.stop()

    def stop(self) -> None:
        """The writer takes no more rows: those handed over are dropped."""
        self._drop_handed()
        self._end()

    def _drop_handed(self) -> None:
        with contextlib.suppress(queue.Empty):
            while True:
                self._queue.get_nowait()

    def _end(self) -> None:
        if not self._ended:
            self._ended = True
            self._queue.put(None)

    def _frames(
        self,
        with_columns: list[str] | None,
        predicate: pl.Expr | None,
        n_rows: int | None,
        _batch_size: int | None,
    ) -> Iterator[pl.DataFrame]:
        """The rows handed over, as they come (the source of ``frame``)."""
        while (rows := self._queue.get()) is not None:
            frame = rows()
            if predicate is not None:
                frame = frame.filter(predicate)
            if n_rows is not None:
                frame, n_rows = frame.head(n_rows), n_rows - min(n_rows, frame.height)
            yield frame if with_columns is None else frame.select(with_columns)

    def metadata(self, _context: object) -> dict[str, str]:
        """The entry's Parquet metadata, asked for once its rows are written."""
        return self.kept[1] if self.kept is not None else {}
