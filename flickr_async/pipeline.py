"""run_backup(settings) -> Stats: wires the queues and stages in one TaskGroup."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any

from flickr_async import account_files, layout
from flickr_async.api import FlickrAPI, open_api
from flickr_async.deep import DeepMetadata
from flickr_async.downloader import Downloader, FileServers
from flickr_async.errors import ConfigError, CredentialsError, FlickrAsyncError
from flickr_async.favorites import FavoritesKeeper
from flickr_async.fsutil import Scratch, read_json
from flickr_async.jobs import Job, Message, Stats
from flickr_async.listlevel import ListLevel
from flickr_async.metadata import MetadataFetcher
from flickr_async.organisation import Organiser
from flickr_async.producer import Producer
from flickr_async.reshape import Shape, check_shape
from flickr_async.runlock import RunLock
from flickr_async.settings import Settings
from flickr_async.state import REMEMBERED, State
from flickr_async.thumbnails import Thumbnails
from flickr_async.writer import Writer

log = logging.getLogger(__name__)

METADATA_WORKERS = 4  # the token bucket sets the pace; a few workers hide call latency
# How far downloads may run ahead of metadata calls (jobs, not bytes): big enough that
# neither stage idles while the other works, small enough to keep memory flat.
METADATA_WINDOW = 1000


def require_credentials(settings: Settings) -> None:
    settings.require_key()
    if not settings.has_token:
        raise CredentialsError(
            f"no access token: run `flickr-async auth` first (looked in {settings.token_file})"
        )


async def run_backup(settings: Settings, stats: Stats | None = None) -> Stats:
    """Back up the account into settings.out. Returns the run's statistics (stats.ok = exit 0)."""
    assert settings.out is not None
    require_credentials(settings)
    stats = stats or Stats()
    out = settings.out
    if settings.dry_run:
        await _dry_run(settings, stats)
        return stats
    out.mkdir(parents=True, exist_ok=True)
    with RunLock(out):
        state = State.open(out)
        try:
            check_shape(state, Shape(settings.layout, settings.names, settings.links), out)
        except ConfigError:
            state.close()
            raise
        run_id = state.start_run()
        state.set_meta({"options": json.dumps({k: getattr(settings, k) for k in REMEMBERED})})
        started = time.monotonic()
        result = "failed"
        try:
            async with open_api(settings) as api:
                stats.api_calls = api.calls
                await _run_stages(settings, api, state, stats)
            result = "complete" if stats.ok else "incomplete"
        finally:
            stats.elapsed = time.monotonic() - started
            state.finish_run(run_id, result, stats.summary(result))
            state.close()
    return stats


async def _run_stages(settings: Settings, api: FlickrAPI, state: State, stats: Stats) -> None:
    assert settings.out is not None
    user = await api.test_login()  # a bad token fails here, before anything else happens
    dry = settings.dry_run
    workers, api_workers = (0, 0) if dry else (settings.concurrency, METADATA_WORKERS)
    downloads: asyncio.Queue[Job | None] = asyncio.Queue(maxsize=max(1, workers) * 4)
    metadata: asyncio.Queue[Job | None] = asyncio.Queue(maxsize=METADATA_WINDOW)
    results: asyncio.Queue[Message] = asyncio.Queue(maxsize=METADATA_WINDOW)
    base = settings.out / layout.STATE_DIR
    file_servers = FileServers.for_settings(settings)  # a CDN 429 slows every worker
    thumbnails = None
    if not dry and settings.site:  # after the originals, with the same limit on files in flight
        thumbnails = Thumbnails(
            api=api,
            settings=settings,
            state=state,
            stats=stats,
            servers=file_servers,
            tmp=base / "tmp-thumbs",
        )
    producer = Producer(
        api=api,
        state=state,
        settings=settings,
        user_nsid=user.nsid,
        stats=stats,
        downloads=downloads,
        metadata=metadata,
        results=results,
        download_workers=workers,
        metadata_workers=api_workers,
        on_listed=thumbnails.note_listed if thumbnails else None,
    )
    organiser = Organiser(
        api=api,
        user_nsid=user.nsid,
        results=results,
        stats=stats,
        known_galleries=account_files.known_gallery_photos(
            read_json(settings.out / account_files.GALLERIES)
        ),
    )
    if dry:
        # Lists and diffs; enqueues nothing. The organisation is listed (its calls count in
        # a dry run's figures) and its message left unread: nothing is written.
        await run_together([producer.run(), organiser.run()])
        return
    thumbnailer = thumbnails  # None under --no-site: the site is what they are for

    parts_dir = base / "parts"
    parts_dir.mkdir(parents=True, exist_ok=True)
    scratch = Scratch(base / "tmp")
    scratch.clear()  # leftovers of a killed run: never under a final name, safe to drop
    deep_scratch = Scratch(base / "tmp-deep")  # its own: the writer clears `scratch`
    deep_scratch.clear()
    deep = settings.metadata == "deep"
    # With a --max-api-calls cap the deep pass waits for the files: the budget goes to the
    # list level first. Without one it runs beside them, on the calls the others leave.
    beside = deep and settings.max_api_calls is None
    placing = asyncio.Lock()
    placed: asyncio.Queue[str] | None = asyncio.Queue() if beside else None
    writer = Writer(
        settings=settings,
        state=state,
        results=results,
        stats=stats,
        workers=workers + api_workers,
        scratch=scratch,
        parts_dir=parts_dir,
        organisation=True,
        placing=placing,
        placed=placed,
    )
    downloaders = [
        Downloader(
            api=api,
            session=api.session,
            retry=api.retry,
            settings=settings,
            jobs=downloads,
            results=results,
            stats=stats,
            parts_dir=parts_dir,
            servers=file_servers,
        )
        for _ in range(workers)
    ]
    list_level = ListLevel(api, state) if settings.metadata != "basic" else None
    fetchers = [
        MetadataFetcher(
            api=api, settings=settings, jobs=metadata, results=results, list_level=list_level
        )
        for _ in range(api_workers)
    ]
    files_done = asyncio.Event()
    downloads_done = asyncio.Event()

    async def originals() -> None:
        await run_together([d.run() for d in downloaders])
        downloads_done.set()

    async def thumbs() -> None:
        await downloads_done.wait()  # every original first: thumbnails are for later
        if thumbnailer is not None:
            await thumbnailer.run()

    async def listings() -> None:
        await run_together([producer.run(), organiser.run()])
        api.budget.listed()  # --max-api-calls: the rest of the budget is the photos'

    async def files() -> None:
        await run_together(
            [
                listings(),
                writer.run(),
                originals(),
                *(f.run() for f in fetchers),
            ]
        )
        faves = organiser.found.favorites if organiser.found else None
        if settings.favorites and faves is not None:
            keeper = FavoritesKeeper(
                api=api,
                settings=settings,
                state=state,
                stats=stats,
                scratch=scratch,
                parts_dir=parts_dir,
                servers=file_servers,
            )
            await keeper.run(faves)
        files_done.set()

    if not deep:
        await run_together([files(), thumbs()])
    else:
        deep_pass = DeepMetadata(
            api=api,
            settings=settings,
            state=state,
            stats=stats,
            scratch=deep_scratch,
            workers=METADATA_WORKERS,
            placing=placing,
            files_done=files_done,
            placed=placed,
        )
        await run_together([files(), thumbs(), deep_pass.run()])
    stats.budget_spent = api.budget_refused


async def run_together(stages: Sequence[Coroutine[Any, Any, None]]) -> None:
    """Run every stage in one TaskGroup: if one fails, the others are cancelled and the
    failure is raised as itself (not as an ExceptionGroup) for the CLI to report."""
    try:
        async with asyncio.TaskGroup() as tg:
            for stage in stages:
                tg.create_task(stage)
    except BaseExceptionGroup as group:
        raise first_cause(group) from None


def first_cause(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The error to report for a failed TaskGroup: ours before anything unexpected."""
    leaves: list[BaseException] = []
    stack: list[BaseException] = [group]
    while stack:
        exc = stack.pop(0)
        if isinstance(exc, BaseExceptionGroup):
            stack.extend(exc.exceptions)
        else:
            leaves.append(exc)
    return next((e for e in leaves if isinstance(e, FlickrAsyncError)), leaves[0])


async def _dry_run(settings: Settings, stats: Stats) -> None:
    """List and diff only: nothing is downloaded and nothing under OUT is written."""
    assert settings.out is not None
    state_file = settings.out / layout.STATE_DIR / "state.sqlite3"
    state = State(state_file if state_file.exists() else Path(":memory:"))
    started = time.monotonic()
    try:
        check_shape(state, Shape(settings.layout, settings.names, settings.links), settings.out)
        async with open_api(settings) as api:
            stats.api_calls = api.calls
            await _run_stages(settings, api, state, stats)
    finally:
        stats.elapsed = time.monotonic() - started
        state.close()
