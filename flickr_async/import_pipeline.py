"""run_import(settings, index) -> ImportReport: the importer and the Writer in one TaskGroup.

The same shape as a backup's run (pipeline.py): the run lock, the state, the archive's shape
checked, the account claimed, the run recorded from its start to its end; one stage feeds
the Writer instead of a listing, downloads and metadata calls. No network, no credentials.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time

from flickr_async import confine, export_records, layout
from flickr_async.account import Profile
from flickr_async.archive_owner import Owner, check_owner, claim
from flickr_async.export_files import (
    MAX_ACCOUNT_JSON,
    CorruptMember,
    ExportIndex,
    TooLargeMember,
)
from flickr_async.fsutil import Scratch
from flickr_async.importer import Importer, ImportReport
from flickr_async.jobs import Message, Stats
from flickr_async.pipeline import _record_end, run_together
from flickr_async.rebuild import note_options
from flickr_async.reshape import Shape, check_shape
from flickr_async.runlock import RunLock
from flickr_async.runrecord import RunRecord
from flickr_async.settings import Settings
from flickr_async.state import REMEMBERED, State
from flickr_async.writer import Writer

log = logging.getLogger(__name__)

QUEUE = 256  # messages between the importer and the writer: a few photos' worth in flight


def export_profile(index: ExportIndex) -> Profile | None:
    """The owner's profile from account_profile.json (None when the export lacks it)."""
    member = index.account.get("account_profile.json")
    if member is None:
        return None
    try:
        doc = index.read_json(member, MAX_ACCOUNT_JSON)
    except (CorruptMember, TooLargeMember) as exc:
        log.warning("%s", exc)
        return None
    if not isinstance(doc, dict):
        return None
    profile = export_records.profile_from_export(doc)
    return profile if profile.nsid else None


async def run_import(
    settings: Settings,
    index: ExportIndex,
    stats: Stats | None = None,
    record: RunRecord | None = None,
) -> ImportReport:
    """Import the indexed export into settings.out. stats.ok is exit 0."""
    assert settings.out is not None
    stats = stats or Stats()
    record = record or RunRecord(command="import")
    report = ImportReport()
    out = settings.out
    out.mkdir(parents=True, exist_ok=True)
    with RunLock(out):
        state = State.open(out)
        try:
            check_shape(state, Shape(settings.layout, settings.names, settings.links), out)
            profile = await asyncio.to_thread(export_profile, index)
            if profile is not None:
                owner = Owner(profile.nsid, profile.username)
                check_owner(state, out, owner, adopt=False)
            run_id: int | None = None
            started = time.monotonic()
            try:
                if profile is not None:
                    record.account = profile.nsid
                    claim(state, out, Owner(profile.nsid, profile.username))
                run_id = _start(settings, state, record)
                await _run_stages(settings, index, state, stats, report, profile)
                _conclude(stats, report)
            except BaseException as exc:
                _conclude(stats, report)
                _record_end(state, run_id, record, stats, exc, started)
                raise
            _record_end(state, run_id, record, stats, None, started)
        finally:
            state.close()
    return report


def _start(settings: Settings, state: State, record: RunRecord) -> int:
    assert settings.out is not None
    record.start()
    log.info("flickr-async %s, pid %d: import of Flickr's export into %s", record.version,
             record.pid, settings.out)  # fmt: skip
    run_id = state.start_run()
    options = {k: getattr(settings, k) for k in REMEMBERED}
    state.set_meta({"options": json.dumps(options)})
    scratch = Scratch(settings.out / layout.STATE_DIR / "tmp", out=settings.out)
    note_options(settings.out, options, scratch)
    return run_id


def _conclude(stats: Stats, report: ImportReport) -> None:
    stats.listing_complete = True  # an export is not a listing: its gaps are export_problem
    stats.export = report.as_dict()
    stats.export_problem = report.problem


async def _run_stages(
    settings: Settings,
    index: ExportIndex,
    state: State,
    stats: Stats,
    report: ImportReport,
    profile: Profile | None,
) -> None:
    assert settings.out is not None
    out = settings.out
    base = out / layout.STATE_DIR
    parts_dir = confine.folder(out, base / "parts")
    scratch = Scratch(base / "tmp", out=out)
    scratch.clear()
    import_scratch = Scratch(base / "tmp-import", out=out)
    import_scratch.clear()
    results: asyncio.Queue[Message] = asyncio.Queue(maxsize=QUEUE)
    importer = Importer(
        index=index,
        out=out,
        state=state,
        stats=stats,
        results=results,
        parts_dir=parts_dir,
        scratch=import_scratch,
        report=report,
        profile=profile,
    )
    writer = Writer(
        settings=settings,
        state=state,
        results=results,
        stats=stats,
        workers=importer.workers,
        scratch=scratch,
        parts_dir=parts_dir,
        organisation=True,
    )
    try:
        await run_together([importer.run(), writer.run()])
    finally:
        import_scratch.clear()
    done = await asyncio.to_thread(_done_ids, state)
    importer.album_gaps(done)


def _done_ids(state: State) -> set[str]:
    return {b.id for b in state.iter_briefs() if b.status == "done" and b.path}
