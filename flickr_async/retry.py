"""The one retry policy (tenacity): transient errors only, full-jitter backoff, Retry-After."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import tenacity

from flickr_async.errors import RateLimitedError, TransientError, is_transient
from flickr_async.ratelimit import MAX_RETRY_AFTER

log = logging.getLogger(__name__)

T = TypeVar("T")

__all__ = ["MAX_RETRY_AFTER", "RetryHook", "RetryPolicy"]

RetryHook = Callable[[BaseException, int, float], None]
"""Called before each retry sleep with (the error, the attempt that failed (1-based), the wait)."""


@dataclass(frozen=True)
class RetryPolicy:
    """Try `fn` up to `attempts` times while it raises TransientError.

    Waits are exponential with full jitter (uniform in [0, min(max_wait, initial * 2**n)]),
    but never shorter than the server's Retry-After (capped at MAX_RETRY_AFTER). Throttling
    (HTTP 429) gets a longer budget, `throttled_attempts` (default three times `attempts`):
    the server is fine, only busy, and the shared Throttle already spaces the attempts out.
    """

    attempts: int = 6
    initial: float = 1.0
    max_wait: float = 60.0
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    on_retry: RetryHook | None = None
    throttled_attempts: int | None = None

    @property
    def throttled_budget(self) -> int:
        if self.throttled_attempts is not None:
            return max(1, self.throttled_attempts)
        return 3 * max(1, self.attempts)

    async def run(self, fn: Callable[[], Awaitable[T]], *, what: str = "") -> T:
        """Await `fn()`; after the last attempt re-raise the last TransientError itself."""
        retrying = tenacity.AsyncRetrying(
            sleep=self.sleep,
            stop=self._stop,
            wait=self._wait,
            retry=tenacity.retry_if_exception(is_transient),
            before_sleep=lambda state: self._before_sleep(state, what),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await fn()
        raise AssertionError("unreachable: tenacity either returns or re-raises")

    def backoff_ceiling(self, attempt: int) -> float:
        """The upper bound of the jittered wait after failed attempt number `attempt` (1-based)."""
        return min(self.max_wait, self.initial * 2.0 ** max(0, attempt - 1))

    def _stop(self, state: tenacity.RetryCallState) -> bool:
        exc = state.outcome.exception() if state.outcome else None
        budget = self.throttled_budget if isinstance(exc, RateLimitedError) else self.attempts
        return state.attempt_number >= max(1, budget)

    def _wait(self, state: tenacity.RetryCallState) -> float:
        jittered: float = tenacity.wait_random_exponential(
            multiplier=self.initial, max=self.max_wait
        )(state)
        exc = state.outcome.exception() if state.outcome else None
        retry_after = exc.retry_after if isinstance(exc, TransientError) else None
        if retry_after is not None and retry_after > 0:
            return max(jittered, min(retry_after, MAX_RETRY_AFTER))
        return jittered

    def _before_sleep(self, state: tenacity.RetryCallState, what: str) -> None:
        exc = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        # Error messages are built without secrets or signed query strings (see api.py).
        log.info(
            "retrying %s in %.1fs (attempt %d of %d failed: %s)",
            what or "request",
            wait,
            state.attempt_number,
            self.throttled_budget if isinstance(exc, RateLimitedError) else self.attempts,
            exc,
        )
        if self.on_retry is not None and exc is not None:
            self.on_retry(exc, state.attempt_number, wait)
