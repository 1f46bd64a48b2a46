"""Pure: the JSON files of Flickr's data export as the typed records the API gives.

Raw export JSON stops here, as Flickr's API answers stop in models.py: a `photo_<id>.json`
becomes the same `models.Photo` and `Comment`s, plus an `export` block (every field the
typed record has no place for, kept as the export wrote it); `albums.json` becomes `Album`s
and their members in order; the account files become account_records.py's records. The export's
quirks are absorbed once (flickr-export-format.md): counts as strings, `geo` as an object, a
list of objects or absent, in micro-degrees; dates with no zone kept verbatim (turned into
Unix seconds, read as UTC, only where a typed field needs a number); `"0"` placeholders in
album lists; "friend & family" privacy, which the export writes for friends-only and
family-only photos alike. Ids and secrets are checked at the edge (edge.py): a record that
fails is refused with edge.InvalidRecord, never turned into a path.
"""

from __future__ import annotations

import calendar
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from flickr_async import edge, embedded_meta
from flickr_async.account_records import Contact, Fave, Gallery, Group, OwnerProfile, items
from flickr_async.models import (
    Album,
    Comment,
    Geo,
    Photo,
    Visibility,
    is_machine_tag,
    photo_from_listing,
    text,
    to_int,
    to_opt_int,
    to_time,
)
from flickr_async.sane import real_date_taken

JSON = Mapping[str, Any]


def _license_names() -> dict[str, str]:
    """Flickr's licences by the name the export writes (photos.licenses.getInfo's names, as
    embedded_meta.LICENSES holds them, and the same without " License"), lower-cased -> id."""
    names: dict[str, str] = {}
    for license_id, (name, _) in embedded_meta.LICENSES.items():
        key = " ".join(name.lower().split())
        names[key] = license_id
        names.setdefault(key.removesuffix(" license"), license_id)
        names.setdefault(key.split(" (")[0], license_id)  # "public domain dedication"
    return names


LICENSES = _license_names()
SAFETY = {"safe": 0, "moderate": 1, "restricted": 2}
UNPROCESSED_VIDEO = "video_encoding.jpg"  # the `original` of a video Flickr never encoded
# What the typed record holds in full: the rest of a photo_<id>.json goes to the export block.
_TYPED = ("id", "name", "description")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
_ORIGINAL = re.compile(
    r"/(?P<server>[0-9]+)/(?P<id>[0-9]+)_(?P<secret>[0-9A-Za-z]+)_o\.(?P<ext>\w+)$"
)


@dataclass(frozen=True, slots=True)
class ExportPhoto:
    photo: Photo
    comments: tuple[Comment, ...]
    export: dict[str, Any]  # the sidecar's "export" block
    original_url: str  # the export's `original` ("" when absent)
    unprocessed_video: bool  # `original` is video_encoding.jpg: the export has no file


@dataclass(frozen=True, slots=True)
class ExportAlbum:
    album: Album
    photo_ids: tuple[str, ...]  # in the export's order, "0" placeholders left out


def utc_seconds(value: Any) -> int:
    """A zone-less "YYYY-MM-DD HH:MM:SS" read as UTC (0 when it is none): only for fields
    that must be numbers; the string itself is kept verbatim beside them."""
    raw = text(value).strip()
    if not _DATE.fullmatch(raw):
        return 0
    try:
        return calendar.timegm(time.strptime(raw, "%Y-%m-%d %H:%M:%S"))
    except (ValueError, OverflowError):
        return 0


def license_id(name: str) -> str:
    """Flickr's licence id for the licence name the export writes ("" when unknown)."""
    return LICENSES.get(" ".join(name.lower().split()), "")


def original_parts(url: str) -> tuple[str, str, str] | None:
    """(server, original secret, extension) of an `original` URL
    `https://live.staticflickr.com/<server>/<id>_<osecret>_o.<ext>`, else None."""
    match = _ORIGINAL.search(urlsplit(url).path)
    if match is None:
        return None
    return match.group("server"), match.group("secret"), match.group("ext").lower()


def geo_from_export(value: Any) -> Geo | None:
    """`geo` as 2018 (an object), 2021-22 (a list of objects) or 2025 (an object, absent
    when not geotagged) exports write it; micro-degrees as strings of integers."""
    if isinstance(value, Sequence) and not isinstance(value, str):
        value = next((v for v in value if isinstance(v, Mapping)), None)
    if not isinstance(value, Mapping):
        return None
    lat, lon = to_opt_int(value.get("latitude")), to_opt_int(value.get("longitude"))
    if lat is None or lon is None or (lat == 0 and lon == 0):
        return None
    latitude, longitude = lat / 1_000_000, lon / 1_000_000
    if not (-90.0 <= latitude <= 90.0 and -180.0 <= longitude <= 180.0):
        return None
    accuracy = to_opt_int(value.get("accuracy")) or None
    return Geo(latitude=latitude, longitude=longitude, accuracy=accuracy)


def visibility(privacy: str) -> Visibility:
    """The export's privacy string. "friend & family" stands for friends-only, family-only
    and both alike (the export cannot tell which): both flags, and the export block keeps
    what Flickr wrote."""
    p = privacy.strip().lower()
    if p == "public":
        return Visibility(public=True, friends=False, family=False)
    friends = "friend" in p
    family = "family" in p
    return Visibility(public=False, friends=friends, family=family)


def _tags(value: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(tags, machine tags) as typed: the export's `tag` objects (`{"tag", "user",
    "date_create"}`), or plain strings."""
    plain: list[str] = []
    machine: list[str] = []
    for item in value if isinstance(value, list) else []:
        raw = text(item.get("tag")) if isinstance(item, Mapping) else text(item)
        raw = raw.strip()
        if raw:
            (machine if is_machine_tag(raw) else plain).append(raw)
    return tuple(dict.fromkeys(plain)), tuple(dict.fromkeys(machine))


def _comment(d: JSON) -> Comment:
    return Comment(
        id=text(d.get("id")),
        author=text(d.get("user")),
        author_name="",  # the export names a comment's author by NSID only
        date=utc_seconds(d.get("date")),
        text=text(d.get("comment")),
        permalink="",
    )


def _path_alias(photopage: str) -> str | None:
    parts = [p for p in urlsplit(photopage).path.split("/") if p]
    return parts[1] if len(parts) >= 2 and parts[0] == "photos" else None


def page_owner(d: JSON) -> str | None:
    """The alias or NSID a `photo_<id>.json`'s photo page names
    (`https://www.flickr.com/photos/<it>/<id>/`): whose photo it is."""
    return _path_alias(text(d.get("photopage")).strip())


def photo_from_export(
    d: JSON, *, media: str, owner: str = "", owner_name: str | None = None
) -> ExportPhoto:
    """A `photo_<id>.json` as the typed Photo, its comments and its export block. `media`
    comes from the media file's extension (the JSON does not say); `owner` from
    account_profile.json. Raises edge.InvalidRecord for an id or URL that is not Flickr's."""
    pid = edge.photo_id(text(d.get("id")))
    original = text(d.get("original")).strip()
    unprocessed = original.endswith(UNPROCESSED_VIDEO)
    parts = original_parts(original)
    server, osecret, url_ext = parts if parts else ("", "", "")
    # A refusal names the photo only: its original URL holds the secret that opens a
    # possibly private photo, and the reason reaches the summary, log and run record.
    if parts is not None and original_id(original) != pid:
        raise edge.InvalidRecord(
            f"photo {pid}", f"its original URL names photo {original_id(original)}"
        )
    if osecret and not edge.SECRET.fullmatch(osecret):
        raise edge.InvalidRecord(f"photo {pid}", "its original URL is not one Flickr serves")
    edge.check_photo_fields(
        pid, secret="", server=server, farm="", original_secret=osecret, media=media
    )
    tags, machine_tags = _tags(d.get("tags"))
    privacy = text(d.get("privacy"))
    date_taken = real_date_taken(text(d.get("date_taken")))
    photopage = text(d.get("photopage")).strip()
    comments = tuple(_comment(c) for c in items(d.get("comments")))
    license_text = text(d.get("license"))
    photo = Photo(
        id=pid,
        title=text(d.get("name")),
        description=text(d.get("description")),
        media="video" if media == "video" else "photo",
        owner=owner,
        secret="",  # the export gives the original's secret only
        server=server,
        original_secret=osecret or None,
        original_format=edge.original_format(url_ext) if media != "video" else None,
        url_o=original or None,
        width_o=None,
        height_o=None,
        best_url=None,
        best_label=None,
        date_taken=date_taken,
        date_taken_granularity=0,
        date_taken_unknown=date_taken is None,
        # Zone-less, its zone unknown: read as UTC. Written in another zone, a
        # {date_upload} name moves once, at the first backup (the API's seconds), to the
        # name a backup alone gives (tests/e2e/test_import_dates.py).
        date_posted=utc_seconds(d.get("date_imported")),
        date_updated=0,  # the export has no lastupdate: a later backup asks the API
        tags=tags,
        machine_tags=machine_tags,
        geo=geo_from_export(d.get("geo")),
        visibility=visibility(privacy),
        license=license_id(license_text),
        views=to_opt_int(d.get("count_views")),
        count_comments=to_opt_int(d.get("count_comments")),
        path_alias=_path_alias(photopage),
        rotation=to_opt_int(d.get("rotation")),
        safety_level=SAFETY.get(text(d.get("safety")).strip().lower()),
        owner_name=owner_name,
        faves=to_opt_int(d.get("count_faves")),
        page_url=photopage or None,
    )
    export = {"source": "flickr-export", **{k: v for k, v in d.items() if k not in _TYPED}}
    return ExportPhoto(photo, comments, export, original, unprocessed)


def original_id(url: str) -> str | None:
    match = _ORIGINAL.search(urlsplit(url).path)
    return match.group("id") if match else None


def original_secret(d: JSON) -> str | None:
    """The original's secret a photo_<id>.json names (to tell `<id>_<secret>_o` names)."""
    parts = original_parts(text(d.get("original")))
    return parts[1] if parts else None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


# --- albums.json ---------------------------------------------------------------------------


def albums_from_export(doc: JSON) -> tuple[list[ExportAlbum], list[str]]:
    """albums.json's albums in the export's order, and why any was refused."""
    found: list[ExportAlbum] = []
    refused: list[str] = []
    seen: set[str] = set()
    for d in items(doc.get("albums")):
        try:
            album_id = edge.album_id(text(d.get("id")))
        except edge.InvalidRecord as exc:
            refused.append(str(exc))
            continue
        if album_id in seen:
            continue
        seen.add(album_id)
        members = [text(p) for p in _list(d.get("photos")) if isinstance(p, str | int)]
        photo_ids = tuple(dict.fromkeys(p for p in members if edge.is_photo_id(p) and p != "0"))
        cover = text(d.get("cover_photo")).rstrip("/").rsplit("/", 1)[-1]
        album = Album(
            id=album_id,
            title=text(d.get("title")),
            description=text(d.get("description")),
            date_create=to_time(d.get("created")),
            date_update=to_time(d.get("last_updated")),
            count=to_int(d.get("photo_count"), len(photo_ids)),
            primary=cover if edge.is_photo_id(cover) and cover != "0" else "",
            count_photos=to_int(d.get("photo_count"), len(photo_ids)),
            count_views=to_int(d.get("view_count")),
        )
        found.append(ExportAlbum(album, photo_ids))
    return found, refused


# --- account files -------------------------------------------------------------------------


def _alias_of(url: str) -> str | None:
    parts = [p for p in urlsplit(url).path.split("/") if p]
    return parts[1] if len(parts) >= 2 and parts[0] in ("people", "photos") else None


def profile_from_export(d: JSON) -> OwnerProfile:
    """account_profile.json as the owner's profile (what people.getInfo would say)."""
    stats = d.get("stats") if isinstance(d.get("stats"), Mapping) else {}
    assert isinstance(stats, Mapping)
    views = stats.get("view_counts")
    profile_url = text(d.get("profile_url"))
    alias = text(d.get("path_alias")) or _alias_of(profile_url)
    location = ", ".join(x for x in (text(d.get("city")), text(d.get("country"))) if x)
    return OwnerProfile(
        nsid=text(d.get("nsid")),
        username=text(d.get("screen_name")),
        realname=text(d.get("real_name")),
        path_alias=alias or None,
        location=location or text(d.get("hometown")),
        description=text(d.get("description")),
        photos_url=f"https://www.flickr.com/photos/{alias or text(d.get('nsid'))}/",
        profile_url=profile_url,
        is_pro=text(d.get("pro_user")).strip().lower() in ("yes", "true", "1"),
        first_upload=to_time(d.get("join_date")) or utc_seconds(d.get("join_date")),
        first_taken="",
        photo_count=0,
        views=to_int(views.get("total")) if isinstance(views, Mapping) else 0,
    )


def fave_ids(doc: JSON) -> list[tuple[str, str]]:
    """faves_partNNN.json: (photo id, its URL when the export gives one) in its order."""
    found = []
    for d in items(doc.get("faves")):
        pid = text(d.get("photo_id") or d.get("id"))
        if edge.is_photo_id(pid):
            found.append((pid, text(d.get("photo_url") or d.get("url"))))
    return found


def faves_from_export(doc: JSON) -> list[Fave]:
    """faves_partNNN.json as favourites: only the photo's id (and maybe its URL) is known;
    the date faved is not (0)."""
    faves = []
    for pid, url in fave_ids(doc):
        photo = photo_from_listing({"id": pid})
        page = url or f"https://www.flickr.com/photo.gne?id={pid}"
        faves.append(Fave(photo=replace(photo, page_url=page), date_faved=0))
    return faves


def contacts_from_export(doc: JSON) -> list[Contact]:
    """contacts_partNNN.json: `{"contacts": {"<name>": "<profile url>"}}` (no NSIDs: the
    profile's alias stands in for one), or a list of objects."""
    value = doc.get("contacts")
    pairs: list[tuple[str, str]] = []
    if isinstance(value, Mapping):
        pairs = [(text(k), text(v)) for k, v in value.items()]
    else:
        pairs = [
            (text(c.get("name") or c.get("username")), text(c.get("url") or c.get("profile_url")))
            for c in items(value)
        ]
    contacts = []
    for name, url in pairs:
        alias = _alias_of(url)
        contacts.append(
            Contact(
                nsid=text(alias or name),
                username=name,
                realname="",
                path_alias=alias,
                friend=False,
                family=False,
            )
        )
    return contacts


def groups_from_export(doc: JSON) -> list[Group]:
    groups = []
    for d in items(doc.get("groups")):
        url = text(d.get("url"))
        parts = [p for p in urlsplit(url).path.split("/") if p]
        nsid = text(d.get("id") or d.get("nsid")) or (parts[1] if len(parts) >= 2 else "")
        groups.append(
            Group(
                nsid=nsid,
                name=text(d.get("name")),
                admin=text(d.get("admin")).lower() in ("1", "true", "yes"),
                eighteenplus=False,
                invitation_only=False,
                members=to_int(d.get("member_count") or d.get("members")),
                pool_count=to_int(d.get("pool_count")),
            )
        )
    return groups


def galleries_from_export(doc: JSON) -> list[tuple[Gallery, list[dict[str, Any]]]]:
    found = []
    for d in items(doc.get("galleries")):
        photos = [text(p) for p in _list(d.get("photos")) if isinstance(p, str | int)]
        gallery = Gallery(
            id=text(d.get("id")),
            url=text(d.get("url")),
            title=text(d.get("title")),
            description=text(d.get("description")),
            date_create=to_time(d.get("created") or d.get("date_create")),
            date_update=to_time(d.get("last_updated") or d.get("date_update")),
            count_photos=to_int(d.get("photo_count"), len(photos)),
            count_videos=0,
            count_views=to_int(d.get("view_count")),
            count_comments=to_int(d.get("comment_count")),
            primary_photo_id="",
        )
        docs = [
            {"id": p, "owner": "", "owner_name": "", "title": "", "comment": ""}
            for p in photos
            if edge.is_photo_id(p) and p != "0"
        ]
        found.append((gallery, docs))
    return found
