"""Change-driven sync: ask Flickr what changed instead of listing the whole photostream.

A full listing costs one photos.search page per 500 photos, every run. When the archive's
last complete listing is recent, a sync asks instead:

- flickr.photos.recentlyUpdated since the start of the last run that finished its listing,
  minus SAFETY_MARGIN (clock skew between this machine and Flickr, and the lag of Flickr's
  index behind an edit): every photo uploaded or changed since (title, description, tags,
  comments, privacy, a replaced file, geo), with the full listing's extras;
- flickr.people.getInfo for the account's photo count;
- the album listings a full sync asks anyway.

Its answer is trusted only when the numbers add up: the account's count must equal the
archive's live photos plus the new ones recentlyUpdated showed. Anything else (a deletion,
a photo the index has not caught up with, an album change on a photo Flickr did not report)
falls back to the full listing in the same run. So do a last full listing older than
--full-listing-every days, --full-listing, a previous run that did not finish its listing
(failed, killed, stopped by --max-api-calls) and an archive with work left (a failed
download, a file missing on disk). Deletions are inferred only from a full listing.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flickr_async.api import FlickrAPI
from flickr_async.models import Photo
from flickr_async.state import State

log = logging.getLogger(__name__)

# recentlyUpdated is asked from (last listed run's start - SAFETY_MARGIN): an hour covers a
# clock an hour off and an index that shows an edit up to an hour late. Photos changed in
# that hour are listed twice; they cost nothing more than a look-up (their row is unchanged).
SAFETY_MARGIN = 3600
DEFAULT_FULL_EVERY_DAYS = 7.0
META_KEY = "listing"  # meta: {"since": start of the last run whose listing held, "full_at": …}
PER_PAGE = 500
# More changed photos than this (a bulk edit): the full listing costs about as much and is
# not subject to photos.search-like caps on one query.
MAX_CHANGES = 4000


@dataclass(frozen=True)
class ListingMark:
    """What the archive knows of its listings: the start (Unix time) of the last run whose
    listing held and whose jobs all finished, and of the last such run that listed fully."""

    since: float | None = None
    full_at: float | None = None

    @classmethod
    def load(cls, state: State) -> ListingMark:
        try:
            raw = json.loads(state.get_meta(META_KEY) or "{}")
        except ValueError:
            return cls()
        if not isinstance(raw, Mapping):
            return cls()
        return cls(since=_number(raw.get("since")), full_at=_number(raw.get("full_at")))

    def after(self, started: float, *, full: bool) -> ListingMark:
        return ListingMark(since=started, full_at=started if full else self.full_at)

    def save(self, state: State) -> None:
        state.set_meta({META_KEY: json.dumps({"since": self.since, "full_at": self.full_at})})


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    return None


def why_full(
    mark: ListingMark,
    *,
    previous_start: float | None,
    now: float,
    every_days: float,
    forced: bool,
) -> str | None:
    """Why this run must list the whole photostream, or None when the changes will do.

    `previous_start`: when the archive's previous run started (None: no run before)."""
    if forced:
        return "--full-listing"
    if mark.full_at is None or mark.since is None:
        return "no complete listing recorded yet"
    if every_days <= 0 or now - mark.full_at >= every_days * 86400:
        return f"the last full listing is older than {every_days:g} days"
    if previous_start is None or previous_start != mark.since:
        return "the previous run did not finish its listing"
    return None


async def list_changes(api: FlickrAPI, since: float) -> list[Photo] | None:
    """Every photo recentlyUpdated shows from `since` - SAFETY_MARGIN, each once; None when
    there are more than MAX_CHANGES, or when the pages hold fewer than their total (a page
    came back empty or short: an edit left out would never be asked again, as the next sync
    starts after this one); a full listing then."""
    min_date = max(0, int(since) - SAFETY_MARGIN)
    found: dict[str, Photo] = {}
    page = 1
    pages = 1
    total = 0
    while page <= pages:
        result = await api.photos_recently_updated(min_date=min_date, page=page, per_page=PER_PAGE)
        if result.total > MAX_CHANGES:
            log.info("%d photos changed since the last run: listing them all", result.total)
            return None
        pages, total = result.pages, result.total
        for photo in result.items:
            found.setdefault(photo.id, photo)
        if not result.items:
            break
        page += 1
    if len(found) < total:
        log.info("recentlyUpdated showed %d of the %d changed photos it counts: listing them all",
                 len(found), total)  # fmt: skip
        return None
    return list(found.values())
