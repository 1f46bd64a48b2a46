"""The real Flickr misbehaves (flickr-real-responses.md, users' reports): nothing is lost."""

from __future__ import annotations

import json
from pathlib import Path

from flickr_async.state import State
from tests.e2e.helpers import FAST, SIDECARS, media_files, no_change_bound, run_cli, sha256, sidecar
from tests.fakeflickr import FakeFlickr, Library


def backup(env: dict[str, str], out: Path, *extra: str) -> int:
    return run_cli(env, "backup", str(out), *FAST, *extra).code


def archived_ids(out: Path) -> set[str]:
    return {p.stem for p in media_files(out)}


def report_of(env: dict[str, str], out: Path, tmp_path: Path, *extra: str) -> dict[str, object]:
    report = tmp_path / "report.json"
    run_cli(env, "backup", str(out), *FAST, "--report", str(report), *extra)
    data: dict[str, object] = json.loads(report.read_text())
    return data


def stills(library: Library) -> list[str]:
    return [p.id for p in library.photos if not p.is_video and p.can_download]


# --- a lagging search index --------------------------------------------------------------


def test_photos_the_search_index_misses_are_archived_from_the_other_listings(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path, tmp_path: Path
) -> None:
    in_albums = [p.id for p in library.photos if library.albums_of(p.id)][:3]
    in_none = [p.id for p in library.photos if not library.albums_of(p.id)][:2]
    fake.faults.lag_search_index(in_albums + in_none)
    report = report_of(env, out, tmp_path)
    assert report["result"] == "complete"
    assert report["recovered_from_other_listings"] == 5
    assert archived_ids(out) == {p.id for p in library.photos}
    for pid in in_albums:  # in their album folders, not in Unsorted
        album_folders = {p.parent.name for p in media_files(out) if p.stem == pid}
        assert "Unsorted" not in album_folders
    assert fake.counters.api_calls["flickr.photos.getNotInSet"] >= 1


def test_a_search_that_misses_nothing_costs_no_extra_listing(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    assert backup(env, out) == 0
    fake.counters.reset()
    assert backup(env, out) == 0
    calls = fake.counters.api_calls
    bound = no_change_bound(library)
    assert fake.counters.total_api_calls <= bound, dict(calls)
    assert calls["flickr.photos.getNotInSet"] == calls["flickr.people.getPhotos"] == 0


def test_a_photo_no_listing_shows_is_reported_as_a_shortfall_and_deletes_nothing(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    assert backup(env, out) == 0
    hidden = stills(library)[0]
    fake.faults.unlist([hidden])
    # The counts add up (it is archived): only a full listing meets the fault.
    result = run_cli(env, "backup", str(out), *FAST, "--full-listing")
    assert result.code == 1
    assert "INCOMPLETE LISTING" in result.stdout
    assert State.open(out).photo(hidden).deleted_on_flickr is None  # type: ignore[union-attr]


# --- originals refused -------------------------------------------------------------------


def test_a_refused_original_is_saved_from_another_size_and_upgraded_when_offered_again(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    victim = stills(library)[0]
    fake.faults.refuse_original(victim, status=403)
    result = run_cli(env, "backup", str(out), *FAST)
    assert result.code == 0, result.stdout
    [path, *_] = [p for p in media_files(out) if p.stem == victim]
    assert sidecar(path)["download"]["original"] is False
    assert "without their original" in result.stdout and victim in result.stdout
    assert archived_ids(out) == {p.id for p in library.photos}

    # Still refused: the next run probes the original once, keeps the other size.
    fake.counters.reset()
    assert backup(env, out) == 0
    assert fake.counters.file_requests[victim] == 2
    assert sidecar(path)["download"]["original"] is False

    # Offered again: the original replaces the stand-in, and nothing is kept of the latter.
    fake.faults.clear()
    assert backup(env, out) == 0
    [path, *_] = [p for p in media_files(out) if p.stem == victim]
    assert sidecar(path)["download"]["original"] is True
    assert sidecar(path)["download"]["sha256"] == sha256_of(fake.original_bytes(victim))
    assert not (out / ".flickr-async" / "replaced" / victim).exists()
    fake.counters.reset()
    assert backup(env, out) == 0
    assert sum(fake.counters.file_requests.values()) == 0


def sha256_of(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


# --- a revoked token ---------------------------------------------------------------------


def test_a_token_revoked_on_flickr_exits_3_with_one_line(
    fake: FakeFlickr, env: dict[str, str], out: Path
) -> None:
    assert fake.ctx.oauth_401  # the real REST endpoint's 401 text/plain, not a JSON code
    fake.revoke_token(env["FLICKR_OAUTH_TOKEN"])
    result = run_cli(env, "backup", str(out), *FAST)
    assert result.code == 3
    assert result.stderr.count("\n") == 1 and "token_rejected" in result.stderr
    assert "flickr-async auth" in result.stderr


# --- throttling --------------------------------------------------------------------------


def test_a_backup_under_429s_without_retry_after_finishes_with_nothing_lost(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    fake.faults.api_rate_limit(calls=15, per_seconds=1.0)  # HTML 429s, no Retry-After
    for pid in stills(library)[:4]:
        fake.faults.fail_file(pid, status=429, times=2)  # the file servers throttle too
    assert backup(env, out) == 0
    assert archived_ids(out) == {p.id for p in library.photos}
    for path in media_files(out):
        assert sidecar(path)["download"]["original"] in (True, False)
    assert all(
        sidecar(p)["download"]["original"] for p in media_files(out) if p.stem in stills(library)
    )


# --- the CDN's own limit -------------------------------------------------------------------

CONCURRENCY = 6
CDN_FILES = 2  # what the image servers take from us at once


def test_a_cdn_taking_fewer_files_than_concurrency_gets_fewer_and_every_file_arrives(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path, tmp_path: Path
) -> None:
    fake.faults.file_latency = 0.05  # responses overlap: the workers are really concurrent
    assert backup(env, tmp_path / "unthrottled", "--concurrency", str(CONCURRENCY)) == 0
    unthrottled_calls = fake.counters.api_calls
    fake.counters.reset()
    fake.faults.cdn_limit(max_in_flight=CDN_FILES)  # the whole run long
    assert backup(env, out, "--concurrency", str(CONCURRENCY)) == 0
    assert archived_ids(out) == {p.id for p in library.photos}
    for path in media_files(out):
        if path.stem in stills(library):
            download = sidecar(path)["download"]
            assert download["original"] is True
            assert download["sha256"] == sha256_of(fake.original_bytes(path.stem))
    # Not one API call spent on the CDN's 429s: no getSizes fallback, no retry through the API.
    assert fake.counters.api_calls == unthrottled_calls
    # It backed off: all six workers resuming together after each pause would meet four 429s
    # for every two files served.
    assert 0 < fake.counters.file_429s < len(library.photos)


def test_downloads_climb_back_to_concurrency_once_the_cdn_stops_throttling(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    fake.faults.file_latency = 0.05
    fake.faults.cdn_limit(max_in_flight=CDN_FILES, retry_after="0", times=6)
    assert backup(env, out, "--concurrency", str(CONCURRENCY)) == 0
    assert archived_ids(out) == {p.id for p in library.photos}
    assert fake.counters.file_429s == 6
    assert fake.counters.max_concurrent_files_since_429 == CONCURRENCY


# --- albums never updated ----------------------------------------------------------------


def test_an_album_that_failed_to_list_is_listed_again_even_if_flickr_never_updated_it(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    never = next(a for a in library.albums if a.date_update == 0)  # Flickr says "0"
    fake.faults.fail_method_for_photo("flickr.photosets.getPhotos", never.id, code=1, times=1)
    result = run_cli(env, "backup", str(out), *FAST)
    assert result.code == 1 and "could not be listed" in result.stdout
    fake.counters.reset()
    assert backup(env, out) == 0
    assert fake.counters.api_calls["flickr.photosets.getPhotos"] == 1
    folder = State.open(out).albums()[never.id].folder
    assert {p.stem for p in (out / folder).iterdir() if p.suffix not in SIDECARS} == set(
        never.photo_ids
    )
    fake.counters.reset()
    assert backup(env, out) == 0
    assert fake.counters.api_calls["flickr.photosets.getPhotos"] == 0


def test_the_archive_keeps_every_copy_intact_after_all_that(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    fake.faults.lag_search_index(stills(library)[:3])
    fake.faults.refuse_original(stills(library)[5], status=410)
    fake.faults.api_rate_limit(calls=20, per_seconds=1.0)
    assert backup(env, out) == 0
    assert run_cli(env, "verify", str(out)).code == 0
    for path in media_files(out):
        assert sidecar(path)["download"]["bytes"] > 0 and sha256(path)
