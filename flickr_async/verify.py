"""verify_archive(): does every file, sidecar and album link that state records still hold?"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from flickr_async import sidecar
from flickr_async.fsutil import sha256_file
from flickr_async.state import State, StoredPhoto

SIDECAR_SUFFIXES = (".json", ".xmp")  # .xmp only where the primary has one


@dataclass(frozen=True, slots=True)
class Problem:
    photo_id: str
    path: str
    kind: str  # "missing", "size", "checksum", "sidecar", "link"
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.path} ({self.detail})"


def verify_archive(out: Path, state: State, *, checksums: bool = True) -> Iterator[Problem]:
    """Yield every problem found; an intact archive yields nothing. Reads every byte when
    `checksums` (the default): a flipped bit is as lost as a missing file."""
    for row in state.iter_photos():
        if row.path:  # whatever its status: a row marked for repair is still checked
            yield from _check_photo(out, row, checksums=checksums)
    for fave in state.favorites().values():  # --favorites: other people's photos
        yield from _check_file(out, fave.id, fave.path, fave.bytes, fave.sha256, checksums)


def _check_photo(out: Path, row: StoredPhoto, *, checksums: bool) -> Iterator[Problem]:
    assert row.path is not None
    primary = out / row.path
    problems = list(_check_file(out, row.id, row.path, row.bytes, row.sha256, checksums))
    yield from problems
    if any(p.kind != "sidecar" for p in problems):
        return
    sidecar_ok = not problems
    for link in row.links:
        target = out / link
        if not _same_content(primary, target):
            yield Problem(row.id, link, "link", "album copy missing or different")
            continue
        for suffix in SIDECAR_SUFFIXES:  # each copy's sidecars are the primary's too
            mine = primary.with_name(primary.name + suffix)
            theirs = target.with_name(target.name + suffix)
            if suffix == ".json" and not sidecar_ok:
                continue  # reported above, once
            if (mine.exists() or suffix == ".json") and not _same_content(mine, theirs):
                yield Problem(
                    row.id, link + suffix, "link", "album copy's sidecar missing or different"
                )


def _check_file(
    out: Path, item_id: str, path: str, size: int | None, sha256: str | None, checksums: bool
) -> Iterator[Problem]:
    """The file is there, whole and unchanged, and its JSON sidecar is readable."""
    primary = out / path
    try:
        found = primary.stat().st_size
    except FileNotFoundError:
        yield Problem(item_id, path, "missing", "file not found")
        return
    if size is not None and found != size:
        yield Problem(item_id, path, "size", f"{found} bytes, expected {size}")
        return
    if checksums and sha256:
        _, digest = sha256_file(primary)
        if digest != sha256:
            yield Problem(item_id, path, "checksum", "SHA-256 differs from the recorded one")
            return
    try:
        sidecar.loads(primary.with_name(primary.name + ".json").read_bytes())
    except (OSError, ValueError) as exc:
        yield Problem(item_id, path + ".json", "sidecar", str(exc) or type(exc).__name__)


def _same_content(primary: Path, other: Path) -> bool:
    try:
        if os.path.samefile(primary, other):
            return True
        # A copy (filesystems without hard links) counts when its bytes match.
        return sha256_file(primary) == sha256_file(other)
    except OSError:
        return False
