"""Flickr's metadata written into a JPEG's header as the file is streamed to its new name.

Only the header (up to SOS) is held in memory; the image data is copied untouched. The pure
formats are exif.py (EXIF tags) and xmp.py (the XMP packet); the metadata is embedded_meta.Meta.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
from pathlib import Path
from typing import Protocol

from flickr_async import exif, xmp
from flickr_async.embedded_meta import Meta
from flickr_async.fsutil import COPY_BLOCK

log = logging.getLogger(__name__)

MAX_JPEG_HEADER = 16 << 20  # past this many bytes without SOS, leave the file as it is


def is_jpeg(path: Path) -> bool:
    """Does the file at `path` start as a JPEG (the only format metadata is embedded into)?"""
    with path.open("rb") as fh:
        return exif.is_jpeg(fh.read(4))


def embed_into(
    src: Path, dest: Path, meta: Meta, *, photo_id: str, with_xmp: bool = True
) -> tuple[int, str, dict[str, str]]:
    """Stream src to dest with Flickr's metadata in the JPEG header (EXIF, and the XMP packet
    when `with_xmp`); image data untouched.

    Only the header (up to SOS) is held in memory, so a 300 MB panorama costs kilobytes.
    Returns (size, sha256, camera values our tags replaced; "_xmp" notes an XMP problem). A
    header that cannot be parsed is copied unchanged: a file is never lost to its metadata.
    """
    with src.open("rb") as fin, dest.open("wb") as fout:
        return embed_stream(fin, fout, meta, photo_id=photo_id, with_xmp=with_xmp)


class Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...


class Writable(Protocol):
    def write(self, data: bytes, /) -> int: ...


def embed_stream(
    fin: Readable,
    fout: Writable,
    meta: Meta,
    *,
    photo_id: str,
    with_xmp: bool = True,
    prefix: bytes | None = None,
) -> tuple[int, str, dict[str, str]]:
    """embed_into from one open stream to another (a zip member straight into the file the
    writer renames: one pass). `prefix`: the stream's first bytes, already read from it."""
    hasher = hashlib.sha256()
    size = 0
    replaced: dict[str, str] = {}
    if prefix is None:
        prefix = fin.read(1 << 16)
    header_end = None
    try:
        while (header_end := exif.header_length(prefix)) is None:
            # Double the read: a header of several MB (phones' MPF previews) must not
            # cost a re-scan per 64 KiB. What was read always joins the prefix, which is
            # copied out whole below, whether or not a header end was found.
            more = fin.read(len(prefix))
            prefix += more
            if not more or len(prefix) > MAX_JPEG_HEADER:
                break
    except ValueError as exc:
        log.warning("photo %s: JPEG header not understood (%s); left as served", photo_id, exc)
        header_end = None
    head = prefix
    if header_end is not None:
        header = prefix[:header_end]
        try:
            header, replaced = exif.embed(header, meta)
        except ValueError as exc:
            log.warning("photo %s: EXIF not embedded: %s", photo_id, exc)
        if with_xmp:
            try:
                header, note = xmp.embed(header, meta)
            except ValueError as exc:
                note = f"XMP not embedded: {exc}"
            if note:
                log.warning("photo %s: %s", photo_id, note)
                replaced = {**replaced, "_xmp": note}
        head = header + prefix[header_end:]
    for block in itertools.chain((head,), iter(lambda: fin.read(COPY_BLOCK), b"")):
        fout.write(block)
        hasher.update(block)
        size += len(block)
    return size, hasher.hexdigest(), replaced
