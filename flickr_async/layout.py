"""Pure: where each file goes under OUT; folder names safe on Linux, macOS and Windows/exFAT."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from email.message import Message
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from flickr_async import account_files, edge
from flickr_async.choices import Layout
from flickr_async.models import Album, Photo

STATE_DIR = ".flickr-async"
STATE_FILE = "state.sqlite3"  # in STATE_DIR: the archive's SQLite state
UNSORTED = "Unsorted"
UNDATED = "undated"  # --layout date: photos whose dates Flickr does not know
UNTITLED = "Untitled"
DEFAULT_MAX_BYTES = 120

# Backups get copied to USB disks: forbid what Windows/exFAT forbid, not just what Linux does.
_FORBIDDEN = frozenset('/\\<>:"|?*')
_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"{dev}{n}" for dev in ("COM", "LPT") for n in (*"123456789", "¹", "²", "³")}
)
FAVORITES_DIR = "Favorites"
SITE_ENTRY = "index.html"
SITE_DIR = ".site"  # the offline site's pages, assets, data and thumbnails (flickr_async.site)
THUMBS_DIR = f"{SITE_DIR}/thumbs"  # the site's thumbnails, fetched by the backup
THUMB_SQUARE = "q"  # Flickr's Large Square, 150 x 150
THUMB_PREVIEW = "z"  # Flickr's Medium 640, or the largest size below it
# What only Flickr's data export holds (Flickr Mail, testimonials, its account files as
# exported, a second file for a photo), kept verbatim by `import` (importer.py).
EXPORT_DIR = "flickr-export"


def fold_name(name: str) -> str:
    """The key under which two names are one on some disk the archive may be copied to.

    `casefold` (with NFC) keeps the Turkish dotless ı apart from I and i, but NTFS and
    exFAT upper-case ı to I, so "ı", "i" and "I" are one name there; the dotted İ (whose
    casefold is "i" plus a combining dot) is folded to "i" too, to be safe. Folding more
    than a disk does only costs a folder an " (<album id>)" suffix; folding less would
    merge two albums in one folder on that disk.
    """
    folded = unicodedata.normalize("NFC", name).casefold()
    return folded.replace("i\u0307", "i").replace("\u0131", "i")


# Names the archive uses itself at its root: an album called "albums.json" or "Favorites"
# gets a folder of its own beside them, never theirs.
_OWN_RESERVED = frozenset(
    fold_name(name)
    for name in (
        UNSORTED,
        STATE_DIR,
        FAVORITES_DIR,
        SITE_ENTRY,
        SITE_DIR,
        EXPORT_DIR,
        *account_files.FILES,
    )
)
_ID_RE = edge.PHOTO_ID  # only what the edge lets in (digits)

_VIDEO_TYPES = {
    "video/mp4": "mp4",
    "video/quicktime": "mov",
    "video/x-m4v": "m4v",
    "video/mpeg": "mpg",
    "video/x-msvideo": "avi",
    "video/avi": "avi",
    "video/3gpp": "3gp",
    "video/webm": "webm",
    "video/x-matroska": "mkv",
    "video/x-ms-wmv": "wmv",
    "video/x-flv": "flv",
}
_IMAGE_TYPES = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/tiff": "tif",
    "image/heic": "heic",
}


# --- safe names -------------------------------------------------------------------------


def _strip(name: str) -> str:
    # Leading dots hide folders; Windows drops trailing dots and spaces silently.
    previous = None
    while name != previous:
        previous = name
        name = name.strip().strip(".")
    return name


def _extends_cluster(ch: str) -> bool:
    """A character that belongs to the grapheme before it (cheap approximation of UAX #29)."""
    return (
        unicodedata.category(ch) in ("Mn", "Mc", "Me")
        or ch in ("\u200d", "\ufe0e", "\ufe0f")
        or "\U0001f3fb" <= ch <= "\U0001f3ff"  # skin tone modifiers
        or "\U000e0020" <= ch <= "\U000e007f"  # emoji tag sequences (subdivision flags)
    )


def _is_regional(ch: str) -> bool:
    return "\U0001f1e6" <= ch <= "\U0001f1ff"


def _truncate(name: str, max_bytes: int) -> str:
    """At most `max_bytes` of UTF-8, never splitting a character or (mostly) a grapheme."""
    if len(name.encode("utf-8")) <= max_bytes:
        return name
    keep, used = 0, 0
    for ch in name:
        size = len(ch.encode("utf-8"))
        if used + size > max_bytes:
            break
        used += size
        keep += 1
    while 0 < keep < len(name) and (_extends_cluster(name[keep]) or name[keep - 1] == "\u200d"):
        keep -= 1
    if 0 < keep < len(name) and _is_regional(name[keep]) and _is_regional(name[keep - 1]):
        run = 0
        while run < keep and _is_regional(name[keep - 1 - run]):
            run += 1
        if run % 2:  # the cut falls inside a flag (a pair of regional indicators)
            keep -= 1
    return name[:keep]


def _is_reserved(name: str) -> bool:
    stem = name.split(".", 1)[0].rstrip(" ")
    return stem.upper() in _WINDOWS_RESERVED or fold_name(name) in _OWN_RESERVED


def _suffix_reserved(name: str) -> str:
    # "con.txt" is as reserved as "con" on Windows: the "_" goes after the stem.
    stem, dot, rest = name.partition(".")
    return f"{stem}_{dot}{rest}"


def clean_text(text: str) -> str:
    """NFC, with every character some filesystem forbids (separators, `:*?"<>|`, control
    characters) replaced by "_": the per-character rule of every name the archive makes."""
    name = unicodedata.normalize("NFC", text)
    return "".join(
        "_" if ch in _FORBIDDEN or unicodedata.category(ch) == "Cc" else ch for ch in name
    )


def strip_name(name: str) -> str:
    """No leading dots (hidden), no trailing dots or spaces (Windows drops them)."""
    return _strip(name)


def truncate(name: str, max_bytes: int) -> str:
    """At most `max_bytes` of UTF-8, cut between characters (and mostly between graphemes)."""
    return _truncate(name, max_bytes)


def unreserved(name: str) -> str:
    """`name`, or `name` with "_" after its stem when Windows or the archive reserve it."""
    return _suffix_reserved(name) if _is_reserved(name) else name


def safe_name(title: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """One folder name that every common filesystem accepts; never "", "." or ".."."""
    if max_bytes < 16:
        raise ValueError("max_bytes must be at least 16")
    name = _strip(_truncate(_strip(clean_text(title)), max_bytes)) or UNTITLED
    if _is_reserved(name):
        name = _suffix_reserved(_strip(_truncate(name, max_bytes - 1)))
    return name


# --- album folders ---------------------------------------------------------------------


def _with_id(base: str, album_id: str, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    suffix = f" ({album_id})"
    room = max_bytes - len(suffix.encode("utf-8"))
    title = _strip(_truncate(base, max(room, 1))) or UNTITLED
    return title + suffix


def assign_album_folders(albums: Sequence[Album], previous: Mapping[str, str]) -> dict[str, str]:
    """Album id -> folder name: stable across runs, distinct even on case-insensitive disks.

    An album keeps its previous folder while its sanitised title still gives that name.
    Colliding titles: the previous owner, else the first in list order, gets the plain name;
    the others get "<title> (<album id>)". Folders of albums no longer listed stay reserved so
    that a new album is never merged into an old album's folder.
    """
    listed: dict[str, Album] = {}
    for album in albums:
        listed.setdefault(album.id, album)
    bases = {album_id: safe_name(album.title) for album_id, album in listed.items()}
    result: dict[str, str] = {}
    used: set[str] = {
        fold_name(folder) for album_id, folder in previous.items() if album_id not in listed
    }
    for album_id, base in bases.items():
        kept = previous.get(album_id)
        if kept is not None and kept in (base, _with_id(base, album_id)):
            if fold_name(kept) in used:  # a corrupt `previous` gave two albums one folder
                continue
            result[album_id] = kept
            used.add(fold_name(kept))
    for album_id, base in bases.items():
        if album_id in result:
            continue
        folder = base
        attempt = 1
        while fold_name(folder) in used:
            # Album ids are unique, so the first retry almost always wins.
            tag = album_id if attempt == 1 else f"{album_id}-{attempt}"
            folder = _with_id(base, tag)
            attempt += 1
        result[album_id] = folder
        used.add(fold_name(folder))
    return result


# --- file names ----------------------------------------------------------------------------


def _clean_ext(ext: str | None) -> str | None:
    """An extension a file may be stored under: a media one (edge.MEDIA_EXTENSIONS) or
    "bin"; anything else (html, svg, js...) is None."""
    if not ext:
        return None
    ext = ext.strip().lstrip(".").lower()
    return ext if ext in edge.STORED_EXTENSIONS else None


def _url_ext(url: str | None) -> str | None:
    if not url:
        return None
    name = PurePosixPath(unquote(urlsplit(url).path)).name
    return edge.media_extension(name.rpartition(".")[2]) if "." in name else None


def _disposition_ext(header: str | None) -> str | None:
    if not header:
        return None
    message = Message()
    message["content-disposition"] = header
    filename = message.get_filename()  # handles filename*=UTF-8''... (RFC 2231) as well
    if not filename or "." not in filename:
        return None
    return edge.media_extension(filename.rpartition(".")[2])


def _type_ext(content_type: str | None, table: Mapping[str, str]) -> str | None:
    if not content_type:
        return None
    return table.get(content_type.split(";", 1)[0].strip().lower())


def extension_for(
    photo: Photo,
    *,
    final_url: str | None = None,
    content_disposition: str | None = None,
    content_type: str | None = None,
) -> str:
    """Lower-case extension without a dot: a media extension (edge.MEDIA_EXTENSIONS), or
    "bin" for an original whose format is anything else; a name from the server counts only
    when it is a media extension."""
    if photo.is_video:
        # /play/orig/... redirects to a CDN URL: only it or Content-Disposition tell mov/mp4/mpg.
        return (
            _url_ext(final_url)
            or _disposition_ext(content_disposition)
            or _type_ext(content_type, _VIDEO_TYPES)
            or "mp4"
        )
    return (
        _clean_ext(photo.original_format)
        or _url_ext(final_url)
        or _disposition_ext(content_disposition)
        or _type_ext(content_type, _IMAGE_TYPES)
        or "jpg"
    )


def month_folder(month: tuple[int, int] | None) -> PurePosixPath:
    """--layout date: `YYYY/MM`, or `undated` when no date is known."""
    if month is None:
        return PurePosixPath(UNDATED)
    year, number = month
    return PurePosixPath(f"{year:04d}", f"{number:02d}")


def _is_unsafe_name(name: str) -> bool:
    return (
        name in ("", ".", "..")
        or any(ch in _FORBIDDEN or unicodedata.category(ch) == "Cc" for ch in name)
        or name != _strip(name)
    )


def placement(
    photo_id: str,
    ext: str,
    album_ids: Sequence[str],
    folders: Mapping[str, str],
    layout: Layout,
    *,
    name: str | None = None,
    month: tuple[int, int] | None = None,
) -> tuple[PurePosixPath, tuple[PurePosixPath, ...]]:
    """(primary path, other album paths to link), relative to OUT.

    `name` is the file name (names.Template renders it; default `<id>.<ext>`); `month` the
    (year, month) a dated layout files it under. Album ids without a folder in `folders`
    are skipped; no known album means Unsorted. The date layout has no album copies.
    """
    if not _ID_RE.fullmatch(photo_id):
        raise ValueError(f"unsafe photo id {photo_id!r}")
    clean = _clean_ext(ext)
    if clean is None:
        raise ValueError(f"unsafe extension {ext!r}")
    if name is None:
        name = f"{photo_id}.{clean}"
    elif _is_unsafe_name(name) or not name.endswith(f".{clean}") or photo_id not in name:
        raise ValueError(f"unsafe file name {name!r}")
    if fold_name(name) in _OWN_RESERVED:  # --layout flat: never index.html nor albums.json
        raise ValueError(f"file name {name!r} is one the archive uses itself")
    if layout == "flat":
        return PurePosixPath(name), ()
    if layout == "date":
        return month_folder(month) / name, ()
    if layout != "albums":
        raise ValueError(f"unknown layout {layout!r}")
    chosen: list[str] = []
    seen: set[str] = set()
    for album_id in album_ids:
        folder = folders.get(album_id)
        if folder is None:
            continue
        if folder in ("", ".", "..") or "/" in folder or "\\" in folder or "\x00" in folder:
            raise ValueError(f"unsafe album folder {folder!r}")
        if fold_name(folder) not in seen:
            seen.add(fold_name(folder))
            chosen.append(folder)
    if not chosen:
        return PurePosixPath(UNSORTED, name), ()
    primary, *others = (PurePosixPath(folder, name) for folder in chosen)
    return primary, tuple(others)


def thumbnail_name(photo_id: str, size: str) -> str:
    """A site thumbnail's file name in THUMBS_DIR: `<photo id>_<size>.jpg` (THUMB_SQUARE or
    THUMB_PREVIEW)."""
    return f"{photo_id}_{size}.jpg"
