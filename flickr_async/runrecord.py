"""A run's record for machines: its start and end, exit code, version and why it ended.

The `--report FILE` JSON and the archive's own record of its runs (the state's `runs` table,
which `status` reads) are both made from it. A run *starts* once it holds the archive's lock
and its credentials are known to be the archive's account (a run whose login failed starts
too: it is recorded, with its error). Before that it can only be *refused* (another run holds
the lock, another account's credentials, a shape that needs `reshape`), and a refused run
leaves no trace in the archive: no log, no run record; only the report it was asked for.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flickr_async import __version__
from flickr_async.errors import (
    EXIT_INCOMPLETE,
    EXIT_INTERRUPTED,
    EXIT_LOCKED,
    EXIT_OK,
    EXIT_TERMINATED,
    EXIT_USAGE,
    FlickrAsyncError,
    Terminated,
    exit_code_of,
)
from flickr_async.plural import plural

if TYPE_CHECKING:
    from flickr_async.jobs import Stats

# What a run came to (`outcome` in the report, `result` in the state's runs table). A run
# recorded as started with no end was killed (kill -9, a crash, the machine stopping).
COMPLETE = "complete"  # exit 0
INCOMPLETE = "incomplete"  # exit 1: some items failed, or the listing came back short
FAILED = "failed"  # the run could not do its job (exit 3, 5; 2 for a usage error found late)
REFUSED = "refused"  # never started: exit 2 or 4, nothing in the archive changed
INTERRUPTED = "interrupted"  # Ctrl-C, exit 130
TERMINATED = "terminated"  # SIGTERM, exit 143
RUNNING = "running"


def iso(stamp: float | None) -> str | None:
    """Local time with its UTC offset, to the second: `2026-12-05T21:04:11+01:00`."""
    if stamp is None:
        return None
    return datetime.fromtimestamp(stamp).astimezone().isoformat(timespec="seconds")


def one_line(exc: BaseException) -> str:
    """The reason a run ended by `exc`, as the CLI's error line says it."""
    text = " ".join(str(exc).split())
    if isinstance(exc, FlickrAsyncError):
        return text
    return f"internal error: {type(exc).__name__}: {text}" if text else type(exc).__name__


def incomplete_reason(stats: Stats) -> str:
    """Why a run that went to its end exits 1 ("" when it does not)."""
    reasons = []
    if stats.failed:
        reasons.append(f"{plural(stats.failed, 'item')} failed")
    if stats.deferred:
        reasons.append(f"{stats.deferred} left for the next run (--max-api-calls)")
    if stats.listing_problem:
        reasons.append(f"incomplete listing: {stats.listing_problem}")
    elif not stats.listing_complete:
        reasons.append("the listing did not finish")
    reasons.extend(stats.organisation_problems)
    if stats.export_problem:
        reasons.append(f"the export is incomplete: {stats.export_problem}")
    return "; ".join(reasons)


@dataclass
class RunRecord:
    """One run, from its start to its end; `finish()` once, by whoever sees the end first."""

    command: str = "backup"
    started: float = field(default_factory=time.time)
    pid: int = field(default_factory=os.getpid)
    version: str = __version__
    account: str | None = None  # the account's nsid, once test.login said it
    # Called once when the run starts (the CLI opens the run's log file): the log's path.
    on_start: Callable[[], Path | None] | None = None
    log_file: Path | None = None
    has_started: bool = False
    stop_signal: str | None = None  # "SIGTERM" when one stopped the run
    finished: float | None = None
    exit_code: int | None = None
    outcome: str = RUNNING
    reason: str = ""

    def start(self) -> None:
        """The run holds the lock and its account is confirmed (or its login failed)."""
        if self.has_started:
            return
        self.has_started = True
        if self.on_start is not None:
            self.log_file = self.on_start()

    def finish(self, stats: Stats, exc: BaseException | None) -> None:
        """The run's end: `exc` is what ended it, None when it went to its end."""
        if self.finished is not None:
            return
        self.finished = time.time()
        if self.stop_signal == "SIGTERM" or isinstance(exc, Terminated):
            self.outcome, self.exit_code = TERMINATED, EXIT_TERMINATED
            self.reason = "terminated (SIGTERM)"
        elif isinstance(exc, KeyboardInterrupt | asyncio.CancelledError):
            self.outcome, self.exit_code = INTERRUPTED, EXIT_INTERRUPTED
            self.reason = "interrupted (Ctrl-C)"
        elif exc is None:
            self.reason = incomplete_reason(stats) if not stats.ok else ""
            self.outcome = COMPLETE if stats.ok else INCOMPLETE
            self.exit_code = EXIT_OK if stats.ok else EXIT_INCOMPLETE
        else:
            self.exit_code = exit_code_of(exc)
            refused = not self.has_started and self.exit_code in (EXIT_USAGE, EXIT_LOCKED)
            self.outcome = REFUSED if refused else FAILED
            self.reason = one_line(exc)

    @property
    def refused(self) -> bool:
        return self.outcome == REFUSED

    def fields(self) -> dict[str, Any]:
        """What the report and the archive's run record say besides the run's counters."""
        return {
            "result": self.outcome,
            "exit_code": self.exit_code,
            "reason": self.reason,
            "error": self.reason if self.outcome not in (COMPLETE, INCOMPLETE) else None,
            "started_at": iso(self.started),
            "finished_at": iso(self.finished),
            "version": self.version,
            "command": self.command,
            "pid": self.pid,
            "account": self.account,
            "log": str(self.log_file) if self.log_file else None,
        }

    def report(self, stats: Stats) -> dict[str, Any]:
        """The `--report` JSON: these fields first, then the run's counters."""
        counters = stats.summary(self.outcome)
        return {**self.fields(), **{k: v for k, v in counters.items() if k != "result"}}


@contextlib.contextmanager
def sigterm_stops(record: RunRecord) -> Iterator[None]:
    """Inside a running loop: SIGTERM cancels the run as Ctrl-C does (every stage cleans up,
    the run is recorded) and it ends with Terminated. Where the loop cannot take signals
    (Windows, a thread other than the main one), SIGTERM keeps its default."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()

    def stop() -> None:
        if record.stop_signal is not None:
            return  # once is enough: a second cancel would cut the cleanup short
        record.stop_signal = "SIGTERM"
        if task is not None:
            task.cancel()

    try:
        loop.add_signal_handler(signal.SIGTERM, stop)
        installed = True
    except (NotImplementedError, RuntimeError, ValueError):
        installed = False
    try:
        yield
    except asyncio.CancelledError:
        if record.stop_signal == "SIGTERM":
            raise Terminated from None
        raise
    finally:
        if installed:
            loop.remove_signal_handler(signal.SIGTERM)
