"""FavoritesKeeper.run(): with --favorites, other people's photos the owner faved, kept under
OUT/Favorites/ with their sidecars; runs after the photostream's stages, from the favourites
the Organiser listed (no call of its own but the downloads' getSizes for videos).

Their bytes stay exactly as their owners' servers sent them (nothing is embedded: the photos
are not ours to edit); the JSON and XMP sidecars say whose they are, under which licence and
when they were faved. A favourite Flickr no longer lists (un-faved, or deleted by its owner)
keeps its files, marked `removed_on`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from flickr_async import confine, embedded_meta, layout, sidecar, xmp
from flickr_async.account_records import Fave
from flickr_async.api import FlickrAPI
from flickr_async.archive import WITH_SIDECARS, Archive, sidecar_of, xmp_of
from flickr_async.downloader import FileServers, PhotoFetcher
from flickr_async.errors import ApiBudgetSpent, FatalError, FlickrAsyncError
from flickr_async.fsutil import (
    Scratch,
    finish_in_thread,
    raise_if_disk_problem,
    read_json,
    write_atomic,
    write_if_changed,
)
from flickr_async.jobs import Stats
from flickr_async.settings import Settings
from flickr_async.state import State, StoredFave

log = logging.getLogger(__name__)


def favorite_doc(fave: Fave, record: Any, removed_on: str | None) -> dict[str, Any]:
    """The photo's sidecar, plus what makes it a favourite."""
    doc = sidecar.build(fave.photo, comments=(), albums=(), download=record)
    deleted = doc.pop("deleted_on_flickr")
    doc["favorite"] = {"date_faved": fave.date_faved, "removed_on": removed_on}
    doc["deleted_on_flickr"] = deleted
    return doc


class FavoritesKeeper:
    def __init__(
        self,
        *,
        api: FlickrAPI,
        settings: Settings,
        archive: Archive,
        state: State,
        stats: Stats,
        scratch: Scratch,
        parts_dir: Path,
        servers: FileServers,
    ) -> None:
        self.out = archive.out
        self.settings = settings
        self.state = state
        self.stats = stats
        self.scratch = scratch
        self.today = dt.date.today().isoformat()
        apart = Stats()  # favourites are counted apart from the owner's photos
        self.fetcher = PhotoFetcher.for_api(
            api, settings, parts_dir=parts_dir, stats=apart, servers=servers
        )

    async def run(self, faves: Sequence[Fave]) -> None:
        kept = await asyncio.to_thread(self.state.favorites)
        wanted = [f for f in faves if self._needs_file(f, kept.get(f.photo.id))]
        gate = asyncio.Semaphore(self.settings.concurrency)

        async def one(fave: Fave) -> None:
            async with gate:
                await self._keep(fave, kept.get(fave.photo.id))

        async with asyncio.TaskGroup() as tg:
            for fave in wanted:
                tg.create_task(one(fave))
        listed = {f.photo.id for f in faves}
        for fave in faves:  # faved again after a removal: the mark goes
            row = kept.get(fave.photo.id)
            if row is not None and row.removed_on is not None and fave not in wanted:
                await finish_in_thread(self._mark, row, fave, None)
        for row in kept.values():
            if row.id not in listed and row.removed_on is None:
                await finish_in_thread(self._mark, row, None, self.today)

    def _needs_file(self, fave: Fave, row: StoredFave | None) -> bool:
        if row is None:
            return True
        try:
            if (self.out / row.path).stat().st_size != row.bytes:
                return True  # missing or torn on disk
        except OSError:
            return True
        offered = fave.photo.url_o
        # Kept at a smaller size: its owner may allow the original now.
        return (
            not row.original
            and bool(offered)
            and urlsplit(offered or "").path != urlsplit(row.served_url).path
        )

    async def _keep(self, fave: Fave, row: StoredFave | None) -> None:
        photo = fave.photo
        try:
            got = await self.fetcher.fetch(photo)
            await finish_in_thread(self._place, fave, got.record, got.part, row)
        except FatalError:
            raise
        except ApiBudgetSpent:
            self.stats.deferred += 1  # a video's getSizes: kept by the next run
        except OSError as exc:
            raise_if_disk_problem(exc, self.out)
            self._failed(photo.id, str(exc))
        except FlickrAsyncError as exc:
            self._failed(photo.id, str(exc))

    def _failed(self, photo_id: str, error: str) -> None:
        log.warning("favourite %s: %s", photo_id, error)
        self.stats.failed += 1
        self.stats.failures[f"favorite {photo_id}"] = error

    def _place(self, fave: Fave, record: Any, part: Path, row: StoredFave | None) -> None:
        rel = PurePosixPath(layout.FAVORITES_DIR) / f"{fave.photo.id}.{record.ext}"
        dest = confine.inside(self.out, rel)  # ids and extensions are checked at the edge
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(part, dest)
        if row is not None and row.path != str(rel):
            for suffix in WITH_SIDECARS:
                try:
                    confine.inside(self.out, row.path + suffix).unlink(missing_ok=True)
                except confine.UnsafePath as exc:  # a state row that is no path of ours
                    log.warning("favourite %s: old file left alone: %s", row.id, exc)
        self._write_sidecars(dest, favorite_doc(fave, record, None))
        self.state.record_favorite(
            StoredFave(
                id=fave.photo.id,
                path=str(rel),
                bytes=record.bytes,
                sha256=record.sha256,
                original=record.original,
                served_url=record.url,
            )
        )
        self.stats.favorites_kept += 1

    def _write_sidecars(self, dest: Path, doc: dict[str, Any]) -> None:
        write_atomic(sidecar_of(dest), sidecar.dumps(doc), self.scratch)
        if self.settings.xmp:
            packet = xmp.packet(embedded_meta.from_sidecar(doc))
            write_if_changed(xmp_of(dest), packet, self.scratch)

    def _mark(self, row: StoredFave, fave: Fave | None, removed_on: str | None) -> None:
        """Record (or clear) that Flickr no longer lists the favourite; its files stay."""
        try:
            dest = confine.inside(self.out, row.path)
        except confine.UnsafePath as exc:
            log.warning("favourite %s: %s", row.id, exc)
            return
        doc = read_json(sidecar_of(dest))
        if doc is not None:
            favorite = dict(doc.get("favorite") or {})
            favorite["removed_on"] = removed_on
            doc["favorite"] = favorite
            self._write_sidecars(dest, doc)
        self.state.record_favorite(replace(row, removed_on=removed_on))
        if fave is None:
            log.info("favourite %s is no longer listed on Flickr; its files stay", row.id)
