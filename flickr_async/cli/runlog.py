"""A backup's log file, OUT/.flickr-async/logs/<time>-<pid>.log: INFO and up, then the run's
summary and its final error; made only for a run that starts, the last LOGS_KEPT kept."""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Iterable
from pathlib import Path

from flickr_async.archive import Archive
from flickr_async.cli.app import LOG_FORMAT
from flickr_async.cli.terminal import PrintableFormatter
from flickr_async.confine import folder as confined_folder
from flickr_async.errors import StorageError
from flickr_async.owneronly import owner_only_dir, owner_only_file

LOGS_KEPT = 30  # log files an archive keeps (docs/backup.md#reports-and-logs)
_HELD_MAX = 1000  # records kept in memory before the run starts (a login: a handful)

log = logging.getLogger(__name__)


class _LogFile(logging.FileHandler):
    def handleError(self, record: logging.LogRecord) -> None:
        """A log the disk refuses (full, gone read-only) is lost quietly: the run reports
        the disk itself, in one line, not with logging's traceback on stderr."""


class RunLog(logging.Handler):
    """The run's log records: held in memory until `open()` (a refused run leaves no file),
    then written to the run's file."""

    def __init__(self, archive: Archive) -> None:
        """Into the archive's logs folder (never used through a link)."""
        super().__init__(logging.INFO)
        self.folder = archive.logs_dir
        self.out = archive.out
        self.path: Path | None = None
        # other people's text (titles, ids, Flickr's messages): one line, no escapes
        self.setFormatter(PrintableFormatter("%(asctime)s " + LOG_FORMAT))
        self._held: list[logging.LogRecord] = []
        self._file: _LogFile | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if self._file is not None:
            self._file.handle(record)
        elif len(self._held) < _HELD_MAX:
            self._held.append(record)

    def open(self) -> Path | None:
        """Create the file, write what was held, prune old logs; the file's path (None when
        it cannot be written: the run itself reports an unwritable OUT properly)."""
        if self._file is not None:
            return self.path
        path = self.folder / f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"
        try:
            # a logs folder (or .flickr-async) replaced by a link: its target's files are not
            # ours to write or prune
            confined_folder(self.out.absolute(), self.folder.absolute())
        except (StorageError, OSError) as exc:  # a link, or a file where the folder goes
            log.warning("this run keeps no log: %s", exc)
            return None
        try:
            owner_only_dir(self.folder.parent)  # .flickr-async/: the owner's alone
            owner_only_dir(self.folder)
            owner_only_file(path, create=True)  # 0600 before a line is in it
            handler = _LogFile(path, encoding="utf-8")
        except OSError:
            return None
        handler.setFormatter(self.formatter)
        self._file, self.path = handler, path
        for record in self._held:
            handler.handle(record)
        self._held.clear()
        prune_logs(self.folder, keep=LOGS_KEPT)
        return path

    def write_lines(self, lines: Iterable[str]) -> None:
        """Lines for the file alone (the terminal has its own copy): the summary, the error."""
        if self._file is None:
            return
        for line in lines:
            fields = {"name": "flickr_async.run", "levelno": logging.INFO, "levelname": "INFO"}
            self._file.handle(logging.makeLogRecord({**fields, "msg": line}))

    def close(self) -> None:
        logging.getLogger().removeHandler(self)
        if self._file is not None:
            self._file.close()
        self._held.clear()
        super().close()


def prune_logs(folder: Path, *, keep: int) -> None:
    """Delete all but the newest `keep` run logs (their names sort by time)."""
    logs = sorted(p for p in folder.glob("*.log") if p.is_file())
    for old in logs[: max(0, len(logs) - keep)]:
        with contextlib.suppress(OSError):
            old.unlink()
