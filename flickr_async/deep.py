"""DeepMetadata.run(): getInfo's notes, people and permissions, after every file is safe.

Runs once the photos' stages are done (every file and its list-level sidecar on disk), with
the API budget that is left, and goes on across runs: the state database says which photos
still lack deep metadata (`metadata_level`). Per photo: getInfo, people.getList where getInfo
says someone is in it, then the sidecar is rewritten (atomically, album copies re-linked)
and only then does state say "deep". A run killed at any point loses at most the calls of
the photos in hand.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from flickr_async import portable, sidecar, xmp
from flickr_async.account import Person
from flickr_async.api import FlickrAPI
from flickr_async.errors import ApiBudgetSpent, AuthError, FlickrAsyncError, StorageError
from flickr_async.fsutil import Scratch, write_atomic, write_if_changed
from flickr_async.jobs import Stats
from flickr_async.metadata import people_of
from flickr_async.models import Photo
from flickr_async.settings import Settings
from flickr_async.state import State, StoredPhoto
from flickr_async.writer import (
    finish_in_thread,
    is_jpeg,
    link_beside,
    read_sidecar,
    sidecar_file,
    xmp_file,
)

log = logging.getLogger(__name__)

BATCH = 500  # rows read from state at a time


class DeepMetadata:
    """A few API workers over the photos that lack deep metadata; the token bucket sets
    the pace, --max-api-calls where it ends."""

    def __init__(
        self,
        *,
        api: FlickrAPI,
        settings: Settings,
        state: State,
        stats: Stats,
        scratch: Scratch,
        workers: int,
    ) -> None:
        assert settings.out is not None
        self.api = api
        self.settings = settings
        self.out: Path = settings.out
        self.state = state
        self.stats = stats
        self.scratch = scratch
        self.workers = max(1, workers)

    async def run(self) -> None:
        counts = await asyncio.to_thread(self.state.counts)
        self.stats.deep_total = counts["awaiting_deep"]
        if not self.stats.deep_total:
            return
        rows: asyncio.Queue[StoredPhoto | None] = asyncio.Queue(maxsize=self.workers * 2)
        async with asyncio.TaskGroup() as tg:
            for _ in range(self.workers):
                tg.create_task(self._work(rows))
            after = ""
            while not self.api.budget_spent:
                batch = await asyncio.to_thread(self.state.awaiting_deep, after, BATCH)
                if not batch:
                    break
                for row in batch:
                    if self.api.budget_spent:
                        break
                    await rows.put(row)
                after = batch[-1].id
            for _ in range(self.workers):
                await rows.put(None)
        self.stats.awaiting_deep = (await asyncio.to_thread(self.state.counts))["awaiting_deep"]

    async def _work(self, rows: asyncio.Queue[StoredPhoto | None]) -> None:
        while (row := await rows.get()) is not None:
            if self.api.budget_spent:
                continue  # drain: what is left waits for the next run
            try:
                photo = await self.api.photos_get_info_by_id(row.id)
                people = await people_of(self.api, photo)
                await finish_in_thread(self._apply, row, photo, people)
            except (AuthError, StorageError):
                raise
            except ApiBudgetSpent:
                continue
            except FlickrAsyncError as exc:
                self.stats.failed += 1
                self.stats.failures[row.id] = f"deep metadata: {exc}"
                log.warning("photo %s: deep metadata failed: %s", row.id, exc)
                continue
            self.stats.deep += 1

    def _apply(self, row: StoredPhoto, photo: Photo, people: tuple[Person, ...]) -> None:
        assert row.path is not None
        primary = self.out / row.path
        old = read_sidecar(primary)
        if old is None:
            # Nothing to add to: the next run's "changed" job rebuilds the sidecar first.
            log.warning("photo %s: its sidecar is unreadable; rebuilt next run", row.id)
            self.state.mark_metadata_stale(row.id)
            return
        doc = sidecar.with_deep(old, photo, people)
        doc.setdefault("metadata_level", "deep")
        write_atomic(sidecar_file(primary), sidecar.dumps(doc), self.scratch)
        beside = [sidecar_file(primary)]
        meta = portable.from_sidecar(doc)
        changed = meta != portable.from_sidecar(old)
        if self.settings.xmp:
            write_if_changed(xmp_file(primary), xmp.packet(meta), self.scratch)
            beside.append(xmp_file(primary))
        link_beside(primary, beside, [self.out / rel for rel in row.links], self.scratch)
        # What the file itself carries changed (an archive made with --metadata basic gets
        # tags as typed, place names): re-embedded from the sidecar by the next run.
        re_embed = changed and self.settings.exif and primary.exists() and is_jpeg(primary)
        self.state.record_deep(row.id, re_embed=re_embed)
