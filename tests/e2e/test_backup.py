"""`flickr-async backup OUT` end to end: the real CLI against the fake Flickr."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import piexif

from flickr_async import account_files
from flickr_async.downloader import part_path
from flickr_async.layout import SITE_DIR, SITE_ENTRY, STATE_DIR
from flickr_async.state import State
from tests.e2e.helpers import FAST, SIDECARS, jpeg_scan, media_files, run_cli, sha256, sidecar
from tests.fakeflickr import FakeFlickr, Library
from tests.fakeflickr.sizes import original_url


def backup(env: dict[str, str], out: Path, *extra: str) -> int:
    result = run_cli(env, "backup", str(out), *FAST, *extra)
    return result.code


def by_id(out: Path) -> dict[str, list[Path]]:
    found: dict[str, list[Path]] = {}
    for path in media_files(out):
        found.setdefault(path.stem, []).append(path)
    return found


def test_every_photo_and_video_lands_once_with_a_sidecar(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    assert backup(env, out) == 0
    files = by_id(out)
    assert set(files) == {p.id for p in library.photos}
    for photo in library.photos:
        paths = files[photo.id]
        inodes = {os.stat(p).st_ino for p in paths}
        assert len(inodes) == 1, f"{photo.id} stored more than once"
        for path in paths:
            assert path.with_name(path.name + ".json").exists()


def test_albums_layout_puts_photos_in_album_folders_and_the_rest_in_unsorted(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    assert backup(env, out) == 0
    files = by_id(out)
    for photo in library.photos:
        folders = {p.parent.name for p in files[photo.id]}
        albums = library.albums_of(photo.id)
        if albums:
            assert len(folders) == len(albums)
            assert "Unsorted" not in folders
        else:
            assert folders == {"Unsorted"}
    top = {p.name for p in out.iterdir()}
    assert ".flickr-async" in top
    # nothing but folders at the top, the account files and the site's entry page
    assert {name for name in top if not (out / name).is_dir()} == {
        *account_files.FILES,
        SITE_ENTRY,
    }


def test_a_photo_in_two_albums_is_stored_once_and_hard_linked(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    assert backup(env, out) == 0
    shared = next(p for p in library.photos if len(library.albums_of(p.id)) >= 2)
    paths = by_id(out)[shared.id]
    assert len(paths) == len(library.albums_of(shared.id))
    assert len({os.stat(p).st_ino for p in paths}) == 1
    assert os.stat(paths[0]).st_nlink == len(paths)


def test_every_album_and_every_member_is_archived_when_flickr_pages_them_in_small_pages(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    assert len(library.albums) > 2 and max(len(a.photo_ids) for a in library.albums) > 3
    fake.faults.max_per_page("flickr.photosets.getList", 2)
    fake.faults.max_per_page("flickr.photosets.getPhotos", 3)
    assert backup(env, out) == 0
    state = State(out / ".flickr-async" / "state.sqlite3")
    folders = {album_id: row.folder for album_id, row in state.albums().items()}
    state.close()
    assert set(folders) == {a.id for a in library.albums}
    files = by_id(out)
    for album in library.albums:
        for pid in album.photo_ids:
            assert folders[album.id] in {p.parent.name for p in files[pid]}, (album.title, pid)


def test_flat_layout_puts_everything_at_the_top(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    assert backup(env, out, "--layout", "flat") == 0
    for photo in library.photos:
        matches = [p for p in out.glob(f"{photo.id}.*") if p.suffix not in SIDECARS]
        assert len(matches) == 1, photo.id
        assert matches[0].with_name(matches[0].name + ".json").exists()
        assert matches[0].with_name(matches[0].name + ".xmp").exists()


def test_hostile_and_duplicate_album_titles_become_safe_distinct_folders(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    assert backup(env, out) == 0
    folders = [p for p in out.iterdir() if p.is_dir() and p.name not in (STATE_DIR, SITE_DIR)]
    for folder in folders:
        assert folder.resolve().parent == out.resolve()
        assert folder.name not in ("", ".", "..") and not folder.name.startswith(".")
        assert "/" not in folder.name and "\\" not in folder.name
        assert len(folder.name.encode()) <= 255
    # one folder per album plus Unsorted: duplicates did not merge
    with_photos = {a.id for a in library.albums if a.photo_ids}
    assert len(folders) == len(with_photos) + 1
    titles = [a.title for a in library.albums]
    assert len(set(titles)) < len(titles), "the library should hold a duplicate title"


def test_jpegs_carry_flickr_metadata_with_image_data_and_camera_tags_untouched(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    assert backup(env, out) == 0
    files = by_id(out)
    checked = 0
    for photo in library.photos:
        if photo.is_video or photo.originalformat != "jpg" or not photo.can_download:
            continue
        path = files[photo.id][0]
        served = fake.original_bytes(photo.id)
        stored = path.read_bytes()
        assert jpeg_scan(stored) == jpeg_scan(served)
        exif = piexif.load(stored)
        if photo.title:
            title = bytes(exif["0th"][piexif.ImageIFD.XPTitle]).decode("utf-16-le").rstrip("\0")
            assert title == photo.title
        if photo.datetaken and not photo.takenunknown:
            expected = photo.datetaken.replace("-", ":")
            assert exif["Exif"][piexif.ExifIFD.DateTimeOriginal].decode() == expected
        if photo.exif is not None:
            assert exif["0th"][piexif.ImageIFD.Make].decode() == photo.exif.make
            assert exif["0th"][piexif.ImageIFD.Model].decode() == photo.exif.model
        checked += 1
    assert checked >= 10


def test_no_exif_leaves_every_file_byte_identical_to_what_was_served(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    assert backup(env, out, "--no-exif") == 0
    files = by_id(out)
    for photo in library.photos:
        if photo.can_download and not photo.is_video:
            assert sha256(files[photo.id][0]) == fake.original_sha256(photo.id)


def test_sidecars_hold_flickrs_metadata(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    assert backup(env, out) == 0
    files = by_id(out)
    for photo in library.photos:
        doc = sidecar(files[photo.id][0])
        assert doc["id"] == photo.id
        assert doc["title"] == photo.title
        assert doc["description"] == photo.description
        assert sorted(doc["tags"] + doc["machine_tags"]) == sorted(photo.tags)
        assert doc["media"] == photo.media
        assert doc["date_posted"] == photo.dateupload
        assert doc["date_updated"] == photo.lastupdate
        assert doc["visibility"] == {
            "public": photo.ispublic,
            "friends": photo.isfriend,
            "family": photo.isfamily,
        }
        assert [c["text"] for c in doc["comments"]] == [c.text for c in photo.comments]
        assert {a["id"] for a in doc["albums"]} == {a.id for a in library.albums_of(photo.id)}
        assert doc["rotation"] == photo.rotation
        if photo.geo is not None and photo.geo.accuracy:
            assert abs(doc["geo"]["latitude"] - photo.geo.latitude) < 1e-6
        download = doc["download"]
        assert download["original"] == (
            photo.can_download
            and (not photo.is_video or (photo.video is not None and photo.video.has_original))
        )


def test_videos_are_saved_as_videos_with_their_real_extension_never_as_posters(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    assert backup(env, out) == 0
    files = by_id(out)
    videos = [p for p in library.photos if p.is_video]
    assert videos
    for video in videos:
        assert video.video is not None
        path = files[video.id][0]
        doc = sidecar(path)
        assert not path.read_bytes().startswith(b"\xff\xd8"), "poster saved as the video"
        if video.video.has_original:
            assert path.suffix == "." + video.video.container
            assert path.read_bytes() == fake.video_bytes(video.id, "orig")
            assert doc["download"]["original"] is True
        else:
            assert doc["download"]["original"] is False


def test_downloads_overlap_but_never_more_than_n_at_once(
    fake: FakeFlickr, env: dict[str, str], out: Path
) -> None:
    fake.faults.file_latency = 0.05  # every response held open: workers that exist overlap
    # The originals only: the site's thumbnails have a lane of their own beside them (up to
    # --concurrency more, see tests/unit/test_thumbnails.py), so the site is left out here.
    assert backup(env, out, "--concurrency", "3", "--no-site") == 0
    assert 2 <= fake.counters.max_concurrent_files <= 3


def test_with_the_site_the_thumbnails_add_at_most_n_connections_of_their_own(
    fake: FakeFlickr, env: dict[str, str], out: Path
) -> None:
    fake.faults.file_latency = 0.05
    assert backup(env, out, "--concurrency", "3") == 0
    assert 2 <= fake.counters.max_concurrent_files <= 2 * 3


def test_transient_faults_are_retried_and_the_run_completes(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    photos = [p for p in library.photos if not p.is_video and p.can_download]
    fake.faults.fail_api(status=503, times=2)
    fake.faults.rate_limit(times=1, retry_after=0)
    fake.faults.stat_fail(code=201, times=1)
    fake.faults.reset_file(photos[0].id, times=1)
    fake.faults.truncate_file(photos[1].id, times=1)
    fake.faults.fail_file(photos[2].id, status=500, times=1)
    assert backup(env, out) == 0
    files = by_id(out)
    assert set(files) == {p.id for p in library.photos}


def test_a_single_403_from_the_file_server_is_retried_and_the_original_archived(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    victim = next(p for p in library.photos if not p.is_video and p.can_download)
    fake.faults.fail_file(victim.id, status=403, times=1, what="original")
    assert backup(env, out) == 0
    [path] = by_id(out)[victim.id][:1]
    assert sidecar(path)["download"]["original"] is True
    assert fake.counters.file_log.count((victim.id, "original")) == 2


def test_a_single_429_from_the_file_server_is_retried_and_the_original_archived(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    victim = next(p for p in library.photos if not p.is_video and p.can_download)
    fake.faults.fail_file(victim.id, status=429, times=1, what="original")
    assert backup(env, out) == 0
    [path] = by_id(out)[victim.id][:1]
    assert sidecar(path)["download"]["original"] is True
    assert fake.counters.file_log.count((victim.id, "original")) == 2


def test_a_resume_answered_from_the_wrong_offset_still_archives_the_true_original(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    victim = next(p for p in library.photos if not p.is_video and p.can_download)
    # As a killed run leaves it: the first half of the original in its .part file.
    url = original_url(fake.origin, victim)
    part = part_path(out / ".flickr-async" / "parts", victim.id, url)
    part.parent.mkdir(parents=True)
    original = fake.original_bytes(victim.id)
    part.write_bytes(original[: len(original) // 2])
    fake.faults.misrange_file(victim.id)  # the resume comes back from byte 0
    assert backup(env, out, "--no-exif") == 0
    assert fake.faults.armed_file_faults(victim.id) == [], "the .part was not resumed"
    [path] = by_id(out)[victim.id][:1]
    assert sha256(path) == fake.original_sha256(victim.id)
    assert sidecar(path)["download"]["sha256"] == fake.original_sha256(victim.id)


def test_a_permanently_failing_photo_fails_the_run_but_not_the_others(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    victim = next(p for p in library.photos if not p.is_video and p.can_download)
    fake.faults.fail_file(victim.id, status=404)
    result = run_cli(env, "backup", str(out), *FAST)
    assert result.code == 1
    assert victim.id in result.stdout + result.stderr
    assert set(by_id(out)) == {p.id for p in library.photos} - {victim.id}
    fake.faults.clear()
    fake.counters.reset()
    assert backup(env, out) == 0
    assert victim.id in by_id(out)
    assert fake.counters.file_requests[victim.id] >= 1
    others = sum(n for pid, n in fake.counters.file_requests.items() if pid != victim.id)
    assert others == 0, "finished files were downloaded again"


def test_a_second_run_with_nothing_changed_downloads_nothing(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    assert backup(env, out) == 0
    before = {p: p.stat().st_mtime_ns for p in media_files(out)}
    fake.counters.reset()
    assert backup(env, out) == 0
    assert sum(fake.counters.file_requests.values()) == 0
    assert {p: p.stat().st_mtime_ns for p in media_files(out)} == before


def test_a_photo_whose_metadata_fails_is_archived_with_the_listings_and_completed_next_run(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    # A tag the account spells several ways: only getInfo can complete its list level.
    ambiguous = {p.id for clean in library.ambiguous_tags() for p in library.photos_tagged(clean)}
    victim = next(
        p for p in library.photos if not p.is_video and p.can_download and p.id in ambiguous
    )
    fake.faults.fail_method_for_photo("flickr.photos.getInfo", victim.id, code=1)
    assert backup(env, out) == 1  # the run still owes the photo its full metadata
    [path, *_] = by_id(out)[victim.id]
    assert sidecar(path)["title"] == victim.title
    served = hashlib.sha256(fake.original_bytes(victim.id)).hexdigest()
    assert sidecar(path)["download"] == sidecar(path)["download"] | {"sha256": served}
    assert State.open(out).photo(victim.id).metadata_stale  # type: ignore[union-attr]
    fake.faults.clear()
    fake.counters.reset()
    assert backup(env, out) == 0
    assert fake.counters.bytes_served[victim.id] == 0
    assert fake.counters.api_calls["flickr.photos.getInfo"] == 1
    doc = sidecar(path)  # raw tags: only getInfo has them (this photo's spelling)
    assert sorted(doc["tags"] + doc["machine_tags"]) == sorted(victim.tags)
    assert not State.open(out).photo(victim.id).metadata_stale  # type: ignore[union-attr]


def test_new_photos_start_downloading_before_the_albums_are_all_listed(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    # At 20 calls/s the album listing takes a while; files must not wait for it.
    assert run_cli(env, "backup", str(out), "--api-rate", "20", "--metadata", "basic").code == 0
    log = fake.counters.log
    last_album_call = max(i for i, entry in enumerate(log) if entry == "flickr.photosets.getPhotos")
    first_file = min(i for i, entry in enumerate(log) if entry.startswith("file:"))
    assert first_file < last_album_call
    assert set(by_id(out)) == {p.id for p in library.photos}
