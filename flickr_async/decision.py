"""What a run does with one listed photo the archive holds: a pure function of the listing,
the stored row, where the plan puts the photo now, and the disk facts the producer looked up
beforehand (by stat alone, in a thread). No I/O here: each outcome has a plain unit test."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from flickr_async import embedded_meta
from flickr_async.jobs import Reason
from flickr_async.models import Photo
from flickr_async.sidecar import original_unchanged
from flickr_async.state import StoredPhoto


@dataclass(frozen=True, slots=True)
class DiskFacts:
    """What the disk holds of an archived photo, looked up before deciding."""

    whole: bool  # its file is there with the recorded size
    # What is gone from beside a whole file: Reason.SIDECARS (made again from the JSON
    # sidecar) or Reason.LOST_SIDECAR (only Flickr has that metadata again); None: nothing.
    missing_beside: Reason | None = None


@dataclass(frozen=True, slots=True)
class PlannedPlace:
    """Where this run's album plan, names and layout put the photo."""

    albums: tuple[tuple[str, str], ...]  # (album id, title), in the user's album order
    path: str
    links: tuple[str, ...]  # its album copies, sorted


def decide(
    photo: Photo, stored: StoredPhoto, disk: DiskFacts, place: Callable[[], PlannedPlace]
) -> Reason | None:
    """Why this photo needs a job, checked in this order, or None: nothing to do.
    `place` says where the plan puts the photo now; it is called only once every reason
    before ALBUMS is ruled out (a failed row's path, a `.jpg~` say, may be no placeable
    name: computing its place up front would raise instead of retrying it)."""
    if not stored.is_done or stored.path is None:
        return Reason.RETRY
    if not disk.whole:
        return Reason.MISSING
    if photo.original_secret and not original_unchanged(
        stored.original_key, photo.original_secret, photo.original_key
    ):
        return Reason.REPLACED
    if stored.original is False and not photo.is_video and offers_other_file(photo, stored):
        # Not an original (free account, downloads disabled, the original refused): the
        # only sign of a new upload, or of the original becoming available, is a different
        # file URL. An original on offer is probed again, once per run.
        return Reason.UPGRADE if photo.url_o else Reason.REPLACED
    if stored.last_update != photo.date_updated or stored.metadata_stale:
        return Reason.CHANGED
    if stored.embed_version < embedded_meta.EMBED_VERSION:
        # Written by an earlier version: re-embed from the sidecar, no API call.
        return Reason.REFRESH
    if stored.deleted_on_flickr is not None:
        return Reason.ALBUMS
    placement = place()
    if (
        placement.albums != stored.albums
        or placement.path != stored.path
        or placement.links != tuple(sorted(stored.links))
    ):
        return Reason.ALBUMS
    return disk.missing_beside


def offers_other_file(photo: Photo, stored: StoredPhoto) -> bool:
    """The listing offers another file than the one archived."""
    offered = photo.url_o or photo.best_url
    if not offered or not stored.served_url:
        return False
    # Compare paths only: Flickr serves one file from several static hosts.
    return urlsplit(offered).path != urlsplit(stored.served_url).path
