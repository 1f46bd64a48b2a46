"""An archive as `flickr-async import` leaves it, for the tests of `backup` adopting one.

Written by the real Writer from the messages the importer sends it (IMPORT_DESIGN.md):
the album plan, then per photo `Job(reason="import", download=True, metadata=True)`, a
`Downloaded` whose record is the export's original URL (`original=True`), and a
`Described(level="export", export={...})` whose Photo has what a `photo_<id>.json` gives:
no dimensions (its original key is "<originalsecret>:x"), no lastupdate (0), raw tags,
geo without place names. The files are the exact originals the fake serves, as an export
holds them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import Any

from flickr_async import layout
from flickr_async.api import LISTING_EXTRAS
from flickr_async.archive import Archive
from flickr_async.archive_owner import Owner, claim
from flickr_async.fsutil import Scratch
from flickr_async.jobs import (
    AlbumPlan,
    Described,
    Downloaded,
    Job,
    ListingDone,
    Message,
    Reason,
    Stats,
    WorkerExit,
)
from flickr_async.models import Album, Comment, DownloadRecord, Photo, photo_from_listing
from flickr_async.settings import Settings
from flickr_async.state import State
from flickr_async.writer import Writer
from tests.fakeflickr import FakeFlickr, FakePhoto
from tests.fakeflickr.context import Caller
from tests.fakeflickr.credentials import TokenRecord
from tests.fakeflickr.listing import render_photo
from tests.fakeflickr.model import FakeOwner, clean_tag

EXPORT_HOST = "https://live.staticflickr.com"
OWNER = Caller(TokenRecord("export", "export", "access", "export"))


def export_url(photo: FakePhoto) -> str:
    """The `original` of the photo's photo_<id>.json (live.staticflickr.com, the upload's
    format; for a video the same form)."""
    return f"{EXPORT_HOST}/{photo.server}/{photo.id}_{photo.originalsecret}_o.{_ext(photo)}"


def _ext(photo: FakePhoto) -> str:
    if photo.video is not None:
        return photo.video.container
    return photo.originalformat


def export_photo(fake: FakeFlickr, photo_id: str) -> Photo:
    """The Photo an export's photo_<id>.json gives for this photo of the fake account."""
    fake_photo = fake.library.photo(photo_id)
    extras = frozenset(e.lower() for e in (*LISTING_EXTRAS, "owner_name"))
    listed = photo_from_listing(render_photo(fake.ctx, fake_photo, extras, OWNER))
    raw = {clean_tag(t): t for t in fake_photo.tags}
    geo = listed.geo
    return dataclasses.replace(
        listed,
        tags=tuple(raw.get(t, t) for t in listed.tags),
        machine_tags=tuple(raw.get(t, t) for t in listed.machine_tags),
        original_secret=fake_photo.originalsecret,
        original_format=_ext(fake_photo),
        url_o=None,
        width_o=None,
        height_o=None,
        best_url=None,
        best_label=None,
        date_updated=0,
        geo=None if geo is None else dataclasses.replace(geo, places={}, place_id=None),
        square_url=None,
        preview_url=None,
    )


def export_block(photo: FakePhoto) -> dict[str, Any]:
    """The `export` block: a few of the fields only the export has."""
    privacy = "public" if photo.ispublic else "private"
    return {
        "original": export_url(photo),
        "privacy": privacy,
        "count_views": str(photo.views),
        "date_imported": "2026-01-01 00:00:00",
    }


def kept_export_block(photo: FakePhoto) -> dict[str, Any]:
    """The `export` block as a sidecar keeps it: a photo that is not public loses the
    original's URL (it names the original's secret, a link to the private file)."""
    block = export_block(photo)
    return block if photo.ispublic else {**block, "original": None}


def _albums(fake: FakeFlickr, skipped: Collection[str]) -> AlbumPlan:
    """The albums of albums.json (their members as the export lists them): every one to be
    listed again by the next backup (`unlisted`)."""
    albums: list[Album] = []
    members: dict[str, tuple[str, ...]] = {}
    for fake_album in fake.library.albums:
        ids = tuple(p for p in fake_album.photo_ids if p not in skipped)
        albums.append(
            Album(
                id=fake_album.id,
                title=fake_album.title,
                description=fake_album.description,
                date_create=fake_album.date_create,
                date_update=fake_album.date_update,
                count=len(fake_album.photo_ids),
                primary=fake_album.primary,
            )
        )
        members[fake_album.id] = ids
    return AlbumPlan(
        albums=tuple(albums),
        folders=layout.assign_album_folders(albums, {}),
        photo_ids=members,
        unlisted=frozenset(members),
    )


def import_archive(
    fake: FakeFlickr,
    out: Path,
    *,
    skip: Iterable[str] = (),
    changes: Mapping[str, Mapping[str, Any]] | None = None,
    **options: Any,
) -> dict[str, Photo]:
    """Write an imported archive of the fake's account into `out` (the photos in `skip`
    left out, as an export that lacks them; `changes` alters a photo's exported metadata,
    e.g. {id: {"title": "older title"}}). Returns the Photos imported, by id."""
    skipped = set(skip)
    settings = Settings(out=out, **options)
    plan = _albums(fake, skipped)
    messages: list[Message] = [plan]
    parts = out / layout.STATE_DIR / "parts"
    parts.mkdir(parents=True, exist_ok=True)
    imported: dict[str, Photo] = {}
    for fake_photo in fake.library.photos:
        if fake_photo.id in skipped:
            continue
        photo = export_photo(fake, fake_photo.id)
        photo = dataclasses.replace(photo, **dict((changes or {}).get(photo.id, {})))
        imported[photo.id] = photo
        data = fake.original_bytes(photo.id)
        part = parts / f"{photo.id}-import.part"
        part.write_bytes(data)
        record = DownloadRecord(
            url=export_url(fake_photo),
            bytes=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            original=True,
            size_label="Video Original" if fake_photo.is_video else "Original",
            ext=_ext(fake_photo),
        )
        comments = tuple(
            Comment(c.id, c.author, c.authorname, c.datecreate, c.text, "")
            for c in fake_photo.comments
        )
        messages += [
            Job(photo, True, True, None, Reason.IMPORT),
            Downloaded(photo.id, record, part),
            Described(photo.id, photo, comments, level="export", export=export_block(fake_photo)),
        ]
    messages += [ListingDone((), (), False, None), WorkerExit("import")]
    asyncio.run(_write(settings, out, messages, fake.library.owner))
    return imported


async def _write(settings: Settings, out: Path, messages: list[Message], owner: FakeOwner) -> None:
    results: asyncio.Queue[Message] = asyncio.Queue()
    for message in messages:
        results.put_nowait(message)
    state = State.open(out)
    try:
        claim(state, out, Owner(owner.nsid, owner.username))
        await Writer(
            settings=settings,
            archive=Archive(out),
            state=state,
            results=results,
            stats=Stats(),
            workers=1,
            scratch=Scratch(out / layout.STATE_DIR / "tmp", out=out),
            parts_dir=out / layout.STATE_DIR / "parts",
        ).run()
    finally:
        state.close()
