"""File bytes, made on request from (seed, photo id, version, rendition) and cached only when small.

Originals are real JPEG/PNG/GIF files (some JPEGs carry camera EXIF); videos are an `ftyp`
box plus a deterministic payload, produced chunk by chunk so even a 1 GiB video never sits in
memory.
"""

from __future__ import annotations

import functools
import hashlib
import io
import random
import struct
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass

import piexif
from PIL import Image, ImageDraw
from PIL.PngImagePlugin import PngInfo

from tests.fakeflickr.model import FakePhoto
from tests.fakeflickr.sizes import SizeSpec, display_dims, size_dims

CHUNK = 64 * 1024
CACHE_ITEM_MAX = 1 << 20  # cache files up to 1 MiB ...
CACHE_BUDGET = 256 << 20  # ... and at most this much in total
PADDED_IMAGE_EDGE = (
    320  # with a small forced file size the pixels stay small; padding does the rest
)
# From this forced size up, originals are noise JPEGs (small header, big scan) like a camera's,
# so benchmarks measure what real files cost, not megabytes of header segments.
NOISE_MIN_SIZE = 256 * 1024
NOISE_HEADROOM = 8 * 1024  # room for the per-photo comment and EXIF
NOISE_MAX = 16 << 20

_FTYP = {
    "mov": (b"qt  ", 0, (b"qt  ",)),
    "mp4": (b"isom", 512, (b"isom", b"iso2", b"avc1", b"mp41")),
    "m4v": (b"M4V ", 1, (b"M4V ", b"M4A ", b"mp42", b"isom")),
}
_STREAM_SHARE = {"hd": 0.5, "1080p": 0.6, "720p": 0.4, "site": 0.25, "360p": 0.25, "mobile": 0.12}


class Blob:
    """Bytes that can be served in ranges without being materialised."""

    @property
    def size(self) -> int:
        raise NotImplementedError

    def chunks(self, start: int = 0, end: int | None = None, chunk: int = CHUNK) -> Iterator[bytes]:
        raise NotImplementedError

    def read_all(self) -> bytes:
        return b"".join(self.chunks())


@dataclass
class BytesBlob(Blob):
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    def chunks(self, start: int = 0, end: int | None = None, chunk: int = CHUNK) -> Iterator[bytes]:
        stop = self.size if end is None else min(end, self.size)
        view = memoryview(self.data)
        for pos in range(start, stop, chunk):
            yield bytes(view[pos : min(pos + chunk, stop)])

    def read_all(self) -> bytes:
        return self.data


@dataclass
class SyntheticBlob(Blob):
    """`header` then blocks of `block` whose first 8 bytes are the block number."""

    header: bytes
    total: int
    block: bytes

    @property
    def size(self) -> int:
        return self.total

    def _at(self, pos: int, limit: int) -> bytes:
        if pos < len(self.header):
            return self.header[pos : min(limit, len(self.header))]
        body = pos - len(self.header)
        index, offset = divmod(body, len(self.block))
        data = struct.pack(">Q", index) + self.block[8:]
        return data[offset : offset + (limit - pos)]

    def chunks(self, start: int = 0, end: int | None = None, chunk: int = CHUNK) -> Iterator[bytes]:
        stop = self.total if end is None else min(end, self.total)
        pos = start
        while pos < stop:
            piece = self._at(pos, min(pos + chunk, stop))
            pos += len(piece)
            yield piece


def _rng(seed: int, photo: FakePhoto, what: str) -> random.Random:
    return random.Random(f"{seed}:{photo.id}:{photo.version}:{what}")


def _colors(seed: int, photo: FakePhoto) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    rnd = _rng(seed, photo, "colors")
    a = (rnd.randrange(256), rnd.randrange(256), rnd.randrange(256))
    b = (255 - a[0], rnd.randrange(256), 255 - a[2])
    return a, b


def _image(seed: int, photo: FakePhoto, width: int, height: int, mode: str = "RGB") -> Image.Image:
    back, front = _colors(seed, photo)
    image = Image.new("RGB", (width, height), back)
    ImageDraw.Draw(image).rectangle(
        (width // 5, height // 4, width // 2, (3 * height) // 4), fill=front
    )
    return image if mode == "RGB" else image.convert(mode)


def exif_bytes(photo: FakePhoto) -> bytes:
    assert photo.exif is not None
    exif = photo.exif
    return bytes(
        piexif.dump(
            {
                "0th": {
                    piexif.ImageIFD.Make: exif.make.encode(),
                    piexif.ImageIFD.Model: exif.model.encode(),
                    piexif.ImageIFD.DateTime: exif.datetime_original.encode(),
                },
                "Exif": {
                    piexif.ExifIFD.DateTimeOriginal: exif.datetime_original.encode(),
                    piexif.ExifIFD.FNumber: exif.fnumber,
                    piexif.ExifIFD.ExposureTime: exif.exposure,
                    piexif.ExifIFD.ISOSpeedRatings: exif.iso,
                },
            }
        )
    )


def _comment(seed: int, photo: FakePhoto, what: str) -> bytes:
    return f"fakeflickr seed={seed} id={photo.id} v={photo.version} {what}".encode()


def _jpeg(image: Image.Image, comment: bytes, exif: bytes | None = None) -> bytes:
    out = io.BytesIO()
    extra = {"exif": exif} if exif else {}
    image.save(out, "JPEG", quality=85, comment=comment, **extra)
    return out.getvalue()


def pad_jpeg(data: bytes, size: int, rnd: random.Random) -> bytes:
    """Grow a JPEG to exactly `size` bytes with APP15 segments after its header segments."""
    missing = size - len(data)
    if missing <= 0:
        return data
    pos = 2  # after SOI; keep APP0/APP1(EXIF)/COM first so readers still find them
    while data[pos] == 0xFF and (0xE0 <= data[pos + 1] <= 0xEF or data[pos + 1] == 0xFE):
        pos += 2 + struct.unpack(">H", data[pos + 2 : pos + 4])[0]
    if missing < 4:  # too small for a segment: trailing bytes after EOI are ignored by readers
        return data + b"\0" * missing
    pattern = rnd.randbytes(65533)
    segments = []
    while missing > 0:
        seg = min(missing, 65537)  # FF EF + a 2-byte length (max 65535, itself included)
        if 0 < missing - seg < 4:
            seg -= 4
        segments.append(b"\xff\xef" + struct.pack(">H", seg - 2) + pattern[: seg - 4])
        missing -= seg
    return data[:pos] + b"".join(segments) + data[pos:]


def make_original(seed: int, photo: FakePhoto) -> bytes:
    """The photo's original file exactly as uploaded (unrotated dims, EXIF when it has one)."""
    width, height = photo.width, photo.height
    if photo.file_size:
        scale = PADDED_IMAGE_EDGE / max(width, height)
        width, height = max(1, round(width * scale)), max(1, round(height * scale))
    comment = _comment(seed, photo, "original")
    fmt = photo.originalformat
    if fmt == "png":
        image = _image(seed, photo, width, height)
        info = PngInfo()
        info.add_text("Comment", comment.decode())
        out = io.BytesIO()
        image.save(out, "PNG", pnginfo=info)
        return out.getvalue()
    if fmt == "gif":
        out = io.BytesIO()
        _image(seed, photo, width, height, "P").save(out, "GIF", comment=comment)
        return out.getvalue()
    exif = exif_bytes(photo) if photo.exif else None
    if photo.file_size and photo.file_size >= NOISE_MIN_SIZE:
        data = _big_jpeg(photo.file_size, comment, exif)
        # The last few KB after EOI, as cameras append trailers (MPF previews, maker data).
        return data + _rng(seed, photo, "trailer").randbytes(max(0, photo.file_size - len(data)))
    data = _jpeg(_image(seed, photo, width, height), comment, exif)
    if photo.exif is not None and photo.exif.make == "Apple":
        data = with_camera_xmp(data)
    if photo.file_size:
        data = pad_jpeg(data, photo.file_size, _rng(seed, photo, "pad"))
    return data


# What phones leave in their JPEGs: a motion photo's offsets (Immich extracts the video with
# them), a panorama flag, and the phone's own idea of title and date. A backup must keep the
# first two and may replace the last two.
CAMERA_XMP = (
    '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    '<rdf:Description rdf:about="" xmlns:GCamera="http://ns.google.com/photos/1.0/camera/" '
    'xmlns:GPano="http://ns.google.com/photos/1.0/panorama/" '
    'xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" '
    'GCamera:MicroVideo="1" GCamera:MicroVideoOffset="4242" '
    'photoshop:DateCreated="1999-01-01T00:00:00">'
    "<GPano:ProjectionType>equirectangular</GPano:ProjectionType>"
    '<dc:title xmlns:dc="http://purl.org/dc/elements/1.1/"><rdf:Alt>'
    '<rdf:li xml:lang="x-default">IMG_0042</rdf:li></rdf:Alt></dc:title>'
    "</rdf:Description></rdf:RDF></x:xmpmeta>"
    + " " * 200  # padding for in-place edits, as writers leave it
    + '<?xpacket end="w"?>'
).encode("utf-8")


def with_camera_xmp(data: bytes) -> bytes:
    """The JPEG with a phone's XMP APP1 after its APP0/EXIF segments."""
    payload = b"http://ns.adobe.com/xap/1.0/\x00" + CAMERA_XMP
    segment = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    pos = 2
    while data[pos + 1] in (0xE0, 0xE1):
        pos += 2 + struct.unpack(">H", data[pos + 2 : pos + 4])[0]
    return data[:pos] + segment + data[pos:]


def _big_jpeg(size: int, comment: bytes, exif: bytes | None) -> bytes:
    """A JPEG of about `size` bytes shaped like a camera's: a small header and a big scan.

    The noise image is encoded once per size and shared (encoding costs ~70 ms per 4 MiB);
    each photo gets its own header (comment, EXIF), so files still differ.
    """
    # Past NOISE_MAX the scan stays that big and the rest trails after EOI: encoding a
    # 256 MiB noise image would take the fake seconds and gigabytes.
    base = _noise_jpeg(min(size, NOISE_MAX) - NOISE_HEADROOM)
    segments = b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment
    if exif:
        segments = b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif + segments
    pos = 2 + 2 + struct.unpack(">H", base[4:6])[0]  # after SOI and Pillow's APP0 (JFIF)
    return base[:pos] + segments + base[pos:]


@functools.lru_cache(maxsize=8)
def _noise_jpeg(target: int) -> bytes:
    """Random pixels at quality 85, sized (two passes) to just under `target` bytes."""
    rnd = random.Random(target)
    edge = max(64, int((target / 1.1) ** 0.5))
    data = b""
    for _ in range(3):
        pixels = rnd.randbytes(edge * edge * 3)
        out = io.BytesIO()
        Image.frombytes("RGB", (edge, edge), pixels).save(out, "JPEG", quality=85)
        data = out.getvalue()
        if len(data) <= target and len(data) > target * 0.97:
            break
        edge = max(64, int(edge * (target * 0.985 / len(data)) ** 0.5))
    while len(data) > target:  # rare: shrink until it fits
        edge = int(edge * 0.97)
        out = io.BytesIO()
        Image.frombytes("RGB", (edge, edge), rnd.randbytes(edge * edge * 3)).save(
            out, "JPEG", quality=85
        )
        data = out.getvalue()
    return data


def make_rendition(seed: int, photo: FakePhoto, spec: SizeSpec | None) -> bytes:
    """A smaller JPEG (already rotated); spec None is a video's poster frame at full size."""
    width, height = display_dims(photo) if spec is None else size_dims(photo, spec)
    label = "poster" if spec is None else spec.label
    return _jpeg(_image(seed, photo, width, height), _comment(seed, photo, label))


def _video_base_size(seed: int, photo: FakePhoto) -> int:
    return 150_000 + _rng(seed, photo, "video-size").randrange(250_000)


def make_video(seed: int, photo: FakePhoto, play: str, huge_size: int = 0) -> SyntheticBlob:
    """A synthetic movie: `ftyp` box, then an `mdat` box of deterministic payload."""
    assert photo.video is not None
    container = photo.video.container if play == "orig" else "mp4"
    brand, minor, compatible = _FTYP.get(container, _FTYP["mp4"])
    ftyp_body = brand + struct.pack(">I", minor) + b"".join(compatible)
    ftyp = struct.pack(">I", 8 + len(ftyp_body)) + b"ftyp" + ftyp_body
    if play == "orig":
        total = huge_size or photo.file_size or _video_base_size(seed, photo)
    else:
        total = int(_video_base_size(seed, photo) * _STREAM_SHARE.get(play, 0.3))
    total = max(total, len(ftyp) + 16)
    mdat_size = total - len(ftyp)
    # 32-bit box size is enough below 4 GiB; larger files use the 64-bit "largesize" form.
    if mdat_size < 2**32:
        mdat = struct.pack(">I", mdat_size) + b"mdat"
    else:
        mdat = struct.pack(">I", 1) + b"mdat" + struct.pack(">Q", mdat_size)
    block = _rng(seed, photo, f"video-{play}").randbytes(CHUNK)
    return SyntheticBlob(header=ftyp + mdat, total=total, block=block)


class ContentCache:
    """Thread-safe LRU of small files, and sha256 of any file, keyed by what makes the bytes."""

    def __init__(self, budget: int = CACHE_BUDGET) -> None:
        self._lock = threading.Lock()
        self._items: OrderedDict[tuple[str, ...], bytes] = OrderedDict()
        self._digests: dict[tuple[str, ...], str] = {}
        self._used = 0
        self._budget = budget

    def get(self, key: tuple[str, ...]) -> bytes | None:
        with self._lock:
            data = self._items.get(key)
            if data is not None:
                self._items.move_to_end(key)
            return data

    def put(self, key: tuple[str, ...], data: bytes) -> None:
        if len(data) > CACHE_ITEM_MAX:
            return
        with self._lock:
            if key in self._items:
                return
            self._items[key] = data
            self._used += len(data)
            while self._used > self._budget:
                _, old = self._items.popitem(last=False)
                self._used -= len(old)

    def sha256(self, key: tuple[str, ...], blob: Blob) -> str:
        with self._lock:
            known = self._digests.get(key)
        if known:
            return known
        digest = hashlib.sha256()
        for piece in blob.chunks(chunk=1 << 20):
            digest.update(piece)
        with self._lock:
            self._digests[key] = digest.hexdigest()
        return digest.hexdigest()
