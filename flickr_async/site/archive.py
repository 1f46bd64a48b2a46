"""Reading the archive for the site: every photo's summary (from the cache unless its sidecar
moved), whether its file is on disk, and the account files."""

from __future__ import annotations

import logging
import os
from array import array
from collections import defaultdict
from pathlib import Path

from flickr_async import account_files
from flickr_async.archive import JSON_SIDECAR
from flickr_async.fsutil import read_json
from flickr_async.site import paths
from flickr_async.site.cache import SiteCache
from flickr_async.site.model import (
    PRESENT,
    Account,
    AlbumEntry,
    Facts,
    Item,
    Summary,
    album_entries,
    collection_nodes,
    fave_entries,
    gallery_entries,
    group_entries,
    profile,
)
from flickr_async.site.photofiles import read_summaries, read_summary
from flickr_async.site.prefetch import ordered
from flickr_async.site.workers import Workers
from flickr_async.state import PhotoBrief, State

log = logging.getLogger(__name__)

_BATCH = 2000  # summaries read from sidecars go to the cache this many at a time
_WORDS = {w: w for w in ("done", "failed", "photo", "video")}  # one string object each


def _stat_sig(path: str) -> int:
    """hash((mtime_ns, size)) of a sidecar (deterministic: ints hash to themselves); 0 when
    it cannot be read."""
    try:
        st = os.stat(path)
    except OSError:
        return 0
    return hash((st.st_mtime_ns, st.st_size)) or 1


def _from_row(row: PhotoBrief) -> Summary:
    """What the state alone says of an item without a readable sidecar."""
    return Summary(
        title="",
        media=_WORDS.get(row.media, row.media),
        date_taken=row.date_taken,
        granularity=0,
        date_posted=None,
        tags=(),
        original=row.original,
        deleted=row.deleted_on_flickr,
    )


# (id, sig, summary, search text, facts) of a photo, for the cache (SiteCache.put_summaries).
Read = tuple[str, int, Summary, str | None, Facts | None]


class CacheDisagrees(Exception):
    """A refresh found the cache out of step with the state: the build takes a full look."""


def load_items(
    out: Path,
    state: State,
    cache: SiteCache,
    workers: Workers | None = None,
    since: int | None = None,
) -> tuple[list[Item], int]:
    """Every photo the state knows, with its summary: from the cache when its sidecar has not
    changed, else read from the sidecar (and cached). Returns (items, sidecars read).

    What changed: with `since` (the state's change number the last complete build saw, when
    no row was forgotten since), the rows changed after it, found by the state's index; every
    other photo is as the cache saw it (no sidecar or state row looked at). Without it (a full
    look: no complete build before, a row forgotten since, a cache of another version,
    `site --full`), every row, beside the cache's entries in id order, and every sidecar
    whose (mtime, size) moved.

    The sidecars that moved are read a few at a time (prefetch.ordered), or by the worker
    processes when there are some. Search texts go to the cache, not held."""
    root = os.fspath(out)  # string paths: a pathlib.Path per photo costs more than its stat
    items: list[Item] = []
    stale: list[str] = []
    to_read = array("l")  # indexes in items of the sidecars to read (no path held)
    fresh: list[Read] = []  # summaries read, to cache
    bare: list[Read] = []  # rows without a sidecar, as they are

    def take(row: PhotoBrief, hit: Item | None) -> None:
        """A state row the build must look at (changed, or every row: full)."""
        if hit is None and not paths.is_safe_id(row.id):  # the cache holds only safe ids
            log.warning("photo id %r cannot name a page; left out of the site", row.id)
            return
        sig = _stat_sig(f"{root}/{row.path}{JSON_SIDECAR}") if row.path else 0
        if sig and hit is not None and hit.sig == sig and since is None:
            summary = hit.summary
        else:
            summary = _from_row(row)
            if hit is not None:
                stale.append(row.id)
            if sig:
                to_read.append(len(items))
            else:
                bare.append((row.id, 0, summary, None, None))
        item = Item(
            id=row.id,
            summary=summary,
            sig=sig,
            status=_WORDS.get(row.status, row.status),
            error=row.error or "",
            path=row.path,
        )
        item.sort_key = summary.sort_key
        items.append(item)

    if since is None:
        cached = cache.seen()
        ahead = next(cached, None)
        for row in state.iter_briefs():
            while ahead is not None and ahead.id < row.id:
                stale.append(ahead.id)
                ahead = next(cached, None)
            hit = None
            if ahead is not None and ahead.id == row.id:
                hit, ahead = ahead, next(cached, None)
            take(row, hit)
        while ahead is not None:
            stale.append(ahead.id)
            ahead = next(cached, None)
    else:
        changed = {brief.id: brief for brief in state.iter_briefs(since=since)}
        for hit in cache.seen():
            brief = changed.pop(hit.id, None)
            if brief is None:
                items.append(hit)  # as the last build saw it
            else:
                take(brief, hit)
        unsafe = sum(not paths.is_safe_id(pid) for pid in changed)
        for brief in changed.values():  # new since
            take(brief, None)
        # Every row is either in the cache or changed since (rows leave only by forget(),
        # which makes a full look): a state put back from elsewhere, or a cache that lost
        # rows, must not leave photos out. An unsafe id counts as one the cache never holds.
        if len(items) + unsafe != state.photo_count():
            raise CacheDisagrees("the site's cache and the archive's state list other photos")
    cache.drop_summaries(stale)
    read = 0
    sidecars = (f"{root}/{items[index].path}{JSON_SIDECAR}" for index in to_read)
    summaries = (
        workers.map(read_summaries, sidecars)
        if workers is not None
        else ordered(read_summary, sidecars)
    )
    for index, (_, (read_back, text, found)) in zip(to_read, summaries, strict=True):
        item = items[index]
        if read_back is None:
            log.warning("photo %s: sidecar unreadable (%s)", item.id, text)
            item.sig = 0
            bare.append((item.id, 0, item.summary, None, None))
            continue
        fresh.append((item.id, item.sig, read_back, text, found))
        item.summary = read_back
        item.sort_key = read_back.sort_key
        read += 1
        if len(fresh) >= _BATCH:
            cache.put_summaries(fresh)
            fresh.clear()
    cache.put_summaries(fresh)
    cache.put_summaries(bare)  # in the cache all the same: see `since`
    mark_present(out, items, every=since is None)
    return items, read


def mark_present(out: Path, items: list[Item], *, every: bool = True) -> None:
    """Is each item's file on disk? One directory listing per folder (no stat per file),
    held only while its folder's items are checked. Not `every`: what the last build saw,
    for the items whose rows did not change since (a stat for the others)."""
    by_folder: defaultdict[str, list[Item]] = defaultdict(list)
    for item in items:
        if not every and item.cached_files >= 0:
            item.present = bool(item.cached_files & PRESENT)
        elif not every:
            item.present = bool(item.path) and os.path.exists(f"{out}/{item.path}")
        elif item.path:
            by_folder[item.path.rpartition("/")[0]].append(item)
        else:
            item.present = False
    for folder, members in by_folder.items():
        try:
            names = set(os.listdir(out / folder))
        except OSError:
            names = set()
        for item in members:
            item.present = (item.path or "").rpartition("/")[2] in names


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
    groups = read_json(out / account_files.GROUPS)
    kept = {fave.id: fave.path for fave in state.favorites().values()}
    return Account(
        profile=profile(read_json(out / account_files.ACCOUNT)),
        albums=albums,
        collections=collection_nodes(collections.get("collections")),
        favorites=fave_entries(faves, kept) if faves is not None else None,
        galleries=gallery_entries(galleries) if galleries is not None else None,
        groups=group_entries(groups) if groups is not None else None,
    )
