"""Build or refresh the offline site of an archive: read it, render, write only what changed.

The work is shaped by the largest archives (100,000 photos: a full build in about a minute
within 200 MiB, a refresh after a small sync in seconds):

- a refresh asks the state only for the rows changed since the change number the last
  complete build saw (State.change_seq) and parses only their sidecars; every other photo
  comes from the cache as that build saw it. A full look (no complete build before, a row
  forgotten since, `full`) walks every row and parses the sidecars whose (mtime, size) moved;
- every photo gets a key, the digest of all a grid or the search shows of it; a grid page's
  inputs are its items' keys, and its layout which photos it holds, in which order, where.
  A photo page is weighed again (its key, neighbours and albums digested) only when its
  photo is dirty (Item.dirty); only pages whose inputs moved are rendered, and only those
  whose bytes changed are written;
- pages are written as they are made (never all held), by a few writer threads;
- when many sidecars are new (a full build), forked worker processes parse them and make
  the photo pages while the main process renders the grids (workers.py);
- pages of things gone (a forgotten photo, a tag nobody uses any more) are removed.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import queue
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence, Set
from dataclasses import dataclass, replace
from functools import partial
from importlib import resources
from pathlib import Path

from flickr_async import confine
from flickr_async.layout import SITE_DIR, THUMB_PREVIEW, THUMB_SQUARE, thumbnail_name
from flickr_async.site import paths
from flickr_async.site.archive import CacheDisagrees, load_account, load_items
from flickr_async.site.cache import SiteCache, js_json, search_file
from flickr_async.site.model import (
    DELETED,
    MISSING,
    NOT_ORIGINAL,
    THUMB_Q,
    THUMB_Z,
    VIDEO,
    Account,
    AlbumEntry,
    Item,
)
from flickr_async.site.output import DIGEST, PageWriter, digest, joined
from flickr_async.site.pages import (
    PER_PAGE,
    Counts,
    Shell,
    album_page,
    favorites_page,
    galleries_page,
    home,
    month_label,
    month_page,
    search_page,
    split,
    tag_page,
    tags_index,
)
from flickr_async.site.photofiles import PhotoJob, make_photo_pages, read_photo, render
from flickr_async.site.photopage import Context
from flickr_async.site.prefetch import ordered
from flickr_async.site.public import PublicTarget, is_shown, public_account
from flickr_async.site.publicfiles import (
    PublicFiles,
    cache_path,
    finish,
    mark,
    retreat,
    withdraw,
)
from flickr_async.site.sections import Sections, shell_sections
from flickr_async.site.workers import Workers
from flickr_async.state import State

log = logging.getLogger(__name__)
Render = Callable[[], str]

# Part of every page's inputs: bump when the markup changes, so that the next build renders
# every page again (and writes those whose bytes differ).
RENDER_VERSION = "3"
ASSET_FILES = ("site.css", "site.js", "video.svg", "pages.css", "map.js", "world.svg")
SEARCH_FILE_ITEMS = 2000  # about this many entries per search data file of a big site


def search_files(items: int) -> int:
    """How many files the search data is cut into: one for a small site, else a power of
    two (each holds a range of buckets: cache.search_file) of about SEARCH_FILE_ITEMS each."""
    files = 1
    while files < 256 and items > files * SEARCH_FILE_ITEMS:
        files *= 2
    return files


@dataclass(frozen=True, slots=True)
class BuildReport:
    photos: int
    pages: int  # files the site consists of (pages, data, assets)
    written: int
    unchanged: int
    removed: int
    sidecars_read: int
    seconds: float
    index: Path
    shown: int | None = None  # the public copy: the items it shows (of `photos`)


def _months(stream: list[Item]) -> Iterator[tuple[str, list[Item]]]:
    """The photostream cut into months, newest first (the undated last); each item learns
    its month (one shared string per month)."""
    month = ""
    run: list[Item] = []
    for item in stream:
        key = item.sort_key[:7] or paths.UNDATED
        if key != month:
            if run:
                yield month, run
            month, run = key, []
        item.month = month
        run.append(item)
    if run:
        yield month, run


def _js_data(name: str, value: object) -> str:
    """A data file scripts load with <script src> (file:// allows no fetch)."""
    return f"{name} = {js_json(value)};\n"


def build_site(
    out: Path,
    state: State,
    *,
    full: bool = False,
    public: PublicTarget | None = None,
    extras: bool = False,
) -> BuildReport:
    """Build or refresh OUT/index.html and OUT/.site/ from the archive (no network).

    A refresh looks only at the photos the state says changed since the last build; `full`
    (or a cache that has not seen this state) checks every sidecar on disk. With `public`,
    the public copy instead: the same site of only what Flickr shows to everyone, in its
    own folder, with its own cache in the archive (public.py, publicfiles.py). `extras`:
    with pages of the export-only files (OUT/flickr-export/; never in the public copy)."""
    started = time.monotonic()
    # The build makes a few hundred thousand objects that hold no cycles (items, summaries,
    # strings): the cyclic collector would walk them again and again (a second of 7 in a
    # 100,000-photo refresh) and free nothing. It runs again once the build is over.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _build(out, state, full, started, public, extras and public is None)
    finally:
        if collecting:
            gc.enable()


def _build(
    out: Path,
    state: State,
    full: bool,
    started: float,
    public: PublicTarget | None = None,
    extras: bool = False,
) -> BuildReport:
    dest = out if public is None else Path(public.folder)
    confine.folder(dest, dest / SITE_DIR)  # a .site that is a link: the build writes nothing
    if public is not None:
        mark(dest)  # first: a build cut short leaves a folder the next one knows as its own
    cache = SiteCache(out / paths.CACHE if public is None else cache_path(out, dest))
    workers = None
    try:
        seq, forgotten = state.change_seq()
        seen = None if full else cache.state_seq()
        since = seen if seen is not None and forgotten <= seen <= seq else None
        # A refresh trusts the cache for every photo the state did not change since: a
        # build that does not finish (an error, a kill) must leave the next one a full look.
        cache.set_state_seq(None)
        cache.commit()
        # Forked now, while this process is small: worth it when many sidecars are new.
        workers = Workers.start(state.photo_count() - cache.summary_count())
        writer = PageWriter(dest, cache)
        try:
            try:
                try:
                    items, read = load_items(out, state, cache, workers, since)
                except CacheDisagrees as exc:
                    log.info("%s: a full look", exc)
                    since = None
                    items, read = load_items(out, state, cache, workers, since)
                account = load_account(out, state)
                renderer = _Renderer(out, account, writer, cache, workers)
                renderer.extras = extras
                renderer.last_sync = state.last_run()
                shown_count = None
                if public is None:
                    renderer.run(items, scan=since is None)
                else:  # the same site of fewer photos and account files (public.py)
                    shown = [item for item in items if is_shown(item)]
                    withdraw(dest, writer, (item for item in items if not is_shown(item)))
                    renderer.account = public_account(account, items, {i.id for i in shown})
                    renderer.public = PublicFiles(out, writer, public.originals)
                    shown_count = len(shown)
                    renderer.run(shown, scan=since is None)
                writer.prune()
            finally:
                writer.close()
        except BaseException:
            if public is not None:  # a failed public build publishes nothing unconfirmed
                retreat(dest, writer)
            raise
        cache.put_seen(  # the rows looked at (files unknown till now, key new), files moved
            (it.files, it.status, it.error, it.path, it.key, it.id)
            for it in items
            if it.dirty or it.files != it.cached_files
        )
        cache.set_state_seq(seq)
        cache.commit()
        if public is not None:
            writer.removed += finish(dest, cache.pages())
    finally:
        if workers is not None:
            workers.close()
        cache.close()
    return BuildReport(
        photos=len(items),
        pages=writer.pages,
        written=writer.written,
        unchanged=writer.unchanged,
        removed=writer.removed,
        sidecars_read=read,
        seconds=time.monotonic() - started,
        index=dest / paths.HOME,
        shown=shown_count,
    )


class Thumbs:
    """Which of Flickr's small renditions are in OUT/.site/thumbs/, as a container of file
    names ("<id>_q.jpg"), without holding 200,000 names: an item's are bits on the item."""

    def __init__(
        self, by_id: dict[str, Item] | None = None, others: Set[str] = frozenset()
    ) -> None:
        self.by_id = by_id or {}
        self.others = others  # names for ids that are not items (favourites)

    @classmethod
    def scan(cls, folder: Path, by_id: dict[str, Item], other_ids: set[str]) -> Thumbs:
        others: set[str] = set()
        try:
            entries = os.scandir(folder)
        except OSError:
            return cls(by_id, others)
        # What ends a thumbnail's name after its id: "_q.jpg", "_z.jpg" (6 characters).
        bits = {
            thumbnail_name("", THUMB_SQUARE): THUMB_Q,
            thumbnail_name("", THUMB_PREVIEW): THUMB_Z,
        }
        with entries:
            for entry in entries:
                name = entry.name
                bit = bits.get(name[-6:])
                if bit is None:
                    continue
                item = by_id.get(name[:-6])
                if item is not None:
                    item.thumbs |= bit
                elif name[:-6] in other_ids:
                    others.add(name)
        return cls(by_id, others)

    @classmethod
    def known(cls, folder: Path, by_id: dict[str, Item], other_ids: set[str]) -> Thumbs:
        """As `scan`, from what the last build saw for the items whose rows did not change
        (a stat for the others, and for the ids that are not items)."""
        others: set[str] = set()
        for item in by_id.values():
            if item.cached_files >= 0:
                item.thumbs = item.cached_files & (THUMB_Q | THUMB_Z)
            else:
                for size, bit in ((THUMB_SQUARE, THUMB_Q), (THUMB_PREVIEW, THUMB_Z)):
                    if os.path.exists(folder / thumbnail_name(item.id, size)):
                        item.thumbs |= bit
        for other in other_ids:
            names = (thumbnail_name(other, THUMB_SQUARE), thumbnail_name(other, THUMB_PREVIEW))
            others.update(n for n in names if (folder / n).exists())
        return cls(by_id, others)

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str) or len(name) < 7 or not name.endswith(".jpg"):
            return False
        item = self.by_id.get(name[:-6])
        if item is None:
            return name in self.others
        bit = {"q": THUMB_Q, "z": THUMB_Z}.get(name[-5], 0)
        return name[-6] == "_" and bool(item.thumbs & bit)


class _Renderer:
    """Renders every page of the site through one PageWriter."""

    def __init__(
        self,
        out: Path,
        account: Account,
        writer: PageWriter,
        cache: SiteCache,
        workers: Workers | None = None,
    ) -> None:
        self.out = out
        self.workers = workers
        self.feed: _PhotoFeed | None = None
        self.root = os.fspath(out)
        self.account = account
        self.writer = writer
        self.cache = cache
        self.thumbs = Thumbs()
        self.public: PublicFiles | None = None  # making the public copy (build_site)
        self.extras = False  # the export-only files' pages (site --extras)
        self.last_sync: dict[str, object] | None = None  # State.last_run()
        self.sections: dict[str, bool] = {}  # shell_sections: the frame's links
        self.nonce = cache.nonce()
        self.shell = self.shell_now()
        self.base = b""

    def shell_now(self) -> Shell:
        """What every page's frame shows, from the account files as they are to be shown."""
        return Shell(
            name=self.account.profile.name,
            favorites=bool(self.account.favorites),
            galleries=bool(self.account.galleries),
            nonce=self.nonce,
            public=self.public is not None,
            **self.sections,
        )

    def key(self, item: Item) -> bytes:
        """Changes whenever what a grid or the search shows of `item` does."""
        told = item.sig or repr(item.summary)
        return digest(f"{item.id}\x1f{told}\x1f{item.flags}\x1f{item.thumbs}".encode())

    def inputs(self, chunk: Sequence[Item], *params: object) -> bytes:
        """A grid page's inputs: its items and what else it shows."""
        head = self.base + repr(params).encode()
        return digest(head + b"".join(item.key for item in chunk))

    def grid_page(
        self, path: str, chunk: Sequence[Item], params: tuple[object, ...], render: Render
    ) -> None:
        """A month's or an album's grid page. Its record holds its inputs and its layout
        (which photos, in which order, on which page of what): when the layout moved, the
        photo pages of its items say something new (their neighbours, page, albums) and
        are marked dirty (see Item.dirty); when only the items' keys moved, they are not."""
        layout = digest(self.base + repr(params).encode() + " ".join(i.id for i in chunk).encode())
        before = self.writer.inputs_of(path)
        self.writer.page(path, self.inputs(chunk, *params) + layout, render)
        if before is None or before[DIGEST:] != layout:
            for item in chunk:
                item.dirty = True

    def run(self, items: list[Item], *, scan: bool = True) -> None:
        """Every page; `scan`: list the thumbnails on disk, else trust what the last build
        saw for the items that did not change."""
        by_id = {item.id: item for item in items}
        self.sections = shell_sections(self.cache, by_id, self.account, self.public is not None)
        self.shell = shell = self.shell_now()
        self.base = f"{RENDER_VERSION}\x1f{shell!r}".encode()
        # Albums name their photos by the items' own id strings: albums.json's 100,000 copies
        # go (the photos an album lists that the archive does not hold were never shown).
        self.account.albums = [
            replace(album, photo_ids=tuple(by_id[p].id for p in album.photo_ids if p in by_id))
            for album in self.account.albums
        ]
        faves = {f.id for f in self.account.favorites or ()} - by_id.keys()
        self.thumbs = (Thumbs.scan if scan else Thumbs.known)(self.out / paths.THUMBS, by_id, faves)
        if self.public is not None:  # its images: copies without metadata, in its folder
            self.public.images(items, self.record_photo_pages)
        for item in items:
            if item.dirty or not item.key:  # else as the last build made it (see load_items)
                item.key = self.key(item)
            if self.workers is not None:  # their photo pages are sorted out meanwhile,
                item.dirty = True  # while the grids that would say which moved are made
        stream = sorted(items, key=lambda it: (it.sort_key, it.id), reverse=True)
        del items
        months = list(_months(stream))
        self.place(months, by_id)
        # With worker processes, photo pages are made meanwhile: fed from a thread here.
        photos = self.feed = _PhotoFeed(self, stream) if self.workers is not None else None
        try:
            self.stream_pages(stream, months)
            album_counts = self.albums(by_id)
            tag_count = self.tags(stream)
            if photos is None:
                self.photo_pages(stream)
            self.search(stream, by_id)
            self.favorites_and_galleries(by_id)
            Sections(
                self.writer,
                self.cache,
                by_id,
                shell,
                self.account,
                self.thumbs,
                self.inputs,
                self.record_photo_pages,
            ).run(
                self.out, stream, len(self.account.albums), tag_count, self.last_sync, self.extras
            )
            self.home(stream, months, album_counts, tag_count)
            if photos is not None:
                photos.finish()
        finally:
            if photos is not None:
                photos.stop()
        assets = resources.files("flickr_async.site") / "static"
        for name in ASSET_FILES:
            self.writer.write(f"{paths.ASSETS}/{name}", (assets / name).read_bytes())

    def record_photo_pages(self) -> None:
        """Record the photo pages the workers made meanwhile (they are not held)."""
        if self.feed is not None:
            self.feed.record()

    def place(self, months: list[tuple[str, list[Item]]], by_id: dict[str, Item]) -> None:
        """Where each item shows: the page of its month, the albums (and their pages)."""
        for _, run in months:
            for number, chunk in enumerate(split(run), 1):
                for item in chunk:
                    item.month_page = number
        for album in self.account.albums:
            members = [by_id[pid] for pid in album.photo_ids if pid in by_id]
            for number, chunk in enumerate(split(members), 1):
                entry = (album.id, album.title, number)
                alone = (entry,)  # shared by the page's photos in no other album (most)
                for item in chunk:
                    item.albums = alone if item.albums is None else (*item.albums, entry)

    def stream_pages(self, stream: list[Item], months: list[tuple[str, list[Item]]]) -> None:
        """The photostream, a month (of up to PER_PAGE items a page) at a time.

        A page whose layout did not move (the same items, in the same order, on the same
        page of the same month) says that its items' neighbours, month and page number are
        the same as last time; the items of a page whose layout moved, and the two beside it
        in the stream, are marked dirty: their photo pages are looked at again."""
        start = 0  # where the page begins in the stream
        for n, (month, run) in enumerate(months):
            self.record_photo_pages()
            chunks = split(run)
            newer = months[n - 1][0] if n > 0 else None
            older = months[n + 1][0] if n + 1 < len(months) else None
            for number, chunk in enumerate(chunks, 1):
                self.grid_page(
                    paths.month_page(month, number),
                    chunk,
                    (month, number, len(chunks), len(run), newer, older),
                    partial(month_page, self.shell, month, chunk, number, len(chunks), len(run),
                            newer, older, self.thumbs),
                )  # fmt: skip
                end = start + len(chunk)
                if chunk[0].dirty and start > 0:  # the layout moved: the neighbours' too
                    stream[start - 1].dirty = True
                if chunk[-1].dirty and end < len(stream):
                    stream[end].dirty = True
                start = end

    def albums(self, by_id: dict[str, Item]) -> list[tuple[AlbumEntry, int]]:
        """Album pages in the user's order, and the order site.js follows on photo pages."""
        counts: list[tuple[AlbumEntry, int]] = []
        owner = self.account.profile.flickr_path
        # A photo's page names its albums: when an album's members moved, the photos that
        # left it are marked dirty as well as those on its pages that moved.
        known = self.cache.album_members()
        moved: list[tuple[str, str]] = []
        for album in self.account.albums:
            self.record_photo_pages()
            members = [by_id[pid] for pid in album.photo_ids if pid in by_id]
            counts.append((album, len(members)))
            ids = [m.id for m in members]
            joined = " ".join(ids)
            before = known.pop(album.id, None)
            if before != joined:
                moved.append((album.id, joined))
                self.mark_dirty(by_id, (before or "").split())
            chunks = split(members)
            about = (album.id, album.title, album.description, album.deleted,
                     repr(album.comments), owner)  # fmt: skip
            for number, chunk in enumerate(chunks, 1):
                self.grid_page(
                    paths.album_page(album.id, number),
                    chunk,
                    (about, number, len(chunks), len(members)),
                    partial(album_page, self.shell, album, chunk, number, len(chunks),
                            len(members), owner, self.thumbs),
                )  # fmt: skip
            self.writer.page(
                paths.album_data(album.id),
                digest(repr((album.title, PER_PAGE)).encode() + " ".join(ids).encode()),
                partial(
                    _js_data,
                    f'(window.FA_ALBUMS = window.FA_ALBUMS || {{}})["{paths.file_id(album.id)}"]',
                    {"title": album.title, "per_page": PER_PAGE, "ids": ids},
                ),
            )
        for before in known.values():  # albums gone
            self.mark_dirty(by_id, before.split())
        self.cache.put_album_members(moved)
        self.cache.drop_album_members(known)
        # A photo page lists its albums in the user's order: when it moved, the photos in
        # more than one album are dirty.
        order = " ".join(album.id for album in self.account.albums)
        if order != self.cache.album_order():
            for item in by_id.values():
                if item.albums is not None and len(item.albums) > 1:
                    item.dirty = True
            self.cache.set_album_order(order)
        return counts

    @staticmethod
    def mark_dirty(by_id: dict[str, Item], ids: Iterable[str]) -> None:
        """Mark these photos dirty (the ids that are still items)."""
        for pid in ids:
            item = by_id.get(pid)
            if item is not None:
                item.dirty = True

    def tags(self, stream: list[Item]) -> int:
        """One page per tag (Flickr's grouping: case and punctuation aside), and an index."""
        spelt: defaultdict[str, list[Item]] = defaultdict(list)  # by spelling, in order
        for item in stream:
            for tag in item.summary.tags:
                spelt[tag].append(item)
        tags: dict[str, tuple[str, list[Item]]] = {}  # by page key: its first spelling
        order: dict[int, int] = {}  # id(item) -> its place in the stream, when needed
        for tag, tagged in spelt.items():
            key = paths.tag_key(tag)
            known = tags.get(key)
            if known is None:
                tags[key] = (tag, tagged)
                continue
            # Another spelling of a tag ("Sea", "sea"): one page, in the photostream's
            # order, a photo that carries both spellings once.
            order = order or {id(item): n for n, item in enumerate(stream)}
            merged = {id(item): item for item in (*known[1], *tagged)}
            tags[key] = (known[0], sorted(merged.values(), key=lambda item: order[id(item)]))
        for key, (name, tagged) in tags.items():
            self.record_photo_pages()
            chunks = split(tagged)
            for number, chunk in enumerate(chunks, 1):
                self.writer.page(
                    paths.tag_page(key, number),
                    self.inputs(chunk, key, name, number, len(chunks), len(tagged)),
                    partial(tag_page, self.shell, key, name, chunk, number, len(chunks),
                            len(tagged), self.thumbs),
                )  # fmt: skip
        index = sorted(
            ((key, name, len(tagged)) for key, (name, tagged) in tags.items()),
            key=lambda t: (t[1].casefold(), t[1]),
        )
        self.writer.write(paths.TAGS, tags_index(self.shell, index))
        return len(tags)

    def photo_pages(self, stream: list[Item]) -> None:
        """One page per photo, made only when something it shows has moved: by the worker
        processes when there are some, else here, with the files a page is made from read a
        few at a time ahead of the rendering."""
        for job, (doc, media) in ordered(read_photo, self.stale_photos(stream)):
            self.writer.write(job.page, render(job, doc, media), job.inputs)

    def stale_photos(
        self, stream: list[Item], stop: threading.Event | None = None
    ) -> Iterator[PhotoJob]:
        """The photo pages to make again; with `stop`, for worker processes (from a thread of
        their own: the writer is only asked what its files hold)."""
        base = self.base
        last = len(stream) - 1
        for n, item in enumerate(stream):
            if stop is not None and stop.is_set():
                return
            if not item.dirty and self.writer.keep(paths.photo_page(item.id)):
                continue
            prev = stream[n - 1].id if n > 0 else ""
            after = stream[n + 1].id if n < last else ""
            albums = repr(item.albums) if item.albums else ""
            original = self.public.original(item.id) if self.public is not None else None
            about = (
                f"{item.status}\x1f{item.error}\x1f{item.path or ''}\x1f{prev}\x1f{after}"
                f"\x1f{item.month}\x1f{item.month_page}\x1f{albums}\x1f{original or ''}"
            )
            page = paths.photo_page(item.id)
            inputs = digest(base + item.key + about.encode())
            if stop is None:
                if self.writer.is_current(page, inputs):
                    continue
                known = None
            else:
                current, known = self.writer.claim(page, inputs)
                if current:
                    continue
            ctx = Context(
                prev=prev or None,
                next=after or None,
                month=item.month,
                month_page=item.month_page,
                albums=item.albums or (),
            )
            yield PhotoJob(
                self.root, self.shell, item, ctx, page, inputs, known,
                dest=os.fspath(self.writer.out), original=original,
            )  # fmt: skip

    def search(self, stream: list[Item], by_id: dict[str, Item]) -> None:
        """The data search.html reads: every title, description and tag, as entries
        [id, title, text, tags, month, flags], cut into files by a stable hash of the id (a
        big site's refresh rewrites only the files of the photos that changed). The entries
        come from the cache (descriptions are not held in memory); month and flags are added
        here. The script orders them newest upload first."""
        files = search_files(len(stream))
        keys: list[list[bytes]] = [[] for _ in range(files)]
        for item in stream:
            keys[search_file(item.id, files)].append(item.key)
        data = [paths.search_data(number, files) for number in range(files)]
        labels: dict[str, str] = {}

        def rows(number: int) -> Iterator[str]:
            for photo_id, entry in self.cache.search_entries(files, number):
                item = by_id.get(photo_id)
                if item is None:
                    continue
                label = labels.get(item.month)
                if label is None:
                    label = labels[item.month] = js_json(month_label(item.month))
                flags = item.flags | (16 if item.thumbs & THUMB_Q else 0)
                yield f"{entry[:-1]},{label},{flags}]"

        def entries(number: int) -> Iterator[str]:
            yield "(window.FA_SEARCH = window.FA_SEARCH || []).push(["
            yield from joined(rows(number))
            yield "]);\n"

        for number, path in enumerate(data):
            self.record_photo_pages()
            inputs = digest(self.base + b"".join(keys[number]))
            self.writer.page_chunks(path, inputs, partial(entries, number))
        self.writer.write(paths.SEARCH, search_page(self.shell, data))

    def favorites_and_galleries(self, by_id: dict[str, Item]) -> None:
        account = self.account
        if account.favorites:
            kept = {f.path.rpartition("/")[0] for f in account.favorites if f.path}
            present: set[str] = set()
            for folder in kept:
                with contextlib.suppress(OSError):
                    present.update(f"{folder}/{name}" for name in os.listdir(self.out / folder))
            self.writer.write(
                paths.FAVORITES,
                favorites_page(self.shell, account.favorites, self.thumbs, present.__contains__),
            )
        if account.galleries:
            self.writer.write(
                paths.GALLERIES, galleries_page(self.shell, account.galleries, by_id.__contains__)
            )

    def home(
        self,
        stream: list[Item],
        months: list[tuple[str, list[Item]]],
        album_counts: list[tuple[AlbumEntry, int]],
        tag_count: int,
    ) -> None:
        flags = [item.flags for item in stream]
        counts = Counts(
            photos=sum(1 for f in flags if not f & VIDEO),
            videos=sum(1 for f in flags if f & VIDEO),
            albums=len(self.account.albums),
            tags=tag_count,
            not_original=sum(1 for f in flags if f & NOT_ORIGINAL),
            deleted=sum(1 for f in flags if f & DELETED),
            missing=sum(1 for f in flags if f & MISSING),
        )
        self.writer.write(
            paths.HOME,
            home(
                self.shell,
                self.account.profile,
                counts,
                album_counts,
                self.account.collections,
                [(month, len(run)) for month, run in months],
                self.thumbs,
            ),
        )


class _PhotoFeed:
    """Photo pages made by the worker processes while the main thread renders the grids: a
    thread feeds the workers and queues what they made; the main thread records it (the
    cache is its own), at the end."""

    def __init__(self, renderer: _Renderer, stream: list[Item]) -> None:
        assert renderer.workers is not None
        self.writer = renderer.writer
        self.done: queue.SimpleQueue[tuple[str, bytes, bool] | None] = queue.SimpleQueue()
        self.error: BaseException | None = None
        self._ended = False
        self._stop = threading.Event()
        jobs = renderer.stale_photos(stream, self._stop)
        self._thread = threading.Thread(
            target=self._feed, args=(renderer.workers, jobs), name="site-photos", daemon=True
        )
        self._thread.start()

    def _feed(self, workers: Workers, jobs: Iterator[PhotoJob]) -> None:
        try:
            for job, (record, written) in workers.map(make_photo_pages, jobs):
                self.done.put((job.page, record, written))
        except BaseException as exc:  # raised in the main thread, by finish()
            self.error = exc
        finally:
            self.done.put(None)

    def record(self) -> None:
        """Record the pages made so far."""
        while not self._ended:
            try:
                made = self.done.get_nowait()
            except queue.Empty:
                return
            self._take(made)

    def _take(self, made: tuple[str, bytes, bool] | None) -> None:
        if made is None:
            self._ended = True
        else:
            self.writer.made(*made)

    def finish(self) -> None:
        """Record every page as it comes, until the last."""
        while not self._ended:
            self._take(self.done.get())
        self._thread.join()
        self.writer.settle_claims()
        if self.error is not None:
            raise self.error

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
