"""The export's JSON documents, built from the fake account in the shapes of
/work/shared/flickr-export-format.md (key order as the genuine sample, counts as strings,
dates as Flickr printed them)."""

from __future__ import annotations

import time
from typing import Any, Literal

from flickr_async.embedded_meta import LICENSES
from tests.fakeflickr.library import Library
from tests.fakeflickr.model import FakeAlbum, FakeComment, FakeGroup, FakePhoto

GeoShape = Literal["object", "list", "absent", "empty"]
ExifShape = Literal["object", "empty", "absent"]
STATIC = "https://live.staticflickr.com"
WWW = "https://www.flickr.com"
UNPROCESSED_VIDEO = f"{STATIC}/images/video_encoding.jpg"
SAFETY = {0: "safe", 1: "moderate", 2: "restricted"}


def stamp(epoch: int) -> str:
    """`YYYY-MM-DD HH:MM:SS`, no zone (the export's way)."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(epoch))


def privacy(photo: FakePhoto) -> str:
    """Friends-only, family-only and both are all "friend & family" in the export."""
    if photo.ispublic:
        return "public"
    if photo.isfriend or photo.isfamily:
        return "friend & family"
    return "private"


def license_name(photo: FakePhoto) -> str:
    return LICENSES.get(str(photo.license), (str(photo.license), ""))[0]


def original_ext(photo: FakePhoto) -> str:
    """The upload's format: a video's container, a photo's original format."""
    return photo.video.container if photo.video is not None else photo.originalformat


def original_url(photo: FakePhoto, *, unprocessed: bool = False) -> str:
    if unprocessed:
        return UNPROCESSED_VIDEO
    return f"{STATIC}/{photo.server}/{photo.id}_{photo.originalsecret}_o.{original_ext(photo)}"


def exif_object(photo: FakePhoto) -> dict[str, str]:
    """Flickr's parsed EXIF: ExifTool names to display strings."""
    assert photo.exif is not None
    exif = photo.exif
    num, den = exif.fnumber
    e_num, e_den = exif.exposure
    return {
        "Make": exif.make,
        "Model": exif.model,
        "ExposureTime": f"{e_num / e_den:.3f} sec ({e_num}/{e_den})",
        "FNumber": f"f/{num / den:.1f}",
        "ISO": str(exif.iso),
        "DateTimeOriginal": exif.datetime_original,
        "CreateDate": exif.datetime_original,
        "ColorSpace": "sRGB",
    }


def geo_value(photo: FakePhoto, shape: GeoShape) -> Any:
    """Micro-degrees as strings; an object (2018, 2025), a list of objects (2021-2022)."""
    assert photo.geo is not None
    point = {
        "latitude": str(round(photo.geo.latitude * 1_000_000)),
        "longitude": str(round(photo.geo.longitude * 1_000_000)),
        "accuracy": str(photo.geo.accuracy),
    }
    return [point] if shape == "list" else point


def comment(item: FakeComment) -> dict[str, str]:
    return {
        "id": item.id,
        "date": stamp(item.datecreate),
        "user": item.author,
        "comment": item.text,
    }


def photo_record(
    library: Library,
    photo: FakePhoto,
    *,
    albums: list[FakeAlbum],
    groups: list[FakeGroup],
    geo: GeoShape,
    exif: ExifShape,
    unprocessed: bool = False,
) -> dict[str, Any]:
    """One `photo_<id>.json`, keys in the genuine sample's order; `albums` hold it and it is
    in the pools of `groups` (the fake knows no pools: the export alone says so)."""
    alias = library.owner.path_alias
    owner = library.owner.nsid
    record: dict[str, Any] = {
        "id": photo.id,
        "name": photo.title,
        "description": photo.description,
        "count_views": str(photo.views),
        "count_faves": str(photo.faves),
        "count_comments": str(len(photo.comments)),
        "date_taken": photo.datetaken,
        "count_tags": str(len(photo.tags)),
        "count_notes": str(len(photo.notes)),
        "rotation": photo.rotation,
        "date_imported": stamp(photo.dateupload),
        "photopage": f"{WWW}/photos/{alias}/{photo.id}/",
        "original": original_url(photo, unprocessed=unprocessed),
        "license": license_name(photo),
    }
    if exif == "object" and photo.exif is not None:
        record["exif"] = exif_object(photo)
    elif exif == "empty":
        record["exif"] = []
    record["groups"] = [
        {"id": g.nsid, "name": g.name, "url": f"{WWW}/groups/{g.nsid}/"} for g in groups
    ]
    record["albums"] = [
        {"id": a.id, "title": a.title, "url": f"{WWW}/photos/{alias}/sets/{a.id}/"} for a in albums
    ]
    record["tags"] = [
        {"tag": raw, "user": owner, "date_create": stamp(photo.dateupload)} for raw in photo.tags
    ]
    record["people"] = []
    record["notes"] = []
    record["privacy"] = privacy(photo)
    record["comment_permissions"] = "any flickr member"
    record["tagging_permissions"] = "people you follow"
    record["safety"] = SAFETY.get(photo.safety_level, "safe")
    record["comments"] = [comment(c) for c in photo.comments]
    if photo.geo is not None and geo in ("object", "list"):
        record["geo"] = geo_value(photo, geo)
    elif geo == "empty":
        record["geo"] = []
    return record


def album_record(library: Library, album: FakeAlbum, placeholders: int) -> dict[str, Any]:
    """One entry of albums.json: epoch-second strings, `"0"` placeholders first (not counted)."""
    alias = library.owner.path_alias
    return {
        "photo_count": str(len(album.photo_ids)),
        "id": album.id,
        "url": f"{WWW}/photos/{alias}/albums/{album.id}",
        "title": album.title,
        "description": album.description,
        "view_count": str(album.count_views),
        "created": str(album.date_create),
        "last_updated": str(album.date_update),
        "cover_photo": f"{WWW}/photos/{alias}/{album.primary}",
        "photos": ["0"] * placeholders + list(album.photo_ids),
    }


def placeholder_only_album(library: Library, album_id: str, created: int) -> dict[str, Any]:
    """An album the export lists as `["0"]` with cover `.../0` (seen in the genuine sample)."""
    alias = library.owner.path_alias
    return {
        "photo_count": "0",
        "id": album_id,
        "url": f"{WWW}/photos/{alias}/albums/{album_id}",
        "title": "Emptied album",
        "description": "",
        "view_count": "0",
        "created": str(created),
        "last_updated": str(created),
        "cover_photo": f"{WWW}/photos/{alias}/0",
        "photos": ["0"],
    }


def account_profile(library: Library) -> dict[str, Any]:
    owner = library.owner
    photos = library.photos
    return {
        "real_name": owner.realname,
        "screen_name": owner.username,
        "nsid": owner.nsid,
        "path_alias": owner.path_alias,
        "join_date": stamp(min((p.dateupload for p in photos), default=0) - 86_400),
        "profile_url": f"{WWW}/people/{owner.path_alias}/",
        "pro_user": "yes" if library.pro else "no",
        "email": f"{owner.username}@example.com",
        "city": owner.location.split(",")[0],
        "hometown": "",
        "description": owner.description,
        "stats": {
            "faves_count": str(len(library.favorites)),
            "comments_count": {"photos": str(sum(len(p.comments) for p in photos))},
            "view_counts": {"total": sum(p.views for p in photos)},
            "tags_count": str(sum(len(p.tags) for p in photos)),
        },
    }


def faves(library: Library) -> dict[str, Any]:
    items = []
    for fave in library.favorites:
        photo = library.find_any(fave.photo_id)
        who = photo.owner if photo is not None and photo.owner is not None else None
        path = (who.path_alias or who.nsid) if who is not None else "unknown"
        items.append(
            {
                "photo_id": fave.photo_id,
                "photo_url": f"{WWW}/photos/{path}/{fave.photo_id}/",
                "date_faved": str(fave.date_faved),
            }
        )
    return {"faves": items}


def contacts(library: Library) -> dict[str, Any]:
    """A display-name -> profile URL map (no NSIDs)."""
    return {
        "contacts": {
            (
                c.user.realname or c.user.username
            ): f"{WWW}/people/{c.user.path_alias or c.user.nsid}/"
            for c in library.contacts
        }
    }


def followers(library: Library) -> dict[str, Any]:
    return {
        "followers": {
            c.user.username: f"{WWW}/people/{c.user.path_alias or c.user.nsid}/"
            for c in library.contacts
            if c.friend or c.family
        }
    }


def galleries(library: Library) -> dict[str, Any]:
    alias = library.owner.path_alias
    return {
        "galleries": [
            {
                "id": g.id,
                "url": f"{WWW}/photos/{alias}/galleries/{g.number}/",
                "title": g.title,
                "description": g.description,
                "photo_count": str(len(g.photo_ids)),
                "view_count": str(g.count_views),
                "created": str(g.date_create),
                "photos": list(g.photo_ids),
            }
            for g in library.galleries
        ]
    }


def groups(library: Library) -> dict[str, Any]:
    return {
        "groups": [
            {
                "id": g.nsid,
                "name": g.name,
                "url": f"{WWW}/groups/{g.nsid}/",
                "role": "admin" if g.admin else "member",
            }
            for g in library.groups
        ]
    }


def export_only(library: Library) -> dict[str, dict[str, Any]]:
    """What only the export has: mail, testimonials, discussions, comments left elsewhere."""
    owner = library.owner
    when = stamp(max((p.dateupload for p in library.photos), default=0))
    other = library.contacts[0].user if library.contacts else owner.as_user()
    album_comments = [
        {
            "photoset_id": album.id,
            "comment_id": c.id,
            "user": c.author,
            "comment": c.text,
            "created": stamp(c.datecreate),
        }
        for album in library.albums
        for c in album.comments
    ]
    return {
        "sent_flickrmail_part001.json": {
            "flickrmail": [
                {
                    "id": "1001",
                    "to": other.nsid,
                    "subject": "Your photo of Zürich",
                    "body": "Could I use it? — <b>thanks</b>",
                    "date_sent": when,
                }
            ]
        },
        "received_flickrmail_part001.json": {
            "flickrmail": [
                {
                    "id": "2002",
                    "from": other.nsid,
                    "subject": "Re: Your photo of Zürich",
                    "body": "Sure ✨",
                    "date_sent": when,
                }
            ]
        },
        "account_testimonials.json": {
            "testimonials": {
                "given": [],
                "received": [{"from": other.nsid, "body": "A fine photographer.", "date": when}],
            }
        },
        "group_discussions.json": {
            "discussions": [
                {
                    "subject": "Best light in winter?",
                    "message": "Around 4 pm, I'd say.",
                    "url": f"{WWW}/groups/34427469792@N01/discuss/72157600000000001/",
                    "created": when,
                }
            ]
        },
        "photos_comments_part001.json": {
            "comments": [
                {
                    "photo_id": "53900000001",
                    "comment": "Lovely colours!",
                    "created": when,
                    "comment_url": f"{WWW}/photos/annaberg/53900000001/#comment72157000000001",
                }
            ]
        },
        "sets_comments_part001.json": {"comments": album_comments},
        "galleries_comments_part001.json": {"comments": []},
        "apps_comments_part001.json": {"comments": []},
    }
