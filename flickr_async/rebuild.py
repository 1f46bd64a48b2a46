"""The archive is its own index: a lost, empty or damaged state rebuilt from what is on disk.

Every photo's JSON sidecar holds its record (id, title, dates, albums, what Flickr served)
and, since this module exists, its `file` record: the size and SHA-256 of the file as the
archive holds it, which Flickr original it is and how its metadata was embedded. The root
files hold the rest: albums.json the albums with their folders, account.json the options the
archive remembers (its shape: --layout, --names, --links; and --metadata, --exif...). From
those a new state is written, each file checked against its record on the way: a file that
does not match is recorded as broken, so the next backup fetches it again, and nothing intact
is ever downloaded twice. The damaged state is kept aside (`state.sqlite3.damaged-<time>`),
never deleted.

An archive written before the `file` record and the remembered options were kept outside
the state is rebuilt too: its files are checked against what Flickr served where their bytes
are Flickr's (videos, --no-exif), a JPEG with embedded metadata by its structure; its shape
is read from where its files are.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import math
import os
import sqlite3
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from flickr_async import account_files, embedded_meta, layout, names, sidecar
from flickr_async.archive import (
    JSON_SIDECAR,
    Archive,
    Shape,
    media_of,
    read_sidecar,
    xmp_of,
)
from flickr_async.choices import LAYOUTS
from flickr_async.errors import ConfigError, StorageError
from flickr_async.fsutil import Scratch, read_json, sha256_file, write_if_changed
from flickr_async.names import DEFAULT as DEFAULT_NAMES
from flickr_async.names import validate_shape
from flickr_async.state import (
    REMEMBERED,
    THUMB_FOUND,
    State,
    StoredAlbum,
    StoredFave,
    StoredThumb,
    connect_read_only,
)

log = logging.getLogger(__name__)

ASKED = "asked for"  # the reason of `verify --rebuild`
# SQLite's files beside the database: kept aside with it (a stale log replayed into a new
# database would be worse than none).
COMPANIONS = ("-wal", "-shm", "-journal")
TABLES = ("meta", "photos", "albums")
LEVELS = frozenset({"basic", "list", "deep", "export"})
# Older archives: name templates tried, in order, to read the shape from the file names.
KNOWN_TEMPLATES = (
    DEFAULT_NAMES,
    "{date_taken:%Y-%m-%d} {title} ({id})",
    "{title} ({id})",
    "{date_taken:%Y%m%d}_{id}",
)
INFER_SAMPLE = 2000  # sidecars an older archive's shape is read from
_TEXT_OPTIONS = ("layout", "names", "links", "metadata")
_FLAG_OPTIONS = ("exif", "xmp", "favorites", "site")
# A state with no photo row beside photo sidecars: lost rows, unless a first backup is
# writing (a photo's sidecar is written before its row).
NO_PHOTO = "it holds no photo while photos are on disk"


# --- the remembered options, outside the state ------------------------------------------


def root_options(out: Path) -> dict[str, Any]:
    """The options account.json remembers ({} when it says nothing usable). Older archives
    recorded only the layout there."""
    doc = read_json(out / account_files.ACCOUNT)
    archive = doc.get("archive") if doc else None
    if not isinstance(archive, dict):
        return {}
    saved = archive.get("options")
    found: dict[str, Any] = {}
    if isinstance(saved, dict):
        found.update({k: saved[k] for k in _TEXT_OPTIONS if isinstance(saved.get(k), str)})
        found.update({k: saved[k] for k in _FLAG_OPTIONS if isinstance(saved.get(k), bool)})
        every = saved.get("full_listing_every")
        if _age_in_days(every):
            found["full_listing_every"] = every
    if "layout" not in found and isinstance(archive.get("layout"), str):
        found["layout"] = archive["layout"]
    return found


def _age_in_days(value: object) -> bool:
    """A --full-listing-every as account.json may hold it: a finite number, 0 or more."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    return math.isfinite(value) and value >= 0


def note_options(out: Path, options: Mapping[str, Any], scratch: Scratch) -> None:
    """account.json remembers the archive's options (its shape first): the state is not the
    only place that knows how the files are laid out. Rewritten only when they change."""
    path = out / account_files.ACCOUNT
    doc = read_json(path) or {"schema": account_files.SCHEMA_VERSION, "profile": None}
    archive = doc.get("archive")
    archive = dict(archive) if isinstance(archive, dict) else {}
    wanted = {k: options.get(k) for k in REMEMBERED}
    if archive.get("options") == wanted and archive.get("layout") == wanted["layout"]:
        return
    archive["layout"] = wanted["layout"]
    archive["options"] = wanted
    doc["archive"] = archive
    try:
        write_if_changed(path, sidecar.dumps(doc), scratch)
    except OSError as exc:
        raise StorageError(f"cannot write {path}: {exc.strerror or exc}") from exc


def remembered_options(out: Path) -> tuple[dict[str, Any], bool]:
    """The options a rebuild gives the archive, and whether they were inferred from where the
    files are (an archive older than account.json's options) rather than read."""
    found = root_options(out)
    if {"layout", "names", "links"} <= found.keys() and _is_valid_shape(found):
        return found, False
    hint = found.get("layout")  # an older account.json's, or a broken shape's
    rest = {k: v for k, v in found.items() if k not in ("layout", "names", "links")}
    return {**_infer_options(out, hint), **rest}, True


def _is_valid_shape(options: Mapping[str, Any]) -> bool:
    try:
        validate_shape(str(options["layout"]), str(options["links"]), str(options["names"]))
    except ConfigError:
        return False
    return True


# --- is the state usable? ---------------------------------------------------------------


def state_problem(out: Path, *, thorough: bool = False) -> str | None:
    """Why the archive's state cannot be trusted (missing, empty, cut short, damaged, holding
    no photo while photos are on disk); None when it can, or when `out` is no archive yet.
    `thorough` (verify) also reads every page of it (PRAGMA quick_check: 0.6 s for 200,000
    photos); a backup looks at its header and tables only. Reads only: a read-only archive
    is looked at as it is."""
    path = Archive(out).state_file
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return "it is missing" if has_sidecars(out) else None
    except OSError as exc:
        return f"it cannot be read ({exc.strerror})"
    if size == 0:
        return "it is empty" if has_sidecars(out) else None
    short = _cut_short(path, size)
    if short is not None:
        return short
    try:
        db = connect_read_only(path)
    except sqlite3.Error as exc:
        return f"it is damaged ({exc})"
    try:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        missing = [t for t in TABLES if t not in tables]
        if missing:
            return f"its {', '.join(missing)} table is missing"
        if thorough:
            check = [str(r[0]) for r in db.execute("PRAGMA quick_check(3)")]
            if check != ["ok"]:
                return f"it is damaged ({'; '.join(check)})"
        photos = db.execute("SELECT COUNT(*) FROM photos").fetchone()[0]
    except sqlite3.Error as exc:
        return f"it is damaged ({exc})"
    finally:
        db.close()
    if photos == 0 and has_sidecars(out):
        return NO_PHOTO
    return None


def problem_to_report(archive: Archive) -> str | None:
    """state_problem() as `status` and `site` report it: a state holding no photo while a run
    holds the lock is a first backup writing (a photo's sidecar comes before its row), not a
    lost state."""
    problem = state_problem(archive.out)
    if problem == NO_PHOTO and archive.lock_holder() is not None:
        return None
    return problem


def _cut_short(path: Path, size: int) -> str | None:
    """The database's header says how many pages it has (when its two change counters
    agree): a file shorter than that was truncated. None when it is not known to be."""
    try:
        with path.open("rb") as fh:
            header = fh.read(100)
    except OSError as exc:
        return f"it cannot be read ({exc.strerror})"
    if len(header) < 100 or not header.startswith(b"SQLite format 3\x00"):
        return None  # SQLite says what it is
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    valid = header[24:28] == header[92:96]
    if valid and pages and pages * page_size > size:
        wal = path.with_name(path.name + "-wal")
        if wal.is_file() and wal.stat().st_size > 0:
            # A checkpoint a full disk stopped after the header and before the last page:
            # the missing pages are still in the WAL, which SQLite reads first.
            return None
        return f"it is cut short ({size:,} of {pages * page_size:,} bytes)"
    return None


def has_sidecars(out: Path) -> bool:
    """Is there any photo sidecar of ours under `out` (stops at the first)? Another tool's
    `<file>.json` (Google Takeout names them so too) does not count."""
    for rel in _sidecars(out):
        try:
            sidecar.loads((out / rel).read_bytes())
        except (OSError, ValueError):
            continue
        return True
    return False


# --- rebuilding -------------------------------------------------------------------------


@dataclass
class Rebuilt:
    """What a rebuild found and did."""

    reason: str
    kept_aside: Path | None = None
    photos: int = 0
    broken: list[str] = field(default_factory=list)  # ids whose file failed its check
    unchecked: int = 0  # older JPEGs with embedded metadata: checked by structure only
    unreadable: list[str] = field(default_factory=list)  # sidecars that are not ours
    albums: int = 0
    favorites: int = 0
    shape: str = ""
    inferred: bool = False  # the shape was read from where the files are

    def line(self, out: Path) -> str:
        """The one line a run prints about it."""
        aside = f" (kept as {self.kept_aside.name})" if self.kept_aside else ""
        parts = [f"{self.photos} items", f"{self.albums} albums"]
        if self.favorites:
            parts.append(f"{self.favorites} favourites")
        if self.broken:
            parts.append(f"{len(self.broken)} broken, fetched again by the next backup")
        if self.unchecked:
            parts.append(f"{self.unchecked} older JPEGs checked by their structure only")
        if self.unreadable:
            parts.append(f"{len(self.unreadable)} unreadable sidecars skipped")
        how = "inferred from where the files are" if self.inferred else "from account.json"
        why = "as asked" if self.reason == ASKED else f"unusable: {self.reason}"
        return (
            f"state of {out} {why}{aside}; rebuilt from the archive: "
            f"{', '.join(parts)}; shape {self.shape} {how}"
        )


def rebuild_if_needed(out: Path, *, force: bool = False) -> Rebuilt | None:
    """Rebuild the state of `out` when it is unusable (or `force`), under the run lock;
    None when it is fine."""
    problem = ASKED if force else state_problem(out)
    if problem is None:
        return None
    with Archive(out).lock():
        if not force:  # looked at again, now that no run can be writing it
            problem = state_problem(out)
            if problem is None:
                return None
        return rebuild_state(out, problem)


def rebuild_state(out: Path, reason: str) -> Rebuilt:
    """Keep the state aside and write a new one from the archive. The caller holds the
    archive's run lock."""
    path = Archive(out).state_file
    # Written beside, then renamed into place: a rebuild killed half-way leaves the old state
    # where it was, and the next run starts again (a half-filled state would look sound).
    building = path.with_name(path.name + ".rebuilding")
    for suffix in ("", *COMPANIONS):
        building.with_name(building.name + suffix).unlink(missing_ok=True)  # our own leftover
    state = State(building)
    try:
        report = fill(state, out, reason)
    finally:
        state.close()
    report.kept_aside = keep_aside(path, "replaced" if reason == ASKED else "damaged")
    os.replace(building, path)
    return report


def keep_aside(path: Path, why: str) -> Path | None:
    """Rename the database and its companions to `<name>.<why>-<time>`; the new name of the
    database itself (None when there was none)."""
    stamp = time.strftime("%Y%m%dT%H%M%S")
    kept: Path | None = None
    for suffix in ("", *COMPANIONS):
        current = path.with_name(path.name + suffix)
        if not current.exists():
            continue
        target = current.with_name(f"{current.name}.{why}-{stamp}")
        n = 1
        while target.exists():
            n += 1
            target = current.with_name(f"{current.name}.{why}-{stamp}-{n}")
        os.replace(current, target)
        if suffix == "":
            kept = target
    return kept


def fill(state: State, out: Path, reason: str) -> Rebuilt:
    """Write into the empty `state` what the archive at `out` holds."""
    options, inferred = remembered_options(out)
    shape = Shape.of(options)
    report = Rebuilt(reason, shape=shape.describe(), inferred=inferred)
    # Change numbers from here on are above any an earlier state gave: the offline site
    # takes one full look at the rebuilt archive.
    base = str(int(time.time()))
    state.set_meta(
        {
            "options": json.dumps({k: options.get(k) for k in REMEMBERED}),
            "change_seq": base,
            "forgotten_seq": base,
        }
    )
    albums = _albums(out)
    state.replace_albums(albums)
    report.albums = len(albums)
    folders = {a.id: a.folder for a in albums}
    template = names.parse(shape.names)
    # Paths only, by id (a sidecar is read again for the one place chosen): memory stays
    # small on an archive of 500,000 photos.
    found: dict[str, list[PurePosixPath]] = {}
    for rel, doc in _read_sidecars(out, report):
        found.setdefault(str(doc["id"]), []).append(rel)
    for photo_id in sorted(found):
        _restore_photo(state, out, photo_id, found[photo_id], template, folders, shape, report)
    if report.broken:
        state.mark_for_repair(report.broken)
    report.favorites = _restore_favorites(state, out)
    _restore_thumbnails(state, out, set(found))
    return report


def _restore_thumbnails(state: State, out: Path, photo_ids: set[str]) -> None:
    """The site's thumbnails on disk, with no URL yet: the next listing's is taken for each
    one whole on disk (thumbnails.FOUND), none is fetched again."""
    rows: list[StoredThumb] = []
    folder = Archive(out).thumbs_dir
    for path in sorted(folder.glob("*_?.jpg")) if folder.is_dir() else ():
        photo_id, _, size = path.stem.rpartition("_")
        if photo_id in photo_ids and path.stat().st_size > 0:
            rows.append(StoredThumb(photo_id, size, THUMB_FOUND, path.stat().st_size))
    if rows:
        state.keep_thumbnails(rows)


def _albums(out: Path) -> list[StoredAlbum]:
    """The albums on Flickr at the last listing, with their folders, from albums.json."""
    doc = read_json(out / account_files.ALBUMS)
    albums: list[StoredAlbum] = []
    for entry in account_files.previous_entries(doc, "albums"):
        album_id, title, folder = entry.get("id"), entry.get("title"), entry.get("folder")
        if entry.get("deleted_on_flickr") or not isinstance(album_id, str):
            continue
        if not isinstance(folder, str) or not isinstance(title, str):
            continue
        update = entry.get("date_update")
        ids = entry.get("photo_ids")
        comments = entry.get("comments")
        albums.append(
            StoredAlbum(
                id=album_id,
                title=title,
                folder=folder,
                date_update=update if isinstance(update, int) else 0,
                position=len(albums),
                photo_ids=tuple(str(i) for i in ids) if isinstance(ids, list) else (),
                comments=tuple(c for c in comments if isinstance(c, dict))
                if isinstance(comments, list)
                else (),
            )
        )
    return albums


# --- the files --------------------------------------------------------------------------


def _sidecars(out: Path) -> Iterator[PurePosixPath]:
    """Every `<media>.json` beside a media file under `out`, relative to it: the photos'
    folders and an interrupted reshape's staging, not the site, the state or Favorites/."""
    skip_root = {layout.STATE_DIR, layout.SITE_DIR, layout.FAVORITES_DIR, layout.EXPORT_DIR}
    staging = Archive(out).reshape_dir
    roots = [out, staging] if staging.is_dir() else [out]
    for root in roots:
        for folder, dirs, files in os.walk(root):
            here = Path(folder)
            if here == out:
                dirs[:] = [d for d in dirs if d not in skip_root]
            dirs.sort()
            present = set(files)
            for name in sorted(files):
                if not name.endswith(JSON_SIDECAR) or name[: -len(JSON_SIDECAR)] not in present:
                    continue
                if here == out and name in account_files.FILES:
                    continue
                yield PurePosixPath((here / name).relative_to(out).as_posix())


def _read_sidecars(out: Path, report: Rebuilt) -> Iterator[tuple[PurePosixPath, dict[str, Any]]]:
    """(media path, sidecar) for each sidecar that is a photo's; others are noted."""
    for rel in _sidecars(out):
        try:
            doc = sidecar.loads((out / rel).read_bytes())
        except (OSError, ValueError):
            report.unreadable.append(str(rel))
            continue
        if "favorite" in doc:
            continue
        yield media_of(rel), doc


def _restore_photo(
    state: State,
    out: Path,
    photo_id: str,
    places: list[PurePosixPath],
    template: names.Template,
    folders: Mapping[str, str],
    shape: Any,
    report: Rebuilt,
) -> None:
    """One photo's row from its files and sidecar: where the shape puts it when a file is
    there, else where it was found (the next backup moves it); album copies that are there."""
    places.sort(key=lambda p: (not _is_plain_file(out / p), str(p)))
    found = set(places)
    rel = places[0]
    doc = _sidecar_of(out, rel)
    if doc is None:
        return  # gone or changed since the scan
    album_ids = [str(a.get("id")) for a in doc.get("albums") or [] if isinstance(a, dict)]
    fields = dataclasses.replace(names.NameFields.from_sidecar(doc), id=photo_id)
    try:
        expected, links = names.photo_paths(
            template, fields, rel.suffix[1:], album_ids, folders, shape.layout
        )
    except ValueError:
        expected, links = rel, ()
    if expected in found and _is_plain_file(out / expected):
        if expected != rel:
            rel, doc = expected, _sidecar_of(out, expected) or doc
        copies = [str(link) for link in links if link in found]
    else:
        copies = [str(p) for p in places[1:]]
    media = out / rel
    size, digest, problem = _check(media, doc)
    if problem == "unchecked":
        report.unchecked += 1
    elif problem is not None:
        log.info("photo %s: %s %s; fetched again by the next backup", photo_id, rel, problem)
        report.broken.append(photo_id)
    record: dict[str, Any] = doc["file"] if isinstance(doc.get("file"), dict) else {}
    download: dict[str, Any] | None = (
        doc["download"] if isinstance(doc.get("download"), dict) else None
    )
    level = doc.get("metadata_level")
    embed = record.get("embed_version")
    updated = doc.get("date_updated")
    state.record_done(
        photo_id=photo_id,
        last_update=updated if isinstance(updated, int) else 0,
        original_key=_original_key(record, download, photo_id),
        media=str(doc.get("media") or "photo"),
        path=str(rel),
        links=copies,
        albums=[
            (str(a.get("id")), str(a.get("title") or ""))
            for a in doc.get("albums") or []
            if isinstance(a, dict)
        ],
        size=size,
        sha256=digest,
        served_url=_text(download, "url"),
        served_bytes=_int(download, "bytes"),
        served_sha256=_text(download, "sha256"),
        original=bool(download.get("original")) if download else None,
        size_label=_text(download, "size_label"),
        date_taken=str(doc["date_taken"]) if doc.get("date_taken") else None,
        deleted_on_flickr=str(doc["deleted_on_flickr"]) if doc.get("deleted_on_flickr") else None,
        embed_version=embed if isinstance(embed, int) else embedded_meta.EMBED_VERSION,
        metadata_level=level if level in LEVELS else "basic",
    )
    report.photos += 1


def _sidecar_of(out: Path, media: PurePosixPath) -> dict[str, Any] | None:
    return read_sidecar(out / media)


def _check(media: Path, doc: Mapping[str, Any]) -> tuple[int, str, str | None]:
    """The file's size and SHA-256, and what is wrong with it (None: it matches its record;
    "unchecked": an older JPEG with embedded metadata, whole by its structure)."""
    try:
        size, digest = sha256_file(media)
    except OSError as exc:
        return 0, "", f"cannot be read ({exc.strerror})"
    # A broken file's row says what it should be: verify reports it until it is fetched.
    record = doc.get("file")
    if isinstance(record, dict):
        want_size, want_digest = _int(record, "bytes"), _text(record, "sha256")
        if want_size is not None and want_digest is not None:
            if size != want_size:
                return want_size, want_digest, f"has {size} bytes, its sidecar says {want_size}"
            if digest != want_digest:
                return want_size, want_digest, "has another SHA-256 than its sidecar says"
            return size, digest, None
    download = doc.get("download")
    if isinstance(download, dict) and size == download.get("bytes"):
        if digest != download.get("sha256"):
            return size, str(download.get("sha256")), "has another SHA-256 than Flickr served"
        return size, digest, None
    if _is_whole_jpeg(media):
        return size, digest, "unchecked"
    return size, digest, "differs from what Flickr served"


def _is_whole_jpeg(path: Path) -> bool:
    """Starts as a JPEG and ends with its end-of-image marker (a torn copy does not)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(3)
            fh.seek(max(0, path.stat().st_size - 64))
            tail = fh.read().rstrip(b"\x00")
    except OSError:
        return False
    return head == b"\xff\xd8\xff" and tail.endswith(b"\xff\xd9")


def _original_key(
    record: Mapping[str, Any], download: Mapping[str, Any] | None, photo_id: str
) -> str:
    """What a rebuilt row knows of its original: "#<digest>" of `originalsecret:WxH` as the
    sidecar records it; a file from Flickr's data export, whose digest is of `secret:x`,
    its key again ("secret:x"); for an older sidecar the secret from the original's URL
    (`<id>_<originalsecret>_o.<ext>`) with unknown dimensions ("secret:?"), else "?"."""
    url = _text(download, "url") or ""
    name = PurePosixPath(urlsplit(url).path).name
    stem, _, _ = name.partition(".")
    parts = stem.split("_")
    secret = parts[1] if len(parts) == 3 and parts[0] == photo_id and parts[2] == "o" else None
    digest = record.get("original")
    if isinstance(digest, str) and digest:
        if secret and digest == sidecar.original_digest(f"{secret}:x"):
            return f"{secret}:x"
        return f"#{digest}"
    return f"{secret}:?" if secret else "?"


def _text(doc: Mapping[str, Any] | None, key: str) -> str | None:
    value = doc.get(key) if doc else None
    return value if isinstance(value, str) else None


def _int(doc: Mapping[str, Any] | None, key: str) -> int | None:
    value = doc.get(key) if doc else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _is_plain_file(path: Path) -> bool:
    return path.is_file() and not path.is_symlink()


# --- favourites -------------------------------------------------------------------------


def _restore_favorites(state: State, out: Path) -> int:
    """Favorites/<id>.<ext> whose bytes are what Flickr served (a favourite is kept as is);
    one that is not is left out: the next run with --favorites fetches it again."""
    folder = Archive(out).favorites_dir
    if not folder.is_dir():
        return 0
    count = 0
    for path in sorted(folder.glob(f"*{JSON_SIDECAR}")):
        media = media_of(path)
        try:
            doc = sidecar.loads(path.read_bytes())
            size, digest = sha256_file(media)
        except (OSError, ValueError):
            continue
        download = doc.get("download")
        favorite = doc.get("favorite")
        if not isinstance(download, dict) or not isinstance(favorite, dict):
            continue
        if size != download.get("bytes") or digest != download.get("sha256"):
            continue
        removed = favorite.get("removed_on")
        state.record_favorite(
            StoredFave(
                id=str(doc["id"]),
                path=media.relative_to(out).as_posix(),
                bytes=size,
                sha256=digest,
                original=bool(download.get("original")),
                served_url=str(download.get("url") or ""),
                removed_on=removed if isinstance(removed, str) else None,
            )
        )
        count += 1
    return count


# --- an older archive's shape -----------------------------------------------------------


def _infer_options(out: Path, layout_hint: object) -> dict[str, Any]:
    """The options of an archive whose root files do not record them, from where its files
    are: the layout from the folders, the names from the file names, the link mode from the
    album copies, the other options from what lies beside the files."""
    found: list[tuple[PurePosixPath, dict[str, Any]]] = []
    for rel in _sidecars(out):
        if len(found) >= INFER_SAMPLE:
            break
        if layout.STATE_DIR in rel.parts:
            continue
        with contextlib.suppress(OSError, ValueError):
            doc = sidecar.loads((out / rel).read_bytes())
            if "favorite" not in doc:
                found.append((media_of(rel), doc))
    shape_layout = layout_hint if layout_hint in LAYOUTS else _layout_of(found)
    options: dict[str, Any] = {
        "layout": shape_layout,
        "names": _names_of(found),
        "links": _links_of(out, found) if shape_layout == "albums" else "hardlink",
        "xmp": any(xmp_of(out / p).exists() for p, _ in found[:50]) if found else None,
        "favorites": Archive(out).favorites_dir.is_dir() or None,
        "site": (out / layout.SITE_ENTRY).exists() or None,
    }
    return {k: v for k, v in options.items() if v is not None}


def _layout_of(found: list[tuple[PurePosixPath, dict[str, Any]]]) -> str:
    if not found:
        return "albums"
    depths = [len(p.parts) for p, _ in found]
    if all(d == 1 for d in depths):
        return "flat"
    dated = sum(
        1
        for p, _ in found
        if (len(p.parts) == 3 and p.parts[0].isdigit() and p.parts[1].isdigit())
        or (len(p.parts) == 2 and p.parts[0] == layout.UNDATED)
    )
    return "date" if dated == len(found) else "albums"


def _names_of(found: list[tuple[PurePosixPath, dict[str, Any]]]) -> str:
    """The first known template that names every file as found (else the one naming most)."""
    best, best_count = DEFAULT_NAMES, -1
    for source in KNOWN_TEMPLATES:
        template = names.parse(source)
        count = 0
        for path, doc in found:
            fields = names.NameFields.from_sidecar(doc)
            ext = path.suffix[1:]
            name = f"{fields.id}.{ext.lower()}" if template.is_default else None
            with contextlib.suppress(ValueError):
                name = name or template.render(fields, ext.lower())
            count += name == path.name
        if count == len(found):
            return source
        if count > best_count:
            best, best_count = source, count
    return best


def _links_of(out: Path, found: list[tuple[PurePosixPath, dict[str, Any]]]) -> str:
    """How a photo's album copies were made: the first photo found in two places says."""
    seen: dict[str, PurePosixPath] = {}
    for path, doc in found:
        first = seen.setdefault(str(doc["id"]), path)
        if first == path:
            continue
        for one in (first, path):
            if (out / one).is_symlink():
                return "symlink"
        with contextlib.suppress(OSError):
            if os.path.samefile(out / first, out / path):
                return "hardlink"
        return "copy"
    return "hardlink"
