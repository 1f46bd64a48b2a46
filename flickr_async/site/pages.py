"""Pure: the site's pages as HTML strings — the shell every page shares, grids of photos, and
the home, album, photostream, tag, search, favourites and galleries pages.

Every piece of text goes through `esc` (or `sanitize` for Flickr's HTML), every link through
a `Linker` (relative, percent-encoded). Pages hold no build date, so unchanged input gives
byte-identical pages and an incremental build rewrites nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from flickr_async.account_records import Collection
from flickr_async.layout import SITE_DIR, THUMB_SQUARE, thumbnail_name
from flickr_async.plural import plural
from flickr_async.sane import timestamp
from flickr_async.site import paths
from flickr_async.site.html import Linker, esc, safe_link, sanitize
from flickr_async.site.model import (
    DELETED,
    MISSING,
    NOT_ORIGINAL,
    VIDEO,
    AlbumEntry,
    FaveEntry,
    GalleryEntry,
    Item,
    SiteProfile,
)

PER_PAGE = 500  # photos per grid page: a month, an album or a tag longer than this is split
THUMB = 150
MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
# Defence in depth: even if some text slipped through escaping, the page could run no inline
# script and load nothing from the network. `file:` is named because browsers give local
# files an opaque origin that 'self' does not match. Scripts are not allowed by place (`file:`
# would let any .js file in OUT run, an original among them) but by the archive's own nonce
# (Shell.nonce): only the site's script tags carry it, and the site's script passes it on to
# the data files it loads.
CSP = (
    "default-src 'none'; script-src 'nonce-{nonce}'; style-src 'self' file: 'unsafe-inline'; "
    "img-src 'self' file:; media-src 'self' file:; form-action 'self' file:; base-uri 'none'"
)


@dataclass(frozen=True, slots=True)
class Shell:
    """What every page's frame shows: the account's name and which sections exist."""

    name: str
    favorites: bool
    galleries: bool
    # The archive's script nonce (SiteCache.nonce): random, made once per site cache, so
    # pages stay the same from build to build; no text from Flickr can know it.
    nonce: str = ""
    public: bool = False  # the public copy (public.py): for publishing, not the owner's own
    map: bool = False  # some photo shows on the map (map.html)
    people: bool = False  # some photo has a person tagged (people.html)
    groups: bool = False  # the account's groups (groups.html)


Nav = tuple[str, str] | None  # (href, label)


# --- the frame -----------------------------------------------------------------------------


def document(
    shell: Shell,
    link: Linker,
    title: str,
    body: str,
    *,
    body_attrs: str = "",
    scripts: Sequence[str] = (),
) -> str:
    """A whole page: head, top navigation, `body` in <main>, the site script last."""
    head, top, tail = _chrome(shell, link.page.rpartition("/")[0], tuple(scripts))
    return (
        f"{head}<title>{esc(title)} · {esc(shell.name)}</title>\n{top[0]}{body_attrs}{top[1]}"
        f'<main id="main">\n{body}\n</main>\n{tail}'
    )


@lru_cache(maxsize=1024)  # photo pages live in 100 folders
def _chrome(
    shell: Shell, folder: str, scripts: tuple[str, ...]
) -> tuple[str, tuple[str, str], str]:
    """What every page in `folder` shares around its title and body (made once per folder)."""
    link = Linker(f"{folder}/page.html" if folder else "page.html")
    nav = [
        f'<a href="{link(paths.HOME)}">Home</a>',
        f'<a href="{link(paths.TAGS)}">Tags</a>',
        f'<a href="{link(paths.SEARCH)}">Search</a>',
    ]
    if shell.favorites:
        nav.append(f'<a href="{link(paths.FAVORITES)}">Favourites</a>')
    if shell.galleries:
        nav.append(f'<a href="{link(paths.GALLERIES)}">Galleries</a>')
    if shell.map:
        nav.append(f'<a href="{link(paths.MAP)}">Map</a>')
    if shell.people:
        nav.append(f'<a href="{link(paths.PEOPLE)}">People</a>')
    if shell.groups:
        nav.append(f'<a href="{link(paths.GROUPS)}">Groups</a>')
    nav.append(f'<a href="{link(paths.ABOUT)}">About</a>')
    nonce = esc(shell.nonce)
    script_tags = "".join(
        f'<script nonce="{nonce}" src="{link(s)}"></script>' for s in (*scripts, paths.JS)
    )
    root = paths.to_root(link.page) + SITE_DIR + "/"
    head = (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP.format(nonce=nonce)}">\n'
        '<meta name="referrer" content="no-referrer">\n'
    )
    # The map's, places', people's, groups' and about pages' rules (site.css's colours).
    head += f'<link rel="stylesheet" href="{link(paths.MORE_CSS)}">\n'
    top = (
        f'<link rel="stylesheet" href="{link(paths.CSS)}">\n</head>\n<body data-root="{esc(root)}"',
        # The skip link comes first, so one Tab and Enter take a keyboard past the menu.
        '>\n<a class="skip" href="#main">Skip to content</a>\n'
        f'<header class="top"><a class="brand" href="{link(paths.HOME)}" dir="auto">'
        f'{esc(shell.name)}</a><nav aria-label="Site">{" ".join(nav)}</nav></header>\n',
    )
    what = (
        "The public photos of a Flickr account"
        if shell.public
        else "An offline copy of a Flickr account"
    )
    tail = (
        f"<footer>{what}, made by flickr-async. "
        f"It needs no network.</footer>\n{script_tags}\n</body>\n</html>\n"
    )
    return head, top, tail


def pager(link_prev: Nav, up: Nav, link_next: Nav) -> str:
    """Previous / up / next links; the keyboard (←, Esc, →) follows them (site.js)."""
    parts = []
    for name, nav, arrow in (("prev", link_prev, "← "), ("up", up, "↑ "), ("next", link_next, "")):
        if nav is None:
            if name == "up":
                continue
            label = "Previous" if name == "prev" else "Next"
            parts.append(f'<a data-nav="{name}" class="off">{arrow}{label}{_after(name)}</a>')
            continue
        url, label = nav
        rel = f' rel="{name}"' if name != "up" else ""
        text = f"{arrow}{esc(label)}{_after(name)}"
        parts.append(f'<a data-nav="{name}"{rel} href="{url}" dir="auto">{text}</a>')
    return f'<nav class="pager" aria-label="Previous and next">{"".join(parts)}</nav>'


def _after(name: str) -> str:
    return " →" if name == "next" else ""


# --- dates and small pieces --------------------------------------------------------------


def month_label(month: str) -> str:
    """ "2019-06" -> "June 2019"; the undated bucket says so."""
    if month == paths.UNDATED or len(month) != 7:
        return "Date unknown"
    year, number = month[:4], int(month[5:7])
    return f"{MONTHS[number - 1]} {year}" if 1 <= number <= 12 else month


def day(stamp: int | None) -> str:
    """A Unix time as a UTC date."""
    if stamp is None or timestamp(stamp) is None:  # an account file from elsewhere
        return ""
    return time.strftime("%Y-%m-%d", time.gmtime(stamp))


def untitled(title: str) -> str:
    return esc(title) if title.strip() else '<span class="untitled">Untitled</span>'


def placeholder(flags: int, size: int = THUMB) -> str:
    """A box where an image would be: never a broken image."""
    if flags & MISSING:
        symbol, what = "✕", "not in the archive"
    elif flags & VIDEO:
        symbol, what = "▶", "video"
    else:
        symbol, what = "▢", "no preview"
    return (
        f'<span class="ph" role="img" aria-label="{what}" style="width:{size}px;height:{size}px">'
        f"<b>{symbol}</b><small>{what}</small></span>"
    )


def badges(flags: int) -> str:
    marks = []
    if flags & VIDEO:
        marks.append('<i class="b-video" title="video">▶</i>')
    if flags & NOT_ORIGINAL:
        marks.append('<i class="b-warn" title="saved without its original">not original</i>')
    if flags & DELETED:
        marks.append('<i class="b-warn" title="deleted on Flickr">deleted on Flickr</i>')
    if flags & MISSING:
        marks.append('<i class="b-bad" title="missing from the archive">missing</i>')
    return f'<span class="badges">{"".join(marks)}</span>' if marks else ""


def tile(link: Linker, item: Item, thumbs: Container[str], suffix: str = "") -> str:
    """One photo in a grid: its square thumbnail (or a placeholder), title and marks."""
    pid = item.id
    title = item.summary.title
    flags = item.flags
    if thumbnail_name(pid, THUMB_SQUARE) in thumbs:
        media = (
            f'<img src="{link(paths.thumb(pid, "q"))}" width="{THUMB}" height="{THUMB}" '
            f'loading="lazy" alt="{esc(title)}">'
        )
    else:
        media = placeholder(flags)
    return (
        f'<li id="p{pid}"><a href="{link(paths.photo_page(pid))}{suffix}">{media}'
        f'<span class="cap" dir="auto">{untitled(title)}</span></a>{badges(flags)}</li>'
    )


def grid(link: Linker, items: Iterable[Item], thumbs: Container[str], suffix: str = "") -> str:
    return (
        '<ul class="grid">' + "".join(tile(link, item, thumbs, suffix) for item in items) + "</ul>"
    )


def split(items: Sequence[Item], per_page: int | None = None) -> list[Sequence[Item]]:
    """Grid pages: at least one (an empty album still has its page)."""
    per_page = per_page or PER_PAGE
    return [items[n : n + per_page] for n in range(0, len(items), per_page)] or [items[:0]]


def page_nav(page_of: Callable[[int], str], number: int, total: int) -> tuple[Linker, Nav, Nav]:
    """Page `number` of a list split over `total` pages: its Linker, the pages before and after."""
    link = Linker(page_of(number))
    prev = (link(page_of(number - 1)), f"Page {number - 1}") if number > 1 else None
    after = (link(page_of(number + 1)), f"Page {number + 1}") if number < total else None
    return link, prev, after


def count_facts(total: int, number: int, total_pages: int) -> str:
    """How many items a paged list holds, and which page this is when there are more."""
    return plural(total, "item") + (f" · page {number} of {total_pages}" if total_pages > 1 else "")


def grid_body(
    link: Linker,
    navs: tuple[Nav, Nav, Nav],
    heading: str,
    facts: str,
    items: Sequence[Item],
    thumbs: Container[str],
    *,
    between: Sequence[str] = (),
    pager_below: bool = False,
) -> str:
    """A page of a paged grid: the pager (previous, up, next), the heading, the count, what
    stands between them and the grid, the grid, and the pager again below it when asked."""
    prev, _, after = navs
    parts = [pager(*navs), heading, f'<p class="facts">{facts}</p>', *between]
    parts.append(grid(link, items, thumbs))
    if pager_below:
        parts.append(pager(prev, None, after))
    return "\n".join(parts)


def comments_block(comments: Sequence[Mapping[str, object]]) -> str:
    if not comments:
        return ""
    rows = []
    for c in comments:
        author = str(c.get("author") or "")
        name = str(c.get("author_name") or author or "someone")
        date = c.get("date")
        when = day(date) if isinstance(date, int) and not isinstance(date, bool) else ""
        who = (
            f'<a href="https://www.flickr.com/people/{esc(author)}/" rel="nofollow" '
            f'dir="auto">{esc(name)}</a>'
            if author
            else f'<span dir="auto">{esc(name)}</span>'
        )
        permalink = safe_link(str(c.get("permalink") or ""))
        stamp = (
            f'<a href="{esc(permalink)}" rel="nofollow">{when}</a>' if permalink and when else when
        )
        rows.append(
            f'<li><p class="by">{who} <time>{stamp}</time></p>'
            f'<div class="text" dir="auto">{sanitize(str(c.get("text") or ""))}</div></li>'
        )
    heading = plural(len(comments), "comment")
    return f'<section class="comments"><h2>{heading}</h2><ol>{"".join(rows)}</ol></section>'


# --- home ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Counts:
    photos: int
    videos: int
    albums: int
    tags: int
    not_original: int
    deleted: int
    missing: int


# The local site shows everything the archive holds; a copy to publish is another matter.
PRIVATE_NOTICE = (
    '<p class="notice" id="private">This site is for you alone: it shows every photo of the '
    "archive, private ones (only you, friends, family) included, with what Flickr says of "
    "them. Do not publish this folder or put it on a web server: "
    "<code>flickr-async site OUT --public DIR</code> makes a copy to publish.</p>"
)
PUBLIC_NOTICE = (
    '<p class="notice" id="public">The photos and videos Flickr shows to everyone; '
    "counts say what is shown here.</p>"
)


def home(
    shell: Shell,
    profile: SiteProfile,
    counts: Counts,
    albums: Sequence[tuple[AlbumEntry, int]],
    collections: Sequence[Collection],
    months: Sequence[tuple[str, int]],
    thumbs: Container[str],
) -> str:
    """OUT/index.html: who, how much, albums in the user's order, collections, photostream."""
    link = Linker(paths.HOME)
    facts = [plural(counts.photos, "photo"), plural(counts.videos, "video"),
             plural(counts.albums, "album"), plural(counts.tags, "tag")]  # fmt: skip
    if counts.not_original and not shell.public:
        facts.append(f"{counts.not_original:,} saved without their original")
    if counts.deleted and not shell.public:
        facts.append(f"{counts.deleted:,} deleted on Flickr (kept here)")
    if counts.missing and not shell.public:
        facts.append(f"{counts.missing:,} missing or failed (the next backup tries again)")
    profile_link = safe_link(profile.profile_url) or (
        f"https://www.flickr.com/people/{profile.flickr_path}/" if profile.flickr_path else None
    )
    head = [f'<h1 dir="auto">{esc(shell.name)}</h1>']
    if profile.description:
        head.append(f'<div class="desc" dir="auto">{sanitize(profile.description)}</div>')
    head.append(f'<p class="facts">{" · ".join(facts)}</p>')
    head.append(PUBLIC_NOTICE if shell.public else PRIVATE_NOTICE)
    if profile_link:
        head.append(f'<p><a href="{esc(profile_link)}" rel="nofollow">On Flickr</a></p>')
    head.append(
        f'<form class="find" action="{link(paths.SEARCH)}" method="get" role="search">'
        '<input type="search" name="q" placeholder="Search titles, descriptions and tags" '
        'aria-label="Search"><button>Search</button></form>'
    )
    by_id = {album.id: count for album, count in albums}
    titles = {album.id: album.title for album, _ in albums}
    sections = ["\n".join(head)]
    if albums:
        cards = "".join(_album_card(link, album, count, thumbs) for album, count in albums)
        sections.append(f'<section><h2>Albums</h2><ul class="grid albums">{cards}</ul></section>')
    if collections:
        tree = _collections(link, collections, by_id, titles)
        sections.append(f'<section class="collections"><h2>Collections</h2>{tree}</section>')
    sections.append(_photostream(link, months))
    return document(shell, link, "Home", "\n".join(sections), body_attrs=' class="home"')


def _album_card(link: Linker, album: AlbumEntry, count: int, thumbs: Container[str]) -> str:
    cover = album.primary
    if cover and thumbnail_name(cover, THUMB_SQUARE) in thumbs:
        media = (
            f'<img src="{link(paths.thumb(cover, "q"))}" width="{THUMB}" height="{THUMB}" '
            f'loading="lazy" alt="">'
        )
    else:
        media = placeholder(0)
    gone = '<i class="b-warn">deleted on Flickr</i>' if album.deleted else ""
    return (
        f'<li><a href="{link(paths.album_page(album.id))}">{media}'
        f'<span class="cap" dir="auto">{untitled(album.title)}</span></a>'
        f'<span class="n">{plural(count, "item")}</span>{gone}</li>'
    )


def _collections(
    link: Linker,
    nodes: Sequence[Collection],
    counts: Mapping[str, int],
    titles: Mapping[str, str],
) -> str:
    rows = []
    for node in nodes:
        albums = "".join(
            f'<li><a href="{link(paths.album_page(a))}" dir="auto">{untitled(titles[a])}</a> '
            f'<span class="n">{counts[a]:,}</span></li>'
            for a in node.album_ids
            if a in titles
        )
        parts = [f'<strong dir="auto">{untitled(node.title)}</strong>']
        if node.description:
            parts.append(f'<div class="desc" dir="auto">{sanitize(node.description)}</div>')
        if albums:
            parts.append(f'<ul class="albums-list">{albums}</ul>')
        if node.children:
            parts.append(_collections(link, node.children, counts, titles))
        rows.append(f"<li>{''.join(parts)}</li>")
    return f'<ul class="tree">{"".join(rows)}</ul>'


def _photostream(link: Linker, months: Sequence[tuple[str, int]]) -> str:
    if not months:
        return "<section><h2>Photostream</h2><p>No photos yet.</p></section>"
    years: dict[str, list[tuple[str, int]]] = {}
    for month, count in months:
        years.setdefault(month[:4] if month != paths.UNDATED else "", []).append((month, count))
    rows = []
    for year, entries in years.items():
        chips = "".join(
            f'<li><a href="{link(paths.month_page(m))}">'
            f"{MONTHS[int(m[5:7]) - 1] if m != paths.UNDATED else 'Date unknown'}</a> "
            f'<span class="n">{n:,}</span></li>'
            for m, n in entries
        )
        total = sum(n for _, n in entries)
        rows.append(
            f'<h3>{esc(year) or "Date unknown"} <span class="n">{total:,}</span></h3>'
            f'<ul class="months">{chips}</ul>'
        )
    return (
        '<section class="stream"><h2>Photostream</h2>'
        "<p>By date taken (the upload date where Flickr does not know it), newest first.</p>"
        f"{''.join(rows)}</section>"
    )


# --- grid pages: album, month, tag -------------------------------------------------------


def album_page(
    shell: Shell,
    album: AlbumEntry,
    items: Sequence[Item],
    number: int,
    total_pages: int,
    total: int,
    owner_path: str,
    thumbs: Container[str],
) -> str:
    link, prev, after = page_nav(lambda n: paths.album_page(album.id, n), number, total_pages)
    parts = [
        pager(prev, (link(paths.HOME), "Home"), after),
        f'<h1 dir="auto">{untitled(album.title)}</h1>',
    ]
    if album.description:
        parts.append(f'<div class="desc" dir="auto">{sanitize(album.description)}</div>')
    parts.append(f'<p class="facts">{count_facts(total, number, total_pages)}</p>')
    if album.deleted:
        parts.append(
            f'<p class="notice">Deleted on Flickr (noticed {esc(album.deleted)}); '
            "this archive keeps it.</p>"
        )
    links = []
    if owner_path and paths.is_safe_id(album.id):
        links.append(
            f'<a href="https://www.flickr.com/photos/{esc(owner_path)}/albums/{album.id}/" '
            'rel="nofollow">On Flickr</a>'
        )
    if links:
        parts.append(f'<p class="links">{" · ".join(links)}</p>')
    parts.append(grid(link, items, thumbs, f"#album={paths.file_id(album.id)}"))
    if total_pages > 1:
        parts.append(pager(prev, None, after))
    if number == 1:
        parts.append(comments_block(album.comments))
    return document(shell, link, album.title or "Untitled album", "\n".join(parts))


def month_page(
    shell: Shell,
    month: str,
    items: Sequence[Item],
    number: int,
    total_pages: int,
    total: int,
    newer: str | None,
    older: str | None,
    thumbs: Container[str],
) -> str:
    """One month of the photostream; ← and → go to the newer and older pages."""
    link, prev, after = page_nav(lambda n: paths.month_page(month, n), number, total_pages)
    if prev is None and newer is not None:
        prev = (link(paths.month_page(newer)), month_label(newer))
    if after is None and older is not None:
        after = (link(paths.month_page(older)), month_label(older))
    label = month_label(month)
    body = grid_body(
        link,
        (prev, (link(paths.HOME), "Home"), after),
        f"<h1>{esc(label)}</h1>",
        count_facts(total, number, total_pages),
        items,
        thumbs,
        pager_below=True,
    )
    return document(shell, link, label, body)


def tag_page(
    shell: Shell,
    key: str,
    name: str,
    items: Sequence[Item],
    number: int,
    total_pages: int,
    total: int,
    thumbs: Container[str],
) -> str:
    link, prev, after = page_nav(lambda n: paths.tag_page(key, n), number, total_pages)
    body = grid_body(
        link,
        (prev, (link(paths.TAGS), "All tags"), after),
        f'<h1>Tag: <span dir="auto">{esc(name)}</span></h1>',
        count_facts(total, number, total_pages),
        items,
        thumbs,
    )
    return document(shell, link, f"Tag {name}", body)


def tags_index(shell: Shell, tags: Sequence[tuple[str, str, int]]) -> str:
    """Every tag, alphabetically, with how many items carry it; the most used first too."""
    link = Linker(paths.TAGS)

    def entry(key: str, name: str, count: int) -> str:
        return (
            f'<li><a href="{link(paths.tag_page(key))}" dir="auto">{esc(name)}</a> '
            f'<span class="n">{count:,}</span></li>'
        )

    top = sorted(tags, key=lambda t: (-t[2], t[1].casefold()))[:40]
    parts = [f'<h1>Tags</h1><p class="facts">{plural(len(tags), "tag")}</p>']
    if top:
        parts.append('<h2>Most used</h2><ul class="tags">')
        parts.append("".join(entry(*t) for t in top) + "</ul>")
        parts.append('<h2>All tags</h2><ul class="tags all">')
        parts.append("".join(entry(*t) for t in tags) + "</ul>")
    else:
        parts.append("<p>No photo has a tag.</p>")
    return document(shell, link, "Tags", "".join(parts))


# --- search ----------------------------------------------------------------------------------


def search_page(shell: Shell, data: Sequence[str]) -> str:
    """The search form; `data`: the search data files its script reads."""
    link = Linker(paths.SEARCH)
    body = (
        "<h1>Search</h1>"
        '<form class="find" id="fa-find" role="search" action="" method="get">'
        '<input type="search" id="fa-q" name="q" autofocus '
        'placeholder="Words from titles, descriptions and tags" aria-label="Search">'
        "<button>Search</button></form>"
        '<noscript><p class="notice">Search runs in the browser and needs JavaScript. '
        f'Without it, browse by <a href="{link(paths.TAGS)}">tags</a>, albums or the '
        f'photostream from the <a href="{link(paths.HOME)}">home page</a>.</p></noscript>'
        '<p id="fa-status" class="facts" aria-live="polite"></p>'
        '<ul id="fa-results" class="grid"></ul>'
    )
    return document(shell, link, "Search", body, body_attrs=' class="search"', scripts=tuple(data))


# --- favourites and galleries -----------------------------------------------------------


def favorites_page(
    shell: Shell, faves: Sequence[FaveEntry], thumbs: Container[str], present: Callable[[str], bool]
) -> str:
    link = Linker(paths.FAVORITES)
    rows = []
    for fave in faves:
        if thumbnail_name(fave.id, THUMB_SQUARE) in thumbs and paths.is_safe_id(fave.id):
            media = (
                f'<img src="{link(paths.thumb(fave.id, "q"))}" width="{THUMB}" '
                f'height="{THUMB}" loading="lazy" alt="{esc(fave.title)}">'
            )
        else:
            media = placeholder(0)
        url = safe_link(fave.url)
        title = untitled(fave.title)
        head = f'<a href="{esc(url)}" rel="nofollow">{title}</a>' if url else title
        extra = [f'by <span dir="auto">{esc(fave.owner_name or fave.owner)}</span>']
        if fave.date_faved:
            extra.append(f"faved {day(fave.date_faved)}")
        if fave.path and paths.linkable_file(fave.path) and present(fave.path):
            extra.append(f'<a href="{link(fave.path)}">the file kept here</a>')
        if fave.removed_on:
            extra.append(
                f'<i class="b-warn">no longer a favourite since {esc(fave.removed_on)}</i>'
            )
        rows.append(
            f'<li>{media}<span class="cap" dir="auto">{head}</span>'
            f'<span class="n">{" · ".join(extra)}</span></li>'
        )
    body = (
        "<h1>Favourites</h1>"
        f'<p class="facts">{plural(len(faves), "photo")} by other members, newest faved first. '
        "Titles link to Flickr.</p>"
        f'<ul class="grid cards">{"".join(rows)}</ul>'
    )
    return document(shell, link, "Favourites", body)


def galleries_page(
    shell: Shell, galleries: Sequence[GalleryEntry], own: Callable[[str], bool]
) -> str:
    link = Linker(paths.GALLERIES)
    sections = []
    for gallery in galleries:
        rows = []
        for photo in gallery.photos:
            title = untitled(photo.title)
            if own(photo.id):
                head = f'<a href="{link(paths.photo_page(photo.id))}">{title}</a>'
            elif paths.is_safe_id(photo.id) and photo.owner:
                head = (
                    f'<a href="https://www.flickr.com/photos/{esc(photo.owner)}/{photo.id}/" '
                    f'rel="nofollow">{title}</a>'
                )
            else:
                head = title
            comment = (
                f'<div class="text" dir="auto">{sanitize(photo.comment)}</div>'
                if photo.comment
                else ""
            )
            rows.append(
                f'<li><span dir="auto">{head}</span> by '
                f'<span dir="auto">{esc(photo.owner_name or photo.owner)}</span>{comment}</li>'
            )
        url = safe_link(gallery.url)
        more = f' <a href="{esc(url)}" rel="nofollow">On Flickr</a>' if url else ""
        desc = (
            f'<div class="desc" dir="auto">{sanitize(gallery.description)}</div>'
            if gallery.description
            else ""
        )
        sections.append(
            f'<section class="gallery"><h2 dir="auto">{untitled(gallery.title)}</h2>'
            f'{desc}<p class="facts">{plural(len(gallery.photos), "photo")}.{more}</p>'
            f'<ol class="plain">{"".join(rows)}</ol></section>'
        )
    body = "<h1>Galleries</h1>" + ("".join(sections) or "<p>No galleries.</p>")
    return document(shell, link, "Galleries", body)
