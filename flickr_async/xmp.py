"""Pure: Flickr's metadata as XMP, for `.xmp` sidecars and for the packet inside JPEGs.

XMP is what Lightroom, Apple Photos, darktable, PhotoPrism, digiKam and (for keywords) Immich
read; `<file>.<ext>.xmp` is the one sidecar name all the sidecar readers accept, and the only
route for PNG, GIF and video (containers are never rewritten). A JPEG gets the same properties
in its single standard XMP packet: when the camera, phone or Lightroom left one there (motion
photo, panorama, edit data), ours are merged into it, replacing only our properties and keeping
everything else, because readers disagree on which of two packets wins. Extended XMP and IPTC
(APP13) segments are left byte for byte.
"""

from __future__ import annotations

import contextlib
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable

from flickr_async.embedded_meta import Meta
from flickr_async.exif import APP0, APP1, EXIF_MAGIC, MAX_SEGMENT_LENGTH, segments

NAMESPACES = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "photoshop": "http://ns.adobe.com/photoshop/1.0/",
    "exif": "http://ns.adobe.com/exif/1.0/",
    "xmpRights": "http://ns.adobe.com/xap/1.0/rights/",
}
for _prefix, _uri in NAMESPACES.items():
    ET.register_namespace(_prefix, _uri)

XMP_MAGIC = b"http://ns.adobe.com/xap/1.0/\x00"  # the standard packet's APP1 signature
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_PACKET_BEGIN = '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
_PACKET_END = '\n<?xpacket end="w"?>'
_DECLARATION = re.compile(r'xmlns:([A-Za-z_][\w.-]*)\s*=\s*["\']([^"\']+)["\']')


def _q(prefix: str, name: str) -> str:
    return f"{{{NAMESPACES[prefix]}}}{name}"


RDF_RDF, RDF_DESCRIPTION, RDF_ABOUT = _q("rdf", "RDF"), _q("rdf", "Description"), _q("rdf", "about")
# Every property we write; merging replaces exactly these, whichever form they were in.
# Album titles are not written as `lr:hierarchicalSubject` keywords: that would tie a JPEG's
# bytes to its album membership (an album edit would rewrite every original in it); albums
# are folders, and the JSON sidecar lists them.
OURS = frozenset(
    _q(prefix, name)
    for prefix, names in {
        "dc": ("title", "description", "subject", "creator", "rights", "source"),
        "photoshop": ("DateCreated", "City", "State", "Country"),
        "xmp": ("CreateDate",),
        "exif": ("DateTimeOriginal", "GPSLatitude", "GPSLongitude", "GPSVersionID"),
        "xmpRights": ("WebStatement",),
    }.items()
    for name in names
)


# --- values ------------------------------------------------------------------------------


def xmp_date(date_taken: str) -> str:
    """Flickr's "YYYY-MM-DD HH:MM:SS" as XMP's ISO form, local time, no invented zone."""
    return date_taken.strip().replace(" ", "T", 1)


def gps_coordinate(degrees: float, positive: str, negative: str) -> str:
    """XMP's GPSCoordinate "DDD,MM.mmmmmmK": whole degrees, decimal minutes, a hemisphere."""
    micro_minutes = round(abs(degrees) * 60 * 1_000_000)  # integer math: never "60.000000"
    whole, rest = divmod(micro_minutes, 60 * 1_000_000)
    minutes, fraction = divmod(rest, 1_000_000)
    return f"{whole},{minutes}.{fraction:06d}{positive if degrees >= 0 else negative}"


# --- elements ----------------------------------------------------------------------------


def _simple(parent: ET.Element, prefix: str, name: str, value: str) -> None:
    if value:
        ET.SubElement(parent, _q(prefix, name)).text = value


def _container(parent: ET.Element, prefix: str, name: str, kind: str, items: Iterable[str]) -> None:
    values = [item for item in items if item]
    if not values:
        return
    holder = ET.SubElement(ET.SubElement(parent, _q(prefix, name)), _q("rdf", kind))
    for value in values:
        li = ET.SubElement(holder, _q("rdf", "li"))
        if kind == "Alt":
            li.set(_XML_LANG, "x-default")
        li.text = value


def _add_ours(description: ET.Element, meta: Meta) -> None:
    _container(description, "dc", "title", "Alt", [meta.title])
    _container(description, "dc", "description", "Alt", [meta.description])
    _container(description, "dc", "subject", "Bag", meta.tags)
    _container(description, "dc", "creator", "Seq", [meta.creator])
    _container(description, "dc", "rights", "Alt", [meta.license_name])
    _simple(description, "xmpRights", "WebStatement", meta.license_url)
    _simple(description, "dc", "source", meta.source)
    if meta.date_taken:
        when = xmp_date(meta.date_taken)
        _simple(description, "photoshop", "DateCreated", when)
        _simple(description, "xmp", "CreateDate", when)
        _simple(description, "exif", "DateTimeOriginal", when)
    if meta.latitude is not None and meta.longitude is not None:
        _simple(description, "exif", "GPSVersionID", "2.2.0.0")
        _simple(description, "exif", "GPSLatitude", gps_coordinate(meta.latitude, "N", "S"))
        _simple(description, "exif", "GPSLongitude", gps_coordinate(meta.longitude, "E", "W"))
    _simple(description, "photoshop", "City", meta.city)
    _simple(description, "photoshop", "State", meta.state)
    _simple(description, "photoshop", "Country", meta.country)


def _wrap(xmpmeta: ET.Element) -> bytes:
    body = ET.tostring(xmpmeta, encoding="unicode", short_empty_elements=True)
    return (_PACKET_BEGIN + body + _PACKET_END).encode("utf-8")


def packet(meta: Meta) -> bytes:
    """A complete packet with one rdf:Description: the `.xmp` sidecar's whole content."""
    xmpmeta = ET.Element(_q("x", "xmpmeta"))
    rdf = ET.SubElement(xmpmeta, RDF_RDF)
    description = ET.SubElement(rdf, RDF_DESCRIPTION, {RDF_ABOUT: ""})
    _add_ours(description, meta)
    return _wrap(xmpmeta)


def merge(existing: bytes, meta: Meta) -> bytes:
    """`existing` packet with our properties replaced and everything else kept.

    Raises ValueError when the packet is not XML with an rdf:RDF in it.
    """
    text = existing.rstrip(b"\x00 \t\r\n").decode("utf-8")
    for prefix, uri in _DECLARATION.findall(text):
        # Keep the packet's own prefixes (GPano, GCamera, crs...) for readers that look.
        if prefix not in NAMESPACES and uri not in NAMESPACES.values():
            with contextlib.suppress(ValueError):  # a reserved "nsN" prefix: ET names it
                ET.register_namespace(prefix, uri)
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise ValueError(f"existing XMP is not well-formed: {exc}") from None
    if root.tag == RDF_RDF:
        xmpmeta = ET.Element(_q("x", "xmpmeta"))
        xmpmeta.append(root)
        rdf: ET.Element | None = root
    else:
        xmpmeta = root
        rdf = root.find(f".//{RDF_RDF}")
    if rdf is None:
        raise ValueError("existing XMP has no rdf:RDF")
    descriptions = rdf.findall(RDF_DESCRIPTION)
    for description in descriptions:
        for child in [c for c in description if c.tag in OURS]:
            description.remove(child)
        for attribute in [a for a in description.attrib if a in OURS]:
            del description.attrib[attribute]
    if descriptions:
        target = descriptions[0]
    else:
        target = ET.SubElement(rdf, RDF_DESCRIPTION, {RDF_ABOUT: ""})
    _add_ours(target, meta)
    return _wrap(xmpmeta)


# --- reading a sidecar back ----------------------------------------------------------------


def sidecar_problem(data: bytes, meta: Meta | None) -> str | None:
    """Why the `.xmp` sidecar `data` does not carry `meta` as packet() writes it; None when it
    does. Properties another tool added (a rating, a label) are no problem: every one of ours
    must be there, with our values, whichever form (element or attribute) it takes. Without
    `meta` (nothing to compare with) only its shape is checked."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        return f"not XML: {exc}"
    rdf = root if root.tag == RDF_RDF else None
    if root.tag == _q("x", "xmpmeta"):
        rdf = root.find(RDF_RDF)
    if rdf is None or not rdf.findall(RDF_DESCRIPTION):
        return "not an XMP packet (no x:xmpmeta/rdf:RDF/rdf:Description)"
    if meta is None:
        return None
    found = _properties(rdf)
    ours = ET.fromstring(packet(meta)).find(RDF_RDF)
    assert ours is not None
    expected = _properties(ours)
    wrong = sorted(_prefixed(tag) for tag in OURS if found.get(tag) != expected.get(tag))
    if wrong:
        return f"{', '.join(wrong)} not as the JSON sidecar says"
    return None


def _properties(rdf: ET.Element) -> dict[str, list[object]]:
    """Our properties in every rdf:Description, as comparable values (whitespace between
    elements and the order of a Bag's attributes do not count)."""
    found: dict[str, list[object]] = {}
    for description in rdf.findall(RDF_DESCRIPTION):
        for name, value in description.attrib.items():
            if name in OURS:
                found.setdefault(name, []).append(value.strip())
        for child in description:
            if child.tag in OURS:
                found.setdefault(child.tag, []).append(_value(child))
    return found


def _value(element: ET.Element) -> object:
    text = (element.text or "").strip()
    if len(element) == 0:
        return text
    children = tuple(
        (c.tag, tuple(sorted(c.attrib.items())), _value(c), (c.tail or "").strip()) for c in element
    )
    return text, children


def _prefixed(tag: str) -> str:
    uri, _, name = tag[1:].partition("}")
    prefix = next((p for p, u in NAMESPACES.items() if u == uri), uri)
    return f"{prefix}:{name}"


# --- inside a JPEG -----------------------------------------------------------------------


def _app1(payload: bytes) -> bytes:
    return b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload


def embed(header: bytes, meta: Meta) -> tuple[bytes, str | None]:
    """A JPEG header (SOI up to SOS) whose standard XMP packet carries `meta`.

    Returns the new header and a note when something could not be done (the header then
    keeps what it had: a file is never lost to its metadata). Raises ValueError for a
    malformed header.
    """
    found = segments(header)
    raws = [s.raw for s in found]
    packets = [
        i for i, s in enumerate(found) if s.marker == APP1 and s.payload.startswith(XMP_MAGIC)
    ]
    note = None
    if packets:
        # Normally one; if a file already has two, ours go into both so readers agree.
        for index in packets:
            try:
                merged = merge(found[index].payload[len(XMP_MAGIC) :], meta)
            except (ValueError, UnicodeDecodeError) as exc:
                note = f"existing XMP left untouched: {exc}"
                continue
            if len(XMP_MAGIC) + len(merged) + 2 > MAX_SEGMENT_LENGTH:
                note = "XMP not embedded: the packet would exceed the 64 KiB segment limit"
                continue
            raws[index] = _app1(XMP_MAGIC + merged)
    else:
        fresh = packet(meta)
        if len(XMP_MAGIC) + len(fresh) + 2 > MAX_SEGMENT_LENGTH:
            return header, "XMP not embedded: the packet would exceed the 64 KiB segment limit"
        # After EXIF's APP1 (and JFIF's APP0), as exiftool places it.
        at = 0
        while at < len(found) and (
            found[at].marker == APP0
            or (found[at].marker == APP1 and found[at].payload.startswith(EXIF_MAGIC))
        ):
            at += 1
        raws.insert(at, _app1(XMP_MAGIC + fresh))
    return b"\xff\xd8" + b"".join(raws), note
