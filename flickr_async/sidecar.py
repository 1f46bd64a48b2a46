"""Pure: a Photo with its comments, albums and download as the JSON sidecar (stable keys)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from flickr_async.account_records import Person
from flickr_async.choices import SidecarLevel
from flickr_async.models import PLACE_LEVELS, Album, Comment, DownloadRecord, Geo, Note, Photo
from flickr_async.sane import may_hold_surrogates, valid_json

SCHEMA_VERSION = 1


def photo_page_url(photo: Photo) -> str:
    """getInfo's photopage URL, else the canonical one (path alias when the owner set one)."""
    if photo.page_url:
        return photo.page_url
    return f"https://www.flickr.com/photos/{photo.path_alias or photo.owner}/{photo.id}/"


def _geo(geo: Geo | None) -> dict[str, Any] | None:
    if geo is None:
        return None
    doc: dict[str, Any] = {
        "latitude": float(geo.latitude),
        "longitude": float(geo.longitude),
        "accuracy": geo.accuracy,
    }
    if geo.public is not None:  # Flickr's geo permission: the public site shows only these
        doc["public"] = geo.public
    doc.update({level: geo.places[level] for level in PLACE_LEVELS if geo.places.get(level)})
    return doc


def comment_doc(comment: Comment) -> dict[str, Any]:
    return {
        "id": comment.id,
        "author": comment.author,
        "author_name": comment.author_name,
        "date": comment.date,
        "text": comment.text,
        "permalink": comment.permalink,
    }


def _note(note: Note) -> dict[str, Any]:
    return {
        "id": note.id,
        "author": note.author,
        "author_name": note.author_name,
        "x": note.x,
        "y": note.y,
        "w": note.w,
        "h": note.h,
        "text": note.text,
    }


def _person(person: Person) -> dict[str, Any]:
    box = person.box
    return {
        "nsid": person.nsid,
        "username": person.username,
        "realname": person.realname,
        "added_by": person.added_by,
        "box": None if box is None else {"x": box[0], "y": box[1], "w": box[2], "h": box[3]},
    }


def _download(download: DownloadRecord | None, public: bool) -> dict[str, Any] | None:
    if download is None:
        return None
    return private_download(
        {
            "url": download.url,
            "bytes": download.bytes,
            "sha256": download.sha256,
            "original": download.original,
            "size_label": download.size_label,
        },
        public,
    )


def is_public(doc: Mapping[str, Any]) -> bool:
    """Whether a sidecar says its photo is public (anything else counts as private)."""
    visibility = doc.get("visibility")
    return isinstance(visibility, Mapping) and visibility.get("public") is True


def private_download(doc: Mapping[str, Any], public: bool) -> dict[str, Any]:
    """A sidecar's `download` as it may be kept: the URL of a photo that is not public is
    left out. It names the original's secret, a link that fetches the private original
    from Flickr for anybody who reads it (the sidecar sits beside the photo and the
    offline site links it); the state database keeps it, in the owner-only .flickr-async."""
    return {**doc, "url": None} if not public and doc.get("url") else dict(doc)


def private_export(block: Mapping[str, Any], public: bool) -> dict[str, Any]:
    """The sidecar's `export` block as it may be kept: the export's `original` URL names the
    original's secret like a download URL does, so a photo that is not public loses it."""
    return {**block, "original": None} if not public and block.get("original") else dict(block)


def build(
    photo: Photo,
    *,
    comments: Sequence[Comment],
    albums: Sequence[Album],
    download: DownloadRecord | None,
    deleted_on_flickr: str | None = None,
    exif_replaced: Mapping[str, str] | None = None,
    people: Sequence[Person] = (),
    level: SidecarLevel = "basic",
    export: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The sidecar document; `dumps` keeps this key order.

    `level` says how far it goes: "basic" (the listing's fields), "list" (+ tags as typed,
    place names, rotation, safety level) or "deep" (+ notes, people, permissions); "export"
    when it was made from Flickr's data export, whose own fields `export` keeps.
    """
    doc: dict[str, Any] = {
        "schema": SCHEMA_VERSION,
        "metadata_level": level,
        "id": photo.id,
        "title": photo.title,
        "description": photo.description,  # Flickr's HTML fragment, as-is
        "tags": list(photo.tags),
        "machine_tags": list(photo.machine_tags),
        "media": photo.media,
        "original_format": photo.original_format,
        # Owner's local time with no zone (Flickr's own format): stored verbatim.
        "date_taken": photo.date_taken,
        "date_taken_granularity": photo.date_taken_granularity,
        "date_taken_unknown": photo.date_taken_unknown,
        "date_posted": photo.date_posted,
        "date_updated": photo.date_updated,
        "geo": _geo(photo.geo),
        "comments": [comment_doc(c) for c in comments],
        "albums": [{"id": a.id, "title": a.title} for a in albums],
        "visibility": {
            "public": photo.visibility.public,
            "friends": photo.visibility.friends,
            "family": photo.visibility.family,
        },
        "license": photo.license,
        "views": photo.views,
        "faves": photo.faves,
        "url": photo_page_url(photo),
        "rotation": photo.rotation,
        "safety_level": photo.safety_level,
        "notes": [_note(n) for n in photo.notes],
        "has_people": photo.has_people,
        "people": [_person(p) for p in people],
        "permissions": dict(photo.permissions) if photo.permissions is not None else None,
        "owner": {"nsid": photo.owner, "username": photo.owner_name},
        "download": _download(download, photo.visibility.public),
    }
    if export:
        doc["export"] = private_export(export, photo.visibility.public)
    if exif_replaced:
        doc["exif_replaced"] = {key: exif_replaced[key] for key in sorted(exif_replaced)}
    doc["deleted_on_flickr"] = deleted_on_flickr
    return doc


def with_export(doc: Mapping[str, Any], old: Mapping[str, Any] | None) -> dict[str, Any]:
    """`doc` carrying the `export` block of the sidecar it replaces: what only Flickr's data
    export held (privacy as exported, its parsed EXIF, groups...) outlives the API's update."""
    kept = old.get("export") if old else None
    if "export" in doc or not isinstance(kept, Mapping):
        return dict(doc)
    out = {k: v for k, v in doc.items() if k not in ("exif_replaced", "deleted_on_flickr")}
    out["export"] = private_export(kept, is_public(doc))
    for key in ("exif_replaced", "deleted_on_flickr"):
        if key in doc:
            out[key] = doc[key]
    return out


# What getInfo cannot say about a photo, kept from the sidecar when deep metadata comes in
# (and its page URL, already the canonical one: embedded as the source, it must not move).
KEPT_BY_DEEP = (
    "comments", "albums", "download", "file", "export", "exif_replaced", "deleted_on_flickr",
    "url",
)  # fmt: skip


def with_deep(doc: Mapping[str, Any], photo: Photo, people: Sequence[Person]) -> dict[str, Any]:
    """The sidecar `doc` (of any level) rebuilt from getInfo's `photo`: notes, people and
    permissions added, tags as typed and place names included (an archive made with
    --metadata basic gets them too). Comments, albums, the download record and what the
    listing alone knows (the fave count) are kept."""
    out = build(photo, comments=(), albums=(), download=None, people=people, level="deep")
    for key in KEPT_BY_DEEP:
        if key in doc:
            out[key] = doc[key]
    if isinstance(out.get("download"), Mapping):  # the photo may have turned private
        out["download"] = private_download(out["download"], photo.visibility.public)
    if isinstance(out.get("export"), Mapping):
        out["export"] = private_export(out["export"], photo.visibility.public)
    if out.get("faves") is None:
        out["faves"] = doc.get("faves")
    if doc.get("original_format") and not out.get("original_format"):
        out["original_format"] = doc["original_format"]
    tail = out.pop("deleted_on_flickr", None)
    out["deleted_on_flickr"] = tail  # last, as build() puts it
    return out


def with_exif_replaced(doc: Mapping[str, Any], replaced: Mapping[str, str]) -> dict[str, Any]:
    """`doc` with its `exif_replaced` set to `replaced` (dropped when empty), key order kept."""
    out = {k: v for k, v in doc.items() if k not in ("exif_replaced", "deleted_on_flickr")}
    if replaced:
        out["exif_replaced"] = {key: replaced[key] for key in sorted(replaced)}
    out["deleted_on_flickr"] = doc.get("deleted_on_flickr")
    return out


def original_digest(original_key: str) -> str | None:
    """A digest of the original's `originalsecret:WxH` (None when it is not known in full):
    a sidecar tells which original a file is without the secret, a link that fetches a
    private photo's original for anybody."""
    secret, _, size = original_key.partition(":")
    if not secret or not size or "?" in original_key or original_key.startswith("#"):
        return original_key[1:] if original_key.startswith("#") else None
    return hashlib.sha256(original_key.encode()).hexdigest()[:32]


# Keys that know an original's secret but not its dimensions: a rebuilt row's ("secret:?")
# and an imported one's ("secret:x": Flickr's data export gives no width or height).
PARTIAL_KEYS = (":?", ":x")


def original_unchanged(stored_key: str, secret: str | None, current_key: str) -> bool:
    """Is the listed original the one the archive holds? A rebuilt row knows a digest of its
    key ("#..."), only the secret ("secret:?"; "secret:x" for a file from Flickr's data
    export, which gives no dimensions) or nothing ("?": the file URL decides elsewhere)."""
    if stored_key == current_key or stored_key == "?":
        return True
    if stored_key.startswith("#"):
        return stored_key[1:] == original_digest(current_key)
    if stored_key.endswith(PARTIAL_KEYS):
        return stored_key[:-2] == (secret or "")
    return False


def settled_original_key(stored_key: str, secret: str | None, current_key: str) -> str:
    """The key a row keeps once a run found its original unchanged: the listing's whole key
    (`secret:WxH`) where the stored one knew only the secret or a digest of it, so every
    later check is exact; the stored key otherwise ("?" stays: nothing proves the file is
    that original)."""
    partial = stored_key.startswith("#") or stored_key.endswith(PARTIAL_KEYS)
    if not partial or not secret or stored_key == current_key:
        return stored_key
    width, _, height = current_key.partition(":")[2].partition("x")
    if not (width.isdigit() and height.isdigit()):  # the listing gave no dimensions either
        return stored_key
    return current_key if original_unchanged(stored_key, secret, current_key) else stored_key


def with_file(
    doc: Mapping[str, Any], *, size: int, sha256: str, original_key: str, embed_version: int
) -> dict[str, Any]:
    """`doc` with its `file` record, right after `download`: the media file as the archive
    holds it (its size and SHA-256 after metadata embedding, a digest of which Flickr
    original it is, how its metadata was embedded). With it the archive is its own index: a
    lost state is rebuilt from the sidecars, each file checked against its record
    (rebuild.py)."""
    record = {
        "bytes": size,
        "sha256": sha256,
        # Not for a photo that is not public: Flickr's original secret is 10 hex digits, few
        # enough to find again from an unsalted digest, and with it the original's URL.
        "original": original_digest(original_key) if is_public(doc) else None,
        "embed_version": embed_version,
    }
    out: dict[str, Any] = {}
    for key, value in doc.items():
        if key != "file":
            out[key] = value
        if key == "download":
            out["file"] = record
    if "file" not in out:
        out["file"] = record
        tail = [k for k in ("exif_replaced", "deleted_on_flickr") if k in out]
        for key in tail:  # last, as build() puts them
            out[key] = out.pop(key)
    return out


def dumps(doc: Mapping[str, Any]) -> bytes:
    """UTF-8 JSON, indent 2, key order as built, trailing newline."""
    text = json.dumps(doc, ensure_ascii=False, indent=2, allow_nan=False)
    return text.encode("utf-8") + b"\n"


def loads(data: bytes) -> dict[str, Any]:
    """Parse a sidecar; ValueError for anything that is not one (bad UTF-8, JSON or shape)."""
    text = data.decode("utf-8")  # UnicodeDecodeError and JSONDecodeError: ValueError
    doc = json.loads(text)
    if may_hold_surrogates(text):  # written elsewhere: a lone surrogate no page could write
        doc = valid_json(doc)
    if not isinstance(doc, dict):
        raise ValueError("a sidecar must be a JSON object")
    schema = doc.get("schema")
    if not isinstance(schema, int) or isinstance(schema, bool) or schema < 1:
        raise ValueError("not a flickr-async sidecar: missing or invalid 'schema'")
    photo_id = doc.get("id")
    if not isinstance(photo_id, str) or not photo_id:
        raise ValueError("not a flickr-async sidecar: missing or invalid 'id'")
    return doc
