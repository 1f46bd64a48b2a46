"""verify_archive() names each problem exactly: kind, path, detail (gaps found by `make mutate`)."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from flickr_async import sidecar
from flickr_async.archive import Archive
from flickr_async.state import State
from flickr_async.verify import Problem, verify_archive
from tests.unit.test_state import record

PHOTO = b"\xff\xd8 some jpeg bytes \xff\xd9"


# The sidecar's fields the state records too: verify checks they agree.
RECORD = {
    "schema": 1,
    "id": "1",
    "albums": [{"id": "a", "title": "A"}, {"id": "b", "title": "B"}],
    "deleted_on_flickr": None,
}


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return tmp_path / "out"


@pytest.fixture
def state(out: Path) -> Iterator[State]:
    opened = State.open(out)
    yield opened
    opened.close()


def archive(out: Path, state: State, *, link: str = "hard") -> None:
    """Photo 1 in album A, with its sidecar, and in album B as hard links or plain copies."""
    primary = out / "A" / "1.jpg"
    primary.parent.mkdir(parents=True)
    primary.write_bytes(PHOTO)
    primary.with_name("1.jpg.json").write_bytes(sidecar.dumps(RECORD))
    (out / "B").mkdir()
    for name in ("1.jpg", "1.jpg.json"):  # the copy's sidecar is the primary's too
        if link == "hard":
            os.link(out / "A" / name, out / "B" / name)
        else:
            shutil.copyfile(out / "A" / name, out / "B" / name)
    record(
        state,
        photo_id="1",
        original_key="s:1",
        path="A/1.jpg",
        links=["B/1.jpg"],
        albums=[("a", "A"), ("b", "B")],
        size=len(PHOTO),
        sha256=hashlib.sha256(PHOTO).hexdigest(),
        served_url=None,
        served_bytes=None,
        served_sha256=None,
        date_taken=None,
    )


def test_an_intact_archive_has_no_problems(out: Path, state: State) -> None:
    archive(out, state)
    assert list(verify_archive(Archive(out), state)) == []


def test_an_album_copy_with_the_same_bytes_counts_as_intact(out: Path, state: State) -> None:
    """Filesystems without hard links get copies; equal bytes are as good as a link."""
    archive(out, state, link="copy")
    assert list(verify_archive(Archive(out), state)) == []


def test_a_missing_file_is_reported_with_its_id_and_path(out: Path, state: State) -> None:
    archive(out, state)
    (out / "A" / "1.jpg").unlink()
    problems = list(verify_archive(Archive(out), state))
    assert problems == [Problem("1", "A/1.jpg", "missing", "file not found")]
    assert str(problems[0]) == "missing: A/1.jpg (file not found)"


def test_a_file_of_another_size_is_reported_with_both_sizes(out: Path, state: State) -> None:
    archive(out, state)
    (out / "A" / "1.jpg").write_bytes(PHOTO[:5])
    expected = f"5 bytes, expected {len(PHOTO)}"
    assert list(verify_archive(Archive(out), state)) == [Problem("1", "A/1.jpg", "size", expected)]


def flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[3] ^= 0xFF
    path.write_bytes(bytes(data))


def test_a_flipped_byte_is_a_checksum_problem_by_default(out: Path, state: State) -> None:
    archive(out, state)
    flip_a_byte(out / "A" / "1.jpg")
    assert list(verify_archive(Archive(out), state)) == [
        Problem("1", "A/1.jpg", "checksum", "SHA-256 differs from the recorded one")
    ]


def test_without_checksums_a_flipped_byte_goes_unnoticed(out: Path, state: State) -> None:
    archive(out, state, link="copy")
    flip_a_byte(out / "A" / "1.jpg")
    flip_a_byte(out / "B" / "1.jpg")
    assert list(verify_archive(Archive(out), state, checksums=False)) == []


def test_a_broken_sidecar_is_reported_against_the_sidecar(out: Path, state: State) -> None:
    archive(out, state)
    (out / "A" / "1.jpg.json").write_bytes(b"{not json")
    with pytest.raises(ValueError) as parse_error:
        sidecar.loads(b"{not json")
    assert list(verify_archive(Archive(out), state)) == [
        Problem("1", "A/1.jpg.json", "sidecar", str(parse_error.value))
    ]


def test_a_missing_sidecar_is_a_sidecar_problem(out: Path, state: State) -> None:
    archive(out, state)
    (out / "A" / "1.jpg.json").unlink()
    [problem] = verify_archive(Archive(out), state)
    assert (problem.photo_id, problem.path, problem.kind) == ("1", "A/1.jpg.json", "sidecar")
    assert "No such file" in problem.detail


def test_a_sidecar_error_without_a_message_is_named_by_its_type(
    out: Path, state: State, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive(out, state)

    def refuse(data: bytes) -> dict[str, object]:
        raise ValueError()

    monkeypatch.setattr(sidecar, "loads", refuse)
    assert list(verify_archive(Archive(out), state)) == [
        Problem("1", "A/1.jpg.json", "sidecar", "ValueError")
    ]


def test_a_missing_album_link_is_a_link_problem(out: Path, state: State) -> None:
    archive(out, state)
    (out / "B" / "1.jpg").unlink()
    assert list(verify_archive(Archive(out), state)) == [
        Problem("1", "B/1.jpg", "link", "album copy missing or different")
    ]


def test_an_album_copy_with_other_bytes_is_a_link_problem(out: Path, state: State) -> None:
    archive(out, state, link="copy")
    flip_a_byte(out / "B" / "1.jpg")
    assert list(verify_archive(Archive(out), state)) == [
        Problem("1", "B/1.jpg", "link", "album copy missing or different")
    ]


def test_a_row_marked_for_repair_is_still_checked(out: Path, state: State) -> None:
    archive(out, state)
    state.mark_for_repair(["1"])
    (out / "A" / "1.jpg").unlink()
    assert [p.kind for p in verify_archive(Archive(out), state)] == ["missing"]


def test_an_item_that_never_got_a_file_is_not_checked(out: Path, state: State) -> None:
    state.record_failed("2", "HTTP 500")
    assert list(verify_archive(Archive(out), state)) == []
