"""Importer.run(): Flickr's data export into the archive, through the same Writer as a backup.

The export's members were indexed by export_files.scan. This stage matches each media file
to its `photo_<id>.json` (export_names), turns the JSON into the typed records
(export_records) and feeds the Writer what a backup's stages would: the album plan, one
`Job` per photo with a file, the file streamed from its zip into a `.part` (hashed on the
way: a `Downloaded`; a JPEG gets its metadata embedded in the same pass, so the writer only
renames it), its metadata (a `Described` at level "export"), then the account's
organisation and the end of the listing. Deletions are never inferred from an export.

What the export lacks is counted as it goes and named at the end (ImportReport): photos whose
file is missing, files no JSON describes, album members missing per album, corrupt members,
duplicates. A photo the archive already holds (done, its file on disk) keeps its file: a
backup's file is Flickr's original (unless the export names another original secret: the
old file is kept as a replaced one), and an import run again skips what it did before, taking
in only a newer export's metadata for the photos still at the export's level. Nothing the
export holds is dropped: a file no JSON describes (or whose JSON is unusable) is kept under
OUT/flickr-export/unmatched/, the JSON of a photo without a file under
OUT/flickr-export/photos/ (a later run given the other half places the photo), an account
file an earlier export kept with other bytes beside the new one.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from flickr_async import (
    account_files,
    confine,
    embedded_meta,
    exif,
    export_names,
    export_records,
    layout,
    sidecar,
)
from flickr_async.account_records import AccountInfo, OwnerProfile
from flickr_async.archive import Archive
from flickr_async.edge import InvalidRecord
from flickr_async.embed import embed_stream
from flickr_async.errors import StorageError
from flickr_async.export_files import (
    MAX_ACCOUNT_JSON,
    CorruptMember,
    ExportIndex,
    Member,
    Source,
    TooLargeMember,
)
from flickr_async.fsutil import (
    COPY_BLOCK,
    Scratch,
    raise_if_disk_problem,
    read_json,
    sha256_file,
    size_of,
)
from flickr_async.jobs import (
    AlbumPlan,
    Described,
    Downloaded,
    Embedded,
    Job,
    ListingDone,
    Message,
    Organisation,
    Reason,
    Stats,
    WorkerExit,
)
from flickr_async.models import Album, DownloadRecord, Photo
from flickr_async.plural import plural
from flickr_async.state import State, StoredPhoto

log = logging.getLogger(__name__)

WORKERS = 2  # members streamed at once: the disk sets the pace; two hide the JSON reads
BATCH = 8  # photos a worker takes to its thread at once
STAGE = "import"
# The JSON of photos whose file the export lacked, kept for a later run (see _without_files),
# and the files no usable JSON described, kept as they are (_keep_file, _keep_unmatched).
KEPT_JSON = f"{layout.EXPORT_DIR}/photos"
UNMATCHED = f"{layout.EXPORT_DIR}/unmatched"
_KEPT_NAME = re.compile(r"photo_([0-9]{1,32})\.json")
_KEPT_ANY = re.compile(r"photo_([0-9]{1,32})(?:\.[0-9a-f]{12})?\.json")
# Sidecar keys that are not the export's description of the photo (the albums come from the
# plan, the rest from the file and the archive's history).
_NOT_JSON = frozenset({"albums", "download", "deleted_on_flickr", "exif_replaced"})


@dataclass
class ImportReport:
    """What the export held and lacked: the summary, --report and the run record say it."""

    photos_in_export: int = 0  # photo_<id>.json files
    media_in_export: int = 0
    imported: int = 0  # files placed by this run
    unchanged: int = 0  # imported by an earlier run, same bytes
    updated: int = 0  # imported before, same file; a newer export's metadata taken in
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
            "updated": self.updated,
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
        archive: Archive,
        state: State,
        stats: Stats,
        results: asyncio.Queue[Message],
        parts_dir: Path,
        scratch: Scratch,
        report: ImportReport,
        profile: OwnerProfile | None,
        workers: int = WORKERS,
        exif: bool = False,
        xmp: bool = False,
    ) -> None:
        self.index = index
        self.archive = archive
        self.out = archive.out
        self.state = state
        self.stats = stats
        self.results = results
        self.parts_dir = parts_dir
        self.scratch = scratch
        self.report = report
        self.profile = profile
        self.workers = workers
        # Embed the metadata into JPEGs while copying them out (the writer's settings).
        self.exif = exif
        self.xmp = xmp
        self.archive_had_photos = state.photo_count() > 0
        self._secrets: dict[str, str | None] = {}
        # photo_<id>.json of this run, and those an earlier run kept for photos whose file
        # its export lacked (OUT/flickr-export/photos/): a later run given only the media
        # zips downloaded again matches their files (this run's JSON wins). One dict: an
        # export of 500k photos holds no second copy of it.
        kept = self._kept_json()
        self._earlier = frozenset(pid for pid in kept if pid not in index.photo_json)
        for pid in self._earlier:
            index.photo_json[pid] = kept[pid]
        self.photo_json = index.photo_json
        # The files earlier runs kept under OUT/flickr-export/unmatched/ (no usable JSON
        # then): read after this run's own, placed when this run brings their JSON.
        self._kept_media = self._kept_files()
        index.media.extend(self._kept_media)
        self._from_kept: dict[str, list[Member]] = {}  # photo id -> its kept files
        self.by_backup = False  # set by _account: a backup wrote photos here
        self.owner = (
            (profile.nsid, profile.username or None) if profile else _archive_owner(self.out)
        )

    # --- the stage ---------------------------------------------------------------------

    async def run(self) -> None:
        plan, organisation = await asyncio.to_thread(self._account)
        await self.results.put(plan)
        await self.results.put(organisation)
        work, missing = await asyncio.to_thread(self._match)
        queue: asyncio.Queue[_Work | None] = asyncio.Queue(maxsize=self.workers * BATCH * 2)

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
        # An archive a backup made keeps the API's account.json (the export's is poorer).
        if self.profile is not None and not self.by_backup:
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
        last = False
        while not last and (item := await queue.get()) is not None:
            # Several photos per thread step: each hand-off to a thread and back costs the
            # event loop a wake-up and the threads the GIL, as much as a small file's copy.
            batch = [item]
            while len(batch) < BATCH and not queue.empty():
                following = queue.get_nowait()
                if following is None:
                    last = True  # this worker's end: after this batch
                    break
                batch.append(following)
            messages, stop = await asyncio.to_thread(self._some, batch)
            for message in messages:
                await self.results.put(message)
            if stop is not None:
                raise stop
        await self.results.put(WorkerExit(STAGE))

    def _some(self, batch: list[_Work]) -> tuple[list[Message], StorageError | None]:
        """_one for each photo of `batch`, in a thread: their messages, and the error that
        stops the run (a full disk) if one did, after the photos done before it."""
        messages: list[Message] = []
        for item in batch:
            try:
                messages.extend(self._one(item))
            except StorageError as exc:
                return messages, exc
            except OSError as exc:
                try:
                    raise_if_disk_problem(exc, self.out)
                except StorageError as stop:
                    return messages, stop
                self._refuse(f"photo {item.photo_id}", f"{type(exc).__name__}: {exc}")
            except Exception as exc:  # a stage boundary: one bad item never stops the others
                log.debug("photo %s: import failed", item.photo_id, exc_info=True)
                self._refuse(f"photo {item.photo_id}", f"{type(exc).__name__}: {exc}")
        return messages, None

    def _refuse(self, what: str, reason: str) -> None:
        log.warning("%s: %s", what, reason)
        self.report.refused[what] = reason

    # --- matching ------------------------------------------------------------------------

    def _kept_json(self) -> dict[str, Member]:
        """The photo JSON earlier runs kept under OUT/flickr-export/photos/, as members of
        one more (folder) source of the index."""
        source, paths = self._kept_folder(KEPT_JSON, "kept photo JSON", _KEPT_NAME.fullmatch)
        kept: dict[str, Member] = {}
        for path in paths:
            if found := _KEPT_NAME.fullmatch(path.name):
                kept[found[1]] = Member(source, path.name, path.stat().st_size)
        return kept

    def _kept_files(self) -> list[Member]:
        """The media files earlier runs kept under OUT/flickr-export/unmatched/."""
        self._unmatched_source = -1
        source, paths = self._kept_folder(UNMATCHED, "kept files", export_names.parse_media_name)
        if paths:
            self._unmatched_source = source
        return [Member(source, path.name, path.stat().st_size) for path in paths]

    def _kept_folder(
        self, rel: str, what: str, wanted: Callable[[str], object]
    ) -> tuple[int, list[Path]]:
        """The files (no links) earlier runs kept in OUT/`rel` whose names `wanted` reads, in
        name order; when there are some, their folder is one more source of the index, at
        the number given."""
        try:
            folder = confine.inside(self.out, PurePosixPath(rel), final_link=False)
        except confine.UnsafePath as exc:
            log.warning("%s not read: %s", what, exc)
            return -1, []
        if not folder.is_dir():
            return -1, []
        source = len(self.index.sources)
        paths = [
            path
            for path in sorted(folder.iterdir())
            if wanted(path.name) is not None and path.is_file() and not path.is_symlink()
        ]
        if paths:
            self.index.sources.append(Source(folder))
        return source, paths

    def _secret_of(self, photo_id: str) -> str | None:
        """The original's secret its JSON names (read only for an ambiguous name)."""
        if photo_id not in self._secrets:
            try:
                doc = self.index.read_json(self.photo_json[photo_id])
                secret = export_records.original_secret(doc) if isinstance(doc, dict) else None
            except (CorruptMember, TooLargeMember):
                secret = None
            self._secrets[photo_id] = secret
        return self._secrets[photo_id]

    def _match(self) -> tuple[list[_Work], list[str]]:
        """Media files by photo id, in the order the zips hold them; the ids with a JSON and
        no file."""
        known = self.photo_json
        archived = _Archived(self.state)
        by_id: dict[str, list[Member]] = {}
        kept_files = 0
        unknown: set[str] = set()  # names of this run's files no JSON describes
        for member in self.index.media:
            kept = member.source == self._unmatched_source
            photo_id = export_names.media_id(member.name, known, self._secret_of)
            if photo_id is None and self.archive_had_photos:
                # A zip downloaded again, given alone: its photos the archive holds already
                # need no JSON (a kept file of one goes: the archive has it).
                photo_id = export_names.media_id(member.name, archived)
                if photo_id is not None:
                    if kept:
                        self._from_kept.setdefault(photo_id, []).append(member)
                    else:
                        self.report.already_archived += 1
                        self.stats.unchanged += 1
                    continue
            if photo_id is None:
                if kept and member.name in unknown:
                    continue  # the zip given again is named: its kept copy is that file
                self.report.files_without_json.append(self.index.where(member))
                if not kept:
                    unknown.add(member.basename)
                    kept_files += self._keep_file(member)
            elif kept:
                self._from_kept.setdefault(photo_id, []).append(member)
            else:
                by_id.setdefault(photo_id, []).append(member)
        for photo_id, members in self._from_kept.items():
            if photo_id not in by_id and photo_id in known:  # this run's zips have none
                by_id[photo_id] = list(members)
        if kept_files:
            self.report.metadata.append(
                f"{plural(kept_files, 'file')} no JSON describes kept in {UNMATCHED}/ "
                "(a later import given its JSON places it)"
            )
        earlier = len(self._earlier)
        self.report.photos_in_export = len(known) - earlier
        if earlier:
            self.report.metadata.append(
                f"{plural(earlier, 'photo JSON')} kept by an earlier import (its file was missing)"
            )
        self.report.media_in_export = len(self.index.media) - len(self._kept_media)
        self.report.ignored.extend(self.index.ignored)
        self.report.ignored.extend(
            f"{where} (a second photo_<id>.json for the same photo)"
            for where in self.index.duplicate_json
        )
        self.stats.listed = len(known)
        work = [_Work(pid, tuple(members)) for pid, members in by_id.items()]
        missing = [pid for pid in known if pid not in by_id]
        return work, missing

    def _photo_doc(self, photo_id: str) -> dict[str, Any]:
        doc = self.index.read_json(self.photo_json[photo_id])
        if not isinstance(doc, dict):
            raise InvalidRecord(f"photo {photo_id}", "its JSON is not an object")
        return doc

    def _without_files(self, photo_ids: list[str]) -> None:
        """Photos the export describes and has no file for: an unprocessed video has none
        to have; the others are missing, unless the archive holds them already."""
        kept = 0
        for photo_id in sorted(photo_ids, key=lambda p: (len(p), p)):
            try:
                doc = self.index.read_json(self.photo_json[photo_id])
            except (CorruptMember, TooLargeMember) as exc:
                self._refuse(f"photo {photo_id}", str(exc))
                continue
            original = str(doc.get("original") or "") if isinstance(doc, dict) else ""
            row = self.state.photo(photo_id)
            archived = row is not None and row.is_done and bool(row.path)
            if original.endswith(export_records.UNPROCESSED_VIDEO):
                self.report.unprocessed_videos.append(photo_id)
            elif archived:
                self.report.missing_but_archived.append(photo_id)
            else:
                self.report.missing_files.append(photo_id)
            # Its title, description, comments... are kept, and its file, in a later run
            # given the zips downloaded again, is matched to it.
            member = self.photo_json.get(photo_id)
            if member is None or archived or photo_id in self._earlier:
                continue
            try:
                self._keep(PurePosixPath(KEPT_JSON, f"photo_{photo_id}.json"), member)
            except CorruptMember as exc:
                self._corrupt(exc)
                continue
            except confine.UnsafePath as exc:
                log.warning("photo %s: its JSON not kept: %s", photo_id, exc)
                continue
            kept += 1
        if kept:
            self.report.metadata.append(
                f"{plural(kept, 'photo JSON')} without a file kept in {KEPT_JSON}/ "
                "(a later import given the file places it)"
            )

    def settle(self, done: set[str]) -> None:
        """The kept JSON and files of photos the archive now holds go: it has them."""
        try:
            self._settle(done)
        except confine.UnsafePath as exc:  # a link put there: what it leads to is not ours
            log.warning("kept files left alone: %s", exc)

    def _settle(self, done: set[str]) -> None:
        unmatched = confine.inside(self.out, PurePosixPath(UNMATCHED), final_link=False)
        for photo_id, members in self._from_kept.items():
            if photo_id in done:
                for member in members:
                    (unmatched / member.name).unlink(missing_ok=True)
        folder = confine.inside(self.out, PurePosixPath(KEPT_JSON), final_link=False)
        if not folder.is_dir():
            return
        for path in folder.iterdir():
            found = _KEPT_ANY.fullmatch(path.name)
            if found and found[1] in done:
                path.unlink(missing_ok=True)

    # --- one photo -----------------------------------------------------------------------

    def _one(self, item: _Work) -> list[Message]:
        """Read its JSON, decide, stream its file into a .part: the Writer's messages."""
        photo_id = item.photo_id
        try:
            doc = self._photo_doc(photo_id)
            name = export_names.parse_media_name(item.members[0].basename)
            media = name.media if name else "photo"
            record = export_records.photo_from_export(
                doc, media=media, owner=self.owner[0], owner_name=self.owner[1]
            )
            if record.photo.id != photo_id:
                raise InvalidRecord(
                    f"photo {photo_id}", f"photo_{photo_id}.json holds photo {record.photo.id}"
                )
        except (CorruptMember, TooLargeMember, InvalidRecord) as exc:
            self._refuse(f"photo {photo_id}", f"{exc}{self._keep_unmatched(item)}")
            return []
        del doc
        # A first import into an empty archive has nothing to look up (a query per photo
        # costs as much as hashing its file there, and waits on the writer's transactions).
        stored = self.state.photo(photo_id) if self.archive_had_photos else None
        chosen = self._choose(item, record.original_url, stored)
        if chosen is None:  # every file of it corrupt: named as such (and in its albums' gaps)
            return []
        member, digest = chosen
        reason = self._reason(stored, record, member, digest)
        if reason is None:
            return self._known(stored, record)
        ext = export_names.parse_media_name(member.basename)
        assert ext is not None
        photo = record.photo
        if photo.media != ext.media:
            photo = replace(photo, media="video" if ext.media == "video" else "photo")
        part = self.parts_dir / f"{photo_id}-export.part"
        try:
            size, digest, jpeg, embedded = self._extract(member, part, photo)
        except CorruptMember as exc:
            self._corrupt(exc)
            return []
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
            Downloaded(photo_id, download, part, jpeg=jpeg, embedded=embedded),
            Described(photo_id, photo, record.comments, level="export", export=record.export),
        ]

    def _extract(
        self, member: Member, part: Path, photo: Photo
    ) -> tuple[int, str, bool, Embedded | None]:
        """Stream `member` into `part`: (bytes, sha256 of the file as the export holds it,
        is it a JPEG, the embedding done). A JPEG gets the photo's metadata in its header on
        the way (the writer's embed_into, in the same pass): the part is the file the writer
        renames into place. A member that fails its CRC or is cut short raises CorruptMember
        with `part` removed; an error writing `part` (a full disk) is raised as it is."""
        embedded = None
        try:
            with self.index.reading(member) as stream, part.open("wb") as out:
                first = stream.read(1 << 16)
                jpeg = exif.is_jpeg(first[:4])
                if jpeg and self.exif:
                    meta = embedded_meta.from_photo(photo)
                    size, digest, replaced = embed_stream(
                        stream, out, meta, photo_id=photo.id, with_xmp=self.xmp, prefix=first
                    )
                    embedded = Embedded(size, digest, replaced, meta, self.xmp)
                else:
                    block = first
                    while block:
                        out.write(block)
                        block = stream.read(COPY_BLOCK)
        except BaseException:
            part.unlink(missing_ok=True)
            raise
        size, digest = stream.result()
        return size, digest, jpeg, embedded

    def _choose(
        self, item: _Work, url: str, stored: StoredPhoto | None
    ) -> tuple[Member, str | None] | None:
        """The file to archive of those the export has for one photo, and its SHA-256 when
        it was read to choose. One file: that one. Several: whatever order the zips came
        in, the one the archive holds already (same bytes), else the one named as the
        JSON's original names it, else the lowest SHA-256; the others are duplicates."""
        if len(item.members) == 1:
            return item.members[0], None
        found: list[tuple[Member, int, str]] = []
        for member in item.members:
            try:
                size, digest = self.index.digest(member)
            except CorruptMember as exc:
                self._corrupt(exc)
                continue
            found.append((member, size, digest))
        if not found:
            return None
        held = stored.served_sha256 if stored is not None and stored.is_done else None
        original = PurePosixPath(url.split("?", 1)[0]).name

        def rank(entry: tuple[Member, int, str]) -> tuple[bool, bool, str, str]:
            member, _, digest = entry
            return (digest != held, member.basename != original, digest, member.name)

        found.sort(key=rank)
        first, _, digest = found[0]
        for member, size, other in found[1:]:
            if other == digest:
                self.report.duplicates_same.append(f"{item.photo_id}: {self.index.where(member)}")
            else:
                self._duplicate(item.photo_id, member, size, other)
        return first, digest

    def _known(
        self, stored: StoredPhoto | None, record: export_records.ExportPhoto
    ) -> list[Message]:
        """A photo whose file the archive holds already: the jobs a newer export still asks
        for (its metadata, its albums), none for a photo a backup brought to API metadata
        (the API's word wins over an export's)."""
        if stored is None or stored.metadata_level != "export":
            self.report.already_archived += 1
            self.stats.unchanged += 1
            return []
        photo_id = record.photo.id
        photo = replace(record.photo, media="video" if stored.media == "video" else "photo")
        if self._metadata_moved(stored, photo, record):
            # A newer export's title, tags, privacy...: the sidecar is made again, the file
            # re-embedded only where its embedded metadata changes (the writer's check).
            self.stats.jobs += 1
            self.report.updated += 1
            return [
                Job(photo, download=False, metadata=True, stored=stored, reason=Reason.CHANGED),
                Described(photo_id, photo, record.comments, level="export", export=record.export),
            ]
        self.report.unchanged += 1
        self.stats.unchanged += 1
        albums = tuple(
            (a, self.album_titles.get(a, "")) for a in self.albums_by_photo.get(photo_id, ())
        )
        if tuple(stored.albums) == albums:
            return []
        # A newer export moved it to other albums: its folders and sidecar follow, as a
        # backup's "albums" job does (no file rewritten).
        self.stats.jobs += 1
        return [Job(photo, download=False, metadata=False, stored=stored, reason=Reason.ALBUMS)]

    def _metadata_moved(
        self, stored: StoredPhoto, photo: Any, record: export_records.ExportPhoto
    ) -> bool:
        """Does this export describe the photo otherwise than its sidecar does?"""
        old = self.archive.recorded_doc(stored)
        if old is None:
            return True
        new = sidecar.build(
            photo, comments=record.comments, albums=(), download=None, level="export",
            export=record.export,
        )  # fmt: skip
        return any(old.get(key) != value for key, value in new.items() if key not in _NOT_JSON)

    def _reason(
        self,
        stored: StoredPhoto | None,
        record: export_records.ExportPhoto,
        member: Member,
        digest: str | None,
    ) -> Reason | None:
        """Why this photo is imported (IMPORT, MISSING, REPLACED), or None: the
        archive holds its file already (an earlier import's same file, or a backup's
        original of the same secret)."""
        if stored is None or not stored.is_done or not stored.path:
            return Reason.IMPORT
        if size_of(self.out / stored.path) != stored.bytes:
            return Reason.MISSING  # gone, or cut short: a file is adopted only whole
        if stored.metadata_level == "export":
            same = (
                stored.served_sha256 == digest
                if digest is not None
                else stored.served_bytes == member.size
            )
            if same and _same_url(stored.served_url, record.original_url):
                return None
            return Reason.REPLACED  # another export's file: the old one is kept (writer)
        if stored.original is False:
            return Reason.REPLACED  # a backup could only get a smaller size: the old one kept
        secret = record.photo.original_secret
        if secret and not _same_original(stored.original_key, secret):
            return Reason.REPLACED  # replaced on Flickr since the backup: the old one is kept
        return None

    def _corrupt(self, exc: CorruptMember) -> None:
        log.warning("%s (skipped)", exc)
        self.report.corrupt.append(str(exc))

    def _duplicate(self, photo_id: str, member: Member, size: int, other: str) -> None:
        """Another file for the same photo, with other bytes: kept under
        OUT/flickr-export/duplicates/ and reported."""
        where = self.index.where(member)
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
        # Files a backup made from the API say more than the export: an archive that a
        # backup wrote keeps them (None: last run's file stays).
        self.by_backup = by_backup = self._made_by_backup()
        albums_doc = docs.get("albums.json")
        added: set[str] = set()
        if albums_doc is not None:
            found, refused = export_records.albums_from_export(albums_doc)
            for reason in refused:
                self.report.refused[reason.split(":", 1)[0]] = reason
            albums = [a.album for a in found]
            photo_ids = {a.album.id: a.photo_ids for a in found}
            if by_backup:
                # The API's albums (titles, order, members) stay; the export adds only the
                # albums the archive lacks, and marks none deleted.
                kept, kept_ids = _archive_albums(self.out)
                # An album deleted on Flickr since (kept, marked) is not made live again.
                listed = account_files.previous_entries(
                    read_json(self.out / account_files.ALBUMS), "albums"
                )
                known = {a.id for a in kept} | {str(e.get("id")) for e in listed}
                new = [a for a in albums if a.id not in known]
                added = {a.id for a in new}
                photo_ids = {**kept_ids, **{a: photo_ids[a] for a in added}}
                albums = [*kept, *new]
        else:
            self.report.metadata.append("no albums.json in the export: album list kept")
            albums, photo_ids = _archive_albums(self.out)
        folders = layout.assign_album_folders(albums, {a.id: a.folder for a in stored.values()})
        comments = {a.id: a.comments for a in stored.values() if a.comments}
        # The export's member lists are as old as the export: the first backup lists every
        # album it names again, whatever its date_update says (the API's word wins).
        unlisted = {a.id for a in stored.values() if a.needs_listing}
        if albums_doc is not None:
            unlisted.update(added if by_backup else photo_ids)
        plan = AlbumPlan(
            tuple(albums), folders, photo_ids, unlisted=frozenset(unlisted), comments=comments
        )
        self.album_ids = photo_ids
        self.albums_by_photo = plan.albums_by_photo()
        self.album_titles = {a.id: a.title for a in albums}

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
        """Every account-level JSON of the export, verbatim, under OUT/flickr-export/ (an
        older export's file of the same name, when its bytes differ, kept beside it)."""
        for name, member in sorted(self.index.account.items()):
            try:
                self._keep(PurePosixPath(layout.EXPORT_DIR, name), member)
            except CorruptMember as exc:
                self._corrupt(exc)
                continue
            self.report.export_files_kept.append(name)

    def _keep(self, rel: PurePosixPath, member: Member) -> None:
        """`member`'s bytes at OUT/rel. A different file there already is never lost: it
        becomes `<stem>.<its sha256, 12 digits><suffix>` beside it (the same bytes: nothing
        written). Raises CorruptMember (nothing written)."""
        dest = confine.inside(self.out, rel)
        tmp = self.scratch.path(dest.name)
        size, digest = self.index.extract(member, tmp)
        if dest.is_file():
            old_size, old = sha256_file(dest)
            if (old_size, old) == (size, digest):
                tmp.unlink()
                return
            older = confine.inside(
                self.out, rel.with_name(f"{PurePosixPath(rel.name).stem}.{old[:12]}{rel.suffix}")
            )
            if older.exists():
                dest.unlink()
            else:
                os.replace(dest, older)
            log.warning("%s: an earlier export's file of that name kept as %s", rel, older.name)
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, dest)

    def _keep_unmatched(self, item: _Work) -> str:
        """The files of a photo whose JSON is unusable, kept as the export named them under
        OUT/flickr-export/unmatched/ (never lost once the zips are deleted): the refusal
        says where."""
        if item.photo_id in _Archived(self.state):
            return " (the archive holds its file already)"
        kept: list[str] = []
        for member in item.members:
            rel = PurePosixPath(UNMATCHED, member.basename)
            if member.source == self._unmatched_source:  # kept there by an earlier run
                kept.append(str(rel))
                continue
            try:
                self._keep(rel, member)
            except CorruptMember as exc:
                self._corrupt(exc)
                continue
            except confine.UnsafePath as exc:
                log.warning("photo %s: file not kept: %s", item.photo_id, exc)
                continue
            kept.append(str(rel))
        return f" (its file kept as {', '.join(kept)})" if kept else ""

    def _keep_file(self, member: Member) -> int:
        """A file no JSON describes, kept under OUT/flickr-export/unmatched/ as the export
        named it (1), or not (0: corrupt, or a name that may not be written)."""
        try:
            self._keep(PurePosixPath(UNMATCHED, member.basename), member)
        except CorruptMember as exc:
            self._corrupt(exc)
            return 0
        except confine.UnsafePath as exc:
            log.warning("%s: not kept: %s", self.index.where(member), exc)
            return 0
        return 1

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


def _same_url(stored: str | None, url: str) -> bool:
    """The same original, though exports years apart name its host otherwise (farmN or
    live.staticflickr.com): the same server, secret and extension."""
    if stored == url:
        return True
    parts = export_records.original_parts(stored or "")
    return parts is not None and parts == export_records.original_parts(url)


class _Archived:
    """The photo ids the archive holds a file for (a container asked one id at a time)."""

    def __init__(self, state: State) -> None:
        self.state = state

    def __contains__(self, photo_id: object) -> bool:
        row = self.state.photo(photo_id) if isinstance(photo_id, str) else None
        return row is not None and row.is_done and bool(row.path)


def _same_original(stored_key: str, secret: str) -> bool:
    """Is the original a backup archived (its stored key) the one whose secret the export
    names? A key that says nothing of it (a rebuilt row's "?" or digest) is taken as yes."""
    if not stored_key or stored_key == "?" or stored_key.startswith("#"):
        return True
    stored_secret = stored_key.partition(":")[0]
    # The export gives no dimensions: "<secret>:x", compared by its secret alone.
    return sidecar.original_unchanged(f"{secret}:x", stored_secret, stored_key)


def _archive_owner(out: Path) -> tuple[str, str | None]:
    """The owner account.json names (an export part without account_profile.json)."""
    doc = read_json(out / account_files.ACCOUNT)
    person = doc.get("profile") if isinstance(doc, dict) else None
    if not isinstance(person, dict) or not isinstance(person.get("nsid"), str):
        return "", None
    username = person.get("username")
    return person["nsid"], username if isinstance(username, str) and username else None
