"""verify_archive() on a small archive made by hand: what it reports, and what it accepts."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from flickr_async import embedded_meta, xmp
from flickr_async.archive import Archive as OnDisk
from flickr_async.errors import StorageError
from flickr_async.mend import mend_archive
from flickr_async.state import State
from flickr_async.verify import Problem, verify_archive
from tests.unit.test_state import record

CONTENT = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8 + b"\xff\xd9"


@dataclass
class Archive:
    out: Path
    state: State
    primary: Path  # Holidays/52000000001.jpg
    copy: Path  # Sunsets/52000000001.jpg, hard-linked to the primary

    def problems(self, *, checksums: bool = True) -> list[tuple[str, str]]:
        found: list[Problem] = list(
            verify_archive(OnDisk(self.out), self.state, checksums=checksums)
        )
        return [(p.kind, p.path) for p in found]


# What the JSON sidecar holds that the state records too (verify checks they agree).
RECORD = {
    "schema": 1,
    "id": "52000000001",
    "visibility": {"public": True, "friend": False, "family": False},  # a private one: no url
    "albums": [{"id": "1", "title": "Holidays"}, {"id": "2", "title": "Sunsets"}],
    "deleted_on_flickr": None,
}
SERVED = "https://live.staticflickr.com/1/52000000001_abc_o.jpg"


def download(digest: str) -> dict[str, object]:
    return {
        "url": SERVED,
        "bytes": len(CONTENT),
        "sha256": digest,
        "original": True,
        "size_label": "Original",
    }


def sidecar_of(path: Path) -> Path:
    return path.with_name(path.name + ".json")


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[Archive]:
    """One photo stored in Holidays and hard-linked (file and sidecar) into Sunsets."""
    out = tmp_path / "out"
    primary, copy = out / "Holidays" / "52000000001.jpg", out / "Sunsets" / "52000000001.jpg"
    primary.parent.mkdir(parents=True)
    copy.parent.mkdir()
    primary.write_bytes(CONTENT)
    digest = hashlib.sha256(CONTENT).hexdigest()
    sidecar_of(primary).write_text(json.dumps(RECORD | {"download": download(digest)}))
    os.link(primary, copy)
    os.link(sidecar_of(primary), sidecar_of(copy))
    state = State.open(out)
    record(
        state,
        photo_id="52000000001",
        last_update=1_700_000_000,
        original_key="abc:1x1",
        path="Holidays/52000000001.jpg",
        links=["Sunsets/52000000001.jpg"],
        albums=[("1", "Holidays"), ("2", "Sunsets")],
        size=len(CONTENT),
        sha256=digest,
        served_url=SERVED,
        served_bytes=len(CONTENT),
        served_sha256=digest,
        date_taken="2024-01-01 12:00:00",
    )
    yield Archive(out, state, primary, copy)
    state.close()


def flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def test_an_intact_archive_with_hard_linked_album_copies_has_no_problems(
    archive: Archive,
) -> None:
    assert archive.problems() == []


def test_a_byte_identical_album_copy_is_accepted_where_there_are_no_hard_links(
    archive: Archive,
) -> None:
    archive.copy.unlink()
    archive.copy.write_bytes(CONTENT)
    assert archive.problems() == []


def test_a_missing_file_is_reported_as_missing(archive: Archive) -> None:
    archive.primary.unlink()
    assert archive.problems() == [("missing", "Holidays/52000000001.jpg")]


def test_a_file_of_another_size_is_reported_as_size(archive: Archive) -> None:
    archive.primary.write_bytes(CONTENT[:100])  # the copy shares the inode: cut too
    assert archive.problems() == [("size", "Holidays/52000000001.jpg")]


def test_a_flipped_byte_is_reported_as_checksum(archive: Archive) -> None:
    flip_a_byte(archive.primary)
    assert archive.problems() == [("checksum", "Holidays/52000000001.jpg")]


def test_a_flipped_byte_goes_unnoticed_without_checksums(archive: Archive) -> None:
    flip_a_byte(archive.primary)
    assert archive.problems(checksums=False) == []


def test_an_unreadable_sidecar_is_reported_as_sidecar(archive: Archive) -> None:
    sidecar_of(archive.primary).write_text("{broken")
    assert archive.problems() == [("sidecar", "Holidays/52000000001.jpg.json")]


def test_a_missing_sidecar_is_reported_as_sidecar(archive: Archive) -> None:
    sidecar_of(archive.primary).unlink()
    assert archive.problems() == [("sidecar", "Holidays/52000000001.jpg.json")]


def test_a_missing_album_copy_is_reported_as_link(archive: Archive) -> None:
    archive.copy.unlink()
    assert archive.problems() == [("link", "Sunsets/52000000001.jpg")]


def test_an_album_copy_with_other_bytes_is_reported_as_link(archive: Archive) -> None:
    archive.copy.unlink()
    archive.copy.write_bytes(CONTENT)
    flip_a_byte(archive.copy)
    assert archive.problems() == [("link", "Sunsets/52000000001.jpg")]


def test_an_album_copys_missing_sidecar_is_reported_as_link(archive: Archive) -> None:
    sidecar_of(archive.copy).unlink()
    assert archive.problems() == [("link", "Sunsets/52000000001.jpg.json")]


def test_an_album_copys_stale_sidecar_is_reported_as_link(archive: Archive) -> None:
    sidecar_of(archive.copy).unlink()
    sidecar_of(archive.copy).write_text(json.dumps({"schema": 1, "id": "52000000001", "x": 1}))
    assert archive.problems() == [("link", "Sunsets/52000000001.jpg.json")]


def test_a_failed_item_that_never_had_a_file_is_not_a_problem(archive: Archive) -> None:
    archive.state.record_failed("52000000002", "HTTP 404 from the file server")
    assert archive.problems() == []


def test_an_album_copys_xmp_sidecar_must_match_the_primarys(archive: Archive) -> None:
    xmp = archive.primary.with_name(archive.primary.name + ".xmp")
    xmp.write_bytes(b"<x:xmpmeta/>")
    assert archive.problems() == [("link", "Sunsets/52000000001.jpg.xmp")]
    os.link(xmp, archive.copy.with_name(archive.copy.name + ".xmp"))
    assert archive.problems() == []


# --- what the sidecars say -----------------------------------------------------------------


def xmp_of(path: Path) -> Path:
    return path.with_name(path.name + ".xmp")


@pytest.fixture
def with_xmp(archive: Archive) -> Archive:
    """The archive as this version writes it: an .xmp beside the file and its album copy."""
    doc = json.loads(sidecar_of(archive.primary).read_text())
    xmp_of(archive.primary).write_bytes(xmp.packet(embedded_meta.from_sidecar(doc)))
    os.link(xmp_of(archive.primary), xmp_of(archive.copy))
    archive.state._db.execute("UPDATE photos SET embed_version = ?", (embedded_meta.EMBED_VERSION,))
    return archive


def test_an_archive_with_its_xmp_sidecars_has_no_problems(with_xmp: Archive) -> None:
    assert with_xmp.problems() == []


def test_a_missing_xmp_sidecar_is_reported(with_xmp: Archive) -> None:
    xmp_of(with_xmp.primary).unlink()
    assert with_xmp.problems() == [("sidecar", "Holidays/52000000001.jpg.xmp")]


def test_a_garbage_xmp_sidecar_is_reported_and_its_copy_not_compared(with_xmp: Archive) -> None:
    xmp_of(with_xmp.primary).unlink()
    xmp_of(with_xmp.primary).write_bytes(b"garbage")
    [problem] = verify_archive(OnDisk(with_xmp.out), with_xmp.state)
    assert (problem.kind, problem.path) == ("sidecar", "Holidays/52000000001.jpg.xmp")
    assert problem.detail.startswith("not XML")


def test_an_xmp_sidecar_that_says_something_else_is_reported(with_xmp: Archive) -> None:
    doc = json.loads(sidecar_of(with_xmp.primary).read_text())
    xmp_of(with_xmp.primary).write_bytes(
        xmp.packet(embedded_meta.from_sidecar(doc | {"title": "x"}))
    )
    [problem] = verify_archive(OnDisk(with_xmp.out), with_xmp.state)
    assert problem.detail == "dc:title not as the JSON sidecar says"


def test_no_xmp_is_expected_where_the_archive_writes_none(with_xmp: Archive) -> None:
    xmp_of(with_xmp.primary).unlink()
    xmp_of(with_xmp.copy).unlink()
    with_xmp.state.set_meta({"options": json.dumps({"xmp": False})})
    assert with_xmp.problems() == []


def test_no_xmp_is_expected_of_a_row_written_before_xmp_sidecars(archive: Archive) -> None:
    assert not xmp_of(archive.primary).exists()  # embed_version 1: the next run writes it
    assert archive.problems() == []


def rewrite_sidecar(archive: Archive, **changes: object) -> None:
    path = sidecar_of(archive.primary)
    doc = json.loads(path.read_text())
    path.unlink()  # a new file: the album copy keeps the old one
    path.write_text(json.dumps(doc | changes))


def problem_of(archive: Archive) -> tuple[str, str, str]:
    [problem, *_] = verify_archive(OnDisk(archive.out), archive.state)
    return problem.kind, problem.path, problem.detail


def test_another_photos_json_sidecar_is_reported(archive: Archive) -> None:
    rewrite_sidecar(archive, id="52000000002")
    assert problem_of(archive) == (
        "sidecar",
        "Holidays/52000000001.jpg.json",
        "the sidecar of photo '52000000002', not of 52000000001",
    )


def test_a_json_sidecar_whose_albums_differ_from_the_state_is_reported(archive: Archive) -> None:
    rewrite_sidecar(archive, albums=[{"id": "1", "title": "Holidays"}])
    assert problem_of(archive)[2] == "its albums differ from the state's"


def test_a_json_sidecar_whose_download_differs_from_the_state_is_reported(
    archive: Archive,
) -> None:
    rewrite_sidecar(archive, download={"url": SERVED, "bytes": 1, "sha256": "0" * 64})
    assert problem_of(archive)[2] == (
        "its download record (url, bytes, sha256) differs from the state's"
    )


def test_a_json_sidecar_that_says_deleted_when_the_state_does_not_is_reported(
    archive: Archive,
) -> None:
    rewrite_sidecar(archive, deleted_on_flickr="2024-01-01")
    assert problem_of(archive)[2] == "its deleted_on_flickr differs from the state's"


# --- verify --repair: what is mended with no call ------------------------------------------


def mend(archive: Archive) -> list[str]:
    """verify --repair's offline part; returns the ids still needing Flickr."""
    return mend_archive(
        OnDisk(archive.out), archive.state, list(verify_archive(OnDisk(archive.out), archive.state))
    )


def test_a_json_sidecar_is_mended_from_its_album_copys(with_xmp: Archive) -> None:
    good = json.loads(sidecar_of(with_xmp.primary).read_text())
    rewrite_sidecar(with_xmp, id="52000000002")
    assert mend(with_xmp) == []
    mended = json.loads(sidecar_of(with_xmp.primary).read_text())
    assert mended == good  # the album copy's
    assert with_xmp.problems() == []


def test_a_mended_sidecar_that_does_not_say_its_photo_is_public_gets_no_download_url(
    archive: Archive,
) -> None:
    # The state keeps the URL (owner-only); a sidecar beside the photo, which the site may
    # link, names it only for a photo Flickr shows to everyone.
    path = sidecar_of(archive.primary)  # hard-linked: the album copy's changes with it
    path.write_text(json.dumps(json.loads(path.read_text()) | {"visibility": None, "albums": []}))
    assert mend(archive) == []
    mended = json.loads(sidecar_of(archive.primary).read_text())
    assert mended["download"]["url"] is None and mended["download"]["sha256"]


def test_a_missing_xmp_sidecar_and_album_copy_are_made_again(with_xmp: Archive) -> None:
    good = xmp_of(with_xmp.primary).read_bytes()
    for path in (xmp_of(with_xmp.primary), with_xmp.copy, xmp_of(with_xmp.copy)):
        path.unlink()
    assert mend(with_xmp) == []
    assert xmp_of(with_xmp.primary).read_bytes() == good
    assert with_xmp.copy.samefile(with_xmp.primary)
    assert with_xmp.problems() == []


def test_albums_the_state_records_are_put_back_into_the_json_sidecar(archive: Archive) -> None:
    rewrite_sidecar(archive, albums=[], deleted_on_flickr="2024-01-01")
    assert mend(archive) == []
    doc = json.loads(sidecar_of(archive.primary).read_text())
    assert [a["id"] for a in doc["albums"]] == ["1", "2"] and doc["deleted_on_flickr"] is None
    assert archive.problems() == []


def test_a_json_sidecar_broken_everywhere_is_left_for_flickr(archive: Archive) -> None:
    sidecar_of(archive.primary).write_text("{broken")  # the copy shares the inode
    assert mend(archive) == ["52000000001"]
    row = archive.state.photo("52000000001")
    assert row is not None and row.metadata_stale and row.is_done  # no download: metadata
    assert sidecar_of(archive.primary).read_text() == "{broken"


def test_a_damaged_file_is_left_for_a_download(archive: Archive) -> None:
    flip_a_byte(archive.primary)
    assert mend(archive) == ["52000000001"]
    row = archive.state.photo("52000000001")
    assert row is not None and row.error == "needs repair"


def test_a_deleted_file_is_put_back_from_its_hard_linked_album_copy(with_xmp: Archive) -> None:
    with_xmp.primary.unlink()
    assert mend(with_xmp) == []
    assert with_xmp.primary.samefile(with_xmp.copy)
    assert with_xmp.problems() == []


def test_a_damaged_file_is_put_back_from_an_album_copy_with_the_recorded_bytes(
    archive: Archive,
) -> None:
    archive.state.set_meta({"options": json.dumps({"links": "copy"})})
    archive.copy.unlink()
    archive.copy.write_bytes(CONTENT)  # as --links copy makes them
    flip_a_byte(archive.primary)
    assert mend(archive) == []
    assert archive.primary.read_bytes() == CONTENT
    assert not archive.primary.samefile(archive.copy)  # still a copy of its own
    assert archive.problems() == []


# --- verify --repair writes through no link (issue 24 review) -------------------------------


def linked_to_victim(folder: Path, contents: Path | None = None) -> Path:
    """`folder` replaced by a link to a folder beside OUT (holding `contents`' files)."""
    victim = folder.parent.parent / f"victim-{folder.name}"
    if contents is None:
        victim.mkdir()
    else:
        contents.rename(victim)
    if folder.exists():
        for entry in folder.iterdir():
            entry.unlink()
        folder.rmdir()
    folder.symlink_to(victim, target_is_directory=True)
    return victim


def listing(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_an_album_copy_behind_a_linked_folder_is_not_made_through_the_link(
    with_xmp: Archive,
) -> None:
    victim = linked_to_victim(with_xmp.copy.parent)
    assert mend(with_xmp) == []
    assert listing(victim) == {}
    assert ("link", "Sunsets/52000000001.jpg") in with_xmp.problems()  # still reported


def test_a_file_is_not_put_back_through_a_linked_primary_folder(with_xmp: Archive) -> None:
    aside = with_xmp.out.parent / "aside"
    aside.mkdir()
    victim = linked_to_victim(with_xmp.primary.parent, aside)
    assert mend(with_xmp) == []
    assert listing(victim) == {}
    assert ("missing", "Holidays/52000000001.jpg") in with_xmp.problems()


def test_a_favourites_xmp_is_not_written_through_a_linked_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    aside = tmp_path / "aside"
    aside.mkdir()
    (aside / "52000000009.jpg.json").write_text(json.dumps(RECORD | {"id": "52000000009"}))
    (out / "Favorites").mkdir(parents=True)
    victim = linked_to_victim(out / "Favorites", aside)
    before = listing(victim)
    problem = Problem("52000000009", "Favorites/52000000009.jpg.xmp", "sidecar", "missing")
    state = State.open(out)
    try:
        assert mend_archive(OnDisk(out), state, [problem]) == []
    finally:
        state.close()
    assert listing(victim) == before


def test_repair_refuses_a_tool_folder_reached_through_a_link_and_clears_nothing(
    archive: Archive,
) -> None:
    victim = archive.out.parent / "victim"
    (victim / "tmp-mend").mkdir(parents=True)
    (victim / "tmp-mend" / "user.txt").write_text("the user's own file\n")
    problems = list(verify_archive(OnDisk(archive.out), archive.state))
    archive.state.close()
    tool = archive.out / ".flickr-async"
    for entry in tool.iterdir():
        entry.rename(victim / entry.name)
    tool.rmdir()
    tool.symlink_to(victim, target_is_directory=True)
    archive.state = State.open(archive.out)
    with pytest.raises(StorageError, match="symbolic link"):
        mend_archive(OnDisk(archive.out), archive.state, problems)
    assert (victim / "tmp-mend" / "user.txt").read_text() == "the user's own file\n"
