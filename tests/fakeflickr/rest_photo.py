"""REST methods about one photo or the account: getInfo, comments, EXIF, sizes, people, login."""

from __future__ import annotations

from collections.abc import Mapping

from tests.fakeflickr.context import ApiFail, Caller, JSONDict, ServerContext
from tests.fakeflickr.listing import unix_time, visible
from tests.fakeflickr.model import FakeOwner, FakePhoto, FakeUser, clean_tag, is_machine_tag
from tests.fakeflickr.sizes import (
    SizeSpec,
    available_sizes,
    has_original,
    original_url,
    people_dims,
    play_url,
    size_dims,
    size_url,
    stream_dims,
    video_streams,
)

Params = Mapping[str, str]


def _photo(ctx: ServerContext, caller: Caller, params: Params) -> FakePhoto:
    """The account's photo, or another member's it may see (a favourite, a gallery's)."""
    return visible(ctx.library.find_any(params.get("photo_id", "")), caller)


def owner_of(ctx: ServerContext, photo: FakePhoto) -> FakeOwner | FakeUser:
    return photo.owner or ctx.library.owner


def photo_page(ctx: ServerContext, photo: FakePhoto) -> str:
    owner = owner_of(ctx, photo)
    return f"{ctx.origin}/photos/{owner.path_alias or owner.nsid}/{photo.id}/"


def _location(photo: FakePhoto) -> JSONDict | None:
    geo = photo.geo
    if geo is None:
        return None
    out: JSONDict = {
        "latitude": geo.latitude,
        "longitude": geo.longitude,
        "accuracy": str(geo.accuracy),
        "context": str(geo.context),
    }
    if geo.place:
        place = geo.place
        # Each level carries its own ids, the ones places.getInfo knows it by; the
        # location's own are the most specific level's, as in the listing's geo extra.
        for level in place.levels:
            out[level.place_type] = {
                "_content": level.name,
                "place_id": level.place_id,
                "woeid": level.woeid,
            }
        out |= {"place_id": place.place_id, "woeid": place.woeid}
    return out


def photos_get_info(ctx: ServerContext, caller: Caller, params: Params) -> JSONDict:
    lib = ctx.library
    with lib.lock:
        photo = _photo(ctx, caller, params)
        owner = owner_of(ctx, photo)
        own = photo.owner is None
        info: JSONDict = {
            "id": photo.id,
            "secret": photo.secret,
            "server": photo.server,
            "farm": photo.farm,
            "dateuploaded": str(photo.dateupload),
            "isfavorite": int(caller.is_owner and lib.is_faved(photo.id)),
            "license": photo.license,
            "safety_level": photo.safety_level,
            "rotation": photo.rotation,
        }
        if has_original(photo, lib.pro):
            info |= {"originalsecret": photo.originalsecret, "originalformat": photo.originalformat}
        info["owner"] = {
            "nsid": owner.nsid,
            "username": owner.username,
            "realname": owner.realname,
            "location": owner.location,
            "iconserver": owner.iconserver,
            "iconfarm": owner.iconfarm,
            "path_alias": owner.path_alias,
        }
        info |= {
            "title": {"_content": photo.title},
            "description": {"_content": photo.description},
            "visibility": {
                "ispublic": int(photo.ispublic),
                "isfriend": int(photo.isfriend),
                "isfamily": int(photo.isfamily),
            },
            "dates": {
                "posted": str(photo.dateupload),
                "taken": photo.datetaken,
                "takengranularity": photo.takengranularity,
                "takenunknown": int(photo.takenunknown),
                "lastupdate": str(photo.lastupdate),
            },
            "views": photo.views,
        }
        if caller.is_owner and own:  # only the owner sees permissions
            info["permissions"] = {"permcomment": 3, "permaddmeta": 2}
        candownload = int(has_original(photo, lib.pro))
        info["usage"] = {"candownload": candownload, "canblog": 1, "canprint": 1, "canshare": 1}
        info["comments"] = {"_content": str(len(photo.comments))}
        info["notes"] = {
            "note": [
                {
                    "id": n.id,
                    "author": n.author,
                    "authorname": n.authorname,
                    "x": str(n.x),
                    "y": str(n.y),
                    "w": str(n.w),
                    "h": str(n.h),
                    "_content": n.text,
                }
                for n in photo.notes
            ]
        }
        info["people"] = {"haspeople": int(photo.haspeople)}  # then photos.people.getList
        info["tags"] = {
            "tag": [
                {
                    "id": f"{owner.nsid.split('@')[0]}-{photo.id}-{i}",
                    "author": owner.nsid,
                    "authorname": owner.username,
                    "raw": raw,
                    "_content": clean_tag(raw),
                    "machine_tag": int(is_machine_tag(raw)),
                }
                for i, raw in enumerate(photo.tags)
            ]
        }
        location = _location(photo)
        if location and ((caller.is_owner and own) or (photo.geo and photo.geo.is_public)):
            info["location"] = location
            public = int(photo.geo is not None and photo.geo.is_public)
            info["geoperms"] = {"ispublic": public, "iscontact": 0, "isfriend": 0, "isfamily": 0}
        info["urls"] = {"url": [{"type": "photopage", "_content": photo_page(ctx, photo)}]}
        info["media"] = photo.media
        if photo.video is not None:
            info["video"] = {
                "ready": 1,
                "failed": 0,
                "pending": 0,
                "duration": str(photo.video.duration),
                "width": str(photo.width),
                "height": str(photo.height),
            }
        return {"photo": info}


def photos_comments_get_list(ctx: ServerContext, caller: Caller, params: Params) -> JSONDict:
    with ctx.library.lock:
        photo = _photo(ctx, caller, params)
        low = unix_time(params.get("min_comment_date", "")) or 0
        high = unix_time(params.get("max_comment_date", ""))
        comments = [
            {
                "id": c.id,
                "author": c.author,
                "author_is_deleted": 0,
                "authorname": c.authorname,
                "iconserver": "0",
                "iconfarm": 0,
                "datecreate": str(c.datecreate),
                "permalink": f"{photo_page(ctx, photo)}#comment{c.id}",
                "path_alias": "",
                "realname": "",
                "_content": c.text,
            }
            for c in photo.comments
            if c.datecreate >= low and (high is None or c.datecreate <= high)
        ]
        body: JSONDict = {"photo_id": photo.id}
        if comments:  # the key is absent, not empty, when there are none
            body["comment"] = comments
        return {"comments": body}


def _exif_entry(
    space: str, tag: str, label: str, raw: object, clean: str | None = None
) -> JSONDict:
    entry: JSONDict = {"tagspace": space, "tagspaceid": 0, "tag": tag, "label": label}
    entry["raw"] = {"_content": raw}
    if clean is not None:
        entry["clean"] = {"_content": clean}
    return entry


def photos_get_exif(ctx: ServerContext, caller: Caller, params: Params) -> JSONDict:
    with ctx.library.lock:
        photo = _photo(ctx, caller, params)
        if photo.exif_hidden:
            raise ApiFail(2, "Permission denied")
        exif = photo.exif
        entries: list[JSONDict] = []
        camera = ""
        if exif is not None:
            camera = f"{exif.make} {exif.model}"
            fnum = exif.fnumber[0] / exif.fnumber[1]
            entries = [
                _exif_entry("IFD0", "Make", "Make", exif.make),
                _exif_entry("IFD0", "Model", "Model", exif.model),
                _exif_entry(
                    "ExifIFD",
                    "DateTimeOriginal",
                    "Date and Time (Original)",
                    exif.datetime_original,
                ),
                _exif_entry("ExifIFD", "FNumber", "Aperture", f"{fnum:.1f}", f"f/{fnum:.1f}"),
                _exif_entry(
                    "ExifIFD", "ExposureTime", "Exposure", f"{exif.exposure[0]}/{exif.exposure[1]}"
                ),
                _exif_entry("ExifIFD", "ISO", "ISO Speed", str(exif.iso)),
            ]
        base = {"id": photo.id, "secret": photo.secret, "server": photo.server, "farm": photo.farm}
        return {"photo": {**base, "camera": camera, "exif": entries}}


def _size_entry(ctx: ServerContext, photo: FakePhoto, spec: SizeSpec) -> JSONDict:
    w, h = size_dims(photo, spec)
    # Flickr mixes ints and strings in the same list; so do we.
    as_int = spec.extra in ("sq", "t")
    return {
        "label": spec.label,
        "width": w if as_int else str(w),
        "height": h if as_int else str(h),
        "source": size_url(ctx.origin, photo, spec),
        "url": f"{photo_page(ctx, photo)}sizes/{spec.extra}/",
        "media": "photo",
    }


def photos_get_sizes(ctx: ServerContext, caller: Caller, params: Params) -> JSONDict:
    lib = ctx.library
    with lib.lock:
        photo = _photo(ctx, caller, params)
        owner = owner_of(ctx, photo)
        alias = owner.path_alias or owner.nsid
        original = has_original(photo, lib.pro)
        sizes = [_size_entry(ctx, photo, s) for s in available_sizes(photo, lib.pro)]
        if original:  # for a video this "Original" is the poster JPEG: the trap
            sizes.append(
                {
                    "label": "Original",
                    "width": str(photo.width),
                    "height": str(photo.height),
                    "source": original_url(ctx.origin, photo),
                    "url": f"{photo_page(ctx, photo)}sizes/o/",
                    "media": "photo",
                }
            )
        if photo.video is not None:
            page = photo_page(ctx, photo)
            sizes.append(
                {
                    "label": "Video Player",
                    "width": "640",
                    "height": "360",
                    "source": f"{ctx.origin}/apps/video/stewart.swf?v=71377&photo_id={photo.id}"
                    f"&photo_secret={photo.secret}",
                    "url": page,
                    "media": "video",
                }
            )
            for stream in video_streams(photo):
                w, h = stream_dims(photo, stream)
                sizes.append(
                    {
                        "label": stream.label,
                        "width": None if stream.null_dims else str(w),
                        "height": None if stream.null_dims else str(h),
                        "source": play_url(ctx.origin, alias, photo, stream.play),
                        "url": page,
                        "media": "video",
                    }
                )
            # Only the owner of a Pro account sees the original video.
            if caller.is_owner and lib.pro and photo.video.has_original and not photo.owner:
                sizes.append(
                    {
                        "label": "Video Original",
                        "width": str(photo.width),
                        "height": str(photo.height),
                        "source": play_url(ctx.origin, alias, photo, "orig"),
                        "url": page,
                        "media": "video",
                    }
                )
        flags = {"canblog": 0, "canprint": 0, "candownload": int(original)}
        return {"sizes": {**flags, "size": sizes}}


def photos_people_get_list(ctx: ServerContext, caller: Caller, params: Params) -> JSONDict:
    """Who is tagged in a photo; boxes (strings) on the photo_width/photo_height scale, and
    no x/y/w/h at all for a person tagged without one."""
    with ctx.library.lock:
        photo = _photo(ctx, caller, params)
        width, height = people_dims(photo)
        persons: list[JSONDict] = []
        for person in photo.people:
            user = person.user
            item: JSONDict = {
                "nsid": user.nsid,
                "username": user.username,
                "iconserver": user.iconserver,
                "iconfarm": user.iconfarm,
                "realname": user.realname,
                "added_by_nsid": person.added_by,
                "path_alias": user.path_alias,
            }
            if person.box is not None:
                x, y, w, h = person.box
                item |= {"x": str(x), "y": str(y), "w": str(w), "h": str(h)}
            persons.append(item)
        body: JSONDict = {"total": len(persons), "photo_width": width, "photo_height": height}
        return {"people": {**body, "person": persons}}


def people_get_info(ctx: ServerContext, caller: Caller, params: Params) -> JSONDict:
    lib = ctx.library
    owner = lib.owner
    accepted = {owner.nsid, owner.path_alias} | ({"me"} if caller.is_owner else set())
    if params.get("user_id", "") not in accepted:
        raise ApiFail(1, "User not found")
    with lib.lock:
        photos = lib.photos
        first = min((p.dateupload for p in photos), default=0)
        first_taken = min((p.datetaken for p in photos), default="")
        count = len(photos)  # everything: private, restricted and videos included
        views = sum(p.views for p in photos)
    return {
        "person": {
            "id": owner.nsid,
            "nsid": owner.nsid,
            "ispro": int(lib.pro),
            "is_deleted": 0,
            "iconserver": owner.iconserver,
            "iconfarm": owner.iconfarm,
            "path_alias": owner.path_alias,
            "username": {"_content": owner.username},
            "realname": {"_content": owner.realname},
            "location": {"_content": owner.location},
            "timezone": {
                "label": owner.timezone_label,
                "offset": owner.timezone_offset,
                "timezone_id": owner.timezone_id,
            },
            "description": {"_content": owner.description},  # HTML, like a photo's
            "photosurl": {"_content": f"{ctx.origin}/photos/{owner.path_alias}/"},
            "profileurl": {"_content": f"{ctx.origin}/people/{owner.path_alias}/"},
            "mobileurl": {"_content": f"https://m.flickr.com/photostream.gne?id={owner.number}"},
            "photos": {
                "firstdatetaken": {"_content": first_taken},
                "firstdate": {"_content": str(first)},
                "count": {"_content": str(count)},
                "views": {"_content": str(views)},
            },
        }
    }


def flickr_test_login(ctx: ServerContext, caller: Caller, params: Params) -> JSONDict:
    owner = ctx.library.owner
    return {"user": {"id": owner.nsid, "username": {"_content": owner.username}}}


def auth_oauth_check_token(ctx: ServerContext, caller: Caller, params: Params) -> JSONDict:
    assert caller.token is not None
    owner = ctx.library.owner
    return {
        "oauth": {
            "token": {"_content": caller.token.token},
            "perms": {"_content": caller.token.perms},
            "user": {"nsid": owner.nsid, "username": owner.username, "fullname": owner.realname},
        }
    }
