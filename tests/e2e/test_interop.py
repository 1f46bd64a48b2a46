"""The archive read as photo managers read it, by exiftool: nobody here wrote that reader."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from flickr_async import exif, xmp
from flickr_async.plaintext import html_to_text
from tests.e2e.helpers import FAST, jpeg_scan, media_files, no_change_bound, run_cli, sidecar
from tests.exiftool import as_list, read, validate
from tests.fakeflickr import FakeFlickr, Library
from tests.fakeflickr.content import CAMERA_XMP


@pytest.fixture
def archive(fake: FakeFlickr, env: dict[str, str], out: Path) -> Path:
    assert run_cli(env, "backup", str(out), *FAST).code == 0
    return out


def expected(doc: dict[str, Any]) -> dict[str, Any]:
    """What a reader must find, from the JSON sidecar (the archive's own record)."""
    want: dict[str, Any] = {
        "Title": doc["title"].strip() or None,
        "Description": html_to_text(doc["description"]) or None,
        "Keywords": list(doc["tags"]),
        "DateTimeOriginal": None,
        "GPSLatitude": None,
        "GPSLongitude": None,
    }
    if doc["date_taken"] and not doc["date_taken_unknown"]:
        want["DateTimeOriginal"] = doc["date_taken"].replace("-", ":", 2)
    if doc["geo"]:
        want["GPSLatitude"] = doc["geo"]["latitude"]
        want["GPSLongitude"] = doc["geo"]["longitude"]
    return want


def seen(found: dict[str, Any]) -> dict[str, Any]:
    def text(key: str) -> Any:
        value = found.get(key)
        return None if value is None else str(value)

    return {
        "Title": text("Title"),
        "Description": text("Description"),
        "Keywords": as_list(found.get("Keywords")),
        "DateTimeOriginal": text("DateTimeOriginal"),
        "GPSLatitude": found.get("GPSLatitude"),
        "GPSLongitude": found.get("GPSLongitude"),
    }


def assert_reads_as(found: dict[str, Any], doc: dict[str, Any]) -> None:
    got, want = seen(found), expected(doc)
    for key in ("GPSLatitude", "GPSLongitude"):
        if want[key] is not None and got[key] is not None:
            assert got[key] == pytest.approx(want[key], abs=1e-5), (doc["id"], key)
            got[key] = want[key]
    assert got == want, doc["id"]


def test_every_jpeg_reads_back_with_flickrs_title_description_keywords_date_and_place(
    archive: Path,
) -> None:
    jpegs = [p for p in media_files(archive) if p.suffix == ".jpg"]
    assert len(jpegs) > 20
    found = read(jpegs)
    for path in jpegs:
        assert_reads_as(found[str(path)], sidecar(path))


def test_every_xmp_sidecar_of_every_media_type_reads_back_the_same(archive: Path) -> None:
    files = media_files(archive)
    assert {p.suffix for p in files} >= {".jpg", ".png", ".gif", ".mov"}
    sidecars = [p.with_name(p.name + ".xmp") for p in files]
    found = read(sidecars)
    for path, xmp_path in zip(files, sidecars, strict=True):
        assert_reads_as(found[str(xmp_path)], sidecar(path))


def test_a_jpeg_holds_exactly_one_xmp_packet_and_its_image_data_untouched(
    fake: FakeFlickr, archive: Path
) -> None:
    for path in (p for p in media_files(archive) if p.suffix == ".jpg"):
        data = path.read_bytes()
        header = data[: exif.header_length(data)]
        packets = [
            s
            for s in exif.segments(header)
            if s.marker == exif.APP1 and s.payload.startswith(xmp.XMP_MAGIC)
        ]
        assert len(packets) == 1, path
        if sidecar(path)["download"]["original"]:
            assert jpeg_scan(data) == jpeg_scan(fake.original_bytes(path.stem))
    sample = next(p for p in media_files(archive) if p.suffix == ".jpg")
    assert not [w for w in validate(sample) if "XMP" in w]


def test_a_phones_own_xmp_is_kept_and_only_our_properties_replaced(
    library: Library, archive: Path
) -> None:
    phones = [
        p
        for p in media_files(archive)
        if p.suffix == ".jpg" and sidecar(p)["download"]["original"]
        if (photo := library.photo(p.stem)).exif is not None and photo.exif.make == "Apple"
    ]
    assert phones, "the fake library has no phone JPEG"
    assert b"MicroVideoOffset" in CAMERA_XMP
    tags = ("-XMP-GCamera:all", "-XMP-GPano:all", "-XMP-dc:Title", "-XMP-photoshop:DateCreated")
    found = read(phones, *tags, mwg=False)
    for path in phones:
        item, doc = found[str(path)], sidecar(path)
        assert item["MicroVideoOffset"] == 4242 and item["MicroVideo"] == 1
        assert item["ProjectionType"] == "equirectangular"
        assert str(item.get("Title")) == doc["title"] or (not doc["title"] and "Title" not in item)
        assert item.get("DateCreated") != "1999:01:01 00:00:00"


def test_album_copies_carry_the_same_xmp_sidecar(archive: Path) -> None:
    linked = [p for p in media_files(archive) if p.stat().st_nlink > 1]
    assert linked
    for path in linked:
        assert path.with_name(path.name + ".xmp").read_bytes() == xmp_of_primary(path, archive)


def xmp_of_primary(path: Path, archive: Path) -> bytes:
    db = sqlite3.connect(archive / ".flickr-async" / "state.sqlite3")
    try:
        (primary,) = db.execute("SELECT path FROM photos WHERE id = ?", (path.stem,)).fetchone()
    finally:
        db.close()
    return (archive / f"{primary}.xmp").read_bytes()


def test_an_html_only_description_becomes_sensible_text(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    target = next(p for p in library.photos if not p.is_video and p.originalformat == "jpg")
    library.edit_photo(
        target.id,
        description='<p>First <b>bold</b> line<br/>second &amp; <a href="https://x.y/">link</a></p>'
        "<p>Paragraph &#8230; 🌸</p>",
    )
    assert run_cli(env, "backup", str(out), *FAST).code == 0
    [path, *_] = [p for p in media_files(out) if p.stem == target.id]
    found = read([path, path.with_name(path.name + ".xmp")], "-Description", "-ImageDescription")
    for item in found.values():
        assert item["Description"] == "First bold line\nsecond & link\n\nParagraph … 🌸"
    assert found[str(path)]["ImageDescription"] == found[str(path)]["Description"]


def test_an_archive_from_the_previous_version_is_upgraded_without_a_call_or_a_download(
    fake: FakeFlickr, library: Library, env: dict[str, str], archive: Path
) -> None:
    xmp_files = sorted(archive.rglob("*.xmp"))
    before = {p: p.read_bytes() for p in xmp_files}
    for path in xmp_files:
        path.unlink()
    db = sqlite3.connect(archive / ".flickr-async" / "state.sqlite3")
    db.execute("UPDATE photos SET embed_version = 1")
    db.commit()
    db.close()
    fake.counters.reset()
    report = archive / "report.json"
    result = run_cli(env, "backup", str(archive), *FAST, "--report", str(report))
    assert result.code == 0
    assert sum(fake.counters.file_requests.values()) == 0
    calls = fake.counters.api_calls
    assert calls["flickr.photos.getInfo"] == calls["flickr.photos.comments.getList"] == 0
    assert "updated" in result.stdout
    assert {p: p.read_bytes() for p in sorted(archive.rglob("*.xmp"))} == before
    assert run_cli(env, "verify", str(archive)).code == 0
    fake.counters.reset()
    assert run_cli(env, "backup", str(archive), *FAST).code == 0
    assert fake.counters.total_api_calls <= no_change_bound(library)
    assert not fake.counters.file_requests


def test_no_xmp_writes_no_xmp_and_no_exif_leaves_every_file_as_served(
    fake: FakeFlickr, env: dict[str, str], out: Path
) -> None:
    assert run_cli(env, "backup", str(out), *FAST, "--no-exif").code == 0
    for path in media_files(out):
        if sidecar(path)["download"]["original"]:
            assert path.read_bytes() == fake.original_bytes(path.stem)
        assert path.with_name(path.name + ".xmp").exists()
    other = out.parent / "other"
    assert run_cli(env, "backup", str(other), *FAST, "--no-xmp").code == 0
    assert not list(other.rglob("*.xmp"))
    jpeg = next(p for p in media_files(other) if p.suffix == ".jpg")
    data = jpeg.read_bytes()
    assert not any(
        s.payload.startswith(xmp.XMP_MAGIC) and b"flickr" in s.payload.lower()
        for s in exif.segments(data[: exif.header_length(data)])
    )
