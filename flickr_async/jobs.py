"""The plain messages stages pass through queues, and the run's live statistics."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flickr_async.account_records import (
    AccountInfo,
    Collection,
    Contact,
    Fave,
    Gallery,
    Group,
    Person,
)
from flickr_async.choices import SidecarLevel
from flickr_async.errors import ApiBudgetSpent, FatalError, FlickrAsyncError
from flickr_async.models import Album, Comment, DownloadRecord, Photo
from flickr_async.state import StoredPhoto

if TYPE_CHECKING:  # changes imports the API client; jobs needs only the type
    from flickr_async.changes import ListingMark
    from flickr_async.embedded_meta import Meta


class Reason(StrEnum):
    """Why a job exists (the producer's decision, or the importer's), and what a dry run
    says it would do: `would <verb>: <photo id>`. The value is what the dry run's plan
    counts ("3 new") and what tests and logs see."""

    verb: str

    def __new__(cls, value: str, verb: str) -> Reason:
        member = str.__new__(cls, value)
        member._value_ = value
        member.verb = verb
        return member

    NEW = "new", "download"
    RETRY = "retry", "download (failed before)"
    MISSING = "missing", "download (missing on disk)"
    # The original changed on Flickr; or, for an archived smaller size, Flickr offers
    # another file and still no original (a new upload).
    REPLACED = "replaced", "download (replaced on Flickr)"
    # An archived smaller size while Flickr lists an original: probed once this run.
    UPGRADE = "upgrade", "try the original again (a smaller size is archived)"
    CHANGED = "changed", "update metadata"
    # Written by an earlier version (embedded_meta.EMBED_VERSION): re-embedded from the sidecar.
    REFRESH = "refresh", "re-embed its metadata as this version writes it (no call)"
    # Its albums, its path (names, layout) or its links moved, or it is back on Flickr.
    ALBUMS = "albums", "update album links"
    # A sidecar or an album copy is missing: made again from the JSON sidecar.
    SIDECARS = "sidecars", "restore sidecars or album copies (no call)"
    # The JSON sidecar is gone: its metadata asked again.
    LOST_SIDECAR = (
        "lost-sidecar",
        "restore its lost JSON sidecar (metadata asked again, no download)",
    )
    IMPORT = "import", "import from the export"  # the importer's only: a file from the export
    # No job: a complete listing no longer shows an archived photo (a dry run lists it).
    DELETED = "deleted", "mark deleted on Flickr"

    @property
    def downloads(self) -> bool:
        """Its job fetches the file (or, for the importer's, brings it from the export)."""
        return self in _FETCHING


_FETCHING = frozenset(
    {Reason.NEW, Reason.RETRY, Reason.MISSING, Reason.REPLACED, Reason.UPGRADE, Reason.IMPORT}
)


@dataclass(frozen=True, slots=True)
class Job:
    """One photo the writer must (re)finalise, and which inputs it must wait for."""

    photo: Photo
    download: bool  # fetch the file (new, failed before, or the original was replaced)
    metadata: bool  # fetch getInfo/comments before writing the sidecar
    stored: StoredPhoto | None  # what the archive held before this run
    reason: Reason


@dataclass(frozen=True, slots=True)
class Downloaded:
    photo_id: str
    record: DownloadRecord
    part: Path  # the finished .part file, owned by the writer from now on
    # Set by a source that looked at the file's first bytes (the importer): is it a JPEG?
    # None: the writer looks.
    jpeg: bool | None = None
    # The metadata is in the part already (the importer embeds while it copies the file
    # out of its zip: one pass): the part is the file to rename into place.
    embedded: Embedded | None = None


@dataclass(frozen=True, slots=True)
class Embedded:
    """What embedding gave when a source did it (embed.embed_stream): the built file's size
    and SHA-256, the camera values replaced, and for what metadata (the writer checks it
    is the metadata it would embed)."""

    size: int
    sha256: str
    replaced: Mapping[str, str]
    meta: Meta
    with_xmp: bool


@dataclass(frozen=True, slots=True)
class Described:
    photo_id: str
    photo: Photo  # enriched by getInfo when metadata is "full"
    comments: tuple[Comment, ...]
    people: tuple[Person, ...] = ()  # only asked when getInfo says the photo has people
    level: SidecarLevel = "basic"  # what `photo` holds
    # What only Flickr's data export says of the photo (its photo_<id>.json fields the typed
    # record has no place for): kept under the sidecar's "export" key, through later backups.
    export: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Failed:
    photo_id: str
    stage: str  # "download" or "metadata"
    error: str
    deferred: bool = False  # not a failure: the run's API budget is spent; next run goes on


@dataclass(frozen=True, slots=True)
class AlbumPlan:
    """Every album in order, its folder and its photos. Listed beside the photostream (a new
    photo's download need not wait for it); the writer places nothing before it arrives."""

    albums: tuple[Album, ...]
    folders: dict[str, str]
    photo_ids: dict[str, tuple[str, ...]]  # album id -> photo ids in album order
    unlisted: frozenset[str] = frozenset()  # albums whose listing failed: photo_ids are old
    # album id -> its comments as albums.json holds them (fetched only when there are some)
    comments: dict[str, tuple[dict[str, Any], ...]] = field(default_factory=dict)

    def albums_by_photo(self) -> dict[str, tuple[str, ...]]:
        """photo id -> the albums holding it, in the user's album order."""
        result: dict[str, list[str]] = {}
        for album in self.albums:
            for pid in self.photo_ids.get(album.id, ()):
                result.setdefault(pid, []).append(album.id)
        return {pid: tuple(ids) for pid, ids in result.items()}


@dataclass(frozen=True, slots=True)
class ListingDone:
    """Sent after the last job: what the listing saw, and whether it can be trusted."""

    gone: tuple[str, ...]  # archived photos the listing no longer shows (complete listings only)
    forgotten: tuple[str, ...]  # never-archived failures that are gone from Flickr
    complete: bool  # the union matched the account's own count: deletions may be inferred
    account_count: int | None
    problem: str | None = None
    account: AccountInfo | None = None  # the profile, for account.json


@dataclass(frozen=True, slots=True)
class Organisation:
    """The account's organisation beside the photos; None where a listing failed (the file
    from the last run is then kept as it is)."""

    collections: tuple[Collection, ...] | None
    favorites: tuple[Fave, ...] | None
    galleries: tuple[tuple[Gallery, list[dict[str, Any]]], ...] | None
    groups: tuple[Group, ...] | None
    contacts: tuple[Contact, ...] | None


@dataclass(frozen=True, slots=True)
class WorkerExit:
    stage: str


Message = (
    AlbumPlan | Job | Downloaded | Described | Failed | ListingDone | Organisation | WorkerExit
)

log = logging.getLogger(__name__)


async def serve_jobs(
    stage: str,
    jobs: asyncio.Queue[Job | None],
    results: asyncio.Queue[Message],
    handle: Callable[[Job], Awaitable[Message]],
) -> None:
    """The loop every worker runs: one result per job until the producer's None.

    A stage boundary: any error of one item becomes that item's Failed and the worker goes
    on, except those that would fail every item alike (bad token, full disk), which stop
    the run.
    """
    while (job := await jobs.get()) is not None:
        message: Message
        try:
            message = await handle(job)
        except FatalError:
            raise
        except ApiBudgetSpent as exc:
            message = Failed(job.photo.id, stage, str(exc), deferred=True)
        except FlickrAsyncError as exc:
            log.warning("photo %s: %s failed: %s", job.photo.id, stage, exc)
            message = Failed(job.photo.id, stage, str(exc))
        except Exception as exc:
            log.warning("photo %s: %s failed", job.photo.id, stage, exc_info=True)
            message = Failed(job.photo.id, stage, f"{type(exc).__name__}: {exc}")
        await results.put(message)
    await results.put(WorkerExit(stage))


@dataclass
class Stats:
    """Live counters every stage updates and the CLI reads for progress and the summary."""

    listed: int = 0
    recovered: int = 0  # listed by albums/getNotInSet/getPhotos after the search missed them
    jobs: int = 0
    unchanged: int = 0
    downloaded: int = 0
    favorites_kept: int = 0  # favourites' files fetched under Favorites/ (--favorites)
    updated: int = 0  # sidecar/EXIF/links rewritten without a new download
    replaced: int = 0
    failed: int = 0
    deferred: int = 0  # left for the next run: the API budget (--max-api-calls) ran out
    deep: int = 0  # photos given deep metadata (getInfo's notes, people, permissions)
    deep_total: int = 0  # photos the deep pass set out to do (0 until it starts)
    awaiting_deep: int = 0  # photos whose deep metadata is still to come (next runs)
    budget_spent: bool = False  # --max-api-calls stopped the run's API calls
    finished: int = 0  # jobs the writer has closed, successfully or not
    bytes_downloaded: int = 0
    # The site's thumbnails (thumbnails.py): fetched, and failed (the next run tries again;
    # never a reason for exit 1).
    thumbnails: int = 0
    thumbnails_failed: int = 0
    not_original: list[str] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)
    deleted_on_flickr: int = 0
    account_count: int | None = None
    listing_complete: bool = False  # until a listing that went to its end says so
    listing_problem: str | None = None
    # Change-driven sync (changes.py): "full" or "changes", why the full listing was asked,
    # and the archive's listing mark as this run found it.
    listing_mode: str = "full"
    full_listing_reason: str | None = None
    listing_mark: ListingMark | None = None
    organisation_problems: list[str] = field(default_factory=list)
    api_calls: Counter[str] = field(default_factory=Counter)
    # (photo id, reason) for --dry-run: tuples, as 100k of them must stay small
    dry_run_actions: list[tuple[str, Reason]] = field(default_factory=list)
    elapsed: float = 0.0
    # `import` (importer.py): what the export held and lacked, and why it is incomplete.
    export: dict[str, Any] | None = None
    export_problem: str | None = None

    @property
    def ok(self) -> bool:
        """Exit 0: nothing failed, and nothing but deep metadata was left for later."""
        return (
            self.failed == 0
            and self.deferred == 0
            and self.listing_complete
            and not self.organisation_problems
            and self.export_problem is None
        )

    def summary(self, result: str) -> dict[str, Any]:
        """The run's outcome as JSON-ready data (state's run log, --report, the CLI summary)."""
        return {
            "result": result,
            "listed": self.listed,
            "recovered_from_other_listings": self.recovered,
            "account_count": self.account_count,
            "listing_complete": self.listing_complete,
            "listing_problem": self.listing_problem,
            "listing": self.listing_mode,
            "full_listing_reason": self.full_listing_reason,
            "organisation_problems": list(self.organisation_problems),
            "downloaded": self.downloaded,
            "favorites_kept": self.favorites_kept,
            "updated": self.updated,
            "replaced": self.replaced,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "deferred_to_next_run": self.deferred,
            "deep_metadata": self.deep,
            "awaiting_deep_metadata": self.awaiting_deep,
            "api_budget_spent": self.budget_spent,
            "failures": dict(self.failures),
            "not_original": list(self.not_original),
            "deleted_on_flickr": self.deleted_on_flickr,
            "bytes_downloaded": self.bytes_downloaded,
            "thumbnails_fetched": self.thumbnails,
            "thumbnails_failed": self.thumbnails_failed,
            "api_calls": sum(self.api_calls.values()),
            "api_calls_by_method": dict(sorted(self.api_calls.items())),
            "elapsed_seconds": round(self.elapsed, 3),
            **({"export": self.export} if self.export is not None else {}),
        }
