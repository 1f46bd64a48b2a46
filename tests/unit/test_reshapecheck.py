"""reshapecheck: what a reshape finds before its first move (foreign files, room for copies)."""

from __future__ import annotations

from pathlib import Path

import pytest

from flickr_async import reshapecheck
from flickr_async.errors import ConfigError, StorageError
from flickr_async.reshapecheck import check_free_space, check_nothing_in_the_way
from flickr_async.state import ReshapeMove, StoredPhoto

MIB = 1 << 20


def stored(photo_id: str, path: str, links: tuple[str, ...] = ()) -> StoredPhoto:
    return StoredPhoto(
        photo_id, "done", None, 0, 0, "", "photo", path, links, (), None, None, None, None,
        None, None, None, None, None,
    )  # fmt: skip


@pytest.fixture
def out(tmp_path: Path) -> Path:
    (tmp_path / "Trip").mkdir()
    for name in ("Trip/1.jpg", "Trip/1.jpg.json", "Trip/2.jpg", "Trip/2.jpg.json"):
        (tmp_path / name).write_bytes(b"x" * 1000)
    return tmp_path


PHOTOS = [stored("1", "Trip/1.jpg"), stored("2", "Trip/2.jpg")]


def test_a_swap_of_two_archived_names_is_not_in_the_way(out: Path) -> None:
    moves = [
        ReshapeMove("1", "Trip/1.jpg", (), "Trip/2.jpg", ()),
        ReshapeMove("2", "Trip/2.jpg", (), "Trip/1.jpg", ()),
    ]
    check_nothing_in_the_way(out, moves, PHOTOS)


def test_a_stranger_at_a_new_path_or_its_sidecar_is_in_the_way(out: Path) -> None:
    (out / "1.jpg.json").write_text("mine")
    moves = [ReshapeMove("1", "Trip/1.jpg", (), "1.jpg", ())]
    with pytest.raises(ConfigError, match=r"1\.jpg\.json is in the way of photo 1: .*nothing"):
        check_nothing_in_the_way(out, moves, PHOTOS)


def test_a_stranger_is_counted_once_however_many_photos_it_blocks(out: Path) -> None:
    (out / "2019").write_text("a file, not a folder")
    moves = [
        ReshapeMove("1", "Trip/1.jpg", (), "2019/07/1.jpg", ()),
        ReshapeMove("2", "Trip/2.jpg", (), "2019/08/2.jpg", ("2019/08/x/2.jpg",)),
    ]
    with pytest.raises(ConfigError) as caught:
        check_nothing_in_the_way(out, moves, PHOTOS)
    assert str(caught.value).startswith(f"{out / '2019'} is in the way of photo 1: ")


def test_an_xmp_the_photo_does_not_have_goes_nowhere(out: Path) -> None:
    (out / "1.jpg.xmp").write_text("someone else's")
    check_nothing_in_the_way(out, [ReshapeMove("1", "Trip/1.jpg", (), "1.jpg", ())], PHOTOS)


@pytest.mark.parametrize(
    ("copies_from", "copies_to", "free", "fits"),
    [
        ("hardlink", "copy", 17 * MIB, True),  # a few KiB of copies and the 16 MiB margin
        ("hardlink", "copy", 16 * MIB, False),
        ("copy", "copy", 0, True),  # the same copies, renamed: what is removed is made again
        ("copy", "hardlink", 0, True),
        ("hardlink", "symlink", 0, True),
    ],
)
def test_room_for_copies_counts_the_copies_made_less_those_removed(
    out: Path,
    monkeypatch: pytest.MonkeyPatch,
    copies_from: str,
    copies_to: str,
    free: int,
    fits: bool,
) -> None:
    monkeypatch.setattr(reshapecheck, "free_bytes", lambda path: free)
    moves = [ReshapeMove("1", "Trip/1.jpg", ("A/1.jpg",), "1.jpg", ("A/1.jpg", "B/1.jpg"))]
    if copies_from == "copy":
        moves = [ReshapeMove("1", "Trip/1.jpg", ("A/1.jpg", "B/1.jpg"), "1.jpg", ("B/1.jpg",))]
    check = lambda: check_free_space(  # noqa: E731
        out, out / "staging", moves, copies_from=copies_from, copies_to=copies_to
    )
    if fits:
        check()
    else:
        with pytest.raises(StorageError, match=r"not enough free space .* \(nothing was moved\)"):
            check()


def test_staged_photos_have_freed_their_old_copies_already(
    out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reshapecheck, "free_bytes", lambda path: 16 * MIB)
    staging = out / "staging"
    staging.mkdir()
    (out / "Trip/1.jpg").rename(staging / "1.jpg")
    move = ReshapeMove("1", "Trip/1.jpg", ("A/1.jpg",), "1.jpg", ("A/1.jpg",))
    check_free_space(out, staging, [move], copies_from="copy", copies_to="copy")
    with pytest.raises(StorageError):
        check_free_space(out, staging, [], [move], copies_from="copy", copies_to="copy")
