"""MetadataFetcher against the fake Flickr: which calls a photo costs, and what comes back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from flickr_async.api import FlickrAPI, open_api
from flickr_async.choices import MetadataLevel
from flickr_async.jobs import Described, Failed, Job, Message, Reason, WorkerExit
from flickr_async.listing_completer import ListingCompleter
from flickr_async.metadata_fetcher import MetadataFetcher
from flickr_async.models import Photo
from flickr_async.retry import RetryPolicy
from flickr_async.settings import Settings
from flickr_async.state import State
from tests.fakeflickr import FakeFlickr, Library, generate_library
from tests.rig import owner_settings

COMMENTS = "flickr.photos.comments.getList"
GET_INFO = "flickr.photos.getInfo"


@dataclass
class Rig:
    fake: FakeFlickr
    settings: Settings
    api: FlickrAPI
    photos: dict[str, Photo]  # as the listing describes them

    state: State

    def fetcher(self, metadata: MetadataLevel = "deep") -> MetadataFetcher:
        return MetadataFetcher(
            api=self.api,
            settings=replace(self.settings, metadata=metadata),
            jobs=asyncio.Queue(),
            results=asyncio.Queue(),
            list_level=ListingCompleter(self.api, self.state),
        )


async def no_sleep(_: float) -> None:
    return None


@asynccontextmanager
async def rigged(library: Library) -> AsyncIterator[Rig]:
    async with FakeFlickr(library).serve() as fake:
        settings = owner_settings(fake)
        async with open_api(settings, retry=RetryPolicy(attempts=3, sleep=no_sleep)) as api:
            page = await api.photos_search(page=1, per_page=500)
            fake.counters.reset()
            state = State(Path(":memory:"))
            try:
                yield Rig(fake, settings, api, {p.id: p for p in page.items}, state)
            finally:
                state.close()


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    async with rigged(generate_library(seed=4, photos=10, videos=1, albums=1)) as made:
        yield made


def job_for(photo: Photo) -> Job:
    return Job(photo=photo, download=False, metadata=True, stored=None, reason=Reason.NEW)


def listed(rig: Rig, which: Callable[[Photo], bool]) -> Photo:
    return next(p for p in rig.photos.values() if which(p))


async def test_a_photo_without_comments_costs_no_comments_call(rig: Rig) -> None:
    photo = listed(rig, lambda p: p.count_comments == 0)
    described = await rig.fetcher().describe(job_for(photo))
    assert described.comments == ()
    assert rig.fake.counters.api_calls[COMMENTS] == 0


async def test_a_photo_with_comments_has_them_fetched(rig: Rig) -> None:
    photo = listed(rig, lambda p: (p.count_comments or 0) > 0)
    described = await rig.fetcher().describe(job_for(photo))
    expected = [c.text for c in rig.fake.library.photo(photo.id).comments]
    assert [c.text for c in described.comments] == expected
    assert rig.fake.counters.api_calls[COMMENTS] == 1


async def test_list_level_needs_no_get_info_for_a_photo_the_listing_describes(rig: Rig) -> None:
    photo = listed(rig, lambda p: p.count_comments == 0 and not p.tags and p.geo is None)
    described = await rig.fetcher("deep").describe(job_for(photo))
    assert rig.fake.counters.api_calls[GET_INFO] == 0
    assert described.level == "list"
    assert described.photo.rotation is not None  # the listing's extras carry it


async def test_a_photo_the_list_level_cannot_complete_gets_get_info_and_deep_metadata(
    rig: Rig,
) -> None:
    photo = listed(rig, lambda p: p.count_comments == 0)
    incomplete = replace(photo, rotation=None)  # Flickr left out an undocumented extra
    described = await rig.fetcher("deep").describe(job_for(incomplete))
    assert rig.fake.counters.api_calls[GET_INFO] == 1
    assert described.level == "deep"  # getInfo paid for: nothing left for later
    assert described.photo.rotation is not None
    assert described.photo.page_url is not None


async def test_basic_metadata_makes_no_get_info_call(rig: Rig) -> None:
    photo = listed(rig, lambda p: p.count_comments == 0)
    described = await rig.fetcher("basic").describe(job_for(photo))
    assert rig.fake.counters.api_calls[GET_INFO] == 0
    assert described.photo == photo  # the listing's description, as it was


async def test_run_answers_every_job_then_says_the_worker_stopped(rig: Rig) -> None:
    fetcher = rig.fetcher()
    photos = list(rig.photos.values())[:3]
    for photo in photos:
        fetcher.jobs.put_nowait(job_for(photo))
    fetcher.jobs.put_nowait(None)
    await fetcher.run()
    messages: list[Message] = [fetcher.results.get_nowait() for _ in range(4)]
    assert [m.photo_id for m in messages[:3] if isinstance(m, Described)] == [p.id for p in photos]
    assert messages[3] == WorkerExit("metadata")


async def test_a_photo_whose_get_info_fails_is_reported_and_the_worker_goes_on(
    rig: Rig,
) -> None:
    # Without the rotation extra, both need getInfo.
    first, second = (replace(p, rotation=None) for p in list(rig.photos.values())[:2])
    rig.fake.faults.fail_method_for_photo(GET_INFO, first.id, code=1)
    fetcher = rig.fetcher()
    for photo in (first, second, None):
        fetcher.jobs.put_nowait(job_for(photo) if photo else None)
    await fetcher.run()
    failed, described = fetcher.results.get_nowait(), fetcher.results.get_nowait()
    assert isinstance(failed, Failed) and failed.photo_id == first.id
    assert failed.stage == "metadata"
    assert isinstance(described, Described) and described.photo_id == second.id
