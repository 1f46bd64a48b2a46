"""The tool's own folder and files are the owner's alone: .flickr-async/ 0700, its files 0600.

They hold what the archive's other readers must not get: the state database keeps every
photo's download URL (a private original's names its secret), the logs name photos and
errors, the run report too. A folder the archive is shared from, or a multi-user machine,
then shows the photos and the site, not these. On a filesystem without modes (FAT, SMB)
nothing changes and nothing fails.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

OWNER_DIR = 0o700
OWNER_FILE = 0o600


def _fchmod(fd: int) -> None:
    """0600 for a regular file (`--report /dev/stdout` leaves the terminal's mode alone)."""
    if hasattr(os, "fchmod"):  # not on Windows before Python 3.13; modes mean little there
        with contextlib.suppress(OSError):
            if stat.S_ISREG(os.fstat(fd).st_mode):
                os.fchmod(fd, OWNER_FILE)


def owner_only_dir(path: Path) -> None:
    """`mkdir -p path` (errors raised as mkdir raises them), then mode 0700: a folder made
    by an earlier version (0755) is closed too. A symlink is left alone (never followed)."""
    path.mkdir(parents=True, exist_ok=True)
    if not path.is_symlink():
        with contextlib.suppress(OSError):
            os.chmod(path, OWNER_DIR)


def owner_only_file(path: Path, *, create: bool = False) -> None:
    """Mode 0600 for `path` (created empty first with `create`, never truncated)."""
    flags = os.O_RDONLY | (os.O_CREAT if create else 0) | getattr(os, "O_NOFOLLOW", 0)
    with contextlib.suppress(OSError):
        fd = os.open(path, flags, OWNER_FILE)
        _fchmod(fd)
        os.close(fd)


def write_owner_only(path: Path, data: bytes) -> None:
    """`path` holds `data`, mode 0600 (an existing file's mode is narrowed too)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, OWNER_FILE)
    try:
        _fchmod(fd)
        with os.fdopen(fd, "wb", closefd=False) as fh:
            fh.write(data)
    finally:
        os.close(fd)
