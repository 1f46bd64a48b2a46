"""The site's thumbnails: which renditions a listed photo wants, and fetching them."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from PIL import Image

from flickr_async.api import open_api
from flickr_async.archive import Archive
from flickr_async.downloader import FileServers
from flickr_async.jobs import Stats
from flickr_async.models import LISTING_EXTRAS, Photo, photo_from_listing
from flickr_async.retry import RetryPolicy
from flickr_async.state import State
from flickr_async.thumbnails import Thumbnails, offered
from tests.fakeflickr import FakeFlickr, Library, generate_library
from tests.fakeflickr.sizes import BY_EXTRA, size_dims
from tests.rig import owner_settings

STATIC = "https://live.staticflickr.com/65535"


def listed(**urls: str) -> Photo:
    return photo_from_listing({"id": "7", "secret": "s", "server": "65535", **urls})


def test_the_listing_asks_for_the_square_and_the_small_320() -> None:
    assert {"url_q", "url_n", "url_z", "url_m"} <= set(LISTING_EXTRAS)


def test_a_photo_offers_its_large_square_and_its_medium_640() -> None:
    photo = listed(
        url_q=f"{STATIC}/7_s_q.jpg", url_m=f"{STATIC}/7_s.jpg", url_z=f"{STATIC}/7_s_z.jpg"
    )
    assert offered(photo) == [("q", f"{STATIC}/7_s_q.jpg"), ("z", f"{STATIC}/7_s_z.jpg")]


def test_a_photo_smaller_than_640_offers_the_largest_listed_size_below_as_its_z() -> None:
    assert offered(listed(url_m=f"{STATIC}/7_s.jpg", url_n=f"{STATIC}/7_s_n.jpg")) == [
        ("z", f"{STATIC}/7_s.jpg")
    ]
    assert offered(listed(url_n=f"{STATIC}/7_s_n.jpg")) == [("z", f"{STATIC}/7_s_n.jpg")]


def test_a_listing_without_small_sizes_offers_no_thumbnail() -> None:
    assert offered(listed(url_o=f"{STATIC}/7_o.jpg", url_l=f"{STATIC}/7_s_b.jpg")) == []


# --- against the fake ---------------------------------------------------------------------


@dataclass
class Rig:
    fake: FakeFlickr
    thumbs: Thumbnails
    state: State
    stats: Stats
    servers: FileServers
    photos: list[Photo]
    out: Path

    def wanted(self) -> set[tuple[str, str]]:
        return {(t.id, t.size) for t in self.state.wanted_thumbnails(limit=10_000)}


@pytest.fixture
def small_library() -> Library:
    return generate_library(seed=3, photos=8, videos=2, albums=1)  # a PNG and a GIF


@pytest.fixture
async def rig(small_library: Library, tmp_path: Path) -> AsyncIterator[Rig]:
    async with FakeFlickr(small_library).serve() as fake:
        out = tmp_path / "out"
        settings = owner_settings(fake, out=out, concurrency=3)

        async def no_sleep(_: float) -> None:
            return None

        retry = RetryPolicy(attempts=3, sleep=no_sleep)
        async with open_api(settings, retry=retry) as api:
            page = await api.photos_search(page=1, per_page=500)
            state = State.open(out)
            stats = Stats()
            servers = FileServers.for_settings(settings)
            thumbs = Thumbnails(
                api=api,
                settings=settings,
                archive=Archive(out),
                state=state,
                stats=stats,
                servers=servers,
                tmp=out / ".flickr-async" / "tmp-thumbs",
            )
            yield Rig(fake, thumbs, state, stats, servers, list(page.items), out)
            state.close()


def every_thumbnail(photos: list[Photo]) -> set[tuple[str, str]]:
    return {(p.id, size) for p in photos for size in ("q", "z")}


async def test_listed_photos_want_both_thumbnails_and_a_run_fetches_them_as_flickr_sized_them(
    rig: Rig, small_library: Library
) -> None:
    await rig.thumbs.note_listed(rig.photos)
    assert rig.wanted() == every_thumbnail(rig.photos)
    await rig.thumbs.run()
    assert rig.wanted() == set()
    assert rig.stats.thumbnails == 2 * len(rig.photos) and rig.stats.thumbnails_failed == 0
    for fake_photo in small_library.photos:
        edge = max(fake_photo.width, fake_photo.height)
        below = BY_EXTRA["z"] if edge >= 640 else BY_EXTRA["m"]
        for size, spec in (("q", BY_EXTRA["q"]), ("z", below)):
            with Image.open(Archive(rig.out).thumbnail(fake_photo.id, size)) as image:
                assert image.format == "JPEG"
                assert image.size == size_dims(fake_photo, spec), (fake_photo.id, size)
    assert not list((rig.out / ".flickr-async" / "tmp-thumbs").iterdir())


async def test_a_second_listing_of_the_same_photos_wants_nothing_and_fetches_nothing(
    rig: Rig,
) -> None:
    await rig.thumbs.note_listed(rig.photos)
    await rig.thumbs.run()
    rig.fake.counters.reset()
    await rig.thumbs.note_listed(rig.photos)
    assert rig.wanted() == set()
    await rig.thumbs.run()
    assert rig.fake.counters.file_requests == {}


async def test_a_thumbnail_deleted_or_torn_on_disk_is_wanted_again(rig: Rig) -> None:
    await rig.thumbs.note_listed(rig.photos)
    await rig.thumbs.run()
    first, second = rig.photos[0].id, rig.photos[1].id
    Archive(rig.out).thumbnail(first, "q").unlink()
    torn = Archive(rig.out).thumbnail(second, "z")
    torn.write_bytes(torn.read_bytes()[:100])
    await rig.thumbs.note_listed(rig.photos)
    assert rig.wanted() == {(first, "q"), (second, "z")}


async def test_a_replaced_photo_wants_its_new_renditions_but_another_host_is_the_same_file(
    rig: Rig,
) -> None:
    await rig.thumbs.note_listed(rig.photos)
    await rig.thumbs.run()
    photo = rig.photos[0]
    assert photo.square_url is not None and photo.preview_url is not None
    moved = replace(photo, square_url=photo.square_url.replace("127.0.0.1", "localhost"))
    await rig.thumbs.note_listed([moved])
    assert rig.wanted() == set()
    replaced = replace(photo, preview_url=photo.preview_url.replace("_z.jpg", "_n.jpg"))
    await rig.thumbs.note_listed([replaced])
    assert rig.wanted() == {(photo.id, "z")}


async def test_a_refused_thumbnail_is_counted_not_raised_and_stays_wanted(rig: Rig) -> None:
    photo = rig.photos[0]
    rig.fake.faults.fail_file(photo.id, 404, what="q")
    await rig.thumbs.note_listed(rig.photos)
    await rig.thumbs.run()
    assert rig.stats.thumbnails_failed == 1
    assert rig.stats.thumbnails == 2 * len(rig.photos) - 1
    assert rig.wanted() == {(photo.id, "q")}
    assert not Archive(rig.out).thumbnail(photo.id, "q").exists()


async def test_a_cdn_429_on_a_thumbnail_pauses_every_download_and_the_file_still_arrives(
    rig: Rig,
) -> None:
    photo = rig.photos[0]
    rig.fake.faults.fail_file(photo.id, 429, times=2, what="q")
    await rig.thumbs.note_listed(rig.photos)
    await rig.thumbs.run()
    # The limit and the pause the download workers share: fewer files at once, originals too.
    assert rig.servers.transfers.cuts >= 1
    assert rig.servers.throttle.episodes >= 1
    assert rig.stats.thumbnails_failed == 0
    assert Archive(rig.out).thumbnail(photo.id, "q").read_bytes() == rig.fake.size_bytes(
        photo.id, "q"
    )


async def test_thumbnails_never_take_a_place_the_originals_wait_for(rig: Rig) -> None:
    # Every place of the run's limit on originals in flight is taken: while the file servers
    # have not throttled, the thumbnails still come, on places of their own (before issue 20
    # they waited for one of these).
    async with contextlib.AsyncExitStack() as held:
        for _ in range(rig.servers.transfers.limit):
            await held.enter_async_context(rig.servers.transfers.transfer())
        await rig.thumbs.note_listed(rig.photos)
        async with asyncio.timeout(60):  # a guard: a lane that waits for them never ends
            await rig.thumbs.run()
        assert rig.servers.transfers.in_flight == rig.servers.transfers.limit
    assert rig.stats.thumbnails == 2 * len(rig.photos)


async def test_a_lane_started_before_the_listing_takes_what_each_page_marks_once(
    rig: Rig,
) -> None:
    listing_done = asyncio.Event()
    lane = asyncio.create_task(rig.thumbs.run(listing_done=listing_done))
    # Pages listed in an order other than the ids': the rows of a later page may sort
    # before those the lane has already passed.
    by_id = sorted(rig.photos, key=lambda p: p.id)
    await rig.thumbs.note_listed(by_id[len(by_id) // 2 :])
    await asyncio.sleep(0)  # the lane looks at what the first page marked
    await rig.thumbs.note_listed(by_id[: len(by_id) // 2])
    listing_done.set()
    async with asyncio.timeout(60):
        await lane
    assert rig.wanted() == set()
    assert rig.stats.thumbnails == 2 * len(rig.photos) and rig.stats.thumbnails_failed == 0
    assert set(rig.fake.counters.file_requests.values()) == {2}  # q and z, each once


async def test_what_is_not_a_jpeg_is_never_placed(rig: Rig) -> None:
    # A PNG original stands in for the placeholder image Flickr serves for some missing files.
    png = next(p for p in rig.photos if p.url_o and p.url_o.endswith(".png"))
    await rig.thumbs.note_listed([replace(png, square_url=png.url_o, preview_url=None)])
    await rig.thumbs.run()
    assert rig.stats.thumbnails_failed == 1 and rig.stats.thumbnails == 0
    assert not Archive(rig.out).thumbnail(png.id, "q").exists()
    assert rig.wanted() == {(png.id, "q")}


async def test_thumbnails_past_their_ceiling_are_counted_failed_and_never_placed(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flickr_async import thumbnails

    monkeypatch.setattr(thumbnails, "MAX_THUMBNAIL_BYTES", 100)  # smaller than any of them
    await rig.thumbs.note_listed(rig.photos)
    wanted = rig.wanted()
    await rig.thumbs.run()
    assert rig.stats.thumbnails == 0
    assert rig.stats.thumbnails_failed == len(wanted) > 0
    assert rig.wanted() == wanted  # the next run asks again
    assert not any(Archive(rig.out).thumbnail(pid, what).exists() for pid, what in wanted)
