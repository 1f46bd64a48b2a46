"""A reshape's checks before its first move: nothing foreign in the way, room for the copies.

Both stop `reshape` with one line while nothing has moved yet: a file that is not the
archive's at a path a photo goes to (found otherwise only when that photo's turn comes, after
every other photo has moved), and, for `--links copy`, too little free space on OUT's
filesystem for the copies it makes (a disk that fills half-way leaves a reshape to finish or
undo, see reshape.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath

from flickr_async import layout
from flickr_async.archive import WITH_SIDECARS, beside
from flickr_async.errors import ConfigError, StorageError
from flickr_async.plural import human_bytes
from flickr_async.state import ReshapeMove, StoredPhoto

# Room kept free beyond the copies' own bytes: the state's journal, the site's refresh,
# filesystem metadata, whatever else writes to the disk meanwhile.
MARGIN_BYTES = 16 << 20
MARGIN_SHARE = 1 / 32


def check_nothing_in_the_way(
    out: Path, moves: Sequence[ReshapeMove], photos: Iterable[StoredPhoto]
) -> None:
    """ConfigError naming the first file that is not the archive's where a move puts one
    (or a file where a folder must be); the count of the others."""
    owned = {
        _fold(f"{path}{suffix}")
        for row in photos
        if row.path
        for path in (row.path, *row.links)
        for suffix in WITH_SIDECARS
    }
    blocked: list[tuple[str, str]] = []  # (path under OUT, photo id)
    folders: dict[Path, bool] = {}  # folder -> in the way (a file, not a folder)
    for move in moves:
        old = out / move.old_path
        for target in (move.new_path, *move.new_links):
            for suffix in WITH_SIDECARS:
                if suffix and not _exists(beside(old, suffix)):
                    continue  # a sidecar this photo does not have goes nowhere
                rel = f"{target}{suffix}"
                path = out / rel
                if _exists(path) and _fold(rel) not in owned:
                    blocked.append((rel, move.id))
            blocker = _file_for_a_folder(out, out / target, folders)
            if blocker is not None:
                blocked.append((blocker, move.id))
    if blocked:
        rel, photo_id = blocked[0]
        others = len(dict.fromkeys(rel for rel, _ in blocked)) - 1
        more = f" (and {others} more)" if others else ""
        raise ConfigError(
            f"{out / rel} is in the way of photo {photo_id}{more}: it is not part of the "
            "archive; move it elsewhere and run reshape again (nothing was moved)"
        )


def check_free_space(
    out: Path,
    staging: Path,
    moves: Sequence[ReshapeMove],
    staged: Sequence[ReshapeMove] = (),
    *,
    copies_from: str,
    copies_to: str,
    hint: str = "free some space or keep the links as they are (nothing was moved)",
) -> None:
    """StorageError when OUT's filesystem lacks the bytes a reshape to `--links copy` needs
    for the album copies it makes, with a margin. `moves` are still to be staged (their old
    copies, when real copies, are removed before any new copy is made); `staged` have been."""
    if copies_to != "copy":
        return  # hard links and symlinks take no room for the bytes
    need = 0
    for moves_, frees in ((moves, copies_from == "copy"), (staged, False)):
        for move in moves_:
            size = _photo_bytes(out, staging, move)
            need += size * (len(move.new_links) - (len(move.old_links) if frees else 0))
    if need <= 0:
        return
    wanted = need + max(MARGIN_BYTES, int(need * MARGIN_SHARE))
    free = free_bytes(out)
    if free < wanted:
        raise StorageError(
            f"not enough free space on {out}'s disk for --links copy: the album copies need "
            f"{human_bytes(need)} and {human_bytes(free)} is free (kept free besides: "
            f"{human_bytes(wanted - need)}); {hint}"
        )


def free_bytes(path: Path) -> int:
    """Bytes an unprivileged process may still write on the filesystem holding `path`."""
    stats = os.statvfs(path)
    return stats.f_bavail * stats.f_frsize


def _photo_bytes(out: Path, staging: Path, move: ReshapeMove) -> int:
    """What one copy of a photo takes on disk: its file and sidecars, wherever they are now."""
    staged = staging / f"{move.id}{PurePosixPath(move.old_path).suffix}"
    total = 0
    for suffix in WITH_SIDECARS:
        for where in (out / move.old_path, staged, out / move.new_path):
            try:
                stat = beside(where, suffix).stat()
            except OSError:
                continue
            total += max(stat.st_size, getattr(stat, "st_blocks", 0) * 512)
            break
    return total


def _file_for_a_folder(out: Path, path: Path, seen: dict[Path, bool]) -> str | None:
    """A folder `path` needs that is a file (a photo's folder named like a stray file)."""
    for folder in reversed(path.parents):
        if folder == out or out not in folder.parents:
            continue
        if folder not in seen:
            seen[folder] = _exists(folder) and not folder.is_dir()
        if seen[folder]:
            return str(folder.relative_to(out))
    return None


def _exists(path: Path) -> bool:
    return path.exists() or path.is_symlink()


def _fold(rel: str) -> str:
    """A case-insensitive disk (macOS, exFAT) shows our `Trip/1.jpg` at `trip/1.jpg` too."""
    return layout.fold_name(rel)  # as the writer compares names (ı and I are one on NTFS)
