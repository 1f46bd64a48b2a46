"""Enumerate the whole photostream despite photos.search's 4,000-result cap."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence

from flickr_async.api import FlickrAPI
from flickr_async.models import Page, Photo

log = logging.getLogger(__name__)

# photos.search returns at most the first 4,000 results of any query; pages past that repeat
# earlier ones while `total`/`pages` still claim everything (flickr-api.md §3).
SEARCH_CAP = 4000
PER_PAGE = 500
SHORT_PAGE_RETRIES = 2


class Photostream:
    """Pages of the owner's photos, oldest upload first, each photo exactly once.

    Flickr caps every query at 4,000 results, so the listing walks upload-date windows: a
    query sorted `date-posted-asc` from `min_upload_date` yields its first 4,000 results; the
    next window starts at the last upload second seen. Bounds are inclusive, so that second
    is asked for again (photos uploaded in the same second must not fall between windows)
    and the overlap is removed by id. This costs no probe calls: a 10,000-photo account
    lists in ceil(10,000/500) pages plus at most one page of overlap per window.
    """

    def __init__(self, api: FlickrAPI, *, per_page: int = PER_PAGE, cap: int = SEARCH_CAP) -> None:
        self.api = api
        self.per_page = per_page
        self.cap = cap
        self.seen: set[str] = set()
        self.problem: str | None = None
        self.claimed_total: int | None = None  # the first query's total (the whole account)

    async def pages(self) -> AsyncIterator[list[Photo]]:
        window_start = 0
        while True:
            newest = window_start
            first: Page | None = None
            window_pages = 1
            page = 1
            while page <= window_pages:
                result = await self._fetch_page(window_start, page, window_pages)
                if first is None:
                    first = result
                    if self.claimed_total is None:
                        self.claimed_total = result.total
                    # Pages past the cap only repeat earlier results: never ask for them.
                    window_pages = max(1, min(result.pages, self.cap // self.per_page))
                fresh = [p for p in result.items if p.id not in self.seen]
                self.seen.update(p.id for p in fresh)
                newest = max([newest, *(p.date_posted for p in result.items)])
                if fresh:
                    yield fresh
                if not result.items:
                    break
                page += 1
            assert first is not None
            if first.total <= self.cap:
                return
            if newest <= window_start:
                # More than `cap` photos share one upload second: no window can split them.
                self.problem = (
                    f"more than {self.cap} photos were uploaded in the same second "
                    f"({window_start}); some of them cannot be listed"
                )
                log.warning(self.problem)
                return
            log.info("listing window from upload date %d holds %d photos", newest, first.total)
            window_start = newest

    async def _fetch_page(self, window_start: int, page: int, window_pages: int) -> Page:
        """One page; a short page that is not the window's last is asked for again.

        Flickr sometimes drops items from a page (filtered or lagging index); the retry usually
        fills it, and whatever is still missing shows up in the reconciliation against the
        account's own count.
        """
        best: Page | None = None
        for _ in range(1 + SHORT_PAGE_RETRIES):
            result = await self.api.photos_search(
                user_id="me",
                min_upload_date=window_start,
                sort="date-posted-asc",
                page=page,
                per_page=self.per_page,
            )
            best = _merge(best, result)
            is_last = page >= min(result.pages, window_pages) or page >= result.pages
            if is_last or len(best.items) >= self.per_page:
                break
            log.info("page %d came back short (%d items); asking again", page, len(best.items))
        assert best is not None
        return best


def _merge(previous: Page | None, result: Page) -> Page:
    if previous is None:
        return result
    known = {p.id for p in result.items}
    extra: Sequence[Photo] = [p for p in previous.items if p.id not in known]
    return Page(
        page=result.page,
        pages=result.pages,
        per_page=result.per_page,
        total=result.total,
        items=[*result.items, *extra],
    )
