"""A token bucket shared by every API caller: `async with bucket:` spends one call of the quota."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from types import TracebackType

_EPSILON = 1e-9


class TokenBucket:
    """At most `rate` acquisitions per second on average, `burst` at once; waiters served FIFO.

    The clock and the sleep are injectable so tests run in virtual time.
    """

    def __init__(
        self,
        rate: float,
        burst: int = 1,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if not rate > 0:
            raise ValueError("rate must be positive")
        if burst < 1:
            raise ValueError("burst must be at least 1")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(burst)
        self._updated = clock()
        self._paused_until = float("-inf")
        # asyncio.Lock hands itself to waiters in arrival order: that is the FIFO fairness.
        # Only the holder sleeps; everyone else queues behind it.
        self._lock = asyncio.Lock()
        self.acquired = 0

    def pause(self, seconds: float) -> None:
        """Nobody acquires before now + seconds (Flickr throttles the whole key, not one task)."""
        self._paused_until = max(self._paused_until, self._clock() + max(0.0, seconds))

    @property
    def paused_until(self) -> float:
        return self._paused_until

    async def acquire(self) -> None:
        """Wait for a token and spend it."""
        async with self._lock:
            while True:
                now = self._clock()
                if now < self._paused_until:
                    await self._sleep(self._paused_until - now)
                    continue
                self._refill(now)
                # The epsilon absorbs float rounding: without it a bucket at 0.9999999999 tokens
                # sleeps for 1e-17 s, which a large clock value cannot even register.
                if self._tokens >= 1.0 - _EPSILON:
                    self._tokens = max(0.0, self._tokens - 1.0)
                    self.acquired += 1
                    return
                await self._sleep((1.0 - self._tokens) / self.rate)

    def _refill(self, now: float) -> None:
        elapsed = max(0.0, now - self._updated)
        self._tokens = min(float(self.burst), self._tokens + elapsed * self.rate)
        self._updated = now

    async def __aenter__(self) -> TokenBucket:
        await self.acquire()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None
