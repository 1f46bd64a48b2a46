"""The site's own memory (OUT/.site/cache.sqlite3): what each sidecar said, and what each page
holds, so a refresh re-reads only changed sidecars and rewrites only changed pages.

It is a cache: deleting it (or a new version of the site's code) costs one full build and
loses nothing. It never touches the archive's state database.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import secrets
import sqlite3
import sys
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from flickr_async import confine
from flickr_async.layout import SITE_DIR, SITE_ENTRY
from flickr_async.site.model import Facts, Item, Summary
from flickr_async.site.paths import CACHE, is_safe_id

log = logging.getLogger(__name__)

# Bump when what a Summary holds, how it is read from a sidecar, or how an item's key is
# made (build._Renderer.key) changes.
VERSION = "12"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS photos (
    id TEXT PRIMARY KEY,
    sig INTEGER NOT NULL,         -- hash((mtime_ns, size)) of the sidecar when it was read
    title TEXT NOT NULL, media TEXT NOT NULL, date_taken TEXT, granularity INTEGER NOT NULL,
    date_posted INTEGER, tags TEXT NOT NULL, original INTEGER, deleted TEXT,
    files INTEGER NOT NULL DEFAULT -1, -- model.Item.files as the last build saw; -1 unknown
    status TEXT NOT NULL DEFAULT '', error TEXT NOT NULL DEFAULT '', path TEXT,
                                  -- the state's row as the last build saw it
    key BLOB NOT NULL DEFAULT x'', -- model.Item.key as the last build made it
    public INTEGER NOT NULL DEFAULT 0, -- Summary.public
    lat REAL, lon REAL,           -- Summary.where
    geo_public INTEGER NOT NULL DEFAULT 0,
    places TEXT NOT NULL DEFAULT '', -- Summary.where's names, unit-separated
    people TEXT NOT NULL DEFAULT '', -- Summary.people: nsid RS name, unit-separated
    groups TEXT NOT NULL DEFAULT '', -- Summary.groups, unit-separated
    level TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS search (   -- apart: the photos table stays small to scan
    id TEXT PRIMARY KEY,
    bucket INTEGER NOT NULL,      -- search_bucket(id): which search data file it goes in
    entry TEXT NOT NULL           -- its search entry, JSON: [id, title, text, tags]
);
CREATE INDEX IF NOT EXISTS search_by_bucket ON search(bucket);
CREATE TABLE IF NOT EXISTS albums (
    id TEXT PRIMARY KEY,
    members TEXT NOT NULL         -- its photos' ids as the last build saw them, space-separated
);
CREATE TABLE IF NOT EXISTS pages (
    path TEXT PRIMARY KEY,        -- relative to OUT
    digest BLOB NOT NULL          -- of the bytes written (16 bytes), then of what the page
);                                -- was made from, when it was made by inputs (16 more),
                                  -- and for a grid page of its layout (16 more)
"""
_TAG_SEP = "\x1f"
_PAIR_SEP = "\x1e"


def _people(text: str) -> tuple[tuple[str, str], ...]:
    if not text:
        return ()
    pairs = (p.partition(_PAIR_SEP) for p in text.split(_TAG_SEP))
    return tuple((sys.intern(nsid), name) for nsid, _, name in pairs)


def _facts_row(facts: Facts | None) -> tuple[object, ...]:
    """The photos table's lat, lon, geo_public, places, people, groups, level."""
    if facts is None:
        return (None, None, 0, "", "", "", "")
    where = facts.where
    return (
        *(where[:2] if where else (None, None)),
        int(bool(where and where.public)),
        _TAG_SEP.join(where.names) if where else "",
        _TAG_SEP.join(f"{nsid}{_PAIR_SEP}{name}" for nsid, name in facts.people),
        _TAG_SEP.join(facts.groups),
        facts.level,
    )


def place_names(text: str) -> tuple[str, ...]:
    """The places column as (country, region, locality), or ()."""
    return tuple(text.split(_TAG_SEP)) if text else ()


def _strings(text: str) -> tuple[str, ...]:
    return tuple(map(sys.intern, text.split(_TAG_SEP))) if text else ()


BUCKETS = 4096  # a power of two: every number of search data files up to it divides it


def search_bucket(photo_id: str) -> int:
    """A stable number for `photo_id` (the same in every process and version), below
    BUCKETS: file k of a search data cut into n files (n a power of two) holds a range of
    them (see search_file)."""
    return zlib.crc32(photo_id.encode("utf-8")) % BUCKETS


def search_file(photo_id: str, files: int) -> int:
    """Which of `files` search data files holds the entry of `photo_id`."""
    return search_bucket(photo_id) * files // BUCKETS


def js_json(value: object) -> str:
    """JSON for a data file scripts load (<script src>): U+2028 and U+2029 are valid JSON but
    line terminators to older JavaScript parsers."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("\u2028", "\\u2028").replace(
        "\u2029", "\\u2029"
    )  # the unit separator never occurs in a tag Flickr accepts


_NONCE = re.compile(r"[0-9A-Za-z_-]{16,64}")
_SITE_FILE = re.compile(r"[0-9A-Za-z_@.-]{1,200}")


def is_site_file(path: object) -> bool:
    """Is `path` (from the cache) a file the site may write or remove: `index.html`, or a
    plain relative path under `.site/` (no "..", no link can be named: folders are checked
    again when written, confine.inside)?"""
    if not isinstance(path, str):
        return False
    if path == SITE_ENTRY:
        return True
    parts = path.split("/")
    return (
        len(parts) >= 2
        and parts[0] == SITE_DIR
        and not path.startswith(CACHE)
        and all(_SITE_FILE.fullmatch(p) and p not in (".", "..") for p in parts[1:])
    )


def _sane_photo(row: tuple[Any, ...]) -> bool:
    """A cache row whose id can name a page and whose path is a relative one; any other is
    left out (the build then reads that photo's state row afresh)."""
    photo_id, path = row[0], row[13]
    if not isinstance(photo_id, str) or not is_safe_id(photo_id):
        return False
    return path is None or (isinstance(path, str) and confine.is_relative(path))


# One string object each, not one per row.
_MEDIA = {"photo": "photo", "video": "video"}
_WORDS = {w: w for w in ("done", "failed")}


def _seen(row: tuple[Any, ...]) -> Item:
    summary = Summary(  # positional: 100,000 of these per build
        row[2],
        _MEDIA.get(row[3], row[3]),
        row[4],
        row[5],
        row[6],
        tuple(map(sys.intern, row[7].split(_TAG_SEP))) if row[7] else (),
        None if row[8] is None else bool(row[8]),
        row[9],
        bool(row[15]),
    )
    return Item(
        row[0],
        summary,
        row[1],
        _WORDS.get(row[11], row[11]),
        row[12],
        row[13],
        sort_key=summary.sort_key,
        key=row[14],
        cached_files=row[10],
        dirty=False,
    )


class SiteCache:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None)
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=OFF")  # a cache: a torn one is rebuilt
            self._db.executescript(_SCHEMA)
            row = self._db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
        except sqlite3.DatabaseError:
            self._db.close()
            path.unlink(missing_ok=True)  # unreadable: start again
            self._db = sqlite3.connect(path, isolation_level=None)
            self._db.executescript(_SCHEMA)
            row = None
        if row is None or row[0] != VERSION:  # another version's tables: start again
            self._db.executescript(
                "DROP TABLE IF EXISTS photos; DROP TABLE IF EXISTS search; "
                "DROP TABLE IF EXISTS pages; DROP TABLE IF EXISTS albums; DELETE FROM meta;"
                + _SCHEMA
            )
            self._db.execute("INSERT OR REPLACE INTO meta VALUES('version', ?)", (VERSION,))
        self._db.execute("BEGIN")

    def commit(self) -> None:
        self._db.execute("COMMIT")
        self._db.execute("BEGIN")

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._db.execute("COMMIT")
        self._db.close()

    def nonce(self) -> str:
        """The site's script nonce (pages.CSP): made once, kept with the pages' records. A
        new one changes every page's inputs (it is in the Shell), so none is kept stale."""
        row = self._db.execute("SELECT value FROM meta WHERE key = 'nonce'").fetchone()
        if row is not None and _NONCE.fullmatch(str(row[0])):
            return str(row[0])
        value = secrets.token_urlsafe(18)
        self._db.execute("INSERT OR REPLACE INTO meta VALUES('nonce', ?)", (value,))
        return value

    def state_seq(self) -> int | None:
        """The archive's change number (State.change_seq) the last build saw in full."""
        row = self._db.execute("SELECT value FROM meta WHERE key = 'state_seq'").fetchone()
        return int(row[0]) if row else None

    def set_state_seq(self, seq: int | None) -> None:
        """None: no build has seen the state in full (one is under way, or failed)."""
        if seq is None:
            self._db.execute("DELETE FROM meta WHERE key = 'state_seq'")
        else:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES('state_seq', ?)", (str(seq),))

    # --- sidecar summaries ---------------------------------------------------------------

    def seen(self, *, batch: int = 5000) -> Iterator[Item]:
        """Every photo as the last build saw it, in id order (as State.iter_briefs), a batch
        at a time (the caller may write between batches): its sidecar's summary and
        signature, its state row's status, error and path, its files on disk
        (Item.cached_files) and its key; not dirty. Search texts are only in the search
        data's entries (`search_entries`)."""
        last = ""
        while True:
            rows = self._db.execute(
                "SELECT id, sig, title, media, date_taken, granularity, date_posted, tags, "
                "original, deleted, files, status, error, path, key, public FROM photos "
                "WHERE id > ? ORDER BY id LIMIT ?",
                (last, batch),
            ).fetchall()
            if not rows:
                return
            last = rows[-1][0]
            yield from map(_seen, filter(_sane_photo, rows))

    # --- what the map, places, people, groups and about pages show (sections.py) ---------

    def located(self, *, public_only: bool = False) -> Iterator[tuple[str, float, float, str]]:
        """(id, latitude, longitude, places: see `place_names`) of every photo with a
        location, in id order; `public_only`: of those whose location Flickr shows to
        everyone. Rows as they come: nothing is held."""
        yield from self._db.execute(
            "SELECT id, lat, lon, places FROM photos WHERE lat IS NOT NULL "
            "AND lon IS NOT NULL" + (" AND geo_public = 1" if public_only else "") + " ORDER BY id"
        )

    def tagged(self) -> Iterator[tuple[str, tuple[tuple[str, str], ...]]]:
        """(id, people tagged) of every photo with someone tagged."""
        for photo_id, people in self._db.execute(
            "SELECT id, people FROM photos WHERE people != ''"
        ):
            yield photo_id, _people(people)

    def grouped(self) -> Iterator[tuple[str, tuple[str, ...]]]:
        """(id, the groups it is in) of every photo the export says is in a group."""
        for photo_id, groups in self._db.execute(
            "SELECT id, groups FROM photos WHERE groups != ''"
        ):
            yield photo_id, _strings(groups)

    def levels(self) -> Iterator[tuple[str, str]]:
        """(id, metadata level) of every photo ("" without a sidecar read)."""
        yield from self._db.execute("SELECT id, level FROM photos")

    def summary_count(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM photos").fetchone()[0])

    def search_entries(self, files: int = 1, number: int = 0) -> Iterator[tuple[str, str]]:
        """(id, JSON [id, title, text, tags]) of the photos in search data file `number` of
        `files` (a power of two), in id order."""
        size = BUCKETS // files
        yield from self._db.execute(
            "SELECT id, entry FROM search WHERE bucket >= ? AND bucket < ? ORDER BY id",
            (number * size, (number + 1) * size),
        )

    def put_summaries(
        self, rows: Iterable[tuple[str, int, Summary, str | None, Facts | None]]
    ) -> None:
        """(id, sig, summary, search text, facts) of photos whose sidecar was read (sig 0,
        text and facts None: a photo without one, summed up from its row, not in the
        search). Their files and row follow (`put_seen`)."""
        rows = list(rows)
        self._db.executemany(
            "INSERT OR REPLACE INTO photos "
            "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, -1, '', '', NULL, x'', ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (photo_id, sig, m.title, m.media, m.date_taken, m.granularity, m.date_posted,
                 _TAG_SEP.join(m.tags), None if m.original is None else int(m.original),
                 m.deleted, int(m.public), *_facts_row(f))
                for photo_id, sig, m, _, f in rows
            ],
        )  # fmt: skip
        self._db.executemany(
            "INSERT OR REPLACE INTO search VALUES(?, ?, ?)",
            [
                (pid, search_bucket(pid), js_json([pid, m.title, text, " ".join(m.tags)]))
                for pid, _, m, text, _ in rows
                if text is not None
            ],
        )

    def put_seen(self, rows: Iterable[tuple[int, str, str, str | None, bytes, str]]) -> None:
        """(files, status, error, path, key, id): what the build saw of photos' files on
        disk (model.Item.files) and of their state rows, and the key it made."""
        self._db.executemany(
            "UPDATE photos SET files = ?, status = ?, error = ?, path = ?, key = ? WHERE id = ?",
            rows,
        )

    def drop_summaries(self, photo_ids: Iterable[str]) -> None:
        gone = [(p,) for p in photo_ids]
        self._db.executemany("DELETE FROM photos WHERE id = ?", gone)
        self._db.executemany("DELETE FROM search WHERE id = ?", gone)

    # --- albums ---------------------------------------------------------------------------

    def album_members(self) -> dict[str, str]:
        """album id -> its photos' ids (space-separated) as the last build saw them."""
        return dict(self._db.execute("SELECT id, members FROM albums"))

    def album_order(self) -> str | None:
        """The albums' ids in the user's order, as the last build saw them."""
        row = self._db.execute("SELECT value FROM meta WHERE key = 'album_order'").fetchone()
        return str(row[0]) if row else None

    def set_album_order(self, order: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta VALUES('album_order', ?)", (order,))

    def put_album_members(self, albums: Iterable[tuple[str, str]]) -> None:
        """(album id, its photos' ids space-separated) of the albums whose members moved."""
        self._db.executemany("INSERT OR REPLACE INTO albums VALUES(?, ?)", albums)

    def drop_album_members(self, album_ids: Iterable[str]) -> None:
        self._db.executemany("DELETE FROM albums WHERE id = ?", [(a,) for a in album_ids])

    # --- pages ---------------------------------------------------------------------------

    def pages(self) -> dict[str, bytes]:
        """path -> digest (+ inputs digest) of every page the last builds wrote. A row that
        names no file of the site (`is_site_file`) is dropped: the build writes and removes
        only what these rows name."""
        rows = dict(self._db.execute("SELECT path, digest FROM pages"))
        odd = [path for path in rows if not is_site_file(path) or not isinstance(rows[path], bytes)]
        if odd:
            log.warning(
                "the site's cache names %d files that are not the site's; ignored", len(odd)
            )
            self.drop_pages(odd)
            for path in odd:
                del rows[path]
        return rows

    def put_pages(self, rows: Iterable[tuple[str, bytes]]) -> None:
        self._db.executemany("INSERT OR REPLACE INTO pages VALUES(?, ?)", rows)

    def drop_pages(self, paths: Iterable[str]) -> None:
        self._db.executemany("DELETE FROM pages WHERE path = ?", [(p,) for p in paths])
