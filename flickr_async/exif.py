"""Pure: embed Flickr's title, description, tags, date taken and geo in a JPEG's EXIF header.

`ImageDescription` is the description as plain text (what Immich, Google Photos, MWG readers,
digiKam and darktable show as the caption); the title goes to `XPTitle` and, with the keywords,
to the XMP packet (xmp.py), since EXIF has no title field of its own.

The writer streams huge files: it finds the header (`header_length`), asks `embed` for a new
one and copies everything from the SOS marker on unchanged, so image data is never touched.

Camera EXIF is never rebuilt from scratch: the old TIFF block is kept byte for byte (same byte
order, MakerNote at the same offset, because Canon-style MakerNotes hold offsets relative to the
TIFF header) and fresh IFD0/Exif/GPS directories are appended after it. A short footer after
them (unreferenced bytes, which EXIF readers ignore) records where our block starts and which
tags we wrote, so a later run cuts our old block off instead of stacking a new one (idempotent),
never reports our own earlier values as camera values, and removes values Flickr no longer has.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field

from flickr_async.embedded_meta import Meta, from_photo
from flickr_async.models import Photo

# --- JPEG segments ---------------------------------------------------------------------

SOI = 0xD8
EOI = 0xD9
SOS = 0xDA
APP0 = 0xE0
APP1 = 0xE1
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})  # TEM and RSTn carry no length field
EXIF_MAGIC = b"Exif\x00\x00"
MAX_SEGMENT_LENGTH = 0xFFFF  # the big-endian length field counts itself, not the marker


class _Truncated(Exception):
    """The bytes stop inside a segment: the caller needs a longer prefix."""


@dataclass(frozen=True, slots=True)
class Segment:
    marker: int
    raw: bytes  # fill bytes + marker + length + payload, exactly as in the file
    payload: bytes


def is_jpeg(prefix: bytes) -> bool:
    """SOI followed by the start of a marker."""
    return prefix[:3] == b"\xff\xd8\xff"


def _walk(data: bytes) -> Iterator[tuple[int, int, int, int]]:
    """Yield (marker, start, payload_start, end) per segment after SOI; SOS is yielded last.

    `start` includes any 0xFF fill bytes before the marker. Raises _Truncated when `data`
    stops inside a segment and ValueError when the structure is not JPEG.
    """
    if len(data) < 2:
        if b"\xff\xd8".startswith(data):
            raise _Truncated
        raise ValueError("not a JPEG: no SOI marker")
    if data[0] != 0xFF or data[1] != SOI:
        raise ValueError("not a JPEG: no SOI marker")
    i = 2
    size = len(data)
    while i < size:
        start = i
        if data[i] != 0xFF:
            raise ValueError(f"malformed JPEG: expected a marker at offset {i}")
        while i < size and data[i] == 0xFF:  # fill bytes are legal before any marker
            i += 1
        if i == size:
            raise _Truncated
        marker = data[i]
        i += 1
        if marker == SOS:
            yield marker, start, i, start
            return
        if marker in _STANDALONE:
            yield marker, start, i, i
            continue
        if marker in (0x00, SOI, EOI):
            raise ValueError(f"malformed JPEG: marker 0x{marker:02X} at offset {i - 1}")
        if i + 2 > size:
            raise _Truncated
        length = int.from_bytes(data[i : i + 2], "big")
        if length < 2:
            raise ValueError(f"malformed JPEG: segment length {length} at offset {i}")
        end = i + length
        if end > size:
            raise _Truncated
        yield marker, start, i + 2, end
        i = end


def header_length(prefix: bytes) -> int | None:
    """Offset of the SOS marker (its fill bytes included), or None if `prefix` stops before it.

    Raises ValueError when the segment structure is malformed.
    """
    try:
        for marker, start, _, _ in _walk(prefix):
            if marker == SOS:
                return start
    except _Truncated:
        return None
    return None


def segments(header: bytes) -> list[Segment]:
    """The header's segments (SOI excluded) in file order; ValueError when malformed."""
    found: list[Segment] = []
    try:
        for marker, start, body, end in _walk(header):
            if marker == SOS:
                raise ValueError("the header must stop before the SOS marker")
            found.append(Segment(marker, header[start:end], header[body:end]))
    except _Truncated:
        raise ValueError("the header stops inside a segment") from None
    return found


def _is_exif(segment: Segment) -> bool:
    return segment.marker == APP1 and segment.payload.startswith(EXIF_MAGIC)


# --- TIFF structure ----------------------------------------------------------------------

BYTE, ASCII, SHORT, LONG, RATIONAL, UNDEFINED = 1, 2, 3, 4, 5, 7
_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}

TAG_IMAGE_DESCRIPTION = 270
TAG_SUB_IFDS = 330
TAG_THUMB_OFFSET = 513
TAG_THUMB_LENGTH = 514
TAG_STRIP_OFFSETS = 273
TAG_STRIP_BYTE_COUNTS = 279
TAG_EXIF_IFD = 34665
TAG_GPS_IFD = 34853
TAG_XP_TITLE = 40091
TAG_XP_COMMENT = 40092
TAG_XP_KEYWORDS = 40094
TAG_DATE_TIME_ORIGINAL = 36867
TAG_DATE_TIME_DIGITIZED = 36868
TAG_MAKER_NOTE = 37500
TAG_INTEROP_IFD = 40965
TAG_GPS_VERSION = 0
TAG_GPS_LAT_REF = 1
TAG_GPS_LAT = 2
TAG_GPS_LON_REF = 3
TAG_GPS_LON = 4

_TAG_NAMES = {
    ("0th", TAG_IMAGE_DESCRIPTION): "ImageDescription",
    ("0th", TAG_XP_TITLE): "XPTitle",
    ("0th", TAG_XP_COMMENT): "XPComment",
    ("0th", TAG_XP_KEYWORDS): "XPKeywords",
    ("Exif", TAG_DATE_TIME_ORIGINAL): "DateTimeOriginal",
    ("Exif", TAG_DATE_TIME_DIGITIZED): "DateTimeDigitized",
}

Range = tuple[int, int]


class _BadExif(ValueError):
    """The existing TIFF block cannot be walked safely: leave it alone."""


@dataclass(frozen=True, slots=True)
class _Entry:
    tag: int
    type: int
    count: int
    data: bytes  # the value bytes, wherever they live
    field: bytes | None  # raw 4-byte field to copy verbatim (inline or still-valid offset)
    offset: int | None = None  # where `data` lives when out of line


@dataclass(slots=True)
class _Tiff:
    data: bytes
    endian: str  # struct prefix: "<" (II) or ">" (MM)
    ifd0: list[_Entry]
    exif: list[_Entry]
    gps: list[_Entry]
    next_ifd: int  # IFD1 (thumbnail) offset, 0 when none
    removable: list[Range] = field(default_factory=list)  # old IFD0/Exif/GPS + their values
    fixed: list[Range] = field(default_factory=list)  # MakerNote, Interop, SubIFDs: never move
    thumbnail: list[Range] = field(default_factory=list)  # IFD1 + its values + the JPEG
    ours: frozenset[tuple[str, int]] = frozenset()  # (IFD, tag) written by an earlier embed


def _u16(t: bytes, e: str, at: int) -> int:
    value: int = struct.unpack_from(e + "H", t, at)[0]
    return value


def _u32(t: bytes, e: str, at: int) -> int:
    value: int = struct.unpack_from(e + "I", t, at)[0]
    return value


def _read_ifd(
    t: bytes, e: str, offset: int, *, with_next: bool
) -> tuple[list[_Entry], int, list[Range]]:
    """Entries, next-IFD offset and the byte ranges (directory + out-of-line values)."""
    if offset < 8 or offset + 2 > len(t):
        raise _BadExif(f"IFD offset {offset} out of range")
    count = _u16(t, e, offset)
    end = offset + 2 + 12 * count
    if end > len(t) or (with_next and end + 4 > len(t)):
        raise _BadExif(f"IFD at {offset} runs past the EXIF block")
    next_ifd = _u32(t, e, end) if with_next else 0
    # piexif writes Exif/GPS directories without the next-IFD word; cover it when it is zero.
    if with_next or t[end : end + 4] == b"\x00\x00\x00\x00":
        end += 4
    entries: list[_Entry] = []
    ranges: list[Range] = [(offset, end)]
    for i in range(count):
        at = offset + 2 + 12 * i
        tag, typ, n = struct.unpack_from(e + "HHI", t, at)
        raw = t[at + 8 : at + 12]
        if typ not in _TYPE_SIZES:
            raise _BadExif(f"tag {tag} has unknown type {typ}")
        size = _TYPE_SIZES[typ] * n
        if size <= 4:
            entries.append(_Entry(tag, typ, n, raw[:size], raw))
            continue
        where = _u32(t, e, at + 8)
        if where + size > len(t):
            raise _BadExif(f"tag {tag} points past the EXIF block")
        entries.append(_Entry(tag, typ, n, t[where : where + size], raw, where))
        ranges.append((where, where + size))
    return entries, next_ifd, ranges


def _pointer(entries: list[_Entry], tag: int, e: str) -> int | None:
    for entry in entries:
        if entry.tag == tag and entry.type in (LONG, 13) and entry.count >= 1:
            value: int = struct.unpack_from(e + "I", entry.data)[0]
            return value
    return None


def _value_range(entry: _Entry) -> list[Range]:
    if entry.offset is None:
        return []
    return [(entry.offset, entry.offset + len(entry.data))]


FOOTER_MAGIC = b"flickr-async\x00"
_IFD_NAMES = ("0th", "Exif", "GPS")


def _footer(start: int, written: dict[str, set[int]]) -> bytes:
    """`flickr-async\\0start=N;0th=270,40091;Exif=...;GPS=...` + its own length (u16 BE)."""
    parts = [f"start={start}"]
    parts += [f"{ifd}={','.join(str(tag) for tag in sorted(written[ifd]))}" for ifd in _IFD_NAMES]
    body = FOOTER_MAGIC + ";".join(parts).encode("ascii")
    return body + struct.pack(">H", len(body) + 2)


def _read_footer(t: bytes, ifd0_at: int) -> tuple[int, frozenset[tuple[str, int]]] | None:
    """(start of our block, tags we wrote) when `t` ends with our footer; None otherwise."""
    if len(t) < 2:
        return None
    size = struct.unpack(">H", t[-2:])[0]
    body = t[-size:-2] if 2 + len(FOOTER_MAGIC) <= size <= len(t) else b""
    if not body.startswith(FOOTER_MAGIC):
        return None
    try:
        fields = dict(
            part.split("=", 1) for part in body[len(FOOTER_MAGIC) :].decode("ascii").split(";")
        )
        start = int(fields["start"])
        ours = frozenset(
            (ifd, int(tag)) for ifd in _IFD_NAMES for tag in fields[ifd].split(",") if tag
        )
    except (ValueError, KeyError):
        return None
    # Another tool rewrote the EXIF after us: the footer no longer describes the block.
    if start != ifd0_at or not 8 <= start <= len(t) - size:
        return None
    return start, ours


def _parse_tiff(t: bytes) -> _Tiff:
    if t[:4] == b"II*\x00":
        e = "<"
    elif t[:4] == b"MM\x00*":
        e = ">"
    else:
        raise _BadExif("no TIFF header")
    ifd0_at = _u32(t, e, 4)
    ifd0, next_ifd, ranges = _read_ifd(t, e, ifd0_at, with_next=True)
    tiff = _Tiff(t, e, ifd0, [], [], next_ifd, removable=ranges)
    footer = _read_footer(t, ifd0_at)
    if footer is not None:
        block_start, tiff.ours = footer
        tiff.removable.append((block_start, len(t)))
    exif_at = _pointer(ifd0, TAG_EXIF_IFD, e)
    if exif_at is not None:
        tiff.exif, _, ranges = _read_ifd(t, e, exif_at, with_next=False)
        tiff.removable += ranges
        for entry in tiff.exif:
            if entry.tag == TAG_MAKER_NOTE:  # opaque; may hold offsets into the TIFF block
                tiff.fixed += _value_range(entry)
        interop_at = _pointer(tiff.exif, TAG_INTEROP_IFD, e)
        if interop_at is not None:
            tiff.fixed += _read_ifd(t, e, interop_at, with_next=False)[2]
    gps_at = _pointer(ifd0, TAG_GPS_IFD, e)
    if gps_at is not None:
        tiff.gps, _, ranges = _read_ifd(t, e, gps_at, with_next=False)
        tiff.removable += ranges
    for entry in ifd0:
        if entry.tag == TAG_SUB_IFDS and entry.type in (LONG, 13):
            for (sub_at,) in struct.iter_unpack(e + "I", entry.data):
                tiff.fixed += _read_ifd(t, e, sub_at, with_next=False)[2]
    if next_ifd:
        ifd1, _, ranges = _read_ifd(t, e, next_ifd, with_next=True)
        tiff.thumbnail += ranges
        for start_tag, length_tag in (
            (TAG_THUMB_OFFSET, TAG_THUMB_LENGTH),
            (TAG_STRIP_OFFSETS, TAG_STRIP_BYTE_COUNTS),
        ):
            start, length = _pointer(ifd1, start_tag, e), _pointer(ifd1, length_tag, e)
            if start is not None and length is not None:
                if start + length > len(t):
                    raise _BadExif("thumbnail runs past the EXIF block")
                tiff.thumbnail.append((start, start + length))
    return tiff


def _cut_point(t: bytes, removable: list[Range], fixed: list[Range]) -> int:
    """Start of the longest tail made only of bytes we may drop (never below a fixed range)."""
    spans = []
    for start, end in removable:
        # Values are word-aligned: a zero pad byte after an odd-length value is ours too.
        if end % 2 and end < len(t) and t[end] == 0:
            end += 1
        spans.append((start, end))
    pos = len(t)
    for start, end in sorted(spans, key=lambda span: span[1], reverse=True):
        if end < pos:
            break  # a gap: the bytes between are not ours to drop
        pos = min(pos, start)
    return max([pos, 8, *(end for _, end in fixed)])


# --- the tags we write ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Value:
    type: int
    count: int
    data: bytes


def _xp(text: str) -> _Value:
    # Windows/exiftool: UTF-16LE with a terminating NUL, stored as BYTE.
    data = text.encode("utf-16-le") + b"\x00\x00"
    return _Value(BYTE, len(data), data)


def _ascii(raw: bytes) -> _Value:
    data = raw + b"\x00"
    return _Value(ASCII, len(data), data)


_DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})")


def exif_datetime(date_taken: str) -> str | None:
    """Flickr's "YYYY-MM-DD HH:MM:SS" (owner's local time) as EXIF "YYYY:MM:DD HH:MM:SS"."""
    match = _DATE_RE.fullmatch(date_taken.strip())
    if match is None:
        return None
    y, mo, d, h, mi, s = match.groups()
    return f"{y}:{mo}:{d} {h}:{mi}:{s}"


def dms_rationals(degrees: float) -> tuple[tuple[int, int], ...]:
    """|degrees| as (deg/1, min/1, sec*10000/10000): about 3 mm of precision."""
    units = round(abs(degrees) * 3600 * 10000)  # integer math: never "60.0000 seconds"
    d, rest = divmod(units, 3600 * 10000)
    m, s = divmod(rest, 60 * 10000)
    return ((d, 1), (m, 1), (s, 10000))


def _rational(parts: tuple[tuple[int, int], ...], e: str) -> _Value:
    data = b"".join(struct.pack(e + "II", num, den) for num, den in parts)
    return _Value(RATIONAL, len(parts), data)


def _wanted(meta: Meta, e: str) -> dict[str, dict[int, _Value]]:
    """IFD name -> tag -> value, only for what Flickr actually has (no empty strings)."""
    zeroth: dict[int, _Value] = {}
    exif: dict[int, _Value] = {}
    gps: dict[int, _Value] = {}
    if meta.title:
        zeroth[TAG_XP_TITLE] = _xp(meta.title)
    if meta.description:
        zeroth[TAG_IMAGE_DESCRIPTION] = _ascii(meta.description.encode("utf-8"))
        zeroth[TAG_XP_COMMENT] = _xp(meta.description)
    if meta.tags:
        zeroth[TAG_XP_KEYWORDS] = _xp(";".join(meta.tags))
    taken = exif_datetime(meta.date_taken) if meta.date_taken else None
    if taken:
        exif[TAG_DATE_TIME_ORIGINAL] = _ascii(taken.encode("ascii"))
        exif[TAG_DATE_TIME_DIGITIZED] = _ascii(taken.encode("ascii"))
    if meta.latitude is not None and meta.longitude is not None:
        lat, lon = meta.latitude, meta.longitude
        gps[TAG_GPS_VERSION] = _Value(BYTE, 4, bytes((2, 2, 0, 0)))
        gps[TAG_GPS_LAT_REF] = _ascii(b"N" if lat >= 0 else b"S")
        gps[TAG_GPS_LAT] = _rational(dms_rationals(lat), e)
        gps[TAG_GPS_LON_REF] = _ascii(b"E" if lon >= 0 else b"W")
        gps[TAG_GPS_LON] = _rational(dms_rationals(lon), e)
    return {"0th": zeroth, "Exif": exif, "GPS": gps}


# --- what an overwritten value was -------------------------------------------------------


def _old_text(ifd: str, entry: _Entry) -> str:
    raw = entry.data
    if ifd == "0th" and entry.tag in (TAG_XP_TITLE, TAG_XP_COMMENT, TAG_XP_KEYWORDS):
        return raw.decode("utf-16-le", errors="replace").rstrip("\x00")
    raw = raw.split(b"\x00", 1)[0]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _old_degrees(ref: _Entry | None, value: _Entry, e: str) -> str:
    parts = [num / den if den else 0.0 for num, den in struct.iter_unpack(e + "II", value.data)]
    weights = (1.0, 1 / 60, 1 / 3600)
    degrees = sum(p * w for p, w in zip(parts, weights, strict=False))
    if ref is not None and ref.data[:1] in (b"S", b"W"):
        degrees = -degrees
    return f"{degrees:.7f}"


def _replaced_gps(old: dict[int, _Entry], new: dict[int, _Value], e: str) -> dict[str, str]:
    replaced: dict[str, str] = {}
    for name, ref_tag, tag in (
        ("GPSLatitude", TAG_GPS_LAT_REF, TAG_GPS_LAT),
        ("GPSLongitude", TAG_GPS_LON_REF, TAG_GPS_LON),
    ):
        value, ref = old.get(tag), old.get(ref_tag)
        if value is None or value.type != RATIONAL or tag not in new:
            continue
        ref_changed = ref is not None and ref.data[:1] != new[ref_tag].data[:1]
        if value.data != new[tag].data or ref_changed:
            replaced[name] = _old_degrees(ref, value, e)
    return replaced


# --- rebuilding the TIFF block -------------------------------------------------------------


def _merge(
    ifd: str,
    old: list[_Entry],
    new: dict[int, _Value],
    ours: frozenset[tuple[str, int]],
    replaced: dict[str, str],
) -> tuple[list[_Entry], bool, set[int]]:
    """Old entries with ours laid over them, sorted by tag as TIFF requires.

    Returns the entries, whether anything changed and the tags that are now ours.
    """
    merged = {entry.tag: entry for entry in old}
    changed = False
    written: set[int] = set()
    for tag in list(merged):
        if (ifd, tag) in ours and tag not in new:  # Flickr no longer has it (title cleared...)
            del merged[tag]
            changed = True
    for tag, value in new.items():
        current = merged.get(tag)
        mine = (ifd, tag) in ours
        if current is not None and (current.type, current.data) == (value.type, value.data):
            if mine:
                written.add(tag)
            continue  # equal camera values (Flickr often read the date from EXIF) stay theirs
        if ifd == "Exif" and tag == TAG_DATE_TIME_DIGITIZED and current is not None and not mine:
            continue  # only filled in when the camera did not record it
        name = _TAG_NAMES.get((ifd, tag))
        if current is not None and name is not None and not mine:
            before = _old_text(ifd, current)
            if before.strip():
                replaced[name] = before
        merged[tag] = _Entry(tag, value.type, value.count, value.data, None)
        changed = True
        written.add(tag)
    return [merged[tag] for tag in sorted(merged)], changed, written


def _keep_or_move(entries: list[_Entry], cut: int) -> list[_Entry]:
    """Values still inside the kept bytes keep their offsets; the rest get copied anew."""
    out = []
    for entry in entries:
        if entry.offset is not None and entry.offset + len(entry.data) > cut:
            entry = _Entry(entry.tag, entry.type, entry.count, entry.data, None)
        out.append(entry)
    return out


def _ifd_bytes(entries: list[_Entry], start: int, e: str, next_ifd: int) -> bytes:
    values_at = start + 2 + 12 * len(entries) + 4
    head = [struct.pack(e + "H", len(entries))]
    values = bytearray()
    for entry in entries:
        if entry.field is not None:
            value_field = entry.field
        elif len(entry.data) <= 4:
            value_field = entry.data.ljust(4, b"\x00")
        else:
            value_field = struct.pack(e + "I", values_at + len(values))
            values += entry.data
            if len(entry.data) % 2:  # keep every value word-aligned
                values += b"\x00"
        head.append(struct.pack(e + "HHI", entry.tag, entry.type, entry.count) + value_field)
    head.append(struct.pack(e + "I", next_ifd))
    return b"".join(head) + bytes(values)


def _pointer_entry(tag: int, offset: int, e: str) -> _Entry:
    data = struct.pack(e + "I", offset)
    return _Entry(tag, LONG, 1, data, data)


def _assemble(
    tiff: _Tiff,
    entries: dict[str, list[_Entry]],
    written: dict[str, set[int]],
    drop_thumbnail: bool,
) -> bytes:
    e, t = tiff.endian, tiff.data
    removable = tiff.removable + (tiff.thumbnail if drop_thumbnail else [])
    fixed = tiff.fixed + ([] if drop_thumbnail else tiff.thumbnail)
    cut = _cut_point(t, removable, fixed)
    base = bytearray(t[:cut])
    if len(base) % 2:
        base += b"\x00"
    ifd0, exif, gps = (_keep_or_move(entries[name], cut) for name in _IFD_NAMES)
    next_ifd = 0 if drop_thumbnail else tiff.next_ifd
    ifd0 = [x for x in ifd0 if x.tag not in (TAG_EXIF_IFD, TAG_GPS_IFD)]

    def with_pointers(exif_at: int, gps_at: int) -> list[_Entry]:
        pointers = []
        if exif:
            pointers.append(_pointer_entry(TAG_EXIF_IFD, exif_at, e))
        if gps:
            pointers.append(_pointer_entry(TAG_GPS_IFD, gps_at, e))
        return sorted(ifd0 + pointers, key=lambda x: x.tag)

    ifd0_at = len(base)
    exif_at = ifd0_at + len(_ifd_bytes(with_pointers(0, 0), ifd0_at, e, next_ifd))
    exif_bytes = _ifd_bytes(exif, exif_at, e, 0) if exif else b""
    gps_at = exif_at + len(exif_bytes)
    gps_bytes = _ifd_bytes(gps, gps_at, e, 0) if gps else b""
    struct.pack_into(e + "I", base, 4, ifd0_at)
    ifd0_bytes = _ifd_bytes(with_pointers(exif_at, gps_at), ifd0_at, e, next_ifd)
    footer = _footer(ifd0_at, written)
    return bytes(base) + ifd0_bytes + exif_bytes + gps_bytes + footer


def _fits(tiff_block: bytes) -> bool:
    return 2 + len(EXIF_MAGIC) + len(tiff_block) <= MAX_SEGMENT_LENGTH


def _rewrite(tiff: _Tiff, meta: Meta) -> tuple[bytes | None, dict[str, str]]:
    """New TIFF block (None: nothing to change) and the camera values we overwrote."""
    e = tiff.endian
    wanted = _wanted(meta, e)
    replaced: dict[str, str] = {}
    entries: dict[str, list[_Entry]] = {}
    written: dict[str, set[int]] = {}
    changed = False
    for name, old_entries in zip(_IFD_NAMES, (tiff.ifd0, tiff.exif, tiff.gps), strict=True):
        report = replaced if name != "GPS" else {}  # GPS is reported below, in degrees
        entries[name], ifd_changed, written[name] = _merge(
            name, old_entries, wanted[name], tiff.ours, report
        )
        changed = changed or ifd_changed
    if not changed:
        return None, {}
    if ("GPS", TAG_GPS_LAT) not in tiff.ours:
        gps_old = {entry.tag: entry for entry in tiff.gps}
        replaced.update(_replaced_gps(gps_old, wanted["GPS"], e))
    block = _assemble(tiff, entries, written, drop_thumbnail=False)
    if not _fits(block) and tiff.thumbnail:
        block = _assemble(tiff, entries, written, drop_thumbnail=True)
        replaced["_thumbnail"] = "dropped: the EXIF segment would exceed 64 KiB"
    if not _fits(block):
        raise ValueError(f"EXIF would need {len(block) + 8} bytes, over the 64 KiB segment limit")
    return block, replaced


# --- public ------------------------------------------------------------------------------


def embed(header: bytes, photo: Photo | Meta) -> tuple[bytes, dict[str, str]]:
    """New header (SOI up to, excluding, SOS) carrying Flickr's metadata in EXIF.

    Returns it with the camera values it overwrote, by tag name ("_error" when the existing
    EXIF could not be parsed: the header then comes back unchanged). Raises ValueError for a
    malformed header or when the metadata cannot fit the 64 KiB segment limit.
    """
    meta = photo if isinstance(photo, Meta) else from_photo(photo)
    found = segments(header)
    index = next((i for i, s in enumerate(found) if _is_exif(s)), None)
    old = found[index].payload[len(EXIF_MAGIC) :] if index is not None else None
    if old is None:
        tiff = _Tiff(b"II*\x00\x00\x00\x00\x00", "<", [], [], [], 0)
    else:
        # Our bounds-checked walk first: piexif trusts counts and can allocate gigabytes.
        import piexif  # a second opinion on camera EXIF only: loaded when one first comes

        try:
            tiff = _parse_tiff(old)
            piexif.load(EXIF_MAGIC + old)
        except Exception as exc:  # _BadExif, or piexif's struct/Index/Value errors
            return header, {"_error": f"existing EXIF not parsable, left untouched: {exc!r}"}
    block, replaced = _rewrite(tiff, meta)
    if block is None:
        return header, replaced
    payload = EXIF_MAGIC + block
    new = b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload
    raws = [s.raw for s in found]
    if index is not None:
        raws[index] = new
    else:
        # EXIF wants APP1 right after SOI and JFIF wants APP0 there: exiftool's compromise.
        at = 0
        while at < len(found) and found[at].marker == APP0:
            at += 1
        raws.insert(at, new)
    return b"\xff\xd8" + b"".join(raws), replaced


def embed_jpeg(data: bytes, photo: Photo | Meta) -> bytes:
    """Whole-file convenience: `embed` the header, append the untouched rest."""
    end = header_length(data)
    if end is None:
        raise ValueError("not a complete JPEG: no SOS marker")
    header, _ = embed(data[:end], photo)
    return header + data[end:]
