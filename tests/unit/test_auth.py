"""The OAuth dance against the fake Flickr, and the token file."""

from __future__ import annotations

import stat
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest

from flickr_async.auth import authorize_url, fetch_access_token, fetch_request_token
from flickr_async.errors import ConfigError, CredentialsError, RateLimitedError
from flickr_async.settings import Settings
from flickr_async.tokenfile import Token, load_token, save_token
from tests.fakeflickr import FakeFlickr, generate_library


@pytest.fixture
async def flickr() -> AsyncIterator[FakeFlickr]:
    async with FakeFlickr(generate_library(seed=1, photos=3)).serve() as server:
        yield server


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


@pytest.fixture
def settings(flickr: FakeFlickr) -> Settings:
    return Settings(api_key=flickr.api_key, api_secret=flickr.api_secret, api_base=flickr.base_url)


async def user_approves(session: aiohttp.ClientSession, url: str) -> None:
    """What the account owner's browser does: open the authorize page (the fake approves it)."""
    async with session.get(url) as response:
        assert response.status == 200


async def full_dance(
    settings: Settings, session: aiohttp.ClientSession, flickr: FakeFlickr
) -> Token:
    """Request token, the owner's approval, access token: the whole three-legged dance."""
    request_token, request_secret = await fetch_request_token(settings, session)
    await user_approves(session, authorize_url(settings, request_token))
    return await fetch_access_token(
        settings, session, request_token, request_secret, flickr.verifier
    )


async def test_the_dance_yields_an_access_token_for_the_owner(
    settings: Settings, session: aiohttp.ClientSession, flickr: FakeFlickr
) -> None:
    token = await full_dance(settings, session, flickr)
    owner = flickr.library.owner
    assert (token.user_nsid, token.username) == (owner.nsid, owner.username)


async def test_the_access_token_keeps_the_key_and_secret_it_belongs_to(
    settings: Settings, session: aiohttp.ClientSession, flickr: FakeFlickr
) -> None:
    token = await full_dance(settings, session, flickr)
    assert (token.api_key, token.api_secret) == (flickr.api_key, flickr.api_secret)


def test_the_authorize_url_asks_for_read_permission_only(settings: Settings) -> None:
    url = urlsplit(authorize_url(settings, "72157-req"))
    assert url.path.endswith("/oauth/authorize")
    assert parse_qs(url.query) == {"oauth_token": ["72157-req"], "perms": ["read"]}


async def test_a_wrong_secret_is_refused_without_showing_the_secret(
    settings: Settings, session: aiohttp.ClientSession
) -> None:
    wrong = replace(settings, api_secret="not-the-secret-123")
    with pytest.raises(CredentialsError, match="API key or secret was rejected") as caught:
        await fetch_request_token(wrong, session)
    assert "not-the-secret-123" not in str(caught.value)


async def test_an_unknown_key_is_refused(
    settings: Settings, session: aiohttp.ClientSession
) -> None:
    with pytest.raises(CredentialsError, match="API key or secret was rejected"):
        await fetch_request_token(replace(settings, api_key="nobody"), session)


async def test_a_wrong_verifier_is_refused(
    settings: Settings, session: aiohttp.ClientSession
) -> None:
    request_token, request_secret = await fetch_request_token(settings, session)
    await user_approves(session, authorize_url(settings, request_token))
    with pytest.raises(CredentialsError, match="verifier was not accepted"):
        await fetch_access_token(settings, session, request_token, request_secret, "000-000-000")


async def test_a_rate_limited_oauth_endpoint_is_a_transient_error(
    settings: Settings, session: aiohttp.ClientSession, flickr: FakeFlickr
) -> None:
    flickr.faults.rate_limit(times=1)
    with pytest.raises(RateLimitedError):
        await fetch_request_token(settings, session)


# --- the token file ------------------------------------------------------------------------


def sample_token() -> Token:
    return Token("tok", "tok-secret", "1@N01", "me", "Me", "key", "key-secret")


def test_a_saved_token_loads_back_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "token.json"
    save_token(path, sample_token())
    assert load_token(path) == sample_token()


def test_the_token_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "token.json"
    save_token(path, sample_token())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_no_token_file_means_no_token(tmp_path: Path) -> None:
    assert load_token(tmp_path / "missing.json") is None


def test_a_damaged_token_file_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "token.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigError, match="damaged"):
        load_token(path)


def test_a_token_repr_shows_no_secret() -> None:
    assert "secret" not in repr(sample_token())
