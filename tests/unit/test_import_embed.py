"""A JPEG whose metadata its source embedded while copying it (an import: one pass out of the
zip) is placed as built; the writer embeds again only when that was other metadata."""

from __future__ import annotations

import hashlib
import io
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image

from flickr_async import embed, writer
from flickr_async.embedded_meta import from_photo
from flickr_async.jobs import Downloaded, Embedded
from flickr_async.models import DownloadRecord, Photo
from flickr_async.settings import Settings
from tests.unit.test_writer import PHOTO_ID, Rig, listed_photo, new_job, plan


@pytest.fixture
def rig(tmp_path: Path) -> Rig:
    out = tmp_path / "out"
    return Rig(out, Settings(out=out))


def jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (32, 32), "blue").save(buf, "JPEG")
    return buf.getvalue()


def embedded_part(rig: Rig, photo: Photo, original: bytes, embed_for: Photo) -> Downloaded:
    """What the importer hands over: the part with `embed_for`'s metadata in it already."""
    rig.parts.mkdir(parents=True, exist_ok=True)
    part = rig.parts / f"{photo.id}-export.part"
    meta = from_photo(embed_for)
    with part.open("wb") as out:
        size, digest, replaced = embed.embed_stream(
            io.BytesIO(original), out, meta, photo_id=photo.id
        )
    record = DownloadRecord(
        url=photo.url_o or "",
        bytes=len(original),
        sha256=hashlib.sha256(original).hexdigest(),
        original=True,
        size_label="Original",
        ext="jpg",
    )
    built = Embedded(size, digest, replaced, meta, with_xmp=True)
    return Downloaded(photo.id, record, part, jpeg=True, embedded=built)


def test_embed_stream_writes_what_embed_into_writes(tmp_path: Path) -> None:
    src = tmp_path / "in.jpg"
    src.write_bytes(jpeg())
    meta = from_photo(listed_photo(originalformat="jpg"))
    whole = embed.embed_into(src, tmp_path / "a.jpg", meta, photo_id=PHOTO_ID)
    out = io.BytesIO()
    with src.open("rb") as fin:
        first = fin.read(10)  # what a caller read to see it is a JPEG
        streamed = embed.embed_stream(fin, out, meta, photo_id=PHOTO_ID, prefix=first)
    assert streamed == whole
    assert out.getvalue() == (tmp_path / "a.jpg").read_bytes()


async def test_a_jpeg_built_by_its_source_is_placed_as_built_not_embedded_again(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    photo = listed_photo(originalformat="jpg")
    original = jpeg()
    downloaded = embedded_part(rig, photo, original, photo)
    built = downloaded.part.read_bytes()

    def no_second_pass(*args: object, **kwargs: object) -> None:
        raise AssertionError("the file was embedded a second time")

    monkeypatch.setattr(writer, "embed_into", no_second_pass)
    stats = await rig.write(plan(), new_job(photo), downloaded)
    assert stats.failed == 0
    placed = rig.out / "Unsorted" / f"{PHOTO_ID}.jpg"
    assert placed.read_bytes() == built
    assert not downloaded.part.exists()
    row = rig.row()
    assert row is not None
    assert row.sha256 == hashlib.sha256(built).hexdigest()
    assert row.served_sha256 == hashlib.sha256(original).hexdigest()


async def test_a_jpeg_built_with_other_metadata_is_embedded_again(rig: Rig) -> None:
    photo = listed_photo(originalformat="jpg", title="Evening tide")
    stale = replace(photo, title="A stale title")
    downloaded = embedded_part(rig, photo, jpeg(), stale)
    stats = await rig.write(plan(), new_job(photo), downloaded)
    assert stats.failed == 0
    placed = (rig.out / "Unsorted" / f"{PHOTO_ID}.jpg").read_bytes()
    assert b"Evening tide" in placed
    assert b"A stale title" not in placed
    row = rig.row()
    assert row is not None
    assert row.sha256 == hashlib.sha256(placed).hexdigest()
