"""ordered(): a function mapped over items by a few threads, results in the items' order.

Reading 100,000 sidecars and thumbnail headers is disk latency far more than work (a cold
file costs a fraction of a millisecond to open on a busy disk), so the site reads a few files
at once; the window bounds how far ahead it reads (memory stays flat).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")
THREADS = 4
CHUNK = 32  # items per task: a task per item would cost more than a warm stat
WINDOW = 8  # tasks ahead of the consumer


def _run(fn: Callable[[T], R], batch: list[T]) -> list[R]:
    return [fn(item) for item in batch]


def ordered(
    fn: Callable[[T], R],
    items: Iterable[T],
    *,
    threads: int = THREADS,
    chunk: int = CHUNK,
    window: int = WINDOW,
) -> Iterator[tuple[T, R]]:
    """(item, fn(item)) for every item, in order; fn runs in `threads` threads on batches of
    `chunk` items, at most `window` batches ahead of the consumer. An exception in fn is
    raised at its batch."""
    with ThreadPoolExecutor(threads, thread_name_prefix="site-reader") as pool:
        yield from windowed(lambda batch: pool.submit(_run, fn, batch), items, chunk, window)


def windowed(
    submit: Callable[[list[T]], Future[list[R]]], items: Iterable[T], chunk: int, window: int
) -> Iterator[tuple[T, R]]:
    """(item, result) in order: batches of `chunk` items handed to `submit` (a thread or
    process pool), at most `window` of them ahead of the consumer; the rest cancelled when
    the consumer stops early."""
    pending: deque[tuple[list[T], Future[list[R]]]] = deque()
    try:
        for batch in batches(items, chunk):
            pending.append((batch, submit(batch)))
            if len(pending) >= window:
                done, future = pending.popleft()
                yield from zip(done, future.result(), strict=True)
        while pending:
            done, future = pending.popleft()
            yield from zip(done, future.result(), strict=True)
    finally:
        for _, future in pending:
            future.cancel()


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
