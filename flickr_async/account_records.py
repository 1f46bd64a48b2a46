"""Pure: the account's organisation as typed records, parsed once from Flickr's JSON.

Collections, galleries, favourites, groups, contacts, the people in a photo and the owner's
profile. Like models.py, every reader is lenient: numbers come as strings or ints, text in
`{"_content": ...}` wrappers or plain, and keys go missing (flickr-real-responses.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from flickr_async import edge
from flickr_async.models import Photo, photo_from_listing, text, to_bool, to_int, to_time

JSON = Mapping[str, Any]


def items(value: Any) -> list[JSON]:
    """Flickr's lists: a list, one object where a list of one was meant, or nothing."""
    if isinstance(value, Mapping):
        return [value]
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [v for v in value if isinstance(v, Mapping)]
    return []


def _opt_text(value: Any) -> str | None:
    return text(value) or None


@dataclass(frozen=True, slots=True)
class Collection:
    id: str
    title: str
    description: str
    album_ids: tuple[str, ...]
    children: tuple[Collection, ...]


def collection_from_json(d: JSON, depth: int = 0) -> Collection:
    children = () if depth > 20 else items(d.get("collection"))  # Flickr nests 5 deep at most
    return Collection(
        id=text(d.get("id")),
        title=text(d.get("title")),
        description=text(d.get("description")),
        album_ids=tuple(text(s.get("id")) for s in items(d.get("set")) if text(s.get("id"))),
        children=tuple(collection_from_json(c, depth + 1) for c in children),
    )


@dataclass(frozen=True, slots=True)
class Gallery:
    id: str
    url: str
    title: str
    description: str
    date_create: int
    date_update: int
    count_photos: int
    count_videos: int
    count_views: int
    count_comments: int
    primary_photo_id: str


def gallery_from_json(d: JSON) -> Gallery:
    return Gallery(
        id=text(d.get("id")),
        url=text(d.get("url")),
        title=text(d.get("title")),
        description=text(d.get("description")),
        date_create=to_time(d.get("date_create")),
        date_update=to_time(d.get("date_update")),
        count_photos=to_int(d.get("count_photos")),
        count_videos=to_int(d.get("count_videos")),
        count_views=to_int(d.get("count_views")),
        count_comments=to_int(d.get("count_comments")),
        primary_photo_id=text(d.get("primary_photo_id")),
    )


@dataclass(frozen=True, slots=True)
class GalleryItem:
    photo_id: str
    owner: str
    owner_name: str
    title: str
    comment: str  # the curator's note, HTML


def gallery_item_from_json(d: JSON) -> GalleryItem:
    return GalleryItem(
        photo_id=edge.photo_id(text(d.get("id")), "gallery photo"),
        owner=text(d.get("owner")),
        owner_name=text(d.get("ownername")),
        title=text(d.get("title")),
        comment=text(d.get("comment")) if to_bool(d.get("has_comment")) else "",
    )


@dataclass(frozen=True, slots=True)
class Fave:
    photo: Photo
    date_faved: int


def fave_from_json(d: JSON) -> Fave:
    photo = replace(photo_from_listing(d), owner_name=_opt_text(d.get("ownername")))
    return Fave(photo=photo, date_faved=to_time(d.get("date_faved")))


@dataclass(frozen=True, slots=True)
class Group:
    nsid: str
    name: str
    admin: bool
    eighteenplus: bool
    invitation_only: bool
    members: int
    pool_count: int


def group_from_json(d: JSON) -> Group:
    return Group(
        nsid=text(d.get("nsid") or d.get("id")),
        name=text(d.get("name")),
        admin=to_bool(d.get("admin")),
        eighteenplus=to_bool(d.get("eighteenplus")),
        invitation_only=to_bool(d.get("invitation_only")),
        members=to_int(d.get("members")),
        pool_count=to_int(d.get("pool_count")),
    )


@dataclass(frozen=True, slots=True)
class Contact:
    nsid: str
    username: str
    realname: str
    path_alias: str | None
    friend: bool
    family: bool


def contact_from_json(d: JSON) -> Contact:
    return Contact(
        nsid=text(d.get("nsid")),
        username=text(d.get("username")),
        realname=text(d.get("realname")),
        path_alias=_opt_text(d.get("path_alias")),
        friend=to_bool(d.get("friend")),
        family=to_bool(d.get("family")),
    )


@dataclass(frozen=True, slots=True)
class Person:
    """Someone tagged in a photo, with their box when the tagger drew one."""

    nsid: str
    username: str
    realname: str
    added_by: str
    box: tuple[int, int, int, int] | None  # x, y, w, h in the photo's displayed pixels


def person_from_json(d: JSON) -> Person:
    has_box = all(text(d.get(k)) for k in ("x", "y", "w", "h"))
    box = (to_int(d.get("x")), to_int(d.get("y")), to_int(d.get("w")), to_int(d.get("h")))
    return Person(
        nsid=text(d.get("nsid")),
        username=text(d.get("username")),
        realname=text(d.get("realname")),
        added_by=text(d.get("added_by_nsid")),
        box=box if has_box else None,
    )


@dataclass(frozen=True, slots=True)
class OwnerProfile:
    """people.getInfo of the account owner."""

    nsid: str
    username: str
    realname: str
    path_alias: str | None
    location: str
    description: str
    photos_url: str
    profile_url: str
    is_pro: bool
    first_upload: int
    first_taken: str
    photo_count: int
    views: int


def profile_from_json(person: JSON) -> OwnerProfile:
    photos = person.get("photos") if isinstance(person.get("photos"), Mapping) else {}
    assert isinstance(photos, Mapping)
    return OwnerProfile(
        nsid=text(person.get("nsid") or person.get("id")),
        username=text(person.get("username")),
        realname=text(person.get("realname")),
        path_alias=_opt_text(person.get("path_alias")),
        location=text(person.get("location")),
        description=text(person.get("description")),
        photos_url=text(person.get("photosurl")),
        profile_url=text(person.get("profileurl")),
        is_pro=to_bool(person.get("ispro")),
        first_upload=to_time(text(photos.get("firstdate"))),
        first_taken=text(photos.get("firstdatetaken")),
        photo_count=to_int(text(photos.get("count"))),
        views=to_int(text(photos.get("views"))),
    )


@dataclass(frozen=True, slots=True)
class AccountInfo:
    nsid: str
    username: str
    photo_count: int
    is_pro: bool
    profile: OwnerProfile | None = None
