"""Thumbnails: Flickr's own small renditions for the site, fetched beside the originals.

A site of thousands of photos needs small images with known sizes. Shrinking the originals
would mean decoding them (an imaging library, minutes of CPU); Flickr has made the
renditions already and the listing names them in its url_* extras, so each is one file
request like any download and never an API call. A photo or video (its poster frame) gets
`OUT/.site/thumbs/<id>_q.jpg`, the Large Square 150, and `<id>_z.jpg`, the Medium 640 or the
largest listed size below it. One whose listing offers neither gets none: the site shows a
placeholder.

Two halves, so that no list of every photo's URLs is ever held. While the producer lists,
`note_listed` compares each page with the state table `thumbnails` and marks what is wanted:
a URL never fetched, another URL (the photo was replaced on Flickr) or a file gone or torn on
disk. That costs one SELECT per page and a stat per thumbnail. From the start of the run, `run`
pages through the wanted rows (a partial index makes that free when there are none), again
after each listed page, and fetches them with the download workers' own code (the same retry
policy, the same pause after a 429: a CDN 429 on a thumbnail holds the originals back too) in
a lane beside the originals, at low priority in their limit on files in flight (ratelimit's
AdaptiveLimit): while the file servers have not throttled, up to --concurrency thumbnails in
flight on places of their own, so that an original never waits for one; from the first CDN
429 (on either) one budget, the limit the 429s halve, in which a thumbnail gets a place only
when no original waits for one, so a throttling CDN never sees more connections than it would
without the site. Without the lane a first backup's 2 thumbnails per photo were a second pass
after the originals (bench 13); with half as many places the lane, at ~0.2 s a thumbnail on a
busy machine, still outlasted the originals. A failure is counted and never fails the run;
the row stays wanted for the next run. Thumbnails of photos deleted on Flickr stay.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

from flickr_async import confine, edge, layout
from flickr_async.api import FlickrAPI
from flickr_async.archive import Archive
from flickr_async.downloader import FileFetcher, FileServers, part_path
from flickr_async.errors import DownloadError, FlickrAsyncError, StorageError
from flickr_async.fsutil import Scratch, raise_if_disk_problem, size_of
from flickr_async.jobs import Stats
from flickr_async.models import Photo
from flickr_async.settings import Settings
from flickr_async.state import THUMB_FOUND, State, StoredThumb

log = logging.getLogger(__name__)

SQUARE = layout.THUMB_SQUARE  # Large Square, 150 x 150
PREVIEW = layout.THUMB_PREVIEW  # Medium 640, or the largest size below it the listing offered
BATCH = 500
JPEG_START = b"\xff\xd8\xff"
# Flickr's 150 px square and 640 px rendition weigh tens of KB: a "thumbnail" bigger than
# this is not one (an endless stream), and stops here, not at a photo's 1 GiB.
MAX_THUMBNAIL_BYTES = 16 << 20


def offered(photo: Photo) -> list[tuple[str, str]]:
    """(size, url) of the thumbnails the listing offers for a photo."""
    pairs = ((SQUARE, photo.square_url), (PREVIEW, photo.preview_url))
    return [(size, url) for size, url in pairs if url]


def same_file(a: str, b: str) -> bool:
    # Compare paths only: Flickr serves one file from several static hosts.
    return urlsplit(a).path == urlsplit(b).path


class Thumbnails:
    """Marks the thumbnails a listing page wants; fetches them beside the originals."""

    def __init__(
        self,
        *,
        api: FlickrAPI,
        settings: Settings,
        archive: Archive,
        state: State,
        stats: Stats,
        servers: FileServers,
        tmp: Path,
    ) -> None:
        self.out = archive.out
        self.archive = archive
        self.state = state
        self.stats = stats
        self.workers = settings.concurrency
        self.tmp = tmp  # under OUT: a finished file reaches its name by rename
        self._noted = asyncio.Event()
        # The originals' limit at low priority: places of their own until the file servers
        # first throttle, from then one budget in which an original never waits for one.
        # The pause after a CDN 429 is the run's: a 429 on a thumbnail holds the originals
        # back too, and halves their limit.
        self.servers = replace(servers, low_priority=True)
        # counts their bytes: nothing else (no photo is "downloaded")
        self.fetcher = FileFetcher.for_api(api, settings, stats=stats, servers=self.servers)

    # --- while listing -------------------------------------------------------------------

    async def note_listed(self, batch: Sequence[Photo]) -> None:
        await asyncio.to_thread(self._note, batch)
        self._noted.set()  # the lane's feed looks for new rows again

    def _note(self, batch: Sequence[Photo]) -> None:
        offers = {(p.id, size): url for p in batch for size, url in offered(p)}
        if not offers:
            return
        stored = self.state.thumbnails(list(dict.fromkeys(pid for pid, _ in offers)))
        wanted: list[tuple[str, str, str]] = []
        found: list[StoredThumb] = []
        for (pid, size), url in offers.items():
            row = stored.get((pid, size))
            if (
                row is not None
                and row.url == THUMB_FOUND
                and row.bytes is not None
                and size_of(self.archive.thumbnail(pid, size)) == row.bytes
            ):
                # Recorded by a rebuilt state from the file on disk: whole, it is taken as
                # the one this listing offers (a new URL later fetches anew).
                found.append(StoredThumb(pid, size, url, row.bytes))
                continue
            if row is None or not same_file(row.url, url):
                wanted.append((pid, size, url))
            elif row.bytes is not None and size_of(self.archive.thumbnail(pid, size)) != row.bytes:
                wanted.append((pid, size, url))  # deleted or torn on disk
        if found:
            self.state.keep_thumbnails(found)
        if wanted:
            self.state.want_thumbnails(wanted)

    # --- beside the originals, at low priority -------------------------------------------

    async def run(self, *, listing_done: asyncio.Event | None = None) -> None:
        """Fetch every wanted thumbnail, --concurrency workers at low priority in the
        originals' limit (an original never waits for one). With `listing_done`, start at
        once and take the rows each listed page marks, in rounds, until the listing is over
        and a round found nothing new."""
        scratch = Scratch(self.tmp, out=self.out)
        scratch.clear()  # a killed run's leftovers: never under a final name
        queue: asyncio.Queue[StoredThumb | None] = asyncio.Queue(maxsize=self.workers * 2)
        busy: set[tuple[str, str]] = set()  # queued or in flight
        finished: set[tuple[str, str]] = set()  # since the batch being queued was read
        failed: set[tuple[str, str]] = set()  # stay wanted: the next run tries again

        async def feed() -> None:
            while True:
                self._noted.clear()
                after = ("", "")
                while True:
                    finished.clear()  # what ends from now on may still be in this batch
                    rows = await asyncio.to_thread(self.state.wanted_thumbnails, after, BATCH)
                    if not rows:
                        break
                    for row in rows:
                        key = (row.id, row.size)
                        if key in busy or key in finished or key in failed:
                            continue
                        busy.add(key)
                        await queue.put(row)
                    after = (rows[-1].id, rows[-1].size)
                if listing_done is None or (listing_done.is_set() and not self._noted.is_set()):
                    break
                await _first_of(self._noted, listing_done)
            await queue.put(None)  # each worker passes it on to the next

        async def work() -> None:
            while (row := await queue.get()) is not None:
                key = (row.id, row.size)
                try:
                    if not await self._fetch(row):
                        failed.add(key)
                finally:
                    busy.discard(key)
                    finished.add(key)
            await queue.put(None)

        try:
            async with asyncio.TaskGroup() as tg:
                tg.create_task(feed())
                for _ in range(self.workers):
                    tg.create_task(work())
        except* StorageError as group:
            # The disk is full or read-only: the originals come first.
            log.warning("thumbnails stopped: %s", group.exceptions[0])
        if self.stats.thumbnails_failed:
            log.warning(
                "%d thumbnails could not be fetched; the next run tries again",
                self.stats.thumbnails_failed,
            )

    async def _fetch(self, row: StoredThumb) -> bool:
        """True when the thumbnail is in place; a failure is counted, never raised."""
        name = f"{row.id}_{row.size}"
        if not edge.is_photo_id(row.id) or row.size not in (SQUARE, PREVIEW):
            self._failed(edge.shown(name), "not a thumbnail name this tool makes")
            return False
        part = part_path(self.tmp, name, row.url)
        try:
            size, _, _ = await self.fetcher.fetch_url(
                row.url, part, what=f"thumbnail {name}", limit=MAX_THUMBNAIL_BYTES
            )
            await asyncio.to_thread(self._place, row, part, size)
            self.stats.thumbnails += 1
            return True
        except StorageError:
            raise
        except OSError as exc:
            raise_if_disk_problem(exc, self.out)
            self._failed(name, str(exc))
        except FlickrAsyncError as exc:
            self._failed(name, str(exc))
        except Exception as exc:  # one bad thumbnail must not stop the others
            log.debug("thumbnail %s failed", name, exc_info=True)
            self._failed(name, f"{type(exc).__name__}: {exc}")
        finally:
            await asyncio.to_thread(part.unlink, missing_ok=True)
        return False

    def _place(self, row: StoredThumb, part: Path, size: int) -> None:
        with part.open("rb") as fh:
            if fh.read(len(JPEG_START)) != JPEG_START:
                # Flickr answers some missing files with a placeholder image, not a 404.
                raise DownloadError("the file server sent something other than a JPEG")
        dest = confine.inside(self.out, self.archive.thumbnail(row.id, row.size))
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(part, dest)
        self.state.record_thumbnail(row.id, row.size, row.url, size)

    def _failed(self, name: str, error: str) -> None:
        log.info("thumbnail %s: %s", name, error)
        self.stats.thumbnails_failed += 1


async def _first_of(*events: asyncio.Event) -> None:
    waits = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()
