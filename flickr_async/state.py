"""SQLite state and the run lock under OUT/.flickr-async/: what is stored where, and why."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import time
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from flickr_async import layout
from flickr_async.errors import StorageError
from flickr_async.owneronly import owner_only_dir, owner_only_file

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS photos (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,              -- 'done' or 'failed'
    error TEXT,                        -- last failure, for 'failed'
    attempts INTEGER NOT NULL DEFAULT 0,
    last_update INTEGER NOT NULL DEFAULT 0,   -- Flickr lastupdate the files reflect
    original_key TEXT NOT NULL DEFAULT '',    -- originalsecret:WxH of the stored original
    media TEXT NOT NULL DEFAULT 'photo',
    path TEXT,                         -- primary file, relative to OUT
    links TEXT NOT NULL DEFAULT '[]',  -- JSON list of other paths hard-linked to it
    albums TEXT NOT NULL DEFAULT '[]', -- JSON [[id, title], ...] as written in the sidecar
    bytes INTEGER,                     -- the file on disk (after EXIF embedding)
    sha256 TEXT,
    served_url TEXT, served_bytes INTEGER, served_sha256 TEXT,  -- as Flickr served it
    original INTEGER, size_label TEXT,
    date_taken TEXT,
    deleted_on_flickr TEXT,            -- ISO date the sync noticed it gone; NULL while on Flickr
    updated_at INTEGER NOT NULL,
    metadata_stale INTEGER NOT NULL DEFAULT 0,  -- 1: placed with the listing's metadata only
    embed_version INTEGER NOT NULL DEFAULT 1,   -- how the metadata was written (embedded_meta.py)
    metadata_level TEXT NOT NULL DEFAULT 'basic', -- what its sidecar holds: basic, list, deep
    changed INTEGER NOT NULL DEFAULT 0  -- the change_seq of its last change (see State)
);
CREATE TABLE IF NOT EXISTS places (          -- flickr.places.getInfo, asked once per place
    place_id TEXT PRIMARY KEY,
    names TEXT NOT NULL                      -- JSON {level: name}
);
CREATE TABLE IF NOT EXISTS albums (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    folder TEXT NOT NULL,
    date_update INTEGER NOT NULL,
    position INTEGER NOT NULL,
    photo_ids TEXT NOT NULL DEFAULT '[]',  -- JSON list in album order, as last listed
    needs_listing INTEGER NOT NULL DEFAULT 0, -- 1: the last listing failed; photo_ids are old
    comments TEXT NOT NULL DEFAULT '[]'      -- JSON: the album's comments as last fetched
);
CREATE TABLE IF NOT EXISTS favorites (       -- other people's photos kept with --favorites
    id TEXT PRIMARY KEY,
    path TEXT NOT NULL,                        -- relative to OUT, under Favorites/
    bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    original INTEGER NOT NULL,
    served_url TEXT NOT NULL,
    removed_on TEXT                            -- ISO date a sync no longer found it faved
);
CREATE TABLE IF NOT EXISTS thumbnails (     -- the site's small renditions (thumbnails.py)
    id TEXT NOT NULL,
    size TEXT NOT NULL,                        -- 'q' or 'z': the file's name suffix
    url TEXT NOT NULL,                         -- what the listing last offered
    bytes INTEGER,                             -- the file on disk, from `url`; NULL: wanted
    PRIMARY KEY (id, size)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS thumbnails_wanted ON thumbnails(id, size) WHERE bytes IS NULL;
CREATE TABLE IF NOT EXISTS reshape (        -- an unfinished `reshape`, one row per photo to move
    id TEXT PRIMARY KEY,
    old_path TEXT NOT NULL,
    old_links TEXT NOT NULL,                   -- JSON list, as in photos.links
    new_path TEXT NOT NULL,
    new_links TEXT NOT NULL,
    step INTEGER NOT NULL DEFAULT 0            -- 0 planned, 1 staged, 2 in its new place
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started REAL NOT NULL,
    finished REAL,
    result TEXT,
    summary TEXT
);
"""


RESHAPE_KEY = "reshape"  # meta: the target options of an unfinished reshape (JSON)
# meta "options": the options an archive keeps from run to run unless given again (see
# cli.backup); the pipeline writes them at the start of every run.
REMEMBERED = (
    "layout",
    "names",
    "links",
    "metadata",
    "exif",
    "xmp",
    "favorites",
    "site",
    "full_listing_every",
)

# Columns added after the first release, for archives whose tables predate them. Flickr's own
# values (lastupdate, date_update) are never used as markers: "0" is real data there.
ADDED_COLUMNS = {
    "photos": {
        "metadata_stale": "INTEGER NOT NULL DEFAULT 0",
        "embed_version": "INTEGER NOT NULL DEFAULT 1",
        "metadata_level": "TEXT NOT NULL DEFAULT 'basic'",
        "changed": "INTEGER NOT NULL DEFAULT 0",
    },
    "albums": {
        "needs_listing": "INTEGER NOT NULL DEFAULT 0",
        "comments": "TEXT NOT NULL DEFAULT '[]'",
    },
}
# What an added column holds for the rows already there. Before metadata levels, an archive's
# photos had getInfo's metadata unless it was made with --metadata basic.
BACKFILL = {
    ("photos", "metadata_level"): """UPDATE photos SET metadata_level = CASE
        WHEN (SELECT value FROM meta WHERE key = 'options') LIKE '%"metadata": "basic"%'
        THEN 'basic' ELSE 'deep' END""",
}


@dataclass(frozen=True, slots=True)
class StoredPhoto:
    """One row of `photos`: what this archive holds for a Flickr id."""

    id: str
    status: str
    error: str | None
    attempts: int
    last_update: int
    original_key: str
    media: str
    path: str | None
    links: tuple[str, ...]
    albums: tuple[tuple[str, str], ...]
    bytes: int | None
    sha256: str | None
    served_url: str | None
    served_bytes: int | None
    served_sha256: str | None
    original: bool | None
    size_label: str | None
    date_taken: str | None
    deleted_on_flickr: str | None
    metadata_stale: bool = False  # the sidecar holds only the listing's metadata
    embed_version: int = 1  # how its metadata was embedded and written beside it
    metadata_level: str = "basic"  # what its sidecar holds: basic, list or deep

    @property
    def is_done(self) -> bool:
        return self.status == "done"


@dataclass(frozen=True, slots=True)
class ReshapeMove:
    """One photo's files in a reshape: where they were, where they go (relative to OUT)."""

    id: str
    old_path: str
    old_links: tuple[str, ...]
    new_path: str
    new_links: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StoredAlbum:
    id: str
    title: str
    folder: str
    date_update: int
    position: int
    photo_ids: tuple[str, ...]
    needs_listing: bool = False  # its last listing failed: list it again whatever date_update says
    comments: tuple[dict[str, Any], ...] = ()  # as written to albums.json


@dataclass(frozen=True, slots=True)
class StoredFave:
    """A favourite (another person's photo) kept under Favorites/."""

    id: str
    path: str
    bytes: int
    sha256: str
    original: bool
    served_url: str
    removed_on: str | None = None


THUMB_FOUND = ""  # the URL of a thumbnail a rebuilt state found on disk (rebuild.py)


@dataclass(frozen=True, slots=True)
class StoredThumb:
    """One of a photo's site thumbnails: the URL the listing offered, and the size of the
    file fetched from it (None while it is wanted)."""

    id: str
    size: str  # "q" or "z"
    url: str
    bytes: int | None


class PhotoBrief(NamedTuple):
    """The few columns of a `photos` row that a reader of the whole archive needs (the
    offline site): cheaper than StoredPhoto at 100,000 rows (a named tuple: a quarter of a
    frozen dataclass's cost to make)."""

    id: str
    status: str
    error: str | None
    media: str
    path: str | None
    original: bool | None
    date_taken: str | None
    deleted_on_flickr: str | None
    changed: int = 0  # its change number (State.change_seq)


def connect_read_only(path: Path) -> sqlite3.Connection:
    """The database of a read-only archive (a snapshot, a read-only mount), opened without a
    single write: `mode=ro` reads a write-ahead log left beside it; where SQLite cannot open
    the file so (a WAL database with no -shm file it may create), it is read `immutable`, as
    it is. sqlite3.Error when it is no database."""
    uri = path.resolve().as_uri()
    last: sqlite3.Error | None = None
    for flags in ("mode=ro", "mode=ro&immutable=1"):
        db = None
        try:
            db = sqlite3.connect(
                f"{uri}?{flags}", uri=True, check_same_thread=False, isolation_level=None
            )
            db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            return db
        except sqlite3.Error as exc:
            last = exc
            if db is not None:
                db.close()
            if "unable to open" not in str(exc):
                break  # not a matter of how it is opened
    assert last is not None
    raise last


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """The state opened by connect_read_only, its photos table there."""
    try:
        db = connect_read_only(path)
    except sqlite3.Error as exc:
        raise StorageError(f"state database {path} is unusable: {exc}") from exc
    db.row_factory = sqlite3.Row
    try:
        db.execute("SELECT COUNT(*) FROM photos").fetchone()
    except sqlite3.Error as exc:
        db.close()
        raise StorageError(f"state database {path} is unusable: {exc}") from exc
    return db


def _photo_from_row(row: sqlite3.Row) -> StoredPhoto:
    return StoredPhoto(
        id=row["id"],
        status=row["status"],
        error=row["error"],
        attempts=row["attempts"],
        last_update=row["last_update"],
        original_key=row["original_key"],
        media=row["media"],
        path=row["path"],
        links=tuple(json.loads(row["links"])),
        albums=tuple((str(a), str(t)) for a, t in json.loads(row["albums"])),
        bytes=row["bytes"],
        sha256=row["sha256"],
        served_url=row["served_url"],
        served_bytes=row["served_bytes"],
        served_sha256=row["served_sha256"],
        original=None if row["original"] is None else bool(row["original"]),
        size_label=row["size_label"],
        date_taken=row["date_taken"],
        deleted_on_flickr=row["deleted_on_flickr"],
        metadata_stale=bool(row["metadata_stale"]),
        embed_version=int(row["embed_version"]),
        metadata_level=str(row["metadata_level"]),
    )


class State:
    """The archive's memory. Synchronous and thread-safe; async stages call it via to_thread.

    Every write commits at once (WAL, synchronous=NORMAL): a kill -9 loses at most the item
    being finalised, whose file was renamed into place before its row was written.

    Every change to what a photo's files, sidecar or row say (placed, deep metadata, failed,
    deleted on Flickr, marked for repair, a thumbnail fetched, a row forgotten) takes the next
    number of one counter, `change_seq` (in meta), and stores it in the row's `changed`: a
    reader that remembers the last number it saw (the offline site) asks only for the rows
    changed since, and learns from `forgotten_seq` whether rows went away.
    """

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        self.path = path
        self.read_only = read_only
        if read_only:  # changes nothing: no mode, no file created (a read-only archive)
            self._db = _connect_read_only(path)
            self._lock = threading.Lock()
            return
        if str(path) != ":memory:":  # the owner's alone, with its WAL files (owneronly.py)
            for name in (
                path,
                path.with_name(path.name + "-wal"),
                path.with_name(path.name + "-shm"),
            ):
                owner_only_file(name, create=name == path)
        try:
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(SCHEMA)
            self._add_missing_columns()
            self._db.execute("CREATE INDEX IF NOT EXISTS photos_changed ON photos(changed)")
        except sqlite3.DatabaseError as exc:
            raise StorageError(f"state database {path} is unusable: {exc}") from exc
        self._lock = threading.Lock()

    def _add_missing_columns(self) -> None:
        for table, columns in ADDED_COLUMNS.items():
            have = {row["name"] for row in self._db.execute(f"PRAGMA table_info({table})")}
            for name, declaration in columns.items():
                if name not in have:
                    self._db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {declaration}")
                    if (table, name) in BACKFILL:
                        self._db.execute(BACKFILL[(table, name)])

    @classmethod
    def open(cls, out: Path) -> State:
        """The state of the archive at `out`, made (with its owner-only folder) if new."""
        state_dir = out / layout.STATE_DIR  # Archive(out).state_dir: archive.py imports us
        owner_only_dir(state_dir)
        return cls(state_dir / layout.STATE_FILE)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextlib.contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                yield self._db
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                with contextlib.suppress(sqlite3.Error):
                    self._db.execute("ROLLBACK")
                raise StorageError(f"cannot write state database: {exc}") from exc
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    self._db.execute("ROLLBACK")
                raise

    def _query(self, sql: str, args: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # --- meta --------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        rows = self._query("SELECT value FROM meta WHERE key = ?", (key,))
        return str(rows[0]["value"]) if rows else None

    def set_meta(self, values: Mapping[str, str]) -> None:
        with self._tx() as db:
            db.executemany(
                "INSERT INTO meta(key, value) VALUES(?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                list(values.items()),
            )

    def options(self) -> dict[str, Any]:
        """The options the archive remembers (REMEMBERED), as last written."""
        saved = json.loads(self.get_meta("options") or "{}")
        return saved if isinstance(saved, dict) else {}

    # --- reshape journal ---------------------------------------------------------------

    def reshape_target(self) -> dict[str, Any] | None:
        """The options an unfinished reshape is moving the archive to; None when none is."""
        value = self.get_meta(RESHAPE_KEY)
        return None if value is None else dict(json.loads(value))

    def begin_reshape(
        self,
        target: Mapping[str, Any],
        moves: Sequence[ReshapeMove],
        staged: Collection[str] = (),
    ) -> None:
        """Record every move before the first one is made: the journal a resumed run reads.
        `staged`: ids whose files are in the staging folder already (an undone reshape's)."""
        with self._tx() as db:
            db.execute("DELETE FROM reshape")
            db.executemany(
                "INSERT INTO reshape(id, old_path, old_links, new_path, new_links, step) "
                "VALUES(?, ?, ?, ?, ?, ?)",
                [
                    (m.id, m.old_path, json.dumps(m.old_links), m.new_path,
                     json.dumps(m.new_links), int(m.id in staged))
                    for m in moves
                ],
            )  # fmt: skip
            db.execute(
                "INSERT INTO meta(key, value) VALUES(?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (RESHAPE_KEY, json.dumps(dict(target))),
            )

    def reshape_moves(self, step: int) -> list[ReshapeMove]:
        """The journal's moves still at `step`, in id order."""
        return [
            ReshapeMove(
                r["id"],
                r["old_path"],
                tuple(json.loads(r["old_links"])),
                r["new_path"],
                tuple(json.loads(r["new_links"])),
            )
            for r in self._query("SELECT * FROM reshape WHERE step = ? ORDER BY id", (step,))
        ]

    def reshape_done(self, photo_id: str, step: int) -> None:
        with self._tx() as db:
            db.execute("UPDATE reshape SET step = ? WHERE id = ?", (step, photo_id))

    def finish_reshape(self, options: Mapping[str, Any]) -> None:
        """Every file is in its new place: the photos' paths, the remembered options and
        the end of the journal, in one transaction."""
        with self._tx() as db:
            db.execute(  # one change number for all: the site rewrites every moved page
                # (correlated subqueries, not UPDATE ... FROM: that needs SQLite 3.33)
                """UPDATE photos SET
                       path = (SELECT r.new_path FROM reshape AS r WHERE r.id = photos.id),
                       links = (SELECT r.new_links FROM reshape AS r WHERE r.id = photos.id),
                       changed = ?
                   WHERE id IN (SELECT id FROM reshape)""",
                (self._next_change(db),),
            )
            db.execute("DELETE FROM reshape")
            db.execute("DELETE FROM meta WHERE key = ?", (RESHAPE_KEY,))
            db.execute(
                "INSERT INTO meta(key, value) VALUES('options', ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (json.dumps(dict(options)),),
            )

    # --- changes -----------------------------------------------------------------------

    @staticmethod
    def _next_change(db: sqlite3.Connection) -> int:
        """The next change number (inside a write transaction)."""
        db.execute(
            "INSERT INTO meta(key, value) VALUES('change_seq', '1') ON CONFLICT(key) "
            "DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )
        return int(db.execute("SELECT value FROM meta WHERE key = 'change_seq'").fetchone()[0])

    def change_seq(self) -> tuple[int, int]:
        """(the last change number, the last one that forgot rows); 0 for none yet."""
        rows = self._query(
            "SELECT key, value FROM meta WHERE key IN ('change_seq', 'forgotten_seq')"
        )
        found = {r["key"]: int(r["value"]) for r in rows}
        return found.get("change_seq", 0), found.get("forgotten_seq", 0)

    # --- photos ------------------------------------------------------------------------

    def photo(self, photo_id: str) -> StoredPhoto | None:
        rows = self._query("SELECT * FROM photos WHERE id = ?", (photo_id,))
        return _photo_from_row(rows[0]) if rows else None

    def has_files(self) -> bool:
        """Does any photo have a file in the archive?"""
        return bool(self._query("SELECT 1 FROM photos WHERE path IS NOT NULL LIMIT 1"))

    def photos(self) -> list[StoredPhoto]:
        return [_photo_from_row(r) for r in self._query("SELECT * FROM photos ORDER BY id")]

    def iter_photos(self, batch: int = 2000) -> Iterator[StoredPhoto]:
        """All rows in id order without holding them all in memory."""
        last = ""
        while True:
            rows = self._query(
                "SELECT * FROM photos WHERE id > ? ORDER BY id LIMIT ?", (last, batch)
            )
            if not rows:
                return
            for row in rows:
                yield _photo_from_row(row)
            last = rows[-1]["id"]

    def photo_count(self) -> int:
        return int(self._query("SELECT COUNT(*) FROM photos")[0][0])

    def iter_briefs(self, batch: int = 5000, *, since: int | None = None) -> Iterator[PhotoBrief]:
        """Every row's PhotoBrief in id order, a batch at a time (read only); `since`: only
        the rows changed after that change number (see change_seq)."""
        last = ""
        changed = "" if since is None else " AND changed > ?"
        while True:
            with self._lock:
                rows = self._db.execute(
                    "SELECT id, status, error, media, path, original, date_taken, "
                    f"deleted_on_flickr, changed FROM photos WHERE id > ?{changed} "
                    "ORDER BY id LIMIT ?",
                    (last, batch) if since is None else (last, since, batch),
                ).fetchall()
            if not rows:
                return
            for r in rows:
                yield PhotoBrief(
                    r[0], r[1], r[2], r[3], r[4], None if r[5] is None else bool(r[5]), r[6], r[7],
                    r[8],
                )  # fmt: skip
            last = rows[-1][0]

    def record_done(
        self,
        *,
        photo_id: str,
        last_update: int,
        original_key: str,
        media: str,
        path: str,
        links: Sequence[str],
        albums: Sequence[tuple[str, str]],
        size: int,
        sha256: str,
        served_url: str | None,
        served_bytes: int | None,
        served_sha256: str | None,
        original: bool | None,
        size_label: str | None,
        date_taken: str | None,
        deleted_on_flickr: str | None = None,
        metadata_stale: bool = False,
        embed_version: int = 1,
        metadata_level: str = "basic",
    ) -> None:
        with self._tx() as db:
            db.execute(
                """INSERT INTO photos(id, status, error, attempts, last_update, original_key,
                       media, path, links, albums, bytes, sha256, served_url, served_bytes,
                       served_sha256, original, size_label, date_taken, deleted_on_flickr,
                       updated_at, metadata_stale, embed_version, metadata_level, changed)
                   VALUES(?, 'done', NULL, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
                          ?, ?)
                   ON CONFLICT(id) DO UPDATE SET status='done', error=NULL, attempts=0,
                       last_update=excluded.last_update, original_key=excluded.original_key,
                       media=excluded.media, path=excluded.path, links=excluded.links,
                       albums=excluded.albums, bytes=excluded.bytes, sha256=excluded.sha256,
                       served_url=excluded.served_url, served_bytes=excluded.served_bytes,
                       served_sha256=excluded.served_sha256, original=excluded.original,
                       size_label=excluded.size_label, date_taken=excluded.date_taken,
                       deleted_on_flickr=excluded.deleted_on_flickr,
                       updated_at=excluded.updated_at, metadata_stale=excluded.metadata_stale,
                       embed_version=excluded.embed_version,
                       metadata_level=excluded.metadata_level, changed=excluded.changed""",
                (
                    photo_id,
                    last_update,
                    original_key,
                    media,
                    path,
                    json.dumps(list(links)),
                    json.dumps([list(a) for a in albums]),
                    size,
                    sha256,
                    served_url,
                    served_bytes,
                    served_sha256,
                    None if original is None else int(original),
                    size_label,
                    date_taken,
                    deleted_on_flickr,
                    int(time.time()),
                    int(metadata_stale),
                    embed_version,
                    metadata_level,
                    self._next_change(db),
                ),
            )

    def awaiting_deep(self, after: str = "", limit: int = 500) -> list[StoredPhoto]:
        """Archived photos (still on Flickr) whose sidecars lack deep metadata, in id order
        from `after`: the deep stage's work, in batches. Not those whose list-level metadata
        is owed too (the next run's "changed" job comes first)."""
        rows = self._query(
            """SELECT * FROM photos WHERE status = 'done' AND path IS NOT NULL
                 AND deleted_on_flickr IS NULL AND metadata_level != 'deep'
                 AND metadata_stale = 0 AND id > ?
               ORDER BY id LIMIT ?""",
            (after, limit),
        )
        return [_photo_from_row(r) for r in rows]

    def record_deep(self, photo_id: str, *, re_embed: bool) -> None:
        """The sidecar now has deep metadata; `re_embed`: what files carry changed too, so
        the next run re-embeds it from the sidecar (a "refresh", no API call)."""
        with self._tx() as db:
            db.execute(
                "UPDATE photos SET metadata_level = 'deep', changed = ?, "
                "embed_version = CASE WHEN ? THEN 0 ELSE embed_version END WHERE id = ?",
                (self._next_change(db), int(re_embed), photo_id),
            )

    def mark_metadata_stale(self, photo_id: str) -> None:
        """Its sidecar must be rebuilt from Flickr: the next run makes a "changed" job."""
        with self._tx() as db:
            db.execute("UPDATE photos SET metadata_stale = 1 WHERE id = ?", (photo_id,))

    # --- places ------------------------------------------------------------------------

    def places(self) -> dict[str, dict[str, str]]:
        return {
            r["place_id"]: {str(k): str(v) for k, v in json.loads(r["names"]).items()}
            for r in self._query("SELECT place_id, names FROM places")
        }

    def record_place(self, place_id: str, names: Mapping[str, str]) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO places(place_id, names) VALUES(?, ?) "
                "ON CONFLICT(place_id) DO UPDATE SET names = excluded.names",
                (place_id, json.dumps(dict(names), ensure_ascii=False)),
            )

    def record_failed(self, photo_id: str, error: str, *, media: str = "photo") -> None:
        """A failed item keeps whatever good copy it had; the next run tries it again."""
        with self._tx() as db:
            db.execute(
                """INSERT INTO photos(id, status, error, attempts, media, updated_at, changed)
                   VALUES(?, 'failed', ?, 1, ?, ?, ?)
                   ON CONFLICT(id) DO UPDATE SET
                       status = CASE WHEN photos.path IS NULL THEN 'failed' ELSE photos.status END,
                       error = excluded.error, attempts = photos.attempts + 1,
                       updated_at = excluded.updated_at, changed = excluded.changed""",
                (photo_id, error, media, int(time.time()), self._next_change(db)),
            )

    def mark_deleted(self, photo_ids: Sequence[str], date: str) -> None:
        with self._tx() as db:
            change = self._next_change(db)
            db.executemany(
                "UPDATE photos SET deleted_on_flickr = ?, changed = ? "
                "WHERE id = ? AND deleted_on_flickr IS NULL",
                [(date, change, pid) for pid in photo_ids],
            )

    def forget(self, photo_ids: Sequence[str]) -> None:
        """Drop rows that never held a file (failed items since deleted on Flickr)."""
        with self._tx() as db:
            db.executemany(
                "DELETE FROM photos WHERE id = ? AND path IS NULL", [(pid,) for pid in photo_ids]
            )
            db.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES('forgotten_seq', ?)",
                (str(self._next_change(db)),),
            )

    def mark_for_repair(self, photo_ids: Sequence[str]) -> None:
        """Broken on disk: the next backup run fetches these again (not those deleted on
        Flickr: nothing can be fetched for them, and verify keeps reporting them)."""
        with self._tx() as db:
            change = self._next_change(db)
            db.executemany(
                "UPDATE photos SET status = 'failed', error = 'needs repair', changed = ? "
                "WHERE id = ? AND deleted_on_flickr IS NULL",
                [(change, pid) for pid in photo_ids],
            )
            # A broken favourite is forgotten: the next run with --favorites fetches it again
            # while it is still faved (its files stay until then).
            db.executemany(
                "DELETE FROM favorites WHERE id = ? AND removed_on IS NULL",
                [(pid,) for pid in photo_ids],
            )

    def counts(self) -> dict[str, int]:
        rows = self._query(
            """SELECT
                 SUM(status = 'done' AND deleted_on_flickr IS NULL) AS done,
                 SUM(status = 'failed') AS failed,
                 SUM(deleted_on_flickr IS NOT NULL) AS deleted,
                 SUM(status = 'done' AND original = 0) AS not_original,
                 SUM(status = 'done' AND media = 'video') AS videos,
                 SUM(status = 'done' AND path IS NOT NULL AND deleted_on_flickr IS NULL
                     AND metadata_level != 'deep') AS awaiting_deep,
                 COALESCE(SUM(bytes), 0) AS bytes
               FROM photos"""
        )
        return {k: int(rows[0][k] or 0) for k in rows[0].keys()}  # noqa: SIM118

    # --- albums ------------------------------------------------------------------------

    def albums(self) -> dict[str, StoredAlbum]:
        return {
            r["id"]: StoredAlbum(
                id=r["id"],
                title=r["title"],
                folder=r["folder"],
                date_update=r["date_update"],
                position=r["position"],
                photo_ids=tuple(json.loads(r["photo_ids"])),
                needs_listing=bool(r["needs_listing"]),
                comments=tuple(c for c in json.loads(r["comments"]) if isinstance(c, dict)),
            )
            for r in self._query("SELECT * FROM albums ORDER BY position")
        }

    def replace_albums(self, albums: Sequence[StoredAlbum]) -> None:
        """The album list as of this run's listing (an album gone from Flickr is dropped)."""
        with self._tx() as db:
            db.execute("DELETE FROM albums")
            db.executemany(
                "INSERT INTO albums(id, title, folder, date_update, position, photo_ids, "
                "needs_listing, comments) VALUES(?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        a.id,
                        a.title,
                        a.folder,
                        a.date_update,
                        a.position,
                        json.dumps(a.photo_ids),
                        int(a.needs_listing),
                        json.dumps(list(a.comments)),
                    )
                    for a in albums
                ],
            )

    # --- favourites --------------------------------------------------------------------

    def favorites(self) -> dict[str, StoredFave]:
        return {
            r["id"]: StoredFave(
                id=r["id"],
                path=r["path"],
                bytes=r["bytes"],
                sha256=r["sha256"],
                original=bool(r["original"]),
                served_url=r["served_url"],
                removed_on=r["removed_on"],
            )
            for r in self._query("SELECT * FROM favorites ORDER BY id")
        }

    def record_favorite(self, fave: StoredFave) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO favorites(id, path, bytes, sha256, original, served_url, "
                "removed_on) VALUES(?, ?, ?, ?, ?, ?, ?)",
                (fave.id, fave.path, fave.bytes, fave.sha256, int(fave.original),
                 fave.served_url, fave.removed_on),
            )  # fmt: skip

    # --- thumbnails ----------------------------------------------------------------------

    def thumbnails(self, photo_ids: Sequence[str]) -> dict[tuple[str, str], StoredThumb]:
        """(id, size) -> the row, for a page of listed ids."""
        found: dict[tuple[str, str], StoredThumb] = {}
        for start in range(0, len(photo_ids), 500):  # SQLite's bound on ? per statement
            chunk = list(photo_ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            for r in self._query(f"SELECT * FROM thumbnails WHERE id IN ({marks})", chunk):
                found[(r["id"], r["size"])] = StoredThumb(r["id"], r["size"], r["url"], r["bytes"])
        return found

    def fetched_thumbnails(self) -> Iterator[StoredThumb]:
        """Every thumbnail whose file was fetched (a change-driven sync checks them on disk)."""
        after = ("", "")
        while rows := self._query(
            """SELECT * FROM thumbnails WHERE bytes IS NOT NULL AND (id, size) > (?, ?)
               ORDER BY id, size LIMIT 5000""",
            after,
        ):
            for r in rows:
                yield StoredThumb(r["id"], r["size"], r["url"], r["bytes"])
            after = (rows[-1]["id"], rows[-1]["size"])

    def want_thumbnails(self, wanted: Sequence[tuple[str, str, str]]) -> None:
        """(id, size, url) to fetch: a new URL, or a file missing or torn on disk."""
        with self._tx() as db:
            db.executemany(
                "INSERT INTO thumbnails(id, size, url, bytes) VALUES(?, ?, ?, NULL) "
                "ON CONFLICT(id, size) DO UPDATE SET url = excluded.url, bytes = NULL",
                wanted,
            )

    def keep_thumbnails(self, rows: Sequence[StoredThumb]) -> None:
        """Thumbnails already on disk, recorded as they are (a rebuilt state finds them with
        no URL: the next listing's is taken for them, nothing is fetched)."""
        with self._tx() as db:
            db.executemany(
                "INSERT OR REPLACE INTO thumbnails(id, size, url, bytes) VALUES(?, ?, ?, ?)",
                [(r.id, r.size, r.url, r.bytes) for r in rows],
            )

    def wanted_thumbnails(
        self, after: tuple[str, str] = ("", ""), limit: int = 500
    ) -> list[StoredThumb]:
        """Thumbnails still to fetch, in (id, size) order from `after`, a batch at a time."""
        rows = self._query(
            """SELECT * FROM thumbnails WHERE bytes IS NULL AND (id, size) > (?, ?)
               ORDER BY id, size LIMIT ?""",
            (*after, limit),
        )
        return [StoredThumb(r["id"], r["size"], r["url"], None) for r in rows]

    def record_thumbnail(self, photo_id: str, size: str, url: str, size_bytes: int) -> None:
        """The file from `url` is in place (unless the listing has offered another since)."""
        with self._tx() as db:
            db.execute(
                "UPDATE thumbnails SET bytes = ? WHERE id = ? AND size = ? AND url = ?",
                (size_bytes, photo_id, size, url),
            )
            db.execute(  # the site's pages show it
                "UPDATE photos SET changed = ? WHERE id = ?", (self._next_change(db), photo_id)
            )

    # --- runs --------------------------------------------------------------------------

    def start_run(self) -> int:
        with self._tx() as db:
            cur = db.execute("INSERT INTO runs(started) VALUES(?)", (time.time(),))
            return int(cur.lastrowid or 0)

    def finish_run(self, run_id: int, result: str, summary: Mapping[str, Any]) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE runs SET finished = ?, result = ?, summary = ? WHERE id = ?",
                (time.time(), result, json.dumps(summary), run_id),
            )

    def recent_runs(self, limit: int = 2) -> list[dict[str, Any]]:
        """The newest runs first, finished or not: a run with no `finished` is going on or
        was killed (`status` tells which from the lock)."""
        rows = self._query("SELECT * FROM runs ORDER BY id DESC LIMIT ?", (limit,))
        return [
            {
                "started": row["started"],
                "finished": row["finished"],
                "result": row["result"],
                "summary": json.loads(row["summary"] or "{}"),
            }
            for row in rows
        ]

    def last_run(self) -> dict[str, Any] | None:
        rows = self._query("SELECT * FROM runs WHERE finished IS NOT NULL ORDER BY id DESC LIMIT 1")
        if not rows:
            return None
        row = rows[0]
        return {
            "started": row["started"],
            "finished": row["finished"],
            "result": row["result"],
            "summary": json.loads(row["summary"] or "{}"),
        }
