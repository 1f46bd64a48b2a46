"""What the client's unit tests share: settings for a running fake Flickr, as its owner, and a
clock that moves only when slept on."""

from __future__ import annotations

from typing import Any

from flickr_async.settings import Settings
from tests.fakeflickr import FakeFlickr


def owner_settings(fake: FakeFlickr, **overrides: Any) -> Settings:
    """A fresh owner token for this fake, its key and address; fast calls (no quota to keep)."""
    token, secret = fake.issue_access_token()
    fields: dict[str, Any] = {
        "api_key": fake.api_key,
        "api_secret": fake.api_secret,
        "oauth_token": token,
        "oauth_token_secret": secret,
        "api_base": fake.base_url,
        "api_rate": 1000,
        **overrides,
    }
    return Settings(**fields)


class VirtualClock:
    """A monotonic clock for the client (`clock()`) whose `sleep` moves it, instantly."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
