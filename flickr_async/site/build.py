"""Build or refresh the offline site of an archive: read it, render, write only what changed.

The work is shaped by the largest archives (100,000 photos: a full build in under a minute
within 200 MiB, a refresh after a small sync in seconds):

- a sidecar is parsed only when its (mtime, size) moved since the cache saw it; the rest of
  the photos come from the cache's summaries, joined to the state's rows in id order;
- a photo page is rendered only when what it is made from moved (its sidecar, its state row,
  its thumbnail, its neighbours, its albums); other pages are small or few and are rendered
  every time, then written only when their bytes differ from what the cache says they hold;
- pages are written one at a time (never all held in memory), each by an atomic rename;
- pages of things gone (a forgotten photo, a tag nobody uses any more) are removed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from importlib import resources
from pathlib import Path

from flickr_async import account_files, sidecar
from flickr_async.fsutil import read_json
from flickr_async.layout import SITE_DIR
from flickr_async.site import paths
from flickr_async.site.cache import SiteCache
from flickr_async.site.imagesize import BROWSER_IMAGES, image_size
from flickr_async.site.model import (
    DELETED,
    MISSING,
    NOT_ORIGINAL,
    VIDEO,
    Account,
    AlbumEntry,
    Item,
    Summary,
    album_entries,
    collection_nodes,
    fave_entries,
    gallery_entries,
    profile,
    summarize,
)
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
from flickr_async.site.photopage import Context, Media, photo_page
from flickr_async.state import State

log = logging.getLogger(__name__)

# Part of every photo page's inputs: bump when the page's markup changes, so that the next
# build re-renders them all (other pages are compared by their bytes anyway).
RENDER_VERSION = "1"
ASSET_FILES = ("site.css", "site.js", "video.svg")
_FLUSH = 5000  # page records kept before they go to the cache


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


# --- writing ---------------------------------------------------------------------------------


class PageWriter:
    """Writes a page only when it has to, and remembers every page of this build so that
    the ones no longer made can be removed.

    `page(path, inputs, render)` skips rendering when the cache says the file was made from
    the same inputs and it is still there; `write(path, text)` compares the bytes' digest
    with the cache's instead. A file is written in place, not by rename: the site can always
    be made again, and its record reaches the cache only once the bytes are on disk, so a
    page torn by a kill is rewritten by the next build (its digest is not the recorded one).

    Creating a file costs a disk round trip (up to a millisecond on a busy disk, most of a
    100,000-page build), so a few threads write while the main thread renders; at most
    IN_FLIGHT pages wait for them.
    """

    IN_FLIGHT = 256
    THREADS = 4

    def __init__(self, out: Path, cache: SiteCache) -> None:
        self.out = out
        self.cache = cache
        self.known = cache.pages()
        self.seen: set[str] = set()
        self.pending: list[tuple[str, str, str | None]] = []
        self.written = self.unchanged = self.removed = 0
        self._listings: dict[str, set[str]] = {}
        self._pool = ThreadPoolExecutor(self.THREADS, thread_name_prefix="site-writer")
        self._writing: deque[tuple[Future[None], str, str, str | None]] = deque()

    def close(self) -> None:
        """Wait for every write (raising the first error), then stop the threads."""
        try:
            self._drain(0)
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def _listing(self, folder: str) -> set[str]:
        """The names in `folder` (relative to OUT), listed once per build."""
        names = self._listings.get(folder)
        if names is None:
            try:
                names = set(os.listdir(self.out / folder))
            except OSError:
                names = set()
            self._listings[folder] = names
        return names

    def _exists(self, path: str) -> bool:
        folder, _, name = path.rpartition("/")
        return name in self._listing(folder)

    def page(self, path: str, inputs: str, render: Callable[[], str]) -> None:
        """Write `render()` at `path` unless the page there was made from `inputs`."""
        known = self.known.get(path)
        if known is not None and known[1] == inputs and self._exists(path):
            self.seen.add(path)
            self.unchanged += 1
            return
        self.write(path, render(), inputs)

    def write(self, path: str, text: str | bytes, inputs: str | None = None) -> None:
        data = text.encode("utf-8") if isinstance(text, str) else text
        digest = hashlib.blake2b(data, digest_size=16).hexdigest()
        self.seen.add(path)
        known = self.known.get(path)
        if known is not None and known[0] == digest and self._exists(path):
            self.unchanged += 1
            if known[1] != inputs:
                self._record(path, digest, inputs)
            return
        folder, _, name = path.rpartition("/")
        names = self._listing(folder)
        if not names:  # a folder without files may not exist yet
            (self.out / folder).mkdir(parents=True, exist_ok=True)
        self._writing.append((self._pool.submit(_put, self.out / path, data), path, digest, inputs))
        names.add(name)
        self.written += 1
        self._drain(self.IN_FLIGHT)

    def _drain(self, keep: int) -> None:
        while len(self._writing) > keep:
            future, path, digest, inputs = self._writing.popleft()
            future.result()
            self._record(path, digest, inputs)

    def _record(self, path: str, digest: str, inputs: str | None) -> None:
        self.pending.append((path, digest, inputs))
        if len(self.pending) >= _FLUSH:
            self.flush()

    def flush(self) -> None:
        self._drain(0)
        self.cache.put_pages(self.pending)
        self.pending.clear()

    def prune(self) -> None:
        """Remove the pages earlier builds wrote that this one did not."""
        gone = [path for path in self.known if path not in self.seen]
        for path in gone:
            dest = self.out / path
            with contextlib.suppress(FileNotFoundError):
                dest.unlink()
                self.removed += 1
            with contextlib.suppress(OSError):
                dest.parent.rmdir()  # only when empty
        self.cache.drop_pages(gone)
        self.flush()


def _put(dest: Path, data: bytes) -> None:
    with dest.open("wb") as fh:
        fh.write(data)


# --- reading the archive ---------------------------------------------------------------------


def _stat_sig(path: Path) -> str:
    try:
        st = os.stat(path)
    except OSError:
        return ""
    return f"{st.st_mtime_ns}:{st.st_size}"


class _Presence:
    """Which files exist, one directory listing per folder (no stat per file)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._names: dict[str, frozenset[str]] = {}

    def __call__(self, path: str) -> bool:
        folder, _, name = path.rpartition("/")
        names = self._names.get(folder)
        if names is None:
            try:
                names = frozenset(os.listdir(self.root / folder))
            except OSError:
                names = frozenset()
            self._names[folder] = names
        return name in names


def load_items(out: Path, state: State, cache: SiteCache) -> tuple[list[Item], int]:
    """Every photo the state knows, with its summary: from the cache when its sidecar has not
    moved, else read from the sidecar (and cached). Returns (items, sidecars read)."""
    cached = cache.summaries()
    ahead = next(cached, None)
    items: list[Item] = []
    fresh: list[tuple[str, str, Summary]] = []
    stale: list[str] = []
    present = _Presence(out)
    read = 0
    for row in state.iter_briefs():
        while ahead is not None and ahead[0] < row.id:
            stale.append(ahead[0])
            ahead = next(cached, None)
        hit = None
        if ahead is not None and ahead[0] == row.id:
            hit, ahead = ahead, next(cached, None)
        if not paths.is_safe_id(row.id):
            log.warning("photo id %r cannot name a page; left out of the site", row.id)
            continue
        summary = None
        sig = ""
        if row.path:
            side = out / (row.path + ".json")
            sig = _stat_sig(side)
            if sig and hit is not None and hit[1] == sig:
                summary = hit[2]
            elif sig:
                try:
                    summary = summarize(sidecar.loads(side.read_bytes()))
                except (OSError, ValueError) as exc:
                    log.warning("photo %s: sidecar unreadable (%s)", row.id, exc)
                    sig = ""
                else:
                    fresh.append((row.id, sig, summary))
                    read += 1
        if summary is None:
            if hit is not None:
                stale.append(row.id)
            summary = Summary(
                title="",
                media="video" if row.media == "video" else "photo",
                date_taken=row.date_taken,
                granularity=0,
                date_posted=None,
                tags=(),
                original=row.original,
                deleted=row.deleted_on_flickr,
                text="",
            )
        item = Item(
            id=row.id,
            summary=summary,
            sig=sig,
            status=row.status,
            error=row.error or "",
            path=row.path,
            present=bool(row.path) and present(row.path or ""),
        )
        item.sort_key = summary.sort_key
        items.append(item)
    while ahead is not None:
        stale.append(ahead[0])
        ahead = next(cached, None)
    cache.drop_summaries(stale)
    cache.put_summaries(fresh)
    return items, read


def load_account(out: Path, state: State) -> Account:
    albums_doc = read_json(out / account_files.ALBUMS)
    if albums_doc is not None:
        albums = album_entries(albums_doc)
    else:  # an archive from before albums.json: the state's albums, in the user's order
        albums = [
            AlbumEntry(a.id, a.title, "", None, a.folder, a.photo_ids, None, None, a.comments, None)
            for a in state.albums().values()
        ]
    collections = read_json(out / account_files.COLLECTIONS) or {}
    faves = read_json(out / account_files.FAVORITES)
    galleries = read_json(out / account_files.GALLERIES)
    kept = {fave.id: fave.path for fave in state.favorites().values()}
    return Account(
        profile=profile(read_json(out / account_files.ACCOUNT)),
        albums=albums,
        collections=collection_nodes(collections.get("collections")),
        favorites=fave_entries(faves, kept) if faves is not None else None,
        galleries=gallery_entries(galleries) if galleries is not None else None,
    )


# --- the build -------------------------------------------------------------------------------


def _digest(*parts: str) -> str:
    return hashlib.blake2b("\x1f".join(parts).encode("utf-8"), digest_size=16).hexdigest()


def _months(stream: list[Item]) -> Iterator[tuple[str, list[Item]]]:
    """The photostream cut into months, newest first (the undated last)."""
    month: str | None = None
    run: list[Item] = []
    for item in stream:
        key = item.month or paths.UNDATED
        if key != month:
            if run:
                yield month or paths.UNDATED, run
            month, run = key, []
        run.append(item)
    if run:
        yield month or paths.UNDATED, run


def media_for(out: Path, item: Item, has_z: bool) -> Media:
    """What the photo page shows, from the files on disk: the ≤ 640 px rendition when the
    backup kept one, else the original itself (JPEG, PNG, GIF), else a placeholder."""
    z = paths.thumb(item.id, "z") if has_z else None
    width, height = image_size(out / z) or (None, None) if z else (None, None)
    available = item.present and item.status == "done" and item.path is not None
    full = item.path if available else None
    if item.summary.media == "video":
        if full:
            return Media("video", src=full, width=width, height=height, poster=z, full=full)
        if z:
            return Media("image", src=z, width=width, height=height)
        return Media("none")
    if z:
        return Media("image", src=z, width=width, height=height, full=full)
    ext = full.rpartition(".")[2].lower() if full else ""
    if full and ext in BROWSER_IMAGES:
        width, height = image_size(out / full) or (None, None)
        return Media("image", src=full, width=width, height=height, full=full, from_original=True)
    return Media("none", full=full)


def _js_data(name: str, value: object) -> str:
    """A data file scripts load with <script src> (file:// allows no fetch)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    # Valid JSON, but line terminators to older JavaScript parsers.
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f"{name} = {text};\n"


def build_site(out: Path, state: State) -> BuildReport:
    """Build or refresh OUT/index.html and OUT/.site/ from the archive (no network)."""
    started = time.monotonic()
    cache = SiteCache(out / paths.CACHE)
    try:
        writer = PageWriter(out, cache)
        try:
            items, read = load_items(out, state, cache)
            account = load_account(out, state)
            _Renderer(out, account, writer).run(items)
            writer.flush()
            writer.prune()
        finally:
            writer.close()
        cache.commit()
    finally:
        cache.close()
    return BuildReport(
        photos=len(items),
        pages=len(writer.seen),
        written=writer.written,
        unchanged=writer.unchanged,
        removed=writer.removed,
        sidecars_read=read,
        seconds=time.monotonic() - started,
        index=out / paths.HOME,
    )


class _Renderer:
    """Renders every page of the site through one PageWriter.

    Each item gets a key that changes whenever anything a grid or search shows of it does
    (its sidecar's signature, state, flags, thumbnails): a grid page's inputs are its items'
    keys, so a refresh renders only the grid pages whose items moved.
    """

    def __init__(self, out: Path, account: Account, writer: PageWriter) -> None:
        self.out = out
        self.account = account
        self.writer = writer
        try:
            self.thumbs = set(os.listdir(out / paths.THUMBS))
        except OSError:
            self.thumbs = set()
        self.shell = Shell(
            name=account.profile.name,
            favorites=bool(account.favorites),
            galleries=bool(account.galleries),
        )
        self.base = _digest(RENDER_VERSION, repr(self.shell))
        self.keys: dict[str, str] = {}

    def key(self, item: Item) -> str:
        pid = item.id
        return "\x1e".join(
            (
                pid,
                item.sig or repr(item.summary),
                str(item.flags),
                "q" if f"{pid}_q.jpg" in self.thumbs else "",
                "z" if f"{pid}_z.jpg" in self.thumbs else "",
            )
        )

    def grid_inputs(self, chunk: Sequence[Item], *params: object) -> str:
        keys = self.keys
        return _digest(self.base, repr(params), *(keys[item.id] for item in chunk))

    def run(self, items: list[Item]) -> None:
        self.keys = {item.id: self.key(item) for item in items}
        by_id = {item.id: item for item in items}
        stream = sorted(items, key=lambda it: (it.sort_key, it.id), reverse=True)
        months = list(_months(stream))
        position = self.stream_pages(months)
        memberships, album_counts = self.albums(by_id)
        tag_count = self.tags(stream)
        self.photo_pages(stream, position, memberships)
        self.search(stream)
        self.others(by_id)
        self.home(stream, months, album_counts, tag_count)
        assets = resources.files("flickr_async.site") / "static"
        for name in ASSET_FILES:
            self.writer.write(f"{paths.ASSETS}/{name}", (assets / name).read_bytes())

    def stream_pages(self, months: list[tuple[str, list[Item]]]) -> dict[str, tuple[str, int]]:
        """The photostream, a month (of up to PER_PAGE items a page) at a time."""
        position: dict[str, tuple[str, int]] = {}
        for n, (month, run) in enumerate(months):
            chunks = split(run)
            newer = months[n - 1][0] if n > 0 else None
            older = months[n + 1][0] if n + 1 < len(months) else None
            for number, chunk in enumerate(chunks, 1):
                for item in chunk:
                    position[item.id] = (month, number)
                self.writer.page(
                    paths.month_page(month, number),
                    self.grid_inputs(chunk, number, len(chunks), len(run), newer, older),
                    partial(month_page, self.shell, month, chunk, number, len(chunks), len(run),
                            newer, older, self.thumbs),
                )  # fmt: skip
        return position

    def albums(
        self, by_id: dict[str, Item]
    ) -> tuple[dict[str, list[tuple[str, str, int]]], list[tuple[AlbumEntry, int]]]:
        """Album pages in the user's order, and the order site.js follows on photo pages."""
        memberships: dict[str, list[tuple[str, str, int]]] = {}
        counts: list[tuple[AlbumEntry, int]] = []
        owner = self.account.profile.flickr_path
        for album in self.account.albums:
            members = [by_id[pid] for pid in album.photo_ids if pid in by_id]
            counts.append((album, len(members)))
            chunks = split(members)
            about = (album.id, album.title, album.description, album.deleted,
                     repr(album.comments), owner)  # fmt: skip
            for number, chunk in enumerate(chunks, 1):
                for item in chunk:
                    memberships.setdefault(item.id, []).append((album.id, album.title, number))
                self.writer.page(
                    paths.album_page(album.id, number),
                    self.grid_inputs(chunk, about, number, len(chunks), len(members)),
                    partial(album_page, self.shell, album, chunk, number, len(chunks),
                            len(members), owner, self.thumbs),
                )  # fmt: skip
            self.writer.write(
                paths.album_data(album.id),
                _js_data(
                    f'(window.FA_ALBUMS = window.FA_ALBUMS || {{}})["{paths.file_id(album.id)}"]',
                    {"title": album.title, "per_page": PER_PAGE, "ids": [m.id for m in members]},
                ),
            )
        return memberships, counts

    def tags(self, stream: list[Item]) -> int:
        """One page per tag (Flickr's grouping: case and punctuation aside), and an index."""
        tags: dict[str, tuple[str, list[Item]]] = {}
        for item in stream:
            for tag in item.summary.tags:
                key = paths.tag_key(tag)
                if key not in tags:
                    tags[key] = (tag, [])
                tags[key][1].append(item)
        for key, (name, tagged) in tags.items():
            chunks = split(tagged)
            for number, chunk in enumerate(chunks, 1):
                self.writer.page(
                    paths.tag_page(key, number),
                    self.grid_inputs(chunk, key, name, number, len(chunks), len(tagged)),
                    partial(tag_page, self.shell, key, name, chunk, number, len(chunks),
                            len(tagged), self.thumbs),
                )  # fmt: skip
        index = sorted(
            ((key, name, len(tagged)) for key, (name, tagged) in tags.items()),
            key=lambda t: (t[1].casefold(), t[1]),
        )
        self.writer.write(paths.TAGS, tags_index(self.shell, index))
        return len(tags)

    def photo_pages(
        self,
        stream: list[Item],
        position: dict[str, tuple[str, int]],
        memberships: dict[str, list[tuple[str, str, int]]],
    ) -> None:
        """One page per photo, rendered only when something it shows has moved."""
        for n, item in enumerate(stream):
            ctx = Context(
                prev=stream[n - 1].id if n > 0 else None,
                next=stream[n + 1].id if n + 1 < len(stream) else None,
                month=position[item.id][0],
                month_page=position[item.id][1],
                albums=tuple(memberships.get(item.id, ())),
            )
            inputs = _digest(
                self.base,
                self.keys[item.id],
                item.status,
                item.error,
                item.path or "",
                repr(ctx),
            )
            self.writer.page(paths.photo_page(item.id), inputs, partial(self.photo, item, ctx))

    def photo(self, item: Item, ctx: Context) -> str:
        doc: dict[str, object] = {}
        if item.sig and item.path:
            with contextlib.suppress(OSError, ValueError):
                doc = sidecar.loads((self.out / (item.path + ".json")).read_bytes())
        has_z = f"{item.id}_z.jpg" in self.thumbs
        return photo_page(self.shell, item, doc, media_for(self.out, item, has_z), ctx)

    def search(self, stream: list[Item]) -> None:
        """One data file of every title, description and tag (search.html reads it)."""
        thumbs = self.thumbs

        def render() -> str:
            entries = [
                [
                    item.id,
                    item.summary.title,
                    item.summary.text,
                    " ".join(item.summary.tags),
                    month_label(item.month or paths.UNDATED),
                    item.flags | (16 if f"{item.id}_q.jpg" in thumbs else 0),
                ]
                for item in stream
            ]
            return _js_data("window.FA_SEARCH", entries)

        self.writer.page(paths.SEARCH_DATA, self.grid_inputs(stream), render)
        self.writer.write(paths.SEARCH, search_page(self.shell))

    def others(self, by_id: dict[str, Item]) -> None:
        account = self.account
        if account.favorites:
            presence = _Presence(self.out)
            self.writer.write(
                paths.FAVORITES,
                favorites_page(self.shell, account.favorites, self.thumbs, presence),
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


def site_dir(out: Path) -> Path:
    return out / SITE_DIR
