"""Finding the export's members in zips and folders, and reading them safely (export_files)."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest

from flickr_async import layout
from flickr_async.export_files import (
    CorruptMember,
    NotAnExport,
    TooLargeMember,
    scan,
)
from flickr_async.models import Album
from tests.exportzip import corrupt_member, dumps, jpeg, photo_json, write_zip


def test_zips_and_folders_are_classified_by_content_not_by_name(tmp_path: Path) -> None:
    meta = write_zip(
        tmp_path / "whatever.zip", {"photo_1.json": dumps(photo_json("1")), "albums.json": b"{}"}
    )
    media = write_zip(tmp_path / "also-whatever.zip", {"a_1_o.jpg": jpeg(1), "b_2.mp4": b"v"})
    folder = tmp_path / "unpacked"
    folder.mkdir()
    (folder / "photo_2.json").write_bytes(dumps(photo_json("2")))
    (folder / "readme.txt").write_text("x")
    index = scan([media, folder, meta])
    try:
        assert set(index.photo_json) == {"1", "2"}
        assert sorted(m.basename for m in index.media) == ["a_1_o.jpg", "b_2.mp4"]
        assert set(index.account) == {"albums.json"}
        assert any("readme.txt" in i for i in index.ignored)
    finally:
        index.close()


@pytest.mark.parametrize("what", ["missing", "not a zip", "empty zip", "empty folder"])
def test_a_path_that_is_no_export_is_one_clear_error(tmp_path: Path, what: str) -> None:
    path = tmp_path / "thing"
    if what == "not a zip":
        path.write_text("hello")
    elif what == "empty zip":
        write_zip(path, {"notes.txt": b"x"})
    elif what == "empty folder":
        path.mkdir()
    with pytest.raises(NotAnExport, match="thing"):
        scan([path])


def test_a_corrupt_member_fails_at_the_end_of_its_read_and_leaves_no_file(tmp_path: Path) -> None:
    media = write_zip(tmp_path / "m.zip", {"a_1_o.jpg": jpeg(1, (300, 200))})
    corrupt_member(media, "a_1_o.jpg")
    index = scan([media])
    try:
        dest = tmp_path / "1.part"
        with pytest.raises(CorruptMember, match=r"a_1_o\.jpg"):
            index.extract(index.media[0], dest)
        assert not dest.exists()
    finally:
        index.close()


def test_a_member_is_streamed_and_hashed(tmp_path: Path) -> None:
    data = jpeg(4)
    index = scan([write_zip(tmp_path / "m.zip", {"x/../../a_1_o.jpg": data})])
    try:
        size, digest = index.extract(index.media[0], tmp_path / "out.part")
        assert (size, digest) == (len(data), hashlib.sha256(data).hexdigest())
        assert (tmp_path / "out.part").read_bytes() == data
        assert not (tmp_path.parent / "a_1_o.jpg").exists()  # the member's name chose nothing
    finally:
        index.close()


def test_a_json_member_larger_than_its_bound_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "meta.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("photo_1.json", b"[" + b"0," * 600_000 + b"0]")  # deflates to little
    index = scan([path])
    try:
        with pytest.raises(TooLargeMember):
            index.read_json(index.photo_json["1"], limit=1 << 20)
        assert index.read_json(index.photo_json["1"], limit=4 << 20)[0] == 0
    finally:
        index.close()


def test_no_album_folder_takes_the_exports_own_folder() -> None:
    albums = [
        Album("1", "flickr-export", "", 0, 0, 0, ""),
        Album("2", "Flickr-Export", "", 0, 0, 0, ""),
    ]
    folders = layout.assign_album_folders(albums, {})
    assert all(layout.fold_name(f) != layout.fold_name(layout.EXPORT_DIR) for f in folders.values())


def test_json_values_no_sidecar_could_write_are_made_writable_or_refused(tmp_path: Path) -> None:
    doc = b'{"id": "1", "name": "\\ud800x", "n": ' + b"9" * 5000 + b', "f": 1e999}'
    path = write_zip(tmp_path / "m.zip", {"photo_1.json": doc, "photo_2.json": b'{"x": NaN}'})
    index = scan([path])
    try:
        value = index.read_json(index.photo_json["1"])
        assert value["name"] == "\ufffdx" and value["n"] == "9" * 5000 and value["f"] == "1e999"
        with pytest.raises(CorruptMember):
            index.read_json(index.photo_json["2"])
    finally:
        index.close()


class _Unseekable(io.RawIOBase):
    """A pipe-like sink: zipfile then writes data descriptors after each member."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        self.data += bytes(b)
        return len(b)


def test_members_of_a_streamed_zip_are_read_from_the_kept_index(tmp_path: Path) -> None:
    sink = _Unseekable()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("a_1_o.jpg", "w") as member:
            member.write(jpeg(1))
        with archive.open("photo_1.json", "w") as member:
            member.write(dumps(photo_json("1")))
    path = tmp_path / "streamed.zip"
    path.write_bytes(bytes(sink.data))
    index = scan([path])
    try:
        assert index.media[0].flags & 0x08  # sizes and CRC after the data
        assert index.extract(index.media[0], tmp_path / "x")[0] == len(jpeg(1))
        assert index.read_json(index.photo_json["1"])["id"] == "1"
    finally:
        index.close()
