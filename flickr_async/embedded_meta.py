"""Pure: the metadata other programs read (EXIF, XMP), taken from one sidecar document.

The JSON sidecar is the archive's record of a photo; everything embedded in a file or written
to its `.xmp` sidecar is derived from it by `from_sidecar`, so the three never disagree, and an
archive made by an earlier version can be re-embedded from its sidecars alone (no API call).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flickr_async import sidecar
from flickr_async.models import Photo
from flickr_async.plaintext import clean, html_to_text

# Bumped whenever what is embedded in files or written beside them changes: an archive's
# photos recorded with an older version are re-embedded from their sidecars by the next run.
# 1: EXIF with the title as ImageDescription; 2: plain-text description as ImageDescription,
# an XMP packet in JPEGs and a .xmp sidecar beside every file.
EMBED_VERSION = 2

# flickr.photos.licenses.getInfo: id -> (name, URL). Ids 11-16 are the CC 4.0 licences
# Flickr added in 2023; an unknown id is kept as a number without a URL.
LICENSES: dict[str, tuple[str, str]] = {
    "0": ("All Rights Reserved", ""),
    "1": (
        "Attribution-NonCommercial-ShareAlike License",
        "https://creativecommons.org/licenses/by-nc-sa/2.0/",
    ),
    "2": ("Attribution-NonCommercial License", "https://creativecommons.org/licenses/by-nc/2.0/"),
    "3": (
        "Attribution-NonCommercial-NoDerivs License",
        "https://creativecommons.org/licenses/by-nc-nd/2.0/",
    ),
    "4": ("Attribution License", "https://creativecommons.org/licenses/by/2.0/"),
    "5": ("Attribution-ShareAlike License", "https://creativecommons.org/licenses/by-sa/2.0/"),
    "6": ("Attribution-NoDerivs License", "https://creativecommons.org/licenses/by-nd/2.0/"),
    "7": ("No known copyright restrictions", "https://www.flickr.com/commons/usage/"),
    "8": ("United States Government Work", "http://www.usa.gov/copyright.shtml"),
    "9": (
        "Public Domain Dedication (CC0)",
        "https://creativecommons.org/publicdomain/zero/1.0/",
    ),
    "10": ("Public Domain Mark", "https://creativecommons.org/publicdomain/mark/1.0/"),
    "11": ("CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/"),
    "12": ("CC BY-SA 4.0", "https://creativecommons.org/licenses/by-sa/4.0/"),
    "13": ("CC BY-ND 4.0", "https://creativecommons.org/licenses/by-nd/4.0/"),
    "14": ("CC BY-NC 4.0", "https://creativecommons.org/licenses/by-nc/4.0/"),
    "15": ("CC BY-NC-SA 4.0", "https://creativecommons.org/licenses/by-nc-sa/4.0/"),
    "16": ("CC BY-NC-ND 4.0", "https://creativecommons.org/licenses/by-nc-nd/4.0/"),
}
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})")


@dataclass(frozen=True, slots=True)
class Meta:
    """What a photo manager should show for one file. Empty values are simply not written."""

    title: str
    description: str  # plain text (Flickr's HTML turned into text)
    tags: tuple[str, ...]  # the owner's tags as typed; machine tags are not keywords
    date_taken: str | None  # "YYYY-MM-DD HH:MM:SS", owner's local time; None when unknown
    latitude: float | None
    longitude: float | None
    city: str
    state: str
    country: str
    creator: str
    license_name: str
    license_url: str
    source: str  # the Flickr photo page


def _text(value: Any) -> str:
    return clean(value) if isinstance(value, str) else ""


def _date(doc: Mapping[str, Any]) -> str | None:
    raw = doc.get("date_taken")
    if doc.get("date_taken_unknown") or not isinstance(raw, str):
        return None
    return raw if _DATE.fullmatch(raw.strip()) else None


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def from_sidecar(doc: Mapping[str, Any]) -> Meta:
    """The embedded metadata of a sidecar document (as sidecar.build makes it)."""
    geo = doc.get("geo") if isinstance(doc.get("geo"), Mapping) else None
    lat = _float(geo.get("latitude")) if geo else None
    lon = _float(geo.get("longitude")) if geo else None
    if lat is None or lon is None:
        lat = lon = None
    owner = doc.get("owner") if isinstance(doc.get("owner"), Mapping) else {}
    license_id = str(doc.get("license") or "")
    name, url = LICENSES.get(license_id, (f"Flickr licence {license_id}" if license_id else "", ""))
    tags = _list(doc.get("tags"))
    return Meta(
        title=_text(doc.get("title")).strip(),
        description=html_to_text(_text(doc.get("description"))),
        tags=tuple(dict.fromkeys(t for t in (_text(t).strip() for t in tags) if t)),
        date_taken=_date(doc),
        latitude=lat,
        longitude=lon,
        city=_text(geo.get("locality")) if geo else "",
        state=_text(geo.get("region")) if geo else "",
        country=_text(geo.get("country")) if geo else "",
        creator=_text(owner.get("username") if owner else ""),
        license_name=name,
        license_url=url,
        source=_text(doc.get("url")),
    )


def from_photo(photo: Photo) -> Meta:
    """The same record for a Photo not yet written out (through the sidecar's own builder)."""
    return from_sidecar(sidecar.build(photo, comments=(), albums=(), download=None))
