"""Producer.run(): list albums and the photostream, diff against state, enqueue jobs."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from flickr_async import changes as changes_mod
from flickr_async import embedded_meta, layout, names, sidecar
from flickr_async.account_records import AccountInfo
from flickr_async.api import FlickrAPI
from flickr_async.archive import Archive, sidecar_of, xmp_of
from flickr_async.decision import DiskFacts, PlannedPlace, decide
from flickr_async.errors import ApiBudgetSpent, FatalError, FlickrAsyncError
from flickr_async.fsutil import size_of
from flickr_async.jobs import AlbumPlan, Job, ListingDone, Message, Reason, Stats
from flickr_async.listing import Photostream, recover_missing
from flickr_async.models import Album, Page, Photo
from flickr_async.plural import plural
from flickr_async.settings import Settings
from flickr_async.state import State, StoredAlbum, StoredPhoto

log = logging.getLogger(__name__)

# Album listings only need ids; asking for no extras keeps those pages small.
ALBUM_MEMBER_EXTRAS: tuple[str, ...] = ("media",)


class Producer:
    """Decides what this run must do and feeds the stages. The decision per photo is pure
    (decision.py); the disk facts it needs are looked up beforehand, by stat alone."""

    def __init__(
        self,
        *,
        api: FlickrAPI,
        state: State,
        settings: Settings,
        user_nsid: str,
        stats: Stats,
        downloads: asyncio.Queue[Job | None],
        metadata: asyncio.Queue[Job | None],
        results: asyncio.Queue[Message],
        download_workers: int,
        metadata_workers: int,
        on_listed: Callable[[Sequence[Photo]], Awaitable[None]] | None = None,
    ) -> None:
        self.api = api
        self.state = state
        self.settings = settings
        self.names = names.parse(settings.names)
        self.user_nsid = user_nsid
        self.stats = stats
        self.downloads = downloads
        self.metadata = metadata
        self.results = results
        self.download_workers = download_workers
        self.metadata_workers = metadata_workers
        self.on_listed = on_listed  # sees every page listed (the site's thumbnails)
        self.out = settings.out or Path(".")
        self.problems: list[str] = []  # why the listing cannot be trusted to be complete
        self._live: set[str] = set()  # archived photos still on Flickr (change-driven sync)
        self._stored_albums: dict[str, StoredAlbum] = {}

    async def run(self) -> None:
        await self._run()
        # Only on success: after a failure or Ctrl-C the TaskGroup cancels the workers, and a
        # put into a full queue nobody drains any more would hang the shutdown.
        for _ in range(self.download_workers):
            await self.downloads.put(None)
        for _ in range(self.metadata_workers):
            await self.metadata.put(None)

    async def _run(self) -> None:
        full_reason = await asyncio.to_thread(self._why_full)
        changes: _Changes | None = None
        stream = Photostream(self.api)
        async with asyncio.TaskGroup() as tg:
            # Albums are listed beside the photostream: new photos start downloading at once;
            # only decisions about archived photos (moved between albums?) wait for the plan.
            plan_task = tg.create_task(self._plan_and_send())
            if full_reason is None:
                changes, full_reason = await self._changes(plan_task)
            if changes is not None:
                self.stats.listed += len(changes.photos)
                await self._enqueue_batch(changes.photos, plan_task)
            else:
                log.info("listing the whole photostream: %s", full_reason)
                self.stats.full_listing_reason = full_reason
                try:
                    async for batch in stream.pages():
                        self.stats.listed += len(batch)
                        await self._enqueue_batch(batch, plan_task)
                except FatalError:
                    raise
                except FlickrAsyncError as exc:  # the listing broke off: keep what we have
                    self.problems.append(f"listing the photostream failed: {exc}")
            await plan_task  # the writer has the plan before it hears the listing is done
        self.stats.listing_mode = "full" if changes is None else "changes"
        account: AccountInfo | None
        if changes is not None:
            account = changes.account
            count: int | None = account.photo_count
        else:
            account, count = await self._count_full(stream, plan_task.result())
        self.stats.account_count = count
        problem = "; ".join(self.problems) or None
        complete = problem is None
        self.stats.listing_complete = complete
        self.stats.listing_problem = problem
        # Never infer a deletion from a listing that may be partial, nor from the changes.
        gone, forgotten = (
            await asyncio.to_thread(self._gone, stream.seen)
            if complete and changes is None
            else ([], [])
        )
        self.stats.deleted_on_flickr = len(gone)
        if self.settings.dry_run:
            self.stats.dry_run_actions.extend((pid, Reason.DELETED) for pid in gone)
            return
        await self.results.put(
            ListingDone(
                gone=tuple(gone),
                forgotten=tuple(forgotten),
                complete=complete,
                account_count=count,
                problem=problem,
                account=account,
            )
        )

    async def _count_full(
        self, stream: Photostream, view: _PlanView
    ) -> tuple[AccountInfo | None, int | None]:
        """The account's count against the full listing; what the search missed, recovered."""
        if stream.problem:
            self.problems.append(stream.problem)
        # Counted after the listing: a photo uploaded meanwhile makes the listing look short
        # (safe: no deletions inferred), never complete when it is not.
        try:
            account: AccountInfo | None = await self.api.people_get_info(self.user_nsid)
        except ApiBudgetSpent as exc:  # no count to check the listing against: not complete
            account = None
            self.problems.append(f"the account's photo count was not asked: {exc}")
        count = account.photo_count if account is not None else None
        if count is not None and len(stream.seen) < count:
            await self._recover(stream.seen, view, count)
        if count is not None and len(stream.seen) < count:
            self.problems.append(
                f"Flickr listed {len(stream.seen)} of the account's {count} "
                "photos; the missing ones could not be listed"
            )
        return account, count

    # --- change-driven sync (changes.py) ------------------------------------------------

    def _why_full(self) -> str | None:
        """Why this run lists the whole photostream (None: the changes will do); remembers
        the archive's live photos and albums for the change-driven checks."""
        mark = changes_mod.ListingMark.load(self.state)
        runs = self.state.recent_runs(2)
        # Dry runs record no run: the newest recorded one is the previous run.
        earlier = runs if self.settings.dry_run else runs[1:]
        previous = earlier[0] if earlier else None
        reason = changes_mod.why_full(
            mark,
            previous_start=float(previous["started"]) if previous else None,
            now=time.time(),
            every_days=self.settings.full_listing_every,
            forced=self.settings.full_listing,
        )
        self.stats.listing_mark = mark
        if reason is not None:
            return reason
        live: set[str] = set()
        for row in self.state.iter_photos():
            if row.deleted_on_flickr is not None:
                continue
            live.add(row.id)
            if not row.is_done or row.path is None or row.metadata_stale:
                return "photos of earlier runs are not archived yet"
            if row.metadata_level == "export":
                # Imported from Flickr's data export (no lastupdate): recentlyUpdated would
                # never show them, the full listing brings each one to the API's metadata.
                return "photos imported from Flickr's data export have only its metadata"
            if row.embed_version < embedded_meta.EMBED_VERSION:
                return "archived photos need their metadata written again"
            disk = self._disk_facts(row)
            if not disk.whole or disk.missing_beside is not None:
                return "archived files or sidecars are missing on disk"
            if row.original is False and row.media != "video" and row.original_key[:1] != ":":
                # Its listing offered the original and the file server refused it: the full
                # listing probes it again every run (a free account's photos offer none).
                return "an original refused earlier is to be asked for again"
        if self.settings.site and live and self._thumbnails_missing():
            return "site thumbnails are missing on disk"
        self._live = live
        self._stored_albums = self.state.albums()
        return None

    def _thumbnails_missing(self) -> bool:
        """A fetched thumbnail gone or torn on disk, or none at all (an archive from before
        the site): the listing's records say which files to fetch again."""
        fetched = False
        archive = Archive(self.out)
        for thumb in self.state.fetched_thumbnails():
            fetched = True
            if size_of(archive.thumbnail(thumb.id, thumb.size)) != thumb.bytes:
                return True
        return not fetched

    async def _changes(
        self, plan_task: asyncio.Task[_PlanView]
    ) -> tuple[_Changes | None, str | None]:
        """The changes since the last listed run, or None and why they cannot be trusted."""
        mark = self.stats.listing_mark
        assert mark is not None and mark.since is not None
        try:
            photos = await changes_mod.list_changes(self.api, mark.since)
            if photos is None:
                return None, f"more than {changes_mod.MAX_CHANGES} photos changed"
            account = await self.api.people_get_info(self.user_nsid)
        except FatalError:
            raise
        except FlickrAsyncError as exc:
            return None, f"the changes could not be listed: {exc}"
        new = sum(1 for p in photos if p.id not in self._live)
        if account.photo_count != len(self._live) + new:
            return None, (
                f"the account counts {account.photo_count} photos, the archive "
                f"{len(self._live)} and {new} new"
            )
        view = await plan_task
        unreported = self._album_changes(view) - {p.id for p in photos}
        if unreported:
            return None, (
                f"album changes touch {plural(len(unreported), 'photo')} Flickr did not "
                "report as updated"
            )
        log.info(
            "change-driven sync: %s changed since the last run",
            plural(len(photos), "photo"),
        )
        return _Changes(tuple(photos), account), None

    def _album_changes(self, view: _PlanView) -> set[str]:
        """Archived photos whose albums, album titles or album folders moved since the last
        run: each needs its listing record to be placed again."""
        plan = view.plan
        old = self._stored_albums
        touched: set[str] = set()
        kept_order = [a.id for a in plan.albums if a.id in old]
        listed = {a.id for a in plan.albums}
        if kept_order != [aid for aid in old if aid in listed]:
            # Albums reordered: a photo in several of them may have another first album.
            touched.update(pid for pid, ids in view.by_photo.items() if len(ids) > 1)
        for album in plan.albums:
            members = set(plan.photo_ids.get(album.id, ()))
            known = old.get(album.id)
            if (
                known is None
                or known.title != album.title
                or known.folder != plan.folders.get(album.id)
            ):
                touched |= members
            else:
                touched |= members ^ set(known.photo_ids)
        listed = {a.id for a in plan.albums}
        for album_id, known in old.items():
            if album_id not in listed:
                touched.update(known.photo_ids)
        return touched & self._live

    async def _recover(self, seen: set[str], view: _PlanView, count: int) -> None:
        """The search came back short: archive what the other listings have."""
        before = len(seen)
        try:
            async for batch in recover_missing(
                self.api, seen, view.plan.photo_ids, count, self.user_nsid
            ):
                self.stats.listed += len(batch)
                await self._enqueue_batch(batch, view)
        except FatalError:
            raise
        except FlickrAsyncError as exc:
            self.problems.append(f"listing the photos the search missed failed: {exc}")
        self.stats.recovered = len(seen) - before
        if self.stats.recovered:
            log.warning(
                "photos.search missed %s that other listings have; archived them too",
                plural(self.stats.recovered, "photo"),
            )

    # --- albums ------------------------------------------------------------------------

    async def _plan_and_send(self) -> _PlanView:
        plan = await self._plan_albums()
        if not self.settings.dry_run:
            await self.results.put(plan)
        return _PlanView(plan)

    async def _plan_albums(self) -> AlbumPlan:
        stored = await asyncio.to_thread(self.state.albums)
        albums: list[Album] = []
        async for page in self.api.paginate(
            lambda n: self.api.photosets_get_list(page=n, per_page=500)
        ):
            albums.extend(page.items)
        members: dict[str, tuple[str, ...]] = {}
        unlisted: set[str] = set()
        comments: dict[str, tuple[dict[str, Any], ...]] = {}
        for album in albums:
            known = stored.get(album.id)
            comments[album.id] = await self._album_comments(album, known)
            if (
                known is not None
                and known.date_update == album.date_update
                and not known.needs_listing
            ):
                members[album.id] = known.photo_ids  # unchanged: no call needed
                continue
            try:
                members[album.id] = await self._album_members(album.id)
            except FatalError:
                raise
            except FlickrAsyncError as exc:
                # Keep what we knew, flagged so the next run lists it again whatever Flickr's
                # date_update says (it is "0" for an album never updated: no marker to reuse).
                self.problems.append(f"album {album.title!r} could not be listed: {exc}")
                members[album.id] = known.photo_ids if known else ()
                unlisted.add(album.id)
        folders = layout.assign_album_folders(albums, {a.id: a.folder for a in stored.values()})
        return AlbumPlan(
            albums=tuple(albums),
            folders=folders,
            photo_ids=members,
            unlisted=frozenset(unlisted),
            comments=comments,
        )

    async def _album_comments(
        self, album: Album, known: StoredAlbum | None
    ) -> tuple[dict[str, Any], ...]:
        """The album's comments: none to fetch when getList counts none, the stored ones when
        neither the album nor its count moved (no call per album on a quiet night)."""
        if album.count_comments <= 0:
            return ()
        if (
            known is not None
            and known.date_update == album.date_update
            and len(known.comments) == album.count_comments
        ):
            return known.comments
        try:
            found = await self.api.photosets_comments_get_list(album.id)
        except FatalError:
            raise
        except FlickrAsyncError as exc:
            self.stats.organisation_problems.append(
                f"comments of album {album.title!r} could not be listed: {exc}"
            )
            return known.comments if known else ()
        return tuple(sidecar.comment_doc(c) for c in found)

    async def _album_members(self, album_id: str) -> tuple[str, ...]:
        def fetch(n: int) -> Awaitable[Page]:
            return self.api.photosets_get_photos(
                album_id, page=n, per_page=500, extras=ALBUM_MEMBER_EXTRAS
            )

        ids: list[str] = []
        async for page in self.api.paginate(fetch):
            ids.extend(p.id for p in page.items)
        return tuple(dict.fromkeys(ids))

    # --- photos ------------------------------------------------------------------------

    async def _enqueue_batch(
        self, batch: Sequence[Photo], plan: asyncio.Task[_PlanView] | _PlanView
    ) -> None:
        stored = await asyncio.to_thread(self._lookup, [p.id for p in batch])
        for photo in batch:
            entry = stored.get(photo.id)
            if entry is None:  # new: needs no album knowledge to start downloading
                await self._submit(self._job(photo, None, Reason.NEW))
                continue
            # at once when the albums are listed already
            view = plan if isinstance(plan, _PlanView) else await plan
            stored_row, disk = entry
            reason = decide(
                photo, stored_row, disk, partial(self._planned_place, photo, stored_row, view)
            )
            if reason is None:
                self.stats.unchanged += 1
                continue
            await self._submit(self._job(photo, stored_row, reason))
        if self.on_listed is not None:
            await self.on_listed(batch)

    def _lookup(self, ids: Sequence[str]) -> dict[str, tuple[StoredPhoto, DiskFacts]]:
        """Stored rows for a page of ids, each with its disk facts (in a thread)."""
        found: dict[str, tuple[StoredPhoto, DiskFacts]] = {}
        for pid in ids:
            row = self.state.photo(pid)
            if row is not None:
                found[pid] = (row, self._disk_facts(row))
        return found

    def _disk_facts(self, row: StoredPhoto) -> DiskFacts:
        """What the decision needs of the disk, by stat alone: whether the row's file is still
        whole, and what is missing beside it (see _missing_beside). With the site's
        thumbnails (_thumbnails_missing), the producer's only looks at the disk."""
        whole = row.path is not None and size_of(self.out / row.path) == row.bytes
        return DiskFacts(whole, self._missing_beside(row) if whole and row.is_done else None)

    def _missing_beside(self, row: StoredPhoto) -> Reason | None:
        """A sidecar or album copy gone from beside an archived file, by stat alone (reading
        every sidecar on every run would cost a night on a big archive; `verify` reads them;
        an empty sidecar, as a power cut can leave one, counts as gone): Reason.SIDECARS when the
        JSON sidecar is there to make the rest from (the primary's or an album copy's),
        Reason.LOST_SIDECAR when only Flickr has the metadata again, else None."""
        assert row.path is not None
        primary = self.out / row.path
        copies = [self.out / rel for rel in row.links]
        entries = [primary, *copies]
        records = [_has_content(sidecar_of(entry)) for entry in entries]
        if not any(records):
            return Reason.LOST_SIDECAR
        if not all(records) or not all(map(os.path.exists, copies)):
            return Reason.SIDECARS
        if self.settings.xmp and not all(_has_content(xmp_of(e)) for e in entries):
            return Reason.SIDECARS
        return None

    def _job(self, photo: Photo, stored: StoredPhoto | None, reason: Reason) -> Job:
        metadata = reason.downloads or reason in (Reason.CHANGED, Reason.LOST_SIDECAR)
        wants = metadata and self._needs_metadata(photo)
        return Job(photo, reason.downloads, wants, stored, reason)

    def _planned_place(self, photo: Photo, stored: StoredPhoto, view: _PlanView) -> PlannedPlace:
        """Where the plan, names and layout put an archived photo now."""
        assert stored.path is not None  # decide asks only for an archived file's place
        album_ids = view.albums_of(photo.id)
        path, links = names.photo_paths(
            self.names,
            names.NameFields.from_photo(photo),
            Path(stored.path).suffix.lstrip("."),
            album_ids,
            view.plan.folders,
            self.settings.layout,
        )
        return PlannedPlace(
            albums=tuple((a, view.titles.get(a, "")) for a in album_ids),
            path=str(path),
            links=tuple(sorted(map(str, links))),
        )

    def _needs_metadata(self, photo: Photo) -> bool:
        if self.settings.metadata != "basic":
            return True
        # basic: the listing's extras suffice, but comments need their own call.
        return photo.count_comments is None or photo.count_comments > 0

    async def _submit(self, job: Job) -> None:
        self.stats.jobs += 1
        if self.settings.dry_run:
            self.stats.dry_run_actions.append((job.photo.id, job.reason))
            return
        await self.results.put(job)  # the writer learns what to expect before any result
        if job.download:
            await self.downloads.put(job)
        if job.metadata:
            await self.metadata.put(job)

    def _gone(self, seen: set[str]) -> tuple[list[str], list[str]]:
        """Rows a complete listing no longer shows: archived photos (to mark deleted) and
        failures that never got a file (to forget)."""
        gone: list[str] = []
        forgotten: list[str] = []
        for row in self.state.iter_photos():
            if row.id in seen:
                continue
            if row.path is None:
                forgotten.append(row.id)
            elif row.deleted_on_flickr is None:
                gone.append(row.id)
        return gone, forgotten


@dataclass(frozen=True)
class _Changes:
    """What recentlyUpdated and people.getInfo said, once the numbers added up."""

    photos: tuple[Photo, ...]
    account: AccountInfo


def _has_content(path: Path) -> bool:
    return bool(size_of(path))


class _PlanView:
    """The album plan as the producer's decisions read it."""

    def __init__(self, plan: AlbumPlan) -> None:
        self.plan = plan
        self.titles = {a.id: a.title for a in plan.albums}
        self.by_photo = plan.albums_by_photo()

    def albums_of(self, photo_id: str) -> tuple[str, ...]:
        return self.by_photo.get(photo_id, ())
