"""`reshape` checks before its first move (a foreign file in the way, room for --links copy),
and a reshape stopped by a full disk is finished, or undone, by running `reshape` again.

The full disk is a real one where this machine lets the tests mount a small tmpfs (as root);
elsewhere it is simulated at the two places the reshape meets the disk's size: the copy of a
file (ENOSPC) and the free space the pre-flight reads. Each test prints which it ran on
(`pytest -s`); FLICKR_ASYNC_TEST_NO_MOUNT=1 runs the simulation even as root.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flickr_async import reshape, reshapecheck
from flickr_async.archive import Shape
from flickr_async.errors import EXIT_FAILED
from flickr_async.layout import STATE_DIR
from flickr_async.state import State
from tests.e2e.helpers import FAST, media_files, run_cli
from tests.e2e.test_reshape import album_copies, contents, rows, verify_is_clean
from tests.fakeflickr import FakeFlickr

DISK_BYTES = 32 << 20  # the archive (about 6 MiB), its copies (1.3 MiB), the check's margin
# What a full disk still has: less than the copies left to make, enough for the state's
# journal (an undo writes it; a disk with no byte left needs some room made first).
ROOM_LEFT = 256 << 10


class Disk:
    """A small filesystem to hold OUT that can be filled up and freed again."""

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root = root
        self.filler = root / "filler"
        self.real = _mount_tmpfs(root, DISK_BYTES)
        self._full = False
        self._left = 0
        if not self.real:  # the simulation: only the copy and the free space see the disk
            real_copy = shutil.copy2

            def copy2(src: Any, dst: Any, **kwargs: Any) -> Any:
                if self._full:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                return real_copy(src, dst, **kwargs)

            monkeypatch.setattr("flickr_async.fsutil.shutil.copy2", copy2)
            monkeypatch.setattr(reshapecheck, "free_bytes", self._simulated_free)

    def _simulated_free(self, path: Path) -> int:
        return self._left if self._full else max(0, DISK_BYTES - _bytes_under(self.root))

    def fill(self, leave: int = 0) -> None:
        """Write a filler file until only `leave` bytes (about) are free."""
        if not self.real:  # copies fail from now on; the free space reads as `leave`
            self._full = True
            self._left = leave
            return
        block = b"\0" * (1 << 16)
        with self.filler.open("ab") as fh:
            try:
                while reshapecheck.free_bytes(self.root) > leave + len(block):
                    fh.write(block)
                    fh.flush()
                if not leave:
                    while True:
                        fh.write(block)
                        fh.flush()
            except OSError as exc:
                assert exc.errno == errno.ENOSPC

    def free(self) -> None:
        self._full = False
        self.filler.unlink(missing_ok=True)

    def close(self) -> None:
        if self.real:
            subprocess.run(["umount", "-l", str(self.root)], check=False)


def _mount_tmpfs(root: Path, size: int) -> bool:
    root.mkdir(parents=True, exist_ok=True)
    if os.environ.get("FLICKR_ASYNC_TEST_NO_MOUNT") or os.geteuid() != 0:
        return False
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", f"fa-{uuid.uuid4().hex[:8]}", str(root)],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


def _bytes_under(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and not p.is_symlink())


@pytest.fixture
def disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Disk]:
    made = Disk(tmp_path / "disk", monkeypatch)
    print("full disk:", "a real tmpfs" if made.real else "simulated (no tmpfs mount here)")
    try:
        yield made
    finally:
        made.close()


@pytest.fixture
def archive(fake: FakeFlickr, env: dict[str, str], disk: Disk) -> Path:
    out = disk.root / "out"
    assert run_cli(env, "backup", str(out), *FAST, "--quiet").code == 0
    fake.counters.reset()
    return out


def snapshot(out: Path) -> dict[str, tuple[int, int]]:
    """Every entry under OUT but the state's own folder: (inode, size), symlinks as such."""
    return {
        str(p.relative_to(out)): (p.lstat().st_ino, p.lstat().st_size)
        for p in out.rglob("*")
        if STATE_DIR not in p.relative_to(out).parts
    }


def journal(out: Path) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    state = State(out / STATE_DIR / "state.sqlite3")
    try:
        return state.reshape_target(), state.options()
    finally:
        state.close()


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


# --- found before the first move ----------------------------------------------------------------


def test_a_foreign_file_in_the_way_is_found_before_anything_moves(
    env: dict[str, str], archive: Path
) -> None:
    last = max(rows(archive))  # moves go in id order: today found after every other move
    stray = archive / f"{last}.jpg"
    stray.write_bytes(b"my own notes, not a photo")
    before, shape = snapshot(archive), journal(archive)
    result = run_cli(env, "reshape", str(archive), "--layout", "flat")
    assert result.code == 2
    line = one_line(result.stderr)
    assert f"{stray} is in the way of photo {last}" in line and "nothing was moved" in line
    assert snapshot(archive) == before and journal(archive) == shape
    assert stray.read_bytes() == b"my own notes, not a photo"
    stray.rename(archive.parent / "kept-elsewhere")
    assert run_cli(env, "reshape", str(archive), "--layout", "flat").code == 0
    verify_is_clean(env, archive)


def test_a_file_where_a_folder_must_go_is_found_before_anything_moves(
    env: dict[str, str], archive: Path
) -> None:
    state = State(archive / STATE_DIR / "state.sqlite3")
    try:
        moves, _ = reshape._plan(archive, state, Shape(layout="date"))
    finally:
        state.close()
    year = Path(moves[-1].new_path).parts[0]  # the last photo's year (or "undated") folder
    stray = archive / year
    stray.write_text("a file named like the folder a photo goes to")
    before = snapshot(archive)
    result = run_cli(env, "reshape", str(archive), "--layout", "date")
    assert result.code == 2
    assert f"{stray} is in the way of photo" in one_line(result.stderr)
    assert snapshot(archive) == before
    stray.unlink()
    assert run_cli(env, "reshape", str(archive), "--layout", "date").code == 0


def test_too_little_room_for_copies_is_found_before_anything_moves(
    env: dict[str, str], archive: Path, disk: Disk
) -> None:
    disk.fill(leave=8 << 20)  # the copies' 1.3 MiB fit, the margin of 16 MiB does not
    before, shape = snapshot(archive), journal(archive)
    result = run_cli(env, "reshape", str(archive), "--links", "copy")
    assert result.code == EXIT_FAILED
    line = one_line(result.stderr)
    assert "not enough free space" in line and "nothing was moved" in line
    assert snapshot(archive) == before and journal(archive) == shape
    disk.free()
    assert run_cli(env, "reshape", str(archive), "--links", "copy").code == 0
    verify_is_clean(env, archive)


def test_hard_links_need_no_room(env: dict[str, str], archive: Path, disk: Disk) -> None:
    assert run_cli(env, "reshape", str(archive), "--links", "symlink").code == 0
    disk.fill(leave=1 << 20)
    result = run_cli(env, "reshape", str(archive), "--links", "hardlink")
    assert result.code == 0, result.stderr


# --- a disk that fills up half-way --------------------------------------------------------------


@pytest.fixture
def half_copied(
    env: dict[str, str], archive: Path, disk: Disk, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """A `reshape --links copy` whose disk filled up (another writer) after a few copies;
    the SHA-256 of each photo's file before."""
    before = contents(archive)
    real_place, placed = reshape._place, [0]
    with_copies = sum(1 for row in rows(archive).values() if row.links)
    assert with_copies >= 4

    def place_then_fill(*args: Any) -> None:
        move = args[2]
        if move.new_links:
            placed[0] += 1
            if placed[0] == 3:  # the third photo with album copies: the disk fills now,
                disk.fill(leave=ROOM_LEFT)  # but for a little room, as any disk keeps
        real_place(*args)

    monkeypatch.setattr(reshape, "_place", place_then_fill)
    result = run_cli(env, "reshape", str(archive), "--links", "copy")
    monkeypatch.setattr(reshape, "_place", real_place)
    assert result.code == EXIT_FAILED
    line = one_line(result.stderr)
    assert "No space left on device" in line and "stopped half-way" in line
    assert f"`flickr-async reshape {archive}` to finish it" in line
    assert f"`flickr-async reshape {archive} --links 'hardlink'` to undo it" in line
    assert journal(archive)[0] is not None  # mid-reshape: the journal says where things are
    refused = run_cli(env, "backup", str(archive), *FAST)
    assert refused.code == 2 and "interrupted" in refused.stderr
    return before


def test_a_reshape_stopped_by_a_full_disk_is_finished_once_there_is_room(
    fake: FakeFlickr, env: dict[str, str], half_copied: dict[str, str], disk: Disk, archive: Path
) -> None:
    before = half_copied
    again = run_cli(env, "reshape", str(archive))  # still full: refused before any move
    line = one_line(again.stderr)
    assert again.code == EXIT_FAILED and "not enough free space" in line
    assert f"or undo it: `flickr-async reshape {archive} --links 'hardlink'`" in line
    disk.free()
    result = run_cli(env, "reshape", str(archive))
    assert result.code == 0, result.stderr
    assert "finished the interrupted reshape" in result.stdout
    verify_is_clean(env, archive)
    assert contents(archive) == before
    for primary, copy in album_copies(archive):
        assert not copy.is_symlink() and not os.path.samefile(primary, copy)
    assert journal(archive)[1]["links"] == "copy" and journal(archive)[0] is None
    assert fake.counters.total_api_calls == 0 and not fake.counters.file_requests


def test_a_reshape_stopped_by_a_full_disk_is_undone_without_freeing_any_room(
    fake: FakeFlickr, env: dict[str, str], half_copied: dict[str, str], disk: Disk, archive: Path
) -> None:
    before = half_copied
    other = run_cli(env, "reshape", str(archive), "--layout", "flat")
    assert other.code == 2 and "to undo it" in other.stderr  # neither forward nor back
    result = run_cli(env, "reshape", str(archive), "--links", "hardlink")  # the old shape
    assert result.code == 0, result.stderr
    assert "undid the interrupted reshape" in result.stdout
    assert "now --layout albums --names '{id}' --links hardlink" in result.stdout
    verify_is_clean(env, archive)
    assert contents(archive) == before
    assert all(os.path.samefile(primary, copy) for primary, copy in album_copies(archive))
    assert journal(archive)[0] is None and journal(archive)[1]["links"] == "hardlink"
    assert not (archive / STATE_DIR / "reshape").exists()
    disk.free()
    assert run_cli(env, "backup", str(archive), *FAST, "--quiet").code == 0
    assert not fake.counters.file_requests  # nothing downloaded again


def test_an_undo_killed_half_way_is_finished_by_running_reshape_again(
    env: dict[str, str], half_copied: dict[str, str], archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = half_copied
    real_place, calls = reshape._place, [0]

    def place_then_stop(*args: Any) -> None:
        calls[0] += 1
        if calls[0] == 2:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS))
        real_place(*args)

    monkeypatch.setattr(reshape, "_place", place_then_stop)
    stopped = run_cli(env, "reshape", str(archive), "--links", "hardlink")
    monkeypatch.setattr(reshape, "_place", real_place)
    assert stopped.code == EXIT_FAILED and "stopped half-way" in stopped.stderr
    result = run_cli(env, "reshape", str(archive))
    assert result.code == 0, result.stderr
    verify_is_clean(env, archive)
    assert contents(archive) == before
    assert all(os.path.samefile(primary, copy) for primary, copy in album_copies(archive))
    assert media_files(archive)
