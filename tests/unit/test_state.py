"""State records items only as told, survives reopening, and the lock admits one run."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from flickr_async.archive import Archive
from flickr_async.errors import LockHeldError
from flickr_async.state import ADDED_COLUMNS, SCHEMA, State, StoredAlbum


def record(state: State, photo_id: str = "1", **overrides: object) -> None:
    fields: dict[str, object] = dict(
        photo_id=photo_id,
        last_update=10,
        original_key="s:1x1",
        media="photo",
        path=f"Unsorted/{photo_id}.jpg",
        links=["A/1.jpg"],
        albums=[("a1", "A")],
        size=3,
        sha256="abc",
        served_url="http://x/1.jpg",
        served_bytes=3,
        served_sha256="abc",
        original=True,
        size_label="Original",
        date_taken="2020-01-01 00:00:00",
    )
    fields.update(overrides)
    state.record_done(**fields)  # type: ignore[arg-type]


def test_a_recorded_photo_reads_back_after_reopening(tmp_path: Path) -> None:
    state = State.open(tmp_path)
    record(state)
    state.close()
    row = State.open(tmp_path).photo("1")
    assert row is not None and row.is_done
    assert row.links == ("A/1.jpg",) and row.albums == (("a1", "A"),)


def test_a_failure_never_erases_a_good_copy(tmp_path: Path) -> None:
    state = State.open(tmp_path)
    record(state)
    state.record_failed("1", "HTTP 500")
    row = state.photo("1")
    assert row is not None and row.is_done and row.error == "HTTP 500"


def test_a_failed_new_photo_is_pending_for_the_next_run(tmp_path: Path) -> None:
    state = State.open(tmp_path)
    state.record_failed("2", "HTTP 404")
    row = state.photo("2")
    assert row is not None and not row.is_done and row.attempts == 1


def test_marking_for_repair_makes_a_done_photo_pending(tmp_path: Path) -> None:
    state = State.open(tmp_path)
    record(state)
    state.mark_for_repair(["1"])
    row = state.photo("1")
    assert row is not None and not row.is_done


def test_iter_photos_visits_every_row_in_batches(tmp_path: Path) -> None:
    state = State.open(tmp_path)
    for n in range(25):
        record(state, photo_id=f"{n:03d}")
    assert [r.id for r in state.iter_photos(batch=7)] == [f"{n:03d}" for n in range(25)]


def test_a_second_run_on_the_same_folder_is_refused(tmp_path: Path) -> None:
    with Archive(tmp_path).lock(), pytest.raises(LockHeldError) as err, Archive(tmp_path).lock():
        pass
    assert err.value.exit_code == 4


def test_the_lock_is_free_again_after_a_run(tmp_path: Path) -> None:
    with Archive(tmp_path).lock():
        pass
    with Archive(tmp_path).lock():
        pass


def test_an_archive_from_before_the_new_columns_opens_and_keeps_its_rows(tmp_path: Path) -> None:
    db = tmp_path / "state.sqlite3"
    # The tables as the first release made them: without the columns added since.
    added = {name for columns in ADDED_COLUMNS.values() for name in columns}
    lines = [ln for ln in SCHEMA.splitlines() if ln.strip().split(" ", 1)[0] not in added]
    old_schema = re.sub(r",( *--[^\n]*)?\n\)", r"\1\n)", "\n".join(lines))
    assert not any(name in old_schema for name in added)
    raw = sqlite3.connect(db)
    raw.executescript(old_schema)
    raw.execute(
        "INSERT INTO albums(id, title, folder, date_update, position) VALUES('a', 'A', 'A', 0, 0)"
    )
    raw.execute("INSERT INTO photos(id, status, updated_at, path) VALUES('1', 'done', 0, 'x.jpg')")
    raw.commit()
    raw.close()
    state = State(db)
    row = state.photo("1")
    assert row is not None and row.path == "x.jpg" and row.metadata_stale is False
    assert row.embed_version == 1  # written by the version before XMP: refreshed next run
    assert state.albums()["a"].needs_listing is False
    state.close()


def test_flags_are_kept_apart_from_flickrs_own_values(tmp_path: Path) -> None:
    state = State(tmp_path / "state.sqlite3")
    state.replace_albums(
        [StoredAlbum("a", "A", "A", date_update=0, position=0, photo_ids=(), needs_listing=True)]
    )
    album = state.albums()["a"]
    assert (album.date_update, album.needs_listing) == (0, True)


def test_wanted_thumbnails_come_in_batches_and_only_until_fetched_from_the_url_now_wanted(
    tmp_path: Path,
) -> None:
    state = State.open(tmp_path)
    state.want_thumbnails([(str(i), s, f"http://x/{i}_{s}.jpg") for i in range(5) for s in "qz"])
    first = state.wanted_thumbnails(limit=4)
    rest = state.wanted_thumbnails((first[-1].id, first[-1].size), limit=100)
    assert [(t.id, t.size) for t in first + rest] == [(str(i), s) for i in range(5) for s in "qz"]
    state.record_thumbnail("0", "q", "http://x/0_q.jpg", 1234)
    state.record_thumbnail("0", "z", "http://x/old_z.jpg", 99)  # the listing moved on since
    assert state.thumbnails(["0"])[("0", "q")].bytes == 1234
    assert ("0", "z") in {(t.id, t.size) for t in state.wanted_thumbnails(limit=100)}
    assert ("0", "q") not in {(t.id, t.size) for t in state.wanted_thumbnails(limit=100)}
    state.want_thumbnails([("0", "q", "http://x/0_q2.jpg")])  # replaced on Flickr
    assert state.thumbnails(["0"])[("0", "q")].bytes is None
    state.close()


def test_every_change_to_a_photo_takes_the_next_change_number(tmp_path: Path) -> None:
    state = State.open(tmp_path)
    assert state.change_seq() == (0, 0)
    record(state, "1")
    record(state, "2")
    state.record_deep("1", re_embed=False)
    state.record_failed("3", "HTTP 500")
    state.mark_deleted(["2"], "2026-11-29")
    state.mark_for_repair(["1"])
    state.want_thumbnails([("2", "q", "http://x/2_q.jpg")])
    state.record_thumbnail("2", "q", "http://x/2_q.jpg", 10)
    changed = {brief.id: brief.changed for brief in state.iter_briefs()}
    assert changed == {"1": 6, "2": 7, "3": 4}
    state.forget(["3"])
    assert state.change_seq() == (8, 8)
    assert [brief.id for brief in state.iter_briefs()] == ["1", "2"]
    state.close()
