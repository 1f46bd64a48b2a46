"""The site's thumbnails end to end: Flickr's own small renditions under OUT/.site/thumbs/,
fetched beside the originals, with no API call, once."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from PIL import Image

from flickr_async.thumbnails import Thumbnails
from tests.e2e.helpers import FAST, THUMBNAIL_REQUESTS, no_change_bound, run_cli
from tests.fakeflickr import FakeFlickr, Library
from tests.fakeflickr.model import FakePhoto, FakeVideo
from tests.fakeflickr.sizes import BY_EXTRA, available_sizes, size_dims


def backup(env: dict[str, str], out: Path, *extra: str) -> int:
    return run_cli(env, "backup", str(out), *FAST, *extra).code


def thumbs_dir(out: Path) -> Path:
    return out / ".site" / "thumbs"


def expected(library: Library, photo: FakePhoto) -> dict[str, tuple[int, int]]:
    """The renditions Flickr offers for the site, by file suffix: Large Square 150, and
    Medium 640 or else the largest listed size below it."""
    have = {s.extra for s in available_sizes(photo, library.pro)}
    preview = next(BY_EXTRA[e] for e in ("z", "m", "n") if e in have)
    return {"q": size_dims(photo, BY_EXTRA["q"]), "z": size_dims(photo, preview)}


def thumbnail_requests(fake: FakeFlickr) -> list[tuple[str, str]]:
    return [(pid, what) for pid, what in fake.counters.file_log if what in THUMBNAIL_REQUESTS]


def summary(out: Path) -> dict[str, int]:
    with sqlite3.connect(out / ".flickr-async" / "state.sqlite3") as db:
        row = db.execute("SELECT summary FROM runs ORDER BY id DESC LIMIT 1").fetchone()
    data: dict[str, int] = json.loads(row[0])
    return data


def test_a_first_backup_leaves_both_thumbnails_of_every_photo_and_video_at_flickrs_sizes(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    assert backup(env, out) == 0
    assert any(p.is_video for p in library.photos)
    names = set()
    for photo in library.photos:
        for size, dims in expected(library, photo).items():
            path = thumbs_dir(out) / f"{photo.id}_{size}.jpg"
            names.add(path.name)
            with Image.open(path) as image:
                assert (image.format, image.size) == ("JPEG", dims), path.name
            assert path.read_bytes() == fake.size_bytes(
                photo.id, image_suffix(library, photo, size)
            )
    assert {p.name for p in thumbs_dir(out).iterdir()} == names
    assert summary(out)["thumbnails_fetched"] == len(names)


def image_suffix(library: Library, photo: FakePhoto, size: str) -> str:
    if size == "q":
        return "q"
    have = {s.extra for s in available_sizes(photo, library.pro)}
    return next(BY_EXTRA[e].suffix for e in ("z", "m", "n") if e in have)


def test_thumbnails_cost_no_api_call_and_come_beside_the_originals(
    fake: FakeFlickr, env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each file takes a while to start: 2 originals at a time need the whole run, and the
    # thumbnails' lane (2 beside them at -c 2) starts as soon as the first page is listed.
    fake.faults.file_latency = 0.05
    assert backup(env, tmp_path / "with", "-c", "2") == 0
    fake.faults.file_latency = 0.0
    with_thumbs = fake.counters.api_calls
    log = fake.counters.file_log
    first_thumb = next(i for i, (_, what) in enumerate(log) if what in THUMBNAIL_REQUESTS)
    last_original = max(i for i, (_, what) in enumerate(log) if what not in THUMBNAIL_REQUESTS)
    assert first_thumb < last_original  # not a second pass after them

    async def nothing(*_: object, **__: object) -> None:
        return None

    monkeypatch.setattr(Thumbnails, "note_listed", nothing)
    monkeypatch.setattr(Thumbnails, "run", nothing)
    fake.counters.reset()
    assert backup(env, tmp_path / "without", "-c", "2") == 0
    assert not thumbs_dir(tmp_path / "without").exists()
    assert with_thumbs == fake.counters.api_calls


def test_a_rerun_with_every_thumbnail_in_place_requests_no_file(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    assert backup(env, out) == 0
    before = {p.name: p.stat().st_mtime_ns for p in thumbs_dir(out).iterdir()}
    fake.counters.reset()
    assert backup(env, out) == 0
    assert fake.counters.file_log == []
    assert fake.counters.total_api_calls <= no_change_bound(library)
    assert {p.name: p.stat().st_mtime_ns for p in thumbs_dir(out).iterdir()} == before


def test_a_deleted_thumbnail_is_fetched_alone_by_the_next_run(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    assert backup(env, out) == 0
    photo = library.photos[3]
    (thumbs_dir(out) / f"{photo.id}_q.jpg").unlink()
    fake.counters.reset()
    assert backup(env, out) == 0
    assert fake.counters.file_log == [(photo.id, "q")]
    assert (thumbs_dir(out) / f"{photo.id}_q.jpg").read_bytes() == fake.size_bytes(photo.id, "q")


def test_an_archive_without_thumbnails_gets_them_on_a_run_with_no_extra_api_call(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    assert backup(env, out) == 0
    wanted = {p.name for p in thumbs_dir(out).iterdir()}
    # As an archive written before thumbnails: neither the files nor their table rows.
    for path in thumbs_dir(out).iterdir():
        path.unlink()
    with sqlite3.connect(out / ".flickr-async" / "state.sqlite3") as db:
        db.execute("DROP TABLE thumbnails")
    fake.counters.reset()
    assert backup(env, out) == 0
    assert fake.counters.total_api_calls <= no_change_bound(library)
    assert {p.name for p in thumbs_dir(out).iterdir()} == wanted
    assert len(thumbnail_requests(fake)) == len(wanted) == len(fake.counters.file_log)


def test_a_cdn_429_on_thumbnails_does_not_fail_the_run_and_the_next_run_fetches_them(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    throttled = library.photos[0]
    fake.faults.fail_file(throttled.id, 429, what="q")  # every time, whatever the retries
    assert backup(env, out) == 0
    assert not (thumbs_dir(out) / f"{throttled.id}_q.jpg").exists()
    assert (thumbs_dir(out) / f"{throttled.id}_z.jpg").exists()
    assert summary(out)["thumbnails_failed"] == 1
    assert fake.counters.file_429s > 1  # retried, as any file
    fake.faults.clear()
    fake.counters.reset()
    assert backup(env, out) == 0
    assert fake.counters.file_log == [(throttled.id, "q")]


def test_a_dry_run_writes_no_thumbnail(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    assert run_cli(env, "backup", str(out), *FAST, "--dry-run").code == 0
    assert not thumbs_dir(out).exists()
    assert backup(env, out) == 0
    (thumbs_dir(out) / f"{library.photos[0].id}_z.jpg").unlink()
    fake.counters.reset()
    assert run_cli(env, "backup", str(out), *FAST, "--dry-run").code == 0
    assert fake.counters.file_log == []
    fake.counters.reset()
    assert backup(env, out) == 0
    assert fake.counters.file_log == [
        (library.photos[0].id, image_suffix(library, library.photos[0], "z"))
    ]


def test_a_photo_deleted_on_flickr_keeps_its_thumbnails(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    assert backup(env, out) == 0
    gone = library.photos[5]
    kept = {p: p.read_bytes() for p in thumbs_dir(out).glob(f"{gone.id}_*.jpg")}
    assert len(kept) == 2
    library.delete_photo(gone.id)
    assert backup(env, out) == 0
    assert {p: p.read_bytes() for p in thumbs_dir(out).glob(f"{gone.id}_*.jpg")} == kept


def test_a_video_smaller_than_640_gets_its_largest_poster_below_as_its_z(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    video = library.add_photo(
        title="tiny clip",
        media="video",
        originalformat="jpg",
        width=352,
        height=288,
        video=FakeVideo(duration=16, container="mp4"),
    )
    assert [s.extra for s in available_sizes(video, library.pro) if not s.square] == ["t", "s", "n"]
    assert backup(env, out) == 0
    with Image.open(thumbs_dir(out) / f"{video.id}_z.jpg") as image:
        assert image.size == size_dims(video, BY_EXTRA["n"]) == (320, 262)
    with Image.open(thumbs_dir(out) / f"{video.id}_q.jpg") as image:
        assert image.size == (150, 150)
