"""The archive as the site sees it: plain dataclasses read from sidecars and account files.

Sidecars and account files are JSON that people and older versions may have written, so every
field is read defensively (a wrong type is as if absent). `Summary` is the little a photo's
grids, photostream place, tag pages and search entry need; it is cached per sidecar so a
refresh re-reads only the sidecars that changed. Photo pages read their whole sidecar.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from flickr_async import sidecar
from flickr_async.account_records import Collection
from flickr_async.plaintext import html_to_text
from flickr_async.sane import real_date_taken, timestamp

SEARCH_TEXT_LIMIT = 1000  # characters of a description kept for search
SAFE = 0  # Flickr's safety level of content every visitor sees (not moderate, not restricted)

# Flags of a photo that grids and search show.
VIDEO = 1
NOT_ORIGINAL = 2
DELETED = 4
MISSING = 8  # failed, or its file is not on disk
THUMB_Q = 1
THUMB_Z = 2
PRESENT = 4  # with the THUMB_ bits: what the cache remembers of an item's files on disk


def str_or_empty(value: Any) -> str:
    return value if isinstance(value, str) else ""


def str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def strs(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


class Summary(NamedTuple):
    """What a photo contributes to grids, the photostream, tag pages and search. A named
    tuple, not a frozen dataclass: 100,000 are made per build, at a quarter of the cost."""

    title: str
    media: str
    date_taken: str | None  # "YYYY-MM-DD HH:MM:SS", owner's local time; None when unknown
    granularity: int
    date_posted: int | None
    tags: tuple[str, ...]
    original: bool | None
    deleted: str | None
    # Flickr shows it to everyone: public (sidecar.is_public), and safe content (safety level
    # 0: moderate and restricted content are hidden from visitors signed out).
    public: bool = False

    @property
    def sort_key(self) -> str:
        """Date taken, else the upload date (UTC), as "YYYY-MM-DD HH:MM:SS"; "" for none."""
        if self.date_taken:
            return self.date_taken
        if self.date_posted is not None:
            return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(self.date_posted))
        return ""


class Where(NamedTuple):
    """Where a photo was taken (on its way from the sidecar to the cache): its location,
    whether Flickr shows it to everyone, and the list level's place names ("" where
    unknown)."""

    lat: float
    lon: float
    public: bool = False
    country: str = ""
    region: str = ""
    locality: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        """(country, region, locality), or () when it has no place name."""
        names = (self.country, self.region, self.locality)
        return names if any(names) else ()


def where(doc: Mapping[str, Any]) -> Where | None:
    """Where a sidecar says its photo was taken: None without a location (place names
    alone are not kept: Flickr names places only of photos with a location)."""
    geo = doc.get("geo")
    spot = location(geo)
    if spot is None:
        return None
    return Where(*spot, geo_is_public(doc), *(place_names(geo) or ("", "", "")))


def summarize(doc: Mapping[str, Any]) -> Summary:
    """The summary of one sidecar document."""
    # A date no calendar has (month 13: a sidecar from before sane.py, or from elsewhere) is
    # as if unknown: the photo goes by its upload date, its month page is a real month.
    taken = (
        None
        if doc.get("date_taken_unknown")
        else real_date_taken(str_or_empty(doc.get("date_taken")))
    )
    posted = int_or_none(doc.get("date_posted"))
    download = doc.get("download") if isinstance(doc.get("download"), dict) else {}
    original = download.get("original") if download else None
    return Summary(
        title=str_or_empty(doc.get("title")),
        media="video" if doc.get("media") == "video" else "photo",
        date_taken=taken,
        granularity=int_or_none(doc.get("date_taken_granularity")) or 0,
        date_posted=None if posted is None else timestamp(posted),
        # Tags repeat across photos: one string object per tag, not one per photo.
        tags=tuple(dict.fromkeys(sys.intern(t) for t in strs(doc.get("tags")) if t.strip())),
        original=original if isinstance(original, bool) else None,
        deleted=str_or_none(doc.get("deleted_on_flickr")),
        # Only "safe": Flickr's SafeSearch hides moderate and restricted content from a
        # visitor signed out; a level unknown (missing, or not 0, 1 or 2) is not shown.
        public=sidecar.is_public(doc)
        and type(doc.get("safety_level")) is int
        and doc.get("safety_level") == SAFE,
    )


class Facts(NamedTuple):
    """What the map, places, people, groups and about pages show of a photo, read from its
    sidecar with its summary on their way to the site's cache. The build's items never hold
    them (100,000 of them would cost the build memory): those pages read them back from the
    cache (SiteCache.located, tagged, grouped, levels) when they are made."""

    where: Where | None  # where it was taken
    people: tuple[tuple[str, str], ...]  # (nsid or "", name) of each person tagged
    groups: tuple[str, ...]  # the groups it is in (the export's: their URLs or ids)
    level: str  # the sidecar's metadata level ("basic", "list", "deep", "export")


def facts(doc: Mapping[str, Any]) -> Facts:
    """The facts of one sidecar document."""
    return Facts(
        where=where(doc),
        people=tuple(
            dict.fromkeys(p for p in map(person_of, dicts(doc.get("people"))) if p[0] or p[1])
        ),
        groups=group_keys(doc.get("export")),
        level=str_or_empty(doc.get("metadata_level")),
    )


PLACE_KEYS = ("country", "region", "locality")  # the list level's place names, widest first


def location(geo: Any) -> tuple[float, float] | None:
    """(latitude, longitude) of a sidecar's `geo`, or None: absent, not numbers, out of
    range, or Flickr's (0, 0) for "no location"."""
    if not isinstance(geo, dict):
        return None
    raw_lat, raw_lon = geo.get("latitude"), geo.get("longitude")
    if not isinstance(raw_lat, int | float) or not isinstance(raw_lon, int | float):
        return None
    if isinstance(raw_lat, bool) or isinstance(raw_lon, bool):
        return None
    lat, lon = float(raw_lat), float(raw_lon)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None
    return (lat, lon)


def place_names(geo: Any) -> tuple[str, ...]:
    """(country, region, locality) of a sidecar's `geo` ("" where unknown); () for none."""
    if not isinstance(geo, dict):
        return ()
    names = tuple(sys.intern(" ".join(str_or_empty(geo.get(k)).split())) for k in PLACE_KEYS)
    return names if any(names) else ()


def geo_is_public(doc: Mapping[str, Any]) -> bool:
    """Does the sidecar say Flickr shows the location to everyone (as public.geo_is_public)?"""
    geo = doc.get("geo")
    return isinstance(geo, Mapping) and geo.get("public") is True


def person_of(person: Mapping[str, Any]) -> tuple[str, str]:
    """(nsid, name) of a sidecar's person tagged in the photo."""
    # One line each (str.split's whitespace takes the cache's separators, \x1c-\x1f, too).
    nsid = sys.intern("".join(str_or_empty(person.get("nsid")).split()))
    name = str_or_empty(person.get("realname")) or str_or_empty(person.get("username")) or nsid
    return nsid, " ".join(name.split())


def group_keys(export: Any) -> tuple[str, ...]:
    """The groups the export says the photo is in: each by its URL (the export names no id
    for sure), else its id."""
    if not isinstance(export, dict):
        return ()
    keys = []
    for group in dicts(export.get("groups")):
        key = "".join(
            (str_or_empty(group.get("url")).rstrip("/") or str_or_empty(group.get("id"))).split()
        )
        if key:
            keys.append(sys.intern(key))
    return tuple(dict.fromkeys(keys))


def search_text(doc: Mapping[str, Any]) -> str:
    """The description as plain text, for search (only the site's cache keeps it)."""
    text = html_to_text(str_or_empty(doc.get("description")))
    return " ".join(text.split())[:SEARCH_TEXT_LIMIT]


@dataclass(slots=True)
class Item:
    """One archived photo or video: its summary joined with its state row, and its place in
    the site (set by the build)."""

    id: str
    summary: Summary
    sig: int  # the sidecar's hash((mtime_ns, size)); 0 without one
    status: str
    error: str
    path: str | None  # the primary file, relative to OUT
    present: bool = True  # its file is on disk
    sort_key: str = ""
    key: bytes = b""  # digest of everything a grid or the search shows of it
    month: str = ""  # its photostream month ("2019-06", or paths.UNDATED)
    month_page: int = 1
    albums: tuple[tuple[str, str, int], ...] | None = None  # (album id, title, page it is on)
    thumbs: int = 0  # THUMB_Q | THUMB_Z: its small renditions on disk
    cached_files: int = -1  # THUMB_Q | THUMB_Z | PRESENT as the last build saw; -1 unknown
    # Its photo page may show something else than the last build's: its row changed since,
    # the layout of a grid page it is on (or next to) moved, it left or joined an album, or
    # the albums' order moved (build.py); every item, in a full look or with worker
    # processes. Only these photo pages are weighed again.
    dirty: bool = True

    @property
    def files(self) -> int:
        return self.thumbs | (PRESENT if self.present else 0)

    @property
    def flags(self) -> int:
        summary = self.summary
        flags = VIDEO if summary.media == "video" else 0
        if summary.original is False:
            flags |= NOT_ORIGINAL
        if summary.deleted:
            flags |= DELETED
        if not self.present or self.status != "done" or not self.path:
            flags |= MISSING
        return flags


# --- account files -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AlbumEntry:
    id: str
    title: str
    description: str
    primary: str | None
    folder: str | None
    photo_ids: tuple[str, ...]
    count_photos: int | None
    count_videos: int | None
    comments: tuple[dict[str, Any], ...]
    deleted: str | None


@dataclass(frozen=True, slots=True)
class FaveEntry:
    id: str
    owner: str
    owner_name: str
    title: str
    license: str
    date_faved: int | None
    url: str
    removed_on: str | None
    path: str | None = None  # the kept file (with --favorites), relative to OUT


@dataclass(frozen=True, slots=True)
class GalleryPhoto:
    id: str
    owner: str
    owner_name: str
    title: str
    comment: str


@dataclass(frozen=True, slots=True)
class GalleryEntry:
    id: str
    title: str
    description: str
    url: str
    photos: tuple[GalleryPhoto, ...]


@dataclass(frozen=True, slots=True)
class SiteProfile:
    nsid: str = ""
    username: str = ""
    realname: str = ""
    path_alias: str = ""
    description: str = ""
    profile_url: str = ""
    location: str = ""
    is_pro: bool | None = None
    photo_count: int | None = None  # Flickr's count (private photos included)
    first_upload: int | None = None

    @property
    def name(self) -> str:
        return self.realname or self.username or "Flickr archive"

    @property
    def flickr_path(self) -> str:
        return self.path_alias or self.nsid


@dataclass
class Account:
    """The account files: albums in the user's order, collections, favourites, galleries."""

    profile: SiteProfile = field(default_factory=SiteProfile)
    albums: list[AlbumEntry] = field(default_factory=list)
    collections: list[Collection] = field(default_factory=list)
    favorites: list[FaveEntry] | None = None  # None: the archive has no favorites.json
    galleries: list[GalleryEntry] | None = None
    groups: list[GroupEntry] | None = None  # None: the archive has no groups.json


@dataclass(frozen=True, slots=True)
class GroupEntry:
    id: str
    name: str
    url: str
    admin: bool
    members: int | None
    pool_count: int | None

    @property
    def keys(self) -> tuple[str, ...]:
        """What a photo's Summary.groups may name it by (model.group_keys)."""
        return tuple(k for k in (self.url.rstrip("/"), self.id) if k)


def group_entries(doc: Mapping[str, Any]) -> list[GroupEntry]:
    return [
        GroupEntry(
            id=str_or_empty(g.get("id")),
            name=str_or_empty(g.get("name")),
            url=str_or_empty(g.get("url")),
            admin=g.get("admin") is True,
            members=int_or_none(g.get("members")),
            pool_count=int_or_none(g.get("pool_count")),
        )
        for g in dicts(doc.get("groups"))
        if str_or_empty(g.get("id")) or str_or_empty(g.get("name"))
    ]


def album_entries(doc: Mapping[str, Any] | None) -> list[AlbumEntry]:
    seen: set[str] = set()
    albums = []
    for a in dicts((doc or {}).get("albums")):
        album_id = str_or_empty(a.get("id"))
        if not album_id or album_id in seen:
            continue
        seen.add(album_id)
        albums.append(
            AlbumEntry(
                id=album_id,
                title=str_or_empty(a.get("title")),
                description=str_or_empty(a.get("description")),
                primary=str_or_none(a.get("primary")),
                folder=str_or_none(a.get("folder")),
                photo_ids=tuple(dict.fromkeys(strs(a.get("photo_ids")))),
                count_photos=int_or_none(a.get("count_photos")),
                count_videos=int_or_none(a.get("count_videos")),
                comments=tuple(dicts(a.get("comments"))),
                deleted=str_or_none(a.get("deleted_on_flickr")),
            )
        )
    return albums


def collection_nodes(entries: Any, depth: int = 0) -> list[Collection]:
    if depth > 20:  # Flickr nests a handful of levels; a cycle in a hand-edited file stops here
        return []
    return [
        Collection(
            id=str_or_empty(c.get("id")),
            title=str_or_empty(c.get("title")),
            description=str_or_empty(c.get("description")),
            album_ids=tuple(strs(c.get("albums"))),
            children=tuple(collection_nodes(c.get("collections"), depth + 1)),
        )
        for c in dicts(entries)
    ]


def fave_entries(doc: Mapping[str, Any], kept: Mapping[str, str]) -> list[FaveEntry]:
    return [
        FaveEntry(
            id=str_or_empty(f.get("id")),
            owner=str_or_empty(f.get("owner")),
            owner_name=str_or_empty(f.get("owner_name")),
            title=str_or_empty(f.get("title")),
            license=str_or_empty(f.get("license")),
            date_faved=int_or_none(f.get("date_faved")),
            url=str_or_empty(f.get("url")),
            removed_on=str_or_none(f.get("removed_on")),
            path=kept.get(str_or_empty(f.get("id"))),
        )
        for f in dicts(doc.get("favorites"))
        if str_or_empty(f.get("id"))
    ]


def gallery_entries(doc: Mapping[str, Any]) -> list[GalleryEntry]:
    return [
        GalleryEntry(
            id=str_or_empty(g.get("id")),
            title=str_or_empty(g.get("title")),
            description=str_or_empty(g.get("description")),
            url=str_or_empty(g.get("url")),
            photos=tuple(
                GalleryPhoto(
                    id=str_or_empty(p.get("id")),
                    owner=str_or_empty(p.get("owner")),
                    owner_name=str_or_empty(p.get("owner_name")),
                    title=str_or_empty(p.get("title")),
                    comment=str_or_empty(p.get("comment")),
                )
                for p in dicts(g.get("photos"))
            ),
        )
        for g in dicts(doc.get("galleries"))
    ]


def profile(doc: Mapping[str, Any] | None) -> SiteProfile:
    person = (doc or {}).get("profile")
    if not isinstance(person, dict):
        return SiteProfile()
    return SiteProfile(
        nsid=str_or_empty(person.get("nsid")),
        username=str_or_empty(person.get("username")),
        realname=str_or_empty(person.get("realname")),
        path_alias=str_or_empty(person.get("path_alias")),
        description=str_or_empty(person.get("description")),
        profile_url=str_or_empty(person.get("profile_url")),
        location=str_or_empty(person.get("location")),
        is_pro=person.get("is_pro") if isinstance(person.get("is_pro"), bool) else None,
        photo_count=int_or_none(person.get("photo_count")),
        first_upload=int_or_none(person.get("first_upload")),
    )
