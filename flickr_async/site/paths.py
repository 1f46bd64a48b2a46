"""Pure: where each page, data file and asset of the site lives, relative to the archive root.

Everything but the entry point `index.html` lives under `.site/` (a dot folder, so photo
managers scanning the archive skip it). File names are ASCII and never a Windows reserved
name; photo pages are spread over 100 folders by the id's last two digits so no folder holds
100,000 files.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache
from typing import TypeGuard

from flickr_async import confine, edge
from flickr_async.layout import SITE_DIR, SITE_ENTRY, THUMBS_DIR, thumbnail_name

HOME = SITE_ENTRY
ASSETS = f"{SITE_DIR}/assets"
CSS = f"{ASSETS}/site.css"
JS = f"{ASSETS}/site.js"
VIDEO_POSTER = f"{ASSETS}/video.svg"
TAGS = f"{SITE_DIR}/tags.html"
SEARCH = f"{SITE_DIR}/search.html"
FAVORITES = f"{SITE_DIR}/favorites.html"
GALLERIES = f"{SITE_DIR}/galleries.html"
SEARCH_DATA = f"{SITE_DIR}/data/search.js"  # the search data of a small site: one file
THUMBS = THUMBS_DIR
MAP = f"{SITE_DIR}/map.html"
MAP_DATA = f"{SITE_DIR}/data/map.js"
MAP_JS = f"{ASSETS}/map.js"
MORE_CSS = f"{ASSETS}/pages.css"  # the map's, people's, groups' and about pages' rules
WORLD = f"{ASSETS}/world.svg"
PEOPLE = f"{SITE_DIR}/people.html"
GROUPS = f"{SITE_DIR}/groups.html"
ABOUT = f"{SITE_DIR}/about.html"
CACHE = f"{SITE_DIR}/cache.sqlite3"
UNDATED = "undated"

_ID = re.compile(r"[0-9A-Za-z_@-]{1,80}")
_ASCII_SLUG = re.compile(r"[a-z0-9]{1,60}")
_RESERVED = frozenset(
    {"con", "prn", "aux", "nul"} | {f"{d}{n}" for d in ("com", "lpt") for n in "123456789"}
)


def linkable_file(path: str | None) -> TypeGuard[str]:
    """May a page link the archived file at `path` (relative to OUT)? Only a photo or video
    (edge.MEDIA_EXTENSIONS) at a plain relative path: never an original kept as `.bin`, nor
    a page or a script an older version archived (html, svg, js...), nor a path out of OUT."""
    return path is not None and confine.is_relative(path) and edge.is_media_file(path)


def is_safe_id(value: str) -> bool:
    """A Flickr id usable as a file name as it is."""
    return bool(_ID.fullmatch(value)) and value.lower() not in _RESERVED


def file_id(value: str) -> str:
    """An id as a file name: itself when safe, else a stable hash."""
    if is_safe_id(value):
        return value
    return "x" + hashlib.sha1(value.encode("utf-8")).hexdigest()[:16]


def shard(photo_id: str) -> str:
    return photo_id[-2:]


def photo_page(photo_id: str) -> str:
    return f"{SITE_DIR}/photo/{shard(photo_id)}/{photo_id}.html"


def _numbered(base: str, page: int) -> str:
    return f"{base}.html" if page <= 1 else f"{base}-{page}.html"


def album_page(album_id: str, page: int = 1) -> str:
    return _numbered(f"{SITE_DIR}/album/{file_id(album_id)}", page)


def album_data(album_id: str) -> str:
    return f"{SITE_DIR}/data/album/{file_id(album_id)}.js"


def month_page(month: str, page: int = 1) -> str:
    """A month of the photostream ("2019-06"), or UNDATED."""
    return _numbered(f"{SITE_DIR}/stream/{month}", page)


@lru_cache(maxsize=65536)
def tag_key(tag: str) -> str:
    """Tags that differ only in case, spaces or punctuation share a page, as on Flickr
    ("New York", "newyork" and "NEW-YORK"); a tag of symbols only keeps its own."""
    folded = unicodedata.normalize("NFKC", tag).casefold()
    return "".join(ch for ch in folded if ch.isalnum()) or " ".join(folded.split())


@lru_cache(maxsize=65536)
def tag_page(key: str, page: int = 1) -> str:
    if _ASCII_SLUG.fullmatch(key) and key not in _RESERVED:
        slug = key
    else:
        ascii_part = "".join(ch for ch in key if "a" <= ch <= "z" or "0" <= ch <= "9")[:40]
        digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:10]
        slug = f"{ascii_part}-{digest}" if ascii_part else f"t-{digest}"
    return _numbered(f"{SITE_DIR}/tag/{slug}", page)


def search_data(number: int, files: int) -> str:
    """Search data file `number` (from 0) of `files`."""
    return SEARCH_DATA if files <= 1 else f"{SITE_DIR}/data/search-{number + 1}-of-{files}.js"


def thumb(photo_id: str, size: str) -> str:
    """Flickr's small renditions kept by the backup: "q" (150×150 square), "z" (≤ 640 px)."""
    return f"{THUMBS}/{thumbnail_name(photo_id, size)}"


def to_root(page: str) -> str:
    """The relative way from `page` back to the archive root ("" for index.html)."""
    return "../" * page.count("/")


def _slug(key: str, prefix: str) -> str:
    """A file name for any text: itself when a short ASCII slug, else its ASCII letters and
    a digest."""
    if _ASCII_SLUG.fullmatch(key) and key not in _RESERVED:
        return key
    ascii_part = "".join(ch for ch in key.lower() if "a" <= ch <= "z" or "0" <= ch <= "9")[:40]
    digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:10]
    return f"{ascii_part}-{digest}" if ascii_part else f"{prefix}-{digest}"


def place_page(names: tuple[str, ...], page: int = 1) -> str:
    """The photos taken in a place: (country,), (country, region) or (country, region,
    locality) as the list level names them."""
    return _numbered(f"{SITE_DIR}/place/{_slug(chr(31).join(names).casefold(), 'p')}", page)


def person_page(key: str, page: int = 1) -> str:
    """The photos a person is tagged in (`key`: their NSID, else their name)."""
    return _numbered(f"{SITE_DIR}/person/{_slug(key, 'u')}", page)


def extras_page(name: str) -> str:
    """An export-only file (OUT/flickr-export/<name>.json) as a page (`site --extras`)."""
    return f"{SITE_DIR}/extras/{_slug(name, 'x')}.html"
