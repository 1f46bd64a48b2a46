"""Writer.run(): the single owner of final names and of state — EXIF, sidecar, rename, links."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from flickr_async import account_files, confine, embedded_meta, names, sidecar, xmp
from flickr_async.archive import Archive, link_beside, read_sidecar, sidecar_of, xmp_of
from flickr_async.embed import embed_into, is_jpeg
from flickr_async.errors import StorageError
from flickr_async.fsutil import (
    DISK_ERRNOS,
    Scratch,
    finish_in_thread,
    fsync_path,
    move_into_place,
    place_link,
    raise_if_disk_problem,
    read_json,
    remove_quietly,
    replace_into,
    same_entry,
    set_mtime,
    sha256_file,
    write_atomic,
    write_if_changed,
)
from flickr_async.jobs import (
    AlbumPlan,
    Described,
    Downloaded,
    Failed,
    Job,
    ListingDone,
    Message,
    Organisation,
    Reason,
    Stats,
    WorkerExit,
)
from flickr_async.models import Album, DownloadRecord, Photo
from flickr_async.settings import Settings
from flickr_async.sidecar import original_unchanged, settled_original_key
from flickr_async.state import REMEMBERED, State, StoredAlbum, StoredPhoto

log = logging.getLogger(__name__)

# Jobs without a download that re-embed the metadata in the archived file: Flickr's changed,
# or the archive was written by an earlier version (see embedded_meta.EMBED_VERSION).
RE_EMBED = frozenset({Reason.CHANGED, Reason.REFRESH})
# Jobs whose sidecar is built anew from what Flickr says now, never patched from the old one:
# the photo changed there, or its JSON sidecar is lost (and no album copy kept one).
FROM_FLICKR = frozenset({Reason.CHANGED, Reason.LOST_SIDECAR})
# Placed photos the deep pass may have waiting beside the files; past it they wait for its
# scan of the archive after the last file (memory stays flat on a first backup of 500k).
PLACED_MAX = 10_000
# Photos whose files are built (EXIF copy + hash) at the same time: one per core here;
# placing them (rename, sidecar, links, state) stays one at a time.
BUILDERS = 2
# Photos whose files their source built, placed in one thread step.
BATCH = 8


@dataclass(frozen=True, slots=True)
class _Built:
    path: Path | None  # new content to rename into place; None keeps the file there is
    size: int
    digest: str
    doc: dict[str, Any]  # the JSON sidecar, exif_replaced included
    meta: embedded_meta.Meta  # what the file's EXIF/XMP and its .xmp sidecar carry
    stale: bool  # the sidecar holds only the listing's metadata
    level: str  # what the sidecar holds: basic, list or deep


@dataclass
class _Pending:
    job: Job
    download: Downloaded | None = None
    described: Described | None = None
    failures: list[str] = field(default_factory=list)
    waiting: int = 0
    # getInfo/comments failed for a photo whose file did arrive: it is placed all the same,
    # with the listing's metadata, and the rest is fetched by the next run.
    metadata_error: str | None = None
    deferred: bool = False  # the API budget ran out before its inputs: the next run goes on

    @property
    def ready(self) -> bool:
        return self.waiting == 0

    @property
    def photo(self) -> Photo:
        """The photo as its metadata described it, else as its job has it."""
        return self.described.photo if self.described else self.job.photo


class Writer:
    """Joins each job's download and metadata, then makes it final in one thread-side step."""

    def __init__(
        self,
        *,
        settings: Settings,
        archive: Archive,
        state: State,
        results: asyncio.Queue[Message],
        stats: Stats,
        workers: int,
        scratch: Scratch,
        parts_dir: Path,
        organisation: bool = False,
        placing: asyncio.Lock | None = None,
        placed: asyncio.Queue[str] | None = None,
    ) -> None:
        self.settings = settings
        self.archive = archive
        self.out = archive.out
        self.state = state
        self.results = results
        self.stats = stats
        self.workers = workers
        self.scratch = scratch
        self.parts_dir = parts_dir
        self.replaced_dir = archive.replaced_dir
        self.albums: dict[str, Album] = {}
        self.folders: dict[str, str] = {}
        self.albums_by_photo: dict[str, tuple[str, ...]] = {}
        self.names = names.parse(settings.names)
        self.today = dt.date.today().isoformat()
        self.organisation = organisation  # an Organiser sends the account's organisation
        self._builders = asyncio.Semaphore(BUILDERS)
        # Sidecars and state change one photo at a time (shared with the deep pass).
        self._placing = placing or asyncio.Lock()
        # Ids of photos placed below deep metadata, for the deep pass running beside.
        self.placed = placed

    async def run(self) -> None:
        try:
            async with asyncio.TaskGroup() as closing:
                listing = await self._consume(closing)
            if listing.gone:
                async with self._placing:
                    await finish_in_thread(self._mark_deleted, listing.gone)
            if listing.forgotten:
                await finish_in_thread(self.state.forget, listing.forgotten)
            await finish_in_thread(self._sweep_parts)
            await finish_in_thread(self._write_account, listing)
        finally:
            # Builds a cancelled run never placed; every thread has finished by now.
            self.scratch.clear()

    async def _consume(self, closing: asyncio.TaskGroup) -> ListingDone:
        """Read results until the listing and every worker are done; close each photo as
        soon as its inputs are in, BUILDERS at a time."""
        pending: dict[str, _Pending] = {}
        held: list[_Pending] = []  # ready before the album plan: their folders are not known yet
        built: list[_Pending] = []  # ready, their files built by the source: placed together
        planned = False
        organised = not self.organisation
        exits = 0
        listing: ListingDone | None = None
        while exits < self.workers or listing is None or pending or not planned or not organised:
            message = await self.results.get()
            if isinstance(message, Organisation):
                await finish_in_thread(self._write_organisation, message)
                organised = True
                continue
            if isinstance(message, AlbumPlan):
                await finish_in_thread(self._apply_albums, message)
                planned = True
                for item in held:
                    await self._start_close(closing, item)
                held.clear()
                continue
            if isinstance(message, WorkerExit):
                exits += 1
                if exits == self.workers and pending:
                    # Every worker has stopped; whatever is still waiting cannot complete.
                    for item in list(pending.values()):
                        item.failures.append("interrupted before its inputs arrived")
                        item.waiting = 0
                        await self._start_close(closing, item)  # a failure needs no plan
                    pending.clear()
                continue
            if isinstance(message, ListingDone):
                listing = message
                continue
            absorbed = self._absorb(message, pending)
            if absorbed is not None and absorbed.ready:
                del pending[absorbed.job.photo.id]
                if not planned:
                    held.append(absorbed)  # its download sits finished in parts/ meanwhile
                elif _built_by_source(absorbed):
                    built.append(absorbed)
                else:
                    await self._start_close(closing, absorbed)
            if built and (len(built) >= BATCH or self.results.empty()):
                await self._start_close_all(closing, built)
                built = []
        if built:
            await self._start_close_all(closing, built)
        return listing

    async def _start_close_all(self, closing: asyncio.TaskGroup, items: list[_Pending]) -> None:
        await self._builders.acquire()
        closing.create_task(self._close_all(items))

    async def _start_close(self, closing: asyncio.TaskGroup, item: _Pending) -> None:
        await self._builders.acquire()  # back-pressure: at most BUILDERS photos in hand
        closing.create_task(self._close(item))

    def _absorb(self, message: Message, pending: dict[str, _Pending]) -> _Pending | None:
        if isinstance(message, Job):
            fresh = _Pending(message, waiting=int(message.download) + int(message.metadata))
            pending[message.photo.id] = fresh
            return fresh
        assert isinstance(message, Downloaded | Described | Failed)
        item = pending.get(message.photo_id)
        if item is None:
            log.error("result for unknown photo %s dropped", message.photo_id)
            return None
        item.waiting -= 1
        if isinstance(message, Downloaded):
            item.download = message
        elif isinstance(message, Described):
            item.described = message
        elif message.stage == "metadata" and item.job.download:
            item.metadata_error = message.error
            item.deferred = item.deferred or message.deferred
        else:
            item.failures.append(f"{message.stage}: {message.error}")
            item.deferred = item.deferred or message.deferred
        return item

    async def _close(self, item: _Pending) -> None:
        try:
            await self._close_one(item)
        finally:
            self._builders.release()

    async def _close_all(self, items: list[_Pending]) -> None:
        """Photos whose files their source built (an import's): built and placed in one
        thread step for them all (one hand-off instead of two per photo), then concluded
        one by one as _close_one does."""
        try:
            async with self._placing:
                outcomes = await finish_in_thread(self._build_and_place_all, items)
            for item, outcome in zip(items, outcomes, strict=False):
                await self._conclude(item, outcome)
        finally:
            self._builders.release()

    def _build_and_place_all(self, items: list[_Pending]) -> list[_Built | Exception]:
        """Each item built and placed, or the error it met; none after an error that
        stops the run (a full disk), which is the last outcome."""
        outcomes: list[_Built | Exception] = []
        for item in items:
            try:
                outcomes.append(self._build_and_place(item))
            except Exception as exc:
                outcomes.append(exc)
                if isinstance(exc, StorageError) or (
                    isinstance(exc, OSError) and exc.errno in DISK_ERRNOS
                ):
                    break
        return outcomes

    async def _close_one(self, item: _Pending) -> None:
        outcome: _Built | Exception | None = None
        if not item.failures:
            try:
                built = await finish_in_thread(self._build, item)
                async with self._placing:  # names and state change one photo at a time
                    await finish_in_thread(self._place, item, built)
                outcome = built
            except Exception as exc:
                outcome = exc
        await self._conclude(item, outcome)

    async def _conclude(self, item: _Pending, outcome: _Built | Exception | None) -> None:
        """Count a photo closed: placed (`outcome` its build), failed writing it (the
        error), or failed before (None: item.failures says why)."""
        photo_id = item.job.photo.id
        if isinstance(outcome, _Built):
            built = outcome
            if (
                self.placed is not None
                and built.level == "list"
                and not built.stale
                and self.placed.qsize() < PLACED_MAX
            ):
                self.placed.put_nowait(photo_id)
            self.stats.finished += 1
            if item.metadata_error is not None and item.deferred:
                self.stats.deferred += 1  # placed; its metadata waits for the budget
            elif item.metadata_error is not None:
                # The file is safe; the run still owes this photo its full metadata.
                self.stats.failed += 1
                self.stats.failures[photo_id] = (
                    f"metadata: {item.metadata_error} (archived with the listing's "
                    "metadata; the rest is fetched next run)"
                )
                log.warning("photo %s: %s", photo_id, self.stats.failures[photo_id])
            return
        if isinstance(outcome, StorageError):
            raise outcome
        if isinstance(outcome, OSError):
            raise_if_disk_problem(outcome, self.out)
            item.failures.append(f"write: {outcome}")
        elif outcome is not None:  # one bad item must not stop the others
            log.debug("photo %s: write failed", photo_id, exc_info=outcome)
            item.failures.append(f"write: {type(outcome).__name__}: {outcome}")
        # A finished .part stays where it is: the next run resumes it at no cost.
        error = "; ".join(item.failures)
        self.stats.finished += 1
        if item.deferred and len(item.failures) == 1:
            self.stats.deferred += 1  # not a failure: the run's API budget ran out
            await finish_in_thread(self._record_failed, photo_id, error, item.job.photo.media)
            return
        self.stats.failed += 1
        self.stats.failures[photo_id] = error
        # A warning: --quiet shows the summary's list of failures, not each one twice.
        log.warning("photo %s failed: %s", photo_id, error)
        await finish_in_thread(self._record_failed, photo_id, error, item.job.photo.media)

    def _record_failed(self, photo_id: str, error: str, media: str) -> None:
        self.state.record_failed(photo_id, error, media=media)

    def _sweep_parts(self) -> None:
        """Drop .part files of photos that are finished (left by a source that changed)."""
        for part in self.parts_dir.glob("*.part"):
            row = self.state.photo(part.name.split("-", 1)[0])
            if row is not None and row.is_done:
                part.unlink(missing_ok=True)

    # --- albums ------------------------------------------------------------------------

    def _apply_albums(self, plan: AlbumPlan) -> None:
        self._write_root(
            account_files.ALBUMS,
            lambda previous: account_files.albums_doc(
                plan.albums,
                folders=plan.folders,
                photo_ids=plan.photo_ids,
                comments=plan.comments,
                previous=previous,
                today=self.today,
            ),
        )
        self.albums = {a.id: a for a in plan.albums}
        self.folders = dict(plan.folders)
        self.albums_by_photo = plan.albums_by_photo()
        self.state.replace_albums(
            [
                StoredAlbum(
                    id=a.id,
                    title=a.title,
                    folder=plan.folders[a.id],
                    date_update=a.date_update,
                    position=position,
                    photo_ids=plan.photo_ids.get(a.id, ()),
                    needs_listing=a.id in plan.unlisted,
                    comments=plan.comments.get(a.id, ()),
                )
                for position, a in enumerate(plan.albums)
            ]
        )

    # --- account-level files -----------------------------------------------------------

    def _write_root(
        self, name: str, build: Callable[[dict[str, Any] | None], dict[str, Any]]
    ) -> None:
        """OUT/<name> from last run's content and this run's; rewritten only on a change."""
        path = self.out / name
        write_if_changed(path, sidecar.dumps(build(read_json(path))), self.scratch)

    def _write_organisation(self, found: Organisation) -> None:
        """Each listed part to its file; a part whose listing failed (None) keeps last run's."""
        today = self.today
        builders: tuple[tuple[str, Any, Callable[[Any, dict[str, Any] | None], Any]], ...] = (
            (account_files.COLLECTIONS, found.collections,
             lambda tree, _: account_files.collections_doc(tree)),
            (account_files.FAVORITES, found.favorites,
             lambda faves, old: account_files.favorites_doc(faves, previous=old, today=today)),
            (account_files.GALLERIES, found.galleries,
             lambda galleries, _: account_files.galleries_doc(galleries)),
            (account_files.GROUPS, found.groups,
             lambda groups, _: account_files.groups_doc(groups)),
            (account_files.CONTACTS, found.contacts,
             lambda contacts, _: account_files.contacts_doc(contacts)),
        )  # fmt: skip
        for name, listed, build in builders:
            if listed is not None:
                self._write_root(name, functools.partial(build, listed))

    def _write_account(self, listing: ListingDone) -> None:
        counts = self.state.counts()
        archive = {
            "photos": counts["done"],
            "videos": counts["videos"],
            "bytes": counts["bytes"],
            "not_original": counts["not_original"],
            "deleted_on_flickr": counts["deleted"],
            "failed": counts["failed"],
            "albums": len(self.albums),
            "layout": self.settings.layout,
            # what a rebuilt state remembers (rebuild.py): the shape first
            "options": {k: getattr(self.settings, k) for k in REMEMBERED},
        }
        profile = listing.account.profile if listing.account else None
        if profile is None and (self.out / account_files.ACCOUNT).exists():
            return  # people.getInfo failed: keep what we knew
        self._write_root(
            account_files.ACCOUNT, lambda _: account_files.account_doc(profile, archive)
        )

    # --- one photo ---------------------------------------------------------------------

    def _build(self, item: _Pending) -> _Built:
        """The file's new content, built under scratch (never under a final name), and the
        sidecar document it reflects.

        Independent per photo, so several run at once (hashing and copying release the GIL).
        """
        job = item.job
        old = job.stored
        photo = item.photo
        downloaded = item.download
        old_path = self.out / old.path if old and old.path else None
        old_sidecar = self.archive.recorded_doc(old) if old else None
        album_ids = self.albums_by_photo.get(photo.id, ())
        albums = [self.albums[a] for a in album_ids if a in self.albums]
        source: Path | None
        if downloaded:
            source = downloaded.part
        elif job.reason in RE_EMBED and old_path and old_path.exists():
            source = old_path  # metadata (or how we write it) moved on: re-embed in place
        else:
            source = None
        # Nothing new from Flickr about this photo: what we wrote before is the record.
        patch = (
            not downloaded
            and job.reason not in FROM_FLICKR
            and not item.described
            and old_sidecar is not None
        )
        if patch:
            assert old_sidecar is not None
            doc = dict(old_sidecar)
            doc["albums"] = [{"id": a.id, "title": a.title} for a in albums]
            doc["deleted_on_flickr"] = None
            if isinstance(doc.get("download"), dict):  # one written before private_download
                doc["download"] = sidecar.private_download(doc["download"], sidecar.is_public(doc))
        else:
            record = downloaded.record if downloaded else _stored_record(old)
            comments = item.described.comments if item.described else ()
            people = item.described.people if item.described else ()
            doc = sidecar.build(
                photo,
                comments=comments,
                albums=albums,
                download=record,
                people=people,
                level=item.described.level if item.described else "basic",
                export=item.described.export if item.described else None,
            )
            doc = sidecar.with_export(doc, old_sidecar)
        meta = embedded_meta.from_sidecar(doc)
        replaced: dict[str, str] = dict((old_sidecar or {}).get("exif_replaced") or {})
        built: Path | None = None
        size, digest = (old.bytes or 0, old.sha256 or "") if old else (0, "")
        prebuilt = downloaded.embedded if downloaded and self.settings.exif else None
        if (
            prebuilt is not None
            and prebuilt.meta == meta
            and prebuilt.with_xmp == self.settings.xmp
        ):
            assert downloaded is not None
            # The source embedded this very metadata while copying the file: it is built.
            built = downloaded.part
            size, digest, replaced = prebuilt.size, prebuilt.sha256, dict(prebuilt.replaced)
        elif source is not None and self.settings.exif and _is_jpeg(downloaded, source):
            built = self.scratch.path(f"{photo.id}.jpg")
            size, digest, new_replaced = embed_into(
                source, built, meta, photo_id=photo.id, with_xmp=self.settings.xmp
            )
            # The camera's own values, captured the first time we overwrote them, win.
            if prebuilt is not None:  # embedded with other metadata: over it again
                replaced = {**new_replaced, **prebuilt.replaced}
            else:
                replaced = {**new_replaced, **replaced} if not downloaded else new_replaced
            if not downloaded and _holds_already(old, source, size, digest):
                # The metadata it carries did not change: the file stays as it is (no
                # rewrite, same inode and mtime; a backup adopting an imported archive
                # rewrites only the files whose embedded metadata moved on).
                built.unlink()
                built = None
        elif downloaded:
            built = downloaded.part
            size, digest = downloaded.record.bytes, downloaded.record.sha256
        doc = sidecar.with_exif_replaced(doc, replaced)
        doc = sidecar.with_file(
            doc,
            size=size,
            sha256=digest,
            original_key=_original_key(item, photo.original_key),
            embed_version=embedded_meta.EMBED_VERSION,
        )
        stale = (
            not patch and not downloaded and not item.described and job.reason not in FROM_FLICKR
        )
        if patch and old is not None:
            level = old.metadata_level  # the old sidecar, and what it holds, stays
        else:
            level = item.described.level if item.described else "basic"
        return _Built(built, size, digest, doc, meta, stale, level)

    def _build_and_place(self, item: _Pending) -> _Built:
        built = self._build(item)
        self._place(item, built)
        return built

    def _place(self, item: _Pending, built: _Built) -> None:
        """Make one photo final: rename, sidecar, links, state. One at a time."""
        job = item.job
        old = job.stored
        photo = item.photo
        downloaded = item.download
        # Every path written, renamed or removed below is checked to stay inside OUT, with
        # no symbolic link on the way (an album folder replaced by a link): UnsafePath
        # fails this photo, never writes through.
        old_path = confine.inside(self.out, old.path) if old and old.path else None
        if downloaded:
            ext = downloaded.record.ext
        else:
            assert old is not None and old.path is not None  # no download: we have a file
            ext = PurePosixPath(old.path).suffix[1:]
        album_ids = self.albums_by_photo.get(photo.id, ())
        primary_rel, link_rels = names.photo_paths(
            self.names,
            names.NameFields.from_photo(photo),
            ext,
            album_ids,
            self.folders,
            self.settings.layout,
        )
        primary = confine.inside(self.out, primary_rel)
        link_paths = [confine.inside(self.out, rel) for rel in link_rels]
        size, digest = built.size, built.digest

        # 2. A replaced original is kept, not overwritten.
        if (
            downloaded
            and old
            and old_path
            and (
                job.reason is Reason.REPLACED
                or not original_unchanged(
                    old.original_key, photo.original_secret, photo.original_key
                )
            )
        ):
            self._keep_replaced(old, old_path)

        # 3. Into place: atomic rename, then the sidecar, then the album links.
        if built.path is not None:
            if not downloaded:
                # Re-embedded over the archived copy, which may be all there is (deleted on
                # Flickr): flush it before the rename so a power cut cannot leave it empty.
                fsync_path(built.path)
            replace_into(built.path, primary)
        elif old_path is not None and old_path != primary:
            move_into_place(old_path, primary)
        set_mtime(primary, photo)

        record = downloaded.record if downloaded else _stored_record(old)
        albums = [self.albums[a] for a in album_ids if a in self.albums]
        # A job without news from Flickr whose old sidecar is unreadable could only write the
        # listing's fields: record it as stale so the next run fetches the full metadata.
        stale_metadata = built.stale or item.metadata_error is not None
        primary_json = sidecar_of(primary)
        write_atomic(primary_json, sidecar.dumps(built.doc), self.scratch)
        beside = [primary_json]
        if self.settings.xmp:
            primary_xmp = xmp_of(primary)
            write_if_changed(primary_xmp, xmp.packet(built.meta), self.scratch)
            beside.append(primary_xmp)
        links = self.settings.links
        for copy in link_paths:
            place_link(primary, copy, self.scratch, links)
        link_beside(primary, beside, link_paths, self.scratch, links)

        # 4. Whatever this photo had elsewhere before and no longer has.
        keep_paths = [primary, *link_paths]
        for stale in _old_paths(old):
            try:
                path = confine.inside(self.out, stale)
            except confine.UnsafePath as exc:
                log.warning("photo %s: old copy left alone: %s", photo.id, exc)
                continue
            if path in keep_paths or any(same_entry(path, kept) for kept in keep_paths):
                continue  # the same entry spelled in another case (case-insensitive disks)
            remove_quietly(path, stop_at=self.out)
            remove_quietly(sidecar_of(path), stop_at=self.out)
            remove_quietly(xmp_of(path), stop_at=self.out)
        if downloaded and built.path != downloaded.part:  # (renamed into place if it is)
            downloaded.part.unlink(missing_ok=True)

        # 5. Only now, with everything on disk, does state say so.
        self.state.record_done(
            photo_id=photo.id,
            last_update=photo.date_updated,
            original_key=_original_key(item, photo.original_key),
            media=photo.media,
            path=str(primary_rel),
            links=[str(p) for p in link_rels],
            albums=[(a.id, a.title) for a in albums],
            size=size,
            sha256=digest,
            served_url=record.url if record else None,
            served_bytes=record.bytes if record else None,
            served_sha256=record.sha256 if record else None,
            original=record.original if record else None,
            size_label=record.size_label if record else None,
            date_taken=photo.date_taken,
            metadata_stale=stale_metadata,
            embed_version=embedded_meta.EMBED_VERSION,
            metadata_level=built.level,
        )
        if downloaded:
            if job.reason is Reason.REPLACED:
                self.stats.replaced += 1
        else:
            self.stats.updated += 1

    def _keep_replaced(self, old: StoredPhoto, old_path: Path) -> None:
        """Keep the file the archive recorded before its original changed on Flickr.

        Only when it is that file (same SHA-256): a file a killed run put in place without
        recording it is that job's own output, and is simply replaced. Kept copies are named
        by content, so a second replacement never overwrites the first.
        """
        if not old.sha256 or not old_path.exists():
            return
        if sha256_file(old_path)[1] != old.sha256:
            return
        keep = confine.inside(
            self.out, self.replaced_dir / old.id / f"{self.today}-{old.sha256[:12]}-{old_path.name}"
        )
        if not keep.exists():
            place_link(
                old_path, keep, self.scratch
            )  # the new file takes the name; this inode stays

    # --- deletions ---------------------------------------------------------------------

    def _mark_deleted(self, photo_ids: tuple[str, ...]) -> None:
        """Gone from Flickr: keep every byte, say so in the sidecar and the state."""
        for photo_id in photo_ids:
            row = self.state.photo(photo_id)
            if row is None or row.path is None:
                continue
            try:
                primary = confine.inside(self.out, row.path)
                copies = [confine.inside(self.out, rel) for rel in row.links]
            except confine.UnsafePath as exc:
                log.warning("photo %s: not marked deleted: %s", photo_id, exc)
                continue
            doc = read_sidecar(primary)
            if doc is not None:
                doc["deleted_on_flickr"] = self.today
                write_atomic(sidecar_of(primary), sidecar.dumps(doc), self.scratch)
                with contextlib.suppress(FileNotFoundError):
                    link_beside(
                        primary, [sidecar_of(primary)], copies, self.scratch, self.settings.links
                    )
        self.state.mark_deleted(list(photo_ids), self.today)


def _built_by_source(item: _Pending) -> bool:
    """Did the source (an import) look at this item's file and, for a JPEG, embed its
    metadata already: nothing to read or write before the rename?"""
    return not item.failures and item.download is not None and item.download.jpeg is not None


def _is_jpeg(downloaded: Downloaded | None, source: Path) -> bool:
    """is_jpeg(source), unless the source that made the download's part said already."""
    if downloaded is not None and downloaded.jpeg is not None and source == downloaded.part:
        return downloaded.jpeg
    return is_jpeg(source)


def _holds_already(old: StoredPhoto | None, source: Path, size: int, digest: str) -> bool:
    """Is `source`, the archived file a job re-embedded, byte for byte what was built (its
    recorded size and SHA-256, and on disk still that file)?"""
    if old is None or old.sha256 != digest or old.bytes != size:
        return False
    return sha256_file(source) == (size, digest)


def _original_key(item: _Pending, described_key: str) -> str:
    """Which Flickr original the file is: the one downloaded (or first written); else the
    stored key, made whole from the listing where it knew only the secret (a file from
    Flickr's data export, a rebuilt row) and the listing shows that original still."""
    old = item.job.stored
    if item.download or old is None:
        return described_key
    listed = item.job.photo
    return settled_original_key(old.original_key, listed.original_secret, listed.original_key)


def _old_paths(old: StoredPhoto | None) -> list[PurePosixPath]:
    if old is None or old.path is None:
        return []
    return [PurePosixPath(old.path), *(PurePosixPath(p) for p in old.links)]


def _stored_record(old: StoredPhoto | None) -> DownloadRecord | None:
    if old is None or old.served_url is None:
        return None
    return DownloadRecord(
        url=old.served_url,
        bytes=old.served_bytes or 0,
        sha256=old.served_sha256 or "",
        original=bool(old.original),
        size_label=old.size_label or "",
        ext=PurePosixPath(old.path or "").suffix[1:],
    )
