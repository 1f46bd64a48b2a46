"""Atomic file operations: nothing appears under a final name until it is whole.

Durability choice: new files are not fsynced one by one (on this class of disk that halves
the throughput). A crash or kill -9 loses nothing — the page cache survives the process and
renames are atomic. After a power cut the next run re-fetches any file whose size is not the
recorded one, and `verify` checks every byte. What replaces an existing archived file (a
sidecar rewrite, a re-embedded JPEG) is flushed first: the old copy may be irreplaceable.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import filecmp
import hashlib
import itertools
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from flickr_async import confine, layout
from flickr_async.choices import LinkMode
from flickr_async.errors import StorageError
from flickr_async.models import Photo

log = logging.getLogger(__name__)

COPY_BLOCK = 1 << 20
DISK_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS}
T = TypeVar("T")


def raise_if_disk_problem(exc: OSError, what: Path) -> None:
    """A full or read-only disk stops the run with one clear line; other errors are per item."""
    if exc.errno in DISK_ERRNOS:
        raise StorageError(f"cannot write {what}: {exc.strerror}") from exc


class Scratch:
    """A folder on the same filesystem as OUT for files being built (so renames are atomic)."""

    def __init__(self, root: Path, *, out: Path | None = None) -> None:
        """`out`: the archive the folder is in, checked all the way down (confine.folder).
        A scratch folder that is a symbolic link is refused either way: `clear` would
        delete every file in its target."""
        self.root = root
        if out is not None:
            confine.folder(out, root)
        elif root.is_symlink():
            raise StorageError(f"{root} is a symbolic link; refusing to use it")
        root.mkdir(parents=True, exist_ok=True)
        self._prefix = uuid.uuid4().hex[:8]
        self._counter = itertools.count()

    def path(self, hint: str) -> Path:
        # Unique without a call to the system's random source per file: this Scratch's own
        # random prefix (another Scratch on the same folder has another) and a counter.
        return self.root / f"{self._prefix}{next(self._counter):x}-{hint}"

    def clear(self) -> None:
        if self.root.is_symlink():  # made one since: its target's files are not ours
            raise StorageError(f"{self.root} is a symbolic link; refusing to clear it")
        for leftover in self.root.iterdir():
            with contextlib.suppress(OSError):
                leftover.unlink()


def write_atomic(dest: Path, data: bytes, scratch: Scratch) -> None:
    """Replace dest with data by rename. When dest already exists the new bytes are flushed
    first: the old version may be all there is (a photo deleted on Flickr), and some
    filesystems can leave an empty file after a power cut if a rename beats the data."""
    tmp = scratch.path(dest.name)
    try:
        with tmp.open("wb") as fh:
            fh.write(data)
            if dest.exists():
                fh.flush()
                os.fsync(fh.fileno())
        replace_into(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def replace_into(src: Path, dest: Path) -> None:
    """os.replace(src, dest), dest's folder made when it is missing: tried once the rename
    failed, so the usual case (the folder is there) costs no mkdir."""
    try:
        os.replace(src, dest)
    except (FileNotFoundError, NotADirectoryError):
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src, dest)


def read_json(path: Path) -> dict[str, Any] | None:
    """A JSON object from a file; None when it is missing, unreadable or not an object."""
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write_if_changed(dest: Path, data: bytes, scratch: Scratch) -> bool:
    """write_atomic unless dest already holds exactly these bytes; True when written.

    A symlink is always replaced by the file: the bytes it shows are its target's (an album
    copy's sidecar that became the primary's must not stay a link to the old primary's)."""
    try:
        if not dest.is_symlink() and dest.stat().st_size == len(data) and dest.read_bytes() == data:
            return False
    except OSError:
        pass  # missing or unreadable: write it
    write_atomic(dest, data, scratch)
    return True


def fsync_path(path: Path) -> None:
    """Flush a file we own to the disk. Windows flushes only handles open for writing, and
    some filesystems (FUSE, network shares) cannot flush at all: that is not an error."""
    fd = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS):
            raise
    finally:
        os.close(fd)


def place_link(src: Path, dest: Path, scratch: Scratch, mode: LinkMode = "hardlink") -> None:
    """Make `dest` an album copy of `src`: a hard link (where links are impossible, a copy),
    a relative symlink, or a copy, as `mode` says. Nothing is rewritten that already is."""
    if _is_placed(src, dest, mode):
        return
    tmp = scratch.path(dest.name)
    try:
        if mode == "copy":
            shutil.copy2(src, tmp)
        else:
            # Filesystems without links (exFAT, FAT, some network shares), hard links across
            # disks (EXDEV), Windows without the right to make symlinks: a copy instead.
            try:
                if mode == "symlink":
                    os.symlink(os.path.relpath(src, dest.parent), tmp)
                else:
                    os.link(src, tmp)
            except OSError as exc:
                if exc.errno in DISK_ERRNOS:
                    raise
                shutil.copy2(src, tmp)
        replace_into(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _is_placed(src: Path, dest: Path, mode: LinkMode) -> bool:
    try:
        if mode == "symlink":
            return dest.is_symlink() and os.readlink(dest) == os.path.relpath(src, dest.parent)
        if dest.is_symlink():
            return False
        if mode == "copy":
            return not os.path.samefile(src, dest) and filecmp.cmp(src, dest, shallow=False)
        return os.path.samefile(src, dest)
    except OSError:
        return False


def same_entry(a: Path, b: Path) -> bool:
    """Do two paths name one directory entry? On a case-insensitive disk (macOS, exFAT)
    `trip/1.jpg` and `Trip/1.jpg` do: removing one would remove the other."""
    try:
        return os.path.samefile(a.parent, b.parent) and _fold(a.name) == _fold(b.name)
    except OSError:
        return False


def _fold(name: str) -> str:
    return layout.fold_name(name)  # ı, İ, I and i are one name on some disks


def move_into_place(src: Path, dest: Path) -> None:
    """Rename src to dest, even when dest is already a hard link to the same file.

    rename(2) does nothing when both names are links to one inode, so drop src then — but
    only when it really is another entry, not dest itself spelled in another case.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    # A symlinked album copy is "the same file" too, but dropping src would leave it dangling.
    if not same_entry(src, dest) and not dest.is_symlink():
        with contextlib.suppress(FileNotFoundError):
            if os.path.samefile(src, dest):
                src.unlink()
                return
    os.replace(src, dest)


def remove_quietly(path: Path, *, stop_at: Path) -> None:
    """Unlink a file we own and prune the folders it leaves empty (never `stop_at` itself)."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    prune_empty(path.parent, stop_at=stop_at)


def prune_empty(folder: Path, *, stop_at: Path) -> None:
    """Remove `folder` and its parents while they are empty (never `stop_at` itself)."""
    while folder != stop_at and stop_at in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def set_mtime(path: Path, photo: Photo) -> None:
    """mtime = date taken (owner's local time, read as this machine's local time)."""
    stamp: float = float(photo.date_posted or time.time())
    if photo.date_taken and not photo.date_taken_unknown:
        with contextlib.suppress(ValueError, OverflowError):
            stamp = time.mktime(time.strptime(photo.date_taken, "%Y-%m-%d %H:%M:%S"))
    os.utime(path, (stamp, stamp))


def sha256_file(path: Path) -> tuple[int, str]:
    hasher = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while block := fh.read(COPY_BLOCK):
            hasher.update(block)
            size += len(block)
    return size, hasher.hexdigest()


def size_of(path: Path) -> int | None:
    """The file's size, or None when it is missing. A size other than the recorded one (a
    file torn by a power cut, truncated by hand) means the archive does not hold it."""
    try:
        return path.stat().st_size
    except OSError:
        return None


async def finish_in_thread(fn: Callable[..., T], *args: Any) -> T:
    """Run blocking disk work in a thread and see it through even when the run is cancelled:
    a finalise step abandoned half-way (file renamed, state not yet written) would leave
    work for the next run that it cannot tell from a replaced original. The run lock is
    released only after this returns."""
    task = asyncio.ensure_future(asyncio.to_thread(fn, *args))
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            await task
        raise
