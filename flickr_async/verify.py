"""verify_archive(): does every file, sidecar and album link that state records still hold?"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flickr_async import embedded_meta, sidecar, xmp
from flickr_async.archive import (
    JSON_SIDECAR,
    SIDECARS,
    XMP_SIDECAR,
    Archive,
    beside,
    sidecar_of,
    xmp_of,
)
from flickr_async.fsutil import sha256_file
from flickr_async.state import State, StoredPhoto

MEDIA_KINDS = frozenset({"missing", "size", "checksum"})  # only a download mends these
# Rows embedded before .xmp sidecars existed (see embedded_meta.EMBED_VERSION) have none until
# the next backup's "refresh" writes them; 0 is a row the deep pass wants re-embedded.
FIRST_XMP_VERSION = 2


@dataclass(frozen=True, slots=True)
class Problem:
    photo_id: str
    path: str
    kind: str  # "missing", "size", "checksum", "sidecar", "link"
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.path} ({self.detail})"


def verify_archive(archive: Archive, state: State, *, checksums: bool = True) -> Iterator[Problem]:
    """Yield every problem found; an intact archive yields nothing. Reads every byte when
    `checksums` (the default): a flipped bit is as lost as a missing file."""
    out = archive.out
    writes_xmp = bool(state.options().get("xmp", True))
    for row in state.iter_photos():
        if row.path:  # whatever its status: a row marked for repair is still checked
            yield from _check_photo(out, row, checksums=checksums, writes_xmp=writes_xmp)
    for fave in state.favorites().values():  # --favorites: other people's photos
        found = list(_check_file(out, fave.id, fave.path, fave.bytes, fave.sha256, checksums))
        yield from found
        if not found and writes_xmp:
            kept = out / fave.path
            try:
                doc = sidecar.loads(sidecar_of(kept).read_bytes())  # read just above
            except (OSError, ValueError):
                continue  # gone meanwhile: the next look reports it
            problem = _xmp_problem(xmp_of(kept), doc)
            if problem is not None:
                yield Problem(fave.id, fave.path + XMP_SIDECAR, "sidecar", problem)


def expects_xmp(row: StoredPhoto, writes_xmp: bool) -> bool:
    """Should an .xmp sidecar be beside this photo's file?"""
    return writes_xmp and (row.embed_version == 0 or row.embed_version >= FIRST_XMP_VERSION)


def _check_photo(
    out: Path, row: StoredPhoto, *, checksums: bool, writes_xmp: bool
) -> Iterator[Problem]:
    assert row.path is not None
    primary = out / row.path
    media = list(_check_media(out, row.id, row.path, row.bytes, row.sha256, checksums))
    if media:  # its sidecars and album copies are looked at once the file is whole again
        yield from media
        return
    good: set[str] = set()  # the primary's sidecars that are whole: the copies must match
    doc, problem = _read_record(primary, row)
    if problem is None:
        good.add(JSON_SIDECAR)
    else:
        yield Problem(row.id, row.path + JSON_SIDECAR, "sidecar", problem)
    if expects_xmp(row, writes_xmp):
        problem = _xmp_problem(xmp_of(primary), doc if JSON_SIDECAR in good else None)
        if problem is None:
            good.add(XMP_SIDECAR)
        else:
            yield Problem(row.id, row.path + XMP_SIDECAR, "sidecar", problem)
    elif xmp_of(primary).exists():  # an older row's: its copies still share it
        good.add(XMP_SIDECAR)
    for link in row.links:
        target = out / link
        if not _same_content(primary, target):
            yield Problem(row.id, link, "link", "album copy missing or different")
            continue
        for suffix in SIDECARS:  # each copy's sidecars are the primary's too (.xmp: if any)
            mine, theirs = beside(primary, suffix), beside(target, suffix)
            if suffix in good and not _same_content(mine, theirs):
                yield Problem(
                    row.id, link + suffix, "link", "album copy's sidecar missing or different"
                )


def _check_media(
    out: Path, item_id: str, path: str, size: int | None, sha256: str | None, checksums: bool
) -> Iterator[Problem]:
    """The file is there, whole and unchanged."""
    primary = out / path
    try:
        found = primary.stat().st_size
    except FileNotFoundError:
        yield Problem(item_id, path, "missing", "file not found")
        return
    if size is not None and found != size:
        yield Problem(item_id, path, "size", f"{found} bytes, expected {size}")
        return
    if checksums and sha256:
        _, digest = sha256_file(primary)
        if digest != sha256:
            yield Problem(item_id, path, "checksum", "SHA-256 differs from the recorded one")


def _check_file(
    out: Path, item_id: str, path: str, size: int | None, sha256: str | None, checksums: bool
) -> Iterator[Problem]:
    """The file is there, whole and unchanged, and its JSON sidecar is readable."""
    problems = list(_check_media(out, item_id, path, size, sha256, checksums))
    yield from problems
    if problems:
        return
    primary = out / path
    try:
        sidecar.loads(sidecar_of(primary).read_bytes())
    except (OSError, ValueError) as exc:
        yield Problem(item_id, path + JSON_SIDECAR, "sidecar", str(exc) or type(exc).__name__)


def _read_record(primary: Path, row: StoredPhoto) -> tuple[dict[str, Any] | None, str | None]:
    """The JSON sidecar, and why it is not this photo's record (None when it is)."""
    try:
        doc = sidecar.loads(sidecar_of(primary).read_bytes())
    except (OSError, ValueError) as exc:
        return None, str(exc) or type(exc).__name__
    return doc, record_mismatch(doc, row)


def record_mismatch(doc: Mapping[str, Any], row: StoredPhoto) -> str | None:
    """Where the sidecar `doc` and the state's row disagree (the writer writes both from one
    record, the sidecar first); None when they agree."""
    if doc.get("id") != row.id:
        return f"the sidecar of photo {doc.get('id')!r}, not of {row.id}"
    if row.served_url is not None:
        served = doc.get("download")
        served = served if isinstance(served, Mapping) else {}
        recorded = {"url": row.served_url, "bytes": row.served_bytes, "sha256": row.served_sha256}
        found = {key: served.get(key) for key in recorded}
        if found["url"] is None and not sidecar.is_public(doc):
            found["url"] = row.served_url  # left out on purpose (sidecar.private_download)
        if found != recorded:
            return "its download record (url, bytes, sha256) differs from the state's"
    stored = doc.get("file")  # written since sidecars record the file as stored
    if (
        isinstance(stored, Mapping)
        and row.sha256
        and (stored.get("bytes"), stored.get("sha256")) != (row.bytes, row.sha256)
    ):
        return "its file record (bytes, sha256) differs from the state's"
    albums = doc.get("albums") if isinstance(doc.get("albums"), list) else None
    listed = [(a.get("id"), a.get("title")) for a in albums or () if isinstance(a, Mapping)]
    if albums is None or listed != [tuple(a) for a in row.albums]:
        return "its albums differ from the state's"
    if doc.get("deleted_on_flickr") != row.deleted_on_flickr:
        return "its deleted_on_flickr differs from the state's"
    return None


def _xmp_problem(path: Path, doc: Mapping[str, Any] | None) -> str | None:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return str(exc) or type(exc).__name__
    return xmp.sidecar_problem(data, embedded_meta.from_sidecar(doc) if doc is not None else None)


def _same_content(primary: Path, other: Path) -> bool:
    try:
        if os.path.samefile(primary, other):
            return True
        # A copy (filesystems without hard links) counts when its bytes match.
        return sha256_file(primary) == sha256_file(other)
    except OSError:
        return False
