"""Incremental sync: running `backup OUT` again reflects exactly what changed on Flickr."""

from __future__ import annotations

import os
from pathlib import Path

import piexif
import pytest

from flickr_async.state import State
from tests.e2e.helpers import (
    FAST,
    media_files,
    no_change_bound,
    run_cli,
    sidecar,
    still,
    stored_row,
)
from tests.fakeflickr import FakeFlickr, Library


def backup(env: dict[str, str], out: Path, *extra: str) -> int:
    return run_cli(env, "backup", str(out), *FAST, *extra).code


def paths_of(out: Path, photo_id: str) -> list[Path]:
    return [p for p in media_files(out) if p.stem == photo_id]


def test_a_rerun_with_no_changes_costs_only_listing_calls_and_rewrites_nothing(
    fake: FakeFlickr, library: Library, env: dict[str, str], synced: Path
) -> None:
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in synced.rglob("*.json")}
    assert backup(env, synced) == 0
    bound = no_change_bound(library)
    calls = fake.counters.api_calls
    assert fake.counters.total_api_calls <= bound, dict(calls)
    assert calls["flickr.photos.getInfo"] == calls["flickr.photosets.getPhotos"] == 0
    assert sum(fake.counters.file_requests.values()) == 0
    after = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in synced.rglob("*.json")}
    assert after == before


def test_a_new_photo_is_downloaded(
    fake: FakeFlickr, library: Library, env: dict[str, str], synced: Path
) -> None:
    photo = library.add_photo(title="fresh upload", tags=["new"])
    assert backup(env, synced) == 0
    [path] = paths_of(synced, photo.id)
    assert path.parent.name == "Unsorted"
    assert sidecar(path)["title"] == "fresh upload"
    assert set(fake.counters.file_requests) == {photo.id}


def test_an_edit_rewrites_sidecar_and_exif_without_downloading_again(
    fake: FakeFlickr, library: Library, env: dict[str, str], synced: Path
) -> None:
    target = still(library, in_album=True)
    library.edit_photo(target, title="Renamed ✨", tags=["alpha", "Beta Gamma"])
    library.add_comment(target, "lovely <b>light</b>")
    assert backup(env, synced) == 0
    assert fake.counters.file_requests[target] == 0
    paths = paths_of(synced, target)
    assert len({os.stat(p).st_ino for p in paths}) == 1, "album copies went out of step"
    for path in paths:
        doc = sidecar(path)
        assert doc["title"] == "Renamed ✨"
        assert doc["tags"] == ["alpha", "Beta Gamma"]
        assert doc["comments"][-1]["text"] == "lovely <b>light</b>"
        exif = piexif.load(str(path))
        title = bytes(exif["0th"][piexif.ImageIFD.XPTitle]).decode("utf-16-le").rstrip("\0")
        assert title == "Renamed ✨"


def test_a_photo_deleted_on_flickr_stays_on_disk_and_is_marked(
    fake: FakeFlickr, library: Library, env: dict[str, str], synced: Path
) -> None:
    target = still(library, in_album=False)
    [path] = paths_of(synced, target)
    content = path.read_bytes()
    library.delete_photo(target)
    result = run_cli(env, "backup", str(synced), *FAST)
    assert result.code == 0
    assert path.read_bytes() == content
    assert sidecar(path)["deleted_on_flickr"] is not None
    assert "deleted on Flickr" in result.stdout + result.stderr


def test_deleting_a_photo_marks_every_album_copys_sidecar(
    fake: FakeFlickr, library: Library, env: dict[str, str], synced: Path
) -> None:
    target = next(p.id for p in library.photos if len(library.albums_of(p.id)) >= 2)
    paths = paths_of(synced, target)
    assert len(paths) >= 2
    library.delete_photo(target)
    assert backup(env, synced) == 0
    for path in paths:
        assert sidecar(path)["deleted_on_flickr"] is not None, path


def test_a_photo_that_reappears_on_flickr_loses_its_deleted_flag(
    fake: FakeFlickr, library: Library, env: dict[str, str], synced: Path
) -> None:
    target = still(library, in_album=False, skip=1)
    library.delete_photo(target)
    assert backup(env, synced) == 0
    assert stored_row(synced, target).deleted_on_flickr is not None
    library.restore_photo(target)
    assert backup(env, synced) == 0
    [path] = paths_of(synced, target)
    assert sidecar(path)["deleted_on_flickr"] is None
    assert stored_row(synced, target).deleted_on_flickr is None


def test_moving_a_photo_between_albums_moves_its_links(
    fake: FakeFlickr, library: Library, env: dict[str, str], synced: Path
) -> None:
    album = library.albums[-1]
    target = next(pid for pid in library.albums[0].photo_ids if pid not in album.photo_ids)
    library.add_to_album(album.id, target)
    assert backup(env, synced) == 0
    folders = {p.parent for p in paths_of(synced, target)}
    assert len(folders) == len(library.albums_of(target))
    assert {a["id"] for a in sidecar(next(iter(paths_of(synced, target))))["albums"]} == {
        a.id for a in library.albums_of(target)
    }
    assert fake.counters.file_requests[target] == 0


def test_a_photo_removed_from_its_last_album_moves_to_unsorted(
    fake: FakeFlickr, library: Library, env: dict[str, str], synced: Path
) -> None:
    target = next(
        pid
        for album in library.albums
        for pid in album.photo_ids
        if len(library.albums_of(pid)) == 1 and len(album.photo_ids) > 1
    )
    [album] = library.albums_of(target)
    library.remove_from_album(album.id, target)
    assert backup(env, synced) == 0
    [path] = paths_of(synced, target)
    assert path.parent.name == "Unsorted"
    assert sidecar(path)["albums"] == []


def test_renaming_an_album_moves_its_folder(
    fake: FakeFlickr, library: Library, env: dict[str, str], synced: Path
) -> None:
    album = next(a for a in library.albums if a.title == "Holidays")
    state = State(synced / ".flickr-async" / "state.sqlite3")
    old_folder = state.albums()[album.id].folder
    state.close()
    library.rename_album(album.id, "Summer 2024")
    assert backup(env, synced) == 0
    for pid in album.photo_ids:
        assert "Summer 2024" in {p.parent.name for p in paths_of(synced, pid)}
        assert old_folder not in {p.parent.name for p in paths_of(synced, pid)}
    assert not (synced / old_folder).exists()
    assert sum(fake.counters.file_requests.values()) == 0


def test_a_replaced_original_is_downloaded_and_the_old_one_kept(
    fake: FakeFlickr, library: Library, env: dict[str, str], synced: Path
) -> None:
    target = still(library, skip=3)
    old = paths_of(synced, target)[0].read_bytes()
    library.replace_original(target)
    assert backup(env, synced) == 0
    new = paths_of(synced, target)[0].read_bytes()
    assert new != old
    kept = list((synced / ".flickr-async" / "replaced" / target).iterdir())
    assert [p.read_bytes() for p in kept] == [old]
    assert fake.counters.file_requests[target] == 1


def test_an_archive_keeps_its_layout_when_a_rerun_does_not_name_one(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    assert backup(env, out, "--layout", "flat") == 0
    library.add_photo(title="later")
    assert backup(env, out) == 0
    folders = sorted(p.name for p in out.iterdir() if p.is_dir())
    assert folders == [".flickr-async", ".site"]  # the tool's state and the offline site
    assert len(media_files(out)) == len(library.photos)


def test_a_run_killed_after_placing_a_replacement_never_loses_the_kept_original(
    fake: FakeFlickr,
    library: Library,
    env: dict[str, str],
    synced: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    target = still(library, skip=3)
    first = paths_of(synced, target)[0].read_bytes()
    library.replace_original(target)
    real = State.record_done

    def dies_before_recording(self: State, **fields: object) -> None:
        if fields["photo_id"] == target:
            raise RuntimeError("killed")  # as if the process died right here
        real(self, **fields)  # type: ignore[arg-type]

    monkeypatch.setattr(State, "record_done", dies_before_recording)
    assert backup(env, synced) == 1
    monkeypatch.setattr(State, "record_done", real)
    assert backup(env, synced) == 0
    kept = [p.read_bytes() for p in (synced / ".flickr-async" / "replaced" / target).iterdir()]
    assert kept == [first]
    assert paths_of(synced, target)[0].read_bytes() != first


def test_two_replacements_keep_both_earlier_originals(
    fake: FakeFlickr, library: Library, env: dict[str, str], synced: Path
) -> None:
    target = still(library, skip=4)
    versions = [paths_of(synced, target)[0].read_bytes()]
    for _ in range(2):
        library.replace_original(target)
        assert backup(env, synced) == 0
        versions.append(paths_of(synced, target)[0].read_bytes())
    kept = {p.read_bytes() for p in (synced / ".flickr-async" / "replaced" / target).iterdir()}
    assert kept == set(versions[:2])


def test_a_photo_without_original_is_fetched_again_when_flickr_offers_a_new_file(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    target = still(library, skip=5)
    library.set_visibility(target, can_download=False)
    assert backup(env, out) == 0
    assert sidecar(paths_of(out, target)[0])["download"]["original"] is False
    library.set_visibility(target, can_download=True)
    fake.counters.reset()
    assert backup(env, out) == 0
    doc = sidecar(paths_of(out, target)[0])
    assert doc["download"]["original"] is True
    assert fake.counters.file_requests[target] == 1


def test_an_unreadable_sidecar_is_rebuilt_with_full_metadata_by_the_next_runs(
    fake: FakeFlickr, library: Library, env: dict[str, str], synced: Path
) -> None:
    target = next(p for p in library.photos if p.comments and library.albums_of(p.id))
    path = paths_of(synced, target.id)[0]
    path.with_name(path.name + ".json").write_text("{broken")
    library.add_to_album(library.albums[-1].id, target.id)
    assert backup(env, synced) == 0  # albums changed: the sidecar is rebuilt from the listing
    assert backup(env, synced) == 0  # ... and its full metadata fetched again
    doc = sidecar(paths_of(synced, target.id)[0])
    assert [c["text"] for c in doc["comments"]] == [c.text for c in target.comments]
    assert fake.counters.file_requests[target.id] == 0


def test_a_video_whose_original_fails_is_saved_from_its_best_rendition(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    video = next(p for p in library.photos if p.is_video and p.video and p.video.has_original)
    fake.faults.fail_file(video.id, status=404, times=1)
    result = run_cli(env, "backup", str(out), *FAST)
    assert result.code == 0
    path = paths_of(out, video.id)[0]
    doc = sidecar(path)
    assert (
        doc["download"]["original"] is False and doc["download"]["size_label"] != "Video Original"
    )
    assert not path.read_bytes().startswith(b"\xff\xd8")
    assert video.id in result.stdout  # listed among the not-original items


def test_a_file_torn_on_disk_is_fetched_again_by_the_next_backup(
    fake: FakeFlickr, library: Library, env: dict[str, str], synced: Path
) -> None:
    target = still(library, skip=6)
    path = paths_of(synced, target)[0]
    good = path.read_bytes()
    path.write_bytes(good[: len(good) // 2])  # as a power cut can leave it
    assert backup(env, synced) == 0
    assert path.read_bytes() == good
    assert set(fake.counters.file_requests) == {target}
