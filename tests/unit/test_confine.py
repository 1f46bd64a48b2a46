"""confine: every path written or deleted stays inside OUT, with no symbolic link on the way."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from flickr_async import confine
from flickr_async.errors import StorageError
from flickr_async.fsutil import Scratch
from flickr_async.site.cache import is_site_file


@pytest.fixture
def out(tmp_path: Path) -> Path:
    (tmp_path / "out" / "Album").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    return tmp_path / "out"


@pytest.mark.parametrize(
    "rel", ["../x", "Album/../../x", "/etc/passwd", "", "a//b", "./a", "a\\b", "C:/x", "a\x00b"]
)
def test_a_path_that_could_leave_out_is_refused(out: Path, rel: str) -> None:
    assert not confine.is_relative(rel)
    with pytest.raises(confine.UnsafePath):
        confine.inside(out, rel)


def test_an_absolute_path_must_lie_under_out(out: Path) -> None:
    assert confine.inside(out, out / "Album" / "1.jpg") == out / "Album" / "1.jpg"
    with pytest.raises(confine.UnsafePath):
        confine.inside(out, out.parent / "elsewhere" / "1.jpg")
    with pytest.raises(confine.UnsafePath):
        confine.inside(out, out / "Album" / ".." / ".." / "elsewhere")


def test_a_path_through_a_linked_folder_is_refused(out: Path) -> None:
    (out / "Linked").symlink_to(out.parent / "elsewhere", target_is_directory=True)
    with pytest.raises(confine.UnsafePath, match="symbolic link"):
        confine.inside(out, "Linked/1.jpg")
    with pytest.raises(confine.UnsafePath):
        confine.inside(out, "Linked/deeper/1.jpg")


def test_a_link_as_the_last_part_is_refused_only_when_asked(out: Path) -> None:
    (out / "Album" / "1.jpg").symlink_to(out.parent / "elsewhere" / "x")
    assert confine.inside(out, "Album/1.jpg") == out / "Album" / "1.jpg"  # renamed over
    with pytest.raises(confine.UnsafePath):
        confine.inside(out, "Album/1.jpg", final_link=False)


def test_out_itself_may_be_a_link(tmp_path: Path, out: Path) -> None:
    link = tmp_path / "link-to-out"
    link.symlink_to(out, target_is_directory=True)
    assert confine.inside(link, "Album/1.jpg") == link / "Album" / "1.jpg"


def test_a_tool_folder_that_is_a_link_stops_the_run(out: Path) -> None:
    state = out / ".flickr-async"
    state.mkdir()
    (state / "tmp").symlink_to(out.parent / "elsewhere", target_is_directory=True)
    with pytest.raises(StorageError):
        confine.folder(out, state / "tmp")
    with pytest.raises(StorageError):
        Scratch(state / "tmp")  # without `out` too: clear() would empty the target
    assert confine.folder(out, state / "parts").is_dir()


def test_a_scratch_folder_made_a_link_later_is_not_cleared(out: Path) -> None:
    victim = out.parent / "elsewhere" / "keep.txt"
    victim.write_text("mine")
    scratch = Scratch(out / "tmp", out=out)
    os.rmdir(scratch.root)
    scratch.root.symlink_to(victim.parent, target_is_directory=True)
    with pytest.raises(StorageError):
        scratch.clear()
    assert victim.read_text() == "mine"


def test_open_new_never_writes_through_a_link(out: Path) -> None:
    victim = out.parent / "elsewhere" / "user.txt"
    victim.write_text("mine")
    page = out / "page.html"
    page.symlink_to(victim)
    with pytest.raises(confine.UnsafePath):
        confine.open_new(page)
    assert victim.read_text() == "mine"


@pytest.mark.parametrize(
    "path", ["../victim.txt", "/tmp/victim.txt", ".site/../../victim", ".site/a/../../../x",
             "Album/1.jpg", ".site/cache.sqlite3", ".site/cache.sqlite3-wal", ".site", ""]
)  # fmt: skip
def test_a_site_cache_row_naming_no_file_of_the_site_is_not_one(path: str) -> None:
    assert not is_site_file(path)


def test_the_sites_own_files_are_site_files() -> None:
    for path in ("index.html", ".site/tags.html", ".site/photo/01/52000000001.html",
                 ".site/data/album/72157.js", ".site/tag/new-york-0a1b2c.html"):  # fmt: skip
        assert is_site_file(path)
