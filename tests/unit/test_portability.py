"""Capabilities some platforms lack, simulated: no flock (Windows, NFS without locks), no
hard links (exFAT, network shares), no fsync on the filesystem, no fchmod (Windows)."""

from __future__ import annotations

import errno
import os
import socket
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from flickr_async import fsutil, runlock, tokenfile
from flickr_async.archive import Archive
from flickr_async.errors import LockHeldError, StorageError
from flickr_async.fsutil import Scratch, fsync_path, place_link

ROOT = Path(__file__).resolve().parents[2]


def flock_refusing(code: int) -> SimpleNamespace:
    def flock(fd: int, flags: int) -> None:
        raise OSError(code, os.strerror(code))

    return SimpleNamespace(flock=flock, LOCK_EX=2, LOCK_NB=4)


class FakeMsvcrt:
    """msvcrt.locking's contract: a byte range locked per file; EACCES when another holder
    has it (the real one raises PermissionError for LK_NBLCK)."""

    LK_NBLCK = 2

    def __init__(self) -> None:
        self.held: dict[tuple[int, int], int] = {}

    def locking(self, fd: int, mode: int, nbytes: int) -> None:
        assert mode == self.LK_NBLCK and nbytes == 1
        st = os.fstat(fd)
        key = (st.st_ino, os.lseek(fd, 0, os.SEEK_CUR))
        if key in self.held and self.held[key] != fd:
            raise PermissionError(errno.EACCES, "locked")
        self.held[key] = fd


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_without_flock_a_lock_file_holds_the_archive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runlock, "FCNTL", flock_refusing(errno.ENOLCK))
    lock = Archive(tmp_path).lock()
    with lock:
        assert lock.pidfile.read_text() == f"{os.getpid()}@{socket.gethostname()}"
        with pytest.raises(LockHeldError) as err, Archive(tmp_path).lock():
            pass
        assert str(lock.pidfile) in str(err.value) and err.value.exit_code == 4
    assert not lock.pidfile.exists()
    with Archive(tmp_path).lock():  # free again
        pass


def test_a_lock_file_left_by_a_killed_run_on_this_host_is_taken_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runlock, "FCNTL", flock_refusing(errno.EOPNOTSUPP))
    lock = Archive(tmp_path).lock()
    lock.pidfile.parent.mkdir(parents=True)
    lock.pidfile.write_text(f"{dead_pid()}@{socket.gethostname()}")
    with lock:
        assert lock.pidfile.read_text().startswith(f"{os.getpid()}@")


def test_a_lock_file_of_another_host_is_never_taken_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runlock, "FCNTL", flock_refusing(errno.ENOLCK))
    pidfile = Archive(tmp_path).lock().pidfile
    pidfile.parent.mkdir(parents=True)
    pidfile.write_text(f"{dead_pid()}@another-machine")
    with pytest.raises(LockHeldError, match="another-machine"), Archive(tmp_path).lock():
        pass
    assert pidfile.exists()


def test_on_windows_msvcrt_locks_a_byte_past_the_recorded_pid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeMsvcrt()
    monkeypatch.setattr(runlock, "FCNTL", None)
    monkeypatch.setattr(runlock, "MSVCRT", fake)
    with Archive(tmp_path).lock() as lock:
        assert list(fake.held) == [(lock.path.stat().st_ino, 64)]
        with pytest.raises(LockHeldError, match=f"pid {os.getpid()}"), Archive(tmp_path).lock():
            pass
    assert not Archive(tmp_path).lock().pidfile.exists()  # the OS lock was enough


def test_with_no_os_lock_at_all_the_lock_file_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runlock, "FCNTL", None)
    monkeypatch.setattr(runlock, "MSVCRT", None)
    with Archive(tmp_path).lock() as lock:
        assert lock.pidfile.exists()
        with pytest.raises(LockHeldError), Archive(tmp_path).lock():
            pass


def test_a_lock_error_that_is_not_about_support_is_a_storage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runlock, "FCNTL", flock_refusing(errno.EIO))
    with pytest.raises(StorageError, match="cannot lock"), Archive(tmp_path).lock():
        pass


def test_kill_9_while_holding_the_lock_leaves_it_free(tmp_path: Path) -> None:
    code = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from flickr_async.archive import Archive\n"
        "with Archive(Path(sys.argv[1])).lock():\n"
        "    print('locked', flush=True)\n"
        "    sys.stdin.read()\n"  # held until killed
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code, str(tmp_path)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        assert child.stdout is not None and child.stdout.readline() == b"locked\n"
        with pytest.raises(LockHeldError), Archive(tmp_path).lock():
            pass
    finally:
        child.kill()
        child.wait()
    with Archive(tmp_path).lock():
        pass


@pytest.mark.parametrize("code", [errno.EPERM, errno.EXDEV, errno.EMLINK, errno.ENOTSUP])
def test_without_hard_links_the_album_copy_is_a_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int
) -> None:
    def no_links(src: Any, dst: Any) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "link", no_links)
    src, dest = tmp_path / "a" / "1.jpg", tmp_path / "b" / "1.jpg"
    src.parent.mkdir()
    src.write_bytes(b"photo")
    place_link(src, dest, Scratch(tmp_path / "tmp"))
    assert dest.read_bytes() == b"photo" and not dest.samefile(src)
    assert not any((tmp_path / "tmp").iterdir())


def test_without_symlinks_the_album_copy_is_a_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_symlinks(src: Any, dst: Any) -> None:  # Windows without the privilege, exFAT
        raise OSError(errno.EPERM, os.strerror(errno.EPERM))

    monkeypatch.setattr(os, "symlink", no_symlinks)
    src, dest = tmp_path / "a" / "1.jpg", tmp_path / "b" / "1.jpg"
    src.parent.mkdir()
    src.write_bytes(b"photo")
    place_link(src, dest, Scratch(tmp_path / "tmp"), mode="symlink")
    assert dest.read_bytes() == b"photo" and not dest.is_symlink()


def test_a_full_disk_is_not_mistaken_for_a_missing_capability(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(src: Any, dst: Any) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "link", full)
    src = tmp_path / "1.jpg"
    src.write_bytes(b"photo")
    with pytest.raises(OSError, match="No space"):
        place_link(src, tmp_path / "b" / "1.jpg", Scratch(tmp_path / "tmp"))


def test_a_filesystem_that_cannot_fsync_is_not_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []

    def no_fsync(fd: int) -> None:
        calls.append(fd)
        raise OSError(errno.EINVAL, "Invalid argument")

    monkeypatch.setattr(fsutil.os, "fsync", no_fsync)
    path = tmp_path / "1.jpg"
    path.write_bytes(b"x")
    fsync_path(path)
    assert calls


def test_a_failing_fsync_is_still_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(fd: int) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(fsutil.os, "fsync", broken)
    path = tmp_path / "1.jpg"
    path.write_bytes(b"x")
    with pytest.raises(OSError, match="Input/output"):
        fsync_path(path)


def test_a_token_is_saved_where_there_is_no_fchmod(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delattr(os, "fchmod")
    path = tmp_path / "cfg" / "token.json"
    tokenfile.save_token(path, tokenfile.Token("tok", "toksecret", api_key="key"))
    assert tokenfile.load_token(path) == tokenfile.Token("tok", "toksecret", api_key="key")
