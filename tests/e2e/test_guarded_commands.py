"""The archive commands around a backup keep to its rules (issue 24 review): `verify --repair`
never writes through a folder replaced by a link, the run log never lands in (or prunes) a
linked logs folder, every backup writes its --report even when the rebuild of its lost state
is refused, `site` builds nothing from an unusable state, and `status` says a first backup
is running rather than that its state is unusable."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.helpers import FAST, run_cli
from tests.e2e.test_hostile_paths import tree
from tests.fakeflickr import Library


def linked_aside(folder: Path, target: Path) -> None:
    """`folder` moved away (beside OUT) and replaced by a link to `target`."""
    folder.rename(folder.parent.parent / f"moved-away-{folder.name}")
    folder.symlink_to(target, target_is_directory=True)


def test_verify_repair_writes_nothing_through_an_album_folder_replaced_by_a_link(
    library: Library, env: dict[str, str], out: Path, tmp_path: Path
) -> None:
    assert run_cli(env, "backup", str(out), *FAST).code == 0
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "user.txt").write_text("the user's own file\n")
    album = library.albums[0]
    folder = next(p for p in out.iterdir() if p.is_dir() and p.name.startswith(album.title[:8]))
    assert any(folder.iterdir())
    linked_aside(folder, victim)
    before = tree(victim)

    checked = run_cli(env, "verify", str(out))
    repair = run_cli(env, "verify", str(out), "--repair")

    assert checked.code != 0 and "missing" in checked.stdout, checked.stdout
    assert repair.code != 0, repair.stdout + repair.stderr
    assert tree(victim) == before, "written through the link"
    assert "symbolic link" in repair.stderr and "Traceback" not in repair.stderr, repair.stderr
    assert folder.is_symlink()
