"""Flickr's metadata streamed into a JPEG's header: memory stays flat, a header too long to
parse is copied as it is."""

from __future__ import annotations

from pathlib import Path

import pytest

from flickr_async import embed


def test_embedding_exif_streams_the_file_instead_of_holding_it(tmp_path: Path) -> None:
    import io
    import tracemalloc

    from PIL import Image

    from flickr_async.embedded_meta import from_photo
    from flickr_async.models import photo_from_listing

    buf = io.BytesIO()
    Image.new("RGB", (64, 64), "red").save(buf, "JPEG")
    src = tmp_path / "big.jpg"
    with src.open("wb") as fh:
        fh.write(buf.getvalue()[:-2])  # the scan without EOI, then 32 MiB more of it
        for _ in range(32):
            fh.write(b"\x00" * (1 << 20))
        fh.write(b"\xff\xd9")
    photo = photo_from_listing({"id": "1", "title": "big", "datetaken": "2020-01-01 00:00:00"})
    tracemalloc.start()
    size, _, _ = embed.embed_into(src, tmp_path / "out.jpg", from_photo(photo), photo_id="1")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert size > 32 << 20
    assert peak < 8 << 20, f"peak {peak >> 20} MiB"


def test_a_header_too_long_to_parse_is_copied_whole_not_cut(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io
    import struct

    from PIL import Image

    from flickr_async.embedded_meta import from_photo
    from flickr_async.models import photo_from_listing

    buf = io.BytesIO()
    Image.new("RGB", (32, 32), "blue").save(buf, "JPEG")
    jpeg = buf.getvalue()
    segment = b"\xff\xef" + struct.pack(">H", 65535) + b"\x00" * 65533
    data = jpeg[:2] + segment * 16 + jpeg[2:]  # 1 MiB of APP15 before the real header
    src = tmp_path / "long.jpg"
    src.write_bytes(data)
    monkeypatch.setattr(embed, "MAX_JPEG_HEADER", 200_000)
    photo = photo_from_listing({"id": "1", "title": "t"})
    size, _, _ = embed.embed_into(src, tmp_path / "out.jpg", from_photo(photo), photo_id="1")
    assert (tmp_path / "out.jpg").read_bytes() == data
    assert size == len(data)
