"""REST methods about how the account is organised: collections, favourites, galleries,
groups, contacts and album comments, in Flickr's JSON shapes (each quirk commented)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TypeVar

from tests.fakeflickr.context import ApiFail, Caller, JSONDict, ServerContext, found
from tests.fakeflickr.library import Library
from tests.fakeflickr.listing import (
    can_see,
    int_param,
    page_of,
    parse_extras,
    render_photo,
    unix_time,
)
from tests.fakeflickr.model import FakeAlbum, FakeCollection, FakeGallery, FakePhoto
from tests.fakeflickr.organisation import ICON_DEFAULT
from tests.fakeflickr.rest_lists import primary_extras

Params = Mapping[str, str]
T = TypeVar("T")
CONTACT_FILTERS = {
    "friends": (True, False),
    "family": (False, True),
    "both": (True, True),
    "neither": (False, False),
}


def _check_user(ctx: ServerContext, caller: Caller, params: Params) -> None:
    """`user_id` is the account (NSID, alias, or "me" when signed); absent means the caller."""
    owner = ctx.library.owner
    user_id = params.get("user_id", "")
    if not user_id:
        if not caller.is_owner:
            raise ApiFail(1, "User not found")
        return
    if user_id == "me" and caller.is_owner:
        return
    if user_id not in (owner.nsid, owner.path_alias):
        raise ApiFail(1, "User not found")


def _page(
    items: Sequence[T], params: Params, *, default: int, maximum: int
) -> tuple[list[T], int, int, int]:
    """(chunk, page, pages, per_page) for lists that are not photos; per_page clamped."""
    per_page = int_param(params, "per_page", default)
    per_page = default if per_page < 1 else min(per_page, maximum)
    page = max(1, int_param(params, "page", 1))
    chunk = list(items[(page - 1) * per_page : page * per_page])
    return chunk, page, math.ceil(len(items) / per_page), per_page


# --- collections ------------------------------------------------------------------------------


def _collection(node: FakeCollection, albums: Mapping[str, FakeAlbum]) -> JSONDict:
    # Titles and descriptions are plain strings here, not {"_content": ...}; the icons are
    # defunct defaults. `set` and `collection` are absent, not empty, when there are none.
    item: JSONDict = {
        "id": node.id,
        "title": node.title,
        "description": node.description,
        "iconlarge": ICON_DEFAULT.format("l"),
        "iconsmall": ICON_DEFAULT.format("s"),
    }
    sets = [
        {"id": a.id, "title": a.title, "description": a.description}
        for a in (albums.get(aid) for aid in node.album_ids)
        if a is not None  # a deleted album leaves its collections
    ]
    if sets:
        item["set"] = sets
    if node.children:
        item["collection"] = [_collection(child, albums) for child in node.children]
    return item


def collections_get_tree(ctx: ServerContext, caller: Caller, params: Params) -> JSONDict:
    _check_user(ctx, caller, params)
    lib = ctx.library
    with lib.lock:
        albums = {a.id: a for a in lib.albums}
        roots = lib.collections
        wanted = params.get("collection_id", "")
        if wanted and wanted != "0":
            roots = [found(lib.collection, wanted, 2, "Collection not found")]
        if not roots:
            return {"collections": {}}  # no `collection` key at all
        return {"collections": {"collection": [_collection(n, albums) for n in roots]}}


# --- favourites -------------------------------------------------------------------------------


def favorites_get_list(ctx: ServerContext, caller: Caller, params: Params) -> JSONDict:
    """Newest faved first; a photo its owner deleted is simply gone (and not counted)."""
    _check_user(ctx, caller, params)
    lib = ctx.library
    low = unix_time(params.get("min_fave_date", ""))
    high = unix_time(params.get("max_fave_date", ""))
    with lib.lock:
        faved: dict[str, int] = {}
        photos: list[FakePhoto] = []
        for fave in lib.favorites:
            if (low is not None and fave.date_faved < low) or (
                high is not None and fave.date_faved > high
            ):
                continue
            photo = lib.foreign_photo(fave.photo_id)
            if can_see(photo, caller):
                photos.append(photo)
                faved[photo.id] = fave.date_faved
        chunk = page_of(ctx, photos, params, default_per_page=100)
        extras = parse_extras(params.get("extras", ""))
        items = [
            {**render_photo(ctx, p, extras, caller), "date_faved": str(faved[p.id])}
            for p in chunk.items
        ]
    container = {"page": chunk.page, "pages": chunk.pages, "perpage": chunk.per_page}
    return {"photos": {**container, "total": str(chunk.total), "photo": items}}


# --- galleries --------------------------------------------------------------------------------


def _gallery_primary(lib: Library, gallery: FakeGallery) -> FakePhoto | None:
    """The cover; when its owner deleted it, the gallery's first photo stands in."""
    photos = lib.gallery_photos(gallery.id)
    return next((p for p in photos if p.id == gallery.primary), photos[0] if photos else None)


def galleries_get_list(ctx: ServerContext, caller: Caller, params: Params) -> JSONDict:
    _check_user(ctx, caller, params)
    lib = ctx.library
    owner = lib.owner
    extras = parse_extras(params.get("primary_photo_extras", ""))
    with lib.lock:
        chunk, page, pages, per_page = _page(lib.galleries, params, default=100, maximum=500)
        items: list[JSONDict] = []
        for gallery in chunk:
            photos = lib.gallery_photos(gallery.id)
            videos = sum(1 for p in photos if p.is_video)
            primary = _gallery_primary(lib, gallery)
            item: JSONDict = {
                "id": gallery.id,
                "url": f"{ctx.origin}/photos/{owner.path_alias}/galleries/{gallery.number}/",
                "owner": owner.nsid,
                "username": owner.username,
                "primary_photo_id": primary.id if primary else "0",
                "primary_photo_server": primary.server if primary else "0",
                "primary_photo_farm": primary.farm if primary else 0,
                "primary_photo_secret": primary.secret if primary else "",
                # Dates are strings, the counts ints: Flickr's own mix.
                "date_create": str(gallery.date_create),
                "date_update": str(gallery.date_update),
                "count_photos": len(photos) - videos,
                "count_videos": videos,
                "count_views": gallery.count_views,
                "count_comments": gallery.count_comments,
                "title": {"_content": gallery.title},
                "description": {"_content": gallery.description},
            }
            if extras and primary:
                item["primary_photo_extras"] = primary_extras(ctx, primary, extras, caller)
            items.append(item)
    # `per_page` here, no `perpage`; total is an int.
    container = {"total": len(lib.galleries), "per_page": per_page, "page": page, "pages": pages}
    return {"galleries": {**container, "gallery": items}}


def galleries_get_photos(ctx: ServerContext, caller: Caller, params: Params) -> JSONDict:
    """Gallery order; the curator's note on a photo is its `comment`."""
    lib = ctx.library
    with lib.lock:
        gallery = found(lib.gallery, params.get("gallery_id", ""), 1, "Invalid gallery ID")
        photos = [p for p in lib.gallery_photos(gallery.id) if can_see(p, caller)]
        primary = _gallery_primary(lib, gallery)
        chunk = page_of(ctx, photos, params, default_per_page=100)
        extras = parse_extras(params.get("extras", ""))
        items: list[JSONDict] = []
        for photo in chunk.items:
            item = render_photo(ctx, photo, extras, caller)
            note = gallery.notes.get(photo.id, "")
            item |= {"is_primary": int(photo is primary), "has_comment": int(bool(note))}
            if note:
                item["comment"] = {"_content": note}
            items.append(item)
    container = {"page": chunk.page, "pages": chunk.pages, "perpage": chunk.per_page}
    return {"photos": {**container, "total": str(chunk.total), "photo": items}}


# --- groups and contacts ----------------------------------------------------------------------


def people_get_groups(ctx: ServerContext, caller: Caller, params: Params) -> JSONDict:
    if not params.get("user_id"):
        raise ApiFail(1, "User not found")
    _check_user(ctx, caller, params)
    groups = [
        {
            "nsid": g.nsid,
            "name": g.name,
            "iconfarm": g.iconfarm,
            "iconserver": g.iconserver,
            "admin": int(g.admin),
            "eighteenplus": int(g.eighteenplus),
            "invitation_only": int(g.invitation_only),
            "members": str(g.members),  # counts as strings, flags as ints
            "pool_count": str(g.pool_count),
        }
        for g in ctx.library.groups
    ]
    return {"groups": {"group": groups}}  # an empty list, not a missing key


def contacts_get_list(ctx: ServerContext, caller: Caller, params: Params) -> JSONDict:
    contacts = ctx.library.contacts
    wanted = CONTACT_FILTERS.get(params.get("filter", ""))
    if wanted is not None:  # exact: "friends" means friends who are not family
        contacts = [c for c in contacts if (c.friend, c.family) == wanted]
    if params.get("sort") == "time":
        contacts.sort(key=lambda c: c.date_added, reverse=True)
    else:  # "name", the default
        contacts.sort(key=lambda c: c.user.username.casefold())
    chunk, page, pages, per_page = _page(contacts, params, default=1000, maximum=1000)
    items = [
        {
            "nsid": c.user.nsid,
            "username": c.user.username,
            "iconserver": c.user.iconserver,
            "iconfarm": c.user.iconfarm,
            "ignored": int(c.ignored),
            "rev_ignored": int(c.rev_ignored),
            "realname": c.user.realname,
            "friend": int(c.friend),
            "family": int(c.family),
            "path_alias": c.user.path_alias,
            "location": c.user.location,
        }
        for c in chunk
    ]
    # Both spellings of per_page, and total as a string.
    container = {"page": page, "pages": pages, "per_page": per_page, "perpage": per_page}
    return {"contacts": {**container, "total": str(len(contacts)), "contact": items}}


# --- album comments ---------------------------------------------------------------------------


def photosets_comments_get_list(ctx: ServerContext, caller: Caller, params: Params) -> JSONDict:
    lib = ctx.library
    with lib.lock:
        album = found(lib.album, params.get("photoset_id", ""), 1, "Photoset not found")
        page = f"{ctx.origin}/photos/{lib.owner.path_alias}/albums/{album.id}/"
        comments = [
            {
                "id": c.id,
                "author": c.author,
                "authorname": c.authorname,
                # As photo comments spell it; the doc's example says date_create.
                "datecreate": str(c.datecreate),
                "permalink": f"{page}#comment{c.id}",
                "path_alias": None,
                "realname": "",
                "_content": c.text,
            }
            for c in album.comments
        ]
        body: JSONDict = {"photoset_id": album.id}
        if comments:  # the key is absent, not empty, when there are none
            body["comment"] = comments
        return {"comments": body}
