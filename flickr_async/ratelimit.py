"""Pacing shared by every caller of one server: a token bucket for the API quota (`async with
bucket:` spends one call) and a throttle that a 429 closes for everybody at once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from types import TracebackType

_EPSILON = 1e-9
# A server asking for more than this is misbehaving; we still back off, just not for hours.
MAX_RETRY_AFTER = 300.0


class Throttle:
    """One pause for every caller behind the same server, growing while the server keeps
    throttling.

    Flickr answers an exhausted quota (API) or a busy CDN (files) with HTTP 429, mostly without
    Retry-After. Each caller backing off alone keeps the others hammering; instead the first 429
    of an episode closes this gate for `initial` seconds, doubling (up to `ceiling`) with each
    episode that follows without a success in between. 429s that land while the gate is closed
    belong to the same episode and do not escalate it. A Retry-After (seconds, capped at
    MAX_RETRY_AFTER) is a floor for the pause.
    """

    def __init__(
        self,
        *,
        initial: float = 2.0,
        ceiling: float = MAX_RETRY_AFTER,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.initial = max(0.0, initial)
        self.ceiling = max(self.initial, ceiling)
        self._clock = clock
        self._sleep = sleep
        self._until = float("-inf")
        self._backoff = 0.0  # the last episode's pause; 0 once a call got through
        self.episodes = 0

    @property
    def paused_until(self) -> float:
        return self._until

    def pause(self, seconds: float) -> None:
        """Nobody passes before now + seconds (never shortens a longer pause)."""
        self._until = max(self._until, self._clock() + max(0.0, seconds))

    def throttled(self, retry_after: float | None = None) -> float:
        """A 429 arrived: close the gate; returns how long it stays closed from now."""
        now = self._clock()
        floor = min(retry_after, MAX_RETRY_AFTER) if retry_after and retry_after > 0 else 0.0
        if now >= self._until:  # a new episode
            self.episodes += 1
            self._backoff = min(self.ceiling, self._backoff * 2 if self._backoff else self.initial)
            self.pause(max(self._backoff, floor))
        else:
            self.pause(floor)
        return max(0.0, self._until - now)

    def succeeded(self) -> None:
        """A call got through: the next 429 starts a fresh, short episode."""
        self._backoff = 0.0

    async def wait(self) -> None:
        """Return once the gate is open."""
        while (remaining := self._until - self._clock()) > 0:
            await self._sleep(remaining)


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
        throttle: Throttle | None = None,
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
        self.throttle = throttle or Throttle(clock=clock, sleep=sleep)
        # asyncio.Lock hands itself to waiters in arrival order: that is the FIFO fairness.
        # Only the holder sleeps; everyone else queues behind it.
        self._lock = asyncio.Lock()
        self.acquired = 0
        # Background callers (deep metadata) take a token only while no one else waits.
        self._urgent = 0
        self._calm = asyncio.Event()
        self._calm.set()

    def pause(self, seconds: float) -> None:
        """Nobody acquires before now + seconds (Flickr throttles the whole key, not one task)."""
        self.throttle.pause(seconds)

    def throttled(self, retry_after: float | None = None) -> float:
        """Flickr said 429: every caller waits, longer each episode (see Throttle)."""
        return self.throttle.throttled(retry_after)

    @property
    def paused_until(self) -> float:
        return self.throttle.paused_until

    async def acquire(self, *, background: bool = False) -> None:
        """Wait for a token and spend it. A `background` caller yields to every other caller
        waiting (it delays one of them by at most the token it is already waiting for)."""
        if background:
            while True:
                await self._calm.wait()
                async with self._lock:
                    if self._urgent:
                        continue
                    await self._take()
                    return
        self._urgent += 1
        self._calm.clear()
        try:
            async with self._lock:
                await self._take()
        finally:
            self._urgent -= 1
            if not self._urgent:
                self._calm.set()

    async def _take(self) -> None:
        """Under the lock: sleep until a token is there (and the gate open), spend it."""
        while True:
            now = self._clock()
            if now < self.throttle.paused_until:
                await self._sleep(self.throttle.paused_until - now)
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
