"""The public copy's files beyond its pages: where it may go, its own cache (in the archive,
never in the copy: it remembers every photo), its images (Flickr's renditions without their
metadata; with --originals the public photos' JPEG originals, stripped too), and what is
swept from it.

Every image is written (never linked) through the build's PageWriter with the inputs it was made
from (the source file's signature), so a refresh copies only what changed and removes, with
the pages, the images of photos no longer shown.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from flickr_async import confine, edge
from flickr_async.archive import Archive
from flickr_async.errors import ConfigError
from flickr_async.layout import SITE_DIR, STATE_DIR
from flickr_async.site import paths
from flickr_async.site.imagesize import read_file
from flickr_async.site.model import THUMB_Q, THUMB_Z, Item
from flickr_async.site.output import PageWriter, digest
from flickr_async.site.prefetch import ordered
from flickr_async.site.public import strip_metadata

if TYPE_CHECKING:
    from flickr_async.state import State

log = logging.getLogger(__name__)

MARKER = f"{SITE_DIR}/PUBLIC.txt"  # says a folder is a public copy: a refresh may rewrite it
MARKER_TEXT = (
    "This folder is a public copy of a Flickr archive, made by `flickr-async site OUT --public "
    "DIR`: only the photos Flickr shows to everyone. Each build rewrites index.html and .site/ "
    "(files it did not make there are removed).\n"
)
NO_JEKYLL = ".nojekyll"  # GitHub Pages would leave out .site/ (a dot folder) without it
_SIZES = (("q", THUMB_Q), ("z", THUMB_Z))
COPIES_KEY = "public_copies"  # state meta: the public copies a backup refreshes (JSON)
# What a folder may hold besides a public copy (apart from README* and LICENSE*): a git
# repository's and GitHub Pages' own files.
ALLOWED_EXTRAS = frozenset({".git", ".gitignore", "CNAME", NO_JEKYLL})
ORIGINAL_EXTS = frozenset({"jpg", "jpeg"})  # what strip_metadata can make safe


def cache_path(out: Path, dest: Path) -> Path:
    """The public copy's cache: in the archive's own folder (it holds every photo's summary,
    private ones too), one per copy (a copy's cache knows which files are in it)."""
    name = hashlib.sha1(os.fspath(dest.resolve()).encode("utf-8")).hexdigest()[:16]
    return Archive(out).public_sites_dir / f"{name}.sqlite3"


def mark(dest: Path) -> None:
    """Say that `dest` is a public copy (check_target then lets a build rewrite it)."""
    marker = dest / MARKER
    if marker.is_symlink() or not marker.is_file():
        with contextlib.suppress(FileNotFoundError):
            marker.unlink()  # a link or other odd entry: replaced by the file
        fd = confine.open_new(marker)
        try:
            os.write(fd, MARKER_TEXT.encode())
        finally:
            os.close(fd)


def remembered(state: State) -> dict[str, bool]:
    """The public copies the archive refreshes after each backup: folder -> with originals.
    (Kept in the state's meta as JSON; anything unreadable there counts as none.)"""
    try:
        saved = json.loads(state.get_meta(COPIES_KEY) or "{}")
    except ValueError:
        return {}
    if not isinstance(saved, dict):
        return {}
    return {k: v for k, v in saved.items() if isinstance(k, str) and isinstance(v, bool)}


def remember(state: State, folder: Path, originals: bool | None) -> None:
    """Record (originals a bool) or forget (None) the public copy in `folder`."""
    copies = remembered(state)
    key = os.fspath(folder)
    if originals is None:
        copies.pop(key, None)
    else:
        copies[key] = originals
    state.set_meta({COPIES_KEY: json.dumps(copies, sort_keys=True)})


def _within(inner: Path, outer: Path) -> bool:
    return inner == outer or outer in inner.parents


def _allowed_extra(name: str) -> bool:
    """What a folder may hold before its first public copy: a git repository and a web
    host's or a project's own files (ALLOWED_EXTRAS)."""
    return name in ALLOWED_EXTRAS or name.upper().startswith(("README", "LICENSE"))


def check_target(out: Path, dest: Path) -> None:
    """ConfigError (exit 2, one line) unless `dest` may hold a public copy of `out`: apart from
    the archive (neither inside the other), never an archive itself (a .flickr-async/ folder
    at its top), and empty, new, a public copy already (MARKER), or holding only a git
    repository and a web host's files (ALLOWED_EXTRAS): a build removes what it did not make
    from .site/, and what is in DIR gets published."""
    archive, folder = out.resolve(), dest.resolve()
    if _within(folder, archive):
        raise ConfigError(
            f"--public {dest}: the public copy cannot go inside the archive {out}; "
            "choose a folder outside it"
        )
    if _within(archive, folder):
        raise ConfigError(
            f"--public {dest}: the archive {out} is inside it; choose a folder of its own"
        )
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"--public {dest}: not a folder")
    if not folder.exists():
        return
    if os.path.lexists(folder / STATE_DIR):
        raise ConfigError(
            f"--public {dest}: it holds {STATE_DIR}/ (an archive's state); choose an empty "
            "folder for the public copy"
        )
    if (folder / MARKER).is_file() and not (folder / MARKER).is_symlink():
        return  # a public copy already: a build rewrites it
    try:
        names = sorted(os.listdir(folder))
    except OSError as exc:
        raise ConfigError(f"--public {dest}: cannot list it: {exc.strerror or exc}") from exc
    others = [name for name in names if not _allowed_extra(name)]
    if others:
        shown = ", ".join(others[:3]) + (", ..." if len(others) > 3 else "")
        raise ConfigError(
            f"--public {dest}: not empty and not a public copy ({shown}); everything in it "
            "would be published: choose an empty or new folder"
        )


class PublicFiles:
    """The images of the public copy, written through the build's PageWriter."""

    cache_path = staticmethod(cache_path)

    def __init__(self, out: Path, writer: PageWriter, originals: bool) -> None:
        self.out = out
        self.root = os.fspath(out)
        self.writer = writer
        self.originals = originals
        self._placed: dict[str, str] = {}  # photo id -> its original's copy (relative)

    def original(self, photo_id: str) -> str | None:
        """The copy of a shown photo's original in the public copy (with --originals)."""
        return self._placed.get(photo_id)

    def images(self, items: list[Item], record_photo_pages: Callable[[], None]) -> None:
        """Copy the shown photos' small renditions (and originals) into the public copy; an
        item's THUMB_ bits then say what the copy holds."""
        self.writer.write(MARKER, MARKER_TEXT)
        todo: list[tuple[Item, int, str, str]] = []  # (item, bit, source, path in the copy)
        for item in items:
            for size, bit in _SIZES:
                path = paths.thumb(item.id, size)
                # A photo whose row did not change since the last build has the same
                # thumbnails (the state's row moves when one is fetched): kept unlooked at.
                if item.thumbs & bit and (item.dirty or not self.writer.keep(path)):
                    todo.append((item, bit, path, path))
        for (item, bit, source, path), inputs in ordered(self._signature, todo):
            if inputs is None:
                item.thumbs &= ~bit
            elif not self.writer.is_current(path, inputs):
                try:
                    data = strip_metadata(read_file(f"{self.root}/{source}"))
                except OSError as exc:  # that one image is left out, not the whole copy
                    log.warning("public copy: %s left out: %s", source, exc.strerror or exc)
                    data = None
                if data is None:  # not a JPEG: no copy that could carry metadata
                    item.thumbs &= ~bit
                    continue
                self.writer.write(path, data, inputs)
            record_photo_pages()
        if self.originals:
            for item in items:
                self._original(item)

    def _signature(self, job: tuple[Item, int, str, str]) -> bytes | None:
        """The inputs a copied file is made from: its source's (path, size, mtime, inode)."""
        source = job[2]
        try:
            st = os.stat(f"{self.root}/{source}")
        except OSError:
            return None
        return digest(f"{source}\x1f{st.st_size}\x1f{st.st_mtime_ns}\x1f{st.st_ino}".encode())

    def _original(self, item: Item) -> None:
        """With --originals: the shown photo's original when it is a JPEG, as a copy without
        its metadata (no EXIF, GPS, XMP, thumbnail or trailer: a camera records where, at
        full precision, whatever Flickr shows; see strip_metadata). Never a link (the copy
        would share the archive's file); a video, PNG, HEIC... (metadata this cannot strip)
        has no original in the copy; nor has an original that cannot be read."""
        if not (item.present and item.status == "done" and paths.linkable_file(item.path)):
            return
        ext = item.path.rpartition(".")[2].lower()
        if ext not in ORIGINAL_EXTS or not edge.is_media_file(item.path):
            return
        path = f"{SITE_DIR}/originals/{paths.shard(item.id)}/{item.id}.{ext}"
        signature = self._signature((item, 0, item.path, path))
        if signature is None:
            return
        inputs = digest(b"stripped" + signature + str(item.sig).encode())
        if self.writer.is_current(path, inputs):
            self._placed[item.id] = path
            return
        try:
            data = strip_metadata(read_file(f"{self.root}/{item.path}"))
        except OSError as exc:
            log.warning("public copy: %s left out: %s", item.path, exc.strerror or exc)
            return
        if data is None:
            return
        dest = f"{os.fspath(self.writer.out)}/{path}"
        self.writer.make_folder(path)
        with contextlib.suppress(FileNotFoundError):
            if os.lstat(dest).st_nlink > 1:  # an earlier version's hard link to the
                os.unlink(dest)  # archive's file: never written through (its record was
                # digest(b"linked"), never a copy's: the copy is written, not kept)
        self.writer.write(path, data, inputs)
        self._placed[item.id] = path


def _remove(dest: Path, path: str) -> int:
    """Remove the copy's file at `path` (relative to DIR): 1 if it was there."""
    try:
        os.unlink(confine.inside(dest, path))
    except (OSError, confine.UnsafePath):
        return 0
    return 1


def withdraw(dest: Path, writer: PageWriter, hidden: Iterable[Item]) -> int:
    """First of a build of the public copy: remove the files an earlier build made of the
    photos it no longer shows (page, thumbnails, original), before anything can fail: a
    build cut short never leaves a photo made private since in DIR. Returns how many."""
    removed = 0
    for item in hidden:
        if not paths.is_safe_id(item.id):
            continue
        own = [paths.photo_page(item.id), *(paths.thumb(item.id, size) for size, _ in _SIZES)]
        ext = (item.path or "").rpartition(".")[2].lower()
        if ext.isalnum():
            own.append(f"{SITE_DIR}/originals/{paths.shard(item.id)}/{item.id}.{ext}")
        for path in own:
            if writer.inputs_of(path) is not None:  # made by an earlier build
                removed += _remove(dest, path)
    writer.removed += removed
    return removed


def retreat(dest: Path, writer: PageWriter) -> int:
    """A build of the public copy that fails: remove every file earlier builds made that
    this one did not make or find current (grid pages, search data... that may still name
    a photo made private since). The copy is left with what this build confirmed (and its
    MARKER: still ours); the next build makes the rest again. Returns how many it removed."""
    return sum(_remove(dest, path) for path in writer.unconfirmed() if path != MARKER)


def finish(dest: Path, made: Iterable[str]) -> int:
    """After a build of the public copy: .nojekyll, and every file in .site/ that the build
    did not make removed (left by an interrupted build, or put there by hand: the copy shows
    only what this build chose). Returns how many were removed."""
    nojekyll = dest / NO_JEKYLL
    if not os.path.lexists(nojekyll):
        os.close(confine.open_new(nojekyll))  # never through a link
    keep = set(made)
    removed = 0
    site = dest / SITE_DIR
    for folder, dirs, files in os.walk(site, topdown=False):
        rel = Path(folder).relative_to(dest).as_posix()
        for name in files:
            if f"{rel}/{name}" not in keep:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(os.path.join(folder, name))
                    removed += 1
        for name in dirs:
            sub = os.path.join(folder, name)
            with contextlib.suppress(OSError):
                if os.path.islink(sub):  # the build made no link: never followed, removed
                    os.unlink(sub)
                    removed += 1
                else:
                    os.rmdir(sub)  # only when empty
    return removed
