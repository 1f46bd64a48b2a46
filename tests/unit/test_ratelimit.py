"""TokenBucket in virtual time: an injected clock whose sleep advances it (no real sleeping)."""

from __future__ import annotations

import asyncio

import pytest

from flickr_async.ratelimit import MAX_RETRY_AFTER, Throttle, TokenBucket


class VirtualClock:
    """`clock()` reads virtual seconds; `await clock.sleep(s)` advances them instantly."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)  # let other tasks run, like a real sleep would


def bucket_with(clock: VirtualClock, rate: float, burst: int = 1) -> TokenBucket:
    return TokenBucket(rate, burst, clock=clock, sleep=clock.sleep)


async def test_n_acquisitions_take_n_minus_burst_over_rate_virtual_seconds() -> None:
    clock = VirtualClock()
    bucket = bucket_with(clock, rate=2.0, burst=3)
    for _ in range(11):
        await bucket.acquire()
    assert clock.now == pytest.approx((11 - 3) / 2.0)


async def test_the_first_burst_of_acquisitions_does_not_wait() -> None:
    clock = VirtualClock()
    bucket = bucket_with(clock, rate=0.5, burst=4)
    for _ in range(4):
        await bucket.acquire()
    assert clock.sleeps == []


async def test_concurrent_waiters_never_exceed_the_rate() -> None:
    clock = VirtualClock()
    rate, burst = 3.0, 2
    bucket = bucket_with(clock, rate=rate, burst=burst)
    times: list[float] = []

    async def worker() -> None:
        for _ in range(5):
            async with bucket:
                times.append(clock.now)

    async with asyncio.TaskGroup() as group:
        for _ in range(8):
            group.create_task(worker())

    assert len(times) == 40
    # The k-th acquisition (1-based) can happen no earlier than (k - burst) / rate.
    for k, at in enumerate(sorted(times), start=1):
        assert at >= (k - burst) / rate - 1e-9


async def test_waiters_are_served_in_arrival_order() -> None:
    clock = VirtualClock()
    bucket = bucket_with(clock, rate=1.0, burst=1)
    await bucket.acquire()  # empty the bucket so everyone below has to queue
    served: list[int] = []

    async def waiter(number: int) -> None:
        async with bucket:
            served.append(number)

    async with asyncio.TaskGroup() as group:
        for number in range(10):
            group.create_task(waiter(number))
            await asyncio.sleep(0)  # arrive one after the other

    assert served == list(range(10))


async def test_pause_holds_every_caller_until_it_ends() -> None:
    clock = VirtualClock()
    bucket = bucket_with(clock, rate=10.0, burst=5)
    bucket.pause(30.0)
    await asyncio.gather(bucket.acquire(), bucket.acquire())
    assert clock.now >= 30.0


async def test_pause_during_a_wait_extends_that_wait() -> None:
    clock = VirtualClock()
    bucket = bucket_with(clock, rate=1.0, burst=1)
    await bucket.acquire()

    async def pause_soon() -> None:
        bucket.pause(20.0)  # runs while acquire() below is already sleeping for its token

    await asyncio.gather(bucket.acquire(), pause_soon())
    assert clock.now >= 21.0


async def test_a_shorter_pause_does_not_shorten_a_longer_one() -> None:
    clock = VirtualClock()
    bucket = bucket_with(clock, rate=1.0, burst=1)
    bucket.pause(60.0)
    bucket.pause(5.0)
    assert bucket.paused_until == 60.0


async def test_async_with_counts_one_acquisition() -> None:
    clock = VirtualClock()
    bucket = bucket_with(clock, rate=1.0, burst=2)
    async with bucket:
        pass
    assert bucket.acquired == 1


def test_a_non_positive_rate_is_refused() -> None:
    with pytest.raises(ValueError):
        TokenBucket(0.0)


# --- the 429 throttle ---------------------------------------------------------------------


def make_throttle(clock: VirtualClock, *, initial: float = 2.0, ceiling: float = 16.0) -> Throttle:
    return Throttle(initial=initial, ceiling=ceiling, clock=clock, sleep=clock.sleep)


def test_each_new_429_episode_doubles_the_pause_up_to_the_ceiling() -> None:
    clock = VirtualClock()
    throttle = make_throttle(clock)
    pauses = []
    for _ in range(5):
        pauses.append(throttle.throttled())
        clock.now = throttle.paused_until  # the pause ran out; the server throttles again
    assert pauses == [2.0, 4.0, 8.0, 16.0, 16.0]
    assert throttle.episodes == 5


def test_429s_during_a_pause_belong_to_the_same_episode() -> None:
    clock = VirtualClock()
    throttle = make_throttle(clock)
    throttle.throttled()
    clock.now = 1.0
    assert throttle.throttled() == 1.0  # what is left of the first pause, not a longer one
    assert (throttle.episodes, throttle.paused_until) == (1, 2.0)


def test_retry_after_is_a_floor_for_the_pause_even_within_an_episode() -> None:
    clock = VirtualClock()
    throttle = make_throttle(clock)
    assert throttle.throttled(30.0) == 30.0
    assert throttle.throttled(45.0) == 45.0
    assert throttle.throttled(10_000.0) == MAX_RETRY_AFTER


def test_a_success_makes_the_next_episode_short_again() -> None:
    clock = VirtualClock()
    throttle = make_throttle(clock)
    throttle.throttled()
    clock.now = throttle.paused_until
    throttle.succeeded()
    assert throttle.throttled() == 2.0


async def test_wait_returns_only_when_the_gate_opens() -> None:
    clock = VirtualClock()
    throttle = make_throttle(clock)
    await throttle.wait()
    assert clock.now == 0.0
    throttle.throttled(7.0)
    await throttle.wait()
    assert clock.now == 7.0


async def test_a_bucket_throttled_holds_every_acquirer() -> None:
    clock = VirtualClock()
    bucket = TokenBucket(10.0, 10, clock=clock, sleep=clock.sleep, throttle=make_throttle(clock))
    bucket.throttled()
    await asyncio.gather(bucket.acquire(), bucket.acquire())
    assert clock.now >= 2.0


async def test_a_background_caller_takes_a_token_only_when_nobody_else_waits() -> None:
    clock = VirtualClock()
    bucket = bucket_with(clock, rate=1.0)
    order: list[str] = []

    async def take(name: str, *, background: bool) -> None:
        await bucket.acquire(background=background)
        order.append(name)

    async with asyncio.TaskGroup() as group:
        for n in range(3):
            group.create_task(take(f"deep{n}", background=True))
        await asyncio.sleep(0)  # the background callers queue first...
        for n in range(3):
            group.create_task(take(f"list{n}", background=False))  # ...and are overtaken
    # deep0 had its token at once, deep1 held the bucket waiting for the next: the rest of
    # the background waits for every other caller, though it queued first (no plain FIFO).
    assert order == ["deep0", "deep1", "list0", "list1", "list2", "deep2"]
    assert clock.now == pytest.approx(5.0)  # the pace is the same: one a second


async def test_background_callers_alone_keep_the_rate() -> None:
    clock = VirtualClock()
    bucket = bucket_with(clock, rate=2.0)
    async with asyncio.TaskGroup() as group:
        for _ in range(5):
            group.create_task(bucket.acquire(background=True))
    assert clock.now == pytest.approx(2.0)
