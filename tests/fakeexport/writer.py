"""write_export(): the fake account's "Your Flickr Data" export, anomalies planted on demand."""

from __future__ import annotations

import functools
import hashlib
import os
import random
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from tests.fakeexport import phpjson, records
from tests.fakeexport.names import media_name, media_zip_name, metadata_zip_name, slug
from tests.fakeflickr.content import Blob, BytesBlob, make_original, make_video
from tests.fakeflickr.library import Library
from tests.fakeflickr.model import FakeAlbum, FakePhoto

ZIP_TIME = (2025, 3, 14, 9, 26, 52)
CHUNK = 1 << 20
# Titles that make the names hard (`plant.odd_titles`): a bidi mark, Cyrillic and CJK
# letters the slug loses, so names start with '-' or are all dashes; a single space, which
# Flickr names like an untitled photo.
ODD_TITLES = ("\u200eChildhood Moment", "Ёлка в парке", "東京 night", "Ёлка 2019", " ")
NUMERIC_TITLE = "20190612"
GeoMode = Literal["mixed", "object", "list"]


@dataclass(frozen=True)
class Plant:
    """Which anomalies of real exports to plant. Each is off unless asked, but for the
    `"0"` placeholders, which are part of albums.json's normal shape."""

    missing_files: bool = False  # photos whose JSON is there, not their file
    orphan_files: bool = False  # a file no photo_<id>.json describes
    album_members_missing: bool = False  # an album member with neither JSON nor file
    duplicate_same: bool = False  # one file in two media zips, same bytes
    duplicate_different: bool = False  # one name in two media zips, different bytes
    corrupt_member: bool = False  # a member whose data fails its CRC check
    older_id_name: bool = False  # `{old_id}_{slug}_{new_id}_o.jpg`
    numeric_slug: bool = False  # a title of digits: `20190612_<id>_o.jpg`
    unprocessed_video: bool = False  # `original` ends in video_encoding.jpg, no file
    odd_titles: bool = False  # U+200E, Cyrillic, CJK: names starting with '-'
    folders: bool = False  # a media zip and a metadata part given unpacked
    placeholders: bool = True  # `"0"` first in some albums' `photos`
    placeholder_only_album: bool = False  # an album listed as `["0"]`, cover `.../0`
    geo: GeoMode = "mixed"  # per photo (object/list, absent/[] when not geotagged) or one shape

    @classmethod
    def everything(cls, **overrides: Any) -> Plant:
        flags = {f: True for f in cls.__dataclass_fields__ if f != "geo"}
        return cls(**{**flags, **overrides})


Location = tuple[str, str]  # (zip or folder name, member name)


@dataclass
class Planted:
    """What write_export wrote, and which anomalies it planted where."""

    paths: list[Path] = field(default_factory=list)  # every zip and folder, as written
    metadata_zips: list[str] = field(default_factory=list)  # names (folders: without .zip)
    media_zips: list[str] = field(default_factory=list)
    folders: list[Path] = field(default_factory=list)  # of `paths`, the unpacked ones
    json_ids: list[str] = field(default_factory=list)  # every photo_<id>.json, upload order
    files: dict[str, list[Location]] = field(default_factory=dict)  # id -> readable members
    names: dict[str, str] = field(default_factory=dict)  # id -> its (first) member name
    sha256: dict[str, str] = field(default_factory=dict)  # id -> the true original's digest
    missing_files: list[str] = field(default_factory=list)  # JSON, no file
    unprocessed_videos: list[str] = field(default_factory=list)  # JSON, no file either
    orphan_files: dict[str, Location] = field(default_factory=dict)  # id -> member, no JSON
    album_members_missing: dict[str, list[str]] = field(default_factory=dict)  # album -> ids
    duplicates_same: dict[str, list[Location]] = field(default_factory=dict)
    duplicates_different: dict[str, list[Location]] = field(default_factory=dict)  # first true
    corrupt: dict[str, Location] = field(default_factory=dict)  # id -> its only copy, bad CRC
    older_id_names: dict[str, str] = field(default_factory=dict)  # id -> name with an old id
    numeric_slugs: dict[str, str] = field(default_factory=dict)  # id -> name
    odd_titles: dict[str, str] = field(default_factory=dict)  # id -> title given
    placeholders: dict[str, int] = field(default_factory=dict)  # album -> "0"s put first
    placeholder_only_albums: list[str] = field(default_factory=list)
    geo_shapes: dict[str, records.GeoShape] = field(default_factory=dict)  # id -> shape written
    exif_shapes: dict[str, records.ExifShape] = field(default_factory=dict)
    friend_family: list[str] = field(default_factory=list)  # ids exported "friend & family"
    export_only: list[str] = field(default_factory=list)  # member names only the export has
    account_files: list[str] = field(default_factory=list)  # albums.json, faves... members

    def wrote(self, path: Path, kind: list[str], *, folder: bool) -> None:
        """A zip (or its unpacked folder) written: its name into `kind`, the metadata or the
        media zips."""
        kind.append(path.name)
        self.paths.append(path)
        if folder:
            self.folders.append(path)

    @property
    def without_file(self) -> list[str]:
        """Every id whose JSON is there and whose file is not (or only corrupt): what an
        import must report missing, upload order."""
        lacking = set(self.missing_files) | set(self.unprocessed_videos) | set(self.corrupt)
        return [pid for pid in self.json_ids if pid in lacking]

    @property
    def lacking(self) -> list[str]:
        """Ids of the account's photos the export gives no readable file for (with or
        without JSON): what a following backup has to download."""
        absent = {pid for ids in self.album_members_missing.values() for pid in ids}
        return sorted(set(self.without_file) | absent)


def original_blob(library: Library, photo: FakePhoto) -> Blob:
    """The bytes the fake serves as this photo's original (files.original_blob without a
    server): the uploaded image, or a video's uploaded movie, not its poster."""
    if photo.is_video:
        huge = library.huge_video_size if photo.id == library.huge_video_id else 0
        return make_video(library.seed, photo, "orig", huge)
    return BytesBlob(make_original(library.seed, photo))


@dataclass
class _Member:
    photo: FakePhoto
    name: str
    blob: Callable[[], Blob]  # made when written: 10,000 originals never sit in memory
    variant: bool = False  # the different-bytes duplicate


class _Picker:
    """Deterministic picks of photos for anomalies, never the same photo twice."""

    def __init__(self, photos: list[FakePhoto], in_album: set[str]) -> None:
        self.photos = photos[::-1]  # latest first: the generator's traps (first ones) stay
        self.in_album = in_album
        self.used: set[str] = set()

    def take(
        self, *, video: bool = False, album: bool | None = False, titled: bool = False
    ) -> FakePhoto | None:
        for photo in self.photos:
            if photo.id in self.used or photo.is_video != video:
                continue
            if album is not None and (photo.id in self.in_album) != album:
                continue
            if not video and photo.originalformat != "jpg":
                continue
            if titled and not slug(photo.title).strip("-"):
                continue
            self.used.add(photo.id)
            return photo
        return None


def _chunks(items: list[Any], count: int) -> list[list[Any]]:
    count = max(1, min(count, len(items))) if items else 1
    size, extra = divmod(len(items), count)
    out, start = [], 0
    for i in range(count):
        end = start + size + (1 if i < extra else 0)
        out.append(items[start:end])
        start = end
    return out


def write_export(
    library: Library,
    dest: Path,
    *,
    parts: int = 2,
    media_zips: int = 3,
    plant: Plant | None = None,
    compress_media: bool = False,
) -> Planted:
    """Write the export of `library`'s account into `dest` (created) and say what is where.

    `parts` metadata zips share the photo_<id>.json files (albums.json in the last only,
    account files in the first); `media_zips` media zips share the originals in upload
    order, alternately named `data-download-N.zip` and `data_<digits>_<hex>_<N>.zip`.
    Planting `numeric_slug` or `odd_titles` edits those photos' titles in `library` itself
    (through its hooks), so the fake server agrees with the export.
    """
    plant = plant or Plant()
    dest.mkdir(parents=True, exist_ok=True)
    rnd = random.Random(f"export-{library.seed}")
    planted = Planted()
    albums = library.albums
    albums_of: dict[str, list[FakeAlbum]] = {}
    for album in albums:
        for pid in album.photo_ids:
            albums_of.setdefault(pid, []).append(album)
    photos = library.photos
    pick = _Picker(photos, set(albums_of))

    # --- choose who carries which anomaly (titles first: names depend on them) ----------
    if plant.odd_titles:
        for title in ODD_TITLES:
            if (photo := pick.take(album=None)) is not None:
                library.edit_photo(photo.id, title=title)
                planted.odd_titles[photo.id] = title
    numeric = pick.take(album=None) if plant.numeric_slug else None
    if numeric is not None:
        library.edit_photo(numeric.id, title=NUMERIC_TITLE)
    missing = [p for p in (pick.take(), pick.take()) if p] if plant.missing_files else []
    orphan = pick.take() if plant.orphan_files else None
    absent = pick.take(album=True) if plant.album_members_missing else None
    unprocessed = pick.take(video=True, album=None) if plant.unprocessed_video else None
    corrupt = pick.take(album=None) if plant.corrupt_member else None
    dup_same = pick.take(album=None) if plant.duplicate_same else None
    dup_diff = pick.take(album=None) if plant.duplicate_different else None
    older = pick.take(album=None, titled=True) if plant.older_id_name else None
    skip_json = {p.id for p in (orphan, absent) if p}
    skip_file = {p.id for p in [*missing, absent, unprocessed] if p}

    # --- metadata: photo_<id>.json -------------------------------------------------------
    shapes: tuple[records.GeoShape, ...] = ("object", "list", "object")
    metadata: list[tuple[str, str]] = []  # (member name, text)
    for index, photo in enumerate(photos):
        if photo.id in skip_json:
            continue
        if plant.geo == "mixed":
            geo: records.GeoShape = (
                shapes[index % 3] if photo.geo else ("empty" if index % 4 == 1 else "absent")
            )
        else:
            geo = plant.geo if photo.geo else "absent"
        exif: records.ExifShape = (
            "object"
            if photo.exif and not photo.exif_hidden
            else ("empty" if index % 2 else "absent")
        )
        record = records.photo_record(
            library,
            photo,
            albums=albums_of.get(photo.id, []),
            groups=library.groups[:1] if index % 7 == 3 else [],
            geo=geo,
            exif=exif,
            unprocessed=unprocessed is not None and photo.id == unprocessed.id,
        )
        planted.json_ids.append(photo.id)
        planted.geo_shapes[photo.id] = (
            geo if photo.geo else ("empty" if geo == "empty" else "absent")
        )
        planted.exif_shapes[photo.id] = exif
        if record["privacy"] == "friend & family":
            planted.friend_family.append(photo.id)
        metadata.append((f"photo_{photo.id}.json", phpjson.dumps(record)))

    album_docs = []
    for index, album in enumerate(albums):
        count = (1 + index % 2) if plant.placeholders and index % 3 == 1 else 0
        if count:
            planted.placeholders[album.id] = count
        album_docs.append(records.album_record(library, album, count))
        if absent is not None and absent.id in album.photo_ids:
            planted.album_members_missing.setdefault(album.id, []).append(absent.id)
    if plant.placeholder_only_album:
        fake_id = str(max((int(a.id) for a in albums), default=72157700000000000) + 7)
        album_docs.append(records.placeholder_only_album(library, fake_id, photos[0].dateupload))
        planted.placeholder_only_albums.append(fake_id)
        planted.placeholders[fake_id] = 1
    account = {
        "account_profile.json": records.account_profile(library),
        "faves_part001.json": records.faves(library),
        "contacts_part001.json": records.contacts(library),
        "followers_part001.json": records.followers(library),
        "galleries.json": records.galleries(library),
        "groups.json": records.groups(library),
    }
    only = records.export_only(library)
    planted.account_files = ["albums.json", *account]
    planted.export_only = list(only)

    number = str(72157700000000000 + rnd.randrange(10**13))
    meta_chunks = _chunks(metadata, parts)
    for part, chunk in enumerate(meta_chunks, start=1):
        members = list(chunk)
        if part == 1:
            members += [(name, phpjson.dumps(doc)) for name, doc in {**account, **only}.items()]
        if part == len(meta_chunks):
            members.append(("albums.json", phpjson.dumps({"albums": album_docs})))
        name = metadata_zip_name(rnd, number, part)
        folder = plant.folders and part == 1
        path, _ = _write_container(
            dest,
            name,
            [(n, functools.partial(BytesBlob, t.encode())) for n, t in members],
            folder=folder,
            compress=True,
        )
        planted.wrote(path, planted.metadata_zips, folder=folder)

    # --- media -------------------------------------------------------------------------
    entries: list[_Member] = []
    for photo in photos:
        if photo.id in skip_file:
            continue
        name = media_name(photo, records.original_ext(photo))
        if older is not None and photo.id == older.id:
            old_id = next(p.id for p in photos if p.id not in skip_json and p.id != photo.id)
            name = f"{old_id}_{slug(photo.title)}_{photo.id}_o.{photo.originalformat}"
            planted.older_id_names[photo.id] = name
        if numeric is not None and photo.id == numeric.id:
            planted.numeric_slugs[photo.id] = name
        entries.append(_Member(photo, name, functools.partial(original_blob, library, photo)))
    media_chunks = _chunks(entries, media_zips)
    names = [media_zip_name(rnd, i, new_style=i % 2 == 0) for i in range(1, len(media_chunks) + 1)]
    if corrupt is not None and plant.folders and len(media_chunks) > 1:
        last = media_chunks[-1]  # given unpacked: a folder has no CRC to fail
        for member in [m for m in last if m.photo is corrupt]:
            last.remove(member)
            media_chunks[0].append(member)
    # Duplicates go into another zip than their first copy.
    if len(media_chunks) > 1:
        for twin, variant in ((dup_same, False), (dup_diff, True)):
            if twin is None:
                continue
            home = next(i for i, c in enumerate(media_chunks) for m in c if m.photo is twin)
            first = next(m for m in media_chunks[home] if m.photo is twin)
            blob = first.blob
            if variant:
                changed = replace(twin, version=twin.version + 1)
                blob = functools.partial(original_blob, library, changed)
            other = media_chunks[(home + 1) % len(media_chunks)]
            other.append(_Member(twin, first.name, blob, variant=variant))
    digests: dict[tuple[str, bool], str] = {}
    for index, (zip_name, chunk) in enumerate(zip(names, media_chunks, strict=True)):
        folder = plant.folders and index == len(media_chunks) - 1 and len(media_chunks) > 1
        container = zip_name.removesuffix(".zip") if folder else zip_name
        path, written = _write_container(
            dest,
            zip_name,
            [(m.name, m.blob) for m in chunk],
            folder=folder,
            compress=compress_media,
        )
        planted.wrote(path, planted.media_zips, folder=folder)
        for member, digest in zip(chunk, written, strict=True):
            pid = member.photo.id
            location = (container, member.name)
            digests.setdefault((pid, member.variant), digest)
            if corrupt is not None and pid == corrupt.id and not folder:
                _corrupt(path, member.name)
                planted.corrupt[pid] = location
                continue
            if member.variant:
                planted.duplicates_different.setdefault(pid, []).append(location)
                continue
            if pid in planted.files:
                planted.duplicates_same.setdefault(pid, list(planted.files[pid])).append(location)
            if dup_diff is not None and pid == dup_diff.id:
                planted.duplicates_different.setdefault(pid, []).insert(0, location)
            planted.files.setdefault(pid, []).append(location)
            planted.names.setdefault(pid, member.name)
            if orphan is not None and pid == orphan.id:
                planted.orphan_files[pid] = location
    if corrupt is not None and corrupt.id not in planted.corrupt:
        raise AssertionError("the corrupt member landed in a folder")  # pragma: no cover
    for photo in photos:
        if photo.id in planted.files or photo.id in planted.corrupt:
            planted.sha256[photo.id] = digests[(photo.id, False)]
    planted.missing_files = [p.id for p in missing]
    planted.unprocessed_videos = [unprocessed.id] if unprocessed else []
    return planted


def _write_container(
    dest: Path,
    name: str,
    members: list[tuple[str, Callable[[], Blob]]],
    *,
    folder: bool,
    compress: bool,
) -> tuple[Path, list[str]]:
    """A zip with every member flat at its root, or the folder `unzip` would make of it;
    also the sha256 of each member's bytes, in order."""
    digests: list[str] = []
    if folder:
        path = dest / name.removesuffix(".zip")
        path.mkdir(parents=True, exist_ok=True)
        for member, make in members:
            digest = hashlib.sha256()
            with open(path / member, "wb") as fh:
                for piece in make().chunks(chunk=CHUNK):
                    digest.update(piece)
                    fh.write(piece)
            digests.append(digest.hexdigest())
        return path, digests
    path = dest / name
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(path, "w", method) as zf:
        for member, make in members:
            blob = make()
            info = zipfile.ZipInfo(member, ZIP_TIME)
            info.compress_type = method
            info.file_size = blob.size
            digest = hashlib.sha256()
            with zf.open(info, "w", force_zip64=blob.size > 2**31) as out:
                for piece in blob.chunks(chunk=CHUNK):
                    digest.update(piece)
                    out.write(piece)
            digests.append(digest.hexdigest())
    return path, digests


def _corrupt(path: Path, member: str) -> None:
    """Flip bytes in the middle of a stored member's data: reading it raises BadZipFile
    (bad CRC) at the end of the read, as a damaged download does."""
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(member)
    with open(path, "r+b") as fh:
        fh.seek(info.header_offset)
        header = fh.read(30)
        name_len = int.from_bytes(header[26:28], "little")
        extra_len = int.from_bytes(header[28:30], "little")
        start = info.header_offset + 30 + name_len + extra_len
        middle = start + info.compress_size // 2
        fh.seek(middle)
        chunk = fh.read(16)
        fh.seek(middle)
        fh.write(bytes(b ^ 0x5A for b in chunk))


def iter_members(path: Path) -> Iterator[str]:
    """The member names of a zip, or the file names of an unpacked folder."""
    if path.is_dir():
        yield from sorted(os.listdir(path))
    else:
        with zipfile.ZipFile(path) as zf:
            yield from zf.namelist()
