"""Small Flickr data exports for tests: JSON in the real shapes (flickr-export-format.md),
written tab-indented as Flickr writes it, into zips named as Flickr names them."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from PIL import Image

NSID = "12345678@N01"
ALIAS = "tester"


def jpeg(seed: int, size: tuple[int, int] = (48, 32)) -> bytes:
    """A small, real JPEG whose bytes differ by seed."""
    image = Image.new("RGB", size, ((seed * 37) % 256, (seed * 91) % 256, (seed * 53) % 256))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def dumps(doc: Any) -> bytes:
    """JSON as Flickr's export writes it: tab-indented."""
    return json.dumps(doc, indent="\t", ensure_ascii=False).encode("utf-8")


def photo_json(
    photo_id: str,
    *,
    name: str = "A photo",
    secret: str = "c48a5e6ae6",
    ext: str = "jpg",
    privacy: str = "public",
    geo: Any = None,
    tags: Sequence[str] = (),
    comments: Sequence[Mapping[str, str]] = (),
    albums: Sequence[tuple[str, str]] = (),
    date_taken: str = "2016-07-11 18:03:37",
    original: str | None = None,
    license: str = "All Rights Reserved",
) -> dict[str, Any]:
    """A photo_<id>.json with the genuine sample's keys, in its order."""
    doc: dict[str, Any] = {
        "id": photo_id,
        "name": name,
        "description": "#livingDanang\nSunset + jogging + music. ",
        "count_views": "60",
        "count_faves": "2",
        "count_comments": str(len(comments)),
        "date_taken": date_taken,
        "count_tags": str(len(tags)),
        "count_notes": "0",
        "rotation": 0,
        "date_imported": "2016-08-06 18:01:04",
        "photopage": f"https://www.flickr.com/photos/{ALIAS}/{photo_id}/",
        "original": original or f"https://live.staticflickr.com/8583/{photo_id}_{secret}_o.{ext}",
        "license": license,
        "exif": {"Make": "Apple", "FNumber": "f/2.0", "DateTimeOriginal": "2016:07:11 18:03:37"},
        "groups": [],
        "albums": [
            {"id": a, "title": t, "url": f"https://www.flickr.com/photos/{ALIAS}/sets/{a}/"}
            for a, t in albums
        ],
        "tags": [{"tag": t, "user": NSID, "date_create": "2016-08-06 18:01:04"} for t in tags],
        "people": [],
        "notes": [],
        "privacy": privacy,
        "comment_permissions": "any flickr member",
        "tagging_permissions": "people you follow",
        "safety": "safe",
        "comments": list(comments),
    }
    if geo is not None:
        doc["geo"] = geo
    return doc


def albums_json(albums: Sequence[tuple[str, str, Sequence[str]]]) -> dict[str, Any]:
    """albums.json: (id, title, photo ids) each; ids may hold "0" placeholders."""
    return {
        "albums": [
            {
                "photo_count": str(len([p for p in photos if p != "0"])),
                "id": album_id,
                "url": f"https://www.flickr.com/photos/{ALIAS}/albums/{album_id}",
                "title": title,
                "description": f"About {title}",
                "view_count": "2",
                "created": "1472734209",
                "last_updated": "1473575730",
                "cover_photo": f"https://www.flickr.com/photos/{ALIAS}/{(photos or ['0'])[-1]}",
                "photos": list(photos),
            }
            for album_id, title, photos in albums
        ]
    }


def profile_json() -> dict[str, Any]:
    return {
        "nsid": NSID,
        "screen_name": "Tester",
        "real_name": "Test Person",
        "join_date": "2010-01-02 03:04:05",
        "profile_url": f"https://www.flickr.com/people/{ALIAS}/",
        "pro_user": "no",
        "description": "",
        "city": "",
        "hometown": "",
    }


def write_zip(path: Path, members: Mapping[str, bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def corrupt_member(path: Path, name: str) -> None:
    """Flip a byte inside `name`'s data in the zip at `path`: its CRC check fails on read."""
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(name)
    data = bytearray(path.read_bytes())
    header = info.header_offset
    name_len = int.from_bytes(data[header + 26 : header + 28], "little")
    extra_len = int.from_bytes(data[header + 28 : header + 30], "little")
    start = header + 30 + name_len + extra_len
    middle = start + info.compress_size // 2
    data[middle] ^= 0xFF
    path.write_bytes(bytes(data))
