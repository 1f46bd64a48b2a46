"""Pure: what Flickr's answers must look like before any of it names a file or a page.

Flickr sends numeric ids and sane formats; a compromised mirror, a proxy in the middle or a
bug may not. Every id, secret and format is checked here, once, when a response is parsed
(models.py, account_records.py): a record that fails is refused with a one-line reason and never
reaches a path. What is accepted can only ever spell a plain file name.

The media extensions are a fixed list: an original whose format is anything else is kept as
`.bin`, which no browser runs and the offline site never links as a page.
"""

from __future__ import annotations

import re

from flickr_async.errors import FlickrAsyncError

# Photo, video, album (photoset) and gallery-photo ids are decimal numbers on Flickr.
PHOTO_ID = re.compile(r"[0-9]{1,24}")
ALBUM_ID = PHOTO_ID
# Flickr's secrets are 10 hex digits; any run of ASCII letters and digits is accepted, so a
# longer or upper-case secret one day fails nothing, while no separator or dot gets through.
SECRET = re.compile(r"[0-9A-Za-z]{1,64}")
SERVER = re.compile(r"[0-9]{1,10}")  # also the farm number

# Every extension an archived photo or video may have. Flickr's own originalformat values
# (jpg, png, gif, tif, heic...) and what its video CDN serves (mp4, mov...), a few common
# camera formats besides; nothing a browser runs as a page or a script (html, svg, xhtml,
# js, xml, pdf...).
IMAGE_EXTENSIONS = frozenset(
    {"jpg", "jpeg", "png", "gif", "tif", "tiff", "heic", "heif", "webp", "bmp", "avif"}
)
# What Flickr accepts as video uploads, and the common camera containers.
VIDEO_EXTENSIONS = frozenset(
    {"mp4", "mov", "avi", "m4v", "3gp", "3g2", "mpg", "mpeg", "m2v", "wmv", "asf", "mts",
     "m2ts", "webm", "mkv", "flv", "ogv", "ogg"}
)  # fmt: skip
MEDIA_EXTENSIONS = IMAGE_EXTENSIONS | VIDEO_EXTENSIONS
OTHER = "bin"  # the extension of an original in any other format
STORED_EXTENSIONS = MEDIA_EXTENSIONS | {OTHER}
MEDIA = frozenset({"photo", "video"})


class InvalidRecord(FlickrAsyncError):
    """A record from Flickr that fails the checks: an id that is no id, a bad secret...
    A photo's is one failed item of the run, with this one-line reason; a record that is no
    item of the archive (an album, a gallery's photo) is skipped with a warning."""

    def __init__(self, what: str, reason: str, *, item: bool = True) -> None:
        super().__init__(f"{what}: {reason}")
        self.what = what  # "photo '../x'", "album '9'": how reports name the record
        self.reason = reason
        self.item = item


def shown(value: object, limit: int = 60) -> str:
    """A value from Flickr as reports show it: quoted, escaped (repr), a long one cut in the
    middle (its start and its end both tell paths apart)."""
    text = repr(str(value))
    if len(text) <= limit:
        return text
    half = (limit - 1) // 2
    return text[:half] + "…" + text[-half:]


def is_photo_id(value: str) -> bool:
    return PHOTO_ID.fullmatch(value) is not None


def photo_id(value: str, what: str = "photo") -> str:
    """A photo's id; `what` other than "photo" names a record that is no archived item."""
    if not is_photo_id(value):
        reason = "the id is not a Flickr id (digits)"
        raise InvalidRecord(f"{what} {shown(value)}", reason, item=what == "photo")
    return value


def album_id(value: str) -> str:
    if ALBUM_ID.fullmatch(value) is None:
        reason = "the id is not a Flickr album id (digits)"
        raise InvalidRecord(f"album {shown(value)}", reason, item=False)
    return value


def check_photo_fields(
    pid: str, *, secret: str, server: str, farm: str, original_secret: str, media: str
) -> None:
    """The fields of a photo record that reach URLs or names (empty ones are absent)."""
    what = f"photo {pid}"
    for name, value, pattern in (
        ("secret", secret, SECRET),
        ("originalsecret", original_secret, SECRET),
        ("server", server, SERVER),
        ("farm", farm, SERVER),
    ):
        if value and pattern.fullmatch(value) is None:
            raise InvalidRecord(what, f"its {name} {shown(value)} is not one Flickr sends")
    if media and media not in MEDIA:
        raise InvalidRecord(what, f"its media type {shown(media)} is neither photo nor video")


def original_format(value: str) -> str | None:
    """Flickr's `originalformat` as the extension the original is stored under: a media
    extension as it is (lower-case), anything else OTHER ("bin"); None when absent."""
    ext = value.strip().lower()
    if not ext:
        return None
    return ext if ext in MEDIA_EXTENSIONS else OTHER


def media_extension(ext: str | None) -> str | None:
    """`ext` (no dot, any case) when it is a media extension, else None."""
    if not ext:
        return None
    ext = ext.strip().lstrip(".").lower()
    return ext if ext in MEDIA_EXTENSIONS else None


def is_media_file(path: str) -> bool:
    """Is the archived file at `path` a photo or video a page may link (not `.bin`, not
    a page or a script an older version stored)?"""
    name = path.rpartition("/")[2]
    return "." in name and name.rpartition(".")[2].lower() in MEDIA_EXTENSIONS
