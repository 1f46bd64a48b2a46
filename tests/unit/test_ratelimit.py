"""TokenBucket and Throttle in virtual time (an injected clock whose sleep advances it: no real
sleeping); AdaptiveLimit by what it admits."""

from __future__ import annotations

import asyncio

import pytest

from flickr_async.ratelimit import MAX_RETRY_AFTER, AdaptiveLimit, Throttle, TokenBucket, Transfer


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


# --- the adaptive limit on transfers in flight ---------------------------------------------


class Holders:
    """Tasks that each take a place in `limit` and keep it until released, in start order."""

    def __init__(self, limit: AdaptiveLimit) -> None:
        self.limit = limit
        self.admitted: list[int] = []
        self.transfers: dict[int, Transfer] = {}
        self._release: dict[int, asyncio.Event] = {}
        self.tasks: list[asyncio.Task[None]] = []

    def start(self, count: int, *, low_priority: bool = False) -> list[int]:
        """Start `count` holders; returns their numbers."""
        numbers = []
        for _ in range(count):
            n = len(self.tasks)
            self._release[n] = asyncio.Event()
            self.tasks.append(asyncio.create_task(self._hold(n, low_priority)))
            numbers.append(n)
        return numbers

    async def _hold(self, n: int, low_priority: bool) -> None:
        async with self.limit.transfer(low_priority=low_priority) as transfer:
            self.admitted.append(n)
            self.transfers[n] = transfer
            await self._release[n].wait()

    async def release(self, *numbers: int) -> None:
        for n in numbers:
            self._release[n].set()
        await settle()


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def test_each_429_that_is_news_halves_the_limit_never_below_one() -> None:
    limit = AdaptiveLimit(8)
    limits = []
    for _ in range(5):
        limit.throttled(started_after=limit.cuts)
        limits.append(limit.limit)
    assert limits == [4, 2, 1, 1, 1]


def test_a_run_of_successes_as_long_as_the_limit_raises_it_by_one_up_to_the_ceiling() -> None:
    limit = AdaptiveLimit(6)
    limit.throttled(started_after=0)  # 6 -> 3
    seen = []
    for _ in range(3 + 4 + 5 + 10):
        limit.succeeded()
        seen.append(limit.limit)
    assert seen[:3] == [3, 3, 4]
    assert seen[3:7] == [4, 4, 4, 5]
    assert seen[7:12] == [5, 5, 5, 5, 6]
    assert set(seen[12:]) == {6}


def test_a_429_starts_the_run_of_successes_over() -> None:
    limit = AdaptiveLimit(8)
    limit.throttled(started_after=0)  # 8 -> 4
    for _ in range(3):
        limit.succeeded()
    limit.throttled(started_after=1)  # 4 -> 2, the three successes forgotten
    limit.succeeded()
    assert limit.limit == 2
    limit.succeeded()
    assert limit.limit == 3


async def test_no_more_transfers_than_the_limit_run_at_once_and_waiters_go_in_order() -> None:
    holders = Holders(AdaptiveLimit(2))
    holders.start(5)
    await settle()
    assert holders.admitted == [0, 1]
    await holders.release(1)
    assert holders.admitted == [0, 1, 2]
    await holders.release(0, 2)
    assert holders.admitted == [0, 1, 2, 3, 4]
    assert holders.limit.in_flight == 2
    await holders.release(3, 4)
    assert holders.limit.in_flight == 0


async def test_429s_in_one_burst_halve_the_limit_once() -> None:
    limit = AdaptiveLimit(8)
    holders = Holders(limit)
    holders.start(8)
    await settle()
    cut = [holders.transfers[n].throttled() for n in range(8)]
    assert cut == [True] + [False] * 7
    assert (limit.limit, limit.cuts) == (4, 1)


async def test_a_cut_lets_running_transfers_finish_and_admits_nobody_until_below_it() -> None:
    limit = AdaptiveLimit(4)
    holders = Holders(limit)
    holders.start(6)
    await settle()
    holders.transfers[0].throttled()  # 4 -> 2 with four in flight
    await holders.release(0, 1)
    assert holders.admitted == [0, 1, 2, 3]  # two still in flight: the limit is full
    await holders.release(2)
    assert holders.admitted == [0, 1, 2, 3, 4]
    await holders.release(3, 4, 5)


async def test_a_raised_limit_admits_a_waiter_at_once() -> None:
    limit = AdaptiveLimit(2)
    limit.throttled(started_after=0)  # 2 -> 1
    holders = Holders(limit)
    holders.start(2)
    await settle()
    assert holders.admitted == [0]
    holders.transfers[0].succeeded()  # a run of one at limit 1: back to 2
    await settle()
    assert holders.admitted == [0, 1]
    await holders.release(0, 1)


async def test_a_cancelled_waiter_leaves_its_place_to_the_next() -> None:
    limit = AdaptiveLimit(1)
    holders = Holders(limit)
    holders.start(3)
    await settle()
    holders.tasks[1].cancel()
    await holders.release(0)
    assert holders.admitted == [0, 2]
    await holders.release(2)
    assert limit.in_flight == 0


async def test_a_waiter_cancelled_as_its_place_came_hands_the_place_on() -> None:
    limit = AdaptiveLimit(1)
    first = limit.transfer()
    await first.__aenter__()
    holders = Holders(limit)
    holders.start(2)
    await settle()
    await first.__aexit__(None, None, None)  # the place goes to waiter 0 at once...
    holders.tasks[0].cancel()  # ...which is cancelled before it could use it
    await settle()
    assert holders.admitted == [1]
    await holders.release(1)
    assert limit.in_flight == 0


def test_an_adaptive_limit_needs_room_for_one_transfer() -> None:
    with pytest.raises(ValueError):
        AdaptiveLimit(0)


# --- a low-priority lane beside it (the site's thumbnails) ---------------------------------


async def test_before_any_429_low_priority_transfers_run_on_places_of_their_own() -> None:
    limit = AdaptiveLimit(2, lane=2)
    holders = Holders(limit)
    originals = holders.start(3)
    thumbs = holders.start(3, low_priority=True)
    await settle()
    # Both lanes full, each beside the other: an original never waits for a thumbnail.
    assert holders.admitted == originals[:2] + thumbs[:2]
    assert (limit.in_flight, limit.lane_in_flight) == (2, 2)
    await holders.release(thumbs[0])  # a thumbnail's place goes to the next thumbnail
    assert holders.admitted[-1] == thumbs[2]
    await holders.release(originals[0])  # an original's to the next original
    assert holders.admitted[-1] == originals[2]
    await holders.release(*originals[1:], *thumbs[1:])
    assert (limit.in_flight, limit.lane_in_flight) == (0, 0)


async def test_from_the_first_429_the_lanes_running_transfers_count_in_the_halved_limit() -> None:
    limit = AdaptiveLimit(4, lane=4)
    holders = Holders(limit)
    originals = holders.start(4)
    thumbs = holders.start(4, low_priority=True)
    await settle()
    assert holders.transfers[thumbs[0]].throttled()  # a thumbnail's 429 cuts the limit: 4 -> 2
    assert (limit.limit, limit.in_flight, limit.lane_in_flight) == (2, 8, 0)
    late_original = holders.start(1)
    await settle()
    # Eight in flight where the server takes two: nobody else until below two.
    await holders.release(*thumbs, *originals[:2])
    assert late_original[0] not in holders.admitted
    await holders.release(originals[2])
    assert holders.admitted[-1] == late_original[0]
    assert limit.in_flight == 2
    await holders.release(originals[3], *late_original)
    assert limit.in_flight == 0


async def test_once_throttled_a_low_priority_transfer_waits_while_any_original_does() -> None:
    limit = AdaptiveLimit(4, lane=4)
    limit.throttled(started_after=0)  # 4 -> 2
    holders = Holders(limit)
    first = holders.start(2)
    await settle()
    thumbs = holders.start(2, low_priority=True)  # they queued first...
    await settle()
    originals = holders.start(2)  # ...and still come after these
    await settle()
    assert holders.admitted == first  # no lane of their own any more: the limit is full
    await holders.release(*first)
    assert holders.admitted == first + originals
    await holders.release(originals[0])
    assert holders.admitted[-1] == thumbs[0]
    await holders.release(originals[1])
    assert holders.admitted[-1] == thumbs[1]
    assert limit.in_flight == 2  # never more than the limit, thumbnails included
    await holders.release(*thumbs)
    assert (limit.in_flight, limit.lane_in_flight) == (0, 0)


async def test_the_lanes_waiters_move_to_the_limit_at_the_first_429() -> None:
    limit = AdaptiveLimit(4, lane=1)
    holders = Holders(limit)
    thumbs = holders.start(3, low_priority=True)
    await settle()
    assert holders.admitted == thumbs[:1]
    holders.transfers[thumbs[0]].throttled()  # 4 -> 2, the running thumbnail counted in it
    await settle()
    assert holders.admitted == thumbs[:2]  # one more fits the limit, and only one
    assert limit.in_flight == 2
    await holders.release(*thumbs)
    assert limit.in_flight == 0


async def test_low_priority_successes_raise_the_limit_like_any_transfer() -> None:
    limit = AdaptiveLimit(2, lane=2)
    limit.throttled(started_after=0)  # 2 -> 1
    holders = Holders(limit)
    thumbs = holders.start(2, low_priority=True)
    await settle()
    assert holders.admitted == thumbs[:1]
    holders.transfers[thumbs[0]].succeeded()  # a run of one at limit 1: back to 2
    await settle()
    assert holders.admitted == thumbs
    await holders.release(*thumbs)


async def test_without_a_lane_low_priority_transfers_take_the_limits_places_last() -> None:
    limit = AdaptiveLimit(1)
    holders = Holders(limit)
    first = holders.start(1)
    thumb = holders.start(1, low_priority=True)
    await settle()
    later = holders.start(1)
    await settle()
    await holders.release(*first)
    assert holders.admitted == first + later
    await holders.release(*later)
    assert holders.admitted[-1] == thumb[0]
    await holders.release(*thumb)
    assert limit.in_flight == 0


async def test_a_low_priority_waiter_cancelled_as_its_lane_place_came_hands_it_on() -> None:
    limit = AdaptiveLimit(1, lane=1)
    first = limit.transfer(low_priority=True)
    await first.__aenter__()
    holders = Holders(limit)
    thumbs = holders.start(2, low_priority=True)
    await settle()
    await first.__aexit__(None, None, None)  # the lane's place goes to thumbs[0] at once...
    holders.tasks[thumbs[0]].cancel()  # ...which is cancelled before it could use it
    await settle()
    assert holders.admitted == [thumbs[1]]
    await holders.release(thumbs[1])
    assert (limit.in_flight, limit.lane_in_flight) == (0, 0)
