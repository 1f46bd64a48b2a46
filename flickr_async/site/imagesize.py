"""Width and height of a JPEG, PNG or GIF from its header, without decoding the image.

Pages give every image fixed width/height attributes (no layout jumps, note boxes placed in
percent of the shown size). A JPEG's size is in its first SOFn segment, reached by hopping
from segment to segment: one read of the first 64 KiB covers most files, and a seek skips a
big segment, so a 40 MB original with a 5 MB MPF preview costs a few small reads. Its EXIF
Orientation (5-8: turned by 90°, which browsers apply) swaps the two. A PNG keeps its size
in IHDR, a GIF in its logical screen descriptor.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path
from typing import BinaryIO

_BINARY = getattr(os, "O_BINARY", 0)  # Windows opens in text mode without it

_SOF = frozenset({*range(0xC0, 0xC4), *range(0xC5, 0xC8), *range(0xC9, 0xCC), *range(0xCD, 0xD0)})
_STANDALONE = frozenset({0x01, *range(0xD0, 0xDA)})  # TEM, RSTn, SOI, EOI: no length field
_MAX_SEGMENTS = 4096
_ORIENTATION = 0x0112
BROWSER_IMAGES = frozenset({"jpg", "jpeg", "png", "gif"})


def read_file(path: str) -> bytes:
    """A small file's bytes (os-level: no buffered reader around one read)."""
    fd = os.open(path, os.O_RDONLY | _BINARY)
    try:
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def image_size(path: str | Path) -> tuple[int, int] | None:
    """(width, height) as a browser shows the image; None when unknown or unreadable."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(32)
            if head[:3] == b"\xff\xd8\xff":
                fh.seek(0)
                return _jpeg(fh)
            if head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR":
                width, height = struct.unpack(">II", head[16:24])
                return _valid(width, height)
            if head[:6] in (b"GIF87a", b"GIF89a"):
                width, height = struct.unpack("<HH", head[6:10])
                return _valid(width, height)
    except (OSError, struct.error, ValueError):
        return None
    return None


def _valid(width: int, height: int) -> tuple[int, int] | None:
    return (width, height) if width > 0 and height > 0 else None


class _Window:
    """Bytes of a file from `start`, read in blocks: most JPEG headers fit the first one, and
    a huge segment (a phone's 5 MB preview) is skipped by a seek, not read."""

    BLOCK = 1 << 16

    def __init__(self, fh: BinaryIO) -> None:
        self.fh = fh
        self.start = 0
        self.data = fh.read(self.BLOCK)

    def get(self, at: int, size: int) -> bytes:
        """`size` bytes at offset `at` (fewer at the end of the file)."""
        end = self.start + len(self.data)
        if at < self.start or at + size > end:
            self.fh.seek(at)
            self.start, self.data = at, self.fh.read(max(size, self.BLOCK))
        offset = at - self.start
        return self.data[offset : offset + size]


def _jpeg(fh: BinaryIO) -> tuple[int, int] | None:
    window = _Window(fh)
    at = 2
    orientation = 1
    for _ in range(_MAX_SEGMENTS):
        byte = window.get(at, 1)
        while byte == b"\xff":  # fill bytes before a marker
            at += 1
            byte = window.get(at, 1)
        if not byte:
            return None
        marker = byte[0]
        at += 1
        if marker in _STANDALONE:
            continue
        length_bytes = window.get(at, 2)
        if len(length_bytes) < 2:
            return None
        length = int.from_bytes(length_bytes, "big")
        if length < 2:
            return None
        if marker in _SOF:
            body = window.get(at + 2, 5)
            if len(body) < 5:
                return None
            height, width = struct.unpack(">HH", body[1:5])
            size = _valid(width, height)
            if size and orientation in (5, 6, 7, 8):
                return size[1], size[0]
            return size
        if marker == 0xDA:  # image data before any frame header: not a JPEG we understand
            return None
        if marker == 0xE1 and orientation == 1:
            orientation = exif_orientation(window.get(at + 2, length - 2))
        at += length
    return None


def exif_orientation(payload: bytes) -> int:
    """EXIF Orientation (1-8) from an APP1 payload; 1 when absent or not EXIF."""
    if not payload.startswith(b"Exif\x00\x00"):
        return 1
    tiff = payload[6:]
    order = {b"II": "<", b"MM": ">"}.get(tiff[:2])
    if order is None or len(tiff) < 8:
        return 1
    try:
        (ifd,) = struct.unpack(order + "I", tiff[4:8])
        (count,) = struct.unpack(order + "H", tiff[ifd : ifd + 2])
        for n in range(count):
            at = ifd + 2 + 12 * n
            tag, kind = struct.unpack(order + "HH", tiff[at : at + 4])
            if tag == _ORIENTATION and kind == 3:  # SHORT
                (value,) = struct.unpack(order + "H", tiff[at + 8 : at + 10])
                return value if 1 <= value <= 8 else 1
    except struct.error:
        return 1
    return 1
