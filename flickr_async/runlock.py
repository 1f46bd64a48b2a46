"""One run per archive: an OS lock on OUT/.flickr-async/lock, portable, with a fallback.

- POSIX: `flock`, dropped by the kernel when the process dies (a kill -9 never leaves it stale).
- Windows: `msvcrt.locking` on one byte past the pid the file records (Windows locks are
  mandatory, so the pid itself stays readable for the "who holds it" message).
- Filesystems that refuse both (some NFS and SMB mounts answer ENOLCK/EOPNOTSUPP): a lock
  file created exclusively (`O_EXCL`) holding `pid@host`; one whose process is gone on this
  host is stale and taken over, one from another host is reported with its path.
"""

from __future__ import annotations

import contextlib
import errno
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType, TracebackType

from flickr_async.errors import LockHeldError, StorageError
from flickr_async.owneronly import OWNER_FILE, owner_only_dir

try:  # the capability decides, not the platform's name
    import fcntl as _fcntl

    FCNTL: ModuleType | None = _fcntl
except ImportError:  # Windows
    FCNTL = None
try:
    import msvcrt as _msvcrt

    MSVCRT: ModuleType | None = _msvcrt
except ImportError:  # everything but Windows
    MSVCRT = None

# Errors meaning "this filesystem cannot lock", as opposed to "someone else holds it".
UNSUPPORTED = frozenset(
    {errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOTSUP, errno.ENOSYS, errno.EINVAL, errno.EBADF}
)
# Errors meaning "this archive cannot be written here" (a read-only mount or snapshot, no
# permission): a command that only reads may go on without the lock (`verify`).
READ_ONLY = frozenset({errno.EROFS, errno.EACCES, errno.EPERM})
_LOCKED_BYTE = 64  # Windows: the byte locked, past the pid written at 0


class ReadOnlyArchiveError(StorageError):
    """The lock cannot be written: the archive is read-only for this process."""

    def __init__(self, message: str, out: Path) -> None:
        super().__init__(message)
        self.out = out


class _Unsupported(Exception):
    """The filesystem offers no OS lock: use the lock file."""


class RunLock:
    """Exclusive use of an archive for one run (`with archive.lock(): ...`)."""

    def __init__(self, lock_file: Path, out: Path) -> None:
        self.path = lock_file
        self.out = out
        self._fd: int | None = None
        self._pidfile: Path | None = None

    @property
    def pidfile(self) -> Path:
        return self.path.with_name("lock.pid")

    def __enter__(self) -> RunLock:
        try:
            owner_only_dir(self.path.parent)  # .flickr-async/ is the owner's alone
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, OWNER_FILE)
        except OSError as exc:
            if exc.errno in READ_ONLY:
                raise ReadOnlyArchiveError(
                    f"cannot create {self.path}: {exc.strerror}", self.out
                ) from exc
            raise StorageError(f"cannot create {self.path}: {exc.strerror}") from exc
        try:
            _os_lock(fd)
        except _Unsupported:
            os.close(fd)
            self._take_pidfile()
            return self
        except BlockingIOError:
            holder = _read_text(fd) or "?"
            os.close(fd)
            raise self._held(f"pid {holder}") from None
        _write_text(fd, str(os.getpid()))
        self._fd = fd
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing drops flock and msvcrt locks alike
            self._fd = None
        if self._pidfile is not None:
            with contextlib.suppress(OSError):
                self._pidfile.unlink()
            self._pidfile = None

    def _held(self, who: str) -> LockHeldError:
        return LockHeldError(
            f"another flickr-async run ({who}) is using {self.out}; wait for it to finish"
        )

    def _take_pidfile(self) -> None:
        me = f"{os.getpid()}@{socket.gethostname()}"
        for _ in range(3):  # a stale file is removed, then the race is run again
            try:
                fd = os.open(self.pidfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_FILE)
            except FileExistsError:
                holder = _read_file(self.pidfile)
                if holder is not None and not _is_stale(holder):
                    raise self._held(
                        f"{holder}; if no run is going on, delete {self.pidfile}"
                    ) from None
                with contextlib.suppress(FileNotFoundError):
                    self.pidfile.unlink()
                continue
            except OSError as exc:
                raise StorageError(f"cannot create {self.pidfile}: {exc.strerror}") from exc
            try:
                os.write(fd, me.encode())
            finally:
                os.close(fd)
            self._pidfile = self.pidfile
            return
        raise self._held(f"contended {self.pidfile}")


@dataclass(frozen=True, slots=True)
class Holder:
    """The run holding an archive's lock: its pid (as the lock records it) and since when."""

    pid: str
    since: float


def lock_holder(lock_file: Path, out: Path) -> Holder | None:
    """Who holds the archive's lock now (None: nobody, or no way to tell), without taking it
    for longer than a test: `status` shows a running backup."""
    lock = RunLock(lock_file, out)
    holder = _read_file(lock.pidfile)  # the lock file of filesystems without OS locks
    if holder is not None and not _is_stale(holder):
        with contextlib.suppress(OSError):
            return Holder(holder, lock.pidfile.stat().st_mtime)
    if FCNTL is None:
        return None  # Windows: its mandatory locks cannot be tested from a read-only handle
    try:
        fd = os.open(lock.path, os.O_RDONLY)
    except OSError:
        return None
    try:
        # A run writes its pid when it takes the lock and empties the file when it ends: an
        # empty file, or the pid of a process gone (kill -9), needs no test of the lock, so
        # that `status` almost never holds it at the instant a backup starts.
        pid = _read_text(fd)
        if not pid or (pid.isdigit() and not pid_alive(int(pid))):
            return None
        try:
            FCNTL.flock(fd, FCNTL.LOCK_SH | FCNTL.LOCK_NB)
        except BlockingIOError:
            return Holder(pid, os.fstat(fd).st_mtime)
        except OSError:
            return None
        FCNTL.flock(fd, FCNTL.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _os_lock(fd: int) -> None:
    """Lock `fd` without waiting: BlockingIOError when held, _Unsupported when impossible."""
    try:
        if FCNTL is not None:
            FCNTL.flock(fd, FCNTL.LOCK_EX | FCNTL.LOCK_NB)
        elif MSVCRT is not None:
            os.lseek(fd, _LOCKED_BYTE, os.SEEK_SET)
            try:
                MSVCRT.locking(fd, MSVCRT.LK_NBLCK, 1)
            except PermissionError as exc:  # EACCES: held by another process
                raise BlockingIOError(errno.EAGAIN, "locked") from exc
        else:
            raise _Unsupported
    except BlockingIOError:
        raise
    except OSError as exc:
        if exc.errno in UNSUPPORTED:
            raise _Unsupported from exc
        raise StorageError(f"cannot lock the archive: {exc.strerror or exc}") from exc


def _read_text(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        return os.read(fd, _LOCKED_BYTE).decode(errors="replace").strip()
    except OSError:
        return ""


def _write_text(fd: int, text: str) -> None:
    with contextlib.suppress(OSError):  # the pid is for the message only
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, text.encode()[:_LOCKED_BYTE])


def _read_file(path: Path) -> str | None:
    try:
        return path.read_text("utf-8", errors="replace").strip()
    except FileNotFoundError:
        return None  # removed meanwhile: race again
    except OSError:
        return "?"


def _is_stale(holder: str) -> bool:
    """`pid@host` of a process that no longer runs on this host. Unknown means alive."""
    pid_text, _, host = holder.partition("@")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    return not pid_alive(int(pid_text))


def pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if os.name != "posix":
        return True  # os.kill(pid, 0) would terminate it on Windows: assume alive
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True
