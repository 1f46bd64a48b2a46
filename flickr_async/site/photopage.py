"""Pure: one photo's or video's page — the image or player, its notes as boxes over it, and
everything its sidecar says (title, description, dates, place, licence, tags, people, albums,
comments), with previous/next through the photostream.

Album order is not baked in: an album links its photos as `<page>#album=<id>`, and site.js
loads that album's order (data/album/<id>.js) to turn previous/next and Esc towards the
album. One page per photo serves every album it is in, and without JavaScript the
photostream's previous/next still work.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from flickr_async import confine, sidecar
from flickr_async.archive import JSON_SIDECAR
from flickr_async.embedded_meta import LICENSES
from flickr_async.models import PLACE_LEVELS
from flickr_async.site import paths
from flickr_async.site.geo import mini_map, place_links
from flickr_async.site.html import Linker, esc, safe_link, sanitize
from flickr_async.site.model import Item, dicts, int_or_none, person_of, str_or_empty, strs
from flickr_async.site.pages import (
    MONTHS,
    Shell,
    comments_block,
    day,
    document,
    month_label,
    pager,
    untitled,
)

NOTE_SPACE = 500  # Flickr's note boxes are in the coordinates of its 500 px "Medium" size


@dataclass(frozen=True, slots=True)
class Media:
    """What the page shows, worked out by the build from the files on disk."""

    kind: Literal["image", "video", "none"]
    src: str | None = None  # relative to OUT: the image shown, or the video file
    width: int | None = None
    height: int | None = None
    poster: str | None = None  # a video's poster frame (relative to OUT)
    full: str | None = None  # the original file, when it is on disk
    from_original: bool = False  # `src` is the original itself (no small rendition kept)


@dataclass(frozen=True, slots=True)
class Context:
    """The page's place in the site."""

    prev: str | None  # photo ids, photostream order
    next: str | None
    month: str  # its photostream month, for "up"
    month_page: int
    albums: tuple[tuple[str, str, int], ...]  # (album id, title, page of the album it is on)


def taken(doc: Mapping[str, Any], date_taken: str | None, granularity: int) -> str:
    """Date taken as Flickr means it: exact, a month, a year, "circa", or unknown."""
    if date_taken is None:
        return "Date unknown"
    year, month = date_taken[:4], int(date_taken[5:7])
    if granularity == 4 and 1 <= month <= 12:
        return f"{MONTHS[month - 1]} {year}"
    if granularity == 6:
        return year
    if granularity == 8:
        return f"circa {year}"
    return date_taken[:16]


def _place(geo: Any, link: Linker | None = None) -> str:
    if not isinstance(geo, dict):
        return ""
    names = [str_or_empty(geo.get(level)) for level in PLACE_LEVELS]
    text = ", ".join(dict.fromkeys(n for n in names if n))
    linked = place_links(link, geo) if link is not None else ""
    lat, lon = geo.get("latitude"), geo.get("longitude")
    if isinstance(lat, int | float) and isinstance(lon, int | float) and (lat or lon):
        osm = (
            f"https://www.openstreetmap.org/?mlat={lat:.6f}&mlon={lon:.6f}"
            f"#map=14/{lat:.5f}/{lon:.5f}"
        )
        where = linked or (esc(text) if text else f"{lat:.5f}, {lon:.5f}")
        return f'<span dir="auto">{where}</span> (<a href="{esc(osm)}" rel="nofollow">map</a>)'
    where = linked or esc(text)
    return f'<span dir="auto">{where}</span>' if where else ""


def _license(value: Any) -> str:
    license_id = str(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""
    if not license_id:
        return ""
    name, url = LICENSES.get(license_id, (f"Flickr licence {license_id}", ""))
    return f'<a href="{esc(url)}" rel="license nofollow">{esc(name)}</a>' if url else esc(name)


def _visibility(value: Any) -> str:
    if not isinstance(value, dict):
        return ""
    if value.get("public"):
        return "public"
    seen = [who for who in ("friends", "family") if value.get(who)]
    return f"private ({' and '.join(seen)})" if seen else "private"


def _pct(value: float) -> str:
    return f"{min(100.0, max(0.0, value)):.2f}%"


def notes_overlay(notes: Sequence[Mapping[str, Any]], width: int, height: int) -> str:
    """Boxes over the image, in percent of its size: Flickr's boxes are in its Medium
    rendition's pixels (500 px on the long side, never upscaled)."""
    long_side = max(width, height)
    scale = min(NOTE_SPACE, long_side) / long_side
    medium_w, medium_h = width * scale, height * scale
    boxes = []
    for note in notes:
        x, y, w, h = (int_or_none(note.get(k)) for k in ("x", "y", "w", "h"))
        if x is None or y is None or not w or not h:
            continue
        left, top = (min(100.0, max(0.0, 100 * v / m)) for v, m in ((x, medium_w), (y, medium_h)))
        # A box Flickr lets run past the picture's edge stops at it: else a phone scrolls
        # sideways to show the overhang.
        style = (
            f"left:{_pct(left)};top:{_pct(top)};"
            f"width:{_pct(min(100 * w / medium_w, 100 - left))};"
            f"height:{_pct(min(100 * h / medium_h, 100 - top))}"
        )
        boxes.append(
            f'<span class="note" style="{style}" tabindex="0">'
            f'<span class="note-text" dir="auto">{sanitize(str_or_empty(note.get("text")))}'
            "</span></span>"
        )
    return "".join(boxes)


def _media(link: Linker, item: Item, media: Media, notes: Sequence[Mapping[str, Any]],
           rotation: int, public: bool = False) -> str:  # fmt: skip
    title = esc(item.summary.title)
    if media.kind == "video" and media.src:
        poster = media.poster or paths.VIDEO_POSTER
        w, h = media.width or 640, media.height or 360
        return (
            f'<figure class="media"><video controls preload="metadata" '
            f'poster="{link(poster)}" width="{w}" height="{h}" aria-label="{title or "Video"}">'
            f'<source src="{link(media.src)}">'
            f'<p>This browser cannot play this video: <a href="{link(media.src)}">open the '
            "file</a>.</p></video></figure>"
        )
    if media.kind == "image" and media.src:
        size = (
            f' width="{media.width}" height="{media.height}"'
            if media.width and media.height
            else ""
        )
        img = f'<img src="{link(media.src)}"{size} alt="{title}">'
        if media.full:
            img = f'<a href="{link(media.full)}" title="Open the original">{img}</a>'
        overlay = ""
        # An original shown as is is not turned by Flickr's rotation: its boxes would miss.
        if media.width and media.height and not (media.from_original and rotation):
            overlay = notes_overlay(notes, media.width, media.height)
        return f'<figure class="media"><div class="frame">{img}{overlay}</div></figure>'
    what = "This video" if item.summary.media == "video" else "This photo"
    why = (
        "has no preview a browser can show"
        if media.full or public
        else "is not in the archive (its download failed or the file is gone)"
    )
    return (
        '<figure class="media"><div class="ph big" role="img" '
        f'aria-label="{what.lower()} {why}"><b>{"▶" if item.summary.media == "video" else "▢"}'
        f"</b><small>{what} {why}.</small></div></figure>"
    )


def _notices(item: Item, doc: Mapping[str, Any], media: Media) -> list[str]:
    out = []
    download = doc.get("download") if isinstance(doc.get("download"), dict) else None
    if download and download.get("original") is False:
        label = str_or_empty(download.get("size_label")) or "a smaller size"
        out.append(
            "Saved without its original: Flickr did not offer it, so the archive keeps "
            f"{esc(label)} instead. The next backup asks for the original again."
        )
    if item.summary.deleted:
        out.append(
            f"Deleted on Flickr (noticed {esc(item.summary.deleted)}); this archive keeps it."
        )
    if item.status != "done":
        reason = f": {esc(item.error)}" if item.error else ""
        out.append(f"The last backup could not save this item{reason}. The next one tries again.")
    elif not item.present:
        out.append("Its file is missing from the archive; `flickr-async verify --repair` "
                   "fetches it again.")  # fmt: skip
    return [f'<p class="notice">{text}</p>' for text in out]


def _facts(doc: Mapping[str, Any], item: Item, link: Linker | None = None) -> str:
    summary = item.summary
    rows = [("Taken", esc(taken(doc, summary.date_taken, summary.granularity)))]
    if summary.date_posted is not None:
        rows.append(("Uploaded", day(summary.date_posted)))
    place = _place(doc.get("geo"), link)
    if place:
        rows.append(("Place", place))
    licence = _license(doc.get("license"))
    if licence:
        rows.append(("Licence", licence))
    visibility = _visibility(doc.get("visibility"))
    if visibility:
        rows.append(("Visible to", visibility))
    for key, label in (("views", "Views"), ("faves", "Faves")):
        value = int_or_none(doc.get(key))
        if value is not None:
            rows.append((label, f"{value:,}"))
    owner = doc.get("owner") if isinstance(doc.get("owner"), dict) else {}
    if owner and str_or_empty(owner.get("username")):
        rows.append(("By", f'<span dir="auto">{esc(str_or_empty(owner.get("username")))}</span>'))
    return '<dl class="facts">' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows) + "</dl>"


def _people(doc: Mapping[str, Any], link: Linker) -> str:
    """Each person tagged, linked to their page of the site (accountpages.person_page)."""
    people = dicts(doc.get("people"))
    if not people:
        return ""
    rows = []
    for person in people:
        nsid, name = person_of(person)
        if not (nsid or name):
            continue
        page = paths.person_page(nsid or f"name:{name}")
        rows.append(f'<li><a href="{link(page)}" dir="auto">{esc(name)}</a></li>')
    return f'<section><h2>People in this photo</h2><ul class="plain">{"".join(rows)}</ul></section>'


def holds_private_link(doc: Mapping[str, Any]) -> bool:
    """A sidecar of a photo that is not public which still names its download URL (written
    before sidecar.private_download; the next change of the photo rewrites it): a link to
    the original for anybody who reads it, so the site does not link it."""
    download = doc.get("download")
    return not sidecar.is_public(doc) and isinstance(download, dict) and bool(download.get("url"))


def photo_page(shell: Shell, item: Item, doc: Mapping[str, Any], media: Media, ctx: Context) -> str:
    page = paths.photo_page(item.id)
    link = Linker(page)
    summary = item.summary
    prev = (link(paths.photo_page(ctx.prev)), "Previous") if ctx.prev else None
    after = (link(paths.photo_page(ctx.next)), "Next") if ctx.next else None
    up = (link(paths.month_page(ctx.month, ctx.month_page)) + f"#p{item.id}",
          month_label(ctx.month))  # fmt: skip
    notes = dicts(doc.get("notes"))
    rotation = int_or_none(doc.get("rotation")) or 0
    parts = [
        pager(prev, up, after),
        '<p id="fa-context" class="context" hidden></p>',
        _media(link, item, media, notes, rotation, shell.public),
        *(() if shell.public else _notices(item, doc, media)),
        f'<h1 dir="auto">{untitled(summary.title)}</h1>',
    ]
    description = str_or_empty(doc.get("description"))
    if description:
        parts.append(f'<div class="desc" dir="auto">{sanitize(description)}</div>')
    parts.append(_facts(doc, item, link))
    parts.append(mini_map(link, doc.get("geo")))
    if summary.tags:
        tags = "".join(
            f'<li><a href="{link(paths.tag_page(paths.tag_key(t)))}" dir="auto">{esc(t)}</a></li>'
            for t in summary.tags
        )
        parts.append(f'<section><h2>Tags</h2><ul class="tags">{tags}</ul></section>')
    machine = strs(doc.get("machine_tags"))
    if machine:
        rows = "".join(f"<li><code>{esc(t)}</code></li>" for t in machine)
        parts.append(f'<section><h2>Machine tags</h2><ul class="plain">{rows}</ul></section>')
    parts.append(_people(doc, link))
    if ctx.albums:
        rows = "".join(
            f'<li><a href="{link(paths.album_page(album_id, number))}#p{item.id}" '
            f'dir="auto">{untitled(title)}</a></li>'
            for album_id, title, number in ctx.albums
        )
        parts.append(f'<section><h2>In albums</h2><ul class="plain">{rows}</ul></section>')
    if notes:
        rows = "".join(
            f'<li><span dir="auto">{sanitize(str_or_empty(n.get("text")))}</span>'
            f" <small>— {esc(str_or_empty(n.get('author_name')))}</small></li>"
            for n in notes
        )
        parts.append(f'<section><h2>Notes</h2><ul class="plain">{rows}</ul></section>')
    parts.append(comments_block(dicts(doc.get("comments"))))
    links = []
    url = safe_link(str_or_empty(doc.get("url")))
    if url:
        links.append(f'<a href="{esc(url)}" rel="nofollow">On Flickr</a>')
    if media.full:
        what = "video" if summary.media == "video" else "original"
        links.append(f'<a href="{link(media.full)}">The {what} file</a>')
    if (
        item.path
        and item.sig
        and not shell.public  # the sidecar is in the archive, not in the public copy
        and confine.is_relative(item.path)
        and not holds_private_link(doc)
    ):
        links.append(
            f'<a href="{link(item.path + JSON_SIDECAR)}">Everything Flickr said (JSON)</a>'
        )
    if links:
        parts.append(f'<p class="links">{" · ".join(links)}</p>')
    albums = " ".join(paths.file_id(album_id) for album_id, _, _ in ctx.albums)
    attrs = f' class="photo" data-photo="{esc(item.id)}" data-albums="{esc(albums)}"'
    return document(
        shell, link, summary.title or "Untitled", "\n".join(p for p in parts if p), body_attrs=attrs
    )
