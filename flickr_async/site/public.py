"""Pure: the public copy's filter of the site model — which photos, albums, collections and
sidecar fields a site to publish may show, and image bytes without their metadata.

The public copy (`site OUT --public DIR`) is the same site made from less: only what Flickr
shows to everyone. Everything here errs on the side of leaving out: a photo whose sidecar
does not say "public" (unreadable, missing, from elsewhere) is not shown; a location whose
sidecar does not say Flickr shows it is not shown.
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from flickr_async.account_records import Collection
from flickr_async.site import paths
from flickr_async.site.model import Account, AlbumEntry, GalleryEntry, Item

# The sidecar fields a public photo page may show (what Flickr's own page shows anyone).
# Everything else stays out: the download record and file digest, permissions, the export's
# extras, which albums it was in (the build names only the albums shown), replaced EXIF.
PAGE_FIELDS = (
    "id", "title", "description", "tags", "machine_tags", "media", "date_taken",
    "date_taken_granularity", "date_taken_unknown", "date_posted", "visibility", "license",
    "views", "faves", "url", "rotation", "notes", "people", "owner",
)  # fmt: skip
COMMENT_FIELDS = ("id", "author", "author_name", "date", "text", "permalink")

# JPEG segments kept in an image of the public copy: what decodes the image (frames, tables,
# restart interval, scans), JFIF's header (APP0, never its thumbnail), the colour profile
# (APP2 ICC_PROFILE only) and Adobe's colour transform (APP14 Adobe). Everything else goes:
# EXIF and XMP (APP1: camera, GPS, the archive's embedded title and tags), MPF's second
# images (APP2: a phone's preview, with its own EXIF), IPTC (APP13), comments, unknown
# segments, and whatever follows the end of the image (a Motion Photo's video, trailers).
# Of EXIF only the Orientation survives, in a segment made anew (how to turn the image).
_IMAGE_MARKERS = frozenset({*range(0xC0, 0xD0), 0xDB, 0xDC, 0xDD}) - {0xC8}
_APP_KEPT = {0xE0: b"JFIF\x00", 0xE2: b"ICC_PROFILE\x00", 0xEE: b"Adobe"}
_SOS = 0xDA
_EOI = 0xD9
_RST = frozenset(range(0xD0, 0xD8))
_BYTE_ORDER: dict[bytes, Literal["little", "big"]] = {b"II": "little", b"MM": "big"}
# In a scan's entropy-coded data 0xFF is followed by 0x00 (a stuffed byte), by RSTn, or by
# fill bytes (0xFF): anything else is the marker that ends the scan.
_SCAN_END = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")


@dataclass(frozen=True, slots=True)
class PublicTarget:
    """Where the public copy goes, and whether it carries the public photos' originals."""

    folder: Path
    originals: bool = False


def is_shown(item: Item) -> bool:
    """Does the public copy show this photo? Only when its sidecar says Flickr shows it to
    everyone (Summary.public: public, not restricted) and it is still on Flickr (a photo
    deleted there is shown to nobody now)."""
    return item.summary.public and not item.summary.deleted and paths.is_safe_id(item.id)


def geo_is_public(doc: Mapping[str, Any]) -> bool:
    """Does the sidecar say Flickr shows this photo's location to everyone? A location is
    private on its own (Flickr's geo permissions); an archive that does not record them
    says nothing, and nothing is shown."""
    geo = doc.get("geo")
    return isinstance(geo, Mapping) and geo.get("public") is True


def public_doc(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a sidecar a public photo page may show (see PAGE_FIELDS); its location
    only where Flickr shows it; comments with only what Flickr shows of them."""
    shown = {key: doc[key] for key in PAGE_FIELDS if key in doc}
    if geo_is_public(doc):
        shown["geo"] = doc["geo"]
    comments = doc.get("comments")
    if isinstance(comments, list):
        shown["comments"] = [
            {key: c[key] for key in COMMENT_FIELDS if key in c}
            for c in comments
            if isinstance(c, Mapping)
        ]
    return shown


def shown_albums(albums: Iterable[AlbumEntry], shown: Container[str]) -> list[AlbumEntry]:
    """The albums with only their shown photos; an album that shows none, or that is gone
    from Flickr, disappears. Its cover is its own when shown, else its first shown photo;
    its counts are left to the build (what is shown)."""
    kept = []
    for album in albums:
        members = tuple(pid for pid in album.photo_ids if pid in shown)
        if not members or album.deleted:
            continue
        primary = album.primary if album.primary in members else members[0]
        kept.append(
            replace(album, photo_ids=members, primary=primary, count_photos=None,
                    count_videos=None)
        )  # fmt: skip
    return kept


def shown_collections(nodes: Sequence[Collection], albums: Container[str]) -> list[Collection]:
    """The collections that hold a shown album (at any depth), with only those albums."""
    kept = []
    for node in nodes:
        children = tuple(shown_collections(node.children, albums))
        album_ids = tuple(a for a in node.album_ids if a in albums)
        if album_ids or children:
            kept.append(replace(node, album_ids=album_ids, children=children))
    return kept


def shown_galleries(
    galleries: Sequence[GalleryEntry], hidden: Container[str]
) -> list[GalleryEntry]:
    """Galleries (Flickr lets only public photos in) without the archive's own photos that
    are not shown (one turned private since it was added)."""
    kept = []
    for gallery in galleries:
        photos = tuple(p for p in gallery.photos if p.id not in hidden)
        if photos:
            kept.append(replace(gallery, photos=photos))
    return kept


def public_account(account: Account, items: Sequence[Item], shown: Container[str]) -> Account:
    """What the public copy shows of the account files: the profile, the albums and
    collections that hold shown photos, galleries; never favourites (other members' photos,
    some of which only the account may see)."""
    albums = shown_albums(account.albums, shown)
    hidden = {item.id for item in items if item.id not in shown}
    return Account(
        profile=account.profile,
        albums=albums,
        collections=shown_collections(account.collections, {a.id for a in albums}),
        favorites=None,
        galleries=shown_galleries(account.galleries or [], hidden) or None,
    )


def strip_metadata(data: bytes) -> bytes | None:
    """A JPEG with only what decodes it (see _IMAGE_MARKERS, _APP_KEPT): every scan and the
    tables between them, the image data untouched, nothing after its end; None when `data`
    is not a whole JPEG this can read (never half an image, never unread bytes)."""
    if data[:3] != b"\xff\xd8\xff":
        return None
    out = [b"\xff\xd8"]
    at = 2
    size = len(data)
    orientation = 0
    while at < size:
        if data[at] != 0xFF:
            return None
        while at < size and data[at] == 0xFF:
            at += 1
        if at >= size:
            return None
        marker = data[at]
        at += 1
        if marker == _EOI:
            out.append(b"\xff\xd9")  # the end: what follows (a video, a trailer) goes
            if orientation:  # how to turn the image: the one EXIF tag kept
                out.insert(
                    2 if out[1].startswith(b"\xff\xe0") else 1, _exif_orientation(orientation)
                )
            return b"".join(out)
        if marker in _RST or marker == 0x01:
            continue  # outside a scan it carries nothing
        if marker in (0x00, 0xD8) or at + 2 > size:
            return None
        length = int.from_bytes(data[at : at + 2], "big")
        end = at + length
        if length < 2 or end > size:
            return None
        segment = data[at - 2 : end]
        body = data[at + 2 : end]
        if marker == 0xE1 and body.startswith(b"Exif\x00\x00") and not orientation:
            orientation = _orientation(body[6:])
        if marker in _IMAGE_MARKERS or marker == _SOS:
            out.append(segment)
        elif marker in _APP_KEPT and body.startswith(_APP_KEPT[marker]):
            out.append(_jfif(segment) if marker == 0xE0 else segment)
        at = end
        if marker == _SOS:  # the scan's entropy-coded data, up to the marker that ends it
            found = _SCAN_END.search(data, at)
            if found is None:
                return None
            out.append(data[at : found.start()])
            at = found.start()
    return None


def _orientation(tiff: bytes) -> int:
    """EXIF's Orientation (2-8: the image is to be turned or mirrored) in IFD0 of `tiff`;
    0 when it is 1, absent or unreadable."""
    order = _BYTE_ORDER.get(tiff[:2])
    if order is None or len(tiff) < 8:
        return 0
    ifd = int.from_bytes(tiff[4:8], order)
    if ifd + 2 > len(tiff):
        return 0
    count = int.from_bytes(tiff[ifd : ifd + 2], order)
    for n in range(min(count, 512)):
        entry = tiff[ifd + 2 + 12 * n : ifd + 14 + 12 * n]
        if len(entry) < 12:
            return 0
        if int.from_bytes(entry[:2], order) == 0x0112:
            value = int.from_bytes(entry[8:10], order)
            return value if 2 <= value <= 8 else 0
    return 0


def _exif_orientation(value: int) -> bytes:
    """An APP1 EXIF segment of only Orientation = `value` (big-endian TIFF, one IFD)."""
    tiff = (
        b"MM\x00\x2a\x00\x00\x00\x08\x00\x01"
        + b"\x01\x12\x00\x03\x00\x00\x00\x01"
        + value.to_bytes(2, "big")
        + b"\x00\x00\x00\x00\x00\x00"
    )
    body = b"Exif\x00\x00" + tiff
    return b"\xff\xe1" + (len(body) + 2).to_bytes(2, "big") + body


def _jfif(segment: bytes) -> bytes:
    """JFIF's APP0 without its thumbnail (an image of its own, maybe of the uncropped
    photo): its first 14 bytes of body, the thumbnail's size 0 x 0."""
    body = segment[4:]
    if len(body) < 14:
        return segment[:4] + body
    head = body[:12] + b"\x00\x00"
    return b"\xff\xe0" + (len(head) + 2).to_bytes(2, "big") + head
