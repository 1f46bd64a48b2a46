"""Shared fixtures: a small generated Flickr library and the fake server running on it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakeflickr import FakeFlickr, Library, generate_library, running_fake
from tests.fakeflickr.client import SignedClient


@pytest.fixture
def library() -> Library:
    """40 photos, 4 videos, 6 albums; the same for every test (seed 1)."""
    return generate_library(seed=1, photos=40, videos=4, albums=6)


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
