"""mend_archive(): what `verify --repair` can make whole again with no call to Flickr.

A missing or broken sidecar, album copy or copy's sidecar is made again from the photo's
records: its JSON sidecar (the primary's, else an album copy's), with what the state records
put back into it; a missing or damaged file, from an album copy that still has its recorded
bytes. Only what has no record left on disk needs Flickr: a damaged file with no whole copy
(fetched again) and a JSON sidecar lost with every copy of it (its metadata asked again, no
download).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from flickr_async import confine, embedded_meta, sidecar, xmp
from flickr_async.archive import (
    XMP_SIDECAR,
    Archive,
    link_beside,
    media_of,
    read_sidecar,
    sidecar_of,
    xmp_of,
)
from flickr_async.choices import LinkMode, link_mode_named
from flickr_async.fsutil import (
    Scratch,
    place_link,
    raise_if_disk_problem,
    sha256_file,
    write_if_changed,
)
from flickr_async.state import State, StoredPhoto
from flickr_async.verify import MEDIA_KINDS, Problem, expects_xmp

log = logging.getLogger(__name__)


def mend_archive(archive: Archive, state: State, problems: Sequence[Problem]) -> list[str]:
    """Mend on disk what needs no download; mark the rest for the next backup. Returns the
    ids that still need Flickr (a file to fetch, or metadata to ask again)."""
    out = archive.out
    options = state.options()
    writes_xmp = bool(options.get("xmp", True))
    links = link_mode_named(str(options.get("links"))) or "hardlink"
    broken_media = {p.photo_id for p in problems if p.kind in MEDIA_KINDS}
    refetch: list[str] = []  # a file to fetch again
    stale: list[str] = []  # metadata to ask again
    scratch = archive.scratch("mend")
    try:
        for photo_id in sorted({p.photo_id for p in problems}):
            row = state.photo(photo_id)
            try:
                if row is None or row.path is None:  # a favourite
                    found = [p for p in problems if p.photo_id == photo_id]
                    if not mend_favorite_xmp(out, found, scratch):
                        refetch.append(photo_id)  # fetched again while it is faved
                    continue
                if photo_id in broken_media and not restore_from_copy(out, row, links, scratch):
                    refetch.append(photo_id)  # its sidecars come with the download
                    continue
                whole = mend_photo(
                    archive,
                    row,
                    writes_xmp=expects_xmp(row, writes_xmp),
                    links=links,
                    scratch=scratch,
                )
            except confine.UnsafePath as exc:  # a folder replaced by a link: never through it
                log.warning("photo %s: not mended: %s", photo_id, exc)
                continue
            except OSError as exc:  # the second look after the repair reports it still broken
                raise_if_disk_problem(exc, out)
                log.warning("photo %s: could not mend it: %s", photo_id, exc)
                continue
            if not whole:
                stale.append(photo_id)
    finally:
        scratch.clear()
        with contextlib.suppress(OSError):
            scratch.root.rmdir()
    state.mark_for_repair(refetch)
    for photo_id in stale:
        state.mark_metadata_stale(photo_id)
    return sorted({*refetch, *stale})


def mend_favorite_xmp(out: Path, problems: Sequence[Problem], scratch: Scratch) -> bool:
    """A favourite whose only problem is its .xmp: written again from its JSON sidecar."""
    if not problems or any(
        p.kind != "sidecar" or not p.path.endswith(XMP_SIDECAR) for p in problems
    ):
        return False
    path = confine.inside(out, media_of(PurePosixPath(problems[0].path)))
    doc = read_sidecar(path)
    if doc is None:
        return False
    write_if_changed(xmp_of(path), xmp.packet(embedded_meta.from_sidecar(doc)), scratch)
    return True


def restore_from_copy(out: Path, row: StoredPhoto, links: LinkMode, scratch: Scratch) -> bool:
    """Put back a missing or damaged file from an album copy that still has the recorded
    bytes (a hard link whose primary name was deleted, a copy under --links copy); False
    when none has them."""
    assert row.path is not None
    if row.bytes is None or not row.sha256:
        return False
    primary = confine.inside(out, row.path)
    for rel in row.links:
        copy = confine.inside(out, rel)
        try:
            whole = copy.stat().st_size == row.bytes and sha256_file(copy)[1] == row.sha256
        except OSError:
            continue
        if whole:
            # A symlinked copy points at the primary: it can only be whole as a file.
            place_link(copy, primary, scratch, "copy" if links != "hardlink" else links)
            return True
    return False


def mend_photo(
    archive: Archive, row: StoredPhoto, *, writes_xmp: bool, links: LinkMode, scratch: Scratch
) -> bool:
    """Make an archived photo's sidecars and album copies whole from its records; False when
    its JSON sidecar is lost everywhere (only Flickr has that metadata again)."""
    assert row.path is not None
    primary = confine.inside(archive.out, row.path)
    copies = [confine.inside(archive.out, rel) for rel in row.links]
    doc = archive.recorded_doc(row)
    if doc is None:
        return False
    doc = with_record(doc, row)
    write_if_changed(sidecar_of(primary), sidecar.dumps(doc), scratch)
    made = [sidecar_of(primary)]
    if writes_xmp:
        write_if_changed(xmp_of(primary), xmp.packet(embedded_meta.from_sidecar(doc)), scratch)
        made.append(xmp_of(primary))
    for copy in copies:
        place_link(primary, copy, scratch, links)
    link_beside(primary, made, copies, scratch, links)
    return True


def with_record(doc: Mapping[str, Any], row: StoredPhoto) -> dict[str, Any]:
    """The sidecar `doc` with what the state records of the photo put back (its albums, the
    file Flickr served, whether it is gone from Flickr): key order kept."""
    out = dict(doc)
    out["albums"] = [{"id": album_id, "title": title} for album_id, title in row.albums]
    if row.served_url is not None:
        served = doc.get("download")
        served = served if isinstance(served, Mapping) else {}
        out["download"] = sidecar.private_download(
            {
                "url": row.served_url,
                "bytes": row.served_bytes,
                "sha256": row.served_sha256,
                "original": served.get("original", row.original),
                "size_label": served.get("size_label", row.size_label),
            },
            sidecar.is_public(doc),  # saying nothing of its visibility: private
        )
    out["deleted_on_flickr"] = row.deleted_on_flickr
    if "file" in doc and row.bytes is not None and row.sha256:  # the file as stored
        return sidecar.with_file(
            out,
            size=row.bytes,
            sha256=row.sha256,
            original_key=row.original_key,
            embed_version=row.embed_version,
        )
    return out
