"""Enumerate the whole photostream despite photos.search's 4,000-result cap and lagging index."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from flickr_async.api import FlickrAPI
from flickr_async.models import Page, Photo

log = logging.getLogger(__name__)

# photos.search returns at most the first 4,000 results of any query; pages past that repeat
# earlier ones while `total`/`pages` still claim everything (flickr-api.md §3).
SEARCH_CAP = 4000
PER_PAGE = 500
SHORT_PAGE_RETRIES = 2


@dataclass
class Window:
    """What one query from upload second `lower` onwards returned."""

    lower: int
    total: int = 0  # Flickr's claim for the whole window
    newest: int = 0  # the last upload second seen
    capped: bool = False  # more than the cap: the rest needs another window


class Photostream:
    """Pages of the owner's photos, oldest upload first, each photo exactly once.

    Flickr caps every query at 4,000 results, so the listing walks upload-date windows
    sorted `date-posted-asc`: a window yields its first 4,000 results, ending at upload
    second t, and the next window starts at t itself (bounds are inclusive) so photos of
    second t past the cap are not lost; the few already seen are dropped by id. That overlap
    costs at most one page over the whole listing (capped windows are exactly 8 full pages;
    only the last one can spill), where starting at t+1 would need an extra query for every
    window boundary that splits a second — frequent with batch uploads. A 10,000-photo
    account lists in ceil(10,000/500) pages, at most one more.
    """

    def __init__(self, api: FlickrAPI, *, per_page: int = PER_PAGE, cap: int = SEARCH_CAP) -> None:
        self.api = api
        self.per_page = per_page
        self.cap = cap
        self.seen: set[str] = set()
        self.problem: str | None = None

    async def pages(self) -> AsyncIterator[list[Photo]]:
        lower = 0
        while True:
            window = Window(lower)
            async for batch in self._window(window):
                yield batch
            if not window.capped:
                return
            if window.newest <= window.lower:
                # More than `cap` photos share one upload second: no window can split them.
                self._report(window.lower)
                return
            lower = window.newest
            log.info("listing window from upload second %d", lower)

    def _report(self, second: int) -> None:
        self.problem = (
            f"more than {self.cap} photos were uploaded in the same second ({second}); "
            "some of them cannot be listed"
        )
        log.warning(self.problem)

    async def _window(self, window: Window) -> AsyncIterator[list[Photo]]:
        window_pages = 1
        page = 1
        while page <= window_pages:
            result = await self._fetch_page(window, page)
            if page == 1:
                window.total = result.total
                window.capped = result.total > self.cap
                # Pages past the cap only repeat earlier results: never ask for them.
                window_pages = self._pages_in_window(result)
            window.newest = max([window.newest, *(p.date_posted for p in result.items)])
            fresh = [p for p in result.items if p.id not in self.seen]
            self.seen.update(p.id for p in fresh)
            if fresh:
                yield fresh
            if not result.items:
                return
            page += 1

    def _pages_in_window(self, result: Page) -> int:
        """Pages past the cap only repeat earlier results: never ask for them."""
        return max(1, min(result.pages, self.cap // self.per_page))

    async def _fetch_page(self, window: Window, page: int) -> Page:
        """One page; a short page that is not the window's last is asked for again.

        Flickr sometimes drops items from a page (filtered or lagging index); the retry usually
        fills it, and whatever is still missing shows up in the reconciliation against the
        account's own count.
        """
        best: Page | None = None
        for _ in range(1 + SHORT_PAGE_RETRIES):
            result = await self.api.photos_search(
                user_id="me",
                sort="date-posted-asc",
                page=page,
                per_page=self.per_page,
                min_upload_date=window.lower,  # inclusive, Unix seconds
            )
            best = _merge(best, result)
            # Judged from this answer (the caller knows the window's size only after page 1:
            # a short first page must be asked for again too).
            is_last = page >= self._pages_in_window(result)
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


async def recover_missing(
    api: FlickrAPI,
    seen: set[str],
    album_members: Mapping[str, Sequence[str]],
    target: int,
    owner: str,
) -> AsyncIterator[list[Photo]]:
    """Photos the search did not return, from the other listings, until `seen` reaches `target`.

    Flickr's search index lags behind uploads and edits: photos that albums, getNotInSet and
    people.getPhotos all list can be missing from photos.search for a while. Called only when
    the account's own count says something is missing, so a run with nothing missing pays
    nothing. In order of cost: the albums that hold ids the search did not return (their ids
    are already known from the album plan), photos in no album, then the whole photostream.
    """
    wanted = [
        album_id for album_id, ids in album_members.items() if any(pid not in seen for pid in ids)
    ]
    sources: list[tuple[str, Callable[[int], Awaitable[Page]]]] = [
        (f"album {album_id}", _album_pages(api, album_id)) for album_id in wanted
    ]
    sources.append(
        ("photos in no album", lambda n: api.photos_get_not_in_set(page=n, per_page=PER_PAGE))
    )
    sources.append(("the photostream", lambda n: api.people_get_photos(page=n, per_page=PER_PAGE)))
    for name, fetch in sources:
        if len(seen) >= target:
            return
        log.info("the search missed %d photos; listing %s", target - len(seen), name)
        async for page in api.paginate(fetch):
            # Album pages carry the owner in their envelope, not per photo.
            fresh = [p if p.owner else replace(p, owner=owner) for p in page.items]
            fresh = [p for p in fresh if p.id not in seen]
            seen.update(p.id for p in fresh)
            if fresh:
                yield fresh


def _album_pages(api: FlickrAPI, album_id: str) -> Callable[[int], Awaitable[Page]]:
    def fetch(n: int) -> Awaitable[Page]:
        return api.photosets_get_photos(album_id, page=n, per_page=PER_PAGE)

    return fetch
