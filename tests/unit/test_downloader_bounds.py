"""The download worker against a hostile file server: no transparent decompression, and no
file past its ceiling (tests/fakeflickr/hostile_bombs.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from flickr_async import downloader as downloader_module
from flickr_async.downloader import part_path
from flickr_async.errors import TooLargeError
from tests.fakeflickr import generate_library
from tests.unit.test_downloader import Rig, a_still, serving

CEILING = 1 << 20


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    library = generate_library(seed=3, photos=6, videos=1, albums=1)
    async with serving(library, tmp_path, attempts=6) as rig:
        yield rig


def original_requests(rig: Rig, photo_id: str) -> int:
    return rig.fake.counters.file_log.count((photo_id, "original"))


async def test_a_gzip_encoded_original_is_refused_unread_and_another_size_kept(
    rig: Rig, largest_part: list[int]
) -> None:
    photo = a_still(rig)
    rig.fake.ctx.bombs.gzip_original(photo.id)
    result = await rig.worker.fetcher.fetch(photo)
    assert not result.record.original  # the largest other size, served plainly
    suffix = result.record.url.rsplit("_", 1)[1].split(".")[0]
    assert result.part.read_bytes() == rig.fake.size_bytes(photo.id, suffix)
    assert original_requests(rig, photo.id) == 1  # refused at its headers: no retry
    assert largest_part[0] == len(result.part.read_bytes())  # not a byte of the bomb


async def test_an_endless_original_stops_at_the_ceiling_once_and_leaves_no_part(
    rig: Rig, largest_part: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(downloader_module, "MAX_PHOTO_BYTES", CEILING)
    photo = a_still(rig)
    assert photo.url_o is not None
    rig.fake.ctx.bombs.endless_original(photo.id)
    with pytest.raises(TooLargeError, match=r"larger than 1 MiB.*still coming"):
        await rig.worker.fetcher.fetch(photo)
    assert 0 < largest_part[0] <= CEILING
    assert not part_path(rig.parts, photo.id, photo.url_o).exists()
    assert original_requests(rig, photo.id) == 1  # never retried, and no fallback either


async def test_an_announced_length_past_the_ceiling_is_refused_before_any_byte(
    rig: Rig, largest_part: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    photo = a_still(rig)
    size = len(rig.fake.original_bytes(photo.id))
    monkeypatch.setattr(downloader_module, "MAX_PHOTO_BYTES", size - 1)
    with pytest.raises(TooLargeError, match=f"announced as {size} bytes"):
        await rig.worker.fetcher.fetch(photo)
    assert largest_part[0] == 0
    assert original_requests(rig, photo.id) == 1


async def test_a_file_at_the_ceiling_is_kept(rig: Rig, monkeypatch: pytest.MonkeyPatch) -> None:
    photo = a_still(rig)
    original = rig.fake.original_bytes(photo.id)
    monkeypatch.setattr(downloader_module, "MAX_PHOTO_BYTES", len(original))
    result = await rig.worker.fetcher.fetch(photo)
    assert result.record.original
    assert result.part.read_bytes() == original


async def test_a_video_has_the_video_ceiling(rig: Rig, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(downloader_module, "MAX_PHOTO_BYTES", 10)  # would refuse any video
    video = next(p for p in rig.photos.values() if p.is_video)
    result = await rig.worker.fetcher.fetch(video)
    assert result.record.bytes > 10
