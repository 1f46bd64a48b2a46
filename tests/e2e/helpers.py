"""Run the real CLI against the fake Flickr, in-process or as a subprocess."""

from __future__ import annotations

import errno
import hashlib
import json
import math
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from flickr_async.archive import Archive
from flickr_async.cli import app
from flickr_async.layout import SITE_DIR, SITE_ENTRY, STATE_DIR
from flickr_async.settings import (
    ENV_API_BASE,
    ENV_API_KEY,
    ENV_API_SECRET,
    ENV_CONFIG,
    ENV_OAUTH_TOKEN,
    ENV_OAUTH_TOKEN_SECRET,
    ENV_TOKEN_FILE,
)
from flickr_async.state import State, StoredPhoto
from tests.fakeflickr import FakeFlickr, Library

ROOT = Path(__file__).resolve().parents[2]
SIDECARS = (".json", ".xmp")  # beside each media file: ours, and the one photo managers read
# Every variable through which the environment could name an account, a key or a config file:
# tests that must see only their own set unset these.
FLICKR_ENV = (
    ENV_API_KEY,
    ENV_API_SECRET,
    ENV_OAUTH_TOKEN,
    ENV_OAUTH_TOKEN_SECRET,
    ENV_API_BASE,
    ENV_TOKEN_FILE,
    ENV_CONFIG,
)
FAST = ["--api-rate", "1000", "--max-retry-wait", "0.05"]


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


def cli_env(fake: FakeFlickr, home: Path) -> dict[str, str]:
    return fake.cli_env(home)


def no_change_bound(library: Library) -> int:
    """The call bound for a sync with nothing to do (docs/backup.md#incremental-sync; each ceil
    at least 1 where the listing is asked even when empty)."""
    pages = math.ceil
    return (
        pages(len(library.photos) / 500)
        + pages(len(library.albums) / 500)
        + max(1, pages(len(library.favorites) / 500))
        + max(1, pages(len(library.galleries) / 500))
        + max(1, pages(len(library.contacts) / 1000))
        + 5
    )


def organisation_listings(library: Library) -> int:
    """The organisation's listings a sync asks every run: collections.getTree and
    people.getGroups once each, favourites and galleries by 500, contacts by 1,000."""
    pages = math.ceil
    return (
        2
        + max(1, pages(len(library.favorites) / 500))
        + max(1, pages(len(library.galleries) / 500))
        + max(1, pages(len(library.contacts) / 1000))
    )


def change_bound(library: Library) -> int:
    """The bound for a change-driven sync with nothing to do (docs/backup.md#incremental-sync):
    5 + ceil(albums/500) + the organisation listings, whatever the number of photos
    (flickr_async/changes.py)."""
    return 5 + math.ceil(len(library.albums) / 500) + organisation_listings(library)


# What the site's thumbnails ask the file servers for: Large Square, Medium 640, and for a
# photo smaller than that the Medium 500 ("") or the Small 320 (flickr_async/thumbnails.py).
THUMBNAIL_REQUESTS = frozenset({"q", "z", "", "n"})


def archive_file_requests(fake: FakeFlickr) -> Counter[str]:
    """File requests by photo id, the site's thumbnails left out: the originals (or the best
    size Flickr offered instead), what the archive itself is made of."""
    return Counter(pid for pid, what in fake.counters.file_log if what not in THUMBNAIL_REQUESTS)


def run_cli(env: dict[str, str], *args: str) -> Run:
    """The CLI in this process (fast); the fake keeps serving from its own thread."""
    result = CliRunner().invoke(app, list(args), env=env)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Run(result.exit_code, result.stdout, result.stderr)


def spawn_cli(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    """`python -m flickr_async ...` as its own process (for kill -9 and lock tests)."""
    return subprocess.Popen(
        [sys.executable, "-m", "flickr_async", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sidecar(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.with_name(path.name + ".json").read_text("utf-8"))
    return data


def still(library: Library, *, in_album: bool | None = None, skip: int = 0) -> str:
    """A downloadable JPEG (optionally in/out of albums)."""
    found = [
        p.id
        for p in library.photos
        if not p.is_video
        and p.can_download
        and p.originalformat == "jpg"
        and (in_album is None or bool(library.albums_of(p.id)) == in_album)
    ]
    return found[skip]


def stored_row(out: Path, photo_id: str) -> StoredPhoto:
    """The archive's state row of this photo (which must have one)."""
    state = State(Archive(out).state_file)
    try:
        row = state.photo(photo_id)
    finally:
        state.close()
    assert row is not None
    return row


def backup_report(env: dict[str, str], out: Path, *extra: str) -> dict[str, Any]:
    """One `backup OUT` run; its --report with the exit code ("exit_code"), stdout ("stdout")
    and stdout and stderr together ("output")."""
    report = out.parent / "report.json"
    result = run_cli(env, "backup", str(out), *FAST, "--report", str(report), *extra)
    data: dict[str, Any] = json.loads(report.read_text("utf-8"))
    data.update(exit_code=result.code, stdout=result.stdout, output=result.stdout + result.stderr)
    return data


def fill_the_disk_after(writes: int, monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """The disk is full (ENOSPC) for every atomic file write of the writer past the first
    `writes`; what it returns frees the disk again."""
    from flickr_async import writer
    from flickr_async.fsutil import Scratch, write_atomic

    calls = {"n": 0}

    def filling_up(dest: Path, data: bytes, scratch: Scratch) -> None:
        calls["n"] += 1
        if calls["n"] > writes:
            raise OSError(errno.ENOSPC, "No space left on device")
        write_atomic(dest, data, scratch)

    monkeypatch.setattr(writer, "write_atomic", filling_up)
    return lambda: monkeypatch.setattr(writer, "write_atomic", write_atomic)


def media_files(out: Path) -> list[Path]:
    """Every photo/video file in the archive (not sidecars, tool state or the site)."""
    return sorted(
        p
        for p in out.rglob("*")
        if p.is_file()
        and p.suffix not in SIDECARS
        and STATE_DIR not in p.parts
        and SITE_DIR not in p.parts
        and p != out / SITE_ENTRY
    )


def jpeg_scan(data: bytes) -> bytes:
    """The entropy-coded image data: from the SOS marker to the end."""
    i = 2
    while i < len(data):
        marker = data[i + 1]
        if marker == 0xDA:
            return data[i:]
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        i += 2 + length
    raise ValueError("no SOS")
