"""Every path the tool writes or deletes stays inside OUT: the one check, used by every stage.

A path is accepted when, taken relative to OUT, it has no `..` and is not absolute, and no
folder between OUT and it is a symbolic link (an album folder or `.flickr-async/tmp`
replaced by a link would otherwise send writes, renames and deletions to its target). OUT
itself may be a link: the user chose it. The last component may be a link where the caller
only replaces or removes the entry (a rename or an unlink never follows it); a file opened
for writing is opened with O_NOFOLLOW instead (`open_new`).

The check costs an lstat per folder level of each path (the site checks each of its folders
once per build). It guards against links found in OUT, not against a process racing the
run to make one between the check and the write.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path, PurePosixPath

from flickr_async.errors import FlickrAsyncError, StorageError

NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_BINARY = getattr(os, "O_BINARY", 0)


class UnsafePath(FlickrAsyncError):
    """A path that would leave OUT, or pass through a symbolic link inside it."""


def relative(rel: str | PurePosixPath) -> PurePosixPath:
    """A path relative to OUT as the archive records it ("Album/1.jpg"): never absolute,
    never with "..", "." or an empty part, never with a backslash or a NUL."""
    text = str(rel)
    parts = text.split("/")
    if (
        not text
        or text.startswith("/")
        or "\\" in text
        or "\x00" in text
        or any(part in ("", ".", "..") for part in parts)
        or (len(parts[0]) >= 2 and parts[0][1] == ":")  # "C:" on Windows
    ):
        raise UnsafePath(f"{text!r} is not a path inside the archive")
    return PurePosixPath(text)


def is_relative(rel: str) -> bool:
    try:
        relative(rel)
    except UnsafePath:
        return False
    return True


def inside(out: Path, path: Path | str | PurePosixPath, *, final_link: bool = True) -> Path:
    """`path` (absolute under OUT, or relative to it) as an absolute path under OUT, once it
    is known to stay there: UnsafePath otherwise. `final_link=False` refuses a symbolic link
    as the last component too (for what would be opened and written through)."""
    if isinstance(path, Path) and path.is_absolute():
        try:
            rel = path.relative_to(out)
        except ValueError:
            raise UnsafePath(f"{path} is outside {out}") from None
        parts = rel.parts
        if not parts or any(p in ("..", ".", "") for p in parts):
            raise UnsafePath(f"{path} is not a path inside {out}")
    else:
        parts = relative(path if isinstance(path, str) else str(path)).parts
    current = out
    for number, part in enumerate(parts):
        current = current / part
        last = number == len(parts) - 1
        if last and final_link:
            break
        try:
            mode = os.lstat(current).st_mode
        except FileNotFoundError:
            break  # what is missing will be made as a real folder (or file)
        except OSError as exc:
            raise UnsafePath(f"{current}: {exc.strerror}") from exc
        if stat.S_ISLNK(mode):
            raise UnsafePath(f"{current} is a symbolic link; refusing to write through it")
    return out.joinpath(*parts)


def folder(out: Path, path: Path) -> Path:
    """`path`, a folder under OUT the tool owns (its tmp, parts, site folders), made if need
    be; refused (StorageError: the run stops) when it or a folder above it is a link."""
    try:
        inside(out, path, final_link=False)
    except UnsafePath as exc:
        raise StorageError(str(exc)) from exc
    path.mkdir(parents=True, exist_ok=True)
    try:
        inside(out, path, final_link=False)  # a link made in between
    except UnsafePath as exc:
        raise StorageError(str(exc)) from exc
    return path


def open_new(path: str | Path, mode: int = 0o666) -> int:
    """A file descriptor of `path` opened for writing (created or truncated), never through
    a symbolic link at its name (ELOOP: an UnsafePath)."""
    try:
        return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _BINARY | NOFOLLOW, mode)
    except OSError as exc:
        if NOFOLLOW and exc.errno == errno.ELOOP:  # the name is a link
            raise UnsafePath(f"{path} is a symbolic link; refusing to write through it") from exc
        raise
