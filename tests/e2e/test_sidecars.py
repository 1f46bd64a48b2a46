"""Sidecars are part of the archive: `verify` reads every one, `backup` puts back what is
missing beside a file with no download and no extra call, `verify --repair` mends sidecars
and album copies from the archive's own records and fetches only damaged files."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from flickr_async.layout import SITE_DIR, SITE_ENTRY, STATE_DIR
from flickr_async.state import StoredPhoto
from tests.e2e.helpers import FAST, Run, run_cli, sidecar, stored_row
from tests.fakeflickr import FakeFlickr, Library

GET_INFO = "flickr.photos.getInfo"


def backup(env: dict[str, str], out: Path) -> int:
    return run_cli(env, "backup", str(out), *FAST).code


def verify(env: dict[str, str], out: Path, *extra: str) -> Run:
    return run_cli(env, "verify", str(out), *FAST, *extra)


def beside(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def stored(out: Path, photo_id: str) -> StoredPhoto:
    row = stored_row(out, photo_id)
    assert row.path is not None
    return row


def primary(out: Path, photo_id: str) -> Path:
    return out / str(stored(out, photo_id).path)


def copies(out: Path, photo_id: str) -> list[Path]:
    return [out / rel for rel in stored(out, photo_id).links]


def still(library: Library, *, albums: int, skip: int = 0) -> str:
    """A downloadable still in exactly one album (albums=1) or in at least `albums`."""
    found = [
        p.id
        for p in library.photos
        if not p.is_video
        and p.can_download
        and (
            len(library.albums_of(p.id)) == 1
            if albums == 1
            else len(library.albums_of(p.id)) >= albums
        )
    ]
    return found[skip]


def commented_alone(library: Library, out: Path) -> tuple[Path, dict[str, Any]]:
    """The file of a photo with comments in exactly one album, and its sidecar as it is."""
    target = next(p for p in library.photos if p.comments and len(library.albums_of(p.id)) == 1)
    path = primary(out, target.id)
    return path, sidecar(path)


def archive_bytes(out: Path) -> dict[Path, bytes]:
    """Every file of the archive but the tool's own and the site's (which a run refreshes)."""
    return {
        p: p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file()
        and STATE_DIR not in p.parts
        and SITE_DIR not in p.parts
        and p != out / SITE_ENTRY
    }


@pytest.fixture
def quiet_sync(fake: FakeFlickr, env: dict[str, str], out: Path) -> Counter[str]:
    """An archive after a first backup; returns the API calls of a sync with nothing to do
    that lists the photostream (a sync that finds sidecars missing does: changes.py)."""
    assert backup(env, out) == 0
    fake.counters.reset()
    assert run_cli(env, "backup", str(out), *FAST, "--full-listing").code == 0
    assert sum(fake.counters.file_requests.values()) == 0
    calls = fake.counters.api_calls
    fake.counters.reset()
    return calls


def test_deleted_sidecars_and_album_copy_come_back_with_no_download_and_no_extra_call(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path, quiet_sync: Counter[str]
) -> None:
    whole = archive_bytes(out)
    json_gone = still(library, albums=2)  # its album copy keeps the JSON sidecar's content
    xmp_gone = still(library, albums=1)
    copy_gone = still(library, albums=2, skip=1)
    [copy_of_json, *_] = copies(out, json_gone)
    [copy, *_] = copies(out, copy_gone)
    beside(primary(out, json_gone), ".json").unlink()
    beside(primary(out, xmp_gone), ".xmp").unlink()
    for path in (copy, beside(copy, ".json"), beside(copy, ".xmp")):
        path.unlink()
    failed = verify(env, out)
    assert failed.code == 1
    assert f"{stored(out, xmp_gone).path}.xmp" in failed.stdout  # reported, not only restored

    assert backup(env, out) == 0
    assert sum(fake.counters.file_requests.values()) == 0
    assert fake.counters.api_calls == quiet_sync  # what a sync with no change costs
    assert archive_bytes(out) == whole
    assert beside(primary(out, json_gone), ".json").samefile(beside(copy_of_json, ".json"))
    assert copy.samefile(primary(out, copy_gone))  # a hard link again, not a copy
    assert verify(env, out).stdout.strip() == "archive intact"


def test_a_json_sidecar_lost_with_no_copy_is_asked_of_flickr_again_without_a_download(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path, quiet_sync: Counter[str]
) -> None:
    path, before = commented_alone(library, out)
    beside(path, ".json").unlink()
    assert backup(env, out) == 0
    assert sum(fake.counters.file_requests.values()) == 0
    assert fake.counters.api_calls[GET_INFO] >= 1  # only Flickr has its metadata now
    restored = sidecar(path)
    assert restored["title"] == before["title"]
    assert restored["comments"] == before["comments"]
    assert restored["download"] == before["download"]
    assert verify(env, out).code == 0


def test_verify_reads_every_sidecar_and_fails_on_a_garbage_xmp_or_a_wrong_record(
    library: Library, env: dict[str, str], out: Path, quiet_sync: Counter[str]
) -> None:
    garbage, missing, foreign = (still(library, albums=1, skip=n) for n in range(3))
    retitled = next(p.id for p in library.photos if p.title and p.id != garbage)
    beside(primary(out, garbage), ".xmp").write_bytes(b"\x00\x01 not xml at all")
    beside(primary(out, missing), ".xmp").unlink()
    other = beside(primary(out, garbage), ".json").read_bytes()
    beside(primary(out, foreign), ".json").write_bytes(other)  # another photo's record
    xmp = beside(primary(out, retitled), ".xmp")
    xmp.write_text(xmp.read_text("utf-8").replace("<dc:title>", "<dc:title>edited "), "utf-8")
    result = verify(env, out)
    assert result.code == 1
    lines = result.stdout.splitlines()
    expected = {
        f"sidecar: {stored(out, garbage).path}.xmp (not XML",
        f"sidecar: {stored(out, missing).path}.xmp ([Errno 2]",
        f"sidecar: {stored(out, foreign).path}.json (the sidecar of photo '{garbage}'",
        f"sidecar: {stored(out, retitled).path}.xmp (dc:title not as the JSON sidecar says",
    }
    for start in expected:
        assert any(line.startswith(start) for line in lines), (start, lines)


def test_repair_mends_sidecars_and_album_copies_without_a_call_or_a_download(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path, quiet_sync: Counter[str]
) -> None:
    whole = archive_bytes(out)
    broken_json, lost_copy, stale_copy = (still(library, albums=2, skip=n) for n in range(3))
    garbage_xmp = still(library, albums=1)
    broken = beside(primary(out, broken_json), ".json")
    broken.unlink()  # saved over by some tool: the album copy's hard link keeps the record
    broken.write_bytes(b"{broken")
    beside(primary(out, garbage_xmp), ".xmp").write_bytes(b"garbage")
    copies(out, lost_copy)[0].unlink()
    stale = beside(copies(out, stale_copy)[0], ".json")
    stale.unlink()
    stale.write_bytes(b'{"schema": 1, "id": "someone else"}\n')
    result = verify(env, out, "--repair")
    assert result.code == 0, result.stdout + result.stderr
    assert "repaired: archive intact" in result.stdout
    assert fake.counters.total_api_calls == 0  # no backup was needed at all
    assert sum(fake.counters.file_requests.values()) == 0
    assert archive_bytes(out) == whole
    assert verify(env, out).code == 0


def test_repair_downloads_only_the_damaged_file(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path, quiet_sync: Counter[str]
) -> None:
    damaged, linked = still(library, albums=1), still(library, albums=2)
    path = primary(out, damaged)
    good = path.read_bytes()
    path.write_bytes(good[:-10] + b"0123456789")  # same size, other bytes
    copies(out, linked)[0].unlink()  # whole elsewhere: linked again, not fetched
    beside(primary(out, linked), ".xmp").write_bytes(b"<not-xmp/>")
    result = verify(env, out, "--repair")
    assert result.code == 0, result.stdout + result.stderr
    assert fake.counters.file_requests == Counter({damaged: 1})
    assert path.read_bytes() == good


def test_repair_asks_flickr_again_for_a_json_sidecar_broken_everywhere(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path, quiet_sync: Counter[str]
) -> None:
    path, before = commented_alone(library, out)
    beside(path, ".json").write_bytes(b"\xff garbage")
    result = verify(env, out, "--repair")
    assert result.code == 0, result.stdout + result.stderr
    assert sum(fake.counters.file_requests.values()) == 0
    assert sidecar(path)["comments"] == before["comments"]


def test_repair_puts_a_deleted_file_back_from_its_album_copy_without_a_download(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path, quiet_sync: Counter[str]
) -> None:
    target = still(library, albums=2)
    whole = archive_bytes(out)
    path = primary(out, target)
    for gone in (path, beside(path, ".json"), beside(path, ".xmp")):
        gone.unlink()  # the album copies keep every byte
    result = verify(env, out, "--repair")
    assert result.code == 0, result.stdout + result.stderr
    assert fake.counters.total_api_calls == 0
    assert sum(fake.counters.file_requests.values()) == 0
    assert archive_bytes(out) == whole
    assert path.samefile(copies(out, target)[0])


@pytest.mark.parametrize("links", ["symlink", "copy"])
def test_an_album_copy_is_made_again_in_the_archives_link_mode_with_no_download(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path, links: str
) -> None:
    assert run_cli(env, "backup", str(out), *FAST, "--links", links).code == 0
    target = still(library, albums=2)
    copy = copies(out, target)[0]
    for gone in (copy, beside(copy, ".json"), beside(copy, ".xmp")):
        gone.unlink()
    fake.counters.reset()
    assert backup(env, out) == 0  # the archive's own mode, remembered
    assert sum(fake.counters.file_requests.values()) == 0
    assert copy.is_symlink() == (links == "symlink")
    assert copy.read_bytes() == primary(out, target).read_bytes()
    assert verify(env, out).code == 0
