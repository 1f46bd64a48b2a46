"""Producer.run() against the fake Flickr: which jobs an archive's state and the account yield."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from flickr_async.api import open_api
from flickr_async.archive import Archive
from flickr_async.jobs import AlbumPlan, Job, ListingDone, Message, Reason, Stats
from flickr_async.pipeline import run_backup
from flickr_async.producer import Producer
from flickr_async.retry import RetryPolicy
from flickr_async.settings import Settings
from flickr_async.state import State
from tests.fakeflickr import FakeFlickr, Library, generate_library
from tests.rig import owner_settings

GET_PHOTOS = "flickr.photosets.getPhotos"


async def no_sleep(_: float) -> None:
    return None


@dataclass
class Produced:
    """Everything one Producer.run() sent, queue by queue."""

    messages: list[Message]
    downloads: list[Job | None]
    metadata: list[Job | None]
    stats: Stats

    @property
    def jobs(self) -> dict[str, Job]:
        return {m.photo.id: m for m in self.messages if isinstance(m, Job)}

    @property
    def plan(self) -> AlbumPlan:
        [plan] = [m for m in self.messages if isinstance(m, AlbumPlan)]
        return plan

    @property
    def listing(self) -> ListingDone:
        [done] = [m for m in self.messages if isinstance(m, ListingDone)]
        return done


@dataclass
class Rig:
    fake: FakeFlickr
    library: Library
    settings: Settings
    runs: list[Produced] = field(default_factory=list)

    @property
    def out(self) -> Path:
        assert self.settings.out is not None
        return self.settings.out

    async def backup(self) -> None:
        """A real backup into OUT: the archive the producer then diffs against."""
        assert (await run_backup(self.settings)).ok
        self.fake.counters.reset()

    async def produce(self, **options: Any) -> Produced:
        settings = replace(self.settings, **options)
        state = State.open(self.out)
        downloads: asyncio.Queue[Job | None] = asyncio.Queue()
        metadata: asyncio.Queue[Job | None] = asyncio.Queue()
        results: asyncio.Queue[Message] = asyncio.Queue()
        stats = Stats()
        try:
            retry = RetryPolicy(attempts=3, sleep=no_sleep)
            async with open_api(settings, retry=retry) as api:
                user = await api.test_login()
                producer = Producer(
                    api=api,
                    state=state,
                    settings=settings,
                    user_nsid=user.nsid,
                    stats=stats,
                    downloads=downloads,
                    metadata=metadata,
                    results=results,
                    download_workers=1,
                    metadata_workers=1,
                )
                await producer.run()
        finally:
            state.close()
        return Produced(drain(results), drain(downloads), drain(metadata), stats)

    def stored(self, photo_id: str) -> Path:
        state = State.open(self.out)
        try:
            row = state.photo(photo_id)
        finally:
            state.close()
        assert row is not None and row.path is not None
        return self.out / row.path


def drain(queue: asyncio.Queue[Any]) -> list[Any]:
    items = []
    while not queue.empty():
        items.append(queue.get_nowait())
    return items


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    library = generate_library(seed=6, photos=12, videos=1, albums=3)
    async with FakeFlickr(library).serve() as fake:
        settings = owner_settings(fake, out=tmp_path / "out", retry_max_wait=0.01, concurrency=2)
        yield Rig(fake, library, settings)


@pytest.fixture
async def archived(rig: Rig) -> Rig:
    await rig.backup()
    return rig


def a_still(library: Library, *, in_album: bool | None = None) -> str:
    return next(
        p.id
        for p in library.photos
        if not p.is_video
        and p.can_download
        and (in_album is None or bool(library.albums_of(p.id)) == in_album)
    )


# --- an empty archive -------------------------------------------------------------------


async def test_a_first_run_downloads_every_photo_as_new(rig: Rig) -> None:
    produced = await rig.produce()
    ids = {p.id for p in rig.library.photos}
    assert set(produced.jobs) == ids
    assert all(job.reason is Reason.NEW and job.download for job in produced.jobs.values())
    assert sorted(j.photo.id for j in produced.downloads if j) == sorted(ids)
    assert produced.downloads[-1] is None  # one stop sign per download worker


async def test_with_basic_metadata_only_photos_with_comments_need_a_metadata_call(
    rig: Rig,
) -> None:
    produced = await rig.produce(metadata="basic")
    for photo in rig.library.photos:
        assert produced.jobs[photo.id].metadata == bool(photo.comments), photo.id


async def test_the_album_plan_holds_every_album_and_member_read_page_by_page(rig: Rig) -> None:
    rig.fake.faults.max_per_page("flickr.photosets.getList", 2)
    rig.fake.faults.max_per_page(GET_PHOTOS, 2)
    plan = (await rig.produce()).plan
    assert [a.id for a in plan.albums] == [a.id for a in rig.library.albums]
    assert plan.photo_ids == {a.id: tuple(a.photo_ids) for a in rig.library.albums}


# --- an archive that is up to date ---------------------------------------------------------


async def test_an_unchanged_photo_gets_no_job(archived: Rig) -> None:
    produced = await archived.produce()
    assert produced.jobs == {}
    assert produced.stats.unchanged == len(archived.library.photos)
    assert produced.listing.complete and produced.listing.gone == ()


async def test_only_albums_whose_date_update_moved_are_listed_again(
    archived: Rig,
) -> None:
    album = archived.library.albums[0]
    newcomer = next(p.id for p in archived.library.photos if p.id not in album.photo_ids)
    archived.library.add_to_album(album.id, newcomer)
    produced = await archived.produce()
    assert archived.fake.counters.api_calls[GET_PHOTOS] == 1
    assert produced.plan.photo_ids[album.id] == tuple(album.photo_ids)


# --- what changed on Flickr or on disk -----------------------------------------------------


async def test_a_photo_whose_lastupdate_moved_gets_a_changed_job_without_a_download(
    archived: Rig,
) -> None:
    target = a_still(archived.library)
    archived.library.edit_photo(target, title="edited")
    produced = await archived.produce()
    assert set(produced.jobs) == {target}
    job = produced.jobs[target]
    assert job.reason is Reason.CHANGED and not job.download and job.metadata
    assert [j.photo.id for j in produced.metadata if j] == [target]
    assert [j for j in produced.downloads if j] == []


async def test_a_photo_added_to_an_album_gets_a_job_without_a_download(archived: Rig) -> None:
    album = archived.library.albums[0]
    target = next(p.id for p in archived.library.photos if p.id not in album.photo_ids)
    archived.library.add_to_album(album.id, target)
    produced = await archived.produce()
    assert set(produced.jobs) == {target}
    assert not produced.jobs[target].download


async def test_a_photo_whose_file_is_missing_on_disk_is_downloaded_again(archived: Rig) -> None:
    target = a_still(archived.library)
    archived.stored(target).unlink()
    produced = await archived.produce()
    assert set(produced.jobs) == {target} and produced.jobs[target].download


async def test_a_photo_whose_file_was_cut_short_is_downloaded_again(archived: Rig) -> None:
    target = a_still(archived.library)
    path = archived.stored(target)
    path.write_bytes(path.read_bytes()[:100])
    produced = await archived.produce()
    assert set(produced.jobs) == {target} and produced.jobs[target].download


def beside(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


async def test_a_missing_xmp_sidecar_gets_a_job_with_no_download_and_no_call(
    archived: Rig,
) -> None:
    target = a_still(archived.library)
    beside(archived.stored(target), ".xmp").unlink()
    produced = await archived.produce()
    job = produced.jobs[target]
    assert set(produced.jobs) == {target}
    assert (job.reason, job.download, job.metadata) == ("sidecars", False, False)
    assert [j for j in produced.downloads + produced.metadata if j] == []


async def test_a_missing_album_copy_gets_a_job_with_no_download(archived: Rig) -> None:
    target = next(
        p.id for p in archived.library.photos if len(archived.library.albums_of(p.id)) > 1
    )
    primary = archived.stored(target)
    copy = next(p for p in archived.out.rglob(primary.name) if p != primary)
    copy.unlink()
    produced = await archived.produce()
    job = produced.jobs[target]
    assert (job.reason, job.download, job.metadata) == ("sidecars", False, False)


async def test_a_json_sidecar_gone_everywhere_asks_its_metadata_again_without_a_download(
    archived: Rig,
) -> None:
    target = a_still(archived.library, in_album=False)
    beside(archived.stored(target), ".json").unlink()
    produced = await archived.produce()
    job = produced.jobs[target]
    assert (job.reason, job.download, job.metadata) == ("lost-sidecar", False, True)


async def test_an_emptied_sidecar_counts_as_missing(archived: Rig) -> None:
    """What a power cut can leave of a rewritten file on some filesystems."""
    target = a_still(archived.library, in_album=False)
    beside(archived.stored(target), ".json").write_bytes(b"")
    produced = await archived.produce()
    assert produced.jobs[target].reason is Reason.LOST_SIDECAR


async def test_without_xmp_sidecars_a_missing_xmp_is_no_reason_for_a_job(archived: Rig) -> None:
    target = a_still(archived.library)
    beside(archived.stored(target), ".xmp").unlink()
    produced = await archived.produce(xmp=False)
    assert produced.jobs == {}


async def test_a_replaced_original_is_downloaded_again(archived: Rig) -> None:
    target = a_still(archived.library)
    archived.library.replace_original(target)
    produced = await archived.produce()
    assert set(produced.jobs) == {target} and produced.jobs[target].download


async def test_a_photo_marked_deleted_that_is_listed_again_gets_a_job(archived: Rig) -> None:
    target = a_still(archived.library)
    state = State.open(archived.out)
    state.mark_deleted([target], "2024-01-01")
    state.close()
    produced = await archived.produce()
    assert set(produced.jobs) == {target}
    assert not produced.jobs[target].download  # the file is there: only the flag is wrong


async def test_a_failed_row_whose_path_no_layout_gives_is_tried_again(archived: Rig) -> None:
    # A path like this (an editor's backup name) is no placement layout.placement accepts:
    # the run must retry the photo, not raise while working out where it belongs now.
    target = a_still(archived.library, in_album=False)
    with sqlite3.connect(Archive(archived.out).state_file) as db:
        db.execute(
            "UPDATE photos SET status = 'failed', path = ? WHERE id = ?",
            (f"Unsorted/{target}.jpg~", target),
        )
    db.close()
    produced = await archived.produce()
    assert set(produced.jobs) == {target}
    assert produced.jobs[target].reason is Reason.RETRY and produced.jobs[target].download


# --- deletions --------------------------------------------------------------------------


async def test_a_photo_gone_from_a_complete_listing_is_reported_gone(archived: Rig) -> None:
    target = a_still(archived.library, in_album=False)
    archived.library.delete_photo(target)
    produced = await archived.produce()
    assert produced.listing.complete
    assert produced.listing.gone == (target,)
    assert produced.jobs == {}


async def test_no_photo_is_reported_gone_when_the_listing_broke_off(archived: Rig) -> None:
    target = a_still(archived.library, in_album=False)
    archived.library.delete_photo(target)
    archived.fake.faults.stat_fail(code=105, times=None, method="flickr.photos.search")
    produced = await archived.produce()
    assert not produced.listing.complete
    assert produced.listing.gone == ()
