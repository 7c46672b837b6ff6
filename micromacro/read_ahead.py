"""One item ahead: the next item of an iterator made in a thread of its own while the caller
works on the one before, so two stages of a pipeline run side by side (``inputs.Inputs.line_chunks``
reads the next chunk of lines while ``reading.read_hits`` parses this one)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

_T = TypeVar("_T")


@dataclass(frozen=True)
class _Item(Generic[_T]):
    value: _T


_DONE = None


def read_ahead(items: Iterator[_T], *, name: str = "micromacro-read-ahead") -> Generator[_T]:
    """The items of ``items``, each made in a background thread (called ``name``) while the
    caller works on the one before: one item ahead, no more, so at most two are alive at once.

    ``items`` is iterated in that thread alone, in order: chained, each stage of a pipeline runs
    beside the next (``reading.read_hits``). An exception raised while producing is raised here,
    at the item it replaces; stopping early stops the producer, which closes ``items`` (and so
    the stages before it).
    """
    handoff: queue.SimpleQueue[_Item[_T] | _Failure | None] = queue.SimpleQueue()
    turn = threading.Semaphore(1)  # released when the producer may make the next item
    stop = threading.Event()

    def produce() -> None:
        try:
            while turn.acquire() and not stop.is_set():
                try:
                    item = next(items)
                except StopIteration:
                    handoff.put(_DONE)
                    return
                handoff.put(_Item(item))
        except BaseException as error:  # handed to the consumer, which raises it
            handoff.put(_Failure(error))
        finally:
            if isinstance(items, Generator):
                items.close()

    worker = threading.Thread(target=produce, name=name, daemon=True)
    worker.start()
    try:
        while True:
            item = handoff.get()
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.error
            turn.release()  # the next item is made while the caller works on this one
            yield item.value
    finally:
        stop.set()
        turn.release()
        worker.join()


@dataclass(frozen=True)
class _Failure:
    error: BaseException
