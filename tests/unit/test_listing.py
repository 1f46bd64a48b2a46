"""The photostream listing walks upload-date windows past the 4,000-result cap."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Any

import pytest

from flickr_async.listing import Photostream
from flickr_async.models import Page


@dataclass(frozen=True)
class Item:
    id: str
    date_posted: int


@dataclass
class CappedSearch:
    """photos.search as Flickr behaves: sorted, inclusive bounds, results capped per query."""

    items: list[Item]
    cap: int = 4000
    short_once: set[int] = field(default_factory=set)  # pages that come back short once
    short_tail_once: set[int] = field(default_factory=set)  # then short at the other end once
    short_always: set[int] = field(default_factory=set)  # pages that never come back whole
    calls: int = 0

    async def photos_search(self, **kw: Any) -> Page:
        self.calls += 1
        assert kw["sort"] == "date-posted-asc"
        lo = int(kw["min_upload_date"])
        hi = int(kw.get("max_upload_date", 2**62))
        per_page, page = int(kw["per_page"]), int(kw["page"])
        matching = sorted(
            (i for i in self.items if lo <= i.date_posted <= hi),
            key=lambda i: (i.date_posted, i.id),
        )
        total = len(matching)
        pages = max(1, math.ceil(total / per_page))
        capped_page = (page - 1) % (self.cap // per_page) + 1  # past the cap: repeats
        chunk = matching[(capped_page - 1) * per_page : capped_page * per_page]
        if page in self.short_once:
            self.short_once.discard(page)
            chunk = chunk[3:]
        elif page in self.short_tail_once:
            self.short_tail_once.discard(page)
            chunk = chunk[:-3]
        elif page in self.short_always:
            chunk = chunk[3:]
        return Page(page=page, pages=pages, per_page=per_page, total=total, items=chunk)


def library(n: int, *, per_second: int = 3) -> list[Item]:
    return [Item(id=str(10_000 + i), date_posted=1_000_000 + i // per_second) for i in range(n)]


async def collect(stream: Photostream) -> list[str]:
    return [p.id async for batch in stream.pages() for p in batch]


async def test_an_account_past_the_cap_is_listed_whole_and_once() -> None:
    items = library(4500)
    api = CappedSearch(items)
    ids = await collect(Photostream(api))  # type: ignore[arg-type]
    assert sorted(ids) == sorted(i.id for i in items)
    assert len(ids) == len(set(ids))


async def test_listing_costs_one_call_per_500_photos_and_at_most_one_more() -> None:
    for n in (300, 4500, 9999, 20_000, 33_333):
        for per_second in (1, 3):
            api = CappedSearch(library(n, per_second=per_second))
            ids = await collect(Photostream(api))  # type: ignore[arg-type]
            assert len(set(ids)) == n
            assert api.calls <= math.ceil(n / 500) + 1, (n, per_second, api.calls)


async def test_photos_sharing_the_boundary_second_are_not_lost_between_windows() -> None:
    # 7 photos per second: the 4,000th result falls inside a second whose other photos
    # are past the cap; the next window starts at that second.
    items = library(9000, per_second=7)
    api = CappedSearch(items)
    ids = await collect(Photostream(api))  # type: ignore[arg-type]
    assert sorted(ids) == sorted(i.id for i in items)


async def test_a_short_non_final_page_is_asked_for_again() -> None:
    items = library(1500)
    api = CappedSearch(items, short_once={2})
    stream = Photostream(api)  # type: ignore[arg-type]
    ids = await collect(stream)
    assert sorted(ids) == sorted(i.id for i in items)
    assert stream.problem is None


async def test_more_photos_in_one_second_than_the_cap_is_reported_not_looped() -> None:
    items = [Item(id=str(i), date_posted=5) for i in range(60)]
    api = CappedSearch(items, cap=20)
    stream = Photostream(api, per_page=10, cap=20)  # type: ignore[arg-type]
    ids = await collect(stream)
    assert len(ids) == 20
    assert stream.problem is not None and "same second" in stream.problem


async def test_the_cap_problem_is_reported_in_full_and_logged_as_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    items = [Item(id=str(i), date_posted=5) for i in range(60)]
    stream = Photostream(CappedSearch(items, cap=20), per_page=10, cap=20)  # type: ignore[arg-type]
    with caplog.at_level(logging.WARNING, logger="flickr_async.listing"):
        await collect(stream)
    expected = (
        "more than 20 photos were uploaded in the same second (5); some of them cannot be listed"
    )
    assert stream.problem == expected
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING] == [expected]


async def test_an_account_of_exactly_the_cap_is_listed_in_one_window() -> None:
    api = CappedSearch(library(4000))
    ids = await collect(Photostream(api))  # type: ignore[arg-type]
    assert len(set(ids)) == 4000
    assert api.calls == 8  # a ninth would open a needless window at the last second


async def test_an_account_of_one_page_costs_one_call() -> None:
    api = CappedSearch(library(300))
    assert len(await collect(Photostream(api))) == 300  # type: ignore[arg-type]
    assert api.calls == 1


async def test_an_empty_account_costs_one_call_and_lists_nothing() -> None:
    api = CappedSearch([])
    assert await collect(Photostream(api)) == []  # type: ignore[arg-type]
    assert api.calls == 1


async def test_a_photo_uploaded_at_second_zero_is_listed() -> None:
    api = CappedSearch([Item(id="1", date_posted=0), Item(id="2", date_posted=5)])
    assert sorted(await collect(Photostream(api))) == ["1", "2"]  # type: ignore[arg-type]


async def test_a_page_that_stays_short_is_asked_for_twice_more_then_taken_as_it_is() -> None:
    items = library(1500)
    api = CappedSearch(items, short_always={2})
    ids = await collect(Photostream(api))  # type: ignore[arg-type]
    assert api.calls == 3 + 2
    never_served = {i.id for i in items[500:503]}
    assert sorted(ids) == sorted({i.id for i in items} - never_served)


async def test_two_short_answers_for_one_page_are_merged_into_the_whole_page() -> None:
    items = library(1500)
    api = CappedSearch(items, short_once={2}, short_tail_once={2})
    ids = await collect(Photostream(api))  # type: ignore[arg-type]
    assert sorted(ids) == sorted(i.id for i in items)
    assert api.calls == 3 + 1


async def test_new_windows_and_short_pages_are_logged_at_info(
    caplog: pytest.LogCaptureFixture,
) -> None:
    api = CappedSearch(library(4500), short_once={2})
    with caplog.at_level(logging.INFO, logger="flickr_async.listing"):
        await collect(Photostream(api))  # type: ignore[arg-type]
    assert [r.getMessage() for r in caplog.records] == [
        "page 2 came back short (497 items); asking again",
        "listing window from upload second 1001333",  # where the 4,000th photo was uploaded
    ]


async def test_a_short_first_page_is_asked_for_again() -> None:
    items = library(1500)
    api = CappedSearch(items, short_once={1})
    ids = await collect(Photostream(api))  # type: ignore[arg-type]
    assert sorted(ids) == sorted(i.id for i in items)
