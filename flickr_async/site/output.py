"""PageWriter: the site's files written only when they change, removed when no longer made."""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from flickr_async import confine
from flickr_async.site.cache import SiteCache

DIGEST = 16  # bytes of a blake2b digest: of a file's bytes, of a page's inputs


def digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=DIGEST).digest()


def joined(entries: Iterable[str], at_a_time: int = 5000) -> Iterator[str]:
    """A script's array entries separated by ",\\n", joined and yielded a few thousand at a
    time: a big site's data file is never held as one string."""
    lines: list[str] = []
    separator = ""
    for entry in entries:
        lines.append(entry)
        if len(lines) >= at_a_time:
            yield separator + ",\n".join(lines)
            separator = ",\n"
            lines.clear()
    if lines:
        yield separator + ",\n".join(lines)


class PageWriter:
    """Writes a page only when it has to, and removes what earlier builds wrote that this
    one no longer makes.

    `page(path, inputs, render)` skips rendering when the cache says the file was made from
    the same inputs (a digest) and it is still there; `write(path, data)` compares the bytes'
    digest with the cache's instead. A file is written in place, not by rename: the site can
    always be made again, and its record reaches the cache only once its bytes are on disk,
    so a page torn by a kill is rewritten by the next build (its digest is not the one
    recorded).

    Creating a file costs a disk round trip (up to a millisecond on a busy disk: most of a
    100,000-page build), so a few threads write while the main thread renders; at most
    IN_FLIGHT pages wait for them.
    """

    IN_FLIGHT = 256
    THREADS = 4
    FLUSH = 5000  # records kept before they go to the cache

    def __init__(self, out: Path, cache: SiteCache) -> None:
        self.out = out
        self._root = os.fspath(out)
        self.cache = cache
        self._known = cache.pages()  # what is left in it at the end is no longer made
        self.pages = self.written = self.unchanged = self.removed = 0
        self._pending: list[tuple[str, bytes]] = []
        self._listings: dict[str, set[str]] = {}
        self._checked: set[str] = set()  # folders known to be real folders inside OUT
        self._claimed_current = 0
        self._pool = ThreadPoolExecutor(self.THREADS, thread_name_prefix="site-writer")
        self._writing: deque[tuple[Future[None], str, bytes]] = deque()

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

    def page(self, path: str, inputs: bytes, render: Callable[[], str]) -> None:
        """Write `render()` at `path` unless the page there was made from `inputs`."""
        if not self.is_current(path, inputs):
            self.write(path, render(), inputs)

    def page_chunks(
        self, path: str, inputs: bytes, render: Callable[[], Iterable[str | bytes]]
    ) -> None:
        """`page` for a file made of chunks (a big data file need not be one string)."""
        if not self.is_current(path, inputs):
            self.write_chunks(path, render(), inputs)

    def is_current(self, path: str, inputs: bytes) -> bool:
        """Was the page at `path` made from `inputs`, and is it still there? (Then it counts
        as written by this build.)"""
        known = self._known.get(path)
        return known is not None and known[DIGEST:] == inputs and self.keep(path)

    def inputs_of(self, path: str) -> bytes | None:
        """What the last build made the page at `path` from (None: no build made it)."""
        known = self._known.get(path)
        return None if known is None else known[DIGEST:]

    def unconfirmed(self) -> list[str]:
        """The files earlier builds made that this one has not (yet) made or kept."""
        return list(self._known)

    def keep(self, path: str) -> bool:
        """The page at `path` is known to be made from the same inputs as last time: keep it
        (False when no build made it or its file is gone: it must be made)."""
        if path in self._known and self._exists(path):
            del self._known[path]
            self.pages += 1
            self.unchanged += 1
            return True
        return False

    def write(self, path: str, text: str | bytes, inputs: bytes = b"") -> None:
        self.write_chunks(path, (text,), inputs)

    def write_chunks(self, path: str, chunks: Iterable[str | bytes], inputs: bytes = b"") -> None:
        data = b"".join(c.encode("utf-8") if isinstance(c, str) else c for c in chunks)
        record = digest(data) + inputs
        known = self._known.pop(path, None)
        self.pages += 1
        if known is not None and known[:DIGEST] == record[:DIGEST] and self._exists(path):
            self.unchanged += 1
            if known != record:
                self._record(path, record)
            return
        self.make_folder(path)
        dest = f"{self._root}/{path}"
        self._writing.append((self._pool.submit(put, dest, data), path, record))
        self.written += 1
        self._drain(self.IN_FLIGHT)

    def make_folder(self, path: str) -> None:
        """The folder `path` goes in, made if need be; refused (confine.UnsafePath) when it,
        or a folder above it, is a symbolic link: the site writes nothing through one."""
        folder = path.rpartition("/")[0]
        if folder not in self._checked:
            if folder:
                confine.inside(self.out, folder, final_link=False)
            self._checked.add(folder)
        if not self._listing(folder):  # a folder without files may not exist yet
            (self.out / folder).mkdir(parents=True, exist_ok=True)
            self._listings[folder] = {"?"}  # exists now; names written need not be known

    def claim(self, path: str, inputs: bytes) -> tuple[bool, bytes | None]:
        """`path` is made by this build elsewhere (worker processes): (was it made from
        `inputs`, the digest of the bytes its file holds when it is there). Safe from another
        thread while this one writes other folders; `made` then records the page."""
        known = self._known.pop(path, None)
        self.make_folder(path)
        if known is None or not self._exists(path):
            return False, None
        if known[DIGEST:] == inputs:
            self._claimed_current += 1  # only the claiming thread counts here
            return True, known[:DIGEST]
        return False, known[:DIGEST]

    def made(self, path: str, record: bytes, written: bool) -> None:
        """A claimed page is on disk (`written`: its file was written) with this record."""
        self.pages += 1
        if written:
            self.written += 1
        else:
            self.unchanged += 1
        self._record(path, record)

    def settle_claims(self) -> None:
        """Count the claimed pages found current (once the claiming thread has ended)."""
        self.pages += self._claimed_current
        self.unchanged += self._claimed_current
        self._claimed_current = 0

    def _drain(self, keep: int) -> None:
        while len(self._writing) > keep:
            future, path, record = self._writing.popleft()
            future.result()
            self._record(path, record)

    def _record(self, path: str, record: bytes) -> None:
        self._pending.append((path, record))
        if len(self._pending) >= self.FLUSH:
            self.flush()

    def flush(self) -> None:
        self._drain(0)
        self.cache.put_pages(self._pending)
        self._pending.clear()

    def prune(self) -> None:
        """Remove the pages earlier builds wrote that this one did not."""
        self.flush()
        gone = list(self._known)
        for path in gone:
            try:  # the cache's rows are checked when read; this is the last word
                dest = confine.inside(self.out, path)
            except confine.UnsafePath:
                continue
            with contextlib.suppress(FileNotFoundError):
                dest.unlink()
                self.removed += 1
            with contextlib.suppress(OSError):
                dest.parent.rmdir()  # only when empty
        self.cache.drop_pages(gone)
        self._known.clear()


def put(dest: str, data: bytes) -> None:
    """Write a site file in place. Never through a symbolic link at its name (O_NOFOLLOW):
    the site owns its files, so a link found there is removed and a file made instead."""
    try:
        fd = confine.open_new(dest)
    except confine.UnsafePath:
        os.unlink(dest)  # the link itself, not what it points to
        fd = confine.open_new(dest)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)
