"""What the site reads from the archive: image sizes from headers, sidecar summaries, account
files read defensively, page paths."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import pytest
from PIL import Image

from flickr_async.layout import safe_name
from flickr_async.site import paths
from flickr_async.site.imagesize import image_size
from flickr_async.site.model import (
    album_entries,
    collection_nodes,
    profile,
    search_text,
    summarize,
)
from tests.sitearchive import sidecar_doc

# --- image sizes -----------------------------------------------------------------------------


def _exif_orientation(value: int) -> bytes:
    ifd = struct.pack("<H", 1) + struct.pack("<HHII", 0x0112, 3, 1, value) + b"\0\0\0\0"
    tiff = b"II*\x00" + struct.pack("<I", 8) + ifd
    payload = b"Exif\x00\x00" + tiff
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


def _jpeg(width: int, height: int, *, exif: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 10, 10)).save(buffer, "JPEG")
    data = buffer.getvalue()
    return data[:2] + exif + data[2:]


def test_jpeg_size_comes_from_its_frame_header(tmp_path: Path) -> None:
    path = tmp_path / "a.jpg"
    path.write_bytes(_jpeg(320, 200))
    assert image_size(path) == (320, 200)


def test_a_jpeg_turned_by_exif_orientation_swaps_width_and_height(tmp_path: Path) -> None:
    path = tmp_path / "a.jpg"
    path.write_bytes(_jpeg(320, 200, exif=_exif_orientation(6)))
    assert image_size(path) == (200, 320)
    path.write_bytes(_jpeg(320, 200, exif=_exif_orientation(3)))
    assert image_size(path) == (320, 200)


def test_a_big_segment_before_the_frame_is_skipped_not_read(tmp_path: Path) -> None:
    big = b"\xff\xe2" + struct.pack(">H", 65535) + b"\0" * 65533
    path = tmp_path / "a.jpg"
    data = _jpeg(64, 48)
    path.write_bytes(data[:2] + big * 40 + data[2:])  # 2.6 MB of APP2 before SOF
    assert image_size(path) == (64, 48)


@pytest.mark.parametrize("fmt", ["PNG", "GIF"])
def test_png_and_gif_sizes(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"a.{fmt.lower()}"
    Image.new("RGB", (33, 17)).save(path, fmt)
    assert image_size(path) == (33, 17)


@pytest.mark.parametrize(
    "data",
    [b"", b"\xff\xd8\xff", b"\xff\xd8\xff\xe0\x00", b"not an image at all", b"\x89PNG\r\n\x1a\n"],
)
def test_truncated_or_unknown_files_have_no_size(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "x"
    path.write_bytes(data)
    assert image_size(path) is None
    assert image_size(tmp_path / "missing.jpg") is None


# --- summaries ---------------------------------------------------------------------------------


def test_summary_of_a_sidecar() -> None:
    doc = sidecar_doc(
        "1",
        title="Beach",
        description='At <b>the</b>\n<a href="https://x/">beach</a> &amp; sea',
        tags=["Sea", "sunset", "Sea", " "],
        media="video",
        download={"original": False},
        deleted_on_flickr="2024-01-02",
    )
    summary = summarize(doc)
    assert summary.title == "Beach"
    assert search_text(doc) == "At the beach & sea"
    assert summary.tags == ("Sea", "sunset")
    assert summary.media == "video"
    assert summary.original is False
    assert summary.deleted == "2024-01-02"
    assert summary.sort_key == "2019-06-15 14:03:00"


def test_an_unknown_date_taken_sorts_by_the_upload_date() -> None:
    summary = summarize(sidecar_doc("1", date_taken_unknown=True, date_posted=1600000000))
    assert summary.date_taken is None
    assert summary.sort_key == "2020-09-13 12:26:40"
    assert summarize(sidecar_doc("1", date_taken=None, date_posted=None)).sort_key == ""


def test_wrong_types_in_a_sidecar_are_as_if_absent() -> None:
    summary = summarize(
        {"schema": 1, "id": "1", "title": 5, "tags": "x", "date_taken": 7, "download": []}
    )
    assert (summary.title, summary.tags, summary.date_taken, summary.original) == (
        "",
        (),
        None,
        None,
    )


def test_account_files_are_read_defensively() -> None:
    albums = album_entries(
        {"albums": [{"id": "1", "title": "A", "photo_ids": ["5", 6, "5"]}, "junk", {"id": ""}]}
    )
    assert [(a.id, a.title, a.photo_ids) for a in albums] == [("1", "A", ("5",))]
    tree = collection_nodes([{"id": "c", "title": "T", "albums": ["1"], "collections": [{}]}])
    assert tree[0].album_ids == ("1",) and len(tree[0].children) == 1
    assert profile({"profile": {"username": "u"}}).name == "u"
    assert profile(None).name == "Flickr archive"


# --- paths -------------------------------------------------------------------------------------


def test_tag_pages_have_safe_ascii_names() -> None:
    assert paths.tag_key("New York") == paths.tag_key("newyork") == "newyork"
    assert paths.tag_page("newyork") == ".site/tag/newyork.html"
    assert paths.tag_page("con") != ".site/tag/con.html"  # reserved on Windows
    for key in (paths.tag_key("Zürich"), paths.tag_key("🌅"), paths.tag_key("x/y"), "東京"):
        name = paths.tag_page(key).rsplit("/", 1)[1]
        assert name.isascii() and "/" not in name and name.endswith(".html")
    assert paths.tag_page(paths.tag_key("🌅")) != paths.tag_page(paths.tag_key("🌃"))


def test_ids_that_cannot_name_a_file_are_hashed() -> None:
    assert paths.file_id("72157001") == "72157001"
    assert paths.file_id("../etc") != "../etc" and "/" not in paths.file_id("../etc")
    assert paths.photo_page("52000000781") == ".site/photo/81/52000000781.html"


def test_no_album_folder_can_take_the_site_folder() -> None:
    assert safe_name(".site") != ".site"
    assert safe_name("site") == "site"
    assert safe_name(".SITE").casefold() != ".site"
