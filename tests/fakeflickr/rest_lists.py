"""REST listing methods: search, getPhotos, getNotInSet, recentlyUpdated, photosets, getCounts."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from itertools import pairwise

from tests.fakeflickr import update_lag
from tests.fakeflickr.context import ApiFail, Caller, JSONDict, ServerContext, found
from tests.fakeflickr.listing import (
    Filters,
    int_param,
    mysql_time,
    page_of,
    parse_extras,
    render_photo,
    render_photos,
    select,
    unix_time,
)
from tests.fakeflickr.model import FakeAlbum, FakePhoto

Params = Mapping[str, str]
PARAMETERLESS = (
    "Parameterless searches have been disabled. Please use flickr.photos.getRecent instead."
)
FILTER_PARAMS = ("min_upload_date", "max_upload_date", "min_taken_date", "max_taken_date")
BARE_FIELDS = frozenset(
    ("id", "owner", "secret", "server", "farm", "title", "ispublic", "isfriend", "isfamily")
)


def _check_user(ctx: ServerContext, caller: Caller, user_id: str) -> None:
    owner = ctx.library.owner.nsid
    if user_id == "me" and caller.is_owner:
        return
    if user_id not in (owner, ctx.library.owner.path_alias):
        raise ApiFail(2, "Unknown user")


def photos_search(ctx: ServerContext, caller: Caller, params: Params) -> JSONDict:
    user_id = params.get("user_id", "")
    if user_id:
        _check_user(ctx, caller, user_id)
    elif not any(params.get(p) for p in FILTER_PARAMS):
        raise ApiFail(3, PARAMETERLESS)
    filters = Filters.parse(params, caller, safe_search=True)
    if not user_id:  # a site-wide search sees other people's public photos only
        filters = dataclasses.replace(filters, public_only=True)
    items = select(ctx, filters, params.get("sort", "") or "date-posted-desc")
    lagging = ctx.faults.search_lag
    if lagging:  # a lagging index: not found, not counted
        items = [p for p in items if p.id not in lagging]
    chunk = page_of(ctx, items, params, cap=ctx.search_cap)
    return render_photos(ctx, chunk, parse_extras(params.get("extras", "")), caller)


def people_get_photos(ctx: ServerContext, caller: Caller, params: Params) -> JSONDict:
    _check_user(ctx, caller, params.get("user_id", ""))
    filters = Filters.parse(params, caller, safe_search=True)
    items = select(ctx, filters, "date-posted-desc")  # no sort argument: newest first
    chunk = page_of(ctx, items, params, cap=ctx.search_cap)
    result = render_photos(ctx, chunk, parse_extras(params.get("extras", "")), caller)
    result["photos"]["pages"] = str(result["photos"]["pages"])  # yes, a string here
    return result


def photos_get_not_in_set(ctx: ServerContext, caller: Caller, params: Params) -> JSONDict:
    filters = dataclasses.replace(Filters.parse(params, caller, safe_search=False), not_in_set=True)
    items = select(ctx, filters, "date-posted-desc")
    chunk = page_of(ctx, items, params, cap=ctx.search_cap)
    return render_photos(ctx, chunk, parse_extras(params.get("extras", "")), caller)


def photos_recently_updated(ctx: ServerContext, caller: Caller, params: Params) -> JSONDict:
    min_date = unix_time(params.get("min_date", ""))
    if min_date is None:
        raise ApiFail(1, "Required parameter missing")
    filters = Filters(min_lastupdate=min_date)
    items = update_lag.indexed(ctx.faults, select(ctx, filters, "lastupdate-desc"))
    chunk = page_of(ctx, items, params, cap=ctx.search_cap)
    extras = parse_extras(params.get("extras", "")) | {"last_update"}  # always carried
    return render_photos(ctx, chunk, extras, caller)


def photos_get_counts(ctx: ServerContext, caller: Caller, params: Params) -> JSONDict:
    buckets: list[JSONDict] = []
    if params.get("dates"):
        bounds = sorted(int(d) for d in params["dates"].split(",") if d.strip())
        photos = sorted(p.dateupload for p in ctx.library.photos)
        for start, end in pairwise(bounds):
            count = sum(1 for d in photos if start <= d < end)
            buckets.append({"count": count, "fromdate": start, "todate": end})
    elif params.get("taken_dates"):
        taken = [mysql_time(d) or "" for d in params["taken_dates"].split(",")]
        values = [p.datetaken for p in ctx.library.photos]
        for start, end in pairwise(taken):
            count = sum(1 for d in values if start <= d < end)
            buckets.append({"count": count, "fromdate": start, "todate": end})
    else:
        raise ApiFail(1, "No dates specified")
    return {"photocounts": {"photocount": buckets}}


def _album_counts(ctx: ServerContext, album: FakeAlbum, caller: Caller) -> tuple[int, int]:
    lib = ctx.library
    members = [lib.find(pid) for pid in album.photo_ids]
    seen = [p for p in members if p is not None and (caller.is_owner or p.ispublic)]
    videos = sum(1 for p in seen if p.is_video)
    return len(seen) - videos, videos


def primary_extras(
    ctx: ServerContext, photo: FakePhoto, extras: frozenset[str], caller: Caller
) -> JSONDict:
    """`primary_photo_extras`: the cover's requested extras only (url_m, width_m, ...),
    none of a listing item's bare fields."""
    item = render_photo(ctx, photo, extras, caller)
    return {k: v for k, v in item.items() if k not in BARE_FIELDS}


def photosets_get_list(ctx: ServerContext, caller: Caller, params: Params) -> JSONDict:
    lib = ctx.library
    user_id = params.get("user_id", "")
    if user_id:
        _check_user(ctx, caller, user_id)
    elif not caller.is_owner:
        raise ApiFail(1, "User not found")
    albums = lib.albums
    # Documented as "all sets when no page is given", but only 500 come back: page anyway.
    per_page = min(max(int_param(params, "per_page", 500), 1), 500)
    page = max(1, int_param(params, "page", 1))
    chunk = albums[(page - 1) * per_page : page * per_page]
    extras = parse_extras(params.get("primary_photo_extras", ""))
    items: list[JSONDict] = []
    with lib.lock:
        for album in chunk:
            photos, videos = _album_counts(ctx, album, caller)
            primary = lib.find(album.primary)
            item: JSONDict = {
                "id": album.id,
                "owner": lib.owner.nsid,
                "username": lib.owner.username,
                "primary": album.primary,
                "secret": primary.secret if primary else "",
                "server": primary.server if primary else "0",
                "farm": primary.farm if primary else 0,
                "count_views": str(album.count_views),
                "count_comments": str(len(album.comments)),  # then photosets.comments.getList
                # The doc trap: `photos` counts stills only, videos come separately.
                "photos": photos,
                "videos": videos,
                "title": {"_content": album.title},
                "description": {"_content": album.description},
                "can_comment": 0,
                "date_create": str(album.date_create),
                "date_update": str(album.date_update),
                "visibility_can_see_set": 1,
                "needs_interstitial": 0,
            }
            if extras and primary:
                item["primary_photo_extras"] = primary_extras(ctx, primary, extras, caller)
            items.append(item)
    pages = max(1, -(-len(albums) // per_page))
    container = {"page": page, "pages": pages, "perpage": str(per_page), "total": len(albums)}
    return {"photosets": {**container, "cancreate": 1, "photoset": items}}


def photosets_get_photos(ctx: ServerContext, caller: Caller, params: Params) -> JSONDict:
    lib = ctx.library
    album = found(lib.album, params.get("photoset_id", ""), 1, "Photoset not found")
    with lib.lock:
        members = [p for p in (lib.find(pid) for pid in album.photo_ids) if p is not None]
        filters = Filters.parse(params, caller, safe_search=False)
        items = select(ctx, filters, "album", source=members)
        chunk = page_of(ctx, items, params, default_per_page=500)
        extras = parse_extras(params.get("extras", ""))
        photos = []
        for photo in chunk.items:
            # Album items carry no `owner` (it is on the photoset) but an `isprimary` flag.
            item = render_photo(ctx, photo, extras, caller, with_owner=False)
            item["isprimary"] = int(photo.id == album.primary)
            photos.append(item)
        return {
            "photoset": {
                "id": album.id,
                "primary": album.primary,
                "owner": lib.owner.nsid,
                "ownername": lib.owner.username,
                "photo": photos,
                "page": chunk.page,
                "per_page": str(chunk.per_page),
                "perpage": str(chunk.per_page),
                "pages": chunk.pages,
                "total": chunk.total,
                "title": album.title,
            }
        }
