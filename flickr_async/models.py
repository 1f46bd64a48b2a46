"""Frozen dataclasses parsed once from Flickr's JSON; nothing past this module sees raw dicts.

Flickr's JSON is loose: the same field may be an int or a string ("total":"3" vs 3), text
may be a plain string or {"_content": ...}, and absent values come as "", 0 or not at all.
The `_int`/`_text`/... helpers absorb that here, once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from flickr_async import edge
from flickr_async.sane import bounded_int, finite_float, real_date_taken, timestamp, valid_text

Media = Literal["photo", "video"]
JSON = Mapping[str, Any]

# Sizes that the listing can carry as url_<suffix> extras, largest first; used when the
# original is not offered (downloads disabled, free accounts capped at 1024 px).
FALLBACK_SIZE_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("6k", "X-Large 6K"),
    ("5k", "X-Large 5K"),
    ("4k", "X-Large 4K"),
    ("3k", "X-Large 3K"),
    ("k", "Large 2048"),
    ("h", "Large 1600"),
    ("l", "Large"),
    ("c", "Medium 800"),
    ("z", "Medium 640"),
    ("m", "Small"),
)

LISTING_EXTRAS: tuple[str, ...] = (
    "description",
    "license",
    "date_upload",
    "date_taken",
    "original_format",
    "last_update",
    "geo",
    "tags",
    "machine_tags",
    "o_dims",
    "views",
    "media",
    "path_alias",
    "owner_name",
    "count_comments",
    # Undocumented extras Flickr's own web client asks for: lenient, and a photo whose
    # listing lacks one gets getInfo (see listing_completer.py).
    "count_faves",
    "rotation",
    "safety_level",
    "url_o",
    *(f"url_{suffix}" for suffix, _ in FALLBACK_SIZE_SUFFIXES),
    # The site's thumbnails (thumbnails.py): Large Square 150, and Small 320 for photos (and
    # video posters) too small to have a Medium 640 or a Medium 500.
    "url_q",
    "url_n",
)
# The site's preview: Medium 640, else the largest listed size below it.
PREVIEW_SIZE_SUFFIXES: tuple[str, ...] = ("z", "m", "n")


# --- lenient field readers -------------------------------------------------------------
# Whatever answers in Flickr's place may also send what Flickr never does (sane.py): numbers
# that overflow, lone surrogates, impossible dates. Read here, each is an unknown field.


def text(value: Any) -> str:
    """A Flickr text field: plain string, {"_content": ...}, number or absent; lone
    surrogates replaced (U+FFFD), so that every later write can encode it."""
    if isinstance(value, Mapping):
        value = value.get("_content", "")
    if value is None:
        return ""
    return valid_text(value if isinstance(value, str) else str(value))


def _number(value: Any) -> int | None:
    """An integer from an int, a float or a string ("3", "1.0"); None for anything else,
    infinities, NaN and numbers beyond sane.MAX_INT."""
    if isinstance(value, Mapping):
        value = value.get("_content")
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return bounded_int(value)
    try:
        number = float(value) if isinstance(value, float) else float(str(value).strip())
    except ValueError:
        return None
    return bounded_int(int(number)) if finite_float(number) is not None else None


def to_int(value: Any, default: int = 0) -> int:
    """Numbers arrive as ints, floats or strings ("3", "", "1.0")."""
    number = _number(value)
    return default if number is None else number


def to_opt_int(value: Any) -> int | None:
    return _number(value)


def to_float(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        return finite_float(float(str(value).strip()))
    except ValueError:
        return None


def to_bool(value: Any) -> bool:
    return to_int(value) != 0


def to_time(value: Any, default: int = 0) -> int:
    """Unix seconds (dateupload, lastupdate, date_create...): `default` when absent or not a
    time a date can be made of."""
    number = _number(value)
    seconds = None if number is None else timestamp(number)
    return default if seconds is None else seconds


# --- dataclasses -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Visibility:
    public: bool
    friends: bool
    family: bool


@dataclass(frozen=True, slots=True)
class Geo:
    latitude: float
    longitude: float
    accuracy: int | None
    # Place names (getInfo's location, or places.getInfo of place_id): locality, county,
    # region, country, neighbourhood.
    places: Mapping[str, str] = field(default_factory=dict)
    place_id: str | None = None  # the listing's most specific place, for places.getInfo
    # Does Flickr show the location to everyone (its geo permissions: the listing's
    # geo_is_public, getInfo's geoperms)? None when the response does not say.
    public: bool | None = None


@dataclass(frozen=True, slots=True)
class Note:
    id: str
    author: str
    author_name: str
    x: int
    y: int
    w: int
    h: int
    text: str


@dataclass(frozen=True, slots=True)
class Comment:
    id: str
    author: str
    author_name: str
    date: int
    text: str
    permalink: str


@dataclass(frozen=True, slots=True)
class Album:
    id: str
    title: str
    description: str
    date_create: int
    date_update: int
    count: int  # photos + videos, as getList reports them (informational only)
    primary: str
    count_photos: int = 0  # stills (getList's `photos` counts stills only)
    count_videos: int = 0
    count_views: int = 0
    count_comments: int = 0


@dataclass(frozen=True, slots=True)
class Size:
    label: str
    width: int | None
    height: int | None
    source: str
    media: str

    @property
    def area(self) -> int:
        return (self.width or 0) * (self.height or 0)


@dataclass(frozen=True, slots=True)
class Photo:
    """One photo or video, as the listing (extras) and optionally getInfo describe it."""

    id: str
    title: str
    description: str
    media: Media
    owner: str
    secret: str
    server: str
    original_secret: str | None
    original_format: str | None
    url_o: str | None
    width_o: int | None
    height_o: int | None
    best_url: str | None  # largest non-original size the listing offered
    best_label: str | None
    date_taken: str | None  # "YYYY-MM-DD HH:MM:SS", owner's local time, no zone
    date_taken_granularity: int
    date_taken_unknown: bool
    date_posted: int
    date_updated: int
    tags: tuple[str, ...]
    machine_tags: tuple[str, ...]
    geo: Geo | None
    visibility: Visibility
    license: str
    views: int | None
    count_comments: int | None
    path_alias: str | None = None
    # From the listing's undocumented extras or getInfo; None means "not known".
    rotation: int | None = None
    safety_level: int | None = None
    owner_name: str | None = None
    faves: int | None = None
    # Only getInfo has these (deep metadata); None/() means "not asked".
    page_url: str | None = None
    notes: tuple[Note, ...] = ()
    has_people: bool | None = None
    permissions: Mapping[str, int] | None = None
    # Flickr's small renditions the listing offered (a video's are its poster frame), for
    # the site's thumbnails: Large Square 150 (url_q), and Medium 640 or the largest below.
    square_url: str | None = None
    preview_url: str | None = None

    @property
    def is_video(self) -> bool:
        return self.media == "video"

    @property
    def original_key(self) -> str:
        """Changes exactly when Flickr's original file changes (replaced upload)."""
        return f"{self.original_secret or ''}:{self.width_o or ''}x{self.height_o or ''}"


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a Flickr list: the items plus the paging numbers as Flickr claims them."""

    page: int
    pages: int
    per_page: int
    total: int
    items: Sequence[Any]


@dataclass(frozen=True, slots=True)
class User:
    nsid: str
    username: str
    fullname: str = ""


# --- parsers ---------------------------------------------------------------------------


# namespace:predicate=value; Flickr's clean form lower-cases the first two.
MACHINE_TAG = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*:[A-Za-z_][A-Za-z0-9_]*=.+$")


def _split_tags(value: Any) -> tuple[str, ...]:
    return tuple(t for t in text(value).split() if t)


def is_machine_tag(tag: str) -> bool:
    return MACHINE_TAG.match(tag) is not None


def _listing_tags(d: JSON) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(tags, machine tags) of a listing item. Its `tags` holds machine tags too (in clean
    form), and some (Flickr's own `vision:` tags) appear only there: keep the two apart."""
    machine = _split_tags(d.get("machine_tags"))
    known = set(machine)
    plain: list[str] = []
    extra: list[str] = []
    for tag in _split_tags(d.get("tags")):
        if tag in known:
            continue
        (extra if is_machine_tag(tag) else plain).append(tag)
    return tuple(plain), machine + tuple(extra)


def _visibility(d: JSON) -> Visibility:
    return Visibility(
        public=to_bool(d.get("ispublic")),
        friends=to_bool(d.get("isfriend")),
        family=to_bool(d.get("isfamily")),
    )


PLACE_LEVELS = ("neighbourhood", "locality", "county", "region", "country")


def _geo(d: JSON) -> Geo | None:
    lat, lon = to_float(d.get("latitude")), to_float(d.get("longitude"))
    if lat is None or lon is None or (lat == 0.0 and lon == 0.0):
        return None
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        return None  # no place on Earth (and no GPS tag could say it)
    accuracy = to_opt_int(d.get("accuracy"))
    # Accuracy 0 means "no geo" in practice; Flickr reports 0,0 for untagged photos too.
    if accuracy == 0:
        accuracy = None
    return Geo(
        latitude=lat,
        longitude=lon,
        accuracy=accuracy,
        places=place_names(d),
        place_id=text(d.get("place_id")) or None,
        public=to_bool(d["geo_is_public"]) if d.get("geo_is_public") is not None else None,
    )


def place_names(d: JSON) -> dict[str, str]:
    """Level -> name of getInfo's `location` or places.getInfo's `place` (empty ones left out)."""
    return {
        level: text(d[level]).strip()
        for level in PLACE_LEVELS
        if isinstance(d.get(level), Mapping | str) and text(d[level]).strip()
    }


def _date_taken(value: Any) -> str | None:
    # Some videos report "0000-00-00 00:00:00": there is no date. Neither is there in a
    # month 13 or a 31 April (no calendar, EXIF reader or page of months could use it).
    return real_date_taken(text(value))


def _media(value: Any) -> Media:
    return "video" if text(value) == "video" else "photo"


def _best_fallback(d: JSON) -> tuple[str | None, str | None]:
    for suffix, label in FALLBACK_SIZE_SUFFIXES:
        url = text(d.get(f"url_{suffix}"))
        if url:
            return url, label
    return None, None


def _preview_url(d: JSON) -> str | None:
    return next((u for u in (text(d.get(f"url_{s}")) for s in PREVIEW_SIZE_SUFFIXES) if u), None)


def _checked_id(d: JSON) -> str:
    """The record's photo id, with every field that reaches a URL or a name checked
    (edge.InvalidRecord otherwise: the record is refused, never turned into a path)."""
    pid = edge.photo_id(text(d.get("id")))
    edge.check_photo_fields(
        pid,
        secret=text(d.get("secret")),
        server=text(d.get("server")),
        farm=text(d.get("farm")),
        original_secret=text(d.get("originalsecret")),
        media=text(d.get("media")),
    )
    return pid


def photo_from_listing(d: JSON) -> Photo:
    """A photos.search / photosets.getPhotos / recentlyUpdated item with LISTING_EXTRAS.
    Raises edge.InvalidRecord for a record whose id, secrets or server are not Flickr's."""
    pid = _checked_id(d)
    best_url, best_label = _best_fallback(d)
    tags, machine_tags = _listing_tags(d)
    return Photo(
        id=pid,
        title=text(d.get("title")),
        description=text(d.get("description")),
        media=_media(d.get("media")),
        owner=text(d.get("owner")),
        secret=text(d.get("secret")),
        server=text(d.get("server")),
        original_secret=text(d.get("originalsecret")) or None,
        original_format=edge.original_format(text(d.get("originalformat"))),
        url_o=text(d.get("url_o")) or None,
        width_o=to_opt_int(d.get("width_o", d.get("o_width"))),
        height_o=to_opt_int(d.get("height_o", d.get("o_height"))),
        best_url=best_url,
        best_label=best_label,
        date_taken=_date_taken(d.get("datetaken")),
        date_taken_granularity=to_int(d.get("datetakengranularity")),
        date_taken_unknown=to_bool(d.get("datetakenunknown")),
        date_posted=to_time(d.get("dateupload")),
        date_updated=to_time(d.get("lastupdate")),
        tags=tags,
        machine_tags=machine_tags,
        geo=_geo(d),
        visibility=_visibility(d),
        license=text(d.get("license")),
        views=to_opt_int(d.get("views")),
        count_comments=to_opt_int(d.get("count_comments")),
        path_alias=text(d.get("pathalias")) or None,
        rotation=to_opt_int(d.get("rotation")),
        safety_level=to_opt_int(d.get("safety_level")),
        owner_name=text(d.get("ownername")) or None,
        faves=to_opt_int(d.get("count_faves")),
        square_url=text(d.get("url_q")) or None,
        preview_url=_preview_url(d),
    )


def photo_with_info(photo: Photo, info: JSON) -> Photo:
    """Enrich a listed photo with flickr.photos.getInfo's `photo` object (checked as a
    listing item is: edge.InvalidRecord when its id is not the photo's or a field is bad)."""
    if text(info.get("id")) not in ("", photo.id):
        raise edge.InvalidRecord(
            f"photo {photo.id}", f"getInfo answered for {edge.shown(info.get('id'))}"
        )
    edge.check_photo_fields(
        photo.id,
        secret=text(info.get("secret")),
        server=text(info.get("server")),
        farm=text(info.get("farm")),
        original_secret=text(info.get("originalsecret")),
        media=text(info.get("media")),
    )
    dates = info.get("dates") or {}
    tag_items = (info.get("tags") or {}).get("tag") or []
    tags = tuple(
        text(t.get("raw")) or text(t) for t in tag_items if not to_bool(t.get("machine_tag"))
    )
    machine = tuple(
        text(t.get("raw")) or text(t) for t in tag_items if to_bool(t.get("machine_tag"))
    )
    urls = (info.get("urls") or {}).get("url") or []
    page_url = next((text(u) for u in urls if text(u.get("type")) == "photopage"), None)
    location = info.get("location")
    notes = tuple(
        Note(
            id=text(n.get("id")),
            author=text(n.get("author")),
            author_name=text(n.get("authorname")),
            x=to_int(n.get("x")),
            y=to_int(n.get("y")),
            w=to_int(n.get("w")),
            h=to_int(n.get("h")),
            text=text(n),
        )
        for n in ((info.get("notes") or {}).get("note") or [])
    )
    owner = info.get("owner") or {}
    return replace(
        photo,
        title=text(info.get("title")),
        description=text(info.get("description")),
        media=_media(info.get("media", photo.media)),
        original_secret=text(info.get("originalsecret")) or photo.original_secret,
        original_format=edge.original_format(text(info.get("originalformat")))
        or photo.original_format,
        date_taken=_date_taken(dates.get("taken")) if "taken" in dates else photo.date_taken,
        date_taken_granularity=to_int(dates.get("takengranularity"), photo.date_taken_granularity),
        date_taken_unknown=to_bool(dates.get("takenunknown", photo.date_taken_unknown)),
        date_posted=to_time(dates.get("posted"), photo.date_posted),
        date_updated=to_time(dates.get("lastupdate"), photo.date_updated),
        tags=tags if tag_items or "tags" in info else photo.tags,
        machine_tags=machine if tag_items or "tags" in info else photo.machine_tags,
        geo=_info_geo(info, location, photo.geo) if isinstance(location, Mapping) else photo.geo,
        visibility=_visibility(info["visibility"]) if "visibility" in info else photo.visibility,
        license=text(info.get("license", photo.license)),
        views=to_opt_int(info.get("views", photo.views)),
        count_comments=to_opt_int(info.get("comments", photo.count_comments)),
        rotation=to_int(info.get("rotation")),
        safety_level=to_opt_int(info.get("safety_level")),
        page_url=page_url,
        notes=notes,
        has_people=to_bool((info.get("people") or {}).get("haspeople")),
        owner_name=text(owner.get("username")) or photo.owner_name,
        path_alias=text(owner.get("path_alias")) or photo.path_alias,
        permissions=_permissions(info),
    )


def _info_geo(info: JSON, location: JSON, listed: Geo | None) -> Geo | None:
    """getInfo's location, with whether Flickr shows it to everyone: its `geoperms`, else
    what the listing said."""
    geo = _geo(location)
    perms = info.get("geoperms")
    if geo is None:
        return None
    if isinstance(perms, Mapping) and perms.get("ispublic") is not None:
        return replace(geo, public=to_bool(perms.get("ispublic")))
    return replace(geo, public=listed.public) if listed is not None else geo


def photo_from_info(info: JSON) -> Photo:
    """A Photo from flickr.photos.getInfo's `photo` alone (no listing at hand). The listing's
    file facts (size URLs, dimensions) and fave count are unknown here."""
    owner = info.get("owner") or {}
    base = photo_from_listing(
        {
            "id": info.get("id"),
            "secret": info.get("secret"),
            "server": info.get("server"),
            "owner": owner.get("nsid") if isinstance(owner, Mapping) else None,
            "media": info.get("media"),
        }
    )
    return photo_with_info(base, info)


# getInfo's owner-only `permissions` and everyone's `usage`, under one set of names.
_PERMISSION_KEYS = (
    ("permissions", "permcomment", "comment"),
    ("permissions", "permaddmeta", "addmeta"),
    ("usage", "candownload", "download"),
    ("usage", "canblog", "blog"),
    ("usage", "canprint", "print"),
    ("usage", "canshare", "share"),
)


def _permissions(info: JSON) -> dict[str, int] | None:
    found: dict[str, int] = {}
    for group, key, name in _PERMISSION_KEYS:
        section = info.get(group)
        if isinstance(section, Mapping) and section.get(key) is not None:
            found[name] = to_int(section.get(key))
    return found or None


def raw_tags_from_json(who: JSON) -> dict[str, tuple[str, ...]]:
    """flickr.tags.getListUserRaw's `who`: clean tag -> every raw spelling the account uses."""
    items = (who.get("tags") or {}).get("tag") or []
    if isinstance(items, Mapping):
        items = [items]
    found: dict[str, tuple[str, ...]] = {}
    for item in items:
        if not isinstance(item, Mapping):
            continue
        raws = item.get("raw") or []
        if not isinstance(raws, list):
            raws = [raws]
        spellings = tuple(dict.fromkeys(r for r in (text(x).strip() for x in raws) if r))
        clean = text(item.get("clean")).strip()
        if clean and spellings:
            found[clean] = spellings
    return found


def album_from_json(d: JSON) -> Album:
    """A flickr.photosets.getList item (edge.InvalidRecord when its id is no album id)."""
    return Album(
        id=edge.album_id(text(d.get("id"))),
        title=text(d.get("title")),
        description=text(d.get("description")),
        date_create=to_time(d.get("date_create")),
        date_update=to_time(d.get("date_update")),
        count=to_int(d.get("photos")) + to_int(d.get("videos")),
        primary=text(d.get("primary")) if edge.is_photo_id(text(d.get("primary"))) else "",
        count_photos=to_int(d.get("photos")),
        count_videos=to_int(d.get("videos")),
        count_views=to_int(d.get("count_views")),
        count_comments=to_int(d.get("count_comments")),
    )


def comment_from_json(d: JSON) -> Comment:
    return Comment(
        id=text(d.get("id")),
        author=text(d.get("author")),
        author_name=text(d.get("authorname")) or text(d.get("realname")),
        date=to_time(d.get("datecreate")),
        text=text(d),
        permalink=text(d.get("permalink")),
    )


def size_from_json(d: JSON) -> Size:
    return Size(
        label=text(d.get("label")),
        width=to_opt_int(d.get("width")),
        height=to_opt_int(d.get("height")),
        source=text(d.get("source")),
        media=text(d.get("media")) or "photo",
    )


def page_from_json(container: JSON, item_key: str) -> Page:
    """Paging numbers of a list container ("photos", "photoset", "photosets"...)."""
    items = container.get(item_key) or []
    if isinstance(items, Mapping):  # a single element may come unwrapped
        items = [items]
    per_page = to_int(container.get("perpage", container.get("per_page")), len(items))
    return Page(
        page=to_int(container.get("page"), 1),
        pages=to_int(container.get("pages"), 1),
        per_page=per_page,
        total=to_int(container.get("total"), len(items)),
        items=list(items),
    )


# --- pipeline messages -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DownloadRecord:
    """What a worker fetched: a finished `.part` file and the facts about its bytes."""

    url: str  # the URL asked for (not the signed CDN redirect target)
    bytes: int
    sha256: str  # of the bytes exactly as served
    original: bool  # False: the best rendition Flickr offered instead of the original
    size_label: str  # "Original", "Video Original", "Large 2048", "1080p", ...
    ext: str  # lower-case, no dot: "jpg", "png", "mov", "mp4"
