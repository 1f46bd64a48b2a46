"""changes.py: when a sync may trust the changes, and the mark it keeps in the state."""

from __future__ import annotations

from pathlib import Path

from flickr_async.changes import META_KEY, ListingMark, why_full
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
