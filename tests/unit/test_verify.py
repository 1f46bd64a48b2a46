"""verify_archive() on a small archive made by hand: what it reports, and what it accepts."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from flickr_async.state import State
from flickr_async.verify import Problem, verify_archive

CONTENT = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8 + b"\xff\xd9"


@dataclass
class Archive:
    out: Path
    state: State
    primary: Path  # Holidays/52000000001.jpg
    copy: Path  # Sunsets/52000000001.jpg, hard-linked to the primary

    def problems(self, *, checksums: bool = True) -> list[tuple[str, str]]:
        found: list[Problem] = list(verify_archive(self.out, self.state, checksums=checksums))
        return [(p.kind, p.path) for p in found]


# What the JSON sidecar holds that the state records too (verify checks they agree).
RECORD = {
    "schema": 1,
    "id": "52000000001",
    "albums": [{"id": "1", "title": "Holidays"}, {"id": "2", "title": "Sunsets"}],
    "deleted_on_flickr": None,
}
SERVED = "https://live.staticflickr.com/1/52000000001_abc_o.jpg"


def download(digest: str) -> dict[str, object]:
    return {"url": SERVED, "bytes": len(CONTENT), "sha256": digest}


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
    state.record_done(
        photo_id="52000000001",
        last_update=1_700_000_000,
        original_key="abc:1x1",
        media="photo",
        path="Holidays/52000000001.jpg",
        links=["Sunsets/52000000001.jpg"],
        albums=[("1", "Holidays"), ("2", "Sunsets")],
        size=len(CONTENT),
        sha256=digest,
        served_url=SERVED,
        served_bytes=len(CONTENT),
        served_sha256=digest,
        original=True,
        size_label="Original",
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
