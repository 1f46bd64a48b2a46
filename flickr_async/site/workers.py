"""Workers: a few forked processes that do a build's bulk work — reading sidecars and making
photo pages — so that a full build of a big archive uses every core.

A full build of 100,000 photos is mostly two jobs that need nothing but a few fields per
photo: parse each sidecar for its summary, and render and write each photo page. Threads
cannot share them out (the work holds the GIL), so they go to worker processes in batches,
results coming back in order. The workers are forked when the build starts, before the
archive is read, so each is a small copy of the interpreter (its pages shared with the main
process), not of the build's 100,000 items. Where fork is unavailable (Windows, macOS's
default) or the archive is small, the build does the same work in its own process.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import TypeVar

from flickr_async.site.prefetch import windowed

T = TypeVar("T")
R = TypeVar("R")

MIN_ITEMS = 4000  # below this, forking costs more than it saves
CHUNK = 250  # items per batch sent to a worker
AHEAD = 3  # batches in flight per worker (the results come back in order)


def _warm_up() -> int:
    return os.getpid()


class Workers:
    """A pool of forked worker processes; `map` sends them batches. Close it when done."""

    def __init__(self, processes: int) -> None:
        context = multiprocessing.get_context("fork")
        self.processes = processes
        self._pool = ProcessPoolExecutor(processes, mp_context=context)
        # A fork pool starts every process at its first task: now, while this one is small.
        self._pool.submit(_warm_up).result()

    @classmethod
    def start(cls, expected_items: int) -> Workers | None:
        """Workers for a build that expects to read or render `expected_items` things: None
        when the work is small, the machine has one core, or fork is unavailable."""
        cores = os.cpu_count() or 1
        if (
            expected_items < MIN_ITEMS
            or cores < 2
            or "fork" not in multiprocessing.get_all_start_methods()
            or sys.platform == "darwin"  # fork is unsafe there with system frameworks loaded
        ):
            return None
        return cls(min(cores, 4))

    def map(
        self, fn: Callable[[list[T]], list[R]], items: Iterable[T], *, chunk: int = CHUNK
    ) -> Iterator[tuple[T, R]]:
        """(item, result) for every item, in order: fn (a module-level function, so that it
        pickles by name) runs in the workers on batches of `chunk` items."""
        yield from windowed(
            lambda batch: self._pool.submit(fn, batch), items, chunk, self.processes * AHEAD
        )

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def in_threads(fn: Callable[[T], R], items: list[T], threads: int = 4) -> list[R]:
    """fn over items by a few threads (disk latency overlapped), results in order."""
    if len(items) < 2:
        return [fn(item) for item in items]
    with ThreadPoolExecutor(threads, thread_name_prefix="site-worker") as pool:
        return list(pool.map(fn, items))
