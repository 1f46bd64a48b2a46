"""xmp: the packet for sidecars and JPEGs, merged into a camera's own, read back by exiftool."""

from __future__ import annotations

import dataclasses
import io
import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image

from flickr_async import exif, xmp
from flickr_async.embedded_meta import LICENSES, Meta, from_sidecar
from tests.exiftool import as_list, read, validate
from tests.fakeflickr.content import CAMERA_XMP, with_camera_xmp

NS = xmp.NAMESPACES
META = Meta(
    title="Dore Abbey",
    description="A lovely church\nin the valley",
    tags=("Dore Abbey", "church", "2019"),
    date_taken="2016-03-17 16:25:15",
    latitude=51.96,
    longitude=-2.89,
    city="Abbey Dore",
    state="England",
    country="United Kingdom",
    creator="someone",
    license_name=LICENSES["4"][0],
    license_url=LICENSES["4"][1],
    source="https://www.flickr.com/photos/someone/26069027966/",
)


def parse(packet: bytes) -> ET.Element:
    text = packet.decode("utf-8")
    assert text.startswith('<?xpacket begin="\ufeff"') and text.endswith('<?xpacket end="w"?>')
    return ET.fromstring(text)


def values(root: ET.Element, prefix: str, name: str) -> list[str]:
    found = root.findall(f".//{{{NS[prefix]}}}{name}")
    if not found:
        return []
    (element,) = found
    items = element.findall(f".//{{{NS['rdf']}}}li")
    return [li.text or "" for li in items] if items else [element.text or ""]


def make_jpeg(*, camera_xmp: bool = False) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 12), (10, 120, 200)).save(buffer, "JPEG")
    data = buffer.getvalue()
    return with_camera_xmp(data) if camera_xmp else data


def split(data: bytes) -> tuple[bytes, bytes]:
    end = exif.header_length(data)
    assert end is not None
    return data[:end], data[end:]


def xmp_segments(data: bytes) -> list[bytes]:
    header, _ = split(data)
    return [
        s.payload[len(xmp.XMP_MAGIC) :]
        for s in exif.segments(header)
        if s.marker == exif.APP1 and s.payload.startswith(xmp.XMP_MAGIC)
    ]


def embedded(data: bytes, meta: Meta = META) -> bytes:
    header, rest = split(data)
    new, note = xmp.embed(header, meta)
    assert note is None
    return new + rest


# --- the packet ---------------------------------------------------------------------------


def test_the_sidecar_packet_has_one_description_with_every_property() -> None:
    root = parse(xmp.packet(META))
    assert len(root.findall(f".//{{{NS['rdf']}}}Description")) == 1
    assert values(root, "dc", "title") == ["Dore Abbey"]
    assert values(root, "dc", "description") == ["A lovely church\nin the valley"]
    assert values(root, "dc", "subject") == ["Dore Abbey", "church", "2019"]
    assert values(root, "dc", "creator") == ["someone"]
    assert values(root, "dc", "rights") == ["Attribution License"]
    assert values(root, "xmpRights", "WebStatement") == [LICENSES["4"][1]]
    assert values(root, "dc", "source") == [META.source]
    for prefix, name in (("photoshop", "DateCreated"), ("xmp", "CreateDate")):
        assert values(root, prefix, name) == ["2016-03-17T16:25:15"]
    assert values(root, "exif", "DateTimeOriginal") == ["2016-03-17T16:25:15"]
    assert values(root, "exif", "GPSLatitude") == ["51,57.600000N"]
    assert values(root, "exif", "GPSLongitude") == ["2,53.400000W"]
    assert values(root, "photoshop", "City") == ["Abbey Dore"]
    assert values(root, "photoshop", "Country") == ["United Kingdom"]


def test_what_flickr_does_not_know_is_not_written() -> None:
    bare = dataclasses.replace(
        META, description="", tags=(), date_taken=None, latitude=None, longitude=None, city=""
    )
    root = parse(xmp.packet(bare))
    for prefix, name in (
        ("dc", "description"),
        ("dc", "subject"),
        ("photoshop", "DateCreated"),
        ("exif", "GPSLatitude"),
        ("photoshop", "City"),
    ):
        assert values(root, prefix, name) == [], name


@pytest.mark.parametrize(
    ("degrees", "text"),
    [(0.0, "0,0.000000N"), (-33.8688, "33,52.128000S"), (12.9999999999, "13,0.000000E")],
)
def test_gps_coordinates_use_xmps_degrees_and_decimal_minutes(degrees: float, text: str) -> None:
    ref = ("N", "S") if "N" in text or "S" in text else ("E", "W")
    assert xmp.gps_coordinate(degrees, *ref) == text


def test_text_that_xml_cannot_hold_is_dropped_and_markup_escaped() -> None:
    title = "a <b> & \"c\" 'd' \x01\x0b e"
    meta = from_sidecar({"title": title, "description": "x<y &amp; z", "tags": []})
    root = parse(xmp.packet(meta))
    assert values(root, "dc", "title") == ["a <b> & \"c\" 'd'  e"]
    assert values(root, "dc", "description") == ["x<y & z"]


# --- merging into a camera's packet --------------------------------------------------------


def test_a_cameras_packet_keeps_its_properties_and_loses_its_versions_of_ours() -> None:
    merged = xmp.merge(CAMERA_XMP, META)
    text = merged.decode()
    assert 'MicroVideoOffset="4242"' in text and "equirectangular" in text
    assert "IMG_0042" not in text and "1999-01-01" not in text
    root = parse(merged)
    assert values(root, "dc", "title") == ["Dore Abbey"]
    assert values(root, "photoshop", "DateCreated") == ["2016-03-17T16:25:15"]
    assert "xmlns:GCamera=" in text  # the camera's prefixes survive for picky readers


def test_merging_twice_gives_the_same_packet() -> None:
    once = xmp.merge(CAMERA_XMP, META)
    assert xmp.merge(once, META) == once


def test_a_jpeg_without_xmp_gets_one_packet_after_its_exif() -> None:
    data = exif.embed_jpeg(make_jpeg(), META)
    out = embedded(data)
    header, rest = split(out)
    markers = [(s.marker, s.payload[:4]) for s in exif.segments(header)]
    exif_at = markers.index((exif.APP1, b"Exif"))
    assert markers[exif_at + 1] == (exif.APP1, b"http")
    assert len(xmp_segments(out)) == 1 and rest == split(data)[1]


def test_a_jpeg_with_a_cameras_packet_still_has_exactly_one() -> None:
    out = embedded(make_jpeg(camera_xmp=True))
    (packet,) = xmp_segments(out)
    assert b"MicroVideoOffset" in packet and b"Dore Abbey" in packet


def test_a_file_that_already_has_two_packets_gets_ours_in_both() -> None:
    data = with_camera_xmp(make_jpeg(camera_xmp=True))
    assert len(xmp_segments(data)) == 2
    for packet in xmp_segments(embedded(data)):
        assert b"Dore Abbey" in packet and b"IMG_0042" not in packet


def test_extended_xmp_and_iptc_segments_stay_byte_for_byte() -> None:
    data = make_jpeg(camera_xmp=True)
    extended = b"http://ns.adobe.com/xmp/extension/\x00" + b"0" * 32 + b"\x00" * 8 + b"<x/>"
    iptc = b"Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x00"
    extra = b"".join(
        marker + struct.pack(">H", len(payload) + 2) + payload
        for marker, payload in ((b"\xff\xe1", extended), (b"\xff\xed", iptc))
    )
    data = data[:2] + extra + data[2:]
    out = embedded(data)
    assert extra in out


def test_a_malformed_packet_is_left_alone_with_a_note() -> None:
    broken = b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta><rdf:RDF"
    data = make_jpeg()
    data = data[:2] + b"\xff\xe1" + struct.pack(">H", len(broken) + 2) + broken + data[2:]
    header, _ = split(data)
    new, note = xmp.embed(header, META)
    assert new == header and note is not None and "untouched" in note


def test_a_packet_over_64_kib_is_not_embedded_and_says_so() -> None:
    huge = dataclasses.replace(META, description="x" * 70_000)
    header, _ = split(make_jpeg())
    new, note = xmp.embed(header, huge)
    assert new == header and note is not None and "64 KiB" in note


# --- read back by exiftool -----------------------------------------------------------------

HOSTILE = dataclasses.replace(
    META,
    title='東京 🌸 — «nuit» "quoted" <b>not html</b> & co',
    description="Line one\nLine two with <angle> & ampersand\n\n" + "long " * 3_000,
    tags=("Zürich", 'with "quotes"', "a&b", "<tag>", "👩‍👩‍👧"),
    latitude=-33.8688,
    longitude=151.2093,
)


def test_exiftool_reads_hostile_text_back_from_a_jpeg_and_its_sidecar(tmp_path: Path) -> None:
    jpeg = tmp_path / "photo.jpg"
    original = make_jpeg(camera_xmp=True)
    jpeg.write_bytes(embedded(exif.embed_jpeg(original, HOSTILE), HOSTILE))
    sidecar = tmp_path / "photo.jpg.xmp"
    sidecar.write_bytes(xmp.packet(HOSTILE))
    found = read([jpeg, sidecar])
    for path in (jpeg, sidecar):
        item = found[str(path)]
        assert item["Title"] == HOSTILE.title
        assert (
            item["Description"] == HOSTILE.description.strip()
            or item["Description"] == HOSTILE.description
        )
        assert as_list(item["Keywords"]) == list(HOSTILE.tags)
        assert item["DateTimeOriginal"] == "2016:03:17 16:25:15"
        assert item["GPSLatitude"] == pytest.approx(-33.8688, abs=1e-6)
        assert item["GPSLongitude"] == pytest.approx(151.2093, abs=1e-6)
    assert not [w for w in validate(jpeg) if "XMP" in w]
    assert split(jpeg.read_bytes())[1] == split(original)[1]  # image data untouched


# --- reading a sidecar back --------------------------------------------------------------


def test_a_sidecar_as_written_carries_its_metadata() -> None:
    assert xmp.sidecar_problem(xmp.packet(META), META) is None


def test_a_sidecar_that_is_not_xml_is_named_so() -> None:
    problem = xmp.sidecar_problem(b"\x00\x01 garbage", META)
    assert problem is not None and problem.startswith("not XML")


def test_xml_that_is_not_an_xmp_packet_is_named_so() -> None:
    assert xmp.sidecar_problem(b"<html><body/></html>", META) == (
        "not an XMP packet (no x:xmpmeta/rdf:RDF/rdf:Description)"
    )
    assert xmp.sidecar_problem(b"<html/>", None) is not None  # the shape, even with no record


def test_a_sidecar_with_other_values_names_the_properties_that_differ() -> None:
    moved = dataclasses.replace(META, title="Elsewhere", city="Hay-on-Wye")
    assert xmp.sidecar_problem(xmp.packet(moved), META) == (
        "dc:title, photoshop:City not as the JSON sidecar says"
    )
    assert xmp.sidecar_problem(xmp.packet(moved), None) is None  # no record: shape only


def test_a_sidecar_missing_one_of_our_properties_is_a_problem() -> None:
    assert xmp.sidecar_problem(xmp.packet(dataclasses.replace(META, tags=())), META) == (
        "dc:subject not as the JSON sidecar says"
    )


def test_properties_another_tool_added_and_its_layout_are_no_problem() -> None:
    """Immich or digiKam may add a rating and write the packet indented, simple values as
    attributes: what we wrote is still there."""
    root = parse(xmp.packet(META))
    description = root.find(f".//{{{NS['rdf']}}}Description")
    assert description is not None
    source = description.find(f"{{{NS['dc']}}}source")
    assert source is not None and source.text
    description.remove(source)
    description.set(f"{{{NS['dc']}}}source", source.text)
    ET.SubElement(description, f"{{{NS['xmp']}}}Rating").text = "5"
    ET.indent(root)
    assert xmp.sidecar_problem(ET.tostring(root), META) is None
