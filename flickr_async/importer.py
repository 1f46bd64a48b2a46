"""Importer.run(): Flickr's data export into the archive, through the same Writer as a backup.

The export's members were indexed by export_files.scan. This stage matches each media file
to its `photo_<id>.json` (export_names), turns the JSON into the typed records
(export_records) and feeds the Writer what a backup's stages would: the album plan, one
`Job` per photo with a file, the file streamed from its zip into a `.part` (hashed on the
way: a `Downloaded`), its metadata (a `Described` at level "export"), then the account's
organisation and the end of the listing. Deletions are never inferred from an export.

What the export lacks is counted as it goes and named at the end (ImportReport): photos whose
file is missing, files no JSON describes, album members missing per album, corrupt members,
duplicates. A photo the archive already holds (done, its file on disk) is left alone: a
backup's file is Flickr's original, and an import run again skips what it did before.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from flickr_async import account_files, confine, export_names, export_records, layout
from flickr_async.account import AccountInfo, Profile
from flickr_async.edge import InvalidRecord
from flickr_async.errors import StorageError
from flickr_async.export_files import (
    MAX_ACCOUNT_JSON,
    CorruptMember,
    ExportIndex,
    Member,
    TooLargeMember,
)
from flickr_async.fsutil import Scratch, raise_if_disk_problem, read_json
from flickr_async.jobs import (
    AlbumPlan,
    Described,
    Downloaded,
    Job,
    ListingDone,
    Message,
    Organisation,
    Stats,
    WorkerExit,
)
from flickr_async.models import Album, DownloadRecord
from flickr_async.plural import plural
from flickr_async.state import State, StoredPhoto

log = logging.getLogger(__name__)

WORKERS = 2  # members streamed at once: the disk sets the pace; two hide the JSON reads
STAGE = "import"


@dataclass
class ImportReport:
    """What the export held and lacked: the summary, --report and the run record say it."""

    photos_in_export: int = 0  # photo_<id>.json files
    media_in_export: int = 0
    imported: int = 0  # files placed by this run
    unchanged: int = 0  # imported by an earlier run, same bytes
    already_archived: int = 0  # a backup's file for it was there: left alone
    missing_files: list[str] = field(default_factory=list)  # JSON, no file, not archived
    missing_but_archived: list[str] = field(default_factory=list)  # JSON, no file, archived
    unprocessed_videos: list[str] = field(default_factory=list)  # no file expected
    files_without_json: list[str] = field(default_factory=list)
    album_members_missing: dict[str, dict[str, Any]] = field(default_factory=dict)
    corrupt: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)
    duplicates_same: list[str] = field(default_factory=list)
    duplicates_different: list[dict[str, str]] = field(default_factory=list)
    export_files_kept: list[str] = field(default_factory=list)  # under OUT/flickr-export/
    ignored: list[str] = field(default_factory=list)
    metadata: list[str] = field(default_factory=list)  # notes: no albums.json, no profile...

    @property
    def problem(self) -> str | None:
        """Why the archive is not the whole export ("" when it is)."""
        members = sum(len(a["missing"]) for a in self.album_members_missing.values())
        counts = (
            (len(self.missing_files), "photo whose file the export lacks",
             "photos whose file the export lacks"),
            (len(self.files_without_json), "file no JSON describes", "files no JSON describes"),
            (members, "album member missing", "album members missing"),
            (len(self.corrupt), "corrupt member", "corrupt members"),
            (len(self.refused), "record refused", "records refused"),
        )  # fmt: skip
        parts = [plural(count, one, many) for count, one, many in counts if count]
        return "; ".join(parts) or None

    def as_dict(self) -> dict[str, Any]:
        return {
            "photos_in_export": self.photos_in_export,
            "media_in_export": self.media_in_export,
            "imported": self.imported,
            "unchanged": self.unchanged,
            "already_archived": self.already_archived,
            "missing_files": sorted(self.missing_files, key=_by_id),
            "missing_from_export_but_archived": list(self.missing_but_archived),
            "unprocessed_videos": list(self.unprocessed_videos),
            "files_without_json": list(self.files_without_json),
            "album_members_missing": dict(self.album_members_missing),
            "corrupt_members": list(self.corrupt),
            "refused": dict(self.refused),
            "duplicates_same_bytes": list(self.duplicates_same),
            "duplicates_different_bytes": list(self.duplicates_different),
            "export_files_kept": list(self.export_files_kept),
            "ignored_members": list(self.ignored),
            "notes": list(self.metadata),
        }


@dataclass(frozen=True, slots=True)
class _Work:
    photo_id: str
    members: tuple[Member, ...]  # its media files, the first found first


class Importer:
    """Feeds the Writer from the export's index; see the module docstring."""

    def __init__(
        self,
        *,
        index: ExportIndex,
        out: Path,
        state: State,
        stats: Stats,
        results: asyncio.Queue[Message],
        parts_dir: Path,
        scratch: Scratch,
        report: ImportReport,
        profile: Profile | None,
        workers: int = WORKERS,
    ) -> None:
        self.index = index
        self.out = out
        self.state = state
        self.stats = stats
        self.results = results
        self.parts_dir = parts_dir
        self.scratch = scratch
        self.report = report
        self.profile = profile
        self.workers = workers
        self.archive_had_photos = state.photo_count() > 0
        self._secrets: dict[str, str | None] = {}

    # --- the stage ---------------------------------------------------------------------

    async def run(self) -> None:
        plan, organisation = await asyncio.to_thread(self._account)
        await self.results.put(plan)
        await self.results.put(organisation)
        work, missing = await asyncio.to_thread(self._match)
        queue: asyncio.Queue[_Work | None] = asyncio.Queue(maxsize=self.workers * 4)

        async def feed() -> None:
            for item in work:
                await queue.put(item)
            for _ in range(self.workers):
                await queue.put(None)

        async with asyncio.TaskGroup() as group:
            group.create_task(feed())
            for _ in range(self.workers):
                group.create_task(self._worker(queue))
        await asyncio.to_thread(self._without_files, missing)
        account = None
        if self.profile is not None:
            account = AccountInfo(
                nsid=self.profile.nsid,
                username=self.profile.username,
                photo_count=self.report.photos_in_export,
                is_pro=self.profile.is_pro,
                profile=self.profile,
            )
        await self.results.put(
            ListingDone(gone=(), forgotten=(), complete=True, account_count=None, account=account)
        )

    async def _worker(self, queue: asyncio.Queue[_Work | None]) -> None:
        while (item := await queue.get()) is not None:
            try:
                messages = await asyncio.to_thread(self._one, item)
            except StorageError:
                raise
            except OSError as exc:
                raise_if_disk_problem(exc, self.out)
                self._refuse(f"photo {item.photo_id}", f"{type(exc).__name__}: {exc}")
                continue
            except Exception as exc:  # a stage boundary: one bad item never stops the others
                log.debug("photo %s: import failed", item.photo_id, exc_info=True)
                self._refuse(f"photo {item.photo_id}", f"{type(exc).__name__}: {exc}")
                continue
            for message in messages:
                await self.results.put(message)
        await self.results.put(WorkerExit(STAGE))

    def _refuse(self, what: str, reason: str) -> None:
        log.warning("%s: %s", what, reason)
        self.report.refused[what] = reason

    # --- matching ------------------------------------------------------------------------

    def _secret_of(self, photo_id: str) -> str | None:
        """The original's secret its JSON names (read only for an ambiguous name)."""
        if photo_id not in self._secrets:
            try:
                doc = self.index.read_json(self.index.photo_json[photo_id])
                secret = export_records.original_secret(doc) if isinstance(doc, dict) else None
            except (CorruptMember, TooLargeMember):
                secret = None
            self._secrets[photo_id] = secret
        return self._secrets[photo_id]

    def _match(self) -> tuple[list[_Work], list[str]]:
        """Media files by photo id, in the order the zips hold them; the ids with a JSON and
        no file."""
        known = self.index.photo_json
        by_id: dict[str, list[Member]] = {}
        for member in self.index.media:
            photo_id = export_names.media_id(member.name, known, self._secret_of)
            if photo_id is None:
                self.report.files_without_json.append(self.index.where(member))
                continue
            by_id.setdefault(photo_id, []).append(member)
        self.report.photos_in_export = len(known)
        self.report.media_in_export = len(self.index.media)
        self.report.ignored.extend(self.index.ignored)
        self.report.ignored.extend(
            f"{where} (a second photo_<id>.json for the same photo)"
            for where in self.index.duplicate_json
        )
        self.stats.listed = len(known)
        work = [_Work(pid, tuple(members)) for pid, members in by_id.items()]
        missing = [pid for pid in known if pid not in by_id]
        return work, missing

    def _without_files(self, photo_ids: list[str]) -> None:
        """Photos the export describes and has no file for: an unprocessed video has none
        to have; the others are missing, unless the archive holds them already."""
        for photo_id in sorted(photo_ids, key=lambda p: (len(p), p)):
            try:
                doc = self.index.read_json(self.index.photo_json[photo_id])
            except (CorruptMember, TooLargeMember) as exc:
                self._refuse(f"photo {photo_id}", str(exc))
                continue
            original = str(doc.get("original") or "") if isinstance(doc, dict) else ""
            row = self.state.photo(photo_id)
            if original.endswith(export_records.UNPROCESSED_VIDEO):
                self.report.unprocessed_videos.append(photo_id)
            elif row is not None and row.is_done and row.path:
                self.report.missing_but_archived.append(photo_id)
            else:
                self.report.missing_files.append(photo_id)

    # --- one photo -----------------------------------------------------------------------

    def _one(self, item: _Work) -> list[Message]:
        """Read its JSON, decide, stream its file into a .part: the Writer's messages."""
        photo_id = item.photo_id
        json_member = self.index.photo_json[photo_id]
        try:
            doc = self.index.read_json(json_member)
            if not isinstance(doc, dict):
                raise InvalidRecord(f"photo {photo_id}", "its JSON is not an object")
            name = export_names.parse_media_name(item.members[0].basename)
            media = name.media if name else "photo"
            record = export_records.photo_from_export(
                doc,
                media=media,
                owner=self.profile.nsid if self.profile else "",
                owner_name=(self.profile.username or None) if self.profile else None,
            )
            if record.photo.id != photo_id:
                raise InvalidRecord(
                    f"photo {photo_id}", f"photo_{photo_id}.json holds photo {record.photo.id}"
                )
        except (CorruptMember, TooLargeMember, InvalidRecord) as exc:
            self._refuse(f"photo {photo_id}", str(exc))
            return []
        del doc
        # A first import into an empty archive has nothing to look up (a query per photo
        # costs as much as hashing its file there, and waits on the writer's transactions).
        stored = self.state.photo(photo_id) if self.archive_had_photos else None
        reason = self._reason(stored, record.original_url, item.members[0])
        if reason is None:
            if stored is None or stored.metadata_level != "export":
                return []
            albums = tuple(
                (a, self.album_titles.get(a, "")) for a in self.albums_by_photo.get(photo_id, ())
            )
            if tuple(stored.albums) == albums:
                return []
            # A newer export moved it to other albums: its folders and sidecar follow, as a
            # backup's "albums" job does (no file rewritten).
            photo = replace(record.photo, media="video" if stored.media == "video" else "photo")
            self.stats.jobs += 1
            return [Job(photo, download=False, metadata=False, stored=stored, reason="albums")]
        part = self.parts_dir / f"{photo_id}-export.part"
        placed: tuple[Member, int, str] | None = None
        for member in item.members:
            if placed is None:
                try:
                    size, digest = self.index.extract(member, part)
                except CorruptMember as exc:
                    self._corrupt(exc)
                    continue
                placed = (member, size, digest)
            else:
                self._duplicate(photo_id, member, placed[2])
        if placed is None:  # every file of it corrupt: named as such (and in its albums' gaps)
            return []
        member, size, digest = placed
        ext = export_names.parse_media_name(member.basename)
        assert ext is not None
        photo = record.photo
        if photo.media != ext.media:
            photo = replace(photo, media="video" if ext.media == "video" else "photo")
        download = DownloadRecord(
            url=record.original_url,
            bytes=size,
            sha256=digest,
            original=True,
            size_label="Video Original" if photo.is_video else "Original",
            ext=ext.ext,
        )
        self.stats.jobs += 1
        self.stats.downloaded += 1
        self.stats.bytes_downloaded += size
        self.report.imported += 1
        return [
            Job(photo, download=True, metadata=True, stored=stored, reason=reason),
            Downloaded(photo_id, download, part),
            Described(photo_id, photo, record.comments, level="export", export=record.export),
        ]

    def _reason(self, stored: StoredPhoto | None, url: str, member: Member) -> str | None:
        """Why this photo is imported ("import", "missing", "replaced"), or None: the
        archive holds it already (an earlier import's same file, or a backup's original)."""
        if stored is None or not stored.is_done or not stored.path:
            return "import"
        if not (self.out / stored.path).is_file():
            return "missing"
        if stored.metadata_level == "export":
            if stored.served_url == url and stored.served_bytes == member.size:
                self.report.unchanged += 1
                self.stats.unchanged += 1
                return None
            return "replaced"  # another export's file: the old one is kept (writer)
        if stored.original is False:
            return "replaced"  # a backup could only get a smaller size: the old one kept
        self.report.already_archived += 1
        self.stats.unchanged += 1
        return None

    def _corrupt(self, exc: CorruptMember) -> None:
        log.warning("%s (skipped)", exc)
        self.report.corrupt.append(str(exc))

    def _duplicate(self, photo_id: str, member: Member, digest: str) -> None:
        """Another file for the same photo: the same bytes are one copy; different ones
        are kept under OUT/flickr-export/duplicates/ and reported."""
        where = self.index.where(member)
        try:
            size, other = self.index.digest(member)
        except CorruptMember as exc:
            self._corrupt(exc)
            return
        if other == digest:
            self.report.duplicates_same.append(f"{photo_id}: {where}")
            return
        ext = export_names.parse_media_name(member.basename)
        assert ext is not None
        rel = PurePosixPath(layout.EXPORT_DIR, "duplicates", f"{photo_id}-{other[:12]}.{ext.ext}")
        dest = confine.inside(self.out, rel)
        if not dest.exists():
            tmp = self.scratch.path(dest.name)
            try:
                self.index.extract(member, tmp)
            except CorruptMember as exc:
                self._corrupt(exc)
                return
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, dest)
        log.warning("photo %s: a second, different file in the export kept as %s", photo_id, rel)
        self.report.duplicates_different.append(
            {"id": photo_id, "member": where, "kept": str(rel), "bytes": str(size)}
        )

    # --- the account ---------------------------------------------------------------------

    def _account(self) -> tuple[AlbumPlan, Organisation]:
        """The album plan and the organisation from the export's account files, each
        account file also kept verbatim under OUT/flickr-export/."""
        self._keep_export_files()
        docs = self._account_docs()
        stored = self.state.albums()
        albums_doc = docs.get("albums.json")
        if albums_doc is not None:
            found, refused = export_records.albums_from_export(albums_doc)
            for reason in refused:
                self.report.refused[reason.split(":", 1)[0]] = reason
            albums = [a.album for a in found]
            photo_ids = {a.album.id: a.photo_ids for a in found}
        else:
            self.report.metadata.append("no albums.json in the export: album list kept")
            albums, photo_ids = _archive_albums(self.out)
        folders = layout.assign_album_folders(albums, {a.id: a.folder for a in stored.values()})
        comments = {a.id: a.comments for a in stored.values() if a.comments}
        plan = AlbumPlan(tuple(albums), folders, photo_ids, comments=comments)
        self.album_ids = photo_ids
        self.albums_by_photo = plan.albums_by_photo()
        self.album_titles = {a.id: a.title for a in albums}
        # Files a backup made from the API say more than the export: an archive that a
        # backup wrote keeps them (None: last run's file stays).
        by_backup = self._made_by_backup()

        def part(name: str, build: Any) -> Any:
            found = [d for n, d in sorted(docs.items()) if _part_of(n) == name]
            if by_backup or not found:
                return None
            return tuple(x for d in found for x in build(d))

        organisation = Organisation(
            collections=None,
            favorites=part("faves", export_records.faves_from_export),
            galleries=part("galleries", export_records.galleries_from_export),
            groups=part("groups", export_records.groups_from_export),
            contacts=part("contacts", export_records.contacts_from_export),
        )
        return plan, organisation

    def _made_by_backup(self) -> bool:
        return _has_api_rows(self.state)

    def _account_docs(self) -> dict[str, dict[str, Any]]:
        docs: dict[str, dict[str, Any]] = {}
        for name, member in self.index.account.items():
            if _part_of(name) not in ("albums", "faves", "galleries", "groups", "contacts"):
                continue
            try:
                doc = self.index.read_json(member, MAX_ACCOUNT_JSON)
            except (CorruptMember, TooLargeMember) as exc:
                self._refuse(name, str(exc))
                continue
            if isinstance(doc, dict):
                docs[name] = doc
        return docs

    def _keep_export_files(self) -> None:
        """Every account-level JSON of the export, verbatim, under OUT/flickr-export/."""
        for name, member in sorted(self.index.account.items()):
            dest = confine.inside(self.out, PurePosixPath(layout.EXPORT_DIR, name))
            tmp = self.scratch.path(name)
            try:
                self.index.extract(member, tmp)
            except CorruptMember as exc:
                self._corrupt(exc)
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, dest)
            self.report.export_files_kept.append(name)

    def album_gaps(self, done: set[str]) -> None:
        """Album members the archive lacks after the run, per album."""
        for album_id, members in self.album_ids.items():
            missing = [pid for pid in members if pid not in done]
            if missing:
                self.report.album_members_missing[album_id] = {
                    "title": self.album_titles.get(album_id, ""),
                    "missing": missing,
                }


def _by_id(photo_id: str) -> tuple[int, str]:
    return len(photo_id), photo_id


def _part_of(name: str) -> str:
    """`faves_part001.json` -> "faves"; `albums.json` -> "albums"."""
    stem = name[: -len(".json")] if name.endswith(".json") else name
    head, sep, tail = stem.rpartition("_part")
    return head if sep and tail.isdigit() else stem


def _has_api_rows(state: State) -> bool:
    """Did a backup write photos here (rows at another level than the export's)?"""
    return any(row.is_done and row.metadata_level != "export" for row in state.iter_photos())


def _archive_albums(out: Path) -> tuple[list[Album], dict[str, tuple[str, ...]]]:
    """The albums albums.json lists (for an export that lacks its own albums.json)."""
    albums: list[Album] = []
    photo_ids: dict[str, tuple[str, ...]] = {}
    for entry in account_files.previous_entries(read_json(out / account_files.ALBUMS), "albums"):
        if entry.get("deleted_on_flickr") or not isinstance(entry.get("id"), str):
            continue

        def num(key: str, e: Mapping[str, Any] = entry) -> int:
            value = e.get(key)
            return value if isinstance(value, int) else 0

        album = Album(
            id=entry["id"],
            title=str(entry.get("title") or ""),
            description=str(entry.get("description") or ""),
            date_create=num("date_create"),
            date_update=num("date_update"),
            count=num("count_photos") + num("count_videos"),
            primary=str(entry.get("primary") or ""),
            count_photos=num("count_photos"),
            count_videos=num("count_videos"),
            count_views=num("count_views"),
            count_comments=num("count_comments"),
        )
        albums.append(album)
        ids = entry.get("photo_ids")
        photo_ids[album.id] = tuple(str(i) for i in ids) if isinstance(ids, list) else ()
    return albums, photo_ids
