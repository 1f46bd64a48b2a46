"""Change-driven sync (flickr_async/changes.py): a rerun asks Flickr what changed since the
last run (photos.recentlyUpdated + people.getInfo) instead of listing every photo, and falls
back to the full listing whenever the numbers do not add up."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any

import pytest

from flickr_async.changes import META_KEY
from flickr_async.state import State
from tests.e2e.helpers import (
    backup_report,
    change_bound,
    media_files,
    organisation_listings,
    sidecar,
    still,
    stored_row,
)
from tests.fakeflickr import FakeFlickr, Library
from tests.fakeflickr.update_lag import lag_recent_updates

SEARCH = "flickr.photos.search"
CHANGES = "flickr.photos.recentlyUpdated"


def open_state(out: Path) -> State:
    return State(out / ".flickr-async" / "state.sqlite3")


def file_of(out: Path, photo_id: str) -> Path:
    return out / str(stored_row(out, photo_id).path)


@pytest.fixture
def synced(fake: FakeFlickr, env: dict[str, str], out: Path) -> Path:
    first = backup_report(env, out)
    assert first["exit_code"] == 0, first["stdout"]
    assert first["listing"] == "full"
    fake.counters.reset()
    return out


def changes_only(fake: FakeFlickr, report: dict[str, Any]) -> None:
    """The run trusted the changes: no full listing, and it says so."""
    assert report["exit_code"] == 0, report["stdout"]
    assert report["listing"] == "changes", report["full_listing_reason"]
    assert fake.counters.api_calls[SEARCH] == 0
    assert fake.counters.api_calls[CHANGES] >= 1


def listed_fully(fake: FakeFlickr, report: dict[str, Any], reason: str) -> None:
    assert report["listing"] == "full"
    assert reason in (report["full_listing_reason"] or ""), report["full_listing_reason"]
    assert fake.counters.api_calls[SEARCH] >= 1


# --- the bound ------------------------------------------------------------------------


def test_a_no_change_sync_asks_what_changed_within_the_documented_bound(
    fake: FakeFlickr, library: Library, env: dict[str, str], synced: Path
) -> None:
    before = {p: p.stat().st_mtime_ns for p in synced.rglob("*.json")}
    report = backup_report(env, synced)
    changes_only(fake, report)
    calls = fake.counters.api_calls
    assert fake.counters.total_api_calls <= change_bound(library), dict(calls)
    assert calls[CHANGES] == 1 and calls["flickr.people.getInfo"] == 1
    # login, recentlyUpdated, people.getInfo, one photosets.getList page: as on 4,500 photos
    assert fake.counters.total_api_calls == 4 + organisation_listings(library)
    assert report["listed"] == 0 and report["unchanged"] == 0
    assert "Flickr reported 0 changed since the last run" in report["stdout"]
    assert {p: p.stat().st_mtime_ns for p in synced.rglob("*.json")} == before


# --- changes found from recentlyUpdated ---------------------------------------------------


def test_an_upload_is_found_from_the_changes(
    fake: FakeFlickr, library: Library, env: dict[str, str], synced: Path
) -> None:
    photo = library.add_photo(title="fresh upload")
    report = backup_report(env, synced)
    changes_only(fake, report)
    assert report["downloaded"] == 1
    assert sidecar(file_of(synced, photo.id))["title"] == "fresh upload"


def test_an_edit_of_a_photo_outside_every_album_is_found(
    fake: FakeFlickr, library: Library, env: dict[str, str], synced: Path
) -> None:
    pid = still(library, in_album=False)
    library.edit_photo(pid, title="edited alone", tags=["lonely"])
    report = backup_report(env, synced)
    changes_only(fake, report)
    assert report["updated"] == 1
    doc = sidecar(file_of(synced, pid))
    assert doc["title"] == "edited alone"
    assert "lonely" in json.dumps(doc["tags"])


def test_a_comment_is_found(
    fake: FakeFlickr, library: Library, env: dict[str, str], synced: Path
) -> None:
    # Flickr bumps a photo's lastupdate when it gets a comment (flickr-api.md §2): so does
    # the fake's add_comment, and recentlyUpdated lists the photo.
    pid = still(library, skip=2)
    library.add_comment(pid, "a fine view")
    report = backup_report(env, synced)
    changes_only(fake, report)
    assert "a fine view" in json.dumps(sidecar(file_of(synced, pid))["comments"])


def test_a_privacy_change_is_found(
    fake: FakeFlickr, library: Library, env: dict[str, str], synced: Path
) -> None:
    pid = next(p.id for p in library.photos if p.ispublic and not p.is_video and p.can_download)
    assert sidecar(file_of(synced, pid))["visibility"]["public"] is True
    library.set_visibility(pid, public=False)
    report = backup_report(env, synced)
    changes_only(fake, report)
    assert sidecar(file_of(synced, pid))["visibility"]["public"] is False


def test_a_replaced_original_is_downloaded_again(
    fake: FakeFlickr, library: Library, env: dict[str, str], synced: Path
) -> None:
    pid = still(library, skip=1)
    old = hashlib.sha256(file_of(synced, pid).read_bytes()).hexdigest()
    library.replace_original(pid)
    report = backup_report(env, synced)
    changes_only(fake, report)
    assert report["replaced"] == 1
    assert hashlib.sha256(file_of(synced, pid).read_bytes()).hexdigest() != old


def test_an_edit_the_index_shows_late_is_found_by_the_next_sync_thanks_to_the_margin(
    fake: FakeFlickr, library: Library, env: dict[str, str], synced: Path
) -> None:
    pid = still(library, in_album=False, skip=1)
    edited = library.edit_photo(pid, title="indexed late")
    with library.lock:  # edited ten minutes before the next run; the index shows it later
        edited.lastupdate = int(time.time()) - 600
    lag_recent_updates(fake.faults, [pid])  # in no recentlyUpdated answer yet
    try:
        missed = backup_report(env, synced)
    finally:
        fake.faults.clear()
    # Nothing adds up wrong (no photo is new or gone): this run cannot know.
    changes_only(fake, missed)
    assert sidecar(file_of(synced, pid))["title"] != "indexed late"
    fake.counters.reset()
    # The index caught up: the edit is older than the run that missed it, but within the
    # safety margin recentlyUpdated is asked from.
    found = backup_report(env, synced)
    changes_only(fake, found)
    assert sidecar(file_of(synced, pid))["title"] == "indexed late"


# --- falling back to the full listing ------------------------------------------------------


def test_a_deletion_and_an_upload_between_runs_fall_back_to_the_full_listing(
    fake: FakeFlickr, library: Library, env: dict[str, str], synced: Path
) -> None:
    gone = still(library, in_album=False, skip=2)
    library.delete_photo(gone)
    new = library.add_photo(title="same count")
    assert len(library.photos) == len({p.stem for p in media_files(synced)})  # same count
    report = backup_report(env, synced)
    assert report["exit_code"] == 0, report["stdout"]
    # count N = N archived - 1 gone + 1 new, but the changes show 1 new: N != N + 1
    listed_fully(fake, report, "the account counts")
    assert report["downloaded"] == 1
    assert sidecar(file_of(synced, new.id))["title"] == "same count"
    assert stored_row(synced, gone).deleted_on_flickr is not None
    fake.counters.reset()
    changes_only(fake, backup_report(env, synced))  # the full listing reset the mark


def test_a_photo_added_to_an_album_without_a_lastupdate_falls_back(
    fake: FakeFlickr, library: Library, env: dict[str, str], synced: Path
) -> None:
    pid = still(library, in_album=False, skip=3)
    album = library.albums[0]
    library.add_to_album(album.id, pid)  # the album's date_update moves, not the photo's
    report = backup_report(env, synced)
    assert report["exit_code"] == 0, report["stdout"]
    listed_fully(fake, report, "album changes touch 1 photo")
    assert album.id in json.dumps(sidecar(file_of(synced, pid))["albums"])


def test_full_listing_on_request(fake: FakeFlickr, env: dict[str, str], synced: Path) -> None:
    listed_fully(fake, backup_report(env, synced, "--full-listing"), "--full-listing")


def test_full_listing_every_is_remembered_by_the_archive(
    fake: FakeFlickr, env: dict[str, str], synced: Path
) -> None:
    listed_fully(fake, backup_report(env, synced, "--full-listing-every", "0"), "older than 0 days")
    fake.counters.reset()
    listed_fully(fake, backup_report(env, synced), "older than 0 days")
    fake.counters.reset()
    changes_only(fake, backup_report(env, synced, "--full-listing-every", "7"))


def test_a_full_listing_older_than_seven_days_is_done_again(
    fake: FakeFlickr, env: dict[str, str], synced: Path
) -> None:
    state = open_state(synced)
    try:
        mark = json.loads(state.get_meta(META_KEY) or "{}")
        mark["full_at"] = time.time() - 7 * 86400 - 60
        state.set_meta({META_KEY: json.dumps(mark)})
    finally:
        state.close()
    listed_fully(fake, backup_report(env, synced), "older than 7 days")


def test_after_a_killed_run_the_next_one_lists_fully(
    fake: FakeFlickr, env: dict[str, str], synced: Path
) -> None:
    state = open_state(synced)
    try:
        state.start_run()  # started, never finished: as a kill -9 leaves it
    finally:
        state.close()
    listed_fully(fake, backup_report(env, synced), "the previous run did not finish its listing")


def test_after_a_run_that_failed_to_list_the_next_one_lists_fully(
    fake: FakeFlickr, env: dict[str, str], synced: Path
) -> None:
    fake.faults.fail_api(500, times=None, method="flickr.photosets.getList")
    try:
        failed = backup_report(env, synced)
    finally:
        fake.faults.clear()
    assert failed["exit_code"] == 5  # the album list never came: the run fails
    fake.counters.reset()
    listed_fully(fake, backup_report(env, synced), "the previous run did not finish its listing")


def test_changes_that_cannot_be_listed_fall_back_in_the_same_run(
    fake: FakeFlickr, env: dict[str, str], synced: Path
) -> None:
    fake.faults.fail_api(500, times=None, method=CHANGES)
    try:
        report = backup_report(env, synced)
    finally:
        fake.faults.clear()
    assert report["exit_code"] == 0, report["stdout"]
    listed_fully(fake, report, "the changes could not be listed")


def test_a_file_missing_on_disk_makes_the_sync_list_fully_and_restore_it(
    fake: FakeFlickr, library: Library, env: dict[str, str], synced: Path
) -> None:
    pid = still(library)
    file_of(synced, pid).unlink()
    report = backup_report(env, synced)
    assert report["exit_code"] == 0, report["stdout"]
    listed_fully(fake, report, "missing on disk")
    assert file_of(synced, pid).exists()
