"""Shared fixtures: a small generated Flickr library, the fake server running on it, and the
headless chromium the site tests look through."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from tests.browser import SiteBrowser, browser_missing, launch, playwright_loop_hidden
from tests.fakeflickr import FakeFlickr, Library, generate_library, running_fake
from tests.fakeflickr.client import SignedClient

if TYPE_CHECKING:
    from playwright.sync_api import Browser


@pytest.fixture(autouse=True)
def asyncio_beside_the_browser(request: pytest.FixtureRequest) -> Iterator[None]:
    """Once the session's chromium is open, a test that does not use it still gets a thread
    free for asyncio (its own loop, the CLI's asyncio.run)."""
    if "chromium" in request.fixturenames:
        yield
        return
    with playwright_loop_hidden():
        yield


@pytest.fixture
def largest_part(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The largest any .part file was, right after each batch was written to it (a spy on
    the downloader's append: a test of the per-file ceiling reads seen[0])."""
    from flickr_async import downloader  # aiohttp: loaded only by the tests that ask

    seen = [0]
    append = downloader._append

    async def spy(fh: Any, hasher: Any, data: bytes) -> int:
        written = await append(fh, hasher, data)
        seen[0] = max(seen[0], os.fstat(fh.fileno()).st_size)
        return written

    monkeypatch.setattr(downloader, "_append", spy)
    return seen


@pytest.fixture
def library() -> Library:
    """40 photos, 4 videos, 6 albums; the same for every test (seed 1)."""
    return generate_library(seed=1, photos=40, videos=4, albums=6)


class FrozenClock:
    """A clock that only moves when told to."""

    def __init__(self, now: float = 2_000_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def frozen() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def lib(frozen: FrozenClock) -> Library:
    """The same account as `library`, on the frozen clock: its hooks' stamps move only when told."""
    return generate_library(seed=1, photos=40, videos=4, albums=6, clock=frozen)


@pytest.fixture
def fake(library: Library) -> Iterator[FakeFlickr]:
    """The fake Flickr serving `library` on 127.0.0.1 from a background thread."""
    with running_fake(library) as server:
        yield server


@pytest.fixture
def owner_client(fake: FakeFlickr) -> SignedClient:
    """A signed client holding a pre-authorised owner token (read perms)."""
    token, secret = fake.issue_access_token()
    return SignedClient(fake.base_url, fake.api_key, fake.api_secret, token, secret)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """One headless Debian chromium for the whole session. Missing, it skips the browser tests
    here, and fails them under CI=true: there the browser is part of the test bed."""
    missing = browser_missing()
    if missing is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests cannot run under CI: {missing}", pytrace=False)
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


@pytest.fixture
def site_browser(chromium: Browser) -> Iterator[SiteBrowser]:
    """Pages opened in the session's chromium (open_page, crawl, screenshot); closed after."""
    pages = SiteBrowser(chromium)
    yield pages
    pages.close()
