"""Terminal rendering for the CLI: a rich progress bar on a TTY, periodic plain lines otherwise."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flickr_async.sane import printable

if TYPE_CHECKING:  # annotations only: `status` prints sizes without loading rich or jobs
    from rich.console import Console

    from flickr_async.jobs import Stats

from flickr_async.plural import human_bytes, plural

PLAIN_INTERVAL = 10.0  # seconds between status lines when stderr is not a terminal


def status_line(stats: Stats, elapsed: float) -> str:
    rate = stats.bytes_downloaded / elapsed if elapsed > 0 else 0.0
    deep = f", deep metadata {stats.deep}/{stats.deep_total}" if stats.deep_total else ""
    return (
        f"listed {stats.listed}, done {stats.finished}/{stats.jobs}, failed {stats.failed}, "
        f"{human_bytes(stats.bytes_downloaded)} at {human_bytes(rate)}/s, "
        f"{sum(stats.api_calls.values())} API calls{deep}"
    )


@contextlib.asynccontextmanager
async def show_progress(stats: Stats, console: Console, *, quiet: bool) -> AsyncIterator[None]:
    """Render `stats` while the body runs; nothing at all when quiet."""
    if quiet:
        yield
        return
    task = asyncio.create_task(
        _rich_loop(stats, console) if console.is_terminal else _plain_loop(stats, console)
    )
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _rich_loop(stats: Stats, console: Console) -> None:
    # Only a terminal gets the bar: cron runs (--quiet, or a pipe) never load rich.progress.
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    started = time.monotonic()
    progress = Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[bytes]} · {task.fields[rate]}/s · {task.fields[api]} API calls"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
    with progress:
        task = progress.add_task("backing up", total=None, bytes="0 B", rate="0 B", api=0)
        try:
            while True:
                elapsed = max(time.monotonic() - started, 1e-6)
                deep = stats.deep_total > 0  # the files are done: getInfo's pass
                progress.update(
                    task,
                    description="deep metadata"
                    if deep
                    else "listing"
                    if stats.jobs == 0
                    else "backing up",
                    total=(stats.deep_total if deep else stats.jobs) or None,
                    completed=stats.deep if deep else stats.finished,
                    bytes=human_bytes(stats.bytes_downloaded),
                    rate=human_bytes(stats.bytes_downloaded / elapsed),
                    api=sum(stats.api_calls.values()),
                )
                await asyncio.sleep(0.2)
        except asyncio.CancelledError:
            return


async def _plain_loop(stats: Stats, console: Console) -> None:
    started = time.monotonic()
    try:
        while True:
            await asyncio.sleep(PLAIN_INTERVAL)
            console.print(status_line(stats, time.monotonic() - started), highlight=False)
    except asyncio.CancelledError:
        return


FAILURES_SHOWN = 20  # failures the summary names; the rest are counted (all in the log)


def summary_lines(summary: Mapping[str, Any], *, log_file: Path | None = None) -> list[str]:
    """The end-of-run summary, a few plain lines: however many items failed, the first
    FAILURES_SHOWN by name, then a count (and where the run's log is)."""
    lines = [
        f"{summary['result']}: {summary['downloaded']} downloaded, {summary['updated']} updated, "
        f"{summary['unchanged']} unchanged, {summary['failed']} failed "
        f"({human_bytes(summary['bytes_downloaded'])}, {plural(summary['api_calls'], 'API call')}, "
        f"{summary['elapsed_seconds']:.1f} s)",
    ]
    if summary.get("account_count") is not None:
        total = plural(summary["account_count"], "photo")
        if summary.get("listing") == "changes":  # change-driven sync (changes.py)
            lines.append(
                f"Flickr reported {summary['listed']} changed since the last run "
                f"({total} on Flickr; no full listing needed)"
            )
        else:
            lines.append(f"listed {summary['listed']} of {total} on Flickr")
    if summary.get("listing_problem"):
        lines.append(f"INCOMPLETE LISTING: {summary['listing_problem']}")
    if summary.get("deep_metadata"):
        lines.append(f"deep metadata (notes, people, permissions) for {summary['deep_metadata']}")
    if summary.get("api_budget_spent"):
        lines.append(
            "stopped at the API call budget: "
            f"{plural(summary.get('deferred_to_next_run', 0), 'photo')} "
            f"{_waits(summary.get('deferred_to_next_run', 0))} for their metadata, "
            f"{summary.get('awaiting_deep_metadata', 0)} for deep "
            "metadata; the next run continues"
        )
    elif summary.get("awaiting_deep_metadata"):
        lines.append(
            f"{plural(summary['awaiting_deep_metadata'], 'photo')} "
            f"{_waits(summary['awaiting_deep_metadata'])} for deep metadata "
            "(the next run continues)"
        )
    if summary.get("replaced"):
        lines.append(
            f"{plural(summary['replaced'], 'original')} replaced on Flickr (old copies kept)"
        )
    if summary.get("deleted_on_flickr"):
        lines.append(
            f"{plural(summary['deleted_on_flickr'], 'photo')} deleted on Flickr (kept on disk)"
        )
    not_original = summary.get("not_original") or []
    if not_original:
        shown = ", ".join(not_original[:10]) + (" …" if len(not_original) > 10 else "")
        lines.append(f"{len(not_original)} saved without their original (best size): {shown}")
    failures = summary.get("failures") or {}
    for photo_id, error in itertools.islice(failures.items(), FAILURES_SHOWN):
        lines.append(f"failed {photo_id}: {printable(error, multiline=False)}")
    if len(failures) > FAILURES_SHOWN:
        where = f": {log_file}" if log_file else ""
        lines.append(
            f"... and {plural(len(failures) - FAILURES_SHOWN, 'more failure')}, see the log{where}"
        )
    return lines


def _waits(n: int) -> str:
    return "waits" if n == 1 else "wait"
