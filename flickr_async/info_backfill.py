"""InfoBackfill.run(): getInfo's notes, people and permissions, once each file is safe.

A photo's deep metadata is asked only after its file and list-level sidecar are on disk:
beside the downloads with the API calls the listing and the list level leave (background
callers of the token bucket), then, once every file is in, for every photo of the archive
still waiting (older runs' too). With --max-api-calls the whole pass waits for the files, so
the budget goes to the list level first. It continues across runs: the state database says
which photos still lack deep metadata (`metadata_level`). Per photo: getInfo, people.getList
where getInfo says someone is in it, then the sidecar is rewritten (atomically, album copies
re-linked) and only then does state say "deep". A run killed at any point loses at most the
calls of the photos in hand.
"""

from __future__ import annotations

import asyncio
import logging

from flickr_async import confine, embedded_meta, sidecar, xmp
from flickr_async.account_records import Person
from flickr_async.api import BACKGROUND, FlickrAPI
from flickr_async.archive import Archive, link_beside, read_sidecar, sidecar_of, xmp_of
from flickr_async.embed import is_jpeg
from flickr_async.errors import ApiBudgetSpent, FatalError, FlickrAsyncError
from flickr_async.fsutil import Scratch, finish_in_thread, write_atomic, write_if_changed
from flickr_async.jobs import Stats
from flickr_async.metadata_fetcher import people_of
from flickr_async.models import Photo
from flickr_async.settings import Settings
from flickr_async.state import State

log = logging.getLogger(__name__)

BATCH = 500  # rows read from state at a time


class InfoBackfill:
    """A few API workers over the photos that lack deep metadata; the token bucket sets
    the pace, --max-api-calls where it ends.

    Beside the files (`placed` given): photos the writer has just placed, as background
    callers of the token bucket, so listing and list-level calls always go first and only
    the budget they leave is used. After the files (`files_done`): every photo of the
    archive still waiting, older runs' included, in id order.
    """

    def __init__(
        self,
        *,
        api: FlickrAPI,
        settings: Settings,
        archive: Archive,
        state: State,
        stats: Stats,
        scratch: Scratch,
        workers: int,
        placing: asyncio.Lock,
        files_done: asyncio.Event,
        placed: asyncio.Queue[str] | None = None,
    ) -> None:
        self.api = api
        self.settings = settings
        self.out = archive.out
        self.state = state
        self.stats = stats
        self.scratch = scratch
        self.workers = max(1, workers)
        self.placing = placing
        self.files_done = files_done
        self.placed = placed
        # Photos queued beside the files and not finished yet: the scan after the files
        # must not ask for them again (state still says they wait until they are done).
        self._in_hand: set[str] = set()

    async def run(self) -> None:
        work: asyncio.Queue[tuple[str, bool] | None] = asyncio.Queue(maxsize=self.workers * 2)
        async with asyncio.TaskGroup() as tg:
            for _ in range(self.workers):
                tg.create_task(self._work(work))
            await self._feed(work)
            for _ in range(self.workers):
                await work.put(None)
        counts = await asyncio.to_thread(self.state.counts)
        self.stats.awaiting_deep = counts["awaiting_deep"]

    async def _feed(self, work: asyncio.Queue[tuple[str, bool] | None]) -> None:
        placed = self.placed
        while placed is not None and not (self.files_done.is_set() and placed.empty()):
            try:
                photo_id = await asyncio.wait_for(placed.get(), timeout=0.25)
            except TimeoutError:
                continue
            if self.api.budget_spent:
                return
            self._in_hand.add(photo_id)
            await work.put((photo_id, True))
        await self.files_done.wait()
        counts = await asyncio.to_thread(self.state.counts)
        self.stats.deep_total = self.stats.deep + counts["awaiting_deep"]
        after = ""
        while not self.api.budget_spent:
            batch = await asyncio.to_thread(self.state.awaiting_deep, after, BATCH)
            if not batch:
                return
            for row in batch:
                if self.api.budget_spent:
                    return
                if row.id not in self._in_hand:
                    await work.put((row.id, False))
            after = batch[-1].id

    async def _work(self, work: asyncio.Queue[tuple[str, bool] | None]) -> None:
        while (item := await work.get()) is not None:
            photo_id, background = item
            if self.api.budget_spent:
                continue  # drain: what is left waits for the next run
            if not background and not await asyncio.to_thread(self._waiting, photo_id):
                continue  # made deep beside the files after the scan read its row
            token = BACKGROUND.set(background)
            try:
                photo = await self.api.photos_get_info_by_id(photo_id)
                people = await people_of(self.api, photo)
                async with self.placing:
                    applied = await finish_in_thread(self._apply, photo_id, photo, people)
            except FatalError:
                raise
            except ApiBudgetSpent:
                continue
            except FlickrAsyncError as exc:
                self.stats.failed += 1
                self.stats.failures[photo_id] = f"deep metadata: {exc}"
                log.warning("photo %s: deep metadata failed: %s", photo_id, exc)
                continue
            finally:
                BACKGROUND.reset(token)
                if background:
                    self._in_hand.discard(photo_id)
            self.stats.deep += int(applied)

    def _waiting(self, photo_id: str) -> bool:
        row = self.state.photo(photo_id)
        return row is not None and row.is_done and row.metadata_level != "deep"

    def _apply(self, photo_id: str, photo: Photo, people: tuple[Person, ...]) -> bool:
        """The sidecar and state of one photo, as they are now (the writer may have moved or
        rewritten it since it was queued): False when there is nothing to add to."""
        row = self.state.photo(photo_id)
        if row is None or not row.is_done or row.path is None or row.metadata_level == "deep":
            return False
        try:  # a state row's paths, checked to stay inside OUT with no link on the way
            primary = confine.inside(self.out, row.path)
            copies = [confine.inside(self.out, rel) for rel in row.links]
        except confine.UnsafePath as exc:
            log.warning("photo %s: deep metadata not written: %s", photo_id, exc)
            return False
        old = read_sidecar(primary)
        if old is None:
            # Nothing to add to: the next run's "changed" job rebuilds the sidecar first.
            log.warning("photo %s: its sidecar is unreadable; rebuilt next run", photo_id)
            self.state.mark_metadata_stale(photo_id)
            return False
        doc = sidecar.with_deep(old, photo, people)
        meta = embedded_meta.from_sidecar(doc)
        # What the file itself carries changed (an archive made with --metadata basic gets
        # tags as typed, place names): re-embedded from the sidecar by the next run.
        changed = meta != embedded_meta.from_sidecar(old)
        re_embed = changed and self.settings.exif and primary.exists() and is_jpeg(primary)
        if re_embed and isinstance(doc.get("file"), dict):
            doc["file"] = {**doc["file"], "embed_version": 0}  # a rebuilt state owes it too
        write_atomic(sidecar_of(primary), sidecar.dumps(doc), self.scratch)
        beside = [sidecar_of(primary)]
        if self.settings.xmp:
            write_if_changed(xmp_of(primary), xmp.packet(meta), self.scratch)
            beside.append(xmp_of(primary))
        link_beside(primary, beside, copies, self.scratch, self.settings.links)
        self.state.record_deep(photo_id, re_embed=re_embed)
        return True
