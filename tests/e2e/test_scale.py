"""An account past Flickr's 4,000-result search cap comes back whole, and reruns stay cheap."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser import playwright_loop_hidden
from tests.e2e.helpers import (
    FAST,
    change_bound,
    cli_env,
    media_files,
    no_change_bound,
    organisation_listings,
    run_cli,
)
from tests.fakeflickr import FakeFlickr, Library, generate_library, running_fake

PHOTOS = 4500


@pytest.fixture(scope="module")
def big_library() -> Library:
    # Tiny files: this test is about listing, not bytes.
    return generate_library(seed=7, photos=PHOTOS, videos=0, albums=3, file_size=600)


@pytest.fixture(scope="module")
def big_fake(big_library: Library) -> Iterator[FakeFlickr]:
    with running_fake(big_library, search_cap=4000) as fake:
        yield fake


@pytest.fixture(scope="module")
def big_out(
    big_fake: FakeFlickr, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, str]]:
    home = tmp_path_factory.mktemp("home")
    env = cli_env(big_fake, home)
    out = home / "out"
    # No site (remembered by the archive): its build and thumbnails at this size are the
    # benchmark's subject (bench section 9), not this listing test's.
    # A module fixture runs before the per-test autouse one that hides the session chromium's
    # loop (tests/conftest.py): hide it here too, or the CLI's asyncio.run() is refused.
    with playwright_loop_hidden():
        result = run_cli(
            env, "backup", str(out), *FAST, "--metadata", "basic", "-c", "16", "--no-site"
        )
    assert result.code == 0, result.stdout + result.stderr
    return out, env


def test_an_account_past_the_search_cap_comes_back_whole(
    big_library: Library, big_out: tuple[Path, dict[str, str]]
) -> None:
    out, _ = big_out
    stored = {p.stem for p in media_files(out)}
    assert stored == {p.id for p in big_library.photos}


def test_a_no_change_rerun_of_a_big_account_stays_within_the_call_bound(
    big_fake: FakeFlickr, big_library: Library, big_out: tuple[Path, dict[str, str]]
) -> None:
    out, env = big_out
    big_fake.counters.reset()
    assert run_cli(env, "backup", str(out), *FAST).code == 0
    bound = no_change_bound(big_library)
    assert big_fake.counters.total_api_calls <= bound, dict(big_fake.counters.api_calls)
    assert sum(big_fake.counters.file_requests.values()) == 0


def test_a_no_change_sync_costs_the_same_handful_of_calls_as_a_small_account(
    big_fake: FakeFlickr, big_library: Library, big_out: tuple[Path, dict[str, str]]
) -> None:
    """docs/backup.md#incremental-sync: 5 + ceil(albums/500) + the organisation listings,
    whatever the number of photos (9 calls for 4,500 photos where the full listing asks 10
    search pages alone)."""
    out, env = big_out
    assert run_cli(env, "backup", str(out), *FAST).code == 0  # whatever ran before: settled
    big_fake.counters.reset()
    assert run_cli(env, "backup", str(out), *FAST).code == 0
    calls = big_fake.counters.api_calls
    assert calls["flickr.photos.search"] == 0, dict(calls)
    assert big_fake.counters.total_api_calls <= change_bound(big_library), dict(calls)
    assert big_fake.counters.total_api_calls == 4 + organisation_listings(big_library)


def test_a_listing_that_comes_back_short_is_reported_and_prunes_nothing(
    big_fake: FakeFlickr, big_out: tuple[Path, dict[str, str]]
) -> None:
    out, env = big_out
    before = len(media_files(out))
    # Every page loses items, retries included, and two photos are in no listing at all:
    # even the other listings cannot make the union match the account's count.
    big_fake.faults.short_pages(times=1000, drop=3)
    big_fake.faults.unlist([p.id for p in big_fake.library.photos[100:102]])
    try:
        # The counts add up (those two are archived): only a full listing meets the faults.
        result = run_cli(env, "backup", str(out), *FAST, "--full-listing")
    finally:
        big_fake.faults.clear()
    assert result.code == 1
    assert "INCOMPLETE LISTING" in result.stdout
    assert len(media_files(out)) == before
    assert "deleted on Flickr" not in result.stdout
