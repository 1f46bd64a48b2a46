"""File names as Flickr's export writes them: zips, and media members at a zip's root."""

from __future__ import annotations

import random
import string
import unicodedata

from tests.fakeflickr.model import FakePhoto

_ALNUM = string.ascii_lowercase + string.digits
_NOT_HEX = "ghijklmnopqrstuvwxyz"


def metadata_zip_name(rnd: random.Random, number: str, part: int) -> str:
    """`<17 digits>_<12 alphanumerics>_partN.zip`; the token is not always hex."""
    token = list("".join(rnd.choice(_ALNUM) for _ in range(12)))
    token[rnd.randrange(12)] = rnd.choice(_NOT_HEX)  # like "06fxe76mos37"
    return f"{number}_{''.join(token)}_part{part}.zip"


def media_zip_name(rnd: random.Random, index: int, *, new_style: bool) -> str:
    """`data-download-N.zip`, or the 2018/2025 form `data_<digits>_<hex>_<N>.zip`."""
    if not new_style:
        return f"data-download-{index}.zip"
    return f"data_{rnd.randrange(10**11, 10**12)}_{rnd.getrandbits(64):016x}_{index}.zip"


def is_untitled(title: str) -> bool:
    """A title of "" or a single space: Flickr names the file after its original URL."""
    return title in ("", " ")


def _latin(ch: str) -> bool:
    """ASCII letters and digits, and Latin letters with marks (kept); other scripts not."""
    if ch in string.ascii_lowercase or ch in string.digits or ch in "_-":
        return True
    if ord(ch) < 0x80:
        return False
    return ch.isalpha() and "LATIN" in unicodedata.name(ch, "")


SLUG_MAX = 100  # ours: keeps names under 255 bytes where the export is unpacked


def slug(title: str) -> str:
    """Title lower-cased, spaces to '-', dots, punctuation and non-Latin letters dropped
    (Cyrillic, CJK, emoji, invisible marks such as U+200E). May start with '-' or be empty."""
    kept = "".join("-" if ch == " " else ch for ch in title.lower() if ch == " " or _latin(ch))
    return kept[:SLUG_MAX]


def media_name(photo: FakePhoto, ext: str) -> str:
    """The member name of a photo's or video's original in a media zip."""
    if photo.is_video:
        if is_untitled(photo.title):
            return f"{photo.id}_{photo.originalsecret}.{ext}"
        return f"{slug(photo.title)}_{photo.id}.{ext}"
    if is_untitled(photo.title):
        return f"{photo.id}_{photo.originalsecret}_o.{ext}"
    return f"{slug(photo.title)}_{photo.id}_o.{ext}"
