"""Atomic file moves: hard links, and case-insensitive disks (emulated with a symlink)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from flickr_async.fsutil import Scratch, move_into_place, place_link, same_entry, write_if_changed


def test_moving_onto_a_hard_link_of_the_same_file_leaves_one_name(tmp_path: Path) -> None:
    a, b = tmp_path / "a" / "1.jpg", tmp_path / "b" / "1.jpg"
    a.parent.mkdir()
    a.write_bytes(b"photo")
    place_link(a, b, Scratch(tmp_path / "tmp"))
    move_into_place(a, b)
    assert not a.exists() and b.read_bytes() == b"photo"


def test_moving_onto_a_symlinked_copy_of_the_same_file_replaces_the_link(tmp_path: Path) -> None:
    a, b = tmp_path / "a" / "1.jpg", tmp_path / "b" / "1.jpg"
    a.parent.mkdir()
    a.write_bytes(b"photo")
    place_link(a, b, Scratch(tmp_path / "tmp"), "symlink")
    move_into_place(a, b)
    assert not b.is_symlink() and b.read_bytes() == b"photo"


@pytest.mark.parametrize("mode", ["hardlink", "symlink", "copy"])
def test_place_link_turns_any_kind_of_copy_into_the_mode_asked(tmp_path: Path, mode: str) -> None:
    scratch = Scratch(tmp_path / "tmp")
    src, dest = tmp_path / "a" / "1.jpg", tmp_path / "b" / "1.jpg"
    src.parent.mkdir()
    src.write_bytes(b"photo")
    for before in ("hardlink", "symlink", "copy"):
        place_link(src, dest, scratch, before)
        place_link(src, dest, scratch, mode)
        assert dest.read_bytes() == b"photo"
        assert dest.is_symlink() == (mode == "symlink")
        assert os.path.samefile(src, dest) == (mode != "copy")
    if mode == "symlink":
        assert os.readlink(dest) == "../a/1.jpg"


def test_a_case_only_rename_on_a_case_insensitive_disk_keeps_the_file(tmp_path: Path) -> None:
    # `Trip` is the same directory as `trip`, as on macOS or exFAT.
    (tmp_path / "trip").mkdir()
    os.symlink(tmp_path / "trip", tmp_path / "Trip")
    src, dest = tmp_path / "trip" / "1.jpg", tmp_path / "Trip" / "1.JPG"
    src.write_bytes(b"only copy")
    assert same_entry(src, tmp_path / "Trip" / "1.jpg")
    move_into_place(src, dest)
    assert (tmp_path / "trip" / "1.JPG").read_bytes() == b"only copy"


def test_different_names_of_one_inode_are_not_the_same_entry(tmp_path: Path) -> None:
    a, b = tmp_path / "a.jpg", tmp_path / "b.jpg"
    a.write_bytes(b"x")
    os.link(a, b)
    assert not same_entry(a, b)


def test_embedding_exif_streams_the_file_instead_of_holding_it(tmp_path: Path) -> None:
    import io
    import tracemalloc

    from PIL import Image

    from flickr_async.embedding import from_photo
    from flickr_async.fsutil import embed_into
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
    size, _, _ = embed_into(src, tmp_path / "out.jpg", from_photo(photo), photo_id="1")
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

    from flickr_async import fsutil
    from flickr_async.embedding import from_photo
    from flickr_async.models import photo_from_listing

    buf = io.BytesIO()
    Image.new("RGB", (32, 32), "blue").save(buf, "JPEG")
    jpeg = buf.getvalue()
    segment = b"\xff\xef" + struct.pack(">H", 65535) + b"\x00" * 65533
    data = jpeg[:2] + segment * 16 + jpeg[2:]  # 1 MiB of APP15 before the real header
    src = tmp_path / "long.jpg"
    src.write_bytes(data)
    monkeypatch.setattr(fsutil, "MAX_JPEG_HEADER", 200_000)
    photo = photo_from_listing({"id": "1", "title": "t"})
    size, _, _ = fsutil.embed_into(src, tmp_path / "out.jpg", from_photo(photo), photo_id="1")
    assert (tmp_path / "out.jpg").read_bytes() == data
    assert size == len(data)


def test_a_sidecar_that_is_a_symlink_is_replaced_by_a_file_even_with_the_same_bytes(
    tmp_path: Path,
) -> None:
    # --links symlink: B/1.jpg.xmp links to A/1.jpg.xmp; the photo leaves A, B is now the
    # primary, and A's files are removed next: B's sidecar must be a file of its own.
    (tmp_path / "A").mkdir()
    (tmp_path / "B").mkdir()
    old, new = tmp_path / "A" / "1.jpg.xmp", tmp_path / "B" / "1.jpg.xmp"
    old.write_bytes(b"<xmp/>")
    os.symlink("../A/1.jpg.xmp", new)
    assert write_if_changed(new, b"<xmp/>", Scratch(tmp_path / "tmp"))
    old.unlink()
    assert not new.is_symlink() and new.read_bytes() == b"<xmp/>"
    assert not write_if_changed(new, b"<xmp/>", Scratch(tmp_path / "tmp"))
