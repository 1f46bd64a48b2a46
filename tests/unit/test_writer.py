"""Writer.run() fed through its results queue: where files, sidecars and state rows end up."""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from flickr_async.archive import Archive
from flickr_async.fsutil import Scratch
from flickr_async.jobs import (
    AlbumPlan,
    Downloaded,
    Failed,
    Job,
    ListingDone,
    Message,
    Reason,
    Stats,
    WorkerExit,
)
from flickr_async.models import Album, DownloadRecord, Photo, photo_from_listing
from flickr_async.settings import Settings
from flickr_async.state import State, StoredPhoto
from flickr_async.writer import Writer

PHOTO_ID = "52000000001"
# Not a JPEG: the file is placed byte for byte (EXIF embedding has its own tests).
CONTENT = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
HOLIDAYS = Album("72157700000000001", "Holidays", "", 1_600_000_000, 1_600_000_000, 1, PHOTO_ID)
SUNSETS = Album("72157700000000002", "Sunsets", "", 1_600_000_000, 1_600_000_000, 1, PHOTO_ID)
FOLDERS = {HOLIDAYS.id: "Holidays", SUNSETS.id: "Sunsets"}


def listed_photo(**fields: Any) -> Photo:
    """A photo as photos.search describes it (Flickr's JSON: numbers as strings)."""
    return photo_from_listing(
        {
            "id": PHOTO_ID,
            "owner": "99887766@N04",
            "secret": "0a1b2c3d4e",
            "server": "65535",
            "title": "Evening",
            "description": {"_content": "by the sea"},
            "ispublic": 1,
            "isfriend": 0,
            "isfamily": 0,
            "dateupload": "1690000000",
            "lastupdate": "1700000000",
            "datetaken": "2023-07-01 19:30:00",
            "datetakengranularity": 0,
            "datetakenunknown": "0",
            "originalsecret": "f0e1d2c3b4",
            "originalformat": "png",
            "o_width": "1600",
            "o_height": "1200",
            "media": "photo",
            "count_comments": "0",
            "url_o": f"https://live.staticflickr.com/65535/{PHOTO_ID}_f0e1d2c3b4_o.png",
            **fields,
        }
    )


@dataclass
class Rig:
    out: Path
    settings: Settings

    @property
    def parts(self) -> Path:
        return self.out / ".flickr-async" / "parts"

    async def write(self, *messages: Message, gone: tuple[str, ...] = ()) -> Stats:
        """One writer run: the album plan, these messages, then the end of the listing
        and the one worker's exit."""
        results: asyncio.Queue[Message] = asyncio.Queue()
        for message in (*messages, ListingDone(gone, (), True, 1), WorkerExit("download")):
            results.put_nowait(message)
        stats = Stats()
        state = State.open(self.out)
        try:
            await Writer(
                settings=self.settings,
                archive=Archive(self.out),
                state=state,
                results=results,
                stats=stats,
                workers=1,
                scratch=Scratch(self.out / ".flickr-async" / "tmp"),
                parts_dir=self.parts,
            ).run()
        finally:
            state.close()
        return stats

    def downloaded(self, photo: Photo) -> Downloaded:
        """A finished .part, as a download worker hands it over."""
        self.parts.mkdir(parents=True, exist_ok=True)
        part = self.parts / f"{photo.id}-test.part"
        part.write_bytes(CONTENT)
        record = DownloadRecord(
            url=photo.url_o or "",
            bytes=len(CONTENT),
            sha256=hashlib.sha256(CONTENT).hexdigest(),
            original=True,
            size_label="Original",
            ext="png",
        )
        return Downloaded(photo.id, record, part)

    def row(self, photo_id: str = PHOTO_ID) -> StoredPhoto | None:
        state = State.open(self.out)
        try:
            return state.photo(photo_id)
        finally:
            state.close()


@pytest.fixture
def rig(tmp_path: Path) -> Rig:
    out = tmp_path / "out"
    return Rig(out, Settings(out=out))


def plan(*albums: Album, members: tuple[str, ...] = (PHOTO_ID,)) -> AlbumPlan:
    return AlbumPlan(
        albums=albums,
        folders={a.id: FOLDERS[a.id] for a in albums},
        photo_ids={a.id: members for a in albums},
    )


def new_job(photo: Photo) -> Job:
    return Job(photo=photo, download=True, metadata=False, stored=None, reason=Reason.NEW)


def sidecar(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.with_name(path.name + ".json").read_text("utf-8"))
    return data


async def archive_in_both_albums(rig: Rig) -> Photo:
    photo = listed_photo()
    await rig.write(plan(HOLIDAYS, SUNSETS), new_job(photo), rig.downloaded(photo))
    return photo


# --- placing ----------------------------------------------------------------------------


async def test_a_photo_in_two_albums_lives_in_its_first_album_and_is_linked_into_the_other(
    rig: Rig,
) -> None:
    photo = listed_photo()
    # The user's album order decides, not the folder names' order.
    await rig.write(plan(SUNSETS, HOLIDAYS), new_job(photo), rig.downloaded(photo))
    primary, copy = (
        rig.out / "Sunsets" / f"{PHOTO_ID}.png",
        rig.out / "Holidays" / f"{PHOTO_ID}.png",
    )
    assert primary.read_bytes() == CONTENT
    assert copy.samefile(primary)
    assert copy.with_name(copy.name + ".json").samefile(primary.with_name(primary.name + ".json"))
    row = rig.row()
    assert row is not None and row.path == f"Sunsets/{PHOTO_ID}.png"
    assert row.links == (f"Holidays/{PHOTO_ID}.png",)


async def test_a_photo_in_no_album_goes_to_unsorted(rig: Rig) -> None:
    photo = listed_photo()
    await rig.write(plan(HOLIDAYS, members=()), new_job(photo), rig.downloaded(photo))
    assert (rig.out / "Unsorted" / f"{PHOTO_ID}.png").read_bytes() == CONTENT
    assert not (rig.out / "Holidays").exists()


async def test_the_sidecar_and_state_describe_the_placed_photo(rig: Rig) -> None:
    await archive_in_both_albums(rig)
    doc = sidecar(rig.out / "Holidays" / f"{PHOTO_ID}.png")
    assert doc["id"] == PHOTO_ID and doc["title"] == "Evening"
    assert [a["id"] for a in doc["albums"]] == [HOLIDAYS.id, SUNSETS.id]
    assert doc["download"]["original"] is True
    assert doc["download"]["sha256"] == hashlib.sha256(CONTENT).hexdigest()
    assert doc["deleted_on_flickr"] is None
    row = rig.row()
    assert row is not None and row.is_done
    assert row.sha256 == hashlib.sha256(CONTENT).hexdigest() and row.bytes == len(CONTENT)


async def test_a_placed_photos_part_file_is_gone(rig: Rig) -> None:
    await archive_in_both_albums(rig)
    assert list(rig.parts.glob("*.part")) == []


async def test_nothing_is_placed_before_the_album_plan_arrives(rig: Rig) -> None:
    # Results may come before the plan; the photo waits for it rather than land in Unsorted.
    photo = listed_photo()
    await rig.write(new_job(photo), rig.downloaded(photo), plan(HOLIDAYS))
    assert (rig.out / "Holidays" / f"{PHOTO_ID}.png").exists()
    assert not (rig.out / "Unsorted").exists()


async def test_a_failed_download_is_recorded_and_nothing_is_placed(rig: Rig) -> None:
    photo = listed_photo()
    stats = await rig.write(
        plan(HOLIDAYS), new_job(photo), Failed(PHOTO_ID, "download", "HTTP 404")
    )
    assert stats.failed == 1 and PHOTO_ID in stats.failures
    assert not (rig.out / "Holidays").exists()
    row = rig.row()
    assert row is not None and not row.is_done and row.path is None


async def test_leaving_an_album_removes_the_photos_copy_there(rig: Rig) -> None:
    photo = await archive_in_both_albums(rig)
    stored = rig.row()
    job = Job(photo=photo, download=False, metadata=False, stored=stored, reason=Reason.ALBUMS)
    await rig.write(plan(HOLIDAYS), job)
    assert (rig.out / "Holidays" / f"{PHOTO_ID}.png").exists()
    assert not (rig.out / "Sunsets" / f"{PHOTO_ID}.png").exists()
    assert [a["id"] for a in sidecar(rig.out / "Holidays" / f"{PHOTO_ID}.png")["albums"]] == [
        HOLIDAYS.id
    ]


# --- deleted on Flickr ------------------------------------------------------------------


async def test_a_photo_gone_from_flickr_keeps_its_files_and_every_copys_sidecar_says_so(
    rig: Rig,
) -> None:
    await archive_in_both_albums(rig)
    await rig.write(plan(HOLIDAYS, SUNSETS, members=()), gone=(PHOTO_ID,))
    for folder in ("Holidays", "Sunsets"):
        path = rig.out / folder / f"{PHOTO_ID}.png"
        assert path.read_bytes() == CONTENT
        assert sidecar(path)["deleted_on_flickr"] is not None, folder
    row = rig.row()
    assert row is not None and row.deleted_on_flickr is not None


async def test_a_photo_listed_again_after_being_marked_deleted_loses_the_flag(
    rig: Rig,
) -> None:
    photo = await archive_in_both_albums(rig)
    await rig.write(plan(HOLIDAYS, SUNSETS, members=()), gone=(PHOTO_ID,))
    stored = rig.row()
    assert stored is not None and stored.deleted_on_flickr is not None
    # Back in the listing, its metadata unchanged: an album-only job clears the flag.
    job = Job(photo=photo, download=False, metadata=False, stored=stored, reason=Reason.ALBUMS)
    await rig.write(plan(HOLIDAYS, SUNSETS), job)
    for folder in ("Holidays", "Sunsets"):
        assert sidecar(rig.out / folder / f"{PHOTO_ID}.png")["deleted_on_flickr"] is None
    row = rig.row()
    assert row is not None and row.deleted_on_flickr is None
