"""run_backup(settings) -> Stats: wires the queues and stages in one TaskGroup."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any

from flickr_async import account_files, confine
from flickr_async.api import FlickrAPI, open_api
from flickr_async.archive import Archive, Shape
from flickr_async.archive_owner import Owner, check_owner, claim
from flickr_async.downloader import Downloader, FileServers, PhotoFetcher
from flickr_async.errors import CredentialsError, FlickrAsyncError, StorageError
from flickr_async.favorites import FavoritesKeeper
from flickr_async.fsutil import read_json
from flickr_async.info_backfill import InfoBackfill
from flickr_async.jobs import Job, Message, Stats
from flickr_async.listing_completer import ListingCompleter
from flickr_async.metadata_fetcher import MetadataFetcher
from flickr_async.models import User
from flickr_async.organisation import Organiser
from flickr_async.producer import Producer
from flickr_async.rebuild import fill, note_options, state_problem
from flickr_async.runrecord import RunRecord
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


async def run_backup(
    settings: Settings,
    stats: Stats | None = None,
    record: RunRecord | None = None,
    *,
    adopt_account: bool = False,
) -> Stats:
    """Back up the account into settings.out. Returns the run's statistics (stats.ok = exit 0).

    `record` learns when the run starts (it holds the lock and the account is the archive's)
    and how it ended; the archive's runs table gets the same. `adopt_account`: the
    credentials may be another account's than the archive's (--adopt-account)."""
    archive = Archive.of_settings(settings)
    require_credentials(settings)
    stats = stats or Stats()
    record = record or RunRecord()
    if settings.dry_run:
        await _dry_run(settings, archive, stats, adopt_account)
        return stats
    archive.out.mkdir(parents=True, exist_ok=True)
    with archive.lock():
        state = State.open(archive.out)
        try:
            archive.check_shape(state, Shape.of_settings(settings))
            await _recorded_run(settings, archive, state, stats, record, adopt_account)
        finally:
            state.close()
    return stats


def start_recorded_run(
    settings: Settings,
    archive: Archive,
    state: State,
    record: RunRecord,
    doing: str,
    *,
    remember: bool = True,
) -> int:
    """A run (a backup or an import) starts: in its record, the log and the state; with
    `remember`, the options the archive keeps are written to the state and to account.json
    (a lost state is rebuilt in this shape). Returns the state's run id."""
    record.start()
    log.info("flickr-async %s, pid %d: %s into %s", record.version, record.pid, doing, archive.out)
    run_id = state.start_run()
    if remember:
        options = {k: getattr(settings, k) for k in REMEMBERED}
        state.set_meta({"options": json.dumps(options)})
        note_options(archive.out, options, archive.scratch())
    return run_id


async def _recorded_run(
    settings: Settings,
    archive: Archive,
    state: State,
    stats: Stats,
    record: RunRecord,
    adopt_account: bool,
) -> None:
    """The run from its login on: refused before anything is written when the credentials
    are another account's; else recorded in the state from its start to its end."""
    out = archive.out
    run_id: int | None = None

    def start(*, remember: bool) -> int:
        doing = f"backup of account {record.account or '?'}"
        return start_recorded_run(settings, archive, state, record, doing, remember=remember)

    started = time.monotonic()
    try:
        async with open_api(settings) as api:
            stats.api_calls = api.calls
            try:
                user = await api.test_login()  # a bad token fails here, before anything else
            except BaseException:
                with contextlib.suppress(StorageError):  # its own error comes first
                    run_id = start(remember=False)  # a run that failed: recorded with it
                raise
            owner = Owner(user.nsid, user.username)
            record.account = user.nsid
            check_owner(state, out, owner, adopt=adopt_account)
            claim(state, out, owner)
            run_id = start(remember=True)
            await _run_stages(settings, archive, api, state, stats, user)
            _count_refused(api, stats)
            _mark_listing(state, stats)
    except BaseException as exc:
        record_run_end(state, run_id, record, stats, exc, started)
        raise
    record_run_end(state, run_id, record, stats, None, started)


def _mark_listing(state: State, stats: Stats) -> None:
    """A run whose listing held and whose jobs all finished is the next sync's starting
    point (changes.py); any other leaves the mark as it was, so the next run lists fully."""
    mark = stats.listing_mark
    started = state.recent_runs(1)
    if mark is None or not started or not stats.listing_complete:
        return
    if stats.failed or stats.deferred or stats.budget_spent:
        return
    full = stats.listing_mode == "full"
    mark.after(float(started[0]["started"]), full=full).save(state)


def record_run_end(
    state: State,
    run_id: int | None,
    record: RunRecord,
    stats: Stats,
    exc: BaseException | None,
    started: float,
) -> None:
    stats.elapsed = time.monotonic() - started
    record.finish(stats, exc)
    if run_id is None:
        return  # refused: the archive keeps no trace of it
    try:
        state.finish_run(run_id, record.outcome, record.report(stats))
    except StorageError as also:  # a full disk: what ended the run stays its outcome
        log.warning("the run's end could not be recorded in the state: %s", also)


async def _run_stages(
    settings: Settings, archive: Archive, api: FlickrAPI, state: State, stats: Stats, user: User
) -> None:
    out = archive.out
    dry = settings.dry_run
    workers, api_workers = (0, 0) if dry else (settings.concurrency, METADATA_WORKERS)
    downloads: asyncio.Queue[Job | None] = asyncio.Queue(maxsize=max(1, workers) * 4)
    metadata: asyncio.Queue[Job | None] = asyncio.Queue(maxsize=METADATA_WINDOW)
    results: asyncio.Queue[Message] = asyncio.Queue(maxsize=METADATA_WINDOW)
    file_servers = FileServers.for_settings(settings)  # a CDN 429 slows every worker
    thumbnails = None
    if not dry and settings.site:  # beside the originals, in a lane of their own
        thumbnails = Thumbnails(
            api=api,
            settings=settings,
            archive=archive,
            state=state,
            stats=stats,
            servers=file_servers,
            tmp=archive.scratch_dir("thumbs"),
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
            read_json(out / account_files.GALLERIES)
        ),
    )
    if dry:
        # Lists and diffs; enqueues nothing. The organisation is listed (its calls count in
        # a dry run's figures) and its message left unread: nothing is written.
        await run_together([producer.run(), organiser.run()])
        return
    thumbnailer = thumbnails  # None under --no-site: the site is what they are for

    # Folders the run writes and clears: refused when a link sends them out of OUT.
    parts_dir = confine.folder(out, archive.parts_dir)
    scratch = archive.scratch()
    scratch.clear()  # leftovers of a killed run: never under a final name, safe to drop
    # its own: the writer clears `scratch`
    deep_scratch = archive.scratch("deep")
    deep_scratch.clear()
    deep = settings.metadata == "deep"
    # With a --max-api-calls cap the deep pass waits for the files: the budget goes to the
    # list level first. Without one it runs beside them, on the calls the others leave.
    beside = deep and settings.max_api_calls is None
    placing = asyncio.Lock()
    placed: asyncio.Queue[str] | None = asyncio.Queue() if beside else None
    writer = Writer(
        settings=settings,
        archive=archive,
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
            fetcher=PhotoFetcher.for_api(
                api, settings, parts_dir=parts_dir, stats=stats, servers=file_servers
            ),
            jobs=downloads,
            results=results,
        )
        for _ in range(workers)
    ]
    list_level = ListingCompleter(api, state) if settings.metadata != "basic" else None
    fetchers = [
        MetadataFetcher(
            api=api, settings=settings, jobs=metadata, results=results, list_level=list_level
        )
        for _ in range(api_workers)
    ]
    files_done = asyncio.Event()
    listed = asyncio.Event()  # every page listed: the thumbnails' lane knows every row

    async def originals() -> None:
        await run_together([d.run() for d in downloaders])

    async def thumbs() -> None:
        if thumbnailer is not None:  # from the start, never in an original's place
            await thumbnailer.run(listing_done=listed)

    async def produce() -> None:
        try:
            await producer.run()
        finally:
            listed.set()

    async def listings() -> None:
        if settings.max_api_calls is None:
            await run_together([produce(), organiser.run()])
        else:  # a cap: the photos' and albums' listings first, the organisation after them
            await produce()
            await organiser.run()
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
                archive=archive,
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
        deep_pass = InfoBackfill(
            api=api,
            settings=settings,
            archive=archive,
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


def _count_refused(api: FlickrAPI, stats: Stats) -> None:
    """Listing records the edge checks refused (edge.InvalidRecord): one failed item each."""
    for what, reason in api.rejected.items():
        if what not in stats.failures:
            stats.failed += 1
            stats.failures[what] = reason


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


async def _dry_run(settings: Settings, archive: Archive, stats: Stats, adopt_account: bool) -> None:
    """List and diff only: nothing is downloaded and nothing under OUT is written."""
    out = archive.out
    problem = state_problem(out)
    state = State(
        archive.state_file if archive.state_file.exists() and not problem else Path(":memory:")
    )
    if problem is not None:  # what a backup would do once it has rebuilt the state
        await asyncio.to_thread(fill, state, out, problem)  # reads every file
    started = time.monotonic()
    try:
        archive.check_shape(state, Shape.of_settings(settings))
        async with open_api(settings) as api:
            stats.api_calls = api.calls
            user = await api.test_login()
            check_owner(state, out, Owner(user.nsid, user.username), adopt=adopt_account)
            await _run_stages(settings, archive, api, state, stats, user)
            _count_refused(api, stats)
    finally:
        stats.elapsed = time.monotonic() - started
        state.close()
