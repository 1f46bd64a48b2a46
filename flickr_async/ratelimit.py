"""Pacing shared by every caller of one server: a token bucket for the API quota (`async with
bucket:` spends one call), a throttle that a 429 closes for everybody at once, and an adaptive
limit on transfers in flight that 429s lower and successes raise again."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
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


class AdaptiveLimit:
    """At most `limit` transfers in flight, the limit following what the server tolerates.

    Flickr's image servers throttle apart from the API quota (connections per address, user
    agent, URL...) and say so only with 429s. Additive increase, multiplicative decrease: a 429
    halves the limit (never below 1); `limit` successes in a row raise it by one, back up to
    `ceiling` (--concurrency) once the servers stop objecting. Only a 429 for a transfer that
    started after the last cut cuts again: the others were sent at the old level, and one burst
    answered with several 429s is one signal, not several halvings. Waiters are served FIFO.

    A low-priority transfer (the site's thumbnails) never takes a place an ordinary one waits
    for. Until the server first throttles it runs on `lane` places of its own, beside the
    limit: an unthrottled server serves both at once. From the first cut there is one budget:
    the lane's transfers still running count in the limit, and a low-priority waiter gets a
    place only when no ordinary one is waiting, so the total in flight never exceeds what the
    server tolerates and throttling never costs more 429s than it would without the lane.
    Its 429s and successes move the limit as any transfer's do.
    """

    def __init__(self, ceiling: int, *, lane: int = 0) -> None:
        if ceiling < 1:
            raise ValueError("ceiling must be at least 1")
        if lane < 0:
            raise ValueError("lane must not be negative")
        self.ceiling = ceiling
        self.limit = ceiling
        self.lane = lane
        self.in_flight = 0  # counted in the limit: every transfer once the server throttled
        self.lane_in_flight = 0  # on the lane's own places, before the first cut
        self.cuts = 0
        self._successes = 0  # in a row at the current limit
        self._waiters: deque[asyncio.Future[bool]] = deque()
        self._low: deque[asyncio.Future[bool]] = deque()  # low priority

    @property
    def shared(self) -> bool:
        """Low-priority transfers take places in the limit: there is no lane, or the server
        has throttled."""
        return self.lane == 0 or self.cuts > 0

    @contextlib.asynccontextmanager
    async def transfer(self, *, low_priority: bool = False) -> AsyncIterator[Transfer]:
        """Hold one place while the body runs; report the server's answer on what it yields.
        A `low_priority` transfer waits while any other does (see the class)."""
        on_lane = await (self._acquire_low() if low_priority else self._acquire())
        try:
            yield Transfer(self, self.cuts)
        finally:
            if on_lane and not self.shared:
                self.lane_in_flight -= 1
            else:  # in the limit, or on the lane until a cut counted it there
                self.in_flight -= 1
            self._wake()

    def throttled(self, started_after: int) -> bool:
        """A 429 for a transfer started after cut number `started_after`; True if it cut."""
        if started_after != self.cuts:
            return False
        if not self.shared:  # one budget from now on: the lane's running transfers join it
            self.in_flight += self.lane_in_flight
            self.lane_in_flight = 0
        self.cuts += 1
        self.limit = max(1, self.limit // 2)
        self._successes = 0
        self._wake()  # the lane's waiters queue for the limit now
        return True

    def succeeded(self) -> None:
        if self.limit >= self.ceiling:
            return
        self._successes += 1
        if self._successes >= self.limit:
            self.limit += 1
            self._successes = 0
            self._wake()

    async def _acquire(self) -> bool:
        if not self._waiters and self.in_flight < self.limit:
            self.in_flight += 1
            return False
        return await self._wait(self._waiters)

    async def _acquire_low(self) -> bool:
        """True when the place is on the lane."""
        if not self._low:
            if not self.shared and self.lane_in_flight < self.lane:
                self.lane_in_flight += 1
                return True
            if self.shared and not self._waiters and self.in_flight < self.limit:
                self.in_flight += 1
                return False
        return await self._wait(self._low)

    async def _wait(self, queue: deque[asyncio.Future[bool]]) -> bool:
        place: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        queue.append(place)
        try:
            return await place
        except asyncio.CancelledError:
            if place.done() and not place.cancelled():  # granted, then cancelled: pass it on
                if place.result() and not self.shared:
                    self.lane_in_flight -= 1
                else:
                    self.in_flight -= 1
                self._wake()
            with contextlib.suppress(ValueError):
                queue.remove(place)
            raise

    def _wake(self) -> None:
        """Hand free places to waiters, first come first served, ordinary ones before any
        low-priority one (a place is counted as soon as it is handed over, so a newcomer
        cannot take it meanwhile)."""
        while self._waiters and self.in_flight < self.limit:
            self._grant(self._waiters.popleft(), on_lane=False)
        if self.shared:
            while self._low and not self._waiters and self.in_flight < self.limit:
                self._grant(self._low.popleft(), on_lane=False)
        else:
            while self._low and self.lane_in_flight < self.lane:
                self._grant(self._low.popleft(), on_lane=True)

    def _grant(self, place: asyncio.Future[bool], *, on_lane: bool) -> None:
        if place.done():
            return
        if on_lane:
            self.lane_in_flight += 1
        else:
            self.in_flight += 1
        place.set_result(on_lane)


class Transfer:
    """One place in an AdaptiveLimit, and what the server said to it."""

    __slots__ = ("_limit", "_started_after")

    def __init__(self, limit: AdaptiveLimit, started_after: int) -> None:
        self._limit = limit
        self._started_after = started_after

    def throttled(self) -> bool:
        """The server answered 429: halve the limit unless this burst already did (True if
        this one cut)."""
        return self._limit.throttled(self._started_after)

    def succeeded(self) -> None:
        self._limit.succeeded()
