"""The checks at the edge: what a Flickr record must look like before it names a file."""

from __future__ import annotations

import pytest

from flickr_async import edge, layout
from flickr_async.account_records import fave_from_json, gallery_item_from_json
from flickr_async.models import album_from_json, photo_from_listing, photo_with_info

LISTED = {"id": "52000000001", "secret": "0a1b2c3d4e", "server": "65535", "farm": 66}


@pytest.mark.parametrize(
    "bad", ["../x", "/tmp/evil", "index", "1/2", "1.2", "", " 12", "12\n", "١٢", "1" * 25]
)
def test_a_photo_id_that_is_not_digits_is_refused_with_one_line(bad: str) -> None:
    with pytest.raises(edge.InvalidRecord) as caught:
        photo_from_listing({**LISTED, "id": bad})
    assert caught.value.item and "\n" not in str(caught.value)
    assert str(caught.value).endswith("the id is not a Flickr id (digits)")


@pytest.mark.parametrize(
    ("field", "value"),
    [("secret", "../x"), ("secret", "a.b"), ("originalsecret", "x/y"), ("server", "../1"),
     ("server", "12a"), ("farm", "-1"), ("media", "page")],
)  # fmt: skip
def test_a_bad_secret_server_farm_or_media_refuses_the_photo_by_its_id(
    field: str, value: str
) -> None:
    with pytest.raises(edge.InvalidRecord) as caught:
        photo_from_listing({**LISTED, field: value})
    assert caught.value.what == "photo 52000000001" and caught.value.item


def test_a_sane_record_passes_and_absent_fields_are_no_problem() -> None:
    assert photo_from_listing(LISTED).id == "52000000001"
    assert photo_from_listing({"id": "7"}).id == "7"


@pytest.mark.parametrize("fmt", ["html", "svg", "js", "xhtml", "htm", "pdf", "exe", "../x"])
def test_an_original_format_that_is_no_media_type_becomes_bin(fmt: str) -> None:
    photo = photo_from_listing({**LISTED, "originalformat": fmt})
    assert photo.original_format == "bin"
    assert layout.extension_for(photo) == "bin"


@pytest.mark.parametrize("fmt", ["jpg", "PNG", "gif", "tiff", "heic", "webp"])
def test_a_media_format_is_kept_lower_case(fmt: str) -> None:
    assert photo_from_listing({**LISTED, "originalformat": fmt}).original_format == fmt.lower()


def test_getinfo_is_checked_as_the_listing_is() -> None:
    photo = photo_from_listing(LISTED)
    assert photo_with_info(photo, {"originalformat": "svg"}).original_format == "bin"
    with pytest.raises(edge.InvalidRecord):
        photo_with_info(photo, {"id": "../x"})
    with pytest.raises(edge.InvalidRecord):
        photo_with_info(photo, {"originalsecret": "../x"})


def test_albums_favourites_and_gallery_photos_are_checked_too() -> None:
    with pytest.raises(edge.InvalidRecord) as caught:
        album_from_json({"id": "../album", "title": "t"})
    assert not caught.value.item  # an album is no item of the archive: skipped, warned
    assert album_from_json({"id": "7215", "primary": "../x"}).primary == ""
    with pytest.raises(edge.InvalidRecord):
        fave_from_json({**LISTED, "id": "/tmp/evil", "date_faved": "1"})
    with pytest.raises(edge.InvalidRecord) as caught:
        gallery_item_from_json({"id": "../x"})
    assert not caught.value.item


@pytest.mark.parametrize(
    ("url", "ext"),
    [("https://cdn/x/1.html", "mp4"), ("https://cdn/x/1.mov", "mov"), ("https://cdn/1.SVG", "mp4")],
)
def test_a_videos_name_from_the_server_counts_only_when_it_is_a_media_extension(
    url: str, ext: str
) -> None:
    video = photo_from_listing({**LISTED, "media": "video"})
    assert layout.extension_for(video, final_url=url) == ext
    assert layout.extension_for(video, content_disposition='attachment; filename="a.js"') == "mp4"


def test_no_page_or_script_extension_is_a_media_extension() -> None:
    for ext in ("html", "htm", "xhtml", "svg", "js", "mjs", "xml", "json", "css", "pdf"):
        assert ext not in edge.STORED_EXTENSIONS
        assert not edge.is_media_file(f"Album/1.{ext}")
    assert edge.is_media_file("Album/1.JPG") and not edge.is_media_file("Album/1.bin")


def test_a_long_value_is_shown_cut_in_the_middle_so_two_paths_stay_apart() -> None:
    a, b = edge.shown("/tmp/" + "x" * 100 + "/a"), edge.shown("/tmp/" + "x" * 100 + "/b")
    assert a != b and len(a) <= 60 and a.startswith("'/tmp/")
