"""changes.py: when a sync may trust the changes, and the mark it keeps in the state."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from flickr_async.changes import META_KEY, ListingMark, list_changes, why_full
from flickr_async.models import Page
from flickr_async.state import State

NOW = 1_800_000_000.0
MARK = ListingMark(since=NOW - 3600, full_at=NOW - 86400)


def reason(mark: ListingMark = MARK, **kw: object) -> str | None:
    args: dict[str, object] = {
        "previous_start": mark.since,
        "now": NOW,
        "every_days": 7.0,
        "forced": False,
    }
    args.update(kw)
    return why_full(mark, **args)  # type: ignore[arg-type]


def test_a_recent_full_listing_and_a_listed_last_run_trust_the_changes() -> None:
    assert reason() is None


def test_each_fallback_has_its_reason() -> None:
    assert reason(forced=True) == "--full-listing"
    assert reason(ListingMark()) == "no complete listing recorded yet"
    assert reason(every_days=0.5) == "the last full listing is older than 0.5 days"
    assert reason(every_days=0) == "the last full listing is older than 0 days"
    assert reason(previous_start=NOW - 60) == "the previous run did not finish its listing"
    assert reason(previous_start=None) == "the previous run did not finish its listing"


def test_the_mark_survives_the_state_and_a_damaged_one_means_a_full_listing(
    tmp_path: Path,
) -> None:
    state = State(tmp_path / "state.sqlite3")
    try:
        assert ListingMark.load(state) == ListingMark()
        MARK.after(NOW, full=False).save(state)
        assert ListingMark.load(state) == ListingMark(since=NOW, full_at=MARK.full_at)
        state.set_meta({META_KEY: "{not json"})
        assert ListingMark.load(state) == ListingMark()
        state.set_meta({META_KEY: '{"since": "x", "full_at": null}'})
        assert reason(ListingMark.load(state)) == "no complete listing recorded yet"
    finally:
        state.close()


class Pages:
    """recentlyUpdated as a test scripts it: each page's items (ids), and the total claimed."""

    def __init__(self, pages: list[list[str]], total: int) -> None:
        self.pages, self.total, self.asked = pages, total, []

    async def photos_recently_updated(self, *, min_date: int, page: int, per_page: int) -> Page:
        self.asked.append(page)
        items = [SimpleNamespace(id=i) for i in self.pages[page - 1]]
        return Page(page=page, pages=len(self.pages), per_page=per_page, total=self.total,
                    items=items)  # fmt: skip


async def test_the_changes_listed_whole_are_each_photo_once() -> None:
    api = Pages([["1", "2"], ["2", "3"]], total=3)
    found = await list_changes(api, NOW)  # type: ignore[arg-type]
    assert found is not None and sorted(p.id for p in found) == ["1", "2", "3"]


@pytest.mark.parametrize(
    "pages", [[["1", "2"], [], ["3"]], [["1"], ["2"]]], ids=["an empty page", "short pages"]
)
async def test_changes_shown_short_of_their_total_bring_a_full_listing(
    pages: list[list[str]],
) -> None:
    # An edit left out would never be asked again: the next sync starts after this one.
    assert await list_changes(Pages(pages, total=3), NOW) is None  # type: ignore[arg-type]
