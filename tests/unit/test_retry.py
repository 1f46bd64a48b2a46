"""RetryPolicy: transient errors only, jittered backoff, Retry-After, the last error re-raised."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from flickr_async.errors import (
    APIError,
    NetworkError,
    RateLimitedError,
    TransientAPIError,
    TransientError,
)
from flickr_async.retry import MAX_RETRY_AFTER, RetryPolicy


class RecordingSleep:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


class Flaky:
    """Raises the given errors in turn, then returns "ok"."""

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def policy(sleep: RecordingSleep, **kwargs: Any) -> RetryPolicy:
    return RetryPolicy(sleep=sleep, **kwargs)


async def test_a_transient_error_is_retried_until_success() -> None:
    sleep = RecordingSleep()
    fn = Flaky(NetworkError("reset"), NetworkError("reset"))
    assert await policy(sleep).run(fn) == "ok"
    assert fn.calls == 3


async def test_a_permanent_error_is_raised_at_once_without_waiting() -> None:
    sleep = RecordingSleep()
    fn = Flaky(APIError(112, "Method not found", "flickr.x"))
    with pytest.raises(APIError):
        await policy(sleep).run(fn)
    assert (fn.calls, sleep.waits) == (1, [])


async def test_after_the_last_attempt_the_last_transient_error_itself_is_raised() -> None:
    sleep = RecordingSleep()
    last = TransientAPIError(105, "Service currently unavailable")
    fn = Flaky(NetworkError("first"), NetworkError("second"), last)
    with pytest.raises(TransientAPIError) as caught:
        await policy(sleep, attempts=3).run(fn)
    assert caught.value is last
    assert fn.calls == 3


async def test_waits_are_jittered_within_an_exponentially_growing_capped_window() -> None:
    sleep = RecordingSleep()
    retry = policy(sleep, attempts=8, initial=1.0, max_wait=10.0)
    fn = Flaky(*(NetworkError("down") for _ in range(7)))
    assert await retry.run(fn) == "ok"
    ceilings = [retry.backoff_ceiling(n) for n in range(1, 8)]
    assert ceilings == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 10.0]
    assert all(0.0 <= wait <= ceiling for wait, ceiling in zip(sleep.waits, ceilings, strict=True))


async def test_retry_after_is_honoured_as_the_minimum_wait() -> None:
    sleep = RecordingSleep()
    fn = Flaky(RateLimitedError("429", retry_after=42.0))
    await policy(sleep, initial=1.0).run(fn)
    assert sleep.waits == [42.0]


async def test_retry_after_is_capped_at_a_sane_maximum() -> None:
    sleep = RecordingSleep()
    fn = Flaky(RateLimitedError("429", retry_after=86_400.0))
    await policy(sleep).run(fn)
    assert sleep.waits == [MAX_RETRY_AFTER]


async def test_on_retry_hook_sees_each_error_attempt_and_wait() -> None:
    sleep = RecordingSleep()
    seen: list[tuple[str, int, float]] = []
    retry = policy(
        sleep, on_retry=lambda exc, attempt, wait: seen.append((str(exc), attempt, wait))
    )
    await retry.run(Flaky(RateLimitedError("slow down", retry_after=5.0)))
    assert seen == [("slow down", 1, 5.0)]


async def test_each_retry_is_logged_at_info_with_what_is_being_retried(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="flickr_async.retry")
    await policy(RecordingSleep()).run(Flaky(NetworkError("reset")), what="flickr.test.login")
    assert [r.levelno for r in caplog.records] == [logging.INFO]
    assert "flickr.test.login" in caplog.records[0].getMessage()


async def test_a_plain_transient_error_counts_as_transient() -> None:
    sleep = RecordingSleep()
    fn = Flaky(TransientError("blip"))
    assert await policy(sleep).run(fn) == "ok"
