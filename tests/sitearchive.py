"""A small archive written straight to disk (state rows, sidecars, account files) for the site's
tests: no server, every field under the test's control."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flickr_async import sidecar
from flickr_async.state import State

# The smallest JPEG header the site reads a size from (SOI, a baseline frame header, EOI).


def jpeg(width: int, height: int) -> bytes:
    sof = b"\xff\xc0\x00\x11\x08" + height.to_bytes(2, "big") + width.to_bytes(2, "big")
    return b"\xff\xd8" + sof + b"\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01" + b"\xff\xd9"


def sidecar_doc(photo_id: str, **fields: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schema": 1,
        "metadata_level": "deep",
        "id": photo_id,
        "title": f"Photo {photo_id}",
        "description": "",
        "tags": [],
        "machine_tags": [],
        "media": "photo",
        "original_format": "jpg",
        "date_taken": "2019-06-15 14:03:00",
        "date_taken_granularity": 0,
        "date_taken_unknown": False,
        "date_posted": 1560600000,
        "date_updated": 1560600000,
        "geo": None,
        "comments": [],
        "albums": [],
        "visibility": {"public": True, "friends": False, "family": False},
        "license": "4",
        "views": 12,
        "faves": 1,
        "url": f"https://www.flickr.com/photos/someone/{photo_id}/",
        "rotation": 0,
        "safety_level": 0,
        "notes": [],
        "has_people": False,
        "people": [],
        "permissions": None,
        "owner": {"nsid": "1@N01", "username": "someone"},
        "download": {
            "url": "",
            "bytes": 1,
            "sha256": "",
            "original": True,
            "size_label": "Original",
        },
        "deleted_on_flickr": None,
    }
    doc.update(fields)
    return doc


@dataclass
class Archive:
    out: Path
    albums: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        State.open(self.out).close()

    def add(
        self,
        photo_id: str,
        *,
        folder: str = "Unsorted",
        ext: str = "jpg",
        size: tuple[int, int] = (800, 600),
        status: str = "done",
        write_file: bool = True,
        **fields: Any,
    ) -> Path:
        """A photo's file, sidecar and state row; returns the sidecar's path."""
        rel = f"{folder}/{photo_id}.{ext}"
        path = self.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if write_file:
            path.write_bytes(jpeg(*size))
        doc = sidecar_doc(photo_id, **fields)
        side = Path(f"{path}.json")
        side.write_bytes(sidecar.dumps(doc))
        state = State.open(self.out)
        try:
            if status == "done":
                state.record_done(
                    photo_id=photo_id, last_update=0, original_key="", media=doc["media"],
                    path=rel, links=[], albums=[], size=1, sha256="", served_url=None,
                    served_bytes=None, served_sha256=None, original=True, size_label=None,
                    date_taken=doc["date_taken"],
                )  # fmt: skip
            else:
                state.record_failed(photo_id, "HTTP 500 from the file server")
        finally:
            state.close()
        return side

    def fail(self, photo_id: str, error: str = "HTTP 404") -> None:
        """An item whose download failed and that never had a file."""
        state = State.open(self.out)
        try:
            state.record_failed(photo_id, error)
        finally:
            state.close()

    def album(self, album_id: str, title: str, photo_ids: list[str], **fields: Any) -> None:
        entry = {
            "id": album_id, "title": title, "description": "", "date_create": 0,
            "date_update": 0, "primary": photo_ids[0] if photo_ids else None,
            "count_photos": len(photo_ids), "count_videos": 0, "count_views": 0,
            "count_comments": 0, "folder": title, "photo_ids": photo_ids, "comments": [],
            "deleted_on_flickr": None,
        }  # fmt: skip
        entry.update(fields)
        self.albums.append(entry)
        self.write_json("albums.json", {"schema": 1, "albums": self.albums})

    def thumbs(
        self, photo_id: str, *, q: bool = True, z: tuple[int, int] | None = (640, 480)
    ) -> None:
        folder = self.out / ".site" / "thumbs"
        folder.mkdir(parents=True, exist_ok=True)
        if q:
            (folder / f"{photo_id}_q.jpg").write_bytes(jpeg(150, 150))
        if z:
            (folder / f"{photo_id}_z.jpg").write_bytes(jpeg(*z))
        state = State.open(self.out)  # recorded as the backup records a fetched thumbnail
        try:
            for size in "q" * q + "z" * bool(z):
                url = f"https://live.staticflickr.com/{photo_id}_{size}.jpg"
                state.want_thumbnails([(photo_id, size, url)])
                state.record_thumbnail(photo_id, size, url, 1)
        finally:
            state.close()

    def write_json(self, name: str, doc: dict[str, Any]) -> None:
        (self.out / name).write_text(json.dumps(doc, ensure_ascii=False), "utf-8")

    def touch_sidecar(self, side: Path, **fields: Any) -> None:
        """Change a sidecar as a sync would: the file, then the state (as the deep pass
        does), which gives the photo a new change number."""
        self.edit_sidecar(side, **fields)
        state = State.open(self.out)
        try:
            state.record_deep(json.loads(side.read_text("utf-8"))["id"], re_embed=False)
        finally:
            state.close()

    def edit_sidecar(self, side: Path, **fields: Any) -> None:
        """Change a sidecar by hand, behind the state's back (its mtime moves even within one
        clock tick): only `site --full` notices."""
        doc = json.loads(side.read_text("utf-8"))
        doc.update(fields)
        side.write_bytes(sidecar.dumps(doc))
        stat = side.stat()
        os.utime(side, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
