"""The public copy's filter (site/public.py) and its build from an archive on disk."""

from __future__ import annotations

import io
import os
from importlib import resources
from pathlib import Path

import piexif
import pytest
from PIL import Image

from flickr_async.account_records import Collection
from flickr_async.errors import ConfigError
from flickr_async.site import refresh
from flickr_async.site.mappages import world_path
from flickr_async.site.model import AlbumEntry, Item, Summary
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
    assert summarize(sidecar_doc("1", safety_level=1)).public is False  # moderate


def test_only_safe_content_is_shown_and_an_unknown_safety_level_is_not() -> None:
    from flickr_async.site.model import summarize

    assert summarize(sidecar_doc("1", safety_level=0)).public
    for level in (1, 2, None, 3, "safe", "0", False, 0.0):
        assert not summarize(sidecar_doc("1", safety_level=level)).public, level
    doc = sidecar_doc("1")
    del doc["safety_level"]
    assert not summarize(doc).public


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
    leaf = Collection("c2", "Inner", "", ("b",), ())
    nodes = [Collection("c1", "Outer", "", ("a",), (leaf,)), Collection("c3", "Gone", "",
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


def segment(marker: int, body: bytes) -> bytes:
    return bytes((0xFF, marker)) + (len(body) + 2).to_bytes(2, "big") + body


def hush_jpeg(progressive: bool = False) -> bytes:
    """A camera's JPEG whose EXIF names a camera "HushCam" and a place."""
    exif = piexif.dump(
        {
            "0th": {piexif.ImageIFD.Make: b"HushCam"},
            "GPS": {piexif.GPSIFD.GPSLatitudeRef: b"N",
                    piexif.GPSIFD.GPSLatitude: ((48, 1), (51, 1), (0, 1))},
        }
    )  # fmt: skip
    buf = io.BytesIO()
    image = Image.effect_noise((64, 48), 60).convert("RGB")
    image.save(buf, "JPEG", exif=exif, progressive=progressive, quality=80)
    return buf.getvalue()


@pytest.mark.filterwarnings("ignore:Image appears to be a malformed MPO")
def test_stripping_drops_trailers_second_images_and_segments_between_scans() -> None:
    # A Motion Photo's video (or a Samsung trailer) after the end of the image; an MPF
    # second image (a phone's preview, with its own EXIF) announced in APP2; a comment and
    # an APP1 between the scans of a progressive JPEG; a JFIF thumbnail; an APP2 that is
    # not a colour profile.
    base = hush_jpeg(progressive=True)
    second = base.find(b"\xff\xda", base.find(b"\xff\xda") + 2)
    assert second > 0, "a progressive JPEG has several scans"
    between = segment(0xFE, b"hushcomment") + segment(0xE1, b"Exif\x00\x00hushbetween")
    jfif_thumb = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x02\x01" + b"hushthumb"
    head = (
        segment(0xE0, jfif_thumb)
        + segment(0xE2, b"MPF\x00hushmpf")
        + segment(0xE2, b"ICC_PROFILE\x00\x01\x01keepicc")
    )
    data = base[:2] + head + base[2:second] + between + base[second:] + hush_jpeg()
    with Image.open(io.BytesIO(data)) as image:
        expected = image.convert("RGB").tobytes()
    stripped = strip_metadata(data)
    assert stripped is not None
    for secret in (b"HushCam", b"GPS", b"hushcomment", b"hushbetween", b"hushthumb",
                   b"hushmpf", b"Exif"):  # fmt: skip
        assert secret not in stripped, secret
    assert b"keepicc" in stripped and stripped.endswith(b"\xff\xd9")
    assert stripped.count(b"\xff\xd8") == 1  # the appended image is gone
    with Image.open(io.BytesIO(stripped)) as image:
        assert image.convert("RGB").tobytes() == expected  # every scan kept, untouched
    assert strip_metadata(base[:-2]) is None  # no end of image: never half an image


def test_stripping_keeps_only_the_orientation_of_the_exif() -> None:
    for order in ("little", "big"):  # piexif writes big-endian; cameras often little
        exif = piexif.dump({"0th": {piexif.ImageIFD.Make: b"HushCam",
                                    piexif.ImageIFD.Orientation: 6},
                            "GPS": {piexif.GPSIFD.GPSLatitudeRef: b"N"}})  # fmt: skip
        if order == "little":
            exif = little_endian_orientation_exif(6)
        buf = io.BytesIO()
        Image.new("RGB", (40, 20), (9, 9, 9)).save(buf, "JPEG", exif=exif)
        stripped = strip_metadata(buf.getvalue())
        assert stripped is not None and b"HushCam" not in stripped
        kept = piexif.load(stripped)
        assert kept["0th"] == {piexif.ImageIFD.Orientation: 6} and not kept["GPS"]
        with Image.open(io.BytesIO(stripped)) as image:  # decodes; turned as the camera said
            assert image.size == (40, 20) and image.getexif().get(0x0112) == 6


def little_endian_orientation_exif(value: int) -> bytes:
    entries = [(0x010F, 2, 8, 38), (0x0112, 3, 1, value)]  # Make (at 38), Orientation
    tiff = b"II*\x00" + (8).to_bytes(4, "little") + len(entries).to_bytes(2, "little")
    for tag, kind, count, data in entries:
        tiff += tag.to_bytes(2, "little") + kind.to_bytes(2, "little")
        tiff += count.to_bytes(4, "little") + data.to_bytes(4, "little")
    return b"Exif\x00\x00" + tiff + b"\x00\x00\x00\x00" + b"HushCam\x00"


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


def test_an_unreadable_image_leaves_out_that_image_not_the_build(
    archive: Archive, tmp_path: Path
) -> None:
    archive.add("108", title="Open lake")
    archive.thumbs("108")
    dest = tmp_path / "www"
    refresh(archive.out, public=dest)
    archive.touch_sidecar(archive.out / "Unsorted" / "101.jpg.json", visibility=PRIVATE)
    unreadable = archive.out / ".site" / "thumbs" / "108_z.jpg"
    unreadable.unlink()
    unreadable.mkdir()  # stat() works, reading fails (as a file chmod 000 does)
    archive.touch_sidecar(archive.out / "Unsorted" / "108.jpg.json", title="Open lake 2")
    refresh(archive.out, public=dest)
    assert b"101" not in every_byte(dest)
    assert (dest / ".site" / "photo" / "08" / "108.html").is_file()
    assert not (dest / ".site" / "thumbs" / "108_z.jpg").exists()


def test_a_failed_build_leaves_nothing_of_a_photo_made_private_since(
    archive: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flickr_async.errors import StorageError
    from flickr_async.site.publicfiles import PublicFiles

    dest = tmp_path / "www"
    refresh(archive.out, public=dest)
    assert b"101" in every_byte(dest)
    archive.touch_sidecar(archive.out / "Unsorted" / "101.jpg.json", visibility=PRIVATE)

    def fail(*_: object) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(PublicFiles, "images", fail)
    for _ in range(2):  # and every later build that fails the same way
        with pytest.raises(StorageError):
            refresh(archive.out, public=dest)
        assert b"101" not in every_byte(dest)
        assert not (dest / ".site" / "album" / "72157000000000001.html").exists()
    monkeypatch.undo()
    refresh(archive.out, public=dest)  # the next build that works makes it all again
    assert (dest / "index.html").is_file() and b"101" not in every_byte(dest)


def test_originals_are_always_stripped_copies_and_only_jpegs(
    archive: Archive, tmp_path: Path
) -> None:
    shown = archive.out / "Unsorted" / "105.jpg"
    archive.add("105", title="Open and located", geo={**GEO, "public": True})
    shown.write_bytes(hush_jpeg() + b"hushtrailer")  # Flickr shows where: still stripped
    hidden = archive.out / "Unsorted" / "101.jpg"
    hidden.write_bytes(jpeg_with_metadata())
    archive.add("106", title="Open video", ext="mp4", media="video")
    archive.add("107", title="Open png", ext="png")
    dest = tmp_path / "www"
    refresh(archive.out, public=dest, originals=True)
    located = dest / ".site" / "originals" / "05" / "105.jpg"
    stripped = dest / ".site" / "originals" / "01" / "101.jpg"
    for copy, source in ((located, shown), (stripped, hidden)):
        data = copy.read_bytes()
        assert b"GPS" not in data and b"HushCam" not in data and b"hush" not in data
        assert not os.path.samefile(copy, source) and copy.stat().st_nlink == 1
    assert located.read_bytes() == strip_metadata(shown.read_bytes())
    assert not (dest / ".site" / "originals" / "02").exists()
    assert not (dest / ".site" / "originals" / "06").exists()  # a video: left out
    assert not (dest / ".site" / "originals" / "07").exists()  # a PNG: left out
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


def test_the_public_copy_goes_only_in_an_empty_folder_or_one_of_its_own(
    archive: Archive, tmp_path: Path
) -> None:
    other = tmp_path / "notes"  # another archive and a note: nothing of it may be published
    (other / "archiveB" / ".flickr-async").mkdir(parents=True)
    (other / "archiveB" / "private.jpg").write_bytes(b"x")
    (other / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match="not empty and not a public copy"):
        refresh(archive.out, public=other)
    assert sorted(p.name for p in other.iterdir()) == ["archiveB", "notes.txt"]
    repo = tmp_path / "pages"  # a git repository of GitHub Pages: its own files are allowed
    (repo / ".git").mkdir(parents=True)
    for name in (".gitignore", "CNAME", "README.md", "LICENSE", ".nojekyll"):
        (repo / name).write_text("x")
    refresh(archive.out, public=repo)
    (repo / "notes.txt").write_text("added later")  # a public copy already: rebuilt
    refresh(archive.out, public=repo)
    (repo / ".flickr-async").mkdir()  # an archive's state: never, even in a copy of ours
    with pytest.raises(ConfigError, match="state"):
        refresh(archive.out, public=repo)


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
