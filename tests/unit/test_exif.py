"""exif: Flickr metadata goes into the JPEG header; image data and camera EXIF stay intact."""

from __future__ import annotations

import dataclasses
import io
import os
import struct
from typing import Any

import piexif
import pytest
from PIL import Image

from flickr_async import exif
from flickr_async.models import Geo, Photo, photo_from_listing

LISTING: dict[str, Any] = {
    "id": "26069027966",
    "owner": "21207597@N07",
    "secret": "abc123",
    "server": "1576",
    "farm": 2,
    "title": "Dore Abbey",
    "ispublic": 1,
    "isfriend": 0,
    "isfamily": 0,
    "description": {"_content": "A <b>lovely</b> church"},
    "datetaken": "2016-03-17 16:25:15",
    "datetakengranularity": "0",
    "datetakenunknown": "0",
    "tags": "doreabbey church",
    "latitude": "51.96",
    "longitude": "-2.89",
    "accuracy": "16",
    "originalformat": "jpg",
}


def make_photo(**changes: Any) -> Photo:
    photo = dataclasses.replace(
        photo_from_listing(LISTING), tags=("Dore Abbey", "church"), geo=Geo(51.96, -2.89, 16)
    )
    return dataclasses.replace(photo, **changes)


def bare_photo() -> Photo:
    """Nothing Flickr would make us write."""
    return make_photo(title="", description="", tags=(), date_taken=None, geo=None)


def make_jpeg(exif_bytes: bytes | None = None, size: tuple[int, int] = (32, 24)) -> bytes:
    buffer = io.BytesIO()
    image = Image.new("RGB", size, (200, 30, 10))
    if exif_bytes is None:
        image.save(buffer, "JPEG")
    else:
        image.save(buffer, "JPEG", exif=exif_bytes)
    return buffer.getvalue()


def noise_jpeg(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(
        buffer, "JPEG", quality=90
    )
    return buffer.getvalue()


def camera_exif(exif_tags: dict[int, Any] | None = None) -> bytes:
    exif_ifd = {
        piexif.ExifIFD.DateTimeOriginal: b"2016:03:17 16:25:14",
        piexif.ExifIFD.ExposureTime: (1, 250),
        piexif.ExifIFD.MakerNote: b"CANON-MAKERNOTE" * 8,
    }
    exif_ifd.update(exif_tags or {})
    return piexif.dump(
        {
            "0th": {piexif.ImageIFD.Make: b"Canon", piexif.ImageIFD.Model: b"EOS 5D"},
            "Exif": exif_ifd,
            "1st": {piexif.ImageIFD.XResolution: (72, 1)},
            "thumbnail": make_jpeg(size=(16, 12)),
        }
    )


def camera_jpeg(exif_tags: dict[int, Any] | None = None) -> bytes:
    return make_jpeg(camera_exif(exif_tags))


def segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + (len(payload) + 2).to_bytes(2, "big") + payload


def split(data: bytes) -> tuple[bytes, bytes]:
    end = exif.header_length(data)
    assert end is not None
    return data[:end], data[end:]


def segments_of(header: bytes) -> list[tuple[int, bytes]]:
    """(marker, payload) pairs of a header, test-side walk (no fill bytes in our fixtures)."""
    out, i = [], 2
    while i < len(header):
        marker = header[i + 1]
        length = int.from_bytes(header[i + 2 : i + 4], "big")
        out.append((marker, header[i + 4 : i + 2 + length]))
        i += 2 + length
    return out


def xp(value: Any) -> str:
    return bytes(value).decode("utf-16-le").rstrip("\x00")


def degrees(rationals: Any, ref: bytes) -> float:
    d, m, s = (num / den for num, den in rationals)
    value = d + m / 60 + s / 3600
    return -value if ref in (b"S", b"W") else value


# --- header_length -----------------------------------------------------------------------

SYNTHETIC = (
    b"\xff\xd8"
    + segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    + segment(0xFE, b"comment with \xff\xda inside")
    + segment(0xDB, bytes(65))
)
SOS_SEGMENT = segment(0xDA, b"\x01\x01\x00\x00\x3f\x00") + b"\x12\x34\xff\x00\xff\xd9"


def test_is_jpeg_accepts_an_soi_marker() -> None:
    assert exif.is_jpeg(make_jpeg())


def test_is_jpeg_rejects_png_and_short_prefixes() -> None:
    assert not exif.is_jpeg(b"\x89PNG\r\n\x1a\n") and not exif.is_jpeg(b"\xff\xd8")


def test_header_length_is_the_offset_of_the_sos_marker() -> None:
    assert exif.header_length(SYNTHETIC + SOS_SEGMENT) == len(SYNTHETIC)


def test_header_length_ignores_ff_da_bytes_inside_a_segment_payload() -> None:
    data = SYNTHETIC + SOS_SEGMENT
    assert data.index(b"\xff\xda") < exif.header_length(data)  # type: ignore[operator]


def test_header_length_needs_more_bytes_for_every_prefix_that_stops_before_sos() -> None:
    data = SYNTHETIC + SOS_SEGMENT
    assert all(exif.header_length(data[:n]) is None for n in range(len(SYNTHETIC) + 1))


def test_header_length_counts_fill_bytes_before_sos_as_image_data() -> None:
    assert exif.header_length(SYNTHETIC + b"\xff\xff" + SOS_SEGMENT) == len(SYNTHETIC)


def test_header_length_steps_over_fill_bytes_and_standalone_markers() -> None:
    data = b"\xff\xd8\xff\xff" + segment(0xE0, b"JFIF\x00") + b"\xff\xd0" + SOS_SEGMENT
    assert exif.header_length(data) == len(data) - len(SOS_SEGMENT)


def test_header_length_of_a_real_jpeg_matches_the_pillow_structure() -> None:
    header, rest = split(make_jpeg())
    assert rest.startswith(b"\xff\xda") and rest.endswith(b"\xff\xd9")
    assert [marker for marker, _ in segments_of(header)][-1] == 0xC4  # last DHT before SOS


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n",
        b"\xff\xd8\x00\x00",  # no marker where one must be
        b"\xff\xd8" + b"\xff\xe0\x00\x01",  # length field below 2
        b"\xff\xd8\xff\xd9",  # EOI before any scan
        b"\xff\xd8\xff\x00\x00\x04",  # a stuffed zero is not a marker
    ],
    ids=["png", "garbage", "short-length", "early-eoi", "stuffed-zero"],
)
def test_header_length_rejects_a_malformed_segment_structure(data: bytes) -> None:
    with pytest.raises(ValueError):
        exif.header_length(data)


# --- what gets written -----------------------------------------------------------------------


def test_title_description_and_tags_are_written_as_xp_fields() -> None:
    zeroth = piexif.load(exif.embed_jpeg(make_jpeg(), make_photo()))["0th"]
    assert (
        xp(zeroth[piexif.ImageIFD.XPTitle]),
        xp(zeroth[piexif.ImageIFD.XPComment]),
        xp(zeroth[piexif.ImageIFD.XPKeywords]),
    ) == ("Dore Abbey", "A lovely church", "Dore Abbey;church")


def test_xp_fields_are_utf16le_with_a_terminating_nul() -> None:
    zeroth = piexif.load(exif.embed_jpeg(make_jpeg(), make_photo(title="Hi")))["0th"]
    assert bytes(zeroth[piexif.ImageIFD.XPTitle]) == b"H\x00i\x00\x00\x00"


def test_image_description_is_the_plain_text_description_in_utf8() -> None:
    photo = make_photo(title="Title", description="Café<br>au <a href='x'>lait</a> &amp; 🌸")
    zeroth = piexif.load(exif.embed_jpeg(make_jpeg(), photo))["0th"]
    assert zeroth[piexif.ImageIFD.ImageDescription] == "Café\nau lait & 🌸".encode()


def test_an_empty_description_writes_no_image_description_even_with_a_title() -> None:
    zeroth = piexif.load(exif.embed_jpeg(make_jpeg(), make_photo(description="")))["0th"]
    assert piexif.ImageIFD.ImageDescription not in zeroth
    assert xp(zeroth[piexif.ImageIFD.XPTitle]) == "Dore Abbey"


def test_emoji_and_non_latin_titles_round_trip() -> None:
    title = "東京 🌸 — «nuit» 👩‍👩‍👧"
    zeroth = piexif.load(exif.embed_jpeg(make_jpeg(), make_photo(title=title)))["0th"]
    assert xp(zeroth[piexif.ImageIFD.XPTitle]) == title


def test_date_taken_becomes_date_time_original_in_exif_format() -> None:
    loaded = piexif.load(exif.embed_jpeg(make_jpeg(), make_photo()))
    assert loaded["Exif"][piexif.ExifIFD.DateTimeOriginal] == b"2016:03:17 16:25:15"


def test_date_time_digitized_is_filled_in_when_the_camera_had_none() -> None:
    loaded = piexif.load(exif.embed_jpeg(make_jpeg(), make_photo()))
    assert loaded["Exif"][piexif.ExifIFD.DateTimeDigitized] == b"2016:03:17 16:25:15"


def test_date_time_digitized_recorded_by_the_camera_is_kept() -> None:
    data = camera_jpeg({piexif.ExifIFD.DateTimeDigitized: b"2016:03:17 16:25:10"})
    loaded = piexif.load(exif.embed_jpeg(data, make_photo()))
    assert loaded["Exif"][piexif.ExifIFD.DateTimeDigitized] == b"2016:03:17 16:25:10"


@pytest.mark.parametrize(
    "changes",
    [{"date_taken": None}, {"date_taken_unknown": True}],
    ids=["no-date", "date-unknown"],
)
def test_no_date_is_written_when_flickr_does_not_know_it(changes: dict[str, Any]) -> None:
    loaded = piexif.load(exif.embed_jpeg(make_jpeg(), make_photo(**changes)))
    assert piexif.ExifIFD.DateTimeOriginal not in loaded["Exif"]


def test_geo_is_written_as_gps_version_refs_and_dms_rationals() -> None:
    gps = piexif.load(exif.embed_jpeg(make_jpeg(), make_photo()))["GPS"]
    assert gps[piexif.GPSIFD.GPSVersionID] == (2, 2, 0, 0)
    assert degrees(gps[piexif.GPSIFD.GPSLatitude], gps[piexif.GPSIFD.GPSLatitudeRef]) == (
        pytest.approx(51.96, abs=1e-7)
    )
    assert degrees(gps[piexif.GPSIFD.GPSLongitude], gps[piexif.GPSIFD.GPSLongitudeRef]) == (
        pytest.approx(-2.89, abs=1e-7)
    )


def test_southern_and_western_coordinates_get_s_and_w_refs() -> None:
    photo = make_photo(geo=Geo(-33.8568, -151.2153, 16))
    gps = piexif.load(exif.embed_jpeg(make_jpeg(), photo))["GPS"]
    assert (gps[piexif.GPSIFD.GPSLatitudeRef], gps[piexif.GPSIFD.GPSLongitudeRef]) == (b"S", b"W")


def test_seconds_never_round_up_to_sixty() -> None:
    assert exif.dms_rationals(10.99999999) == ((11, 1), (0, 1), (0, 10000))


def test_empty_title_description_and_tags_leave_camera_values_alone() -> None:
    data = make_jpeg(piexif.dump({"0th": {piexif.ImageIFD.ImageDescription: b"CAMERA"}}))
    zeroth = piexif.load(exif.embed_jpeg(data, make_photo(title="", description="", tags=())))[
        "0th"
    ]
    assert zeroth[piexif.ImageIFD.ImageDescription] == b"CAMERA"
    assert piexif.ImageIFD.XPTitle not in zeroth and piexif.ImageIFD.XPComment not in zeroth


def test_nothing_to_write_returns_the_header_unchanged() -> None:
    header, _ = split(make_jpeg())
    assert exif.embed(header, bare_photo()) == (header, {})


# --- what must not change ----------------------------------------------------------------------


def test_image_data_from_sos_to_eoi_is_byte_identical() -> None:
    data = camera_jpeg()
    assert split(exif.embed_jpeg(data, make_photo()))[1] == split(data)[1]


def test_camera_make_model_and_exposure_are_kept() -> None:
    loaded = piexif.load(exif.embed_jpeg(camera_jpeg(), make_photo()))
    assert (
        loaded["0th"][piexif.ImageIFD.Make],
        loaded["0th"][piexif.ImageIFD.Model],
        loaded["Exif"][piexif.ExifIFD.ExposureTime],
    ) == (b"Canon", b"EOS 5D", (1, 250))


def test_makernote_and_thumbnail_are_kept() -> None:
    before = piexif.load(camera_jpeg())
    after = piexif.load(exif.embed_jpeg(camera_jpeg(), make_photo()))
    assert after["Exif"][piexif.ExifIFD.MakerNote] == before["Exif"][piexif.ExifIFD.MakerNote]
    assert after["thumbnail"] == before["thumbnail"]


def test_makernote_keeps_its_offset_in_the_tiff_block() -> None:
    # Canon-style MakerNotes hold offsets relative to the TIFF header: moving them breaks them.
    def makernote_offset(data: bytes) -> int:
        payload = next(p for m, p in segments_of(split(data)[0]) if p.startswith(b"Exif"))
        return payload.index(b"CANON-MAKERNOTE") - 6

    data = camera_jpeg()
    assert makernote_offset(exif.embed_jpeg(data, make_photo())) == makernote_offset(data)


def test_little_endian_camera_exif_stays_little_endian() -> None:
    camera = Image.Exif()
    camera.endian = "<"
    camera[piexif.ImageIFD.Make] = "Nikon"
    header, _ = split(exif.embed_jpeg(make_jpeg(camera.tobytes()), make_photo()))
    exif_payload = next(p for _, p in segments_of(header) if p.startswith(b"Exif"))
    assert exif_payload[6:10] == b"II*\x00"


def test_overwritten_camera_values_are_reported_with_their_old_value() -> None:
    _, replaced = exif.embed(split(camera_jpeg())[0], make_photo())
    assert replaced == {"DateTimeOriginal": "2016:03:17 16:25:14"}


def test_overwritten_camera_gps_is_reported_in_decimal_degrees() -> None:
    camera_gps = piexif.dump(
        {
            "GPS": {
                piexif.GPSIFD.GPSLatitudeRef: b"S",
                piexif.GPSIFD.GPSLatitude: ((10, 1), (30, 1), (0, 1)),
                piexif.GPSIFD.GPSLongitudeRef: b"E",
                piexif.GPSIFD.GPSLongitude: ((20, 1), (0, 1), (0, 1)),
                piexif.GPSIFD.GPSAltitude: (123, 1),
            }
        }
    )
    _, replaced = exif.embed(split(make_jpeg(camera_gps))[0], make_photo())
    assert replaced == {"GPSLatitude": "-10.5000000", "GPSLongitude": "20.0000000"}


def test_camera_gps_tags_flickr_has_no_value_for_are_kept() -> None:
    camera_gps = piexif.dump({"GPS": {piexif.GPSIFD.GPSAltitude: (123, 1)}})
    gps = piexif.load(exif.embed_jpeg(make_jpeg(camera_gps), make_photo()))["GPS"]
    assert gps[piexif.GPSIFD.GPSAltitude] == (123, 1)


def test_blank_camera_descriptions_are_not_reported() -> None:
    data = make_jpeg(piexif.dump({"0th": {piexif.ImageIFD.ImageDescription: b"    "}}))
    _, replaced = exif.embed(split(data)[0], make_photo(date_taken=None))
    assert replaced == {}


def test_other_segments_keep_their_order_and_bytes() -> None:
    xmp = segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta/>")
    icc = segment(0xE2, b"ICC_PROFILE\x00\x01\x01" + bytes(40))
    com = segment(0xFE, b"a comment")
    header, _ = split(camera_jpeg())
    app0_end = 4 + int.from_bytes(header[4:6], "big")
    camera = header[:app0_end] + xmp + icc + com + header[app0_end:]
    before = segments_of(camera)
    after = segments_of(exif.embed(camera, make_photo())[0])
    exif_at = next(i for i, (_, p) in enumerate(before) if p.startswith(b"Exif"))
    del before[exif_at], after[exif_at]
    assert after == before


def test_exif_goes_where_the_old_exif_segment_was() -> None:
    header, _ = split(camera_jpeg())
    markers = [m for m, _ in segments_of(header)]
    assert [m for m, _ in segments_of(exif.embed(header, make_photo())[0])] == markers


def test_a_jpeg_without_exif_gets_one_right_after_jfif() -> None:
    new_header, _ = split(exif.embed_jpeg(make_jpeg(), make_photo()))
    first, second = segments_of(new_header)[:2]
    assert first[1].startswith(b"JFIF") and second[1].startswith(b"Exif\x00\x00")


def test_a_jpeg_without_app0_gets_exif_right_after_soi() -> None:
    header, _ = split(make_jpeg())
    app0_end = 4 + int.from_bytes(header[4:6], "big")
    new_header, _ = exif.embed(b"\xff\xd8" + header[app0_end:], make_photo())
    assert new_header[2:4] == b"\xff\xe1" and new_header[6:12] == b"Exif\x00\x00"


def test_pillow_still_decodes_the_result() -> None:
    image = Image.open(io.BytesIO(exif.embed_jpeg(camera_jpeg(), make_photo())))
    image.load()
    assert image.size == (32, 24)


# --- idempotence -----------------------------------------------------------------------------


def test_embedding_twice_gives_the_same_bytes_as_once() -> None:
    once = exif.embed_jpeg(camera_jpeg(), make_photo())
    assert exif.embed_jpeg(once, make_photo()) == once


def test_embedding_twice_reports_nothing_replaced_the_second_time() -> None:
    once = exif.embed_jpeg(camera_jpeg(), make_photo())
    assert exif.embed(split(once)[0], make_photo())[1] == {}


def test_a_changed_title_replaces_the_old_one_instead_of_adding_a_copy() -> None:
    renamed = make_photo(title="Renamed")
    twice = exif.embed_jpeg(exif.embed_jpeg(camera_jpeg(), make_photo()), renamed)
    assert twice == exif.embed_jpeg(camera_jpeg(), renamed)


def test_a_changed_title_on_a_jpeg_without_camera_exif_does_not_grow_the_file() -> None:
    renamed = make_photo(title="Another")
    twice = exif.embed_jpeg(exif.embed_jpeg(make_jpeg(), make_photo()), renamed)
    assert twice == exif.embed_jpeg(make_jpeg(), renamed)


def test_our_previous_title_is_not_reported_as_a_camera_value() -> None:
    once = exif.embed_jpeg(make_jpeg(), make_photo())
    assert exif.embed(split(once)[0], make_photo(title="Renamed"))[1] == {}


def test_a_title_cleared_on_flickr_removes_the_title_we_wrote() -> None:
    once = exif.embed_jpeg(make_jpeg(), make_photo())
    zeroth = piexif.load(exif.embed_jpeg(once, make_photo(title="")))["0th"]
    assert piexif.ImageIFD.XPTitle not in zeroth
    assert piexif.ImageIFD.ImageDescription in zeroth  # the description is still there
    zeroth = piexif.load(exif.embed_jpeg(once, make_photo(description="")))["0th"]
    assert piexif.ImageIFD.ImageDescription not in zeroth
    assert piexif.ImageIFD.XPComment not in zeroth


def test_geo_removed_on_flickr_removes_our_gps_but_keeps_the_cameras_altitude() -> None:
    camera_gps = piexif.dump({"GPS": {piexif.GPSIFD.GPSAltitude: (123, 1)}})
    once = exif.embed_jpeg(make_jpeg(camera_gps), make_photo())
    gps = piexif.load(exif.embed_jpeg(once, make_photo(geo=None)))["GPS"]
    assert gps == {piexif.GPSIFD.GPSAltitude: (123, 1)}


def test_date_time_digitized_we_filled_in_follows_a_corrected_date() -> None:
    once = exif.embed_jpeg(make_jpeg(), make_photo())
    again = exif.embed_jpeg(once, make_photo(date_taken="2017-01-02 03:04:05"))
    assert piexif.load(again)["Exif"][piexif.ExifIFD.DateTimeDigitized] == b"2017:01:02 03:04:05"


def test_a_camera_date_equal_to_flickrs_stays_the_cameras_and_is_reported_when_changed() -> None:
    data = camera_jpeg({piexif.ExifIFD.DateTimeOriginal: b"2016:03:17 16:25:15"})
    once = exif.embed_jpeg(data, make_photo())
    _, replaced = exif.embed(split(once)[0], make_photo(date_taken="2017-01-02 03:04:05"))
    assert replaced == {"DateTimeOriginal": "2016:03:17 16:25:15"}


# --- limits and bad input -----------------------------------------------------------------------


def test_unparsable_camera_exif_is_left_untouched_and_reported() -> None:
    header, _ = split(make_jpeg())
    broken = header[:2] + segment(0xE1, b"Exif\x00\x00MM\x00*\xff\xff\xff\xf0junk") + header[2:]
    new_header, replaced = exif.embed(broken, make_photo())
    assert new_header == broken and "_error" in replaced


def test_exif_pointing_outside_its_segment_is_left_untouched() -> None:
    tiff = b"II*\x00\x08\x00\x00\x00" + struct.pack("<HHHII", 1, 271, 2, 400, 9999) + bytes(4)
    header, _ = split(make_jpeg())
    broken = header[:2] + segment(0xE1, b"Exif\x00\x00" + tiff) + header[2:]
    new_header, replaced = exif.embed(broken, make_photo())
    assert new_header == broken and "_error" in replaced


def test_a_huge_value_count_is_refused_before_piexif_tries_to_allocate_it() -> None:
    # Regression: piexif builds a struct format of `count` characters for BYTE values.
    entry = struct.pack("<HHII", piexif.ImageIFD.XPTitle, 1, 0x7FFFFFFF, 26)
    tiff = b"II*\x00\x08\x00\x00\x00" + struct.pack("<H", 1) + entry + bytes(4) + bytes(8)
    header, _ = split(make_jpeg())
    broken = header[:2] + segment(0xE1, b"Exif\x00\x00" + tiff) + header[2:]
    assert "_error" in exif.embed(broken, make_photo())[1]


def test_the_thumbnail_is_dropped_when_the_exif_would_exceed_64_kib() -> None:
    data = make_jpeg(
        piexif.dump({"0th": {}, "1st": {}, "thumbnail": noise_jpeg(120, 90)}), size=(8, 8)
    )
    big = make_photo(description="x" * 20_000)  # 20 KB as ImageDescription, 40 KB as XP
    out = exif.embed_jpeg(data, big)
    assert piexif.load(out)["thumbnail"] is None
    assert "_thumbnail" in exif.embed(split(data)[0], big)[1]


def test_metadata_that_cannot_fit_64_kib_raises_value_error() -> None:
    with pytest.raises(ValueError, match="64 KiB"):
        exif.embed_jpeg(make_jpeg(), make_photo(description="x" * 40_000))


def test_embed_rejects_a_header_that_stops_inside_a_segment() -> None:
    header, _ = split(make_jpeg())
    with pytest.raises(ValueError):
        exif.embed(header[:-3], make_photo())


def test_embed_rejects_a_header_that_includes_the_scan() -> None:
    with pytest.raises(ValueError):
        exif.embed(make_jpeg(), make_photo())


def test_embed_jpeg_rejects_data_without_a_scan() -> None:
    with pytest.raises(ValueError):
        exif.embed_jpeg(split(make_jpeg())[0], make_photo())
