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
THREADS = 8
WINDOW = 128


def ordered(
    fn: Callable[[T], R], items: Iterable[T], *, threads: int = THREADS, window: int = WINDOW
) -> Iterator[tuple[T, R]]:
    """(item, fn(item)) for every item, in order; fn runs in `threads` threads, at most
    `window` items ahead of the consumer. An exception in fn is raised at its item."""
    with ThreadPoolExecutor(threads, thread_name_prefix="site-reader") as pool:
        pending: deque[tuple[T, Future[R]]] = deque()
        try:
            for item in items:
                pending.append((item, pool.submit(fn, item)))
                if len(pending) >= window:
                    done, future = pending.popleft()
                    yield done, future.result()
            while pending:
                done, future = pending.popleft()
                yield done, future.result()
        finally:
            for _, future in pending:
                future.cancel()
