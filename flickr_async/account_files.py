"""Pure: the account-level JSON files at the archive root, with stable keys (schema 1).

albums.json, collections.json, favorites.json, galleries.json, groups.json, contacts.json and
account.json make the archive the record of how the account was organised, readable without
flickr-async (docs/archive.md#account-files-schema-1). Things gone from Flickr stay listed
with the date a sync noticed: an archive never forgets what it once held.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from flickr_async.account_records import (
    Collection,
    Contact,
    Fave,
    Gallery,
    GalleryItem,
    Group,
    OwnerProfile,
)
from flickr_async.models import Album
from flickr_async.sidecar import photo_page_url

SCHEMA_VERSION = 1
ALBUMS = "albums.json"
COLLECTIONS = "collections.json"
FAVORITES = "favorites.json"
GALLERIES = "galleries.json"
GROUPS = "groups.json"
CONTACTS = "contacts.json"
ACCOUNT = "account.json"
FILES = (ALBUMS, COLLECTIONS, FAVORITES, GALLERIES, GROUPS, CONTACTS, ACCOUNT)

Doc = dict[str, Any]


def _doc(key: str, entries: list[Doc]) -> Doc:
    return {"schema": SCHEMA_VERSION, key: entries}


def previous_entries(previous: Mapping[str, Any] | None, key: str) -> list[Doc]:
    """The entries of last run's file (nothing when it is missing or not ours)."""
    if not previous or previous.get("schema") != SCHEMA_VERSION:
        return []
    found = previous.get(key)
    return [e for e in found if isinstance(e, dict)] if isinstance(found, list) else []


def _with_gone(now: list[Doc], before: list[Doc], field: str, today: str) -> list[Doc]:
    """`now`, then every entry of `before` that is no longer there, marked gone since `today`
    (or the date it was first noticed)."""
    seen = {e["id"] for e in now}
    gone = []
    for entry in before:
        if entry.get("id") in seen:
            continue
        gone.append({**entry, field: entry.get(field) or today})
    return [*now, *gone]


# --- albums ------------------------------------------------------------------------------


def albums_doc(
    albums: Sequence[Album],
    *,
    folders: Mapping[str, str],
    photo_ids: Mapping[str, Sequence[str]],
    comments: Mapping[str, Sequence[Mapping[str, Any]]],
    previous: Mapping[str, Any] | None,
    today: str,
) -> Doc:
    """Every album in the user's order, then the ones gone from Flickr (kept, marked)."""
    now = [
        {
            "id": a.id,
            "title": a.title,
            "description": a.description,  # Flickr's HTML, as-is
            "date_create": a.date_create,
            "date_update": a.date_update,
            "primary": a.primary,
            "count_photos": a.count_photos,
            "count_videos": a.count_videos,
            "count_views": a.count_views,
            "count_comments": a.count_comments,
            "folder": folders.get(a.id),
            "photo_ids": list(photo_ids.get(a.id, ())),
            "comments": [dict(c) for c in comments.get(a.id, ())],
            "deleted_on_flickr": None,
        }
        for a in albums
    ]
    before = previous_entries(previous, "albums")
    return _doc("albums", _with_gone(now, before, "deleted_on_flickr", today))


# --- collections -------------------------------------------------------------------------


def _collection(c: Collection) -> Doc:
    return {
        "id": c.id,
        "title": c.title,
        "description": c.description,
        "albums": list(c.album_ids),
        "collections": [_collection(child) for child in c.children],
    }


def collections_doc(tree: Iterable[Collection]) -> Doc:
    """The whole tree, in Flickr's order; nesting as on Flickr."""
    return _doc("collections", [_collection(c) for c in tree])


# --- favourites --------------------------------------------------------------------------


def favorites_doc(faves: Sequence[Fave], *, previous: Mapping[str, Any] | None, today: str) -> Doc:
    """Newest faved first, then favourites Flickr no longer lists (un-faved, or deleted by
    their owner: the API cannot tell which), with `removed_on`."""
    now = [
        {
            "id": f.photo.id,
            "owner": f.photo.owner,
            "owner_name": f.photo.owner_name or "",
            "title": f.photo.title,
            "license": f.photo.license,
            "date_faved": f.date_faved,
            "url": photo_page_url(f.photo),
            "removed_on": None,
        }
        for f in faves
    ]
    return _doc("favorites", _with_gone(now, previous_entries(previous, "favorites"),
                                        "removed_on", today))  # fmt: skip


# --- galleries ---------------------------------------------------------------------------


def gallery_photos(items: Iterable[GalleryItem]) -> list[Doc]:
    return [
        {
            "id": i.photo_id,
            "owner": i.owner,
            "owner_name": i.owner_name,
            "title": i.title,
            "comment": i.comment,
        }
        for i in items
    ]


def galleries_doc(galleries: Sequence[tuple[Gallery, list[Doc]]]) -> Doc:
    return _doc(
        "galleries",
        [
            {
                "id": g.id,
                "url": g.url,
                "title": g.title,
                "description": g.description,
                "date_create": g.date_create,
                "date_update": g.date_update,
                "count_photos": g.count_photos,
                "count_videos": g.count_videos,
                "count_views": g.count_views,
                "count_comments": g.count_comments,
                "primary_photo_id": g.primary_photo_id,
                "photos": photos,
            }
            for g, photos in galleries
        ],
    )


def known_gallery_photos(previous: Mapping[str, Any] | None) -> dict[str, tuple[int, list[Doc]]]:
    """gallery id -> (date_update, photos) as last written: unchanged galleries cost no call."""
    known: dict[str, tuple[int, list[Doc]]] = {}
    for entry in previous_entries(previous, "galleries"):
        photos = entry.get("photos")
        update = entry.get("date_update")
        if (
            isinstance(entry.get("id"), str)
            and isinstance(photos, list)
            and isinstance(update, int)
        ):
            known[entry["id"]] = (update, [p for p in photos if isinstance(p, dict)])
    return known


# --- groups, contacts, account -----------------------------------------------------------


def groups_doc(groups: Iterable[Group]) -> Doc:
    return _doc(
        "groups",
        [
            {
                "id": g.nsid,
                "name": g.name,
                "url": f"https://www.flickr.com/groups/{g.nsid}/",
                "admin": g.admin,
                "eighteenplus": g.eighteenplus,
                "invitation_only": g.invitation_only,
                "members": g.members,
                "pool_count": g.pool_count,
            }
            for g in groups
        ],
    )


def contacts_doc(contacts: Iterable[Contact]) -> Doc:
    return _doc(
        "contacts",
        [
            {
                "id": c.nsid,
                "username": c.username,
                "realname": c.realname,
                "url": f"https://www.flickr.com/people/{c.path_alias or c.nsid}/",
                "friend": c.friend,
                "family": c.family,
            }
            for c in contacts
        ],
    )


def account_doc(profile: OwnerProfile | None, archive: Mapping[str, Any]) -> Doc:
    """The owner's profile and what the archive held at the end of the run."""
    person: Doc | None = None
    if profile is not None:
        person = {
            "nsid": profile.nsid,
            "username": profile.username,
            "realname": profile.realname,
            "path_alias": profile.path_alias,
            "location": profile.location,
            "description": profile.description,
            "photos_url": profile.photos_url,
            "profile_url": profile.profile_url,
            "is_pro": profile.is_pro,
            "first_upload": profile.first_upload,
            "first_taken": profile.first_taken,
            "photo_count": profile.photo_count,
            "views": profile.views,
        }
    return {"schema": SCHEMA_VERSION, "profile": person, "archive": dict(archive)}
