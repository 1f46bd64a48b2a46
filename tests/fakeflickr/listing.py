"""Photo lists: visibility and filters, sort orders, paging with the 4,000 cap, and extras."""

from __future__ import annotations

import calendar
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tests.fakeflickr.context import ApiFail, Caller, JSONDict, ServerContext
from tests.fakeflickr.model import FakePhoto, clean_tag, is_machine_tag
from tests.fakeflickr.sizes import (
    BY_EXTRA,
    available_sizes,
    has_original,
    original_url,
    size_dims,
    size_url,
)

MAX_PER_PAGE = 500
LISTING_CACHE_SIZE = 16
SORTS: dict[str, tuple[Callable[[FakePhoto], Any], bool]] = {
    "date-posted-asc": (lambda p: (p.dateupload, int(p.id)), False),
    "date-posted-desc": (lambda p: (p.dateupload, int(p.id)), True),
    "date-taken-asc": (lambda p: (p.datetaken, int(p.id)), False),
    "date-taken-desc": (lambda p: (p.datetaken, int(p.id)), True),
    "lastupdate-desc": (lambda p: (p.lastupdate, int(p.id)), True),  # recentlyUpdated's order
}


# --- parameters ---------------------------------------------------------------------------


def int_param(params: Mapping[str, str], name: str, default: int) -> int:
    try:
        return int(params.get(name, "") or default)
    except ValueError:
        return default


def unix_time(value: str) -> int | None:
    """Upload bounds: a Unix timestamp or a MySQL datetime (taken as UTC)."""
    value = value.strip()
    if not value:
        return None
    if value.lstrip("-").isdigit():
        return int(value)
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            return calendar.timegm(time.strptime(value, fmt))
        except ValueError:
            continue
    return None


def mysql_time(value: str) -> str | None:
    """Taken bounds: a MySQL datetime (or a Unix timestamp, converted)."""
    value = value.strip()
    if not value:
        return None
    if value.lstrip("-").isdigit():
        return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(int(value)))
    return value if len(value) > 10 else f"{value} 00:00:00"


@dataclass(frozen=True, slots=True)
class Filters:
    min_upload: int | None = None
    max_upload: int | None = None
    min_taken: str | None = None
    max_taken: str | None = None
    privacy: int | None = None
    media: str = "all"
    max_safety: int = 2
    public_only: bool = False
    not_in_set: bool = False
    min_lastupdate: int | None = None

    @classmethod
    def parse(cls, params: Mapping[str, str], caller: Caller, *, safe_search: bool) -> Filters:
        safety = int_param(params, "safe_search", 0)
        # The trap: restricted (safety 2) photos vanish even for their owner unless 3.
        owner_max = 2 if safety == 3 else 1
        max_safety = owner_max if caller.is_owner else {2: 1, 3: 2}.get(safety, 0)
        privacy = int_param(params, "privacy_filter", 0)
        return cls(
            min_upload=unix_time(params.get("min_upload_date", "")),
            max_upload=unix_time(params.get("max_upload_date", "")),
            min_taken=mysql_time(params.get("min_taken_date", "")),
            max_taken=mysql_time(params.get("max_taken_date", "")),
            privacy=privacy if 1 <= privacy <= 5 else None,
            media=params.get("media", "all") or "all",
            max_safety=max_safety if safe_search else 2,
            public_only=not caller.is_owner,
        )

    def accepts(self, p: FakePhoto) -> bool:
        if self.public_only and not p.ispublic:
            return False
        if p.safety_level > self.max_safety:
            return False
        if self.min_upload is not None and p.dateupload < self.min_upload:
            return False
        if self.max_upload is not None and p.dateupload > self.max_upload:
            return False
        if self.min_taken is not None and p.datetaken < self.min_taken:
            return False
        if self.max_taken is not None and p.datetaken > self.max_taken:
            return False
        if self.privacy is not None and p.privacy != self.privacy:
            return False
        if (self.media == "photos" and p.is_video) or (self.media == "videos" and not p.is_video):
            return False
        return self.min_lastupdate is None or p.lastupdate >= self.min_lastupdate


def select(
    ctx: ServerContext, filters: Filters, sort: str, source: Sequence[FakePhoto] | None = None
) -> list[FakePhoto]:
    """Filtered and sorted photos (of `source`, else the account), less those no listing
    shows (`faults.unlisted`)."""
    items = _select(ctx, filters, sort, source)
    unlisted = ctx.faults.unlisted
    return [p for p in items if p.id not in unlisted] if unlisted else items


def _select(
    ctx: ServerContext, filters: Filters, sort: str, source: Sequence[FakePhoto] | None
) -> list[FakePhoto]:
    """The account's selections are cached per library version, so paging through 100k
    photos does not re-sort for every page."""
    lib = ctx.library
    with lib.lock:
        key = (lib.version, filters, sort)
        cached = ctx.listing_cache.get(key) if source is None else None
        if cached is not None:
            return cached
        in_sets = lib.ids_in_albums() if filters.not_in_set else set()
        items = [
            p
            for p in (lib.photos if source is None else source)
            if filters.accepts(p) and p.id not in in_sets
        ]
        if sort != "album":  # album order is the source's order
            sort_key, reverse = SORTS.get(sort, SORTS["date-posted-desc"])
            items.sort(key=sort_key, reverse=reverse)
        if source is None:
            if len(ctx.listing_cache) >= LISTING_CACHE_SIZE:
                ctx.listing_cache.pop(next(iter(ctx.listing_cache)))
            ctx.listing_cache[key] = items
        return items


# --- paging -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PageSlice:
    items: list[FakePhoto]
    page: int
    pages: int
    per_page: int
    total: int


def page_of(
    ctx: ServerContext,
    items: Sequence[FakePhoto],
    params: Mapping[str, str],
    *,
    default_per_page: int = 100,
    cap: int | None = None,
) -> PageSlice:
    per_page = int_param(params, "per_page", default_per_page)
    per_page = default_per_page if per_page < 1 else min(per_page, MAX_PER_PAGE)
    page = max(1, int_param(params, "page", 1))
    total = len(items)
    effective = page
    end_limit = total
    if cap is not None:
        # The 4,000 cap: no error; total/pages still claim everything, and pages past the
        # cap repeat earlier ones, so `while page <= pages` ends with duplicates and gaps.
        end_limit = min(total, cap)
        cap_pages = max(1, cap // per_page)
        if (page - 1) * per_page >= cap:
            effective = (page - 1) % cap_pages + 1
    start = (effective - 1) * per_page
    chunk = list(items[start : min(start + per_page, end_limit)])
    drop = ctx.faults.take_short_page() if chunk else 0
    if drop:
        chunk = chunk[: max(0, len(chunk) - drop)]  # Flickr sometimes returns short pages
    return PageSlice(chunk, page, math.ceil(total / per_page), per_page, total)


# --- rendering ----------------------------------------------------------------------------


def parse_extras(value: str) -> frozenset[str]:
    return frozenset(e.strip().lower() for e in value.replace(" ", ",").split(",") if e.strip())


def clean_tags(photo: FakePhoto) -> str:
    return " ".join(c for c in (clean_tag(t) for t in photo.tags) if c)


def machine_tags(photo: FakePhoto) -> str:
    return " ".join(clean_tag(t) for t in photo.tags if is_machine_tag(t))


def _geo_extras(photo: FakePhoto, caller: Caller) -> JSONDict:
    geo = photo.geo
    if geo is None or not (geo.is_public or (caller.is_owner and photo.owner is None)):
        return {"latitude": "0", "longitude": "0", "accuracy": "0", "context": 0}
    out: JSONDict = {
        "latitude": f"{geo.latitude:.6f}",
        "longitude": f"{geo.longitude:.6f}",
        "accuracy": str(geo.accuracy),
        "context": geo.context,
    }
    if geo.place:
        out |= {"place_id": geo.place.place_id, "woeid": geo.place.woeid}
    out |= {"geo_is_public": int(geo.is_public), "geo_is_contact": 0}
    out |= {"geo_is_friend": 0, "geo_is_family": 0}
    return out


def _size_extras(ctx: ServerContext, photo: FakePhoto, extras: frozenset[str]) -> JSONDict:
    out: JSONDict = {}
    pro = ctx.library.pro
    present = {s.extra for s in available_sizes(photo, pro)}
    for name in extras:
        if not name.startswith("url_"):
            continue
        which = name[4:]
        if which == "o":
            if has_original(photo, pro):
                out |= {
                    "url_o": original_url(ctx.origin, photo),
                    "height_o": photo.height,
                    "width_o": photo.width,
                }
        elif which in present:
            spec = BY_EXTRA[which]
            w, h = size_dims(photo, spec)
            out |= {f"url_{which}": size_url(ctx.origin, photo, spec)}
            out |= {f"height_{which}": h, f"width_{which}": w}
    return out


def render_photo(
    ctx: ServerContext,
    photo: FakePhoto,
    extras: frozenset[str],
    caller: Caller,
    *,
    with_owner: bool = True,
) -> JSONDict:
    """A listing item: the bare fields plus exactly the requested extras, Flickr's names/types.
    Another member's photo (a favourite, a gallery's) names that member as its owner."""
    owner = photo.owner or ctx.library.owner
    ignored = ctx.faults.ignored_extras
    if ignored:
        extras = extras - ignored
    item: JSONDict = {"id": photo.id}
    if with_owner:
        item["owner"] = owner.nsid
    item |= {"secret": photo.secret, "server": photo.server, "farm": photo.farm}
    item |= {"title": photo.title}
    item |= {"ispublic": int(photo.ispublic), "isfriend": int(photo.isfriend)}
    item["isfamily"] = int(photo.isfamily)
    if "description" in extras:
        item["description"] = {"_content": photo.description}
    if "license" in extras:
        item["license"] = str(photo.license)
    if "date_upload" in extras:
        item["dateupload"] = str(photo.dateupload)
    if "date_taken" in extras:
        item["datetaken"] = photo.datetaken
        item["datetakengranularity"] = photo.takengranularity
        item["datetakenunknown"] = str(int(photo.takenunknown))
    if "owner_name" in extras:
        item["ownername"] = owner.username
    if "icon_server" in extras:
        item |= {"iconserver": owner.iconserver, "iconfarm": owner.iconfarm}
    if "original_format" in extras and has_original(photo, ctx.library.pro):
        item |= {"originalsecret": photo.originalsecret, "originalformat": photo.originalformat}
    if "last_update" in extras:
        item["lastupdate"] = str(photo.lastupdate)
    if "geo" in extras:
        item |= _geo_extras(photo, caller)
    if "tags" in extras:
        item["tags"] = clean_tags(photo)
    if "machine_tags" in extras:
        item["machine_tags"] = machine_tags(photo)
    if "o_dims" in extras:
        item |= {"o_width": str(photo.width), "o_height": str(photo.height)}
    if "views" in extras:
        item["views"] = str(photo.views)
    if "media" in extras:
        item |= {"media": photo.media, "media_status": "ready"}
    if "path_alias" in extras:
        item["pathalias"] = owner.path_alias
    if "count_comments" in extras:
        item["count_comments"] = str(len(photo.comments))
    # Undocumented extras of Flickr's web client. Counts are strings like views, flags
    # ints like its can_comment and rotation (one real item has "count_faves":"14",
    # "can_comment":1, "rotation":0).
    if "count_faves" in extras:
        item["count_faves"] = str(photo.faves)
    if "count_views" in extras:
        item["count_views"] = str(photo.views)
    if "realname" in extras:
        item["realname"] = owner.realname
    if "can_download" in extras:
        # the same answer as getInfo's usage.candownload: the original is offered
        item["can_download"] = int(has_original(photo, ctx.library.pro))
    if "safety_level" in extras:
        item["safety_level"] = str(photo.safety_level)
    if "rotation" in extras:
        item["rotation"] = photo.rotation
    item |= _size_extras(ctx, photo, extras)
    return item


def render_photos(
    ctx: ServerContext, chunk: PageSlice, extras: frozenset[str], caller: Caller
) -> JSONDict:
    """The common `photos` container; total is a string like Flickr's."""
    with ctx.library.lock:
        items = [render_photo(ctx, p, extras, caller) for p in chunk.items]
    return {
        "photos": {
            "page": chunk.page,
            "pages": chunk.pages,
            "perpage": chunk.per_page,
            "total": str(chunk.total),
            "photo": items,
        }
    }


def can_see(photo: FakePhoto, caller: Caller) -> bool:
    """The owner sees all their photos and, as everybody's friend and family here, other
    members' photos shared with friends or family, never their private ones."""
    if photo.ispublic:
        return True
    if photo.owner is None:
        return caller.is_owner
    return caller.is_owner and (photo.isfriend or photo.isfamily)


def visible(photo: FakePhoto | None, caller: Caller) -> FakePhoto:
    """The photo if this caller may see it; Flickr answers code 1 for missing and hidden alike."""
    if photo is None or not can_see(photo, caller):
        raise ApiFail(1, "Photo not found")
    return photo
