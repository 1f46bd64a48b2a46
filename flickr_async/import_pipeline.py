"""run_import(settings, index) -> ImportReport: the importer and the Writer in one TaskGroup.

The same shape as a backup's run (pipeline.py): the run lock, the state, the archive's shape
checked, the account claimed, the run recorded from its start to its end; one stage feeds
the Writer instead of a listing, downloads and metadata calls. No network, no credentials.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from pathlib import Path

from flickr_async import account_files, confine, export_records
from flickr_async.account_records import OwnerProfile
from flickr_async.archive import Archive, Shape
from flickr_async.archive_owner import Owner, check_owner, claim, recorded_owner
from flickr_async.errors import OtherAccountError
from flickr_async.export_files import (
    MAX_ACCOUNT_JSON,
    CorruptMember,
    ExportIndex,
    TooLargeMember,
)
from flickr_async.fsutil import read_json
from flickr_async.importer import Importer, ImportReport
from flickr_async.jobs import Message, Stats
from flickr_async.pipeline import record_run_end, run_together, start_recorded_run
from flickr_async.runrecord import RunRecord
from flickr_async.settings import Settings
from flickr_async.state import State
from flickr_async.writer import Writer

log = logging.getLogger(__name__)

QUEUE = 256  # messages between the importer and the writer: a few photos' worth in flight
PAGES_READ = 5  # photo_<id>.json read for their photo page when the export has no profile
NSID = re.compile(r"[0-9]+@N[0-9]+", re.IGNORECASE)


def export_profile(index: ExportIndex) -> OwnerProfile | None:
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


def export_page_owner(index: ExportIndex) -> str | None:
    """The alias or NSID the export's photo pages name (`flickr.com/photos/<it>/<id>`),
    from the first of its photo_<id>.json that has one (None when none of a few has)."""
    for n, member in enumerate(index.photo_json.values()):
        if n >= PAGES_READ:
            break
        try:
            doc = index.read_json(member)
        except (CorruptMember, TooLargeMember):
            continue
        alias = export_records.page_owner(doc) if isinstance(doc, dict) else None
        if alias:
            return alias
    return None


def check_page_owner(state: State, out: Path, alias: str) -> None:
    """An export without account_profile.json (parts 2..N): its photo pages name the
    account; OtherAccountError when that is not the archive's (its NSID, or the alias
    account.json records). An alias the archive cannot tell (it records none) passes."""
    recorded = recorded_owner(state, out)
    if recorded is None:
        return
    profile = (read_json(out / account_files.ACCOUNT) or {}).get("profile")
    known = profile.get("path_alias") if isinstance(profile, dict) else None
    names = {recorded.nsid.lower()}
    if isinstance(known, str) and known:
        names.add(known.lower())
    elif not NSID.fullmatch(alias):
        return
    if alias.lower() not in names:
        raise OtherAccountError(
            f"{out} is the archive of Flickr account {recorded}, but this export's photos are "
            f"account {alias}'s (their pages are flickr.com/photos/{alias}/): import it into "
            "another folder"
        )


async def run_import(
    settings: Settings,
    index: ExportIndex,
    stats: Stats | None = None,
    record: RunRecord | None = None,
) -> ImportReport:
    """Import the indexed export into settings.out. stats.ok is exit 0."""
    archive = Archive.of_settings(settings)
    stats = stats or Stats()
    record = record or RunRecord(command="import")
    report = ImportReport()
    out = archive.out
    out.mkdir(parents=True, exist_ok=True)
    with archive.lock():
        state = State.open(out)
        try:
            archive.check_shape(state, Shape.of_settings(settings))
            profile = await asyncio.to_thread(export_profile, index)
            if profile is not None:
                owner = Owner(profile.nsid, profile.username)
                check_owner(state, out, owner, adopt=False)
            elif (alias := await asyncio.to_thread(export_page_owner, index)) is not None:
                check_page_owner(state, out, alias)
            # Zips inside a folder PATH that cannot be read: as corrupt as a bad member.
            report.corrupt.extend(index.corrupt)
            run_id: int | None = None
            started = time.monotonic()
            try:
                if profile is not None:
                    record.account = profile.nsid
                    claim(state, out, Owner(profile.nsid, profile.username))
                run_id = start_recorded_run(
                    settings, archive, state, record, "import of Flickr's export"
                )
                await _run_stages(settings, archive, index, state, stats, report, profile)
                _conclude(stats, report)
            except BaseException as exc:
                _conclude(stats, report)
                record_run_end(state, run_id, record, stats, exc, started)
                raise
            record_run_end(state, run_id, record, stats, None, started)
        finally:
            state.close()
    return report


def _conclude(stats: Stats, report: ImportReport) -> None:
    stats.listing_complete = True  # an export is not a listing: its gaps are export_problem
    stats.export = report.as_dict()
    stats.export_problem = report.problem


async def _run_stages(
    settings: Settings,
    archive: Archive,
    index: ExportIndex,
    state: State,
    stats: Stats,
    report: ImportReport,
    profile: OwnerProfile | None,
) -> None:
    parts_dir = confine.folder(archive.out, archive.parts_dir)
    scratch = archive.scratch()
    scratch.clear()
    import_scratch = archive.scratch("import")
    import_scratch.clear()
    results: asyncio.Queue[Message] = asyncio.Queue(maxsize=QUEUE)
    importer = Importer(
        index=index,
        archive=archive,
        state=state,
        stats=stats,
        results=results,
        parts_dir=parts_dir,
        scratch=import_scratch,
        report=report,
        profile=profile,
        exif=settings.exif,
        xmp=settings.xmp,
    )
    writer = Writer(
        settings=settings,
        archive=archive,
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
    await asyncio.to_thread(importer.settle, done)


def _done_ids(state: State) -> set[str]:
    return {b.id for b in state.iter_briefs() if b.status == "done" and b.path}
