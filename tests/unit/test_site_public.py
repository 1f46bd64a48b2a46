"""The public copy's filter (site/public.py) and its build from an archive on disk."""

from __future__ import annotations

import io
import os
from importlib import resources
from pathlib import Path

import piexif
import pytest
from PIL import Image

from flickr_async.errors import ConfigError
from flickr_async.site import refresh
from flickr_async.site.mappages import world_path
from flickr_async.site.model import AlbumEntry, CollectionNode, Item, Summary
from flickr_async.site.public import (
    geo_is_public,
    is_shown,
    public_doc,
    shown_albums,
    shown_collections,
    strip_metadata,
)
from tests.sitearchive import Archive, sidecar_doc

WORLD = (resources.files("flickr_async.site") / "static" / "world.svg").read_bytes()
OUTLINES = world_path().encode()

PRIVATE = {"public": False, "friends": False, "family": False}
FRIENDS = {"public": False, "friends": True, "family": False}
GEO = {"latitude": 48.8584, "longitude": 2.2945, "accuracy": 16, "locality": "Paris"}


def item(photo_id: str, *, public: bool = True, deleted: str | None = None) -> Item:
    summary = Summary("t", "photo", None, 0, None, (), True, deleted, public)
    return Item(photo_id, summary, 1, "done", "", f"a/{photo_id}.jpg")


def album(album_id: str, ids: tuple[str, ...], deleted: str | None = None) -> AlbumEntry:
    return AlbumEntry(album_id, f"Album {album_id}", "", ids[0] if ids else None, None, ids,
                      len(ids), 0, (), deleted)  # fmt: skip


def test_only_public_photos_still_on_flickr_are_shown() -> None:
    assert is_shown(item("1"))
    assert not is_shown(item("2", public=False))
    assert not is_shown(item("3", deleted="2024-01-01"))


def test_a_sidecar_without_visibility_counts_as_private() -> None:
    from flickr_async.site.model import summarize

    doc = sidecar_doc("1")
    del doc["visibility"]
    assert summarize(doc).public is False
    assert summarize(sidecar_doc("1")).public is True
    assert summarize(sidecar_doc("1", visibility=FRIENDS)).public is False
    assert summarize(sidecar_doc("1", safety_level=2)).public is False  # restricted
    assert summarize(sidecar_doc("1", safety_level=1)).public is True  # moderate


def test_a_location_is_shown_only_where_the_sidecar_says_flickr_shows_it() -> None:
    assert not geo_is_public(sidecar_doc("1", geo=GEO))  # the archive does not say: hidden
    assert "geo" not in public_doc(sidecar_doc("1", geo=GEO))
    assert not geo_is_public(sidecar_doc("1", geo={**GEO, "public": False}))
    shown = public_doc(sidecar_doc("1", geo={**GEO, "public": True}))
    assert shown["geo"]["latitude"] == GEO["latitude"]


def test_a_public_page_leaves_out_download_permissions_and_export_extras() -> None:
    doc = sidecar_doc(
        "1",
        permissions={"comment": 3},
        export={"privacy": "public", "groups": ["secret group"]},
        exif_replaced={"GPSLatitude": "1"},
        albums=[{"id": "9", "title": "Private album"}],
        comments=[{"id": "c", "author": "5@N01", "author_name": "Zoë", "date": 1,
                   "text": "hi", "permalink": "", "email": "z@example.com"}],
    )  # fmt: skip
    shown = public_doc(doc)
    for key in ("download", "permissions", "export", "exif_replaced", "albums", "file"):
        assert key not in shown
    assert shown["comments"] == [
        {"id": "c", "author": "5@N01", "author_name": "Zoë", "date": 1, "text": "hi",
         "permalink": ""}
    ]  # fmt: skip
    assert shown["title"] == doc["title"] and shown["tags"] == doc["tags"]


def test_albums_keep_only_shown_photos_and_vanish_when_they_show_none() -> None:
    albums = [album("a", ("1", "2")), album("b", ("2", "3")), album("c", ("1",), "2024-01-01")]
    kept = shown_albums(albums, {"1", "3"})
    assert [(a.id, a.photo_ids, a.primary) for a in kept] == [
        ("a", ("1",), "1"),
        ("b", ("3",), "3"),
    ]


def test_collections_without_a_shown_album_vanish() -> None:
    leaf = CollectionNode("c2", "Inner", "", ("b",), ())
    nodes = [CollectionNode("c1", "Outer", "", ("a",), (leaf,)), CollectionNode("c3", "Gone", "",
             ("z",), ())]  # fmt: skip
    kept = shown_collections(nodes, {"b"})
    assert [n.id for n in kept] == ["c1"]
    assert kept[0].album_ids == () and kept[0].children[0].album_ids == ("b",)


def jpeg_with_metadata() -> bytes:
    exif = piexif.dump(
        {
            "0th": {piexif.ImageIFD.Make: b"Camera"},
            "GPS": {
                piexif.GPSIFD.GPSLatitudeRef: b"N",
                piexif.GPSIFD.GPSLatitude: ((48, 1), (51, 1), (0, 1)),
            },
        }
    )
    buf = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 10, 10)).save(buf, "JPEG", exif=exif)
    data = buf.getvalue()
    xmp = b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta><exif:GPSLatitude>48</exif:GPSLatitude>"
    segment = b"\xff\xe1" + (len(xmp) + 2).to_bytes(2, "big") + xmp
    return data[:2] + segment + data[2:]


def test_stripped_images_keep_their_pixels_and_lose_exif_xmp_and_gps() -> None:
    data = jpeg_with_metadata()
    assert b"GPS" in data and b"Exif" in data
    stripped = strip_metadata(data)
    assert stripped is not None
    assert b"Exif" not in stripped and b"GPS" not in stripped and b"xmpmeta" not in stripped
    with Image.open(io.BytesIO(stripped)) as image:
        assert image.size == (32, 24)
        assert image.getpixel((5, 5)) == Image.open(io.BytesIO(data)).getpixel((5, 5))
    assert strip_metadata(b"\x89PNG\r\n\x1a\nrest") is None
    assert strip_metadata(data[:40]) is None  # cut short: never half an image


@pytest.fixture
def archive(tmp_path: Path) -> Archive:
    a = Archive(tmp_path / "out")
    a.add("101", title="Open beach", tags=["sea"], geo=GEO)
    a.add("102", title="Hush boat", tags=["hushtag"], visibility=PRIVATE,
          description="hush words")  # fmt: skip
    a.add("103", title="Hush friends", visibility=FRIENDS)
    a.add("104", title="Hush gone", deleted_on_flickr="2024-01-01")
    for pid in ("101", "102", "103", "104"):
        a.thumbs(pid)
        for size in "qz":  # real JPEGs, with GPS in their EXIF
            (a.out / ".site" / "thumbs" / f"{pid}_{size}.jpg").write_bytes(jpeg_with_metadata())
    a.album("72157000000000001", "Mixed", ["102", "101"])
    a.album("72157000000000002", "Hush album", ["102", "103"])
    return a


def every_byte(folder: Path) -> bytes:
    """Every path and byte of `folder`, but the world outlines shipped with the site (the same
    for every archive; their path data is full of small numbers such as these tests' ids)."""
    return b"".join(
        p.relative_to(folder).as_posix().encode()
        + p.read_bytes().replace(OUTLINES, b"").replace(WORLD, b"")
        for p in folder.rglob("*")
        if p.is_file()
    )


def test_the_public_copy_shows_public_photos_only(archive: Archive, tmp_path: Path) -> None:
    dest = tmp_path / "www"
    report = refresh(archive.out, public=dest)
    assert report.index == dest / "index.html"
    data = every_byte(dest)
    for secret in (b"102", b"103", b"104", b"Hush", b"hush", b"48.858", b"Paris"):
        assert secret not in data, secret
    assert (dest / ".site" / "photo" / "01" / "101.html").is_file()
    thumb = (dest / ".site" / "thumbs" / "101_q.jpg").read_bytes()
    assert b"GPS" not in thumb and thumb == strip_metadata(jpeg_with_metadata())
    mixed = (dest / ".site" / "album" / "72157000000000001.html").read_text("utf-8")
    assert "1 item" in mixed
    assert not (archive.out / "index.html").exists()  # the archive's own site is not touched
    assert not list(dest.rglob("*.sqlite3"))  # its cache stays in the archive


def test_a_refresh_removes_what_a_photo_made_private_left(archive: Archive, tmp_path: Path) -> None:
    dest = tmp_path / "www"
    refresh(archive.out, public=dest)
    side = archive.out / "Unsorted" / "101.jpg.json"
    stray = dest / ".site" / "photo" / "99" / "stray.html"
    stray.parent.mkdir(parents=True)
    stray.write_text("left by hand")
    assert refresh(archive.out, public=dest).written == 0
    assert not stray.exists()
    archive.touch_sidecar(side, visibility=PRIVATE)
    refresh(archive.out, public=dest)
    assert b"101" not in every_byte(dest)
    assert not (dest / ".site" / "thumbs" / "101_q.jpg").exists()


def test_originals_are_linked_or_stripped_by_what_flickr_shows_of_the_location(
    archive: Archive, tmp_path: Path
) -> None:
    shown = archive.out / "Unsorted" / "105.jpg"
    archive.add("105", title="Open and located", geo={**GEO, "public": True})
    shown.write_bytes(jpeg_with_metadata())
    hidden = archive.out / "Unsorted" / "101.jpg"
    hidden.write_bytes(jpeg_with_metadata())
    dest = tmp_path / "www"
    refresh(archive.out, public=dest, originals=True)
    linked = dest / ".site" / "originals" / "05" / "105.jpg"
    stripped = dest / ".site" / "originals" / "01" / "101.jpg"
    assert os.path.samefile(linked, shown)
    assert b"GPS" not in stripped.read_bytes() and not os.path.samefile(stripped, hidden)
    assert not (dest / ".site" / "originals" / "02").exists()
    page = (dest / ".site" / "photo" / "01" / "101.html").read_text("utf-8")
    assert "../../originals/01/101.jpg" in page and "Unsorted" not in page


def test_the_public_copy_refuses_a_folder_it_did_not_make(archive: Archive, tmp_path: Path) -> None:
    for dest in (archive.out, archive.out / "www", tmp_path):
        with pytest.raises(ConfigError):
            refresh(archive.out, public=dest)
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "index.html").write_text("someone's page")
    with pytest.raises(ConfigError):
        refresh(archive.out, public=foreign)
    assert (foreign / "index.html").read_text() == "someone's page"


def test_flickrs_geo_permission_reaches_the_sidecar() -> None:
    from flickr_async import sidecar
    from flickr_async.models import photo_from_listing, photo_with_info
    from tests.unit.test_sidecar import INFO, LISTING

    def geo_of(listing: dict[str, object], info: dict[str, object] | None = None) -> object:
        photo = photo_from_listing(listing)
        if info is not None:
            photo = photo_with_info(photo, info)
        doc = sidecar.build(photo, comments=(), albums=(), download=None)
        return doc["geo"].get("public", "unsaid")

    assert geo_of(LISTING) == "unsaid"  # an archive that cannot tell: the public copy hides it
    assert geo_of({**LISTING, "geo_is_public": "1"}) is True
    assert geo_of({**LISTING, "geo_is_public": 0}) is False
    perms = {"ispublic": 0, "iscontact": 0, "isfriend": 1, "isfamily": 0}
    assert geo_of({**LISTING, "geo_is_public": 1}, {**INFO, "geoperms": perms}) is False
    assert geo_of({**LISTING, "geo_is_public": 1}, INFO) is True  # getInfo silent: the listing


def test_the_public_account_has_no_favourites_and_galleries_lose_hidden_own_photos() -> None:
    from flickr_async.site.model import Account, FaveEntry, GalleryEntry, GalleryPhoto
    from flickr_async.site.public import public_account

    gallery = GalleryEntry("g", "Best", "", "", (GalleryPhoto("1", "me", "Me", "Open", ""),
                           GalleryPhoto("2", "me", "Me", "Now private", "")))  # fmt: skip
    only_hidden = GalleryEntry("h", "Gone", "", "", (GalleryPhoto("2", "me", "Me", "x", ""),))
    account = Account(
        albums=[album("a", ("2",))],
        favorites=[FaveEntry("9", "o", "Other", "Friends-only of theirs", "", None, "", None)],
        galleries=[gallery, only_hidden],
    )
    shown = public_account(account, [item("1"), item("2", public=False)], {"1"})
    assert shown.favorites is None and shown.albums == []
    assert shown.galleries is not None
    assert [(g.id, [p.id for p in g.photos]) for g in shown.galleries] == [("g", ["1"])]
