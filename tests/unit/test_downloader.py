"""The download worker against the fake Flickr: resume, restart, failures, sources."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from flickr_async.api import FlickrAPI, open_api
from flickr_async.downloader import Downloader, FileFetcher, FileServers, PhotoFetcher, part_path
from flickr_async.errors import NetworkError, RateLimitedError
from flickr_async.jobs import Stats
from flickr_async.models import Photo
from flickr_async.ratelimit import AdaptiveLimit, Throttle
from flickr_async.retry import RetryPolicy
from flickr_async.settings import Settings
from tests.fakeflickr import FakeFlickr, Library, generate_library
from tests.rig import VirtualClock, owner_settings


@dataclass
class Rig:
    fake: FakeFlickr
    api: FlickrAPI
    worker: Downloader
    photos: dict[str, Photo]
    parts: Path
    settings: Settings


@pytest.fixture
def small_library() -> Library:
    return generate_library(seed=3, photos=12, videos=2, albums=1)


@asynccontextmanager
async def serving(library: Library, parts: Path, attempts: int) -> AsyncIterator[Rig]:
    """A download worker for the owner of `library` on a fake Flickr (retries without sleeping,
    `attempts` a file), with the first page of the account's photos."""
    async with FakeFlickr(library).serve() as fake:
        settings = owner_settings(fake)

        async def no_sleep(_: float) -> None:
            return None

        retry = RetryPolicy(attempts=attempts, sleep=no_sleep)
        async with open_api(settings, retry=retry) as api:
            page = await api.photos_search(page=1, per_page=500)
            worker = Downloader(
                fetcher=PhotoFetcher.for_api(
                    api,
                    settings,
                    parts_dir=parts,
                    stats=Stats(),
                    servers=FileServers.for_settings(settings),
                ),
                jobs=asyncio.Queue(),
                results=asyncio.Queue(),
            )
            yield Rig(fake, api, worker, {p.id: p for p in page.items}, parts, settings)


@pytest.fixture
async def rig(small_library: Library, tmp_path: Path) -> AsyncIterator[Rig]:
    async with serving(small_library, tmp_path, attempts=3) as rig:
        yield rig


def a_still(rig: Rig) -> Photo:
    return next(p for p in rig.photos.values() if p.url_o and not p.is_video)


async def test_a_partial_file_is_resumed_with_range_not_fetched_again(rig: Rig) -> None:
    photo = a_still(rig)
    assert photo.url_o is not None
    original = rig.fake.original_bytes(photo.id)
    part_path(rig.parts, photo.id, photo.url_o).write_bytes(original[:1000])
    result = await rig.worker.fetcher.fetch(photo)
    assert result.part.read_bytes() == original
    assert result.record.sha256 == hashlib.sha256(original).hexdigest()
    assert rig.fake.counters.bytes_served[photo.id] == len(original) - 1000


async def test_a_complete_part_costs_one_empty_request(rig: Rig) -> None:
    photo = a_still(rig)
    assert photo.url_o is not None
    original = rig.fake.original_bytes(photo.id)
    part_path(rig.parts, photo.id, photo.url_o).write_bytes(original)
    result = await rig.worker.fetcher.fetch(photo)
    assert result.record.bytes == len(original)
    assert rig.fake.counters.bytes_served[photo.id] == 0


async def test_a_file_fetcher_is_called_without_a_worker_or_a_queue(rig: Rig) -> None:
    photo = a_still(rig)
    assert photo.url_o is not None
    stats = Stats()
    files = FileFetcher.for_api(
        rig.api, rig.settings, stats=stats, servers=FileServers(AdaptiveLimit(1), Throttle())
    )
    original = rig.fake.original_bytes(photo.id)
    part = rig.parts / "one.part"
    size, digest, _ = await files.fetch_url(photo.url_o, part, what="one file")
    assert (size, digest) == (len(original), hashlib.sha256(original).hexdigest())
    assert part.read_bytes() == original and stats.bytes_downloaded == len(original)


async def test_a_server_that_ignores_range_restarts_the_file(rig: Rig) -> None:
    photo = a_still(rig)
    assert photo.url_o is not None
    original = rig.fake.original_bytes(photo.id)
    part_path(rig.parts, photo.id, photo.url_o).write_bytes(b"garbage" * 10)
    rig.fake.faults.no_range = True
    result = await rig.worker.fetcher.fetch(photo)
    assert result.part.read_bytes() == original


async def test_a_truncated_body_is_retried_and_completes(rig: Rig) -> None:
    photo = a_still(rig)
    rig.fake.faults.truncate_file(photo.id, times=2)
    result = await rig.worker.fetcher.fetch(photo)
    assert result.part.read_bytes() == rig.fake.original_bytes(photo.id)


async def test_a_file_that_keeps_failing_raises_a_transient_error_after_every_source(
    rig: Rig,
) -> None:
    photo = a_still(rig)
    rig.fake.faults.fail_file(photo.id, status=503)
    with pytest.raises(NetworkError):
        await rig.worker.fetcher.fetch(photo)
    # the original, the listing's largest other size, then the best size getSizes adds:
    # three attempts each, and getSizes asked once
    assert rig.fake.counters.file_requests[photo.id] == 9
    assert rig.fake.counters.api_calls["flickr.photos.getSizes"] == 1


@pytest.mark.parametrize("status", [403, 410, 500])
async def test_a_refused_original_falls_back_to_the_largest_listed_size_marked_not_original(
    rig: Rig, status: int
) -> None:
    photo = a_still(rig)
    rig.fake.faults.refuse_original(photo.id, status=status)
    result = await rig.worker.fetcher.fetch(photo)
    assert not result.record.original
    assert (result.record.url, result.record.size_label) == (photo.best_url, photo.best_label)
    assert rig.worker.fetcher.stats.not_original == [photo.id]
    # 403 and 5xx may pass (a CDN hiccup): retried first; 410 is final at once
    assert rig.fake.counters.file_requests[photo.id] == (2 if status == 410 else 4)
    async with rig.api.session.get(photo.best_url or "") as served:
        assert result.part.read_bytes() == await served.read()


async def test_a_single_403_on_an_original_is_retried_and_the_original_kept(rig: Rig) -> None:
    photo = a_still(rig)
    rig.fake.faults.refuse_original(photo.id, status=403, times=1)
    result = await rig.worker.fetcher.fetch(photo)
    assert result.record.original
    assert result.part.read_bytes() == rig.fake.original_bytes(photo.id)


async def test_a_refused_original_without_a_listed_size_asks_get_sizes_for_one(rig: Rig) -> None:
    photo = replace(a_still(rig), best_url=None, best_label=None)
    rig.fake.faults.refuse_original(photo.id, status=410)
    result = await rig.worker.fetcher.fetch(photo)
    assert not result.record.original and result.record.size_label not in ("", "Original")
    assert rig.fake.counters.api_calls["flickr.photos.getSizes"] == 1


async def test_probing_an_original_again_costs_one_attempt_before_the_fallback(rig: Rig) -> None:
    photo = a_still(rig)
    rig.fake.faults.refuse_original(photo.id, status=403)
    result = await rig.worker.fetcher.fetch(photo, probe_original=True)
    assert not result.record.original
    assert rig.fake.counters.file_requests[photo.id] == 2


async def test_a_video_whose_original_is_refused_is_saved_from_its_best_rendition(
    rig: Rig, small_library: Library
) -> None:
    video = next(p for p in small_library.photos if p.is_video and p.video and p.video.has_original)
    rig.fake.faults.refuse_original(video.id, status=403)
    result = await rig.worker.fetcher.fetch(rig.photos[video.id])
    assert not result.record.original and result.record.size_label != "Video Original"


def worker_with(rig: Rig, throttle: Throttle, transfers: AdaptiveLimit | None = None) -> Downloader:
    return Downloader(
        fetcher=PhotoFetcher.for_api(
            rig.api,
            rig.settings,
            parts_dir=rig.parts,
            stats=Stats(),
            servers=FileServers(transfers or AdaptiveLimit(8), throttle),
        ),
        jobs=asyncio.Queue(),
        results=asyncio.Queue(),
    )


@pytest.mark.parametrize("retry_after", [None, "12", "HTTP-DATE"])
async def test_a_file_server_429_closes_the_gate_every_worker_waits_at(
    rig: Rig, retry_after: str | None
) -> None:
    clock = VirtualClock()
    throttle = Throttle(initial=5.0, ceiling=60.0, clock=clock, sleep=clock.sleep)
    first, second = worker_with(rig, throttle), worker_with(rig, throttle)
    a, b = [p for p in rig.photos.values() if p.url_o and not p.is_video][:2]
    if retry_after == "HTTP-DATE":
        when = datetime.now(UTC) + timedelta(seconds=30)
        retry_after = format_datetime(when, usegmt=True)
    rig.fake.faults.fail_file(a.id, status=429, times=1, retry_after=retry_after)
    result = await first.fetcher.fetch(a)
    assert result.record.original and throttle.episodes == 1
    expected = {None: 5.0, "12": 12.0}.get(retry_after, 29.0)
    assert clock.now >= expected  # the retry waited at the gate
    throttle.throttled()  # throttled again, as if another worker had hit a 429 meanwhile
    before = clock.now
    await second.fetcher.fetch(b)
    assert clock.now > before, "the other worker did not wait at the shared gate"


async def test_a_file_server_429_halves_the_files_in_flight_and_a_success_counts_towards_more(
    rig: Rig,
) -> None:
    clock = VirtualClock()
    transfers = AdaptiveLimit(8)
    worker = worker_with(rig, Throttle(clock=clock, sleep=clock.sleep), transfers)
    photo = a_still(rig)
    rig.fake.faults.fail_file(photo.id, status=429, times=1)
    result = await worker.fetcher.fetch(photo)
    assert result.record.original
    assert (transfers.cuts, transfers.limit, transfers.in_flight) == (1, 4, 0)


@pytest.mark.parametrize("listed_other_size", [True, False])
async def test_a_429_that_outlasts_its_retries_fails_the_file_without_any_api_call(
    rig: Rig, listed_other_size: bool
) -> None:
    # Without a listed fallback size a refused original costs a getSizes call; a throttled
    # one must not: the CDN is busy, not refusing, and the API quota is not its business.
    photo = a_still(rig)
    if not listed_other_size:
        photo = replace(photo, best_url=None, best_label=None)
    clock = VirtualClock()
    worker = worker_with(rig, Throttle(clock=clock, sleep=clock.sleep))
    rig.fake.faults.fail_file(photo.id, status=429)
    rig.fake.counters.reset()
    with pytest.raises(RateLimitedError):
        await worker.fetcher.fetch(photo)
    assert rig.fake.counters.total_api_calls == 0
    assert rig.fake.counters.file_requests[photo.id] == rig.api.retry.throttled_budget


async def test_a_video_is_fetched_from_its_video_original_with_its_real_extension(
    rig: Rig, small_library: Library
) -> None:
    video = next(p for p in small_library.photos if p.is_video and p.video and p.video.has_original)
    assert video.video is not None
    result = await rig.worker.fetcher.fetch(rig.photos[video.id])
    assert result.record.original and result.record.size_label == "Video Original"
    assert result.record.ext == video.video.container
    assert result.part.read_bytes() == rig.fake.video_bytes(video.id, "orig")


async def test_a_batch_being_written_when_cancelled_is_written_and_hashed_once() -> None:
    from flickr_async.downloader import _append

    written: list[bytes] = []
    release = asyncio.Event()

    class SlowFile:
        async def write(self, data: bytes) -> None:
            await release.wait()
            written.append(data)

    hasher = hashlib.sha256()
    task = asyncio.create_task(_append(SlowFile(), hasher, b"batch"))
    await asyncio.sleep(0)
    task.cancel()
    await asyncio.sleep(0)
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert written == [b"batch"]
    assert hasher.hexdigest() == hashlib.sha256(b"batch").hexdigest()
